// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for hisi_acc_vfio_pci: record validation, stream accounting
 * and every arc of the migration state machine, run against a QM that is
 * modelled in memory (no hardware, no vfio device).
 *
 * Run in a guest with CONFIG_KUNIT=y after loading the driver:
 *	insmod hisi_acc_vfio_pci_test.ko
 * Results: dmesg (KTAP) and /sys/kernel/debug/kunit/hisi_acc_vfio_pci/results
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/string.h>

#include "hisi_acc_vfio_pci.h"

#define T_FN		3
#define T_QP_BASE	64
#define T_QP_NUM	480
#define T_ISO		0x1
#define T_SQC_BT	0x123450000ull
#define T_CQC_BT	0x678900000ull
#define T_EQE_DMA	0x1aabb0000ull
#define T_AEQE_DMA	0x2ccdd0000ull

/* A QM in memory: VF register file, the PF registers the driver uses */
struct fake_qm {
	struct hacc_mig mig;
	u32 vf[HACC_VF_BAR_SIZE / 4];
	u64 vft[8];
	u32 pf_iso;
	u32 pf_abnormal;
	u32 pf_core;
	u32 vft_op_wr, vft_type, vft_cfg, vft_lo, vft_hi;
	unsigned int vft_reads;
	u64 vft_other;		/* what an interleaved PF access makes a read give */
	u32 vft_other_mask;	/* bit n: SQC read n (from 0) gives vft_other */
	u64 sqc_bt, cqc_bt;
	u8 mb_fail_cmd;		/* command + 1 that completes with status 1 */
	bool mb_stuck;
	bool mb_wide_only;	/* 32-bit reads of the mailbox result give junk */
	bool mb_hang;		/* commands posted from now on never complete */
	unsigned int mb_slow;	/* reads of a posted command that say busy */
	unsigned int mb_busy_left;
	unsigned int mb_wide_reads;	/* reads of the four mailbox words */
	bool wb_stuck;
	bool paused;
	int begin_err;
	unsigned int begins, ends;
	unsigned int mb_cmds[16];
	unsigned int doorbells;
	u64 last_db[4];
	unsigned int dev_writes;	/* VF writes other than reads */
};

static struct fake_qm *to_fake(struct hacc_mig *mig)
{
	return container_of(mig, struct fake_qm, mig);
}

static u32 fake_vf_read(struct hacc_mig *mig, u32 off)
{
	struct fake_qm *f = to_fake(mig);

	if (off == HACC_MB_BASE && (f->mb_stuck || f->mb_busy_left)) {
		if (f->mb_busy_left && !f->mb_hang)
			f->mb_busy_left--;
		return HACC_MB_BUSY;
	}
	if (off == HACC_CACHE_WB_DONE)
		return f->wb_stuck ? 0 : 1;
	if (f->mb_wide_only && (off == HACC_MB_ADDR_L || off == HACC_MB_ADDR_H))
		return 0xdeadbeef;
	return f->vf[off / 4];
}

static void fake_mb_read(struct hacc_mig *mig, u32 w[4])
{
	struct fake_qm *f = to_fake(mig);
	int i;

	f->mb_wide_reads++;
	w[0] = fake_vf_read(mig, HACC_MB_BASE);
	for (i = 1; i < 4; i++)
		w[i] = f->vf[HACC_MB_BASE / 4 + i];
}

static void fake_vf_write(struct hacc_mig *mig, u32 off, u32 val)
{
	struct fake_qm *f = to_fake(mig);

	f->dev_writes++;
	if (off == HACC_IFC_INT_SET || off == HACC_CACHE_WB_START)
		return;		/* triggers, read back as 0 */
	f->vf[off / 4] = val;
	/* the hardware assumption of Documentation/p2p.rst */
	if (off == HACC_IFC_INT_MASK && !val)
		f->paused = false;
}

static void fake_vf_write64(struct hacc_mig *mig, u32 off, u64 val)
{
	struct fake_qm *f = to_fake(mig);

	f->dev_writes++;
	if (f->doorbells < ARRAY_SIZE(f->last_db))
		f->last_db[f->doorbells] = val;
	f->doorbells++;
}

static void fake_mb_send(struct hacc_mig *mig, const u32 w[4])
{
	struct fake_qm *f = to_fake(mig);
	u8 cmd = w[0] & HACC_MB_CMD_MASK;
	bool rd = w[0] & HACC_MB_OP_READ;
	u64 addr = (u64)w[2] << 32 | w[1];
	u64 res = 0;

	f->dev_writes++;
	f->mb_cmds[cmd & 15]++;
	if (f->mb_stuck)
		return;
	f->mb_busy_left = f->mb_hang ? 1 : f->mb_slow;
	if (f->mb_hang)
		return;
	switch (cmd) {
	case HACC_MB_CMD_PAUSE_QM:
		f->paused = true;
		break;
	case HACC_MB_CMD_SQC_BT:
		if (rd)
			res = f->sqc_bt;
		else
			f->sqc_bt = addr;
		break;
	case HACC_MB_CMD_CQC_BT:
		if (rd)
			res = f->cqc_bt;
		else
			f->cqc_bt = addr;
		break;
	}
	f->vf[HACC_MB_BASE / 4] = f->mb_fail_cmd == cmd + 1 ?
				  1u << HACC_MB_STATUS_SHIFT : 0;
	if (rd) {
		f->vf[HACC_MB_ADDR_L / 4] = lower_32_bits(res);
		f->vf[HACC_MB_ADDR_H / 4] = upper_32_bits(res);
	}
}

static u32 fake_pf_read(struct hacc_mig *mig, u32 off)
{
	struct fake_qm *f = to_fake(mig);

	switch (off) {
	case HACC_PF_VFT_RDY:
		return 1;
	case HACC_PF_VFT_DATA_L:
		return f->vft_lo;
	case HACC_PF_VFT_DATA_H:
		return f->vft_hi;
	case HACC_QUE_ISO_CFG:
		return f->pf_iso;
	case HACC_PF_ABNORMAL_INT_STATUS:
		return f->pf_abnormal;
	case HACC_PF_ZIP_CORE_INT_STATUS:
		return f->pf_core;
	}
	return 0;
}

static void fake_pf_write(struct hacc_mig *mig, u32 off, u32 val)
{
	struct fake_qm *f = to_fake(mig);
	u64 e;

	switch (off) {
	case HACC_PF_VFT_OP_WR:
		f->vft_op_wr = val;
		break;
	case HACC_PF_VFT_TYPE:
		f->vft_type = val;
		break;
	case HACC_PF_VFT_CFG:
		f->vft_cfg = val;
		break;
	case HACC_PF_VFT_OP_ENABLE:
		if (f->vft_op_wr != 1 || f->vft_type != HACC_VFT_TYPE_SQC)
			break;
		e = f->vft_cfg < ARRAY_SIZE(f->vft) ? f->vft[f->vft_cfg] : 0;
		if (f->vft_reads < 32 && (f->vft_other_mask & BIT(f->vft_reads)))
			e = f->vft_other;
		f->vft_reads++;
		f->vft_lo = lower_32_bits(e);
		f->vft_hi = upper_32_bits(e);
		break;
	}
}

static int fake_begin(struct hacc_mig *mig)
{
	struct fake_qm *f = to_fake(mig);

	if (f->begin_err)
		return f->begin_err;
	f->begins++;
	return 0;
}

static void fake_end(struct hacc_mig *mig)
{
	to_fake(mig)->ends++;
}

static const struct hacc_io_ops fake_ops = {
	.vf_read = fake_vf_read,
	.vf_write = fake_vf_write,
	.vf_write64 = fake_vf_write64,
	.vf_mb_send = fake_mb_send,
	.vf_mb_read = fake_mb_read,
	.pf_read = fake_pf_read,
	.pf_write = fake_pf_write,
	.begin = fake_begin,
	.end = fake_end,
};

