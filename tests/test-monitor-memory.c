/*
 * tests/test-monitor-memory.c — the monitor's memory hotplug commands
 * (machine/monitor-memory.c, machine/hotplug.h) without KVM, through
 * nv_qmp_client_feed() (the path the sockets use): object-add, object-del,
 * device_add, device_del and the queries on a machine in prelaunch, every
 * bad request's exact reply, and that it changed nothing (the queries, the
 * files in the directory). The run-time path (a guest's _OST and eject)
 * is driven through a board without vCPUs, as the guest would drive it.
 */
#include "acpi.h"
#include "flush-hint.h"
#include "monitor-fixture.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 512M RAM, 4 slots, maxmem 1536M: an nvdimm nv0 (256M of pmem, slot 0)
 * and a 128M pc-dimm dimm1 (slot 1); 768M left for DIMMs. */
static void fixture_up(Fixture *f)
{
    f->dir = g_dir_make_tmp("nvemu-monmem-XXXXXX", NULL);
    g_autofree char *obj = g_strdup_printf(
        "memory-backend-file,id=mem0,share=on,mem-path=%s/pmem.img,"
        "size=262272K", f->dir);
    const char *argv[] = { "nvemu", "-m", "512M,slots=4,maxmem=1536M",
        "-object", obj,
        "-device", "nvdimm,id=nv0,memdev=mem0,label-size=128K",
        "-object", "memory-backend-ram,id=ram1,size=128M",
        "-device", "pc-dimm,id=dimm1,memdev=ram1", NULL };
    monitor_fixture_up(f, argv);
}

static void fixture_down(Fixture *f)
{
    monitor_fixture_down(f);
    monitor_fixture_remove_dir(f);
}

/* What a bad request must not change: both queries and every file (name,
 * size, modification time). */
static char *state(Fixture *f)
{
    static const char *const queries[] = {
        "query-memory-devices",
        "query-acpi-ospm-status",
        "query-memory-size-summary",
        NULL,
    };
    GString *s = monitor_query_lines(f, queries);
    g_autoptr(GPtrArray) names = monitor_fixture_dir_names(f);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *p = g_build_filename(f->dir, names->pdata[i], NULL);
        struct stat st;
        g_assert_cmpint(stat(p, &st), ==, 0);
        g_string_append_printf(s, "%s %lld %lld.%09ld\n",
                               (char *)names->pdata[i], (long long)st.st_size,
                               (long long)st.st_mtim.tv_sec,
                               st.st_mtim.tv_nsec);
    }
    return g_string_free(s, FALSE);
}

/* @request must answer exactly @reply and change nothing. */
static void refused(Fixture *f, const char *request, const char *reply)
{
    monitor_assert_refused(f, state, request, reply);
}

static bool exists(Fixture *f, const char *name)
{
    g_autofree char *p = g_build_filename(f->dir, name, NULL);
    return g_file_test(p, G_FILE_TEST_EXISTS);
}

/* ---- object-add, object-del ------------------------------------------- */

