/* test_jsonstr.c: unit tests of the JSON string literal writer. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "jsonstr.h"

static const char *quote(kwbuf *b, const char *s, size_t n, size_t *replaced)
{
  kwbuf_reset(b);
  return kwjson_append_string(b, s, n, replaced) == 0 ? b->data : NULL;
}

#define QUOTE(b, lit, rep) quote((b), (lit), sizeof(lit) - 1, (rep))

/* kwjson_append_utf8 makes exactly kwjson_append_string's replacements: on random strings
 * of bytes that need no escape (valid, cut and invalid UTF-8, ASCII), the two agree but for
 * the quotes, at every length up to 40 (every alignment of the 8-byte steps). */
static void test_append_utf8(void)
{
  static const char *const pieces[] = {"a", " ", "/", "\x7f", "\xc3\xa9", "\xe2\x86\x92",
                                       "\xf0\x9f\x98\x80", "\xff", "\xc3", "\xed\xa0\x80",
                                       "\xf4\x90\x80\x80", "\xe2\x86", "\x80"};
  uint64_t x = 0x9E3779B97F4A7C15u;
  size_t wrong = 0;
  kwbuf quoted, plain;
  kwbuf_init(&quoted, 0);
  kwbuf_init(&plain, 0);
  for (int i = 0; i < 20000; i++) {
    char s[256];
    size_t n = 0, want = (size_t)(i % 41);
    while (n < want) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      const char *p = pieces[x % (sizeof pieces / sizeof pieces[0])];
      memcpy(s + n, p, strlen(p));
      n += strlen(p);
    }
    kwbuf_reset(&quoted);
    kwbuf_reset(&plain);
    CHECK(kwjson_append_string(&quoted, s, n, NULL) == 0 && kwjson_append_utf8(&plain, s, n) == 0);
    wrong += quoted.len != plain.len + 2 ||
             (plain.len != 0 && memcmp(quoted.data + 1, plain.data, plain.len) != 0);
  }
  CHECK(wrong == 0);
  kwbuf_free(&quoted);
  kwbuf_free(&plain);
}

int main(void)
{
  test_append_utf8();
  kwbuf b;
  size_t replaced = 99;
  kwbuf_init(&b, 0);

  CHECK_STR(QUOTE(&b, "", &replaced), "\"\"");
  CHECK(replaced == 0);
  CHECK_STR(QUOTE(&b, "a/b \"q\" \\", NULL), "\"a/b \\\"q\\\" \\\\\"");
  CHECK_STR(QUOTE(&b, "\b\f\n\r\t", NULL), "\"\\b\\f\\n\\r\\t\"");
  CHECK_STR(QUOTE(&b, "\x01\x1f\x7f", NULL), "\"\\u0001\\u001f\x7f\"");
  CHECK_STR(QUOTE(&b, "nul\0byte", NULL), "\"nul\\u0000byte\"");
  CHECK_STR(QUOTE(&b, "\xC3\xA9 \xF0\x9F\x98\x80", &replaced), "\"\xC3\xA9 \xF0\x9F\x98\x80\"");
  CHECK(replaced == 0);
  /* stray continuation, overlong, surrogate, above U+10FFFF, cut sequence */
  CHECK_STR(QUOTE(&b, "\x80", &replaced), "\"\xEF\xBF\xBD\"");
  CHECK(replaced == 1);
  CHECK_STR(QUOTE(&b, "\xC0\xAF", &replaced), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  CHECK(replaced == 2);
  CHECK_STR(QUOTE(&b, "\xED\xA0\x80", &replaced), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  CHECK(replaced == 3);
  CHECK_STR(QUOTE(&b, "\xF4\x90\x80\x80", &replaced),
            "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  CHECK_STR(QUOTE(&b, "ok\xE2\x82", &replaced), "\"ok\xEF\xBF\xBD\xEF\xBF\xBD\"");
  CHECK(replaced == 2);
  CHECK_STR(QUOTE(&b, "\xEF\xBF\xBD", &replaced), "\"\xEF\xBF\xBD\"");
  CHECK(replaced == 0);

  kwbuf small;
  kwbuf_init(&small, 4);
  CHECK(kwjson_append_string(&small, "abcdef", 6, NULL) == -1);
  kwbuf_free(&small);
  kwbuf_free(&b);
  return check_summary("jsonstr");
}
