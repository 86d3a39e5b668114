// SPDX-License-Identifier: GPL-2.0
/*
 * ZIP job engine of the userspace guest driver; see hacc_jobs.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <zlib.h>

#include "hacc_guest.h"
#include "hacc_jobs.h"

_Static_assert(sizeof(struct hl_zip_sqe) == HL_SQE_SIZE, "ZIP SQE is 128 bytes");
_Static_assert(sizeof(struct hl_cqe) == HL_CQE_SIZE, "CQE is 16 bytes");

/* SQE fields (zip.h, zip_crypto.c) */
#define SQE_STATUS_MASK		0xffu
#define SQE_TYPE_SHIFT		28
#define SQE_TYPE_V3		3u	/* tag in dw26/dw27 */
#define SQE_REQ_DEFLATE		0x01u
#define SQE_BUF_TYPE_SHIFT	8
#define SQE_BUF_SGL		1u

/* Queue contexts (qm_common.h, qm.c) */
#define XQC_SQE_SIZE_SHIFT	12
#define XQC_SQE_LOG2		7	/* 128-byte SQEs */
#define XQC_CQE_SIZE_CODE	4
#define SQC_ORDERS_SHIFT	4
#define SQC_ALG_SHIFT		8
#define CQC_PHASE		HACC_BIT(0)
#define CQC_IRQ_ON		HACC_BIT(1)
#define EQC_PHASE		HACC_BIT(16)

/* EQE / AEQE dw0 */
#define EQE_QN_MASK		0xffffu
#define EQE_PHASE		HACC_BIT(16)

/* V3 capability words read by the QM driver */
#define CAP_EQ_IRQ		0x310c
#define CAP_AEQ_IRQ		0x3110
#define CAP_IRQ_VEC_MASK	0xffffu
#define CAP_IRQ_TYPE_SHIFT	16
#define ISO_DB_BIT		HACC_BIT(0)	/* QUE_ISO_CFG: doorbells in BAR 4 */
#define DB_ISO_STRIDE		0x10000ull

#define CQ_DOORBELL_ARM		1	/* priority 1 on a CQ doorbell re-arms */

static void put16(void *p, unsigned int off, __u16 v)
{
	memcpy((char *)p + off, &v, sizeof(v));
}

static void put32(void *p, unsigned int off, __u32 v)
{
	memcpy((char *)p + off, &v, sizeof(v));
}

static void put64(void *p, unsigned int off, __u64 v)
{
	memcpy((char *)p + off, &v, sizeof(v));
}

/* ---------------------------------------------------------------- encoders */

void hl_sqe_encode(struct hl_zip_sqe *sqe, const struct hl_sqe_args *a)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->src_l = (__u32)a->src_sgl;
	sqe->src_h = (__u32)(a->src_sgl >> 32);
	sqe->dst_l = (__u32)a->dst_sgl;
	sqe->dst_h = (__u32)(a->dst_sgl >> 32);
	sqe->in_len = a->in_len;
	sqe->avail_out = a->avail_out;
	sqe->dw9 = SQE_REQ_DEFLATE | SQE_BUF_SGL << SQE_BUF_TYPE_SHIFT;
	sqe->dw7 = SQE_TYPE_V3 << SQE_TYPE_SHIFT;
	sqe->tag_l = (__u32)a->tag;
	sqe->tag_h = (__u32)(a->tag >> 32);
}

__u64 hl_sqe_tag(const struct hl_zip_sqe *sqe)
{
	return (__u64)sqe->tag_h << 32 | sqe->tag_l;
}

unsigned int hl_sqe_status(const struct hl_zip_sqe *sqe)
{
	return sqe->dw3 & SQE_STATUS_MASK;
}

size_t hl_sgl_size(unsigned int cap)
{
	return HL_SGL_HDR_SIZE + (size_t)cap * HL_SGE_SIZE;
}

/*
 * Chain head (64 bytes): next (8), entries in chain (2), entries used in
 * this SGL (2), entries this SGL has room for (2); then 32-byte entries:
 * address (8), a driver cookie (8), length (4).  Like hisi_zip we build one
 * SGL per buffer, and like it we put the room in "entries in chain".
 */
int hl_sgl_encode(void *sgl, unsigned int cap, const struct hl_seg *seg, unsigned int n)
{
	unsigned int i;

	if (!n || n > cap || cap > HL_SGE_MAX)
		return hl_fail(EINVAL, "SGL of %u segments, room for %u (max %u)",
				 n, cap, HL_SGE_MAX);
	memset(sgl, 0, hl_sgl_size(cap));
	put64(sgl, 0, 0);
	put16(sgl, 8, cap);
	put16(sgl, 10, n);
	put16(sgl, 12, cap);
	for (i = 0; i < n; i++) {
		unsigned int e = HL_SGL_HDR_SIZE + i * HL_SGE_SIZE;

		put64(sgl, e, seg[i].iova);
		put32(sgl, e + 16, seg[i].len);
	}
	return 0;
}

