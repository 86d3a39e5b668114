// SPDX-License-Identifier: GPL-2.0
/*
 * Host check of the job engine's encoders (no device): every field lands at
 * the byte offset and with the value the QM/ZIP hardware expects, spelled
 * out here independently of hacc_jobs.c (offsets from the SQE, SQC, CQC,
 * EQC and SGL layouts of the kernel's hisi_qm and hisi_zip drivers).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <zlib.h>

#include "hacc_guest.h"
#include "hacc_jobs.h"

static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);	\
		failures++;						\
	}								\
} while (0)

static __u16 rd16(const void *p, unsigned int off)
{
	__u16 v;

	memcpy(&v, (const char *)p + off, sizeof(v));
	return v;
}

static __u32 rd32(const void *p, unsigned int off)
{
	__u32 v;

	memcpy(&v, (const char *)p + off, sizeof(v));
	return v;
}

static __u64 rd64(const void *p, unsigned int off)
{
	return rd32(p, off) | (__u64)rd32(p, off + 4) << 32;
}

static void test_sqe(void)
{
	struct hl_sqe_args a = {
		.src_sgl = 0x123456789abcull, .dst_sgl = 0xfedc00001000ull,
		.in_len = 4096, .avail_out = 8192, .tag = 0x1122334455667788ull,
	};
	struct hl_zip_sqe sqe;
	unsigned char z[HL_SQE_SIZE];

	memset(&sqe, 0xa5, sizeof(sqe));
	hl_sqe_encode(&sqe, &a);
	CHECK(rd32(&sqe, 0) == 0);			/* consumed */
	CHECK(rd32(&sqe, 4) == 0);			/* produced */
	CHECK(rd32(&sqe, 12) == 0);			/* status */
	CHECK(rd32(&sqe, 4 * 4) == 4096);		/* input_data_length */
	CHECK(rd32(&sqe, 7 * 4) == 0x30000000);		/* SQE type 3 */
	CHECK(rd32(&sqe, 9 * 4) == 0x101);		/* deflate, SGL buffers */
	CHECK(rd32(&sqe, 14 * 4) == 8192);		/* dest_avail_out */
	CHECK(rd64(&sqe, 18 * 4) == a.src_sgl);
	CHECK(rd64(&sqe, 20 * 4) == a.dst_sgl);
	CHECK(rd64(&sqe, 26 * 4) == a.tag);
	CHECK(hl_sqe_tag(&sqe) == a.tag);
	/* nothing else set */
	memcpy(z, &sqe, sizeof(z));
	memset(z + 4 * 4, 0, 4);
	memset(z + 7 * 4, 0, 4);
	memset(z + 9 * 4, 0, 4);
	memset(z + 14 * 4, 0, 4);
	memset(z + 18 * 4, 0, 16);
	memset(z + 26 * 4, 0, 8);
	for (unsigned int i = 0; i < sizeof(z); i++)
		CHECK(z[i] == 0);
	sqe.dw3 = 0x1234560d;
	CHECK(hl_sqe_status(&sqe) == 0x0d);
}

static void test_sgl(void)
{
	struct hl_seg seg[3] = {
		{ 0x10009000, 4096 }, { 0x10001000, 4096 }, { 0x1000a000, 100 },
	};
	unsigned char sgl[HL_SGL_HDR_SIZE + HL_SGE_MAX * HL_SGE_SIZE];
	unsigned int i;

	CHECK(hl_sgl_size(HL_SGE_MAX) == sizeof(sgl));
	memset(sgl, 0xff, sizeof(sgl));
	CHECK(hl_sgl_encode(sgl, HL_SGE_MAX, seg, 3) == 0);
	CHECK(rd64(sgl, 0) == 0);			/* no next SGL */
	CHECK(rd16(sgl, 8) == HL_SGE_MAX);		/* entry_sum_in_chain (room) */
	CHECK(rd16(sgl, 10) == 3);			/* entry_sum_in_sgl */
	CHECK(rd16(sgl, 12) == HL_SGE_MAX);		/* entry_length_in_sgl */
	for (i = 14; i < 64; i++)
		CHECK(sgl[i] == 0);
	for (i = 0; i < 3; i++) {
		CHECK(rd64(sgl, 64 + 32 * i) == seg[i].iova);
		CHECK(rd64(sgl, 64 + 32 * i + 8) == 0);
		CHECK(rd32(sgl, 64 + 32 * i + 16) == seg[i].len);
		CHECK(rd32(sgl, 64 + 32 * i + 20) == 0);
	}
	for (i = 64 + 3 * 32; i < sizeof(sgl); i++)
		CHECK(sgl[i] == 0);
	CHECK(hl_sgl_encode(sgl, HL_SGE_MAX, seg, 0) < 0);
	CHECK(hl_sgl_encode(sgl, 2, seg, 3) < 0);
}

