/* kwbuf.h: a growable byte buffer with a hard size limit.
 *
 * Every part of the C core that collects bytes of unknown length (a log line, a JSON
 * text, a response body) uses a kwbuf, so no buffer is unbounded and every allocation
 * is checked in one place. Appends fail with -1 (and change nothing) when memory runs
 * out or the limit would be passed. */
#ifndef KWHISK_KWBUF_H
#define KWHISK_KWBUF_H

#include <stddef.h>

typedef struct kwbuf {
  char *data;  /* NUL-terminated when data != NULL; may be NULL while empty */
  size_t len;  /* bytes in use, not counting the NUL */
  size_t cap;  /* bytes allocated */
  size_t max;  /* largest len allowed */
} kwbuf;

/* An empty buffer that may grow to max bytes (0: no limit but memory). */
void kwbuf_init(kwbuf *b, size_t max);
/* Makes room for extra more bytes (and the NUL). 0 on success, -1 on failure. */
int kwbuf_reserve(kwbuf *b, size_t extra);
int kwbuf_append(kwbuf *b, const void *bytes, size_t n);
int kwbuf_append_str(kwbuf *b, const char *s);
/* Empties the buffer but keeps its memory for reuse. */
void kwbuf_reset(kwbuf *b);
/* Drops the bytes from len on (what a failed append left half-written); a len at or past
   the end changes nothing. */
void kwbuf_truncate(kwbuf *b, size_t len);
void kwbuf_free(kwbuf *b);

/* The fast path of appending one byte. */
static inline int kwbuf_putc(kwbuf *b, char c)
{
  if ((b->len + 1 >= b->cap || b->len >= b->max) && kwbuf_reserve(b, 1) != 0)
    return -1;
  b->data[b->len++] = c;
  b->data[b->len] = '\0';
  return 0;
}

#endif
