/*
 * HiSilicon QM accelerator (ZIP / SEC / HPRE) model: PF with SR-IOV VFs
 *
 * A register-level model of the queue manager (QM) of the HiSilicon
 * Kunpeng 930 accelerators, sufficient for the mainline Linux drivers
 * (hisi_qm + hisi_zip/hisi_sec2/hisi_hpre on the PF, hisi_acc_vfio_pci on
 * the VFs) to probe, enable SR-IOV and run the VF live-migration register
 * protocol.  The PF and VFs run ZIP jobs (hisi_acc_engine.c); with
 * x-zip-algs=0x30 they advertise deflate, so that hisi_zip registers it.
 *
 * Devices:
 *   hisi-acc-pf  PCIe endpoint; put it behind a pcie-root-port on q35.
 *     alg=zip|sec|hpre  PF device id 0xa250/0xa255/0xa258 (VF 0xa251/...)
 *     num-vfs=N         TotalVFs == InitialVFs (0..63, default 4)
 *     revision=R        PCI revision = QM hardware version (default 0x30;
 *                       V2: 0x21)
 *     x-zip-algs=N      ZIP algorithm bitmap at 0x3144 (default 0: none,
 *                       hisi_zip registers nothing; 0x30: deflate)
 *     x-job-latency-ns  virtual time a job takes (default 20000)
 *     x-drain-ns        least time PAUSE_QM keeps the mailbox busy
 *                       (default 0: until the jobs in flight are done)
 *     x-aeq-irq=off     one MSI vector (EQ) per function instead of 4 for
 *                       the PF and 2 for a VF (EQ, AEQ, PF abnormal),
 *                       capability words saying so: for x86
 *                       guests without interrupt remapping, which cannot
 *                       allocate more than one MSI vector (the nested e2e
 *                       test's L2, as QEMU refuses VFIO migration with a
 *                       vIOMMU).  AEQEs are still written and errors
 *                       latched, without MSI.
 *     x-mb-128=on       take a mailbox command only in the form one
 *                       128-bit store (arm64 stp) reaches the model: an
 *                       8-byte write at +0, then one at +8; any other
 *                       write to the mailbox is dropped, logged and
 *                       counted (HACC_CTL_MB_FORM_ERRORS).  Off by
 *                       default: x86 kernels write it as four dwords.
 *     x-mb-busy-reads=N a mailbox command shows busy for the next N reads
 *                       of the mailbox and runs on the read after them
 *                       (default 0: at once), so that the drivers' polls
 *                       run; a command written meanwhile is dropped
 *     x-ready-reads=N   likewise CACHE_WB_DONE, VFT_CFG_RDY and
 *                       MEM_INIT_DONE: the operation started is done on
 *                       the read of its status after N reads of it
 *     imm-ready=on      PF and VFs report Immediate Readiness (PCI_STATUS
 *                       bit 0), so the kernel does not wait 100 ms after
 *                       an FLR; the model completes one at once anyway.
 *                       Off by default, as on the hardware.
 *     x-rst-port=on     PF config dword 0x40 (model only) stands for the
 *                       reset registers outside the BARs that a platform's
 *                       ACPI reset method programs (hisi_qm's controller
 *                       reset calls it: ZRST for ZIP): writing 0x5453525a
 *                       resets the QM state of the PF and all its VFs
 *                       (registers, VFT, queue contexts, jobs; not config
 *                       space, counters or faults); the dword reads 0, the
 *                       method's "done".  Off by default: no such method.
 *                       tools/vm/run --acpi-reset turns it on with an SSDT
 *                       (tools/vm/acpi/hacc-reset.asl).
 *     x-ctl-bar=on      add BAR4, the model control window for guests
 *                       (tools/qemu/hacc-model-ctl.h); off by default,
 *                       as real hardware has no such BAR
 *     BAR2: 4 MiB QM + engine registers, [BAR4: 64 KiB model control
 *     window], MSI (4 vectors: EQ 0, AEQ 1, abnormal 3, as 0x3110-0x311c
 *     say and the QM drivers' V2 and V3 tables have it), ARI, SR-IOV.
 *   hisi-acc-vf  created by the PF through the SR-IOV capability only.
 *     BAR2: 64 KiB QM registers, MSI (2 vectors), PCIe with FLR, ARI.
 *
 * Function numbers: 0 is the PF, VF n (1-based) is function n.  This is
 * the index of the VFT (queue table) kept in the PF and of the counters.
 *
 * Host-side control (QOM properties of the PF, usable with qom-get/qom-set
 * at run time; the same state is in BAR4 for the guest):
 *   x-fault-mb-busy, x-fault-mb-error, x-fault-cache-wb, x-fault-vf-state,
 *   x-fault-abnormal   uint64 bitmaps of functions (bit n = function n):
 *                    mailbox busy never clears (commands are dropped) /
 *                    every mailbox command ends with error status /
 *                    CACHE_WB_DONE reads 0 / VF_STATE reads 1 /
 *                    PF ABNORMAL_INT_STATUS (0x100008) has bit 0 set.
 *   x-fault-job-error, x-fault-lost-irq, x-fault-latency, x-fault-dma,
 *   x-fault-hold     one-shot bitmaps: the next job the function fetches
 *                    ends with error status 0x04 / completes without EQE
 *                    and MSI / takes x-fault-latency-ns (default 10 ms) /
 *                    faults on its source buffer (status 0x02 and an AEQE
 *                    of type 2 = CQE error) / waits for the function's
 *                    PAUSE_QM (at most 1 s); the bit clears when it fires.
 *   counters         read-only list of uint64: for each function 0..N
 *                    (N = num-vfs) HACC_CTL_FN_STRIDE / 8 = 64 values laid
 *                    out exactly as the function's counter block in BAR4,
 *                    i.e. counters[fn * 64 + HACC_CTL_MB_TOTAL / 8].
 *   x-counters-reset   write-only uint64 bitmap: bit n zeroes function n.
 *   x-abnormal-set     write-only uint64: QM error bits latched in the PF's
 *                    ABNORMAL_INT_SOURCE, as by QM_ABNORMAL_INT_SET.
 *   x-num-funcs        read-only: 1 + num-vfs.
 * Counters and faults are model controls: device resets keep them.
 *
 * Mailbox status codes ([12:9] of the mailbox word) set by the model:
 *   1 unknown command or operation, 2 DMA error, 3 injected fault.
 * With revision above 0x30, setting bit 0 of MIG_REGION_SEL (0x100198)
 * opens the per-VF migration windows of PF BAR2 at 0x180000 + n * 0x2000;
 * the upper half of each VF's BAR2 then reads all-ones and drops writes.
 *
 * QM errors latch in the PF's raw ABNORMAL_INT_SOURCE (0x100000, write 1
 * to clear): bit 7 (qm_sq_cq_vf_invalid) on a VFT access to a function
 * above num-vfs or of an unknown type (the access is ignored), and any of
 * bits [14:0] written to QM_ABNORMAL_INT_SET (0x10000c, the hardware's
 * error injection; reads 0).  ABNORMAL_INT_STATUS (0x100008) reads
 * SOURCE & ~MASK (0x100004); an error that becomes visible there (latched
 * unmasked, or unmasked while latched) sends the PF's abnormal MSI, the
 * vector of 0x3114 (3).  Nothing else of a V3 part's RAS is modelled: no
 * master OOO shutdown (QM_OOO_SHUTDOWN_SEL), no engine-core errors.
 * EQ/AEQ_INT_SOURCE (bit 0 latched when an EQE/AEQE is posted) and the
 * IFC interrupt sources are write-1-to-clear.  CACHE_WB_DONE and
 * MEM_INIT_DONE read 0 until their operation has run (after reset, and
 * from each start); VFT_CFG_RDY reads 1 when idle and 0 from the access's
 * start (or the driver's write of 0) until it is done.  A write to an
 * offset of the per-function block that no driver uses is stored, logged
 * with LOG_UNIMP and counted (HACC_CTL_UNIMP_WRITES).
 *
 * Copyright (c) 2026 The hisi_acc_vfio_pci authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qapi/qapi-builtin-visit.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/msi.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_sriov.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qom/object.h"
#include "trace.h"
#include "hisi_acc_vfio_pci_hw.h"
#include "hacc-model-ctl.h"
#include "hisi_acc.h"

#define HACC_FN_BLOCK           0x10000     /* per-function registers */
#define HACC_MAX_VFS            (HACC_CTL_MAX_FUNCS - 1)
#define HACC_CLASS_ACCEL        0x1200      /* processing accelerator */

/* PCI capability layout */
#define HACC_CAP_MSI            0x50
#define HACC_CAP_EXP            0x70
#define HACC_CAP_ARI            0x100
#define HACC_CAP_SRIOV          0x110
/*
 * MSI vectors (0x311c): a PF has 4 (EQ 0, AEQ 1, abnormal 3; 2 is the
 * PF<->VF vector, not modelled), a VF 2 (EQ, AEQ).  These are the counts of
 * the QM drivers' V2 table, which they use instead of 0x311c before V3,
 * and the PF's of their V3 table.
 */
