/* test_ktime.c: unit tests of timestamp parsing and formatting (SPEC A2, C1). */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "ktime.h"
#include "ktime_plain.h"

static int parse(const char *s, int grammar, kwtime *t)
{
  return kwtime_parse(s, strlen(s), grammar, t, NULL);
}

static void check_time(const char *s, int grammar, int64_t sec, int32_t nsec)
{
  kwtime t = {0, 0};
  int rc = parse(s, grammar, &t);
  CHECK(rc == 0);
  if (rc != 0 || t.sec != sec || t.nsec != nsec)
    fprintf(stderr, "  %s -> rc %d sec %lld nsec %d\n", s, rc, (long long)t.sec, t.nsec);
  CHECK(t.sec == sec && t.nsec == nsec);
}

static void check_error(const char *s, int grammar, size_t pos, const char *expected)
{
  kwtime t;
  kwtime_error e = {0, NULL};
  CHECK(kwtime_parse(s, strlen(s), grammar, &t, &e) == -1);
  CHECK(e.pos == pos);
  CHECK_STR(e.expected, expected);
}

static void test_parse(void)
{
  check_time("2018-02-06T00:09:35.38267193Z", KWTIME_OPENWHISK, 1517875775, 382671930);
  check_time("2018-02-06t00:09:35.38267193z", KWTIME_OPENWHISK, 1517875775, 382671930);
  check_time("1970-01-01T00:00:00.0Z", KWTIME_OPENWHISK, 0, 0);
  check_time("2018-02-06T00:00:18.000000001Z", KWTIME_SUPERSET, 1517875218, 1);
  check_time("2018-02-06T00:00:18Z", KWTIME_SUPERSET, 1517875218, 0);
  check_time("2018-02-05T19:00:18.5-05:00", KWTIME_SUPERSET, 1517875218, 500000000);
  check_time("2018-02-06T05:30:18+05:30", KWTIME_SUPERSET, 1517875218, 0);
  check_time("1969-12-31T23:59:59.999999999Z", KWTIME_SUPERSET, -1, 999999999);
  check_time("0000-01-01T00:00:00Z", KWTIME_SUPERSET, -62167219200, 0);
  check_time("9999-12-31T23:59:59.999999999Z", KWTIME_SUPERSET, 253402300799, 999999999);
  check_time("2024-02-29T00:00:00Z", KWTIME_SUPERSET, 1709164800, 0);
  check_time("2000-02-29T00:00:00Z", KWTIME_SUPERSET, 951782400, 0);
}

static void test_errors(void)
{
  check_error("2018-02-06T00:00:18Z", KWTIME_OPENWHISK, 19, "'.' and 1 to 9 fraction digits");
  check_error("2018-02-06T00:00:18.5+01:00", KWTIME_OPENWHISK, 21, "'Z' or 'z'");
  check_error("2018-02-06T00:00:18.1234567890Z", KWTIME_SUPERSET, 29,
              "'Z', 'z', '+' or '-' (at most 9 fraction digits)");
  check_error("2018-02-06T00:00:18.Z", KWTIME_SUPERSET, 20, "a fraction digit");
  check_error("2018-02-06 00:00:18Z", KWTIME_SUPERSET, 10, "'T' or 't'");
  check_error("2023-02-29T00:00:00Z", KWTIME_SUPERSET, 8, "a day that exists in that month");
  check_error("1900-02-29T00:00:00Z", KWTIME_SUPERSET, 8, "a day that exists in that month");
  check_error("2018-02-31T00:00:00.0Z", KWTIME_OPENWHISK, 8, "a day that exists in that month");
  check_error("2018-13-01T00:00:00Z", KWTIME_SUPERSET, 5, "a month 01-12");
  check_error("2018-00-01T00:00:00Z", KWTIME_SUPERSET, 5, "a month 01-12");
  check_error("2018-01-01T24:00:00Z", KWTIME_SUPERSET, 11, "an hour 00-23");
  check_error("2018-01-01T00:60:00Z", KWTIME_SUPERSET, 14, "a minute 00-59");
  check_error("2018-01-01T00:00:60Z", KWTIME_SUPERSET, 17, "a second 00-59");
  check_error("2018-01-01T00:00:00+24:00", KWTIME_SUPERSET, 20, "an offset hour 00-23");
  check_error("2018-01-01T00:00:00+01:60", KWTIME_SUPERSET, 23, "offset minutes 00-59");
  check_error("2018-01-01T00:00:00+0100", KWTIME_SUPERSET, 22, "':'");
  check_error("2018-01-01T00:00:00", KWTIME_SUPERSET, 19, "'.', 'Z', 'z', '+' or '-'");
  check_error("2018-01-01T00:00:00.5", KWTIME_SUPERSET, 21, "'Z', 'z', '+' or '-'");
  check_error("2018-01-01T00:00:00Zx", KWTIME_SUPERSET, 20, "the end of the timestamp");
  check_error("18-01-01T00:00:00Z", KWTIME_SUPERSET, 2, "a digit");
  check_error("2018-1-01T00:00:00Z", KWTIME_SUPERSET, 6, "a digit");
  check_error("", KWTIME_SUPERSET, 0, "a digit");
  check_error("2018-01-01T00:00:0", KWTIME_SUPERSET, 18, "a digit");
}

