// SPDX-License-Identifier: GPL-2.0
/*
 * Migration of a HiSilicon QM VF under load: ZIP jobs in flight on VF A
 * (the job engine of tools/lib/hacc, results checked with zlib) while the
 * VF is migrated to VF B, stopped and resumed, or reset.
 *
 * The program plays a VM and its VMM.  The "guest" is the job engine's
 * submit/reap loop; like a VM's vCPUs it runs while the device is RUNNING
 * or PRE_COPY and stands still from the stop (STOP_COPY, STOP, RESUMING,
 * the P2P states) until the device runs again.  A and B share one IOVA
 * space layout: after A's state went to B, hl_fn_move() maps every DMA
 * area of the function at the same IOVA for B and moves the MSI eventfd
 * there, so the guest goes on with the same queues, rings and buffers, as
 * a migrated VM finds its memory.
 *
 * Every job must complete exactly once with the right output: before the
 * stop on A or after the resume on B.  The engine counts a CQE that names
 * no job in flight (a job completed twice) as bad, one naming an SQE
 * outside the queue as bad_cqe; a CQE found only after a wait timed out is
 * a lost interrupt.  After the last job the CQ and EQ contexts (read back
 * by mailbox) must show the heads and phases the guest holds, and no
 * further CQE or EQE may appear.  The model's per-function counters (PF
 * BAR 4, HACC_CTL_JOBS_DONE) say which VF ran how many jobs, and neither
 * engine may drop a job (HACC_CTL_JOBS_DROPPED: a job it lost, e.g. under
 * a queue context rewritten or moved while the job ran); a lost job is
 * reported with how many the engines dropped and why.
 *
 * Devices: hacc_mig_load [VF_A [VF_B]] [harness options], or HACC_VF_A and
 * HACC_VF_B.  HACC_LOAD_CYCLES (100): stop/cont cycles of
 * busy.stop_cont_cycles.  Skips on 7.x x86 kernels (no job can run there,
 * see hacc_jobs_test) and where the device offers no P2P states (the P2P
 * arcs).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "hacc_guest.h"
#include "hacc_jobs.h"
#include "hacc_sys.h"
#include "hacc_vfio.h"
#if __has_include("hacc-model-ctl.h")
#include "hacc-model-ctl.h"
#else
#define HACC_CTL_VERSION	0
#define HACC_CTL_FAULT_HOLD	0
#define HACC_CTL_JOBS_FETCHED	0
#define HACC_CTL_JOBS_DONE	0
#define HACC_CTL_EQ_MSIS	0
#define HACC_CTL_JOBS_DROPPED	0
#define HACC_CTL_JOBS_FLUSHED	0
#endif
#include "harness_dev.h"
#include "job_samples.h"

#define REAP_MS		5000
#define PROBE_MS	2000
#define STREAM_MAX	(4 * HACC_MIG_DATA_SIZE)
/* scratch space in a hl_guest buffer for context read-backs */
#define SCRATCH_OFF	0x800

static const char *vf_a, *vf_b;

/* A, B in the model's counters */
enum { ON_A, ON_B };

/* One "VM": the guest's function and jobs, the two VFs, the model. */
struct rig {
	struct hl_dev a, b;
	struct hl_guest ga, gb, *g;	/* g: the VF the guest runs on */
	struct hl_fn fn;
	struct hl_jobs j;
	bool fn_up, j_up, irq, masked, p2p;
	unsigned int k, depth;
	struct hl_model m;
	bool have_model;
	bool hold;			/* x-fault-hold armed for A */
	int fnum[2];			/* model function numbers of A and B */
	__u64 done0[2];			/* their HACC_CTL_JOBS_DONE at set-up */
	__u64 msis0[2];			/* and HACC_CTL_EQ_MSIS */
	__u64 drops0[2];		/* and HACC_CTL_JOBS_DROPPED */
	__u64 idle0[2];			/* and jobs_running(), the engines idle */
	struct sample pool[SAMPLE_POOL];
	unsigned int next;		/* next sample */
	__u8 stream[STREAM_MAX];
};

/* ---- the model's counters ---- */

static __u64 model_ctr(struct rig *r, int vf, unsigned int ctr)
{
	return hl_model_fn_counter(&r->m, r->fnum[vf], ctr);
}

/* Jobs the model completed on A or B since the set-up (0 without it). */
static __u64 jobs_done(struct rig *r, int vf)
{
	return r->have_model ? model_ctr(r, vf, HACC_CTL_JOBS_DONE) - r->done0[vf] : 0;
}

/*
 * Jobs the model's engine of A or B dropped since the set-up (0 without
 * it), and in why the reason of its last drop.
 */
static __u64 jobs_dropped(struct rig *r, int vf, char *why, size_t len)
{
	if (len)
		why[0] = 0;
	return r->have_model ? hl_model_drops(&r->m, r->fnum[vf], why, len) - r->drops0[vf] : 0;
}

