// SPDX-License-Identifier: GPL-2.0
/*
 * hacc_fuzz: seeded, structured fuzzer of the resuming file of
 * hisi_acc_vfio_pci.
 *
 *   hacc_fuzz [--seed N] [--cases N] [--seconds S] [--good-every N]
 *             [--only-case N] [--verbose] SRC_VF DST_VF [DST_VF...]
 *
 * SRC_VF gets queue state from a userspace "guest driver" and is saved once:
 * that 176-byte record is the good stream.  Each destination VF is driven by
 * its own thread.  Case number n is generated from (seed, n) alone, so a
 * failing case can be replayed with --only-case n.  A case mutates the good
 * stream (one or more fields of every kind, truncation, extension, random
 * bytes), writes it in random chunks (possibly one byte at a time, with
 * empty writes), may keep writing after an error, may close the data file
 * or the whole device in the middle, and ends with RESUMING -> STOP.
 *
 * An oracle written from Documentation/migration-stream.rst predicts the
 * errno of every write and of RESUMING -> STOP, and whether the record
 * reaches the device.  After each case:
 *  - errnos and the migration state are the predicted ones;
 *  - a rejected stream (or one with nothing to load) left the VF untouched:
 *    the model counted no BAR 2 write and no mailbox command on it, and its
 *    fingerprint of the VF's whole state (register file, queue contexts,
 *    VFT entries) is the same as before;
 *  - an accepted stream that loads is what the VF holds once it runs:
 *    after RESUMING -> STOP -> RUNNING a guest's reads (BAR registers,
 *    EQC/AEQC contexts and SQC/CQC bases through the VF's mailbox) give
 *    the stream's fields; the VF is stopped again;
 *  - the kernel log got at most one error line naming the VF per rejected
 *    stream (the driver rate-limits them) and none otherwise, and no
 *    kernel splat at all.
 * Every --good-every cases a worker resumes the unmodified stream, runs the
 * VF and checks every register a guest can see, mailbox-read bases included.
 * A rejected stream leaves the VF in RESUMING; VFIO_DEVICE_RESET brings it
 * back to RUNNING (checked) before the next case.
 *
 * Output is flat TAP; the seed is printed first.  Exit status 0 when every
 * check passed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hacc_guest.h"
#include "hacc_sys.h"
#include "hacc_vfio.h"
#include "robust.h"
#include "fuzz_cases.h"
#include "hacc-model-ctl.h"

#define MAX_WORKERS	16
#define MAX_REPORTS	12

static struct {
	unsigned long long seed;
	unsigned long long cases;
	double seconds;
	unsigned int good_every;
	long long only_case;
	bool verbose;
} opt = { .cases = 20000, .good_every = 64, .only_case = -1 };

static struct hacc_mig_data good;
static char pf_bdf[32];
static double t_start;

/* shared counters, updated under lock */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long next_case;
static struct {
	unsigned long long cases, rejected, accepted, loaded, good_checks;
	unsigned long long resets, dev_reopens, kmsg_lost;
	unsigned long long fail_errno, fail_state, fail_untouched, fail_loaded;
	unsigned long long fail_kmsg, fail_good, fail_other, splats;
	bool stop, timed_out;
} st;
static char samples[6][200];
static int nsamples;

struct expect {
	int werr[MAX_WRITES];
	int stop_err;
	bool loads;
	int err_lines;
	size_t avail;
};

/* The documented behaviour, from Documentation/migration-stream.rst */
static int check_header(const struct hacc_mig_data *d)
{
	if (d->magic == HACC_MIG_MAGIC_V2) {
		if (d->major_ver != HACC_MIG_MAJOR_VER)
			return EPROTO;
	} else if (d->magic != HACC_MIG_MAGIC_V1) {
		return EPROTO;
	}
	if (d->dev_id != good.dev_id || d->qp_num != good.qp_num ||
	    d->que_iso_cfg != good.que_iso_cfg)
		return EPROTO;
	return 0;
}

static __u64 xqc_dma(const __u32 *dw)
{
	return (__u64)dw[2] << 32 | dw[1];
}

