/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "log.h"

/* Exit statuses, as documented in ksmtuned(8). */
enum {
        EXIT_RUNTIME_FAILURE = 1,
        EXIT_USAGE = 2,
        EXIT_CONFIG = 3,
        EXIT_NO_KSM = 4,
};

struct options {
        const char *config_path;
        bool config_path_given; /* a missing file is then an error, not "use the defaults" */
        bool once;
        bool dry_run;
        bool check_config;
        bool debug;
        enum log_target log_target;
};

/* Parses the command line. Returns 1 to go on, 0 when --help or --version
 * was printed, or -EINVAL after printing what is wrong with it. */
int cli_parse(int argc, char **argv, struct options *ret);
