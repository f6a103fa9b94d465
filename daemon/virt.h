/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "config.h"
#include "guests.h"
#include "log.h"

/* Where libvirt's system QEMU driver writes NAME.pid for each running
 * domain; no libvirt call returns a domain's process ID. */
#ifndef LIBVIRT_QEMU_STATE_DIR
#define LIBVIRT_QEMU_STATE_DIR "/run/libvirt/qemu"
#endif

typedef struct _virConnect *virConnectPtr;

struct virt;

/* One libvirt connection URI and its state. */
struct virt_connection {
        struct virt *virt;
        char uri[256];
        virConnectPtr conn;             /* NULL while disconnected */
        int lifecycle_callback;         /* -1 when not registered */
        bool close_callback;            /* a close callback is registered */
        bool system_qemu;               /* qemu:///system: PIDs come from LIBVIRT_QEMU_STATE_DIR */
        bool lost;                      /* libvirt closed it; torn down by the retry timer */
        bool outage_logged;
        bool ever_connected;
        unsigned failed_attempts;
        uint64_t outage_start_usec;
        uint64_t retry_delay_usec;
        sd_event_source *retry_timer;
        char error[256];                /* why it is disconnected, "" while connected */
};

/* Called when a domain starts, stops, crashes, pauses or resumes, or when
 * a connection comes or goes. what describes it, e.g. "domain web1 started".
 * major is false for pauses and resumes, which change no guest count. */
typedef void (*virt_change_handler)(void *userdata, const char *what, bool major);

struct virt {
        sd_event *event;                /* NULL: no events and no reconnects, for --once */
        struct logger *log;
        enum guest_source source;       /* what a lost connection means, for the log */
        struct virt_connection connections[CONFIG_URIS_COUNT_MAX];
        size_t n_connections;
        virt_change_handler on_change;
        void *userdata;
};

/* Connects to every URI. A URI that cannot be reached is logged and, with
 * an event loop, retried with back-off. Returns 0 or a negative errno. */
int virt_open(struct virt *virt, const char *const *uris, size_t n_uris, enum guest_source source,
              sd_event *event, struct logger *log, virt_change_handler on_change, void *userdata);
void virt_close(struct virt *virt);

/* Whether every URI is connected. */
bool virt_all_connected(const struct virt *virt);

/* Appends the active domains of every connected URI to list, with their
 * assigned memory, and their PIDs where LIBVIRT_QEMU_STATE_DIR has them.
 * Returns 0, or a negative errno with the reason in error. */
int virt_list_guests(struct virt *virt, struct guest_list *list, char *error, size_t error_size);

/* Describes a lifecycle event, e.g. "started"; NULL for events that change
 * nothing KSM cares about, such as a definition. Pure. */
const char *virt_lifecycle_text(int event);

/* Next retry delay after delay_usec: doubled, from 1 s up to a minute. Pure. */
uint64_t virt_next_retry_delay(uint64_t delay_usec);