static void test_contexts(void)
{
	unsigned char c[HL_XQC_SIZE];

	hl_sqc_encode(c, 0x1234567000ull, 256, 5, HL_DECOMPRESS);
	CHECK(rd16(c, 0) == 0 && rd16(c, 2) == 0);	/* head, tail */
	CHECK(rd64(c, 4) == 0x1234567000ull);
	CHECK(rd32(c, 12) == (255 | 7 << 12));		/* depth - 1, log2(128) */
	CHECK(rd16(c, 16) == 0);			/* w8: rand_qc */
	CHECK(rd16(c, 24) == 5);			/* cq_num */
	CHECK(rd16(c, 26) == (1 << 4 | 1 << 8));	/* orders 1, alg_type */
	hl_sqc_encode(c, 0, 1024, 0, HL_COMPRESS);
	CHECK(rd32(c, 12) == (1023 | 7 << 12));
	CHECK(rd16(c, 26) == 1 << 4);

	hl_cqc_encode(c, 0xabc000ull, 256);
	CHECK(rd64(c, 4) == 0xabc000ull);
	CHECK(rd32(c, 12) == (255 | 4 << 12));		/* depth - 1, CQE size 4 */
	CHECK(rd32(c, 24) == 3);			/* phase 1, interrupts on */

	hl_eqc_encode(c, 0x5000ull, 1024);
	CHECK(rd64(c, 4) == 0x5000ull);
	CHECK(rd32(c, 12) == 0);
	CHECK(rd32(c, 24) == (1023 | 1 << 16));		/* dw6: depth - 1, phase 1 */
}

static void test_doorbell(void)
{
	CHECK(hl_db_value(3, 0, 17, 0) == (3 | 17ull << 32));
	CHECK(hl_db_value(3, 1, 0xffff, 1) == (3 | 1 << 12 | 0xffffull << 32 | 1ull << 48));
	CHECK(hl_db_value(0, 2, 5, 0) == (2 << 12 | 5ull << 32));
}

/*
 * A pretend device behind the library's device calls (linked with --wrap):
 * it keeps the contexts the mailbox loads, and on an SQ doorbell runs every
 * new SQE at once with zlib, walking the SGLs, then writes the SQE's result
 * fields, a CQE and an EQE and signals the eventfd.  It reads the memory
 * layouts by byte offset, independently of the library's structs.
 */
#define FAKE_QUEUES	4
#define FAKE_ERR	0x06	/* some error status: output did not fit */

struct fake_eq {
	__u64 base;
	unsigned int depth, tail;
	bool phase;
};

static struct {
	struct { __u64 iova; void *va; __u64 size; struct hl_dev *dev; } map[16];
	struct hl_dev *dev;	/* the device that holds the state now */
	unsigned int nmap;
	struct fake_eq eq, aeq;
	struct {
		__u64 sq, cq;
		unsigned int depth, op, sq_head, cq_tail;
		bool cq_phase, on;
	} q[FAKE_QUEUES];
	int efd;
	unsigned int jobs, drop_irq;
	unsigned int late_aeqe;	/* AEQEs to write when the CQ head is acked */
	bool overrun;		/* write one byte past the next job's output room */
} fake = { .efd = -1 };

static void *xlate(__u64 iova, __u64 len)
{
	unsigned int i;

	for (i = 0; i < fake.nmap; i++)
		if (fake.map[i].dev == fake.dev && iova >= fake.map[i].iova && iova + len <= fake.map[i].iova + fake.map[i].size)
			return (char *)fake.map[i].va + (iova - fake.map[i].iova);
	fprintf(stderr, "fake device: DMA to unmapped %#llx\n", (unsigned long long)iova);
	abort();
}

