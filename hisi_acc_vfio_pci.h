/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HiSilicon accelerator VF variant driver for VFIO: internal interfaces.
 *
 * The driver is built from three files that only meet through this header:
 *
 *  - hisi_acc_vfio_pci_mig.c, the migration core (struct hacc_mig): the
 *    state machine, the saving and resuming streams and the validation of
 *    the migration record;
 *  - hisi_acc_vfio_pci_qm.c, the QM command sequences the core runs
 *    (mailbox, pause, drain and cache write-back, register save and load).
 *    They reach the device only through struct hacc_io_ops, so the KUnit
 *    suite can run every arc of the core against a QM that lives in memory;
 *  - hisi_acc_vfio_pci_main.c, the VFIO glue (struct hacc_vdev): vfio-pci-core
 *    integration, the MMIO behind struct hacc_io_ops, the hidden migration
 *    half of BAR 2, anonymous-inode files, reset handling and debugfs.  It
 *    alone includes linux/vfio_pci_core.h and knows about kernel versions.
 */
#ifndef HACC_VFIO_PCI_H
#define HACC_VFIO_PCI_H

#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vfio.h>
#include <linux/wait.h>

#include "hisi_acc_vfio_pci_hw.h"

/*
 * Polling budgets of the QM handshakes, those of Linux 7.3's QM driver:
 * 1 ms for the mailbox to be free before a command, the queue table and
 * the cache write-back; 1 s for a mailbox command to complete (PAUSE_QM
 * waits for the tasks the VF has taken).
 */
#define HACC_POLL_US		10
#define HACC_POLL_TIMEOUT_US	1000
#define HACC_MB_DONE_US		USEC_PER_SEC
/* Interrupt-status registers must drain within this budget at stop */
#define HACC_DRAIN_TIMEOUT_US	10000

struct hacc_mig;

/**
 * struct hacc_io_ops - device access used by the migration core
 * @vf_read: read a 32-bit migration register of the VF's QM (offset in the
 *	VF's BAR 2, or in its migration window of the PF's BAR 2 above QM V3)
 * @vf_write: write a 32-bit migration register of the VF's QM
 * @vf_write64: write a 64-bit doorbell of the VF (always the VF's BAR 2)
 * @vf_mb_send: post the four mailbox words at HACC_MB_BASE as one command
 * @vf_mb_read: read the four mailbox words at HACC_MB_BASE as one access
 *	(status and result of the last command come from the same read); the
 *	result words only mean something once the status says done, and
 *	word 3 is reserved
 * @pf_read: read a 32-bit register of the PF's QM
 * @pf_write: write a 32-bit register of the PF's QM
 * @begin: called before a sequence of device accesses; may refuse (for
 *	example while the PF is being reset)
 * @end: called after the sequence started by a successful @begin
 *
 * Real hardware uses MMIO; the KUnit suite supplies a model in memory.  Every
 * access is also counted in &struct hacc_mig_stats.
 */
struct hacc_io_ops {
	u32 (*vf_read)(struct hacc_mig *mig, u32 off);
	void (*vf_write)(struct hacc_mig *mig, u32 off, u32 val);
	void (*vf_write64)(struct hacc_mig *mig, u32 off, u64 val);
	void (*vf_mb_send)(struct hacc_mig *mig, const u32 words[4]);
	void (*vf_mb_read)(struct hacc_mig *mig, u32 words[4]);
	u32 (*pf_read)(struct hacc_mig *mig, u32 off);
	void (*pf_write)(struct hacc_mig *mig, u32 off, u32 val);
	int (*begin)(struct hacc_mig *mig);
	void (*end)(struct hacc_mig *mig);
};

/**
 * struct hacc_stream - one migration data file (saving or resuming)
 * @lock: serialises read/write/ioctl against disabling; nests inside
 *	&hacc_mig.state_mutex
 * @wq: poll() waiters; woken when data appears or the stream is disabled
 * @rec: the migration record (or the part of it written so far)
 * @avail: saving: bytes of @rec a reader may consume; resuming: bytes written
 * @pos: saving: bytes already read
 * @final: saving: @avail will not grow any more (STOP_COPY or later)
 * @disabled: the stream was closed by an arc or a reset; I/O fails
 * @bad: resuming: validation failed with this errno; nothing is loaded
 * @filp: the anonymous file, or NULL for streams made by the KUnit suite
 * @mig: the owning migration core
 */
struct hacc_stream {
	struct mutex lock; /* see above */
	wait_queue_head_t wq;
	struct hacc_mig_data rec;
	size_t avail;
	size_t pos;
	bool final;
	bool disabled;
	int bad;
	struct file *filp;
	struct hacc_mig *mig;
};

/**
 * struct hacc_mig_stats - counters shown in debugfs
 * @mmio_reads: device register reads issued by the migration core
 * @mmio_writes: device register writes issued by the migration core
 * @mailbox: mailbox commands issued
 * @saves: records captured in STOP_COPY
 * @loads: records loaded at RESUMING -> STOP
 * @rejects: resuming streams rejected by validation
 * @resets: resets that closed the migration session
 * @last_stop_ns: duration of the last RUNNING/PRE_COPY -> stopped arc, or
 *	with P2P of the last RUNNING_P2P/PRE_COPY_P2P -> stopped arc
 * @last_quiesce_ns: duration of the last arc into RUNNING_P2P/PRE_COPY_P2P
 * @last_save_ns: duration of the last state capture
 * @last_load_ns: duration of the last load
 */
