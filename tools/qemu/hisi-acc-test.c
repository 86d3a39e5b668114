/*
 * QTest for the HiSilicon QM accelerator model (hisi-acc-pf / hisi-acc-vf)
 *
 * The PF sits on the q35 root bus at 10.0 so that its VFs (ARI, offset 1,
 * stride 1) follow it at 10.1...; extended configuration space (SR-IOV) is
 * reached through MMCONFIG, which the test enables itself since no
 * firmware runs under qtest.
 *
 * Copyright (c) 2026 The hisi_acc_vfio_pci authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/host-utils.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "hw/pci/pci_regs.h"
#include "hisi_acc_vfio_pci_hw.h"
#include "hacc-model-ctl.h"

#define PF_DEVFN        QPCI_DEVFN(0x10, 0)
#define MAX_VFS         16
#define ECAM_BASE       0xb0000000ULL
#define MCH_PCIEXBAR    0x60
#define SRIOV_CTRL      0x08
#define SRIOV_INITIAL   0x0c
#define SRIOV_TOTAL     0x0e
#define SRIOV_NUM_VF    0x10
#define SRIOV_OFFSET    0x14
#define SRIOV_STRIDE    0x16
#define SRIOV_VF_DID    0x1a
#define SRIOV_BAR0      0x24
#define SRIOV_VFE       0x1
#define SRIOV_MSE       0x8
#define DMA_A           0x400000ULL
#define DMA_B           0x410000ULL
#define DMA_UNMAPPED    0x7f00000000ULL
#define MBS_BAD_CMD     1
#define MBS_DMA         2
#define MBS_FAULT       3
#define ABNORMAL_INT_MASK 0x100004
#define ABNORMAL_INT_SET 0x10000c
#define MSI_ADDR        0x5f0000ULL     /* MSI messages land in RAM here */
#define MSI_DATA        0x40
#define HACC_PF_BAR_SIZE_TEST 0x400000  /* PF BAR 2: 4 MiB */

typedef struct Hacc {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *pf;
    QPCIBar bar2;
    QPCIBar bar4;
    int total_vfs;
    QPCIDevice *vf[MAX_VFS];
    QPCIBar vfbar[MAX_VFS];
} Hacc;

/* A function: its PCI device and its QM register BAR */
typedef struct Fn {
    QPCIDevice *dev;
    QPCIBar bar;
} Fn;

static uint64_t ecam(int devfn, int off)
{
    return ECAM_BASE + ((uint64_t)devfn << 12) + off;
}

static int find_ext_cap(Hacc *h, int devfn, int id)
{
    int off = 0x100;

    while (off) {
        uint32_t hdr = qtest_readl(h->qts, ecam(devfn, off));

        if ((hdr & 0xffff) == id) {
            return off;
        }
        off = hdr >> 20;
    }
    return 0;
}

static void hacc_start(Hacc *h, int num_vfs, const char *extra)
{
    QPCIDevice *mch;

    memset(h, 0, sizeof(*h));
    h->qts = qtest_initf("-machine q35 -device hisi-acc-pf,id=hacc0,"
                         "addr=0x10.0,x-ctl-bar=on,num-vfs=%d%s", num_vfs,
                         extra);
    h->total_vfs = num_vfs;
    h->bus = qpci_new_pc(h->qts, NULL);
    mch = qpci_device_find(h->bus, 0);
    g_assert(mch);
    qpci_config_writel(mch, MCH_PCIEXBAR + 4, 0);
    qpci_config_writel(mch, MCH_PCIEXBAR, ECAM_BASE | 1);
    g_free(mch);

    h->pf = qpci_device_find(h->bus, PF_DEVFN);
    g_assert(h->pf);
    qpci_device_enable(h->pf);
    h->bar2 = qpci_iomap(h->pf, HACC_QM_BAR, NULL);
    h->bar4 = qpci_iomap(h->pf, HACC_CTL_BAR, NULL);
}

static void hacc_stop(Hacc *h)
{
    int i;

    for (i = 0; i < MAX_VFS; i++) {
        g_free(h->vf[i]);
    }
    g_free(h->pf);
    qpci_free_pc(h->bus);
    qtest_quit(h->qts);
}

static void hacc_enable_vfs(Hacc *h, int n)
{
    int cap = find_ext_cap(h, PF_DEVFN, 0x10);
    uint64_t base;
    int i;

    g_assert_cmpint(cap, !=, 0);
    base = QEMU_ALIGN_UP(h->bus->mmio_alloc_ptr, HACC_VF_BAR_SIZE);
    h->bus->mmio_alloc_ptr = base + h->total_vfs * HACC_VF_BAR_SIZE;
    qtest_writel(h->qts, ecam(PF_DEVFN, cap + SRIOV_BAR0 + 8), base);
    qtest_writel(h->qts, ecam(PF_DEVFN, cap + SRIOV_BAR0 + 12), 0);
    qtest_writew(h->qts, ecam(PF_DEVFN, cap + SRIOV_NUM_VF), n);
    qtest_writew(h->qts, ecam(PF_DEVFN, cap + SRIOV_CTRL),
                 SRIOV_VFE | SRIOV_MSE);
    for (i = 0; i < n; i++) {
        QPCIDevice *vf = g_new0(QPCIDevice, 1);

        vf->bus = h->bus;
        vf->devfn = PF_DEVFN + 1 + i;
        qpci_config_writew(vf, PCI_COMMAND,
                           PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
        h->vf[i] = vf;
        h->vfbar[i].addr = base + i * HACC_VF_BAR_SIZE;
        h->vfbar[i].is_io = false;
    }
}

static Fn pf_fn(Hacc *h)
{
    return (Fn) { h->pf, h->bar2 };
}

static Fn vf_fn(Hacc *h, int vf)
{
    g_assert(h->vf[vf - 1]);
    return (Fn) { h->vf[vf - 1], h->vfbar[vf - 1] };
}

static uint32_t rd(Fn f, uint64_t off)
{
    return qpci_io_readl(f.dev, f.bar, off);
}

static void wr(Fn f, uint64_t off, uint32_t val)
{
    qpci_io_writel(f.dev, f.bar, off, val);
}

static uint64_t ctl(Hacc *h, uint64_t off)
{
    return qpci_io_readq(h->pf, h->bar4, off);
}

static uint64_t cnt(Hacc *h, int fn, uint64_t off)
{
    return ctl(h, HACC_CTL_FN(fn) + off);
}

static uint32_t mb_word(uint8_t cmd, bool op_read, uint16_t queue)
{
    return cmd | (op_read ? HACC_MB_OP_READ : 0) | HACC_MB_BUSY |
           (uint32_t)queue << HACC_MB_QUEUE_SHIFT;
}

/* Sends one mailbox command as four dwords, returns its status. */
static unsigned int mb(Fn f, uint8_t cmd, bool op_read, uint16_t queue,
                       uint64_t base, uint64_t *out)
{
    uint32_t w0;

    g_assert_cmphex(rd(f, HACC_MB_BASE) & HACC_MB_BUSY, ==, 0);
    wr(f, HACC_MB_BASE, mb_word(cmd, op_read, queue));
    wr(f, HACC_MB_ADDR_L, (uint32_t)base);
    wr(f, HACC_MB_ADDR_H, base >> 32);
    wr(f, HACC_MB_RSVD, 0);
    w0 = rd(f, HACC_MB_BASE);
    g_assert_cmphex(w0 & HACC_MB_BUSY, ==, 0);
    g_assert_cmphex(w0 & HACC_MB_CMD_MASK, ==, cmd);
    if (out) {
        *out = rd(f, HACC_MB_ADDR_L) | (uint64_t)rd(f, HACC_MB_ADDR_H) << 32;
    }
    return (w0 & HACC_MB_STATUS_MASK) >> HACC_MB_STATUS_SHIFT;
}

static uint64_t vft_sqc(uint32_t base, uint32_t num)
{
    return (uint64_t)base << HACC_VFT_SQC_BASE_SHIFT | HACC_VFT_SQC_VALID |
           (uint64_t)(num - 1) << HACC_VFT_SQC_NUM_SHIFT;
}

static void vft_op(Hacc *h, bool read, uint32_t type, uint32_t fn,
                   uint64_t *data)
{
    Fn f = pf_fn(h);

    g_assert_cmphex(rd(f, HACC_PF_VFT_RDY) & 1, ==, 1);
    wr(f, HACC_PF_VFT_OP_WR, read);
    wr(f, HACC_PF_VFT_TYPE, type);
    wr(f, HACC_PF_VFT_CFG, fn);
    if (!read) {
        wr(f, HACC_PF_VFT_DATA_L, (uint32_t)*data);
        wr(f, HACC_PF_VFT_DATA_H, *data >> 32);
    }
    wr(f, HACC_PF_VFT_RDY, 0);
    wr(f, HACC_PF_VFT_OP_ENABLE, 1);
    g_assert_cmphex(rd(f, HACC_PF_VFT_RDY) & 1, ==, 1);
    if (read) {
        *data = rd(f, HACC_PF_VFT_DATA_L) |
                (uint64_t)rd(f, HACC_PF_VFT_DATA_H) << 32;
    }
}

static QDict *qom(Hacc *h, const char *cmd, const char *prop, int64_t val)
{
    QDict *resp;

    if (!strcmp(cmd, "qom-get")) {
        resp = qtest_qmp(h->qts, "{'execute': 'qom-get', 'arguments': "
                         "{'path': '/machine/peripheral/hacc0', "
                         "'property': %s}}", prop);
    } else {
        resp = qtest_qmp(h->qts, "{'execute': 'qom-set', 'arguments': "
                         "{'path': '/machine/peripheral/hacc0', "
                         "'property': %s, 'value': %" PRId64 "}}",
                         prop, val);
    }
    g_assert(qdict_haskey(resp, "return"));
    return resp;
}

static void qom_set(Hacc *h, const char *prop, int64_t val)
{
    qobject_unref(qom(h, "qom-set", prop, val));
}

static uint64_t qom_get_u64(Hacc *h, const char *prop)
{
    QDict *resp = qom(h, "qom-get", prop, 0);
    uint64_t v = qnum_get_uint(qobject_to(QNum, qdict_get(resp, "return")));

    qobject_unref(resp);
    return v;
}

/* ---- tests ---- */

/*
 * BAR 4 is a model-only control window: present with x-ctl-bar=on only.
 * Without it the BAR does not size, BAR 2 is unchanged and the host's
 * QOM controls still work.
 */
static void test_ctl_bar_opt_in(void)
{
    static const char *const opt[] = { "", ",x-ctl-bar=on" };
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *pf;
    QDict *resp;
    int i;

    for (i = 0; i < 2; i++) {
        qts = qtest_initf("-machine q35 -device hisi-acc-pf,id=hacc0,"
                          "addr=0x10.0,num-vfs=1%s", opt[i]);
        bus = qpci_new_pc(qts, NULL);
        pf = qpci_device_find(bus, PF_DEVFN);
        g_assert(pf);
        qpci_config_writel(pf, PCI_BASE_ADDRESS_4, 0xffffffff);
        g_assert_cmphex(qpci_config_readl(pf, PCI_BASE_ADDRESS_4), ==,
                        i ? (uint32_t)-HACC_CTL_SIZE |
                            PCI_BASE_ADDRESS_MEM_TYPE_64 : 0);
        qpci_config_writel(pf, PCI_BASE_ADDRESS_2, 0xffffffff);
        g_assert_cmphex(qpci_config_readl(pf, PCI_BASE_ADDRESS_2) & ~0xfu,
                        ==, (uint32_t)-HACC_PF_BAR_SIZE_TEST);
        resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                         "{'path': '/machine/peripheral/hacc0', "
                         "'property': 'x-num-funcs'}}");
        g_assert_cmpint(qdict_get_int(resp, "return"), ==, 2);
        qobject_unref(resp);
        g_free(pf);
        qpci_free_pc(bus);
        qtest_quit(qts);
    }
}

static void test_identity(void)
{
    Hacc h;
    Fn pf;
    int cap;

    hacc_start(&h, 8, "");
    pf = pf_fn(&h);
    g_assert_cmphex(qpci_config_readw(h.pf, PCI_VENDOR_ID), ==,
                    HACC_VENDOR_HUAWEI);
    g_assert_cmphex(qpci_config_readw(h.pf, PCI_DEVICE_ID), ==,
                    HACC_DEVID_ZIP_PF);
    g_assert_cmphex(qpci_config_readb(h.pf, PCI_REVISION_ID), ==,
                    HACC_QM_REV_V3);
    g_assert_cmpint(qpci_find_capability(h.pf, PCI_CAP_ID_MSI, 0), !=, 0);
    g_assert_cmpint(qpci_find_capability(h.pf, PCI_CAP_ID_MSIX, 0), ==, 0);

    cap = find_ext_cap(&h, PF_DEVFN, 0x10);
    g_assert_cmpint(cap, !=, 0);
    g_assert_cmpint(find_ext_cap(&h, PF_DEVFN, 0x0e), !=, 0);   /* ARI */
    g_assert_cmpint(qtest_readw(h.qts, ecam(PF_DEVFN, cap + SRIOV_TOTAL)),
                    ==, 8);
    g_assert_cmpint(qtest_readw(h.qts,
                                ecam(PF_DEVFN, cap + SRIOV_INITIAL)), ==, 8);
    g_assert_cmpint(qtest_readw(h.qts, ecam(PF_DEVFN, cap + SRIOV_OFFSET)),
                    ==, 1);
    g_assert_cmpint(qtest_readw(h.qts, ecam(PF_DEVFN, cap + SRIOV_STRIDE)),
                    ==, 1);
    g_assert_cmphex(qtest_readw(h.qts, ecam(PF_DEVFN, cap + SRIOV_VF_DID)),
                    ==, HACC_DEVID_ZIP_VF);

    /* capability profile and probe-gating registers */
    g_assert_cmphex(rd(pf, 0x3100), ==, 1);
    g_assert_cmphex(rd(pf, 0x3110), ==, 0x00010001);  /* AEQ: vector 1 */
    g_assert_cmphex(rd(pf, 0x3114), ==, 0x00010003);  /* abnormal: 3 */
    g_assert_cmphex(rd(pf, 0x311c), ==, 0x00040002);  /* PF 4, VF 2 */
    /* ZIP algorithm bitmap: none unless x-zip-algs says so */
    g_assert_cmphex(rd(pf, 0x3144), ==, 0);
    g_assert_cmphex(rd(pf, 0x100158) & 0x7ff, ==, 1024);
    g_assert_cmphex(rd(pf, HACC_QUE_ISO_CFG), ==, 0);
    g_assert_cmphex(rd(pf, HACC_PF_ABNORMAL_INT_STATUS), ==, 0);
    g_assert_cmphex(rd(pf, HACC_PF_ZIP_CORE_INT_STATUS), ==, 0);
    wr(pf, 0x100040, 1);
    g_assert_cmphex(rd(pf, 0x100044) & 1, ==, 1);
    wr(pf, 0x3104, 0xdead);     /* read-only */
    g_assert_cmphex(rd(pf, 0x3104), ==, 0x04000800);

    /* control window */
    g_assert_cmphex(ctl(&h, HACC_CTL_MAGIC), ==, HACC_CTL_MAGIC_VALUE);
    g_assert_cmpuint(ctl(&h, HACC_CTL_VERSION), ==, 5);
    g_assert_cmpuint(ctl(&h, HACC_CTL_NUM_FUNCS), ==, 9);
    g_assert_cmpuint(qom_get_u64(&h, "x-num-funcs"), ==, 9);
    hacc_stop(&h);
}

static void test_alg_sec(void)
{
    Hacc h;
    int cap;

    hacc_start(&h, 2, ",alg=sec");
    g_assert_cmphex(qpci_config_readw(h.pf, PCI_DEVICE_ID), ==,
                    HACC_DEVID_SEC_PF);
    cap = find_ext_cap(&h, PF_DEVFN, 0x10);
    g_assert_cmphex(qtest_readw(h.qts, ecam(PF_DEVFN, cap + SRIOV_VF_DID)),
                    ==, HACC_DEVID_SEC_VF);
    g_assert_cmphex(rd(pf_fn(&h), HACC_PF_SEC_CORE_INT_STATUS), ==, 0);
    hacc_stop(&h);
}

static void test_mailbox_protocol(void)
{
    Hacc h;
    Fn pf;
    uint64_t out;

    hacc_start(&h, 2, "");
    pf = pf_fn(&h);
    g_assert_cmphex(rd(pf, HACC_MB_BASE) & HACC_MB_BUSY, ==, 0);

    /* set, then read back the SQC base table address (op 0 / op 1) */
    g_assert_cmpuint(mb(pf, HACC_MB_CMD_SQC_BT, false, 0,
                        0x123456789abc0000ULL, NULL), ==, 0);
    g_assert_cmpuint(mb(pf, HACC_MB_CMD_CQC_BT, false, 0,
                        0x0000000fedc00000ULL, NULL), ==, 0);
    g_assert_cmpuint(mb(pf, HACC_MB_CMD_SQC_BT, true, 0, 0, &out), ==, 0);
    g_assert_cmphex(out, ==, 0x123456789abc0000ULL);
    g_assert_cmpuint(mb(pf, HACC_MB_CMD_CQC_BT, true, 0, 0, &out), ==, 0);
    g_assert_cmphex(out, ==, 0x0000000fedc00000ULL);

    /* nothing runs until the dword at 0x30c is written */
    wr(pf, HACC_MB_BASE, mb_word(HACC_MB_CMD_SQC_BT, false, 0));
    wr(pf, HACC_MB_ADDR_L, 0x1000);
    wr(pf, HACC_MB_ADDR_H, 0);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_MB_TOTAL), ==, 4);
    g_assert_cmpuint(mb(pf, HACC_MB_CMD_SQC_BT, true, 0, 0, &out), ==, 0);
    g_assert_cmphex(out, ==, 0x123456789abc0000ULL);

    /* the same mailbox as two 64-bit writes */
    qpci_io_writeq(pf.dev, pf.bar, HACC_MB_BASE,
                   mb_word(HACC_MB_CMD_SQC_BT, false, 7) |
                   (uint64_t)0x2000 << 32);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_MB_TOTAL), ==, 5);
    qpci_io_writeq(pf.dev, pf.bar, HACC_MB_ADDR_H, 0x5);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_MB_TOTAL), ==, 6);
    g_assert_cmphex(rd(pf, HACC_MB_BASE) >> HACC_MB_QUEUE_SHIFT, ==, 7);
    g_assert_cmpuint(mb(pf, HACC_MB_CMD_SQC_BT, true, 0, 0, &out), ==, 0);
    g_assert_cmphex(out, ==, 0x0000000500002000ULL);

    /* counters by command */
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_MB_CMD(HACC_MB_CMD_SQC_BT)), ==, 5);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_MB_CMD(HACC_MB_CMD_CQC_BT)), ==, 2);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_MB_ERRORS), ==, 0);

    /* acknowledged commands */
    g_assert_cmpuint(mb(pf, HACC_MB_CMD_STOP_QP, false, 3, 0, NULL), ==, 0);
    g_assert_cmpuint(mb(pf, HACC_MB_CMD_FLUSH_QM, false, 0, 0, NULL), ==, 0);
    g_assert_cmpuint(mb(pf, HACC_MB_CMD_PAUSE_QM, false, 0, 0, NULL), ==, 0);
    hacc_stop(&h);
}

