/* ktime_plain.h: the timestamp grammars of ktime.h read the plainest way, a byte at a time,
 * as the reference that the unit tests (spec/c/test_ktime.c) and the fuzz target
 * (fuzz/fuzz_ktime.c) hold kwtime_parse to. Test code only. */
#ifndef KWHISK_KTIME_PLAIN_H
#define KWHISK_KTIME_PLAIN_H

#include <stddef.h>

#include "ktime.h"

/* A plain reading of both grammars, a byte at a time: 0 and *out, or -1. The parser under
 * test reads words at a time on its fast path. */
static int ktime_plain_parse(const char *s, size_t n, int grammar, kwtime *out)
{
  static const int width[6] = {4, 2, 2, 2, 2, 2};
  static const char after[6] = {'-', '-', 'T', ':', ':', 0};
  static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int v[6];
  size_t i = 0;
  for (int f = 0; f < 6; f++) {
    v[f] = 0;
    for (int k = 0; k < width[f]; k++, i++) {
      if (i >= n || s[i] < '0' || s[i] > '9')
        return -1;
      v[f] = v[f] * 10 + (s[i] - '0');
    }
    if (after[f] != 0) {
      if (i >= n || (after[f] == 'T' ? (s[i] | 0x20) != 't' : s[i] != after[f]))
        return -1;
      i++;
    }
  }
  int y = v[0], mo = v[1], d = v[2];
  int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
  if (mo < 1 || mo > 12 || d < 1 || d > dim[mo - 1] + (mo == 2 && leap) || v[3] > 23 ||
      v[4] > 59 || v[5] > 59)
    return -1;
  int32_t nsec = 0;
  if (i < n && s[i] == '.') {
    int digits = 0;
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
      nsec = digits < 9 ? nsec * 10 + (s[i] - '0') : nsec;
    if (digits < 1 || digits > 9)
      return -1;
    for (; digits < 9; digits++)
      nsec *= 10;
  } else if (grammar == KWTIME_OPENWHISK) {
    return -1;
  }
  int offset = 0;
  if (i < n && (s[i] | 0x20) == 'z') {
    i++;
  } else if (grammar == KWTIME_SUPERSET && i + 6 <= n && (s[i] == '+' || s[i] == '-') &&
             s[i + 3] == ':') {
    const char *o = s + i;
    for (int k = 1; k < 6; k++)
      if (k != 3 && (o[k] < '0' || o[k] > '9'))
        return -1;
    int oh = (o[1] - '0') * 10 + (o[2] - '0'), om = (o[4] - '0') * 10 + (o[5] - '0');
    if (oh > 23 || om > 59)
      return -1;
    offset = (o[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    i += 6;
  } else {
    return -1;
  }
  if (i != n)
    return -1;
  out->sec = kwtime_days_from_civil(y, mo, d) * 86400 + v[3] * 3600 + v[4] * 60 + v[5] - offset;
  out->nsec = nsec;
  return 0;
}

#endif
