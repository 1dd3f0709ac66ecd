/* fuzz_ktime.c: libFuzzer target of the timestamp parser. Any input either fails with a
 * position inside it, or parses to a time that formats and parses back to itself; the
 * plain byte-at-a-time reading (spec/c/ktime_plain.h) and the cached parse (with a cache
 * left by earlier inputs, and with a fresh one) agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ktime.h"
#include "../spec/c/ktime_plain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kwtime_cache cache; /* kept across inputs: prefixes of earlier ones get reused */

static void check_cached(const uint8_t *data, size_t size)
{
  kwtime plain, cached, fresh;
  kwtime_cache empty = {{0}, 0, 0};
  int rc = kwtime_parse((const char *)data, size, KWTIME_SUPERSET, &plain, NULL);
  if (kwtime_parse_cached(&cache, (const char *)data, size, &cached) != rc ||
      kwtime_parse_cached(&empty, (const char *)data, size, &fresh) != rc)
    abort();
  if (rc == 0 && (kwtime_compare(plain, cached) != 0 || kwtime_compare(plain, fresh) != 0))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  check_cached(data, size);
  for (int grammar = KWTIME_SUPERSET; grammar <= KWTIME_OPENWHISK; grammar++) {
    kwtime t, back, plain;
    kwtime_error err;
    int rc = kwtime_parse((const char *)data, size, grammar, &t, &err);
    if (ktime_plain_parse((const char *)data, size, grammar, &plain) != rc ||
        (rc == 0 && kwtime_compare(t, plain) != 0))
      abort();
    if (rc != 0) {
      if (err.pos > size || err.expected == NULL)
        abort();
      continue;
    }
    if (t.nsec < 0 || t.nsec > 999999999)
      abort();
    char out[KWTIME_FORMAT_MAX];
    size_t n = kwtime_format(t, KWTIME_STYLE_OPENWHISK, 0, out);
    if (n == 0 || kwtime_parse(out, n, KWTIME_OPENWHISK, &back, NULL) != 0 ||
        kwtime_compare(t, back) != 0)
      abort();
    static kwtime_format_cache formats; /* kept across inputs, as the log writer keeps it */
    char again[KWTIME_FORMAT_MAX];
    if (kwtime_format_cached(&formats, t, again) != n || memcmp(again, out, n) != 0)
      abort();
  }
  return 0;
}
