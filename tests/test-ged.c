/*
 * tests/test-ged.c — the Generic Event Device (devices/ged.c) through
 * nv_io_dispatch(), as the guest's _EVT reaches it: the selector returns
 * the latched events and clears them (QEMU's ged_evt_read()), each event
 * pulses the edge interrupt once (high, then low), narrow reads and writes
 * change nothing; and the same on a real board at NV_MMIO_GED / NV_IRQ_GED.
 */
#include "ged.h"
#include "machine.h"
#include "testutil.h"

#include <string.h>

typedef struct {
    GString *log;      /* "+N" for a rise of line N, "-N" for a fall */
} IrqLog;

static void irq_log(void *opaque, unsigned irq, bool level)
{
    IrqLog *l = opaque;
    g_string_append_printf(l->log, "%c%u", level ? '+' : '-', irq);
}

static uint32_t read_sel(NvIoBus *bus, uint64_t base)
{
    uint8_t d[4] = { 0xAA, 0xAA, 0xAA, 0xAA };
    g_assert_true(nv_io_dispatch(bus, NV_IO_MMIO, base + NV_GED_ESEL_OFFSET,
                                 d, 4, false));
    return nv_ld32(d);
}

static void test_selector(void)
{
    IrqLog l = { g_string_new("") };
    NvGed *g = nv_ged_new(irq_log, &l, 21);
    NvIoBus *bus = nv_io_bus_new();
    g_autoptr(GError) err = NULL;
    g_assert_true(nv_io_register(bus, NV_IO_MMIO, 0xFEB01000, NV_GED_REG_LEN,
                                 "ged", nv_ged_io, g, &err));

    g_assert_cmpuint(read_sel(bus, 0xFEB01000), ==, 0); /* nothing yet */
    g_assert_cmpstr(l.log->str, ==, "");

    nv_ged_raise(g, NV_GED_EVENT_POWERDOWN);
    g_assert_cmpstr(l.log->str, ==, "+21-21");       /* one pulse */
    g_assert_cmpuint(read_sel(bus, 0xFEB01000), ==, 0x2);
    g_assert_cmpuint(read_sel(bus, 0xFEB01000), ==, 0); /* read clears */
    g_assert_cmpstr(l.log->str, ==, "+21-21");       /* reads pulse nothing */

    /* events accumulate until read; one pulse per event */
    nv_ged_raise(g, NV_GED_EVENT_POWERDOWN);
    nv_ged_raise(g, NV_GED_EVENT_NVDIMM);
    nv_ged_raise(g, NV_GED_EVENT_POWERDOWN);
    g_assert_cmpstr(l.log->str, ==, "+21-21+21-21+21-21+21-21");

    /* writes are ignored: they neither clear nor set */
    uint8_t w[4] = { 0xFF, 0xFF, 0xFF, 0xFF };
    g_assert_true(nv_io_dispatch(bus, NV_IO_MMIO, 0xFEB01000, w, 4, true));
    /* a narrow read returns 0 and keeps the events for _EVT's dword read */
    uint8_t b[2] = { 0xAA, 0xAA };
    g_assert_true(nv_io_dispatch(bus, NV_IO_MMIO, 0xFEB01000, b, 2, false));
    g_assert_cmpuint(b[0] | b[1], ==, 0);
    g_assert_true(nv_io_dispatch(bus, NV_IO_MMIO, 0xFEB01001, b, 1, false));
    g_assert_cmpuint(b[0], ==, 0);
    g_assert_cmpuint(read_sel(bus, 0xFEB01000), ==, 0x6);
    g_assert_cmpuint(read_sel(bus, 0xFEB01000), ==, 0);

    /* the register block is NV_GED_REG_LEN bytes: the next byte is not it */
    g_assert_false(nv_io_dispatch(bus, NV_IO_MMIO,
                                  0xFEB01000 + NV_GED_REG_LEN, b, 1, false));

    nv_io_bus_free(bus);
    nv_ged_free(g);
    g_string_free(l.log, TRUE);
}

