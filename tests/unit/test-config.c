/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "test.h"

/* Parses text as the file "test.conf". */
static int parse_text(const char *text, struct config *config, struct config_report *report) {
        FILE *stream = fmemopen((void *) text, strlen(text), "r");
        int r;

        if (!stream)
                abort();
        config_set_defaults(config);
        r = config_parse(stream, "test.conf", config, report);
        fclose(stream);
        return r;
}

static bool has_line(const struct config_report *report, const char *line) {
        for (size_t i = 0; i < report->n_errors; i++)
                if (strcmp(report->errors[i], line) == 0)
                        return true;
        printf("  missing error line: %s\n", line);
        for (size_t i = 0; i < report->n_errors; i++)
                printf("    have: %s\n", report->errors[i]);
        return false;
}

static void config_empty_gives_defaults(void) {
        struct config_report report = { 0 };
        struct config config;

        EXPECT_INT(parse_text("", &config, &report), 0);
        EXPECT_INT(config.monitor_interval_s, 60);
        EXPECT_INT(config.sleep_ms_per_16gib, 10);
        EXPECT_INT(config.npages_boost, 300);
        EXPECT_INT(config.npages_decay, -50);
        EXPECT_INT(config.npages_min, 64);
        EXPECT_INT(config.npages_max, 1250);
        EXPECT_INT(config.thres_coef_percent, 20);
        EXPECT_INT(config.thres_const_kib, 2048);
        EXPECT(!config.debug);
        EXPECT_STR(config.logfile, "");
        EXPECT_INT(report.n_errors, 0);
}

static void config_every_key_parses(void) {
        struct config_report report = { 0 };
        struct config config;
        const char *text =
                "# a shell-style ksmtuned.conf\n"
                "\n"
                "KSM_MONITOR_INTERVAL=30\n"
                "KSM_SLEEP_MSEC=\"20\"\n"
                "KSM_NPAGES_BOOST='500'   # more\n"
                "  KSM_NPAGES_DECAY=-25\n"
                "KSM_NPAGES_MIN=32\t# tab before the comment\n"
                "KSM_NPAGES_MAX=2000\r\n"
                "KSM_THRES_COEF=0\n"
                "KSM_THRES_CONST=4096\n"
                "DEBUG=yes\n"
                "LOGFILE=\"/var/log/ksm#tuned\"  # '#' inside quotes stays\n";

        EXPECT_INT(parse_text(text, &config, &report), 0);
        EXPECT_INT(report.n_errors, 0);
        EXPECT_INT(config.monitor_interval_s, 30);
        EXPECT_INT(config.sleep_ms_per_16gib, 20);
        EXPECT_INT(config.npages_boost, 500);
        EXPECT_INT(config.npages_decay, -25);
        EXPECT_INT(config.npages_min, 32);
        EXPECT_INT(config.npages_max, 2000);
        EXPECT_INT(config.thres_coef_percent, 0);
        EXPECT_INT(config.thres_const_kib, 4096);
        EXPECT(config.debug);
        EXPECT_STR(config.logfile, "/var/log/ksm#tuned");
        config_report_clear(&report);
}

/* Laid out as the file distributions ship with the shell ksmtuned: all comments. */
static void config_shell_default_file(void) {
        struct config_report report = { 0 };
        struct config config;
        const char *text =
                "# Settings of the KSM tuner.\n\n"
                "# Seconds between adjustments\n"
                "# KSM_MONITOR_INTERVAL=60\n\n"
                "# KSM_NPAGES_BOOST=300\n"
                "# Debugging output\n\n"
                "# LOGFILE=/var/log/ksmtuned\n"
                "# DEBUG=1\n";

        EXPECT_INT(parse_text(text, &config, &report), 0);
        EXPECT_INT(report.n_errors, 0);
        EXPECT_INT(config.npages_max, 1250);
}