/*
 * Jobs lost for the guest (submitted, not completed: in flight when it
 * gave up on them) and of those how many the engines dropped, and why.
 */
static void log_drops(struct __test_metadata *_metadata, struct rig *r)
{
	unsigned long long lost = r->j.st.submitted - r->j.st.completed;
	char why[2][128];
	__u64 a = jobs_dropped(r, ON_A, why[0], sizeof(why[0]));
	__u64 b = jobs_dropped(r, ON_B, why[1], sizeof(why[1]));

	if (!lost && !a && !b)
		return;
	TH_LOG("%llu jobs lost, of which %llu dropped by the engine (A %llu%s%s, B %llu%s%s)",
	       lost, (unsigned long long)(a + b), (unsigned long long)a,
	       a ? ", the last because " : "", a ? why[0] : "",
	       (unsigned long long)b, b ? ", the last because " : "", b ? why[1] : "");
}

/*
 * Jobs fetched by the engine of A or B and neither completed nor flushed
 * by a reset (nor dropped: a drop fails the test by itself), counted from
 * the set-up: the counters run on from earlier tests, where a job that
 * ended otherwise (e.g. dropped while a reset had the function's DMA off,
 * before the model counted that as flushed) left fetched above done for
 * good, which made a later drain case see a job "running" in a paused
 * engine.
 */
static __u64 engine_jobs(struct rig *r, int vf)
{
	return model_ctr(r, vf, HACC_CTL_JOBS_FETCHED) - model_ctr(r, vf, HACC_CTL_JOBS_DONE) -
	       model_ctr(r, vf, HACC_CTL_JOBS_FLUSHED);
}

static __u64 jobs_running(struct rig *r, int vf)
{
	return r->have_model ? engine_jobs(r, vf) - r->idle0[vf] : 0;
}

/* ---- the guest ---- */

static void log_state(struct __test_metadata *_metadata, struct rig *r, const char *what)
{
	char line[320];

	hl_jobs_stats_str(&r->j, line, sizeof(line));
	TH_LOG("%s: %s", what, line);
	if (r->j.st.bad)
		TH_LOG("last bad job: %s", r->j.last_bad);
	TH_LOG("function: irqs %llu eqes %llu lost_irq %llu bad_cqe %llu; model: jobs done on A %llu, on B %llu",
	       r->fn.st.irqs, r->fn.st.eqes, r->fn.st.lost_irq, r->fn.st.bad_cqe,
	       (unsigned long long)jobs_done(r, ON_A), (unsigned long long)jobs_done(r, ON_B));
	/*
	 * An interrupt the guest waited for in vain: did the model send it?
	 * (EQ MSIs counted by the model since the set-up, A and B, against
	 * the EQEs the guest consumed.)
	 */
	if (r->fn.st.lost_irq && r->have_model)
		TH_LOG("lost interrupt: the model sent %llu EQ MSIs on A and %llu on B for the guest's %llu EQEs",
		       (unsigned long long)(model_ctr(r, ON_A, HACC_CTL_EQ_MSIS) - r->msis0[ON_A]),
		       (unsigned long long)(model_ctr(r, ON_B, HACC_CTL_EQ_MSIS) - r->msis0[ON_B]),
		       r->fn.st.eqes);
	log_drops(_metadata, r);
}

/* Submit until want jobs are in flight. */
static void top_up(struct __test_metadata *_metadata, struct rig *r, unsigned int want)
{
	int ret;

	while (r->j.inflight < want) {
		ret = sample_submit(&r->j, &r->pool[r->next % SAMPLE_POOL], r->next);
		if (ret)
			TH_LOG("submit: %s", ret == -EBUSY ? "queue full" : hl_last_error());
		ASSERT_EQ(0, ret);
		r->next++;
	}
}

/*
 * Serve completions once, waiting up to REAP_MS.  With the EQ interrupt
 * masked the guest polls: an EQE still names the CQ, only the MSI stays
 * away.
 */
static int reap(struct rig *r)
{
	double end = now_s() + REAP_MS / 1e3;
	int n;

	if (!r->masked)
		return hl_fn_reap(&r->fn, REAP_MS);
	do {
		n = hl_fn_service(&r->fn);
		if (n)
			return n;
		usleep(50);
	} while (now_s() < end);
	return 0;
}

static void reap_some(struct __test_metadata *_metadata, struct rig *r)
{
	int n = reap(r);

	if (n <= 0) {
		log_state(_metadata, r, "stuck");
		TH_LOG("no completion within %d ms (%d)", REAP_MS, n);
	}
	ASSERT_LT(0, n);
}

/* The vCPU: keep want jobs in flight until n more jobs completed. */
static void pump(struct __test_metadata *_metadata, struct rig *r, unsigned int want,
		 unsigned long long n)
{
	unsigned long long end = r->j.st.completed + n;

	while (r->j.st.completed < end) {
		top_up(_metadata, r, want);
		reap_some(_metadata, r);
	}
}

/* Reap every job in flight. */
static void settle(struct __test_metadata *_metadata, struct rig *r)
{
	while (r->j.inflight)
		reap_some(_metadata, r);
}

