/*
 * machine/kvm.c — the only code that opens /dev/kvm: the VM, its memory
 * slots, the in-kernel irqchip and PIT, the vCPU threads and their run loop.
 * Every port and MMIO exit goes to nv_io_dispatch() on the board's bus.
 */
#include "vm.h"
#include "boot.h"
#include "kvm.h"
#include "flush-hint.h"
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define KVM_DEV        "/dev/kvm"
#define TSS_ADDR       UINT64_C(0xFFFBD000) /* 3 pages below the BIOS ROM */
#define IDMAP_ADDR     UINT64_C(0xFFFBC000)
#define KICK_SIGNAL    SIGUSR1
#define CPUID_MAX      256
#define NV_VCPU_STACK  (1024 * 1024) /* bytes; see nv_vm_start() */

typedef struct NvVm NvVm;

typedef struct {
    NvVm *vm;
    unsigned index;
    int fd;
    struct kvm_run *run;
    size_t run_size;
    pthread_t thread;
    bool started;
    gint tid;             /* gettid() of its thread, once running */
} Vcpu;

struct NvVm {
    NvBoard *board;
    int kvm_fd, vm_fd;
    Vcpu *vcpus;
    unsigned nvcpus;
    struct kvm_cpuid2 *cpuid;
    NvPark *park;         /* the machine's: pause and resume */
    NvSlots *slots;       /* the machine's KVM slot ids */
    volatile bool stop;
    uint8_t *flush_pages; /* plain memory behind the quiet flush-hint pages */
    GMutex lock;
    char *error;          /* first fatal vCPU error, or NULL */
};

static bool kvm_error(GError **errp, const char *what)
{
    g_set_error(errp, NV_ERROR, NV_ERROR_IO, "KVM: %s: %s", what,
                g_strerror(errno));
    return false;
}

static void flat_segment(struct kvm_segment *s, uint16_t sel, bool code)
{
    *s = (struct kvm_segment) {
        .base = 0, .limit = 0xFFFFFFFF, .selector = sel,
        .type = code ? 0xB : 0x3, .present = 1, .dpl = 0, .s = 1,
        .l = code, .db = !code, .g = 1,
    };
}

/* The state Linux's 64-bit entry expects (boot.rst): long mode with
 * paging on @cr3, flat __BOOT_CS/__BOOT_DS from the GDT at @gdt. */
static void long_mode_sregs(struct kvm_sregs *s, uint64_t gdt, uint64_t cr3)
{
    flat_segment(&s->cs, NV_BOOT_CS, true);
    flat_segment(&s->ds, NV_BOOT_DS, false);
    s->es = s->fs = s->gs = s->ss = s->ds;
    s->gdt.base = gdt;
    s->gdt.limit = NV_BOOT_GDT_LIMIT;
    s->cr0 = 0x80000011; /* PG | ET | PE */
    s->cr3 = cr3;
    s->cr4 = 0x20;       /* PAE */
    s->efer = 0x500;     /* LMA | LME */
}

/* ---- can this /dev/kvm run Linux? -------------------------------------- */

#define PROBE_MAGIC 0x4E56454Du /* "MEVN" */
#define PROBE_PORT  0xF4

static void probe_alarm(int sig)
{
    (void)sig; /* interrupts KVM_RUN */
}

/*
 * A 64 KiB guest that starts in long mode as Linux's 64-bit entry does
 * (paging, flat GDT) and runs "mov eax, MAGIC; out 0xF4, eax; hlt". A KVM
 * that cannot run it within 2 s cannot run Linux either. Returns NULL or
 * what went wrong.
 */
