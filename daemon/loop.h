/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"

/* Runs tuning cycles every KSM_MONITOR_INTERVAL seconds, the first at once,
 * and handles SIGHUP, SIGUSR1, SIGTERM and SIGINT, until a stop signal.
 * Returns an exit status. */
int loop_run(struct context *ctx);