static void test_vft(void)
{
    Hacc h;
    uint64_t e, out;
    int i;

    hacc_start(&h, 4, "");
    hacc_enable_vfs(&h, 4);

    /* what `echo 2 > sriov_numvfs` with pf_q_num=64 programs */
    for (i = 0; i <= 4; i++) {
        uint32_t base = i ? 64 + (i - 1) * 240 : 0;
        uint32_t num = i ? 240 : 64;

        e = vft_sqc(base, num);
        vft_op(&h, false, HACC_VFT_TYPE_SQC, i, &e);
        e = 1ULL << 28;
        vft_op(&h, false, HACC_VFT_TYPE_CQC, i, &e);
    }
    for (i = 0; i <= 4; i++) {
        uint64_t want = vft_sqc(i ? 64 + (i - 1) * 240 : 0, i ? 240 : 64);

        vft_op(&h, true, HACC_VFT_TYPE_SQC, i, &e);
        g_assert_cmphex(e, ==, want);
        vft_op(&h, true, HACC_VFT_TYPE_CQC, i, &e);
        g_assert_cmphex(e, ==, 1ULL << 28);
        /* each function sees exactly its own entry */
        g_assert_cmpuint(mb(i ? vf_fn(&h, i) : pf_fn(&h),
                            HACC_MB_CMD_SQC_VFT_V2, true, 0, 0, &out),
                         ==, 0);
        g_assert_cmphex(out, ==, want);
    }

    /* clearing an entry */
    e = 0;
    vft_op(&h, false, HACC_VFT_TYPE_SQC, 3, &e);
    g_assert_cmpuint(mb(vf_fn(&h, 3), HACC_MB_CMD_SQC_VFT_V2, true, 0, 0,
                        &out), ==, 0);
    g_assert_cmphex(out, ==, 0);

    /* function beyond num-vfs: ignored, qm_sq_cq_vf_invalid latched */
    g_assert_cmphex(rd(pf_fn(&h), 0x100000), ==, 0);
    e = vft_sqc(1000, 4);
    vft_op(&h, false, HACC_VFT_TYPE_SQC, 5, &e);
    g_assert_cmphex(rd(pf_fn(&h), 0x100000) & (1 << 7), ==, 1 << 7);
    vft_op(&h, true, HACC_VFT_TYPE_SQC, 5, &e);
    wr(pf_fn(&h), 0x100000, 1 << 7);
    g_assert_cmphex(rd(pf_fn(&h), 0x100000), ==, 0);
    /* unknown type; the status shows the source unless masked */
    vft_op(&h, false, 3, 1, &e);
    g_assert_cmphex(rd(pf_fn(&h), 0x100000) & (1 << 7), ==, 1 << 7);
    g_assert_cmphex(rd(pf_fn(&h), HACC_PF_ABNORMAL_INT_STATUS), ==, 1 << 7);
    wr(pf_fn(&h), ABNORMAL_INT_MASK, 1 << 7);
    g_assert_cmphex(rd(pf_fn(&h), HACC_PF_ABNORMAL_INT_STATUS), ==, 0);
    g_assert_cmphex(rd(pf_fn(&h), 0x100000), ==, 1 << 7);
    wr(pf_fn(&h), ABNORMAL_INT_MASK, 0);
    g_assert_cmphex(rd(pf_fn(&h), HACC_PF_ABNORMAL_INT_STATUS), ==, 1 << 7);
    wr(pf_fn(&h), HACC_PF_ABNORMAL_INT_STATUS, 1 << 7);     /* read-only */
    g_assert_cmphex(rd(pf_fn(&h), HACC_PF_ABNORMAL_INT_STATUS), ==, 1 << 7);
    wr(pf_fn(&h), 0x100000, 1 << 7);
    g_assert_cmphex(rd(pf_fn(&h), HACC_PF_ABNORMAL_INT_STATUS), ==, 0);
    g_assert_cmpuint(mb(vf_fn(&h, 1), HACC_MB_CMD_SQC_VFT_V2, true, 0, 0,
                        &out), ==, 0);
    g_assert_cmphex(out, ==, vft_sqc(64, 240));
    hacc_stop(&h);
}

static void check_xqc_dma(Hacc *h, Fn f, int fn)
{
    uint32_t ctx[HACC_XQC_DWORDS], back[HACC_XQC_DWORDS];
    uint8_t buf[HACC_XQC_DWORDS * 4];
    uint64_t reads = cnt(h, fn, HACC_CTL_DMA_READS);
    int i, q;

    for (q = 0; q < 2; q++) {
        uint8_t cmd = q ? HACC_MB_CMD_AEQC : HACC_MB_CMD_EQC;
        uint64_t dw0 = q ? HACC_VF_AEQC_DW0 : HACC_VF_EQC_DW0;

        for (i = 0; i < HACC_XQC_DWORDS; i++) {
            ctx[i] = 0x11110000 * (fn + 1) + (q << 8) + i;
            stl_le_p(buf + 4 * i, ctx[i]);
        }
        qtest_memwrite(h->qts, DMA_A, buf, sizeof(buf));
        g_assert_cmpuint(mb(f, cmd, false, 0, DMA_A, NULL), ==, 0);
        for (i = 0; i < HACC_XQC_DWORDS; i++) {
            g_assert_cmphex(rd(f, dw0 + 4 * i), ==, ctx[i]);
        }
        /* op 1 writes the context back to memory */
        memset(buf, 0xee, sizeof(buf));
        qtest_memwrite(h->qts, DMA_B, buf, sizeof(buf));
        g_assert_cmpuint(mb(f, cmd, true, 0, DMA_B, NULL), ==, 0);
        qtest_memread(h->qts, DMA_B, buf, sizeof(buf));
        for (i = 0; i < HACC_XQC_DWORDS; i++) {
            back[i] = ldl_le_p(buf + 4 * i);
        }
        g_assert_cmpmem(back, sizeof(back), ctx, sizeof(ctx));
    }
    g_assert_cmpuint(cnt(h, fn, HACC_CTL_DMA_READS), ==, reads + 2);
    g_assert_cmpuint(cnt(h, fn, HACC_CTL_DMA_WRITES), >=, 2);
}

static void test_xqc_dma(void)
{
    Hacc h;
    uint32_t before;

    hacc_start(&h, 2, "");
    hacc_enable_vfs(&h, 2);
    check_xqc_dma(&h, pf_fn(&h), 0);
    check_xqc_dma(&h, vf_fn(&h, 2), 2);
    /* the EQ doorbell moves the consumer head in EQC DW0[15:0] */
    qpci_io_writeq(h.vf[1], h.vfbar[1], HACC_DB_EQ_AEQ,
                   (uint64_t)HACC_DB_CMD_EQ << HACC_DB_CMD_SHIFT |
                   (uint64_t)0x1234 << HACC_DB_INDEX_SHIFT);
    g_assert_cmphex(rd(vf_fn(&h, 2), HACC_VF_EQC_DW0) & 0xffff, ==, 0x1234);

    /* DMA to nowhere: error status, context unchanged */
    before = rd(vf_fn(&h, 2), HACC_VF_EQC_DW0 + 4);
    g_assert_cmpuint(mb(vf_fn(&h, 2), HACC_MB_CMD_EQC, false, 0,
                        DMA_UNMAPPED, NULL), ==, MBS_DMA);
    g_assert_cmphex(rd(vf_fn(&h, 2), HACC_VF_EQC_DW0 + 4), ==, before);
    g_assert_cmpuint(cnt(&h, 2, HACC_CTL_MB_ERRORS), ==, 1);

    /* without bus mastering the function cannot reach memory */
    qpci_config_writew(h.vf[0], PCI_COMMAND, PCI_COMMAND_MEMORY);
    g_assert_cmpuint(mb(vf_fn(&h, 1), HACC_MB_CMD_AEQC, false, 0, DMA_A,
                        NULL), ==, MBS_DMA);
    hacc_stop(&h);
}

static void vf_flr(Hacc *h, int vf)
{
    QPCIDevice *d = h->vf[vf - 1];
    uint8_t exp = qpci_find_capability(d, PCI_CAP_ID_EXP, 0);
    uint16_t devctl;

    g_assert_cmpint(exp, !=, 0);
    g_assert_cmphex(qpci_config_readl(d, exp + PCI_EXP_DEVCAP) &
                    PCI_EXP_DEVCAP_FLR, ==, PCI_EXP_DEVCAP_FLR);
    devctl = qpci_config_readw(d, exp + PCI_EXP_DEVCTL);
    qpci_config_writew(d, exp + PCI_EXP_DEVCTL,
                       devctl | PCI_EXP_DEVCTL_BCR_FLR);
    /* like the OS, restore the command register the reset cleared */
    g_assert_cmphex(qpci_config_readw(d, PCI_COMMAND), ==, 0);
    qpci_config_writew(d, PCI_COMMAND,
                       PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static void set_state(Hacc *h, int vf, uint32_t seed)
{
    Fn f = vf_fn(h, vf);
    uint8_t buf[HACC_XQC_DWORDS * 4];
    int i;

    for (i = 0; i < HACC_XQC_DWORDS; i++) {
        stl_le_p(buf + 4 * i, seed + i);
    }
    qtest_memwrite(h->qts, DMA_A, buf, sizeof(buf));
    g_assert_cmpuint(mb(f, HACC_MB_CMD_EQC, false, 0, DMA_A, NULL), ==, 0);
    g_assert_cmpuint(mb(f, HACC_MB_CMD_SQC_BT, false, 0, seed << 12, NULL),
                     ==, 0);
    wr(f, HACC_AEQ_INT_MASK, 1);
    wr(f, HACC_PAGE_SIZE, seed);
    wr(f, HACC_IFC_INT_MASK, 1);
    wr(f, HACC_VF_STATE, HACC_VF_STATE_NOT_READY);
}

static void check_state(Hacc *h, int vf, uint32_t seed)
{
    Fn f = vf_fn(h, vf);
    uint64_t out;

    g_assert_cmphex(rd(f, HACC_VF_EQC_DW0), ==, seed);
    g_assert_cmphex(rd(f, HACC_VF_EQC_DW0 + 24), ==, seed ? seed + 6 : 0);
    g_assert_cmpuint(mb(f, HACC_MB_CMD_SQC_BT, true, 0, 0, &out), ==, 0);
    g_assert_cmphex(out, ==, (uint64_t)seed << 12);
    g_assert_cmphex(rd(f, HACC_AEQ_INT_MASK), ==, seed ? 1 : 0);
    g_assert_cmphex(rd(f, HACC_PAGE_SIZE), ==, seed);
    g_assert_cmphex(rd(f, HACC_VF_STATE), ==,
                    seed ? HACC_VF_STATE_NOT_READY : 0);
}

static void test_flr_scope(void)
{
    Hacc h;
    uint64_t e = vft_sqc(64, 480), out;

    hacc_start(&h, 2, "");
    hacc_enable_vfs(&h, 2);
    vft_op(&h, false, HACC_VFT_TYPE_SQC, 1, &e);
    e = vft_sqc(544, 480);
    vft_op(&h, false, HACC_VFT_TYPE_SQC, 2, &e);
    set_state(&h, 1, 0x100);
    set_state(&h, 2, 0x200);
    check_state(&h, 1, 0x100);

    vf_flr(&h, 1);
    check_state(&h, 1, 0);
    check_state(&h, 2, 0x200);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_FLRS), ==, 1);
    g_assert_cmpuint(cnt(&h, 2, HACC_CTL_FLRS), ==, 0);
    /* the VFT lives in the PF and survives the VF's reset */
    g_assert_cmpuint(mb(vf_fn(&h, 1), HACC_MB_CMD_SQC_VFT_V2, true, 0, 0,
                        &out), ==, 0);
    g_assert_cmphex(out, ==, vft_sqc(64, 480));
    vft_op(&h, true, HACC_VFT_TYPE_SQC, 2, &e);
    g_assert_cmphex(e, ==, vft_sqc(544, 480));
    /* and the PF keeps its own registers */
    g_assert_cmphex(rd(pf_fn(&h), 0x100000), ==, 0);
    g_assert_cmphex(qpci_config_readw(h.pf, PCI_VENDOR_ID), ==,
                    HACC_VENDOR_HUAWEI);
    hacc_stop(&h);
}

static void test_garbage(void)
{
    Hacc h;
    uint64_t out;
    uint32_t seed = 0x12345678;
    uint64_t dma;
    int i;
    QDict *resp;

    hacc_start(&h, 2, "");
    hacc_enable_vfs(&h, 2);

    /* unknown commands and a read-only command with op 0 */
    g_assert_cmpuint(mb(pf_fn(&h), 0x7, false, 0, 0, NULL), ==, MBS_BAD_CMD);
    g_assert_cmpuint(mb(pf_fn(&h), 0xff, true, 0xffff, ~0ULL, &out), ==,
                     MBS_BAD_CMD);
    g_assert_cmpuint(mb(vf_fn(&h, 1), HACC_MB_CMD_SQC_VFT_V2, false, 0, 0,
                        NULL), ==, MBS_BAD_CMD);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_MB_ERRORS), ==, 2);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_MB_ERRORS), ==, 1);
    /* the mailbox still works afterwards */
    g_assert_cmpuint(mb(pf_fn(&h), HACC_MB_CMD_SQC_BT, false, 0, 0x5000,
                        NULL), ==, 0);

    /* bad doorbell, odd access sizes, random writes everywhere */
    qpci_io_writeq(h.pf, h.bar2, HACC_DB_EQ_AEQ, 0xf << HACC_DB_CMD_SHIFT);
    qpci_io_writeb(h.pf, h.bar2, HACC_MB_RSVD, 0xff);
    qpci_io_readw(h.pf, h.bar2, HACC_MB_BASE + 1);
    for (i = 0; i < 4000; i++) {
        uint32_t off, val;

        seed = seed * 1103515245 + 12345;
        off = (seed >> 4) & (HACC_VF_BAR_SIZE - 4);
        seed = seed * 1103515245 + 12345;
        val = seed;
        if (i & 1) {
            wr(vf_fn(&h, 1 + (i & 2) / 2), off, val);
        } else {
            wr(pf_fn(&h), off | ((i & 4) ? 0x100000 : 0), val);
        }
    }
    qpci_io_writeq(h.pf, h.bar4, 0x8000, ~0ULL);     /* unused ctl space */
    qpci_io_writeq(h.pf, h.bar4, HACC_CTL_MAGIC, 0);
    g_assert_cmphex(ctl(&h, HACC_CTL_MAGIC), ==, HACC_CTL_MAGIC_VALUE);

    /* DMA aimed at device registers: its own BAR, the PF's, config space */
    g_assert_cmpuint(mb(vf_fn(&h, 1), HACC_MB_CMD_EQC, true, 0,
                        h.vfbar[0].addr + HACC_MB_BASE, NULL), ==, MBS_DMA);
    mb(vf_fn(&h, 1), HACC_MB_CMD_AEQC, true, 0,
       h.bar2.addr + HACC_MB_BASE, NULL);
    /* this one may rewrite the SR-IOV control of the PF, VF 2 included */
    dma = ecam(PF_DEVFN, find_ext_cap(&h, PF_DEVFN, 0x10));
    wr(vf_fn(&h, 2), HACC_MB_BASE, mb_word(HACC_MB_CMD_EQC, true, 0));
    wr(vf_fn(&h, 2), HACC_MB_ADDR_L, (uint32_t)dma);
    wr(vf_fn(&h, 2), HACC_MB_ADDR_H, dma >> 32);
    wr(vf_fn(&h, 2), HACC_MB_RSVD, 0);

    resp = qtest_qmp(h.qts, "{'execute': 'query-status'}");
    g_assert(qdict_haskey(resp, "return"));
    qobject_unref(resp);
    hacc_stop(&h);
}

/*
 * Byte and halfword accesses to BAR2 (an arm64 memcpy into a mapping of the
 * BAR, FEAT_MOPS, issues them): they complete without a bus error; a read
 * returns the bytes of the register that holds them, a write is dropped.
 */
static void test_narrow_access(void)
{
    Hacc h;
    Fn vf;

    hacc_start(&h, 1, "");
    hacc_enable_vfs(&h, 1);
    vf = vf_fn(&h, 1);
    wr(vf, HACC_EQ_INT_MASK, 1);
    g_assert_cmphex(qpci_io_readb(vf.dev, vf.bar, HACC_EQ_INT_MASK), ==, 1);
    g_assert_cmphex(qpci_io_readb(vf.dev, vf.bar, HACC_EQ_INT_MASK + 1), ==, 0);
    g_assert_cmphex(qpci_io_readw(vf.dev, vf.bar, HACC_EQ_INT_MASK), ==, 1);
    g_assert_cmphex(qpci_io_readw(vf.dev, vf.bar, HACC_EQ_INT_MASK + 2), ==, 0);
    qpci_io_writeb(vf.dev, vf.bar, HACC_EQ_INT_MASK, 0);
    qpci_io_writew(vf.dev, vf.bar, HACC_EQ_INT_MASK, 0);
    g_assert_cmphex(rd(vf, HACC_EQ_INT_MASK), ==, 1);
    /* a word write still goes through */
    wr(vf, HACC_EQ_INT_MASK, 0);
    g_assert_cmphex(rd(vf, HACC_EQ_INT_MASK), ==, 0);
    hacc_stop(&h);
}

/*
 * x-mb-128=on: a mailbox command counts only as one 128-bit store (two
 * 8-byte writes, +0 then +8); dwords, a lone high half or the halves in
 * the wrong order are dropped and counted.  Off, dwords work (x86).
 */