/* Counts waiting in the MSI eventfd, taken (0 if none). */
static __u64 irq_take(struct rig *r)
{
	__u64 cnt = 0;

	if (read(r->fn.irq_fd, &cnt, sizeof(cnt)) != sizeof(cnt))
		return 0;
	return cnt;
}

/*
 * Nothing after the last job: no CQE or EQE beyond the guest's heads, and
 * the device's CQ and EQ contexts (read back by mailbox from the VF the
 * guest now runs on) at the heads and phases the guest holds.
 */
static void check_rings(struct __test_metadata *_metadata, struct rig *r)
{
	struct hl_queue *q = &r->j.q;
	struct hl_regs regs;
	__u32 cqc[8], w;
	__u64 addr;

	usleep(20000);		/* time for a stray completion to show */
	w = __atomic_load_n(&q->cq[q->cq_head].w7, __ATOMIC_ACQUIRE);
	if ((w & 1) == q->cq_phase)
		TH_LOG("a CQE at CQ head %u that no job asked for", q->cq_head);
	EXPECT_NE(q->cq_phase, w & 1);
	w = __atomic_load_n((__u32 *)r->fn.eq + r->fn.eq_head, __ATOMIC_ACQUIRE);
	if (!!(w & HACC_BIT(16)) == r->fn.eq_phase)
		TH_LOG("an EQE (%#x) at EQ head %u that no completion asked for", w,
		       r->fn.eq_head);
	EXPECT_NE(r->fn.eq_phase, !!(w & HACC_BIT(16)));

	memset((char *)r->g->buf + SCRATCH_OFF, 0xee, sizeof(cqc));
	__sync_synchronize();
	addr = r->g->iova + SCRATCH_OFF;
	HACC_OK(hl_mailbox(r->fn.dev, HACC_MB_CMD_CQC, true, q->qn, &addr));
	memcpy(cqc, (char *)r->g->buf + SCRATCH_OFF, sizeof(cqc));
	/* CQC dw0: head [15:0], tail [31:16]; dw6 bit 0: the phase to write */
	if (cqc[0] >> 16 != q->cq_head || (cqc[6] & 1) != q->cq_phase)
		TH_LOG("CQC: tail %u phase %u, the guest's head %u phase %u",
		       cqc[0] >> 16, cqc[6] & 1, q->cq_head, q->cq_phase);
	EXPECT_EQ(q->cq_head, cqc[0] >> 16);
	EXPECT_EQ(q->cq_phase, cqc[6] & 1);

	HACC_OK(hl_guest_read(r->g, &regs));
	/* EQC dw0: head [15:0], tail [31:16]; dw6 bit 16: the phase to write */
	if (regs.eqc[0] >> 16 != r->fn.eq_head || !!(regs.eqc[6] & HACC_BIT(16)) != r->fn.eq_phase)
		TH_LOG("EQC: tail %u phase %u, the guest's head %u phase %u", regs.eqc[0] >> 16,
		       !!(regs.eqc[6] & HACC_BIT(16)), r->fn.eq_head, r->fn.eq_phase);
	EXPECT_EQ(r->fn.eq_head, regs.eqc[0] >> 16);
	EXPECT_EQ(r->fn.eq_phase, !!(regs.eqc[6] & HACC_BIT(16)));
}

/*
 * Every job submitted completed once, verified; the model ran exactly as
 * many jobs as the guest saw complete.
 */
static void check_all(struct __test_metadata *_metadata, struct rig *r, const char *what)
{
	log_state(_metadata, r, what);
	EXPECT_EQ(0u, r->j.inflight);
	EXPECT_EQ(r->j.st.submitted, r->j.st.completed);
	EXPECT_EQ(r->j.st.completed, r->j.st.verified);
	EXPECT_EQ(0ull, r->j.st.bad);
	EXPECT_EQ(0ull, r->j.st.hw_err);
	EXPECT_EQ(0ull, r->fn.st.bad_cqe);
	if (r->irq)
		EXPECT_EQ(0ull, r->fn.st.lost_irq);
	check_rings(_metadata, r);
	if (r->have_model) {
		EXPECT_EQ(r->j.st.completed, jobs_done(r, ON_A) + jobs_done(r, ON_B));
		EXPECT_EQ(0ull, jobs_dropped(r, ON_A, NULL, 0));
		EXPECT_EQ(0ull, jobs_dropped(r, ON_B, NULL, 0));
	}
}

/* ---- set-up ---- */

