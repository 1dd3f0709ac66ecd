/* logreader.c: the incremental reader of a pod's log body (see logreader.h). */
#include "logreader.h"

#include <stdlib.h>
#include <string.h>

#include "kwbuf.h"

struct kwlog_reader {
  kwlog_options opt;
  /* The chunk being read: the caller's bytes, or own.data after an early feed. */
  const char *chunk;
  size_t chunk_len, pos;
  kwbuf own;
  /* A line cut by the end of a chunk: its first max_line bytes, how many more were
   * dropped, and its last byte (a '\r' there belongs to a "\r\n" terminator). */
  kwbuf line;
  size_t dropped;
  int carrying;
  char last;
  int finished;
  kwtime_cache times;      /* the last timestamp's date and minute */
  uint64_t seen_at_resume; /* lines of the second resume_sec met so far */
  int has_cursor;
  int64_t cursor_sec;
  uint64_t cursor_count;
  kwlog_stats stats;
  char errors[KWLOG_ERRORS][KWLOG_ERROR_TEXT];
  size_t error_len[KWLOG_ERRORS];
  uint64_t error_total;
};

kwlog_reader *kwlog_reader_new(const kwlog_options *opts)
{
  kwlog_reader *r = calloc(1, sizeof *r);
  if (r == NULL)
    return NULL;
  if (opts != NULL)
    r->opt = *opts;
  if (r->opt.max_line == 0)
    r->opt.max_line = KWLOG_DEFAULT_MAX_LINE;
  kwbuf_init(&r->own, 0);
  kwbuf_init(&r->line, r->opt.max_line);
  if (r->opt.cursor == KWLOG_RESUME) {
    r->has_cursor = 1;
    r->cursor_sec = r->opt.resume_sec;
    r->cursor_count = r->opt.resume_count;
  } else if (r->opt.cursor == KWLOG_SINCE) {
    r->has_cursor = 1;
    r->cursor_sec = r->opt.since.sec;
  }
  return r;
}

void kwlog_reader_free(kwlog_reader *r)
{
  if (r == NULL)
    return;
  kwbuf_free(&r->own);
  kwbuf_free(&r->line);
  free(r);
}

int kwlog_reader_feed(kwlog_reader *r, const char *bytes, size_t n)
{
  size_t rest = r->chunk_len - r->pos;
  if (rest == 0) {
    r->chunk = bytes;
    r->chunk_len = n;
    r->pos = 0;
    return 0;
  }
  /* Fed before drained: keep the unread rest and the new bytes in own. */
  if (r->chunk == r->own.data) {
    memmove(r->own.data, r->chunk + r->pos, rest);
    r->own.len = rest;
  } else {
    kwbuf_reset(&r->own);
    if (kwbuf_reserve(&r->own, rest + n) != 0)
      return -1;
    kwbuf_append(&r->own, r->chunk + r->pos, rest);
  }
  r->chunk = r->own.data;
  r->chunk_len = rest;
  r->pos = 0;
  if (kwbuf_append(&r->own, bytes, n) != 0)
    return -1;
  r->chunk = r->own.data;
  r->chunk_len = r->own.len;
  return 0;
}

void kwlog_reader_finish(kwlog_reader *r)
{
  r->finished = 1;
}

/* Adds n bytes to the carried line, keeping at most max_line of them. Bytes that do not
 * fit (or find no memory) are dropped and the line is marked truncated. */
static void carry(kwlog_reader *r, const char *p, size_t n)
{
  if (!r->carrying) {
    kwbuf_reset(&r->line);
    r->dropped = 0;
    r->last = '\0';
    r->carrying = 1;
  }
  if (n == 0)
    return;
  size_t room = r->opt.max_line - r->line.len;
  size_t keep = n < room ? n : room;
  if (keep != 0 && kwbuf_append(&r->line, p, keep) != 0)
    keep = 0;
  r->dropped += n - keep;
  r->last = p[n - 1];
}

static void remember_error(kwlog_reader *r, const char *line, size_t n)
{
  size_t slot = (size_t)(r->error_total++ % KWLOG_ERRORS);
  size_t keep = n < KWLOG_ERROR_TEXT ? n : KWLOG_ERROR_TEXT;
  memcpy(r->errors[slot], line, keep);
  r->error_len[slot] = keep;
}

/* Whether the cursor lets a line of time t through; moves the resume cursor over every
 * line the stream has had, except those a resume cursor already counted. */
