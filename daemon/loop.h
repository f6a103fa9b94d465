/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"

/* Runs tuning cycles every KSM_MONITOR_INTERVAL seconds, the first at once,
 * and handles SIGHUP, SIGUSR1, SIGTERM and SIGINT, until a stop signal.
 * Returns an exit status. */
int loop_run(struct context *ctx);

/* Loads the config file at start (reload == false) or on SIGHUP. At start an
 * error is fatal; on reload the running config stays. Logs every error.
 * Returns 0 or a negative errno. */
int context_load_config(struct context *ctx, bool reload);