#define HACC_MSI_VECTORS        2           /* a VF's */
#define HACC_MSI_VECTORS_PF     4

/* x-rst-port: the platform reset stand-in in the PF's config space */
#define HACC_RST_PORT           0x40
#define HACC_RST_PORT_MAGIC     0x5453525a  /* "ZRST" */

/* QM registers not in the shared header (offsets from the QM driver) */
#define QM_CAP_ENGINE           0x3124      /* engine words follow */
#define QM_CAP_END              0x3180
#define ZIP_DRV_ALG_BITMAP      0x3144      /* algorithms for the crypto API */
#define QM_PF_PEH_DFX_INFO0     0x1000fc
#define QM_PF_PEH_DFX_INFO1     0x100100
#define ACC_MASTER_TRANS_RET    0x300150
#define QM_ABNORMAL_INT_MASK    0x100004
#define QM_ABNORMAL_INT_SET     0x10000c    /* error injection */
#define QM_ABN_ERRORS           0x7fff      /* qm.c's qm_hw_error[] bits */
#define QM_IFC_INT_SOURCE_P     0x100138    /* one bit per VF */
#define QM_ABN_SQ_CQ_VF_INVALID BIT(7)
#define QM_VFT_CFG_FN_MASK      0x3f
#define QM_VFT_SHAPER_ALG_SHIFT 6

/* Engine-specific registers that gate the PF probe */
#define SEC_MEM_INIT_DONE       0x301104
#define HPRE_RDCHN_INI_ST       0x301a00
#define HPRE_CORE_INI_STATUS    0x302080

/* Mailbox status codes chosen by the model */
#define HACC_MBS_BAD_CMD        1
#define HACC_MBS_DMA            2
#define HACC_MBS_FAULT          3

typedef struct HaccAlgInfo {
    const char *name;
    uint16_t pf_id;
    uint16_t vf_id;
    uint32_t core_int_status;
    /* capability registers from QM_CAP_ENGINE in 4-byte steps */
    uint32_t caps[(QM_CAP_END - QM_CAP_ENGINE) / 4];
} HaccAlgInfo;

/*
 * Engine capability words 0x3124..0x317c, those of a Kunpeng 930.  The ZIP
 * driver algorithm bitmap (0x3144) is the x-zip-algs property.
 */
static const HaccAlgInfo hacc_algs[] = {
    [HACC_ALG_ZIP] = {
        "zip", HACC_DEVID_ZIP_PF, HACC_DEVID_ZIP_VF,
        HACC_PF_ZIP_CORE_INT_STATUS, {
            0x7c77, 0x6c77, 0x8, 0x1ffe, 0x7fe, 0x1,    /* 0x3124.. */
            0x12050203, 0x001c0003, 0x0, 0x3f,          /* 0x313c.. */
            0xd5, 0xd5, 0x2a, 0x2a, 0x2a,               /* 0x314c.. */
        },
    },
    [HACC_ALG_SEC] = {
        "sec", HACC_DEVID_SEC_PF, HACC_DEVID_SEC_VF,
        HACC_PF_SEC_CORE_INT_STATUS, {
            0x7c77, 0x6c77, 0x8, 0x60177, 0x177, 0xc088,
            0x00110404, 0xf, 0x0, 0x0,
            0xffffffff, 0x3fff, 0xffffffff, 0x3fff, 0xffffffff, 0x3fff,
            0xffffffff, 0x3fff, 0xffffffff, 0x3fff,
        },
    },
    [HACC_ALG_HPRE] = {
        "hpre", HACC_DEVID_HPRE_PF, HACC_DEVID_HPRE_VF,
        HACC_PF_HPRE_CORE_INT_STATUS, {
            0x7c37, 0x6c37, 0x8, 0x1fffc3e, 0xbffc3e, 0x1,
            0x00120a0a, 0x3ff, 0x0, 0x7f,
            0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x10, 0x10,
        },
    },
};

/* QM capability words common to all engines (see the top comment) */
static const struct {
    hwaddr off;
    uint32_t val;
} hacc_qm_caps[] = {
    { 0x3100, 0x00000001 },     /* cap version 1, no optional feature */
    { 0x3104, 0x04000800 },     /* AEQ depth 1024, EQ depth 2048 */
    { 0x3108, 0x04000400 },     /* CQ depth 1024, SQ depth 1024 */
    { 0x310c, 0x00010000 },     /* EQ interrupt on vector 0 */
    { 0x3110, 0x00010001 },     /* AEQ interrupt on vector 1 */
    { 0x3114, 0x00010003 },     /* abnormal interrupt on vector 3 (PF) */
    { 0x3118, 0 },              /* no PF<->VF interrupt */
    { 0x311c, 0x00040002 },     /* PF 4 vectors, VF 2 */
    { 0x3120, 0 },
};

static inline uint32_t *reg(HaccCtx *c, hwaddr off)
{
    return hacc_reg(c, off);
}

/* ---- DMA through the function's own bus-master address space ---- */

bool hacc_dma(HaccCtx *c, uint64_t addr, void *buf, size_t len, bool to_mem)
{
    MemTxResult r;

    if (to_mem) {
        hacc_count(c->pf, c->fnum, HACC_CTL_DMA_WRITES);
        r = pci_dma_write(c->dev, addr, buf, len);
    } else {
        hacc_count(c->pf, c->fnum, HACC_CTL_DMA_READS);
        r = pci_dma_read(c->dev, addr, buf, len);
    }
    trace_hisi_acc_dma(c->fnum, to_mem, addr, len, r);
    if (r != MEMTX_OK) {
        hacc_count(c->pf, c->fnum, HACC_CTL_DMA_ERRORS);
        qemu_log_mask(LOG_GUEST_ERROR,
                      "hisi-acc: fn %u: DMA %s of %zu bytes at 0x%" PRIx64
                      " failed\n", c->fnum, to_mem ? "write" : "read", len,
                      addr);
        return false;
    }
    return true;
}

static bool hacc_ctx_dma_read(HaccCtx *c, uint64_t addr, uint32_t *dw,
                              unsigned int n)
{
    uint32_t le[8];
    unsigned int i;

    if (!hacc_dma(c, addr, le, n * 4, false)) {
        return false;
    }
    for (i = 0; i < n; i++) {
        dw[i] = le32_to_cpu(le[i]);
    }
    return true;
}

static bool hacc_ctx_dma_write(HaccCtx *c, uint64_t addr,
                               const uint32_t *dw, unsigned int n)
{
    uint32_t le[8];
    unsigned int i;

    for (i = 0; i < n; i++) {
        le[i] = cpu_to_le32(dw[i]);
    }
    return hacc_dma(c, addr, le, n * 4, true);
}

/* ---- mailbox ---- */

/* Runs one command; returns the status, *out is the op=1 result. */
/*
 * SQC/CQC of queue qn: a write fills the function's context cache (the
 * base table in memory is written only by cache write-back); a read
 * returns the live context, loading it from the table on a miss, or zeros
 * when there is neither.
 */
static unsigned int hacc_mb_qc(HaccCtx *c, bool cq, bool rd, unsigned int qn,
                               uint64_t base)
{
    HaccFn *f = c->fn;
    uint32_t zero[HACC_QC_DWORDS] = { 0 };
    uint32_t tmp[HACC_QC_DWORDS];
    uint32_t *qc;

    if (qn >= HACC_MAX_QP) {
        return HACC_MBS_BAD_CMD;
    }
    if (rd) {
        qc = hacc_qc_get(c, cq, qn);
        return hacc_ctx_dma_write(c, base, qc ? qc : zero, HACC_QC_DWORDS) ?
               0 : HACC_MBS_DMA;
    }
    if (!hacc_ctx_dma_read(c, base, tmp, HACC_QC_DWORDS)) {
        return HACC_MBS_DMA;
    }
    memcpy(cq ? f->cqc[qn] : f->sqc[qn], tmp, sizeof(tmp));
    if (cq) {
        f->cqc_valid[qn / 64] |= BIT_ULL(qn % 64);
    } else {
        f->sqc_valid[qn / 64] |= BIT_ULL(qn % 64);
    }
    return 0;
}

