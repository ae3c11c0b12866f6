/*
 * util/ — small helpers shared by every part: the error domain, size strings
 * with K/M/G/T suffixes, and QEMU-style option strings ("a=1,b=on").
 *
 * Contract:
 *  - Nothing here touches files, memory mappings or KVM.
 *  - Every parser reports failure through a GError in NV_ERROR and never
 *    aborts on bad input; the message quotes the offending text.
 */
#ifndef NVEMU_UTIL_H
#define NVEMU_UTIL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define NV_ERROR (nv_error_quark())
GQuark nv_error_quark(void);

typedef enum {
    NV_ERROR_INVALID,   /* bad option, property or value */
    NV_ERROR_CONFLICT,  /* values that contradict each other */
    NV_ERROR_IO,        /* a system call failed (errno in the message) */
    NV_ERROR_RANGE,     /* out of range: size, slot, address, node */
} NvErrorCode;

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define TiB (UINT64_C(1) << 40)

/*
 * Parse a size such as "4G", "128K", "1.5G", "4096" or "4096B".
 * Suffixes (case-insensitive): B, K, M, G, T, P, E, binary multiples.
 * A bare number is multiplied by @default_unit (1 for bytes; QEMU's -m uses
 * MiB). A fraction needs a suffix and must come out as a whole number of
 * bytes. Overflow past 2^64-1 is an error.
 */
bool nv_parse_size(const char *str, uint64_t default_unit, uint64_t *out,
                   GError **errp);

/* Format a size in the largest unit that divides it exactly, so the text
 * parses back to the same number: "4G", "128K", "1536M", "4097B (~4.0K)". */
char *nv_format_size(uint64_t size);

/* Parse a decimal unsigned integer with no trailing garbage. */
bool nv_parse_uint(const char *str, uint64_t max, uint64_t *out, GError **errp);

/*
 * Parse "on"/"off" (also yes/no, true/false) into a bool.
 */
bool nv_parse_bool(const char *str, bool *out, GError **errp);

/* Parse a textual UUID "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (16 bytes out). */
bool nv_parse_uuid(const char *str, uint8_t out[16], GError **errp);
void nv_format_uuid(const uint8_t uuid[16], char out[37]);

/*
 * QEMU-style option string: "type,key=value,key=value". ",," inside a value
 * stands for one comma. The first element may omit "key=" if the caller names
 * an implied key (e.g. "driver" for -device). Keys may appear once.
 *
 * Each lookup marks the key used; nv_opts_check_unused() then reports the
 * first key nobody asked for, so a typo is an error rather than ignored.
 */
typedef struct NvOpts NvOpts;

NvOpts *nv_opts_parse(const char *str, const char *implied_key, GError **errp);
void nv_opts_free(NvOpts *opts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvOpts, nv_opts_free)

/* The whole string as given, for error messages. */
const char *nv_opts_text(const NvOpts *opts);
/* Value of @key or NULL; marks it used. */
const char *nv_opts_get(NvOpts *opts, const char *key);
/* Typed lookups: absent keys leave *out untouched and return true. */
bool nv_opts_get_bool(NvOpts *opts, const char *key, bool *out, GError **errp);
bool nv_opts_get_size(NvOpts *opts, const char *key, uint64_t *out,
                      bool *present, GError **errp);
bool nv_opts_get_uint(NvOpts *opts, const char *key, uint64_t max,
                      uint64_t *out, bool *present, GError **errp);
/* Error if some key was never looked up: "unknown property 'foo'". */
bool nv_opts_check_unused(NvOpts *opts, GError **errp);

/*
 * User input as an error message quotes it: the text itself when it is at
 * most NV_QUOTE_MAX bytes, else its first NV_QUOTE_MAX bytes (cut on a
 * UTF-8 character boundary), "..." and its length, so that one error line
 * stays short whatever the argument ("aaaa... (1048576 bytes)"). Every
 * error that quotes a value from the command line goes through here.
 */
#define NV_QUOTE_MAX 200
/* Longest id= (and memdev=) accepted: ids appear in every message. */
#define NV_ID_MAX 128
char *nv_quote(const char *text);

/* Add with overflow check: false (and *out untouched) if a + b wraps. */
static inline bool nv_add_ok(uint64_t a, uint64_t b, uint64_t *out)
{
    uint64_t r;
    if (__builtin_add_overflow(a, b, &r)) {
        return false;
    }
    *out = r;
    return true;
}

/* With NVEMU_TIME_MARKS set in the environment, print "nvemu: time-mark S
 * WHAT" on stderr: S seconds since the process started (its start known to
 * 10 ms). Otherwise nothing. Thread-safe. */
void nv_time_mark(const char *what);

/* Prefix an error message: "<prefix>: <old message>". */
void nv_error_prefix(GError **errp, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Little-endian loads and stores: every structure the guest, a file or a
 * table sees (zero page, ACPI tables, DSM mailbox, namespace labels). */
static inline uint16_t nv_ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t nv_ld32(const uint8_t *p)
{
    return (uint32_t)nv_ld16(p) | (uint32_t)nv_ld16(p + 2) << 16;
}
static inline uint64_t nv_ld64(const uint8_t *p)
{
    return (uint64_t)nv_ld32(p) | (uint64_t)nv_ld32(p + 4) << 32;
}
static inline void nv_st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void nv_st32(uint8_t *p, uint32_t v)
{
    nv_st16(p, (uint16_t)v);
    nv_st16(p + 2, (uint16_t)(v >> 16));
}
static inline void nv_st64(uint8_t *p, uint64_t v)
{
    nv_st32(p, (uint32_t)v);
    nv_st32(p + 4, (uint32_t)(v >> 32));
}

/* Callers bound v first (sizes and addresses below the guest-physical
 * limit, a below 2^63) so that v + a - 1 cannot wrap. */
static inline uint64_t nv_align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) / a * a;
}

static inline uint64_t nv_align_down(uint64_t v, uint64_t a)
{
    return v / a * a;
}

#endif