static void test_mb_128(void)
{
    uint64_t lo = mb_word(HACC_MB_CMD_SQC_BT, false, 0) |
                  (uint64_t)0x5000 << 32;
    Hacc h;
    Fn vf;

    hacc_start(&h, 1, ",x-mb-128=on");
    hacc_enable_vfs(&h, 1);
    vf = vf_fn(&h, 1);
    g_assert_cmpuint(ctl(&h, HACC_CTL_MB_128), ==, 1);

    /* four dwords: refused, nothing runs */
    wr(vf, HACC_MB_BASE, mb_word(HACC_MB_CMD_SQC_BT, false, 0));
    wr(vf, HACC_MB_ADDR_L, 0x5000);
    wr(vf, HACC_MB_ADDR_H, 0);
    wr(vf, HACC_MB_RSVD, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_MB_FORM_ERRORS), ==, 4);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_MB_TOTAL), ==, 0);
    /* a lone high half */
    qpci_io_writeq(vf.dev, vf.bar, HACC_MB_BASE + 8, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_MB_TOTAL), ==, 0);
    /* the low half; another register written meanwhile does not count */
    qpci_io_writeq(vf.dev, vf.bar, HACC_MB_BASE, lo);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_MB_TOTAL), ==, 0);
    wr(vf, HACC_EQ_INT_MASK, 1);
    qpci_io_writeq(vf.dev, vf.bar, HACC_MB_BASE + 8, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_MB_FORM_ERRORS), ==, 5);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_MB_TOTAL), ==, 1);
    /* the stp form again: runs */
    qpci_io_writeq(vf.dev, vf.bar, HACC_MB_BASE, lo);
    qpci_io_writeq(vf.dev, vf.bar, HACC_MB_BASE + 8, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_MB_TOTAL), ==, 2);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_MB_FORM_ERRORS), ==, 5);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_MB_FORM_ERRORS), ==, 0);
    hacc_stop(&h);

    /* off: dwords run, nothing is counted */
    hacc_start(&h, 1, "");
    hacc_enable_vfs(&h, 1);
    g_assert_cmpuint(ctl(&h, HACC_CTL_MB_128), ==, 0);
    g_assert_cmpuint(mb(vf_fn(&h, 1), HACC_MB_CMD_SQC_BT, false, 0, 0x5000,
                        NULL), ==, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_MB_FORM_ERRORS), ==, 0);
    hacc_stop(&h);
}

/* x-aeq-irq=off: one MSI vector, and the capability words say so */
static void test_aeq_irq_off(void)
{
    Hacc h;

    hacc_start(&h, 1, "");
    hacc_enable_vfs(&h, 1);
    g_assert_cmphex(rd(vf_fn(&h, 1), 0x311c), ==, 0x00040002);
    g_assert_cmphex(rd(vf_fn(&h, 1), 0x3110), ==, 0x00010001);
    g_assert_cmphex(rd(vf_fn(&h, 1), 0x3114), ==, 0);
    hacc_stop(&h);

    hacc_start(&h, 1, ",x-aeq-irq=off");
    hacc_enable_vfs(&h, 1);
    g_assert_cmphex(rd(pf_fn(&h), 0x311c), ==, 0x00010001);
    g_assert_cmphex(rd(vf_fn(&h, 1), 0x311c), ==, 0x00010001);
    g_assert_cmphex(rd(vf_fn(&h, 1), 0x3110), ==, 0);
    g_assert_cmphex(rd(pf_fn(&h), 0x3114), ==, 0);
    g_assert_cmphex(rd(vf_fn(&h, 1), 0x310c), ==, 0x00010000);
    hacc_stop(&h);
}

static void test_faults(void)
{
    Hacc h;
    Fn pf, vf1;
    QDict *resp;
    QList *list;
    uint64_t total;

    hacc_start(&h, 2, "");
    hacc_enable_vfs(&h, 2);
    pf = pf_fn(&h);
    vf1 = vf_fn(&h, 1);

    /* busy never clears: the command is not executed */
    qpci_io_writeq(h.pf, h.bar4, HACC_CTL_FAULT_MB_BUSY, 1 << 1);
    g_assert_cmphex(rd(vf1, HACC_MB_BASE) & HACC_MB_BUSY, ==, HACC_MB_BUSY);
    g_assert_cmphex(rd(pf, HACC_MB_BASE) & HACC_MB_BUSY, ==, 0);
    wr(vf1, HACC_MB_BASE, mb_word(HACC_MB_CMD_SQC_BT, false, 0));
    wr(vf1, HACC_MB_RSVD, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_MB_TOTAL), ==, 0);
    qpci_io_writeq(h.pf, h.bar4, HACC_CTL_FAULT_MB_BUSY, 0);
    g_assert_cmphex(rd(vf1, HACC_MB_BASE) & HACC_MB_BUSY, ==, 0);

    /* error status, set through a 32-bit write of the upper half too */
    qpci_io_writel(h.pf, h.bar4, HACC_CTL_FAULT_MB_ERROR, 1);
    g_assert_cmpuint(mb(pf, HACC_MB_CMD_SQC_BT, false, 0, 0, NULL), ==,
                     MBS_FAULT);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_MB_ERRORS), ==, 1);
    qpci_io_writel(h.pf, h.bar4, HACC_CTL_FAULT_MB_ERROR + 4, 1);
    g_assert_cmphex(ctl(&h, HACC_CTL_FAULT_MB_ERROR), ==, 1ULL << 32 | 1);
    qpci_io_writeq(h.pf, h.bar4, HACC_CTL_FAULT_MB_ERROR, 0);
    g_assert_cmpuint(mb(pf, HACC_MB_CMD_SQC_BT, false, 0, 0, NULL), ==, 0);

    /* cache write-back, VF_STATE, abnormal status */
    wr(vf1, HACC_CACHE_WB_START, 1);
    wr(vf_fn(&h, 2), HACC_CACHE_WB_START, 1);
    g_assert_cmphex(rd(vf1, HACC_CACHE_WB_DONE) & 1, ==, 1);
    qpci_io_writeq(h.pf, h.bar4, HACC_CTL_FAULT_CACHE_WB, 1 << 1);
    wr(vf1, HACC_CACHE_WB_START, 1);
    g_assert_cmphex(rd(vf1, HACC_CACHE_WB_DONE) & 1, ==, 0);
    g_assert_cmphex(rd(vf_fn(&h, 2), HACC_CACHE_WB_DONE) & 1, ==, 1);
    g_assert_cmphex(rd(vf1, HACC_VF_STATE), ==, 0);
    qpci_io_writeq(h.pf, h.bar4, HACC_CTL_FAULT_VF_STATE, 1 << 1);
    g_assert_cmphex(rd(vf1, HACC_VF_STATE) & 1, ==, 1);
    qpci_io_writeq(h.pf, h.bar4, HACC_CTL_FAULT_ABNORMAL, 1);
    g_assert_cmphex(rd(pf, HACC_PF_ABNORMAL_INT_STATUS), !=, 0);

    /* the same state over QMP, both directions */
    g_assert_cmpuint(qom_get_u64(&h, "x-fault-vf-state"), ==, 1 << 1);
    qom_set(&h, "x-fault-vf-state", 0);
    qom_set(&h, "x-fault-abnormal", 0);
    g_assert_cmphex(rd(vf1, HACC_VF_STATE), ==, 0);
    g_assert_cmphex(rd(pf, HACC_PF_ABNORMAL_INT_STATUS), ==, 0);
    qom_set(&h, "x-fault-mb-error", 1 << 2);
    g_assert_cmphex(ctl(&h, HACC_CTL_FAULT_MB_ERROR), ==, 1 << 2);
    g_assert_cmpuint(mb(vf_fn(&h, 2), HACC_MB_CMD_PAUSE_QM, false, 0, 0,
                        NULL), ==, MBS_FAULT);

    /* counters: QMP list == BAR4 block; reset over QMP and BAR4 */
    total = cnt(&h, 0, HACC_CTL_MB_TOTAL);
    g_assert_cmpuint(total, ==, 2);
    resp = qom(&h, "qom-get", "x-counters", 0);
    list = qdict_get_qlist(resp, "return");
    g_assert_cmpuint(qlist_size(list), ==, 3 * HACC_CTL_FN_STRIDE / 8);
    g_assert_cmpuint(qnum_get_uint(qobject_to(QNum,
                     qlist_peek(list))), ==, cnt(&h, 0, HACC_CTL_MMIO_READS));
    qobject_unref(resp);
    qom_set(&h, "x-counters-reset", 1);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_MB_TOTAL), ==, 0);
    g_assert_cmpuint(cnt(&h, 2, HACC_CTL_MB_TOTAL), ==, 1);
    qpci_io_writeq(h.pf, h.bar4, HACC_CTL_COUNTERS_RESET, ~0ULL);
    g_assert_cmpuint(cnt(&h, 2, HACC_CTL_MB_TOTAL), ==, 0);
    hacc_stop(&h);
}

static void test_counters(void)
{
    Hacc h;
    int i;

    hacc_start(&h, 3, "");
    hacc_enable_vfs(&h, 3);
    qpci_io_writeq(h.pf, h.bar4, HACC_CTL_COUNTERS_RESET, ~0ULL);
    for (i = 0; i < 7; i++) {
        rd(vf_fn(&h, 3), HACC_PAGE_SIZE);
    }
    for (i = 0; i < 5; i++) {
        wr(vf_fn(&h, 3), HACC_PAGE_SIZE, i);
    }
    qpci_io_readq(h.vf[2], h.vfbar[2], HACC_VF_EQC_DW0);
    g_assert_cmpuint(cnt(&h, 3, HACC_CTL_MMIO_READS), ==, 8);
    g_assert_cmpuint(cnt(&h, 3, HACC_CTL_MMIO_WRITES), ==, 5);
    g_assert_cmpuint(cnt(&h, 2, HACC_CTL_MMIO_READS), ==, 0);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_MMIO_READS), ==, 0);
    vf_flr(&h, 3);
    vf_flr(&h, 3);
    g_assert_cmpuint(cnt(&h, 3, HACC_CTL_FLRS), ==, 2);
    hacc_stop(&h);
}

/* A function's state hash follows its own state and nothing else */
static void test_state_hash(void)
{
    uint64_t h2, h3, e = vft_sqc(64, 8);
    uint32_t page;
    Hacc h;

    hacc_start(&h, 3, "");
    hacc_enable_vfs(&h, 3);
    h2 = cnt(&h, 2, HACC_CTL_STATE_HASH);
    h3 = cnt(&h, 3, HACC_CTL_STATE_HASH);
    g_assert_cmphex(h3, !=, 0);
    g_assert_cmphex(cnt(&h, 0, HACC_CTL_STATE_HASH), !=, 0);
    page = rd(vf_fn(&h, 3), HACC_PAGE_SIZE);
    g_assert_cmphex(cnt(&h, 3, HACC_CTL_STATE_HASH), ==, h3);
    wr(vf_fn(&h, 3), HACC_PAGE_SIZE, page ^ 1);
    g_assert_cmphex(rd(vf_fn(&h, 3), HACC_PAGE_SIZE), ==, page ^ 1);
    g_assert_cmphex(cnt(&h, 3, HACC_CTL_STATE_HASH), !=, h3);
    g_assert_cmphex(cnt(&h, 2, HACC_CTL_STATE_HASH), ==, h2);
    wr(vf_fn(&h, 3), HACC_PAGE_SIZE, page);
    g_assert_cmphex(cnt(&h, 3, HACC_CTL_STATE_HASH), ==, h3);
    /* the VFT entry the PF keeps for VF 3 is part of VF 3's state */
    vft_op(&h, false, HACC_VFT_TYPE_SQC, 3, &e);
    g_assert_cmphex(cnt(&h, 3, HACC_CTL_STATE_HASH), !=, h3);
    g_assert_cmphex(cnt(&h, 2, HACC_CTL_STATE_HASH), ==, h2);
    hacc_stop(&h);
}

/* imm-ready: Immediate Readiness on the PF and every VF; it survives an FLR */
static void test_imm_ready(void)
{
    Hacc h;

    hacc_start(&h, 2, "");
    hacc_enable_vfs(&h, 2);
    g_assert_cmphex(qpci_config_readw(h.pf, PCI_STATUS) &
                    PCI_STATUS_IMM_READY, ==, 0);
    g_assert_cmphex(qpci_config_readw(h.vf[1], PCI_STATUS) &
                    PCI_STATUS_IMM_READY, ==, 0);
    hacc_stop(&h);

    hacc_start(&h, 2, ",imm-ready=on");
    hacc_enable_vfs(&h, 2);
    g_assert_cmphex(qpci_config_readw(h.pf, PCI_STATUS) &
                    PCI_STATUS_IMM_READY, ==, PCI_STATUS_IMM_READY);
    vf_flr(&h, 2);
    g_assert_cmphex(qpci_config_readw(h.vf[0], PCI_STATUS) &
                    PCI_STATUS_IMM_READY, ==, PCI_STATUS_IMM_READY);
    g_assert_cmphex(qpci_config_readw(h.vf[1], PCI_STATUS) &
                    PCI_STATUS_IMM_READY, ==, PCI_STATUS_IMM_READY);
    hacc_stop(&h);
}

static void test_many_vfs(void)
{
    Hacc h;
    uint64_t e, out;
    int i;

    hacc_start(&h, 16, "");
    hacc_enable_vfs(&h, 16);
    for (i = 1; i <= 16; i++) {
        e = vft_sqc(64 + (i - 1) * 60, 60);
        vft_op(&h, false, HACC_VFT_TYPE_SQC, i, &e);
    }
    for (i = 1; i <= 16; i++) {
        g_assert_cmpuint(mb(vf_fn(&h, i), HACC_MB_CMD_SQC_VFT_V2, true, 0, 0,
                            &out), ==, 0);
        g_assert_cmphex(out, ==, vft_sqc(64 + (i - 1) * 60, 60));
    }
    hacc_stop(&h);
}

static void test_pf_mig_window(void)
{
    Hacc h;
    Fn pf, vf2;
    uint64_t w = HACC_PF_MIG_REGION_BASE + 2 * HACC_PF_MIG_REGION_STRIDE;
    uint64_t out;

    hacc_start(&h, 2, ",revision=0x50");
    hacc_enable_vfs(&h, 2);
    pf = pf_fn(&h);
    vf2 = vf_fn(&h, 2);
    wr(vf2, HACC_PAGE_SIZE, 0x1234);
    /* closed until the PF driver selects it */
    g_assert_cmphex(rd(pf, w + HACC_PAGE_SIZE), ==, 0);
    wr(pf, HACC_PF_MIG_REGION_SEL, HACC_PF_MIG_REGION_EN);
    g_assert_cmphex(rd(pf, w + HACC_PAGE_SIZE), ==, 0x1234);
    wr(pf, w + HACC_VF_STATE, HACC_VF_STATE_NOT_READY);
    g_assert_cmphex(rd(vf2, HACC_VF_STATE), ==, HACC_VF_STATE_NOT_READY);
    /* EQC words sit at 0x1c00 in the window */
    wr(pf, HACC_PF_MIG_REGION_SEL, 0);
    wr(vf2, HACC_VF_EQC_DW0 + 8, 0xabcd);
    wr(pf, HACC_PF_MIG_REGION_SEL, HACC_PF_MIG_REGION_EN);
    g_assert_cmphex(rd(pf, w + HACC_PF_MIG_EQC_DW0 + 8), ==, 0xabcd);
    /* the VF's own copy is dead while the window is selected */
    g_assert_cmphex(rd(vf2, HACC_VF_EQC_DW0 + 8), ==, 0xffffffff);
    wr(vf2, HACC_VF_EQC_DW0 + 8, 0x5555);
    g_assert_cmphex(rd(pf, w + HACC_PF_MIG_EQC_DW0 + 8), ==, 0xabcd);
    wr(pf, w + HACC_PF_MIG_AEQC_DW0, 0x77);
    g_assert_cmphex(rd(vf2, HACC_VF_AEQC_DW0), ==, 0xffffffff);
    wr(pf, HACC_PF_MIG_REGION_SEL, 0);
    g_assert_cmphex(rd(vf2, HACC_VF_AEQC_DW0), ==, 0x77);
    wr(pf, HACC_PF_MIG_REGION_SEL, HACC_PF_MIG_REGION_EN);
    /* the window's mailbox is the VF's */
    g_assert_cmpuint(mb((Fn) { h.pf, { h.bar2.addr + w, false } },
                        HACC_MB_CMD_SQC_BT, false, 0, 0x9000, NULL), ==, 0);
    g_assert_cmpuint(mb(vf2, HACC_MB_CMD_SQC_BT, true, 0, 0, &out), ==, 0);
    g_assert_cmphex(out, ==, 0x9000);
    g_assert_cmpuint(cnt(&h, 2, HACC_CTL_MB_TOTAL), ==, 2);
    /* an access through the window counts for the VF, not the PF */
    qom_set(&h, "x-counters-reset", 7);
    wr(pf, w + HACC_VF_STATE, 0);
    g_assert_cmphex(rd(pf, w + HACC_VF_STATE), ==, 0);
    g_assert_cmpuint(cnt(&h, 2, HACC_CTL_MMIO_WRITES), ==, 1);
    g_assert_cmpuint(cnt(&h, 2, HACC_CTL_MMIO_READS), ==, 1);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_MMIO_WRITES), ==, 0);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_MMIO_READS), ==, 0);
    hacc_stop(&h);
}

/* Polls query-migrate until it leaves the active states. */
static void wait_migration(QTestState *qts)
{
    for (;;) {
        QDict *resp = qtest_qmp(qts, "{'execute': 'query-migrate'}");
        QDict *ret = qdict_get_qdict(resp, "return");
        const char *st = ret ? qdict_get_try_str(ret, "status") : NULL;
        bool done = st && (!strcmp(st, "completed") ||
                           !strcmp(st, "failed"));

        if (done) {
            g_assert_cmpstr(st, ==, "completed");
        }
        qobject_unref(resp);
        if (done) {
            return;
        }
        g_usleep(20 * 1000);
    }
}

/*
 * Migrates h (num_vfs VFs enabled, PF started with extra) through a file
 * into d, a new QEMU with the same device, and stops h.  The destination
 * keeps the source's BAR addresses and bus state.
 */
