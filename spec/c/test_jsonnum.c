/* test_jsonnum.c: unit tests of the JSON number formatter. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "jsonnum.h"

static const char *fmt(double v, char out[KWJSON_NUMBER_MAX])
{
  size_t n = kwjson_format_number(v, out);
  return n == strlen(out) ? out : "(length differs)";
}

int main(void)
{
  char out[KWJSON_NUMBER_MAX];

  /* integral values: integers, no exponent and no ".0", below 1e17 in magnitude */
  CHECK_STR(fmt(0, out), "0");
  CHECK_STR(fmt(-0.0, out), "0"); /* an integer: JSON has no negative zero to speak of */
  CHECK_STR(fmt(42, out), "42");
  CHECK_STR(fmt(-7, out), "-7");
  CHECK_STR(fmt(9007199254740993.0, out), "9007199254740992"); /* 2^53 + 1 rounds */
  CHECK_STR(fmt(99999999999999984.0, out), "99999999999999984");
  CHECK_STR(fmt(-99999999999999984.0, out), "-99999999999999984");
  CHECK_STR(fmt(1e17, out), "1e+17");
  /* the shortest %.Ng that reads back exactly */
  CHECK_STR(fmt(0.1, out), "0.1");
  CHECK_STR(fmt(1.5, out), "1.5");
  CHECK_STR(fmt(0.1 + 0.2, out), "0.30000000000000004");
  CHECK_STR(fmt(1e300, out), "1e+300");
  CHECK_STR(fmt(1e18, out), "1e+18");
  CHECK_STR(fmt(5e-324, out), "4.94065645841247e-324"); /* 15 digits already read back */
  /* every result reads back to the same double and fits the buffer */
  const double samples[] = { 1.0 / 3, -2.5e-8, DBL_MAX, -DBL_MAX, DBL_MIN, 123456.789,
                             1e17 + 0.5, 3.141592653589793 };
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
    size_t n = kwjson_format_number(samples[i], out);
    CHECK(n < KWJSON_NUMBER_MAX);
    CHECK(strtod(out, NULL) == samples[i]);
  }
  return check_summary("jsonnum");
}
