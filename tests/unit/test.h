/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A minimal harness: each test function prints one PASS or FAIL line in the
 * format tests/run counts, with the file, line and values of every failed
 * check. */
#pragma once

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static unsigned test_failures;          /* in the whole program */
static bool test_current_failed;        /* in the running test */

#define EXPECT(condition)                                                               \
        do {                                                                            \
                if (!(condition)) {                                                     \
                        printf("  %s:%d: expected %s\n", __FILE__, __LINE__, #condition); \
                        test_current_failed = true;                                     \
                }                                                                       \
        } while (0)

#define EXPECT_INT(actual, expected)                                                    \
        do {                                                                            \
                long long _a = (long long) (actual), _e = (long long) (expected);       \
                if (_a != _e) {                                                         \
                        printf("  %s:%d: %s is %lld, expected %lld\n", __FILE__, __LINE__, \
                               #actual, _a, _e);                                        \
                        test_current_failed = true;                                     \
                }                                                                       \
        } while (0)

#define EXPECT_STR(actual, expected)                                                    \
        do {                                                                            \
                const char *_a = (actual), *_e = (expected);                            \
                if (!_a || strcmp(_a, _e) != 0) {                                       \
                        printf("  %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
                               #actual, _a ? _a : "(null)", _e);                        \
                        test_current_failed = true;                                     \
                }                                                                       \
        } while (0)

#define RUN_TEST(function)                                                              \
        do {                                                                            \
                test_current_failed = false;                                            \
                function();                                                             \
                printf("%s: %s\n", test_current_failed ? "FAIL" : "PASS", #function);   \
                if (test_current_failed)                                                \
                        test_failures++;                                                \
        } while (0)

#define TEST_EXIT_STATUS (test_failures > 0 ? 1 : 0)
