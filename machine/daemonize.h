/*
 * machine/daemonize.h — -daemonize (daemonize.c).
 */
#ifndef NVEMU_MACHINE_DAEMONIZE_H
#define NVEMU_MACHINE_DAEMONIZE_H

#include <glib.h>
#include <stdbool.h>

/* daemonize.c, -daemonize: fork; the parent waits and exits 0 once the
 * child calls nv_daemon_ready() (the guest is about to run), or with the
 * child's status if it exits first. The child starts a new session. */
bool nv_daemon_start(GError **errp);
/* In a daemonized child: stdin, stdout, stderr to /dev/null, then tell
 * the parent. Otherwise (and after the first call) nothing. */
void nv_daemon_ready(void);

#endif
