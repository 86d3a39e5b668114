/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HiSilicon QM accelerator facts shared by the VFIO variant driver, the QEMU
 * device model (tools/qemu) and the selftests: register offsets, mailbox
 * commands, queue-table encoding and the migration stream layout.
 *
 * This header has no kernel dependencies beyond <linux/types.h> so that the
 * same file is compiled into kernel, QEMU and userspace code; where no Linux
 * headers exist (QEMU built on another host) it names the three fixed-width
 * types it uses from <stdint.h> instead.  Offsets come
 * from the hardware (as documented by the in-tree QM PF driver); the stream
 * layout is fixed by compatibility with the mainline driver.
 */
#ifndef HISI_ACC_VFIO_PCI_HW_H
#define HISI_ACC_VFIO_PCI_HW_H

#if defined(__KERNEL__) || defined(__linux__)
#include <linux/types.h>
#else
#include <stdint.h>
#define __u16 uint16_t
#define __u32 uint32_t
#define __u64 uint64_t
#endif

/*
 * Single-bit masks.  The kernel's BIT() is not available to the QEMU and
 * userspace users of this header, so it carries its own.
 */
#define HACC_BIT(n)			(1u << (n))
#define HACC_BIT_ULL(n)			(1ull << (n))

/* PCI identity */
#define HACC_VENDOR_HUAWEI		0x19e5
#define HACC_DEVID_ZIP_PF		0xa250
#define HACC_DEVID_SEC_PF		0xa255
#define HACC_DEVID_HPRE_PF		0xa258
#define HACC_DEVID_ZIP_VF		0xa251
#define HACC_DEVID_SEC_VF		0xa256
#define HACC_DEVID_HPRE_VF		0xa259

/* PCI revision ids (QM hardware versions) */
#define HACC_QM_REV_V1			0x20
#define HACC_QM_REV_V2			0x21
#define HACC_QM_REV_V3			0x30
#define HACC_QM_REV_V4			0x50
#define HACC_QM_REV_V5			0x51

/* The QM registers live in BAR 2 of both PF and VF */
#define HACC_QM_BAR			2
#define HACC_VF_BAR_SIZE		0x10000
/* V3: the upper half of the VF BAR is the migration-control area */
#define HACC_VF_MIG_AREA		0x8000

/* Per-function registers (VF BAR; the PF has the same at the same offsets) */
#define HACC_AEQ_INT_SOURCE		0x0000
#define HACC_AEQ_INT_MASK		0x0004
#define HACC_EQ_INT_SOURCE		0x0008
#define HACC_EQ_INT_MASK		0x000c
#define HACC_IFC_INT_SOURCE		0x0020
#define HACC_IFC_INT_MASK		0x0024
#define HACC_IFC_INT_STATUS		0x0028
#define HACC_IFC_INT_SET		0x002c
#define HACC_QUE_ISO_CFG		0x0030
#define HACC_PAGE_SIZE			0x0034
#define HACC_VF_STATE			0x0060
#define HACC_VF_STATE_READY		0
#define HACC_VF_STATE_NOT_READY		1
#define HACC_CACHE_WB_START		0x0204
#define HACC_CACHE_WB_DONE		0x0208
#define HACC_DB_SQ_CQ			0x1000
#define HACC_DB_EQ_AEQ			0x2000
/* V3+: capability words the QM and engine drivers read (0x3100...) */
#define HACC_QM_CAP_BASE		0x3100

/* Doorbell fields (64-bit write): cmd, queue / index / priority */
#define HACC_DB_CMD_SHIFT		12
#define HACC_DB_INDEX_SHIFT		32
#define HACC_DB_PRIORITY_SHIFT		48
#define HACC_DB_CMD_SQ			0
#define HACC_DB_CMD_CQ			1
#define HACC_DB_CMD_EQ			2
#define HACC_DB_CMD_AEQ			3

/* EQ and AEQ context words (7 dwords each) in the VF migration area */
#define HACC_XQC_DWORDS			7
#define HACC_VF_EQC_DW0			0x8000
#define HACC_VF_AEQC_DW0		0x8020

/* Mailbox: four dwords at 0x300, executed when the last one is written */
#define HACC_MB_BASE			0x0300
#define HACC_MB_ADDR_L			0x0304
#define HACC_MB_ADDR_H			0x0308
#define HACC_MB_RSVD			0x030c
#define HACC_MB_CMD_MASK		0xff
#define HACC_MB_STATUS_SHIFT		9
#define HACC_MB_STATUS_MASK		(0xfu << HACC_MB_STATUS_SHIFT)
#define HACC_MB_BUSY			HACC_BIT(13)
#define HACC_MB_OP_READ			HACC_BIT(14)
#define HACC_MB_QUEUE_SHIFT		16

#define HACC_MB_CMD_SQC			0x0
#define HACC_MB_CMD_CQC			0x1
#define HACC_MB_CMD_EQC			0x2
#define HACC_MB_CMD_AEQC		0x3
#define HACC_MB_CMD_SQC_BT		0x4
#define HACC_MB_CMD_CQC_BT		0x5
#define HACC_MB_CMD_SQC_VFT_V2		0x6
#define HACC_MB_CMD_STOP_QP		0x8
#define HACC_MB_CMD_FLUSH_QM		0x9
#define HACC_MB_CMD_SRC			0xc
#define HACC_MB_CMD_DST			0xd
#define HACC_MB_CMD_PAUSE_QM		0xe

