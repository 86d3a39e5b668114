// SPDX-License-Identifier: GPL-2.0
/*
 * hacc_zload: a deflate workload for one acomp algorithm driver.
 *
 * Keeps a set number of requests in flight through the driver under test
 * (by default hisi-deflate-acomp, the HiSilicon ZIP engine) and checks every
 * result against the kernel's own deflate: what the driver compresses must
 * inflate back to the input with lib/zlib_inflate, and what a synchronous
 * deflate of the same kernel (the reference) compresses the driver must
 * inflate to the input.  Counters and
 * the run control live in debugfs (hacc_zload/stats and hacc_zload/run);
 * see tools/testing/hacc_zload/README.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/acompress.h>
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/crypto.h>
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/zlib.h>

#define ZL_MAX_DEPTH	1024
#define ZL_MAX_SIZE	65536
#define ZL_MAX_HOLD	16
/* Room for deflate's worst case (stored blocks) on incompressible data. */
static unsigned int zl_packed_cap(unsigned int n)
{
	return n + n / 8 + 256;
}

/* Inflated output gets more room than the input so that overlong output shows. */
static unsigned int zl_check_cap(unsigned int n)
{
	return n + 256;
}

static char *driver = "hisi-deflate-acomp";
module_param(driver, charp, 0644);
MODULE_PARM_DESC(driver, "acomp algorithm driver under test (default hisi-deflate-acomp)");

static char *ref_driver = "deflate";
module_param(ref_driver, charp, 0644);
MODULE_PARM_DESC(ref_driver,
		 "reference algorithm; only synchronous implementations qualify (default deflate, i.e. the generic one)");

static unsigned int depth = 16;
module_param(depth, uint, 0644);
MODULE_PARM_DESC(depth, "requests kept in flight (1-1024, default 16)");

static unsigned int min_size = 4096;
module_param(min_size, uint, 0644);
MODULE_PARM_DESC(min_size, "smallest request in bytes (1-65536, default 4096)");

static unsigned int max_size = 4096;
module_param(max_size, uint, 0644);
MODULE_PARM_DESC(max_size, "largest request in bytes (min_size-65536, default 4096)");

enum zl_pattern { ZL_ZEROS, ZL_TEXT, ZL_RANDOM, ZL_MIXED };
static const char * const zl_pattern_names[] = { "zeros", "text", "random", "mixed" };

enum zl_mode { ZL_COMP, ZL_DECOMP, ZL_BOTH };
static const char * const zl_mode_names[] = { "comp", "decomp", "both" };

/* A parameter that is one of a list of names: a bad name is refused when written. */
struct zl_choice {
	const char * const *names;
	size_t n;
	int val;
};

static int zl_choice_set(const char *s, const struct kernel_param *kp)
{
	struct zl_choice *c = kp->arg;
	int i = __sysfs_match_string(c->names, c->n, s);

	if (i < 0)
		return i;
	c->val = i;
	return 0;
}

static int zl_choice_get(char *buf, const struct kernel_param *kp)
{
	const struct zl_choice *c = kp->arg;

	return sysfs_emit(buf, "%s\n", c->names[c->val]);
}

static const struct kernel_param_ops zl_choice_ops = {
	.set = zl_choice_set,
	.get = zl_choice_get,
};

static struct zl_choice pattern = {
	zl_pattern_names, ARRAY_SIZE(zl_pattern_names), ZL_MIXED
};
module_param_cb(pattern, &zl_choice_ops, &pattern, 0644);
MODULE_PARM_DESC(pattern, "data: zeros, text, random or mixed (default mixed)");

static struct zl_choice mode = { zl_mode_names, ARRAY_SIZE(zl_mode_names), ZL_BOTH };
module_param_cb(mode, &zl_choice_ops, &mode, 0644);
MODULE_PARM_DESC(mode,
		 "comp: the driver compresses, decomp: it decompresses, both: alternate (default)");

static ulong jobs;
module_param(jobs, ulong, 0644);
MODULE_PARM_DESC(jobs, "jobs per run, then the run is done (default 0: until stopped)");

static unsigned int timeout_ms = 5000;
module_param(timeout_ms, uint, 0644);
MODULE_PARM_DESC(timeout_ms, "a request not completed after this long counts as timed out (default 5000)");

static unsigned int hold_tfms;
module_param(hold_tfms, uint, 0644);
MODULE_PARM_DESC(hold_tfms,
		 "transforms of the driver allocated first and left idle for the run, e.g. to fill a PF's queues so that a VF serves the run (0-16, default 0)");

