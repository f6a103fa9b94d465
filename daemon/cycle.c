/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cycle.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "adaptive.h"

/* Tags every decision message, for journalctl MESSAGE_ID=... */
#define DECISION_MESSAGE_ID "MESSAGE_ID=5b0c1a6e7f3d4c2b9a8e6d4f2c1b0a97"

/* Logs a message that may repeat every cycle at most as often as limit
 * allows. Returns -abs(error). */
int cycle_log_ratelimited(struct context *ctx, struct ratelimit *limit, int level, int error, const char *message) {
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
int cycle_failed(struct context *ctx, struct ratelimit *limit, int error, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        vsnprintf(ctx->cycle_error, sizeof(ctx->cycle_error), format, ap);
        va_end(ap);

        return cycle_log_ratelimited(ctx, limit, LOG_ERR, error, ctx->cycle_error);
}

static const char *plural(size_t count) {
        return count == 1 ? "" : "s";
}

/* Whether this cycle's decision reaches the kernel. */
bool cycle_writes_possible(const struct context *ctx) {
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
                                              state->advisor_scan_time, cycle_writes_possible(ctx)),
                           settings, policy_reason_text(d->reasons),
                           d->free_kib, d->threshold_kib, d->guests, plural(d->guests), d->committed_kib,
                           d->total_kib, suffix);
}

static const char *measure_text(enum guest_memory measure) {
        switch (measure) {
        case GUEST_MEMORY_PSS:
                return "proportional";
        case GUEST_MEMORY_ASSIGNED:
                return "assigned";
        default:
                return "resident";
        }
}

/* Appends ", 1234 KiB merged (saving 1000 KiB)" when ksm_stat was readable. */
static void format_savings(const struct guest *guest, uint64_t page_size, char *buffer, size_t size) {
        if (guest->mergeable == GUEST_MERGEABLE_NO)
                snprintf(buffer, size, ", not mergeable");
        else if (guest->merging_pages == KSM_STAT_UNKNOWN)
                snprintf(buffer, size, "%s", guest->pid > 0 ? ", savings unknown" : "");
        else if (guest->profit_bytes == KSM_STAT_UNKNOWN)
                snprintf(buffer, size, ", %" PRIu64 " KiB merged",
                         (uint64_t) guest->merging_pages * page_size / 1024);
        else
                snprintf(buffer, size, ", %" PRIu64 " KiB merged (saving %" PRId64 " KiB)",
                         (uint64_t) guest->merging_pages * page_size / 1024, guest->profit_bytes / 1024);
}

static void log_guests(struct context *ctx) {
        uint64_t page_size = (uint64_t) sysconf(_SC_PAGESIZE);

        if (ctx->log.max_level < LOG_DEBUG)
                return;
        for (size_t i = 0; i < ctx->guests.count; i++) {
                const struct guest *guest = &ctx->guests.items[i];
                char process[32] = "no process found", savings[128];

                if (guest->pid > 0)
                        snprintf(process, sizeof(process), "PID %d", (int) guest->pid);
                format_savings(guest, page_size, savings, sizeof(savings));
                log_message(&ctx->log, LOG_DEBUG, "Guest %s (%s%s): %" PRIu64 " KiB %s%s",
                            guest->name, guest->from_libvirt ? "domain, " : "", process,
                            guest->committed_kib, measure_text(guest->committed_by), savings);
        }
}

/* Guests named in one summary line at most; the rest are counted. */
#define SUMMARY_GUESTS_MAX 16

