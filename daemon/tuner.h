/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The default tuning policy
 * =========================
 *
 * Every cycle the tuner decides three things: whether ksmd runs, how fast it
 * scans (pages_to_scan pages every sleep_millisecs), and which KSM files
 * ksmtuned may write. It decides from /proc/meminfo, the guests it found, the
 * kernel's KSM counters and the CPU time ksmd used since the last cycle.
 *
 * When KSM runs. The free figure is MemAvailable, or on request the shell
 * ksmtuned's MemFree + Buffers + Cached. The threshold is the larger of
 * KSM_THRES_COEF percent of MemTotal and KSM_THRES_CONST KiB, as in the shell
 * version. KSM starts when free memory falls below the threshold, or when the
 * guests' resident memory plus the threshold reaches MemTotal. Once running,
 * it stops only when free memory rises above the threshold plus a stop margin
 * (a percentage of MemTotal) and the guests' memory plus both stays below
 * MemTotal. The margin keeps KSM from starting and stopping every cycle while
 * free memory hovers near the threshold. Without guest memory to merge KSM
 * does not run, even under pressure. The one exception is a kernel that
 * already reports shared pages while no guest is found: then other programs
 * have marked memory mergeable, and KSM keeps serving them.
 *
 * How fast. The memory still to merge is the guests' mergeable memory minus
 * what KSM has merged already (pages_shared + pages_sharing pages). While
 * that is more than a little, the scan rate is chosen so that ksmd scans all
 * of the guests' mergeable memory once within the target scan time, because
 * each pass covers merged pages too. Once little is left, or once a full
 * scan gained nothing so that what is left is mostly unique, the rate
 * follows what is left. sleep_millisecs is KSM_SLEEP_MSEC scaled to MemTotal as in the
 * shell version, and pages_to_scan is the rate times that sleep, within
 * KSM_NPAGES_MIN and KSM_NPAGES_MAX. A rate too low for KSM_NPAGES_MIN
 * lengthens the sleep instead, up to a maximum sleep. KSM_NPAGES_MIN pages
 * every maximum sleep is the slowest ksmd ever scans while running.
 *
 * Back-off. Each time ksmd finishes a full scan (full_scans advances), the
 * tuner checks what the scan gained. KSM merges a new page on its second
 * pass at the earliest, so the first scan after a return to the full rate
 * is not judged. Several scans between two cycles count one step each. When neither pages_sharing nor
 * general_profit rose by more than a small amount, the scan was fruitless
 * and the rate halves, step by step, down to the slowest speed. A scan that
 * gained takes one step back up. A new guest, falling pages_sharing (merged
 * pages were lost, for example to copy-on-write), free memory dropping fast,
 * KSM starting and a change of MemTotal all return to the full rate at once.
 *
 * CPU cap. ksmd's CPU time over the last cycle is compared with a cap in
 * percent of one core. When ksmd used more, the rate is scaled down in
 * proportion. While ksmd stays under the cap, the limit rises again by at
 * most a factor of two per cycle until it no longer limits anything.
 *
 * The kernel's advisor. On kernels from 6.8 with advisor_mode, ksmtuned can
 * hand pages_to_scan over to the kernel (off by default). It then sets
 * advisor_mode to scan-time and writes the target scan time and the CPU cap
 * to advisor_target_scan_time and advisor_max_cpu, and still decides when KSM
 * runs. When the administrator selected scan-time instead, ksmtuned leaves
 * pages_to_scan to the advisor and writes no advisor file.
 *
 * Other writers. When run, pages_to_scan or sleep_millisecs differs from what
 * ksmtuned last wrote, another program changed it. The tuner reports that
 * once per streak, with both values. After a configured number of cycles in
 * a row that find the file changed again, ksmtuned stops writing that file
 * until the tuner state is reset.
 *
 * On exit. ksmtuned keeps the KSM settings as they are, stops KSM (run=0,
 * merged pages stay merged), or restores the values found at start. On
 * request it unmerges every page instead of stopping (run=2). It does so only
 * when MemAvailable covers the memory the merged pages will need again
 * (pages_sharing pages) plus the threshold, so that unmerging does not push
 * the host into memory pressure. The same rule applies to merge_across_nodes,
 * which the kernel rejects with EBUSY while pages are merged: changing it
 * then takes run=2, the new value, and run set back to its old value.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meminfo.h"

/* A KSM file value that the kernel lacks or that ksmtuned never wrote. */
#define TUNER_UNSET INT64_C(-1)

