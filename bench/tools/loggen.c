/* loggen.c: writes the timestamped pod log the streaming benchmark reads (bench/stream_bench.lua).
 * Lines are "<timestamp> <message>\n": half the timestamps with 9 fraction digits (the
 * kubelet), half trimmed to 1-9 digits (the seed's format); messages of 2 to 16 words, and
 * about 5% of the bytes in long lines of 16-64 KiB. Deterministic, so every run and every
 * reader gets the same bytes.
 * Usage: loggen FILE MIB   (prints the line count) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktime.h"

static const char *const words[] = {
    "GET",   "/api/v1/run", "200",    "activation", "id=",   "user",  "ms",     "error:",
    "connection", "reset",  "by",     "peer",       "took",  "42",    "retrying", "{\"ok\":true}",
    "done",  "init",        "warm",   "cold",       "start", "payload", "bytes", "\xc3\x9f"};
#define NWORDS (sizeof words / sizeof words[0])

static uint64_t state = 0x9E3779B97F4A7C15u;

static uint64_t rnd(uint64_t n)
{
  state ^= state << 13, state ^= state >> 7, state ^= state << 17;
  return state % n;
}

/* Appends words to out until at least len bytes are written (or out is full); returns bytes. */
static size_t message(char *out, size_t cap, size_t len)
{
  size_t at = 0;
  while (at < len) {
    const char *w = words[rnd(NWORDS)];
    size_t n = strlen(w);
    if (at + n + 8 > cap)
      break;
    if (at > 0)
      out[at++] = ' ';
    memcpy(out + at, w, n);
    at += n;
    if (rnd(3) == 0)
      at += (size_t)snprintf(out + at, cap - at, "%u", (unsigned)rnd(100000));
  }
  return at;
}

int main(int argc, char **argv)
{
  if (argc != 3 || atol(argv[2]) <= 0) {
    fprintf(stderr, "usage: loggen FILE MIB\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "wb");
  if (f == NULL) {
    perror(argv[1]);
    return 1;
  }
  static char line[64 * 1024 + KWTIME_FORMAT_MAX + 16];
  const uint64_t target = (uint64_t)atol(argv[2]) << 20;
  uint64_t total = 0, long_bytes = 0, lines = 0;
  kwtime t = {1517875218, 0};
  while (total < target) {
    t.nsec += (int32_t)rnd(2000000);
    if (t.nsec >= 1000000000)
      t.sec++, t.nsec -= 1000000000;
    kwtime shown = t;
    int fixed = rnd(2) == 0;
    if (!fixed) { /* zero 0-8 low digits so that trimmed widths vary from 1 to 9 */
      int32_t unit = 1;
      for (uint64_t d = rnd(9); d > 0; d--)
        unit *= 10;
      shown.nsec = shown.nsec / unit * unit;
    }
    size_t n = kwtime_format(shown, fixed ? KWTIME_STYLE_FIXED : KWTIME_STYLE_OPENWHISK, 0, line);
    line[n++] = ' ';
    size_t want = 8 + rnd(100);
    if (long_bytes * 20 < total && rnd(64) == 0)
      want = 16 * 1024 + rnd(48 * 1024);
    size_t m = message(line + n, sizeof line - n - 1, want);
    if (want >= 16 * 1024)
      long_bytes += n + m + 1;
    n += m;
    line[n++] = '\n';
    if (fwrite(line, 1, n, f) != n) {
      perror(argv[1]);
      return 1;
    }
    total += n;
    lines++;
  }
  if (fclose(f) != 0) {
    perror(argv[1]);
    return 1;
  }
  printf("%llu\n", (unsigned long long)lines);
  return 0;
}
