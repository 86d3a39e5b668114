/*
 * HiSilicon QM accelerator model: the queue engine and the ZIP task.
 *
 * An SQ doorbell gives the queue's new tail.  When the function is not
 * paused, the engine loads the queue's SQC (context cache, filled from
 * the SQC base table on a miss) and fetches SQEs from the SQ base, up to
 * HACC_MAX_INFLIGHT per function.  Each job completes after the PF's
 * x-job-latency-ns of virtual time: its data is read, compressed or
 * decompressed with zlib (raw deflate) and written by DMA, the SQE's
 * consumed/produced/status words are written back into the SQ slot, then
 * a CQE (body first, phase word last) goes to the queue's CQ and, if the
 * CQ is armed (CQC c_flag), an EQE with the CQ number to the EQ and MSI
 * vector 0 unless EQ_INT_MASK is set.  A job whose buffer DMA faulted
 * also posts an AEQE (queue, type CQE error) to the AEQ, with the AEQ's
 * vector.  The direction comes from the SQC's type field (0 compress,
 * 1 decompress), as hisi_zip sets it per queue.  The one-shot job faults
 * of the control window (hacc-model-ctl.h) are taken at fetch.  A job the
 * engine cannot fetch or complete is dropped, counted and logged (job_drop).
 *
 * Copyright (c) 2026 The hisi_acc_vfio_pci authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/log.h"
#include "hw/pci/msi.h"
#include "trace.h"
#include <zlib.h>
#include "hisi_acc_vfio_pci_hw.h"
#include "hisi_acc.h"

/* SQC/CQC dwords (the driver's struct qm_sqc / qm_cqc) */
#define QC_POS          0       /* head [15:0], tail [31:16] */
#define QC_BASE_L       1
#define QC_BASE_H       2
#define QC_DEPTH        3       /* depth - 1 [15:0], log2 entry size [15:12] */
#define QC_W11          5       /* tail wrap bit 22 (w11 bit 6) */
#define QC_TAIL_WRAP    BIT(22)
#define SQC_CQN         6       /* CQ number [15:0], type [27:24] */
#define CQC_FLAGS       6       /* phase bit 0, c_flag (armed) bit 1 */
#define SQC_TYPE_SHIFT  24
#define CQC_PHASE       BIT(0)
#define CQC_IRQ         BIT(1)

/* EQC/AEQC dwords in the register file from HACC_VF_EQC_DW0/AEQC_DW0 */
#define EQC_DEPTH       6       /* depth - 1 [15:0], phase bit 16 */
#define EQC_PHASE       BIT(16)
/* AEQE dw0: queue [15:0], phase [16], type [20:17] */
#define AEQE_TYPE_SHIFT 17

/* ZIP SQE dwords */
#define SQE_CONSUMED    0
#define SQE_PRODUCED    1
#define SQE_STATUS      3
#define SQE_IN_LEN      4
#define SQE_IN_OFF      7       /* offset [23:0], sqe type [31:28] */
#define SQE_OUT_OFF     8
#define SQE_TYPES       9       /* request type [7:0], buffer type [11:8] */
#define SQE_OUT_LEN     14
#define SQE_SRC_L       18
#define SQE_DST_L       20
#define SQE_OFF_MASK    0xffffff

#define ZIP_SQE_TYPE_V3 3
#define ZIP_REQ_DEFLATE 1
#define ZIP_BUF_FLAT    0
#define ZIP_BUF_SGL     1

/* Status codes the model writes into SQE dw3[7:0] (see README) */
#define ZIP_ST_OK       0x00
#define ZIP_ST_BAD_SQE  0x01
#define ZIP_ST_BAD_BUF  0x02
#define ZIP_ST_DATA     0x03
#define ZIP_ST_OVERFLOW 0x05

/* Hardware SGL (drivers/crypto/hisilicon/sgl.c) */
#define SGL_HDR_BYTES   64
#define SGE_BYTES       32
#define SGL_MAX_SGE     256     /* entries per SGL */
#define SGL_MAX_CHAIN   16      /* SGLs followed through next_dma */
#define ZIP_MAX_LEN     (8 * MiB)

/* ---- context cache ---- */

static bool bit_test(const uint64_t *map, unsigned int n)
{
    return map[n / 64] & BIT_ULL(n % 64);
}

static void bit_set(uint64_t *map, unsigned int n, bool on)
{
    if (on) {
        map[n / 64] |= BIT_ULL(n % 64);
    } else {
        map[n / 64] &= ~BIT_ULL(n % 64);
    }
}