static void oracle(const struct fcase *c, struct expect *e)
{
	struct hacc_mig_data d;
	size_t avail = 0;
	int bad = 0, i;
	__u64 eq, aeq;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < c->nwrites; i++) {
		size_t n = c->writes[i];

		e->werr[i] = 0;
		if (!n)
			continue;
		if (bad) {
			e->werr[i] = bad;
		} else if (n > REC - avail) {
			bad = e->werr[i] = EFBIG;
		} else {
			size_t before = avail;

			avail += n;
			if (before < HDR && avail >= HDR) {
				memcpy(&d, c->buf, HDR);
				bad = e->werr[i] = check_header(&d);
			}
		}
	}
	e->avail = avail;
	if (bad) {
		e->stop_err = bad;
	} else if (avail != HDR && avail != REC) {
		e->stop_err = ENODATA;
	} else if (avail == REC) {
		memcpy(&d, c->buf, REC);
		eq = xqc_dma(d.eqc_dw);
		aeq = xqc_dma(d.aeqc_dw);
		if (d.vf_state != HACC_VF_STATE_READY && d.vf_state != HACC_VF_STATE_NOT_READY)
			e->stop_err = EPROTO;
		else if (d.magic == HACC_MIG_MAGIC_V2 && (d.eqe_dma != eq || d.aeqe_dma != aeq))
			e->stop_err = EPROTO;
		else
			e->loads = d.vf_state == HACC_VF_STATE_READY && eq && aeq &&
				   d.sqc_dma && d.cqc_dma;
	}
	e->err_lines = e->stop_err ? 1 : 0;
}

struct worker {
	int id;
	const char *bdf;
	int fn;
	struct hl_dev dev;
	struct hl_guest g;
	struct hl_model m;
	struct hl_kmsg k;
	bool open;
	pthread_t thread;
};

static void fail_case(struct worker *w, const struct fcase *c, unsigned long long *counter,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void fail_case(struct worker *w, const struct fcase *c, unsigned long long *counter,
		      const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&lock);
	/* the first few of each kind */
	if ((*counter)++ < MAX_REPORTS / 2)
		printf("# FAIL %s case %llu (%s): %s\n", w->bdf, c ? c->no : 0ull,
		       c ? c->desc : "-", msg);
	pthread_mutex_unlock(&lock);
}

static void note_sample(const char *text)
{
	int i;

	pthread_mutex_lock(&lock);
	if (nsamples < (int)(sizeof(samples) / sizeof(samples[0]))) {
		const char *p = strstr(text, "migration:");

		/* keep one sample per distinct cause (first word after it) */
		for (i = 0; i < nsamples; i++)
			if (!strncmp(samples[i], p ? p : text, 24))
				break;
		if (i == nsamples)
			snprintf(samples[nsamples++], sizeof(samples[0]), "%s", p ? p : text);
	}
	pthread_mutex_unlock(&lock);
}

/*
 * Kernel log lines since the last call: error lines naming this VF; splats.
 * The driver rate-limits the lines a user can trigger (10 per 5 s per
 * message), so a rejection logs at most one line: fewer is fine, more is
 * not, and a line that is there must name the cause.
 */
static int drain_kmsg_once(struct worker *w, char *last, size_t len)
{
	char text[1024], tag[48];
	int level, lines = 0, ret;

	snprintf(tag, sizeof(tag), "%s: ", w->bdf);
	while ((ret = hl_kmsg_next(&w->k, &level, text, sizeof(text))) > 0) {
		if (hl_kmsg_is_splat(text)) {
			pthread_mutex_lock(&lock);
			st.splats++;
			printf("# KERNEL: %s\n", text);
			pthread_mutex_unlock(&lock);
		}
		if (level <= 3 && strstr(text, tag)) {
			lines++;
			if (last)
				snprintf(last, len, "%.400s", text);
		}
	}
	if (ret < 0)
		return ret;
	return lines;
}

/* What the model saw of the VF: BAR 2 writes, mailbox commands, state hash */
struct seen {
	__u64 writes, mb, hash;
};

static void model_seen(struct worker *w, struct seen *s)
{
	s->writes = hl_model_fn_counter(&w->m, w->fn, HACC_CTL_MMIO_WRITES);
	s->mb = hl_model_fn_counter(&w->m, w->fn, HACC_CTL_MB_TOTAL);
	s->hash = hl_model_fn_counter(&w->m, w->fn, HACC_CTL_STATE_HASH);
}

static int get_state(struct worker *w, __u32 *s)
{
	return hl_mig_get_state(&w->dev, s);
}

static int set_state(struct worker *w, __u32 s, int *fd)
{
	return hl_mig_set_state(&w->dev, s, fd);
}

