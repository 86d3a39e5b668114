// SPDX-License-Identifier: GPL-2.0-only
/*
 * QM command sequences of hisi_acc_vfio_pci: the mailbox, the queue-table
 * read through the PF, pausing the VF's task processing, the drain checks
 * and cache write-back before a capture, and the register save, load and
 * restart.  The migration core (hisi_acc_vfio_pci_mig.c) runs them; they
 * reach the device only through struct hacc_io_ops.
 */

#include <linux/device.h>
#include <linux/export.h>
#include <linux/iopoll.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include <kunit/visibility.h>

#include "hisi_acc_vfio_pci.h"

/* Word 0 of an EQ/AEQ context holds the consumer head */
#define HACC_XQC_HEAD_MASK	0xffff

/* ---------------------------------------------------------------------- */
/* Device access                                                          */
/* ---------------------------------------------------------------------- */

/* One counted 32-bit access to a register of the PF's QM (@pf) or the VF's */
static u32 hacc_io_rd(struct hacc_mig *mig, bool pf, u32 off)
{
	mig->stats.mmio_reads++;
	return (pf ? mig->ops->pf_read : mig->ops->vf_read)(mig, off);
}

static void hacc_io_wr(struct hacc_mig *mig, bool pf, u32 off, u32 val)
{
	mig->stats.mmio_writes++;
	(pf ? mig->ops->pf_write : mig->ops->vf_write)(mig, off, val);
}

/* The VF's registers, the common case */
static u32 hacc_rd(struct hacc_mig *mig, u32 off)
{
	return hacc_io_rd(mig, false, off);
}

static void hacc_wr(struct hacc_mig *mig, u32 off, u32 val)
{
	hacc_io_wr(mig, false, off, val);
}

static void hacc_doorbell(struct hacc_mig *mig, u16 queue, u8 cmd, u16 index,
			  u8 priority)
{
	u64 val = queue | (u64)cmd << HACC_DB_CMD_SHIFT |
		  (u64)index << HACC_DB_INDEX_SHIFT |
		  (u64)priority << HACC_DB_PRIORITY_SHIFT;
	u32 off = cmd <= HACC_DB_CMD_CQ ? HACC_DB_SQ_CQ : HACC_DB_EQ_AEQ;

	mig->stats.mmio_writes++;
	mig->ops->vf_write64(mig, off, val);
}

/* Read the four mailbox words as one access; return word 0 (status) */
static u32 hacc_mb_snap(struct hacc_mig *mig, u32 *words)
{
	mig->stats.mmio_reads++;
	mig->ops->vf_mb_read(mig, words);
	return words[0];
}

/*
 * Wait for the mailbox's busy bit to clear; *@val gets the status word.
 * A command that returns data needs its status and result from the same
 * read, the four words as one access (@snap receives them).  Every other
 * wait reads the status word alone, one 32-bit access, as the Linux 6.12
 * QM driver polls it: where there is no 128-bit MMIO load (the device
 * model on x86) the four words cost four accesses at each poll.
 */
static int hacc_mb_wait(struct hacc_mig *mig, u32 *snap, unsigned long timeout_us,
			u32 *val)
{
	if (snap)
		return read_poll_timeout(hacc_mb_snap, *val, !(*val & HACC_MB_BUSY),
					 HACC_POLL_US, timeout_us, false, mig, snap);
	return read_poll_timeout(hacc_rd, *val, !(*val & HACC_MB_BUSY),
				 HACC_POLL_US, timeout_us, false, mig, HACC_MB_BASE);
}

/*
 * Run one mailbox command on the VF.  The busy bit is only polled before
 * the command when the mailbox has not been seen idle since the guest last
 * ran: the VM is stopped whenever the driver uses the mailbox, so after one
 * command completes nobody else can start one.
 */
