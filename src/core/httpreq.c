/* httpreq.c: one request of the HTTP transport (see http.h): its options, the libcurl
 * callbacks that fill its header block and body (buffered, or queued for a stream), its
 * completion, and the raw send/receive of connect-only requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpint.h"

const char *kwhttp_fail_name(kwhttp_fail fail)
{
  switch (fail) {
  case KWHTTP_OK: return "ok";
  case KWHTTP_TIMEOUT: return "timeout";
  case KWHTTP_TLS: return "tls";
  case KWHTTP_TRANSPORT: return "transport";
  case KWHTTP_TOO_LARGE: return "too_large";
  }
  return "transport";
}

void kwhttp_req_fail(kwhttp_req *req, kwhttp_fail fail, const char *message)
{
  if (req->fail != KWHTTP_OK)
    return; /* the first cause is the one worth reporting */
  req->fail = fail;
  snprintf(req->message, sizeof req->message, "%s", message);
}

static kwhttp_fail classify(CURLcode code)
{
  switch (code) {
  case CURLE_OPERATION_TIMEDOUT:
    return KWHTTP_TIMEOUT;
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_SHUTDOWN_FAILED:
  case CURLE_USE_SSL_FAILED:
    return KWHTTP_TLS;
  default:
    return KWHTTP_TRANSPORT;
  }
}

void kwhttp_req_finish(kwhttp_req *req, CURLcode code)
{
  kwhttp_loop *loop = req->loop;
  /* A connect-only connection lives only while its handle stays in the multi. */
  if (!req->connect_only || code != CURLE_OK) {
    curl_multi_remove_handle(req->multi, req->easy);
    req->attached = 0;
  }
  loop->active--;
  req->running = 0;
  req->done = 1;
  long status = 0;
  curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
  req->status = status;
  if (code != CURLE_OK) {
    char message[sizeof req->message];
    if (req->errbuf[0] != '\0')
      snprintf(message, sizeof message, "%s: %s", curl_easy_strerror(code), req->errbuf);
    else
      snprintf(message, sizeof message, "%s", curl_easy_strerror(code));
    kwhttp_req_fail(req, classify(code), message);
  }
  kwhttp_mark_ready(req);
  if (req->on_done != NULL)
    req->on_done(req->on_done_ud); /* last: it may free req */
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
  kwhttp_req *req = ud;
  size_t len = size * n;
  if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
    /* A new response (after 100 Continue, say): only the final one counts. */
    kwbuf_reset(&req->head);
    req->headers_done = 0;
  }
  if (kwbuf_append(&req->head, p, len) != 0) {
    kwhttp_req_fail(req, KWHTTP_TOO_LARGE, "the response headers exceed 256 KiB");
    return 0;
  }
  if ((len == 2 && p[0] == '\r' && p[1] == '\n') || (len == 1 && p[0] == '\n')) {
    long status = 0;
    curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200) {
      req->status = status;
      req->headers_done = 1;
      kwhttp_mark_ready(req);
    }
  }
  return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
  kwhttp_req *req = ud;
  size_t len = size * n;
  char message[96];
  if (!req->stream) {
    if (kwbuf_append(&req->body, p, len) == 0)
      return len;
    snprintf(message, sizeof message, "the response body exceeds the limit of %zu bytes",
             req->body.max);
    kwhttp_req_fail(req, KWHTTP_TOO_LARGE, message);
    return 0;
  }
  if (req->body.len >= req->stream_buffer) {
    /* The reader is behind: stop reading the socket until it drains the queue. */
    req->paused = 1;
    return CURL_WRITEFUNC_PAUSE;
  }
  if (kwbuf_append(&req->body, p, len) != 0) {
    kwhttp_req_fail(req, KWHTTP_TOO_LARGE, "a streamed chunk exceeds the stream buffer");
    return 0;
  }
  kwhttp_mark_ready(req);
  return len;
}

static int valid_method(const char *m)
{
  if (*m == '\0')
    return 0;
  for (; *m != '\0'; m++)
    if (!((*m >= 'A' && *m <= 'Z') || *m == '-'))
      return 0;
  return 1;
}

