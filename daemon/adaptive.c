/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "adaptive.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cycle.h"

/* Tags every decision message, as in cycle.c, for journalctl MESSAGE_ID=... */
#define DECISION_MESSAGE_ID "MESSAGE_ID=5b0c1a6e7f3d4c2b9a8e6d4f2c1b0a97"

/* Flags that make a decision worth a line at info level even when run and
 * the reasons stay: the speed changed for a reason worth reading in the log. */
#define NOTABLE_FLAGS (TUNER_FLAG_RAMP_UP | TUNER_FLAG_BACKOFF | TUNER_FLAG_STEP_UP | TUNER_FLAG_CPU_CAP | TUNER_FLAG_YIELD)

void adaptive_config(const struct config *config, struct tuner_config *ret) {
        tuner_config_defaults(ret);
        ret->free_source = (enum tuner_free_source) config->free_source;
        ret->thres_coef_percent = config->thres_coef_percent;
        ret->thres_const_kib = config->thres_const_kib;
        ret->stop_margin_percent = config->stop_margin_percent;
        ret->target_scan_time_s = config->scan_time_s;
        ret->pages_min = config->npages_min;
        ret->pages_max = config->npages_max;
        ret->sleep_ms_per_16gib = config->sleep_ms_per_16gib;
        ret->sleep_max_ms = config->sleep_max_ms;
        ret->scan_gain_min_kib = config->scan_gain_min_kib;
        ret->max_cpu_percent = config->max_cpu_percent;
        ret->advisor_handover = config->advisor_handover;
        ret->yield_after_overrides = config->yield_after;
        ret->exit_action = (enum tuner_exit_action) config->exit_action;
        ret->unmerge_on_exit = config->unmerge_on_exit;
        ret->merge_across_nodes = config->merge_across_nodes;
        ret->use_zero_pages = config->use_zero_pages;
}

void adaptive_reset(struct context *ctx) {
        /* A reload must still be able to take back an advisor that ksmtuned switched on. */
        bool handed_over = ctx->tuner_state.advisor_handed_over;

        adaptive_config(&ctx->config, &ctx->tuner_config);
        tuner_state_reset(&ctx->tuner_state);
        ctx->tuner_state.advisor_handed_over = handed_over;
        ctx->node_settings_done = false;
        ctx->advisor_missing_noted = false;
}

static int64_t known_or_unset(int64_t value) {
        return value == KSM_COUNTER_UNKNOWN ? TUNER_UNSET : value;
}

static struct tuner_settings settings_from_state(const struct ksm_state *state) {
        int64_t advisor_mode = TUNER_UNSET;

        if (state->has_advisor)
                advisor_mode = state->advisor_scan_time ? 1 : 0;
        return (struct tuner_settings) {
                .run = state->run,
                .pages_to_scan = state->pages_to_scan,
                .sleep_ms = state->sleep_ms,
                .advisor_mode = advisor_mode,
                .advisor_target_scan_time_s = known_or_unset(state->advisor_target_scan_time_s),
                .advisor_max_cpu_percent = known_or_unset(state->advisor_max_cpu_percent),
                .merge_across_nodes = known_or_unset(state->merge_across_nodes),
                .use_zero_pages = known_or_unset(state->use_zero_pages),
        };
}

/* Advances the guest generation when a guest process appears that the
 * last cycle did not see. */
static void update_guest_generation(struct context *ctx) {
        pid_t *pids = NULL;
        bool appeared = false;

        for (size_t i = 0; i < ctx->guests.count; i++) {
                bool seen = false;

                for (size_t j = 0; j < ctx->n_previous_guest_pids && !seen; j++)
                        seen = ctx->previous_guest_pids[j] == ctx->guests.items[i].pid;
                appeared = appeared || !seen;
        }
        if (appeared)
                ctx->guest_generation++;

        if (ctx->guests.count > 0) {
                pids = malloc(ctx->guests.count * sizeof(*pids));
                if (!pids)
                        return;         /* the next cycle compares with the older list */
                for (size_t i = 0; i < ctx->guests.count; i++)
                        pids[i] = ctx->guests.items[i].pid;
        }
        free(ctx->previous_guest_pids);
        ctx->previous_guest_pids = pids;
        ctx->n_previous_guest_pids = ctx->guests.count;
}

