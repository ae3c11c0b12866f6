/*
 * tests/test-iobus.c — the I/O bus (devices/bus.c): ranges found,
 * removed and added again; and ranges added and removed while threads
 * dispatch through nv_io_dispatch() the whole time, with a removed
 * range's state checked idle and then freed at once (a handler still
 * running on it would trip the checks here, or ASan in the ASan build).
 */
#include "bus.h"
#include "util.h"

#include <string.h>

#define MAGIC   0x10B05u
#define NSLOTS  8
#define BASE    0x1000
#define NTHREADS 4

typedef struct {
    unsigned magic;
    unsigned slot;
    gint inside;   /* handlers running on this state now */
    gint calls;
} Dev;

static void dev_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len,
                   bool is_write)
{
    Dev *d = opaque;
    g_assert_cmpuint(d->magic, ==, MAGIC);
    g_atomic_int_inc(&d->inside);
    g_atomic_int_inc(&d->calls);
    if (!is_write) {
        memset(data, 0, len);
        data[0] = (uint8_t)(d->slot + offset);
    }
    if (g_atomic_int_get(&d->calls) % 64 == 0) {
        g_thread_yield(); /* widen the window for a removal */
    }
    g_assert_cmpuint(d->magic, ==, MAGIC);
    g_atomic_int_add(&d->inside, -1);
}

static void test_basic(void)
{
    g_autoptr(GError) err = NULL;
    NvIoBus *bus = nv_io_bus_new();
    Dev a = { MAGIC, 7, 0, 0 }, b = { MAGIC, 9, 0, 0 };
    uint8_t v[2];
    g_assert_true(nv_io_register(bus, NV_IO_PIO, 0x10, 4, "a", dev_io, &a,
                                 NULL));
    g_assert_false(nv_io_register(bus, NV_IO_PIO, 0x12, 4, "b", dev_io, &b,
                                  &err));
    g_assert_error(err, NV_ERROR, NV_ERROR_CONFLICT);
    g_assert_nonnull(strstr(err->message, "overlaps a"));
    /* the same address in the other space is another range */
    g_assert_true(nv_io_register(bus, NV_IO_MMIO, 0x12, 4, "b", dev_io, &b,
                                 NULL));
    g_assert_true(nv_io_dispatch(bus, NV_IO_PIO, 0x12, v, 1, false));
    g_assert_cmpuint(v[0], ==, 9);             /* slot 7 + offset 2 */
    g_assert_true(nv_io_dispatch(bus, NV_IO_MMIO, 0x12, v, 1, false));
    g_assert_cmpuint(v[0], ==, 9);             /* slot 9 + offset 0 */
    /* an access running over the end of a range is nobody's */
    g_assert_false(nv_io_dispatch(bus, NV_IO_PIO, 0x13, v, 2, false));
    g_assert_cmpuint(v[0], ==, 0xff);
    g_assert_cmpuint(v[1], ==, 0xff);

    g_assert_false(nv_io_unregister(bus, NV_IO_PIO, 0x11)); /* not a base */
    g_assert_false(nv_io_unregister(bus, NV_IO_MMIO, 0x10)); /* other space */
    g_assert_true(nv_io_unregister(bus, NV_IO_PIO, 0x10));
    g_assert_false(nv_io_unregister(bus, NV_IO_PIO, 0x10));
    g_assert_false(nv_io_dispatch(bus, NV_IO_PIO, 0x10, v, 1, false));
    g_assert_cmpuint(v[0], ==, 0xff);
    /* the MMIO range is still there, and the freed ports can be reused */
    g_assert_true(nv_io_dispatch(bus, NV_IO_MMIO, 0x12, v, 1, false));
    g_assert_true(nv_io_register(bus, NV_IO_PIO, 0x12, 4, "b", dev_io, &b,
                                 NULL));
    g_assert_true(nv_io_dispatch(bus, NV_IO_PIO, 0x12, v, 1, false));
    g_assert_cmpuint(v[0], ==, 9);
    g_assert_cmpint(a.inside, ==, 0);
    nv_io_bus_free(bus);
}

typedef struct {
    NvIoBus *bus;
    gint stop;
    gint hits, misses;
} Shared;

