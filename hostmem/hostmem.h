/*
 * hostmem/ — memory backends: where a DIMM's bytes live on the host.
 *
 * Contract:
 *  - A backend is configured from a QEMU-style -object string, then
 *    *prepared* (inspect the file, decide its size and type: no file is
 *    created, truncated or mapped), then *realized* (create a missing file
 *    sparse, map it). Configuration errors surface at prepare time so that a
 *    bad command line never leaves a file behind.
 *  - An existing file is never truncated or extended: if size= disagrees with
 *    the file's size that is an error. prealloc=on reserves its space without
 *    changing a byte of it.
 *  - A backend remembers whether realize created its file, so a failed start
 *    can remove exactly that (nv_hostmem_remove_created()).
 *  - nv_hostmem_persist() is the one way to make bytes stored through the
 *    mapping durable (nv_hostmem_sync_written() for bytes written with
 *    nv_hostmem_pwrite()): pmem_persist()
 *    where the mapping is synchronous persistent memory (MAP_SYNC on a DAX
 *    filesystem, or device-dax; libpmem is loaded on that first use, and
 *    without it msync() serves, after one warning), msync() of the covering
 *    pages otherwise.
 *    Failures are returned, never ignored.
 *  - Works without KVM.
 */
#ifndef NVEMU_HOSTMEM_H
#define NVEMU_HOSTMEM_H

#include "util.h"

#include <sys/types.h>

typedef enum {
    NV_HOSTMEM_RAM,  /* memory-backend-ram: anonymous memory (memfd) */
    NV_HOSTMEM_FILE, /* memory-backend-file */
} NvHostMemKind;

typedef enum {
    NV_FILE_NONE,    /* RAM backend */
    NV_FILE_REGULAR, /* a regular file (maybe on a DAX filesystem) */
    NV_FILE_BLOCK,   /* a block device such as /dev/pmem0 */
    NV_FILE_DEVDAX,  /* a device-dax character device such as /dev/dax0.0 */
} NvFileType;

typedef struct {
    NvHostMemKind kind;
    char *id;
    char *mem_path;   /* file backends only */
    uint64_t size;    /* 0 with size_set false: take the file's size */
    bool size_set;
    bool share;       /* MAP_SHARED (default off, as in QEMU) */
    bool readonly;    /* open O_RDONLY, map PROT_READ */
    uint64_t align;   /* host mapping alignment; 0 = page (or device-dax align) */
    bool pmem;        /* pmem=on: the user says this file is persistent memory */
    bool prealloc;    /* prealloc=on: reserve the space before the guest runs */
} NvHostMemConfig;

/* What a guest flush (a write to the NVDIMM's flush-hint page) needs from
 * nvemu to make the guest's stores durable. See nv_hostmem_flush(). */
typedef enum {
    /* Nothing nvemu can do makes them more durable: RAM, share=off,
     * readonly, and file systems whose fsync is a no-op (tmpfs, ramfs,
     * hugetlbfs: the file lives in the host's memory; it survives nvemu and
     * the guest, not the host). */
    NV_FLUSH_NONE,
    /* Synchronous persistent memory (MAP_SYNC on a DAX file system,
     * device-dax): the guest's stores reach the media through its own
     * cache flushes, which act on the same physical caches; the host has
     * nothing to write back. */
    NV_FLUSH_CPU,
    /* A page-cache file (a file system that keeps its files, a block
     * device): msync of the mapping, which writes back what is dirty and
     * has the file system commit and flush its device. */
    NV_FLUSH_MSYNC,
} NvFlushWork;

typedef struct NvHostMem {
    NvHostMemConfig cfg;

    /* Known after prepare: */
    NvFileType ftype;
    uint64_t size;      /* effective size in bytes */
    bool exists;        /* the file existed at prepare time */
    /* Which file mem-path is, to find one file given twice: (dev, ino) of
     * an existing file (rdev for a device), else its canonical path. */
    dev_t st_dev, st_rdev;
    ino_t st_ino;
    char *canon;        /* canonical path of a missing file, or NULL */

    /* Known after realize: */
    int fd;             /* -1 when not open */
    uint8_t *addr;      /* mapping of [0, size), NULL before realize */
    bool created;       /* realize created the file (st_dev/st_ino: it) */
    bool map_sync;      /* mapped with MAP_SHARED_VALIDATE | MAP_SYNC */
    bool is_pmem;       /* persist with pmem_persist() rather than msync() */
    char *note;         /* how it was mapped when not the obvious way, or NULL */

    bool in_use;        /* bound to a DIMM (memdev= may name it only once) */
    uint64_t flushes;   /* persist calls that flushed (pmem_persist, msync) */

    /* Guest flushes (flush.c): what one needs, set by realize; the group
     * commit's state under flush_lock. */
    NvFlushWork flush_work;
    GMutex flush_lock;
    GCond flush_done_cond;
    bool flush_running;     /* an msync of the whole mapping is under way */
    uint64_t flush_started; /* msyncs started (the one running included) */
    uint64_t flush_done;    /* msyncs finished: 1..flush_done */
    uint64_t flush_failed;  /* the number of the last msync that failed */
    char *flush_error;      /* and what went wrong */
    uint64_t flush_requests; /* nv_hostmem_flush calls (atomic) */
    /* tests: called before msync number n of a flush, unlocked */
    void (*flush_hook)(struct NvHostMem *hm, uint64_t n);
    int persist_fault;  /* tests: when non-zero, persist (and sync_written)
                           fail with this errno */
} NvHostMem;

