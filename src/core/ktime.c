/* ktime.c: parsing and formatting timestamps with nanosecond precision (see ktime.h).
 * Hand-written for speed: the common form is read a word at a time with no branch on the
 * fraction's width; everything else a byte at a time, saying where it went wrong. Days are
 * counted by arithmetic instead of tables or libc. */
#include "ktime.h"

#include <string.h>
#include <time.h>

/* Whether c is an ASCII digit. */
static inline int is_digit(unsigned char c)
{
  return (unsigned)(c - '0') <= 9u;
}

static const int32_t pow10_tab[10] = {1, 10, 100, 1000, 10000, 100000, 1000000,
                                      10000000, 100000000, 1000000000};

static int is_leap(int64_t y)
{
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int days_in_month(int64_t y, int m)
{
  static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

int64_t kwtime_days_from_civil(int64_t y, int m, int d)
{
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void kwtime_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = mm;
  *y = yoe + era * 400 + (mm <= 2);
}

/* Reads the two digits at s[i], s[i+1] into *v; otherwise returns the position of the
 * first byte that is not a digit. */
static inline int two_digits(const unsigned char *s, size_t n, size_t i, int *v, size_t *bad)
{
  if (i >= n || !is_digit(s[i])) {
    *bad = i;
    return -1;
  }
  if (i + 1 >= n || !is_digit(s[i + 1])) {
    *bad = i + 1;
    return -1;
  }
  *v = (s[i] - '0') * 10 + (s[i + 1] - '0');
  return 0;
}

#define FAIL(at, what)                                                     \
  do {                                                                     \
    if (err != NULL) {                                                     \
      err->pos = (at);                                                     \
      err->expected = (what);                                              \
    }                                                                      \
    return -1;                                                             \
  } while (0)

#define EXPECT_CHAR(at, c, what)                                           \
  do {                                                                     \
    if ((at) >= n || s[at] != (c))                                         \
      FAIL(at, what);                                                      \
  } while (0)

#define TWO(at, var)                                                       \
  do {                                                                     \
    size_t bad_;                                                           \
    if (two_digits(s, n, at, &(var), &bad_) != 0)                          \
      FAIL(bad_, "a digit");                                               \
  } while (0)

/* Reads up to 9 fraction digits at s (n bytes there): how many, and *frac in nanoseconds. */
static inline size_t fraction(const unsigned char *s, size_t n, int32_t *frac)
{
  size_t i = 0;
  int32_t v = 0;
  while (i < n && i < 9 && is_digit(s[i]))
    v = v * 10 + (s[i++] - '0');
  *frac = v * pow10_tab[9 - i];
  return i;
}

/* Parses the fraction and zone that follow the seconds, from s[19]: sets *nsec and
 * *offset (seconds east of UTC). */
static int parse_tail(const unsigned char *s, size_t n, int grammar, int32_t *nsec,
                      int32_t *offset, kwtime_error *err)
{
  int ow = grammar == KWTIME_OPENWHISK;
  size_t i = 19;
  int32_t frac = 0;
  if (i < n && s[i] == '.') {
    size_t start = ++i, digits = fraction(s + start, n - start, &frac);
    i += digits;
    if (digits == 0)
      FAIL(i, "a fraction digit");
    if (i < n && is_digit(s[i]))
      FAIL(i, ow ? "'Z' or 'z' (at most 9 fraction digits)"
                 : "'Z', 'z', '+' or '-' (at most 9 fraction digits)");
  } else if (ow) {
    FAIL(i, "'.' and 1 to 9 fraction digits");
  }
  *nsec = frac;
  *offset = 0;
  if (i < n && (s[i] | 0x20) == 'z') {
    i++;
  } else if (!ow && i < n && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    TWO(i + 1, oh);
    if (oh > 23)
      FAIL(i + 1, "an offset hour 00-23");
    EXPECT_CHAR(i + 3, ':', "':'");
    TWO(i + 4, om);
    if (om > 59)
      FAIL(i + 4, "offset minutes 00-59");
    *offset = (s[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    i += 6;
  } else {
    FAIL(i, ow ? "'Z' or 'z'" : i == 19 ? "'.', 'Z', 'z', '+' or '-'" : "'Z', 'z', '+' or '-'");
  }
  if (i != n)
    FAIL(i, "the end of the timestamp");
  return 0;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
/* The fast path: the form every kubelet and runtime writes, "YYYY-MM-DDTHH:MM:SS.fZ" with 1-9
 * fraction digits, read as four 8-byte words (s[0] in the low byte), every field checked and
 * converted at once, with no branch on the fraction's width, so that mixed widths cost the
 * same. Anything else (no fraction, an offset, an invalid byte) returns -1 and takes the
 * general parse below, which gives the same answer for valid input and says why for the rest;
 * spec/c/test_ktime.c holds the two paths to a plain reading of the grammar. */
#define FAST static inline __attribute__((always_inline))
#define BYTES(b) (UINT64_C(0x0101010101010101) * (b))

/* Compares the word w with a pattern: where digits has 0xFF the byte must be a digit (the
 * pattern holds '0' there), where exact has 0xFF it must equal the pattern's, and other bytes
 * are not looked at. Nonzero when a byte is wrong; *values gets the digits' values (0-9) in
 * their bytes, 0 elsewhere. One addition tests every byte: x + 0x76 reaches 0x80 from x = 10
 * (a digit byte), x + 0x7F from x = 1 (an exact byte); the high bit of x itself is or'ed in. */
FAST uint64_t mismatch(uint64_t w, uint64_t pattern, uint64_t digits, uint64_t exact,
                       uint64_t *values)
{
  uint64_t x = w ^ pattern; /* a digit byte becomes its value 0-9 */
  uint64_t add = (BYTES(0x76) & digits) | (BYTES(0x7F) & exact);
  *values = x & digits;
  return (((x & BYTES(0x7F)) + add) | x) & BYTES(0x80) & (digits | exact);
}

/* Digit values (0-9) in the bytes of d, zero elsewhere: byte i of the result is the two-digit
 * number of bytes i and i+1 (at most 99, so no byte carries into the next). */
FAST uint64_t digit_pairs(uint64_t d)
{
  return d * 10 + (d >> 8);
}

#define BYTE(v, i) ((uint32_t)((v) >> (8 * (i))) & 0xFFu)

/* "YYYY-MM-DDTHH:MM" at s (16 bytes): 0 and *base, its seconds since the epoch, or -1. */
FAST int minute_fast(const unsigned char *s, int64_t *base)
{
  /* Days from 1 March to the first of each month, in a year that starts in March (Hinnant's
   * days_from_civil), and the days of each month (29 for February: leap years below). */
  static const uint16_t march_days[16] = {0, 306, 337, 0, 31, 61, 92, 122, 153, 184, 214, 245, 275};
  static const unsigned char mdays[16] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  uint64_t a, b, va, vb;
  memcpy(&a, s, 8);     /* YYYY-MM- */
  memcpy(&b, s + 8, 8); /* DDTHH:MM */
  uint64_t bad = mismatch(a, UINT64_C(0x2D30302D30303030), UINT64_C(0x00FFFF00FFFFFFFF),
                          UINT64_C(0xFF0000FF00000000), &va) |
                 mismatch(b | UINT64_C(0x200000), UINT64_C(0x30303A3030743030),
                          UINT64_C(0xFFFF00FFFF00FFFF), UINT64_C(0x0000FF0000FF0000), &vb);
  uint64_t pa = digit_pairs(va), pb = digit_pairs(vb);
  uint32_t y = BYTE(pa, 0) * 100 + BYTE(pa, 2), mo = BYTE(pa, 5);
  uint32_t d = BYTE(pb, 0), h = BYTE(pb, 3), mi = BYTE(pb, 6);
  bad |= (mo - 1 > 11) | (d - 1 >= mdays[mo & 15]) | (h > 23) | (mi > 59);
  if (bad != 0 || (d == 29 && mo == 2 && !is_leap(y)))
    return -1;
  /* Hinnant's days_from_civil for years 0-9999, moved up one 400-year era so that nothing is
   * negative. */
  y += 400 - (mo <= 2);
  uint32_t centuries = y / 100;
  uint32_t days = y * 365 + y / 4 - centuries + centuries / 4 + march_days[mo] + d - 1;
  *base = ((int64_t)days - 719468 - 146097) * 86400 + h * 3600 + mi * 60;
  return 0;
}

/* ":SS.fZ" from s[16], 1-9 fraction digits and 'Z' or 'z' ending the n bytes: 0 and *out
 * (base plus these), or -1. The fraction's last (up to 8) digits are read from the 8 bytes
 * before the zone, whose low bytes are masked off when the fraction is shorter. */
FAST int second_fast(const unsigned char *s, size_t n, int64_t base, kwtime *out)
{
  static const uint32_t scale[10] = {0,      100000000, 10000000, 1000000, 100000,
                                     10000,  1000,      100,      10,      1};
  size_t k = n - 21; /* fraction digits */
  if (k - 1 > 8 || (s[n - 1] | 0x20) != 'z')
    return -1;
  uint64_t c, f, vc, vf;
  memcpy(&c, s + 12, 8);    /* H:MM:SS. */
  memcpy(&f, s + n - 9, 8); /* the fraction's last digits in the high bytes */
  uint64_t fdigits = ~UINT64_C(0) << (8 * (8 - (k > 8 ? 8 : k)));
  uint32_t ninth = k == 9, first = (uint32_t)s[20] - '0';
  uint64_t bad = mismatch(c, UINT64_C(0x2E30303A30303030), UINT64_C(0x00FFFF0000000000),
                          UINT64_C(0xFF0000FF00000000), &vc) |
                 mismatch(f, BYTES(0x30), fdigits, 0, &vf);
  uint32_t se = BYTE(digit_pairs(vc), 5);
  bad |= (se > 59) | (ninth & (first > 9));
  if (bad != 0)
    return -1;
  uint64_t v = digit_pairs(vf) & UINT64_C(0x00FF00FF00FF00FF);
  v = (v * 100 + (v >> 16)) & UINT64_C(0x0000FFFF0000FFFF);
  uint32_t last8 = (uint32_t)((v * 10000 + (v >> 32)) & 0xFFFFFFFFu);
  out->sec = base + se;
  out->nsec = (int32_t)((ninth * first * 100000000u + last8) * scale[k]);
  return 0;
}
#else
static inline int minute_fast(const unsigned char *s, int64_t *base)
{
  (void)s;
  (void)base;
  return -1;
}

static inline int second_fast(const unsigned char *s, size_t n, int64_t base, kwtime *out)
{
  (void)s;
  (void)n;
  (void)base;
  (void)out;
  return -1;
}
#endif

/* Parses the date, hour and minute, s[0..15], a byte at a time: *base, their seconds since
 * the epoch. */
static int parse_minute(const unsigned char *s, size_t n, int64_t *base, kwtime_error *err)
{
  int yh, yl, mo, d, h, mi;
  TWO(0, yh);
  TWO(2, yl);
  EXPECT_CHAR(4, '-', "'-'");
  TWO(5, mo);
  if (mo < 1 || mo > 12)
    FAIL(5, "a month 01-12");
  EXPECT_CHAR(7, '-', "'-'");
  TWO(8, d);
  int64_t y = yh * 100 + yl;
  if (d < 1 || d > days_in_month(y, mo))
    FAIL(8, "a day that exists in that month");
  if (10 >= n || (s[10] | 0x20) != 't')
    FAIL(10, "'T' or 't'");
  TWO(11, h);
  if (h > 23)
    FAIL(11, "an hour 00-23");
  EXPECT_CHAR(13, ':', "':'");
  TWO(14, mi);
  if (mi > 59)
    FAIL(14, "a minute 00-59");
  *base = kwtime_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
  return 0;
}

/* Parses what follows the minute, from s[16]: the seconds, fraction and zone. */
static int parse_second(const unsigned char *s, size_t n, int grammar, int64_t base, kwtime *out,
                        kwtime_error *err)
{
  int se;
  EXPECT_CHAR(16, ':', "':'");
  TWO(17, se);
  if (se > 59)
    FAIL(17, "a second 00-59");
  int32_t nsec, offset;
  if (parse_tail(s, n, grammar, &nsec, &offset, err) != 0)
    return -1;
  out->sec = base + se - offset;
  out->nsec = nsec;
  return 0;
}

/* The general parse: any form of either grammar, and why the rest fail. Kept out of line, so
 * that the fast path in kwtime_parse needs few registers (measured: 4% a parse). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int parse_general(const unsigned char *s, size_t n, int grammar, kwtime *out,
                         kwtime_error *err)
{
  int64_t base;
  if (parse_minute(s, n, &base, err) != 0)
    return -1;
  return parse_second(s, n, grammar, base, out, err);
}

int kwtime_parse(const char *str, size_t n, int grammar, kwtime *out, kwtime_error *err)
{
  const unsigned char *s = (const unsigned char *)str;
  int64_t base;
  if (n >= 16 && minute_fast(s, &base) == 0 && second_fast(s, n, base, out) == 0)
    return 0;
  return parse_general(s, n, grammar, out, err);
}

int kwtime_parse_cached(kwtime_cache *c, const char *str, size_t n, kwtime *out)
{
  const unsigned char *s = (const unsigned char *)str;
  if (!c->valid || n < 16 || memcmp(s, c->prefix, 16) != 0) {
    int64_t base;
    if ((n < 16 || minute_fast(s, &base) != 0) && parse_minute(s, n, &base, NULL) != 0)
      return -1;
    memcpy(c->prefix, s, 16); /* a valid minute is 16 bytes long */
    c->base = base;
    c->valid = 1;
  }
  if (second_fast(s, n, c->base, out) == 0)
    return 0;
  return parse_second(s, n, KWTIME_SUPERSET, c->base, out, NULL);
}

/* Writes v (0 <= v < 10^width) as exactly width digits. */
static char *put_digits(char *p, int64_t v, int width)
{
  for (int i = width - 1; i >= 0; i--) {
    p[i] = (char)('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

static char *put_year(char *p, int64_t y)
{
  if (y >= 0 && y <= 9999)
    return put_digits(p, y, 4);
  *p++ = y < 0 ? '-' : '+';
  int64_t a = y < 0 ? -y : y;
  int width = 4;
  for (int64_t limit = 10000; a >= limit && width < 18; limit *= 10)
    width++;
  return put_digits(p, a, width);
}

static char *put_fraction(char *p, int32_t nsec, int style)
{
  if (style == KWTIME_STYLE_SECONDS || (style == KWTIME_STYLE_TRIMMED && nsec == 0))
    return p;
  int digits = 9;
  if (style != KWTIME_STYLE_FIXED)
    while (digits > 1 && nsec % pow10_tab[10 - digits] == 0)
      digits--;
  *p++ = '.';
  return put_digits(p, nsec / pow10_tab[9 - digits], digits);
}

size_t kwtime_format(kwtime t, int style, int offset_minutes, char out[KWTIME_FORMAT_MAX])
{
  /* The bound on sec keeps every later step far from overflow (years of 12 digits). */
  const int64_t max_sec = INT64_C(1) << 52;
  if (style < KWTIME_STYLE_OPENWHISK || style > KWTIME_STYLE_SECONDS ||
      offset_minutes < -KWTIME_MAX_OFFSET_MINUTES || offset_minutes > KWTIME_MAX_OFFSET_MINUTES ||
      t.nsec < 0 || t.nsec > 999999999 || t.sec > max_sec || t.sec < -max_sec)
    return 0;
  int64_t local = t.sec + (int64_t)offset_minutes * 60;
  int64_t days = local / 86400, rem = local % 86400;
  if (rem < 0) {
    rem += 86400;
    days--;
  }
  int64_t y;
  int m, d;
  kwtime_civil_from_days(days, &y, &m, &d);
  char *p = put_year(out, y);
  *p++ = '-';
  p = put_digits(p, m, 2);
  *p++ = '-';
  p = put_digits(p, d, 2);
  *p++ = 'T';
  p = put_digits(p, rem / 3600, 2);
  *p++ = ':';
  p = put_digits(p, rem / 60 % 60, 2);
  *p++ = ':';
  p = put_digits(p, rem % 60, 2);
  p = put_fraction(p, t.nsec, style);
  if (offset_minutes == 0) {
    *p++ = 'Z';
  } else {
    int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    *p++ = offset_minutes < 0 ? '-' : '+';
    p = put_digits(p, a / 60, 2);
    *p++ = ':';
    p = put_digits(p, a % 60, 2);
  }
  *p = '\0';
  return (size_t)(p - out);
}

size_t kwtime_format_cached(kwtime_format_cache *c, kwtime t, char out[KWTIME_FORMAT_MAX])
{
  int64_t minute = t.sec / 60 - (t.sec % 60 < 0);
  if (!c->valid || minute != c->minute || t.nsec < 0 || t.nsec > 999999999) {
    size_t n = kwtime_format(t, KWTIME_STYLE_OPENWHISK, 0, out);
    const char *tee = n != 0 ? strchr(out, 'T') : NULL;
    if (tee == NULL)
      return n;
    c->len = (size_t)(tee - out) + 7; /* "...THH:MM:" */
    memcpy(c->prefix, out, c->len);
    c->minute = minute;
    c->valid = 1;
    return n;
  }
  memcpy(out, c->prefix, c->len);
  char *p = put_digits(out + c->len, t.sec - minute * 60, 2);
  p = put_fraction(p, t.nsec, KWTIME_STYLE_OPENWHISK);
  *p++ = 'Z';
  *p = '\0';
  return (size_t)(p - out);
}

int kwtime_now(kwtime *out)
{
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
    return -1;
  out->sec = ts.tv_sec;
  out->nsec = (int32_t)ts.tv_nsec;
  return 0;
}

double kwtime_monotonic(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
