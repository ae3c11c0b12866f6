/*
 * tests/test-cli.c — the nvemu program as a user meets it.
 *
 * Each bad-input case runs the real binary (path in $NVEMU) in a scratch
 * directory holding the case's files, and checks: exit status 1, nothing on
 * stdout, exactly one stderr line "nvemu: ..." naming the option and value,
 * and no file created, truncated, extended or rewritten.
 */
#include "util.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The table leaves trailing fields out (zero: a regular file, no env). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* What a case's scratch directory holds before the run. */
enum {
    F_REG,     /* a regular file of .size bytes (a pattern, then a hole) */
    F_DIR,     /* a directory */
    F_FIFO,    /* a named pipe */
    F_SYMLINK, /* a symbolic link to .target */
    F_LINK,    /* a hard link to .target (made earlier in the list) */
    F_RO,      /* a regular file of .size bytes, mode 0444 */
    F_BZIMAGE, /* a bzImage header (protocol 2.15, cmdline_size 255) */
    F_BZIMAGE_OLD, /* the same with boot protocol 2.11 */
    F_IMMUTABLE, /* a regular file of .size bytes, chattr +i: even root
                    cannot write it */
};

typedef struct {
    const char *name;
    uint64_t size;
    int kind;
    const char *target;
} FileSpec;

#define NFILES 4

typedef struct {
    const char *test;          /* GTest path under /cli/bad/ */
    FileSpec files[NFILES];    /* created before the run, checked after */
    const char *args[16];      /* nvemu arguments */
    const char *expect[4];     /* substrings the error line must contain */
    const char *phys_bits;     /* NVEMU_PHYS_BITS for the run, or NULL */
    bool one_of;               /* expect: any one of them, not all */
    bool not_as_root;          /* root may write a 0444 file: skip */
} BadCase;

/* Arguments too long to write out: built once in main(). */
static char *huge;    /* 100000 'a's (Linux takes 128K per argument) */
static char *huge_obj, *huge_dev, *huge_path, *huge_opt, *long_id;
static char *long_append; /* 300 bytes, past the bzImage's 255 */

#define NVFILE(sz) "memory-backend-file,id=m0,share=on,mem-path=pmem.img" sz
#define M128 (128 * MiB)

