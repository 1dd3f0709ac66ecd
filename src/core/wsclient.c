/* wsclient.c: a WebSocket client connection over a connect-only request (see wsclient.h). */
#include "wsclient.h"

#include <curl/curl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wslay/wslay.h>

#include "kwbuf.h"
#include "wshandshake.h"

#define REFUSAL_BODY_MAX ((size_t)64 << 10)
/* A frame header is at most 14 bytes (2, 8 for the length, 4 for the mask). */
#define FRAME_HEAD_MAX 14
/* Payload bytes sent in one write together with a held-back frame header. */
#define JOIN_MAX ((size_t)16 << 10)

struct kwws {
  kwhttp_req *req;
  wslay_event_context_ptr ctx;
  kwws_state state;
  kwws_config cfg;
  char *strings;                 /* one allocation holding cfg's strings */
  char key[25];
  kwbuf out;                     /* the Upgrade request */
  size_t out_off;
  kwbuf in;                      /* the handshake answer (head, then refusal body) */
  size_t pre_off, pre_len;       /* frame bytes that came with the head, in `in` */
  kwws_response resp;
  int reading, eof, io_failed, opened;
  kwhttp_fail kind;
  char error[256];
  /* A frame header wslay handed over alone (WSLAY_MSG_MORE): it goes out in one write with
   * the start of its payload, so the peer never sees a header whose payload comes in a later
   * segment (lua-http 0.4's reader, behind the sim, fails on a 16-bit-length frame cut that
   * way), and a frame costs one write instead of two. */
  uint8_t join[FRAME_HEAD_MAX + JOIN_MAX];
  size_t head_len;
};

static void fail(kwws *ws, kwhttp_fail kind, const char *message)
{
  if (ws->state == KWWS_FAILED)
    return;
  ws->state = KWWS_FAILED;
  ws->kind = kind;
  if (message != ws->error) /* an I/O callback may have written the message already */
    snprintf(ws->error, sizeof ws->error, "%s", message);
}

static ssize_t on_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
                       void *ud)
{
  (void)flags;
  kwws *ws = ud;
  if (ws->pre_off < ws->pre_len) {
    size_t n = ws->pre_len - ws->pre_off;
    n = n < len ? n : len;
    memcpy(buf, ws->in.data + ws->pre_off, n);
    ws->pre_off += n;
    return (ssize_t)n;
  }
  if (!ws->reading) {
    wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
    return -1;
  }
  char err[128];
  long n = kwhttp_req_recv(ws->req, buf, len, err, sizeof err);
  if (n > 0)
    return n;
  if (n == -2) {
    wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
  } else {
    ws->eof = n == 0;
    if (n == -1) {
      ws->io_failed = 1;
      snprintf(ws->error, sizeof ws->error, "WebSocket %s", err);
    }
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
  }
  return -1;
}

/* Sends the held header and the start of data in one write; the payload bytes sent, or -2
 * when none of them went out (a partial header stays held), or -1. */
static long send_joined(kwws *ws, const uint8_t *data, size_t len, char *err, size_t errlen)
{
  size_t take = len < JOIN_MAX ? len : JOIN_MAX;
  memcpy(ws->join + ws->head_len, data, take);
  long n = kwhttp_req_send(ws->req, ws->join, ws->head_len + take, err, errlen);
  if (n < 0)
    return n;
  if ((size_t)n < ws->head_len) {
    memmove(ws->join, ws->join + n, ws->head_len - (size_t)n);
    ws->head_len -= (size_t)n;
    return -2;
  }
  n -= (long)ws->head_len;
  ws->head_len = 0;
  return n > 0 ? n : -2;
}

static ssize_t on_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                       void *ud)
{
  kwws *ws = ud;
  char err[128];
  if (ws->head_len == 0 && (flags & WSLAY_MSG_MORE) && len <= FRAME_HEAD_MAX) {
    memcpy(ws->join, data, len);
    ws->head_len = len;
    return (ssize_t)len;
  }
  long n = ws->head_len != 0 ? send_joined(ws, data, len, err, sizeof err)
                             : kwhttp_req_send(ws->req, data, len, err, sizeof err);
  if (n >= 0)
    return n;
  if (n == -2) {
    wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
  } else {
    ws->io_failed = 1;
    snprintf(ws->error, sizeof ws->error, "WebSocket %s", err);
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
  }
  return -1;
}

