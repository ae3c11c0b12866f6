/*
 * acpi-nfit/aml-data.c — AML data objects (integers, strings, buffers,
 * packages, ToUUID, EISAID) and references (names, locals, arguments,
 * method calls), on top of the node core in aml.c.
 *
 * Section numbers are those of ACPI 6.4, chapter 20.2 "AML Grammar
 * Definition", unless another chapter is named.
 */
#include "aml-internal.h"

#include <stdarg.h>
#include <string.h>

/* ---- data ---- */

/* §20.2.3: ComputationalData, the smallest of ConstObj, ByteConst,
 * WordConst, DWordConst, QWordConst (see aml_put_int()) */
NvAml *aml_int(uint64_t value)
{
    NvAml *n = aml_raw(NULL, 0);
    aml_put_int(n->head, value);
    return n;
}

/* §20.2.3: String := StringPrefix AsciiCharList NullChar,
 * AsciiChar := 0x01 - 0x7F */
NvAml *aml_string(const char *str)
{
    if (!str) {
        AML_BUG("NULL string");
    }
    for (const char *p = str; *p; p++) {
        if ((unsigned char)*p > 0x7F) {
            AML_BUG("String with a non-ASCII byte 0x%02x",
                    (unsigned char)*p);
        }
    }
    NvAml *n = aml_node_new(AML_K_SEQ, AML_CLASS_TERM, AML_CLASS_NONE,
                            AML_STRING_PREFIX);
    g_array_append_vals(n->head, str, strlen(str) + 1);
    return n;
}

/* §20.2.5.4: DefBuffer := BufferOp PkgLength BufferSize ByteList,
 * BufferSize := TermArg => Integer */
NvAml *aml_buffer(const void *data, size_t len)
{
    if (!data && len) {
        AML_BUG("Buffer of %zu bytes without data", len);
    }
    NvAml *n = aml_node_new(AML_K_BUFFER, AML_CLASS_TERM, AML_CLASS_NONE,
                            AML_BUFFER_OP);
    if (len) {
        g_array_append_vals(n->head, data, len);
    }
    return n;
}

NvAml *aml_buffer_sized(NvAml *size)
{
    NvAml *n = aml_buffer(NULL, 0);
    n->sized = true;
    aml_adopt(n, size);
    return n;
}

/* §20.2.5.4: DefPackage (the count is filled in when encoding) */
NvAml *aml_package(void)
{
    return aml_node_new(AML_K_PACKAGE, AML_CLASS_TERM, AML_CLASS_TERM,
                        AML_PACKAGE_OP);
}

/* §20.2.5.4: DefVarPackage := VarPackageOp PkgLength VarNumElements
 * PackageElementList, VarNumElements := TermArg => Integer */
NvAml *aml_var_package(NvAml *num_elements)
{
    NvAml *n = aml_node_new(AML_K_PKG, AML_CLASS_TERM, AML_CLASS_TERM,
                            AML_VAR_PACKAGE_OP);
    aml_adopt(n, num_elements);
    return n;
}

/* ACPI 6.4 §19.6 ToUUID: "aabbccdd-eeff-gghh-iijj-kkllmmnnoopp" is the
 * Buffer dd cc bb aa ff ee hh gg ii jj kk ll mm nn oo pp. */
NvAml *aml_touuid(const char *uuid)
{
    static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
                                       8, 9, 10, 11, 12, 13, 14, 15 };
    uint8_t text[16], buf[16];

    if (!nv_parse_uuid(uuid, text, NULL)) {
        AML_BUG("bad ToUUID string \"%s\"", uuid ? uuid : "(null)");
    }
    for (int i = 0; i < 16; i++) {
        buf[i] = text[order[i]];
    }
    return aml_buffer(buf, sizeof(buf));
}

/* ACPI 6.4 §19.6 EISAID: "UUUXXXX" (three letters, four hex digits) packs
 * into 32 bits, most significant first: a 0 bit, each letter as 5 bits
 * ('A' = 1), then the 16-bit product number; the value is that dword
 * byte-swapped (so the first letters come first in memory). */
NvAml *aml_eisaid(const char *id)
{
    uint32_t v = 0;

    if (!id || strlen(id) != 7) {
        AML_BUG("bad EISAID \"%s\"", id ? id : "(null)");
    }
    for (int i = 0; i < 3; i++) {
        if (id[i] < 'A' || id[i] > 'Z') {
            AML_BUG("bad EISAID \"%s\"", id);
        }
        v |= (uint32_t)(id[i] - 0x40) << (26 - 5 * i);
    }
    for (int i = 3; i < 7; i++) {
        if (!g_ascii_isxdigit(id[i]) || g_ascii_islower(id[i])) {
            AML_BUG("bad EISAID \"%s\"", id);
        }
        v |= (uint32_t)g_ascii_xdigit_value(id[i]) << (4 * (6 - i));
    }
    return aml_int(GUINT32_SWAP_LE_BE(v));
}

/* ---- names, locals, arguments, calls ---- */

/* §20.2.2: a NameString used as a term (an object reference) */
NvAml *aml_name(const char *path)
{
    NvAml *n = aml_raw(NULL, 0);
    aml_put_namestring(n->head, path);
    return n;
}

/* §20.2.6.2: LocalObj := Local0Op (0x60) .. Local7Op (0x67) */
NvAml *aml_local(unsigned n)
{
    if (n > 7) {
        AML_BUG("Local%u", n);
    }
    return aml_raw(&(uint8_t){ AML_LOCAL0_OP + n }, 1);
}

/* §20.2.6.1: ArgObj := Arg0Op (0x68) .. Arg6Op (0x6E) */
NvAml *aml_arg(unsigned n)
{
    if (n > 6) {
        AML_BUG("Arg%u", n);
    }
    return aml_raw(&(uint8_t){ AML_ARG0_OP + n }, 1);
}

/* §20.2.5.4: MethodInvocation := NameString TermArgList */
NvAml *aml_call(const char *path, ...)
{
    NvAml *n = aml_name(path);
    va_list ap;
    NvAml *arg;

    va_start(ap, path);
    while ((arg = va_arg(ap, NvAml *))) {
        if (n->children->len == 7) {
            AML_BUG("call of %s with more than 7 arguments", path);
        }
        aml_adopt(n, arg);
    }
    va_end(ap);
    return n;
}
