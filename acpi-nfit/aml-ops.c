/*
 * acpi-nfit/aml-ops.c — AML named objects, statements, expressions and
 * resource descriptors, on top of the node core in aml.c.
 *
 * Section numbers are those of ACPI 6.4: §20.2.5.x for the AML grammar
 * (20.2.5.1 namespace modifiers, .2 named objects, .3 statements (Type 1
 * opcodes), .4 expressions (Type 2 opcodes)), §6.4 for resource data.
 */
#include "aml-internal.h"

#include <inttypes.h>

#define EXPR(op, ...) \
    aml_expr((op), sizeof((NvAml *[]){ __VA_ARGS__ }) / sizeof(NvAml *), \
             (NvAml *[]){ __VA_ARGS__ })

/* ---- named objects ---- */

/* §20.2.5.1: DefName := NameOp NameString DataRefObject */
NvAml *aml_name_decl(const char *path, NvAml *value)
{
    NvAml *n = aml_node_new(AML_K_SEQ, AML_CLASS_TERM, AML_CLASS_NONE,
                            AML_NAME_OP);
    aml_put_namestring(n->head, path);
    aml_adopt(n, value);
    return n;
}

/* §20.2.5.2: DefOpRegion := OpRegionOp NameString RegionSpace
 * RegionOffset RegionLen; RegionSpace := ByteData */
NvAml *aml_operation_region(const char *path, AmlRegionSpace space,
                            NvAml *offset, NvAml *length)
{
    NvAml *n = aml_node_new(AML_K_SEQ, AML_CLASS_TERM, AML_CLASS_NONE,
                            AML_OP_REGION_OP);
    aml_put_namestring(n->head, path);
    g_array_append_val(n->head, (uint8_t){ space });
    aml_adopt(n, offset);
    aml_adopt(n, length);
    return n;
}

/* §20.2.5.2: DefField := FieldOp PkgLength NameString FieldFlags FieldList;
 * FieldFlags: bits 0-3 AccessType, bit 4 LockRule, bits 5-6 UpdateRule */
NvAml *aml_field(const char *region, AmlAccessType access, AmlLockRule lock,
                 AmlUpdateRule update)
{
    if ((unsigned)access > AML_BUFFER_ACC || (unsigned)lock > AML_LOCK ||
        (unsigned)update > AML_WRITE_AS_ZEROS) {
        AML_BUG("Field %s: bad flags", region);
    }
    NvAml *n = aml_node_new(AML_K_FIELD, AML_CLASS_TERM, AML_CLASS_FIELD_UNIT,
                            AML_FIELD_OP);
    aml_put_namestring(n->head, region);
    g_array_append_val(n->head,
                       (uint8_t){ access | lock << 4 | update << 5 });
    return n;
}

static NvAml *unit(AmlKind kind, uint32_t value)
{
    NvAml *n = aml_node_new(kind, AML_CLASS_FIELD_UNIT, AML_CLASS_NONE, 0);
    n->value = value;
    return n;
}

/* §20.2.5.2: NamedField := NameSeg PkgLength (the length in bits) */
NvAml *aml_named_field(const char *nameseg, uint32_t bits)
{
    if (bits == 0 || bits > AML_PKGLENGTH_MAX) {
        AML_BUG("field unit %s of %" PRIu32 " bits", nameseg, bits);
    }
    NvAml *n = unit(AML_K_UNIT_NAMED, bits);
    aml_put_nameseg(n->head, nameseg);
    return n;
}

/* §20.2.5.2: ReservedField := 0x00 PkgLength */
NvAml *aml_reserved_field(uint32_t bits)
{
    if (bits == 0 || bits > AML_PKGLENGTH_MAX) {
        AML_BUG("reserved field unit of %" PRIu32 " bits", bits);
    }
    NvAml *n = unit(AML_K_UNIT_RESERVED, bits);
    g_array_append_val(n->head, (uint8_t){ 0x00 });
    return n;
}

/* ASL Offset (n): encoded as a ReservedField when the Field is encoded */
NvAml *aml_field_offset(uint32_t byte_offset)
{
    return unit(AML_K_UNIT_OFFSET, byte_offset);
}

/* §20.2.5.2: DefMutex := MutexOp NameString SyncFlags;
 * SyncFlags: bits 0-3 SyncLevel */