/* PF-only registers */
#define HACC_PF_ABNORMAL_INT_SOURCE	0x100000
#define HACC_PF_ABNORMAL_INT_STATUS	0x100008
#define HACC_PF_MEM_START_INIT		0x100040
#define HACC_PF_MEM_INIT_DONE		0x100044
#define HACC_PF_VFT_OP_ENABLE		0x100054
#define HACC_PF_VFT_OP_WR		0x100058
#define HACC_PF_VFT_TYPE		0x10005c
#define HACC_PF_VFT_CFG			0x100060
#define HACC_PF_VFT_DATA_L		0x100064
#define HACC_PF_VFT_DATA_H		0x100068
#define HACC_PF_VFT_RDY			0x10006c
#define HACC_PF_QP_NUM_CAP		0x100158	/* total [10:0], max per fn [21:11] */
#define HACC_VFT_TYPE_SQC		0
#define HACC_VFT_TYPE_CQC		1
#define HACC_VFT_TYPE_SHAPER		2
#define HACC_PF_ZIP_CORE_INT_STATUS	0x3010ac
#define HACC_PF_SEC_CORE_INT_STATUS	0x301008
#define HACC_PF_HPRE_CORE_INT_STATUS	0x301800

/* SQC VFT entry (V2+): base [43:28], valid bit 44, count - 1 [54:45] */
#define HACC_VFT_SQC_BASE_SHIFT		28
#define HACC_VFT_SQC_BASE_MASK		0xffffull
#define HACC_VFT_SQC_VALID		HACC_BIT_ULL(44)
#define HACC_VFT_SQC_NUM_SHIFT		45
#define HACC_VFT_SQC_NUM_MASK		0x3ffull

/* QM above V3: migration registers in a per-VF window of the PF BAR */
#define HACC_PF_MIG_REGION_SEL		0x100198
#define HACC_PF_MIG_REGION_EN		HACC_BIT(0)
#define HACC_PF_MIG_REGION_BASE		0x180000
#define HACC_PF_MIG_REGION_STRIDE	0x2000
#define HACC_PF_MIG_EQC_DW0		0x1c00
#define HACC_PF_MIG_AEQC_DW0		0x1c20

/*
 * Migration stream.  One fixed-size record, host byte order (the hardware
 * only exists little-endian).  The first HACC_MIG_MATCH_SIZE bytes are the
 * match data sent during PRE_COPY; the rest is the device state sent in
 * STOP_COPY.  Layout is identical to the mainline driver's magic-V2 record.
 */
#define HACC_MIG_MAGIC_V1		0xcdcdcdcdfeedaaccull
#define HACC_MIG_MAGIC_V2		0xaaccfeeddecadedeull
#define HACC_MIG_MAJOR_VER		1
#define HACC_MIG_MINOR_VER		0

struct hacc_mig_data {
	/* match data */
	__u64 magic;
	__u32 qp_num;
	__u32 dev_id;
	__u32 que_iso_cfg;
	__u32 qp_base;
	__u32 vf_state;
	__u16 major_ver;
	__u16 minor_ver;
	__u32 match_rsvd[2];
	/* device state */
	__u32 aeq_int_mask;
	__u32 eq_int_mask;
	__u32 ifc_int_source;
	__u32 ifc_int_mask;
	__u32 ifc_int_set;
	__u32 page_size;
	__u32 eqc_dw[HACC_XQC_DWORDS];
	__u32 aeqc_dw[HACC_XQC_DWORDS];
	__u32 regs_rsvd[5];
	__u32 pad;
	__u64 eqe_dma;
	__u64 aeqe_dma;
	__u64 sqc_dma;
	__u64 cqc_dma;
};

#define HACC_MIG_MATCH_SIZE		40
#define HACC_MIG_DATA_SIZE		176

/*
 * The destination's verdict on a received match header, as a pure function
 * so that the driver's check and userspace (hacc-mig compat) reach it from
 * the same code: the first field that makes the destination refuse, in the
 * order the driver checks them, or HACC_MATCH_OK.  @rec is the source's
 * header, @local the one the destination VF would send itself.  qp_base,
 * vf_state and minor_ver are not compared.
 */
enum hacc_match_field {
	HACC_MATCH_OK = 0,
	HACC_MATCH_MAGIC,
	HACC_MATCH_MAJOR_VER,
	HACC_MATCH_DEV_ID,
	HACC_MATCH_QP_NUM,
	HACC_MATCH_QUE_ISO_CFG,
};

static inline enum hacc_match_field
hacc_match_first_diff(const struct hacc_mig_data *rec,
		      const struct hacc_mig_data *local)
{
	if (rec->magic != HACC_MIG_MAGIC_V2 && rec->magic != HACC_MIG_MAGIC_V1)
		return HACC_MATCH_MAGIC;
	/* V1 records carry no version numbers */
	if (rec->magic == HACC_MIG_MAGIC_V2 &&
	    rec->major_ver != HACC_MIG_MAJOR_VER)
		return HACC_MATCH_MAJOR_VER;
	if (rec->dev_id != local->dev_id)
		return HACC_MATCH_DEV_ID;
	if (rec->qp_num != local->qp_num)
		return HACC_MATCH_QP_NUM;
	if (rec->que_iso_cfg != local->que_iso_cfg)
		return HACC_MATCH_QUE_ISO_CFG;
	return HACC_MATCH_OK;
}

#endif /* HISI_ACC_VFIO_PCI_HW_H */
