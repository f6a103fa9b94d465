/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cycle.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* Tags every decision message, for journalctl MESSAGE_ID=... */
#define DECISION_MESSAGE_ID "MESSAGE_ID=5b0c1a6e7f3d4c2b9a8e6d4f2c1b0a97"

/* Logs a message that may repeat every cycle at most as often as limit
 * allows. Returns -abs(error). */
static int log_ratelimited(struct context *ctx, struct ratelimit *limit, int level, int error, const char *message) {
        unsigned suppressed;

        if (!ratelimit_check(limit, now_monotonic_usec(), &suppressed))
                return -abs(error);
        if (suppressed > 0)
                return log_errno(&ctx->log, level, error, "%s (%u more like this were suppressed in the last hour)",
                                 message, suppressed);
        return log_errno(&ctx->log, level, error, "%s", message);
}

/* Records why a cycle failed, for STATUS=, and logs it, rate-limited.
 * Returns -abs(error). */
__attribute__((format(printf, 4, 5)))
static int cycle_failed(struct context *ctx, struct ratelimit *limit, int error, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        vsnprintf(ctx->cycle_error, sizeof(ctx->cycle_error), format, ap);
        va_end(ap);

        return log_ratelimited(ctx, limit, LOG_ERR, error, ctx->cycle_error);
}

static const char *plural(size_t count) {
        return count == 1 ? "" : "s";
}

/* Whether this cycle's decision reaches the kernel. */
static bool writes_possible(const struct context *ctx) {
        return !ctx->options.dry_run && ctx->ksm.write_error == 0;
}

#define N_DECISION_FIELDS 13

/* Formats the journal fields of a decision message into fields. Counters
 * the kernel lacks are left out. Returns how many fields were written. */
static size_t format_decision_fields(const struct decision *d, const struct ksm_state *state, int64_t pages_to_scan,
                                     char fields[N_DECISION_FIELDS][96]) {
        size_t n = 0;

        snprintf(fields[n++], 96, "%s", DECISION_MESSAGE_ID);
        snprintf(fields[n++], 96, "KSM_RUN=%d", d->run ? 1 : 0);
        snprintf(fields[n++], 96, "KSM_PAGES_TO_SCAN=%" PRId64, pages_to_scan);
        snprintf(fields[n++], 96, "KSM_SLEEP_MILLISECS=%" PRId64, d->sleep_ms);
        snprintf(fields[n++], 96, "FREE_KIB=%" PRIu64, d->free_kib);
        snprintf(fields[n++], 96, "THRESHOLD_KIB=%" PRIu64, d->threshold_kib);
        snprintf(fields[n++], 96, "COMMITTED_KIB=%" PRIu64, d->committed_kib);
        snprintf(fields[n++], 96, "TOTAL_KIB=%" PRIu64, d->total_kib);
        snprintf(fields[n++], 96, "GUESTS=%zu", d->guests);
        snprintf(fields[n++], 96, "REASON=%s", policy_reason_text(d->reasons));
        /* What KSM has merged so far, before this cycle's writes. */
        if (state->pages_shared != KSM_COUNTER_UNKNOWN)
                snprintf(fields[n++], 96, "KSM_PAGES_SHARED=%" PRId64, state->pages_shared);
        if (state->pages_sharing != KSM_COUNTER_UNKNOWN)
                snprintf(fields[n++], 96, "KSM_PAGES_SHARING=%" PRId64, state->pages_sharing);
        if (state->general_profit_bytes != KSM_COUNTER_UNKNOWN)
                snprintf(fields[n++], 96, "KSM_GENERAL_PROFIT_BYTES=%" PRId64, state->general_profit_bytes);
        return n;
}

static void log_decision(struct context *ctx, int level, const struct decision *d, const struct ksm_state *state) {
        /* With the advisor on, the kernel's own value is what ksmd uses. */
        int64_t pages_to_scan = state->advisor_scan_time ? state->pages_to_scan : d->npages;
        char fields[N_DECISION_FIELDS][96];
        const char *field_pointers[N_DECISION_FIELDS];
        char settings[128] = "";
        const char *suffix = "";
        size_t n_fields;

        if (level > ctx->log.max_level)
                return;

        n_fields = format_decision_fields(d, state, pages_to_scan, fields);
        for (size_t i = 0; i < n_fields; i++)
                field_pointers[i] = fields[i];

        if (d->run)
                snprintf(settings, sizeof(settings), " at pages_to_scan=%" PRId64 "%s, sleep_millisecs=%" PRId64,
                         pages_to_scan, state->advisor_scan_time ? " (set by the kernel's advisor)" : "", d->sleep_ms);
        if (ctx->options.dry_run)
                suffix = "; dry run, nothing written";
        else if (ctx->ksm.write_error < 0)
                suffix = "; not written: the KSM files are read-only";

        if (level == LOG_DEBUG)
                log_fields(&ctx->log, level, 0, field_pointers, n_fields,
                           "Cycle %" PRIu64 ": run=%d%s: %s (free %" PRIu64 " KiB, threshold %" PRIu64
                           " KiB, %zu guest%s commit %" PRIu64 " KiB of %" PRIu64 " KiB)%s",
                           ctx->cycles, d->run ? 1 : 0, settings, policy_reason_text(d->reasons),
                           d->free_kib, d->threshold_kib, d->guests, plural(d->guests), d->committed_kib,
                           d->total_kib, suffix);
        else
                log_fields(&ctx->log, level, 0, field_pointers, n_fields,
                           "%s%s: %s (free %" PRIu64 " KiB, threshold %" PRIu64
                           " KiB, %zu guest%s commit %" PRIu64 " KiB of %" PRIu64 " KiB)%s",
                           policy_change_verb(ctx->have_decision ? &ctx->last_decision : NULL, state->run == 1, d,
                                              state->advisor_scan_time, writes_possible(ctx)),
                           settings, policy_reason_text(d->reasons),
                           d->free_kib, d->threshold_kib, d->guests, plural(d->guests), d->committed_kib,
                           d->total_kib, suffix);
}