static void test_object_add_del(void)
{
    Fixture f;
    fixture_up(&f);
    assert_json(send_f(&f, "{\"execute\": \"object-add\", \"arguments\": "
                       "{\"qom-type\": \"memory-backend-ram\", \"id\": \"r2\", "
                       "\"size\": 268435456}, \"id\": 1}"),
                "{\"return\": {}, \"id\": 1}");
    /* a file backend creates its file (realize, as -object) */
    assert_json(send_f(&f, "{\"execute\": \"object-add\", \"arguments\": "
                       "{\"qom-type\": \"memory-backend-file\", "
                       "\"id\": \"f1\", "
                       "\"mem-path\": \"%s/f1.img\", \"size\": 134217728, "
                       "\"share\": true}}", f.dir), "{\"return\": {}}");
    g_assert_true(exists(&f, "f1.img"));

    refused(&f, "{\"execute\": \"object-add\", \"arguments\": "
            "{\"qom-type\": \"memory-backend-ram\", \"id\": \"r2\", "
            "\"size\": 134217728}}",
            GENERIC("object-add memory-backend-ram,id=r2: id=r2 is already "
                    "used by another object"));
    refused(&f, "{\"execute\": \"object-add\", \"arguments\": "
            "{\"qom-type\": \"memory-backend-ram\", \"id\": \"mem0\", "
            "\"size\": 134217728}}",
            GENERIC("object-add memory-backend-ram,id=mem0: id=mem0 is "
                    "already used by another object"));
    /* QEMU's QMP takes a size as a JSON number only */
    refused(&f, "{\"execute\": \"object-add\", \"arguments\": "
            "{\"qom-type\": \"memory-backend-ram\", \"id\": \"r3\", "
            "\"size\": \"1G\"}}",
            GENERIC("Invalid parameter type for 'size', expected: integer"));
    refused(&f, "{\"execute\": \"object-add\", \"arguments\": "
            "{\"qom-type\": \"memory-backend-ram\", \"id\": \"r3\"}}",
            GENERIC("object-add: property 'size' is required for "
                    "memory-backend-ram"));
    refused(&f, "{\"execute\": \"object-add\", \"arguments\": "
            "{\"qom-type\": \"memory-backend-ram\", \"id\": \"r3\", "
            "\"size\": -1}}",
            GENERIC("object-add: size=-1 is negative"));
    refused(&f, "{\"execute\": \"object-add\", \"arguments\": "
            "{\"qom-type\": \"memory-backend-epc\", \"id\": \"r3\", "
            "\"size\": 1}}",
            GENERIC("object-add: unknown object type 'memory-backend-epc' "
                    "(use memory-backend-file or memory-backend-ram)"));
    refused(&f, "{\"execute\": \"object-add\", \"arguments\": "
            "{\"qom-type\": \"memory-backend-ram\", \"id\": \"r3\", "
            "\"size\": 1, \"merge\": true}}",
            GENERIC("Parameter 'merge' is unexpected"));
    /* one file, two backends */
    g_autofree char *same = g_strdup_printf(
        "{\"execute\": \"object-add\", \"arguments\": "
        "{\"qom-type\": \"memory-backend-file\", \"id\": \"f2\", "
        "\"mem-path\": \"%s/pmem.img\", \"share\": true, "
        "\"size\": 268566528}}", f.dir);
    g_autofree char *same_err = g_strdup_printf(
        GENERIC("object-add memory-backend-file,id=f2: mem-path=%s/pmem.img "
                "is the same file as mem-path of object mem0 "
                "(%s/pmem.img)"), f.dir, f.dir);
    refused(&f, same, same_err);
    /* a file that cannot be created: nothing left behind */
    g_autofree char *nodir = g_strdup_printf(
        "{\"execute\": \"object-add\", \"arguments\": "
        "{\"qom-type\": \"memory-backend-file\", \"id\": \"f3\", "
        "\"mem-path\": \"%s/no/such/dir/f3.img\", \"size\": 134217728}}",
        f.dir);
    g_autofree char *before = state(&f);
    const char *r = send_f(&f, "%s", nodir);
    g_assert_nonnull(strstr(r, "\"GenericError\""));
    g_assert_nonnull(strstr(r, "object-add memory-backend-file,id=f3: "));
    g_autofree char *after = state(&f);
    g_assert_cmpstr(after, ==, before);

    /* object-del */
    refused(&f, "{\"execute\": \"object-del\", \"arguments\": "
            "{\"id\": \"nope\"}}",
            GENERIC("object-del: object 'nope' not found"));
    refused(&f, "{\"execute\": \"object-del\", \"arguments\": "
            "{\"id\": \"ram1\"}}",
            GENERIC("object-del: object 'ram1' can't be deleted: it is the "
                    "memdev of -device pc-dimm,id=dimm1"));
    refused(&f, "{\"execute\": \"object-del\", \"arguments\": "
            "{\"id\": \"mem0\"}}",
            GENERIC("object-del: object 'mem0' can't be deleted: it is the "
                    "memdev of -device nvdimm,id=nv0"));
    assert_json(send_f(&f, "{\"execute\": \"object-del\", \"arguments\": "
                       "{\"id\": \"f1\"}}"), "{\"return\": {}}");
    g_assert_true(exists(&f, "f1.img")); /* a user's file stays */
    /* and the id can be used again, on the same file */
    assert_json(send_f(&f, "{\"execute\": \"object-add\", \"arguments\": "
                       "{\"qom-type\": \"memory-backend-file\", "
                       "\"id\": \"f1\", "
                       "\"mem-path\": \"%s/f1.img\", \"share\": true}}", f.dir),
                "{\"return\": {}}");
    fixture_down(&f);
}

/* ---- device_add, device_del in prelaunch ---------------------------------- */

