/* portforward.c: local listener and per-connection pumps of a port-forward (see
 * portforward.h). */
#define _GNU_SOURCE /* accept4 */
#include "portforward.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kwbuf.h"
#include "pfchan.h"
#include "wsclient.h"

#define MAX_ERRORS 32
#define READ_CHUNK ((size_t)64 << 10)
#define ERROR_TEXT_MAX ((size_t)4 << 10)
#define PROTOCOLS "v4.channel.k8s.io, portforward.k8s.io"

typedef struct conn conn;

static void on_socket(void *ud, short revents);
static int probe_pump(conn *c);

typedef struct record {
  uint64_t seq;
  char kind[16];
  char message[320];
  int status;
  char *body;
  size_t body_len;
} record;

struct kwpf {
  kwhttp_loop *loop;
  kwpf_options opt;                /* strings point into `strings` */
  char *strings;
  int lfd;
  unsigned lwatch;
  uint16_t local_port;
  conn *conns;
  size_t nconns;
  uint64_t accepted;
  conn *probe;
  int probe_result;
  record errors[MAX_ERRORS];
  uint64_t nerrors;
  int closed;
};

struct conn {
  kwpf *pf;
  conn *prev, *next;
  int fd;                          /* the local socket; -1 for the probe */
  unsigned fwatch, swatch;
  int sock;                        /* the WebSocket's socket once known */
  kwws *ws;
  kwpf_chan chan;
  kwbuf to_local;                  /* data channel bytes not yet written locally */
  size_t to_local_off;
  kwbuf errtext;                   /* error channel text */
  uint8_t *chunk;                  /* channel byte + a local read */
  int local_eof, failed, done;
  char failure[256];
};

static void add_error(kwpf *pf, const char *kind, const char *message, int status,
                      const char *body, size_t body_len)
{
  record *r = &pf->errors[pf->nerrors % MAX_ERRORS];
  free(r->body);
  memset(r, 0, sizeof *r);
  r->seq = ++pf->nerrors;
  snprintf(r->kind, sizeof r->kind, "%s", kind);
  snprintf(r->message, sizeof r->message, "%s", message);
  r->status = status;
  if (body_len != 0 && (r->body = malloc(body_len)) != NULL) {
    memcpy(r->body, body, body_len);
    r->body_len = body_len;
  }
}

static int on_message(void *ud, const uint8_t *msg, size_t len)
{
  conn *c = ud;
  int channel;
  const uint8_t *data;
  size_t n;
  char err[160];
  if (c->failed)
    return 0;
  if (kwpf_chan_decode(&c->chan, msg, len, &channel, &data, &n, err, sizeof err) != 0) {
    c->failed = 1;
    snprintf(c->failure, sizeof c->failure, "%s", err);
    return 0;
  }
  kwbuf *dst = channel == KWPF_DATA_CHANNEL ? &c->to_local : &c->errtext;
  if (channel == KWPF_ERROR_CHANNEL && dst->len + n > dst->max)
    n = dst->max - dst->len; /* the error text is kept in part, never grows unbounded */
  if (n != 0 && kwbuf_append(dst, data, n) != 0) {
    c->failed = 1;
    snprintf(c->failure, sizeof c->failure, "out of memory");
    return 0;
  }
  return c->to_local.len - c->to_local_off < c->pf->opt.buffer;
}

static void conn_free(conn *c)
{
  kwpf *pf = c->pf;
  if (c->prev != NULL)
    c->prev->next = c->next;
  else if (pf->conns == c)
    pf->conns = c->next;
  if (c->next != NULL)
    c->next->prev = c->prev;
  if (c != pf->probe)
    pf->nconns--;
  if (c->fwatch != 0)
    kwhttp_watch_remove(pf->loop, c->fwatch);
  if (c->swatch != 0)
    kwhttp_watch_remove(pf->loop, c->swatch);
  if (c->fd >= 0)
    close(c->fd);
  kwws_free(c->ws);
  kwbuf_free(&c->to_local);
  kwbuf_free(&c->errtext);
  free(c->chunk);
  free(c);
}

/* Ends the local connection with a reset, so its client sees that something failed. */
static void reset_local(conn *c)
{
  if (c->fd < 0)
    return;
  struct linger lg = {1, 0};
  setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(c->fd);
  c->fd = -1;
}

