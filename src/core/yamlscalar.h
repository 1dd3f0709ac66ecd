/* yamlscalar.h: what a YAML scalar means, the way Kubernetes manifests read it.
 *
 * Kubernetes reads YAML with sigs.k8s.io/yaml over go-yaml v2 (YAML 1.1 style), and
 * kwhisk follows it for plain (unquoted) scalars:
 *  - null: empty, ~, null, Null, NULL
 *  - booleans: true/True/TRUE, false/False/FALSE, and also yes/no, on/off, y/n in the
 *    same three casings (go-yaml v2 does, which is why `value: yes` in an env var is
 *    rejected by the API server: quote such strings)
 *  - integers (underscores ignored): decimal, 0x hex, 0o and leading-0 octal, 0b binary,
 *    with an optional sign; decimal ones too large for 64 bits become floats
 *  - floats: [-+]?(.digits|digits(.digits?)?)([eE][-+]?digits)?, .inf/-.inf/+.inf, .nan
 *    (all casings go-yaml accepts); out-of-range floats stay strings
 *  - everything else is a string, timestamps included (kept as written).
 * Explicit tags !!str, !!int, !!float, !!bool, !!null force a kind (an !!int that is not
 * an integer is an error); other tags are ignored. Quoted and block scalars are strings. */
#ifndef KWHISK_YAMLSCALAR_H
#define KWHISK_YAMLSCALAR_H

#include <stddef.h>

#include "yamlnode.h"

/* Resolves a plain scalar: sets node->kind (and boolean/number). */
void kwyaml_resolve_plain(kwyaml_node *node, const char *s, size_t n);

/* Resolves a scalar by its explicit tag (a full tag such as "tag:yaml.org,2002:int").
 * Returns 0, 1 when the tag is not one of the basic scalar tags (the caller resolves
 * as untagged), or -1 when the text does not fit the tag. */
int kwyaml_resolve_tagged(kwyaml_node *node, const char *tag, const char *s, size_t n);

#endif
