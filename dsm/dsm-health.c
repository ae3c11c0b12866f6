/*
 * dsm/dsm-health.c — the Intel family's health functions (layouts of
 * Linux's and ndctl's nd_intel_smart*; docs/health.md):
 *   1  Get SMART                 132 bytes out
 *   2  Get SMART Threshold        12 bytes out
 *   10 Latch System Shutdown Status (u8 enable in)
 *   17 Set SMART Threshold       (revision 2) 7 bytes in
 *   18 Inject SMART              (revision 2) 15 bytes in
 * A change that trips an enabled alarm which was not tripped, or an
 * injected fatal error or unsafe shutdown, asks the machine to send
 * Notify (NVxx, 0x81) to the DIMM (nv_dsm_set_notify()).
 */
#include "dsm-int.h"

/* Get SMART's valid bits (the payload's flags word). */
#define SMART_HEALTH_VALID         (1u << 0)
#define SMART_SPARES_VALID         (1u << 1)
#define SMART_USED_VALID           (1u << 2)
#define SMART_MTEMP_VALID          (1u << 3)
#define SMART_CTEMP_VALID          (1u << 4)
#define SMART_SHUTDOWN_COUNT_VALID (1u << 5)
#define SMART_ALARM_VALID          (1u << 9)
#define SMART_SHUTDOWN_VALID       (1u << 10)
#define SMART_VALID (SMART_HEALTH_VALID | SMART_SPARES_VALID |            \
                     SMART_USED_VALID | SMART_MTEMP_VALID |              \
                     SMART_CTEMP_VALID | SMART_SHUTDOWN_COUNT_VALID |    \
                     SMART_ALARM_VALID | SMART_SHUTDOWN_VALID)

/* Inject SMART's flags. */
#define INJECT_MTEMP    (1u << 0)
#define INJECT_SPARE    (1u << 1)
#define INJECT_FATAL    (1u << 2)
#define INJECT_SHUTDOWN (1u << 3)
#define INJECT_ALL      0xfu

/*
 * The guest-visible layouts (status first), checked against the offsets
 * of docs/health.md. Packed: these are byte layouts, not C structs the
 * code uses (it reads and writes the bytes with nv_ld/nv_st).
 */
struct smart_out {
    uint32_t status, flags, reserved0;
    uint8_t health, spares, life_used, alarm_flags;
    uint16_t media_temp, ctrl_temp;
    uint32_t shutdown_count;
    uint8_t ait_status;
    uint16_t pmic_temp;
    uint8_t reserved1[8];
    uint8_t shutdown_state;
    uint32_t vendor_size;
    uint8_t vendor_data[92];
} __attribute__((packed));
_Static_assert(sizeof(struct smart_out) == NV_DSM_SMART_OUT_LEN &&
               offsetof(struct smart_out, health) == 4 + 8 &&
               offsetof(struct smart_out, media_temp) == 4 + 12 &&
               offsetof(struct smart_out, shutdown_count) == 4 + 16 &&
               offsetof(struct smart_out, shutdown_state) == 4 + 31 &&
               offsetof(struct smart_out, vendor_size) == 4 + 32,
               "Get SMART: 132 bytes, the payload at 4");
struct threshold_out {
    uint32_t status;
    uint16_t alarm_control;
    uint8_t spares;
    uint16_t media_temp, ctrl_temp;
    uint8_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct threshold_out) == NV_DSM_THRESHOLD_OUT_LEN &&
               offsetof(struct threshold_out, media_temp) == 7,
               "Get SMART Threshold: 12 bytes");
struct set_threshold_in {
    uint16_t alarm_control;
    uint8_t spares;
    uint16_t media_temp, ctrl_temp;
} __attribute__((packed));
_Static_assert(sizeof(struct set_threshold_in) == NV_DSM_SET_THRESHOLD_IN_LEN,
               "Set SMART Threshold: 7 bytes in");
