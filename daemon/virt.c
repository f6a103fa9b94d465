/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "virt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "number.h"

#define USEC_PER_SEC UINT64_C(1000000)

/* A restarted libvirtd accepts connections again within seconds, so
 * retries start at a second, and an absent one is tried once a minute. */
#define RETRY_DELAY_MIN_USEC (1 * USEC_PER_SEC)
#define RETRY_DELAY_MAX_USEC (60 * USEC_PER_SEC)

/* A libvirtd that stops responding is given up after 5 s * (3 + 1). */
#define KEEPALIVE_INTERVAL_S 5
#define KEEPALIVE_COUNT 3

uint64_t virt_next_retry_delay(uint64_t delay_usec) {
        if (delay_usec < RETRY_DELAY_MIN_USEC)
                return RETRY_DELAY_MIN_USEC;
        if (delay_usec >= RETRY_DELAY_MAX_USEC / 2)
                return RETRY_DELAY_MAX_USEC;
        return delay_usec * 2;
}

const char *virt_lifecycle_text(int event) {
        switch (event) {
        case VIR_DOMAIN_EVENT_STARTED:
                return "started";
        case VIR_DOMAIN_EVENT_SUSPENDED:
                return "paused";
        case VIR_DOMAIN_EVENT_RESUMED:
                return "resumed";
        case VIR_DOMAIN_EVENT_STOPPED:
                return "stopped";
        case VIR_DOMAIN_EVENT_CRASHED:
                return "crashed";
        case VIR_DOMAIN_EVENT_PMSUSPENDED:
                return "suspended by its guest";
        default:
                /* Defined, undefined, and shutdown, which a stop follows. */
                return NULL;
        }
}

/* libvirt prints every error to stderr unless an error handler is set, and
 * ksmtuned logs the errors that matter itself. */
static void ignore_error(void *userdata, virErrorPtr error) {
        (void) userdata;
        (void) error;
}

static const char *last_error(void) {
        const char *message = virGetLastErrorMessage();

        return message && message[0] ? message : "unknown error";
}

static const char *fallback_text(const struct virt *virt) {
        return virt->source == GUEST_SOURCE_AUTO ? "counting guests by process scan meanwhile"
                                                 : "its domains are not counted meanwhile";
}

static void notify_change(struct virt *virt, const char *what, bool major) {
        if (virt->on_change)
                virt->on_change(virt->userdata, what, major);
}

static int on_lifecycle(virConnectPtr conn, virDomainPtr domain, int event, int detail, void *opaque) {
        struct virt_connection *c = opaque;
        const char *text = virt_lifecycle_text(event);
        char what[300];

        (void) conn;
        (void) detail;
        if (!text)
                return 0;
        snprintf(what, sizeof(what), "domain %s %s", virDomainGetName(domain), text);
        log_message(c->virt->log, LOG_DEBUG, "libvirt at %s: %s", c->uri, what);
        notify_change(c->virt, what, event == VIR_DOMAIN_EVENT_STARTED || event == VIR_DOMAIN_EVENT_STOPPED ||
                                     event == VIR_DOMAIN_EVENT_CRASHED);
        return 0;
}

static void schedule_retry(struct virt_connection *c, uint64_t delay_usec) {
        uint64_t now_usec;

        if (!c->virt->event || !c->retry_timer)
                return;
        (void) sd_event_now(c->virt->event, CLOCK_MONOTONIC, &now_usec);
        (void) sd_event_source_set_time(c->retry_timer, now_usec + delay_usec);
        (void) sd_event_source_set_enabled(c->retry_timer, SD_EVENT_ONESHOT);
}

static const char *close_reason_text(int reason) {
        switch (reason) {
        case VIR_CONNECT_CLOSE_REASON_EOF:
                return "libvirt closed the connection";
        case VIR_CONNECT_CLOSE_REASON_KEEPALIVE:
                return "libvirt stopped answering keepalives";
        case VIR_CONNECT_CLOSE_REASON_CLIENT:
                return "closed by ksmtuned";
        default:
                return "a connection error";
        }
}

/* Closing the connection here would re-enter libvirt from its own
 * callback, so the retry timer closes it. */
static void on_close(virConnectPtr conn, int reason, void *opaque) {
        struct virt_connection *c = opaque;
        char what[300];

        (void) conn;
        if (reason == VIR_CONNECT_CLOSE_REASON_CLIENT)
                return;
        c->lost = true;
        snprintf(c->error, sizeof(c->error), "%s", close_reason_text(reason));
        c->outage_start_usec = now_monotonic_usec();
        c->outage_logged = true;
        c->failed_attempts = 0;
        c->retry_delay_usec = 0;
        log_message(c->virt->log, LOG_WARNING, "Lost the connection to libvirt at %s: %s; %s, reconnecting",
                    c->uri, c->error, fallback_text(c->virt));
        schedule_retry(c, 0);
        snprintf(what, sizeof(what), "lost the connection to libvirt at %s", c->uri);
        notify_change(c->virt, what, true);
}

