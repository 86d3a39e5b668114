// SPDX-License-Identifier: GPL-2.0
/*
 * hacc-mig: save, resume and migrate the state of a HiSilicon accelerator VF
 * bound to hisi_acc_vfio_pci, through the VFIO migration uAPI, the way a VMM
 * does it (PRE_COPY first, then STOP_COPY).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "hacc_guest.h"
#include "hacc_stream.h"
#include "hacc_sys.h"
#include "hacc_vfio.h"

#define CHUNK		(1 << 20)

#ifndef HACC_VERSION
#define HACC_VERSION	"unknown"
#endif
/* Bumped when a key of the JSON output changes meaning or goes away */
#define JSON_FORMAT	1
/* Exit status of compat when the destination would refuse */
#define EXIT_INCOMPATIBLE 3

static const char usage_text[] =
"Usage: hacc-mig [OPTIONS] COMMAND ARGS\n"
"\n"
"Move the migration state of a HiSilicon QM accelerator VF (bound to\n"
"hisi_acc_vfio_pci) through the VFIO migration uAPI.\n"
"\n"
"Commands:\n"
"  save VF FILE       save VF's state to FILE (PRE_COPY data, then STOP_COPY)\n"
"  resume FILE VF     load a saved stream from FILE into VF\n"
"  migrate SRC DST    move SRC's state into DST: DST enters RESUMING, SRC enters\n"
"                     PRE_COPY and its initial data (the match header) is fed to\n"
"                     DST while SRC still runs, so an incompatible DST fails\n"
"                     before SRC stops; then SRC enters STOP_COPY, the rest is\n"
"                     copied, and DST is loaded (RESUMING -> STOP -> RUNNING)\n"
"  info VF            migration flags, state, MIG_DATA_SIZE, PRE_COPY info and\n"
"                     the match data the VF sends and checks (device id, queue\n"
"                     count and base, isolation setting, stream magic/version)\n"
"  compat FILE VF     would VF accept a migration from the source whose\n"
"                     'info --json' output is in FILE?  Compares FILE's match\n"
"                     data with VF's own the way the driver does on RESUMING\n"
"                     and names the field that makes VF refuse\n"
"\n"
"VF, SRC, DST are PCI addresses (0000:01:00.1 or 01:00.1).  Opening a VF resets\n"
"it, so a VF has guest state only while this process holds it: use --seed to\n"
"play the guest driver and give SRC queue state first, and --verify to read\n"
"the destination's registers back before the devices are closed.\n"
"\n"
"Options:\n"
"  -m, --mode MODE          open VFs via 'cdev' (VFIO device cdev + iommufd,\n"
"                           default) or 'group' (legacy group + type1 container)\n"
"  -s, --seed N             before saving/migrating, act as the guest driver:\n"
"                           program SRC's EQC/AEQC/SQC/CQC bases, interrupt\n"
"                           masks, page size and VF ready from seed N (>= 1)\n"
"  -V, --verify             after resume/migrate, read DST's registers and\n"
"                           compare them with the stream (and with SRC's before\n"
"                           migration); a mismatch is an error\n"
"      --no-precopy         skip PRE_COPY: RUNNING -> STOP -> STOP_COPY\n"
"  -t, --threshold BYTES    leave PRE_COPY once initial_bytes is 0 and\n"
"                           dirty_bytes <= BYTES (default 0)\n"
"  -T, --precopy-timeout MS leave PRE_COPY after MS milliseconds whatever the\n"
"                           device reports (default 5000)\n"
"  -p, --poll MS            how long to poll() for more PRE_COPY data at the\n"
"                           temporary end of the stream (default 50)\n"
"  -j, --json               print statistics as one JSON object on stdout:\n"
"                           bytes and milliseconds per phase, time with the\n"
"                           source stopped, verification result\n"
"  -q, --quiet              no progress output on stderr\n"
"  -v, --verbose            describe the stream fields on stderr\n"
"  -h, --help               this text\n"
"      --version            print the version\n"
"\n"
"Exit status: 0 success (compat: compatible), 1 migration/device error (the\n"
"cause is printed; a failed save or migrate leaves the source RUNNING),\n"
"2 usage error, 3 compat: the destination would refuse the migration.\n"
"The JSON output is documented in Documentation/hacc-mig.rst.\n";

struct opts {
	enum hl_open_mode mode;
	unsigned int seed;
	bool verify;
	bool precopy;
	unsigned long long threshold;
	long precopy_timeout_ms;
	int poll_ms;
	bool json;
	bool quiet;
	bool verbose;
};

struct phase {
	unsigned long long bytes;
	double ms;
	unsigned int reads;
};

