/* jsonstr.c: writing a byte string as a JSON string literal (see jsonstr.h). */
#include "jsonstr.h"

#include <stdint.h>
#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

size_t kwjson_utf8_sequence(const unsigned char *s, size_t n)
{
  unsigned char c = s[0];
  if (c < 0x80)
    return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0)
      lo = 0xA0; /* no overlong forms */
    else if (c == 0xED)
      hi = 0x9F; /* no surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0)
      lo = 0x90; /* no overlong forms */
    else if (c == 0xF4)
      hi = 0x8F; /* nothing above U+10FFFF */
  } else {
    return 0;
  }
  if (n < len || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < len; i++)
    if ((s[i] & 0xC0) != 0x80)
      return 0;
  return len;
}

/* Appends the escape of c, a byte below 0x20, '"' or '\'. */
static int append_escape(kwbuf *b, unsigned char c)
{
  char esc[6] = {'\\', 0, 0, 0, 0, 0};
  size_t len = 2;
  switch (c) {
  case '"': esc[1] = '"'; break;
  case '\\': esc[1] = '\\'; break;
  case '\b': esc[1] = 'b'; break;
  case '\f': esc[1] = 'f'; break;
  case '\n': esc[1] = 'n'; break;
  case '\r': esc[1] = 'r'; break;
  case '\t': esc[1] = 't'; break;
  default:
    esc[1] = 'u';
    esc[2] = '0';
    esc[3] = '0';
    esc[4] = hex_digits[c >> 4];
    esc[5] = hex_digits[c & 0xF];
    len = 6;
  }
  return kwbuf_append(b, esc, len);
}

int kwjson_append_string(kwbuf *b, const char *s, size_t n, size_t *replaced)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t bad = 0;
  if (kwbuf_putc(b, '"') != 0)
    return -1;
  size_t i = 0;
  while (i < n) {
    /* Copy the longest run of bytes that need no escaping in one append. */
    size_t run = i;
    while (run < n && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\')
      run++;
    if (run > i) {
      if (kwbuf_append(b, p + i, run - i) != 0)
        return -1;
      i = run;
      continue;
    }
    if (p[i] < 0x80) {
      if (append_escape(b, p[i]) != 0)
        return -1;
      i++;
      continue;
    }
    size_t len = kwjson_utf8_sequence(p + i, n - i);
    if (len == 0) {
      bad++;
      if (kwbuf_append(b, "\xEF\xBF\xBD", 3) != 0)
        return -1;
      i++;
    } else {
      if (kwbuf_append(b, p + i, len) != 0)
        return -1;
      i += len;
    }
  }
  if (replaced != NULL)
    *replaced = bad;
  return kwbuf_putc(b, '"');
}

/* Whether none of the 8 bytes of w needs more than a plain copy: no byte below 0x20, none
 * from 0x80, no '"' and no '\\'. (x - 1) & ~x has a byte's high bit set where that byte of x
 * is 0 (exact as a whole), and (w - 0x20) & ~w where a byte of w below 0x80 is below 0x20. */
static inline int plain8(uint64_t w)
{
  const uint64_t ones = UINT64_C(0x0101010101010101);
  uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
  uint64_t special = ((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) |
                     ((backslash - ones) & ~backslash) | w;
  return (special & (ones * 0x80)) == 0;
}

size_t kwjson_string_units(const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t units = 2, i = 0; /* the quotes */
  while (i < n) {
    uint64_t w;
    if (n - i >= 8 && (memcpy(&w, p + i, 8), plain8(w))) {
      units += 8;
      i += 8;
      continue;
    }
    unsigned char c = p[i];
    if (c >= 0x80) {
      size_t len = kwjson_utf8_sequence(p + i, n - i);
      units += len == 4 ? 2 : 1; /* a replaced byte is U+FFFD, one unit */
      i += len != 0 ? len : 1;
      continue;
    }
    if (c == '"' || c == '\\')
      units += 2;
    else if (c >= 0x20)
      units += 1;
    else
      units += c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t' ? 2 : 6;
    i++;
  }
  return units;
}

/* The length of the run of valid UTF-8 at the start of the n bytes at p: ASCII is skipped 8
 * bytes at a time, other characters checked one by one. */
static size_t valid_run(const unsigned char *p, size_t n)
{
  size_t i = 0;
  while (i < n) {
    uint64_t w;
    if (n - i >= 8 && (memcpy(&w, p + i, 8), (w & UINT64_C(0x8080808080808080)) == 0)) {
      i += 8;
      continue;
    }
    size_t k = kwjson_utf8_sequence(p + i, n - i);
    if (k == 0)
      break;
    i += k;
  }
  return i;
}

int kwjson_append_utf8(kwbuf *b, const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    size_t run = i + valid_run(p + i, n - i);
    if (kwbuf_append(b, s + i, run - i) != 0)
      return -1;
    if (run == n)
      break;
    if (kwbuf_append(b, "\xEF\xBF\xBD", 3) != 0)
      return -1;
    i = run + 1;
  }
  return 0;
}
