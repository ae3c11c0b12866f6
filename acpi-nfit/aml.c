/*
 * acpi-nfit/aml.c — the AML encoder's core: nodes, NameStrings, integers,
 * PkgLength, the encoder that walks the tree, containers and the ACPI table
 * header. Data objects and references: aml-data.c; operators, named
 * objects and resource descriptors: aml-ops.c.
 *
 * Section numbers are those of ACPI 6.4, chapter 20.2 "AML Grammar
 * Definition", unless another chapter is named.
 */
#include "aml-internal.h"

#include <inttypes.h>
#include <string.h>

/* ---- nodes ---- */

static GArray *bytes_new(void)
{
    return g_array_new(FALSE, FALSE, 1);
}

NvAml *aml_node_new(AmlKind kind, AmlClass cls, AmlClass accepts,
                    unsigned opcode)
{
    NvAml *n = g_new0(NvAml, 1);
    n->kind = kind;
    n->cls = cls;
    n->accepts = accepts;
    n->op = bytes_new();
    n->head = bytes_new();
    n->children = g_ptr_array_new();
    if (opcode) {
        aml_put_opcode(n->op, opcode);
    }
    return n;
}

static void node_free(NvAml *n)
{
    for (guint i = 0; i < n->children->len; i++) {
        node_free(g_ptr_array_index(n->children, i));
    }
    g_ptr_array_free(n->children, TRUE);
    g_array_free(n->op, TRUE);
    g_array_free(n->head, TRUE);
    g_free(n);
}

void aml_free(NvAml *node)
{
    if (!node) {
        return;
    }
    if (node->parent) {
        AML_BUG("aml_free() of a node that belongs to a parent");
    }
    node_free(node);
}

static void link_child(NvAml *parent, NvAml *child)
{
    if (!parent || !child) {
        AML_BUG("NULL node");
    }
    if (child->parent || child == parent) {
        AML_BUG("a node was used twice (it already has a parent)");
    }
    child->parent = parent;
    g_ptr_array_add(parent->children, child);
}

void aml_adopt(NvAml *n, NvAml *child)
{
    if (!child) {
        AML_BUG("NULL operand");
    }
    if (child->cls != AML_CLASS_TERM) {
        AML_BUG("a field unit or resource descriptor used as an operand");
    }
    link_child(n, child);
}

void aml_append(NvAml *parent, NvAml *child)
{
    if (!parent || !child) {
        AML_BUG("aml_append() with a NULL node");
    }
    if (parent->accepts == AML_CLASS_NONE) {
        AML_BUG("aml_append() to a node that is not a container");
    }
    if (child->cls != parent->accepts) {
        AML_BUG("aml_append(): %s cannot go into this container",
                child->cls == AML_CLASS_FIELD_UNIT ? "a field unit"
                : child->cls == AML_CLASS_RESOURCE ? "a resource descriptor"
                                                   : "a term");
    }
    if (parent->kind == AML_K_PACKAGE && parent->children->len == 255) {
        AML_BUG("Package with more than 255 elements (use aml_var_package)");
    }
    link_child(parent, child);
}

NvAml *aml_raw(const void *bytes, size_t len)
{
    NvAml *n = aml_node_new(AML_K_SEQ, AML_CLASS_TERM, AML_CLASS_NONE, 0);
    if (len) {
        g_array_append_vals(n->head, bytes, len);
    }
    return n;
}

NvAml *aml_expr(unsigned opcode, size_t n, NvAml *const operands[])
{
    NvAml *e = aml_node_new(AML_K_SEQ, AML_CLASS_TERM, AML_CLASS_NONE, opcode);
    for (size_t i = 0; i < n; i++) {
        aml_adopt(e, operands[i]);
    }
    return e;
}

/* §20.2.2: Target := SuperName | NullName; NullName := 0x00 */
NvAml *aml_target(NvAml *target)
{
    return target ? target : aml_raw("", 1);
}

/* ---- bytes ---- */