/* Memory the guests hold that KSM may merge: what is resident of every
 * guest not known to be unmergeable. */
static uint64_t mergeable_kib(const struct guest_list *guests) {
        uint64_t sum = 0;

        for (size_t i = 0; i < guests->count; i++) {
                const struct guest *guest = &guests->items[i];

                if (guest->mergeable == GUEST_MERGEABLE_NO)
                        continue;
                sum += guest->pid > 0 ? guest->rss_kib : guest->assigned_kib;
        }
        return sum;
}

/* ksmd's CPU time is counted in clock ticks of 10 ms, so a share measured
 * over less than this would be mostly rounding, as in cycles that follow
 * a guest's start by 200 ms. */
#define KSMD_INTERVAL_MIN_USEC (5 * UINT64_C(1000000))

/* ksmd's CPU time since the last reading; -1 when unknown, as inside a PID
 * namespace where ksmd is not visible, or when the interval is too short. */
static void read_ksmd_cpu(struct context *ctx, struct tuner_input *input) {
        uint64_t now_usec = now_monotonic_usec(), cpu_ms;

        input->ksmd_cpu_ms = -1;
        input->interval_ms = 0;
        if (ksmd_cpu_ms(&ctx->ksmd, &cpu_ms) < 0) {
                ctx->ksmd_known = false;
                return;
        }
        if (ctx->ksmd_known && now_usec - ctx->ksmd_last_usec < KSMD_INTERVAL_MIN_USEC)
                return;         /* the next cycle measures over the longer interval */
        if (ctx->ksmd_known && cpu_ms >= ctx->ksmd_last_ms && now_usec > ctx->ksmd_last_usec) {
                input->ksmd_cpu_ms = (int64_t) (cpu_ms - ctx->ksmd_last_ms);
                input->interval_ms = (int64_t) ((now_usec - ctx->ksmd_last_usec) / 1000);
        }
        ctx->ksmd_known = true;
        ctx->ksmd_last_ms = cpu_ms;
        ctx->ksmd_last_usec = now_usec;
}

static void build_input(struct context *ctx, const struct memory_snapshot *memory, const struct ksm_state *state,
                        struct tuner_input *ret) {
        *ret = (struct tuner_input) {
                .memory = *memory,
                .page_size_bytes = (uint64_t) sysconf(_SC_PAGESIZE),
                .guests = {
                        .count = ctx->guests.count,
                        .committed_kib = ctx->guests.committed_kib,
                        .mergeable_kib = mergeable_kib(&ctx->guests),
                        .generation = ctx->guest_generation,
                },
                .counters = {
                        .full_scans = state->full_scans,
                        .pages_shared = state->pages_shared,
                        .pages_sharing = state->pages_sharing,
                        .pages_unshared = state->pages_unshared,
                        .pages_scanned = state->pages_scanned,
                        .general_profit_bytes = state->general_profit_bytes,
                },
                .advisor_supported = state->has_advisor,
                .kernel = settings_from_state(state),
                .written = ctx->tuner_written,
        };
}

static int64_t *written_field(struct tuner_settings *settings, enum tuner_file file) {
        switch (file) {
        case TUNER_FILE_RUN:
                return &settings->run;
        case TUNER_FILE_PAGES_TO_SCAN:
                return &settings->pages_to_scan;
        case TUNER_FILE_SLEEP_MILLISECS:
                return &settings->sleep_ms;
        case TUNER_FILE_ADVISOR_MODE:
                return &settings->advisor_mode;
        case TUNER_FILE_ADVISOR_TARGET_SCAN_TIME:
                return &settings->advisor_target_scan_time_s;
        case TUNER_FILE_ADVISOR_MAX_CPU:
                return &settings->advisor_max_cpu_percent;
        case TUNER_FILE_MERGE_ACROSS_NODES:
                return &settings->merge_across_nodes;
        default:
                return &settings->use_zero_pages;
        }
}

/* Writes one file of a plan and records the value read back. Returns 0 or
 * a negative errno, logged already. */
