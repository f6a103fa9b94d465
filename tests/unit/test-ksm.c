/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ksm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static const struct ksm_state kernel_defaults = {
        .run = 0, .pages_to_scan = 100, .sleep_ms = 20,
};

static void ksm_plan_start(void) {
        struct decision d = { .run = true, .npages = 300, .sleep_ms = 10 };
        struct ksm_plan plan;

        ksm_plan_writes(&d, &kernel_defaults, &plan);
        EXPECT_INT(plan.count, 3);
        EXPECT_STR(ksm_file_name(plan.writes[0].file), "pages_to_scan");
        EXPECT_INT(plan.writes[0].value, 300);
        EXPECT_STR(ksm_file_name(plan.writes[1].file), "sleep_millisecs");
        EXPECT_INT(plan.writes[1].value, 10);
        EXPECT_STR(ksm_file_name(plan.writes[2].file), "run");
        EXPECT_INT(plan.writes[2].value, 1);
}

static void ksm_plan_steady_writes_nothing(void) {
        struct decision d = { .run = true, .npages = 1250, .sleep_ms = 10 };
        struct ksm_state state = { .run = 1, .pages_to_scan = 1250, .sleep_ms = 10 };
        struct ksm_plan plan;

        ksm_plan_writes(&d, &state, &plan);
        EXPECT_INT(plan.count, 0);
}

/* Stopping writes run alone and leaves the speed settings as they are. */
static void ksm_plan_stop_writes_run_only(void) {
        struct decision d = { .run = false, .npages = 900, .sleep_ms = 10 };
        struct ksm_state state = { .run = 1, .pages_to_scan = 900, .sleep_ms = 30 };
        struct ksm_plan plan;

        ksm_plan_writes(&d, &state, &plan);
        EXPECT_INT(plan.count, 1);
        EXPECT_STR(ksm_file_name(plan.writes[0].file), "run");
        EXPECT_INT(plan.writes[0].value, 0);

        ksm_plan_writes(&d, &kernel_defaults, &plan);
        EXPECT_INT(plan.count, 0);
}

static void ksm_plan_leaves_advisor_alone(void) {
        struct decision d = { .run = true, .npages = 300, .sleep_ms = 10 };
        struct ksm_state state = kernel_defaults;
        struct ksm_plan plan;

        state.advisor_scan_time = true;
        ksm_plan_writes(&d, &state, &plan);
        EXPECT_INT(plan.count, 2);
        EXPECT_STR(ksm_file_name(plan.writes[0].file), "sleep_millisecs");
        EXPECT_STR(ksm_file_name(plan.writes[1].file), "run");
}

/* A temporary directory standing in for /sys/kernel/mm/ksm. */
static char directory[64];

static void write_file(const char *name, const char *text) {
        char path[128];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", directory, name);
        f = fopen(path, "w");
        if (!f)
                abort();
        fputs(text, f);
        fclose(f);
}

static void read_file(const char *name, char *buffer, size_t size) {
        char path[128];
        FILE *f;
        size_t n;

        snprintf(path, sizeof(path), "%s/%s", directory, name);
        f = fopen(path, "r");
        if (!f)
                abort();
        n = fread(buffer, 1, size - 1, f);
        buffer[n] = '\0';
        fclose(f);
}

static void make_directory(void) {
        snprintf(directory, sizeof(directory), "/tmp/ksmtuned-test-XXXXXX");
        if (!mkdtemp(directory))
                abort();
        write_file("run", "0\n");
        write_file("pages_to_scan", "100\n");
        write_file("sleep_millisecs", "20\n");
        write_file("advisor_mode", "[none] scan-time\n");
        write_file("pages_sharing", "4242\n");
}

static void remove_directory(void) {
        static const char *const files[] = { "run", "pages_to_scan", "sleep_millisecs", "advisor_mode", "pages_sharing" };
        char path[128];

        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                snprintf(path, sizeof(path), "%s/%s", directory, files[i]);
                unlink(path);
        }
        rmdir(directory);
}

static void ksm_read_state_from_files(void) {
        struct ksm ksm;
        struct ksm_state state;
        struct ksm_read_failure failure = { 0 };

        make_directory();
        EXPECT_INT(ksm_open(directory, &ksm), 0);
        EXPECT_INT(ksm_read_state(&ksm, &state, &failure), 0);
        EXPECT_INT(state.run, 0);
        EXPECT_INT(state.pages_to_scan, 100);
        EXPECT_INT(state.sleep_ms, 20);
        EXPECT(!state.advisor_scan_time);
        EXPECT_INT(state.pages_sharing, 4242);
        EXPECT(state.pages_shared == KSM_COUNTER_UNKNOWN);     /* missing counter */
        EXPECT(state.general_profit_bytes == KSM_COUNTER_UNKNOWN);

        write_file("advisor_mode", "none [scan-time]\n");
        EXPECT_INT(ksm_read_state(&ksm, &state, &failure), 0);
        EXPECT(state.advisor_scan_time);

        write_file("sleep_millisecs", "20 ms\n");
        EXPECT_INT(ksm_read_state(&ksm, &state, &failure), -EINVAL);
        EXPECT_STR(failure.file, "sleep_millisecs");
        EXPECT_STR(failure.text, "20 ms");

        ksm_close(&ksm);
        remove_directory();
}

/* A shorter value must replace a longer one whole: "64" after "1250". */
static void ksm_write_truncates_and_reads_back(void) {
        struct ksm ksm;
        int64_t read_back = 0;
        char text[32];

        make_directory();
        write_file("pages_to_scan", "1250\n");
        EXPECT_INT(ksm_open(directory, &ksm), 0);
        EXPECT_INT(ksm.write_error, 0);
        EXPECT_INT(ksm_write(&ksm, "pages_to_scan", 64, &read_back), 0);
        EXPECT_INT(read_back, 64);
        read_file("pages_to_scan", text, sizeof(text));
        EXPECT_STR(text, "64\n");

        EXPECT_INT(ksm_write(&ksm, "no_such_file", 1, &read_back), -ENOENT);
        ksm_close(&ksm);
        remove_directory();
}

static void ksm_open_missing_directory(void) {
        struct ksm ksm;

        EXPECT_INT(ksm_open("/nonexistent/ksm", &ksm), -ENOENT);
}

/* Without write permission the directory opens, with write_error set. Root
 * passes permission checks, so as root the child drops to another user. */
static void ksm_open_notes_unwritable(void) {
        char path[128];
        struct ksm ksm;
        pid_t child;
        int status = 0;

        make_directory();
        chmod(directory, 0755);
        snprintf(path, sizeof(path), "%s/run", directory);
        chmod(path, 0444);
        child = fork();
        if (child == 0) {
                if (geteuid() == 0 && setuid(65534) < 0)
                        _exit(2);
                if (ksm_open(directory, &ksm) < 0)
                        _exit(3);
                _exit(ksm.write_error == -EACCES ? 0 : 4);
        }
        waitpid(child, &status, 0);
        EXPECT(WIFEXITED(status));
        EXPECT_INT(WEXITSTATUS(status), 0);
        remove_directory();
}

int main(void) {
        RUN_TEST(ksm_plan_start);
        RUN_TEST(ksm_plan_steady_writes_nothing);
        RUN_TEST(ksm_plan_stop_writes_run_only);
        RUN_TEST(ksm_plan_leaves_advisor_alone);
        RUN_TEST(ksm_read_state_from_files);
        RUN_TEST(ksm_write_truncates_and_reads_back);
        RUN_TEST(ksm_open_missing_directory);
        RUN_TEST(ksm_open_notes_unwritable);
        return TEST_EXIT_STATUS;
}