static u64 vft_entry(u32 base, u32 num)
{
	return (u64)base << HACC_VFT_SQC_BASE_SHIFT | HACC_VFT_SQC_VALID |
	       (u64)(num - 1) << HACC_VFT_SQC_NUM_SHIFT;
}

/* A VF with guest state in it: every register holds a distinct value */
static struct fake_qm *fake_new(struct kunit *test)
{
	static atomic_t ids = ATOMIC_INIT(0);
	struct device *dev;
	struct fake_qm *f;
	char name[32];
	int i;

	/* kunit devices need unique names; a test makes many fakes */
	snprintf(name, sizeof(name), "hacc-fake-%d", atomic_inc_return(&ids));
	dev = kunit_device_register(test, name);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	hacc_mig_init(&f->mig, &fake_ops, dev, HACC_DEVID_ZIP_VF, T_FN);
	hacc_mig_open(&f->mig);

	f->vft[T_FN] = vft_entry(T_QP_BASE, T_QP_NUM);
	f->pf_iso = T_ISO;
	f->vf[HACC_VF_STATE / 4] = HACC_VF_STATE_READY;
	f->vf[HACC_AEQ_INT_MASK / 4] = 0x11;
	f->vf[HACC_EQ_INT_MASK / 4] = 0x22;
	f->vf[HACC_IFC_INT_SOURCE / 4] = 0x33;
	f->vf[HACC_IFC_INT_MASK / 4] = 0x44;
	f->vf[HACC_PAGE_SIZE / 4] = 0x55;
	for (i = 0; i < HACC_XQC_DWORDS; i++) {
		f->vf[HACC_VF_EQC_DW0 / 4 + i] = 0xe0000 + i;
		f->vf[HACC_VF_AEQC_DW0 / 4 + i] = 0xa0000 + i;
	}
	f->vf[HACC_VF_EQC_DW0 / 4 + 1] = lower_32_bits(T_EQE_DMA);
	f->vf[HACC_VF_EQC_DW0 / 4 + 2] = upper_32_bits(T_EQE_DMA);
	f->vf[HACC_VF_AEQC_DW0 / 4 + 1] = lower_32_bits(T_AEQE_DMA);
	f->vf[HACC_VF_AEQC_DW0 / 4 + 2] = upper_32_bits(T_AEQE_DMA);
	f->sqc_bt = T_SQC_BT;
	f->cqc_bt = T_CQC_BT;
	return f;
}

/* A freshly reset VF on another host, configured like fake_new()'s */
static struct fake_qm *fake_new_blank(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);

	memset(f->vf, 0, sizeof(f->vf));
	f->vf[HACC_VF_STATE / 4] = HACC_VF_STATE_NOT_READY;
	f->sqc_bt = 0;
	f->cqc_bt = 0;
	return f;
}

static struct hacc_stream *stream_new(struct kunit *test, struct fake_qm *f)
{
	struct hacc_stream *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	hacc_stream_init(s, &f->mig);
	return s;
}

static int step(struct fake_qm *f, enum vfio_device_mig_state next,
		struct hacc_stream *fresh)
{
	int ret;

	mutex_lock(&f->mig.state_mutex);
	ret = hacc_mig_step(&f->mig, next, fresh);
	hacc_mig_unlock(&f->mig);
	return ret;
}

/* read(2) on a saving stream, as the file does it */
static ssize_t s_read(struct hacc_stream *s, void *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	mutex_lock(&s->lock);
	n = hacc_save_window(s, len, &off);
	if (n > 0) {
		memcpy(buf, (u8 *)&s->rec + off, n);
		hacc_save_consume(s, n);
	}
	mutex_unlock(&s->lock);
	return n;
}

/* write(2) on a resuming stream, as the file does it */
static int s_write(struct hacc_stream *s, const void *buf, size_t len)
{
	size_t off = 0;
	int ret;

	mutex_lock(&s->mig->state_mutex);
	mutex_lock(&s->lock);
	ret = hacc_resume_window(s, len, &off);
	if (!ret) {
		memcpy((u8 *)&s->rec + off, buf, len);
		ret = hacc_resume_commit(s, len);
	}
	mutex_unlock(&s->lock);
	hacc_mig_unlock(s->mig);
	return ret;
}

static int precopy_info(struct hacc_stream *s, u64 *initial, u64 *dirty)
{
	int ret;

	mutex_lock(&s->mig->state_mutex);
	mutex_lock(&s->lock);
	ret = hacc_precopy_bytes(s, initial, dirty);
	mutex_unlock(&s->lock);
	hacc_mig_unlock(s->mig);
	return ret;
}

/* Save a full record from @f through RUNNING -> STOP -> STOP_COPY */
static void save_record(struct kunit *test, struct fake_qm *f,
			struct hacc_mig_data *rec)
{
	struct hacc_stream *s = stream_new(test, f);

	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP_COPY, s), 0);
	KUNIT_ASSERT_EQ(test, s_read(s, rec, sizeof(*rec)), (ssize_t)sizeof(*rec));
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), 0);
}

static void test_layout(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct hacc_mig_data), 176);
	KUNIT_EXPECT_EQ(test, offsetof(struct hacc_mig_data, qp_num), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct hacc_mig_data, dev_id), 12);
	KUNIT_EXPECT_EQ(test, offsetof(struct hacc_mig_data, que_iso_cfg), 16);
	KUNIT_EXPECT_EQ(test, offsetof(struct hacc_mig_data, qp_base), 20);
	KUNIT_EXPECT_EQ(test, offsetof(struct hacc_mig_data, vf_state), 24);
	KUNIT_EXPECT_EQ(test, offsetof(struct hacc_mig_data, major_ver), 28);
	KUNIT_EXPECT_EQ(test, offsetof(struct hacc_mig_data, minor_ver), 30);
	KUNIT_EXPECT_EQ(test, offsetof(struct hacc_mig_data, aeq_int_mask), 40);
	KUNIT_EXPECT_EQ(test, offsetof(struct hacc_mig_data, page_size), 60);
	KUNIT_EXPECT_EQ(test, offsetof(struct hacc_mig_data, eqc_dw), 64);
	KUNIT_EXPECT_EQ(test, offsetof(struct hacc_mig_data, aeqc_dw), 92);
	KUNIT_EXPECT_EQ(test, offsetof(struct hacc_mig_data, eqe_dma), 144);
	KUNIT_EXPECT_EQ(test, offsetof(struct hacc_mig_data, cqc_dma), 168);
}

static void test_vft_decode(struct kunit *test)
{
	u32 base = 0, num = 0;

	KUNIT_EXPECT_EQ(test, hacc_vft_decode(vft_entry(544, 480), &base, &num), 0);
	KUNIT_EXPECT_EQ(test, base, 544);
	KUNIT_EXPECT_EQ(test, num, 480);
	KUNIT_EXPECT_EQ(test, hacc_vft_decode(vft_entry(0xffff, 1024), &base, &num), 0);
	KUNIT_EXPECT_EQ(test, base, 0xffff);
	KUNIT_EXPECT_EQ(test, num, 1024);
	KUNIT_EXPECT_EQ(test, hacc_vft_decode(0, &base, &num), -ENXIO);
	KUNIT_EXPECT_EQ(test, hacc_vft_decode(vft_entry(1, 2) & ~HACC_VFT_SQC_VALID,
					      &base, &num), -ENXIO);
}

/*
 * The PF driver uses the queue-table registers too, under no lock of ours
 * (a VF's QoS query): a read that interleaves with it gives another entry.
 * The entry is kept for the VF's lifetime, so it counts only once two
 * reads in a row agree.
 */