struct inject_in {
    uint64_t flags;
    uint8_t mtemp_enable;
    uint16_t media_temp;
    uint8_t spare_enable, spares, fatal_enable, unsafe_shutdown_enable;
} __attribute__((packed));
_Static_assert(sizeof(struct inject_in) == NV_DSM_INJECT_IN_LEN &&
               offsetof(struct inject_in, spare_enable) == 11 &&
               offsetof(struct inject_in, unsafe_shutdown_enable) == 14,
               "Inject SMART: 15 bytes in");

#define O(s, f) offsetof(struct s, f)

static NvDimmHealth *health(NvDsmCall *c)
{
    return &c->dimm->state.health;
}

/* Function 1. */
uint32_t nv_dsm_get_smart(NvDsmCall *c)
{
    const NvDimmHealth *h = health(c);
    uint8_t *o = c->out;
    memset(o, 0, NV_DSM_SMART_OUT_LEN);
    nv_st32(o + O(smart_out, status), NV_DSM_OK);
    nv_st32(o + O(smart_out, flags), SMART_VALID);
    o[O(smart_out, health)] = h->health;
    o[O(smart_out, spares)] = h->spares;
    o[O(smart_out, life_used)] = h->life_used;
    o[O(smart_out, alarm_flags)] = nv_health_alarms(h);
    nv_st16(o + O(smart_out, media_temp), h->media_temp);
    nv_st16(o + O(smart_out, ctrl_temp), h->ctrl_temp);
    nv_st32(o + O(smart_out, shutdown_count), h->shutdown_count);
    o[O(smart_out, shutdown_state)] = h->shutdown_state;
    return NV_DSM_SMART_OUT_LEN;
}

/* Function 2. */
uint32_t nv_dsm_get_threshold(NvDsmCall *c)
{
    const NvDimmHealth *h = health(c);
    uint8_t *o = c->out;
    memset(o, 0, NV_DSM_THRESHOLD_OUT_LEN);
    nv_st32(o, NV_DSM_OK);
    nv_st16(o + O(threshold_out, alarm_control), h->alarm_control);
    o[O(threshold_out, spares)] = h->spares_threshold;
    nv_st16(o + O(threshold_out, media_temp), h->media_temp_threshold);
    nv_st16(o + O(threshold_out, ctrl_temp), h->ctrl_temp_threshold);
    return NV_DSM_THRESHOLD_OUT_LEN;
}

/* Function 10: u8 enable (0 or 1). nvemu counts every unclean end
 * whether or not the guest latched (docs/health.md); the value is kept
 * for the host to see. */
uint32_t nv_dsm_latch_shutdown(NvDsmCall *c)
{
    if (c->in[0] > 1) {
        return nv_dsm_status(c->out, NV_DSM_INVALID_INPUT);
    }
    health(c)->latch_shutdown = c->in[0];
    return nv_dsm_status(c->out, NV_DSM_OK);
}

/* Tell the guest (Notify 0x81 on the DIMM) when @alarms_before missed an
 * alarm that is tripped now, or @force. */
static void maybe_notify(NvDsmCall *c, uint8_t alarms_before, bool force)
{
    uint8_t now = nv_health_alarms(health(c));
    if (force || (now & ~alarms_before)) {
        nv_dsm_notify_dimm(c->dsm, c->dimm);
    }
}

/* Function 17 (revision 2): alarm_control (bits 0-2), spares threshold
 * (0-100 %), media and controller temperature thresholds. */
uint32_t nv_dsm_set_threshold(NvDsmCall *c)
{
    NvDimmHealth *h = health(c);
    uint16_t ctl = nv_ld16(c->in + O(set_threshold_in, alarm_control));
    uint8_t spares = c->in[O(set_threshold_in, spares)];
    if ((ctl & ~NV_ALARM_ALL) || spares > 100) {
        return nv_dsm_status(c->out, NV_DSM_INVALID_INPUT);
    }
    uint8_t before = nv_health_alarms(h);
    h->alarm_control = ctl;
    h->spares_threshold = spares;
    h->media_temp_threshold =
        nv_ld16(c->in + O(set_threshold_in, media_temp));
    h->ctrl_temp_threshold = nv_ld16(c->in + O(set_threshold_in, ctrl_temp));
    maybe_notify(c, before, false);
    return nv_dsm_status(c->out, NV_DSM_OK);
}