struct stats {
	struct phase precopy, stop_copy, load;
	double stopped_ms;
	double total_ms;
	unsigned long long last_initial, last_dirty;
	const char *leave_reason;
	int verify;		/* -1 not done, else number of differing fields */
};

static struct opts opt = {
	.mode = HACC_OPEN_CDEV,
	.precopy = true,
	.precopy_timeout_ms = 5000,
	.poll_ms = 50,
};
static struct stats st = { .verify = -1 };
static bool tty;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress(const char *fmt, ...)
{
	va_list ap;

	if (opt.quiet)
		return;
	va_start(ap, fmt);
	if (tty)
		fprintf(stderr, "\r\033[K");
	vfprintf(stderr, fmt, ap);
	if (!tty)
		fputc('\n', stderr);
	va_end(ap);
}

static void phase_done(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void phase_done(const char *fmt, ...)
{
	va_list ap;

	if (opt.quiet)
		return;
	if (tty)
		fprintf(stderr, "\r\033[K");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int err(const char *fmt, ...)
{
	va_list ap;

	if (tty && !opt.quiet)
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "hacc-mig: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int lib_err(void)
{
	return err("%s", hl_last_error());
}

/* Where saved bytes go: a file or the destination's resuming fd. */
static int sink_write(int fd, const char *what, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EPROTO || errno == EFAULT) && !strncmp(what, "destination", 11))
			return hl_fail(errno, "%s rejected the stream (match data: magic, version, device id, queue count or isolation differ; the kernel log names the field)",
					 what);
		if (n < 0 && errno == EFBIG)
			return hl_fail(errno, "%s: stream longer than one record", what);
		if (n < 0)
			return hl_fail(errno, "writing to %s", what);
		if (n == 0)
			return hl_fail(EIO, "writing to %s: no progress", what);
		p += n;
		len -= n;
	}
	return 0;
}

struct source {
	struct hl_dev dev;
	struct hl_guest guest;
	struct hl_regs before;
	bool have_before;
	int fd;
	__u8 rec[2 * HACC_MIG_DATA_SIZE];
	size_t rec_len;
};

/* Open SRC and, with --seed, give it guest state. */
static int source_open(struct source *s, const char *bdf)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	ret = hl_dev_open(&s->dev, bdf, opt.mode);
	if (ret)
		return ret;
	if (!opt.seed && !opt.verify)
		return 0;
	ret = hl_guest_attach(&s->guest, &s->dev);
	if (!ret && opt.seed) {
		ret = hl_guest_program(&s->guest, opt.seed);
		if (!ret)
			progress("guest: programmed %s with seed %u", s->dev.bdf, opt.seed);
	}
	if (!ret) {
		ret = hl_guest_read(&s->guest, &s->before);
		s->have_before = !ret;
	}
	return ret;
}

static void source_close(struct source *s)
{
	if (s->fd >= 0)
		close(s->fd);
	hl_guest_detach(&s->guest);
	hl_dev_close(&s->dev);
}

/* Keep a copy of the stream (it is one small record) for --verify/--verbose. */
static void keep(struct source *s, const void *buf, size_t n)
{
	size_t room = sizeof(s->rec) - s->rec_len;

	memcpy(s->rec + s->rec_len, buf, n < room ? n : room);
	s->rec_len += n < room ? n : room;
}

/* Bring the source back to RUNNING after a failure; say so. */
static void source_rollback(struct source *s)
{
	__u32 state = VFIO_DEVICE_STATE_ERROR;

	if (!hl_mig_get_state(&s->dev, &state) && state == VFIO_DEVICE_STATE_RUNNING)
		return;
	if (state != VFIO_DEVICE_STATE_ERROR &&
	    !hl_mig_set_state(&s->dev, VFIO_DEVICE_STATE_RUNNING, NULL)) {
		fprintf(stderr, "hacc-mig: source %s back to RUNNING (was %s)\n", s->dev.bdf,
			hl_state_name(state));
		return;
	}
	/* ERROR (or a failed arc back): only a reset returns it to RUNNING */
	if (hl_dev_reset(&s->dev) ||
	    hl_mig_get_state(&s->dev, &state) || state != VFIO_DEVICE_STATE_RUNNING)
		err("could not return source %s to RUNNING: %s", s->dev.bdf, hl_last_error());
	else
		fprintf(stderr, "hacc-mig: source %s reset back to RUNNING (it was in ERROR)\n",
			s->dev.bdf);
}

/*
 * PRE_COPY: copy what the source offers while it runs, until initial_bytes
 * is 0 and dirty_bytes is at or below the threshold, dirty_bytes stopped
 * shrinking, or the timeout.
 */