static void check_format(int64_t sec, int32_t nsec, int style, int offset, const char *want)
{
  char out[KWTIME_FORMAT_MAX];
  kwtime t = {sec, nsec};
  size_t n = kwtime_format(t, style, offset, out);
  CHECK(n == strlen(want));
  CHECK_STR(out, want);
}

static void test_format(void)
{
  check_format(0, 0, KWTIME_STYLE_OPENWHISK, 0, "1970-01-01T00:00:00.0Z");
  check_format(1517875218, 500000000, KWTIME_STYLE_OPENWHISK, 0, "2018-02-06T00:00:18.5Z");
  check_format(1517875775, 382671930, KWTIME_STYLE_OPENWHISK, 0, "2018-02-06T00:09:35.38267193Z");
  check_format(1517875218, 1, KWTIME_STYLE_OPENWHISK, 0, "2018-02-06T00:00:18.000000001Z");
  check_format(1517875218, 500000000, KWTIME_STYLE_FIXED, 0, "2018-02-06T00:00:18.500000000Z");
  check_format(1517875218, 500000000, KWTIME_STYLE_TRIMMED, 0, "2018-02-06T00:00:18.5Z");
  check_format(1517875218, 0, KWTIME_STYLE_TRIMMED, 0, "2018-02-06T00:00:18Z");
  check_format(1517875218, 999, KWTIME_STYLE_SECONDS, 0, "2018-02-06T00:00:18Z");
  check_format(1517875218, 500000000, KWTIME_STYLE_OPENWHISK, -300, "2018-02-05T19:00:18.5-05:00");
  check_format(1517875218, 0, KWTIME_STYLE_SECONDS, 330, "2018-02-06T05:30:18+05:30");
  check_format(-1, 999999999, KWTIME_STYLE_OPENWHISK, 0, "1969-12-31T23:59:59.999999999Z");
  check_format(253402300800, 0, KWTIME_STYLE_SECONDS, 0, "+10000-01-01T00:00:00Z");
  check_format(-62167219201, 0, KWTIME_STYLE_SECONDS, 0, "-0001-12-31T23:59:59Z");
  char out[KWTIME_FORMAT_MAX];
  kwtime t = {0, 0};
  CHECK(kwtime_format(t, 4, 0, out) == 0);
  CHECK(kwtime_format(t, 0, 1440, out) == 0);
  t.nsec = 1000000000;
  CHECK(kwtime_format(t, 0, 0, out) == 0);
  t.nsec = 0;
  t.sec = INT64_MAX;
  CHECK(kwtime_format(t, 0, 0, out) == 0);
}

/* Every day of years 0-9999 maps to the next day number and back. */
static void test_calendar(void)
{
  int64_t expect = kwtime_days_from_civil(0, 1, 1), bad = 0;
  for (int64_t y = 0; y <= 9999; y++)
    for (int m = 1; m <= 12; m++) {
      static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
      int days = dim[m - 1] + (m == 2 && leap);
      for (int d = 1; d <= days; d++, expect++) {
        int64_t yy;
        int mm, dd;
        kwtime_civil_from_days(expect, &yy, &mm, &dd);
        bad += kwtime_days_from_civil(y, m, d) != expect || yy != y || mm != m || dd != d;
      }
    }
  CHECK(bad == 0);
  CHECK(kwtime_days_from_civil(1970, 1, 1) == 0);
}

