/* logrecord.c: log line records, the seed's TypedLogLine (see logrecord.h). */
#include "logrecord.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jsonstr.h"

const char kwrec_time_format_name[] =
    "ParseCaseSensitive(false)Value(Year)'-'Value(MonthOfYear,2)'-'Value(DayOfMonth,2)'T'"
    "Value(HourOfDay,2)':'Value(MinuteOfHour,2)':'Value(SecondOfMinute,2)"
    "Fraction(NanoOfSecond,1,9,DecimalPoint)'Z'";

/* Deeper JSON than this is refused, so decoding never exhausts the C stack. */
#define MAX_DEPTH 1000

int kwrec_append_json(kwbuf *b, kwtime t, const char *stream, size_t stream_len,
                      const char *log, size_t log_len)
{
  char when[KWTIME_FORMAT_MAX];
  size_t when_len = kwtime_format(t, KWTIME_STYLE_OPENWHISK, 0, when);
  if (kwbuf_append(b, "{\"log\":", 7) != 0 || kwjson_append_string(b, log, log_len, NULL) != 0 ||
      kwbuf_append(b, ",\"stream\":", 10) != 0 ||
      kwjson_append_string(b, stream, stream_len, NULL) != 0 ||
      kwbuf_append(b, ",\"time\":\"", 9) != 0 || kwbuf_append(b, when, when_len) != 0)
    return -1;
  return kwbuf_append(b, "\"}", 2);
}

size_t kwrec_utf16_length(const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t units = 0;
  for (size_t i = 0; i < n; i++)
    units += (p[i] & 0xC0) != 0x80 ? (p[i] >= 0xF0 ? 2 : 1) : 0;
  return units;
}

int kwrec_append_text(kwbuf *b, kwtime t, const char *stream, size_t stream_len,
                      const char *log, size_t log_len)
{
  char when[KWTIME_FORMAT_MAX];
  size_t when_len = kwtime_format(t, KWTIME_STYLE_OPENWHISK, 0, when);
  const unsigned char *p = (const unsigned char *)log;
  size_t start = 0, end = log_len;
  while (start < end && p[start] <= 0x20)
    start++;
  while (end > start && p[end - 1] <= 0x20)
    end--;
  if (kwbuf_append(b, when, when_len) != 0 || kwbuf_putc(b, ' ') != 0 ||
      kwbuf_append(b, stream, stream_len) != 0 || kwbuf_append(b, ": ", 2) != 0)
    return -1;
  return kwbuf_append(b, log + start, end - start);
}

void kwrec_decoded_init(kwrec_decoded *d)
{
  d->time.sec = 0;
  d->time.nsec = 0;
  kwbuf_init(&d->stream, 0);
  kwbuf_init(&d->log, 0);
  kwbuf_init(&d->scratch, 0);
  kwbuf_init(&d->error, 0);
}

void kwrec_decoded_free(kwrec_decoded *d)
{
  kwbuf_free(&d->stream);
  kwbuf_free(&d->log);
  kwbuf_free(&d->scratch);
  kwbuf_free(&d->error);
}

/* Whether c is an ASCII digit. */
static inline int is_digit(unsigned char c)
{
  return (unsigned)(c - '0') <= 9u;
}

/* A JSON scanner just big enough for one record: it unescapes the strings it is asked
 * to keep and validates everything else. */
typedef struct scanner {
  const unsigned char *s;
  size_t n, i;
  size_t bad_at;        /* where the text stopped being JSON */
  const char *expected; /* what was expected there; NULL: out of memory */
} scanner;

/* A field of the record: where its value is, and whether it was a string. */
typedef struct field {
  int present, is_string;
  size_t start, end;
} field;

static int fail(scanner *sc, const char *expected)
{
  sc->bad_at = sc->i;
  sc->expected = expected;
  return -1;
}

