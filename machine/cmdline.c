/*
 * machine/cmdline.c — nvemu's command line, in QEMU's syntax.
 *
 * Each option has a handler that turns its text into NvConfig fields; -object
 * and -device hand their property strings to hostmem/ and nvdimm/, which own
 * those properties. Options may be spelled -opt or --opt.
 */
#include "boot.h"
#include "cmdline-qemu.h"
#include "rtc.h"
#include "state-file.h"
#include "qmp.h"

#include <string.h>

typedef NvOptDef OptDef;

static bool opt_m(NvConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(NvOpts) o = nv_opts_parse(arg, "size", errp);
    NvBoardConfig *b = &cfg->board;
    uint64_t slots = 0;
    bool maxmem_set = false;

    if (!o) {
        return false;
    }
    /* QEMU lets the last -m win; nvemu refuses, so a script that adds a
     * second -m learns which one it gets. */
    if (cfg->m_given) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "-m given a second time (give it once)");
        return false;
    }
    cfg->m_given = true;
    if (!*arg) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "an empty value: give a RAM size such as 1G");
        return false;
    }
    const char *size = nv_opts_get(o, "size");
    if (size) {
        /* QEMU: a bare -m number is MiB. */
        if (!nv_parse_size(size, MiB, &b->ram_size, errp)) {
            return false;
        }
    }
    if (!nv_opts_get_uint(o, "slots", NV_MAX_SLOTS, &slots, NULL, errp) ||
        !nv_opts_get_size(o, "maxmem", &b->maxmem, &maxmem_set, errp) ||
        !nv_opts_check_unused(o, errp)) {
        return false;
    }
    b->slots = (uint32_t)slots;
    if (b->ram_size == 0 || b->ram_size % (4 * KiB)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "size=%s: RAM size must be a non-zero multiple of 4K",
                    size ? size : "0");
        return false;
    }
    g_autofree char *ram = nv_format_size(b->ram_size);
    if (b->ram_size < NV_RAM_MIN) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "size=%s: the machine needs at least 16M of RAM", ram);
        return false;
    }
    if (!maxmem_set) {
        b->maxmem = b->ram_size;
    }
    g_autofree char *max = nv_format_size(b->maxmem);
    if (b->maxmem < b->ram_size) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "maxmem=%s is below the RAM size %s", max, ram);
        return false;
    }
    if (b->slots && b->maxmem == b->ram_size) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "slots=%u needs a maxmem= larger than the RAM size %s",
                    b->slots, ram);
        return false;
    }
    if (!b->slots && b->maxmem > b->ram_size) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "maxmem=%s needs slots=N (how many DIMMs may be plugged)",
                    max);
        return false;
    }
    return true;
}

/* -smp [cpus=]N[,maxcpus=N][,sockets=S][,dies=D][,cores=C][,threads=T]:
 * the topology keys are checked (their product is the vCPU count) but the
 * guest sees N vCPUs with KVM's CPUID, no topology of its own. */
static bool opt_smp(NvConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(NvOpts) o = nv_opts_parse(arg, "cpus", errp);
    static const char *const topo[] = { "sockets", "dies", "clusters",
                                        "cores", "threads" };
    uint64_t n = 1, maxcpus = 0, product = 1;
    bool present = false, any_topo = false;
    if (!o || !nv_opts_get_uint(o, "cpus", NV_MAX_CPUS, &n, &present, errp) ||
        !nv_opts_get_uint(o, "maxcpus", NV_MAX_CPUS, &maxcpus, NULL, errp)) {
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(topo); i++) {
        uint64_t v = 1;
        bool given = false;
        if (!nv_opts_get_uint(o, topo[i], NV_MAX_CPUS, &v, &given, errp)) {
            return false;
        }
        if (given && v == 0) {
            g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                        "%s=0: give at least 1", topo[i]);
            return false;
        }
        any_topo |= given;
        product *= v; /* each <= 64: no overflow */
    }
    if (!nv_opts_check_unused(o, errp)) {
        return false;
    }
    if (!present && any_topo) {
        n = product;
        present = true;
    }
    if (!present || n == 0 || n > NV_MAX_CPUS) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "the number of vCPUs must be 1 to %d", NV_MAX_CPUS);
        return false;
    }
    if (any_topo && product != n) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "sockets x dies x clusters x cores x threads is %"
                    G_GUINT64_FORMAT ", not the %" G_GUINT64_FORMAT
                    " vCPUs", product, n);
        return false;
    }
    if (maxcpus && maxcpus != n) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "maxcpus=%" G_GUINT64_FORMAT ": nvemu has no CPU hotplug "
                    "(maxcpus must equal the %" G_GUINT64_FORMAT " vCPUs)",
                    maxcpus, n);
        return false;
    }
    cfg->smp = (uint32_t)n;
    return true;
}

