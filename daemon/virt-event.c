/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "virt-event.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

/* One watch or timeout that libvirt added. */
struct virt_source {
        int id;
        bool is_timeout;
        bool removed;                   /* waits for the reaper to call ff */
        sd_event_source *source;
        int fd;                         /* the descriptor libvirt watches */
        int watched_fd;                 /* a duplicate of fd, as epoll cannot watch one descriptor twice */
        int interval_ms;                /* timeouts: -1 off, 0 every loop iteration */
        virEventHandleCallback handle_callback;
        virEventTimeoutCallback timeout_callback;
        void *opaque;
        virFreeCallback free_opaque;
        struct virt_source *next;
};

/* libvirt's event API carries no pointer for the implementation, so its
 * state is this file's. */
static struct {
        sd_event *event;
        struct virt_source *sources;
        sd_event_source *reaper;        /* frees removed sources after the current dispatch */
        int last_id;
} impl;

#define USEC_PER_MSEC UINT64_C(1000)

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000) + (uint64_t) ts.tv_nsec / 1000;
}

static struct virt_source *find_source(int id, bool is_timeout) {
        for (struct virt_source *s = impl.sources; s; s = s->next)
                if (s->id == id && s->is_timeout == is_timeout && !s->removed)
                        return s;
        return NULL;
}

static uint32_t to_epoll(int events) {
        uint32_t e = 0;

        if (events & VIR_EVENT_HANDLE_READABLE)
                e |= EPOLLIN;
        if (events & VIR_EVENT_HANDLE_WRITABLE)
                e |= EPOLLOUT;
        return e;
}

static int from_epoll(uint32_t e) {
        int events = 0;

        if (e & EPOLLIN)
                events |= VIR_EVENT_HANDLE_READABLE;
        if (e & EPOLLOUT)
                events |= VIR_EVENT_HANDLE_WRITABLE;
        if (e & EPOLLERR)
                events |= VIR_EVENT_HANDLE_ERROR;
        if (e & EPOLLHUP)
                events |= VIR_EVENT_HANDLE_HANGUP;
        return events;
}

static void add_source(struct virt_source *s) {
        s->id = ++impl.last_id;
        s->next = impl.sources;
        impl.sources = s;
}

/* libvirt forbids calling ff from within its remove functions, so freeing
 * waits for the reaper, which runs as soon as the loop is idle again. */
static int remove_source(int id, bool is_timeout) {
        struct virt_source *s = find_source(id, is_timeout);

        if (!s)
                return -1;
        s->removed = true;
        (void) sd_event_source_set_enabled(s->source, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(impl.reaper, SD_EVENT_ONESHOT);
        return 0;
}

static void free_source(struct virt_source *s, bool call_free) {
        sd_event_source_disable_unref(s->source);
        if (s->watched_fd >= 0)
                close(s->watched_fd);
        if (call_free && s->free_opaque)
                s->free_opaque(s->opaque);
        free(s);
}

static void reap(bool all) {
        struct virt_source **link = &impl.sources;

        while (*link) {
                struct virt_source *s = *link;

                if (s->removed || all) {
                        *link = s->next;
                        free_source(s, s->removed);
                } else {
                        link = &s->next;
                }
        }
}

static int on_reaper(sd_event_source *source, void *userdata) {
        (void) source;
        (void) userdata;
        reap(false);
        return 0;
}

static int on_io(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        struct virt_source *s = userdata;

        (void) source;
        (void) fd;
        s->handle_callback(s->id, s->fd, from_epoll(revents), s->opaque);
        return 0;
}

static int add_handle(int fd, int events, virEventHandleCallback callback, void *opaque, virFreeCallback ff) {
        struct virt_source *s = calloc(1, sizeof(*s));
        int r;

        if (!s)
                return -1;
        s->fd = fd;
        s->handle_callback = callback;
        s->opaque = opaque;
        s->free_opaque = ff;
        s->watched_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (s->watched_fd < 0) {
                free(s);
                return -1;
        }
        r = sd_event_add_io(impl.event, &s->source, s->watched_fd, to_epoll(events), on_io, s);
        if (r >= 0 && events == 0)
                r = sd_event_source_set_enabled(s->source, SD_EVENT_OFF);
        if (r < 0) {
                free_source(s, false);
                return -1;
        }
        add_source(s);
        return s->id;
}

static void update_handle(int id, int events) {
        struct virt_source *s = find_source(id, false);

        if (!s)
                return;
        if (events == 0) {
                (void) sd_event_source_set_enabled(s->source, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_io_events(s->source, to_epoll(events));
        (void) sd_event_source_set_enabled(s->source, SD_EVENT_ON);
}

static int remove_handle(int id) {
        return remove_source(id, false);
}

/* Arms a timeout interval_ms from now, or disables it for -1. */
static void arm_timeout(struct virt_source *s) {
        if (s->interval_ms < 0) {
                (void) sd_event_source_set_enabled(s->source, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(s->source, now_usec() + (uint64_t) s->interval_ms * USEC_PER_MSEC);
        (void) sd_event_source_set_enabled(s->source, SD_EVENT_ONESHOT);
}

static int on_timeout(sd_event_source *source, uint64_t usec, void *userdata) {
        struct virt_source *s = userdata;

        (void) source;
        (void) usec;
        /* Periodic: armed again first, so that the callback may change or remove it. */
        arm_timeout(s);
        s->timeout_callback(s->id, s->opaque);
        return 0;
}

static int add_timeout(int interval_ms, virEventTimeoutCallback callback, void *opaque, virFreeCallback ff) {
        struct virt_source *s = calloc(1, sizeof(*s));
        int r;

        if (!s)
                return -1;
        s->is_timeout = true;
        s->watched_fd = -1;
        s->interval_ms = interval_ms;
        s->timeout_callback = callback;
        s->opaque = opaque;
        s->free_opaque = ff;
        /* Keepalives and retries are seconds apart; a millisecond of slack is plenty. */
        r = sd_event_add_time(impl.event, &s->source, CLOCK_MONOTONIC, 0, USEC_PER_MSEC, on_timeout, s);
        if (r < 0) {
                free(s);
                return -1;
        }
        arm_timeout(s);
        add_source(s);
        return s->id;
}

static void update_timeout(int id, int interval_ms) {
        struct virt_source *s = find_source(id, true);

        if (!s)
                return;
        s->interval_ms = interval_ms;
        arm_timeout(s);
}

static int remove_timeout(int id) {
        return remove_source(id, true);
}

int virt_event_register(sd_event *event) {
        int r;

        if (impl.event)
                return -EALREADY;
        r = sd_event_add_defer(event, &impl.reaper, on_reaper, NULL);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(impl.reaper, SD_EVENT_OFF);
        if (r < 0) {
                impl.reaper = sd_event_source_unref(impl.reaper);
                return r;
        }
        impl.event = sd_event_ref(event);
        virEventRegisterImpl(add_handle, update_handle, remove_handle, add_timeout, update_timeout, remove_timeout);
        return 0;
}

void virt_event_unregister(void) {
        if (!impl.event)
                return;
        /* Sources that libvirt has not removed are only detached, because
         * libvirt may use their data until the process ends. */
        reap(true);
        impl.reaper = sd_event_source_disable_unref(impl.reaper);
        impl.event = sd_event_unref(impl.event);
}
