/* logread.c: kwhisk's C path alone over HTTP, for the streaming benchmark
 * (bench/stream_bench.lua): the transport (http.h) streams a pod's log body and hands its
 * bytes in place to the log reader (logreader.h), as kwhisk.http's Stream:records does,
 * with no Lua. Prints "records bytes checksum" so readers can be compared. With
 * --transport-only the bytes are handed over and counted but not read (prints the bytes),
 * which splits kwhisk's time between the transport and the reader.
 * Usage: logread [--transport-only] URL */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "logreader.h"

struct tally {
  uint64_t records, bytes, check;
};

static void drain(kwlog_reader *r, struct tally *t)
{
  kwlog_record rec;
  while (kwlog_reader_next(r, &rec)) {
    t->records++;
    t->bytes += rec.len;
    t->check += (uint64_t)rec.sec + (uint64_t)rec.nsec;
  }
}

int main(int argc, char **argv)
{
  int transport_only = argc == 3 && strcmp(argv[1], "--transport-only") == 0;
  if (argc != 2 + transport_only) {
    fprintf(stderr, "usage: logread [--transport-only] URL\n");
    return 2;
  }
  char err[256];
  kwhttp_loop *loop = kwhttp_loop_new();
  kwlog_reader *r = kwlog_reader_new(NULL);
  if (loop == NULL || r == NULL) {
    fprintf(stderr, "logread: out of memory\n");
    return 1;
  }
  kwhttp_options opt = {.url = argv[argc - 1], .stream = 1};
  kwhttp_req *req = kwhttp_req_start(loop, &opt, err, sizeof err);
  if (req == NULL) {
    fprintf(stderr, "logread: %s\n", err);
    return 1;
  }
  struct tally t = {0, 0, 0};
  for (;;) {
    size_t n;
    const char *bytes = kwhttp_req_hand(req, &n);
    if (n > 0 && transport_only) {
      t.bytes += n;
      continue;
    }
    if (n > 0) {
      if (kwlog_reader_feed(r, bytes, n) != 0) {
        fprintf(stderr, "logread: out of memory\n");
        return 1;
      }
      drain(r, &t);
      continue;
    }
    if (kwhttp_req_done(req))
      break;
    if (kwhttp_loop_step(loop, 1000, err, sizeof err) != 0) {
      fprintf(stderr, "logread: %s\n", err);
      return 1;
    }
  }
  const char *message;
  if (kwhttp_req_failure(req, &message) != KWHTTP_OK || kwhttp_req_status(req) != 200) {
    fprintf(stderr, "logread: HTTP %ld: %s\n", kwhttp_req_status(req),
            kwhttp_req_failure(req, &message) != KWHTTP_OK ? message : "not 200");
    return 1;
  }
  if (transport_only) {
    printf("%llu\n", (unsigned long long)t.bytes);
  } else {
    kwlog_reader_finish(r);
    drain(r, &t);
    printf("%llu %llu %llu\n", (unsigned long long)t.records, (unsigned long long)t.bytes,
           (unsigned long long)t.check);
  }
  kwlog_reader_free(r);
  kwhttp_req_free(req);
  kwhttp_loop_free(loop);
  return 0;
}