static unsigned int hacc_mb_run(HaccCtx *c, unsigned int cmd, bool rd,
                                unsigned int qn, uint64_t base,
                                uint64_t *out, bool *has_out)
{
    HaccFn *f = c->fn;
    uint32_t *xqc;

    *has_out = false;
    switch (cmd) {
    case HACC_MB_CMD_SQC:
    case HACC_MB_CMD_CQC:
        return hacc_mb_qc(c, cmd == HACC_MB_CMD_CQC, rd, qn, base);
    case HACC_MB_CMD_EQC:
    case HACC_MB_CMD_AEQC:
        xqc = reg(c, cmd == HACC_MB_CMD_EQC ? HACC_VF_EQC_DW0
                                            : HACC_VF_AEQC_DW0);
        if (rd) {
            return hacc_ctx_dma_write(c, base, xqc, HACC_XQC_DWORDS) ?
                   0 : HACC_MBS_DMA;
        }
        return hacc_ctx_dma_read(c, base, xqc, HACC_XQC_DWORDS) ?
               0 : HACC_MBS_DMA;
    case HACC_MB_CMD_SQC_BT:
    case HACC_MB_CMD_CQC_BT:
        if (rd) {
            *out = cmd == HACC_MB_CMD_SQC_BT ? f->sqc_bt : f->cqc_bt;
            *has_out = true;
        } else {
            hacc_qc_set_bt(c, cmd == HACC_MB_CMD_CQC_BT, base);
        }
        return 0;
    case HACC_MB_CMD_SQC_VFT_V2:
        if (!rd) {
            break;
        }
        *out = c->pf->vft[HACC_VFT_TYPE_SQC][c->fnum];
        *has_out = true;
        return 0;
    case HACC_MB_CMD_STOP_QP:
    case HACC_MB_CMD_FLUSH_QM:
    case HACC_MB_CMD_SRC:
    case HACC_MB_CMD_DST:
        return 0;
    case HACC_MB_CMD_PAUSE_QM:
        hacc_engine_pause(c);
        return 0;
    }
    qemu_log_mask(LOG_GUEST_ERROR,
                  "hisi-acc: fn %u: unknown mailbox command 0x%x op %d\n",
                  c->fnum, cmd, rd);
    return HACC_MBS_BAD_CMD;
}

/*
 * x-mb-busy-reads and x-ready-reads: an operation started with its status
 * register showing "in progress" stays so for that many reads of the
 * register; the read after them finds it done.  True on that read.
 */
static bool hacc_hold_over(uint32_t *left)
{
    if (*left) {
        (*left)--;
        return false;
    }
    return true;
}

/* Runs the command latched in c->fn->mb_cmd and posts its status. */
static void hacc_mb_complete(HaccCtx *c)
{
    uint32_t w0 = c->fn->mb_cmd[0];
    unsigned int cmd = w0 & HACC_MB_CMD_MASK;
    bool rd = w0 & HACC_MB_OP_READ;
    uint64_t base = c->fn->mb_cmd[1] | (uint64_t)c->fn->mb_cmd[2] << 32;
    uint64_t out = 0;
    bool has_out = false;
    unsigned int status;

    hacc_count(c->pf, c->fnum, HACC_CTL_MB_TOTAL);
    if (cmd < 16) {
        hacc_count(c->pf, c->fnum, HACC_CTL_MB_CMD(cmd));
    }
    if (hacc_fault(c->pf, HACC_FAULT_MB_ERROR, c->fnum)) {
        status = HACC_MBS_FAULT;
    } else {
        status = hacc_mb_run(c, cmd, rd, w0 >> HACC_MB_QUEUE_SHIFT, base,
                             &out, &has_out);
    }
    if (status) {
        hacc_count(c->pf, c->fnum, HACC_CTL_MB_ERRORS);
    }
    w0 &= ~(HACC_MB_STATUS_MASK | HACC_MB_BUSY);
    *reg(c, HACC_MB_BASE) = w0 | status << HACC_MB_STATUS_SHIFT;
    if (has_out && !status) {
        *reg(c, HACC_MB_ADDR_L) = (uint32_t)out;
        *reg(c, HACC_MB_ADDR_H) = out >> 32;
    }
    trace_hisi_acc_mb(c->fnum, cmd, rd, w0 >> HACC_MB_QUEUE_SHIFT, base,
                      status);
}

/*
 * The write covering the last mailbox dword starts the command.  With
 * x-mb-busy-reads=N the words are latched and the busy bit reads 1 for
 * the next N reads of the mailbox; the command runs on the read after
 * them, so a driver that reads the result without polling sees none.
 */
static void hacc_mb_exec(HaccCtx *c)
{
    HaccFn *f = c->fn;
    uint32_t w0 = *reg(c, HACC_MB_BASE);

    if (hacc_fault(c->pf, HACC_FAULT_MB_BUSY, c->fnum)) {
        trace_hisi_acc_mb_busy(c->fnum, w0 & HACC_MB_CMD_MASK);
        return;
    }
    if (f->mb_held) {
        qemu_log_mask(LOG_GUEST_ERROR, "hisi-acc: fn %u: mailbox command "
                      "0x%x written while busy: dropped\n", c->fnum,
                      w0 & HACC_MB_CMD_MASK);
        return;
    }
    f->mb_cmd[0] = w0;
    f->mb_cmd[1] = *reg(c, HACC_MB_ADDR_L);
    f->mb_cmd[2] = *reg(c, HACC_MB_ADDR_H);
    if (c->pf->mb_busy_reads) {
        f->mb_held = true;
        f->mb_hold = c->pf->mb_busy_reads;
        trace_hisi_acc_mb_held(c->fnum, w0 & HACC_MB_CMD_MASK, f->mb_hold);
        return;
    }
    hacc_mb_complete(c);
}

/* CACHE_WB_DONE: 0 from CACHE_WB_START until the write-back is done. */
static void hacc_wb_start(HaccCtx *c)
{
    HaccFn *f = c->fn;

    if (f->wb_held) {
        return;                 /* the one in progress covers it */
    }
    *reg(c, HACC_CACHE_WB_DONE) = 0;
    if (c->pf->ready_reads) {
        f->wb_held = true;
        f->wb_hold = c->pf->ready_reads;
        return;
    }
    hacc_cache_writeback(c);
    *reg(c, HACC_CACHE_WB_DONE) = 1;
}

static uint32_t hacc_wb_done(HaccCtx *c)
{
    HaccFn *f = c->fn;

    if (f->wb_held && hacc_hold_over(&f->wb_hold)) {
        f->wb_held = false;
        hacc_cache_writeback(c);
        *reg(c, HACC_CACHE_WB_DONE) = 1;
    }
    if (hacc_fault(c->pf, HACC_FAULT_CACHE_WB, c->fnum)) {
        return 0;
    }
    return *reg(c, HACC_CACHE_WB_DONE) & 1;
}

/* The mailbox's first dword: busy while a command is held or draining */
static uint32_t hacc_mb_word0(HaccCtx *c)
{
    HaccFn *f = c->fn;

    if (f->mb_held) {
        if (!hacc_hold_over(&f->mb_hold)) {
            return f->mb_cmd[0] | HACC_MB_BUSY;
        }
        f->mb_held = false;
        hacc_mb_complete(c);
    }
    return (*reg(c, HACC_MB_BASE) & ~HACC_MB_BUSY) |
           (hacc_fault(c->pf, HACC_FAULT_MB_BUSY, c->fnum) ||
            hacc_engine_mb_busy(c) ? HACC_MB_BUSY : 0);
}

/* ---- per-function register block (VF BAR2, low 64 KiB of PF BAR2) ---- */

static bool hacc_cap_read(HaccCtx *c, hwaddr off, uint32_t *val)
{
    const HaccAlgInfo *ai = &hacc_algs[c->pf->alg];
    unsigned int i;

    if (off < HACC_QM_CAP_BASE || off >= QM_CAP_END) {
        return false;
    }
    for (i = 0; i < ARRAY_SIZE(hacc_qm_caps); i++) {
        if (hacc_qm_caps[i].off == off) {
            *val = hacc_qm_caps[i].val;
            /*
             * x-aeq-irq=off: one vector, the EQ's.  A VF has no abnormal
             * vector: hisi_qm would take vector 3 of a V3 VF as reserved,
             * and a VF offers 2.
             */
            if (!c->pf->aeq_irq && (off == HACC_CAP_AEQ_IRQ ||
                                    off == HACC_CAP_ABN_IRQ)) {
                *val = 0;
            } else if (!c->pf->aeq_irq && off == HACC_CAP_IRQ_NUM) {
                *val = 0x00010001;
            } else if (c->fnum && off == HACC_CAP_ABN_IRQ) {
                *val = 0;
            }
            return true;
        }
    }
    *val = off >= QM_CAP_ENGINE ? ai->caps[(off - QM_CAP_ENGINE) / 4] : 0;
    if (off == ZIP_DRV_ALG_BITMAP && c->pf->alg == HACC_ALG_ZIP) {
        *val = c->pf->zip_algs;
    }
    return true;
}

/*
 * The MSI vector that the interrupt capability word at off (EQ, AEQ or
 * the PF's abnormal) names, or -1 if the function cannot send it now: the
 * word says not present, MSI is off, or the guest enabled fewer vectors.
 */
int hacc_msi_vector(HaccCtx *c, hwaddr off)
{
    uint32_t cap = 0;
    unsigned int vec;

    hacc_cap_read(c, off, &cap);
    vec = cap & 0xffff;
    if (!(cap & HACC_CAP_IRQ_PRESENT) || !msi_enabled(c->dev) ||
        vec >= msi_nr_vectors_allocated(c->dev)) {
        return -1;
    }
    return vec;
}

