// SPDX-License-Identifier: GPL-2.0-only
/*
 * Migration core of hisi_acc_vfio_pci: the checks of a received record,
 * the saving and resuming streams and the migration state machine.
 *
 * Nothing here knows about vfio-pci-core or MMIO.  The core reaches the VF
 * only through the QM command sequences of hisi_acc_vfio_pci_qm.c, which in
 * turn use struct hacc_io_ops, so the KUnit suite runs every arc against a
 * QM that lives in memory.  hisi_acc_vfio_pci_main.c connects the core to
 * vfio-pci-core.
 *
 * Documentation/migration-stream.rst describes the record and its errors.
 */

#include <linux/device.h>
#include <linux/export.h>
#include <linux/file.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/wait.h>

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
 * hacc_rec_check_header() - check a received match header against this VF
 * @dev: device for the log message
 * @rec: the received record (at least HACC_MIG_MATCH_SIZE bytes valid)
 * @local: match data captured from this VF
 *
 * Logs one line naming the first field that differs and both values.
 *
 * Return: 0 if the stream can be loaded into this VF, else -EPROTO.
 */
VISIBLE_IF_KUNIT int
hacc_rec_check_header(struct device *dev, const struct hacc_mig_data *rec,
		      const struct hacc_mig_data *local)
{
	/* The verdict is hacc-mig compat's too: only the log line is ours */
	switch (hacc_match_first_diff(rec, local)) {
	case HACC_MATCH_OK:
		return 0;
	case HACC_MATCH_MAGIC:
		dev_err_ratelimited(dev, "migration: magic %#llx in stream, expected %#llx or %#llx\n",
				    rec->magic, HACC_MIG_MAGIC_V2, HACC_MIG_MAGIC_V1);
		break;
	case HACC_MATCH_MAJOR_VER:
		dev_err_ratelimited(dev, "migration: major_ver %u in stream, driver reads %u\n",
				    rec->major_ver, HACC_MIG_MAJOR_VER);
		break;
	case HACC_MATCH_DEV_ID:
		dev_err_ratelimited(dev, "migration: dev_id %#x in stream, this VF is %#x\n",
				    rec->dev_id, local->dev_id);
		break;
	case HACC_MATCH_QP_NUM:
		dev_err_ratelimited(dev, "migration: qp_num %u in stream, this VF has %u\n",
				    rec->qp_num, local->qp_num);
		break;
	case HACC_MATCH_QUE_ISO_CFG:
		dev_err_ratelimited(dev, "migration: que_iso_cfg %#x in stream, this PF has %#x\n",
				    rec->que_iso_cfg, local->que_iso_cfg);
		break;
	}
	return -EPROTO;
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
VISIBLE_IF_KUNIT int hacc_rec_check_body(struct device *dev, struct hacc_mig_data *rec)
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
	bool hw;
	int ret;

	lockdep_assert_held(&mig->state_mutex);
	lockdep_assert_held(&s->lock);

	s->avail += n;
	if (before >= HACC_MIG_MATCH_SIZE || s->avail < HACC_MIG_MATCH_SIZE)
		return 0;

	/* Known since this VF's first capture: no device access then */
	hw = !mig->match_valid;
	if (hw && mig->ops->begin) {
		ret = mig->ops->begin(mig);
		if (ret)
			goto undo;
	}
	ret = hacc_capture_match(mig, &local);
	if (hw && mig->ops->end)
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

/* With @s locked: the errno that keeps @s from being loaded, or 0 */
static int hacc_stream_verdict(struct hacc_mig *mig, struct hacc_stream *s)
{
	if (s->bad)
		return s->bad;
	if (s->avail != HACC_MIG_MATCH_SIZE && s->avail != HACC_MIG_DATA_SIZE) {
		dev_err_ratelimited(mig->dev, "migration: stream length %zu, expected %u or %u\n",
				    s->avail, HACC_MIG_MATCH_SIZE, HACC_MIG_DATA_SIZE);
		return -ENODATA;
	}
	if (s->avail == HACC_MIG_DATA_SIZE)
		return hacc_rec_check_body(mig->dev, &s->rec);
	return 0;
}

/* Validate and load the resuming stream at RESUMING -> STOP */
static int hacc_load_stream(struct hacc_mig *mig, struct hacc_stream *s)
{
	struct hacc_mig_data *rec = &s->rec;
	u64 t0 = ktime_get_ns();
	int ret;

	mutex_lock(&s->lock);
	ret = hacc_stream_verdict(mig, s);
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

/*
 * Capture the device-state part of the record into @s, which already holds
 * the match header (possibly already read by userspace), and publish it:
 * the stream becomes final.  Runs with the VF stopped.
 */
static int hacc_save_state(struct hacc_mig *mig, struct hacc_stream *s)
{
	struct hacc_mig_data tmp;
	u64 t0 = ktime_get_ns();
	int len;

	len = hacc_read_state(mig, &tmp);
	if (len < 0)
		return len;

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
	mig->mb_lost = 0;
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

/*
 * Whether an arc will access the device, so that ops->begin (the PF's reset
 * bit, the memory-decoding check) is worth its cost.  Besides the arcs that
 * only drop or open a file: opening the saving stream once the match header
 * is known, and STOP -> RUNNING_P2P on a VF that is still paused.
 */
static bool hacc_arc_touches_device(struct hacc_mig *mig,
				    enum vfio_device_mig_state next)
{
	enum vfio_device_mig_state cur = mig->state;

	if (next == VFIO_DEVICE_STATE_RESUMING ||
	    (cur == VFIO_DEVICE_STATE_PRE_COPY &&
	     next == VFIO_DEVICE_STATE_RUNNING) ||
	    (cur == VFIO_DEVICE_STATE_PRE_COPY_P2P &&
	     next == VFIO_DEVICE_STATE_RUNNING_P2P) ||
	    (cur == VFIO_DEVICE_STATE_STOP_COPY &&
	     next == VFIO_DEVICE_STATE_STOP))
		return false;
	if ((cur == VFIO_DEVICE_STATE_RUNNING &&
	     next == VFIO_DEVICE_STATE_PRE_COPY) ||
	    (cur == VFIO_DEVICE_STATE_RUNNING_P2P &&
	     next == VFIO_DEVICE_STATE_PRE_COPY_P2P))
		return !mig->match_valid;
	if (cur == VFIO_DEVICE_STATE_STOP &&
	    next == VFIO_DEVICE_STATE_RUNNING_P2P)
		return !mig->quiesced;
	return true;
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

/*
 * PRE_COPY[_P2P] -> STOP_COPY: stop what is still running, then capture.
 * A capture that fails (a mailbox read of the context tables) changes no
 * device state, so the arc is retryable: from PRE_COPY_P2P the VF stays
 * paused, as that state has it; from PRE_COPY it runs again.
 */
static int hacc_finish_precopy(struct hacc_mig *mig,
			       enum vfio_device_mig_state cur)
{
	int ret;

	if (cur == VFIO_DEVICE_STATE_PRE_COPY)
		ret = hacc_stop_device(mig);
	else
		ret = hacc_settle(mig);
	if (ret)
		return ret;
	ret = hacc_save_state(mig, mig->saving);
	if (ret && cur == VFIO_DEVICE_STATE_PRE_COPY)
		hacc_resume_device(mig);
	return ret;
}

/* STOP -> STOP_COPY: the whole record at once in a new saving stream */
static int hacc_stop_copy(struct hacc_mig *mig, struct hacc_stream *fresh)
{
	int ret;

	ret = hacc_capture_match(mig, &fresh->rec);
	if (ret)
		return ret;
	ret = hacc_save_state(mig, fresh);
	if (ret)
		return ret;
	hacc_stream_attach(&mig->saving, fresh);
	return 0;
}

/* RESUMING -> STOP: validate and load what was written */
static int hacc_finish_resuming(struct hacc_mig *mig)
{
	int ret;

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

static int hacc_arc(struct hacc_mig *mig, enum vfio_device_mig_state next,
		    struct hacc_stream *fresh)
{
	enum vfio_device_mig_state cur = mig->state;

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

	if (ARC(PRE_COPY, STOP_COPY) || ARC(PRE_COPY_P2P, STOP_COPY))
		return hacc_finish_precopy(mig, cur);

	if (ARC(STOP, STOP_COPY))
		return hacc_stop_copy(mig, fresh);

	if (ARC(STOP, RESUMING)) {
		hacc_stream_attach(&mig->resuming, fresh);
		return 0;
	}

	if (ARC(RESUMING, STOP))
		return hacc_finish_resuming(mig);
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
bool hacc_mig_needs_stream(enum vfio_device_mig_state cur,
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
	bool hw = hacc_arc_touches_device(mig, next);
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
