/*
 * devices/memhp-aml.c — the DSDT fragment of the memory hotplug controller
 * (memhp.h), after QEMU's build_memory_hotplug_aml()
 * (hw/acpi/memory_hotplug.c) with the register block as a SystemMemory
 * region of MHPC itself (QEMU's x86 machines use an I/O port in a separate
 * MHPD device). In ASL, for N slots:
 *
 *   Device (\_SB.MHPC) {
 *     Name (_HID, EisaId ("PNP0A06"))          // generic container
 *     Name (_UID, "DIMM devices")
 *     Name (_CRS, ResourceTemplate () {
 *       Memory32Fixed (ReadWrite, NV_MMIO_MEMHP, 0x18) })
 *     Method (_STA) { Return (0x0B) }
 *     Name (MDNR, N)
 *     OperationRegion (HPMR, SystemMemory, NV_MMIO_MEMHP, 0x18)
 *     Field (HPMR, DWordAcc, NoLock, Preserve) {   // reads
 *       MRBL, 32, MRBH, 32, MRLL, 32, MRLH, 32, MPX, 32 }
 *     Field (HPMR, ByteAcc, NoLock, WriteAsZeros) {  // flags: a write
 *       Offset (0x14), MES, 1, MINS, 1, MRMV, 1, MEJ, 1 } // sets one bit
 *     Field (HPMR, DWordAcc, NoLock, Preserve) {   // writes
 *       MSEL, 32, MOEV, 32, MOSC, 32 }
 *     Mutex (MLCK, 0)
 *     Method (MSCN, 0, Serialized) {           // the GED's memory event
 *       Local0 = Zero
 *       Acquire (MLCK, 0xFFFF)
 *       While (Local0 < MDNR) {
 *         MSEL = Local0
 *         If (MINS == One) { MTFY (Local0, 1)  MINS = One }    // check
 *         Else { If (MRMV == One) { MTFY (Local0, 3)  MRMV = One } } // eject req
 *         Local0++
 *       }
 *       Release (MLCK)
 *     }
 *     Method (MRST, 1, Serialized) { ... MSEL = Arg0; 0xF if MES else 0 }
 *     Method (MCRS, 1, Serialized) {           // QWordMemory of the slot
 *       Name (MR64, ResourceTemplate () { QWordMemory (...) })
 *       CreateQWordField (MR64, 14, MINA)  (22, MAXA)  (38, LENA)
 *       ... MINA = MRBH << 32 | MRBL; LENA = MRLH << 32 | MRLL;
 *       MAXA = MINA + LENA - 1 ...
 *     }
 *     Method (MPXM, 1, Serialized) { ... Return (MPX) }
 *     Method (MOST, 4, Serialized) { ... MSEL = Arg0  MOEV = Arg1  MOSC = Arg2 }
 *     Method (MEJ0, 2, Serialized) { ... MSEL = Arg0  MEJ = One }
 *     Method (MTFY, 2) { If (Arg0 == 0) { Notify (MP00, Arg1) } ... }
 *     Device (MPxx) {                          // one per slot, xx hex
 *       Name (_HID, EisaId ("PNP0C80"))  Name (_UID, "0xXX")
 *       Method (_CRS, 0) { Return (MCRS (xx)) }
 *       Method (_STA, 0) { Return (MRST (xx)) }
 *       Method (_PXM, 0) { Return (MPXM (xx)) }
 *       Method (_OST, 3) { MOST (xx, Arg0, Arg1, Arg2) }
 *       Method (_EJ0, 1) { MEJ0 (xx, Arg0) }
 *     }
 *   }
 *
 * The DSDT is revision 2 (64-bit integers), so MCRS computes the range in
 * one integer where QEMU adds the halves with a carry. Every register
 * access is inside Acquire (MLCK) ... Release, as the selector is shared.
 */
#include "memhp.h"

#define MHPC "\\_SB.MHPC."

/* Acquire (MLCK, 0xFFFF); MSEL = Arg0 */
static void lock_select(NvAml *m)
{
    aml_append(m, aml_acquire(aml_name("MLCK"), 0xFFFF));
    aml_append(m, aml_store(aml_arg(0), aml_name("MSEL")));
}

