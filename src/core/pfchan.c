/* pfchan.c: decoding the port-forward channel protocol (see pfchan.h). */
#include "pfchan.h"

#include <stdio.h>

void kwpf_chan_init(kwpf_chan *c, uint16_t port)
{
  c->port = port;
  c->prefix[0] = c->prefix[1] = 0;
  c->prefix_lo[0] = c->prefix_lo[1] = 0;
}

int kwpf_chan_decode(kwpf_chan *c, const uint8_t *msg, size_t len, int *channel,
                     const uint8_t **data, size_t *len_out, char *err, size_t errlen)
{
  if (len == 0) {
    snprintf(err, errlen, "port-forward: an empty message (no channel byte)");
    return -1;
  }
  int ch = msg[0];
  if (ch != KWPF_DATA_CHANNEL && ch != KWPF_ERROR_CHANNEL) {
    snprintf(err, errlen, "port-forward: a message on unknown channel %d", ch);
    return -1;
  }
  const uint8_t *p = msg + 1;
  size_t n = len - 1;
  /* The prefix may in principle be split over messages: take it byte by byte. */
  while (c->prefix[ch] < 2 && n > 0) {
    if (c->prefix[ch] == 0) {
      c->prefix_lo[ch] = *p;
    } else {
      unsigned port = c->prefix_lo[ch] | (unsigned)*p << 8;
      if (port != c->port) {
        snprintf(err, errlen, "port-forward: channel %d names port %u, expected %u", ch, port,
                 (unsigned)c->port);
        return -1;
      }
    }
    c->prefix[ch]++;
    p++;
    n--;
  }
  *channel = ch;
  *data = p;
  *len_out = n;
  return 0;
}
