// SPDX-License-Identifier: GPL-2.0
/*
 * hacc_fuzzdiff: the same seeded resume streams into two hisi_acc_vfio_pci
 * drivers (ours and mainline's), verdict against verdict.
 *
 *   hacc_fuzzdiff run [--seed N] [--cases N] [--rebind-after-match]
 *                     [--verbose] STREAM OUT VF...
 *   hacc_fuzzdiff compare [--kernel VER] DIFFERENCES STREAM OURS MAINLINE
 *
 * run: STREAM is a complete record saved from another VF of the same PF
 * (the good stream).  Case n of the seed is hacc_fuzz's case n
 * (fuzz_cases.h), written into one of the VFs (case n into VF n mod the
 * number of VFs, one thread each), whichever driver they are bound to.
 * One line per case goes to OUT, the verdict as a guest and a VMM see it:
 *
 *   ref=   the first write refused, "I:ERRNO", or "-";
 *   stop=  RESUMING -> STOP: "ok" or the errno ("closed": the device was
 *          closed after the writes instead; late= is then what a write
 *          on the old data file gave);
 *   state= the migration state after it;
 *   regs=  after a successful STOP, the VF is let run and read back the
 *          way a guest reads it (BAR registers; EQC/AEQC contexts and
 *          SQC/CQC bases through its mailbox): "stream" when it holds the
 *          record's fields, "before" when it still holds what the guest
 *          had programmed, "other"; "-" when STOP failed (the VF is then
 *          reset, and must come back RUNNING); "unrun" when STOP took a
 *          stream with a refused write (the VF is reset instead of run);
 *   use=   whether the VF stays usable: a guest programs it again and
 *          reads back what it wrote ("ok", or what failed).
 *
 * Before each case the VF is RUNNING with a guest's state, then stopped.
 * No verdict is predicted: the driver under test is only observed.
 *
 * --rebind-after-match: mainline before 7.0 checks a stream's header only
 * until one has matched on the VF, for as long as the VF stays bound
 * (the difference mig.*.reject_wrong_* of mainline-differences).  With
 * this option the VF is unbound and bound again before a case that
 * delivers a header other than the good one, if a header may have
 * matched since the last bind, so that each such header is checked as on
 * a fresh VF.
 *
 * compare: regenerates every case from the seed recorded in OURS, takes
 * the two files line by line and fails on any disagreement not explained
 * by a difference listed for VER in DIFFERENCES ("VER id" lines; each id
 * names a rule below); a listed difference that explains nothing fails
 * too: it has disappeared.  Output is flat TAP.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hacc_guest.h"
#include "hacc_sys.h"
#include "hacc_vfio.h"
#include "robust.h"
#include "fuzz_cases.h"

/* what the guest programs between cases (not the good stream's seed) */
#define GUEST_SEED	0x5a
#define MAX_UNEXPLAINED	10
#define MAX_VFS		16

static struct {
	unsigned long long seed;
	unsigned long long cases;
	bool rebind;
	bool verbose;
	const char *kernel;
} opt = { .seed = 1, .cases = 2000, .kernel = "" };

static struct hacc_mig_data good;

static const char *errname(int err)
{
	const char *n = err ? strerrorname_np(err) : "ok";

	return n ? n : "EUNKNOWN";
}

static int load_stream(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return hl_fail(errno, "%s: %s", path, strerror(errno));
	n = fread(&good, 1, sizeof(good), f);
	fclose(f);
	if (n != sizeof(good))
		return hl_fail(EPROTO, "%s: %zu bytes, expected a complete %d-byte record",
				 path, n, REC);
	return 0;
}

/* ---- run ---- */

struct target {
	const char *bdf;
	struct hl_dev dev;
	struct hl_guest g;
	struct hl_regs programmed;
	bool open;
	bool matched;		/* a header may have matched since the bind */
	unsigned long long rebinds, done;
	int id, n;
	pthread_t thread;
};