/* The VF opened, with a DMA buffer, in STOP */
static int worker_open(struct worker *w)
{
	int ret;

	ret = hl_dev_open(&w->dev, w->bdf, HACC_OPEN_CDEV);
	if (!ret)
		ret = hl_guest_attach(&w->g, &w->dev);
	if (!ret)
		ret = set_state(w, VFIO_DEVICE_STATE_STOP, NULL);
	w->open = !ret;
	return ret;
}

static void worker_close(struct worker *w)
{
	hl_guest_detach(&w->g);
	hl_dev_close(&w->dev);
	w->open = false;
}

/*
 * The registers of an accepted record, read the way a guest reads them:
 * the VF is let run (STOP -> RUNNING), the EQC/AEQC contexts and the
 * SQC/CQC bases come back through the VF's own mailbox, the rest from its
 * BAR.  Nothing of the driver is asked.  The VF is stopped again after.
 */
static int check_loaded(struct worker *w, const struct hacc_mig_data *d, char *why, size_t len)
{
	struct hl_regs want, got;
	FILE *f;
	char *p;
	int ret;

	ret = set_state(w, VFIO_DEVICE_STATE_RUNNING, NULL);
	if (!ret)
		ret = hl_guest_read(&w->g, &got);
	if (ret) {
		snprintf(why, len, "guest read after RUNNING: %s", hl_last_error());
		set_state(w, VFIO_DEVICE_STATE_STOP, NULL);
		return -1;
	}
	hl_regs_from_stream(d, &want);
	ret = hl_regs_diff(&want, &got, NULL);
	if (ret) {
		f = fmemopen(why, len, "w");
		if (f) {
			fprintf(f, "%d registers differ (stream != VF):", ret);
			hl_regs_diff(&want, &got, f);
			fclose(f);
		}
		/* one line: the report is a TAP comment */
		for (p = why; *p; p++)
			if (*p == '\n')
				*p = ';';
	}
	if (set_state(w, VFIO_DEVICE_STATE_STOP, NULL) && !ret) {
		snprintf(why, len, "RUNNING -> STOP after the check: %s", hl_last_error());
		return -1;
	}
	return ret ? -1 : 0;
}

static int reset_to_stop(struct worker *w, const struct fcase *c)
{
	__u32 s = ~0u;

	if (hl_dev_reset(&w->dev)) {
		fail_case(w, c, &st.fail_other, "%s", hl_last_error());
		return -1;
	}
	pthread_mutex_lock(&lock);
	st.resets++;
	pthread_mutex_unlock(&lock);
	if (get_state(w, &s) || s != VFIO_DEVICE_STATE_RUNNING) {
		fail_case(w, c, &st.fail_state, "after VFIO_DEVICE_RESET state is %s, expected RUNNING",
			  hl_state_name(s));
		return -1;
	}
	if (set_state(w, VFIO_DEVICE_STATE_STOP, NULL)) {
		fail_case(w, c, &st.fail_state, "%s", hl_last_error());
		return -1;
	}
	return 0;
}

