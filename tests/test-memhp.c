/*
 * tests/test-memhp.c — the memory hotplug controller (devices/memhp.c)
 * through nv_io_dispatch(), as the guest's MHPC AML reaches it: QEMU's
 * register rules (selector, base/size/PXM, flags, insert and remove
 * cleared by writing 1, eject only of an enabled slot, one action a write,
 * _OST event and status), every offset and length of the block, and the
 * board's controller with the command line's pc-dimms already enabled.
 */
#include "memhp.h"
#include "machine.h"
#include "testutil.h"

#include <string.h>

#define BASE NV_MMIO_MEMHP

typedef struct {
    GString *log;   /* "ost(slot,event,status)" and "eject(slot)" */
} OpsLog;

static void log_ost(void *opaque, uint32_t slot, uint32_t event,
                    uint32_t status)
{
    OpsLog *l = opaque;
    g_string_append_printf(l->log, "ost(%u,0x%x,0x%x)", slot, event, status);
}

static void log_eject(void *opaque, uint32_t slot)
{
    OpsLog *l = opaque;
    g_string_append_printf(l->log, "eject(%u)", slot);
}

typedef struct {
    NvIoBus *bus;
    NvMemhp *h;
    OpsLog ops_log;
} Fixture;

static void setup(Fixture *f, uint32_t nslots)
{
    f->ops_log.log = g_string_new("");
    NvMemhpOps ops = { log_ost, log_eject, &f->ops_log };
    f->h = nv_memhp_new(nslots, &ops);
    f->bus = nv_io_bus_new();
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_memhp_attach(f->bus, f->h, &err));
    g_assert_no_error(err);
}

static void teardown(Fixture *f)
{
    nv_io_bus_free(f->bus);
    nv_memhp_free(f->h);
    g_string_free(f->ops_log.log, TRUE);
}

static uint64_t rd(Fixture *f, uint64_t off, unsigned len)
{
    uint8_t d[8];
    memset(d, 0xAA, sizeof(d));
    g_assert_true(nv_io_dispatch(f->bus, NV_IO_MMIO, BASE + off, d, len,
                                 false));
    uint64_t v = 0;
    for (unsigned i = 0; i < len; i++) {
        v |= (uint64_t)d[i] << (8 * i);
    }
    return v;
}

static void wr(Fixture *f, uint64_t off, unsigned len, uint64_t v)
{
    uint8_t d[8];
    for (unsigned i = 0; i < 8; i++) {
        d[i] = (uint8_t)(v >> (8 * i));
    }
    g_assert_true(nv_io_dispatch(f->bus, NV_IO_MMIO, BASE + off, d, len,
                                 true));
}

static void sel(Fixture *f, uint32_t slot)
{
    wr(f, 0x00, 4, slot);
}

/* Base, size, PXM and flags of the selected slot; reads of a register's
 * low bytes; an empty slot reads as zeros. */
static void test_registers(void)
{
    Fixture f;
    setup(&f, 4);
    nv_memhp_plug(f.h, 2, UINT64_C(0x123456789000), UINT64_C(0x240000000),
                  3, false);

    sel(&f, 2);
    g_assert_cmphex(rd(&f, 0x00, 4), ==, 0x56789000);
    g_assert_cmphex(rd(&f, 0x04, 4), ==, 0x1234);
    g_assert_cmphex(rd(&f, 0x08, 4), ==, 0x40000000);
    g_assert_cmphex(rd(&f, 0x0C, 4), ==, 0x2);
    g_assert_cmphex(rd(&f, 0x10, 4), ==, 3);
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x1);      /* enabled only */
    g_assert_cmphex(rd(&f, 0x14, 4), ==, 0x1);
    /* narrow reads at a register's start: its low bytes */
    g_assert_cmphex(rd(&f, 0x00, 1), ==, 0x00);
    g_assert_cmphex(rd(&f, 0x00, 2), ==, 0x9000);
    g_assert_cmphex(rd(&f, 0x04, 2), ==, 0x1234);

    sel(&f, 1);                                       /* empty slot */
    for (uint64_t off = 0; off <= 0x14; off += 4) {
        g_assert_cmphex(rd(&f, off, 4), ==, 0);
    }
    /* a 1-byte selector write selects too */
    wr(&f, 0x00, 1, 2);
    g_assert_cmphex(rd(&f, 0x10, 4), ==, 3);
    g_assert_cmpstr(f.ops_log.log->str, ==, "");
    teardown(&f);
}

