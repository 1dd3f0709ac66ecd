/* test_kwbuf.c: unit tests of the bounded byte buffer. */
#include "check.h"
#include "kwbuf.h"

static void test_append_and_limit(void)
{
  kwbuf b;
  kwbuf_init(&b, 10);
  CHECK(kwbuf_append_str(&b, "hello") == 0);
  CHECK(kwbuf_putc(&b, ' ') == 0);
  CHECK_STR(b.data, "hello ");
  CHECK(kwbuf_append_str(&b, "world") == -1); /* 11 > 10: refused whole */
  CHECK(b.len == 6);
  CHECK(kwbuf_append_str(&b, "wor") == 0);
  CHECK(kwbuf_putc(&b, 'l') == 0);
  CHECK(kwbuf_putc(&b, 'd') == -1);
  CHECK_STR(b.data, "hello worl");
  kwbuf_truncate(&b, 20); /* past the end: nothing changes */
  CHECK(b.len == 10);
  kwbuf_truncate(&b, 5); /* a half-written tail dropped, NUL kept */
  CHECK(b.len == 5);
  CHECK_STR(b.data, "hello");
  kwbuf_reset(&b);
  CHECK(b.len == 0 && b.data[0] == '\0');
  kwbuf_free(&b);
  CHECK(b.data == NULL && b.max == 10);
}

static void test_growth(void)
{
  kwbuf b;
  kwbuf_init(&b, 0);
  int failures = 0;
  for (int i = 0; i < 100000; i++)
    failures += kwbuf_putc(&b, (char)('a' + i % 26)) != 0;
  CHECK(failures == 0);
  CHECK(b.len == 100000);
  CHECK(b.data[99999] == (char)('a' + 99999 % 26) && b.data[100000] == '\0');
  CHECK(kwbuf_append(&b, "", 0) == 0);
  kwbuf_free(&b);
}

int main(void)
{
  test_append_and_limit();
  test_growth();
  return check_summary("kwbuf");
}
