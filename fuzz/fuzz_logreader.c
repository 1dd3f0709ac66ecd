/* fuzz_logreader.c: libFuzzer target of the log reader and of what consumes its records.
 * The first byte picks max_line and where the input is cut into two chunks; reading it
 * whole and in two chunks must give the same records, each within max_line; each record's
 * JSON size counted without writing it (kwrec_json_size) equals that of the JSON form
 * written; an activation collector over the same input keeps what a plain reading of the
 * collection rules keeps. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kwbuf.h"
#include "logcollect.h"
#include "logreader.h"
#include "logrecord.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The size kwrec_json_size counts agrees with the JSON form written and measured. */
static void check_json_size(const kwlog_record *rec)
{
  kwbuf json;
  kwbuf_init(&json, 0);
  kwtime t = {rec->sec, rec->nsec};
  if (kwrec_append_json(&json, t, "stdout", 6, rec->msg, rec->len) != 0)
    abort();
  char when[KWTIME_FORMAT_MAX];
  size_t when_len = kwtime_format(t, KWTIME_STYLE_OPENWHISK, 0, when);
  if (kwrec_json_size(when_len, "stdout", 6, rec->msg, rec->len) !=
      kwrec_utf16_length(json.data, json.len))
    abort();
  kwbuf_free(&json);
}

/* A collector over the whole text keeps what a plain reading of SPEC A7 keeps: each record
 * weighs its JSON size + 1, the one that would pass the limit stops it, a sentinel is counted
 * and not kept, every other record is kept as its formatted line. */
static void collect_all(const char *text, size_t n, size_t max_line, uint64_t limit)
{
  kwlog_options o = {0};
  o.max_line = max_line;
  kwlog_reader *r = kwlog_reader_new(&o), *plain = kwlog_reader_new(&o);
  kwlog_collector *c = kwlog_collector_new(limit, "stdout", 6);
  if (r == NULL || plain == NULL || c == NULL || kwlog_reader_feed(r, text, n) != 0 ||
      kwlog_reader_feed(plain, text, n) != 0)
    abort();
  kwlog_reader_finish(r);
  kwlog_reader_finish(plain);
  if (kwlog_collector_drain(c, r) < 0)
    abort();
  uint64_t used = 0;
  size_t kept = 0;
  int sentinels = 0;
  kwlog_record rec;
  kwbuf want;
  kwbuf_init(&want, 0);
  while (sentinels < 2 && kwlog_reader_next(plain, &rec)) {
    char when[KWTIME_FORMAT_MAX];
    kwtime t = {rec.sec, rec.nsec};
    size_t when_len = kwtime_format(t, KWTIME_STYLE_OPENWHISK, 0, when);
    uint64_t weight = kwrec_json_size(when_len, "stdout", 6, rec.msg, rec.len) + 1;
    if (used + weight > limit)
      break;
    used += weight;
    if (rec.len == sizeof KWLOG_SENTINEL - 1 && memcmp(rec.msg, KWLOG_SENTINEL, rec.len) == 0) {
      sentinels++;
      continue;
    }
    const char *line;
    size_t len;
    kwbuf_reset(&want);
    if (kwrec_append_formatted(&want, t, "stdout", 6, rec.msg, rec.len) != 0 ||
        !kwlog_collector_line(c, kept++, &line, &len) || len != want.len ||
        memcmp(line, want.data, len) != 0)
      abort();
  }
  if (kwlog_collector_count(c) != kept || kwlog_collector_used(c) != used)
    abort();
  kwbuf_free(&want);
  kwlog_collector_free(c);
  kwlog_reader_free(plain);
  kwlog_reader_free(r);
}

static void read_all(const char *text, size_t n, size_t cut, size_t max_line, kwbuf *out)
{
  kwlog_options o = {0};
  o.max_line = max_line;
  kwlog_reader *r = kwlog_reader_new(&o);
  if (r == NULL)
    abort();
  kwlog_record rec;
  size_t pieces[2][2] = {{0, cut}, {cut, n}};
  for (int i = 0; i < 3; i++) {
    if (i < 2 && kwlog_reader_feed(r, text + pieces[i][0], pieces[i][1] - pieces[i][0]) != 0)
      abort();
    if (i == 2)
      kwlog_reader_finish(r);
    while (kwlog_reader_next(r, &rec)) {
      if (rec.len >= max_line || rec.nsec < 0 || rec.nsec > 999999999)
        abort();
      check_json_size(&rec);
      kwbuf_append(out, &rec.sec, sizeof rec.sec);
      kwbuf_append(out, &rec.nsec, sizeof rec.nsec);
      kwbuf_append(out, &rec.truncated, sizeof rec.truncated);
      kwbuf_append(out, &rec.len, sizeof rec.len);
      kwbuf_append(out, rec.msg, rec.len);
    }
  }
  kwlog_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  size_t max_line = 16 + data[0] % 64;
  const char *text = (const char *)data + 1;
  size_t n = size - 1;
  size_t cut = n == 0 ? 0 : (data[0] * 7919u) % (n + 1);
  kwbuf whole, split;
  kwbuf_init(&whole, 0);
  kwbuf_init(&split, 0);
  read_all(text, n, n, max_line, &whole);
  read_all(text, n, cut, max_line, &split);
  collect_all(text, n, max_line, (uint64_t)data[0] << 6);
  if (whole.len != split.len || (whole.len != 0 && memcmp(whole.data, split.data, whole.len) != 0))
    abort();
  kwbuf_free(&whole);
  kwbuf_free(&split);
  return 0;
}
