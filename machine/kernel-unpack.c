/*
 * machine/kernel-unpack.c — turn a bzImage into its vmlinux on the host.
 *
 * A bzImage carries the kernel proper as a compressed ELF (the "payload",
 * boot.rst: payload_offset/payload_length, protocol 2.08+) and a small
 * decompressor that unpacks it inside the guest. That decompressor runs on
 * the guest's CPU before the kernel's clock starts; on a slow (emulated)
 * CPU it is most of the time to the first kernel message. nvemu can do the
 * same work on the host once (boot.c finds the payload, this file unpacks
 * it), keep the vmlinux in a cache keyed by the payload's CRC-64 and
 * length, and load the ELF directly (boot-elf.c) on every later boot. The
 * guest kernel then runs at its link address: no KASLR of the kernel image
 * (memory-region randomization is the kernel's and stays).
 *
 * The cache keeps the NV_KERNEL_CACHE_KEEP most recently used kernels.
 *
 * xz (Debian, Ubuntu) and gzip payloads are unpacked here; other formats
 * (zstd, lz4, lzo, lzma, bzip2) are booted as a bzImage, as before.
 * The last 4 bytes of every payload are the decompressed size (the kernel
 * build appends it; gzip's ISIZE is the same field).
 */
#include "boot.h"

#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_VMLINUX        (UINT64_C(1) << 30)

static bool unpack_fail(GError **errp, const char *path, const char *what,
                        const char *why)
{
    g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                "-kernel %s: its %s payload does not decompress: %s", path,
                what, why);
    return false;
}

static bool unxz(const char *path, const uint8_t *in, gsize inlen,
                 uint8_t *out, gsize outlen, GError **errp)
{
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK) {
        return unpack_fail(errp, path, "xz", "liblzma would not start");
    }
    s.next_in = in;
    s.avail_in = inlen;
    s.next_out = out;
    s.avail_out = outlen;
    lzma_ret r = lzma_code(&s, LZMA_FINISH);
    gsize produced = outlen - s.avail_out;
    lzma_end(&s);
    if (r != LZMA_STREAM_END) {
        return unpack_fail(errp, path, "xz",
                           r == LZMA_BUF_ERROR || r == LZMA_OK
                               ? "larger than the size it declares"
                               : "corrupt data");
    }
    if (produced != outlen) {
        return unpack_fail(errp, path, "xz", "smaller than it declares");
    }
    return true;
}

static bool gunzip(const char *path, const uint8_t *in, gsize inlen,
                   uint8_t *out, gsize outlen, GError **errp)
{
    z_stream z = { 0 };
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        return unpack_fail(errp, path, "gzip", "zlib would not start");
    }
    /* zlib counts in uInt: feed it in pieces a uInt can hold. */
    int r = Z_OK;
    gsize in_done = 0, out_done = 0;
    while (r == Z_OK) {
        z.next_in = (Bytef *)(uintptr_t)(in + in_done);
        z.avail_in = (uInt)MIN(inlen - in_done, (gsize)1 << 30);
        z.next_out = out + out_done;
        z.avail_out = (uInt)MIN(outlen - out_done, (gsize)1 << 30);
        uInt ai = z.avail_in, ao = z.avail_out;
        r = inflate(&z, Z_NO_FLUSH);
        in_done += ai - z.avail_in;
        out_done += ao - z.avail_out;
        if (r == Z_OK && ai == z.avail_in && ao == z.avail_out) {
            r = Z_BUF_ERROR; /* no progress: truncated or too large */
        }
    }
    inflateEnd(&z);
    if (r != Z_STREAM_END || out_done != outlen) {
        return unpack_fail(errp, path, "gzip",
                           r == Z_STREAM_END ? "smaller than it declares"
                                             : "corrupt, truncated or larger "
                                               "than it declares");
    }
    return true;
}

/* "xz" or "gzip" by the payload's magic, or NULL: another format. */
static const char *payload_format(const uint8_t *p, gsize plen)
{
    static const uint8_t xz_magic[] = { 0xFD, '7', 'z', 'X', 'Z', 0 };
    static const uint8_t gz_magic[] = { 0x1F, 0x8B };
    if (plen < 16) {
        return NULL;
    }
    if (memcmp(p, xz_magic, sizeof(xz_magic)) == 0) {
        return "xz";
    }
    return memcmp(p, gz_magic, sizeof(gz_magic)) == 0 ? "gzip" : NULL;
}

static GBytes *unpack(const char *path, const char *format, const uint8_t *p,
                      gsize plen, GError **errp)
{
    bool xz = strcmp(format, "xz") == 0;
    gsize outlen = nv_ld32(p + plen - 4);
    if (outlen < 64 || outlen > MAX_VMLINUX) {
        unpack_fail(errp, path, format, "it declares an implausible size");
        return NULL;
    }
    uint8_t *out = g_try_malloc(outlen);
    if (!out) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO,
                    "-kernel %s: no memory to decompress %zu bytes", path,
                    outlen);
        return NULL;
    }
    bool ok = xz ? unxz(path, p, plen - 4, out, outlen, errp)
                 : gunzip(path, p, plen, out, outlen, errp);
    if (!ok) {
        g_free(out);
        return NULL;
    }
    return g_bytes_new_take(out, outlen);
}