static int write_one(struct context *ctx, const struct tuner_write *w) {
        const char *file = tuner_file_name(w->file);
        int64_t read_back = w->value;
        int r;

        if (w->file == TUNER_FILE_ADVISOR_MODE)
                r = ksm_write_text(&ctx->ksm, file, w->value ? "scan-time\n" : "none\n");
        else
                r = ksm_write(&ctx->ksm, file, w->value, &read_back);
        if (r == -EROFS || r == -EACCES || r == -EPERM) {
                ctx->ksm.write_error = r;
                cycle_note_write_error(ctx, r);
                return r;
        }
        if (r == -EBUSY && w->file == TUNER_FILE_MERGE_ACROSS_NODES)
                return cycle_failed(ctx, &ctx->ksm_errors, r,
                                    "Writing %" PRId64 " to %s/%s failed: pages are merged, and the kernel changes it "
                                    "only after they are unmerged", w->value, ctx->ksm.path, file);
        if (r < 0)
                return cycle_failed(ctx, &ctx->ksm_errors, r, "Writing %" PRId64 " to %s/%s failed: %s; retrying next cycle",
                                    w->value, ctx->ksm.path, file, strerror(-r));

        *written_field(&ctx->tuner_written, w->file) = read_back;
        if (read_back != w->value) {
                char message[sizeof(ctx->ksm.path) + 160];

                snprintf(message, sizeof(message), "Wrote %" PRId64 " to %s/%s, but the kernel reports %" PRId64,
                         w->value, ctx->ksm.path, file, read_back);
                cycle_log_ratelimited(ctx, &ctx->external_changes, LOG_WARNING, 0, message);
        } else {
                log_message(&ctx->log, LOG_DEBUG, "Wrote %" PRId64 " to %s/%s", w->value, ctx->ksm.path, file);
        }
        return 0;
}

/* Writes a plan in its order and stops at the first failure, so that KSM
 * never starts with a setting that failed. */
static int apply_plan(struct context *ctx, const struct tuner_plan *plan) {
        if (ctx->options.dry_run) {
                for (size_t i = 0; i < plan->count; i++)
                        log_message(&ctx->log, LOG_DEBUG, "Dry run: would write %" PRId64 " to %s/%s",
                                    plan->writes[i].value, ctx->ksm.path, tuner_file_name(plan->writes[i].file));
                return 0;
        }
        if (plan->count > 0 && ctx->ksm.write_error < 0) {
                cycle_note_write_error(ctx, ctx->ksm.write_error);
                return ctx->ksm.write_error;
        }
        for (size_t i = 0; i < plan->count; i++) {
                int r = write_one(ctx, &plan->writes[i]);

                if (r < 0)
                        return r;
        }
        return 0;
}

/* The decision as the legacy policy's struct, for STATUS= and the change verb. */
static struct decision decision_view(const struct tuner_decision *t, size_t guests, uint64_t committed_kib) {
        return (struct decision) {
                .run = t->run,
                .npages = t->pages_to_scan,
                .sleep_ms = t->sleep_ms,
                .reasons = (t->reasons & TUNER_REASON_FREE_LOW ? REASON_FREE_LOW : 0u) |
                           (t->reasons & TUNER_REASON_COMMITTED_HIGH ? REASON_COMMITTED_HIGH : 0u),
                .total_kib = t->total_kib,
                .free_kib = t->free_kib,
                .threshold_kib = t->threshold_kib,
                .committed_kib = committed_kib,
                .guests = guests,
        };
}

#define N_FIELDS 20

