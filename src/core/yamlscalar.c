/* yamlscalar.c: resolving YAML scalars like Kubernetes manifests (see yamlscalar.h). */
#include "yamlscalar.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct word {
  const char *text;
  kwyaml_kind kind;
  double value; /* boolean (0/1) or number */
} word;

static const word words[] = {
  {"~", KWYAML_NULL, 0}, {"null", KWYAML_NULL, 0}, {"Null", KWYAML_NULL, 0},
  {"NULL", KWYAML_NULL, 0},
  {"true", KWYAML_BOOL, 1}, {"True", KWYAML_BOOL, 1}, {"TRUE", KWYAML_BOOL, 1},
  {"yes", KWYAML_BOOL, 1}, {"Yes", KWYAML_BOOL, 1}, {"YES", KWYAML_BOOL, 1},
  {"on", KWYAML_BOOL, 1}, {"On", KWYAML_BOOL, 1}, {"ON", KWYAML_BOOL, 1},
  {"y", KWYAML_BOOL, 1}, {"Y", KWYAML_BOOL, 1},
  {"false", KWYAML_BOOL, 0}, {"False", KWYAML_BOOL, 0}, {"FALSE", KWYAML_BOOL, 0},
  {"no", KWYAML_BOOL, 0}, {"No", KWYAML_BOOL, 0}, {"NO", KWYAML_BOOL, 0},
  {"off", KWYAML_BOOL, 0}, {"Off", KWYAML_BOOL, 0}, {"OFF", KWYAML_BOOL, 0},
  {"n", KWYAML_BOOL, 0}, {"N", KWYAML_BOOL, 0},
  {".inf", KWYAML_NUMBER, INFINITY}, {".Inf", KWYAML_NUMBER, INFINITY},
  {".INF", KWYAML_NUMBER, INFINITY}, {"+.inf", KWYAML_NUMBER, INFINITY},
  {"+.Inf", KWYAML_NUMBER, INFINITY}, {"+.INF", KWYAML_NUMBER, INFINITY},
  {"-.inf", KWYAML_NUMBER, -INFINITY}, {"-.Inf", KWYAML_NUMBER, -INFINITY},
  {"-.INF", KWYAML_NUMBER, -INFINITY},
  {".nan", KWYAML_NUMBER, NAN}, {".NaN", KWYAML_NUMBER, NAN}, {".NAN", KWYAML_NUMBER, NAN},
};

static int lookup(kwyaml_node *node, const char *s, size_t n)
{
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
    if (strlen(words[i].text) == n && memcmp(words[i].text, s, n) == 0) {
      node->kind = words[i].kind;
      node->boolean = words[i].kind == KWYAML_BOOL && words[i].value != 0;
      node->number = words[i].kind == KWYAML_NUMBER ? words[i].value : 0;
      return 1;
    }
  }
  return 0;
}

static int digit_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return 99;
}

/* An integer as go-yaml reads one (Go's ParseInt base 0, then ParseUint). 1 if s is
 * one that fits 64 bits, 0 if not. s has no underscores. */
static int integer(const char *s, size_t n, double *out)
{
  size_t i = 0;
  int negative = 0, sign = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) {
    negative = s[i] == '-';
    sign = 1;
    i++;
  }
  unsigned base = 10;
  if (n - i >= 2 && s[i] == '0') {
    char p = s[i + 1];
    if (p == 'x' || p == 'X')
      base = 16, i += 2;
    else if (p == 'o' || p == 'O')
      base = 8, i += 2;
    else if (p == 'b' || p == 'B')
      base = 2, i += 2;
    else
      base = 8, i += 1;
  }
  if (i >= n)
    return 0;
  uint64_t v = 0;
  for (; i < n; i++) {
    unsigned d = (unsigned)digit_value(s[i]);
    if (d >= base || v > (UINT64_MAX - d) / base)
      return 0;
    v = v * base + d;
  }
  if (negative ? v > (uint64_t)INT64_MAX + 1 : (sign && v > (uint64_t)INT64_MAX))
    return 0;
  *out = negative ? -(double)v : (double)v;
  return 1;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static int float_syntax(const char *s, size_t n)
{
  size_t i = 0, d = 0;
  if (i < n && (s[i] == '+' || s[i] == '-'))
    i++;
  if (i < n && s[i] == '.') {
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
      d++;
    if (d == 0)
      return 0;
  } else {
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
      d++;
    if (d == 0)
      return 0;
    if (i < n && s[i] == '.')
      for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        ;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-'))
      i++;
    for (d = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
      d++;
    if (d == 0)
      return 0;
  }
  return i == n;
}

/* A number (integer or float) from s; 1 if it is one. */
static int number(const char *s, size_t n, double *out)
{
  char buf[128];
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '_')
      continue;
    if (len + 1 >= sizeof buf)
      return 0; /* no number of interest is that long */
    buf[len++] = s[i];
  }
  buf[len] = '\0';
  if (integer(buf, len, out))
    return 1;
  if (!float_syntax(buf, len))
    return 0;
  double v = strtod(buf, NULL);
  if (isinf(v))
    return 0;
  *out = v;
  return 1;
}

void kwyaml_resolve_plain(kwyaml_node *node, const char *s, size_t n)
{
  node->kind = KWYAML_STRING;
  if (n == 0) {
    node->kind = KWYAML_NULL;
    return;
  }
  if (lookup(node, s, n))
    return;
  char c = s[0];
  if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
    double v;
    if (number(s, n, &v)) {
      node->kind = KWYAML_NUMBER;
      node->number = v;
    }
  }
}

#define TAG_PREFIX "tag:yaml.org,2002:"

int kwyaml_resolve_tagged(kwyaml_node *node, const char *tag, const char *s, size_t n)
{
  size_t plen = sizeof TAG_PREFIX - 1;
  if (strncmp(tag, TAG_PREFIX, plen) != 0)
    return 1;
  const char *name = tag + plen;
  if (strcmp(name, "str") == 0) {
    node->kind = KWYAML_STRING;
    return 0;
  }
  kwyaml_kind want;
  if (strcmp(name, "int") == 0 || strcmp(name, "float") == 0)
    want = KWYAML_NUMBER;
  else if (strcmp(name, "bool") == 0)
    want = KWYAML_BOOL;
  else if (strcmp(name, "null") == 0)
    want = KWYAML_NULL;
  else
    return 1;
  kwyaml_resolve_plain(node, s, n);
  if (node->kind != want)
    return -1;
  if (strcmp(name, "int") == 0 && (isnan(node->number) || isinf(node->number) ||
                                   node->number != floor(node->number)))
    return -1;
  return 0;
}
