/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "number.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

int parse_int64(const char *text, int64_t *ret) {
        const char *digits = text[0] == '-' ? text + 1 : text;
        char *end = NULL;
        long long value;

        /* strtoll() alone would accept leading blanks, '+', and "0x" after a
         * base of 0; a config value or a kernel file has none of those. */
        if (!isdigit((unsigned char) digits[0]))
                return -EINVAL;

        errno = 0;
        value = strtoll(text, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (errno != 0 || end == text || *end != '\0')
                return -EINVAL;

        *ret = (int64_t) value;
        return 0;
}

int parse_boolean(const char *text, bool *ret) {
        static const char *const true_words[] = { "1", "yes", "y", "true", "on" };
        static const char *const false_words[] = { "", "0", "no", "n", "false", "off" };

        for (size_t i = 0; i < sizeof(true_words) / sizeof(true_words[0]); i++)
                if (strcasecmp(text, true_words[i]) == 0) {
                        *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < sizeof(false_words) / sizeof(false_words[0]); i++)
                if (strcasecmp(text, false_words[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        return -EINVAL;
}

uint64_t add_saturating(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

uint64_t percent_of(uint64_t value, int64_t percent) {
        uint64_t p = (uint64_t) percent;

        return value / 100 * p + value % 100 * p / 100;
}

int64_t clamp(int64_t value, int64_t min, int64_t max) {
        if (value < min)
                return min;
        if (value > max)
                return max;
        return value;
}
