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
        struct guest_readers readers;
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

        EXPECT_INT(guests_open(&readers), 0);
        EXPECT_INT(guests_scan(&readers, &list), 0);
        EXPECT_INT(guests_read_details(&readers, &list, GUEST_MEMORY_PSS), 0);
        guest_list_commit(&list, GUEST_MEMORY_RSS);
        for (size_t i = 0; i < list.count; i++) {
                EXPECT(list.items[i].pid != getpid());
                if (list.items[i].pid == child)
                        found = &list.items[i];
        }
        EXPECT(found != NULL);
        if (found) {
                EXPECT_STR(found->name, "qemu:unit-test");
                EXPECT(found->rss_kib >= 8192);
                EXPECT(found->pss_kib >= 8192);
                EXPECT_INT(found->committed_kib, found->rss_kib);
                /* Plain anonymous memory, never marked mergeable. */
                if (access("/proc/self/ksm_stat", R_OK) == 0) {
                        EXPECT_INT(found->mergeable, GUEST_MERGEABLE_NO);
                        EXPECT(list.mergeable < list.count);
                }
        }

        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        close(ready[0]);
        close(ready[1]);
        guest_list_free(&list);
        guests_close(&readers);
}

struct name_case {
        const char *argv[6];
        const char *expected;   /* NULL: no name */
};

static const struct name_case name_cases[] = {
        { { "qemu-system-x86_64", "-name", "web1", NULL }, "web1" },
        /* libvirt's form, with debug-threads. */
        { { "/usr/bin/qemu-system-x86_64", "-name", "guest=web1,debug-threads=on", "-S", NULL }, "web1" },
        { { "qemu", "-name", "web1,process=qemu:web1", NULL }, "web1" },
        { { "qemu", "-name", "process=x,guest=db", NULL }, "db" },
        /* ",," is a comma in the name. */
        { { "qemu", "-name", "guest=db,,primary,debug-threads=on", NULL }, "db,primary" },
        { { "qemu", "-m", "512", NULL }, NULL },
        { { "qemu", "-name", NULL }, NULL },
        { { "qemu", "-name", "process=x", NULL }, NULL },
        { { "qemu", "-name", "guest=", NULL }, NULL },
        { { "qemu", "-name", "", NULL }, NULL },
};

static void guest_name_table(void) {
        for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
                const struct name_case *c = &name_cases[i];
                char name[128] = "";
                bool found = guest_name_from_argv(c->argv, name, sizeof(name));

                if (found != (c->expected != NULL) || (found && strcmp(name, c->expected) != 0)) {
                        printf("  case %zu: %s \"%s\", expected %s \"%s\"\n", i, found ? "found" : "no name", name,
                               c->expected ? "found" : "no name", c->expected ? c->expected : "");
                        test_current_failed = true;
                }
        }
}

static void ksm_stat_fields(void) {
        struct ksm_stat stat;

        ksm_stat_parse("ksm_rmap_items 200\nksm_zero_pages 0\nksm_merging_pages 123\nksm_process_profit -4096\n"
                       "ksm_merge_any: no\nksm_mergeable: yes\n", &stat);
        EXPECT_INT(stat.merging_pages, 123);
        EXPECT_INT(stat.profit_bytes, -4096);
        EXPECT_INT(stat.mergeable, GUEST_MERGEABLE_YES);

        ksm_stat_parse("ksm_mergeable: no\n", &stat);
        EXPECT_INT(stat.mergeable, GUEST_MERGEABLE_NO);
        EXPECT_INT(stat.merging_pages, KSM_STAT_UNKNOWN);

        /* A kernel before ksm_mergeable, and a value that is not a number. */
        ksm_stat_parse("ksm_rmap_items 0\nksm_merging_pages x\n", &stat);
        EXPECT_INT(stat.mergeable, GUEST_MERGEABLE_UNKNOWN);
        EXPECT_INT(stat.merging_pages, KSM_STAT_UNKNOWN);
        EXPECT_INT(stat.profit_bytes, KSM_STAT_UNKNOWN);
}

static struct guest make_guest(const char *name, pid_t pid, bool from_libvirt, uint64_t rss_kib, uint64_t pss_kib,
                               uint64_t assigned_kib, enum guest_mergeable mergeable) {
        struct guest guest = {
                .pid = pid, .from_libvirt = from_libvirt, .rss_kib = rss_kib, .pss_kib = pss_kib,
                .assigned_kib = assigned_kib, .mergeable = mergeable,
        };

        snprintf(guest.name, sizeof(guest.name), "%s", name);
        return guest;
}

/* Which figure counts per guest, and that unmergeable guests are left out of the sum. */
static void guest_commit_measures(void) {
        struct guest_list list = { 0 };
        struct guest guests[] = {
                make_guest("web1", 100, true, 1000, 600, 2048, GUEST_MERGEABLE_YES),
                make_guest("nopid", 0, true, 0, 0, 4096, GUEST_MERGEABLE_UNKNOWN),
                make_guest("qemu-system-x86_64", 200, false, 3000, 1500, 0, GUEST_MERGEABLE_UNKNOWN),
                make_guest("huge", 300, true, 8000, 8000, 8192, GUEST_MERGEABLE_NO),
        };

        for (size_t i = 0; i < 4; i++)
                EXPECT_INT(guest_list_append(&list, &guests[i]), 0);

        guest_list_commit(&list, GUEST_MEMORY_RSS);
        EXPECT_INT(list.items[0].committed_kib, 1000);
        EXPECT_INT(list.items[1].committed_kib, 4096);
        EXPECT_INT(list.items[1].committed_by, GUEST_MEMORY_ASSIGNED);
        EXPECT_INT(list.items[2].committed_kib, 3000);
        EXPECT_INT(list.items[3].committed_kib, 8000);
        EXPECT_INT(list.mergeable, 3);
        EXPECT_INT(list.committed_kib, 1000 + 4096 + 3000);

        guest_list_commit(&list, GUEST_MEMORY_PSS);
        EXPECT_INT(list.committed_kib, 600 + 4096 + 1500);
        EXPECT_INT(list.items[2].committed_by, GUEST_MEMORY_PSS);

        /* A process without a domain has no assigned memory: its RSS counts. */
        guest_list_commit(&list, GUEST_MEMORY_ASSIGNED);
        EXPECT_INT(list.committed_kib, 2048 + 4096 + 3000);
        EXPECT_INT(list.items[2].committed_by, GUEST_MEMORY_RSS);

        guest_list_free(&list);
}

int main(void) {
        RUN_TEST(guest_match_table);
        RUN_TEST(guest_scan_finds_child);
        RUN_TEST(guest_name_table);
        RUN_TEST(ksm_stat_fields);
        RUN_TEST(guest_commit_measures);
        return TEST_EXIT_STATUS;
}