static bool qc_dma(HaccCtx *c, uint64_t addr, uint32_t *dw, bool to_mem)
{
    uint32_t le[HACC_QC_DWORDS];
    unsigned int i;

    if (to_mem) {
        for (i = 0; i < HACC_QC_DWORDS; i++) {
            le[i] = cpu_to_le32(dw[i]);
        }
        return hacc_dma(c, addr, le, sizeof(le), true);
    }
    if (!hacc_dma(c, addr, le, sizeof(le), false)) {
        return false;
    }
    for (i = 0; i < HACC_QC_DWORDS; i++) {
        dw[i] = le32_to_cpu(le[i]);
    }
    return true;
}

/*
 * The cached SQC/CQC of queue qn, loaded from the base table on a miss;
 * NULL if it is not cached and cannot be loaded.
 */
uint32_t *hacc_qc_get(HaccCtx *c, bool cq, unsigned int qn)
{
    HaccFn *f = c->fn;
    uint64_t *valid = cq ? f->cqc_valid : f->sqc_valid;
    uint32_t *qc = cq ? f->cqc[qn] : f->sqc[qn];
    uint64_t bt = cq ? f->cqc_bt : f->sqc_bt;

    if (bit_test(valid, qn)) {
        return qc;
    }
    if (!bt || !qc_dma(c, bt + (uint64_t)qn * HACC_QC_DWORDS * 4, qc, false)) {
        return NULL;
    }
    bit_set(valid, qn, true);
    return qc;
}

/* A new base table invalidates the cache of that kind. */
void hacc_qc_set_bt(HaccCtx *c, bool cq, uint64_t bt)
{
    HaccFn *f = c->fn;

    if (cq) {
        f->cqc_bt = bt;
        memset(f->cqc_valid, 0, sizeof(f->cqc_valid));
    } else {
        f->sqc_bt = bt;
        memset(f->sqc_valid, 0, sizeof(f->sqc_valid));
    }
}

/* CACHE_WB_START: every cached context goes to its base table. */
void hacc_cache_writeback(HaccCtx *c)
{
    HaccFn *f = c->fn;
    unsigned int qn;

    for (qn = 0; qn < HACC_MAX_QP; qn++) {
        if (f->sqc_bt && bit_test(f->sqc_valid, qn)) {
            qc_dma(c, f->sqc_bt + (uint64_t)qn * HACC_QC_DWORDS * 4,
                   f->sqc[qn], true);
        }
        if (f->cqc_bt && bit_test(f->cqc_valid, qn)) {
            qc_dma(c, f->cqc_bt + (uint64_t)qn * HACC_QC_DWORDS * 4,
                   f->cqc[qn], true);
        }
    }
    trace_hisi_acc_cache_wb(c->fnum);
}

static uint64_t qc_base(const uint32_t *qc)
{
    return qc[QC_BASE_L] | (uint64_t)qc[QC_BASE_H] << 32;
}

static unsigned int qc_depth(const uint32_t *qc)
{
    return (qc[QC_DEPTH] & 0xfff) + 1;
}

/* ---- ZIP task ---- */

typedef struct ZipSeg {
    uint64_t addr;
    uint32_t len;
} ZipSeg;

typedef struct ZipBuf {
    ZipSeg *seg;
    unsigned int n;
    uint64_t total;
} ZipBuf;

/*
 * The buffer a job names: one flat range, or a chain of hardware SGLs.
 * The walk is bounded (SGL_MAX_CHAIN SGLs of at most SGL_MAX_SGE entries),
 * so a looping chain ends in an error like a too long one.
 */
