/* fuzz_ws.c: libFuzzer target for what a port-forward reads from the server: the
 * handshake answer (wshandshake), a chunked refusal body, and frames (wslay, client side)
 * carrying channel messages (pfchan). Input: one byte choosing the part, then the bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <wslay/wslay.h>

#include "pfchan.h"
#include "wshandshake.h"

typedef struct feed {
  const uint8_t *p;
  size_t n;
  kwpf_chan chan;
} feed;

static ssize_t on_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *ud)
{
  (void)flags;
  feed *f = ud;
  if (f->n == 0) {
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
  }
  size_t k = len < f->n ? len : f->n;
  k = k > 7 ? 7 : k; /* small reads: frames split everywhere */
  memcpy(buf, f->p, k);
  f->p += k;
  f->n -= k;
  return (ssize_t)k;
}

static ssize_t on_send(wslay_event_context_ptr ctx, const uint8_t *d, size_t len, int flags,
                       void *ud)
{
  (void)ctx, (void)d, (void)flags, (void)ud;
  return (ssize_t)len;
}

static int on_mask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *ud)
{
  (void)ctx, (void)ud;
  memset(buf, 0x5a, len);
  return 0;
}

static void on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                   void *ud)
{
  (void)ctx;
  feed *f = ud;
  if (arg->opcode != WSLAY_BINARY_FRAME)
    return;
  int ch;
  const uint8_t *data;
  size_t n;
  char err[128];
  if (kwpf_chan_decode(&f->chan, arg->msg, arg->msg_length, &ch, &data, &n, err, sizeof err) == 0 &&
      n != 0 && (data < arg->msg || data + n > arg->msg + arg->msg_length))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  int part = data[0] % 3;
  data++, size--;
  if (part == 0) {
    kwws_response r;
    char err[160];
    kwws_parse_response((const char *)data, size, "dGhlIHNhbXBsZSBub25jZQ==",
                        "v4.channel.k8s.io, portforward.k8s.io", &r, err, sizeof err);
  } else if (part == 1) {
    char *copy = malloc(size + 1);
    if (copy == NULL)
      return 0;
    memcpy(copy, data, size);
    int complete;
    if (kwws_dechunk(copy, size, &complete) > size)
      abort();
    free(copy);
  } else {
    static const struct wslay_event_callbacks cb = {on_recv, on_send, on_mask, NULL, NULL, NULL,
                                                    on_msg};
    feed f = {data, size, {0}};
    kwpf_chan_init(&f.chan, 8080);
    wslay_event_context_ptr ctx;
    if (wslay_event_context_client_init(&ctx, &cb, &f) != 0)
      return 0;
    wslay_event_config_set_max_recv_msg_length(ctx, 1 << 16);
    while (f.n != 0 && wslay_event_want_read(ctx) && wslay_event_recv(ctx) == 0)
      ;
    wslay_event_context_free(ctx);
  }
  return 0;
}