static void add_ram(Fixture *f, const char *id, uint64_t size)
{
    assert_json(send_f(f, "{\"execute\": \"object-add\", \"arguments\": "
                       "{\"qom-type\": \"memory-backend-ram\", \"id\": \"%s\", "
                       "\"size\": %" G_GUINT64_FORMAT "}}", id, size),
                "{\"return\": {}}");
}

static void test_device_add_errors(void)
{
    Fixture f;
    fixture_up(&f);
    add_ram(&f, "r2", 256 * MiB);
    add_ram(&f, "odd", 192 * MiB);
    add_ram(&f, "big", 1 * GiB);
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"pc-dimm\", \"id\": \"dimm1\", \"memdev\": \"r2\"}}",
            GENERIC("device_add pc-dimm,id=dimm1: id=dimm1 is already used "
                    "by -device pc-dimm,id=dimm1"));
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"pc-dimm\", \"id\": \"d2\", \"memdev\": \"nope\"}}",
            GENERIC("device_add pc-dimm,id=d2: memdev=nope: no -object has "
                    "id=nope"));
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"pc-dimm\", \"id\": \"d2\", \"memdev\": \"ram1\"}}",
            GENERIC("device_add pc-dimm,id=d2: memdev=ram1 is already used "
                    "by -device pc-dimm,id=dimm1"));
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"pc-dimm\", \"id\": \"d2\", \"memdev\": \"odd\"}}",
            GENERIC("device_add pc-dimm,id=d2: memdev=odd is 192M, not a "
                    "multiple of the DIMM alignment 128M"));
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"pc-dimm\", \"id\": \"d2\", \"memdev\": \"big\"}}",
            GENERIC("device_add pc-dimm,id=d2: RAM plus DIMMs would be "
                    "1920M, over maxmem=1536M"));
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"pc-dimm\", \"id\": \"d2\", \"memdev\": \"r2\", "
            "\"slot\": 1}}",
            GENERIC("device_add pc-dimm,id=d2: slot=1 is already taken by "
                    "-device pc-dimm,id=dimm1"));
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"pc-dimm\", \"id\": \"d2\", \"memdev\": \"r2\", "
            "\"slot\": 4}}",
            GENERIC("device_add pc-dimm,id=d2: slot=4 is out of range (the "
                    "machine has 4 slots, -m ...,slots=N)"));
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"pc-dimm\", \"id\": \"d2\", \"memdev\": \"r2\", "
            "\"node\": 1}}",
            GENERIC("device_add pc-dimm,id=d2: node=1 is out of range (the "
                    "machine has 1 NUMA node; add -numa node,nodeid=1)"));
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"pc-dimm\", \"id\": \"d2\", \"memdev\": \"r2\", "
            "\"slot\": \"2\"}}",
            GENERIC("Invalid parameter type for 'slot', expected: integer"));
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"virtio-mem-pci\", \"id\": \"d2\"}}",
            GENERIC("device_add: unknown device 'virtio-mem-pci' (nvemu has "
                    "nvdimm and pc-dimm)"));
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"pc-dimm\", \"id\": \"d2\", \"memdev\": \"r2\", "
            "\"label-size\": 131072}}",
            GENERIC("device_add: unknown property 'label-size'"));
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"pc-dimm\", \"id\": \"d2\"}}",
            GENERIC("device_add pc-dimm,id=d2: memdev= is required (the id "
                    "of a -object memory-backend-file or memory-backend-ram)"));
    /* fill the slots: 512M + 256M (nv0) + 128M (dimm1) + 256M + 2 x 128M */
    add_ram(&f, "r3", 128 * MiB);
    add_ram(&f, "r4", 128 * MiB);
    add_ram(&f, "r5", 128 * MiB);
    assert_json(send_f(&f, "{\"execute\": \"device_add\", \"arguments\": "
                       "{\"driver\": \"pc-dimm\", \"id\": \"d2\", "
                       "\"memdev\": \"r2\"}}"), "{\"return\": {}}");
    assert_json(send_f(&f, "{\"execute\": \"device_add\", \"arguments\": "
                       "{\"driver\": \"pc-dimm\", \"id\": \"d3\", "
                       "\"memdev\": \"r3\", \"slot\": -1}}"),
                "{\"return\": {}}");
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"pc-dimm\", \"id\": \"d4\", \"memdev\": \"r4\"}}",
            GENERIC("device_add pc-dimm,id=d4: no free slot: 5 DIMMs but "
                    "the machine has 4 slots (-m ...,slots=N)"));
    /* device_del */
    refused(&f, "{\"execute\": \"device_del\", \"arguments\": "
            "{\"id\": \"nope\"}}",
            "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": "
            "\"Device 'nope' not found\"}}");
    refused(&f, "{\"execute\": \"device_del\", \"arguments\": "
            "{\"id\": \"nv0\"}}",
            GENERIC("nvdimm device hot unplug is not supported yet."));
    refused(&f, "{\"execute\": \"device_del\", \"arguments\": "
            "{\"id\": \"/machine/peripheral/nv0\"}}",
            GENERIC("nvdimm device hot unplug is not supported yet."));
    refused(&f, "{\"execute\": \"device_del\"}",
            GENERIC("Parameter 'id' is missing"));
    fixture_down(&f);
}