static void config_booleans(void) {
        static const struct {
                const char *text;
                bool expected;
        } cases[] = {
                { "DEBUG=1\n", true }, { "DEBUG=on\n", true }, { "DEBUG=TRUE\n", true },
                { "DEBUG=0\n", false }, { "DEBUG=no\n", false }, { "DEBUG=\n", false }, { "DEBUG=\"\"\n", false },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct config_report report = { 0 };
                struct config config;

                EXPECT_INT(parse_text(cases[i].text, &config, &report), 0);
                EXPECT_INT(config.debug, cases[i].expected);
        }
}

static void config_last_duplicate_wins(void) {
        struct config_report report = { 0 };
        struct config config;

        EXPECT_INT(parse_text("KSM_NPAGES_MAX=2000\nKSM_NPAGES_MAX=3000\n", &config, &report), 0);
        EXPECT_INT(config.npages_max, 3000);
}

static void config_all_errors_with_lines(void) {
        struct config_report report = { 0 };
        struct config config;
        char text[1024];
        char long_line[260];

        memset(long_line, 'x', sizeof(long_line) - 1);
        long_line[sizeof(long_line) - 1] = '\0';
        memcpy(long_line, "LOGFILE=/", 9);

        snprintf(text, sizeof(text),
                 "KSM_THRES_COEF=20.5\n"                /* 1 */
                 "KSM_NPAGES_BOOST=12abc\n"             /* 2 */
                 "KSM_MONITOR_INTERVAL=0\n"             /* 3 */
                 "KSM_SLEEP_MSEC=010\n"                 /* 4 */
                 "NO_SUCH_KEY=1\n"                      /* 5 */
                 "[section]\n"                          /* 6 */
                 "just words\n"                         /* 7 */
                 "LOGFILE=$HOME/ksm.log\n"              /* 8 */
                 "export KSM_NPAGES_MIN=10\n"           /* 9 */
                 "%s\n"                                 /* 10 */
                 "DEBUG=maybe\n"                        /* 11 */
                 "LOGFILE=relative.log\n"               /* 12 */
                 "KSM_NPAGES_DECAY=50\n"                /* 13 */
                 "KSM_THRES_CONST=99999999999999999999\n" /* 14 */
                 "KSM_NPAGES_MIN=`echo 5`\n"            /* 15 */
                 "KSM_NPAGES_BOOST=0x10\n",             /* 16 */
                 long_line);

        config.npages_max = 777;
        EXPECT_INT(parse_text(text, &config, &report), -EINVAL);
        /* On error the caller's settings stay as they were. */
        EXPECT_INT(config.npages_max, 1250);

        EXPECT(has_line(&report, "test.conf:1: KSM_THRES_COEF: invalid value \"20.5\": not a whole number (allowed: 0 to 100 percent of MemTotal)"));
        EXPECT(has_line(&report, "test.conf:2: KSM_NPAGES_BOOST: invalid value \"12abc\": not a whole number (allowed: 0 to 1000000 pages)"));
        EXPECT(has_line(&report, "test.conf:3: KSM_MONITOR_INTERVAL: invalid value \"0\": out of range (allowed: 1 to 86400 seconds)"));
        EXPECT(has_line(&report, "test.conf:4: KSM_SLEEP_MSEC: invalid value \"010\": leading zero, which the shell ksmtuned read as octal "
                                 "(allowed: 1 to 60000 milliseconds per 16 GiB of RAM, in decimal)"));
        EXPECT(has_line(&report, "test.conf:5: NO_SUCH_KEY: unknown key (allowed: KSM_MONITOR_INTERVAL, KSM_SLEEP_MSEC, KSM_NPAGES_BOOST, "
                                 "KSM_NPAGES_DECAY, KSM_NPAGES_MIN, KSM_NPAGES_MAX, KSM_THRES_COEF, KSM_THRES_CONST, DEBUG, LOGFILE, PIDFILE, "
                           "KSM_GUEST_SOURCE, KSM_LIBVIRT_URIS, KSM_GUEST_MEMORY, KSM_PS_METRIC, KSM_POLICY, KSM_FREE_MEMORY, "
                           "KSM_STOP_MARGIN, KSM_SCAN_TIME, KSM_SLEEP_MAX_MSEC, KSM_SCAN_GAIN_MIN, KSM_MAX_CPU, KSM_ADVISOR, "
                           "KSM_YIELD_AFTER, KSM_ON_EXIT, KSM_UNMERGE_ON_EXIT, KSM_MERGE_ACROSS_NODES, KSM_USE_ZERO_PAGES)"));
        EXPECT(has_line(&report, "test.conf:6: sections are not supported (allowed: KEY=VALUE lines)"));
        EXPECT(has_line(&report, "test.conf:7: malformed line: expected KEY=VALUE"));
        EXPECT(has_line(&report, "test.conf:8: LOGFILE: invalid value \"$HOME/ksm.log\": shell expansion is not supported (allowed: a literal value)"));
        EXPECT(has_line(&report, "test.conf:9: shell commands are not supported: remove \"export\" (allowed: KEY=VALUE lines)"));
        EXPECT(has_line(&report, "test.conf:10: line too long (allowed: at most 197 characters before any comment)"));
        EXPECT(has_line(&report, "test.conf:11: DEBUG: invalid value \"maybe\": not a boolean (allowed: 1, yes, y, true, on, or 0, no, n, false, off, or empty for off)"));
        EXPECT(has_line(&report, "test.conf:12: LOGFILE: invalid value \"relative.log\": not an absolute path (allowed: a path starting with /, or empty)"));
        EXPECT(has_line(&report, "test.conf:13: KSM_NPAGES_DECAY: invalid value \"50\": out of range (allowed: -1000000 to 0 pages)"));
        EXPECT(has_line(&report, "test.conf:14: KSM_THRES_CONST: invalid value \"99999999999999999999\": out of range (allowed: 0 to 1099511627776 KiB)"));
        EXPECT(has_line(&report, "test.conf:15: KSM_NPAGES_MIN: invalid value \"`echo 5`\": shell expansion is not supported (allowed: a literal value)"));
        EXPECT(has_line(&report, "test.conf:16: KSM_NPAGES_BOOST: invalid value \"0x10\": not a whole number (allowed: 0 to 1000000 pages)"));
        EXPECT_INT(report.n_errors, 16);
        config_report_clear(&report);
}

