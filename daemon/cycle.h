/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "context.h"

/* Runs one tuning cycle: reads memory, guests and the KSM files, decides,
 * writes what changed and logs it. Returns 0, or a negative errno that has
 * been logged already. */
int cycle_run(struct context *ctx);

/* Writes a one-sentence summary of the last decision, for STATUS=. */
void cycle_status_text(const struct context *ctx, char *buffer, size_t size);

/* For the policies' own files: logs a message that may repeat every cycle
 * at most as often as limit allows, and returns -abs(error). */
int cycle_log_ratelimited(struct context *ctx, struct ratelimit *limit, int level, int error, const char *message);

/* Records why a cycle failed, for STATUS=, and logs it, rate-limited.
 * Returns -abs(error). */
__attribute__((format(printf, 4, 5)))
int cycle_failed(struct context *ctx, struct ratelimit *limit, int error, const char *format, ...);

/* Logs once that the KSM files cannot be written. */
void cycle_note_write_error(struct context *ctx, int error);

/* Whether this cycle's decision reaches the kernel. */
bool cycle_writes_possible(const struct context *ctx);
