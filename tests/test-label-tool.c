/*
 * tests/test-label-tool.c — nvemu-label as a user meets it: runs the real
 * binary (path in $NVEMU_LABEL) on scratch files built with the codec, and
 * checks exit status (0 ok, 1 problems, 2 error), output, the one-line
 * error, and that files keep their size and untouched bytes.
 */
#include "label-area.h"
#include "testutil.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define K128 (128 * KiB)

static bool run(const char *dir, const char *const *args, char **out,
                char **err, int *status)
{
    return nv_test_run("NVEMU_LABEL", dir, args, out, err, status);
}

/* Run and expect @status; returns stdout (caller frees). */
static char *run_ok(const char *dir, const char *const *args, int status)
{
    char *out = NULL;
    g_autofree char *err = NULL;
    int st = -1;
    g_assert_true(run(dir, args, &out, &err, &st));
    g_assert_cmpint(st, ==, status);
    g_assert_cmpstr(err, ==, "");
    return out;
}

static char *path_in(const char *dir, const char *name)
{
    return g_build_filename(dir, name, NULL);
}

/* A sparse file of @size whose first 4096 bytes are a pattern. */
static void make_file(const char *dir, const char *name, uint64_t size)
{
    g_autofree char *p = path_in(dir, name);
    int fd = open(p, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    g_assert_cmpint(fd, >=, 0);
    uint8_t pattern[4096];
    for (size_t i = 0; i < sizeof(pattern); i++) {
        pattern[i] = (uint8_t)(i * 7 + 1);
    }
    g_assert_cmpint(pwrite(fd, pattern, sizeof(pattern), 0), ==,
                    sizeof(pattern));
    g_assert_cmpint(ftruncate(fd, (off_t)size), ==, 0);
    close(fd);
}

static uint8_t *read_file(const char *dir, const char *name, gsize *len)
{
    g_autofree char *p = path_in(dir, name);
    char *data = NULL;
    g_assert_true(g_file_get_contents(p, &data, len, NULL));
    return (uint8_t *)data;
}

static void write_file(const char *dir, const char *name, const uint8_t *d,
                       gsize len)
{
    g_autofree char *p = path_in(dir, name);
    g_assert_true(g_file_set_contents(p, (const char *)d, (gssize)len, NULL));
}

static void expect(const char *text, const char *needle)
{
    if (!strstr(text, needle)) {
        g_test_message("missing: %s", needle);
        g_test_fail();
    }
}

/* ---- init, then dump ------------------------------------------------- */

static void test_init_fresh(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-label-XXXXXX", NULL);
    make_file(dir, "pmem.img", 4 * MiB);
    gsize len0;
    g_autofree uint8_t *before = read_file(dir, "pmem.img", &len0);

    const char *init[] = { "init", "--label-size", "128K", "pmem.img", NULL };
    g_autofree char *o1 = run_ok(dir, init, 0);
    expect(o1, "initialized 'pmem.img': version 1.1");
    expect(o1, "1020 slots");

    /* Same size; everything but the two index blocks is untouched. */
    gsize len1;
    g_autofree uint8_t *after = read_file(dir, "pmem.img", &len1);
    g_assert_cmpuint(len1, ==, 4 * MiB);
    const uint64_t tail = 4 * MiB - K128;
    g_assert_cmpmem(after, tail + 0, before, tail + 0);
    g_assert_cmpmem(after + tail + 512, K128 - 512, before + tail + 512,
                    K128 - 512);
    g_autoptr(NvLabelSet) set = nv_label_parse(after + tail, K128);
    g_assert_cmpint(set->current, ==, 0);
    g_assert_cmpuint(set->problems->len, ==, 0);

    const char *dump[] = { "dump", "--label-size", "128K", "pmem.img", NULL };
    g_autofree char *o2 = run_ok(dir, dump, 0);
    expect(o2, "index block 0 at 0x0: valid, current; seq 3, version 1.1, "
               "nslot 1020, 1020 free");
    expect(o2, "index block 1 at 0x100: valid; seq 2");
    expect(o2, "labels: 0 in use");
    expect(o2, "problems: 0");

    /* A second init is refused (exit 2, one line, file unchanged)... */
    g_autofree char *out = NULL, *err = NULL;
    int st = -1;
    g_assert_true(run(dir, init, &out, &err, &st));
    g_assert_cmpint(st, ==, 2);
    g_assert_cmpstr(out, ==, "");
    g_assert_true(g_str_has_prefix(err, "nvemu-label: 'pmem.img' already has "
                                        "a valid label index"));
    expect(err, "--force");
    g_assert_cmpstr(strchr(err, '\n') + 1, ==, "");
    gsize len2;
    g_autofree uint8_t *again = read_file(dir, "pmem.img", &len2);
    g_assert_cmpmem(again, len2, after, len1);

    /* ... unless forced, here to version 1.2. */
    const char *force[] = { "init", "--force", "--version", "1.2",
                            "--label-size", "128K", "pmem.img", NULL };
    g_autofree char *o3 = run_ok(dir, force, 0);
    expect(o3, "version 1.2");
    expect(o3, "510 slots of 256 bytes");
    const char *check[] = { "check", "--label-size", "128K", "pmem.img",
                            NULL };
    g_autofree char *o4 = run_ok(dir, check, 0);
    g_assert_true(g_str_has_prefix(o4, "ok: 'pmem.img': version 1.2"));
    g_assert_cmpuint(strlen(o4), ==, (size_t)(strchr(o4, '\n') - o4 + 1));
    nv_test_rm_dir(dir);
}

/* ---- labels written with the codec ----------------------------------- */

static const char *const UUID_A = "0f6a1e26-5c1c-4d4a-9f3b-1e0a7d9c2b11";
static const char *const UUID_B = "b3a7e0d2-8c41-4f0e-a6d9-52c8e1f47a90";
/* quotes, a backslash, a newline, UTF-8 and one invalid byte */
static const char NAME_B[] = "db \"x\"\\\n\xc3\xa9t\xe9";

static uint8_t *labelled_area(void)
{
    uint8_t *a = g_malloc0(K128);
    NvLabelSpec s = { .nlabel = 1, .rawsize = GiB };
    g_assert_true(nv_label_init(a, K128, NV_LABEL_V1_2, NULL, NULL));
    g_assert_true(nv_parse_uuid(UUID_A, s.uuid, NULL));
    s.name = "alpha";
    g_assert_true(nv_label_write_label(a, K128, 256, 0, &s, NULL));
    g_assert_true(nv_parse_uuid(UUID_B, s.uuid, NULL));
    s.name = NAME_B;
    s.dpa = GiB;
    g_assert_true(nv_label_write_label(a, K128, 256, 3, &s, NULL));
    const uint32_t used[] = { 0, 3 };
    g_assert_true(nv_label_update_index(a, K128, used, 2, true, NULL));
    return a;
}

static void test_dump_labels(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-label-XXXXXX", NULL);
    g_autofree uint8_t *a = labelled_area();
    write_file(dir, "nv.labels", a, K128);

    const char *dump[] = { "dump", "--label-file", "nv.labels", NULL };
    g_autofree char *text = run_ok(dir, dump, 0);
    expect(text, "label area: 'nv.labels', the whole file (128K)");
    expect(text, "index block 1 at 0x100: valid, current; seq 1");
    expect(text, "labels: 2 in use (256-byte labels, 510 slots");
    g_autofree char *l0 = g_strdup_printf("slot 0: uuid %s, name \"alpha\"",
                                          UUID_A);
    g_autofree char *l3 = g_strdup_printf("slot 3: uuid %s, name "
                                          "\"db \\\"x\\\"\\\\\\x0a\xc3\xa9t"
                                          "\\xe9\"", UUID_B);
    expect(text, l0);
    expect(text, l3);
    expect(text, "dpa 0x40000000, rawsize 0x40000000 (1G)");
    expect(text, "problems: 0");

    const char *json[] = { "dump", "--json", "--label-file", "nv.labels",
                           NULL };
    g_autofree char *js = run_ok(dir, json, 0);
    g_autofree char *u0 = g_strdup_printf("\"uuid\": \"%s\", \"name\": "
                                          "\"alpha\"", UUID_A);
    g_autofree char *u3 = g_strdup_printf("\"uuid\": \"%s\", \"name\": "
                                          "\"db \\\"x\\\"\\\\\\u000a\xc3\xa9t"
                                          "\\ufffd\"", UUID_B);
    expect(js, u0);
    expect(js, u3);
    expect(js, "\"current_index\": 1");
    expect(js, "\"labels_in_use\": 2");
    expect(js, "\"problems\": []");
    g_assert_true(g_utf8_validate(js, -1, NULL));

    /* Well-formed JSON, if a JSON parser is at hand. */
    g_autofree char *py = g_find_program_in_path("python3");
    if (py) {
        g_autofree char *jpath = path_in(dir, "dump.json");
        g_assert_true(g_file_set_contents(jpath, js, -1, NULL));
        const char *argv[] = { py, "-c", "import json,sys; d=json.load(open("
                               "sys.argv[1])); assert len(d['labels'])==2; "
                               "print(d['labels'][1]['name'])", jpath, NULL };
        g_autofree char *out = NULL, *err = NULL;
        gint wait = 0;
        g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT,
                                   NULL, NULL, &out, &err, &wait, NULL));
        g_test_message("python: %s%s", out, err);
        g_assert_true(WIFEXITED(wait) && WEXITSTATUS(wait) == 0);
        g_assert_true(g_str_has_prefix(out, "db \"x\"\\\n\xc3\xa9t"));
        unlink(jpath);
    } else {
        g_test_message("python3 not found: JSON syntax not checked");
    }
    nv_test_rm_dir(dir);
}

