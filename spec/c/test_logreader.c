/* test_logreader.c: unit tests of the incremental log reader (SPEC A3, C2). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kwbuf.h"
#include "logreader.h"

/* Drains r into out as one line per record: "<sec>.<nsec> <T|-> <msg>". */
static void drain(kwlog_reader *r, kwbuf *out)
{
  kwlog_record rec;
  while (kwlog_reader_next(r, &rec)) {
    char head[64];
    snprintf(head, sizeof head, "%lld.%09d %c ", (long long)rec.sec, rec.nsec,
             rec.truncated ? 'T' : '-');
    kwbuf_append_str(out, head);
    kwbuf_append(out, rec.msg, rec.len);
    kwbuf_putc(out, '\n');
  }
}

/* Reads text fed in the given pieces (cut at the offsets in cuts, ascending). */
static void read_pieces(const kwlog_options *o, const char *text, size_t n, const size_t *cuts,
                        size_t ncuts, kwbuf *out)
{
  kwlog_reader *r = kwlog_reader_new(o);
  size_t at = 0;
  for (size_t i = 0; i <= ncuts; i++) {
    size_t end = i < ncuts ? cuts[i] : n;
    CHECK(kwlog_reader_feed(r, text + at, end - at) == 0);
    drain(r, out);
    at = end;
  }
  kwlog_reader_finish(r);
  drain(r, out);
  kwlog_reader_free(r);
}

static const char sample[] =
    "2018-02-06T00:00:18.419889342Z first activation\n"
    "\n"
    "2018-02-06T00:00:18Z  two  spaces \r\n"
    "no-space-here\r\n"
    "2018-02-06T00:00:19.5-01:00 offset\n"
    "2018-02-06T00:00:19.5Z a\rb\r\r\n"
    "2018-02-06T00:00:19.5Z \n"
    "2018-02-31T00:00:19.5Z impossible\n"
    "\r\n"
    "unable to retrieve container logs for containerd://abc\n"
    "2018-02-06T00:00:20.000000001Z last";

static const char sample_want[] =
    "1517875218.419889342 - first activation\n"
    "1517875218.000000000 -  two  spaces \n"
    "1517878819.500000000 - offset\n"
    "1517875219.500000000 - a\rb\r\n"
    "1517875219.500000000 - \n"
    "1517875220.000000001 - last\n";

static void test_rules(void)
{
  kwbuf out;
  kwbuf_init(&out, 0);
  kwlog_reader *r = kwlog_reader_new(NULL);
  CHECK(kwlog_reader_feed(r, sample, sizeof sample - 1) == 0);
  drain(r, &out);
  /* The last line has no terminator: it waits for more bytes or the end. */
  CHECK(strstr(out.data, "last") == NULL);
  kwlog_reader_finish(r);
  drain(r, &out);
  CHECK_STR(out.data, sample_want);
  const kwlog_stats *s = kwlog_reader_stats(r);
  CHECK(s->lines == 6 && s->delivered == 6 && s->empty == 2 && s->malformed == 3);
  const char *text;
  size_t len;
  CHECK(kwlog_reader_error(r, 0, &text, &len) == 3);
  CHECK(len == 13 && memcmp(text, "no-space-here", 13) == 0);
  kwlog_reader_error(r, 2, &text, &len);
  CHECK(len == 54 && memcmp(text, "unable to retrieve", 18) == 0);
  int64_t sec;
  uint64_t count;
  CHECK(kwlog_reader_cursor(r, &sec, &count) == 1 && sec == 1517878819 && count == 1);
  kwlog_reader_free(r);
  kwbuf_free(&out);
}

/* Any cut into two chunks, and byte-by-byte feeding, read the same as one chunk. */
static void test_cuts(void)
{
  size_t n = sizeof sample - 1;
  kwbuf out;
  kwbuf_init(&out, 0);
  int bad = 0;
  for (size_t cut = 0; cut <= n; cut++) {
    kwbuf_reset(&out);
    read_pieces(NULL, sample, n, &cut, 1, &out);
    bad += strcmp(out.data, sample_want) != 0;
  }
  CHECK(bad == 0);
  size_t *cuts = malloc(n * sizeof *cuts);
  for (size_t i = 0; i < n; i++)
    cuts[i] = i + 1;
  kwbuf_reset(&out);
  read_pieces(NULL, sample, n, cuts, n - 1, &out);
  CHECK_STR(out.data, sample_want);
  free(cuts);
  kwbuf_free(&out);
}

/* A reader fed again before it was drained keeps every byte. */
static void test_early_feed(void)
{
  size_t n = sizeof sample - 1;
  kwbuf out;
  kwbuf_init(&out, 0);
  kwlog_reader *r = kwlog_reader_new(NULL);
  kwlog_record rec;
  CHECK(kwlog_reader_feed(r, sample, 60) == 0);
  CHECK(kwlog_reader_next(r, &rec) == 1);
  CHECK(kwlog_reader_feed(r, sample + 60, 40) == 0);
  CHECK(kwlog_reader_feed(r, sample + 100, n - 100) == 0);
  kwlog_reader_finish(r);
  drain(r, &out);
  CHECK_STR(out.data, strchr(sample_want, '\n') + 1);
  kwlog_reader_free(r);
  kwbuf_free(&out);
}