static uint32_t hacc_fn_read(HaccCtx *c, hwaddr off)
{
    uint32_t val;

    if (hacc_cap_read(c, off, &val)) {
        return val;
    }
    switch (off) {
    case HACC_IFC_INT_STATUS:
    case HACC_IFC_INT_SET:
    case HACC_DB_SQ_CQ:
    case HACC_DB_SQ_CQ + 4:
    case HACC_DB_EQ_AEQ:
    case HACC_DB_EQ_AEQ + 4:
        return 0;
    case HACC_VF_STATE:
        return *reg(c, off) |
               (hacc_fault(c->pf, HACC_FAULT_VF_STATE, c->fnum) ?
                HACC_VF_STATE_NOT_READY : 0);
    case HACC_CACHE_WB_DONE:
        return hacc_wb_done(c);
    case HACC_MB_BASE:
        /*
         * Busy while a command is held (x-mb-busy-reads), by fault, or
         * while PAUSE_QM drains the jobs in flight.
         */
        return hacc_mb_word0(c);
    }
    return *reg(c, off);
}

static void hacc_eq_doorbell(HaccCtx *c, uint32_t hi)
{
    uint32_t lo = *reg(c, HACC_DB_EQ_AEQ);
    unsigned int cmd = (lo >> HACC_DB_CMD_SHIFT) & 0xf;
    uint32_t *dw0;

    if (cmd == HACC_DB_CMD_EQ) {
        dw0 = reg(c, HACC_VF_EQC_DW0);
    } else if (cmd == HACC_DB_CMD_AEQ) {
        dw0 = reg(c, HACC_VF_AEQC_DW0);
    } else {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "hisi-acc: fn %u: doorbell cmd %u at 0x%x\n",
                      c->fnum, cmd, HACC_DB_EQ_AEQ);
        return;
    }
    /* The index is the new consumer head, kept in DW0[15:0]. */
    trace_hisi_acc_eq_db(c->fnum, cmd == HACC_DB_CMD_AEQ, hi & 0xffff);
    *dw0 = (*dw0 & 0xffff0000) | (hi & 0xffff);
}

static void hacc_sq_cq_doorbell(HaccCtx *c, uint32_t hi)
{
    uint32_t lo = *reg(c, HACC_DB_SQ_CQ);

    switch ((lo >> HACC_DB_CMD_SHIFT) & 0xf) {
    case HACC_DB_CMD_SQ:
        hacc_sq_doorbell(c, lo, hi);
        break;
    case HACC_DB_CMD_CQ:
        hacc_cq_doorbell(c, lo, hi);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR,
                      "hisi-acc: fn %u: doorbell cmd %u at 0x%x\n", c->fnum,
                      (lo >> HACC_DB_CMD_SHIFT) & 0xf, HACC_DB_SQ_CQ);
    }
}

/*
 * Offsets of the per-function block that the QM drivers (qm.c, the VFIO
 * variant drivers) use; anything else is stored but counted and logged as
 * unimplemented.  The PF-only registers above it are not checked.
 */
static bool hacc_fn_reg_known(hwaddr off)
{
    static const struct {
        hwaddr start, end;
    } known[] = {
        { HACC_AEQ_INT_SOURCE, HACC_EQ_INT_MASK + 4 },
        { HACC_IFC_INT_SOURCE, HACC_PAGE_SIZE + 4 },
        { 0x38, 0x3c },                         /* function doorbell drop */
        { HACC_VF_STATE, HACC_VF_STATE + 4 },
        { HACC_CACHE_WB_START, HACC_CACHE_WB_DONE + 4 },
        { HACC_MB_BASE, HACC_MB_RSVD + 4 },
        { 0x320, 0x340 }, { 0x380, 0x3a0 },     /* VF<->PF message words */
        { HACC_DB_SQ_CQ, HACC_DB_SQ_CQ + 8 },
        { HACC_DB_EQ_AEQ, HACC_DB_EQ_AEQ + 8 },
        { HACC_QM_CAP_BASE, QM_CAP_END },       /* read-only, logged apart */
        { HACC_VF_EQC_DW0, HACC_VF_EQC_DW0 + HACC_XQC_DWORDS * 4 },
        { HACC_VF_AEQC_DW0, HACC_VF_AEQC_DW0 + HACC_XQC_DWORDS * 4 },
    };
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(known); i++) {
        if (off >= known[i].start && off < known[i].end) {
            return true;
        }
    }
    return false;
}

static void hacc_fn_write(HaccCtx *c, hwaddr off, uint32_t val)
{
    if (off >= HACC_QM_CAP_BASE && off < QM_CAP_END) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "hisi-acc: fn %u: write to capability register 0x%"
                      HWADDR_PRIx "\n", c->fnum, off);
        return;
    }
    if (!hacc_fn_reg_known(off)) {
        hacc_count(c->pf, c->fnum, HACC_CTL_UNIMP_WRITES);
        qemu_log_mask(LOG_UNIMP, "hisi-acc: fn %u: write 0x%x to "
                      "unimplemented register 0x%" HWADDR_PRIx "\n",
                      c->fnum, val, off);
    }
    switch (off) {
    case HACC_AEQ_INT_SOURCE:       /* latched by the engine */
    case HACC_EQ_INT_SOURCE:
    case HACC_IFC_INT_SOURCE:       /* nothing latches it: no messaging */
        *reg(c, off) &= ~val;       /* write 1 to clear */
        return;
    case HACC_IFC_INT_STATUS:
    case HACC_IFC_INT_SET:          /* no PF/VF messaging: self-clearing */
    case HACC_CACHE_WB_DONE:
        return;
    case HACC_CACHE_WB_START:
        if (val & 1) {
            hacc_wb_start(c);
        }
        return;
    case HACC_DB_SQ_CQ + 4:
        hacc_sq_cq_doorbell(c, val);
        return;
    case HACC_DB_EQ_AEQ + 4:
        hacc_eq_doorbell(c, val);
        return;
    }
    *reg(c, off) = val;
    if (off == HACC_MB_RSVD) {
        hacc_mb_exec(c);
    }
    /*
     * Assumed hardware behaviour (Documentation/p2p.rst): the pause ends
     * when the PF<->VF channel is re-opened (IFC_INT_MASK written 0, as the
     * variant drivers do on resume); SQ doorbells rung meanwhile are served
     * then.
     */
    if (off == HACC_IFC_INT_MASK && !val && c->fn->paused) {
        hacc_engine_unpause(c);
    }
}

/* ---- PF-only registers (PF BAR2 above 64 KiB) ---- */

static HaccCtx hacc_pf_ctx(HaccPFState *pf);

/* ABNORMAL_INT_STATUS: the latched errors the driver has not masked */
static uint32_t hacc_pf_abn_status(HaccPFState *pf)
{
    return pf->regs[HACC_PF_ABNORMAL_INT_SOURCE / 4] &
           ~pf->regs[QM_ABNORMAL_INT_MASK / 4];
}

/*
 * The abnormal interrupt (vector of capability 0x3114) is sent when an
 * error becomes visible in ABNORMAL_INT_STATUS: latched while unmasked, or
 * unmasked while latched.  One message per change, as for the EQ: an error
 * still latched sends none again until it is cleared and comes back.
 */
static void hacc_pf_abn_update(HaccPFState *pf, uint32_t before)
{
    HaccCtx c = hacc_pf_ctx(pf);
    uint32_t now = hacc_pf_abn_status(pf);
    int vec;

    if (!(now & ~before)) {
        return;
    }
    trace_hisi_acc_abnormal(now, before);
    vec = hacc_msi_vector(&c, HACC_CAP_ABN_IRQ);
    if (vec >= 0) {
        msi_notify(c.dev, vec);
    }
}

/* Latch QM errors into ABNORMAL_INT_SOURCE (found by the model or injected) */
void hacc_pf_abn_latch(HaccPFState *pf, uint32_t bits)
{
    uint32_t before = hacc_pf_abn_status(pf);

    pf->regs[HACC_PF_ABNORMAL_INT_SOURCE / 4] |= bits & QM_ABN_ERRORS;
    hacc_pf_abn_update(pf, before);
}

static bool hacc_pf_vft_fn_ok(HaccPFState *pf, unsigned int type,
                              unsigned int fnum)
{
    if (type <= HACC_VFT_TYPE_SHAPER && fnum <= pf->num_vfs) {
        return true;
    }
    qemu_log_mask(LOG_GUEST_ERROR,
                  "hisi-acc: VFT access type %u function %u out of range "
                  "(num-vfs %u)\n", type, fnum, pf->num_vfs);
    hacc_pf_abn_latch(pf, QM_ABN_SQ_CQ_VF_INVALID);
    return false;
}