/* One line with every guest's memory and savings, logged with each change of the decision. */
static void log_guest_summary(struct context *ctx) {
        uint64_t page_size = (uint64_t) sysconf(_SC_PAGESIZE);
        char line[4096];
        size_t used, shown = ctx->guests.count < SUMMARY_GUESTS_MAX ? ctx->guests.count : SUMMARY_GUESTS_MAX;
        int64_t total_profit = 0;
        bool profit_known = false;

        if (ctx->guests.count == 0)
                return;
        for (size_t i = 0; i < ctx->guests.count; i++)
                if (ctx->guests.items[i].profit_bytes != KSM_STAT_UNKNOWN) {
                        total_profit += ctx->guests.items[i].profit_bytes;
                        profit_known = true;
                }

        used = (size_t) snprintf(line, sizeof(line), "Guests from %s", ctx->counted_by_libvirt ? "libvirt" : "the process scan");
        if (profit_known)
                used += (size_t) snprintf(line + used, sizeof(line) - used, ", saving %" PRId64 " KiB in all", total_profit / 1024);
        for (size_t i = 0; i < shown && used < sizeof(line); i++) {
                const struct guest *guest = &ctx->guests.items[i];
                char savings[128];

                format_savings(guest, page_size, savings, sizeof(savings));
                used += (size_t) snprintf(line + used, sizeof(line) - used, "%s %s %" PRIu64 " KiB %s%s",
                                          i == 0 ? ":" : ";", guest->name, guest->committed_kib,
                                          measure_text(guest->committed_by), savings);
        }
        if (shown < ctx->guests.count && used < sizeof(line))
                snprintf(line + used, sizeof(line) - used, "; and %zu more", ctx->guests.count - shown);
        log_message(&ctx->log, LOG_INFO, "%s", line);
}

static bool unmergeable_noted(const struct context *ctx, pid_t pid) {
        for (size_t i = 0; i < ctx->n_unmergeable_noted; i++)
                if (ctx->unmergeable_noted[i] == pid)
                        return true;
        return false;
}

/* Logs once per guest process that KSM cannot merge it, and drops the
 * processes that are gone from that record. */
static void note_unmergeable(struct context *ctx) {
        size_t kept = 0;

        for (size_t i = 0; i < ctx->n_unmergeable_noted; i++) {
                pid_t pid = ctx->unmergeable_noted[i];

                for (size_t j = 0; j < ctx->guests.count; j++)
                        if (ctx->guests.items[j].pid == pid && ctx->guests.items[j].mergeable == GUEST_MERGEABLE_NO) {
                                ctx->unmergeable_noted[kept++] = pid;
                                break;
                        }
        }
        ctx->n_unmergeable_noted = kept;

        for (size_t i = 0; i < ctx->guests.count; i++) {
                const struct guest *guest = &ctx->guests.items[i];
                pid_t *grown;

                if (guest->mergeable != GUEST_MERGEABLE_NO || unmergeable_noted(ctx, guest->pid))
                        continue;
                grown = realloc(ctx->unmergeable_noted, (ctx->n_unmergeable_noted + 1) * sizeof(*grown));
                if (!grown)
                        return;
                ctx->unmergeable_noted = grown;
                ctx->unmergeable_noted[ctx->n_unmergeable_noted++] = guest->pid;
                log_message(&ctx->log, LOG_NOTICE,
                            "Guest %s (PID %d) has no memory marked mergeable (as with <nosharepages/>); "
                            "it counts as a guest but is no reason to run KSM",
                            guest->name, (int) guest->pid);
        }
}

/* Order-independent hash of the names of the guests without a PID, to
 * tell whether a scan could find anything new: the sum of each name's
 * FNV-1a hash, so that equal names do not cancel out, and 0 for none. */
static uint64_t unmatched_signature(const struct guest_list *guests) {
        uint64_t signature = 0;
        bool any = false;

        for (size_t i = 0; i < guests->count; i++) {
                uint64_t hash = UINT64_C(14695981039346656037);

                if (guests->items[i].pid != 0)
                        continue;
                for (const char *p = guests->items[i].name; *p; p++)
                        hash = (hash ^ (unsigned char) *p) * UINT64_C(1099511628211);
                signature += hash;
                any = true;
        }
        return any ? signature | 1 : 0;
}

/* A domain whose process a scan did not find is looked for again after
 * this many cycles, or at once when the set of such domains changes. */
#define UNMATCHED_RESCAN_CYCLES 10

