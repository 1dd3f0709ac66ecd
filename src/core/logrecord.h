/* logrecord.h: log line records, the seed's TypedLogLine (SPEC A4).
 *
 * A record is a time, a stream name and a message. This file writes its JSON form
 * byte-exact with the seed (`{"log":...,"stream":...,"time":...}`, escaping as in
 * jsonstr.h: bytes that are not valid UTF-8 become U+FFFD, so the JSON is always
 * valid), measures that JSON in UTF-16 code units as the seed's log limits do, and
 * writes its text form and the form OpenWhisk stores. (Decoding the JSON form is kwhisk.logline's, over kwhisk.json.) */
#ifndef KWHISK_LOGRECORD_H
#define KWHISK_LOGRECORD_H

#include <stddef.h>

#include "kwbuf.h"
#include "ktime.h"

/* Appends the JSON form. 0, or -1 when b cannot grow. */
int kwrec_append_json(kwbuf *b, kwtime t, const char *stream, size_t stream_len,
                      const char *log, size_t log_len);
/* The length in UTF-16 code units of the JSON form (the seed's log-limit measure), with the
 * time formatted in when_len bytes, counted without writing it. */
size_t kwrec_json_size(size_t when_len, const char *stream, size_t stream_len, const char *log,
                       size_t log_len);
/* The length in UTF-16 code units of n bytes of valid UTF-8 (as kwrec_append_json
 * writes): 1 per code point, 2 for those above U+FFFF. */
size_t kwrec_utf16_length(const char *s, size_t n);
/* Appends the text form: `<time> <stream>: <log without leading/trailing bytes <= 0x20>`. */
int kwrec_append_text(kwbuf *b, kwtime t, const char *stream, size_t stream_len,
                      const char *log, size_t log_len);
/* Appends the form OpenWhisk stores in an activation's logs (its LogLine.toFormattedString,
 * over the record as the JSON form carries it): `<time padded with spaces to 30 columns>
 * <stream>: <log trimmed>`, each byte of the log that is not valid UTF-8 written as U+FFFD
 * (EF BF BD), as decoding the JSON form gives it back. */
int kwrec_append_formatted(kwbuf *b, kwtime t, const char *stream, size_t stream_len,
                           const char *log, size_t log_len);
/* The same three forms with the time already formatted (kwtime_format's openwhisk style, as
 * kwtime_format_cached writes it): when, when_len bytes. */
int kwrec_append_json_at(kwbuf *b, const char *when, size_t when_len, const char *stream,
                         size_t stream_len, const char *log, size_t log_len);
int kwrec_append_text_at(kwbuf *b, const char *when, size_t when_len, const char *stream,
                         size_t stream_len, const char *log, size_t log_len);
int kwrec_append_formatted_at(kwbuf *b, const char *when, size_t when_len, const char *stream,
                              size_t stream_len, const char *log, size_t log_len);

#endif