/*
 * Function 18 (revision 2), as nfit_test and ndctl's inject-smart use it:
 * each flag bit selects one field; its enable byte 1 injects the value,
 * 0 takes the injection back (the default temperature and spares, health
 * ok, shutdown state clean). An injected unsafe shutdown also counts one
 * (and the state file, if any, keeps the count).
 */
uint32_t nv_dsm_inject_smart(NvDsmCall *c)
{
    NvDimmHealth *h = health(c);
    uint64_t flags = nv_ld64(c->in + O(inject_in, flags));
    uint8_t mt_en = c->in[O(inject_in, mtemp_enable)];
    uint8_t sp_en = c->in[O(inject_in, spare_enable)];
    uint8_t spares = c->in[O(inject_in, spares)];
    uint8_t fatal = c->in[O(inject_in, fatal_enable)];
    uint8_t unsafe = c->in[O(inject_in, unsafe_shutdown_enable)];
    if ((flags & ~(uint64_t)INJECT_ALL) || mt_en > 1 || sp_en > 1 ||
        fatal > 1 || unsafe > 1 || ((flags & INJECT_SPARE) && spares > 100)) {
        return nv_dsm_status(c->out, NV_DSM_INVALID_INPUT);
    }
    NvDimmHealth def;
    nv_health_init(&def);
    uint8_t before = nv_health_alarms(h);
    bool force = false;
    if (flags & INJECT_MTEMP) {
        h->media_temp = mt_en ? nv_ld16(c->in + O(inject_in, media_temp))
                              : def.media_temp;
    }
    if (flags & INJECT_SPARE) {
        h->spares = sp_en ? spares : def.spares;
    }
    if (flags & INJECT_FATAL) {
        h->health = fatal ? NV_HEALTH_FATAL : def.health;
        force |= fatal;
    }
    if (flags & INJECT_SHUTDOWN) {
        if (unsafe) {
            h->shutdown_state = 1;
            h->shutdown_count++;
            g_autoptr(GError) err = NULL;
            if (!nv_dimm_save_state(c->dimm, &err)) {
                g_printerr("nvemu: warning: %s\n", err->message);
            }
        } else {
            h->shutdown_state = 0;
        }
        force |= unsafe;
    }
    maybe_notify(c, before, force);
    return nv_dsm_status(c->out, NV_DSM_OK);
}

/* ---- the host's side (dsm.h) ------------------------------------------ */

bool nv_dsm_update_health(NvDsm *dsm, NvDimm *dimm, const NvHealthUpdate *u,
                          NvDsmNotifyMode notify)
{
    nv_dsm_lock(dsm);
    NvDimmHealth *h = &dimm->state.health;
    uint32_t count = h->shutdown_count;
    uint8_t state = h->shutdown_state;
    bool tell = nv_health_apply(h, u);
    if (h->shutdown_count != count || h->shutdown_state != state) {
        g_autoptr(GError) err = NULL;
        if (!nv_dimm_save_state(dimm, &err)) {
            g_printerr("nvemu: warning: %s\n", err->message);
        }
    }
    tell = notify == NV_DSM_NOTIFY_ALWAYS ||
           (notify == NV_DSM_NOTIFY_AUTO && tell);
    if (tell) {
        nv_dsm_notify_dimm(dsm, dimm);
    }
    nv_dsm_unlock(dsm);
    return tell;
}

void nv_dsm_read_health(NvDsm *dsm, const NvDimm *dimm, NvDimmHealth *out)
{
    nv_dsm_lock(dsm);
    *out = dimm->state.health;
    nv_dsm_unlock(dsm);
}