static void log_guests(struct context *ctx) {
        for (size_t i = 0; i < ctx->guests.count; i++)
                log_message(&ctx->log, LOG_DEBUG, "Guest %s (PID %d): %" PRIu64 " KiB resident",
                            ctx->guests.items[i].name, (int) ctx->guests.items[i].pid, ctx->guests.items[i].rss_kib);
}

/* Says once when the kernel's advisor takes pages_to_scan over or gives it back. */
static void note_advisor(struct context *ctx, bool scan_time) {
        if (scan_time == ctx->advisor_active)
                return;
        ctx->advisor_active = scan_time;
        if (scan_time)
                log_message(&ctx->log, LOG_NOTICE,
                            "%s/advisor_mode is scan-time: the kernel's advisor sets pages_to_scan, "
                            "so ksmtuned leaves it alone and sets only sleep_millisecs and run",
                            ctx->ksm.path);
        else
                log_message(&ctx->log, LOG_NOTICE, "%s/advisor_mode is no longer scan-time: ksmtuned sets pages_to_scan again",
                            ctx->ksm.path);
}

static void note_write_error(struct context *ctx, int error) {
        if (ctx->write_error_noted)
                return;
        ctx->write_error_noted = true;
        log_errno(&ctx->log, LOG_WARNING, error,
                  "Cannot write the files in %s: %s; monitoring and logging without writing "
                  "(ksmtuned needs root and a writable %s; SIGHUP checks again)",
                  ctx->ksm.path, strerror(-error), ctx->ksm.path);
}

/* Writes one planned file. Returns 0 or a negative errno, logged already. */
static int apply_write(struct context *ctx, const struct ksm_write *w) {
        const char *file = ksm_file_name(w->file);
        struct written_value *last = &ctx->written[w->file];
        char message[sizeof(ctx->ksm.path) + 256];
        int64_t read_back = 0, previous_write;
        bool changed_outside;
        int r;

        r = ksm_write(&ctx->ksm, file, w->value, &read_back);
        if (r == -EROFS || r == -EACCES || r == -EPERM) {
                ctx->ksm.write_error = r;
                note_write_error(ctx, r);
                return r;
        }
        if (r == -EINVAL && w->file == KSM_FILE_PAGES_TO_SCAN) {
                bool scan_time;

                /* The advisor may have been switched on since the state was read. */
                if (ksm_read_advisor_scan_time(&ctx->ksm, &scan_time) == 0 && scan_time) {
                        note_advisor(ctx, true);
                        return 0;
                }
        }
        if (r < 0)
                return cycle_failed(ctx, &ctx->ksm_errors, r,
                                    "Writing %" PRId64 " to %s/%s failed: %s; retrying next cycle",
                                    w->value, ctx->ksm.path, file, strerror(-r));

        /* The kernel's value before this write differs from the last one
         * ksmtuned wrote and read back: something else wrote the file. */
        changed_outside = last->known && w->old_value != last->value;
        previous_write = last->value;
        *last = (struct written_value) { .known = true, .value = read_back };

        /* Both can recur every cycle, for example while another tuner runs. */
        if (read_back != w->value) {
                snprintf(message, sizeof(message), "Wrote %" PRId64 " to %s/%s, but the kernel reports %" PRId64,
                         w->value, ctx->ksm.path, file, read_back);
                log_ratelimited(ctx, &ctx->external_changes, LOG_WARNING, 0, message);
        } else if (changed_outside) {
                snprintf(message, sizeof(message), "Set %s/%s to %" PRId64 "; something else had changed it to %" PRId64
                         " since ksmtuned wrote %" PRId64, ctx->ksm.path, file, w->value, w->old_value, previous_write);
                log_ratelimited(ctx, &ctx->external_changes, LOG_NOTICE, 0, message);
        } else {
                log_message(&ctx->log, LOG_DEBUG, "Wrote %" PRId64 " to %s/%s", w->value, ctx->ksm.path, file);
        }
        return 0;
}

