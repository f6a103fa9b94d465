/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define KSM_SYSFS_DIR "/sys/kernel/mm/ksm"

/* Marks a counter the kernel lacks. general_profit may take any other value. */
#define KSM_COUNTER_UNKNOWN INT64_MIN

/* The values the kernel reports in the KSM directory. Counters a kernel
 * lacks are KSM_COUNTER_UNKNOWN. */
struct ksm_state {
        int64_t run;
        int64_t pages_to_scan;
        int64_t sleep_ms;
        bool advisor_scan_time;         /* advisor_mode is "scan-time": the kernel sets pages_to_scan */
        int64_t pages_shared;
        int64_t pages_sharing;
        int64_t general_profit_bytes;   /* signed: negative while the first scan costs more than it saves */
        int64_t pages_unshared;
        int64_t pages_scanned;
        int64_t full_scans;
        /* Tunables only the adaptive policy writes, KSM_COUNTER_UNKNOWN when missing. */
        bool has_advisor;               /* advisor_mode exists (Linux 6.8 and later) */
        int64_t advisor_target_scan_time_s;
        int64_t advisor_max_cpu_percent;
        int64_t merge_across_nodes;     /* missing without NUMA */
        int64_t use_zero_pages;
};

struct ksm {
        int dir_fd;
        char path[4096];
        int write_error;        /* 0, or why writing is impossible (-EROFS, -EACCES) */
};

/* The files ksmtuned writes. */
enum ksm_file {
        KSM_FILE_PAGES_TO_SCAN,
        KSM_FILE_SLEEP_MILLISECS,
        KSM_FILE_RUN,
        N_KSM_FILES,
};

/* Returns the file's name in the KSM directory. */
const char *ksm_file_name(enum ksm_file file);

/* One file to write, in the order written. */
struct ksm_write {
        enum ksm_file file;
        int64_t value;
        int64_t old_value;      /* what the kernel reported before */
};

struct ksm_plan {
        struct ksm_write writes[3];
        size_t count;
};

/* Lists the files whose value differs from the decision, pages_to_scan and
 * sleep_millisecs before run. Stopping writes only run, as the shell version
 * did. Pure. */
void ksm_plan_writes(const struct decision *decision, const struct ksm_state *state, struct ksm_plan *ret);

/* Opens the KSM directory. Returns 0, -ENOENT when the kernel has no KSM, or
 * another negative errno. Sets write_error when the files are not writable. */
int ksm_open(const char *path, struct ksm *ret);
void ksm_close(struct ksm *ksm);

/* The file a read failed on, and for -EINVAL the text that is not a number. */
struct ksm_read_failure {
        const char *file;
        char text[64];
};

/* Reads run, pages_to_scan, sleep_millisecs and advisor_mode, which must be
 * valid, and the counters, which may be missing. Returns 0 or a negative
 * errno, with the first file that failed in *failure. */
int ksm_read_state(const struct ksm *ksm, struct ksm_state *ret, struct ksm_read_failure *failure);

/* Writes text and a newline to file, as ksm_write() does, without reading
 * it back. Returns 0 or a negative errno. */
int ksm_write_text(const struct ksm *ksm, const char *file, const char *text);

/* Reads whether advisor_mode is scan-time. The file reads "[none] scan-time",
 * with the selected mode in brackets. Kernels before 6.8 lack it, which
 * counts as none. Returns 0 or a negative errno. */
int ksm_read_advisor_scan_time(const struct ksm *ksm, bool *ret);

/* Checks again whether the files can be written, setting write_error. */
void ksm_check_writable(struct ksm *ksm);

/* Writes value to file, truncating it, checks the write and the close, and
 * reads the value back into *ret_read_back. Returns 0 or a negative errno. */
int ksm_write(const struct ksm *ksm, const char *file, int64_t value, int64_t *ret_read_back);