/* Selector out of range: every read is 0 (even where the block reads
 * all ones otherwise), writes other than the selector do nothing. */
static void test_selector_out_of_range(void)
{
    Fixture f;
    setup(&f, 2);
    nv_memhp_plug(f.h, 1, UINT64_C(0x100000000), UINT64_C(0x8000000), 0,
                  true);
    sel(&f, 2);
    for (uint64_t off = 0; off < NV_MEMHP_REG_LEN; off++) {
        for (unsigned len = 1; len <= 8 && off + len <= NV_MEMHP_REG_LEN;
             len++) {
            g_assert_cmphex(rd(&f, off, len), ==, 0);
        }
    }
    sel(&f, UINT32_MAX);
    wr(&f, 0x14, 1, 0x2);      /* would clear an insert */
    wr(&f, 0x14, 1, 0x8);      /* would eject */
    wr(&f, 0x04, 4, 0x200);
    wr(&f, 0x08, 4, 0x1);      /* would report an _OST */
    g_assert_cmpstr(f.ops_log.log->str, ==, "");
    sel(&f, 1);
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x3);   /* still inserting */
    uint32_t ev, st;
    nv_memhp_last_ost(f.h, 1, &ev, &st);
    g_assert_cmpuint(ev, ==, 0);
    g_assert_cmpuint(st, ==, 0);
    teardown(&f);
}

/* A hot-added DIMM: enabled + insert; writing 1 to bit1 clears insert
 * (read-to-clear-by-write, as MSCN does after its Notify); bit0 written
 * does nothing. A boot DIMM has no insert event. */
static void test_insert(void)
{
    Fixture f;
    setup(&f, 3);
    nv_memhp_plug(f.h, 0, UINT64_C(0x100000000), UINT64_C(0x40000000), 0,
                  false);
    nv_memhp_plug(f.h, 1, UINT64_C(0x140000000), UINT64_C(0x40000000), 1,
                  true);
    sel(&f, 0);
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x1);
    sel(&f, 1);
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x3);
    wr(&f, 0x14, 1, 0x1);                     /* bit0: reserved, ignored */
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x3);
    wr(&f, 0x14, 1, 0x0);
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x3);
    wr(&f, 0x14, 1, 0x2);
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x1);
    wr(&f, 0x14, 1, 0x2);                     /* again: nothing to clear */
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x1);
    g_assert_cmpstr(f.ops_log.log->str, ==, "");
    teardown(&f);
}

/* device_del: remove latched; bit2 clears it; eject of an enabled slot
 * calls ops->eject, the slot stays enabled until nv_memhp_unplug(). */