static void rig_setup(struct __test_metadata *_metadata, struct rig *r, bool irq,
		      unsigned int k, unsigned int depth)
{
	struct hl_jobs_cfg jc = { .qn = 0, .op = HL_COMPRESS, .depth = depth };
	struct hl_fn_cfg fc = { .irq = irq };
	char why[200], pf[32];
	__u64 flags = 0;
	int seen;

	r->a.fd = r->b.fd = r->m.fd = -1;
	r->irq = irq;
	r->k = k;
	r->depth = depth;
	jc.k = depth - 1;
	if (!vf_a || !vf_b)
		NO_DEVICE("two VFs needed: set HACC_VF_A and HACC_VF_B or pass VF_A VF_B");
	if (vf_unusable(vf_a, why, sizeof(why)) || vf_unusable(vf_b, why, sizeof(why)))
		NO_DEVICE("%s", why);
	if (zip_jobs_blocked(why, sizeof(why)))
		SKIP(return, "%s", why);
	HACC_OK(hl_dev_open(&r->a, vf_a, HACC_OPEN_CDEV));
	HACC_OK(hl_dev_open(&r->b, vf_b, HACC_OPEN_CDEV));
	HACC_OK(hl_mig_flags(&r->a, &flags));
	r->p2p = flags & VFIO_MIGRATION_P2P;
	HACC_OK(hl_guest_attach(&r->ga, &r->a));
	HACC_OK(hl_guest_attach(&r->gb, &r->b));
	r->g = &r->ga;
	ASSERT_EQ(0, sample_pool_init(r->pool));
	HACC_OK(hl_fn_init(&r->fn, &r->a, &fc));
	r->fn_up = true;
	seen = zip_engine_probe(&r->fn, PROBE_MS);
	if (seen < 0)
		TH_LOG("probe: %s", hl_last_error());
	if (seen <= 0)
		NO_DEVICE("%s: no ZIP task engine (no deflate advertised and a probe job did not complete in %d ms)",
			  vf_a, PROBE_MS);
	if (hl_sys_pf(vf_a, pf, sizeof(pf)) || hl_model_open(&r->m, pf)) {
		TH_LOG("no model counters (%s): which VF ran the jobs is %s", hl_last_error(),
		       model_required() ? "required (HACC_REQUIRE_MODEL=1)" : "not checked");
		ASSERT_FALSE(model_required());
	} else {
		r->have_model = true;
		r->fnum[ON_A] = hl_sys_vf_fn(vf_a);
		r->fnum[ON_B] = hl_sys_vf_fn(vf_b);
		ASSERT_LT(0, r->fnum[ON_A]);
		ASSERT_LT(0, r->fnum[ON_B]);
		r->done0[ON_A] = model_ctr(r, ON_A, HACC_CTL_JOBS_DONE);
		r->done0[ON_B] = model_ctr(r, ON_B, HACC_CTL_JOBS_DONE);
		r->msis0[ON_A] = model_ctr(r, ON_A, HACC_CTL_EQ_MSIS);
		r->msis0[ON_B] = model_ctr(r, ON_B, HACC_CTL_EQ_MSIS);
		r->drops0[ON_A] = model_ctr(r, ON_A, HACC_CTL_JOBS_DROPPED);
		r->drops0[ON_B] = model_ctr(r, ON_B, HACC_CTL_JOBS_DROPPED);
		/* the probe job is done: nothing runs on A or B */
		r->idle0[ON_A] = engine_jobs(r, ON_A);
		r->idle0[ON_B] = engine_jobs(r, ON_B);
	}
	HACC_OK(hl_jobs_init(&r->j, &r->fn, &jc));
	r->j_up = true;
	/*
	 * Some history first: the SQ head away from 0 and the CQ wrapped once
	 * (its phase flipped), as in a guest that has been running a while.
	 */
	pump(_metadata, r, k ? k : 4, depth + depth / 2 + 1);
	settle(_metadata, r);
}

/* Arm (or clear) the model's x-fault-hold for A's next fetched job */
static void hold_a(struct rig *r, bool on)
{
	__u64 bit = 1ull << r->fnum[ON_A];
	__u64 v = hl_model_read(&r->m, HACC_CTL_FAULT_HOLD);

	hl_model_write(&r->m, HACC_CTL_FAULT_HOLD, on ? v | bit : v & ~bit);
}

static void rig_teardown(struct rig *r)
{
	if (r->j_up)
		hl_jobs_fini(&r->j);
	if (r->fn_up)
		hl_fn_fini(&r->fn);
	hl_guest_detach(&r->ga);
	hl_guest_detach(&r->gb);
	hl_dev_close(&r->a);
	hl_dev_close(&r->b);
	if (r->have_model) {
		/*
		 * A hold that did not fire (the drain case stopped early) must
		 * not hit the next test; a job still held goes with the reset
		 * on close, or is done after 1 s.
		 */
		if (r->hold)
			hold_a(r, false);
		hl_model_close(&r->m);
	}
	sample_pool_free(r->pool);
}

/* ---- migration ---- */

/*
 * What the guest has going on at the stop.  k: jobs in flight (the queue
 * holds depth - 1 at most, the model runs 32 at a time, so the full queue
 * has SQEs not fetched yet at the stop); drain: a job still running in
 * A's engine when the stop starts (the model's x-fault-hold keeps the
 * first job of the last submissions there until A's PAUSE_QM), which the
 * pause must wait for; masked: the guest masked the EQ interrupt before;
 * pending: a completion's EQE and MSI came and the guest has not served
 * them yet.
 */
