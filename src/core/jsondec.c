/* jsondec.c: the strict event-driven JSON decoder (see jsondec.h). */
#include "jsondec.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonstr.h"
#include "kwbuf.h"

typedef struct parser {
  const unsigned char *s;
  size_t n, pos;
  const kwjson_handler *h;
  void *ud;
  kwbuf *scratch; /* unescaped strings, long numbers */
  kwjson_error *err;
  int failed;
} parser;

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Describes the byte at pos for an error message ("end of input", "'x'", "byte 0x01"). */
static void describe_here(const parser *p, char *out, size_t size)
{
  if (p->pos >= p->n)
    snprintf(out, size, "end of input");
  else if (p->s[p->pos] >= 0x20 && p->s[p->pos] < 0x7F)
    snprintf(out, size, "'%c'", p->s[p->pos]);
  else
    snprintf(out, size, "byte 0x%02x", p->s[p->pos]);
}

/* Records the first error, at byte offset `at`; the message is printf-style. */
static int fail_at(parser *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(parser *p, size_t at, const char *fmt, ...)
{
  if (p->failed)
    return -1;
  p->failed = 1;
  if (p->err == NULL)
    return -1;
  size_t line = 1, column = 1;
  for (size_t i = 0; i < at && i < p->n; i++) {
    if (p->s[i] == '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
  }
  char what[120];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  p->err->offset = at;
  p->err->line = line;
  p->err->column = column;
  snprintf(p->err->message, sizeof p->err->message, "%zu:%zu: %s (byte offset %zu)", line,
           column, what, at);
  return -1;
}

/* "expected X, got Y" at the current position. */
static int expected(parser *p, const char *what)
{
  char got[24];
  describe_here(p, got, sizeof got);
  return fail_at(p, p->pos, "expected %s, got %s", what, got);
}

static int handler_failed(parser *p, size_t at)
{
  return fail_at(p, at, "the value could not be stored (out of memory)");
}

static void skip_space(parser *p)
{
  while (p->pos < p->n) {
    unsigned char c = p->s[p->pos];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
      return;
    p->pos++;
  }
}

static int literal(parser *p, const char *word, size_t len)
{
  if (p->n - p->pos < len || memcmp(p->s + p->pos, word, len) != 0)
    return expected(p, "a JSON value");
  p->pos += len;
  return 0;
}

static int hex4(const unsigned char *s, unsigned *out)
{
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

static int put_utf8(kwbuf *b, unsigned cp)
{
  char u[4];
  size_t len;
  if (cp < 0x80) {
    u[0] = (char)cp;
    len = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    len = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    len = 3;
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    len = 4;
  }
  return kwbuf_append(b, u, len);
}

/* Decodes the \u escape at p->pos (just after the backslash and 'u' were seen at
 * start), joining surrogate pairs; lone surrogates become U+FFFD. */
static int unicode_escape(parser *p, size_t start)
{
  unsigned cp, lo;
  if (p->n - p->pos < 4 || hex4(p->s + p->pos, &cp) != 0)
    return fail_at(p, start, "bad \\u escape: expected 4 hex digits");
  p->pos += 4;
  if (cp >= 0xD800 && cp <= 0xDBFF && p->n - p->pos >= 6 && p->s[p->pos] == '\\' &&
      p->s[p->pos + 1] == 'u' && hex4(p->s + p->pos + 2, &lo) == 0 && lo >= 0xDC00 &&
      lo <= 0xDFFF) {
    p->pos += 6;
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
  } else if (cp >= 0xD800 && cp <= 0xDFFF) {
    return kwbuf_append(p->scratch, replacement, 3);
  }
  return put_utf8(p->scratch, cp);
}

static int escape(parser *p)
{
  size_t start = p->pos; /* the backslash */
  p->pos++;
  if (p->pos >= p->n)
    return fail_at(p, start, "unterminated string");
  unsigned char c = p->s[p->pos++];
  char out;
  switch (c) {
  case '"': out = '"'; break;
  case '\\': out = '\\'; break;
  case '/': out = '/'; break;
  case 'b': out = '\b'; break;
  case 'f': out = '\f'; break;
  case 'n': out = '\n'; break;
  case 'r': out = '\r'; break;
  case 't': out = '\t'; break;
  case 'u': return unicode_escape(p, start);
  default:
    p->pos = start + 1;
    return expected(p, "an escape character (\"\\/bfnrtu) after '\\'");
  }
  return kwbuf_putc(p->scratch, out);
}

/* Reads a string literal (p->pos at the opening quote); *s, *len point either into
 * the input (no escapes, all ASCII) or into p->scratch. */
static int string_literal(parser *p, const char **s, size_t *len)
{
  size_t start = ++p->pos;
  /* Fast path: a plain ASCII run up to the closing quote. */
  while (p->pos < p->n) {
    unsigned char c = p->s[p->pos];
    if (c == '"') {
      *s = (const char *)p->s + start;
      *len = p->pos - start;
      p->pos++;
      return 0;
    }
    if (c == '\\' || c < 0x20 || c >= 0x80)
      break;
    p->pos++;
  }
  kwbuf_reset(p->scratch);
  if (kwbuf_append(p->scratch, p->s + start, p->pos - start) != 0)
    return handler_failed(p, p->pos);
  while (p->pos < p->n) {
    unsigned char c = p->s[p->pos];
    int rc = 0;
    if (c == '"') {
      p->pos++;
      *s = p->scratch->data;
      *len = p->scratch->len;
      return 0;
    } else if (c == '\\') {
      rc = escape(p);
    } else if (c < 0x20) {
      return fail_at(p, p->pos, "control character 0x%02x in string (must be escaped)", c);
    } else if (c < 0x80) {
      rc = kwbuf_putc(p->scratch, (char)c);
      p->pos++;
    } else {
      size_t seq = kwjson_utf8_sequence(p->s + p->pos, p->n - p->pos);
      if (seq == 0) {
        rc = kwbuf_append(p->scratch, replacement, 3);
        p->pos++;
      } else {
        rc = kwbuf_append(p->scratch, p->s + p->pos, seq);
        p->pos += seq;
      }
    }
    if (rc != 0)
      return p->failed ? -1 : handler_failed(p, p->pos);
  }
  return fail_at(p, start - 1, "unterminated string");
}

static size_t digits(parser *p)
{
  size_t start = p->pos;
  while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
    p->pos++;
  return p->pos - start;
}

static int number(parser *p)
{
  size_t start = p->pos;
  int negative = 0;
  if (p->s[p->pos] == '-') {
    negative = 1;
    p->pos++;
  }
  size_t int_start = p->pos;
  size_t nint = digits(p);
  if (nint == 0)
    return expected(p, "a digit");
  if (nint > 1 && p->s[int_start] == '0')
    return fail_at(p, int_start, "leading zeros are not allowed in numbers");
  int integral = 1;
  if (p->pos < p->n && p->s[p->pos] == '.') {
    p->pos++;
    integral = 0;
    if (digits(p) == 0)
      return expected(p, "a digit after '.'");
  }
  if (p->pos < p->n && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
    p->pos++;
    integral = 0;
    if (p->pos < p->n && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
      p->pos++;
    if (digits(p) == 0)
      return expected(p, "a digit in the exponent");
  }
  double v;
  if (integral && nint <= 15) {
    /* Exact in a double: no need for strtod. */
    long long i = 0;
    for (size_t k = int_start; k < p->pos; k++)
      i = i * 10 + (p->s[k] - '0');
    v = negative ? -(double)i : (double)i;
  } else {
    kwbuf_reset(p->scratch);
    if (kwbuf_append(p->scratch, p->s + start, p->pos - start) != 0)
      return handler_failed(p, start);
    v = strtod(p->scratch->data, NULL);
    if (isinf(v))
      return fail_at(p, start, "number out of range of a double");
  }
  return p->h->number(p->ud, v) != 0 ? handler_failed(p, start) : 0;
}

static int value(parser *p, int depth);

static int array(parser *p, int depth)
{
  size_t start = p->pos++;
  if (p->h->begin_array(p->ud) != 0)
    return handler_failed(p, start);
  skip_space(p);
  if (p->pos < p->n && p->s[p->pos] == ']') {
    p->pos++;
    return p->h->end_array(p->ud) != 0 ? handler_failed(p, start) : 0;
  }
  for (;;) {
    if (value(p, depth + 1) != 0)
      return -1;
    skip_space(p);
    if (p->pos < p->n && p->s[p->pos] == ',') {
      p->pos++;
      continue;
    }
    if (p->pos < p->n && p->s[p->pos] == ']') {
      p->pos++;
      return p->h->end_array(p->ud) != 0 ? handler_failed(p, start) : 0;
    }
    return expected(p, "',' or ']' in array");
  }
}

static int object(parser *p, int depth)
{
  size_t start = p->pos++;
  if (p->h->begin_object(p->ud) != 0)
    return handler_failed(p, start);
  skip_space(p);
  if (p->pos < p->n && p->s[p->pos] == '}') {
    p->pos++;
    return p->h->end_object(p->ud) != 0 ? handler_failed(p, start) : 0;
  }
  for (;;) {
    skip_space(p);
    if (p->pos >= p->n || p->s[p->pos] != '"')
      return expected(p, "a string key in object");
    const char *k;
    size_t klen;
    size_t kstart = p->pos;
    if (string_literal(p, &k, &klen) != 0)
      return -1;
    if (p->h->key(p->ud, k, klen) != 0)
      return handler_failed(p, kstart);
    skip_space(p);
    if (p->pos >= p->n || p->s[p->pos] != ':')
      return expected(p, "':' after object key");
    p->pos++;
    if (value(p, depth + 1) != 0)
      return -1;
    skip_space(p);
    if (p->pos < p->n && p->s[p->pos] == ',') {
      p->pos++;
      continue;
    }
    if (p->pos < p->n && p->s[p->pos] == '}') {
      p->pos++;
      return p->h->end_object(p->ud) != 0 ? handler_failed(p, start) : 0;
    }
    return expected(p, "',' or '}' in object");
  }
}

static int value(parser *p, int depth)
{
  skip_space(p);
  if (p->pos >= p->n)
    return expected(p, "a JSON value");
  size_t start = p->pos;
  switch (p->s[p->pos]) {
  case '{':
  case '[':
    if (depth >= KWJSON_MAX_DEPTH)
      return fail_at(p, start, "nesting deeper than %d arrays/objects", KWJSON_MAX_DEPTH);
    return p->s[p->pos] == '{' ? object(p, depth) : array(p, depth);
  case '"': {
    const char *s;
    size_t len;
    if (string_literal(p, &s, &len) != 0)
      return -1;
    return p->h->string(p->ud, s, len) != 0 ? handler_failed(p, start) : 0;
  }
  case 't':
    if (literal(p, "true", 4) != 0)
      return -1;
    return p->h->boolean(p->ud, 1) != 0 ? handler_failed(p, start) : 0;
  case 'f':
    if (literal(p, "false", 5) != 0)
      return -1;
    return p->h->boolean(p->ud, 0) != 0 ? handler_failed(p, start) : 0;
  case 'n':
    if (literal(p, "null", 4) != 0)
      return -1;
    return p->h->null_value(p->ud) != 0 ? handler_failed(p, start) : 0;
  default:
    if (p->s[p->pos] == '-' || (p->s[p->pos] >= '0' && p->s[p->pos] <= '9'))
      return number(p);
    return expected(p, "a JSON value");
  }
}

int kwjson_decode(const char *text, size_t n, const kwjson_handler *h, void *ud,
                  kwbuf *scratch, kwjson_error *err)
{
  kwbuf own;
  kwbuf_init(&own, 0);
  parser p = {(const unsigned char *)text, n, 0, h, ud, scratch != NULL ? scratch : &own,
              err, 0};
  int rc = value(&p, 0);
  if (rc == 0) {
    skip_space(&p);
    if (p.pos < p.n)
      rc = expected(&p, "end of input after the JSON value");
  }
  kwbuf_free(&own);
  return rc;
}
