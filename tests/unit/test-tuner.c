/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tuner.h"

#include <errno.h>

#include "test.h"

#define GIB_KIB UINT64_C(1048576)

/* On the 16 GiB test host with the defaults: threshold 20 % of MemTotal,
 * stop margin 5 %, base sleep 10 ms. */
#define HOST_KIB (16 * GIB_KIB)
#define THRESHOLD_KIB UINT64_C(3355443)
#define STOP_ABOVE_KIB (THRESHOLD_KIB + UINT64_C(838860))

/* 8 GiB of guest memory in 4 KiB pages is 2,097,152 pages. Scanned in 30 s
 * that is 69,906 pages a second, 700 pages every 10 ms. */
#define FULL_PAGES 700

static struct tuner_config default_config(void) {
        struct tuner_config config;

        tuner_config_defaults(&config);
        return config;
}

/* Two guests of 4 GiB each, all mergeable, on a 16 GiB host with 8 GiB
 * available and KSM stopped at the kernel's defaults. */
static struct tuner_input host_input(void) {
        struct tuner_input input = {
                .memory = { .total_kib = HOST_KIB, .free_kib = 8 * GIB_KIB, .available_kib = 8 * GIB_KIB },
                .page_size_bytes = 4096,
                .guests = { .count = 2, .committed_kib = 8 * GIB_KIB, .mergeable_kib = 8 * GIB_KIB, .generation = 1 },
                .ksmd_cpu_ms = -1,
                .interval_ms = 0,
                .kernel = tuner_settings_unset(),
                .written = tuner_settings_unset(),
        };

        input.kernel.run = 0;
        input.kernel.pages_to_scan = 100;
        input.kernel.sleep_ms = 20;
        input.kernel.merge_across_nodes = 1;
        input.kernel.use_zero_pages = 0;
        return input;
}

/* Starts the checks of one table case and returns whether the test had
 * failed before it. case_end() prints the case name if a check in it failed. */
static bool case_begin(void) {
        bool failed_before = test_current_failed;

        test_current_failed = false;
        return failed_before;
}

static void case_end(bool failed_before, const char *name) {
        if (test_current_failed)
                printf("  in case \"%s\"\n", name);
        test_current_failed = test_current_failed || failed_before;
}

/* Sets a setting by file, as the kernel would take a write. */
static void set_setting(struct tuner_settings *settings, enum tuner_file file, int64_t value) {
        switch (file) {
        case TUNER_FILE_RUN:
                settings->run = value;
                break;
        case TUNER_FILE_PAGES_TO_SCAN:
                settings->pages_to_scan = value;
                break;
        case TUNER_FILE_SLEEP_MILLISECS:
                settings->sleep_ms = value;
                break;
        case TUNER_FILE_ADVISOR_MODE:
                settings->advisor_mode = value;
                break;
        case TUNER_FILE_ADVISOR_TARGET_SCAN_TIME:
                settings->advisor_target_scan_time_s = value;
                break;
        case TUNER_FILE_ADVISOR_MAX_CPU:
                settings->advisor_max_cpu_percent = value;
                break;
        case TUNER_FILE_MERGE_ACROSS_NODES:
                settings->merge_across_nodes = value;
                break;
        case TUNER_FILE_USE_ZERO_PAGES:
                settings->use_zero_pages = value;
                break;
        default:
                break;
        }
}

/* Carries out a plan as the daemon would: the kernel takes every write, and
 * ksmtuned remembers what it wrote. */
static void apply_plan(struct tuner_input *input, const struct tuner_plan *plan) {
        for (size_t i = 0; i < plan->count; i++) {
                set_setting(&input->kernel, plan->writes[i].file, plan->writes[i].value);
                set_setting(&input->written, plan->writes[i].file, plan->writes[i].value);
        }
}

static void expect_write(const struct tuner_plan *plan, size_t index, enum tuner_file file, int64_t value) {
        EXPECT(index < plan->count);
        if (index >= plan->count)
                return;
        EXPECT_STR(tuner_file_name(plan->writes[index].file), tuner_file_name(file));
        EXPECT_INT(plan->writes[index].value, value);
}

static void tuner_defaults_valid(void) {
        struct tuner_config config = default_config();
        const char *field = "unset";

        EXPECT_INT(tuner_config_validate(&config, &field), 0);
        EXPECT(field == NULL);
        EXPECT_INT(config.target_scan_time_s, 30);
        EXPECT_INT(config.max_cpu_percent, 10);
        EXPECT_INT(config.yield_after_overrides, 3);
        EXPECT_INT(config.exit_action, TUNER_EXIT_KEEP);
        EXPECT(!config.advisor_handover);
        EXPECT(!config.unmerge_on_exit);
}

static void tuner_rejects_invalid_input(void) {
        struct tuner_config config = default_config();
        struct tuner_input input = host_input();
        struct tuner_state state;
        struct tuner_decision d = { .pages_to_scan = 12345 };
        const char *field = NULL;

        tuner_state_reset(&state);
        input.memory.total_kib = 0;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), -EINVAL);
        EXPECT_INT(d.pages_to_scan, 12345);
        EXPECT(!state.initialized);

        input = host_input();
        input.page_size_bytes = 0;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), -EINVAL);
        input.page_size_bytes = 1000;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), -EINVAL);

        input = host_input();
        config.pages_max = config.pages_min - 1;
        EXPECT_INT(tuner_config_validate(&config, &field), -EINVAL);
        EXPECT_STR(field, "pages_max");
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), -EINVAL);

        config = default_config();
        config.merge_across_nodes = 2;
        EXPECT_INT(tuner_config_validate(&config, &field), -EINVAL);
        EXPECT_STR(field, "merge_across_nodes");
        config = default_config();
        config.max_cpu_percent = 0;
        EXPECT_INT(tuner_config_validate(&config, &field), -EINVAL);
        EXPECT_STR(field, "max_cpu_percent");
}

/* Free memory walks around the threshold: KSM starts only below it and
 * stops only above threshold + margin, and the kernel follows each plan. */