static int hacc_mailbox(struct hacc_mig *mig, u8 cmd, bool read, u64 addr,
			u64 *out)
{
	u32 words[4] = {
		cmd | HACC_MB_BUSY | (read ? HACC_MB_OP_READ : 0),
		lower_32_bits(addr), upper_32_bits(addr), 0,
	};
	u32 snap[4];
	u32 val;
	int ret;

	if (!mig->mb_idle) {
		ret = hacc_mb_wait(mig, NULL, HACC_POLL_TIMEOUT_US, &val);
		if (ret) {
			dev_err_ratelimited(mig->dev, "mailbox: busy (%#x) before command %#x\n",
					    val, cmd);
			return -ETIMEDOUT;
		}
	}

	mig->mb_idle = false;
	mig->stats.mailbox++;
	mig->stats.mmio_writes += ARRAY_SIZE(words);
	mig->ops->vf_mb_send(mig, words);

	ret = hacc_mb_wait(mig, out ? snap : NULL, HACC_MB_DONE_US, &val);
	if (ret) {
		dev_err_ratelimited(mig->dev, "mailbox: command %#x still busy after %ld us\n",
				    cmd, HACC_MB_DONE_US);
		mig->mb_lost++;
		return -ETIMEDOUT;
	}
	if (val & HACC_MB_STATUS_MASK) {
		dev_err_ratelimited(mig->dev, "mailbox: command %#x status %u, expected 0\n",
				    cmd, (val & HACC_MB_STATUS_MASK) >> HACC_MB_STATUS_SHIFT);
		return -EIO;
	}
	mig->mb_idle = true;

	/* The result comes with the status that said done (words 1 and 2) */
	if (out)
		*out = snap[1] | (u64)snap[2] << 32;
	return 0;
}

/**
 * hacc_vft_decode() - decode the SQC queue-table entry of a function
 * @vft: the 64-bit entry
 * @base: first queue of the function
 * @num: number of queues of the function
 *
 * Return: 0, or -ENXIO if the entry is not valid (the function has no queues).
 */
VISIBLE_IF_KUNIT int hacc_vft_decode(u64 vft, u32 *base, u32 *num)
{
	if (!(vft & HACC_VFT_SQC_VALID))
		return -ENXIO;
	*base = (vft >> HACC_VFT_SQC_BASE_SHIFT) & HACC_VFT_SQC_BASE_MASK;
	*num = ((vft >> HACC_VFT_SQC_NUM_SHIFT) & HACC_VFT_SQC_NUM_MASK) + 1;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hacc_vft_decode);

/*
 * The PF's queue-table access registers are one set for all its VFs, and
 * VFs of one PF run their arcs concurrently: one table read at a time.
 */
static DEFINE_MUTEX(hacc_vft_lock);

/* Reads of the queue table until two in a row agree (hacc_read_vft()) */
#define HACC_VFT_READS	3

static int hacc_read_vft_once(struct hacc_mig *mig, u64 *vft)
{
	u32 val;
	int ret;

	ret = read_poll_timeout(hacc_io_rd, val, val & 1, HACC_POLL_US,
				HACC_POLL_TIMEOUT_US, false, mig, true,
				HACC_PF_VFT_RDY);
	if (ret)
		goto timeout;

	hacc_io_wr(mig, true, HACC_PF_VFT_OP_WR, 1);
	hacc_io_wr(mig, true, HACC_PF_VFT_TYPE, HACC_VFT_TYPE_SQC);
	hacc_io_wr(mig, true, HACC_PF_VFT_CFG, mig->fn);
	hacc_io_wr(mig, true, HACC_PF_VFT_RDY, 0);
	hacc_io_wr(mig, true, HACC_PF_VFT_OP_ENABLE, 1);

	ret = read_poll_timeout(hacc_io_rd, val, val & 1, HACC_POLL_US,
				HACC_POLL_TIMEOUT_US, false, mig, true,
				HACC_PF_VFT_RDY);
	if (ret)
		goto timeout;

	*vft = hacc_io_rd(mig, true, HACC_PF_VFT_DATA_L) |
	       (u64)hacc_io_rd(mig, true, HACC_PF_VFT_DATA_H) << 32;
	return 0;

timeout:
	dev_err_ratelimited(mig->dev, "migration: queue table not ready (%#x) after %u us\n",
			    val, HACC_POLL_TIMEOUT_US);
	return -ETIMEDOUT;
}

