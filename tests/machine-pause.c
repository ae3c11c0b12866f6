/*
 * tests/machine-pause.c — a test harness, not a user feature: boots a real
 * guest with nvemu's machine object (vm.h) from an nvemu command line and,
 * while the guest runs, drives nv_machine_pause()/nv_machine_resume() from
 * the machine's own main loop as a monitor will. Six rounds: pause (time
 * it), check the state reads "paused" and that the vCPU threads use no CPU
 * for 1 s (from /proc/self/task/TID/stat), resume, check "running" and that
 * they use CPU again. Then, once the guest's vCPUs are idle (its busy loop
 * is over), nv_machine_request_reset(): the guest must boot again; 10 s
 * into that boot, nv_machine_quit(): nv_machine_boot() must return
 * NV_POWER_QUIT with the state "shutdown". One line per step on
 * stderr; exit 0 when every step held, 1 otherwise.
 * Run in the test host by tests/test-guest-pause.sh.
 */
#include "vm.h"
#include "kvm.h"
#include "signals.h"

#include <stdlib.h>
#include <string.h>

#define ROUNDS 6
#define IDLE_TICKS 20 /* clock ticks (1/100 s) of vCPU time in 1 s */

typedef struct {
    NvMachine *m;
    unsigned round;
    bool paused;
    gint64 t0;
    uint64_t cpu0;
    bool failed;
    unsigned boots;       /* nv_machine_boot() calls so far */
    bool reset_sent, quit_sent;
    unsigned idle_ticks, boot2_ticks;
    unsigned idle_run;              /* ticks in a row with the vCPUs idle */
    uint64_t last_used, max_used;   /* vCPU time in the last / busiest tick */
} Harness;

/* utime + stime of every vCPU thread, in clock ticks. */
static uint64_t vcpu_ticks(NvMachine *m, unsigned *n)
{
    GArray *tids = nv_machine_vcpu_tids(m);
    uint64_t sum = 0;
    *n = 0;
    for (guint i = 0; i < tids->len; i++) {
        int tid = g_array_index(tids, int, i);
        g_autofree char *path = g_strdup_printf("/proc/self/task/%d/stat",
                                                tid);
        g_autofree char *stat = NULL;
        if (tid <= 0 || !g_file_get_contents(path, &stat, NULL, NULL)) {
            continue;
        }
        const char *p = strrchr(stat, ')');
        unsigned long long ut = 0, st = 0;
        /* after "pid (comm)": state ppid pgrp session tty tpgid flags
         * minflt cminflt majflt cmajflt utime stime */
        if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
                        "%*u %llu %llu", &ut, &st) == 2) {
            sum += ut + st;
            (*n)++;
        }
    }
    g_array_unref(tids);
    return sum;
}

static void fail(Harness *h, const char *what)
{
    fprintf(stderr, "machine-pause: round %u: FAILED: %s\n", h->round, what);
    h->failed = true;
}

