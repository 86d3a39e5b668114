// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO variant driver for the virtual functions of HiSilicon QM based
 * accelerators (ZIP, SEC, HPRE), with STOP_COPY, PRE_COPY and P2P live
 * migration.
 *
 * A VF's migratable state is small: a handful of QM registers, the event
 * queue contexts and four DMA base addresses, 176 bytes in all.  The first
 * 40 bytes ("match data") only describe the VF's configuration, which the
 * guest cannot change, so they are captured when PRE_COPY starts and sent
 * while the VM still runs; a destination checks them as soon as they arrive.
 * The rest is captured after the VF has been paused.
 *
 * Documentation/migration-stream.rst describes the record and its errors.
 */

#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/hisi_acc_qm.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include <kunit/visibility.h>

#include "hisi_acc_vfio_pci.h"

/* Field offsets and sizes of the record, as fixed by the stream format */
static_assert(sizeof(struct hacc_mig_data) == HACC_MIG_DATA_SIZE);
static_assert(offsetof(struct hacc_mig_data, aeq_int_mask) ==
	      HACC_MIG_MATCH_SIZE);
static_assert(offsetof(struct hacc_mig_data, eqe_dma) == 144);

/* Words 1 and 2 of an EQ/AEQ context hold the queue's DMA base */
#define HACC_XQC_DMA_LO		1
#define HACC_XQC_DMA_HI		2
/* Word 0 of an EQ/AEQ context holds the consumer head */
#define HACC_XQC_HEAD_MASK	0xffff

/* How long a migration arc or a VF reset waits for a PF reset to finish */
#define HACC_PF_WAIT_ARC_MS	1000
#define HACC_PF_WAIT_RESET_MS	10000

/* ---------------------------------------------------------------------- */
/* The migration record                                                   */
/* ---------------------------------------------------------------------- */

/**
 * hacc_xqc_dma() - DMA base address held in an EQ or AEQ context
 * @dw: the seven context words
 *
 * Return: the 64-bit address from words 1 (low) and 2 (high).
 */
u64 hacc_xqc_dma(const u32 *dw)
{
	return (u64)dw[HACC_XQC_DMA_HI] << 32 | dw[HACC_XQC_DMA_LO];
}
EXPORT_SYMBOL_IF_KUNIT(hacc_xqc_dma);

/**
 * hacc_vft_decode() - decode the SQC queue-table entry of a function
 * @vft: the 64-bit entry
 * @base: first queue of the function
 * @num: number of queues of the function
 *
 * Return: 0, or -ENXIO if the entry is not valid (the function has no queues).
 */
int hacc_vft_decode(u64 vft, u32 *base, u32 *num)
{
	if (!(vft & HACC_VFT_SQC_VALID))
		return -ENXIO;
	*base = (vft >> HACC_VFT_SQC_BASE_SHIFT) & HACC_VFT_SQC_BASE_MASK;
	*num = ((vft >> HACC_VFT_SQC_NUM_SHIFT) & HACC_VFT_SQC_NUM_MASK) + 1;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hacc_vft_decode);

/**
 * hacc_rec_check_header() - check a received match header against this VF
 * @dev: device for the log message
 * @rec: the received record (at least HACC_MIG_MATCH_SIZE bytes valid)
 * @local: match data captured from this VF
 *
 * Logs one line naming the first field that differs and both values.
 *
 * Return: 0 if the stream can be loaded into this VF, else -EPROTO.
 */