static int do_precopy(struct source *s, int out, const char *out_name, __u8 *buf)
{
	struct vfio_precopy_info info;
	double start = now_ms(), t;
	unsigned long long prev_dirty = ~0ull;
	int ret, flat = 0;
	ssize_t n;

	ret = hl_mig_set_state(&s->dev, VFIO_DEVICE_STATE_PRE_COPY, &s->fd);
	if (ret)
		return ret;
	for (;;) {
		ret = hl_precopy_info(s->fd, &info);
		if (ret)
			return ret;
		st.last_initial = info.initial_bytes;
		st.last_dirty = info.dirty_bytes;
		t = now_ms() - start;
		progress("[pre-copy] %llu bytes, initial %llu, dirty %llu, %.1f ms",
			 st.precopy.bytes, (unsigned long long)info.initial_bytes,
			 (unsigned long long)info.dirty_bytes, t);
		if (!info.initial_bytes) {
			if (info.dirty_bytes <= opt.threshold) {
				st.leave_reason = "initial data sent, dirty below threshold";
				break;
			}
			flat = info.dirty_bytes >= prev_dirty ? flat + 1 : 0;
			prev_dirty = info.dirty_bytes;
			if (flat >= 3) {
				st.leave_reason = "dirty data stopped shrinking";
				break;
			}
		}
		if (t >= opt.precopy_timeout_ms) {
			st.leave_reason = "timeout";
			break;
		}
		n = read(s->fd, buf, CHUNK);
		if (n > 0) {
			st.precopy.reads++;
			st.precopy.bytes += n;
			keep(s, buf, n);
			ret = sink_write(out, out_name, buf, n);
			if (ret)
				return ret;
			continue;
		}
		if (n < 0 && errno != ENOMSG && errno != EINTR)
			return hl_fail(errno, "%s: reading PRE_COPY data", s->dev.bdf);
		/* temporary end of stream (-ENOMSG; mainline returns 0): wait */
		{
			struct pollfd p = { .fd = s->fd, .events = POLLIN };

			poll(&p, 1, opt.poll_ms);
		}
	}
	st.precopy.ms = now_ms() - start;
	phase_done("pre-copy:  %llu bytes in %.1f ms (%s)", st.precopy.bytes, st.precopy.ms,
		   st.leave_reason);
	return 0;
}

