/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control window of the QEMU HiSilicon QM model (tools/qemu).  Not hardware:
 * the model exposes it as BAR 4 of the PF (64 KiB, 64-bit, non-prefetchable)
 * when the PF has x-ctl-bar=on (tools/vm/run --model sets it), so that
 * tests and benchmarks inside the guest can read the model's counters
 * and inject faults; the host reaches the same state over QMP (qom-get/qom-set
 * on the PF device).  No driver ever maps this BAR.
 *
 * All registers are 64-bit, little-endian, read with 64-bit or two 32-bit
 * accesses.  Function numbers: 0 is the PF, VF n (1-based, as in sriov) is n.
 */
#ifndef HACC_MODEL_CTL_H
#define HACC_MODEL_CTL_H

#define HACC_CTL_BAR			4
#define HACC_CTL_SIZE			0x10000

#define HACC_CTL_MAGIC			0x0000	/* reads HACC_CTL_MAGIC_VALUE */
#define HACC_CTL_MAGIC_VALUE		0x4d4d51484d4f444cull	/* "LDOMHQMM" */
/*
 * reads 5 (4: counter blocks of 0x100 bytes, no JOBS_DROPPED; 3: no
 * FAULT_HOLD; 2: no ABNORMAL_SET; 1: no job faults)
 */
#define HACC_CTL_VERSION		0x0008
#define HACC_CTL_NUM_FUNCS		0x0010	/* 1 + number of VFs */
#define HACC_CTL_COUNTERS_RESET		0x0018	/* write: bit n resets fn n, ~0 all */
#define HACC_CTL_MB_128			0x0020	/* reads 1 with x-mb-128=on */
/*
 * Write: latch these QM error bits (qm.c's qm_hw_error[], [14:0]) in the
 * PF's ABNORMAL_INT_SOURCE, as a write to the hardware's error-injection
 * register QM_ABNORMAL_INT_SET (PF BAR 2 0x10000c) does, which the PF
 * driver's claim on BAR 2 keeps from the guest's tests; reads 0.  Unmasked
 * errors send the PF's abnormal MSI (vector 3).  From the host: qom-set
 * of the PF's write-only "x-abnormal-set".
 */
#define HACC_CTL_ABNORMAL_SET		0x0028

/*
 * Fault injection.  Each is a bitmap of functions (bit n = function n); the
 * fault applies while the bit is set.  Written from the guest here or from
 * the host with qom-set on the PF properties of the same name.
 */
#define HACC_CTL_FAULT_MB_BUSY		0x0100	/* "x-fault-mb-busy": busy never clears */
#define HACC_CTL_FAULT_MB_ERROR		0x0108	/* "x-fault-mb-error": status != 0 */
#define HACC_CTL_FAULT_CACHE_WB		0x0110	/* "x-fault-cache-wb": WB_DONE reads 0 */
#define HACC_CTL_FAULT_VF_STATE		0x0118	/* "x-fault-vf-state": VF_STATE reads 1 */
#define HACC_CTL_FAULT_ABNORMAL		0x0120	/* "x-fault-abnormal": PF 0x100008 != 0 */
/*
 * Job faults of the ZIP engine.  One-shot: bit n hits the next job that
 * function n fetches from any of its SQs, and the model then clears the
 * bit, so reading the bitmap back tells whether the fault has fired.
 * Jobs complete in fetch order, so a latency spike delays the jobs the
 * function fetched after it too.
 */
/* "x-fault-job-error": the job ends with HACC_CTL_JOB_ERROR_STATUS, nothing produced */
#define HACC_CTL_FAULT_JOB_ERROR	0x0128
/* "x-fault-lost-irq": its CQE is written, no EQE, no MSI; the CQ stays armed */
#define HACC_CTL_FAULT_LOST_IRQ		0x0130
/* "x-fault-latency": the job takes FAULT_LATENCY_NS */
#define HACC_CTL_FAULT_LATENCY		0x0138
/*
 * "x-fault-dma": reading its source buffer faults: status 0x02 and an AEQE
 * (see below)
 */
