/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
};

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
