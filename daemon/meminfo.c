/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "meminfo.h"

#include <errno.h>

#include <libproc2/meminfo.h>

static enum meminfo_item meminfo_items[] = {
        MEMINFO_MEM_TOTAL,
        MEMINFO_MEM_FREE,
        MEMINFO_MEM_BUFFERS,
        MEMINFO_MEM_CACHED,     /* "Cached" alone, as the shell ksmtuned summed it */
        MEMINFO_MEM_AVAILABLE,
};

int meminfo_open(struct meminfo_info **ret) {
        int r = procps_meminfo_new(ret);

        return r < 0 ? r : 0;
}

void meminfo_close(struct meminfo_info **info) {
        if (*info)
                procps_meminfo_unref(info);
}

int meminfo_read(struct meminfo_info *info, struct memory_snapshot *ret) {
        struct meminfo_stack *stack;

        /* procps_meminfo_get() would serve values up to a second old; select
         * reads the file each time, which a retune right after a cycle needs. */
        errno = 0;
        stack = procps_meminfo_select(info, meminfo_items, (int) (sizeof(meminfo_items) / sizeof(meminfo_items[0])));
        if (!stack)
                return errno > 0 ? -errno : -EIO;

        /* The results come in the order of meminfo_items. */
        *ret = (struct memory_snapshot) {
                .total_kib = stack->head[0].result.ul_int,
                .free_kib = stack->head[1].result.ul_int,
                .buffers_kib = stack->head[2].result.ul_int,
                .cached_kib = stack->head[3].result.ul_int,
                .available_kib = stack->head[4].result.ul_int,
        };
        /* libproc2 reports a missing or unreadable field as 0. MemTotal is
         * never 0, and no running kernel has MemFree, Buffers and Cached all
         * 0, so such a file is not a real meminfo and would fake a shortage. */
        if (ret->total_kib == 0)
                return -EINVAL;
        if (ret->free_kib == 0 && ret->buffers_kib == 0 && ret->cached_kib == 0)
                return -ENODATA;
        return 0;
}
