/*
 * tests/test-nvdimm.c — the DIMM model without KVM: -device parsing, the
 * guest memory layout and nv_dimm_plan() (memdev binding, label geometry,
 * slots, nodes, maxmem, addresses, uuids) over RAM and small sparse files.
 */
#include "nvdimm.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Assert that @err is an NV_ERROR whose message contains @needle. */
static void assert_msg(const GError *err, const char *needle)
{
    g_assert_nonnull(err);
    g_assert_true(err->domain == NV_ERROR);
    if (!strstr(err->message, needle)) {
        g_test_message("message '%s' lacks '%s'", err->message, needle);
        g_assert_not_reached();
    }
}

/* ---- fixture: a temp directory and one machine configuration ---- */

typedef struct {
    GPtrArray *backends; /* NvHostMem *, owned */
    GPtrArray *dimms;    /* NvDimm *, owned; freed before the backends */
    NvBoardConfig board;
    NvMemLayout layout;
} Setup;

typedef struct {
    char *dir;
    Setup s;
} Fx;

static void setup_init(Setup *s)
{
    s->backends = g_ptr_array_new_with_free_func(
        (GDestroyNotify)nv_hostmem_free);
    s->dimms = g_ptr_array_new_with_free_func((GDestroyNotify)nv_dimm_free);
    /* 2G RAM, 4 slots, room for 8G of DIMMs: region [4G, 16G) */
    s->board = (NvBoardConfig){
        .ram_size = 2 * GiB,
        .slots = 4,
        .maxmem = 10 * GiB,
        .numa_nodes = 1,
        .nvdimm_enabled = true,
    };
    memset(&s->layout, 0, sizeof(s->layout));
}

static void setup_clear(Setup *s)
{
    g_clear_pointer(&s->dimms, g_ptr_array_unref); /* they borrow backends */
    g_clear_pointer(&s->backends, g_ptr_array_unref);
}

static void fx_setup(Fx *fx, gconstpointer data)
{
    (void)data;
    GError *err = NULL;
    fx->dir = g_dir_make_tmp("nvemu-test-nvdimm-XXXXXX", &err);
    g_assert_no_error(err);
    setup_init(&fx->s);
}

static void fx_teardown(Fx *fx, gconstpointer data)
{
    (void)data;
    setup_clear(&fx->s);
    GDir *d = g_dir_open(fx->dir, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d))) {
            g_autofree char *p = g_build_filename(fx->dir, name, NULL);
            g_assert_cmpint(g_unlink(p), ==, 0);
        }
        g_dir_close(d);
    }
    g_assert_cmpint(g_rmdir(fx->dir), ==, 0);
    g_free(fx->dir);
}

/* A sparse file of exactly @size bytes in the temp dir. */
static char *make_file(Fx *fx, const char *name, uint64_t size)
{
    char *path = g_build_filename(fx->dir, name, NULL);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, (off_t)size), ==, 0);
    close(fd);
    return path;
}

