/* jsondec.h: a strict RFC 8259 JSON decoder that reports what it reads as events.
 *
 * The decoder builds nothing itself: it calls a handler for every value (begin/end of
 * arrays and objects, keys, strings, numbers, booleans, null), so the Lua binding can
 * build tables directly and C code (tests, fuzzers, the YAML writer) can do what it
 * likes without Lua. Decisions, documented here because callers rely on them:
 *  - The whole input must be one JSON value with optional whitespace around it.
 *  - Numbers follow the RFC grammar (no leading zeros, no '+', no bare '.'); they are
 *    reported as doubles, so integers beyond 2^53 lose precision; a number too large
 *    for a double is an error.
 *  - Strings: raw control characters are an error; escapes are the RFC's; a \u escape
 *    of a lone surrogate becomes U+FFFD, and so does every byte that is not valid UTF-8
 *    (as Go's encoding/json, the Kubernetes API server's encoder, does).
 *  - Nesting deeper than KWJSON_MAX_DEPTH arrays/objects is an error (the decoder
 *    recurses, so the limit also bounds its C stack use).
 *  - Duplicate keys are all reported; a table builder keeping the last one gives
 *    "last wins". */
#ifndef KWHISK_JSONDEC_H
#define KWHISK_JSONDEC_H

#include <stddef.h>

#include "kwbuf.h"

#define KWJSON_MAX_DEPTH 1000

/* Each callback returns 0 to go on, or non-zero to stop decoding with an error.
 * String and key bytes are valid UTF-8 (possibly with NULs), only valid during the
 * call. */
typedef struct kwjson_handler {
  int (*null_value)(void *ud);
  int (*boolean)(void *ud, int value);
  int (*number)(void *ud, double value);
  int (*string)(void *ud, const char *s, size_t n);
  int (*key)(void *ud, const char *s, size_t n);
  int (*begin_array)(void *ud);
  int (*end_array)(void *ud);
  int (*begin_object)(void *ud);
  int (*end_object)(void *ud);
} kwjson_handler;

typedef struct kwjson_error {
  size_t offset; /* 0-based byte offset of the problem */
  size_t line;   /* 1-based */
  size_t column; /* 1-based, in bytes */
  /* "<line>:<column>: <what was wrong or expected> (byte offset <offset>)" */
  char message[160];
} kwjson_error;

/* Decodes text[0..n). Returns 0, or -1 with *err filled (err may be NULL).
 * scratch, when not NULL, is the caller's buffer for unescaped strings (reused and
 * left allocated, so a caller that may be unwound by a longjmp can own and free it);
 * NULL: the decoder uses and frees its own. */
int kwjson_decode(const char *text, size_t n, const kwjson_handler *h, void *ud,
                  kwbuf *scratch, kwjson_error *err);

#endif
