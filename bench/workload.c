/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A benchmark workload. It maps anonymous memory and fills a chosen share of
 * its pages with a few repeated contents (duplicates that KSM can merge) and
 * the rest with pseudo-random bytes (unique pages). Then it marks all of it
 * MADV_MERGEABLE, as QEMU does with guest RAM, prints one line and sleeps
 * until killed.
 *
 * To pose as a guest, run a copy of the binary named qemu-system-x86_64
 * (ksmtuned matches /proc/PID/exe and comm) and pass "-- -enable-kvm": the
 * words after "--" are ignored, and the shell ksmtuned counts only processes
 * whose command line matches '^qemu-system.*-enable-kvm'.
 *
 * With --children=N it forks N processes that only sleep, to give a process
 * scan N more entries at little memory cost. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)
#define MAX_MIB 8192UL
#define MAX_PATTERNS (1UL << 24)
#define MAX_CHILDREN 100000UL

struct options {
        unsigned long mib;
        unsigned long duplicate_percent;
        unsigned long patterns;
        unsigned long children;
        uint64_t seed;
        const char *comm;
};

static void usage(FILE *out, const char *program) {
        fprintf(out,
                "Usage: %s [OPTION]... [-- IGNORED...]\n"
                "Fill anonymous memory with duplicate and unique pages, mark it mergeable\n"
                "for KSM, print one line and sleep until killed.\n"
                "\n"
                "  -m, --mib=N          map and fill N MiB (default 0, at most %lu)\n"
                "  -d, --duplicates=P   percent of the pages that are duplicates (default 90)\n"
                "  -p, --patterns=N     distinct contents of the duplicate pages (default 4096)\n"
                "  -c, --comm=NAME      set the process name (comm) to NAME\n"
                "  -s, --seed=N         seed of the unique pages (default: from the PID and time)\n"
                "  -C, --children=N     fork N processes that only sleep (default 0)\n"
                "  -h, --help           show this help and exit\n"
                "\n"
                "Words after \"--\" are ignored, so that the command line can contain\n"
                "QEMU options such as -enable-kvm.\n"
                "\n"
                "When the memory is filled it prints one line to standard output:\n"
                "\"ready pages=N duplicate_pages=N unique_pages=N patterns=N\".\n",
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

/* xorshift64*: fast, and good enough to make every unique page differ. */
static uint64_t next_random(uint64_t *state) {
        uint64_t x = *state;

        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *state = x;
        return x * UINT64_C(2685821657736338717);
}

/* Spreads the duplicate pages evenly: page i is a duplicate when the running
 * count of duplicates, pages * percent / 100, steps up at i. */
static bool page_is_duplicate(size_t page, unsigned long percent) {
        return (page + 1) * percent / 100 > page * percent / 100;
}

static int fill_memory(const struct options *o, size_t *duplicate_pages, size_t *unique_pages) {
        long page_size = sysconf(_SC_PAGESIZE);
        size_t length = o->mib * MIB;
        uint64_t state = o->seed ? o->seed : 1;
        size_t duplicate_count = 0;
        unsigned char *area;

        *duplicate_pages = 0;
        *unique_pages = 0;
        if (length == 0)
                return 0;
        if (page_size <= 0)
                page_size = 4096;

        area = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (area == MAP_FAILED) {
                fprintf(stderr, "workload: mmap of %lu MiB failed: %s\n", o->mib, strerror(errno));
                return -1;
        }
        /* KSM merges only base pages. */
        if (madvise(area, length, MADV_NOHUGEPAGE) < 0)
                fprintf(stderr, "workload: madvise(MADV_NOHUGEPAGE) failed: %s; continuing\n", strerror(errno));

        for (size_t page = 0; page * (size_t) page_size < length; page++) {
                unsigned char *start = area + page * (size_t) page_size;

                if (page_is_duplicate(page, o->duplicate_percent)) {
                        /* Tags start at 1, so that no duplicate page is all zeros. */
                        uint64_t tag = duplicate_count % o->patterns + 1;

                        for (size_t i = 0; i + sizeof(tag) <= (size_t) page_size; i += sizeof(tag))
                                memcpy(start + i, &tag, sizeof(tag));
                        duplicate_count++;
                } else {
                        for (size_t i = 0; i + sizeof(uint64_t) <= (size_t) page_size; i += sizeof(uint64_t)) {
                                uint64_t word = next_random(&state);

                                memcpy(start + i, &word, sizeof(word));
                        }
                        (*unique_pages)++;
                }
        }
        *duplicate_pages = duplicate_count;

        if (madvise(area, length, MADV_MERGEABLE) < 0) {
                fprintf(stderr, "workload: madvise(MADV_MERGEABLE) failed: %s\n", strerror(errno));
                return -1;
        }
        return 0;
}

/* Forks count children that sleep until killed. They die with the parent,
 * so that killing the workload by its PID ends them all. */
static int fork_sleepers(unsigned long count) {
        pid_t parent = getpid();

        for (unsigned long i = 0; i < count; i++) {
                pid_t pid = fork();

                if (pid < 0) {
                        fprintf(stderr, "workload: fork of sleeper %lu of %lu failed: %s\n", i + 1, count, strerror(errno));
                        return -1;
                }
                if (pid == 0) {
                        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
                                _exit(0);
                        for (;;)
                                pause();
                }
        }
        return 0;
}

static int parse_options(int argc, char **argv, struct options *o) {
        static const struct option long_options[] = {
                { "mib", required_argument, NULL, 'm' },
                { "duplicates", required_argument, NULL, 'd' },
                { "patterns", required_argument, NULL, 'p' },
                { "comm", required_argument, NULL, 'c' },
                { "seed", required_argument, NULL, 's' },
                { "children", required_argument, NULL, 'C' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        unsigned long seed = 0;
        int c;

        while ((c = getopt_long(argc, argv, "m:d:p:c:s:C:h", long_options, NULL)) >= 0) {
                switch (c) {
                case 'm':
                        if (parse_count(optarg, MAX_MIB, &o->mib) < 0) {
                                fprintf(stderr, "workload: invalid --mib \"%s\" (allowed: 0 to %lu)\n", optarg, MAX_MIB);
                                return 2;
                        }
                        break;
                case 'd':
                        if (parse_count(optarg, 100, &o->duplicate_percent) < 0) {
                                fprintf(stderr, "workload: invalid --duplicates \"%s\" (allowed: 0 to 100)\n", optarg);
                                return 2;
                        }
                        break;
                case 'p':
                        if (parse_count(optarg, MAX_PATTERNS, &o->patterns) < 0 || o->patterns == 0) {
                                fprintf(stderr, "workload: invalid --patterns \"%s\" (allowed: 1 to %lu)\n", optarg, MAX_PATTERNS);
                                return 2;
                        }
                        break;
                case 'c':
                        o->comm = optarg;
                        break;
                case 's':
                        if (parse_count(optarg, ULONG_MAX, &seed) < 0 || seed == 0) {
                                fprintf(stderr, "workload: invalid --seed \"%s\" (allowed: a positive integer)\n", optarg);
                                return 2;
                        }
                        o->seed = seed;
                        break;
                case 'C':
                        if (parse_count(optarg, MAX_CHILDREN, &o->children) < 0) {
                                fprintf(stderr, "workload: invalid --children \"%s\" (allowed: 0 to %lu)\n", optarg, MAX_CHILDREN);
                                return 2;
                        }
                        break;
                case 'h':
                        usage(stdout, argv[0]);
                        exit(0);
                default:
                        usage(stderr, argv[0]);
                        return 2;
                }
        }
        /* getopt_long stops at "--", and the words after it are ignored on purpose. */
        if (optind < argc && strcmp(argv[optind - 1], "--") != 0) {
                fprintf(stderr, "workload: unexpected argument \"%s\" (put ignored words after \"--\")\n", argv[optind]);
                return 2;
        }
        return 0;
}

int main(int argc, char **argv) {
        struct options o = { .duplicate_percent = 90, .patterns = 4096 };
        size_t duplicate_pages, unique_pages;
        struct timespec now;
        int r;

        r = parse_options(argc, argv, &o);
        if (r != 0)
                return r;
        if (o.seed == 0) {
                clock_gettime(CLOCK_REALTIME, &now);
                o.seed = ((uint64_t) getpid() << 32) ^ (uint64_t) now.tv_nsec ^ (uint64_t) now.tv_sec;
                if (o.seed == 0)
                        o.seed = 1;
        }

        if (o.comm && prctl(PR_SET_NAME, o.comm, 0, 0, 0) < 0) {
                fprintf(stderr, "workload: prctl(PR_SET_NAME, \"%s\") failed: %s\n", o.comm, strerror(errno));
                return 1;
        }
        if (fill_memory(&o, &duplicate_pages, &unique_pages) < 0)
                return 1;
        if (fork_sleepers(o.children) < 0)
                return 1;

        printf("ready pages=%zu duplicate_pages=%zu unique_pages=%zu patterns=%lu\n",
               duplicate_pages + unique_pages, duplicate_pages, unique_pages, o.patterns);
        if (fflush(stdout) != 0) {
                fprintf(stderr, "workload: writing the ready line failed: %s\n", strerror(errno));
                return 1;
        }

        for (;;)
                pause();
}