int __wrap_hl_dma_map(struct hl_dev *dev, void *vaddr, __u64 iova, __u64 size);
int __wrap_hl_dma_map(struct hl_dev *dev, void *vaddr, __u64 iova, __u64 size)
{
	fake.map[fake.nmap].dev = dev;
	fake.map[fake.nmap].iova = iova;
	fake.map[fake.nmap].va = vaddr;
	fake.map[fake.nmap++].size = size;
	return 0;
}

int __wrap_hl_dma_unmap(struct hl_dev *dev, __u64 iova, __u64 size);
int __wrap_hl_dma_unmap(struct hl_dev *dev, __u64 iova, __u64 size)
{
	(void)dev, (void)iova, (void)size;
	return 0;
}

int __wrap_hl_bus_master(struct hl_dev *dev, bool on);
int __wrap_hl_bus_master(struct hl_dev *dev, bool on)
{
	(void)dev, (void)on;
	return 0;
}

int __wrap_hl_bar_read32(struct hl_dev *dev, int bar, __u64 off, __u32 *val);
int __wrap_hl_bar_read32(struct hl_dev *dev, int bar, __u64 off, __u32 *val)
{
	(void)dev, (void)bar;
	/* EQ on vector 0, AEQ on vector 1, no doorbell isolation */
	*val = off == 0x310c ? 0x10000 : off == 0x3110 ? 0x10001 : 0;
	return 0;
}

int __wrap_hl_bar_write32(struct hl_dev *dev, int bar, __u64 off, __u32 val);
int __wrap_hl_bar_write32(struct hl_dev *dev, int bar, __u64 off, __u32 val)
{
	(void)dev, (void)bar, (void)off, (void)val;
	return 0;
}

int __wrap_hl_mailbox(struct hl_dev *dev, __u8 cmd, bool op_read, __u16 queue, __u64 *addr);
int __wrap_hl_mailbox(struct hl_dev *dev, __u8 cmd, bool op_read, __u16 queue, __u64 *addr)
{
	const unsigned char *c;
	struct fake_eq *eq;

	(void)dev;
	if (cmd == HACC_MB_CMD_SQC_VFT_V2 && op_read) {
		*addr = (__u64)(FAKE_QUEUES - 1) << 45;
		return 0;
	}
	if (op_read || queue >= FAKE_QUEUES)
		return -EIO;
	c = xlate(*addr, 28);
	switch (cmd) {
	case HACC_MB_CMD_EQC:
	case HACC_MB_CMD_AEQC:
		eq = cmd == HACC_MB_CMD_EQC ? &fake.eq : &fake.aeq;
		eq->base = rd64(c, 4);
		eq->depth = (rd32(c, 24) & 0xffff) + 1;
		eq->phase = rd32(c, 24) >> 16 & 1;
		eq->tail = 0;
		break;
	case HACC_MB_CMD_SQC:
		fake.q[queue].sq = rd64(c, 4);
		fake.q[queue].depth = (rd32(c, 12) & 0xfff) + 1;
		fake.q[queue].op = rd16(c, 26) >> 8 & 0xf;
		fake.q[queue].sq_head = 0;
		CHECK(rd32(c, 12) >> 12 == 7);
		CHECK(rd16(c, 24) == queue);
		break;
	case HACC_MB_CMD_CQC:
		fake.q[queue].cq = rd64(c, 4);
		fake.q[queue].cq_phase = rd32(c, 24) & 1;
		fake.q[queue].cq_tail = 0;
		fake.q[queue].on = true;
		CHECK((rd32(c, 12) & 0xfff) + 1 == fake.q[queue].depth);
		break;
	}
	return 0;
}