static void hacc_pf_vft_op(HaccPFState *pf)
{
    uint32_t type = pf->regs[HACC_PF_VFT_TYPE / 4];
    uint32_t cfg = pf->regs[HACC_PF_VFT_CFG / 4];
    bool rd = pf->regs[HACC_PF_VFT_OP_WR / 4] & 1;
    unsigned int fnum = cfg & QM_VFT_CFG_FN_MASK;
    unsigned int slot = type;
    uint64_t *e;

    pf->regs[HACC_PF_VFT_RDY / 4] = 1;
    pf->vft_held = false;
    if ((cfg & ~QM_VFT_CFG_FN_MASK) && type != HACC_VFT_TYPE_SHAPER) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "hisi-acc: VFT cfg 0x%x has bits above the function\n",
                      cfg);
    }
    if (!hacc_pf_vft_fn_ok(pf, type, fnum)) {
        return;
    }
    if (type == HACC_VFT_TYPE_SHAPER) {
        slot += (cfg >> QM_VFT_SHAPER_ALG_SHIFT) & 1;
    }
    e = &pf->vft[slot][fnum];
    if (rd) {
        pf->regs[HACC_PF_VFT_DATA_L / 4] = (uint32_t)*e;
        pf->regs[HACC_PF_VFT_DATA_H / 4] = *e >> 32;
    } else {
        *e = pf->regs[HACC_PF_VFT_DATA_L / 4] |
             (uint64_t)pf->regs[HACC_PF_VFT_DATA_H / 4] << 32;
    }
    trace_hisi_acc_vft(type, fnum, rd, *e);
}

/*
 * VFT_CFG_RDY reads 1 when idle (both drivers wait for it before an
 * access), 0 from OP_ENABLE until the access is done; the drivers write
 * it 0 themselves before OP_ENABLE.  MEM_INIT_DONE reads 0 from reset
 * and from MEM_START_INIT until the memory is initialised.  Under
 * x-ready-reads=N each is done on the read after N reads of its register;
 * the VFT access uses the type, function and data registers as they are
 * then.
 */
static void hacc_pf_vft_start(HaccPFState *pf)
{
    if (pf->vft_held) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "hisi-acc: VFT access started while one is in "
                      "progress: dropped\n");
        return;
    }
    pf->regs[HACC_PF_VFT_RDY / 4] = 0;
    if (pf->ready_reads) {
        pf->vft_held = true;
        pf->vft_hold = pf->ready_reads;
        return;
    }
    hacc_pf_vft_op(pf);
}

static void hacc_pf_mem_init(HaccPFState *pf)
{
    pf->regs[HACC_PF_MEM_INIT_DONE / 4] = 0;
    pf->mem_held = pf->ready_reads;
    pf->mem_hold = pf->ready_reads;
    if (!pf->mem_held) {
        pf->regs[HACC_PF_MEM_INIT_DONE / 4] = 1;
    }
}

static uint32_t hacc_pf_read(HaccPFState *pf, hwaddr off)
{
    switch (off) {
    case HACC_PF_VFT_RDY:
        if (pf->vft_held && hacc_hold_over(&pf->vft_hold)) {
            hacc_pf_vft_op(pf);
        }
        return pf->regs[off / 4];
    case HACC_PF_MEM_INIT_DONE:
        if (pf->mem_held && hacc_hold_over(&pf->mem_hold)) {
            pf->mem_held = false;
            pf->regs[off / 4] = 1;
        }
        return pf->regs[off / 4];
    case HACC_PF_ABNORMAL_INT_STATUS:
        return hacc_pf_abn_status(pf) |
               (hacc_fault(pf, HACC_FAULT_ABNORMAL, 0) ? 1 : 0);
    case QM_ABNORMAL_INT_SET:
        return 0;                   /* a trigger, nothing is stored */
    case QM_PF_PEH_DFX_INFO0:
    case QM_PF_PEH_DFX_INFO1:
        return 0;
    case HACC_PF_QP_NUM_CAP:
        return 1024 | 1024 << 11;   /* total qp, function max qp */
    case ACC_MASTER_TRANS_RET:
        return 3;                   /* master idle: read and write done */
    }
    switch (pf->alg) {
    case HACC_ALG_SEC:
        if (off == SEC_MEM_INIT_DONE) {
            return 1;
        }
        break;
    case HACC_ALG_HPRE:
        if (off == HPRE_RDCHN_INI_ST || off == HPRE_CORE_INI_STATUS) {
            return ~0u;
        }
        break;
    default:
        break;
    }
    if (off == hacc_algs[pf->alg].core_int_status) {
        return 0;
    }
    return pf->regs[off / 4];
}

static void hacc_pf_write(HaccPFState *pf, hwaddr off, uint32_t val)
{
    uint32_t before;

    if (off == hacc_algs[pf->alg].core_int_status) {
        return;
    }
    switch (off) {
    case QM_ABNORMAL_INT_SET:
        hacc_pf_abn_latch(pf, val);
        return;
    case QM_ABNORMAL_INT_MASK:
        before = hacc_pf_abn_status(pf);
        pf->regs[off / 4] = val;
        hacc_pf_abn_update(pf, before);
        return;
    case HACC_PF_ABNORMAL_INT_SOURCE:
    case QM_IFC_INT_SOURCE_P:
    case QM_IFC_INT_SOURCE_P + 4:
        pf->regs[off / 4] &= ~val;  /* write 1 to clear */
        return;
    case HACC_PF_ABNORMAL_INT_STATUS:
    case HACC_PF_MEM_INIT_DONE:
    case HACC_PF_QP_NUM_CAP:
        return;
    case HACC_PF_MEM_START_INIT:
        if (val & 1) {
            hacc_pf_mem_init(pf);
        }
        return;
    }
    pf->regs[off / 4] = val;
    if (off == HACC_PF_VFT_OP_ENABLE && (val & 1)) {
        hacc_pf_vft_start(pf);
    }
}

/* ---- BAR2 accessors ---- */

static HaccCtx hacc_vf_ctx(HaccVFState *vf);

/*
 * QM above V3 with MIG_REGION_SEL enabled: PF BAR2 has an 8 KiB window per
 * VF (index = VF number, 1-based) onto that VF's registers, its EQC/AEQC
 * words moved from 0x8000/0x8020 to 0x1c00/0x1c20.  Only enabled VFs.
 */
static bool hacc_pf_mig_window(HaccPFState *pf, hwaddr off, HaccCtx *vc,
                               hwaddr *voff)
{
    PCIDevice *vf;
    unsigned int fnum;
    hwaddr o;

    if (pf->revision <= HACC_QM_REV_V3 ||
        !(pf->regs[HACC_PF_MIG_REGION_SEL / 4] & HACC_PF_MIG_REGION_EN) ||
        off < HACC_PF_MIG_REGION_BASE) {
        return false;
    }
    fnum = (off - HACC_PF_MIG_REGION_BASE) / HACC_PF_MIG_REGION_STRIDE;
    if (fnum == 0 || fnum > pf->num_vfs) {
        return false;
    }
    vf = pcie_sriov_get_vf_at_index(PCI_DEVICE(pf), fnum - 1);
    if (!vf) {
        return false;
    }
    o = (off - HACC_PF_MIG_REGION_BASE) % HACC_PF_MIG_REGION_STRIDE;
    if (o >= HACC_PF_MIG_EQC_DW0 && o < HACC_PF_MIG_EQC_DW0 + 0x40) {
        o += HACC_VF_EQC_DW0 - HACC_PF_MIG_EQC_DW0;
    }
    *vc = hacc_vf_ctx(HISI_ACC_VF(vf));
    *voff = o;
    return true;
}

static uint32_t hacc_read32(HaccCtx *c, hwaddr off)
{
    HaccCtx vc;
    hwaddr voff;

    if (off < HACC_FN_BLOCK) {
        return hacc_fn_read(c, off);
    }
    if (hacc_pf_mig_window(c->pf, off, &vc, &voff)) {
        return hacc_fn_read(&vc, voff);
    }
    return hacc_pf_read(c->pf, off);
}

static void hacc_write32(HaccCtx *c, hwaddr off, uint32_t val)
{
    HaccCtx vc;
    hwaddr voff;

    if (off < HACC_FN_BLOCK) {
        hacc_fn_write(c, off, val);
    } else if (hacc_pf_mig_window(c->pf, off, &vc, &voff)) {
        hacc_fn_write(&vc, voff, val);
    } else {
        hacc_pf_write(c->pf, off, val);
    }
}

/*
 * The function an access of BAR2 is counted for: the BAR's own, or the VF
 * whose registers the PF's migration window reaches at off.
 */
static unsigned int hacc_mmio_fnum(HaccCtx *c, hwaddr off)
{
    HaccCtx vc;
    hwaddr voff;

    if (!c->fnum && hacc_pf_mig_window(c->pf, off, &vc, &voff)) {
        return vc.fnum;
    }
    return c->fnum;
}

