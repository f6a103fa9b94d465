/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Parses a whole decimal integer: an optional '-', then digits, nothing else.
 * Returns 0, -EINVAL when the text is not a whole number, or -ERANGE when it
 * does not fit in 64 bits. */
int parse_int64(const char *text, int64_t *ret);

/* Parses 1/yes/y/true/on and 0/no/n/false/off (case-insensitive); the empty
 * string is false. Returns 0 or -EINVAL. */
int parse_boolean(const char *text, bool *ret);

/* Adds without wrapping: the result saturates at UINT64_MAX. */
uint64_t add_saturating(uint64_t a, uint64_t b);

/* Returns value * percent / 100 rounded down, without overflowing for any
 * value; percent is 0 to 100. */
uint64_t percent_of(uint64_t value, int64_t percent);

/* Returns value limited to min and max. */
int64_t clamp(int64_t value, int64_t min, int64_t max);
