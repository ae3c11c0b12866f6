/*
 * tests/test-acpi.c — whole table sets, as `nvemu --dump-acpi` writes them,
 * checked by ACPICA's own tools:
 *   - byte-identical to the golden files in tests/data/acpi/<config>/
 *     (regenerate: NVEMU_ACPI_REGENERATE=1 meson test -C build acpi);
 *   - every table disassembles with `iasl -d` and the disassembly compiles
 *     back with 0 errors and 0 warnings;
 *   - `acpiexec` loads DSDT + SSDT and evaluates \_SB.NVDR._DSM, an
 *     NVxx._DSM and (where the DIMM has labels) _LSI, the GED's _EVT,
 *     _FIT (to its end: acpiexec cannot answer the mailbox) and the memory
 *     hotplug AML (MPxx methods, MSCN's Notify), with no AE_ error.
 */
#include "util.h"

#include <string.h>
#include <unistd.h>

typedef struct {
    const char *name;
    const char *args[40];
    bool nv00_labels; /* slot 0 holds an NVDIMM with labels */
    unsigned slots;   /* -m ...,slots= */
} AcpiConfig;

#define FILE_OBJ(id, size) \
    "-object", "memory-backend-file,id=" id ",share=on,mem-path=@/" id \
               ".img,size=" size

static const AcpiConfig configs[] = {
    { "one-nvdimm", {
        "-m", "512M,slots=4,maxmem=4G",
        FILE_OBJ("mem0", "272M"),
        "-device", "nvdimm,id=nv0,memdev=mem0,label-size=128K" }, true, 4 },
    { "four-nvdimms-two-nodes", {
        "-m", "1G,slots=4,maxmem=8G", "-smp", "2",
        "-numa", "node,nodeid=0", "-numa", "node,nodeid=1,cpus=1",
        FILE_OBJ("m0", "256M"), FILE_OBJ("m1", "256M"),
        FILE_OBJ("m2", "256M"), FILE_OBJ("m3", "256M"),
        "-device", "nvdimm,id=nv0,memdev=m0,label-file=@/nv0.labels",
        "-device", "nvdimm,id=nv1,memdev=m1,label-file=@/nv1.labels",
        "-device", "nvdimm,id=nv2,memdev=m2,node=1,label-file=@/nv2.labels",
        "-device", "nvdimm,id=nv3,memdev=m3,node=1,unarmed=on,"
                   "label-file=@/nv3.labels",
        "-machine", "nvdimm-persistence=mem-ctrl" }, true, 4 },
    { "pc-dimm-and-labelless-nvdimm", {
        "-m", "512M,slots=2,maxmem=4G",
        FILE_OBJ("mem0", "256M"),
        "-object", "memory-backend-ram,id=ram1,size=256M",
        "-device", "nvdimm,id=nv0,memdev=mem0,label-size=0",
        "-device", "pc-dimm,id=dimm1,memdev=ram1" }, false, 2 },
};

static const char *const expected_tables[] = {
    "rsdp", "xsdt", "facp", "apic", "dsdt", "srat", "ssdt", "nfit",
};

/* ---- helpers ---------------------------------------------------------- */

static bool run(const char *const *argv, const char *cwd, char **out)
{
    g_autofree char *err = NULL;
    g_autoptr(GError) e = NULL;
    gint wait = 0;
    if (!g_spawn_sync(cwd, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
                      NULL, out, &err, &wait, &e)) {
        g_test_message("cannot run %s: %s", argv[0], e->message);
        return false;
    }
    if (out && err) {
        char *both = g_strconcat(*out, err, NULL);
        g_free(*out);
        *out = both;
    }
    return g_spawn_check_wait_status(wait, NULL);
}

