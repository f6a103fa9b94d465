/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pids_info;

#include "config.h"

enum guest_mergeable {
        GUEST_MERGEABLE_UNKNOWN,        /* /proc/PID/ksm_stat missing or unreadable */
        GUEST_MERGEABLE_YES,
        GUEST_MERGEABLE_NO,             /* no memory marked mergeable, as with <nosharepages/> */
};

struct guest {
        pid_t pid;                      /* 0 when no QEMU process was found */
        char name[128];                 /* domain name, QEMU's -name, or the executable's name */
        bool from_libvirt;
        uint64_t rss_kib;
        uint64_t pss_kib;               /* read only when KSM_GUEST_MEMORY=pss */
        uint64_t assigned_kib;          /* libvirt's current memory of the domain, 0 from the process scan */
        uint64_t committed_kib;         /* by the measure in committed_by */
        enum guest_memory committed_by;
        enum guest_mergeable mergeable;
        int64_t merging_pages;          /* from /proc/PID/ksm_stat, or KSM_STAT_UNKNOWN */
        int64_t profit_bytes;           /* signed; KSM_STAT_UNKNOWN when unreadable */
};

#define KSM_STAT_UNKNOWN INT64_MIN

struct guest_list {
        struct guest *items;
        size_t count;
        size_t capacity;
        size_t mergeable;               /* guests not known to be unmergeable */
        uint64_t committed_kib;         /* sum over those guests, saturating */
};

/* Processes the details are read for at once; libproc2 selects at most 255. */
#define GUESTS_SELECT_MAX 255

/* Decides from a process's executable path (the target of /proc/PID/exe, or
 * NULL or "" when unreadable) and its comm whether it is a QEMU guest. */
bool guest_process_matches(const char *exe_path, const char *comm, bool kernel_thread);

/* The guest name QEMU was started with: NAME from "-name NAME",
 * "-name guest=NAME,..." or "-name NAME,process=...", where ",," stands for
 * a comma in NAME. argv ends with NULL. Returns false when there is no -name. */
bool guest_name_from_argv(const char *const *argv, char *buffer, size_t size);

/* Returns the memory measure that counts for a guest: the configured one
 * when known, else the assigned memory for a domain without a process and
 * resident memory for a process without a domain. Pure. */
enum guest_memory guest_committed_by(const struct guest *guest, enum guest_memory configured);

/* The libproc2 readers for the process scan and for the details of single
 * processes. */
struct guest_readers {
        struct pids_info *scan;
        struct pids_info *details;
        struct pids_info *pss;          /* smaps_rollup, read only for KSM_GUEST_MEMORY=pss */
};

int guests_open(struct guest_readers *ret);
void guests_close(struct guest_readers *readers);

/* Scans every process and fills *list with the QEMU processes found,
 * replacing its previous contents. Returns 0 or a negative errno. */
int guests_scan(struct guest_readers *readers, struct guest_list *list);

/* Reads, for every guest with a PID, its resident memory, its proportional
 * memory when measure is pss, and /proc/PID/ksm_stat, and names a guest of
 * the process scan by its -name. A guest whose process is gone gets PID 0.
 * Returns 0 or a negative errno. */
int guests_read_details(struct guest_readers *readers, struct guest_list *list, enum guest_memory measure);

/* Sets each guest's committed memory and the list's sums. Pure. */
void guest_list_commit(struct guest_list *list, enum guest_memory measure);

/* Appends a copy of guest. Returns 0 or -ENOMEM. */
int guest_list_append(struct guest_list *list, const struct guest *guest);

void guest_list_free(struct guest_list *list);

/* The fields of /proc/PID/ksm_stat that ksmtuned uses. */
struct ksm_stat {
        int64_t merging_pages;          /* ksm_merging_pages */
        int64_t profit_bytes;           /* ksm_process_profit */
        enum guest_mergeable mergeable; /* ksm_mergeable, on kernels that have it */
};

/* Parses the text of a ksm_stat file; missing fields stay unknown. Pure. */
void ksm_stat_parse(const char *text, struct ksm_stat *ret);
