/*
 * machine/ — the KVM machine and the nvemu command line.
 *
 * Contract:
 *  - This is the only part that opens /dev/kvm (vCPUs, memory slots, direct
 *    Linux boot, serial, irqchip, power-off: later issues). The command line
 *    and configuration below need no KVM and are unit-tested directly.
 *  - Configuration goes in three steps, so that a bad command line never
 *    touches a user's file:
 *      nv_config_parse()   argv -> NvConfig (syntax, properties, ids)
 *      nv_config_plan()    inspect backends, check and place every DIMM
 *      nv_config_realize() create missing files, map backends and labels
 *  - Every error is a GError whose message names the option and the bad
 *    value; main() prints it as one line "nvemu: <message>" and exits 1.
 */
#ifndef NVEMU_MACHINE_H
#define NVEMU_MACHINE_H

#include "nvdimm.h"

#include <stdio.h>

#define NV_MAX_CPUS 64

typedef enum {
    NV_SERIAL_STDIO,
    NV_SERIAL_NONE,
} NvSerialMode;

typedef enum {
    NV_PERSIST_CPU,      /* -machine nvdimm-persistence=cpu (default) */
    NV_PERSIST_MEM_CTRL, /* nvdimm-persistence=mem-ctrl */
} NvPersistence;

typedef struct {
    NvBoardConfig board;
    NvPersistence persistence;
    uint32_t smp;
    char *kernel;
    char *initrd;
    char *append;
    bool nographic;
    bool no_reboot;
    NvSerialMode serial;
    char *qmp_path;           /* -qmp unix:PATH,server=on,wait=off */
    bool qmp_wait;
    bool print_memory_map;
    bool help;
    bool version;

    GPtrArray *backends;      /* NvHostMem *, in command-line order */
    GPtrArray *dimms;         /* NvDimm *, in command-line order */
    NvMemLayout layout;       /* valid after nv_config_plan() */
} NvConfig;

NvConfig *nv_config_parse(int argc, char **argv, GError **errp);
bool nv_config_plan(NvConfig *cfg, GError **errp);
bool nv_config_realize(NvConfig *cfg, GError **errp);
void nv_config_free(NvConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvConfig, nv_config_free)

void nv_config_print_usage(FILE *out);
/* The guest physical map and, per DIMM, its backend and label location. */
void nv_config_print_memory_map(const NvConfig *cfg, FILE *out);

#endif
