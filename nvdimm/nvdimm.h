/*
 * nvdimm/ — the DIMM model: what the guest sees as memory modules.
 *
 * A DIMM (the base) has a memdev (a hostmem backend), a slot, a NUMA node, a
 * guest physical address and a guest-visible size. Two kinds:
 *  - pc-dimm: plain hot-pluggable RAM; the whole backend is guest memory.
 *  - nvdimm: persistent memory plus a label area. The label area is either
 *    the last label-size bytes of the backing file (QEMU's layout) or a
 *    separate label-file (then the whole backing file is pmem). label-size=0
 *    means no labels at all.
 *
 * Contract:
 *  - Guest addresses live in the device-memory region, above RAM and above
 *    4 GiB. Every DIMM starts on a NV_DIMM_ALIGN (128 MiB, Linux's memory
 *    section) boundary, or on its backend's larger align=. An nvdimm's pmem
 *    size is rounded down to that alignment so its region stays aligned in
 *    the guest; a pc-dimm's size must already be a multiple of it.
 *  - nv_dimm_plan() checks a whole configuration (memdev binding, slots,
 *    addresses, nodes, maxmem, label geometry) before anything is created on
 *    disk; every error names the -device and the offending value.
 *  - Works without KVM.
 */
#ifndef NVEMU_NVDIMM_H
#define NVEMU_NVDIMM_H

#include "label-area.h"

#define NV_DIMM_ALIGN       (128 * MiB)
#define NV_LABEL_SIZE_MIN   (128 * KiB)
/* The _DSM reports the label size in 32 bits; 1 GiB is far beyond need. */
#define NV_LABEL_SIZE_MAX   GiB
#define NV_MAX_SLOTS        256
#define NV_MAX_NUMA_NODES   64
/* RAM up to this address sits below 4 GiB; the rest of the first 4 GiB is
 * the MMIO hole (IOAPIC, LAPIC, nvemu's own devices). */
#define NV_LOWMEM_LIMIT     (3 * GiB)
/* The guest-physical limit when the caller gives none (NvBoardConfig's
 * phys_limit 0): 1 TiB, what every x86-64 CPU with 40 address bits has.
 * nvemu itself passes the host CPU's limit (CPUID 0x80000008). */
#define NV_GUEST_PHYS_LIMIT (UINT64_C(1) << 40)

typedef enum {
    NV_DIMM_PC,
    NV_DIMM_NVDIMM,
} NvDimmKind;

/*
 * A DIMM's health as its Intel-family SMART functions report it
 * (docs/health.md; the DSM lock guards it while the machine runs).
 * Temperatures in the SMART encoding: 1/16 degree Celsius in bits 0-14,
 * bit 15 the sign. See nvdimm/health.c.
 */
#define NV_HEALTH_NON_CRITICAL 0x1  /* health byte bits (0: ok) */
#define NV_HEALTH_CRITICAL     0x2
#define NV_HEALTH_FATAL        0x4
#define NV_ALARM_SPARES        0x1  /* alarm_control / alarm flag bits */
#define NV_ALARM_MEDIA_TEMP    0x2
#define NV_ALARM_CTRL_TEMP     0x4
#define NV_ALARM_ALL           0x7

typedef struct {
    uint8_t health;              /* NV_HEALTH_* bits */
    uint8_t spares;              /* % remaining */
    uint8_t life_used;           /* % */
    uint16_t media_temp, ctrl_temp;
    uint8_t shutdown_state;      /* 0 clean, 1 dirty (unsafe) */
    uint32_t shutdown_count;     /* unsafe shutdowns, ever */
    bool latch_shutdown;         /* Latch System Shutdown Status enabled */
    /* thresholds: which alarms are enabled, and their trip points */
    uint16_t alarm_control;      /* NV_ALARM_* */
    uint8_t spares_threshold;
    uint16_t media_temp_threshold, ctrl_temp_threshold;
} NvDimmHealth;

/* A fresh DIMM: ok, 100% spares, 0% used, 30/35 degrees, clean, count 0,
 * no alarm enabled, thresholds 10% / 85 / 95 degrees. */
void nv_health_init(NvDimmHealth *h);
/* The alarm flags that are tripped now: an enabled alarm whose value is
 * at or past its threshold (spares at or below, temperatures at or
 * above). */