/* The index in @f's messages of the first event @name from @from on,
 * running the machine's loop (where the machine sends its events) until
 * it came. */
static guint find_event(Fixture *f, guint from, const char *name)
{
    g_autofree char *needle = g_strdup_printf("{\"event\":\"%s\"", name);
    for (int round = 0; round < 100; round++) {
        for (guint i = from; i < f->p->msgs->len; i++) {
            g_autofree char *c = canon(f->p->msgs->pdata[i]);
            if (g_str_has_prefix(c, needle)) {
                return i;
            }
        }
        g_main_context_iteration(nv_machine_context(f->m), FALSE);
    }
    g_assert_not_reached();
}

/* The "data" of event message @i, compact. */
static char *event_data(Peer *p, guint i)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_assert_true(json_parser_load_from_data(parser, p->msgs->pdata[i], -1,
                                             NULL));
    JsonObject *o = json_node_get_object(json_parser_get_root(parser));
    return json_to_string(json_object_get_member(o, "data"), FALSE);
}

static void test_prelaunch_add_del(void)
{
    Fixture f;
    fixture_up(&f);
    add_ram(&f, "r2", 256 * MiB);
    assert_json(send_f(&f, "{\"execute\": \"device_add\", \"arguments\": "
                       "{\"driver\": \"pc-dimm\", \"id\": \"d2\", "
                       "\"memdev\": \"r2\"}, \"id\": \"a\"}"),
                "{\"return\": {}, \"id\": \"a\"}");
    /* placed as the boot plan places: first free slot, first fit */
    NvDimm *nv0 = f.cfg->dimms->pdata[0], *d1 = f.cfg->dimms->pdata[1];
    NvDimm *d2 = nv_machine_find_dimm(f.m, "d2");
    g_assert_nonnull(d2);
    g_assert_cmpuint(d2->slot, ==, 2);
    g_assert_cmpuint(d2->addr, ==, MAX(nv0->addr + nv0->size,
                                       d1->addr + d1->size));
    g_autofree char *want = g_strdup_printf(
        "{\"type\": \"dimm\", \"data\": {\"id\": \"d2\", \"addr\": %"
        G_GUINT64_FORMAT ", \"size\": 268435456, \"slot\": 2, \"node\": 0, "
        "\"memdev\": \"/objects/r2\", \"hotplugged\": true, "
        "\"hotpluggable\": true}}", d2->addr);
    g_autofree char *w = canon(want);
    const char *q = send_f(&f, "{\"execute\": \"query-memory-devices\"}");
    g_autofree char *qc = canon(q);
    g_assert_nonnull(strstr(qc, w));
    assert_json(send_f(&f, "{\"execute\": \"query-memory-size-summary\"}"),
                "{\"return\": {\"base-memory\": 536870912, "
                "\"plugged-memory\": 671088640}}");
    /* its backend is in use now */
    refused(&f, "{\"execute\": \"object-del\", \"arguments\": "
            "{\"id\": \"r2\"}}",
            GENERIC("object-del: object 'r2' can't be deleted: it is the "
                    "memdev of device_add pc-dimm,id=d2"));

    /* no guest has seen it: device_del removes it at once */
    guint n = f.p->msgs->len;
    assert_json(send_f(&f, "{\"execute\": \"device_del\", \"arguments\": "
                       "{\"id\": \"d2\"}}"), "{\"return\": {}}");
    guint e = find_event(&f, n, "DEVICE_DELETED");
    g_assert_cmpuint(e, ==, n + 1); /* after the reply */
    g_autofree char *data = event_data(f.p, e);
    g_autofree char *wd = canon("{\"device\": \"d2\", \"path\": "
                                "\"/machine/peripheral/d2\"}");
    g_assert_cmpstr(data, ==, wd);
    g_assert_null(nv_machine_find_dimm(f.m, "d2"));
    refused(&f, "{\"execute\": \"device_del\", \"arguments\": "
            "{\"id\": \"d2\"}}",
            "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": "
            "\"Device 'd2' not found\"}}");
    /* a boot DIMM too, by its QOM path */
    n = f.p->msgs->len;
    assert_json(send_f(&f, "{\"execute\": \"device_del\", \"arguments\": "
                       "{\"id\": \"/machine/peripheral/dimm1\"}}"),
                "{\"return\": {}}");
    e = find_event(&f, n, "DEVICE_DELETED");
    g_free(data);
    data = event_data(f.p, e);
    g_free(wd);
    wd = canon("{\"device\": \"dimm1\", \"path\": "
               "\"/machine/peripheral/dimm1\"}");
    g_assert_cmpstr(data, ==, wd);
    /* the backends are free again: slot 1 and its address are reused */
    assert_json(send_f(&f, "{\"execute\": \"device_add\", \"arguments\": "
                       "{\"driver\": \"pc-dimm\", \"id\": \"d3\", "
                       "\"memdev\": \"ram1\"}}"), "{\"return\": {}}");
    NvDimm *d3 = nv_machine_find_dimm(f.m, "d3");
    g_assert_cmpuint(d3->slot, ==, 1);
    assert_json(send_f(&f, "{\"execute\": \"object-del\", \"arguments\": "
                       "{\"id\": \"r2\"}}"), "{\"return\": {}}");

    /* an nvdimm with labels in a new file's tail */
    assert_json(send_f(&f, "{\"execute\": \"object-add\", \"arguments\": "
                       "{\"qom-type\": \"memory-backend-file\", "
                       "\"id\": \"f1\", "
                       "\"mem-path\": \"%s/nv1.img\", \"size\": 268566528, "
                       "\"share\": true}}", f.dir), "{\"return\": {}}");
    assert_json(send_f(&f, "{\"execute\": \"device_add\", \"arguments\": "
                       "{\"driver\": \"nvdimm\", \"id\": \"nv1\", "
                       "\"memdev\": \"f1\", \"label-size\": 131072, "
                       "\"uuid\": \"4b1c7a3e-0d1f-4c55-9a57-2f0b1d0b7c11\"}}"),
                "{\"return\": {}}");
    NvDimm *nv1 = nv_machine_find_dimm(f.m, "nv1");
    g_assert_cmpuint(nv1->size, ==, 256 * MiB);
    g_assert_true(nv1->hotplugged);
    /* the first boot's board realizes it with the rest: its labels open */
    g_assert_false(nv1->state.has_labels);
    g_autoptr(GError) err = NULL;
    NvBoard *b = nv_board_new(f.cfg, &err);
    g_assert_no_error(err);
    g_assert_true(nv1->state.has_labels);
    nv_board_free(b);
    fixture_down(&f);
}