struct load_case {
	unsigned int k, depth;
	bool irq, drain, masked, pending;
};

static const struct load_case idle = { .k = 0, .depth = 16, .irq = true };
static const struct load_case light = { .k = 2, .depth = 16, .irq = true };
static const struct load_case full = { .k = 63, .depth = 64, .irq = false };
static const struct load_case drain = { .k = 8, .depth = 64, .irq = true, .drain = true };
static const struct load_case masked = { .k = 8, .depth = 64, .irq = true, .masked = true };
static const struct load_case pending = { .k = 8, .depth = 64, .irq = true, .pending = true };

/* Migrations A -> B, each load */
FIXTURE(load) {
	struct rig r;
};

FIXTURE_VARIANT(load) {
	const struct load_case *c;
};

FIXTURE_VARIANT_ADD(load, idle) { .c = &idle };
FIXTURE_VARIANT_ADD(load, light) { .c = &light };
FIXTURE_VARIANT_ADD(load, full) { .c = &full };
FIXTURE_VARIANT_ADD(load, drain) { .c = &drain };
FIXTURE_VARIANT_ADD(load, masked) { .c = &masked };
FIXTURE_VARIANT_ADD(load, pending) { .c = &pending };

FIXTURE_SETUP(load)
{
	rig_setup(_metadata, &self->r, variant->c->irq, variant->c->k, variant->c->depth);
}

FIXTURE_TEARDOWN(load)
{
	rig_teardown(&self->r);
}

/*
 * Migrations called off, under the loads where the source has something
 * to lose: jobs in flight, SQEs not fetched, the EQ masked, an EQE not
 * served.
 */
FIXTURE(abort) {
	struct rig r;
};

FIXTURE_VARIANT(abort) {
	const struct load_case *c;
};

FIXTURE_VARIANT_ADD(abort, light) { .c = &light };
FIXTURE_VARIANT_ADD(abort, full) { .c = &full };
FIXTURE_VARIANT_ADD(abort, masked) { .c = &masked };
FIXTURE_VARIANT_ADD(abort, pending) { .c = &pending };

FIXTURE_SETUP(abort)
{
	rig_setup(_metadata, &self->r, variant->c->irq, variant->c->k, variant->c->depth);
}

FIXTURE_TEARDOWN(abort)
{
	rig_teardown(&self->r);
}

/* Jobs the guest keeps going while the VM runs (at least a few). */
static unsigned int busy_k(const struct load_case *lc)
{
	return lc->k > 4 ? lc->k : 4;
}

/* What the guest does last before its vCPUs stop. */
static void before_stop(struct __test_metadata *_metadata, struct rig *r,
			const struct load_case *lc)
{
	struct pollfd p;

	settle(_metadata, r);
	if (lc->masked) {
		HACC_OK(hl_bar_write32(r->fn.dev, HACC_QM_BAR, HACC_EQ_INT_MASK, 1));
		r->masked = true;
		irq_take(r);	/* what came before the mask */
	}
	/* the next job A fetches stays in its engine until A is paused */
	if (lc->drain && r->have_model) {
		hold_a(r, true);
		r->hold = true;
	}
	top_up(_metadata, r, lc->k);
	if (lc->pending) {
		/* the MSI of a completion arrives; the guest is slow to take it */
		p.fd = r->fn.irq_fd;
		p.events = POLLIN;
		ASSERT_EQ(1, poll(&p, 1, REAP_MS));
	}
}

/* What the guest finds and does first when its vCPUs run again. */
static void after_resume(struct __test_metadata *_metadata, struct rig *r,
			 const struct load_case *lc)
{
	unsigned long long irqs;
	__u32 mask = 0;

	if (lc->masked) {
		HACC_OK(hl_bar_read32(r->fn.dev, HACC_QM_BAR, HACC_EQ_INT_MASK, &mask));
		EXPECT_EQ(1u, mask);
		settle(_metadata, r);
		/* masked all along: not one MSI */
		EXPECT_EQ(0ull, irq_take(r));
		HACC_OK(hl_bar_write32(r->fn.dev, HACC_QM_BAR, HACC_EQ_INT_MASK, 0));
		r->masked = false;
		irqs = r->fn.st.irqs;
		pump(_metadata, r, 1, 4);
		/* unmasked, completions interrupt again */
		EXPECT_LT(irqs, r->fn.st.irqs);
	}
	if (lc->pending)
		EXPECT_LT(0ull, r->fn.st.irqs);
	settle(_metadata, r);
}

/* Read what PRE_COPY offers now, to its temporary end, after off bytes. */
static size_t precopy_read(struct __test_metadata *_metadata, struct rig *r, int fd,
			   size_t off)
{
	ssize_t n;

	for (;;) {
		n = read(fd, r->stream + off, sizeof(r->stream) - off);
		if (n > 0) {
			off += n;
			continue;
		}
		/* the temporary end: -ENOMSG (the uAPI, ours) or 0 (mainline) */
		if (n < 0)
			ASSERT_EQ(ENOMSG, errno);
		return off;
	}
}

