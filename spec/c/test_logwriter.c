/* test_logwriter.c: unit tests of the log writer: records out of a reader in their text and
 * JSON forms, in large writes, and the failure of a write. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kwbuf.h"
#include "logreader.h"
#include "logwriter.h"

/* Everything written to fd so far (a temporary file), NUL-terminated; free it. */
static char *contents(FILE *f, size_t *len)
{
  fflush(f);
  long n = ftell(f);
  char *text = malloc((size_t)n + 1);
  rewind(f);
  *len = fread(text, 1, (size_t)n, f);
  text[*len] = '\0';
  return text;
}

static void test_forms(void)
{
  const char *log = "2018-02-06T00:00:18.419889342Z  first activation \n"
                    "not a timestamp\n"
                    "2018-02-06T00:00:19Z tab\tand \"quote\"\r\n";
  for (int format = KWLOG_FORMAT_TEXT; format <= KWLOG_FORMAT_JSON; format++) {
    FILE *f = tmpfile();
    kwlog_reader *r = kwlog_reader_new(NULL);
    kwlog_writer *w = kwlog_writer_new(fileno(f), format, "stderr", 6);
    CHECK(f != NULL && r != NULL && w != NULL);
    kwtime last;
    CHECK(kwlog_writer_last(w, &last) == 0);
    CHECK(kwlog_reader_feed(r, log, strlen(log)) == 0);
    CHECK(kwlog_writer_drain(w, r) == 2);
    CHECK(kwlog_writer_flush(w) == 0);
    CHECK(kwlog_writer_last(w, &last) == 1 && last.sec == 1517875219 && last.nsec == 0);
    size_t len;
    char *text = contents(f, &len);
    if (format == KWLOG_FORMAT_TEXT)
      CHECK_STR(text, "2018-02-06T00:00:18.419889342Z stderr: first activation\n"
                      "2018-02-06T00:00:19.0Z stderr: tab\tand \"quote\"\n");
    else
      CHECK_STR(text, "{\"log\":\" first activation \",\"stream\":\"stderr\","
                      "\"time\":\"2018-02-06T00:00:18.419889342Z\"}\n"
                      "{\"log\":\"tab\\tand \\\"quote\\\"\",\"stream\":\"stderr\","
                      "\"time\":\"2018-02-06T00:00:19.0Z\"}\n");
    free(text);
    kwlog_writer_free(w);
    kwlog_reader_free(r);
    fclose(f);
  }
  CHECK(kwlog_writer_new(1, 7, "stdout", 6) == NULL);
}

/* Many records, fed in odd chunks: every one comes out, in order, in writes of about
 * KWLOG_WRITE_CHUNK bytes (the buffer never holds much more). */
static void test_volume(void)
{
  enum { LINES = 20000 };
  kwbuf in;
  kwbuf_init(&in, 0);
  char line[96];
  for (int i = 0; i < LINES; i++) {
    int n = snprintf(line, sizeof line, "2024-05-01T10:%02d:%02d.%dZ line %d\n", i / 60 % 60,
                     i % 60, i % 1000, i);
    kwbuf_append(&in, line, (size_t)n);
  }
  FILE *f = tmpfile();
  kwlog_reader *r = kwlog_reader_new(NULL);
  kwlog_writer *w = kwlog_writer_new(fileno(f), KWLOG_FORMAT_TEXT, "stdout", 6);
  long total = 0;
  for (size_t at = 0; at < in.len; at += 7777) {
    size_t n = in.len - at < 7777 ? in.len - at : 7777;
    CHECK(kwlog_reader_feed(r, in.data + at, n) == 0);
    total += kwlog_writer_drain(w, r);
  }
  kwlog_reader_finish(r);
  total += kwlog_writer_drain(w, r);
  long before_flush = (fflush(f), ftell(f));
  CHECK(before_flush > 0);                                  /* large writes happened ... */
  CHECK(total == LINES);
  CHECK(kwlog_writer_flush(w) == 0);
  size_t len;
  char *text = contents(f, &len);
  CHECK(len - (size_t)before_flush <= KWLOG_WRITE_CHUNK + 128); /* ... and little was held */
  size_t count = 0;
  for (char *p = text; (p = strchr(p, '\n')) != NULL; p++)
    count++;
  CHECK(count == LINES);
  CHECK(strstr(text, "2024-05-01T10:00:00.0Z stdout: line 0\n") == text);
  CHECK(strstr(text, "stdout: line 19999\n") != NULL);
  free(text);
  kwlog_writer_free(w);
  kwlog_reader_free(r);
  kwbuf_free(&in);
  fclose(f);
}

/* A reader that went away: the write fails with EPIPE and the writer says so. */
static void test_write_error(void)
{
  int fds[2];
  CHECK(pipe(fds) == 0);
  close(fds[0]);
  signal(SIGPIPE, SIG_IGN);
  kwlog_reader *r = kwlog_reader_new(NULL);
  kwlog_writer *w = kwlog_writer_new(fds[1], KWLOG_FORMAT_JSON, "stdout", 6);
  const char *log = "2018-02-06T00:00:18Z hello\n";
  CHECK(kwlog_reader_feed(r, log, strlen(log)) == 0);
  CHECK(kwlog_writer_drain(w, r) == 1);
  errno = 0;
  CHECK(kwlog_writer_flush(w) == -1 && errno == EPIPE);
  kwlog_writer_free(w);
  kwlog_reader_free(r);
  close(fds[1]);
}

int main(void)
{
  test_forms();
  test_volume();
  test_write_error();
  return check_summary("logwriter");
}
