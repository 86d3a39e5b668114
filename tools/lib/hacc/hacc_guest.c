// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace stand-in for a guest's QM driver; see hacc_guest.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "hacc_guest.h"

/* Layout of the guest buffer (offsets from its IOVA) */
#define BUF_EQC_IN	0x000	/* contexts handed to the device (op = write) */
#define BUF_AEQC_IN	0x040
#define BUF_EQC_OUT	0x100	/* contexts written back by the device (op = read) */
#define BUF_AEQC_OUT	0x140
#define BUF_SQC_TABLE	0x1000
#define BUF_CQC_TABLE	0x2000
#define BUF_EQE_RING	0x4000
#define BUF_AEQE_RING	0x8000

#define MB_TIMEOUT_MS	200

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Poll until the mailbox is idle.  The deadline is checked before each
 * read, and the read after it passed is still taken (as the kernel's
 * read_poll_timeout() does), so a host that stalled the poller past the
 * deadline does not turn a mailbox that is idle by then into a timeout.
 */
static int mb_wait_idle(struct hl_dev *dev, __u32 *w0)
{
	double end = now_ms() + MB_TIMEOUT_MS;
	bool last;
	int ret;

	do {
		last = now_ms() >= end;
		ret = hl_bar_read32(dev, HACC_QM_BAR, HACC_MB_BASE, w0);
		if (ret)
			return ret;
		if (!(*w0 & HACC_MB_BUSY))
			return 0;
		if (!last)
			usleep(50);
	} while (!last);
	return hl_fail(ETIMEDOUT, "%s: mailbox stays busy", dev->bdf);
}

int hl_mailbox(struct hl_dev *dev, __u8 cmd, bool op_read, __u16 queue, __u64 *addr)
{
	__u32 w[4], w0;
	int ret;

	ret = mb_wait_idle(dev, &w0);
	if (ret)
		return ret;
	w[0] = cmd | HACC_MB_BUSY | (op_read ? HACC_MB_OP_READ : 0) |
	       ((__u32)queue << HACC_MB_QUEUE_SHIFT);
	w[1] = (__u32)*addr;
	w[2] = (__u32)(*addr >> 32);
	w[3] = 0;
	/*
	 * The hardware takes a command as one 128-bit store.  One 16-byte
	 * write through VFIO reaches the device as two aligned 64-bit writes
	 * in address order on a 64-bit kernel: the closest userspace gets.
	 */
	if (hl_bar_pwrite(dev, HACC_QM_BAR, HACC_MB_BASE, w, sizeof(w)) != sizeof(w))
		return hl_fail(EIO, "%s: mailbox write", dev->bdf);
	ret = mb_wait_idle(dev, &w0);
	if (ret)
		return ret;
	if (w0 & HACC_MB_STATUS_MASK)
		return hl_fail(EIO, "%s: mailbox cmd %#x op %d failed, status %#x",
				 dev->bdf, cmd, op_read,
				 (w0 & HACC_MB_STATUS_MASK) >> HACC_MB_STATUS_SHIFT);
	if (op_read && (cmd == HACC_MB_CMD_SQC_BT || cmd == HACC_MB_CMD_CQC_BT ||
			cmd == HACC_MB_CMD_SQC_VFT_V2)) {
		__u32 lo, hi;

		ret = hl_bar_read32(dev, HACC_QM_BAR, HACC_MB_ADDR_L, &lo);
		if (!ret)
			ret = hl_bar_read32(dev, HACC_QM_BAR, HACC_MB_ADDR_H, &hi);
		if (ret)
			return ret;
		*addr = (__u64)hi << 32 | lo;
	}
	return 0;
}

int hl_guest_attach(struct hl_guest *g, struct hl_dev *dev)
{
	int ret;

	memset(g, 0, sizeof(*g));
	g->dev = dev;
	g->iova = HACC_GUEST_IOVA;
	g->size = HACC_GUEST_BUF_SIZE;
	g->buf = mmap(NULL, g->size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->buf == MAP_FAILED) {
		g->buf = NULL;
		return hl_fail(errno, "mmap guest buffer");
	}
	memset(g->buf, 0, g->size);
	ret = hl_dma_map(dev, g->buf, g->iova, g->size);
	if (ret)
		return ret;
	g->mapped = true;
	return hl_bus_master(dev, true);
}

