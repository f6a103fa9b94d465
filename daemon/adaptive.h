/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"

/* The edges of the adaptive policy (KSM_POLICY=adaptive): its input from the
 * cycle's readings, its writes, and its log lines. The decisions themselves
 * are tuner_decide() and its planners, in tuner.c. */

/* Fills the tuner's settings from the config file's. */
void adaptive_config(const struct config *config, struct tuner_config *ret);

/* Forgets what the last config's decisions were based on, after a reload. */
void adaptive_reset(struct context *ctx);

/* Decides and applies one cycle from the readings cycle_run() took.
 * Returns 0 or a negative errno, logged already. */
int adaptive_cycle(struct context *ctx, const struct memory_snapshot *memory, const struct ksm_state *state);

/* Writes what KSM_ON_EXIT and KSM_UNMERGE_ON_EXIT ask for, when the daemon stops. */
void adaptive_exit(struct context *ctx);
