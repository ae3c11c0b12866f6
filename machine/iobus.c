/*
 * machine/iobus.c — the one guest-I/O dispatch path: a list of claimed port
 * and MMIO ranges. The vCPU loop and the tests both call nv_io_dispatch().
 */
#include "machine.h"

#include <string.h>

typedef struct {
    NvIoSpace space;
    uint64_t base, len;
    char *name;
    NvIoHandler fn;
    void *opaque;
} IoRange;

struct NvIoBus {
    GArray *ranges; /* IoRange; a handful per machine, so a linear scan */
};

static void range_clear(gpointer p)
{
    g_free(((IoRange *)p)->name);
}

NvIoBus *nv_io_bus_new(void)
{
    NvIoBus *bus = g_new0(NvIoBus, 1);
    bus->ranges = g_array_new(FALSE, TRUE, sizeof(IoRange));
    g_array_set_clear_func(bus->ranges, range_clear);
    return bus;
}

void nv_io_bus_free(NvIoBus *bus)
{
    if (bus) {
        g_array_unref(bus->ranges);
        g_free(bus);
    }
}

bool nv_io_register(NvIoBus *bus, NvIoSpace space, uint64_t base,
                    uint64_t len, const char *name, NvIoHandler fn,
                    void *opaque, GError **errp)
{
    if (len == 0 || base + len < base) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "I/O range of %s is empty or wraps", name);
        return false;
    }
    for (guint i = 0; i < bus->ranges->len; i++) {
        IoRange *r = &g_array_index(bus->ranges, IoRange, i);
        if (r->space == space && base < r->base + r->len &&
            r->base < base + len) {
            g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                        "I/O range of %s at 0x%" G_GINT64_MODIFIER "x overlaps "
                        "%s", name, base, r->name);
            return false;
        }
    }
    IoRange r = { space, base, len, g_strdup(name), fn, opaque };
    g_array_append_val(bus->ranges, r);
    return true;
}

bool nv_io_dispatch(NvIoBus *bus, NvIoSpace space, uint64_t addr,
                    uint8_t *data, unsigned len, bool is_write)
{
    for (guint i = 0; len && len <= 8 && i < bus->ranges->len; i++) {
        IoRange *r = &g_array_index(bus->ranges, IoRange, i);
        /* The whole access must fall inside the range. */
        if (r->space == space && addr >= r->base &&
            addr - r->base < r->len && r->len - (addr - r->base) >= len) {
            r->fn(r->opaque, addr - r->base, data, len, is_write);
            return true;
        }
    }
    if (!is_write) {
        memset(data, 0xff, MIN(len, 8u));
    }
    return false;
}
