/* yamldump.h: writing a JSON value as block-style YAML, the way a person (or kubectl
 * -o yaml) would write it.
 *
 * The input is JSON text (kwhisk.yaml.dump gets it from kwhisk.json.encode, which
 * sorts keys and checks the value), so every value kwhisk can encode can be dumped and
 * loaded back unchanged. libyaml's emitter chooses safe styles; on top of that, a
 * string that would read back as something else if written plain (true, yes, 123,
 * null, "", "<<", ...; see yamlscalar.h) is double-quoted, multi-line strings use the
 * literal block style when libyaml allows it, and empty arrays and objects are written
 * [] and {}. */
#ifndef KWHISK_YAMLDUMP_H
#define KWHISK_YAMLDUMP_H

#include <stddef.h>

#include "kwbuf.h"

/* Appends the YAML document for json[0..n) to out. Returns 0, or -1 with a message in
 * err (errsize bytes) when json is not valid JSON or memory runs out. */
int kwyaml_dump_json(const char *json, size_t n, kwbuf *out, char *err, size_t errsize);

#endif
