// SPDX-License-Identifier: GPL-2.0
/*
 * Real ZIP jobs on a HiSilicon QM VF bound to hisi_acc_vfio_pci, driven from
 * userspace through VFIO by the job engine of tools/lib/hacc (hacc_jobs.h):
 * hardware SGLs, 128-byte SQEs, SQ doorbells, completions by CQ polling
 * (variant "poll") or by MSI on an eventfd (variant "irq").  Every result is
 * checked with zlib: compression output must inflate (raw deflate) to the
 * input, decompression output must equal the original data.
 *
 * Device: hacc_jobs_test [VF] [harness options], or HACC_VF_A.  Without a VF
 * the tests skip (HACC_REQUIRE_DEVICE=1: fail).  A device that neither
 * advertises deflate nor completes a probe job (a model without the task
 * engine) skips too, or fails with HACC_REQUIRE_DEVICE=1: the model has the
 * engine, so a run that requires the device requires it.  7.x x86 kernels,
 * whose QM mailbox does not reach the device (tools/qemu/README.md,
 * "Limits"), skip with the reason.  HACC_JOBS_N (default 1000), HACC_JOBS_K
 * (16) and HACC_JOBS_SECONDS (5, the 4 KiB rate run) tune the load.
 *
 * The fault_* tests turn on the QEMU model's one-shot job faults through
 * its control window (PF BAR 4, tools/qemu/hacc-model-ctl.h) and check that
 * the engine sees each one the way it would see the hardware's: an error
 * status counted as hw_err, a CQE without its interrupt counted as
 * lost_irq, a slow job, a DMA fault with its AEQE; and that the queue
 * keeps working after each.  They skip on anything but the model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "hacc_guest.h"
#include "hacc_jobs.h"
#include "hacc_sys.h"
#include "hacc_vfio.h"
#include "harness_dev.h"
#include "job_samples.h"

#if __has_include("hacc-model-ctl.h")
#include "hacc-model-ctl.h"
#define HAVE_MODEL_CTL 1
#endif

#define REAP_TIMEOUT_MS		5000
#define PROBE_MS		2000

static const char *vf;

FIXTURE(jobs) {
	struct hl_dev dev;
	struct hl_fn fn;
	struct hl_jobs comp, decomp;
	bool fn_up, comp_up, decomp_up;
	struct sample pool[SAMPLE_POOL];
	unsigned int k;
	struct hl_model model;
	bool model_up;
	int fnum;
};

FIXTURE_VARIANT(jobs) {
	bool irq;
};

FIXTURE_VARIANT_ADD(jobs, poll) {
	.irq = false,
};

FIXTURE_VARIANT_ADD(jobs, irq) {
	.irq = true,
};

/* The probe job runs once per run (zip_engine_probe()). */
static int engine_seen = -1;

static bool runs_jobs(struct __test_metadata *_metadata, FIXTURE_DATA(jobs) *self)
{
	if (engine_seen < 0) {
		engine_seen = zip_engine_probe(&self->fn, PROBE_MS);
		if (engine_seen < 0)
			TH_LOG("probe: %s", hl_last_error());
	}
	return engine_seen > 0;
}

FIXTURE_SETUP(jobs)
{
	char why[200];

	self->dev.fd = -1;
	self->model.fd = -1;
	if (!vf)
		NO_DEVICE("no VF given: set HACC_VF_A or pass VF");
	if (vf_unusable(vf, why, sizeof(why)))
		NO_DEVICE("%s", why);
	if (zip_jobs_blocked(why, sizeof(why)))
		SKIP(return, "%s", why);
	HACC_OK(hl_dev_open(&self->dev, vf, HACC_OPEN_CDEV));
	ASSERT_EQ(0, sample_pool_init(self->pool));
	self->k = env_uint("HACC_JOBS_K", 16);
	{
		struct hl_fn_cfg fc = { .irq = variant->irq };

		HACC_OK(hl_fn_init(&self->fn, &self->dev, &fc));
		self->fn_up = true;
	}
	if (!runs_jobs(_metadata, self))
		NO_DEVICE("%s advertises no deflate (%#x) and a probe job did not complete in %d ms: no ZIP task engine",
			  vf, ZIP_CAP_DRV_ALG, PROBE_MS);
	TH_LOG("%s (%s driver): %u queues, doorbells in BAR %d, %s", vf,
	       hl_flavour_name(hl_flavour()), self->fn.qp_num, self->fn.db_bar,
	       variant->irq ? "MSI to an eventfd" : "CQ polling");
}