static bool zip_buf_map(HaccCtx *c, uint64_t addr, unsigned int type,
                        uint64_t need, ZipBuf *b)
{
    uint8_t hdr[SGL_HDR_BYTES], sge[SGE_BYTES];
    unsigned int chain, i, nsge;

    b->n = 0;
    b->total = 0;
    if (type == ZIP_BUF_FLAT) {
        b->seg = g_new(ZipSeg, 1);
        b->seg[0] = (ZipSeg) { addr, need };
        b->n = 1;
        b->total = need;
        return true;
    }
    b->seg = g_new(ZipSeg, SGL_MAX_CHAIN * SGL_MAX_SGE);
    for (chain = 0; addr && b->total < need; chain++) {
        if (chain == SGL_MAX_CHAIN) {
            qemu_log_mask(LOG_GUEST_ERROR, "hisi-acc: fn %u: SGL chain "
                          "longer than %u\n", c->fnum, SGL_MAX_CHAIN);
            return false;
        }
        if (!hacc_dma(c, addr, hdr, sizeof(hdr), false)) {
            return false;
        }
        nsge = lduw_le_p(hdr + 10);     /* entries used in this SGL */
        if (nsge > SGL_MAX_SGE) {
            qemu_log_mask(LOG_GUEST_ERROR, "hisi-acc: fn %u: SGL with %u "
                          "entries\n", c->fnum, nsge);
            return false;
        }
        for (i = 0; i < nsge && b->total < need; i++) {
            if (!hacc_dma(c, addr + SGL_HDR_BYTES + i * SGE_BYTES, sge,
                          sizeof(sge), false)) {
                return false;
            }
            b->seg[b->n].addr = ldq_le_p(sge);
            b->seg[b->n].len = ldl_le_p(sge + 16);
            b->total += b->seg[b->n].len;
            b->n++;
        }
        addr = ldq_le_p(hdr);           /* next_dma */
    }
    return true;
}

/* Copies len bytes at offset off of the buffer from or to host memory. */
static bool zip_buf_copy(HaccCtx *c, ZipBuf *b, uint64_t off, uint8_t *data,
                         uint64_t len, bool to_mem)
{
    unsigned int i;
    uint64_t n;

    for (i = 0; i < b->n && len; i++) {
        if (off >= b->seg[i].len) {
            off -= b->seg[i].len;
            continue;
        }
        n = MIN(len, b->seg[i].len - off);
        if (!hacc_dma(c, b->seg[i].addr + off, data, n, to_mem)) {
            return false;
        }
        data += n;
        len -= n;
        off = 0;
    }
    return !len;
}

static unsigned int zip_deflate(bool decomp, uint8_t *in, uint32_t in_len,
                                uint8_t *out, uint32_t out_len,
                                uint32_t *consumed, uint32_t *produced)
{
    z_stream zs = {
        .next_in = in, .avail_in = in_len,
        .next_out = out, .avail_out = out_len,
    };
    unsigned int st;
    int ret;

    ret = decomp ? inflateInit2(&zs, -MAX_WBITS) :
          deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS,
                       8, Z_DEFAULT_STRATEGY);
    if (ret != Z_OK) {
        return ZIP_ST_BAD_SQE;
    }
    ret = decomp ? inflate(&zs, Z_FINISH) : deflate(&zs, Z_FINISH);
    if (ret == Z_STREAM_END) {
        st = ZIP_ST_OK;
    } else if (!zs.avail_out) {
        st = ZIP_ST_OVERFLOW;
    } else {
        st = ZIP_ST_DATA;       /* corrupt or truncated stream */
    }
    *consumed = zs.total_in;
    *produced = zs.total_out;
    if (decomp) {
        inflateEnd(&zs);
    } else {
        deflateEnd(&zs);
    }
    return st;
}

