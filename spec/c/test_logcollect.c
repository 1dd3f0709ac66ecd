/* test_logcollect.c: unit tests of the activation log collector (SPEC A7): OpenWhisk's
 * formatted lines, the sentinels, the byte limit and the cursor it leaves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kwbuf.h"
#include "logcollect.h"
#include "logreader.h"
#include "logrecord.h"

#define S KWLOG_SENTINEL

/* Line i of c as a NUL-terminated string in buf (at most n bytes), or "" without one. */
static const char *line(const kwlog_collector *c, size_t i, char *buf, size_t n)
{
  const char *text;
  size_t len;
  if (!kwlog_collector_line(c, i, &text, &len) || len >= n)
    return "";
  memcpy(buf, text, len);
  buf[len] = '\0';
  return buf;
}

/* The weight of one record as SPEC A7 counts it: its JSON form in UTF-16 units, plus 1. */
static uint64_t weight(const char *time, const char *log)
{
  char json[256];
  snprintf(json, sizeof json, "{\"log\":\"%s\",\"stream\":\"stdout\",\"time\":\"%s\"}", log, time);
  return kwrec_utf16_length(json, strlen(json)) + 1;
}

static void test_lines_and_sentinels(void)
{
  const char *log = "2018-02-06T00:00:18.419889342Z  first activation \n"
                    "2018-02-06T00:00:18.5Z " S "\n"
                    "2018-02-06T00:00:19Z tab\tand \xff bytes\n"
                    "2018-02-06T00:00:19.1Z " S "\n"
                    "2018-02-06T00:00:20Z the next activation\n";
  kwlog_reader *r = kwlog_reader_new(NULL);
  kwlog_collector *c = kwlog_collector_new(1 << 20, "stdout", 6);
  CHECK(r != NULL && c != NULL);
  int64_t sec;
  uint64_t count;
  CHECK(kwlog_collector_cursor(c, &sec, &count) == 0);
  CHECK(kwlog_collector_last(c, &(kwtime){0, 0}) == 0);
  CHECK(kwlog_reader_feed(r, log, strlen(log)) == 0);
  CHECK(kwlog_collector_drain(c, r) == 4); /* the line after the second sentinel stays */
  CHECK(kwlog_collector_state(c) == KWLOG_COLLECTED);
  CHECK(kwlog_collector_count(c) == 2);
  char buf[256];
  /* OpenWhisk's LogLine.toFormattedString: f"$time%-30s $stream: ${log.trim}", over the
   * JSON form's log, where a byte that is not UTF-8 is U+FFFD */
  CHECK_STR(line(c, 0, buf, sizeof buf),
            "2018-02-06T00:00:18.419889342Z stdout: first activation");
  CHECK_STR(line(c, 1, buf, sizeof buf),
            "2018-02-06T00:00:19.0Z         stdout: tab\tand \xef\xbf\xbd bytes");
  CHECK(kwlog_collector_line(c, 2, &(const char *){NULL}, &(size_t){0}) == 0);
  CHECK(kwlog_collector_cursor(c, &sec, &count) == 1 && sec == 1517875219 && count == 2);
  kwtime last;
  CHECK(kwlog_collector_last(c, &last) == 1 && last.sec == 1517875219 && last.nsec == 100000000);
  CHECK(kwlog_collector_drain(c, r) == 0); /* done: nothing more is taken */
  kwlog_record rec;
  CHECK(kwlog_reader_next(r, &rec) == 1 && rec.sec == 1517875220);
  kwlog_collector_free(c);
  kwlog_reader_free(r);
}

/* A record that would pass the limit ends the collection, is not kept and stays out of the
 * cursor; the limit counts sentinels and measures UTF-16 units, not bytes. */
static void test_limit(void)
{
  const char *a = "2018-02-06T00:00:18.1Z", *b = "2018-02-06T00:00:18.2Z";
  uint64_t first = weight(a, "\xc3\xa9t\xc3\xa9"), second = weight(b, S);
  char log[512];
  snprintf(log, sizeof log, "%s \xc3\xa9t\xc3\xa9\n%s " S "\n2018-02-06T00:00:18.3Z big\n", a, b);
  for (uint64_t limit = first - 1; limit <= first + second; limit++) {
    kwlog_reader *r = kwlog_reader_new(NULL);
    kwlog_collector *c = kwlog_collector_new(limit, "stdout", 6);
    CHECK(kwlog_reader_feed(r, log, strlen(log)) == 0);
    kwlog_reader_finish(r);
    long taken = kwlog_collector_drain(c, r);
    int64_t sec;
    uint64_t count;
    int cursor = kwlog_collector_cursor(c, &sec, &count);
    CHECK(kwlog_collector_state(c) == KWLOG_OVER_LIMIT);
    if (limit < first) {
      CHECK(taken == 1 && kwlog_collector_count(c) == 0 && cursor == 0);
      CHECK(kwlog_collector_used(c) == 0);
    } else if (limit < first + second) {
      CHECK(taken == 2 && kwlog_collector_count(c) == 1 && cursor == 1 && count == 1);
      CHECK(kwlog_collector_used(c) == first);
    } else {
      CHECK(taken == 3 && kwlog_collector_count(c) == 1 && cursor == 1 && count == 2);
      CHECK(kwlog_collector_used(c) == first + second);
    }
    kwlog_collector_free(c);
    kwlog_reader_free(r);
  }
}

/* Records fed a byte at a time give the same lines as fed at once, and a collection goes on
 * over several drains until its sentinels. */
static void test_bytewise(void)
{
  kwbuf log;
  kwbuf_init(&log, 0);
  for (int i = 0; i < 300; i++) {
    char l[96];
    snprintf(l, sizeof l, "2018-02-06T00:%02d:%02d.%dZ line %d\n", i / 60 % 60, i % 60, i % 9 + 1, i);
    CHECK(kwbuf_append_str(&log, l) == 0);
  }
  CHECK(kwbuf_append_str(&log, "2018-02-06T01:00:00Z " S "\n2018-02-06T01:00:00Z " S "\n") == 0);
  kwlog_reader *r = kwlog_reader_new(NULL);
  kwlog_collector *c = kwlog_collector_new(1 << 20, "stdout", 6);
  long taken = 0;
  for (size_t i = 0; i < log.len; i++) {
    CHECK(kwlog_reader_feed(r, log.data + i, 1) == 0);
    long n = kwlog_collector_drain(c, r);
    CHECK(n >= 0);
    taken += n;
  }
  CHECK(taken == 302 && kwlog_collector_count(c) == 300);
  CHECK(kwlog_collector_state(c) == KWLOG_COLLECTED);
  char buf[128];
  CHECK_STR(line(c, 299, buf, sizeof buf), "2018-02-06T00:04:59.3Z         stdout: line 299");
  kwlog_collector_free(c);
  kwlog_reader_free(r);
  kwbuf_free(&log);
}

int main(void)
{
  test_lines_and_sentinels();
  test_limit();
  test_bytewise();
  return check_summary("logcollect");
}
