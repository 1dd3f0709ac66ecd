/* httploop.c: the HTTP transport's event loop (see http.h): one curl_multi shared by every
 * request, the poll over transfers and watched file descriptors, the connect-only requests'
 * own multis, and the list of requests that progressed in a step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include "httpint.h"

kwhttp_loop *kwhttp_loop_new(void)
{
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return NULL;
  kwhttp_loop *loop = calloc(1, sizeof *loop);
  if (loop == NULL) {
    curl_global_cleanup();
    return NULL;
  }
  loop->multi = curl_multi_init();
  if (loop->multi == NULL) {
    free(loop);
    curl_global_cleanup();
    return NULL;
  }
  curl_multi_setopt(loop->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
  loop->next_id = 1;
  return loop;
}

void kwhttp_loop_free(kwhttp_loop *loop)
{
  if (loop == NULL)
    return;
  for (kwhttp_req *req = loop->live; req != NULL; req = req->next) {
    if (req->attached)
      curl_multi_remove_handle(req->multi, req->easy);
    req->attached = 0;
    if (!req->done)
      kwhttp_req_fail(req, KWHTTP_TRANSPORT, "the event loop was closed");
    req->running = 0;
    req->done = 1;
    req->loop = NULL;
  }
  curl_multi_cleanup(loop->multi);
  free(loop->ready);
  free(loop->watches);
  free(loop->waitfds);
  free(loop->extra);
  free(loop->fired);
  free(loop);
  curl_global_cleanup();
}

size_t kwhttp_loop_active(const kwhttp_loop *loop)
{
  return loop->active;
}

void kwhttp_mark_ready(kwhttp_req *req)
{
  kwhttp_loop *loop = req->loop;
  if (loop == NULL || req->in_ready)
    return;
  req->in_ready = 1;
  loop->ready[loop->nready++] = req;
}

static void dispatch_watches(kwhttp_loop *loop, size_t npolled)
{
  size_t nfired = 0;
  for (size_t i = 0; i < npolled; i++)
    if (loop->waitfds[i].revents != 0)
      loop->fired[nfired++] = (fired){loop->watches[i].id, loop->waitfds[i].revents};
  /* By id, not index: a callback may remove or add watches. */
  for (size_t f = 0; f < nfired; f++) {
    for (size_t i = 0; i < loop->nwatch; i++) {
      if (loop->watches[i].id == loop->fired[f].id) {
        loop->watches[i].fn(loop->watches[i].ud, loop->fired[f].revents);
        break;
      }
    }
  }
}

static int reserve_waitfds(kwhttp_loop *loop, size_t n)
{
  if (n <= loop->capwaitfds)
    return 0;
  struct curl_waitfd *wf = realloc(loop->waitfds, n * sizeof *wf);
  if (wf == NULL)
    return -1;
  loop->waitfds = wf;
  loop->capwaitfds = n;
  return 0;
}

static int add_extra(kwhttp_loop *loop, size_t *n, int fd, short events)
{
  if (*n == loop->capextra) {
    size_t cap = loop->capextra != 0 ? loop->capextra * 2 : 16;
    struct curl_waitfd *e = realloc(loop->extra, cap * sizeof *e);
    if (e == NULL)
      return -1;
    loop->extra = e;
    loop->capextra = cap;
  }
  loop->extra[(*n)++] = (struct curl_waitfd){fd, events, 0};
  return 0;
}

/* The sockets of the connect-only requests still connecting, each in its own multi, and
 * the poll timeout shortened to their earliest libcurl timer. Only their readiness matters
 * (the next step drives them), so a socket past FD_SETSIZE is left to the timer. */
static size_t connecting_fds(kwhttp_loop *loop, int *timeout_ms)
{
  size_t n = 0;
  for (kwhttp_req *req = loop->live; req != NULL; req = req->next) {
    if (req->multi == loop->multi || !req->running)
      continue;
    long t = -1;
    curl_multi_timeout(req->multi, &t);
    if (t >= 0 && (*timeout_ms < 0 || t < *timeout_ms))
      *timeout_ms = (int)t;
    fd_set r, w, x;
    int maxfd = -1;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&x);
    if (curl_multi_fdset(req->multi, &r, &w, &x, &maxfd) != CURLM_OK)
      continue;
    for (int fd = 0; fd <= maxfd; fd++) {
      short ev = (short)((FD_ISSET(fd, &r) ? CURL_WAIT_POLLIN : 0) |
                         (FD_ISSET(fd, &w) ? CURL_WAIT_POLLOUT : 0));
      if (ev != 0 && add_extra(loop, &n, fd, ev) != 0 && (*timeout_ms < 0 || *timeout_ms > 10))
        *timeout_ms = 10; /* out of memory: look again soon instead */
    }
  }
  return n;
}

static CURLMcode poll_all(kwhttp_loop *loop, int timeout_ms)
{
  size_t nextra = connecting_fds(loop, &timeout_ms);
  size_t n = loop->nwatch;
  if (nextra != 0 && reserve_waitfds(loop, n + nextra) != 0)
    nextra = 0;
  for (size_t i = 0; i < n; i++) {
    loop->waitfds[i].fd = loop->watches[i].fd;
    loop->waitfds[i].events = loop->watches[i].events;
    loop->waitfds[i].revents = 0;
  }
  if (nextra != 0)
    memcpy(loop->waitfds + n, loop->extra, nextra * sizeof *loop->extra);
  size_t total = n + nextra;
  CURLMcode mc = curl_multi_poll(loop->multi, total != 0 ? loop->waitfds : NULL,
                                 (unsigned)total, timeout_ms, NULL);
  if (mc == CURLM_OK)
    dispatch_watches(loop, n);
  return mc;
}

