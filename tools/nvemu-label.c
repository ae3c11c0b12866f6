/*
 * tools/nvemu-label.c — look at, check and initialize an NVDIMM label area
 * offline, in the backing file's tail (--label-size) or in a label file
 * (--label-file), using the codec in label-area/.
 *
 *   nvemu-label dump  [--json] (--label-size SIZE FILE | --label-file FILE)
 *   nvemu-label check (--label-size SIZE FILE | --label-file FILE)
 *   nvemu-label init  [--version 1.1|1.2] [--force]
 *                     (--label-size SIZE FILE | --label-file FILE)
 *
 * Exit status: 0 ok, 1 `check` found problems, 2 usage or I/O error (one
 * line "nvemu-label: ..." on stderr). Files are read with pread(); `init`
 * writes only the two index blocks with pwrite() + fsync() and never
 * changes a file's size.
 */
#include "label-area.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define AREA_MIN (128 * KiB) /* nvemu's label-size limits */
#define AREA_MAX GiB

enum { EXIT_OK = 0, EXIT_PROBLEMS = 1, EXIT_ERROR = 2 };

typedef struct {
    const char *cmd;
    gboolean json, force;
    char *label_size, *label_file, *version;
    const char *path;   /* the file holding the area */
    bool tail;          /* area = the last @size bytes of @path */
    uint64_t offset, size;
    NvLabelVersion ver;
    int fd;
} Args;

static int fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* One line, whatever the message holds. */
    g_strdelimit(msg, "\n", ' ');
    fprintf(stderr, "nvemu-label: %s\n", msg);
    return EXIT_ERROR;
}

/* ---- strings ---------------------------------------------------------- */

/* Append @len bytes of a label name: valid UTF-8 kept; for JSON, quotes,
 * backslashes and control characters escaped and invalid bytes replaced by
 * U+FFFD; for text, C-style escapes (\xNN for invalid bytes). */
static void append_name(GString *out, const char *s, size_t len, bool json)
{
    const char *end = s + len;
    g_string_append_c(out, '"');
    while (s < end) {
        gunichar c = g_utf8_get_char_validated(s, end - s);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            if (json) {
                g_string_append(out, "\\ufffd");
            } else {
                g_string_append_printf(out, "\\x%02x", (unsigned char)*s);
            }
            s++;
            continue;
        }
        const char *next = g_utf8_next_char(s);
        if (c == '"' || c == '\\') {
            g_string_append_c(out, '\\');
            g_string_append_c(out, (char)c);
        } else if (c < 0x20 || c == 0x7f) {
            g_string_append_printf(out, json ? "\\u%04x" : "\\x%02x", c);
        } else {
            g_string_append_len(out, s, next - s);
        }
        s = next;
    }
    g_string_append_c(out, '"');
}

static char *flags_text(uint32_t flags)
{
    static const char *const names[] = { "rolabel", "local", "btt",
                                         "updating" };
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "0x%x", flags);
    const char *sep = " (";
    for (unsigned b = 0; b < 32; b++) {
        if (flags & (1u << b)) {
            if (b < G_N_ELEMENTS(names)) {
                g_string_append_printf(s, "%s%s", sep, names[b]);
            } else {
                g_string_append_printf(s, "%sbit%u", sep, b);
            }
            sep = ", ";
        }
    }
    if (flags) {
        g_string_append_c(s, ')');
    }
    return g_string_free(s, FALSE);
}

/* ---- text dump ------------------------------------------------------- */

static void where(GString *o, const Args *a)
{
    g_autofree char *sz = nv_format_size(a->size);
    if (a->tail) {
        g_string_append_printf(o, "label area: '%s', the last %s (offset "
                               "0x%" G_GINT64_MODIFIER "x)\n", a->path, sz,
                               a->offset);
    } else {
        g_string_append_printf(o, "label area: '%s', the whole file (%s)\n",
                               a->path, sz);
    }
}