/* Runs the job's task; returns the status for SQE dw3[7:0]. */
static unsigned int zip_run(HaccCtx *c, uint32_t *sqe, unsigned int type)
{
    unsigned int req = sqe[SQE_TYPES] & 0xff;
    unsigned int buf = (sqe[SQE_TYPES] >> 8) & 0xf;
    uint32_t in_len = sqe[SQE_IN_LEN], out_len = sqe[SQE_OUT_LEN];
    uint32_t in_off = sqe[SQE_IN_OFF] & SQE_OFF_MASK;
    uint32_t out_off = sqe[SQE_OUT_OFF] & SQE_OFF_MASK;
    uint64_t src = sqe[SQE_SRC_L] | (uint64_t)sqe[SQE_SRC_L + 1] << 32;
    uint64_t dst = sqe[SQE_DST_L] | (uint64_t)sqe[SQE_DST_L + 1] << 32;
    ZipBuf ib = { 0 }, ob = { 0 };
    g_autofree uint8_t *in = NULL;
    g_autofree uint8_t *out = NULL;
    uint32_t consumed = 0, produced = 0;
    unsigned int st;

    sqe[SQE_CONSUMED] = 0;
    sqe[SQE_PRODUCED] = 0;
    if (sqe[SQE_IN_OFF] >> 28 != ZIP_SQE_TYPE_V3 || req != ZIP_REQ_DEFLATE ||
        type > 1 || (buf != ZIP_BUF_FLAT && buf != ZIP_BUF_SGL) ||
        !in_len || !out_len || in_len > ZIP_MAX_LEN || out_len > ZIP_MAX_LEN) {
        qemu_log_mask(LOG_GUEST_ERROR, "hisi-acc: fn %u: bad ZIP SQE "
                      "(sqe type %u req %u buf %u queue type %u in %u out %u)"
                      "\n", c->fnum, sqe[SQE_IN_OFF] >> 28, req, buf, type,
                      in_len, out_len);
        return ZIP_ST_BAD_SQE;
    }
    st = ZIP_ST_BAD_BUF;
    if (!zip_buf_map(c, src, buf, (uint64_t)in_off + in_len, &ib) ||
        !zip_buf_map(c, dst, buf, (uint64_t)out_off + out_len, &ob)) {
        goto out;
    }
    if (ib.total < (uint64_t)in_off + in_len ||
        ob.total < (uint64_t)out_off + out_len) {
        qemu_log_mask(LOG_GUEST_ERROR, "hisi-acc: fn %u: SGLs shorter than "
                      "the lengths in the SQE\n", c->fnum);
        goto out;
    }
    in = g_malloc(in_len);
    out = g_malloc(out_len);
    if (!zip_buf_copy(c, &ib, in_off, in, in_len, false)) {
        goto out;
    }
    st = zip_deflate(type, in, in_len, out, out_len, &consumed, &produced);
    if (st == ZIP_ST_OK &&
        !zip_buf_copy(c, &ob, out_off, out, produced, true)) {
        st = ZIP_ST_BAD_BUF;
    }
    sqe[SQE_CONSUMED] = consumed;
    sqe[SQE_PRODUCED] = st == ZIP_ST_OK ? produced : 0;
out:
    g_free(ib.seg);
    g_free(ob.seg);
    return st;
}

/* ---- completion: SQE write-back, CQE, EQE, MSI ---- */

static const char *const drop_why[] = HACC_CTL_DROP_WHY;

/*
 * The engine loses a job: fetched and ending without a CQE, or announced
 * by a doorbell that is discarded.  What the hardware does then is not
 * known; the model's choice is to do nothing more for it and to say so
 * (HACC_CTL_JOBS_DROPPED and HACC_CTL_LAST_DROP, a trace event and a guest
 * error), since a driver bug that loses jobs this way (a context rewritten
 * or its table moved under a running queue) shows to a test only as a job
 * that never comes back.  idx: the SQ slot, HACC_CTL_DROP_NO_SLOT if none.
 */
static void job_drop(HaccCtx *c, const char *where, unsigned int qn,
                     unsigned int idx, unsigned int why)
{
    hacc_count_drop(c->pf, c->fnum, why, qn, idx);
    trace_hisi_acc_job_dropped(c->fnum, qn, idx, drop_why[why]);
    qemu_log_mask(LOG_GUEST_ERROR, "hisi-acc: fn %u: %s: SQ %u slot %d "
                  "dropped: %s\n", c->fnum, where, qn,
                  idx == HACC_CTL_DROP_NO_SLOT ? -1 : (int)idx,
                  drop_why[why]);
}

/*
 * Posts a 4-byte entry (val | the queue's phase bit) to the EQ or the AEQ
 * and latches its interrupt source.
 */
static bool xq_post(HaccCtx *c, bool aeq, uint32_t val)
{
    uint32_t *xqc = hacc_reg(c, aeq ? HACC_VF_AEQC_DW0 : HACC_VF_EQC_DW0);
    unsigned int depth = (xqc[EQC_DEPTH] & 0xffff) + 1;
    unsigned int tail = xqc[QC_POS] >> 16;
    uint32_t e;

    if (!qc_base(xqc) || tail >= depth) {
        return false;
    }
    e = cpu_to_le32(val | (xqc[EQC_DEPTH] & EQC_PHASE));
    if (!hacc_dma(c, qc_base(xqc) + tail * 4, &e, 4, true)) {
        return false;
    }
    if (++tail == depth) {
        tail = 0;
        xqc[EQC_DEPTH] ^= EQC_PHASE;
    }
    xqc[QC_POS] = (xqc[QC_POS] & 0xffff) | tail << 16;
    *hacc_reg(c, aeq ? HACC_AEQ_INT_SOURCE : HACC_EQ_INT_SOURCE) |= 1;
    return true;
}

