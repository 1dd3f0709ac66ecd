/* wshandshake.h: the client side of the RFC 6455 opening handshake, as plain functions.
 *
 * kwhisk opens WebSockets over a connection libcurl made (connect-only mode, so TLS,
 * client certificates and proxies are those of every other request) and writes the
 * HTTP/1.1 Upgrade request itself: this file builds that request and checks the answer
 * (status 101, Upgrade/Connection, Sec-WebSocket-Accept, the chosen subprotocol). No I/O. */
#ifndef KWHISK_WSHANDSHAKE_H
#define KWHISK_WSHANDSHAKE_H

#include <stddef.h>

#include "kwbuf.h"

/* The response headers of a handshake may not exceed this. */
#define KWWS_MAX_RESPONSE_HEAD ((size_t)16 << 10)

/* A fresh Sec-WebSocket-Key: 16 random bytes in base64 (24 characters and a NUL). */
int kwws_make_key(char key[25]);
/* The Sec-WebSocket-Accept value a server must answer for key (28 characters + NUL). */
int kwws_accept_for(const char *key, char accept[29]);

/* Appends the Upgrade request for target (path and query) on host ("name[:port]").
 * protocols: a comma-separated list offered as Sec-WebSocket-Protocol, or NULL. token:
 * a bearer token, or NULL. -1 when the buffer refuses or a value holds a line break. */
int kwws_build_request(kwbuf *out, const char *host, const char *target, const char *key,
                       const char *protocols, const char *token);

typedef struct kwws_response {
  int status;                 /* the status code */
  size_t head_len;            /* bytes of the header block, blank line included */
  long content_length;        /* -1 when absent */
  int chunked;                /* Transfer-Encoding: chunked */
  char protocol[64];          /* the chosen subprotocol, or "" */
} kwws_response;

/* Parses a response head in buf. Returns 1 when the head is complete and, for a 101, valid
 * for key and the offered protocols (comma-separated, or NULL); 0 when more bytes are
 * needed; -1 with a message in err when it is malformed, too long or not an acceptable
 * 101 (a non-101 status returns 1: the caller reads the refusal's body). */
int kwws_parse_response(const char *buf, size_t len, const char *key, const char *protocols,
                        kwws_response *r, char *err, size_t errlen);

/* Decodes a chunked body in place (what has arrived of it); returns its decoded length.
 * *complete is set when the last chunk was seen. Malformed input ends the decoding. */
size_t kwws_dechunk(char *body, size_t len, int *complete);

#endif
