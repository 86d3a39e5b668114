/*
 * HiSilicon QM accelerator model: the test-only controls.  Not hardware:
 * the fault knobs and per-function counters (QOM properties of the PF for
 * the host, and BAR 4, tools/qemu/hacc-model-ctl.h, with x-ctl-bar=on for
 * the guest) and the state hash of a function.
 *
 * Copyright (c) 2026 The hisi_acc_vfio_pci authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qapi/visitor.h"
#include "qapi/qapi-builtin-visit.h"
#include "hw/pci/pcie_sriov.h"
#include "hisi_acc_vfio_pci_hw.h"
#include "hisi_acc.h"

static const char *const hacc_fault_names[HACC_NUM_FAULTS] = {
    "x-fault-mb-busy", "x-fault-mb-error", "x-fault-cache-wb",
    "x-fault-vf-state", "x-fault-abnormal", "x-fault-job-error",
    "x-fault-lost-irq", "x-fault-latency", "x-fault-dma",
    "x-fault-latency-ns", "x-fault-hold",
};

bool hacc_fault(HaccPFState *pf, int which, unsigned int fnum)
{
    return pf->fault[which] & BIT_ULL(fnum);
}

void hacc_count_n(HaccPFState *pf, unsigned int fnum, hwaddr off, uint64_t n)
{
    pf->cnt[fnum][off / 8] += n;
}

void hacc_count(HaccPFState *pf, unsigned int fnum, hwaddr off)
{
    hacc_count_n(pf, fnum, off, 1);
}

uint64_t hacc_counter(HaccPFState *pf, unsigned int fnum, hwaddr off)
{
    return pf->cnt[fnum][off / 8];
}

/* A job the engine lost: count it and keep the reason (hacc-model-ctl.h) */
void hacc_count_drop(HaccPFState *pf, unsigned int fnum, unsigned int why,
                     unsigned int qn, unsigned int idx)
{
    pf->cnt[fnum][HACC_CTL_JOBS_DROPPED / 8]++;
    pf->cnt[fnum][HACC_CTL_LAST_DROP / 8] = why | (uint64_t)qn << 16 |
                                            (uint64_t)idx << 32;
}

/* The one-shot job faults armed for fnum (HACC_JF_*), disarmed here. */
unsigned int hacc_take_job_faults(HaccPFState *pf, unsigned int fnum)
{
    static const struct {
        int fault;
        unsigned int jf;
    } map[] = {
        { HACC_FAULT_JOB_ERROR, HACC_JF_ERROR },
        { HACC_FAULT_LOST_IRQ, HACC_JF_LOST_IRQ },
        { HACC_FAULT_LATENCY, HACC_JF_LATENCY },
        { HACC_FAULT_DMA, HACC_JF_DMA },
        { HACC_FAULT_HOLD, HACC_JF_HOLD },
    };
    unsigned int i, jf = 0;

    for (i = 0; i < ARRAY_SIZE(map); i++) {
        if (hacc_fault(pf, map[i].fault, fnum)) {
            pf->fault[map[i].fault] &= ~BIT_ULL(fnum);
            jf |= map[i].jf;
        }
    }
    return jf;
}

int64_t hacc_fault_latency(HaccPFState *pf)
{
    return MIN(pf->fault[HACC_FAULT_LATENCY_NS], (uint64_t)INT64_MAX / 2);
}

/* ---- BAR4: model control window ---- */

static unsigned int hacc_num_funcs(HaccPFState *pf)
{
    return 1 + pf->num_vfs;
}

static void hacc_counters_reset(HaccPFState *pf, uint64_t mask)
{
    unsigned int i;

    for (i = 0; i < hacc_num_funcs(pf); i++) {
        if (mask & BIT_ULL(i)) {
            memset(pf->cnt[i], 0, sizeof(pf->cnt[i]));
        }
    }
}

static uint64_t hacc_fnv(uint64_t h, const void *p, size_t len)
{
    const uint8_t *b = p;

    while (len--) {
        h = (h ^ *b++) * 0x100000001b3ULL;
    }
    return h;
}

/* HACC_CTL_STATE_HASH of function fnum, 0 if that VF does not exist */
static uint64_t hacc_state_hash(HaccPFState *pf, unsigned int fnum)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    const uint32_t *regs = pf->regs;
    size_t regs_len = sizeof(pf->regs);
    const HaccFn *fn = &pf->fn;
    unsigned int slot;

    if (fnum) {
        PCIDevice *dev = pcie_sriov_get_vf_at_index(PCI_DEVICE(pf), fnum - 1);
        HaccVFState *vf;

        if (!dev) {
            return 0;
        }
        vf = HISI_ACC_VF(dev);
        regs = vf->regs;
        regs_len = sizeof(vf->regs);
        fn = &vf->fn;
        for (slot = 0; slot < HACC_VFT_SLOTS; slot++) {
            h = hacc_fnv(h, &pf->vft[slot][fnum], sizeof(uint64_t));
        }
    }
    /* field by field: the struct's padding is not state */
    h = hacc_fnv(h, &fn->sqc_bt, sizeof(fn->sqc_bt));
    h = hacc_fnv(h, &fn->cqc_bt, sizeof(fn->cqc_bt));
    h = hacc_fnv(h, fn->sqc, sizeof(fn->sqc));
    h = hacc_fnv(h, fn->cqc, sizeof(fn->cqc));
    h = hacc_fnv(h, fn->sqc_valid, sizeof(fn->sqc_valid));
    h = hacc_fnv(h, fn->cqc_valid, sizeof(fn->cqc_valid));
    h = hacc_fnv(h, &fn->paused, sizeof(fn->paused));
    h = hacc_fnv(h, fn->latched, sizeof(fn->latched));
    h = hacc_fnv(h, fn->db_tail, sizeof(fn->db_tail));
    h = hacc_fnv(h, &fn->job_count, sizeof(fn->job_count));
    return hacc_fnv(h, regs, regs_len);
}