/* ---- a running guest (a board without vCPUs), the guest's side ------------ */

static uint32_t hp_read(NvBoard *b, uint64_t off)
{
    uint8_t v[4] = { 0 };
    nv_memhp_io(b->memhp, off, v, 4, false);
    return (uint32_t)v[0] | (uint32_t)v[1] << 8 | (uint32_t)v[2] << 16 |
           (uint32_t)v[3] << 24;
}

static void hp_write(NvBoard *b, uint64_t off, uint32_t val)
{
    uint8_t v[4] = { (uint8_t)val, (uint8_t)(val >> 8), (uint8_t)(val >> 16),
                     (uint8_t)(val >> 24) };
    nv_memhp_io(b->memhp, off, v, 4, true);
}

/* The GED's selector as _EVT reads it (the read clears it). */
static uint32_t ged_events(NvBoard *b)
{
    uint8_t v[4] = { 0 };
    nv_ged_io(b->ged, 0, v, 4, false);
    return (uint32_t)v[0] | (uint32_t)v[1] << 8;
}

/* The guest's MSCN for @slot: its flags (bit0 enabled, bit1 insert, bit2
 * remove). */
static uint32_t slot_flags(NvBoard *b, uint32_t slot)
{
    hp_write(b, 0x00, slot);
    return hp_read(b, 0x14) & 0x7;
}