FIXTURE_TEARDOWN(jobs)
{
#ifdef HAVE_MODEL_CTL
	unsigned int i;

	if (self->model_up) {
		/* faults that did not fire must not hit the next test */
		for (i = HACC_CTL_FAULT_JOB_ERROR; i <= HACC_CTL_FAULT_DMA; i += 8)
			hl_model_write(&self->model, i, 0);
		hl_model_write(&self->model, HACC_CTL_FAULT_LATENCY_NS, 10000000);
		hl_model_close(&self->model);
	}
#endif

	if (self->comp_up)
		hl_jobs_fini(&self->comp);
	if (self->decomp_up)
		hl_jobs_fini(&self->decomp);
	if (self->fn_up)
		hl_fn_fini(&self->fn);
	hl_dev_close(&self->dev);
	sample_pool_free(self->pool);
}

static void start(struct __test_metadata *_metadata, FIXTURE_DATA(jobs) *self,
		  struct hl_jobs *j, bool *up, __u16 qn, enum hl_op op)
{
	struct hl_jobs_cfg c = { .qn = qn, .op = op, .k = self->k };

	HACC_OK(hl_jobs_init(j, &self->fn, &c));
	*up = true;
}

/* the second queue, or the first again once the compression queue is done */
static __u16 decomp_qn(FIXTURE_DATA(jobs) *self)
{
	return self->fn.qp_num == 1 ? 0 : 1;
}

static void log_stats(struct __test_metadata *_metadata, FIXTURE_DATA(jobs) *self,
		      struct hl_jobs *j)
{
	char line[320];

	hl_jobs_stats_str(j, line, sizeof(line));
	TH_LOG("%s", line);
	if (j->st.bad)
		TH_LOG("last bad job: %s", j->last_bad);
	TH_LOG("function: irqs %llu eqes %llu aeqes %llu (last %#x) lost_irq %llu bad_cqe %llu sq_db %llu cq_db %llu",
	       self->fn.st.irqs, self->fn.st.eqes, self->fn.st.aeqes, self->fn.aeqe_last,
	       self->fn.st.lost_irq, self->fn.st.bad_cqe, self->fn.st.sq_doorbells,
	       self->fn.st.cq_doorbells);
}

/* Reap exactly one job of j, logging the state when it does not come. */
static void reap_one(struct __test_metadata *_metadata, FIXTURE_DATA(jobs) *self,
		     struct hl_jobs *j)
{
	int n = hl_jobs_reap(j, REAP_TIMEOUT_MS);

	if (n != 1) {
		log_stats(_metadata, self, j);
		TH_LOG("%d jobs reaped in %d ms, 1 expected", n, REAP_TIMEOUT_MS);
	}
	ASSERT_EQ(1, n);
}

/*
 * Keep up to K jobs in flight on each context until n jobs (split between
 * the contexts) completed; nothing may time out.
 */
static void run(struct __test_metadata *_metadata, FIXTURE_DATA(jobs) *self,
		struct hl_jobs **ctx, unsigned int nctx, unsigned int n)
{
	unsigned int next = 0, c;
	unsigned long long done;
	int ret;

	for (;;) {
		for (c = 0; c < nctx; c++) {
			while (next < n && ctx[c]->inflight < self->k) {
				ret = sample_submit(ctx[c], &self->pool[next % SAMPLE_POOL], next);
				if (ret < 0)
					TH_LOG("submit: %s", hl_last_error());
				ASSERT_EQ(0, ret);
				next++;
			}
		}
		for (done = 0, c = 0; c < nctx; c++)
			done += ctx[c]->st.completed;
		if (done >= n)
			break;
		ret = hl_fn_reap(&self->fn, REAP_TIMEOUT_MS);
		ASSERT_LE(0, ret);
		if (!ret) {
			for (c = 0; c < nctx; c++)
				log_stats(_metadata, self, ctx[c]);
			TH_LOG("no completion within %d ms, %llu of %u jobs done",
			       REAP_TIMEOUT_MS, done, n);
			ASSERT_NE(0, ret);
		}
	}
}

