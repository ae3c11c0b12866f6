/*
 * acpi-nfit/aml.h — a small AML (ACPI Machine Language) encoder, and the
 * ACPI table header helpers every table uses.
 *
 * Build a tree of NvAml nodes with the constructors below, then turn it into
 * bytes with aml_encode() or, for a whole DSDT/SSDT, aml_definition_block().
 * Package lengths, buffer sizes and element counts are computed when the tree
 * is encoded, so a container may still be filled after it was appended to
 * its parent.
 *
 *     NvAml *dev = aml_device("NVDR");
 *     aml_append(dev, aml_name_decl("_HID", aml_string("ACPI0012")));
 *     NvAml *m = aml_method("_STA", 0, false);
 *     aml_append(m, aml_return(aml_int(0x0F)));
 *     aml_append(dev, m);
 *     NvAml *sb = aml_scope("\\_SB");
 *     aml_append(sb, dev);
 *     GArray *ssdt = aml_definition_block("SSDT", 2, "NVDIMM", sb);
 *
 * Encodings follow ACPI 6.4, §20.2 "AML Grammar Definition"; every
 * constructor names its section in aml.c / aml-ops.c.
 *
 * Ownership:
 *  - Every constructor returns a new node owned by the caller.
 *  - Every NvAml * argument is consumed: aml_append() and every constructor
 *    taking operands make them children of the new or parent node. A node
 *    can be consumed once; using it twice aborts. Use a new aml_name() /
 *    aml_local() for every reference.
 *  - aml_free() frees a node and everything below it; only an unattached
 *    (root) node may be freed. aml_definition_block() consumes its body.
 *  - aml_encode() does not consume anything.
 *
 * Errors: the input is nvemu's own code, never the user's, so a malformed
 * name ("ab", "TOOLONG", "1ABC"), an out-of-range argument or a child of the
 * wrong kind (a field unit outside a Field) is a bug and aborts with
 * g_error() and a message that names it.
 *
 * Target operands (the last argument of aml_add() etc.) may be NULL: the
 * result is then not stored (NullName).
 */
#ifndef NVEMU_AML_H
#define NVEMU_AML_H

#include "util.h"

typedef struct NvAml NvAml;

void aml_free(NvAml *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvAml, aml_free)

/* Make @child the last child of @parent (takes ownership of @child).
 * Allowed: terms into aml_list/scope/device/method/if/else/while/package,
 * field units into aml_field(), descriptors into aml_resource_template(). */
void aml_append(NvAml *parent, NvAml *child);

/* Append the AML bytes of @node (and its subtree) to @out (guint8 GArray). */
void aml_encode(const NvAml *node, GArray *out);

/* ---- containers (TermList) ---- */

/* A bare TermList: its children back to back, no opcode (a table body). */
NvAml *aml_list(void);
/* Scope (path) {...}, Device (path) {...} */
NvAml *aml_scope(const char *path);
NvAml *aml_device(const char *path);
/* Method (path, nargs, Serialized/NotSerialized) {...}; nargs 0..7 */
NvAml *aml_method(const char *path, unsigned nargs, bool serialized);
/* The same with a SyncLevel 0..15. */
NvAml *aml_method_sync(const char *path, unsigned nargs, bool serialized,
                       unsigned sync_level);
/* If (predicate) {...}; Else {...} must be appended right after its If. */
NvAml *aml_if(NvAml *predicate);
NvAml *aml_else(void);
NvAml *aml_while(NvAml *predicate);

/* ---- data ---- */

/* Integer in its smallest encoding: Zero, One, Ones (UINT64_MAX), then
 * Byte/Word/DWord/QWord prefixes. */
NvAml *aml_int(uint64_t value);
/* String "..." (ASCII 0x01..0x7F). */
NvAml *aml_string(const char *str);
/* Buffer (len) {data...}; @data may be NULL only when @len is 0. */
NvAml *aml_buffer(const void *data, size_t len);
/* Buffer (size) {}: @size bytes of zero; @size is any integer term. */
NvAml *aml_buffer_sized(NvAml *size);
/* Package (n) {...}: n = the number of appended elements (at most 255). */
NvAml *aml_package(void);
/* VarPackage (num_elements) {...}: the count is a term. */
NvAml *aml_var_package(NvAml *num_elements);
/* ToUUID ("aabbccdd-eeff-gghh-iijj-kkllmmnnoopp"): a 16-byte Buffer in
 * ACPI's byte order dd cc bb aa ff ee hh gg ii jj kk ll mm nn oo pp. */
NvAml *aml_touuid(const char *uuid);
/* EISAID ("PNP0501"): the compressed 32-bit id as an integer. */
NvAml *aml_eisaid(const char *id);

/* ---- names, locals, arguments, calls ---- */

/* A NameString reference: "FOO", "\\_SB.NVDR", "^NCAL", "\\". Each segment
 * is 1..4 characters [A-Z_][A-Z0-9_]* and is padded with '_' ("_SB" is
 * "_SB_"). */
