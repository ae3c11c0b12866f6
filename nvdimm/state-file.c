/*
 * nvdimm/state-file.c — read, check and atomically rewrite an NVDIMM's
 * state file (format in state-file.h and docs/health.md).
 */
#include "state-file.h"
#include "media-errors.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct NvStateFile {
    char *path;
    char *who;
    GBytes *before;   /* the file as open found it, or NULL: missing */
};

static void fail(GError **errp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void fail(GError **errp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(errp, NV_ERROR, NV_ERROR_INVALID, msg);
}

bool nv_state_decode(const uint8_t *buf, size_t len, NvStateData *out,
                     GError **errp)
{
    if (len < 12 || memcmp(buf, NV_STATE_MAGIC, 8) != 0) {
        if (len < 8 || memcmp(buf, NV_STATE_MAGIC, 8) != 0) {
            fail(errp, "not an nvemu state file (%zu bytes, no \"%s\" magic)",
                 len, NV_STATE_MAGIC);
            return false;
        }
        fail(errp, "truncated: %zu bytes, a state file has at least %d",
             len, NV_STATE_MIN_SIZE);
        return false;
    }
    uint32_t version = nv_ld32(buf + 8);
    if (version != NV_STATE_VERSION) {
        fail(errp, "version %u is not supported (this nvemu reads version "
             "%d)", version, NV_STATE_VERSION);
        return false;
    }
    if (len < NV_STATE_MIN_SIZE) {
        fail(errp, "truncated: %zu bytes, a state file has at least %d",
             len, NV_STATE_MIN_SIZE);
        return false;
    }
    uint32_t size = nv_ld32(buf + 12);
    uint32_t n = nv_ld32(buf + 28);
    if (n > NV_STATE_MAX_RECORDS) {
        fail(errp, "%u media-error records, at most %d", n,
             NV_STATE_MAX_RECORDS);
        return false;
    }
    uint64_t want = (uint64_t)NV_STATE_MIN_SIZE + (uint64_t)n * NV_STATE_RECORD;
    if (size != want) {
        fail(errp, "its size field says %u bytes, %u records need %" PRIu64,
             size, n, want);
        return false;
    }
    if (len != want) {
        fail(errp, "%s: %zu bytes, its header says %" PRIu64,
             len < want ? "truncated" : "trailing bytes", len, want);
        return false;
    }
    size_t body = (size_t)want - 8;
    uint64_t sum = nv_ld64(buf + body);
    if (sum != nv_fletcher64(buf, body, true)) {
        fail(errp, "checksum mismatch: the file is corrupt");
        return false;
    }
    out->flags = nv_ld32(buf + 16);
    out->shutdown_count = nv_ld32(buf + 20);
    out->shutdown_state = buf[24] ? 1 : 0;
    out->records = g_array_sized_new(FALSE, FALSE, sizeof(NvStateRecord), n);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *r = buf + NV_STATE_HEADER + (size_t)i * NV_STATE_RECORD;
        NvStateRecord rec = { nv_ld64(r), nv_ld64(r + 8) };
        g_array_append_val(out->records, rec);
    }
    return true;
}

GByteArray *nv_state_encode(const NvStateData *d)
{
    guint n = d->records ? d->records->len : 0;
    size_t size = NV_STATE_MIN_SIZE + (size_t)n * NV_STATE_RECORD;
    GByteArray *b = g_byte_array_sized_new((guint)size);
    g_byte_array_set_size(b, (guint)size);
    uint8_t *p = b->data;
    memset(p, 0, size);
    memcpy(p, NV_STATE_MAGIC, 8);
    nv_st32(p + 8, NV_STATE_VERSION);
    nv_st32(p + 12, (uint32_t)size);
    nv_st32(p + 16, d->flags);
    nv_st32(p + 20, d->shutdown_count);
    p[24] = d->shutdown_state;
    nv_st32(p + 28, n);
    for (guint i = 0; i < n; i++) {
        const NvStateRecord *r = &g_array_index(d->records, NvStateRecord, i);
        nv_st64(p + NV_STATE_HEADER + i * NV_STATE_RECORD, r->offset);
        nv_st64(p + NV_STATE_HEADER + i * NV_STATE_RECORD + 8, r->length);
    }
    nv_st64(p + size - 8, nv_fletcher64(p, size - 8, true));
    return b;
}

