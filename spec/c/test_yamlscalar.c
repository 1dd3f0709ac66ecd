/* test_yamlscalar.c: unit tests of plain and tagged scalar resolution (Kubernetes' reading). */
#include <math.h>

#include "check.h"
#include "yamlscalar.h"

static kwyaml_node node;

static kwyaml_kind plain(const char *s)
{
  node.kind = KWYAML_SEQUENCE; /* anything but a scalar kind: resolution must set it */
  node.boolean = -1;
  node.number = -1;
  kwyaml_resolve_plain(&node, s, strlen(s));
  return node.kind;
}

static int tagged(const char *tag, const char *s)
{
  node.kind = KWYAML_SEQUENCE;
  return kwyaml_resolve_tagged(&node, tag, s, strlen(s));
}

int main(void)
{
  /* null */
  const char *nulls[] = { "", "~", "null", "Null", "NULL" };
  for (size_t i = 0; i < 5; i++)
    CHECK(plain(nulls[i]) == KWYAML_NULL);
  CHECK(plain("nULL") == KWYAML_STRING);
  /* booleans, go-yaml v2's YAML 1.1 words in three casings */
  const char *yes[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y" };
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
    CHECK(plain(yes[i]) == KWYAML_BOOL);
    CHECK(node.boolean == 1);
  }
  const char *no[] = { "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N" };
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
    CHECK(plain(no[i]) == KWYAML_BOOL);
    CHECK(node.boolean == 0);
  }
  CHECK(plain("tRUE") == KWYAML_STRING);
  CHECK(plain("yess") == KWYAML_STRING);
  /* integers: decimal, underscores, hex, octal (0o and leading 0), binary, signs */
  CHECK(plain("42") == KWYAML_NUMBER && node.number == 42);
  CHECK(plain("-1_000") == KWYAML_NUMBER && node.number == -1000);
  CHECK(plain("+7") == KWYAML_NUMBER && node.number == 7);
  CHECK(plain("0x1F") == KWYAML_NUMBER && node.number == 31);
  CHECK(plain("0o17") == KWYAML_NUMBER && node.number == 15);
  CHECK(plain("017") == KWYAML_NUMBER && node.number == 15);
  CHECK(plain("0b101") == KWYAML_NUMBER && node.number == 5);
  CHECK(plain("99999999999999999999") == KWYAML_NUMBER && node.number == 1e20);
  CHECK(plain("0x") == KWYAML_STRING);
  /* floats, infinities, NaN; out of range stays a string */
  CHECK(plain("1.5") == KWYAML_NUMBER && node.number == 1.5);
  CHECK(plain(".5") == KWYAML_NUMBER && node.number == 0.5);
  CHECK(plain("-2.5e3") == KWYAML_NUMBER && node.number == -2500);
  CHECK(plain("1e3") == KWYAML_NUMBER && node.number == 1000);
  CHECK(plain(".inf") == KWYAML_NUMBER && isinf(node.number) && node.number > 0);
  CHECK(plain("-.Inf") == KWYAML_NUMBER && isinf(node.number) && node.number < 0);
  CHECK(plain(".NaN") == KWYAML_NUMBER && isnan(node.number));
  CHECK(plain("1e999") == KWYAML_STRING);
  /* everything else is a string: timestamps, quantities, versions */
  CHECK(plain("2018-02-06T00:00:18Z") == KWYAML_STRING);
  CHECK(plain("256Mi") == KWYAML_STRING);
  CHECK(plain("1.2.3") == KWYAML_STRING);
  CHECK(plain("-") == KWYAML_STRING);

  /* explicit tags force a kind; an !!int that is not an integer is an error */
  const char *T = "tag:yaml.org,2002:";
  char tag[64];
  snprintf(tag, sizeof tag, "%sstr", T);
  CHECK(tagged(tag, "true") == 0 && node.kind == KWYAML_STRING);
  snprintf(tag, sizeof tag, "%sint", T);
  CHECK(tagged(tag, "12") == 0 && node.kind == KWYAML_NUMBER && node.number == 12);
  CHECK(tagged(tag, "twelve") == -1);
  CHECK(tagged(tag, "1.5") == -1);
  snprintf(tag, sizeof tag, "%sfloat", T);
  CHECK(tagged(tag, "1.5") == 0 && node.kind == KWYAML_NUMBER && node.number == 1.5);
  snprintf(tag, sizeof tag, "%sbool", T);
  CHECK(tagged(tag, "yes") == 0 && node.kind == KWYAML_BOOL && node.boolean == 1);
  CHECK(tagged(tag, "maybe") == -1);
  snprintf(tag, sizeof tag, "%snull", T);
  CHECK(tagged(tag, "~") == 0 && node.kind == KWYAML_NULL);
  /* other tags: the caller resolves as untagged */
  CHECK(tagged("!custom", "1") == 1);
  CHECK(tagged("tag:yaml.org,2002:map", "x") == 1);

  return check_summary("yamlscalar");
}