static void tuner_hysteresis(void) {
        static const struct {
                uint64_t available_kib;
                bool run;
                unsigned reasons;
        } steps[] = {
                { 4 * GIB_KIB, false, 0 },
                { THRESHOLD_KIB, false, 0 },
                { THRESHOLD_KIB - 1, true, TUNER_REASON_FREE_LOW },
                { THRESHOLD_KIB, true, TUNER_REASON_IN_MARGIN },
                { STOP_ABOVE_KIB, true, TUNER_REASON_IN_MARGIN },
                { 3000000, true, TUNER_REASON_FREE_LOW },
                { STOP_ABOVE_KIB, true, TUNER_REASON_IN_MARGIN },
                { STOP_ABOVE_KIB + 1, false, 0 },
                { 4000000, false, 0 },
                { THRESHOLD_KIB, false, 0 },
                { THRESHOLD_KIB - 1, true, TUNER_REASON_FREE_LOW },
        };
        struct tuner_config config = default_config();
        struct tuner_input input = host_input();
        struct tuner_state state;
        struct tuner_decision d;
        char text[256];

        tuner_state_reset(&state);
        for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
                input.memory.available_kib = steps[i].available_kib;
                EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
                EXPECT_INT(d.run, steps[i].run);
                EXPECT_INT(d.reasons, steps[i].reasons);
                EXPECT_INT(d.threshold_kib, THRESHOLD_KIB);
                EXPECT_INT(d.stop_above_kib, STOP_ABOVE_KIB);
                EXPECT_INT(input.kernel.run, i == 0 ? 0 : steps[i - 1].run);
                apply_plan(&input, &d.plan);
                EXPECT_INT(input.kernel.run, steps[i].run);
        }
        EXPECT_STR(tuner_reason_text(TUNER_REASON_IN_MARGIN, text, sizeof(text)), "free memory within the stop margin");
        EXPECT_STR(tuner_reason_text(0, text, sizeof(text)), "memory ample");
}

/* The first start writes pages_to_scan and sleep_millisecs before run. */
static void tuner_start_plan(void) {
        struct tuner_config config = default_config();
        struct tuner_input input = host_input();
        struct tuner_state state;
        struct tuner_decision d;

        tuner_state_reset(&state);
        input.memory.available_kib = 2 * GIB_KIB;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT(d.run);
        EXPECT_INT(d.unmerged_pages, 2097152);
        EXPECT_INT(d.rate_pages_per_s, 69906);
        EXPECT_INT(d.pages_to_scan, FULL_PAGES);
        EXPECT_INT(d.sleep_ms, 10);
        EXPECT_INT(d.advisor, TUNER_ADVISOR_OFF);
        EXPECT_INT(d.plan.count, 3);
        expect_write(&d.plan, 0, TUNER_FILE_PAGES_TO_SCAN, FULL_PAGES);
        expect_write(&d.plan, 1, TUNER_FILE_SLEEP_MILLISECS, 10);
        expect_write(&d.plan, 2, TUNER_FILE_RUN, 1);

        /* Applied: the next cycle writes nothing. */
        apply_plan(&input, &d.plan);
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.plan.count, 0);
        EXPECT_INT(d.flags, 0);
}

/* Guest memory committed near MemTotal starts KSM with plenty free, and the
 * margin applies to it as well. */
static void tuner_committed_pressure(void) {
        struct tuner_config config = default_config();
        struct tuner_input input = host_input();
        struct tuner_state state;
        struct tuner_decision d;

        tuner_state_reset(&state);
        input.guests.committed_kib = HOST_KIB - THRESHOLD_KIB - 1;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT(!d.run);

        input.guests.committed_kib = HOST_KIB - THRESHOLD_KIB;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT(d.run);
        EXPECT_INT(d.reasons, TUNER_REASON_COMMITTED_HIGH);

        /* Running: it stops only once guests leave room for the margin too. */
        input.guests.committed_kib = HOST_KIB - STOP_ABOVE_KIB;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT(d.run);
        input.guests.committed_kib = HOST_KIB - STOP_ABOVE_KIB - 1;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT(!d.run);
}

static void tuner_nothing_mergeable(void) {
        struct tuner_config config = default_config();
        struct tuner_input input = host_input();
        struct tuner_state state;
        struct tuner_decision d;
        char text[256];

        tuner_state_reset(&state);
        input.memory.available_kib = GIB_KIB;
        input.guests = (struct tuner_guests) { 0 };
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT(!d.run);
        EXPECT_INT(d.reasons, TUNER_REASON_FREE_LOW | TUNER_REASON_NOTHING_MERGEABLE);
        EXPECT_INT(d.plan.count, 0);
        EXPECT_STR(tuner_reason_text(d.reasons, text, sizeof(text)),
                   "free memory below threshold, no guest memory to merge");

        /* Guests whose memory is not mergeable count as none. */
        input.guests = (struct tuner_guests) { .count = 1, .committed_kib = GIB_KIB, .generation = 1 };
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT(!d.run);

        /* Shared pages without guests: other programs merge, KSM runs, and
         * ksmd scans their 35,100 pages (30,000 unique so far, 5100 merged)
         * in 30 s: 1170 a second, 11.7 pages every 10 ms, so 64 pages every 54 ms. */
        input.guests = (struct tuner_guests) { 0 };
        input.counters.pages_sharing = 5000;
        input.counters.pages_shared = 100;
        input.counters.pages_unshared = 30000;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT(d.run);
        EXPECT_INT(d.reasons, TUNER_REASON_FREE_LOW | TUNER_REASON_OTHER_MERGEABLE);
        EXPECT_INT(d.unmerged_pages, 30000);
        EXPECT_INT(d.pages_to_scan, 64);
        EXPECT_INT(d.sleep_ms, 54);
}

