/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ksm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "number.h"

const char *ksm_file_name(enum ksm_file file) {
        static const char *const names[N_KSM_FILES] = {
                [KSM_FILE_PAGES_TO_SCAN] = "pages_to_scan",
                [KSM_FILE_SLEEP_MILLISECS] = "sleep_millisecs",
                [KSM_FILE_RUN] = "run",
        };

        return names[file];
}

void ksm_plan_writes(const struct decision *decision, const struct ksm_state *state, struct ksm_plan *ret) {
        struct ksm_plan plan = { .count = 0 };

        if (decision->run) {
                /* While the kernel's advisor owns pages_to_scan, writes fail with EINVAL. */
                if (!state->advisor_scan_time && state->pages_to_scan != decision->npages)
                        plan.writes[plan.count++] = (struct ksm_write) { KSM_FILE_PAGES_TO_SCAN, decision->npages, state->pages_to_scan };
                if (state->sleep_ms != decision->sleep_ms)
                        plan.writes[plan.count++] = (struct ksm_write) { KSM_FILE_SLEEP_MILLISECS, decision->sleep_ms, state->sleep_ms };
        }
        if (state->run != (decision->run ? 1 : 0))
                plan.writes[plan.count++] = (struct ksm_write) { KSM_FILE_RUN, decision->run ? 1 : 0, state->run };

        *ret = plan;
}

int ksm_open(const char *path, struct ksm *ret) {
        int fd;

        if (strlen(path) >= sizeof(ret->path))
                return -ENAMETOOLONG;

        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;

        *ret = (struct ksm) { .dir_fd = fd };
        strcpy(ret->path, path);

        ksm_check_writable(ret);
        return 0;
}

void ksm_check_writable(struct ksm *ksm) {
        /* EROFS in a container with a read-only /sys, EACCES when not root. */
        ksm->write_error = faccessat(ksm->dir_fd, "run", W_OK, AT_EACCESS) < 0 ? -errno : 0;
}

void ksm_close(struct ksm *ksm) {
        if (ksm->dir_fd >= 0)
                close(ksm->dir_fd);
        ksm->dir_fd = -1;
}

/* Reads a whole small file into buffer without its final newline. */
static int read_text(const struct ksm *ksm, const char *file, char *buffer, size_t size) {
        ssize_t n;
        int fd;

        fd = openat(ksm->dir_fd, file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buffer, size - 1);
        if (n < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        close(fd);

        buffer[n] = '\0';
        if (n > 0 && buffer[n - 1] == '\n')
                buffer[n - 1] = '\0';
        return 0;
}

/* Reads a number, and copies what the file contains into text. */
static int read_number(const struct ksm *ksm, const char *file, int64_t *ret, char *text, size_t text_size) {
        int r;

        r = read_text(ksm, file, text, text_size);
        if (r < 0)
                return r;
        return parse_int64(text, ret);
}

int ksm_read_advisor_scan_time(const struct ksm *ksm, bool *ret) {
        char text[128];
        int r;

        r = read_text(ksm, "advisor_mode", text, sizeof(text));
        if (r == -ENOENT) {
                *ret = false;
                return 0;
        }
        if (r < 0)
                return r;
        *ret = strstr(text, "[scan-time]") != NULL;
        return 0;
}

int ksm_read_state(const struct ksm *ksm, struct ksm_state *ret, struct ksm_read_failure *failure) {
        struct ksm_state state = { 0 };
        const struct {
                const char *file;
                int64_t *value;
        } required[] = {
                { "run", &state.run },
                { "pages_to_scan", &state.pages_to_scan },
                { "sleep_millisecs", &state.sleep_ms },
        }, counters[] = {
                { "pages_shared", &state.pages_shared },
                { "pages_sharing", &state.pages_sharing },
                { "general_profit", &state.general_profit_bytes },
                { "pages_unshared", &state.pages_unshared },
                { "pages_scanned", &state.pages_scanned },
                { "full_scans", &state.full_scans },
                { "advisor_target_scan_time", &state.advisor_target_scan_time_s },
                { "advisor_max_cpu", &state.advisor_max_cpu_percent },
                { "merge_across_nodes", &state.merge_across_nodes },
                { "use_zero_pages", &state.use_zero_pages },
        };
        char text[64];
        int r;

        for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
                r = read_number(ksm, required[i].file, required[i].value, failure->text, sizeof(failure->text));
                if (r < 0) {
                        failure->file = required[i].file;
                        return r;
                }
        }

        r = ksm_read_advisor_scan_time(ksm, &state.advisor_scan_time);
        if (r < 0) {
                failure->file = "advisor_mode";
                return r;
        }

        for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
                if (read_number(ksm, counters[i].file, counters[i].value, text, sizeof(text)) < 0)
                        *counters[i].value = KSM_COUNTER_UNKNOWN;
        state.has_advisor = faccessat(ksm->dir_fd, "advisor_mode", F_OK, 0) == 0;

        *ret = state;
        return 0;
}

int ksm_write_text(const struct ksm *ksm, const char *file, const char *text) {
        size_t length = strlen(text);
        ssize_t n;
        int fd, r = 0;

        fd = openat(ksm->dir_fd, file, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = write(fd, text, length);
        if (n < 0)
                r = -errno;
        else if ((size_t) n != length)
                r = -EIO;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        return r;
}

int ksm_write(const struct ksm *ksm, const char *file, int64_t value, int64_t *ret_read_back) {
        char text[32];
        ssize_t n;
        int fd, length, r = 0;

        length = snprintf(text, sizeof(text), "%lld\n", (long long) value);

        /* O_TRUNC matters on anything but sysfs, which ignores it: a shorter
         * value must not leave the tail of a longer one behind. */
        fd = openat(ksm->dir_fd, file, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return -errno;

        n = write(fd, text, (size_t) length);
        if (n < 0)
                r = -errno;
        else if (n != length)
                r = -EIO;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r < 0)
                return r;

        return read_number(ksm, file, ret_read_back, text, sizeof(text));
}