static int admit(kwlog_reader *r, kwtime t)
{
  int pass = 1;
  if (r->opt.cursor == KWLOG_SINCE) {
    pass = kwtime_compare(t, r->opt.since) > 0;
  } else if (r->opt.cursor == KWLOG_RESUME) {
    if (t.sec < r->opt.resume_sec)
      return 0;
    if (t.sec == r->opt.resume_sec && ++r->seen_at_resume <= r->opt.resume_count)
      return 0;
  }
  if (!r->has_cursor || t.sec > r->cursor_sec) {
    r->has_cursor = 1;
    r->cursor_sec = t.sec;
    r->cursor_count = 1;
  } else if (t.sec == r->cursor_sec) {
    r->cursor_count++;
  }
  return pass;
}

/* The first space in the n bytes at p, or NULL. Timestamps are short, so this scans a
 * word at a time inline rather than calling memchr. */
static const char *find_space(const char *p, size_t n)
{
  size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
  const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    memcpy(&v, p + i, 8);
    v ^= ones * ' ';
    /* The lowest high bit set marks the first zero byte, that is the first space. */
    uint64_t zero = (v - ones) & ~v & highs;
    if (zero != 0)
      return p + i + (size_t)__builtin_ctzll(zero) / 8;
  }
#endif
  for (; i < n; i++)
    if (p[i] == ' ')
      return p + i;
  return NULL;
}

/* Turns one line (terminator removed) into a record; 0 when it yields none. */
static int take_line(kwlog_reader *r, const char *line, size_t n, int truncated,
                     kwlog_record *out)
{
  if (n == 0 && !truncated) {
    r->stats.empty++;
    return 0;
  }
  r->stats.truncated += truncated != 0;
  const char *space = find_space(line, n);
  kwtime t;
  if (space == NULL || kwtime_parse_cached(&r->times, line, (size_t)(space - line), &t) != 0) {
    r->stats.malformed++;
    remember_error(r, line, n);
    return 0;
  }
  r->stats.lines++;
  if (!admit(r, t)) {
    r->stats.skipped++;
    return 0;
  }
  r->stats.delivered++;
  out->sec = t.sec;
  out->nsec = t.nsec;
  out->truncated = truncated != 0;
  out->msg = space + 1;
  out->len = n - (size_t)(space + 1 - line);
  return 1;
}

int kwlog_reader_next(kwlog_reader *r, kwlog_record *out)
{
  for (;;) {
    const char *line;
    size_t n, dropped;
    if (r->pos < r->chunk_len) {
      const char *start = r->chunk + r->pos;
      size_t avail = r->chunk_len - r->pos;
      const char *nl = memchr(start, '\n', avail);
      if (nl == NULL) {
        carry(r, start, avail);
        r->pos = r->chunk_len;
        continue;
      }
      n = (size_t)(nl - start);
      r->pos += n + 1;
      if (!r->carrying) {
        n -= n != 0 && start[n - 1] == '\r';
        line = start;
        dropped = n > r->opt.max_line ? n - r->opt.max_line : 0;
        n -= dropped;
      } else {
        carry(r, start, n);
        if (r->last == '\r' && r->line.len + r->dropped != 0) {
          if (r->dropped != 0)
            r->dropped--;
          else
            r->line.len--;
        }
        r->carrying = 0;
        line = r->line.data;
        n = r->line.len;
        dropped = r->dropped;
      }
    } else if (r->finished && r->carrying) {
      r->carrying = 0;
      line = r->line.data;
      n = r->line.len;
      dropped = r->dropped;
    } else {
      return 0;
    }
    if (take_line(r, line, n, dropped != 0, out))
      return 1;
  }
}

const kwlog_stats *kwlog_reader_stats(const kwlog_reader *r)
{
  return &r->stats;
}

int kwlog_reader_cursor(const kwlog_reader *r, int64_t *sec, uint64_t *count)
{
  *sec = r->cursor_sec;
  *count = r->cursor_count;
  return r->has_cursor;
}

size_t kwlog_reader_error(const kwlog_reader *r, size_t i, const char **text, size_t *len)
{
  size_t count = r->error_total < KWLOG_ERRORS ? (size_t)r->error_total : KWLOG_ERRORS;
  if (i < count) {
    size_t slot = (size_t)((r->error_total - count + i) % KWLOG_ERRORS);
    *text = r->errors[slot];
    *len = r->error_len[slot];
  }
  return count;
}