static void tuner_free_sources(void) {
        struct tuner_config config = default_config();
        struct tuner_input input = host_input();
        struct tuner_state state;
        struct tuner_decision d;
        char text[256];

        /* Cached counts in the legacy sum but not in MemAvailable. */
        input.memory = (struct memory_snapshot) {
                .total_kib = HOST_KIB, .free_kib = GIB_KIB, .buffers_kib = GIB_KIB,
                .cached_kib = 4 * GIB_KIB, .available_kib = 3 * GIB_KIB,
        };
        tuner_state_reset(&state);
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.free_kib, 3 * GIB_KIB);
        EXPECT(d.run);

        config.free_source = TUNER_FREE_LEGACY_SUM;
        tuner_state_reset(&state);
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.free_kib, 6 * GIB_KIB);
        EXPECT(!d.run);
        EXPECT_INT(d.flags, 0);

        /* A kernel without MemAvailable falls back to the legacy sum. */
        config.free_source = TUNER_FREE_AVAILABLE;
        input.memory.available_kib = 0;
        tuner_state_reset(&state);
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.free_kib, 6 * GIB_KIB);
        EXPECT_INT(d.flags, TUNER_FLAG_NO_MEMAVAILABLE);
        EXPECT_STR(tuner_flag_text(d.flags, text, sizeof(text)),
                   "MemAvailable missing, MemFree + Buffers + Cached used");
}

/* Starts KSM under pressure on the test host and applies the plan. */
static void start_running(const struct tuner_config *config, struct tuner_input *input, struct tuner_state *state,
                          struct tuner_decision *d) {
        tuner_state_reset(state);
        input->memory.available_kib = 2 * GIB_KIB;
        EXPECT_INT(tuner_decide(config, input, state, d), 0);
        EXPECT(d->run);
        apply_plan(input, &d->plan);
}

/* Each fruitless full scan after the first halves the rate:
 * pages_to_scan first, then sleep_millisecs grows, until 64 pages every
 * 1000 ms. */
static void tuner_backoff_to_floor(void) {
        static const struct {
                int64_t pages_to_scan;
                int64_t sleep_ms;
                unsigned steps;
                unsigned flags;
        } expected[] = {
                /* KSM merges on the second pass: the first is not judged. */
                { 700, 10, 0, 0 },
                { 350, 10, 1, TUNER_FLAG_BACKOFF },
                { 175, 10, 2, TUNER_FLAG_BACKOFF },
                { 88, 10, 3, TUNER_FLAG_BACKOFF },
                { 64, 14, 4, TUNER_FLAG_BACKOFF },
                { 64, 29, 5, TUNER_FLAG_BACKOFF },
                { 64, 58, 6, TUNER_FLAG_BACKOFF },
                { 64, 117, 7, TUNER_FLAG_BACKOFF },
                { 64, 234, 8, TUNER_FLAG_BACKOFF },
                { 64, 470, 9, TUNER_FLAG_BACKOFF },
                { 64, 941, 10, TUNER_FLAG_BACKOFF },
                { 64, 1000, 11, TUNER_FLAG_BACKOFF | TUNER_FLAG_AT_FLOOR },
                /* At the floor, more fruitless scans add no steps. */
                { 64, 1000, 11, TUNER_FLAG_AT_FLOOR },
                { 64, 1000, 11, TUNER_FLAG_AT_FLOOR },
        };
        struct tuner_config config = default_config();
        struct tuner_input input = host_input();
        struct tuner_state state;
        struct tuner_decision d;

        start_running(&config, &input, &state, &d);
        EXPECT_INT(d.pages_to_scan, FULL_PAGES);

        /* A cycle without a completed full scan changes nothing. */
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.pages_to_scan, FULL_PAGES);
        EXPECT_INT(d.flags, 0);

        for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
                input.counters.full_scans++;
                /* Gains of exactly the minimum, 256 pages and 1 MiB, are fruitless. */
                input.counters.pages_sharing += 256;
                input.counters.general_profit_bytes += 1048576;
                input.guests.mergeable_kib += 1024;
                EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
                EXPECT_INT(d.pages_to_scan, expected[i].pages_to_scan);
                EXPECT_INT(d.sleep_ms, expected[i].sleep_ms);
                EXPECT_INT(d.backoff_steps, expected[i].steps);
                EXPECT_INT(d.flags, expected[i].flags);
                apply_plan(&input, &d.plan);
        }

        /* Several fruitless scans between two cycles are as many steps. */
        {
                struct tuner_state copy = state;
                struct tuner_input fast = input;
                struct tuner_decision several;

                copy.backoff_steps = 2;
                fast.counters.full_scans += 3;
                EXPECT_INT(tuner_decide(&config, &fast, &copy, &several), 0);
                EXPECT_INT(several.backoff_steps, 5);
                EXPECT_INT(several.flags, TUNER_FLAG_BACKOFF);
        }

        /* A fruitful scan takes one step back up. */
        input.counters.full_scans++;
        input.counters.pages_sharing += 257;
        input.guests.mergeable_kib += 1028;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.backoff_steps, 10);
        EXPECT_INT(d.flags, TUNER_FLAG_STEP_UP);
        EXPECT_INT(d.sleep_ms, 941);

        /* So does a rise in general_profit alone. */
        input.counters.full_scans++;
        input.counters.general_profit_bytes += 1048577;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.backoff_steps, 9);
        EXPECT_INT(d.flags, TUNER_FLAG_STEP_UP);

        /* full_scans going back (run=2 resets it) starts a new baseline. */
        input.counters.full_scans = 0;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.backoff_steps, 9);
        EXPECT_INT(d.flags, 0);
}

/* Once a full scan gained nothing, the rate follows the pages still
 * unmerged, which are then mostly unique, rather than all mergeable ones. */
static void tuner_backoff_follows_unmerged(void) {
        struct tuner_config config = default_config();
        struct tuner_input input = host_input();
        struct tuner_state state;
        struct tuner_decision d;

        /* 8 GiB mergeable, 2,097,152 pages, all but 20,000 merged. */
        input.counters.pages_shared = 1000;
        input.counters.pages_sharing = 2097152 - 1000 - 20000;
        start_running(&config, &input, &state, &d);
        EXPECT_INT(d.unmerged_pages, 20000);
        /* 2,097,152 pages in 30 s. */
        EXPECT_INT(d.rate_pages_per_s, 69906);

        input.counters.full_scans++;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        apply_plan(&input, &d.plan);
        input.counters.full_scans++;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        apply_plan(&input, &d.plan);
        EXPECT_INT(d.flags, TUNER_FLAG_BACKOFF);
        EXPECT_INT(d.rate_pages_per_s, 69906 >> 1);

        /* The next cycle: 20,000 pages in 30 s, halved once. */
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.rate_pages_per_s, 667 >> 1);
}