static char *probe_guest(int kvm)
{
    static const uint8_t code[] = { 0xB8, 0x4D, 0x45, 0x56, 0x4E, /* mov */
                                    0xE7, PROBE_PORT,              /* out */
                                    0xF4, 0xEB, 0xFD };            /* hlt */
    const size_t mem_size = 64 * KiB;
    char *why = NULL;
    int vm = -1, cpu = -1;
    struct kvm_run *run = MAP_FAILED;
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    uint8_t *mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED || run_size <= 0) {
        return g_strdup_printf("probe set-up: %s", g_strerror(errno));
    }
    /* PML4 0x2000 -> PDPT 0x3000 -> PD 0x4000: one 2M page at 0 */
    *(uint64_t *)(mem + 0x2000) = 0x3003;
    *(uint64_t *)(mem + 0x3000) = 0x4003;
    *(uint64_t *)(mem + 0x4000) = 0x83;
    nv_boot_write_gdt(mem + NV_BOOT_GDT);
    memcpy(mem + 0x8000, code, sizeof(code));

    struct kvm_userspace_memory_region r = {
        .memory_size = mem_size, .userspace_addr = (uintptr_t)mem };
    struct kvm_sregs sregs;
    struct kvm_regs regs = { .rflags = 2, .rip = 0x8000 };
    vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0 || ioctl(vm, KVM_SET_TSS_ADDR, (unsigned long)TSS_ADDR) < 0 ||
        ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0 ||
        (cpu = ioctl(vm, KVM_CREATE_VCPU, 0UL)) < 0 ||
        (run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE,
                    MAP_SHARED, cpu, 0)) == MAP_FAILED ||
        ioctl(cpu, KVM_GET_SREGS, &sregs) < 0) {
        why = g_strdup_printf("creating a probe guest failed: %s",
                              g_strerror(errno));
        goto out;
    }
    long_mode_sregs(&sregs, NV_BOOT_GDT, 0x2000);
    if (ioctl(cpu, KVM_SET_SREGS, &sregs) < 0 ||
        ioctl(cpu, KVM_SET_REGS, &regs) < 0) {
        why = g_strdup_printf("setting up the probe guest failed: %s",
                              g_strerror(errno));
        goto out;
    }
    struct sigaction sa = { .sa_handler = probe_alarm }, old;
    sigaction(SIGALRM, &sa, &old);
    struct itimerval limit = { .it_value = { .tv_sec = 2 } }, off = { 0 };
    setitimer(ITIMER_REAL, &limit, NULL);
    int rc = ioctl(cpu, KVM_RUN, 0);
    int err = errno;
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old, NULL);
    if (rc < 0) {
        why = g_strdup_printf("a 64-bit probe guest %s",
                              err == EINTR ? "did not finish within 2 s"
                                           : g_strerror(err));
    } else if (run->exit_reason != KVM_EXIT_IO ||
               run->io.port != PROBE_PORT ||
               *(uint32_t *)((uint8_t *)run + run->io.data_offset) !=
                   PROBE_MAGIC) {
        why = g_strdup_printf("a 64-bit probe guest went astray (KVM exit "
                              "%u instead of its port write)",
                              run->exit_reason);
    }
out:
    if (run != MAP_FAILED) {
        munmap(run, (size_t)run_size);
    }
    if (cpu >= 0) {
        close(cpu);
    }
    if (vm >= 0) {
        close(vm);
    }
    munmap(mem, mem_size);
    return why;
}

static const char testhost_hint[] =
    "run the guest inside the TCG test host instead: tools/test-host/run "
    "(docs/test-host.md)";