static bool autostart = true;
module_param(autostart, bool, 0444);
MODULE_PARM_DESC(autostart, "start a run when the module loads (default Y)");

static uint seed;
module_param(seed, uint, 0644);
MODULE_PARM_DESC(seed, "data seed; job J of a run with seed S always has the same input (default 0: random)");

static unsigned int x_corrupt_every;
module_param(x_corrupt_every, uint, 0644);
MODULE_PARM_DESC(x_corrupt_every,
		 "test only: flip a byte of the driver's output of every Nth job before the check");

static unsigned int x_delay_every;
module_param(x_delay_every, uint, 0644);
MODULE_PARM_DESC(x_delay_every,
		 "test only: hold the completion of every Nth job for x_delay_ms");

static unsigned int x_delay_ms;
module_param(x_delay_ms, uint, 0644);
MODULE_PARM_DESC(x_delay_ms, "test only: how long a held completion is held (0: for ever)");

/* A slot is one request and its buffers, reused job after job. */
enum zl_slot_state {
	ZL_IDLE,	/* ours: between jobs */
	ZL_INFLIGHT,	/* the driver's (or held by x_delay_every) */
	ZL_DONE,	/* completed, its check is queued */
	ZL_PARKED,	/* ours: no more jobs in this run */
};

struct zl_slot {
	struct delayed_work work;
	struct acomp_req *req;
	struct acomp_req *ref_req;
	struct crypto_wait ref_wait;
	struct scatterlist src;
	struct scatterlist dst;
	u8 *plain;		/* job input */
	u8 *packed;		/* deflated data */
	u8 *check;		/* inflated data */
	unsigned int plain_len;
	unsigned int packed_len;
	u64 job;
	bool decomp;		/* the driver inflates (else it deflates) */
	bool prepared;		/* the job is set up but not yet accepted */
	/* under zl.lock */
	enum zl_slot_state state;
	bool timed_out;
	bool held;
	int err;
	ktime_t t_submit;
	s64 lat_ns;
};

struct zl_cfg {
	char driver[CRYPTO_MAX_ALG_NAME];
	char ref_driver[CRYPTO_MAX_ALG_NAME];
	unsigned int depth;
	unsigned int min_size;
	unsigned int max_size;
	unsigned int timeout_ms;
	unsigned int corrupt_every;
	unsigned int delay_every;
	unsigned int delay_ms;
	unsigned int hold_tfms;
	u64 jobs;
	u32 seed;
	int pattern;
	int mode;
};

struct zl_counters {
	atomic64_t submitted;	/* accepted by the driver */
	atomic64_t completed;	/* completion seen and checked */
	atomic64_t verified;	/* output matched */
	atomic64_t failed;	/* the driver reported an error */
	atomic64_t mismatch;	/* the output did not match */
	atomic64_t timed_out;	/* not completed within timeout_ms */
	atomic64_t late;	/* completed after timing out */
	atomic64_t busy;	/* refused as busy, submitted again */
	atomic64_t sync;	/* completed inside the submit call */
	atomic64_t ref_failed;	/* the reference could not compress */
	atomic64_t abandoned;	/* still in flight when the run was torn down */
	atomic64_t spurious;	/* completion of a request not in flight */
	atomic_t in_flight;
};

static struct {
	struct mutex ctl;		/* run start and stop */
	spinlock_t lock;		/* slot states, latency */
	struct workqueue_struct *wq;
	struct delayed_work watchdog;
	wait_queue_head_t idle;
	struct dentry *dir;
	struct zl_cfg cfg;
	struct crypto_acomp *tfm;
	struct crypto_acomp *ref;
	struct crypto_acomp *held[ZL_MAX_HOLD];
	struct zl_slot **slots;
	unsigned int nslots;
	atomic64_t claimed;		/* job numbers handed out */
	atomic_t active;		/* slots not parked */
	bool stopping;
	bool tearing;			/* under lock: completions queue no work */
	bool started;
	ktime_t t_start;
	ktime_t t_end;
	s64 lat_max_ns;			/* under lock */
	s64 lat_sum_ns;			/* under lock */
	struct zl_counters n;
} zl;

static const char * const zl_words[] = {
	"the", "queue", "of", "a", "doorbell", "and", "migration", "to",
	"device", "page", "is", "interrupt", "completion", "in", "deflate",
	"buffer", "state", "virtual", "function", "request", "for", "engine",
	"\n",
};

