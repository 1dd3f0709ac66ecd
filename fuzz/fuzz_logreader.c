/* fuzz_logreader.c: libFuzzer target of the log reader. The first byte picks
 * max_line and where the input is cut into two chunks; reading it whole and in two
 * chunks must give the same records, each within max_line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kwbuf.h"
#include "logreader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
  if (whole.len != split.len || (whole.len != 0 && memcmp(whole.data, split.data, whole.len) != 0))
    abort();
  kwbuf_free(&whole);
  kwbuf_free(&split);
  return 0;
}