static void test_remove_eject(void)
{
    Fixture f;
    setup(&f, 2);
    nv_memhp_plug(f.h, 1, UINT64_C(0x180000000), UINT64_C(0x40000000), 0,
                  false);
    g_assert_false(nv_memhp_unplug_pending(f.h, 1));
    nv_memhp_request_unplug(f.h, 1);
    g_assert_true(nv_memhp_unplug_pending(f.h, 1));
    sel(&f, 1);
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x5);
    wr(&f, 0x14, 1, 0x4);                     /* MSCN after Notify (3) */
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x1);
    g_assert_true(nv_memhp_unplug_pending(f.h, 1)); /* no eject yet */
    wr(&f, 0x14, 1, 0x8);                     /* _EJ0 */
    g_assert_cmpstr(f.ops_log.log->str, ==, "eject(1)");
    g_assert_false(nv_memhp_unplug_pending(f.h, 1));
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x1); /* until the machine says */
    nv_memhp_unplug(f.h, 1);
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x0);
    for (uint64_t off = 0; off <= 0x10; off += 4) {
        g_assert_cmphex(rd(&f, off, 4), ==, 0);
    }
    /* eject of a slot that is not enabled: ignored */
    wr(&f, 0x14, 1, 0x8);
    sel(&f, 0);
    wr(&f, 0x14, 1, 0x8);
    g_assert_cmpstr(f.ops_log.log->str, ==, "eject(1)");
    /* unplug request of an empty slot: nothing latched */
    nv_memhp_request_unplug(f.h, 0);
    g_assert_false(nv_memhp_unplug_pending(f.h, 0));
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x0);
    /* the slot can be used again, with a new insert */
    nv_memhp_plug(f.h, 1, UINT64_C(0x180000000), UINT64_C(0x8000000), 0,
                  true);
    sel(&f, 1);
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x3);
    g_assert_cmphex(rd(&f, 0x08, 4), ==, 0x8000000);
    teardown(&f);
}

/* One action a write, in QEMU's order: insert, else remove, else eject. */
static void test_one_action(void)
{
    Fixture f;
    setup(&f, 1);
    nv_memhp_plug(f.h, 0, UINT64_C(0x100000000), UINT64_C(0x8000000), 0,
                  true);
    nv_memhp_request_unplug(f.h, 0);
    sel(&f, 0);
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x7);
    wr(&f, 0x14, 1, 0xE);                     /* all three: insert only */
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x5);
    g_assert_cmpstr(f.ops_log.log->str, ==, "");
    wr(&f, 0x14, 1, 0xC);                     /* remove, not eject */
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x1);
    g_assert_cmpstr(f.ops_log.log->str, ==, "");
    wr(&f, 0x14, 4, 0x8);                     /* a dword write ejects too */
    g_assert_cmpstr(f.ops_log.log->str, ==, "eject(0)");
    teardown(&f);
}

/* _OST: the event register stores, the status register reports both
 * (ops->ost), per slot; nv_memhp_last_ost() keeps the last, also after
 * the DIMM left. */
static void test_ost(void)
{
    Fixture f;
    setup(&f, 3);
    nv_memhp_plug(f.h, 2, UINT64_C(0x100000000), UINT64_C(0x8000000), 0,
                  true);
    uint32_t ev, st;
    nv_memhp_last_ost(f.h, 2, &ev, &st);
    g_assert_cmpuint(ev | st, ==, 0);
    sel(&f, 2);
    wr(&f, 0x04, 4, 0x3);
    g_assert_cmpstr(f.ops_log.log->str, ==, "");  /* event alone: quiet */
    wr(&f, 0x08, 4, 0x84);
    g_assert_cmpstr(f.ops_log.log->str, ==, "ost(2,0x3,0x84)");
    wr(&f, 0x08, 4, 0x0);
    g_assert_cmpstr(f.ops_log.log->str, ==, "ost(2,0x3,0x84)ost(2,0x3,0x0)");
    nv_memhp_last_ost(f.h, 2, &ev, &st);
    g_assert_cmpuint(ev, ==, 3);
    g_assert_cmpuint(st, ==, 0);
    /* an empty slot's _OST is reported too (QEMU does) */
    sel(&f, 0);
    wr(&f, 0x04, 4, 0x200);
    wr(&f, 0x08, 4, 0x1);
    g_assert_true(g_str_has_suffix(f.ops_log.log->str, "ost(0,0x200,0x1)"));
    nv_memhp_unplug(f.h, 2);
    nv_memhp_last_ost(f.h, 2, &ev, &st);
    g_assert_cmpuint(ev, ==, 3);
    g_assert_cmpuint(st, ==, 0);
    /* _OST registers read back as base/size, not as what was written */
    g_assert_cmphex(rd(&f, 0x04, 4), ==, 0);
    teardown(&f);
}

