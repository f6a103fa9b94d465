/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* Without this, every message would carry this file's location, which is of no use to a reader. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "logfile.h"

#define MAX_FIELDS 16

/* The socket of journald's native protocol, a path fixed in libsystemd. */
#define JOURNAL_SOCKET_PATH "/run/systemd/journal/socket"

static const char *level_name(int level) {
        switch (level) {
        case LOG_EMERG:
        case LOG_ALERT:
        case LOG_CRIT:
        case LOG_ERR:
                return "error";
        case LOG_WARNING:
                return "warning";
        case LOG_NOTICE:
                return "notice";
        case LOG_INFO:
                return "info";
        default:
                return "debug";
        }
}

int log_target_from_string(const char *name, enum log_target *ret) {
        if (strcmp(name, "auto") == 0)
                *ret = LOG_TARGET_AUTO;
        else if (strcmp(name, "journal") == 0)
                *ret = LOG_TARGET_JOURNAL;
        else if (strcmp(name, "console") == 0)
                *ret = LOG_TARGET_CONSOLE;
        else
                return -EINVAL;
        return 0;
}

/* systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it connects to
 * stdout and stderr, so a match means stderr still leads to the journal. */
static bool stderr_is_journal(void) {
        const char *value = getenv("JOURNAL_STREAM");
        unsigned long long device, inode;
        struct stat st;

        if (!value || sscanf(value, "%llu:%llu", &device, &inode) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == (dev_t) device && st.st_ino == (ino_t) inode;
}

void log_init(struct logger *log, enum log_target target, bool debug) {
        bool journal_missing;

        log->journal = target == LOG_TARGET_JOURNAL || (target == LOG_TARGET_AUTO && stderr_is_journal());
        log->file_fd = -1;
        log_set_debug(log, debug);

        /* sd_journal_send() succeeds with no journal listening, so check
         * first, because lost messages would hide a fatal error. */
        journal_missing = log->journal && access(JOURNAL_SOCKET_PATH, F_OK) < 0;
        if (journal_missing) {
                log->journal = false;
                log_message(log, LOG_WARNING, "%s not found: journald is not running; logging to standard error",
                            JOURNAL_SOCKET_PATH);
        }
}

void log_set_debug(struct logger *log, bool debug) {
        log->max_level = debug ? LOG_DEBUG : LOG_INFO;
}

void log_close(struct logger *log) {
        if (log->file_fd >= 0)
                close(log->file_fd);
        log->file_fd = -1;
}

int log_open_file(struct logger *log, const char *path) {
        int fd;

        if (path[0] == '\0') {
                log_close(log);
                return 0;
        }

        /* The old file stays in use when the new one cannot be opened. */
        fd = logfile_open(path);
        if (fd < 0)
                return fd;
        log_close(log);
        log->file_fd = fd;
        return 0;
}

static void write_to_file(struct logger *log, int level, const char *message) {
        char stamp[64], line[2048];
        struct tm tm;
        time_t now = time(NULL);
        ssize_t written;
        int length;

        if (!localtime_r(&now, &tm) || strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
                stamp[0] = '\0';

        /* One write() per line, so that O_APPEND keeps lines whole. A line
         * cut short still ends in a newline. */
        length = snprintf(line, sizeof(line), "%s %s: %s\n", stamp, level_name(level), message);
        if (length < 0)
                return;
        if ((size_t) length >= sizeof(line)) {
                length = (int) sizeof(line) - 1;
                line[length - 1] = '\n';
        }
        written = write(log->file_fd, line, (size_t) length);
        if (written != length) {
                int error = written < 0 ? errno : ENOSPC;

                /* Stop copying to a file that fails, and report that once on the main target. */
                log_close(log);
                log_errno(log, LOG_WARNING, error, "Writing to LOGFILE failed: %s; ignoring, messages now go only to the %s",
                          strerror(error), log->journal ? "journal" : "console");
        }
}

static void send_to_journal(int level, int error, const char *const *fields, size_t n_fields, const char *message) {
        char priority[32], errno_field[32], *message_field = NULL;
        struct iovec iov[MAX_FIELDS + 4];
        size_t n = 0;

        if (asprintf(&message_field, "MESSAGE=%s", message) < 0)
                return;
        snprintf(priority, sizeof(priority), "PRIORITY=%d", level);

        iov[n++] = (struct iovec) { .iov_base = message_field, .iov_len = strlen(message_field) };
        iov[n++] = (struct iovec) { .iov_base = priority, .iov_len = strlen(priority) };
        iov[n++] = (struct iovec) { .iov_base = (char *) "SYSLOG_IDENTIFIER=ksmtuned", .iov_len = strlen("SYSLOG_IDENTIFIER=ksmtuned") };
        if (error != 0) {
                snprintf(errno_field, sizeof(errno_field), "ERRNO=%d", abs(error));
                iov[n++] = (struct iovec) { .iov_base = errno_field, .iov_len = strlen(errno_field) };
        }
        for (size_t i = 0; i < n_fields && i < MAX_FIELDS; i++)
                iov[n++] = (struct iovec) { .iov_base = (char *) fields[i], .iov_len = strlen(fields[i]) };

        /* NOTE: the result is not checked: sd_journal_sendv() returns 0 even
         * when no journal listens, and there is nowhere else to report. */
        (void) sd_journal_sendv(iov, (int) n);
        free(message_field);
}

int log_fields(struct logger *log, int level, int error, const char *const *fields, size_t n_fields,
               const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = log_fieldsv(log, level, error, fields, n_fields, format, ap);
        va_end(ap);
        return r;
}

int log_fieldsv(struct logger *log, int level, int error, const char *const *fields, size_t n_fields,
                const char *format, va_list ap) {
        char message[2048];

        if (level > log->max_level)
                return -abs(error);

        vsnprintf(message, sizeof(message), format, ap);

        if (log->journal)
                send_to_journal(level, error, fields, n_fields, message);
        else
                fprintf(stderr, "%s: %s\n", level_name(level), message);

        if (log->file_fd >= 0)
                write_to_file(log, level, message);

        return -abs(error);
}

bool ratelimit_check(struct ratelimit *limit, uint64_t now_usec, unsigned *ret_suppressed) {
        *ret_suppressed = 0;

        if (limit->count == 0 || now_usec - limit->begin_usec >= limit->interval_usec) {
                *ret_suppressed = limit->suppressed;
                limit->begin_usec = now_usec;
                limit->count = 1;
                limit->suppressed = 0;
                return true;
        }
        if (limit->count < limit->burst) {
                limit->count++;
                return true;
        }
        limit->suppressed++;
        return false;
}

uint64_t now_monotonic_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}
