/* wsclient.h: a WebSocket client connection over a connect-only HTTP request.
 *
 * libcurl opens the connection (TCP, proxy, TLS and client certificates as for every other
 * request, see http.h's connect_only); this file writes the Upgrade request, checks the
 * answer (wshandshake.h) and then frames messages with wslay (RFC 6455, masking included).
 * It never blocks: kwws_pump() makes all the progress the sockets allow and says which
 * poll events it waits for. Received messages go to a callback that can apply
 * back-pressure; no Lua runs here. */
#ifndef KWHISK_WSCLIENT_H
#define KWHISK_WSCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

typedef struct kwws kwws;

typedef enum kwws_state {
  KWWS_CONNECTING, /* libcurl is still connecting */
  KWWS_HANDSHAKE,  /* the Upgrade request is being sent or answered */
  KWWS_OPEN,
  KWWS_REFUSED,    /* the server answered the Upgrade with another status (kwws_refusal) */
  KWWS_CLOSED,     /* closed cleanly (close frames exchanged) */
  KWWS_FAILED,     /* connection, handshake, protocol or I/O failure (kwws_error) */
} kwws_state;

/* Takes one received message; returns 0 to stop reading until the next pump (the
 * receiver is full), non-zero to go on. */
typedef int (*kwws_message_fn)(void *ud, const uint8_t *msg, size_t len);

typedef struct kwws_config {
  const char *host;        /* the Host header, "name[:port]" */
  const char *target;      /* path and query */
  const char *protocols;   /* offered subprotocols, comma-separated, or NULL */
  const char *token;       /* bearer token, or NULL */
  size_t max_message;      /* largest message accepted */
  kwws_message_fn on_message;
  void *ud;
} kwws_config;

/* Wraps req (a connect-only request, running or done; the connection takes it over and
 * frees it). NULL with a message in err when out of memory or a value is unusable. */
kwws *kwws_new(kwhttp_req *req, const kwws_config *cfg, char *err, size_t errlen);
void kwws_free(kwws *ws);

/* Makes all progress possible now; reads only while `reading` is non-zero. */
kwws_state kwws_pump(kwws *ws, int reading);
kwws_state kwws_get_state(const kwws *ws);
/* Queues one binary message (copied). -1 when not open or out of memory. */
int kwws_send(kwws *ws, const uint8_t *msg, size_t len);
/* Queues a normal close; the state becomes CLOSED once the server's close arrives. */
void kwws_close(kwws *ws);
/* Bytes queued and not yet written to the socket. */
size_t kwws_queued(const kwws *ws);
/* The connection's socket (-1 while connecting) and the CURL_WAIT_POLL* events to poll. */
int kwws_socket(const kwws *ws);
short kwws_events(const kwws *ws, int reading);
/* Why the connection failed (FAILED) and how (the transport's classification). */
const char *kwws_error(const kwws *ws, kwhttp_fail *kind);
/* A refused Upgrade: the status, and the body (at most 64 KiB). */
int kwws_refusal(const kwws *ws, const char **body, size_t *len);
/* The request the connection runs on (its id names the connection to the loop). */
kwhttp_req *kwws_request(const kwws *ws);
/* Whether the server accepted the Upgrade (whatever happened after). */
int kwws_opened(const kwws *ws);
/* The subprotocol the server chose. */
const char *kwws_protocol(const kwws *ws);

#endif