/*
 * Build a backend from an -object option string, e.g.
 * "memory-backend-file,id=mem0,mem-path=a.img,size=4G,share=on".
 * Unknown qom-types and unknown properties are errors.
 */
NvHostMem *nv_hostmem_new_from_opts(NvOpts *opts, GError **errp);
NvHostMem *nv_hostmem_new(const NvHostMemConfig *cfg);
void nv_hostmem_free(NvHostMem *hm); /* unmaps and closes; never deletes files */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvHostMem, nv_hostmem_free)

/* Inspect: file type and size, size= check, permissions. No side effects. */
bool nv_hostmem_prepare(NvHostMem *hm, GError **errp);
/* Create the file if missing (sparse, exactly size bytes) and map it. */
bool nv_hostmem_realize(NvHostMem *hm, GError **errp);

/* Do two prepared file backends name the same file (through symlinks,
 * hard links or another spelling of the path)? */
bool nv_hostmem_same_file(const NvHostMem *a, const NvHostMem *b);

/* Unmap, close, and delete the file if this backend's realize created it
 * (and it is still that file). A file that existed before is never
 * removed. Used when a start fails before the guest has run. */
void nv_hostmem_remove_created(NvHostMem *hm);

/*
 * prealloc=on, done by realize once mapped: a regular file gets its blocks
 * with fallocate() (which never changes what the file holds), anything
 * else (RAM, share=off, devices, filesystems without fallocate) has its
 * pages populated for writing. From 1 GiB up it reports progress on
 * stderr. Errors (ENOSPC, ENOMEM) name the backend and its file.
 */
#define NV_PREALLOC_PROGRESS_MIN GiB
bool nv_hostmem_prealloc(NvHostMem *hm, GError **errp);

/*
 * A guest flush of the whole backend: when it returns true, every store
 * the guest made to the mapping before the call is as durable as the
 * backing file can make it. By hm->flush_work: NONE and CPU return at once
 * (no system call); MSYNC persists the whole mapping, as a group commit:
 * a call that arrives while an msync is under way (it may have passed the
 * caller's stores already) waits for it and then for the next one, which
 * starts after the call and covers it; one msync serves every call that
 * arrived while the previous one ran. Thread-safe. Fails (the guest
 * cannot be told, the caller reports it) when the msync covering the
 * call, or one after it, failed.
 */
bool nv_hostmem_flush(NvHostMem *hm, GError **errp);
/* Set hm->flush_work from the realized mapping (realize calls it). */
void nv_hostmem_flush_classify(NvHostMem *hm);
const char *nv_hostmem_flush_work_name(NvFlushWork w);

/* Make [offset, offset+len) durable. Bounds-checked against hm->size. */
bool nv_hostmem_persist(NvHostMem *hm, uint64_t offset, uint64_t len,
                        GError **errp);

/*
 * File I/O on a backend (hostmem-io.c), for bytes that must never be
 * reached through the mapping: a store into the mapping of a sparse file the
 * filesystem cannot back raises SIGBUS, pwrite() returns ENOSPC or EIO.
 * nv_hostmem_fd_io() says whether the backend has such a descriptor: a
 * realized shared (share=on) regular file or block device; device-dax (no
 * read/write) and RAM backends have none and keep using the mapping.
 * pread/pwrite loop over short transfers and EINTR; on failure the GError
 * message is the errno text alone (the caller names the device and file)
 * and *written (may be NULL) tells how many leading bytes did reach the
 * file. nv_hostmem_sync_written() makes bytes written so durable (msync
 * MS_SYNC of the covering pages: an fdatasync of that range, which also
 * commits blocks a pwrite allocated; right for MAP_SYNC files too) and
 * honours persist_fault.
 */
bool nv_hostmem_fd_io(const NvHostMem *hm);
bool nv_hostmem_pread(NvHostMem *hm, uint64_t off, void *buf, uint64_t len,
                      GError **errp);
bool nv_hostmem_pwrite(NvHostMem *hm, uint64_t off, const void *buf,
                       uint64_t len, uint64_t *written, GError **errp);
bool nv_hostmem_sync_written(NvHostMem *hm, uint64_t off, uint64_t len,
                             GError **errp);

/* "regular file", "file on a DAX filesystem", "block device", ... */
const char *nv_hostmem_type_name(const NvHostMem *hm);

/*
 * Device-dax geometry from sysfs: <sysfs_root>/dev/char/<maj>:<min>/size and
 * .../device/align. @sysfs_root is "/sys" in production; tests pass a fake
 * tree. *align is 0 where the kernel has no align attribute.
 */
bool nv_hostmem_devdax_geometry(const char *sysfs_root, unsigned maj,
                                unsigned min, uint64_t *size, uint64_t *align,
                                GError **errp);

/* Internal to hostmem/: the file backend's steps, called by hostmem.c, and
 * the aligned mmap both backends use. Every backend is mapped at a host
 * address that is a multiple of NV_HOSTMEM_MAP_ALIGN (or of align=, if
 * larger), so that KVM can back 2 MiB of guest memory with one 2 MiB host
 * page (a transparent huge page, or a PMD fault on DAX). */
#define NV_HOSTMEM_MAP_ALIGN (UINT64_C(2) << 20)
void *nv_hostmem_map_aligned(uint64_t len, uint64_t align, int prot,
                             int flags, int fd);
bool nv_hostmem_file_prepare(NvHostMem *hm, GError **errp);
bool nv_hostmem_file_realize(NvHostMem *hm, GError **errp);

#endif
