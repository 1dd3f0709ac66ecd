/* yamlnode.c: the tree of values the YAML loader builds (see yamlnode.h). */
#include "yamlnode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

kwyaml_node *kwyaml_node_new(kwyaml_kind kind, size_t line, size_t column)
{
  kwyaml_node *node = calloc(1, sizeof *node);
  if (node == NULL)
    return NULL;
  node->kind = kind;
  node->line = line;
  node->column = column;
  node->refs = 1;
  node->weight = 1;
  node->height = 1;
  return node;
}

int kwyaml_node_set_text(kwyaml_node *node, const char *text, size_t len)
{
  char *copy = malloc(len + 1);
  if (copy == NULL)
    return -1;
  if (len != 0)
    memcpy(copy, text, len);
  copy[len] = '\0';
  free(node->text);
  node->text = copy;
  node->len = len;
  return 0;
}

/* Adds item's weight and height to parent's. */
static void count(kwyaml_node *parent, const kwyaml_node *item)
{
  /* Saturating: the loader refuses anything near the limit long before. */
  parent->weight = item->weight > SIZE_MAX - parent->weight ? SIZE_MAX
                                                            : parent->weight + item->weight;
  if (item->height + 1 > parent->height)
    parent->height = item->height + 1;
}

int kwyaml_node_push(kwyaml_node *parent, kwyaml_node *item)
{
  if (parent->n == parent->cap) {
    size_t cap = parent->cap != 0 ? parent->cap * 2 : 4;
    if (cap > SIZE_MAX / sizeof *parent->items)
      return -1;
    kwyaml_node **items = realloc(parent->items, cap * sizeof *items);
    if (items == NULL)
      return -1;
    parent->items = items;
    parent->cap = cap;
  }
  parent->items[parent->n++] = item;
  count(parent, item);
  return 0;
}

void kwyaml_node_recount(kwyaml_node *node)
{
  node->weight = 1;
  node->height = 1;
  for (size_t i = 0; i < node->n; i++)
    count(node, node->items[i]);
}

void kwyaml_node_release(kwyaml_node *node)
{
  if (node == NULL || --node->refs > 0)
    return;
  for (size_t i = 0; i < node->n; i++)
    kwyaml_node_release(node->items[i]);
  free(node->items);
  free(node->text);
  free(node);
}
