/* yamlnode.h: the tree of values the YAML loader builds.
 *
 * Plain C, no Lua: the loader (yamlload.h) builds it, the Lua binding turns it into
 * tables, C tests and the fuzzer inspect it. A node reached through several aliases is
 * shared (reference counted), so an alias costs no copy here; `weight` (nodes produced
 * when fully expanded) and `height` let the loader refuse alias bombs before anything
 * is expanded. */
#ifndef KWHISK_YAMLNODE_H
#define KWHISK_YAMLNODE_H

#include <stddef.h>

typedef enum kwyaml_kind {
  KWYAML_NULL,
  KWYAML_BOOL,
  KWYAML_NUMBER,
  KWYAML_STRING,
  KWYAML_SEQUENCE,
  KWYAML_MAPPING,
} kwyaml_kind;

typedef struct kwyaml_node {
  kwyaml_kind kind;
  int boolean;
  double number;
  char *text;   /* scalars: the scalar's text (also for resolved ones; used as a key) */
  size_t len;
  int plain;    /* scalars: written plain and untagged (a plain "<<" is a merge key) */
  struct kwyaml_node **items; /* sequence: elements; mapping: key, value, key, value... */
  size_t n, cap;
  size_t line, column; /* 1-based start */
  size_t refs;
  size_t weight; /* 1 + weight of all items, counting each alias in full */
  size_t height; /* 1 for scalars, 1 + the tallest item */
} kwyaml_node;

/* A new node of kind with refs = 1, or NULL when memory runs out. */
kwyaml_node *kwyaml_node_new(kwyaml_kind kind, size_t line, size_t column);
/* Sets a scalar's text (copied). 0, or -1 when memory runs out. */
int kwyaml_node_set_text(kwyaml_node *node, const char *text, size_t len);
/* Appends item (taking over one reference) to a sequence or mapping. 0 or -1. */
int kwyaml_node_push(kwyaml_node *parent, kwyaml_node *item);
/* Recomputes weight and height from the items (after items were removed). */
void kwyaml_node_recount(kwyaml_node *node);
/* Drops one reference; frees the node and its items when none is left. */
void kwyaml_node_release(kwyaml_node *node);

#endif
