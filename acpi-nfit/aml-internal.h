/*
 * acpi-nfit/aml-internal.h — the node type shared by aml.c (core:
 * nodes, names, PkgLength, encoding, containers, tables), aml-data.c (data
 * objects, references) and aml-ops.c (named objects, operators, resource
 * descriptors). Not part of the contract; use aml.h.
 */
#ifndef NVEMU_AML_INTERNAL_H
#define NVEMU_AML_INTERNAL_H

#include "aml.h"

/* A bug in the caller: abort with a message naming it. */
#define AML_BUG(...) g_error("aml: " __VA_ARGS__)

/* ACPI 6.4 §20.2 opcodes; 0x5Bxx are ExtOpPrefix (0x5B) opcodes. */
enum {
    AML_ZERO_OP = 0x00, AML_ONE_OP = 0x01, AML_NAME_OP = 0x08,
    AML_BYTE_PREFIX = 0x0A, AML_WORD_PREFIX = 0x0B, AML_DWORD_PREFIX = 0x0C,
    AML_STRING_PREFIX = 0x0D, AML_QWORD_PREFIX = 0x0E,
    AML_SCOPE_OP = 0x10, AML_BUFFER_OP = 0x11, AML_PACKAGE_OP = 0x12,
    AML_VAR_PACKAGE_OP = 0x13, AML_METHOD_OP = 0x14,
    AML_DUAL_NAME_PREFIX = 0x2E, AML_MULTI_NAME_PREFIX = 0x2F,
    AML_EXT_PREFIX = 0x5B, AML_ROOT_CHAR = 0x5C, AML_PARENT_PREFIX = 0x5E,
    AML_LOCAL0_OP = 0x60, AML_ARG0_OP = 0x68,
    AML_STORE_OP = 0x70, AML_ADD_OP = 0x72, AML_CONCAT_OP = 0x73,
    AML_SUBTRACT_OP = 0x74, AML_INCREMENT_OP = 0x75, AML_DECREMENT_OP = 0x76,
    AML_MULTIPLY_OP = 0x77, AML_SHIFT_LEFT_OP = 0x79,
    AML_SHIFT_RIGHT_OP = 0x7A, AML_AND_OP = 0x7B, AML_OR_OP = 0x7D,
    AML_XOR_OP = 0x7F, AML_NOT_OP = 0x80, AML_DEREF_OF_OP = 0x83,
    AML_NOTIFY_OP = 0x86, AML_SIZE_OF_OP = 0x87, AML_INDEX_OP = 0x88,
    AML_CREATE_DWORD_FIELD_OP = 0x8A, AML_OBJECT_TYPE_OP = 0x8E,
    AML_CREATE_QWORD_FIELD_OP = 0x8F,
    AML_LAND_OP = 0x90, AML_LOR_OP = 0x91, AML_LNOT_OP = 0x92,
    AML_LEQUAL_OP = 0x93, AML_LGREATER_OP = 0x94, AML_LLESS_OP = 0x95,
    AML_TO_BUFFER_OP = 0x96, AML_TO_INTEGER_OP = 0x99,
    AML_COPY_OBJECT_OP = 0x9D, AML_MID_OP = 0x9E,
    AML_IF_OP = 0xA0, AML_ELSE_OP = 0xA1, AML_WHILE_OP = 0xA2,
    AML_RETURN_OP = 0xA4, AML_BREAK_OP = 0xA5, AML_ONES_OP = 0xFF,
    AML_MUTEX_OP = 0x5B01, AML_CREATE_FIELD_OP = 0x5B13,
    AML_ACQUIRE_OP = 0x5B23, AML_RELEASE_OP = 0x5B27,
    AML_OP_REGION_OP = 0x5B80, AML_FIELD_OP = 0x5B81, AML_DEVICE_OP = 0x5B82,
};

/* How a node is laid out in bytes; every kind starts with op[]. */
typedef enum {
    AML_K_SEQ,       /* op head children...            (no length) */
    AML_K_PKG,       /* op PkgLength head children...              */
    AML_K_BUFFER,    /* 0x11 PkgLength BufferSize head descriptors [EndTag] */
    AML_K_PACKAGE,   /* 0x12 PkgLength NumElements children...     */
    AML_K_FIELD,     /* 5B 81 PkgLength head(name flags) units...  */
    /* field units last: emit() tests kind >= AML_K_UNIT_NAMED */
    AML_K_UNIT_NAMED,    /* NameSeg PkgLength(bits)                */
    AML_K_UNIT_RESERVED, /* 0x00 PkgLength(bits)                   */
    AML_K_UNIT_OFFSET,   /* Offset(n): a ReservedField up to byte n */
} AmlKind;

/* What a node is, and what aml_append() lets a container take. */
typedef enum {
    AML_CLASS_NONE = 0,     /* accepts nothing via aml_append() */
    AML_CLASS_TERM,
    AML_CLASS_FIELD_UNIT,
    AML_CLASS_RESOURCE,
} AmlClass;

struct NvAml {
    AmlKind kind;
    AmlClass cls;
    AmlClass accepts;
    GArray *op;         /* opcode bytes (before any PkgLength) */
    GArray *head;       /* fixed bytes after the PkgLength, before children */
    GPtrArray *children;
    NvAml *parent;
    uint32_t value;     /* field units: bits, or the byte of an Offset */
    bool sized;         /* buffer: children[0] is the BufferSize term */
    bool end_tag;       /* buffer: a ResourceTemplate */
};

/* A new node; @opcode 0 means none (no node starts with ZeroOp). */
NvAml *aml_node_new(AmlKind kind, AmlClass cls, AmlClass accepts,
                    unsigned opcode);
/* Make @child (a term, unattached) an operand child of @n. */
void aml_adopt(NvAml *n, NvAml *child);
/* A term of fixed bytes (e.g. a trailing NameString or WordData). */
NvAml *aml_raw(const void *bytes, size_t len);
/* An operator applying to @n operands (none may be NULL). */
NvAml *aml_expr(unsigned opcode, size_t n, NvAml *const operands[]);
/* @target, or NullName (0x00) when it is NULL. */
NvAml *aml_target(NvAml *target);

void aml_put_opcode(GArray *out, unsigned opcode);
void aml_put_namestring(GArray *out, const char *path);
void aml_put_nameseg(GArray *out, const char *seg);
void aml_put_int(GArray *out, uint64_t value);
void aml_put_le(GArray *out, uint64_t value, unsigned bytes);

#endif