/* verdict lines by case number, written by the workers */
static char (*verdicts)[192];

static int sysfs_write(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int ret = 0;

	if (!f)
		return hl_fail(errno, "%s: %s", path, strerror(errno));
	if (fputs(val, f) < 0)
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret ? hl_fail(-ret, "writing %s to %s: %s", val, path, strerror(-ret)) : 0;
}

static void target_close(struct target *t)
{
	if (!t->open)
		return;
	hl_guest_detach(&t->g);
	hl_dev_close(&t->dev);
	t->open = false;
}

/* The guest's state, programmed and read back through the VF */
static int guest_state(struct target *t, char *why, size_t len)
{
	struct hl_regs got;
	int ret;

	ret = hl_guest_program(&t->g, GUEST_SEED);
	if (!ret)
		ret = hl_guest_read(&t->g, &got);
	if (ret) {
		snprintf(why, len, "%s", errname(-ret));
		return -1;
	}
	if (hl_regs_diff(&t->programmed, &got, NULL)) {
		snprintf(why, len, "readback");
		return -1;
	}
	return 0;
}

/* Open the VF (RUNNING) and give it the guest's state */
static int target_open(struct target *t)
{
	char why[64];
	__u32 s;
	int ret;

	ret = hl_dev_open(&t->dev, t->bdf, HACC_OPEN_CDEV);
	if (!ret)
		ret = hl_guest_attach(&t->g, &t->dev);
	if (!ret)
		ret = hl_mig_get_state(&t->dev, &s);
	if (!ret && s != VFIO_DEVICE_STATE_RUNNING)
		ret = hl_fail(EPROTO, "%s: opened in %s", t->bdf, hl_state_name(s));
	t->open = !ret;
	if (!ret && guest_state(t, why, sizeof(why)))
		ret = hl_fail(EIO, "%s: guest state after open: %s", t->bdf, why);
	return ret;
}

/* Unbind the VF and bind it again (driver_override keeps the driver) */
static int target_rebind(struct target *t)
{
	char path[128];
	int ret;

	target_close(t);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", t->bdf);
	ret = sysfs_write(path, t->bdf);
	if (!ret)
		ret = sysfs_write("/sys/bus/pci/drivers_probe", t->bdf);
	if (!ret)
		ret = target_open(t);
	t->matched = false;
	t->rebinds++;
	return ret;
}

/* VFIO_DEVICE_RESET must bring the VF back to RUNNING */
static int reset_running(struct target *t)
{
	__u32 s = ~0u;

	if (hl_dev_reset(&t->dev) || hl_mig_get_state(&t->dev, &s) ||
	    s != VFIO_DEVICE_STATE_RUNNING)
		return -1;
	return 0;
}

static const char *regs_verdict(const struct target *t, const struct fcase *c,
				const struct hl_regs *got)
{
	struct hl_regs want;

	if (c->len >= REC) {
		hl_regs_from_stream((const void *)c->buf, &want);
		if (!hl_regs_diff(&want, got, NULL))
			return "stream";
	}
	if (!hl_regs_diff(&t->programmed, got, NULL))
		return "before";
	return "other";
}