static void check_clean(struct __test_metadata *_metadata, FIXTURE_DATA(jobs) *self,
			const FIXTURE_VARIANT(jobs) *variant, struct hl_jobs *j)
{
	log_stats(_metadata, self, j);
	EXPECT_EQ(j->st.submitted, j->st.completed);
	EXPECT_EQ(j->st.completed, j->st.verified);
	EXPECT_EQ(0ull, j->st.bad);
	EXPECT_EQ(0u, j->inflight);
	EXPECT_EQ(0ull, self->fn.st.bad_cqe);
	if (variant->irq) {
		EXPECT_EQ(0ull, self->fn.st.lost_irq);
		EXPECT_LT(0ull, self->fn.st.irqs);
	}
}

TEST_F_TIMEOUT(jobs, mixed_sizes_verified, 900)
{
	unsigned int n = env_uint("HACC_JOBS_N", 1000);
	struct hl_jobs *ctx[2] = { &self->comp, &self->decomp };
	double t0 = now_s(), dt;

	start(_metadata, self, &self->comp, &self->comp_up, 0, HL_COMPRESS);
	if (decomp_qn(self)) {
		/* both directions at once, on two queues */
		start(_metadata, self, &self->decomp, &self->decomp_up, 1, HL_DECOMPRESS);
		run(_metadata, self, ctx, 2, n);
	} else {
		run(_metadata, self, ctx, 1, n / 2);
		check_clean(_metadata, self, variant, &self->comp);
		hl_jobs_fini(&self->comp);
		self->comp_up = false;
		start(_metadata, self, &self->decomp, &self->decomp_up, 0, HL_DECOMPRESS);
		run(_metadata, self, ctx + 1, 1, n - n / 2);
	}
	dt = now_s() - t0;
	if (self->comp_up)
		check_clean(_metadata, self, variant, &self->comp);
	check_clean(_metadata, self, variant, &self->decomp);
	EXPECT_EQ((unsigned long long)n, self->comp.st.verified + self->decomp.st.verified);
	TH_LOG("%u jobs (K=%u per queue) in %.2f s: %.0f jobs/s", n, self->k, dt, n / dt);
}

TEST_F_TIMEOUT(jobs, output_too_small, 120)
{
	struct sample *rnd = &self->pool[10];	/* random bytes, 25000 */
	struct sample *txt = &self->pool[6];	/* words, 4097 */
	struct hl_jobs *j;
	int i;

	TH_LOG("compress %u random bytes into 64, decompress %u bytes into %u",
	       rnd->plain_len, txt->plain_len, txt->plain_len / 2);
	for (i = 0; i < 2; i++) {
		bool comp = i == 0;

		if (comp) {
			start(_metadata, self, &self->comp, &self->comp_up, 0, HL_COMPRESS);
			j = &self->comp;
			HACC_OK(hl_jobs_submit(j, rnd->plain, rnd->plain_len, 64, rnd->plain,
					       rnd->plain_len, true));
		} else {
			if (!decomp_qn(self)) {
				hl_jobs_fini(&self->comp);
				self->comp_up = false;
			}
			start(_metadata, self, &self->decomp, &self->decomp_up,
			      decomp_qn(self), HL_DECOMPRESS);
			j = &self->decomp;
			HACC_OK(hl_jobs_submit(j, txt->packed, txt->packed_len,
					       txt->plain_len / 2, txt->plain,
					       txt->plain_len, true));
		}
		reap_one(_metadata, self, j);
		TH_LOG("%s: status %#x reported", comp ? "compress" : "decompress",
		       j->st.last_status);
		EXPECT_EQ(1ull, j->st.want_err);
		/* the queue still works afterwards */
		HACC_OK(sample_submit(j, comp ? rnd : txt, 0));
		reap_one(_metadata, self, j);
		check_clean(_metadata, self, variant, j);
		EXPECT_EQ(0ull, j->st.hw_err);
	}
}

