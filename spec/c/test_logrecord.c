/* test_logrecord.c: unit tests of log records: JSON form, size, text form, decoding (SPEC A4). */
#include <string.h>

#include "check.h"
#include "logrecord.h"

static const kwtime when = {1517875218, 419889342};

static void check_json(const char *log, size_t log_len, const char *want, size_t units)
{
  kwbuf b;
  kwbuf_init(&b, 0);
  CHECK(kwrec_append_json(&b, when, "stdout", 6, log, log_len) == 0);
  CHECK_STR(b.data, want);
  CHECK(kwrec_utf16_length(b.data, b.len) == units);
  CHECK(kwrec_json_size(30, "stdout", 6, log, log_len) == units);
  kwbuf_free(&b);
}

/* The size counted without writing agrees with the JSON form written and measured, for
 * random messages of the bytes that matter (ASCII, quotes, controls, valid and cut UTF-8,
 * invalid bytes) at every length up to 40, so the 8-byte steps meet every alignment. */
static void test_json_size(void)
{
  static const char *const pieces[] = {"a", "Z", " ", "\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f",
                                       "\xc3\xa9", "\xe2\x86\x92", "\xf0\x9f\x98\x80", "\xff",
                                       "\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80", "/"};
  uint64_t x = 0x853C49E6748FEA9Bu;
  size_t wrong = 0;
  kwbuf b;
  kwbuf_init(&b, 0);
  for (int i = 0; i < 20000; i++) {
    char log[256];
    size_t n = 0, want = (size_t)(i % 41);
    while (n < want) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      const char *p = pieces[x % (sizeof pieces / sizeof pieces[0])];
      size_t k = strlen(p);
      memcpy(log + n, p, k);
      n += k;
    }
    kwbuf_reset(&b);
    CHECK(kwrec_append_json(&b, when, "stderr", 6, log, n) == 0);
    wrong += kwrec_json_size(30, "stderr", 6, log, n) != kwrec_utf16_length(b.data, b.len);
  }
  CHECK(wrong == 0);
  kwbuf_free(&b);
}

static void test_json(void)
{
  const char *first = "{\"log\":\"first activation\",\"stream\":\"stdout\","
                      "\"time\":\"2018-02-06T00:00:18.419889342Z\"}";
  check_json("first activation", 16, first, strlen(first));
  check_json("a\"\\/\b\f\n\r\t\x01\x1f", 11,
             "{\"log\":\"a\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\",\"stream\":\"stdout\","
             "\"time\":\"2018-02-06T00:00:18.419889342Z\"}",
             96);
  /* é counts 1, the emoji 2; an invalid byte becomes U+FFFD and counts 1. */
  check_json("\xc3\xa9\xf0\x9f\x98\x80\xff", 7,
             "{\"log\":\"\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd\",\"stream\":\"stdout\","
             "\"time\":\"2018-02-06T00:00:18.419889342Z\"}",
             72);
}

static void test_text(void)
{
  kwbuf b;
  kwbuf_init(&b, 0);
  CHECK(kwrec_append_text(&b, when, "stdout", 6, " \t first activation \n", 21) == 0);
  CHECK_STR(b.data, "2018-02-06T00:00:18.419889342Z stdout: first activation");
  kwbuf_reset(&b);
  CHECK(kwrec_append_text(&b, when, "stderr", 6, "   ", 3) == 0);
  CHECK_STR(b.data, "2018-02-06T00:00:18.419889342Z stderr: ");
  kwbuf_free(&b);
}

static void check_formatted(kwtime t, const char *log, const char *want)
{
  kwbuf b;
  kwbuf_init(&b, 0);
  CHECK(kwrec_append_formatted(&b, t, "stdout", 6, log, strlen(log)) == 0);
  CHECK_STR(b.data, want);
  kwbuf_free(&b);
}

/* OpenWhisk's stored form: the time padded to 30 columns, trimmed bytes <= 0x20 at both ends
 * only, invalid UTF-8 as U+FFFD (at the ends too: it is no space). */
static void test_formatted(void)
{
  check_formatted(when, " \t first activation \r\n",
                  "2018-02-06T00:00:18.419889342Z stdout: first activation");
  check_formatted((kwtime){1517875218, 0}, "a \t b",
                  "2018-02-06T00:00:18.0Z         stdout: a \t b");
  check_formatted((kwtime){1517875218, 500000000}, "\xff x \xc3",
                  "2018-02-06T00:00:18.5Z         stdout: \xef\xbf\xbd x \xef\xbf\xbd");
  check_formatted(when, " \n ", "2018-02-06T00:00:18.419889342Z stdout: ");
  check_formatted((kwtime){-62135596800, 1}, "y",
                  "0001-01-01T00:00:00.000000001Z stdout: y");
}

int main(void)
{
  test_formatted();
  test_json_size();
  test_json();
  test_text();
  return check_summary("logrecord");
}