/* Drives the connect-only requests' own multis and finishes those that completed. finish()
 * may free any request, so completions are noted first and finished one by one. */
static int perform_own(kwhttp_loop *loop, char *err, size_t errlen)
{
  for (kwhttp_req *req = loop->live; req != NULL; req = req->next) {
    if (req->multi == loop->multi || !req->running)
      continue;
    int running = 0;
    CURLMcode mc = curl_multi_perform(req->multi, &running);
    if (mc != CURLM_OK) {
      snprintf(err, errlen, "curl_multi_perform: %s", curl_multi_strerror(mc));
      return -1;
    }
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(req->multi, &left)) != NULL) {
      if (msg->msg == CURLMSG_DONE) {
        req->own_finished = 1;
        req->own_code = msg->data.result;
      }
    }
  }
  for (;;) {
    kwhttp_req *req = loop->live;
    while (req != NULL && !req->own_finished)
      req = req->next;
    if (req == NULL)
      return 0;
    req->own_finished = 0;
    kwhttp_req_finish(req, req->own_code);
  }
}

int kwhttp_loop_step(kwhttp_loop *loop, int timeout_ms, char *err, size_t errlen)
{
  for (size_t i = 0; i < loop->nready; i++)
    loop->ready[i]->in_ready = 0;
  loop->nready = 0;
  for (int round = 0; round < 2; round++) {
    int running = 0;
    CURLMcode mc = curl_multi_perform(loop->multi, &running);
    if (mc != CURLM_OK) {
      snprintf(err, errlen, "curl_multi_perform: %s", curl_multi_strerror(mc));
      return -1;
    }
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(loop->multi, &left)) != NULL) {
      if (msg->msg != CURLMSG_DONE)
        continue;
      kwhttp_req *req = NULL;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&req);
      if (req != NULL)
        kwhttp_req_finish(req, msg->data.result);
    }
    if (perform_own(loop, err, errlen) != 0)
      return -1;
    if (round == 1)
      break;
    /* Sleep only when nothing is ready yet, so a step never sleeps on ready work; the
     * watches are polled either way, so they never wait behind busy transfers. */
    mc = poll_all(loop, loop->nready != 0 || timeout_ms < 0 ? 0 : timeout_ms);
    if (mc != CURLM_OK) {
      snprintf(err, errlen, "curl_multi_poll: %s", curl_multi_strerror(mc));
      return -1;
    }
  }
  return 0;
}

kwhttp_req *const *kwhttp_loop_ready(const kwhttp_loop *loop, size_t *n)
{
  *n = loop->nready;
  return loop->ready;
}

void kwhttp_loop_unlink(kwhttp_req *req)
{
  kwhttp_loop *loop = req->loop;
  if (req->prev != NULL)
    req->prev->next = req->next;
  else
    loop->live = req->next;
  if (req->next != NULL)
    req->next->prev = req->prev;
  loop->nlive--;
  if (req->in_ready) {
    for (size_t i = 0; i < loop->nready; i++) {
      if (loop->ready[i] == req) {
        loop->ready[i] = loop->ready[--loop->nready];
        break;
      }
    }
  }
}

int kwhttp_loop_reserve_ready(kwhttp_loop *loop)
{
  if (loop->nlive < loop->capready)
    return 0;
  size_t cap = loop->capready != 0 ? loop->capready * 2 : 16;
  kwhttp_req **ready = realloc(loop->ready, cap * sizeof *ready);
  if (ready == NULL)
    return -1;
  loop->ready = ready;
  loop->capready = cap;
  return 0;
}

static int reserve_watch(kwhttp_loop *loop)
{
  if (loop->nwatch < loop->capwatch)
    return 0;
  size_t cap = loop->capwatch != 0 ? loop->capwatch * 2 : 16;
  watch *w = realloc(loop->watches, cap * sizeof *w);
  if (w == NULL)
    return -1;
  loop->watches = w;
  if (reserve_waitfds(loop, cap) != 0)
    return -1;
  fired *f = realloc(loop->fired, cap * sizeof *f);
  if (f == NULL)
    return -1;
  loop->fired = f;
  loop->capwatch = cap;
  return 0;
}

unsigned kwhttp_watch_add(kwhttp_loop *loop, int fd, short events, kwhttp_watch_fn fn,
                          void *ud)
{
  if (reserve_watch(loop) != 0)
    return 0;
  if (++loop->next_watch == 0)
    loop->next_watch = 1;
  loop->watches[loop->nwatch++] = (watch){loop->next_watch, fd, events, fn, ud};
  return loop->next_watch;
}

void kwhttp_watch_set(kwhttp_loop *loop, unsigned id, short events)
{
  for (size_t i = 0; i < loop->nwatch; i++)
    if (loop->watches[i].id == id)
      loop->watches[i].events = events;
}

void kwhttp_watch_remove(kwhttp_loop *loop, unsigned id)
{
  for (size_t i = 0; i < loop->nwatch; i++) {
    if (loop->watches[i].id == id) {
      loop->watches[i] = loop->watches[--loop->nwatch];
      return;
    }
  }
}

size_t kwhttp_loop_watches(const kwhttp_loop *loop)
{
  return loop->nwatch;
}