static void test_check(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-label-XXXXXX", NULL);
    g_autofree uint8_t *a = labelled_area();
    /* The area in the tail of a 1M file. */
    g_autofree uint8_t *file = g_malloc0(MiB);
    memcpy(file + MiB - K128, a, K128);
    write_file(dir, "pmem.img", file, MiB);

    const char *check[] = { "check", "--label-size", "128K", "pmem.img",
                            NULL };
    g_autofree char *ok = run_ok(dir, check, 0);
    g_assert_cmpstr(ok, ==, "ok: 'pmem.img': version 1.2, index block 1 "
                    "current (seq 1), 510 slots, 2 labels in use\n");

    /* Damage slot 3's label and the non-current index block 0. */
    file[MiB - K128 + 512 + 3 * 256 + 100] ^= 0x10;
    file[MiB - K128 + 30] ^= 0x01;
    write_file(dir, "pmem.img", file, MiB);
    g_autofree char *bad = run_ok(dir, check, 1);
    g_auto(GStrv) lines = g_strsplit(bad, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 3); /* two lines + "" */
    g_assert_true(g_str_has_prefix(lines[0], "problem: index block 0 at "
                                             "offset 0x0 is invalid"));
    g_assert_true(g_str_has_prefix(lines[1], "problem: slot 3: label "
                                             "checksum"));

    /* A blank area: no index at all. */
    g_autofree uint8_t *zero = g_malloc0(K128);
    write_file(dir, "blank.labels", zero, K128);
    const char *blank[] = { "check", "--label-file", "blank.labels", NULL };
    g_autofree char *none = run_ok(dir, blank, 1);
    g_assert_true(g_str_has_prefix(none, "problem: no valid index block"));
    nv_test_rm_dir(dir);
}