#define HACC_CTL_FAULT_DMA		0x0140
/* "x-fault-latency-ns": a value, not a bitmap; default 10 ms */
#define HACC_CTL_FAULT_LATENCY_NS	0x0148
/*
 * "x-fault-hold": the job does not complete until its function gets
 * PAUSE_QM, and then after x-job-latency-ns, with the mailbox busy until
 * it has (a drain that has something to wait for).  A reset or FLR of the
 * function drops it with its other jobs; a function that is neither paused
 * nor reset gets it done HACC_CTL_HOLD_MAX_NS (1 s of virtual time) after
 * its fetch.
 */
#define HACC_CTL_FAULT_HOLD		0x0150
#define HACC_CTL_HOLD_MAX_NS		1000000000ull
#define HACC_CTL_JOB_ERROR_STATUS	0x04	/* SQE dw3[7:0] of FAULT_JOB_ERROR */
/*
 * A job whose buffer DMA faults (injected or real) completes with status
 * 0x02 and posts an AEQE on the function's AEQ: queue number [15:0],
 * phase [16], type [20:17] = HACC_CTL_AEQE_CQE_ERROR (qm.c's QM_CQE_ERROR),
 * with the AEQ's MSI vector (capability 0x3110) unless AEQ_INT_MASK is set.
 */
#define HACC_CTL_AEQE_CQE_ERROR		2

/*
 * Per-function counters, one block of HACC_CTL_FN_STRIDE bytes per function.
 * MMIO counts are accesses to BAR 2 (the QM registers) of that function; a
 * 64-bit access counts once.  An access through the PF's migration window
 * of a VF (revision above 0x30, MIG_REGION_SEL on) counts for that VF, not
 * the PF: it reaches the VF's registers.  Over QMP the PF's read-only property
 * "x-counters" is a list of HACC_CTL_FN_STRIDE / 8 values per function
 * 0..num-vfs in this layout (value fn * 64 + HACC_CTL_MB_TOTAL / 8 is the
 * mailbox total of fn), and the write-only uint64 "x-counters-reset" works
 * like HACC_CTL_COUNTERS_RESET.  Device resets keep counters and faults.
 */
#define HACC_CTL_FN_BASE		0x1000
#define HACC_CTL_FN_STRIDE		0x200
#define HACC_CTL_FN(fn)			(HACC_CTL_FN_BASE + (fn) * HACC_CTL_FN_STRIDE)
#define HACC_CTL_MMIO_READS		0x00
#define HACC_CTL_MMIO_WRITES		0x08
#define HACC_CTL_DMA_READS		0x10	/* DMA transactions issued */
#define HACC_CTL_DMA_WRITES		0x18
#define HACC_CTL_MB_TOTAL		0x20	/* mailbox commands executed */
#define HACC_CTL_MB_ERRORS		0x28	/* ... that ended with error status */
#define HACC_CTL_FLRS			0x30	/* function-level resets */
/*
 * Read-only fingerprint (64-bit FNV-1a) of the whole state the model keeps
 * for the function: its register file, its queue contexts and table bases,
 * and for a VF the VFT entries its PF gave it.  Computed on each read (a PF
 * read hashes 4 MiB), so it is not part of the QMP "x-counters" list, where
 * this slot reads 0.  Equal before and after something means it changed
 * nothing in the function.
 */
#define HACC_CTL_STATE_HASH		0x38
#define HACC_CTL_MB_CMD(cmd)		(0x40 + (cmd) * 8)	/* cmd 0..15 */
/* ZIP task engine: jobs fetched from SQs, completed, completed with error */
#define HACC_CTL_JOBS_FETCHED		0xc0
#define HACC_CTL_JOBS_DONE		0xc8
#define HACC_CTL_JOB_ERRORS		0xd0
/* Writes to offsets of BAR 2 the model does not implement (stored anyway) */
#define HACC_CTL_UNIMP_WRITES		0xd8
#define HACC_CTL_AEQES			0xe0	/* AEQEs posted */
#define HACC_CTL_DMA_ERRORS		0xe8	/* DMA transactions that failed */
/*
 * EQ interrupts the model sent: MSIs of the EQ's vector with EQ_INT_MASK
 * clear, MSI enabled and that vector unmasked.  One whose vector is masked
 * in the MSI capability is not counted (the capability's pending bit then
 * holds it).  Set against the EQEs a guest consumed, it tells an interrupt
 * the model never sent from one lost on the way to the guest.
 */
