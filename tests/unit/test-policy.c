/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy.h"

#include <errno.h>

#include "test.h"

#define GIB_KIB UINT64_C(1048576)

static struct config default_config(void) {
        struct config config;

        config_set_defaults(&config);
        return config;
}

/* The reference host: 16 GiB, 1 GiB free, two guests of 8,000,000 KiB. */
static void policy_reference_ramp(void) {
        static const int64_t expected_npages[] = { 300, 600, 900, 1200, 1250, 1250 };
        struct config config = default_config();
        struct memory_snapshot memory = { .total_kib = 16 * GIB_KIB, .free_kib = GIB_KIB };
        struct guest_summary guests = { .count = 2, .committed_kib = 16000000 };
        struct decision previous, d;

        for (size_t i = 0; i < sizeof(expected_npages) / sizeof(expected_npages[0]); i++) {
                EXPECT_INT(policy_decide(&config, &memory, &guests, i == 0 ? NULL : &previous, &d), 0);
                EXPECT(d.run);
                EXPECT_INT(d.npages, expected_npages[i]);
                EXPECT_INT(d.sleep_ms, 10);
                EXPECT_INT(d.adjustment, ADJUST_BOOST);
                EXPECT_INT(d.reasons, REASON_FREE_LOW | REASON_COMMITTED_HIGH);
                previous = d;
        }
        EXPECT_INT(d.threshold_kib, 3355443);
        EXPECT_INT(d.free_kib, GIB_KIB);
}

static void policy_decay_to_min(void) {
        struct config config = default_config();
        struct memory_snapshot memory = { .total_kib = 16 * GIB_KIB, .free_kib = 8 * GIB_KIB };
        struct guest_summary guests = { .count = 2, .committed_kib = 16000000 };
        struct decision d;

        EXPECT_INT(policy_decide(&config, &memory, &guests, NULL, &d), 0);
        EXPECT(d.run);
        EXPECT_INT(d.npages, 64);
        EXPECT_INT(d.sleep_ms, 10);
        EXPECT_INT(d.adjustment, ADJUST_DECAY);
        EXPECT_INT(d.reasons, REASON_COMMITTED_HIGH);
        EXPECT_STR(policy_reason_text(d.reasons), "committed guest memory near total");
}

static void policy_stop_when_ample(void) {
        struct config config = default_config();
        struct memory_snapshot memory = { .total_kib = 16 * GIB_KIB, .free_kib = 12 * GIB_KIB };
        struct guest_summary guests = { 0 };
        struct decision previous = { .run = true, .npages = 900 }, d;

        EXPECT_INT(policy_decide(&config, &memory, &guests, &previous, &d), 0);
        EXPECT(!d.run);
        EXPECT_INT(d.reasons, 0);
        EXPECT_INT(d.adjustment, ADJUST_NONE);
        EXPECT_STR(policy_reason_text(d.reasons), "memory ample");
        /* npages is kept across a stop, as the shell version kept it. */
        EXPECT_INT(d.npages, 900);
}

/* No guests, but free memory low: the host itself is short, KSM runs. */
static void policy_zero_guests_low_free(void) {
        struct config config = default_config();
        struct memory_snapshot memory = { .total_kib = 16 * GIB_KIB, .free_kib = GIB_KIB };
        struct guest_summary guests = { 0 };
        struct decision d;

        EXPECT_INT(policy_decide(&config, &memory, &guests, NULL, &d), 0);
        EXPECT(d.run);
        EXPECT_INT(d.reasons, REASON_FREE_LOW);
        EXPECT_STR(policy_reason_text(d.reasons), "free memory below threshold");
        EXPECT_INT(d.npages, 300);
}

/* free counts MemFree + Buffers + Cached, not MemAvailable. */
static void policy_free_sums_buffers_cached(void) {
        struct config config = default_config();
        struct memory_snapshot memory = {
                .total_kib = 16 * GIB_KIB, .free_kib = GIB_KIB, .buffers_kib = GIB_KIB,
                .cached_kib = 2 * GIB_KIB, .available_kib = 15 * GIB_KIB,
        };
        struct guest_summary guests = { 0 };
        struct decision d;

        EXPECT_INT(policy_decide(&config, &memory, &guests, NULL, &d), 0);
        EXPECT_INT(d.free_kib, 4 * GIB_KIB);
        EXPECT(!d.run);
}