/*
 * The drain: once the arc that paused A (named by arc; NULL: none yet)
 * is done, every job A fetched has completed there (the held one too),
 * before anything is captured.
 */
static void drained(struct __test_metadata *_metadata, struct rig *r,
		    const struct load_case *lc, const char *arc)
{
	__u64 running;

	if (!lc->drain || !r->have_model || !arc)
		return;
	running = jobs_running(r, ON_A);
	if (running)
		TH_LOG("%llu jobs still running in A's engine after the arc to %s (A's engine dropped %llu)",
		       (unsigned long long)running, arc,
		       (unsigned long long)jobs_dropped(r, ON_A, NULL, 0));
	EXPECT_EQ(0ull, running);
}

/*
 * Migrate the guest from A to B the way a VMM does: B RESUMING, A in
 * PRE_COPY while the VM runs on, its initial data to B; the vCPUs stop
 * (with p2p: A to PRE_COPY_P2P first), A to STOP_COPY, the rest to B, B
 * and A to STOP; the guest's memory now belongs to B (hl_fn_move), B runs
 * (with p2p: through RUNNING_P2P), the vCPUs run again.
 */
static void migrate(struct __test_metadata *_metadata, struct rig *r,
		    const struct load_case *lc, bool p2p)
{
	unsigned long long before, at_stop_a, in_flight;
	__u64 running, b_done;
	size_t len, n;
	int fa, fb, fs;

	set_state(_metadata, &r->b, VFIO_DEVICE_STATE_RESUMING, &fb);
	ASSERT_LE(0, fb);
	set_state(_metadata, &r->a, VFIO_DEVICE_STATE_PRE_COPY, &fa);
	ASSERT_LE(0, fa);
	/* the VM runs on in PRE_COPY */
	pump(_metadata, r, busy_k(lc), 8);
	len = precopy_read(_metadata, r, fa, 0);
	ASSERT_LT(0u, len);
	HACC_OK(hl_mig_write_all(fb, r->stream, len));
	pump(_metadata, r, busy_k(lc), 8);
	before_stop(_metadata, r, lc);
	running = jobs_running(r, ON_A);
	if (lc->drain && r->have_model) {
		/* the hold fired: the first job after it is in A's engine */
		EXPECT_EQ(0ull, hl_model_read(&r->m, HACC_CTL_FAULT_HOLD) & 1ull << r->fnum[ON_A]);
		EXPECT_LE(1ull, running);
	}
	if (p2p)
		set_state(_metadata, &r->a, VFIO_DEVICE_STATE_PRE_COPY_P2P, NULL);
	/* the vCPUs stand still from here */
	drained(_metadata, r, lc, p2p ? "PRE_COPY_P2P" : NULL);
	set_state(_metadata, &r->a, VFIO_DEVICE_STATE_STOP_COPY, &fs);
	ASSERT_EQ(-1, fs);
	drained(_metadata, r, lc, "STOP_COPY");
	HACC_OK(hl_mig_read_all(fa, r->stream + len, sizeof(r->stream) - len, &n));
	HACC_OK(hl_mig_write_all(fb, r->stream + len, n));
	set_state(_metadata, &r->b, VFIO_DEVICE_STATE_STOP, NULL);
	close(fb);
	set_state(_metadata, &r->a, VFIO_DEVICE_STATE_STOP, NULL);
	close(fa);
	at_stop_a = jobs_done(r, ON_A);
	before = r->j.st.completed;
	in_flight = r->j.inflight;

	HACC_OK(hl_fn_move(&r->fn, &r->b));
	r->g = &r->gb;
	if (p2p)
		set_state(_metadata, &r->b, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	set_state(_metadata, &r->b, VFIO_DEVICE_STATE_RUNNING, NULL);
	/* the vCPUs run again, on B */
	after_resume(_metadata, r, lc);
	TH_LOG("%llu jobs done by the stop (%llu by A's engine, %llu running in it as the stop began), %llu in flight for the guest, done after the resume; B ran %llu",
	       before, (unsigned long long)at_stop_a, (unsigned long long)running, in_flight,
	       (unsigned long long)jobs_done(r, ON_B));

	/* new work runs on B, and only there */
	b_done = jobs_done(r, ON_B);
	before = r->j.st.completed;
	pump(_metadata, r, busy_k(lc), r->depth);
	settle(_metadata, r);
	if (r->have_model) {
		EXPECT_EQ(at_stop_a, jobs_done(r, ON_A));
		EXPECT_EQ(r->j.st.completed - before, jobs_done(r, ON_B) - b_done);
	}
	EXPECT_EQ(VFIO_DEVICE_STATE_STOP, get_state(_metadata, &r->a));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, get_state(_metadata, &r->b));
	check_all(_metadata, r, "after the migration");
	TH_LOG("A ran %llu jobs, B %llu", (unsigned long long)jobs_done(r, ON_A),
	       (unsigned long long)jobs_done(r, ON_B));
}