#ifdef HAVE_MODEL_CTL
/* The model's control window through the VF's PF, or skip. */
static bool model_open(struct __test_metadata *_metadata, FIXTURE_DATA(jobs) *self)
{
	char pf[32];

	if (hl_sys_pf(vf, pf, sizeof(pf)) || hl_model_open(&self->model, pf)) {
		TH_LOG("no model control window: %s", hl_last_error());
		return false;
	}
	self->model_up = true;
	self->fnum = hl_sys_vf_fn(vf);
	return self->fnum > 0;
}

/* Arm a one-shot job fault for our VF. */
static void fault_arm(FIXTURE_DATA(jobs) *self, unsigned int reg)
{
	hl_model_write(&self->model, reg, 1ull << self->fnum);
}

/* Whether the fault armed at reg has fired (the model clears its bit). */
static bool fault_fired(FIXTURE_DATA(jobs) *self, unsigned int reg)
{
	return !(hl_model_read(&self->model, reg) & (1ull << self->fnum));
}

/* One compression of sample s; reap it with short waits, n.b. a lost
 * interrupt is only found when a wait times out. */
static void one_job(struct __test_metadata *_metadata, FIXTURE_DATA(jobs) *self,
		    struct hl_jobs *j, const struct sample *s)
{
	unsigned long long before = j->st.completed;
	int i;

	HACC_OK(hl_jobs_submit(j, s->plain, s->plain_len, j->max_len, s->plain, s->plain_len,
			       false));
	for (i = 0; i < 40 && j->st.completed == before; i++)
		ASSERT_LE(0, hl_fn_reap(&self->fn, 250));
	if (j->st.completed == before)
		log_stats(_metadata, self, j);
	ASSERT_EQ(before + 1, j->st.completed);
}

/*
 * Start the compression queue, arm the fault at reg and run one job, which
 * must take it.  The sample: words, 4096 bytes.
 */
static void fault_job(struct __test_metadata *_metadata, FIXTURE_DATA(jobs) *self,
		      unsigned int reg)
{
	start(_metadata, self, &self->comp, &self->comp_up, 0, HL_COMPRESS);
	fault_arm(self, reg);
	one_job(_metadata, self, &self->comp, &self->pool[5]);
	EXPECT_TRUE(fault_fired(self, reg));
}

/* The job after it, which runs clean. */
static void next_job(struct __test_metadata *_metadata, FIXTURE_DATA(jobs) *self)
{
	one_job(_metadata, self, &self->comp, &self->pool[5]);
	log_stats(_metadata, self, &self->comp);
}

#define NEED_MODEL() do {						\
	if (!model_open(_metadata, self))				\
		SKIP(return, "needs the QEMU model's job faults (PF BAR 4)"); \
} while (0)
#else
#define NEED_MODEL() SKIP(return, "built without tools/qemu/hacc-model-ctl.h")
#endif

/*
 * An error status on one job: counted as hw_err (the job is bad, nothing
 * else), and the queue goes on.
 */
TEST_F_TIMEOUT(jobs, fault_job_error, 120)
{
	NEED_MODEL();
#ifdef HAVE_MODEL_CTL
	fault_job(_metadata, self, HACC_CTL_FAULT_JOB_ERROR);
	EXPECT_EQ(1ull, self->comp.st.hw_err);
	EXPECT_EQ((unsigned int)HACC_CTL_JOB_ERROR_STATUS, self->comp.st.last_status);
	next_job(_metadata, self);
	EXPECT_EQ(1ull, self->comp.st.hw_err);
	EXPECT_EQ(1ull, self->comp.st.bad);
	EXPECT_EQ(1ull, self->comp.st.verified);
	EXPECT_EQ(0u, self->comp.inflight);
#endif
}

/*
 * A CQE without its EQE and MSI: with interrupts the wait times out and
 * the CQE is found then (lost_irq); polling does not notice.  The next
 * job's interrupt comes (the CQ stayed armed).
 */