void hl_guest_detach(struct hl_guest *g)
{
	if (g->mapped && g->dev && g->dev->fd >= 0)
		hl_dma_unmap(g->dev, g->iova, g->size);
	if (g->buf)
		munmap(g->buf, g->size);
	memset(g, 0, sizeof(*g));
}

void hl_guest_expected(struct hl_regs *r, __u64 iova, unsigned int seed)
{
	__u64 eqe = iova + BUF_EQE_RING + 0x40 * (seed & 0xf);
	__u64 aeqe = iova + BUF_AEQE_RING + 0x40 * (seed & 0xf);
	int i;

	memset(r, 0, sizeof(*r));
	/* a guest driver unmasks its event queues and runs with 4 KiB pages */
	r->aeq_int_mask = 0;
	r->eq_int_mask = 0;
	r->page_size = 0x4 + (seed & 1);
	r->vf_state = HACC_VF_STATE_READY;
	/* dw0: head index (low 16 bits); dw1/dw2: ring address; rest: sizes */
	r->eqc[0] = 0x10 + seed;
	r->eqc[1] = (__u32)eqe;
	r->eqc[2] = (__u32)(eqe >> 32) | (seed << 8);
	r->aeqc[0] = 0x20 + seed;
	r->aeqc[1] = (__u32)aeqe;
	r->aeqc[2] = (__u32)(aeqe >> 32) | (seed << 8);
	for (i = 3; i < HACC_XQC_DWORDS; i++) {
		r->eqc[i] = 0x01000000u * i + 0x100 * seed + 0x7ff;
		r->aeqc[i] = 0x02000000u * i + 0x100 * seed + 0x3ff;
	}
	r->sqc_bt = iova + BUF_SQC_TABLE + 0x100 * seed;
	r->cqc_bt = iova + BUF_CQC_TABLE + 0x100 * seed;
}

int hl_guest_program(struct hl_guest *g, unsigned int seed)
{
	struct hl_dev *dev = g->dev;
	struct hl_regs r;
	__u64 addr;
	int ret;

	hl_guest_expected(&r, g->iova, seed);
	memcpy((char *)g->buf + BUF_EQC_IN, r.eqc, sizeof(r.eqc));
	memcpy((char *)g->buf + BUF_AEQC_IN, r.aeqc, sizeof(r.aeqc));
	__sync_synchronize();

	addr = g->iova + BUF_EQC_IN;
	ret = hl_mailbox(dev, HACC_MB_CMD_EQC, false, 0, &addr);
	if (!ret) {
		addr = g->iova + BUF_AEQC_IN;
		ret = hl_mailbox(dev, HACC_MB_CMD_AEQC, false, 0, &addr);
	}
	if (!ret) {
		addr = r.sqc_bt;
		ret = hl_mailbox(dev, HACC_MB_CMD_SQC_BT, false, 0, &addr);
	}
	if (!ret) {
		addr = r.cqc_bt;
		ret = hl_mailbox(dev, HACC_MB_CMD_CQC_BT, false, 0, &addr);
	}
	if (!ret)
		ret = hl_bar_write32(dev, HACC_QM_BAR, HACC_AEQ_INT_MASK, r.aeq_int_mask);
	if (!ret)
		ret = hl_bar_write32(dev, HACC_QM_BAR, HACC_EQ_INT_MASK, r.eq_int_mask);
	if (!ret)
		ret = hl_bar_write32(dev, HACC_QM_BAR, HACC_PAGE_SIZE, r.page_size);
	if (!ret)
		ret = hl_bar_write32(dev, HACC_QM_BAR, HACC_VF_STATE, r.vf_state);
	return ret;
}

