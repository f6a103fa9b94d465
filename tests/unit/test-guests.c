/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "guests.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

struct match_case {
        const char *exe;
        const char *comm;
        bool kernel_thread;
        bool expected;
};

static const struct match_case match_cases[] = {
        /* Executables of guests, whatever their comm. */
        { "/usr/bin/qemu-system-x86_64", "qemu-system-x86", false, true },
        { "/usr/bin/qemu-system-aarch64", "myguest", false, true },     /* -name x,process=myguest */
        { "/usr/libexec/qemu-kvm", "qemu-kvm", false, true },
        { "/usr/bin/kvm", "kvm", false, true },
        { "/usr/bin/qemu-system-x86_64 (deleted)", "web01", false, true },
        /* comm alone, when the executable is something else or unreadable. */
        { "/opt/bin/wrapper", "qemu-kvm", false, true },
        { NULL, "qemu-system-x86", false, true },
        { "", "qemu:web01", false, true },
        { "/usr/bin/pve-wrapper", "kvm", false, true },
        /* QEMU's helpers are never guests, even with a guest-like comm. */
        { "/usr/bin/qemu-img", "qemu-img", false, false },
        { "/usr/bin/qemu-nbd", "qemu-nbd", false, false },
        { "/usr/bin/qemu-ga", "qemu-ga", false, false },
        { "/usr/bin/qemu-pr-helper", "qemu-pr-helper", false, false },
        { "/usr/bin/qemu-storage-daemon", "qemu-storage-da", false, false },
        { "/usr/libexec/virtiofsd", "virtiofsd", false, false },
        { "/usr/bin/swtpm", "swtpm", false, false },
        { "/usr/bin/qemu-img", "qemu-system-x86", false, false },
        { "/usr/bin/qemu-img (deleted)", "qemu-system-x86", false, false },
        /* Near misses. */
        { "/usr/bin/bash", "kvm-helper", false, false },
        { "/usr/bin/bash", "qemu", false, false },
        { "/usr/bin/qemu-system", "bash", false, false },
        { "/usr/bin/kvmtool", "kvmtool", false, false },
        { NULL, "qemu-img", false, false },
        /* Kernel threads, such as KVM's per-guest workers. */
        { NULL, "kvm", true, false },
        { NULL, "kvm-nx-lpage-re", true, false },
};

static void guest_match_table(void) {
        for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
                const struct match_case *c = &match_cases[i];
                bool matched = guest_process_matches(c->exe, c->comm, c->kernel_thread);

                if (matched != c->expected) {
                        printf("  exe \"%s\", comm \"%s\"%s: %s, expected %s\n", c->exe ? c->exe : "(null)", c->comm,
                               c->kernel_thread ? " (kernel thread)" : "", matched ? "guest" : "not a guest",
                               c->expected ? "guest" : "not a guest");
                        test_current_failed = true;
                }
        }
}

/* A child that renames itself as libvirt names guests is found, with its
 * resident memory, and the parent is not. */
static void guest_scan_finds_child(void) {
        struct pids_info *info = NULL;
        struct guest_list list = { 0 };
        int ready[2];
        const struct guest *found = NULL;
        char byte;
        pid_t child;

        if (pipe(ready) < 0)
                abort();
        child = fork();
        if (child == 0) {
                static char memory[8 << 20];

                prctl(PR_SET_NAME, "qemu:unit-test");
                memset(memory, 1, sizeof(memory));
                if (write(ready[1], "x", 1) != 1)
                        _exit(1);
                pause();
                _exit(0);
        }
        EXPECT_INT(read(ready[0], &byte, 1), 1);

        EXPECT_INT(guests_open(&info), 0);
        EXPECT_INT(guests_scan(info, &list), 0);
        for (size_t i = 0; i < list.count; i++) {
                EXPECT(list.items[i].pid != getpid());
                if (list.items[i].pid == child)
                        found = &list.items[i];
        }
        EXPECT(found != NULL);
        if (found) {
                EXPECT_STR(found->name, "qemu:unit-test");
                EXPECT(found->rss_kib >= 8192);
                EXPECT(list.committed_kib >= found->rss_kib);
        }

        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        close(ready[0]);
        close(ready[1]);
        guest_list_free(&list);
        guests_close(&info);
}

int main(void) {
        RUN_TEST(guest_match_table);
        RUN_TEST(guest_scan_finds_child);
        return TEST_EXIT_STATUS;
}
