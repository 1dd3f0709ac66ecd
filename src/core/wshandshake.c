/* wshandshake.c: the client side of the WebSocket opening handshake (see wshandshake.h). */
#include "wshandshake.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char GUID[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

int kwws_make_key(char key[25])
{
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1)
    return -1;
  EVP_EncodeBlock((unsigned char *)key, raw, sizeof raw);
  return 0;
}

int kwws_accept_for(const char *key, char accept[29])
{
  char text[64 + sizeof GUID];
  size_t klen = strlen(key);
  if (klen > 64)
    return -1;
  memcpy(text, key, klen);
  memcpy(text + klen, GUID, sizeof GUID - 1);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int dlen = 0;
  if (EVP_Digest(text, klen + sizeof GUID - 1, digest, &dlen, EVP_sha1(), NULL) != 1 ||
      dlen != 20)
    return -1;
  EVP_EncodeBlock((unsigned char *)accept, digest, 20);
  return 0;
}

static int one_line(const char *s)
{
  return s == NULL || strpbrk(s, "\r\n") == NULL;
}

int kwws_build_request(kwbuf *out, const char *host, const char *target, const char *key,
                       const char *protocols, const char *token)
{
  if (!one_line(host) || !one_line(target) || !one_line(key) || !one_line(protocols) ||
      !one_line(token) || host == NULL || target == NULL || key == NULL)
    return -1;
  int bad = kwbuf_append_str(out, "GET ") || kwbuf_append_str(out, target) ||
            kwbuf_append_str(out, " HTTP/1.1\r\nHost: ") || kwbuf_append_str(out, host) ||
            kwbuf_append_str(out, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ") ||
            kwbuf_append_str(out, key) || kwbuf_append_str(out, "\r\n");
  if (!bad && protocols != NULL)
    bad = kwbuf_append_str(out, "Sec-WebSocket-Protocol: ") ||
          kwbuf_append_str(out, protocols) || kwbuf_append_str(out, "\r\n");
  if (!bad && token != NULL)
    bad = kwbuf_append_str(out, "Authorization: Bearer ") || kwbuf_append_str(out, token) ||
          kwbuf_append_str(out, "\r\n");
  if (!bad)
    bad = kwbuf_append_str(out, "User-Agent: kwhisk\r\n\r\n");
  return bad ? -1 : 0;
}

/* Whether the comma-separated list holds token (case-insensitive, spaces trimmed). */
static int list_has(const char *list, size_t len, const char *token)
{
  size_t tlen = strlen(token);
  size_t i = 0;
  while (i < len) {
    while (i < len && (list[i] == ' ' || list[i] == '\t' || list[i] == ','))
      i++;
    size_t start = i;
    while (i < len && list[i] != ',')
      i++;
    size_t end = i;
    while (end > start && (list[end - 1] == ' ' || list[end - 1] == '\t'))
      end--;
    if (end - start == tlen && tlen != 0 && strncasecmp(list + start, token, tlen) == 0)
      return 1;
  }
  return 0;
}

typedef struct seen {
  int upgrade, connection, accept_ok;
} seen;

static int header(const char *line, size_t len, const char *name, const char **value,
                  size_t *vlen)
{
  size_t nlen = strlen(name);
  if (len <= nlen || line[nlen] != ':' || strncasecmp(line, name, nlen) != 0)
    return 0;
  size_t i = nlen + 1;
  while (i < len && (line[i] == ' ' || line[i] == '\t'))
    i++;
  size_t end = len;
  while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\t'))
    end--;
  *value = line + i;
  *vlen = end - i;
  return 1;
}

static int field(const char *line, size_t len, const char *expect, const char *protocols,
                 kwws_response *r, seen *s, char *err, size_t errlen)
{
  const char *v;
  size_t vlen;
  if (header(line, len, "Upgrade", &v, &vlen)) {
    s->upgrade = list_has(v, vlen, "websocket");
  } else if (header(line, len, "Connection", &v, &vlen)) {
    s->connection = list_has(v, vlen, "upgrade");
  } else if (header(line, len, "Sec-WebSocket-Accept", &v, &vlen)) {
    s->accept_ok = vlen == 28 && memcmp(v, expect, 28) == 0;
  } else if (header(line, len, "Sec-WebSocket-Protocol", &v, &vlen)) {
    if (vlen >= sizeof r->protocol || protocols == NULL || vlen == 0 ||
        memchr(v, ',', vlen) != NULL) {
      snprintf(err, errlen, "the server chose a subprotocol that was not offered");
      return -1;
    }
    memcpy(r->protocol, v, vlen);
    r->protocol[vlen] = '\0';
    if (!list_has(protocols, strlen(protocols), r->protocol)) {
      snprintf(err, errlen, "the server chose the subprotocol \"%s\", which was not offered",
               r->protocol);
      return -1;
    }
  } else if (header(line, len, "Transfer-Encoding", &v, &vlen)) {
    r->chunked = list_has(v, vlen, "chunked");
  } else if (header(line, len, "Content-Length", &v, &vlen)) {
    char *end;
    char num[24];
    if (vlen == 0 || vlen >= sizeof num)
      goto badlen;
    memcpy(num, v, vlen);
    num[vlen] = '\0';
    long n = strtol(num, &end, 10);
    if (*end != '\0' || n < 0)
      goto badlen;
    r->content_length = n;
  }
  return 0;
badlen:
  snprintf(err, errlen, "the handshake response has a bad Content-Length");
  return -1;
}

static int status_line(const char *line, size_t len, kwws_response *r, char *err, size_t errlen)
{
  if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ' ||
      line[9] < '1' || line[9] > '5' || line[10] < '0' || line[10] > '9' ||
      line[11] < '0' || line[11] > '9' || (len > 12 && line[12] != ' ')) {
    snprintf(err, errlen, "the handshake response does not start with an HTTP/1.x status line");
    return -1;
  }
  r->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  return 0;
}