/* Backs off by three fruitless full scans, after the one that is not judged. */
static void back_off_three_steps(const struct tuner_config *config, struct tuner_input *input,
                                 struct tuner_state *state, struct tuner_decision *d) {
        start_running(config, input, state, d);
        for (int i = 0; i < 4; i++) {
                input->counters.full_scans++;
                EXPECT_INT(tuner_decide(config, input, state, d), 0);
                apply_plan(input, &d->plan);
        }
        EXPECT_INT(d->backoff_steps, 3);
}

static void tuner_ramp_up(void) {
        struct tuner_config config = default_config();
        struct tuner_input input;
        struct tuner_state state;
        struct tuner_decision d;
        char text[256];

        /* A new guest with 4 GiB more: 3,145,728 pages in 30 s is 104,858 a
         * second, 1049 pages every 10 ms, written at once. A completed full
         * scan in the same cycle does not back off. */
        input = host_input();
        back_off_three_steps(&config, &input, &state, &d);
        EXPECT_INT(d.pages_to_scan, 88);
        input.guests.generation++;
        input.guests.count++;
        input.guests.mergeable_kib += 4 * GIB_KIB;
        input.counters.full_scans++;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.backoff_steps, 0);
        EXPECT_INT(d.flags, TUNER_FLAG_RAMP_UP | TUNER_FLAG_NEW_GUEST);
        EXPECT_INT(d.pages_to_scan, 1049);
        EXPECT_INT(d.plan.count, 1);
        expect_write(&d.plan, 0, TUNER_FILE_PAGES_TO_SCAN, 1049);
        EXPECT_STR(tuner_flag_text(d.flags, text, sizeof(text)), "full rate again, new guest");

        /* pages_sharing falling by more than 256 pages. */
        input = host_input();
        input.counters.pages_sharing = 10000;
        back_off_three_steps(&config, &input, &state, &d);
        input.counters.pages_sharing = 10000 - 256;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.backoff_steps, 3);
        EXPECT_INT(d.flags, 0);
        input.counters.pages_sharing = 10000 - 256 - 257;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.backoff_steps, 0);
        EXPECT_INT(d.flags, TUNER_FLAG_RAMP_UP | TUNER_FLAG_SHARING_FELL);

        /* Free memory falling by more than 2 % of MemTotal, 335,544 KiB. */
        input = host_input();
        back_off_three_steps(&config, &input, &state, &d);
        input.memory.available_kib -= 335544;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.backoff_steps, 3);
        input.memory.available_kib -= 335545;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.backoff_steps, 0);
        EXPECT_INT(d.flags, TUNER_FLAG_RAMP_UP | TUNER_FLAG_FREE_FELL);
        EXPECT_INT(d.pages_to_scan, FULL_PAGES);

        /* KSM starting again after a stop. */
        input = host_input();
        back_off_three_steps(&config, &input, &state, &d);
        input.memory.available_kib = 8 * GIB_KIB;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT(!d.run);
        EXPECT_INT(d.backoff_steps, 3);
        apply_plan(&input, &d.plan);
        input.memory.available_kib = 3 * GIB_KIB;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT(d.run);
        EXPECT_INT(d.backoff_steps, 0);
        EXPECT(d.flags & TUNER_FLAG_STARTED);
        EXPECT(d.flags & TUNER_FLAG_RAMP_UP);
}

/* ksmd used 20 % of a core against a cap of 10 %: the rate halves, stays
 * while ksmd uses exactly the cap, and returns once it uses less. */
static void tuner_cpu_cap(void) {
        static const struct {
                int64_t cpu_ms;
                int64_t pages_to_scan;
                uint64_t rate;
                bool capped;
        } cycles[] = {
                { 2000, 350, 35000, true },
                { 1000, 350, 35000, true },
                { 800, 438, 43750, true },
                { 250, FULL_PAGES, 69906, false },
                { 0, FULL_PAGES, 69906, false },
        };
        struct tuner_config config = default_config();
        struct tuner_input input = host_input();
        struct tuner_state state;
        struct tuner_decision d;

        start_running(&config, &input, &state, &d);
        input.interval_ms = 10000;
        for (size_t i = 0; i < sizeof(cycles) / sizeof(cycles[0]); i++) {
                input.ksmd_cpu_ms = cycles[i].cpu_ms;
                EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
                EXPECT_INT(d.pages_to_scan, cycles[i].pages_to_scan);
                EXPECT_INT(d.rate_pages_per_s, cycles[i].rate);
                EXPECT_INT(!!(d.flags & TUNER_FLAG_CPU_CAP), cycles[i].capped);
                EXPECT_INT(d.sleep_ms, 10);
                apply_plan(&input, &d.plan);
        }

        /* An unknown CPU time caps nothing. */
        input.ksmd_cpu_ms = -1;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.pages_to_scan, FULL_PAGES);
        EXPECT_INT(d.flags, 0);

        /* A cap of 1 %: 700 pages a second, so a longer sleep of 91 ms for
         * 64 pages. */
        input.ksmd_cpu_ms = 10000;
        config.max_cpu_percent = 1;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.rate_pages_per_s, 700);
        EXPECT_INT(d.pages_to_scan, 64);
        EXPECT_INT(d.sleep_ms, 91);
        EXPECT(d.flags & TUNER_FLAG_CPU_CAP);
}

