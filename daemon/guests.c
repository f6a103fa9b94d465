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

/* Splits QEMU's option syntax: the next option of *text up to a single
 * ',' into buffer, with ",," read as ','. Advances *text past it. */
static void next_option(const char **text, char *buffer, size_t size) {
        const char *p = *text;
        size_t length = 0;

        while (*p) {
                if (*p == ',') {
                        if (p[1] != ',')
                                break;
                        p++;
                }
                if (length + 1 < size)
                        buffer[length++] = *p;
                p++;
        }
        buffer[length] = '\0';
        *text = *p == ',' ? p + 1 : p;
}

bool guest_name_from_argv(const char *const *argv, char *buffer, size_t size) {
        for (size_t i = 0; argv[i]; i++) {
                const char *text;

                if (strcmp(argv[i], "-name") != 0 || !argv[i + 1])
                        continue;

                text = argv[i + 1];
                for (bool first = true; *text; first = false) {
                        char option[256];

                        next_option(&text, option, sizeof(option));
                        /* The first option may leave out its key, "guest". */
                        if (first && !strchr(option, '=')) {
                                snprintf(buffer, size, "%s", option);
                                return option[0] != '\0';
                        }
                        if (string_has_prefix(option, "guest=")) {
                                snprintf(buffer, size, "%s", option + strlen("guest="));
                                return option[strlen("guest=")] != '\0';
                        }
                }
                return false;
        }
        return false;
}

enum guest_memory guest_committed_by(const struct guest *guest, enum guest_memory configured) {
        if (guest->pid == 0)
                return GUEST_MEMORY_ASSIGNED;
        if (configured == GUEST_MEMORY_ASSIGNED && !guest->from_libvirt)
                return GUEST_MEMORY_RSS;
        return configured;
}

enum {
        DETAIL_PID,
        DETAIL_RSS_PAGES,
        DETAIL_ARGV,
        DETAIL_STATE,
};

static enum pids_item detail_items[] = {
        [DETAIL_PID] = PIDS_ID_PID,
        [DETAIL_RSS_PAGES] = PIDS_RSS,
        [DETAIL_ARGV] = PIDS_CMDLINE_V,
        [DETAIL_STATE] = PIDS_STATE,
};

enum {
        PSS_PID,
        PSS_KIB,
};

/* Pss of smaps_rollup makes the kernel walk every page table of the
 * process, so it is read for guests only, and only when configured. */
static enum pids_item pss_items[] = {
        [PSS_PID] = PIDS_ID_PID,
        [PSS_KIB] = PIDS_SMAP_PSS,
};

#define N_ITEMS(a) ((int) (sizeof(a) / sizeof((a)[0])))

int guests_open(struct guest_readers *ret) {
        int r;

        *ret = (struct guest_readers) { 0 };
        r = procps_pids_new(&ret->scan, pids_items, N_ITEMS(pids_items));
        if (r >= 0)
                r = procps_pids_new(&ret->details, detail_items, N_ITEMS(detail_items));
        if (r >= 0)
                r = procps_pids_new(&ret->pss, pss_items, N_ITEMS(pss_items));
        if (r < 0) {
                guests_close(ret);
                return r;
        }
        return 0;
}

void guests_close(struct guest_readers *readers) {
        if (readers->scan)
                procps_pids_unref(&readers->scan);
        if (readers->details)
                procps_pids_unref(&readers->details);
        if (readers->pss)
                procps_pids_unref(&readers->pss);
}

int guest_list_append(struct guest_list *list, const struct guest *guest) {
        if (list->count == list->capacity) {
                size_t capacity = list->capacity ? list->capacity * 2 : 16;
                struct guest *items = realloc(list->items, capacity * sizeof(*items));

                if (!items)
                        return -ENOMEM;
                list->items = items;
                list->capacity = capacity;
        }
        list->items[list->count++] = *guest;
        return 0;
}