/* nvemu --dump-acpi DIR with "@" in the arguments replaced by @scratch. */
static void dump(const AcpiConfig *c, const char *scratch, const char *dir)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, g_strdup(g_getenv("NVEMU")));
    for (int i = 0; c->args[i]; i++) {
        g_auto(GStrv) parts = g_strsplit(c->args[i], "@", -1);
        g_ptr_array_add(argv, g_strjoinv(scratch, parts));
    }
    g_ptr_array_add(argv, g_strdup("--dump-acpi"));
    g_ptr_array_add(argv, g_strdup(dir));
    g_ptr_array_add(argv, NULL);
    g_autofree char *out = NULL;
    if (!run((const char *const *)argv->pdata, NULL, &out)) {
        g_test_message("%s", out);
        g_error("nvemu --dump-acpi failed for %s", c->name);
    }
}

static GBytes *slurp(const char *dir, const char *sig)
{
    g_autofree char *name = g_strdup_printf("%s.dat", sig);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &data, &len, NULL)) {
        return NULL;
    }
    return g_bytes_new_take(data, len);
}

static void rm_rf(const char *dir)
{
    const char *argv[] = { "rm", "-rf", dir, NULL };
    g_assert_true(run(argv, NULL, NULL));
}

static bool have(const char *tool)
{
    g_autofree char *p = g_find_program_in_path(tool);
    return p != NULL;
}

/* ---- tests ------------------------------------------------------------ */

/* Golden files, and the same bytes on a second run. */
static void test_golden(gconstpointer data)
{
    const AcpiConfig *c = data;
    g_autofree char *tmp = g_dir_make_tmp("nvemu-acpi-XXXXXX", NULL);
    g_autofree char *d1 = g_build_filename(tmp, "a", NULL);
    g_autofree char *d2 = g_build_filename(tmp, "b", NULL);
    dump(c, tmp, d1);
    dump(c, tmp, d2);
    g_autofree char *golden = g_test_build_filename(G_TEST_DIST, "data",
                                                    "acpi", c->name, NULL);
    bool regenerate = g_getenv("NVEMU_ACPI_REGENERATE") != NULL;
    if (regenerate) {
        g_assert_cmpint(g_mkdir_with_parents(golden, 0755), ==, 0);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(expected_tables); i++) {
        const char *sig = expected_tables[i];
        g_autoptr(GBytes) a = slurp(d1, sig), b = slurp(d2, sig);
        g_assert_nonnull(a);
        g_assert_true(g_bytes_equal(a, b)); /* deterministic */
        g_autofree char *name = g_strdup_printf("%s.dat", sig);
        g_autofree char *gpath = g_build_filename(golden, name, NULL);
        if (regenerate) {
            g_assert_true(g_file_set_contents(gpath,
                                              g_bytes_get_data(a, NULL),
                                              g_bytes_get_size(a), NULL));
            continue;
        }
        g_autoptr(GBytes) g = slurp(golden, sig);
        if (!g || !g_bytes_equal(a, g)) {
            g_test_message("%s/%s.dat differs from the golden file %s (if "
                           "the change is intended: NVEMU_ACPI_REGENERATE=1 "
                           "meson test -C build acpi)", c->name, sig, gpath);
            g_test_fail();
        }
    }
    rm_rf(tmp);
    if (regenerate) {
        g_test_skip("golden files regenerated, not compared");
    }
}

/* iasl -d each table, then compile the disassembly back: 0 errors and
 * 0 warnings both ways. The RSDP is the exception: it has no standard
 * table header and iasl 20200925 will not read it on its own ("does not
 * contain a valid ACPI table"); test-acpi-tables checks both its checksums
 * and its XSDT pointer. */