static void assign_scanned_pids(struct context *ctx) {
        for (size_t i = 0; i < ctx->guests.count; i++) {
                struct guest *guest = &ctx->guests.items[i];

                for (size_t j = 0; j < ctx->scanned.count && guest->pid == 0; j++)
                        if (ctx->scanned.items[j].pid > 0 && strcmp(ctx->scanned.items[j].name, guest->name) == 0)
                                guest->pid = ctx->scanned.items[j].pid;
        }
}

/* Finds the processes of domains that have no PID file, such as those
 * of qemu:///session, by the -name QEMU was started with, and reads the
 * details of every domain's process with measure. Processes found by the
 * last scan are tried first and checked again, so that a domain whose
 * process was restarted is looked for anew. */
static int match_domain_processes(struct context *ctx, enum guest_memory measure) {
        uint64_t signature;
        int r;

        assign_scanned_pids(ctx);
        r = guests_read_details(&ctx->guest_readers, &ctx->guests, measure);
        if (r < 0)
                return r;
        signature = unmatched_signature(&ctx->guests);
        if (signature == 0 ||
            (signature == ctx->unmatched_signature && ctx->cycles - ctx->unmatched_scan_cycle < UNMATCHED_RESCAN_CYCLES))
                return 0;

        r = guests_scan(&ctx->guest_readers, &ctx->scanned);
        if (r >= 0)
                r = guests_read_details(&ctx->guest_readers, &ctx->scanned, GUEST_MEMORY_RSS);
        if (r < 0)
                return r;
        /* Only a scan that found new processes needs their details. */
        assign_scanned_pids(ctx);
        if (unmatched_signature(&ctx->guests) != signature)
                r = guests_read_details(&ctx->guest_readers, &ctx->guests, measure);
        ctx->unmatched_signature = unmatched_signature(&ctx->guests);
        ctx->unmatched_scan_cycle = ctx->cycles;
        return r;
}

static int compare_guest_names(const void *a, const void *b) {
        const struct guest *x = a, *y = b;
        int r = strcmp(x->name, y->name);

        return r != 0 ? r : (x->pid > y->pid) - (x->pid < y->pid);
}

/* Fills ctx->guests from libvirt, or from the process scan when
 * KSM_GUEST_SOURCE is process or, with auto, while libvirt is unreachable. */
