/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* O_NONBLOCK keeps a FIFO planted at path from blocking the open. */
#define LOGFILE_FLAGS (O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
#define LOGFILE_MODE 0640

static int open_without_links(const char *path) {
        struct open_how how = {
                .flags = LOGFILE_FLAGS,
                .mode = LOGFILE_MODE,
                .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        long fd;

        fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
        if (fd >= 0)
                return (int) fd;
        if (errno != ENOSYS)
                return -errno;

        /* NOTE: kernels before 5.6 lack openat2(); there only the last
         * component of the path is kept from being a link. */
        fd = open(path, LOGFILE_FLAGS, LOGFILE_MODE);
        return fd >= 0 ? (int) fd : -errno;
}

int logfile_open(const char *path) {
        struct stat st;
        int fd, r;

        fd = open_without_links(path);
        if (fd < 0)
                return fd;

        if (fstat(fd, &st) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        if (!S_ISREG(st.st_mode))
                r = -EINVAL;
        else if (st.st_nlink != 1)
                r = -EMLINK;
        else if (st.st_uid != geteuid())
                r = -EPERM;
        else
                return fd;

        close(fd);
        return r;
}
