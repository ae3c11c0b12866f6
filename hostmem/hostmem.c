/*
 * hostmem/hostmem.c — memory backends: building one from an -object string,
 * the RAM backend (private memory, or a memfd with share=on), freeing,
 * naming and persisting.
 *
 * The file backend (regular files, block devices, device-dax) lives in
 * hostmem-file.c; this file dispatches to it.
 */
#include "hostmem.h"

#include <errno.h>
#include <dlfcn.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>


#define TYPE_FILE "memory-backend-file"
#define TYPE_RAM  "memory-backend-ram"

static const char *get_required(NvOpts *opts, const char *key,
                                const char *type, GError **errp)
{
    const char *v = nv_opts_get(opts, key);
    if (!v || !*v) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "property '%s' is required for %s", key, type);
        return NULL;
    }
    return v;
}

/* A size-valued property (size=, align=): parsed, and never zero. */
static bool get_size_prop(NvOpts *opts, const char *key, uint64_t *out,
                          bool *set, GError **errp)
{
    if (!nv_opts_get_size(opts, key, out, set, errp)) {
        return false;
    }
    if (*set && *out == 0) {
        g_autofree char *q = nv_quote(nv_opts_get(opts, key));
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "property '%s': '%s' is zero", key, q);
        return false;
    }
    return true;
}

static bool parse_file_props(NvOpts *opts, NvHostMemConfig *cfg,
                             GError **errp)
{
    bool align_set;

    cfg->mem_path = (char *)get_required(opts, "mem-path", TYPE_FILE, errp);
    if (!cfg->mem_path ||
        !nv_opts_get_bool(opts, "share", &cfg->share, errp) ||
        !nv_opts_get_bool(opts, "readonly", &cfg->readonly, errp) ||
        !nv_opts_get_bool(opts, "pmem", &cfg->pmem, errp) ||
        !get_size_prop(opts, "align", &cfg->align, &align_set, errp)) {
        return false;
    }
    if (cfg->align & (cfg->align - 1)) {
        g_autofree char *q = nv_quote(nv_opts_get(opts, "align"));
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "property 'align': '%s' is not a power of two", q);
        return false;
    }
    return true;
}

NvHostMem *nv_hostmem_new_from_opts(NvOpts *opts, GError **errp)
{
    NvHostMemConfig cfg = { 0 };
    const char *type = nv_opts_get(opts, "qom-type");

    if (g_strcmp0(type, TYPE_FILE) == 0) {
        cfg.kind = NV_HOSTMEM_FILE;
    } else if (g_strcmp0(type, TYPE_RAM) == 0) {
        cfg.kind = NV_HOSTMEM_RAM;
    } else {
        g_autofree char *q = nv_quote(type);
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "unknown object type '%s' (use " TYPE_FILE " or "
                    TYPE_RAM ")", q);
        return NULL;
    }

    cfg.id = (char *)get_required(opts, "id", type, errp);
    if (cfg.id && strlen(cfg.id) > NV_ID_MAX) {
        g_autofree char *q = nv_quote(cfg.id);
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "id=%s is longer than %d bytes", q, NV_ID_MAX);
        return NULL;
    }
    if (!cfg.id ||
        !get_size_prop(opts, "size", &cfg.size, &cfg.size_set, errp)) {
        return NULL;
    }
    if (cfg.kind == NV_HOSTMEM_RAM && !cfg.size_set) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "property 'size' is required for " TYPE_RAM);
        return NULL;
    }
    if (cfg.kind == NV_HOSTMEM_RAM &&
        !nv_opts_get_bool(opts, "share", &cfg.share, errp)) {
        return NULL;
    }
    if (cfg.kind == NV_HOSTMEM_FILE && !parse_file_props(opts, &cfg, errp)) {
        return NULL;
    }
    if (!nv_opts_get_bool(opts, "prealloc", &cfg.prealloc, errp)) {
        return NULL;
    }
    if (cfg.prealloc && cfg.readonly) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "prealloc=on cannot reserve space in a readonly=on file "
                    "(drop one of them)");
        return NULL;
    }
    if (!nv_opts_check_unused(opts, errp)) {
        return NULL;
    }
    return nv_hostmem_new(&cfg);
}

NvHostMem *nv_hostmem_new(const NvHostMemConfig *cfg)
{
    NvHostMem *hm = g_new0(NvHostMem, 1);
    hm->cfg = *cfg;
    hm->cfg.id = g_strdup(cfg->id);
    hm->cfg.mem_path = g_strdup(cfg->mem_path);
    hm->fd = -1;
    g_mutex_init(&hm->flush_lock);
    g_cond_init(&hm->flush_done_cond);
    return hm;
}