static uint64_t hacc_bar2_read(HaccCtx *c, hwaddr off, unsigned size)
{
    uint64_t val;

    hacc_count(c->pf, hacc_mmio_fnum(c, off), HACC_CTL_MMIO_READS);
    if (size < 4) {
        /* the bytes asked for, out of the register that holds them */
        val = hacc_read32(c, off & ~3ULL) >> ((off & 3) * 8);
        val = extract64(val, 0, size * 8);
    } else {
        val = hacc_read32(c, off);
        if (size == 8) {
            val |= (uint64_t)hacc_read32(c, off + 4) << 32;
        }
    }
    trace_hisi_acc_mmio_read(c->fnum, off, size, val);
    return val;
}

/*
 * x-mb-128: the hardware starts a mailbox command on one 128-bit store.
 * TCG hands an arm64 stp of two 64-bit registers to the memory API as an
 * 8-byte write at +0 followed by an 8-byte write at +8; every other write
 * that touches the mailbox (dwords, a lone or late high half) is refused.
 */
static bool hacc_mb_form_ok(HaccCtx *c, hwaddr off, unsigned size)
{
    uint64_t bit = BIT_ULL(c->fnum);
    bool low = c->pf->mb_low_half & bit;

    c->pf->mb_low_half &= ~bit;
    if (size == 8 && off == HACC_MB_BASE) {
        c->pf->mb_low_half |= bit;
        return true;
    }
    if (size == 8 && off == HACC_MB_BASE + 8 && low) {
        return true;
    }
    hacc_count(c->pf, c->fnum, HACC_CTL_MB_FORM_ERRORS);
    qemu_log_mask(LOG_GUEST_ERROR,
                  "hisi-acc: fn %u: %u-byte write to mailbox +0x%" HWADDR_PRIx
                  " is not part of one 128-bit store (x-mb-128): dropped\n",
                  c->fnum, size, off - HACC_MB_BASE);
    return false;
}

static void hacc_bar2_write(HaccCtx *c, hwaddr off, uint64_t val,
                            unsigned size)
{
    hacc_count(c->pf, hacc_mmio_fnum(c, off), HACC_CTL_MMIO_WRITES);
    trace_hisi_acc_mmio_write(c->fnum, off, size, val);
    if (size < 4) {
        /*
         * Registers are 32 bits wide and take whole words.  A narrower
         * write is dropped, not merged and not faulted: a posted write
         * raises no error on the CPU that sent it.
         */
        qemu_log_mask(LOG_GUEST_ERROR,
                      "hisi-acc: fn %u: %u-byte write to BAR2 0x%" HWADDR_PRIx
                      " dropped (registers take 32-bit writes)\n",
                      c->fnum, size, off);
        return;
    }
    if (c->pf->mb_128 && off + size > HACC_MB_BASE &&
        off < HACC_MB_BASE + 16 && !hacc_mb_form_ok(c, off, size)) {
        return;
    }
    hacc_write32(c, off, (uint32_t)val);
    if (size == 8) {
        hacc_write32(c, off + 4, val >> 32);
    }
}

static HaccCtx hacc_pf_ctx(HaccPFState *pf)
{
    return (HaccCtx) {
        .pf = pf, .dev = PCI_DEVICE(pf), .fn = &pf->fn,
        .regs = pf->regs, .fnum = 0,
    };
}

static HaccCtx hacc_vf_ctx(HaccVFState *vf)
{
    PCIDevice *dev = PCI_DEVICE(vf);

    return (HaccCtx) {
        .pf = HISI_ACC_PF(pcie_sriov_get_pf(dev)), .dev = dev,
        .fn = &vf->fn, .regs = vf->regs,
        .fnum = pcie_sriov_vf_number(dev) + 1,
    };
}

HaccCtx hacc_dev_ctx(PCIDevice *dev)
{
    if (object_dynamic_cast(OBJECT(dev), TYPE_HISI_ACC_PF)) {
        return hacc_pf_ctx(HISI_ACC_PF(dev));
    }
    return hacc_vf_ctx(HISI_ACC_VF(dev));
}

int64_t hacc_job_latency(HaccPFState *pf)
{
    return pf->job_latency_ns;
}

int64_t hacc_drain_ns(HaccPFState *pf)
{
    return pf->drain_ns;
}

/*
 * QEMU's reentrancy guard of a device covers its own regions only, but a
 * migration window of PF BAR2 leads into a VF.  An access through the
 * window takes the VF's guard, and is refused like a re-entrant access to
 * the VF's own BAR (MEMTX_ACCESS_ERROR, a failed DMA for the initiator)
 * when the VF is already inside one of its own accesses, timers included:
 * a VF's DMA aimed at its own window must not re-enter it.
 */
static MemReentrancyGuard *hacc_pf_window_guard(HaccPFState *pf, hwaddr off,
                                                bool *refused)
{
    HaccCtx vc;
    hwaddr voff;
    MemReentrancyGuard *g;

    *refused = false;
    if (!hacc_pf_mig_window(pf, off, &vc, &voff)) {
        return NULL;
    }
    g = &DEVICE(vc.dev)->mem_reentrancy_guard;
    if (g->engaged_in_io) {
        *refused = true;
        qemu_log_mask(LOG_GUEST_ERROR, "hisi-acc: re-entrant access to VF %u"
                      " through PF BAR2 0x%" HWADDR_PRIx " refused\n",
                      vc.fnum, off);
        return NULL;
    }
    g->engaged_in_io = true;
    return g;
}

static MemTxResult hacc_pf_bar2_read(void *opaque, hwaddr off,
                                     uint64_t *data, unsigned size,
                                     MemTxAttrs attrs)
{
    HaccCtx c = hacc_pf_ctx(opaque);
    bool refused;
    MemReentrancyGuard *g = hacc_pf_window_guard(c.pf, off, &refused);

    if (refused) {
        return MEMTX_ACCESS_ERROR;
    }
    *data = hacc_bar2_read(&c, off, size);
    if (g) {
        g->engaged_in_io = false;
    }
    return MEMTX_OK;
}

static MemTxResult hacc_pf_bar2_write(void *opaque, hwaddr off,
                                      uint64_t val, unsigned size,
                                      MemTxAttrs attrs)
{
    HaccCtx c = hacc_pf_ctx(opaque);
    bool refused;
    MemReentrancyGuard *g = hacc_pf_window_guard(c.pf, off, &refused);

    if (refused) {
        return MEMTX_ACCESS_ERROR;
    }
    hacc_bar2_write(&c, off, val, size);
    if (g) {
        g->engaged_in_io = false;
    }
    return MEMTX_OK;
}

/*
 * Once the PF has selected its migration windows, the upper half of a VF's
 * BAR2 (where V3 keeps the queue contexts) is no longer the live copy: it
 * reads all-ones and ignores writes, so software using the V3 layout on
 * such a PF sees garbage instead of silently working.
 */
static bool hacc_vf_mig_area_dead(HaccCtx *c, hwaddr off)
{
    return off >= HACC_VF_MIG_AREA && c->pf->revision > HACC_QM_REV_V3 &&
           (c->pf->regs[HACC_PF_MIG_REGION_SEL / 4] & HACC_PF_MIG_REGION_EN);
}

static uint64_t hacc_vf_bar2_read(void *opaque, hwaddr off, unsigned size)
{
    HaccCtx c = hacc_vf_ctx(opaque);

    if (hacc_vf_mig_area_dead(&c, off)) {
        hacc_count(c.pf, c.fnum, HACC_CTL_MMIO_READS);
        return size == 8 ? UINT64_MAX : UINT32_MAX;
    }
    return hacc_bar2_read(&c, off, size);
}

static void hacc_vf_bar2_write(void *opaque, hwaddr off, uint64_t val,
                               unsigned size)
{
    HaccCtx c = hacc_vf_ctx(opaque);

    if (hacc_vf_mig_area_dead(&c, off)) {
        hacc_count(c.pf, c.fnum, HACC_CTL_MMIO_WRITES);
        return;
    }
    hacc_bar2_write(&c, off, val, size);
}