bool nv_kvm_probe(GError **errp)
{
    int fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "cannot open %s: %s%s; %s",
                    KVM_DEV, g_strerror(e),
                    e == EACCES ? " (add yourself to the kvm group)" : "",
                    testhost_hint);
        return false;
    }
    int version = ioctl(fd, KVM_GET_API_VERSION, 0);
    int irqchip = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP);
    int exit_now = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT);
    if (version != KVM_API_VERSION || irqchip <= 0 || exit_now <= 0) {
        close(fd);
        g_set_error(errp, NV_ERROR, NV_ERROR_IO,
                    "%s lacks what nvemu needs (API %d, irqchip %d, "
                    "immediate exit %d); %s", KVM_DEV, version, irqchip,
                    exit_now, testhost_hint);
        return false;
    }
    /* PVM ("pagetable-based VM") KVM runs only guests built for it: a
     * stock kernel hangs right after the jump to it (measured). */
    if (g_file_test("/sys/module/kvm_pvm", G_FILE_TEST_IS_DIR) &&
        !g_file_test("/sys/module/kvm_intel", G_FILE_TEST_IS_DIR) &&
        !g_file_test("/sys/module/kvm_amd", G_FILE_TEST_IS_DIR)) {
        close(fd);
        g_set_error(errp, NV_ERROR, NV_ERROR_IO,
                    "%s is PVM-based KVM (module kvm_pvm), which cannot "
                    "boot a stock Linux kernel; %s", KVM_DEV, testhost_hint);
        return false;
    }
    g_autofree char *why = probe_guest(fd);
    close(fd);
    if (why) {
        g_set_error(errp, NV_ERROR, NV_ERROR_IO, "%s cannot run a guest: %s; "
                    "%s", KVM_DEV, why, testhost_hint);
        return false;
    }
    return true;
}

/* ---- memory and interrupts ------------------------------------------- */

/* A memory slot with the next free id from the machine's allocator. */
static bool add_slot(NvVm *vm, uint64_t gpa, uint64_t size, void *hva,
                     bool readonly, GError **errp)
{
    int slot = nv_slots_alloc(vm->slots, gpa);
    if (slot < 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE, "KVM: all %u memory "
                    "slots are in use", vm->slots->limit);
        return false;
    }
    struct kvm_userspace_memory_region r = {
        .slot = (uint32_t)slot,
        .flags = readonly ? KVM_MEM_READONLY : 0,
        .guest_phys_addr = gpa,
        .memory_size = size,
        .userspace_addr = (uintptr_t)hva,
    };
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
        nv_slots_free(vm->slots, (unsigned)slot);
        return kvm_error(errp, "KVM_SET_USER_MEMORY_REGION");
    }
    return true;
}

/* RAM below and above 4 GiB, then each DIMM's guest-visible part (an
 * NVDIMM's label area is not mapped: the guest reaches it by _DSM only). */
static bool map_memory(NvVm *vm, GError **errp)
{
    NvBoard *b = vm->board;
    const NvMemLayout *l = &b->cfg->layout;
    int n = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
    nv_slots_init(vm->slots, n > 0 ? (unsigned)n : 32);
    if (!add_slot(vm, 0, l->ram_below_4g, b->ram->addr, false, errp)) {
        return false;
    }
    if (l->ram_above_4g &&
        !add_slot(vm, 4 * GiB, l->ram_above_4g,
                  b->ram->addr + l->ram_below_4g, false, errp)) {
        return false;
    }
    for (guint i = 0; i < b->cfg->dimms->len; i++) {
        NvDimm *d = g_ptr_array_index(b->cfg->dimms, i);
        if (!add_slot(vm, d->addr, d->size, d->memdev->addr,
                      d->memdev->cfg.readonly, errp)) {
            return false;
        }
    }
    return true;
}

bool nv_vm_map(NvVm *vm, uint64_t gpa, uint64_t size, void *hva,
               bool readonly, GError **errp)
{
    g_assert(nv_park_paused(vm->park));
    return add_slot(vm, gpa, size, hva, readonly, errp);
}

bool nv_vm_unmap(NvVm *vm, uint64_t gpa, GError **errp)
{
    g_assert(nv_park_paused(vm->park));
    int slot = nv_slots_find(vm->slots, gpa);
    if (slot < 0) {
        g_set_error(errp, NV_ERROR, NV_ERROR_RANGE, "KVM: no memory slot "
                    "maps 0x%" G_GINT64_MODIFIER "x", gpa);
        return false;
    }
    /* size 0 deletes the slot (KVM API: KVM_SET_USER_MEMORY_REGION) */
    struct kvm_userspace_memory_region r = { .slot = (uint32_t)slot };
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
        return kvm_error(errp, "KVM_SET_USER_MEMORY_REGION (delete)");
    }
    nv_slots_free(vm->slots, (unsigned)slot);
    return true;
}

