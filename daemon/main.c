/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "context.h"
#include "cycle.h"
#include "loop.h"

#define USEC_PER_MINUTE UINT64_C(60000000)

/* --check-config: reports to the terminal, needs neither KSM nor root. */
static int check_config(const struct options *options) {
        struct config_report report = { 0 };
        struct config config;
        int r;

        r = config_load(options->config_path, !options->config_path_given, &config, &report);
        for (size_t i = 0; i < report.n_errors; i++)
                fprintf(stderr, "%s\n", report.errors[i]);
        for (size_t i = 0; i < report.n_warnings; i++)
                fprintf(stderr, "warning: %s\n", report.warnings[i]);
        config_report_clear(&report);
        if (r < 0)
                return EXIT_CONFIG;

        if (r == 1)
                printf("%s: not found; the built-in defaults apply\n", options->config_path);
        else
                printf("%s: configuration OK\n", options->config_path);
        if (options->debug)
                config_dump(&config, stdout);
        return EXIT_SUCCESS;
}

int main(int argc, char **argv) {
        struct context ctx = {
                .ksm.dir_fd = -1,
                /* Errors that repeat every cycle: ten in an hour at most. */
                .memory_errors = RATELIMIT_INIT(60 * USEC_PER_MINUTE, 10),
                .guest_errors = RATELIMIT_INIT(60 * USEC_PER_MINUTE, 10),
                .ksm_errors = RATELIMIT_INIT(60 * USEC_PER_MINUTE, 10),
                .external_changes = RATELIMIT_INIT(60 * USEC_PER_MINUTE, 10),
        };
        int r, status;

        r = cli_parse(argc, argv, &ctx.options);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        if (ctx.options.check_config)
                return check_config(&ctx.options);

        log_init(&ctx.log, ctx.options.log_target, ctx.options.debug);
        if (context_load_config(&ctx, false) < 0)
                return EXIT_CONFIG;

        status = context_open(&ctx);
        if (status == EXIT_SUCCESS) {
                if (ctx.options.once)
                        log_message(&ctx.log, LOG_INFO, "ksmtuned %s started for one cycle: config %s%s",
                                    VERSION, ctx.options.config_path,
                                    ctx.options.dry_run ? ", dry run: nothing will be written" : "");
                else
                        log_message(&ctx.log, LOG_INFO, "ksmtuned %s started: config %s, a cycle every %" PRId64 " s%s",
                                    VERSION, ctx.options.config_path, ctx.config.monitor_interval_s,
                                    ctx.options.dry_run ? ", dry run: nothing will be written" : "");
                if (ctx.options.once) {
                        context_connect_libvirt(&ctx, NULL);
                        status = cycle_run(&ctx) < 0 ? EXIT_RUNTIME_FAILURE : EXIT_SUCCESS;
                }
                else
                        status = loop_run(&ctx);
        }

        context_close(&ctx);
        return status;
}