static int add_header(kwhttp_req *req, const char *line)
{
  struct curl_slist *list = curl_slist_append(req->headers, line);
  if (list == NULL)
    return -1;
  req->headers = list;
  return 0;
}

/* Builds the header list; the token goes only into this list, never into a message. */
static int set_headers(kwhttp_req *req, const kwhttp_options *opt, char *err, size_t errlen)
{
  for (size_t i = 0; i < opt->nheaders; i++) {
    const char *h = opt->headers[i];
    if (h == NULL || strpbrk(h, "\r\n") != NULL || strchr(h, ':') == NULL) {
      snprintf(err, errlen, "header %zu is not one \"Name: value\" line", i + 1);
      return -1;
    }
    if (add_header(req, h) != 0)
      goto nomem;
  }
  if (opt->token != NULL) {
    if (strpbrk(opt->token, "\r\n") != NULL) {
      snprintf(err, errlen, "the bearer token contains a line break");
      return -1;
    }
    kwbuf line;
    kwbuf_init(&line, 0);
    int bad = kwbuf_append_str(&line, "Authorization: Bearer ") != 0 ||
              kwbuf_append_str(&line, opt->token) != 0 || add_header(req, line.data) != 0;
    kwbuf_free(&line);
    if (bad)
      goto nomem;
  }
  /* Never wait for 100 Continue: the API server does not need it. */
  if (add_header(req, "Expect:") != 0)
    goto nomem;
  curl_easy_setopt(req->easy, CURLOPT_HTTPHEADER, req->headers);
  return 0;
nomem:
  snprintf(err, errlen, "out of memory");
  return -1;
}

static int set_blob(CURL *easy, CURLoption option, const char *data, size_t len)
{
  struct curl_blob blob = {(void *)(uintptr_t)data, len, CURL_BLOB_COPY};
  return curl_easy_setopt(easy, option, &blob) == CURLE_OK ? 0 : -1;
}

static int set_tls(kwhttp_req *req, const kwhttp_options *opt, char *err, size_t errlen)
{
  CURL *easy = req->easy;
  if (opt->ca != NULL) {
    /* The given CA alone is trusted, as kubectl does. */
    curl_easy_setopt(easy, CURLOPT_CAINFO, NULL);
    curl_easy_setopt(easy, CURLOPT_CAPATH, NULL);
    if (set_blob(easy, CURLOPT_CAINFO_BLOB, opt->ca, opt->ca_len) != 0)
      goto fail;
  }
  if (opt->cert != NULL) {
    curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
    if (set_blob(easy, CURLOPT_SSLCERT_BLOB, opt->cert, opt->cert_len) != 0)
      goto fail;
  }
  if (opt->key != NULL) {
    curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
    if (set_blob(easy, CURLOPT_SSLKEY_BLOB, opt->key, opt->key_len) != 0)
      goto fail;
  }
  if (opt->insecure) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  return 0;
fail:
  snprintf(err, errlen, "libcurl refused the TLS credentials (out of memory?)");
  return -1;
}

static int set_method(kwhttp_req *req, const kwhttp_options *opt, char *err, size_t errlen)
{
  CURL *easy = req->easy;
  const char *method = opt->method != NULL ? opt->method : "GET";
  if (!valid_method(method)) {
    snprintf(err, errlen, "invalid HTTP method");
    return -1;
  }
  if (opt->body != NULL) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)opt->body_len);
    if (curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, opt->body) != CURLE_OK) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
  }
  if (strcmp(method, "HEAD") == 0)
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  else if (strcmp(method, "GET") != 0 || opt->body != NULL)
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
  return 0;
}