/* MSI of the EQ or AEQ, at the vector its capability word names */
static void xq_irq(HaccCtx *c, bool aeq)
{
    int vec;

    if (*hacc_reg(c, aeq ? HACC_AEQ_INT_MASK : HACC_EQ_INT_MASK) & 1) {
        return;
    }
    vec = hacc_msi_vector(c, aeq ? HACC_CAP_AEQ_IRQ : HACC_CAP_EQ_IRQ);
    if (vec < 0) {
        return;
    }
    if (!aeq && !msi_is_masked(c->dev, vec)) {
        hacc_count(c->pf, c->fnum, HACC_CTL_EQ_MSIS);
    }
    msi_notify(c->dev, vec);
}

/* An error of queue qn the hardware reports asynchronously: AEQE + MSI */
static void aeq_report(HaccCtx *c, unsigned int qn, unsigned int type)
{
    trace_hisi_acc_aeqe(c->fnum, qn, type);
    if (xq_post(c, true, qn | type << AEQE_TYPE_SHIFT)) {
        hacc_count(c->pf, c->fnum, HACC_CTL_AEQES);
        xq_irq(c, true);
    }
}

/*
 * The CQC's c_flag arms one EQE for the CQ: the EQE disarms it, and only a
 * CQ doorbell with priority 1 re-arms it.  So a CQ has at most one EQE that
 * its driver has not polled for, which hisi_qm relies on: it collects the
 * CQ numbers of several EQEs into the work item of the first one, and two
 * work items naming the same CQ would poll it at the same time (the same
 * CQE completed twice, the next one skipped).
 */
static bool cq_signal(HaccCtx *c, unsigned int cqn, uint32_t *cqc)
{
    if (!(cqc[CQC_FLAGS] & CQC_IRQ) || !xq_post(c, false, cqn)) {
        return false;
    }
    cqc[CQC_FLAGS] &= ~CQC_IRQ;
    return true;
}

/*
 * Bus Master Enable off: the function can reach no memory.  The kernel's
 * reset of a function (pci_dev_save_and_disable) clears it before the FLR,
 * so jobs still running then would fail every DMA and lose their CQEs:
 * they end without any, counted with the jobs a reset flushes
 * (HACC_CTL_JOBS_FLUSHED), which the driver asked for, not as drops.
 * Nothing is fetched meanwhile; the doorbells stay latched.
 */
static bool engine_can_dma(HaccCtx *c)
{
    return pci_get_word(c->dev->config + PCI_COMMAND) & PCI_COMMAND_MASTER;
}