static void test_vft_read_interleaved(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);
	struct hacc_stream *s = stream_new(test, f);

	/* the first read is another entry: the next two agree */
	f->vft_other = vft_entry(T_QP_BASE + 64, 8);
	f->vft_other_mask = BIT(0);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, s), 0);
	KUNIT_EXPECT_EQ(test, s->rec.qp_base, T_QP_BASE);
	KUNIT_EXPECT_EQ(test, s->rec.qp_num, T_QP_NUM);
	KUNIT_EXPECT_EQ(test, f->vft_reads, 3);

	/* no two in a row agree: nothing kept, retryable, read again */
	f = fake_new(test);
	f->vft_other = vft_entry(T_QP_BASE + 64, 8);
	f->vft_other_mask = BIT(0) | BIT(2);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY,
				   stream_new(test, f)), -EAGAIN);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_RUNNING);
	KUNIT_EXPECT_FALSE(test, f->mig.match_valid);
	s = stream_new(test, f);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, s), 0);
	KUNIT_EXPECT_EQ(test, s->rec.qp_base, T_QP_BASE);
	KUNIT_EXPECT_EQ(test, f->vft_reads, 5);
}

static void test_header_check(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);
	struct hacc_mig_data local = {
		.magic = HACC_MIG_MAGIC_V2, .qp_num = 480,
		.dev_id = HACC_DEVID_ZIP_VF, .que_iso_cfg = 1,
		.major_ver = HACC_MIG_MAJOR_VER,
	};
	struct hacc_mig_data rec = local;
	struct device *dev = f->mig.dev;

	KUNIT_EXPECT_EQ(test, hacc_rec_check_header(dev, &rec, &local), 0);
	rec.minor_ver = 7;		/* minor versions are compatible */
	rec.qp_base = 1000;		/* queue position is not compared */
	KUNIT_EXPECT_EQ(test, hacc_rec_check_header(dev, &rec, &local), 0);
	rec.major_ver = 2;
	KUNIT_EXPECT_EQ(test, hacc_rec_check_header(dev, &rec, &local), -EPROTO);
	rec.magic = HACC_MIG_MAGIC_V1;	/* V1 has no version fields */
	KUNIT_EXPECT_EQ(test, hacc_rec_check_header(dev, &rec, &local), 0);
	rec = local;
	rec.magic = 0x1234;
	KUNIT_EXPECT_EQ(test, hacc_rec_check_header(dev, &rec, &local), -EPROTO);
	rec = local;
	rec.dev_id = HACC_DEVID_SEC_VF;
	KUNIT_EXPECT_EQ(test, hacc_rec_check_header(dev, &rec, &local), -EPROTO);
	rec = local;
	rec.qp_num = 479;
	KUNIT_EXPECT_EQ(test, hacc_rec_check_header(dev, &rec, &local), -EPROTO);
	rec = local;
	rec.que_iso_cfg = 0;
	KUNIT_EXPECT_EQ(test, hacc_rec_check_header(dev, &rec, &local), -EPROTO);
}

static void test_body_check_v1(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);
	struct hacc_mig_data rec = {};

	rec.magic = HACC_MIG_MAGIC_V1;
	rec.eqc_dw[1] = 0x89abc000;
	rec.eqc_dw[2] = 0x1;
	rec.aeqc_dw[1] = 0x12345000;
	rec.aeqc_dw[2] = 0x2;
	/* what a V1 writer stored: wrong words */
	rec.eqe_dma = 0xdead;
	rec.aeqe_dma = 0xbeef;
	KUNIT_EXPECT_EQ(test, hacc_rec_check_body(f->mig.dev, &rec), 0);
	KUNIT_EXPECT_EQ(test, rec.eqe_dma, 0x189abc000ull);
	KUNIT_EXPECT_EQ(test, rec.aeqe_dma, 0x212345000ull);

	/* V2 must agree with its own context words */
	rec.magic = HACC_MIG_MAGIC_V2;
	KUNIT_EXPECT_EQ(test, hacc_rec_check_body(f->mig.dev, &rec), 0);
	rec.eqe_dma ^= 0x1000;
	KUNIT_EXPECT_EQ(test, hacc_rec_check_body(f->mig.dev, &rec), -EPROTO);
	rec.eqe_dma ^= 0x1000;
	rec.aeqe_dma = 0;
	KUNIT_EXPECT_EQ(test, hacc_rec_check_body(f->mig.dev, &rec), -EPROTO);
	rec.aeqe_dma = 0x212345000ull;
	rec.vf_state = 2;
	KUNIT_EXPECT_EQ(test, hacc_rec_check_body(f->mig.dev, &rec), -EPROTO);
}

/* PRE_COPY then STOP_COPY, read in chunks of every size from 1 to 177 */
static void test_precopy_every_size(struct kunit *test)
{
	struct hacc_mig_data ref;
	size_t chunk;

	save_record(test, fake_new(test), &ref);

	for (chunk = 1; chunk <= sizeof(ref) + 1; chunk++) {
		struct fake_qm *f = fake_new(test);
		struct hacc_stream *s = stream_new(test, f);
		u8 buf[sizeof(ref) + 1];
		u64 initial, dirty;
		size_t got = 0;
		ssize_t n;

		KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, s), 0);
		KUNIT_ASSERT_PTR_EQ(test, f->mig.saving, s);
		for (;;) {
			KUNIT_ASSERT_EQ(test, precopy_info(s, &initial, &dirty), 0);
			KUNIT_EXPECT_EQ(test, initial, HACC_MIG_MATCH_SIZE - got);
			KUNIT_EXPECT_EQ(test, dirty, 0);
			n = s_read(s, buf + got, chunk);
			if (n == -ENOMSG)
				break;
			KUNIT_ASSERT_GT(test, n, 0);
			KUNIT_EXPECT_EQ(test, n, min(chunk, HACC_MIG_MATCH_SIZE - got));
			got += n;
		}
		KUNIT_EXPECT_EQ(test, got, HACC_MIG_MATCH_SIZE);
		/* the temporary end stays temporary */
		KUNIT_EXPECT_EQ(test, s_read(s, buf, chunk), -ENOMSG);

		KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP_COPY, NULL), 0);
		KUNIT_EXPECT_EQ(test, precopy_info(s, &initial, &dirty), -EINVAL);
		while ((n = s_read(s, buf + got, chunk)) > 0)
			got += n;
		KUNIT_EXPECT_EQ(test, n, 0);
		KUNIT_EXPECT_EQ(test, got, sizeof(ref));
		KUNIT_EXPECT_EQ(test, s_read(s, buf, chunk), 0);
		KUNIT_EXPECT_MEMEQ(test, buf, &ref, sizeof(ref));
	}
}

static void test_saved_record(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);
	struct hacc_mig_data rec;
	int i;

	save_record(test, f, &rec);
	KUNIT_EXPECT_EQ(test, rec.magic, HACC_MIG_MAGIC_V2);
	KUNIT_EXPECT_EQ(test, rec.qp_num, T_QP_NUM);
	KUNIT_EXPECT_EQ(test, rec.qp_base, T_QP_BASE);
	KUNIT_EXPECT_EQ(test, rec.dev_id, HACC_DEVID_ZIP_VF);
	KUNIT_EXPECT_EQ(test, rec.que_iso_cfg, T_ISO);
	KUNIT_EXPECT_EQ(test, rec.vf_state, HACC_VF_STATE_READY);
	KUNIT_EXPECT_EQ(test, rec.major_ver, HACC_MIG_MAJOR_VER);
	KUNIT_EXPECT_EQ(test, rec.aeq_int_mask, 0x11);
	KUNIT_EXPECT_EQ(test, rec.eq_int_mask, 0x22);
	/* Channel words are not read: every loader re-initialises them */
	KUNIT_EXPECT_EQ(test, rec.ifc_int_source, 0);
	KUNIT_EXPECT_EQ(test, rec.ifc_int_mask, 0);
	KUNIT_EXPECT_EQ(test, rec.ifc_int_set, 0);
	KUNIT_EXPECT_EQ(test, rec.page_size, 0x55);
	for (i = 0; i < HACC_XQC_DWORDS; i++) {
		KUNIT_EXPECT_EQ(test, rec.eqc_dw[i], f->vf[HACC_VF_EQC_DW0 / 4 + i]);
		KUNIT_EXPECT_EQ(test, rec.aeqc_dw[i], f->vf[HACC_VF_AEQC_DW0 / 4 + i]);
	}
	KUNIT_EXPECT_EQ(test, rec.eqe_dma, T_EQE_DMA);
	KUNIT_EXPECT_EQ(test, rec.aeqe_dma, T_AEQE_DMA);
	KUNIT_EXPECT_EQ(test, rec.sqc_dma, T_SQC_BT);
	KUNIT_EXPECT_EQ(test, rec.cqc_dma, T_CQC_BT);
	KUNIT_EXPECT_TRUE(test, f->paused);
	KUNIT_EXPECT_EQ(test, f->begins, f->ends);
}