static void skip_ws(scanner *sc)
{
  while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' ||
                           sc->s[sc->i] == '\n' || sc->s[sc->i] == '\r'))
    sc->i++;
}

static int hex4(scanner *sc, unsigned *v)
{
  *v = 0;
  for (int k = 0; k < 4; k++, sc->i++) {
    unsigned c = sc->i < sc->n ? sc->s[sc->i] : 0;
    unsigned d = c - '0' <= 9u ? c - '0' : (c | 0x20) - 'a' <= 5u ? (c | 0x20) - 'a' + 10 : 16;
    if (d == 16)
      return fail(sc, "a hex digit");
    *v = *v * 16 + d;
  }
  return 0;
}

static int put_utf8(kwbuf *out, unsigned cp)
{
  char u[4];
  size_t len;
  if (cp < 0x80) {
    u[0] = (char)cp;
    len = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | cp >> 6);
    u[1] = (char)(0x80 | (cp & 0x3F));
    len = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | cp >> 12);
    u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    len = 3;
  } else {
    u[0] = (char)(0xF0 | cp >> 18);
    u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    len = 4;
  }
  return kwbuf_append(out, u, len);
}

/* The code point of a \u escape (the "\u" already read), joining a surrogate pair;
 * a lone surrogate becomes U+FFFD. */
static int unicode_escape(scanner *sc, unsigned *cp)
{
  if (hex4(sc, cp) != 0)
    return -1;
  if (*cp >= 0xDC00 && *cp <= 0xDFFF) {
    *cp = 0xFFFD;
  } else if (*cp >= 0xD800 && *cp <= 0xDBFF) {
    size_t save = sc->i;
    unsigned lo;
    if (sc->i + 1 < sc->n && sc->s[sc->i] == '\\' && sc->s[sc->i + 1] == 'u') {
      sc->i += 2;
      if (hex4(sc, &lo) != 0)
        return -1;
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
        return 0;
      }
    }
    sc->i = save;
    *cp = 0xFFFD;
  }
  return 0;
}

/* Reads a string (at its opening quote), unescaped into out when out is not NULL. */
static int scan_string(scanner *sc, kwbuf *out)
{
  sc->i++;
  for (;;) {
    size_t run = sc->i;
    while (run < sc->n && sc->s[run] != '"' && sc->s[run] != '\\' && sc->s[run] >= 0x20)
      run++;
    if (out != NULL && kwbuf_append(out, sc->s + sc->i, run - sc->i) != 0)
      return fail(sc, NULL);
    sc->i = run;
    if (sc->i >= sc->n || sc->s[sc->i] < 0x20)
      return fail(sc, "'\"' to end the string");
    if (sc->s[sc->i++] == '"')
      return 0;
    unsigned c = sc->i < sc->n ? sc->s[sc->i++] : 0, cp;
    switch (c) {
    case '"': case '\\': case '/': cp = c; break;
    case 'b': cp = '\b'; break;
    case 'f': cp = '\f'; break;
    case 'n': cp = '\n'; break;
    case 'r': cp = '\r'; break;
    case 't': cp = '\t'; break;
    case 'u':
      if (unicode_escape(sc, &cp) != 0)
        return -1;
      break;
    default:
      sc->i -= c != 0;
      return fail(sc, "an escape: \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u");
    }
    if (out != NULL && put_utf8(out, cp) != 0)
      return fail(sc, NULL);
  }
}

static int scan_digits(scanner *sc)
{
  size_t start = sc->i;
  while (sc->i < sc->n && is_digit(sc->s[sc->i]))
    sc->i++;
  return sc->i > start ? 0 : fail(sc, "a digit");
}

