// SPDX-License-Identifier: GPL-2.0
/*
 * hacc-bench: time the migration critical path of a hisi_acc_vfio_pci VF,
 * phase by phase, and count the device work of each phase with the QEMU
 * model's per-function counters (tools/qemu/hacc-model-ctl.h).
 *
 * It is a measurement, not a test: it prints one JSON object per run on
 * stdout and exits non-zero only when a migration did not happen at all.
 * tools/bench/guest-bench.sh runs it inside the VM, alternating the two
 * builds of the driver; tools/bench/report.py turns the output into the
 * tables and the chart.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "hacc_guest.h"
#include "hacc_jobs.h"
#include "hacc_sys.h"
#include "hacc_vfio.h"
#include "hacc-model-ctl.h"

#define CHUNK		4096
#define MAX_PAIRS	16
#define NUM_MB_CMDS	16
#define SCALE_WAIT_MS	60000

static const char usage_text[] =
"Usage: hacc-bench [OPTIONS] pair SRC DST\n"
"       hacc-bench [OPTIONS] mismatch SRC DST\n"
"       hacc-bench [OPTIONS] scale SRC1 DST1 [SRC2 DST2 ...]\n"
"       hacc-bench [OPTIONS] load SRC DST\n"
"\n"
"pair      migrate SRC -> DST once with PRE_COPY, timing every phase and\n"
"          reading the model counters of SRC, DST and the PF around it\n"
"mismatch  the same towards a DST whose match data differs: reports where\n"
"          the destination refused and which state the source was in\n"
"scale     migrate all pairs at once, one process per pair: total time and\n"
"          the downtime path of each\n"
"load      pair, with a ZIP workload keeping K jobs in flight on SRC: paused\n"
"          (as a VMM stops its vCPUs) before the downtime path, carried on\n"
"          on DST after it; jobs/s in 10 ms buckets, every job checked\n"
"\n"
"Options:\n"
"  -s, --seed N    guest state seed (default 1)\n"
"  -i, --iter N    iteration number copied to the output\n"
"  -m, --mode M    cdev (default) or group\n"
"  -k, --jobs K    load: jobs in flight (default 64)\n"
"  -w, --window MS load: workload time before and after the migration\n"
"                  (default 100)\n"
"  -L, --load      scale: every pair under load, as in load\n"
"  -h, --help      this text\n"
"\n"
"The driver name in the output is $HACC_DRIVER (ours|mainline) or guessed\n"
"from the loaded module.  Output: one JSON object on stdout.\n";

/* Phases of one migration, in the order a VMM runs them */
enum phase {
	PH_DST_STOP,		/* destination RUNNING -> STOP */
	PH_DST_RESUMING,	/* destination STOP -> RESUMING */
	PH_SRC_PRECOPY,		/* source RUNNING -> PRE_COPY */
	PH_PRECOPY_READ,	/* source: precopy info + read() */
	PH_PRECOPY_WRITE,	/* destination: write() of precopy data */
	PH_SRC_STOPCOPY,	/* source PRE_COPY -> STOP_COPY: downtime starts */
	PH_STOPCOPY_READ,	/* source: read() until 0 */
	PH_RESUME_WRITE,	/* destination: write() of STOP_COPY data */
	PH_DST_LOAD,		/* destination RESUMING -> STOP */
	PH_DST_RUNNING,		/* destination STOP -> RUNNING: downtime ends */
	PH_SRC_STOP,		/* source STOP_COPY -> STOP (after the switch-over) */
	/* only when both VFs offer VFIO_MIGRATION_P2P, as a VMM then asks: */
	PH_SRC_P2P,		/* source PRE_COPY -> PRE_COPY_P2P: downtime starts */
	PH_DST_P2P,		/* destination STOP -> RUNNING_P2P */
	NUM_PHASES
};

static const struct {
	const char *name;
	bool downtime;
} phase_info[NUM_PHASES] = {
	[PH_DST_STOP]		= { "dst RUNNING->STOP", false },
	[PH_DST_RESUMING]	= { "dst STOP->RESUMING", false },
	[PH_SRC_PRECOPY]	= { "src RUNNING->PRE_COPY", false },
	[PH_PRECOPY_READ]	= { "src precopy reads", false },
	[PH_PRECOPY_WRITE]	= { "dst precopy writes", false },
	[PH_SRC_STOPCOPY]	= { "src PRE_COPY->STOP_COPY", true },
	[PH_STOPCOPY_READ]	= { "src STOP_COPY reads", true },
	[PH_RESUME_WRITE]	= { "dst resume writes", true },
	[PH_DST_LOAD]		= { "dst RESUMING->STOP", true },
	[PH_DST_RUNNING]	= { "dst STOP->RUNNING", true },
	[PH_SRC_STOP]		= { "src STOP_COPY->STOP", false },
	[PH_SRC_P2P]		= { "src PRE_COPY->PRE_COPY_P2P", true },
	[PH_DST_P2P]		= { "dst STOP->RUNNING_P2P", true },
};

static const char * const mb_cmd_name[NUM_MB_CMDS] = {
	[HACC_MB_CMD_SQC] = "SQC", [HACC_MB_CMD_CQC] = "CQC",
	[HACC_MB_CMD_EQC] = "EQC", [HACC_MB_CMD_AEQC] = "AEQC",
	[HACC_MB_CMD_SQC_BT] = "SQC_BT", [HACC_MB_CMD_CQC_BT] = "CQC_BT",
	[HACC_MB_CMD_SQC_VFT_V2] = "SQC_VFT", [7] = "cmd7",
	[HACC_MB_CMD_STOP_QP] = "STOP_QP", [HACC_MB_CMD_FLUSH_QM] = "FLUSH_QM",
	[10] = "cmd10", [11] = "cmd11", [HACC_MB_CMD_SRC] = "SRC",
	[HACC_MB_CMD_DST] = "DST", [HACC_MB_CMD_PAUSE_QM] = "PAUSE_QM",
	[15] = "cmd15",
};

