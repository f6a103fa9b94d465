/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pids_info;

struct guest {
        pid_t pid;
        char name[64];          /* executable file name, or comm when that is unreadable */
        uint64_t rss_kib;
};

struct guest_list {
        struct guest *items;
        size_t count;
        size_t capacity;
        uint64_t committed_kib; /* sum of rss_kib, saturating */
};

/* Decides from a process's executable path (the target of /proc/PID/exe, or
 * NULL or "" when unreadable) and its comm whether it is a QEMU guest. */
bool guest_process_matches(const char *exe_path, const char *comm, bool kernel_thread);

int guests_open(struct pids_info **ret);
void guests_close(struct pids_info **info);

/* Scans every process and fills *list with the guests found, replacing its
 * previous contents. Returns 0 or a negative errno. */
int guests_scan(struct pids_info *info, struct guest_list *list);

void guest_list_free(struct guest_list *list);