static void log_tuner_decision(struct context *ctx, int level, const struct tuner_decision *t,
                               const struct tuner_input *input, const struct ksm_state *state) {
        struct decision view = decision_view(t, input->guests.count, input->guests.committed_kib);
        struct decision previous = ctx->last_decision;
        char fields[N_FIELDS][288], reasons[160], flags[256], settings[128] = "", cpu[64] = "", suffix[64] = "";
        const char *pointers[N_FIELDS];
        const char *verb;
        size_t n = 0;

        if (level > ctx->log.max_level)
                return;

        tuner_reason_text(t->reasons, reasons, sizeof(reasons));
        tuner_flag_text(t->flags, flags, sizeof(flags));
        if (t->run && t->advisor != TUNER_ADVISOR_OFF)
                snprintf(settings, sizeof(settings), " with pages_to_scan set by the kernel's advisor, sleep_millisecs=%" PRId64,
                         t->sleep_ms);
        else if (t->run)
                snprintf(settings, sizeof(settings), " at pages_to_scan=%" PRId64 ", sleep_millisecs=%" PRId64,
                         t->pages_to_scan, t->sleep_ms);
        if (input->ksmd_cpu_ms >= 0 && input->interval_ms > 0)
                snprintf(cpu, sizeof(cpu), ", ksmd %.1f %% of a CPU",
                         100.0 * (double) input->ksmd_cpu_ms / (double) input->interval_ms);
        if (ctx->options.dry_run)
                snprintf(suffix, sizeof(suffix), "; dry run, nothing written");
        else if (ctx->ksm.write_error < 0)
                snprintf(suffix, sizeof(suffix), "; not written: the KSM files are read-only");

        snprintf(fields[n++], sizeof(fields[0]), "%s", DECISION_MESSAGE_ID);
        snprintf(fields[n++], sizeof(fields[0]), "KSM_RUN=%d", t->run ? 1 : 0);
        snprintf(fields[n++], sizeof(fields[0]), "KSM_PAGES_TO_SCAN=%" PRId64,
                 t->advisor != TUNER_ADVISOR_OFF ? state->pages_to_scan : t->pages_to_scan);
        snprintf(fields[n++], sizeof(fields[0]), "KSM_SLEEP_MILLISECS=%" PRId64, t->sleep_ms);
        snprintf(fields[n++], sizeof(fields[0]), "FREE_KIB=%" PRIu64, t->free_kib);
        snprintf(fields[n++], sizeof(fields[0]), "THRESHOLD_KIB=%" PRIu64, t->threshold_kib);
        snprintf(fields[n++], sizeof(fields[0]), "COMMITTED_KIB=%" PRIu64, input->guests.committed_kib);
        snprintf(fields[n++], sizeof(fields[0]), "MERGEABLE_KIB=%" PRIu64, input->guests.mergeable_kib);
        snprintf(fields[n++], sizeof(fields[0]), "TOTAL_KIB=%" PRIu64, t->total_kib);
        snprintf(fields[n++], sizeof(fields[0]), "GUESTS=%zu", input->guests.count);
        snprintf(fields[n++], sizeof(fields[0]), "REASON=%s", reasons);
        snprintf(fields[n++], sizeof(fields[0]), "FLAGS=%s", flags);
        snprintf(fields[n++], sizeof(fields[0]), "KSM_POLICY=adaptive");
        if (state->pages_sharing != KSM_COUNTER_UNKNOWN)
                snprintf(fields[n++], sizeof(fields[0]), "KSM_PAGES_SHARING=%" PRId64, state->pages_sharing);
        if (state->general_profit_bytes != KSM_COUNTER_UNKNOWN)
                snprintf(fields[n++], sizeof(fields[0]), "KSM_GENERAL_PROFIT_BYTES=%" PRId64, state->general_profit_bytes);
        if (input->ksmd_cpu_ms >= 0)
                snprintf(fields[n++], sizeof(fields[0]), "KSMD_CPU_MSEC=%" PRId64, input->ksmd_cpu_ms);
        for (size_t i = 0; i < n; i++)
                pointers[i] = fields[i];

        verb = policy_change_verb(ctx->have_decision ? &previous : NULL, state->run == 1, &view,
                                  t->advisor != TUNER_ADVISOR_OFF, cycle_writes_possible(ctx));
        if (level == LOG_DEBUG)
                log_fields(&ctx->log, level, 0, pointers, n,
                           "Cycle %" PRIu64 ": run=%d%s: %s%s%s (free %" PRIu64 " KiB, threshold %" PRIu64 " KiB, "
                           "%zu guest%s commit %" PRIu64 " KiB of %" PRIu64 " KiB, %" PRIu64 " pages unmerged%s)%s",
                           ctx->cycles, t->run ? 1 : 0, settings, reasons, flags[0] ? "; " : "", flags,
                           t->free_kib, t->threshold_kib, input->guests.count, input->guests.count == 1 ? "" : "s",
                           input->guests.committed_kib, t->total_kib, t->unmerged_pages, cpu, suffix);
        else
                log_fields(&ctx->log, level, 0, pointers, n,
                           "%s%s: %s%s%s (free %" PRIu64 " KiB, threshold %" PRIu64 " KiB, "
                           "%zu guest%s commit %" PRIu64 " KiB of %" PRIu64 " KiB, %" PRIu64 " pages unmerged%s)%s",
                           verb, settings, reasons, flags[0] ? "; " : "", flags,
                           t->free_kib, t->threshold_kib, input->guests.count, input->guests.count == 1 ? "" : "s",
                           input->guests.committed_kib, t->total_kib, t->unmerged_pages, cpu, suffix);
}

