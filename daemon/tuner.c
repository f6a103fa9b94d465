/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tuner.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "number.h"
#include "policy.h"


/* Maximum interval and CPU time used in the CPU cap's arithmetic, one day in
 * ms, which bounds the products there. */
#define MAX_CPU_INTERVAL_MS INT64_C(86400000)

/* More halvings than any rate in pages per second can take. */
#define MAX_BACKOFF_STEPS 63u

void tuner_config_defaults(struct tuner_config *ret) {
        *ret = (struct tuner_config) {
                /* MemAvailable leaves out the page cache the kernel cannot
                 * reclaim, such as shmem and tmpfs, which Cached includes. */
                .free_source = TUNER_FREE_AVAILABLE,
                /* The shell ksmtuned's KSM_THRES_COEF and KSM_THRES_CONST, so
                 * that an existing threshold keeps its meaning. */
                .thres_coef_percent = 20,
                .thres_const_kib = 2048,
                /* 819 MiB on a 16 GiB host: a small rise of free memory does
                 * not stop KSM that the next small fall would start again. */
                .stop_margin_percent = 5,
                /* KSM merges a page on its second pass at the earliest, so
                 * two passes of 30 s fit in one default KSM_MONITOR_INTERVAL
                 * of 60 s. */
                .target_scan_time_s = 30,
                /* The shell ksmtuned's KSM_NPAGES_MIN, KSM_NPAGES_MAX and
                 * KSM_SLEEP_MSEC. At 10 ms, 1250 pages is 125,000 pages per
                 * second. */
                .pages_min = 64,
                .pages_max = 1250,
                .sleep_ms_per_16gib = 10,
                /* The slowest speed is then KSM_NPAGES_MIN pages a second,
                 * which scans 1 GiB of 4 KiB pages in about 68 minutes. */
                .sleep_max_ms = 1000,
                /* A full scan that merged at most 1 MiB more counts as
                 * fruitless, so that the few pages a quiet host merges and
                 * loses again to copy-on-write do not hold the speed up. */
                .scan_gain_min_kib = 1024,
                /* 328 MiB in one cycle on a 16 GiB host: memory is being
                 * taken fast, and merging should catch up at full speed. */
                .ramp_free_drop_percent = 2,
                /* Merging cost ksmd about 3.6 microseconds of CPU per page whatever the
                 * speed, measured with kernel 6.18 on a 2-core VM. At that
                 * cost a tenth of a core still merges an estimated 27,000
                 * pages a second. */
                .max_cpu_percent = 10,
                /* In the same test the advisor at its defaults kept ksmd at
                 * 10 % of a core once everything was merged, where fixed
                 * speeds of 100 to 5000 pages per 20 ms used 0.2 to 3.4 %.
                 * Kernels before 6.8 lack it anyway. */
                .advisor_handover = false,
                /* A single change by an administrator trying a value is
                 * corrected. Three cycles in a row mean another tuner, and
                 * ksmtuned ends a tug of war with it within three minutes
                 * at the default interval. */
                .yield_after_overrides = 3,
                /* As the shell ksmtuned: a restart changes nothing in the
                 * kernel. */
                .exit_action = TUNER_EXIT_KEEP,
                /* Unmerging takes memory and CPU time back, which only the
                 * administrator can weigh. */
                .unmerge_on_exit = false,
                /* Left as the kernel or the administrator set them. */
                .merge_across_nodes = TUNER_UNSET,
                .use_zero_pages = TUNER_UNSET,
        };
}

int tuner_config_validate(const struct tuner_config *config, const char **ret_field) {
        const char *field = NULL;

        if (config->free_source != TUNER_FREE_AVAILABLE && config->free_source != TUNER_FREE_LEGACY_SUM)
                field = "free_source";
        else if (config->thres_coef_percent < 0 || config->thres_coef_percent > 100)
                field = "thres_coef_percent";
        else if (config->thres_const_kib < 0 || config->thres_const_kib > INT64_C(1) << 40)
                field = "thres_const_kib";
        else if (config->stop_margin_percent < 0 || config->stop_margin_percent > 100)
                field = "stop_margin_percent";
        else if (config->target_scan_time_s < 1 || config->target_scan_time_s > 86400)
                field = "target_scan_time_s";
        else if (config->pages_min < 1 || config->pages_min > 1000000)
                field = "pages_min";
        else if (config->pages_max < config->pages_min || config->pages_max > 1000000)
                field = "pages_max";
        else if (config->sleep_ms_per_16gib < 1 || config->sleep_ms_per_16gib > 60000)
                field = "sleep_ms_per_16gib";
        else if (config->sleep_max_ms < POLICY_SLEEP_MIN_MS || config->sleep_max_ms > POLICY_SLEEP_MAX_MS)
                field = "sleep_max_ms";
        else if (config->scan_gain_min_kib < 0 || config->scan_gain_min_kib > INT64_C(1) << 40)
                field = "scan_gain_min_kib";
        else if (config->ramp_free_drop_percent < 0 || config->ramp_free_drop_percent > 100)
                field = "ramp_free_drop_percent";
        else if (config->max_cpu_percent < 1 || config->max_cpu_percent > 100)
                field = "max_cpu_percent";
        else if (config->yield_after_overrides < 0 || config->yield_after_overrides > 1000000)
                field = "yield_after_overrides";
        else if (config->exit_action != TUNER_EXIT_KEEP && config->exit_action != TUNER_EXIT_STOP &&
                 config->exit_action != TUNER_EXIT_RESTORE)
                field = "exit_action";
        else if (config->merge_across_nodes < TUNER_UNSET || config->merge_across_nodes > 1)
                field = "merge_across_nodes";
        else if (config->use_zero_pages < TUNER_UNSET || config->use_zero_pages > 1)
                field = "use_zero_pages";

        if (ret_field)
                *ret_field = field;
        return field ? -EINVAL : 0;
}

