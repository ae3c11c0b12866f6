/*
 * tests/data/aml/nvdimm-dsdt.asl: the iasl-compiled golden vector of
 * tests/test-aml.c ("/aml/iasl/nvdimm-dsdt"), which builds the same table
 * with the AML encoder and compares it with nvdimm-dsdt.aml byte for byte.
 * It is shaped like nvemu's DSDT: COM1, a motherboard device reserving the
 * _DSM doorbell, the NVDIMM root device (ACPI0012) whose _DSM talks to the
 * mailbox (docs/dsm-abi.md), one NVDIMM with _ADR, _DSM, _LSI, _LSR, _LSW,
 * and \_S5. Addresses are examples.
 *
 * Regenerate nvdimm-dsdt.aml from the repository root with
 *     iasl -on -p tests/data/aml/nvdimm-dsdt tests/data/aml/nvdimm-dsdt.asl
 * using iasl version 20200925 (Debian bookworm's acpica-tools 20200925-8).
 * -on keeps every NameString as written (by default iasl shortens "\_SB"
 * to "_SB" at the root and "^^NCAL" to "NCAL"); iasl's other optimizations
 * (smallest integer encodings) are what the encoder does anyway. The compiler ID
 * ("INTL") and version (0x20200925) in the header are iasl's: the test
 * copies them into its own table before comparing. Expect "0 Errors,
 * 0 Warnings, 1 Remarks" (the redundant Offset (0x00), kept on purpose).
 */