/* Reports another program's changes once per streak, and the files given up to it. */
static void log_overrides(struct context *ctx, const struct tuner_decision *t) {
        for (unsigned file = 0; file < TUNER_N_WATCHED_FILES; file++) {
                char message[sizeof(ctx->ksm.path) + 200];

                if (t->overridden_files & TUNER_FILE_BIT(file)) {
                        snprintf(message, sizeof(message), "%s/%s is %" PRId64 ", but ksmtuned wrote %" PRId64
                                 ": another program changed it", ctx->ksm.path, tuner_file_name(file),
                                 t->overrides[file].found, t->overrides[file].written);
                        cycle_log_ratelimited(ctx, &ctx->external_changes, LOG_NOTICE, 0, message);
                }
                if ((t->flags & TUNER_FLAG_YIELD) && (t->yielded_files & TUNER_FILE_BIT(file)) &&
                    !(ctx->last_tuner_decision.yielded_files & TUNER_FILE_BIT(file)))
                        log_message(&ctx->log, LOG_WARNING,
                                    "%s/%s was changed by another program %" PRId64 " cycles in a row; ksmtuned stops "
                                    "writing it until it is reloaded or restarted (KSM_YIELD_AFTER)",
                                    ctx->ksm.path, tuner_file_name(file), ctx->tuner_config.yield_after_overrides);
        }
}

/* Applies KSM_MERGE_ACROSS_NODES and KSM_USE_ZERO_PAGES once per config. */
static void apply_node_settings(struct context *ctx, const struct tuner_input *input) {
        struct tuner_node_plan plan;

        if (ctx->node_settings_done || !cycle_writes_possible(ctx))
                return;
        ctx->node_settings_done = true;
        if (tuner_plan_node_settings(&ctx->tuner_config, input, &plan) < 0)
                return;

        switch (plan.merge_across_nodes) {
        case TUNER_NODES_UNSUPPORTED:
                log_message(&ctx->log, LOG_NOTICE, "KSM_MERGE_ACROSS_NODES is set, but %s/merge_across_nodes does not "
                            "exist (a kernel without NUMA); ignoring", ctx->ksm.path);
                break;
        case TUNER_NODES_MEMORY_SHORT:
                log_message(&ctx->log, LOG_WARNING, "Not changing merge_across_nodes to %" PRId64 ": the kernel accepts it "
                            "only with nothing merged, and unmerging needs %" PRIu64 " KiB while %" PRIu64
                            " KiB are available", ctx->tuner_config.merge_across_nodes, plan.needed_kib, plan.available_kib);
                break;
        case TUNER_NODES_UNMERGE:
                log_message(&ctx->log, LOG_NOTICE, "Unmerging every page to change merge_across_nodes to %" PRId64
                            " (%" PRIu64 " KiB needed, %" PRIu64 " KiB available)",
                            ctx->tuner_config.merge_across_nodes, plan.needed_kib, plan.available_kib);
                break;
        default:
                break;
        }
        if (plan.plan.count > 0)
                (void) apply_plan(ctx, &plan.plan);
}