static void declare_registers(NvAml *dev)
{
    aml_append(dev, aml_operation_region("HPMR", AML_SYSTEM_MEMORY,
                                         aml_int(NV_MMIO_MEMHP),
                                         aml_int(NV_MEMHP_REG_LEN)));
    NvAml *rd = aml_field("HPMR", AML_DWORD_ACC, AML_NOLOCK, AML_PRESERVE);
    static const char *const rd_names[] = {
        "MRBL", "MRBH", "MRLL", "MRLH", "MPX",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(rd_names); i++) {
        aml_append(rd, aml_named_field(rd_names[i], 32));
    }
    aml_append(dev, rd);
    /* WriteAsZeros: a store to one bit writes only that bit, so it does
     * exactly one thing (QEMU's write handler is an if/else chain). */
    NvAml *fl = aml_field("HPMR", AML_BYTE_ACC, AML_NOLOCK,
                          AML_WRITE_AS_ZEROS);
    aml_append(fl, aml_field_offset(0x14));
    static const char *const fl_names[] = { "MES", "MINS", "MRMV", "MEJ" };
    for (size_t i = 0; i < G_N_ELEMENTS(fl_names); i++) {
        aml_append(fl, aml_named_field(fl_names[i], 1));
    }
    aml_append(dev, fl);
    NvAml *wr = aml_field("HPMR", AML_DWORD_ACC, AML_NOLOCK, AML_PRESERVE);
    static const char *const wr_names[] = { "MSEL", "MOEV", "MOSC" };
    for (size_t i = 0; i < G_N_ELEMENTS(wr_names); i++) {
        aml_append(wr, aml_named_field(wr_names[i], 32));
    }
    aml_append(dev, wr);
    aml_append(dev, aml_mutex("MLCK", 0));
}

/* If (name == One) { MTFY (Local0, code)  name = One } */
static NvAml *scan_one(const char *bit, unsigned code)
{
    NvAml *i = aml_if(aml_lequal(aml_name(bit), aml_int(1)));
    aml_append(i, aml_call("MTFY", aml_local(0), aml_int(code), NULL));
    aml_append(i, aml_store(aml_int(1), aml_name(bit)));
    return i;
}

static NvAml *method_mscn(void)
{
    NvAml *m = aml_method("MSCN", 0, true);
    aml_append(m, aml_store(aml_int(0), aml_local(0)));
    aml_append(m, aml_acquire(aml_name("MLCK"), 0xFFFF));
    NvAml *loop = aml_while(aml_lless(aml_local(0), aml_name("MDNR")));
    aml_append(loop, aml_store(aml_local(0), aml_name("MSEL")));
    aml_append(loop, scan_one("MINS", 1));   /* Device Check */
    NvAml *el = aml_else();
    aml_append(el, scan_one("MRMV", 3));     /* Eject Request */
    aml_append(loop, el);
    aml_append(loop, aml_increment(aml_local(0)));
    aml_append(m, loop);
    aml_append(m, aml_release(aml_name("MLCK")));
    aml_append(m, aml_return(aml_int(1)));
    return m;
}

static NvAml *method_mrst(void)
{
    NvAml *m = aml_method("MRST", 1, true);
    aml_append(m, aml_store(aml_int(0), aml_local(0)));
    lock_select(m);
    NvAml *on = aml_if(aml_lequal(aml_name("MES"), aml_int(1)));
    aml_append(on, aml_store(aml_int(0x0F), aml_local(0)));
    aml_append(m, on);
    aml_append(m, aml_release(aml_name("MLCK")));
    aml_append(m, aml_return(aml_local(0)));
    return m;
}

/* (hi << 32) | lo */
static NvAml *join(const char *hi, const char *lo)
{
    return aml_or(aml_shiftleft(aml_name(hi), aml_int(32), NULL),
                  aml_name(lo), NULL);
}

static NvAml *method_mcrs(void)
{
    NvAml *m = aml_method("MCRS", 1, true);
    NvAml *rt = aml_resource_template();
    aml_append(rt, aml_qword_memory(0, UINT64_MAX - 1, UINT64_MAX, true));
    aml_append(m, aml_name_decl("MR64", rt));
    aml_append(m, aml_create_qword_field(aml_name("MR64"), aml_int(14),
                                         "MINA"));
    aml_append(m, aml_create_qword_field(aml_name("MR64"), aml_int(22),
                                         "MAXA"));
    aml_append(m, aml_create_qword_field(aml_name("MR64"), aml_int(38),
                                         "LENA"));
    lock_select(m);
    aml_append(m, aml_store(join("MRBH", "MRBL"), aml_name("MINA")));
    aml_append(m, aml_store(join("MRLH", "MRLL"), aml_name("LENA")));
    aml_append(m, aml_release(aml_name("MLCK")));
    aml_append(m, aml_store(aml_subtract(aml_add(aml_name("MINA"),
                                                 aml_name("LENA"), NULL),
                                         aml_int(1), NULL),
                            aml_name("MAXA")));
    aml_append(m, aml_return(aml_name("MR64")));
    return m;
}