static void migrate_to(Hacc *h, Hacc *d, int num_vfs, const char *extra)
{
    g_autofree char *path = g_strdup_printf("%s/hisi-acc-mig-%d",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *out = g_strdup_printf("exec:cat > %s", path);
    g_autofree char *in = g_strdup_printf("exec:cat %s", path);
    int i;

    qtest_qmp_assert_success(h->qts, "{'execute': 'migrate', "
                             "'arguments': {'uri': %s}}", out);
    wait_migration(h->qts);

    *d = *h;
    d->qts = qtest_initf("-machine q35 -device hisi-acc-pf,id=hacc0,"
                         "addr=0x10.0,x-ctl-bar=on,num-vfs=%d%s "
                         "-incoming defer", num_vfs, extra);
    d->bus = qpci_new_pc(d->qts, NULL);
    d->pf = qpci_device_find(d->bus, PF_DEVFN);
    g_assert(d->pf);
    for (i = 0; i < MAX_VFS && h->vf[i]; i++) {
        d->vf[i] = g_new0(QPCIDevice, 1);
        d->vf[i]->bus = d->bus;
        d->vf[i]->devfn = h->vf[i]->devfn;
    }
    qtest_qmp_assert_success(d->qts, "{'execute': 'migrate-incoming', "
                             "'arguments': {'uri': %s}}", in);
    wait_migration(d->qts);
    hacc_stop(h);
    unlink(path);
}

static void test_migration(void)
{
    Hacc h, d;
    uint64_t e = vft_sqc(64, 480), v, mbs, flrs;

    hacc_start(&h, 2, "");
    hacc_enable_vfs(&h, 2);
    vft_op(&h, false, HACC_VFT_TYPE_SQC, 1, &e);
    set_state(&h, 1, 0x300);
    vf_flr(&h, 2);
    /* DONE is 1 after a write-back, but the fault makes it read 0 */
    wr(vf_fn(&h, 2), HACC_CACHE_WB_START, 1);
    qom_set(&h, "x-fault-cache-wb", 1 << 2);
    wr(pf_fn(&h), 0x100074, 0x1fffff);
    mbs = cnt(&h, 1, HACC_CTL_MB_TOTAL);
    flrs = cnt(&h, 2, HACC_CTL_FLRS);

    migrate_to(&h, &d, 2, "");

    check_state(&d, 1, 0x300);
    g_assert_cmpuint(mb(vf_fn(&d, 1), HACC_MB_CMD_SQC_VFT_V2, true, 0, 0,
                        &v), ==, 0);
    g_assert_cmphex(v, ==, vft_sqc(64, 480));
    g_assert_cmphex(rd(pf_fn(&d), 0x100074), ==, 0x1fffff);
    g_assert_cmphex(rd(vf_fn(&d, 2), HACC_CACHE_WB_DONE), ==, 0);
    g_assert_cmpuint(cnt(&d, 1, HACC_CTL_MB_TOTAL), ==, mbs + 2);
    g_assert_cmpuint(cnt(&d, 2, HACC_CTL_FLRS), ==, flrs);
    g_assert_cmpuint(flrs, ==, 1);
    qom_set(&d, "x-fault-cache-wb", 0);
    g_assert_cmphex(rd(vf_fn(&d, 2), HACC_CACHE_WB_DONE), ==, 1);
    hacc_stop(&d);
}

/*
 * A paused function (PAUSE_QM) starts no DMA: SQ doorbells are latched and
 * served when IFC_INT_MASK is written 0; the mailbox still works.  Serving
 * a doorbell loads the queue's SQC from the base table once (context
 * cache); zeroed memory gives a queue of depth 1, on which tail 1 is
 * invalid, so no SQE is fetched.
 */
static void sq_kick(Hacc *h, int vf, uint16_t qn)
{
    qpci_io_writeq(h->vf[vf], h->vfbar[vf], HACC_DB_SQ_CQ,
                   (uint64_t)HACC_DB_CMD_SQ << HACC_DB_CMD_SHIFT | qn |
                   (uint64_t)1 << HACC_DB_INDEX_SHIFT);
}

static void test_pause(void)
{
    Hacc h;
    uint64_t dma;

    hacc_start(&h, 2, "");
    hacc_enable_vfs(&h, 2);
    /* no SQC base table yet: nothing to fetch */
    dma = cnt(&h, 1, HACC_CTL_DMA_READS);
    sq_kick(&h, 0, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_DMA_READS), ==, dma);

    g_assert_cmpuint(mb(vf_fn(&h, 1), HACC_MB_CMD_SQC_BT, false, 0, DMA_A,
                        NULL), ==, 0);
    sq_kick(&h, 0, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_DMA_READS), ==, dma + 1);

    g_assert_cmpuint(mb(vf_fn(&h, 1), HACC_MB_CMD_PAUSE_QM, false, 0, 0,
                        NULL), ==, 0);
    sq_kick(&h, 0, 0);
    sq_kick(&h, 0, 3);
    sq_kick(&h, 0, 3);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_DMA_READS), ==, dma + 1);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_DMA_WRITES), ==, 0);
    /* a mailbox command is the CPU's request, not a task: it runs */
    g_assert_cmpuint(mb(vf_fn(&h, 1), HACC_MB_CMD_EQC, false, 0, DMA_A,
                        NULL), ==, 0);
    dma++;
    /* registers still answer, other writes do not end the pause */
    wr(vf_fn(&h, 1), HACC_IFC_INT_MASK, 1);
    wr(vf_fn(&h, 1), HACC_PAGE_SIZE, 0x1234);
    g_assert_cmphex(rd(vf_fn(&h, 1), HACC_PAGE_SIZE), ==, 0x1234);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_DMA_READS), ==, dma + 1);
    /* the other VF is not paused */
    g_assert_cmpuint(mb(vf_fn(&h, 2), HACC_MB_CMD_SQC_BT, false, 0, DMA_B,
                        NULL), ==, 0);
    sq_kick(&h, 1, 0);
    g_assert_cmpuint(cnt(&h, 2, HACC_CTL_DMA_READS), ==, 1);

    /*
     * Re-opening the PF<->VF channel serves the two latched queues: queue
     * 0's SQC is in the context cache since the first doorbell, so only
     * queue 3's is read from the table; a further doorbell reads nothing.
     */
    wr(vf_fn(&h, 1), HACC_IFC_INT_MASK, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_DMA_READS), ==, dma + 2);
    sq_kick(&h, 0, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_DMA_READS), ==, dma + 2);
    hacc_stop(&h);
}

/* ---- the ZIP task engine ---- */

#define ENG_EQ          0x600000ULL     /* EQ: 64 entries */
#define ENG_EQ_DEPTH    64
#define ENG_AEQ         0x610000ULL     /* AEQ: 16 entries */
#define ENG_AEQ_DEPTH   16
#define ENG_CTX         0x620000ULL     /* mailbox context buffer */
#define ENG_SQC_BT      0x630000ULL
#define ENG_CQC_BT      0x638000ULL
#define ENG_SQ(q)       (0x700000ULL + (q) * 0x20000ULL)
#define ENG_CQ(q)       (ENG_SQ(q) + 0x10000)
#define ENG_DATA        0x1000000ULL    /* 16 MiB of buffers */
#define ENG_LATENCY     20000
#define ST_BAD_SQE      0x01
#define ST_BAD_BUF      0x02
#define ST_DATA         0x03
#define ST_OVERFLOW     0x05
#define AEQE_CQE_ERROR  2               /* AEQE type [20:17] */

typedef struct Eng {
    Hacc *h;
    Fn f;
    int fnum;
    unsigned int depth;
    unsigned int tail[4];
} Eng;

static void put32(uint32_t *dw, unsigned int i, uint32_t v)
{
    dw[i] = cpu_to_le32(v);
}

static void ctx_set(Eng *e, uint8_t cmd, uint16_t q, const uint32_t *dw,
                    size_t n)
{
    qtest_memwrite(e->h->qts, ENG_CTX, dw, n * 4);
    g_assert_cmpuint(mb(e->f, cmd, false, q, ENG_CTX, NULL), ==, 0);
}

/* queue q of depth e->depth: type 0 compresses, 1 decompresses; CQ q */
static void eng_queue(Eng *e, uint16_t q, unsigned int type)
{
    uint32_t qc[8] = { 0 };

    put32(qc, 1, (uint32_t)ENG_SQ(q));
    put32(qc, 3, (e->depth - 1) | 7 << 12);
    put32(qc, 6, q | type << 24);
    ctx_set(e, HACC_MB_CMD_SQC, q, qc, 8);
    memset(qc, 0, sizeof(qc));
    put32(qc, 1, (uint32_t)ENG_CQ(q));
    put32(qc, 3, (e->depth - 1) | 4 << 12);
    put32(qc, 6, 3);                    /* phase 1, interrupt on */
    ctx_set(e, HACC_MB_CMD_CQC, q, qc, 8);
    qtest_memset(e->h->qts, ENG_CQ(q), 0, e->depth * 16);
    e->tail[q] = 0;
}

static void eng_init(Eng *e, Hacc *h, int fnum, unsigned int depth)
{
    uint32_t eqc[7] = { 0 };

    e->h = h;
    e->fnum = fnum;
    e->f = fnum ? vf_fn(h, fnum) : pf_fn(h);
    e->depth = depth;
    qtest_memset(h->qts, ENG_EQ, 0, ENG_EQ_DEPTH * 4);
    put32(eqc, 1, (uint32_t)ENG_EQ);
    put32(eqc, 6, (ENG_EQ_DEPTH - 1) | 1 << 16);
    ctx_set(e, HACC_MB_CMD_EQC, 0, eqc, 7);
    qtest_memset(h->qts, ENG_AEQ, 0, ENG_AEQ_DEPTH * 4);
    put32(eqc, 1, (uint32_t)ENG_AEQ);
    put32(eqc, 6, (ENG_AEQ_DEPTH - 1) | 1 << 16);
    ctx_set(e, HACC_MB_CMD_AEQC, 0, eqc, 7);
    g_assert_cmpuint(mb(e->f, HACC_MB_CMD_SQC_BT, false, 0, ENG_SQC_BT,
                        NULL), ==, 0);
    g_assert_cmpuint(mb(e->f, HACC_MB_CMD_CQC_BT, false, 0, ENG_CQC_BT,
                        NULL), ==, 0);
    eng_queue(e, 0, 0);
    eng_queue(e, 1, 1);
}

/* A ZIP SQE as hisi_zip fills it (buffer type 1 = SGL, 0 = flat) */
static void sqe_fill(uint32_t *sqe, uint64_t src, uint32_t slen, uint64_t dst,
                     uint32_t dlen, unsigned int buf)
{
    memset(sqe, 0, 128);
    put32(sqe, 4, slen);
    put32(sqe, 7, 3u << 28);
    put32(sqe, 9, 1 | buf << 8);
    put32(sqe, 14, dlen);
    put32(sqe, 18, (uint32_t)src);
    put32(sqe, 19, src >> 32);
    put32(sqe, 20, (uint32_t)dst);
    put32(sqe, 21, dst >> 32);
}

/* Writes the SQE at the queue's tail and rings the SQ doorbell. */
static unsigned int eng_submit(Eng *e, uint16_t q, const uint32_t *sqe)
{
    unsigned int slot = e->tail[q];

    qtest_memwrite(e->h->qts, ENG_SQ(q) + slot * 128, sqe, 128);
    e->tail[q] = (slot + 1) % e->depth;
    qpci_io_writeq(e->f.dev, e->f.bar, HACC_DB_SQ_CQ,
                   (uint64_t)HACC_DB_CMD_SQ << HACC_DB_CMD_SHIFT | q |
                   (uint64_t)e->tail[q] << HACC_DB_INDEX_SHIFT);
    return slot;
}

static uint32_t sqe_word(Eng *e, uint16_t q, unsigned int slot, int i)
{
    return qtest_readl(e->h->qts, ENG_SQ(q) + slot * 128 + i * 4);
}

/* CQ doorbell: the new head; arm asks for the next EQE (priority 1) */
static void cq_doorbell(Eng *e, uint16_t q, unsigned int head, bool arm)
{
    qpci_io_writeq(e->f.dev, e->f.bar, HACC_DB_SQ_CQ,
                   (uint64_t)HACC_DB_CMD_CQ << HACC_DB_CMD_SHIFT | q |
                   (uint64_t)head << HACC_DB_INDEX_SHIFT |
                   (uint64_t)arm << HACC_DB_PRIORITY_SHIFT);
}

/* The CQE at index i of CQ q: phase bit, sq_head, sq_num */
static void cqe_get(Eng *e, uint16_t q, unsigned int i, unsigned int *phase,
                    unsigned int *head, unsigned int *qn)
{
    uint64_t a = ENG_CQ(q) + i * 16;

    *head = qtest_readw(e->h->qts, a + 8);
    *qn = qtest_readw(e->h->qts, a + 10);
    *phase = qtest_readw(e->h->qts, a + 14) & 1;
}

/* One hardware SGL at addr with n entries of len bytes from buf */
static void sgl_put(Eng *e, uint64_t addr, uint64_t buf, unsigned int n,
                    uint32_t len, uint64_t next)
{
    uint8_t hdr[64] = { 0 }, sge[32];
    unsigned int i;

    stq_le_p(hdr, next);
    stw_le_p(hdr + 8, n);
    stw_le_p(hdr + 10, n);
    stw_le_p(hdr + 12, n);
    qtest_memwrite(e->h->qts, addr, hdr, sizeof(hdr));
    for (i = 0; i < n; i++) {
        memset(sge, 0, sizeof(sge));
        stq_le_p(sge, buf + i * len);
        stl_le_p(sge + 16, len);
        qtest_memwrite(e->h->qts, addr + 64 + i * 32, sge, sizeof(sge));
    }
}

static void eng_wait(Eng *e)
{
    qtest_clock_step(e->h->qts, ENG_LATENCY + 1);
}

static void fill_pattern(uint8_t *b, size_t n, uint32_t seed)
{
    size_t i;

    for (i = 0; i < n; i++) {
        b[i] = (i / 64) % 7 == 0 ? g_random_int() : "hisi-acc"[(i + seed) % 8];
    }
}

/* PF, one VF, queues 0 and 1 of function fnum; a pattern at ENG_DATA */
static void eng_start(Hacc *h, Eng *e, int fnum, unsigned int depth,
                      uint8_t *in, size_t len, uint32_t seed)
{
    hacc_start(h, 1, "");
    if (fnum) {
        hacc_enable_vfs(h, 1);
    }
    eng_init(e, h, fnum, depth);
    fill_pattern(in, len, seed);
    qtest_memwrite(h->qts, ENG_DATA, in, len);
}

/*
 * One job each way: 4 KiB compressed from a flat buffer completes only
 * after the latency (CQE with phase 1, sq_head, sq_num; SQE status 0 and
 * produced; EQE with the CQ number and phase), then decompressed from and
 * into SGL chains gives the input back.
 */
static void test_engine_one_job(void)
{
    Hacc h;
    Eng e;
    uint8_t in[4096], out[4096];
    uint32_t sqe[32];
    unsigned int slot, phase, head, qn, produced;
    uint32_t eqe;

    hacc_start(&h, 1, ",x-zip-algs=0x30");
    g_assert_cmphex(rd(pf_fn(&h), 0x3144), ==, 0x30);   /* deflate */
    eng_init(&e, &h, 0, 16);
    fill_pattern(in, sizeof(in), 1);
    qtest_memwrite(h.qts, ENG_DATA, in, sizeof(in));
    sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x10000, 8192, 0);
    slot = eng_submit(&e, 0, sqe);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOBS_FETCHED), ==, 1);
    cqe_get(&e, 0, 0, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 0);             /* not yet: asynchronous */
    eng_wait(&e);
    cqe_get(&e, 0, 0, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 1);
    g_assert_cmpuint(head, ==, slot);
    g_assert_cmpuint(qn, ==, 0);
    g_assert_cmphex(sqe_word(&e, 0, slot, 3) & 0xff, ==, 0);
    g_assert_cmpuint(sqe_word(&e, 0, slot, 0), ==, sizeof(in));
    produced = sqe_word(&e, 0, slot, 1);
    g_assert_cmpuint(produced, >, 0);
    g_assert_cmpuint(produced, <, sizeof(in));
    eqe = qtest_readl(h.qts, ENG_EQ);
    g_assert_cmphex(eqe, ==, 0 | 1 << 16);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOBS_DONE), ==, 1);

    /* back through SGLs: input in one entry, output over 3 of 1500 bytes */
    sgl_put(&e, ENG_DATA + 0x20000, ENG_DATA + 0x10000, 1, produced, 0);
    sgl_put(&e, ENG_DATA + 0x21000, ENG_DATA + 0x30000, 3, 1500, 0);
    sqe_fill(sqe, ENG_DATA + 0x20000, produced, ENG_DATA + 0x21000,
             sizeof(out), 1);
    slot = eng_submit(&e, 1, sqe);
    eng_wait(&e);
    cqe_get(&e, 1, 0, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 1);
    g_assert_cmpuint(qn, ==, 1);
    g_assert_cmphex(sqe_word(&e, 1, slot, 3) & 0xff, ==, 0);
    g_assert_cmpuint(sqe_word(&e, 1, slot, 1), ==, sizeof(in));
    qtest_memread(h.qts, ENG_DATA + 0x30000, out, sizeof(out));
    g_assert(!memcmp(in, out, sizeof(in)));
    g_assert_cmphex(qtest_readl(h.qts, ENG_EQ + 4), ==, 1 | 1 << 16);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOB_ERRORS), ==, 0);
    hacc_stop(&h);
}

/*
 * A queue of depth 4 run through 10 jobs, several in flight: the CQ wraps
 * and the phase of its entries flips on each pass.  The two jobs of a pass
 * give one EQE (the first disarms the CQ, the driver's doorbell with
 * priority 1 re-arms it), so 5 EQEs in all.
 */
static void test_engine_wrap(void)
{
    Hacc h;
    Eng e;
    uint8_t in[512];
    uint32_t sqe[32];
    unsigned int i, phase, head, qn;

    eng_start(&h, &e, 1, 4, in, sizeof(in), 2);
    for (i = 0; i < 10; i += 2) {
        sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x1000 * (i + 1),
                 4096, 0);
        eng_submit(&e, 0, sqe);
        eng_submit(&e, 0, sqe);
        g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_FETCHED), ==, i + 2);
        eng_wait(&e);
        g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DONE), ==, i + 2);
        cqe_get(&e, 0, (i + 1) % 4, &phase, &head, &qn);
        g_assert_cmpuint(phase, ==, ((i + 1) / 4) % 2 ? 0 : 1);
        g_assert_cmpuint(head, ==, (i + 1) % 4);
        /* the driver's CQ head doorbell, re-arming the CQ */
        cq_doorbell(&e, 0, (i + 2) % 4, true);
    }
    /* entry 0 was written on passes 1, 2 and 3: phase 1, 0, 1 */
    cqe_get(&e, 0, 0, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 1);
    g_assert_cmphex(qtest_readl(h.qts, ENG_EQ + 4 * 4), ==, 1 << 16);
    g_assert_cmphex(qtest_readl(h.qts, ENG_EQ + 5 * 4), ==, 0);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOBS_DONE), ==, 0);
    hacc_stop(&h);
}

/*
 * hisi_zip's pattern on one function: a compress and a decompress queue
 * (depth 8), up to 7 jobs in flight on each, completing at scattered
 * times, consumed the way qm.c does it: EQEs name CQs, each named CQ is
 * polled (the request is the SQE at the CQE's sq_head, found by its tag in
 * dw26), the CQ head doorbell follows each CQE, and a last one with
 * priority 1 re-arms the CQ.  A CQ must not get a second EQE before that
 * re-arm (qm.c would poll it from two work items at once), a re-arm with
 * CQEs still waiting must give an EQE at once, every job must complete
 * exactly once, and the SQs, CQs and the EQ all wrap many times.
 */
#define TQ_JOBS 600

