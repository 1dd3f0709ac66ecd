/* logreader.h: the incremental reader of a pod's log body (SPEC A3, C2).
 *
 * Bytes go in as they arrive, in chunks of any size; finished records come out, one at a
 * time. A line is `<timestamp> <message>` ended by "\n" or "\r\n"; its timestamp is read
 * with the superset grammar (ktime.h) and a cursor decides whether it is new:
 *  - KWLOG_SINCE, the seed's: only lines strictly after `since`;
 *  - KWLOG_RESUME: after a reconnect with sinceTime = resume_sec, the server resends that
 *    whole second; the first resume_count lines of it were delivered before and are
 *    skipped, so nothing is lost or repeated even when lines share a timestamp.
 * Empty lines are skipped. Lines without a space or with an unparsable timestamp (such as
 * the error text the API appends to a broken 200 body) are counted, the last few kept,
 * and skipped. Memory stays bounded: at most max_line bytes of any line are kept; the
 * rest is dropped and the record is marked truncated.
 *
 * Zero copy: the reader points into the chunk it was fed and copies only a line that a
 * chunk cuts in two. So the bytes given to kwlog_reader_feed must stay valid and
 * unchanged until the next kwlog_reader_feed or kwlog_reader_free; a caller whose buffer
 * is reused (a libcurl write callback) drains kwlog_reader_next until 0 before it returns.
 * Feeding again before the reader is drained is allowed: it then copies the rest (so
 * feeding 0 bytes releases the caller's buffer). */
#ifndef KWHISK_LOGREADER_H
#define KWHISK_LOGREADER_H

#include <stddef.h>
#include <stdint.h>

#include "ktime.h"

#define KWLOG_DEFAULT_MAX_LINE ((size_t)1 << 20)
/* How many malformed lines the reader remembers, and how many bytes of each. */
#define KWLOG_ERRORS 4
#define KWLOG_ERROR_TEXT 256

enum kwlog_cursor_kind {
  KWLOG_ALL = 0,    /* every line */
  KWLOG_SINCE = 1,  /* lines strictly after since */
  KWLOG_RESUME = 2, /* lines after (resume_sec, resume_count) */
};

typedef struct kwlog_options {
  size_t max_line; /* bytes kept of one line (timestamp included); 0: the default, 1 MiB */
  int cursor;      /* enum kwlog_cursor_kind */
  kwtime since;
  int64_t resume_sec;
  uint64_t resume_count;
} kwlog_options;

/* One record. msg stays valid until the next call on the reader. The layout is mirrored
 * by lua/kwhisk/logs.lua (LuaJIT FFI); lua_logreader.c checks the size. */
typedef struct kwlog_record {
  int64_t sec;
  int32_t nsec;
  int32_t truncated; /* 1 when bytes beyond max_line were dropped */
  const char *msg;
  size_t len;
} kwlog_record;

/* Counters since the reader was made. */
typedef struct kwlog_stats {
  uint64_t lines;     /* lines with a timestamp (delivered or not) */
  uint64_t delivered; /* records returned by kwlog_reader_next */
  uint64_t skipped;   /* lines with a timestamp the cursor held back as already seen */
  uint64_t empty;     /* empty lines */
  uint64_t malformed; /* lines without a space or a valid timestamp */
  uint64_t truncated; /* lines cut at max_line (delivered or not) */
} kwlog_stats;

typedef struct kwlog_reader kwlog_reader;

/* A new reader (opts NULL: defaults, every line), or NULL when memory runs out. */
kwlog_reader *kwlog_reader_new(const kwlog_options *opts);
void kwlog_reader_free(kwlog_reader *r);
/* Takes n more bytes of the stream (see "Zero copy" above). 0, or -1 out of memory (the
 * bytes were then not taken). */
int kwlog_reader_feed(kwlog_reader *r, const char *bytes, size_t n);
/* The end of the stream: a last line without a terminator becomes a record. */
void kwlog_reader_finish(kwlog_reader *r);
/* 1 and *out set to the next record, or 0 when none is available until more is fed. */
int kwlog_reader_next(kwlog_reader *r, kwlog_record *out);

const kwlog_stats *kwlog_reader_stats(const kwlog_reader *r);
/* The resume cursor after what was read so far: the latest second of a line and how many
 * lines of that second the stream has had. 0 when no line has set it (nothing read and
 * no KWLOG_RESUME/KWLOG_SINCE cursor given), else 1. */
int kwlog_reader_cursor(const kwlog_reader *r, int64_t *sec, uint64_t *count);
/* The i-th remembered malformed line, oldest first (i < count), at most KWLOG_ERROR_TEXT
 * bytes of it; returns the number remembered (at most KWLOG_ERRORS). */
size_t kwlog_reader_error(const kwlog_reader *r, size_t i, const char **text, size_t *len);

#endif