/* A VF no guest driver set up: only the match data travels */
static void test_not_ready(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);
	struct hacc_stream *s = stream_new(test, f);
	struct hacc_mig_data rec;

	f->vf[HACC_VF_STATE / 4] = HACC_VF_STATE_NOT_READY;
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP_COPY, s), 0);
	KUNIT_EXPECT_EQ(test, s_read(s, &rec, sizeof(rec)), HACC_MIG_MATCH_SIZE);
	KUNIT_EXPECT_EQ(test, rec.vf_state, HACC_VF_STATE_NOT_READY);
	KUNIT_EXPECT_EQ(test, s_read(s, &rec, sizeof(rec)), 0);
	KUNIT_EXPECT_EQ(test, f->mb_cmds[HACC_MB_CMD_SQC_BT], 0);
}

static void test_resume_every_chunk(struct kunit *test)
{
	struct hacc_mig_data ref;
	size_t chunk;
	int i;

	save_record(test, fake_new(test), &ref);

	for (chunk = 1; chunk <= sizeof(ref); chunk++) {
		struct fake_qm *d = fake_new_blank(test);
		struct hacc_stream *s = stream_new(test, d);
		size_t done = 0;

		KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
		KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RESUMING, s), 0);
		while (done < sizeof(ref)) {
			size_t n = min(chunk, sizeof(ref) - done);

			KUNIT_ASSERT_EQ(test, s_write(s, (u8 *)&ref + done, n), 0);
			done += n;
		}
		d->vf[HACC_IFC_INT_MASK / 4] = 1;
		KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
		KUNIT_EXPECT_TRUE(test, s->disabled);
		KUNIT_EXPECT_NULL(test, d->mig.resuming);
		KUNIT_EXPECT_EQ(test, d->vf[HACC_VF_STATE / 4], HACC_VF_STATE_READY);
		KUNIT_EXPECT_EQ(test, d->vf[HACC_AEQ_INT_MASK / 4], 0x11);
		KUNIT_EXPECT_EQ(test, d->vf[HACC_EQ_INT_MASK / 4], 0x22);
		KUNIT_EXPECT_EQ(test, d->vf[HACC_QUE_ISO_CFG / 4], T_ISO);
		KUNIT_EXPECT_EQ(test, d->vf[HACC_PAGE_SIZE / 4], 0x55);
		for (i = 0; i < HACC_XQC_DWORDS; i++) {
			KUNIT_EXPECT_EQ(test, d->vf[HACC_VF_EQC_DW0 / 4 + i], ref.eqc_dw[i]);
			KUNIT_EXPECT_EQ(test, d->vf[HACC_VF_AEQC_DW0 / 4 + i], ref.aeqc_dw[i]);
		}
		KUNIT_EXPECT_EQ(test, d->sqc_bt, T_SQC_BT);
		KUNIT_EXPECT_EQ(test, d->cqc_bt, T_CQC_BT);

		/*
		 * STOP -> RUNNING re-opens the PF<->VF channel (ending the
		 * pause) and restarts every queue of the VF
		 */
		KUNIT_EXPECT_EQ(test, d->vf[HACC_IFC_INT_MASK / 4], 1);
		KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RUNNING, NULL), 0);
		KUNIT_EXPECT_EQ(test, d->vf[HACC_IFC_INT_SOURCE / 4], 1);
		KUNIT_EXPECT_EQ(test, d->vf[HACC_IFC_INT_MASK / 4], 0);
		KUNIT_EXPECT_EQ(test, d->doorbells, T_QP_NUM);
		KUNIT_EXPECT_EQ(test, d->last_db[1],
				1 | (u64)HACC_DB_CMD_SQ << HACC_DB_CMD_SHIFT |
				1ull << HACC_DB_PRIORITY_SHIFT);
	}
}

/* The match header is judged by the write that completes it */
static void test_resume_reject_early(struct kunit *test)
{
	struct fake_qm *d = fake_new_blank(test);
	struct hacc_stream *s = stream_new(test, d);
	struct hacc_mig_data ref;
	unsigned int writes;

	save_record(test, fake_new(test), &ref);
	d->vft[T_FN] = vft_entry(T_QP_BASE, T_QP_NUM - 1);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RESUMING, s), 0);
	writes = d->dev_writes;

	KUNIT_EXPECT_EQ(test, s_write(s, &ref, 39), 0);
	KUNIT_EXPECT_EQ(test, s_write(s, (u8 *)&ref + 39, 2), -EPROTO);
	KUNIT_EXPECT_EQ(test, s_write(s, (u8 *)&ref + 41, 10), -EPROTO);
	KUNIT_EXPECT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), -EPROTO);
	KUNIT_EXPECT_EQ(test, d->mig.state, VFIO_DEVICE_STATE_RESUMING);
	KUNIT_EXPECT_EQ(test, d->dev_writes, writes);
	KUNIT_EXPECT_EQ(test, d->mig.stats.rejects, 1);

	/* only a reset leaves a rejected RESUMING */
	hacc_mig_reset(&d->mig);
	KUNIT_EXPECT_EQ(test, d->mig.state, VFIO_DEVICE_STATE_RUNNING);
	KUNIT_EXPECT_TRUE(test, s->disabled);
}

/*
 * A header check that cannot run (PF reset in progress, queue table not
 * ready) is no verdict on the data: the write fails, is not kept, and the
 * same bytes written again are checked and loaded.
 */
static void test_resume_transient(struct kunit *test)
{
	struct fake_qm *d = fake_new_blank(test);
	struct hacc_stream *s = stream_new(test, d);
	struct hacc_mig_data ref;

	save_record(test, fake_new(test), &ref);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RESUMING, s), 0);

	d->begin_err = -EAGAIN;
	KUNIT_EXPECT_EQ(test, s_write(s, &ref, HACC_MIG_MATCH_SIZE), -EAGAIN);
	KUNIT_EXPECT_EQ(test, s->avail, 0);
	d->begin_err = 0;
	KUNIT_EXPECT_EQ(test, s_write(s, &ref, HACC_MIG_MATCH_SIZE), 0);
	KUNIT_EXPECT_EQ(test, s_write(s, (u8 *)&ref + HACC_MIG_MATCH_SIZE,
				      sizeof(ref) - HACC_MIG_MATCH_SIZE), 0);
	KUNIT_EXPECT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_EXPECT_EQ(test, d->mig.stats.rejects, 0);
	KUNIT_EXPECT_EQ(test, d->mig.stats.loads, 1);
}