struct tuner_settings tuner_settings_unset(void) {
        return (struct tuner_settings) {
                .run = TUNER_UNSET,
                .pages_to_scan = TUNER_UNSET,
                .sleep_ms = TUNER_UNSET,
                .advisor_mode = TUNER_UNSET,
                .advisor_target_scan_time_s = TUNER_UNSET,
                .advisor_max_cpu_percent = TUNER_UNSET,
                .merge_across_nodes = TUNER_UNSET,
                .use_zero_pages = TUNER_UNSET,
        };
}

void tuner_state_reset(struct tuner_state *ret) {
        *ret = (struct tuner_state) { .initialized = false };
}

const char *tuner_file_name(enum tuner_file file) {
        static const char *const names[TUNER_N_FILES] = {
                [TUNER_FILE_RUN] = "run",
                [TUNER_FILE_PAGES_TO_SCAN] = "pages_to_scan",
                [TUNER_FILE_SLEEP_MILLISECS] = "sleep_millisecs",
                [TUNER_FILE_ADVISOR_MODE] = "advisor_mode",
                [TUNER_FILE_ADVISOR_TARGET_SCAN_TIME] = "advisor_target_scan_time",
                [TUNER_FILE_ADVISOR_MAX_CPU] = "advisor_max_cpu",
                [TUNER_FILE_MERGE_ACROSS_NODES] = "merge_across_nodes",
                [TUNER_FILE_USE_ZERO_PAGES] = "use_zero_pages",
        };

        if ((unsigned) file >= TUNER_N_FILES)
                return NULL;
        return names[file];
}

/* A counter as a page count: 0 when the kernel lacks it. */
static uint64_t counter_pages(int64_t counter) {
        return counter > 0 ? (uint64_t) counter : 0;
}

static bool counter_known(int64_t counter) {
        return counter != TUNER_COUNTER_UNKNOWN;
}

static int check_input(const struct tuner_config *config, const struct tuner_input *input) {
        if (tuner_config_validate(config, NULL) < 0)
                return -EINVAL;
        if (input->memory.total_kib == 0)
                return -EINVAL;
        if (input->page_size_bytes == 0 || input->page_size_bytes % 1024 != 0)
                return -EINVAL;
        return 0;
}

/* The free memory figure. Sets *ret_fallback when MemAvailable was asked
 * for but the kernel lacks it. */
static uint64_t free_memory_kib(enum tuner_free_source source, const struct memory_snapshot *memory,
                                bool *ret_fallback) {
        /* NOTE: a MemAvailable of exactly 0 is taken as missing (kernels
         * before 3.14). A real 0 would mean an out-of-memory host anyway. */
        *ret_fallback = source == TUNER_FREE_AVAILABLE && memory->available_kib == 0;
        if (source == TUNER_FREE_AVAILABLE && !*ret_fallback)
                return memory->available_kib;
        return add_saturating(add_saturating(memory->free_kib, memory->buffers_kib), memory->cached_kib);
}

/* The larger of KSM_THRES_COEF percent of MemTotal and KSM_THRES_CONST, as
 * the shell ksmtuned computes it. */
static uint64_t threshold_kib(const struct tuner_config *config, uint64_t total_kib) {
        uint64_t threshold = percent_of(total_kib, config->thres_coef_percent);

        if ((uint64_t) config->thres_const_kib > threshold)
                threshold = (uint64_t) config->thres_const_kib;
        return threshold;
}

/* KSM_SLEEP_MSEC scaled from 16 GiB to MemTotal, as the shell ksmtuned does. */
static int64_t base_sleep_ms(const struct tuner_config *config, uint64_t total_kib) {
        /* KSM_SLEEP_MSEC is at most 60000, so the product fits in 64 bits. */
        uint64_t sleep_ms = (uint64_t) config->sleep_ms_per_16gib * POLICY_REFERENCE_HOST_KIB / total_kib;

        if (sleep_ms > POLICY_SLEEP_MAX_MS)
                return POLICY_SLEEP_MAX_MS;
        return clamp((int64_t) sleep_ms, POLICY_SLEEP_MIN_MS, POLICY_SLEEP_MAX_MS);
}

/* The maximum sleep while running: sleep_max_ms, unless the base sleep for
 * this MemTotal is longer already. */
static int64_t floor_sleep_ms(const struct tuner_config *config, int64_t base_sleep) {
        return base_sleep > config->sleep_max_ms ? base_sleep : config->sleep_max_ms;
}

struct speed {
        int64_t pages_to_scan;
        int64_t sleep_ms;
};

/* Converts a rate in pages per second to pages_to_scan per base sleep. A
 * rate below pages_min per base sleep keeps pages_min and sleeps longer, up
 * to the floor sleep. */