static char *tmp_path(Fx *fx, const char *name)
{
    return g_build_filename(fx->dir, name, NULL);
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static NvHostMem *add_ram(Setup *s, const char *id, uint64_t size)
{
    NvHostMemConfig cfg = {
        .kind = NV_HOSTMEM_RAM,
        .id = (char *)id,
        .size = size,
        .size_set = true,
    };
    NvHostMem *hm = nv_hostmem_new(&cfg);
    GError *err = NULL;
    g_assert_true(nv_hostmem_prepare(hm, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(hm->size, ==, size);
    g_ptr_array_add(s->backends, hm);
    return hm;
}

/* A file backend over a new sparse file of @size bytes in the temp dir. */
static NvHostMem *add_file_full(Fx *fx, Setup *s, const char *id,
                                uint64_t size, uint64_t align, bool readonly)
{
    g_autofree char *name = g_strdup_printf("%s.img", id);
    g_autofree char *path = make_file(fx, name, size);
    NvHostMemConfig cfg = {
        .kind = NV_HOSTMEM_FILE,
        .id = (char *)id,
        .mem_path = path,
        .share = true,
        .readonly = readonly,
        .align = align,
    };
    NvHostMem *hm = nv_hostmem_new(&cfg);
    GError *err = NULL;
    g_assert_true(nv_hostmem_prepare(hm, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(hm->size, ==, size);
    g_assert_true(hm->exists);
    g_ptr_array_add(s->backends, hm);
    return hm;
}

static NvHostMem *add_file(Fx *fx, Setup *s, const char *id, uint64_t size)
{
    return add_file_full(fx, s, id, size, 0, false);
}

static NvDimm *new_dimm(const char *text, GError **errp)
{
    g_autoptr(NvOpts) o = nv_opts_parse(text, "driver", errp);
    if (!o) {
        return NULL;
    }
    return nv_dimm_new_from_opts(o, errp);
}

static NvDimm *add_dimm(Setup *s, const char *text)
{
    GError *err = NULL;
    NvDimm *d = new_dimm(text, &err);
    g_assert_no_error(err);
    g_assert_nonnull(d);
    g_ptr_array_add(s->dimms, d);
    return d;
}

static void plan_ok(Setup *s)
{
    GError *err = NULL;
    bool ok = nv_dimm_plan(&s->board, s->backends, s->dimms, &s->layout, &err);
    if (err) {
        g_test_message("unexpected: %s", err->message);
    }
    g_assert_no_error(err);
    g_assert_true(ok);
}

/* Plan must fail; the message must contain every needle (NULL-terminated). */
static void plan_fails(Setup *s, int code, ...)
{
    GError *err = NULL;
    g_assert_false(nv_dimm_plan(&s->board, s->backends, s->dimms, &s->layout,
                                &err));
    g_assert_nonnull(err);
    g_test_message("error: %s", err->message);
    g_assert_error(err, NV_ERROR, code);
    va_list ap;
    va_start(ap, code);
    const char *needle;
    while ((needle = va_arg(ap, const char *))) {
        assert_msg(err, needle);
    }
    va_end(ap);
    g_error_free(err);
}

/* What every successful plan promises about placement. */
static void check_placement(const Setup *s)
{
    const NvMemLayout *l = &s->layout;
    uint64_t end = l->devmem_base + l->devmem_size;
    uint64_t total = s->board.ram_size;

    for (guint i = 0; i < s->dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(s->dimms, i);
        g_assert_nonnull(d->memdev);
        g_assert_cmpstr(d->memdev->cfg.id, ==, d->memdev_id);
        g_assert_true(d->memdev->in_use);
        g_assert_cmpuint(d->align, >=, NV_DIMM_ALIGN);
        g_assert_cmpuint(d->align, >=, d->memdev->cfg.align);
        g_assert_cmpuint(d->addr % d->align, ==, 0);
        g_assert_cmpuint(d->addr % NV_DIMM_ALIGN, ==, 0);
        g_assert_cmpuint(d->size % d->align, ==, 0);
        g_assert_cmpuint(d->size, >, 0);
        g_assert_cmpuint(d->size, <=, d->memdev->size);
        g_assert_cmpuint(d->addr, >=, l->devmem_base);
        g_assert_cmpuint(d->addr, >=, 4 * GiB);
        g_assert_cmpuint(d->addr + d->size, <=, end);
        g_assert_cmpuint(d->slot, <, s->board.slots);
        total += d->size;
        for (guint j = 0; j < i; j++) {
            const NvDimm *o = g_ptr_array_index(s->dimms, j);
            g_assert_cmpuint(o->slot, !=, d->slot);
            g_assert_true(d->addr + d->size <= o->addr ||
                          o->addr + o->size <= d->addr);
        }
        if (d->kind == NV_DIMM_NVDIMM && d->label_size && !d->label_file) {
            /* labels in the tail, pmem below them */
            g_assert_cmpuint(d->label_offset + d->label_size, ==,
                             d->memdev->size);
            g_assert_cmpuint(d->size, <=, d->label_offset);
        }
    }
    g_assert_cmpuint(total, <=, s->board.maxmem);
    g_assert_cmpuint(end, <=, s->board.phys_limit ? s->board.phys_limit
                                                   : NV_GUEST_PHYS_LIMIT);
}

/* ---- nv_mem_layout_init ---- */

static void test_layout_init(void)
{
    static const struct {
        uint64_t ram, maxmem;
        uint32_t slots;
        uint64_t below, above, base, size;
    } cases[] = {
        { 1 * GiB, 1 * GiB, 0, 1 * GiB, 0, 4 * GiB, 0 },
        { 512 * MiB, 4 * GiB, 0, 512 * MiB, 0, 4 * GiB, 0 }, /* slots=0 */
        { 2 * GiB, 10 * GiB, 4, 2 * GiB, 0, 4 * GiB, 12 * GiB },
        { 3 * GiB, 3 * GiB, 0, 3 * GiB, 0, 4 * GiB, 0 },
        { 3 * GiB - 1 * MiB, 3 * GiB, 1, 3 * GiB - MiB, 0, 4 * GiB,
          2 * GiB },
        { 3 * GiB + 1 * MiB, 4 * GiB, 1, 3 * GiB, MiB, 5 * GiB, 2 * GiB },
        { 4 * GiB, 8 * GiB, 4, 3 * GiB, 1 * GiB, 5 * GiB, 8 * GiB },
        { 4 * GiB + 512 * MiB, 6 * GiB, 2, 3 * GiB, 1536 * MiB, 6 * GiB,
          4 * GiB },
        { 2 * GiB, 2 * GiB + 128 * MiB, 1, 2 * GiB, 0, 4 * GiB, 2 * GiB },
        { 2 * GiB, 2 * GiB, 3, 2 * GiB, 0, 4 * GiB, 3 * GiB },
        { 16 * GiB, 32 * GiB, 8, 3 * GiB, 13 * GiB, 17 * GiB, 24 * GiB },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvBoardConfig b = {
            .ram_size = cases[i].ram,
            .slots = cases[i].slots,
            .maxmem = cases[i].maxmem,
            .numa_nodes = 1,
            .nvdimm_enabled = true,
        };
        NvMemLayout l;
        memset(&l, 0xff, sizeof(l));
        nv_mem_layout_init(&l, &b);
        g_test_message("case %zu", i);
        g_assert_cmpuint(l.ram_below_4g, ==, cases[i].below);
        g_assert_cmpuint(l.ram_above_4g, ==, cases[i].above);
        g_assert_cmpuint(l.ram_below_4g + l.ram_above_4g, ==, cases[i].ram);
        g_assert_cmpuint(l.ram_below_4g, <=, NV_LOWMEM_LIMIT);
        g_assert_cmpuint(l.devmem_base, ==, cases[i].base);
        g_assert_cmpuint(l.devmem_base % GiB, ==, 0);
        g_assert_cmpuint(l.devmem_base, >=, 4 * GiB + l.ram_above_4g);
        g_assert_cmpuint(l.devmem_size, ==, cases[i].size);
        if (cases[i].slots) {
            g_assert_cmpuint(l.devmem_size, ==,
                             nv_align_up(cases[i].maxmem - cases[i].ram, GiB)
                             + cases[i].slots * GiB);
        }
    }
}

/* ---- nv_dimm_new_from_opts ---- */

static void test_dimm_parse_nvdimm(void)
{
    GError *err = NULL;
    g_autoptr(NvDimm) d = new_dimm(
        "nvdimm,id=nv0,memdev=m0,slot=3,node=1,addr=0x140000000,"
        "label-size=256K,label-file=/x/y.lbl,"
        "uuid=01234567-89AB-cdef-0123-456789abcdef,unarmed=on", &err);
    g_assert_no_error(err);
    g_assert_nonnull(d);
    g_assert_cmpint(d->kind, ==, NV_DIMM_NVDIMM);
    g_assert_cmpstr(d->id, ==, "nv0");
    g_assert_cmpstr(d->name, ==, "-device nvdimm,id=nv0");
    g_assert_cmpstr(d->memdev_id, ==, "m0");
    g_assert_true(d->slot_set);
    g_assert_cmpuint(d->slot, ==, 3);
    g_assert_cmpuint(d->node, ==, 1);
    g_assert_true(d->addr_set);
    g_assert_cmpuint(d->addr, ==, 5 * GiB);
    g_assert_true(d->label_size_set);
    g_assert_cmpuint(d->label_size, ==, 256 * KiB);
    g_assert_cmpstr(d->label_file, ==, "/x/y.lbl");
    g_assert_true(d->uuid_set);
    char u[37];
    nv_format_uuid(d->uuid, u);
    g_assert_cmpstr(u, ==, "01234567-89ab-cdef-0123-456789abcdef");
    g_assert_true(d->unarmed);
    g_assert_null(d->memdev);
    g_assert_null(d->label_mem);
    g_assert_cmpstr(nv_dimm_kind_name(d->kind), ==, "nvdimm");

    /* decimal addr, label-size=0 */
    g_autoptr(NvDimm) e = new_dimm(
        "nvdimm,id=nv1,memdev=m1,addr=5368709120,label-size=0,unarmed=off",
        &err);
    g_assert_no_error(err);
    g_assert_cmpuint(e->addr, ==, 5 * GiB);
    g_assert_true(e->label_size_set);
    g_assert_cmpuint(e->label_size, ==, 0);
    g_assert_false(e->unarmed);
    g_assert_false(e->slot_set);

    /* defaults */
    g_autoptr(NvDimm) f = new_dimm("nvdimm,memdev=m2", &err);
    g_assert_no_error(err);
    g_assert_null(f->id);
    g_assert_cmpstr(f->name, ==, "-device nvdimm,memdev=m2");
    g_assert_false(f->slot_set);
    g_assert_false(f->addr_set);
    g_assert_false(f->label_size_set);
    g_assert_cmpuint(f->label_size, ==, 0);
    g_assert_null(f->label_file);
    g_assert_false(f->uuid_set);
    g_assert_false(f->unarmed);
    g_assert_cmpuint(f->node, ==, 0);

    /* no memdev parses (it is a plan-time error) */
    g_autoptr(NvDimm) g = new_dimm("nvdimm,id=nv3", &err);
    g_assert_no_error(err);
    g_assert_null(g->memdev_id);

    /* slot 255 and node 63 are the largest accepted */
    g_autoptr(NvDimm) h = new_dimm("nvdimm,id=nv4,slot=255,node=63", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(h->slot, ==, NV_MAX_SLOTS - 1);
    g_assert_cmpuint(h->node, ==, NV_MAX_NUMA_NODES - 1);
}

static void test_dimm_parse_pc(void)
{
    GError *err = NULL;
    g_autoptr(NvDimm) d = new_dimm("pc-dimm,id=pc0,memdev=m0,slot=0,node=2",
                                   &err);
    g_assert_no_error(err);
    g_assert_cmpint(d->kind, ==, NV_DIMM_PC);
    g_assert_cmpstr(d->name, ==, "-device pc-dimm,id=pc0");
    g_assert_cmpstr(d->memdev_id, ==, "m0");
    g_assert_true(d->slot_set);
    g_assert_cmpuint(d->slot, ==, 0);
    g_assert_cmpuint(d->node, ==, 2);
    g_assert_cmpstr(nv_dimm_kind_name(d->kind), ==, "pc-dimm");

    /* driver= spelled out */
    g_autoptr(NvDimm) e = new_dimm("driver=pc-dimm,memdev=m1", &err);
    g_assert_no_error(err);
    g_assert_cmpint(e->kind, ==, NV_DIMM_PC);
    g_assert_cmpstr(e->name, ==, "-device driver=pc-dimm,memdev=m1");
}

static void test_dimm_parse_errors(void)
{
    static const struct {
        const char *text;
        const char *n1, *n2;
    } cases[] = {
        { "foo,id=x", "unknown device 'foo'", NULL },
        { "NVDIMM,id=x", "unknown device 'NVDIMM'", NULL },
        { "", "unknown device ''", NULL },
        { "id=x,memdev=m0", "unknown device ''", NULL },
        { "nvdimm,id=x,memdev=m0,bogus=1", "unknown property 'bogus'", NULL },
        { "pc-dimm,id=x,memdev=m0,label-size=128K",
          "unknown property 'label-size'", NULL },
        { "pc-dimm,id=x,memdev=m0,uuid=01234567-89ab-cdef-0123-456789abcdef",
          "unknown property 'uuid'", NULL },
        { "nvdimm,id=,memdev=m0", "id= is empty", NULL },
        { "nvdimm,id=x,label-size=64K", "label-size=64K", "128K" },
        { "nvdimm,id=x,label-size=131071", "label-size=131071B", "128K" },
        { "nvdimm,id=x,label-size=1Q", "property 'label-size'", "'1Q'" },
        { "nvdimm,id=x,uuid=nope", "property 'uuid'", "'nope'" },
        { "nvdimm,id=x,uuid=01234567-89ab-cdef-0123-456789abcdeg",
          "property 'uuid'", "456789abcdeg" },
        { "nvdimm,id=x,label-file=/tmp/a.lbl,label-size=0",
          "label-file='/tmp/a.lbl'", "label-size=0" },
        { "nvdimm,id=x,label-size=0,label-file=/tmp/a.lbl",
          "label-file='/tmp/a.lbl'", "label-size=0" },
        { "nvdimm,id=x,label-file=", "label-file", "path" },
        { "nvdimm,id=x,addr=12abc", "property 'addr'", "'12abc'" },
        { "nvdimm,id=x,addr=-1", "property 'addr'", "'-1'" },
        { "nvdimm,id=x,addr=", "property 'addr'", "''" },
        { "nvdimm,id=x,addr= 4096", "property 'addr'", "' 4096'" },
        { "nvdimm,id=x,addr=4G", "property 'addr'", "'4G'" },
        { "nvdimm,id=x,addr=0x1ffffffffffffffff", "property 'addr'",
          "0x1ffffffffffffffff" },
        { "nvdimm,id=x,slot=999", "property 'slot'", "'999'" },
        { "nvdimm,id=x,slot=256", "property 'slot'", "'256'" },
        { "nvdimm,id=x,slot=a", "property 'slot'", "'a'" },
        { "pc-dimm,id=x,node=64", "property 'node'", "'64'" },
        { "nvdimm,id=x,unarmed=maybe", "property 'unarmed'", "'maybe'" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GError *err = NULL;
        g_autoptr(NvOpts) o = nv_opts_parse(cases[i].text, "driver", &err);
        g_assert_no_error(err);
        NvDimm *d = nv_dimm_new_from_opts(o, &err);
        g_test_message("'%s' -> %s", cases[i].text,
                       err ? err->message : "(no error)");
        g_assert_null(d);
        g_assert_nonnull(err);
        assert_msg(err, cases[i].n1);
        if (cases[i].n2) {
            assert_msg(err, cases[i].n2);
        }
        g_clear_error(&err);
    }
    /* a NULL errp is allowed */
    g_autoptr(NvOpts) o = nv_opts_parse("foo", "driver", NULL);
    g_assert_null(nv_dimm_new_from_opts(o, NULL));
}

/* ---- nv_dimm_plan: successes ---- */

static void test_plan_basic(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    NvHostMem *m0 = add_file(fx, s, "m0", 272 * MiB);
    NvHostMem *m1 = add_file(fx, s, "m1", 272 * MiB);
    NvHostMem *m2 = add_ram(s, "m2", 256 * MiB);
    NvDimm *nv0 = add_dimm(s, "nvdimm,id=nv0,memdev=m0,label-size=128K");
    NvDimm *nv1 = add_dimm(s, "nvdimm,id=nv1,memdev=m1,label-size=128K,"
                              "slot=0");
    NvDimm *pc0 = add_dimm(s, "pc-dimm,id=pc0,memdev=m2");
    plan_ok(s);
    check_placement(s);

    /* the layout is the one nv_mem_layout_init computes */
    NvMemLayout want;
    nv_mem_layout_init(&want, &s->board);
    g_assert_cmpmem(&s->layout, sizeof(want), &want, sizeof(want));
    g_assert_cmpuint(s->layout.devmem_base, ==, 4 * GiB);
    g_assert_cmpuint(s->layout.devmem_size, ==, 12 * GiB);

    /* binding */
    g_assert_true(nv0->memdev == m0);
    g_assert_true(nv1->memdev == m1);
    g_assert_true(pc0->memdev == m2);

    /* explicit slot respected, the others first-free in order */
    g_assert_cmpuint(nv1->slot, ==, 0);
    g_assert_cmpuint(nv0->slot, ==, 1);
    g_assert_cmpuint(pc0->slot, ==, 2);

    /* label in the tail: 272M - 128K, pmem rounded down to 128M: 256M */
    g_assert_cmpuint(nv0->label_size, ==, 128 * KiB);
    g_assert_cmpuint(nv0->label_offset, ==, 272 * MiB - 128 * KiB);
    g_assert_cmpuint(nv0->size, ==, 256 * MiB);
    g_assert_cmpuint(nv0->align, ==, 128 * MiB);
    g_assert_null(nv0->label_mem);
    g_assert_cmpuint(nv1->label_offset, ==, 272 * MiB - 128 * KiB);
    g_assert_cmpuint(nv1->size, ==, 256 * MiB);
    g_assert_cmpuint(pc0->size, ==, 256 * MiB);
    g_assert_cmpuint(pc0->align, ==, 128 * MiB);

    /* first fit in command-line order */
    g_assert_cmpuint(nv0->addr, ==, 4 * GiB);
    g_assert_cmpuint(nv1->addr, ==, 4 * GiB + 256 * MiB);
    g_assert_cmpuint(pc0->addr, ==, 4 * GiB + 512 * MiB);

    /* planning neither truncated nor created anything */
    g_assert_cmpuint(m0->size, ==, 272 * MiB);
    g_assert_null(m0->addr);
    g_assert_cmpint(m0->fd, ==, -1);
}

static void test_plan_slots(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.slots = 5;
    s->board.maxmem = 2 * GiB + 5 * 128 * MiB;
    for (int i = 0; i < 5; i++) {
        g_autofree char *id = g_strdup_printf("m%d", i);
        add_ram(s, id, 128 * MiB);
    }
    NvDimm *a = add_dimm(s, "pc-dimm,id=a,memdev=m0");
    NvDimm *b = add_dimm(s, "pc-dimm,id=b,memdev=m1,slot=1");
    NvDimm *c = add_dimm(s, "pc-dimm,id=c,memdev=m2");
    NvDimm *d = add_dimm(s, "pc-dimm,id=d,memdev=m3,slot=3");
    NvDimm *e = add_dimm(s, "pc-dimm,id=e,memdev=m4");
    plan_ok(s);
    check_placement(s);
    g_assert_cmpuint(a->slot, ==, 0);
    g_assert_cmpuint(b->slot, ==, 1);
    g_assert_cmpuint(c->slot, ==, 2);
    g_assert_cmpuint(d->slot, ==, 3);
    g_assert_cmpuint(e->slot, ==, 4);
    g_assert_false(a->slot_set);
    g_assert_true(b->slot_set);
    /* addresses follow command-line order, not slot order */
    g_assert_cmpuint(a->addr, ==, 4 * GiB);
    g_assert_cmpuint(b->addr, ==, 4 * GiB + 128 * MiB);
    g_assert_cmpuint(e->addr, ==, 4 * GiB + 512 * MiB);
}

static void test_plan_slot_last(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.slots = 2;
    add_ram(s, "m0", 128 * MiB);
    add_ram(s, "m1", 128 * MiB);
    NvDimm *a = add_dimm(s, "pc-dimm,id=a,memdev=m0");
    NvDimm *b = add_dimm(s, "pc-dimm,id=b,memdev=m1,slot=0");
    plan_ok(s);
    g_assert_cmpuint(a->slot, ==, 1);
    g_assert_cmpuint(b->slot, ==, 0);
}

static void test_plan_no_labels(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_file(fx, s, "m0", 300 * MiB);
    add_file(fx, s, "m1", 300 * MiB);
    add_file(fx, s, "m2", 128 * MiB);
    NvDimm *a = add_dimm(s, "nvdimm,id=nv0,memdev=m0,label-size=0");
    NvDimm *b = add_dimm(s, "nvdimm,id=nv1,memdev=m1"); /* QEMU default: 0 */
    NvDimm *c = add_dimm(s, "nvdimm,id=nv2,memdev=m2,label-size=0");
    plan_ok(s);
    check_placement(s);
    g_assert_cmpuint(a->size, ==, 256 * MiB);
    g_assert_cmpuint(a->label_size, ==, 0);
    g_assert_cmpuint(a->label_offset, ==, 0);
    g_assert_null(a->label_mem);
    g_assert_cmpuint(b->size, ==, 256 * MiB);
    g_assert_cmpuint(b->label_size, ==, 0);
    g_assert_cmpuint(b->label_offset, ==, 0);
    /* exactly one block: all of it is pmem */
    g_assert_cmpuint(c->size, ==, 128 * MiB);
    g_assert_cmpuint(a->addr, ==, 4 * GiB);
    g_assert_cmpuint(b->addr, ==, 4 * GiB + 256 * MiB);
    g_assert_cmpuint(c->addr, ==, 4 * GiB + 512 * MiB);
}

/* The smallest file that holds labels plus one block, and a bigger label. */
static void test_plan_label_geometry(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_file(fx, s, "m0", 128 * MiB + 128 * KiB);
    add_file(fx, s, "m1", 1 * GiB);
    add_ram(s, "m2", 384 * MiB + 2 * MiB);
    NvDimm *a = add_dimm(s, "nvdimm,id=nv0,memdev=m0,label-size=128K");
    NvDimm *b = add_dimm(s, "nvdimm,id=nv1,memdev=m1,label-size=1M");
    NvDimm *c = add_dimm(s, "nvdimm,id=nv2,memdev=m2,label-size=2M");
    plan_ok(s);
    check_placement(s);
    g_assert_cmpuint(a->size, ==, 128 * MiB);
    g_assert_cmpuint(a->label_offset, ==, 128 * MiB);
    /* 1G - 1M rounds down to 896M */
    g_assert_cmpuint(b->label_size, ==, MiB);
    g_assert_cmpuint(b->label_offset, ==, GiB - MiB);
    g_assert_cmpuint(b->size, ==, 896 * MiB);
    /* a RAM backend can hold labels too */
    g_assert_cmpuint(c->label_offset, ==, 384 * MiB);
    g_assert_cmpuint(c->size, ==, 384 * MiB);
}

static void test_plan_label_file_new(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_file(fx, s, "m0", 256 * MiB);
    add_file(fx, s, "m1", 256 * MiB);
    g_autofree char *lf0 = tmp_path(fx, "nv0.labels");
    g_autofree char *lf1 = tmp_path(fx, "nv1.labels");
    g_autofree char *t0 = g_strdup_printf(
        "nvdimm,id=nv0,memdev=m0,label-file=%s", lf0);
    g_autofree char *t1 = g_strdup_printf(
        "nvdimm,id=nv1,memdev=m1,label-file=%s,label-size=256K", lf1);
    NvDimm *a = add_dimm(s, t0);
    NvDimm *b = add_dimm(s, t1);
    plan_ok(s);
    check_placement(s);

    /* a missing label file gets the minimum size; all of m0 is pmem */
    g_assert_nonnull(a->label_mem);
    g_assert_cmpuint(a->label_mem->size, ==, NV_LABEL_SIZE_MIN);
    g_assert_cmpuint(a->label_size, ==, 128 * KiB);
    g_assert_cmpuint(a->label_offset, ==, 0);
    g_assert_cmpuint(a->size, ==, 256 * MiB);
    g_assert_false(a->label_mem->exists);
    g_assert_cmpstr(a->label_mem->cfg.mem_path, ==, lf0);
    g_assert_true(a->label_mem->cfg.share);
    g_assert_false(a->label_mem->in_use);

    g_assert_cmpuint(b->label_size, ==, 256 * KiB);
    g_assert_cmpuint(b->label_mem->size, ==, 256 * KiB);
    g_assert_cmpuint(b->size, ==, 256 * MiB);

    /* planning created nothing */
    g_assert_false(file_exists(lf0));
    g_assert_false(file_exists(lf1));

    /* realize creates the label file, sized as planned */
    GError *err = NULL;
    g_assert_true(nv_dimm_realize(a, &err));
    g_assert_no_error(err);
    struct stat st;
    g_assert_cmpint(stat(lf0, &st), ==, 0);
    g_assert_cmpuint((uint64_t)st.st_size, ==, 128 * KiB);
    g_assert_nonnull(a->label_mem->addr);

    /* a DIMM without a label file has nothing to realize */
    NvDimm *c = add_dimm(s, "pc-dimm,id=pc9,memdev=zz");
    g_assert_true(nv_dimm_realize(c, &err));
    g_assert_no_error(err);
}

static void test_plan_label_file_existing(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_file(fx, s, "m0", 256 * MiB);
    add_file(fx, s, "m1", 256 * MiB);
    g_autofree char *lf0 = make_file(fx, "nv0.labels", 256 * KiB);
    g_autofree char *lf1 = make_file(fx, "nv1.labels", 256 * KiB);
    g_autofree char *t0 = g_strdup_printf(
        "nvdimm,id=nv0,memdev=m0,label-file=%s", lf0);
    g_autofree char *t1 = g_strdup_printf(
        "nvdimm,id=nv1,memdev=m1,label-file=%s,label-size=256K", lf1);
    NvDimm *a = add_dimm(s, t0);
    NvDimm *b = add_dimm(s, t1);
    plan_ok(s);
    check_placement(s);
    g_assert_true(a->label_mem->exists);
    g_assert_cmpuint(a->label_size, ==, 256 * KiB);
    g_assert_cmpuint(a->size, ==, 256 * MiB);
    g_assert_cmpuint(b->label_size, ==, 256 * KiB);
}

static void test_plan_align_1g(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_ram(s, "m0", 256 * MiB);
    add_file_full(fx, s, "m1", 2 * GiB + 128 * KiB, GiB, false);
    add_ram(s, "m2", 128 * MiB);
    NvDimm *pc0 = add_dimm(s, "pc-dimm,id=pc0,memdev=m0");
    NvDimm *nv0 = add_dimm(s, "nvdimm,id=nv0,memdev=m1,label-size=128K");
    NvDimm *pc1 = add_dimm(s, "pc-dimm,id=pc1,memdev=m2");
    plan_ok(s);
    check_placement(s);
    g_assert_cmpuint(pc0->addr, ==, 4 * GiB);
    g_assert_cmpuint(nv0->align, ==, GiB);
    g_assert_cmpuint(nv0->size, ==, 2 * GiB);
    g_assert_cmpuint(nv0->label_offset, ==, 2 * GiB);
    g_assert_cmpuint(nv0->addr, ==, 5 * GiB);
    g_assert_cmpuint(nv0->addr % GiB, ==, 0);
    /* a later 128M DIMM fills the gap the 1G alignment left */
    g_assert_cmpuint(pc1->addr, ==, 4 * GiB + 256 * MiB);
}

static void test_plan_align_1g_labels_eat_block(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    /* 2G file with labels in the tail leaves 2G-128K: one 1G block */
    add_file_full(fx, s, "m0", 2 * GiB, GiB, false);
    NvDimm *nv0 = add_dimm(s, "nvdimm,id=nv0,memdev=m0,label-size=128K");
    plan_ok(s);
    check_placement(s);
    g_assert_cmpuint(nv0->size, ==, GiB);
    g_assert_cmpuint(nv0->label_offset, ==, 2 * GiB - 128 * KiB);
}

static void test_plan_explicit_addr(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_ram(s, "m0", 256 * MiB);
    add_ram(s, "m1", 256 * MiB);
    add_ram(s, "m2", 256 * MiB);
    add_ram(s, "m3", 128 * MiB);
    /* fixed at 4G+256M; the first auto fits before it, the next after */
    NvDimm *fixed = add_dimm(s, "pc-dimm,id=fixed,memdev=m0,"
                                "addr=0x110000000");
    NvDimm *a = add_dimm(s, "pc-dimm,id=a,memdev=m1");
    NvDimm *b = add_dimm(s, "pc-dimm,id=b,memdev=m2");
    NvDimm *c = add_dimm(s, "pc-dimm,id=c,memdev=m3");
    plan_ok(s);
    check_placement(s);
    g_assert_true(fixed->addr_set);
    g_assert_cmpuint(fixed->addr, ==, 4 * GiB + 256 * MiB);
    g_assert_cmpuint(a->addr, ==, 4 * GiB);
    g_assert_cmpuint(b->addr, ==, 4 * GiB + 512 * MiB);
    g_assert_cmpuint(c->addr, ==, 4 * GiB + 768 * MiB);
    g_assert_false(a->addr_set);
}

static void test_plan_explicit_addr_gap(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_ram(s, "m0", 256 * MiB);
    add_ram(s, "m1", 256 * MiB);
    add_ram(s, "m2", 128 * MiB);
    /* a 128M gap below the fixed DIMM: too small for 256M, right for 128M */
    NvDimm *fixed = add_dimm(s, "pc-dimm,id=fixed,memdev=m0,"
                                "addr=0x108000000");
    NvDimm *big = add_dimm(s, "pc-dimm,id=big,memdev=m1");
    NvDimm *small = add_dimm(s, "pc-dimm,id=small,memdev=m2");
    plan_ok(s);
    check_placement(s);
    g_assert_cmpuint(fixed->addr, ==, 4 * GiB + 128 * MiB);
    g_assert_cmpuint(big->addr, ==, 4 * GiB + 384 * MiB);
    g_assert_cmpuint(small->addr, ==, 4 * GiB);
}

static void test_plan_explicit_addr_edges(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_ram(s, "m0", 256 * MiB);
    add_ram(s, "m1", 128 * MiB);
    /* the very end and the very start of the region [4G, 16G) */
    NvDimm *top = add_dimm(s, "pc-dimm,id=top,memdev=m0,addr=0x3f0000000");
    NvDimm *bot = add_dimm(s, "pc-dimm,id=bot,memdev=m1,addr=0x100000000");
    plan_ok(s);
    check_placement(s);
    g_assert_cmpuint(top->addr + top->size, ==,
                     s->layout.devmem_base + s->layout.devmem_size);
    g_assert_cmpuint(bot->addr, ==, s->layout.devmem_base);
}

static void test_plan_budget_exact(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.slots = 2;
    s->board.maxmem = 2 * GiB + 512 * MiB;
    add_ram(s, "m0", 256 * MiB);
    add_file(fx, s, "m1", 256 * MiB + 128 * KiB);
    add_dimm(s, "pc-dimm,id=pc0,memdev=m0");
    add_dimm(s, "nvdimm,id=nv0,memdev=m1,label-size=128K");
    /* RAM + DIMMs == maxmem is allowed; labels do not count */
    plan_ok(s);
    check_placement(s);
}

static void test_plan_numa(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.numa_nodes = 2;
    add_ram(s, "m0", 128 * MiB);
    NvDimm *d = add_dimm(s, "pc-dimm,id=pc0,memdev=m0,node=1");
    plan_ok(s);
    g_assert_cmpuint(d->node, ==, 1);
}

static void test_plan_nvdimm_off_pc_ok(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.nvdimm_enabled = false;
    add_ram(s, "m0", 128 * MiB);
    add_dimm(s, "pc-dimm,id=pc0,memdev=m0");
    plan_ok(s);
    check_placement(s);
}

static void test_plan_empty(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.slots = 0;
    s->board.maxmem = s->board.ram_size;
    add_ram(s, "m0", 128 * MiB); /* unused backends are fine */
    plan_ok(s);
    g_assert_cmpuint(s->layout.devmem_size, ==, 0);
    g_assert_cmpuint(s->layout.ram_below_4g, ==, 2 * GiB);
    g_assert_false(((NvHostMem *)g_ptr_array_index(s->backends, 0))->in_use);
}

static void test_plan_readonly(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_file_full(fx, s, "m0", 256 * MiB + 128 * KiB, 0, true);
    add_file_full(fx, s, "m1", 256 * MiB, 0, true);
    NvDimm *a = add_dimm(s, "nvdimm,id=nv0,memdev=m0,label-size=128K,"
                            "unarmed=on");
    NvDimm *b = add_dimm(s, "nvdimm,id=nv1,memdev=m1,label-size=0");
    plan_ok(s);
    check_placement(s);
    g_assert_true(a->unarmed);
    g_assert_cmpuint(a->size, ==, 256 * MiB);
    g_assert_cmpuint(b->size, ==, 256 * MiB);
}

/* ---- uuids ---- */

static bool uuid_is_v5(const uint8_t u[16])
{
    return (u[6] >> 4) == 5 && (u[8] & 0xc0) == 0x80;
}

static void plan_two(Fx *fx, Setup *s, const char *t0, const char *t1)
{
    add_ram(s, "m0", 128 * MiB);
    add_ram(s, "m1", 128 * MiB);
    (void)fx;
    add_dimm(s, t0);
    if (t1) {
        add_dimm(s, t1);
    }
    plan_ok(s);
}

static void test_plan_uuid(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup a, b;
    setup_init(&a);
    setup_init(&b);
    plan_two(fx, &a, "nvdimm,id=nv0,memdev=m0,slot=2",
             "nvdimm,id=nv1,memdev=m1");
    plan_two(fx, &b, "nvdimm,id=other,memdev=m1,slot=2", NULL);
    NvDimm *a0 = g_ptr_array_index(a.dimms, 0);
    NvDimm *a1 = g_ptr_array_index(a.dimms, 1);
    NvDimm *b0 = g_ptr_array_index(b.dimms, 0);
    g_assert_cmpuint(a0->slot, ==, 2);
    g_assert_cmpuint(a1->slot, ==, 0);
    g_assert_false(a0->uuid_set);

    static const uint8_t zero[16];
    g_assert_true(memcmp(a0->uuid, zero, 16) != 0);
    g_assert_true(uuid_is_v5(a0->uuid));
    g_assert_true(uuid_is_v5(a1->uuid));
    /* same slot, same uuid, whatever the id or backend */
    g_assert_cmpmem(a0->uuid, 16, b0->uuid, 16);
    /* different slots, different uuids */
    g_assert_true(memcmp(a0->uuid, a1->uuid, 16) != 0);

    /* all 256 slots give distinct v5 uuids */
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                             NULL);
    for (unsigned slot = 0; slot < NV_MAX_SLOTS; slot += 17) {
        Setup c;
        setup_init(&c);
        c.board.slots = NV_MAX_SLOTS;
        c.board.maxmem = c.board.ram_size + GiB;
        g_autofree char *t = g_strdup_printf(
            "nvdimm,id=nv,memdev=m0,slot=%u", slot);
        plan_two(fx, &c, t, NULL);
        NvDimm *d = g_ptr_array_index(c.dimms, 0);
        g_assert_true(uuid_is_v5(d->uuid));
        char txt[37];
        nv_format_uuid(d->uuid, txt);
        g_assert_false(g_hash_table_contains(seen, txt));
        g_hash_table_add(seen, g_strdup(txt));
        setup_clear(&c);
    }
    g_hash_table_unref(seen);
    setup_clear(&a);
    setup_clear(&b);
}

static void test_plan_uuid_given(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    plan_two(fx, s,
             "nvdimm,id=nv0,memdev=m0,uuid=01234567-89ab-cdef-0123-456789abcdef",
             "pc-dimm,id=pc0,memdev=m1");
    NvDimm *d = g_ptr_array_index(s->dimms, 0);
    NvDimm *pc = g_ptr_array_index(s->dimms, 1);
    char txt[37];
    nv_format_uuid(d->uuid, txt);
    g_assert_cmpstr(txt, ==, "01234567-89ab-cdef-0123-456789abcdef");
    g_assert_true(d->uuid_set);
    /* a pc-dimm has no uuid */
    static const uint8_t zero[16];
    g_assert_cmpmem(pc->uuid, 16, zero, 16);
}

/* ---- nv_dimm_plan: errors ---- */

static void test_err_memdev_missing(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_ram(s, "m0", 128 * MiB);
    add_dimm(s, "nvdimm,id=nv0,memdev=m0");
    add_dimm(s, "nvdimm,id=nv1,label-size=128K");
    plan_fails(s, NV_ERROR_INVALID, "-device nvdimm,id=nv1", "memdev=",
               NULL);
}

static void test_err_memdev_unknown(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_ram(s, "m0", 128 * MiB);
    add_dimm(s, "nvdimm,id=nv1,memdev=zz");
    plan_fails(s, NV_ERROR_INVALID, "-device nvdimm,id=nv1", "memdev=zz",
               NULL);
}

static void test_err_memdev_unknown_noid(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_dimm(s, "pc-dimm,memdev=zz,slot=1");
    plan_fails(s, NV_ERROR_INVALID, "-device pc-dimm,memdev=zz,slot=1",
               "memdev=zz", NULL);
}

static void test_err_memdev_twice(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_ram(s, "m0", 256 * MiB);
    add_dimm(s, "nvdimm,id=nv0,memdev=m0");
    add_dimm(s, "pc-dimm,id=pc1,memdev=m0");
    plan_fails(s, NV_ERROR_CONFLICT, "-device pc-dimm,id=pc1",
               "memdev=m0", "-device nvdimm,id=nv0", NULL);
}

static void test_err_node(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.numa_nodes = 1;
    add_ram(s, "m0", 128 * MiB);
    add_dimm(s, "nvdimm,id=nv1,memdev=m0,node=1");
    plan_fails(s, NV_ERROR_RANGE, "-device nvdimm,id=nv1", "node=1", NULL);
}

static void test_err_slot_range(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.slots = 2;
    add_ram(s, "m0", 128 * MiB);
    add_dimm(s, "nvdimm,id=nv1,memdev=m0,slot=2");
    plan_fails(s, NV_ERROR_RANGE, "-device nvdimm,id=nv1", "slot=2", NULL);
}

static void test_err_slot_taken(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_ram(s, "m0", 128 * MiB);
    add_ram(s, "m1", 128 * MiB);
    add_dimm(s, "nvdimm,id=nv0,memdev=m0,slot=1");
    add_dimm(s, "nvdimm,id=nv1,memdev=m1,slot=1");
    plan_fails(s, NV_ERROR_CONFLICT, "-device nvdimm,id=nv1", "slot=1",
               "-device nvdimm,id=nv0", NULL);
}

static void test_err_too_many(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.slots = 1;
    add_ram(s, "m0", 128 * MiB);
    add_ram(s, "m1", 128 * MiB);
    add_dimm(s, "nvdimm,id=nv0,memdev=m0");
    add_dimm(s, "nvdimm,id=nv1,memdev=m1");
    plan_fails(s, NV_ERROR_RANGE, "-device nvdimm,id=nv1", "no free slot",
               NULL);
}

static void test_err_too_many_explicit(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.slots = 2;
    add_ram(s, "m0", 128 * MiB);
    add_ram(s, "m1", 128 * MiB);
    add_ram(s, "m2", 128 * MiB);
    add_dimm(s, "pc-dimm,id=a,memdev=m0");
    add_dimm(s, "pc-dimm,id=b,memdev=m1,slot=0");
    add_dimm(s, "pc-dimm,id=c,memdev=m2,slot=1");
    /* the explicit ones take both slots: the auto one has none */
    plan_fails(s, NV_ERROR_RANGE, "-device pc-dimm,id=a", "no free slot",
               NULL);
}

static void test_err_maxmem(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.slots = 2;
    s->board.maxmem = 2 * GiB + 256 * MiB;
    add_ram(s, "m0", 256 * MiB);
    add_ram(s, "m1", 128 * MiB);
    add_dimm(s, "pc-dimm,id=pc0,memdev=m0");
    add_dimm(s, "nvdimm,id=nv1,memdev=m1");
    plan_fails(s, NV_ERROR_RANGE, "-device nvdimm,id=nv1", "maxmem=2304M",
               "2432M", NULL);
}

static void test_err_file_too_small(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_file(fx, s, "m1", 128 * MiB);
    add_dimm(s, "nvdimm,id=nv1,memdev=m1,label-size=128K");
    plan_fails(s, NV_ERROR_RANGE, "-device nvdimm,id=nv1", "memdev=m1",
               "128M", "label-size=128K", NULL);
}

static void test_err_file_too_small_big_label(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_file(fx, s, "m1", 1 * MiB);
    add_dimm(s, "nvdimm,id=nv1,memdev=m1,label-size=2M");
    plan_fails(s, NV_ERROR_RANGE, "-device nvdimm,id=nv1", "label-size=2M",
               NULL);
}

static void test_err_file_too_small_nolabel(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_file(fx, s, "m1", 64 * MiB);
    add_dimm(s, "nvdimm,id=nv1,memdev=m1,label-size=0");
    plan_fails(s, NV_ERROR_RANGE, "-device nvdimm,id=nv1", "64M", NULL);
}

static void test_err_label_file_small(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_file(fx, s, "m0", 256 * MiB);
    g_autofree char *lf = make_file(fx, "nv0.labels", 64 * KiB);
    g_autofree char *t = g_strdup_printf(
        "nvdimm,id=nv0,memdev=m0,label-file=%s", lf);
    add_dimm(s, t);
    plan_fails(s, NV_ERROR_RANGE, "-device nvdimm,id=nv0", lf, "64K", NULL);
}

static void test_err_label_file_size_mismatch(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_file(fx, s, "m0", 256 * MiB);
    g_autofree char *lf = make_file(fx, "nv0.labels", 256 * KiB);
    g_autofree char *t = g_strdup_printf(
        "nvdimm,id=nv0,memdev=m0,label-file=%s,label-size=128K", lf);
    add_dimm(s, t);
    /* an existing label file is never resized */
    plan_fails(s, NV_ERROR_CONFLICT, "-device nvdimm,id=nv0: label-file", lf,
               NULL);
    struct stat st;
    g_assert_cmpint(stat(lf, &st), ==, 0);
    g_assert_cmpuint((uint64_t)st.st_size, ==, 256 * KiB);
}

static void test_err_label_file_no_dir(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_file(fx, s, "m0", 256 * MiB);
    g_autofree char *lf = g_build_filename(fx->dir, "missing-dir", "l", NULL);
    g_autofree char *t = g_strdup_printf(
        "nvdimm,id=nv0,memdev=m0,label-file=%s", lf);
    add_dimm(s, t);
    plan_fails(s, NV_ERROR_INVALID, "-device nvdimm,id=nv0: label-file", lf,
               NULL);
}

static void test_err_pc_size(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_ram(s, "m0", 200 * MiB);
    add_dimm(s, "pc-dimm,id=pc0,memdev=m0");
    plan_fails(s, NV_ERROR_INVALID, "-device pc-dimm,id=pc0", "memdev=m0",
               "200M", "128M", NULL);
}

static void test_err_pc_size_align(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_file_full(fx, s, "m0", GiB + 128 * MiB, GiB, false);
    add_dimm(s, "pc-dimm,id=pc0,memdev=m0");
    plan_fails(s, NV_ERROR_INVALID, "-device pc-dimm,id=pc0", "1152M", "1G",
               NULL);
}

static void test_err_readonly_labels(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_file_full(fx, s, "m0", 256 * MiB + 128 * KiB, 0, true);
    add_dimm(s, "nvdimm,id=nv0,memdev=m0,label-size=128K");
    plan_fails(s, NV_ERROR_CONFLICT, "-device nvdimm,id=nv0", "memdev=m0",
               "readonly", "unarmed=on", NULL);
}

static void test_err_nvdimm_off(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.nvdimm_enabled = false;
    add_ram(s, "m0", 128 * MiB);
    add_dimm(s, "nvdimm,id=nv0,memdev=m0");
    plan_fails(s, NV_ERROR_CONFLICT, "-device nvdimm,id=nv0", "nvdimm=off",
               NULL);
}

static void test_err_addr_misaligned(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_ram(s, "m0", 128 * MiB);
    add_dimm(s, "nvdimm,id=nv0,memdev=m0,addr=0x104000000");
    plan_fails(s, NV_ERROR_RANGE, "-device nvdimm,id=nv0",
               "addr=0x104000000", "128M", NULL);
}

static void test_err_addr_misaligned_1g(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_file_full(fx, s, "m0", GiB, GiB, false);
    /* 128M-aligned is not enough for a backend with align=1G */
    add_dimm(s, "pc-dimm,id=pc0,memdev=m0,addr=0x108000000");
    plan_fails(s, NV_ERROR_RANGE, "-device pc-dimm,id=pc0",
               "addr=0x108000000", "1G", NULL);
}

static void test_err_addr_below(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_ram(s, "m0", 128 * MiB);
    add_dimm(s, "nvdimm,id=nv0,memdev=m0,addr=0x80000000");
    plan_fails(s, NV_ERROR_RANGE, "-device nvdimm,id=nv0", "addr=0x80000000",
               "0x100000000", NULL);
}

static void test_err_addr_past_end(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_ram(s, "m0", 256 * MiB);
    /* region [4G, 16G): a 256M DIMM at 16G-128M sticks out */
    add_dimm(s, "pc-dimm,id=pc0,memdev=m0,addr=0x3f8000000");
    plan_fails(s, NV_ERROR_RANGE, "-device pc-dimm,id=pc0",
               "addr=0x3f8000000", "0x400000000", NULL);
}

static void test_err_addr_far(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_ram(s, "m0", 256 * MiB);
    add_dimm(s, "pc-dimm,id=pc0,memdev=m0,addr=0xfffffffff0000000");
    plan_fails(s, NV_ERROR_RANGE, "-device pc-dimm,id=pc0",
               "addr=0xfffffffff0000000", NULL);
}

static void test_err_addr_overlap(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_ram(s, "m0", 256 * MiB);
    add_ram(s, "m1", 256 * MiB);
    add_dimm(s, "nvdimm,id=nv0,memdev=m0,addr=0x100000000");
    add_dimm(s, "nvdimm,id=nv1,memdev=m1,addr=0x108000000");
    plan_fails(s, NV_ERROR_CONFLICT, "-device nvdimm,id=nv1",
               "addr=0x108000000", "overlaps -device nvdimm,id=nv0", NULL);
}

static void test_err_addr_same(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    add_ram(s, "m0", 128 * MiB);
    add_ram(s, "m1", 256 * MiB);
    add_dimm(s, "pc-dimm,id=a,memdev=m0,addr=0x110000000");
    add_dimm(s, "pc-dimm,id=b,memdev=m1,addr=0x108000000");
    plan_fails(s, NV_ERROR_CONFLICT, "-device pc-dimm,id=b",
               "overlaps -device pc-dimm,id=a", NULL);
}

static void test_err_devmem_past_1t(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.maxmem = TiB;
    plan_fails(s, NV_ERROR_RANGE, "maxmem=1T", "1T", NULL);
}

static void test_ok_devmem_just_below_1t(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    /* 2G RAM, 4 slots: the region [4G, 8G + (maxmem - 2G)) ends at 1T */
    s->board.maxmem = TiB - 8 * GiB + 2 * GiB;
    add_ram(s, "m0", 128 * MiB);
    add_dimm(s, "pc-dimm,id=pc0,memdev=m0");
    plan_ok(s);
    g_assert_cmpuint(s->layout.devmem_base + s->layout.devmem_size, ==, TiB);
    setup_clear(s);
    setup_init(s);
    s->board.maxmem = TiB - 8 * GiB + 2 * GiB + 1;
    plan_fails(s, NV_ERROR_RANGE, "past the guest physical address limit 1T", NULL);
}

/*
 * A maxmem= near 2^64 must be refused like any other maxmem past 1T: the
 * region size align_up(maxmem - ram, 1G) + slots * 1G would wrap around
 * 2^64 (to 1G here) if the inputs were not bounded first.
 */
static void test_err_devmem_wrap(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.maxmem = UINT64_MAX - GiB + 1; /* "17179869183G" */
    GError *err = NULL;
    g_assert_false(nv_dimm_plan(&s->board, s->backends, s->dimms, &s->layout,
                                &err));
    g_assert_error(err, NV_ERROR, NV_ERROR_RANGE);
    assert_msg(err, "past the guest physical address limit 1T");
    g_error_free(err);
}

/* RAM 2G + 128M + (2^64 - 128M) wraps 2^64 to 2G, which is under maxmem:
 * the budget check must see "more than 2^64 bytes" instead (a phys limit
 * of 2^63 lets such a maxmem through to it). */
static void test_err_budget_wrap(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.phys_limit = UINT64_C(1) << 63;
    s->board.phys_limit_from = "a test";
    s->board.maxmem = UINT64_C(1) << 62;
    s->board.slots = 2;
    add_ram(s, "a", 128 * MiB);
    add_ram(s, "b", UINT64_MAX - 128 * MiB + 1);
    add_dimm(s, "pc-dimm,id=a,memdev=a");
    add_dimm(s, "pc-dimm,id=b,memdev=b");
    plan_fails(s, NV_ERROR_RANGE, "-device pc-dimm,id=b",
               "more than 2^64 bytes", "over maxmem=4E", NULL);
    (void)fx;
}

/* The limit is a parameter: 64T machines plan with 46 bits, and an
 * over-limit message says where the limit came from. */
static void test_phys_limit_param(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.phys_limit = UINT64_C(1) << 46;
    s->board.phys_limit_from = "the host CPU's 46 physical address bits";
    s->board.maxmem = 12 * TiB;
    add_ram(s, "m0", 8 * TiB);
    add_dimm(s, "pc-dimm,id=pc0,memdev=m0");
    plan_ok(s);
    check_placement(s);
    setup_clear(s);
    setup_init(s);
    s->board.phys_limit = UINT64_C(1) << 42;
    s->board.phys_limit_from = "NVEMU_PHYS_BITS=42";
    s->board.maxmem = 12 * TiB;
    plan_fails(s, NV_ERROR_RANGE, "maxmem=12T", "limit 4T",
               "(NVEMU_PHYS_BITS=42)", NULL);
    (void)fx;
}

/* share=off: labels written into a private mapping would never reach the
 * file. Refused unless the labels are read-only (unarmed) or elsewhere. */
static void test_err_share_off_labels(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    NvHostMem *hm = add_file(fx, s, "m0", 512 * MiB);
    hm->cfg.share = false;
    add_dimm(s, "nvdimm,id=nv0,memdev=m0,label-size=128K");
    plan_fails(s, NV_ERROR_CONFLICT, "-device nvdimm,id=nv0", "share=off",
               "m0.img", "share=on", NULL);
    setup_clear(s);
    setup_init(s);
    hm = add_file(fx, s, "m0", 512 * MiB);
    hm->cfg.share = false;
    add_dimm(s, "nvdimm,id=nv0,memdev=m0,label-size=128K,unarmed=on");
    plan_ok(s);
    setup_clear(s);
    setup_init(s);
    hm = add_file(fx, s, "m0", 512 * MiB);
    hm->cfg.share = false;
    add_dimm(s, "nvdimm,id=nv0,memdev=m0");
    plan_ok(s);
}


/* ---- nv_dimm_plan_add: a DIMM added at run time ---- */

/* Place @text against the planned DIMMs of @s; on success it is appended. */
static NvDimm *hot_add(Setup *s, const char *text, GError **errp)
{
    NvDimm *d = new_dimm(text, errp);
    g_assert_nonnull(d);
    if (!nv_dimm_plan_add(&s->board, s->backends, s->dimms, &s->layout, d,
                          errp)) {
        nv_dimm_free(d);
        return NULL;
    }
    g_ptr_array_add(s->dimms, d);
    return d;
}

/* The slot, addr, size and uuid of every DIMM, to compare two setups. */
static char *placement(const Setup *s)
{
    GString *o = g_string_new(NULL);
    for (guint i = 0; i < s->dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(s->dimms, i);
        char u[37];
        nv_format_uuid(d->uuid, u);
        g_string_append_printf(o, "%s slot %u addr 0x%" G_GINT64_MODIFIER
                               "x size %" G_GUINT64_FORMAT " uuid %s\n",
                               d->id, d->slot, d->addr, d->size,
                               d->kind == NV_DIMM_NVDIMM ? u : "-");
    }
    return g_string_free(o, FALSE);
}

/* Hot-adding each of @texts after the boot DIMMs gives the placement that
 * all of them on the command line give. */
static void check_same_as_boot(Fx *fx, const char *const *boot,
                               const char *const *hot)
{
    Setup all, some;
    setup_init(&all);
    setup_init(&some);
    Setup *both[] = { &all, &some };
    for (int k = 0; k < 2; k++) {
        Setup *s = both[k];
        s->board.slots = 6;
        s->board.maxmem = 2 * GiB + 6 * GiB;
        add_ram(s, "r0", 256 * MiB);
        add_ram(s, "r1", 128 * MiB);
        add_ram(s, "r2", GiB);
        add_ram(s, "r3", 384 * MiB);
    }
    (void)fx;
    for (int i = 0; boot[i]; i++) {
        add_dimm(&all, boot[i]);
        add_dimm(&some, boot[i]);
    }
    for (int i = 0; hot[i]; i++) {
        add_dimm(&all, hot[i]);
    }
    plan_ok(&all);
    plan_ok(&some);
    for (int i = 0; hot[i]; i++) {
        GError *err = NULL;
        NvDimm *d = hot_add(&some, hot[i], &err);
        g_assert_no_error(err);
        g_assert_true(d->placed);
        g_assert_true(d->memdev->in_use);
    }
    check_placement(&some);
    g_autofree char *want = placement(&all);
    g_autofree char *got = placement(&some);
    g_assert_cmpstr(got, ==, want);
    setup_clear(&all);
    setup_clear(&some);
}

static void test_hot_add_like_boot(Fx *fx, gconstpointer data)
{
    (void)data;
    /* first fit around a fixed address, an explicit slot, auto slots */
    const char *boot[] = { "pc-dimm,id=a,memdev=r0",
                           "pc-dimm,id=b,memdev=r1,slot=3,addr=0x140000000",
                           NULL };
    const char *hot[] = { "pc-dimm,id=c,memdev=r2",
                          "pc-dimm,id=d,memdev=r3,slot=4", NULL };
    check_same_as_boot(fx, boot, hot);
}

static void test_hot_add_nvdimm_like_boot(Fx *fx, gconstpointer data)
{
    (void)data;
    /* an nvdimm: label geometry, a derived uuid from its slot */
    const char *boot[] = { "pc-dimm,id=a,memdev=r0", NULL };
    /* each setup has its own file (g0, g1) of the same size */
    Setup all, some;
    setup_init(&all);
    setup_init(&some);
    for (int k = 0; k < 2; k++) {
        Setup *s = k ? &some : &all;
        add_ram(s, "r0", 256 * MiB);
        add_file_full(fx, s, k ? "g1" : "g0", 272 * MiB, 0, false);
    }
    add_dimm(&all, boot[0]);
    add_dimm(&all, "nvdimm,id=nv,memdev=g0,label-size=128K");
    add_dimm(&some, boot[0]);
    plan_ok(&all);
    plan_ok(&some);
    GError *err = NULL;
    NvDimm *d = hot_add(&some, "nvdimm,id=nv,memdev=g1,label-size=128K",
                        &err);
    g_assert_no_error(err);
    NvDimm *w = all.dimms->pdata[1];
    g_assert_cmpuint(d->slot, ==, w->slot);
    g_assert_cmpuint(d->addr, ==, w->addr);
    g_assert_cmpuint(d->size, ==, 256 * MiB);
    g_assert_cmpuint(d->label_offset, ==, w->label_offset);
    g_assert_cmpmem(d->uuid, 16, w->uuid, 16);
    setup_clear(&all);
    setup_clear(&some);
}

/* A failed hot-add: the error, and the placed DIMMs and backends as they
 * were (slots, addresses, the backends' in_use). */
static void hot_add_fails(Setup *s, const char *text, int code,
                          const char *needle)
{
    g_autofree char *before = placement(s);
    g_autofree gboolean *used = g_new0(gboolean, s->backends->len);
    for (guint i = 0; i < s->backends->len; i++) {
        used[i] = ((NvHostMem *)s->backends->pdata[i])->in_use;
    }
    guint n = s->dimms->len;
    GError *err = NULL;
    g_assert_null(hot_add(s, text, &err));
    g_test_message("error: %s", err ? err->message : "(none)");
    g_assert_error(err, NV_ERROR, code);
    assert_msg(err, needle);
    g_error_free(err);
    g_assert_cmpuint(s->dimms->len, ==, n);
    g_autofree char *after = placement(s);
    g_assert_cmpstr(after, ==, before);
    for (guint i = 0; i < s->backends->len; i++) {
        g_assert_cmpint(used[i], ==,
                        ((NvHostMem *)s->backends->pdata[i])->in_use);
    }
}

static void test_hot_add_errors(Fx *fx, gconstpointer data)
{
    (void)data;
    Setup *s = &fx->s;
    s->board.slots = 3;
    s->board.maxmem = 2 * GiB + 1536 * MiB;
    add_ram(s, "r0", 512 * MiB);
    add_ram(s, "r1", 512 * MiB);
    add_ram(s, "odd", 192 * MiB);
    add_ram(s, "big", GiB);
    add_ram(s, "r2", 256 * MiB);
    add_ram(s, "r3", 128 * MiB);
    add_dimm(s, "pc-dimm,id=a,memdev=r0");
    plan_ok(s);

    hot_add_fails(s, "pc-dimm,id=x,memdev=odd", NV_ERROR_INVALID,
                  "memdev=odd is 192M, not a multiple of the DIMM alignment "
                  "128M");
    hot_add_fails(s, "pc-dimm,id=x,memdev=r0", NV_ERROR_CONFLICT,
                  "memdev=r0 is already used by -device pc-dimm,id=a");
    hot_add_fails(s, "pc-dimm,id=x,memdev=nope", NV_ERROR_INVALID,
                  "memdev=nope: no -object has id=nope");
    hot_add_fails(s, "pc-dimm,id=a,memdev=r1", NV_ERROR_CONFLICT,
                  "id=a is already used by -device pc-dimm,id=a");
    hot_add_fails(s, "pc-dimm,id=x,memdev=r1,slot=0", NV_ERROR_CONFLICT,
                  "slot=0 is already taken by -device pc-dimm,id=a");
    hot_add_fails(s, "pc-dimm,id=x,memdev=r1,node=1", NV_ERROR_RANGE,
                  "node=1 is out of range");
    /* 2G RAM + 512M + 1G would pass maxmem=3.5G */
    GError *err = NULL;
    g_assert_nonnull(hot_add(s, "pc-dimm,id=b,memdev=r1", &err));
    g_assert_no_error(err);
    hot_add_fails(s, "pc-dimm,id=x,memdev=big", NV_ERROR_RANGE,
                  "RAM plus DIMMs would be 4G, over maxmem=3584M");
    g_assert_nonnull(hot_add(s, "pc-dimm,id=c,memdev=r2", &err));
    g_assert_no_error(err);
    hot_add_fails(s, "pc-dimm,id=x,memdev=r3", NV_ERROR_RANGE,
                  "no free slot: 4 DIMMs but the machine has 3 slots");
    /* the backend a failed add bound is free again: usable once a slot is */
    g_assert_false(((NvHostMem *)s->backends->pdata[5])->in_use);
    check_placement(s);
    (void)fx;
}

#define ADD_FX(path, fn) \
    g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/nvdimm/layout/init", test_layout_init);
    g_test_add_func("/nvdimm/parse/nvdimm", test_dimm_parse_nvdimm);
    g_test_add_func("/nvdimm/parse/pc-dimm", test_dimm_parse_pc);
    g_test_add_func("/nvdimm/parse/errors", test_dimm_parse_errors);

    ADD_FX("/nvdimm/plan/basic", test_plan_basic);
    ADD_FX("/nvdimm/plan/slots", test_plan_slots);
    ADD_FX("/nvdimm/plan/slot-last", test_plan_slot_last);
    ADD_FX("/nvdimm/plan/no-labels", test_plan_no_labels);
    ADD_FX("/nvdimm/plan/label-geometry", test_plan_label_geometry);
    ADD_FX("/nvdimm/plan/label-file-new", test_plan_label_file_new);
    ADD_FX("/nvdimm/plan/label-file-existing", test_plan_label_file_existing);
    ADD_FX("/nvdimm/plan/align-1g", test_plan_align_1g);
    ADD_FX("/nvdimm/plan/align-1g-labels", test_plan_align_1g_labels_eat_block);
    ADD_FX("/nvdimm/plan/addr", test_plan_explicit_addr);
    ADD_FX("/nvdimm/plan/addr-gap", test_plan_explicit_addr_gap);
    ADD_FX("/nvdimm/plan/addr-edges", test_plan_explicit_addr_edges);
    ADD_FX("/nvdimm/plan/budget-exact", test_plan_budget_exact);
    ADD_FX("/nvdimm/plan/numa", test_plan_numa);
    ADD_FX("/nvdimm/plan/nvdimm-off-pc-dimm", test_plan_nvdimm_off_pc_ok);
    ADD_FX("/nvdimm/plan/empty", test_plan_empty);
    ADD_FX("/nvdimm/plan/readonly", test_plan_readonly);
    ADD_FX("/nvdimm/plan/uuid-derived", test_plan_uuid);
    ADD_FX("/nvdimm/plan/uuid-given", test_plan_uuid_given);
    ADD_FX("/nvdimm/plan/devmem-1t-edge", test_ok_devmem_just_below_1t);

    ADD_FX("/nvdimm/plan-error/memdev-missing", test_err_memdev_missing);
    ADD_FX("/nvdimm/plan-error/memdev-unknown", test_err_memdev_unknown);
    ADD_FX("/nvdimm/plan-error/memdev-unknown-noid",
           test_err_memdev_unknown_noid);
    ADD_FX("/nvdimm/plan-error/memdev-twice", test_err_memdev_twice);
    ADD_FX("/nvdimm/plan-error/node", test_err_node);
    ADD_FX("/nvdimm/plan-error/slot-range", test_err_slot_range);
    ADD_FX("/nvdimm/plan-error/slot-taken", test_err_slot_taken);
    ADD_FX("/nvdimm/plan-error/too-many", test_err_too_many);
    ADD_FX("/nvdimm/plan-error/too-many-explicit", test_err_too_many_explicit);
    ADD_FX("/nvdimm/plan-error/maxmem", test_err_maxmem);
    ADD_FX("/nvdimm/plan-error/file-too-small", test_err_file_too_small);
    ADD_FX("/nvdimm/plan-error/file-too-small-big-label",
           test_err_file_too_small_big_label);
    ADD_FX("/nvdimm/plan-error/file-too-small-nolabel",
           test_err_file_too_small_nolabel);
    ADD_FX("/nvdimm/plan-error/label-file-small", test_err_label_file_small);
    ADD_FX("/nvdimm/plan-error/label-file-size-mismatch",
           test_err_label_file_size_mismatch);
    ADD_FX("/nvdimm/plan-error/label-file-no-dir", test_err_label_file_no_dir);
    ADD_FX("/nvdimm/plan-error/pc-size", test_err_pc_size);
    ADD_FX("/nvdimm/plan-error/pc-size-align", test_err_pc_size_align);
    ADD_FX("/nvdimm/plan-error/readonly-labels", test_err_readonly_labels);
    ADD_FX("/nvdimm/plan-error/nvdimm-off", test_err_nvdimm_off);
    ADD_FX("/nvdimm/plan-error/addr-misaligned", test_err_addr_misaligned);
    ADD_FX("/nvdimm/plan-error/addr-misaligned-1g",
           test_err_addr_misaligned_1g);
    ADD_FX("/nvdimm/plan-error/addr-below", test_err_addr_below);
    ADD_FX("/nvdimm/plan-error/addr-past-end", test_err_addr_past_end);
    ADD_FX("/nvdimm/plan-error/addr-far", test_err_addr_far);
    ADD_FX("/nvdimm/plan-error/addr-overlap", test_err_addr_overlap);
    ADD_FX("/nvdimm/plan-error/addr-overlap-inside", test_err_addr_same);
    ADD_FX("/nvdimm/plan-error/devmem-past-1t", test_err_devmem_past_1t);
    ADD_FX("/nvdimm/plan-error/devmem-wrap", test_err_devmem_wrap);
    ADD_FX("/nvdimm/plan-error/budget-wrap", test_err_budget_wrap);
    ADD_FX("/nvdimm/plan-error/share-off-labels", test_err_share_off_labels);
    ADD_FX("/nvdimm/plan/phys-limit-param", test_phys_limit_param);
    ADD_FX("/nvdimm/hot-add/like-boot", test_hot_add_like_boot);
    ADD_FX("/nvdimm/hot-add/nvdimm-like-boot", test_hot_add_nvdimm_like_boot);
    ADD_FX("/nvdimm/hot-add/errors", test_hot_add_errors);

    return g_test_run();
}