void hl_sqc_encode(void *sqc, __u64 ring, unsigned int depth, __u16 cqn, enum hl_op op)
{
	memset(sqc, 0, HL_XQC_SIZE);
	put32(sqc, 4, (__u32)ring);
	put32(sqc, 8, (__u32)(ring >> 32));
	put32(sqc, 12, (depth - 1) | XQC_SQE_LOG2 << XQC_SQE_SIZE_SHIFT);
	put16(sqc, 24, cqn);
	put16(sqc, 26, 1 << SQC_ORDERS_SHIFT | ((unsigned int)op & 0xf) << SQC_ALG_SHIFT);
}

void hl_cqc_encode(void *cqc, __u64 ring, unsigned int depth)
{
	memset(cqc, 0, HL_XQC_SIZE);
	put32(cqc, 4, (__u32)ring);
	put32(cqc, 8, (__u32)(ring >> 32));
	put32(cqc, 12, (depth - 1) | XQC_CQE_SIZE_CODE << XQC_SQE_SIZE_SHIFT);
	put32(cqc, 24, CQC_PHASE | CQC_IRQ_ON);
}

void hl_eqc_encode(void *eqc, __u64 ring, unsigned int depth)
{
	memset(eqc, 0, HL_XQC_SIZE);
	put32(eqc, 4, (__u32)ring);
	put32(eqc, 8, (__u32)(ring >> 32));
	put32(eqc, 24, (depth - 1) | EQC_PHASE);
}

__u64 hl_db_value(__u16 qn, unsigned int cmd, __u16 index, unsigned int priority)
{
	return qn | (__u64)cmd << HACC_DB_CMD_SHIFT | (__u64)index << HACC_DB_INDEX_SHIFT |
	       (__u64)priority << HACC_DB_PRIORITY_SHIFT;
}

/* ---------------------------------------------------------------- function */

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int doorbell(struct hl_fn *fn, __u16 qn, unsigned int cmd, __u16 index,
		    unsigned int priority)
{
	__u64 v = hl_db_value(qn, cmd, index, priority);
	int bar = HACC_QM_BAR;
	__u64 off = HACC_DB_EQ_AEQ;
	ssize_t n;

	if (cmd == HACC_DB_CMD_SQ || cmd == HACC_DB_CMD_CQ) {
		bar = fn->db_bar;
		off = HACC_DB_SQ_CQ + qn * fn->db_stride;
		if (cmd == HACC_DB_CMD_SQ)
			fn->st.sq_doorbells++;
		else
			fn->st.cq_doorbells++;
	}
	/* one 64-bit write, as the driver's writeq */
	n = hl_bar_pwrite(fn->dev, bar, off, &v, sizeof(v));
	if (n != sizeof(v))
		return hl_fail(n < 0 ? (int)-n : EIO, "%s: doorbell cmd %u queue %u",
				 fn->dev->bdf, cmd, qn);
	return 0;
}

static void *fn_alloc(struct hl_fn *fn, size_t len, __u64 *iova)
{
	size_t off = (fn->used + 0xfff) & ~(size_t)0xfff;

	if (off + len > fn->size)
		return NULL;
	fn->used = off + len;
	*iova = fn->iova + off;
	return (char *)fn->mem + off;
}

static int map_area(struct hl_dev *dev, void **mem, __u64 iova, __u64 size)
{
	*mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*mem == MAP_FAILED) {
		*mem = NULL;
		return hl_fail(errno, "mmap of %llu bytes", (unsigned long long)size);
	}
	return hl_dma_map(dev, *mem, iova, size);
}

/* Map an area for the function's device and remember it for hl_fn_move(). */
static int fn_map(struct hl_fn *fn, void **mem, __u64 iova, __u64 size)
{
	unsigned int i;
	int ret;

	for (i = 0; i < HL_MAX_AREAS && fn->area[i].size; i++)
		;
	if (i == HL_MAX_AREAS)
		return hl_fail(ENOSPC, "more than %u DMA areas", HL_MAX_AREAS);
	ret = map_area(fn->dev, mem, iova, size);
	if (ret)
		return ret;
	fn->area[i].mem = *mem;
	fn->area[i].iova = iova;
	fn->area[i].size = size;
	return 0;
}

static void fn_unmap(struct hl_fn *fn, void *mem, __u64 iova, __u64 size)
{
	unsigned int i;

	for (i = 0; i < HL_MAX_AREAS; i++)
		if (fn->area[i].mem == mem)
			memset(&fn->area[i], 0, sizeof(fn->area[i]));
	if (fn->dev && fn->dev->fd >= 0)
		hl_dma_unmap(fn->dev, iova, size);
}

static int irq_cap(struct hl_fn *fn, unsigned int off, unsigned int *vector)
{
	__u32 v;
	int ret = hl_bar_read32(fn->dev, HACC_QM_BAR, off, &v);

	if (ret)
		return ret;
	*vector = v & CAP_IRQ_VEC_MASK;
	return !!(v >> CAP_IRQ_TYPE_SHIFT);
}