/* Formatting then parsing gives the same time back, in every style that keeps ns. */
static void test_round_trip(void)
{
  int bad = 0;
  uint64_t x = 88172645463325252u;
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    kwtime t = {(int64_t)(x % 253402300800u) - 62167219200 / 2, (int32_t)(x % 1000000000u)};
    int offset = (int)(x >> 40) % 1440 - 720;
    char out[KWTIME_FORMAT_MAX];
    kwtime back;
    size_t n = kwtime_format(t, i % 3, offset, out);
    if (n == 0 || kwtime_parse(out, n, KWTIME_SUPERSET, &back, NULL) != 0 || back.sec != t.sec ||
        back.nsec != t.nsec)
      bad++;
  }
  CHECK(bad == 0);
}

static void test_now(void)
{
  kwtime t;
  CHECK(kwtime_now(&t) == 0);
  CHECK(t.sec > 1700000000 && t.nsec >= 0 && t.nsec < 1000000000);
}

/* The cached parse agrees with the plain one over a run of timestamps that share, and then
 * change, their minute, and on inputs that start like the cached minute but go wrong. */
static void test_cached(void)
{
  static const char *const stamps[] = {
    "2024-02-29T23:59:58.5Z", "2024-02-29T23:59:59.123456789Z", "2024-02-29T23:59:07Z",
    "2024-02-29T23:59:07.1234Z", "2024-02-29T23:59:07+01:30", "2024-02-29T23:59:60Z",
    "2024-02-29T23:59:0", "2024-02-29T23:59", "2024-02-29T23:59:07.Z",
    "2024-02-29T23:59:07.1234567890Z", "2024-03-01T00:00:00.000000001Z", "2024-03-01T00:00x",
    "2024-02-29T23:59:07.12345678Z", "2024-02-29T23:59:07.87654321-00:15", "garbage",
  };
  kwtime_cache cache = {{0}, 0, 0};
  for (size_t i = 0; i < sizeof stamps / sizeof stamps[0]; i++) {
    kwtime a = {0, 0}, b = {0, 0};
    int ra = kwtime_parse(stamps[i], strlen(stamps[i]), KWTIME_SUPERSET, &a, NULL);
    int rb = kwtime_parse_cached(&cache, stamps[i], strlen(stamps[i]), &b);
    CHECK(ra == rb);
    CHECK(ra != 0 || (a.sec == b.sec && a.nsec == b.nsec));
  }
  check_time("2024-02-29T23:59:07.12345678Z", KWTIME_SUPERSET, 1709251147, 123456780);
  check_time("2024-02-29T23:59:07.00000001Z", KWTIME_SUPERSET, 1709251147, 10);
}

/* The cached format writes what kwtime_format writes, across minutes, before 1970 and at
 * the ends of the fraction. */
static void test_format_cached(void)
{
  static const kwtime times[] = {
    {1517875218, 419889342}, {1517875219, 0},  {1517875259, 999999999}, {1517875260, 100},
    {1517875200, 5},          {-1, 999999999}, {-60, 0},                {-61, 500000000},
    {-62135596800, 1},        {253402300799, 0}, {253402300800, 10},    {-1, 0},
  };
  kwtime_format_cache cache;
  memset(&cache, 0, sizeof cache);
  for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
    char a[KWTIME_FORMAT_MAX], b[KWTIME_FORMAT_MAX];
    size_t na = kwtime_format(times[i], KWTIME_STYLE_OPENWHISK, 0, a);
    size_t nb = kwtime_format_cached(&cache, times[i], b);
    CHECK(na == nb && na != 0);
    CHECK_STR(b, a);
  }
  char out[KWTIME_FORMAT_MAX];
  CHECK(kwtime_format_cached(&cache, (kwtime){-1, 1000000000}, out) == 0);
}

/* Whether kwtime_parse and kwtime_parse_cached (with the cache given) agree with the plain
 * reading on s, in both grammars; prints the first few disagreements. */
