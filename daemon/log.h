/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

enum log_target {
        LOG_TARGET_AUTO,        /* the journal when stderr is connected to it, else the console */
        LOG_TARGET_JOURNAL,
        LOG_TARGET_CONSOLE,
};

struct logger {
        bool journal;           /* the resolved target: journal or stderr */
        int max_level;          /* LOG_INFO, or LOG_DEBUG when debugging */
        int file_fd;            /* LOGFILE, -1 when unset */
};

/* Returns 0, or -EINVAL for a name other than auto, journal, console. */
int log_target_from_string(const char *name, enum log_target *ret);

void log_init(struct logger *log, enum log_target target, bool debug);
void log_set_debug(struct logger *log, bool debug);

/* Replaces the LOGFILE copy: opens path safely (see logfile.c), or only
 * closes the current file when path is "". Returns 0 or a negative errno. */
int log_open_file(struct logger *log, const char *path);
void log_close(struct logger *log);

/* Logs one message with extra journal fields ("KEY=value" strings, sent only
 * to the journal). Returns -abs(error), so that callers can log and return in
 * one statement. An error of 0 returns 0. */
__attribute__((format(printf, 6, 7)))
int log_fields(struct logger *log, int level, int error, const char *const *fields, size_t n_fields,
               const char *format, ...);

__attribute__((format(printf, 6, 0)))
int log_fieldsv(struct logger *log, int level, int error, const char *const *fields, size_t n_fields,
                const char *format, va_list ap);

#define log_message(log, level, ...) log_fields((log), (level), 0, NULL, 0, __VA_ARGS__)
#define log_errno(log, level, error, ...) log_fields((log), (level), (error), NULL, 0, __VA_ARGS__)

/* Limits repeats of one message to burst in each interval. */
struct ratelimit {
        uint64_t interval_usec;
        unsigned burst;
        uint64_t begin_usec;
        unsigned count;
        unsigned suppressed;
};

#define RATELIMIT_INIT(interval, max_burst) { .interval_usec = (interval), .burst = (max_burst) }

/* Returns true when a message may be logged at now_usec (CLOCK_MONOTONIC).
 * When a new interval begins, *ret_suppressed gets how many messages were
 * dropped in the one before, else 0. */
bool ratelimit_check(struct ratelimit *limit, uint64_t now_usec, unsigned *ret_suppressed);

uint64_t now_monotonic_usec(void);