static void zl_fill_text(struct rnd_state *rs, u8 *p, unsigned int len)
{
	unsigned int i = 0;

	while (i < len) {
		const char *w = zl_words[prandom_u32_state(rs) % ARRAY_SIZE(zl_words)];
		unsigned int n = min_t(unsigned int, strlen(w), len - i);

		memcpy(p + i, w, n);
		i += n;
		if (i < len && w[0] != '\n')
			p[i++] = ' ';
	}
}

static void zl_fill_one(struct rnd_state *rs, int pat, u8 *p, unsigned int len)
{
	switch (pat) {
	case ZL_ZEROS:
		memset(p, 0, len);
		break;
	case ZL_TEXT:
		zl_fill_text(rs, p, len);
		break;
	default:
		prandom_bytes_state(rs, p, len);
		break;
	}
}

/* mixed: runs of 256 bytes to 4 KiB, each zeros, text, random or one byte. */
static void zl_fill(struct rnd_state *rs, int pat, u8 *p, unsigned int len)
{
	unsigned int i, n;
	u32 r;

	if (pat != ZL_MIXED) {
		zl_fill_one(rs, pat, p, len);
		return;
	}
	for (i = 0; i < len; i += n) {
		r = prandom_u32_state(rs);
		n = min(len - i, 256 + (r >> 8) % 3841);
		if ((r & 3) == 3)
			memset(p + i, r >> 24, n);
		else
			zl_fill_one(rs, r & 3, p + i, n);
	}
}

/* Deflate with the reference, synchronously, on a slot's buffers. */
static int zl_ref_deflate(struct zl_slot *s, const u8 *in, unsigned int ilen,
			  u8 *out, unsigned int ocap, unsigned int *olen)
{
	struct scatterlist isg, osg;
	int ret;

	sg_init_one(&isg, in, ilen);
	sg_init_one(&osg, out, ocap);
	crypto_init_wait(&s->ref_wait);
	acomp_request_set_callback(s->ref_req, CRYPTO_TFM_REQ_MAY_SLEEP,
				   crypto_req_done, &s->ref_wait);
	acomp_request_set_params(s->ref_req, &isg, &osg, ilen, ocap);
	ret = crypto_wait_req(crypto_acomp_compress(s->ref_req), &s->ref_wait);
	*olen = s->ref_req->dlen;
	return ret;
}

/*
 * The driver's deflate output is checked with lib/zlib_inflate in one call
 * over the whole buffer with a 32 KiB window (zlib_inflate_blob), not with
 * the generic "deflate" acomp: since 6.15 that one hands zlib the output a
 * page at a time with a 2 KiB window, and zlib's match copy then uses a
 * distance it checked against an earlier call's output.  A stream whose
 * matches reach back further than 2 KiB (a corrupted one, which this module
 * makes on purpose with x_corrupt_every, or a valid 32 KiB-window one) can
 * so make it read outside the window: on 7.3 arm64 that was an Oops.
 */
static int zl_inflate(const u8 *in, unsigned int ilen, u8 *out,
		      unsigned int ocap, unsigned int *olen)
{
	int ret = zlib_inflate_blob(out, ocap, in, ilen);

	*olen = ret < 0 ? 0 : ret;
	return ret < 0 ? ret : 0;
}

static void zl_complete(void *data, int err);

/* Set up job @job in @s: its input and, for the driver to inflate, the reference's deflate. */
static int zl_prepare(struct zl_slot *s, u64 job)
{
	const struct zl_cfg *c = &zl.cfg;
	unsigned int span = c->max_size - c->min_size + 1;
	struct rnd_state rs;
	int ret;

	prandom_seed_state(&rs, ((u64)c->seed << 32) ^ job);
	s->job = job;
	s->plain_len = c->min_size + prandom_u32_state(&rs) % span;
	zl_fill(&rs, c->pattern, s->plain, s->plain_len);
	s->decomp = c->mode == ZL_DECOMP || (c->mode == ZL_BOTH && (job & 1));

	acomp_request_set_callback(s->req, 0, zl_complete, s);
	if (s->decomp) {
		ret = zl_ref_deflate(s, s->plain, s->plain_len, s->packed,
				     zl_packed_cap(c->max_size), &s->packed_len);
		if (ret)
			return ret;
		sg_init_one(&s->src, s->packed, s->packed_len);
		sg_init_one(&s->dst, s->check, zl_check_cap(c->max_size));
		acomp_request_set_params(s->req, &s->src, &s->dst, s->packed_len,
					 zl_check_cap(c->max_size));
	} else {
		sg_init_one(&s->src, s->plain, s->plain_len);
		sg_init_one(&s->dst, s->packed, zl_packed_cap(c->max_size));
		acomp_request_set_params(s->req, &s->src, &s->dst, s->plain_len,
					 zl_packed_cap(c->max_size));
	}
	return 0;
}

