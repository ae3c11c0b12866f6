/*
 * acpi-nfit/ssdt-nvdimm.c — the NVDIMM SSDT: the root device \_SB.NVDR
 * (ACPI0012) and one NVxx device per memory slot, whose _DSM, _LSI, _LSR
 * and _LSW methods all funnel into one method, NVDR.NCAL, which drives the
 * mailbox of docs/dsm-abi.md. Its _FIT reads the current NFIT structures
 * through the same mailbox (handle NV_DSM_FIT_HANDLE), so a hot-added
 * NVDIMM reaches Linux after Notify (NVDR, 0x80).
 *
 * In ASL, NCAL is:
 *
 *   Method (NCAL, 5, Serialized) {  // handle, family, revision, fn, Arg3
 *       Acquire (MLCK, 0xFFFF)
 *       HDLE = Arg0;  FAML = Arg1;  REVN = Arg2;  FUNC = Arg3
 *       Local0 = SizeOf (Arg4);  ILEN = Local0
 *       If (Local0 > 236) { If (Local0 > 1004) { ... Else { I1KB = Arg4 } }
 *       Else { ISML = Arg4 }              // the smallest unit that holds it
 *       DBRG = Zero                           // nvemu answers in this write
 *       Local1 = OLEN
 *       If (Local1 > 252) { ... } Else { Local2 = OSML }   // likewise
 *       Release (MLCK)
 *       Return (Mid (Local2, Zero, Local1))
 *   }
 *
 * The mailbox's data is declared several times over, as field units of
 * growing size (header and data together 256 B, 1 KiB, 4 KiB, 16 KiB,
 * 64 KiB, then the whole mailbox), because the interpreter moves a whole
 * field unit on every access: a 12-byte Get Label Size should not copy
 * 132 KiB, nor a 256-byte label write (measured in a guest under the TCG
 * test host: a 260-byte answer through the 132 KiB unit took 9.3 ms, the
 * 12-byte one 1 ms).
 */
#include "acpi-nfit.h"

/* The mailbox's data units, smallest first: header and data together
 * take @total bytes of the mailbox (0: all of it). */
static const struct {
    const char *in, *out;
    uint32_t total;
} UNITS[] = {
    { "ISML", "OSML", 256 },       { "I1KB", "O1KB", 1024 },
    { "I4KB", "O4KB", 4096 },      { "I16K", "O16K", 16384 },
    { "I64K", "O64K", 65536 },     { "IBIG", "OBIG", 0 },
};
#define N_UNITS G_N_ELEMENTS(UNITS)

/* The data bytes unit @i holds, in (request) or out (response). */
static uint32_t unit_bytes(unsigned i, bool out)
{
    uint32_t head = out ? NV_DSM_RESP_OUT : NV_DSM_REQ_IN;
    uint32_t max = out ? NV_DSM_OUT_MAX : NV_DSM_IN_MAX;
    return UNITS[i].total ? UNITS[i].total - head : max;
}
#define ROOT      "\\_SB.NVDR."

/* Field (region, QWordAcc, NoLock, Preserve) { [Offset (off),] name, bits },
 * DWordAcc for a unit of up to 8 bytes. The interpreter moves a field unit
 * one access at a time: 64-bit accesses halve their number (a 128 KiB
 * label read took 5.7 ms instead of 9.6 ms in the TCG test host). */
static NvAml *field_unit(const char *region, uint32_t off, const char *name,
                         uint32_t bytes)
{
    NvAml *f = aml_field(region, bytes > 8 ? AML_QWORD_ACC : AML_DWORD_ACC,
                         AML_NOLOCK, AML_PRESERVE);
    if (off) {
        aml_append(f, aml_field_offset(off));
    }
    aml_append(f, aml_named_field(name, bytes * 8));
    return f;
}

