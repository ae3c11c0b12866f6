/*
 * machine/cmdline-qemu.h — the option table's shape, shared by cmdline.c
 * (nvemu's own options) and cmdline-qemu.c (options QEMU users' scripts
 * pass, accepted where they mean something here). Internal to machine/.
 */
#ifndef NVEMU_MACHINE_CMDLINE_QEMU_H
#define NVEMU_MACHINE_CMDLINE_QEMU_H

#include "config.h"

typedef bool (*NvOptHandler)(NvConfig *cfg, const char *arg, GError **errp);

typedef struct {
    const char *name;
    bool has_arg;
    NvOptHandler fn;
} NvOptDef;

extern const NvOptDef nv_qemu_options[];
extern const size_t nv_qemu_options_len;

/* Checks across options, once argv is parsed (-daemonize with a console
 * on stdio; -nodefaults without -serial). */
bool nv_qemu_options_finish(NvConfig *cfg, GError **errp);
void nv_out_file_free(NvOutFile *f);
/* Close them; delete those this start created (nv_config_remove_created). */
void nv_config_remove_outputs(NvConfig *cfg);

#endif
