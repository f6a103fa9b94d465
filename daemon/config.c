/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <ini.h>

#include "number.h"
#include "tuner.h"

enum config_type {
        CONFIG_INTEGER,
        CONFIG_BOOLEAN,
        CONFIG_PATH,
        CONFIG_CHOICE,          /* one word of a list, stored as its number */
        CONFIG_URIS,            /* libvirt connection URIs separated by blanks */
        CONFIG_IGNORED,         /* a shell ksmtuned setting with no use here */
};

struct config_choice {
        const char *name;
        int64_t value;
};

struct config_key {
        const char *name;
        enum config_type type;
        size_t offset;
        int64_t default_value;  /* integers and booleans, while paths default to "" */
        int64_t min, max;       /* integers only */
        const char *unit;       /* shown in "allowed:" messages */
        const struct config_choice *choices;    /* choices only, ending with a NULL name */
        bool alias;             /* another name for a field that a key before it sets: not dumped */
        bool adaptive_only;     /* read only by KSM_POLICY=adaptive */
};

#define CHOICE_KEY(key, field, def, list) \
        { .name = key, .type = CONFIG_CHOICE, .offset = offsetof(struct config, field), \
          .default_value = def, .choices = list }

static const struct config_choice guest_source_choices[] = {
        { "auto", GUEST_SOURCE_AUTO },
        { "libvirt", GUEST_SOURCE_LIBVIRT },
        { "process", GUEST_SOURCE_PROCESS },
        { NULL, 0 },
};

static const struct config_choice guest_memory_choices[] = {
        { "rss", GUEST_MEMORY_RSS },
        { "pss", GUEST_MEMORY_PSS },
        { "assigned", GUEST_MEMORY_ASSIGNED },
        { NULL, 0 },
};

/* Proxmox VE's ksmtuned reads KSM_PS_METRIC, the ps(1) column to sum: rsz or pss. */
static const struct config_choice ps_metric_choices[] = {
        { "rsz", GUEST_MEMORY_RSS },
        { "rss", GUEST_MEMORY_RSS },
        { "pss", GUEST_MEMORY_PSS },
        { NULL, 0 },
};

static const struct config_choice policy_choices[] = {
        { "adaptive", POLICY_ADAPTIVE },
        { "legacy", POLICY_LEGACY },
        { NULL, 0 },
};

static const struct config_choice free_source_choices[] = {
        { "available", TUNER_FREE_AVAILABLE },
        { "legacy", TUNER_FREE_LEGACY_SUM },
        { NULL, 0 },
};

static const struct config_choice exit_choices[] = {
        { "keep", TUNER_EXIT_KEEP },
        { "stop", TUNER_EXIT_STOP },
        { "restore", TUNER_EXIT_RESTORE },
        { NULL, 0 },
};

/* A kernel setting that ksmtuned writes only when the file sets it. */
static const struct config_choice kernel_flag_choices[] = {
        { "0", 0 },
        { "1", 1 },
        { NULL, 0 },
};

/* The system instance of libvirt's QEMU driver, where virsh and
 * virt-manager put guests when run as root. */
#define DEFAULT_LIBVIRT_URIS "qemu:///system"

#define INTEGER_KEY(key, field, def, lo, hi, u) \
        { .name = key, .type = CONFIG_INTEGER, .offset = offsetof(struct config, field), \
          .default_value = def, .min = lo, .max = hi, .unit = u }

/* Keys of the adaptive policy only, which KSM_POLICY=legacy warns about. */
#define ADAPTIVE_INTEGER_KEY(key, field, def, lo, hi, u) \
        { .name = key, .type = CONFIG_INTEGER, .offset = offsetof(struct config, field), \
          .default_value = def, .min = lo, .max = hi, .unit = u, .adaptive_only = true }
#define ADAPTIVE_CHOICE_KEY(key, field, def, list) \
        { .name = key, .type = CONFIG_CHOICE, .offset = offsetof(struct config, field), \
          .default_value = def, .choices = list, .adaptive_only = true }
/* A boolean that defaults to off. */
#define ADAPTIVE_BOOLEAN_KEY(key, field) \
        { .name = key, .type = CONFIG_BOOLEAN, .offset = offsetof(struct config, field), \
          .default_value = 0, .adaptive_only = true }

/* The shell ksmtuned's keys keep its defaults, so that its files keep their
 * meaning; its algorithm itself needs KSM_POLICY=legacy. The ranges keep every value the kernel can be given valid:
 * pages_to_scan and sleep_millisecs are unsigned int in the kernel, and a
 * million pages (4 GiB on x86-64) per wake-up is already far beyond what
 * any tuning needs. */