struct hacc_mig_stats {
	u64 mmio_reads;
	u64 mmio_writes;
	u64 mailbox;
	u64 saves;
	u64 loads;
	u64 rejects;
	u64 resets;
	u64 last_stop_ns;
	u64 last_quiesce_ns;
	u64 last_save_ns;
	u64 last_load_ns;
};

/**
 * struct hacc_mig - device-independent migration core of one VF
 * @state_mutex: protects everything below except the reset pair; taken
 *	before any stream lock
 * @reset_lock: protects @deferred_reset; never held while sleeping
 * @deferred_reset: a reset arrived while @state_mutex was held
 * @ops: device access
 * @dev: the VF, for log messages
 * @dev_id: PCI device id of the VF (part of the match data)
 * @fn: QM function number of the VF (VF index + 1)
 * @core_int_reg: PF register holding the accelerator core's interrupt status
 * @eqc_off: offset of EQ context word 0 in the window @ops->vf_read reaches
 *	(the VF BAR, or above QM V3 the VF's migration window in the PF BAR)
 * @aeqc_off: offset of AEQ context word 0 in that window
 * @state: current migration state
 * @saving: open saving stream, or NULL
 * @resuming: open resuming stream, or NULL
 * @match: match header of this VF, read from the PF on the first capture
 *	and kept for the VF's lifetime (see hacc_capture_match())
 * @match_valid: @match has been read
 * @device_ready: the VF holds guest state (VF_STATE read READY or loaded)
 * @rearm_eq: EQ/AEQ doorbells must be rung with @eq_head/@aeq_head on resume
 * @eq_head: EQ head captured at save
 * @aeq_head: AEQ head captured at save
 * @kick_qps: queue doorbells must be rung for this many queues on resume
 * @quiesced: task processing was paused (PAUSE_QM) and not released since
 * @mb_idle: the VF mailbox was seen idle and nobody else can use it now
 * @mb_lost: commands posted that did not complete in time; each may
 *	still run (only a reset clears this)
 * @open: the device is open and its registers are mapped
 * @last: copy of the last record saved or loaded (debugfs)
 * @last_len: valid bytes in @last
 * @stats: counters and timings (debugfs)
 */
struct hacc_mig {
	struct mutex state_mutex; /* see above */
	spinlock_t reset_lock; /* see above */
	bool deferred_reset;
	const struct hacc_io_ops *ops;
	struct device *dev;
	u16 dev_id;
	u32 fn;
	u32 core_int_reg;
	u32 eqc_off;
	u32 aeqc_off;
	enum vfio_device_mig_state state;
	struct hacc_stream *saving;
	struct hacc_stream *resuming;
	struct hacc_mig_data match;
	bool match_valid;
	bool device_ready;
	bool rearm_eq;
	u16 eq_head;
	u16 aeq_head;
	u32 kick_qps;
	bool quiesced;
	bool mb_idle;
	unsigned int mb_lost;
	bool open;
	struct hacc_mig_data last;
	size_t last_len;
	struct hacc_mig_stats stats;
};

void hacc_mig_init(struct hacc_mig *mig, const struct hacc_io_ops *ops,
		   struct device *dev, u16 dev_id, u32 fn);
void hacc_mig_use_pf_window(struct hacc_mig *mig, bool in_pf);
void hacc_mig_open(struct hacc_mig *mig);
void hacc_mig_close(struct hacc_mig *mig);
void hacc_mig_unlock(struct hacc_mig *mig);
void hacc_mig_reset(struct hacc_mig *mig);
bool hacc_mig_needs_stream(enum vfio_device_mig_state cur,
			   enum vfio_device_mig_state next);
int hacc_mig_step(struct hacc_mig *mig, enum vfio_device_mig_state next,
		  struct hacc_stream *fresh);

void hacc_stream_init(struct hacc_stream *s, struct hacc_mig *mig);
ssize_t hacc_save_window(struct hacc_stream *s, size_t len, size_t *off);
void hacc_save_consume(struct hacc_stream *s, size_t n);
int hacc_precopy_bytes(struct hacc_stream *s, u64 *initial, u64 *dirty);
int hacc_resume_window(struct hacc_stream *s, size_t len, size_t *off);
int hacc_resume_commit(struct hacc_stream *s, size_t n);

u64 hacc_xqc_dma(const u32 *dw);

/* QM command sequences (hisi_acc_vfio_pci_qm.c), run by the core */
int hacc_capture_match(struct hacc_mig *mig, struct hacc_mig_data *rec);
int hacc_quiesce(struct hacc_mig *mig);
int hacc_settle(struct hacc_mig *mig);
int hacc_stop_device(struct hacc_mig *mig);
int hacc_read_state(struct hacc_mig *mig, struct hacc_mig_data *rec);
int hacc_load_state(struct hacc_mig *mig, const struct hacc_mig_data *rec);
void hacc_resume_device(struct hacc_mig *mig);

/* Static unless KUnit is on (VISIBLE_IF_KUNIT): only the suite calls them */
#if IS_ENABLED(CONFIG_KUNIT)
int hacc_rec_check_header(struct device *dev, const struct hacc_mig_data *rec,
			  const struct hacc_mig_data *local);
int hacc_rec_check_body(struct device *dev, struct hacc_mig_data *rec);
int hacc_vft_decode(u64 vft, u32 *base, u32 *num);
#endif

#endif /* HACC_VFIO_PCI_H */