static void test_resume_bad_lengths(struct kunit *test)
{
	struct hacc_mig_data ref;
	u8 big[HACC_MIG_DATA_SIZE + 1] = {};
	static const size_t lens[] = { 0, 1, 39, 41, 100, 175 };
	struct fake_qm *d;
	struct hacc_stream *s;
	unsigned int writes;
	int i;

	save_record(test, fake_new(test), &ref);
	memcpy(big, &ref, sizeof(ref));

	/* more than one record is refused, whatever the chunking */
	d = fake_new_blank(test);
	s = stream_new(test, d);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RESUMING, s), 0);
	KUNIT_EXPECT_EQ(test, s_write(s, big, sizeof(big)), -EFBIG);
	d = fake_new_blank(test);
	s = stream_new(test, d);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RESUMING, s), 0);
	KUNIT_EXPECT_EQ(test, s_write(s, big, sizeof(ref)), 0);
	KUNIT_EXPECT_EQ(test, s_write(s, big, 1), -EFBIG);
	KUNIT_EXPECT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), -EFBIG);

	/* truncated streams load nothing */
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		d = fake_new_blank(test);
		s = stream_new(test, d);
		KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
		KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RESUMING, s), 0);
		writes = d->dev_writes;
		if (lens[i])
			KUNIT_EXPECT_EQ(test, s_write(s, &ref, lens[i]), 0);
		KUNIT_EXPECT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), -ENODATA);
		KUNIT_EXPECT_EQ(test, d->dev_writes, writes);
	}

	/* the match data alone is a complete stream that loads nothing */
	d = fake_new_blank(test);
	s = stream_new(test, d);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RESUMING, s), 0);
	writes = d->dev_writes;
	KUNIT_EXPECT_EQ(test, s_write(s, &ref, HACC_MIG_MATCH_SIZE), 0);
	KUNIT_EXPECT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_EXPECT_EQ(test, d->dev_writes, writes);
}

static void test_resume_v1(struct kunit *test)
{
	struct fake_qm *d = fake_new_blank(test);
	struct hacc_stream *s = stream_new(test, d);
	struct hacc_mig_data rec;

	save_record(test, fake_new(test), &rec);
	rec.magic = HACC_MIG_MAGIC_V1;
	rec.major_ver = 0;
	rec.minor_ver = 0;
	rec.eqe_dma = 0;		/* as a V1 writer could leave them */
	rec.aeqe_dma = 0x5;
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RESUMING, s), 0);
	KUNIT_ASSERT_EQ(test, s_write(s, &rec, sizeof(rec)), 0);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_EXPECT_EQ(test, d->mig.last.eqe_dma, T_EQE_DMA);
	KUNIT_EXPECT_EQ(test, d->mig.last.aeqe_dma, T_AEQE_DMA);
	KUNIT_EXPECT_EQ(test, d->mig.stats.loads, 1);
	KUNIT_EXPECT_EQ(test, d->sqc_bt, T_SQC_BT);
}

/* Each failure cause has its own errno */
static void test_errnos(struct kunit *test)
{
	struct fake_qm *f;
	struct hacc_stream *s;
	u64 a, b;

	f = fake_new(test);
	f->mb_stuck = true;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_RUNNING);

	f = fake_new(test);
	f->mb_fail_cmd = HACC_MB_CMD_PAUSE_QM + 1;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), -EIO);

	f = fake_new(test);
	f->pf_abnormal = 0x4;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), -EBUSY);

	f = fake_new(test);
	f->wb_stuck = true;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), -ETIMEDOUT);

	f = fake_new(test);
	f->begin_err = -EAGAIN;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), -EAGAIN);
	KUNIT_EXPECT_EQ(test, f->ends, 0);

	f = fake_new(test);
	f->vft[T_FN] = 0;
	s = stream_new(test, f);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, s), -ENXIO);
	KUNIT_EXPECT_NULL(test, f->mig.saving);

	/*
	 * precopy info: -EINVAL outside PRE_COPY even on a disabled file,
	 * -ENODEV for a file of an earlier session once in PRE_COPY again
	 */
	f = fake_new(test);
	s = stream_new(test, f);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, s), 0);
	KUNIT_EXPECT_EQ(test, precopy_info(s, &a, &b), 0);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING, NULL), 0);
	KUNIT_EXPECT_EQ(test, precopy_info(s, &a, &b), -EINVAL);
	KUNIT_EXPECT_EQ(test, s_read(s, &a, sizeof(a)), -ENODEV);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY,
				   stream_new(test, f)), 0);
	KUNIT_EXPECT_EQ(test, precopy_info(s, &a, &b), -ENODEV);

	/*
	 * A failed stop or capture on the way to STOP_COPY changes no device
	 * state and can be retried: from PRE_COPY the VF runs again, from
	 * PRE_COPY_P2P it stays paused as that state has it.
	 */
	f = fake_new(test);
	s = stream_new(test, f);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, s), 0);
	f->wb_stuck = true;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP_COPY, NULL), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_PRE_COPY);
	KUNIT_EXPECT_FALSE(test, f->paused);
	f->wb_stuck = false;
	f->mb_fail_cmd = HACC_MB_CMD_CQC_BT + 1;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP_COPY, NULL), -EIO);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_PRE_COPY);
	KUNIT_EXPECT_FALSE(test, f->paused);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY_P2P, NULL), 0);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP_COPY, NULL), -EIO);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_PRE_COPY_P2P);
	KUNIT_EXPECT_TRUE(test, f->paused);
	KUNIT_EXPECT_FALSE(test, s->final);
	f->mb_fail_cmd = 0;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP_COPY, NULL), 0);
	KUNIT_EXPECT_TRUE(test, s->final);
	KUNIT_EXPECT_EQ(test, s->avail, (size_t)HACC_MIG_DATA_SIZE);
	KUNIT_EXPECT_EQ(test, f->begins, f->ends);
}

/* Every arc vfio_mig_get_next_state() can ask for, and nothing else */
static void test_every_arc(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);
	struct hacc_stream *s1 = stream_new(test, f);
	struct hacc_stream *s2 = stream_new(test, f);
	struct hacc_stream *s3 = stream_new(test, f);
	struct hacc_stream *s4 = stream_new(test, f);

	/* RUNNING -> STOP -> RUNNING */
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_EXPECT_TRUE(test, f->paused);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING, NULL), 0);
	KUNIT_EXPECT_EQ(test, f->doorbells, 0);

	/* RUNNING -> PRE_COPY -> RUNNING */
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, s1), 0);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING, NULL), 0);
	KUNIT_EXPECT_TRUE(test, s1->disabled);
	KUNIT_EXPECT_NULL(test, f->mig.saving);

	/* RUNNING -> PRE_COPY -> STOP_COPY -> STOP -> RUNNING */
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, s2), 0);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP_COPY, NULL), 0);
	KUNIT_EXPECT_FALSE(test, s2->disabled);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_EXPECT_TRUE(test, s2->disabled);
	/* the source resumes: EQ and AEQ re-armed at the saved heads */
	f->doorbells = 0;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING, NULL), 0);
	KUNIT_EXPECT_EQ(test, f->doorbells, 2);
	KUNIT_EXPECT_EQ(test, f->last_db[0],
			(u64)HACC_DB_CMD_EQ << HACC_DB_CMD_SHIFT |
			(u64)(0xe0000 & 0xffff) << HACC_DB_INDEX_SHIFT);

	/* STOP -> STOP_COPY -> STOP, STOP -> RESUMING -> STOP */
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP_COPY, s3), 0);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_RESUMING, s4), 0);
	KUNIT_EXPECT_EQ(test, s_write(s4, &s3->rec, sizeof(s3->rec)), 0);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_STOP);

	/* arcs the core never asks for, and stream misuse */
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP_COPY, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY_P2P, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_STOP);
	KUNIT_EXPECT_EQ(test, f->begins, f->ends);
}

