/* logwriter.c: a pod's log records written out in large writes (see logwriter.h). */
#include "logwriter.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kwbuf.h"
#include "logrecord.h"

struct kwlog_writer {
  int fd, format, per_line;
  char *stream;
  size_t stream_len;
  kwbuf out;
  int has_last;
  kwtime last;
  kwtime_format_cache times; /* the last record's date and minute, formatted */
};

kwlog_writer *kwlog_writer_new(int fd, int format, const char *stream, size_t stream_len)
{
  if (format != KWLOG_FORMAT_TEXT && format != KWLOG_FORMAT_JSON)
    return NULL;
  kwlog_writer *w = calloc(1, sizeof *w);
  if (w == NULL)
    return NULL;
  w->stream = strndup(stream, stream_len);
  if (w->stream == NULL) {
    free(w);
    return NULL;
  }
  w->stream_len = strlen(w->stream); /* (a name is text: it ends at a NUL byte) */
  w->fd = fd;
  w->format = format;
  w->per_line = isatty(fd);
  kwbuf_init(&w->out, 0);
  return w;
}

void kwlog_writer_free(kwlog_writer *w)
{
  if (w == NULL)
    return;
  kwbuf_free(&w->out);
  free(w->stream);
  free(w);
}

/* Writes all n bytes at p, waiting while a non-blocking fd is full. */
static int write_all(int fd, const char *p, size_t n)
{
  while (n != 0) {
    ssize_t k = write(fd, p, n);
    if (k >= 0) {
      p += k;
      n -= (size_t)k;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      struct pollfd pfd = {fd, POLLOUT, 0};
      if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
        return -1;
    } else if (errno != EINTR) {
      return -1;
    }
  }
  return 0;
}

int kwlog_writer_flush(kwlog_writer *w)
{
  int rc = write_all(w->fd, w->out.data, w->out.len);
  kwbuf_reset(&w->out);
  return rc;
}

static int append(kwlog_writer *w, const kwlog_record *rec)
{
  kwtime t = {rec->sec, rec->nsec};
  char when[KWTIME_FORMAT_MAX];
  size_t n = kwtime_format_cached(&w->times, t, when);
  size_t start = w->out.len;
  int rc = w->format == KWLOG_FORMAT_JSON
               ? kwrec_append_json_at(&w->out, when, n, w->stream, w->stream_len, rec->msg,
                                      rec->len)
               : kwrec_append_text_at(&w->out, when, n, w->stream, w->stream_len, rec->msg,
                                      rec->len);
  if (rc != 0 || kwbuf_putc(&w->out, '\n') != 0) {
    kwbuf_truncate(&w->out, start); /* no half line reaches the next flush */
    errno = ENOMEM;
    return -1;
  }
  w->has_last = 1;
  w->last = t;
  return 0;
}

long kwlog_writer_drain(kwlog_writer *w, kwlog_reader *r)
{
  kwlog_record rec;
  long n = 0;
  while (kwlog_reader_next(r, &rec)) {
    if (append(w, &rec) != 0)
      return -1;
    n++;
    if ((w->per_line || w->out.len >= KWLOG_WRITE_CHUNK) && kwlog_writer_flush(w) != 0)
      return -1;
  }
  return n;
}

int kwlog_writer_last(const kwlog_writer *w, kwtime *out)
{
  *out = w->last;
  return w->has_last;
}