static int scan_number(scanner *sc)
{
  if (sc->s[sc->i] == '-')
    sc->i++;
  if (sc->i < sc->n && sc->s[sc->i] == '0')
    sc->i++;
  else if (scan_digits(sc) != 0)
    return -1;
  if (sc->i < sc->n && sc->s[sc->i] == '.') {
    sc->i++;
    if (scan_digits(sc) != 0)
      return -1;
  }
  if (sc->i < sc->n && (sc->s[sc->i] | 0x20) == 'e') {
    sc->i++;
    if (sc->i < sc->n && (sc->s[sc->i] == '+' || sc->s[sc->i] == '-'))
      sc->i++;
    if (scan_digits(sc) != 0)
      return -1;
  }
  return 0;
}

static int scan_value(scanner *sc, int depth);

/* Reads the members of an object or the items of an array (at its opening bracket). */
static int scan_container(scanner *sc, int depth, field *fields)
{
  unsigned char close = sc->s[sc->i] == '{' ? '}' : ']';
  if (depth >= MAX_DEPTH)
    return fail(sc, "at most 1000 nested arrays and objects");
  sc->i++;
  skip_ws(sc);
  if (sc->i < sc->n && sc->s[sc->i] == close) {
    sc->i++;
    return 0;
  }
  for (;;) {
    field *f = NULL;
    if (close == '}') {
      if (sc->i >= sc->n || sc->s[sc->i] != '"')
        return fail(sc, "'\"' to start a key");
      size_t key = sc->i + 1;
      if (scan_string(sc, NULL) != 0)
        return -1;
      size_t key_len = sc->i - 1 - key;
      static const char *const names[3] = {"time", "stream", "log"};
      for (int k = 0; fields != NULL && k < 3; k++)
        if (key_len == strlen(names[k]) && memcmp(sc->s + key, names[k], key_len) == 0)
          f = &fields[k];
      skip_ws(sc);
      if (sc->i >= sc->n || sc->s[sc->i] != ':')
        return fail(sc, "':'");
      sc->i++;
      skip_ws(sc);
    }
    if (f != NULL) {
      f->present = 1;
      f->start = sc->i;
      f->is_string = sc->i < sc->n && sc->s[sc->i] == '"';
    }
    if (scan_value(sc, depth + 1) != 0)
      return -1;
    if (f != NULL)
      f->end = sc->i;
    skip_ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == ',') {
      sc->i++;
      skip_ws(sc);
      continue;
    }
    if (sc->i < sc->n && sc->s[sc->i] == close) {
      sc->i++;
      return 0;
    }
    return fail(sc, close == '}' ? "',' or '}'" : "',' or ']'");
  }
}

static int scan_literal(scanner *sc, const char *word)
{
  size_t len = strlen(word);
  if (sc->n - sc->i < len || memcmp(sc->s + sc->i, word, len) != 0)
    return fail(sc, "a JSON value");
  sc->i += len;
  return 0;
}

static int scan_value(scanner *sc, int depth)
{
  if (sc->i >= sc->n)
    return fail(sc, "a JSON value");
  switch (sc->s[sc->i]) {
  case '{': case '[': return scan_container(sc, depth, NULL);
  case '"': return scan_string(sc, NULL);
  case 't': return scan_literal(sc, "true");
  case 'f': return scan_literal(sc, "false");
  case 'n': return scan_literal(sc, "null");
  default:
    if (sc->s[sc->i] == '-' || is_digit(sc->s[sc->i]))
      return scan_number(sc);
    return fail(sc, "a JSON value");
  }
}

/* Appends a JSON value as text, without the whitespace outside its strings. */
static int append_compact(kwbuf *b, const unsigned char *s, size_t n)
{
  int in_string = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = s[i];
    if (!in_string && (c == ' ' || c == '\t' || c == '\n' || c == '\r'))
      continue;
    if (kwbuf_putc(b, (char)c) != 0)
      return -1;
    if (in_string && c == '\\' && i + 1 < n) {
      if (kwbuf_putc(b, (char)s[++i]) != 0)
        return -1;
    } else if (c == '"') {
      in_string = !in_string;
    }
  }
  return 0;
}

