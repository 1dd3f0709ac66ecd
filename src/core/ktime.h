/* ktime.h: timestamps with nanosecond precision (SPEC A2, C1).
 *
 * Parses the two grammars kwhisk reads: the seed's exact format
 * (YYYY-MM-DDTHH:MM:SS.f{1,9}Z) and the superset Kubernetes and container runtimes print
 * (fraction optional, Z or a numeric offset); formats in the styles the project writes.
 * Only real calendar dates are accepted: no Feb 30, no hour 24, no second 60. */
#ifndef KWHISK_KTIME_H
#define KWHISK_KTIME_H

#include <stddef.h>
#include <stdint.h>

/* A point in time: seconds since 1970-01-01T00:00:00Z (negative before) and
 * nanoseconds 0..999999999 after that second. */
typedef struct kwtime {
  int64_t sec;
  int32_t nsec;
} kwtime;

enum kwtime_grammar {
  KWTIME_SUPERSET = 0,  /* RFC 3339: optional fraction, Z or +hh:mm / -hh:mm */
  KWTIME_OPENWHISK = 1, /* the seed's: fraction of 1-9 digits required, Z (or z) only */
};

enum kwtime_style {
  KWTIME_STYLE_OPENWHISK = 0, /* trailing zeros trimmed, at least one digit: .0 */
  KWTIME_STYLE_FIXED = 1,     /* exactly 9 digits, as the kubelet prints */
  KWTIME_STYLE_TRIMMED = 2,   /* Go's RFC3339Nano: trimmed, no fraction when zero */
  KWTIME_STYLE_SECONDS = 3,   /* no fraction at all, as creationTimestamp */
};

/* Why a parse failed: the byte offset (0-based) where it went wrong and what was
 * expected there, e.g. "'T' or 't'" (a static string). */
typedef struct kwtime_error {
  size_t pos;
  const char *expected;
} kwtime_error;

/* Enough for any formatted value, its NUL included. */
#define KWTIME_FORMAT_MAX 64
/* The largest offset (in minutes) kwtime_format prints: 23:59. */
#define KWTIME_MAX_OFFSET_MINUTES (24 * 60 - 1)

/* Parses the n bytes at s. Returns 0 and sets *out, or -1 and sets *err (when not NULL). */
int kwtime_parse(const char *s, size_t n, int grammar, kwtime *out, kwtime_error *err);

/* The parse cache of a stream of timestamps that mostly share their date, hour and minute
 * (a log): the first 16 bytes ("YYYY-MM-DDTHH:MM") of the last one that parsed, and what
 * they mean in seconds. Zero it before the first use. */
typedef struct kwtime_cache {
  unsigned char prefix[16];
  int64_t base;
  int valid;
} kwtime_cache;

/* kwtime_parse with the superset grammar and no error details, the same result for every
 * input, but a timestamp that starts with the cached prefix skips the date and minute. */
int kwtime_parse_cached(kwtime_cache *c, const char *s, size_t n, kwtime *out);

/* Writes t in the given style, shifted to the offset (minutes east of UTC, printed as Z
 * when 0). Returns the length written into out (NUL-terminated), or 0 when style or
 * offset are out of range. Years outside 0000-9999 print as Java does: +10000, -0001. */
size_t kwtime_format(kwtime t, int style, int offset_minutes, char out[KWTIME_FORMAT_MAX]);

/* The format cache of a stream of times that mostly share their minute (a log written
 * out): the last minute formatted and its text up to the seconds. Zero it before use. */
typedef struct kwtime_format_cache {
  int64_t minute;
  char prefix[KWTIME_FORMAT_MAX];
  size_t len;
  int valid;
} kwtime_format_cache;

/* kwtime_format(t, KWTIME_STYLE_OPENWHISK, 0, out), the same text, but a time in the minute
 * of the last call copies that minute's date and time instead of computing them. */
size_t kwtime_format_cached(kwtime_format_cache *c, kwtime t, char out[KWTIME_FORMAT_MAX]);

/* The current time from the realtime clock. 0, or -1 when the clock fails. */
int kwtime_now(kwtime *out);
/* Seconds on the monotonic clock (deadlines, timers, benchmarks): never goes back, not
 * related to the date. */
double kwtime_monotonic(void);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (Hinnant's algorithms). */
int64_t kwtime_days_from_civil(int64_t y, int m, int d);
void kwtime_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* -1, 0 or 1 as a is before, equal to or after b. */
static inline int kwtime_compare(kwtime a, kwtime b)
{
  if (a.sec != b.sec)
    return a.sec < b.sec ? -1 : 1;
  return (a.nsec > b.nsec) - (a.nsec < b.nsec);
}

#endif
