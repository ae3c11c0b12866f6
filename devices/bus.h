/*
 * devices/bus.h — the guest I/O bus (bus.c) every device registers its
 * ports and MMIO on, and the interrupt-line callback devices raise.
 */
#ifndef NVEMU_DEVICES_BUS_H
#define NVEMU_DEVICES_BUS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

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
/* Ranges may not overlap. Safe while vCPUs dispatch (bus.c). */
bool nv_io_register(NvIoBus *bus, NvIoSpace space, uint64_t base,
                    uint64_t len, const char *name, NvIoHandler fn,
                    void *opaque, GError **errp);
/* Remove the range registered at @base in @space (false: none there).
 * Safe while vCPUs dispatch: it returns once no handler of the range runs
 * any more, so the caller may then free the handler's state. A handler
 * must not call it (nor nv_io_register()). */
bool nv_io_unregister(NvIoBus *bus, NvIoSpace space, uint64_t base);
/* Returns false when no device claims the access; an unclaimed read then
 * reads all ones and an unclaimed write is dropped. Thread-safe. */
bool nv_io_dispatch(NvIoBus *bus, NvIoSpace space, uint64_t addr,
                    uint8_t *data, unsigned len, bool is_write);

/* Raise or lower an interrupt line (KVM_IRQ_LINE in the machine; a
 * recorder in tests). */
typedef void (*NvIrqFn)(void *opaque, unsigned irq, bool level);

#endif
