/* yamlload.c: loading a YAML stream into kwyaml_node trees with libyaml (see yamlload.h). */
#include "yamlload.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yamlscalar.h"

typedef struct anchor {
  char *name;
  kwyaml_node *node; /* one reference held */
} anchor;

typedef struct loader {
  const char *text;
  size_t n;
  kwyaml_stream *out;
  kwyaml_error *err;
  kwyaml_node *stack[KWYAML_MAX_DEPTH]; /* open sequences and mappings */
  int depth;
  kwyaml_node *root;
  anchor *anchors;
  size_t nanchors, anchor_cap;
  size_t produced; /* nodes of the document, aliases counted in full */
} loader;

static int fail(loader *ld, size_t line, size_t column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(loader *ld, size_t line, size_t column, const char *fmt, ...)
{
  char what[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  ld->err->line = line;
  ld->err->column = column;
  snprintf(ld->err->message, sizeof ld->err->message, "%zu:%zu: %s", line, column, what);
  return -1;
}

static int fail_mark(loader *ld, yaml_mark_t mark, const char *what)
{
  return fail(ld, mark.line + 1, mark.column + 1, "%s", what);
}

static int out_of_memory(loader *ld, yaml_mark_t mark)
{
  return fail_mark(ld, mark, "out of memory");
}

/* libyaml's own errors; reader errors (bad UTF-8) only give a byte offset. */
static int parser_failed(loader *ld, const yaml_parser_t *p)
{
  const char *problem = p->problem != NULL ? p->problem : "cannot parse";
  if (p->error == YAML_READER_ERROR) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < p->problem_offset && i < ld->n; i++) {
      if (ld->text[i] == '\n')
        line++, column = 1;
      else
        column++;
    }
    return fail(ld, line, column, "%s (byte 0x%02x at offset %zu)", problem,
                (unsigned)p->problem_value & 0xFF, p->problem_offset);
  }
  if (p->error == YAML_MEMORY_ERROR)
    return out_of_memory(ld, p->problem_mark);
  if (p->context != NULL)
    return fail(ld, p->problem_mark.line + 1, p->problem_mark.column + 1, "%s (%s at line %zu)",
                problem, p->context, p->context_mark.line + 1);
  return fail_mark(ld, p->problem_mark, problem);
}

static void drop_anchors(loader *ld)
{
  for (size_t i = 0; i < ld->nanchors; i++) {
    free(ld->anchors[i].name);
    kwyaml_node_release(ld->anchors[i].node);
  }
  ld->nanchors = 0;
}

static int add_anchor(loader *ld, const yaml_char_t *name, kwyaml_node *node, yaml_mark_t mark)
{
  if (name == NULL)
    return 0;
  if (ld->nanchors == ld->anchor_cap) {
    size_t cap = ld->anchor_cap ? ld->anchor_cap * 2 : 8;
    anchor *a = realloc(ld->anchors, cap * sizeof *a);
    if (a == NULL)
      return out_of_memory(ld, mark);
    ld->anchors = a;
    ld->anchor_cap = cap;
  }
  char *copy = strdup((const char *)name);
  if (copy == NULL)
    return out_of_memory(ld, mark);
  node->refs++;
  ld->anchors[ld->nanchors++] = (anchor){copy, node};
  return 0;
}

/* Counts nodes toward the document's limit. */
static int produce(loader *ld, size_t weight, yaml_mark_t mark)
{
  if (weight > KWYAML_MAX_NODES - ld->produced)
    return fail(ld, mark.line + 1, mark.column + 1,
                "document expands to more than %d nodes (too many aliases?)", KWYAML_MAX_NODES);
  ld->produced += weight;
  return 0;
}

static int is_merge_key(const kwyaml_node *key)
{
  return key->plain && key->len == 2 && memcmp(key->text, "<<", 2) == 0;
}

