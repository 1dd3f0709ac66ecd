/* test_yamldump.c: unit tests of JSON -> block YAML (what kwhisk.yaml.dump prints). */
#include "check.h"
#include "kwbuf.h"
#include "yamldump.h"

static kwbuf b;
static char err[256];

static const char *dump(const char *json)
{
  kwbuf_reset(&b);
  err[0] = '\0';
  if (kwyaml_dump_json(json, strlen(json), &b, err, sizeof err) != 0)
    return NULL;
  if (kwbuf_append(&b, "", 1) != 0) /* NUL-terminate for the comparison */
    return NULL;
  return b.data;
}

/* The document body, without a leading "---\n" if libyaml writes one. */
static const char *body(const char *json)
{
  const char *s = dump(json);
  if (s != NULL && strncmp(s, "---\n", 4) == 0)
    s += 4;
  return s;
}

int main(void)
{
  kwbuf_init(&b, 0);

  CHECK_STR(body("{\"a\":1,\"b\":\"x\"}"), "a: 1\nb: x\n");
  CHECK_STR(body("{\"l\":[1,2]}"), "l:\n- 1\n- 2\n");
  /* empty containers are written [] and {} */
  CHECK_STR(body("{\"a\":[],\"o\":{}}"), "a: []\no: {}\n");
  /* strings that would read back as something else are double-quoted, keys too ("y" and
   * "n" are booleans to go-yaml v2) */
  CHECK_STR(body("{\"t\":\"true\",\"v\":\"yes\",\"i\":\"123\",\"z\":\"null\",\"e\":\"\"}"),
            "t: \"true\"\nv: \"yes\"\ni: \"123\"\nz: \"null\"\ne: \"\"\n");
  CHECK_STR(body("{\"y\":1,\"n\":2}"), "\"y\": 1\n\"n\": 2\n");
  /* real booleans, null and numbers stay plain */
  CHECK_STR(body("{\"b\":true,\"x\":null,\"f\":1.5}"), "b: true\nx: null\nf: 1.5\n");
  /* a multi-line string uses the literal block style */
  const char *s = body("{\"m\":\"one\\ntwo\\n\"}");
  CHECK(s != NULL && strstr(s, "m: |") == s);
  CHECK(s != NULL && strstr(s, "  one\n  two\n") != NULL);
  /* nested maps in block style */
  CHECK_STR(body("{\"metadata\":{\"name\":\"p\"}}"), "metadata:\n  name: p\n");

  /* not JSON: -1 and a message */
  CHECK(dump("{\"a\":") == NULL);
  CHECK(err[0] != '\0');
  CHECK(dump("nope") == NULL);

  kwbuf_free(&b);
  return check_summary("yamldump");
}