/*
 * Read this VF's SQC entry of the queue table through the PF.  The PF
 * driver drives the same registers under no lock we could take (its
 * handler of a VF's QoS query reads the shaper table with them, at any
 * time a guest asks), so a read can interleave with one of its own and
 * return another entry.  What this returns is kept for the VF's lifetime
 * (hacc_capture_match()): it counts only once two reads in a row agree.
 */
static int hacc_read_vft(struct hacc_mig *mig, u32 *base, u32 *num)
{
	u64 vft = 0, prev = 0;
	int i, ret = 0;

	mutex_lock(&hacc_vft_lock);
	for (i = 0; i < HACC_VFT_READS; i++) {
		prev = vft;
		ret = hacc_read_vft_once(mig, &vft);
		if (ret || (i && vft == prev))
			break;
	}
	mutex_unlock(&hacc_vft_lock);
	if (ret)
		return ret;
	if (i == HACC_VFT_READS) {
		dev_err_ratelimited(mig->dev, "migration: queue table entry of function %u changed between reads (%#llx, then %#llx): the PF was using the table\n",
				    mig->fn, prev, vft);
		return -EAGAIN;
	}
	ret = hacc_vft_decode(vft, base, num);
	if (ret)
		dev_err_ratelimited(mig->dev, "migration: queue table entry of function %u is %#llx, not valid\n",
				    mig->fn, vft);
	return ret;
}

/**
 * hacc_capture_match() - fill the match header of a record from the hardware
 * @mig: the core
 * @rec: the record whose first HACC_MIG_MATCH_SIZE bytes are written
 *
 * Reads PF registers only, and only the first time: a VF's queue-table
 * entry and the PF's isolation configuration do not change while the VF
 * exists (the PF assigns the queues when it enables SR-IOV, assigns the
 * same ones again after its own reset, and removes the VF before it could
 * assign others), so the header is kept in @mig->match for the VF's
 * lifetime; a reset of the VF itself does not touch them.  The VF may be
 * running.
 *
 * Return: 0, or the errno of the queue-table read.
 */
int hacc_capture_match(struct hacc_mig *mig, struct hacc_mig_data *rec)
{
	struct hacc_mig_data *m = &mig->match;
	u32 base, num;
	int ret;

	if (!mig->match_valid) {
		ret = hacc_read_vft(mig, &base, &num);
		if (ret)
			return ret;
		memset(m, 0, sizeof(*m));
		m->magic = HACC_MIG_MAGIC_V2;
		m->qp_num = num;
		m->dev_id = mig->dev_id;
		m->que_iso_cfg = hacc_io_rd(mig, true, HACC_QUE_ISO_CFG);
		m->qp_base = base;
		m->vf_state = HACC_VF_STATE_READY;
		m->major_ver = HACC_MIG_MAJOR_VER;
		m->minor_ver = HACC_MIG_MINOR_VER;
		mig->match_valid = true;
	}
	memcpy(rec, m, HACC_MIG_MATCH_SIZE);
	return 0;
}

static int hacc_wait_clear(struct hacc_mig *mig, bool pf, u32 off,
			   const char *what)
{
	u32 val;
	int ret;

	ret = read_poll_timeout(hacc_io_rd, val, !val, 100,
				HACC_DRAIN_TIMEOUT_US, false, mig, pf, off);
	if (ret) {
		dev_err_ratelimited(mig->dev, "migration: %s is %#x after %u us, expected 0\n",
				    what, val, HACC_DRAIN_TIMEOUT_US);
		return -EBUSY;
	}
	return 0;
}