static void disconnect(struct virt_connection *c) {
        if (!c->conn)
                return;
        /* On a lost connection these fail, which changes nothing. */
        if (c->lifecycle_callback >= 0)
                (void) virConnectDomainEventDeregisterAny(c->conn, c->lifecycle_callback);
        if (c->close_callback)
                (void) virConnectUnregisterCloseCallback(c->conn, on_close);
        (void) virConnectClose(c->conn);
        c->conn = NULL;
        c->lifecycle_callback = -1;
        c->close_callback = false;
        c->lost = false;
}

/* Registers what a connection needs beyond listing domains: events and
 * close notices, which only work with an event loop. */
static int watch_connection(struct virt_connection *c) {
        /* Only remote connections have keepalives; the test driver has none. */
        (void) virConnectSetKeepAlive(c->conn, KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT);
        if (virConnectRegisterCloseCallback(c->conn, on_close, c, NULL) < 0)
                return -1;
        c->close_callback = true;
        c->lifecycle_callback = virConnectDomainEventRegisterAny(c->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                                 VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), c, NULL);
        return c->lifecycle_callback < 0 ? -1 : 0;
}

/* Tries to connect. Returns 0 or -ECONNREFUSED, with the reason in c->error. */
static int try_connect(struct virt_connection *c) {
        char *canonical;

        /* Listing domains and receiving their events needs no more than read-only access. */
        c->conn = virConnectOpenReadOnly(c->uri);
        if (c->conn && c->virt->event && watch_connection(c) < 0) {
                snprintf(c->error, sizeof(c->error), "%s", last_error());
                disconnect(c);
                return -ECONNREFUSED;
        }
        if (!c->conn) {
                snprintf(c->error, sizeof(c->error), "%s", last_error());
                return -ECONNREFUSED;
        }

        /* "qemu:///system" is the usual spelling, but an empty URI or an
         * alias may lead there too. */
        canonical = virConnectGetURI(c->conn);
        c->system_qemu = canonical && strcmp(canonical, "qemu:///system") == 0;
        free(canonical);
        c->error[0] = '\0';
        return 0;
}

static void log_connected(struct virt_connection *c) {
        unsigned long version = 0;

        (void) virConnectGetLibVersion(c->conn, &version);
        if (c->outage_logged)
                log_message(c->virt->log, LOG_INFO, "Connected to libvirt %lu.%lu.%lu at %s %s %" PRIu64 " s",
                            version / 1000000, version / 1000 % 1000, version % 1000, c->uri,
                            c->ever_connected ? "again after" : "after trying for",
                            (now_monotonic_usec() - c->outage_start_usec) / USEC_PER_SEC);
        else
                log_message(c->virt->log, LOG_INFO, "Connected to libvirt %lu.%lu.%lu at %s",
                            version / 1000000, version / 1000 % 1000, version % 1000, c->uri);
        c->ever_connected = true;
        c->outage_logged = false;
        c->failed_attempts = 0;
        c->retry_delay_usec = 0;
}

static void note_failure(struct virt_connection *c) {
        c->failed_attempts++;
        c->retry_delay_usec = virt_next_retry_delay(c->retry_delay_usec);
        if (c->outage_logged) {
                log_message(c->virt->log, LOG_DEBUG, "Connecting to libvirt at %s failed again: %s; next try in %" PRIu64 " s",
                            c->uri, c->error, c->retry_delay_usec / USEC_PER_SEC);
                return;
        }
        c->outage_logged = true;
        c->outage_start_usec = now_monotonic_usec();
        if (c->virt->event)
                log_message(c->virt->log, LOG_WARNING, "Cannot connect to libvirt at %s: %s; %s, retrying after %" PRIu64
                            " s, doubling up to every %" PRIu64 " s", c->uri, c->error, fallback_text(c->virt),
                            RETRY_DELAY_MIN_USEC / USEC_PER_SEC, RETRY_DELAY_MAX_USEC / USEC_PER_SEC);
        else
                log_message(c->virt->log, LOG_WARNING, "Cannot connect to libvirt at %s: %s; %s",
                            c->uri, c->error,
                            c->virt->source == GUEST_SOURCE_AUTO ? "counting guests by process scan"
                                                                 : "its domains are not counted");
}