static void set_transfer(kwhttp_req *req, const kwhttp_options *opt)
{
  CURL *easy = req->easy;
  curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)req);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, req->errbuf);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  /* Keepalive probes find a dead peer of an idle stream (a followed log of a quiet action)
   * within about a minute, as client-go's dialer does (30 s). */
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, 30L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, 10L);
  if (opt->connect_only) {
    /* An Upgrade is HTTP/1.1 only: ALPN must not pick h2. */
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(easy, CURLOPT_CONNECT_ONLY, 1L);
  } else {
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    /* Waiting to multiplex only makes sense where HTTP/2 can be had (TLS). Over plain
     * HTTP/1.1 libcurl would hold a new request for a busy connection, behind a followed
     * log that never ends, instead of opening another connection. */
    if (opt->url != NULL && strncmp(opt->url, "https:", 6) == 0)
      curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
  }
  if (opt->stream)
    curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, KWHTTP_STREAM_RECV_BUFFER);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, req);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, req);
  if (opt->connect_timeout_ms > 0)
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, opt->connect_timeout_ms);
  if (opt->read_timeout_s > 0) {
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, opt->read_timeout_s);
  }
  if (opt->timeout_ms > 0)
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, opt->timeout_ms);
}

static int configure(kwhttp_req *req, const kwhttp_options *opt, char *err, size_t errlen)
{
  if (opt->url == NULL) {
    snprintf(err, errlen, "no URL");
    return -1;
  }
  if (curl_easy_setopt(req->easy, CURLOPT_URL, opt->url) != CURLE_OK) {
    snprintf(err, errlen, "libcurl refused the URL");
    return -1;
  }
  set_transfer(req, opt);
  if (set_method(req, opt, err, errlen) != 0 || set_headers(req, opt, err, errlen) != 0 ||
      set_tls(req, opt, err, errlen) != 0)
    return -1;
  return 0;
}