static bool write_all(int fd, const uint8_t *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Temporary file, fsync, rename, fsync of the directory. */
static bool write_atomic(const char *path, const GByteArray *b, GError **errp)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) {
        fail(errp, "cannot create a temporary file in %s: %s", dir,
             g_strerror(errno));
        return false;
    }
    if (!write_all(fd, b->data, b->len) || fsync(fd) != 0) {
        int e = errno ? errno : EIO;
        close(fd);
        unlink(tmp);
        fail(errp, "cannot write %s: %s", tmp, g_strerror(e));
        return false;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        fail(errp, "cannot rename %s over it: %s", tmp, g_strerror(e));
        return false;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0) {
        int e = errno;
        if (dfd >= 0) {
            close(dfd);
        }
        fail(errp, "cannot sync the directory %s: %s", dir, g_strerror(e));
        return false;
    }
    close(dfd);
    return true;
}

static bool save(NvStateFile *sf, const NvStateData *d, GError **errp)
{
    g_autoptr(GByteArray) b = nv_state_encode(d);
    if (!write_atomic(sf->path, b, errp)) {
        g_prefix_error(errp, "%s: state-file '%s': ", sf->who, sf->path);
        return false;
    }
    return true;
}

/* The records of @d into @dimm's media-error list. */
static bool load_records(NvDimm *dimm, const NvStateData *d, GError **errp)
{
    g_autoptr(GArray) list = nv_media_list_new();
    for (guint i = 0; i < d->records->len; i++) {
        const NvStateRecord *r = &g_array_index(d->records, NvStateRecord, i);
        if (r->length == 0 || r->offset >= dimm->size ||
            r->length > dimm->size - r->offset) {
            fail(errp, "media-error record %u (offset 0x%" PRIx64
                 " length 0x%" PRIx64 ") is not inside the DIMM's 0x%"
                 PRIx64 " bytes", i, r->offset, r->length, dimm->size);
            return false;
        }
        g_autoptr(GError) err = NULL;
        if (!nv_media_list_add(list, r->offset, r->length, false, &err)) {
            fail(errp, "media-error record %u: %s", i, err->message);
            return false;
        }
    }
    if (dimm->state.media_errors) {
        g_array_unref(dimm->state.media_errors);
    }
    dimm->state.media_errors = g_steal_pointer(&list);
    return true;
}

NvStateFile *nv_state_file_open(const char *path, NvDimm *dimm,
                                GError **errp)
{
    NvStateFile *sf = g_new0(NvStateFile, 1);
    const char *who = dimm->name;
    NvDimmHealth *h = &dimm->state.health;
    sf->path = g_strdup(path);
    sf->who = g_strdup(who);
    g_autofree char *buf = NULL;
    gsize len = 0;
    g_autoptr(GError) err = NULL;
    NvStateData d = { 0 };
    if (!g_file_get_contents(path, &buf, &len, &err)) {
        if (!g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "%s: state-file '%s' is unreadable: %s", who, path,
                        err->message);
            nv_state_file_free(sf);
            return NULL;
        }
        d.records = g_array_new(FALSE, FALSE, sizeof(NvStateRecord));
    } else if (!nv_state_decode((const uint8_t *)buf, len, &d, &err) ||
               !load_records(dimm, &d, &err)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "%s: state-file '%s': %s", who, path, err->message);
        if (d.records) {
            g_array_unref(d.records);
        }
        nv_state_file_free(sf);
        return NULL;
    }
    g_array_unref(d.records);
    h->shutdown_count = d.shutdown_count;
    h->shutdown_state = d.shutdown_state;
    if (d.flags & NV_STATE_FLAG_RUNNING) {
        /* The last run never marked the file clean: it died (SIGKILL, a
         * crash, the host's power): an unsafe shutdown. */
        h->shutdown_count++;
        h->shutdown_state = 1;
    }
    if (buf) {
        sf->before = g_bytes_new_take(g_steal_pointer(&buf), len);
    }
    if (!nv_state_file_save(sf, h, dimm->state.media_errors, false, errp)) {
        nv_state_file_free(sf);
        return NULL;
    }
    return sf;
}