/* ---- bad arguments --------------------------------------------------- */

typedef struct {
    const char *test;
    const char *args[10];
    const char *expect[3];
} BadCase;

static const BadCase bad_cases[] = {
    { "no-command", { NULL }, { "missing command" } },
    { "unknown-command", { "frob" }, { "unknown command 'frob'" } },
    { "unknown-option", { "dump", "--bogus" }, { "--bogus" } },
    { "no-area", { "dump", "pmem.img" }, { "--label-size", "--label-file" } },
    { "bad-size", { "dump", "--label-size", "12Q", "pmem.img" },
      { "--label-size 12Q", "'12Q'" } },
    { "size-too-small", { "dump", "--label-size", "64K", "pmem.img" },
      { "--label-size 64K", "minimum of 128K" } },
    { "size-too-large", { "dump", "--label-size", "2G", "pmem.img" },
      { "--label-size 2G", "maximum of 1G" } },
    { "size-over-file", { "init", "--label-size", "8M", "pmem.img" },
      { "--label-size 8M", "'pmem.img'", "4M" } },
    { "missing-file", { "dump", "--label-size", "128K" },
      { "--label-size 128K needs a FILE" } },
    { "extra-argument", { "dump", "--label-size", "128K", "pmem.img", "x" },
      { "unexpected argument 'x'" } },
    { "both-areas", { "dump", "--label-size", "128K", "--label-file",
                      "small.img", "pmem.img" }, { "exclude each other" } },
    { "label-file-and-file", { "dump", "--label-file", "small.img",
                               "pmem.img" },
      { "unexpected argument 'pmem.img'" } },
    { "no-such-file", { "check", "--label-file", "nope.img" },
      { "cannot open 'nope.img'" } },
    { "label-file-too-small", { "init", "--label-file", "small.img" },
      { "--label-file 'small.img'", "64K", "minimum" } },
    { "json-not-dump", { "check", "--json", "--label-file", "pmem.img" },
      { "--json only applies to dump" } },
    { "version-not-init", { "dump", "--version", "1.2", "--label-file",
                            "pmem.img" }, { "--version only applies to init" } },
    { "bad-version", { "init", "--version", "1.3", "--label-size", "128K",
                       "pmem.img" }, { "--version 1.3", "1.1 or 1.2" } },
    { "directory", { "dump", "--label-file", "." },
      { "'.'", "not a regular file" } },
};

