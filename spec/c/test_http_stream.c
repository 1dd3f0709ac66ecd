/* test_http_stream.c: a log body streamed over HTTP straight into the log reader
 * (kwhttp_req_hand + kwlog_reader_feed, the path of kwhisk.http's Stream:records), against
 * a forked loopback server that sends chunks of 1 byte, of pseudo-random sizes and of
 * 64 KiB. The records must equal those of the whole text read at once; a stream closed
 * mid-body must leave nothing behind (ASan and valgrind run this test too). */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "http.h"
#include "kwbuf.h"
#include "logreader.h"

#define MAX_LINE 300

/* A log text of n lines: "\n" and "\r\n" ends, empty and malformed lines, shared
 * seconds, and every 50th line longer than MAX_LINE. */
static void make_text(kwbuf *text, int n)
{
  char line[64];
  for (int i = 0; i < n; i++) {
    snprintf(line, sizeof line, "2018-02-06T00:%02d:%02d.%09dZ line %d", i / 3600 % 60,
             i / 60 % 60, i * 7919 % 1000000000, i);
    CHECK(kwbuf_append_str(text, line) == 0);
    if (i % 50 == 7)
      for (int k = 0; k < 40; k++)
        CHECK(kwbuf_append_str(text, " long-long") == 0);
    CHECK(kwbuf_append_str(text, i % 3 == 0 ? "\r\n" : "\n") == 0);
    if (i % 97 == 0)
      CHECK(kwbuf_append_str(text, "\nno-timestamp-here\n") == 0);
  }
  CHECK(kwbuf_append_str(text, "2018-02-06T01:00:00Z last, unterminated") == 0);
}

/* Appends every record the reader has ready to out as "sec.nsec|T|msg\n". */
static size_t drain(kwlog_reader *r, kwbuf *out)
{
  kwlog_record rec;
  size_t n = 0;
  char head[64];
  while (kwlog_reader_next(r, &rec)) {
    snprintf(head, sizeof head, "%lld.%09d|%d|", (long long)rec.sec, (int)rec.nsec,
             (int)rec.truncated);
    CHECK(kwbuf_append_str(out, head) == 0 && kwbuf_append(out, rec.msg, rec.len) == 0 &&
          kwbuf_append_str(out, "\n") == 0);
    n++;
  }
  return n;
}

static int write_all(int fd, const char *p, size_t n)
{
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* The server process: answers one request with text in HTTP chunks of `chunk` bytes (0:
 * pseudo-random sizes from 1 to 3000), then, when endless, repeats it until the client
 * hangs up. */
static void serve(int listener, const kwbuf *text, size_t chunk, int endless)
{
  int fd = accept(listener, NULL, NULL);
  if (fd < 0)
    _exit(1);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char req[4096];
  size_t got = 0;
  while (got < sizeof req - 1) {
    ssize_t r = recv(fd, req + got, sizeof req - 1 - got, 0);
    if (r <= 0)
      _exit(1);
    got += (size_t)r;
    req[got] = '\0';
    if (strstr(req, "\r\n\r\n") != NULL)
      break;
  }
  static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  if (write_all(fd, head, sizeof head - 1) != 0)
    _exit(1);
  kwbuf framed;
  kwbuf_init(&framed, 0);
  uint32_t seed = 12345;
  do {
    for (size_t pos = 0; pos < text->len;) {
      seed = seed * 1103515245u + 12345u;
      size_t n = chunk != 0 ? chunk : 1 + (seed >> 8) % 3000;
      if (n > text->len - pos)
        n = text->len - pos;
      char size[32];
      snprintf(size, sizeof size, "%zx\r\n", n);
      if (kwbuf_append_str(&framed, size) != 0 ||
          kwbuf_append(&framed, text->data + pos, n) != 0 ||
          kwbuf_append_str(&framed, "\r\n") != 0)
        _exit(1);
      pos += n;
      /* Send in pieces, so the client meets chunk frames cut by reads too. */
      if (framed.len >= 65536 + 64 || pos == text->len) {
        if (write_all(fd, framed.data, framed.len) != 0)
          _exit(endless ? 0 : 1);
        kwbuf_reset(&framed);
      }
    }
  } while (endless);
  if (write_all(fd, "0\r\n\r\n", 5) != 0)
    _exit(1);
  close(fd);
  _exit(0);
}

/* Forks a server for one request; returns its pid and sets *port. */
static pid_t start_server(const kwbuf *text, size_t chunk, int endless, int *port)
{
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
      listen(listener, 1) != 0 || getsockname(listener, (struct sockaddr *)&addr, &len) != 0) {
    perror("test server");
    exit(1);
  }
  *port = ntohs(addr.sin_port);
  pid_t pid = fork();
  if (pid == 0)
    serve(listener, text, chunk, endless);
  close(listener);
  return pid;
}

