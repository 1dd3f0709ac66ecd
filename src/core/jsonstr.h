/* jsonstr.h: writing a byte string as a JSON string literal.
 *
 * One escaping for all of kwhisk's JSON output (the JSON encoder and the log-record
 * writer), byte-exact with the seed's records: only '"' and '\' are escaped, control
 * characters below 0x20 use \b \f \n \r \t or \u00xx (lowercase hex), and '/' and
 * non-ASCII UTF-8 are written as they are. Bytes that are not valid UTF-8 (stray
 * continuation bytes, overlong forms, surrogates, code points above U+10FFFF, cut
 * sequences) are each replaced by U+FFFD, so the output is always valid JSON. */
#ifndef KWHISK_JSONSTR_H
#define KWHISK_JSONSTR_H

#include <stddef.h>

#include "kwbuf.h"

/* Appends "s" (quotes included) to b. Returns 0, or -1 when b cannot grow (b then
 * holds a partial literal: reset it). *replaced, when not NULL, is set to the number
 * of invalid bytes replaced by U+FFFD. */
int kwjson_append_string(kwbuf *b, const char *s, size_t n, size_t *replaced);

/* Appends the n bytes at s as they are, but each byte that is not valid UTF-8 as U+FFFD,
 * the replacement kwjson_append_string makes (no quotes, no escapes): the text a JSON
 * decoder gives back. 0, or -1 when b cannot grow. */
int kwjson_append_utf8(kwbuf *b, const char *s, size_t n);

/* The length in UTF-16 code units of what kwjson_append_string writes for the n bytes at s,
 * quotes included, counted without writing it: a character 1 (2 above U+FFFF), an escape
 * its length, a replaced byte 1. */
size_t kwjson_string_units(const char *s, size_t n);

/* The length of a valid UTF-8 sequence starting at s (1-4), or 0 when s[0] does not
 * start one within the n bytes available. */
size_t kwjson_utf8_sequence(const unsigned char *s, size_t n);

#endif