/* The flush-hint pages of NVDIMMs whose flushes need nothing from nvemu
 * (tmpfs, device-dax, MAP_SYNC) as plain memory: the guest's flush write
 * lands there, without an exit (flush-hint.h). */
static bool map_quiet_flush_pages(NvVm *vm, GError **errp)
{
    g_autoptr(GArray) runs = nv_flush_hint_quiet_runs(vm->board->cfg->dimms);
    if (runs->len == 0) {
        return true;
    }
    const size_t len = (size_t)NV_MAX_SLOTS * NV_FLUSH_HINT_STRIDE;
    vm->flush_pages = mmap(NULL, len, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (vm->flush_pages == MAP_FAILED) {
        vm->flush_pages = NULL;
        return kvm_error(errp, "mmap of the flush-hint pages");
    }
    for (guint i = 0; i < runs->len; i++) {
        const NvFlushQuietRun *r = &g_array_index(runs, NvFlushQuietRun, i);
        if (!add_slot(vm, r->gpa, r->len,
                      vm->flush_pages + (r->gpa - NV_MMIO_FLUSH_HINTS),
                      false, errp)) {
            return false;
        }
    }
    return true;
}

static void irq_line(void *opaque, unsigned irq, bool level)
{
    NvVm *vm = opaque;
    struct kvm_irq_level l = { .irq = irq, .level = level };
    if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0) {
        g_printerr("nvemu: KVM_IRQ_LINE %u: %s\n", irq, g_strerror(errno));
    }
}

static bool create_vm(NvVm *vm, GError **errp)
{
    vm->kvm_fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
    if (vm->kvm_fd < 0) {
        return kvm_error(errp, "open " KVM_DEV);
    }
    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0) {
        return kvm_error(errp, "KVM_CREATE_VM");
    }
    uint64_t idmap = IDMAP_ADDR;
    struct kvm_pit_config pit = { .flags = 0 };
    if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)TSS_ADDR) < 0 ||
        ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0) {
        return kvm_error(errp, "KVM_SET_TSS_ADDR");
    }
    if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
        return kvm_error(errp, "KVM_CREATE_IRQCHIP");
    }
    if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
        return kvm_error(errp, "KVM_CREATE_PIT2");
    }
    vm->cpuid = g_malloc0(sizeof(*vm->cpuid) +
                          CPUID_MAX * sizeof(struct kvm_cpuid_entry2));
    vm->cpuid->nent = CPUID_MAX;
    if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, vm->cpuid) < 0) {
        return kvm_error(errp, "KVM_GET_SUPPORTED_CPUID");
    }
    return map_memory(vm, errp) && map_quiet_flush_pages(vm, errp);
}

/* ---- vCPUs ------------------------------------------------------------ */

/* CPUID as KVM offers it, with this vCPU's APIC id in leaves 1 and 0xB,
 * and the "hypervisor present" bit (leaf 1 ECX bit 31), which KVM leaves to
 * the VMM: without it Linux never reads the KVM leaves at 0x40000000, so
 * no kvmclock, so no TSC frequency, and with the hardware-reduced FADT (no
 * PIT) no way to calibrate the LAPIC timer. */
static bool set_cpuid(Vcpu *v, GError **errp)
{
    struct kvm_cpuid2 *c = v->vm->cpuid;
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        if (e->function == 1) {
            e->ebx = (e->ebx & 0x00FFFFFF) | v->index << 24;
            e->ecx |= 1u << 31;
        } else if (e->function == 0xB) {
            e->edx = v->index;
        }
    }
    if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0) {
        return kvm_error(errp, "KVM_SET_CPUID2");
    }
    return true;
}


