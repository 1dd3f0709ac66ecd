/* httpint.h: what the two halves of the HTTP transport share (not part of the API).
 *
 * httploop.c is the event loop: one curl_multi, the poll over transfers and watched file
 * descriptors, the list of requests that progressed in a step. httpreq.c is one request:
 * its options, libcurl callbacks, body queue and completion. Both see the structs below. */
#ifndef KWHISK_HTTPINT_H
#define KWHISK_HTTPINT_H

#include <curl/curl.h>

#include "http.h"
#include "kwbuf.h"

/* A response's header block is small; anything past this is a broken or hostile server. */
#define KWHTTP_MAX_HEADERS ((size_t)256 << 10)
/* The largest single delivery libcurl makes to a write callback, with margin. */
#define KWHTTP_MAX_CHUNK ((size_t)CURL_MAX_READ_SIZE)

struct kwhttp_req {
  kwhttp_loop *loop;               /* NULL once the loop is gone */
  kwhttp_req *prev, *next;         /* the loop's list of live requests */
  CURL *easy;
  struct curl_slist *headers;
  uint64_t id;
  int running, done, headers_done, in_ready, paused, stream;
  int connect_only, attached;      /* attached: the handle is still in its multi */
  /* The multi the handle is in: the loop's, or for a connect-only request one of its own,
   * so its connection never enters the shared connection cache (there libcurl 7.88 makes
   * PIPEWAIT requests to the same host wait for it to finish, which it never does, and
   * prunes it as dead when it has unread input or sat idle 118 s). */
  CURLM *multi;
  int own_finished;                /* own multi: done, finish() still to be called */
  CURLcode own_code;
  void (*on_done)(void *ud);
  void *on_done_ud;
  long status;
  size_t stream_buffer;
  kwhttp_fail fail;
  kwbuf head, body;                /* body: the buffered body, or the pending stream bytes */
  kwbuf held;                      /* streaming: the bytes last handed over (kwhttp_req_hand) */
  char errbuf[CURL_ERROR_SIZE];
  char message[CURL_ERROR_SIZE + 96];
};

typedef struct watch {
  unsigned id;
  int fd;
  short events;
  kwhttp_watch_fn fn;
  void *ud;
} watch;

typedef struct fired {
  unsigned id;
  short revents;
} fired;

struct kwhttp_loop {
  CURLM *multi;
  watch *watches;
  size_t nwatch, capwatch;
  unsigned next_watch;
  struct curl_waitfd *waitfds;     /* scratch: the watches, then `extra` */
  size_t capwaitfds;
  struct curl_waitfd *extra;       /* scratch: sockets of connect-only multis */
  size_t capextra;
  fired *fired;                    /* scratch, capwatch entries */
  kwhttp_req *live;                /* every request not yet freed */
  size_t nlive;
  kwhttp_req **ready;              /* capacity >= nlive, so marking never allocates */
  size_t nready, capready;
  size_t active;
  uint64_t next_id;
};

/* httploop.c: lists req among those that progressed in this step. */
void kwhttp_mark_ready(kwhttp_req *req);
/* httploop.c: makes sure a new request can be marked ready without allocating: 0 or -1. */
int kwhttp_loop_reserve_ready(kwhttp_loop *loop);
/* httploop.c: takes a freed request out of its loop's lists. */
void kwhttp_loop_unlink(kwhttp_req *req);
/* httpreq.c: records a failure (the first cause wins). */
void kwhttp_req_fail(kwhttp_req *req, kwhttp_fail fail, const char *message);
/* httpreq.c: a transfer completed with code: detach, classify, mark ready, call on_done. */
void kwhttp_req_finish(kwhttp_req *req, CURLcode code);

#endif