/* The driver is done with @s; the caller holds zl.lock. */
static void zl_mark_done(struct zl_slot *s)
{
	s->lat_ns = ktime_to_ns(ktime_sub(ktime_get(), s->t_submit));
	s->state = ZL_DONE;
	if (s->timed_out)
		atomic64_inc(&zl.n.late);
	if (!zl.tearing)
		queue_delayed_work(zl.wq, &s->work, 0);
}

/* x_delay_every: keep this completion from the check for a while (or for ever). */
static bool zl_hold(struct zl_slot *s)
{
	const struct zl_cfg *c = &zl.cfg;

	if (!c->delay_every || s->job % c->delay_every != c->delay_every - 1)
		return false;
	s->held = true;
	if (c->delay_ms && !zl.tearing)
		queue_delayed_work(zl.wq, &s->work, msecs_to_jiffies(c->delay_ms));
	return true;
}

/* Completion of the driver under test; any context. */
static void zl_complete(void *data, int err)
{
	struct zl_slot *s = data;
	unsigned long flags;

	if (err == -EINPROGRESS)
		return;
	spin_lock_irqsave(&zl.lock, flags);
	if (s->state != ZL_INFLIGHT || s->held) {
		/* A second completion of one request: count it, touch nothing. */
		spin_unlock_irqrestore(&zl.lock, flags);
		atomic64_inc(&zl.n.spurious);
		return;
	}
	s->err = err;
	if (!zl_hold(s))
		zl_mark_done(s);
	spin_unlock_irqrestore(&zl.lock, flags);
}

/* Check a completed job against the reference and count it. */
static void zl_check(struct zl_slot *s)
{
	const struct zl_cfg *c = &zl.cfg;
	unsigned int out = s->req->dlen;
	unsigned int n = 0;
	bool ok;
	u8 *res;
	int ret;

	spin_lock_irq(&zl.lock);
	zl.lat_max_ns = max(zl.lat_max_ns, s->lat_ns);
	zl.lat_sum_ns += s->lat_ns;
	spin_unlock_irq(&zl.lock);
	atomic64_inc(&zl.n.completed);
	if (s->err) {
		atomic64_inc(&zl.n.failed);
		pr_warn_ratelimited("job %llu: %s of %u bytes failed: %d\n", s->job,
				    s->decomp ? "decompression" : "compression",
				    s->decomp ? s->packed_len : s->plain_len, s->err);
		return;
	}
	res = s->decomp ? s->check : s->packed;
	if (out > (s->decomp ? zl_check_cap(c->max_size) : zl_packed_cap(c->max_size))) {
		ok = false;
		goto count;
	}
	if (c->corrupt_every && out && s->job % c->corrupt_every == c->corrupt_every - 1)
		res[out / 2] ^= 0x5a;
	if (s->decomp) {
		ok = out == s->plain_len && !memcmp(s->check, s->plain, out);
	} else {
		ret = zl_inflate(s->packed, out, s->check,
				 zl_check_cap(c->max_size), &n);
		ok = !ret && n == s->plain_len && !memcmp(s->check, s->plain, n);
	}
count:
	if (ok) {
		atomic64_inc(&zl.n.verified);
		return;
	}
	atomic64_inc(&zl.n.mismatch);
	pr_warn_ratelimited("job %llu: %s output of %u bytes does not match (input %u bytes, %s %u)\n",
			    s->job, s->decomp ? "decompression" : "compression", out,
			    s->plain_len, s->decomp ? "expected" : "reference inflated",
			    s->decomp ? s->plain_len : n);
}

static void zl_park(struct zl_slot *s)
{
	spin_lock_irq(&zl.lock);
	s->state = ZL_PARKED;
	spin_unlock_irq(&zl.lock);
	if (atomic_dec_and_test(&zl.active)) {
		WRITE_ONCE(zl.t_end, ktime_get());
		wake_up(&zl.idle);
	}
}

