/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

struct meminfo_info;

/* The /proc/meminfo fields the tuning reads, all in KiB. */
struct memory_snapshot {
        uint64_t total_kib;
        uint64_t free_kib;
        uint64_t buffers_kib;
        uint64_t cached_kib;
        uint64_t available_kib;
};

/* Opens libproc2's meminfo reader. Returns 0 or a negative errno. */
int meminfo_open(struct meminfo_info **ret);
void meminfo_close(struct meminfo_info **info);

/* Reads /proc/meminfo afresh. Returns 0, -EINVAL when MemTotal is 0 or
 * missing, -ENODATA when MemFree, Buffers and Cached are all 0 or missing,
 * or another negative errno when the file cannot be read. */
int meminfo_read(struct meminfo_info *info, struct memory_snapshot *ret);
