/*
 * devices/bus.c — the one guest-I/O dispatch path: a list of claimed port
 * and MMIO ranges. The vCPU loop, the tests and the fuzzers all call
 * nv_io_dispatch().
 *
 * Ranges may be added and removed while vCPUs dispatch. A reader-writer
 * lock guards the list: nv_io_dispatch() holds it for reading across the
 * lookup *and* the handler call, so any number of vCPUs dispatch at once;
 * and
 * nv_io_unregister() takes it for writing, which waits for every handler
 * already running (on any range) to return. When nv_io_unregister()
 * returns, no vCPU is inside the removed range's handler and none will
 * enter it again: its owner may free the handler's state at once. Chosen
 * over an RCU-style copy-and-swap because that would still need a grace
 * period (a way to know the old handlers finished) before the owner frees
 * its device, which is exactly what the write lock gives.
 * The lock prefers writers (glibc's PREFER_WRITER_NONRECURSIVE; GRWLock
 * is glibc's default, which prefers readers: measured, four threads
 * dispatching without pause kept a removal waiting for over 20 s): once a
 * removal waits, new dispatches wait behind it. Dispatch never nests, so
 * the non-recursive kind is enough.
 * The price: a handler must not register or remove ranges itself (it holds
 * the read lock; that would deadlock), and a slow handler (a DSM label
 * write) delays a removal by its own duration.
 */
#include "bus.h"
#include "util.h"

#include <pthread.h>
#include <string.h>

typedef struct {
    NvIoSpace space;
    uint64_t base, len;
    char *name;
    NvIoHandler fn;
    void *opaque;
} IoRange;

struct NvIoBus {
    pthread_rwlock_t lock;
    GArray *ranges; /* IoRange; a handful per machine, so a linear scan */
};

static void range_clear(gpointer p)
{
    g_free(((IoRange *)p)->name);
}

NvIoBus *nv_io_bus_new(void)
{
    NvIoBus *bus = g_new0(NvIoBus, 1);
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr,
                                  PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&bus->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    bus->ranges = g_array_new(FALSE, TRUE, sizeof(IoRange));
    g_array_set_clear_func(bus->ranges, range_clear);
    return bus;
}

void nv_io_bus_free(NvIoBus *bus)
{
    if (bus) {
        g_array_unref(bus->ranges);
        pthread_rwlock_destroy(&bus->lock);
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
    pthread_rwlock_wrlock(&bus->lock);
    for (guint i = 0; i < bus->ranges->len; i++) {
        IoRange *r = &g_array_index(bus->ranges, IoRange, i);
        if (r->space == space && base < r->base + r->len &&
            r->base < base + len) {
            g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                        "I/O range of %s at 0x%" G_GINT64_MODIFIER "x overlaps "
                        "%s", name, base, r->name);
            pthread_rwlock_unlock(&bus->lock);
            return false;
        }
    }
    IoRange r = { space, base, len, g_strdup(name), fn, opaque };
    g_array_append_val(bus->ranges, r);
    pthread_rwlock_unlock(&bus->lock);
    return true;
}

bool nv_io_unregister(NvIoBus *bus, NvIoSpace space, uint64_t base)
{
    bool found = false;
    pthread_rwlock_wrlock(&bus->lock);
    for (guint i = 0; i < bus->ranges->len; i++) {
        IoRange *r = &g_array_index(bus->ranges, IoRange, i);
        if (r->space == space && r->base == base) {
            g_array_remove_index(bus->ranges, i);
            found = true;
            break;
        }
    }
    pthread_rwlock_unlock(&bus->lock);
    return found;
}

bool nv_io_dispatch(NvIoBus *bus, NvIoSpace space, uint64_t addr,
                    uint8_t *data, unsigned len, bool is_write)
{
    bool hit = false;
    pthread_rwlock_rdlock(&bus->lock);
    for (guint i = 0; len && len <= 8 && i < bus->ranges->len; i++) {
        IoRange *r = &g_array_index(bus->ranges, IoRange, i);
        /* The whole access must fall inside the range. */
        if (r->space == space && addr >= r->base &&
            addr - r->base < r->len && r->len - (addr - r->base) >= len) {
            r->fn(r->opaque, addr - r->base, data, len, is_write);
            hit = true;
            break;
        }
    }
    pthread_rwlock_unlock(&bus->lock);
    if (!hit && !is_write) {
        memset(data, 0xff, MIN(len, 8u));
    }
    return hit;
}