NvAml *aml_name(const char *path);
NvAml *aml_local(unsigned n);   /* Local0..Local7 */
NvAml *aml_arg(unsigned n);     /* Arg0..Arg6 */
/* A method call: path (args...), the list ended by NULL; at most 7 args. */
NvAml *aml_call(const char *path, ...) G_GNUC_NULL_TERMINATED;

/* ---- named objects ---- */

/* Name (name, value) */
NvAml *aml_name_decl(const char *path, NvAml *value);

typedef enum {
    AML_SYSTEM_MEMORY = 0x00,
    AML_SYSTEM_IO = 0x01,
    AML_PCI_CONFIG = 0x02,
} AmlRegionSpace;

/* OperationRegion (name, space, offset, length) */
NvAml *aml_operation_region(const char *path, AmlRegionSpace space,
                            NvAml *offset, NvAml *length);

typedef enum {
    AML_ANY_ACC = 0, AML_BYTE_ACC = 1, AML_WORD_ACC = 2, AML_DWORD_ACC = 3,
    AML_QWORD_ACC = 4, AML_BUFFER_ACC = 5,
} AmlAccessType;
typedef enum { AML_NOLOCK = 0, AML_LOCK = 1 } AmlLockRule;
typedef enum {
    AML_PRESERVE = 0, AML_WRITE_AS_ONES = 1, AML_WRITE_AS_ZEROS = 2,
} AmlUpdateRule;

/* Field (region, access, lock, update) {...}: append field units. */
NvAml *aml_field(const char *region, AmlAccessType access, AmlLockRule lock,
                 AmlUpdateRule update);
/* Field units: "NAME, bits"; ", bits" (reserved); "Offset (byte)", which
 * skips to that byte (an Offset behind the current position aborts). */
NvAml *aml_named_field(const char *nameseg, uint32_t bits);
NvAml *aml_reserved_field(uint32_t bits);
NvAml *aml_field_offset(uint32_t byte_offset);

/* Mutex (name, sync_level 0..15) */
NvAml *aml_mutex(const char *path, unsigned sync_level);

/* CreateDWordField / CreateQWordField (buffer, byte_index, name),
 * CreateField (buffer, bit_index, num_bits, name) */
NvAml *aml_create_dword_field(NvAml *buffer, NvAml *byte_index,
                              const char *path);
NvAml *aml_create_qword_field(NvAml *buffer, NvAml *byte_index,
                              const char *path);
NvAml *aml_create_field(NvAml *buffer, NvAml *bit_index, NvAml *num_bits,
                        const char *path);

/* ---- statements ---- */

NvAml *aml_store(NvAml *source, NvAml *dest);      /* Store (src, dst) */
NvAml *aml_copy_object(NvAml *source, NvAml *dest); /* CopyObject */
NvAml *aml_return(NvAml *value);                   /* Return (value) */
NvAml *aml_break(void);                            /* Break */
NvAml *aml_notify(NvAml *object, NvAml *value);    /* Notify (obj, value) */
/* Acquire (mutex, timeout_ms); 0xFFFF waits forever. Its value is True
 * on timeout. */
NvAml *aml_acquire(NvAml *mutex, uint16_t timeout);
NvAml *aml_release(NvAml *mutex);                  /* Release (mutex) */
NvAml *aml_increment(NvAml *name);                 /* Increment (x) */
NvAml *aml_decrement(NvAml *name);                 /* Decrement (x) */

/* ---- expressions (target may be NULL) ---- */

NvAml *aml_add(NvAml *a, NvAml *b, NvAml *target);
NvAml *aml_subtract(NvAml *a, NvAml *b, NvAml *target);
NvAml *aml_multiply(NvAml *a, NvAml *b, NvAml *target);
NvAml *aml_shiftleft(NvAml *a, NvAml *count, NvAml *target);
NvAml *aml_shiftright(NvAml *a, NvAml *count, NvAml *target);
NvAml *aml_and(NvAml *a, NvAml *b, NvAml *target);
NvAml *aml_or(NvAml *a, NvAml *b, NvAml *target);
NvAml *aml_xor(NvAml *a, NvAml *b, NvAml *target);
NvAml *aml_not(NvAml *a, NvAml *target);
NvAml *aml_lequal(NvAml *a, NvAml *b);
NvAml *aml_lless(NvAml *a, NvAml *b);
NvAml *aml_lgreater(NvAml *a, NvAml *b);
NvAml *aml_lnot(NvAml *a);
NvAml *aml_land(NvAml *a, NvAml *b);
NvAml *aml_lor(NvAml *a, NvAml *b);
NvAml *aml_sizeof(NvAml *object);
/* ObjectType (object): 1 Integer, 2 String, 3 Buffer, 4 Package, ... */
NvAml *aml_object_type(NvAml *object);
NvAml *aml_index(NvAml *object, NvAml *index, NvAml *target);
NvAml *aml_derefof(NvAml *reference);
NvAml *aml_mid(NvAml *object, NvAml *index, NvAml *length, NvAml *target);
NvAml *aml_to_buffer(NvAml *value, NvAml *target);
NvAml *aml_to_integer(NvAml *value, NvAml *target);
NvAml *aml_concatenate(NvAml *a, NvAml *b, NvAml *target);

