/* test_jsondec.c: unit tests of the event-driven JSON decoder and number formatting. */
#include "check.h"
#include "jsondec.h"
#include "jsonnum.h"
#include "jsonstr.h"

/* A handler that writes the events back as compact JSON, so a test can compare what
 * the decoder saw with the expected canonical text. */
typedef struct echo {
  kwbuf out;
  int first[KWJSON_MAX_DEPTH + 2]; /* no element written yet at this depth */
  int depth, after_key, fail_at_string;
} echo;

static void sep(echo *e)
{
  if (e->after_key) {
    e->after_key = 0;
    return;
  }
  if (e->depth > 0 && !e->first[e->depth])
    kwbuf_putc(&e->out, ',');
  e->first[e->depth] = 0;
}

static int e_null(void *ud)
{
  sep(ud);
  return kwbuf_append_str(&((echo *)ud)->out, "null");
}

static int e_bool(void *ud, int v)
{
  sep(ud);
  return kwbuf_append_str(&((echo *)ud)->out, v ? "true" : "false");
}

static int e_number(void *ud, double v)
{
  char num[KWJSON_NUMBER_MAX];
  sep(ud);
  return kwbuf_append(&((echo *)ud)->out, num, kwjson_format_number(v, num));
}

static int e_string(void *ud, const char *s, size_t n)
{
  echo *e = ud;
  if (e->fail_at_string)
    return -1;
  sep(e);
  return kwjson_append_string(&e->out, s, n, NULL);
}

static int e_key(void *ud, const char *s, size_t n)
{
  echo *e = ud;
  sep(e);
  e->after_key = 1;
  if (kwjson_append_string(&e->out, s, n, NULL) != 0)
    return -1;
  return kwbuf_putc(&e->out, ':');
}

static int e_begin(echo *e, char c)
{
  sep(e);
  e->first[++e->depth] = 1;
  return kwbuf_putc(&e->out, c);
}

static int e_begin_array(void *ud) { return e_begin(ud, '['); }
static int e_begin_object(void *ud) { return e_begin(ud, '{'); }

static int e_end(void *ud, char c)
{
  echo *e = ud;
  e->depth--;
  return kwbuf_putc(&e->out, c);
}

static int e_end_array(void *ud) { return e_end(ud, ']'); }
static int e_end_object(void *ud) { return e_end(ud, '}'); }

static const kwjson_handler echo_handler = {
  e_null, e_bool, e_number, e_string, e_key,
  e_begin_array, e_end_array, e_begin_object, e_end_object,
};

static echo ech;
static kwjson_error err;

/* Decodes text (n bytes) and returns the echoed JSON, or the error message. */
static const char *run(const char *text, size_t n)
{
  kwbuf_reset(&ech.out);
  ech.depth = 0;
  ech.after_key = 0;
  ech.first[0] = 1;
  if (kwjson_decode(text, n, &echo_handler, &ech, NULL, &err) != 0)
    return err.message;
  return ech.out.data != NULL ? ech.out.data : "";
}

#define RUN(lit) run((lit), sizeof(lit) - 1)

static const char *number(double v)
{
  static char num[KWJSON_NUMBER_MAX];
  kwjson_format_number(v, num);
  return num;
}

static void test_values(void)
{
  CHECK_STR(RUN("[]"), "[]");
  CHECK_STR(RUN(" {} "), "{}");
  CHECK_STR(RUN("\t\r\n[ 1 , true,false , null,\"x\" ]\n"), "[1,true,false,null,\"x\"]");
  CHECK_STR(RUN("{\"a\":{\"b\":[[],{}]},\"c\":-0.5e1}"), "{\"a\":{\"b\":[[],{}]},\"c\":-5}");
  CHECK_STR(RUN("{\"a\":1,\"a\":2}"), "{\"a\":1,\"a\":2}"); /* all duplicates reported */
  CHECK_STR(RUN("\"just a string\""), "\"just a string\"");
  CHECK_STR(RUN("42"), "42");
  CHECK_STR(RUN("-0"), "0");
  CHECK_STR(RUN("1.5E+2"), "150");
  CHECK_STR(RUN("9007199254740993"), "9007199254740992"); /* beyond 2^53: nearest double */
  CHECK_STR(RUN("123456789012345678901234567890"), "1.2345678901234568e+29");
  CHECK_STR(RUN("1e-400"), "0");
}