uint8_t nv_health_alarms(const NvDimmHealth *h);
/* SMART temperature encoding <-> 1/16 degrees. */
int32_t nv_health_temp_decode(uint16_t t);
uint16_t nv_health_temp_encode(int32_t sixteenths);
/* Degrees Celsius <-> the SMART encoding: a value it holds exactly (a
 * multiple of 1/16 within +-NV_HEALTH_TEMP_MAX) or false. */
#define NV_HEALTH_TEMP_MAX 2047.9375
bool nv_health_temp_from_celsius(double celsius, uint16_t *t);
double nv_health_temp_celsius(uint16_t t);
/* The health byte as ndctl names it ("ok", "non-critical", "critical",
 * "fatal": the worst bit set), and back (one bit, or 0 for "ok"). */
const char *nv_health_state_name(uint8_t health);
bool nv_health_state_parse(const char *name, uint8_t *health);

/*
 * A change of health fields from the host (-device properties, QMP
 * x-nvdimm-set-health): each has_ flag selects its field. Values are
 * checked by the caller (names the option or command).
 */
typedef struct {
    bool has_health, has_media_temp, has_ctrl_temp, has_spares,
         has_life_used, has_shutdown_state, has_shutdown_count;
    uint8_t health;              /* NV_HEALTH_* bits */
    uint16_t media_temp, ctrl_temp;
    uint8_t spares;              /* 0..100 */
    uint8_t life_used;           /* 0..255 (the SMART byte) */
    uint8_t shutdown_state;      /* 0 clean, 1 dirty */
    uint32_t shutdown_count;
} NvHealthUpdate;

/* Apply @u to @h. True when the guest would be told without asking, as
 * Inject SMART tells it: an enabled alarm tripped that was not, the
 * health state changed to one that is not ok, or the shutdown state
 * became dirty. */
bool nv_health_apply(NvDimmHealth *h, const NvHealthUpdate *u);

/* Forward: nvdimm/state-file.c. */
typedef struct NvStateFile NvStateFile;

/*
 * What lives with a DIMM while nvemu runs, apart from its configuration
 * (parsed from -device) and its plan (nv_dimm_plan()): set up by
 * nv_dimm_realize() and kept for the DIMM's life, across guest resets.
 */
typedef struct {
    NvLabelStore labels;   /* valid when has_labels */
    bool has_labels;       /* an NVDIMM with label-size > 0, realized */
    bool realized;         /* health and state file set up (once) */
    NvDimmHealth health;   /* under the DSM lock */
    NvStateFile *state_file; /* state-file=, or NULL: one run only */
    /* NvMediaError (media-errors.h), or NULL when none yet; under the
     * DSM lock, persisted in the state file */
    GArray *media_errors;
} NvDimmState;

typedef struct NvDimm {
    NvDimmKind kind;
    char *id;           /* NULL when the user gave none */
    char *name;         /* for messages: "-device nvdimm,id=nv0" */
    char *memdev_id;    /* NULL when missing (an error at plan time) */

    bool slot_set, addr_set;
    uint32_t slot;
    uint32_t node;
    uint64_t addr;      /* guest physical address */

    /* nvdimm only */
    uint64_t label_size;
    bool label_size_set;
    char *label_file;   /* NULL: labels in the backing file's tail */
    uint8_t uuid[16];
    bool uuid_set;      /* false: derived from the slot at plan time */
    bool unarmed;
    char *state_file;   /* state-file=PATH, or NULL */
    /* health=, media-temperature=, controller-temperature=, spares=,
     * life-used=: applied to state.health when the DIMM is made */
    NvHealthUpdate health_props;
    /* media-error=OFFSET:LENGTH and media-error.N=: ranges poisoned at
     * every start (NvMediaError, known false), or NULL */
    GArray *media_props;

    /* Filled in by nv_dimm_plan(): */
    NvHostMem *memdev;     /* borrowed from the backend list */
    NvHostMem *label_mem;  /* owned: the label-file backend, or NULL */
    uint64_t size;         /* guest-visible bytes (pmem size for nvdimm) */
    uint64_t align;        /* guest address alignment used */
    uint64_t label_offset; /* offset of the label area in memdev (tail) */
    bool placed;           /* planned: slot and addr stay fixed from now */
    bool hotplugged;       /* added by device_add (QMP), not -device */

    /* Run-time state, set up by nv_dimm_realize(). */
    NvDimmState state;
} NvDimm;