static struct speed speed_for_rate(const struct tuner_config *config, uint64_t rate, int64_t base_sleep,
                                   int64_t floor_sleep) {
        uint64_t per_sleep;
        int64_t sleep_ms;

        /* Rounded up, so that the rate is reached. */
        if (rate > UINT64_MAX / 1000 / (uint64_t) base_sleep)
                per_sleep = UINT64_MAX;
        else
                per_sleep = (rate * (uint64_t) base_sleep + 999) / 1000;

        if (per_sleep >= (uint64_t) config->pages_min) {
                if (per_sleep > (uint64_t) config->pages_max)
                        per_sleep = (uint64_t) config->pages_max;
                return (struct speed) { .pages_to_scan = (int64_t) per_sleep, .sleep_ms = base_sleep };
        }

        if (rate == 0)
                sleep_ms = floor_sleep;
        else
                sleep_ms = clamp((int64_t) ((uint64_t) config->pages_min * 1000 / rate), base_sleep, floor_sleep);
        return (struct speed) { .pages_to_scan = config->pages_min, .sleep_ms = sleep_ms };
}

static bool speed_is_floor(const struct tuner_config *config, struct speed speed, int64_t floor_sleep) {
        return speed.pages_to_scan == config->pages_min && speed.sleep_ms == floor_sleep;
}

/* Decides whether KSM runs and sets the reasons, judged against the stop line
 * while KSM runs and against the start line while it is stopped. */
static bool decide_run(const struct tuner_input *input, bool was_running, struct tuner_decision *d) {
        uint64_t committed_line = was_running ? d->stop_above_kib : d->threshold_kib;

        if (d->free_kib < d->threshold_kib)
                d->reasons |= TUNER_REASON_FREE_LOW;
        else if (was_running && d->free_kib <= d->stop_above_kib)
                d->reasons |= TUNER_REASON_IN_MARGIN;
        if (add_saturating(input->guests.committed_kib, committed_line) >= d->total_kib)
                d->reasons |= TUNER_REASON_COMMITTED_HIGH;

        if (d->reasons == 0)
                return false;
        if (input->guests.mergeable_kib > 0)
                return true;

        /* Pages shared with no guest found belong to other programs that
         * marked memory mergeable, and KSM keeps merging theirs. */
        if (counter_pages(input->counters.pages_sharing) > 0) {
                d->reasons |= TUNER_REASON_OTHER_MERGEABLE;
                return true;
        }
        d->reasons |= TUNER_REASON_NOTHING_MERGEABLE;
        return false;
}

/* The pages still to merge: the guests' mergeable memory less what KSM
 * merged, or without guests the pages ksmd found unique so far. */
static uint64_t unmerged_pages(const struct tuner_input *input, unsigned reasons) {
        uint64_t page_kib = input->page_size_bytes / 1024;
        uint64_t merged = add_saturating(counter_pages(input->counters.pages_shared),
                                         counter_pages(input->counters.pages_sharing));
        uint64_t mergeable = input->guests.mergeable_kib / page_kib;

        if (reasons & TUNER_REASON_OTHER_MERGEABLE)
                return counter_pages(input->counters.pages_unshared);
        return mergeable > merged ? mergeable - merged : 0;
}

/* KSM only checksums a page on its first pass over it and merges it on the
 * second pass at the earliest, so the first full scan after a return to the
 * full rate gains nothing even with much to merge. */
#define SCANS_BEFORE_JUDGING 1u

/* Returns the rate that scans all of the guests' mergeable memory within
 * the target scan time while much of it is unmerged. Once less than
 * scan_gain_min_kib is unmerged, or once a full scan gained nothing
 * (backed_off), the unmerged pages alone set the rate, since they are then
 * mostly unique. */
static uint64_t need_rate_pages_per_s(const struct tuner_config *config, const struct tuner_input *input,
                                      const struct tuner_decision *d, bool backed_off) {
        uint64_t page_kib = input->page_size_bytes / 1024;
        uint64_t gain_pages = (uint64_t) config->scan_gain_min_kib / page_kib;
        uint64_t merged = add_saturating(counter_pages(input->counters.pages_shared),
                                         counter_pages(input->counters.pages_sharing));
        uint64_t pass_pages = d->unmerged_pages;
        uint64_t target_s = (uint64_t) config->target_scan_time_s;

        if (d->unmerged_pages > gain_pages && !backed_off) {
                if (d->reasons & TUNER_REASON_OTHER_MERGEABLE)
                        pass_pages = add_saturating(d->unmerged_pages, merged);
                else if (input->guests.mergeable_kib / page_kib > pass_pages)
                        pass_pages = input->guests.mergeable_kib / page_kib;
        }
        return pass_pages / target_s + (pass_pages % target_s != 0);
}

/* Returns the TUNER_FLAG_* bits of events that return to the full rate. */
static unsigned ramp_up_events(const struct tuner_config *config, const struct tuner_input *input,
                               const struct tuner_state *state, const struct tuner_decision *d) {
        uint64_t gain_pages = (uint64_t) config->scan_gain_min_kib / (input->page_size_bytes / 1024);
        uint64_t drop_kib = percent_of(d->total_kib, config->ramp_free_drop_percent);
        unsigned flags = 0;

        if (!state->initialized)
                return 0;
        if (input->guests.generation != state->guest_generation)
                flags |= TUNER_FLAG_NEW_GUEST;
        if (counter_known(input->counters.pages_sharing) && counter_known(state->pages_sharing) &&
            add_saturating(counter_pages(input->counters.pages_sharing), gain_pages) < counter_pages(state->pages_sharing))
                flags |= TUNER_FLAG_SHARING_FELL;
        if (add_saturating(d->free_kib, drop_kib) < state->free_kib)
                flags |= TUNER_FLAG_FREE_FELL;
        if (d->run && !state->running)
                flags |= TUNER_FLAG_STARTED;
        if (d->total_kib != state->total_kib)
                flags |= TUNER_FLAG_MEMTOTAL_CHANGED;
        return flags;
}