static const MemoryRegionOps hacc_pf_bar2_ops = {
    .read_with_attrs = hacc_pf_bar2_read,
    .write_with_attrs = hacc_pf_bar2_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

static const MemoryRegionOps hacc_vf_bar2_ops = {
    .read = hacc_vf_bar2_read,
    .write = hacc_vf_bar2_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

/* ---- PF device ---- */

/* The jobs in flight go with the reset, counted (HACC_CTL_JOBS_FLUSHED) */
static void hacc_fn_reset(HaccPFState *pf, unsigned int fnum, HaccFn *f)
{
    hacc_count_n(pf, fnum, HACC_CTL_JOBS_FLUSHED, f->job_count);
    hacc_engine_reset(f);
}

/* A VF's own QM state; the VFT lives in the PF and is not touched. */
static void hacc_vf_clear(HaccVFState *vf)
{
    HaccCtx c = hacc_vf_ctx(vf);

    hacc_fn_reset(c.pf, c.fnum, &vf->fn);
    memset(vf->regs, 0, sizeof(vf->regs));
}

static void hacc_pf_reset_hold(Object *obj, ResetType type)
{
    HaccPFState *pf = HISI_ACC_PF(obj);

    hacc_fn_reset(pf, 0, &pf->fn);
    memset(pf->regs, 0, sizeof(pf->regs));
    memset(pf->vft, 0, sizeof(pf->vft));
    pf->regs[HACC_PF_VFT_RDY / 4] = 1;     /* idle */
    pf->vft_held = false;
    pf->mem_held = false;
    trace_hisi_acc_reset(0);
}

/*
 * x-rst-port: what the platform's reset method does to the whole device
 * (hisi_qm turns memory decoding off first and rebuilds everything after):
 * the QM state of the PF and of every VF, as at power-on.
 */
static void hacc_pf_write_config(PCIDevice *dev, uint32_t addr, uint32_t val,
                                 int len)
{
    HaccPFState *pf = HISI_ACC_PF(dev);
    PCIDevice *vf;
    unsigned int i;

    pci_default_write_config(dev, addr, val, len);
    if (!pf->rst_port || addr + len <= HACC_RST_PORT ||
        addr >= HACC_RST_PORT + 4) {
        return;
    }
    /* a trigger: it keeps nothing, and reads 0 ("done") */
    pci_set_long(dev->config + HACC_RST_PORT, 0);
    if (addr != HACC_RST_PORT || len != 4 || val != HACC_RST_PORT_MAGIC) {
        return;
    }
    hacc_pf_reset_hold(OBJECT(pf), RESET_TYPE_COLD);
    for (i = 0; i < pf->num_vfs; i++) {
        vf = pcie_sriov_get_vf_at_index(dev, i);
        if (vf) {
            hacc_vf_clear(HISI_ACC_VF(vf));
            trace_hisi_acc_reset(i + 1);
        }
    }
}

static bool hacc_pf_parse_alg(HaccPFState *pf, Error **errp)
{
    unsigned int i;

    if (!pf->alg_name) {
        pf->alg = HACC_ALG_ZIP;
        return true;
    }
    for (i = 0; i < ARRAY_SIZE(hacc_algs); i++) {
        if (!strcmp(pf->alg_name, hacc_algs[i].name)) {
            pf->alg = i;
            return true;
        }
    }
    error_setg(errp, "hisi-acc-pf: alg must be zip, sec or hpre, not '%s'",
               pf->alg_name);
    return false;
}

static void hacc_pf_realize(PCIDevice *dev, Error **errp)
{
    HaccPFState *pf = HISI_ACC_PF(dev);
    const uint8_t bar2_type = PCI_BASE_ADDRESS_SPACE_MEMORY |
                              PCI_BASE_ADDRESS_MEM_TYPE_64 |
                              PCI_BASE_ADDRESS_MEM_PREFETCH;
    unsigned int vectors = pf->aeq_irq ? HACC_MSI_VECTORS_PF : 1;
    int ret;

    if (!hacc_pf_parse_alg(pf, errp)) {
        return;
    }
    if (pf->revision < HACC_QM_REV_V3) {
        if (!pf->aeq_irq) {
            error_setg(errp, "hisi-acc-pf: x-aeq-irq=off needs revision "
                       "0x30 or above (a V2 PF driver asks for %u vectors)",
                       HACC_MSI_VECTORS_PF);
            return;
        }
    }
    if (pf->num_vfs > HACC_MAX_VFS) {
        error_setg(errp, "hisi-acc-pf: num-vfs %u above the maximum %u",
                   pf->num_vfs, HACC_MAX_VFS);
        return;
    }
    if (PCI_FUNC(dev->devfn)) {
        error_setg(errp, "hisi-acc-pf: must be function 0 (VFs follow it)");
        return;
    }

    dev->config_write = hacc_pf_write_config;
    pci_config_set_device_id(dev->config, hacc_algs[pf->alg].pf_id);
    pci_config_set_revision(dev->config, pf->revision);
    if (pf->imm_ready) {
        pci_word_test_and_set_mask(dev->config + PCI_STATUS,
                                   PCI_STATUS_IMM_READY);
    }
    memory_region_init_io(&pf->bar2, OBJECT(pf), &hacc_pf_bar2_ops, pf,
                          "hisi-acc-pf-qm", HACC_PF_BAR_SIZE);
    pci_register_bar(dev, HACC_QM_BAR, bar2_type, &pf->bar2);
    if (pf->ctl_bar) {
        memory_region_init_io(&pf->bar4, OBJECT(pf), &hacc_ctl_ops, pf,
                              "hisi-acc-pf-ctl", HACC_CTL_SIZE);
        pci_register_bar(dev, HACC_CTL_BAR, PCI_BASE_ADDRESS_SPACE_MEMORY |
                         PCI_BASE_ADDRESS_MEM_TYPE_64, &pf->bar4);
    }

    ret = msi_init(dev, HACC_CAP_MSI, vectors, true, true, errp);
    if (ret) {
        return;
    }
    hacc_engine_init(&pf->fn, dev);
    ret = pcie_endpoint_cap_init(dev, HACC_CAP_EXP);
    if (ret < 0) {
        error_setg(errp, "hisi-acc-pf: cannot add the PCIe capability");
        goto err_msi;
    }
    pcie_ari_init(dev, HACC_CAP_ARI);
    if (pf->num_vfs) {
        if (!pcie_sriov_pf_init(dev, HACC_CAP_SRIOV, TYPE_HISI_ACC_VF,
                                hacc_algs[pf->alg].vf_id, pf->num_vfs,
                                pf->num_vfs, 1, 1, errp)) {
            goto err_pcie;
        }
        pcie_sriov_pf_init_vf_bar(dev, HACC_QM_BAR, bar2_type,
                                  HACC_VF_BAR_SIZE);
    }
    return;

err_pcie:
    pcie_cap_exit(dev);
err_msi:
    hacc_engine_exit(&pf->fn);
    msi_uninit(dev);
}

static void hacc_pf_exit(PCIDevice *dev)
{
    pcie_sriov_pf_exit(dev);
    pcie_cap_exit(dev);
    hacc_engine_exit(&HISI_ACC_PF(dev)->fn);
    msi_uninit(dev);
}

static const VMStateDescription vmstate_hacc_job = {
    .name = "hisi-acc-job",
    .version_id = 3,
    .minimum_version_id = 3,
    .fields = (const VMStateField[]) {
        VMSTATE_INT64(due, HaccJob),
        VMSTATE_UINT64(sq_base, HaccJob),
        VMSTATE_UINT16(cqn, HaccJob),
        VMSTATE_UINT16(qn, HaccJob),
        VMSTATE_UINT16(idx, HaccJob),
        VMSTATE_UINT32(faults, HaccJob),
        VMSTATE_UINT32_ARRAY(sqe, HaccJob, HACC_SQE_BYTES / 4),
        VMSTATE_END_OF_LIST()
    },
};

static int hacc_fn_post_load(void *opaque, int version_id)
{
    hacc_engine_post_load(opaque);
    return 0;
}

static bool hacc_fn_held_needed(void *opaque)
{
    HaccFn *f = opaque;

    return f->mb_held || f->wb_held;
}

/* Only with x-mb-busy-reads / x-ready-reads: an operation still held */
static const VMStateDescription vmstate_hacc_fn_held = {
    .name = "hisi-acc-fn/held",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = hacc_fn_held_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL(mb_held, HaccFn),
        VMSTATE_UINT32(mb_hold, HaccFn),
        VMSTATE_UINT32_ARRAY(mb_cmd, HaccFn, 3),
        VMSTATE_BOOL(wb_held, HaccFn),
        VMSTATE_UINT32(wb_hold, HaccFn),
        VMSTATE_END_OF_LIST()
    },
};

/* In-flight jobs migrate with their due time on the virtual clock. */
static const VMStateDescription vmstate_hacc_fn = {
    .name = "hisi-acc-fn",
    .version_id = 2,
    .minimum_version_id = 2,
    .post_load = hacc_fn_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(sqc_bt, HaccFn),
        VMSTATE_UINT64(cqc_bt, HaccFn),
        VMSTATE_UINT32_2DARRAY(sqc, HaccFn, HACC_MAX_QP, HACC_QC_DWORDS),
        VMSTATE_UINT32_2DARRAY(cqc, HaccFn, HACC_MAX_QP, HACC_QC_DWORDS),
        VMSTATE_UINT64_ARRAY(sqc_valid, HaccFn, HACC_MAX_QP / 64),
        VMSTATE_UINT64_ARRAY(cqc_valid, HaccFn, HACC_MAX_QP / 64),
        VMSTATE_UINT64_ARRAY(latched, HaccFn, HACC_MAX_QP / 64),
        VMSTATE_UINT16_ARRAY(db_tail, HaccFn, HACC_MAX_QP),
        VMSTATE_BOOL(paused, HaccFn),
        VMSTATE_BOOL(mb_busy, HaccFn),
        VMSTATE_INT64(drain_deadline, HaccFn),
        VMSTATE_STRUCT_ARRAY(job, HaccFn, HACC_MAX_INFLIGHT, 1,
                             vmstate_hacc_job, HaccJob),
        VMSTATE_UINT32(job_head, HaccFn),
        VMSTATE_UINT32(job_count, HaccFn),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_hacc_fn_held,
        NULL
    },
};

