/* fuzz_yaml.c: libFuzzer target for the YAML loader (yamlload.h) and writer (yamldump.h).
 * Every input either loads or fails with a positioned message; loaded trees must
 * respect the node and depth limits. Inputs are also fed to the writer as JSON. */
#include <stdint.h>
#include <stdlib.h>

#include "kwbuf.h"
#include "yamldump.h"
#include "yamlload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  kwyaml_stream s = {0};
  kwyaml_error err;
  if (kwyaml_load((const char *)data, size, &s, &err) == 0) {
    for (size_t i = 0; i < s.n; i++)
      if (s.docs[i]->weight > 2 * (size_t)KWYAML_MAX_NODES ||
          s.docs[i]->height > KWYAML_MAX_DEPTH)
        abort();
    kwyaml_stream_free(&s);
  } else if (err.line == 0 || err.column == 0 || s.n != 0) {
    abort();
  }
  kwbuf out;
  char msg[200];
  kwbuf_init(&out, 0);
  kwyaml_dump_json((const char *)data, size, &out, msg, sizeof msg);
  kwbuf_free(&out);
  return 0;
}