static void test_engine_two_queues(void)
{
    Hacc h;
    Eng e;
    uint8_t in[1024];
    uint32_t sqe[32], eqe;
    unsigned int q, slot, tag, phase, head, qn, produced, limit, n;
    unsigned int used[2] = { 0 }, cq_head[2] = { 0 }, cq_phase[2] = { 1, 1 };
    bool armed[2] = { true, true }, named[2];
    uint8_t owner[TQ_JOBS], done[TQ_JOBS] = { 0 };
    unsigned int eq_head = 0, eq_phase = 1, eqes = 0, rearm_eqes = 0;
    unsigned int submitted = 0, completed = 0, twice = 0, early = 0;
    unsigned int rounds;

    eng_start(&h, &e, 1, 8, in, sizeof(in), 8);
    /* a deflate stream of the pattern for the decompress queue */
    sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x10000, 4096, 0);
    slot = eng_submit(&e, 0, sqe);
    eng_wait(&e);
    produced = sqe_word(&e, 0, slot, 1);
    g_assert_cmphex(sqe_word(&e, 0, slot, 3) & 0xff, ==, 0);
    cq_head[0] = 1;
    cq_doorbell(&e, 0, 1, true);
    eq_head = 1;
    qpci_io_writeq(e.f.dev, e.f.bar, HACC_DB_EQ_AEQ,
                   (uint64_t)HACC_DB_CMD_EQ << HACC_DB_CMD_SHIFT |
                   (uint64_t)eq_head << HACC_DB_INDEX_SHIFT);

    for (rounds = 0; completed < TQ_JOBS && rounds < 20 * TQ_JOBS;
         rounds++) {
        for (q = 0; q < 2; q++) {
            n = g_random_int_range(0, 4);
            while (n-- && used[q] < e.depth - 1 && submitted < TQ_JOBS) {
                slot = e.tail[q];
                if (q) {
                    sqe_fill(sqe, ENG_DATA + 0x10000, produced,
                             ENG_DATA + 0x100000 + slot * 0x1000,
                             sizeof(in), 0);
                } else {
                    sqe_fill(sqe, ENG_DATA, sizeof(in),
                             ENG_DATA + 0x200000 + slot * 0x1000, 4096, 0);
                }
                put32(sqe, 26, submitted);
                owner[submitted++] = q;
                eng_submit(&e, q, sqe);
                used[q]++;
            }
        }
        qtest_clock_step(h.qts, g_random_int_range(1, ENG_LATENCY));

        /* the EQ interrupt: which CQs have news */
        named[0] = named[1] = false;
        for (;;) {
            eqe = qtest_readl(h.qts, ENG_EQ + eq_head * 4);
            if ((eqe >> 16 & 1) != eq_phase) {
                break;
            }
            q = eqe & 0xffff;
            g_assert_cmpuint(q, <, 2);
            q &= 1;
            if (!armed[q]) {
                early++;        /* a second EQE before the re-arm */
            }
            armed[q] = false;
            named[q] = true;
            eqes++;
            if (++eq_head == ENG_EQ_DEPTH) {
                eq_head = 0;
                eq_phase ^= 1;
            }
        }
        qpci_io_writeq(e.f.dev, e.f.bar, HACC_DB_EQ_AEQ,
                       (uint64_t)HACC_DB_CMD_EQ << HACC_DB_CMD_SHIFT |
                       (uint64_t)eq_head << HACC_DB_INDEX_SHIFT);

        /* poll each named CQ; sometimes leave CQEs for the re-arm */
        for (q = 0; q < 2; q++) {
            if (!named[q]) {
                continue;
            }
            limit = g_random_int_range(0, 4) ? e.depth : 1;
            for (n = 0; n < limit; n++) {
                cqe_get(&e, q, cq_head[q], &phase, &head, &qn);
                if (phase != cq_phase[q]) {
                    break;
                }
                g_assert_cmpuint(qn, ==, q);
                g_assert_cmpuint(head, <, e.depth);
                tag = sqe_word(&e, q, head % e.depth, 26);
                g_assert_cmpuint(tag, <, submitted);
                if (tag >= submitted || owner[tag] != q || done[tag]) {
                    twice++;
                } else {
                    done[tag] = 1;
                    completed++;
                    used[q]--;
                }
                g_assert_cmphex(sqe_word(&e, q, head % e.depth, 3) & 0xff,
                                ==, 0);
                g_assert_cmpuint(sqe_word(&e, q, head % e.depth, 1), ==,
                                 q ? sizeof(in) : produced);
                if (++cq_head[q] == e.depth) {
                    cq_head[q] = 0;
                    cq_phase[q] ^= 1;
                }
                cq_doorbell(&e, q, cq_head[q], false);
            }
            cq_doorbell(&e, q, cq_head[q], true);
            armed[q] = true;
            cqe_get(&e, q, cq_head[q], &phase, &head, &qn);
            if (phase == cq_phase[q]) {
                /* CQEs left behind: the re-arm posts an EQE at once */
                eqe = qtest_readl(h.qts, ENG_EQ + eq_head * 4);
                g_assert_cmphex(eqe >> 16 & 1, ==, eq_phase);
                rearm_eqes++;
            }
        }
    }
    g_assert_cmpuint(early, ==, 0);
    g_assert_cmpuint(twice, ==, 0);
    g_assert_cmpuint(submitted, ==, TQ_JOBS);
    g_assert_cmpuint(completed, ==, TQ_JOBS);
    g_assert_cmpuint(used[0] + used[1], ==, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DONE), ==, TQ_JOBS + 1);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOB_ERRORS), ==, 0);
    /* the EQ (64) wrapped, and re-arms with CQEs waiting were seen */
    g_assert_cmpuint(eqes, >, 2 * ENG_EQ_DEPTH);
    g_assert_cmpuint(rearm_eqes, >, 0);
    g_test_message("%u jobs, %u rounds, %u EQEs (%u from a re-arm)",
                   completed, rounds, eqes, rearm_eqes);
    hacc_stop(&h);
}

/* Error statuses in SQE dw3[7:0]; the CQE is written all the same. */
static void test_engine_errors(void)
{
    Hacc h;
    Eng e;
    uint8_t in[2048];
    uint32_t sqe[32];
    unsigned int slot, phase, head, qn, produced;

    eng_start(&h, &e, 0, 16, in, sizeof(in), 3);

    /* compress into too small a buffer */
    sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x10000, 16, 0);
    slot = eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmphex(sqe_word(&e, 0, slot, 3) & 0xff, ==, ST_OVERFLOW);
    cqe_get(&e, 0, 0, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 1);

    /* a good one, then decompress it into too small a buffer */
    sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x10000, 4096, 0);
    slot = eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmphex(sqe_word(&e, 0, slot, 3) & 0xff, ==, 0);
    produced = sqe_word(&e, 0, slot, 1);
    sqe_fill(sqe, ENG_DATA + 0x10000, produced, ENG_DATA + 0x20000,
             sizeof(in) - 1, 0);
    slot = eng_submit(&e, 1, sqe);
    eng_wait(&e);
    g_assert_cmphex(sqe_word(&e, 1, slot, 3) & 0xff, ==, ST_OVERFLOW);
    /* corrupt stream */
    qtest_memset(h.qts, ENG_DATA + 0x10000, 0xff, 64);
    sqe_fill(sqe, ENG_DATA + 0x10000, 64, ENG_DATA + 0x20000, 4096, 0);
    slot = eng_submit(&e, 1, sqe);
    eng_wait(&e);
    g_assert_cmphex(sqe_word(&e, 1, slot, 3) & 0xff, ==, ST_DATA);
    /* unknown request type, zero length, unmapped buffer */
    sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x10000, 4096, 0);
    put32(sqe, 9, 2);
    slot = eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmphex(sqe_word(&e, 0, slot, 3) & 0xff, ==, ST_BAD_SQE);
    sqe_fill(sqe, ENG_DATA, 0, ENG_DATA + 0x10000, 4096, 0);
    slot = eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmphex(sqe_word(&e, 0, slot, 3) & 0xff, ==, ST_BAD_SQE);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_AEQES), ==, 0);
    sqe_fill(sqe, DMA_UNMAPPED, sizeof(in), ENG_DATA + 0x10000, 4096, 0);
    slot = eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmphex(sqe_word(&e, 0, slot, 3) & 0xff, ==, ST_BAD_BUF);
    /* the DMA fault is reported on the AEQ too: queue 0, CQE error */
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_AEQES), ==, 1);
    g_assert_cmphex(qtest_readl(h.qts, ENG_AEQ), ==,
                    0 | 1 << 16 | AEQE_CQE_ERROR << 17);
    /* an SGL chain that loops on itself */
    sgl_put(&e, ENG_DATA + 0x40000, ENG_DATA, 1, 16, ENG_DATA + 0x40000);
    sqe_fill(sqe, ENG_DATA + 0x40000, sizeof(in), ENG_DATA + 0x10000, 4096,
             1);
    slot = eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmphex(sqe_word(&e, 0, slot, 3) & 0xff, ==, ST_BAD_BUF);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOBS_DONE), ==, 8);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOB_ERRORS), ==, 7);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_AEQES), ==, 1);
    hacc_stop(&h);
}

/* MSI of dev with nvec vectors, each a write of MSI_DATA + vector to RAM */
static void msi_setup(QPCIDevice *dev, unsigned int nvec)
{
    uint8_t cap = qpci_find_capability(dev, PCI_CAP_ID_MSI, 0);
    uint16_t flags;

    g_assert_cmpuint(cap, !=, 0);
    flags = qpci_config_readw(dev, cap + PCI_MSI_FLAGS);
    g_assert(flags & PCI_MSI_FLAGS_64BIT);
    g_assert_cmpuint(1 << ((flags & PCI_MSI_FLAGS_QMASK) >> 1), >=, nvec);
    qpci_config_writel(dev, cap + PCI_MSI_ADDRESS_LO, MSI_ADDR);
    qpci_config_writel(dev, cap + PCI_MSI_ADDRESS_HI, 0);
    qpci_config_writew(dev, cap + PCI_MSI_DATA_64, MSI_DATA);
    flags &= ~PCI_MSI_FLAGS_QSIZE;
    flags |= ctz32(nvec) << 4 | PCI_MSI_FLAGS_ENABLE;
    qpci_config_writew(dev, cap + PCI_MSI_FLAGS, flags);
}

/* The last MSI message, cleared after reading (0: none since) */
static uint32_t msi_take(Hacc *h)
{
    uint32_t v = qtest_readl(h->qts, MSI_ADDR);

    qtest_writel(h->qts, MSI_ADDR, 0);
    return v;
}

static void fault_set(Hacc *h, uint64_t reg, uint64_t val)
{
    qpci_io_writeq(h->pf, h->bar4, reg, val);
}

/*
 * The one-shot job faults on VF 1, one job each on queue 0, each fault
 * taken by the job fetched next (its bit then reads 0) and not by the one
 * after: an error status with nothing produced, a CQE without EQE and MSI
 * (the CQ stays armed, so the next job's EQE comes), a job that takes
 * x-fault-latency-ns, and a DMA fault: status 0x02 and an AEQE (queue, type
 * CQE error, phase) on the AEQ's MSI vector 1; with AEQ_INT_MASK set the
 * AEQE comes without MSI.  Other functions are not touched.
 */
static void test_engine_job_faults(void)
{
    Hacc h;
    Eng e;
    uint8_t in[1024];
    uint32_t sqe[32];
    unsigned int slot, phase, head, qn, n = 0, eqes = 0;

    eng_start(&h, &e, 1, 16, in, sizeof(in), 4);
    msi_setup(h.vf[0], 2);
    sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x10000, 4096, 0);

    /* an error status */
    fault_set(&h, HACC_CTL_FAULT_JOB_ERROR, 1 << 1);
    slot = eng_submit(&e, 0, sqe);
    g_assert_cmphex(ctl(&h, HACC_CTL_FAULT_JOB_ERROR), ==, 0);
    eng_wait(&e);
    g_assert_cmphex(sqe_word(&e, 0, slot, 3) & 0xff, ==,
                    HACC_CTL_JOB_ERROR_STATUS);
    g_assert_cmpuint(sqe_word(&e, 0, slot, 1), ==, 0);
    cqe_get(&e, 0, n++, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 1);
    g_assert_cmpuint(head, ==, slot);
    g_assert_cmphex(qtest_readl(h.qts, ENG_EQ + 4 * eqes++), ==, 1 << 16);
    g_assert_cmphex(msi_take(&h), ==, MSI_DATA);        /* EQ: vector 0 */
    g_assert_cmphex(rd(e.f, HACC_EQ_INT_SOURCE) & 1, ==, 1);
    cq_doorbell(&e, 0, n, true);
    slot = eng_submit(&e, 0, sqe);                      /* the next is fine */
    eng_wait(&e);
    g_assert_cmphex(sqe_word(&e, 0, slot, 3) & 0xff, ==, 0);
    g_assert_cmpuint(sqe_word(&e, 0, slot, 1), >, 0);
    g_assert_cmphex(qtest_readl(h.qts, ENG_EQ + 4 * eqes++), ==, 1 << 16);
    g_assert_cmphex(msi_take(&h), ==, MSI_DATA);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_EQ_MSIS), ==, 2);
    n++;
    cq_doorbell(&e, 0, n, true);

    /* a lost interrupt: the CQE, no EQE, no MSI; the next job signals */
    fault_set(&h, HACC_CTL_FAULT_LOST_IRQ, 1 << 1);
    slot = eng_submit(&e, 0, sqe);
    g_assert_cmphex(ctl(&h, HACC_CTL_FAULT_LOST_IRQ), ==, 0);
    eng_wait(&e);
    cqe_get(&e, 0, n++, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 1);
    g_assert_cmpuint(head, ==, slot);
    g_assert_cmphex(sqe_word(&e, 0, slot, 3) & 0xff, ==, 0);
    g_assert_cmphex(qtest_readl(h.qts, ENG_EQ + 4 * eqes), ==, 0);
    g_assert_cmphex(msi_take(&h), ==, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_EQ_MSIS), ==, 2);
    slot = eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmphex(qtest_readl(h.qts, ENG_EQ + 4 * eqes++), ==, 1 << 16);
    g_assert_cmphex(msi_take(&h), ==, MSI_DATA);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_EQ_MSIS), ==, 3);
    n++;
    cq_doorbell(&e, 0, n, true);

    /* a latency spike of 5 ms (default 10 ms) */
    g_assert_cmpuint(qom_get_u64(&h, "x-fault-latency-ns"), ==, 10000000);
    fault_set(&h, HACC_CTL_FAULT_LATENCY_NS, 5000000);
    fault_set(&h, HACC_CTL_FAULT_LATENCY, 1 << 1);
    slot = eng_submit(&e, 0, sqe);
    g_assert_cmphex(ctl(&h, HACC_CTL_FAULT_LATENCY), ==, 0);
    eng_wait(&e);
    cqe_get(&e, 0, n, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 0);
    qtest_clock_step(h.qts, 5000000 - ENG_LATENCY - 2);
    cqe_get(&e, 0, n, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 0);
    qtest_clock_step(h.qts, 2);
    cqe_get(&e, 0, n++, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 1);
    g_assert_cmphex(sqe_word(&e, 0, slot, 3) & 0xff, ==, 0);
    eqes++;
    msi_take(&h);
    cq_doorbell(&e, 0, n, true);

    /*
     * A DMA fault: status 0x02, the CQE and EQE, an AEQE on vector 1 (the
     * EQ's vector masked, so that the message seen is the AEQ's).
     */
    g_assert_cmphex(rd(e.f, HACC_AEQ_INT_SOURCE) & 1, ==, 0);
    wr(e.f, HACC_EQ_INT_MASK, 1);
    fault_set(&h, HACC_CTL_FAULT_DMA, 1 << 1);
    slot = eng_submit(&e, 0, sqe);
    g_assert_cmphex(ctl(&h, HACC_CTL_FAULT_DMA), ==, 0);
    eng_wait(&e);
    g_assert_cmphex(sqe_word(&e, 0, slot, 3) & 0xff, ==, ST_BAD_BUF);
    cqe_get(&e, 0, n++, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 1);
    g_assert_cmphex(qtest_readl(h.qts, ENG_EQ + 4 * eqes++), ==, 1 << 16);
    g_assert_cmphex(qtest_readl(h.qts, ENG_AEQ), ==,
                    0 | 1 << 16 | AEQE_CQE_ERROR << 17);
    g_assert_cmphex(msi_take(&h), ==, MSI_DATA + 1);
    g_assert_cmphex(rd(e.f, HACC_AEQ_INT_SOURCE) & 1, ==, 1);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_AEQES), ==, 1);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_DMA_ERRORS), ==, 1);
    /* the latency job's EQ MSI counted; the masked EQ's and the AEQ's not */
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_EQ_MSIS), ==, 4);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_EQ_MSIS), ==, 0);
    cq_doorbell(&e, 0, n, true);
    /* masked: the AEQE, no MSI */
    wr(e.f, HACC_AEQ_INT_MASK, 1);
    fault_set(&h, HACC_CTL_FAULT_DMA, 1 << 1);
    eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmphex(qtest_readl(h.qts, ENG_AEQ + 4), ==,
                    0 | 1 << 16 | AEQE_CQE_ERROR << 17);
    g_assert_cmphex(msi_take(&h), ==, 0);

    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DONE), ==, 7);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOB_ERRORS), ==, 3);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOBS_DONE), ==, 0);
    hacc_stop(&h);
}

/* MSI vectors the function's capability offers */
static unsigned int msi_vectors(QPCIDevice *dev)
{
    uint8_t cap = qpci_find_capability(dev, PCI_CAP_ID_MSI, 0);

    g_assert_cmpuint(cap, !=, 0);
    return 1 << ((qpci_config_readw(dev, cap + PCI_MSI_FLAGS) &
                  PCI_MSI_FLAGS_QMASK) >> 1);
}

/*
 * A QM V2 PF (revision 0x21): its driver takes the vector counts from its
 * own V2 table, 4 for the PF (EQ 0, AEQ 1, abnormal 3), 2 for a VF, and
 * allocates exactly that many, so the PF offers 4 and 0x311c says so.  A
 * job on the PF with all 4 vectors enabled signals its EQ on vector 0.
 * V3 offers the same, as 0x311c says.
 */
static void test_rev_v2(void)
{
    Hacc h;
    Eng e;
    uint8_t in[1024];
    uint32_t sqe[32];

    hacc_start(&h, 1, "");
    hacc_enable_vfs(&h, 1);
    g_assert_cmpuint(msi_vectors(h.pf), ==, 4);
    g_assert_cmpuint(msi_vectors(h.vf[0]), ==, 2);
    hacc_stop(&h);

    hacc_start(&h, 1, ",revision=0x21");
    hacc_enable_vfs(&h, 1);
    g_assert_cmphex(qpci_config_readb(h.pf, PCI_REVISION_ID), ==,
                    HACC_QM_REV_V2);
    g_assert_cmpuint(msi_vectors(h.pf), ==, 4);
    g_assert_cmpuint(msi_vectors(h.vf[0]), ==, 2);
    g_assert_cmphex(rd(pf_fn(&h), 0x311c), ==, 0x00040002);
    g_assert_cmphex(rd(vf_fn(&h, 1), 0x311c), ==, 0x00040002);

    eng_init(&e, &h, 0, 16);
    fill_pattern(in, sizeof(in), 7);
    qtest_memwrite(h.qts, ENG_DATA, in, sizeof(in));
    msi_setup(h.pf, 4);
    sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x10000, 4096, 0);
    eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmphex(msi_take(&h), ==, MSI_DATA);        /* EQ: vector 0 */
    hacc_stop(&h);
}

