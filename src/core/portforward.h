/* portforward.h: a local listener whose connections are forwarded to a pod's port.
 *
 * kwpf_open binds a loopback port; every accepted connection gets its own WebSocket to
 * the API server's pods/{name}/portforward (wsclient.h, channels as pfchan.h) and bytes are
 * pumped both ways from the event loop's watches (http.h): no thread, and many forwards
 * and connections share the loop with every other transfer. Each direction buffers at
 * most `buffer` bytes (plus one message) and stops reading when full. A connection that
 * fails (refused Upgrade, cut WebSocket, error channel) is reset, so its client sees the
 * failure, and the failure is kept as an error record the owner reads. */
#ifndef KWHISK_PORTFORWARD_H
#define KWHISK_PORTFORWARD_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

typedef struct kwpf kwpf;

typedef struct kwpf_options {
  kwhttp_options http;     /* url of .../portforward?ports=N; TLS, token, connect timeout */
  const char *host;        /* Host header of the Upgrade request */
  const char *target;      /* its path and query */
  uint16_t port;           /* the pod's port */
  uint16_t local_port;     /* 0: any free port */
  size_t buffer;           /* per direction; 0: 256 KiB */
  int probe;               /* open one WebSocket at once to check the server accepts it */
} kwpf_options;

#define KWPF_DEFAULT_BUFFER ((size_t)256 << 10)
#define KWPF_MAX_MESSAGE ((size_t)1 << 20)

/* One failure of a connection (or of the probe). */
typedef struct kwpf_error {
  uint64_t seq;            /* 1, 2, ... in order of occurrence */
  const char *kind;        /* "transport", "timeout", "tls", "refused", "port_forward" */
  const char *message;
  int status;              /* refused: the HTTP status */
  const char *body;        /* refused: the response body */
  size_t body_len;
} kwpf_error;

kwpf *kwpf_open(kwhttp_loop *loop, const kwpf_options *opt, char *err, size_t errlen);
/* Stops the listener and ends every connection; idempotent. */
void kwpf_close(kwpf *pf);
void kwpf_free(kwpf *pf);
uint16_t kwpf_local_port(const kwpf *pf);
size_t kwpf_connections(const kwpf *pf);   /* open now */
uint64_t kwpf_accepted(const kwpf *pf);    /* since the start */
/* The probe: 0 still running, 1 accepted, -1 failed (see the errors). */
int kwpf_probe_result(const kwpf *pf);
/* The id of the probe's request: the loop lists it as ready when the probe finishes. */
uint64_t kwpf_probe_id(const kwpf *pf);
/* The oldest error with seq > *cursor: fills *e, advances *cursor and returns 1; 0 when
 * there is none. Only the last 32 errors are kept. */
int kwpf_next_error(const kwpf *pf, uint64_t *cursor, kwpf_error *e);

#endif
