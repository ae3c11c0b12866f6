/*
 * machine/signals.h — signals, faults and the terminal (signals.c).
 */
#ifndef NVEMU_MACHINE_SIGNALS_H
#define NVEMU_MACHINE_SIGNALS_H

#include "config.h"

/* Catch SIGTERM, SIGINT, SIGHUP (recorded, see nv_signals_fd()) and SIGBUS
 * (one line naming the backend, exit 128 + SIGBUS). Once, at start. */
bool nv_signals_init(GError **errp);
/* Readable once a stop signal arrived (never read: it stays readable). */
int nv_signals_fd(void);
/* The first stop signal caught, or 0. */
int nv_signals_caught(void);
/* QEMU's words: "terminating on signal 15 from pid 1234 (bash)", or
 * "terminating on signal 2" without a sender (Ctrl-C); NULL if none. */
char *nv_signals_message(void);
/* A SIGBUS in [hm->addr, +size) names this backend (@name, or NULL for
 * nv_hostmem_describe()). */
void nv_signals_watch(const NvHostMem *hm, const char *name);
/* A DIMM's backend and its label-file, as each boot and device_add
 * watch them. */
void nv_signals_watch_dimm(const NvDimm *d);
/* @hm is about to be unmapped (object-del): a SIGBUS there no longer
 * names it. Main thread only, as nv_signals_watch(). */
void nv_signals_unwatch(const NvHostMem *hm);
/* "memory-backend-file ID (PATH)" or "memory-backend-ram ID". */
char *nv_hostmem_describe(const NvHostMem *hm);
/* A DIMM's file backend whose file system is full while the file has
 * holes (the guest's next store to a hole cannot be backed): the message
 * naming it and ENOSPC. Else NULL, or with @efault (KVM could not fault a
 * guest page in) a message naming the file backends and EIO. */
char *nv_config_unbacked(const NvConfig *cfg, bool efault);
/* stdin raw for the guest console; restored at exit and on a crash. */
void nv_tty_raw(void);
void nv_tty_restore(void); /* async-signal-safe */

#endif
