/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include <libvirt/libvirt.h>

#include "ksm.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef VERSION
#define VERSION "0"
#endif

#define DEFAULT_CONFIG_PATH SYSCONFDIR "/ksmtuned.conf"

enum {
        OPTION_LOG_TARGET = 0x100,
};

static void print_help(const char *program) {
        printf("Usage: %s [OPTION]...\n"
               "Tune the kernel's samepage merging (KSM) to the host's memory pressure.\n"
               "\n"
               "  -c, --config=FILE      read settings from FILE (default: %s)\n"
               "  -1, --once             run one tuning cycle, then exit\n"
               "  -n, --dry-run          decide and log, but write nothing to %s\n"
               "  -t, --check-config     check the config file and exit; with -d, print every setting\n"
               "  -d, --debug            log every cycle at debug level\n"
               "  -f, --foreground       accepted for compatibility: ksmtuned never forks\n"
               "      --log-target=TARGET  auto, journal or console (default: auto)\n"
               "  -h, --help             show this help and exit\n"
               "  -V, --version          show the version and exit\n"
               "\n"
               "Signals: SIGHUP reloads the config and retunes, SIGUSR1 retunes now,\n"
               "SIGTERM and SIGINT stop. See ksmtuned(8) and ksmtuned.conf(5).\n",
               program, DEFAULT_CONFIG_PATH, KSM_SYSFS_DIR);
}

/* Prints the version, and that of the libvirt library the daemon runs with. */
static void print_version(void) {
        unsigned long libvirt_version = 0;

        printf("ksmtuned %s\n", VERSION);
        if (virGetVersion(&libvirt_version, NULL, NULL) == 0)
                printf("libvirt %lu.%lu.%lu\n", libvirt_version / 1000000, libvirt_version / 1000 % 1000,
                       libvirt_version % 1000);
}

int cli_parse(int argc, char **argv, struct options *ret) {
        static const struct option long_options[] = {
                { "config", required_argument, NULL, 'c' },
                { "once", no_argument, NULL, '1' },
                { "dry-run", no_argument, NULL, 'n' },
                { "check-config", no_argument, NULL, 't' },
                { "debug", no_argument, NULL, 'd' },
                { "foreground", no_argument, NULL, 'f' },
                { "log-target", required_argument, NULL, OPTION_LOG_TARGET },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { 0 },
        };
        struct options options = {
                .config_path = DEFAULT_CONFIG_PATH,
                .log_target = LOG_TARGET_AUTO,
        };
        const char *program = argc > 0 ? argv[0] : "ksmtuned";
        int c;

        opterr = 1;
        while ((c = getopt_long(argc, argv, "c:1ntdfhV", long_options, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        if (optarg[0] == '\0') {
                                fprintf(stderr, "%s: --config needs a file name\n", program);
                                return -EINVAL;
                        }
                        options.config_path = optarg;
                        options.config_path_given = true;
                        break;
                case '1':
                        options.once = true;
                        break;
                case 'n':
                        options.dry_run = true;
                        break;
                case 't':
                        options.check_config = true;
                        break;
                case 'd':
                        options.debug = true;
                        break;
                case 'f':
                        break;
                case OPTION_LOG_TARGET:
                        if (log_target_from_string(optarg, &options.log_target) < 0) {
                                fprintf(stderr, "%s: invalid --log-target \"%s\" (allowed: auto, journal, console)\n",
                                        program, optarg);
                                return -EINVAL;
                        }
                        break;
                case 'h':
                        print_help(program);
                        return 0;
                case 'V':
                        print_version();
                        return 0;
                default:
                        /* getopt_long() has printed what is wrong. */
                        fprintf(stderr, "Try '%s --help' for more information.\n", program);
                        return -EINVAL;
                }
        }

        if (optind < argc) {
                fprintf(stderr, "%s: unexpected argument \"%s\"; ksmtuned takes options only\n"
                        "Try '%s --help' for more information.\n", program, argv[optind], program);
                return -EINVAL;
        }

        *ret = options;
        return 1;
}
