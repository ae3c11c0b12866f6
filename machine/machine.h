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
 *      nv_config_plan()    check the boot files, inspect backends, check
 *                          and place every DIMM (no file is created)
 *      nv_config_realize() create missing files, map backends and labels,
 *                          preallocate; on failure remove what it created
 *    and a start that fails before the guest runs calls
 *    nv_config_remove_created(), so it leaves no file of its own behind.
 *  - Every error is a GError whose message names the option and the bad
 *    value; main() prints it as one line "nvemu: <message>" and exits 1.
 */
#ifndef NVEMU_MACHINE_H
#define NVEMU_MACHINE_H

#include "acpi-nfit.h"
#include "bus.h"
#include "flush-hint.h"
#include "ged.h"
#include "power.h"
#include "rtc.h"
#include "serial.h"

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

typedef struct {
    NvBoardConfig board;
    NvPersistence persistence;
    uint32_t smp;
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

/* daemonize.c, -daemonize: fork; the parent waits and exits 0 once the
 * child calls nv_daemon_ready() (the guest is about to run), or with the
 * child's status if it exits first. The child starts a new session. */
bool nv_daemon_start(GError **errp);
/* In a daemonized child: stdin, stdout, stderr to /dev/null, then tell
 * the parent. Otherwise (and after the first call) nothing. */
void nv_daemon_ready(void);

/* ---- the board: RAM, DIMMs and devices, without vCPUs ----------------- */

/* The top NV_FW_AREA_SIZE bytes of RAM below 4G are reserved (e820) for
 * nvemu's firmware data: the DSM mailbox first, ACPI tables after it. */
#define NV_FW_AREA_SIZE      (1 * MiB)
#define NV_RAM_MIN           (16 * MiB)
/* The DSM doorbell, in the MMIO hole below the IOAPIC; the other devices
 * say where they sit in their own headers (devices/). */
#define NV_MMIO_DSM_DOORBELL UINT64_C(0xFEB00000)

/* Guest address of the firmware area of a planned configuration. */
static inline uint64_t nv_config_fw_base(const NvConfig *cfg)
{
    return cfg->layout.ram_below_4g - NV_FW_AREA_SIZE;
}

typedef struct {
    NvConfig *cfg;        /* borrowed; planned */
    NvHostMem *ram;       /* guest RAM (memfd) */
    NvIoBus *bus;
    NvDsm *dsm;
    NvSerial *serial;     /* COM1 */
    NvPower *power;       /* FADT sleep/reset registers, i8042 reset */
    NvRtc *rtc;           /* CMOS RTC, or NULL with -machine rtc=off */
    NvGed *ged;           /* Generic Event Device (ged.h) */
    GMutex irq_lock;      /* irq and irq_opaque change while devices fire */
    NvIrqFn irq;          /* where interrupt lines go (KVM), or NULL */
    void *irq_opaque;
    uint64_t fw_base;     /* guest address of the firmware area */
    uint64_t dsm_mailbox; /* guest address of the DSM mailbox */
} NvBoard;

/* Realizes @cfg (creates and maps files; again is a no-op), allocates
 * fresh RAM, wires devices. One board per boot. */
NvBoard *nv_board_new(NvConfig *cfg, GError **errp);
/* Route the devices' interrupt lines (NULL: drop them). */
void nv_board_set_irq(NvBoard *board, NvIrqFn fn, void *opaque);
void nv_board_free(NvBoard *board);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvBoard, nv_board_free)
/* nvemu's pointer to guest memory [gpa, gpa+len) if it is all in one RAM
 * block or DIMM, else NULL. */
uint8_t *nv_board_guest_ptr(NvBoard *board, uint64_t gpa, uint64_t len);

/* ---- direct Linux boot (boot.c) --------------------------------------- */
/*
 * Low-memory layout of a direct 64-bit boot (Documentation/arch/x86/
 * boot.rst): GDT, identity page tables for the first 4 GiB, the zero page
 * (boot_params), setup_data, the command line, a bzImage at 1 MiB (a
 * vmlinux at its physical link address, 16 MiB on x86-64), the initrd as
 * high as it may go below the firmware area.
 */
#define NV_BOOT_GDT          UINT64_C(0x500)
#define NV_BOOT_PML4         UINT64_C(0x1000) /* + PDPT, 4 page directories */
#define NV_BOOT_ZERO_PAGE    UINT64_C(0x7000)
#define NV_BOOT_SETUP_DATA   UINT64_C(0x8000) /* setup_data list (RNG seed) */
#define NV_BOOT_CMDLINE      UINT64_C(0x20000)
#define NV_BOOT_CMDLINE_MAX  UINT64_C(0x10000)
#define NV_BOOT_KERNEL       UINT64_C(0x100000)
#define NV_BOOT_EBDA         UINT64_C(0x9FC00) /* [EBDA, 1M) is reserved */
#define NV_BOOT_RESET_VECTOR UINT64_C(0xFFFF0) /* F000:FFF0 */
#define NV_BOOT_CS           0x10             /* __BOOT_CS */
#define NV_BOOT_DS           0x18             /* __BOOT_DS */
#define NV_BOOT_GDT_LIMIT    (4 * 8 - 1)      /* null, null, CS, DS */

enum { NV_E820_RAM = 1, NV_E820_RESERVED = 2 };
typedef struct {
    uint64_t addr, size;
    uint32_t type;
} NvE820Entry;

/* The guest's e820 map: RAM, the reserved BIOS area and firmware area,
 * and each pc-dimm as RAM. NVDIMMs are not in it (the NFIT describes them). */
GArray *nv_board_e820(const NvBoard *board);

