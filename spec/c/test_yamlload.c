/* test_yamlload.c: unit tests of the YAML loader, scalar resolution and YAML writer. */
#include <math.h>

#include "check.h"
#include "yamldump.h"
#include "yamlload.h"
#include "yamlscalar.h"

static kwyaml_stream s;
static kwyaml_error err;

static int load(const char *text)
{
  kwyaml_stream_free(&s);
  return kwyaml_load(text, strlen(text), &s, &err);
}

static const char *load_error(const char *text)
{
  return load(text) == 0 ? "(loaded)" : err.message;
}

static kwyaml_node probe;

static kwyaml_kind resolve(const char *text)
{
  probe = (kwyaml_node){0};
  kwyaml_resolve_plain(&probe, text, strlen(text));
  return probe.kind;
}

static void test_scalars(void)
{
  const char *nulls[] = {"", "~", "null", "Null", "NULL"};
  for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
    CHECK(resolve(nulls[i]) == KWYAML_NULL);
  const char *trues[] = {"true", "True", "TRUE", "yes", "Yes", "on", "ON", "y", "Y"};
  for (size_t i = 0; i < sizeof trues / sizeof trues[0]; i++)
    CHECK(resolve(trues[i]) == KWYAML_BOOL && probe.boolean == 1);
  const char *falses[] = {"false", "False", "no", "NO", "off", "Off", "n", "N"};
  for (size_t i = 0; i < sizeof falses / sizeof falses[0]; i++)
    CHECK(resolve(falses[i]) == KWYAML_BOOL && probe.boolean == 0);
  struct { const char *text; double value; } numbers[] = {
    {"0", 0}, {"42", 42}, {"-17", -17}, {"+5", 5}, {"1_000", 1000}, {"0x1F", 31},
    {"-0x10", -16}, {"0o17", 15}, {"0755", 493}, {"0b101", 5}, {"08", 8}, {"1.5", 1.5},
    {"-.5", -0.5}, {"1e3", 1000}, {"1.", 1}, {"18446744073709551616", 18446744073709551616.0},
  };
  for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
    CHECK(resolve(numbers[i].text) == KWYAML_NUMBER);
    CHECK(probe.number == numbers[i].value);
  }
  CHECK(resolve(".inf") == KWYAML_NUMBER && isinf(probe.number) && probe.number > 0);
  CHECK(resolve("-.Inf") == KWYAML_NUMBER && isinf(probe.number) && probe.number < 0);
  CHECK(resolve(".NaN") == KWYAML_NUMBER && isnan(probe.number));
  const char *strings[] = {"yess", "nil", "0x", "0xG", "1e400", "1.2.3", "2024-01-01", ".",
                           "-", "_", "tRue", "1e", "0x10000000000000000", "12:30"};
  for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
    CHECK(resolve(strings[i]) == KWYAML_STRING);
}

static void test_documents(void)
{
  CHECK(load("") == 0 && s.n == 0);
  CHECK(load("# only a comment\n") == 0 && s.n == 0);
  CHECK(load("42") == 0 && s.n == 1 && s.docs[0]->kind == KWYAML_NUMBER);
  CHECK(load("---\n---\na\n...\n--- 'b'\n") == 0 && s.n == 3);
  CHECK(s.docs[0]->kind == KWYAML_NULL && s.docs[1]->kind == KWYAML_STRING);
  CHECK(load("a: '1'\nb: \"true\"\nc: !!str 3\nd: !!float 2\ne: |\n  x\n") == 0);
  kwyaml_node *m = s.docs[0];
  CHECK(m->kind == KWYAML_MAPPING && m->n == 10);
  for (size_t i = 1; i < m->n; i += 2)
    CHECK(m->items[i]->kind == (i == 7 ? KWYAML_NUMBER : KWYAML_STRING));
  CHECK(load("1: a\ntrue: b\n~: c\n") == 0);
  CHECK_STR(s.docs[0]->items[0]->text, "1");
  CHECK_STR(s.docs[0]->items[2]->text, "true");
  CHECK_STR(s.docs[0]->items[4]->text, "~");
  /* aliases share nodes; merge keys bring pairs the mapping lacks */
  CHECK(load("a: &x [1, 2]\nb: *x\nc: &m {k: 1, j: 2}\nd:\n  <<: *m\n  j: 3\n") == 0);
  m = s.docs[0];
  CHECK(m->items[1] == m->items[3] && m->items[1]->refs == 2);
  kwyaml_node *d = m->items[7];
  CHECK(d->n == 4);
  CHECK_STR(d->items[0]->text, "j");
  CHECK(d->items[1]->number == 3);
  CHECK_STR(d->items[2]->text, "k");
  CHECK(load("a: &x 1\nb: &x 2\nc: *x\n") == 0 && s.docs[0]->items[5]->number == 2);
  CHECK(load("'<<': 1") == 0 && s.docs[0]->n == 2); /* quoted: an ordinary key */
}