/* The string value of a field, unescaped into out. */
static int field_string(const scanner *top, const field *f, kwbuf *out)
{
  scanner sc = *top;
  sc.i = f->start;
  kwbuf_reset(out);
  return scan_string(&sc, out);
}

static int time_field(const scanner *sc, const field *f, kwrec_decoded *d)
{
  kwbuf *e = &d->error;
  if (!f->present)
    return kwbuf_append_str(e, "key not found: time") == 0 ? -1 : -2;
  if (kwbuf_append_str(e, "Could not parse a java.time.Instant from ") != 0)
    return -2;
  if (!f->is_string) {
    if (append_compact(e, sc->s + f->start, f->end - f->start) != 0 ||
        kwbuf_append_str(e, " (Expected in format: ") != 0 ||
        kwbuf_append_str(e, kwrec_time_format_name) != 0 || kwbuf_putc(e, ')') != 0)
      return -2;
    return -1;
  }
  if (field_string(sc, f, &d->scratch) != 0)
    return -2;
  kwtime_error why;
  if (kwtime_parse(d->scratch.data, d->scratch.len, KWTIME_SUPERSET, &d->time, &why) == 0) {
    kwbuf_reset(e);
    return 0;
  }
  char pos[48];
  snprintf(pos, sizeof pos, " at byte %zu", why.pos);
  if (kwbuf_append(e, d->scratch.data, d->scratch.len) != 0 ||
      kwbuf_append_str(e, " (Expected in format: ") != 0 ||
      kwbuf_append_str(e, kwrec_time_format_name) != 0 || kwbuf_append_str(e, ": expected ") != 0 ||
      kwbuf_append_str(e, why.expected) != 0 || kwbuf_append_str(e, pos) != 0)
    return -2;
  return -1;
}

static int string_field(const scanner *sc, const field *f, const char *name, kwbuf *out,
                        kwbuf *e)
{
  if (!f->present)
    return kwbuf_append_str(e, "key not found: ") == 0 && kwbuf_append_str(e, name) == 0 ? -1 : -2;
  if (!f->is_string)
    return kwbuf_append_str(e, "Expected String as JsString, but got ") == 0 &&
                   append_compact(e, sc->s + f->start, f->end - f->start) == 0
               ? -1
               : -2;
  return field_string(sc, f, out) == 0 ? 0 : -2;
}

static int syntax_error(const scanner *sc, kwbuf *e)
{
  if (sc->expected == NULL)
    return -2;
  char pos[64];
  snprintf(pos, sizeof pos, "invalid JSON at byte %zu: expected ", sc->bad_at);
  return kwbuf_append_str(e, pos) == 0 && kwbuf_append_str(e, sc->expected) == 0 ? -1 : -2;
}

int kwrec_decode(const char *text, size_t n, kwrec_decoded *d)
{
  scanner sc = {(const unsigned char *)text, n, 0, 0, ""};
  field fields[3] = {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
  kwbuf_reset(&d->error);
  skip_ws(&sc);
  int is_object = sc.i < n && sc.s[sc.i] == '{';
  int rc = is_object ? scan_container(&sc, 0, fields) : scan_value(&sc, 0);
  if (rc == 0) {
    skip_ws(&sc);
    if (sc.i != n)
      rc = fail(&sc, "the end of the text");
  }
  if (rc != 0)
    rc = syntax_error(&sc, &d->error);
  else if (!is_object)
    rc = kwbuf_append_str(&d->error, "JSON object expected") == 0 ? -1 : -2;
  else if ((rc = time_field(&sc, &fields[0], d)) == 0 &&
           (rc = string_field(&sc, &fields[1], "stream", &d->stream, &d->error)) == 0)
    rc = string_field(&sc, &fields[2], "log", &d->log, &d->error);
  if (rc == -2) {
    kwbuf_reset(&d->error);
    kwbuf_append_str(&d->error, "out of memory");
  }
  return rc == 0 ? 0 : -1;
}