static void test_iasl(gconstpointer data)
{
    const AcpiConfig *c = data;
    if (!have("iasl")) {
        g_test_skip("iasl not found (Debian package acpica-tools)");
        return;
    }
    g_autofree char *tmp = g_dir_make_tmp("nvemu-iasl-XXXXXX", NULL);
    dump(c, tmp, tmp);
    for (size_t i = 0; i < G_N_ELEMENTS(expected_tables); i++) {
        if (!strcmp(expected_tables[i], "rsdp")) {
            continue;
        }
        g_autofree char *dat = g_strdup_printf("%s.dat", expected_tables[i]);
        g_autofree char *dsl = g_strdup_printf("%s.dsl", expected_tables[i]);
        g_autofree char *out = NULL, *out2 = NULL;
        /* The DSDT's GED calls into the NVDIMM SSDT (\_SB.NVDR.NHLT):
         * disassemble it with the SSDT as its external-symbol table, as
         * the guest loads both. */
        bool with_ssdt = !strcmp(expected_tables[i], "dsdt");
        const char *dis[] = { "iasl", "-e", "ssdt.dat", "-d", dat, NULL };
        const char *dis1[] = { "iasl", "-d", dat, NULL };
        bool ok = run(with_ssdt ? dis : dis1, tmp, &out);
        if (!ok || strstr(out, "Error") || strstr(out, "Warning") ||
            strstr(out, "WARNING") || strstr(out, "****")) {
            g_test_message("iasl -d %s/%s:\n%s", c->name, dat, out);
            g_test_fail();
            continue;
        }
        const char *comp[] = { "iasl", "-p", "recompiled", dsl, NULL };
        ok = run(comp, tmp, &out2);
        if (!ok || !strstr(out2, "0 Errors, 0 Warnings")) {
            g_test_message("iasl %s/%s:\n%s", c->name, dsl, out2);
            g_test_fail();
        }
    }
    rm_rf(tmp);
}

/* A throwaway SSDT that calls the methods with real argument types
 * (acpiexec's command line cannot pass a Package or a ToUUID buffer). */