static bool opt_machine(NvConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(NvOpts) o = nv_opts_parse(arg, "type", errp);
    if (!o) {
        return false;
    }
    /* QEMU scripts say pc or q35; nvemu has one machine type. */
    const char *type = nv_opts_get(o, "type");
    if (type && strcmp(type, "pc") && strcmp(type, "q35") &&
        strcmp(type, "nvemu")) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "type '%s' is not supported (use pc, q35 or nvemu)", type);
        return false;
    }
    const char *accel = nv_opts_get(o, "accel");
    if (accel && strcmp(accel, "kvm")) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "accel=%s: nvemu runs on KVM only", accel);
        return false;
    }
    if (!nv_opts_get_bool(o, "nvdimm", &cfg->board.nvdimm_enabled, errp)) {
        return false;
    }
    const char *u = nv_opts_get(o, "kernel-unpack");
    if (u) {
        if (strcmp(u, "host") && strcmp(u, "guest")) {
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "kernel-unpack=%s: use host or guest", u);
            return false;
        }
        cfg->kernel_unpack_guest = !strcmp(u, "guest");
    }
    if (!nv_opts_get_bool(o, "rtc", &cfg->rtc, errp)) {
        return false;
    }
    const char *p = nv_opts_get(o, "nvdimm-persistence");
    if (p) {
        if (!strcmp(p, "cpu")) {
            cfg->persistence = NV_PERSIST_CPU;
        } else if (!strcmp(p, "mem-ctrl")) {
            cfg->persistence = NV_PERSIST_MEM_CTRL;
        } else {
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "nvdimm-persistence=%s: use cpu or mem-ctrl", p);
            return false;
        }
    }
    return nv_opts_check_unused(o, errp);
}

/* cpus=A or cpus=A-B (QEMU's syntax, one range), each below NV_MAX_CPUS
 * and not already on another node. */
static bool numa_cpus(NvConfig *cfg, uint32_t node, const char *cpus,
                      const char *arg, GError **errp)
{
    g_auto(GStrv) ends = g_strsplit(cpus, "-", 3);
    uint64_t first, last;
    if (g_strv_length(ends) > 2 ||
        !nv_parse_uint(ends[0], NV_MAX_CPUS - 1, &first, NULL) ||
        !nv_parse_uint(ends[1] ? ends[1] : ends[0], NV_MAX_CPUS - 1, &last,
                       NULL) || last < first) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "cpus= takes a vCPU index or a range A-B with A <= B, "
                    "below %u", NV_MAX_CPUS);
        return false;
    }
    for (uint32_t n = 0; n < NV_MAX_NUMA_NODES; n++) {
        const NvNumaCpus *o = &cfg->numa_cpus[n];
        if (o->set && first <= o->last && o->first <= last) {
            uint32_t cpu = (uint32_t)MAX(first, (uint64_t)o->first);
            g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                        "vCPU %u is already on node %u", cpu, n);
            return false;
        }
    }
    cfg->numa_cpus[node] = (NvNumaCpus) {
        .set = true, .first = (uint32_t)first, .last = (uint32_t)last,
        .arg = g_strdup(arg),
    };
    return true;
}