/* No interrupt routed (a board between two boots): the event is still
 * latched for the guest. */
static void test_no_irq(void)
{
    NvGed *g = nv_ged_new(NULL, NULL, 16);
    nv_ged_raise(g, NV_GED_EVENT_MEMORY);
    uint8_t d[4];
    nv_ged_io(g, 0, d, 4, false);
    g_assert_cmpuint(nv_ld32(d), ==, NV_GED_EVENT_MEMORY);
    nv_ged_free(g);
}

/* The board wires it at NV_MMIO_GED with interrupt NV_IRQ_GED, through the
 * board's irq routing (KVM_IRQ_LINE in a running machine). */
static void test_on_board(void)
{
    const char *argv[] = { "nvemu", "-m", "64M" };
    g_autoptr(GError) err = NULL;
    NvConfig *cfg = nv_config_parse(G_N_ELEMENTS(argv), (char **)argv, &err);
    g_assert_no_error(err);
    g_assert_true(nv_config_plan(cfg, &err));
    NvBoard *b = nv_board_new(cfg, &err);
    g_assert_no_error(err);

    IrqLog l = { g_string_new("") };
    nv_board_set_irq(b, irq_log, &l);
    nv_ged_raise(b->ged, NV_GED_EVENT_POWERDOWN);
    g_autofree char *want = g_strdup_printf("+%u-%u", NV_IRQ_GED, NV_IRQ_GED);
    g_assert_cmpstr(l.log->str, ==, want);
    g_assert_cmpuint(read_sel(b->bus, NV_MMIO_GED), ==,
                     NV_GED_EVENT_POWERDOWN);
    g_assert_cmpuint(read_sel(b->bus, NV_MMIO_GED), ==, 0);

    /* and the ACPI description names the same register and line */
    NvAcpiConfig acpi;
    nv_config_acpi(cfg, &acpi);
    g_assert_cmpuint(acpi.ged_base, ==, NV_MMIO_GED);
    g_assert_cmpuint(acpi.ged_irq, ==, NV_IRQ_GED);

    nv_board_set_irq(b, NULL, NULL);
    nv_board_free(b);
    nv_config_free(cfg);
    g_string_free(l.log, TRUE);
}

static bool aml_has(const NvAml *n, const char *needle)
{
    g_autoptr(GArray) out = g_array_new(FALSE, FALSE, 1);
    aml_encode(n, out);
    return memmem(out->data, out->len, needle, strlen(needle)) != NULL;
}

/* _EVT handles the memory and NVDIMM bits only when asked: \_SB.MHPC.MSCN
 * (a call) for 0x1, Notify (\_SB.NVDR) for 0x4; the power button always. */
static void test_aml_events(void)
{
    g_autoptr(NvAml) none = nv_ged_aml(0);
    g_assert_true(aml_has(none, "PWRB"));
    g_assert_false(aml_has(none, "MSCN"));
    g_assert_false(aml_has(none, "NVDR"));
    g_autoptr(NvAml) mem = nv_ged_aml(NV_GED_EVENT_MEMORY);
    g_assert_true(aml_has(mem, "_SB_MHPCMSCN"));
    g_assert_false(aml_has(mem, "NVDR"));
    g_autoptr(NvAml) both = nv_ged_aml(NV_GED_EVENT_MEMORY |
                                       NV_GED_EVENT_NVDIMM);
    g_assert_true(aml_has(both, "_SB_MHPCMSCN"));
    /* Notify (0x86) \_SB.NVDR (0x5C 0x2E _SB_ NVDR), 0x80 */
    g_assert_true(aml_has(both, "\x86\x5C\x2E_SB_NVDR\x0A\x80"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ged/selector", test_selector);
    g_test_add_func("/ged/no-irq", test_no_irq);
    g_test_add_func("/ged/on-board", test_on_board);
    g_test_add_func("/ged/aml-events", test_aml_events);
    return g_test_run();
}
