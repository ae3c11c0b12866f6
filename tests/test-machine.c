/*
 * tests/test-machine.c — the machine object's parts that need no KVM
 * (machine/vm.h): vCPU parking with fake vCPU threads that stand in for
 * KVM_RUN (some exit often, one stays "halted" until kicked, as a vCPU
 * in KVM_RUN does), the KVM slot-id allocator, and the machine's state
 * and monitor API before any guest runs.
 */
#include "vm.h"

#include <time.h>

#define NFAKE 4

typedef struct {
    NvPark *park;
    GMutex lock;
    GCond cond;
    gint kicked[NFAKE];
    gint kicks[NFAKE];
    gint runs[NFAKE];       /* "KVM_RUN" calls made */
    gint inside[NFAKE];     /* 1 while in "KVM_RUN" */
    GThread *t[NFAKE];
} Fake;

typedef struct {
    Fake *f;
    unsigned i;
} Arg;

/* The kick: kvm.c sets immediate_exit and signals the thread. */
static void fake_kick(void *opaque, unsigned i)
{
    Fake *f = opaque;
    g_mutex_lock(&f->lock);
    g_atomic_int_set(&f->kicked[i], 1);
    g_atomic_int_inc(&f->kicks[i]);
    g_cond_broadcast(&f->cond);
    g_mutex_unlock(&f->lock);
}

static gpointer fake_vcpu(gpointer opaque)
{
    Arg *a = opaque;
    Fake *f = a->f;
    unsigned i = a->i;
    while (nv_park_checkpoint(f->park, i)) {
        g_atomic_int_set(&f->inside[i], 1);
        g_atomic_int_inc(&f->runs[i]);
        g_mutex_lock(&f->lock);
        if (i == 0) {
            /* a halted vCPU: in KVM_RUN until kicked */
            while (!g_atomic_int_get(&f->kicked[0])) {
                g_cond_wait(&f->cond, &f->lock);
            }
        }
        g_atomic_int_set(&f->kicked[i], 0); /* immediate_exit = 0 */
        g_mutex_unlock(&f->lock);
        g_atomic_int_set(&f->inside[i], 0);
        if (i == 1) {
            g_thread_yield();
        }
    }
    nv_park_thread_exit(f->park, i);
    g_free(a);
    return NULL;
}

static void fake_start(Fake *f)
{
    g_mutex_init(&f->lock);
    g_cond_init(&f->cond);
    f->park = nv_park_new(NFAKE);
    nv_park_set_kick(f->park, fake_kick, f);
    for (unsigned i = 0; i < NFAKE; i++) {
        Arg *a = g_new(Arg, 1);
        *a = (Arg) { f, i };
        nv_park_thread_start(f->park, i);
        f->t[i] = g_thread_new("fake-vcpu", fake_vcpu, a);
    }
}

static void fake_stop(Fake *f)
{
    nv_park_release(f->park);
    for (unsigned i = 0; i < NFAKE; i++) {
        fake_kick(f, i);
        g_thread_join(f->t[i]);
    }
    nv_park_free(f->park);
    g_cond_clear(&f->cond);
    g_mutex_clear(&f->lock);
}

static void assert_parked(Fake *f)
{
    gint before[NFAKE];
    for (unsigned i = 0; i < NFAKE; i++) {
        g_assert_cmpint(g_atomic_int_get(&f->inside[i]), ==, 0);
        before[i] = g_atomic_int_get(&f->runs[i]);
    }
    for (unsigned k = 0; k < 5; k++) {
        g_thread_yield();
    }
    for (unsigned i = 0; i < NFAKE; i++) {
        g_assert_cmpint(g_atomic_int_get(&f->runs[i]), ==, before[i]);
        g_assert_cmpint(g_atomic_int_get(&f->inside[i]), ==, 0);
    }
}

static void wait_runs(Fake *f, unsigned i, gint more_than)
{
    gint64 end = g_get_monotonic_time() + 10 * G_TIME_SPAN_SECOND;
    while (g_atomic_int_get(&f->runs[i]) <= more_than) {
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        if (i == 0) {
            fake_kick(f, 0); /* an interrupt for the halted vCPU */
        }
        g_usleep(100);
    }
}

static void test_pause_resume(void)
{
    Fake f = { 0 };
    fake_start(&f);
    for (unsigned i = 1; i < NFAKE; i++) {
        wait_runs(&f, i, 0);
    }
    for (unsigned round = 0; round < 300; round++) {
        nv_park_pause(f.park);
        g_assert_true(nv_park_paused(f.park));
        /* the halted vCPU 0 can only have left "KVM_RUN" by the kick */
        assert_parked(&f);
        gint r1 = g_atomic_int_get(&f.runs[1]);
        nv_park_resume(f.park);
        g_assert_false(nv_park_paused(f.park));
        wait_runs(&f, 1, r1);
    }
    fake_stop(&f);
}