static void tuner_advisor_handover(void) {
        struct tuner_config config = default_config();
        struct tuner_input input = host_input();
        struct tuner_state state;
        struct tuner_decision d;

        config.advisor_handover = true;
        input.advisor_supported = true;
        input.kernel.advisor_mode = 0;
        input.kernel.advisor_target_scan_time_s = 200;
        input.kernel.advisor_max_cpu_percent = 70;

        /* Stopped: the advisor is set up, run stays 0. */
        tuner_state_reset(&state);
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT(!d.run);
        EXPECT_INT(d.advisor, TUNER_ADVISOR_HANDOVER);
        EXPECT_INT(d.advisor_target_scan_time_s, 30);
        EXPECT_INT(d.advisor_max_cpu_percent, 10);
        EXPECT_INT(d.plan.count, 3);
        expect_write(&d.plan, 0, TUNER_FILE_ADVISOR_TARGET_SCAN_TIME, 30);
        expect_write(&d.plan, 1, TUNER_FILE_ADVISOR_MAX_CPU, 10);
        expect_write(&d.plan, 2, TUNER_FILE_ADVISOR_MODE, 1);
        apply_plan(&input, &d.plan);

        /* Pressure: the policy still starts KSM, but never writes
         * pages_to_scan, which the advisor raised to 3000. */
        input.kernel.pages_to_scan = 3000;
        input.memory.available_kib = 2 * GIB_KIB;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT(d.run);
        EXPECT_INT(d.pages_to_scan, 3000);
        EXPECT_INT(d.sleep_ms, 10);
        EXPECT_INT(d.plan.count, 2);
        expect_write(&d.plan, 0, TUNER_FILE_SLEEP_MILLISECS, 10);
        expect_write(&d.plan, 1, TUNER_FILE_RUN, 1);
        apply_plan(&input, &d.plan);

        /* Fruitless scans and high CPU do not touch the advisor's speed,
         * and its changes to pages_to_scan are no other writer. */
        input.counters.full_scans += 2;
        input.interval_ms = 10000;
        input.ksmd_cpu_ms = 9000;
        input.kernel.pages_to_scan = 5000;
        input.written.pages_to_scan = 100;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.flags, 0);
        EXPECT_INT(d.pages_to_scan, 5000);
        EXPECT_INT(d.plan.count, 0);

        /* Hand-over switched off: advisor_mode back to none, which resets
         * pages_to_scan, so ksmtuned writes its own value after it. */
        config.advisor_handover = false;
        input.ksmd_cpu_ms = -1;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.advisor, TUNER_ADVISOR_RELEASE);
        EXPECT_INT(d.plan.count, 2);
        expect_write(&d.plan, 0, TUNER_FILE_ADVISOR_MODE, 0);
        expect_write(&d.plan, 1, TUNER_FILE_PAGES_TO_SCAN, FULL_PAGES);
        apply_plan(&input, &d.plan);
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.advisor, TUNER_ADVISOR_OFF);
        EXPECT_INT(d.plan.count, 0);

        /* scan-time chosen by the administrator: ksmtuned leaves
         * pages_to_scan and the advisor files alone. */
        input.kernel.advisor_mode = 1;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.advisor, TUNER_ADVISOR_EXTERNAL);
        EXPECT_INT(d.plan.count, 0);
        EXPECT_INT(d.advisor_target_scan_time_s, 0);

        /* Hand-over requested on a kernel without the advisor. */
        config.advisor_handover = true;
        input = host_input();
        tuner_state_reset(&state);
        input.memory.available_kib = 2 * GIB_KIB;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.advisor, TUNER_ADVISOR_OFF);
        EXPECT_INT(d.pages_to_scan, FULL_PAGES);
        expect_write(&d.plan, 0, TUNER_FILE_PAGES_TO_SCAN, FULL_PAGES);
}

/* Another program sets pages_to_scan to 2000 every cycle: reported once,
 * corrected twice, then left to it. */
static void tuner_other_writer(void) {
        struct tuner_config config = default_config();
        struct tuner_input input = host_input();
        struct tuner_state state;
        struct tuner_decision d;
        const unsigned pages_bit = TUNER_FILE_BIT(TUNER_FILE_PAGES_TO_SCAN);

        start_running(&config, &input, &state, &d);
        EXPECT_INT(input.written.pages_to_scan, FULL_PAGES);

        for (int cycle = 1; cycle <= 5; cycle++) {
                input.kernel.pages_to_scan = 2000;
                EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
                EXPECT_INT(d.overridden_files, cycle == 1 ? pages_bit : 0);
                EXPECT_INT(!!(d.flags & TUNER_FLAG_OVERRIDE), cycle == 1);
                EXPECT_INT(!!(d.flags & TUNER_FLAG_YIELD), cycle == 3);
                EXPECT_INT(d.yielded_files, cycle >= 3 ? pages_bit : 0);
                /* Corrected until given up. */
                EXPECT_INT(d.plan.count, cycle < 3 ? 1 : 0);
                if (cycle < 3)
                        expect_write(&d.plan, 0, TUNER_FILE_PAGES_TO_SCAN, FULL_PAGES);
                apply_plan(&input, &d.plan);
        }
        EXPECT_INT(d.pages_to_scan, FULL_PAGES);

        /* The reported values: what ksmtuned wrote and what it found. */
        start_running(&config, &input, &state, &d);
        input.kernel.sleep_ms = 50;
        input.kernel.run = 0;
        EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
        EXPECT_INT(d.overridden_files,
                   TUNER_FILE_BIT(TUNER_FILE_RUN) | TUNER_FILE_BIT(TUNER_FILE_SLEEP_MILLISECS));
        EXPECT_INT(d.overrides[TUNER_FILE_SLEEP_MILLISECS].written, 10);
        EXPECT_INT(d.overrides[TUNER_FILE_SLEEP_MILLISECS].found, 50);
        EXPECT_INT(d.overrides[TUNER_FILE_RUN].written, 1);
        EXPECT_INT(d.overrides[TUNER_FILE_RUN].found, 0);
        apply_plan(&input, &d.plan);

        /* A streak broken by one cycle without a change starts again. */
        start_running(&config, &input, &state, &d);
        for (int cycle = 1; cycle <= 5; cycle++) {
                if (cycle != 3)
                        input.kernel.sleep_ms = 50;
                EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
                EXPECT_INT(!!(d.flags & TUNER_FLAG_OVERRIDE), cycle == 1 || cycle == 4);
                EXPECT_INT(d.yielded_files, 0);
                apply_plan(&input, &d.plan);
        }

        /* yield_after_overrides = 0 never gives a file up. */
        config.yield_after_overrides = 0;
        start_running(&config, &input, &state, &d);
        for (int cycle = 1; cycle <= 10; cycle++) {
                input.kernel.sleep_ms = 50;
                EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
                EXPECT_INT(d.yielded_files, 0);
                apply_plan(&input, &d.plan);
        }
        EXPECT_INT(input.kernel.sleep_ms, 10);
}