/* A cached vmlinux, or NULL. The file is only trusted as far as the ELF
 * loader checks it, like any -kernel. A hit refreshes the file's mtime,
 * which is what cache_trim() goes by. */
static GBytes *cache_read(const char *file)
{
    GMappedFile *m = g_mapped_file_new(file, FALSE, NULL);
    if (!m) {
        return NULL;
    }
    GBytes *b = g_mapped_file_get_bytes(m);
    g_mapped_file_unref(m);
    (void)utimensat(AT_FDCWD, file, NULL, 0);
    return b;
}

typedef struct {
    char *path;
    gint64 mtime;
} CacheEntry;

static gint newest_first(gconstpointer a, gconstpointer b)
{
    const CacheEntry *x = a, *y = b;
    return x->mtime < y->mtime ? 1 : x->mtime > y->mtime ? -1 : 0;
}

/* Keep the NV_KERNEL_CACHE_KEEP most recently used vmlinux files of @dir
 * and delete the rest: a kernel developer boots a new build every few
 * minutes, and each entry is tens of MiB. Only our own *.vmlinux files
 * are touched. */
static void cache_trim(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    if (!d) {
        return;
    }
    g_autoptr(GArray) entries = g_array_new(FALSE, FALSE, sizeof(CacheEntry));
    const char *name;
    while ((name = g_dir_read_name(d))) {
        struct stat st;
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (g_str_has_suffix(name, ".vmlinux") && lstat(path, &st) == 0 &&
            S_ISREG(st.st_mode)) {
            CacheEntry e = { g_steal_pointer(&path),
                             (gint64)st.st_mtim.tv_sec * 1000000000 +
                                 st.st_mtim.tv_nsec };
            g_array_append_val(entries, e);
        }
    }
    g_array_sort(entries, newest_first);
    for (guint i = 0; i < entries->len; i++) {
        CacheEntry *e = &g_array_index(entries, CacheEntry, i);
        if (i >= NV_KERNEL_CACHE_KEEP) {
            (void)unlink(e->path);
        }
        g_free(e->path);
    }
}

/* Best effort: a cache that cannot be written only costs the next boot the
 * same decompression. Written to a temporary name and renamed, so a
 * reader never sees half a file. */
static void cache_write(const char *dir, const char *file, GBytes *vmlinux)
{
    if (g_mkdir_with_parents(dir, 0700) != 0) {
        return;
    }
    gsize n;
    const char *data = g_bytes_get_data(vmlinux, &n);
    if (g_file_set_contents_full(file, data, (gssize)n,
                                 G_FILE_SET_CONTENTS_CONSISTENT |
                                     G_FILE_SET_CONTENTS_ONLY_EXISTING,
                                 0600, NULL)) {
        cache_trim(dir);
    }
}

char *nv_kernel_cache_name(const uint8_t *p, gsize plen)
{
    return g_strdup_printf("%016" G_GINT64_MODIFIER "x-%" G_GSIZE_FORMAT
                           ".vmlinux", (guint64)lzma_crc64(p, plen, 0), plen);
}

char *nv_kernel_cache_dir(void)
{
    const char *env = g_getenv("NVEMU_CACHE_DIR");
    if (env) {
        return *env ? g_build_filename(env, "kernels", NULL) : NULL;
    }
    return g_build_filename(g_get_user_cache_dir(), "nvemu", "kernels", NULL);
}

GBytes *nv_kernel_unpack(const char *path, const uint8_t *p, gsize plen,
                         const char *cache_dir, GError **errp)
{
    const char *format = payload_format(p, plen);
    if (!format) {
        return NULL; /* the guest's decompressor unpacks it */
    }
    g_autofree char *file = NULL;
    if (cache_dir) {
        /* The key only tells kernels apart (the cache is the user's own):
         * liblzma's CRC-64 reads the 8 MiB of a distribution kernel about
         * 20x faster than a SHA-256 does, and the length and the
         * decompressed size (checked on a hit) come with it. */
        g_autofree char *name = nv_kernel_cache_name(p, plen);
        file = g_build_filename(cache_dir, name, NULL);
        GBytes *hit = cache_read(file);
        if (hit && g_bytes_get_size(hit) == nv_ld32(p + plen - 4)) {
            return hit;
        }
        g_clear_pointer(&hit, g_bytes_unref);
    }
    GBytes *vmlinux = unpack(path, format, p, plen, errp);
    if (vmlinux && file) {
        cache_write(cache_dir, file, vmlinux);
    }
    return vmlinux;
}
