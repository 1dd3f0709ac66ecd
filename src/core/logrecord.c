/* logrecord.c: log line records, the seed's TypedLogLine (see logrecord.h). */
#include "logrecord.h"

#include <string.h>

#include "jsonstr.h"

/* The JSON form's fixed parts, around the log, the stream and the time. */
#define JSON_LOG "{\"log\":"
#define JSON_STREAM ",\"stream\":"
#define JSON_TIME ",\"time\":\""
#define JSON_END "\"}"
#define LITERAL(s) s, sizeof s - 1

int kwrec_append_json_at(kwbuf *b, const char *when, size_t when_len, const char *stream,
                         size_t stream_len, const char *log, size_t log_len)
{
  if (kwbuf_append(b, LITERAL(JSON_LOG)) != 0 ||
      kwjson_append_string(b, log, log_len, NULL) != 0 ||
      kwbuf_append(b, LITERAL(JSON_STREAM)) != 0 ||
      kwjson_append_string(b, stream, stream_len, NULL) != 0 ||
      kwbuf_append(b, LITERAL(JSON_TIME)) != 0 || kwbuf_append(b, when, when_len) != 0)
    return -1;
  return kwbuf_append(b, LITERAL(JSON_END));
}

size_t kwrec_json_size(size_t when_len, const char *stream, size_t stream_len, const char *log,
                       size_t log_len)
{
  /* the fixed parts and the time are ASCII: a unit a byte */
  return sizeof JSON_LOG - 1 + kwjson_string_units(log, log_len) + sizeof JSON_STREAM - 1 +
         kwjson_string_units(stream, stream_len) + sizeof JSON_TIME - 1 + when_len +
         sizeof JSON_END - 1;
}

size_t kwrec_utf16_length(const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t units = 0;
  for (size_t i = 0; i < n; i++)
    units += (p[i] & 0xC0) != 0x80 ? (p[i] >= 0xF0 ? 2 : 1) : 0;
  return units;
}

/* The bounds of log without its leading and trailing bytes <= 0x20 (Java's String.trim: UTF-8
 * puts no such byte inside a longer character). */
static void trim(const char *log, size_t log_len, size_t *start, size_t *end)
{
  const unsigned char *p = (const unsigned char *)log;
  size_t s = 0, e = log_len;
  while (s < e && p[s] <= 0x20)
    s++;
  while (e > s && p[e - 1] <= 0x20)
    e--;
  *start = s;
  *end = e;
}

int kwrec_append_text_at(kwbuf *b, const char *when, size_t when_len, const char *stream,
                         size_t stream_len, const char *log, size_t log_len)
{
  size_t start, end;
  trim(log, log_len, &start, &end);
  /* One reservation, then plain copies: this runs once per line of `kwhisk logs`. */
  size_t need = when_len + 1 + stream_len + 2 + (end - start);
  if (kwbuf_reserve(b, need) != 0)
    return -1;
  char *out = b->data + b->len;
  memcpy(out, when, when_len);
  out += when_len;
  *out++ = ' ';
  memcpy(out, stream, stream_len);
  out += stream_len;
  *out++ = ':';
  *out++ = ' ';
  if (end > start)
    memcpy(out, log + start, end - start);
  b->len += need;
  b->data[b->len] = '\0';
  return 0;
}

/* OpenWhisk pads the time to 30 columns: the width of a time with 9 fraction digits. */
#define FORMATTED_TIME_WIDTH 30

int kwrec_append_formatted_at(kwbuf *b, const char *when, size_t when_len, const char *stream,
                              size_t stream_len, const char *log, size_t log_len)
{
  static const char spaces[FORMATTED_TIME_WIDTH] = "                              ";
  size_t start, end, mark = b->len;
  trim(log, log_len, &start, &end);
  size_t pad = when_len < FORMATTED_TIME_WIDTH ? FORMATTED_TIME_WIDTH - when_len : 0;
  if (kwbuf_reserve(b, when_len + pad + 1 + stream_len + 2 + (end - start)) != 0 ||
      kwbuf_append(b, when, when_len) != 0 || kwbuf_append(b, spaces, pad) != 0 ||
      kwbuf_putc(b, ' ') != 0 || kwbuf_append(b, stream, stream_len) != 0 ||
      kwbuf_append(b, ": ", 2) != 0 || kwjson_append_utf8(b, log + start, end - start) != 0) {
    kwbuf_truncate(b, mark);
    return -1;
  }
  return 0;
}

/* One of the forms above, written with the time formatted in the seed's style. */
typedef int (*form_at)(kwbuf *b, const char *when, size_t when_len, const char *stream,
                       size_t stream_len, const char *log, size_t log_len);

static int append_form(form_at form, kwbuf *b, kwtime t, const char *stream, size_t stream_len,
                       const char *log, size_t log_len)
{
  char when[KWTIME_FORMAT_MAX];
  size_t when_len = kwtime_format(t, KWTIME_STYLE_OPENWHISK, 0, when);
  return form(b, when, when_len, stream, stream_len, log, log_len);
}

int kwrec_append_json(kwbuf *b, kwtime t, const char *stream, size_t stream_len,
                      const char *log, size_t log_len)
{
  return append_form(kwrec_append_json_at, b, t, stream, stream_len, log, log_len);
}

int kwrec_append_text(kwbuf *b, kwtime t, const char *stream, size_t stream_len,
                      const char *log, size_t log_len)
{
  return append_form(kwrec_append_text_at, b, t, stream, stream_len, log, log_len);
}

int kwrec_append_formatted(kwbuf *b, kwtime t, const char *stream, size_t stream_len,
                           const char *log, size_t log_len)
{
  return append_form(kwrec_append_formatted_at, b, t, stream, stream_len, log, log_len);
}