static int collect_guests(struct context *ctx) {
        enum guest_source source = (enum guest_source) ctx->config.guest_source;
        char error[512];
        int r;

        ctx->guests.count = 0;
        ctx->counted_by_libvirt = source == GUEST_SOURCE_LIBVIRT ||
                                  (source == GUEST_SOURCE_AUTO && ctx->virt.n_connections > 0 &&
                                   virt_all_connected(&ctx->virt));
        if (ctx->counted_by_libvirt) {
                r = virt_list_guests(&ctx->virt, &ctx->guests, error, sizeof(error));
                if (r < 0 && source == GUEST_SOURCE_LIBVIRT)
                        return cycle_failed(ctx, &ctx->guest_errors, r, "Counting guests failed: %s; skipping this cycle", error);
                if (r < 0) {
                        char message[600];

                        snprintf(message, sizeof(message), "Counting guests from libvirt failed: %s; using the process scan this cycle", error);
                        cycle_log_ratelimited(ctx, &ctx->guest_errors, LOG_WARNING, r, message);
                        ctx->guests.count = 0;
                        ctx->counted_by_libvirt = false;
                }
        }
        if (ctx->counted_by_libvirt) {
                r = match_domain_processes(ctx, (enum guest_memory) ctx->config.guest_memory);
        } else {
                r = guests_scan(&ctx->guest_readers, &ctx->guests);
                if (r >= 0)
                        r = guests_read_details(&ctx->guest_readers, &ctx->guests,
                                                (enum guest_memory) ctx->config.guest_memory);
        }
        if (r < 0)
                return cycle_failed(ctx, &ctx->guest_errors, r,
                                    "Scanning /proc for QEMU guests failed: %s; skipping this cycle", strerror(-r));

        guest_list_commit(&ctx->guests, (enum guest_memory) ctx->config.guest_memory);
        /* In name order, so that logs of one host compare line by line. */
        if (ctx->guests.count > 1)
                qsort(ctx->guests.items, ctx->guests.count, sizeof(ctx->guests.items[0]), compare_guest_names);
        note_unmergeable(ctx);
        return 0;
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

void cycle_note_write_error(struct context *ctx, int error) {
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
                cycle_note_write_error(ctx, r);
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
                cycle_log_ratelimited(ctx, &ctx->external_changes, LOG_WARNING, 0, message);
        } else if (changed_outside) {
                snprintf(message, sizeof(message), "Set %s/%s to %" PRId64 "; something else had changed it to %" PRId64
                         " since ksmtuned wrote %" PRId64, ctx->ksm.path, file, w->value, w->old_value, previous_write);
                cycle_log_ratelimited(ctx, &ctx->external_changes, LOG_NOTICE, 0, message);
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
                cycle_note_write_error(ctx, ctx->ksm.write_error);
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

/* The shell ksmtuned's algorithm (KSM_POLICY=legacy). */
static int legacy_cycle(struct context *ctx, const struct memory_snapshot *memory, const struct ksm_state *state) {
        struct guest_summary summary = { .count = ctx->guests.count, .committed_kib = ctx->guests.committed_kib };
        struct decision d;
        int r;

        r = policy_decide(&ctx->config, memory, &summary, ctx->have_decision ? &ctx->last_decision : NULL, &d);
        if (r < 0)
                return log_errno(&ctx->log, LOG_ERR, r, "Deciding failed: %s", strerror(-r));

        log_decision(ctx, LOG_DEBUG, &d, state);
        if (!ctx->have_decision || policy_decision_changed(&d, &ctx->last_decision, state->advisor_scan_time)) {
                log_decision(ctx, LOG_INFO, &d, state);
                ctx->guest_summary_due = true;
        }

        r = apply_decision(ctx, &d, state);
        snprintf(ctx->reason_text, sizeof(ctx->reason_text), "%s", policy_reason_text(d.reasons));
        ctx->last_decision = d;
        return r;
}

int cycle_run(struct context *ctx) {
        struct memory_snapshot memory;
        struct ksm_state state;
        struct ksm_read_failure failure;
        int r;

        ctx->cycles++;

        r = meminfo_read(ctx->meminfo, &memory);
        if (r < 0)
                return cycle_failed(ctx, &ctx->memory_errors, r,
                                    "Reading /proc/meminfo failed: %s; skipping this cycle", meminfo_error_text(r));

        r = collect_guests(ctx);
        if (r < 0)
                return r;

        r = ksm_read_state(&ctx->ksm, &state, &failure);
        if (r == -EINVAL || r == -ERANGE)
                return cycle_failed(ctx, &ctx->ksm_errors, r,
                                    "Reading %s/%s failed: \"%s\" is %s; skipping this cycle",
                                    ctx->ksm.path, failure.file, failure.text,
                                    r == -ERANGE ? "out of range" : "not a number");
        if (r < 0)
                return cycle_failed(ctx, &ctx->ksm_errors, r, "Reading %s/%s failed: %s; skipping this cycle",
                                    ctx->ksm.path, failure.file, strerror(-r));

        note_advisor(ctx, state.advisor_scan_time);
        log_guests(ctx);
        if (ctx->config.policy == POLICY_ADAPTIVE)
                r = adaptive_cycle(ctx, &memory, &state);
        else
                r = legacy_cycle(ctx, &memory, &state);
        if (ctx->guest_summary_due) {
                log_guest_summary(ctx);
                ctx->guest_summary_due = false;
        }
        if (r == 0 && ctx->cycle_error[0] != '\0') {
                log_message(&ctx->log, LOG_NOTICE, "Tuning cycles succeed again; the last failure was: %s", ctx->cycle_error);
                ctx->cycle_error[0] = '\0';
        }
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
                         pages_to_scan, d->sleep_ms, ctx->reason_text, d->guests, plural(d->guests), mode);
        else
                snprintf(buffer, size, "KSM stopped: %s; %zu guest%s%s", ctx->reason_text, d->guests,
                         plural(d->guests), mode);
}