static void declare_mailbox(NvAml *dev, const NvAcpiConfig *cfg)
{
    aml_append(dev, aml_mutex("MLCK", 0));
    aml_append(dev, aml_operation_region("MBOX", AML_SYSTEM_MEMORY,
                                         aml_int(cfg->dsm_mailbox),
                                         aml_int(NV_DSM_MAILBOX_SIZE)));
    NvAml *req = aml_field("MBOX", AML_DWORD_ACC, AML_NOLOCK, AML_PRESERVE);
    aml_append(req, aml_named_field("HDLE", 32));
    aml_append(req, aml_named_field("FAML", 32));
    aml_append(req, aml_named_field("REVN", 32));
    aml_append(req, aml_named_field("FUNC", 32));
    aml_append(req, aml_named_field("ILEN", 32));
    aml_append(req, aml_named_field(UNITS[0].in, unit_bytes(0, false) * 8));
    aml_append(dev, req);
    for (unsigned i = 1; i < N_UNITS; i++) {
        aml_append(dev, field_unit("MBOX", NV_DSM_REQ_IN, UNITS[i].in,
                                   unit_bytes(i, false)));
    }
    NvAml *resp = aml_field("MBOX", AML_DWORD_ACC, AML_NOLOCK, AML_PRESERVE);
    aml_append(resp, aml_named_field("OLEN", 32));
    aml_append(resp, aml_named_field(UNITS[0].out, unit_bytes(0, true) * 8));
    aml_append(dev, resp);
    for (unsigned i = 1; i < N_UNITS; i++) {
        aml_append(dev, field_unit("MBOX", NV_DSM_RESP_OUT, UNITS[i].out,
                                   unit_bytes(i, true)));
    }
    aml_append(dev, aml_operation_region("DBEL", AML_SYSTEM_MEMORY,
                                         aml_int(cfg->dsm_doorbell),
                                         aml_int(NV_DSM_DOORBELL_SIZE)));
    aml_append(dev, field_unit("DBEL", 0, "DBRG", NV_DSM_DOORBELL_SIZE));
}

/* Into @m: the store through the smallest data unit from @i on that holds
 * Local@len bytes; out: Local2 = unit, else unit = Arg4.
 *   If (Local@len > bytes(i)) { <the same from i + 1> } Else { <unit i> } */
static void pick_unit(NvAml *m, unsigned len, unsigned i, bool out)
{
    const char *name = out ? UNITS[i].out : UNITS[i].in;
    NvAml *store = out ? aml_store(aml_name(name), aml_local(2))
                       : aml_store(aml_arg(4), aml_name(name));
    if (i + 1 == N_UNITS) {
        aml_append(m, store);
        return;
    }
    NvAml *bigger = aml_if(aml_lgreater(aml_local(len),
                                        aml_int(unit_bytes(i, out))));
    pick_unit(bigger, len, i + 1, out);
    aml_append(m, bigger);
    NvAml *this = aml_else();
    aml_append(this, store);
    aml_append(m, this);
}

/* NCAL: one mailbox round trip (see the ASL at the top). */
static NvAml *method_ncal(void)
{
    NvAml *m = aml_method("NCAL", 5, true);
    aml_append(m, aml_acquire(aml_name("MLCK"), 0xFFFF));
    aml_append(m, aml_store(aml_arg(0), aml_name("HDLE")));
    aml_append(m, aml_store(aml_arg(1), aml_name("FAML")));
    aml_append(m, aml_store(aml_arg(2), aml_name("REVN")));
    aml_append(m, aml_store(aml_arg(3), aml_name("FUNC")));
    aml_append(m, aml_store(aml_sizeof(aml_arg(4)), aml_local(0)));
    aml_append(m, aml_store(aml_local(0), aml_name("ILEN")));
    pick_unit(m, 0, 0, false);
    aml_append(m, aml_store(aml_int(0), aml_name("DBRG")));
    aml_append(m, aml_store(aml_name("OLEN"), aml_local(1)));
    pick_unit(m, 1, 0, true);
    aml_append(m, aml_release(aml_name("MLCK")));
    aml_append(m, aml_return(aml_mid(aml_local(2), aml_int(0), aml_local(1),
                                     NULL)));
    return m;
}