static void test_strings(void)
{
  CHECK_STR(RUN("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""), "\"\\\"\\\\/\\b\\f\\n\\r\\t\"");
  CHECK_STR(RUN("\"\\u00e9\\u20AC\""), "\"\xC3\xA9\xE2\x82\xAC\"");
  CHECK_STR(RUN("\"\\ud83d\\ude00\""), "\"\xF0\x9F\x98\x80\"");
  CHECK_STR(RUN("\"a\\u0000b\""), "\"a\\u0000b\"");
  /* lone surrogates and invalid UTF-8 become U+FFFD */
  CHECK_STR(RUN("\"\\ud800x\""), "\"\xEF\xBF\xBDx\"");
  CHECK_STR(RUN("\"\\udc00\""), "\"\xEF\xBF\xBD\"");
  CHECK_STR(RUN("\"\\ud800\\u0041\""), "\"\xEF\xBF\xBD" "A\"");
  CHECK_STR(RUN("\"\xC3\xA9\xFF\""), "\"\xC3\xA9\xEF\xBF\xBD\"");
  CHECK_STR(RUN("{\"k\\u00e9y\":1}"), "{\"k\xC3\xA9y\":1}");
}

static void test_errors(void)
{
  CHECK_STR(RUN(""), "1:1: expected a JSON value, got end of input (byte offset 0)");
  CHECK_STR(RUN("  "), "1:3: expected a JSON value, got end of input (byte offset 2)");
  CHECK_STR(RUN("[1,2"), "1:5: expected ',' or ']' in array, got end of input (byte offset 4)");
  CHECK_STR(RUN("[1,]"), "1:4: expected a JSON value, got ']' (byte offset 3)");
  CHECK_STR(RUN("{\"a\":1,}"), "1:8: expected a string key in object, got '}' (byte offset 7)");
  CHECK_STR(RUN("{\"a\" 1}"), "1:6: expected ':' after object key, got '1' (byte offset 5)");
  CHECK_STR(RUN("{a:1}"), "1:2: expected a string key in object, got 'a' (byte offset 1)");
  CHECK_STR(RUN("{\"a\":1 \"b\":2}"),
            "1:8: expected ',' or '}' in object, got '\"' (byte offset 7)");
  CHECK_STR(RUN("[1]\n x"),
            "2:2: expected end of input after the JSON value, got 'x' (byte offset 5)");
  CHECK_STR(RUN("01"), "1:1: leading zeros are not allowed in numbers (byte offset 0)");
  CHECK_STR(RUN("-01"), "1:2: leading zeros are not allowed in numbers (byte offset 1)");
  CHECK_STR(RUN("+1"), "1:1: expected a JSON value, got '+' (byte offset 0)");
  CHECK_STR(RUN("-"), "1:2: expected a digit, got end of input (byte offset 1)");
  CHECK_STR(RUN("1."), "1:3: expected a digit after '.', got end of input (byte offset 2)");
  CHECK_STR(RUN(".5"), "1:1: expected a JSON value, got '.' (byte offset 0)");
  CHECK_STR(RUN("1e"), "1:3: expected a digit in the exponent, got end of input (byte offset 2)");
  CHECK_STR(RUN("1e400"), "1:1: number out of range of a double (byte offset 0)");
  CHECK_STR(RUN("tru"), "1:1: expected a JSON value, got 't' (byte offset 0)");
  CHECK_STR(RUN("nul"), "1:1: expected a JSON value, got 'n' (byte offset 0)");
  CHECK_STR(RUN("\"abc"), "1:1: unterminated string (byte offset 0)");
  CHECK_STR(RUN("\"\xC3\xA9"), "1:1: unterminated string (byte offset 0)");
  CHECK_STR(RUN("\"a\\"), "1:3: unterminated string (byte offset 2)");
  CHECK_STR(RUN("\"a\tb\""),
            "1:3: control character 0x09 in string (must be escaped) (byte offset 2)");
  CHECK_STR(RUN("\"\\x\""),
            "1:3: expected an escape character (\"\\/bfnrtu) after '\\', got 'x' (byte offset 2)");
  CHECK_STR(RUN("\"\\u12g4\""), "1:2: bad \\u escape: expected 4 hex digits (byte offset 1)");
  CHECK_STR(RUN("\x01"), "1:1: expected a JSON value, got byte 0x01 (byte offset 0)");
  CHECK(err.line == 1 && err.column == 1 && err.offset == 0);
  ech.fail_at_string = 1;
  CHECK_STR(RUN("[1,\"x\"]"), "1:4: the value could not be stored (out of memory) (byte offset 3)");
  ech.fail_at_string = 0;
}

static void test_depth(void)
{
  static char deep[2 * (KWJSON_MAX_DEPTH + 1)];
  for (int i = 0; i < KWJSON_MAX_DEPTH; i++) {
    deep[i] = '[';
    deep[2 * KWJSON_MAX_DEPTH - 1 - i] = ']';
  }
  CHECK(run(deep, 2 * KWJSON_MAX_DEPTH) == ech.out.data); /* exactly the limit: fine */
  for (int i = 0; i <= KWJSON_MAX_DEPTH; i++) {
    deep[i] = '[';
    deep[2 * KWJSON_MAX_DEPTH + 1 - i] = ']';
  }
  CHECK_STR(run(deep, 2 * KWJSON_MAX_DEPTH + 2),
            "1:1001: nesting deeper than 1000 arrays/objects (byte offset 1000)");
  /* far deeper input fails the same way, without exhausting the C stack */
  static char deeper[200000];
  memset(deeper, '{', sizeof deeper);
  deeper[0] = '[';
  CHECK(run(deeper, sizeof deeper) == err.message);
}

static void test_numbers(void)
{
  CHECK_STR(number(0), "0");
  CHECK_STR(number(-0.0), "0");
  CHECK_STR(number(42), "42");
  CHECK_STR(number(-17), "-17");
  CHECK_STR(number(9007199254740992.0), "9007199254740992");
  CHECK_STR(number(99999999999999984.0), "99999999999999984");
  CHECK_STR(number(1e17), "1e+17");
  CHECK_STR(number(0.1), "0.1");
  CHECK_STR(number(1.0 / 3), "0.3333333333333333");
  CHECK_STR(number(2.5), "2.5");
  CHECK_STR(number(0.1 + 0.2), "0.30000000000000004");
  CHECK_STR(number(-1.5e-300), "-1.5e-300");
  CHECK_STR(number(1.7976931348623157e308), "1.7976931348623157e+308");
}

int main(void)
{
  kwbuf_init(&ech.out, 0);
  test_values();
  test_strings();
  test_errors();
  test_depth();
  test_numbers();
  /* a caller-owned scratch buffer is reused and left for the caller to free */
  kwbuf scratch;
  kwbuf_init(&scratch, 0);
  CHECK(kwjson_decode("[\"\\n\"]", 6, &echo_handler, &ech, &scratch, NULL) == 0);
  CHECK(scratch.data != NULL && scratch.len == 1);
  kwbuf_free(&scratch);
  kwbuf_free(&ech.out);
  return check_summary("jsondec");
}