static void record_failure(conn *c)
{
  kwpf *pf = c->pf;
  kwhttp_fail kind = KWHTTP_TRANSPORT;
  kwws_state st = kwws_get_state(c->ws);
  if (c->errtext.len != 0) {
    add_error(pf, "port_forward", c->errtext.data, 0, NULL, 0);
  } else if (c->failed) {
    add_error(pf, "port_forward", c->failure, 0, NULL, 0);
  } else if (st == KWWS_REFUSED) {
    const char *body;
    size_t len;
    int status = kwws_refusal(c->ws, &body, &len);
    char message[96];
    snprintf(message, sizeof message, "the server refused the port-forward upgrade (HTTP %d)",
             status);
    add_error(pf, "refused", message, status, body, len);
  } else {
    const char *message = kwws_error(c->ws, &kind);
    add_error(pf, kwhttp_fail_name(kind), message, 0, NULL, 0);
  }
}

/* Writes pending data channel bytes locally; 1 when some went out. */
static int write_local(conn *c)
{
  size_t pending = c->to_local.len - c->to_local_off;
  if (pending == 0 || c->fd < 0)
    return 0;
  ssize_t n = send(c->fd, c->to_local.data + c->to_local_off, pending, MSG_NOSIGNAL);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      c->local_eof = 1; /* the local client is gone: nothing more to deliver */
      kwbuf_reset(&c->to_local);
      c->to_local_off = 0;
      kwws_close(c->ws);
    }
    return 0;
  }
  c->to_local_off += (size_t)n;
  if (c->to_local_off == c->to_local.len) {
    kwbuf_reset(&c->to_local);
    c->to_local_off = 0;
  }
  return n > 0;
}

