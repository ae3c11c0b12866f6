/*
 * tests/test-cmdline.c — argv to NvConfig, and the plan/realize steps, as
 * main() drives them (without spawning a process).
 */
#include "machine.h"
#include "qmp.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static NvConfig *parse(const char *const *args, GError **err)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, "nvemu");
    for (int i = 0; args[i]; i++) {
        g_ptr_array_add(argv, (char *)args[i]);
    }
    return nv_config_parse((int)argv->len, (char **)argv->pdata, err);
}

static void test_defaults(void)
{
    const char *args[] = { NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(NvConfig) c = parse(args, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(c->board.ram_size, ==, 128 * MiB);
    g_assert_cmpuint(c->board.maxmem, ==, 128 * MiB);
    g_assert_cmpuint(c->board.slots, ==, 0);
    g_assert_cmpuint(c->board.numa_nodes, ==, 1);
    g_assert_true(c->board.nvdimm_enabled);
    g_assert_cmpuint(c->smp, ==, 1);
    g_assert_cmpint(c->serial, ==, NV_SERIAL_STDIO);
    g_assert_cmpint(c->persistence, ==, NV_PERSIST_AUTO);
    g_assert_false(c->kernel_unpack_guest); /* nvemu unpacks bzImages */
}

static void test_memory_forms(void)
{
    static const struct {
        const char *arg;
        uint64_t ram, maxmem;
        uint32_t slots;
    } cases[] = {
        { "1024", GiB, GiB, 0 },              /* bare number: MiB */
        { "size=2G", 2 * GiB, 2 * GiB, 0 },
        { "1G,slots=4,maxmem=16G", GiB, 16 * GiB, 4 },
        { "size=512M,maxmem=1G,slots=1", 512 * MiB, GiB, 1 },
        { "1.5G", 1536 * MiB, 1536 * MiB, 0 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *args[] = { "-m", cases[i].arg, NULL };
        g_autoptr(GError) err = NULL;
        g_autoptr(NvConfig) c = parse(args, &err);
        g_assert_no_error(err);
        g_assert_cmpuint(c->board.ram_size, ==, cases[i].ram);
        g_assert_cmpuint(c->board.maxmem, ==, cases[i].maxmem);
        g_assert_cmpuint(c->board.slots, ==, cases[i].slots);
    }
}

static void test_machine_options(void)
{
    const char *args[] = {
        "--smp", "cpus=4", "-machine", "pc,accel=kvm,nvdimm=off",
        "-M", "nvdimm-persistence=mem-ctrl,kernel-unpack=guest", "-numa", "node,nodeid=0",
        "-numa", "node", "-kernel", "bz", "-initrd", "rd", "-append",
        "console=ttyS0 a=b,c", "-nographic", "-serial", "none", "-no-reboot",
        "-enable-kvm", "-qmp", "unix:/tmp/q.sock,server=on,wait=off", NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(NvConfig) c = parse(args, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(c->smp, ==, 4);
    g_assert_false(c->board.nvdimm_enabled);
    g_assert_cmpint(c->persistence, ==, NV_PERSIST_MEM_CTRL);
    g_assert_true(c->kernel_unpack_guest);
    g_assert_cmpuint(c->board.numa_nodes, ==, 2);
    g_assert_cmpstr(c->kernel, ==, "bz");
    g_assert_cmpstr(c->initrd, ==, "rd");
    g_assert_cmpstr(c->append, ==, "console=ttyS0 a=b,c");
    g_assert_true(c->nographic);
    g_assert_true(c->no_reboot);
    g_assert_cmpint(c->serial, ==, NV_SERIAL_NONE);
    g_assert_cmpuint(c->qmp->len, ==, 1);
    g_assert_cmpstr(((NvQmpListenConfig *)c->qmp->pdata[0])->path, ==,
                    "/tmp/q.sock");
    g_assert_null(c->pidfile);
}

/* -numa node,cpus=: the named vCPUs on their node, the rest on node 0,
 * whatever the order of -smp and -numa. */
static void test_numa_cpus(void)
{
    const char *args[] = { "-numa", "node", "-numa", "node,nodeid=1,cpus=2",
        "-numa", "node,nodeid=2,cpus=4-5", "-smp", "6", NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(NvConfig) c = parse(args, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(c->board.numa_nodes, ==, 3);
    static const uint32_t want[6] = { 0, 0, 1, 0, 2, 2 };
    for (int i = 0; i < 6; i++) {
        g_assert_cmpuint(c->cpu_node[i], ==, want[i]);
    }
    NvAcpiConfig acpi;
    nv_config_acpi(c, &acpi);
    g_assert_cmpuint(acpi.numa_nodes, ==, 3);
    g_assert_cmpuint(acpi.cpu_nodes[4], ==, 2);
}

static void test_bad_options(void)
{
    static const char *const cases[][4] = {
        { "-machine", "virt", "type 'virt'" },
        { "-machine", "accel=tcg", "accel=tcg" },
        { "-machine", "nvdimm-persistence=cache", "nvdimm-persistence=cache" },
        { "-machine", "kernel-unpack=cpu", "kernel-unpack=cpu" },
        { "-numa", "node,nodeid=1", "nodeid=1" },
        { "-numa", "dist,src=0", "-numa dist,src=0" },
        { "-serial", "pty", "'pty'" },
        { "-qmp", "tcp:1234", "'tcp:1234'" },
        { "-qmp", "unix:/x,server=off", "server=on" },
        { "-qmp", "unix:/x,server=on", "wait=off" },
        { "-pidfile", "", "empty" },
        { "-smp", "65", "'65'" },
        { "-m", "1000B", "multiple of 4K" },
        { "-m", "8M", "at least 16M" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *args[] = { cases[i][0], cases[i][1], NULL };
        g_autoptr(GError) err = NULL;
        g_autoptr(NvConfig) c = parse(args, &err);
        g_assert_null(c);
        g_assert_nonnull(err);
        g_assert_true(err->domain == NV_ERROR);
        if (!strstr(err->message, cases[i][2])) {
            g_test_message("'%s' lacks '%s'", err->message, cases[i][2]);
            g_test_fail();
        }
        g_assert_true(g_str_has_prefix(err->message, cases[i][0]));
    }
}

/* -qmp: several sockets, both spellings, one path once; -pidfile once. */
static void test_qmp_pidfile_options(void)
{
    const char *args[] = { "-qmp", "unix:/tmp/a.sock,server=on,wait=off",
        "-qmp", "unix:/tmp/b,,c.sock,server,nowait", "-pidfile", "/tmp/p",
        NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(NvConfig) c = parse(args, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(c->qmp->len, ==, 2);
    g_assert_cmpstr(((NvQmpListenConfig *)c->qmp->pdata[0])->path, ==,
                    "/tmp/a.sock");
    g_assert_cmpstr(((NvQmpListenConfig *)c->qmp->pdata[1])->path, ==,
                    "/tmp/b,c.sock");
    g_assert_cmpstr(c->pidfile, ==, "/tmp/p");

    const char *twice[] = { "-qmp", "unix:/tmp/a,server=on,wait=off",
        "-qmp", "unix:/tmp/a,server,nowait", NULL };
    g_clear_error(&err);
    g_assert_null(parse(twice, &err));
    g_assert_cmpstr(err->message, ==, "-qmp 'unix:/tmp/a,server,nowait': "
                    "socket /tmp/a is given twice");
    const char *pid2[] = { "-pidfile", "/tmp/p", "-pidfile", "/tmp/q", NULL };
    g_clear_error(&err);
    g_assert_null(parse(pid2, &err));
    g_assert_cmpstr(err->message, ==, "-pidfile /tmp/q: -pidfile given a "
                    "second time (give it once)");
    /* the -qmp prefix appears once */
    const char *bad[] = { "-qmp", "tcp:1", NULL };
    g_clear_error(&err);
    g_assert_null(parse(bad, &err));
    g_assert_true(g_str_has_prefix(err->message, "-qmp 'tcp:1': "));
    g_assert_null(strstr(err->message + 1, "-qmp"));
}

/* plan then realize: the backing file and the label file come into being,
 * sparse and exactly the planned size, only at realize time. */
static void test_plan_and_realize(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-cmdline-XXXXXX", NULL);
    g_autofree char *img = g_build_filename(dir, "pmem.img", NULL);
    g_autofree char *lbl = g_build_filename(dir, "pmem.labels", NULL);
    g_autofree char *obj = g_strdup_printf(
        "memory-backend-file,id=m0,share=on,mem-path=%s,size=1G", img);
    g_autofree char *dev = g_strdup_printf(
        "nvdimm,id=nv0,memdev=m0,label-file=%s,label-size=256K", lbl);
    const char *args[] = { "-m", "512M,slots=2,maxmem=4G", "-object", obj,
                           "-device", dev, NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(NvConfig) c = parse(args, &err);
    g_assert_no_error(err);
    g_assert_true(nv_config_plan(c, &err));
    g_assert_no_error(err);
    g_assert_false(g_file_test(img, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(lbl, G_FILE_TEST_EXISTS));

    NvDimm *d = g_ptr_array_index(c->dimms, 0);
    g_assert_cmpuint(d->size, ==, GiB); /* label-file: all of it is pmem */
    g_assert_cmpuint(d->label_size, ==, 256 * KiB);
    g_assert_cmpuint(d->addr, ==, 4 * GiB);

    g_assert_true(nv_config_realize(c, &err));
    g_assert_no_error(err);
    struct stat st;
    g_assert_cmpint(stat(img, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, (off_t)GiB);
    g_assert_cmpint(st.st_blocks * 512, <, (off_t)(16 * MiB)); /* sparse */
    g_assert_cmpint(stat(lbl, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 256 * KiB);
    g_assert_nonnull(d->memdev->addr);
    g_assert_nonnull(d->label_mem->addr);

    g_clear_pointer(&c, nv_config_free);
    g_assert_cmpint(unlink(img), ==, 0);
    g_assert_cmpint(unlink(lbl), ==, 0);
    g_assert_cmpint(rmdir(dir), ==, 0);
}

/*
 * A start that fails half-way through realize (here: the second backend's
 * file appeared between plan and realize, so creating it fails) removes
 * the file the first backend created and the label file, and leaves the
 * file that is not its own alone.
 */
static void test_realize_failure_removes_created(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-cmdline-XXXXXX", NULL);
    g_autofree char *a = g_build_filename(dir, "a.img", NULL);
    g_autofree char *b = g_build_filename(dir, "b.img", NULL);
    g_autofree char *old = g_build_filename(dir, "old.img", NULL);
    g_autofree char *lbl = g_build_filename(dir, "a.labels", NULL);
    g_assert_true(g_file_set_contents(old, "user data", -1, NULL));
    g_assert_cmpint(truncate(old, 256 * MiB), ==, 0);
    g_autofree char *oa = g_strdup_printf(
        "memory-backend-file,id=a,share=on,mem-path=%s,size=256M", a);
    g_autofree char *oo = g_strdup_printf(
        "memory-backend-file,id=o,share=on,mem-path=%s", old);
    g_autofree char *ob = g_strdup_printf(
        "memory-backend-file,id=b,share=on,mem-path=%s,size=256M", b);
    g_autofree char *da = g_strdup_printf(
        "nvdimm,id=nv0,memdev=a,label-file=%s", lbl);
    const char *args[] = { "-m", "512M,slots=3,maxmem=4G", "-object", oa,
                           "-object", oo, "-object", ob, "-device", da,
                           NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(NvConfig) c = parse(args, &err);
    g_assert_no_error(err);
    g_assert_true(nv_config_plan(c, &err));
    g_assert_no_error(err);

    /* someone else's b.img shows up after the plan */
    g_assert_true(g_file_set_contents(b, "theirs", -1, NULL));
    g_assert_false(nv_config_realize(c, &err));
    g_test_message("%s", err->message);
    g_assert_nonnull(strstr(err->message, "-object memory-backend-file,id=b"));
    g_assert_false(g_file_test(a, G_FILE_TEST_EXISTS));
    g_autofree char *theirs = NULL, *mine = NULL;
    g_assert_true(g_file_get_contents(b, &theirs, NULL, NULL));
    g_assert_cmpstr(theirs, ==, "theirs");
    struct stat st;
    g_assert_cmpint(stat(old, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 256 * MiB);
    g_clear_error(&err);

    /* Realize again after b.img is gone: all made; then a failed boot's
     * clean-up removes a.img and the label file, not old.img. */
    g_assert_cmpint(unlink(b), ==, 0);
    g_assert_true(nv_config_realize(c, &err));
    g_assert_no_error(err);
    g_assert_true(g_file_test(a, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(lbl, G_FILE_TEST_EXISTS));
    nv_config_remove_created(c);
    g_assert_false(g_file_test(a, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(b, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(lbl, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_get_contents(old, &mine, NULL, NULL));
    g_assert_cmpstr(mine, ==, "user data");
    g_clear_pointer(&c, nv_config_free);
    g_assert_cmpint(unlink(old), ==, 0);
    g_assert_cmpint(rmdir(dir), ==, 0);
}

/* The plan's guest-physical limit: the host CPU's unless NVEMU_PHYS_BITS. */
static void test_phys_limit(void)
{
    const char *args[] = { NULL };
    g_autoptr(GError) err = NULL;
    g_unsetenv("NVEMU_PHYS_BITS");
    g_autoptr(NvConfig) c = parse(args, &err);
    g_assert_true(nv_config_plan(c, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(c->board.phys_limit, >=, UINT64_C(1) << 32);
    g_assert_nonnull(strstr(c->board.phys_limit_from, "bits"));
    g_test_message("host: %s", c->board.phys_limit_from);

    g_setenv("NVEMU_PHYS_BITS", "46", TRUE);
    g_autoptr(NvConfig) d = parse(args, &err);
    g_assert_true(nv_config_plan(d, &err));
    g_unsetenv("NVEMU_PHYS_BITS");
    g_assert_no_error(err);
    g_assert_cmpuint(d->board.phys_limit, ==, UINT64_C(1) << 46);
    g_assert_cmpstr(d->board.phys_limit_from, ==, "NVEMU_PHYS_BITS=46");
}

/* Issue 11: what QEMU users' options parse to. */
static void test_qemu_options(void)
{
    const char *args[] = {
        "-accel", "kvm", "-accel", "accel=kvm,kernel-irqchip=on", "-cpu",
        "host", "-cpu", "max", "-name", "guest=vm1,process=p1", "-display",
        "none", "-vga", "none", "-net", "none", "-nic", "none", "-monitor",
        "none", "-no-user-config", "-no-hpet", "-rtc", "base=utc", "-boot",
        "c", "-smp", "sockets=2,cores=3,threads=2", "-serial",
        "file:/tmp/console.log", "-D", "nvemu.log", "-daemonize", NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(NvConfig) c = parse(args, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(c->smp, ==, 12); /* cpus= left out: the product */
    g_assert_cmpstr(c->name, ==, "vm1");
    g_assert_cmpstr(c->process_name, ==, "p1");
    g_assert_cmpint(c->serial, ==, NV_SERIAL_FILE);
    g_assert_cmpstr(c->serial_file.path, ==, "/tmp/console.log");
    g_assert_cmpint(c->serial_file.fd, ==, -1); /* parsing opens nothing */
    g_assert_cmpstr(c->log_file.path, ==, "nvemu.log");
    g_assert_true(c->daemonize);

    /* -name NAME alone; -serial mon:stdio; -nodefaults with and without
     * -serial; -daemonize without -serial: no console. */
    static const struct {
        const char *a[5];
        NvSerialMode serial;
    } consoles[] = {
        { { "-name", "vm2" }, NV_SERIAL_STDIO },
        { { "-serial", "mon:stdio" }, NV_SERIAL_STDIO },
        { { "-nodefaults" }, NV_SERIAL_NONE },
        { { "-nodefaults", "-nographic" }, NV_SERIAL_NONE },
        { { "-nodefaults", "-serial", "stdio" }, NV_SERIAL_STDIO },
        { { "-daemonize" }, NV_SERIAL_NONE },
        { { "-daemonize", "-serial", "null" }, NV_SERIAL_NONE },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(consoles); i++) {
        g_autoptr(NvConfig) d = parse(consoles[i].a, &err);
        g_assert_no_error(err);
        g_assert_cmpint(d->serial, ==, consoles[i].serial);
        if (i == 0) {
            g_assert_cmpstr(d->name, ==, "vm2");
            g_assert_null(d->process_name);
        }
    }
}

static void test_qemu_options_refused(void)
{
    static const char *const cases[][4] = {
        { "-accel", "tcg", "KVM only" },
        { "-accel", "kvm,kernel-irqchip=off", "in-kernel irqchip" },
        { "-cpu", "Skylake-Server", "named CPU models" },
        { "-cpu", "max,-avx", "CPU features" },
        { "-name", "", "empty name" },
        { "-vga", "virtio", "no graphics card" },
        { "-monitor", "unix:/tmp/m,server", "no human monitor" },
        { "-rtc", "base=localtime", "only base=utc" },
        { "-smp", "4,sockets=3", "is 3, not the 4" },
        { "-boot", "order=x", "letters a to p" },
        { "-serial", "file:", "'file:'" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *args[] = { cases[i][0], cases[i][1], NULL };
        g_autoptr(GError) err = NULL;
        g_autoptr(NvConfig) c = parse(args, &err);
        g_assert_null(c);
        g_assert_error(err, NV_ERROR, err->code);
        if (!strstr(err->message, cases[i][2]) ||
            !g_str_has_prefix(err->message, cases[i][0])) {
            g_test_message("'%s' lacks '%s'", err->message, cases[i][2]);
            g_test_fail();
        }
    }
    const char *twice[] = { "-daemonize", "-nographic", NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(NvConfig) c = parse(twice, &err);
    g_assert_null(c);
    g_assert_nonnull(strstr(err->message, "-daemonize cannot be used with "
                                          "-nographic"));
}

static char *slurp(const char *path)
{
    char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

/* -serial file: and -D: opened only by nv_config_open_outputs(); a file it
 * created goes on a failed start, a user's file stays as it was; an
 * existing console file is truncated only once the guest starts; the -D
 * log appends. */
static void test_output_files(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-cmdline-XXXXXX", NULL);
    g_autofree char *con = g_build_filename(dir, "console.log", NULL);
    g_autofree char *log = g_build_filename(dir, "nvemu.log", NULL);
    g_autofree char *sarg = g_strdup_printf("file:%s", con);
    const char *args[] = { "-serial", sarg, "-D", log, NULL };
    g_autoptr(GError) err = NULL;

    /* Both missing: created, then removed by a failed start. */
    {
        g_autoptr(NvConfig) c = parse(args, &err);
        g_assert_no_error(err);
        g_assert_false(g_file_test(con, G_FILE_TEST_EXISTS));
        g_assert_true(nv_config_open_outputs(c, &err));
        g_assert_true(g_file_test(con, G_FILE_TEST_IS_REGULAR));
        g_assert_true(g_file_test(log, G_FILE_TEST_IS_REGULAR));
        fprintf(nv_debug_log(), "to the log\n");
        nv_config_remove_created(c);
        g_assert_false(g_file_test(con, G_FILE_TEST_EXISTS));
        g_assert_false(g_file_test(log, G_FILE_TEST_EXISTS));
        g_assert_true(nv_debug_log() == stderr);
    }
    /* Both the user's: a failed start leaves them byte for byte. */
    g_assert_true(g_file_set_contents(con, "old console\n", -1, NULL));
    g_assert_true(g_file_set_contents(log, "old log\n", -1, NULL));
    {
        g_autoptr(NvConfig) c = parse(args, &err);
        g_assert_true(nv_config_open_outputs(c, &err));
        nv_config_remove_created(c);
        g_autofree char *t1 = slurp(con), *t2 = slurp(log);
        g_assert_cmpstr(t1, ==, "old console\n");
        g_assert_cmpstr(t2, ==, "old log\n");
    }
    /* A start that runs the guest: the console starts empty (QEMU's
     * file: truncates), the log keeps what it had and gains a line. */
    {
        g_autoptr(NvConfig) c = parse(args, &err);
        g_assert_true(nv_config_open_outputs(c, &err));
        nv_config_outputs_started(c);
        g_assert_cmpint(write(c->serial_file.fd, "new\n", 4), ==, 4);
        fprintf(nv_debug_log(), "nvemu: io: a line\n");
    }
    g_autofree char *t1 = slurp(con), *t2 = slurp(log);
    g_assert_cmpstr(t1, ==, "new\n");
    g_assert_cmpstr(t2, ==, "old log\nnvemu: io: a line\n");
    g_assert_true(nv_debug_log() == stderr); /* closed with the config */

    /* A directory or a missing parent: one error naming it, nothing made. */
    const char *bad[] = { "-serial", "file:/nonexistent-dir/c.log", NULL };
    g_autoptr(NvConfig) b = parse(bad, &err);
    g_assert_false(nv_config_open_outputs(b, &err));
    g_assert_nonnull(strstr(err->message, "-serial file:/nonexistent-dir/"
                                          "c.log: No such file"));
    g_clear_error(&err);
    g_autofree char *darg = g_strdup_printf("file:%s", dir);
    const char *isdir[] = { "-D", con, "-serial", darg, NULL };
    g_autoptr(NvConfig) e = parse(isdir, &err);
    g_assert_false(nv_config_open_outputs(e, &err));
    g_assert_nonnull(strstr(err->message, "Is a directory"));
    g_assert_cmpint(unlink(con), ==, 0);
    g_assert_cmpint(unlink(log), ==, 0);
    g_assert_cmpint(rmdir(dir), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cmdline/defaults", test_defaults);
    g_test_add_func("/cmdline/memory-forms", test_memory_forms);
    g_test_add_func("/cmdline/machine-options", test_machine_options);
    g_test_add_func("/cmdline/bad-options", test_bad_options);
    g_test_add_func("/cmdline/numa-cpus", test_numa_cpus);
    g_test_add_func("/cmdline/qmp-pidfile", test_qmp_pidfile_options);
    g_test_add_func("/cmdline/plan-and-realize", test_plan_and_realize);
    g_test_add_func("/cmdline/realize-failure-removes-created",
                    test_realize_failure_removes_created);
    g_test_add_func("/cmdline/phys-limit", test_phys_limit);
    g_test_add_func("/cmdline/qemu-options", test_qemu_options);
    g_test_add_func("/cmdline/qemu-options-refused",
                    test_qemu_options_refused);
    g_test_add_func("/cmdline/output-files", test_output_files);
    return g_test_run();
}