/* One case; its verdict line into out.  Returns -1 if the VF is lost. */
static int run_case(struct target *t, const struct fcase *c, char *out, size_t len)
{
	char ref[32] = "-", stop[32], late[32] = "", regs[16] = "-", use[64] = "ok";
	struct hl_regs got;
	size_t off = 0;
	int fd, i, ret, err;
	__u32 s = ~0u;

	if (opt.verbose)
		printf("# case %llu on %s: %s\n", c->no, t->bdf, c->desc);
	if (opt.rebind && t->matched && c->len >= HDR && memcmp(c->buf, &good, HDR)) {
		ret = target_rebind(t);
		if (ret)
			return -1;
	}
	ret = hl_mig_set_state(&t->dev, VFIO_DEVICE_STATE_STOP, NULL);
	if (!ret)
		ret = hl_mig_set_state(&t->dev, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (ret) {
		snprintf(out, len, "%llu setup=%s\n", c->no, errname(-ret));
		return -1;
	}
	for (i = 0; i < c->nwrites; i++) {
		ret = write(fd, c->buf + off, c->writes[i]);
		err = ret < 0 ? errno : 0;
		off += c->writes[i];
		if (err && ref[0] == '-')
			snprintf(ref, sizeof(ref), "%d:%s", i, errname(err));
		else if (!err && (size_t)ret != c->writes[i] && ref[0] == '-')
			snprintf(ref, sizeof(ref), "%d:short", i);
		/* a write taken with a whole header behind it: it matched */
		if (!err && off >= HDR)
			t->matched = true;
	}
	if (c->close_dev) {
		target_close(t);
		ret = write(fd, c->buf, 1);
		snprintf(late, sizeof(late), " late=%s", ret < 0 ? errname(errno) : "ok");
		close(fd);
		snprintf(stop, sizeof(stop), "closed");
		if (target_open(t)) {
			snprintf(out, len, "%llu ref=%s stop=%s%s reopen=%s\n", c->no, ref, stop, late,
				hl_last_error());
			return -1;
		}
		hl_mig_get_state(&t->dev, &s);
		goto done;
	}
	if (c->close_fd) {
		close(fd);
		fd = -1;
	}
	ret = hl_mig_set_state(&t->dev, VFIO_DEVICE_STATE_STOP, NULL);
	snprintf(stop, sizeof(stop), "%s", errname(-ret));
	if (hl_mig_get_state(&t->dev, &s))
		s = ~0u;
	if (!ret && ref[0] != '-') {
		/*
		 * A stream with a refused write, taken all the same: the VF is
		 * reset instead of let run.  Mainline 6.12 would restart as many
		 * queues as the refused header's qp_num says (a soft lockup for
		 * a random one).
		 */
		snprintf(regs, sizeof(regs), "unrun");
		if (reset_running(t))
			snprintf(use, sizeof(use), "reset");
	} else if (!ret) {
		ret = hl_mig_set_state(&t->dev, VFIO_DEVICE_STATE_RUNNING, NULL);
		if (!ret)
			ret = hl_guest_read(&t->g, &got);
		if (ret)
			snprintf(regs, sizeof(regs), "%s", errname(-ret));
		else
			snprintf(regs, sizeof(regs), "%s", regs_verdict(t, c, &got));
	} else if (reset_running(t)) {
		snprintf(use, sizeof(use), "reset");
	}
	if (fd >= 0)
		close(fd);
done:
	if (!strcmp(use, "ok"))
		guest_state(t, use, sizeof(use));
	snprintf(out, len, "%llu ref=%s stop=%s%s state=%s regs=%s use=%s\n", c->no, ref, stop,
		late, hl_state_name(s), regs, use);
	if (opt.verbose)
		printf("# case %llu: %s", c->no, out);
	return 0;
}

/* Cases id, id + n, id + 2n... on one VF */
static void *worker_main(void *arg)
{
	struct target *t = arg;
	unsigned long long no;
	struct fcase c;

	if (target_open(t)) {
		printf("# %s\n", hl_last_error());
		return NULL;
	}
	for (no = t->id; no < opt.cases; no += t->n) {
		make_case(&good, opt.seed, no, &c);
		if (run_case(t, &c, verdicts[no], sizeof(verdicts[no]))) {
			printf("# case %llu (%s) on %s: the VF was lost: %s\n", no, c.desc,
			       t->bdf, hl_last_error());
			break;
		}
		t->done++;
	}
	target_close(t);
	return NULL;
}

static int cmd_run(int argc, char **argv)
{
	struct robust_tap tap = {};
	struct target t[MAX_VFS] = {};
	unsigned long long no, done = 0, rebinds = 0;
	double t0, dt;
	FILE *out;
	int i, nw = argc - 2;
	bool ok = true;

	if (nw < 1 || nw > MAX_VFS)
		return -1;
	printf("TAP version 13\n");
	if (load_stream(argv[0])) {
		robust_result(&tap, false, "fuzzdiff: good stream: %s", hl_last_error());
		goto end;
	}
	verdicts = calloc(opt.cases, sizeof(*verdicts));
	out = fopen(argv[1], "w");
	if (!out || !verdicts) {
		robust_result(&tap, false, "fuzzdiff: %s: %s", argv[1], strerror(errno));
		goto end;
	}
	t0 = robust_now();
	for (i = 0; i < nw; i++) {
		t[i].bdf = argv[2 + i];
		t[i].id = i;
		t[i].n = nw;
		hl_guest_expected(&t[i].programmed, HACC_GUEST_IOVA, GUEST_SEED);
		if (pthread_create(&t[i].thread, NULL, worker_main, &t[i])) {
			nw = i;
			ok = false;
		}
	}
	for (i = 0; i < nw; i++) {
		pthread_join(t[i].thread, NULL);
		done += t[i].done;
		rebinds += t[i].rebinds;
	}
	dt = robust_now() - t0;
	fprintf(out, "# hacc_fuzzdiff seed %#llx cases %llu driver %s rebind %d\n",
		opt.seed, opt.cases, hl_flavour_name(hl_flavour()), opt.rebind);
	for (no = 0; no < opt.cases; no++)
		fputs(verdicts[no][0] ? verdicts[no] : "-1 missing\n", out);
	if (fclose(out))
		ok = false;
	printf("# %llu cases in %.1f s (%.1f cases/s) on %d VFs, %llu rebinds\n", done, dt,
	       done / (dt > 0 ? dt : 1), nw, rebinds);
	robust_result(&tap, ok && done == opt.cases,
		      "fuzzdiff: %llu of %llu cases run (%s driver), verdicts in %s",
		      done, opt.cases, hl_flavour_name(hl_flavour()), argv[1]);
end:
	free(verdicts);
	printf("1..%d\n", tap.n);
	return tap.failed ? 1 : 0;
}

/* ---- compare ---- */

struct verdict {
	char ref[32], stop[32], late[32], state[32], regs[32], use[64];
};

/* "key=value" of a verdict line into v ("" when absent) */
static int parse_verdict(const char *line, unsigned long long *no, struct verdict *v)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "ref=", offsetof(struct verdict, ref) },
		{ "stop=", offsetof(struct verdict, stop) },
		{ "late=", offsetof(struct verdict, late) },
		{ "state=", offsetof(struct verdict, state) },
		{ "regs=", offsetof(struct verdict, regs) },
		{ "use=", offsetof(struct verdict, use) },
	};
	const char *p;
	char *end;
	size_t i;

	memset(v, 0, sizeof(*v));
	*no = strtoull(line, &end, 10);
	if (end == line)
		return -1;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		p = strstr(end, keys[i].key);
		if (p)
			sscanf(p + strlen(keys[i].key), "%31s", (char *)v + keys[i].off);
	}
	return 0;
}