/**
 * hacc_quiesce() - pause the VF's task processing
 * @mig: the core
 *
 * First half of stopping, and all of entering a P2P state: PAUSE_QM makes
 * the QM take no further task from any queue of the VF, so the VF starts no
 * new DMA, while its registers keep answering.  Doorbells the guest rings
 * meanwhile are latched by the QM and served once the pause is released
 * (see Documentation/p2p.rst for the hardware assumption).  A pause that
 * was posted but did not complete puts the core in the ERROR state.
 *
 * Return: 0, or the errno of the mailbox command.
 */
int hacc_quiesce(struct hacc_mig *mig)
{
	unsigned int lost = mig->mb_lost;
	u64 t0 = ktime_get_ns();
	int ret;

	/* Nothing released the last pause (STOP -> RUNNING_P2P): still paused */
	if (mig->quiesced)
		return 0;
	ret = hacc_mailbox(mig, HACC_MB_CMD_PAUSE_QM, false, 0, NULL);
	/*
	 * This pause posted but not completed in time may still take effect:
	 * whether the VF runs is unknown, which only a reset resolves.  (A
	 * mailbox still busy with an earlier lost command posts nothing.)
	 */
	if (ret && mig->mb_lost != lost)
		mig->state = VFIO_DEVICE_STATE_ERROR;
	if (ret)
		return ret;
	mig->quiesced = true;
	mig->stats.last_quiesce_ns = ktime_get_ns() - t0;
	return 0;
}

/* No RAS event on the PF, no PF<->VF message, no accelerator-core interrupt */
static int hacc_drain(struct hacc_mig *mig)
{
	int ret;

	ret = hacc_wait_clear(mig, true, HACC_PF_ABNORMAL_INT_STATUS,
			      "PF abnormal interrupt status");
	if (ret)
		return ret;
	ret = hacc_wait_clear(mig, false, HACC_IFC_INT_STATUS,
			      "IFC interrupt status");
	if (ret)
		return ret;
	ret = hacc_wait_clear(mig, false, HACC_IFC_INT_SET,
			      "IFC interrupt trigger");
	if (ret)
		return ret;
	return hacc_wait_clear(mig, true, mig->core_int_reg,
			       "accelerator core interrupt status");
}

/**
 * hacc_settle() - make a paused VF ready for a capture
 * @mig: the core, VF paused by hacc_quiesce()
 *
 * Second half of stopping: make sure nothing is in flight (no RAS event on
 * the PF, no PF<->VF message pending, no accelerator-core interrupt) and
 * have the QM write its context cache back to memory.
 *
 * Return: 0; -EBUSY if something did not drain; -ETIMEDOUT if the
 * write-back did not complete.
 */
int hacc_settle(struct hacc_mig *mig)
{
	u64 t0 = ktime_get_ns();
	u32 val;
	int ret;

	ret = hacc_drain(mig);
	if (ret)
		return ret;

	hacc_wr(mig, HACC_CACHE_WB_START, 1);
	ret = read_poll_timeout(hacc_rd, val, val & 1, HACC_POLL_US,
				HACC_POLL_TIMEOUT_US, false, mig,
				HACC_CACHE_WB_DONE);
	if (ret) {
		dev_err_ratelimited(mig->dev, "migration: cache write-back done is %#x after %u us, expected bit 0\n",
				    val, HACC_POLL_TIMEOUT_US);
		return -ETIMEDOUT;
	}

	mig->stats.last_stop_ns = ktime_get_ns() - t0;
	return 0;
}

/**
 * hacc_stop_device() - hacc_quiesce() and hacc_settle() at once
 * @mig: the core, VF running
 *
 * The direct arcs RUNNING -> STOP and PRE_COPY -> STOP_COPY, which vfio
 * core walks through the P2P states instead as long as the driver offers
 * P2P (this one always does).  If the settle fails, the VF runs again, so
 * that the state it is in stays true.
 *
 * Return: 0, or the errno of the half that failed.
 */