/* Files the tuner decides about. TUNER_FILE_BIT() turns one into a mask bit. */
enum tuner_file {
        TUNER_FILE_RUN,
        TUNER_FILE_PAGES_TO_SCAN,
        TUNER_FILE_SLEEP_MILLISECS,
        TUNER_FILE_ADVISOR_MODE,                /* 1 for scan-time, 0 for none */
        TUNER_FILE_ADVISOR_TARGET_SCAN_TIME,    /* seconds */
        TUNER_FILE_ADVISOR_MAX_CPU,             /* percent of one core */
        TUNER_FILE_MERGE_ACROSS_NODES,
        TUNER_FILE_USE_ZERO_PAGES,
        TUNER_N_FILES,
};

#define TUNER_FILE_BIT(file) (1u << (file))

/* Files checked for other writers: run, pages_to_scan and sleep_millisecs,
 * the first three in enum tuner_file. */
#define TUNER_N_WATCHED_FILES 3

/* Returns the file's name in /sys/kernel/mm/ksm, or NULL for an invalid file. */
const char *tuner_file_name(enum tuner_file file);

/* Source of the free memory figure. */
enum tuner_free_source {
        TUNER_FREE_AVAILABLE,           /* MemAvailable */
        TUNER_FREE_LEGACY_SUM,          /* MemFree + Buffers + Cached, as the shell ksmtuned */
};

enum tuner_exit_action {
        TUNER_EXIT_KEEP,                /* write nothing */
        TUNER_EXIT_STOP,                /* run=0: ksmd stops, merged pages stay merged */
        TUNER_EXIT_RESTORE,             /* write back the values found at start */
};

/* The settings of the tuner. tuner_config_defaults() explains each default. */
struct tuner_config {
        enum tuner_free_source free_source;
        int64_t thres_coef_percent;     /* of MemTotal, KSM_THRES_COEF */
        int64_t thres_const_kib;        /* KSM_THRES_CONST */
        int64_t stop_margin_percent;    /* of MemTotal, above the threshold */
        int64_t target_scan_time_s;     /* to scan the unmerged memory once */
        int64_t pages_min;              /* KSM_NPAGES_MIN */
        int64_t pages_max;              /* KSM_NPAGES_MAX */
        int64_t sleep_ms_per_16gib;     /* KSM_SLEEP_MSEC */
        int64_t sleep_max_ms;           /* maximum sleep_millisecs while running */
        int64_t scan_gain_min_kib;      /* a full scan gaining no more than this was fruitless */
        int64_t ramp_free_drop_percent; /* of MemTotal: a faster fall in free memory ramps up */
        int64_t max_cpu_percent;        /* of one core, for ksmd */
        bool advisor_handover;          /* let the kernel's advisor set pages_to_scan */
        int64_t yield_after_overrides;  /* 0 never yields */
        enum tuner_exit_action exit_action;
        bool unmerge_on_exit;           /* run=2 instead of run=0 on exit, memory permitting */
        int64_t merge_across_nodes;     /* 0 or 1, TUNER_UNSET to leave it */
        int64_t use_zero_pages;         /* 0 or 1, TUNER_UNSET to leave it */
};

/* Sets every field to its default. */
void tuner_config_defaults(struct tuner_config *ret);

/* Checks every field's range. Returns 0, or -EINVAL with the name of the
 * first invalid field in *ret_field. */
int tuner_config_validate(const struct tuner_config *config, const char **ret_field);

/* Values of the KSM files, each TUNER_UNSET when unknown. */
struct tuner_settings {
        int64_t run;
        int64_t pages_to_scan;
        int64_t sleep_ms;
        int64_t advisor_mode;           /* 1 for scan-time, 0 for none */
        int64_t advisor_target_scan_time_s;
        int64_t advisor_max_cpu_percent;
        int64_t merge_across_nodes;
        int64_t use_zero_pages;
};

/* Returns settings with every value TUNER_UNSET. */
struct tuner_settings tuner_settings_unset(void);

/* Marks a counter the kernel lacks, as KSM_COUNTER_UNKNOWN does in ksm.h.
 * general_profit may take any other value. */
#define TUNER_COUNTER_UNKNOWN INT64_MIN

/* The kernel's KSM counters, each TUNER_COUNTER_UNKNOWN when missing. */
struct tuner_counters {
        int64_t full_scans;
        int64_t pages_shared;
        int64_t pages_sharing;
        int64_t pages_unshared;
        int64_t pages_scanned;          /* for the log: the decision does not use it */
        int64_t general_profit_bytes;   /* negative while the first scan costs more than it saves */
};

/* The guests found this cycle. */
struct tuner_guests {
        size_t count;                   /* for the log: the decision does not use it */
        uint64_t committed_kib;         /* guests' memory by KSM_GUEST_MEMORY, of the guests KSM can merge */
        uint64_t mergeable_kib;         /* resident memory of the guests KSM can merge, what ksmd has to scan */
        uint64_t generation;            /* advances whenever a new guest appears */
};