int hl_guest_read(struct hl_guest *g, struct hl_regs *r)
{
	struct hl_dev *dev = g->dev;
	__u64 addr;
	int ret;

	memset(r, 0, sizeof(*r));
	memset((char *)g->buf + BUF_EQC_OUT, 0xee, 0x80);
	__sync_synchronize();
	addr = g->iova + BUF_EQC_OUT;
	ret = hl_mailbox(dev, HACC_MB_CMD_EQC, true, 0, &addr);
	if (!ret) {
		addr = g->iova + BUF_AEQC_OUT;
		ret = hl_mailbox(dev, HACC_MB_CMD_AEQC, true, 0, &addr);
	}
	if (ret)
		return ret;
	__sync_synchronize();
	memcpy(r->eqc, (char *)g->buf + BUF_EQC_OUT, sizeof(r->eqc));
	memcpy(r->aeqc, (char *)g->buf + BUF_AEQC_OUT, sizeof(r->aeqc));

	addr = 0;
	ret = hl_mailbox(dev, HACC_MB_CMD_SQC_BT, true, 0, &addr);
	r->sqc_bt = addr;
	if (!ret) {
		addr = 0;
		ret = hl_mailbox(dev, HACC_MB_CMD_CQC_BT, true, 0, &addr);
		r->cqc_bt = addr;
	}
	if (!ret)
		ret = hl_bar_read32(dev, HACC_QM_BAR, HACC_AEQ_INT_MASK, &r->aeq_int_mask);
	if (!ret)
		ret = hl_bar_read32(dev, HACC_QM_BAR, HACC_EQ_INT_MASK, &r->eq_int_mask);
	if (!ret)
		ret = hl_bar_read32(dev, HACC_QM_BAR, HACC_PAGE_SIZE, &r->page_size);
	if (!ret)
		ret = hl_bar_read32(dev, HACC_QM_BAR, HACC_VF_STATE, &r->vf_state);
	return ret;
}

void hl_regs_from_stream(const struct hacc_mig_data *d, struct hl_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->aeq_int_mask = d->aeq_int_mask;
	r->eq_int_mask = d->eq_int_mask;
	r->page_size = d->page_size;
	r->vf_state = d->vf_state;
	memcpy(r->eqc, d->eqc_dw, sizeof(r->eqc));
	memcpy(r->aeqc, d->aeqc_dw, sizeof(r->aeqc));
	r->sqc_bt = d->sqc_dma;
	r->cqc_bt = d->cqc_dma;
}

#define DIFF(field, fmt) do {						\
	if (a->field != b->field) {					\
		n++;							\
		if (f)							\
			fprintf(f, "  %-14s " fmt " != " fmt "\n", #field,	\
				a->field, b->field);			\
	}								\
} while (0)

int hl_regs_diff(const struct hl_regs *a, const struct hl_regs *b, FILE *f)
{
	int n = 0, i;

	DIFF(aeq_int_mask, "%#x");
	DIFF(eq_int_mask, "%#x");
	DIFF(page_size, "%#x");
	DIFF(vf_state, "%#x");
	for (i = 0; i < HACC_XQC_DWORDS; i++) {
		DIFF(eqc[i], "%#x");
		DIFF(aeqc[i], "%#x");
	}
	DIFF(sqc_bt, "%#llx");
	DIFF(cqc_bt, "%#llx");
	return n;
}

void hl_regs_print(const struct hl_regs *r, FILE *f, const char *prefix)
{
	int i;

	fprintf(f, "%saeq_mask=%#x eq_mask=%#x page_size=%#x vf_state=%#x sqc_bt=%#llx cqc_bt=%#llx\n",
		prefix, r->aeq_int_mask, r->eq_int_mask, r->page_size, r->vf_state,
		(unsigned long long)r->sqc_bt, (unsigned long long)r->cqc_bt);
	fprintf(f, "%seqc:", prefix);
	for (i = 0; i < HACC_XQC_DWORDS; i++)
		fprintf(f, " %08x", r->eqc[i]);
	fprintf(f, "\n%saeqc:", prefix);
	for (i = 0; i < HACC_XQC_DWORDS; i++)
		fprintf(f, " %08x", r->aeqc[i]);
	fprintf(f, "\n");
}