/* Returns whether the full scans completed since the last one seen gained more than
 * scan_gain_min_kib in pages_sharing or in general_profit. */
static bool scan_gained(const struct tuner_config *config, const struct tuner_input *input,
                        const struct tuner_state *state) {
        uint64_t gain_pages = (uint64_t) config->scan_gain_min_kib / (input->page_size_bytes / 1024);
        uint64_t gain_bytes = (uint64_t) config->scan_gain_min_kib * 1024;
        int64_t sharing = input->counters.pages_sharing, profit = input->counters.general_profit_bytes;

        if (counter_known(sharing) && counter_known(state->scan_pages_sharing) &&
            counter_pages(sharing) > add_saturating(counter_pages(state->scan_pages_sharing), gain_pages))
                return true;
        /* The difference of two int64_t fits in uint64_t when it is positive. */
        if (counter_known(profit) && counter_known(state->scan_profit_bytes) && profit > state->scan_profit_bytes &&
            (uint64_t) profit - (uint64_t) state->scan_profit_bytes > gain_bytes)
                return true;
        return false;
}

/* Updates the CPU limit from ksmd's CPU time in the last interval and the
 * rate the kernel ran at. */
static void update_cpu_limit(const struct tuner_config *config, const struct tuner_input *input,
                             const struct tuner_state *state, uint64_t *limit) {
        const struct tuner_settings *kernel = &input->kernel;
        uint64_t rate, allowed_ms, cpu_ms, estimate;

        if (input->ksmd_cpu_ms < 0 || input->interval_ms <= 0 || !state->running || kernel->run != 1 ||
            kernel->pages_to_scan <= 0 || kernel->sleep_ms <= 0)
                return;

        /* The kernel takes at most 2^32 - 1 pages_to_scan. A rate above the
         * bound, far beyond what ksmd reaches, is cut so that the products
         * below fit in 64 bits. */
        rate = (uint64_t) clamp(kernel->pages_to_scan, 0, UINT32_MAX) * 1000 / (uint64_t) kernel->sleep_ms;
        if (rate > UINT64_MAX / MAX_CPU_INTERVAL_MS)
                rate = UINT64_MAX / MAX_CPU_INTERVAL_MS;
        allowed_ms = (uint64_t) clamp(input->interval_ms, 1, MAX_CPU_INTERVAL_MS) * (uint64_t) config->max_cpu_percent / 100;
        cpu_ms = (uint64_t) clamp(input->ksmd_cpu_ms, 0, MAX_CPU_INTERVAL_MS);

        if (cpu_ms > allowed_ms) {
                /* Proportional: the rate that would have used the cap. */
                *limit = rate * allowed_ms / cpu_ms;
                if (*limit == 0)
                        *limit = 1;
                return;
        }

        /* Under the cap: the limit rises towards the rate that would use it,
         * by at most a factor of two per interval. */
        if (*limit != 0) {
                estimate = cpu_ms > 0 ? rate * allowed_ms / cpu_ms : UINT64_MAX;
                *limit = *limit > UINT64_MAX / 2 ? UINT64_MAX : *limit * 2;
                if (estimate < *limit)
                        *limit = estimate;
        }
}

static enum tuner_advisor choose_advisor(const struct tuner_config *config, const struct tuner_input *input,
                                         const struct tuner_state *state) {
        bool scan_time = input->kernel.advisor_mode == 1;

        if (config->advisor_handover && input->advisor_supported)
                return TUNER_ADVISOR_HANDOVER;
        if (scan_time && state->advisor_handed_over)
                return TUNER_ADVISOR_RELEASE;
        if (scan_time)
                return TUNER_ADVISOR_EXTERNAL;
        return TUNER_ADVISOR_OFF;
}

static int64_t setting_value(const struct tuner_settings *settings, enum tuner_file file) {
        switch (file) {
        case TUNER_FILE_RUN:
                return settings->run;
        case TUNER_FILE_PAGES_TO_SCAN:
                return settings->pages_to_scan;
        case TUNER_FILE_SLEEP_MILLISECS:
                return settings->sleep_ms;
        case TUNER_FILE_ADVISOR_MODE:
                return settings->advisor_mode;
        case TUNER_FILE_ADVISOR_TARGET_SCAN_TIME:
                return settings->advisor_target_scan_time_s;
        case TUNER_FILE_ADVISOR_MAX_CPU:
                return settings->advisor_max_cpu_percent;
        case TUNER_FILE_MERGE_ACROSS_NODES:
                return settings->merge_across_nodes;
        case TUNER_FILE_USE_ZERO_PAGES:
                return settings->use_zero_pages;
        default:
                return TUNER_UNSET;
        }
}

static void plan_add(struct tuner_plan *plan, enum tuner_file file, int64_t value) {
        if (plan->count < sizeof(plan->writes) / sizeof(plan->writes[0]))
                plan->writes[plan->count++] = (struct tuner_write) { .file = file, .value = value };
}

