/* jsonnum.h: formatting a double as a JSON number.
 *
 * Integral values print as integers (no exponent, no ".0") up to 1e17 in magnitude;
 * other values print in the shortest "%.Ng" form (N = 15..17) that reads back to the
 * same double, so output is both readable (0.1, not 0.10000000000000001) and exact.
 * NaN and infinities have no JSON form: the caller must reject them. Assumes the C
 * locale for LC_NUMERIC, as Lua itself does. */
#ifndef KWHISK_JSONNUM_H
#define KWHISK_JSONNUM_H

#include <stddef.h>

#define KWJSON_NUMBER_MAX 32

/* Writes the number and a NUL into out (KWJSON_NUMBER_MAX bytes); returns its length. */
size_t kwjson_format_number(double v, char out[KWJSON_NUMBER_MAX]);

#endif