static int agrees(const char *s, size_t n, kwtime_cache *cache)
{
  static int shown;
  int same = 1;
  for (int grammar = KWTIME_SUPERSET; grammar <= KWTIME_OPENWHISK; grammar++) {
    kwtime want = {0, 0}, got = {0, 0}, cached = {0, 0};
    int rw = ktime_plain_parse(s, n, grammar, &want), rg = kwtime_parse(s, n, grammar, &got, NULL);
    int ok = rw == rg && (rw != 0 || (want.sec == got.sec && want.nsec == got.nsec));
    if (grammar == KWTIME_SUPERSET) {
      int rc = kwtime_parse_cached(cache, s, n, &cached);
      ok = ok && rc == rw && (rw != 0 || kwtime_compare(want, cached) == 0);
    }
    if (!ok && shown++ < 5)
      fprintf(stderr, "  %.*s (grammar %d): plain %d %lld.%09d, parsed %d %lld.%09d\n", (int)n, s,
              grammar, rw, (long long)want.sec, want.nsec, rg, (long long)got.sec, got.nsec);
    same = same && ok;
  }
  return same;
}

/* Every byte value at every position, every shorter length and one more byte, of stamps of
 * every fraction width and zone form, against the plain reading: the word-at-a-time path
 * accepts exactly what it should, and reads the same time. */
static void test_every_byte(void)
{
  static const char *const stamps[] = {
    "2024-02-29T23:59:07Z",           "2024-02-29T23:59:07.5Z",
    "2024-02-29T23:59:07.12Z",        "2024-02-29T23:59:07.123Z",
    "2024-02-29T23:59:07.1234Z",      "2024-02-29T23:59:07.12345Z",
    "2024-02-29T23:59:07.123456Z",    "2024-02-29T23:59:07.1234567Z",
    "2024-02-29T23:59:07.12345678Z",  "2024-02-29T23:59:07.123456789Z",
    "1999-12-31t00:00:00.000000001z", "2023-02-28T12:30:45.987654321+05:30",
    "2100-03-01T00:00:59.5-23:59",    "0000-01-01T00:00:00.1Z",
  };
  kwtime_cache cache = {{0}, 0, 0};
  size_t wrong = 0, tried = 0;
  for (size_t k = 0; k < sizeof stamps / sizeof stamps[0]; k++) {
    size_t n = strlen(stamps[k]);
    char s[64];
    memcpy(s, stamps[k], n);
    for (size_t len = 0; len <= n; len++, tried++)
      wrong += !agrees(s, len, &cache);
    for (int c = 0; c < 256; c++, tried++) {
      s[n] = (char)c;
      wrong += !agrees(s, n + 1, &cache);
    }
    for (size_t i = 0; i < n; i++)
      for (int c = 0; c < 256; c++, tried++) {
        memcpy(s, stamps[k], n);
        s[i] = (char)c;
        wrong += !agrees(s, n, &cache);
      }
  }
  CHECK(tried > 80000);
  CHECK(wrong == 0);
}

/* Random valid stamps of every date, width and zone, and mutations of them (a byte changed,
 * removed or added, from the bytes the grammar uses), against the plain reading. */
static void test_random_stamps(void)
{
  static const char bytes[] = "0123456789-:.TtZz+ 9";
  kwtime_cache cache = {{0}, 0, 0};
  uint64_t x = 0x2545F4914F6CDD1Du;
  size_t wrong = 0;
  for (int i = 0; i < 1000000; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    kwtime t = {(int64_t)(x % 253402300800u) - 62167219200, (int32_t)(x % 1000000000u)};
    char s[KWTIME_FORMAT_MAX + 1];
    size_t n = kwtime_format(t, (int)(x >> 60) % 3, (x >> 50) % 4 == 0 ? (int)(x >> 20) % 1440 : 0,
                             s);
    int edit = (int)(x >> 32) % 4; /* 0: none; 1: change; 2: remove; 3: add a byte */
    size_t at = (size_t)(x >> 36) % n;
    char c = bytes[(x >> 44) % (sizeof bytes - 1)];
    if (edit == 1) {
      s[at] = c;
    } else if (edit == 2) {
      memmove(s + at, s + at + 1, n - at - 1);
      n--;
    } else if (edit == 3) {
      memmove(s + at + 1, s + at, n - at);
      s[at] = c;
      n++;
    }
    wrong += !agrees(s, n, &cache);
  }
  CHECK(wrong == 0);
}

int main(void)
{
  test_every_byte();
  test_random_stamps();
  test_cached();
  test_format_cached();
  test_parse();
  test_errors();
  test_format();
  test_calendar();
  test_round_trip();
  test_now();
  return check_summary("ktime");
}