/* What the model counts for one function */
struct fn_count {
	__u64 mmio_r, mmio_w, dma_r, dma_w, mb, mb_err;
	__u64 jobs_fetched, jobs_done;	/* the model's ZIP task engine */
	__u64 mb_cmd[NUM_MB_CMDS];
};

enum { WHO_SRC, WHO_DST, WHO_PF, NUM_WHO };
static const char * const who_name[NUM_WHO] = { "src", "dst", "pf" };

struct snap {
	struct fn_count fn[NUM_WHO];
};

struct phase_rec {
	__u64 ns;
	unsigned int calls;
	__u64 bytes;
	struct fn_count d[NUM_WHO];
};

struct opts {
	unsigned int seed;
	int iter;
	enum hl_open_mode mode;
	unsigned int jobs;	/* load: jobs in flight */
	unsigned int window_ms;	/* load: workload before and after */
	bool load;		/* scale: under load */
};

static struct opts opt = {
	.seed = 1, .iter = -1, .mode = HACC_OPEN_CDEV, .jobs = 64, .window_ms = 100,
};

/* One migration: devices, the model window and what was measured */
struct run {
	struct hl_dev src, dst;
	struct hl_guest guest;
	struct hl_regs before;
	struct hl_model model;
	bool counting;
	bool p2p;		/* both VFs offer the P2P states */
	int fn[NUM_WHO];
	unsigned int qp_num[2];
	int src_fd, dst_fd;
	struct phase_rec ph[NUM_PHASES];
	struct snap a;
	__u64 t_start, t_down, t_end;
	__u8 buf[CHUNK];
	/* mismatch: where the destination refused */
	int reject_errno;
	__u32 src_state_at_reject;
	struct load *ld;	/* load: the workload on the source, else NULL */
	__u64 t_pause;		/* load: the workload paused */
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int fail(const char *what)
{
	fprintf(stderr, "hacc-bench: %s: %s\n", what, hl_last_error());
	return 1;
}

static void read_fn(struct hl_model *m, int fn, struct fn_count *c)
{
	int i;

	c->mmio_r = hl_model_fn_counter(m, fn, HACC_CTL_MMIO_READS);
	c->mmio_w = hl_model_fn_counter(m, fn, HACC_CTL_MMIO_WRITES);
	c->dma_r = hl_model_fn_counter(m, fn, HACC_CTL_DMA_READS);
	c->dma_w = hl_model_fn_counter(m, fn, HACC_CTL_DMA_WRITES);
	c->mb = hl_model_fn_counter(m, fn, HACC_CTL_MB_TOTAL);
	c->mb_err = hl_model_fn_counter(m, fn, HACC_CTL_MB_ERRORS);
	c->jobs_fetched = hl_model_fn_counter(m, fn, HACC_CTL_JOBS_FETCHED);
	c->jobs_done = hl_model_fn_counter(m, fn, HACC_CTL_JOBS_DONE);
	for (i = 0; i < NUM_MB_CMDS; i++)
		c->mb_cmd[i] = hl_model_fn_counter(m, fn, HACC_CTL_MB_CMD(i));
}

static void take_snap(struct run *r, struct snap *s)
{
	int w;

	if (!r->counting)
		return;
	for (w = 0; w < NUM_WHO; w++)
		read_fn(&r->model, r->fn[w], &s->fn[w]);
}

static void add_delta(struct fn_count *acc, const struct fn_count *a,
		      const struct fn_count *b)
{
	int i;

	acc->mmio_r += b->mmio_r - a->mmio_r;
	acc->mmio_w += b->mmio_w - a->mmio_w;
	acc->dma_r += b->dma_r - a->dma_r;
	acc->dma_w += b->dma_w - a->dma_w;
	acc->mb += b->mb - a->mb;
	acc->mb_err += b->mb_err - a->mb_err;
	acc->jobs_fetched += b->jobs_fetched - a->jobs_fetched;
	acc->jobs_done += b->jobs_done - a->jobs_done;
	for (i = 0; i < NUM_MB_CMDS; i++)
		acc->mb_cmd[i] += b->mb_cmd[i] - a->mb_cmd[i];
}

/* Counters are read before the clock starts and after it stops. */
static void phase_begin(struct run *r)
{
	take_snap(r, &r->a);
}

static void phase_end(struct run *r, enum phase p, __u64 t0, __u64 t1, __u64 bytes)
{
	struct phase_rec *ph = &r->ph[p];
	struct snap b;
	int w;

	ph->ns += t1 - t0;
	ph->calls++;
	ph->bytes += bytes;
	if (!r->counting)
		return;
	take_snap(r, &b);
	for (w = 0; w < NUM_WHO; w++)
		add_delta(&ph->d[w], &r->a.fn[w], &b.fn[w]);
}

static bool has_p2p(struct hl_dev *dev)
{
	__u64 flags = 0;

	return !hl_mig_flags(dev, &flags) && (flags & VFIO_MIGRATION_P2P);
}

/* One state change of one device, timed and counted */
static int arc(struct run *r, enum phase p, struct hl_dev *dev, __u32 state, int *fd)
{
	__u64 t0, t1;
	int ret;

	phase_begin(r);
	t0 = now_ns();
	ret = hl_mig_set_state(dev, state, fd);
	t1 = now_ns();
	phase_end(r, p, t0, t1, 0);
	if (p == PH_SRC_P2P || (p == PH_SRC_STOPCOPY && !r->p2p))
		r->t_down = t0;
	if (p == PH_DST_RUNNING)
		r->t_end = t1;
	return ret;
}

static ssize_t timed_write(struct run *r, enum phase p, const void *buf, size_t len)
{
	__u64 t0, t1;
	ssize_t n;

	phase_begin(r);
	t0 = now_ns();
	n = write(r->dst_fd, buf, len);
	t1 = now_ns();
	if (n < 0)
		r->reject_errno = errno;
	phase_end(r, p, t0, t1, n > 0 ? n : 0);
	if (n < 0)
		hl_fail(r->reject_errno, "%s: writing %zu bytes of migration data",
			  r->dst.bdf, len);
	else if ((size_t)n != len)
		hl_fail(EIO, "%s: short write %zd of %zu", r->dst.bdf, n, len);
	return n;
}

/* The SQC queue-table entry the VF sees: base and number of its queues */
static unsigned int vf_qp_num(struct hl_dev *dev)
{
	__u64 vft = 0;

	if (hl_mailbox(dev, HACC_MB_CMD_SQC_VFT_V2, true, 0, &vft))
		return 0;
	if (!(vft & HACC_VFT_SQC_VALID))
		return 0;
	return ((vft >> HACC_VFT_SQC_NUM_SHIFT) & HACC_VFT_SQC_NUM_MASK) + 1;
}

/*
 * The workload of `load` and `scale --load`: a thread keeps K compression
 * jobs of 4 KiB in flight on the source's queue 0 with the hl_jobs engine
 * (MSI to an eventfd), checks every result with zlib and counts
 * completions in 10 ms buckets.  The main thread pauses it before the
 * downtime path, as a VMM stops its vCPUs before it stops the devices,
 * moves it to the destination (hl_fn_move(): same IOVAs, the MSI eventfd
 * re-wired) once that runs, and lets it go on there.
 */
#define LOAD_BUCKET_NS	10000000ull
#define LOAD_BUCKETS	1000
#define LOAD_JOB_LEN	4096
#define LOAD_NDATA	4
#define LOAD_REAP_MS	5
#define LOAD_DRAIN_MS	3000

struct load {
	struct hl_fn fn;
	struct hl_jobs jobs;
	bool fn_up, jobs_up, thread_up;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool pause_req, paused, stop_submit, quit;
	int err;			/* first failure of the workload */
	char errmsg[256];
	__u64 t0;			/* the workload's start */
	unsigned int bucket[LOAD_BUCKETS];
	unsigned int inflight_at_stop;
	bool moved;
	int irq_at_move;		/* the MSI eventfd was readable at the move */
	unsigned long long lost_irq_at[2];	/* at the pause, at the end of the window */
	__u64 drops0[2];		/* the model's JOBS_DROPPED of src, dst at the set-up */
	unsigned char data[LOAD_NDATA][LOAD_JOB_LEN];
};

/* Text-like, run-length-like and mixed data: all compress, differently */
static void load_fill(struct load *l)
{
	static const char *const words[] = {
		"queue ", "doorbell ", "migration ", "deflate ", "phase ",
		"completion ", "\n", "interrupt ",
	};
	unsigned int seed = opt.seed, i, k;

	for (k = 0; k < LOAD_NDATA; k++) {
		for (i = 0; i < LOAD_JOB_LEN;) {
			unsigned int r = rand_r(&seed);
			const char *w = words[r % 8];
			unsigned int len = (k & 1) ? 1 + r % 200 : strlen(w);

			if (len > LOAD_JOB_LEN - i)
				len = LOAD_JOB_LEN - i;
			if (k & 1)
				memset(l->data[k] + i, r >> 8, len);
			else
				memcpy(l->data[k] + i, w, len);
			i += len;
		}
	}
}

static void load_fail(struct load *l, int err)
{
	if (l->err)
		return;
	l->err = err;
	snprintf(l->errmsg, sizeof(l->errmsg), "%s", hl_last_error());
}

static void *load_worker(void *arg)
{
	struct load *l = arg;
	unsigned int next = 0;
	bool submit;

	pthread_mutex_lock(&l->lock);
	while (!l->quit) {
		unsigned long long before;
		__u64 b;
		int n;

		submit = !l->stop_submit && !l->err;
		pthread_mutex_unlock(&l->lock);
		while (submit && l->jobs.inflight < opt.jobs) {
			const unsigned char *d = l->data[next++ % LOAD_NDATA];
			int ret = hl_jobs_submit(&l->jobs, d, LOAD_JOB_LEN, l->jobs.max_len,
						 d, LOAD_JOB_LEN, false);

			if (ret) {
				load_fail(l, ret);
				break;
			}
		}
		/* paused right after submitting: K jobs are in flight */
		pthread_mutex_lock(&l->lock);
		if (l->pause_req) {
			l->paused = true;
			pthread_cond_broadcast(&l->cond);
			while (l->pause_req && !l->quit)
				pthread_cond_wait(&l->cond, &l->lock);
			l->paused = false;
		}
		pthread_mutex_unlock(&l->lock);

		before = l->jobs.st.completed;
		n = hl_fn_reap(&l->fn, LOAD_REAP_MS);
		if (n < 0)
			load_fail(l, n);
		b = (now_ns() - l->t0) / LOAD_BUCKET_NS;
		if (l->jobs.st.completed > before && b < LOAD_BUCKETS)
			l->bucket[b] += l->jobs.st.completed - before;
		pthread_mutex_lock(&l->lock);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

/* Stop the workload after it submitted (and wait for it), or let it go on. */
static void load_pause(struct load *l, bool pause)
{
	pthread_mutex_lock(&l->lock);
	l->pause_req = pause;
	pthread_cond_broadcast(&l->cond);
	while (pause && !l->paused)
		pthread_cond_wait(&l->cond, &l->lock);
	pthread_mutex_unlock(&l->lock);
}

static int load_start(struct load *l, struct hl_dev *src)
{
	struct hl_fn_cfg fc = { .irq = true };
	struct hl_jobs_cfg jc = { .qn = 0, .op = HL_COMPRESS, .k = opt.jobs, .depth = 4 };
	int ret;

	while (jc.depth <= opt.jobs)
		jc.depth *= 2;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cond, NULL);
	load_fill(l);
	ret = hl_fn_init(&l->fn, src, &fc);
	if (ret)
		return ret;
	l->fn_up = true;
	ret = hl_jobs_init(&l->jobs, &l->fn, &jc);
	if (ret)
		return ret;
	l->jobs_up = true;
	l->t0 = now_ns();
	ret = pthread_create(&l->thread, NULL, load_worker, l);
	if (ret)
		return hl_fail(ret, "pthread_create");
	l->thread_up = true;
	return 0;
}

static void load_join(struct load *l)
{
	if (!l->thread_up)
		return;
	pthread_mutex_lock(&l->lock);
	l->quit = true;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
	pthread_join(l->thread, NULL);
	l->thread_up = false;
}

/*
 * After the switch-over: carry on on the destination for the window, then
 * stop submitting and wait for every job in flight.  What is still in
 * flight after LOAD_DRAIN_MS is lost.
 */
static int load_finish(struct load *l, struct hl_dev *dst)
{
	__u64 end;
	int ret;

	{
		struct pollfd p = { .fd = l->fn.irq_fd, .events = POLLIN };

		l->irq_at_move = poll(&p, 1, 0);
	}
	ret = hl_fn_move(&l->fn, dst);
	if (ret) {
		load_fail(l, ret);
		load_join(l);
		return ret;
	}
	l->moved = true;
	load_pause(l, false);
	usleep(opt.window_ms * 1000);
	pthread_mutex_lock(&l->lock);
	l->stop_submit = true;
	l->lost_irq_at[1] = l->fn.st.lost_irq;
	pthread_mutex_unlock(&l->lock);
	end = now_ns() + LOAD_DRAIN_MS * 1000000ull;
	while (__atomic_load_n(&l->jobs.inflight, __ATOMIC_RELAXED) && now_ns() < end)
		usleep(1000);
	load_join(l);
	return 0;
}

/* Jobs submitted and not completed, and completed with a wrong result */
static unsigned long long load_lost(const struct load *l)
{
	return l->jobs.st.submitted - l->jobs.st.completed;
}

static unsigned long long load_bad(const struct load *l)
{
	return l->jobs.st.bad + l->jobs.st.hw_err;
}

static void load_free(struct load *l)
{
	if (!l)
		return;
	load_join(l);
	if (l->jobs_up)
		hl_jobs_fini(&l->jobs);
	if (l->fn_up)
		hl_fn_fini(&l->fn);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->cond);
	free(l);
}

/*
 * Open both VFs, give the source guest state (under load: start the
 * workload on it), take the destination to RESUMING (as a VMM does before
 * the source starts PRE_COPY).
 */
static int run_setup(struct run *r, const char *src, const char *dst, bool counting)
{
	char pf[32];
	int ret;

	r->src_fd = r->dst_fd = -1;
	r->src.fd = r->dst.fd = -1;
	r->model.fd = -1;
	if (hl_dev_open(&r->src, src, opt.mode))
		return fail("open source");
	if (hl_dev_open(&r->dst, dst, opt.mode))
		return fail("open destination");
	if (r->ld) {
		if (load_start(r->ld, &r->src))
			return fail("workload on the source");
	} else if (hl_guest_attach(&r->guest, &r->src) ||
		   hl_guest_program(&r->guest, opt.seed) ||
		   hl_guest_read(&r->guest, &r->before)) {
		return fail("guest set-up of the source");
	}
	r->qp_num[0] = vf_qp_num(&r->src);
	r->qp_num[1] = vf_qp_num(&r->dst);
	r->p2p = has_p2p(&r->src) && has_p2p(&r->dst);

	r->counting = counting;
	if (counting) {
		ret = hl_sys_pf(r->src.bdf, pf, sizeof(pf));
		if (ret) {
			hl_fail(-ret, "%s: no physfn link", r->src.bdf);
			return fail("model window");
		}
		if (hl_model_open(&r->model, pf))
			return fail("model window");
		r->fn[WHO_SRC] = hl_sys_vf_fn(r->src.bdf);
		r->fn[WHO_DST] = hl_sys_vf_fn(r->dst.bdf);
		r->fn[WHO_PF] = 0;
		if (r->fn[WHO_SRC] < 0 || r->fn[WHO_DST] < 0) {
			hl_fail(ENODEV, "function numbers of %s / %s", r->src.bdf, r->dst.bdf);
			return fail("model window");
		}
	}
	if (arc(r, PH_DST_STOP, &r->dst, VFIO_DEVICE_STATE_STOP, NULL) ||
	    arc(r, PH_DST_RESUMING, &r->dst, VFIO_DEVICE_STATE_RESUMING, &r->dst_fd))
		return fail("destination to RESUMING");
	return 0;
}

/*
 * PRE_COPY: read what the source offers while it runs and hand it to the
 * destination, until initial_bytes is 0.  Mainline returns 0 from read()
 * at the temporary end of the stream, ours -ENOMSG; both end the loop once
 * initial_bytes says everything was read.
 */
static int run_precopy(struct run *r)
{
	struct vfio_precopy_info info;
	int loops = 0, ret;
	__u64 t0, t1;
	ssize_t n;

	if (arc(r, PH_SRC_PRECOPY, &r->src, VFIO_DEVICE_STATE_PRE_COPY, &r->src_fd))
		return fail("source to PRE_COPY");
	for (;;) {
		phase_begin(r);
		t0 = now_ns();
		ret = hl_precopy_info(r->src_fd, &info);
		n = 0;
		if (!ret && info.initial_bytes) {
			n = read(r->src_fd, r->buf, sizeof(r->buf));
			if (n < 0 && errno != ENOMSG)
				ret = hl_fail(errno, "%s: PRE_COPY read", r->src.bdf);
		}
		t1 = now_ns();
		phase_end(r, PH_PRECOPY_READ, t0, t1, n > 0 ? n : 0);
		if (ret)
			return fail("precopy");
		if (!info.initial_bytes)
			return 0;
		if (n > 0 && timed_write(r, PH_PRECOPY_WRITE, r->buf, n) < 0)
			return 1;
		if (++loops > 64) {
			hl_fail(EPROTO, "%s: initial_bytes stays at %llu", r->src.bdf,
				  (unsigned long long)info.initial_bytes);
			return fail("precopy");
		}
	}
}

/* Switch-over: source STOP_COPY, copy the rest, destination loads and runs. */
static int run_switchover(struct run *r)
{
	int fd = -1, ret;
	__u64 t0, t1;
	ssize_t n;

	/* A VMM stops the vCPUs first: the guest's jobs stay in flight */
	if (r->ld) {
		load_pause(r->ld, true);
		r->t_pause = now_ns();
		r->ld->inflight_at_stop = r->ld->jobs.inflight;
		r->ld->lost_irq_at[0] = r->ld->fn.st.lost_irq;
	}
	/* With P2P a VMM quiesces every device before it stops any */
	if (r->p2p && arc(r, PH_SRC_P2P, &r->src, VFIO_DEVICE_STATE_PRE_COPY_P2P, NULL))
		return fail("source PRE_COPY -> PRE_COPY_P2P");
	ret = arc(r, PH_SRC_STOPCOPY, &r->src, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	if (fd >= 0)
		close(fd);
	if (ret)
		return fail("source to STOP_COPY");
	for (;;) {
		phase_begin(r);
		t0 = now_ns();
		n = read(r->src_fd, r->buf, sizeof(r->buf));
		t1 = now_ns();
		phase_end(r, PH_STOPCOPY_READ, t0, t1, n > 0 ? n : 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			hl_fail(errno, "%s: STOP_COPY read", r->src.bdf);
			return fail("stop-copy");
		}
		if (!n)
			break;
		if (timed_write(r, PH_RESUME_WRITE, r->buf, n) < 0)
			return fail("resume write");
	}
	if (arc(r, PH_DST_LOAD, &r->dst, VFIO_DEVICE_STATE_STOP, NULL))
		return fail("destination RESUMING -> STOP");
	close(r->dst_fd);
	r->dst_fd = -1;
	if (r->p2p && arc(r, PH_DST_P2P, &r->dst, VFIO_DEVICE_STATE_RUNNING_P2P, NULL))
		return fail("destination STOP -> RUNNING_P2P");
	if (arc(r, PH_DST_RUNNING, &r->dst, VFIO_DEVICE_STATE_RUNNING, NULL))
		return fail("destination STOP -> RUNNING");
	if (arc(r, PH_SRC_STOP, &r->src, VFIO_DEVICE_STATE_STOP, NULL))
		return fail("source STOP_COPY -> STOP");
	return 0;
}

/* Registers of the destination against the source's before migration */
static int run_verify(struct run *r)
{
	struct hl_guest g;
	struct hl_regs got;
	int ret;

	ret = hl_guest_attach(&g, &r->dst);
	if (!ret)
		ret = hl_guest_read(&g, &got);
	hl_guest_detach(&g);
	if (ret)
		return -1;
	return hl_regs_diff(&r->before, &got, NULL);
}

static void run_close(struct run *r)
{
	if (r->src_fd >= 0)
		close(r->src_fd);
	if (r->dst_fd >= 0)
		close(r->dst_fd);
	load_free(r->ld);
	r->ld = NULL;
	hl_guest_detach(&r->guest);
	hl_dev_close(&r->src);
	hl_dev_close(&r->dst);
	hl_model_close(&r->model);
}

static void json_counts(const char *name, const struct fn_count *c, bool last)
{
	printf("\"%s\":{\"mmio_r\":%llu,\"mmio_w\":%llu,\"mb\":%llu,\"mb_err\":%llu,"
	       "\"dma_r\":%llu,\"dma_w\":%llu,\"jobs_fetched\":%llu,\"jobs_done\":%llu}%s",
	       name, (unsigned long long)c->mmio_r, (unsigned long long)c->mmio_w,
	       (unsigned long long)c->mb, (unsigned long long)c->mb_err,
	       (unsigned long long)c->dma_r, (unsigned long long)c->dma_w,
	       (unsigned long long)c->jobs_fetched, (unsigned long long)c->jobs_done,
	       last ? "" : ",");
}

static void json_mb_cmds(const struct phase_rec *ph)
{
	bool first = true;
	int i, w;

	printf("\"mb_cmds\":{");
	for (i = 0; i < NUM_MB_CMDS; i++) {
		__u64 n = 0;

		for (w = 0; w < NUM_WHO; w++)
			n += ph->d[w].mb_cmd[i];
		if (!n)
			continue;
		printf("%s\"%s\":%llu", first ? "" : ",", mb_cmd_name[i], (unsigned long long)n);
		first = false;
	}
	printf("}");
}

static void json_head(const char *kind, const struct run *r)
{
	printf("{\"kind\":\"%s\",\"driver\":\"%s\",\"iter\":%d,\"seed\":%u,"
	       "\"src\":\"%s\",\"dst\":\"%s\",\"src_fn\":%d,\"dst_fn\":%d,"
	       "\"src_qp_num\":%u,\"dst_qp_num\":%u,",
	       kind, hl_flavour_name(hl_flavour()), opt.iter, opt.seed,
	       r->src.bdf, r->dst.bdf, r->fn[WHO_SRC], r->fn[WHO_DST],
	       r->qp_num[0], r->qp_num[1]);
}

static void json_phases(const struct run *r)
{
	int p, w;

	printf("\"phases\":[");
	for (p = 0; p < NUM_PHASES; p++) {
		const struct phase_rec *ph = &r->ph[p];

		printf("%s{\"name\":\"%s\",\"downtime\":%s,\"ns\":%llu,\"calls\":%u,"
		       "\"bytes\":%llu,", p ? "," : "", phase_info[p].name,
		       phase_info[p].downtime ? "true" : "false",
		       (unsigned long long)ph->ns, ph->calls, (unsigned long long)ph->bytes);
		for (w = 0; w < NUM_WHO; w++)
			json_counts(who_name[w], &ph->d[w], false);
		json_mb_cmds(ph);
		printf("}");
	}
	printf("]");
}

static int cmd_pair(const char *src, const char *dst)
{
	struct run *r = calloc(1, sizeof(*r));
	int rc = 1, diffs;

	if (!r)
		return fail("out of memory");
	if (run_setup(r, src, dst, true))
		goto out;
	r->t_start = now_ns();
	if (run_precopy(r)) {
		if (r->reject_errno)
			fail("destination refused the match data");
		goto out;
	}
	if (run_switchover(r))
		goto out;
	diffs = run_verify(r);
	json_head("pair", r);
	printf("\"total_ns\":%llu,\"downtime_ns\":%llu,\"verify_diffs\":%d,",
	       (unsigned long long)(r->t_end - r->t_start),
	       (unsigned long long)(r->t_end - r->t_down), diffs);
	json_phases(r);
	printf("}\n");
	rc = diffs ? 1 : 0;
	if (diffs)
		fprintf(stderr, "hacc-bench: %d register(s) of %s differ from the source\n",
			diffs, r->dst.bdf);
out:
	run_close(r);
	free(r);
	return rc;
}

/*
 * A destination with other match data must refuse it while the source is
 * still in PRE_COPY: then the source goes back to RUNNING, never having
 * been paused.  Reported, not asserted: the JSON says what happened.
 */
static int cmd_mismatch(const char *src, const char *dst)
{
	struct run *r = calloc(1, sizeof(*r));
	struct hl_regs after;
	__u32 state = 0, final = 0;
	int rc = 1, diffs = -1, ret;
	__u64 t_reject = 0;
	bool refused;

	if (!r)
		return fail("out of memory");
	if (run_setup(r, src, dst, true))
		goto out;
	r->t_start = now_ns();
	ret = run_precopy(r);
	t_reject = now_ns();
	refused = ret && r->reject_errno;
	if (hl_mig_get_state(&r->src, &state))
		fail("source state");
	r->src_state_at_reject = state;
	if (!refused && !ret) {
		/* the destination took the match data: finish and see */
		ret = run_switchover(r);
		if (!ret && hl_mig_get_state(&r->src, &state))
			fail("source state");
	}
	/* a VMM cancels: the source returns to RUNNING */
	if (hl_mig_set_state(&r->src, VFIO_DEVICE_STATE_RUNNING, NULL))
		fail("source back to RUNNING");
	if (hl_mig_get_state(&r->src, &final))
		fail("source state");
	if (!hl_guest_read(&r->guest, &after))
		diffs = hl_regs_diff(&r->before, &after, NULL);

	json_head("mismatch", r);
	printf("\"refused_in_precopy\":%s,\"write_errno\":%d,\"write_error\":\"%s\","
	       "\"src_state_at_refusal\":\"%s\",\"src_state_final\":\"%s\","
	       "\"src_pause_qm\":%llu,\"src_stopped\":%s,\"ns_to_refusal\":%llu,"
	       "\"src_regs_diffs_after\":%d,",
	       refused ? "true" : "false", r->reject_errno,
	       r->reject_errno ? strerror(r->reject_errno) : "",
	       hl_state_name(r->src_state_at_reject), hl_state_name(final),
	       (unsigned long long)(r->ph[PH_SRC_PRECOPY].d[WHO_SRC].mb_cmd[HACC_MB_CMD_PAUSE_QM] +
				    r->ph[PH_PRECOPY_READ].d[WHO_SRC].mb_cmd[HACC_MB_CMD_PAUSE_QM] +
				    r->ph[PH_PRECOPY_WRITE].d[WHO_SRC].mb_cmd[HACC_MB_CMD_PAUSE_QM] +
				    r->ph[PH_SRC_STOPCOPY].d[WHO_SRC].mb_cmd[HACC_MB_CMD_PAUSE_QM]),
	       r->ph[PH_SRC_STOPCOPY].calls ? "true" : "false",
	       (unsigned long long)(t_reject - r->t_start), diffs);
	json_phases(r);
	printf("}\n");
	rc = refused ? 0 : 1;
out:
	run_close(r);
	free(r);
	return rc;
}

static double rel_ms(const struct load *l, __u64 t)
{
	return t ? (double)(t - l->t0) / 1e6 : 0;
}

/*
 * pair with the workload running on the source: the same phases, plus the
 * workload's throughput around the migration and whether every job it
 * submitted completed once with the right output.
 */
static int cmd_load(const char *src, const char *dst)
{
	struct run *r = calloc(1, sizeof(*r));
	const struct load *l;
	unsigned int i, nb;
	__u64 t_last, drops[2];
	char why_src[128], why_dst[128];
	const char *why;
	int rc = 1;

	if (!r)
		return fail("out of memory");
	r->ld = calloc(1, sizeof(*r->ld));
	if (!r->ld) {
		free(r);
		return fail("out of memory");
	}
	l = r->ld;
	if (run_setup(r, src, dst, true))
		goto out;
	r->ld->drops0[0] = hl_model_drops(&r->model, r->fn[WHO_SRC], NULL, 0);
	r->ld->drops0[1] = hl_model_drops(&r->model, r->fn[WHO_DST], NULL, 0);
	usleep(opt.window_ms * 1000);
	r->t_start = now_ns();
	if (run_precopy(r) || run_switchover(r))
		goto out;
	if (load_finish(r->ld, &r->dst)) {
		fail("workload on the destination");
		goto out;
	}
	t_last = now_ns();
	/* jobs the model's engines lost, and why the last one was (dst first) */
	drops[0] = hl_model_drops(&r->model, r->fn[WHO_SRC], why_src, sizeof(why_src)) -
		   l->drops0[0];
	drops[1] = hl_model_drops(&r->model, r->fn[WHO_DST], why_dst, sizeof(why_dst)) -
		   l->drops0[1];
	why = drops[1] ? why_dst : drops[0] ? why_src : "";
	nb = (t_last - l->t0) / LOAD_BUCKET_NS + 1;
	if (nb > LOAD_BUCKETS)
		nb = LOAD_BUCKETS;
	json_head("load", r);
	printf("\"total_ns\":%llu,\"downtime_ns\":%llu,\"jobs_k\":%u,\"window_ms\":%u,"
	       "\"submitted\":%llu,\"completed\":%llu,\"verified\":%llu,\"lost\":%llu,"
	       "\"bad\":%llu,\"nc\":%llu,\"inflight_at_stop\":%u,\"lost_irq\":%llu,"
	       "\"bad_cqe\":%llu,\"irqs\":%llu,\"eqes\":%llu,\"irq_at_move\":%d,"
	       "\"lost_irq_at_pause\":%llu,\"lost_irq_at_end\":%llu,"
	       "\"dropped_src\":%llu,\"dropped_dst\":%llu,\"drop_why\":\"%s\","
	       "\"workload_error\":\"%s\",",
	       (unsigned long long)(r->t_end - r->t_start),
	       (unsigned long long)(r->t_end - r->t_down), opt.jobs, opt.window_ms,
	       l->jobs.st.submitted, l->jobs.st.completed, l->jobs.st.verified,
	       load_lost(l), load_bad(l), l->jobs.st.nc, l->inflight_at_stop,
	       l->fn.st.lost_irq, l->fn.st.bad_cqe, l->fn.st.irqs, l->fn.st.eqes,
	       l->irq_at_move, l->lost_irq_at[0], l->lost_irq_at[1],
	       (unsigned long long)drops[0], (unsigned long long)drops[1], why,
	       l->err ? l->errmsg : "");
	printf("\"t_precopy_ms\":%.3f,\"t_pause_ms\":%.3f,\"t_down_ms\":%.3f,"
	       "\"t_end_ms\":%.3f,\"bucket_ms\":%llu,\"buckets\":[",
	       rel_ms(l, r->t_start), rel_ms(l, r->t_pause), rel_ms(l, r->t_down),
	       rel_ms(l, r->t_end), LOAD_BUCKET_NS / 1000000ull);
	for (i = 0; i < nb; i++)
		printf("%s%u", i ? "," : "", l->bucket[i]);
	printf("],");
	json_phases(r);
	printf("}\n");
	rc = load_lost(l) || load_bad(l) || drops[0] || drops[1] || l->err ? 1 : 0;
	if (rc)
		fprintf(stderr, "hacc-bench: load: %llu job(s) lost, of which %llu dropped by the engine%s%s%s, %llu wrong%s%s\n",
			load_lost(l), (unsigned long long)(drops[0] + drops[1]),
			why[0] ? " (the last because " : "", why, why[0] ? ")" : "",
			load_bad(l), l->err ? ": " : "", l->err ? l->errmsg : "");
out:
	run_close(r);
	free(r);
	return rc;
}

struct scale_res {
	int ok;
	__u64 t_go, t_start, t_down, t_end;
	int diffs;
	/* under load */
	unsigned long long jobs_done, jobs_lost, jobs_bad;
};

/* Where each child is, in memory shared with the parent, for a stall report */
enum scale_stage { ST_FORKED, ST_SETUP, ST_READY, ST_MIGRATING, ST_VERIFY, ST_DONE };
static const char * const stage_name[] = {
	"forked", "opening/set-up", "waiting for go", "migrating", "verifying", "done",
};
static volatile int *stage;

/* One child of the scale run: set up, wait for the go, migrate. */
static int scale_child(int idx, const char *src, const char *dst, int ready_w, int go_r,
		       int res_w)
{
	struct run *r = calloc(1, sizeof(*r));
	struct scale_res res = { .ok = 0, .diffs = -1 };
	char c = 0;

	stage[idx] = ST_SETUP;
	if (r && opt.load)
		r->ld = calloc(1, sizeof(*r->ld));
	if (r && (!opt.load || r->ld) && !run_setup(r, src, dst, false))
		res.ok = 1;
	stage[idx] = ST_READY;
	if (write(ready_w, &c, 1) != 1 || read(go_r, &c, 1) != 1)
		res.ok = 0;
	if (res.ok) {
		stage[idx] = ST_MIGRATING;
		res.t_go = now_ns();
		r->t_start = res.t_go;
		res.ok = !run_precopy(r) && !run_switchover(r);
		res.t_start = r->t_start;
		res.t_down = r->t_down;
		res.t_end = r->t_end;
		stage[idx] = ST_VERIFY;
		if (res.ok && r->ld) {
			/* the jobs are what is checked under load */
			res.ok = !load_finish(r->ld, &r->dst);
			res.diffs = 0;
		} else if (res.ok) {
			res.diffs = run_verify(r);
		}
		if (r->ld) {
			res.jobs_done = r->ld->jobs.st.completed;
			res.jobs_lost = load_lost(r->ld);
			res.jobs_bad = load_bad(r->ld);
		}
	}
	if (write(res_w, &res, sizeof(res)) != sizeof(res))
		res.ok = 0;
	if (r)
		run_close(r);
	free(r);
	stage[idx] = ST_DONE;
	return res.ok ? 0 : 1;
}

/* Read exactly len bytes from fd within the deadline; false on timeout/EOF. */
static bool read_by(int fd, void *buf, size_t len, __u64 deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		__u64 now = now_ns();

		if (now >= deadline || poll(&p, 1, (deadline - now) / 1000000 + 1) <= 0)
			return false;
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return false;
		got += n;
	}
	return true;
}

/* Say where the children that did not finish are, in the kernel too. */
static void report_stall(int n, const pid_t *pid, const char *waiting_for)
{
	char path[64], line[256];
	int i;

	fprintf(stderr, "hacc-bench: scale: no %s after %d ms\n", waiting_for, SCALE_WAIT_MS);
	for (i = 0; i < n; i++) {
		FILE *f;

		if (stage[i] == ST_DONE)
			continue;
		fprintf(stderr, "hacc-bench:   child %d (pid %d): %s", i, pid[i],
			stage_name[stage[i]]);
		snprintf(path, sizeof(path), "/proc/%d/wchan", pid[i]);
		f = fopen(path, "r");
		if (f && fgets(line, sizeof(line), f))
			fprintf(stderr, ", wchan %s", line);
		if (f)
			fclose(f);
		fputc('\n', stderr);
		snprintf(path, sizeof(path), "/proc/%d/stack", pid[i]);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			fprintf(stderr, "hacc-bench:     %s", line);
		if (f)
			fclose(f);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static int cmd_scale(int n, char **bdfs)
{
	int ready[2], go[2], res[2], i, ok = 0, bad = 0;
	struct scale_res rs[MAX_PAIRS];
	__u64 down[MAX_PAIRS], t_go = 0, t_last = 0;
	pid_t pid[MAX_PAIRS];
	__u64 deadline;
	int stalled = 0, go_r;
	char c;

	if (pipe(ready) || pipe(go) || pipe(res)) {
		perror("hacc-bench: pipe");
		return 1;
	}
	stage = mmap(NULL, sizeof(int) * MAX_PAIRS, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stage == MAP_FAILED) {
		perror("hacc-bench: mmap");
		return 1;
	}
	/*
	 * Children open and set up their pairs one after the other (opening a
	 * VF resets it; sixteen concurrent resets and guest set-ups are not
	 * what is measured), then all migrate at once.
	 */
	go_r = go[0];
	for (i = 0; i < n; i++)
		pid[i] = -1;
	for (i = 0; i < n && !stalled; i++) {
		pid[i] = fork();
		if (pid[i] < 0) {
			perror("hacc-bench: fork");
			stalled = 1;
			break;
		}
		if (!pid[i]) {
			close(ready[0]);
			close(go[1]);
			close(res[0]);
			_exit(scale_child(i, bdfs[2 * i], bdfs[2 * i + 1], ready[1], go_r,
					  res[1]));
		}
		deadline = now_ns() + SCALE_WAIT_MS * 1000000ull;
		if (!read_by(ready[0], &c, 1, deadline)) {
			report_stall(i + 1, pid, "ready signal from a child");
			stalled = 1;
		}
	}
	close(ready[1]);
	close(res[1]);
	close(go[0]);
	/* one byte per child: they all start within a few microseconds */
	t_go = now_ns();
	for (i = 0; i < n; i++)
		if (write(go[1], "g", 1) != 1)
			bad++;
	close(go[1]);
	deadline = now_ns() + SCALE_WAIT_MS * 1000000ull;
	for (i = 0; i < n; i++) {
		if (stalled || !read_by(res[0], &rs[i], sizeof(rs[i]), deadline)) {
			if (!stalled)
				report_stall(n, pid, "result from every child");
			stalled = 1;
			memset(&rs[i], 0, sizeof(rs[i]));
			rs[i].diffs = -1;
			bad++;
			continue;
		}
		if (!rs[i].ok) {
			bad++;
			continue;
		}
		down[ok++] = rs[i].t_end - rs[i].t_down;
		if (rs[i].t_end > t_last)
			t_last = rs[i].t_end;
	}
	for (i = 0; i < n; i++) {
		int tries = 0;

		if (pid[i] < 0)
			continue;
		if (!stalled || stage[i] == ST_DONE) {
			waitpid(pid[i], NULL, 0);
			continue;
		}
		kill(pid[i], SIGKILL);
		/* a child stuck in the kernel may not die: do not wait forever */
		while (waitpid(pid[i], NULL, WNOHANG) == 0 && ++tries < 20)
			usleep(100000);
		if (tries >= 20)
			fprintf(stderr, "hacc-bench: child %d (pid %d) does not die\n", i, pid[i]);
	}
	qsort(down, ok, sizeof(down[0]), cmp_u64);
	printf("{\"kind\":\"scale\",\"driver\":\"%s\",\"iter\":%d,\"n\":%d,\"ok\":%d,"
	       "\"stalled\":%s,", hl_flavour_name(hl_flavour()), opt.iter, n, ok,
	       stalled ? "true" : "false");
	printf("\"total_ns\":%llu,\"downtime_ns_max\":%llu,\"downtime_ns_median\":%llu,"
	       "\"downtime_ns\":[",
	       (unsigned long long)(ok ? t_last - t_go : 0),
	       (unsigned long long)(ok ? down[ok - 1] : 0),
	       (unsigned long long)(ok ? down[ok / 2] : 0));
	for (i = 0; i < ok; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)down[i]);
	printf("],\"verify_diffs\":[");
	for (i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", rs[i].diffs);
	printf("],\"load\":%s", opt.load ? "true" : "false");
	if (opt.load) {
		printf(",\"jobs_k\":%u,\"jobs_completed\":[", opt.jobs);
		for (i = 0; i < n; i++)
			printf("%s%llu", i ? "," : "", rs[i].jobs_done);
		printf("],\"jobs_lost\":[");
		for (i = 0; i < n; i++)
			printf("%s%llu", i ? "," : "", rs[i].jobs_lost);
		printf("],\"jobs_bad\":[");
		for (i = 0; i < n; i++)
			printf("%s%llu", i ? "," : "", rs[i].jobs_bad);
		printf("]");
	}
	printf("}\n");
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "iter", required_argument, NULL, 'i' },
		{ "mode", required_argument, NULL, 'm' },
		{ "jobs", required_argument, NULL, 'k' },
		{ "window", required_argument, NULL, 'w' },
		{ "load", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *cmd;
	int c, nargs;

	while ((c = getopt_long(argc, argv, "s:i:m:k:w:Lh", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.seed = strtoul(optarg, NULL, 0);
			if (!opt.seed || opt.seed > 255) {
				fprintf(stderr, "hacc-bench: --seed wants 1..255\n");
				return 2;
			}
			break;
		case 'i':
			opt.iter = atoi(optarg);
			break;
		case 'm':
			if (hl_mode_parse(optarg, &opt.mode)) {
				fprintf(stderr, "hacc-bench: unknown open mode '%s'\n", optarg);
				return 2;
			}
			break;
		case 'k':
			opt.jobs = strtoul(optarg, NULL, 0);
			if (!opt.jobs || opt.jobs > 512) {
				fprintf(stderr, "hacc-bench: --jobs wants 1..512\n");
				return 2;
			}
			break;
		case 'w':
			opt.window_ms = strtoul(optarg, NULL, 0);
			break;
		case 'L':
			opt.load = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	cmd = argv[optind++];
	nargs = argc - optind;
	if (!strcmp(cmd, "pair") && nargs == 2)
		return cmd_pair(argv[optind], argv[optind + 1]);
	if (!strcmp(cmd, "load") && nargs == 2)
		return cmd_load(argv[optind], argv[optind + 1]);
	if (!strcmp(cmd, "mismatch") && nargs == 2)
		return cmd_mismatch(argv[optind], argv[optind + 1]);
	if (!strcmp(cmd, "scale") && nargs >= 2 && !(nargs % 2) && nargs / 2 <= MAX_PAIRS)
		return cmd_scale(nargs / 2, argv + optind);
	fprintf(stderr, "hacc-bench: bad command or argument count\n");
	fputs(usage_text, stderr);
	return 2;
}