/* The P2P arcs without a stream: pause on the way in, drain only at STOP */
static void test_p2p_running(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);

	/* RUNNING -> RUNNING_P2P pauses and does nothing more */
	f->wb_stuck = true;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING_P2P, NULL), 0);
	KUNIT_EXPECT_EQ(test, f->mb_cmds[HACC_MB_CMD_PAUSE_QM], 1);
	KUNIT_EXPECT_TRUE(test, f->paused);
	KUNIT_EXPECT_TRUE(test, f->mig.quiesced);
	KUNIT_EXPECT_EQ(test, f->doorbells, 0);

	/* RUNNING_P2P -> STOP writes the cache back: a stuck one fails */
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_RUNNING_P2P);
	f->wb_stuck = false;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_EXPECT_EQ(test, f->mb_cmds[HACC_MB_CMD_PAUSE_QM], 1);

	/*
	 * STOP -> RUNNING_P2P: nothing released the pause, so no new
	 * PAUSE_QM; RUNNING_P2P -> RUNNING releases it
	 */
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING_P2P, NULL), 0);
	KUNIT_EXPECT_EQ(test, f->mb_cmds[HACC_MB_CMD_PAUSE_QM], 1);
	KUNIT_EXPECT_TRUE(test, f->mig.quiesced);
	/* the pause ends, the guest's channel (masked, one pending) stays */
	f->vf[HACC_IFC_INT_MASK / 4] = 1;
	f->vf[HACC_IFC_INT_SOURCE / 4] = 0x2;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING, NULL), 0);
	KUNIT_EXPECT_EQ(test, f->vf[HACC_IFC_INT_MASK / 4], 1);
	KUNIT_EXPECT_EQ(test, f->vf[HACC_IFC_INT_SOURCE / 4], 0x2);
	KUNIT_EXPECT_FALSE(test, f->paused);
	KUNIT_EXPECT_FALSE(test, f->mig.quiesced);
	KUNIT_EXPECT_EQ(test, f->doorbells, 0);

	/* A failed pause leaves the state alone */
	f->mb_fail_cmd = HACC_MB_CMD_PAUSE_QM + 1;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING_P2P, NULL), -EIO);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_RUNNING);
	KUNIT_EXPECT_EQ(test, f->begins, f->ends);
}

/*
 * Mailbox budgets are those of the QM driver: a command that takes a few
 * milliseconds (PAUSE_QM waits for the VF's tasks) completes.  A pause
 * that was posted and never completed may still take effect, so the VF's
 * state is unknown: ERROR, until a reset.  One busy before the command
 * posted nothing and leaves the state alone.
 */
static void test_mailbox_budget(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);
	struct hacc_stream *s = stream_new(test, f);

	f->mb_slow = 300;	/* at least 3 ms of polling */
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING_P2P, NULL), 0);
	KUNIT_EXPECT_TRUE(test, f->paused);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING, NULL), 0);
	f->mb_slow = 0;

	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, s), 0);
	f->mb_stuck = true;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY_P2P, NULL), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_PRE_COPY);
	f->mb_stuck = false;

	f->mb_hang = true;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY_P2P, NULL), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_ERROR);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING, NULL), -EINVAL);
	f->mb_hang = false;
	f->mb_busy_left = 0;
	hacc_mig_reset(&f->mig);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_RUNNING);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING_P2P, NULL), 0);

	/*
	 * A capture's command lost: the arc fails and can be left.  A later
	 * pause finds the mailbox still busy, posts nothing and leaves the
	 * state alone: only a pause that was itself lost means ERROR.
	 */
	f = fake_new(test);
	s = stream_new(test, f);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, s), 0);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY_P2P, NULL), 0);
	f->mb_hang = true;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP_COPY, NULL), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_PRE_COPY_P2P);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING, NULL), 0);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING_P2P, NULL), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_RUNNING);
	KUNIT_EXPECT_EQ(test, f->mb_cmds[HACC_MB_CMD_PAUSE_QM], 1);
}

/*
 * A mailbox result is taken from the same (128-bit) read that said the
 * command was done, never by 32-bit reads of the result registers.
 */
static void test_mailbox_wide_read(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);
	struct hacc_mig_data rec;

	f->mb_wide_only = true;
	save_record(test, f, &rec);
	KUNIT_EXPECT_EQ(test, rec.sqc_dma, T_SQC_BT);
	KUNIT_EXPECT_EQ(test, rec.cqc_dma, T_CQC_BT);
}

/*
 * Only a command that returns data waits with reads of the four mailbox
 * words (status and result from one access); waiting for any other
 * command, or for an idle mailbox, reads the status word alone.
 */
static void test_mailbox_status_polls(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);
	struct hacc_mig_data rec;

	/*
	 * RUNNING -> STOP: idle check, PAUSE_QM busy for three polls, none of
	 * them wide; STOP -> STOP_COPY: SQC_BT and CQC_BT reads, each busy
	 * for three polls and done at the fourth, all wide.
	 */
	f->mb_slow = 3;
	save_record(test, f, &rec);
	KUNIT_EXPECT_EQ(test, f->mb_wide_reads, 2 * (3 + 1));
	KUNIT_EXPECT_EQ(test, rec.sqc_dma, T_SQC_BT);
	KUNIT_EXPECT_EQ(test, rec.cqc_dma, T_CQC_BT);
}

/*
 * The match header is read from the PF once: a second PRE_COPY reads
 * nothing, nor does one after a reset of the VF or a new session.
 */
static void test_match_once(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);
	struct hacc_mig_stats a;
	struct hacc_mig_data rec;

	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, stream_new(test, f)), 0);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING, NULL), 0);
	a = f->mig.stats;
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, stream_new(test, f)), 0);
	KUNIT_EXPECT_EQ(test, f->mig.stats.mmio_reads, a.mmio_reads);
	KUNIT_EXPECT_EQ(test, f->mig.stats.mmio_writes, a.mmio_writes);
	KUNIT_EXPECT_EQ(test, s_read(f->mig.saving, &rec, HACC_MIG_MATCH_SIZE),
			(ssize_t)HACC_MIG_MATCH_SIZE);
	KUNIT_EXPECT_EQ(test, rec.qp_num, T_QP_NUM);
	KUNIT_EXPECT_EQ(test, rec.qp_base, T_QP_BASE);
	KUNIT_EXPECT_EQ(test, rec.que_iso_cfg, T_ISO);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING, NULL), 0);

	hacc_mig_reset(&f->mig);
	hacc_mig_close(&f->mig);
	hacc_mig_open(&f->mig);
	a = f->mig.stats;
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, stream_new(test, f)), 0);
	KUNIT_EXPECT_EQ(test, f->mig.stats.mmio_reads, a.mmio_reads);
	KUNIT_EXPECT_EQ(test, f->mig.stats.mmio_writes, a.mmio_writes);
}

/*
 * ops->begin (the PF's reset bit and the memory-decoding check) is taken
 * only by arcs that reach the device: not for a match header already
 * known, nor for STOP -> RUNNING_P2P on a VF still paused.
 */
static void test_begin_when_needed(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);
	struct fake_qm *d = fake_new(test);
	struct hacc_mig_data ref;
	struct hacc_stream *s;
	unsigned int b;

	/* the first capture of the match header reads the PF */
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, stream_new(test, f)), 0);
	KUNIT_EXPECT_EQ(test, f->begins, 1);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING, NULL), 0);
	/* a PF reset running: an arc without device access goes on */
	f->begin_err = -EAGAIN;
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, stream_new(test, f)), 0);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY_P2P, NULL), -EAGAIN);
	f->begin_err = 0;
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY_P2P, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP_COPY, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_EXPECT_EQ(test, f->begins, 3);
	/* still paused: RUNNING_P2P needs nothing of the device */
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING_P2P, NULL), 0);
	KUNIT_EXPECT_EQ(test, f->begins, 3);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING, NULL), 0);
	KUNIT_EXPECT_EQ(test, f->begins, 4);
	KUNIT_EXPECT_FALSE(test, f->paused);
	KUNIT_EXPECT_EQ(test, f->begins, f->ends);

	/* a destination checks a header against its own, read once */
	save_record(test, fake_new(test), &ref);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	s = stream_new(test, d);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RESUMING, s), 0);
	KUNIT_EXPECT_EQ(test, s_write(s, &ref, HACC_MIG_MATCH_SIZE), 0);
	KUNIT_EXPECT_EQ(test, d->begins, 2);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	b = d->begins;
	s = stream_new(test, d);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RESUMING, s), 0);
	d->begin_err = -EAGAIN;
	KUNIT_EXPECT_EQ(test, s_write(s, &ref, sizeof(ref)), 0);
	KUNIT_EXPECT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), -EAGAIN);
	d->begin_err = 0;
	KUNIT_EXPECT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_EXPECT_EQ(test, d->begins, b + 1);
	KUNIT_EXPECT_EQ(test, d->mig.stats.loads, 1);
	KUNIT_EXPECT_EQ(test, d->begins, d->ends);
}

