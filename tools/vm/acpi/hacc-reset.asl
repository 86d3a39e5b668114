/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * tools/vm/run --acpi-reset: the platform reset method hisi_qm calls in a
 * controller reset (qm_reset_device() evaluates err_info.acpi_rst on the
 * PF's ACPI node: ZRST for hisi_zip, SRST for hisi_sec2, HRST for
 * hisi_hpre; non-zero is the step that failed).  On the hardware it
 * programs reset registers outside the PCI BARs; the QEMU model has a
 * stand-in for them in the PF's config space (x-rst-port=on, dword 0x40:
 * the magic resets the QM state of the PF and its VFs, then reads 0).
 *
 * The path is the one QEMU 10.0's q35 DSDT gives the PF behind the root
 * port tools/vm/run puts at 00:10.0 (devfn 0x80): \_SB.PCI0.S80.S00.
 */
DefinitionBlock ("", "SSDT", 2, "HACC", "QMRST", 1)
{
    External (\_SB.PCI0.S80.S00, DeviceObj)

    Scope (\_SB.PCI0.S80.S00)
    {
        OperationRegion (HRSP, PCI_Config, 0x40, 4)
        Field (HRSP, DWordAcc, NoLock, Preserve)
        {
            RSTP, 32
        }

        Method (QRST, 0, Serialized)
        {
            RSTP = 0x5453525A
            Return (RSTP)
        }

        Method (ZRST, 0, Serialized)
        {
            Return (QRST ())
        }

        Method (SRST, 0, Serialized)
        {
            Return (QRST ())
        }

        Method (HRST, 0, Serialized)
        {
            Return (QRST ())
        }
    }
}