TEST_F_TIMEOUT(jobs, fault_lost_irq, 120)
{
	NEED_MODEL();
#ifdef HAVE_MODEL_CTL
	fault_job(_metadata, self, HACC_CTL_FAULT_LOST_IRQ);
	EXPECT_EQ(variant->irq ? 1ull : 0ull, self->fn.st.lost_irq);
	next_job(_metadata, self);
	EXPECT_EQ(variant->irq ? 1ull : 0ull, self->fn.st.lost_irq);
	EXPECT_EQ(2ull, self->comp.st.verified);
	EXPECT_EQ(0ull, self->comp.st.bad);
#endif
}

/* One job that takes 300 ms; it completes, verified, and so does the next. */
TEST_F_TIMEOUT(jobs, fault_latency, 120)
{
	NEED_MODEL();
#ifdef HAVE_MODEL_CTL
	hl_model_write(&self->model, HACC_CTL_FAULT_LATENCY_NS, 300000000);
	fault_job(_metadata, self, HACC_CTL_FAULT_LATENCY);
	EXPECT_LE(300000.0, self->comp.st.max_lat_us);
	next_job(_metadata, self);
	EXPECT_EQ(2ull, self->comp.st.verified);
	EXPECT_EQ(0ull, self->comp.st.bad);
	EXPECT_EQ(0ull, self->fn.st.lost_irq);
#endif
}

/*
 * A DMA fault on a job's buffer: error status (hw_err) and an AEQE that
 * names the queue with type CQE error; the queue goes on.
 */
TEST_F_TIMEOUT(jobs, fault_dma, 120)
{
	NEED_MODEL();
#ifdef HAVE_MODEL_CTL
	fault_job(_metadata, self, HACC_CTL_FAULT_DMA);
	EXPECT_EQ(1ull, self->comp.st.hw_err);
	EXPECT_EQ(1ull, self->fn.st.aeqes);
	EXPECT_EQ(0u, self->fn.aeqe_last & 0xffff);	/* queue 0 */
	EXPECT_EQ((unsigned int)HACC_CTL_AEQE_CQE_ERROR, (self->fn.aeqe_last >> 17) & 0xf);
	next_job(_metadata, self);
	EXPECT_EQ(1ull, self->comp.st.verified);
	EXPECT_EQ(1ull, self->comp.st.hw_err);
	EXPECT_EQ(0ull, self->fn.st.lost_irq);
#endif
}

/* A rate for the record (not a pass mark): 4 KiB compressions, K in flight. */
TEST_F_TIMEOUT(jobs, rate_4k, 120)
{
	unsigned int secs = env_uint("HACC_JOBS_SECONDS", 5), i;
	unsigned char *data = malloc(4096);
	struct hl_jobs *j = &self->comp;
	unsigned int seed = 3;
	double t0, dt;
	int ret;

	ASSERT_NE(NULL, data);
	sample_fill(data, 4096, 0, &seed);
	start(_metadata, self, j, &self->comp_up, 0, HL_COMPRESS);
	t0 = now_s();
	do {
		for (i = j->inflight; i < self->k; i++)
			HACC_OK(hl_jobs_submit(j, data, 4096, j->max_len, data, 4096, false));
		ret = hl_fn_reap(&self->fn, REAP_TIMEOUT_MS);
		ASSERT_LT(0, ret);
	} while (now_s() - t0 < secs);
	while (j->inflight)
		ASSERT_LT(0, hl_fn_reap(&self->fn, REAP_TIMEOUT_MS));
	dt = now_s() - t0;
	check_clean(_metadata, self, variant, j);
	TH_LOG("4 KiB compression, K=%u, %s: %llu jobs in %.2f s = %.0f jobs/s", self->k,
	       variant->irq ? "irq" : "poll", j->st.completed, dt, j->st.completed / dt);
	free(data);
}

int main(int argc, char **argv)
{
	vf = harness_dev_arg(&argc, &argv, "HACC_VF_A");
	fprintf(stderr, "# VF %s, driver %s\n", vf ? vf : "-", hl_flavour_name(hl_flavour()));
	return test_harness_run(argc, argv);
}