static NvAml *method_mpxm(void)
{
    NvAml *m = aml_method("MPXM", 1, true);
    lock_select(m);
    aml_append(m, aml_store(aml_name("MPX"), aml_local(0)));
    aml_append(m, aml_release(aml_name("MLCK")));
    aml_append(m, aml_return(aml_local(0)));
    return m;
}

static NvAml *method_most(void)
{
    NvAml *m = aml_method("MOST", 4, true);
    lock_select(m);
    aml_append(m, aml_store(aml_arg(1), aml_name("MOEV")));
    aml_append(m, aml_store(aml_arg(2), aml_name("MOSC")));
    aml_append(m, aml_release(aml_name("MLCK")));
    return m;
}

static NvAml *method_mej0(void)
{
    NvAml *m = aml_method("MEJ0", 2, true);
    lock_select(m);
    aml_append(m, aml_store(aml_int(1), aml_name("MEJ")));
    aml_append(m, aml_release(aml_name("MLCK")));
    return m;
}

static NvAml *method_mtfy(uint32_t nslots)
{
    NvAml *m = aml_method("MTFY", 2, false);
    for (uint32_t s = 0; s < nslots; s++) {
        g_autofree char *dev = g_strdup_printf("MP%02X", s);
        NvAml *i = aml_if(aml_lequal(aml_arg(0), aml_int(s)));
        aml_append(i, aml_notify(aml_name(dev), aml_arg(1)));
        aml_append(m, i);
    }
    return m;
}

/* Method (name, nargs) { [Return] (MHPC.target (slot, Arg0..)) } */
static NvAml *slot_method(const char *name, unsigned nargs,
                          const char *target, uint32_t slot, bool ret)
{
    NvAml *m = aml_method(name, nargs, false);
    g_autofree char *path = g_strconcat(MHPC, target, NULL);
    NvAml *a[4] = { NULL };
    for (unsigned i = 0; i < nargs; i++) {
        a[i] = aml_arg(i);
    }
    NvAml *call = aml_call(path, aml_int(slot), a[0], a[1], a[2], NULL);
    aml_append(m, ret ? aml_return(call) : call);
    return m;
}

static NvAml *slot_device(uint32_t slot)
{
    g_autofree char *name = g_strdup_printf("MP%02X", slot);
    g_autofree char *uid = g_strdup_printf("0x%02X", slot);
    NvAml *dev = aml_device(name);
    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0C80")));
    aml_append(dev, aml_name_decl("_UID", aml_string(uid)));
    aml_append(dev, slot_method("_CRS", 0, "MCRS", slot, true));
    aml_append(dev, slot_method("_STA", 0, "MRST", slot, true));
    aml_append(dev, slot_method("_PXM", 0, "MPXM", slot, true));
    aml_append(dev, slot_method("_OST", 3, "MOST", slot, false));
    aml_append(dev, slot_method("_EJ0", 1, "MEJ0", slot, false));
    return dev;
}

NvAml *nv_memhp_aml(uint32_t nslots)
{
    NvAml *dev = aml_device("MHPC");
    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0A06")));
    aml_append(dev, aml_name_decl("_UID", aml_string("DIMM devices")));
    NvAml *crs = aml_resource_template();
    aml_append(crs, aml_memory32_fixed((uint32_t)NV_MMIO_MEMHP,
                                       NV_MEMHP_REG_LEN, true));
    aml_append(dev, aml_name_decl("_CRS", crs));
    NvAml *sta = aml_method("_STA", 0, false);
    aml_append(sta, aml_return(aml_int(0x0B)));
    aml_append(dev, sta);
    aml_append(dev, aml_name_decl("MDNR", aml_int(nslots)));
    declare_registers(dev);
    aml_append(dev, method_mscn());
    aml_append(dev, method_mrst());
    aml_append(dev, method_mcrs());
    aml_append(dev, method_mpxm());
    aml_append(dev, method_most());
    aml_append(dev, method_mej0());
    aml_append(dev, method_mtfy(nslots));
    for (uint32_t s = 0; s < nslots; s++) {
        aml_append(dev, slot_device(s));
    }
    return dev;
}