static const struct config_key config_keys[] = {
        /* Seconds between two tuning cycles, at most a day. */
        INTEGER_KEY("KSM_MONITOR_INTERVAL", monitor_interval_s, 60, 1, 86400, "seconds"),
        /* sleep_millisecs on a 16 GiB host, scaled inversely to MemTotal. */
        INTEGER_KEY("KSM_SLEEP_MSEC", sleep_ms_per_16gib, 10, 1, 60000, "milliseconds per 16 GiB of RAM"),
        /* Pages added to pages_to_scan per cycle while free memory is below the threshold. */
        INTEGER_KEY("KSM_NPAGES_BOOST", npages_boost, 300, 0, 1000000, "pages"),
        /* Pages added (a negative number) per cycle while KSM runs with free memory above the threshold. */
        INTEGER_KEY("KSM_NPAGES_DECAY", npages_decay, -50, -1000000, 0, "pages"),
        /* Bounds of pages_to_scan. A pages_to_scan of 0 would make ksmd wake up and do nothing. */
        INTEGER_KEY("KSM_NPAGES_MIN", npages_min, 64, 1, 1000000, "pages"),
        INTEGER_KEY("KSM_NPAGES_MAX", npages_max, 1250, 1, 1000000, "pages"),
        /* The threshold is the larger of KSM_THRES_COEF percent of MemTotal and KSM_THRES_CONST KiB. */
        INTEGER_KEY("KSM_THRES_COEF", thres_coef_percent, 20, 0, 100, "percent of MemTotal"),
        INTEGER_KEY("KSM_THRES_CONST", thres_const_kib, 2048, 0, INT64_C(1) << 40, "KiB"),
        /* Per-cycle messages at debug level. */
        { .name = "DEBUG", .type = CONFIG_BOOLEAN, .offset = offsetof(struct config, debug),
          .default_value = 0 },
        /* A file that receives a copy of every message, unset by default. */
        { .name = "LOGFILE", .type = CONFIG_PATH, .offset = offsetof(struct config, logfile) },
        /* The shell version's PID file, unused because systemd tracks the daemon. */
        { .name = "PIDFILE", .type = CONFIG_IGNORED, .unit = "ksmtuned writes no PID file" },
        /* libvirt lists exactly the guests that run, while the process scan
         * guesses from executable names, so the scan is the fallback. */
        CHOICE_KEY("KSM_GUEST_SOURCE", guest_source, GUEST_SOURCE_AUTO, guest_source_choices),
        { .name = "KSM_LIBVIRT_URIS", .type = CONFIG_URIS, .offset = offsetof(struct config, libvirt_uris) },
        /* Resident memory, as the shell ksmtuned summed it. */
        CHOICE_KEY("KSM_GUEST_MEMORY", guest_memory, GUEST_MEMORY_RSS, guest_memory_choices),
        { .name = "KSM_PS_METRIC", .type = CONFIG_CHOICE, .offset = offsetof(struct config, guest_memory),
          .default_value = GUEST_MEMORY_RSS, .choices = ps_metric_choices, .alias = true },
        /* The adaptive policy stops scanning what is merged already; legacy
         * is the shell ksmtuned's algorithm. The defaults are those of
         * tuner_config_defaults(), except a scan time of 2 s and a CPU cap
         * of 25 %. Merging costs ksmd about 3.6 us of CPU per page at any
         * speed (measured with Linux 6.18), so scanning fast merges sooner
         * for the same CPU time, and the back-off slows ksmd down after. */
        CHOICE_KEY("KSM_POLICY", policy, POLICY_ADAPTIVE, policy_choices),
        ADAPTIVE_CHOICE_KEY("KSM_FREE_MEMORY", free_source, TUNER_FREE_AVAILABLE, free_source_choices),
        ADAPTIVE_INTEGER_KEY("KSM_STOP_MARGIN", stop_margin_percent, 5, 0, 100, "percent of MemTotal"),
        ADAPTIVE_INTEGER_KEY("KSM_SCAN_TIME", scan_time_s, 2, 1, 86400, "seconds"),
        ADAPTIVE_INTEGER_KEY("KSM_SLEEP_MAX_MSEC", sleep_max_ms, 1000, 10, 60000, "milliseconds"),
        ADAPTIVE_INTEGER_KEY("KSM_SCAN_GAIN_MIN", scan_gain_min_kib, 1024, 0, INT64_C(1) << 40, "KiB"),
        ADAPTIVE_INTEGER_KEY("KSM_MAX_CPU", max_cpu_percent, 25, 1, 100, "percent of one CPU"),
        ADAPTIVE_BOOLEAN_KEY("KSM_ADVISOR", advisor_handover),
        ADAPTIVE_INTEGER_KEY("KSM_YIELD_AFTER", yield_after, 3, 0, 1000000, "cycles"),
        ADAPTIVE_CHOICE_KEY("KSM_ON_EXIT", exit_action, TUNER_EXIT_KEEP, exit_choices),
        ADAPTIVE_BOOLEAN_KEY("KSM_UNMERGE_ON_EXIT", unmerge_on_exit),
        ADAPTIVE_CHOICE_KEY("KSM_MERGE_ACROSS_NODES", merge_across_nodes, TUNER_UNSET, kernel_flag_choices),
        ADAPTIVE_CHOICE_KEY("KSM_USE_ZERO_PAGES", use_zero_pages, TUNER_UNSET, kernel_flag_choices),
};

