/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "guests.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libproc2/pids.h>

#include "number.h"

/* PF_KTHREAD from the kernel's include/linux/sched.h, in /proc/PID/stat's flags. */
#define PROCESS_FLAG_KTHREAD 0x00200000UL

/* readlink() of /proc/PID/exe ends in this when the file was replaced or
 * removed, as happens to running guests when a QEMU package is upgraded. */
#define DELETED_SUFFIX " (deleted)"

enum {
        ITEM_PID,
        ITEM_COMM,
        ITEM_EXE,
        ITEM_RSS_PAGES,
        ITEM_FLAGS,
        ITEM_STATE,
};

static enum pids_item pids_items[] = {
        [ITEM_PID] = PIDS_ID_PID,
        [ITEM_COMM] = PIDS_CMD,
        [ITEM_EXE] = PIDS_EXE,
        /* From /proc/PID/stat, which the other items read too; VmRSS would
         * cost a read of /proc/PID/status for every process on the host. */
        [ITEM_RSS_PAGES] = PIDS_RSS,
        [ITEM_FLAGS] = PIDS_FLAGS,
        [ITEM_STATE] = PIDS_STATE,
};

/* QEMU's helper programs: they share the qemu- prefix or run beside guests,
 * but hold no guest memory. */
static const char *const helper_names[] = {
        "qemu-img", "qemu-nbd", "qemu-ga", "qemu-pr-helper", "qemu-storage-daemon", "virtiofsd", "swtpm",
};

static bool string_has_prefix(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Copies the file name of path without a " (deleted)" suffix. */
static void executable_name(const char *path, char *buffer, size_t size) {
        const char *slash = strrchr(path, '/');
        const char *name = slash ? slash + 1 : path;
        size_t length = strlen(name);
        size_t suffix_length = strlen(DELETED_SUFFIX);

        if (length >= suffix_length && strcmp(name + length - suffix_length, DELETED_SUFFIX) == 0)
                length -= suffix_length;
        if (length >= size)
                length = size - 1;
        memcpy(buffer, name, length);
        buffer[length] = '\0';
}

static bool is_guest_executable(const char *name) {
        return string_has_prefix(name, "qemu-system-") || strcmp(name, "qemu-kvm") == 0 || strcmp(name, "kvm") == 0;
}

/* comm is cut to 15 characters, and QEMU's -name ...,process=NAME sets it. */
static bool is_guest_comm(const char *comm) {
        return string_has_prefix(comm, "qemu-system-") ||
               strcmp(comm, "qemu-kvm") == 0 ||
               string_has_prefix(comm, "qemu:") ||     /* libvirt's process=qemu:NAME */
               strcmp(comm, "kvm") == 0;               /* Proxmox VE's /usr/bin/kvm */
}

bool guest_process_matches(const char *exe_path, const char *comm, bool kernel_thread) {
        char name[256];

        if (kernel_thread)
                return false;

        if (exe_path && exe_path[0] == '/') {
                executable_name(exe_path, name, sizeof(name));
                for (size_t i = 0; i < sizeof(helper_names) / sizeof(helper_names[0]); i++)
                        if (strcmp(name, helper_names[i]) == 0)
                                return false;
                if (is_guest_executable(name))
                        return true;
        }

        return comm && is_guest_comm(comm);
}

int guests_open(struct pids_info **ret) {
        int r = procps_pids_new(ret, pids_items, (int) (sizeof(pids_items) / sizeof(pids_items[0])));

        return r < 0 ? r : 0;
}

void guests_close(struct pids_info **info) {
        if (*info)
                procps_pids_unref(info);
}

static int guest_list_append(struct guest_list *list, const struct guest *guest) {
        if (list->count == list->capacity) {
                size_t capacity = list->capacity ? list->capacity * 2 : 16;
                struct guest *items = realloc(list->items, capacity * sizeof(*items));

                if (!items)
                        return -ENOMEM;
                list->items = items;
                list->capacity = capacity;
        }
        list->items[list->count++] = *guest;
        list->committed_kib = add_saturating(list->committed_kib, guest->rss_kib);
        return 0;
}

int guests_scan(struct pids_info *info, struct guest_list *list) {
        uint64_t page_kib = (uint64_t) sysconf(_SC_PAGESIZE) / 1024;
        struct pids_fetch *fetch;

        list->count = 0;
        list->committed_kib = 0;

        errno = 0;
        fetch = procps_pids_reap(info, PIDS_FETCH_TASKS_ONLY);
        if (!fetch)
                return errno > 0 ? -errno : -EIO;

        for (int i = 0; i < fetch->counts->total; i++) {
                struct pids_result *item = fetch->stacks[i]->head;
                const char *exe = item[ITEM_EXE].result.str;
                const char *comm = item[ITEM_COMM].result.str;
                bool kernel_thread = (item[ITEM_FLAGS].result.ul_int & PROCESS_FLAG_KTHREAD) != 0;
                struct guest guest = {
                        .pid = item[ITEM_PID].result.s_int,
                        .rss_kib = item[ITEM_RSS_PAGES].result.ul_int * page_kib,
                };
                int r;

                /* A guest that exited but is not reaped yet uses no memory. */
                if (item[ITEM_STATE].result.s_ch == 'Z')
                        continue;
                if (!guest_process_matches(exe, comm, kernel_thread))
                        continue;

                /* Name the guest by what matched, preferring the executable. */
                if (exe && exe[0] == '/')
                        executable_name(exe, guest.name, sizeof(guest.name));
                if (!is_guest_executable(guest.name))
                        snprintf(guest.name, sizeof(guest.name), "%s", comm ? comm : "?");

                r = guest_list_append(list, &guest);
                if (r < 0)
                        return r;
        }
        return 0;
}

void guest_list_free(struct guest_list *list) {
        free(list->items);
        *list = (struct guest_list) {0};
}
