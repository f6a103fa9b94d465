/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Samples the kernel's KSM counters and the CPU time of the ksmd kernel
 * thread at a fixed interval and appends them to a CSV file, until SIGTERM
 * or SIGINT.
 *
 * The first columns are elapsed (seconds since --start, or since the sampler
 * started) and ksmd_cpu (utime + stime of ksmd in seconds). The files of
 * /sys/kernel/mm/ksm named in ksm_files follow, with an empty field for a
 * file the kernel lacks. The last three are sums over /proc/PID/ksm_stat,
 * which only root can read:
 *   workload_merging_pages  ksm_merging_pages of the PIDs in --pids-file
 *   workload_profit         ksm_process_profit of those PIDs, in bytes
 *   other_merging_pages     ksm_merging_pages of every other process
 * The KSM counters are host-wide. The per-process sums tell the benchmark's
 * workloads apart from other processes whose pages KSM merges. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const ksm_files[] = {
        "pages_sharing", "pages_shared", "pages_unshared", "pages_scanned", "full_scans",
        "general_profit", "pages_to_scan", "sleep_millisecs", "run",
};
#define N_KSM_FILES (sizeof(ksm_files) / sizeof(ksm_files[0]))

#define MAX_WORKLOADS 64

static volatile sig_atomic_t stop_requested;

static void on_stop(int signal_number) {
        (void) signal_number;
        stop_requested = 1;
}

static void usage(FILE *out, const char *program) {
        fprintf(out,
                "Usage: %s [OPTION]... OUTPUT.csv\n"
                "Append KSM counters and ksmd's CPU time to OUTPUT.csv until SIGTERM or SIGINT.\n"
                "\n"
                "  -i, --interval=SECONDS  time between samples (default 0.5)\n"
                "  -s, --start=EPOCH       wall-clock time, in seconds since 1970, that elapsed\n"
                "                          counts from (default: when the sampler starts)\n"
                "  -k, --ksm-dir=DIR       directory of the KSM files (default /sys/kernel/mm/ksm)\n"
                "  -p, --pids-file=FILE    PIDs of the workloads, one a line, reread at every sample\n"
                "  -h, --help              show this help and exit\n",
                program);
}

static double wall_clock(void) {
        struct timespec now;

        clock_gettime(CLOCK_REALTIME, &now);
        return (double) now.tv_sec + (double) now.tv_nsec / 1e9;
}

/* Finds the kernel thread whose comm is "ksmd". Returns its PID, or -1. */
static long find_ksmd(void) {
        DIR *proc = opendir("/proc");
        struct dirent *entry;
        long found = -1;

        if (!proc)
                return -1;
        while (found < 0 && (entry = readdir(proc)) != NULL) {
                char path[300], comm[32];
                FILE *f;

                if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/comm", entry->d_name);
                f = fopen(path, "re");
                if (!f)
                        continue;
                if (fgets(comm, sizeof(comm), f) && strcmp(comm, "ksmd\n") == 0)
                        found = strtol(entry->d_name, NULL, 10);
                fclose(f);
        }
        closedir(proc);
        return found;
}

/* Reads utime + stime, fields 14 and 15 of /proc/PID/stat, in seconds. The
 * second field (comm) may contain spaces and brackets, so parsing starts
 * after its last ')'. */
static int read_cpu_seconds(long pid, long ticks_per_second, double *ret) {
        char path[64], line[1024], *p;
        unsigned long long utime, stime;
        FILE *f;
        int field;

        snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        p = fgets(line, sizeof(line), f);
        fclose(f);
        if (!p || !(p = strrchr(line, ')')))
                return -EINVAL;
        p++;
        /* Field 3 (state) follows ") ". Skip to the space before field 14. */
        for (field = 2; field < 13 && p; field++)
                p = strchr(p + 1, ' ');
        if (!p || sscanf(p, " %llu %llu", &utime, &stime) != 2)
                return -EINVAL;
        *ret = (double) (utime + stime) / (double) ticks_per_second;
        return 0;
}

/* Copies the first line of DIR/NAME into value without its newline, or
 * leaves value empty when the file cannot be read. */
static void read_ksm_file(const char *dir, const char *name, char *value, size_t size) {
        char path[512];
        FILE *f;

        value[0] = '\0';
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "re");
        if (!f)
                return;
        if (!fgets(value, (int) size, f))
                value[0] = '\0';
        fclose(f);
        value[strcspn(value, "\n")] = '\0';
}

/* Reads up to max PIDs, one a line, from path. A missing file has none. */
static size_t read_pids(const char *path, long *pids, size_t max) {
        size_t n = 0;
        char line[64];
        FILE *f;

        if (!path || !(f = fopen(path, "re")))
                return 0;
        while (n < max && fgets(line, sizeof(line), f)) {
                long pid = strtol(line, NULL, 10);

                if (pid > 0)
                        pids[n++] = pid;
        }
        fclose(f);
        return n;
}

struct ksm_sums {
        int64_t workload_merging_pages;
        int64_t workload_profit;
        int64_t other_merging_pages;
};

/* Adds up /proc/PID/ksm_stat over every process, split into the workloads
 * and the rest. Processes that exit meanwhile are skipped. */