/* Once run is given up to another program, ksmtuned no longer writes it. */
static void tuner_yielded_run(void) {
        struct tuner_config config = default_config();
        struct tuner_input input = host_input();
        struct tuner_state state;
        struct tuner_decision d;

        start_running(&config, &input, &state, &d);
        for (int cycle = 1; cycle <= 3; cycle++) {
                input.kernel.run = 0;
                EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
                apply_plan(&input, &d.plan);
        }
        EXPECT_INT(d.yielded_files, TUNER_FILE_BIT(TUNER_FILE_RUN));
        EXPECT_INT(input.kernel.run, 0);
        EXPECT(d.run);
}

/* Memory hot-plug: threshold and sleep follow MemTotal, speed ramps up. */
static void tuner_memtotal_change(void) {
        static const struct {
                uint64_t total_kib;
                uint64_t threshold_kib;
                int64_t sleep_ms;
        } hosts[] = {
                { 4 * GIB_KIB, 838860, 40 },
                { 256 * 1024, 52428, 640 },
                { 64 * GIB_KIB, 13421772, 10 },
                { 8192, 2048, 20480 },
        };
        struct tuner_config config = default_config();
        struct tuner_input input;
        struct tuner_state state;
        struct tuner_decision d;

        for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
                input = host_input();
                back_off_three_steps(&config, &input, &state, &d);
                input.memory.total_kib = hosts[i].total_kib;
                input.memory.available_kib = 1;
                input.guests.mergeable_kib = 64 * GIB_KIB;
                EXPECT_INT(tuner_decide(&config, &input, &state, &d), 0);
                EXPECT_INT(d.threshold_kib, hosts[i].threshold_kib);
                EXPECT_INT(d.sleep_ms, hosts[i].sleep_ms);
                EXPECT(d.flags & TUNER_FLAG_MEMTOTAL_CHANGED);
                EXPECT_INT(d.backoff_steps, 0);
        }
}

/* 64 KiB pages: 8 GiB is 131,072 pages, 4370 a second, so 64 pages every
 * 14 ms, where 4 KiB pages would take 700 every 10 ms. */
static void tuner_large_pages(void) {
        struct tuner_config config = default_config();
        struct tuner_input input = host_input();
        struct tuner_state state;
        struct tuner_decision d;

        input.page_size_bytes = 65536;
        start_running(&config, &input, &state, &d);
        EXPECT_INT(d.unmerged_pages, 131072);
        EXPECT_INT(d.pages_to_scan, 64);
        EXPECT_INT(d.sleep_ms, 14);
}

/* Settings found at start: KSM stopped at the kernel defaults. */
static struct tuner_settings start_settings(void) {
        struct tuner_settings s = tuner_settings_unset();

        s.run = 0;
        s.pages_to_scan = 100;
        s.sleep_ms = 20;
        s.advisor_mode = 0;
        s.advisor_target_scan_time_s = 200;
        s.advisor_max_cpu_percent = 70;
        return s;
}

/* KSM running at 700 pages every 10 ms with 100,000 pages sharing, that is
 * 400,000 KiB. */
static struct tuner_input exit_input(void) {
        struct tuner_input input = host_input();

        input.kernel = start_settings();
        input.kernel.run = 1;
        input.kernel.pages_to_scan = FULL_PAGES;
        input.kernel.sleep_ms = 10;
        input.counters.pages_shared = 2000;
        input.counters.pages_sharing = 100000;
        return input;
}

