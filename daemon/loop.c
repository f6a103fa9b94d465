/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "loop.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "adaptive.h"
#include "cycle.h"
#include "virt-event.h"

#define USEC_PER_SEC UINT64_C(1000000)

/* Cycles may run up to a tenth of the interval late, at most a second, so
 * that wake-ups can be batched. */
#define TIMER_ACCURACY_MAX_USEC USEC_PER_SEC

/* A guest change is acted on this long after it is announced, so that a
 * burst of starts, such as at host boot, is one cycle. */
#define RETUNE_DELAY_USEC (200 * UINT64_C(1000))

static uint64_t timer_accuracy_usec(const struct context *ctx) {
        uint64_t tenth = (uint64_t) ctx->config.monitor_interval_s * USEC_PER_SEC / 10;

        return tenth < TIMER_ACCURACY_MAX_USEC ? tenth : TIMER_ACCURACY_MAX_USEC;
}

static void notify_status(struct context *ctx) {
        char status[512];

        cycle_status_text(ctx, status, sizeof(status));
        /* A failed reload must stay visible in systemctl status. */
        if (ctx->config_rejected)
                (void) sd_notifyf(false, "STATUS=%s; %s has errors, so the previous configuration runs",
                                  status, ctx->options.config_path);
        else
                (void) sd_notifyf(false, "STATUS=%s", status);
}

/* Runs a cycle now, notifies systemd, and schedules the next one a full
 * interval after base_usec (CLOCK_MONOTONIC): the time the timer was due,
 * so that cycles do not drift, or now for a cycle on a signal. */
static void run_cycle(struct context *ctx, uint64_t base_usec) {
        uint64_t now_usec, next_usec;
        int r;

        /* A cycle that decided but could not write, to read-only KSM files,
         * still monitors as documented, so it counts as started. */
        (void) cycle_run(ctx);
        if (ctx->have_decision && !ctx->ready) {
                ctx->ready = true;
                (void) sd_notify(false, "READY=1");
        }
        notify_status(ctx);

        /* After a suspend the due time may have passed: then a full interval from now. */
        next_usec = base_usec + (uint64_t) ctx->config.monitor_interval_s * USEC_PER_SEC;
        now_usec = now_monotonic_usec();
        if (next_usec <= now_usec)
                next_usec = now_usec + (uint64_t) ctx->config.monitor_interval_s * USEC_PER_SEC;

        r = sd_event_source_set_time(ctx->timer, next_usec);
        if (r >= 0)
                r = sd_event_source_set_time_accuracy(ctx->timer, timer_accuracy_usec(ctx));
        if (r >= 0)
                r = sd_event_source_set_enabled(ctx->timer, SD_EVENT_ONESHOT);
        if (r < 0) {
                log_errno(&ctx->log, LOG_ERR, r, "Scheduling the next cycle failed: %s; stopping", strerror(-r));
                (void) sd_event_exit(ctx->event, EXIT_RUNTIME_FAILURE);
        }
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata) {
        (void) source;
        run_cycle(userdata, usec);
        return 0;
}

static int on_retune(sd_event_source *source, uint64_t usec, void *userdata) {
        struct context *ctx = userdata;

        (void) source;
        (void) usec;
        if (ctx->retune_changes > 1)
                log_message(&ctx->log, LOG_INFO, "Retuning: %s, and %u more change%s", ctx->retune_reason,
                            ctx->retune_changes - 1, ctx->retune_changes == 2 ? "" : "s");
        else
                log_message(&ctx->log, LOG_INFO, "Retuning: %s", ctx->retune_reason);
        ctx->retune_changes = 0;
        run_cycle(ctx, now_monotonic_usec());
        return 0;
}

/* Schedules a cycle RETUNE_DELAY_USEC after the first of a burst of
 * changes. The log names the first major change of the burst: libvirt
 * resumes a domain it starts before it reports the start. */
static void on_guests_changed(void *userdata, const char *what, bool major) {
        struct context *ctx = userdata;
        uint64_t now_usec;

        if (ctx->retune_changes++ > 0) {
                if (major && !ctx->retune_major) {
                        snprintf(ctx->retune_reason, sizeof(ctx->retune_reason), "%s", what);
                        ctx->retune_major = true;
                }
                return;
        }
        snprintf(ctx->retune_reason, sizeof(ctx->retune_reason), "%s", what);
        ctx->retune_major = major;
        (void) sd_event_now(ctx->event, CLOCK_MONOTONIC, &now_usec);
        if (sd_event_source_set_time(ctx->retune_timer, now_usec + RETUNE_DELAY_USEC) < 0 ||
            sd_event_source_set_enabled(ctx->retune_timer, SD_EVENT_ONESHOT) < 0) {
                /* The next regular cycle reads the change. */
                ctx->retune_changes = 0;
        }
}

/* Checks again whether the KSM files can be written, for a SIGHUP after
 * the cause is fixed, and logs when that changed. */
static void recheck_writable(struct context *ctx) {
        int old_error = ctx->ksm.write_error;

        ksm_check_writable(&ctx->ksm);
        if (old_error < 0 && ctx->ksm.write_error == 0)
                log_message(&ctx->log, LOG_INFO, "The files in %s can be written again", ctx->ksm.path);
        /* A file that still cannot be written is reported once more. */
        ctx->write_error_noted = false;
}

