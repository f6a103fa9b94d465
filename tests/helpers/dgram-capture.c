/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Binds a unix datagram socket at SOCKET and appends every datagram it
 * receives to OUTPUT, each followed by a line "--- end of datagram ---",
 * until it is killed. The tests point NOTIFY_SOCKET or the journal's native
 * socket at it to read what the daemon sends. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SEPARATOR "--- end of datagram ---\n"

/* Larger than any datagram the tests expect: sd_journal_send() passes
 * bigger entries in a memfd instead. */
static char buffer[256 * 1024];

static int write_all(int fd, const char *data, size_t length) {
        while (length > 0) {
                ssize_t n = write(fd, data, length);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                data += n;
                length -= (size_t) n;
        }
        return 0;
}

int main(int argc, char **argv) {
        struct sockaddr_un address = { .sun_family = AF_UNIX };
        int sock, out;

        if (argc != 3) {
                fprintf(stderr, "Usage: %s SOCKET OUTPUT\n"
                        "Append every datagram received on the unix socket SOCKET to OUTPUT.\n", argv[0]);
                return 2;
        }
        if (strlen(argv[1]) >= sizeof(address.sun_path)) {
                fprintf(stderr, "dgram-capture: socket path too long (allowed: at most %zu characters): %s\n",
                        sizeof(address.sun_path) - 1, argv[1]);
                return 2;
        }
        strcpy(address.sun_path, argv[1]);

        out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (out < 0) {
                fprintf(stderr, "dgram-capture: cannot open %s: %s\n", argv[2], strerror(errno));
                return 1;
        }

        sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0) {
                fprintf(stderr, "dgram-capture: socket() failed: %s\n", strerror(errno));
                return 1;
        }
        if (bind(sock, (struct sockaddr *) &address, sizeof(address)) < 0) {
                fprintf(stderr, "dgram-capture: cannot bind %s: %s\n", argv[1], strerror(errno));
                return 1;
        }

        for (;;) {
                ssize_t n = recv(sock, buffer, sizeof(buffer), 0);
                int r;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        fprintf(stderr, "dgram-capture: recv() failed: %s\n", strerror(errno));
                        return 1;
                }

                r = write_all(out, buffer, (size_t) n);
                /* sd_notify() messages end without a newline, journal entries with one. */
                if (r == 0 && (n == 0 || buffer[n - 1] != '\n'))
                        r = write_all(out, "\n", 1);
                if (r == 0)
                        r = write_all(out, SEPARATOR, strlen(SEPARATOR));
                if (r < 0) {
                        fprintf(stderr, "dgram-capture: writing %s failed: %s\n", argv[2], strerror(-r));
                        return 1;
                }
        }
}
