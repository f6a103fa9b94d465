/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ksmd.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <libproc2/pids.h>

/* PF_KTHREAD from the kernel's include/linux/sched.h, as in guests.c. */
#define PROCESS_FLAG_KTHREAD 0x00200000UL

enum {
        ITEM_PID,
        ITEM_COMM,
        ITEM_FLAGS,
        ITEM_TICKS,
};

static enum pids_item items[] = {
        [ITEM_PID] = PIDS_ID_PID,
        [ITEM_COMM] = PIDS_CMD,
        [ITEM_FLAGS] = PIDS_FLAGS,
        [ITEM_TICKS] = PIDS_TICS_ALL,   /* utime + stime */
};

#define N_ITEMS ((int) (sizeof(items) / sizeof(items[0])))

int ksmd_open(struct ksmd_reader *ret) {
        int r;

        *ret = (struct ksmd_reader) { 0 };
        r = procps_pids_new(&ret->info, items, N_ITEMS);
        return r < 0 ? r : 0;
}

void ksmd_close(struct ksmd_reader *reader) {
        if (reader->info)
                procps_pids_unref(&reader->info);
}

static bool is_ksmd(struct pids_result *item) {
        return strcmp(item[ITEM_COMM].result.str, "ksmd") == 0 &&
               (item[ITEM_FLAGS].result.ul_int & PROCESS_FLAG_KTHREAD) != 0;
}

static uint64_t ticks_to_ms(unsigned long long ticks) {
        long hz = sysconf(_SC_CLK_TCK);

        return (uint64_t) ticks * 1000 / (uint64_t) (hz > 0 ? hz : 100);
}

/* Reads the whole process list, which is done only while ksmd's PID is not
 * known; a /proc without ksmd is not read again. */
static int find_ksmd(struct ksmd_reader *reader, uint64_t *ret_ms) {
        struct pids_fetch *fetch;

        errno = 0;
        fetch = procps_pids_reap(reader->info, PIDS_FETCH_TASKS_ONLY);
        if (!fetch)
                return errno > 0 ? -errno : -EIO;
        for (int i = 0; i < fetch->counts->total; i++) {
                struct pids_result *item = fetch->stacks[i]->head;

                if (is_ksmd(item)) {
                        reader->pid = item[ITEM_PID].result.s_int;
                        *ret_ms = ticks_to_ms(item[ITEM_TICKS].result.ull_int);
                        return 0;
                }
        }
        reader->absent = true;
        return -ESRCH;
}

int ksmd_cpu_ms(struct ksmd_reader *reader, uint64_t *ret_ms) {
        struct pids_fetch *fetch;
        unsigned pid = (unsigned) reader->pid;

        if (reader->absent)
                return -ESRCH;
        if (reader->pid == 0)
                return find_ksmd(reader, ret_ms);

        errno = 0;
        fetch = procps_pids_select(reader->info, &pid, 1, PIDS_SELECT_PID);
        if (!fetch)
                return errno > 0 ? -errno : -EIO;
        if (fetch->counts->total == 1 && is_ksmd(fetch->stacks[0]->head)) {
                *ret_ms = ticks_to_ms(fetch->stacks[0]->head[ITEM_TICKS].result.ull_int);
                return 0;
        }
        /* ksmd does not restart, but a reused PID must not be taken for it. */
        reader->pid = 0;
        return find_ksmd(reader, ret_ms);
}