static bool opt_numa(NvConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(NvOpts) o = nv_opts_parse(arg, "type", errp);
    uint64_t id = cfg->board.numa_nodes;
    if (!o) {
        return false;
    }
    if (g_strcmp0(nv_opts_get(o, "type"), "node")) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "only '-numa node[,nodeid=N][,cpus=A[-B]]' is "
                    "supported");
        return false;
    }
    if (!nv_opts_get_uint(o, "nodeid", NV_MAX_NUMA_NODES - 1, &id, NULL,
                          errp)) {
        return false;
    }
    const char *cpus = nv_opts_get(o, "cpus");
    if (!nv_opts_check_unused(o, errp)) {
        return false;
    }
    if (id != cfg->board.numa_nodes) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "nodeid=%" G_GUINT64_FORMAT " is out of order: give nodes "
                    "0, 1, 2... in turn (next is %u)", id,
                    cfg->board.numa_nodes);
        return false;
    }
    if (cpus && !numa_cpus(cfg, (uint32_t)id, cpus, arg, errp)) {
        return false;
    }
    cfg->board.numa_nodes++;
    return true;
}

/* After the whole command line (-smp may follow -numa): every vCPU a
 * cpus= names exists; the others are on node 0. */
static bool numa_finish(NvConfig *cfg, GError **errp)
{
    memset(cfg->cpu_node, 0, sizeof(cfg->cpu_node));
    for (uint32_t n = 0; n < NV_MAX_NUMA_NODES; n++) {
        const NvNumaCpus *o = &cfg->numa_cpus[n];
        if (!o->set) {
            continue;
        }
        if (o->last >= cfg->smp) {
            g_autofree char *q = nv_quote(o->arg);
            g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                        "-numa %s: vCPU %u does not exist (-smp %u: vCPUs "
                        "0 to %u)", q, o->last, cfg->smp, cfg->smp - 1);
            return false;
        }
        for (uint32_t c = o->first; c <= o->last; c++) {
            cfg->cpu_node[c] = n;
        }
    }
    return true;
}

static bool id_taken(GPtrArray *arr, bool dimms, const char *id)
{
    for (guint i = 0; id && i < arr->len; i++) {
        const char *other = dimms
            ? ((NvDimm *)g_ptr_array_index(arr, i))->id
            : ((NvHostMem *)g_ptr_array_index(arr, i))->cfg.id;
        if (g_strcmp0(other, id) == 0) {
            return true;
        }
    }
    return false;
}

static bool opt_object(NvConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(NvOpts) o = nv_opts_parse(arg, "qom-type", errp);
    if (!o) {
        return false;
    }
    NvHostMem *hm = nv_hostmem_new_from_opts(o, errp);
    if (!hm) {
        return false;
    }
    if (id_taken(cfg->backends, false, hm->cfg.id)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "id=%s is already used by another -object", hm->cfg.id);
        nv_hostmem_free(hm);
        return false;
    }
    g_ptr_array_add(cfg->backends, hm);
    return true;
}

static bool opt_device(NvConfig *cfg, const char *arg, GError **errp)
{
    g_autoptr(NvOpts) o = nv_opts_parse(arg, "driver", errp);
    if (!o) {
        return false;
    }
    NvDimm *d = nv_dimm_new_from_opts(o, errp);
    if (!d) {
        return false;
    }
    if (id_taken(cfg->dimms, true, d->id)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "id=%s is already used by another -device", d->id);
        nv_dimm_free(d);
        return false;
    }
    g_ptr_array_add(cfg->dimms, d);
    return true;
}

static bool set_string(char **field, const char *arg)
{
    g_free(*field);
    *field = g_strdup(arg);
    return true;
}

static bool opt_kernel(NvConfig *c, const char *a, GError **e)
{
    (void)e;
    return set_string(&c->kernel, a);
}

static bool opt_initrd(NvConfig *c, const char *a, GError **e)
{
    (void)e;
    return set_string(&c->initrd, a);
}

static bool opt_append(NvConfig *c, const char *a, GError **e)
{
    return nv_rtc_check_append(a, e) && set_string(&c->append, a);
}

static bool opt_dump_acpi(NvConfig *c, const char *a, GError **e)
{
    (void)e;
    return set_string(&c->dump_acpi, a);
}