/* The boot CPU starts at the kernel's 64-bit entry in long mode; the
 * others wait in the in-kernel LAPIC for INIT/SIPI from Linux. */
static bool setup_boot_cpu(Vcpu *v, const NvBootInfo *bi, GError **errp)
{
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
        return kvm_error(errp, "KVM_GET_SREGS");
    }
    long_mode_sregs(&s, bi->gdt, bi->cr3);
    struct kvm_regs r = { .rflags = 0x2, .rip = bi->entry,
                          .rsi = bi->boot_params };
    struct kvm_fpu fpu = { .fcw = 0x37F, .mxcsr = 0x1F80 };
    if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0 ||
        ioctl(v->fd, KVM_SET_REGS, &r) < 0 ||
        ioctl(v->fd, KVM_SET_FPU, &fpu) < 0) {
        return kvm_error(errp, "setting the boot CPU's registers");
    }
    return true;
}

/* LINT0 = ExtINT (the 8259 in virtual-wire mode), LINT1 = NMI, as a BIOS
 * leaves them (Intel SDM vol. 3, 10.5.1). */
static bool setup_lapic(Vcpu *v, GError **errp)
{
    struct kvm_lapic_state l;
    if (ioctl(v->fd, KVM_GET_LAPIC, &l) < 0) {
        return kvm_error(errp, "KVM_GET_LAPIC");
    }
    uint32_t *lint0 = (uint32_t *)&l.regs[0x350];
    uint32_t *lint1 = (uint32_t *)&l.regs[0x360];
    *lint0 = (*lint0 & ~0x700u & ~0x10000u) | 0x700; /* ExtINT, unmasked */
    *lint1 = (*lint1 & ~0x700u & ~0x10000u) | 0x400; /* NMI, unmasked */
    if (ioctl(v->fd, KVM_SET_LAPIC, &l) < 0) {
        return kvm_error(errp, "KVM_SET_LAPIC");
    }
    return true;
}

static bool create_vcpu(NvVm *vm, unsigned i, const NvBootInfo *bi,
                        GError **errp)
{
    Vcpu *v = &vm->vcpus[i];
    v->vm = vm;
    v->index = i;
    v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
    if (v->fd < 0) {
        return kvm_error(errp, "KVM_CREATE_VCPU");
    }
    int size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size <= 0) {
        return kvm_error(errp, "KVM_GET_VCPU_MMAP_SIZE");
    }
    v->run_size = (size_t)size;
    v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                  v->fd, 0);
    if (v->run == MAP_FAILED) {
        v->run = NULL;
        return kvm_error(errp, "mmap of kvm_run");
    }
    return set_cpuid(v, errp) && setup_lapic(v, errp) &&
           (i != 0 || setup_boot_cpu(v, bi, errp));
}