/* Hand the next job of @s to the driver, or park @s. */
static void zl_submit(struct zl_slot *s)
{
	const struct zl_cfg *c = &zl.cfg;
	u64 job;
	int ret;

	if (READ_ONCE(zl.stopping)) {
		zl_park(s);
		return;
	}
	if (!s->prepared) {
		job = atomic64_inc_return(&zl.claimed) - 1;
		if (c->jobs && job >= c->jobs) {
			zl_park(s);
			return;
		}
		if (zl_prepare(s, job)) {
			atomic64_inc(&zl.n.ref_failed);
			queue_delayed_work(zl.wq, &s->work, 1);
			return;
		}
		s->prepared = true;
	}

	spin_lock_irq(&zl.lock);
	s->state = ZL_INFLIGHT;
	s->timed_out = false;
	s->t_submit = ktime_get();
	spin_unlock_irq(&zl.lock);
	atomic64_inc(&zl.n.submitted);
	atomic_inc(&zl.n.in_flight);
	if (s->decomp)
		ret = crypto_acomp_decompress(s->req);
	else
		ret = crypto_acomp_compress(s->req);
	if (ret == -EINPROGRESS)
		return;		/* @s is the driver's until zl_complete() */
	if (ret == -EBUSY || ret == -EAGAIN) {
		/* No backlog asked for: the driver did not take it. */
		spin_lock_irq(&zl.lock);
		s->state = ZL_IDLE;
		spin_unlock_irq(&zl.lock);
		atomic64_dec(&zl.n.submitted);
		atomic_dec(&zl.n.in_flight);
		atomic64_inc(&zl.n.busy);
		queue_delayed_work(zl.wq, &s->work, 1);
		return;
	}
	atomic64_inc(&zl.n.sync);
	zl_complete(s, ret);
}

static void zl_work(struct work_struct *work)
{
	struct zl_slot *s = container_of(to_delayed_work(work), struct zl_slot, work);
	enum zl_slot_state st;

	spin_lock_irq(&zl.lock);
	if (s->held) {
		s->held = false;
		s->state = ZL_DONE;
		s->lat_ns = ktime_to_ns(ktime_sub(ktime_get(), s->t_submit));
		if (s->timed_out)
			atomic64_inc(&zl.n.late);
	}
	st = s->state;
	spin_unlock_irq(&zl.lock);

	switch (st) {
	case ZL_DONE:
		zl_check(s);
		s->prepared = false;
		spin_lock_irq(&zl.lock);
		s->state = ZL_IDLE;
		spin_unlock_irq(&zl.lock);
		atomic_dec(&zl.n.in_flight);
		fallthrough;
	case ZL_IDLE:
		zl_submit(s);
		break;
	default:
		break;
	}
}

static unsigned long zl_watchdog_period(void)
{
	return msecs_to_jiffies(clamp(zl.cfg.timeout_ms / 4, 10U, 1000U));
}

/* Count requests that are past their time, once each. */
static void zl_watchdog(struct work_struct *work)
{
	ktime_t now = ktime_get();
	unsigned int i, late = 0;

	spin_lock_irq(&zl.lock);
	for (i = 0; i < zl.nslots; i++) {
		struct zl_slot *s = zl.slots[i];

		if (s->state == ZL_INFLIGHT && !s->timed_out &&
		    ktime_ms_delta(now, s->t_submit) >= zl.cfg.timeout_ms) {
			s->timed_out = true;
			late++;
		}
	}
	spin_unlock_irq(&zl.lock);
	if (late) {
		atomic64_add(late, &zl.n.timed_out);
		pr_warn_ratelimited("%u request(s) not completed within %u ms\n",
				    late, zl.cfg.timeout_ms);
	}
	queue_delayed_work(zl.wq, &zl.watchdog, zl_watchdog_period());
}

static void zl_free_slot(struct zl_slot *s)
{
	acomp_request_free(s->ref_req);
	acomp_request_free(s->req);
	kfree(s->check);
	kfree(s->packed);
	kfree(s->plain);
	kfree(s);
}

static struct zl_slot *zl_alloc_slot(const struct zl_cfg *c)
{
	struct zl_slot *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	INIT_DELAYED_WORK(&s->work, zl_work);
	s->plain = kmalloc(c->max_size, GFP_KERNEL);
	s->packed = kmalloc(zl_packed_cap(c->max_size), GFP_KERNEL);
	s->check = kmalloc(zl_check_cap(c->max_size), GFP_KERNEL);
	s->req = acomp_request_alloc(zl.tfm);
	s->ref_req = acomp_request_alloc(zl.ref);
	if (!s->plain || !s->packed || !s->check || !s->req || !s->ref_req) {
		zl_free_slot(s);
		return NULL;
	}
	return s;
}