static int on_signal(sd_event_source *source, const struct signalfd_siginfo *info, void *userdata) {
        struct context *ctx = userdata;

        (void) source;

        switch (info->ssi_signo) {
        case SIGUSR1:
                log_message(&ctx->log, LOG_DEBUG, "Retuning now on SIGUSR1");
                run_cycle(ctx, now_monotonic_usec());
                break;
        case SIGHUP: {
                int64_t old_source = ctx->config.guest_source;
                char old_uris[CONFIG_URIS_MAX];

                snprintf(old_uris, sizeof(old_uris), "%s", ctx->config.libvirt_uris);
                (void) sd_notifyf(false, "RELOADING=1\nSTATUS=Reloading %s\nMONOTONIC_USEC=%" PRIu64,
                                  ctx->options.config_path, now_monotonic_usec());
                log_message(&ctx->log, LOG_INFO, "Reloading %s on SIGHUP", ctx->options.config_path);
                (void) context_load_config(ctx, true);
                recheck_writable(ctx);
                if (old_source != ctx->config.guest_source || strcmp(old_uris, ctx->config.libvirt_uris) != 0)
                        context_connect_libvirt(ctx, on_guests_changed);
                /* Before the first decision, READY=1 still waits for it. */
                if (ctx->ready)
                        (void) sd_notify(false, "READY=1");
                run_cycle(ctx, now_monotonic_usec());
                break;
        }
        default:
                (void) sd_notify(false, "STOPPING=1\nSTATUS=Stopping");
                if (ctx->config.policy == POLICY_ADAPTIVE &&
                    (ctx->config.exit_action != TUNER_EXIT_KEEP || ctx->config.unmerge_on_exit)) {
                        log_message(&ctx->log, LOG_INFO, "Stopping on SIG%s", sigabbrev_np((int) info->ssi_signo));
                        adaptive_exit(ctx);
                } else {
                        log_message(&ctx->log, LOG_INFO, "Stopping on SIG%s; KSM settings stay as they are",
                                    sigabbrev_np((int) info->ssi_signo));
                }
                (void) sd_event_exit(ctx->event, 0);
                break;
        }
        return 0;
}

static int loop_setup(struct context *ctx) {
        static const int signals[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
        int r;

        r = sd_event_default(&ctx->event);
        if (r < 0)
                return log_errno(&ctx->log, LOG_ERR, r, "Creating the event loop failed: %s", strerror(-r));

        /* SD_EVENT_SIGNAL_PROCMASK blocks each signal, so that it arrives
         * through the loop's signalfd and never interrupts a cycle. */
        for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
                r = sd_event_add_signal(ctx->event, NULL, signals[i] | SD_EVENT_SIGNAL_PROCMASK, on_signal, ctx);
                if (r < 0)
                        return log_errno(&ctx->log, LOG_ERR, r, "Handling %s failed: %s", strsignal(signals[i]), strerror(-r));
        }

        /* Sends WATCHDOG=1 on its own when the unit sets WatchdogSec=. */
        r = sd_event_set_watchdog(ctx->event, true);
        if (r < 0)
                return log_errno(&ctx->log, LOG_ERR, r, "Setting up the watchdog failed: %s", strerror(-r));

        r = sd_event_add_time(ctx->event, &ctx->retune_timer, CLOCK_MONOTONIC, 0, 0, on_retune, ctx);
        if (r >= 0)
                r = sd_event_source_set_enabled(ctx->retune_timer, SD_EVENT_OFF);
        if (r < 0)
                return log_errno(&ctx->log, LOG_ERR, r, "Creating the retune timer failed: %s", strerror(-r));

        /* libvirt's events then arrive through this loop too. */
        r = virt_event_register(ctx->event);
        if (r < 0)
                return log_errno(&ctx->log, LOG_ERR, r, "Setting up libvirt's events failed: %s", strerror(-r));
        context_connect_libvirt(ctx, on_guests_changed);

        /* The first cycle runs at once, without the slack later cycles get. */
        r = sd_event_add_time_relative(ctx->event, &ctx->timer, CLOCK_MONOTONIC, 0, 1, on_timer, ctx);
        if (r < 0)
                return log_errno(&ctx->log, LOG_ERR, r, "Creating the cycle timer failed: %s", strerror(-r));
        return 0;
}

int loop_run(struct context *ctx) {
        int r;

        r = loop_setup(ctx);
        if (r >= 0) {
                r = sd_event_loop(ctx->event);
                if (r < 0)
                        log_errno(&ctx->log, LOG_ERR, r, "Event loop failed: %s", strerror(-r));
        }

        virt_close(&ctx->virt);
        virt_event_unregister();
        ctx->retune_timer = sd_event_source_unref(ctx->retune_timer);
        ctx->timer = sd_event_source_unref(ctx->timer);
        ctx->event = sd_event_unref(ctx->event);
        return r < 0 ? EXIT_RUNTIME_FAILURE : r;
}