DefinitionBlock ("", "DSDT", 2, "NVEMU", "NVEMU-DS", 0x00000001)
{
    Scope (\_SB)
    {
        Device (COM1)
        {
            Name (_HID, EisaId ("PNP0501"))
            Name (_UID, One)
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08)
                IRQNoFlags () {4}
            })
        }

        Device (COM2)
        {
            Name (_HID, EisaId ("PNP0501"))
            Name (_UID, 0x02)
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x02F8, 0x02F8, 0x00, 0x08)
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {3}
            })
        }

        Device (MBRS)
        {
            Name (_HID, EisaId ("PNP0C02"))
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xFEB00000, 0x00000004)
            })
        }

        Device (NVDR)
        {
            Name (_HID, "ACPI0012")
            Name (MBAD, 0x00000000BFF00000)
            Name (HIGH, 0x0000000140000000)
            Mutex (MLCK, 0x00)
            OperationRegion (NMBX, SystemMemory, 0xBFF00000, 0x00021000)
            Field (NMBX, DWordAcc, NoLock, Preserve)
            {
                HDLE,   32,
                REVI,   32,
                FUNC,   32,
                INLN,   32,
                INBF,   1081216
            }

            Field (NMBX, DWordAcc, NoLock, Preserve)
            {
                RLEN,   32,
                ODAT,   1081312
            }

            OperationRegion (NDBL, SystemMemory, 0xFEB00000, 0x04)
            Field (NDBL, DWordAcc, NoLock, Preserve)
            {
                Offset (0x00),
                DBEL,   32
            }

            /* One mailbox call: Arg0 handle, Arg1 revision, Arg2 function,
             * Arg3 input buffer; returns the result buffer. */
            Method (NCAL, 4, Serialized)
            {
                Acquire (MLCK, 0xFFFF)
                Store (Arg0, HDLE)
                Store (Arg1, REVI)
                Store (Arg2, FUNC)
                Store (SizeOf (Arg3), INLN)
                Store (Arg3, INBF)
                Store (Zero, DBEL)
                Store (RLEN, Local0)
                Mid (ODAT, Zero, Local0, Local1)
                Release (MLCK)
                Return (Local1)
            }

            /* A bitmap with a bit set for each function number in the
             * package Arg0. */
            Method (QMSK, 1, NotSerialized)
            {
                Store (Zero, Local0)
                Store (Zero, Local1)
                While (LLess (Local0, SizeOf (Arg0)))
                {
                    Store (DerefOf (Index (Arg0, Local0)), Local2)
                    If (LGreater (Local2, 0x3F))
                    {
                        Break
                    }

                    Or (Local1, ShiftLeft (One, Local2), Local1)
                    Increment (Local0)
                }

                Return (Local1)
            }

            /* The qword at byte Arg1 of buffer Arg0, with some arithmetic
             * to exercise the encoder. */
            Method (RDQW, 2, Serialized)
            {
                CreateQWordField (Arg0, Arg1, QVAL)
                CreateField (Arg0, Multiply (Arg1, 0x08), 0x20, LOW)
                CopyObject (QVAL, Local0)
                Store (ToInteger (LOW), Local1)
                Store (ShiftRight (Local0, 0x20), Local2)
                If (LAnd (LNot (LEqual (Local1, And (Local0, 0xFFFFFFFF))),
                    LGreater (Local2, Zero)))
                {
                    Return (Ones)
                }

                Decrement (Local2)
                Xor (Local2, Not (Local1), Local3)
                Subtract (Local0, Local3, Local0)
                Add (Local0, HIGH, Local0)
                Return (Local0)
            }

            Method (NTFY, 0, NotSerialized)
            {
                Notify (NVDR, 0x80)
            }

            Method (_DSM, 4, Serialized)
            {
                If (LEqual (Arg0, ToUUID ("2F10E7A4-9E91-11E4-89D3-123B93F75CBA")))
                {
                    Return (NCAL (Zero, Arg1, Arg2, Arg3))
                }

                Return (Buffer (One)
                {
                     0x00
                })
            }

            Device (NV00)
            {
                Name (_ADR, One)
                Method (_DSM, 4, Serialized)
                {
                    If (LOr (LEqual (Arg0, ToUUID ("4309AC30-0D11-11E4-9191-0800200C9A66")),
                        LEqual (Arg0, ToUUID ("5746C5F2-A9A2-4264-AD0E-E4DDC9E09E80"))))
                    {
                        Return (^^NCAL (_ADR, Arg1, Arg2, Arg3))
                    }

                    Return (Buffer (One)
                    {
                         0x00
                    })
                }

                Method (_LSI, 0, Serialized)
                {
                    Store (^^NCAL (_ADR, One, 0x04, Buffer (Zero) {}), Local0)
                    CreateDWordField (Local0, Zero, STAT)
                    CreateDWordField (Local0, 0x04, LSZE)
                    CreateDWordField (Local0, 0x08, MAXT)
                    Store (Package (0x03)
                        {
                            Zero,
                            Zero,
                            Zero
                        }, Local1)
                    Store (STAT, Index (Local1, Zero))
                    Store (LSZE, Index (Local1, One))
                    Store (MAXT, Index (Local1, 0x02))
                    Return (Local1)
                }

                Method (_LSR, 2, Serialized)
                {
                    Store (Buffer (0x08) {}, Local0)
                    CreateDWordField (Local0, Zero, OFST)
                    CreateDWordField (Local0, 0x04, LENG)
                    Store (Arg0, OFST)
                    Store (Arg1, LENG)
                    Store (^^NCAL (_ADR, One, 0x05, Local0), Local1)
                    CreateDWordField (Local1, Zero, STAT)
                    Store (Package (0x02)
                        {
                            Zero,
                            Zero
                        }, Local2)
                    Store (STAT, Index (Local2, Zero))
                    If (LEqual (STAT, Zero))
                    {
                        Store (Mid (Local1, 0x04, Arg1), Index (Local2, One))
                    }
                    Else
                    {
                        Store (Buffer (Zero) {}, Index (Local2, One))
                    }

                    Return (Local2)
                }

                Method (_LSW, 3, Serialized)
                {
                    Store (Buffer (0x08) {}, Local0)
                    CreateDWordField (Local0, Zero, OFST)
                    CreateDWordField (Local0, 0x04, LENG)
                    Store (Arg0, OFST)
                    Store (Arg1, LENG)
                    Concatenate (Local0, ToBuffer (Arg2), Local0)
                    Store (^^NCAL (_ADR, One, 0x06, Local0), Local1)
                    CreateDWordField (Local1, Zero, STAT)
                    Return (STAT)
                }
            }
        }
    }

    Scope (\_SB.NVDR.NV00)
    {
        Name (_STA, 0x0F)
    }

    Scope (\_SB.NVDR)
    {
        Name (DESC, "NVEMU NVDIMM root")
        Name (SIZE, 0x1000)
    }

    Name (_S5, Package (0x04)
    {
        0x05,
        Zero,
        Zero,
        Zero
    })
}
