// SPDX-License-Identifier: GPL-2.0
/*
 * Host check of the job engine's encoders (no device): every field lands at
 * the byte offset and with the value the QM/ZIP hardware expects, spelled
 * out here independently of hacc_jobs.c (offsets from the SQE, SQC, CQC,
 * EQC and SGL layouts of the kernel's hisi_qm and hisi_zip drivers).
 */
#include <stdio.h>
#include <string.h>

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

int main(void)
{
	test_sqe();
	test_sgl();
	test_contexts();
	test_doorbell();
	printf("test_jobs: %s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