bool nv_state_file_restore(NvStateFile *sf, GError **errp)
{
    if (!sf->before) {
        if (unlink(sf->path) != 0 && errno != ENOENT) {
            g_set_error(errp, NV_ERROR, NV_ERROR_IO, "%s: state-file '%s': "
                        "cannot remove it: %s", sf->who, sf->path,
                        g_strerror(errno));
            return false;
        }
        return true;
    }
    gsize n;
    const guint8 *p = g_bytes_get_data(sf->before, &n);
    g_autoptr(GByteArray) b = g_byte_array_sized_new((guint)n);
    g_byte_array_append(b, p, (guint)n);
    if (!write_atomic(sf->path, b, errp)) {
        g_prefix_error(errp, "%s: state-file '%s': ", sf->who, sf->path);
        return false;
    }
    return true;
}

bool nv_state_file_save(NvStateFile *sf, const NvDimmHealth *h,
                        const GArray *media, bool clean, GError **errp)
{
    g_autoptr(GArray) records = g_array_new(FALSE, FALSE,
                                            sizeof(NvStateRecord));
    for (guint i = 0; media && i < media->len; i++) {
        const NvMediaError *m = &g_array_index(media, NvMediaError, i);
        NvStateRecord r = { m->offset, m->length };
        g_array_append_val(records, r);
    }
    NvStateData d = {
        .flags = clean ? 0 : NV_STATE_FLAG_RUNNING,
        .shutdown_count = h->shutdown_count,
        .shutdown_state = clean ? 0 : h->shutdown_state,
        .records = records,
    };
    return save(sf, &d, errp);
}

/* Which file @path is: "dev:ino" when it exists, else the canonical path
 * of its directory plus its name (a file still to be created). */
static char *file_key(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        return g_strdup_printf("%ju:%ju", (uintmax_t)st.st_dev,
                               (uintmax_t)st.st_ino);
    }
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *real = realpath(dir, NULL);
    g_autofree char *canon = g_canonicalize_filename(dir, NULL);
    return g_strdup_printf("new:%s/%s", real ? real : canon, base);
}

bool nv_state_file_same(const NvDimm *d, const char *other)
{
    if (!d->state_file || !other) {
        return false;
    }
    g_autofree char *a = file_key(d->state_file);
    g_autofree char *b = file_key(other);
    return strcmp(a, b) == 0;
}

static bool clash(const NvDimm *d, const char *other, const char *what,
                  GError **errp)
{
    if (nv_state_file_same(d, other)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "%s: state-file=%s is the same file as %s (%s)", d->name,
                    d->state_file, what, other);
        return false;
    }
    return true;
}

bool nv_state_files_check(GPtrArray *dimms, GPtrArray *backends,
                          GError **errp)
{
    for (guint i = 0; i < dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(dimms, i);
        if (!d->state_file) {
            continue;
        }
        struct stat st;
        if (stat(d->state_file, &st) == 0 && !S_ISREG(st.st_mode)) {
            g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                        "%s: state-file=%s is not a regular file", d->name,
                        d->state_file);
            return false;
        }
        for (guint j = 0; j < backends->len; j++) {
            NvHostMem *hm = g_ptr_array_index(backends, j);
            g_autofree char *what = g_strdup_printf(
                "mem-path of -object memory-backend-file,id=%s", hm->cfg.id);
            if (!clash(d, hm->cfg.mem_path, what, errp)) {
                return false;
            }
        }
        for (guint j = 0; j < dimms->len; j++) {
            NvDimm *o = g_ptr_array_index(dimms, j);
            g_autofree char *lf = g_strdup_printf("label-file of %s", o->name);
            g_autofree char *sf = g_strdup_printf("state-file of %s", o->name);
            if (!clash(d, o->label_file, lf, errp) ||
                (j < i && !clash(d, o->state_file, sf, errp))) {
                return false;
            }
        }
    }
    return true;
}

const char *nv_state_file_path(const NvStateFile *sf)
{
    return sf->path;
}

void nv_state_file_free(NvStateFile *sf)
{
    if (!sf) {
        return;
    }
    g_free(sf->path);
    g_free(sf->who);
    if (sf->before) {
        g_bytes_unref(sf->before);
    }
    g_free(sf);
}
