/* test_jsonstr.c: unit tests of the JSON string literal writer. */
#include "check.h"
#include "jsonstr.h"

static const char *quote(kwbuf *b, const char *s, size_t n, size_t *replaced)
{
  kwbuf_reset(b);
  return kwjson_append_string(b, s, n, replaced) == 0 ? b->data : NULL;
}

#define QUOTE(b, lit, rep) quote((b), (lit), sizeof(lit) - 1, (rep))

int main(void)
{
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