static void zl_free_held(void)
{
	unsigned int i;

	for (i = 0; i < ZL_MAX_HOLD; i++) {
		crypto_free_acomp(zl.held[i]);
		zl.held[i] = NULL;
	}
}

/*
 * End the run: no new jobs, wait (bounded) for those in flight, free it all.
 * A request the driver still owns after the wait may still be written by
 * the device: its slot is left allocated (and counted as abandoned) rather
 * than freed under a DMA; freeing the transform then makes the driver give
 * its queue up.
 */
static void zl_stop(void)
{
	unsigned int i, left = 0;

	lockdep_assert_held(&zl.ctl);
	if (!zl.started)
		return;
	WRITE_ONCE(zl.stopping, true);
	if (!wait_event_timeout(zl.idle, !atomic_read(&zl.active),
				msecs_to_jiffies(zl.cfg.timeout_ms + 1000)))
		pr_warn("%d slot(s) still busy after %u ms\n",
			atomic_read(&zl.active), zl.cfg.timeout_ms + 1000);
	cancel_delayed_work_sync(&zl.watchdog);
	spin_lock_irq(&zl.lock);
	zl.tearing = true;
	spin_unlock_irq(&zl.lock);
	for (i = 0; i < zl.nslots; i++)
		cancel_delayed_work_sync(&zl.slots[i]->work);

	for (i = 0; i < zl.nslots; i++) {
		struct zl_slot *s = zl.slots[i];
		bool owned;

		spin_lock_irq(&zl.lock);
		owned = s->state == ZL_INFLIGHT && !s->held;
		if (s->state == ZL_INFLIGHT)
			atomic64_inc(&zl.n.abandoned);
		spin_unlock_irq(&zl.lock);
		if (owned) {
			left++;
			continue;
		}
		zl_free_slot(s);
	}
	if (left)
		pr_warn("%u request(s) never completed: their buffers stay allocated\n", left);
	crypto_free_acomp(zl.tfm);
	crypto_free_acomp(zl.ref);
	zl_free_held();
	kfree(zl.slots);
	zl.slots = NULL;
	zl.nslots = 0;
	zl.tfm = NULL;
	zl.ref = NULL;
	if (!READ_ONCE(zl.t_end))
		WRITE_ONCE(zl.t_end, ktime_get());
	zl.started = false;
}

/* Take a consistent copy of the parameters and check them. */
static int zl_read_params(struct zl_cfg *c)
{
	int ret = 0;

	kernel_param_lock(THIS_MODULE);
	strscpy(c->driver, driver ?: "", sizeof(c->driver));
	strscpy(c->ref_driver, ref_driver ?: "", sizeof(c->ref_driver));
	/* Written through sysfs, the strings end in a newline. */
	c->driver[strcspn(c->driver, "\n")] = '\0';
	c->ref_driver[strcspn(c->ref_driver, "\n")] = '\0';
	c->pattern = pattern.val;
	c->mode = mode.val;
	c->depth = depth;
	c->min_size = min_size;
	c->max_size = max_size;
	c->timeout_ms = timeout_ms;
	c->jobs = jobs;
	c->seed = seed ?: get_random_u32();
	c->corrupt_every = x_corrupt_every;
	c->delay_every = x_delay_every;
	c->delay_ms = x_delay_ms;
	c->hold_tfms = hold_tfms;
	kernel_param_unlock(THIS_MODULE);

	if (!c->depth || c->depth > ZL_MAX_DEPTH) {
		pr_err("depth must be 1 to %u\n", ZL_MAX_DEPTH);
		ret = -EINVAL;
	}
	if (!c->min_size || c->min_size > c->max_size || c->max_size > ZL_MAX_SIZE) {
		pr_err("sizes must satisfy 1 <= min_size <= max_size <= %u\n", ZL_MAX_SIZE);
		ret = -EINVAL;
	}
	if (c->hold_tfms > ZL_MAX_HOLD) {
		pr_err("hold_tfms must be at most %u\n", ZL_MAX_HOLD);
		ret = -EINVAL;
	}
	if (!c->timeout_ms) {
		pr_err("timeout_ms must not be 0\n");
		ret = -EINVAL;
	}
	return ret;
}