/*
 * QM error injection and the PF's abnormal interrupt (capability 0x3114:
 * vector 3), as hisi_qm's RAS path uses them: QM_ABNORMAL_INT_SET latches
 * bits [14:0] in ABNORMAL_INT_SOURCE and reads 0; the status is SOURCE &
 * ~MASK; an error that becomes visible sends one MSI on vector 3 (latched
 * unmasked, or unmasked while latched), an error already latched none;
 * SOURCE is write-1-to-clear.  BAR 4's HACC_CTL_ABNORMAL_SET and the QOM
 * "x-abnormal-set" do the same.  No MSI when the guest enabled fewer vectors
 * or with x-aeq-irq=off (0x3114 then reads 0); a VF has no such vector.
 */
static void test_abnormal_irq(void)
{
    Hacc h;
    Fn pf;

    hacc_start(&h, 1, "");
    hacc_enable_vfs(&h, 1);
    pf = pf_fn(&h);
    g_assert_cmphex(rd(vf_fn(&h, 1), 0x3114), ==, 0);
    msi_setup(h.pf, 4);
    msi_take(&h);

    wr(pf, ABNORMAL_INT_SET, 1 << 2);                   /* qm_ecc_mbit */
    g_assert_cmphex(rd(pf, HACC_PF_ABNORMAL_INT_SOURCE), ==, 1 << 2);
    g_assert_cmphex(rd(pf, HACC_PF_ABNORMAL_INT_STATUS), ==, 1 << 2);
    g_assert_cmphex(rd(pf, ABNORMAL_INT_SET), ==, 0);
    g_assert_cmphex(msi_take(&h), ==, MSI_DATA + 3);
    wr(pf, ABNORMAL_INT_SET, 1 << 2);                   /* still latched */
    g_assert_cmphex(msi_take(&h), ==, 0);
    wr(pf, ABNORMAL_INT_SET, 1 << 15);                  /* not an error */
    g_assert_cmphex(rd(pf, HACC_PF_ABNORMAL_INT_SOURCE), ==, 1 << 2);
    g_assert_cmphex(msi_take(&h), ==, 0);

    /* masked: latched, not shown, no MSI; unmasking sends it */
    wr(pf, ABNORMAL_INT_MASK, 1 << 1);
    wr(pf, ABNORMAL_INT_SET, 1 << 1);
    g_assert_cmphex(rd(pf, HACC_PF_ABNORMAL_INT_SOURCE), ==, 0x6);
    g_assert_cmphex(rd(pf, HACC_PF_ABNORMAL_INT_STATUS), ==, 1 << 2);
    g_assert_cmphex(msi_take(&h), ==, 0);
    wr(pf, ABNORMAL_INT_MASK, 0);
    g_assert_cmphex(rd(pf, HACC_PF_ABNORMAL_INT_STATUS), ==, 0x6);
    g_assert_cmphex(msi_take(&h), ==, MSI_DATA + 3);

    /* write 1 to clear; then the same error signals again */
    wr(pf, HACC_PF_ABNORMAL_INT_SOURCE, 1 << 1);
    g_assert_cmphex(rd(pf, HACC_PF_ABNORMAL_INT_SOURCE), ==, 1 << 2);
    wr(pf, HACC_PF_ABNORMAL_INT_SOURCE, 1 << 2);
    g_assert_cmphex(rd(pf, HACC_PF_ABNORMAL_INT_STATUS), ==, 0);
    g_assert_cmphex(msi_take(&h), ==, 0);
    wr(pf, ABNORMAL_INT_SET, 1 << 2);
    g_assert_cmphex(msi_take(&h), ==, MSI_DATA + 3);
    wr(pf, HACC_PF_ABNORMAL_INT_SOURCE, ~0u);

    /* the guest's control window and the host's QOM property */
    qpci_io_writeq(h.pf, h.bar4, HACC_CTL_ABNORMAL_SET, 1 << 5);
    g_assert_cmphex(ctl(&h, HACC_CTL_ABNORMAL_SET), ==, 0);
    g_assert_cmphex(rd(pf, HACC_PF_ABNORMAL_INT_SOURCE), ==, 1 << 5);
    g_assert_cmphex(msi_take(&h), ==, MSI_DATA + 3);
    qom_set(&h, "x-abnormal-set", 1 << 6);
    g_assert_cmphex(rd(pf, HACC_PF_ABNORMAL_INT_SOURCE), ==, 0x60);
    g_assert_cmphex(msi_take(&h), ==, MSI_DATA + 3);
    wr(pf, HACC_PF_ABNORMAL_INT_SOURCE, ~0u);

    /* the guest enabled one vector: latched, no message, no crash */
    msi_setup(h.pf, 1);
    wr(pf, ABNORMAL_INT_SET, 1 << 2);
    g_assert_cmphex(rd(pf, HACC_PF_ABNORMAL_INT_STATUS), ==, 1 << 2);
    g_assert_cmphex(msi_take(&h), ==, 0);
    hacc_stop(&h);

    hacc_start(&h, 1, ",x-aeq-irq=off");
    pf = pf_fn(&h);
    msi_setup(h.pf, 1);
    msi_take(&h);
    wr(pf, ABNORMAL_INT_SET, 1 << 2);
    g_assert_cmphex(rd(pf, HACC_PF_ABNORMAL_INT_STATUS), ==, 1 << 2);
    g_assert_cmphex(msi_take(&h), ==, 0);
    hacc_stop(&h);
}

/*
 * x-rst-port=on: the magic written to PF config dword 0x40 (the platform
 * reset method's stand-in) resets the QM state of the PF and its VFs: a
 * latched error, a VFT entry, a VF register; not config space.  The dword
 * reads 0.  Without the property the write resets nothing.
 */
static void test_rst_port(void)
{
    Hacc h;
    uint64_t e;
    int on;

    for (on = 0; on < 2; on++) {
        hacc_start(&h, 1, on ? ",x-rst-port=on" : "");
        hacc_enable_vfs(&h, 1);
        wr(pf_fn(&h), ABNORMAL_INT_SET, 1 << 2);
        e = vft_sqc(64, 16);
        vft_op(&h, false, HACC_VFT_TYPE_SQC, 1, &e);
        wr(vf_fn(&h, 1), HACC_AEQ_INT_MASK, 1);
        qpci_config_writel(h.pf, 0x40, 0x5453525a);
        if (on) {
            g_assert_cmphex(qpci_config_readl(h.pf, 0x40), ==, 0);
        }
        g_assert_cmphex(rd(pf_fn(&h), HACC_PF_ABNORMAL_INT_SOURCE), ==,
                        on ? 0 : 1 << 2);
        e = 0;
        vft_op(&h, true, HACC_VFT_TYPE_SQC, 1, &e);
        g_assert_cmphex(e, ==, on ? 0 : vft_sqc(64, 16));
        g_assert_cmphex(rd(vf_fn(&h, 1), HACC_AEQ_INT_MASK), ==, on ? 0 : 1);
        g_assert_cmphex(qpci_config_readw(h.pf, PCI_COMMAND) &
                        PCI_COMMAND_MEMORY, !=, 0);
        hacc_stop(&h);
    }
}

/*
 * Interrupt sources are write-1-to-clear: EQ_INT_SOURCE latched by an EQE
 * survives a write of 0 and clears with 1; IFC_INT_SOURCE (VF) and the
 * PF's IFC source (0x100138) never read back what is written.  A write to
 * an offset of the function block that no driver uses is counted; a
 * known register or the PF-only space is not.
 */
static void test_int_sources_unimp(void)
{
    Hacc h;
    Eng e;
    uint8_t in[256];
    uint32_t sqe[32];
    Fn vf1;

    eng_start(&h, &e, 1, 16, in, sizeof(in), 5);
    vf1 = vf_fn(&h, 1);
    g_assert_cmphex(rd(vf1, HACC_EQ_INT_SOURCE), ==, 0);
    sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x10000, 4096, 0);
    eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmphex(rd(vf1, HACC_EQ_INT_SOURCE), ==, 1);
    wr(vf1, HACC_EQ_INT_SOURCE, 0);
    g_assert_cmphex(rd(vf1, HACC_EQ_INT_SOURCE), ==, 1);
    wr(vf1, HACC_EQ_INT_SOURCE, 1);
    g_assert_cmphex(rd(vf1, HACC_EQ_INT_SOURCE), ==, 0);
    wr(vf1, HACC_IFC_INT_SOURCE, 1);
    g_assert_cmphex(rd(vf1, HACC_IFC_INT_SOURCE), ==, 0);
    wr(pf_fn(&h), 0x100138, ~0u);
    g_assert_cmphex(rd(pf_fn(&h), 0x100138), ==, 0);

    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_UNIMP_WRITES), ==, 0);
    wr(vf1, HACC_PAGE_SIZE, 0);
    wr(vf1, HACC_VF_AEQC_DW0 + 4, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_UNIMP_WRITES), ==, 0);
    wr(vf1, 0x4000, 0x1234);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_UNIMP_WRITES), ==, 1);
    g_assert_cmphex(rd(vf1, 0x4000), ==, 0x1234);       /* stored anyway */
    wr(vf1, HACC_VF_AEQC_DW0 + HACC_XQC_DWORDS * 4, 1);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_UNIMP_WRITES), ==, 2);
    wr(pf_fn(&h), 0x100, 1);
    wr(pf_fn(&h), 0x300100, 1);                         /* PF-only: no */
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_UNIMP_WRITES), ==, 1);
    hacc_stop(&h);
}

/* A VFT access of type SQC as the drivers start it, without the polls */
static void vft_start(Fn pf, bool read, uint32_t fn, uint64_t data)
{
    wr(pf, HACC_PF_VFT_OP_WR, read);
    wr(pf, HACC_PF_VFT_TYPE, HACC_VFT_TYPE_SQC);
    wr(pf, HACC_PF_VFT_CFG, fn);
    wr(pf, HACC_PF_VFT_DATA_L, (uint32_t)data);
    wr(pf, HACC_PF_VFT_DATA_H, data >> 32);
    wr(pf, HACC_PF_VFT_RDY, 0);
    wr(pf, HACC_PF_VFT_OP_ENABLE, 1);
}

/*
 * Readiness bits as the drivers use them: CACHE_WB_DONE and MEM_INIT_DONE
 * read 0 until their operation has run (from reset, and again from each
 * start), VFT_CFG_RDY reads 1 when idle and keeps the 0 the drivers write
 * before OP_ENABLE until the access is done.
 */
static void test_ready_bits(void)
{
    Hacc h;
    Fn pf, vf1;
    uint64_t e = vft_sqc(16, 8);

    hacc_start(&h, 1, "");
    hacc_enable_vfs(&h, 1);
    pf = pf_fn(&h);
    vf1 = vf_fn(&h, 1);
    g_assert_cmphex(rd(pf, HACC_CACHE_WB_DONE), ==, 0);
    g_assert_cmphex(rd(vf1, HACC_CACHE_WB_DONE), ==, 0);
    wr(vf1, HACC_CACHE_WB_START, 1);
    g_assert_cmphex(rd(vf1, HACC_CACHE_WB_DONE), ==, 1);
    g_assert_cmphex(rd(pf, HACC_CACHE_WB_DONE), ==, 0);
    wr(vf1, HACC_CACHE_WB_DONE, 0);                 /* read-only */
    g_assert_cmphex(rd(vf1, HACC_CACHE_WB_DONE), ==, 1);
    vf_flr(&h, 1);
    g_assert_cmphex(rd(vf1, HACC_CACHE_WB_DONE), ==, 0);

    g_assert_cmphex(rd(pf, HACC_PF_MEM_INIT_DONE), ==, 0);
    wr(pf, HACC_PF_MEM_START_INIT, 1);
    g_assert_cmphex(rd(pf, HACC_PF_MEM_INIT_DONE), ==, 1);

    g_assert_cmphex(rd(pf, HACC_PF_VFT_RDY), ==, 1);
    wr(pf, HACC_PF_VFT_RDY, 0);
    g_assert_cmphex(rd(pf, HACC_PF_VFT_RDY), ==, 0);
    vft_start(pf, false, 1, e);
    g_assert_cmphex(rd(pf, HACC_PF_VFT_RDY), ==, 1);
    hacc_stop(&h);
}

/* Reads the mailbox until busy clears; returns the busy reads seen. */
static unsigned int mb_poll(Fn f, uint32_t *w0)
{
    unsigned int n = 0;

    while ((*w0 = rd(f, HACC_MB_BASE)) & HACC_MB_BUSY) {
        g_assert_cmpuint(++n, <, 100);
    }
    return n;
}

static void mb_send(Fn f, uint32_t w0, uint64_t base)
{
    wr(f, HACC_MB_BASE, w0);
    wr(f, HACC_MB_ADDR_L, (uint32_t)base);
    wr(f, HACC_MB_ADDR_H, base >> 32);
    wr(f, HACC_MB_RSVD, 0);
}

/*
 * x-mb-busy-reads=3, x-ready-reads=2: each operation shows "in progress"
 * for that many reads of its status register and takes effect on the read
 * after, so its result is not there for a driver that does not poll.
 */
static void test_held_ops(void)
{
    Hacc h;
    Fn pf, vf1;
    uint32_t w0, qc[8] = { 0 };
    uint64_t e = vft_sqc(16, 8);
    int i;

    hacc_start(&h, 1, ",x-mb-busy-reads=3,x-ready-reads=2");
    hacc_enable_vfs(&h, 1);
    pf = pf_fn(&h);
    vf1 = vf_fn(&h, 1);

    /* mailbox: idle before, busy for 3 reads, then done */
    g_assert_cmphex(rd(vf1, HACC_MB_BASE) & HACC_MB_BUSY, ==, 0);
    mb_send(vf1, mb_word(HACC_MB_CMD_SQC_BT, false, 0), 0x9000);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_MB_TOTAL), ==, 0);
    /* a second command while busy is dropped */
    mb_send(vf1, mb_word(HACC_MB_CMD_CQC_BT, false, 0), 0xa000);
    g_assert_cmpuint(mb_poll(vf1, &w0), ==, 3);
    g_assert_cmphex(w0 & (HACC_MB_CMD_MASK | HACC_MB_STATUS_MASK), ==,
                    HACC_MB_CMD_SQC_BT);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_MB_TOTAL), ==, 1);
    /* op=1: the result words only after the busy reads */
    mb_send(vf1, mb_word(HACC_MB_CMD_SQC_BT, true, 0), 0);
    g_assert_cmphex(rd(vf1, HACC_MB_ADDR_L), ==, 0);
    g_assert_cmpuint(mb_poll(vf1, &w0), ==, 3);
    g_assert_cmphex(rd(vf1, HACC_MB_ADDR_L), ==, 0x9000);
    mb_send(vf1, mb_word(HACC_MB_CMD_CQC_BT, true, 0), 0);
    g_assert_cmpuint(mb_poll(vf1, &w0), ==, 3);
    g_assert_cmphex(rd(vf1, HACC_MB_ADDR_L), ==, 0);

    /* cache write-back: the table is written when DONE first reads 1 */
    put32(qc, 1, 0x123000);
    qtest_memwrite(h.qts, DMA_A, qc, sizeof(qc));
    mb_send(vf1, mb_word(HACC_MB_CMD_SQC, false, 5), DMA_A);
    mb_poll(vf1, &w0);
    g_assert_cmphex(w0 & HACC_MB_STATUS_MASK, ==, 0);
    qtest_memset(h.qts, 0x9000, 0, 0x100);
    for (i = 0; i < 2; i++) {
        wr(vf1, HACC_CACHE_WB_START, 1);
        g_assert_cmphex(rd(vf1, HACC_CACHE_WB_DONE), ==, 0);
        g_assert_cmphex(rd(vf1, HACC_CACHE_WB_DONE), ==, 0);
        g_assert_cmphex(qtest_readl(h.qts, 0x9000 + 5 * 32 + 4), ==, 0);
        g_assert_cmphex(rd(vf1, HACC_CACHE_WB_DONE), ==, 1);
        g_assert_cmphex(qtest_readl(h.qts, 0x9000 + 5 * 32 + 4), ==,
                        0x123000);
        qtest_writel(h.qts, 0x9000 + 5 * 32 + 4, 0);
    }

    /* memory init */
    wr(pf, HACC_PF_MEM_START_INIT, 1);
    g_assert_cmphex(rd(pf, HACC_PF_MEM_INIT_DONE), ==, 0);
    g_assert_cmphex(rd(pf, HACC_PF_MEM_INIT_DONE), ==, 0);
    g_assert_cmphex(rd(pf, HACC_PF_MEM_INIT_DONE), ==, 1);

    /* VFT write, then read: DATA holds the entry only once RDY reads 1 */
    g_assert_cmphex(rd(pf, HACC_PF_VFT_RDY), ==, 1);
    vft_start(pf, false, 1, e);
    g_assert_cmphex(rd(pf, HACC_PF_VFT_RDY), ==, 0);
    g_assert_cmphex(rd(pf, HACC_PF_VFT_RDY), ==, 0);
    g_assert_cmphex(rd(pf, HACC_PF_VFT_RDY), ==, 1);
    vft_start(pf, true, 1, 0);
    g_assert_cmphex(rd(pf, HACC_PF_VFT_DATA_L), ==, 0);
    g_assert_cmphex(rd(pf, HACC_PF_VFT_RDY), ==, 0);
    g_assert_cmphex(rd(pf, HACC_PF_VFT_RDY), ==, 0);
    g_assert_cmphex(rd(pf, HACC_PF_VFT_RDY), ==, 1);
    g_assert_cmphex(rd(pf, HACC_PF_VFT_DATA_L) |
                    (uint64_t)rd(pf, HACC_PF_VFT_DATA_H) << 32, ==, e);
    mb_send(vf1, mb_word(HACC_MB_CMD_SQC_VFT_V2, true, 0), 0);
    mb_poll(vf1, &w0);
    g_assert_cmphex(rd(vf1, HACC_MB_ADDR_L) |
                    (uint64_t)rd(vf1, HACC_MB_ADDR_H) << 32, ==, e);

    /* an FLR drops a held command */
    mb_send(vf1, mb_word(HACC_MB_CMD_SQC_BT, false, 0), 0xb000);
    vf_flr(&h, 1);
    g_assert_cmphex(rd(vf1, HACC_MB_BASE) & HACC_MB_BUSY, ==, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_MB_TOTAL), ==, 5);
    hacc_stop(&h);
}