static int apply_decision(struct context *ctx, const struct decision *d, const struct ksm_state *state) {
        struct ksm_plan plan;

        ksm_plan_writes(d, state, &plan);
        if (ctx->options.dry_run) {
                for (size_t i = 0; i < plan.count; i++)
                        log_message(&ctx->log, LOG_DEBUG, "Dry run: would write %" PRId64 " to %s/%s",
                                    plan.writes[i].value, ctx->ksm.path, ksm_file_name(plan.writes[i].file));
                return 0;
        }
        if (plan.count > 0 && ctx->ksm.write_error < 0) {
                note_write_error(ctx, ctx->ksm.write_error);
                return ctx->ksm.write_error;
        }

        for (size_t i = 0; i < plan.count; i++) {
                int r = apply_write(ctx, &plan.writes[i]);

                /* Starting KSM with a setting that failed would run it unlike decided. */
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Describes why meminfo_read() failed. */
static const char *meminfo_error_text(int error) {
        if (error == -EINVAL)
                return "MemTotal is missing or 0";
        if (error == -ENODATA)
                return "MemFree, Buffers and Cached are all missing or 0";
        return strerror(-error);
}

int cycle_run(struct context *ctx) {
        struct memory_snapshot memory;
        struct ksm_state state;
        struct guest_summary summary;
        struct decision d;
        struct ksm_read_failure failure;
        bool is_new;
        int r;

        ctx->cycles++;

        r = meminfo_read(ctx->meminfo, &memory);
        if (r < 0)
                return cycle_failed(ctx, &ctx->memory_errors, r,
                                    "Reading /proc/meminfo failed: %s; skipping this cycle", meminfo_error_text(r));

        r = guests_scan(ctx->pids, &ctx->guests);
        if (r < 0)
                return cycle_failed(ctx, &ctx->guest_errors, r,
                                    "Scanning /proc for QEMU guests failed: %s; skipping this cycle", strerror(-r));

        r = ksm_read_state(&ctx->ksm, &state, &failure);
        if (r == -EINVAL || r == -ERANGE)
                return cycle_failed(ctx, &ctx->ksm_errors, r,
                                    "Reading %s/%s failed: \"%s\" is %s; skipping this cycle",
                                    ctx->ksm.path, failure.file, failure.text,
                                    r == -ERANGE ? "out of range" : "not a number");
        if (r < 0)
                return cycle_failed(ctx, &ctx->ksm_errors, r, "Reading %s/%s failed: %s; skipping this cycle",
                                    ctx->ksm.path, failure.file, strerror(-r));

        summary = (struct guest_summary) { .count = ctx->guests.count, .committed_kib = ctx->guests.committed_kib };
        r = policy_decide(&ctx->config, &memory, &summary, ctx->have_decision ? &ctx->last_decision : NULL, &d);
        if (r < 0)
                return log_errno(&ctx->log, LOG_ERR, r, "Deciding failed: %s", strerror(-r));

        note_advisor(ctx, state.advisor_scan_time);
        log_guests(ctx);
        log_decision(ctx, LOG_DEBUG, &d, &state);

        is_new = !ctx->have_decision || policy_decision_changed(&d, &ctx->last_decision, state.advisor_scan_time);
        if (is_new)
                log_decision(ctx, LOG_INFO, &d, &state);

        r = apply_decision(ctx, &d, &state);
        if (r == 0 && ctx->cycle_error[0] != '\0') {
                log_message(&ctx->log, LOG_NOTICE, "Tuning cycles succeed again; the last failure was: %s", ctx->cycle_error);
                ctx->cycle_error[0] = '\0';
        }

        ctx->last_decision = d;
        ctx->have_decision = true;
        return r;
}

void cycle_status_text(const struct context *ctx, char *buffer, size_t size) {
        const struct decision *d = &ctx->last_decision;
        const char *mode = ctx->options.dry_run ? " (dry run)" :
                           ctx->ksm.write_error < 0 ? " (not writing: KSM files read-only)" : "";
        char pages_to_scan[64];

        if (ctx->advisor_active)
                snprintf(pages_to_scan, sizeof(pages_to_scan), "pages_to_scan set by the kernel's advisor");
        else
                snprintf(pages_to_scan, sizeof(pages_to_scan), "pages_to_scan=%" PRId64, d->npages);

        if (ctx->cycle_error[0] != '\0')
                snprintf(buffer, size, "Last cycle failed: %s", ctx->cycle_error);
        else if (!ctx->have_decision)
                snprintf(buffer, size, "Waiting for the first tuning cycle");
        else if (d->run)
                snprintf(buffer, size, "KSM running at %s, sleep_millisecs=%" PRId64 ": %s; %zu guest%s%s",
                         pages_to_scan, d->sleep_ms, policy_reason_text(d->reasons), d->guests, plural(d->guests), mode);
        else
                snprintf(buffer, size, "KSM stopped: %s; %zu guest%s%s", policy_reason_text(d->reasons), d->guests,
                         plural(d->guests), mode);
}