/* Every offset, every length 1..8, read and written, with the selector
 * on an enabled slot: reads return the register's low bytes at the five
 * register starts and 0x14, all ones elsewhere and for 5..8-byte
 * accesses; writes elsewhere change nothing. Nothing is read or written
 * outside the access's bytes, and nothing past the block is claimed. */
static void test_bounds(void)
{
    Fixture f;
    setup(&f, 2);
    const uint64_t base = UINT64_C(0xA1B2C3D4E5F60000);
    const uint64_t size = UINT64_C(0x0102030405060000);
    nv_memhp_plug(f.h, 1, base, size, 0x11223344, true);
    const uint64_t regs[6] = {
        base & 0xFFFFFFFF, base >> 32, size & 0xFFFFFFFF, size >> 32,
        0x11223344, 0x3,
    };
    sel(&f, 1);
    for (uint64_t off = 0; off < NV_MEMHP_REG_LEN; off++) {
        for (unsigned len = 1; len <= 8; len++) {
            uint8_t d[16];
            memset(d, 0x5A, sizeof(d));
            bool inside = off + len <= NV_MEMHP_REG_LEN;
            /* an access running past the block is not the block's */
            g_assert_true(nv_io_dispatch(f.bus, NV_IO_MMIO, BASE + off,
                                         d + 4, len, false) == inside);
            if (!inside) {
                continue;
            }
            for (unsigned i = 0; i < 4; i++) {
                g_assert_cmphex(d[i], ==, 0x5A);
            }
            for (unsigned i = 4 + len; i < sizeof(d); i++) {
                g_assert_cmphex(d[i], ==, 0x5A);
            }
            uint64_t v = 0;
            for (unsigned i = 0; i < len; i++) {
                v |= (uint64_t)d[4 + i] << (8 * i);
            }
            uint64_t want = len == 8 ? UINT64_MAX
                                     : (UINT64_C(1) << (8 * len)) - 1;
            if (len <= 4 && off % 4 == 0) {
                want &= regs[off / 4];
            }
            g_assert_cmphex(v, ==, want);
        }
    }
    /* writes of every length at every offset but 0x00/0x04/0x08/0x14
     * (selector, _OST, flags) leave every register as it was */
    for (uint64_t off = 0; off < NV_MEMHP_REG_LEN; off++) {
        for (unsigned len = 1; len <= 8; len++) {
            if ((off == 0x00 || off == 0x04 || off == 0x08 ||
                 off == 0x14) && len <= 4) {
                continue;
            }
            uint8_t d[8];
            memset(d, 0xFF, sizeof(d));
            g_assert_true(nv_io_dispatch(f.bus, NV_IO_MMIO, BASE + off, d,
                                         len, true) ==
                          (off + len <= NV_MEMHP_REG_LEN));
        }
    }
    for (uint64_t off = 0; off <= 0x14; off += 4) {
        g_assert_cmphex(rd(&f, off, 4), ==, regs[off / 4]);
    }
    g_assert_cmpstr(f.ops_log.log->str, ==, "");
    /* the block is 24 bytes: the next byte belongs to nobody */
    uint8_t b = 0;
    g_assert_false(nv_io_dispatch(f.bus, NV_IO_MMIO, BASE + NV_MEMHP_REG_LEN,
                                  &b, 1, false));
    teardown(&f);
}

/* No slots: every read 0, nothing reported (QEMU: nothing happens). */
static void test_no_slots(void)
{
    Fixture f;
    setup(&f, 0);
    for (uint64_t off = 0; off < NV_MEMHP_REG_LEN; off++) {
        g_assert_cmphex(rd(&f, off, 1), ==, 0);
    }
    wr(&f, 0x00, 4, 0);
    wr(&f, 0x08, 4, 1);
    wr(&f, 0x14, 1, 8);
    g_assert_cmpstr(f.ops_log.log->str, ==, "");
    teardown(&f);
}

static NvConfig *board_cfg(int argc, const char **argv)
{
    g_autoptr(GError) err = NULL;
    NvConfig *cfg = nv_config_parse(argc, (char **)argv, &err);
    g_assert_no_error(err);
    g_assert_true(nv_config_plan(cfg, &err));
    g_assert_no_error(err);
    return cfg;
}

