/* http.h: the HTTP transport of the C core, on libcurl's multi interface.
 *
 * A kwhttp_loop owns one curl_multi, so all requests made through it share one
 * connection cache (keep-alive, HTTP/2 multiplexing when the server offers it). The
 * loop never blocks on its own: kwhttp_loop_step() waits at most a given time, drives
 * every transfer and reports which requests progressed (finished, got their headers, or
 * got streamed bytes), so a caller (the Lua scheduler) can resume exactly those.
 *
 * A response body goes either into a bounded buffer (normal requests), into a pending
 * queue the caller drains, by copy or by hand-over (raw streaming; the transfer pauses
 * while the queue is full; the log reader reads handed-over bytes in place). Credentials (token, client key) are
 * passed to libcurl only; no message built here ever contains a header value. */
#ifndef KWHISK_HTTP_H
#define KWHISK_HTTP_H

#include <stddef.h>
#include <stdint.h>

typedef struct kwhttp_loop kwhttp_loop;
typedef struct kwhttp_req kwhttp_req;

/* Where a failed request went wrong. */
typedef enum kwhttp_fail {
  KWHTTP_OK = 0,
  KWHTTP_TIMEOUT,   /* connect, read (low-speed) or total timeout */
  KWHTTP_TLS,       /* certificate verification or TLS handshake */
  KWHTTP_TRANSPORT, /* connection refused or reset, bad response, ... */
  KWHTTP_TOO_LARGE, /* the body passed max_body */
} kwhttp_fail;

typedef struct kwhttp_options {
  const char *method;             /* "GET" when NULL */
  const char *url;                /* required */
  const char *const *headers;     /* "Name: value" lines */
  size_t nheaders;
  const char *token;              /* bearer token, or NULL */
  const char *body;               /* request body, or NULL */
  size_t body_len;
  const char *ca, *cert, *key;    /* PEM in memory, or NULL */
  size_t ca_len, cert_len, key_len;
  int insecure;                   /* skip peer and host verification */
  long connect_timeout_ms;        /* 0: libcurl's default */
  long read_timeout_s;            /* abort after this long without a byte; 0: never */
  long timeout_ms;                /* whole request; 0: no limit */
  size_t max_body;                /* buffered body limit; 0: 64 MiB */
  int stream;                     /* body into the pending queue */
  size_t stream_buffer;           /* pending bytes before the transfer pauses; 0: 1 MiB */
  int connect_only;               /* connect (TCP, proxy, TLS) and stop: the caller then talks
                                     over kwhttp_req_send/recv (WebSocket upgrades) */
} kwhttp_options;

#define KWHTTP_DEFAULT_MAX_BODY ((size_t)64 << 20)
#define KWHTTP_DEFAULT_STREAM_BUFFER ((size_t)1 << 20)
/* libcurl's receive buffer for streamed bodies (its default is 16 KiB): fewer, larger
 * reads of a fast log, as the curl command line does with its 100 KiB. */
#define KWHTTP_STREAM_RECV_BUFFER (128L << 10)

kwhttp_loop *kwhttp_loop_new(void);
/* Frees the loop; requests still alive are detached (they fail as aborted). */
void kwhttp_loop_free(kwhttp_loop *loop);
/* Number of requests in flight. */
size_t kwhttp_loop_active(const kwhttp_loop *loop);
/* Waits up to timeout_ms for network activity, drives all transfers, and records the
 * requests that progressed; returns 0, or -1 with a message in err. */
int kwhttp_loop_step(kwhttp_loop *loop, int timeout_ms, char *err, size_t errlen);
/* The requests that progressed in the last step (valid until the next step or free). */
kwhttp_req *const *kwhttp_loop_ready(const kwhttp_loop *loop, size_t *n);

/* Starts a request; NULL with a message in err on bad options or no memory. */
kwhttp_req *kwhttp_req_start(kwhttp_loop *loop, const kwhttp_options *opt, char *err,
                             size_t errlen);
/* Aborts the transfer at once (if still running) and frees everything. */
void kwhttp_req_free(kwhttp_req *req);

uint64_t kwhttp_req_id(const kwhttp_req *req);
int kwhttp_req_done(const kwhttp_req *req);
/* Whether the final response's headers have all arrived (or the request is done). */
int kwhttp_req_headers_done(const kwhttp_req *req);
long kwhttp_req_status(const kwhttp_req *req);
/* The final response's raw header block ("Name: value\r\n" lines, status line first). */
const char *kwhttp_req_headers(const kwhttp_req *req, size_t *len);
/* The buffered body (not streaming). */
const char *kwhttp_req_body(const kwhttp_req *req, size_t *len);
/* KWHTTP_OK, or the failure and its message (never containing a credential). */
kwhttp_fail kwhttp_req_failure(const kwhttp_req *req, const char **message);
/* Streaming: the bytes received and not yet taken. */
const char *kwhttp_req_pending(const kwhttp_req *req, size_t *len);
/* Streaming: forgets the pending bytes and resumes a paused transfer. */
void kwhttp_req_consume(kwhttp_req *req);
/* Streaming: hands the pending bytes over without copying them and resumes a paused
 * transfer. The bytes returned stay valid and unchanged until the next kwhttp_req_hand
 * or kwhttp_req_free (so a zero-copy consumer such as the log reader may point into
 * them); NULL with *len 0 when nothing is pending. Memory stays bounded by about twice
 * the stream buffer: the bytes handed over and those queued behind them. */
const char *kwhttp_req_hand(kwhttp_req *req, size_t *len);

const char *kwhttp_fail_name(kwhttp_fail fail);

/* Connect-only requests: once done without a failure, the connection stays open (kept by
 * the loop's multi handle until kwhttp_req_free) and these move raw bytes over it, TLS
 * included. Both return the byte count, 0 at the peer's end of stream (recv only), -2
 * when the socket would block, or -1 with a message in err. */
long kwhttp_req_send(kwhttp_req *req, const void *data, size_t len, char *err, size_t errlen);
long kwhttp_req_recv(kwhttp_req *req, void *buf, size_t len, char *err, size_t errlen);
/* The connected socket of a connect-only request, or -1. */
int kwhttp_req_socket(const kwhttp_req *req);
/* Calls fn(ud) from kwhttp_loop_step once the request is done (after its ready mark);
 * fn may free the request. No Lua and no libcurl callback is on the stack then. */
void kwhttp_req_on_done(kwhttp_req *req, void (*fn)(void *ud), void *ud);
/* Lists the request among those that progressed in this step (a C owner of a connection
 * uses it to wake the Lua task that waits on the request's id). */
void kwhttp_req_wake(kwhttp_req *req);

/* Extra file descriptors polled together with the transfers (local sockets of a
 * port-forward, say). Each step, the watches whose fd is ready get fn(ud, revents), after
 * the poll and outside every libcurl callback; fn may add, change or remove watches.
 * kwhttp_watch_add returns a watch id (> 0), or 0 when out of memory. */
typedef void (*kwhttp_watch_fn)(void *ud, short revents);
unsigned kwhttp_watch_add(kwhttp_loop *loop, int fd, short events, kwhttp_watch_fn fn,
                          void *ud);
void kwhttp_watch_set(kwhttp_loop *loop, unsigned id, short events);
void kwhttp_watch_remove(kwhttp_loop *loop, unsigned id);
/* Number of watches: a loop with watches has work even without transfers. */
size_t kwhttp_loop_watches(const kwhttp_loop *loop);

#endif