int hacc_stop_device(struct hacc_mig *mig)
{
	u64 t0 = ktime_get_ns();
	int ret;

	ret = hacc_quiesce(mig);
	if (ret)
		return ret;
	ret = hacc_settle(mig);
	if (ret) {
		hacc_resume_device(mig);
		return ret;
	}
	mig->stats.last_stop_ns = ktime_get_ns() - t0;
	return 0;
}

/**
 * hacc_read_state() - read the device-state part of the record
 * @mig: the core, VF stopped
 * @rec: receives the device state; its match header is left zero
 *
 * Runs with the VF stopped, so the guest driver cannot change anything
 * meanwhile: one read of VF_STATE is enough, and IFC_INT_SET is known to be
 * zero because hacc_settle() waited for it, so it is not read again.  Also
 * notes what hacc_resume_device() must restart if the VF runs again.
 *
 * Return: the record length to send, HACC_MIG_DATA_SIZE, or
 * HACC_MIG_MATCH_SIZE if no guest driver has set the VF up; or the
 * negative errno of a mailbox command.
 */
int hacc_read_state(struct hacc_mig *mig, struct hacc_mig_data *rec)
{
	int i, ret;

	memset(rec, 0, sizeof(*rec));
	if (hacc_rd(mig, HACC_VF_STATE) & 1) {
		/* No guest driver has set the VF up: only match data */
		mig->device_ready = false;
		return HACC_MIG_MATCH_SIZE;
	}

	rec->aeq_int_mask = hacc_rd(mig, HACC_AEQ_INT_MASK);
	rec->eq_int_mask = hacc_rd(mig, HACC_EQ_INT_MASK);
	/*
	 * The PF<->VF channel words are not read: every loader, ours and
	 * mainline alike, re-initialises the channel after a load (source
	 * cleared, unmasked), so whatever the record holds never survives.
	 * The record carries that end state, nothing pending and unmasked,
	 * which the memset above already wrote.
	 */
	rec->page_size = hacc_rd(mig, HACC_PAGE_SIZE);
	for (i = 0; i < HACC_XQC_DWORDS; i++)
		rec->eqc_dw[i] = hacc_rd(mig, mig->eqc_off + 4 * i);
	for (i = 0; i < HACC_XQC_DWORDS; i++)
		rec->aeqc_dw[i] = hacc_rd(mig, mig->aeqc_off + 4 * i);
	rec->eqe_dma = hacc_xqc_dma(rec->eqc_dw);
	rec->aeqe_dma = hacc_xqc_dma(rec->aeqc_dw);

	ret = hacc_mailbox(mig, HACC_MB_CMD_SQC_BT, true, 0, &rec->sqc_dma);
	if (ret)
		return ret;
	ret = hacc_mailbox(mig, HACC_MB_CMD_CQC_BT, true, 0, &rec->cqc_dma);
	if (ret)
		return ret;

	mig->device_ready = true;
	mig->rearm_eq = true;
	mig->eq_head = rec->eqc_dw[0] & HACC_XQC_HEAD_MASK;
	mig->aeq_head = rec->aeqc_dw[0] & HACC_XQC_HEAD_MASK;
	return HACC_MIG_DATA_SIZE;
}

/*
 * Make sure no command is in flight before a load touches the contexts,
 * unless the mailbox was already seen idle since the guest last ran (the
 * PAUSE_QM of RUNNING -> STOP on a destination).
 */
static int hacc_mb_wait_idle(struct hacc_mig *mig)
{
	u32 val;
	int ret;

	if (mig->mb_idle)
		return 0;
	ret = hacc_mb_wait(mig, NULL, HACC_POLL_TIMEOUT_US, &val);
	if (ret) {
		dev_err_ratelimited(mig->dev, "migration: mailbox busy (%#x) before load\n",
				    val);
		return -ETIMEDOUT;
	}
	mig->mb_idle = true;
	return 0;
}