/*
 * DMA that lands in the device itself does not re-enter it: a job whose
 * output buffer is the PF's own BAR2 (completed from the engine's timer),
 * a VF mailbox command whose context buffer is the VF's own registers
 * seen through the PF's migration window (from the VF's MMIO), and a VF
 * job writing into that window (from the timer) all fail as a DMA error,
 * and nothing reaches the registers.
 */
static void test_reentrancy(void)
{
    Hacc h;
    Eng e;
    uint8_t in[512];
    uint32_t sqe[32];
    uint64_t win, writes;
    unsigned int slot;

    eng_start(&h, &e, 0, 4, in, sizeof(in), 9);
    sqe_fill(sqe, ENG_DATA, sizeof(in), h.bar2.addr + 0x2000, 4096, 0);
    slot = eng_submit(&e, 0, sqe);
    writes = cnt(&h, 0, HACC_CTL_MMIO_WRITES);
    eng_wait(&e);
    g_assert_cmphex(sqe_word(&e, 0, slot, 3) & 0xff, ==, ST_BAD_BUF);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_MMIO_WRITES), ==, writes);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_DMA_ERRORS), ==, 1);
    g_assert_cmphex(rd(pf_fn(&h), 0x2000), ==, 0);
    hacc_stop(&h);

    hacc_start(&h, 1, ",revision=0x50");
    hacc_enable_vfs(&h, 1);
    eng_init(&e, &h, 1, 4);
    fill_pattern(in, sizeof(in), 9);
    qtest_memwrite(h.qts, ENG_DATA, in, sizeof(in));
    wr(pf_fn(&h), HACC_PF_MIG_REGION_SEL, HACC_PF_MIG_REGION_EN);
    win = h.bar2.addr + HACC_PF_MIG_REGION_BASE + HACC_PF_MIG_REGION_STRIDE;
    writes = cnt(&h, 1, HACC_CTL_MB_TOTAL);
    /* op=1 writes the SQC over the VF's own mailbox: it would run again */
    g_assert_cmpuint(mb(e.f, HACC_MB_CMD_SQC, true, 0, win + HACC_MB_BASE,
                        NULL), ==, MBS_DMA);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_MB_TOTAL), ==, writes + 1);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_DMA_ERRORS), ==, 1);
    sqe_fill(sqe, ENG_DATA, sizeof(in), win + 0x1800, 4096, 0);
    slot = eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmphex(sqe_word(&e, 0, slot, 3) & 0xff, ==, ST_BAD_BUF);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_DMA_ERRORS), ==, 2);
    g_assert_cmphex(rd(pf_fn(&h), win - h.bar2.addr + 0x1800), ==, 0);
    /* the window itself still works from outside */
    wr(pf_fn(&h), win - h.bar2.addr + 0x1800, 0x5a);
    g_assert_cmphex(rd(vf_fn(&h, 1), 0x1800), ==, 0x5a);
    hacc_stop(&h);
}

/*
 * Trace points (log backend, -D file): MMIO accesses, the doorbells,
 * pause and unpause, each with the function number.
 */
static void test_trace(void)
{
    static const char *const want[] = {
        "hisi_acc_mmio_write fn 1 BAR2 0x24 size 4 <- 0x0",
        "hisi_acc_mmio_read fn 1 BAR2 0x300 size 4 -> 0x",
        "hisi_acc_sq_db fn 1 SQ 3 tail 5",
        "hisi_acc_cq_db fn 1 CQ 2 head 7 arm 1",
        "hisi_acc_eq_db fn 1 EQ/AEQ doorbell aeq 0 head 9",
        "hisi_acc_eq_db fn 1 EQ/AEQ doorbell aeq 1 head 4",
        "hisi_acc_pause fn 1 pause with 0 jobs",
        "hisi_acc_unpause fn 1 unpause with 0 jobs",
    };
    Hacc h;
    Fn vf1;
    GError *err = NULL;
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    g_autofree char *args = NULL;
    unsigned int i;
    int fd;

    fd = g_file_open_tmp("hacc-trace-XXXXXX", &path, &err);
    g_assert_no_error(err);
    close(fd);
    args = g_strdup_printf(" -trace 'hisi_acc_*' -D %s", path);
    hacc_start(&h, 1, args);
    hacc_enable_vfs(&h, 1);
    vf1 = vf_fn(&h, 1);
    qpci_io_writeq(vf1.dev, vf1.bar, HACC_DB_SQ_CQ,
                   (uint64_t)HACC_DB_CMD_SQ << HACC_DB_CMD_SHIFT | 3 |
                   (uint64_t)5 << HACC_DB_INDEX_SHIFT);
    qpci_io_writeq(vf1.dev, vf1.bar, HACC_DB_SQ_CQ,
                   (uint64_t)HACC_DB_CMD_CQ << HACC_DB_CMD_SHIFT | 2 |
                   (uint64_t)7 << HACC_DB_INDEX_SHIFT |
                   (uint64_t)1 << HACC_DB_PRIORITY_SHIFT);
    qpci_io_writeq(vf1.dev, vf1.bar, HACC_DB_EQ_AEQ,
                   (uint64_t)HACC_DB_CMD_EQ << HACC_DB_CMD_SHIFT |
                   (uint64_t)9 << HACC_DB_INDEX_SHIFT);
    qpci_io_writeq(vf1.dev, vf1.bar, HACC_DB_EQ_AEQ,
                   (uint64_t)HACC_DB_CMD_AEQ << HACC_DB_CMD_SHIFT |
                   (uint64_t)4 << HACC_DB_INDEX_SHIFT);
    g_assert_cmpuint(mb(vf1, HACC_MB_CMD_PAUSE_QM, false, 0, 0, NULL), ==,
                     0);
    wr(vf1, HACC_IFC_INT_MASK, 0);
    hacc_stop(&h);

    g_assert_true(g_file_get_contents(path, &text, NULL, &err));
    g_assert_no_error(err);
    unlink(path);
    for (i = 0; i < ARRAY_SIZE(want); i++) {
        if (!strstr(text, want[i])) {
            g_test_message("missing in the trace: %s", want[i]);
            g_test_fail();
        }
    }
}

/* Operations held by x-mb-busy-reads / x-ready-reads migrate as they are */
static void test_held_migration(void)
{
    const char *props = ",x-mb-busy-reads=2,x-ready-reads=2";
    Hacc h, d;
    uint32_t w0;
    uint64_t e = vft_sqc(8, 4);

    hacc_start(&h, 1, props);
    hacc_enable_vfs(&h, 1);
    mb_send(vf_fn(&h, 1), mb_word(HACC_MB_CMD_SQC_BT, false, 0), 0x9000);
    g_assert_cmphex(rd(vf_fn(&h, 1), HACC_MB_BASE) & HACC_MB_BUSY, ==,
                    HACC_MB_BUSY);
    vft_start(pf_fn(&h), false, 1, e);
    g_assert_cmphex(rd(pf_fn(&h), HACC_PF_VFT_RDY), ==, 0);
    wr(pf_fn(&h), HACC_PF_MEM_START_INIT, 1);

    migrate_to(&h, &d, 1, props);

    g_assert_cmpuint(mb_poll(vf_fn(&d, 1), &w0), ==, 1);
    g_assert_cmphex(w0 & HACC_MB_STATUS_MASK, ==, 0);
    g_assert_cmphex(rd(pf_fn(&d), HACC_PF_VFT_RDY), ==, 0);
    g_assert_cmphex(rd(pf_fn(&d), HACC_PF_VFT_RDY), ==, 1);
    g_assert_cmphex(rd(pf_fn(&d), HACC_PF_MEM_INIT_DONE), ==, 0);
    g_assert_cmphex(rd(pf_fn(&d), HACC_PF_MEM_INIT_DONE), ==, 0);
    g_assert_cmphex(rd(pf_fn(&d), HACC_PF_MEM_INIT_DONE), ==, 1);
    mb_send(vf_fn(&d, 1), mb_word(HACC_MB_CMD_SQC_BT, true, 0), 0);
    mb_poll(vf_fn(&d, 1), &w0);
    g_assert_cmphex(rd(vf_fn(&d, 1), HACC_MB_ADDR_L), ==, 0x9000);
    mb_send(vf_fn(&d, 1), mb_word(HACC_MB_CMD_SQC_VFT_V2, true, 0), 0);
    mb_poll(vf_fn(&d, 1), &w0);
    g_assert_cmphex(rd(vf_fn(&d, 1), HACC_MB_ADDR_L) |
                    (uint64_t)rd(vf_fn(&d, 1), HACC_MB_ADDR_H) << 32, ==, e);
    hacc_stop(&d);
}

static void mb_start(Fn f, uint8_t cmd)
{
    wr(f, HACC_MB_BASE, mb_word(cmd, false, 0));
    wr(f, HACC_MB_ADDR_L, 0);
    wr(f, HACC_MB_ADDR_H, 0);
    wr(f, HACC_MB_RSVD, 0);
}

/*
 * PAUSE_QM with jobs in flight: the mailbox stays busy until they are
 * done, they complete (CQE), and a doorbell rung meanwhile fetches nothing
 * until the pause ends.
 */
static void test_engine_pause(void)
{
    Hacc h;
    Eng e;
    uint8_t in[1024];
    uint32_t sqe[32];
    unsigned int phase, head, qn;

    eng_start(&h, &e, 1, 16, in, sizeof(in), 4);
    sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x10000, 4096, 0);
    eng_submit(&e, 0, sqe);
    eng_submit(&e, 0, sqe);
    mb_start(e.f, HACC_MB_CMD_PAUSE_QM);
    g_assert_cmphex(rd(e.f, HACC_MB_BASE) & HACC_MB_BUSY, ==, HACC_MB_BUSY);
    eng_submit(&e, 0, sqe);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_FETCHED), ==, 2);
    eng_wait(&e);
    g_assert_cmphex(rd(e.f, HACC_MB_BASE) & HACC_MB_BUSY, ==, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DONE), ==, 2);
    cqe_get(&e, 0, 1, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 1);
    cqe_get(&e, 0, 2, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 0);
    eng_wait(&e);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_FETCHED), ==, 2);
    /* the end of the pause serves the latched doorbell */
    wr(e.f, HACC_IFC_INT_MASK, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_FETCHED), ==, 3);
    eng_wait(&e);
    cqe_get(&e, 0, 2, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 1);
    hacc_stop(&h);
}

/* x-drain-ns: PAUSE_QM holds the mailbox busy that long, even when idle */
static void test_engine_drain(void)
{
    Hacc h;

    hacc_start(&h, 1, ",x-drain-ns=100000");
    mb_start(pf_fn(&h), HACC_MB_CMD_PAUSE_QM);
    g_assert_cmphex(rd(pf_fn(&h), HACC_MB_BASE) & HACC_MB_BUSY, ==,
                    HACC_MB_BUSY);
    qtest_clock_step(h.qts, 50000);
    g_assert_cmphex(rd(pf_fn(&h), HACC_MB_BASE) & HACC_MB_BUSY, ==,
                    HACC_MB_BUSY);
    qtest_clock_step(h.qts, 50001);
    g_assert_cmphex(rd(pf_fn(&h), HACC_MB_BASE) & HACC_MB_BUSY, ==, 0);
    hacc_stop(&h);
}

/*
 * x-fault-hold on VF 1: the job fetched next, and the one fetched after it,
 * stay in the engine while the function runs unpaused, until PAUSE_QM;
 * from then the held job takes x-job-latency-ns, the mailbox busy all
 * along, and both complete once, with output.  A function neither paused
 * nor reset gets its held job done HACC_CTL_HOLD_MAX_NS after the fetch.
 * An FLR drops a held job: no DMA after it, and a PAUSE_QM finds nothing
 * to drain.
 */
static void test_engine_hold(void)
{
    Hacc h;
    Eng e;
    uint8_t in[1024];
    uint32_t sqe[32];
    unsigned int s0, s1, phase, head, qn;
    uint64_t writes;

    eng_start(&h, &e, 1, 16, in, sizeof(in), 9);
    sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x10000, 4096, 0);

    /* held, and the job behind it waits too */
    fault_set(&h, HACC_CTL_FAULT_HOLD, 1 << 1);
    g_assert_cmphex(qom_get_u64(&h, "x-fault-hold"), ==, 1 << 1);
    s0 = eng_submit(&e, 0, sqe);
    g_assert_cmphex(ctl(&h, HACC_CTL_FAULT_HOLD), ==, 0);
    s1 = eng_submit(&e, 0, sqe);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_FETCHED), ==, 2);
    qtest_clock_step(h.qts, HACC_CTL_HOLD_MAX_NS / 2);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DONE), ==, 0);
    cqe_get(&e, 0, 0, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 0);

    /* the pause releases it: the mailbox busy until both are done */
    mb_start(e.f, HACC_MB_CMD_PAUSE_QM);
    g_assert_cmphex(rd(e.f, HACC_MB_BASE) & HACC_MB_BUSY, ==, HACC_MB_BUSY);
    qtest_clock_step(h.qts, ENG_LATENCY - 1);
    g_assert_cmphex(rd(e.f, HACC_MB_BASE) & HACC_MB_BUSY, ==, HACC_MB_BUSY);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DONE), ==, 0);
    qtest_clock_step(h.qts, 1);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DONE), ==, 2);
    g_assert_cmphex(rd(e.f, HACC_MB_BASE) & HACC_MB_BUSY, ==, 0);
    cqe_get(&e, 0, 0, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 1);
    g_assert_cmpuint(head, ==, s0);
    cqe_get(&e, 0, 1, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 1);
    g_assert_cmpuint(head, ==, s1);
    cqe_get(&e, 0, 2, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 0);
    g_assert_cmphex(sqe_word(&e, 0, s0, 3) & 0xff, ==, 0);
    g_assert_cmpuint(sqe_word(&e, 0, s0, 1), >, 0);
    g_assert_cmpuint(sqe_word(&e, 0, s0, 1), ==, sqe_word(&e, 0, s1, 1));
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOB_ERRORS), ==, 0);
    wr(e.f, HACC_IFC_INT_MASK, 0);              /* ends the pause */
    cq_doorbell(&e, 0, 2, true);

    /* never paused */
    fault_set(&h, HACC_CTL_FAULT_HOLD, 1 << 1);
    s0 = eng_submit(&e, 0, sqe);
    qtest_clock_step(h.qts, HACC_CTL_HOLD_MAX_NS - 1);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DONE), ==, 2);
    qtest_clock_step(h.qts, 1);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DONE), ==, 3);
    g_assert_cmphex(sqe_word(&e, 0, s0, 3) & 0xff, ==, 0);

    /* an FLR drops it */
    fault_set(&h, HACC_CTL_FAULT_HOLD, 1 << 1);
    eng_submit(&e, 0, sqe);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_FETCHED), ==, 4);
    vf_flr(&h, 1);
    writes = cnt(&h, 1, HACC_CTL_DMA_WRITES);
    mb_start(e.f, HACC_MB_CMD_PAUSE_QM);
    g_assert_cmphex(rd(e.f, HACC_MB_BASE) & HACC_MB_BUSY, ==, 0);
    qtest_clock_step(h.qts, HACC_CTL_HOLD_MAX_NS + 1);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_DMA_WRITES), ==, writes);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DONE), ==, 3);
    hacc_stop(&h);
}

/*
 * Queue positions live in the function's cache: the SQC/CQC tables in
 * memory get them on CACHE_WB_START only; a new SQC_BT/CQC_BT drops the
 * cache, so a function that skipped the write-back reads stale positions.
 */
static void test_engine_cache_wb(void)
{
    Hacc h;
    Eng e;
    uint8_t in[256];
    uint32_t sqe[32];
    int i;

    eng_start(&h, &e, 0, 4, in, sizeof(in), 5);
    qtest_memset(h.qts, ENG_SQC_BT, 0, 0x100);
    qtest_memset(h.qts, ENG_CQC_BT, 0, 0x100);
    sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x10000, 4096, 0);
    for (i = 0; i < 5; i++) {
        eng_submit(&e, 0, sqe);
    }
    eng_wait(&e);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOBS_DONE), ==, 5);
    g_assert_cmphex(qtest_readl(h.qts, ENG_SQC_BT), ==, 0);
    wr(e.f, HACC_CACHE_WB_START, 1);
    g_assert_cmphex(rd(e.f, HACC_CACHE_WB_DONE), ==, 1);
    /* SQ head 1 = tail 1; CQ tail 1 with the phase flipped to 0 */
    g_assert_cmphex(qtest_readl(h.qts, ENG_SQC_BT), ==, 1 | 1 << 16);
    g_assert_cmphex(qtest_readl(h.qts, ENG_CQC_BT) >> 16, ==, 1);
    g_assert_cmphex(qtest_readl(h.qts, ENG_CQC_BT + 24) & 1, ==, 0);
    g_assert_cmphex(qtest_readl(h.qts, ENG_SQC_BT + 32 + 4), ==,
                    (uint32_t)ENG_SQ(1));

    /* positions lost: the table is rewritten, the cache dropped */
    qtest_writel(h.qts, ENG_SQC_BT, 0);
    g_assert_cmpuint(mb(e.f, HACC_MB_CMD_SQC_BT, false, 0, ENG_SQC_BT,
                        NULL), ==, 0);
    /* head 0 from memory, tail 2 from the doorbell: two jobs */
    e.tail[0] = 1;
    eng_submit(&e, 0, sqe);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOBS_FETCHED), ==, 7);
    hacc_stop(&h);
}

/*
 * The restart both VF drivers send after a load (SQ doorbell, index 0,
 * priority 1) resumes each queue at its context's tail: a queue whose
 * head is not 0 runs none of its old SQEs again, and a tail the guest
 * rang while the function was paused is kept.
 */
static void test_engine_restart(void)
{
    Hacc h;
    Eng e;
    uint8_t in[256];
    uint32_t sqe[32];
    uint64_t kick = (uint64_t)HACC_DB_CMD_SQ << HACC_DB_CMD_SHIFT |
                    1ull << HACC_DB_PRIORITY_SHIFT;
    int i;

    eng_start(&h, &e, 0, 16, in, sizeof(in), 7);
    qtest_memset(h.qts, ENG_SQC_BT, 0, 0x100);
    sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x10000, 4096, 0);
    for (i = 0; i < 3; i++) {
        eng_submit(&e, 0, sqe);
    }
    eng_wait(&e);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOBS_DONE), ==, 3);
    /* as a load does: contexts to the table, the cache dropped */
    wr(e.f, HACC_CACHE_WB_START, 1);
    g_assert_cmpuint(mb(e.f, HACC_MB_CMD_SQC_BT, false, 0, ENG_SQC_BT,
                        NULL), ==, 0);
    qpci_io_writeq(e.f.dev, e.f.bar, HACC_DB_SQ_CQ, kick);
    eng_wait(&e);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOBS_FETCHED), ==, 3);

    /* rung while paused, then the restart: the guest's tail wins */
    g_assert_cmpuint(mb(e.f, HACC_MB_CMD_PAUSE_QM, false, 0, 0, NULL), ==, 0);
    eng_submit(&e, 0, sqe);
    eng_submit(&e, 0, sqe);
    qpci_io_writeq(e.f.dev, e.f.bar, HACC_DB_SQ_CQ, kick);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOBS_FETCHED), ==, 3);
    wr(e.f, HACC_IFC_INT_MASK, 0);          /* ends the pause */
    eng_wait(&e);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOBS_FETCHED), ==, 5);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOBS_DONE), ==, 5);
    hacc_stop(&h);
}

