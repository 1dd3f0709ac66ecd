/* yamlload.h: loading a YAML stream (all its documents) into trees of kwyaml_node.
 *
 * Built on libyaml's parser; what scalars mean is yamlscalar.h's. Mapping keys must be
 * scalars and are kept as their text (`1: a` has the key "1", as sigs.k8s.io/yaml
 * gives); a sequence or mapping as a key is an error. Aliases share the anchored node;
 * a document whose full expansion would exceed KWYAML_MAX_NODES nodes, or nest deeper
 * than KWYAML_MAX_DEPTH, is refused while parsing (so alias bombs cost nothing).
 * Merge keys (`<<: *base`) are merged in (keys already in the mapping win, as in
 * go-yaml). Every error carries a 1-based line and column. */
#ifndef KWHISK_YAMLLOAD_H
#define KWHISK_YAMLLOAD_H

#include <stddef.h>

#include "yamlnode.h"

#define KWYAML_MAX_NODES 1000000
#define KWYAML_MAX_DEPTH 1000

typedef struct kwyaml_stream {
  kwyaml_node **docs; /* one root per document */
  size_t n, cap;
} kwyaml_stream;

typedef struct kwyaml_error {
  size_t line, column; /* 1-based */
  char message[256];   /* "<line>:<column>: <problem>" */
} kwyaml_error;

/* Loads text[0..n) into *out (which must be zeroed, or freed by kwyaml_stream_free).
 * Returns 0, or -1 with *err filled; on error *out holds nothing. */
int kwyaml_load(const char *text, size_t n, kwyaml_stream *out, kwyaml_error *err);
void kwyaml_stream_free(kwyaml_stream *s);

#endif
