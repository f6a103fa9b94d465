/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct pids_info;

/* Reads the CPU time of the kernel's ksmd thread, for the cap on its share. */
struct ksmd_reader {
        struct pids_info *info;
        pid_t pid;              /* 0 until found */
        bool absent;            /* not in this /proc, as inside a PID namespace: not looked for again */
};

int ksmd_open(struct ksmd_reader *ret);
void ksmd_close(struct ksmd_reader *reader);

/* Reads ksmd's user and system time since boot, in milliseconds, and finds
 * ksmd first if needed. Returns 0, or -ESRCH when no ksmd thread is visible,
 * as inside a PID namespace, or another negative errno. */
int ksmd_cpu_ms(struct ksmd_reader *reader, uint64_t *ret_ms);