static void config_min_above_max(void) {
        struct config_report report = { 0 };
        struct config config;

        EXPECT_INT(parse_text("KSM_NPAGES_MAX=100\n\nKSM_NPAGES_MIN=200\n", &config, &report), -EINVAL);
        EXPECT(has_line(&report, "test.conf:3: KSM_NPAGES_MIN: 200 is greater than KSM_NPAGES_MAX 100 (allowed: at most KSM_NPAGES_MAX)"));
        config_report_clear(&report);

        EXPECT_INT(parse_text("KSM_NPAGES_MIN=2000\n", &config, &report), -EINVAL);
        EXPECT(has_line(&report, "test.conf:1: KSM_NPAGES_MIN: 2000 is greater than KSM_NPAGES_MAX 1250, its default; set KSM_NPAGES_MAX too (allowed: at most KSM_NPAGES_MAX)"));
        config_report_clear(&report);

        EXPECT_INT(parse_text("KSM_NPAGES_MIN=100\nKSM_NPAGES_MAX=50\n", &config, &report), -EINVAL);
        EXPECT(has_line(&report, "test.conf:2: KSM_NPAGES_MAX: 50 is less than KSM_NPAGES_MIN 100 (allowed: at least KSM_NPAGES_MIN)"));
        config_report_clear(&report);
}

/* A '#' glued to a value is part of it, as in shell. */
static void config_hash_inside_word(void) {
        struct config_report report = { 0 };
        struct config config;

        EXPECT_INT(parse_text("KSM_NPAGES_MAX=100#x\n", &config, &report), -EINVAL);
        EXPECT(has_line(&report, "test.conf:1: KSM_NPAGES_MAX: invalid value \"100#x\": not a whole number (allowed: 1 to 1000000 pages)"));
        config_report_clear(&report);
}