/* Adds a write unless the kernel reports the value already. */
static void plan_add_changed(struct tuner_plan *plan, const struct tuner_settings *kernel, enum tuner_file file,
                             int64_t value) {
        if (setting_value(kernel, file) != value)
                plan_add(plan, file, value);
}

/* Finds the watched files that another program changed since ksmtuned last
 * wrote them, counts each streak, reports its first cycle and gives a file
 * up after yield_after_overrides cycles in a row. */
static void check_overrides(const struct tuner_config *config, const struct tuner_input *input,
                            struct tuner_state *next, bool advisor_active, struct tuner_decision *d) {
        for (unsigned f = 0; f < TUNER_N_WATCHED_FILES; f++) {
                int64_t written = setting_value(&input->written, (enum tuner_file) f);
                int64_t found = setting_value(&input->kernel, (enum tuner_file) f);
                unsigned bit = TUNER_FILE_BIT(f);

                if (next->yielded_files & bit)
                        continue;
                /* The advisor sets pages_to_scan, and switching it off resets
                 * pages_to_scan to 100: neither is another writer. */
                if (f == TUNER_FILE_PAGES_TO_SCAN && advisor_active) {
                        next->override_counts[f] = 0;
                        continue;
                }
                if (written == TUNER_UNSET || found == TUNER_UNSET || written == found) {
                        next->override_counts[f] = 0;
                        continue;
                }

                if (next->override_counts[f] < UINT32_MAX)
                        next->override_counts[f]++;
                if (next->override_counts[f] == 1) {
                        d->overridden_files |= bit;
                        d->overrides[f] = (struct tuner_override) { .written = written, .found = found };
                        d->flags |= TUNER_FLAG_OVERRIDE;
                }
                if (config->yield_after_overrides > 0 &&
                    next->override_counts[f] >= (uint64_t) config->yield_after_overrides) {
                        next->yielded_files |= bit;
                        d->flags |= TUNER_FLAG_YIELD;
                }
        }
        d->yielded_files = next->yielded_files;
}

/* Lists the writes that bring the kernel to the decision, advisor files
 * first because advisor_mode decides whether pages_to_scan can be written. */
static void plan_decision(const struct tuner_input *input, struct tuner_decision *d) {
        const struct tuner_settings *kernel = &input->kernel;
        bool yielded_pages = d->yielded_files & TUNER_FILE_BIT(TUNER_FILE_PAGES_TO_SCAN);

        if (d->advisor == TUNER_ADVISOR_HANDOVER) {
                plan_add_changed(&d->plan, kernel, TUNER_FILE_ADVISOR_TARGET_SCAN_TIME, d->advisor_target_scan_time_s);
                plan_add_changed(&d->plan, kernel, TUNER_FILE_ADVISOR_MAX_CPU, d->advisor_max_cpu_percent);
                plan_add_changed(&d->plan, kernel, TUNER_FILE_ADVISOR_MODE, 1);
        } else if (d->advisor == TUNER_ADVISOR_RELEASE) {
                plan_add(&d->plan, TUNER_FILE_ADVISOR_MODE, 0);
        }

        if (!d->run) {
                /* run=2 also means ksmd stopped, after an unmerge. */
                if (kernel->run == 1 && !(d->yielded_files & TUNER_FILE_BIT(TUNER_FILE_RUN)))
                        plan_add(&d->plan, TUNER_FILE_RUN, 0);
                return;
        }

        /* Switching the advisor off resets pages_to_scan to 100, whatever
         * the kernel reported before. */
        if (d->advisor == TUNER_ADVISOR_RELEASE && !yielded_pages)
                plan_add(&d->plan, TUNER_FILE_PAGES_TO_SCAN, d->pages_to_scan);
        else if (d->advisor == TUNER_ADVISOR_OFF && !yielded_pages)
                plan_add_changed(&d->plan, kernel, TUNER_FILE_PAGES_TO_SCAN, d->pages_to_scan);
        if (!(d->yielded_files & TUNER_FILE_BIT(TUNER_FILE_SLEEP_MILLISECS)))
                plan_add_changed(&d->plan, kernel, TUNER_FILE_SLEEP_MILLISECS, d->sleep_ms);
        if (!(d->yielded_files & TUNER_FILE_BIT(TUNER_FILE_RUN)))
                plan_add_changed(&d->plan, kernel, TUNER_FILE_RUN, 1);
}