/* Reads the local socket into one data channel message; 1 when it made progress. */
static int read_local(conn *c)
{
  if (c->local_eof || c->fd < 0 || kwws_get_state(c->ws) != KWWS_OPEN ||
      kwws_queued(c->ws) >= c->pf->opt.buffer)
    return 0;
  ssize_t n = recv(c->fd, c->chunk + 1, READ_CHUNK, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return 0;
  if (n <= 0) {
    c->local_eof = 1;
    kwws_close(c->ws);
    return 1;
  }
  c->chunk[0] = KWPF_DATA_CHANNEL;
  if (kwws_send(c->ws, c->chunk, (size_t)n + 1) != 0) {
    c->failed = 1;
    snprintf(c->failure, sizeof c->failure, "cannot queue a WebSocket message (out of memory)");
  }
  return 1;
}

static void conn_watch(conn *c)
{
  kwpf *pf = c->pf;
  int reading = c->to_local.len - c->to_local_off < pf->opt.buffer;
  if (c->swatch == 0 && (c->sock = kwws_socket(c->ws)) >= 0)
    c->swatch = kwhttp_watch_add(pf->loop, c->sock, 0, on_socket, c);
  if (c->swatch != 0)
    kwhttp_watch_set(pf->loop, c->swatch, kwws_events(c->ws, reading));
  if (c->fwatch != 0) {
    short ev = 0;
    if (!c->local_eof && kwws_get_state(c->ws) == KWWS_OPEN && kwws_queued(c->ws) < pf->opt.buffer)
      ev |= CURL_WAIT_POLLIN;
    if (c->to_local.len > c->to_local_off)
      ev |= CURL_WAIT_POLLOUT;
    kwhttp_watch_set(pf->loop, c->fwatch, ev);
  }
}


/* Whether the connection is over: the WebSocket ended and the local side is flushed. */
static int conn_over(conn *c)
{
  kwws_state st = kwws_get_state(c->ws);
  if (c->failed || st == KWWS_FAILED || st == KWWS_REFUSED) {
    record_failure(c);
    reset_local(c);
    return 1;
  }
  if (st != KWWS_CLOSED || (c->fd >= 0 && c->to_local.len > c->to_local_off && !c->local_eof))
    return 0;
  if (c->errtext.len != 0) {
    record_failure(c);
    reset_local(c);
  }
  return 1;
}

static void conn_pump(conn *c)
{
  for (int round = 0; round < 64; round++) {
    int reading = c->to_local.len - c->to_local_off < c->pf->opt.buffer && !c->failed;
    kwws_pump(c->ws, reading);
    if (c == c->pf->probe)
      break;
    int moved = read_local(c);
    moved |= write_local(c);
    if (!moved)
      break;
  }
  if (c == c->pf->probe) {
    if (probe_pump(c))
      return;
  } else if (conn_over(c)) {
    conn_free(c);
    return;
  }
  conn_watch(c);
}

static void on_socket(void *ud, short revents)
{
  (void)revents;
  conn_pump(ud);
}

static void on_connected(void *ud)
{
  conn_pump(ud);
}

static conn *conn_new(kwpf *pf, int fd)
{
  char err[160] = "";
  conn *c = calloc(1, sizeof *c);
  if (c == NULL)
    return NULL;
  c->pf = pf;
  c->fd = fd;
  c->sock = -1;
  kwpf_chan_init(&c->chan, pf->opt.port);
  kwbuf_init(&c->to_local, pf->opt.buffer + KWPF_MAX_MESSAGE);
  kwbuf_init(&c->errtext, ERROR_TEXT_MAX);
  kwhttp_options http = pf->opt.http;
  http.connect_only = 1;
  http.stream = 0;
  kwws_config cfg = {pf->opt.host, pf->opt.target, PROTOCOLS, http.token, KWPF_MAX_MESSAGE,
                     on_message, c};
  kwhttp_req *req = NULL;
  if ((fd < 0 || (c->chunk = malloc(READ_CHUNK + 1)) != NULL) &&
      (req = kwhttp_req_start(pf->loop, &http, err, sizeof err)) != NULL &&
      (c->ws = kwws_new(req, &cfg, err, sizeof err)) != NULL &&
      (fd < 0 || (c->fwatch = kwhttp_watch_add(pf->loop, fd, 0, on_socket, c)) != 0)) {
    kwhttp_req_on_done(req, on_connected, c);
    c->next = pf->conns;
    if (pf->conns != NULL)
      pf->conns->prev = c;
    pf->conns = c;
    return c;
  }
  if (c->ws == NULL)
    kwhttp_req_free(req);
  kwws_free(c->ws);
  free(c->chunk);
  kwbuf_free(&c->to_local);
  kwbuf_free(&c->errtext);
  free(c);
  add_error(pf, "transport", err[0] != '\0' ? err : "out of memory", 0, NULL, 0);
  return NULL;
}

static void probe_finish(conn *c, int result)
{
  c->pf->probe_result = result;
  kwhttp_req_wake(kwws_request(c->ws));
}

/* The probe: once open it is closed again; it stays (idle, unwatched) until the forward is
 * freed, so the loop can still report its id. 1 when it needs no more watching. */
static int probe_pump(conn *c)
{
  kwws_state st = kwws_get_state(c->ws);
  if (kwws_opened(c->ws) && c->pf->probe_result == 0) {
    probe_finish(c, 1);
    kwws_close(c->ws);
    st = kwws_pump(c->ws, 1);
  }
  if (st == KWWS_FAILED || st == KWWS_REFUSED || st == KWWS_CLOSED) {
    if (c->pf->probe_result == 0) {
      record_failure(c);
      probe_finish(c, -1);
    }
    if (c->swatch != 0)
      kwhttp_watch_remove(c->pf->loop, c->swatch);
    c->swatch = 0;
    return 1;
  }
  return 0;
}

static void accept_all(void *ud, short revents)
{
  (void)revents;
  kwpf *pf = ud;
  for (;;) {
    int fd = accept4(pf->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED) {
        char message[128];
        snprintf(message, sizeof message, "accept on the local port: %s", strerror(errno));
        add_error(pf, "transport", message, 0, NULL, 0);
      }
      return;
    }
    pf->accepted++;
    if (conn_new(pf, fd) == NULL) {
      struct linger lg = {1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      close(fd);
      continue;
    }
    pf->nconns++;
  }
}

static char *dup_len(char **p, const char *s, size_t len)
{
  if (s == NULL)
    return NULL;
  char *d = *p;
  memcpy(d, s, len);
  d[len] = '\0';
  *p += len + 1;
  return d;
}

/* Copies the option strings into one allocation. */
static int keep_options(kwpf *pf, const kwpf_options *opt)
{
  const kwhttp_options *h = &opt->http;
  size_t url = strlen(h->url), tok = h->token ? strlen(h->token) : 0;
  size_t host = strlen(opt->host), target = strlen(opt->target);
  size_t total = url + tok + host + target + h->ca_len + h->cert_len + h->key_len + 8;
  char *p = malloc(total);
  if (p == NULL)
    return -1;
  pf->strings = p;
  pf->opt = *opt;
  kwhttp_options *k = &pf->opt.http;
  memset(k, 0, sizeof *k);
  k->url = dup_len(&p, h->url, url);
  k->token = dup_len(&p, h->token, tok);
  k->ca = dup_len(&p, h->ca, h->ca_len);
  k->ca_len = h->ca_len;
  k->cert = dup_len(&p, h->cert, h->cert_len);
  k->cert_len = h->cert_len;
  k->key = dup_len(&p, h->key, h->key_len);
  k->key_len = h->key_len;
  k->insecure = h->insecure;
  k->connect_timeout_ms = h->connect_timeout_ms;
  pf->opt.host = dup_len(&p, opt->host, host);
  pf->opt.target = dup_len(&p, opt->target, target);
  if (pf->opt.buffer == 0)
    pf->opt.buffer = KWPF_DEFAULT_BUFFER;
  return 0;
}

static int listen_local(kwpf *pf, char *err, size_t errlen)
{
  pf->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(pf->opt.local_port);
  socklen_t salen = sizeof sa;
  int one = 1;
  if (pf->lfd < 0 || setsockopt(pf->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(pf->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(pf->lfd, 128) != 0 ||
      getsockname(pf->lfd, (struct sockaddr *)&sa, &salen) != 0) {
    snprintf(err, errlen, "cannot listen on 127.0.0.1:%u: %s", (unsigned)pf->opt.local_port,
             strerror(errno));
    return -1;
  }
  pf->local_port = ntohs(sa.sin_port);
  pf->lwatch = kwhttp_watch_add(pf->loop, pf->lfd, CURL_WAIT_POLLIN, accept_all, pf);
  if (pf->lwatch == 0) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  return 0;
}

kwpf *kwpf_open(kwhttp_loop *loop, const kwpf_options *opt, char *err, size_t errlen)
{
  if (opt->http.url == NULL || opt->host == NULL || opt->target == NULL || opt->port == 0) {
    snprintf(err, errlen, "a port-forward needs a url, host, target and a port (1-65535)");
    return NULL;
  }
  kwpf *pf = calloc(1, sizeof *pf);
  if (pf == NULL || keep_options(pf, opt) != 0) {
    free(pf);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  pf->loop = loop;
  pf->lfd = -1;
  if (listen_local(pf, err, errlen) != 0) {
    kwpf_free(pf);
    return NULL;
  }
  if (opt->probe) {
    pf->probe = conn_new(pf, -1);
    if (pf->probe == NULL) {
      snprintf(err, errlen, "%s", pf->errors[0].message);
      kwpf_free(pf);
      return NULL;
    }
  }
  return pf;
}

void kwpf_close(kwpf *pf)
{
  if (pf->closed)
    return;
  pf->closed = 1;
  if (pf->lwatch != 0)
    kwhttp_watch_remove(pf->loop, pf->lwatch);
  pf->lwatch = 0;
  if (pf->lfd >= 0)
    close(pf->lfd);
  pf->lfd = -1;
  while (pf->conns != NULL)
    conn_free(pf->conns);
  pf->probe = NULL;
}

void kwpf_free(kwpf *pf)
{
  if (pf == NULL)
    return;
  kwpf_close(pf);
  for (size_t i = 0; i < MAX_ERRORS; i++)
    free(pf->errors[i].body);
  free(pf->strings);
  free(pf);
}

uint16_t kwpf_local_port(const kwpf *pf) { return pf->local_port; }
size_t kwpf_connections(const kwpf *pf) { return pf->nconns; }
uint64_t kwpf_accepted(const kwpf *pf) { return pf->accepted; }
int kwpf_probe_result(const kwpf *pf) { return pf->probe_result; }

uint64_t kwpf_probe_id(const kwpf *pf)
{
  return pf->probe != NULL ? kwhttp_req_id(kwws_request(pf->probe->ws)) : 0;
}

int kwpf_next_error(const kwpf *pf, uint64_t *cursor, kwpf_error *e)
{
  uint64_t first = pf->nerrors > MAX_ERRORS ? pf->nerrors - MAX_ERRORS + 1 : 1;
  uint64_t seq = *cursor + 1 > first ? *cursor + 1 : first;
  if (seq > pf->nerrors)
    return 0;
  const record *r = &pf->errors[(seq - 1) % MAX_ERRORS];
  *e = (kwpf_error){r->seq, r->kind, r->message, r->status, r->body, r->body_len};
  *cursor = seq;
  return 1;
}
