/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Number parsing, the rate limit and LOGFILE's safe open. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "logfile.h"
#include "number.h"
#include "test.h"

static void number_parses_whole_numbers(void) {
        static const struct {
                const char *text;
                int result;
                int64_t value;
        } cases[] = {
                { "0", 0, 0 }, { "1250", 0, 1250 }, { "-50", 0, -50 },
                { "9223372036854775807", 0, INT64_MAX }, { "-9223372036854775808", 0, INT64_MIN },
                { "9223372036854775808", -ERANGE, 0 },
                { "", -EINVAL, 0 }, { "-", -EINVAL, 0 }, { "+5", -EINVAL, 0 }, { " 5", -EINVAL, 0 },
                { "5 ", -EINVAL, 0 }, { "20.5", -EINVAL, 0 }, { "0x10", -EINVAL, 0 }, { "12abc", -EINVAL, 0 },
                { "1e3", -EINVAL, 0 }, { "--5", -EINVAL, 0 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int64_t value = 0;
                int r = parse_int64(cases[i].text, &value);

                if (r != cases[i].result || (r == 0 && value != cases[i].value)) {
                        printf("  parse_int64(\"%s\") = %d, value %lld; expected %d, value %lld\n", cases[i].text, r,
                               (long long) value, cases[i].result, (long long) cases[i].value);
                        test_current_failed = true;
                }
        }
}

static void number_saturating_add(void) {
        EXPECT(add_saturating(1, 2) == 3);
        EXPECT(add_saturating(UINT64_MAX - 1, 5) == UINT64_MAX);
}

static void ratelimit_bursts_then_suppresses(void) {
        struct ratelimit limit = RATELIMIT_INIT(1000, 3);
        unsigned suppressed = 99;

        EXPECT(ratelimit_check(&limit, 10, &suppressed));
        EXPECT_INT(suppressed, 0);
        EXPECT(ratelimit_check(&limit, 20, &suppressed));
        EXPECT(ratelimit_check(&limit, 30, &suppressed));
        EXPECT(!ratelimit_check(&limit, 40, &suppressed));
        EXPECT(!ratelimit_check(&limit, 1009, &suppressed));
        /* A new interval reports what the last one dropped. */
        EXPECT(ratelimit_check(&limit, 1010, &suppressed));
        EXPECT_INT(suppressed, 2);
        EXPECT(ratelimit_check(&limit, 1011, &suppressed));
        EXPECT_INT(suppressed, 0);
}

static char directory[64];

static void path_in(char *buffer, size_t size, const char *name) {
        snprintf(buffer, size, "%s/%s", directory, name);
}

static void logfile_creates_private_file(void) {
        char path[128];
        struct stat st;
        int fd;

        path_in(path, sizeof(path), "new.log");
        fd = logfile_open(path);
        EXPECT(fd >= 0);
        if (fd >= 0)
                close(fd);
        EXPECT_INT(stat(path, &st), 0);
        EXPECT_INT(st.st_mode & 0777, 0640);
        unlink(path);
}

static void logfile_rejects_links(void) {
        char target[128], link_path[128], link_directory[128], through_directory[128], hard_link[128];

        path_in(target, sizeof(target), "target.log");
        path_in(link_path, sizeof(link_path), "link.log");
        path_in(link_directory, sizeof(link_directory), "linked-dir");
        path_in(through_directory, sizeof(through_directory), "linked-dir/target.log");
        path_in(hard_link, sizeof(hard_link), "hard.log");

        close(open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0640));
        EXPECT_INT(symlink(target, link_path), 0);
        EXPECT_INT(symlink(directory, link_directory), 0);

        EXPECT_INT(logfile_open(link_path), -ELOOP);
        EXPECT_INT(logfile_open(through_directory), -ELOOP);

        EXPECT_INT(link(target, hard_link), 0);
        EXPECT_INT(logfile_open(target), -EMLINK);

        unlink(link_path);
        unlink(link_directory);
        unlink(hard_link);
        unlink(target);
}

static void logfile_rejects_fifo(void) {
        char path[128];

        path_in(path, sizeof(path), "fifo.log");
        EXPECT_INT(mkfifo(path, 0600), 0);
        /* No reader: the open fails at once instead of blocking. */
        EXPECT_INT(logfile_open(path), -ENXIO);
        unlink(path);
}

static void logfile_rejects_foreign_files(void) {
        char path[128];

        path_in(path, sizeof(path), "dir.log");
        EXPECT_INT(mkdir(path, 0700), 0);
        EXPECT_INT(logfile_open(path), -EISDIR);
        rmdir(path);

        /* Only root can give a file away; as another user this part has nothing to test. */
        path_in(path, sizeof(path), "other.log");
        close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0640));
        if (geteuid() == 0) {
                EXPECT_INT(chown(path, 65534, 65534), 0);
                EXPECT_INT(logfile_open(path), -EPERM);
        }
        unlink(path);
}

static void logfile_appends_lines(void) {
        struct logger log = { 0 };
        char path[128], text[512] = "";
        FILE *f;
        size_t n = 0;

        path_in(path, sizeof(path), "append.log");
        log_init(&log, LOG_TARGET_CONSOLE, false);
        EXPECT_INT(log_open_file(&log, path), 0);
        log_message(&log, LOG_INFO, "first %d", 1);
        log_message(&log, LOG_DEBUG, "hidden without debugging");
        log_message(&log, LOG_WARNING, "second");
        log_close(&log);

        f = fopen(path, "r");
        EXPECT(f != NULL);
        if (f) {
                n = fread(text, 1, sizeof(text) - 1, f);
                fclose(f);
        }
        text[n] = '\0';
        EXPECT(strstr(text, " info: first 1\n") != NULL);
        EXPECT(strstr(text, " warning: second\n") != NULL);
        EXPECT(strstr(text, "hidden") == NULL);
        unlink(path);
}

int main(void) {
        /* The 0640 check must not depend on the caller's umask. */
        umask(022);
        snprintf(directory, sizeof(directory), "/tmp/ksmtuned-test-XXXXXX");
        if (!mkdtemp(directory))
                return 1;

        RUN_TEST(number_parses_whole_numbers);
        RUN_TEST(number_saturating_add);
        RUN_TEST(ratelimit_bursts_then_suppresses);
        RUN_TEST(logfile_creates_private_file);
        RUN_TEST(logfile_rejects_links);
        RUN_TEST(logfile_rejects_fifo);
        RUN_TEST(logfile_rejects_foreign_files);
        RUN_TEST(logfile_appends_lines);

        rmdir(directory);
        return TEST_EXIT_STATUS;
}