static const char driver_asl[] =
    "DefinitionBlock (\"\", \"SSDT\", 2, \"NVEMU\", \"TESTDRV\", 1)\n"
    "{\n"
    "    External (\\_SB.NVDR._DSM, MethodObj)\n"
    "    External (\\_SB.NVDR.NV00._DSM, MethodObj)\n"
    "    External (\\_SB.NVDR.NV00._LSI, MethodObj)\n"
    "    Method (TROO) { Return (\\_SB.NVDR._DSM (ToUUID (\"%s\"), 1, 0,"
    " Package () {})) }\n"
    "    Method (TDIM) { Return (\\_SB.NVDR.NV00._DSM (ToUUID (\"%s\"), 1, 4,"
    " Package () {})) }\n"
    "    Method (TBAD) { Return (\\_SB.NVDR.NV00._DSM (ToUUID (\"%s\"), 1, 0,"
    " Package () {})) }\n"
    "    Method (TLBL) { Return (\\_SB.NVDR.NV00._DSM (ToUUID (\"%s\"), 1, 5,"
    " Package () { Buffer (8) { 0, 0, 0, 0, 16, 0, 0, 0 } })) }\n"
    "    Method (TLSI) { Return (\\_SB.NVDR.NV00._LSI ()) }\n"
    /* The GED's _EVT as evged runs it (acpiexec's region is plain memory:
     * no read-clear): power-down (2) notifies PWRB; memory | NVDIMM (5)
     * runs MHPC.MSCN (no slot has an event: no Notify) and notifies NVDR;
     * health (0x20) notifies NV00 with 0x81; media errors (0x40) notify
     * NVDR with 0x81. */
    "    External (\\_SB.GED.ESEL, FieldUnitObj)\n"
    "    External (\\_SB.GED._EVT, MethodObj)\n"
    "    External (\\_SB.NVDR.NP00, FieldUnitObj)\n"
    "    Method (TGED) {\n"
    "        \\_SB.GED.ESEL = 2\n"
    "        \\_SB.GED._EVT (16)\n"
    "        \\_SB.GED.ESEL = 5\n"
    "        \\_SB.GED._EVT (16)\n"
    /* nvemu's health event (0x20): NHLT notifies the DIMMs whose bit is
     * set in the pending-notify block, here slot 0 only, with 0x81 */
    "        \\_SB.NVDR.NP00 = 1\n"
    "        \\_SB.GED.ESEL = 0x20\n"
    "        \\_SB.GED._EVT (16)\n"
    "        \\_SB.GED.ESEL = 0x40\n"
    "        \\_SB.GED._EVT (16)\n"
    "        Return (\\_SB.GED.ESEL)\n"
    "    }\n"
    /* _FIT runs to its end; acpiexec does not answer the mailbox (the
     * request stays where the answer would be: status 1), so it returns
     * the empty buffer of a failed read. */
    "    External (\\_SB.NVDR._FIT, MethodObj)\n"
    "    Method (TFIT) { Return (\\_SB.NVDR._FIT ()) }\n"
    /* MP01's methods on plain memory: _OST leaves selector 1, event 3,
     * status 0x84 in the first three dwords, _EJ0 sets bit 3 of byte
     * 0x14 (WriteAsZeros: only it); read back as base/size they make
     * _CRS 0x300000001 + 0x84: QWordMemory min 0x300000001, max
     * 0x300000084, length 0x84; _STA 0 (bit 0 clear), _PXM 0. */
    "    External (\\_SB.MHPC.MP01, DeviceObj)\n"
    "    External (\\_SB.MHPC.MP01._OST, MethodObj)\n"
    "    External (\\_SB.MHPC.MP01._EJ0, MethodObj)\n"
    "    External (\\_SB.MHPC.MP01._STA, MethodObj)\n"
    "    External (\\_SB.MHPC.MP01._PXM, MethodObj)\n"
    "    External (\\_SB.MHPC.MP01._CRS, MethodObj)\n"
    "    External (\\_SB.MHPC.MSCN, MethodObj)\n"
    "    OperationRegion (TMHR, SystemMemory, 0xFEB02000, 0x18)\n"
    "    Field (TMHR, ByteAcc, NoLock, Preserve) { Offset (0x14), TFLG, 8 }\n"
    "    Method (TMHP) {\n"
    "        \\_SB.MHPC.MP01._OST (3, 0x84, Buffer () {})\n"
    "        \\_SB.MHPC.MP01._EJ0 (1)\n"
    "        If (TFLG != 8) { Return (0xBAD1) }\n"
    "        If (\\_SB.MHPC.MP01._STA () != 0) { Return (0xBAD2) }\n"
    "        If (\\_SB.MHPC.MP01._PXM () != 0) { Return (0xBAD3) }\n"
    "        Local0 = \\_SB.MHPC.MP01._CRS ()\n"
    "        CreateQWordField (Local0, 14, MIN)\n"
    "        CreateQWordField (Local0, 22, MAX)\n"
    "        CreateQWordField (Local0, 38, LEN)\n"
    "        If (MIN != 0x300000001) { Return (0xBAD4) }\n"
    "        If (MAX != 0x300000084) { Return (0xBAD5) }\n"
    "        If (LEN != 0x84) { Return (0xBAD6) }\n"
    "        Return (0x600D)\n"
    "    }\n"
    /* MSCN with an insert event latched (plain memory keeps it: every
     * slot reads it) notifies each MPxx with 1 (Device Check), then
     * with a remove event each with 3 (Eject Request). */
    "    Method (TMSC) {\n"
    "        TFLG = 2\n"
    "        \\_SB.MHPC.MSCN ()\n"
    "        TFLG = 4\n"
    "        \\_SB.MHPC.MSCN ()\n"
    "        Return (TFLG)\n"
    "    }\n"
    "}\n";

