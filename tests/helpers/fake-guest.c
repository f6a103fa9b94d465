/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A process that poses as a QEMU guest for the tests. It can set its comm,
 * and it allocates and touches anonymous memory so that its RSS is real.
 * It can fill that memory with a few repeated page contents and mark it
 * mergeable, so that the kernel's KSM merges it. Then it reports "ready" and
 * waits to be killed.
 *
 * Copy the binary (do not symlink it, since /proc/PID/exe resolves links) to
 * qemu-system-x86_64, qemu-kvm and so on to pose under an executable name. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)
#define MAX_MIB 4096UL

static void usage(FILE *out, const char *program) {
        fprintf(out,
                "Usage: %s [OPTION]...\n"
                "Pose as a QEMU guest process until killed.\n"
                "\n"
                "  -c, --comm=NAME       set the process name (comm) to NAME with PR_SET_NAME\n"
                "  -m, --mib=N           allocate and touch N MiB of anonymous memory (default 0, at most %lu)\n"
                "  -p, --patterns=N      fill the pages with N distinct contents, repeated, and mark\n"
                "                        them MADV_MERGEABLE (default 0: unique contents, not mergeable)\n"
                "  -r, --ready-file=FILE write \"ready\\n\" to FILE instead of standard output\n"
                "  -h, --help            show this help and exit\n"
                "Arguments after \"--\" are ignored, so that the command line can carry QEMU's,\n"
                "such as \"-- -name guest=web1\".\n",
                program, MAX_MIB);
}

static int parse_count(const char *text, unsigned long max, unsigned long *ret) {
        char *end = NULL;
        unsigned long value;

        if (text[0] < '0' || text[0] > '9')
                return -EINVAL;
        errno = 0;
        value = strtoul(text, &end, 10);
        if (errno != 0 || *end != '\0' || value > max)
                return -EINVAL;
        *ret = value;
        return 0;
}

/* Writes the whole message with write(2), so nothing sits in a stdio buffer. */
static int report_ready(const char *path) {
        static const char message[] = "ready\n";
        int fd = STDOUT_FILENO;
        ssize_t n;

        if (path) {
                fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (fd < 0) {
                        fprintf(stderr, "fake-guest: cannot open %s: %s\n", path, strerror(errno));
                        return -1;
                }
        }
        n = write(fd, message, sizeof(message) - 1);
        if (n != (ssize_t) (sizeof(message) - 1)) {
                fprintf(stderr, "fake-guest: writing \"ready\" failed: %s\n", n < 0 ? strerror(errno) : "short write");
                return -1;
        }
        if (path)
                close(fd);
        return 0;
}

/* Maps and touches mib MiB. With patterns > 0 every page contains one of that
 * many contents, and the area is marked mergeable. Huge pages are turned off
 * first, because KSM merges only base pages. */
static int allocate_memory(unsigned long mib, unsigned long patterns) {
        long page_size = sysconf(_SC_PAGESIZE);
        size_t length = mib * MIB;
        unsigned char *area;

        if (mib == 0)
                return 0;
        if (page_size <= 0)
                page_size = 4096;

        area = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (area == MAP_FAILED) {
                fprintf(stderr, "fake-guest: mmap of %lu MiB failed: %s\n", mib, strerror(errno));
                return -1;
        }
        if (madvise(area, length, MADV_NOHUGEPAGE) < 0)
                fprintf(stderr, "fake-guest: madvise(MADV_NOHUGEPAGE) failed: %s; continuing\n", strerror(errno));

        for (size_t offset = 0, page = 0; offset < length; offset += (size_t) page_size, page++) {
                uint64_t tag = patterns > 0 ? page % patterns + 1 : page + 1;

                /* The tag repeated over the page: pages with equal tags are identical. */
                for (size_t i = 0; i + sizeof(tag) <= (size_t) page_size; i += sizeof(tag))
                        memcpy(area + offset + i, &tag, sizeof(tag));
        }

        if (patterns > 0 && madvise(area, length, MADV_MERGEABLE) < 0) {
                fprintf(stderr, "fake-guest: madvise(MADV_MERGEABLE) failed: %s\n", strerror(errno));
                return -1;
        }
        return 0;
}

int main(int argc, char **argv) {
        static const struct option long_options[] = {
                { "comm", required_argument, NULL, 'c' },
                { "mib", required_argument, NULL, 'm' },
                { "patterns", required_argument, NULL, 'p' },
                { "ready-file", required_argument, NULL, 'r' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        const char *comm = NULL, *ready_file = NULL;
        unsigned long mib = 0, patterns = 0;
        int c;

        while ((c = getopt_long(argc, argv, "c:m:p:r:h", long_options, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        comm = optarg;
                        break;
                case 'm':
                        if (parse_count(optarg, MAX_MIB, &mib) < 0) {
                                fprintf(stderr, "fake-guest: invalid --mib \"%s\" (allowed: 0 to %lu)\n", optarg, MAX_MIB);
                                return 2;
                        }
                        break;
                case 'p':
                        if (parse_count(optarg, 1UL << 20, &patterns) < 0) {
                                fprintf(stderr, "fake-guest: invalid --patterns \"%s\" (allowed: 0 to 1048576)\n", optarg);
                                return 2;
                        }
                        break;
                case 'r':
                        ready_file = optarg;
                        break;
                case 'h':
                        usage(stdout, argv[0]);
                        return 0;
                default:
                        usage(stderr, argv[0]);
                        return 2;
                }
        }
        /* Arguments after "--" only show in the command line, as QEMU's
         * "-name guest=NAME" does. */
        if (optind < argc && strcmp(argv[optind - 1], "--") != 0) {
                fprintf(stderr, "fake-guest: unexpected argument \"%s\"\n", argv[optind]);
                return 2;
        }

        if (comm && prctl(PR_SET_NAME, comm, 0, 0, 0) < 0) {
                fprintf(stderr, "fake-guest: prctl(PR_SET_NAME, \"%s\") failed: %s\n", comm, strerror(errno));
                return 1;
        }
        if (allocate_memory(mib, patterns) < 0)
                return 1;
        if (report_ready(ready_file) < 0)
                return 1;

        for (;;)
                pause();
}