/* The board: a controller with -m's slots at NV_MMIO_MEMHP, the
 * command line's pc-dimm enabled without an insert event, its base, size
 * and node readable; the ops reach the hook nv_board_set_memhp_ops()
 * sets, and nothing once it is unset. */
static void test_on_board(void)
{
    const char *argv[] = {
        "nvemu", "-m", "256M,slots=3,maxmem=2G",
        "-numa", "node,nodeid=0", "-numa", "node,nodeid=1",
        "-object", "memory-backend-ram,id=r1,size=128M",
        "-device", "pc-dimm,id=d1,memdev=r1,slot=1,node=1",
    };
    NvConfig *cfg = board_cfg(G_N_ELEMENTS(argv), argv);
    g_autoptr(GError) err = NULL;
    NvBoard *b = nv_board_new(cfg, &err);
    g_assert_no_error(err);
    g_assert_nonnull(b->memhp);
    const NvDimm *d = g_ptr_array_index(cfg->dimms, 0);

    Fixture f = { .bus = b->bus, .h = b->memhp };
    sel(&f, 1);
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0x1);
    g_assert_cmphex(rd(&f, 0x00, 4) | rd(&f, 0x04, 4) << 32, ==, d->addr);
    g_assert_cmphex(rd(&f, 0x08, 4) | rd(&f, 0x0C, 4) << 32, ==,
                    128 * MiB);
    g_assert_cmphex(rd(&f, 0x10, 4), ==, 1);
    sel(&f, 0);
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0);
    sel(&f, 3);
    g_assert_cmphex(rd(&f, 0x14, 1), ==, 0);      /* out of range */

    OpsLog l = { g_string_new("") };
    wr(&f, 0x08, 4, 5);                            /* no hook: dropped */
    NvMemhpOps ops = { log_ost, log_eject, &l };
    nv_board_set_memhp_ops(b, &ops);
    sel(&f, 1);
    wr(&f, 0x04, 4, 3);
    wr(&f, 0x08, 4, 0x84);
    wr(&f, 0x14, 1, 0x8);
    g_assert_cmpstr(l.log->str, ==, "ost(1,0x3,0x84)eject(1)");
    nv_board_set_memhp_ops(b, NULL);
    wr(&f, 0x14, 1, 0x8);
    g_assert_cmpstr(l.log->str, ==, "ost(1,0x3,0x84)eject(1)");

    nv_board_free(b);
    nv_config_free(cfg);
    g_string_free(l.log, TRUE);
}

/* No slots, no controller: the MMIO page is nobody's. */
static void test_board_without_slots(void)
{
    const char *argv[] = { "nvemu", "-m", "64M" };
    NvConfig *cfg = board_cfg(G_N_ELEMENTS(argv), argv);
    g_autoptr(GError) err = NULL;
    NvBoard *b = nv_board_new(cfg, &err);
    g_assert_no_error(err);
    g_assert_null(b->memhp);
    uint8_t d[4];
    g_assert_false(nv_io_dispatch(b->bus, NV_IO_MMIO, NV_MMIO_MEMHP, d, 4,
                                  false));
    nv_board_free(b);
    nv_config_free(cfg);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memhp/registers", test_registers);
    g_test_add_func("/memhp/selector-out-of-range",
                    test_selector_out_of_range);
    g_test_add_func("/memhp/insert", test_insert);
    g_test_add_func("/memhp/remove-eject", test_remove_eject);
    g_test_add_func("/memhp/one-action", test_one_action);
    g_test_add_func("/memhp/ost", test_ost);
    g_test_add_func("/memhp/bounds", test_bounds);
    g_test_add_func("/memhp/no-slots", test_no_slots);
    g_test_add_func("/memhp/on-board", test_on_board);
    g_test_add_func("/memhp/board-without-slots", test_board_without_slots);
    return g_test_run();
}