int hacc_rec_check_header(struct device *dev, const struct hacc_mig_data *rec,
			  const struct hacc_mig_data *local)
{
	switch (rec->magic) {
	case HACC_MIG_MAGIC_V2:
		if (rec->major_ver != HACC_MIG_MAJOR_VER) {
			dev_err_ratelimited(dev, "migration: major_ver %u in stream, driver reads %u\n",
					    rec->major_ver, HACC_MIG_MAJOR_VER);
			return -EPROTO;
		}
		break;
	case HACC_MIG_MAGIC_V1:
		/* V1 records carry no version numbers */
		break;
	default:
		dev_err_ratelimited(dev, "migration: magic %#llx in stream, expected %#llx or %#llx\n",
				    rec->magic, HACC_MIG_MAGIC_V2, HACC_MIG_MAGIC_V1);
		return -EPROTO;
	}

	if (rec->dev_id != local->dev_id) {
		dev_err_ratelimited(dev, "migration: dev_id %#x in stream, this VF is %#x\n",
				    rec->dev_id, local->dev_id);
		return -EPROTO;
	}
	if (rec->qp_num != local->qp_num) {
		dev_err_ratelimited(dev, "migration: qp_num %u in stream, this VF has %u\n",
				    rec->qp_num, local->qp_num);
		return -EPROTO;
	}
	if (rec->que_iso_cfg != local->que_iso_cfg) {
		dev_err_ratelimited(dev, "migration: que_iso_cfg %#x in stream, this PF has %#x\n",
				    rec->que_iso_cfg, local->que_iso_cfg);
		return -EPROTO;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hacc_rec_check_header);

/**
 * hacc_rec_check_body() - check (and for V1, repair) a complete record
 * @dev: device for the log message
 * @rec: a record whose header already passed hacc_rec_check_header()
 *
 * Records written before the V2 format stored wrong EQ/AEQ base addresses;
 * the right ones are still in the saved context words, so they are
 * recomputed here.  V2 records must agree with their own context words.
 *
 * Return: 0, or -EPROTO with one log line.
 */
int hacc_rec_check_body(struct device *dev, struct hacc_mig_data *rec)
{
	u64 eq = hacc_xqc_dma(rec->eqc_dw);
	u64 aeq = hacc_xqc_dma(rec->aeqc_dw);

	if (rec->vf_state != HACC_VF_STATE_READY &&
	    rec->vf_state != HACC_VF_STATE_NOT_READY) {
		dev_err_ratelimited(dev, "migration: vf_state %u in stream, expected %u or %u\n",
				    rec->vf_state, HACC_VF_STATE_READY,
				    HACC_VF_STATE_NOT_READY);
		return -EPROTO;
	}

	if (rec->magic == HACC_MIG_MAGIC_V1) {
		rec->eqe_dma = eq;
		rec->aeqe_dma = aeq;
		return 0;
	}

	if (rec->eqe_dma != eq) {
		dev_err_ratelimited(dev, "migration: eqe_dma %#llx in stream, EQC words give %#llx\n",
				    rec->eqe_dma, eq);
		return -EPROTO;
	}
	if (rec->aeqe_dma != aeq) {
		dev_err_ratelimited(dev, "migration: aeqe_dma %#llx in stream, AEQC words give %#llx\n",
				    rec->aeqe_dma, aeq);
		return -EPROTO;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hacc_rec_check_body);

/* ---------------------------------------------------------------------- */
/* Device access                                                          */
/* ---------------------------------------------------------------------- */

static u32 hacc_rd(struct hacc_mig *mig, u32 off)
{
	mig->stats.mmio_reads++;
	return mig->ops->vf_read(mig, off);
}

static void hacc_wr(struct hacc_mig *mig, u32 off, u32 val)
{
	mig->stats.mmio_writes++;
	mig->ops->vf_write(mig, off, val);
}

static u32 hacc_pf_rd(struct hacc_mig *mig, u32 off)
{
	mig->stats.mmio_reads++;
	return mig->ops->pf_read(mig, off);
}

static void hacc_pf_wr(struct hacc_mig *mig, u32 off, u32 val)
{
	mig->stats.mmio_writes++;
	mig->ops->pf_write(mig, off, val);
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
		ret = read_poll_timeout(hacc_mb_snap, val, !(val & HACC_MB_BUSY),
					HACC_POLL_US, HACC_POLL_TIMEOUT_US,
					false, mig, snap);
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

	ret = read_poll_timeout(hacc_mb_snap, val, !(val & HACC_MB_BUSY),
				HACC_POLL_US, HACC_MB_DONE_US, false,
				mig, snap);
	if (ret) {
		dev_err_ratelimited(mig->dev, "mailbox: command %#x still busy after %ld us\n",
				    cmd, HACC_MB_DONE_US);
		mig->mb_lost = true;
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

/*
 * The PF's queue-table access registers are one set for all its VFs, and
 * VFs of one PF run their arcs concurrently: one table read at a time.
 */
static DEFINE_MUTEX(hacc_vft_lock);

static int hacc_read_vft_locked(struct hacc_mig *mig, u32 *base, u32 *num)
{
	u32 val, lo, hi;
	int ret;

	ret = read_poll_timeout(hacc_pf_rd, val, val & 1, HACC_POLL_US,
				HACC_POLL_TIMEOUT_US, false, mig,
				HACC_PF_VFT_RDY);
	if (ret)
		goto timeout;

	hacc_pf_wr(mig, HACC_PF_VFT_OP_WR, 1);
	hacc_pf_wr(mig, HACC_PF_VFT_TYPE, HACC_VFT_TYPE_SQC);
	hacc_pf_wr(mig, HACC_PF_VFT_CFG, mig->fn);
	hacc_pf_wr(mig, HACC_PF_VFT_RDY, 0);
	hacc_pf_wr(mig, HACC_PF_VFT_OP_ENABLE, 1);

	ret = read_poll_timeout(hacc_pf_rd, val, val & 1, HACC_POLL_US,
				HACC_POLL_TIMEOUT_US, false, mig,
				HACC_PF_VFT_RDY);
	if (ret)
		goto timeout;

	lo = hacc_pf_rd(mig, HACC_PF_VFT_DATA_L);
	hi = hacc_pf_rd(mig, HACC_PF_VFT_DATA_H);
	ret = hacc_vft_decode((u64)hi << 32 | lo, base, num);
	if (ret)
		dev_err_ratelimited(mig->dev, "migration: queue table entry of function %u is %#llx, not valid\n",
				    mig->fn, (u64)hi << 32 | lo);
	return ret;

timeout:
	dev_err_ratelimited(mig->dev, "migration: queue table not ready (%#x) after %u us\n",
			    val, HACC_POLL_TIMEOUT_US);
	return -ETIMEDOUT;
}

/* Read this VF's SQC entry of the queue table through the PF */
static int hacc_read_vft(struct hacc_mig *mig, u32 *base, u32 *num)
{
	int ret;

	mutex_lock(&hacc_vft_lock);
	ret = hacc_read_vft_locked(mig, base, num);
	mutex_unlock(&hacc_vft_lock);
	return ret;
}

/* Fill the match header of @rec from the hardware; PF registers only */
static int hacc_capture_match(struct hacc_mig *mig, struct hacc_mig_data *rec)
{
	u32 base, num;
	int ret;

	ret = hacc_read_vft(mig, &base, &num);
	if (ret)
		return ret;

	rec->magic = HACC_MIG_MAGIC_V2;
	rec->qp_num = num;
	rec->dev_id = mig->dev_id;
	rec->que_iso_cfg = hacc_pf_rd(mig, HACC_QUE_ISO_CFG);
	rec->qp_base = base;
	rec->vf_state = HACC_VF_STATE_READY;
	rec->major_ver = HACC_MIG_MAJOR_VER;
	rec->minor_ver = HACC_MIG_MINOR_VER;
	rec->match_rsvd[0] = 0;
	rec->match_rsvd[1] = 0;
	return 0;
}

static int hacc_wait_clear(struct hacc_mig *mig, bool pf, u32 off,
			   const char *what)
{
	u32 val;
	int ret;

	if (pf)
		ret = read_poll_timeout(hacc_pf_rd, val, !val, 100,
					HACC_DRAIN_TIMEOUT_US, false, mig, off);
	else
		ret = read_poll_timeout(hacc_rd, val, !val, 100,
					HACC_DRAIN_TIMEOUT_US, false, mig, off);
	if (ret) {
		dev_err_ratelimited(mig->dev, "migration: %s is %#x after %u us, expected 0\n",
				    what, val, HACC_DRAIN_TIMEOUT_US);
		return -EBUSY;
	}
	return 0;
}

/*
 * First half of stopping, and all of entering a P2P state: PAUSE_QM makes
 * the QM take no further task from any queue of the VF, so the VF starts no
 * new DMA, while its registers keep answering.  Doorbells the guest rings
 * meanwhile are latched by the QM and served once the pause is released
 * (see Documentation/p2p.rst for the hardware assumption).
 */
static int hacc_quiesce(struct hacc_mig *mig)
{
	u64 t0 = ktime_get_ns();
	int ret;

	/* Nothing released the last pause (STOP -> RUNNING_P2P): still paused */
	if (mig->quiesced)
		return 0;
	ret = hacc_mailbox(mig, HACC_MB_CMD_PAUSE_QM, false, 0, NULL);
	/*
	 * A pause posted but not completed in time may still take effect:
	 * whether the VF runs is unknown, which only a reset resolves.
	 */
	if (ret && mig->mb_lost)
		mig->state = VFIO_DEVICE_STATE_ERROR;
	if (ret)
		return ret;
	mig->quiesced = true;
	mig->stats.last_quiesce_ns = ktime_get_ns() - t0;
	return 0;
}

/*
 * Second half of stopping, on a paused VF: make sure nothing is in flight
 * (no RAS event on the PF, no PF<->VF message pending, no accelerator-core
 * interrupt) and have the QM write its context cache back to memory.
 */
static int hacc_settle(struct hacc_mig *mig)
{
	u64 t0 = ktime_get_ns();
	u32 val;
	int ret;

	ret = hacc_wait_clear(mig, true, HACC_PF_ABNORMAL_INT_STATUS,
			      "PF abnormal interrupt status");
	if (!ret)
		ret = hacc_wait_clear(mig, false, HACC_IFC_INT_STATUS,
				      "IFC interrupt status");
	if (!ret)
		ret = hacc_wait_clear(mig, false, HACC_IFC_INT_SET,
				      "IFC interrupt trigger");
	if (!ret)
		ret = hacc_wait_clear(mig, true, mig->core_int_reg,
				      "accelerator core interrupt status");
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

/* Both halves at once: the arcs a core without P2P asks for */
static int hacc_stop_device(struct hacc_mig *mig)
{
	u64 t0 = ktime_get_ns();
	int ret;

	ret = hacc_quiesce(mig);
	if (!ret)
		ret = hacc_settle(mig);
	if (!ret)
		mig->stats.last_stop_ns = ktime_get_ns() - t0;
	return ret;
}

/*
 * Capture the device-state part of the record into @s, which already holds
 * the match header (possibly already read by userspace).  Runs with the VF
 * stopped, so the guest driver cannot change anything meanwhile: one read
 * of VF_STATE is enough, and IFC_INT_SET is known to be zero because
 * hacc_stop_device() waited for it, so it is not read again.
 */
static int hacc_save_state(struct hacc_mig *mig, struct hacc_stream *s)
{
	struct hacc_mig_data tmp;
	size_t len = HACC_MIG_DATA_SIZE;
	u64 t0 = ktime_get_ns();
	int i, ret;

	memset(&tmp, 0, sizeof(tmp));
	if (hacc_rd(mig, HACC_VF_STATE) & 1) {
		/* No guest driver has set the VF up: only match data */
		len = HACC_MIG_MATCH_SIZE;
		mig->device_ready = false;
		goto publish;
	}

	tmp.aeq_int_mask = hacc_rd(mig, HACC_AEQ_INT_MASK);
	tmp.eq_int_mask = hacc_rd(mig, HACC_EQ_INT_MASK);
	/*
	 * The PF<->VF channel words are not read: every loader, ours and
	 * mainline alike, re-initialises the channel after a load (source
	 * cleared, unmasked), so whatever the record holds never survives.
	 * The record carries that end state, nothing pending and unmasked,
	 * which the memset above already wrote.
	 */
	tmp.page_size = hacc_rd(mig, HACC_PAGE_SIZE);
	for (i = 0; i < HACC_XQC_DWORDS; i++)
		tmp.eqc_dw[i] = hacc_rd(mig, mig->eqc_off + 4 * i);
	for (i = 0; i < HACC_XQC_DWORDS; i++)
		tmp.aeqc_dw[i] = hacc_rd(mig, mig->aeqc_off + 4 * i);
	tmp.eqe_dma = hacc_xqc_dma(tmp.eqc_dw);
	tmp.aeqe_dma = hacc_xqc_dma(tmp.aeqc_dw);

	ret = hacc_mailbox(mig, HACC_MB_CMD_SQC_BT, true, 0, &tmp.sqc_dma);
	if (!ret)
		ret = hacc_mailbox(mig, HACC_MB_CMD_CQC_BT, true, 0,
				   &tmp.cqc_dma);
	if (ret)
		return ret;

	mig->device_ready = true;
	mig->rearm_eq = true;
	mig->eq_head = tmp.eqc_dw[0] & HACC_XQC_HEAD_MASK;
	mig->aeq_head = tmp.aeqc_dw[0] & HACC_XQC_HEAD_MASK;

publish:
	mutex_lock(&s->lock);
	/* A header nobody has read yet still says whether the VF was set up */
	if (!s->pos && len == HACC_MIG_MATCH_SIZE)
		s->rec.vf_state = HACC_VF_STATE_NOT_READY;
	memcpy((u8 *)&s->rec + HACC_MIG_MATCH_SIZE,
	       (u8 *)&tmp + HACC_MIG_MATCH_SIZE,
	       HACC_MIG_DATA_SIZE - HACC_MIG_MATCH_SIZE);
	s->avail = len;
	s->final = true;
	memcpy(&mig->last, &s->rec, sizeof(mig->last));
	mig->last_len = len;
	mutex_unlock(&s->lock);
	wake_up_interruptible(&s->wq);

	mig->stats.saves++;
	mig->stats.last_save_ns = ktime_get_ns() - t0;
	return 0;
}

/*
 * Load a fully validated record.  The two IFC registers are not copied from
 * the record: the PF<->VF channel is always re-initialised (source cleared,
 * unmasked) before the VF runs again, which overwrites them anyway.
 */
static int hacc_load_state(struct hacc_mig *mig, const struct hacc_mig_data *rec)
{
	u32 snap[4];
	u32 val;
	int i, ret;

	hacc_wr(mig, HACC_VF_STATE, rec->vf_state);

	/*
	 * Make sure no command is in flight before touching the contexts,
	 * unless the mailbox was already seen idle since the guest last ran
	 * (the PAUSE_QM of RUNNING -> STOP on a destination).
	 */
	if (!mig->mb_idle) {
		ret = read_poll_timeout(hacc_mb_snap, val, !(val & HACC_MB_BUSY),
					HACC_POLL_US, HACC_POLL_TIMEOUT_US,
					false, mig, snap);
		if (ret) {
			dev_err_ratelimited(mig->dev, "migration: mailbox busy (%#x) before load\n",
					    val);
			return -ETIMEDOUT;
		}
		mig->mb_idle = true;
	}

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
	if (!ret)
		ret = hacc_mailbox(mig, HACC_MB_CMD_CQC_BT, false, rec->cqc_dma,
				   NULL);
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

/*
 * Into RUNNING (from STOP, or with P2P from RUNNING_P2P/PRE_COPY_P2P):
 * release the pause, then restart whatever the last save or load left idle.
 */
static void hacc_resume_device(struct hacc_mig *mig)
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

/* ---------------------------------------------------------------------- */
/* Streams                                                                */
/* ---------------------------------------------------------------------- */

/**
 * hacc_stream_init() - initialise an empty migration stream
 * @s: the stream
 * @mig: the migration core it belongs to
 */
void hacc_stream_init(struct hacc_stream *s, struct hacc_mig *mig)
{
	memset(s, 0, sizeof(*s));
	mutex_init(&s->lock);
	init_waitqueue_head(&s->wq);
	s->mig = mig;
}
EXPORT_SYMBOL_IF_KUNIT(hacc_stream_init);

/**
 * hacc_save_window() - where and how much the next read of a saving stream gets
 * @s: the saving stream, locked
 * @len: bytes the reader asks for
 * @off: offset into the record to copy from
 *
 * Return: the number of bytes to copy; 0 at the end of a final stream;
 * -ENOMSG when everything available has been read but more may come
 * (PRE_COPY); -ENODEV when the stream was disabled.
 */
ssize_t hacc_save_window(struct hacc_stream *s, size_t len, size_t *off)
{
	lockdep_assert_held(&s->lock);

	if (s->disabled)
		return -ENODEV;
	if (s->pos >= s->avail)
		return s->final ? 0 : -ENOMSG;
	*off = s->pos;
	return min(len, s->avail - s->pos);
}
EXPORT_SYMBOL_IF_KUNIT(hacc_save_window);

/**
 * hacc_save_consume() - account bytes copied out of a saving stream
 * @s: the saving stream, locked
 * @n: bytes copied, as allowed by hacc_save_window()
 */
void hacc_save_consume(struct hacc_stream *s, size_t n)
{
	lockdep_assert_held(&s->lock);
	s->pos += n;
}
EXPORT_SYMBOL_IF_KUNIT(hacc_save_consume);

/**
 * hacc_precopy_bytes() - answer VFIO_MIG_GET_PRECOPY_INFO
 * @s: the saving stream, locked, with the migration core's state_mutex held
 * @initial: match-header bytes not read yet
 * @dirty: always 0: the device state sent in STOP_COPY is not counted
 *
 * The device state is checked first, as the uAPI asks for -EINVAL outside
 * the PRE_COPY states (PRE_COPY and PRE_COPY_P2P) whichever file is used;
 * a stale file of an earlier session while the device is in a PRE_COPY
 * state again gets -ENODEV.
 *
 * Return: 0; -EINVAL outside PRE_COPY and PRE_COPY_P2P; -ENODEV if the
 * stream was disabled.
 */
int hacc_precopy_bytes(struct hacc_stream *s, u64 *initial, u64 *dirty)
{
	lockdep_assert_held(&s->mig->state_mutex);
	lockdep_assert_held(&s->lock);

	if (s->mig->state != VFIO_DEVICE_STATE_PRE_COPY &&
	    s->mig->state != VFIO_DEVICE_STATE_PRE_COPY_P2P)
		return -EINVAL;
	if (s->disabled)
		return -ENODEV;
	*initial = s->avail > s->pos ? s->avail - s->pos : 0;
	*dirty = 0;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hacc_precopy_bytes);

/**
 * hacc_resume_window() - check a write to a resuming stream
 * @s: the resuming stream, locked
 * @len: bytes to be written (non-zero)
 * @off: offset into the record to copy to
 *
 * Return: 0; -ENODEV if disabled; the validation errno if the stream was
 * already rejected; -EFBIG if the write would overrun the record.
 */
int hacc_resume_window(struct hacc_stream *s, size_t len, size_t *off)
{
	lockdep_assert_held(&s->lock);

	if (s->disabled)
		return -ENODEV;
	if (s->bad)
		return s->bad;
	if (len > sizeof(s->rec) - s->avail) {
		dev_err_ratelimited(s->mig->dev, "migration: stream length %zu exceeds the %zu-byte record\n",
				    s->avail + len, sizeof(s->rec));
		s->bad = -EFBIG;
		s->mig->stats.rejects++;
		return -EFBIG;
	}
	*off = s->avail;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hacc_resume_window);

/**
 * hacc_resume_commit() - account bytes written to a resuming stream
 * @s: the resuming stream, locked, with the migration core's state_mutex held
 * @n: bytes just copied in, as allowed by hacc_resume_window()
 *
 * When the write completes the match header it is checked against this VF
 * at once, so a destination refuses an incompatible source while the source
 * is still in PRE_COPY.  A stream whose data was found incompatible
 * (-EPROTO) stays rejected.  Any other failure (a PF reset in progress, a
 * timed-out handshake) says nothing about the data: the write is undone
 * and may be tried again.
 *
 * Return: 0, the validation errno, or the errno of the failed check.
 */
int hacc_resume_commit(struct hacc_stream *s, size_t n)
{
	struct hacc_mig *mig = s->mig;
	struct hacc_mig_data local;
	size_t before = s->avail;
	int ret;

	lockdep_assert_held(&mig->state_mutex);
	lockdep_assert_held(&s->lock);

	s->avail += n;
	if (before >= HACC_MIG_MATCH_SIZE || s->avail < HACC_MIG_MATCH_SIZE)
		return 0;

	ret = mig->ops->begin ? mig->ops->begin(mig) : 0;
	if (ret)
		goto undo;
	ret = hacc_capture_match(mig, &local);
	if (mig->ops->end)
		mig->ops->end(mig);
	if (ret)
		goto undo;
	ret = hacc_rec_check_header(mig->dev, &s->rec, &local);
	if (!ret)
		return 0;
	s->bad = ret;
	mig->stats.rejects++;
	return ret;
undo:
	s->avail = before;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(hacc_resume_commit);

/* Validate and load the resuming stream at RESUMING -> STOP */
static int hacc_load_stream(struct hacc_mig *mig, struct hacc_stream *s)
{
	struct hacc_mig_data *rec = &s->rec;
	u64 t0 = ktime_get_ns();
	int ret;

	mutex_lock(&s->lock);
	ret = s->bad;
	if (!ret && s->avail != HACC_MIG_MATCH_SIZE &&
	    s->avail != HACC_MIG_DATA_SIZE) {
		dev_err_ratelimited(mig->dev, "migration: stream length %zu, expected %u or %u\n",
				    s->avail, HACC_MIG_MATCH_SIZE, HACC_MIG_DATA_SIZE);
		ret = -ENODATA;
	}
	if (!ret && s->avail == HACC_MIG_DATA_SIZE)
		ret = hacc_rec_check_body(mig->dev, rec);
	if (ret) {
		if (!s->bad)
			mig->stats.rejects++;
		s->bad = ret;
		mutex_unlock(&s->lock);
		return ret;
	}
	memcpy(&mig->last, rec, sizeof(mig->last));
	mig->last_len = s->avail;
	mutex_unlock(&s->lock);

	mig->device_ready = false;
	mig->kick_qps = 0;
	if (s->avail == HACC_MIG_MATCH_SIZE)
		return 0;	/* the source VF had not been set up */
	if (rec->vf_state != HACC_VF_STATE_READY || !rec->eqe_dma ||
	    !rec->aeqe_dma || !rec->sqc_dma || !rec->cqc_dma) {
		dev_info_ratelimited(mig->dev, "migration: source VF had no guest queues, nothing to load\n");
		return 0;
	}

	ret = hacc_load_state(mig, rec);
	if (ret)
		return ret;
	mig->device_ready = true;
	mig->kick_qps = rec->qp_num;
	mig->stats.loads++;
	mig->stats.last_load_ns = ktime_get_ns() - t0;
	return 0;
}

static void hacc_stream_detach(struct hacc_stream **slot)
{
	struct hacc_stream *s = *slot;

	if (!s)
		return;
	*slot = NULL;
	mutex_lock(&s->lock);
	s->disabled = true;
	mutex_unlock(&s->lock);
	wake_up_interruptible(&s->wq);
	if (s->filp)
		fput(s->filp);
}

static void hacc_stream_attach(struct hacc_stream **slot,
			       struct hacc_stream *s)
{
	if (s->filp)
		get_file(s->filp);
	*slot = s;
}

/* ---------------------------------------------------------------------- */
/* State machine                                                          */
/* ---------------------------------------------------------------------- */

/**
 * hacc_mig_init() - initialise the migration core of a VF
 * @mig: the core
 * @ops: device access
 * @dev: the VF, for log messages
 * @dev_id: PCI device id of the VF
 * @fn: QM function number of the VF (VF index + 1)
 */
void hacc_mig_init(struct hacc_mig *mig, const struct hacc_io_ops *ops,
		   struct device *dev, u16 dev_id, u32 fn)
{
	memset(mig, 0, sizeof(*mig));
	mutex_init(&mig->state_mutex);
	spin_lock_init(&mig->reset_lock);
	mig->ops = ops;
	mig->dev = dev;
	mig->dev_id = dev_id;
	mig->fn = fn;
	mig->eqc_off = HACC_VF_EQC_DW0;
	mig->aeqc_off = HACC_VF_AEQC_DW0;
	mig->state = VFIO_DEVICE_STATE_RUNNING;

	switch (dev_id) {
	case HACC_DEVID_SEC_VF:
		mig->core_int_reg = HACC_PF_SEC_CORE_INT_STATUS;
		break;
	case HACC_DEVID_HPRE_VF:
		mig->core_int_reg = HACC_PF_HPRE_CORE_INT_STATUS;
		break;
	default:
		mig->core_int_reg = HACC_PF_ZIP_CORE_INT_STATUS;
		break;
	}
}
EXPORT_SYMBOL_IF_KUNIT(hacc_mig_init);

/**
 * hacc_mig_use_pf_window() - choose where the migration registers are
 * @mig: the core
 * @in_pf: true: in the VF's window of the PF's BAR 2; false: in the VF's
 *	own BAR 2 (the V3 layout)
 *
 * Above QM V3 the PF driver may switch each VF's migration registers to a
 * window of the PF's BAR 2, where the queue contexts sit at other offsets.
 */
void hacc_mig_use_pf_window(struct hacc_mig *mig, bool in_pf)
{
	mig->eqc_off = in_pf ? HACC_PF_MIG_EQC_DW0 : HACC_VF_EQC_DW0;
	mig->aeqc_off = in_pf ? HACC_PF_MIG_AEQC_DW0 : HACC_VF_AEQC_DW0;
}
EXPORT_SYMBOL_IF_KUNIT(hacc_mig_use_pf_window);

/* Forget everything about the current migration session */
static void hacc_mig_forget(struct hacc_mig *mig)
{
	hacc_stream_detach(&mig->saving);
	hacc_stream_detach(&mig->resuming);
	mig->state = VFIO_DEVICE_STATE_RUNNING;
	mig->device_ready = false;
	mig->rearm_eq = false;
	mig->kick_qps = 0;
	mig->quiesced = false;
	mig->mb_lost = false;
}

/**
 * hacc_mig_unlock() - drop state_mutex, first applying a deferred reset
 * @mig: the core
 *
 * reset_done can run while state_mutex is held by a thread that itself waits
 * for the reset (a user reading a file, or vfio core in a reset path), so it
 * never waits for the mutex: it leaves a note that whoever holds the mutex
 * acts upon here.
 */
void hacc_mig_unlock(struct hacc_mig *mig)
{
	for (;;) {
		spin_lock(&mig->reset_lock);
		if (!mig->deferred_reset)
			break;
		mig->deferred_reset = false;
		spin_unlock(&mig->reset_lock);
		hacc_mig_forget(mig);
		mig->stats.resets++;
	}
	mutex_unlock(&mig->state_mutex);
	spin_unlock(&mig->reset_lock);
}
EXPORT_SYMBOL_IF_KUNIT(hacc_mig_unlock);

static bool hacc_mig_reset_pending(struct hacc_mig *mig)
{
	bool pending;

	spin_lock(&mig->reset_lock);
	pending = mig->deferred_reset;
	spin_unlock(&mig->reset_lock);
	return pending;
}

/**
 * hacc_mig_reset() - the VF was reset: close the session, back to RUNNING
 * @mig: the core
 */
void hacc_mig_reset(struct hacc_mig *mig)
{
	spin_lock(&mig->reset_lock);
	mig->deferred_reset = true;
	spin_unlock(&mig->reset_lock);
	if (!mutex_trylock(&mig->state_mutex))
		return;
	hacc_mig_unlock(mig);
}
EXPORT_SYMBOL_IF_KUNIT(hacc_mig_reset);

/**
 * hacc_mig_open() - start a session: the device was just opened
 * @mig: the core
 */
void hacc_mig_open(struct hacc_mig *mig)
{
	mutex_lock(&mig->state_mutex);
	spin_lock(&mig->reset_lock);
	mig->deferred_reset = false;
	spin_unlock(&mig->reset_lock);
	hacc_mig_forget(mig);
	mig->open = true;
	hacc_mig_unlock(mig);
}
EXPORT_SYMBOL_IF_KUNIT(hacc_mig_open);

/**
 * hacc_mig_close() - end a session: disable and release both streams
 * @mig: the core
 */
void hacc_mig_close(struct hacc_mig *mig)
{
	mutex_lock(&mig->state_mutex);
	hacc_mig_forget(mig);
	mig->open = false;
	hacc_mig_unlock(mig);
}
EXPORT_SYMBOL_IF_KUNIT(hacc_mig_close);

static bool hacc_arc_touches_device(enum vfio_device_mig_state cur,
				    enum vfio_device_mig_state next)
{
	return !(next == VFIO_DEVICE_STATE_RUNNING &&
		 cur == VFIO_DEVICE_STATE_PRE_COPY) &&
	       !(next == VFIO_DEVICE_STATE_RUNNING_P2P &&
		 cur == VFIO_DEVICE_STATE_PRE_COPY_P2P) &&
	       !(next == VFIO_DEVICE_STATE_STOP &&
		 cur == VFIO_DEVICE_STATE_STOP_COPY) &&
	       next != VFIO_DEVICE_STATE_RESUMING;
}

/* Open the saving stream with the match header (RUNNING[_P2P] -> PRE_COPY[_P2P]) */
static int hacc_start_precopy(struct hacc_mig *mig, struct hacc_stream *fresh)
{
	int ret;

	ret = hacc_capture_match(mig, &fresh->rec);
	if (ret)
		return ret;
	fresh->avail = HACC_MIG_MATCH_SIZE;
	hacc_stream_attach(&mig->saving, fresh);
	return 0;
}

static int hacc_arc(struct hacc_mig *mig, enum vfio_device_mig_state next,
		    struct hacc_stream *fresh)
{
	enum vfio_device_mig_state cur = mig->state;
	int ret;

#define ARC(a, b) (cur == VFIO_DEVICE_STATE_##a && next == VFIO_DEVICE_STATE_##b)
	if (ARC(RUNNING, STOP))
		return hacc_stop_device(mig);

	if (ARC(STOP, RUNNING)) {
		hacc_resume_device(mig);
		return 0;
	}

	if (ARC(RUNNING, PRE_COPY) || ARC(RUNNING_P2P, PRE_COPY_P2P))
		return hacc_start_precopy(mig, fresh);

	if (ARC(PRE_COPY, RUNNING) || ARC(STOP_COPY, STOP) ||
	    ARC(PRE_COPY_P2P, RUNNING_P2P)) {
		hacc_stream_detach(&mig->saving);
		return 0;
	}

	/*
	 * P2P: the task engine is paused on the way in, so no new DMA leaves
	 * the VF; everything else (drain checks, cache write-back, capture)
	 * waits for the arc to STOP or STOP_COPY.
	 */
	if (ARC(RUNNING, RUNNING_P2P) || ARC(PRE_COPY, PRE_COPY_P2P) ||
	    ARC(STOP, RUNNING_P2P))
		return hacc_quiesce(mig);

	if (ARC(RUNNING_P2P, RUNNING) || ARC(PRE_COPY_P2P, PRE_COPY)) {
		hacc_resume_device(mig);
		return 0;
	}

	if (ARC(RUNNING_P2P, STOP))
		return hacc_settle(mig);

	if (ARC(PRE_COPY, STOP_COPY) || ARC(PRE_COPY_P2P, STOP_COPY)) {
		if (cur == VFIO_DEVICE_STATE_PRE_COPY)
			ret = hacc_stop_device(mig);
		else
			ret = hacc_settle(mig);
		if (ret)
			return ret;
		ret = hacc_save_state(mig, mig->saving);
		if (ret)	/* paused, but without a record: only reset helps */
			mig->state = VFIO_DEVICE_STATE_ERROR;
		return ret;
	}

	if (ARC(STOP, STOP_COPY)) {
		ret = hacc_capture_match(mig, &fresh->rec);
		if (!ret)
			ret = hacc_save_state(mig, fresh);
		if (!ret)
			hacc_stream_attach(&mig->saving, fresh);
		return ret;
	}

	if (ARC(STOP, RESUMING)) {
		hacc_stream_attach(&mig->resuming, fresh);
		return 0;
	}

	if (ARC(RESUMING, STOP)) {
		ret = hacc_load_stream(mig, mig->resuming);
		if (ret) {
			/* Validation errors left the device untouched */
			if (ret == -ETIMEDOUT || ret == -EIO)
				mig->state = VFIO_DEVICE_STATE_ERROR;
			return ret;
		}
		hacc_stream_detach(&mig->resuming);
		return 0;
	}
#undef ARC

	dev_err_ratelimited(mig->dev, "migration: no arc from state %u to %u\n", cur, next);
	return -EINVAL;
}

/**
 * hacc_mig_needs_stream() - whether an arc creates a migration file
 * @cur: current state
 * @next: next state
 *
 * Return: true for the arcs that open the saving or the resuming stream.
 */
static bool hacc_mig_needs_stream(enum vfio_device_mig_state cur,
				  enum vfio_device_mig_state next)
{
	return (cur == VFIO_DEVICE_STATE_RUNNING &&
		next == VFIO_DEVICE_STATE_PRE_COPY) ||
	       (cur == VFIO_DEVICE_STATE_RUNNING_P2P &&
		next == VFIO_DEVICE_STATE_PRE_COPY_P2P) ||
	       (cur == VFIO_DEVICE_STATE_STOP &&
		next == VFIO_DEVICE_STATE_STOP_COPY) ||
	       (cur == VFIO_DEVICE_STATE_STOP &&
		next == VFIO_DEVICE_STATE_RESUMING);
}

/**
 * hacc_mig_step() - take one arc of the migration state machine
 * @mig: the core, with state_mutex held
 * @next: the state one arc away from the current one
 * @fresh: a new stream for the arcs that open one, else NULL
 *
 * On success the state is @next and, for arcs that open a stream, the core
 * holds its own reference to @fresh.  On failure the state is unchanged,
 * except that it becomes VFIO_DEVICE_STATE_ERROR when the device was left
 * half-way (stopped without a record, or partly loaded).  An arc asked for
 * after a reset was deferred fails with -ECANCELED and touches nothing.
 *
 * Return: 0 or a negative errno (see Documentation/migration-stream.rst).
 */
int hacc_mig_step(struct hacc_mig *mig, enum vfio_device_mig_state next,
		  struct hacc_stream *fresh)
{
	enum vfio_device_mig_state cur = mig->state;
	bool hw = hacc_arc_touches_device(cur, next);
	int ret;

	lockdep_assert_held(&mig->state_mutex);

	if (hacc_mig_needs_stream(cur, next) != !!fresh)
		return -EINVAL;
	/*
	 * The VF was reset after an earlier arc of this request: the state
	 * the walk started from is gone, and what is left of it would run on
	 * a freshly reset VF.  hacc_mig_unlock() applies the reset.
	 */
	if (hacc_mig_reset_pending(mig)) {
		dev_info_ratelimited(mig->dev, "migration: VF reset during the state change, stopped before state %u\n",
				     next);
		return -ECANCELED;
	}

	if (hw && mig->ops->begin) {
		ret = mig->ops->begin(mig);
		if (ret)
			return ret;
	}
	/*
	 * Only in the states where the guest runs can it have used the
	 * mailbox since the last arc; in the others (STOP, STOP_COPY,
	 * RESUMING and the P2P states) the uAPI forbids the user to touch
	 * the device, so an idle mailbox stays idle.
	 */
	if (cur == VFIO_DEVICE_STATE_RUNNING ||
	    cur == VFIO_DEVICE_STATE_PRE_COPY)
		mig->mb_idle = false;
	ret = hacc_arc(mig, next, fresh);
	if (hw && mig->ops->end)
		mig->ops->end(mig);

	if (!ret)
		mig->state = next;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(hacc_mig_step);

/* ---------------------------------------------------------------------- */
/* VFIO glue                                                              */
/* ---------------------------------------------------------------------- */

/**
 * struct hacc_vdev - one VF bound to this driver
 * @core: vfio-pci-core device (must stay first)
 * @mig: migration core (only used when @migratable)
 * @pf_qm: the PF's QM, or NULL if the PF driver was not found
 * @vf_io: the whole of VF BAR 2, mapped while the device is open
 * @mig_io: where the migration registers are: @vf_io, or the VF's window in
 *	the PF's BAR 2 (@pf_window)
 * @migratable: migration offered (QM V3 or later with a VF index)
 * @pf_window: above QM V3 with the PF window selected: the VF's BAR 2 holds
 *	no migration registers and is shown whole
 * @pf_held: reset_prepare took the PF's reset bit
 * @pf_holds: how many times this VF holds the PF's reset bit (an arc and a
 *	reset may overlap)
 * @pf_hold_node: entry in hacc_holders while @pf_holds is not zero
 * @io_lock: held across each migration arc and from reset_prepare to
 *	reset_done, so a reset of this VF never lands inside its own arc
 * @dbg: our debugfs directory
 */
struct hacc_vdev {
	struct vfio_pci_core_device core;
	struct hacc_mig mig;
	struct hisi_qm *pf_qm;
	void __iomem *vf_io;
	void __iomem *mig_io;
	bool migratable;
	bool pf_window;
	bool pf_held;
	unsigned int pf_holds;
	struct list_head pf_hold_node;
	struct mutex io_lock; /* see hacc_set_state() */
	struct dentry *dbg;
};

static struct dentry *hacc_dbg_root;

static struct hacc_vdev *hacc_from_vdev(struct vfio_device *vdev)
{
	return container_of(vdev, struct hacc_vdev, core.vdev);
}

static struct hacc_vdev *hacc_from_mig(struct hacc_mig *mig)
{
	return container_of(mig, struct hacc_vdev, mig);
}

static u32 hacc_hw_vf_read(struct hacc_mig *mig, u32 off)
{
	return readl(hacc_from_mig(mig)->mig_io + off);
}

static void hacc_hw_vf_write(struct hacc_mig *mig, u32 off, u32 val)
{
	writel(val, hacc_from_mig(mig)->mig_io + off);
}

static void hacc_hw_vf_write64(struct hacc_mig *mig, u32 off, u64 val)
{
	writeq(val, hacc_from_mig(mig)->vf_io + off);
}

static void hacc_hw_mb_send(struct hacc_mig *mig, const u32 words[4])
{
	void __iomem *mb = hacc_from_mig(mig)->mig_io + HACC_MB_BASE;
#if IS_ENABLED(CONFIG_ARM64)
	u64 lo = words[0] | (u64)words[1] << 32;
	u64 hi = words[2] | (u64)words[3] << 32;

	/*
	 * The QM accepts a mailbox command only as one 128-bit store; the
	 * barrier orders earlier register writes before it.
	 */
	asm volatile("dmb oshst\n\tstp %x0, %x1, [%2]"
		     : : "r" (lo), "r" (hi), "r" ((void __force *)mb)
		     : "memory");
#else
	/* Elsewhere (the device model), the last word starts the command */
	writel_relaxed(words[0], mb);
	writel_relaxed(words[1], mb + 4);
	writel_relaxed(words[2], mb + 8);
	writel(words[3], mb + 12);
#endif
}

static void hacc_hw_mb_read(struct hacc_mig *mig, u32 words[4])
{
	const void __iomem *mb = hacc_from_mig(mig)->mig_io + HACC_MB_BASE;
#if IS_ENABLED(CONFIG_ARM64)
	u64 lo, hi;

	/*
	 * As for posting, the QM answers a mailbox read consistently only to
	 * one 128-bit load; the barrier orders it before later reads.
	 */
	asm volatile("ldp %x0, %x1, [%2]\n\tdmb oshld"
		     : "=&r" (lo), "=&r" (hi)
		     : "r" ((const void __force *)mb)
		     : "memory");
	words[0] = lower_32_bits(lo);
	words[1] = upper_32_bits(lo);
	words[2] = lower_32_bits(hi);
	words[3] = upper_32_bits(hi);
#else
	int i;

	/* Elsewhere (the device model), word by word */
	for (i = 0; i < 4; i++)
		words[i] = readl(mb + 4 * i);
#endif
}

static u32 hacc_hw_pf_read(struct hacc_mig *mig, u32 off)
{
	return readl(hacc_from_mig(mig)->pf_qm->io_base + off);
}

static void hacc_hw_pf_write(struct hacc_mig *mig, u32 off, u32 val)
{
	writel(val, hacc_from_mig(mig)->pf_qm->io_base + off);
}

/*
 * The PF driver owns QM_RESETTING while it resets the whole device; holding
 * it keeps a PF reset and our use of PF and VF registers apart.  The VFs of
 * one PF do not get in each other's way, so the bit is taken by the first
 * of them that needs it and released by the last: concurrent migrations
 * only ever wait for a PF reset, never for each other.  hacc_holders lists
 * the VFs that hold it, each once however many times it holds.
 */
static LIST_HEAD(hacc_holders);
static DEFINE_MUTEX(hacc_holders_lock);

/* With hacc_holders_lock: does another VF of the same PF hold the bit? */
static bool hacc_pf_held_by_other(struct hacc_vdev *hv)
{
	struct hacc_vdev *o;

	list_for_each_entry(o, &hacc_holders, pf_hold_node)
		if (o != hv && o->pf_qm == hv->pf_qm)
			return true;
	return false;
}

static int hacc_pf_hold(struct hacc_vdev *hv, unsigned int budget_ms)
{
	unsigned int waited = 0;

	for (;;) {
		mutex_lock(&hacc_holders_lock);
		if (hv->pf_holds || hacc_pf_held_by_other(hv) ||
		    !test_and_set_bit(QM_RESETTING, &hv->pf_qm->misc_ctl))
			break;
		mutex_unlock(&hacc_holders_lock);
		/* Only a PF reset gets here */
		if (waited >= budget_ms)
			return -EAGAIN;
		msleep(20);
		waited += 20;
	}
	if (!hv->pf_holds++)
		list_add(&hv->pf_hold_node, &hacc_holders);
	mutex_unlock(&hacc_holders_lock);
	return 0;
}

static void hacc_pf_unhold(struct hacc_vdev *hv)
{
	mutex_lock(&hacc_holders_lock);
	if (!--hv->pf_holds) {
		list_del(&hv->pf_hold_node);
		if (!hacc_pf_held_by_other(hv))
			clear_bit(QM_RESETTING, &hv->pf_qm->misc_ctl);
	}
	mutex_unlock(&hacc_holders_lock);
}

static int hacc_hw_begin(struct hacc_mig *mig)
{
	struct hacc_vdev *hv = hacc_from_mig(mig);

	if (hacc_pf_hold(hv, HACC_PF_WAIT_ARC_MS)) {
		dev_err_ratelimited(mig->dev, "migration: PF reset still running after %u ms\n",
				    HACC_PF_WAIT_ARC_MS);
		return -EAGAIN;
	}
	return 0;
}

static void hacc_hw_end(struct hacc_mig *mig)
{
	hacc_pf_unhold(hacc_from_mig(mig));
}

static const struct hacc_io_ops hacc_hw_ops = {
	.vf_read = hacc_hw_vf_read,
	.vf_write = hacc_hw_vf_write,
	.vf_write64 = hacc_hw_vf_write64,
	.vf_mb_send = hacc_hw_mb_send,
	.vf_mb_read = hacc_hw_mb_read,
	.pf_read = hacc_hw_pf_read,
	.pf_write = hacc_hw_pf_write,
	.begin = hacc_hw_begin,
	.end = hacc_hw_end,
};

/* Migration files */

static int hacc_file_release(struct inode *inode, struct file *filp)
{
	struct hacc_stream *s = filp->private_data;
	struct hacc_vdev *hv = hacc_from_mig(s->mig);

	mutex_destroy(&s->lock);
	kfree(s);
	/* Drop the references taken in hacc_file_new() */
	put_device(hv->mig.dev);
	vfio_put_device(&hv->core.vdev);
	return 0;
}

/*
 * No lock of ours is held across a copy from or to user memory: the user
 * buffer may map this VF's own BAR, whose fault waits for vfio's
 * memory_lock, which a reset holds while reset_done closes the streams.
 * The record is small, so both directions go through a copy on the stack.
 *
 * A read takes its bytes out of the stream before copying them; if the
 * copy faults they are put back unless another reader took bytes after
 * them (concurrent readers of one stream get no ordering anyway).
 */
static ssize_t hacc_save_read(struct file *filp, char __user *buf, size_t len,
			      loff_t *pos)
{
	struct hacc_stream *s = filp->private_data;
	struct hacc_mig_data bounce;
	size_t off = 0;
	ssize_t n;

	if (pos)
		return -ESPIPE;

	mutex_lock(&s->lock);
	n = hacc_save_window(s, len, &off);
	if (n > 0) {
		memcpy(&bounce, (u8 *)&s->rec + off, n);
		hacc_save_consume(s, n);
	}
	mutex_unlock(&s->lock);
	if (n <= 0 || !copy_to_user(buf, &bounce, n))
		return n;

	mutex_lock(&s->lock);
	if (s->pos == off + n)
		s->pos = off;
	mutex_unlock(&s->lock);
	return -EFAULT;
}

static __poll_t hacc_save_poll(struct file *filp, poll_table *wait)
{
	struct hacc_stream *s = filp->private_data;
	__poll_t mask = 0;

	poll_wait(filp, &s->wq, wait);

	mutex_lock(&s->lock);
	if (s->disabled)
		mask = EPOLLIN | EPOLLERR | EPOLLHUP;
	else if (s->pos < s->avail || s->final)
		mask = EPOLLIN | EPOLLRDNORM;
	mutex_unlock(&s->lock);
	return mask;
}

static long hacc_save_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
	const size_t minsz = offsetofend(struct vfio_precopy_info, dirty_bytes);
	struct hacc_stream *s = filp->private_data;
	struct hacc_mig *mig = s->mig;
	struct vfio_precopy_info info;
	u64 initial = 0, dirty = 0;
	int ret;

	if (cmd != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;
	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz) {
		dev_err_ratelimited(mig->dev, "migration: precopy info argsz %u, need %zu\n",
				    info.argsz, minsz);
		return -EINVAL;
	}

	mutex_lock(&mig->state_mutex);
	mutex_lock(&s->lock);
	ret = hacc_precopy_bytes(s, &initial, &dirty);
	mutex_unlock(&s->lock);
	if (ret == -EINVAL)
		dev_err_ratelimited(mig->dev, "migration: precopy info in state %u, valid only in PRE_COPY (%u) and PRE_COPY_P2P (%u)\n",
				    mig->state, VFIO_DEVICE_STATE_PRE_COPY,
				    VFIO_DEVICE_STATE_PRE_COPY_P2P);
	hacc_mig_unlock(mig);
	if (ret)
		return ret;

	/* No REINIT: the match data never changes during a session */
	info.flags = 0;
	info.initial_bytes = initial;
	info.dirty_bytes = dirty;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static ssize_t hacc_resume_write(struct file *filp, const char __user *buf,
				 size_t len, loff_t *pos)
{
	struct hacc_stream *s = filp->private_data;
	struct hacc_mig *mig = s->mig;
	struct hacc_mig_data bounce;
	size_t off = 0;
	unsigned long fault;
	int ret;

	if (pos)
		return -ESPIPE;
	if (!len)
		return 0;

	/*
	 * Copied before any lock is taken (see hacc_save_read()); a write
	 * longer than the record is refused by hacc_resume_window() anyway.
	 */
	fault = copy_from_user(&bounce, buf, min(len, sizeof(bounce)));

	mutex_lock(&mig->state_mutex);
	mutex_lock(&s->lock);
	ret = hacc_resume_window(s, len, &off);
	if (!ret && fault)
		ret = -EFAULT;
	if (!ret) {
		memcpy((u8 *)&s->rec + off, &bounce, len);
		ret = hacc_resume_commit(s, len);
	}
	mutex_unlock(&s->lock);
	hacc_mig_unlock(mig);
	return ret ? ret : len;
}

static const struct file_operations hacc_save_fops = {
	.owner = THIS_MODULE,
	.read = hacc_save_read,
	.poll = hacc_save_poll,
	.unlocked_ioctl = hacc_save_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = hacc_file_release,
};

static const struct file_operations hacc_resume_fops = {
	.owner = THIS_MODULE,
	.write = hacc_resume_write,
	.release = hacc_file_release,
};

static struct hacc_stream *hacc_file_new(struct hacc_vdev *hv, bool resuming)
{
	struct hacc_stream *s;
	struct file *filp;

	s = hacc_zalloc_obj(struct hacc_stream, GFP_KERNEL_ACCOUNT);
	if (!s)
		return ERR_PTR(-ENOMEM);
	hacc_stream_init(s, &hv->mig);

	filp = anon_inode_getfile("hisi_acc_vfio_pci_mig",
				  resuming ? &hacc_resume_fops : &hacc_save_fops,
				  s, resuming ? O_WRONLY : O_RDONLY);
	if (IS_ERR(filp)) {
		mutex_destroy(&s->lock);
		kfree(s);
		return ERR_CAST(filp);
	}
	stream_open(filp->f_inode, filp);
	s->filp = filp;
	/*
	 * The file may outlive the open device and even the VF: keep our
	 * structure and the struct device used in log messages around.
	 */
	get_device(&hv->core.vdev.device);
	get_device(hv->mig.dev);
	return s;
}

/* vfio migration ops */

static struct file *hacc_set_state(struct vfio_device *vdev,
				   enum vfio_device_mig_state target)
{
	struct hacc_vdev *hv = hacc_from_vdev(vdev);
	struct hacc_mig *mig = &hv->mig;
	enum vfio_device_mig_state next;
	struct hacc_stream *fresh;
	struct file *res = NULL;
	int ret;

	mutex_lock(&mig->state_mutex);
	if (mig->state == VFIO_DEVICE_STATE_ERROR && target != mig->state) {
		/* vfio core has no arc out of ERROR (it warns if asked) */
		dev_err_ratelimited(mig->dev, "migration: device in ERROR state, reset it before state %u\n",
				    target);
		hacc_mig_unlock(mig);
		return ERR_PTR(-EINVAL);
	}
	while (mig->state != target) {
		ret = vfio_mig_get_next_state(vdev, mig->state, target, &next);
		/* Guard against a core that offers no progress */
		if (!ret && next == mig->state)
			ret = -EINVAL;
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}

		fresh = NULL;
		if (hacc_mig_needs_stream(mig->state, next)) {
			fresh = hacc_file_new(hv, next == VFIO_DEVICE_STATE_RESUMING);
			if (IS_ERR(fresh)) {
				res = ERR_CAST(fresh);
				break;
			}
		}

		/*
		 * The PF bit is shared by the VFs and taken again by a VF
		 * that holds it, so it does not keep a reset of this VF out
		 * of this VF's own arc.  io_lock does (reset_prepare to
		 * reset_done): an FLR between two register accesses of an
		 * arc would read a BAR that is not decoded.  The header
		 * check of a resuming write reads only PF registers.
		 */
		mutex_lock(&hv->io_lock);
		ret = hacc_mig_step(mig, next, fresh);
		mutex_unlock(&hv->io_lock);
		if (ret) {
			if (fresh)
				fput(fresh->filp);
			res = ERR_PTR(ret);
			break;
		}
		if (fresh) {
			/* Arcs that open a file always end the walk */
			res = fresh->filp;
			break;
		}
	}
	hacc_mig_unlock(mig);
	return res;
}

static int hacc_get_state(struct vfio_device *vdev,
			  enum vfio_device_mig_state *state)
{
	struct hacc_mig *mig = &hacc_from_vdev(vdev)->mig;

	mutex_lock(&mig->state_mutex);
	*state = mig->state;
	hacc_mig_unlock(mig);
	return 0;
}

static int hacc_get_data_size(struct vfio_device *vdev,
			      unsigned long *stop_copy_length)
{
	*stop_copy_length = HACC_MIG_DATA_SIZE;
	return 0;
}

static const struct vfio_migration_ops hacc_mig_ops = {
	.migration_set_state = hacc_set_state,
	.migration_get_state = hacc_get_state,
	.migration_get_data_size = hacc_get_data_size,
};

/* BAR 2: the migration-control half is not the user's */

static u64 hacc_bar2_user_len(struct hacc_vdev *hv)
{
	u64 len = pci_resource_len(hv->core.pdev, HACC_QM_BAR);

	return hv->migratable && !hv->pf_window ? len / 2 : len;
}

static int hacc_clip_rw(struct hacc_vdev *hv, size_t *count, loff_t pos)
{
	u64 off = pos & VFIO_PCI_OFFSET_MASK;
	u64 end;

	if (!hv->migratable || hv->pf_window ||
	    VFIO_PCI_OFFSET_TO_INDEX(pos) != HACC_QM_BAR)
		return 0;
	end = hacc_bar2_user_len(hv);
	if (off >= end)
		return -EINVAL;
	*count = min_t(u64, *count, end - off);
	return 0;
}

static ssize_t hacc_read(struct vfio_device *vdev, char __user *buf,
			 size_t count, loff_t *ppos)
{
	int ret = hacc_clip_rw(hacc_from_vdev(vdev), &count, *ppos);

	return ret ? ret : vfio_pci_core_read(vdev, buf, count, ppos);
}

static ssize_t hacc_write(struct vfio_device *vdev, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	int ret = hacc_clip_rw(hacc_from_vdev(vdev), &count, *ppos);

	return ret ? ret : vfio_pci_core_write(vdev, buf, count, ppos);
}

static int hacc_mmap(struct vfio_device *vdev, struct vm_area_struct *vma)
{
	struct hacc_vdev *hv = hacc_from_vdev(vdev);
	unsigned int shift = VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT;
	u64 start, len;

	if (hv->migratable && !hv->pf_window &&
	    (vma->vm_pgoff >> shift) == HACC_QM_BAR) {
		start = (u64)(vma->vm_pgoff & ((1UL << shift) - 1)) << PAGE_SHIFT;
		len = vma->vm_end - vma->vm_start;
		if (start >= hacc_bar2_user_len(hv) ||
		    len > hacc_bar2_user_len(hv) - start)
			return -EINVAL;
	}
	return vfio_pci_core_mmap(vdev, vma);
}

static void hacc_bar2_info(struct hacc_vdev *hv, struct vfio_region_info *info)
{
	u64 len = hacc_bar2_user_len(hv);

	info->offset = VFIO_PCI_INDEX_TO_OFFSET(info->index);
	info->size = len;
	info->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	/* Only whole pages can be mapped (the half BAR is 32 KiB) */
	if (hv->core.bar_mmap_supported[HACC_QM_BAR] && PAGE_ALIGNED(len))
		info->flags |= VFIO_REGION_INFO_FLAG_MMAP;
}

/*
 * An ioeventfd has the kernel write the BAR for the user, bypassing
 * hacc_write().  Checking its offset here would not help: vfio core reads
 * the argument from user memory again, which a second thread can change in
 * between.  The VF's only memory BAR is BAR 2, and QEMU falls back to
 * ordinary writes without one, so the whole ioctl is refused while part of
 * BAR 2 is hidden.
 */
static long hacc_guard_ioctl(struct vfio_device *vdev, unsigned int cmd,
			     unsigned long arg)
{
	struct hacc_vdev *hv = hacc_from_vdev(vdev);

	if (cmd == VFIO_DEVICE_IOEVENTFD && hv->migratable && !hv->pf_window) {
		dev_err_ratelimited(hv->mig.dev, "ioeventfd refused: BAR 2 is partly hidden (migration registers)\n");
		return -EINVAL;
	}
	return vfio_pci_core_ioctl(vdev, cmd, arg);
}

/*
 * Kernel-version glue for VFIO_DEVICE_GET_REGION_INFO (see the compat block
 * in hisi_acc_vfio_pci.h): before 6.19 the driver's .ioctl sees the command,
 * from 6.19 on vfio core calls .get_region_info_caps.
 */
#if HACC_HAVE_REGION_INFO_CAPS
static int hacc_region_info(struct vfio_device *vdev,
			    struct vfio_region_info *info,
			    struct vfio_info_cap *caps)
{
	struct hacc_vdev *hv = hacc_from_vdev(vdev);

	if (hv->migratable && !hv->pf_window && info->index == HACC_QM_BAR) {
		hacc_bar2_info(hv, info);
		return 0;
	}
	return vfio_pci_ioctl_get_region_info(vdev, info, caps);
}

#define HACC_OPS_REGION_INFO					\
	.ioctl = hacc_guard_ioctl,				\
	.get_region_info_caps = hacc_region_info
#else
static long hacc_ioctl(struct vfio_device *vdev, unsigned int cmd,
		       unsigned long arg)
{
	const size_t minsz = offsetofend(struct vfio_region_info, offset);
	struct hacc_vdev *hv = hacc_from_vdev(vdev);
	struct vfio_region_info info;

	if (cmd != VFIO_DEVICE_GET_REGION_INFO || !hv->migratable ||
	    hv->pf_window)
		return hacc_guard_ioctl(vdev, cmd, arg);
	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	if (info.index != HACC_QM_BAR)
		return vfio_pci_core_ioctl(vdev, cmd, arg);
	hacc_bar2_info(hv, &info);
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

#define HACC_OPS_REGION_INFO	.ioctl = hacc_ioctl
#endif

#if HACC_HAVE_MATCH_TOKEN_UUID
#define HACC_OPS_MATCH_TOKEN	.match_token_uuid = vfio_pci_core_match_token_uuid,
#else
#define HACC_OPS_MATCH_TOKEN
#endif

/* open/close */

/* Whether the PF keeps its VFs' migration registers in its own BAR */
static bool hacc_pf_window_on(struct hisi_qm *qm)
{
	return qm->ver > QM_HW_V3 &&
	       (readl(qm->io_base + HACC_PF_MIG_REGION_SEL) &
		HACC_PF_MIG_REGION_EN);
}

/*
 * Choose the migration register window for this open.  Linux 7.x's PF
 * driver selects the PF window at its probe, but its whole-device reset
 * path does not select it again, so after a PF reset the register holds
 * whatever the reset left: the choice is read again on every open.
 */
static void hacc_pick_window(struct hacc_vdev *hv)
{
	bool in_pf = hv->pf_window;

	if (!hacc_pf_hold(hv, HACC_PF_WAIT_ARC_MS)) {
		in_pf = hacc_pf_window_on(hv->pf_qm);
		hacc_pf_unhold(hv);
	} else {
		pci_warn(hv->core.pdev, "PF reset still running: migration registers taken to be in the %s's BAR\n",
			 in_pf ? "PF" : "VF");
	}
	if (in_pf != hv->pf_window)
		pci_info(hv->core.pdev, "migration registers now in the %s's BAR\n",
			 in_pf ? "PF" : "VF");
	hv->pf_window = in_pf;
	hacc_mig_use_pf_window(&hv->mig, in_pf);
	hv->mig_io = in_pf ? hv->pf_qm->io_base + HACC_PF_MIG_REGION_BASE +
			     hv->mig.fn * HACC_PF_MIG_REGION_STRIDE :
			     hv->vf_io;
}

static int hacc_open_device(struct vfio_device *vdev)
{
	struct hacc_vdev *hv = hacc_from_vdev(vdev);
	struct pci_dev *pdev = hv->core.pdev;
	int ret;

	ret = vfio_pci_core_enable(&hv->core);
	if (ret)
		return ret;

	if (hv->migratable) {
		hv->vf_io = ioremap(pci_resource_start(pdev, HACC_QM_BAR),
				    pci_resource_len(pdev, HACC_QM_BAR));
		if (!hv->vf_io) {
			vfio_pci_core_disable(&hv->core);
			return -ENOMEM;
		}
		hacc_pick_window(hv);
		hacc_mig_open(&hv->mig);
	}

	vfio_pci_core_finish_enable(&hv->core);
	return 0;
}

static void hacc_close_device(struct vfio_device *vdev)
{
	struct hacc_vdev *hv = hacc_from_vdev(vdev);

	if (hv->migratable) {
		hacc_mig_close(&hv->mig);
		iounmap(hv->vf_io);
		hv->vf_io = NULL;
		hv->mig_io = NULL;
	}
	vfio_pci_core_close_device(vdev);
}

static void hacc_release_dev(struct vfio_device *vdev)
{
	struct hacc_vdev *hv = hacc_from_vdev(vdev);

	mutex_destroy(&hv->mig.state_mutex);
	mutex_destroy(&hv->io_lock);
	vfio_pci_core_release_dev(vdev);
}

#define HACC_COMMON_OPS							\
	.init = vfio_pci_core_init_dev,					\
	.release = hacc_release_dev,					\
	.open_device = hacc_open_device,				\
	.close_device = hacc_close_device,				\
	.device_feature = vfio_pci_core_ioctl_feature,			\
	.request = vfio_pci_core_request,				\
	.match = vfio_pci_core_match,					\
	HACC_OPS_MATCH_TOKEN						\
	.bind_iommufd = vfio_iommufd_physical_bind,			\
	.unbind_iommufd = vfio_iommufd_physical_unbind,			\
	.attach_ioas = vfio_iommufd_physical_attach_ioas,		\
	.detach_ioas = vfio_iommufd_physical_detach_ioas

static const struct vfio_device_ops hacc_migratable_ops = {
	.name = "hisi-acc-vfio-pci-migration",
	HACC_COMMON_OPS,
	HACC_OPS_REGION_INFO,
	.read = hacc_read,
	.write = hacc_write,
	.mmap = hacc_mmap,
};

static const struct vfio_device_ops hacc_plain_ops = {
	.name = "hisi-acc-vfio-pci",
	HACC_COMMON_OPS,
#if HACC_HAVE_REGION_INFO_CAPS
	.ioctl = vfio_pci_core_ioctl,
	.get_region_info_caps = vfio_pci_ioctl_get_region_info,
#else
	.ioctl = vfio_pci_core_ioctl,
#endif
	.read = vfio_pci_core_read,
	.write = vfio_pci_core_write,
	.mmap = vfio_pci_core_mmap,
};

/* debugfs */

static const char *hacc_state_name(enum vfio_device_mig_state state)
{
	static const char * const names[] = {
		[VFIO_DEVICE_STATE_ERROR] = "ERROR",
		[VFIO_DEVICE_STATE_STOP] = "STOP",
		[VFIO_DEVICE_STATE_RUNNING] = "RUNNING",
		[VFIO_DEVICE_STATE_STOP_COPY] = "STOP_COPY",
		[VFIO_DEVICE_STATE_RESUMING] = "RESUMING",
		[VFIO_DEVICE_STATE_RUNNING_P2P] = "RUNNING_P2P",
		[VFIO_DEVICE_STATE_PRE_COPY] = "PRE_COPY",
		[VFIO_DEVICE_STATE_PRE_COPY_P2P] = "PRE_COPY_P2P",
	};

	return state < ARRAY_SIZE(names) && names[state] ? names[state] : "?";
}

static int hacc_dbg_stats_show(struct seq_file *m, void *unused)
{
	struct hacc_vdev *hv = m->private;
	struct hacc_mig *mig = &hv->mig;

	mutex_lock(&mig->state_mutex);
	seq_printf(m, "state: %s\nopen: %u\ndevice_ready: %u\n",
		   hacc_state_name(mig->state), mig->open, mig->device_ready);
	seq_printf(m, "mmio_reads: %llu\nmmio_writes: %llu\nmailbox: %llu\n",
		   mig->stats.mmio_reads, mig->stats.mmio_writes,
		   mig->stats.mailbox);
	seq_printf(m, "saves: %llu\nloads: %llu\nrejects: %llu\nresets: %llu\n",
		   mig->stats.saves, mig->stats.loads, mig->stats.rejects,
		   mig->stats.resets);
	seq_printf(m, "last_quiesce_ns: %llu\n", mig->stats.last_quiesce_ns);
	seq_printf(m, "last_stop_ns: %llu\nlast_save_ns: %llu\nlast_load_ns: %llu\n",
		   mig->stats.last_stop_ns, mig->stats.last_save_ns,
		   mig->stats.last_load_ns);
	hacc_mig_unlock(mig);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hacc_dbg_stats);

static int hacc_dbg_record_show(struct seq_file *m, void *unused)
{
	struct hacc_mig *mig = &((struct hacc_vdev *)m->private)->mig;

	mutex_lock(&mig->state_mutex);
	seq_printf(m, "length: %zu\n", mig->last_len);
	seq_hex_dump(m, "", DUMP_PREFIX_OFFSET, 16, 4, &mig->last,
		     mig->last_len, false);
	hacc_mig_unlock(mig);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hacc_dbg_record);

/*
 * Register values, read directly (not counted in the statistics), under the
 * same exclusion as an arc: io_lock keeps a reset of this VF out, the PF
 * hold a reset of the whole device.
 */
static int hacc_dbg_regs_show(struct seq_file *m, void *unused)
{
	static const struct {
		const char *name;
		u32 off;
	} regs[] = {
		{ "vf_state", HACC_VF_STATE },
		{ "aeq_int_mask", HACC_AEQ_INT_MASK },
		{ "eq_int_mask", HACC_EQ_INT_MASK },
		{ "ifc_int_source", HACC_IFC_INT_SOURCE },
		{ "ifc_int_mask", HACC_IFC_INT_MASK },
		{ "ifc_int_set", HACC_IFC_INT_SET },
		{ "que_iso_cfg", HACC_QUE_ISO_CFG },
		{ "page_size", HACC_PAGE_SIZE },
	};
	struct hacc_vdev *hv = m->private;
	struct hacc_mig *mig = &hv->mig;
	int i;

	mutex_lock(&mig->state_mutex);
	if (!mig->open) {
		seq_puts(m, "device not open\n");
		goto out;
	}
	mutex_lock(&hv->io_lock);
	if (hacc_pf_hold(hv, HACC_PF_WAIT_ARC_MS)) {
		seq_puts(m, "PF reset in progress\n");
		goto out_io;
	}
	for (i = 0; i < ARRAY_SIZE(regs); i++)
		seq_printf(m, "%s: %#010x\n", regs[i].name,
			   mig->ops->vf_read(mig, regs[i].off));
	for (i = 0; i < HACC_XQC_DWORDS; i++)
		seq_printf(m, "eqc_dw%d: %#010x\n", i,
			   mig->ops->vf_read(mig, mig->eqc_off + 4 * i));
	for (i = 0; i < HACC_XQC_DWORDS; i++)
		seq_printf(m, "aeqc_dw%d: %#010x\n", i,
			   mig->ops->vf_read(mig, mig->aeqc_off + 4 * i));
	hacc_pf_unhold(hv);
out_io:
	mutex_unlock(&hv->io_lock);
out:
	hacc_mig_unlock(mig);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hacc_dbg_regs);

static void hacc_debugfs_add(struct hacc_vdev *hv)
{
	struct dentry *parent = hacc_vfio_debug_root(&hv->core.vdev);

	if (!hv->migratable || !IS_ENABLED(CONFIG_DEBUG_FS))
		return;
	if (parent)
		hv->dbg = debugfs_create_dir("hisi_acc", parent);
	else
		hv->dbg = debugfs_create_dir(pci_name(hv->core.pdev),
					     hacc_dbg_root);
	debugfs_create_file("regs", 0400, hv->dbg, hv, &hacc_dbg_regs_fops);
	debugfs_create_file("last_record", 0400, hv->dbg, hv,
			    &hacc_dbg_record_fops);
	debugfs_create_file("stats", 0400, hv->dbg, hv, &hacc_dbg_stats_fops);
}

/* probe/remove */

/* The getter each PF driver exports for its struct pci_driver */
struct hacc_pf_getter {
	struct pci_driver *(*get)(void);
};

/*
 * Look the PF driver up at run time so that only the one for this VF's type
 * has to be loaded.  Its module need not stay pinned afterwards: removing a
 * PF driver removes its VFs first.
 */
static struct pci_driver *hacc_pf_driver(unsigned short vf_devid)
{
	struct hacc_pf_getter pf = {};
	struct pci_driver *drv;

	switch (vf_devid) {
	case HACC_DEVID_ZIP_VF:
		pf.get = symbol_get(hisi_zip_get_pf_driver);
		break;
	case HACC_DEVID_SEC_VF:
		pf.get = symbol_get(hisi_sec_get_pf_driver);
		break;
	case HACC_DEVID_HPRE_VF:
		pf.get = symbol_get(hisi_hpre_get_pf_driver);
		break;
	}
	if (!pf.get)
		return NULL;
	drv = pf.get();
	symbol_put_addr(pf.get);
	return drv;
}

/*
 * Decide whether this VF can migrate and where its migration registers are;
 * say why not, once.
 */
static bool hacc_probe_migration(struct pci_dev *pdev, struct hisi_qm **pf_qm,
				 bool *pf_window)
{
	struct pci_driver *drv;
	struct hisi_qm *qm;

	if (!pdev->is_virtfn) {
		pci_info(pdev, "migration off: not a virtual function; plain vfio-pci\n");
		return false;
	}
	drv = hacc_pf_driver(pdev->device);
	if (!drv) {
		pci_info(pdev, "migration off: PF driver for device %#x not loaded; plain vfio-pci\n",
			 pdev->device);
		return false;
	}
	qm = pci_iov_get_pf_drvdata(pdev, drv);
	if (IS_ERR(qm)) {
		pci_info(pdev, "migration off: PF not bound to %s; plain vfio-pci\n",
			 drv->name);
		return false;
	}
	*pf_qm = qm;

	if (pci_iov_vf_id(pdev) < 0) {
		pci_info(pdev, "migration off: no VF index; plain vfio-pci\n");
		return false;
	}
	if (qm->ver < QM_HW_V3) {
		pci_info(pdev, "migration off: QM revision %#x, needs %#x; plain vfio-pci\n",
			 qm->ver, QM_HW_V3);
		return false;
	}
	/* The user/migration split of BAR 2 is fixed at HACC_VF_MIG_AREA */
	if (pci_resource_len(pdev, HACC_QM_BAR) != HACC_VF_BAR_SIZE) {
		pci_info(pdev, "migration off: BAR 2 is %#llx bytes, the migration layout needs %#x; plain vfio-pci\n",
			 (u64)pci_resource_len(pdev, HACC_QM_BAR), HACC_VF_BAR_SIZE);
		return false;
	}
	/*
	 * Above V3 the PF driver may have moved the migration registers into
	 * the PF's BAR (Linux 7.x does at PF probe; 6.12 does not).  Checked
	 * again on every open (hacc_pick_window()).
	 */
	*pf_window = hacc_pf_window_on(qm);
	if (*pf_window)
		pci_info(pdev, "QM revision %#x: migration registers in the PF's BAR\n",
			 qm->ver);
	return true;
}

static int hacc_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct hisi_qm *pf_qm = NULL;
	bool migratable, pf_window = false;
	struct hacc_vdev *hv;
	int ret;

	migratable = hacc_probe_migration(pdev, &pf_qm, &pf_window);

	hv = vfio_alloc_device(hacc_vdev, core.vdev, &pdev->dev,
			       migratable ? &hacc_migratable_ops :
					    &hacc_plain_ops);
	if (IS_ERR(hv))
		return PTR_ERR(hv);

	hv->pf_qm = pf_qm;
	mutex_init(&hv->io_lock);
	hv->migratable = migratable;
	hv->pf_window = pf_window;
	if (migratable) {
		hacc_mig_init(&hv->mig, &hacc_hw_ops, &pdev->dev, pdev->device,
			      pci_iov_vf_id(pdev) + 1);
		hacc_mig_use_pf_window(&hv->mig, pf_window);
		hv->core.vdev.migration_flags = VFIO_MIGRATION_STOP_COPY |
						VFIO_MIGRATION_P2P |
						VFIO_MIGRATION_PRE_COPY;
		hv->core.vdev.mig_ops = &hacc_mig_ops;
	} else {
		mutex_init(&hv->mig.state_mutex);
	}

	dev_set_drvdata(&pdev->dev, &hv->core);
	ret = vfio_pci_core_register_device(&hv->core);
	if (ret) {
		vfio_put_device(&hv->core.vdev);
		return ret;
	}
	hacc_debugfs_add(hv);
	return 0;
}

static void hacc_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);
	struct hacc_vdev *hv = container_of(core, struct hacc_vdev, core);

	debugfs_remove_recursive(hv->dbg);
	hv->dbg = NULL;
	vfio_pci_core_unregister_device(core);
	vfio_put_device(&core->vdev);
}

static void hacc_reset_prepare(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);
	struct hacc_vdev *hv = container_of(core, struct hacc_vdev, core);

	if (!hv->pf_qm)
		return;
	/* Released in hacc_reset_done() */
	mutex_lock(&hv->io_lock);
	if (hacc_pf_hold(hv, HACC_PF_WAIT_RESET_MS)) {
		dev_warn_ratelimited(&pdev->dev, "VF reset overlaps a PF reset still running after %u ms\n",
				     HACC_PF_WAIT_RESET_MS);
		return;
	}
	hv->pf_held = true;
}

static void hacc_reset_done(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);
	struct hacc_vdev *hv = container_of(core, struct hacc_vdev, core);

	if (hv->pf_held) {
		hv->pf_held = false;
		hacc_pf_unhold(hv);
	}
	if (hv->migratable)
		hacc_mig_reset(&hv->mig);
	if (hv->pf_qm)
		mutex_unlock(&hv->io_lock);
}

static const struct pci_error_handlers hacc_err_handlers = {
	.reset_prepare = hacc_reset_prepare,
	.reset_done = hacc_reset_done,
	.error_detected = vfio_pci_core_aer_err_detected,
};

/* Bound only through driver_override, as VFIO variant drivers are */
static const struct pci_device_id hacc_ids[] = {
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(HACC_VENDOR_HUAWEI, HACC_DEVID_ZIP_VF) },
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(HACC_VENDOR_HUAWEI, HACC_DEVID_SEC_VF) },
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(HACC_VENDOR_HUAWEI, HACC_DEVID_HPRE_VF) },
	{}
};
MODULE_DEVICE_TABLE(pci, hacc_ids);

static struct pci_driver hacc_driver = {
	.name = KBUILD_MODNAME,
	.id_table = hacc_ids,
	.probe = hacc_probe,
	.remove = hacc_remove,
	.err_handler = &hacc_err_handlers,
	.driver_managed_dma = true,
};

static int __init hacc_init(void)
{
	int ret;

	if (IS_ENABLED(CONFIG_DEBUG_FS))
		hacc_dbg_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	ret = pci_register_driver(&hacc_driver);
	if (ret)
		debugfs_remove_recursive(hacc_dbg_root);
	return ret;
}

static void __exit hacc_exit(void)
{
	pci_unregister_driver(&hacc_driver);
	debugfs_remove_recursive(hacc_dbg_root);
}

module_init(hacc_init);
module_exit(hacc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO variant driver with live migration for HiSilicon accelerator VFs");
/*
 * Release of this driver (CHANGELOG.rst, dkms.conf).  The migration stream
 * keeps its own format version, see Documentation/migration-stream.rst.
 */
MODULE_VERSION("1.0.0");