/*
 * The drain case holds a job in A's engine with the model's x-fault-hold
 * (control window version 4); an older model cannot.
 */
#define NEED_HOLD() do {						\
	if (variant->c->drain && self->r.have_model &&			\
	    hl_model_read(&self->r.m, HACC_CTL_VERSION) < 4)		\
		SKIP(return, "the model has no x-fault-hold (control window before version 4)"); \
} while (0)

TEST_F_TIMEOUT(load, migrate_precopy, 120)
{
	NEED_HOLD();
	migrate(_metadata, &self->r, variant->c, false);
}

TEST_F_TIMEOUT(load, migrate_p2p, 120)
{
	if (!self->r.p2p)
		SKIP(return, "the bound driver offers no VFIO_MIGRATION_P2P");
	NEED_HOLD();
	migrate(_metadata, &self->r, variant->c, true);
}

/* PRE_COPY -> RUNNING: the migration is called off, the VM never stopped. */
TEST_F_TIMEOUT(abort, precopy, 120)
{
	const struct load_case *lc = variant->c;
	struct rig *r = &self->r;
	size_t len;
	int fa;

	top_up(_metadata, r, busy_k(lc));
	set_state(_metadata, &r->a, VFIO_DEVICE_STATE_PRE_COPY, &fa);
	ASSERT_LE(0, fa);
	pump(_metadata, r, busy_k(lc), 8);
	len = precopy_read(_metadata, r, fa, 0);
	ASSERT_LT(0u, len);
	pump(_metadata, r, busy_k(lc), 8);
	before_stop(_metadata, r, lc);
	set_state(_metadata, &r->a, VFIO_DEVICE_STATE_RUNNING, NULL);
	close(fa);
	after_resume(_metadata, r, lc);
	pump(_metadata, r, busy_k(lc), r->depth);
	settle(_metadata, r);
	check_all(_metadata, r, "after PRE_COPY -> RUNNING");
	if (r->have_model)
		EXPECT_EQ(0ull, jobs_done(r, ON_B));
}

/* STOP_COPY -> STOP -> RUNNING: saved, then the source carries on. */
TEST_F_TIMEOUT(abort, stop_copy, 120)
{
	const struct load_case *lc = variant->c;
	struct rig *r = &self->r;
	unsigned long long at_stop;
	size_t n;
	int fa;

	pump(_metadata, r, busy_k(lc), 8);
	before_stop(_metadata, r, lc);
	/* the vCPUs stand still from here */
	set_state(_metadata, &r->a, VFIO_DEVICE_STATE_STOP, NULL);
	set_state(_metadata, &r->a, VFIO_DEVICE_STATE_STOP_COPY, &fa);
	ASSERT_LE(0, fa);
	HACC_OK(hl_mig_read_all(fa, r->stream, sizeof(r->stream), &n));
	set_state(_metadata, &r->a, VFIO_DEVICE_STATE_STOP, NULL);
	close(fa);
	at_stop = jobs_done(r, ON_A);
	set_state(_metadata, &r->a, VFIO_DEVICE_STATE_RUNNING, NULL);
	after_resume(_metadata, r, lc);
	pump(_metadata, r, busy_k(lc), r->depth);
	settle(_metadata, r);
	TH_LOG("%zu bytes saved; A ran %llu jobs by the stop, %llu in all",
	       n, at_stop, (unsigned long long)jobs_done(r, ON_A));
	check_all(_metadata, r, "after STOP_COPY -> STOP -> RUNNING");
	if (r->have_model)
		EXPECT_EQ(0ull, jobs_done(r, ON_B));
}

/* ---- stop/cont and reset, one load ---- */

FIXTURE(busy) {
	struct rig r;
};

FIXTURE_SETUP(busy)
{
	rig_setup(_metadata, &self->r, true, 8, 64);
}

FIXTURE_TEARDOWN(busy)
{
	rig_teardown(&self->r);
}

/* What a pause/resume must not change: the guest's registers and channel. */
struct visible {
	struct hl_regs regs;
	__u32 ifc_mask, ifc_source;
};

static void read_visible(struct __test_metadata *_metadata, struct rig *r, struct visible *v)
{
	HACC_OK(hl_guest_read(r->g, &v->regs));
	HACC_OK(hl_bar_read32(r->fn.dev, HACC_QM_BAR, HACC_IFC_INT_MASK, &v->ifc_mask));
	HACC_OK(hl_bar_read32(r->fn.dev, HACC_QM_BAR, HACC_IFC_INT_SOURCE, &v->ifc_source));
}

/*
 * QEMU's `stop` and `cont`: RUNNING -> RUNNING_P2P -> STOP -> RUNNING_P2P
 * -> RUNNING (without P2P: RUNNING -> STOP -> RUNNING), the vCPUs stopped
 * in between, with jobs in flight each time.  Nothing may be lost and the
 * guest must find its registers as it left them, the EQ's position aside
 * (it moves with every completion; check_rings() holds it to the guest's).
 */