static void config_byte_order_mark(void) {
        struct config_report report = { 0 };
        struct config config;

        EXPECT_INT(parse_text("\xef\xbb\xbf# saved on another system\nKSM_NPAGES_MAX=100\n", &config, &report), 0);
        EXPECT_INT(report.n_errors, 0);
        EXPECT_INT(config.npages_max, 100);
        EXPECT_INT(parse_text("\xef\xbb\xbfKSM_NPAGES_MAX=200\n", &config, &report), 0);
        EXPECT_INT(config.npages_max, 200);
}

/* The check across keys runs last, but its error takes its place by line. */
static void config_errors_in_line_order(void) {
        struct config_report report = { 0 };
        struct config config;

        EXPECT_INT(parse_text("KSM_NPAGES_MIN=2000\nKSM_THRES_COEF=x\n", &config, &report), -EINVAL);
        EXPECT_INT(report.n_errors, 2);
        if (report.n_errors == 2) {
                EXPECT(strncmp(report.errors[0], "test.conf:1: KSM_NPAGES_MIN:", 28) == 0);
                EXPECT(strncmp(report.errors[1], "test.conf:2: KSM_THRES_COEF:", 28) == 0);
        }
        config_report_clear(&report);
}

/* An empty number means the default, as ${KEY:-default} did in shell. */
static void config_empty_number_is_default(void) {
        struct config_report report = { 0 };
        struct config config;

        EXPECT_INT(parse_text("KSM_SLEEP_MSEC=\nKSM_NPAGES_MAX=\"\"\n", &config, &report), 0);
        EXPECT_INT(report.n_errors, 0);
        EXPECT_INT(config.sleep_ms_per_16gib, 10);
        EXPECT_INT(config.npages_max, 1250);
}

/* inih splits on ':' and cuts at " ;"; neither may change a value silently. */
static void config_rejects_inih_syntax(void) {
        struct config_report report = { 0 };
        struct config config;

        EXPECT_INT(parse_text("LOGFILE:/tmp/x=1\nDEBUG:yes\nLOGFILE=\"/tmp/a ;b\"\nKSM_THRES_COEF=25 ;x\n;comment\n",
                              &config, &report), -EINVAL);
        EXPECT(has_line(&report, "test.conf:1: malformed line: expected KEY=VALUE"));
        EXPECT(has_line(&report, "test.conf:2: malformed line: expected KEY=VALUE"));
        EXPECT(has_line(&report, "test.conf:3: shell commands are not supported: remove the text from \";\" on "
                                 "(allowed: KEY=VALUE lines, with # comments)"));
        EXPECT(has_line(&report, "test.conf:4: shell commands are not supported: remove the text from \";\" on "
                                 "(allowed: KEY=VALUE lines, with # comments)"));
        EXPECT(has_line(&report, "test.conf:5: malformed line: expected KEY=VALUE"));
        EXPECT_INT(report.n_errors, 5);
        config_report_clear(&report);

        /* A ';' glued to the text is part of the value and reaches the checks. */
        EXPECT_INT(parse_text("LOGFILE=/tmp/a;b\nKEY_WITH BLANK=1\n", &config, &report), -EINVAL);
        EXPECT(has_line(&report, "test.conf:2: malformed line: expected KEY=VALUE"));
        EXPECT_INT(report.n_errors, 1);
        config_report_clear(&report);
}

/* The MIN/MAX check does not compare against a value already rejected. */
static void config_no_second_error(void) {
        struct config_report report = { 0 };
        struct config config;

        EXPECT_INT(parse_text("KSM_NPAGES_MIN=2000\nKSM_NPAGES_MAX=abc\n", &config, &report), -EINVAL);
        EXPECT_INT(report.n_errors, 1);
        EXPECT(has_line(&report, "test.conf:2: KSM_NPAGES_MAX: invalid value \"abc\": not a whole number (allowed: 1 to 1000000 pages)"));
        config_report_clear(&report);
}