static int msi_set(struct hl_fn *fn, int fd, bool on)
{
	struct vfio_irq_info info = { .argsz = sizeof(info), .index = VFIO_PCI_MSI_IRQ_INDEX };
	__u32 buf[(sizeof(struct vfio_irq_set) + 8 * sizeof(__s32)) / 4] = {};
	struct vfio_irq_set *set = (void *)buf;
	__s32 *fds = (__s32 *)set->data;
	unsigned int n, i;

	if (!on) {
		set->argsz = sizeof(*set);
		set->index = VFIO_PCI_MSI_IRQ_INDEX;
		set->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		return ioctl(fn->dev->fd, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
	}
	if (ioctl(fn->dev->fd, VFIO_DEVICE_GET_IRQ_INFO, &info))
		return hl_fail(errno, "%s: VFIO_DEVICE_GET_IRQ_INFO(MSI)", fn->dev->bdf);
	n = fn->eq_vector + 1;
	if (fn->aeq_vector < info.count && fn->aeq_vector + 1 > n)
		n = fn->aeq_vector + 1;
	if (!info.count || n > info.count || n > 8)
		return hl_fail(ENOTSUP, "%s: EQ vector %u, the VF offers %u MSI vectors",
				 fn->dev->bdf, fn->eq_vector, info.count);
	for (i = 0; i < n; i++)
		fds[i] = (i == fn->eq_vector || i == fn->aeq_vector) ? fd : -1;
	set->argsz = sizeof(*set) + n * sizeof(__s32);
	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->start = 0;
	set->count = n;
	if (ioctl(fn->dev->fd, VFIO_DEVICE_SET_IRQS, set))
		return hl_fail(errno, "%s: VFIO_DEVICE_SET_IRQS(MSI, %u vectors)",
				 fn->dev->bdf, n);
	return 0;
}

#define FN_AREA		(4ull << 20)

int hl_fn_init(struct hl_fn *fn, struct hl_dev *dev, const struct hl_fn_cfg *cfg)
{
	size_t tables;
	__u64 addr;
	__u32 iso;
	int ret;

	memset(fn, 0, sizeof(*fn));
	fn->dev = dev;
	fn->irq_fd = -1;
	fn->iova = cfg && cfg->iova ? cfg->iova : HL_IOVA;
	fn->size = FN_AREA;
	fn->next_iova = fn->iova + fn->size;
	fn->eq_depth = cfg && cfg->eq_depth ? cfg->eq_depth : 1024;
	fn->aeq_depth = 1024;
	fn->eq_phase = fn->aeq_phase = true;
	fn->irq = cfg && cfg->irq;
	if (fn->eq_depth < 4 || fn->eq_depth > 0x800)
		return hl_fail(EINVAL, "EQ depth %u out of 4..2048", fn->eq_depth);

	ret = fn_map(fn, &fn->mem, fn->iova, fn->size);
	if (ret)
		goto err;
	fn->mapped = true;
	ret = hl_bus_master(dev, true);
	if (ret)
		goto err;

	/* doorbells: BAR 4 per queue when the function isolates them */
	ret = hl_bar_read32(dev, HACC_QM_BAR, HACC_QUE_ISO_CFG, &iso);
	if (ret)
		goto err;
	fn->db_bar = HACC_QM_BAR;
	if (iso & ISO_DB_BIT) {
		fn->db_bar = 4;
		fn->db_stride = DB_ISO_STRIDE;
	}
	/* queue count of this function (SQC_VFT read) */
	addr = 0;
	if (!hl_mailbox(dev, HACC_MB_CMD_SQC_VFT_V2, true, 0, &addr))
		fn->qp_num = ((addr >> HACC_VFT_SQC_NUM_SHIFT) & HACC_VFT_SQC_NUM_MASK) + 1;

	fn->ctx_buf = fn_alloc(fn, 0x1000, &fn->ctx_buf_iova);
	/*
	 * The SQC/CQC tables cover every queue of the function, as hisi_qm's
	 * do, zeroed for those we never start: a variant driver that restarts
	 * each queue after a load has the device read all of them.
	 */
	tables = (fn->qp_num > HL_MAX_QUEUES ? fn->qp_num : HL_MAX_QUEUES) * HL_XQC_SIZE;
	fn->sqc_table = fn_alloc(fn, tables, &fn->sqc_table_iova);
	fn->cqc_table = fn_alloc(fn, tables, &fn->cqc_table_iova);
	fn->eq = fn_alloc(fn, fn->eq_depth * 4, &fn->eq_iova);
	fn->aeq = fn_alloc(fn, fn->aeq_depth * 4, &fn->aeq_iova);

	/* the order of the QM driver's start: EQC, AEQC, SQC_BT, CQC_BT */
	hl_eqc_encode(fn->ctx_buf, fn->eq_iova, fn->eq_depth);
	hl_eqc_encode((char *)fn->ctx_buf + 0x80, fn->aeq_iova, fn->aeq_depth);
	__sync_synchronize();
	addr = fn->ctx_buf_iova;
	ret = hl_mailbox(dev, HACC_MB_CMD_EQC, false, 0, &addr);
	if (ret)
		goto err;
	addr = fn->ctx_buf_iova + 0x80;
	ret = hl_mailbox(dev, HACC_MB_CMD_AEQC, false, 0, &addr);
	if (ret)
		goto err;
	addr = fn->sqc_table_iova;
	ret = hl_mailbox(dev, HACC_MB_CMD_SQC_BT, false, 0, &addr);
	if (ret)
		goto err;
	addr = fn->cqc_table_iova;
	ret = hl_mailbox(dev, HACC_MB_CMD_CQC_BT, false, 0, &addr);
	if (ret)
		goto err;

	if (fn->irq) {
		if (irq_cap(fn, CAP_EQ_IRQ, &fn->eq_vector) <= 0) {
			ret = hl_fail(ENOTSUP, "%s: no EQ interrupt in the capability word %#x",
					dev->bdf, CAP_EQ_IRQ);
			goto err;
		}
		if (irq_cap(fn, CAP_AEQ_IRQ, &fn->aeq_vector) <= 0)
			fn->aeq_vector = ~0u;
		fn->irq_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (fn->irq_fd < 0) {
			ret = hl_fail(errno, "eventfd");
			goto err;
		}
		ret = msi_set(fn, fn->irq_fd, true);
		if (ret)
			goto err;
	}
	/* clear the EQ/AEQ sources, then unmask, as the QM driver does */
	ret = doorbell(fn, 0, HACC_DB_CMD_AEQ, 0, 0);
	if (!ret)
		ret = doorbell(fn, 0, HACC_DB_CMD_EQ, 0, 0);
	if (!ret)
		ret = hl_bar_write32(dev, HACC_QM_BAR, HACC_EQ_INT_MASK, 0);
	if (!ret)
		ret = hl_bar_write32(dev, HACC_QM_BAR, HACC_AEQ_INT_MASK, 0);
	if (ret)
		goto err;
	return 0;
err:
	hl_fn_fini(fn);
	return ret;
}

void hl_fn_fini(struct hl_fn *fn)
{
	if (fn->dev && fn->dev->fd >= 0) {
		hl_bar_write32(fn->dev, HACC_QM_BAR, HACC_EQ_INT_MASK, 1);
		hl_bar_write32(fn->dev, HACC_QM_BAR, HACC_AEQ_INT_MASK, 1);
		if (fn->irq_fd >= 0)
			msi_set(fn, -1, false);
	}
	if (fn->irq_fd >= 0)
		close(fn->irq_fd);
	fn->irq_fd = -1;
	if (fn->mapped)
		fn_unmap(fn, fn->mem, fn->iova, fn->size);
	fn->mapped = false;
	if (fn->mem)
		munmap(fn->mem, fn->size);
	fn->mem = NULL;
}

int hl_fn_move(struct hl_fn *fn, struct hl_dev *to)
{
	struct hl_dev *from = fn->dev;
	unsigned int i;
	int ret;

	for (i = 0; i < HL_MAX_AREAS; i++) {
		if (!fn->area[i].size)
			continue;
		ret = hl_dma_map(to, fn->area[i].mem, fn->area[i].iova, fn->area[i].size);
		if (ret)
			return ret;
	}
	ret = hl_bus_master(to, true);
	if (ret)
		return ret;
	if (fn->irq_fd >= 0) {
		msi_set(fn, -1, false);
		fn->dev = to;
		ret = msi_set(fn, fn->irq_fd, true);
		if (ret) {
			fn->dev = from;
			return ret;
		}
	}
	fn->dev = to;
	return 0;
}

static __u32 ring_word(void *ring, unsigned int i)
{
	return __atomic_load_n((__u32 *)ring + i, __ATOMIC_ACQUIRE);
}

/* Consume EQEs (or AEQEs); returns how many, ringing the doorbell if any. */
static unsigned int drain_eq(struct hl_fn *fn, bool aeq)
{
	void *ring = aeq ? fn->aeq : fn->eq;
	unsigned int depth = aeq ? fn->aeq_depth : fn->eq_depth;
	__u16 *head = aeq ? &fn->aeq_head : &fn->eq_head;
	bool *phase = aeq ? &fn->aeq_phase : &fn->eq_phase;
	unsigned int n = 0;
	__u32 w;

	while (n < depth) {
		w = ring_word(ring, *head);
		if (!!(w & EQE_PHASE) != *phase)
			break;
		n++;
		if (aeq) {
			fn->aeqe_last = w;
		} else if ((w & EQE_QN_MASK) < HL_MAX_QUEUES && fn->q[w & EQE_QN_MASK]) {
			fn->q[w & EQE_QN_MASK]->pending = true;
		}
		if (++*head == depth) {
			*head = 0;
			*phase = !*phase;
		}
	}
	if (n) {
		if (aeq)
			fn->st.aeqes += n;
		else
			fn->st.eqes += n;
		doorbell(fn, 0, aeq ? HACC_DB_CMD_AEQ : HACC_DB_CMD_EQ, *head, 0);
	}
	return n;
}

int hl_fn_service(struct hl_fn *fn)
{
	int i, n, total = 0;

	drain_eq(fn, true);
	drain_eq(fn, false);
	for (i = 0; i < HL_MAX_QUEUES; i++) {
		struct hl_queue *q = fn->q[i];

		if (!q || (fn->irq && !q->pending))
			continue;
		q->pending = false;
		n = hl_queue_poll(q);
		if (n > 0)
			total += n;
	}
	/*
	 * The device writes a job's AEQE (a DMA error) before that job's CQE,
	 * but when polling nothing orders our two looks: the AEQ can be read
	 * just before its entry lands and the CQ just after the CQE does.  Look
	 * at the AEQ again once there are completions, so that an error comes
	 * back with the job it belongs to.
	 */
	if (total)
		drain_eq(fn, true);
	return total;
}

int hl_fn_reap(struct hl_fn *fn, int timeout_ms)
{
	double end = now_us() + timeout_ms * 1e3;
	int n, i;

	if (!fn->irq) {
		do {
			n = hl_fn_service(fn);
			if (n)
				return n;
			usleep(20);
		} while (now_us() < end);
		return 0;
	}
	for (;;) {
		struct pollfd p = { .fd = fn->irq_fd, .events = POLLIN };
		double left = end - now_us();
		__u64 cnt;

		n = poll(&p, 1, left > 0 ? (int)(left / 1e3) + 1 : 0);
		if (n < 0 && errno != EINTR)
			return hl_fail(errno, "poll on the MSI eventfd");
		if (n > 0 && read(fn->irq_fd, &cnt, sizeof(cnt)) == sizeof(cnt)) {
			fn->st.irqs++;
			n = hl_fn_service(fn);
			if (n)
				return n;
			continue;	/* an interrupt for an AEQE or a spurious one */
		}
		if (now_us() < end)
			continue;
		/* timed out: anything there now came without its interrupt */
		for (i = 0; i < HL_MAX_QUEUES; i++)
			if (fn->q[i])
				fn->q[i]->pending = true;
		n = hl_fn_service(fn);
		fn->st.lost_irq += n;
		return n;
	}
}

/* ------------------------------------------------------------------ queues */

int hl_queue_start(struct hl_fn *fn, struct hl_queue *q, __u16 qn, enum hl_op op,
		   unsigned int depth, hl_done_fn done, void *arg)
{
	__u64 addr;
	int ret;

	memset(q, 0, sizeof(*q));
	if (qn >= HL_MAX_QUEUES || (fn->qp_num && qn >= fn->qp_num))
		return hl_fail(EINVAL, "%s: queue %u: the function has %u (we serve %u)",
				 fn->dev->bdf, qn, fn->qp_num, HL_MAX_QUEUES);
	if (fn->q[qn])
		return hl_fail(EBUSY, "%s: queue %u already started", fn->dev->bdf, qn);
	if (depth < 4 || depth > 1024 || (depth & (depth - 1)))
		return hl_fail(EINVAL, "queue depth %u (a power of two, 4..1024)", depth);
	q->fn = fn;
	q->qn = qn;
	q->depth = depth;
	q->op = op;
	q->cq_phase = true;
	q->done = done;
	q->done_arg = arg;
	q->sq = fn_alloc(fn, depth * HL_SQE_SIZE, &q->sq_iova);
	q->cq = fn_alloc(fn, depth * HL_CQE_SIZE, &q->cq_iova);
	if (!q->sq || !q->cq)
		return hl_fail(ENOMEM, "%s: no room for queue %u's rings", fn->dev->bdf, qn);
	memset(q->sq, 0, depth * HL_SQE_SIZE);
	memset(q->cq, 0, depth * HL_CQE_SIZE);

	hl_sqc_encode(fn->ctx_buf, q->sq_iova, depth, qn, op);
	hl_cqc_encode((char *)fn->ctx_buf + 0x40, q->cq_iova, depth);
	__sync_synchronize();
	addr = fn->ctx_buf_iova;
	ret = hl_mailbox(fn->dev, HACC_MB_CMD_SQC, false, qn, &addr);
	if (ret)
		return ret;
	addr = fn->ctx_buf_iova + 0x40;
	ret = hl_mailbox(fn->dev, HACC_MB_CMD_CQC, false, qn, &addr);
	if (ret)
		return ret;
	fn->q[qn] = q;
	return 0;
}

void hl_queue_stop(struct hl_queue *q)
{
	if (q->fn && q->fn->q[q->qn] == q)
		q->fn->q[q->qn] = NULL;
	q->fn = NULL;
}

int hl_queue_send(struct hl_queue *q, const struct hl_zip_sqe *sqe)
{
	__u16 next = (q->sq_tail + 1) % q->depth;
	int ret;

	/* like the QM driver, keep one SQE free */
	if (q->used >= q->depth - 1)
		return -EBUSY;
	memcpy(&q->sq[q->sq_tail], sqe, sizeof(*sqe));
	__sync_synchronize();
	ret = doorbell(q->fn, q->qn, HACC_DB_CMD_SQ, next, 0);
	if (ret)
		return ret;
	q->sq_tail = next;
	q->used++;
	return 0;
}

int hl_queue_poll(struct hl_queue *q)
{
	int n = 0;

	for (;;) {
		struct hl_cqe *cqe = &q->cq[q->cq_head];
		__u16 w7 = __atomic_load_n(&cqe->w7, __ATOMIC_ACQUIRE);
		__u16 sqh;

		if (!!(w7 & 1) != q->cq_phase)
			break;
		sqh = cqe->sq_head;
		if (sqh >= q->depth)
			q->fn->st.bad_cqe++;
		else if (q->done)
			q->done(q->done_arg, &q->sq[sqh]);
		if (q->used)
			q->used--;
		n++;
		if (++q->cq_head == q->depth) {
			q->cq_head = 0;
			q->cq_phase = !q->cq_phase;
		}
		if ((unsigned int)n >= q->depth)
			break;
	}
	q->cqes += n;
	/* new head, with priority 1 to have the next completion signalled */
	if (n)
		doorbell(q->fn, q->qn, HACC_DB_CMD_CQ, q->cq_head, CQ_DOORBELL_ARM);
	return n;
}

/* -------------------------------------------------------------------- jobs */

struct hl_slot {
	void *sgl_src, *sgl_dst;
	__u64 sgl_src_iova, sgl_dst_iova;
	void *src, *dst;		/* HL_SGE_MAX pages (segments) each */
	__u64 src_iova, dst_iova;
	struct hl_seg dseg[HL_SGE_MAX];
	unsigned int ndseg;
	const void *plain;
	__u32 plain_len, in_len, avail_out;
	bool want_error, busy;
	double t0;
	__u64 seq;
};

#define SLOT_PAGES	(1 + 2 * HL_SGE_MAX)
#define PAGE		0x1000u

/*
 * Segment i of a buffer lives in page HL_SGE_MAX - 1 - i of its area: the
 * segments run backwards through memory, so a device that reads the buffer
 * as one piece instead of walking the SGL gets it wrong.
 */
static unsigned int seg_page(unsigned int i)
{
	return HL_SGE_MAX - 1 - i;
}

static unsigned int split(struct hl_jobs *j, __u64 area, __u32 len, struct hl_seg *seg)
{
	unsigned int n = 0;

	while (len) {
		__u32 l = len < j->cfg.seg_size ? len : j->cfg.seg_size;

		seg[n].iova = area + (__u64)seg_page(n) * PAGE;
		seg[n].len = l;
		len -= l;
		n++;
	}
	return n;
}

static void scatter(struct hl_jobs *j, void *area, const void *data, __u32 len)
{
	unsigned int i = 0;

	while (len) {
		__u32 l = len < j->cfg.seg_size ? len : j->cfg.seg_size;

		memcpy((char *)area + seg_page(i) * PAGE, data, l);
		data = (const char *)data + l;
		len -= l;
		i++;
	}
}

static void gather(struct hl_jobs *j, const void *area, void *out, __u32 len)
{
	unsigned int i = 0;

	while (len) {
		__u32 l = len < j->cfg.seg_size ? len : j->cfg.seg_size;

		memcpy(out, (const char *)area + seg_page(i) * PAGE, l);
		out = (char *)out + l;
		len -= l;
		i++;
	}
}

static int inflate_raw(const void *in, __u32 in_len, void *out, __u32 cap, __u32 *out_len)
{
	z_stream zs;
	int ret;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, -15) != Z_OK)
		return -ENOMEM;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = in_len;
	zs.next_out = out;
	zs.avail_out = cap;
	ret = inflate(&zs, Z_FINISH);
	*out_len = cap - zs.avail_out;
	inflateEnd(&zs);
	return ret == Z_STREAM_END ? 0 : -EBADMSG;
}