static void dump_text(GString *o, const Args *a, const NvLabelSet *set)
{
    where(o, a);
    for (int i = 0; i < 2; i++) {
        const NvLabelIndex *ix = &set->index[i];
        g_string_append_printf(o, "index block %d at 0x%" G_GINT64_MODIFIER
                               "x: %s", i, ix->offset,
                               ix->valid ? "valid" : "invalid");
        if (ix->current) {
            g_string_append(o, ", current");
        }
        if (ix->has_signature) {
            g_string_append_printf(o, "; seq %u, version %u.%u, nslot %u",
                                   ix->seq, ix->major, ix->minor, ix->nslot);
        }
        if (ix->valid) {
            g_string_append_printf(o, ", %u free", ix->nfree);
        } else {
            g_string_append_printf(o, "; %s", ix->reason);
        }
        g_string_append_c(o, '\n');
    }
    if (set->current < 0) {
        g_string_append(o, "labels: none (no valid index block)\n");
    } else {
        g_string_append_printf(o, "labels: %" G_GUINT64_FORMAT " in use "
                               "(%u-byte labels, %u slots, index block %d "
                               "current)\n", set->labels_in_use,
                               set->geom.label_size, set->geom.nslot,
                               set->current);
    }
    for (guint i = 0; i < set->labels->len; i++) {
        const NvLabel *l = &g_array_index(set->labels, NvLabel, i);
        char uuid[37];
        nv_format_uuid(l->uuid, uuid);
        g_autofree char *fl = flags_text(l->flags);
        g_autofree char *sz = nv_format_size(l->rawsize);
        g_string_append_printf(o, "slot %u: uuid %s, name ", l->slot, uuid);
        append_name(o, l->name, l->name_len, false);
        g_string_append_printf(o, "%s%s\n", l->name_terminated ? "" :
                               " (64 bytes, no NUL)", l->valid ? "" :
                               " [ignored by Linux]");
        g_string_append_printf(o, "  dpa 0x%" G_GINT64_MODIFIER "x, rawsize "
                               "0x%" G_GINT64_MODIFIER "x (%s), flags %s\n"
                               "  nlabel %u, position %u, lbasize %"
                               G_GUINT64_FORMAT ", isetcookie 0x%016"
                               G_GINT64_MODIFIER "x\n", l->dpa, l->rawsize,
                               sz, fl, l->nlabel, l->position, l->lbasize,
                               l->isetcookie);
        if (l->has_v12_fields) {
            char tg[37], ag[37];
            nv_format_uuid(l->type_guid, tg);
            nv_format_uuid(l->abstraction_guid, ag);
            const char *tn = nv_label_guid_name(l->type_guid);
            const char *an = nv_label_guid_name(l->abstraction_guid);
            g_string_append_printf(o, "  align %u, type_guid %s (%s), "
                                   "abstraction_guid %s (%s), checksum 0x%016"
                                   G_GINT64_MODIFIER "x %s\n", l->align, tg,
                                   tn ? tn : "unknown", ag, an ? an : "unknown",
                                   l->checksum, l->checksum_ok ? "ok" : "BAD");
        }
    }
    g_string_append_printf(o, "problems: %u\n", set->problems->len);
    for (guint i = 0; i < set->problems->len; i++) {
        g_string_append_printf(o, "  %s\n",
                               (char *)g_ptr_array_index(set->problems, i));
    }
}

/* ---- JSON dump ------------------------------------------------------- */

static void jstr(GString *o, const char *s)
{
    append_name(o, s, strlen(s), true);
}

static void jguid(GString *o, const char *key, const uint8_t g[16])
{
    char text[37];
    nv_format_uuid(g, text);
    const char *name = nv_label_guid_name(g);
    g_string_append_printf(o, ",\n      \"%s_guid\": \"%s\", \"%s\": ", key,
                           text, key);
    if (name) {
        jstr(o, name);
    } else {
        g_string_append(o, "null");
    }
}

