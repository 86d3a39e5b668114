/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ZIP job engine of the userspace "guest driver": it runs deflate jobs on a
 * HiSilicon QM VF reached through VFIO the way the kernel's hisi_zip driver
 * does on the same hardware (facts from drivers/crypto/hisilicon: qm.c,
 * qm_common.h, sgl.c, zip/).  New symbols carry the hl_ prefix.
 *
 *   struct hl_fn    one function: a DMA area with the SQC/CQC tables, the
 *                   EQ and AEQ rings and the queue rings, contexts loaded by
 *                   mailbox, optional MSI delivered to an eventfd;
 *   struct hl_queue one queue pair (SQ of 128-byte SQEs, CQ of 16-byte CQEs)
 *                   bound to one direction (the SQC's alg_type);
 *   struct hl_jobs  K job slots on one queue, each with its own hardware
 *                   SGLs and buffers; submit, reap and verify (with zlib).
 *
 * Functions return 0 (or a count) on success and -errno on failure with the
 * reason in hl_last_error().  Device memory layouts are little-endian.
 */
#ifndef HACC_JOBS_H
#define HACC_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "hacc_vfio.h"

/* --- encodings ------------------------------------------------------- */

#define HL_SQE_SIZE		128
#define HL_CQE_SIZE		16
#define HL_XQC_SIZE		32	/* SQC, CQC, EQC, AEQC */
#define HL_SGL_HDR_SIZE		64
#define HL_SGE_SIZE		32
#define HL_SGE_MAX		10	/* entries per SGL (hisi_zip's pool) */

/* SQC alg_type: the direction a queue runs */
enum hl_op {
	HL_COMPRESS = 0,
	HL_DECOMPRESS = 1,
};

/* ZIP SQE status (dw3 [7:0]); the driver accepts 0 and HL_ST_NC */
#define HL_ST_OK		0x00
#define HL_ST_NC		0x0d	/* "negative compression", not an error */

struct hl_zip_sqe {
	__u32 consumed;		/* dw0, written back */
	__u32 produced;		/* dw1, written back */
	__u32 comp_len;		/* dw2 */
	__u32 dw3;		/* [7:0] status, written back */
	__u32 in_len;		/* dw4 */
	__u32 dw5, dw6;
	__u32 dw7;		/* [23:0] in SGE offset, [31:28] SQE type */
	__u32 dw8;		/* [23:0] out SGE offset */
	__u32 dw9;		/* [7:0] request type, [11:8] buffer type */
	__u32 dw10, dw11, dw12, dw13;
	__u32 avail_out;	/* dw14 */
	__u32 dw15, dw16, dw17;
	__u32 src_l, src_h;	/* dw18, dw19: source (an SGL) */
	__u32 dst_l, dst_h;	/* dw20, dw21: destination (an SGL) */
	__u32 dw22, dw23, dw24, dw25;
	__u32 tag_l, tag_h;	/* dw26, dw27: the submitter's tag (type 3) */
	__u32 rsvd[4];
};

struct hl_cqe {
	__u32 rsvd0;
	__u16 cmd_id;
	__u16 rsvd1;
	__u16 sq_head;		/* index of the SQE this completes */
	__u16 sq_num;
	__u16 rsvd2;
	__u16 w7;		/* bit 0: phase */
};

/* One memory segment of a buffer, as the device sees it. */
struct hl_seg {
	__u64 iova;
	__u32 len;
};

/* What a job asks of the device; encoded by hl_sqe_encode(). */
struct hl_sqe_args {
	__u64 src_sgl, dst_sgl;
	__u32 in_len, avail_out;
	__u64 tag;
};

/* Encoders: plain functions of their arguments (unit-tested on the host). */
void hl_sqe_encode(struct hl_zip_sqe *sqe, const struct hl_sqe_args *a);
__u64 hl_sqe_tag(const struct hl_zip_sqe *sqe);
unsigned int hl_sqe_status(const struct hl_zip_sqe *sqe);
/* An SGL of n segments (n <= cap <= HL_SGE_MAX) at sgl (zeroed first). */
int hl_sgl_encode(void *sgl, unsigned int cap, const struct hl_seg *seg, unsigned int n);
size_t hl_sgl_size(unsigned int cap);
void hl_sqc_encode(void *sqc, __u64 ring, unsigned int depth, __u16 cqn, enum hl_op op);
void hl_cqc_encode(void *cqc, __u64 ring, unsigned int depth);
void hl_eqc_encode(void *eqc, __u64 ring, unsigned int depth);
__u64 hl_db_value(__u16 qn, unsigned int cmd, __u16 index, unsigned int priority);

/* --- function and queues -------------------------------------------------- */

#define HL_MAX_QUEUES		64	/* queues we serve (the tables cover qp_num) */

struct hl_fn_cfg {
	__u64 iova;		/* start of our IOVA range (default HL_IOVA) */
	unsigned int eq_depth;	/* default 1024 */
	bool irq;		/* MSI to an eventfd; else completions are polled */
};

#define HL_IOVA			0x40000000ull

struct hl_fn_stats {
	unsigned long long irqs;	/* eventfd wake-ups with a count */
	unsigned long long eqes, aeqes;
	unsigned long long cq_doorbells, sq_doorbells;
	unsigned long long lost_irq;	/* CQEs found only after the wait timed out */
	unsigned long long bad_cqe;	/* CQEs naming an SQE index beyond the queue */
};

struct hl_queue;

#define HL_MAX_AREAS		8

/* A DMA area of the function (its own, or a job context's). */
struct hl_area {
	void *mem;
	__u64 iova, size;
};

struct hl_fn {
	struct hl_dev *dev;
	void *mem;
	__u64 iova, size;
	__u64 next_iova;	/* where the next job area is mapped */
	size_t used;		/* bump allocator inside mem */
	bool mapped, irq;
	__u32 qp_num;		/* from SQC_VFT (0: unknown) */
	int db_bar;		/* SQ/CQ doorbells: BAR 2, or BAR 4 with isolation */
	__u64 db_stride;
	unsigned int eq_depth, aeq_depth;
	__u16 eq_head, aeq_head;
	bool eq_phase, aeq_phase;
	unsigned int eq_vector, aeq_vector;
	int irq_fd;
	void *eq, *aeq;
	void *sqc_table, *cqc_table, *ctx_buf;
	__u64 sqc_table_iova, cqc_table_iova, ctx_buf_iova, eq_iova, aeq_iova;
	struct hl_queue *q[HL_MAX_QUEUES];
	struct hl_area area[HL_MAX_AREAS];	/* mapped for the device, size 0: free */
	__u32 aeqe_last;	/* dw0 of the last AEQE seen */
	struct hl_fn_stats st;
};

/* Map our DMA area, bus master on, EQ/AEQ/SQC_BT/CQC_BT, unmask, MSI. */
int hl_fn_init(struct hl_fn *fn, struct hl_dev *dev, const struct hl_fn_cfg *cfg);
/* Mask interrupts, MSI off, unmap. */
void hl_fn_fini(struct hl_fn *fn);
/*
 * Carry on with device `to` as where a migration took the function's state:
 * every DMA area is mapped at the same IOVA for `to`, bus mastering and MSI
 * are set up on it, and from then on every access goes to `to`.  The areas
 * stay mapped for the old device until it is closed.
 */
int hl_fn_move(struct hl_fn *fn, struct hl_dev *to);
/* Drain the EQ and AEQ, then every queue an EQE named (or, polling, every
 * started queue), then the AEQ again if any CQE came; returns the number of
 * CQEs consumed. */
int hl_fn_service(struct hl_fn *fn);
/*
 * Wait up to timeout_ms for completions (the interrupt, or polling without
 * one) and serve them; returns the number of CQEs, 0 on timeout.  With an
 * interrupt, CQEs that are there when the wait times out are still served
 * but counted in st.lost_irq.
 */
int hl_fn_reap(struct hl_fn *fn, int timeout_ms);

/* Called for each CQE with the SQE it completes (still in the SQ). */
typedef void (*hl_done_fn)(void *arg, const struct hl_zip_sqe *sqe);

struct hl_queue {
	struct hl_fn *fn;
	__u16 qn;
	unsigned int depth;
	enum hl_op op;
	struct hl_zip_sqe *sq;
	struct hl_cqe *cq;
	__u64 sq_iova, cq_iova;
	__u16 sq_tail, cq_head;
	bool cq_phase;
	unsigned int used;
	bool pending;		/* named by an EQE not yet served */
	hl_done_fn done;
	void *done_arg;
	unsigned long long cqes;
};

int hl_queue_start(struct hl_fn *fn, struct hl_queue *q, __u16 qn, enum hl_op op,
		   unsigned int depth, hl_done_fn done, void *arg);
void hl_queue_stop(struct hl_queue *q);
/* Copy sqe to the SQ tail and ring the SQ doorbell; -EBUSY when full. */
int hl_queue_send(struct hl_queue *q, const struct hl_zip_sqe *sqe);
/* Consume this queue's CQEs; returns how many. */
int hl_queue_poll(struct hl_queue *q);

/* --- jobs ------------------------------------------------------------------ */

struct hl_jobs_cfg {
	__u16 qn;
	enum hl_op op;
	unsigned int k;		/* jobs in flight (slots) */
	unsigned int seg_size;	/* SGL segment size, default 4096 */
	unsigned int depth;	/* queue depth, default 256 */
};

struct hl_jobs_stats {
	unsigned long long submitted, completed, verified;
	unsigned long long bad;		/* wrong output or wrong fields */
	unsigned long long hw_err;	/* error status where none was expected */
	unsigned long long want_err;	/* error status where one was expected */
	unsigned long long nc;		/* status 0x0d, accepted like the driver */
	unsigned long long bytes_in, bytes_out;
	double max_lat_us;
	unsigned int last_status;
};

struct hl_slot;

struct hl_jobs {
	struct hl_fn *fn;
	struct hl_queue q;
	struct hl_jobs_cfg cfg;
	void *mem;
	__u64 iova, size;
	bool mapped;
	struct hl_slot *slot;
	unsigned int inflight;
	unsigned int free_top;
	unsigned int *free;
	unsigned int max_len;	/* per buffer: HL_SGE_MAX * seg_size */
	struct hl_jobs_stats st;
	char last_bad[160];
};

int hl_jobs_init(struct hl_jobs *j, struct hl_fn *fn, const struct hl_jobs_cfg *cfg);
/* Waits (up to 2 s) for jobs still in flight, then stops the queue. */
void hl_jobs_fini(struct hl_jobs *j);

/*
 * Submit one job: in (in_len bytes) is copied to the slot's source buffer;
 * the output buffer offers avail_out bytes.  plain is what the job must give
 * back (compression: it must inflate to plain; decompression: it must equal
 * plain) and must stay valid until the job is reaped.  want_error: the job
 * must complete with an error status instead.  -EBUSY when K are in flight.
 */
int hl_jobs_submit(struct hl_jobs *j, const void *in, __u32 in_len, __u32 avail_out,
		   const void *plain, __u32 plain_len, bool want_error);
/*
 * Reap completions with hl_fn_reap() until at least one of this context's
 * jobs completed or timeout_ms passed; each job is verified and counted
 * when its CQE is served (jobs of other contexts on the function too).
 * Returns the number of this context's jobs reaped, 0 on timeout.
 */
int hl_jobs_reap(struct hl_jobs *j, int timeout_ms);
/* Describe the stats on one line into buf. */
void hl_jobs_stats_str(const struct hl_jobs *j, char *buf, size_t len);

#endif /* HACC_JOBS_H */