#define HACC_CTL_EQ_MSIS		0xf0
/* x-mb-128=on: mailbox writes refused for not being one 128-bit store */
#define HACC_CTL_MB_FORM_ERRORS		0xf8
/*
 * Jobs the engine lost: each job it fetched that ends without a CQE, and
 * each SQ doorbell it discarded with SQEs it did not fetch (no retry until
 * the next doorbell of that queue), for one of the reasons below.  A reset
 * or FLR of the function, which drops its jobs in flight as the driver
 * asked, is not counted here but in JOBS_FLUSHED.  Each drop also logs a LOG_GUEST_ERROR (function,
 * queue, slot, reason) and traces hisi_acc_job_dropped.  Nothing else of
 * the job happens: not counted done, no output, no CQE, EQE or MSI.  So
 * JOBS_FETCHED = JOBS_DONE + JOBS_FLUSHED + jobs in flight + the fetched
 * jobs dropped (reasons NO_SQC, SQC_MOVED, NO_CQC, CQE_DMA).
 */
#define HACC_CTL_JOBS_DROPPED		0x100
/*
 * The last drop: reason [7:0] (HACC_CTL_DROP_*), queue [31:16], SQ slot
 * [47:32] (HACC_CTL_DROP_NO_SLOT for a doorbell whose SQ has no context);
 * 0 if none since the counters were reset.
 */
#define HACC_CTL_LAST_DROP		0x108
#define HACC_CTL_DROP_NO_SLOT		0xffff
/* at fetch or completion: no SQ context cached and none readable (SQC_BT) */
#define HACC_CTL_DROP_NO_SQC		1
/* at completion: the SQC's base or CQ number changed since the fetch */
#define HACC_CTL_DROP_SQC_MOVED		2
#define HACC_CTL_DROP_SQE_DMA		3	/* at fetch: reading the SQE failed */
#define HACC_CTL_DROP_BAD_POS		4	/* at fetch: head or tail >= SQ depth */
/* at completion: the SQC's CQ has no context (none cached or readable) */
#define HACC_CTL_DROP_NO_CQC		5
#define HACC_CTL_DROP_CQE_DMA		6	/* at completion: writing the CQE failed */
/* The reasons in words (the model's log and trace, the tests' messages) */
#define HACC_CTL_DROP_WHY {						\
	[HACC_CTL_DROP_NO_SQC] = "the SQ has no context",		\
	[HACC_CTL_DROP_SQC_MOVED] = "its SQ base or CQ changed after the fetch", \
	[HACC_CTL_DROP_SQE_DMA] = "reading the SQE failed",		\
	[HACC_CTL_DROP_BAD_POS] = "SQ head or tail beyond the depth",	\
	[HACC_CTL_DROP_NO_CQC] = "its CQ has no context",		\
	[HACC_CTL_DROP_CQE_DMA] = "writing the CQE failed",		\
}

/*
 * Jobs in flight that a reset or FLR of the function discarded, and jobs
 * due while the function's Bus Master Enable was off (the kernel clears it
 * before an FLR), which end unrun and without a CQE: as the driver asked,
 * not drops.  JOBS_FETCHED - JOBS_DONE - JOBS_FLUSHED - the fetched jobs
 * dropped = the jobs in the engine now.
 */
#define HACC_CTL_JOBS_FLUSHED		0x110

#define HACC_CTL_MAX_FUNCS		64

#endif /* HACC_MODEL_CTL_H */
