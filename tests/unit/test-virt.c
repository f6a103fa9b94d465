/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "virt.h"

#include <limits.h>
#include <stdlib.h>

#include <libvirt/libvirt.h>

#include "test.h"

static void virt_retry_delays(void) {
        uint64_t delay = 0;
        const uint64_t expected_s[] = { 1, 2, 4, 8, 16, 32, 60, 60 };

        for (size_t i = 0; i < sizeof(expected_s) / sizeof(expected_s[0]); i++) {
                delay = virt_next_retry_delay(delay);
                EXPECT_INT(delay / 1000000, expected_s[i]);
        }
}

static void virt_lifecycle_events(void) {
        EXPECT_STR(virt_lifecycle_text(VIR_DOMAIN_EVENT_STARTED), "started");
        EXPECT_STR(virt_lifecycle_text(VIR_DOMAIN_EVENT_STOPPED), "stopped");
        EXPECT_STR(virt_lifecycle_text(VIR_DOMAIN_EVENT_CRASHED), "crashed");
        EXPECT_STR(virt_lifecycle_text(VIR_DOMAIN_EVENT_SUSPENDED), "paused");
        EXPECT_STR(virt_lifecycle_text(VIR_DOMAIN_EVENT_RESUMED), "resumed");
        EXPECT(virt_lifecycle_text(VIR_DOMAIN_EVENT_DEFINED) == NULL);
        EXPECT(virt_lifecycle_text(VIR_DOMAIN_EVENT_UNDEFINED) == NULL);
        EXPECT(virt_lifecycle_text(VIR_DOMAIN_EVENT_SHUTDOWN) == NULL);
}

/* The test driver's fixture, read in this process: domains, their memory,
 * and no PIDs, since the test driver runs no QEMU. */
static void virt_lists_fixture_domains(void) {
        struct logger log;
        struct virt virt;
        struct guest_list list = { 0 };
        char uri[PATH_MAX + 16], path[PATH_MAX], error[256] = "";
        const char *uris[1] = { uri };
        uint64_t assigned_kib = 0;

        /* tests/run runs the unit tests from the top of the tree. */
        if (!realpath("tests/fixtures/libvirt/many.xml", path))
                abort();
        snprintf(uri, sizeof(uri), "test://%s", path);
        log_init(&log, LOG_TARGET_CONSOLE, false);
        log.max_level = LOG_ERR;
        EXPECT_INT(virt_open(&virt, uris, 1, GUEST_SOURCE_LIBVIRT, NULL, &log, NULL, NULL), 0);
        EXPECT(virt_all_connected(&virt));
        EXPECT_INT(virt_list_guests(&virt, &list, error, sizeof(error)), 0);
        EXPECT_INT(list.count, 3);
        for (size_t i = 0; i < list.count; i++) {
                EXPECT(list.items[i].from_libvirt);
                EXPECT_INT(list.items[i].pid, 0);
                assigned_kib += list.items[i].assigned_kib;
        }
        /* 512 MiB, 768 MiB current of 1 GiB, and 2 GiB. */
        EXPECT_INT(assigned_kib, (512 + 768 + 2048) * 1024);
        guest_list_free(&list);
        virt_close(&virt);
}

/* An unreachable URI is a logged failure, not an error of virt_open(). */
static void virt_unreachable_uri(void) {
        struct logger log;
        struct virt virt;
        struct guest_list list = { 0 };
        char error[256] = "";
        const char *uris[1] = { "qemu:///system?socket=/nonexistent/ksmtuned-test.sock" };

        log_init(&log, LOG_TARGET_CONSOLE, false);
        log.max_level = LOG_ERR;
        EXPECT_INT(virt_open(&virt, uris, 1, GUEST_SOURCE_AUTO, NULL, &log, NULL, NULL), 0);
        EXPECT(!virt_all_connected(&virt));
        EXPECT(virt.connections[0].error[0] != '\0');
        EXPECT_INT(virt_list_guests(&virt, &list, error, sizeof(error)), 0);
        EXPECT_INT(list.count, 0);
        guest_list_free(&list);
        virt_close(&virt);
}

int main(void) {
        RUN_TEST(virt_retry_delays);
        RUN_TEST(virt_lifecycle_events);
        RUN_TEST(virt_lists_fixture_domains);
        RUN_TEST(virt_unreachable_uri);
        return TEST_EXIT_STATUS;
}