static void tuner_exit_choices(void) {
        static const struct {
                const char *name;
                enum tuner_exit_action action;
                bool unmerge;
                uint64_t available_kib;
                int64_t sharing;
                int64_t start_run;
                enum tuner_unmerge outcome;
                size_t count;
                struct tuner_write writes[3];
        } cases[] = {
                { "keep", TUNER_EXIT_KEEP, false, 8 * GIB_KIB, 100000, 0, TUNER_UNMERGE_NOT_REQUESTED, 0, { { 0 } } },
                { "stop", TUNER_EXIT_STOP, false, 8 * GIB_KIB, 100000, 0, TUNER_UNMERGE_NOT_REQUESTED, 1,
                  { { TUNER_FILE_RUN, 0 } } },
                { "restore", TUNER_EXIT_RESTORE, false, 8 * GIB_KIB, 100000, 0, TUNER_UNMERGE_NOT_REQUESTED, 3,
                  { { TUNER_FILE_PAGES_TO_SCAN, 100 }, { TUNER_FILE_SLEEP_MILLISECS, 20 }, { TUNER_FILE_RUN, 0 } } },
                { "restore running", TUNER_EXIT_RESTORE, false, 8 * GIB_KIB, 100000, 1, TUNER_UNMERGE_NOT_REQUESTED, 2,
                  { { TUNER_FILE_PAGES_TO_SCAN, 100 }, { TUNER_FILE_SLEEP_MILLISECS, 20 } } },
                { "stop unmerge", TUNER_EXIT_STOP, true, 8 * GIB_KIB, 100000, 0, TUNER_UNMERGE_PLANNED, 1,
                  { { TUNER_FILE_RUN, 2 } } },
                /* Needed: 400,000 KiB merged plus the threshold, 3,755,443 KiB. */
                { "unmerge exactly covered", TUNER_EXIT_STOP, true, 3755443, 100000, 0, TUNER_UNMERGE_PLANNED, 1,
                  { { TUNER_FILE_RUN, 2 } } },
                { "unmerge memory short", TUNER_EXIT_STOP, true, 3755442, 100000, 0, TUNER_UNMERGE_MEMORY_SHORT, 1,
                  { { TUNER_FILE_RUN, 0 } } },
                { "unmerge nothing merged", TUNER_EXIT_STOP, true, 8 * GIB_KIB, 0, 0, TUNER_UNMERGE_NOTHING_MERGED, 1,
                  { { TUNER_FILE_RUN, 0 } } },
                { "keep running unmerge", TUNER_EXIT_KEEP, true, 8 * GIB_KIB, 100000, 0,
                  TUNER_UNMERGE_KSM_KEEPS_RUNNING, 0, { { 0 } } },
                { "restore running unmerge", TUNER_EXIT_RESTORE, true, 8 * GIB_KIB, 100000, 1,
                  TUNER_UNMERGE_KSM_KEEPS_RUNNING, 2,
                  { { TUNER_FILE_PAGES_TO_SCAN, 100 }, { TUNER_FILE_SLEEP_MILLISECS, 20 } } },
                { "restore unmerge start run 2", TUNER_EXIT_RESTORE, true, 8 * GIB_KIB, 100000, 2,
                  TUNER_UNMERGE_PLANNED, 3,
                  { { TUNER_FILE_PAGES_TO_SCAN, 100 }, { TUNER_FILE_SLEEP_MILLISECS, 20 }, { TUNER_FILE_RUN, 2 } } },
        };
        struct tuner_config config = default_config();
        struct tuner_state state;
        struct tuner_exit_plan plan;

        tuner_state_reset(&state);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tuner_input input = exit_input();
                struct tuner_settings at_start = start_settings();

                bool failed_before = case_begin();

                config.exit_action = cases[i].action;
                config.unmerge_on_exit = cases[i].unmerge;
                input.memory.available_kib = cases[i].available_kib;
                input.counters.pages_sharing = cases[i].sharing;
                at_start.run = cases[i].start_run;
                EXPECT_INT(tuner_plan_exit(&config, &at_start, &input, &state, &plan), 0);
                EXPECT_INT(plan.unmerge, cases[i].outcome);
                EXPECT_INT(plan.available_kib, cases[i].available_kib);
                EXPECT_INT(plan.plan.count, cases[i].count);
                for (size_t w = 0; w < cases[i].count; w++)
                        expect_write(&plan.plan, w, cases[i].writes[w].file, cases[i].writes[w].value);
                case_end(failed_before, cases[i].name);
        }

        config.exit_action = TUNER_EXIT_STOP;
        config.unmerge_on_exit = true;
        {
                struct tuner_input input = exit_input();
                struct tuner_settings at_start = start_settings();

                input.memory.available_kib = 3755442;
                EXPECT_INT(tuner_plan_exit(&config, &at_start, &input, &state, &plan), 0);
                EXPECT_INT(plan.needed_kib, 3755443);
                EXPECT_STR(tuner_unmerge_text(plan.unmerge),
                           "not unmerging: MemAvailable does not cover the merged memory plus the threshold");
        }
}

/* Restoring after the advisor had pages_to_scan, and around files given up
 * to another program. */
static void tuner_exit_restore_advisor(void) {
        struct tuner_config config = default_config();
        struct tuner_input input = exit_input();
        struct tuner_settings at_start = start_settings();
        struct tuner_state state;
        struct tuner_exit_plan plan;

        config.exit_action = TUNER_EXIT_RESTORE;
        tuner_state_reset(&state);
        input.kernel.advisor_mode = 1;
        input.kernel.advisor_target_scan_time_s = 30;
        input.kernel.advisor_max_cpu_percent = 10;
        input.kernel.pages_to_scan = 100;
        EXPECT_INT(tuner_plan_exit(&config, &at_start, &input, &state, &plan), 0);
        EXPECT_INT(plan.plan.count, 6);
        expect_write(&plan.plan, 0, TUNER_FILE_ADVISOR_TARGET_SCAN_TIME, 200);
        expect_write(&plan.plan, 1, TUNER_FILE_ADVISOR_MAX_CPU, 70);
        expect_write(&plan.plan, 2, TUNER_FILE_ADVISOR_MODE, 0);
        /* Written although the kernel reports 100: advisor none resets it. */
        expect_write(&plan.plan, 3, TUNER_FILE_PAGES_TO_SCAN, 100);
        expect_write(&plan.plan, 4, TUNER_FILE_SLEEP_MILLISECS, 20);
        expect_write(&plan.plan, 5, TUNER_FILE_RUN, 0);

        /* Files given up are left alone, and run=2 is not written. */
        input = exit_input();
        config.unmerge_on_exit = true;
        state.yielded_files = TUNER_FILE_BIT(TUNER_FILE_PAGES_TO_SCAN) | TUNER_FILE_BIT(TUNER_FILE_RUN);
        EXPECT_INT(tuner_plan_exit(&config, &at_start, &input, &state, &plan), 0);
        EXPECT_INT(plan.unmerge, TUNER_UNMERGE_RUN_YIELDED);
        EXPECT_INT(plan.plan.count, 1);
        expect_write(&plan.plan, 0, TUNER_FILE_SLEEP_MILLISECS, 20);
}