/* free == threshold keeps KSM running (not above) and decays (not below). */
static void policy_free_equal_threshold(void) {
        struct config config = default_config();
        struct memory_snapshot memory = { .total_kib = 16 * GIB_KIB, .free_kib = 3355443 };
        struct guest_summary guests = { 0 };
        struct decision d;

        EXPECT_INT(policy_decide(&config, &memory, &guests, NULL, &d), 0);
        EXPECT(d.run);
        EXPECT_INT(d.adjustment, ADJUST_DECAY);
        EXPECT_INT(d.npages, 64);
}

/* committed + threshold == total runs KSM: the stop needs strictly less. */
static void policy_committed_boundary(void) {
        struct config config = default_config();
        struct memory_snapshot memory = { .total_kib = 16 * GIB_KIB, .free_kib = 8 * GIB_KIB };
        struct guest_summary at = { .count = 1, .committed_kib = 16 * GIB_KIB - 3355443 };
        struct guest_summary below = { .count = 1, .committed_kib = 16 * GIB_KIB - 3355443 - 1 };
        struct decision d;

        EXPECT_INT(policy_decide(&config, &memory, &at, NULL, &d), 0);
        EXPECT(d.run);
        EXPECT_INT(policy_decide(&config, &memory, &below, NULL, &d), 0);
        EXPECT(!d.run);
}

static void policy_huge_host(void) {
        struct config config = default_config();
        /* 4 TiB and 64 TiB hosts: sleep floors at 10 ms, nothing overflows. */
        static const uint64_t totals_kib[] = { UINT64_C(4) << 30, UINT64_C(64) << 30 };

        for (size_t i = 0; i < 2; i++) {
                struct memory_snapshot memory = { .total_kib = totals_kib[i], .free_kib = totals_kib[i] / 100 };
                struct guest_summary guests = { .count = 500, .committed_kib = totals_kib[i] };
                struct decision d;

                EXPECT_INT(policy_decide(&config, &memory, &guests, NULL, &d), 0);
                EXPECT_INT(d.sleep_ms, 10);
                EXPECT_INT(d.threshold_kib, totals_kib[i] / 5);
                EXPECT(d.run);
                EXPECT_INT(d.npages, 300);
        }
}

static void policy_saturates_committed(void) {
        struct config config = default_config();
        struct memory_snapshot memory = { .total_kib = 16 * GIB_KIB, .free_kib = 12 * GIB_KIB };
        struct guest_summary guests = { .count = 1, .committed_kib = UINT64_MAX };
        struct decision d;

        EXPECT_INT(policy_decide(&config, &memory, &guests, NULL, &d), 0);
        EXPECT(d.run);
        EXPECT_INT(d.reasons, REASON_COMMITTED_HIGH);
}

static void policy_min_equals_max(void) {
        struct config config = default_config();
        struct memory_snapshot memory = { .total_kib = 16 * GIB_KIB, .free_kib = GIB_KIB };
        struct guest_summary guests = { .count = 2, .committed_kib = 16000000 };
        struct decision previous, d;

        config.npages_min = config.npages_max = 500;
        EXPECT_INT(policy_decide(&config, &memory, &guests, NULL, &d), 0);
        EXPECT_INT(d.npages, 500);
        previous = d;
        memory.free_kib = 8 * GIB_KIB;
        EXPECT_INT(policy_decide(&config, &memory, &guests, &previous, &d), 0);
        EXPECT_INT(d.npages, 500);
}

static void policy_small_host_sleep(void) {
        struct config config = default_config();
        struct memory_snapshot memory = { .total_kib = 262144, .free_kib = 8192 };
        struct guest_summary guests = { 0 };
        struct decision d;

        /* 10 ms per 16 GiB on a 256 MiB host: 640 ms. */
        EXPECT_INT(policy_decide(&config, &memory, &guests, NULL, &d), 0);
        EXPECT_INT(d.sleep_ms, 640);
        EXPECT_INT(d.threshold_kib, 52428);

        /* The largest KSM_SLEEP_MSEC on a tiny host stops at one minute. */
        config.sleep_ms_per_16gib = 60000;
        EXPECT_INT(policy_decide(&config, &memory, &guests, NULL, &d), 0);
        EXPECT_INT(d.sleep_ms, POLICY_SLEEP_MAX_MS);
}

/* KSM_THRES_CONST wins over the percentage on a small host. */
static void policy_threshold_const_wins(void) {
        struct config config = default_config();
        struct memory_snapshot memory = { .total_kib = 8192, .free_kib = 2000 };
        struct guest_summary guests = { 0 };
        struct decision d;

        EXPECT_INT(policy_decide(&config, &memory, &guests, NULL, &d), 0);
        EXPECT_INT(d.threshold_kib, 2048);
        EXPECT(d.run);
}