static void test_errors(void)
{
  CHECK_STR(load_error("a: b: c"), "1:5: mapping values are not allowed in this context");
  CHECK(err.line == 1 && err.column == 5);
  CHECK_STR(load_error("a:\n\tb: 1"), "2:1: found character that cannot start any token "
                                     "(while scanning for the next token at line 2)");
  CHECK_STR(load_error("a:\n  b: 1\n c: 2"),
            "3:2: did not find expected key (while parsing a block mapping at line 1)");
  /* libyaml places errors at the end of input on the line after the last */
  CHECK_STR(load_error("x: [1, 2"),
            "2:1: did not find expected ',' or ']' (while parsing a flow sequence at line 1)");
  CHECK_STR(load_error("a: *nope"), "1:4: unknown anchor *nope");
  CHECK_STR(load_error("a: &r [*r]"),
            "1:8: alias *r refers to a node that contains it (recursive alias)");
  CHECK_STR(load_error("? [1]\n: x"), "1:3: a mapping key must be a scalar, not a sequence");
  CHECK_STR(load_error("a: !!int x1"), "1:4: value \"x1\" does not match its tag "
                                       "tag:yaml.org,2002:int");
  CHECK_STR(load_error("a: !!int 1.5"), "1:4: value \"1.5\" does not match its tag "
                                        "tag:yaml.org,2002:int");
  CHECK_STR(load_error("a: <<: 1"), "1:6: mapping values are not allowed in this context");
  CHECK_STR(load_error("b: 1\n<<: 2"),
            "2:5: a merge key (<<) takes a mapping or a sequence of mappings");
  CHECK_STR(load_error("ok: 1\nbad: \xC3\x28"),
            "2:7: invalid trailing UTF-8 octet (byte 0x28 at offset 12)");
  CHECK(s.n == 0);
  /* "billion laughs": refused from the counts, before anything is expanded */
  CHECK_STR(load_error("a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                       "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                       "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"),
            "6:29: document expands to more than 1000000 nodes (too many aliases?)");
  static char deep[3000];
  memset(deep, '[', sizeof deep - 1);
  CHECK_STR(load_error(deep), "1:1001: nesting deeper than 1000 levels");
}

static const char *dump(const char *json)
{
  static kwbuf out;
  static char msg[200];
  kwbuf_free(&out);
  if (kwyaml_dump_json(json, strlen(json), &out, msg, sizeof msg) != 0)
    return msg;
  return out.data;
}

static void test_dump(void)
{
  CHECK_STR(dump("{\"b\":[1,\"x\"],\"a\":{},\"c\":[],\"d\":{\"e\":null}}"),
            "b:\n- 1\n- x\na: {}\nc: []\nd:\n  e: null\n");
  CHECK_STR(dump("[\"true\",\"yes\",\"123\",\"\",\"null\",\"<<\",\"1e3\",\"~\"]"),
            "- \"true\"\n- \"yes\"\n- \"123\"\n- \"\"\n- \"null\"\n- \"<<\"\n- \"1e3\"\n- \"~\"\n");
  CHECK_STR(dump("{\"s\":\" lead\",\"t\":\"a: b\",\"u\":\"# x\",\"v\":\"line1\\nline2\"}"),
            "s: ' lead'\nt: 'a: b'\nu: '# x'\nv: |-\n  line1\n  line2\n");
  CHECK_STR(dump("{\"caf\xC3\xA9\":0.5}"), "caf\xC3\xA9: 0.5\n");
  CHECK_STR(dump("[1"), "not valid JSON: 1:3: expected ',' or ']' in array, got end of input "
                        "(byte offset 2)");
}

int main(void)
{
  test_scalars();
  test_documents();
  test_errors();
  test_dump();
  kwyaml_stream_free(&s);
  dump("0");
  return check_summary("yamlload");
}
