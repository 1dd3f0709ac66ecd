/* logrecord.h: log line records, the seed's TypedLogLine (SPEC A4).
 *
 * A record is a time, a stream name and a message. This file writes its JSON form
 * byte-exact with the seed (`{"log":...,"stream":...,"time":...}`, escaping as in
 * jsonstr.h: bytes that are not valid UTF-8 become U+FFFD, so the JSON is always
 * valid), measures that JSON in UTF-16 code units as the seed's log limits do, writes
 * its text form, and decodes the JSON form with the seed's exact error messages. */
#ifndef KWHISK_LOGRECORD_H
#define KWHISK_LOGRECORD_H

#include <stddef.h>

#include "kwbuf.h"
#include "ktime.h"

/* The seed's printed name of its timestamp format, part of its error messages. */
extern const char kwrec_time_format_name[];

/* Appends the JSON form. 0, or -1 when b cannot grow. */
int kwrec_append_json(kwbuf *b, kwtime t, const char *stream, size_t stream_len,
                      const char *log, size_t log_len);
/* The length in UTF-16 code units of n bytes of valid UTF-8 (as kwrec_append_json
 * writes): 1 per code point, 2 for those above U+FFFF. */
size_t kwrec_utf16_length(const char *s, size_t n);
/* Appends the text form: `<time> <stream>: <log without leading/trailing bytes <= 0x20>`. */
int kwrec_append_text(kwbuf *b, kwtime t, const char *stream, size_t stream_len,
                      const char *log, size_t log_len);

/* A decoded record, or the reason it could not be decoded. */
typedef struct kwrec_decoded {
  kwtime time;
  kwbuf stream, log;
  kwbuf scratch; /* the time text while decoding */
  kwbuf error;   /* the message when kwrec_decode fails */
} kwrec_decoded;

void kwrec_decoded_init(kwrec_decoded *d);
void kwrec_decoded_free(kwrec_decoded *d);
/* Decodes the JSON text of a record. 0, or -1 with the message in d->error: the seed's
 * messages (SPEC A4) for a JSON value of the wrong shape; `invalid JSON at byte N:
 * expected X` for text that is not JSON; `out of memory`. Keys other than time, stream
 * and log are ignored; of duplicate keys the last wins. Values quoted in messages are
 * printed compactly (whitespace outside strings removed, otherwise as written). */
int kwrec_decode(const char *text, size_t n, kwrec_decoded *d);

#endif