/* ---- resource templates (ACPI 6.4 §6.4) ---- */

/* ResourceTemplate () {...}: a Buffer of the appended descriptors and an
 * End Tag (0x79) whose checksum byte is 0 ("treated as if the checksum
 * operation succeeded", §6.4.2.9), as iasl emits it. */
NvAml *aml_resource_template(void);
/* IO (Decode16, min, max, alignment, length) */
NvAml *aml_io(uint16_t min, uint16_t max, uint8_t alignment, uint8_t length);
/* Memory32Fixed (ReadWrite/ReadOnly, base, length) */
NvAml *aml_memory32_fixed(uint32_t base, uint32_t length, bool writable);

/* QWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed,
 * Cacheable, ReadWrite/ReadOnly, 0, min, max, 0, length): the QWord
 * Address Space Descriptor for memory (0x8A, ACPI 6.4 §6.4.3.5.1). The
 * fields sit at byte 14 (min), 22 (max), 38 (length) of the descriptor. */
NvAml *aml_qword_memory(uint64_t min, uint64_t max, uint64_t length,
                        bool writable);

/* Interrupt flags; the default (0) is level-triggered, active-high,
 * exclusive. */
enum {
    AML_IRQ_EDGE = 1 << 0,
    AML_IRQ_ACTIVE_LOW = 1 << 1,
    AML_IRQ_SHARED = 1 << 2,
};
/* IRQNoFlags () {irq}: the 2-byte-mask IRQ descriptor (0x22); irq 0..15. */
NvAml *aml_irq_no_flags(unsigned irq);
/* IRQ (flags) {irq}: the IRQ descriptor with its information byte (0x23). */
NvAml *aml_irq(unsigned irq, unsigned flags);
/* Interrupt (ResourceConsumer, flags) {irq}: Extended Interrupt (0x89). */
NvAml *aml_interrupt(uint32_t irq, unsigned flags);

/* ---- PkgLength (§20.2.4) ---- */

#define AML_PKGLENGTH_MAX 0x0FFFFFFFu

/* PkgLength of a package whose bytes after the PkgLength number
 * @content_len: the encoded value counts the PkgLength bytes too. Writes
 * 1..4 bytes to @out, returns how many. Aborts past AML_PKGLENGTH_MAX. */
unsigned aml_pkglength_encode(size_t content_len, uint8_t out[4]);
/* @value itself in PkgLength form (the bit lengths of field units). */
unsigned aml_pkglength_encode_raw(uint32_t value, uint8_t out[4]);
/* Decode a PkgLength; false if @len is too short or reserved bits are set. */
bool aml_pkglength_decode(const uint8_t *buf, size_t len, uint32_t *value,
                          unsigned *nbytes);

/* ---- ACPI tables ---- */

#define NV_ACPI_HEADER_SIZE 36
#define NV_ACPI_OEM_ID "NVEMU"          /* NUL-padded to 6 bytes */
#define NV_ACPI_OEM_REVISION 1
#define NV_ACPI_CREATOR_ID "NVEM"
#define NV_ACPI_CREATOR_REVISION 1

/* Append a table header (ACPI 6.4 §5.2.6) to @table: @sig (4 chars),
 * @revision, OEM ID NV_ACPI_OEM_ID, @oem_table_id (up to 8 chars, NUL-
 * padded), OEM revision, creator ID and revision as above. Length and
 * checksum stay 0 until nv_acpi_table_finalize(). */
void nv_acpi_table_header(GArray *table, const char *sig, uint8_t revision,
                          const char *oem_table_id);
/* @table (a guint8 GArray) holds one whole table, header first: set its
 * Length (offset 4) to table->len and its Checksum (offset 9) so that all
 * bytes sum to 0 mod 256. Call after the last byte is appended. */
void nv_acpi_table_finalize(GArray *table);
/* Append @n zero bytes to @table; returns where they start (valid until
 * the table grows again). */
uint8_t *nv_acpi_table_grow(GArray *table, size_t n);
/* The byte that brings the sum of @len bytes at @data to 0 mod 256. */
uint8_t nv_acpi_checksum(const void *data, size_t len);

/* A whole DSDT/SSDT: header + the AML of @body (consumed), finalized.
 * Returns a new guint8 GArray (free with g_array_unref). */
GArray *aml_definition_block(const char *sig, uint8_t revision,
                             const char *oem_table_id, NvAml *body);

#endif
