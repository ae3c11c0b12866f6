/*
 * hostmem/hostmem-file.c — memory-backend-file: a regular file (maybe on a
 * DAX filesystem), a block device or a device-dax character device.
 *
 * prepare() only looks (stat, access, sysfs, a read-only open of a block
 * device for its size); realize() is the one place a file is created, and it
 * removes that file again if mapping it fails, so bad input leaves nothing
 * behind. An existing file is never truncated or extended.
 */
#include "hostmem.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Older C libraries lack these; the values are from <linux/mman.h>. */
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif


/* ---- device-dax geometry from sysfs ---- */

/* One decimal number from a sysfs attribute; missing is 0 if @optional. */
static bool read_sysfs_u64(const char *path, bool optional, uint64_t *out,
                           GError **errp)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;

    if (!g_file_get_contents(path, &text, NULL, &err)) {
        *out = 0;
        if (optional &&
            g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            return true;
        }
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "%s", err->message);
        return false;
    }
    size_t n = strlen(text);
    if (n > 0 && text[n - 1] == '\n') {
        text[n - 1] = '\0';
    }
    if (!nv_parse_uint(text, UINT64_MAX, out, NULL)) {
        g_autofree char *shown = g_strescape(text, NULL);
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "'%s' holds '%s', not a decimal number", path, shown);
        return false;
    }
    return true;
}

bool nv_hostmem_devdax_geometry(const char *sysfs_root, unsigned maj,
                                unsigned min, uint64_t *size, uint64_t *align,
                                GError **errp)
{
    g_autofree char *size_path = g_strdup_printf("%s/dev/char/%u:%u/size",
                                                 sysfs_root, maj, min);
    g_autofree char *align_path = g_strdup_printf(
        "%s/dev/char/%u:%u/device/align", sysfs_root, maj, min);
    uint64_t s, a;

    if (!read_sysfs_u64(size_path, false, &s, errp) ||
        !read_sysfs_u64(align_path, true, &a, errp)) {
        return false;
    }
    if (a & (a - 1)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "'%s' holds %" G_GUINT64_FORMAT ", not a power of two",
                    align_path, a);
        return false;
    }
    *size = s;
    *align = a;
    return true;
}

/* ---- prepare ---- */

/* size= given and different from what is there: never resize, refuse. */
static bool check_size(NvHostMem *hm, uint64_t actual, GError **errp)
{
    const char *path = hm->cfg.mem_path;
    if (hm->cfg.size_set && hm->cfg.size != actual) {
        g_autofree char *have = nv_format_size(actual);
        g_autofree char *want = nv_format_size(hm->cfg.size);
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "mem-path '%s' is %s but size=%s: an existing file is "
                    "never truncated or extended", path, have, want);
        return false;
    }
    if (actual == 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "mem-path '%s' is empty (0 bytes): nothing to map", path);
        return false;
    }
    hm->size = actual;
    return true;
}

/* A file that realize will create: its directory must be there, writable. */
static bool prepare_missing(NvHostMem *hm, GError **errp)
{
    const char *path = hm->cfg.mem_path;
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    struct stat st;

    if (hm->cfg.readonly) {
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "mem-path '%s' does not exist and readonly=on cannot "
                    "create it", path);
        return false;
    }
    if (!hm->cfg.size_set || hm->cfg.size == 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "mem-path '%s' does not exist and no size= was given to "
                    "create it", path);
        return false;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "cannot create mem-path '%s': directory '%s' does not "
                    "exist", path, dir);
        return false;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO,
                    "cannot create mem-path '%s' in '%s': %s", path, dir,
                    g_strerror(errno));
        return false;
    }
    /* Not there yet: it is known by its canonical path. */
    char *real = realpath(dir, NULL);
    g_free(hm->canon);
    hm->canon = real ? g_build_filename(real, base, NULL) : g_strdup(path);
    free(real);
    hm->ftype = NV_FILE_REGULAR;
    hm->size = hm->cfg.size;
    return true;
}

static bool prepare_block(NvHostMem *hm, GError **errp)
{
    uint64_t bytes = 0;
    int fd = open(hm->cfg.mem_path, O_RDONLY | O_CLOEXEC);
    int rc = fd < 0 ? -1 : ioctl(fd, BLKGETSIZE64, &bytes);
    int err = errno;
    if (fd >= 0) {
        close(fd);
    }
    if (rc != 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO,
                    "cannot get the size of block device mem-path '%s': %s",
                    hm->cfg.mem_path, g_strerror(err));
        return false;
    }
    hm->ftype = NV_FILE_BLOCK;
    return check_size(hm, bytes, errp);
}