void aml_put_opcode(GArray *out, unsigned opcode)
{
    if (opcode > 0xFF) { /* §20.2.3: ExtOpPrefix := 0x5B */
        g_array_append_val(out, (uint8_t){ AML_EXT_PREFIX });
    }
    g_array_append_val(out, (uint8_t){ opcode & 0xFF });
}

void aml_put_le(GArray *out, uint64_t value, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        g_array_append_val(out, (uint8_t){ (value >> (8 * i)) & 0xFF });
    }
}

/* §20.2.3 Data Objects Encoding: ConstObj := ZeroOp | OneOp | OnesOp,
 * ByteConst := 0x0A ByteData, WordConst := 0x0B WordData,
 * DWordConst := 0x0C DWordData, QWordConst := 0x0E QWordData. */
void aml_put_int(GArray *out, uint64_t value)
{
    uint8_t prefix;
    unsigned bytes;

    if (value == 0 || value == 1 || value == UINT64_MAX) {
        g_array_append_val(out, (uint8_t){ value == 0   ? AML_ZERO_OP
                                           : value == 1 ? AML_ONE_OP
                                                        : AML_ONES_OP });
        return;
    }
    if (value <= 0xFF) {
        prefix = AML_BYTE_PREFIX, bytes = 1;
    } else if (value <= 0xFFFF) {
        prefix = AML_WORD_PREFIX, bytes = 2;
    } else if (value <= 0xFFFFFFFF) {
        prefix = AML_DWORD_PREFIX, bytes = 4;
    } else {
        prefix = AML_QWORD_PREFIX, bytes = 8;
    }
    g_array_append_val(out, prefix);
    aml_put_le(out, value, bytes);
}

/* §20.2.2: NameSeg := <LeadNameChar NameChar NameChar NameChar>,
 * LeadNameChar := 'A'-'Z' | '_', NameChar := DigitChar | LeadNameChar.
 * A shorter ASL name is padded with '_'. */