/**
 * hacc_load_state() - load a fully validated record into a stopped VF
 * @mig: the core
 * @rec: the record
 *
 * The two IFC registers are not copied from the record: the PF<->VF
 * channel is always re-initialised (source cleared, unmasked) before the
 * VF runs again, which overwrites them anyway.
 *
 * Return: 0, or -ETIMEDOUT / -EIO from the mailbox (the VF is then
 * partly loaded).
 */
int hacc_load_state(struct hacc_mig *mig, const struct hacc_mig_data *rec)
{
	int i, ret;

	hacc_wr(mig, HACC_VF_STATE, rec->vf_state);
	ret = hacc_mb_wait_idle(mig);
	if (ret)
		return ret;

	hacc_wr(mig, HACC_AEQ_INT_MASK, rec->aeq_int_mask);
	hacc_wr(mig, HACC_EQ_INT_MASK, rec->eq_int_mask);
	if (rec->ifc_int_set)
		hacc_wr(mig, HACC_IFC_INT_SET, rec->ifc_int_set);
	hacc_wr(mig, HACC_QUE_ISO_CFG, rec->que_iso_cfg);
	hacc_wr(mig, HACC_PAGE_SIZE, rec->page_size);
	for (i = 0; i < HACC_XQC_DWORDS; i++)
		hacc_wr(mig, mig->eqc_off + 4 * i, rec->eqc_dw[i]);
	for (i = 0; i < HACC_XQC_DWORDS; i++)
		hacc_wr(mig, mig->aeqc_off + 4 * i, rec->aeqc_dw[i]);

	ret = hacc_mailbox(mig, HACC_MB_CMD_SQC_BT, false, rec->sqc_dma, NULL);
	if (ret)
		return ret;
	ret = hacc_mailbox(mig, HACC_MB_CMD_CQC_BT, false, rec->cqc_dma, NULL);
	if (ret)
		return ret;

	/*
	 * The PF<->VF channel is re-opened on the way to RUNNING
	 * (hacc_resume_device()), which also ends the pause this VF has been
	 * in since it stopped.  Doing it here as well would release the pause
	 * only for STOP -> RUNNING_P2P to issue another PAUSE_QM.
	 */
	return 0;
}

/**
 * hacc_resume_device() - let the VF run again
 * @mig: the core
 *
 * Into RUNNING (from STOP, or with P2P from RUNNING_P2P/PRE_COPY_P2P):
 * release the pause, then restart whatever the last save or load left idle.
 */
void hacc_resume_device(struct hacc_mig *mig)
{
	u32 q, mask;

	if (mig->rearm_eq || mig->kick_qps) {
		/*
		 * After a save or a load, as every loader does: re-open the
		 * PF<->VF channel, which also releases PAUSE_QM.
		 */
		hacc_wr(mig, HACC_IFC_INT_SOURCE, 1);
		hacc_wr(mig, HACC_IFC_INT_MASK, 0);
	} else if (mig->quiesced) {
		/*
		 * A pause and nothing else (a VMM's stop/cont): the guest owns
		 * the channel.  Unmasking ends the pause; the guest's mask is
		 * put back at once and its pending messages are not touched.
		 */
		mask = hacc_rd(mig, HACC_IFC_INT_MASK);
		hacc_wr(mig, HACC_IFC_INT_MASK, 0);
		if (mask)
			hacc_wr(mig, HACC_IFC_INT_MASK, mask);
	}
	mig->quiesced = false;

	if (mig->kick_qps) {
		/* Loaded from a stream: restart every queue of the VF */
		for (q = 0; q < mig->kick_qps; q++)
			hacc_doorbell(mig, q, HACC_DB_CMD_SQ, 0, 1);
		mig->kick_qps = 0;
	} else if (mig->rearm_eq) {
		/* The source resumes after a save (migration abandoned) */
		hacc_doorbell(mig, 0, HACC_DB_CMD_EQ, mig->eq_head, 0);
		hacc_doorbell(mig, 0, HACC_DB_CMD_AEQ, mig->aeq_head, 0);
	}
	mig->rearm_eq = false;
}