static void guest_init(struct guest *guest) {
        *guest = (struct guest) {
                .merging_pages = KSM_STAT_UNKNOWN,
                .profit_bytes = KSM_STAT_UNKNOWN,
        };
}

int guests_scan(struct guest_readers *readers, struct guest_list *list) {
        uint64_t page_kib = (uint64_t) sysconf(_SC_PAGESIZE) / 1024;
        struct pids_fetch *fetch;

        list->count = 0;
        list->committed_kib = 0;
        list->mergeable = 0;

        errno = 0;
        fetch = procps_pids_reap(readers->scan, PIDS_FETCH_TASKS_ONLY);
        if (!fetch)
                return errno > 0 ? -errno : -EIO;

        for (int i = 0; i < fetch->counts->total; i++) {
                struct pids_result *item = fetch->stacks[i]->head;
                const char *exe = item[ITEM_EXE].result.str;
                const char *comm = item[ITEM_COMM].result.str;
                bool kernel_thread = (item[ITEM_FLAGS].result.ul_int & PROCESS_FLAG_KTHREAD) != 0;
                struct guest guest;
                int r;

                /* A guest that exited but is not reaped yet uses no memory. */
                if (item[ITEM_STATE].result.s_ch == 'Z')
                        continue;
                if (!guest_process_matches(exe, comm, kernel_thread))
                        continue;

                guest_init(&guest);
                guest.pid = item[ITEM_PID].result.s_int;
                guest.rss_kib = item[ITEM_RSS_PAGES].result.ul_int * page_kib;

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

static struct guest *find_guest(struct guest_list *list, pid_t pid) {
        for (size_t i = 0; i < list->count; i++)
                if (list->items[i].pid == pid)
                        return &list->items[i];
        return NULL;
}

/* Runs a libproc2 select over the PIDs of the guests, at most
 * GUESTS_SELECT_MAX at a time, and calls apply() for each process found. */
static int select_guests(struct pids_info *info, struct guest_list *list,
                         void (*apply)(struct guest *guest, struct pids_result *item, void *userdata), void *userdata) {
        unsigned pids[GUESTS_SELECT_MAX];
        size_t next = 0;

        while (next < list->count) {
                struct pids_fetch *fetch;
                int n = 0;

                for (; next < list->count && n < GUESTS_SELECT_MAX; next++)
                        if (list->items[next].pid > 0)
                                pids[n++] = (unsigned) list->items[next].pid;
                if (n == 0)
                        break;

                errno = 0;
                fetch = procps_pids_select(info, pids, n, PIDS_SELECT_PID);
                if (!fetch)
                        return errno > 0 ? -errno : -EIO;
                for (int i = 0; i < fetch->counts->total; i++) {
                        struct pids_result *item = fetch->stacks[i]->head;
                        struct guest *guest = find_guest(list, item[0].result.s_int);

                        if (guest)
                                apply(guest, item, userdata);
                }
        }
        return 0;
}

static void apply_details(struct guest *guest, struct pids_result *item, void *userdata) {
        uint64_t page_kib = *(const uint64_t *) userdata;
        char **argv = item[DETAIL_ARGV].result.strv;
        char name[sizeof(guest->name)];
        bool named = argv && guest_name_from_argv((const char *const *) argv, name, sizeof(name));

        if (item[DETAIL_STATE].result.s_ch == 'Z')
                return;
        /* A PID file left behind, or a PID remembered from a scan, may now
         * belong to another process: QEMU started by libvirt always has -name. */
        if (guest->from_libvirt && (!named || strcmp(name, guest->name) != 0))
                return;

        /* Marks the process as found. */
        guest->pid = -guest->pid;
        guest->rss_kib = item[DETAIL_RSS_PAGES].result.ul_int * page_kib;
        if (!guest->from_libvirt && named)
                snprintf(guest->name, sizeof(guest->name), "%s", name);
}

static void apply_pss(struct guest *guest, struct pids_result *item, void *userdata) {
        (void) userdata;
        guest->pss_kib = item[PSS_KIB].result.ul_int;
}

/* Reads /proc/PID/ksm_stat into guest; unreadable (not root, old kernel)
 * leaves the fields unknown. */
static void read_ksm_stat(struct guest *guest) {
        char path[64], text[1024];
        struct ksm_stat stat;
        FILE *f;
        size_t length;

        snprintf(path, sizeof(path), "/proc/%d/ksm_stat", (int) guest->pid);
        f = fopen(path, "re");
        if (!f)
                return;
        length = fread(text, 1, sizeof(text) - 1, f);
        fclose(f);
        text[length] = '\0';

        ksm_stat_parse(text, &stat);
        guest->merging_pages = stat.merging_pages;
        guest->profit_bytes = stat.profit_bytes;
        guest->mergeable = stat.mergeable;
}

int guests_read_details(struct guest_readers *readers, struct guest_list *list, enum guest_memory measure) {
        uint64_t page_kib = (uint64_t) sysconf(_SC_PAGESIZE) / 1024;
        int r;

        r = select_guests(readers->details, list, apply_details, &page_kib);
        /* apply_details() negated the PIDs it found; the rest are gone. */
        for (size_t i = 0; i < list->count; i++) {
                struct guest *guest = &list->items[i];

                guest->pid = guest->pid < 0 ? -guest->pid : 0;
                if (guest->pid == 0)
                        guest->rss_kib = 0;
        }
        if (r < 0)
                return r;

        if (measure == GUEST_MEMORY_PSS) {
                r = select_guests(readers->pss, list, apply_pss, NULL);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < list->count; i++)
                if (list->items[i].pid > 0)
                        read_ksm_stat(&list->items[i]);
        return 0;
}

void guest_list_commit(struct guest_list *list, enum guest_memory measure) {
        list->committed_kib = 0;
        list->mergeable = 0;
        for (size_t i = 0; i < list->count; i++) {
                struct guest *guest = &list->items[i];

                guest->committed_by = guest_committed_by(guest, measure);
                switch (guest->committed_by) {
                case GUEST_MEMORY_RSS:
                        guest->committed_kib = guest->rss_kib;
                        break;
                case GUEST_MEMORY_PSS:
                        guest->committed_kib = guest->pss_kib;
                        break;
                case GUEST_MEMORY_ASSIGNED:
                        guest->committed_kib = guest->assigned_kib;
                        break;
                }
                /* A guest KSM cannot merge is no reason to run it. */
                if (guest->mergeable == GUEST_MERGEABLE_NO)
                        continue;
                list->mergeable++;
                list->committed_kib = add_saturating(list->committed_kib, guest->committed_kib);
        }
}

void guest_list_free(struct guest_list *list) {
        free(list->items);
        *list = (struct guest_list) {0};
}

void ksm_stat_parse(const char *text, struct ksm_stat *ret) {
        *ret = (struct ksm_stat) {
                .merging_pages = KSM_STAT_UNKNOWN,
                .profit_bytes = KSM_STAT_UNKNOWN,
                .mergeable = GUEST_MERGEABLE_UNKNOWN,
        };

        for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                char key[32], value[32];
                int64_t number;
                size_t length;

                if (sscanf(line, "%31s %31s", key, value) != 2)
                        continue;
                /* Some lines read "key: value", others "key value". */
                length = strlen(key);
                if (length > 0 && key[length - 1] == ':')
                        key[length - 1] = '\0';
                if (strcmp(key, "ksm_mergeable") == 0) {
                        if (strcmp(value, "yes") == 0)
                                ret->mergeable = GUEST_MERGEABLE_YES;
                        else if (strcmp(value, "no") == 0)
                                ret->mergeable = GUEST_MERGEABLE_NO;
                        continue;
                }
                if (parse_int64(value, &number) < 0)
                        continue;
                if (strcmp(key, "ksm_merging_pages") == 0)
                        ret->merging_pages = number;
                else if (strcmp(key, "ksm_process_profit") == 0)
                        ret->profit_bytes = number;
        }
}