static int on_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *ud)
{
  (void)ud;
  if (RAND_bytes(buf, (int)len) != 1) {
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
  }
  return 0;
}

static void on_message(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                       void *ud)
{
  (void)ctx;
  kwws *ws = ud;
  if (wslay_is_ctrl_frame(arg->opcode))
    return; /* wslay answers pings and closes itself */
  if (!ws->cfg.on_message(ws->cfg.ud, arg->msg, arg->msg_length))
    ws->reading = 0;
}

static const struct wslay_event_callbacks CALLBACKS = {
  on_recv, on_send, on_genmask, NULL, NULL, NULL, on_message,
};

static char *copy_strings(kwws *ws, const kwws_config *cfg)
{
  const char *src[4] = {cfg->host, cfg->target, cfg->protocols, cfg->token};
  size_t total = 0;
  for (int i = 0; i < 4; i++)
    total += src[i] != NULL ? strlen(src[i]) + 1 : 0;
  char *p = malloc(total + 1);
  if (p == NULL)
    return NULL;
  ws->strings = p;
  const char **dst[4] = {&ws->cfg.host, &ws->cfg.target, &ws->cfg.protocols, &ws->cfg.token};
  for (int i = 0; i < 4; i++) {
    if (src[i] == NULL) {
      *dst[i] = NULL;
      continue;
    }
    size_t n = strlen(src[i]) + 1;
    memcpy(p, src[i], n);
    *dst[i] = p;
    p += n;
  }
  return ws->strings;
}

kwws *kwws_new(kwhttp_req *req, const kwws_config *cfg, char *err, size_t errlen)
{
  if (cfg->host == NULL || cfg->target == NULL || cfg->on_message == NULL) {
    snprintf(err, errlen, "a WebSocket needs a host, a target and a message callback");
    return NULL;
  }
  kwws *ws = calloc(1, sizeof *ws);
  if (ws == NULL)
    goto nomem;
  ws->cfg = *cfg;
  kwbuf_init(&ws->out, 64 << 10);
  kwbuf_init(&ws->in, KWWS_MAX_RESPONSE_HEAD + REFUSAL_BODY_MAX);
  if (copy_strings(ws, cfg) == NULL || wslay_event_context_client_init(&ws->ctx, &CALLBACKS, ws) != 0)
    goto nomem;
  wslay_event_config_set_max_recv_msg_length(ws->ctx, cfg->max_message);
  if (kwws_make_key(ws->key) != 0 ||
      kwws_build_request(&ws->out, ws->cfg.host, ws->cfg.target, ws->key, ws->cfg.protocols,
                         ws->cfg.token) != 0) {
    snprintf(err, errlen, "cannot build the WebSocket Upgrade request (a line break in a value?)");
    kwws_free(ws);
    return NULL;
  }
  ws->req = req;
  ws->state = KWWS_CONNECTING;
  return ws;
nomem:
  snprintf(err, errlen, "out of memory");
  kwws_free(ws);
  return NULL;
}

void kwws_free(kwws *ws)
{
  if (ws == NULL)
    return;
  if (ws->ctx != NULL)
    wslay_event_context_free(ws->ctx);
  kwhttp_req_free(ws->req);
  kwbuf_free(&ws->out);
  kwbuf_free(&ws->in);
  free(ws->strings);
  free(ws);
}

static int connect_done(kwws *ws)
{
  if (!kwhttp_req_done(ws->req))
    return 0;
  const char *message;
  kwhttp_fail kind = kwhttp_req_failure(ws->req, &message);
  if (kind != KWHTTP_OK) {
    fail(ws, kind, message);
    return 0;
  }
  ws->state = KWWS_HANDSHAKE;
  return 1;
}