static bool same(const struct verdict *a, const struct verdict *b)
{
	return !strcmp(a->ref, b->ref) && !strcmp(a->stop, b->stop) &&
	       !strcmp(a->late, b->late) && !strcmp(a->state, b->state) &&
	       !strcmp(a->regs, b->regs) && !strcmp(a->use, b->use);
}

/* The errno name of a "I:ERRNO" ref, or "" */
static const char *ref_err(const struct verdict *v)
{
	const char *p = strchr(v->ref, ':');

	return p ? p + 1 : "";
}

static bool ref_at(const struct verdict *v, const char *err, const char *other_ref)
{
	size_t n = strcspn(other_ref, ":");

	return !strncmp(v->ref, other_ref, n) && v->ref[n] == ':' && !strcmp(ref_err(v), err);
}

static __u64 xqc_base(const __u32 *dw)
{
	return (__u64)dw[2] << 32 | dw[1];
}

/* A complete record was delivered and no write refused */
static bool whole(const struct fcase *c, const struct verdict *o)
{
	return c->len == REC && !strcmp(o->ref, "-") && strcmp(o->stop, "closed");
}

static bool loaded_or_not(const struct verdict *m)
{
	return !strcmp(m->regs, "stream") || !strcmp(m->regs, "before");
}

/* Mainline's RESUMING -> STOP and what followed, taken as ours' */
static bool take_stop(const struct verdict *o, struct verdict *m)
{
	snprintf(m->stop, sizeof(m->stop), "%s", o->stop);
	snprintf(m->state, sizeof(m->state), "%s", o->state);
	snprintf(m->regs, sizeof(m->regs), "%s", o->regs);
	return true;
}