/* SGL -> bytes (in) or bytes -> SGL (out); returns the bytes moved */
static __u32 sgl_copy(__u64 sgl_iova, unsigned char *buf, __u32 len, bool in)
{
	const unsigned char *h = xlate(sgl_iova, 64);
	unsigned int n = rd16(h, 10), i;
	__u32 done = 0;

	CHECK(n <= rd16(h, 12) && rd64(h, 0) == 0);
	h = xlate(sgl_iova, 64 + 32 * n);
	for (i = 0; i < n && done < len; i++) {
		__u32 l = rd32(h, 64 + 32 * i + 16);
		void *p;

		if (l > len - done)
			l = len - done;
		p = xlate(rd64(h, 64 + 32 * i), l);
		if (in)
			memcpy(buf + done, p, l);
		else
			memcpy(p, buf + done, l);
		done += l;
	}
	return done;
}

static __u32 sgl_room(__u64 sgl_iova)
{
	const unsigned char *h = xlate(sgl_iova, 64);
	unsigned int n = rd16(h, 10), i;
	__u32 room = 0;

	h = xlate(sgl_iova, 64 + 32 * n);
	for (i = 0; i < n; i++)
		room += rd32(h, 64 + 32 * i + 16);
	return room;
}

static void run_sqe(unsigned int qn, unsigned char *sqe)
{
	__u32 in_len = rd32(sqe, 16), room = rd32(sqe, 56), out_len = 0, status = 0;
	__u64 src = rd64(sqe, 72), dst = rd64(sqe, 80);
	unsigned char *in = malloc(in_len), *out = malloc(room);
	z_stream zs;
	int ret;

	CHECK(rd32(sqe, 36) == 0x101 && rd32(sqe, 28) >> 28 == 3);
	CHECK(sgl_room(dst) >= room);
	CHECK(sgl_copy(src, in, in_len, true) == in_len);
	memset(&zs, 0, sizeof(zs));
	if (fake.q[qn].op == HL_COMPRESS)
		deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	else
		inflateInit2(&zs, -15);
	zs.next_in = in;
	zs.avail_in = in_len;
	zs.next_out = out;
	zs.avail_out = room;
	if (fake.q[qn].op == HL_COMPRESS) {
		ret = deflate(&zs, Z_FINISH);
		deflateEnd(&zs);
	} else {
		ret = inflate(&zs, Z_FINISH);
		inflateEnd(&zs);
	}
	if (ret != Z_STREAM_END)
		status = FAKE_ERR;
	out_len = room - zs.avail_out;
	sgl_copy(dst, out, out_len, false);
	if (fake.overrun) {
		const unsigned char *h = xlate(dst, 64);
		unsigned int last = rd16(h, 10) - 1;

		h = xlate(dst, 64 + 32 * (last + 1));
		*(char *)xlate(rd64(h, 64 + 32 * last) + rd32(h, 64 + 32 * last + 16), 1) = 1;
		fake.overrun = false;
	}
	memcpy(sqe + 0, &(__u32){ in_len - zs.avail_in }, 4);
	memcpy(sqe + 4, &out_len, 4);
	memcpy(sqe + 12, &status, 4);
	free(in);
	free(out);
	fake.jobs++;
}

/* one entry in the EQ or AEQ, with the phase bit (16) */
static void eq_push(struct fake_eq *eq, __u32 w)
{
	__u32 *e = xlate(eq->base + 4 * eq->tail, 4);

	__atomic_store_n(e, w | (__u32)eq->phase << 16, __ATOMIC_RELEASE);
	if (++eq->tail == eq->depth) {
		eq->tail = 0;
		eq->phase = !eq->phase;
	}
}

static void complete(unsigned int qn, unsigned int sq_index)
{
	unsigned char *cqe = xlate(fake.q[qn].cq + 16 * fake.q[qn].cq_tail, 16);
	__u16 w7 = fake.q[qn].cq_phase;

	memset(cqe, 0, 14);
	memcpy(cqe + 8, &(__u16){ sq_index }, 2);
	__atomic_store_n((__u16 *)(cqe + 14), w7, __ATOMIC_RELEASE);
	if (++fake.q[qn].cq_tail == fake.q[qn].depth) {
		fake.q[qn].cq_tail = 0;
		fake.q[qn].cq_phase = !fake.q[qn].cq_phase;
	}
	eq_push(&fake.eq, qn);
	if (fake.efd >= 0 && !fake.drop_irq)
		CHECK(write(fake.efd, &(__u64){ 1 }, 8) == 8);
	else if (fake.drop_irq)
		fake.drop_irq--;
}