/* PRE_COPY_P2P: the stream and PRECOPY_INFO behave as in PRE_COPY */
static void test_p2p_precopy(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);
	struct hacc_stream *s1 = stream_new(test, f);
	struct hacc_stream *s2 = stream_new(test, f);
	struct hacc_mig_data rec;
	u64 initial, dirty;
	u8 hdr[HACC_MIG_MATCH_SIZE];

	/* RUNNING -> PRE_COPY -> PRE_COPY_P2P -> PRE_COPY -> PRE_COPY_P2P */
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, s1), 0);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY_P2P, NULL), 0);
	KUNIT_EXPECT_TRUE(test, f->paused);
	KUNIT_EXPECT_EQ(test, precopy_info(s1, &initial, &dirty), 0);
	KUNIT_EXPECT_EQ(test, initial, HACC_MIG_MATCH_SIZE);
	KUNIT_EXPECT_EQ(test, s_read(s1, hdr, 8), 8);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, NULL), 0);
	KUNIT_EXPECT_FALSE(test, f->mig.quiesced);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY_P2P, NULL), 0);
	KUNIT_EXPECT_EQ(test, precopy_info(s1, &initial, &dirty), 0);
	KUNIT_EXPECT_EQ(test, initial, HACC_MIG_MATCH_SIZE - 8);
	KUNIT_EXPECT_EQ(test, s_read(s1, hdr, sizeof(hdr)),
			(ssize_t)(HACC_MIG_MATCH_SIZE - 8));
	KUNIT_EXPECT_EQ(test, s_read(s1, hdr, sizeof(hdr)), -ENOMSG);

	/* PRE_COPY_P2P -> RUNNING_P2P closes the stream, info is refused */
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING_P2P, NULL), 0);
	KUNIT_EXPECT_TRUE(test, s1->disabled);
	KUNIT_EXPECT_NULL(test, f->mig.saving);
	KUNIT_EXPECT_EQ(test, precopy_info(s1, &initial, &dirty), -EINVAL);

	/* RUNNING_P2P -> PRE_COPY_P2P opens one; -> STOP_COPY completes it */
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY_P2P, NULL), -EINVAL);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY_P2P, s2), 0);
	KUNIT_EXPECT_EQ(test, precopy_info(s2, &initial, &dirty), 0);
	KUNIT_EXPECT_EQ(test, initial, HACC_MIG_MATCH_SIZE);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP_COPY, NULL), 0);
	KUNIT_EXPECT_EQ(test, f->mb_cmds[HACC_MB_CMD_PAUSE_QM], 2);
	KUNIT_EXPECT_EQ(test, precopy_info(s2, &initial, &dirty), -EINVAL);
	KUNIT_EXPECT_EQ(test, s_read(s2, &rec, sizeof(rec)), (ssize_t)sizeof(rec));
	KUNIT_EXPECT_EQ(test, rec.eqe_dma, T_EQE_DMA);
	KUNIT_EXPECT_EQ(test, s_read(s2, &rec, sizeof(rec)), 0);

	/* The source gives up: STOP -> RUNNING_P2P -> RUNNING re-arms */
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING_P2P, NULL), 0);
	KUNIT_EXPECT_EQ(test, f->doorbells, 0);
	KUNIT_EXPECT_EQ(test, step(f, VFIO_DEVICE_STATE_RUNNING, NULL), 0);
	KUNIT_EXPECT_EQ(test, f->doorbells, 2);
	KUNIT_EXPECT_EQ(test, f->begins, f->ends);
}

/* The destination with P2P: queues are kicked only on the way to RUNNING */
static void test_p2p_resume(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);
	struct fake_qm *d = fake_new_blank(test);
	struct hacc_stream *s = stream_new(test, d);
	struct hacc_mig_data rec;

	save_record(test, f, &rec);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RUNNING_P2P, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RESUMING, s), 0);
	KUNIT_ASSERT_EQ(test, s_write(s, &rec, sizeof(rec)), 0);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	/* The load leaves the VF paused: no second PAUSE_QM on the way up */
	KUNIT_EXPECT_TRUE(test, d->mig.quiesced);
	KUNIT_EXPECT_EQ(test, step(d, VFIO_DEVICE_STATE_RUNNING_P2P, NULL), 0);
	KUNIT_EXPECT_EQ(test, d->mb_cmds[HACC_MB_CMD_PAUSE_QM], 1);
	KUNIT_EXPECT_EQ(test, d->doorbells, 0);
	KUNIT_EXPECT_EQ(test, step(d, VFIO_DEVICE_STATE_RUNNING, NULL), 0);
	KUNIT_EXPECT_EQ(test, d->doorbells, rec.qp_num);
	KUNIT_EXPECT_EQ(test, d->vf[HACC_IFC_INT_MASK / 4], 0);
	KUNIT_EXPECT_FALSE(test, d->mig.quiesced);
}

/* Above QM V3 the queue contexts are read and written in the PF window */
static void test_pf_window(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);
	struct fake_qm *d = fake_new_blank(test);
	struct hacc_stream *s = stream_new(test, d);
	struct hacc_mig_data rec;
	int i;

	hacc_mig_use_pf_window(&f->mig, true);
	hacc_mig_use_pf_window(&d->mig, true);
	for (i = 0; i < HACC_XQC_DWORDS; i++) {
		f->vf[HACC_PF_MIG_EQC_DW0 / 4 + i] = f->vf[HACC_VF_EQC_DW0 / 4 + i];
		f->vf[HACC_PF_MIG_AEQC_DW0 / 4 + i] = f->vf[HACC_VF_AEQC_DW0 / 4 + i] + 1;
		f->vf[HACC_VF_EQC_DW0 / 4 + i] = 0xffffffff;
		f->vf[HACC_VF_AEQC_DW0 / 4 + i] = 0xffffffff;
	}
	save_record(test, f, &rec);
	for (i = 0; i < HACC_XQC_DWORDS; i++) {
		KUNIT_EXPECT_EQ(test, rec.eqc_dw[i], f->vf[HACC_PF_MIG_EQC_DW0 / 4 + i]);
		KUNIT_EXPECT_EQ(test, rec.aeqc_dw[i], f->vf[HACC_PF_MIG_AEQC_DW0 / 4 + i]);
	}
	KUNIT_EXPECT_EQ(test, rec.eqe_dma, T_EQE_DMA);

	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RESUMING, s), 0);
	KUNIT_ASSERT_EQ(test, s_write(s, &rec, sizeof(rec)), 0);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	for (i = 0; i < HACC_XQC_DWORDS; i++) {
		KUNIT_EXPECT_EQ(test, d->vf[HACC_PF_MIG_EQC_DW0 / 4 + i], rec.eqc_dw[i]);
		KUNIT_EXPECT_EQ(test, d->vf[HACC_PF_MIG_AEQC_DW0 / 4 + i], rec.aeqc_dw[i]);
		KUNIT_EXPECT_EQ(test, d->vf[HACC_VF_EQC_DW0 / 4 + i], 0);
	}
}

/*
 * Device accesses on the downtime path.  With P2P offered, vfio core never
 * asks for PRE_COPY -> STOP_COPY: it walks PRE_COPY -> PRE_COPY_P2P (while
 * the other devices of the VM still run) -> STOP_COPY.  Both arcs count.
 */