/* Sends the rest of the Upgrade request; 1 when it is all out. */
static int send_request(kwws *ws)
{
  char err[128];
  while (ws->out_off < ws->out.len) {
    long n = kwhttp_req_send(ws->req, ws->out.data + ws->out_off, ws->out.len - ws->out_off,
                             err, sizeof err);
    if (n == -2)
      return 0;
    if (n < 0) {
      fail(ws, KWHTTP_TRANSPORT, err);
      return 0;
    }
    ws->out_off += (size_t)n;
  }
  return 1;
}

/* Reads into `in`; 1 when bytes came, 0 when none are there now, -1 at the end or failure. */
static int read_some(kwws *ws)
{
  char buf[16384];
  char err[128];
  size_t room = ws->in.max - ws->in.len;
  long n = kwhttp_req_recv(ws->req, buf, room < sizeof buf ? room : sizeof buf, err, sizeof err);
  if (n == -2)
    return 0;
  if (n < 0) {
    fail(ws, KWHTTP_TRANSPORT, err);
    return -1;
  }
  if (n == 0)
    return -1;
  kwbuf_append(&ws->in, buf, (size_t)n); /* within max: room bounded the read */
  return 1;
}

/* The refusal is complete: a chunked body is decoded in place. */
static void refused(kwws *ws)
{
  if (ws->resp.chunked) {
    int complete;
    size_t n = kwws_dechunk(ws->in.data + ws->resp.head_len, ws->in.len - ws->resp.head_len,
                            &complete);
    ws->in.len = ws->resp.head_len + n;
  }
  ws->state = KWWS_REFUSED;
}

/* Whether the chunked body in `in` has its last chunk. */
static int chunks_complete(const kwws *ws)
{
  size_t have = ws->in.len - ws->resp.head_len;
  return have >= 5 && memcmp(ws->in.data + ws->in.len - 5, "0\r\n\r\n", 5) == 0;
}

static void refused_body(kwws *ws)
{
  size_t want = ws->resp.content_length >= 0 ? (size_t)ws->resp.content_length : SIZE_MAX;
  for (;;) {
    size_t have = ws->in.len - ws->resp.head_len;
    if (have >= want || ws->in.len >= ws->in.max || (ws->resp.chunked && chunks_complete(ws))) {
      refused(ws);
      return;
    }
    int rc = read_some(ws);
    if (rc == 0)
      return;
    if (rc < 0) {
      refused(ws); /* the body so far: the end came, or the read failed */
      return;
    }
  }
}

static void read_answer(kwws *ws)
{
  char err[160];
  for (;;) {
    int rc = kwws_parse_response(ws->in.data != NULL ? ws->in.data : "", ws->in.len, ws->key,
                                 ws->cfg.protocols, &ws->resp, err, sizeof err);
    if (rc < 0) {
      fail(ws, KWHTTP_TRANSPORT, err);
      return;
    }
    if (rc > 0)
      break;
    int got = read_some(ws);
    if (got == 0 || ws->state == KWWS_FAILED)
      return;
    if (got < 0) {
      fail(ws, KWHTTP_TRANSPORT, "the server closed the connection during the WebSocket handshake");
      return;
    }
  }
  if (ws->resp.status != 101) {
    refused_body(ws);
    return;
  }
  ws->pre_off = ws->resp.head_len;
  ws->pre_len = ws->in.len;
  ws->state = KWWS_OPEN;
  ws->opened = 1;
}