/* Machine-wide memory settings from -m, -machine and -numa. */
typedef struct {
    uint64_t ram_size;
    uint32_t slots;
    uint64_t maxmem;     /* == ram_size when no maxmem= was given */
    uint32_t numa_nodes; /* >= 1 */
    bool nvdimm_enabled; /* -machine nvdimm=on|off */
    /* Guest physical addresses must stay below this (0: NV_GUEST_PHYS_LIMIT)
     * and where the number comes from, for messages ("the host CPU's 46
     * physical address bits"; NULL: "nvemu's default"). */
    uint64_t phys_limit;
    const char *phys_limit_from;
} NvBoardConfig;

/* The guest physical map computed by nv_dimm_plan(). */
typedef struct {
    uint64_t ram_below_4g;  /* RAM at [0, ram_below_4g) */
    uint64_t ram_above_4g;  /* RAM at [4G, 4G + ram_above_4g) */
    uint64_t devmem_base;   /* device-memory region for DIMMs */
    uint64_t devmem_size;
} NvMemLayout;

/* From a -device option string (implied key "driver"): nvdimm or pc-dimm. */
NvDimm *nv_dimm_new_from_opts(NvOpts *opts, GError **errp);
void nv_dimm_free(NvDimm *dimm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvDimm, nv_dimm_free)

const char *nv_dimm_kind_name(NvDimmKind kind); /* "nvdimm", "pc-dimm" */

/*
 * Check and place every DIMM. @backends (NvHostMem *) must be prepared.
 * On success each DIMM has memdev, slot, addr, size, align and label
 * geometry set, and *layout describes the guest physical map.
 */
bool nv_dimm_plan(const NvBoardConfig *board, GPtrArray *backends,
                  GPtrArray *dimms, NvMemLayout *layout, GError **errp);

/*
 * device_add: check and place one more DIMM @d (not in @dimms) against the
 * planned @dimms and @layout, with nv_dimm_plan()'s steps, alignment, slot
 * rules and error texts (plus a duplicate id); @d lands where it would have
 * as the last -device. Placed DIMMs keep their slot and addr. On failure
 * nothing but @d changed (the caller frees it); on success @d is placed
 * and its memdev bound, and the caller appends it to @dimms.
 */
bool nv_dimm_plan_add(const NvBoardConfig *board, GPtrArray *backends,
                      GPtrArray *dimms, const NvMemLayout *layout,
                      NvDimm *d, GError **errp);

/* Create/map what planning decided (label files) and open the label store;
 * backends are realized by the caller first. Labels are read-only when the
 * backend is read-only or the DIMM is unarmed. */
bool nv_dimm_realize(NvDimm *dimm, GError **errp);
/* A DIMM whose device_add failed after nv_dimm_realize(): its state file
 * goes back to what it was (a warning on stderr if it cannot). */
void nv_dimm_unrealize(NvDimm *dimm);

/* The end of a clean run (guest poweroff, quit, a stop signal): the
 * state file, if any, is written clean. Without it nothing. */
bool nv_dimm_stop(NvDimm *dimm, GError **errp);
/* Write the state file now (still running): after the count or state
 * changed (an injected unsafe shutdown). Without state-file= nothing. */
bool nv_dimm_save_state(NvDimm *dimm, GError **errp);

/* nvdimm/dimm-props.c, for nv_dimm_new_from_opts(): the health
 * properties (applied to d->state.health, set up here) and the
 * media-error properties (into d->media_props). */
bool nv_dimm_parse_health_props(NvDimm *d, NvOpts *opts, GError **errp);
bool nv_dimm_parse_media_props(NvDimm *d, NvOpts *opts, GError **errp);
/* Every media-error= range of @dimms lies inside its planned DIMM
 * (after nv_dimm_plan(), before anything is created). */
bool nv_dimm_media_props_check(GPtrArray *dimms, GError **errp);

/* Pure layout helpers, exposed for tests. */
void nv_mem_layout_init(NvMemLayout *layout, const NvBoardConfig *board);

#endif