ssize_t __wrap_hl_bar_pwrite(struct hl_dev *dev, int bar, __u64 off, const void *buf,
			       size_t len);
ssize_t __wrap_hl_bar_pwrite(struct hl_dev *dev, int bar, __u64 off, const void *buf,
			       size_t len)
{
	__u64 db;
	unsigned int qn, cmd, index;

	CHECK(dev == fake.dev && bar == 2 && len == 8);
	memcpy(&db, buf, 8);
	qn = db & 0xfff;
	cmd = db >> 12 & 0xf;
	index = db >> 32 & 0xffff;
	if (off == 0x1000 && cmd == 0) {
		CHECK(qn < FAKE_QUEUES && fake.q[qn].on && index < fake.q[qn].depth);
		while (fake.q[qn].sq_head != index) {
			unsigned int i = fake.q[qn].sq_head;

			run_sqe(qn, xlate(fake.q[qn].sq + 128 * i, 128));
			fake.q[qn].sq_head = (i + 1) % fake.q[qn].depth;
			complete(qn, i);
		}
	}
	/*
	 * An AEQE that lands after the poller looked at the AEQ, while it
	 * reads the CQ: written when the CQ head comes back.
	 */
	if (off == 0x1000 && cmd == 1 && fake.late_aeqe) {
		eq_push(&fake.aeq, qn | 2u << 17);	/* type 2 (CQE error), 20:17 */
		fake.late_aeqe--;
	}
	return len;
}

int __wrap_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	(void)fd;
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req == VFIO_DEVICE_GET_IRQ_INFO) {
		((struct vfio_irq_info *)arg)->count = 2;
	} else if (req == VFIO_DEVICE_SET_IRQS) {
		struct vfio_irq_set *set = arg;

		fake.efd = set->flags & VFIO_IRQ_SET_DATA_EVENTFD ? ((__s32 *)set->data)[0] : -1;
	}
	return 0;
}

static const unsigned char *sample(unsigned int i, __u32 *len)
{
	static unsigned char buf[8][32768];
	static const __u32 sizes[8] = { 1, 100, 4096, 4097, 9000, 16384, 20000, 32768 };
	static bool init;
	unsigned int k, j;

	if (!init) {
		unsigned int seed = 1;

		for (k = 0; k < 8; k++)
			for (j = 0; j < sizes[k]; j++)
				buf[k][j] = k & 1 ? (unsigned char)rand_r(&seed) : "abcab\n"[j % 6 + 0 * k];
		init = true;
	}
	*len = sizes[i % 8];
	return buf[i % 8];
}

static unsigned char packed[8][33000];
static __u32 plen[8];

/* n jobs, alternating between the contexts, 8 in flight on each */
static void run_jobs(struct hl_fn *fn, struct hl_jobs *comp, struct hl_jobs *decomp,
		     unsigned int n)
{
	unsigned long long base = comp->st.completed + decomp->st.completed;
	const unsigned char *p;
	unsigned int next = 0;
	__u32 len;

	while (comp->st.completed + decomp->st.completed < base + n) {
		while (next < n && (next & 1 ? decomp->inflight : comp->inflight) < 8) {
			p = sample(next / 2, &len);
			if (next & 1)
				CHECK(!hl_jobs_submit(decomp, packed[next / 2 % 8], plen[next / 2 % 8],
						      len, p, len, false));
			else
				CHECK(!hl_jobs_submit(comp, p, len, comp->max_len, p, len, false));
			next++;
		}
		if (hl_fn_reap(fn, 100) <= 0) {
			CHECK(!"no completion");
			break;
		}
	}
}