/* _OST(event, status) on @slot, as MOST writes it. */
static void guest_ost(NvBoard *b, uint32_t slot, uint32_t ev, uint32_t st)
{
    hp_write(b, 0x00, slot);
    hp_write(b, 0x04, ev);
    hp_write(b, 0x08, st);
}

static void guest_eject(NvBoard *b, uint32_t slot)
{
    hp_write(b, 0x00, slot);
    hp_write(b, 0x14, 0x8);
}

static NvBoard *boot_board(Fixture *f)
{
    monitor_fixture_boot(f);
    return f->b;
}

static void reboot_board(Fixture *f, NvBoard **b)
{
    monitor_fixture_drop_board(f);
    *b = boot_board(f);
}

static void assert_event_data(Fixture *f, guint i, const char *want)
{
    g_autofree char *got = event_data(f->p, i);
    g_autofree char *w = canon(want);
    g_assert_cmpstr(got, ==, w);
}

static void test_running_add_remove(void)
{
    Fixture f;
    fixture_up(&f);
    NvBoard *b = boot_board(&f);
    g_assert_cmpuint(slot_flags(b, 1), ==, 0x1); /* dimm1: boot, enabled */
    g_assert_cmpuint(slot_flags(b, 0), ==, 0x0); /* nv0: not in MHPC */
    add_ram(&f, "r2", 256 * MiB);
    add_ram(&f, "r3", 128 * MiB);
    g_assert_cmpuint(ged_events(b), ==, 0);

    /* hot-add: the insert event, the GED's memory bit */
    assert_json(send_f(&f, "{\"execute\": \"device_add\", \"arguments\": "
                       "{\"driver\": \"pc-dimm\", \"id\": \"d2\", "
                       "\"memdev\": \"r2\"}}"), "{\"return\": {}}");
    NvDimm *d2 = nv_machine_find_dimm(f.m, "d2");
    g_assert_cmpuint(ged_events(b), ==, 0x1);
    g_assert_cmpuint(slot_flags(b, 2), ==, 0x3);
    hp_write(b, 0x00, 2);
    g_assert_cmpuint(hp_read(b, 0x00), ==, (uint32_t)d2->addr);
    g_assert_cmpuint(hp_read(b, 0x04), ==, (uint32_t)(d2->addr >> 32));
    g_assert_cmpuint(hp_read(b, 0x08), ==, 256 * MiB);
    hp_write(b, 0x14, 0x2);                     /* MSCN clears insert */
    guint n = f.p->msgs->len;
    guest_ost(b, 2, 1, 0);                      /* device check: done */
    guint e = find_event(&f, n, "ACPI_DEVICE_OST");
    assert_event_data(&f, e, "{\"info\": {\"device\": \"d2\", \"slot\": "
                      "\"2\", \"slot-type\": \"DIMM\", \"source\": 1, "
                      "\"status\": 0}}");

    /* hot-remove: request, a second request, a device_add on the slot */
    n = f.p->msgs->len;
    assert_json(send_f(&f, "{\"execute\": \"device_del\", \"arguments\": "
                       "{\"id\": \"d2\"}}"), "{\"return\": {}}");
    g_assert_cmpuint(f.p->msgs->len, ==, n + 1);
    g_assert_cmpuint(ged_events(b), ==, 0x1);
    g_assert_cmpuint(slot_flags(b, 2), ==, 0x5);
    refused(&f, "{\"execute\": \"device_del\", \"arguments\": "
            "{\"id\": \"d2\"}}",
            GENERIC("Device d2 is already in the process of unplug"));
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"pc-dimm\", \"id\": \"d3\", \"memdev\": \"r3\", "
            "\"slot\": 2}}",
            GENERIC("device_add pc-dimm,id=d3: slot=2: the removal of "
                    "device_add pc-dimm,id=d2 is pending (wait for its "
                    "DEVICE_DELETED)"));
    g_assert_cmpuint(ged_events(b), ==, 0); /* the refusals raised none */

    /* the guest: _OST eject in progress, offline, _EJ0, _OST success */
    hp_write(b, 0x14, 0x4);                     /* MSCN clears remove */
    n = f.p->msgs->len;
    guest_ost(b, 2, 3, 0x84);
    guest_eject(b, 2);
    guest_ost(b, 2, 3, 0);
    /* the eject is the main loop's: until it runs the DIMM is there */
    g_assert_nonnull(nv_machine_find_dimm(f.m, "d2"));
    refused(&f, "{\"execute\": \"device_del\", \"arguments\": "
            "{\"id\": \"d2\"}}",
            GENERIC("Device d2 is already in the process of unplug"));
    n = f.p->msgs->len;
    e = find_event(&f, n, "ACPI_DEVICE_OST");
    assert_event_data(&f, e, "{\"info\": {\"device\": \"d2\", \"slot\": "
                      "\"2\", \"slot-type\": \"DIMM\", \"source\": 3, "
                      "\"status\": 132}}");
    g_assert_cmpuint(find_event(&f, e, "DEVICE_DELETED"), ==, e + 1);
    assert_event_data(&f, e + 1, "{\"device\": \"d2\", \"path\": "
                      "\"/machine/peripheral/d2\"}");
    g_assert_cmpuint(find_event(&f, e + 1, "ACPI_DEVICE_OST"), ==, e + 2);
    assert_event_data(&f, e + 2, "{\"info\": {\"slot\": \"2\", "
                      "\"slot-type\": \"DIMM\", \"source\": 3, "
                      "\"status\": 0}}");
    g_assert_null(nv_machine_find_dimm(f.m, "d2"));
    g_assert_cmpuint(slot_flags(b, 2), ==, 0);
    const char *q = send_f(&f, "{\"execute\": \"query-acpi-ospm-status\"}");
    g_autofree char *qc = canon(q);
    g_autofree char *slot2 = canon("{\"slot\": \"2\", \"slot-type\": "
                                   "\"DIMM\", \"source\": 3, \"status\": 0}");
    g_assert_nonnull(strstr(qc, slot2));

    /* the slot and the backend can be used again */
    assert_json(send_f(&f, "{\"execute\": \"device_add\", \"arguments\": "
                       "{\"driver\": \"pc-dimm\", \"id\": \"d2\", "
                       "\"memdev\": \"r2\", \"slot\": 2}}"),
                "{\"return\": {}}");
    g_assert_cmpuint(ged_events(b), ==, 0x1);

    /* a refused eject: the guest could not offline it */
    assert_json(send_f(&f, "{\"execute\": \"device_del\", \"arguments\": "
                       "{\"id\": \"d2\"}}"), "{\"return\": {}}");
    n = f.p->msgs->len;
    guest_ost(b, 2, 3, 0x82);
    e = find_event(&f, n, "ACPI_DEVICE_OST");
    assert_event_data(&f, e, "{\"info\": {\"device\": \"d2\", \"slot\": "
                      "\"2\", \"slot-type\": \"DIMM\", \"source\": 3, "
                      "\"status\": 130}}");
    g_assert_nonnull(nv_machine_find_dimm(f.m, "d2"));

    /* a reset while the removal is pending: the new board has no pending
     * event, the DIMM stays (enabled at boot), device_del may be asked
     * again; an eject of the old guest not yet handled is dropped */
    guest_eject(b, 2);
    reboot_board(&f, &b);
    for (int i = 0; i < 10; i++) {
        g_main_context_iteration(nv_machine_context(f.m), FALSE);
    }
    g_assert_nonnull(nv_machine_find_dimm(f.m, "d2"));
    g_assert_cmpuint(slot_flags(b, 2), ==, 0x1);
    assert_json(send_f(&f, "{\"execute\": \"device_del\", \"arguments\": "
                       "{\"id\": \"d2\"}}"), "{\"return\": {}}");
    g_assert_cmpuint(slot_flags(b, 2), ==, 0x5);

    fixture_down(&f); /* drops and frees the board b (f.b) */
}