static void fatal(NvVm *vm, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void fatal(NvVm *vm, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_mutex_lock(&vm->lock);
    if (!vm->error) {
        vm->error = g_steal_pointer(&msg);
    }
    vm->stop = true;
    g_mutex_unlock(&vm->lock);
    nv_power_wake(vm->board->power); /* wake the main thread */
}

/* -d io: one line per access, after it was served (so reads show the
 * value the guest got). */
static void trace(const Vcpu *v, const char *space, uint64_t addr,
                  const uint8_t *data, unsigned len, bool write, bool claimed)
{
    uint64_t val = 0;
    for (unsigned i = 0; i < len && i < 8; i++) {
        val |= (uint64_t)data[i] << (8 * i);
    }
    fprintf(nv_debug_log(), "nvemu: io: cpu%u %s %s 0x%" G_GINT64_MODIFIER "x/%u "
            "= 0x%" G_GINT64_MODIFIER "x%s\n", v->index, space,
            write ? "write" : "read", addr, len, val,
            claimed ? "" : " (unclaimed)");
}

/* One exit; false when the vCPU must stop. */
static bool handle_exit(Vcpu *v)
{
    struct kvm_run *run = v->run;
    NvIoBus *bus = v->vm->board->bus;
    bool tracing = v->vm->board->cfg->trace_io;
    switch (run->exit_reason) {
    case KVM_EXIT_IO: {
        uint8_t *data = (uint8_t *)run + run->io.data_offset;
        bool out = run->io.direction == KVM_EXIT_IO_OUT;
        for (uint32_t i = 0; i < run->io.count; i++) {
            bool hit = nv_io_dispatch(bus, NV_IO_PIO, run->io.port, data,
                                      run->io.size, out);
            if (tracing) {
                trace(v, "pio", run->io.port, data, run->io.size, out, hit);
            }
            data += run->io.size;
        }
        return true;
    }
    case KVM_EXIT_MMIO: {
        bool hit = nv_io_dispatch(bus, NV_IO_MMIO, run->mmio.phys_addr,
                                  run->mmio.data, run->mmio.len,
                                  run->mmio.is_write);
        if (tracing) {
            trace(v, "mmio", run->mmio.phys_addr, run->mmio.data,
                  run->mmio.len, run->mmio.is_write, hit);
        }
        return true;
    }
    case KVM_EXIT_INTR:
        return true;
    case KVM_EXIT_SHUTDOWN: /* a triple fault: the CPU resets */
        nv_power_latch(v->vm->board->power, NV_POWER_RESET);
        return false;
    case KVM_EXIT_FAIL_ENTRY:
        fatal(v->vm, "vCPU %u: KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx",
              v->index, run->fail_entry.hardware_entry_failure_reason);
        return false;
    case KVM_EXIT_INTERNAL_ERROR:
        fatal(v->vm, "vCPU %u: KVM internal error, suberror %u", v->index,
              run->internal.suberror);
        return false;
    default:
        fatal(v->vm, "vCPU %u: unexpected KVM exit %u", v->index,
              run->exit_reason);
        return false;
    }
}

static void *vcpu_thread(void *opaque)
{
    Vcpu *v = opaque;
    NvVm *vm = v->vm;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, KICK_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    g_atomic_int_set(&v->tid, (gint)syscall(SYS_gettid));

    while (!vm->stop && nv_power_request(vm->board->power) == NV_POWER_NONE) {
        /* Parked here while the machine is paused; leave when released. */
        if (!nv_park_checkpoint(vm->park, v->index) || vm->stop ||
            nv_power_request(vm->board->power) != NV_POWER_NONE) {
            break;
        }
        if (ioctl(v->fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                v->run->immediate_exit = 0;
                continue;
            }
            if (errno == EFAULT) {
                /* A guest page nvemu's mapping cannot provide (SIGBUS
                 * on a host access): say which backend and why. */
                g_autofree char *why = nv_config_unbacked(vm->board->cfg,
                                                          true);
                fatal(vm, "%s", why);
                break;
            }
            fatal(vm, "vCPU %u: KVM_RUN: %s", v->index, g_strerror(errno));
            break;
        }
        if (!handle_exit(v)) {
            break;
        }
    }
    nv_park_thread_exit(vm->park, v->index);
    return NULL;
}

static void kick_handler(int sig)
{
    (void)sig; /* only interrupts KVM_RUN */
}

/* Out of KVM_RUN at once: immediate_exit covers a kick that lands just
 * before the vCPU enters KVM_RUN, the signal one that lands inside. */
static void kick_vcpu(void *opaque, unsigned index)
{
    NvVm *vm = opaque;
    Vcpu *v = &vm->vcpus[index];
    if (v->started) {
        v->run->immediate_exit = 1;
        pthread_kill(v->thread, KICK_SIGNAL);
    }
}

/* Make every vCPU leave KVM_RUN and not enter it again. */
void nv_vm_stop(NvVm *vm)
{
    vm->stop = true;
    nv_park_release(vm->park); /* parked vCPUs leave too */
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        Vcpu *v = &vm->vcpus[i];
        if (v->started) {
            v->run->immediate_exit = 1;
            pthread_kill(v->thread, KICK_SIGNAL);
        }
    }
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        if (vm->vcpus[i].started) {
            pthread_join(vm->vcpus[i].thread, NULL);
            vm->vcpus[i].started = false;
        }
    }
}

