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

#include "dsm.h"

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

/* ---- guest I/O: the one dispatch path --------------------------------- */
/*
 * Every guest port or MMIO access, from the vCPU loop or from a test acting
 * as the guest, goes through nv_io_dispatch(). Devices register a range and
 * a handler; @data is the access's bytes (little-endian, len 1..8).
 */
typedef enum {
    NV_IO_PIO,
    NV_IO_MMIO,
} NvIoSpace;

typedef void (*NvIoHandler)(void *opaque, uint64_t offset, uint8_t *data,
                            unsigned len, bool is_write);
typedef struct NvIoBus NvIoBus;

NvIoBus *nv_io_bus_new(void);
void nv_io_bus_free(NvIoBus *bus);
/* Ranges may not overlap. */
bool nv_io_register(NvIoBus *bus, NvIoSpace space, uint64_t base,
                    uint64_t len, const char *name, NvIoHandler fn,
                    void *opaque, GError **errp);
/* Returns false when no device claims the access; an unclaimed read then
 * reads all ones and an unclaimed write is dropped. */
bool nv_io_dispatch(NvIoBus *bus, NvIoSpace space, uint64_t addr,
                    uint8_t *data, unsigned len, bool is_write);

/* ---- the board: RAM, DIMMs and devices, without vCPUs ----------------- */

/* The top NV_FW_AREA_SIZE bytes of RAM below 4G are reserved (e820) for
 * nvemu's firmware data: the DSM mailbox first, ACPI tables after it. */
#define NV_FW_AREA_SIZE      (1 * MiB)
#define NV_RAM_MIN           (16 * MiB)
/* nvemu's MMIO devices, in the hole below the IOAPIC. */
#define NV_MMIO_DSM_DOORBELL UINT64_C(0xFEB00000)

typedef struct {
    NvConfig *cfg;        /* borrowed; planned */
    NvHostMem *ram;       /* guest RAM (memfd) */
    NvIoBus *bus;
    NvDsm *dsm;
    uint64_t fw_base;     /* guest address of the firmware area */
    uint64_t dsm_mailbox; /* guest address of the DSM mailbox */
} NvBoard;

/* Realizes @cfg (creates and maps files), allocates RAM, wires devices. */
NvBoard *nv_board_new(NvConfig *cfg, GError **errp);
void nv_board_free(NvBoard *board);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvBoard, nv_board_free)
/* nvemu's pointer to guest memory [gpa, gpa+len) if it is all in one RAM
 * block or DIMM, else NULL. */
uint8_t *nv_board_guest_ptr(NvBoard *board, uint64_t gpa, uint64_t len);
/* The guest physical map and, per DIMM, its backend and label location. */
void nv_config_print_memory_map(const NvConfig *cfg, FILE *out);

#endif