/* -d ITEM[,ITEM]: QEMU's debug-log switch; nvemu knows "io". */
static bool opt_debug(NvConfig *cfg, const char *arg, GError **errp)
{
    g_auto(GStrv) items = g_strsplit(arg, ",", -1);
    for (int i = 0; items[i]; i++) {
        if (!strcmp(items[i], "io")) {
            cfg->trace_io = true;
        } else {
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "unknown log item '%s' (nvemu has: io)", items[i]);
            return false;
        }
    }
    return true;
}

/* -qmp unix:PATH,server=on,wait=off (or ,server,nowait), once per socket:
 * qmp/ parses it; the monitor (monitor.c) listens on each at start. */
static bool opt_qmp(NvConfig *cfg, const char *arg, GError **errp)
{
    NvQmpListenConfig *l = nv_qmp_parse_option(arg, errp);
    if (!l) {
        return false;
    }
    for (guint i = 0; i < cfg->qmp->len; i++) {
        NvQmpListenConfig *o = g_ptr_array_index(cfg->qmp, i);
        if (!strcmp(o->path, l->path)) {
            g_autofree char *q = nv_quote(arg);
            g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                        "-qmp '%s': socket %s is given twice", q, l->path);
            nv_qmp_listen_config_free(l);
            return false;
        }
    }
    g_ptr_array_add(cfg->qmp, l);
    return true;
}

/* -pidfile FILE: written once nvemu runs (after -daemonize forked),
 * removed at exit (qmp/qmp-option.c). */
static bool opt_pidfile(NvConfig *cfg, const char *arg, GError **errp)
{
    if (cfg->pidfile) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "-pidfile given a second time (give it once)");
        return false;
    }
    if (!*arg) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "an empty value: give a file name");
        return false;
    }
    return set_string(&cfg->pidfile, arg);
}

#define FLAG_HANDLER(fn, field)                                      \
    static bool fn(NvConfig *c, const char *a, GError **e)           \
    {                                                                \
        (void)a;                                                     \
        (void)e;                                                     \
        c->field = true;                                             \
        return true;                                                 \
    }
FLAG_HANDLER(opt_nographic, nographic)
FLAG_HANDLER(opt_no_reboot, no_reboot)
FLAG_HANDLER(opt_print_map, print_memory_map)
FLAG_HANDLER(opt_check_kvm, check_kvm)
FLAG_HANDLER(opt_help, help)
FLAG_HANDLER(opt_version, version)

static bool opt_ignore(NvConfig *c, const char *a, GError **e)
{
    (void)c, (void)a, (void)e; /* -enable-kvm: nvemu always uses KVM */
    return true;
}

static const OptDef options[] = {
    { "m", true, opt_m },
    { "smp", true, opt_smp },
    { "machine", true, opt_machine },
    { "M", true, opt_machine },
    { "numa", true, opt_numa },
    { "object", true, opt_object },
    { "device", true, opt_device },
    { "kernel", true, opt_kernel },
    { "initrd", true, opt_initrd },
    { "append", true, opt_append },
    { "qmp", true, opt_qmp },
    { "pidfile", true, opt_pidfile },
    { "nographic", false, opt_nographic },
    { "no-reboot", false, opt_no_reboot },
    { "enable-kvm", false, opt_ignore },
    { "print-memory-map", false, opt_print_map },
    { "dump-acpi", true, opt_dump_acpi },
    { "check-kvm", false, opt_check_kvm },
    { "d", true, opt_debug },
    { "help", false, opt_help },
    { "h", false, opt_help },
    { "version", false, opt_version },
};

static const OptDef *find_option(const char *arg)
{
    if (arg[0] != '-') {
        return NULL;
    }
    const char *name = arg[1] == '-' ? arg + 2 : arg + 1;
    for (size_t i = 0; i < G_N_ELEMENTS(options); i++) {
        if (!strcmp(options[i].name, name)) {
            return &options[i];
        }
    }
    for (size_t i = 0; i < nv_qemu_options_len; i++) {
        if (!strcmp(nv_qemu_options[i].name, name)) {
            return &nv_qemu_options[i];
        }
    }
    return NULL;
}