/* Everything one decision is made from. */
struct tuner_input {
        struct memory_snapshot memory;  /* available_kib 0 means the kernel lacks MemAvailable */
        uint64_t page_size_bytes;       /* a multiple of 1024 */
        struct tuner_guests guests;
        struct tuner_counters counters;
        int64_t ksmd_cpu_ms;            /* ksmd's CPU time in the last interval, -1 when unknown */
        int64_t interval_ms;            /* length of that interval, 0 when unknown */
        bool advisor_supported;         /* the kernel has advisor_mode */
        struct tuner_settings kernel;   /* what the kernel reports now */
        struct tuner_settings written;  /* what ksmtuned last wrote, TUNER_UNSET for never */
};

/* Reasons for the run decision, TUNER_REASON_* bits. */
enum {
        TUNER_REASON_FREE_LOW = 1 << 0,         /* free memory below the threshold */
        TUNER_REASON_IN_MARGIN = 1 << 1,        /* running and free memory not above threshold + margin */
        TUNER_REASON_COMMITTED_HIGH = 1 << 2,   /* guests' memory plus the threshold reaches MemTotal */
        TUNER_REASON_NOTHING_MERGEABLE = 1 << 3,        /* pressure, but no guest memory to merge */
        TUNER_REASON_OTHER_MERGEABLE = 1 << 4,  /* no guest, but the kernel shares pages of other programs */
};

/* Changes of speed and notices, TUNER_FLAG_* bits. */
enum {
        TUNER_FLAG_RAMP_UP = 1 << 0,            /* back-off reset to the full rate */
        TUNER_FLAG_NEW_GUEST = 1 << 1,
        TUNER_FLAG_SHARING_FELL = 1 << 2,
        TUNER_FLAG_FREE_FELL = 1 << 3,
        TUNER_FLAG_STARTED = 1 << 4,
        TUNER_FLAG_MEMTOTAL_CHANGED = 1 << 5,
        TUNER_FLAG_BACKOFF = 1 << 6,            /* a fruitless full scan halved the rate */
        TUNER_FLAG_STEP_UP = 1 << 7,            /* a fruitful full scan took one back-off step back */
        TUNER_FLAG_AT_FLOOR = 1 << 8,           /* the slowest speed */
        TUNER_FLAG_CPU_CAP = 1 << 9,            /* the CPU cap lowered the rate */
        TUNER_FLAG_OVERRIDE = 1 << 10,          /* see tuner_decision.overridden_files */
        TUNER_FLAG_YIELD = 1 << 11,             /* a file was given up this cycle */
        TUNER_FLAG_NO_MEMAVAILABLE = 1 << 12,   /* MemAvailable missing: the legacy sum was used */
};

/* One KSM file to write. */
struct tuner_write {
        enum tuner_file file;
        int64_t value;
};

/* Writes in the order they must happen. */
struct tuner_plan {
        struct tuner_write writes[8];
        size_t count;
};

/* Owner of pages_to_scan. */
enum tuner_advisor {
        TUNER_ADVISOR_OFF,              /* ksmtuned, advisor_mode none or missing */
        TUNER_ADVISOR_HANDOVER,         /* the kernel: write scan-time, target and CPU cap */
        TUNER_ADVISOR_EXTERNAL,         /* the kernel, selected by someone else: write no advisor file */
        TUNER_ADVISOR_RELEASE,          /* write none, then pages_to_scan, taking it back */
};

struct tuner_override {
        int64_t written;                /* what ksmtuned last wrote */
        int64_t found;                  /* what the kernel reports instead */
};

/* The outcome of one cycle. */
struct tuner_decision {
        bool run;
        int64_t pages_to_scan;
        int64_t sleep_ms;
        unsigned reasons;               /* TUNER_REASON_* */
        unsigned flags;                 /* TUNER_FLAG_* */

        /* The files whose value differs from the kernel's, in the order to
         * write them. A stopping decision writes the advisor files and run,
         * but not pages_to_scan and sleep_millisecs. */
        struct tuner_plan plan;

        enum tuner_advisor advisor;
        int64_t advisor_target_scan_time_s;
        int64_t advisor_max_cpu_percent;

        unsigned overridden_files;      /* TUNER_FILE_BIT()s to report now: first cycle of a streak */
        struct tuner_override overrides[TUNER_N_WATCHED_FILES];
        unsigned yielded_files;         /* all files given up so far */