static void bad(struct hl_jobs *j, struct hl_slot *s, const char *why, unsigned int status,
		const struct hl_zip_sqe *sqe)
{
	j->st.bad++;
	snprintf(j->last_bad, sizeof(j->last_bad),
		 "job %llu (%s, %u -> room %u): %s; status %#x consumed %u produced %u",
		 (unsigned long long)s->seq, j->cfg.op == HL_COMPRESS ? "compress" : "decompress",
		 s->in_len, s->avail_out, why, status, sqe->consumed, sqe->produced);
}

/* Did the device write into the output area outside the segments offered? */
static bool overrun(const struct hl_slot *s)
{
	static const char zero[PAGE];
	unsigned int p, i;
	__u32 room;

	for (p = 0; p < HL_SGE_MAX; p++) {
		i = HL_SGE_MAX - 1 - p;		/* the segment living in page p */
		room = i < s->ndseg ? s->dseg[i].len : 0;
		if (memcmp((const char *)s->dst + p * PAGE + room, zero, PAGE - room))
			return true;
	}
	return false;
}

static void verify(struct hl_jobs *j, struct hl_slot *s, const struct hl_zip_sqe *sqe)
{
	unsigned int status = hl_sqe_status(sqe);
	__u32 produced = sqe->produced, got;
	char *out, *back;
	int ret;

	j->st.last_status = status;
	if (overrun(s)) {
		bad(j, s, "wrote outside the output segments", status, sqe);
		return;
	}
	if (s->want_error) {
		if (status != HL_ST_OK && status != HL_ST_NC) {
			j->st.want_err++;
			j->st.verified++;
		} else {
			bad(j, s, "completed without the error status it had to report", status, sqe);
		}
		return;
	}
	if (status != HL_ST_OK && status != HL_ST_NC) {
		j->st.hw_err++;
		bad(j, s, "error status", status, sqe);
		return;
	}
	if (status == HL_ST_NC)
		j->st.nc++;
	if (produced > s->avail_out) {
		bad(j, s, "produced more than the room given", status, sqe);
		return;
	}
	if (sqe->consumed != s->in_len) {
		bad(j, s, "did not consume the whole input", status, sqe);
		return;
	}
	out = malloc(produced + 1);
	back = malloc(s->plain_len + 1);
	if (!out || !back) {
		bad(j, s, "out of memory to verify", status, sqe);
		goto out;
	}
	gather(j, s->dst, out, produced);
	if (j->cfg.op == HL_COMPRESS) {
		ret = inflate_raw(out, produced, back, s->plain_len + 1, &got);
		if (ret || got != s->plain_len || memcmp(back, s->plain, got)) {
			bad(j, s, ret ? "output is no complete raw deflate stream" :
				       "output inflates to other data", status, sqe);
			goto out;
		}
	} else if (produced != s->plain_len || memcmp(out, s->plain, produced)) {
		bad(j, s, "output differs from the original data", status, sqe);
		goto out;
	}
	j->st.verified++;
	j->st.bytes_in += s->in_len;
	j->st.bytes_out += produced;
out:
	free(out);
	free(back);
}

