/* yamldump.c: JSON text -> block-style YAML through libyaml's emitter (see yamldump.h). */
#include "yamldump.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "jsondec.h"
#include "jsonnum.h"
#include "yamlscalar.h"

typedef struct dumper {
  yaml_emitter_t emitter;
  int pending; /* a sequence (1) or mapping (2) started but not yet emitted */
} dumper;

static int write_out(void *data, unsigned char *bytes, size_t size)
{
  return kwbuf_append(data, bytes, size) == 0;
}

/* Emits ev (libyaml takes it over, also on failure). */
static int emit(dumper *d, yaml_event_t *ev)
{
  return yaml_emitter_emit(&d->emitter, ev) ? 0 : -1;
}

static int emit_start(dumper *d, int kind, yaml_sequence_style_t seq_style,
                      yaml_mapping_style_t map_style)
{
  yaml_event_t ev;
  int ok = kind == 1 ? yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, seq_style)
                     : yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, map_style);
  return ok ? emit(d, &ev) : -1;
}

/* Emits the start of a container held back to see whether it is empty. */
static int flush(dumper *d)
{
  int kind = d->pending;
  d->pending = 0;
  return kind == 0 ? 0 : emit_start(d, kind, YAML_BLOCK_SEQUENCE_STYLE, YAML_BLOCK_MAPPING_STYLE);
}

static int scalar(dumper *d, const char *s, size_t n, yaml_scalar_style_t style)
{
  yaml_event_t ev;
  if (flush(d) != 0)
    return -1;
  if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)n, 1, 1, style))
    return -1;
  return emit(d, &ev);
}

static int d_null(void *ud) { return scalar(ud, "null", 4, YAML_PLAIN_SCALAR_STYLE); }

static int d_boolean(void *ud, int v)
{
  return scalar(ud, v ? "true" : "false", v ? 4 : 5, YAML_PLAIN_SCALAR_STYLE);
}

static int d_number(void *ud, double v)
{
  char num[KWJSON_NUMBER_MAX];
  return scalar(ud, num, kwjson_format_number(v, num), YAML_PLAIN_SCALAR_STYLE);
}

static int d_string(void *ud, const char *s, size_t n)
{
  if (n > (size_t)INT_MAX)
    return -1;
  kwyaml_node probe = {0};
  kwyaml_resolve_plain(&probe, s, n);
  yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
  if (probe.kind != KWYAML_STRING || (n == 2 && memcmp(s, "<<", 2) == 0))
    style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
  else if (memchr(s, '\n', n) != NULL)
    style = YAML_LITERAL_SCALAR_STYLE;
  return scalar(ud, s, n, style);
}

static int d_begin_array(void *ud)
{
  dumper *d = ud;
  if (flush(d) != 0)
    return -1;
  d->pending = 1;
  return 0;
}

static int d_begin_object(void *ud)
{
  dumper *d = ud;
  if (flush(d) != 0)
    return -1;
  d->pending = 2;
  return 0;
}

static int d_end(dumper *d, int kind)
{
  yaml_event_t ev;
  if (d->pending != 0) {
    d->pending = 0;
    if (emit_start(d, kind, YAML_FLOW_SEQUENCE_STYLE, YAML_FLOW_MAPPING_STYLE) != 0)
      return -1;
  }
  int ok = kind == 1 ? yaml_sequence_end_event_initialize(&ev)
                     : yaml_mapping_end_event_initialize(&ev);
  return ok ? emit(d, &ev) : -1;
}

static int d_end_array(void *ud) { return d_end(ud, 1); }
static int d_end_object(void *ud) { return d_end(ud, 2); }

static const kwjson_handler dump_handler = {
  d_null, d_boolean, d_number, d_string, d_string,
  d_begin_array, d_end_array, d_begin_object, d_end_object,
};

static int emit_document(dumper *d, const char *json, size_t n, char *err, size_t errsize)
{
  yaml_event_t ev;
  if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) || emit(d, &ev) != 0 ||
      !yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) || emit(d, &ev) != 0)
    return -1;
  kwjson_error jerr;
  if (kwjson_decode(json, n, &dump_handler, d, NULL, &jerr) != 0) {
    snprintf(err, errsize, "not valid JSON: %s", jerr.message);
    return -2;
  }
  if (!yaml_document_end_event_initialize(&ev, 1) || emit(d, &ev) != 0 ||
      !yaml_stream_end_event_initialize(&ev) || emit(d, &ev) != 0)
    return -1;
  return 0;
}

int kwyaml_dump_json(const char *json, size_t n, kwbuf *out, char *err, size_t errsize)
{
  dumper d;
  d.pending = 0;
  if (!yaml_emitter_initialize(&d.emitter)) {
    snprintf(err, errsize, "out of memory");
    return -1;
  }
  yaml_emitter_set_output(&d.emitter, write_out, out);
  yaml_emitter_set_unicode(&d.emitter, 1);
  yaml_emitter_set_indent(&d.emitter, 2);
  yaml_emitter_set_width(&d.emitter, -1); /* no folding of long lines */
  int rc = emit_document(&d, json, n, err, errsize);
  if (rc == -1)
    snprintf(err, errsize, "cannot write YAML: %s",
             d.emitter.problem != NULL ? d.emitter.problem : "out of memory");
  yaml_emitter_delete(&d.emitter);
  return rc == 0 ? 0 : -1;
}
