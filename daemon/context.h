/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "cli.h"
#include "config.h"
#include "guests.h"
#include "ksmd.h"
#include "ksm.h"
#include "log.h"
#include "meminfo.h"
#include "policy.h"
#include "tuner.h"
#include "virt.h"

/* The daemon's state between cycles. */
struct context {
        struct options options;
        struct config config;
        struct logger log;

        struct meminfo_info *meminfo;
        struct guest_readers guest_readers;
        struct guest_list guests;
        struct guest_list scanned;      /* QEMU processes, to find the process of a domain without a PID file */
        uint64_t unmatched_signature;   /* domains the last such scan did not find a process for */
        uint64_t unmatched_scan_cycle;  /* the cycle of that scan */
        struct virt virt;               /* libvirt connections, none for KSM_GUEST_SOURCE=process */
        bool counted_by_libvirt;        /* the last cycle's guests came from libvirt */
        pid_t *unmergeable_noted;       /* guests logged once as not mergeable */
        size_t n_unmergeable_noted;
        struct ksm ksm;

        struct decision last_decision; /* either policy's, for the status and the next legacy cycle */
        bool have_decision;
        char reason_text[160];          /* the last decision's reasons in words */
        bool guest_summary_due;         /* the decision changed: log the guests' summary line */

        /* The adaptive policy (KSM_POLICY=adaptive). */
        struct tuner_config tuner_config;
        struct tuner_state tuner_state;
        struct tuner_decision last_tuner_decision;
        struct tuner_settings tuner_written;    /* what ksmtuned last wrote and read back */
        struct tuner_settings at_start;         /* found at start, for KSM_ON_EXIT=restore */
        bool have_at_start;
        bool advisor_missing_noted;     /* logged that KSM_ADVISOR has no advisor to hand over to */
        bool node_settings_done;        /* merge_across_nodes and use_zero_pages applied for this config */
        struct ksmd_reader ksmd;
        bool ksmd_known;                /* ksmd_last_ms contains a reading */
        uint64_t ksmd_last_ms;
        uint64_t ksmd_last_usec;        /* CLOCK_MONOTONIC of that reading */
        uint64_t guest_generation;      /* advances when a guest appears */
        pid_t *previous_guest_pids;
        size_t n_previous_guest_pids;
        uint64_t cycles;
        char cycle_error[256];          /* why the last cycle failed, "" when it did not */

        bool advisor_active;            /* the kernel's advisor owns pages_to_scan, as logged */
        bool write_error_noted;         /* logged that the KSM files cannot be written */
        struct written_value {
                bool known;
                int64_t value;          /* read back after ksmtuned's last write */
        } written[N_KSM_FILES];

        sd_event *event;
        sd_event_source *timer;
        sd_event_source *retune_timer;  /* a cycle soon after guests changed */
        char retune_reason[320];        /* the first change since the last cycle */
        unsigned retune_changes;        /* changes since the last cycle */
        bool retune_major;              /* retune_reason is a start, stop, crash or connection change */
        bool ready;                     /* READY=1 sent */
        bool config_rejected;           /* the last reload found errors */

        struct ratelimit memory_errors;
        struct ratelimit guest_errors;
        struct ratelimit ksm_errors;
        struct ratelimit external_changes;      /* KSM files changed by something else */
};

/* Loads the config file at start (reload == false) or on SIGHUP, and opens
 * LOGFILE again. At start an error is fatal, while on reload the running config
 * stays. Logs every error. Returns 0 or a negative errno. */
int context_load_config(struct context *ctx, bool reload);

/* Opens what every cycle reads and writes. Returns an exit status. */
int context_open(struct context *ctx);

/* Connects to the libvirt URIs of the config, unless KSM_GUEST_SOURCE is
 * process. With ctx->event set, on_change is called on every domain start,
 * stop or connection change, and lost connections are retried. */
void context_connect_libvirt(struct context *ctx, virt_change_handler on_change);

void context_close(struct context *ctx);
