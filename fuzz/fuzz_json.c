/* fuzz_json.c: libFuzzer target for the JSON decoder (jsondec.h).
 * Every input must either decode or fail with a positioned message; decoding checks
 * that events nest properly and that strings handed out are valid UTF-8. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsondec.h"
#include "jsonstr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct state {
  int depth;
} state;

static void check_utf8(const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    size_t len = kwjson_utf8_sequence(p + i, n - i);
    if (len == 0)
      abort();
    i += len;
  }
}

static int f_null(void *ud) { (void)ud; return 0; }
static int f_bool(void *ud, int v)
{
  (void)ud;
  if (v != 0 && v != 1)
    abort();
  return 0;
}
static int f_number(void *ud, double v)
{
  (void)ud;
  if (isnan(v) || isinf(v))
    abort();
  return 0;
}
static int f_string(void *ud, const char *s, size_t n) { (void)ud; check_utf8(s, n); return 0; }
static int f_begin(void *ud)
{
  state *st = ud;
  if (++st->depth > KWJSON_MAX_DEPTH)
    abort();
  return 0;
}
static int f_end(void *ud)
{
  state *st = ud;
  if (--st->depth < 0)
    abort();
  return 0;
}

static const kwjson_handler handler = {
  f_null, f_bool, f_number, f_string, f_string, f_begin, f_end, f_begin, f_end,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  state st = {0};
  kwjson_error err;
  int rc = kwjson_decode((const char *)data, size, &handler, &st, NULL, &err);
  if (rc == 0 && st.depth != 0)
    abort();
  if (rc != 0 && (err.offset > size || err.line == 0 || err.column == 0 ||
                  strstr(err.message, "byte offset") == NULL))
    abort();
  return 0;
}