static uint64_t hacc_ctl_read64(HaccPFState *pf, hwaddr off)
{
    hwaddr fo;

    switch (off) {
    case HACC_CTL_MAGIC:
        return HACC_CTL_MAGIC_VALUE;
    case HACC_CTL_VERSION:
        return 5;
    case HACC_CTL_NUM_FUNCS:
        return hacc_num_funcs(pf);
    case HACC_CTL_MB_128:
        return pf->mb_128;
    }
    if (off >= HACC_CTL_FAULT_MB_BUSY &&
        off < HACC_CTL_FAULT_MB_BUSY + HACC_NUM_FAULTS * 8) {
        return pf->fault[(off - HACC_CTL_FAULT_MB_BUSY) / 8];
    }
    if (off >= HACC_CTL_FN_BASE && off < HACC_CTL_FN(hacc_num_funcs(pf))) {
        fo = off - HACC_CTL_FN_BASE;
        if (fo % HACC_CTL_FN_STRIDE == HACC_CTL_STATE_HASH) {
            return hacc_state_hash(pf, fo / HACC_CTL_FN_STRIDE);
        }
        return pf->cnt[fo / HACC_CTL_FN_STRIDE][fo % HACC_CTL_FN_STRIDE / 8];
    }
    return 0;
}

static uint64_t hacc_ctl_read(void *opaque, hwaddr off, unsigned size)
{
    uint64_t val = hacc_ctl_read64(opaque, off & ~7ULL);

    if (size == 4) {
        val = off & 4 ? val >> 32 : (uint32_t)val;
    }
    return val;
}

static void hacc_ctl_write(void *opaque, hwaddr off, uint64_t val,
                           unsigned size)
{
    HaccPFState *pf = opaque;
    uint64_t mask = size == 8 ? ~0ULL : 0xffffffffULL;
    unsigned int shift = size == 4 && (off & 4) ? 32 : 0;
    uint64_t *f;

    off &= ~7ULL;
    mask <<= shift;
    val <<= shift;
    if (off == HACC_CTL_COUNTERS_RESET) {
        hacc_counters_reset(pf, val & mask);
        return;
    }
    if (off == HACC_CTL_ABNORMAL_SET) {
        hacc_pf_abn_latch(pf, val & mask);
        return;
    }
    if (off >= HACC_CTL_FAULT_MB_BUSY &&
        off < HACC_CTL_FAULT_MB_BUSY + HACC_NUM_FAULTS * 8) {
        f = &pf->fault[(off - HACC_CTL_FAULT_MB_BUSY) / 8];
        *f = (*f & ~mask) | (val & mask);
        return;
    }
    qemu_log_mask(LOG_GUEST_ERROR,
                  "hisi-acc: write to read-only control register 0x%"
                  HWADDR_PRIx "\n", off);
}

const MemoryRegionOps hacc_ctl_ops = {
    .read = hacc_ctl_read,
    .write = hacc_ctl_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

/* ---- QOM properties for the host ---- */

static void hacc_get_counters(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    HaccPFState *pf = HISI_ACC_PF(obj);
    uint64List *list = NULL, **tail = &list;
    unsigned int i, j;

    for (i = 0; i < hacc_num_funcs(pf); i++) {
        for (j = 0; j < HACC_CNT_WORDS; j++) {
            QAPI_LIST_APPEND(tail, pf->cnt[i][j]);
        }
    }
    visit_type_uint64List(v, name, &list, errp);
    qapi_free_uint64List(list);
}

static void hacc_set_counters_reset(Object *obj, Visitor *v,
                                    const char *name, void *opaque,
                                    Error **errp)
{
    uint64_t mask;

    if (visit_type_uint64(v, name, &mask, errp)) {
        hacc_counters_reset(HISI_ACC_PF(obj), mask);
    }
}

static void hacc_set_abnormal(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    uint64_t bits;

    if (visit_type_uint64(v, name, &bits, errp)) {
        hacc_pf_abn_latch(HISI_ACC_PF(obj), bits);
    }
}

static void hacc_get_zero(Object *obj, Visitor *v, const char *name,
                          void *opaque, Error **errp)
{
    uint64_t zero = 0;

    visit_type_uint64(v, name, &zero, errp);
}

static void hacc_get_num_funcs(Object *obj, Visitor *v, const char *name,
                               void *opaque, Error **errp)
{
    uint32_t n = hacc_num_funcs(HISI_ACC_PF(obj));

    visit_type_uint32(v, name, &n, errp);
}

void hacc_pf_instance_init(Object *obj)
{
    HaccPFState *pf = HISI_ACC_PF(obj);
    unsigned int i;

    for (i = 0; i < HACC_NUM_FAULTS; i++) {
        object_property_add_uint64_ptr(obj, hacc_fault_names[i],
                                       &pf->fault[i],
                                       OBJ_PROP_FLAG_READWRITE);
    }
    pf->fault[HACC_FAULT_LATENCY_NS] = HACC_FAULT_LATENCY_DEFAULT;
    object_property_add(obj, "x-counters", "uint64List", hacc_get_counters,
                        NULL, NULL, NULL);
    object_property_add(obj, "x-counters-reset", "uint64", hacc_get_zero,
                        hacc_set_counters_reset, NULL, NULL);
    object_property_add(obj, "x-abnormal-set", "uint64", hacc_get_zero,
                        hacc_set_abnormal, NULL, NULL);
    object_property_add(obj, "x-num-funcs", "uint32", hacc_get_num_funcs,
                        NULL, NULL, NULL);
}