/*
 * ARGB: the buffer inside _DSM's Arg3. Linux passes Package () { Buffer };
 * anything else (an empty Package, no buffer) means no input.
 *   If (ObjectType (Arg0) == 4 && SizeOf (Arg0) > 0) {
 *       Local0 = DerefOf (Arg0 [0])
 *       If (ObjectType (Local0) == 3) { Return (Local0) } }
 *   Return (Buffer (0) {})
 */
static NvAml *method_argb(void)
{
    NvAml *m = aml_method("ARGB", 1, true);
    NvAml *pkg = aml_if(aml_land(
        aml_lequal(aml_object_type(aml_arg(0)), aml_int(4)),
        aml_lgreater(aml_sizeof(aml_arg(0)), aml_int(0))));
    aml_append(pkg, aml_store(aml_derefof(aml_index(aml_arg(0), aml_int(0),
                                                    NULL)),
                              aml_local(0)));
    NvAml *buf = aml_if(aml_lequal(aml_object_type(aml_local(0)),
                                   aml_int(3)));
    aml_append(buf, aml_return(aml_local(0)));
    aml_append(pkg, buf);
    aml_append(m, pkg);
    aml_append(m, aml_return(aml_buffer(NULL, 0)));
    return m;
}

/*
 * _DSM for @uuid, forwarded to NCAL with @handle and the UUID's @family
 * (NV_DSM_FAMILY_*). An unknown UUID never reaches nvemu: it answers
 * function 0 with an empty bitmap (bit 0 clear, ACPI 6.4 §9.1.1, so Linux
 * does not take the family) and anything else with status 1, "not
 * supported".
 */
static NvAml *method_dsm(const char *uuid, uint32_t family, uint32_t handle)
{
    static const uint8_t none[1] = { 0 };
    static const uint8_t unsupported[4] = { NV_DSM_UNSUPPORTED, 0, 0, 0 };
    NvAml *m = aml_method("_DSM", 4, true);
    NvAml *ours = aml_if(aml_lequal(aml_arg(0), aml_touuid(uuid)));
    aml_append(ours, aml_return(aml_call(ROOT "NCAL", aml_int(handle),
                                         aml_int(family), aml_arg(1),
                                         aml_arg(2),
                                         aml_call(ROOT "ARGB", aml_arg(3),
                                                  NULL), NULL)));
    aml_append(m, ours);
    NvAml *query = aml_if(aml_lequal(aml_arg(2), aml_int(0)));
    aml_append(query, aml_return(aml_buffer(none, sizeof(none))));
    aml_append(m, query);
    aml_append(m, aml_return(aml_buffer(unsupported, sizeof(unsupported))));
    return m;
}

/*
 * Local0 = NCAL (handle, 2 (Intel family), 1, fn, input)
 * If (SizeOf (Local0) < 4) { Local0 = Buffer () { 4, 0, 0, 0 } }
 * CreateDWordField (Local0, 0, STAT)
 * A result too short to hold a status (a mailbox nobody answered) reads as
 * "hardware error" rather than faulting in CreateDWordField.
 */
static void call_label_fn(NvAml *m, uint32_t handle, uint32_t fn, NvAml *in)
{
    static const uint8_t hw_error[4] = { NV_DSM_HW_ERROR, 0, 0, 0 };
    aml_append(m, aml_store(aml_call(ROOT "NCAL", aml_int(handle),
                                     aml_int(NV_DSM_FAMILY_INTEL),
                                     aml_int(NV_DSM_REVISION), aml_int(fn),
                                     in, NULL),
                            aml_local(0)));
    NvAml *sh = aml_if(aml_lless(aml_sizeof(aml_local(0)), aml_int(4)));
    aml_append(sh, aml_store(aml_buffer(hw_error, sizeof(hw_error)),
                             aml_local(0)));
    aml_append(m, sh);
    aml_append(m, aml_create_dword_field(aml_local(0), aml_int(0), "STAT"));
}