/* Device-dax is the only character device that can back guest memory. */
static bool prepare_devdax(NvHostMem *hm, dev_t rdev, GError **errp)
{
    const char *path = hm->cfg.mem_path;
    g_autoptr(GError) why = NULL;
    uint64_t bytes, align;

    /* Other character devices have no dax size attribute in sysfs. */
    if (!nv_hostmem_devdax_geometry("/sys", major(rdev), minor(rdev), &bytes,
                                    &align, &why)) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "mem-path '%s' is a character device but not device-dax "
                    "(%s)", path, why->message);
        return false;
    }
    /* The kernel refuses private mappings of device-dax. */
    if (!hm->cfg.share) {
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "mem-path '%s' is device-dax, which needs share=on", path);
        return false;
    }
    /* cfg.align becomes the effective alignment: the device's if larger. */
    hm->ftype = NV_FILE_DEVDAX;
    hm->cfg.align = MAX(hm->cfg.align, align);
    return check_size(hm, bytes, errp);
}

bool nv_hostmem_file_prepare(NvHostMem *hm, GError **errp)
{
    const char *path = hm->cfg.mem_path;
    struct stat st;

    hm->size = 0;
    if (strlen(path) >= PATH_MAX) {
        g_autofree char *q = nv_quote(path);
        g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                    "mem-path '%s' is longer than PATH_MAX", q);
        return false;
    }
    if (stat(path, &st) != 0) {
        if (errno == ENOENT) {
            hm->exists = false;
            return prepare_missing(hm, errp);
        }
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "mem-path '%s': %s", path,
                    g_strerror(errno));
        return false;
    }
    hm->exists = true;
    hm->st_dev = st.st_dev;
    hm->st_ino = st.st_ino;
    hm->st_rdev = S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode) ? st.st_rdev : 0;
    g_clear_pointer(&hm->canon, g_free);
    if (access(path, hm->cfg.readonly ? R_OK : R_OK | W_OK) != 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "mem-path '%s': %s", path,
                    g_strerror(errno));
        return false;
    }
    if (S_ISREG(st.st_mode)) {
        hm->ftype = NV_FILE_REGULAR;
        return check_size(hm, (uint64_t)st.st_size, errp);
    }
    if (S_ISBLK(st.st_mode)) {
        return prepare_block(hm, errp);
    }
    if (S_ISCHR(st.st_mode)) {
        return prepare_devdax(hm, st.st_rdev, errp);
    }
    g_set_error(errp, NV_ERROR, NV_ERROR_INVALID,
                "mem-path '%s' is not a regular file, block device or "
                "device-dax device", path);
    return false;
}

/* ---- realize ---- */

/* MAP_SYNC refused (not DAX): say so, and loudly if the user said pmem=on. */
static void note_no_map_sync(NvHostMem *hm)
{
    hm->note = g_strdup("not on a DAX filesystem: mapped without MAP_SYNC, "
                        "persisted with msync");
    if (hm->cfg.pmem) {
        fprintf(stderr, "nvemu: warning: pmem=on but mem-path '%s': %s\n",
                hm->cfg.mem_path, hm->note);
    }
}

