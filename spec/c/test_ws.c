/* test_ws.c: the WebSocket handshake (RFC 6455's example key), chunked refusal bodies and
 * the port-forward channel decoder. */
#include <stdint.h>

#include "check.h"
#include "kwbuf.h"
#include "pfchan.h"
#include "wshandshake.h"

static const char KEY[] = "dGhlIHNhbXBsZSBub25jZQ==";
static const char PROTOS[] = "v4.channel.k8s.io, portforward.k8s.io";

static int parse(const char *text, kwws_response *r, char *err)
{
  return kwws_parse_response(text, strlen(text), KEY, PROTOS, r, err, 160);
}

static void test_handshake(void)
{
  char accept[29], key[25], err[160];
  CHECK(kwws_accept_for(KEY, accept) == 0);
  CHECK_STR(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  CHECK(kwws_make_key(key) == 0 && strlen(key) == 24);
  kwbuf b;
  kwbuf_init(&b, 4096);
  CHECK(kwws_build_request(&b, "h:1", "/p?ports=80", KEY, PROTOS, "tok") == 0);
  CHECK(strstr(b.data, "GET /p?ports=80 HTTP/1.1\r\nHost: h:1\r\n") == b.data);
  CHECK(strstr(b.data, "Authorization: Bearer tok\r\n") != NULL);
  CHECK(strstr(b.data, "Sec-WebSocket-Protocol: v4.channel.k8s.io, portforward.k8s.io\r\n"));
  kwbuf_reset(&b);
  CHECK(kwws_build_request(&b, "h", "/p", KEY, NULL, "a\r\nX: y") == -1);
  kwbuf_free(&b);

  kwws_response r;
  const char *ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                   "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n\x82";
  CHECK(parse(ok, &r, err) == 1 && r.status == 101 && r.head_len == strlen(ok) - 1);
  CHECK_STR(r.protocol, "v4.channel.k8s.io");
  CHECK(kwws_parse_response(ok, 40, KEY, PROTOS, &r, err, sizeof err) == 0);
  CHECK(parse("HTTP/1.1 101 X\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n"
              "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n", &r, err) == -1);
  CHECK(strstr(err, "Sec-WebSocket-Accept") != NULL);
  CHECK(parse("HTTP/1.1 101 X\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", &r, err) == -1);
  CHECK(strstr(err, "none of the offered subprotocols") != NULL);
  CHECK(parse("HTTP/1.1 101 X\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
              "Sec-WebSocket-Protocol: chat\r\n\r\n", &r, err) == -1);
  CHECK(parse("HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\n{}", &r, err) == 1);
  CHECK(r.status == 403 && r.content_length == 2);
  CHECK(parse("SSH-2.0\r\n\r\n", &r, err) == -1);
}

static void test_dechunk(void)
{
  char body[] = "3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
  int complete;
  size_t n = kwws_dechunk(body, strlen(body), &complete);
  CHECK(n == 5 && memcmp(body, "abcde", 5) == 0 && complete);
  char cut[] = "5\r\nab";
  n = kwws_dechunk(cut, strlen(cut), &complete);
  CHECK(n == 2 && !complete);
}

static void test_channels(void)
{
  kwpf_chan c;
  kwpf_chan_init(&c, 8080);
  int ch;
  const uint8_t *d;
  size_t n;
  char err[128];
  const uint8_t first[] = {0, 0x90, 0x1f};
  CHECK(kwpf_chan_decode(&c, first, 3, &ch, &d, &n, err, sizeof err) == 0 && ch == 0 && n == 0);
  const uint8_t data[] = {0, 'h', 'i'};
  CHECK(kwpf_chan_decode(&c, data, 3, &ch, &d, &n, err, sizeof err) == 0 && n == 2 && d[0] == 'h');
  /* The error channel's prefix split over two messages, then text in the same message. */
  const uint8_t e1[] = {1, 0x90}, e2[] = {1, 0x1f, 'x'};
  CHECK(kwpf_chan_decode(&c, e1, 2, &ch, &d, &n, err, sizeof err) == 0 && ch == 1 && n == 0);
  CHECK(kwpf_chan_decode(&c, e2, 3, &ch, &d, &n, err, sizeof err) == 0 && n == 1 && d[0] == 'x');
  kwpf_chan_init(&c, 8080);
  const uint8_t wrong[] = {0, 0x50, 0x00};
  CHECK(kwpf_chan_decode(&c, wrong, 3, &ch, &d, &n, err, sizeof err) == -1);
  CHECK(strstr(err, "names port 80, expected 8080") != NULL);
  const uint8_t other[] = {2, 0, 0};
  CHECK(kwpf_chan_decode(&c, other, 3, &ch, &d, &n, err, sizeof err) == -1);
  CHECK(kwpf_chan_decode(&c, other, 0, &ch, &d, &n, err, sizeof err) == -1);
}

int main(void)
{
  test_handshake();
  test_dechunk();
  test_channels();
  return check_summary("ws");
}