/* Local1 = Buffer (8) {}; its two dwords = Arg0 (offset), Arg1 (length) */
static void offset_length_buffer(NvAml *m)
{
    aml_append(m, aml_store(aml_buffer_sized(aml_int(8)), aml_local(1)));
    aml_append(m, aml_create_dword_field(aml_local(1), aml_int(0), "OFST"));
    aml_append(m, aml_create_dword_field(aml_local(1), aml_int(4), "LENG"));
    aml_append(m, aml_store(aml_arg(0), aml_name("OFST")));
    aml_append(m, aml_store(aml_arg(1), aml_name("LENG")));
}

/* _LSI: Package { Status, SizeOfLabelStorageArea, MaxTransferLength }
 * (ACPI 6.4 §6.5.10.1) from Get Label Size. */
static NvAml *method_lsi(uint32_t handle)
{
    NvAml *m = aml_method("_LSI", 0, true);
    call_label_fn(m, handle, NV_DSM_FN_GET_LABEL_SIZE, aml_buffer(NULL, 0));
    NvAml *pkg = aml_package();
    for (int i = 0; i < 3; i++) {
        aml_append(pkg, aml_int(0));
    }
    aml_append(m, aml_store(pkg, aml_local(2)));
    aml_append(m, aml_store(aml_name("STAT"),
                            aml_index(aml_local(2), aml_int(0), NULL)));
    NvAml *ok = aml_if(aml_lequal(aml_sizeof(aml_local(0)), aml_int(12)));
    aml_append(ok, aml_create_dword_field(aml_local(0), aml_int(4), "LSIZ"));
    aml_append(ok, aml_create_dword_field(aml_local(0), aml_int(8), "LMAX"));
    aml_append(ok, aml_store(aml_name("LSIZ"),
                             aml_index(aml_local(2), aml_int(1), NULL)));
    aml_append(ok, aml_store(aml_name("LMAX"),
                             aml_index(aml_local(2), aml_int(2), NULL)));
    aml_append(m, ok);
    aml_append(m, aml_return(aml_local(2)));
    return m;
}

/* _LSR (Offset, Length): Package { Status, Buffer } (§6.5.10.2). */
static NvAml *method_lsr(uint32_t handle)
{
    NvAml *m = aml_method("_LSR", 2, true);
    offset_length_buffer(m);
    call_label_fn(m, handle, NV_DSM_FN_GET_LABEL_DATA, aml_local(1));
    NvAml *pkg = aml_package();
    aml_append(pkg, aml_int(0));
    aml_append(pkg, aml_buffer(NULL, 0));
    aml_append(m, aml_store(pkg, aml_local(2)));
    aml_append(m, aml_store(aml_name("STAT"),
                            aml_index(aml_local(2), aml_int(0), NULL)));
    aml_append(m, aml_store(
        aml_mid(aml_local(0), aml_int(4),
                aml_subtract(aml_sizeof(aml_local(0)), aml_int(4), NULL),
                NULL),
        aml_index(aml_local(2), aml_int(1), NULL)));
    aml_append(m, aml_return(aml_local(2)));
    return m;
}

/* _LSW (Offset, Length, Data): Integer status (§6.5.10.3). */
static NvAml *method_lsw(uint32_t handle)
{
    NvAml *m = aml_method("_LSW", 3, true);
    offset_length_buffer(m);
    call_label_fn(m, handle, NV_DSM_FN_SET_LABEL_DATA,
                  aml_concatenate(aml_local(1), aml_arg(2), NULL));
    aml_append(m, aml_return(aml_name("STAT")));
    return m;
}

/*
 * RFIT (offset): one Read FIT call, its raw result (u32 status, bytes).
 *   Local0 = Buffer (4) {}
 *   CreateDWordField (Local0, 0, OFST)
 *   OFST = Arg0
 *   Return (NCAL (0x10000, 3 (the _FIT family), 1, 1, Local0))
 */
static NvAml *method_rfit(void)
{
    NvAml *m = aml_method("RFIT", 1, true);
    aml_append(m, aml_store(aml_buffer_sized(aml_int(4)), aml_local(0)));
    aml_append(m, aml_create_dword_field(aml_local(0), aml_int(0), "OFST"));
    aml_append(m, aml_store(aml_arg(0), aml_name("OFST")));
    aml_append(m, aml_return(aml_call(ROOT "NCAL",
                                      aml_int(NV_DSM_FIT_HANDLE),
                                      aml_int(NV_DSM_FAMILY_FIT),
                                      aml_int(NV_DSM_REVISION),
                                      aml_int(NV_DSM_FN_READ_FIT),
                                      aml_local(0), NULL)));
    return m;
}