static void test_truncation(void)
{
  kwlog_options o = {0};
  o.max_line = 40;
  /* 23 + 17 = 40 bytes: kept whole, "\r\n" included or not, and a longer line cut. */
  const char *text = "2018-02-06T00:00:18.5Z 12345678901234567\r\n"
                     "2018-02-06T00:00:18.5Z 123456789012345678\n"
                     "2018-02-06T00:00:18.5Z 12345678901234567890123456789\r\n"
                     "2018-02-06T00:00:18.5Z 12345678901234567";
  const char *want = "1517875218.500000000 - 12345678901234567\n"
                     "1517875218.500000000 T 12345678901234567\n"
                     "1517875218.500000000 T 12345678901234567\n"
                     "1517875218.500000000 - 12345678901234567\n";
  size_t n = strlen(text);
  kwbuf out;
  kwbuf_init(&out, 0);
  int bad = 0;
  for (size_t cut = 0; cut <= n; cut++) {
    kwbuf_reset(&out);
    read_pieces(&o, text, n, &cut, 1, &out);
    bad += strcmp(out.data, want) != 0;
  }
  CHECK(bad == 0);
  kwbuf_free(&out);
}

/* A 10 MiB line fed in 64 KiB chunks is cut at max_line (1 MiB), then reading goes on. */
static void test_huge_line(void)
{
  size_t big = (size_t)10 << 20, chunk = 65536;
  char *text = malloc(big + 64);
  memcpy(text, "2018-02-06T00:00:18Z ", 21);
  memset(text + 21, 'x', big - 21);
  strcpy(text + big, "\n2018-02-06T00:00:19Z next\n");
  size_t n = strlen(text);
  kwlog_reader *r = kwlog_reader_new(NULL);
  kwlog_record rec;
  int got = 0, ok = 1;
  for (size_t at = 0; at < n; at += chunk) {
    CHECK(kwlog_reader_feed(r, text + at, at + chunk < n ? chunk : n - at) == 0);
    while (kwlog_reader_next(r, &rec)) {
      if (got == 0)
        ok &= rec.truncated == 1 && rec.len == KWLOG_DEFAULT_MAX_LINE - 21 && rec.msg[0] == 'x';
      else
        ok &= rec.truncated == 0 && rec.len == 4 && memcmp(rec.msg, "next", 4) == 0;
      got++;
    }
  }
  CHECK(got == 2 && ok);
  CHECK(kwlog_reader_stats(r)->truncated == 1);
  kwlog_reader_free(r);
  /* The same line in one chunk is cut without being copied. */
  r = kwlog_reader_new(NULL);
  CHECK(kwlog_reader_feed(r, text, n) == 0);
  CHECK(kwlog_reader_next(r, &rec) == 1 && rec.truncated && rec.msg == text + 21);
  CHECK(rec.len == KWLOG_DEFAULT_MAX_LINE - 21);
  kwlog_reader_free(r);
  free(text);
}

static const char same_second[] = "2018-02-06T00:00:17.9Z old\n"
                                  "2018-02-06T00:00:18.5Z a\n"
                                  "2018-02-06T00:00:18.5Z b\n"
                                  "2018-02-06T00:00:18.7Z c\n"
                                  "2018-02-06T00:00:19Z d\n"
                                  "2018-02-06T00:00:19Z e\n";

static void test_since(void)
{
  kwlog_options o = {0};
  o.cursor = KWLOG_SINCE;
  o.since.sec = 1517875218;
  o.since.nsec = 500000000;
  kwbuf out;
  kwbuf_init(&out, 0);
  read_pieces(&o, same_second, sizeof same_second - 1, NULL, 0, &out);
  CHECK_STR(out.data, "1517875218.700000000 - c\n"
                      "1517875219.000000000 - d\n"
                      "1517875219.000000000 - e\n");
  kwbuf_free(&out);
}

/* The lines a server sends for sinceTime = sec: every line from that second on. */
static const char *resend_from(int64_t sec)
{
  char prefix[32];
  snprintf(prefix, sizeof prefix, "2018-02-06T00:00:%02d", (int)(sec - 1517875200));
  const char *at = strstr(same_second, prefix);
  return at != NULL ? at : same_second + strlen(same_second);
}

/* Stopping after any number of records, then resuming from the cursor on the server's
 * answer to sinceTime (that whole second again), delivers every line exactly once. */
static void test_resume(void)
{
  for (int stop = 0; stop <= 6; stop++) {
    kwbuf got;
    kwbuf_init(&got, 0);
    kwlog_reader *r = kwlog_reader_new(NULL);
    kwlog_record rec;
    CHECK(kwlog_reader_feed(r, same_second, sizeof same_second - 1) == 0);
    for (int i = 0; i < stop && kwlog_reader_next(r, &rec); i++)
      kwbuf_append(&got, rec.msg, rec.len);
    kwlog_options o = {0};
    o.cursor = KWLOG_RESUME;
    int has = kwlog_reader_cursor(r, &o.resume_sec, &o.resume_count);
    CHECK(has == (stop > 0));
    kwlog_reader_free(r);
    const char *resend = has ? resend_from(o.resume_sec) : same_second;
    r = kwlog_reader_new(has ? &o : NULL);
    CHECK(kwlog_reader_feed(r, resend, strlen(resend)) == 0);
    while (kwlog_reader_next(r, &rec))
      kwbuf_append(&got, rec.msg, rec.len);
    CHECK_STR(got.data, "oldabcde");
    kwlog_reader_free(r);
    kwbuf_free(&got);
  }
}

int main(void)
{
  test_rules();
  test_cuts();
  test_early_feed();
  test_truncation();
  test_huge_line();
  test_since();
  test_resume();
  return check_summary("logreader");
}
