/*
 * machine/config.h — the nvemu command line and the configuration it makes
 * (cmdline.c, cmdline-qemu.c, memmap.c).
 *
 * Contract:
 *  - The command line and configuration need no KVM and are unit-tested
 *    directly.
 *  - Configuration goes in three steps, so that a bad command line never
 *    touches a user's file:
 *      nv_config_parse()   argv -> NvConfig (syntax, properties, ids)
 *      nv_config_plan()    check the boot files, inspect backends, check
 *                          and place every DIMM (no file is created)
 *      nv_config_realize() create missing files, map backends and labels,
 *                          preallocate; on failure remove what it created
 *    and a start that fails before the guest runs calls
 *    nv_config_remove_created(), so it leaves no file of its own behind.
 *  - Every error is a GError whose message names the option and the bad
 *    value; main() prints it as one line "nvemu: <message>" and exits 1.
 */
#ifndef NVEMU_MACHINE_CONFIG_H
#define NVEMU_MACHINE_CONFIG_H

#include "acpi-nfit.h"

#include <stdio.h>

#define NV_MAX_CPUS 64

typedef enum {
    NV_SERIAL_STDIO,
    NV_SERIAL_NONE,
    NV_SERIAL_FILE,   /* -serial file:PATH */
} NvSerialMode;

/* A file nvemu writes (-serial file:PATH, -D FILE): opened by
 * nv_config_open_outputs() after the plan; removed again by
 * nv_config_remove_created() if this start created it. */
typedef struct {
    char *path;
    int fd;                   /* -1 until opened */
    bool created;
    dev_t dev;
    ino_t ino;
} NvOutFile;

typedef enum {
    NV_PERSIST_AUTO,     /* default: what the backends guarantee (acpi.c) */
    NV_PERSIST_CPU,      /* -machine nvdimm-persistence=cpu */
    NV_PERSIST_MEM_CTRL, /* nvdimm-persistence=mem-ctrl */
} NvPersistence;

/* -numa node,nodeid=N,cpus=A[-B]: the vCPUs named for node N. */
typedef struct {
    bool set;
    uint32_t first, last;
    char *arg;                /* the option's value, for messages */
} NvNumaCpus;

typedef struct {
    NvBoardConfig board;
    NvPersistence persistence;
    uint32_t smp;
    NvNumaCpus numa_cpus[NV_MAX_NUMA_NODES];
    /* Each vCPU's NUMA node: its -numa cpus=, else node 0 (set when the
     * command line is parsed). */
    uint32_t cpu_node[NV_MAX_CPUS];
    char *kernel;
    char *initrd;
    char *append;
    bool nographic;
    bool no_reboot;
    bool kernel_unpack_guest; /* -machine kernel-unpack=guest */
    bool rtc;                 /* -machine rtc=on (default) */
    NvSerialMode serial;
    bool serial_given;        /* -serial seen: a second one is an error */
    NvOutFile serial_file;    /* -serial file:PATH */
    NvOutFile log_file;       /* -D FILE: where -d io writes */
    char *name;               /* -name [guest=]NAME */
    char *process_name;       /* -name ...,process=P: the process's name */
    bool nodefaults;          /* -nodefaults: no console unless -serial */
    bool daemonize;           /* -daemonize */
    GPtrArray *qmp;           /* NvQmpListenConfig * (qmp.h), one a -qmp */
    char *pidfile;            /* -pidfile FILE */
    bool print_memory_map;
    bool check_kvm;           /* --check-kvm */
    bool trace_io;            /* -d io: every port and MMIO exit to stderr */
    char *dump_acpi;          /* --dump-acpi DIR */
    bool help;
    bool version;
    bool m_given;             /* -m seen: a second one is an error */

    GPtrArray *backends;      /* NvHostMem *, in command-line order */
    GPtrArray *dimms;         /* NvDimm *, in command-line order */
    NvMemLayout layout;       /* valid after nv_config_plan() */
} NvConfig;

NvConfig *nv_config_parse(int argc, char **argv, GError **errp);
bool nv_config_plan(NvConfig *cfg, GError **errp);
bool nv_config_realize(NvConfig *cfg, GError **errp);
/* A start that failed before the guest ran: unmap, and delete every file
 * that nv_config_realize() created (never one that existed before). */
void nv_config_remove_created(NvConfig *cfg);
void nv_config_free(NvConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvConfig, nv_config_free)

void nv_config_print_usage(FILE *out);

/* cmdline-qemu.c: open -serial file:PATH and -D FILE (after the plan; a
 * file this creates is removed by nv_config_remove_created()). */
bool nv_config_open_outputs(NvConfig *cfg, GError **errp);
/* The guest is about to run for the first time: -serial file: now
 * truncates an existing regular file, as QEMU's does. */
void nv_config_outputs_started(NvConfig *cfg);
/* Where -d io writes: the -D file, else stderr. */
FILE *nv_debug_log(void);

/* The guest physical map and, per DIMM, its backend and label location. */
void nv_config_print_memory_map(const NvConfig *cfg, FILE *out);

/* The top NV_FW_AREA_SIZE bytes of RAM below 4G are reserved (e820) for
 * nvemu's firmware data: the DSM mailbox first, ACPI tables after it. */
#define NV_FW_AREA_SIZE      (1 * MiB)
#define NV_RAM_MIN           (16 * MiB)
/* Guest address of the firmware area of a planned configuration. */
static inline uint64_t nv_config_fw_base(const NvConfig *cfg)
{
    return cfg->layout.ram_below_4g - NV_FW_AREA_SIZE;
}

#endif