/*
 * _FIT: the current NFIT structures (ACPI 6.4 §6.5.9), read in chunks as
 * QEMU's _FIT does; a FIT that changed under the loop starts it again.
 *   Local0 = Buffer (0) {}                    // the FIT so far
 *   Local1 = Zero                             // its length, the offset
 *   While (One) {
 *     Local2 = RFIT (Local1)
 *     Local3 = SizeOf (Local2)
 *     If (Local3 < 4) { Return (Buffer (0) {}) }   // no answer
 *     Local4 = ToInteger (Mid (Local2, Zero, 4))    // status
 *     If (Local4 == 0x100) { Local0 = Buffer (0) {}  Local1 = Zero }
 *     Else {
 *       If (Local4 != Zero) { Return (Buffer (0) {}) }
 *       If (Local3 == 4) { Break }               // no more bytes
 *       Local0 = Concatenate (Local0, Mid (Local2, 4, Local3))
 *       Local1 += Local3 - 4
 *     }
 *   }
 *   Return (Local0)
 */
static NvAml *method_fit(void)
{
    NvAml *m = aml_method("_FIT", 0, true);
    aml_append(m, aml_store(aml_buffer(NULL, 0), aml_local(0)));
    aml_append(m, aml_store(aml_int(0), aml_local(1)));
    NvAml *loop = aml_while(aml_int(1));
    aml_append(loop, aml_store(aml_call(ROOT "RFIT", aml_local(1), NULL),
                               aml_local(2)));
    aml_append(loop, aml_store(aml_sizeof(aml_local(2)), aml_local(3)));
    NvAml *none = aml_if(aml_lless(aml_local(3), aml_int(4)));
    aml_append(none, aml_return(aml_buffer(NULL, 0)));
    aml_append(loop, none);
    aml_append(loop, aml_store(aml_to_integer(aml_mid(aml_local(2),
                                                      aml_int(0), aml_int(4),
                                                      NULL), NULL),
                               aml_local(4)));
    NvAml *changed = aml_if(aml_lequal(aml_local(4),
                                       aml_int(NV_DSM_FIT_CHANGED)));
    aml_append(changed, aml_store(aml_buffer(NULL, 0), aml_local(0)));
    aml_append(changed, aml_store(aml_int(0), aml_local(1)));
    aml_append(loop, changed);
    NvAml *other = aml_else();
    NvAml *bad = aml_if(aml_lnot(aml_lequal(aml_local(4), aml_int(0))));
    aml_append(bad, aml_return(aml_buffer(NULL, 0)));
    aml_append(other, bad);
    NvAml *end = aml_if(aml_lequal(aml_local(3), aml_int(4)));
    aml_append(end, aml_break());
    aml_append(other, end);
    aml_append(other, aml_store(aml_concatenate(aml_local(0),
                                                aml_mid(aml_local(2),
                                                        aml_int(4),
                                                        aml_local(3), NULL),
                                                NULL),
                                aml_local(0)));
    aml_append(other, aml_add(aml_local(1),
                              aml_subtract(aml_local(3), aml_int(4), NULL),
                              aml_local(1)));
    aml_append(loop, other);
    aml_append(m, loop);
    aml_append(m, aml_return(aml_local(0)));
    return m;
}

static const NvDimm *nvdimm_in_slot(const NvAcpiConfig *cfg, uint32_t slot)
{
    for (guint i = 0; cfg->dimms && i < cfg->dimms->len; i++) {
        const NvDimm *d = g_ptr_array_index(cfg->dimms, i);
        if (d->kind == NV_DIMM_NVDIMM && d->slot == slot) {
            return d;
        }
    }
    return NULL;
}

/*
 * NVxx for @slot: _ADR and _DSM always (so a DIMM plugged later has its
 * device); the label methods only where the DIMM has labels, and _LSW only
 * where they are writable: Linux takes _LSI's presence as "labels here".
 */