void nv_config_free(NvConfig *cfg)
{
    if (!cfg) {
        return;
    }
    g_ptr_array_unref(cfg->dimms);   /* before backends: DIMMs borrow them */
    g_ptr_array_unref(cfg->backends);
    g_free(cfg->kernel);
    g_free(cfg->initrd);
    g_free(cfg->append);
    g_ptr_array_unref(cfg->qmp);
    g_free(cfg->pidfile);
    g_free(cfg->dump_acpi);
    g_free(cfg->name);
    g_free(cfg->process_name);
    nv_out_file_free(&cfg->serial_file);
    nv_out_file_free(&cfg->log_file);
    for (uint32_t n = 0; n < NV_MAX_NUMA_NODES; n++) {
        g_free(cfg->numa_cpus[n].arg);
    }
    g_free(cfg);
}

NvConfig *nv_config_parse(int argc, char **argv, GError **errp)
{
    g_autoptr(NvConfig) cfg = g_new0(NvConfig, 1);
    cfg->board.ram_size = 128 * MiB; /* QEMU's default */
    cfg->board.maxmem = cfg->board.ram_size;
    cfg->board.nvdimm_enabled = true;
    cfg->rtc = true;
    cfg->smp = 1;
    cfg->serial = NV_SERIAL_STDIO;
    cfg->serial_file.fd = cfg->log_file.fd = -1;
    cfg->backends = g_ptr_array_new_with_free_func(
        (GDestroyNotify)nv_hostmem_free);
    cfg->dimms = g_ptr_array_new_with_free_func((GDestroyNotify)nv_dimm_free);
    cfg->qmp = g_ptr_array_new_with_free_func(
        (GDestroyNotify)nv_qmp_listen_config_free);

    for (int i = 1; i < argc; i++) {
        const OptDef *def = find_option(argv[i]);
        if (!def) {
            g_autofree char *q = nv_quote(argv[i]);
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "unknown option '%s' (see nvemu --help)", q);
            return NULL;
        }
        const char *arg = NULL;
        if (def->has_arg) {
            if (i + 1 >= argc) {
                g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                            "%s needs a value", argv[i]);
                return NULL;
            }
            arg = argv[++i];
        }
        if (!def->fn(cfg, arg, errp)) {
            g_autofree char *q = arg && !*arg ? g_strdup("''")
                                              : nv_quote(arg);
            /* (qmp/ names -qmp and its value itself: "-qmp 'V': ") */
            g_autofree char *self = g_strdup_printf("-%s '%s': ", def->name,
                                                    q);
            if (!errp || !*errp ||
                !g_str_has_prefix((*errp)->message, self)) {
                nv_error_prefix(errp, "-%s %s", def->name, q);
            }
            return NULL;
        }
    }
    if (cfg->board.numa_nodes == 0) {
        cfg->board.numa_nodes = 1;
    }
    if (!numa_finish(cfg, errp) || !nv_qemu_options_finish(cfg, errp)) {
        return NULL;
    }
    return g_steal_pointer(&cfg);
}

static const char *backend_type(const NvHostMem *hm)
{
    return hm->cfg.kind == NV_HOSTMEM_FILE ? "memory-backend-file"
                                           : "memory-backend-ram";
}

/*
 * Everything a start can check without creating a file: the boot files,
 * every backend (nothing bigger than the guest-physical space), every DIMM.
 */
bool nv_config_plan(NvConfig *cfg, GError **errp)
{
    NvBoardConfig *b = &cfg->board;
    if (!nv_host_phys_limit(&b->phys_limit, &b->phys_limit_from, errp) ||
        !nv_boot_preflight(cfg->kernel, cfg->initrd, cfg->append, errp)) {
        return false;
    }
    g_autofree char *lim = nv_format_size(b->phys_limit);
    for (guint i = 0; i < cfg->backends->len; i++) {
        NvHostMem *hm = g_ptr_array_index(cfg->backends, i);
        if (!nv_hostmem_prepare(hm, errp)) {
            nv_error_prefix(errp, "-object %s,id=%s", backend_type(hm),
                            hm->cfg.id);
            return false;
        }
        if (hm->size > b->phys_limit) {
            g_autofree char *sz = nv_format_size(hm->size);
            g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                        "-object %s,id=%s: size %s is larger than the guest "
                        "physical address limit %s (%s)", backend_type(hm),
                        hm->cfg.id, sz, lim, b->phys_limit_from);
            return false;
        }
    }
    return nv_dimm_plan(b, cfg->backends, cfg->dimms, &cfg->layout, errp) &&
           nv_state_files_check(cfg->dimms, cfg->backends, errp) &&
           nv_dimm_media_props_check(cfg->dimms, errp);
}

