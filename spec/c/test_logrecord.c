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

static void check_decode_error(const char *json, const char *want)
{
  kwrec_decoded d;
  kwrec_decoded_init(&d);
  CHECK(kwrec_decode(json, strlen(json), &d) == -1);
  CHECK_STR(d.error.data, want);
  kwrec_decoded_free(&d);
}

#define FORMAT_NAME                                                                        \
  "ParseCaseSensitive(false)Value(Year)'-'Value(MonthOfYear,2)'-'Value(DayOfMonth,2)'T'"   \
  "Value(HourOfDay,2)':'Value(MinuteOfHour,2)':'Value(SecondOfMinute,2)"                  \
  "Fraction(NanoOfSecond,1,9,DecimalPoint)'Z'"

static void test_decode(void)
{
  kwrec_decoded d;
  kwrec_decoded_init(&d);
  const char *json = " { \"time\" : \"2018-02-06T00:00:18.419889342Z\", \"x\": [1, {\"y\": null}],"
                     "\"stream\":\"stdout\", \"log\": \"a\\u00e9\\ud83d\\ude00\\n\\/\", "
                     "\"log\": \"last \\\"wins\\\"\" } ";
  CHECK(kwrec_decode(json, strlen(json), &d) == 0);
  CHECK(d.time.sec == when.sec && d.time.nsec == when.nsec);
  CHECK_STR(d.stream.data, "stdout");
  CHECK_STR(d.log.data, "last \"wins\"");
  json = "{\"time\":\"2018-02-06T00:00:18Z\",\"stream\":\"s\",\"log\":\"a\\u00e9\\ud83d\\ude00\\ud800\"}";
  CHECK(kwrec_decode(json, strlen(json), &d) == 0);
  CHECK_STR(d.log.data, "a\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd");
  kwrec_decoded_free(&d);

  check_decode_error("[1,2]", "JSON object expected");
  check_decode_error("\"x\"", "JSON object expected");
  check_decode_error("{}", "key not found: time");
  check_decode_error("{\"time\":\"2018-02-06T00:00:18.5Z\",\"log\":\"x\"}", "key not found: stream");
  check_decode_error("{\"time\":\"2018-02-06T00:00:18.5Z\",\"stream\":\"x\"}", "key not found: log");
  check_decode_error("{\"time\":\"2018-02-06T00:00:18.5Z\",\"stream\":1,\"log\":\"x\"}",
                     "Expected String as JsString, but got 1");
  check_decode_error("{\"time\":\"2018-02-06T00:00:18.5Z\",\"stream\":\"x\",\"log\":{ \"a\" : [ 1 , \"b c\" ] }}",
                     "Expected String as JsString, but got {\"a\":[1,\"b c\"]}");
  check_decode_error("{\"time\":12,\"stream\":\"x\",\"log\":\"y\"}",
                     "Could not parse a java.time.Instant from 12 (Expected in format: " FORMAT_NAME ")");
  check_decode_error("{\"time\":\"2018-02-06 00:00:18.5Z\",\"stream\":\"x\",\"log\":\"y\"}",
                     "Could not parse a java.time.Instant from 2018-02-06 00:00:18.5Z (Expected in "
                     "format: " FORMAT_NAME ": expected 'T' or 't' at byte 10");
  check_decode_error("", "invalid JSON at byte 0: expected a JSON value");
  check_decode_error("{\"time\":}", "invalid JSON at byte 8: expected a JSON value");
  check_decode_error("{\"a\":1} x", "invalid JSON at byte 8: expected the end of the text");
  check_decode_error("{\"a\":\"\\q\"}", "invalid JSON at byte 7: expected an escape: \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u");
  check_decode_error("{\"a\":01}", "invalid JSON at byte 6: expected ',' or '}'");
  check_decode_error("{\"a\" 1}", "invalid JSON at byte 5: expected ':'");
  check_decode_error("{\"a\":\"x\ny\"}", "invalid JSON at byte 7: expected '\"' to end the string");
  check_decode_error("{\"a\":\"\\u12g4\"}", "invalid JSON at byte 10: expected a hex digit");
  char deep[2100];
  memset(deep, '[', 2000);
  strcpy(deep + 2000, "]");
  check_decode_error(deep, "invalid JSON at byte 1000: expected at most 1000 nested arrays and objects");
}

int main(void)
{
  test_json();
  test_text();
  test_decode();
  return check_summary("logrecord");
}