static int zl_start(void)
{
	struct zl_cfg c;
	unsigned int i;
	int ret;

	lockdep_assert_held(&zl.ctl);
	zl_stop();
	ret = zl_read_params(&c);
	if (ret)
		return ret;

	for (i = 0; i < c.hold_tfms; i++) {
		zl.held[i] = crypto_alloc_acomp(c.driver, 0, 0);
		if (IS_ERR(zl.held[i])) {
			ret = PTR_ERR(zl.held[i]);
			zl.held[i] = NULL;
			pr_err("cannot hold transform %u of %s: %d\n", i, c.driver, ret);
			goto err;
		}
	}
	zl.tfm = crypto_alloc_acomp(c.driver, 0, 0);
	if (IS_ERR(zl.tfm)) {
		ret = PTR_ERR(zl.tfm);
		pr_err("no acomp algorithm %s: %d\n", c.driver, ret);
		goto err;
	}
	/* The reference is checked by the caller's wait, never by a queue. */
	zl.ref = crypto_alloc_acomp(c.ref_driver, 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(zl.ref)) {
		ret = PTR_ERR(zl.ref);
		pr_err("no synchronous acomp algorithm %s: %d\n", c.ref_driver, ret);
		goto err_tfm;
	}
	if (!strcmp(crypto_tfm_alg_driver_name(crypto_acomp_tfm(zl.tfm)),
		    crypto_tfm_alg_driver_name(crypto_acomp_tfm(zl.ref))))
		pr_notice("the reference is the driver under test\n");

	zl.cfg = c;
	zl.slots = kcalloc(c.depth, sizeof(*zl.slots), GFP_KERNEL);
	if (!zl.slots) {
		ret = -ENOMEM;
		goto err_ref;
	}
	for (zl.nslots = 0; zl.nslots < c.depth; zl.nslots++) {
		zl.slots[zl.nslots] = zl_alloc_slot(&c);
		if (!zl.slots[zl.nslots]) {
			ret = -ENOMEM;
			goto err_slots;
		}
	}

	memset(&zl.n, 0, sizeof(zl.n));
	zl.lat_max_ns = 0;
	zl.lat_sum_ns = 0;
	atomic64_set(&zl.claimed, 0);
	atomic_set(&zl.active, c.depth);
	zl.stopping = false;
	zl.tearing = false;
	zl.t_end = 0;
	zl.t_start = ktime_get();
	zl.started = true;
	pr_info("run: %s against %s, %u in flight, %u-%u bytes, %s data, %s, %llu jobs, seed %u\n",
		crypto_tfm_alg_driver_name(crypto_acomp_tfm(zl.tfm)),
		crypto_tfm_alg_driver_name(crypto_acomp_tfm(zl.ref)), c.depth,
		c.min_size, c.max_size, zl_pattern_names[c.pattern],
		zl_mode_names[c.mode], c.jobs, c.seed);
	for (i = 0; i < zl.nslots; i++)
		queue_delayed_work(zl.wq, &zl.slots[i]->work, 0);
	queue_delayed_work(zl.wq, &zl.watchdog, zl_watchdog_period());
	return 0;

err_slots:
	for (i = 0; i < zl.nslots; i++)
		zl_free_slot(zl.slots[i]);
	kfree(zl.slots);
	zl.slots = NULL;
	zl.nslots = 0;
err_ref:
	crypto_free_acomp(zl.ref);
err_tfm:
	crypto_free_acomp(zl.tfm);
err:
	zl.tfm = NULL;
	zl.ref = NULL;
	zl_free_held();
	return ret;
}

static const char *zl_state(void)
{
	if (!zl.started)
		return "stopped";
	return atomic_read(&zl.active) ? "running" : "done";
}

