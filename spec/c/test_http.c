/* test_http.c: unit tests of the HTTP transport that need no server: option checks,
 * failure classification, a refused connection, freeing a loop with requests alive. */
#include <string.h>

#include "check.h"
#include "http.h"

static kwhttp_req *start(kwhttp_loop *loop, kwhttp_options *o, char *err)
{
  return kwhttp_req_start(loop, o, err, 256);
}

static void test_bad_options(void)
{
  kwhttp_loop *loop = kwhttp_loop_new();
  char err[256];
  kwhttp_options o;
  memset(&o, 0, sizeof o);
  CHECK(start(loop, &o, err) == NULL);
  CHECK_STR(err, "no URL");
  o.url = "http://127.0.0.1:1/";
  o.method = "get it";
  CHECK(start(loop, &o, err) == NULL);
  CHECK_STR(err, "invalid HTTP method");
  o.method = NULL;
  const char *headers[] = {"X-A: 1", "X-B: 2\r\nX-C: 3"};
  o.headers = headers;
  o.nheaders = 2;
  CHECK(start(loop, &o, err) == NULL);
  CHECK_STR(err, "header 2 is not one \"Name: value\" line");
  o.nheaders = 1;
  o.token = "secret\n";
  CHECK(start(loop, &o, err) == NULL);
  CHECK_STR(err, "the bearer token contains a line break");
  CHECK(strstr(err, "secret") == NULL);
  CHECK(kwhttp_loop_active(loop) == 0);
  kwhttp_loop_free(loop);
}

static void test_refused(void)
{
  kwhttp_loop *loop = kwhttp_loop_new();
  char err[256];
  kwhttp_options o;
  memset(&o, 0, sizeof o);
  o.url = "http://127.0.0.1:1/";
  o.token = "secret-token";
  kwhttp_req *req = start(loop, &o, err);
  CHECK(req != NULL);
  CHECK(kwhttp_loop_active(loop) == 1);
  int steps = 0;
  while (!kwhttp_req_done(req) && steps++ < 1000)
    CHECK(kwhttp_loop_step(loop, 100, err, sizeof err) == 0);
  size_t n;
  kwhttp_req *const *ready = kwhttp_loop_ready(loop, &n);
  CHECK(n == 1 && ready[0] == req);
  const char *message;
  CHECK(kwhttp_req_failure(req, &message) == KWHTTP_TRANSPORT);
  CHECK(strstr(message, "Couldn't connect") != NULL);
  CHECK(strstr(message, "secret") == NULL);
  CHECK(kwhttp_req_status(req) == 0);
  CHECK(kwhttp_loop_active(loop) == 0);
  kwhttp_req_free(req);
  kwhttp_loop_free(loop);
}

static void test_loop_freed_first(void)
{
  kwhttp_loop *loop = kwhttp_loop_new();
  char err[256];
  kwhttp_options o;
  memset(&o, 0, sizeof o);
  o.url = "http://127.0.0.1:1/";
  o.stream = 1;
  kwhttp_req *a = start(loop, &o, err);
  kwhttp_req *b = start(loop, &o, err);
  CHECK(a != NULL && b != NULL && kwhttp_req_id(a) != kwhttp_req_id(b));
  kwhttp_req_free(b);
  kwhttp_loop_free(loop);
  const char *message;
  CHECK(kwhttp_req_done(a));
  CHECK(kwhttp_req_failure(a, &message) == KWHTTP_TRANSPORT);
  CHECK_STR(message, "the event loop was closed");
  kwhttp_req_free(a);
}

static void test_fail_names(void)
{
  CHECK_STR(kwhttp_fail_name(KWHTTP_TIMEOUT), "timeout");
  CHECK_STR(kwhttp_fail_name(KWHTTP_TLS), "tls");
  CHECK_STR(kwhttp_fail_name(KWHTTP_TOO_LARGE), "too_large");
}

int main(void)
{
  test_bad_options();
  test_refused();
  test_loop_freed_first();
  test_fail_names();
  return check_summary("test_http");
}