/* Places node (one reference) as the root or into the open container on top. */
static int add(loader *ld, kwyaml_node *node)
{
  if (ld->depth == 0) {
    ld->root = node;
    return 0;
  }
  kwyaml_node *parent = ld->stack[ld->depth - 1];
  if (parent->kind == KWYAML_MAPPING && parent->n % 2 == 0 &&
      (node->kind == KWYAML_SEQUENCE || node->kind == KWYAML_MAPPING)) {
    size_t line = node->line, column = node->column;
    const char *what = node->kind == KWYAML_SEQUENCE ? "sequence" : "mapping";
    kwyaml_node_release(node);
    return fail(ld, line, column, "a mapping key must be a scalar, not a %s", what);
  }
  if (kwyaml_node_push(parent, node) != 0) {
    kwyaml_node_release(node);
    return fail(ld, parent->line, parent->column, "out of memory");
  }
  if (parent->height > KWYAML_MAX_DEPTH)
    return fail(ld, node->line, node->column, "nesting deeper than %d levels",
                KWYAML_MAX_DEPTH);
  return 0;
}

static int scalar(loader *ld, const yaml_event_t *ev)
{
  yaml_mark_t mark = ev->start_mark;
  const char *s = (const char *)ev->data.scalar.value;
  size_t n = ev->data.scalar.length;
  kwyaml_node *node = kwyaml_node_new(KWYAML_STRING, mark.line + 1, mark.column + 1);
  if (node == NULL || kwyaml_node_set_text(node, s, n) != 0) {
    kwyaml_node_release(node);
    return out_of_memory(ld, mark);
  }
  const char *tag = (const char *)ev->data.scalar.tag;
  int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
  int rc = tag != NULL && strcmp(tag, "!") != 0 ? kwyaml_resolve_tagged(node, tag, s, n) : 1;
  if (rc < 0) {
    kwyaml_node_release(node);
    return fail(ld, mark.line + 1, mark.column + 1, "value \"%.40s\" does not match its tag %s",
                s, tag);
  }
  if (rc > 0 && plain && (tag == NULL || strcmp(tag, "!") != 0))
    kwyaml_resolve_plain(node, s, n);
  node->plain = plain && tag == NULL;
  if (produce(ld, 1, mark) != 0 || add_anchor(ld, ev->data.scalar.anchor, node, mark) != 0) {
    kwyaml_node_release(node);
    return -1;
  }
  return add(ld, node);
}

static int alias(loader *ld, const yaml_event_t *ev)
{
  yaml_mark_t mark = ev->start_mark;
  const char *name = (const char *)ev->data.alias.anchor;
  for (size_t i = ld->nanchors; i-- > 0;) {
    if (strcmp(ld->anchors[i].name, name) != 0)
      continue;
    kwyaml_node *node = ld->anchors[i].node;
    for (int d = 0; d < ld->depth; d++)
      if (ld->stack[d] == node)
        return fail(ld, mark.line + 1, mark.column + 1, "alias *%.60s refers to a node that "
                    "contains it (recursive alias)", name);
    if (produce(ld, node->weight, mark) != 0)
      return -1;
    node->refs++;
    return add(ld, node);
  }
  return fail(ld, mark.line + 1, mark.column + 1, "unknown anchor *%.60s", name);
}

static int start(loader *ld, const yaml_event_t *ev, kwyaml_kind kind)
{
  yaml_mark_t mark = ev->start_mark;
  if (ld->depth >= KWYAML_MAX_DEPTH)
    return fail(ld, mark.line + 1, mark.column + 1, "nesting deeper than %d levels",
                KWYAML_MAX_DEPTH);
  kwyaml_node *node = kwyaml_node_new(kind, mark.line + 1, mark.column + 1);
  if (node == NULL)
    return out_of_memory(ld, mark);
  const yaml_char_t *name = kind == KWYAML_SEQUENCE ? ev->data.sequence_start.anchor
                                                    : ev->data.mapping_start.anchor;
  if (produce(ld, 1, mark) != 0 || add_anchor(ld, name, node, mark) != 0) {
    kwyaml_node_release(node);
    return -1;
  }
  ld->stack[ld->depth++] = node;
  return 0;
}

/* Whether map (items[0..end)) has key text. */
static int has_key(const kwyaml_node *map, size_t end, const kwyaml_node *key)
{
  for (size_t i = 0; i < end; i += 2)
    if (map->items[i]->len == key->len && memcmp(map->items[i]->text, key->text, key->len) == 0)
      return 1;
  return 0;
}