static int run_case(struct worker *w, const struct fcase *c)
{
	char line[512] = "", why[1024];
	struct seen s0, s1;
	struct expect e;
	int fd, i, k, lines, ret, err;
	__u32 s;

	oracle(c, &e);
	if (drain_kmsg_once(w, NULL, 0) < 0)
		return -1;
	model_seen(w, &s0);

	if (set_state(w, VFIO_DEVICE_STATE_RESUMING, &fd)) {
		fail_case(w, c, &st.fail_state, "%s", hl_last_error());
		return -1;
	}
	for (i = 0; i < c->nwrites; i++) {
		size_t off = 0;

		for (k = 0; k < i; k++)
			off += c->writes[k];
		ret = write(fd, c->buf + off, c->writes[i]);
		err = ret < 0 ? errno : 0;
		if (err != e.werr[i] || (!err && (size_t)ret != c->writes[i]))
			fail_case(w, c, &st.fail_errno, "write %d (%zu bytes at %zu) returned %d (%s), expected %s",
				  i, c->writes[i], off, ret, err ? strerror(err) : "ok",
				  e.werr[i] ? strerror(e.werr[i]) : "success");
	}
	if (c->close_dev) {
		/* the session ends: the old file is dead, a new open is RUNNING */
		worker_close(w);
		ret = write(fd, c->buf, 1);
		if (ret >= 0 || errno != ENODEV)
			fail_case(w, c, &st.fail_errno, "write after the device was closed returned %d (%s), expected ENODEV",
				  ret, ret < 0 ? strerror(errno) : "ok");
		close(fd);
		pthread_mutex_lock(&lock);
		st.dev_reopens++;
		pthread_mutex_unlock(&lock);
		if (hl_dev_open(&w->dev, w->bdf, HACC_OPEN_CDEV) ||
		    hl_guest_attach(&w->g, &w->dev)) {
			fail_case(w, c, &st.fail_other, "reopen: %s", hl_last_error());
			return -1;
		}
		w->open = true;
		if (get_state(w, &s) || s != VFIO_DEVICE_STATE_RUNNING)
			fail_case(w, c, &st.fail_state, "reopened device is %s, expected RUNNING",
				  hl_state_name(s));
		if (set_state(w, VFIO_DEVICE_STATE_STOP, NULL))
			return -1;
		/* only a write that was refused can have logged (once) */
		for (i = 0, k = 0; i < c->nwrites; i++)
			k |= e.werr[i] != 0;
		lines = drain_kmsg_once(w, line, sizeof(line));
		if (lines > k)
			fail_case(w, c, &st.fail_kmsg, "%d kernel error lines for the VF, at most %d%s%s",
				  lines, k, lines ? ": " : "", line);
		pthread_mutex_lock(&lock);
		st.cases++;
		pthread_mutex_unlock(&lock);
		return 0;
	}
	if (c->close_fd) {
		close(fd);
		fd = -1;
	}

	ret = set_state(w, VFIO_DEVICE_STATE_STOP, NULL);
	err = ret ? -ret : 0;
	if (err != e.stop_err)
		fail_case(w, c, &st.fail_errno, "RESUMING->STOP gave %s, expected %s",
			  err ? strerror(err) : "success",
			  e.stop_err ? strerror(e.stop_err) : "success");
	if (get_state(w, &s))
		s = ~0u;
	if (s != (e.stop_err ? VFIO_DEVICE_STATE_RESUMING : VFIO_DEVICE_STATE_STOP))
		fail_case(w, c, &st.fail_state, "state after RESUMING->STOP is %s, expected %s",
			  hl_state_name(s), e.stop_err ? "RESUMING" : "STOP");
	if (fd >= 0 && err) {
		/* a rejected file stays rejected */
		ret = write(fd, c->buf, 1);
		if (ret >= 0 || errno != err)
			fail_case(w, c, &st.fail_errno, "write after rejection returned %d (%s), expected %s",
				  ret, ret < 0 ? strerror(errno) : "ok", strerror(err));
	}

	model_seen(w, &s1);
	if (!e.loads && (s1.writes != s0.writes || s1.mb != s0.mb || s1.hash != s0.hash))
		fail_case(w, c, &st.fail_untouched,
			  "VF touched by a stream that loads nothing: %llu BAR writes, %llu mailbox commands, state %s",
			  (unsigned long long)(s1.writes - s0.writes),
			  (unsigned long long)(s1.mb - s0.mb),
			  s1.hash != s0.hash ? "changed" : "same");
	else if (e.loads && !err) {
		if (s1.writes == s0.writes)
			fail_case(w, c, &st.fail_loaded, "accepted stream not loaded: no BAR write");
		else if (check_loaded(w, (const void *)c->buf, why, sizeof(why)))
			fail_case(w, c, &st.fail_loaded, "accepted stream not loaded: %s", why);
	}

	lines = drain_kmsg_once(w, line, sizeof(line));
	if (lines < 0)
		fail_case(w, c, &st.fail_kmsg, "reading /dev/kmsg: %s", hl_last_error());
	else if (lines > e.err_lines)
		fail_case(w, c, &st.fail_kmsg, "%d kernel error lines for the VF, at most %d%s%s",
			  lines, e.err_lines, lines ? ": " : "", line);
	else if (lines)
		note_sample(line);
	if (opt.verbose)
		printf("# case %llu %s: %s%s\n", c->no, c->desc,
		       e.stop_err ? "rejected " : (e.loads ? "loaded" : "accepted, nothing to load"),
		       e.stop_err ? strerror(e.stop_err) : "");

	if (fd >= 0)
		close(fd);
	pthread_mutex_lock(&lock);
	st.cases++;
	if (e.stop_err)
		st.rejected++;
	else
		st.accepted++;
	if (e.loads && !err)
		st.loaded++;
	pthread_mutex_unlock(&lock);
	if (err)
		return reset_to_stop(w, c);
	return 0;
}

