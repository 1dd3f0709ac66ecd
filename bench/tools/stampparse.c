/* stampparse.c: the C side of the timestamp benchmark (bench/stamps_bench.lua).
 * `gen FILE N` writes N timestamps in the seed's format, one a line: half with 9 fraction
 * digits (the kubelet), half trimmed to 1-9 digits. `kwhisk FILE` and `strptime FILE` parse
 * every line of FILE (kwtime_parse with the seed's grammar; glibc strptime + timegm, the
 * fraction by hand) in 5 passes and print "best_ns_per_parse checksum", the checksum being
 * the sum of seconds and nanoseconds, which every peer prints for the same file.
 * Usage: stampparse gen FILE N | stampparse kwhisk|strptime FILE */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ktime.h"
#include "kwbuf.h"

#define PASSES 5

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int gen(const char *path, long n)
{
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    perror(path);
    return 1;
  }
  uint64_t x = 0x9E3779B97F4A7C15u;
  for (long i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    kwtime t = {1500000000 + (int64_t)(x % 300000000u), (int32_t)(x % 1000000000u)};
    int fixed = i % 2 == 0;
    if (!fixed) { /* zero 0-8 low digits so that trimmed widths vary from 1 to 9 */
      int32_t unit = 1;
      for (uint64_t d = (x >> 40) % 9; d > 0; d--)
        unit *= 10;
      t.nsec = t.nsec / unit * unit;
    }
    char s[KWTIME_FORMAT_MAX];
    size_t len = kwtime_format(t, fixed ? KWTIME_STYLE_FIXED : KWTIME_STYLE_OPENWHISK, 0, s);
    s[len++] = '\n';
    if (fwrite(s, 1, len, f) != len) {
      perror(path);
      return 1;
    }
  }
  return fclose(f) == 0 ? 0 : 1;
}

/* strptime for the date and time, the fraction by hand, timegm for the seconds. */
static int libc_parse(const char *s, kwtime *out)
{
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
  if (p == NULL || *p != '.')
    return -1;
  int32_t ns = 0;
  int digits = 0;
  for (p++; *p >= '0' && *p <= '9' && digits < 9; p++, digits++)
    ns = ns * 10 + (*p - '0');
  if (digits == 0 || (*p != 'Z' && *p != 'z'))
    return -1;
  while (digits++ < 9)
    ns *= 10;
  out->sec = timegm(&tm);
  out->nsec = ns;
  return 0;
}

static int parse_file(const char *path, int libc)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    perror(path);
    return 1;
  }
  kwbuf text;
  kwbuf_init(&text, (size_t)1 << 30);
  char chunk[65536];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
    if (kwbuf_append(&text, chunk, got) != 0) {
      fprintf(stderr, "stampparse: %s is too large\n", path);
      return 1;
    }
  fclose(f);
  /* One NUL-terminated string per line (for strptime) and its length (for kwtime_parse),
   * found before the clock starts, as the peers get their lines. */
  char *base = text.data;
  size_t n = 0, len = text.len;
  for (size_t i = 0; i < len; i++)
    n += base[i] == '\n';
  const char **starts = malloc((n + 1) * sizeof *starts);
  size_t *lens = malloc((n + 1) * sizeof *lens);
  if (starts == NULL || lens == NULL) {
    fprintf(stderr, "stampparse: out of memory\n");
    return 1;
  }
  size_t k = 0;
  for (size_t i = 0, at = 0; i < len; i++)
    if (base[i] == '\n') {
      base[i] = '\0';
      starts[k] = base + at, lens[k] = i - at, k++;
      at = i + 1;
    }
  double best = 1e9;
  uint64_t check = 0;
  for (int pass = 0; pass < PASSES; pass++) {
    uint64_t sum = 0;
    size_t bad = 0;
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
      kwtime t = {0, 0};
      int rc = libc ? libc_parse(starts[i], &t)
                    : kwtime_parse(starts[i], lens[i], KWTIME_OPENWHISK, &t, NULL);
      bad += rc != 0;
      sum += (uint64_t)t.sec + (uint64_t)t.nsec;
    }
    double ns = (now_s() - t0) * 1e9 / (double)n;
    best = ns < best ? ns : best;
    check = sum;
    if (bad) {
      fprintf(stderr, "stampparse: %zu of %zu timestamps did not parse\n", bad, n);
      return 1;
    }
  }
  free(starts);
  free(lens);
  kwbuf_free(&text);
  printf("%.1f %llu\n", best, (unsigned long long)check);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc == 4 && strcmp(argv[1], "gen") == 0 && atol(argv[3]) > 0)
    return gen(argv[2], atol(argv[3]));
  if (argc == 3 && (strcmp(argv[1], "kwhisk") == 0 || strcmp(argv[1], "strptime") == 0))
    return parse_file(argv[2], strcmp(argv[1], "strptime") == 0);
  fprintf(stderr, "usage: stampparse gen FILE N | stampparse kwhisk|strptime FILE\n");
  return 2;
}