static void config_lowercase_key_hint(void) {
        struct config_report report = { 0 };
        struct config config;

        EXPECT_INT(parse_text("ksm_npages_max=100\n", &config, &report), -EINVAL);
        EXPECT(has_line(&report, "test.conf:1: ksm_npages_max: unknown key; keys are upper case: did you mean KSM_NPAGES_MAX?"));
        config_report_clear(&report);
}

/* A file of one endless line is rejected without reading it into memory. */
static void config_endless_line(void) {
        struct config_report report = { 0 };
        struct config config;
        size_t size = 1 << 20;
        char *text = malloc(size + 1);

        if (!text)
                abort();
        memset(text, 'x', size);
        text[size] = '\0';
        memcpy(text, "KSM_NPAGES_MAX=", 15);
        EXPECT_INT(parse_text(text, &config, &report), -EINVAL);
        EXPECT_INT(report.n_errors, 1);
        EXPECT(has_line(&report, "test.conf:1: line too long (allowed: at most 1023 bytes, or any length for a comment line)"));
        config_report_clear(&report);

        /* A comment of any length is fine, and the next line still counts. */
        memcpy(text, "# comment", 9);
        memcpy(text + size - 19, "\nKSM_NPAGES_MAX=99\n", 19);
        EXPECT_INT(parse_text(text, &config, &report), 0);
        EXPECT_INT(report.n_errors, 0);
        EXPECT_INT(config.npages_max, 99);
        config_report_clear(&report);
        free(text);
}

static void config_unbalanced_quote(void) {
        struct config_report report = { 0 };
        struct config config;

        EXPECT_INT(parse_text("DEBUG=\"1\n", &config, &report), -EINVAL);
        EXPECT(has_line(&report, "test.conf:1: DEBUG: invalid value \"1: unbalanced quote (allowed: a value in matching quotes, or none)"));
        config_report_clear(&report);
}

static void config_nul_byte(void) {
        struct config_report report = { 0 };
        struct config config;
        static const char text[] = "KSM_NPAGES_MAX=2000\0 junk\nKSM_NPAGES_MIN=100\n";
        FILE *stream = fmemopen((void *) text, sizeof(text) - 1, "r");

        if (!stream)
                abort();
        EXPECT_INT(config_parse(stream, "test.conf", &config, &report), -EINVAL);
        fclose(stream);
        EXPECT_INT(report.n_errors, 1);
        EXPECT(has_line(&report, "test.conf:1: line contains a NUL byte (allowed: text only)"));
        config_report_clear(&report);
}

static void config_directory_path(void) {
        struct config_report report = { 0 };
        struct config config;

        EXPECT_INT(config_load("/tmp", false, &config, &report), -EISDIR);
        EXPECT(has_line(&report, "/tmp: cannot open: Is a directory"));
        config_report_clear(&report);
}

static void config_pidfile_ignored(void) {
        struct config_report report = { 0 };
        struct config config;

        EXPECT_INT(parse_text("PIDFILE=/run/ksmtune.pid\n", &config, &report), 0);
        EXPECT_INT(report.n_errors, 0);
        EXPECT_INT(report.n_warnings, 1);
        if (report.n_warnings == 1)
                EXPECT_STR(report.warnings[0], "test.conf:1: PIDFILE: ignored: ksmtuned writes no PID file");
        config_report_clear(&report);
}

static void config_load_missing_file(void) {
        struct config_report report = { 0 };
        struct config config;

        EXPECT_INT(config_load("/nonexistent/ksmtuned.conf", true, &config, &report), 1);
        EXPECT_INT(config.npages_max, 1250);
        EXPECT_INT(report.n_errors, 0);

        EXPECT_INT(config_load("/nonexistent/ksmtuned.conf", false, &config, &report), -ENOENT);
        EXPECT(has_line(&report, "/nonexistent/ksmtuned.conf: cannot open: No such file or directory"));
        config_report_clear(&report);
}