/*
 * Each documented difference: if the pair (ours, mainline) of a case shows
 * it, mainline's verdict is rewritten into ours' on the fields it
 * explains.  Every rule is written from what the two drivers document or
 * were seen to do, and reads the case's bytes only where the documented
 * difference is about them.
 */
struct rule {
	const char *id;
	bool (*apply)(const struct fcase *c, const struct verdict *o, struct verdict *m);
	bool listed;
	unsigned long long used;
};

/* The same write refused, with errno ours on ours and theirs on mainline */
static bool refused_with(const struct verdict *o, struct verdict *m, const char *ours,
			 const char *theirs)
{
	if (strcmp(ref_err(o), ours) || !ref_at(m, theirs, o->ref))
		return false;
	snprintf(m->ref, sizeof(m->ref), "%s", o->ref);
	return true;
}

/* A header that does not match: EPROTO on ours, EFAULT on mainline */
static bool r_header_errno(const struct fcase *c, const struct verdict *o, struct verdict *m)
{
	(void)c;
	return refused_with(o, m, "EPROTO", "EFAULT");
}

/* A write past the record's end: EFBIG on ours, ENOMEM on mainline */
static bool r_oversize_errno(const struct fcase *c, const struct verdict *o, struct verdict *m)
{
	(void)c;
	return refused_with(o, m, "EFBIG", "ENOMEM");
}

/*
 * A refused write ends the stream on ours (RESUMING -> STOP gives the same
 * errno); on mainline the file goes on, and RESUMING -> STOP judges (and
 * may load) whatever bytes were taken, a header it refused included.
 */
static bool r_refused_write_not_final(const struct fcase *c, const struct verdict *o,
				      struct verdict *m)
{
	(void)c;
	if (!strcmp(o->ref, "-") || strcmp(o->ref, m->ref) || strcmp(o->stop, ref_err(o)) ||
	    !strcmp(o->stop, m->stop))
		return false;
	if (strcmp(m->stop, "ok") && strcmp(m->stop, "EINVAL"))
		return false;
	return take_stop(o, m);
}

/* A stream neither 40 nor 176 bytes long: ENODATA on ours, EINVAL on mainline */
static bool r_length_errno(const struct fcase *c, const struct verdict *o, struct verdict *m)
{
	(void)c;
	if (strcmp(o->ref, "-") || strcmp(o->stop, "ENODATA") || strcmp(m->stop, "EINVAL"))
		return false;
	snprintf(m->stop, sizeof(m->stop), "%s", o->stop);
	return true;
}

/* vf_state neither 0 (ready) nor 1 (not ready): ours refuses, mainline loads it */
static bool r_vf_state_range(const struct fcase *c, const struct verdict *o, struct verdict *m)
{
	const struct hacc_mig_data *d = (const void *)c->buf;

	if (!whole(c, o) || d->vf_state <= 1 || strcmp(o->stop, "EPROTO") ||
	    strcmp(m->stop, "ok") || !loaded_or_not(m))
		return false;
	return take_stop(o, m);
}

/*
 * A V2 record whose eqe_dma/aeqe_dma do not agree with its EQC/AEQC words:
 * ours refuses it, mainline loads the words (and tests the fields for 0)
 */
