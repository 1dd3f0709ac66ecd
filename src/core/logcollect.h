/* logcollect.h: one activation's logs collected in C, as OpenWhisk stores them (SPEC A7).
 *
 * The invoker's bulk consumer of the log reader: it takes records straight from a
 * kwlog_reader and applies the collection rules of SPEC A7 with no Lua object per record:
 *  - each record weighs the length of its JSON form in UTF-16 code units, plus 1; a record
 *    that would take the total past the limit ends the collection and is not kept;
 *  - a record whose message is exactly the sentinel counts and is never kept; the second
 *    one ends the collection;
 *  - every other record is kept as a line in the form OpenWhisk stores in an activation's
 *    logs (logrecord.h, kwrec_append_formatted).
 * The cursor it reports is the reader's after the last record that passed the limit
 * (sentinels included), so a later collection from that cursor starts at the record that
 * did not fit. Memory: the kept lines and an index of their offsets. The lines are bounded by
 * the limit but not within it: the limit counts UTF-16 units and the lines hold UTF-8 bytes
 * (up to 3 bytes a unit, and an invalid byte, which weighs 1, becomes 3), so they can take
 * about 3 times the limit. */
#ifndef KWHISK_LOGCOLLECT_H
#define KWHISK_LOGCOLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "logreader.h"

/* The line every OpenWhisk action runtime writes to stdout and stderr after an activation. */
#define KWLOG_SENTINEL "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX"

enum kwlog_collect_state {
  KWLOG_COLLECTING = 0, /* more records may come */
  KWLOG_COLLECTED = 1,  /* the second sentinel was taken */
  KWLOG_OVER_LIMIT = 2, /* a record would have passed the limit */
};

typedef struct kwlog_collector kwlog_collector;

/* A collector of at most limit bytes (weighed as above) of records of the named stream (its
 * stream_len bytes are copied, up to a NUL), or NULL when memory runs out. */
kwlog_collector *kwlog_collector_new(uint64_t limit, const char *stream, size_t stream_len);
void kwlog_collector_free(kwlog_collector *c);
/* Takes records from r while the state is KWLOG_COLLECTING. Returns how many it took, or -1
 * when memory ran out: the record that needed the memory was taken from r but is neither
 * kept nor in the cursor, so drop the collector (and the reader) and collect again from the
 * cursor. */
long kwlog_collector_drain(kwlog_collector *c, kwlog_reader *r);
/* The state, an enum kwlog_collect_state. */
int kwlog_collector_state(const kwlog_collector *c);
/* How many lines are kept. */
size_t kwlog_collector_count(const kwlog_collector *c);
/* Line i (from 0) of those kept, without a newline: 1 and *text, *len (valid until the next
 * drain or free), or 0 when there is no such line. */
int kwlog_collector_line(const kwlog_collector *c, size_t i, const char **text, size_t *len);
/* The reader's cursor after the last record that passed the limit: 1 and *sec, *count (see
 * kwlog_reader_cursor), or 0 when none did. */
int kwlog_collector_cursor(const kwlog_collector *c, int64_t *sec, uint64_t *count);
/* The time of the last record that passed the limit: 1 and *out, or 0 when none did. */
int kwlog_collector_last(const kwlog_collector *c, kwtime *out);
/* The bytes weighed so far (kept records and sentinels). */
uint64_t kwlog_collector_used(const kwlog_collector *c);

#endif
