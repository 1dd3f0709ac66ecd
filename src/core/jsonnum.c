/* jsonnum.c: formatting a double as a JSON number (see jsonnum.h). */
#include "jsonnum.h"

#include <stdio.h>
#include <stdlib.h>

size_t kwjson_format_number(double v, char out[KWJSON_NUMBER_MAX])
{
  if (v > -1e17 && v < 1e17 && v == (double)(long long)v) {
    /* Integral: write the digits directly, the common case in Kubernetes JSON. */
    long long i = (long long)v;
    char tmp[24];
    size_t n = 0, len = 0;
    unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;
    do {
      tmp[n++] = (char)('0' + u % 10);
      u /= 10;
    } while (u != 0);
    if (i < 0)
      out[len++] = '-';
    while (n > 0)
      out[len++] = tmp[--n];
    out[len] = '\0';
    return len;
  }
  int len = 0;
  for (int precision = 15; precision <= 17; precision++) {
    len = snprintf(out, KWJSON_NUMBER_MAX, "%.*g", precision, v);
    if (precision == 17 || strtod(out, NULL) == v)
      break;
  }
  return (size_t)len;
}