/* Returns true if an EQE was written (an interrupt is due). */
static bool job_complete(HaccCtx *c, HaccJob *j)
{
    uint32_t *sqc = hacc_qc_get(c, false, j->qn);
    uint32_t *cqc;
    uint8_t cqe[HACC_CQE_BYTES] = { 0 };
    uint32_t le[4];
    unsigned int st, cqn, tail, i;
    uint64_t dma_errors = hacc_counter(c->pf, c->fnum, HACC_CTL_DMA_ERRORS);
    bool dma_fault;

    if (!engine_can_dma(c)) {
        trace_hisi_acc_job_flushed(c->fnum, j->qn, j->idx);
        hacc_count(c->pf, c->fnum, HACC_CTL_JOBS_FLUSHED);
        return false;
    }
    if (!sqc) {
        job_drop(c, __func__, j->qn, j->idx, HACC_CTL_DROP_NO_SQC);
        return false;
    }
    cqn = sqc[SQC_CQN] & 0xffff;
    if (qc_base(sqc) != j->sq_base || cqn != j->cqn) {
        job_drop(c, __func__, j->qn, j->idx, HACC_CTL_DROP_SQC_MOVED);
        return false;
    }
    cqc = cqn < HACC_MAX_QP ? hacc_qc_get(c, true, cqn) : NULL;
    if (!cqc) {
        job_drop(c, __func__, j->qn, j->idx, HACC_CTL_DROP_NO_CQC);
        return false;
    }
    if (j->faults & (HACC_JF_ERROR | HACC_JF_DMA)) {
        /* injected: the engine stops before writing any output */
        j->sqe[SQE_CONSUMED] = 0;
        j->sqe[SQE_PRODUCED] = 0;
        st = j->faults & HACC_JF_DMA ? ZIP_ST_BAD_BUF :
             HACC_CTL_JOB_ERROR_STATUS;
        dma_fault = j->faults & HACC_JF_DMA;
        if (dma_fault) {
            hacc_count(c->pf, c->fnum, HACC_CTL_DMA_ERRORS);
        }
    } else {
        st = zip_run(c, j->sqe, (sqc[SQC_CQN] >> SQC_TYPE_SHIFT) & 0xf);
        dma_fault = hacc_counter(c->pf, c->fnum, HACC_CTL_DMA_ERRORS) !=
                    dma_errors;
    }
    j->sqe[SQE_STATUS] = (j->sqe[SQE_STATUS] & ~0xffu) | st;
    for (i = 0; i < 4; i++) {
        le[i] = cpu_to_le32(j->sqe[i]);
    }
    hacc_dma(c, qc_base(sqc) + (uint64_t)j->idx * HACC_SQE_BYTES, le,
             sizeof(le), true);

    /* the error is seen before the job is done: AEQE first, then CQE */
    if (dma_fault) {
        aeq_report(c, j->qn, HACC_CTL_AEQE_CQE_ERROR);
    }
    tail = cqc[QC_POS] >> 16;
    if (tail >= qc_depth(cqc)) {
        tail = 0;
    }
    stw_le_p(cqe + 8, j->idx);
    stw_le_p(cqe + 10, j->qn);
    /*
     * body first, then the word with the phase bit; each DMA starts with
     * a full barrier (dma_memory_rw), so a CPU that sees the new phase
     * sees the body
     */
    stw_le_p(cqe + 14, cqc[CQC_FLAGS] & CQC_PHASE);
    if (!hacc_dma(c, qc_base(cqc) + tail * HACC_CQE_BYTES, cqe, 14, true) ||
        !hacc_dma(c, qc_base(cqc) + tail * HACC_CQE_BYTES + 14, cqe + 14, 2,
                  true)) {
        job_drop(c, __func__, j->qn, j->idx, HACC_CTL_DROP_CQE_DMA);
        return false;
    }
    hacc_count(c->pf, c->fnum, HACC_CTL_JOBS_DONE);
    if (st) {
        hacc_count(c->pf, c->fnum, HACC_CTL_JOB_ERRORS);
    }
    trace_hisi_acc_job_done(c->fnum, j->qn, j->idx, st,
                            j->sqe[SQE_PRODUCED]);
    if (++tail == qc_depth(cqc)) {
        tail = 0;
        cqc[CQC_FLAGS] ^= CQC_PHASE;
        cqc[QC_W11] ^= QC_TAIL_WRAP;
    }
    cqc[QC_POS] = (cqc[QC_POS] & 0xffff) | tail << 16;
    if (j->faults & HACC_JF_LOST_IRQ) {
        trace_hisi_acc_lost_irq(c->fnum, j->qn, j->idx);
        return false;       /* the CQ stays armed */
    }
    return cq_signal(c, cqn, cqc);
}

/* ---- fetch ---- */

/* Virtual time a job takes from its fetch (a held one: from its release) */
static int64_t job_latency(HaccPFState *pf, const HaccJob *j)
{
    return j->faults & HACC_JF_LATENCY ? hacc_fault_latency(pf) :
           hacc_job_latency(pf);
}