/* Where the vCPU starts: 64-bit entry, boot_params in RSI, page tables. */
typedef struct {
    uint64_t entry;
    uint64_t boot_params;
    uint64_t cr3;
    uint64_t gdt;          /* NV_BOOT_GDT_LIMIT bytes long */
} NvBootInfo;

/*
 * Load a bzImage (boot protocol >= 2.12 with XLF_KERNEL_64), the initrd
 * and the command line into guest RAM, and write the zero page (with the
 * e820 map and acpi_rsdp_addr), GDT and page tables. Errors name the file
 * and what is wrong with it.
 */
/* The boot GDT (4 descriptors: flat 64-bit code at __BOOT_CS, flat data at
 * __BOOT_DS) at @gdt; also used by the KVM probe guest. */
void nv_boot_write_gdt(uint8_t *gdt);

bool nv_boot_linux(NvBoard *board, const char *kernel, const char *initrd,
                   const char *cmdline, uint64_t rsdp_addr, NvBootInfo *info,
                   GError **errp);

/* The bzImage header checks (boot protocol 2.12+, a 64-bit entry point),
 * for boot.c and preflight.c alike: @k holds the first @len bytes of a
 * @file_len-byte kernel; a header needs NV_BOOT_HDR_LEN of them. Gives
 * where the protected-mode code starts and the kernel's cmdline_size. */
#define NV_BOOT_HDR_LEN 0x270
bool nv_boot_check_bzimage(const char *path, const uint8_t *k, gsize len,
                           uint64_t file_len, gsize *payload_off,
                           uint32_t *cmdline_size, GError **errp);

/* preflight.c: before any file is created, check that -kernel (and
 * -initrd) is a readable regular file, that -kernel is a bzImage or a
 * vmlinux, and that -append fits its command-line size; -initrd or -append
 * without -kernel is an error, as in QEMU. */
bool nv_boot_preflight(const char *kernel, const char *initrd,
                       const char *append, GError **errp);
/* The limit guest physical addresses must stay below, and where it comes
 * from: NVEMU_PHYS_BITS=N (tests), else the host CPU (CPUID 0x80000008). */
bool nv_host_phys_limit(uint64_t *limit, const char **from, GError **errp);

/* kernel-unpack.c: the vmlinux in a bzImage's payload (@p, @plen bytes,
 * ending in its 4-byte decompressed size) when it is xz or gzip: read from
 * @cache_dir (NULL: no cache) if there, else decompressed now and stored
 * there. NULL without an error: another format, boot it as a bzImage; NULL
 * with an error: a corrupt payload. */
GBytes *nv_kernel_unpack(const char *path, const uint8_t *p, gsize plen,
                         const char *cache_dir, GError **errp);
/* $NVEMU_CACHE_DIR/kernels (NULL if NVEMU_CACHE_DIR is empty), else
 * $XDG_CACHE_HOME/nvemu/kernels. It keeps the NV_KERNEL_CACHE_KEEP most
 * recently used kernels. */
#define NV_KERNEL_CACHE_KEEP 4
char *nv_kernel_cache_dir(void);

/* boot-elf.c: an uncompressed vmlinux (64-bit x86 ELF executable). */
bool nv_boot_is_elf(const uint8_t *data, gsize len);
/* Copy its PT_LOAD segments to their physical addresses, which must lie in
 * RAM between 1 MiB and the firmware area; *entry is e_entry (physical
 * startup_64), *end the end of the highest segment. */
bool nv_boot_load_elf(NvBoard *board, const char *path, const uint8_t *data,
                      gsize len, uint64_t *entry, uint64_t *end,
                      GError **errp);

/* ---- KVM (kvm.c: the only code that opens /dev/kvm) ------------------ */

/* Can this /dev/kvm boot Linux? Missing, no permission, lacking
 * capabilities or PVM-based: a one-line reason naming the test-host
 * runner. */
bool nv_kvm_probe(GError **errp);
/* The VM of one boot and the machine around it: vm.h. */

/* ---- signals, faults and the terminal (signals.c) ---------------------- */

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

/* ---- ACPI ------------------------------------------------------------- */

/* Where the ACPI tables go: after the DSM mailbox in the firmware area. */
#define NV_ACPI_TABLES_OFFSET NV_DSM_MAILBOX_SIZE

/* Do the guest's own cache flushes make its stores to @hm durable? Yes for
 * device-dax and for a file mapped (or, before realize, mappable: statx
 * says DAX) with MAP_SYNC; no for a regular file, a block device, RAM. */
bool nv_hostmem_guest_flush_persists(const NvHostMem *hm);
/* The NFIT platform capabilities: nvdimm-persistence= if given (cpu 3,
 * mem-ctrl 2), else 2 if every NVDIMM's backend passes the test above,
 * else 0 (no persistence domain claimed, as QEMU's default). */
uint32_t nv_config_nfit_capabilities(const NvConfig *cfg);
/* The ACPI description of a planned configuration (see acpi-nfit.h). */
void nv_config_acpi(const NvConfig *cfg, NvAcpiConfig *acpi);
/* --dump-acpi DIR: every table as DIR/<signature>.dat, lower case, as
 * `acpidump -b` names them (rsdp.dat, xsdt.dat, facp.dat, ...). */
bool nv_config_dump_acpi(const NvConfig *cfg, const char *dir, GError **errp);
/* Put the RSDP at NV_ACPI_RSDP_ADDR and the tables in the firmware area. */
bool nv_board_install_acpi(NvBoard *board, GError **errp);
/* The guest physical map and, per DIMM, its backend and label location. */
void nv_config_print_memory_map(const NvConfig *cfg, FILE *out);

#endif