kwhttp_req *kwhttp_req_start(kwhttp_loop *loop, const kwhttp_options *opt, char *err,
                             size_t errlen)
{
  err[0] = '\0';
  if (kwhttp_loop_reserve_ready(loop) != 0) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  kwhttp_req *req = calloc(1, sizeof *req);
  if (req == NULL || (req->easy = curl_easy_init()) == NULL) {
    free(req);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  req->stream = opt->stream;
  req->connect_only = opt->connect_only;
  req->stream_buffer = opt->stream_buffer != 0 ? opt->stream_buffer : KWHTTP_DEFAULT_STREAM_BUFFER;
  kwbuf_init(&req->head, KWHTTP_MAX_HEADERS);
  kwbuf_init(&req->held, req->stream_buffer + KWHTTP_MAX_CHUNK);
  if (opt->stream)
    kwbuf_init(&req->body, req->stream_buffer + KWHTTP_MAX_CHUNK);
  else
    kwbuf_init(&req->body, opt->max_body != 0 ? opt->max_body : KWHTTP_DEFAULT_MAX_BODY);
  req->multi = opt->connect_only ? curl_multi_init() : loop->multi;
  if (req->multi == NULL)
    snprintf(err, errlen, "out of memory");
  if (req->multi == NULL || configure(req, opt, err, errlen) != 0 ||
      curl_multi_add_handle(req->multi, req->easy) != CURLM_OK) {
    if (err[0] == '\0')
      snprintf(err, errlen, "libcurl refused the request");
    curl_slist_free_all(req->headers);
    curl_easy_cleanup(req->easy);
    if (req->multi != NULL && req->connect_only)
      curl_multi_cleanup(req->multi);
    free(req);
    return NULL;
  }
  req->loop = loop;
  req->id = loop->next_id++;
  req->running = 1;
  req->attached = 1;
  req->next = loop->live;
  if (loop->live != NULL)
    loop->live->prev = req;
  loop->live = req;
  loop->nlive++;
  loop->active++;
  return req;
}

void kwhttp_req_free(kwhttp_req *req)
{
  if (req == NULL)
    return;
  if (req->loop != NULL) {
    if (req->running)
      req->loop->active--;
    kwhttp_loop_unlink(req);
  }
  /* After the loop is freed, a request's own multi is still there to leave and close. */
  if (req->attached)
    curl_multi_remove_handle(req->multi, req->easy);
  curl_easy_cleanup(req->easy);
  if (req->multi != NULL && req->connect_only)
    curl_multi_cleanup(req->multi);
  curl_slist_free_all(req->headers);
  kwbuf_free(&req->head);
  kwbuf_free(&req->body);
  kwbuf_free(&req->held);
  free(req);
}

uint64_t kwhttp_req_id(const kwhttp_req *req) { return req->id; }
int kwhttp_req_done(const kwhttp_req *req) { return req->done; }
int kwhttp_req_headers_done(const kwhttp_req *req) { return req->headers_done || req->done; }
long kwhttp_req_status(const kwhttp_req *req) { return req->status; }

const char *kwhttp_req_headers(const kwhttp_req *req, size_t *len)
{
  *len = req->head.len;
  return req->head.data != NULL ? req->head.data : "";
}

const char *kwhttp_req_body(const kwhttp_req *req, size_t *len)
{
  *len = req->body.len;
  return req->body.data != NULL ? req->body.data : "";
}

kwhttp_fail kwhttp_req_failure(const kwhttp_req *req, const char **message)
{
  *message = req->message;
  return req->fail;
}

const char *kwhttp_req_pending(const kwhttp_req *req, size_t *len)
{
  return kwhttp_req_body(req, len);
}

static void resume_paused(kwhttp_req *req)
{
  /* libcurl may deliver the refused bytes from inside this call: they go to body. */
  if (req->paused && req->running) {
    req->paused = 0;
    curl_easy_pause(req->easy, CURLPAUSE_CONT);
  }
}

void kwhttp_req_consume(kwhttp_req *req)
{
  kwbuf_reset(&req->body);
  resume_paused(req);
}

const char *kwhttp_req_hand(kwhttp_req *req, size_t *len)
{
  /* Swapping the two buffers moves the bytes without copying them; the previous held
   * bytes are released here, and the new ones stay put while libcurl fills body. */
  kwbuf spare = req->held;
  req->held = req->body;
  req->body = spare;
  kwbuf_reset(&req->body);
  resume_paused(req);
  *len = req->held.len;
  return req->held.len != 0 ? req->held.data : NULL;
}

void kwhttp_req_on_done(kwhttp_req *req, void (*fn)(void *ud), void *ud)
{
  req->on_done = fn;
  req->on_done_ud = ud;
}

void kwhttp_req_wake(kwhttp_req *req)
{
  kwhttp_mark_ready(req);
}

static int connected(const kwhttp_req *req, char *err, size_t errlen)
{
  if (req->connect_only && req->attached && req->done && req->fail == KWHTTP_OK)
    return 1;
  snprintf(err, errlen, "the connection is not open");
  return 0;
}

long kwhttp_req_send(kwhttp_req *req, const void *data, size_t len, char *err, size_t errlen)
{
  if (!connected(req, err, errlen))
    return -1;
  size_t n = 0;
  CURLcode code = curl_easy_send(req->easy, data, len, &n);
  if (code == CURLE_AGAIN)
    return -2;
  if (code != CURLE_OK) {
    snprintf(err, errlen, "send: %s", curl_easy_strerror(code));
    return -1;
  }
  return (long)n;
}

long kwhttp_req_recv(kwhttp_req *req, void *buf, size_t len, char *err, size_t errlen)
{
  if (!connected(req, err, errlen))
    return -1;
  size_t n = 0;
  CURLcode code = curl_easy_recv(req->easy, buf, len, &n);
  if (code == CURLE_AGAIN)
    return -2;
  if (code != CURLE_OK) {
    snprintf(err, errlen, "receive: %s", curl_easy_strerror(code));
    return -1;
  }
  return (long)n;
}

int kwhttp_req_socket(const kwhttp_req *req)
{
  char err[64];
  curl_socket_t fd = CURL_SOCKET_BAD;
  if (!connected(req, err, sizeof err) ||
      curl_easy_getinfo(req->easy, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK ||
      fd == CURL_SOCKET_BAD)
    return -1;
  return (int)fd;
}
