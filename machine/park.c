/*
 * machine/park.c — bringing every vCPU out of KVM_RUN and holding it
 * there (vm.h). A vCPU is "parked" while it waits in nv_park_checkpoint();
 * nv_park_pause() returns when every live vCPU is. The checkpoint's fast
 * path is one atomic load: a pause is published before the kicks, and a
 * vCPU that read "no pause" just before entering KVM_RUN is kicked out of
 * it at once by immediate_exit (set by the kick before its signal).
 */
#include "vm.h"

struct NvPark {
    GMutex lock;
    GCond cond;
    unsigned n;
    bool *live, *parked;
    gint depth;          /* pauses held; read without the lock */
    gint released;       /* read without the lock */
    NvKickFn kick;
    void *kick_opaque;
};

NvPark *nv_park_new(unsigned nvcpus)
{
    NvPark *p = g_new0(NvPark, 1);
    g_mutex_init(&p->lock);
    g_cond_init(&p->cond);
    p->n = nvcpus;
    p->live = g_new0(bool, nvcpus);
    p->parked = g_new0(bool, nvcpus);
    return p;
}

void nv_park_free(NvPark *p)
{
    if (p) {
        g_free(p->live);
        g_free(p->parked);
        g_cond_clear(&p->cond);
        g_mutex_clear(&p->lock);
        g_free(p);
    }
}

void nv_park_set_kick(NvPark *p, NvKickFn kick, void *opaque)
{
    g_mutex_lock(&p->lock);
    p->kick = kick;
    p->kick_opaque = opaque;
    g_mutex_unlock(&p->lock);
}

void nv_park_thread_start(NvPark *p, unsigned index)
{
    g_mutex_lock(&p->lock);
    p->live[index] = true;
    p->parked[index] = false;
    g_mutex_unlock(&p->lock);
}

void nv_park_thread_exit(NvPark *p, unsigned index)
{
    g_mutex_lock(&p->lock);
    p->live[index] = false;
    p->parked[index] = false;
    g_cond_broadcast(&p->cond); /* a pauser need not wait for it */
    g_mutex_unlock(&p->lock);
}

bool nv_park_checkpoint(NvPark *p, unsigned index)
{
    if (g_atomic_int_get(&p->depth) == 0 &&
        !g_atomic_int_get(&p->released)) {
        return true;
    }
    g_mutex_lock(&p->lock);
    if (p->depth > 0 && !p->released) {
        /* Tell the pauser once: a broadcast on every wake-up would have
         * the parked vCPUs wake each other for ever (measured in the test
         * host: a whole host CPU burnt while "paused"). */
        p->parked[index] = true;
        g_cond_broadcast(&p->cond);
        while (p->depth > 0 && !p->released) {
            g_cond_wait(&p->cond, &p->lock);
        }
    }
    p->parked[index] = false;
    bool go = !p->released;
    g_mutex_unlock(&p->lock);
    return go;
}

static bool all_parked(NvPark *p)
{
    for (unsigned i = 0; i < p->n; i++) {
        if (p->live[i] && !p->parked[i]) {
            return false;
        }
    }
    return true;
}

void nv_park_pause(NvPark *p)
{
    g_mutex_lock(&p->lock);
    g_atomic_int_inc(&p->depth);
    for (unsigned i = 0; i < p->n; i++) {
        if (p->live[i] && !p->parked[i] && p->kick) {
            p->kick(p->kick_opaque, i);
        }
    }
    while (!p->released && !all_parked(p)) {
        g_cond_wait(&p->cond, &p->lock);
    }
    g_mutex_unlock(&p->lock);
}

void nv_park_resume(NvPark *p)
{
    g_mutex_lock(&p->lock);
    if (p->depth > 0 && g_atomic_int_dec_and_test(&p->depth)) {
        g_cond_broadcast(&p->cond);
    }
    g_mutex_unlock(&p->lock);
}

bool nv_park_paused(NvPark *p)
{
    return g_atomic_int_get(&p->depth) > 0;
}

void nv_park_release(NvPark *p)
{
    g_mutex_lock(&p->lock);
    g_atomic_int_set(&p->released, 1);
    g_cond_broadcast(&p->cond);
    g_mutex_unlock(&p->lock);
}

void nv_park_rearm(NvPark *p)
{
    g_mutex_lock(&p->lock);
    g_atomic_int_set(&p->released, 0);
    g_mutex_unlock(&p->lock);
}