static BadCase bad_cases[] = {
    { "unknown-option", {{0}}, { "-frobnicate" },
      { "unknown option '-frobnicate'" } },
    { "unknown-property", {{ "pmem.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(""),
        "-device", "nvdimm,id=nv0,memdev=m0,colour=red" },
      { "-device nvdimm", "unknown property 'colour'" } },
    { "unknown-object-property", {{0}},
      { "-object", "memory-backend-ram,id=r0,size=1G,speed=fast" },
      { "-object", "unknown property 'speed'" } },
    { "bad-size-suffix", {{0}},
      { "-object", "memory-backend-file,id=m0,mem-path=pmem.img,size=4Q" },
      { "-object", "size", "'4Q'" } },
    { "bad-ram-size-suffix", {{0}}, { "-m", "1X" }, { "-m 1X", "'1X'" } },
    { "memdev-missing", {{0}},
      { "-m", "1G,slots=2,maxmem=4G", "-device", "nvdimm,id=nv0" },
      { "-device nvdimm,id=nv0", "memdev= is required" } },
    { "memdev-unknown", {{0}},
      { "-m", "1G,slots=2,maxmem=4G", "-device", "nvdimm,id=nv0,memdev=nope" },
      { "-device nvdimm,id=nv0", "memdev=nope" } },
    { "memdev-used-twice", {{ "pmem.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(""),
        "-device", "nvdimm,id=nv0,memdev=m0",
        "-device", "nvdimm,id=nv1,memdev=m0" },
      { "-device nvdimm,id=nv1", "memdev=m0", "already used by -device "
        "nvdimm,id=nv0" } },
    { "duplicate-object-id", {{0}},
      { "-object", "memory-backend-ram,id=r0,size=128M",
        "-object", "memory-backend-ram,id=r0,size=256M" },
      { "-object", "id=r0 is already used" } },
    { "duplicate-device-id", {{0}},
      { "-m", "1G,slots=2,maxmem=4G",
        "-object", "memory-backend-ram,id=r0,size=128M",
        "-object", "memory-backend-ram,id=r1,size=128M",
        "-device", "pc-dimm,id=d0,memdev=r0",
        "-device", "pc-dimm,id=d0,memdev=r1" },
      { "-device", "id=d0 is already used" } },
    { "label-size-too-small", {{ "pmem.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(""),
        "-device", "nvdimm,id=nv0,memdev=m0,label-size=64K" },
      { "-device nvdimm", "label-size=64K", "128K" } },
    { "label-size-too-large", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,label-size=2G" },
      { "-device nvdimm", "label-size=2G", "maximum of 1G" } },
    { "file-too-small-for-label", {{ "pmem.img", M128 }},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(""),
        "-device", "nvdimm,id=nv0,memdev=m0,label-size=128K" },
      { "-device nvdimm,id=nv0", "memdev=m0 is 128M", "too small",
        "label-size=128K" } },
    { "file-size-differs", {{ "pmem.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(",size=512M"),
        "-device", "nvdimm,id=nv0,memdev=m0" },
      { "-object memory-backend-file,id=m0", "pmem.img", "512M" } },
    { "missing-file-without-size", {{0}},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(""),
        "-device", "nvdimm,id=nv0,memdev=m0" },
      { "-object memory-backend-file,id=m0", "pmem.img", "size=" } },
    { "slot-out-of-range", {{ "pmem.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(""),
        "-device", "nvdimm,id=nv0,memdev=m0,slot=2" },
      { "-device nvdimm,id=nv0", "slot=2", "out of range" } },
    { "slot-beyond-maximum", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,slot=300" },
      { "-device", "slot", "'300'" } },
    { "slot-taken", {{ "a.img", 2 * M128 }, { "b.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G",
        "-object", "memory-backend-file,id=a,mem-path=a.img,share=on",
        "-object", "memory-backend-file,id=b,mem-path=b.img,share=on",
        "-device", "nvdimm,id=nv0,memdev=a,slot=1",
        "-device", "nvdimm,id=nv1,memdev=b,slot=1" },
      { "-device nvdimm,id=nv1", "slot=1", "taken by -device nvdimm,id=nv0" } },
    { "more-dimms-than-slots", {{ "a.img", 2 * M128 }, { "b.img", 2 * M128 }},
      { "-m", "1G,slots=1,maxmem=4G",
        "-object", "memory-backend-file,id=a,mem-path=a.img,share=on",
        "-object", "memory-backend-file,id=b,mem-path=b.img,share=on",
        "-device", "nvdimm,id=nv0,memdev=a",
        "-device", "nvdimm,id=nv1,memdev=b" },
      { "-device nvdimm,id=nv1", "no free slot", "1 slot" } },
    { "over-maxmem", {{ "a.img", 4 * M128 }, { "b.img", 4 * M128 }},
      { "-m", "1G,slots=4,maxmem=1664M",
        "-object", "memory-backend-file,id=a,mem-path=a.img,share=on",
        "-object", "memory-backend-file,id=b,mem-path=b.img,share=on",
        "-device", "nvdimm,id=nv0,memdev=a",
        "-device", "nvdimm,id=nv1,memdev=b" },
      { "-device nvdimm,id=nv1", "2G", "over maxmem=1664M" } },
    { "node-out-of-range", {{ "pmem.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(""),
        "-device", "nvdimm,id=nv0,memdev=m0,node=1" },
      { "-device nvdimm,id=nv0", "node=1", "out of range" } },
    { "readonly-labels-armed", {{ "pmem.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G",
        "-object", NVFILE(",readonly=on"),
        "-device", "nvdimm,id=nv0,memdev=m0,label-size=128K" },
      { "-device nvdimm,id=nv0", "readonly=on", "unarmed=on" } },
    { "duplicate-uuid", {{ "a.img", 2 * M128 }, { "b.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G",
        "-object", "memory-backend-file,id=a,mem-path=a.img,share=on",
        "-object", "memory-backend-file,id=b,mem-path=b.img,share=on",
        "-device", "nvdimm,id=nv0,memdev=a,uuid=11111111-2222-3333-4444-"
                   "555555555555",
        "-device", "nvdimm,id=nv1,memdev=b,uuid=11111111-2222-3333-4444-"
                   "555555555555" },
      { "-device nvdimm,id=nv1", "uuid=11111111-2222-3333-4444-555555555555",
        "already used by -device nvdimm,id=nv0" } },
    { "maxmem-below-ram", {{0}}, { "-m", "2G,slots=2,maxmem=1G" },
      { "-m 2G,slots=2,maxmem=1G", "maxmem=1G" } },
    { "slots-without-maxmem", {{0}}, { "-m", "1G,slots=2" },
      { "-m 1G,slots=2", "maxmem" } },
    { "smp-zero", {{0}}, { "-smp", "0" }, { "-smp 0" } },
    { "missing-value", {{0}}, { "-m" }, { "-m needs a value" } },
    { "bad-bool", {{0}},
      { "-object", "memory-backend-file,id=m0,mem-path=x,share=maybe" },
      { "-object", "share", "'maybe'" } },

    /* ---- issue 10: hostile command lines ---- */
    /* -m */
    { "m-empty", {{0}}, { "-m", "" }, { "-m ''", "empty value" } },
    { "m-twice", {{0}}, { "-m", "1G", "-m", "2G" },
      { "-m 2G", "second time" } },
    { "m-negative", {{0}}, { "-m", "-1G" }, { "-m -1G", "'-1G'" } },
    { "m-huge", {{0}}, { "-m", "18446744073709551615" },
      { "-m 18446744073709551615", "too large" } },
    { "m-maxmem-near-2^64", {{0}},
      { "--print-memory-map", "-m", "1G,slots=1,maxmem=17179869183G" },
      { "-m", "guest physical address limit" } },
    { "m-slots-huge", {{0}},
      { "-m", "1G,slots=99999999999999999999,maxmem=2G" },
      { "-m", "slots", "'99999999999999999999'" } },
    { "m-unknown-key", {{0}}, { "-m", "1G,colour=blue" },
      { "-m 1G,colour=blue", "unknown property 'colour'" } },
    /* sizes that wrap */
    { "size-2^64-1", {{0}},
      { "--print-memory-map", "-m", "1G,slots=1,maxmem=2G", "-object",
        "memory-backend-file,id=m0,share=on,mem-path=pmem.img,"
        "size=18446744073709551615",
        "-device", "nvdimm,id=nv0,memdev=m0" },
      { "-object memory-backend-file,id=m0", "18446744073709551615",
        "guest physical address limit" } },
    { "size-2^64-overflow", {{0}},
      { "-object", "memory-backend-ram,id=r0,size=18446744073709551616" },
      { "-object", "size", "too large" } },
    { "ram-backend-8E", {{0}},
      { "--print-memory-map", "-m", "1G,slots=2,maxmem=4G",
        "-object", "memory-backend-ram,id=r0,size=8E",
        "-object", "memory-backend-ram,id=r1,size=8E",
        "-device", "pc-dimm,id=d0,memdev=r0",
        "-device", "pc-dimm,id=d1,memdev=r1" },
      { "-object memory-backend-ram,id=r0", "8E" } },
    { "size-negative", {{0}},
      { "-object", "memory-backend-ram,id=r0,size=-1" },
      { "-object", "size", "'-1'" } },
    { "size-empty", {{0}}, { "-object", "memory-backend-ram,id=r0,size=" },
      { "-object", "size", "''" } },
    { "size-fraction-bytes", {{0}},
      { "-object", "memory-backend-ram,id=r0,size=1.3K" },
      { "-object", "'1.3K'", "whole number" } },
    /* the guest-physical limit and where it comes from */
    { "over-phys-limit", {{0}},
      { "--print-memory-map", "-m", "1G,slots=2,maxmem=2T" },
      { "maxmem=2T", "limit 1T", "NVEMU_PHYS_BITS=40" }, "40" },
    { "phys-bits-bad", {{0}}, { "--print-memory-map" },
      { "NVEMU_PHYS_BITS=99", "32 to 52" }, "99" },
    /* -smp */
    { "smp-negative", {{0}}, { "-smp", "-1" }, { "-smp -1", "'-1'" } },
    { "smp-empty", {{0}}, { "-smp", "" }, { "-smp ''" } },
    { "smp-huge", {{0}}, { "-smp", "18446744073709551616" },
      { "-smp 18446744073709551616", "out of range" } },
    { "smp-unknown-key", {{0}}, { "-smp", "2,books=2" },
      { "-smp 2,books=2", "unknown property 'books'" } },
    { "smp-topology-mismatch", {{0}}, { "-smp", "2,threads=4" },
      { "-smp 2,threads=4", "is 4, not the 2 vCPUs" } },
    { "smp-topology-zero", {{0}}, { "-smp", "sockets=0" },
      { "-smp sockets=0", "sockets=0" } },
    { "smp-maxcpus", {{0}}, { "-smp", "2,maxcpus=4" },
      { "-smp 2,maxcpus=4", "no CPU hotplug" } },

    /* -numa node,cpus= */
    { "numa-cpus-not-a-number", {{0}}, { "-numa", "node,cpus=x" },
      { "-numa node,cpus=x", "cpus=x", "A-B" } },
    { "numa-cpus-reversed", {{0}}, { "-smp", "4", "-numa", "node,cpus=3-1" },
      { "-numa node,cpus=3-1", "cpus=3-1", "A <= B" } },
    { "numa-cpus-too-big", {{0}}, { "-numa", "node,cpus=64" },
      { "-numa node,cpus=64", "below 64" } },
    { "numa-cpus-three-ends", {{0}}, { "-numa", "node,cpus=0-1-2" },
      { "-numa node,cpus=0-1-2", "cpus=0-1-2" } },
    { "numa-cpus-beyond-smp", {{0}},
      { "-numa", "node", "-numa", "node,nodeid=1,cpus=1-2", "-smp", "2" },
      { "-numa node,nodeid=1,cpus=1-2", "vCPU 2 does not exist",
        "-smp 2" } },
    { "numa-cpus-twice", {{0}},
      { "-smp", "4", "-numa", "node,cpus=0-1",
        "-numa", "node,nodeid=1,cpus=1-3" },
      { "-numa node,nodeid=1,cpus=1-3", "vCPU 1 is already on node 0" } },

    /* ---- issue 11: QEMU options refused, each with one line ---- */
    { "accel-tcg", {{0}}, { "-accel", "tcg" },
      { "-accel tcg", "KVM only" } },
    { "accel-kvm-irqchip-split", {{0}}, { "-accel", "kvm,kernel-irqchip=split" },
      { "-accel kvm,kernel-irqchip=split", "in-kernel irqchip" } },
    { "accel-kvm-unknown-key", {{0}}, { "-accel", "kvm,dirty-ring-size=4096" },
      { "-accel kvm,dirty-ring-size=4096", "unknown property 'dirty-ring-size'" } },
    { "machine-accel-tcg", {{0}}, { "-machine", "accel=tcg" },
      { "-machine accel=tcg", "KVM only" } },
    { "cpu-named-model", {{0}}, { "-cpu", "qemu64" },
      { "-cpu qemu64", "named CPU models are not emulated", "-cpu host" } },
    { "cpu-epyc", {{0}}, { "-cpu", "EPYC" }, { "-cpu EPYC", "-cpu host" } },
    { "cpu-host-feature", {{0}}, { "-cpu", "host,+avx512f" },
      { "-cpu host,+avx512f", "CPU features cannot be changed" } },
    { "cpu-host-feature-off", {{0}}, { "-cpu", "host,pmu=off" },
      { "-cpu host,pmu=off", "CPU features cannot be changed" } },
    { "name-empty", {{0}}, { "-name", "" }, { "-name ''", "empty name" } },
    { "name-unknown-key", {{0}}, { "-name", "vm,colour=red" },
      { "-name vm,colour=red", "unknown property 'colour'" } },
    { "display-gtk", {{0}}, { "-display", "gtk" },
      { "-display gtk", "no display" } },
    { "vga-std", {{0}}, { "-vga", "std" }, { "-vga std", "no graphics card" } },
    { "net-user", {{0}}, { "-net", "user" },
      { "-net user", "no network device" } },
    { "nic-user", {{0}}, { "-nic", "user" },
      { "-nic user", "no network device" } },
    { "monitor-stdio", {{0}}, { "-monitor", "stdio" },
      { "-monitor stdio", "no human monitor", "-qmp" } },
    { "serial-tcp", {{0}}, { "-serial", "tcp::4444,server" },
      { "-serial tcp::4444,server", "not supported" } },
    { "serial-file-empty", {{0}}, { "-serial", "file:" },
      { "-serial file:", "not supported" } },
    { "serial-twice", {{0}},
      { "-serial", "file:a.log", "-serial", "file:b.log" },
      { "-serial file:b.log", "one serial port" } },
    { "daemonize-nographic", {{0}},
      { "-daemonize", "-nographic", "-serial", "file:c.log" },
      { "-daemonize", "-nographic" } },
    { "daemonize-serial-stdio", {{0}}, { "-daemonize", "-serial", "stdio" },
      { "-daemonize", "-serial stdio" } },
    { "log-file-empty", {{0}}, { "-D", "" }, { "-D ''", "empty file name" } },
    { "rtc-localtime", {{0}}, { "-rtc", "base=localtime" },
      { "-rtc base=localtime", "only base=utc" } },
    { "rtc-date", {{0}}, { "-rtc", "base=2006-06-17T16:01:21" },
      { "-rtc base=2006-06-17T16:01:21", "only base=utc" } },
    { "rtc-clock-vm", {{0}}, { "-rtc", "clock=vm" },
      { "-rtc clock=vm", "only clock=host" } },
    { "rtc-driftfix-slew", {{0}}, { "-rtc", "base=utc,driftfix=slew" },
      { "-rtc base=utc,driftfix=slew", "only driftfix=none" } },
    { "boot-bad-drive", {{0}}, { "-boot", "order=z" },
      { "-boot order=z", "letters a to p" } },
    { "boot-unknown-key", {{0}}, { "-boot", "c,colour=red" },
      { "-boot c,colour=red", "unknown property 'colour'" } },
    { "unknown-qemu-option", {{0}}, { "-usb" }, { "unknown option '-usb'" } },
    { "unknown-qemu-option-with-value", {{0}}, { "-chardev", "stdio,id=c0" },
      { "unknown option '-chardev'" } },
    { "huge-cpu-model", {{0}}, { "-cpu" }, { "-cpu aaaa", "bytes)" } },
    /* empty strings, unknown keys, duplicates */
    { "object-empty", {{0}}, { "-object", "" },
      { "-object ''", "unknown object type ''" } },
    { "device-empty", {{0}}, { "-device", "" },
      { "-device ''", "unknown device ''" } },
    { "object-id-empty", {{0}},
      { "-object", "memory-backend-ram,id=,size=1G" },
      { "-object", "'id' is required" } },
    { "object-key-twice", {{0}},
      { "-object", "memory-backend-ram,id=r0,size=1G,size=2G" },
      { "-object", "'size' given twice" } },
    { "mem-path-empty", {{0}},
      { "-object", "memory-backend-file,id=m0,mem-path=,size=1G" },
      { "-object", "'mem-path' is required" } },
    { "file-unknown-key", {{0}},
      { "-object", "memory-backend-file,id=m0,mem-path=pmem.img,size=1G,"
        "sharee=on" },
      { "-object", "unknown property 'sharee'" } },
    { "addr-garbage", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,addr=0xZZ" },
      { "-device", "'0xZZ'", "not an address" } },
    { "addr-2^64-1", {{ "pmem.img", 2 * M128 }},
      { "--print-memory-map", "-m", "1G,slots=2,maxmem=4G", "-object",
        NVFILE(""), "-device", "nvdimm,id=nv0,memdev=m0,addr=0xffffffffffffffff" },
      { "-device nvdimm,id=nv0", "addr=0xffffffffffffffff" } },
    { "uuid-garbage", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,uuid=not-a-uuid" },
      { "-device", "'not-a-uuid'", "not a UUID" } },
    { "label-size-16E", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,label-size=16E" },
      { "-device", "label-size", "too large" } },
    { "prealloc-bad-bool", {{0}},
      { "-object", "memory-backend-ram,id=r0,size=1G,prealloc=maybe" },
      { "-object", "prealloc", "'maybe'" } },
    { "prealloc-readonly", {{ "pmem.img", 2 * M128 }},
      { "-object", NVFILE(",readonly=on,prealloc=on") },
      { "-object", "prealloc=on", "readonly=on" } },
    /* files that cannot be a backend */
    { "mem-path-directory", {{ "dir", 0, F_DIR }},
      { "--print-memory-map", "-object",
        "memory-backend-file,id=m0,share=on,mem-path=dir" },
      { "-object memory-backend-file,id=m0", "'dir'", "not a regular file" } },
    { "mem-path-fifo", {{ "fifo", 0, F_FIFO }},
      { "--print-memory-map", "-object",
        "memory-backend-file,id=m0,share=on,mem-path=fifo" },
      { "-object memory-backend-file,id=m0", "'fifo'", "not a regular file" } },
    { "mem-path-dev-null", {{0}},
      { "--print-memory-map", "-object",
        "memory-backend-file,id=m0,share=on,mem-path=/dev/null" },
      { "-object memory-backend-file,id=m0", "/dev/null", "not device-dax" } },
    { "mem-path-empty-file", {{ "pmem.img", 0 }},
      { "--print-memory-map", "-object", NVFILE("") },
      { "-object memory-backend-file,id=m0", "pmem.img", "empty" } },
    { "mem-path-readonly-share-on", {{ "ro.img", 2 * M128, F_RO }},
      { "--print-memory-map", "-object",
        "memory-backend-file,id=m0,share=on,mem-path=ro.img" },
      { "-object memory-backend-file,id=m0", "ro.img", "Permission denied" },
      .not_as_root = true },
    { "mem-path-immutable-share-on", {{ "ro.img", 2 * M128, F_IMMUTABLE }},
      { "--print-memory-map", "-object",
        "memory-backend-file,id=m0,share=on,mem-path=ro.img" },
      { "-object memory-backend-file,id=m0", "ro.img",
        "Operation not permitted" } },
    { "mem-path-dir-missing", {{0}},
      { "--print-memory-map", "-object",
        "memory-backend-file,id=m0,share=on,mem-path=no/such/dir/p.img,"
        "size=1G" },
      { "-object memory-backend-file,id=m0", "no/such/dir/p.img" } },
    /* one file, two uses */
    { "same-mem-path-symlink",
      {{ "a.img", 2 * M128 }, { "link.img", 0, F_SYMLINK, "a.img" }},
      { "--print-memory-map", "-m", "1G,slots=2,maxmem=4G",
        "-object", "memory-backend-file,id=mem0,share=on,mem-path=a.img",
        "-object", "memory-backend-file,id=mem1,share=on,mem-path=link.img" },
      { "-object memory-backend-file,id=mem1: mem-path=link.img is the same "
        "file as mem-path of -object memory-backend-file,id=mem0 (a.img)" } },
    { "same-mem-path-hardlink",
      {{ "a.img", 2 * M128 }, { "hard.img", 0, F_LINK, "a.img" }},
      { "--print-memory-map", "-m", "1G,slots=2,maxmem=4G",
        "-object", "memory-backend-file,id=mem0,share=on,mem-path=a.img",
        "-object", "memory-backend-file,id=mem1,share=on,mem-path=hard.img" },
      { "id=mem1: mem-path=hard.img is the same file", "id=mem0 (a.img)" } },
    { "same-new-mem-path", {{0}},
      { "--print-memory-map", "-m", "1G,slots=2,maxmem=4G",
        "-object", "memory-backend-file,id=mem0,share=on,mem-path=n.img,"
        "size=1G",
        "-object", "memory-backend-file,id=mem1,share=on,mem-path=./n.img,"
        "size=1G" },
      { "id=mem1: mem-path=./n.img is the same file", "id=mem0 (n.img)" } },
    { "label-file-is-mem-path",
      {{ "a.img", 2 * M128 }, { "b.lbl", 0, F_SYMLINK, "a.img" }},
      { "--print-memory-map", "-m", "1G,slots=2,maxmem=4G",
        "-object", "memory-backend-file,id=mem0,share=on,mem-path=a.img",
        "-device", "nvdimm,id=nv1,memdev=mem0,label-file=b.lbl" },
      { "-device nvdimm,id=nv1: label-file=b.lbl is the same file as "
        "mem-path of -object memory-backend-file,id=mem0 (a.img)" } },
    { "two-label-files-same",
      {{ "a.img", 2 * M128 }, { "b.img", 2 * M128 }},
      { "--print-memory-map", "-m", "1G,slots=2,maxmem=4G",
        "-object", "memory-backend-file,id=a,share=on,mem-path=a.img",
        "-object", "memory-backend-file,id=b,share=on,mem-path=b.img",
        "-device", "nvdimm,id=nv0,memdev=a,label-file=x.lbl",
        "-device", "nvdimm,id=nv1,memdev=b,label-file=./x.lbl" },
      { "-device nvdimm,id=nv1: label-file=./x.lbl is the same file as "
        "label-file of -device nvdimm,id=nv0 (x.lbl)" } },
    { "label-file-too-large",
      {{ "a.img", 2 * M128 }, { "big.lbl", 2 * GiB }},
      { "--print-memory-map", "-m", "1G,slots=2,maxmem=4G",
        "-object", "memory-backend-file,id=a,share=on,mem-path=a.img",
        "-device", "nvdimm,id=nv0,memdev=a,label-file=big.lbl" },
      { "-device nvdimm,id=nv0", "label-file='big.lbl' is 2G",
        "maximum label size of 1G" } },
    { "share-off-labels", {{ "pmem.img", 2 * M128 }},
      { "--print-memory-map", "-m", "1G,slots=2,maxmem=4G", "-object",
        "memory-backend-file,id=m0,share=off,mem-path=pmem.img",
        "-device", "nvdimm,id=nv0,memdev=m0,label-size=128K" },
      { "-device nvdimm,id=nv0", "share=off", "share=on" } },
    /* -kernel, -initrd, -append: caught before any file is created */
    { "kernel-missing", {{0}},
      { "-m", "1G,slots=2,maxmem=4G", "-object",
        NVFILE(",size=1G"), "-device", "nvdimm,id=nv0,memdev=m0",
        "-kernel", "nope" },
      { "-kernel nope", "No such file" } },
    { "kernel-directory", {{ "dir", 0, F_DIR }},
      { "-object", NVFILE(",size=1G"), "-kernel", "dir" },
      { "-kernel dir", "directory" } },
    { "kernel-empty-name", {{0}},
      { "-object", NVFILE(",size=1G"), "-kernel", "" },
      { "-kernel ''", "empty file name" } },
    { "kernel-fifo", {{ "fifo", 0, F_FIFO }},
      { "-object", NVFILE(",size=1G"), "-kernel", "fifo" },
      { "-kernel fifo", "not a regular file" } },
    { "kernel-dev-null", {{0}},
      { "-object", NVFILE(",size=1G"), "-kernel", "/dev/null" },
      { "-kernel /dev/null", "not a regular file" } },
    { "kernel-not-linux", {{ "k.bin", 64 * KiB }},
      { "-object", NVFILE(",size=1G"), "-kernel", "k.bin" },
      { "-kernel k.bin", "not a Linux bzImage" } },
    { "kernel-empty-file", {{ "k.bin", 0 }},
      { "-object", NVFILE(",size=1G"), "-kernel", "k.bin" },
      { "-kernel k.bin", "empty" } },
    { "initrd-missing", {{ "bz", 0, F_BZIMAGE }},
      { "-object", NVFILE(",size=1G"), "-kernel", "bz", "-initrd", "nope" },
      { "-initrd nope", "No such file" } },
    { "initrd-directory", {{ "bz", 0, F_BZIMAGE }, { "dir", 0, F_DIR }},
      { "-object", NVFILE(",size=1G"), "-kernel", "bz", "-initrd", "dir" },
      { "-initrd dir", "directory" } },
    { "append-too-long", {{ "bz", 0, F_BZIMAGE }},
      { "-object", NVFILE(",size=1G"), "-kernel", "bz", "-append", NULL },
      { "-append: 300 bytes", "bz", "at most 255" } },
    { "append-without-kernel", {{0}}, { "-append", "console=ttyS0" },
      { "-append is only allowed with -kernel" } },
    { "initrd-without-kernel", {{0}}, { "-initrd", "x" },
      { "-initrd is only allowed with -kernel" } },
    { "kernel-protocol-old", {{ "bz", 0, F_BZIMAGE_OLD }},
      { "-object", NVFILE(",size=1G"), "-kernel", "bz" },
      { "-kernel bz", "boot protocol older than 2.12" } },
    /* a start that gets past the plan: here it fails at the KVM probe; on
     * a host whose /dev/kvm boots, at loading the initrd, which does not
     * fit in 16M of RAM, after pmem.img and pmem.lbl were created: they
     * must then be gone again */
    { "start-fails-after-plan", {{ "bz", 0, F_BZIMAGE }, { "rd", 32 * MiB }},
      { "-m", "16M,slots=2,maxmem=4G", "-object", NVFILE(",size=1G"),
        "-device", "nvdimm,id=nv0,memdev=m0,label-file=pmem.lbl",
        "-kernel", "bz", "-initrd", "rd", "-nographic", "-no-reboot" },
      { "/dev/kvm", "-initrd rd" }, .one_of = true },
    { "start-without-kernel", {{0}},
      { "-object", NVFILE(",size=1G") }, { "-kernel is required" } },
    /* huge arguments: quoted truncated, the line stays short */
    { "huge-object-arg", {{0}}, { "-object", NULL },
      { "-object memory-backend-ram,id=r0,size=1G,aaaa", "... (100035 bytes)",
        "unknown property 'aaaa", "... (100000 bytes)'" } },
    { "huge-device-arg", {{0}}, { "-device", NULL },
      { "-device nvdimm,aaaa", "... (100007 bytes)" } },
    { "huge-mem-path", {{0}}, { "-object", NULL },
      { "-object memory-backend-file,id=m0", "... (100000 bytes)",
        "longer than PATH_MAX" } },
    { "huge-unknown-option", {{0}}, { NULL },
      { "unknown option '-aaaa", "... (100001 bytes)" } },
    { "huge-id", {{0}}, { "-object", NULL },
      { "-object", "longer than 128 bytes" } },
    { "huge-kernel-path", {{0}}, { "-kernel", NULL },
      { "-kernel aaaa", "... (100000 bytes)" } },
    /* A guest without kvmclock would hang on nvemu's hardware-reduced
     * machine: refused while parsing, before any file is made. */
    { "append-no-kvmclock", {{0}},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(",size=256M"),
        "-device", "nvdimm,id=nv0,memdev=m0,label-size=128K",
        "-append", "console=ttyS0 no-kvmclock quiet" },
      { "-append", "no-kvmclock would hang this guest", "remove it",
        "tsc_early_khz=" } },
    { "append-nopv", {{ "pmem.img", 2 * M128 }},
      { "-m", "1G,slots=2,maxmem=4G", "-object", NVFILE(""),
        "-device", "nvdimm,id=nv0,memdev=m0", "-append", "nopv" },
      { "-append nopv", "nopv would hang this guest", "remove it" } },
    { "machine-rtc-bad", {{0}}, { "-machine", "rtc=maybe" },
      { "-machine rtc=maybe", "'maybe'" } },
    /* the initial health (docs/health.md) */
    { "health-bad", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,health=broken" },
      { "-device nvdimm,id=nv0", "health=broken", "ok, non-critical, "
        "critical, fatal" } },
    { "media-temperature-text", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,media-temperature=hot" },
      { "-device nvdimm,id=nv0", "media-temperature=hot",
        "not a temperature" } },
    { "media-temperature-range", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,media-temperature=2048" },
      { "-device nvdimm,id=nv0", "media-temperature=2048", "out of range",
        "steps of 1/16" } },
    { "controller-temperature-step", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,controller-temperature=40.1" },
      { "-device nvdimm,id=nv0", "controller-temperature=40.1",
        "steps of 1/16" } },
    { "controller-temperature-inf", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,controller-temperature=inf" },
      { "-device nvdimm,id=nv0", "controller-temperature=inf",
        "not a temperature" } },
    { "spares-over-100", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,spares=101" },
      { "-device nvdimm,id=nv0", "'spares'", "'101'", "at most 100" } },
    { "life-used-negative", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,life-used=-1" },
      { "-device nvdimm,id=nv0", "'life-used'", "'-1'", "not a number" } },
    { "health-on-pc-dimm", {{0}},
      { "-device", "pc-dimm,id=d0,memdev=m0,health=ok" },
      { "-device pc-dimm,id=d0", "unknown property 'health'" } },
    /* media errors present at start */
    { "media-error-no-colon", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,media-error=4096" },
      { "-device nvdimm,id=nv0", "media-error=4096 is not OFFSET:LENGTH" } },
    { "media-error-bad-number", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,media-error=0xZZ:512" },
      { "-device nvdimm,id=nv0", "media-error=0xZZ:512", "'0xZZ'",
        "not a number" } },
    { "media-error-unaligned", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,media-error.0=4096:100" },
      { "-device nvdimm,id=nv0", "media-error.0=4096:100",
        "multiples of the clear unit 256" } },
    { "media-error-empty", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,media-error=0:0" },
      { "-device nvdimm,id=nv0", "media-error=0:0", "the length not 0" } },
    { "media-error-gap", {{0}},
      { "-device", "nvdimm,id=nv0,memdev=m0,media-error.1=0:512" },
      { "-device nvdimm,id=nv0", "unknown property 'media-error.1'" } },
    /* past the DIMM's 256M of pmem: found by the plan, nothing created */
    { "media-error-outside", {{ "pmem.img", 2 * M128 }},
      { "--print-memory-map", "-m", "1G,slots=2,maxmem=4G", "-object",
        NVFILE(""), "-device", "nvdimm,id=nv0,memdev=m0,label-size=0,"
        "media-error=256M:4K" },
      { "-device nvdimm,id=nv0", "media-error 0x10000000:0x1000",
        "outside its 256M of pmem" } },
};

/* The cases whose arguments are built at run time: which argument. */
static void fill_huge_args(BadCase *cases, size_t n)
{
    huge = g_strnfill(100000, 'a');
    huge_obj = g_strdup_printf("memory-backend-ram,id=r0,size=1G,%s=1", huge);
    huge_dev = g_strdup_printf("nvdimm,%s", huge);
    huge_path = g_strdup_printf("memory-backend-file,id=m0,mem-path=%s,"
                                "size=1G", huge);
    huge_opt = g_strdup_printf("-%s", huge);
    g_autofree char *id = g_strnfill(300, 'i');
    long_id = g_strdup_printf("memory-backend-ram,id=%s,size=1G", id);
    long_append = g_strnfill(300, 'x');
    static const struct {
        const char *test;
        int arg;
        char **value;
    } fill[] = {
        { "huge-object-arg", 1, &huge_obj },
        { "huge-device-arg", 1, &huge_dev },
        { "huge-mem-path", 1, &huge_path },
        { "huge-unknown-option", 0, &huge_opt },
        { "huge-id", 1, &long_id },
        { "huge-kernel-path", 1, &huge },
        { "append-too-long", 5, &long_append },
        { "huge-cpu-model", 1, &huge },
    };
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < G_N_ELEMENTS(fill); j++) {
            if (!strcmp(cases[i].test, fill[j].test)) {
                g_assert_null(cases[i].args[fill[j].arg]);
                cases[i].args[fill[j].arg] = *fill[j].value;
            }
        }
    }
}

/* ---- running the binary --------------------------------------------- */

static bool run_nvemu(const char *dir, const char *const *args, char **out,
                char **err, int *status)
{
    return nv_test_run("NVEMU", dir, args, out, err, status);
}

/* ---- files in the scratch directory ---------------------------------- */

/* A bzImage's setup header, nothing after it: enough for the plan-time
 * checks (boot flag, HdrS, protocol 2.15, cmdline_size 255). */
static void write_bzimage(int fd, bool old)
{
    guint8 h[8192] = { 0 };
    h[0x1F1] = 4;                        /* setup_sects */
    h[0x1FE] = 0x55, h[0x1FF] = 0xAA;    /* boot flag */
    memcpy(h + 0x202, "HdrS", 4);
    h[0x206] = old ? 0x0B : 0x0F;        /* protocol 2.15 (or 2.11) */
    h[0x207] = 0x02;
    h[0x236] = 0x01;                     /* XLF_KERNEL_64 */
    h[0x238] = 255;                      /* cmdline_size */
    g_assert_cmpint(write(fd, h, sizeof(h)), ==, sizeof(h));
}

static void make_file(const char *dir, const FileSpec *f)
{
    g_autofree char *path = g_build_filename(dir, f->name, NULL);
    g_autofree char *target = f->target
        ? g_build_filename(dir, f->target, NULL) : NULL;
    switch (f->kind) {
    case F_DIR:
        g_assert_cmpint(mkdir(path, 0755), ==, 0);
        return;
    case F_FIFO:
        g_assert_cmpint(mkfifo(path, 0644), ==, 0);
        return;
    case F_SYMLINK:
        g_assert_cmpint(symlink(f->target, path), ==, 0);
        return;
    case F_LINK:
        g_assert_cmpint(link(target, path), ==, 0);
        return;
    }
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
    g_assert_cmpint(fd, >=, 0);
    if (f->kind == F_BZIMAGE || f->kind == F_BZIMAGE_OLD) {
        write_bzimage(fd, f->kind == F_BZIMAGE_OLD);
    } else if (f->size) {
        guint8 pattern[4096];
        for (size_t i = 0; i < sizeof(pattern); i++) {
            pattern[i] = (guint8)(i * 7 + 1);
        }
        g_assert_cmpint(pwrite(fd, pattern, sizeof(pattern), 0), ==,
                        sizeof(pattern));
        g_assert_cmpint(ftruncate(fd, (off_t)f->size), ==, 0);
    }
    close(fd);
    if (f->kind == F_RO) {
        g_assert_cmpint(chmod(path, 0444), ==, 0);
    }
}

/* chattr +i / -i; false where the filesystem has no such flag. */
static bool set_immutable(const char *path, bool on)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    int flags = 0;
    bool ok = fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
    if (ok) {
        flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
        ok = ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

/*
 * Everything in the directory, recursively, as one text: per entry its
 * name, type, mode, size, blocks, mtime and, for a regular file, a SHA-256
 * of its contents (data extents and where they are, so sparse gigabytes
 * cost nothing). Equal texts: nothing created, removed or changed.
 */
static void hash_file(const char *path, GString *out)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    g_assert_cmpint(fd, >=, 0);
    g_autoptr(GChecksum) ck = g_checksum_new(G_CHECKSUM_SHA256);
    g_autofree guint8 *buf = g_malloc(1 << 16);
    off_t pos = 0;
    for (;;) {
        off_t data = lseek(fd, pos, SEEK_DATA);
        if (data < 0) {
            break; /* ENXIO: no more data */
        }
        off_t hole = lseek(fd, data, SEEK_HOLE);
        g_assert_cmpint(hole, >, data);
        g_checksum_update(ck, (guint8 *)&data, sizeof(data));
        for (off_t o = data; o < hole;) {
            ssize_t n = pread(fd, buf, (size_t)MIN(hole - o, 1 << 16), o);
            g_assert_cmpint(n, >, 0);
            g_checksum_update(ck, buf, (gsize)n);
            o += n;
        }
        pos = hole;
    }
    close(fd);
    g_string_append_printf(out, " sha256=%s", g_checksum_get_string(ck));
}

static gint by_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void snapshot_dir(const char *dir, const char *rel, GString *out)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_assert_nonnull(d);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d))) {
        g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_sort(names, by_name);
    for (guint i = 0; i < names->len; i++) {
        const char *n = g_ptr_array_index(names, i);
        g_autofree char *path = g_build_filename(dir, n, NULL);
        g_autofree char *sub = g_build_filename(rel, n, NULL);
        struct stat st;
        g_assert_cmpint(lstat(path, &st), ==, 0);
        g_string_append_printf(out, "%s mode=%o size=%jd blocks=%jd "
                               "mtime=%jd.%09ld", sub, st.st_mode,
                               (intmax_t)st.st_size, (intmax_t)st.st_blocks,
                               (intmax_t)st.st_mtim.tv_sec,
                               st.st_mtim.tv_nsec);
        if (S_ISREG(st.st_mode)) {
            hash_file(path, out);
        }
        g_string_append_c(out, '\n');
        if (S_ISDIR(st.st_mode)) {
            snapshot_dir(path, sub, out);
        }
    }
}

static char *snapshot(const char *dir)
{
    GString *out = g_string_new(NULL);
    snapshot_dir(dir, ".", out);
    return g_string_free(out, FALSE);
}

/* ---- the cases ------------------------------------------------------- */

/* An error line quotes at most NV_QUOTE_MAX bytes of any one argument. */
#define MAX_LINE 1024

static void test_bad(gconstpointer data)
{
    const BadCase *c = data;
    if (c->not_as_root && geteuid() == 0) {
        g_test_skip("root may write a mode 0444 file");
        return;
    }
    g_autofree char *dir = g_dir_make_tmp("nvemu-cli-XXXXXX", NULL);
    g_autofree char *immutable = NULL;
    for (guint i = 0; i < NFILES && c->files[i].name; i++) {
        make_file(dir, &c->files[i]);
        if (c->files[i].kind == F_IMMUTABLE) {
            immutable = g_build_filename(dir, c->files[i].name, NULL);
            if (!set_immutable(immutable, true)) {
                g_test_skip("no chattr +i on this filesystem");
                nv_test_rm_dir(dir);
                return;
            }
        }
    }
    g_autofree char *before = snapshot(dir);

    g_autofree char *out = NULL, *err = NULL;
    int status = -1;
    if (c->phys_bits) {
        g_setenv("NVEMU_PHYS_BITS", c->phys_bits, TRUE);
    }
    g_assert_true(run_nvemu(dir, c->args, &out, &err, &status));
    g_unsetenv("NVEMU_PHYS_BITS");
    g_test_message("exit %d, stderr (%zu bytes): %.*s", status, strlen(err),
                   MAX_LINE, err);

    g_assert_cmpint(status, ==, 1); /* not 0, and not killed by a signal */
    g_assert_cmpstr(out, ==, "");
    g_assert_true(g_str_has_prefix(err, "nvemu: "));
    const char *nl = strchr(err, '\n');
    g_assert_nonnull(nl);
    g_assert_cmpstr(nl + 1, ==, ""); /* exactly one line */
    g_assert_cmpuint(strlen(err), <=, MAX_LINE);
    int found = 0, wanted = 0;
    for (int i = 0; i < 4 && c->expect[i]; i++) {
        wanted++;
        if (strstr(err, c->expect[i])) {
            found++;
        } else if (!c->one_of) {
            g_test_message("expected '%s' in the error line", c->expect[i]);
        }
    }
    if (c->one_of ? found == 0 : found != wanted) {
        g_test_fail();
    }

    /* Nothing created, changed or left behind; the user's files as they
     * were, byte for byte. */
    g_autofree char *after = snapshot(dir);
    if (immutable) {
        g_assert_true(set_immutable(immutable, false));
    }
    g_assert_cmpstr(after, ==, before);
    nv_test_rm_dir(dir);
}

/* The acceptance example: two nvdimms and a pc-dimm. */
static void test_memory_map(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-cli-XXXXXX", NULL);
    FileSpec existing = { "nv1.img", 4 * GiB };
    make_file(dir, &existing);
    const char *args[] = {
        "-m", "1G,slots=4,maxmem=16G", "--print-memory-map",
        "-object", "memory-backend-file,id=mem0,share=on,mem-path=pmem0.img,"
                   "size=4G",
        "-device", "nvdimm,id=nv0,memdev=mem0,label-size=128K",
        "-object", "memory-backend-file,id=mem1,share=on,mem-path=nv1.img",
        "-device", "nvdimm,id=nv1,memdev=mem1,label-file=nv1.labels",
        "-object", "memory-backend-ram,id=ram2,size=1G",
        "-device", "pc-dimm,id=d2,memdev=ram2",
        NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status = -1;
    g_assert_true(run_nvemu(dir, args, &out, &err, &status));
    g_test_message("%s%s", out, err);
    g_assert_cmpint(status, ==, 0);
    g_assert_cmpstr(err, ==, "");

    /* RAM, the device-memory region (base 4G, 15G + 4 x 1G slack) and each DIMM
     * at the next 128M-aligned address with its pmem size. */
    static const char *const lines[] = {
        "0x0000000000000000-0x000000003fefffff  1023M    RAM",
        "0x000000003ff00000-0x000000003fffffff  1M       reserved: DSM mailbox",
        "0x000000003ff00000-0x000000003ff20fff  132K       DSM mailbox",
        "0x00000000feb00000-0x00000000feb00003  4B         DSM doorbell",
        "0x0000000100000000-0x00000005bfffffff  19G      device memory",
        "0x0000000100000000-0x00000001f7ffffff  3968M      slot 0: nvdimm nv0, "
        "pmem",
        "0x00000001f8000000-0x00000002f7ffffff  4G         slot 1: nvdimm nv1, "
        "pmem",
        "0x00000002f8000000-0x0000000337ffffff  1G         slot 2: pc-dimm d2, "
        "RAM",
        "labels   128K at offset 0xfffe0000 of 'pmem0.img' (the file's tail)",
        "labels   128K in label file 'nv1.labels', will be created",
        "'pmem0.img', 4G, share=on, will be created (sparse)",
        "'nv1.img', 4G, share=on, exists",
        "unused   130944K of the backend after pmem",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(lines); i++) {
        if (!strstr(out, lines[i])) {
            g_test_message("missing: %s", lines[i]);
            g_test_fail();
        }
    }
    /* A dry run: neither pmem0.img nor nv1.labels was created. */
    g_autofree char *left = snapshot(dir);
    g_assert_null(strstr(left, "pmem0.img"));
    g_assert_null(strstr(left, "nv1.labels"));
    nv_test_rm_dir(dir);
}

/* Several TiB of sparse pmem plan where the host's address width allows
 * (NVEMU_PHYS_BITS=46 here, as on many servers), creating nothing; the same
 * line with 40 bits names the limit and where it came from. */
static void test_many_tib(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-cli-XXXXXX", NULL);
    const char *args[] = {
        "-m", "1G,slots=2,maxmem=9T", "--print-memory-map",
        "-object", "memory-backend-file,id=mem0,share=on,mem-path=a.img,"
                   "size=4T",
        "-device", "nvdimm,id=nv0,memdev=mem0,label-size=128K",
        "-object", "memory-backend-file,id=mem1,share=on,mem-path=b.img,"
                   "size=4T",
        "-device", "nvdimm,id=nv1,memdev=mem1,label-size=128K",
        NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status = -1;
    g_setenv("NVEMU_PHYS_BITS", "46", TRUE);
    g_assert_true(run_nvemu(dir, args, &out, &err, &status));
    g_test_message("%s%s", out, err);
    g_assert_cmpint(status, ==, 0);
    g_assert_cmpstr(err, ==, "");
    /* nv1 sits past 4T: above the old fixed 1T limit */
    g_assert_nonnull(strstr(out, "slot 1: nvdimm nv1"));
    g_assert_nonnull(strstr(out, "guest    0x400f8000000-0x800efffffff"));
    g_autofree char *left = snapshot(dir);
    g_assert_cmpstr(left, ==, "");

    g_free(out), g_free(err);
    g_setenv("NVEMU_PHYS_BITS", "40", TRUE);
    g_assert_true(run_nvemu(dir, args, &out, &err, &status));
    g_unsetenv("NVEMU_PHYS_BITS");
    g_test_message("%s", err);
    g_assert_cmpint(status, ==, 1);
    g_assert_nonnull(strstr(err, "limit 1T (NVEMU_PHYS_BITS=40)"));
    nv_test_rm_dir(dir);
}

/* -machine rtc=off: no CMOS RTC in the tables (the FADT says "not
 * present" and names no century byte; no PNP0B00 device in the DSDT);
 * the default has one. */
static void test_rtc_off(void)
{
    static const guint8 pnp0b00[] = { 0x0C, 0x41, 0xD0, 0x0B, 0x00 };
    for (int off = 0; off <= 1; off++) {
        g_autofree char *dir = g_dir_make_tmp("nvemu-cli-XXXXXX", NULL);
        const char *args[] = { "--dump-acpi", "acpi", "-machine",
                               off ? "rtc=off" : "rtc=on", NULL };
        g_autofree char *out = NULL, *err = NULL;
        g_autofree char *facp = NULL, *dsdt = NULL;
        gsize facp_len = 0, dsdt_len = 0;
        int status = -1;
        g_assert_true(run_nvemu(dir, args, &out, &err, &status));
        g_assert_cmpint(status, ==, 0);
        g_autofree char *fp = g_build_filename(dir, "acpi", "facp.dat", NULL);
        g_autofree char *dp = g_build_filename(dir, "acpi", "dsdt.dat", NULL);
        g_assert_true(g_file_get_contents(fp, &facp, &facp_len, NULL));
        g_assert_true(g_file_get_contents(dp, &dsdt, &dsdt_len, NULL));
        g_assert_cmpuint(facp_len, ==, 276);
        g_assert_cmphex((guint8)facp[108], ==, off ? 0 : 0x32); /* CENTURY */
        g_assert_cmphex((guint8)facp[109] & 0x20, ==, off ? 0x20 : 0);
        g_assert_true(!memmem(dsdt, dsdt_len, pnp0b00, sizeof(pnp0b00)) ==
                      !!off);
        nv_test_rm_dir(dir);
    }
}

/* no-kvmclock with the TSC rate given (tsc_early_khz=) is accepted: that
 * guest boots (tests/test-guest-clock.sh). */
static void test_append_tsc_khz(void)
{
    const char *args[] = { "--print-memory-map", "-kernel", "bz", "-append",
                           "console=ttyS0 no-kvmclock tsc_early_khz=2596126",
                           NULL };
    const FileSpec bz = { "bz", 0, F_BZIMAGE };
    g_autofree char *dir = g_dir_make_tmp("nvemu-cli-XXXXXX", NULL);
    g_autofree char *out = NULL, *err = NULL;
    int status = -1;
    make_file(dir, &bz);
    g_assert_true(run_nvemu(dir, args, &out, &err, &status));
    g_test_message("%s%s", out, err);
    g_assert_cmpint(status, ==, 0);
    g_assert_cmpstr(err, ==, "");
    nv_test_rm_dir(dir);
}

static void test_help_version(void)
{
    const char *help[] = { "--help", NULL }, *ver[] = { "-version", NULL };
    g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;
    int status = -1;
    g_assert_true(run_nvemu(NULL, help, &out, &err, &status));
    g_assert_cmpint(status, ==, 0);
    g_assert_nonnull(strstr(out, "-device nvdimm,memdev=ID"));
    g_assert_nonnull(strstr(out, "--print-memory-map"));
    g_assert_true(run_nvemu(NULL, ver, &out2, &err2, &status));
    g_assert_cmpint(status, ==, 0);
    g_assert_true(g_str_has_prefix(out2, "nvemu "));
}

/* --check-kvm: either this /dev/kvm can boot Linux, or one line says why
 * and where to go instead (on this project's machines: PVM-based KVM). */
static void test_check_kvm(void)
{
    const char *args[] = { "--check-kvm", NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status = -1;
    g_assert_true(run_nvemu(NULL, args, &out, &err, &status));
    g_test_message("status %d: %s%s", status, out, err);
    if (status == 0) {
        g_assert_cmpstr(out, ==, "nvemu: /dev/kvm can boot a Linux guest\n");
        return;
    }
    g_assert_cmpint(status, ==, 1);
    g_assert_true(g_str_has_prefix(err, "nvemu: "));
    g_assert_nonnull(strstr(err, "/dev/kvm"));
    g_assert_nonnull(strstr(err, "tools/test-host/run"));
    g_assert_cmpstr(strchr(err, '\n') + 1, ==, "");
}

/* ---- issue 11: a QEMU user's command line ------------------------------ */

static char *run_ok(const char *dir, const char *const *args)
{
    g_autofree char *err = NULL;
    char *out = NULL;
    int status = -1;
    g_assert_true(run_nvemu(dir, args, &out, &err, &status));
    g_test_message("exit %d: %s%s", status, out, err);
    g_assert_cmpint(status, ==, 0);
    g_assert_cmpstr(err, ==, "");
    return out;
}

/* The lines after the machine/console header: the map itself. */
static const char *map_body(const char *out)
{
    const char *p = strstr(out, "\n\n");
    g_assert_nonnull(p);
    return p;
}

/* Every accepted spelling plans (exit 0, nothing on stderr), the map shows
 * what has an effect (vCPUs, name, console, log, daemonize), and the
 * options without one leave the map and the ACPI tables byte for byte as
 * they were; a dry run creates neither -serial file: nor -D's file. */
static void test_qemu_options(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvemu-cli-XXXXXX", NULL);
    const char *plain[] = {
        "--print-memory-map", "-m", "512M,slots=2,maxmem=4G", "-smp", "4",
        "-object", "memory-backend-ram,id=r0,size=256M",
        "-device", "nvdimm,id=nv0,memdev=r0", NULL };
    const char *qemu[] = {
        "--print-memory-map", "-machine", "pc,accel=kvm", "-accel", "kvm",
        "-accel", "kvm,kernel-irqchip=on", "-enable-kvm", "-cpu", "host",
        "-m", "size=512M,slots=2,maxmem=4G",
        "-object", "memory-backend-ram,id=r0,size=256M",
        "-device", "nvdimm,id=nv0,memdev=r0",
        "-smp", "4,sockets=2,cores=2,threads=1,maxcpus=4",
        "-name", "guest=vm1,process=nvemu-vm1,debug-threads=on",
        "-display", "none", "-vga", "none", "-net", "none", "-nic", "none",
        "-nodefaults", "-no-user-config", "-monitor", "none", "-no-hpet",
        "-rtc", "base=utc,clock=host,driftfix=none", "-boot",
        "order=c,menu=off,strict=on", "-nographic", "-serial", "mon:stdio",
        NULL };
    g_autofree char *a = run_ok(dir, plain);
    g_autofree char *b = run_ok(dir, qemu);
    g_assert_nonnull(strstr(b, "machine: 4 vCPUs, RAM 512M"));
    g_assert_nonnull(strstr(b, "guest name: vm1\n"));
    g_assert_nonnull(strstr(b, "console: COM1 on stdin/stdout\n"));
    g_assert_cmpstr(map_body(a), ==, map_body(b));

    /* The same ACPI tables (MADT with 4 CPUs, DSDT, NFIT...) either way. */
    const char *const dumps[] = { "plain", "qemu" };
    for (int i = 0; i < 2; i++) {
        const char **args = i ? qemu : plain;
        g_autoptr(GPtrArray) v = g_ptr_array_new();
        g_ptr_array_add(v, "--dump-acpi");
        g_ptr_array_add(v, (char *)dumps[i]);
        for (int j = 1; args[j]; j++) { /* all but --print-memory-map */
            g_ptr_array_add(v, (char *)args[j]);
        }
        g_ptr_array_add(v, NULL);
        g_free(run_ok(dir, (const char *const *)v->pdata));
    }
    static const char *const tables[] = { "apic.dat", "dsdt.dat", "facp.dat",
                                          "nfit.dat", "ssdt.dat" };
    for (size_t i = 0; i < G_N_ELEMENTS(tables); i++) {
        g_autofree char *p1 = g_build_filename(dir, "plain", tables[i], NULL);
        g_autofree char *p2 = g_build_filename(dir, "qemu", tables[i], NULL);
        g_autofree char *t1 = NULL, *t2 = NULL;
        gsize l1 = 0, l2 = 0;
        g_assert_true(g_file_get_contents(p1, &t1, &l1, NULL));
        g_assert_true(g_file_get_contents(p2, &t2, &l2, NULL));
        g_assert_cmpmem(t1, l1, t2, l2);
    }

    /* Without -serial, -nodefaults and -daemonize leave no console (as
     * QEMU); -serial file: and -D are named, and not created by a dry run. */
    const char *nodef[] = { "--print-memory-map", "-nodefaults",
                            "-nographic", NULL };
    g_autofree char *c = run_ok(dir, nodef);
    g_assert_nonnull(strstr(c, "console: COM1 output discarded"));
    const char *daemon[] = { "--print-memory-map", "-daemonize", "-display",
                             "none", "-serial", "file:console.log", "-D",
                             "nvemu.log", "-d", "io", NULL };
    g_autofree char *d = run_ok(dir, daemon);
    g_assert_nonnull(strstr(d, "console: COM1 to file 'console.log'"));
    g_assert_nonnull(strstr(d, "log: -d output appended to 'nvemu.log'"));
    g_assert_nonnull(strstr(d, "daemonize: "));
    const char *null[] = { "--print-memory-map", "-serial", "null", NULL };
    g_autofree char *e = run_ok(dir, null);
    g_assert_nonnull(strstr(e, "console: COM1 output discarded"));
    g_autofree char *left = snapshot(dir);
    g_assert_null(strstr(left, "console.log"));
    g_assert_null(strstr(left, "nvemu.log"));
    nv_test_rm_dir(dir);
}

/* nvemu --help names every QEMU option it accepts. */
static void test_help_qemu_options(void)
{
    const char *help[] = { "--help", NULL };
    g_autofree char *out = run_ok(NULL, help);
    static const char *const names[] = {
        "-accel kvm", "-enable-kvm", "-cpu host", "-name ", "-display none",
        "-vga none", "-net none", "-nic none", "-nodefaults",
        "-no-user-config", "-monitor none", "-serial stdio", "file:PATH",
        "-daemonize", "-D FILE", "sockets=", "-rtc base=utc", "-no-hpet",
        "-boot ", "-nographic",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (!strstr(out, names[i])) {
            g_test_message("--help does not name %s", names[i]);
            g_test_fail();
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!g_getenv("NVEMU")) {
        g_printerr("set NVEMU to the nvemu binary\n");
        return 1;
    }
    fill_huge_args(bad_cases, G_N_ELEMENTS(bad_cases));
    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *path = g_strdup_printf("/cli/bad/%s",
                                                bad_cases[i].test);
        g_test_add_data_func(path, &bad_cases[i], test_bad);
    }
    g_test_add_func("/cli/memory-map", test_memory_map);
    g_test_add_func("/cli/many-tib", test_many_tib);
    g_test_add_func("/cli/help-version", test_help_version);
    g_test_add_func("/cli/rtc-off", test_rtc_off);
    g_test_add_func("/cli/append-tsc-khz", test_append_tsc_khz);
    g_test_add_func("/cli/check-kvm", test_check_kvm);
    g_test_add_func("/cli/qemu-options", test_qemu_options);
    g_test_add_func("/cli/help-qemu-options", test_help_qemu_options);
    return g_test_run();
}