static void job_done(void *arg, const struct hl_zip_sqe *sqe)
{
	struct hl_jobs *j = arg;
	__u64 tag = hl_sqe_tag(sqe);
	unsigned int i = (unsigned int)(tag & 0xffff);
	struct hl_slot *s;
	double lat;

	if (i >= j->cfg.k || !j->slot[i].busy || j->slot[i].seq != tag >> 16) {
		j->st.bad++;
		snprintf(j->last_bad, sizeof(j->last_bad),
			 "CQE for an SQE whose tag %#llx names no job in flight",
			 (unsigned long long)tag);
		return;
	}
	s = &j->slot[i];
	lat = now_us() - s->t0;
	if (lat > j->st.max_lat_us)
		j->st.max_lat_us = lat;
	j->st.completed++;
	verify(j, s, sqe);
	s->busy = false;
	j->free[j->free_top++] = i;
	j->inflight--;
}

int hl_jobs_init(struct hl_jobs *j, struct hl_fn *fn, const struct hl_jobs_cfg *cfg)
{
	unsigned int i;
	long pg;
	int ret;

	memset(j, 0, sizeof(*j));
	j->fn = fn;
	j->cfg = *cfg;
	if (!j->cfg.seg_size)
		j->cfg.seg_size = PAGE;
	if (!j->cfg.depth)
		j->cfg.depth = 256;
	if (!j->cfg.k || j->cfg.k > 0xffff || j->cfg.k >= j->cfg.depth)
		return hl_fail(EINVAL, "K = %u jobs in flight on a queue of %u", j->cfg.k,
				 j->cfg.depth);
	if (j->cfg.seg_size > PAGE)
		return hl_fail(EINVAL, "segment size %u above %u", j->cfg.seg_size, PAGE);
	j->max_len = HL_SGE_MAX * j->cfg.seg_size;
	j->slot = calloc(j->cfg.k, sizeof(*j->slot));
	j->free = calloc(j->cfg.k, sizeof(*j->free));
	if (!j->slot || !j->free)
		return hl_fail(ENOMEM, "job slots");
	j->iova = fn->next_iova;
	/* whole pages of the host: IOMMU_IOAS_MAP refuses less (64 KiB pages) */
	pg = sysconf(_SC_PAGESIZE);
	j->size = (__u64)j->cfg.k * SLOT_PAGES * PAGE;
	j->size = (j->size + pg - 1) / pg * pg;
	ret = fn_map(fn, &j->mem, j->iova, j->size);
	if (ret)
		goto err;
	j->mapped = true;
	fn->next_iova += j->size;
	for (i = 0; i < j->cfg.k; i++) {
		struct hl_slot *s = &j->slot[i];
		char *base = (char *)j->mem + (size_t)i * SLOT_PAGES * PAGE;
		__u64 io = j->iova + (__u64)i * SLOT_PAGES * PAGE;

		s->sgl_src = base;
		s->sgl_src_iova = io;
		s->sgl_dst = base + PAGE / 2;
		s->sgl_dst_iova = io + PAGE / 2;
		s->src = base + PAGE;
		s->src_iova = io + PAGE;
		s->dst = base + (1 + HL_SGE_MAX) * PAGE;
		s->dst_iova = io + (1 + HL_SGE_MAX) * PAGE;
		j->free[j->free_top++] = j->cfg.k - 1 - i;
	}
	ret = hl_queue_start(fn, &j->q, cfg->qn, cfg->op, j->cfg.depth, job_done, j);
	if (ret)
		goto err;
	return 0;
err:
	hl_jobs_fini(j);
	return ret;
}