static void engine_fetch(HaccCtx *c)
{
    HaccFn *f = c->fn;
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    unsigned int qn, head, tail, depth;
    uint32_t *sqc;
    HaccJob *j;
    unsigned int k;
    bool sqe_err;

    if (f->paused || !engine_can_dma(c)) {
        return;
    }
    for (qn = 0; qn < HACC_MAX_QP && f->job_count < HACC_MAX_INFLIGHT; qn++) {
        if (!bit_test(f->latched, qn)) {
            continue;
        }
        sqc = hacc_qc_get(c, false, qn);
        if (!sqc) {
            job_drop(c, __func__, qn, HACC_CTL_DROP_NO_SLOT,
                     HACC_CTL_DROP_NO_SQC);
            bit_set(f->latched, qn, false);
            continue;
        }
        depth = qc_depth(sqc);
        tail = f->db_tail[qn];
        head = sqc[QC_POS] & 0xffff;
        if (tail >= depth || head >= depth) {
            qemu_log_mask(LOG_GUEST_ERROR, "hisi-acc: fn %u: SQ %u head %u "
                          "tail %u beyond depth %u\n", c->fnum, qn, head,
                          tail, depth);
            job_drop(c, __func__, qn, head, HACC_CTL_DROP_BAD_POS);
            bit_set(f->latched, qn, false);
            continue;
        }
        sqe_err = false;
        while (head != tail && f->job_count < HACC_MAX_INFLIGHT) {
            j = &f->job[(f->job_head + f->job_count) % HACC_MAX_INFLIGHT];
            if (!hacc_dma(c, qc_base(sqc) + (uint64_t)head * HACC_SQE_BYTES,
                          j->sqe, sizeof(j->sqe), false)) {
                job_drop(c, __func__, qn, head, HACC_CTL_DROP_SQE_DMA);
                sqe_err = true;
                break;
            }
            for (k = 0; k < ARRAY_SIZE(j->sqe); k++) {
                j->sqe[k] = le32_to_cpu(j->sqe[k]);
            }
            j->qn = qn;
            j->idx = head;
            j->sq_base = qc_base(sqc);
            j->cqn = sqc[SQC_CQN] & 0xffff;
            j->faults = hacc_take_job_faults(c->pf, c->fnum);
            if (j->faults & HACC_JF_HOLD) {
                j->due = now + HACC_CTL_HOLD_MAX_NS;
                trace_hisi_acc_job_held(c->fnum, qn, head);
            } else {
                j->due = now + job_latency(c->pf, j);
            }
            f->job_count++;
            hacc_count(c->pf, c->fnum, HACC_CTL_JOBS_FETCHED);
            trace_hisi_acc_job_fetched(c->fnum, qn, head, tail);
            head = (head + 1) % depth;
        }
        /*
         * SQC tail and its wrap bit follow the SQEs fetched: the driver's
         * qm_wait_qp_empty compares them with the CQC's to see an idle
         * queue.
         */
        if (tail < sqc[QC_POS] >> 16) {
            sqc[QC_W11] ^= QC_TAIL_WRAP;
        }
        sqc[QC_POS] = tail << 16 | head;
        if (head == tail || sqe_err) {
            bit_set(f->latched, qn, false);
        }
    }
}

static void engine_arm(HaccFn *f)
{
    if (f->job_count) {
        timer_mod(f->timer, f->job[f->job_head].due);
    } else {
        timer_del(f->timer);
    }
}

/*
 * Completes the due jobs, then fetches more.  Guarded: a DMA of the engine
 * that lands in a BAR and rings a doorbell only latches it.
 */
static void engine_run(HaccCtx *c)
{
    HaccFn *f = c->fn;
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    bool irq = false;
    HaccJob *j;

    if (f->in_engine) {
        return;
    }
    f->in_engine = true;
    while (f->job_count && f->job[f->job_head].due <= now) {
        j = &f->job[f->job_head];
        irq |= job_complete(c, j);
        f->job_head = (f->job_head + 1) % HACC_MAX_INFLIGHT;
        f->job_count--;
    }
    if (irq) {
        xq_irq(c, false);
    }
    engine_fetch(c);
    f->in_engine = false;
    engine_arm(f);
}

/*
 * A job's completion does DMA from the timer, outside any access to the
 * device, where QEMU's reentrancy guard is not engaged: take it here, as
 * a guarded bottom half would, so that a DMA aimed at the function's own
 * BAR fails (MEMTX_ACCESS_ERROR: a buffer error for the job) instead of
 * re-entering the function.  Not a bottom half: the jobs complete when
 * the virtual clock reaches them, which qtest's clock_step relies on.
 */
static void engine_timer(void *opaque)
{
    HaccCtx c = hacc_dev_ctx(opaque);
    MemReentrancyGuard *g = &DEVICE(c.dev)->mem_reentrancy_guard;
    bool engaged = g->engaged_in_io;

    g->engaged_in_io = true;
    engine_run(&c);
    g->engaged_in_io = engaged;
}

/*
 * SQ doorbell: index = the driver's new tail.  Priority 1 restarts the
 * queue at the tail its context holds instead: both VF drivers ring it
 * with index 0 on every queue of a VF they have just loaded, so taking 0
 * for a tail would have a migrated queue whose head is not 0 run the
 * stale SQEs up to the end of its ring.  A tail latched from the guest
 * meanwhile is newer than the context's and stays.
 */
