/* logrecord.c: log line records, the seed's TypedLogLine (see logrecord.h). */
#include "logrecord.h"

#include <string.h>

#include "jsonstr.h"

int kwrec_append_json_at(kwbuf *b, const char *when, size_t when_len, const char *stream,
                         size_t stream_len, const char *log, size_t log_len)
{
  if (kwbuf_append(b, "{\"log\":", 7) != 0 || kwjson_append_string(b, log, log_len, NULL) != 0 ||
      kwbuf_append(b, ",\"stream\":", 10) != 0 ||
      kwjson_append_string(b, stream, stream_len, NULL) != 0 ||
      kwbuf_append(b, ",\"time\":\"", 9) != 0 || kwbuf_append(b, when, when_len) != 0)
    return -1;
  return kwbuf_append(b, "\"}", 2);
}

int kwrec_append_json(kwbuf *b, kwtime t, const char *stream, size_t stream_len,
                      const char *log, size_t log_len)
{
  char when[KWTIME_FORMAT_MAX];
  size_t when_len = kwtime_format(t, KWTIME_STYLE_OPENWHISK, 0, when);
  return kwrec_append_json_at(b, when, when_len, stream, stream_len, log, log_len);
}

size_t kwrec_utf16_length(const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t units = 0;
  for (size_t i = 0; i < n; i++)
    units += (p[i] & 0xC0) != 0x80 ? (p[i] >= 0xF0 ? 2 : 1) : 0;
  return units;
}

int kwrec_append_text_at(kwbuf *b, const char *when, size_t when_len, const char *stream,
                         size_t stream_len, const char *log, size_t log_len)
{
  const unsigned char *p = (const unsigned char *)log;
  size_t start = 0, end = log_len;
  while (start < end && p[start] <= 0x20)
    start++;
  while (end > start && p[end - 1] <= 0x20)
    end--;
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

int kwrec_append_text(kwbuf *b, kwtime t, const char *stream, size_t stream_len,
                      const char *log, size_t log_len)
{
  char when[KWTIME_FORMAT_MAX];
  size_t when_len = kwtime_format(t, KWTIME_STYLE_OPENWHISK, 0, when);
  return kwrec_append_text_at(b, when, when_len, stream, stream_len, log, log_len);
}