static void test_acpiexec(gconstpointer data)
{
    const AcpiConfig *c = data;
    if (!have("iasl") || !have("acpiexec")) {
        g_test_skip("iasl or acpiexec not found (acpica-tools)");
        return;
    }
    g_autofree char *tmp = g_dir_make_tmp("nvemu-acpiexec-XXXXXX", NULL);
    dump(c, tmp, tmp);
    g_autofree char *asl = g_strdup_printf(
        driver_asl, "2F10E7A4-9E91-11E4-89D3-123B93F75CBA",
        "4309AC30-0D11-11E4-9191-0800200C9A66",
        "00000000-1111-2222-3333-444444444444",
        "4309AC30-0D11-11E4-9191-0800200C9A66");
    g_autofree char *asl_path = g_build_filename(tmp, "driver.asl", NULL);
    g_assert_true(g_file_set_contents(asl_path, asl, -1, NULL));
    g_autofree char *out = NULL;
    const char *comp[] = { "iasl", "driver.asl", NULL };
    if (!run(comp, tmp, &out)) {
        g_test_message("%s", out);
        g_error("the test's own driver.asl does not compile");
    }

    const char *cmds = c->nv00_labels
        ? "evaluate TROO; evaluate TDIM; evaluate TBAD; evaluate TLBL; "
          "evaluate TLSI; evaluate TGED; evaluate TFIT; evaluate TMHP; "
          "evaluate TMSC"
        : "evaluate TROO; evaluate TDIM; evaluate TBAD; evaluate TLBL; "
          "evaluate TGED; evaluate TFIT; evaluate TMHP; evaluate TMSC";
    const char *exec[] = { "acpiexec", "-b", cmds, "dsdt.dat", "ssdt.dat",
                           "driver.aml", NULL };
    g_autofree char *log = NULL;
    bool ok = run(exec, tmp, &log);
    g_test_message("%s", log);
    g_assert_true(ok);
    g_assert_null(strstr(log, "AE_"));
    g_assert_null(strstr(log, "ACPI Error"));
    g_assert_null(strstr(log, "ACPI Exception"));
    g_assert_null(strstr(log, "ACPI Warning"));
    /* each method ran to its return */
    int returned = 0;
    for (const char *p = log; (p = strstr(p, "returned object")); p++) {
        returned++;
    }
    g_assert_cmpint(returned, ==, c->nv00_labels ? 9 : 8);
    /* _EVT notified the power button and NVDR once, with 0x80, NV00
     * once, with 0x81 (health), NVDR once with 0x81 (media errors); MSCN
     * each MPxx twice */
    int notifies = 0;
    for (const char *p = log; (p = strstr(p, "Notify on")); p++) {
        notifies++;
    }
    g_assert_cmpint(notifies, ==, 4 + 2 * c->slots);
    g_assert_nonnull(strstr(log, "Notify on [PWRB]"));
    /* NVDR twice, 0x80 and 0x81, in whatever order acpiexec's notify
     * thread prints them */
    int nvdr80 = 0, nvdr81 = 0;
    for (const char *p = log; (p = strstr(p, "Notify on [NVDR]")); p++) {
        g_autofree char *line = g_strndup(p, strcspn(p, "\n"));
        nvdr80 += strstr(line, "Value 0x80") != NULL;
        nvdr81 += strstr(line, "Value 0x81") != NULL;
    }
    g_assert_cmpint(nvdr80, ==, 1);
    g_assert_cmpint(nvdr81, ==, 1);
    for (unsigned s = 0; s < c->slots; s++) {
        g_autofree char *dev = g_strdup_printf("Notify on [MP%02X]", s);
        g_assert_nonnull(strstr(log, dev));
    }
    g_assert_nonnull(strstr(log, "Value 0x80"));
    g_assert_nonnull(strstr(log, "Notify on [NV00]"));
    g_assert_nonnull(strstr(log, "Value 0x81"));
    /* MP01's _OST/_EJ0/_STA/_PXM/_CRS did what TMHP expects */
    g_assert_nonnull(strstr(log, "[Integer] = 000000000000600D"));
    /* an unknown UUID answers function 0 with a one-byte empty bitmap */
    g_assert_nonnull(strstr(log, "[Buffer] Length 01 =     0000: 00"));
    rm_rf(tmp);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!g_getenv("NVEMU")) {
        g_printerr("set NVEMU to the nvemu binary\n");
        return 1;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(configs); i++) {
        const char *n = configs[i].name;
        g_autofree char *p1 = g_strdup_printf("/acpi/golden/%s", n);
        g_autofree char *p2 = g_strdup_printf("/acpi/iasl/%s", n);
        g_autofree char *p3 = g_strdup_printf("/acpi/acpiexec/%s", n);
        g_test_add_data_func(p1, &configs[i], test_golden);
        g_test_add_data_func(p2, &configs[i], test_iasl);
        g_test_add_data_func(p3, &configs[i], test_acpiexec);
    }
    return g_test_run();
}