static NvAml *nvdimm_device(const NvAcpiConfig *cfg, uint32_t slot)
{
    g_autofree char *name = g_strdup_printf("NV%02X", slot);
    uint32_t handle = nv_acpi_nvdimm_handle(slot);
    NvAml *dev = aml_device(name);
    aml_append(dev, aml_name_decl("_ADR", aml_int(handle)));
    aml_append(dev, method_dsm(NV_DSM_UUID_INTEL, NV_DSM_FAMILY_INTEL,
                               handle));
    const NvDimm *d = nvdimm_in_slot(cfg, slot);
    if (d && d->label_size) {
        aml_append(dev, method_lsi(handle));
        aml_append(dev, method_lsr(handle));
        if (!d->unarmed && !d->memdev->cfg.readonly) {
            aml_append(dev, method_lsw(handle));
        }
    }
    return dev;
}

/*
 * NHLT: the DIMM health notifications, called by the GED's _EVT on
 * NV_GED_EVENT_NVDIMM_HEALTH (docs/acpi.md). One field per 32 slots:
 *
 *   OperationRegion (NTFY, SystemMemory, base, 32)
 *   Field (NTFY, DWordAcc, NoLock, Preserve) { NP00, 32, ... }
 *   Method (NHLT, 0, Serialized) {
 *       Local0 = NP00                  // reads and clears slots 0-31
 *       If ((Local0 & 1) == 1) { Notify (NV00, 0x81) }
 *       ...
 *   }
 */
static void declare_health_notify(NvAml *dev, const NvAcpiConfig *cfg)
{
    aml_append(dev, aml_operation_region("NTFY", AML_SYSTEM_MEMORY,
                                         aml_int(cfg->nvdimm_notify_base),
                                         aml_int(NV_NVNT_REG_LEN)));
    uint32_t words = (cfg->slots + 31) / 32;
    NvAml *f = aml_field("NTFY", AML_DWORD_ACC, AML_NOLOCK, AML_PRESERVE);
    for (uint32_t w = 0; w < words; w++) {
        g_autofree char *name = g_strdup_printf("NP%02X", w);
        aml_append(f, aml_named_field(name, 32));
    }
    aml_append(dev, f);
    NvAml *m = aml_method("NHLT", 0, true);
    for (uint32_t w = 0; w < words; w++) {
        g_autofree char *word = g_strdup_printf("NP%02X", w);
        aml_append(m, aml_store(aml_name(word), aml_local(0)));
        for (uint32_t slot = w * 32; slot < cfg->slots && slot < w * 32 + 32;
             slot++) {
            uint32_t bit = 1u << (slot % 32);
            g_autofree char *dimm = g_strdup_printf("NV%02X", slot);
            NvAml *i = aml_if(aml_lequal(aml_and(aml_local(0), aml_int(bit),
                                                 NULL),
                                         aml_int(bit)));
            aml_append(i, aml_notify(aml_name(dimm), aml_int(0x81)));
            aml_append(m, i);
        }
    }
    aml_append(dev, m);
}

GArray *nv_acpi_build_ssdt_nvdimm(const NvAcpiConfig *cfg)
{
    NvAml *root = aml_device("NVDR");
    aml_append(root, aml_name_decl("_HID", aml_string("ACPI0012")));
    declare_mailbox(root, cfg);
    aml_append(root, method_ncal());
    aml_append(root, method_argb());
    aml_append(root, method_dsm(NV_DSM_UUID_ROOT, NV_DSM_FAMILY_ROOT, 0));
    aml_append(root, method_rfit());
    aml_append(root, method_fit());
    if (cfg->nvdimm_notify_base) {
        declare_health_notify(root, cfg);
    }
    for (uint32_t slot = 0; slot < cfg->slots; slot++) {
        aml_append(root, nvdimm_device(cfg, slot));
    }
    NvAml *sb = aml_scope("\\_SB");
    aml_append(sb, root);
    return aml_definition_block("SSDT", 2, "NVDIMM", sb);
}