#define N_CONFIG_KEYS (sizeof(config_keys) / sizeof(config_keys[0]))

static int64_t *integer_field(struct config *config, const struct config_key *key) {
        return (int64_t *) (void *) ((char *) config + key->offset);
}

static const int64_t *integer_field_const(const struct config *config, const struct config_key *key) {
        return (const int64_t *) (const void *) ((const char *) config + key->offset);
}

static bool *boolean_field(struct config *config, const struct config_key *key) {
        return (bool *) (void *) ((char *) config + key->offset);
}

static char *path_field(struct config *config, const struct config_key *key) {
        return (char *) config + key->offset;
}

static const struct config_key *find_key(const char *name) {
        for (size_t i = 0; i < N_CONFIG_KEYS; i++)
                if (strcmp(config_keys[i].name, name) == 0)
                        return &config_keys[i];
        return NULL;
}

void config_set_defaults(struct config *config) {
        memset(config, 0, sizeof(*config));
        for (size_t i = 0; i < N_CONFIG_KEYS; i++) {
                const struct config_key *key = &config_keys[i];

                if (key->type == CONFIG_INTEGER)
                        *integer_field(config, key) = key->default_value;
                else if (key->type == CONFIG_BOOLEAN)
                        *boolean_field(config, key) = key->default_value != 0;
                else if (key->type == CONFIG_CHOICE && !key->alias)
                        *integer_field(config, key) = key->default_value;
        }
        snprintf(config->libvirt_uris, sizeof(config->libvirt_uris), "%s", DEFAULT_LIBVIRT_URIS);
}

/* An unset kernel setting has no name: its value in a dump is empty. */
static const char *choice_name(const struct config_choice *choices, int64_t value) {
        for (const struct config_choice *c = choices; c->name; c++)
                if (c->value == value)
                        return c->name;
        return "";
}

const char *config_guest_source_name(int64_t source) {
        return choice_name(guest_source_choices, source);
}

const char *config_guest_memory_name(int64_t memory) {
        return choice_name(guest_memory_choices, memory);
}

const char *config_policy_name(int64_t policy) {
        return choice_name(policy_choices, policy);
}

size_t config_split_uris(const struct config *config, char buffer[CONFIG_URIS_MAX],
                         const char *uris[CONFIG_URIS_COUNT_MAX]) {
        size_t count = 0;
        char *save = NULL;

        snprintf(buffer, CONFIG_URIS_MAX, "%s", config->libvirt_uris);
        for (char *word = strtok_r(buffer, " \t", &save); word && count < CONFIG_URIS_COUNT_MAX;
             word = strtok_r(NULL, " \t", &save))
                uris[count++] = word;
        return count;
}

static void free_lines(char ***lines, size_t *count) {
        for (size_t i = 0; i < *count; i++)
                free((*lines)[i]);
        free(*lines);
        *lines = NULL;
        *count = 0;
}

void config_report_clear(struct config_report *report) {
        free_lines(&report->errors, &report->n_errors);
        free_lines(&report->warnings, &report->n_warnings);
}

/* Allocation failures abort: a config file is a few hundred bytes. */
__attribute__((format(printf, 3, 0)))
static void append_line(char ***lines, size_t *count, const char *format, va_list ap) {
        char **grown;
        char *line = NULL;

        if (vasprintf(&line, format, ap) < 0)
                abort();
        grown = realloc(*lines, (*count + 1) * sizeof(*grown));
        if (!grown)
                abort();
        grown[(*count)++] = line;
        *lines = grown;
}