static void frames(kwws *ws)
{
  int rc = 0;
  if (wslay_event_want_read(ws->ctx))
    rc = wslay_event_recv(ws->ctx);
  if (rc == 0 && wslay_event_want_write(ws->ctx))
    rc = wslay_event_send(ws->ctx);
  if (rc != 0) {
    if (ws->io_failed)
      fail(ws, KWHTTP_TRANSPORT, ws->error);
    else if (ws->eof && wslay_event_get_close_sent(ws->ctx))
      ws->state = KWWS_CLOSED;
    else if (ws->eof)
      fail(ws, KWHTTP_TRANSPORT, "the WebSocket connection was cut before its close frame");
    else if (rc == WSLAY_ERR_NOMEM)
      fail(ws, KWHTTP_TRANSPORT, "out of memory");
    else
      fail(ws, KWHTTP_TRANSPORT, "WebSocket protocol error from the server");
    return;
  }
  if (wslay_event_get_close_received(ws->ctx)) {
    uint16_t code = wslay_event_get_status_code_received(ws->ctx);
    if (code != WSLAY_CODE_NORMAL_CLOSURE && code != WSLAY_CODE_NO_STATUS_RCVD &&
        code != WSLAY_CODE_GOING_AWAY) {
      char message[96];
      snprintf(message, sizeof message, "the server closed the WebSocket with status %u",
               (unsigned)code);
      fail(ws, KWHTTP_TRANSPORT, message);
    } else if (!wslay_event_want_write(ws->ctx)) {
      ws->state = KWWS_CLOSED;
    }
  } else if (!wslay_event_get_read_enabled(ws->ctx) && !wslay_event_get_close_sent(ws->ctx)) {
    fail(ws, KWHTTP_TRANSPORT, "WebSocket protocol error from the server");
  }
}

kwws_state kwws_pump(kwws *ws, int reading)
{
  ws->reading = reading;
  if (ws->state == KWWS_CONNECTING && !connect_done(ws))
    return ws->state;
  if (ws->state == KWWS_HANDSHAKE) {
    if (!send_request(ws))
      return ws->state;
    read_answer(ws);
  }
  if (ws->state == KWWS_OPEN)
    frames(ws);
  return ws->state;
}

kwws_state kwws_get_state(const kwws *ws) { return ws->state; }

int kwws_send(kwws *ws, const uint8_t *msg, size_t len)
{
  if (ws->state != KWWS_OPEN || wslay_event_get_close_sent(ws->ctx))
    return -1;
  struct wslay_event_msg m = {WSLAY_BINARY_FRAME, msg, len};
  return wslay_event_queue_msg(ws->ctx, &m) == 0 ? 0 : -1;
}

void kwws_close(kwws *ws)
{
  if (ws->state == KWWS_OPEN && !wslay_event_get_close_sent(ws->ctx))
    wslay_event_queue_close(ws->ctx, WSLAY_CODE_NORMAL_CLOSURE, NULL, 0);
}

size_t kwws_queued(const kwws *ws)
{
  return ws->state == KWWS_OPEN ? wslay_event_get_queued_msg_length(ws->ctx) : 0;
}

int kwws_socket(const kwws *ws)
{
  return ws->state == KWWS_CONNECTING ? -1 : kwhttp_req_socket(ws->req);
}

short kwws_events(const kwws *ws, int reading)
{
  switch (ws->state) {
  case KWWS_HANDSHAKE:
    return ws->out_off < ws->out.len ? CURL_WAIT_POLLOUT : CURL_WAIT_POLLIN;
  case KWWS_OPEN: {
    short ev = 0;
    if (reading && wslay_event_want_read(ws->ctx))
      ev |= CURL_WAIT_POLLIN;
    if (wslay_event_want_write(ws->ctx))
      ev |= CURL_WAIT_POLLOUT;
    return ev;
  }
  default:
    return 0;
  }
}

const char *kwws_error(const kwws *ws, kwhttp_fail *kind)
{
  if (kind != NULL)
    *kind = ws->kind;
  return ws->error;
}

int kwws_refusal(const kwws *ws, const char **body, size_t *len)
{
  *body = ws->in.data != NULL ? ws->in.data + ws->resp.head_len : "";
  *len = ws->in.len - ws->resp.head_len;
  return ws->resp.status;
}

const char *kwws_protocol(const kwws *ws) { return ws->resp.protocol; }

kwhttp_req *kwws_request(const kwws *ws) { return ws->req; }

int kwws_opened(const kwws *ws) { return ws->opened; }