        /* The figures behind the decision, for the log. */
        uint64_t total_kib;
        uint64_t free_kib;
        uint64_t threshold_kib;
        uint64_t stop_above_kib;        /* threshold + stop margin */
        uint64_t unmerged_pages;
        uint64_t rate_pages_per_s;      /* after back-off and CPU cap */
        unsigned backoff_steps;
};

/* State carried from one cycle to the next. Reset it with tuner_state_reset()
 * before the first cycle and after a config reload, which also takes back the
 * files given up to another writer. */
struct tuner_state {
        bool initialized;
        bool running;                   /* the last decision's run */
        uint64_t total_kib;
        uint64_t free_kib;
        uint64_t guest_generation;
        int64_t pages_sharing;          /* at the last cycle */
        int64_t full_scans;             /* at the last completed full scan seen */
        int64_t scan_pages_sharing;     /* pages_sharing then */
        int64_t scan_profit_bytes;      /* general_profit then */
        unsigned backoff_steps;
        unsigned scans_since_ramp;      /* full scans since the last return to the full rate, up to SCANS_BEFORE_JUDGING */
        uint64_t cpu_limit_pages_per_s; /* 0 when the cap does not limit */
        unsigned override_counts[TUNER_N_WATCHED_FILES];    /* consecutive cycles with the file changed by another writer */
        unsigned yielded_files;
        bool advisor_handed_over;       /* ksmtuned set advisor_mode to scan-time */
        bool kernel_advisor_scan_time;  /* advisor_mode was scan-time at the last cycle */
};

void tuner_state_reset(struct tuner_state *ret);

/* Decides one cycle and updates *state for the next. Pure: reads only its
 * arguments. Returns 0, or -EINVAL for an invalid config, a MemTotal of 0 or
 * a page size that is not a positive multiple of 1024 bytes, leaving *state
 * and *ret untouched. */
int tuner_decide(const struct tuner_config *config, const struct tuner_input *input, struct tuner_state *state,
                 struct tuner_decision *ret);

/* Describes reason bits in words, comma-separated, into buffer. Returns buffer. */
const char *tuner_reason_text(unsigned reasons, char *buffer, size_t size);

/* Describes flag bits in words, comma-separated, into buffer. Returns buffer. */
const char *tuner_flag_text(unsigned flags, char *buffer, size_t size);

/* Outcome of the unmerge-on-exit choice. */
enum tuner_unmerge {
        TUNER_UNMERGE_NOT_REQUESTED,
        TUNER_UNMERGE_PLANNED,
        TUNER_UNMERGE_NOTHING_MERGED,   /* pages_sharing is 0: run=0 does as well */
        TUNER_UNMERGE_KSM_KEEPS_RUNNING,        /* the exit action leaves run at 1 */
        TUNER_UNMERGE_MEMORY_SHORT,     /* MemAvailable does not cover the merged memory plus threshold */
        TUNER_UNMERGE_RUN_YIELDED,      /* another program owns run */
};

const char *tuner_unmerge_text(enum tuner_unmerge unmerge);

struct tuner_exit_plan {
        struct tuner_plan plan;
        enum tuner_unmerge unmerge;
        uint64_t needed_kib;            /* merged memory plus threshold */
        uint64_t available_kib;
};

/* Plans the writes on exit from the values found at start (at_start), the
 * current input and state. Files given up to another writer are left alone.
 * Returns 0, or -EINVAL as tuner_decide() does. */
int tuner_plan_exit(const struct tuner_config *config, const struct tuner_settings *at_start,
                    const struct tuner_input *input, const struct tuner_state *state, struct tuner_exit_plan *ret);

/* Outcome of planning merge_across_nodes. */
enum tuner_nodes {
        TUNER_NODES_UNCHANGED,          /* not configured, or already the configured value */
        TUNER_NODES_UNSUPPORTED,        /* the kernel lacks the file (no NUMA) */
        TUNER_NODES_DIRECT,             /* written directly: KSM stopped and nothing merged */
        TUNER_NODES_UNMERGE,            /* run=2, the value, run back */
        TUNER_NODES_MEMORY_SHORT,       /* unmerging needs more than MemAvailable: not changed */
};

const char *tuner_nodes_text(enum tuner_nodes nodes);

struct tuner_node_plan {
        struct tuner_plan plan;
        enum tuner_nodes merge_across_nodes;
        uint64_t needed_kib;            /* merged memory plus threshold */
        uint64_t available_kib;
};

/* Plans writing the configured merge_across_nodes and use_zero_pages.
 * Returns 0, or -EINVAL as tuner_decide() does. */
int tuner_plan_node_settings(const struct tuner_config *config, const struct tuner_input *input,
                             struct tuner_node_plan *ret);
