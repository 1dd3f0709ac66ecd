/* logcollect.c: one activation's logs collected in C (see logcollect.h). */
#include "logcollect.h"

#include <stdlib.h>
#include <string.h>

#include "kwbuf.h"
#include "logrecord.h"

struct kwlog_collector {
  uint64_t limit, used;
  char *stream;
  size_t stream_len;
  int state, sentinels;
  kwbuf lines;       /* the kept lines, back to back */
  size_t *ends;      /* where each kept line ends in lines */
  size_t count, cap; /* lines kept, room in ends */
  kwtime_format_cache times;
  /* of the last record that passed the limit (once used is not 0: each weighs 1 or more) */
  int64_t cursor_sec;
  uint64_t cursor_count;
  kwtime last;
};

kwlog_collector *kwlog_collector_new(uint64_t limit, const char *stream, size_t stream_len)
{
  kwlog_collector *c = calloc(1, sizeof *c);
  if (c == NULL)
    return NULL;
  c->stream = strndup(stream, stream_len);
  if (c->stream == NULL) {
    free(c);
    return NULL;
  }
  c->stream_len = strlen(c->stream); /* (a name is text: it ends at a NUL byte) */
  c->limit = limit;
  kwbuf_init(&c->lines, 0);
  return c;
}

void kwlog_collector_free(kwlog_collector *c)
{
  if (c == NULL)
    return;
  kwbuf_free(&c->lines);
  free(c->ends);
  free(c->stream);
  free(c);
}

/* Keeps the record as a line. 0, or -1 when memory ran out (nothing is kept then). */
static int keep(kwlog_collector *c, const char *when, size_t when_len, const kwlog_record *rec)
{
  if (c->count == c->cap) {
    size_t cap = c->cap != 0 ? c->cap * 2 : 64;
    size_t *ends = cap > SIZE_MAX / sizeof *ends ? NULL : realloc(c->ends, cap * sizeof *ends);
    if (ends == NULL)
      return -1;
    c->ends = ends;
    c->cap = cap;
  }
  if (kwrec_append_formatted_at(&c->lines, when, when_len, c->stream, c->stream_len, rec->msg,
                                rec->len) != 0)
    return -1;
  c->ends[c->count++] = c->lines.len;
  return 0;
}

/* Weighs, counts or keeps one record taken from r. 0, or -1 when memory ran out. */
static int take(kwlog_collector *c, kwlog_reader *r, const kwlog_record *rec)
{
  char when[KWTIME_FORMAT_MAX];
  size_t when_len = kwtime_format_cached(&c->times, (kwtime){rec->sec, rec->nsec}, when);
  uint64_t weight =
    (uint64_t)kwrec_json_size(when_len, c->stream, c->stream_len, rec->msg, rec->len) + 1;
  if (weight > c->limit - c->used) {
    c->state = KWLOG_OVER_LIMIT;
    return 0;
  }
  int sentinel = rec->len == sizeof KWLOG_SENTINEL - 1 &&
                 memcmp(rec->msg, KWLOG_SENTINEL, sizeof KWLOG_SENTINEL - 1) == 0;
  if (sentinel) {
    if (++c->sentinels == 2)
      c->state = KWLOG_COLLECTED;
  } else if (keep(c, when, when_len, rec) != 0) {
    return -1;
  }
  c->used += weight;
  kwlog_reader_cursor(r, &c->cursor_sec, &c->cursor_count); /* set: r delivered rec */
  c->last = (kwtime){rec->sec, rec->nsec};
  return 0;
}

long kwlog_collector_drain(kwlog_collector *c, kwlog_reader *r)
{
  long taken = 0;
  kwlog_record rec;
  while (c->state == KWLOG_COLLECTING && kwlog_reader_next(r, &rec)) {
    taken++;
    if (take(c, r, &rec) != 0)
      return -1;
  }
  return taken;
}

int kwlog_collector_state(const kwlog_collector *c)
{
  return c->state;
}

size_t kwlog_collector_count(const kwlog_collector *c)
{
  return c->count;
}

int kwlog_collector_line(const kwlog_collector *c, size_t i, const char **text, size_t *len)
{
  if (i >= c->count)
    return 0;
  size_t start = i == 0 ? 0 : c->ends[i - 1];
  *text = c->lines.data + start;
  *len = c->ends[i] - start;
  return 1;
}

int kwlog_collector_cursor(const kwlog_collector *c, int64_t *sec, uint64_t *count)
{
  *sec = c->cursor_sec;
  *count = c->cursor_count;
  return c->used != 0;
}

int kwlog_collector_last(const kwlog_collector *c, kwtime *out)
{
  if (c->used != 0)
    *out = c->last;
  return c->used != 0;
}

uint64_t kwlog_collector_used(const kwlog_collector *c)
{
  return c->used;
}