/* 1000 jobs through a loopback device: wrap-arounds, both directions */
static void test_loopback(bool irq)
{
	__u32 len;
	struct hl_dev dev = { .fd = 100 }, dev2 = { .fd = 101 };
	struct hl_fn_cfg fc = { .eq_depth = 64, .irq = irq };
	struct hl_jobs_cfg cc = { .qn = 0, .op = HL_COMPRESS, .k = 8, .depth = 16 };
	struct hl_jobs_cfg dc = { .qn = 1, .op = HL_DECOMPRESS, .k = 8, .depth = 16 };
	struct hl_jobs comp, decomp;
	struct hl_fn fn;
	unsigned int i, maps;
	const unsigned char *p;

	for (i = 0; i < 8; i++) {
		uLongf l = sizeof(packed[i]);
		z_stream zs = { 0 };

		p = sample(i, &len);
		deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
		zs.next_in = (Bytef *)p;
		zs.avail_in = len;
		zs.next_out = packed[i];
		zs.avail_out = l;
		CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
		plen[i] = l - zs.avail_out;
		deflateEnd(&zs);
	}
	memset(&fake, 0, sizeof(fake));
	fake.efd = -1;
	fake.dev = &dev;
	if (hl_fn_init(&fn, &dev, &fc) || hl_jobs_init(&comp, &fn, &cc) ||
	    hl_jobs_init(&decomp, &fn, &dc)) {
		fprintf(stderr, "loopback set-up: %s\n", hl_last_error());
		failures++;
		return;
	}
	CHECK(fn.qp_num == FAKE_QUEUES);
	CHECK(irq == (fake.efd >= 0));
	run_jobs(&fn, &comp, &decomp, 1000);
	CHECK(comp.st.verified == 500 && decomp.st.verified == 500);
	CHECK(!comp.st.bad && !decomp.st.bad && !fn.st.lost_irq);
	CHECK(fn.st.eqes == 1000 && fake.jobs == 1000);
	/* output room too small: the error status must be what is reported */
	p = sample(7, &len);
	CHECK(!hl_jobs_submit(&comp, p, len, 64, p, len, true));
	CHECK(hl_jobs_reap(&comp, 100) == 1 && comp.st.want_err == 1 && !comp.st.bad);
	/* a wrong result is caught: claim other data as the original */
	CHECK(!hl_jobs_submit(&comp, p, len, comp.max_len, sample(5, &len), len, false));
	CHECK(hl_jobs_reap(&comp, 100) == 1 && comp.st.bad == 1);
	/* so is a write past the output room offered */
	fake.overrun = true;
	p = sample(2, &len);
	CHECK(!hl_jobs_submit(&comp, p, len, 3000, p, len, false));
	CHECK(hl_jobs_reap(&comp, 100) == 1 && comp.st.bad == 2);
	CHECK(strstr(comp.last_bad, "outside the output"));
	if (irq) {
		/* a CQE without its interrupt is found after the wait, and counted */
		fake.drop_irq = 1;
		p = sample(2, &len);
		CHECK(!hl_jobs_submit(&comp, p, len, comp.max_len, p, len, false));
		CHECK(hl_jobs_reap(&comp, 50) == 1 && fn.st.lost_irq == 1);
	}
	/* an AEQE that lands while the CQ is read comes back with its job */
	fake.late_aeqe = 1;
	p = sample(2, &len);
	CHECK(!hl_jobs_submit(&comp, p, len, comp.max_len, p, len, false));
	CHECK(hl_jobs_reap(&comp, 100) == 1);
	CHECK(fn.st.aeqes == 1 && (fn.aeqe_last >> 17 & 0xf) == 2 && !fake.late_aeqe);
	/* the state moves to another device (a migration): carry on there */
	maps = fake.nmap;
	fake.dev = &dev2;
	fake.efd = -1;
	CHECK(!hl_fn_move(&fn, &dev2));
	CHECK(fake.nmap == maps + 3 && fn.dev == &dev2);
	CHECK(irq == (fake.efd >= 0));
	run_jobs(&fn, &comp, &decomp, 100);
	CHECK(decomp.st.verified == 550 && fake.jobs == 1000 + 4 + (irq ? 1u : 0u) + 100);
	hl_jobs_fini(&decomp);
	hl_jobs_fini(&comp);
	hl_fn_fini(&fn);
}

int main(void)
{
	test_sqe();
	test_sgl();
	test_contexts();
	test_doorbell();
	test_loopback(false);
	test_loopback(true);
	printf("test_jobs: %s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