static bool r_v2_base_mismatch(const struct fcase *c, const struct verdict *o, struct verdict *m)
{
	const struct hacc_mig_data *d = (const void *)c->buf;

	if (!whole(c, o) || d->magic != HACC_MIG_MAGIC_V2 || d->vf_state > 1 ||
	    (d->eqe_dma == xqc_base(d->eqc_dw) && d->aeqe_dma == xqc_base(d->aeqc_dw)) ||
	    strcmp(o->stop, "EPROTO") || strcmp(m->stop, "ok") || !loaded_or_not(m))
		return false;
	return take_stop(o, m);
}

/*
 * A record of a VF that was not ready (vf_state 1): ours loads nothing,
 * mainline loads it all the same when its four DMA bases are not 0
 */
static bool r_not_ready_loads(const struct fcase *c, const struct verdict *o, struct verdict *m)
{
	const struct hacc_mig_data *d = (const void *)c->buf;

	if (!whole(c, o) || d->vf_state != HACC_VF_STATE_NOT_READY || strcmp(o->stop, "ok") ||
	    strcmp(m->stop, "ok") || strcmp(o->regs, "before") || strcmp(m->regs, "stream"))
		return false;
	snprintf(m->regs, sizeof(m->regs), "%s", o->regs);
	return true;
}

static struct rule rules[] = {
	{ .id = "header-errno", .apply = r_header_errno },
	{ .id = "oversize-errno", .apply = r_oversize_errno },
	{ .id = "refused-write-not-final", .apply = r_refused_write_not_final },
	{ .id = "length-errno", .apply = r_length_errno },
	{ .id = "vf-state-range", .apply = r_vf_state_range },
	{ .id = "v2-base-mismatch", .apply = r_v2_base_mismatch },
	{ .id = "not-ready-loads", .apply = r_not_ready_loads },
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

static int read_differences(const char *path, struct robust_tap *tap)
{
	char line[256], ver[64], id[64];
	FILE *f = fopen(path, "r");
	size_t i;
	int bad = 0;

	if (!f) {
		robust_result(tap, false, "fuzzdiff: %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || sscanf(line, "%63s %63s", ver, id) != 2)
			continue;
		if (strcmp(ver, opt.kernel) && strcmp(ver, "*"))
			continue;
		for (i = 0; i < NRULES; i++)
			if (!strcmp(rules[i].id, id))
				break;
		if (i == NRULES) {
			printf("# %s: unknown difference '%s'\n", path, id);
			bad++;
		} else {
			rules[i].listed = true;
		}
	}
	fclose(f);
	if (bad)
		robust_result(tap, false, "fuzzdiff: %s names %d unknown difference(s)", path, bad);
	return bad ? -1 : 0;
}

static FILE *open_verdicts(const char *path, unsigned long long *seed, unsigned long long *cases,
			   struct robust_tap *tap)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f) {
		robust_result(tap, false, "fuzzdiff: %s: %s", path, strerror(errno));
		return NULL;
	}
	if (!fgets(line, sizeof(line), f) ||
	    sscanf(line, "# hacc_fuzzdiff seed %llx cases %llu", seed, cases) != 2) {
		robust_result(tap, false, "fuzzdiff: %s has no header line", path);
		fclose(f);
		return NULL;
	}
	return f;
}

static void print_verdict(const char *who, const struct verdict *v)
{
	printf("#     %-8s ref=%s stop=%s%s%s state=%s regs=%s use=%s\n", who, v->ref, v->stop,
	       v->late[0] ? " late=" : "", v->late, v->state, v->regs, v->use);
}