/* Appends the pairs of source that map does not already have (explicit keys win). */
static int merge_from(loader *ld, kwyaml_node *map, const kwyaml_node *source)
{
  if (source->kind != KWYAML_MAPPING)
    return fail(ld, source->line, source->column,
                "a merge key (<<) takes a mapping or a sequence of mappings");
  for (size_t i = 0; i < source->n; i += 2) {
    if (has_key(map, map->n, source->items[i]))
      continue;
    /* A reference is taken only once pushed, so a failed push leaks nothing. */
    for (size_t k = i; k <= i + 1; k++) {
      if (kwyaml_node_push(map, source->items[k]) != 0)
        return fail(ld, map->line, map->column, "out of memory");
      source->items[k]->refs++;
    }
  }
  return 0;
}

/* Replaces the merge keys of a finished mapping by the pairs they bring; the mapping's
 * weight and height then count what it holds, not the merge keys' values too. */
static int merge(loader *ld, kwyaml_node *map)
{
  int merged = 0;
  for (size_t i = 0; i < map->n; i += 2) {
    if (!is_merge_key(map->items[i]))
      continue;
    kwyaml_node *key = map->items[i], *value = map->items[i + 1];
    memmove(map->items + i, map->items + i + 2, (map->n - i - 2) * sizeof *map->items);
    map->n -= 2;
    merged = 1;
    int rc = 0;
    if (value->kind == KWYAML_SEQUENCE)
      for (size_t k = 0; k < value->n && rc == 0; k++)
        rc = merge_from(ld, map, value->items[k]);
    else
      rc = merge_from(ld, map, value);
    kwyaml_node_release(key);
    kwyaml_node_release(value);
    if (rc != 0)
      return -1;
    i -= 2; /* the next pair moved into slot i */
  }
  if (merged)
    kwyaml_node_recount(map);
  return 0;
}

static int end(loader *ld)
{
  kwyaml_node *node = ld->stack[--ld->depth];
  if (node->kind == KWYAML_MAPPING && merge(ld, node) != 0) {
    kwyaml_node_release(node);
    return -1;
  }
  return add(ld, node);
}

static int end_document(loader *ld, yaml_mark_t mark)
{
  kwyaml_stream *out = ld->out;
  if (out->n == out->cap) {
    size_t cap = out->cap ? out->cap * 2 : 4;
    kwyaml_node **docs = realloc(out->docs, cap * sizeof *docs);
    if (docs == NULL)
      return out_of_memory(ld, mark);
    out->docs = docs;
    out->cap = cap;
  }
  out->docs[out->n++] = ld->root;
  ld->root = NULL;
  drop_anchors(ld);
  return 0;
}

static int event(loader *ld, const yaml_event_t *ev)
{
  switch (ev->type) {
  case YAML_DOCUMENT_START_EVENT:
    ld->produced = 0;
    return 0;
  case YAML_DOCUMENT_END_EVENT:
    return end_document(ld, ev->start_mark);
  case YAML_SCALAR_EVENT:
    return scalar(ld, ev);
  case YAML_ALIAS_EVENT:
    return alias(ld, ev);
  case YAML_SEQUENCE_START_EVENT:
    return start(ld, ev, KWYAML_SEQUENCE);
  case YAML_MAPPING_START_EVENT:
    return start(ld, ev, KWYAML_MAPPING);
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT:
    return end(ld);
  default:
    return 0;
  }
}

int kwyaml_load(const char *text, size_t n, kwyaml_stream *out, kwyaml_error *err)
{
  loader ld;
  memset(&ld, 0, sizeof ld);
  ld.text = text;
  ld.n = n;
  ld.out = out;
  ld.err = err;
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    yaml_mark_t none = {0, 0, 0};
    return out_of_memory(&ld, none);
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, n);
  int rc = 0, done = 0;
  while (rc == 0 && !done) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      rc = parser_failed(&ld, &parser);
      break;
    }
    done = ev.type == YAML_STREAM_END_EVENT;
    rc = event(&ld, &ev);
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&parser);
  while (ld.depth > 0)
    kwyaml_node_release(ld.stack[--ld.depth]);
  kwyaml_node_release(ld.root);
  drop_anchors(&ld);
  free(ld.anchors);
  if (rc != 0)
    kwyaml_stream_free(out);
  return rc;
}

void kwyaml_stream_free(kwyaml_stream *s)
{
  for (size_t i = 0; i < s->n; i++)
    kwyaml_node_release(s->docs[i]);
  free(s->docs);
  s->docs = NULL;
  s->n = s->cap = 0;
}