static gboolean step(gpointer opaque)
{
    Harness *h = opaque;
    unsigned n;
    if (h->failed) {
        return G_SOURCE_REMOVE;
    }
    /* then a reset once the guest has ended its busy loop (its script
     * sleeps): its vCPUs used less than IDLE_TICKS in each of the last two
     * 1 s ticks (the loop keeps one vCPU busy: about 100 a tick); at the
     * latest 60 s after the rounds. (A fixed 16 s, as before, left a slow
     * boot little room: the loop ends 12 s after the script starts.) */
    if (h->round >= ROUNDS && !h->reset_sent) {
        uint64_t cpu = vcpu_ticks(h->m, &n);
        h->last_used = cpu - h->cpu0;
        h->cpu0 = cpu;
        h->idle_run = h->last_used < IDLE_TICKS ? h->idle_run + 1 : 0;
        h->max_used = MAX(h->max_used, h->last_used);
        if (++h->idle_ticks < 60 && h->idle_run < 2) {
            return G_SOURCE_CONTINUE;
        }
        h->reset_sent = true;
        if (!nv_machine_request_reset(h->m)) {
            fail(h, "nv_machine_request_reset() found no guest");
        }
        fprintf(stderr, "machine-pause: reset requested %u s after the "
                "rounds, vCPUs idle %u s (+%" G_GUINT64_FORMAT " ticks in the "
                "last, busy up to +%" G_GUINT64_FORMAT ")\n", h->idle_ticks,
                h->idle_run, h->last_used, h->max_used);
        return G_SOURCE_CONTINUE;
    }
    if (h->round >= ROUNDS) {
        if (h->boots == 2 && nv_machine_status(h->m) == NV_RUN_RUNNING &&
            ++h->boot2_ticks == 10) { /* the guest's script runs again */
            fprintf(stderr, "machine-pause: boot 2 running, quit\n");
            h->quit_sent = true;
            nv_machine_quit(h->m);
            return G_SOURCE_REMOVE;
        }
        return G_SOURCE_CONTINUE;
    }
    if (!h->paused) {
        if (h->round > 0 && vcpu_ticks(h->m, &n) == h->cpu0) {
            fail(h, "the vCPUs used no CPU while running");
        }
        gint64 t = g_get_monotonic_time();
        nv_machine_pause(h->m);
        gint64 took = g_get_monotonic_time() - t;
        h->paused = true;
        if (nv_machine_status(h->m) != NV_RUN_PAUSED) {
            fail(h, "status is not paused");
        }
        h->cpu0 = vcpu_ticks(h->m, &n);
        h->t0 = g_get_monotonic_time();
        fprintf(stderr, "machine-pause: round %u: %u vCPUs parked in %"
                G_GINT64_FORMAT " us\n", h->round, n, took);
        return G_SOURCE_CONTINUE;
    }
    uint64_t cpu = vcpu_ticks(h->m, &n);
    fprintf(stderr, "machine-pause: round %u: paused %" G_GINT64_FORMAT
            " ms, vCPU CPU +%" G_GUINT64_FORMAT " ticks\n", h->round,
            (g_get_monotonic_time() - h->t0) / 1000, cpu - h->cpu0);
    if (cpu - h->cpu0 > 1) { /* one tick of accounting slack */
        fail(h, "the vCPUs ran while paused");
    }
    nv_machine_resume(h->m);
    h->paused = false;
    if (nv_machine_status(h->m) != NV_RUN_RUNNING) {
        fail(h, "status is not running after resume");
    }
    h->cpu0 = vcpu_ticks(h->m, &n);
    h->round++;
    return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NvConfig) cfg = nv_config_parse(argc, argv, &err);
    if (!cfg || !nv_config_plan(cfg, &err) || !nv_signals_init(&err) ||
        !nv_kvm_probe(&err)) {
        fprintf(stderr, "machine-pause: %s\n", err->message);
        return 1;
    }
    NvMachine *m = nv_machine_new(cfg);
    Harness h = { .m = m };
    /* every second: pause, or check and resume */
    GSource *tick = g_timeout_source_new(1000);
    g_source_set_callback(tick, step, &h, NULL);
    g_source_attach(tick, nv_machine_context(m));
    bool ran = false;
    NvPowerRequest r;
    do {
        h.boots++;
        r = nv_machine_boot(m, &ran, &err);
    } while (r == NV_POWER_RESET && h.boots < 3);
    const char *state = nv_run_state_name(nv_machine_status(m));
    g_source_destroy(tick);
    g_source_unref(tick);
    nv_machine_free(m);
    if (r == NV_POWER_NONE) {
        fprintf(stderr, "machine-pause: %s\n", err->message);
        return 1;
    }
    static const char *const how[] = {
        [NV_POWER_OFF] = "power-off", [NV_POWER_RESET] = "reset",
        [NV_POWER_SIGNAL] = "signal", [NV_POWER_QUIT] = "quit" };
    fprintf(stderr, "machine-pause: %u rounds, %u boots, the last ended by "
            "%s, state %s\n", h.round, h.boots, how[r], state);
    return h.failed || h.round < ROUNDS || h.boots != 2 ||
           r != NV_POWER_QUIT || strcmp(state, "shutdown") != 0;
}