void nv_vm_free(NvVm *vm)
{
    if (!vm) {
        return;
    }
    nv_vm_stop(vm);
    nv_park_set_kick(vm->park, NULL, NULL);
    nv_board_set_irq(vm->board, NULL, NULL);
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        Vcpu *v = &vm->vcpus[i];
        if (v->run) {
            munmap(v->run, v->run_size);
        }
        if (v->fd >= 0) {
            close(v->fd);
        }
    }
    g_free(vm->vcpus);
    g_free(vm->cpuid);
    if (vm->vm_fd >= 0) {
        close(vm->vm_fd);
    }
    if (vm->kvm_fd >= 0) {
        close(vm->kvm_fd);
    }
    if (vm->flush_pages) {
        munmap(vm->flush_pages, (size_t)NV_MAX_SLOTS * NV_FLUSH_HINT_STRIDE);
    }
    g_free(vm->error);
    g_mutex_clear(&vm->lock);
    g_free(vm);
}

const char *nv_vm_error(NvVm *vm)
{
    g_mutex_lock(&vm->lock);
    const char *e = vm->error; /* set once, never changed after */
    g_mutex_unlock(&vm->lock);
    return e;
}

int nv_vm_vcpu_tid(NvVm *vm, unsigned i)
{
    return i < vm->nvcpus ? g_atomic_int_get(&vm->vcpus[i].tid) : 0;
}

NvVm *nv_vm_start(NvBoard *board, const NvBootInfo *boot, NvPark *park,
                  NvSlots *slots, GError **errp)
{
    NvVm *vm = g_new0(NvVm, 1);
    vm->board = board;
    vm->park = park;
    vm->slots = slots;
    vm->kvm_fd = vm->vm_fd = -1;
    vm->nvcpus = board->cfg->smp;
    vm->vcpus = g_new0(Vcpu, vm->nvcpus);
    g_mutex_init(&vm->lock);
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        vm->vcpus[i].fd = -1;
    }

    struct sigaction sa = { .sa_handler = kick_handler };
    sigaction(KICK_SIGNAL, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, KICK_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* only vCPU threads take it */

    if (!create_vm(vm, errp)) {
        goto fail;
    }
    nv_board_set_irq(board, irq_line, vm);
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        if (!create_vcpu(vm, i, boot, errp)) {
            goto fail;
        }
    }
    nv_park_rearm(park);
    nv_park_set_kick(park, kick_vcpu, vm);
    /* A vCPU thread's stack of NV_VCPU_STACK, not glibc's 8 MiB: on a host
     * with transparent huge pages "always" (Debian's default) the first
     * touch of an 8 MiB stack's aligned top faults in a whole 2 MiB page,
     * 2 MiB of resident memory per vCPU for a few KiB of frames. A mapping
     * under 2 MiB never gets one. */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, NV_VCPU_STACK);
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        Vcpu *v = &vm->vcpus[i];
        /* live before it runs, so a pause taken from now on waits for it */
        nv_park_thread_start(park, i);
        if (pthread_create(&v->thread, &attr, vcpu_thread, v) != 0) {
            nv_park_thread_exit(park, i);
            pthread_attr_destroy(&attr);
            kvm_error(errp, "pthread_create");
            goto fail;
        }
        v->started = true;
    }
    pthread_attr_destroy(&attr);
    return vm;
fail:
    nv_vm_free(vm);
    return NULL;
}
