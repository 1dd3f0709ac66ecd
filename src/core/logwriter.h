/* logwriter.h: a pod's log records written out in their text or JSON form (SPEC A4).
 *
 * The bulk consumer of the log reader (`kwhisk logs`): it takes every record the reader
 * has ready, formats it in C (logrecord.h) into one buffer and writes that buffer to a
 * file descriptor in large writes, so a record costs no Lua object and no system call.
 * The buffer is written whenever it holds KWLOG_WRITE_CHUNK bytes, on kwlog_writer_flush,
 * and after every record when the descriptor is a terminal (a person watching a followed
 * log sees each line as it comes). Memory stays bounded: the buffer holds at most
 * KWLOG_WRITE_CHUNK bytes plus one formatted record. */
#ifndef KWHISK_LOGWRITER_H
#define KWHISK_LOGWRITER_H

#include <stddef.h>

#include "ktime.h"
#include "logreader.h"

#define KWLOG_WRITE_CHUNK ((size_t)64 << 10)

enum kwlog_format {
  KWLOG_FORMAT_TEXT = 0, /* `<time> <stream>: <log trimmed>` and a newline */
  KWLOG_FORMAT_JSON = 1, /* `{"log":...,"stream":...,"time":...}` and a newline */
};

typedef struct kwlog_writer kwlog_writer;

/* A writer to fd of records of the named stream (its stream_len bytes are copied, up to a
 * NUL), or NULL when memory runs out or format is not one of enum kwlog_format. */
kwlog_writer *kwlog_writer_new(int fd, int format, const char *stream, size_t stream_len);
void kwlog_writer_free(kwlog_writer *w);
/* Takes every record the reader has ready and formats it. Returns how many, or -1 with
 * errno set when a write failed or memory ran out (the records taken are then lost). */
long kwlog_writer_drain(kwlog_writer *w, kwlog_reader *r);
/* Writes what the buffer holds. 0, or -1 with errno set. */
int kwlog_writer_flush(kwlog_writer *w);
/* The time of the last record taken: 1 and *out set, or 0 before the first. */
int kwlog_writer_last(const kwlog_writer *w, kwtime *out);

#endif