static bool put_seg(GArray *out, const char *seg, size_t len)
{
    if (len < 1 || len > 4) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = seg[i];
        if (!((c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9'))) {
            return false;
        }
    }
    g_array_append_vals(out, seg, len);
    g_array_append_vals(out, "___", 4 - len);
    return true;
}

void aml_put_nameseg(GArray *out, const char *seg)
{
    if (!seg || !put_seg(out, seg, strlen(seg))) {
        AML_BUG("bad NameSeg \"%s\"", seg ? seg : "(null)");
    }
}

/* §20.2.2: NameString := <RootChar NamePath> | <PrefixPath NamePath>,
 * PrefixPath := Nothing | <'^' PrefixPath>, NamePath := NameSeg |
 * DualNamePath | MultiNamePath | NullName, DualNamePath := 0x2E NameSeg
 * NameSeg, MultiNamePath := 0x2F SegCount NameSeg(SegCount). */
void aml_put_namestring(GArray *out, const char *path)
{
    const char *p = path;

    if (!path) {
        AML_BUG("NULL NameString");
    }
    if (*p == '\\') {
        g_array_append_val(out, (uint8_t){ AML_ROOT_CHAR });
        p++;
    } else {
        while (*p == '^') {
            g_array_append_val(out, (uint8_t){ AML_PARENT_PREFIX });
            p++;
        }
    }
    if (*p == '\0') {
        if (p == path) {
            AML_BUG("empty NameString");
        }
        g_array_append_val(out, (uint8_t){ 0x00 }); /* NullName */
        return;
    }

    g_auto(GStrv) segs = g_strsplit(p, ".", -1);
    guint n = g_strv_length(segs);
    if (n > 255) {
        AML_BUG("NameString \"%s\" has more than 255 segments", path);
    }
    if (n == 2) {
        g_array_append_val(out, (uint8_t){ AML_DUAL_NAME_PREFIX });
    } else if (n > 2) {
        g_array_append_val(out, (uint8_t){ AML_MULTI_NAME_PREFIX });
        g_array_append_val(out, (uint8_t){ n });
    }
    for (guint i = 0; i < n; i++) {
        if (!put_seg(out, segs[i], strlen(segs[i]))) {
            AML_BUG("bad NameString \"%s\"", path);
        }
    }
}

/* ---- PkgLength, §20.2.4 ----
 * PkgLeadByte: bits 7-6 = number of ByteData that follow (0-3); with none,
 * bits 5-0 are the length (0-63); otherwise bits 5-4 are 0, bits 3-0 the
 * least significant nybble, and each following byte the next 8 bits. */

unsigned aml_pkglength_encode_raw(uint32_t value, uint8_t out[4])
{
    if (value <= 0x3F) {
        out[0] = (uint8_t)value;
        return 1;
    }
    if (value > AML_PKGLENGTH_MAX) {
        AML_BUG("PkgLength %" PRIu32 " is over 2^28 - 1", value);
    }
    unsigned follow = value <= 0xFFF ? 1 : value <= 0xFFFFF ? 2 : 3;
    out[0] = (uint8_t)(follow << 6 | (value & 0x0F));
    for (unsigned i = 1; i <= follow; i++) {
        out[i] = (uint8_t)(value >> (4 + 8 * (i - 1)));
    }
    return follow + 1;
}

unsigned aml_pkglength_encode(size_t content_len, uint8_t out[4])
{
    /* The value counts its own bytes: take the first width that fits. */
    static const size_t max_for[] = { 0x3F, 0xFFF, 0xFFFFF, 0xFFFFFFF };
    for (unsigned n = 1; n <= 4; n++) {
        if (content_len <= max_for[n - 1] - n) {
            return aml_pkglength_encode_raw((uint32_t)(content_len + n), out);
        }
    }
    AML_BUG("package of %zu bytes is over the PkgLength limit", content_len);
}

bool aml_pkglength_decode(const uint8_t *buf, size_t len, uint32_t *value,
                          unsigned *nbytes)
{
    if (len < 1) {
        return false;
    }
    unsigned follow = buf[0] >> 6;
    if (follow == 0) {
        *value = buf[0] & 0x3F;
        *nbytes = 1;
        return true;
    }
    if (len < follow + 1 || (buf[0] & 0x30)) {
        return false;
    }
    uint32_t v = buf[0] & 0x0F;
    for (unsigned i = 1; i <= follow; i++) {
        v |= (uint32_t)buf[i] << (4 + 8 * (i - 1));
    }
    *value = v;
    *nbytes = follow + 1;
    return true;
}

static void put_pkglength(GArray *out, size_t content_len)
{
    uint8_t b[4];
    g_array_append_vals(out, b, aml_pkglength_encode(content_len, b));
}

static void put_raw_pkglength(GArray *out, uint32_t value)
{
    uint8_t b[4];
    g_array_append_vals(out, b, aml_pkglength_encode_raw(value, b));
}

/* ---- encoding ---- */

static void emit(const NvAml *n, GArray *out);

static void emit_children(const NvAml *n, guint from, GArray *out)
{
    for (guint i = from; i < n->children->len; i++) {
        emit(g_ptr_array_index(n->children, i), out);
    }
}

/* §20.2.5.2: FieldList := Nothing | <FieldElement FieldList>,
 * NamedField := NameSeg PkgLength, ReservedField := 0x00 PkgLength; the
 * PkgLength of a field unit is its length in bits, not counting itself.
 * ASL's Offset (n) is a ReservedField from the current bit to byte n. */
static void emit_unit(const NvAml *u, GArray *out, uint64_t *bit)
{
    uint64_t bits = u->value;

    if (u->kind == AML_K_UNIT_OFFSET) {
        uint64_t to = (uint64_t)u->value * 8;
        if (to < *bit) {
            AML_BUG("Field Offset (0x%" PRIx32 ") is behind bit %" PRIu64,
                    u->value, *bit);
        }
        bits = to - *bit;
        if (bits == 0) {
            return; /* already there: iasl emits nothing either */
        }
        if (bits > AML_PKGLENGTH_MAX) {
            AML_BUG("Field Offset (0x%" PRIx32 ") is too far", u->value);
        }
        g_array_append_val(out, (uint8_t){ 0x00 });
    } else {
        g_array_append_vals(out, u->head->data, u->head->len);
    }
    put_raw_pkglength(out, (uint32_t)bits);
    *bit += bits;
}

static void emit(const NvAml *n, GArray *out)
{
    uint64_t bit = 0;

    g_array_append_vals(out, n->op->data, n->op->len);
    if (n->kind == AML_K_SEQ) {
        g_array_append_vals(out, n->head->data, n->head->len);
        emit_children(n, 0, out);
        return;
    }
    if (n->kind >= AML_K_UNIT_NAMED) {
        emit_unit(n, out, &bit); /* alone: as the first unit of a Field */
        return;
    }

    /* The rest have a PkgLength: encode what follows it first. */
    g_autoptr(GArray) body = bytes_new();
    switch (n->kind) {
    case AML_K_PKG:
        g_array_append_vals(body, n->head->data, n->head->len);
        emit_children(n, 0, body);
        break;
    case AML_K_BUFFER: {
        /* §20.2.5.4: DefBuffer := BufferOp PkgLength BufferSize ByteList */
        g_autoptr(GArray) bytes = bytes_new();
        g_array_append_vals(bytes, n->head->data, n->head->len);
        emit_children(n, n->sized ? 1 : 0, bytes);
        if (n->end_tag) {
            /* ACPI 6.4 §6.4.2.9 End Tag: 0x79, checksum 0 = "as if the
             * checksum operation succeeded" (what iasl emits). */
            g_array_append_vals(bytes, "\x79\x00", 2);
        }
        if (n->sized) {
            emit(g_ptr_array_index(n->children, 0), body);
        } else {
            aml_put_int(body, bytes->len);
        }
        g_array_append_vals(body, bytes->data, bytes->len);
        break;
    }
    case AML_K_PACKAGE:
        /* §20.2.5.4: DefPackage := PackageOp PkgLength NumElements
         * PackageElementList; NumElements := ByteData */
        g_array_append_val(body, (uint8_t){ n->children->len });
        emit_children(n, 0, body);
        break;
    case AML_K_FIELD:
        g_array_append_vals(body, n->head->data, n->head->len);
        for (guint i = 0; i < n->children->len; i++) {
            emit_unit(g_ptr_array_index(n->children, i), body, &bit);
        }
        break;
    default:
        g_assert_not_reached();
    }
    put_pkglength(out, body->len);
    g_array_append_vals(out, body->data, body->len);
}

void aml_encode(const NvAml *node, GArray *out)
{
    if (!node || !out) {
        AML_BUG("aml_encode() with a NULL argument");
    }
    emit(node, out);
}

/* ---- containers ---- */

/* §20.2.1: TermList := Nothing | <TermObj TermList> */
NvAml *aml_list(void)
{
    return aml_node_new(AML_K_SEQ, AML_CLASS_TERM, AML_CLASS_TERM, 0);
}

static NvAml *named_pkg(unsigned opcode, const char *path)
{
    NvAml *n = aml_node_new(AML_K_PKG, AML_CLASS_TERM, AML_CLASS_TERM, opcode);
    aml_put_namestring(n->head, path);
    return n;
}

/* §20.2.5.1: DefScope := ScopeOp PkgLength NameString TermList */
NvAml *aml_scope(const char *path)
{
    return named_pkg(AML_SCOPE_OP, path);
}

/* §20.2.5.2: DefDevice := DeviceOp PkgLength NameString TermList */
NvAml *aml_device(const char *path)
{
    return named_pkg(AML_DEVICE_OP, path);
}

/* §20.2.5.2: DefMethod := MethodOp PkgLength NameString MethodFlags
 * TermList; MethodFlags: bits 0-2 ArgCount, bit 3 SerializeFlag,
 * bits 4-7 SyncLevel. */
NvAml *aml_method_sync(const char *path, unsigned nargs, bool serialized,
                       unsigned sync_level)
{
    if (nargs > 7 || sync_level > 15) {
        AML_BUG("Method %s: %u args, SyncLevel %u", path, nargs, sync_level);
    }
    NvAml *n = named_pkg(AML_METHOD_OP, path);
    uint8_t flags = (uint8_t)(nargs | (serialized ? 1u << 3 : 0) |
                              sync_level << 4);
    g_array_append_val(n->head, flags);
    return n;
}

NvAml *aml_method(const char *path, unsigned nargs, bool serialized)
{
    return aml_method_sync(path, nargs, serialized, 0);
}

/* §20.2.5.3: DefIfElse := IfOp PkgLength Predicate TermList DefElse,
 * DefWhile := WhileOp PkgLength Predicate TermList */
static NvAml *predicated(unsigned opcode, NvAml *predicate)
{
    NvAml *n = aml_node_new(AML_K_PKG, AML_CLASS_TERM, AML_CLASS_TERM, opcode);
    aml_adopt(n, predicate);
    return n;
}

NvAml *aml_if(NvAml *predicate)
{
    return predicated(AML_IF_OP, predicate);
}

NvAml *aml_while(NvAml *predicate)
{
    return predicated(AML_WHILE_OP, predicate);
}

/* §20.2.5.3: DefElse := Nothing | <ElseOp PkgLength TermList> */
NvAml *aml_else(void)
{
    return aml_node_new(AML_K_PKG, AML_CLASS_TERM, AML_CLASS_TERM, AML_ELSE_OP);
}

/* ---- ACPI tables ---- */

static void put_padded(GArray *out, const char *s, size_t width, char pad)
{
    size_t len = s ? strlen(s) : 0;
    if (len > width) {
        AML_BUG("\"%s\" is longer than %zu characters", s, width);
    }
    g_array_append_vals(out, s, len);
    for (; len < width; len++) {
        g_array_append_val(out, pad);
    }
}

/* ACPI 6.4 §5.2.6 System Description Table Header */
void nv_acpi_table_header(GArray *table, const char *sig, uint8_t revision,
                          const char *oem_table_id)
{
    if (!sig || strlen(sig) != 4) {
        AML_BUG("bad table signature \"%s\"", sig ? sig : "(null)");
    }
    g_array_append_vals(table, sig, 4);
    aml_put_le(table, 0, 4);                        /* Length */
    g_array_append_val(table, revision);
    g_array_append_val(table, (uint8_t){ 0 });      /* Checksum */
    put_padded(table, NV_ACPI_OEM_ID, 6, '\0');
    put_padded(table, oem_table_id, 8, '\0');
    aml_put_le(table, NV_ACPI_OEM_REVISION, 4);
    put_padded(table, NV_ACPI_CREATOR_ID, 4, ' ');
    aml_put_le(table, NV_ACPI_CREATOR_REVISION, 4);
}

uint8_t nv_acpi_checksum(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum += p[i];
    }
    return (uint8_t)-sum;
}