NvAml *aml_mutex(const char *path, unsigned sync_level)
{
    if (sync_level > 15) {
        AML_BUG("Mutex %s: SyncLevel %u", path, sync_level);
    }
    NvAml *n = aml_node_new(AML_K_SEQ, AML_CLASS_TERM, AML_CLASS_NONE,
                            AML_MUTEX_OP);
    aml_put_namestring(n->head, path);
    g_array_append_val(n->head, (uint8_t){ sync_level });
    return n;
}

/* §20.2.5.2: DefCreateDWordField := CreateDWordFieldOp SourceBuff
 * ByteIndex NameString (0x8A); DefCreateQWordField likewise (0x8F) */
NvAml *aml_create_dword_field(NvAml *buffer, NvAml *byte_index,
                              const char *path)
{
    return EXPR(AML_CREATE_DWORD_FIELD_OP, buffer, byte_index,
                aml_name(path));
}

NvAml *aml_create_qword_field(NvAml *buffer, NvAml *byte_index,
                              const char *path)
{
    return EXPR(AML_CREATE_QWORD_FIELD_OP, buffer, byte_index,
                aml_name(path));
}

/* §20.2.5.2: DefCreateField := CreateFieldOp SourceBuff BitIndex NumBits
 * NameString */
NvAml *aml_create_field(NvAml *buffer, NvAml *bit_index, NvAml *num_bits,
                        const char *path)
{
    return EXPR(AML_CREATE_FIELD_OP, buffer, bit_index, num_bits,
                aml_name(path));
}

/* ---- statements ---- */

/* §20.2.5.4: DefStore := StoreOp TermArg SuperName */
NvAml *aml_store(NvAml *source, NvAml *dest)
{
    return EXPR(AML_STORE_OP, source, dest);
}

/* §20.2.5.4: DefCopyObject := CopyObjectOp TermArg SimpleName */
NvAml *aml_copy_object(NvAml *source, NvAml *dest)
{
    return EXPR(AML_COPY_OBJECT_OP, source, dest);
}

/* §20.2.5.3: DefReturn := ReturnOp ArgObject */
NvAml *aml_return(NvAml *value)
{
    return EXPR(AML_RETURN_OP, value);
}

/* §20.2.5.3: DefBreak := BreakOp */
NvAml *aml_break(void)
{
    return aml_expr(AML_BREAK_OP, 0, NULL);
}

/* §20.2.5.3: DefNotify := NotifyOp NotifyObject NotifyValue */
NvAml *aml_notify(NvAml *object, NvAml *value)
{
    return EXPR(AML_NOTIFY_OP, object, value);
}

/* §20.2.5.4: DefAcquire := AcquireOp MutexObject Timeout;
 * Timeout := WordData */
NvAml *aml_acquire(NvAml *mutex, uint16_t timeout)
{
    uint8_t le[2] = { timeout & 0xFF, timeout >> 8 };
    return EXPR(AML_ACQUIRE_OP, mutex, aml_raw(le, 2));
}

/* §20.2.5.3: DefRelease := ReleaseOp MutexObject */
NvAml *aml_release(NvAml *mutex)
{
    return EXPR(AML_RELEASE_OP, mutex);
}

/* §20.2.5.4: DefIncrement := IncrementOp SuperName,
 * DefDecrement := DecrementOp SuperName */
NvAml *aml_increment(NvAml *name)
{
    return EXPR(AML_INCREMENT_OP, name);
}

NvAml *aml_decrement(NvAml *name)
{
    return EXPR(AML_DECREMENT_OP, name);
}

/* ---- expressions, §20.2.5.4 ---- */

/* DefAdd := AddOp Operand Operand Target, and likewise Subtract, Multiply,
 * And, Or, Xor; DefShiftLeft := ShiftLeftOp Operand ShiftCount Target */
NvAml *aml_add(NvAml *a, NvAml *b, NvAml *target)
{
    return EXPR(AML_ADD_OP, a, b, aml_target(target));
}

NvAml *aml_subtract(NvAml *a, NvAml *b, NvAml *target)
{
    return EXPR(AML_SUBTRACT_OP, a, b, aml_target(target));
}

NvAml *aml_multiply(NvAml *a, NvAml *b, NvAml *target)
{
    return EXPR(AML_MULTIPLY_OP, a, b, aml_target(target));
}

NvAml *aml_shiftleft(NvAml *a, NvAml *count, NvAml *target)
{
    return EXPR(AML_SHIFT_LEFT_OP, a, count, aml_target(target));
}

NvAml *aml_shiftright(NvAml *a, NvAml *count, NvAml *target)
{
    return EXPR(AML_SHIFT_RIGHT_OP, a, count, aml_target(target));
}