int tuner_decide(const struct tuner_config *config, const struct tuner_input *input, struct tuner_state *state,
                 struct tuner_decision *ret) {
        struct tuner_decision d = { .total_kib = input->memory.total_kib };
        struct tuner_state next = *state;
        const struct tuner_counters *counters = &input->counters;
        bool fallback, own_speed, was_running;
        int64_t base_sleep, floor_sleep;
        uint64_t need_rate, rate;
        unsigned ramp_events;
        struct speed speed;

        if (check_input(config, input) < 0)
                return -EINVAL;

        /* Before the first cycle KSM counts as running when the kernel runs
         * it, so that a restart inside the margin does not stop it. */
        was_running = state->initialized ? state->running : input->kernel.run == 1;

        d.free_kib = free_memory_kib(config->free_source, &input->memory, &fallback);
        if (fallback)
                d.flags |= TUNER_FLAG_NO_MEMAVAILABLE;
        d.threshold_kib = threshold_kib(config, d.total_kib);
        d.stop_above_kib = add_saturating(d.threshold_kib, percent_of(d.total_kib, config->stop_margin_percent));
        d.run = decide_run(input, was_running, &d);
        d.unmerged_pages = unmerged_pages(input, d.reasons);

        d.advisor = choose_advisor(config, input, state);
        own_speed = d.advisor == TUNER_ADVISOR_OFF || d.advisor == TUNER_ADVISOR_RELEASE;

        /* Events that return to the full rate. */
        ramp_events = ramp_up_events(config, input, state, &d);
        d.flags |= ramp_events;
        if (ramp_events != 0) {
                next.backoff_steps = 0;
                next.scans_since_ramp = 0;
                if (d.run && own_speed)
                        d.flags |= TUNER_FLAG_RAMP_UP;
        }

        base_sleep = base_sleep_ms(config, d.total_kib);
        floor_sleep = floor_sleep_ms(config, base_sleep);
        need_rate = need_rate_pages_per_s(config, input, &d, next.backoff_steps > 0);

        /* Feedback from completed full scans. full_scans going back means
         * run=2 reset it: the next scan starts a new baseline. */
        if (!state->initialized || !counter_known(counters->full_scans) || counters->full_scans < state->full_scans) {
                next.full_scans = counters->full_scans;
                next.scan_pages_sharing = counters->pages_sharing;
                next.scan_profit_bytes = counters->general_profit_bytes;
        } else if (counters->full_scans > state->full_scans) {
                /* Several scans may complete between two cycles: each one
                 * that is judged and gained nothing is one step down. */
                uint64_t scans = (uint64_t) (counters->full_scans - state->full_scans);
                unsigned unjudged = SCANS_BEFORE_JUDGING - next.scans_since_ramp;
                uint64_t judged = ramp_events == 0 && scans > unjudged ? scans - unjudged : 0;

                if (ramp_events == 0)
                        next.scans_since_ramp = scans >= unjudged ? SCANS_BEFORE_JUDGING
                                                                  : next.scans_since_ramp + (unsigned) scans;
                if (own_speed && judged > 0) {
                        if (scan_gained(config, input, state)) {
                                if (next.backoff_steps > 0) {
                                        next.backoff_steps--;
                                        d.flags |= TUNER_FLAG_STEP_UP;
                                }
                        } else {
                                for (uint64_t i = 0; i < judged && next.backoff_steps < MAX_BACKOFF_STEPS &&
                                     !speed_is_floor(config, speed_for_rate(config, need_rate >> next.backoff_steps,
                                                                            base_sleep, floor_sleep),
                                                     floor_sleep); i++) {
                                        next.backoff_steps++;
                                        d.flags |= TUNER_FLAG_BACKOFF;
                                }
                        }
                }
                next.full_scans = counters->full_scans;
                next.scan_pages_sharing = counters->pages_sharing;
                next.scan_profit_bytes = counters->general_profit_bytes;
        }

        /* The speed: the need, halved per back-off step, within the CPU cap. */
        rate = need_rate >> next.backoff_steps;
        if (own_speed && state->initialized)
                update_cpu_limit(config, input, state, &next.cpu_limit_pages_per_s);
        if (own_speed && next.cpu_limit_pages_per_s != 0) {
                if (rate > next.cpu_limit_pages_per_s) {
                        rate = next.cpu_limit_pages_per_s;
                        d.flags |= TUNER_FLAG_CPU_CAP;
                } else {
                        next.cpu_limit_pages_per_s = 0;
                }
        }
        d.rate_pages_per_s = rate;
        d.backoff_steps = next.backoff_steps;

        speed = speed_for_rate(config, rate, base_sleep, floor_sleep);
        d.sleep_ms = speed.sleep_ms;
        if (own_speed) {
                d.pages_to_scan = speed.pages_to_scan;
                if (d.run && speed_is_floor(config, speed, floor_sleep))
                        d.flags |= TUNER_FLAG_AT_FLOOR;
        } else {
                /* The advisor's value, for the log. */
                d.pages_to_scan = input->kernel.pages_to_scan;
                d.sleep_ms = base_sleep;
        }
        if (d.advisor == TUNER_ADVISOR_HANDOVER) {
                d.advisor_target_scan_time_s = config->target_scan_time_s;
                d.advisor_max_cpu_percent = config->max_cpu_percent;
        }

        check_overrides(config, input, &next,
                        input->kernel.advisor_mode == 1 || state->kernel_advisor_scan_time || d.advisor != TUNER_ADVISOR_OFF,
                        &d);
        plan_decision(input, &d);

        next.initialized = true;
        next.running = d.run;
        next.total_kib = d.total_kib;
        next.free_kib = d.free_kib;
        next.guest_generation = input->guests.generation;
        next.pages_sharing = counters->pages_sharing;
        next.kernel_advisor_scan_time = input->kernel.advisor_mode == 1;
        if (d.advisor == TUNER_ADVISOR_HANDOVER)
                next.advisor_handed_over = true;
        else if (d.advisor == TUNER_ADVISOR_RELEASE || d.advisor == TUNER_ADVISOR_OFF)
                next.advisor_handed_over = false;

        *state = next;
        *ret = d;
        return 0;
}