static void dump_json(GString *o, const Args *a, const NvLabelSet *set)
{
    g_string_append(o, "{\n  \"file\": ");
    jstr(o, a->path);
    g_string_append_printf(o, ",\n  \"area_offset\": %" G_GUINT64_FORMAT
                           ",\n  \"area_size\": %" G_GUINT64_FORMAT ",\n",
                           a->offset, a->size);
    if (set->current >= 0) {
        g_string_append_printf(o, "  \"current_index\": %d,\n  \"label_size\":"
                               " %u,\n  \"nslot\": %u,\n", set->current,
                               set->geom.label_size, set->geom.nslot);
    } else {
        g_string_append(o, "  \"current_index\": null,\n  \"label_size\": "
                        "null,\n  \"nslot\": null,\n");
    }
    g_string_append(o, "  \"index\": [");
    for (int i = 0; i < 2; i++) {
        const NvLabelIndex *ix = &set->index[i];
        g_string_append_printf(o, "%s\n    {\"index\": %d, \"offset\": %"
                               G_GUINT64_FORMAT ", \"valid\": %s, \"current\":"
                               " %s, \"reason\": ", i ? "," : "", i,
                               ix->offset, ix->valid ? "true" : "false",
                               ix->current ? "true" : "false");
        if (ix->reason) {
            jstr(o, ix->reason);
        } else {
            g_string_append(o, "null");
        }
        if (ix->has_signature) {
            g_string_append_printf(o, ", \"seq\": %u, \"major\": %u, \"minor\""
                                   ": %u, \"labelsize\": %u, \"nslot\": %u, "
                                   "\"mysize\": %" G_GUINT64_FORMAT, ix->seq,
                                   ix->major, ix->minor, ix->labelsize,
                                   ix->nslot, ix->mysize);
        }
        if (ix->valid) {
            g_string_append_printf(o, ", \"free\": %u", ix->nfree);
        }
        g_string_append_c(o, '}');
    }
    g_string_append_printf(o, "\n  ],\n  \"labels_in_use\": %" G_GUINT64_FORMAT
                           ",\n  \"labels\": [", set->labels_in_use);
    for (guint i = 0; i < set->labels->len; i++) {
        const NvLabel *l = &g_array_index(set->labels, NvLabel, i);
        char uuid[37];
        nv_format_uuid(l->uuid, uuid);
        g_string_append_printf(o, "%s\n    {\"slot\": %u, \"uuid\": \"%s\", "
                               "\"name\": ", i ? "," : "", l->slot, uuid);
        append_name(o, l->name, l->name_len, true);
        g_string_append_printf(o, ", \"name_terminated\": %s,\n      "
                               "\"flags\": %u, \"nlabel\": %u, \"position\": "
                               "%u, \"isetcookie\": %" G_GUINT64_FORMAT ", "
                               "\"lbasize\": %" G_GUINT64_FORMAT ",\n      "
                               "\"dpa\": %" G_GUINT64_FORMAT ", \"rawsize\": %"
                               G_GUINT64_FORMAT ", \"slot_field\": %u, "
                               "\"valid\": %s",
                               l->name_terminated ? "true" : "false",
                               l->flags, l->nlabel, l->position, l->isetcookie,
                               l->lbasize, l->dpa, l->rawsize, l->slot_field,
                               l->valid ? "true" : "false");
        if (l->has_v12_fields) {
            g_string_append_printf(o, ",\n      \"align\": %u", l->align);
            jguid(o, "type", l->type_guid);
            jguid(o, "abstraction", l->abstraction_guid);
            g_string_append_printf(o, ",\n      \"checksum\": \"0x%016"
                                   G_GINT64_MODIFIER "x\", \"checksum_ok\": %s",
                                   l->checksum,
                                   l->checksum_ok ? "true" : "false");
        }
        g_string_append_c(o, '}');
    }
    g_string_append(o, set->labels->len ? "\n  ],\n" : "],\n");
    g_string_append(o, "  \"problems\": [");
    for (guint i = 0; i < set->problems->len; i++) {
        g_string_append(o, i ? ",\n    " : "\n    ");
        jstr(o, g_ptr_array_index(set->problems, i));
    }
    g_string_append(o, set->problems->len ? "\n  ]\n}\n" : "]\n}\n");
}

/* ---- the file --------------------------------------------------------- */

