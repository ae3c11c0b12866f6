/*
 * devices/nvdimm-notify.c — the NVDIMM pending-notify block (see
 * nvdimm-notify.h): a bitmap of slots, set by the machine, read and
 * cleared a dword at a time by \_SB.NVDR.NHLT.
 */
#include "nvdimm-notify.h"

#include <string.h>

G_STATIC_ASSERT(NV_NVNT_REG_LEN * 8 == NV_MAX_SLOTS &&
                NV_NVNT_REG_LEN % 4 == 0);
G_STATIC_ASSERT((NV_MMIO_NVDIMM_NOTIFY & 0xFFF) == 0 &&
                NV_MMIO_NVDIMM_NOTIFY + NV_NVNT_REG_LEN <=
                    UINT64_C(0xFEC00000));

struct NvNvdimmNotify {
    GMutex lock;   /* the machine sets, a vCPU reads */
    uint32_t pending[NV_NVNT_REG_LEN / 4];
};

NvNvdimmNotify *nv_nvdimm_notify_new(void)
{
    NvNvdimmNotify *n = g_new0(NvNvdimmNotify, 1);
    g_mutex_init(&n->lock);
    return n;
}

void nv_nvdimm_notify_free(NvNvdimmNotify *n)
{
    if (n) {
        g_mutex_clear(&n->lock);
        g_free(n);
    }
}

void nv_nvdimm_notify_set(NvNvdimmNotify *n, uint32_t slot)
{
    if (slot >= NV_MAX_SLOTS) {
        return;
    }
    g_mutex_lock(&n->lock);
    n->pending[slot / 32] |= 1u << (slot % 32);
    g_mutex_unlock(&n->lock);
}

void nv_nvdimm_notify_io(void *opaque, uint64_t offset, uint8_t *data,
                         unsigned len, bool is_write)
{
    NvNvdimmNotify *n = opaque;
    if (is_write) {
        return;
    }
    memset(data, 0, len);
    /* dword reads only (NHLT's Field is DWordAcc): a narrower read must
     * not swallow bits it cannot return */
    if (len == 4 && offset % 4 == 0 && offset < NV_NVNT_REG_LEN) {
        g_mutex_lock(&n->lock);
        uint32_t v = n->pending[offset / 4];
        n->pending[offset / 4] = 0;
        g_mutex_unlock(&n->lock);
        nv_st32(data, v);
    }
}

bool nv_nvdimm_notify_attach(NvIoBus *bus, NvNvdimmNotify *n, GError **errp)
{
    return nv_io_register(bus, NV_IO_MMIO, NV_MMIO_NVDIMM_NOTIFY,
                          NV_NVNT_REG_LEN, "nvdimm-notify",
                          nv_nvdimm_notify_io, n, errp);
}