void hl_jobs_fini(struct hl_jobs *j)
{
	double end = now_us() + 2e6;

	while (j->q.fn && j->inflight && now_us() < end)
		hl_fn_reap(j->fn, 100);
	hl_queue_stop(&j->q);
	if (j->mapped)
		fn_unmap(j->fn, j->mem, j->iova, j->size);
	j->mapped = false;
	if (j->mem)
		munmap(j->mem, j->size);
	j->mem = NULL;
	free(j->slot);
	free(j->free);
	j->slot = NULL;
	j->free = NULL;
}

int hl_jobs_submit(struct hl_jobs *j, const void *in, __u32 in_len, __u32 avail_out,
		   const void *plain, __u32 plain_len, bool want_error)
{
	struct hl_seg seg[HL_SGE_MAX];
	struct hl_sqe_args a;
	struct hl_zip_sqe sqe;
	struct hl_slot *s;
	unsigned int i, n;
	int ret;

	if (!in_len || in_len > j->max_len || !avail_out || avail_out > j->max_len)
		return hl_fail(EINVAL, "job of %u bytes with room %u (1..%u each)",
				 in_len, avail_out, j->max_len);
	if (!j->free_top)
		return -EBUSY;
	i = j->free[--j->free_top];
	s = &j->slot[i];
	scatter(j, s->src, in, in_len);
	memset(s->dst, 0, HL_SGE_MAX * PAGE);
	n = split(j, s->src_iova, in_len, seg);
	ret = hl_sgl_encode(s->sgl_src, HL_SGE_MAX, seg, n);
	if (!ret) {
		s->ndseg = split(j, s->dst_iova, avail_out, s->dseg);
		ret = hl_sgl_encode(s->sgl_dst, HL_SGE_MAX, s->dseg, s->ndseg);
	}
	if (ret) {
		j->free_top++;
		return ret;
	}
	s->plain = plain;
	s->plain_len = plain_len;
	s->in_len = in_len;
	s->avail_out = avail_out;
	s->want_error = want_error;
	s->seq = j->st.submitted;
	s->t0 = now_us();
	a.src_sgl = s->sgl_src_iova;
	a.dst_sgl = s->sgl_dst_iova;
	a.in_len = in_len;
	a.avail_out = avail_out;
	a.tag = s->seq << 16 | i;
	hl_sqe_encode(&sqe, &a);
	s->busy = true;
	ret = hl_queue_send(&j->q, &sqe);
	if (ret) {
		s->busy = false;
		j->free_top++;
		return ret;
	}
	j->inflight++;
	j->st.submitted++;
	return 0;
}

int hl_jobs_reap(struct hl_jobs *j, int timeout_ms)
{
	double end = now_us() + timeout_ms * 1e3;
	unsigned long long before = j->st.completed;
	int ret;

	do {
		double left = (end - now_us()) / 1e3;

		ret = hl_fn_reap(j->fn, left > 0 ? (int)left + 1 : 0);
		if (ret < 0)
			return ret;
		if (j->st.completed != before)
			break;
	} while (now_us() < end);
	return (int)(j->st.completed - before);
}

void hl_jobs_stats_str(const struct hl_jobs *j, char *buf, size_t len)
{
	const struct hl_jobs_stats *s = &j->st;

	snprintf(buf, len,
		 "queue %u %s: submitted %llu completed %llu verified %llu bad %llu hw_err %llu want_err %llu nc %llu in_flight %u max_lat %.0f us",
		 j->cfg.qn, j->cfg.op == HL_COMPRESS ? "compress" : "decompress",
		 s->submitted, s->completed, s->verified, s->bad, s->hw_err, s->want_err,
		 s->nc, j->inflight, s->max_lat_us);
}