void hacc_sq_doorbell(HaccCtx *c, uint32_t lo, uint32_t hi)
{
    unsigned int qn = lo & (HACC_MAX_QP - 1);
    uint32_t *sqc;

    trace_hisi_acc_sq_db(c->fnum, qn, hi & 0xffff, c->fn->paused);
    if (!((hi >> 16) & 1)) {
        c->fn->db_tail[qn] = hi & 0xffff;
    } else if (!bit_test(c->fn->latched, qn)) {
        sqc = hacc_qc_get(c, false, qn);
        if (!sqc) {
            return;
        }
        c->fn->db_tail[qn] = sqc[QC_POS] >> 16;
    }
    bit_set(c->fn->latched, qn, true);
    engine_run(c);
}

/*
 * CQ doorbell: index = the driver's new head; priority 1 re-arms the CQ's
 * EQE, which is posted at once if CQEs beyond that head are waiting.  A CQ
 * not in the cache (a function just loaded by a migration) has its context
 * loaded from the table first, as on an SQ doorbell.
 */
void hacc_cq_doorbell(HaccCtx *c, uint32_t lo, uint32_t hi)
{
    unsigned int qn = lo & (HACC_MAX_QP - 1);
    uint32_t *cqc;

    trace_hisi_acc_cq_db(c->fnum, qn, hi & 0xffff, (hi >> 16) & 1);
    cqc = hacc_qc_get(c, true, qn);
    if (!cqc) {
        return;
    }
    cqc[QC_POS] = (cqc[QC_POS] & 0xffff0000) | (hi & 0xffff);
    if (!((hi >> 16) & 1)) {
        return;
    }
    cqc[CQC_FLAGS] |= CQC_IRQ;
    if ((cqc[QC_POS] & 0xffff) != cqc[QC_POS] >> 16 &&
        cq_signal(c, qn, cqc)) {
        xq_irq(c, false);
    }
}

/*
 * x-fault-hold: a held job runs from the pause, as if fetched then.  The
 * jobs fetched after it wait behind it (completion in fetch order).
 */
static void engine_release(HaccCtx *c)
{
    HaccFn *f = c->fn;
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    HaccJob *j;
    unsigned int i;

    for (i = 0; i < f->job_count; i++) {
        j = &f->job[(f->job_head + i) % HACC_MAX_INFLIGHT];
        if (j->faults & HACC_JF_HOLD) {
            j->faults &= ~HACC_JF_HOLD;
            j->due = MIN(j->due, now + job_latency(c->pf, j));
            trace_hisi_acc_job_released(c->fnum, j->qn, j->idx);
        }
    }
    engine_arm(f);
}

/*
 * PAUSE_QM: no SQE is fetched any more; jobs already fetched (a held one
 * released) run to their end and the mailbox reads busy until they have,
 * and at least x-drain-ns (default 0) after the command, so that a long
 * drain can outlast a driver's mailbox timeout.
 */
void hacc_engine_pause(HaccCtx *c)
{
    HaccFn *f = c->fn;

    f->paused = true;
    trace_hisi_acc_pause(c->fnum, f->job_count);
    engine_release(c);
    f->mb_busy = f->job_count || hacc_drain_ns(c->pf);
    f->drain_deadline = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                        hacc_drain_ns(c->pf);
}

void hacc_engine_unpause(HaccCtx *c)
{
    c->fn->paused = false;
    trace_hisi_acc_unpause(c->fnum, c->fn->job_count);
    engine_run(c);
}

void hacc_engine_init(HaccFn *f, PCIDevice *dev)
{
    f->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, engine_timer, dev);
}

void hacc_engine_exit(HaccFn *f)
{
    timer_free(f->timer);
    f->timer = NULL;
}

/* Reset and FLR: in-flight jobs and the context cache are dropped. */
void hacc_engine_reset(HaccFn *f)
{
    QEMUTimer *t = f->timer;

    if (t) {
        timer_del(t);
    }
    memset(f, 0, sizeof(*f));
    f->timer = t;
}

void hacc_engine_post_load(HaccFn *f)
{
    f->in_engine = false;
    if (f->job_count > HACC_MAX_INFLIGHT || f->job_head >= HACC_MAX_INFLIGHT) {
        f->job_count = 0;
        f->job_head = 0;
    }
    engine_arm(f);
}

/* The mailbox word's busy bit while a PAUSE_QM drains. */
bool hacc_engine_mb_busy(HaccCtx *c)
{
    HaccFn *f = c->fn;

    if (f->mb_busy && !f->job_count &&
        qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) >= f->drain_deadline) {
        f->mb_busy = false;
    }
    return f->mb_busy;
}