static void test_downtime_cost(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);
	struct hacc_stream *s = stream_new(test, f);
	struct hacc_mig_stats before, mid;

	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, s), 0);
	before = f->mig.stats;
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY_P2P, NULL), 0);
	mid = f->mig.stats;
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_STOP_COPY, NULL), 0);
	/* The pause: mailbox idle check and completion, one command */
	KUNIT_EXPECT_EQ(test, mid.mmio_reads - before.mmio_reads, 2);
	KUNIT_EXPECT_EQ(test, mid.mmio_writes - before.mmio_writes, 4);
	KUNIT_EXPECT_EQ(test, mid.mailbox - before.mailbox, 1);
	/*
	 * Both arcs.  Reads: mailbox idle check 1, PAUSE completion 1, four
	 * drained status registers, write-back done 1, VF_STATE 1, 3
	 * registers (interrupt masks, page size), 14 context words, two
	 * mailbox completions with their results in the same read (2).
	 * Writes: three mailbox commands of four words, write-back start.
	 * PF queue table and isolation registers are not read again, nor
	 * the PF<->VF channel words.
	 */
	KUNIT_EXPECT_EQ(test, f->mig.stats.mmio_reads - before.mmio_reads, 27);
	KUNIT_EXPECT_EQ(test, f->mig.stats.mmio_writes - before.mmio_writes, 13);
	KUNIT_EXPECT_EQ(test, f->mig.stats.mailbox - before.mailbox, 3);
}

/*
 * Destination side of the downtime path.  The mailbox was seen idle by the
 * PAUSE_QM of RUNNING -> RUNNING_P2P and nobody may touch the VF in the
 * P2P states, STOP or RESUMING, so the load does not poll it again.
 */
static void test_resume_cost(struct kunit *test)
{
	struct fake_qm *d = fake_new_blank(test);
	struct hacc_stream *s = stream_new(test, d);
	struct hacc_mig_stats before;
	struct hacc_mig_data rec;

	save_record(test, fake_new(test), &rec);
	/* the destination's way down with P2P: RUNNING -> RUNNING_P2P -> STOP */
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RUNNING_P2P, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RESUMING, s), 0);
	KUNIT_ASSERT_EQ(test, s_write(s, &rec, sizeof(rec)), 0);
	before = d->mig.stats;
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_STOP, NULL), 0);
	/*
	 * Reads: the two mailbox completions.  Writes: VF_STATE, 2 masks,
	 * isolation, page size, 14 context words, two mailbox commands of
	 * four words (the PF<->VF channel is re-opened at STOP -> RUNNING).
	 */
	KUNIT_EXPECT_EQ(test, d->mig.stats.mmio_reads - before.mmio_reads, 2);
	KUNIT_EXPECT_EQ(test, d->mig.stats.mmio_writes - before.mmio_writes, 27);
	KUNIT_EXPECT_EQ(test, d->mig.stats.mailbox - before.mailbox, 2);
	KUNIT_EXPECT_EQ(test, d->sqc_bt, T_SQC_BT);

	/*
	 * A guest that ran since then may have left a command in flight.
	 * The way back and down again is the one vfio core walks with P2P:
	 * STOP -> RUNNING_P2P -> RUNNING -> RUNNING_P2P.
	 */
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RUNNING_P2P, NULL), 0);
	KUNIT_ASSERT_EQ(test, step(d, VFIO_DEVICE_STATE_RUNNING, NULL), 0);
	d->mb_stuck = true;
	KUNIT_EXPECT_EQ(test, step(d, VFIO_DEVICE_STATE_RUNNING_P2P, NULL), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, d->mb_cmds[HACC_MB_CMD_PAUSE_QM], 1);
}

/* reset_done closes the session, also when it has to be deferred */
static void test_reset(struct kunit *test)
{
	struct fake_qm *f = fake_new(test);
	struct hacc_stream *s = stream_new(test, f);
	struct hacc_mig_stats before;
	u8 buf[8];

	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, s), 0);
	hacc_mig_reset(&f->mig);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_RUNNING);
	KUNIT_EXPECT_NULL(test, f->mig.saving);
	KUNIT_EXPECT_EQ(test, s_read(s, buf, sizeof(buf)), -ENODEV);

	s = stream_new(test, f);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, s), 0);
	mutex_lock(&f->mig.state_mutex);
	hacc_mig_reset(&f->mig);	/* cannot take the mutex: deferred */
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_PRE_COPY);
	KUNIT_EXPECT_FALSE(test, s->disabled);
	hacc_mig_unlock(&f->mig);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_RUNNING);
	KUNIT_EXPECT_TRUE(test, s->disabled);
	KUNIT_EXPECT_EQ(test, f->mig.stats.resets, 2);

	/*
	 * A reset between two arcs of one request (RUNNING -> STOP through
	 * RUNNING_P2P) ends the request: the rest of the walk would run on
	 * the reset VF, and the deferred reset would then call a paused VF
	 * RUNNING.
	 */
	mutex_lock(&f->mig.state_mutex);
	KUNIT_EXPECT_EQ(test, hacc_mig_step(&f->mig, VFIO_DEVICE_STATE_RUNNING_P2P, NULL), 0);
	hacc_mig_reset(&f->mig);	/* deferred */
	before = f->mig.stats;
	KUNIT_EXPECT_EQ(test, hacc_mig_step(&f->mig, VFIO_DEVICE_STATE_STOP, NULL),
			-ECANCELED);
	KUNIT_EXPECT_EQ(test, f->mig.stats.mmio_reads, before.mmio_reads);
	KUNIT_EXPECT_EQ(test, f->mig.stats.mmio_writes, before.mmio_writes);
	KUNIT_EXPECT_EQ(test, f->mig.stats.mailbox, before.mailbox);
	hacc_mig_unlock(&f->mig);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_RUNNING);
	KUNIT_EXPECT_FALSE(test, f->mig.quiesced);
	KUNIT_EXPECT_EQ(test, f->mig.stats.resets, 3);

	/* open and close start from scratch and release the streams */
	s = stream_new(test, f);
	KUNIT_ASSERT_EQ(test, step(f, VFIO_DEVICE_STATE_PRE_COPY, s), 0);
	hacc_mig_close(&f->mig);
	KUNIT_EXPECT_TRUE(test, s->disabled);
	KUNIT_EXPECT_FALSE(test, f->mig.open);
	hacc_mig_open(&f->mig);
	KUNIT_EXPECT_EQ(test, f->mig.state, VFIO_DEVICE_STATE_RUNNING);
	KUNIT_EXPECT_TRUE(test, f->mig.open);
}

static struct kunit_case hacc_cases[] = {
	KUNIT_CASE(test_layout),
	KUNIT_CASE(test_vft_decode),
	KUNIT_CASE(test_vft_read_interleaved),
	KUNIT_CASE(test_header_check),
	KUNIT_CASE(test_body_check_v1),
	KUNIT_CASE(test_saved_record),
	KUNIT_CASE(test_precopy_every_size),
	KUNIT_CASE(test_not_ready),
	KUNIT_CASE(test_resume_every_chunk),
	KUNIT_CASE(test_resume_reject_early),
	KUNIT_CASE(test_resume_transient),
	KUNIT_CASE(test_resume_bad_lengths),
	KUNIT_CASE(test_resume_v1),
	KUNIT_CASE(test_errnos),
	KUNIT_CASE(test_every_arc),
	KUNIT_CASE(test_p2p_running),
	KUNIT_CASE(test_mailbox_budget),
	KUNIT_CASE(test_mailbox_wide_read),
	KUNIT_CASE(test_mailbox_status_polls),
	KUNIT_CASE(test_match_once),
	KUNIT_CASE(test_begin_when_needed),
	KUNIT_CASE(test_p2p_precopy),
	KUNIT_CASE(test_p2p_resume),
	KUNIT_CASE(test_pf_window),
	KUNIT_CASE(test_downtime_cost),
	KUNIT_CASE(test_resume_cost),
	KUNIT_CASE(test_reset),
	{}
};

static struct kunit_suite hacc_suite = {
	.name = "hisi_acc_vfio_pci",
	.test_cases = hacc_cases,
};

kunit_test_suite(hacc_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for hisi_acc_vfio_pci");
MODULE_INFO(import_ns, "EXPORTED_FOR_KUNIT_TESTING");
