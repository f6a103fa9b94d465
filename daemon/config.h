/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The source of the list of guests (KSM_GUEST_SOURCE). */
enum guest_source {
        GUEST_SOURCE_AUTO,      /* libvirt, and the process scan while libvirt is unreachable */
        GUEST_SOURCE_LIBVIRT,
        GUEST_SOURCE_PROCESS,
};

/* How much memory a guest commits (KSM_GUEST_MEMORY). */
enum guest_memory {
        GUEST_MEMORY_RSS,       /* resident set size of its QEMU process */
        GUEST_MEMORY_PSS,       /* proportional set size: shared pages divided among their users */
        GUEST_MEMORY_ASSIGNED,  /* the memory libvirt reports as assigned to the domain */
};

/* The tuning algorithm (KSM_POLICY). */
enum tuning_policy {
        POLICY_ADAPTIVE,        /* need-driven, with back-off and a CPU cap: daemon/tuner.h */
        POLICY_LEGACY,          /* the shell ksmtuned's, exactly: daemon/policy.h */
};

/* Longest KSM_LIBVIRT_URIS value, and most URIs in it. */
#define CONFIG_URIS_MAX 1024
#define CONFIG_URIS_COUNT_MAX 8

/* The settings of /etc/ksmtuned.conf, under the shell ksmtuned's key names
 * so that existing files keep working. Defaults live in the key table in
 * config.c. */
struct config {
        int64_t monitor_interval_s;     /* KSM_MONITOR_INTERVAL */
        int64_t sleep_ms_per_16gib;     /* KSM_SLEEP_MSEC */
        int64_t npages_boost;           /* KSM_NPAGES_BOOST */
        int64_t npages_decay;           /* KSM_NPAGES_DECAY */
        int64_t npages_min;             /* KSM_NPAGES_MIN */
        int64_t npages_max;             /* KSM_NPAGES_MAX */
        int64_t thres_coef_percent;     /* KSM_THRES_COEF */
        int64_t thres_const_kib;        /* KSM_THRES_CONST */
        bool debug;                     /* DEBUG */
        char logfile[PATH_MAX];         /* LOGFILE, "" when unset */
        int64_t guest_source;           /* KSM_GUEST_SOURCE, an enum guest_source */
        char libvirt_uris[CONFIG_URIS_MAX]; /* KSM_LIBVIRT_URIS, separated by blanks */
        int64_t guest_memory;           /* KSM_GUEST_MEMORY or KSM_PS_METRIC, an enum guest_memory */

        /* The adaptive policy's keys; tuner_config_defaults() explains the defaults. */
        int64_t policy;                 /* KSM_POLICY, an enum tuning_policy */
        int64_t free_source;            /* KSM_FREE_MEMORY, an enum tuner_free_source */
        int64_t stop_margin_percent;    /* KSM_STOP_MARGIN */
        int64_t scan_time_s;            /* KSM_SCAN_TIME */
        int64_t sleep_max_ms;           /* KSM_SLEEP_MAX_MSEC */
        int64_t scan_gain_min_kib;      /* KSM_SCAN_GAIN_MIN */
        int64_t max_cpu_percent;        /* KSM_MAX_CPU */
        bool advisor_handover;          /* KSM_ADVISOR */
        int64_t yield_after;            /* KSM_YIELD_AFTER */
        int64_t exit_action;            /* KSM_ON_EXIT, an enum tuner_exit_action */
        bool unmerge_on_exit;           /* KSM_UNMERGE_ON_EXIT */
        int64_t merge_across_nodes;     /* KSM_MERGE_ACROSS_NODES, -1 to leave it */
        int64_t use_zero_pages;         /* KSM_USE_ZERO_PAGES, -1 to leave it */
};

/* Splits config->libvirt_uris into at most CONFIG_URIS_COUNT_MAX URIs,
 * pointing into buffer. Returns how many. */
size_t config_split_uris(const struct config *config, char buffer[CONFIG_URIS_MAX],
                         const char *uris[CONFIG_URIS_COUNT_MAX]);

/* The name of a guest_source or guest_memory value as the config file spells it. */
const char *config_guest_source_name(int64_t source);
const char *config_guest_memory_name(int64_t memory);
const char *config_policy_name(int64_t policy);

/* Messages collected while reading one file, each a whole line in the form
 * "FILE:LINE: KEY: problem (allowed: ...)". Errors make the file invalid, and
 * warnings name settings of the shell ksmtuned that are accepted but ignored. */
struct config_report {
        char **errors;
        size_t n_errors;
        char **warnings;
        size_t n_warnings;
};

void config_report_clear(struct config_report *report);

void config_set_defaults(struct config *config);

/* Reads and checks a config file into *ret. Returns 0 when the file was read,
 * 1 when it does not exist and missing_ok is set (*ret then contains the defaults),
 * -EINVAL when it has errors (all of them are in report), or another
 * negative errno when it cannot be opened or read (one line in report). On
 * error *ret is left untouched, so a reload keeps the running settings. */
int config_load(const char *path, bool missing_ok, struct config *ret, struct config_report *report);

/* Parses config text from a stream; path is only used in messages. Returns
 * 0, -EINVAL as config_load() does, or the negative errno of a failed read. */
int config_parse(FILE *stream, const char *path, struct config *ret, struct config_report *report);

/* Writes every key with its value, one KEY=VALUE line each. */
void config_dump(const struct config *config, FILE *out);

/* Calls report() once for every key whose value differs between old and new,
 * with both values as text. */
void config_diff(const struct config *old_config, const struct config *new_config,
                 void (*report)(void *userdata, const char *key, const char *old_value, const char *new_value),
                 void *userdata);