void nv_hostmem_free(NvHostMem *hm)
{
    if (!hm) {
        return;
    }
    if (hm->addr) {
        munmap(hm->addr, hm->size);
    }
    if (hm->fd >= 0) {
        close(hm->fd);
    }
    g_free(hm->cfg.id);
    g_free(hm->cfg.mem_path);
    g_free(hm->canon);
    g_free(hm->note);
    g_free(hm->flush_error);
    g_mutex_clear(&hm->flush_lock);
    g_cond_clear(&hm->flush_done_cond);
    g_free(hm);
}

const char *nv_hostmem_type_name(const NvHostMem *hm)
{
    switch (hm->ftype) {
    case NV_FILE_NONE:
        return "RAM";
    case NV_FILE_REGULAR:
        return hm->map_sync ? "file on a DAX filesystem" : "regular file";
    case NV_FILE_BLOCK:
        return "block device";
    case NV_FILE_DEVDAX:
        return "device-dax device";
    }
    return "unknown";
}

static bool ram_prepare(NvHostMem *hm, GError **errp)
{
    if (!hm->cfg.size_set || hm->cfg.size == 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "memory backend '%s' needs a non-zero size", hm->cfg.id);
        return false;
    }
    hm->ftype = NV_FILE_NONE;
    hm->size = hm->cfg.size;
    return true;
}

/*
 * Map @fd (or anonymous memory) at a host address that is a multiple of
 * @align: reserve len + align bytes of address space, map over an aligned
 * part of the reservation, then give the slack on either side back.
 */
void *nv_hostmem_map_aligned(uint64_t len, uint64_t align, int prot,
                             int flags, int fd)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    if (align <= page) {
        return mmap(NULL, len, prot, flags, fd, 0);
    }
    if (len > UINT64_MAX - align) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    uint64_t total = len + align;
    uint8_t *res = mmap(NULL, total, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (res == MAP_FAILED) {
        return MAP_FAILED;
    }
    uint8_t *start = res + (nv_align_up((uintptr_t)res, align) -
                            (uintptr_t)res);
    if (mmap(start, len, prot, flags | MAP_FIXED, fd, 0) == MAP_FAILED) {
        int err = errno;
        munmap(res, total);
        errno = err;
        return MAP_FAILED;
    }
    uint8_t *tail = start + nv_align_up(len, page);
    if (start > res) {
        munmap(res, (size_t)(start - res));
    }
    if (res + total > tail) {
        munmap(tail, (size_t)(res + total - tail));
    }
    return start;
}

/*
 * share=on: a memfd mapped MAP_SHARED. It has a name in /proc/<pid>/maps
 * ("memfd:nvemu:<id>") and could be handed to another process.
 * share=off (QEMU's default for memory-backend-ram, and nvemu's guest RAM):
 * private anonymous memory, advised for transparent huge pages as QEMU does.
 * Shared memory (shmem) gets no huge pages unless the host's
 * /sys/kernel/mm/transparent_hugepage/shmem_enabled allows them, which it
 * does not by default; with huge pages KVM maps the guest's RAM in 2 MiB
 * pieces, so the guest's first touch of its memory costs one nested page
 * fault per 2 MiB instead of one per 4 KiB. KVM maps a 2 MiB guest page
 * with one 2 MiB host page only if both addresses agree modulo 2 MiB, so
 * the mapping starts on a 2 MiB boundary (guest RAM starts at 0).
 */