__attribute__((format(printf, 2, 3)))
static void add_error(struct config_report *report, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        append_line(&report->errors, &report->n_errors, format, ap);
        va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static void add_warning(struct config_report *report, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        append_line(&report->warnings, &report->n_warnings, format, ap);
        va_end(ap);
}

/* State shared by the line reader and the key handler while inih parses one
 * file. inih calls the handler right after it reads a line, so line_number is
 * the line of the key being handled. */
/* Lines are read into a fixed buffer, so that a file without newlines
 * cannot make the parser allocate without bound. inih's own limit, passed to
 * read_line(), is smaller still. */
#define LINE_BUFFER_SIZE 1024

struct parse_state {
        FILE *stream;
        const char *path;
        unsigned line_number;
        char line[LINE_BUFFER_SIZE];
        int read_errno;                         /* 0, or why reading the file failed */
        struct config config;
        unsigned key_lines[N_CONFIG_KEYS];      /* 0 when the key is not in the file */
        bool key_invalid[N_CONFIG_KEYS];        /* the key's last value had an error */
        struct config_report *report;
};

static char *skip_blanks(char *s) {
        while (*s == ' ' || *s == '\t')
                s++;
        return s;
}

/* Cuts a '#' comment that starts a word outside quotes, as a shell would,
 * and the blanks before it and at the end of the line. */
static void strip_comment(char *line) {
        char quote = 0;
        size_t length;

        for (char *p = line; *p; p++) {
                if (quote) {
                        if (*p == quote)
                                quote = 0;
                } else if (*p == '"' || *p == '\'') {
                        quote = *p;
                } else if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
                        *p = '\0';
                        break;
                }
        }

        length = strlen(line);
        while (length > 0 && (line[length - 1] == ' ' || line[length - 1] == '\t'))
                line[--length] = '\0';
}

