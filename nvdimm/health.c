/*
 * nvdimm/health.c — a DIMM's SMART health values and the rules the SMART
 * functions share: defaults, which alarms are tripped, the temperature
 * encoding (1/16 degree Celsius, bit 15 = negative, as Linux's and
 * ndctl's nd_intel_smart).
 */
#include "nvdimm.h"

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