int adaptive_cycle(struct context *ctx, const struct memory_snapshot *memory, const struct ksm_state *state) {
        struct tuner_input input;
        struct tuner_decision t;
        unsigned flags_shown;
        bool notable;
        int r;

        if (!ctx->have_at_start) {
                ctx->at_start = settings_from_state(state);
                ctx->have_at_start = true;
        }
        update_guest_generation(ctx);
        build_input(ctx, memory, state, &input);
        read_ksmd_cpu(ctx, &input);

        apply_node_settings(ctx, &input);
        if (ctx->tuner_config.advisor_handover && !state->has_advisor && !ctx->advisor_missing_noted) {
                ctx->advisor_missing_noted = true;
                log_message(&ctx->log, LOG_NOTICE, "KSM_ADVISOR is set, but this kernel has no %s/advisor_mode "
                            "(Linux 6.8 and later have it); ksmtuned sets pages_to_scan itself", ctx->ksm.path);
        }

        r = tuner_decide(&ctx->tuner_config, &input, &ctx->tuner_state, &t);
        if (r < 0)
                return log_errno(&ctx->log, LOG_ERR, r, "Deciding failed: %s", strerror(-r));

        log_tuner_decision(ctx, LOG_DEBUG, &t, &input, state);
        flags_shown = ctx->have_decision ? ctx->last_tuner_decision.flags : 0;
        notable = !ctx->have_decision || t.run != ctx->last_decision.run ||
                  t.reasons != ctx->last_tuner_decision.reasons ||
                  ((t.flags & NOTABLE_FLAGS) && (t.flags & NOTABLE_FLAGS) != (flags_shown & NOTABLE_FLAGS));
        if (notable) {
                log_tuner_decision(ctx, LOG_INFO, &t, &input, state);
                ctx->guest_summary_due = true;
        }
        log_overrides(ctx, &t);

        r = apply_plan(ctx, &t.plan);

        tuner_reason_text(t.reasons, ctx->reason_text, sizeof(ctx->reason_text));
        ctx->last_decision = decision_view(&t, input.guests.count, input.guests.committed_kib);
        ctx->last_tuner_decision = t;
        ctx->advisor_active = t.advisor != TUNER_ADVISOR_OFF;
        return r;
}

void adaptive_exit(struct context *ctx) {
        struct memory_snapshot memory;
        struct ksm_state state;
        struct ksm_read_failure failure;
        struct tuner_input input;
        struct tuner_exit_plan plan;

        if (ctx->config.policy != POLICY_ADAPTIVE || !ctx->have_at_start || !cycle_writes_possible(ctx))
                return;
        if (ctx->tuner_config.exit_action == TUNER_EXIT_KEEP && !ctx->tuner_config.unmerge_on_exit)
                return;
        if (meminfo_read(ctx->meminfo, &memory) < 0 || ksm_read_state(&ctx->ksm, &state, &failure) < 0) {
                log_message(&ctx->log, LOG_WARNING, "Cannot read memory or KSM state on exit; KSM settings stay as they are");
                return;
        }
        build_input(ctx, &memory, &state, &input);
        if (tuner_plan_exit(&ctx->tuner_config, &ctx->at_start, &input, &ctx->tuner_state, &plan) < 0)
                return;

        if (plan.unmerge == TUNER_UNMERGE_PLANNED)
                log_message(&ctx->log, LOG_INFO, "Unmerging every page on exit (%" PRIu64 " KiB needed, %" PRIu64
                            " KiB available)", plan.needed_kib, plan.available_kib);
        else if (ctx->tuner_config.unmerge_on_exit)
                log_message(&ctx->log, LOG_NOTICE, "KSM_UNMERGE_ON_EXIT: %s (%" PRIu64 " KiB needed, %" PRIu64
                            " KiB available)", tuner_unmerge_text(plan.unmerge), plan.needed_kib, plan.available_kib);
        if (ctx->tuner_config.exit_action == TUNER_EXIT_STOP)
                log_message(&ctx->log, LOG_INFO, "Stopping KSM on exit (KSM_ON_EXIT=stop)");
        else if (ctx->tuner_config.exit_action == TUNER_EXIT_RESTORE)
                log_message(&ctx->log, LOG_INFO, "Restoring the KSM settings found at start (KSM_ON_EXIT=restore)");
        (void) apply_plan(ctx, &plan.plan);
}
