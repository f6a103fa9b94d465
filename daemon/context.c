/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "context.h"

#include "adaptive.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void log_config_change(void *userdata, const char *key, const char *old_value, const char *new_value) {
        struct context *ctx = userdata;

        log_message(&ctx->log, LOG_INFO, "%s changed from \"%s\" to \"%s\"", key, old_value, new_value);
}

/* Describes why logfile_open() rejected a file. */
static const char *logfile_error_text(int error) {
        switch (error) {
        case -ELOOP:
                return "a symbolic link is in the path";
        case -EINVAL:
        case -ENXIO:
        case -EISDIR:
                return "not a regular file";
        case -EMLINK:
                return "it has more than one hard link";
        case -EPERM:
                return "it belongs to another user";
        default:
                return strerror(-error);
        }
}

/* Opens LOGFILE again on every load, so that logrotate can send SIGHUP. */
static void reopen_logfile(struct context *ctx) {
        const char *path = ctx->config.logfile;
        int r;

        r = log_open_file(&ctx->log, path);
        if (r < 0)
                log_errno(&ctx->log, LOG_WARNING, r, "Cannot open LOGFILE %s: %s; ignoring, messages go only to the %s",
                          path, logfile_error_text(r), ctx->log.journal ? "journal" : "console");
}

int context_load_config(struct context *ctx, bool reload) {
        const char *path = ctx->options.config_path;
        struct config_report report = { 0 };
        struct config config;
        int r;

        r = config_load(path, !ctx->options.config_path_given, &config, &report);
        for (size_t i = 0; i < report.n_errors; i++)
                log_message(&ctx->log, LOG_ERR, "%s", report.errors[i]);
        for (size_t i = 0; i < report.n_warnings; i++)
                log_message(&ctx->log, LOG_WARNING, "%s", report.warnings[i]);
        config_report_clear(&report);

        if (r < 0 && !reload)
                return log_errno(&ctx->log, LOG_ERR, r, "Not starting: %s %s", path,
                                 r == -EINVAL ? "is invalid" : "cannot be read");
        if (reload)
                ctx->config_rejected = r < 0;
        if (r < 0) {
                log_errno(&ctx->log, LOG_ERR, r, "Keeping the running configuration: %s %s",
                          path, r == -EINVAL ? "is invalid" : "cannot be read");
                /* logrotate's SIGHUP must reopen the file even then. */
                reopen_logfile(ctx);
                return r;
        }
        if (r == 1)
                log_message(&ctx->log, LOG_NOTICE, "%s not found; using the built-in defaults", path);

        if (reload)
                config_diff(&ctx->config, &config, log_config_change, ctx);
        ctx->config = config;
        adaptive_reset(ctx);
        log_set_debug(&ctx->log, ctx->options.debug || config.debug);
        reopen_logfile(ctx);
        return 0;
}

int context_open(struct context *ctx) {
        int r;

        r = ksm_open(KSM_SYSFS_DIR, &ctx->ksm);
        if (r == -ENOENT) {
                log_message(&ctx->log, LOG_ERR, "%s not found: this kernel has no KSM (CONFIG_KSM); nothing to tune",
                            KSM_SYSFS_DIR);
                return EXIT_NO_KSM;
        }
        if (r < 0) {
                log_errno(&ctx->log, LOG_ERR, r, "Opening %s failed: %s", KSM_SYSFS_DIR, strerror(-r));
                return EXIT_RUNTIME_FAILURE;
        }

        r = meminfo_open(&ctx->meminfo);
        if (r < 0) {
                log_errno(&ctx->log, LOG_ERR, r, "Opening /proc/meminfo failed: %s", strerror(-r));
                return EXIT_RUNTIME_FAILURE;
        }

        ctx->tuner_written = tuner_settings_unset();
        r = ksmd_open(&ctx->ksmd);
        if (r < 0) {
                log_errno(&ctx->log, LOG_ERR, r, "Setting up the ksmd reader failed: %s", strerror(-r));
                return EXIT_RUNTIME_FAILURE;
        }

        r = guests_open(&ctx->guest_readers);
        if (r < 0) {
                log_errno(&ctx->log, LOG_ERR, r, "Setting up the process scan failed: %s", strerror(-r));
                return EXIT_RUNTIME_FAILURE;
        }
        return EXIT_SUCCESS;
}

void context_connect_libvirt(struct context *ctx, virt_change_handler on_change) {
        char buffer[CONFIG_URIS_MAX];
        const char *uris[CONFIG_URIS_COUNT_MAX];
        size_t n_uris;
        int r;

        virt_close(&ctx->virt);
        if (ctx->config.guest_source == GUEST_SOURCE_PROCESS)
                return;
        n_uris = config_split_uris(&ctx->config, buffer, uris);
        r = virt_open(&ctx->virt, uris, n_uris, (enum guest_source) ctx->config.guest_source, ctx->event, &ctx->log,
                      on_change, ctx);
        if (r < 0)
                log_errno(&ctx->log, LOG_ERR, r, "Setting up the libvirt connections failed: %s", strerror(-r));
}

void context_close(struct context *ctx) {
        virt_close(&ctx->virt);
        free(ctx->unmergeable_noted);
        free(ctx->previous_guest_pids);
        ksmd_close(&ctx->ksmd);
        guest_list_free(&ctx->guests);
        guest_list_free(&ctx->scanned);
        guests_close(&ctx->guest_readers);
        meminfo_close(&ctx->meminfo);
        ksm_close(&ctx->ksm);
        log_close(&ctx->log);
}