static bool hacc_pf_held_needed(void *opaque)
{
    HaccPFState *pf = opaque;

    return pf->vft_held || pf->mem_held;
}

static const VMStateDescription vmstate_hacc_pf_held = {
    .name = TYPE_HISI_ACC_PF "/held",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = hacc_pf_held_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL(vft_held, HaccPFState),
        VMSTATE_UINT32(vft_hold, HaccPFState),
        VMSTATE_BOOL(mem_held, HaccPFState),
        VMSTATE_UINT32(mem_hold, HaccPFState),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * The PF's post_load re-enables the VFs, which resets them: load the PF
 * before its VFs (default priority) so that their own state survives.
 */
static const VMStateDescription vmstate_hacc_pf = {
    .name = TYPE_HISI_ACC_PF,
    .version_id = 2,
    .minimum_version_id = 2,
    .priority = MIG_PRI_IOMMU,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, HaccPFState),
        VMSTATE_STRUCT(fn, HaccPFState, 1, vmstate_hacc_fn, HaccFn),
        VMSTATE_UINT32_ARRAY(regs, HaccPFState, HACC_PF_BAR_SIZE / 4),
        VMSTATE_UINT64_2DARRAY(vft, HaccPFState, HACC_VFT_SLOTS,
                               HACC_CTL_MAX_FUNCS),
        VMSTATE_UINT64_ARRAY(fault, HaccPFState, HACC_NUM_FAULTS),
        VMSTATE_UINT64_2DARRAY(cnt, HaccPFState, HACC_CTL_MAX_FUNCS,
                               HACC_CNT_WORDS),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_hacc_pf_held,
        NULL
    },
};

static const Property hacc_pf_props[] = {
    DEFINE_PROP_STRING("alg", HaccPFState, alg_name),
    DEFINE_PROP_UINT16("num-vfs", HaccPFState, num_vfs, 4),
    DEFINE_PROP_UINT8("revision", HaccPFState, revision, HACC_QM_REV_V3),
    DEFINE_PROP_BOOL("imm-ready", HaccPFState, imm_ready, false),
    DEFINE_PROP_UINT32("x-zip-algs", HaccPFState, zip_algs, 0),
    DEFINE_PROP_UINT64("x-job-latency-ns", HaccPFState, job_latency_ns,
                       20000),
    DEFINE_PROP_UINT64("x-drain-ns", HaccPFState, drain_ns, 0),
    DEFINE_PROP_BOOL("x-mb-128", HaccPFState, mb_128, false),
    DEFINE_PROP_BOOL("x-aeq-irq", HaccPFState, aeq_irq, true),
    DEFINE_PROP_BOOL("x-ctl-bar", HaccPFState, ctl_bar, false),
    DEFINE_PROP_BOOL("x-rst-port", HaccPFState, rst_port, false),
    DEFINE_PROP_UINT32("x-mb-busy-reads", HaccPFState, mb_busy_reads, 0),
    DEFINE_PROP_UINT32("x-ready-reads", HaccPFState, ready_reads, 0),
};

/* Identity and callbacks shared by the PF and VF classes */
static void hacc_class_common(ObjectClass *klass, const char *desc,
                              uint16_t device_id,
                              void (*realize)(PCIDevice *, Error **),
                              void (*exit)(PCIDevice *),
                              void (*hold)(Object *, ResetType),
                              const VMStateDescription *vmsd)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    pc->realize = realize;
    pc->exit = exit;
    pc->vendor_id = HACC_VENDOR_HUAWEI;
    pc->device_id = device_id;
    pc->revision = HACC_QM_REV_V3;
    pc->class_id = HACC_CLASS_ACCEL;
    rc->phases.hold = hold;
    dc->desc = desc;
    dc->vmsd = vmsd;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static void hacc_pf_class_init(ObjectClass *klass, void *data)
{
    hacc_class_common(klass, "HiSilicon QM accelerator PF (model)",
                      HACC_DEVID_ZIP_PF, hacc_pf_realize, hacc_pf_exit,
                      hacc_pf_reset_hold, &vmstate_hacc_pf);
    device_class_set_props(DEVICE_CLASS(klass), hacc_pf_props);
}

/* ---- VF device ---- */

static void hacc_vf_write_config(PCIDevice *dev, uint32_t addr,
                                 uint32_t val, int len)
{
    pci_default_write_config(dev, addr, val, len);
    pcie_cap_flr_write_config(dev, addr, val, len);
}

static void hacc_vf_reset_hold(Object *obj, ResetType type)
{
    HaccVFState *vf = HISI_ACC_VF(obj);
    PCIDevice *dev = PCI_DEVICE(obj);
    HaccCtx c = hacc_vf_ctx(vf);
    uint16_t devctl = pci_get_word(dev->config + dev->exp.exp_cap +
                                   PCI_EXP_DEVCTL);

    hacc_vf_clear(vf);
    if (devctl & PCI_EXP_DEVCTL_BCR_FLR) {
        hacc_count(c.pf, c.fnum, HACC_CTL_FLRS);
        trace_hisi_acc_flr(c.fnum);
    } else {
        trace_hisi_acc_reset(c.fnum);
    }
}

static void hacc_vf_realize(PCIDevice *dev, Error **errp)
{
    HaccVFState *vf = HISI_ACC_VF(dev);
    int ret;

    if (!pci_is_vf(dev) ||
        !object_dynamic_cast(OBJECT(pcie_sriov_get_pf(dev)),
                             TYPE_HISI_ACC_PF)) {
        error_setg(errp, "hisi-acc-vf: only the PF creates VFs");
        return;
    }
    dev->config_write = hacc_vf_write_config;
    if (HISI_ACC_PF(pcie_sriov_get_pf(dev))->imm_ready) {
        pci_word_test_and_set_mask(dev->config + PCI_STATUS,
                                   PCI_STATUS_IMM_READY);
    }

    memory_region_init_io(&vf->bar2, OBJECT(vf), &hacc_vf_bar2_ops, vf,
                          "hisi-acc-vf-qm", HACC_VF_BAR_SIZE);
    pci_register_bar(dev, HACC_QM_BAR, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, &vf->bar2);

    ret = msi_init(dev, HACC_CAP_MSI,
                   HISI_ACC_PF(pcie_sriov_get_pf(dev))->aeq_irq ?
                   HACC_MSI_VECTORS : 1, true, true, errp);
    if (ret) {
        return;
    }
    ret = pcie_endpoint_cap_init(dev, HACC_CAP_EXP);
    if (ret < 0) {
        error_setg(errp, "hisi-acc-vf: cannot add the PCIe capability");
        msi_uninit(dev);
        return;
    }
    hacc_engine_init(&vf->fn, dev);
    pcie_cap_flr_init(dev);
    pcie_ari_init(dev, HACC_CAP_ARI);
}

static void hacc_vf_exit(PCIDevice *dev)
{
    hacc_engine_exit(&HISI_ACC_VF(dev)->fn);
    pcie_cap_exit(dev);
    msi_uninit(dev);
}

static const VMStateDescription vmstate_hacc_vf = {
    .name = TYPE_HISI_ACC_VF,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, HaccVFState),
        VMSTATE_STRUCT(fn, HaccVFState, 1, vmstate_hacc_fn, HaccFn),
        VMSTATE_UINT32_ARRAY(regs, HaccVFState, HACC_VF_BAR_SIZE / 4),
        VMSTATE_END_OF_LIST()
    },
};

static void hacc_vf_class_init(ObjectClass *klass, void *data)
{
    hacc_class_common(klass, "HiSilicon QM accelerator VF (model)",
                      HACC_DEVID_ZIP_VF, hacc_vf_realize, hacc_vf_exit,
                      hacc_vf_reset_hold, &vmstate_hacc_vf);
    /* VFs exist only through the PF's SR-IOV capability */
    DEVICE_CLASS(klass)->user_creatable = false;
}

static const TypeInfo hacc_types[] = {
    {
        .name = TYPE_HISI_ACC_PF,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(HaccPFState),
        .instance_init = hacc_pf_instance_init,
        .class_init = hacc_pf_class_init,
        .interfaces = (InterfaceInfo[]) {
            { INTERFACE_PCIE_DEVICE },
            { }
        },
    }, {
        .name = TYPE_HISI_ACC_VF,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(HaccVFState),
        .class_init = hacc_vf_class_init,
        .interfaces = (InterfaceInfo[]) {
            { INTERFACE_PCIE_DEVICE },
            { }
        },
    },
};

DEFINE_TYPES(hacc_types)