static unsigned diff_count;
static char diff_last[256];

static void record_diff(void *userdata, const char *key, const char *old_value, const char *new_value) {
        (void) userdata;
        diff_count++;
        snprintf(diff_last, sizeof(diff_last), "%s %s->%s", key, old_value, new_value);
}

static void config_diff_reports_changes(void) {
        struct config a, b;

        config_set_defaults(&a);
        b = a;
        config_diff(&a, &b, record_diff, NULL);
        EXPECT_INT(diff_count, 0);

        b.npages_max = 2000;
        config_diff(&a, &b, record_diff, NULL);
        EXPECT_INT(diff_count, 1);
        EXPECT_STR(diff_last, "KSM_NPAGES_MAX 1250->2000");
}

static void config_guest_keys(void) {
        struct config_report report = { 0 };
        struct config config;
        char buffer[CONFIG_URIS_MAX];
        const char *uris[CONFIG_URIS_COUNT_MAX];

        EXPECT_INT(parse_text("", &config, &report), 0);
        EXPECT_INT(config.guest_source, GUEST_SOURCE_AUTO);
        EXPECT_INT(config.guest_memory, GUEST_MEMORY_RSS);
        EXPECT_INT(config_split_uris(&config, buffer, uris), 1);
        EXPECT_STR(uris[0], "qemu:///system");

        EXPECT_INT(parse_text("KSM_GUEST_SOURCE=process\nKSM_GUEST_MEMORY=assigned\n"
                              "KSM_LIBVIRT_URIS=\"qemu:///system  qemu+unix:///session?socket=/run/a.sock\"\n",
                              &config, &report), 0);
        EXPECT_INT(config.guest_source, GUEST_SOURCE_PROCESS);
        EXPECT_INT(config.guest_memory, GUEST_MEMORY_ASSIGNED);
        EXPECT_INT(config_split_uris(&config, buffer, uris), 2);
        EXPECT_STR(uris[1], "qemu+unix:///session?socket=/run/a.sock");

        /* Proxmox VE's name and its ps(1) column names. */
        EXPECT_INT(parse_text("KSM_PS_METRIC=pss\n", &config, &report), 0);
        EXPECT_INT(config.guest_memory, GUEST_MEMORY_PSS);
        EXPECT_INT(parse_text("KSM_PS_METRIC=rsz\n", &config, &report), 0);
        EXPECT_INT(config.guest_memory, GUEST_MEMORY_RSS);
        EXPECT_INT(report.n_errors, 0);

        EXPECT_INT(parse_text("KSM_GUEST_SOURCE=virsh\nKSM_GUEST_MEMORY=PSS\nKSM_LIBVIRT_URIS=/run/libvirt-sock\n"
                              "KSM_PS_METRIC=assigned\nKSM_GUEST_MEMORY=pss\n", &config, &report), -EINVAL);
        EXPECT(has_line(&report, "test.conf:1: KSM_GUEST_SOURCE: invalid value \"virsh\" (allowed: auto, libvirt, process)"));
        EXPECT(has_line(&report, "test.conf:2: KSM_GUEST_MEMORY: invalid value \"PSS\" (allowed: rss, pss, assigned)"));
        EXPECT(has_line(&report, "test.conf:3: KSM_LIBVIRT_URIS: invalid URI \"/run/libvirt-sock\": no scheme "
                                 "(allowed: libvirt URIs such as qemu:///system, separated by blanks)"));
        EXPECT(has_line(&report, "test.conf:4: KSM_PS_METRIC: invalid value \"assigned\" (allowed: rsz, rss, pss)"));
        EXPECT(has_line(&report, "test.conf:5: KSM_GUEST_MEMORY: already set on line 4 by KSM_PS_METRIC, which it is "
                                 "another name for (allowed: one of KSM_GUEST_MEMORY and KSM_PS_METRIC)"));
        EXPECT_INT(report.n_errors, 5);
        config_report_clear(&report);

        /* Another host's guests, and one connection listed twice. */
        EXPECT_INT(parse_text("KSM_LIBVIRT_URIS=qemu+ssh://root@host2/system\n"
                              "KSM_LIBVIRT_URIS=\"qemu:///system test:///default qemu:///system\"\n", &config, &report), -EINVAL);
        EXPECT(has_line(&report, "test.conf:1: KSM_LIBVIRT_URIS: invalid URI \"qemu+ssh://root@host2/system\": it names a host, "
                                 "and ksmtuned counts only this host's guests (allowed: local URIs such as qemu:///system)"));
        EXPECT(has_line(&report, "test.conf:2: KSM_LIBVIRT_URIS: URI \"qemu:///system\" is listed twice (allowed: each URI once)"));
        EXPECT_INT(report.n_errors, 2);
        config_report_clear(&report);

        /* Only blanks: no URI at all. */
        EXPECT_INT(parse_text("KSM_LIBVIRT_URIS=\" \"\n", &config, &report), -EINVAL);
        EXPECT(has_line(&report, "test.conf:1: KSM_LIBVIRT_URIS: no URI in \" \" (allowed: libvirt URIs such as "
                                 "qemu:///system, separated by blanks, or empty for the default)"));
        config_report_clear(&report);
}

