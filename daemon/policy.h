/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "meminfo.h"

/* Why KSM runs. A decision with no reason stops it. */
enum {
        REASON_FREE_LOW = 1 << 0,       /* free memory at or below the threshold */
        REASON_COMMITTED_HIGH = 1 << 1, /* guests' memory plus the threshold reaches MemTotal */
};

enum adjustment {
        ADJUST_NONE,    /* KSM stopped: npages kept as it was */
        ADJUST_BOOST,   /* npages += KSM_NPAGES_BOOST */
        ADJUST_DECAY,   /* npages += KSM_NPAGES_DECAY */
};

/* The input a decision is made from. */
struct guest_summary {
        size_t count;
        uint64_t committed_kib;
};

/* The outcome of one tuning cycle, and the state the next cycle starts from. */
struct decision {
        bool run;
        int64_t npages;         /* pages_to_scan to write when run, kept across stops */
        int64_t sleep_ms;       /* sleep_millisecs to write when run */
        unsigned reasons;       /* REASON_* bits */
        enum adjustment adjustment;

        /* The figures the decision was made from, for the log. */
        uint64_t total_kib;
        uint64_t free_kib;      /* MemFree + Buffers + Cached */
        uint64_t threshold_kib;
        uint64_t committed_kib;
        size_t guests;
};

/* sleep_millisecs never goes below the shell ksmtuned's floor of 10 ms, nor
 * above a minute, which only a tiny host with a large KSM_SLEEP_MSEC reaches. */
#define POLICY_SLEEP_MIN_MS 10

/* KSM_SLEEP_MSEC is given for a 16 GiB host, that is this many KiB. */
#define POLICY_REFERENCE_HOST_KIB UINT64_C(16777216)
#define POLICY_SLEEP_MAX_MS 60000

/* Decides with the shell ksmtuned's algorithm. previous is the last decision,
 * or NULL before the first cycle (npages then starts at 0). Pure: it reads
 * only its arguments. Returns 0, or -EINVAL when memory->total_kib is 0. */
int policy_decide(const struct config *config, const struct memory_snapshot *memory,
                  const struct guest_summary *guests, const struct decision *previous,
                  struct decision *ret);

/* Compares two decisions on what reaches the kernel. While the kernel's
 * advisor owns pages_to_scan (advisor), npages reaches nothing and is left
 * out. */
bool policy_decision_changed(const struct decision *a, const struct decision *b, bool advisor);

/* Names the change from previous to d for a log message: "Starting KSM",
 * "Slowing down KSM", and so on, or "Would start KSM" and so on when the
 * decision cannot be written (applied is false). Before the first decision
 * previous is NULL and kernel_running is whether KSM already runs. */
const char *policy_change_verb(const struct decision *previous, bool kernel_running, const struct decision *d,
                               bool advisor, bool applied);

/* Describes the reasons in words, e.g. "free memory below threshold". */
const char *policy_reason_text(unsigned reasons);