/* Read FIT at @off through the mailbox, as _FIT's RFIT: the status; the
 * bytes appended to @acc. */
static uint32_t read_fit(NvBoard *b, uint32_t off, GByteArray *acc)
{
    uint8_t *mb = nv_board_guest_ptr(b, b->dsm_mailbox, NV_DSM_MAILBOX_SIZE);
    const uint32_t hdr[] = { NV_DSM_FIT_HANDLE, NV_DSM_FAMILY_FIT, 1,
                             NV_DSM_FN_READ_FIT, 4 };
    memcpy(mb + NV_DSM_REQ_HANDLE, &hdr[0], 4);
    memcpy(mb + NV_DSM_REQ_FAMILY, &hdr[1], 4);
    memcpy(mb + NV_DSM_REQ_REVISION, &hdr[2], 4);
    memcpy(mb + NV_DSM_REQ_FUNCTION, &hdr[3], 4);
    memcpy(mb + NV_DSM_REQ_IN_LEN, &hdr[4], 4);
    memcpy(mb + NV_DSM_REQ_IN, &off, 4);
    uint8_t db[4] = { 0 };
    g_assert_true(nv_io_dispatch(b->bus, NV_IO_MMIO, NV_MMIO_DSM_DOORBELL,
                                 db, 4, true));
    uint32_t n, st;
    memcpy(&n, mb + NV_DSM_RESP_OUT_LEN, 4);
    memcpy(&st, mb + NV_DSM_RESP_OUT, 4);
    if (st == NV_DSM_OK && acc) {
        g_byte_array_append(acc, mb + NV_DSM_RESP_OUT + 4, n - 4);
    }
    return st;
}

