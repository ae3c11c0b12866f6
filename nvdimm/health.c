/*
 * nvdimm/health.c — a DIMM's SMART health values and the rules the SMART
 * functions share: defaults, which alarms are tripped, the temperature
 * encoding (1/16 degree Celsius, bit 15 = negative, as Linux's and
 * ndctl's nd_intel_smart).
 */
#include "nvdimm.h"

#include <string.h>

#define DEG(c) ((uint16_t)((c) * 16))

void nv_health_init(NvDimmHealth *h)
{
    *h = (NvDimmHealth) {
        .health = 0,
        .spares = 100,
        .life_used = 0,
        .media_temp = DEG(30),
        .ctrl_temp = DEG(35),
        .alarm_control = 0,
        .spares_threshold = 10,
        .media_temp_threshold = DEG(85),
        .ctrl_temp_threshold = DEG(95),
    };
}

int32_t nv_health_temp_decode(uint16_t t)
{
    int32_t v = t & 0x7fff;
    return (t & 0x8000) ? -v : v;
}

uint16_t nv_health_temp_encode(int32_t sixteenths)
{
    if (sixteenths < 0) {
        int32_t m = -sixteenths > 0x7fff ? 0x7fff : -sixteenths;
        return (uint16_t)(0x8000 | m);
    }
    return (uint16_t)(sixteenths > 0x7fff ? 0x7fff : sixteenths);
}

uint8_t nv_health_alarms(const NvDimmHealth *h)
{
    uint8_t a = 0;
    if ((h->alarm_control & NV_ALARM_SPARES) &&
        h->spares <= h->spares_threshold) {
        a |= NV_ALARM_SPARES;
    }
    if ((h->alarm_control & NV_ALARM_MEDIA_TEMP) &&
        nv_health_temp_decode(h->media_temp) >=
            nv_health_temp_decode(h->media_temp_threshold)) {
        a |= NV_ALARM_MEDIA_TEMP;
    }
    if ((h->alarm_control & NV_ALARM_CTRL_TEMP) &&
        nv_health_temp_decode(h->ctrl_temp) >=
            nv_health_temp_decode(h->ctrl_temp_threshold)) {
        a |= NV_ALARM_CTRL_TEMP;
    }
    return a;
}

bool nv_health_temp_from_celsius(double celsius, uint16_t *t)
{
    /* NaN fails both comparisons */
    if (!(celsius >= -NV_HEALTH_TEMP_MAX && celsius <= NV_HEALTH_TEMP_MAX)) {
        return false;
    }
    double s = celsius * 16;
    if (s != (double)(int32_t)s) {
        return false;
    }
    *t = nv_health_temp_encode((int32_t)s);
    return true;
}

double nv_health_temp_celsius(uint16_t t)
{
    return nv_health_temp_decode(t) / 16.0;
}

static const struct {
    const char *name;
    uint8_t bits;
} health_states[] = {
    { "ok", 0 },
    { "non-critical", NV_HEALTH_NON_CRITICAL },
    { "critical", NV_HEALTH_CRITICAL },
    { "fatal", NV_HEALTH_FATAL },
};

const char *nv_health_state_name(uint8_t health)
{
    /* ndctl's order (json-smart.c): the worst bit wins */
    if (health & NV_HEALTH_FATAL) {
        return "fatal";
    }
    if (health & NV_HEALTH_CRITICAL) {
        return "critical";
    }
    return health & NV_HEALTH_NON_CRITICAL ? "non-critical" : "ok";
}

bool nv_health_state_parse(const char *name, uint8_t *health)
{
    for (size_t i = 0; i < G_N_ELEMENTS(health_states); i++) {
        if (strcmp(name, health_states[i].name) == 0) {
            *health = health_states[i].bits;
            return true;
        }
    }
    return false;
}

bool nv_health_apply(NvDimmHealth *h, const NvHealthUpdate *u)
{
    uint8_t alarms = nv_health_alarms(h);
    uint8_t health = h->health;
    uint8_t shutdown = h->shutdown_state;
    if (u->has_health) {
        h->health = u->health;
    }
    if (u->has_media_temp) {
        h->media_temp = u->media_temp;
    }
    if (u->has_ctrl_temp) {
        h->ctrl_temp = u->ctrl_temp;
    }
    if (u->has_spares) {
        h->spares = u->spares;
    }
    if (u->has_life_used) {
        h->life_used = u->life_used;
    }
    if (u->has_shutdown_state) {
        h->shutdown_state = u->shutdown_state;
    }
    if (u->has_shutdown_count) {
        h->shutdown_count = u->shutdown_count;
    }
    return (nv_health_alarms(h) & ~alarms) ||
           (h->health != health && h->health != 0) ||
           (h->shutdown_state && !shutdown);
}