/* Keys of the adaptive policy in a file that selects legacy are warned about. */
static void config_legacy_ignores_adaptive_keys(void) {
        struct config_report report = { 0 };
        struct config config;

        EXPECT_INT(parse_text("KSM_SCAN_TIME=5\nKSM_POLICY=legacy\nKSM_NPAGES_BOOST=100\nKSM_ON_EXIT=stop\n",
                              &config, &report), 0);
        EXPECT_INT(report.n_warnings, 2);
        if (report.n_warnings == 2) {
                EXPECT_STR(report.warnings[0], "test.conf:1: KSM_SCAN_TIME: ignored: the legacy policy does not use it "
                                               "(remove it, or set KSM_POLICY=adaptive)");
                EXPECT_STR(report.warnings[1], "test.conf:4: KSM_ON_EXIT: ignored: the legacy policy does not use it "
                                               "(remove it, or set KSM_POLICY=adaptive)");
        }
        config_report_clear(&report);

        EXPECT_INT(parse_text("KSM_SCAN_TIME=5\nKSM_ON_EXIT=stop\n", &config, &report), 0);
        EXPECT_INT(report.n_warnings, 0);
        config_report_clear(&report);
}

int main(void) {
        RUN_TEST(config_empty_gives_defaults);
        RUN_TEST(config_guest_keys);
        RUN_TEST(config_legacy_ignores_adaptive_keys);
        RUN_TEST(config_every_key_parses);
        RUN_TEST(config_shell_default_file);
        RUN_TEST(config_booleans);
        RUN_TEST(config_last_duplicate_wins);
        RUN_TEST(config_all_errors_with_lines);
        RUN_TEST(config_min_above_max);
        RUN_TEST(config_hash_inside_word);
        RUN_TEST(config_byte_order_mark);
        RUN_TEST(config_errors_in_line_order);
        RUN_TEST(config_empty_number_is_default);
        RUN_TEST(config_rejects_inih_syntax);
        RUN_TEST(config_no_second_error);
        RUN_TEST(config_lowercase_key_hint);
        RUN_TEST(config_endless_line);
        RUN_TEST(config_unbalanced_quote);
        RUN_TEST(config_nul_byte);
        RUN_TEST(config_directory_path);
        RUN_TEST(config_pidfile_ignored);
        RUN_TEST(config_load_missing_file);
        RUN_TEST(config_diff_reports_changes);
        return TEST_EXIT_STATUS;
}