NvAml *aml_and(NvAml *a, NvAml *b, NvAml *target)
{
    return EXPR(AML_AND_OP, a, b, aml_target(target));
}

NvAml *aml_or(NvAml *a, NvAml *b, NvAml *target)
{
    return EXPR(AML_OR_OP, a, b, aml_target(target));
}

NvAml *aml_xor(NvAml *a, NvAml *b, NvAml *target)
{
    return EXPR(AML_XOR_OP, a, b, aml_target(target));
}

/* DefNot := NotOp Operand Target */
NvAml *aml_not(NvAml *a, NvAml *target)
{
    return EXPR(AML_NOT_OP, a, aml_target(target));
}

/* DefLEqual := LequalOp Operand Operand, and LLess, LGreater, LAnd, LOr;
 * DefLNot := LnotOp Operand */
NvAml *aml_lequal(NvAml *a, NvAml *b)
{
    return EXPR(AML_LEQUAL_OP, a, b);
}

NvAml *aml_lless(NvAml *a, NvAml *b)
{
    return EXPR(AML_LLESS_OP, a, b);
}

NvAml *aml_lgreater(NvAml *a, NvAml *b)
{
    return EXPR(AML_LGREATER_OP, a, b);
}

NvAml *aml_lnot(NvAml *a)
{
    return EXPR(AML_LNOT_OP, a);
}

NvAml *aml_land(NvAml *a, NvAml *b)
{
    return EXPR(AML_LAND_OP, a, b);
}

NvAml *aml_lor(NvAml *a, NvAml *b)
{
    return EXPR(AML_LOR_OP, a, b);
}

/* DefObjectType := ObjectTypeOp <SimpleName | DebugObj | DefRefOf |
 * DefDerefOf | DefIndex> (§20.2.5.4); 4 = Package, 3 = Buffer (§19.6.97) */
NvAml *aml_object_type(NvAml *object)
{
    return EXPR(AML_OBJECT_TYPE_OP, object);
}

/* DefSizeOf := SizeOfOp SuperName */
NvAml *aml_sizeof(NvAml *object)
{
    return EXPR(AML_SIZE_OF_OP, object);
}

/* DefIndex := IndexOp BuffPkgStrObj IndexValue Target */
NvAml *aml_index(NvAml *object, NvAml *index, NvAml *target)
{
    return EXPR(AML_INDEX_OP, object, index, aml_target(target));
}

/* DefDerefOf := DerefOfOp ObjReference */
NvAml *aml_derefof(NvAml *reference)
{
    return EXPR(AML_DEREF_OF_OP, reference);
}

/* DefMid := MidOp MidObj TermArg TermArg Target */
NvAml *aml_mid(NvAml *object, NvAml *index, NvAml *length, NvAml *target)
{
    return EXPR(AML_MID_OP, object, index, length, aml_target(target));
}

/* DefToBuffer := ToBufferOp Operand Target,
 * DefToInteger := ToIntegerOp Operand Target */
NvAml *aml_to_buffer(NvAml *value, NvAml *target)
{
    return EXPR(AML_TO_BUFFER_OP, value, aml_target(target));
}

NvAml *aml_to_integer(NvAml *value, NvAml *target)
{
    return EXPR(AML_TO_INTEGER_OP, value, aml_target(target));
}

/* DefConcat := ConcatOp Data Data Target */
NvAml *aml_concatenate(NvAml *a, NvAml *b, NvAml *target)
{
    return EXPR(AML_CONCAT_OP, a, b, aml_target(target));
}

/* ---- resource templates, ACPI 6.4 §6.4 ---- */

/* ASL ResourceTemplate (): a DefBuffer (§20.2.5.4) holding the resource
 * descriptors, then the End Tag (§6.4.2.9) added when encoding */
NvAml *aml_resource_template(void)
{
    NvAml *n = aml_node_new(AML_K_BUFFER, AML_CLASS_TERM, AML_CLASS_RESOURCE,
                            AML_BUFFER_OP);
    n->end_tag = true;
    return n;
}

static NvAml *descriptor(const uint8_t *bytes, size_t len)
{
    NvAml *n = aml_raw(bytes, len);
    n->cls = AML_CLASS_RESOURCE;
    return n;
}

/* §6.4.2.5 I/O Port Descriptor: 0x47, Information (bit 0: 1 = decodes 16
 * address bits), range minimum and maximum (word), alignment, length */
NvAml *aml_io(uint16_t min, uint16_t max, uint8_t alignment, uint8_t length)
{
    uint8_t d[8] = { 0x47, 0x01, min & 0xFF, min >> 8, max & 0xFF, max >> 8,
                     alignment, length };
    return descriptor(d, sizeof(d));
}