/*
 * A CQ doorbell for a CQ whose context is not cached (dropped by a new
 * CQC_BT, as after a load) moves the head and re-arms the CQ all the same:
 * the next completion posts its EQE.
 */
static void test_engine_cq_uncached(void)
{
    Hacc h;
    Eng e;
    uint8_t in[256];
    uint32_t sqe[32];

    eng_start(&h, &e, 0, 16, in, sizeof(in), 8);
    qtest_memset(h.qts, ENG_CQC_BT, 0, 0x100);
    sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x10000, 4096, 0);
    eng_submit(&e, 0, sqe);
    eng_wait(&e);
    /* the EQE for CQ 0 disarmed it */
    g_assert_cmphex(qtest_readl(h.qts, ENG_EQ), ==, 1 << 16);
    wr(e.f, HACC_CACHE_WB_START, 1);
    g_assert_cmpuint(mb(e.f, HACC_MB_CMD_CQC_BT, false, 0, ENG_CQC_BT,
                        NULL), ==, 0);
    cq_doorbell(&e, 0, 1, true);
    eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOBS_DONE), ==, 2);
    g_assert_cmphex(qtest_readl(h.qts, ENG_EQ + 4), ==, 1 << 16);
    hacc_stop(&h);
}

/*
 * What a test sees of a lost job: the counters of VF 1, with nothing of
 * the job done (no DMA write, no CQE, not counted done) where it did not
 * run.
 */
typedef struct DropSnap {
    uint64_t done, fetched, writes, errors, aeqes;
    uint32_t eq0;
} DropSnap;

static void drop_snap(Eng *e, DropSnap *d)
{
    d->done = cnt(e->h, 1, HACC_CTL_JOBS_DONE);
    d->fetched = cnt(e->h, 1, HACC_CTL_JOBS_FETCHED);
    d->writes = cnt(e->h, 1, HACC_CTL_DMA_WRITES);
    d->errors = cnt(e->h, 1, HACC_CTL_JOB_ERRORS);
    d->aeqes = cnt(e->h, 1, HACC_CTL_AEQES);
    d->eq0 = qtest_readl(e->h->qts, ENG_EQ);
}

/* n drops so far, the last one why at queue 0, slot slot; nothing else */
static void drop_check(Eng *e, const DropSnap *d, uint64_t n,
                       unsigned int why, unsigned int slot)
{
    unsigned int phase, head, qn;

    g_assert_cmpuint(cnt(e->h, 1, HACC_CTL_JOBS_DROPPED), ==, n);
    g_assert_cmphex(cnt(e->h, 1, HACC_CTL_LAST_DROP), ==,
                    why | (uint64_t)slot << 32);
    g_assert_cmpuint(cnt(e->h, 1, HACC_CTL_JOBS_DONE), ==, d->done);
    g_assert_cmpuint(cnt(e->h, 1, HACC_CTL_JOB_ERRORS), ==, d->errors);
    g_assert_cmpuint(cnt(e->h, 1, HACC_CTL_AEQES), ==, d->aeqes);
    g_assert_cmphex(qtest_readl(e->h->qts, ENG_EQ), ==, d->eq0);
    cqe_get(e, 0, 0, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 0);
    g_assert_cmpuint(cnt(e->h, 0, HACC_CTL_JOBS_DROPPED), ==, 0);
}

#define DROP_LATENCY    10000000        /* x-fault-latency-ns by default */

/* A job of queue 0 that takes x-fault-latency-ns, then its slot */
static unsigned int drop_slow_job(Eng *e, const uint32_t *sqe)
{
    fault_set(e->h, HACC_CTL_FAULT_LATENCY, 1 << 1);
    return eng_submit(e, 0, sqe);
}

/* The slow job's time passes: it is dropped, without a DMA write */
static void drop_slow_end(Eng *e, uint64_t n, unsigned int why,
                          unsigned int slot)
{
    DropSnap d;

    drop_snap(e, &d);
    qtest_clock_step(e->h->qts, DROP_LATENCY + 1);
    g_assert_cmpuint(cnt(e->h, 1, HACC_CTL_DMA_WRITES), ==, d.writes);
    drop_check(e, &d, n, why, slot);
}

/*
 * Every way the engine loses a job is counted in HACC_CTL_JOBS_DROPPED,
 * with the reason, queue and slot in HACC_CTL_LAST_DROP, and changes
 * nothing else: at completion, a job whose SQC moved (new SQ base), whose
 * SQC is gone (SQC_BT 0) or whose CQ has no context (CQC_BT 0) does no
 * DMA write and is not done; a doorbell on a queue without a context,
 * with a tail beyond the depth, or whose SQE cannot be read fetches
 * nothing.  A CQE that cannot be written (CQ base unmapped) loses a job
 * that ran.
 */
static void test_engine_drops(void)
{
    Hacc h;
    Eng e;
    uint8_t in[256];
    uint32_t sqe[32], qc[8] = { 0 };
    unsigned int slot;
    DropSnap d;

    eng_start(&h, &e, 1, 16, in, sizeof(in), 10);
    sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x10000, 4096, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DROPPED), ==, 0);
    g_assert_cmphex(cnt(&h, 1, HACC_CTL_LAST_DROP), ==, 0);

    /* the SQC rewritten with another SQ base under a running job */
    slot = drop_slow_job(&e, sqe);
    put32(qc, 1, (uint32_t)ENG_SQ(2));
    put32(qc, 3, (e.depth - 1) | 7 << 12);
    ctx_set(&e, HACC_MB_CMD_SQC, 0, qc, 8);
    drop_slow_end(&e, 1, HACC_CTL_DROP_SQC_MOVED, slot);

    /* the SQC table gone (SQC_BT 0) under a running job */
    eng_queue(&e, 0, 0);
    slot = drop_slow_job(&e, sqe);
    g_assert_cmpuint(mb(e.f, HACC_MB_CMD_SQC_BT, false, 0, 0, NULL), ==, 0);
    drop_slow_end(&e, 2, HACC_CTL_DROP_NO_SQC, slot);
    /* and a doorbell on that queue: nothing to fetch from */
    drop_snap(&e, &d);
    eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_FETCHED), ==, d.fetched);
    drop_check(&e, &d, 3, HACC_CTL_DROP_NO_SQC, HACC_CTL_DROP_NO_SLOT);

    /* the CQC table gone (CQC_BT 0) under a running job */
    g_assert_cmpuint(mb(e.f, HACC_MB_CMD_SQC_BT, false, 0, ENG_SQC_BT,
                        NULL), ==, 0);
    eng_queue(&e, 0, 0);
    slot = drop_slow_job(&e, sqe);
    g_assert_cmpuint(mb(e.f, HACC_MB_CMD_CQC_BT, false, 0, 0, NULL), ==, 0);
    drop_slow_end(&e, 4, HACC_CTL_DROP_NO_CQC, slot);

    /* a doorbell whose tail is beyond the depth */
    g_assert_cmpuint(mb(e.f, HACC_MB_CMD_CQC_BT, false, 0, ENG_CQC_BT,
                        NULL), ==, 0);
    eng_queue(&e, 0, 0);
    drop_snap(&e, &d);
    qpci_io_writeq(e.f.dev, e.f.bar, HACC_DB_SQ_CQ,
                   (uint64_t)HACC_DB_CMD_SQ << HACC_DB_CMD_SHIFT |
                   (uint64_t)e.depth << HACC_DB_INDEX_SHIFT);
    eng_wait(&e);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_FETCHED), ==, d.fetched);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_DMA_WRITES), ==, d.writes);
    drop_check(&e, &d, 5, HACC_CTL_DROP_BAD_POS, 0);

    /* an SQ base the engine cannot read: the SQE is not fetched */
    eng_queue(&e, 0, 0);
    memset(qc, 0, sizeof(qc));
    put32(qc, 1, (uint32_t)DMA_UNMAPPED);
    put32(qc, 2, DMA_UNMAPPED >> 32);
    put32(qc, 3, (e.depth - 1) | 7 << 12);
    ctx_set(&e, HACC_MB_CMD_SQC, 0, qc, 8);
    drop_snap(&e, &d);
    slot = eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_FETCHED), ==, d.fetched);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_DMA_WRITES), ==, d.writes);
    drop_check(&e, &d, 6, HACC_CTL_DROP_SQE_DMA, slot);

    /* a CQ base the engine cannot write: the job ran, its CQE is lost */
    eng_queue(&e, 0, 0);
    slot = drop_slow_job(&e, sqe);
    memset(qc, 0, sizeof(qc));
    put32(qc, 1, (uint32_t)DMA_UNMAPPED);
    put32(qc, 2, DMA_UNMAPPED >> 32);
    put32(qc, 3, (e.depth - 1) | 4 << 12);
    put32(qc, 6, 3);
    ctx_set(&e, HACC_MB_CMD_CQC, 0, qc, 8);
    drop_snap(&e, &d);
    qtest_clock_step(h.qts, DROP_LATENCY + 1);
    drop_check(&e, &d, 7, HACC_CTL_DROP_CQE_DMA, slot);
    g_assert_cmphex(sqe_word(&e, 0, slot, 3) & 0xff, ==, 0);

    /* the queue set up again runs jobs; the PF counted nothing */
    eng_queue(&e, 0, 0);
    drop_snap(&e, &d);
    eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DONE), ==, d.done + 1);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DROPPED), ==, 7);
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOBS_DROPPED), ==, 0);
    hacc_stop(&h);
}

/*
 * An FLR drops the jobs in flight: no DMA, no CQE after it; they are
 * counted flushed, not dropped.
 */
static void test_engine_flr(void)
{
    Hacc h;
    Eng e;
    uint8_t in[256];
    uint32_t sqe[32];
    unsigned int phase, head, qn;
    uint64_t writes;

    eng_start(&h, &e, 1, 16, in, sizeof(in), 6);
    sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x10000, 4096, 0);
    eng_submit(&e, 0, sqe);
    eng_submit(&e, 0, sqe);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_FLUSHED), ==, 0);
    vf_flr(&h, 1);
    writes = cnt(&h, 1, HACC_CTL_DMA_WRITES);
    eng_wait(&e);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_DMA_WRITES), ==, writes);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DONE), ==, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_FLUSHED), ==, 2);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DROPPED), ==, 0);
    cqe_get(&e, 0, 0, &phase, &head, &qn);
    g_assert_cmpuint(phase, ==, 0);
    /* an FLR of an idle function flushes nothing */
    vf_flr(&h, 1);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_FLUSHED), ==, 2);

    /*
     * Bus mastering off, as before an FLR: the job due meanwhile ends
     * unrun, flushed, and a doorbell fetches nothing until it is back on.
     */
    eng_init(&e, &h, 1, 16);
    eng_submit(&e, 0, sqe);
    qpci_config_writew(h.vf[0], PCI_COMMAND, PCI_COMMAND_MEMORY);
    writes = cnt(&h, 1, HACC_CTL_DMA_WRITES);
    eng_wait(&e);
    eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_FLUSHED), ==, 3);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_FETCHED), ==, 3);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_DMA_WRITES), ==, writes);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_DMA_ERRORS), ==, 0);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DONE), ==, 0);
    qpci_config_writew(h.vf[0], PCI_COMMAND,
                       PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    eng_submit(&e, 0, sqe);
    eng_wait(&e);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_FETCHED), ==, 5);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DONE), ==, 2);
    g_assert_cmpuint(cnt(&h, 1, HACC_CTL_JOBS_DROPPED), ==, 0);
    hacc_stop(&h);
}

/*
 * Random SQEs and SGLs: whatever they say, every job ends with a CQE and
 * the model survives.  Chains are bounded, addresses may be unmapped.
 */
static void test_engine_fuzz(void)
{
    Hacc h;
    Eng e;
    uint32_t sqe[32];
    uint8_t junk[4096];
    int i, k;
    uint64_t done;

    hacc_start(&h, 1, "");
    eng_init(&e, &h, 0, 64);
    for (k = 0; k < (int)sizeof(junk); k++) {
        junk[k] = g_random_int();
    }
    qtest_memwrite(h.qts, ENG_DATA, junk, sizeof(junk));
    for (i = 0; i < 2000; i++) {
        for (k = 0; k < 32; k++) {
            sqe[k] = g_random_int();
        }
        switch (g_random_int_range(0, 4)) {
        case 0:         /* plausible SGL job with a random SGL */
            put32(sqe, 7, 3u << 28 | g_random_int_range(0, 64));
            put32(sqe, 9, 1 | 1 << 8);
            put32(sqe, 4, g_random_int_range(0, 8192));
            put32(sqe, 14, g_random_int_range(0, 8192));
            put32(sqe, 18, (uint32_t)ENG_DATA + 64 * g_random_int_range(0, 64));
            put32(sqe, 19, 0);
            put32(sqe, 20, (uint32_t)ENG_DATA + 64 * g_random_int_range(0, 64));
            put32(sqe, 21, 0);
            break;
        case 1:         /* flat, random addresses and lengths */
            put32(sqe, 7, 3u << 28);
            put32(sqe, 9, 1);
            break;
        default:
            break;
        }
        eng_submit(&e, g_random_int_range(0, 2), sqe);
        if (i % 16 == 15) {
            eng_wait(&e);
        }
        if (i % 512 == 0) {
            /* re-randomise the buffer area that the SGLs point into */
            for (k = 0; k < (int)sizeof(junk); k++) {
                junk[k] = g_random_int();
            }
            qtest_memwrite(h.qts, ENG_DATA, junk, sizeof(junk));
        }
    }
    eng_wait(&e);
    done = cnt(&h, 0, HACC_CTL_JOBS_DONE);
    g_assert_cmpuint(done, ==, 2000);
    hacc_stop(&h);
}

/*
 * Not a test: with -m perf, the host time the model spends per 4 KiB
 * compression job (fetch, zlib, DMA, CQE, EQE), 32 jobs in flight.
 */
static void bench_engine(void)
{
    Hacc h;
    Eng e;
    uint8_t in[4096];
    uint32_t sqe[32];
    int64_t t0;
    int i, k;

    eng_start(&h, &e, 0, 64, in, sizeof(in), 7);
    sqe_fill(sqe, ENG_DATA, sizeof(in), ENG_DATA + 0x10000, 8192, 0);
    t0 = g_get_monotonic_time();
    for (i = 0; i < 8192; i += 32) {
        for (k = 0; k < 32; k++) {
            eng_submit(&e, 0, sqe);
        }
        eng_wait(&e);
    }
    g_test_message("%d jobs of 4 KiB in %.3f s: %.0f jobs/s", i,
                   (g_get_monotonic_time() - t0) / 1e6,
                   i * 1e6 / (g_get_monotonic_time() - t0));
    g_assert_cmpuint(cnt(&h, 0, HACC_CTL_JOB_ERRORS), ==, 0);
    hacc_stop(&h);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* a failed check fails its test case; the next ones still run */
    g_test_set_nonfatal_assertions();
    qtest_add_func("/hisi-acc/identity", test_identity);
    qtest_add_func("/hisi-acc/ctl-bar-opt-in", test_ctl_bar_opt_in);
    qtest_add_func("/hisi-acc/alg-sec", test_alg_sec);
    qtest_add_func("/hisi-acc/mailbox-protocol", test_mailbox_protocol);
    qtest_add_func("/hisi-acc/vft", test_vft);
    qtest_add_func("/hisi-acc/ready-bits", test_ready_bits);
    qtest_add_func("/hisi-acc/held-ops", test_held_ops);
    qtest_add_func("/hisi-acc/xqc-dma", test_xqc_dma);
    qtest_add_func("/hisi-acc/flr-scope", test_flr_scope);
    qtest_add_func("/hisi-acc/garbage", test_garbage);
    qtest_add_func("/hisi-acc/faults", test_faults);
    qtest_add_func("/hisi-acc/narrow-access", test_narrow_access);
    qtest_add_func("/hisi-acc/mb-128", test_mb_128);
    qtest_add_func("/hisi-acc/aeq-irq-off", test_aeq_irq_off);
    qtest_add_func("/hisi-acc/counters", test_counters);
    qtest_add_func("/hisi-acc/state-hash", test_state_hash);
    qtest_add_func("/hisi-acc/imm-ready", test_imm_ready);
    qtest_add_func("/hisi-acc/many-vfs", test_many_vfs);
    qtest_add_func("/hisi-acc/migration", test_migration);
    qtest_add_func("/hisi-acc/held-migration", test_held_migration);
    qtest_add_func("/hisi-acc/pf-mig-window", test_pf_mig_window);
    qtest_add_func("/hisi-acc/pause", test_pause);
    qtest_add_func("/hisi-acc/engine/one-job", test_engine_one_job);
    qtest_add_func("/hisi-acc/engine/wrap", test_engine_wrap);
    qtest_add_func("/hisi-acc/engine/two-queues", test_engine_two_queues);
    qtest_add_func("/hisi-acc/engine/errors", test_engine_errors);
    qtest_add_func("/hisi-acc/engine/job-faults", test_engine_job_faults);
    qtest_add_func("/hisi-acc/int-sources-unimp", test_int_sources_unimp);
    qtest_add_func("/hisi-acc/rev-v2", test_rev_v2);
    qtest_add_func("/hisi-acc/abnormal-irq", test_abnormal_irq);
    qtest_add_func("/hisi-acc/rst-port", test_rst_port);
    qtest_add_func("/hisi-acc/engine/pause", test_engine_pause);
    qtest_add_func("/hisi-acc/engine/drain", test_engine_drain);
    qtest_add_func("/hisi-acc/engine/hold", test_engine_hold);
    qtest_add_func("/hisi-acc/engine/cache-wb", test_engine_cache_wb);
    qtest_add_func("/hisi-acc/engine/restart", test_engine_restart);
    qtest_add_func("/hisi-acc/engine/cq-uncached", test_engine_cq_uncached);
    qtest_add_func("/hisi-acc/engine/flr", test_engine_flr);
    qtest_add_func("/hisi-acc/engine/drops", test_engine_drops);
    qtest_add_func("/hisi-acc/engine/fuzz", test_engine_fuzz);
    qtest_add_func("/hisi-acc/engine/reentrancy", test_reentrancy);
    qtest_add_func("/hisi-acc/trace", test_trace);
    if (g_test_perf()) {
        qtest_add_func("/hisi-acc/engine/bench", bench_engine);
    }
    return g_test_run();
}
