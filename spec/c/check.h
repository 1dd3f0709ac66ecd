/* check.h: the small assertion kit of kwhisk's C unit tests.
 * CHECK records a failure with its file and line and goes on; check_summary()
 * prints "N passed, N failed" and gives the process exit code. */
#ifndef KWHISK_CHECK_H
#define KWHISK_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (cond) {                                                            \
      check_passed++;                                                      \
    } else {                                                               \
      check_failed++;                                                      \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                      \
  } while (0)

#define CHECK_STR(got, want)                                               \
  do {                                                                     \
    const char *check_got_ = (got), *check_want_ = (want);                 \
    if (check_got_ != NULL && strcmp(check_got_, check_want_) == 0) {      \
      check_passed++;                                                      \
    } else {                                                               \
      check_failed++;                                                      \
      fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, \
              check_got_ ? check_got_ : "(null)", check_want_);            \
    }                                                                      \
  } while (0)

static inline int check_summary(const char *suite)
{
  printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
  return check_failed == 0 ? 0 : 1;
}

#endif