static int zl_stats_show(struct seq_file *m, void *unused)
{
	ktime_t end = READ_ONCE(zl.t_end);
	u64 done, lat_max, lat_sum;

	mutex_lock(&zl.ctl);
	spin_lock_irq(&zl.lock);
	lat_max = zl.lat_max_ns;
	lat_sum = zl.lat_sum_ns;
	spin_unlock_irq(&zl.lock);
	done = atomic64_read(&zl.n.completed);

	seq_printf(m, "state %s\n", zl_state());
	if (zl.started) {
		seq_printf(m, "driver %s\n",
			   crypto_tfm_alg_driver_name(crypto_acomp_tfm(zl.tfm)));
		seq_printf(m, "ref_driver %s\n",
			   crypto_tfm_alg_driver_name(crypto_acomp_tfm(zl.ref)));
	}
	seq_printf(m, "depth %u\n", zl.cfg.depth);
	seq_printf(m, "seed %u\n", zl.cfg.seed);
	seq_printf(m, "submitted %lld\n", atomic64_read(&zl.n.submitted));
	seq_printf(m, "completed %llu\n", done);
	seq_printf(m, "verified %lld\n", atomic64_read(&zl.n.verified));
	seq_printf(m, "failed %lld\n", atomic64_read(&zl.n.failed));
	seq_printf(m, "mismatch %lld\n", atomic64_read(&zl.n.mismatch));
	seq_printf(m, "timed_out %lld\n", atomic64_read(&zl.n.timed_out));
	seq_printf(m, "late %lld\n", atomic64_read(&zl.n.late));
	seq_printf(m, "abandoned %lld\n", atomic64_read(&zl.n.abandoned));
	seq_printf(m, "spurious %lld\n", atomic64_read(&zl.n.spurious));
	seq_printf(m, "busy %lld\n", atomic64_read(&zl.n.busy));
	seq_printf(m, "sync %lld\n", atomic64_read(&zl.n.sync));
	seq_printf(m, "ref_failed %lld\n", atomic64_read(&zl.n.ref_failed));
	seq_printf(m, "in_flight %d\n", atomic_read(&zl.n.in_flight));
	seq_printf(m, "max_latency_us %llu\n", lat_max / NSEC_PER_USEC);
	seq_printf(m, "avg_latency_us %llu\n",
		   done ? div64_u64(lat_sum, done) / NSEC_PER_USEC : 0);
	if (zl.t_start)
		seq_printf(m, "elapsed_ms %lld\n",
			   ktime_ms_delta(end ?: ktime_get(), zl.t_start));
	mutex_unlock(&zl.ctl);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(zl_stats);

static ssize_t zl_run_read(struct file *file, char __user *buf, size_t len,
			   loff_t *pos)
{
	char tmp[16];
	int n;

	mutex_lock(&zl.ctl);
	n = scnprintf(tmp, sizeof(tmp), "%s\n", zl_state());
	mutex_unlock(&zl.ctl);
	return simple_read_from_buffer(buf, len, pos, tmp, n);
}

/* "1" starts a new run with the current parameters, "0" ends the run. */
static ssize_t zl_run_write(struct file *file, const char __user *buf,
			    size_t len, loff_t *pos)
{
	bool on;
	int ret;

	ret = kstrtobool_from_user(buf, len, &on);
	if (ret)
		return ret;
	mutex_lock(&zl.ctl);
	if (on)
		ret = zl_start();
	else
		zl_stop();
	mutex_unlock(&zl.ctl);
	return ret ?: len;
}

static const struct file_operations zl_run_fops = {
	.owner = THIS_MODULE,
	.read = zl_run_read,
	.write = zl_run_write,
	.llseek = default_llseek,
};

static int __init zl_init(void)
{
	int ret = 0;

	mutex_init(&zl.ctl);
	spin_lock_init(&zl.lock);
	init_waitqueue_head(&zl.idle);
	INIT_DELAYED_WORK(&zl.watchdog, zl_watchdog);
	/*
	 * Each work item is CPU-bound (a software deflate or inflate): at
	 * most one per CPU at a time.  With one per request in flight, 16
	 * runnable kworkers left a 1-vCPU guest's other tasks a 1/17th
	 * share, and its RCU grace-period kthread starved (stall warnings).
	 */
	zl.wq = alloc_workqueue("hacc_zload", WQ_UNBOUND, num_online_cpus());
	if (!zl.wq)
		return -ENOMEM;
	if (autostart) {
		mutex_lock(&zl.ctl);
		ret = zl_start();
		mutex_unlock(&zl.ctl);
		if (ret) {
			destroy_workqueue(zl.wq);
			return ret;
		}
	}
	zl.dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0444, zl.dir, NULL, &zl_stats_fops);
	debugfs_create_file("run", 0644, zl.dir, NULL, &zl_run_fops);
	return 0;
}

static void __exit zl_exit(void)
{
	debugfs_remove_recursive(zl.dir);
	mutex_lock(&zl.ctl);
	zl_stop();
	mutex_unlock(&zl.ctl);
	destroy_workqueue(zl.wq);
}

module_init(zl_init);
module_exit(zl_exit);

MODULE_DESCRIPTION("Deflate workload for an acomp driver, checked against the generic deflate");
MODULE_LICENSE("GPL");
