/*
 * HiSilicon QM accelerator model: state shared by the QM core
 * (hisi_acc.c) and the ZIP task engine (hisi_acc_engine.c).
 *
 * Copyright (c) 2026 The hisi_acc_vfio_pci authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_MISC_HISI_ACC_H
#define HW_MISC_HISI_ACC_H

#include "hw/pci/pci_device.h"
#include "qemu/timer.h"
#include "qemu/units.h"
#include "qom/object.h"
#include "hacc-model-ctl.h"

#define HACC_MAX_QP             1024    /* queue field of doorbell/mailbox */
#define HACC_QC_DWORDS          8       /* one SQC or CQC */
#define HACC_SQE_BYTES          128     /* ZIP SQE */
#define HACC_CQE_BYTES          16
#define HACC_MAX_INFLIGHT       32      /* jobs fetched, not completed */
#define HACC_CNT_WORDS          (HACC_CTL_FN_STRIDE / 8)
/* QM capability words the model computes per PF (interrupt layout) */
#define HACC_CAP_EQ_IRQ         0x310c
#define HACC_CAP_AEQ_IRQ        0x3110
#define HACC_CAP_ABN_IRQ        0x3114
#define HACC_CAP_IRQ_NUM        0x311c
#define HACC_CAP_IRQ_PRESENT    BIT(16)     /* in 0x310c..0x3118 */

/* Injected job faults a job carries from its fetch (HACC_CTL_FAULT_*) */
#define HACC_JF_ERROR           BIT(0)
#define HACC_JF_LOST_IRQ        BIT(1)
#define HACC_JF_LATENCY         BIT(2)
#define HACC_JF_DMA             BIT(3)
#define HACC_JF_HOLD            BIT(4)  /* held until PAUSE_QM */

/* One job fetched from an SQ, completed when the virtual clock hits due */
typedef struct HaccJob {
    int64_t due;
    uint64_t sq_base;           /* the SQC's SQ base and CQ at the fetch */
    uint16_t cqn;
    uint16_t qn;
    uint16_t idx;               /* slot in the SQ, reported as sq_head */
    uint32_t faults;            /* HACC_JF_* */
    uint32_t sqe[HACC_SQE_BYTES / 4];
} HaccJob;

/* Model-only state of one function; registers live in the owner's file */
typedef struct HaccFn {
    uint64_t sqc_bt;
    uint64_t cqc_bt;
    /*
     * The function's context cache: SQC/CQC of each queue, filled by the
     * mailbox or on a miss from the base table, written to the table only
     * on cache write-back.  Queue positions live here.
     */
    uint32_t sqc[HACC_MAX_QP][HACC_QC_DWORDS];
    uint32_t cqc[HACC_MAX_QP][HACC_QC_DWORDS];
    uint64_t sqc_valid[HACC_MAX_QP / 64];
    uint64_t cqc_valid[HACC_MAX_QP / 64];
    /* SQ doorbells not yet fetched: the tail each one gave */
    uint64_t latched[HACC_MAX_QP / 64];
    uint16_t db_tail[HACC_MAX_QP];
    bool paused;
    /* PAUSE_QM waits with the mailbox busy until in-flight jobs are done */
    bool mb_busy;
    int64_t drain_deadline;
    HaccJob job[HACC_MAX_INFLIGHT];
    uint32_t job_head;
    uint32_t job_count;
    /*
     * x-mb-busy-reads / x-ready-reads: a mailbox command (as written) or a
     * cache write-back started but held for that many more reads of its
     * status register; it takes effect on the read after.
     */
    bool mb_held;
    uint32_t mb_hold;
    uint32_t mb_cmd[3];         /* dword 0, base low, base high */
    bool wb_held;
    uint32_t wb_hold;

    /* not migrated */
    QEMUTimer *timer;
    bool in_engine;
} HaccFn;

#define TYPE_HISI_ACC_PF "hisi-acc-pf"
#define TYPE_HISI_ACC_VF "hisi-acc-vf"
OBJECT_DECLARE_SIMPLE_TYPE(HaccPFState, HISI_ACC_PF)
OBJECT_DECLARE_SIMPLE_TYPE(HaccVFState, HISI_ACC_VF)

#define HACC_PF_BAR_SIZE        (4 * MiB)
/* VFT slots: SQC, CQC, shaper of algorithm type 0 and 1 */
#define HACC_VFT_SLOTS          4