static void test_bad(gconstpointer data)
{
    const BadCase *c = data;
    g_autofree char *dir = g_dir_make_tmp("nvemu-label-XXXXXX", NULL);
    make_file(dir, "pmem.img", 4 * MiB);
    make_file(dir, "small.img", 64 * KiB);
    struct stat st0, st1;
    g_autofree char *p = path_in(dir, "pmem.img");
    g_assert_cmpint(stat(p, &st0), ==, 0);
    gsize l0, l1;
    g_autofree uint8_t *before = read_file(dir, "pmem.img", &l0);

    g_autofree char *out = NULL, *err = NULL;
    int status = -1;
    g_assert_true(run(dir, c->args, &out, &err, &status));
    g_assert_cmpint(status, ==, 2);
    g_assert_cmpstr(out, ==, "");
    g_assert_true(g_str_has_prefix(err, "nvemu-label: "));
    const char *nl = strchr(err, '\n');
    g_assert_nonnull(nl);
    g_assert_cmpstr(nl + 1, ==, "");
    for (int i = 0; i < 3 && c->expect[i]; i++) {
        expect(err, c->expect[i]);
    }
    g_assert_cmpint(stat(p, &st1), ==, 0);
    g_assert_cmpint(st1.st_size, ==, st0.st_size);
    g_autofree uint8_t *after = read_file(dir, "pmem.img", &l1);
    g_assert_cmpmem(after, l1, before, l0);
    nv_test_rm_dir(dir);
}

static void test_help(void)
{
    const char *help[] = { "--help", NULL };
    g_autofree char *out = run_ok(NULL, help, 0);
    expect(out, "dump|check|init");
    expect(out, "--label-size");
    expect(out, "--label-file");
    expect(out, "Exit status: 0 ok, 1 check found problems, 2 usage or I/O "
                "error");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!g_getenv("NVEMU_LABEL")) {
        g_printerr("set NVEMU_LABEL to the nvemu-label binary\n");
        return 1;
    }
    g_test_add_func("/label-tool/init-fresh", test_init_fresh);
    g_test_add_func("/label-tool/dump-labels", test_dump_labels);
    g_test_add_func("/label-tool/check", test_check);
    g_test_add_func("/label-tool/help", test_help);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *path = g_strdup_printf("/label-tool/bad/%s",
                                                bad_cases[i].test);
        g_test_add_data_func(path, &bad_cases[i], test_bad);
    }
    return g_test_run();
}