/* STOP_COPY: stop the source and copy the rest until read() returns 0. */
static int do_stop_copy(struct source *s, int out, const char *out_name, __u8 *buf,
			double *stop_time)
{
	double start;
	int ret, fd;
	ssize_t n;

	start = *stop_time = now_ms();
	if (s->fd >= 0) {
		ret = hl_mig_set_state(&s->dev, VFIO_DEVICE_STATE_STOP_COPY, &fd);
		if (fd >= 0)
			close(fd);
	} else {
		ret = hl_mig_set_state(&s->dev, VFIO_DEVICE_STATE_STOP_COPY, &s->fd);
	}
	if (ret)
		return ret;
	for (;;) {
		n = read(s->fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hl_fail(errno, "%s: reading STOP_COPY data", s->dev.bdf);
		if (!n)
			break;
		st.stop_copy.reads++;
		st.stop_copy.bytes += n;
		keep(s, buf, n);
		ret = sink_write(out, out_name, buf, n);
		if (ret)
			return ret;
	}
	st.stop_copy.ms = now_ms() - start;
	/* reported by the caller: no output while the source is stopped */
	return 0;
}

/* Compare DST's registers with the record and with SRC before migration. */
static int verify(struct hl_dev *dst, const __u8 *rec, size_t len,
		  const struct hl_regs *src_before)
{
	struct hl_guest g;
	struct hl_regs want, got;
	int ret, n;

	if (hl_stream_check(rec, len) != HACC_STREAM_OK)
		return hl_fail(EINVAL, "cannot verify: %s",
				 hl_stream_check_name(hl_stream_check(rec, len)));
	hl_regs_from_stream((const void *)rec, &want);
	ret = hl_guest_attach(&g, dst);
	if (!ret)
		ret = hl_guest_read(&g, &got);
	hl_guest_detach(&g);
	if (ret)
		return ret;
	n = hl_regs_diff(&want, &got, opt.quiet ? NULL : stderr);
	if (src_before)
		n += hl_regs_diff(src_before, &got, opt.quiet ? NULL : stderr);
	st.verify = n;
	if (n)
		return hl_fail(EIO, "verify: %d register(s) of %s differ from the %s", n,
				 dst->bdf, src_before ? "source" : "stream");
	phase_done("verify:    %s registers match the %s", dst->bdf,
		   src_before ? "source's" : "stream");
	if (opt.verbose)
		hl_regs_print(&got, stderr, "  ");
	return 0;
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void json_phase(const char *name, const struct phase *p, bool last)
{
	printf("\"%s\":{\"bytes\":%llu,\"ms\":%.3f,\"reads\":%u}%s", name, p->bytes, p->ms,
	       p->reads, last ? "" : ",");
}

static void print_json(const char *cmd, const char *src, const char *dst, int rc)
{
	if (!opt.json)
		return;
	printf("{\"format\":%d,\"version\":\"%s\",\"command\":\"%s\",\"result\":\"%s\",",
	       JSON_FORMAT, HACC_VERSION, cmd, rc ? "error" : "ok");
	if (rc) {
		printf("\"error\":");
		json_str(hl_last_error());
		putchar(',');
	}
	printf("\"source\":");
	json_str(src);
	printf(",\"destination\":");
	json_str(dst);
	printf(",\"mode\":\"%s\",\"driver\":\"%s\",",
	       opt.mode == HACC_OPEN_CDEV ? "cdev" : "group", hl_flavour_name(hl_flavour()));
	printf("\"phases\":{");
	json_phase("precopy", &st.precopy, false);
	json_phase("stop_copy", &st.stop_copy, false);
	json_phase("load", &st.load, true);
	printf("},\"precopy_exit\":\"%s\",\"last_initial_bytes\":%llu,\"last_dirty_bytes\":%llu,",
	       st.leave_reason ? st.leave_reason : "", st.last_initial, st.last_dirty);
	printf("\"total_bytes\":%llu,\"source_stopped_ms\":%.3f,\"total_ms\":%.3f,",
	       st.precopy.bytes + st.stop_copy.bytes, st.stopped_ms, st.total_ms);
	if (st.verify < 0)
		printf("\"verify\":null}\n");
	else
		printf("\"verify\":\"%s\",\"verify_diffs\":%d}\n", st.verify ? "mismatch" : "match",
		       st.verify);
	fflush(stdout);
}

/* RESUMING -> STOP -> RUNNING on the destination after all data is written. */
static int load(struct hl_dev *dst, int *fd, double *done)
{
	double start = now_ms();
	int ret;

	ret = hl_mig_set_state(dst, VFIO_DEVICE_STATE_STOP, NULL);
	if (ret)
		return hl_fail(-ret, "%s: destination refused the stream at RESUMING -> STOP",
				 dst->bdf);
	close(*fd);
	*fd = -1;
	ret = hl_mig_set_state(dst, VFIO_DEVICE_STATE_RUNNING, NULL);
	if (ret)
		return ret;
	*done = now_ms();
	st.load.ms = *done - start;
	st.load.bytes = st.precopy.bytes + st.stop_copy.bytes;
	return 0;
}

static int cmd_migrate(const char *src_bdf, const char *dst_bdf)
{
	struct source *s = calloc(1, sizeof(*s));
	struct hl_dev dst;
	double t0 = now_ms(), stop_time = 0, done = 0;
	int dfd = -1, ret, rc = 1;
	__u8 *buf = malloc(CHUNK);
	char name[80];

	dst.fd = -1;
	if (!s || !buf) {
		err("out of memory");
		goto out;
	}
	if (source_open(s, src_bdf) || hl_dev_open(&dst, dst_bdf, opt.mode)) {
		lib_err();
		goto out_close;
	}
	snprintf(name, sizeof(name), "destination %s", dst.bdf);
	if (hl_mig_set_state(&dst, VFIO_DEVICE_STATE_RESUMING, &dfd)) {
		lib_err();
		goto out_close;
	}
	progress("%s RESUMING, %s RUNNING", dst.bdf, s->dev.bdf);
	ret = opt.precopy ? do_precopy(s, dfd, name, buf) : 0;
	if (ret) {
		err("pre-copy failed, source not stopped: %s", hl_last_error());
		goto out_rollback;
	}
	ret = do_stop_copy(s, dfd, name, buf, &stop_time);
	if (!ret)
		ret = load(&dst, &dfd, &done);
	if (ret) {
		err("%s", hl_last_error());
		goto out_rollback;
	}
	st.stopped_ms = done - stop_time;
	phase_done("stop-copy: %llu bytes in %.1f ms", st.stop_copy.bytes, st.stop_copy.ms);
	phase_done("load:      %s RUNNING after %.1f ms", dst.bdf, st.load.ms);
	phase_done("source stopped for %.1f ms; %llu bytes in %.1f ms", st.stopped_ms,
		   st.precopy.bytes + st.stop_copy.bytes, now_ms() - t0);
	if (opt.verbose)
		hl_stream_describe(s->rec, s->rec_len, stderr);
	rc = 0;
	if (opt.verify && verify(&dst, s->rec, s->rec_len, s->have_before ? &s->before : NULL))
		rc = lib_err();
	goto out_close;
out_rollback:
	source_rollback(s);
out_close:
	st.total_ms = now_ms() - t0;
	if (dfd >= 0)
		close(dfd);
	hl_dev_close(&dst);
	source_close(s);
out:
	print_json("migrate", src_bdf, dst_bdf, rc);
	free(buf);
	free(s);
	return rc;
}

static int cmd_save(const char *bdf, const char *path)
{
	struct source *s = calloc(1, sizeof(*s));
	__u8 *buf = malloc(CHUNK);
	double t0 = now_ms(), stop_time = 0;
	int out = -1, rc = 1;

	if (!s || !buf) {
		err("out of memory");
		goto out;
	}
	if (source_open(s, bdf)) {
		lib_err();
		goto out_close;
	}
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		err("cannot create %s: %s", path, strerror(errno));
		goto out_close;
	}
	if ((opt.precopy && do_precopy(s, out, path, buf)) ||
	    do_stop_copy(s, out, path, buf, &stop_time)) {
		err("%s", hl_last_error());
		source_rollback(s);
		unlink(path);
		goto out_close;
	}
	if (fsync(out) || close(out)) {
		out = -1;
		err("writing %s: %s", path, strerror(errno));
		goto out_close;
	}
	out = -1;
	st.stopped_ms = now_ms() - stop_time;
	phase_done("stop-copy: %llu bytes in %.1f ms", st.stop_copy.bytes, st.stop_copy.ms);
	phase_done("saved %llu bytes from %s to %s",
		   st.precopy.bytes + st.stop_copy.bytes, s->dev.bdf, path);
	if (opt.verbose)
		hl_stream_describe(s->rec, s->rec_len, stderr);
	/* the saved VF goes back to RUNNING, as after a cancelled migration */
	source_rollback(s);
	rc = 0;
out_close:
	st.total_ms = now_ms() - t0;
	if (out >= 0)
		close(out);
	source_close(s);
out:
	print_json("save", bdf, path, rc);
	free(buf);
	free(s);
	return rc;
}

static int cmd_resume(const char *path, const char *bdf)
{
	__u8 rec[HACC_MIG_DATA_SIZE + 1];
	struct hl_dev dst;
	double t0 = now_ms(), done = 0;
	int in, dfd = -1, rc = 1;
	ssize_t len;
	char name[80];

	dst.fd = -1;
	in = open(path, O_RDONLY);
	if (in < 0)
		return err("cannot open %s: %s", path, strerror(errno));
	len = read(in, rec, sizeof(rec));
	close(in);
	if (len < 0)
		return err("reading %s: %s", path, strerror(errno));
	/* the driver validates; this only names an obviously wrong file */
	if (hl_stream_check(rec, len) != HACC_STREAM_OK)
		progress("warning: %s: %s; passing it to the driver anyway", path,
			 hl_stream_check_name(hl_stream_check(rec, len)));
	if (hl_dev_open(&dst, bdf, opt.mode)) {
		lib_err();
		goto out;
	}
	snprintf(name, sizeof(name), "destination %s", dst.bdf);
	if (hl_mig_set_state(&dst, VFIO_DEVICE_STATE_RESUMING, &dfd)) {
		lib_err();
		goto out;
	}
	st.stop_copy.bytes = len;
	if (sink_write(dfd, name, rec, len) || load(&dst, &dfd, &done)) {
		err("resume %s into %s failed: %s", path, dst.bdf, hl_last_error());
		goto out;
	}
	phase_done("load:      %s RUNNING after %.1f ms", dst.bdf, st.load.ms);
	phase_done("resumed %zd bytes from %s into %s", len, path, dst.bdf);
	if (opt.verbose)
		hl_stream_describe(rec, len, stderr);
	rc = 0;
	if (opt.verify && verify(&dst, rec, len, NULL))
		rc = lib_err();
out:
	st.total_ms = now_ms() - t0;
	if (dfd >= 0)
		close(dfd);
	hl_dev_close(&dst);
	print_json("resume", path, bdf, rc);
	return rc;
}

/*
 * The match data of a VF: the first HACC_MIG_MATCH_SIZE bytes of its saving
 * stream.  The driver captures it from the same registers when the VF is a
 * destination, so it is also what the VF compares a received header with.
 * Read through PRE_COPY when offered (*info gets PRECOPY_INFO first), else
 * STOP_COPY; the VF is RUNNING again afterwards.  *pre: 0 if *info is valid.
 */
static int read_match(struct hl_dev *d, __u64 flags, struct hacc_mig_data *m,
		      struct vfio_precopy_info *info, int *pre)
{
	size_t got = 0;
	int fd = -1, ret;
	ssize_t n;

	*pre = -1;
	memset(m, 0, sizeof(*m));
	if (flags & VFIO_MIGRATION_PRE_COPY) {
		ret = hl_mig_set_state(d, VFIO_DEVICE_STATE_PRE_COPY, &fd);
		if (!ret)
			ret = *pre = hl_precopy_info(fd, info);
	} else {
		ret = hl_mig_set_state(d, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	}
	while (!ret && got < HACC_MIG_MATCH_SIZE) {
		n = read(fd, (char *)m + got, HACC_MIG_MATCH_SIZE - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			ret = hl_fail(n ? errno : ENODATA, "%s: reading the match data", d->bdf);
		else
			got += n;
	}
	if (fd >= 0)
		close(fd);
	if (hl_mig_set_state(d, VFIO_DEVICE_STATE_RUNNING, NULL) && !ret)
		ret = -1;
	return ret;
}

/* A "match" object, or null for m == NULL */
static void json_match(const struct hacc_mig_data *m)
{
	if (!m) {
		printf("null");
		return;
	}
	printf("{\"magic\":\"%#llx\",\"major_ver\":%u,\"minor_ver\":%u,\"dev_id\":%u,"
	       "\"qp_num\":%u,\"qp_base\":%u,\"que_iso_cfg\":%u}",
	       (unsigned long long)m->magic, m->major_ver, m->minor_ver, m->dev_id,
	       m->qp_num, m->qp_base, m->que_iso_cfg);
}

static int cmd_info(const char *bdf)
{
	struct vfio_precopy_info info = {};
	struct hacc_mig_data m;
	struct hl_dev d;
	__u64 flags = 0, size = 0;
	__u32 state = 0;
	char drv[64] = "none";
	int pre = -1, mret = -1;

	hl_sys_driver(bdf, drv, sizeof(drv));
	if (hl_dev_open(&d, bdf, opt.mode))
		return lib_err();
	if (hl_mig_flags(&d, &flags) || hl_mig_get_state(&d, &state) ||
	    hl_mig_data_size(&d, &size)) {
		hl_dev_close(&d);
		return lib_err();
	}
	if (flags & VFIO_MIGRATION_STOP_COPY)
		mret = read_match(&d, flags, &m, &info, &pre);
	if (opt.json) {
		printf("{\"format\":%d,\"version\":\"%s\",\"command\":\"info\","
		       "\"device\":\"%s\",\"driver\":\"%s\",\"flavour\":\"%s\",\"mode\":\"%s\","
		       "\"flags\":{\"stop_copy\":%s,\"p2p\":%s,\"pre_copy\":%s},\"state\":\"%s\","
		       "\"mig_data_size\":%llu,\"bar2_size\":%llu,",
		       JSON_FORMAT, HACC_VERSION, d.bdf, drv, hl_flavour_name(hl_flavour()),
		       opt.mode == HACC_OPEN_CDEV ? "cdev" : "group",
		       flags & VFIO_MIGRATION_STOP_COPY ? "true" : "false",
		       flags & VFIO_MIGRATION_P2P ? "true" : "false",
		       flags & VFIO_MIGRATION_PRE_COPY ? "true" : "false",
		       hl_state_name(state), (unsigned long long)size,
		       (unsigned long long)d.bar[HACC_QM_BAR].size);
		if (pre)
			printf("\"precopy\":null,");
		else
			printf("\"precopy\":{\"initial_bytes\":%llu,\"dirty_bytes\":%llu},",
			       (unsigned long long)info.initial_bytes,
			       (unsigned long long)info.dirty_bytes);
		printf("\"match\":");
		json_match(mret ? NULL : &m);
		printf("}\n");
	} else {
		printf("device:        %s (driver %s, %s build), opened via %s\n", d.bdf, drv,
		       hl_flavour_name(hl_flavour()), hl_mode_name(opt.mode));
		printf("migration:     %s%s%s\n",
		       flags & VFIO_MIGRATION_STOP_COPY ? "STOP_COPY " : "",
		       flags & VFIO_MIGRATION_P2P ? "P2P " : "",
		       flags & VFIO_MIGRATION_PRE_COPY ? "PRE_COPY" : "");
		printf("state:         %s\n", hl_state_name(state));
		printf("mig_data_size: %llu bytes (STOP_COPY estimate)\n", (unsigned long long)size);
		printf("BAR2 visible:  %#llx bytes\n", (unsigned long long)d.bar[HACC_QM_BAR].size);
		if (pre)
			printf("pre-copy:      unavailable (%s)\n", hl_last_error());
		else
			printf("pre-copy:      initial_bytes %llu, dirty_bytes %llu\n",
			       (unsigned long long)info.initial_bytes,
			       (unsigned long long)info.dirty_bytes);
		if (mret)
			printf("match data:    unavailable (%s)\n", hl_last_error());
		else
			printf("match data:    dev_id %#x, qp_num %u, qp_base %u, que_iso_cfg %#x, magic %#llx, version %u.%u\n",
			       m.dev_id, m.qp_num, m.qp_base, m.que_iso_cfg,
			       (unsigned long long)m.magic, m.major_ver, m.minor_ver);
	}
	hl_dev_close(&d);
	return 0;
}

/*
 * Value of KEY in the "match" object of an info --json output: a number, or
 * a string holding one (the 64-bit magic); whitespace as jq prints it is fine.
 */
static int json_match_field(const char *js, const char *key, unsigned long long *v)
{
	const char *p = strstr(js, "\"match\"");
	char pat[32], *end;

	if (!p)
		return -1;
	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(p, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p++ != ':')
		return -1;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p == '"')
		p++;
	if (*p == '-')
		return -1;
	errno = 0;
	*v = strtoull(p, &end, 0);
	return errno || end == p ? -1 : 0;
}

/* The source's match data from its info --json output in PATH */
static int load_info_json(const char *path, struct hacc_mig_data *m)
{
	static const char *const keys[] = {
		"magic", "major_ver", "minor_ver", "dev_id", "qp_num", "qp_base", "que_iso_cfg",
	};
	unsigned long long v[7];
	char buf[16384];
	size_t len;
	FILE *f;
	int i;

	f = fopen(path, "r");
	if (!f)
		return hl_fail(errno, "cannot open %s", path);
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	if (!strstr(buf, "\"match\""))
		return hl_fail(EINVAL, "%s: no \"match\" object (not the output of 'hacc-mig --json info' of a migratable VF)",
				 path);
	for (i = 0; i < 7; i++)
		if (json_match_field(buf, keys[i], &v[i]))
			return hl_fail(EINVAL, "%s: no number for match.%s", path, keys[i]);
	memset(m, 0, sizeof(*m));
	m->magic = v[0];
	m->major_ver = v[1];
	m->minor_ver = v[2];
	m->dev_id = v[3];
	m->qp_num = v[4];
	m->qp_base = v[5];
	m->que_iso_cfg = v[6];
	return 0;
}

/* The value of match field F in M, for messages */
static unsigned long long match_value(const struct hacc_mig_data *m, enum hacc_match_field f)
{
	switch (f) {
	case HACC_MATCH_MAGIC: return m->magic;
	case HACC_MATCH_MAJOR_VER: return m->major_ver;
	case HACC_MATCH_DEV_ID: return m->dev_id;
	case HACC_MATCH_QP_NUM: return m->qp_num;
	case HACC_MATCH_QUE_ISO_CFG: return m->que_iso_cfg;
	case HACC_MATCH_OK: break;
	}
	return 0;
}

static int cmd_compat(const char *path, const char *bdf)
{
	struct vfio_precopy_info info;
	struct hacc_mig_data src, dst;
	enum hacc_match_field f = HACC_MATCH_OK;
	const char *why = NULL;
	struct hl_dev d;
	__u64 flags = 0;
	int pre, rc = 1;

	d.fd = -1;
	if (load_info_json(path, &src) || hl_dev_open(&d, bdf, opt.mode) ||
	    hl_mig_flags(&d, &flags))
		goto out;
	if (!(flags & VFIO_MIGRATION_STOP_COPY)) {
		why = "destination has no STOP_COPY migration";
	} else {
		if (read_match(&d, flags, &dst, &info, &pre))
			goto out;
		f = hacc_match_first_diff(&src, &dst);
	}
	rc = why || f ? EXIT_INCOMPATIBLE : 0;
	if (opt.json) {
		printf("{\"format\":%d,\"version\":\"%s\",\"command\":\"compat\","
		       "\"result\":\"%s\",\"field\":", JSON_FORMAT, HACC_VERSION,
		       rc ? "incompatible" : "compatible");
		if (f)
			printf("\"%s\"", hl_match_field_name(f));
		else
			printf("null");
		printf(",\"reason\":");
		json_str(why ? why : "");
		printf(",\"destination\":\"%s\",\"source_match\":", d.bdf);
		json_match(&src);
		printf(",\"destination_match\":");
		json_match(why ? NULL : &dst);
		printf("}\n");
	} else if (why) {
		printf("incompatible: %s: %s\n", d.bdf, why);
	} else if (f == HACC_MATCH_MAGIC || f == HACC_MATCH_MAJOR_VER) {
		printf("incompatible: %s %#llx in the source's stream, %s reads %#llx\n",
		       hl_match_field_name(f), match_value(&src, f), d.bdf,
		       match_value(&dst, f));
	} else if (f) {
		printf("incompatible: %s %#llx in the source, %#llx on %s\n",
		       hl_match_field_name(f), match_value(&src, f), match_value(&dst, f),
		       d.bdf);
	} else {
		printf("compatible: %s would accept the source's stream (dev_id %#x, qp_num %u, que_iso_cfg %#x)\n",
		       d.bdf, dst.dev_id, dst.qp_num, dst.que_iso_cfg);
	}
out:
	if (rc == 1) {
		if (opt.json) {
			printf("{\"format\":%d,\"version\":\"%s\",\"command\":\"compat\","
			       "\"result\":\"error\",\"error\":", JSON_FORMAT, HACC_VERSION);
			json_str(hl_last_error());
			printf("}\n");
		}
		lib_err();
	}
	if (d.fd >= 0)
		hl_dev_close(&d);
	return rc;
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "hacc-mig: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'hacc-mig --help'.\n");
	return 2;
}

static bool parse_num(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && end != s && !*end;
}

int main(int argc, char **argv)
{
	enum { OPT_NO_PRECOPY = 256, OPT_VERSION };
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 's' },
		{ "verify", no_argument, NULL, 'V' },
		{ "no-precopy", no_argument, NULL, OPT_NO_PRECOPY },
		{ "threshold", required_argument, NULL, 't' },
		{ "precopy-timeout", required_argument, NULL, 'T' },
		{ "poll", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{}
	};
	unsigned long long v;
	const char *cmd;
	int c;

	while ((c = getopt_long(argc, argv, "m:s:Vt:T:p:jqvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (hl_mode_parse(optarg, &opt.mode))
				return usage_error("%s", hl_last_error());
			break;
		case 's':
			if (!parse_num(optarg, &v) || !v || v > 255)
				return usage_error("--seed wants 1..255, not '%s'", optarg);
			opt.seed = v;
			break;
		case 'V':
			opt.verify = true;
			break;
		case OPT_NO_PRECOPY:
			opt.precopy = false;
			break;
		case 't':
			if (!parse_num(optarg, &opt.threshold))
				return usage_error("--threshold wants a byte count, not '%s'", optarg);
			break;
		case 'T':
			if (!parse_num(optarg, &v) || v > 3600000)
				return usage_error("--precopy-timeout wants milliseconds, not '%s'",
						   optarg);
			opt.precopy_timeout_ms = v;
			break;
		case 'p':
			if (!parse_num(optarg, &v) || v > 60000)
				return usage_error("--poll wants milliseconds, not '%s'", optarg);
			opt.poll_ms = v;
			break;
		case 'j':
			opt.json = true;
			break;
		case 'q':
			opt.quiet = true;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case OPT_VERSION:
			printf("hacc-mig %s\n", HACC_VERSION);
			return 0;
		default:
			return usage_error("%s", "bad option");
		}
	}
	tty = isatty(STDERR_FILENO);
	if (optind >= argc)
		return usage_error("%s", "missing command (save, resume, migrate, info, compat)");
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(cmd, "save") && argc == 2)
		return cmd_save(argv[0], argv[1]);
	if (!strcmp(cmd, "resume") && argc == 2)
		return cmd_resume(argv[0], argv[1]);
	if (!strcmp(cmd, "migrate") && argc == 2)
		return cmd_migrate(argv[0], argv[1]);
	if (!strcmp(cmd, "info") && argc == 1)
		return cmd_info(argv[0]);
	if (!strcmp(cmd, "compat") && argc == 2)
		return cmd_compat(argv[0], argv[1]);
	if (strcmp(cmd, "save") && strcmp(cmd, "resume") && strcmp(cmd, "migrate") &&
	    strcmp(cmd, "info") && strcmp(cmd, "compat"))
		return usage_error("unknown command '%s'", cmd);
	return usage_error("wrong number of arguments for '%s'", cmd);
}