/* In the order of their BAR4 registers from HACC_CTL_FAULT_MB_BUSY */
enum {
    HACC_FAULT_MB_BUSY,
    HACC_FAULT_MB_ERROR,
    HACC_FAULT_CACHE_WB,
    HACC_FAULT_VF_STATE,
    HACC_FAULT_ABNORMAL,
    HACC_FAULT_JOB_ERROR,
    HACC_FAULT_LOST_IRQ,
    HACC_FAULT_LATENCY,
    HACC_FAULT_DMA,
    HACC_FAULT_LATENCY_NS,      /* a value, not a bitmap */
    HACC_FAULT_HOLD,
    HACC_NUM_FAULTS,
};

#define HACC_FAULT_LATENCY_DEFAULT  (10 * SCALE_MS)

typedef enum HaccAlg {
    HACC_ALG_ZIP,
    HACC_ALG_SEC,
    HACC_ALG_HPRE,
} HaccAlg;

struct HaccPFState {
    PCIDevice parent_obj;

    MemoryRegion bar2;
    MemoryRegion bar4;

    char *alg_name;
    uint16_t num_vfs;
    uint8_t revision;
    bool imm_ready;
    uint32_t zip_algs;
    uint64_t job_latency_ns;
    uint64_t drain_ns;
    bool mb_128;
    bool aeq_irq;
    bool ctl_bar;
    bool rst_port;
    uint32_t mb_busy_reads;
    uint32_t ready_reads;
    HaccAlg alg;

    HaccFn fn;
    uint32_t regs[HACC_PF_BAR_SIZE / 4];
    uint64_t vft[HACC_VFT_SLOTS][HACC_CTL_MAX_FUNCS];

    uint64_t fault[HACC_NUM_FAULTS];
    uint64_t cnt[HACC_CTL_MAX_FUNCS][HACC_CNT_WORDS];
    /* x-mb-128: functions whose last mailbox write was the low half */
    uint64_t mb_low_half;
    /* x-ready-reads: a VFT access or memory init held for its reads */
    bool vft_held;
    uint32_t vft_hold;
    bool mem_held;
    uint32_t mem_hold;
};

struct HaccVFState {
    PCIDevice parent_obj;

    MemoryRegion bar2;
    HaccFn fn;
    uint32_t regs[HACC_VF_BAR_SIZE / 4];
};


/* What one register access works on: the function and its owner PF */
typedef struct HaccCtx {
    HaccPFState *pf;
    PCIDevice *dev;
    HaccFn *fn;
    uint32_t *regs;
    unsigned int fnum;
} HaccCtx;

static inline uint32_t *hacc_reg(HaccCtx *c, hwaddr off)
{
    return &c->regs[off / 4];
}

/* hisi-acc-testctl.c */
bool hacc_fault(HaccPFState *pf, int which, unsigned int fnum);
extern const MemoryRegionOps hacc_ctl_ops;
void hacc_pf_instance_init(Object *obj);
void hacc_count(HaccPFState *pf, unsigned int fnum, hwaddr off);
void hacc_count_n(HaccPFState *pf, unsigned int fnum, hwaddr off, uint64_t n);
uint64_t hacc_counter(HaccPFState *pf, unsigned int fnum, hwaddr off);
void hacc_count_drop(HaccPFState *pf, unsigned int fnum, unsigned int why,
                     unsigned int qn, unsigned int idx);
unsigned int hacc_take_job_faults(HaccPFState *pf, unsigned int fnum);
int64_t hacc_fault_latency(HaccPFState *pf);

/* hisi-acc.c */
bool hacc_dma(HaccCtx *c, uint64_t addr, void *buf, size_t len, bool to_mem);
HaccCtx hacc_dev_ctx(PCIDevice *dev);
int64_t hacc_job_latency(HaccPFState *pf);
int64_t hacc_drain_ns(HaccPFState *pf);
int hacc_msi_vector(HaccCtx *c, hwaddr off);
void hacc_pf_abn_latch(HaccPFState *pf, uint32_t bits);

/* hisi-acc-engine.c */
void hacc_engine_init(HaccFn *f, PCIDevice *dev);
void hacc_engine_exit(HaccFn *f);
void hacc_engine_reset(HaccFn *f);
void hacc_engine_post_load(HaccFn *f);
uint32_t *hacc_qc_get(HaccCtx *c, bool cq, unsigned int qn);
void hacc_qc_set_bt(HaccCtx *c, bool cq, uint64_t bt);
void hacc_cache_writeback(HaccCtx *c);
void hacc_sq_doorbell(HaccCtx *c, uint32_t lo, uint32_t hi);
void hacc_cq_doorbell(HaccCtx *c, uint32_t lo, uint32_t hi);
void hacc_engine_pause(HaccCtx *c);
bool hacc_engine_mb_busy(HaccCtx *c);
void hacc_engine_unpause(HaccCtx *c);

#endif