static void test_running_nvdimm(void)
{
    Fixture f;
    fixture_up(&f);
    NvBoard *b = boot_board(&f);
    g_autoptr(GByteArray) boot_fit = g_byte_array_new();
    g_assert_cmpuint(read_fit(b, 0, boot_fit), ==, NV_DSM_OK);
    assert_json(send_f(&f, "{\"execute\": \"object-add\", \"arguments\": "
                       "{\"qom-type\": \"memory-backend-file\", "
                       "\"id\": \"f1\", "
                       "\"mem-path\": \"%s/nv1.img\", \"size\": 268566528, "
                       "\"share\": true}}", f.dir), "{\"return\": {}}");
    refused(&f, "{\"execute\": \"device_add\", \"arguments\": "
            "{\"driver\": \"nvdimm\", \"id\": \"nv1\", \"memdev\": \"f1\", "
            "\"label-size\": 131072, \"slot\": 0}}",
            GENERIC("device_add nvdimm,id=nv1: slot=0 is already taken by "
                    "-device nvdimm,id=nv0"));
    g_assert_cmpuint(ged_events(b), ==, 0);
    assert_json(send_f(&f, "{\"execute\": \"device_add\", \"arguments\": "
                       "{\"driver\": \"nvdimm\", \"id\": \"nv1\", "
                       "\"memdev\": \"f1\", \"label-size\": 131072}}"),
                "{\"return\": {}}");
    NvDimm *nv1 = nv_machine_find_dimm(f.m, "nv1");
    g_assert_cmpuint(nv1->slot, ==, 2);
    /* the GED's NVDIMM bit; a _FIT mid-read starts again; the new FIT is
     * the NFIT's structures for all three DIMMs */
    g_assert_cmpuint(ged_events(b), ==, 0x4);
    g_assert_cmpuint(read_fit(b, 8, NULL), ==, NV_DSM_FIT_CHANGED);
    g_autoptr(GByteArray) fit = g_byte_array_new();
    g_assert_cmpuint(read_fit(b, 0, fit), ==, NV_DSM_OK);
    g_autoptr(GBytes) want = nv_acpi_fit(f.cfg);
    g_assert_cmpmem(fit->data, fit->len, g_bytes_get_data(want, NULL),
                    g_bytes_get_size(want));
    g_assert_cmpuint(fit->len, >, boot_fit->len);
    /* its flush-hint page answers on the bus */
    uint8_t v[8] = { 1 };
    g_assert_true(nv_io_dispatch(b->bus, NV_IO_MMIO, NV_MMIO_FLUSH_HINTS +
                                 2 * NV_FLUSH_HINT_STRIDE, v, 8, true));
    /* a reset keeps it */
    reboot_board(&f, &b);
    g_autoptr(GByteArray) fit2 = g_byte_array_new();
    g_assert_cmpuint(read_fit(b, 0, fit2), ==, NV_DSM_OK);
    g_assert_cmpmem(fit2->data, fit2->len, fit->data, fit->len);
    fixture_down(&f); /* drops and frees the board b (f.b) */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/monitor-memory/object-add-del", test_object_add_del);
    g_test_add_func("/monitor-memory/device-add-errors",
                    test_device_add_errors);
    g_test_add_func("/monitor-memory/prelaunch-add-del",
                    test_prelaunch_add_del);
    g_test_add_func("/monitor-memory/running-add-remove",
                    test_running_add_remove);
    g_test_add_func("/monitor-memory/running-nvdimm", test_running_nvdimm);
    return g_test_run();
}
