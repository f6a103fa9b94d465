/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy.h"

#include <errno.h>

#include "number.h"

int policy_decide(const struct config *config, const struct memory_snapshot *memory,
                  const struct guest_summary *guests, const struct decision *previous,
                  struct decision *ret) {
        struct decision d = {
                .npages = previous ? previous->npages : 0,
                .total_kib = memory->total_kib,
                .committed_kib = guests->committed_kib,
                .guests = guests->count,
        };
        uint64_t sleep_ms;

        if (memory->total_kib == 0)
                return -EINVAL;

        /* KSM_SLEEP_MSEC is at most 60000, so the product fits in 64 bits. */
        sleep_ms = (uint64_t) config->sleep_ms_per_16gib * POLICY_REFERENCE_HOST_KIB / memory->total_kib;
        if (sleep_ms < POLICY_SLEEP_MIN_MS)
                sleep_ms = POLICY_SLEEP_MIN_MS;
        else if (sleep_ms > POLICY_SLEEP_MAX_MS)
                sleep_ms = POLICY_SLEEP_MAX_MS;
        d.sleep_ms = (int64_t) sleep_ms;

        d.threshold_kib = percent_of(memory->total_kib, config->thres_coef_percent);
        if ((uint64_t) config->thres_const_kib > d.threshold_kib)
                d.threshold_kib = (uint64_t) config->thres_const_kib;

        d.free_kib = add_saturating(add_saturating(memory->free_kib, memory->buffers_kib), memory->cached_kib);

        if (d.free_kib <= d.threshold_kib)
                d.reasons |= REASON_FREE_LOW;
        if (add_saturating(d.committed_kib, d.threshold_kib) >= memory->total_kib)
                d.reasons |= REASON_COMMITTED_HIGH;

        if (d.reasons == 0) {
                d.run = false;
                d.adjustment = ADJUST_NONE;
        } else {
                /* As in the shell version, free == threshold decays. */
                d.run = true;
                d.adjustment = d.free_kib < d.threshold_kib ? ADJUST_BOOST : ADJUST_DECAY;
                d.npages += d.adjustment == ADJUST_BOOST ? config->npages_boost : config->npages_decay;
                d.npages = clamp(d.npages, config->npages_min, config->npages_max);
        }

        *ret = d;
        return 0;
}

bool policy_decision_changed(const struct decision *a, const struct decision *b, bool advisor) {
        if (a->run != b->run || a->reasons != b->reasons)
                return true;
        return a->run && ((!advisor && a->npages != b->npages) || a->sleep_ms != b->sleep_ms);
}

const char *policy_change_verb(const struct decision *previous, bool kernel_running, const struct decision *d,
                               bool advisor, bool applied) {
        bool was_running = previous ? previous->run : kernel_running;

        if (d->run && !was_running)
                return applied ? "Starting KSM" : "Would start KSM";
        if (!d->run && was_running)
                return applied ? "Stopping KSM" : "Would stop KSM";
        if (!d->run)
                return "KSM stays stopped";
        if (advisor || !previous)
                return "KSM keeps running";
        /* The speed is pages per sleep, so compare npages / sleep_ms of both. */
        if (d->npages * previous->sleep_ms > previous->npages * d->sleep_ms)
                return applied ? "Speeding up KSM" : "Would speed up KSM";
        if (d->npages * previous->sleep_ms < previous->npages * d->sleep_ms)
                return applied ? "Slowing down KSM" : "Would slow down KSM";
        return "KSM keeps running";
}

const char *policy_reason_text(unsigned reasons) {
        switch (reasons & (REASON_FREE_LOW | REASON_COMMITTED_HIGH)) {
        case REASON_FREE_LOW:
                return "free memory below threshold";
        case REASON_COMMITTED_HIGH:
                return "committed guest memory near total";
        case REASON_FREE_LOW | REASON_COMMITTED_HIGH:
                return "free memory below threshold and committed guest memory near total";
        default:
                return "memory ample";
        }
}