void nv_config_remove_created(NvConfig *cfg)
{
    nv_config_remove_outputs(cfg);
    for (guint i = 0; i < cfg->dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(cfg->dimms, i);
        if (d->label_mem) {
            nv_hostmem_remove_created(d->label_mem);
        }
    }
    for (guint i = 0; i < cfg->backends->len; i++) {
        nv_hostmem_remove_created(g_ptr_array_index(cfg->backends, i));
    }
}

/* On failure, a file created by this call is removed again. */
bool nv_config_realize(NvConfig *cfg, GError **errp)
{
    for (guint i = 0; i < cfg->backends->len; i++) {
        NvHostMem *hm = g_ptr_array_index(cfg->backends, i);
        if (!nv_hostmem_realize(hm, errp)) {
            nv_error_prefix(errp, "-object %s,id=%s", backend_type(hm),
                            hm->cfg.id);
            nv_config_remove_created(cfg);
            return false;
        }
    }
    for (guint i = 0; i < cfg->dimms->len; i++) {
        if (!nv_dimm_realize(g_ptr_array_index(cfg->dimms, i), errp)) {
            nv_config_remove_created(cfg);
            return false;
        }
    }
    return true;
}

void nv_config_print_usage(FILE *out)
{
    fputs(
"usage: nvemu [options]\n"
"\n"
"A KVM virtual machine with emulated NVDIMMs. Options follow QEMU's syntax;\n"
"sizes take K, M, G, T suffixes (a bare -m number is MiB, others are bytes).\n"
"\n"
"Machine:\n"
"  -m [size=]S[,slots=N,maxmem=M]   guest RAM, DIMM slots, RAM+DIMM limit\n"
"      give -m once (QEMU lets the last -m win; nvemu says it is repeated)\n"
"  -smp [cpus=]N[,sockets=S,dies=D,clusters=L,cores=C,threads=T]\n"
"          [,maxcpus=N]             vCPUs (1-64); topology keys must\n"
"      multiply to N (N may be left out) and maxcpus= must equal N (no CPU\n"
"      hotplug); the guest sees N vCPUs, not the topology\n"
"  -machine [pc|q35][,nvdimm=on|off][,nvdimm-persistence=cpu|mem-ctrl]\n"
"          [,kernel-unpack=host|guest][,rtc=on|off]\n"
"      kernel-unpack=host (default): nvemu decompresses an xz or gzip\n"
"      bzImage itself and caches the vmlinux in $XDG_CACHE_HOME/nvemu\n"
"      (NVEMU_CACHE_DIR overrides; empty: no cache); the kernel then runs\n"
"      at its link address (no kernel-image KASLR). guest: the kernel's own\n"
"      decompressor runs in the guest, as on QEMU\n"
"      rtc=on (default): a CMOS RTC on ports 0x70/0x71 (host time, UTC)\n"
"  -numa node[,nodeid=N][,cpus=A[-B]]\n"
"                                   one NUMA node (give them in order) and\n"
"                                   its vCPUs (the others are on node 0)\n"
"\n"
"Memory:\n"
"  -object memory-backend-file,id=ID,mem-path=PATH[,size=S][,share=on|off]\n"
"          [,readonly=on|off][,align=A][,pmem=on|off][,prealloc=on|off]\n"
"      a file, a file on a DAX filesystem, /dev/pmemN or /dev/daxX.Y;\n"
"      a missing file is created sparse (needs size=); an existing file is\n"
"      never truncated or extended; one file serves one backend or label\n"
"      file only; an nvdimm with labels in it needs share=on\n"
"  -object memory-backend-ram,id=ID,size=S[,share=on|off][,prealloc=on|off]\n"
"      prealloc=on: reserve the file's blocks (fallocate) or the RAM before\n"
"      the guest starts; running out of space is then an error at start\n"
"  -device nvdimm,memdev=ID[,id=][,label-size=S][,label-file=PATH][,slot=N]\n"
"          [,node=N][,addr=A][,uuid=U][,unarmed=on|off][,state-file=PATH]\n"
"      labels are the last label-size bytes of the backing file, or all of\n"
"      label-file (then the whole backing file is pmem); label-size=0 or\n"
"      none: no labels; otherwise 128K to 1G (a label-file too)\n"
"      state-file: the DIMM's unsafe-shutdown count and state across runs\n"
"      (created if missing; docs/health.md)\n"
"  -device pc-dimm,memdev=ID[,id=][,slot=N][,node=N][,addr=A]\n"
"\n"
"Boot and I/O:\n"
"  -kernel bzImage|vmlinux  -initrd FILE  -append CMDLINE\n"
"      checked before any file is created: readable regular files, and\n"
"      -append no longer than the kernel's command-line size\n"
"  -serial stdio|mon:stdio|null|none|file:PATH   COM1, the only port (once)\n"
"      stdio (default): the console on stdin/stdout; null, none: output\n"
"      discarded; file:PATH: output to PATH, created if missing, an\n"
"      existing file truncated (as QEMU) only once the guest starts\n"
"  -nographic  (the console is on stdio already)  -no-reboot\n"
"  -qmp unix:PATH,server=on,wait=off   (also unix:PATH,server,nowait)\n"
"      a QMP monitor socket (mode 0600), repeatable; nvemu never waits for\n"
"      a client (wait=off is required); commands and events: README \"QMP\n"
"      monitor\" and docs/qmp.md; a stale socket is replaced, any other\n"
"      file at PATH is an error and is left alone\n"
"  -pidfile FILE   nvemu's pid, written once it runs (after -daemonize\n"
"      forked) and removed at exit; refused while the pid in it is alive\n"
"  -daemonize   fork once the files exist; the shell gets exit 0 when the\n"
"      guest starts (else the start's status and its error line); the\n"
"      daemon has its own session and stdio on /dev/null; not with\n"
"      -nographic or -serial stdio (no -serial: no console)\n"
"\n"
"QEMU options accepted (README \"QEMU options nvemu accepts\"):\n"
"  -accel kvm[,kernel-irqchip=on]  -enable-kvm  -machine accel=kvm\n"
"      nvemu always runs on KVM with its in-kernel irqchip; tcg is refused\n"
"  -cpu host|max   the guest's CPUID is what KVM supports on this host\n"
"      (KVM_GET_SUPPORTED_CPUID); named models (qemu64, EPYC, ...) and\n"
"      +feature/feature=off are refused\n"
"  -name [guest=]NAME[,process=P][,debug-threads=on|off]\n"
"      NAME shown by --print-memory-map; process=P names the process\n"
"      (ps -o comm); debug-threads= has no effect\n"
"  -display none  -vga none  -net none  -nic none  -monitor none\n"
"  -no-user-config  -no-hpet   nvemu has none of these anyway\n"
"  -nodefaults   as QEMU: without -serial, no console (output discarded)\n"
"  -rtc base=utc[,clock=host][,driftfix=none]   what the CMOS RTC does\n"
"      (localtime, a start date, clock=rt|vm, driftfix=slew: refused)\n"
"  -boot [order=]DRIVES[,once=,menu=,strict=,splash-time=,reboot-timeout=]\n"
"      checked and ignored: -kernel boots directly, there is no firmware\n"
"  -D FILE      -d output goes to FILE (appended: never truncated)\n"
"  Any other option is refused: \"unknown option '-x'\".\n"
"\n"
"Other:\n"
"  --print-memory-map   print the planned guest memory map and exit\n"
"  --dump-acpi DIR      write every ACPI table as DIR/<sig>.dat and exit\n"
"  --check-kvm          say whether this machine's /dev/kvm can boot Linux\n"
"  -d io                trace every guest port and MMIO access to stderr\n"
"                       (or to -D FILE)\n"
"  --help  --version\n"
"\n"
"A start that fails before the guest runs removes every file it created.\n"
"Guest physical addresses stay below the host CPU's limit (CPUID\n"
"0x80000008); NVEMU_PHYS_BITS=N (32-52) overrides it, for tests.\n", out);
}
