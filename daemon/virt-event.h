/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <systemd/sd-event.h>

/* Runs libvirt's file descriptor watches and timeouts as sources of event,
 * so that libvirt's events, keepalives and connection closes are handled by
 * the daemon's one loop. Must be called once, before the first connection
 * is opened. libvirt's event API passes no user data to the implementation,
 * so it lives in this file, for the whole process. Returns 0 or a negative
 * errno. */
int virt_event_register(sd_event *event);

/* Releases every watch and timeout libvirt removed and detaches the rest
 * from the loop, before the loop is freed. */
void virt_event_unregister(void);