static bool map_file(NvHostMem *hm, GError **errp)
{
    const NvHostMemConfig *c = &hm->cfg;
    int prot = c->readonly ? PROT_READ : PROT_READ | PROT_WRITE;
    uint64_t al = MAX(c->align, NV_HOSTMEM_MAP_ALIGN);
    void *p;

    if (hm->ftype == NV_FILE_DEVDAX) {
        p = nv_hostmem_map_aligned(hm->size, al, prot, MAP_SHARED, hm->fd);
        hm->is_pmem = p != MAP_FAILED;
    } else if (!c->share) {
        p = nv_hostmem_map_aligned(hm->size, al, prot, MAP_PRIVATE, hm->fd);
        hm->note = g_strdup("share=off: guest writes stay in private memory "
                            "and are not saved to the file");
    } else if (c->readonly) {
        p = nv_hostmem_map_aligned(hm->size, al, prot, MAP_SHARED, hm->fd);
    } else {
        p = nv_hostmem_map_aligned(hm->size, al, prot,
                                   MAP_SHARED_VALIDATE | MAP_SYNC, hm->fd);
        hm->map_sync = hm->is_pmem = p != MAP_FAILED;
        if (p == MAP_FAILED && (errno == EOPNOTSUPP || errno == EINVAL)) {
            p = nv_hostmem_map_aligned(hm->size, al, prot, MAP_SHARED, hm->fd);
            if (p != MAP_FAILED) {
                note_no_map_sync(hm);
            }
        }
    }
    if (p == MAP_FAILED) {
        g_autofree char *sz = nv_format_size(hm->size);
        g_set_error(errp, NV_ERROR, NV_ERROR_IO,
                    "cannot map %s of mem-path '%s': %s", sz, c->mem_path,
                    g_strerror(errno));
        return false;
    }
    hm->addr = p;
    return true;
}

/*
 * Open mem-path, creating it (sparse, exactly hm->size bytes) if prepare
 * found it missing, and map it. On failure a file created here is removed.
 */
bool nv_hostmem_file_realize(NvHostMem *hm, GError **errp)
{
    const char *path = hm->cfg.mem_path;
    int mode = hm->cfg.readonly ? O_RDONLY : O_RDWR;
    struct stat st;

    hm->fd = open(path, (hm->exists ? mode : O_RDWR | O_CREAT | O_EXCL) |
                  O_CLOEXEC, 0644);
    hm->created = hm->fd >= 0 && !hm->exists;
    if (hm->fd < 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "cannot %s mem-path '%s': %s",
                    hm->exists ? "open" : "create", path, g_strerror(errno));
    } else if (hm->created && ftruncate(hm->fd, (off_t)hm->size) != 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO,
                    "cannot size new mem-path '%s': %s", path,
                    g_strerror(errno));
    } else if (fstat(hm->fd, &st) != 0 ||
               (hm->ftype == NV_FILE_REGULAR &&
                (uint64_t)st.st_size != hm->size)) {
        /* mapping past the end of a file that shrank would mean SIGBUS */
        g_set_error(errp, NV_ERROR, NV_ERROR_CONFLICT,
                    "mem-path '%s' changed size since it was checked", path);
    } else if (map_file(hm, errp)) {
        if (hm->created) {
            hm->st_dev = st.st_dev;
            hm->st_ino = st.st_ino;
        }
        if (!hm->cfg.prealloc || nv_hostmem_prealloc(hm, errp)) {
            return true;
        }
        munmap(hm->addr, hm->size);
        hm->addr = NULL;
    }
    if (hm->fd >= 0) {
        close(hm->fd);
        hm->fd = -1;
    }
    /* Only a file this call created is removed; never a user's file. */
    if (hm->created) {
        unlink(path);
        hm->created = false;
    }
    g_clear_pointer(&hm->note, g_free);
    hm->map_sync = hm->is_pmem = false;
    return false;
}

/* ---- identity and clean-up ---- */

bool nv_hostmem_same_file(const NvHostMem *a, const NvHostMem *b)
{
    if (a->cfg.kind != NV_HOSTMEM_FILE || b->cfg.kind != NV_HOSTMEM_FILE) {
        return false;
    }
    if (a->canon || b->canon) {
        return a->canon && b->canon && strcmp(a->canon, b->canon) == 0;
    }
    if (a->st_rdev && a->st_rdev == b->st_rdev) {
        return true; /* two device nodes for one device */
    }
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

void nv_hostmem_remove_created(NvHostMem *hm)
{
    if (hm->addr) {
        munmap(hm->addr, hm->size);
        hm->addr = NULL;
    }
    if (hm->fd >= 0) {
        close(hm->fd);
        hm->fd = -1;
    }
    /* back to the state prepare left, so realize may run again */
    g_clear_pointer(&hm->note, g_free);
    hm->map_sync = hm->is_pmem = false;
    if (!hm->created) {
        return;
    }
    hm->created = false;
    /* Still the file this start made (nobody replaced it meanwhile)? */
    struct stat st;
    if (lstat(hm->cfg.mem_path, &st) == 0 && st.st_dev == hm->st_dev &&
        st.st_ino == hm->st_ino) {
        unlink(hm->cfg.mem_path);
    }
}