static int open_area(Args *a)
{
    bool rw = g_str_equal(a->cmd, "init");
    a->fd = open(a->path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (a->fd < 0) {
        return fail("cannot open '%s'%s: %s", a->path,
                    rw ? " for writing" : "", g_strerror(errno));
    }
    struct stat st;
    if (fstat(a->fd, &st) < 0) {
        return fail("cannot stat '%s': %s", a->path, g_strerror(errno));
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        return fail("'%s' is not a regular file or block device", a->path);
    }
    off_t end = lseek(a->fd, 0, SEEK_END);
    if (end < 0) {
        return fail("cannot find the size of '%s': %s", a->path,
                    g_strerror(errno));
    }
    uint64_t fsize = (uint64_t)end;
    g_autofree char *fs = nv_format_size(fsize);
    g_autofree char *min = nv_format_size(AREA_MIN);
    g_autofree char *max = nv_format_size(AREA_MAX);
    if (a->tail) {
        if (a->size > fsize) {
            return fail("--label-size %s is larger than '%s' (%s)",
                        a->label_size, a->path, fs);
        }
        a->offset = fsize - a->size;
        return EXIT_OK;
    }
    if (fsize < AREA_MIN || fsize > AREA_MAX) {
        return fail("--label-file '%s' is %s, %s label area of %s", a->path,
                    fs, fsize < AREA_MIN ? "below the minimum" :
                    "above the maximum", fsize < AREA_MIN ? min : max);
    }
    a->offset = 0;
    a->size = fsize;
    return EXIT_OK;
}

static int read_area(const Args *a, uint8_t *buf)
{
    for (uint64_t done = 0; done < a->size;) {
        ssize_t n = pread(a->fd, buf + done, a->size - done,
                          (off_t)(a->offset + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return fail("cannot read '%s' at offset %" G_GUINT64_FORMAT ": %s",
                        a->path, a->offset + done,
                        n < 0 ? g_strerror(errno) : "unexpected end of file");
        }
        done += (uint64_t)n;
    }
    return EXIT_OK;
}

static int cmd_init(const Args *a, uint8_t *buf, const NvLabelSet *old)
{
    if (old->current >= 0 && !a->force) {
        const NvLabelIndex *ix = &old->index[old->current];
        return fail("'%s' already has a valid label index (index block %d "
                    "current, version %u.%u, %" G_GUINT64_FORMAT " labels in "
                    "use); use --force to overwrite it", a->path,
                    old->current, ix->major, ix->minor, old->labels_in_use);
    }
    NvLabelGeometry g;
    g_autoptr(GError) err = NULL;
    if (!nv_label_init(buf, a->size, a->ver, &g, &err)) {
        return fail("'%s': %s", a->path, err->message);
    }
    uint64_t len = 2 * (uint64_t)g.index_size;
    for (uint64_t done = 0; done < len;) {
        ssize_t n = pwrite(a->fd, buf + done, len - done,
                           (off_t)(a->offset + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return fail("cannot write '%s' at offset %" G_GUINT64_FORMAT
                        ": %s", a->path, a->offset + done,
                        n < 0 ? g_strerror(errno) : "nothing written");
        }
        done += (uint64_t)n;
    }
    if (fsync(a->fd) < 0) {
        return fail("cannot fsync '%s': %s", a->path, g_strerror(errno));
    }
    g_autofree char *sz = nv_format_size(a->size);
    printf("initialized '%s': version %s labels in %s at offset 0x%"
           G_GINT64_MODIFIER "x, %u slots of %u bytes, 2 index blocks of %u "
           "bytes, all slots free\n", a->path,
           a->ver == NV_LABEL_V1_2 ? "1.2" : "1.1", sz, a->offset, g.nslot,
           g.label_size, g.index_size);
    return EXIT_OK;
}

static int cmd_check(const Args *a, const NvLabelSet *set)
{
    if (set->problems->len == 0 && set->current >= 0) {
        const NvLabelIndex *ix = &set->index[set->current];
        printf("ok: '%s': version %u.%u, index block %d current (seq %u), "
               "%u slots, %" G_GUINT64_FORMAT " label%s in use\n", a->path,
               ix->major, ix->minor, set->current, ix->seq, set->geom.nslot,
               set->labels_in_use, set->labels_in_use == 1 ? "" : "s");
        return EXIT_OK;
    }
    for (guint i = 0; i < set->problems->len; i++) {
        printf("problem: %s\n", (char *)g_ptr_array_index(set->problems, i));
    }
    return EXIT_PROBLEMS;
}

/* ---- arguments -------------------------------------------------------- */

static int check_args(Args *a, int argc, char **argv)
{
    if (argc < 2) {
        return fail("missing command: dump, check or init (see --help)");
    }
    a->cmd = argv[1];
    bool dump = g_str_equal(a->cmd, "dump"), init = g_str_equal(a->cmd,
                                                                "init");
    if (!dump && !init && !g_str_equal(a->cmd, "check")) {
        return fail("unknown command '%s': use dump, check or init", a->cmd);
    }
    if (a->json && !dump) {
        return fail("--json only applies to dump, not %s", a->cmd);
    }
    if ((a->version || a->force) && !init) {
        return fail("%s only applies to init, not %s",
                    a->version ? "--version" : "--force", a->cmd);
    }
    if (a->label_size && a->label_file) {
        return fail("--label-size %s and --label-file '%s' exclude each "
                    "other", a->label_size, a->label_file);
    }
    if (!a->label_size && !a->label_file) {
        return fail("%s needs --label-size SIZE FILE or --label-file FILE",
                    a->cmd);
    }
    int want = a->label_size ? 3 : 2; /* command [FILE] */
    if (argc > want) {
        return fail("unexpected argument '%s'%s", argv[want], a->label_file ?
                    " (--label-file names the file)" : "");
    }
    if (argc < want) {
        return fail("--label-size %s needs a FILE", a->label_size);
    }
    a->tail = a->label_size != NULL;
    a->path = a->tail ? argv[2] : a->label_file;

    g_autoptr(GError) err = NULL;
    if (a->tail) {
        if (!nv_parse_size(a->label_size, 1, &a->size, &err)) {
            return fail("--label-size %s: %s", a->label_size, err->message);
        }
        g_autofree char *min = nv_format_size(AREA_MIN);
        g_autofree char *max = nv_format_size(AREA_MAX);
        if (a->size < AREA_MIN) {
            return fail("--label-size %s is below the minimum of %s",
                        a->label_size, min);
        }
        if (a->size > AREA_MAX) {
            return fail("--label-size %s is above the maximum of %s",
                        a->label_size, max);
        }
    }
    a->ver = NV_LABEL_VERSION_DEFAULT;
    if (a->version && !nv_label_version_parse(a->version, &a->ver, &err)) {
        return fail("--version %s: %s", a->version, err->message);
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    Args a = { .fd = -1 };
    GOptionEntry entries[] = {
        { "label-size", 0, 0, G_OPTION_ARG_STRING, &a.label_size,
          "The label area is the last SIZE bytes of FILE (K, M, G suffixes)",
          "SIZE" },
        { "label-file", 0, 0, G_OPTION_ARG_FILENAME, &a.label_file,
          "The whole of FILE is the label area", "FILE" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &a.json, "dump: print JSON",
          NULL },
        { "version", 0, 0, G_OPTION_ARG_STRING, &a.version,
          "init: label version, 1.1 (default, as ndctl init-labels) or 1.2",
          "1.1|1.2" },
        { "force", 'f', 0, G_OPTION_ARG_NONE, &a.force,
          "init: overwrite a valid label index", NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(
        "dump|check|init [FILE] - NVDIMM namespace-label areas");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx,
        "Commands:\n"
        "  dump   show both index blocks, which is current, and every label"
        " in use\n"
        "  check  \"ok: ...\" if the area is clean, else one line per "
        "problem\n"
        "  init   write fresh index blocks (all slots free), as ndctl "
        "init-labels\n\n"
        "With --label-size the area is the tail of FILE (nvemu's and QEMU's "
        "layout);\nwith --label-file the whole file is the area. Area size: "
        "128K to 1G.\n\n"
        "Exit status: 0 ok, 1 check found problems, 2 usage or I/O error.\n");
    g_autoptr(GError) err = NULL;
    int rc;

    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        rc = fail("%s", err->message);
    } else if ((rc = check_args(&a, argc, argv)) == EXIT_OK &&
               (rc = open_area(&a)) == EXIT_OK) {
        g_autofree uint8_t *buf = g_try_malloc(a.size);
        if (!buf) {
            rc = fail("cannot allocate %" G_GUINT64_FORMAT " bytes for '%s'",
                      a.size, a.path);
        } else if ((rc = read_area(&a, buf)) == EXIT_OK) {
            g_autoptr(NvLabelSet) set = nv_label_parse(buf, a.size);
            if (g_str_equal(a.cmd, "init")) {
                rc = cmd_init(&a, buf, set);
            } else if (g_str_equal(a.cmd, "check")) {
                rc = cmd_check(&a, set);
            } else {
                g_autoptr(GString) out = g_string_new(NULL);
                (a.json ? dump_json : dump_text)(out, &a, set);
                fputs(out->str, stdout);
            }
        }
    }
    if (a.fd >= 0) {
        close(a.fd);
    }
    g_free(a.label_size);
    g_free(a.label_file);
    g_free(a.version);
    if (fflush(stdout) != 0 && rc == EXIT_OK) {
        rc = fail("cannot write the output: %s", g_strerror(errno));
    }
    return rc;
}
