/* test_pfchan.c: unit tests of the port-forward channel decoder. */
#include <stdint.h>

#include "check.h"
#include "pfchan.h"

static int decode(kwpf_chan *c, const char *msg, size_t len, int *channel, const char **data,
                  size_t *n, char *err)
{
  const uint8_t *d = NULL;
  int rc = kwpf_chan_decode(c, (const uint8_t *)msg, len, channel, &d, n, err, 128);
  *data = (const char *)d;
  return rc;
}

int main(void)
{
  kwpf_chan c;
  int channel = -1;
  const char *data = NULL;
  size_t n = 99;
  char err[128];

  /* port 8080 = 0x1F90: little-endian 0x90 0x1F, first on each channel */
  kwpf_chan_init(&c, 8080);
  CHECK(decode(&c, "\x00\x90\x1f", 3, &channel, &data, &n, err) == 0);
  CHECK(channel == KWPF_DATA_CHANNEL && n == 0);
  CHECK(decode(&c, "\x00hello", 6, &channel, &data, &n, err) == 0);
  CHECK(channel == 0 && n == 5 && memcmp(data, "hello", 5) == 0);
  /* the error channel has a prefix of its own, then text */
  CHECK(decode(&c, "\x01\x90\x1f" "refused", 10, &channel, &data, &n, err) == 0);
  CHECK(channel == KWPF_ERROR_CHANNEL && n == 7 && memcmp(data, "refused", 7) == 0);
  /* a prefix and data in one message; a prefix split over two messages */
  kwpf_chan_init(&c, 8080);
  CHECK(decode(&c, "\x00\x90\x1fok", 5, &channel, &data, &n, err) == 0);
  CHECK(n == 2 && memcmp(data, "ok", 2) == 0);
  kwpf_chan_init(&c, 8080);
  CHECK(decode(&c, "\x00\x90", 2, &channel, &data, &n, err) == 0 && n == 0);
  CHECK(decode(&c, "\x00\x1f" "x", 3, &channel, &data, &n, err) == 0);
  CHECK(n == 1 && data[0] == 'x');
  /* a channel byte alone carries nothing, before or after the prefix */
  CHECK(decode(&c, "\x00", 1, &channel, &data, &n, err) == 0 && n == 0);

  /* refusals: empty, unknown channel, another port */
  kwpf_chan_init(&c, 8080);
  CHECK(decode(&c, "", 0, &channel, &data, &n, err) == -1);
  CHECK_STR(err, "port-forward: an empty message (no channel byte)");
  CHECK(decode(&c, "\x02xx", 3, &channel, &data, &n, err) == -1);
  CHECK_STR(err, "port-forward: a message on unknown channel 2");
  CHECK(decode(&c, "\x00\x50\x00", 3, &channel, &data, &n, err) == -1);
  CHECK_STR(err, "port-forward: channel 0 names port 80, expected 8080");
  /* an error message is cut to the buffer, never past it */
  char small[8];
  const uint8_t *d;
  CHECK(kwpf_chan_decode(&c, (const uint8_t *)"", 0, &channel, &d, &n, small, sizeof small) == -1);
  CHECK(strlen(small) == sizeof small - 1);

  return check_summary("pfchan");
}