static int check_101(const seen *s, const char *protocols, const kwws_response *r, char *err,
                     size_t errlen)
{
  if (!s->upgrade || !s->connection) {
    snprintf(err, errlen, "the 101 response lacks \"Upgrade: websocket\" or \"Connection: Upgrade\"");
    return -1;
  }
  if (!s->accept_ok) {
    snprintf(err, errlen, "the server's Sec-WebSocket-Accept does not match the key sent");
    return -1;
  }
  if (protocols != NULL && r->protocol[0] == '\0') {
    snprintf(err, errlen, "the server chose none of the offered subprotocols (%s)", protocols);
    return -1;
  }
  return 0;
}

int kwws_parse_response(const char *buf, size_t len, const char *key, const char *protocols,
                        kwws_response *r, char *err, size_t errlen)
{
  memset(r, 0, sizeof *r);
  r->content_length = -1;
  const char *end = NULL;
  for (size_t i = 0; i + 3 < len; i++) {
    if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
      end = buf + i;
      break;
    }
  }
  if (end == NULL) {
    if (len > KWWS_MAX_RESPONSE_HEAD) {
      snprintf(err, errlen, "the handshake response headers exceed %zu bytes",
               KWWS_MAX_RESPONSE_HEAD);
      return -1;
    }
    return 0;
  }
  r->head_len = (size_t)(end - buf) + 4;
  char expect[29];
  if (kwws_accept_for(key, expect) != 0) {
    snprintf(err, errlen, "cannot compute Sec-WebSocket-Accept");
    return -1;
  }
  seen s = {0, 0, 0};
  const char *line = buf;
  for (int first = 1; line < end; first = 0) {
    const char *eol = memchr(line, '\r', (size_t)(end - line) + 1);
    size_t llen = (size_t)(eol - line);
    int rc = first ? status_line(line, llen, r, err, errlen)
                   : field(line, llen, expect, protocols, r, &s, err, errlen);
    if (rc != 0)
      return -1;
    line = eol + 2;
  }
  if (r->status != 101)
    return 1;
  return check_101(&s, protocols, r, err, errlen) != 0 ? -1 : 1;
}

size_t kwws_dechunk(char *body, size_t len, int *complete)
{
  size_t in = 0, out = 0;
  *complete = 0;
  for (;;) {
    size_t size = 0, i = in;
    int digits = 0;
    for (; i < len; i++, digits++) {
      char c = body[i];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0 || size > (SIZE_MAX >> 4))
        break;
      size = size * 16 + (size_t)d;
    }
    while (i < len && body[i] != '\n') /* chunk extensions */
      i++;
    if (digits == 0 || i >= len)
      return out;
    i++;
    if (size == 0) {
      *complete = 1;
      return out;
    }
    if (len - i < size)
      size = len - i; /* a chunk cut short: keep what came */
    memmove(body + out, body + i, size);
    out += size;
    in = i + size;
    if (in + 2 > len)
      return out;
    in += 2; /* CRLF after the data */
  }
}