static void tuner_merge_across_nodes(void) {
        static const struct {
                const char *name;
                int64_t configured;
                int64_t kernel_value;
                int64_t run;
                int64_t shared;
                int64_t sharing;
                uint64_t available_kib;
                enum tuner_nodes outcome;
                uint64_t needed_kib;
                size_t count;
                struct tuner_write writes[3];
        } cases[] = {
                { "not configured", TUNER_UNSET, 1, 1, 2000, 100000, 8 * GIB_KIB, TUNER_NODES_UNCHANGED, 3755443, 0,
                  { { 0 } } },
                { "already set", 1, 1, 1, 2000, 100000, 8 * GIB_KIB, TUNER_NODES_UNCHANGED, 3755443, 0, { { 0 } } },
                { "no NUMA", 0, TUNER_UNSET, 1, 2000, 100000, 8 * GIB_KIB, TUNER_NODES_UNSUPPORTED, 3755443, 0,
                  { { 0 } } },
                { "stopped, nothing merged", 0, 1, 0, 0, 0, GIB_KIB, TUNER_NODES_DIRECT, 0, 1,
                  { { TUNER_FILE_MERGE_ACROSS_NODES, 0 } } },
                { "running, nothing merged", 0, 1, 1, 0, 0, GIB_KIB, TUNER_NODES_UNMERGE, 0, 3,
                  { { TUNER_FILE_RUN, 2 }, { TUNER_FILE_MERGE_ACROSS_NODES, 0 }, { TUNER_FILE_RUN, 1 } } },
                { "running, merged", 0, 1, 1, 2000, 100000, 8 * GIB_KIB, TUNER_NODES_UNMERGE, 3755443, 3,
                  { { TUNER_FILE_RUN, 2 }, { TUNER_FILE_MERGE_ACROSS_NODES, 0 }, { TUNER_FILE_RUN, 1 } } },
                { "stopped, merged", 1, 0, 0, 2000, 100000, 3755443, TUNER_NODES_UNMERGE, 3755443, 3,
                  { { TUNER_FILE_RUN, 2 }, { TUNER_FILE_MERGE_ACROSS_NODES, 1 }, { TUNER_FILE_RUN, 0 } } },
                { "memory short", 0, 1, 1, 2000, 100000, 3755442, TUNER_NODES_MEMORY_SHORT, 3755443, 0, { { 0 } } },
                { "after unmerge", 0, 1, 2, 2000, 100000, 8 * GIB_KIB, TUNER_NODES_UNMERGE, 3755443, 2,
                  { { TUNER_FILE_RUN, 2 }, { TUNER_FILE_MERGE_ACROSS_NODES, 0 } } },
        };
        struct tuner_config config = default_config();
        struct tuner_node_plan plan;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tuner_input input = host_input();

                bool failed_before = case_begin();

                config.merge_across_nodes = cases[i].configured;
                input.kernel.merge_across_nodes = cases[i].kernel_value;
                input.kernel.run = cases[i].run;
                input.counters.pages_shared = cases[i].shared;
                input.counters.pages_sharing = cases[i].sharing;
                input.memory.available_kib = cases[i].available_kib;
                EXPECT_INT(tuner_plan_node_settings(&config, &input, &plan), 0);
                EXPECT_INT(plan.merge_across_nodes, cases[i].outcome);
                EXPECT_INT(plan.needed_kib, cases[i].needed_kib);
                EXPECT_INT(plan.available_kib, cases[i].available_kib);
                EXPECT_INT(plan.plan.count, cases[i].count);
                for (size_t w = 0; w < cases[i].count; w++)
                        expect_write(&plan.plan, w, cases[i].writes[w].file, cases[i].writes[w].value);
                case_end(failed_before, cases[i].name);
        }
        EXPECT_STR(tuner_nodes_text(TUNER_NODES_MEMORY_SHORT),
                   "not setting merge_across_nodes: unmerging needs more than MemAvailable minus the threshold");
}

static void tuner_use_zero_pages(void) {
        struct tuner_config config = default_config();
        struct tuner_input input = host_input();
        struct tuner_node_plan plan;

        config.use_zero_pages = 1;
        config.merge_across_nodes = 0;
        input.kernel.run = 0;
        EXPECT_INT(tuner_plan_node_settings(&config, &input, &plan), 0);
        EXPECT_INT(plan.plan.count, 2);
        expect_write(&plan.plan, 0, TUNER_FILE_USE_ZERO_PAGES, 1);
        expect_write(&plan.plan, 1, TUNER_FILE_MERGE_ACROSS_NODES, 0);

        /* Already set, or missing in the kernel: nothing to write. */
        input.kernel.use_zero_pages = 1;
        config.merge_across_nodes = TUNER_UNSET;
        EXPECT_INT(tuner_plan_node_settings(&config, &input, &plan), 0);
        EXPECT_INT(plan.plan.count, 0);
        input.kernel.use_zero_pages = TUNER_UNSET;
        EXPECT_INT(tuner_plan_node_settings(&config, &input, &plan), 0);
        EXPECT_INT(plan.plan.count, 0);
}

static void tuner_text_functions(void) {
        char text[256], small[12];

        EXPECT_STR(tuner_file_name(TUNER_FILE_ADVISOR_TARGET_SCAN_TIME), "advisor_target_scan_time");
        EXPECT(tuner_file_name(TUNER_N_FILES) == NULL);
        EXPECT_STR(tuner_reason_text(TUNER_REASON_FREE_LOW | TUNER_REASON_COMMITTED_HIGH, text, sizeof(text)),
                   "free memory below threshold, committed guest memory near total");
        EXPECT_STR(tuner_flag_text(TUNER_FLAG_BACKOFF | TUNER_FLAG_AT_FLOOR, text, sizeof(text)),
                   "slower after a fruitless full scan, at the slowest speed");
        EXPECT_STR(tuner_flag_text(0, text, sizeof(text)), "");
        /* Truncated, never overrun. */
        EXPECT_STR(tuner_reason_text(TUNER_REASON_FREE_LOW, small, sizeof(small)), "free memory");
        EXPECT_STR(tuner_unmerge_text(TUNER_UNMERGE_PLANNED), "unmerging every page");
}

int main(void) {
        RUN_TEST(tuner_defaults_valid);
        RUN_TEST(tuner_rejects_invalid_input);
        RUN_TEST(tuner_hysteresis);
        RUN_TEST(tuner_start_plan);
        RUN_TEST(tuner_committed_pressure);
        RUN_TEST(tuner_nothing_mergeable);
        RUN_TEST(tuner_free_sources);
        RUN_TEST(tuner_backoff_to_floor);
        RUN_TEST(tuner_backoff_follows_unmerged);
        RUN_TEST(tuner_ramp_up);
        RUN_TEST(tuner_cpu_cap);
        RUN_TEST(tuner_advisor_handover);
        RUN_TEST(tuner_other_writer);
        RUN_TEST(tuner_yielded_run);
        RUN_TEST(tuner_memtotal_change);
        RUN_TEST(tuner_large_pages);
        RUN_TEST(tuner_exit_choices);
        RUN_TEST(tuner_exit_restore_advisor);
        RUN_TEST(tuner_merge_across_nodes);
        RUN_TEST(tuner_use_zero_pages);
        RUN_TEST(tuner_text_functions);
        return TEST_EXIT_STATUS;
}