/* Appends text to a comma-separated list in buffer. */
static void append_word(char *buffer, size_t size, const char *text) {
        size_t used = strnlen(buffer, size);

        if (used + 1 >= size)
                return;
        snprintf(buffer + used, size - used, "%s%s", used > 0 ? ", " : "", text);
}

const char *tuner_reason_text(unsigned reasons, char *buffer, size_t size) {
        static const char *const words[] = {
                "free memory below threshold",
                "free memory within the stop margin",
                "committed guest memory near total",
                "no guest memory to merge",
                "merged pages of programs other than guests",
        };

        if (size == 0)
                return buffer;
        buffer[0] = '\0';
        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
                if (reasons & (1u << i))
                        append_word(buffer, size, words[i]);
        if (buffer[0] == '\0')
                append_word(buffer, size, "memory ample");
        return buffer;
}

const char *tuner_flag_text(unsigned flags, char *buffer, size_t size) {
        static const char *const words[] = {
                "full rate again",
                "new guest",
                "pages_sharing fell",
                "free memory fell fast",
                "KSM started",
                "MemTotal changed",
                "slower after a fruitless full scan",
                "faster after a fruitful full scan",
                "at the slowest speed",
                "limited by the CPU cap",
                "changed by another program",
                "file left to another program",
                "MemAvailable missing, MemFree + Buffers + Cached used",
        };

        if (size == 0)
                return buffer;
        buffer[0] = '\0';
        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
                if (flags & (1u << i))
                        append_word(buffer, size, words[i]);
        return buffer;
}

const char *tuner_unmerge_text(enum tuner_unmerge unmerge) {
        switch (unmerge) {
        case TUNER_UNMERGE_NOT_REQUESTED:
                return "unmerging not requested";
        case TUNER_UNMERGE_PLANNED:
                return "unmerging every page";
        case TUNER_UNMERGE_NOTHING_MERGED:
                return "nothing merged, stopping is enough";
        case TUNER_UNMERGE_KSM_KEEPS_RUNNING:
                return "not unmerging: KSM keeps running";
        case TUNER_UNMERGE_MEMORY_SHORT:
                return "not unmerging: MemAvailable does not cover the merged memory plus the threshold";
        case TUNER_UNMERGE_RUN_YIELDED:
                return "not unmerging: run is left to another program";
        default:
                return "invalid unmerge outcome";
        }
}

const char *tuner_nodes_text(enum tuner_nodes nodes) {
        switch (nodes) {
        case TUNER_NODES_UNCHANGED:
                return "merge_across_nodes unchanged";
        case TUNER_NODES_UNSUPPORTED:
                return "merge_across_nodes not supported by this kernel";
        case TUNER_NODES_DIRECT:
                return "setting merge_across_nodes";
        case TUNER_NODES_UNMERGE:
                return "unmerging, setting merge_across_nodes, then setting run back";
        case TUNER_NODES_MEMORY_SHORT:
                return "not setting merge_across_nodes: unmerging needs more than MemAvailable minus the threshold";
        default:
                return "invalid merge_across_nodes outcome";
        }
}

/* The memory unmerging takes back: one page for each pages_sharing. */
static uint64_t merged_kib(const struct tuner_input *input) {
        uint64_t sharing = counter_pages(input->counters.pages_sharing);
        uint64_t page_kib = input->page_size_bytes / 1024;

        return sharing > UINT64_MAX / page_kib ? UINT64_MAX : sharing * page_kib;
}

/* MemAvailable, or the legacy sum where the kernel lacks it. */
static uint64_t available_kib(const struct tuner_input *input) {
        bool fallback;

        return free_memory_kib(TUNER_FREE_AVAILABLE, &input->memory, &fallback);
}

/* The run value KSM ends with on exit, TUNER_UNSET to leave it. */
static int64_t exit_run(const struct tuner_config *config, const struct tuner_settings *at_start,
                        const struct tuner_input *input) {
        switch (config->exit_action) {
        case TUNER_EXIT_STOP:
                return 0;
        case TUNER_EXIT_RESTORE:
                /* A start value of 2 only means an unmerge was asked for before. */
                if (at_start->run == 2)
                        return 0;
                return at_start->run == TUNER_UNSET ? input->kernel.run : at_start->run;
        default:
                return input->kernel.run;
        }
}

/* Restores the advisor files, pages_to_scan and sleep_millisecs from
 * at_start, skipping files given up to another program. */
static void plan_restore(const struct tuner_settings *at_start, const struct tuner_input *input,
                         unsigned yielded, struct tuner_plan *plan) {
        const struct tuner_settings *kernel = &input->kernel;
        bool advisor_released = false;

        if (at_start->advisor_target_scan_time_s != TUNER_UNSET)
                plan_add_changed(plan, kernel, TUNER_FILE_ADVISOR_TARGET_SCAN_TIME, at_start->advisor_target_scan_time_s);
        if (at_start->advisor_max_cpu_percent != TUNER_UNSET)
                plan_add_changed(plan, kernel, TUNER_FILE_ADVISOR_MAX_CPU, at_start->advisor_max_cpu_percent);
        if (at_start->advisor_mode != TUNER_UNSET && at_start->advisor_mode != kernel->advisor_mode) {
                plan_add(plan, TUNER_FILE_ADVISOR_MODE, at_start->advisor_mode);
                advisor_released = at_start->advisor_mode == 0;
        }

        /* pages_to_scan cannot be written while the advisor owns it, and
         * switching the advisor off resets it to 100. */
        if (at_start->pages_to_scan != TUNER_UNSET && !(yielded & TUNER_FILE_BIT(TUNER_FILE_PAGES_TO_SCAN))) {
                bool scan_time_after = at_start->advisor_mode == TUNER_UNSET ? kernel->advisor_mode == 1
                                                                              : at_start->advisor_mode == 1;

                if (advisor_released)
                        plan_add(plan, TUNER_FILE_PAGES_TO_SCAN, at_start->pages_to_scan);
                else if (!scan_time_after)
                        plan_add_changed(plan, kernel, TUNER_FILE_PAGES_TO_SCAN, at_start->pages_to_scan);
        }
        if (at_start->sleep_ms != TUNER_UNSET && !(yielded & TUNER_FILE_BIT(TUNER_FILE_SLEEP_MILLISECS)))
                plan_add_changed(plan, kernel, TUNER_FILE_SLEEP_MILLISECS, at_start->sleep_ms);
}