/* §5.2.6: Length (offset 4) is the whole table, header included; the
 * Checksum (offset 9) makes the entire table sum to zero. */
void nv_acpi_table_finalize(GArray *table)
{
    if (!table || table->len < NV_ACPI_HEADER_SIZE) {
        AML_BUG("nv_acpi_table_finalize() on a table without a header");
    }
    uint8_t *p = (uint8_t *)table->data;
    uint32_t len = table->len;
    for (int i = 0; i < 4; i++) {
        p[4 + i] = (uint8_t)(len >> (8 * i));
    }
    p[9] = 0;
    p[9] = nv_acpi_checksum(p, len);
}

/* §20.2.1: AMLCode := DefBlockHeader TermList */
GArray *aml_definition_block(const char *sig, uint8_t revision,
                             const char *oem_table_id, NvAml *body)
{
    GArray *table = bytes_new();
    nv_acpi_table_header(table, sig, revision, oem_table_id);
    aml_encode(body, table);
    aml_free(body);
    nv_acpi_table_finalize(table);
    return table;
}

uint8_t *nv_acpi_table_grow(GArray *t, size_t n)
{
    guint at = t->len;
    g_array_set_size(t, at + (guint)n);
    memset(t->data + at, 0, n);
    return (uint8_t *)t->data + at;
}