static int64_t process_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Parked vCPUs sleep: the whole process uses next to no CPU for 200 ms
 * of pause (vCPUs that woke each other would burn NFAKE CPUs' worth). */
static void test_parked_sleep(void)
{
    Fake f = { 0 };
    fake_start(&f);
    for (unsigned i = 1; i < NFAKE; i++) {
        wait_runs(&f, i, 0);
    }
    nv_park_pause(f.park);
    int64_t t0 = process_cpu_us();
    g_usleep(200000);
    int64_t used = process_cpu_us() - t0;
    g_test_message("CPU used in 200 ms of pause: %" G_GINT64_FORMAT " us",
                   used);
    g_assert_cmpint(used, <, 20000);
    assert_parked(&f);
    nv_park_resume(f.park);
    fake_stop(&f);
}

static void test_nested_and_release(void)
{
    Fake f = { 0 };
    fake_start(&f);
    wait_runs(&f, 2, 0);
    nv_park_pause(f.park);
    nv_park_pause(f.park);       /* a second holder (a slot change) */
    nv_park_resume(f.park);
    g_assert_true(nv_park_paused(f.park));
    assert_parked(&f);           /* still held by the first */
    gint r2 = g_atomic_int_get(&f.runs[2]);
    nv_park_resume(f.park);
    wait_runs(&f, 2, r2);
    nv_park_resume(f.park);      /* one too many: harmless */
    g_assert_false(nv_park_paused(f.park));

    /* the VM goes away while paused: parked threads leave, and a pause
     * taken with no live vCPU returns at once */
    nv_park_pause(f.park);
    fake_stop(&f);
}

static void test_pause_without_threads(void)
{
    NvPark *p = nv_park_new(2);
    nv_park_pause(p);             /* nobody to wait for */
    g_assert_true(nv_park_paused(p));
    /* a thread started while paused parks at its first checkpoint */
    nv_park_thread_start(p, 0);
    nv_park_release(p);
    g_assert_false(nv_park_checkpoint(p, 0));
    nv_park_rearm(p);
    nv_park_resume(p);
    g_assert_true(nv_park_checkpoint(p, 0));
    nv_park_thread_exit(p, 0);
    nv_park_free(p);
}

static void test_slots(void)
{
    NvSlots s;
    nv_slots_init(&s, 3);
    g_assert_cmpint(nv_slots_alloc(&s, 0), ==, 0);
    g_assert_cmpint(nv_slots_alloc(&s, 4 * GiB), ==, 1);
    g_assert_cmpint(nv_slots_alloc(&s, 5 * GiB), ==, 2);
    g_assert_cmpint(nv_slots_alloc(&s, 6 * GiB), ==, -1);
    g_assert_cmpint(nv_slots_find(&s, 5 * GiB), ==, 2);
    g_assert_cmpint(nv_slots_find(&s, 6 * GiB), ==, -1);
    nv_slots_free(&s, 1);
    g_assert_cmpint(nv_slots_find(&s, 4 * GiB), ==, -1); /* freed */
    g_assert_cmpuint(nv_slots_in_use(&s), ==, 2);
    g_assert_cmpint(nv_slots_alloc(&s, 7 * GiB), ==, 1); /* the freed id */
    g_assert_cmpint(nv_slots_find(&s, 7 * GiB), ==, 1);
    nv_slots_free(&s, 99);                        /* out of range: ignored */
    g_assert_cmpuint(nv_slots_in_use(&s), ==, 3);

    nv_slots_init(&s, 100000);                    /* capped */
    g_assert_cmpuint(s.limit, ==, NV_SLOTS_MAX);
    for (int i = 0; i < NV_SLOTS_MAX; i++) {
        g_assert_cmpint(nv_slots_alloc(&s, (uint64_t)i * GiB), ==, i);
    }
    g_assert_cmpint(nv_slots_alloc(&s, 0), ==, -1);
    nv_slots_free(&s, 300);
    g_assert_cmpint(nv_slots_alloc(&s, 0), ==, 300);
}

static void test_machine_idle(void)
{
    char *argv[] = { "nvemu", "-m", "64M", "-smp", "3", NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(NvConfig) cfg = nv_config_parse(5, argv, &err);
    g_assert_no_error(err);
    g_assert_true(nv_config_plan(cfg, &err));
    NvMachine *m = nv_machine_new(cfg);
    g_assert_true(nv_machine_context(m) == g_main_context_get_thread_default());
    g_assert_cmpint(nv_machine_status(m), ==, NV_RUN_PRELAUNCH);
    g_assert_cmpstr(nv_run_state_name(nv_machine_status(m)), ==, "prelaunch");
    g_assert_cmpstr(nv_run_state_name(NV_RUN_PAUSED), ==, "paused");
    g_assert_false(nv_machine_request_reset(m)); /* no guest yet */
    GArray *tids = nv_machine_vcpu_tids(m);
    g_assert_cmpuint(tids->len, ==, 0);
    g_array_unref(tids);
    g_assert_cmpuint(nv_machine_ram_size(m), ==, 64 * MiB);
    g_assert_cmpuint(nv_machine_dimms(m)->len, ==, 0);
    nv_machine_pause(m);       /* no vCPU: returns at once */
    nv_machine_resume(m);
    nv_machine_quit(m);        /* no loop yet: remembered */
    nv_machine_free(m);
    g_assert_true(g_main_context_get_thread_default() == NULL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/park/pause-resume", test_pause_resume);
    g_test_add_func("/park/parked-sleep", test_parked_sleep);
    g_test_add_func("/park/nested-and-release", test_nested_and_release);
    g_test_add_func("/park/without-threads", test_pause_without_threads);
    g_test_add_func("/slots/alloc-free", test_slots);
    g_test_add_func("/machine/idle", test_machine_idle);
    return g_test_run();
}
