/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"

/* Runs one tuning cycle: reads memory, guests and the KSM files, decides,
 * writes what changed and logs it. Returns 0, or a negative errno that has
 * been logged already. */
int cycle_run(struct context *ctx);

/* Writes a one-sentence summary of the last decision, for STATUS=. */
void cycle_status_text(const struct context *ctx, char *buffer, size_t size);