static void policy_rejects_zero_total(void) {
        struct config config = default_config();
        struct memory_snapshot memory = { 0 };
        struct guest_summary guests = { 0 };
        struct decision d;

        EXPECT_INT(policy_decide(&config, &memory, &guests, NULL, &d), -EINVAL);
}

static void policy_change_detection(void) {
        struct decision base = { .run = true, .npages = 300, .sleep_ms = 10, .reasons = REASON_FREE_LOW };
        struct decision d = base;

        EXPECT(!policy_decision_changed(&d, &base, false));
        d.npages = 600;
        EXPECT(policy_decision_changed(&d, &base, false));
        /* The advisor owns pages_to_scan: npages alone changes nothing. */
        EXPECT(!policy_decision_changed(&d, &base, true));
        d.sleep_ms = 20;
        EXPECT(policy_decision_changed(&d, &base, true));
        d = base;
        d.reasons |= REASON_COMMITTED_HIGH;
        EXPECT(policy_decision_changed(&d, &base, false));
        /* Stopped decisions differ only in run and reasons. */
        base.run = d.run = false;
        base.reasons = d.reasons = 0;
        d.npages = 900;
        EXPECT(!policy_decision_changed(&d, &base, false));
}

static void policy_change_verbs(void) {
        struct decision running = { .run = true, .npages = 600, .sleep_ms = 20 };
        struct decision faster = { .run = true, .npages = 900, .sleep_ms = 20 };
        struct decision slower = { .run = true, .npages = 550, .sleep_ms = 20 };
        struct decision stopped = { .run = false, .npages = 600, .sleep_ms = 20 };
        /* The same pages with a longer sleep, and fewer pages with a shorter sleep. */
        struct decision longer_sleep = { .run = true, .npages = 600, .sleep_ms = 40 };
        struct decision same_speed = { .run = true, .npages = 300, .sleep_ms = 10 };

        EXPECT_STR(policy_change_verb(NULL, false, &running, false, true), "Starting KSM");
        EXPECT_STR(policy_change_verb(NULL, false, &running, false, false), "Would start KSM");
        EXPECT_STR(policy_change_verb(NULL, true, &running, false, true), "KSM keeps running");
        EXPECT_STR(policy_change_verb(NULL, true, &stopped, false, true), "Stopping KSM");
        EXPECT_STR(policy_change_verb(NULL, false, &stopped, false, true), "KSM stays stopped");
        EXPECT_STR(policy_change_verb(&running, false, &faster, false, true), "Speeding up KSM");
        EXPECT_STR(policy_change_verb(&running, false, &faster, false, false), "Would speed up KSM");
        EXPECT_STR(policy_change_verb(&running, false, &slower, false, true), "Slowing down KSM");
        EXPECT_STR(policy_change_verb(&running, false, &slower, true, true), "KSM keeps running");
        EXPECT_STR(policy_change_verb(&running, false, &longer_sleep, false, true), "Slowing down KSM");
        EXPECT_STR(policy_change_verb(&longer_sleep, false, &running, false, true), "Speeding up KSM");
        EXPECT_STR(policy_change_verb(&running, false, &same_speed, false, true), "KSM keeps running");
        EXPECT_STR(policy_change_verb(&running, false, &stopped, false, false), "Would stop KSM");
        /* The previous decision wins over what the kernel reported at start. */
        EXPECT_STR(policy_change_verb(&stopped, true, &running, false, true), "Starting KSM");
}

int main(void) {
        RUN_TEST(policy_reference_ramp);
        RUN_TEST(policy_decay_to_min);
        RUN_TEST(policy_stop_when_ample);
        RUN_TEST(policy_zero_guests_low_free);
        RUN_TEST(policy_free_sums_buffers_cached);
        RUN_TEST(policy_free_equal_threshold);
        RUN_TEST(policy_committed_boundary);
        RUN_TEST(policy_huge_host);
        RUN_TEST(policy_saturates_committed);
        RUN_TEST(policy_min_equals_max);
        RUN_TEST(policy_small_host_sleep);
        RUN_TEST(policy_threshold_const_wins);
        RUN_TEST(policy_rejects_zero_total);
        RUN_TEST(policy_change_detection);
        RUN_TEST(policy_change_verbs);
        return TEST_EXIT_STATUS;
}