int tuner_plan_exit(const struct tuner_config *config, const struct tuner_settings *at_start,
                    const struct tuner_input *input, const struct tuner_state *state, struct tuner_exit_plan *ret) {
        struct tuner_exit_plan p = { .unmerge = TUNER_UNMERGE_NOT_REQUESTED };
        uint64_t merged;
        int64_t run;

        if (check_input(config, input) < 0)
                return -EINVAL;

        merged = merged_kib(input);
        p.needed_kib = add_saturating(merged, threshold_kib(config, input->memory.total_kib));
        p.available_kib = available_kib(input);

        if (config->exit_action == TUNER_EXIT_RESTORE)
                plan_restore(at_start, input, state->yielded_files, &p.plan);

        run = exit_run(config, at_start, input);
        if (state->yielded_files & TUNER_FILE_BIT(TUNER_FILE_RUN)) {
                if (config->unmerge_on_exit)
                        p.unmerge = TUNER_UNMERGE_RUN_YIELDED;
        } else if (run == 1) {
                if (config->unmerge_on_exit)
                        p.unmerge = TUNER_UNMERGE_KSM_KEEPS_RUNNING;
                plan_add_changed(&p.plan, &input->kernel, TUNER_FILE_RUN, 1);
        } else if (run != TUNER_UNSET) {
                if (config->unmerge_on_exit && merged == 0)
                        p.unmerge = TUNER_UNMERGE_NOTHING_MERGED;
                else if (config->unmerge_on_exit && p.available_kib < p.needed_kib)
                        p.unmerge = TUNER_UNMERGE_MEMORY_SHORT;
                else if (config->unmerge_on_exit)
                        p.unmerge = TUNER_UNMERGE_PLANNED;

                if (p.unmerge == TUNER_UNMERGE_PLANNED)
                        plan_add(&p.plan, TUNER_FILE_RUN, 2);
                else if (input->kernel.run == 1)
                        plan_add(&p.plan, TUNER_FILE_RUN, 0);
        }

        *ret = p;
        return 0;
}

int tuner_plan_node_settings(const struct tuner_config *config, const struct tuner_input *input,
                             struct tuner_node_plan *ret) {
        const struct tuner_settings *kernel = &input->kernel;
        struct tuner_node_plan p = { .merge_across_nodes = TUNER_NODES_UNCHANGED };
        bool merged_any;
        uint64_t merged;

        if (check_input(config, input) < 0)
                return -EINVAL;

        if (config->use_zero_pages != TUNER_UNSET && kernel->use_zero_pages != TUNER_UNSET)
                plan_add_changed(&p.plan, kernel, TUNER_FILE_USE_ZERO_PAGES, config->use_zero_pages);

        merged = merged_kib(input);
        merged_any = counter_pages(input->counters.pages_shared) > 0 || merged > 0;
        p.needed_kib = merged > 0 ? add_saturating(merged, threshold_kib(config, input->memory.total_kib)) : 0;
        p.available_kib = available_kib(input);

        if (config->merge_across_nodes == TUNER_UNSET || config->merge_across_nodes == kernel->merge_across_nodes) {
                p.merge_across_nodes = TUNER_NODES_UNCHANGED;
        } else if (kernel->merge_across_nodes == TUNER_UNSET) {
                p.merge_across_nodes = TUNER_NODES_UNSUPPORTED;
        } else if (!merged_any && kernel->run != 1) {
                p.merge_across_nodes = TUNER_NODES_DIRECT;
                plan_add(&p.plan, TUNER_FILE_MERGE_ACROSS_NODES, config->merge_across_nodes);
        } else if (p.available_kib < p.needed_kib) {
                /* The kernel rejects the change with EBUSY while pages_shared
                 * is above 0, and unmerging would need memory the host lacks. */
                p.merge_across_nodes = TUNER_NODES_MEMORY_SHORT;
        } else {
                /* While ksmd runs it may merge a first page between a check
                 * and the write, so a running KSM is unmerged even when
                 * nothing is merged yet. */
                p.merge_across_nodes = TUNER_NODES_UNMERGE;
                plan_add(&p.plan, TUNER_FILE_RUN, 2);
                plan_add(&p.plan, TUNER_FILE_MERGE_ACROSS_NODES, config->merge_across_nodes);
                if (kernel->run == 0 || kernel->run == 1)
                        plan_add(&p.plan, TUNER_FILE_RUN, kernel->run);
        }

        *ret = p;
        return 0;
}