TEST_F_TIMEOUT(busy, stop_cont_cycles, 600)
{
	unsigned int cycles = env_uint("HACC_LOAD_CYCLES", 100), i;
	struct rig *r = &self->r;
	struct visible v0, v1;
	unsigned long long at_stop = 0;
	double t0 = now_s();
	int diffs;

	read_visible(_metadata, r, &v0);
	for (i = 0; i < cycles; i++) {
		top_up(_metadata, r, r->k);
		/* the vCPUs stop */
		if (r->p2p)
			set_state(_metadata, &r->a, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
		set_state(_metadata, &r->a, VFIO_DEVICE_STATE_STOP, NULL);
		at_stop += r->j.inflight;
		if (r->p2p)
			set_state(_metadata, &r->a, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
		set_state(_metadata, &r->a, VFIO_DEVICE_STATE_RUNNING, NULL);
		/* they run again */
		reap_some(_metadata, r);
	}
	settle(_metadata, r);
	read_visible(_metadata, r, &v1);
	TH_LOG("%u stop/cont cycles (%s) in %.1f s, %llu jobs in flight at the stops, %llu jobs in all",
	       cycles, r->p2p ? "through RUNNING_P2P" : "RUNNING <-> STOP", now_s() - t0,
	       at_stop, r->j.st.completed);
	check_all(_metadata, r, "after the cycles");
	/* the EQ's position is checked against the guest's by check_rings() */
	v0.regs.eqc[0] = v1.regs.eqc[0];
	v0.regs.eqc[6] = v1.regs.eqc[6];
	diffs = hl_regs_diff(&v0.regs, &v1.regs, stderr);
	EXPECT_EQ(0, diffs);
	EXPECT_EQ(v0.ifc_mask, v1.ifc_mask);
	EXPECT_EQ(v0.ifc_source, v1.ifc_source);
	if (r->have_model)
		EXPECT_EQ(0ull, jobs_done(r, ON_B));
}

/*
 * VFIO_DEVICE_RESET with jobs in flight: they are gone with the VF's
 * queues, the migration state is RUNNING, and a guest that sets the VF up
 * again runs jobs on it.
 */
TEST_F_TIMEOUT(busy, reset_in_flight, 120)
{
	struct hl_jobs_cfg jc = { .qn = 0, .op = HL_COMPRESS, .k = 63, .depth = 64 };
	struct hl_fn_cfg fc = { .irq = true };
	struct rig *r = &self->r;
	unsigned int lost;
	__u64 done;

	top_up(_metadata, r, r->k);
	lost = r->j.inflight;
	HACC_OK(hl_dev_reset(&r->a));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, get_state(_metadata, &r->a));
	/* the guest starts over: the jobs in flight died with the queues */
	r->j.inflight = 0;
	hl_jobs_fini(&r->j);
	r->j_up = false;
	hl_fn_fini(&r->fn);
	r->fn_up = false;
	HACC_OK(hl_fn_init(&r->fn, &r->a, &fc));
	r->fn_up = true;
	HACC_OK(hl_jobs_init(&r->j, &r->fn, &jc));
	r->j_up = true;
	done = jobs_done(r, ON_A);
	pump(_metadata, r, r->k, 2 * r->depth);
	settle(_metadata, r);
	TH_LOG("%u jobs in flight at the reset; %llu jobs after it", lost, r->j.st.completed);
	log_state(_metadata, r, "after the reset");
	EXPECT_EQ(r->j.st.submitted, r->j.st.completed);
	EXPECT_EQ(r->j.st.completed, r->j.st.verified);
	EXPECT_EQ(0ull, r->j.st.bad);
	EXPECT_EQ(0ull, r->fn.st.bad_cqe);
	EXPECT_EQ(0ull, r->fn.st.lost_irq);
	check_rings(_metadata, r);
	if (r->have_model) {
		EXPECT_EQ(r->j.st.completed, jobs_done(r, ON_A) - done);
		/* the reset took the jobs in flight: not a drop */
		EXPECT_EQ(0ull, jobs_dropped(r, ON_A, NULL, 0));
	}
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, get_state(_metadata, &r->a));
}

static double t_start;

/* The harness exits from test_harness_run(): say how long the run took. */
static void say_time(void)
{
	fprintf(stderr, "# hacc_mig_load: %.1f s\n", now_s() - t_start);
}

int main(int argc, char **argv)
{
	t_start = now_s();
	atexit(say_time);
	vf_a = harness_dev_arg(&argc, &argv, "HACC_VF_A");
	vf_b = harness_dev_arg(&argc, &argv, "HACC_VF_B");
	fprintf(stderr, "# VF A %s, VF B %s, driver %s\n", vf_a ? vf_a : "-", vf_b ? vf_b : "-",
		hl_flavour_name(hl_flavour()));
	return test_harness_run(argc, argv);
}