static bool ram_realize(NvHostMem *hm, GError **errp)
{
    const char *what = "mmap";
    int fd = -1, flags = MAP_PRIVATE | MAP_ANONYMOUS;

    if (hm->cfg.share) {
        /* memfd names are limited to 249 bytes; the id is only a label. */
        g_autofree char *name = g_strdup_printf("nvemu:%.240s", hm->cfg.id);
        what = "memfd_create";
        fd = memfd_create(name, MFD_CLOEXEC);
        if (fd < 0) {
            goto fail;
        }
        what = "ftruncate";
        if (ftruncate(fd, (off_t)hm->size) != 0) {
            goto fail;
        }
        what = "mmap";
        flags = MAP_SHARED;
    }
    void *p = nv_hostmem_map_aligned(hm->size, NV_HOSTMEM_MAP_ALIGN,
                                     PROT_READ | PROT_WRITE, flags, fd);
    if (p == MAP_FAILED) {
        goto fail;
    }
    /* Advice only: a host without THP ignores it. */
    (void)madvise(p, hm->size, MADV_HUGEPAGE);
    hm->fd = fd;
    hm->addr = p;
    if (hm->cfg.prealloc && !nv_hostmem_prealloc(hm, errp)) {
        munmap(p, hm->size);
        hm->addr = NULL;
        hm->fd = -1;
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    return true;

fail:;
    int err = errno;
    g_autofree char *sz = nv_format_size(hm->size);
    g_set_error(errp, NV_ERROR, NV_ERROR_IO,
                "memory backend '%s': %s of %s failed: %s", hm->cfg.id, what,
                sz, g_strerror(err));
    if (fd >= 0) {
        close(fd);
    }
    return false;
}

bool nv_hostmem_prepare(NvHostMem *hm, GError **errp)
{
    if (hm->cfg.kind == NV_HOSTMEM_RAM) {
        return ram_prepare(hm, errp);
    }
    return nv_hostmem_file_prepare(hm, errp);
}

bool nv_hostmem_realize(NvHostMem *hm, GError **errp)
{
    if (hm->addr) {
        return true;
    }
    /* size is never 0 once prepared: prepare here if the caller did not. */
    if (hm->size == 0 && !nv_hostmem_prepare(hm, errp)) {
        return false;
    }
    bool ok = hm->cfg.kind == NV_HOSTMEM_RAM ? ram_realize(hm, errp)
                                            : nv_hostmem_file_realize(hm, errp);
    if (ok) {
        nv_hostmem_flush_classify(hm);
    }
    return ok;
}

/*
 * libpmem's pmem_persist(), loaded the first time a synchronous pmem
 * mapping (MAP_SYNC on a DAX file system, device-dax) is persisted. It is
 * the only libpmem call nvemu makes, and linking libpmem would map its
 * chain (libndctl, libdaxctl, libkmod, libcrypto: about 2 MiB resident)
 * into every nvemu, pmem host or not. NULL, with one warning, where
 * libpmem.so.1 cannot be loaded.
 */
typedef void (*PmemPersistFn)(const void *addr, size_t len);

static gpointer load_libpmem(gpointer unused)
{
    (void)unused;
    void *lib = dlopen("libpmem.so.1", RTLD_NOW | RTLD_LOCAL);
    void *fn = lib ? dlsym(lib, "pmem_persist") : NULL;
    if (!fn) {
        g_printerr("nvemu: warning: libpmem: %s: persisting pmem mappings "
                   "with msync() instead\n", dlerror());
    }
    return fn;
}

static PmemPersistFn libpmem_persist(void)
{
    static GOnce once = G_ONCE_INIT;
    void *fn = g_once(&once, load_libpmem, NULL);
    PmemPersistFn f;
    memcpy(&f, &fn, sizeof(f)); /* object to function pointer, as POSIX allows */
    return f;
}

bool nv_hostmem_persist(NvHostMem *hm, uint64_t offset, uint64_t len,
                        GError **errp)
{
    if (offset > hm->size || len > hm->size - offset) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE,
                    "memory backend '%s': persist of %" G_GUINT64_FORMAT
                    " bytes at offset %" G_GUINT64_FORMAT " is past its end "
                    "(%" G_GUINT64_FORMAT " bytes)", hm->cfg.id, len, offset,
                    hm->size);
        return false;
    }
    if (hm->persist_fault) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO,
                    "memory backend '%s': persist failed: %s", hm->cfg.id,
                    g_strerror(hm->persist_fault));
        return false;
    }
    if (len == 0) {
        return true;
    }
    if (!hm->addr) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "memory backend '%s' is not realized", hm->cfg.id);
        return false;
    }
    /* Nothing durable behind these mappings: writes never reach a file. */
    if (hm->cfg.kind == NV_HOSTMEM_RAM || !hm->cfg.share || hm->cfg.readonly) {
        return true;
    }
    PmemPersistFn pmem_persist = hm->is_pmem ? libpmem_persist() : NULL;
    if (pmem_persist) {
        pmem_persist(hm->addr + offset, len);
        hm->flushes++;
        return true;
    }
    /* No libpmem: msync() of a MAP_SYNC or device-dax mapping also writes
     * the CPU caches back (the kernel's DAX writeback), only slower. */
    /* msync wants a page-aligned start; the mapping covers whole pages. */
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t start = nv_align_down(offset, page);
    uint64_t end = nv_align_up(offset + len, page);
    if (msync(hm->addr + start, end - start, MS_SYNC) != 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO,
                    "memory backend '%s': msync failed: %s", hm->cfg.id,
                    g_strerror(errno));
        return false;
    }
    hm->flushes++;
    return true;
}