/* The VF still migrates: resume the good stream, run, compare with a guest's eyes */
static int good_check(struct worker *w)
{
	struct hl_regs want, got;
	int fd, ret;

	ret = set_state(w, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (!ret) {
		ret = hl_mig_write_all(fd, &good, REC);
		close(fd);
	}
	if (!ret)
		ret = set_state(w, VFIO_DEVICE_STATE_RUNNING, NULL);
	if (!ret)
		ret = hl_guest_read(&w->g, &got);
	if (ret) {
		fail_case(w, NULL, &st.fail_good, "good stream: %s", hl_last_error());
		return -1;
	}
	hl_regs_from_stream(&good, &want);
	if (hl_regs_diff(&want, &got, NULL)) {
		fail_case(w, NULL, &st.fail_good, "good stream: %d registers differ after resume",
			  hl_regs_diff(&want, &got, stdout));
		return -1;
	}
	pthread_mutex_lock(&lock);
	st.good_checks++;
	pthread_mutex_unlock(&lock);
	if (set_state(w, VFIO_DEVICE_STATE_STOP, NULL))
		return -1;
	return drain_kmsg_once(w, NULL, 0) < 0 ? -1 : 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned long long done = 0, no;
	struct fcase c;

	if (worker_open(w)) {
		fail_case(w, NULL, &st.fail_other, "open: %s", hl_last_error());
		return NULL;
	}
	if (good_check(w))
		goto out;
	for (;;) {
		pthread_mutex_lock(&lock);
		no = next_case++;
		if (opt.only_case >= 0)
			no = no ? ~0ull : (unsigned long long)opt.only_case;
		if (opt.seconds > 0 && robust_now() - t_start > opt.seconds)
			st.timed_out = true;
		if (st.stop || st.timed_out || (opt.only_case < 0 && no >= opt.cases) ||
		    no == ~0ull)
			st.stop = true;
		pthread_mutex_unlock(&lock);
		if (st.stop)
			break;
		make_case(&good, opt.seed, no, &c);
		if (run_case(w, &c))
			break;
		if (++done % opt.good_every == 0 && good_check(w))
			break;
		if (st.fail_errno + st.fail_state + st.fail_untouched + st.fail_loaded +
		    st.fail_kmsg + st.fail_good + st.fail_other > 200)
			break;
	}
	if (w->open)
		good_check(w);
out:
	pthread_mutex_lock(&lock);
	st.kmsg_lost += w->k.lost;
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Give VF A queue state and save it: the good stream */
static int make_good(const char *bdf)
{
	struct hl_dev d;
	struct hl_guest g;
	size_t len = 0;
	int fd = -1, ret;

	ret = hl_dev_open(&d, bdf, HACC_OPEN_CDEV);
	if (ret)
		return ret;
	ret = hl_guest_attach(&g, &d);
	if (!ret)
		ret = hl_guest_program(&g, (unsigned int)(opt.seed & 0xff) | 1);
	if (!ret)
		ret = hl_mig_set_state(&d, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	if (!ret)
		ret = hl_mig_read_all(fd, &good, sizeof(good), &len);
	if (fd >= 0)
		close(fd);
	if (!ret && len != REC)
		ret = hl_fail(EPROTO, "%s: saved %zu bytes, expected %d", bdf, len, REC);
	if (!ret)
		ret = hl_mig_set_state(&d, VFIO_DEVICE_STATE_RUNNING, NULL);
	hl_guest_detach(&g);
	hl_dev_close(&d);
	return ret;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--seed N] [--cases N] [--seconds S] [--good-every N]\n"
		"          [--only-case N] [--verbose] SRC_VF DST_VF [DST_VF...]\n", argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "cases", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "good-every", required_argument, NULL, 'g' },
		{ "only-case", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{}
	};
	struct worker w[MAX_WORKERS];
	struct robust_tap tap = {};
	int nw, i, o;
	bool seeded = false;
	double dt;

	while ((o = getopt_long(argc, argv, "s:n:t:g:c:v", lopts, NULL)) != -1) {
		switch (o) {
		case 's': opt.seed = strtoull(optarg, NULL, 0); seeded = true; break;
		case 'n': opt.cases = strtoull(optarg, NULL, 0); break;
		case 't': opt.seconds = strtod(optarg, NULL); break;
		case 'g': opt.good_every = strtoul(optarg, NULL, 0); break;
		case 'c': opt.only_case = strtoll(optarg, NULL, 0); break;
		case 'v': opt.verbose = true; break;
		default: usage(argv[0]);
		}
	}
	nw = argc - optind - 1;
	if (nw < 1 || nw > MAX_WORKERS || !opt.good_every)
		usage(argv[0]);
	if (!seeded)
		opt.seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	printf("# seed %#llx (replay: --seed %#llx [--only-case N]), %llu cases%s, %d destination VF(s)\n",
	       opt.seed, opt.seed, opt.cases, opt.seconds > 0 ? " or the time limit" : "", nw);

	if (make_good(argv[optind]) || hl_sys_pf(argv[optind + 1], pf_bdf, sizeof(pf_bdf))) {
		robust_result(&tap, false, "source %s programmed and saved: %s", argv[optind],
			      hl_last_error());
		printf("1..%d\n", tap.n);
		return 1;
	}
	robust_result(&tap, true, "source %s programmed and saved (%d bytes, qp_num %u, dev_id %#x)",
		      argv[optind], REC, good.qp_num, good.dev_id);

	memset(w, 0, sizeof(w));
	t_start = robust_now();
	for (i = 0; i < nw; i++) {
		w[i].id = i;
		w[i].bdf = argv[optind + 1 + i];
		w[i].fn = hl_sys_vf_fn(w[i].bdf);
		if (w[i].fn <= 0 || hl_model_open(&w[i].m, pf_bdf) || hl_kmsg_open(&w[i].k)) {
			robust_result(&tap, false, "set-up of %s: %s", w[i].bdf, hl_last_error());
			printf("1..%d\n", tap.n);
			return 1;
		}
		/* a model without the state hash would make "untouched" vacuous */
		if (!hl_model_fn_counter(&w[i].m, w[i].fn, HACC_CTL_STATE_HASH)) {
			robust_result(&tap, false, "set-up of %s: the model has no state hash for it",
				      w[i].bdf);
			printf("1..%d\n", tap.n);
			return 1;
		}
		pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
	}
	for (i = 0; i < nw; i++) {
		pthread_join(w[i].thread, NULL);
		if (w[i].open)
			worker_close(&w[i]);
		hl_model_close(&w[i].m);
		hl_kmsg_close(&w[i].k);
	}
	dt = robust_now() - t_start;

	printf("# %llu cases in %.1f s (%.1f cases/s): %llu rejected, %llu accepted (%llu loaded); "
	       "%llu resets, %llu device reopens, %llu good-stream checks\n",
	       st.cases, dt, st.cases / (dt > 0 ? dt : 1), st.rejected, st.accepted, st.loaded,
	       st.resets, st.dev_reopens, st.good_checks);
	for (i = 0; i < nsamples; i++)
		printf("# sample rejection line: %s\n", samples[i]);
	if (st.kmsg_lost)
		printf("# %llu kernel log records were overwritten before they were read\n",
		       st.kmsg_lost);

	robust_result(&tap, opt.only_case >= 0 ? st.cases == 1 : st.cases >= opt.cases,
	       "fuzz: %llu of %llu cases run%s", st.cases,
	       opt.only_case >= 0 ? 1ull : opt.cases,
	       st.timed_out ? " (time limit reached)" :
	       st.cases < opt.cases && opt.only_case < 0 ? " (stopped early: over 200 failures, or a worker error)" : "");
	robust_result(&tap, !st.fail_errno, "fuzz: every write and RESUMING->STOP gave the documented errno (%llu wrong)",
	       st.fail_errno);
	robust_result(&tap, !st.fail_state, "fuzz: migration state as documented after each case and reset (%llu wrong)",
	       st.fail_state);
	robust_result(&tap, !st.fail_untouched,
	       "fuzz: rejected streams left the VF untouched (BAR writes, mailbox, registers) (%llu wrong)",
	       st.fail_untouched);
	robust_result(&tap, !st.fail_loaded, "fuzz: accepted streams loaded what they said, as a guest reads the running VF (%llu wrong)",
	       st.fail_loaded);
	robust_result(&tap, !st.fail_kmsg && !st.kmsg_lost,
	       "fuzz: at most one kernel error line per rejection (rate-limited), none otherwise (%llu wrong)",
	       st.fail_kmsg);
	robust_result(&tap, !st.fail_good && st.good_checks >= (unsigned long long)nw,
	       "fuzz: the VFs still migrate a good stream (%llu checks, %llu failed)",
	       st.good_checks, st.fail_good);
	robust_result(&tap, !st.splats, "fuzz: no kernel splat during the run (%llu lines)", st.splats);
	robust_result(&tap, !st.fail_other, "fuzz: no other failure (%llu)", st.fail_other);
	printf("1..%d\n", tap.n);
	return tap.failed ? 1 : 0;
}