static kwhttp_req *start_stream(kwhttp_loop *loop, int port, size_t stream_buffer)
{
  char url[64], err[256];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/log", port);
  kwhttp_options o;
  memset(&o, 0, sizeof o);
  o.url = url;
  o.stream = 1;
  o.stream_buffer = stream_buffer;
  o.timeout_ms = 30000;
  kwhttp_req *req = kwhttp_req_start(loop, &o, err, sizeof err);
  CHECK(req != NULL);
  return req;
}

/* Streams text in the given chunking and compares the records with the whole text's. */
static void check_stream(int lines, size_t chunk, size_t stream_buffer)
{
  kwbuf text, want, got;
  kwbuf_init(&text, 0);
  kwbuf_init(&want, 0);
  kwbuf_init(&got, 0);
  make_text(&text, lines);
  kwlog_options opt = {.max_line = MAX_LINE};
  kwlog_reader *whole = kwlog_reader_new(&opt);
  CHECK(kwlog_reader_feed(whole, text.data, text.len) == 0);
  kwlog_reader_finish(whole);
  size_t nwant = drain(whole, &want);
  CHECK(nwant == (size_t)lines + 1);
  CHECK(kwlog_reader_stats(whole)->truncated == (uint64_t)(lines - 7 + 49) / 50);

  int port;
  pid_t pid = start_server(&text, chunk, 0, &port);
  kwhttp_loop *loop = kwhttp_loop_new();
  kwhttp_req *req = start_stream(loop, port, stream_buffer);
  kwlog_reader *r = kwlog_reader_new(&opt);
  char err[256];
  size_t hands = 0, largest = 0;
  for (int steps = 0; steps < 200000; steps++) {
    drain(r, &got);
    size_t n;
    const char *p = kwhttp_req_hand(req, &n);
    if (p != NULL) {
      hands++;
      largest = n > largest ? n : largest;
      CHECK(kwlog_reader_feed(r, p, n) == 0);
      continue;
    }
    if (kwhttp_req_done(req))
      break;
    CHECK(kwhttp_loop_step(loop, 100, err, sizeof err) == 0);
  }
  kwlog_reader_finish(r);
  drain(r, &got);
  const char *message;
  CHECK(kwhttp_req_done(req) && kwhttp_req_failure(req, &message) == KWHTTP_OK);
  CHECK(kwhttp_req_status(req) == 200);
  CHECK(got.len == want.len && memcmp(got.data, want.data, want.len) == 0);
  CHECK(memcmp(kwlog_reader_stats(r), kwlog_reader_stats(whole), sizeof(kwlog_stats)) == 0);
  /* Bounded: a hand-over never holds more than the buffer and one delivery past it. */
  CHECK(largest <= stream_buffer + CURL_MAX_WRITE_SIZE);
  CHECK(hands > 1);
  kwhttp_req_free(req);
  kwlog_reader_free(r);
  kwhttp_loop_free(loop);
  int status;
  CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  kwlog_reader_free(whole);
  kwbuf_free(&text);
  kwbuf_free(&want);
  kwbuf_free(&got);
}

/* An endless stream closed after some records: the reader keeps what it was handed
 * (it copies on release), the request and its buffers go at once. */
static void check_close_mid_stream(void)
{
  kwbuf text, got;
  kwbuf_init(&text, 0);
  kwbuf_init(&got, 0);
  make_text(&text, 2000);
  int port;
  pid_t pid = start_server(&text, 0, 1, &port);
  kwhttp_loop *loop = kwhttp_loop_new();
  kwhttp_req *req = start_stream(loop, port, 8192);
  kwlog_options opt = {.max_line = MAX_LINE};
  kwlog_reader *r = kwlog_reader_new(&opt);
  char err[256];
  kwlog_record rec;
  size_t records = 0;
  for (int steps = 0; steps < 10000 && records < 500; steps++) {
    if (kwlog_reader_next(r, &rec)) {
      records++;
      continue;
    }
    size_t n;
    const char *p = kwhttp_req_hand(req, &n);
    if (p != NULL)
      CHECK(kwlog_reader_feed(r, p, n) == 0);
    else
      CHECK(kwhttp_loop_step(loop, 100, err, sizeof err) == 0);
  }
  CHECK(records == 500);
  CHECK(kwlog_reader_feed(r, NULL, 0) == 0); /* release the handed bytes */
  kwhttp_req_free(req);
  CHECK(kwhttp_loop_active(loop) == 0);
  /* The rest of the last hand-over is still readable, from the reader's own copy. */
  size_t rest = drain(r, &got);
  CHECK(rest > 0);
  CHECK(kwlog_reader_stats(r)->delivered == records + rest);
  kwlog_reader_free(r);
  kwhttp_loop_free(loop);
  int status;
  CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  kwbuf_free(&text);
  kwbuf_free(&got);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  check_stream(3000, 1, 4096);       /* 1-byte chunks */
  check_stream(20000, 0, 4096);      /* pseudo-random sizes, a small buffer: pauses */
  check_stream(20000, 65536, 65536); /* 64 KiB chunks */
  check_close_mid_stream();
  return check_summary("test_http_stream");
}
