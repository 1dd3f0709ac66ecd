/* kwbuf.c: a growable byte buffer with a hard size limit (see kwbuf.h). */
#include "kwbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void kwbuf_init(kwbuf *b, size_t max)
{
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->max = max != 0 ? max : SIZE_MAX / 2;
}

int kwbuf_reserve(kwbuf *b, size_t extra)
{
  if (extra > b->max - b->len)
    return -1;
  size_t need = b->len + extra + 1; /* the NUL */
  if (need <= b->cap)
    return 0;
  size_t cap = b->cap != 0 ? b->cap : 64;
  while (cap < need)
    cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  char *data = realloc(b->data, cap);
  if (data == NULL)
    return -1;
  b->data = data;
  b->cap = cap;
  return 0;
}

int kwbuf_append(kwbuf *b, const void *bytes, size_t n)
{
  if (kwbuf_reserve(b, n) != 0)
    return -1;
  if (n != 0)
    memcpy(b->data + b->len, bytes, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int kwbuf_append_str(kwbuf *b, const char *s)
{
  return kwbuf_append(b, s, strlen(s));
}

void kwbuf_reset(kwbuf *b)
{
  kwbuf_truncate(b, 0);
}

void kwbuf_truncate(kwbuf *b, size_t len)
{
  if (len >= b->len)
    return;
  b->len = len;
  if (b->data != NULL)
    b->data[len] = '\0';
}

void kwbuf_free(kwbuf *b)
{
  free(b->data);
  kwbuf_init(b, b->max);
}
