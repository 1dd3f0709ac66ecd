/* pfchan.h: the Kubernetes port-forward channel protocol over WebSocket messages.
 *
 * With subprotocol v4.channel.k8s.io (or portforward.k8s.io), every binary message starts
 * with a channel byte. For the i-th forwarded port, channel 2i carries data and 2i+1 the
 * error text; the server's first message on each channel starts with the port number as
 * two little-endian bytes. kwhisk forwards one port per WebSocket, so channels 0 and 1.
 * This file decodes the messages the server sends and frames the ones the client sends.
 * No I/O; it is what the fuzzer drives. */
#ifndef KWHISK_PFCHAN_H
#define KWHISK_PFCHAN_H

#include <stddef.h>
#include <stdint.h>

#define KWPF_DATA_CHANNEL 0
#define KWPF_ERROR_CHANNEL 1

typedef struct kwpf_chan {
  uint16_t port;        /* the port this stream forwards */
  unsigned prefix[2];   /* bytes of the port prefix seen on each channel (0..2) */
  uint8_t prefix_lo[2]; /* the first prefix byte, until the second arrives */
} kwpf_chan;

void kwpf_chan_init(kwpf_chan *c, uint16_t port);

/* Decodes one message from the server. On success returns 0 and sets *channel and the
 * payload (*data, *len; 0 bytes when the message held only the port prefix). Returns -1
 * with a message in err for an empty message, an unknown channel or a port prefix naming
 * another port. */
int kwpf_chan_decode(kwpf_chan *c, const uint8_t *msg, size_t len, int *channel,
                     const uint8_t **data, size_t *len_out, char *err, size_t errlen);

#endif