static void sum_ksm_stat(const long *workloads, size_t n_workloads, struct ksm_sums *sums) {
        DIR *proc = opendir("/proc");
        struct dirent *entry;

        memset(sums, 0, sizeof(*sums));
        if (!proc)
                return;
        while ((entry = readdir(proc)) != NULL) {
                char path[300], line[128];
                int64_t merging = 0, profit = 0;
                bool workload = false;
                long pid;
                FILE *f;

                if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/ksm_stat", entry->d_name);
                f = fopen(path, "re");
                if (!f)
                        continue;
                while (fgets(line, sizeof(line), f)) {
                        long long value;

                        if (sscanf(line, "ksm_merging_pages %lld", &value) == 1)
                                merging = value;
                        else if (sscanf(line, "ksm_process_profit %lld", &value) == 1)
                                profit = value;
                }
                fclose(f);

                pid = strtol(entry->d_name, NULL, 10);
                for (size_t i = 0; i < n_workloads; i++)
                        workload = workload || workloads[i] == pid;
                if (workload) {
                        sums->workload_merging_pages += merging;
                        sums->workload_profit += profit;
                } else {
                        sums->other_merging_pages += merging;
                }
        }
        closedir(proc);
}

static void sleep_seconds(double seconds) {
        struct timespec t;

        if (seconds <= 0)
                return;
        t.tv_sec = (time_t) seconds;
        t.tv_nsec = (long) ((seconds - (double) t.tv_sec) * 1e9);
        /* A signal ends the sleep early, and the loop then checks stop_requested. */
        nanosleep(&t, NULL);
}

int main(int argc, char **argv) {
        static const struct option long_options[] = {
                { "interval", required_argument, NULL, 'i' },
                { "start", required_argument, NULL, 's' },
                { "ksm-dir", required_argument, NULL, 'k' },
                { "pids-file", required_argument, NULL, 'p' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        const char *ksm_dir = "/sys/kernel/mm/ksm", *pids_file = NULL, *output;
        double interval = 0.5, start = wall_clock(), next;
        long ticks_per_second = sysconf(_SC_CLK_TCK), ksmd;
        struct sigaction action = { .sa_handler = on_stop };
        char *end;
        FILE *out;
        int c;

        while ((c = getopt_long(argc, argv, "i:s:k:p:h", long_options, NULL)) >= 0) {
                switch (c) {
                case 'i':
                        interval = strtod(optarg, &end);
                        if (*end != '\0' || !(interval >= 0.01 && interval <= 3600)) {
                                fprintf(stderr, "sampler: invalid --interval \"%s\" (allowed: 0.01 to 3600 seconds)\n", optarg);
                                return 2;
                        }
                        break;
                case 's':
                        start = strtod(optarg, &end);
                        if (*end != '\0' || !(start > 0)) {
                                fprintf(stderr, "sampler: invalid --start \"%s\" (expected seconds since 1970)\n", optarg);
                                return 2;
                        }
                        break;
                case 'k':
                        ksm_dir = optarg;
                        break;
                case 'p':
                        pids_file = optarg;
                        break;
                case 'h':
                        usage(stdout, argv[0]);
                        return 0;
                default:
                        usage(stderr, argv[0]);
                        return 2;
                }
        }
        if (optind != argc - 1) {
                usage(stderr, argv[0]);
                return 2;
        }
        output = argv[optind];
        if (ticks_per_second <= 0)
                ticks_per_second = 100;

        ksmd = find_ksmd();
        if (ksmd < 0) {
                fprintf(stderr, "sampler: no ksmd kernel thread found in /proc: is KSM built into this kernel?\n");
                return 1;
        }

        out = fopen(output, "we");
        if (!out) {
                fprintf(stderr, "sampler: cannot create %s: %s\n", output, strerror(errno));
                return 1;
        }
        fprintf(out, "elapsed,ksmd_cpu");
        for (size_t i = 0; i < N_KSM_FILES; i++)
                fprintf(out, ",%s", ksm_files[i]);
        fprintf(out, ",workload_merging_pages,workload_profit,other_merging_pages\n");

        sigaction(SIGTERM, &action, NULL);
        sigaction(SIGINT, &action, NULL);

        next = wall_clock();
        while (!stop_requested) {
                long workloads[MAX_WORKLOADS];
                size_t n_workloads = read_pids(pids_file, workloads, MAX_WORKLOADS);
                struct ksm_sums sums;
                char value[64];
                double cpu = 0;
                int r = read_cpu_seconds(ksmd, ticks_per_second, &cpu);

                if (r < 0) {
                        fprintf(stderr, "sampler: reading /proc/%ld/stat of ksmd failed: %s\n", ksmd, strerror(-r));
                        fclose(out);
                        return 1;
                }
                fprintf(out, "%.3f,%.2f", wall_clock() - start, cpu);
                for (size_t i = 0; i < N_KSM_FILES; i++) {
                        read_ksm_file(ksm_dir, ksm_files[i], value, sizeof(value));
                        fprintf(out, ",%s", value);
                }
                sum_ksm_stat(workloads, n_workloads, &sums);
                fprintf(out, ",%" PRId64 ",%" PRId64 ",%" PRId64 "\n",
                        sums.workload_merging_pages, sums.workload_profit, sums.other_merging_pages);
                if (fflush(out) != 0) {
                        fprintf(stderr, "sampler: writing %s failed: %s\n", output, strerror(errno));
                        fclose(out);
                        return 1;
                }

                /* Keep the samples on a fixed grid, whatever a sample took. */
                next += interval;
                sleep_seconds(next - wall_clock());
        }
        if (fclose(out) != 0) {
                fprintf(stderr, "sampler: closing %s failed: %s\n", output, strerror(errno));
                return 1;
        }
        return 0;
}