/* §6.4.3.4 32-Bit Fixed Memory Range Descriptor: 0x86, length 9 (word),
 * Information (bit 0: 1 = read/write), base (dword), length (dword) */
NvAml *aml_memory32_fixed(uint32_t base, uint32_t length, bool writable)
{
    g_autoptr(GArray) d = g_array_new(FALSE, FALSE, 1);
    g_array_append_vals(d, "\x86\x09\x00", 3);
    g_array_append_val(d, (uint8_t){ writable ? 1 : 0 });
    aml_put_le(d, base, 4);
    aml_put_le(d, length, 4);
    return descriptor((const uint8_t *)d->data, d->len);
}

/* §6.4.3.5.1 QWord Address Space Descriptor: 0x8A, length 43 (word),
 * resource type 0 (memory), general flags (bit 0 consumer, bit 2 _MIF,
 * bit 3 _MAF; bit 1 clear: positive decode), type-specific flags (bit 0
 * read/write, bits 1-2 _MEM 1: cacheable), granularity, min, max,
 * translation offset, length (qwords) */
NvAml *aml_qword_memory(uint64_t min, uint64_t max, uint64_t length,
                        bool writable)
{
    g_autoptr(GArray) d = g_array_new(FALSE, FALSE, 1);
    g_array_append_vals(d, "\x8A\x2B\x00\x00", 4);
    g_array_append_val(d, (uint8_t){ 1u << 0 | 1u << 2 | 1u << 3 });
    g_array_append_val(d, (uint8_t){ (writable ? 1u : 0) | 1u << 1 });
    aml_put_le(d, 0, 8);
    aml_put_le(d, min, 8);
    aml_put_le(d, max, 8);
    aml_put_le(d, 0, 8);
    aml_put_le(d, length, 8);
    return descriptor((const uint8_t *)d->data, d->len);
}

static void check_flags(unsigned flags)
{
    if (flags & ~(unsigned)(AML_IRQ_EDGE | AML_IRQ_ACTIVE_LOW |
                            AML_IRQ_SHARED)) {
        AML_BUG("bad interrupt flags 0x%x", flags);
    }
}

/* §6.4.2.1 IRQ Descriptor: 0x22 and a 16-bit mask of IRQs */
NvAml *aml_irq_no_flags(unsigned irq)
{
    if (irq > 15) {
        AML_BUG("IRQ %u in an IRQ descriptor", irq);
    }
    uint8_t d[3] = { 0x22, (1u << irq) & 0xFF, (1u << irq) >> 8 };
    return descriptor(d, sizeof(d));
}

/* §6.4.2.1 IRQ Descriptor with Information: 0x23, mask, then bit 0 _HE
 * (1 = edge), bit 3 _LL (1 = active-low), bit 4 _SHR (1 = shared) */
NvAml *aml_irq(unsigned irq, unsigned flags)
{
    check_flags(flags);
    NvAml *n = aml_irq_no_flags(irq);
    uint8_t *d = (uint8_t *)n->head->data;
    d[0] = 0x23;
    g_array_append_val(n->head,
        (uint8_t){ (flags & AML_IRQ_EDGE ? 1u << 0 : 0) |
                   (flags & AML_IRQ_ACTIVE_LOW ? 1u << 3 : 0) |
                   (flags & AML_IRQ_SHARED ? 1u << 4 : 0) });
    return n;
}

/* §6.4.3.6 Extended Interrupt Descriptor: 0x89, length (word), flags
 * (bit 0 consumer, bit 1 _HE, bit 2 _LL, bit 3 _SHR), table length,
 * interrupt numbers (dword each); no resource source */
NvAml *aml_interrupt(uint32_t irq, unsigned flags)
{
    check_flags(flags);
    g_autoptr(GArray) d = g_array_new(FALSE, FALSE, 1);
    g_array_append_vals(d, "\x89\x06\x00", 3);
    g_array_append_val(d,
        (uint8_t){ 1u << 0 | (flags & AML_IRQ_EDGE ? 1u << 1 : 0) |
                   (flags & AML_IRQ_ACTIVE_LOW ? 1u << 2 : 0) |
                   (flags & AML_IRQ_SHARED ? 1u << 3 : 0) });
    g_array_append_val(d, (uint8_t){ 1 });
    aml_put_le(d, irq, 4);
    return descriptor((const uint8_t *)d->data, d->len);
}