static int cmd_compare(int argc, char **argv)
{
	unsigned long long seed2, cases2, no, no2, n = 0, agree = 0, explained = 0;
	unsigned long long unexplained = 0, ours_unusable = 0;
	char la[256], lb[256];
	struct robust_tap tap = {};
	struct verdict o, m, m0;
	struct fcase c;
	FILE *fa = NULL, *fb = NULL;
	size_t i;
	bool any;

	if (argc != 4)
		return -1;
	printf("TAP version 13\n");
	if (read_differences(argv[0], &tap) || load_stream(argv[1]))
		goto end;
	fa = open_verdicts(argv[2], &opt.seed, &opt.cases, &tap);
	fb = open_verdicts(argv[3], &seed2, &cases2, &tap);
	if (!fa || !fb)
		goto end;
	if (seed2 != opt.seed || cases2 != opt.cases) {
		robust_result(&tap, false, "fuzzdiff: the two runs differ in seed or case count");
		goto end;
	}
	printf("# seed %#llx, %llu cases, differences listed for kernel %s:", opt.seed,
	       opt.cases, opt.kernel);
	for (i = 0; i < NRULES; i++)
		if (rules[i].listed)
			printf(" %s", rules[i].id);
	printf("\n");
	while (fgets(la, sizeof(la), fa)) {
		if (!fgets(lb, sizeof(lb), fb) || parse_verdict(la, &no, &o) ||
		    parse_verdict(lb, &no2, &m) || no != no2)
			break;
		n++;
		if (strcmp(o.use, "ok"))
			ours_unusable++;
		/* a case that did not run (a lost VF) explains nothing */
		if (same(&o, &m) && o.stop[0]) {
			agree++;
			continue;
		}
		make_case(&good, opt.seed, no, &c);
		m0 = m;
		any = false;
		for (i = 0; i < NRULES; i++) {
			if (rules[i].listed && rules[i].apply(&c, &o, &m)) {
				rules[i].used++;
				any = true;
			}
		}
		if (same(&o, &m) && any && o.stop[0]) {
			explained++;
			continue;
		}
		if (unexplained++ < MAX_UNEXPLAINED) {
			printf("# unexplained: case %llu (%s)\n", no, c.desc);
			print_verdict("ours", &o);
			print_verdict("mainline", &m0);
		}
	}
	robust_result(&tap, n == opt.cases, "fuzzdiff: verdicts of both drivers for %llu of %llu cases",
		      n, opt.cases);
	robust_result(&tap, !ours_unusable, "fuzzdiff: our driver left the VF usable after every case (%llu not)",
		      ours_unusable);
	robust_result(&tap, !unexplained,
		      "fuzzdiff: %llu cases agree, %llu disagreements explained by listed differences, %llu unexplained",
		      agree, explained, unexplained);
	for (i = 0; i < NRULES; i++)
		if (rules[i].listed)
			robust_result(&tap, rules[i].used, "fuzzdiff: difference %s seen in %llu cases",
				      rules[i].id, rules[i].used);
end:
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	printf("1..%d\n", tap.n);
	return tap.failed ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: hacc_fuzzdiff run [--seed N] [--cases N] [--rebind-after-match] [--verbose] STREAM OUT VF...\n"
		"       hacc_fuzzdiff compare [--kernel VER] DIFFERENCES STREAM OURS MAINLINE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "cases", required_argument, NULL, 'n' },
		{ "rebind-after-match", no_argument, NULL, 'r' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{}
	};
	int o, ret;

	if (argc < 2)
		usage();
	optind = 2;
	while ((o = getopt_long(argc, argv, "s:n:rk:v", lopts, NULL)) != -1) {
		switch (o) {
		case 's': opt.seed = strtoull(optarg, NULL, 0); break;
		case 'n': opt.cases = strtoull(optarg, NULL, 0); break;
		case 'r': opt.rebind = true; break;
		case 'k': opt.kernel = optarg; break;
		case 'v': opt.verbose = true; break;
		default: usage();
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "run"))
		ret = cmd_run(argc - optind, argv + optind);
	else if (!strcmp(argv[1], "compare"))
		ret = cmd_compare(argc - optind, argv + optind);
	else
		ret = -1;
	if (ret < 0)
		usage();
	return ret;
}