/* Checks that text up to equals is a shell variable name, blanks around it allowed. */
static bool is_key_name(const char *text, const char *equals) {
        const char *end = equals;

        while (end > text && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
        if (end == text || !(isalpha((unsigned char) text[0]) || text[0] == '_'))
                return false;
        for (const char *p = text; p < end; p++)
                if (!isalnum((unsigned char) *p) && *p != '_')
                        return false;
        return true;
}

/* Reports what inih would misread or silently accept, and turns such lines
 * into blank ones so that each error is reported once, here. */
static bool line_is_acceptable(struct parse_state *state, const char *text, size_t max_length) {
        const char *equals = strchr(text, '=');
        const char *semicolon;

        if (strlen(text) > max_length) {
                add_error(state->report, "%s:%u: line too long (allowed: at most %zu characters before any comment)",
                          state->path, state->line_number, max_length);
                return false;
        }
        if (text[0] == '[') {
                add_error(state->report, "%s:%u: sections are not supported (allowed: KEY=VALUE lines)",
                          state->path, state->line_number);
                return false;
        }
        if (strncmp(text, "export", 6) == 0 && (text[6] == ' ' || text[6] == '\t')) {
                add_error(state->report, "%s:%u: shell commands are not supported: remove \"export\" (allowed: KEY=VALUE lines)",
                          state->path, state->line_number);
                return false;
        }
        if (!equals || !is_key_name(text, equals)) {
                add_error(state->report, "%s:%u: malformed line: expected KEY=VALUE",
                          state->path, state->line_number);
                return false;
        }
        /* inih would cut the value at a ';' after a blank, even inside quotes. */
        for (semicolon = strchr(equals, ';'); semicolon; semicolon = strchr(semicolon + 1, ';'))
                if (semicolon[-1] == ' ' || semicolon[-1] == '\t') {
                        add_error(state->report, "%s:%u: shell commands are not supported: remove the text from \";\" on "
                                  "(allowed: KEY=VALUE lines, with # comments)", state->path, state->line_number);
                        return false;
                }
        return true;
}

/* Reads one line into state->line without its line break. Returns 1, 0 at
 * the end of the file, -E2BIG for a line longer than the buffer, which is
 * read to its end and dropped, or -EILSEQ for a line with a NUL byte, which
 * string functions would cut short. */
static int read_bounded_line(struct parse_state *state) {
        size_t length = 0;
        bool too_long = false, has_nul = false;
        int c;

        while ((c = getc(state->stream)) != EOF && c != '\n') {
                if (c == '\0')
                        has_nul = true;
                if (length < sizeof(state->line) - 1)
                        state->line[length++] = (char) c;
                else
                        too_long = true;
        }
        if (ferror(state->stream)) {
                state->read_errno = errno != 0 ? errno : EIO;
                return 0;
        }
        if (c == EOF && length == 0 && !too_long)
                return 0;

        state->line_number++;
        state->line[length] = '\0';
        if (too_long)
                return -E2BIG;
        if (has_nul)
                return -EILSEQ;

        while (length > 0 && state->line[length - 1] == '\r')
                state->line[--length] = '\0';
        return 1;
}

/* The fgets()-style reader inih calls for each line. */
static char *read_line(char *buffer, int buffer_size, void *userdata) {
        struct parse_state *state = userdata;
        size_t max_length = (size_t) buffer_size - 3;   /* room for "\r\n\0", as inih counts */
        char *text;
        int r;

        r = read_bounded_line(state);
        if (r == 0)
                return NULL;
        if (r == -EILSEQ) {
                add_error(state->report, "%s:%u: line contains a NUL byte (allowed: text only)", state->path, state->line_number);
                snprintf(buffer, (size_t) buffer_size, "\n");
                return buffer;
        }
        if (r == -E2BIG) {
                /* A long comment is still a comment: its start is in the buffer. */
                if (skip_blanks(state->line)[0] == '#') {
                        snprintf(buffer, (size_t) buffer_size, "\n");
                        return buffer;
                }
                add_error(state->report, "%s:%u: line too long (allowed: at most %zu bytes, or any length for a comment line)",
                          state->path, state->line_number, sizeof(state->line) - 1);
                snprintf(buffer, (size_t) buffer_size, "\n");
                return buffer;
        }

        /* Editors on other systems may start the file with a UTF-8 byte order mark. */
        text = state->line;
        if (state->line_number == 1 && strncmp(text, "\xef\xbb\xbf", 3) == 0)
                text += 3;

        /* Leading blanks would make inih take the line as the continuation
         * of the previous value. */
        text = skip_blanks(text);
        if (text[0] == '#')
                text[0] = '\0';
        else
                strip_comment(text);

        if (text[0] != '\0' && !line_is_acceptable(state, text, max_length))
                text[0] = '\0';

        snprintf(buffer, (size_t) buffer_size, "%s\n", text);
        return buffer;
}

/* Strips one pair of matching quotes around the whole value. */
static const char *unquote(const char *value, char *buffer, size_t buffer_size) {
        size_t length = strlen(value);

        /* read_line() passes at most a line's worth, far less than buffer_size. */
        if (length >= 2 && length - 2 < buffer_size &&
            (value[0] == '"' || value[0] == '\'') && value[length - 1] == value[0]) {
                memcpy(buffer, value + 1, length - 2);
                buffer[length - 2] = '\0';
                return buffer;
        }
        return value;
}

/* An empty value means the default, as ${KEY:-default} did in the shell
 * version. Returns whether the value is valid. */
static bool check_integer(struct parse_state *state, const struct config_key *key, const char *value) {
        const char *digits = value[0] == '-' ? value + 1 : value;
        int64_t number;
        int r;

        if (value[0] == '\0') {
                *integer_field(&state->config, key) = key->default_value;
                return true;
        }

        /* Shell arithmetic read 010 as octal 8, so such a value is ambiguous. */
        if (digits[0] == '0' && isdigit((unsigned char) digits[1])) {
                add_error(state->report, "%s:%u: %s: invalid value \"%s\": leading zero, which the shell ksmtuned "
                          "read as octal (allowed: %" PRId64 " to %" PRId64 " %s, in decimal)",
                          state->path, state->line_number, key->name, value, key->min, key->max, key->unit);
                return false;
        }

        r = parse_int64(value, &number);
        if (r == 0 && number >= key->min && number <= key->max) {
                *integer_field(&state->config, key) = number;
                return true;
        }

        add_error(state->report, "%s:%u: %s: invalid value \"%s\": %s (allowed: %" PRId64 " to %" PRId64 " %s)",
                  state->path, state->line_number, key->name, value,
                  r == -EINVAL ? "not a whole number" : "out of range",
                  key->min, key->max, key->unit);
        return false;
}

static bool check_boolean(struct parse_state *state, const struct config_key *key, const char *value) {
        bool flag;

        if (parse_boolean(value, &flag) < 0) {
                add_error(state->report, "%s:%u: %s: invalid value \"%s\": not a boolean "
                          "(allowed: 1, yes, y, true, on, or 0, no, n, false, off, or empty for off)",
                          state->path, state->line_number, key->name, value);
                return false;
        }
        *boolean_field(&state->config, key) = flag;
        return true;
}

/* read_line() keeps lines far shorter than PATH_MAX, so a path always fits. */
static bool check_path(struct parse_state *state, const struct config_key *key, const char *value) {
        if (value[0] != '\0' && value[0] != '/') {
                add_error(state->report, "%s:%u: %s: invalid value \"%s\": not an absolute path (allowed: a path starting with /, or empty)",
                          state->path, state->line_number, key->name, value);
                return false;
        }
        snprintf(path_field(&state->config, key), PATH_MAX, "%s", value);
        return true;
}

static bool check_choice(struct parse_state *state, const struct config_key *key, const char *value) {
        char names[256] = "";

        if (value[0] == '\0') {
                *integer_field(&state->config, key) = key->default_value;
                return true;
        }
        for (const struct config_choice *c = key->choices; c->name; c++) {
                if (strcmp(c->name, value) == 0) {
                        *integer_field(&state->config, key) = c->value;
                        return true;
                }
                if (c != key->choices)
                        strcat(names, ", ");
                strcat(names, c->name);
        }
        add_error(state->report, "%s:%u: %s: invalid value \"%s\" (allowed: %s%s)",
                  state->path, state->line_number, key->name, value, names,
                  key->default_value == TUNER_UNSET ? ", or empty to leave the kernel's value" : "");
        return false;
}

/* A URI scheme, as RFC 3986 allows it: a letter, then letters, digits, '+', '-' or '.'. */
static bool has_uri_scheme(const char *word) {
        const char *p = word;

        if (!isalpha((unsigned char) *p))
                return false;
        while (isalnum((unsigned char) *p) || *p == '+' || *p == '-' || *p == '.')
                p++;
        return *p == ':';
}

static bool check_uris(struct parse_state *state, const struct config_key *key, const char *value) {
        char buffer[CONFIG_URIS_MAX];
        char *save = NULL;
        size_t count = 0;

        if (value[0] == '\0') {
                snprintf(state->config.libvirt_uris, sizeof(state->config.libvirt_uris), "%s", DEFAULT_LIBVIRT_URIS);
                return true;
        }
        /* read_line() keeps lines far shorter than the buffer. */
        if (strlen(value) >= sizeof(buffer))
                abort();
        memcpy(buffer, value, strlen(value) + 1);
        for (char *word = strtok_r(buffer, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
                const char *authority = strstr(word, "://");

                if (!has_uri_scheme(word)) {
                        add_error(state->report, "%s:%u: %s: invalid URI \"%s\": no scheme "
                                  "(allowed: libvirt URIs such as qemu:///system, separated by blanks)",
                                  state->path, state->line_number, key->name, word);
                        return false;
                }
                /* Another host's domains do not use this host's memory. */
                if (authority && authority[3] != '/' && authority[3] != '\0') {
                        add_error(state->report, "%s:%u: %s: invalid URI \"%s\": it names a host, and ksmtuned counts only "
                                  "this host's guests (allowed: local URIs such as qemu:///system)",
                                  state->path, state->line_number, key->name, word);
                        return false;
                }
                /* The same domains would count twice. */
                for (char *earlier = buffer; earlier < word; earlier += strlen(earlier) + 1) {
                        while (earlier < word && *earlier == '\0')
                                earlier++;
                        if (earlier < word && strcmp(earlier, word) == 0) {
                                add_error(state->report, "%s:%u: %s: URI \"%s\" is listed twice (allowed: each URI once)",
                                          state->path, state->line_number, key->name, word);
                                return false;
                        }
                }
                count++;
        }
        if (count == 0) {
                add_error(state->report, "%s:%u: %s: no URI in \"%s\" (allowed: libvirt URIs such as qemu:///system, "
                          "separated by blanks, or empty for the default)", state->path, state->line_number, key->name, value);
                return false;
        }
        if (count > CONFIG_URIS_COUNT_MAX) {
                add_error(state->report, "%s:%u: %s: %zu URIs (allowed: at most %d)",
                          state->path, state->line_number, key->name, count, CONFIG_URIS_COUNT_MAX);
                return false;
        }
        memcpy(state->config.libvirt_uris, value, strlen(value) + 1);
        return true;
}

static void report_unknown_key(struct parse_state *state, const char *name) {
        char names[1024] = "";
        size_t used = 0;

        for (size_t i = 0; i < N_CONFIG_KEYS; i++) {
                /* A key in the wrong case is a likely typo: name the right one. */
                if (strcasecmp(config_keys[i].name, name) == 0) {
                        add_error(state->report, "%s:%u: %s: unknown key; keys are upper case: did you mean %s?",
                                  state->path, state->line_number, name, config_keys[i].name);
                        return;
                }
                if (used < sizeof(names))
                        used += (size_t) snprintf(names + used, sizeof(names) - used, "%s%s",
                                                  i > 0 ? ", " : "", config_keys[i].name);
        }
        add_error(state->report, "%s:%u: %s: unknown key (allowed: %s)", state->path, state->line_number, name, names);
}

static int handle_key(void *userdata, const char *section, const char *name, const char *raw_value) {
        struct parse_state *state = userdata;
        const struct config_key *key = find_key(name);
        char buffer[PATH_MAX];
        const char *value;
        bool valid = true;

        (void) section;  /* read_line() rejects section headers */

        if (!key) {
                report_unknown_key(state, name);
                return 1;
        }
        state->key_lines[key - config_keys] = state->line_number;

        value = unquote(raw_value, buffer, sizeof(buffer));
        if (value == raw_value && (value[0] == '"' || value[0] == '\'')) {
                add_error(state->report, "%s:%u: %s: invalid value %s: unbalanced quote (allowed: a value in matching quotes, or none)",
                          state->path, state->line_number, key->name, raw_value);
                state->key_invalid[key - config_keys] = true;
                return 1;
        }
        if (strpbrk(value, "$`")) {
                add_error(state->report, "%s:%u: %s: invalid value \"%s\": shell expansion is not supported (allowed: a literal value)",
                          state->path, state->line_number, key->name, value);
                state->key_invalid[key - config_keys] = true;
                return 1;
        }

        switch (key->type) {
        case CONFIG_INTEGER:
                valid = check_integer(state, key, value);
                break;
        case CONFIG_BOOLEAN:
                valid = check_boolean(state, key, value);
                break;
        case CONFIG_PATH:
                valid = check_path(state, key, value);
                break;
        case CONFIG_CHOICE:
                valid = check_choice(state, key, value);
                break;
        case CONFIG_URIS:
                valid = check_uris(state, key, value);
                break;
        case CONFIG_IGNORED:
                add_warning(state->report, "%s:%u: %s: ignored: %s", state->path, state->line_number, key->name, key->unit);
                break;
        }
        state->key_invalid[key - config_keys] = !valid;
        return 1;
}

static unsigned key_line(const struct parse_state *state, const char *name) {
        return state->key_lines[find_key(name) - config_keys];
}

static bool key_invalid(const struct parse_state *state, const char *name) {
        return state->key_invalid[find_key(name) - config_keys];
}

/* Checks what no single key can: the bounds of pages_to_scan must not cross.
 * The error names the later of the two lines, where the conflict arises, and
 * is left out when either value is invalid already. */
static void check_consistency(struct parse_state *state) {
        unsigned min_line = key_line(state, "KSM_NPAGES_MIN");
        unsigned max_line = key_line(state, "KSM_NPAGES_MAX");
        unsigned memory_line = key_line(state, "KSM_GUEST_MEMORY");
        unsigned metric_line = key_line(state, "KSM_PS_METRIC");

        /* Keys the legacy policy does not read would otherwise look in effect. */
        if (state->config.policy == POLICY_LEGACY)
                for (size_t i = 0; i < N_CONFIG_KEYS; i++)
                        if (config_keys[i].adaptive_only && state->key_lines[i] > 0)
                                add_warning(state->report, "%s:%u: %s: ignored: the legacy policy does not use it "
                                            "(remove it, or set KSM_POLICY=adaptive)",
                                            state->path, state->key_lines[i], config_keys[i].name);

        /* Two names for one setting: which one counts would be a guess. */
        if (memory_line > 0 && metric_line > 0)
                add_error(state->report, "%s:%u: %s: already set on line %u by %s, which it is another name for "
                          "(allowed: one of KSM_GUEST_MEMORY and KSM_PS_METRIC)",
                          state->path, memory_line > metric_line ? memory_line : metric_line,
                          memory_line > metric_line ? "KSM_GUEST_MEMORY" : "KSM_PS_METRIC",
                          memory_line > metric_line ? metric_line : memory_line,
                          memory_line > metric_line ? "KSM_PS_METRIC" : "KSM_GUEST_MEMORY");

        if (state->config.npages_min <= state->config.npages_max ||
            key_invalid(state, "KSM_NPAGES_MIN") || key_invalid(state, "KSM_NPAGES_MAX"))
                return;

        if (min_line > max_line)
                add_error(state->report, "%s:%u: KSM_NPAGES_MIN: %" PRId64 " is greater than KSM_NPAGES_MAX %" PRId64 "%s"
                          " (allowed: at most KSM_NPAGES_MAX)",
                          state->path, min_line, state->config.npages_min, state->config.npages_max,
                          max_line == 0 ? ", its default; set KSM_NPAGES_MAX too" : "");
        else
                add_error(state->report, "%s:%u: KSM_NPAGES_MAX: %" PRId64 " is less than KSM_NPAGES_MIN %" PRId64 "%s"
                          " (allowed: at least KSM_NPAGES_MIN)",
                          state->path, max_line, state->config.npages_max, state->config.npages_min,
                          min_line == 0 ? ", its default; set KSM_NPAGES_MIN too" : "");
}

/* The line number of an error "PATH:LINE: ...", or 0 for one without a line. */
static unsigned long error_line(const char *error, size_t path_length) {
        return strtoul(error + path_length + 1, NULL, 10);
}

/* Sorts the errors of this file by line, keeping the order within a line,
 * because the check across keys runs after every line has been read. */
static void sort_errors(struct config_report *report, size_t first, const char *path) {
        size_t path_length = strlen(path);

        for (size_t i = first + 1; i < report->n_errors; i++) {
                char *error = report->errors[i];
                unsigned long line = error_line(error, path_length);
                size_t j = i;

                while (j > first && error_line(report->errors[j - 1], path_length) > line) {
                        report->errors[j] = report->errors[j - 1];
                        j--;
                }
                report->errors[j] = error;
        }
}

int config_parse(FILE *stream, const char *path, struct config *ret, struct config_report *report) {
        struct parse_state state = {
                .stream = stream,
                .path = path,
                .report = report,
        };
        size_t errors_before = report->n_errors;
        int r;

        config_set_defaults(&state.config);

        r = ini_parse_stream(read_line, &state, handle_key, &state);

        if (state.read_errno != 0) {
                add_error(report, "%s:%u: read failed: %s", path, state.line_number + 1, strerror(state.read_errno));
                return -state.read_errno;
        }
        /* read_line() and handle_key() report every error they see, so this is
         * a line inih rejected for a reason of its own. */
        if (r > 0 && report->n_errors == errors_before)
                add_error(report, "%s:%d: malformed line: expected KEY=VALUE", path, r);

        check_consistency(&state);
        sort_errors(report, errors_before, path);

        if (report->n_errors > errors_before)
                return -EINVAL;

        *ret = state.config;
        return 0;
}

int config_load(const char *path, bool missing_ok, struct config *ret, struct config_report *report) {
        FILE *stream;
        int r;

        stream = fopen(path, "re");
        if (stream) {
                struct stat st;

                /* fopen() opens a directory, whose first read then fails. */
                if (fstat(fileno(stream), &st) == 0 && S_ISDIR(st.st_mode)) {
                        fclose(stream);
                        stream = NULL;
                        errno = EISDIR;
                }
        }
        if (!stream) {
                r = -errno;
                if (r == -ENOENT && missing_ok) {
                        config_set_defaults(ret);
                        return 1;
                }
                add_error(report, "%s: cannot open: %s", path, strerror(-r));
                return r;
        }

        r = config_parse(stream, path, ret, report);
        fclose(stream);
        return r;
}

static void format_value(const struct config *config, const struct config_key *key, char *buffer, size_t size) {
        switch (key->type) {
        case CONFIG_INTEGER:
                snprintf(buffer, size, "%" PRId64, *integer_field_const(config, key));
                break;
        case CONFIG_BOOLEAN:
                snprintf(buffer, size, "%d", *(const bool *) (const void *) ((const char *) config + key->offset) ? 1 : 0);
                break;
        case CONFIG_PATH:
        case CONFIG_URIS:
                snprintf(buffer, size, "%s", (const char *) config + key->offset);
                break;
        case CONFIG_CHOICE:
                snprintf(buffer, size, "%s", choice_name(key->choices, *integer_field_const(config, key)));
                break;
        case CONFIG_IGNORED:
                buffer[0] = '\0';
                break;
        }
}

void config_dump(const struct config *config, FILE *out) {
        char value[PATH_MAX];

        for (size_t i = 0; i < N_CONFIG_KEYS; i++) {
                if (config_keys[i].type == CONFIG_IGNORED || config_keys[i].alias)
                        continue;
                format_value(config, &config_keys[i], value, sizeof(value));
                fprintf(out, "%s=%s\n", config_keys[i].name, value);
        }
}

void config_diff(const struct config *old_config, const struct config *new_config,
                 void (*report)(void *userdata, const char *key, const char *old_value, const char *new_value),
                 void *userdata) {
        char old_value[PATH_MAX], new_value[PATH_MAX];

        for (size_t i = 0; i < N_CONFIG_KEYS; i++) {
                if (config_keys[i].alias)
                        continue;
                format_value(old_config, &config_keys[i], old_value, sizeof(old_value));
                format_value(new_config, &config_keys[i], new_value, sizeof(new_value));
                if (strcmp(old_value, new_value) != 0)
                        report(userdata, config_keys[i].name, old_value, new_value);
        }
}
