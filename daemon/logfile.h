/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Opens path for appending log lines without following any symbolic link in
 * it, creating it with mode 0640 when missing. Rejects a file that is not a
 * regular file, has more than one hard link, or belongs to another user, so
 * that a link planted by another user cannot redirect root's writes. Returns
 * the file descriptor or a negative errno: -ELOOP for a symbolic link,
 * -EINVAL (or -ENXIO for a FIFO) for a file that is not a regular file,
 * -EMLINK for a hard link, -EPERM for another user's file. */
int logfile_open(const char *path);