static int on_retry(sd_event_source *source, uint64_t usec, void *userdata) {
        struct virt_connection *c = userdata;
        char what[300];

        (void) source;
        (void) usec;
        disconnect(c);
        if (try_connect(c) < 0) {
                note_failure(c);
                schedule_retry(c, c->retry_delay_usec);
                return 0;
        }
        log_connected(c);
        snprintf(what, sizeof(what), "connected to libvirt at %s", c->uri);
        notify_change(c->virt, what, true);
        return 0;
}

int virt_open(struct virt *virt, const char *const *uris, size_t n_uris, enum guest_source source,
              sd_event *event, struct logger *log, virt_change_handler on_change, void *userdata) {
        int r;

        *virt = (struct virt) {
                .event = event,
                .log = log,
                .source = source,
                .on_change = on_change,
                .userdata = userdata,
        };
        virSetErrorFunc(NULL, ignore_error);

        for (size_t i = 0; i < n_uris && i < CONFIG_URIS_COUNT_MAX; i++) {
                struct virt_connection *c = &virt->connections[virt->n_connections++];

                *c = (struct virt_connection) { .virt = virt, .lifecycle_callback = -1 };
                snprintf(c->uri, sizeof(c->uri), "%s", uris[i]);
                if (event) {
                        r = sd_event_add_time(event, &c->retry_timer, CLOCK_MONOTONIC, 0, 0, on_retry, c);
                        if (r < 0)
                                return r;
                        (void) sd_event_source_set_enabled(c->retry_timer, SD_EVENT_OFF);
                }
                if (try_connect(c) < 0) {
                        note_failure(c);
                        schedule_retry(c, c->retry_delay_usec);
                } else {
                        log_connected(c);
                }
        }
        return 0;
}

void virt_close(struct virt *virt) {
        for (size_t i = 0; i < virt->n_connections; i++) {
                struct virt_connection *c = &virt->connections[i];

                disconnect(c);
                c->retry_timer = sd_event_source_disable_unref(c->retry_timer);
        }
        virt->n_connections = 0;
}

bool virt_all_connected(const struct virt *virt) {
        for (size_t i = 0; i < virt->n_connections; i++)
                if (!virt->connections[i].conn || virt->connections[i].lost)
                        return false;
        return true;
}

/* Reads LIBVIRT_QEMU_STATE_DIR/NAME.pid. Returns the PID, or 0. */
static pid_t read_pid_file(const char *name) {
        char path[512], text[32];
        int64_t pid = 0;
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s.pid", LIBVIRT_QEMU_STATE_DIR, name);
        f = fopen(path, "re");
        if (!f)
                return 0;
        if (!fgets(text, sizeof(text), f))
                text[0] = '\0';
        fclose(f);
        text[strcspn(text, "\n")] = '\0';
        if (parse_int64(text, &pid) < 0 || pid <= 0 || pid > INT32_MAX)
                return 0;
        return (pid_t) pid;
}

static int list_connection(struct virt_connection *c, struct guest_list *list, char *error, size_t error_size) {
        virDomainPtr *domains = NULL;
        int n, r = 0;

        n = virConnectListAllDomains(c->conn, &domains, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
        if (n < 0) {
                snprintf(error, error_size, "listing the domains of libvirt at %s failed: %s", c->uri, last_error());
                return -EIO;
        }

        for (int i = 0; i < n; i++) {
                struct guest guest = {
                        .from_libvirt = true,
                        .merging_pages = KSM_STAT_UNKNOWN,
                        .profit_bytes = KSM_STAT_UNKNOWN,
                };
                virDomainInfo info;
                const char *name = virDomainGetName(domains[i]);

                snprintf(guest.name, sizeof(guest.name), "%s", name ? name : "?");
                /* A domain that stopped since the listing is skipped. */
                if (virDomainGetInfo(domains[i], &info) == 0) {
                        guest.assigned_kib = info.memory;
                        if (c->system_qemu)
                                guest.pid = read_pid_file(guest.name);
                        if (r == 0)
                                r = guest_list_append(list, &guest);
                }
                virDomainFree(domains[i]);
        }
        free(domains);
        if (r < 0)
                snprintf(error, error_size, "%s", strerror(-r));
        return r;
}

int virt_list_guests(struct virt *virt, struct guest_list *list, char *error, size_t error_size) {
        for (size_t i = 0; i < virt->n_connections; i++) {
                struct virt_connection *c = &virt->connections[i];
                int r;

                if (!c->conn || c->lost)
                        continue;
                r = list_connection(c, list, error, error_size);
                if (r < 0)
                        return r;
        }
        return 0;
}
