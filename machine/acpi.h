/*
 * machine/acpi.h — the machine's ACPI (acpi.c): what NvConfig says to
 * acpi-nfit, and the tables installed in the firmware area or dumped.
 */
#ifndef NVEMU_MACHINE_ACPI_H
#define NVEMU_MACHINE_ACPI_H

#include "board.h"

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
/* The FIT of @cfg as its DIMMs are now: the NFIT's structures without
 * the table's header (what _FIT returns, ACPI 6.4 §6.5.9). */
GBytes *nv_acpi_fit(const NvConfig *cfg);
/* --dump-acpi DIR: every table as DIR/<signature>.dat, lower case, as
 * `acpidump -b` names them (rsdp.dat, xsdt.dat, facp.dat, ...). */
bool nv_config_dump_acpi(const NvConfig *cfg, const char *dir, GError **errp);
/* Put the RSDP at NV_ACPI_RSDP_ADDR and the tables in the firmware area. */
bool nv_board_install_acpi(NvBoard *board, GError **errp);

#endif