static gpointer dispatcher(gpointer opaque)
{
    Shared *s = opaque;
    unsigned n = 0;
    while (!g_atomic_int_get(&s->stop)) {
        unsigned slot = n++ % NSLOTS;
        uint8_t v[2] = { 0, 0 };
        uint16_t port = (uint16_t)(BASE + slot * 0x10 + 1);
        if (nv_io_dispatch(s->bus, NV_IO_PIO, port, v, 2, false)) {
            /* a hit comes from the device registered at that slot */
            g_assert_cmpuint(v[0], ==, slot + 1);
            g_assert_cmpuint(v[1], ==, 0);
            g_atomic_int_inc(&s->hits);
        } else {
            g_assert_cmpuint(v[0], ==, 0xff);
            g_assert_cmpuint(v[1], ==, 0xff);
            g_atomic_int_inc(&s->misses);
        }
    }
    return NULL;
}

/* Four threads dispatch without pause to eight slots, while this thread
 * removes a random slot's device (checking no handler is inside it and
 * freeing it at once) and adds a fresh one, thousands of times. */
static void test_concurrent(void)
{
    Shared s = { .bus = nv_io_bus_new() };
    Dev *devs[NSLOTS] = { 0 };
    GRand *rand = g_rand_new_with_seed(11);
    /* a range the churn never touches: its lookups stay right throughout */
    Dev fixed = { MAGIC, 200, 0, 0 };
    g_assert_true(nv_io_register(s.bus, NV_IO_MMIO, BASE, 0x10, "fixed",
                                 dev_io, &fixed, NULL));
    GThread *t[NTHREADS];
    for (unsigned i = 0; i < NTHREADS; i++) {
        t[i] = g_thread_new("dispatch", dispatcher, &s);
    }
    unsigned removed = 0;
    /* 20000 changes at least, and on until the dispatchers have met both
     * present and absent ranges many times (a loaded machine may start
     * them late) */
    gint64 deadline = g_get_monotonic_time() + 60 * G_TIME_SPAN_SECOND;
    for (unsigned iter = 0; iter < 20000 || g_atomic_int_get(&s.hits) < 1000 ||
                            g_atomic_int_get(&s.misses) < 1000; iter++) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        unsigned slot = (unsigned)g_rand_int_range(rand, 0, NSLOTS);
        uint64_t base = BASE + slot * 0x10;
        if (devs[slot]) {
            Dev *d = devs[slot];
            g_assert_true(nv_io_unregister(s.bus, NV_IO_PIO, base));
            g_assert_cmpint(g_atomic_int_get(&d->inside), ==, 0);
            d->magic = 0;
            g_free(d);
            devs[slot] = NULL;
            removed++;
        } else {
            Dev *d = g_new0(Dev, 1);
            d->magic = MAGIC;
            d->slot = slot;
            devs[slot] = d;
            g_assert_true(nv_io_register(s.bus, NV_IO_PIO, base, 0x10, "dev",
                                         dev_io, d, NULL));
        }
        if (iter % 500 == 0) {
            uint8_t v = 0;
            g_assert_true(nv_io_dispatch(s.bus, NV_IO_MMIO, BASE + 3, &v, 1,
                                         false));
            g_assert_cmpuint(v, ==, 203);
        }
    }
    g_atomic_int_set(&s.stop, 1);
    for (unsigned i = 0; i < NTHREADS; i++) {
        g_thread_join(t[i]);
    }
    g_test_message("%u removals; %d hits, %d misses seen by the dispatchers",
                   removed, s.hits, s.misses);
    g_assert_cmpuint(removed, >, 1000);
    g_assert_cmpint(s.hits, >=, 1000);
    g_assert_cmpint(s.misses, >=, 1000);
    for (unsigned i = 0; i < NSLOTS; i++) {
        if (devs[i]) {
            g_assert_true(nv_io_unregister(s.bus, NV_IO_PIO,
                                           BASE + i * 0x10));
            g_free(devs[i]);
        }
    }
    g_rand_free(rand);
    nv_io_bus_free(s.bus);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/iobus/add-remove", test_basic);
    g_test_add_func("/iobus/concurrent-add-remove", test_concurrent);
    return g_test_run();
}
