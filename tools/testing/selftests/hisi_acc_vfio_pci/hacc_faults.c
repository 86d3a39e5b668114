// SPDX-License-Identifier: GPL-2.0
/*
 * hacc_faults: hardware faults injected through the QEMU model's control
 * window (tools/qemu/hacc-model-ctl.h), one at a time, on one VF.
 *
 *   hacc_faults [--budget-ms MS] VF
 *
 * For each fault and each migration arc it can break, the VF first gets
 * queue state from a userspace guest driver; the fault is set just before
 * the arc and cleared right after it.  Checked:
 *  - the arc returns the errno Documentation/migration-stream.rst names
 *    for that cause, within the documented handshake budget plus a margin
 *    for TCG (--budget-ms, default 250 ms: the slowest arc seen in make
 *    check's run, 7.3 debug kernel under TCG next to another guest, took
 *    19.5 ms; 250 ms is over twelve times that), on top of a wait the
 *    driver documents for that case (1 s for a posted mailbox command to
 *    complete): nothing waits unbounded;
 *  - the migration state afterwards follows the uAPI: unchanged when the
 *    device is known to be untouched, the P2P state when the VF was left
 *    paused (ERROR without P2P support), ERROR when partly loaded;
 *  - the kernel logged one error line naming the VF;
 *  - VFIO_DEVICE_RESET brings the VF back to RUNNING, after which a full
 *    save and resume works and the registers arrive.
 * One TAP line per case with the errno and the time it took.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hacc_guest.h"
#include "hacc_sys.h"
#include "hacc_vfio.h"
#include "hacc-model-ctl.h"
#include "robust.h"

#define S(x) VFIO_DEVICE_STATE_##x

/*
 * The model's faults: mailbox busy reads busy whether or not a command was
 * posted, so the driver's idle check before PAUSE_QM fails and nothing
 * reaches the VF; abnormal status is a PF register (function 0's bit).
 * P is the state after a failure once the VF has been paused: with P2P
 * support vfio core walks through RUNNING_P2P / PRE_COPY_P2P and the pause
 * leaves the VF there, a valid state; without it the VF is paused under a
 * RUNNING label, so the documented answer is ERROR.
 */
#define P_RUNNING	0x100
#define P_PRE_COPY	0x101

static const struct fcase {
	const char *fault;
	unsigned int reg;
	bool pf_bit;		/* the fault is the PF's (bit 0), not the VF's */
	__u32 from, to;		/* the arc the fault hits */
	int err;		/* documented errno, 0: the arc succeeds */
	__u32 after;		/* documented state afterwards */
	const char *why;
} cases[] = {
	{ "mailbox stuck busy", HACC_CTL_FAULT_MB_BUSY, false, S(RUNNING), S(STOP), ETIMEDOUT,
	  S(RUNNING), "busy before PAUSE_QM: nothing was posted" },
	{ "mailbox stuck busy", HACC_CTL_FAULT_MB_BUSY, false, S(PRE_COPY), S(STOP_COPY), ETIMEDOUT,
	  S(PRE_COPY), "busy before PAUSE_QM: nothing was posted" },
	{ "mailbox stuck busy", HACC_CTL_FAULT_MB_BUSY, false, S(RESUMING), S(STOP), ETIMEDOUT,
	  S(ERROR), "load started (VF_STATE written), mailbox never idle" },
	{ "mailbox error status", HACC_CTL_FAULT_MB_ERROR, false, S(RUNNING), S(STOP), EIO, S(RUNNING),
	  "the QM refused PAUSE_QM: the VF still runs" },
	{ "mailbox error status", HACC_CTL_FAULT_MB_ERROR, false, S(STOP), S(STOP_COPY), EIO, S(STOP),
	  "SQC/CQC base read refused: VF stopped, no record" },
	{ "mailbox error status", HACC_CTL_FAULT_MB_ERROR, false, S(RESUMING), S(STOP), EIO, S(ERROR),
	  "registers written, base tables refused: partly loaded" },
	{ "cache write-back never done", HACC_CTL_FAULT_CACHE_WB, false, S(RUNNING), S(STOP), ETIMEDOUT,
	  P_RUNNING, "VF paused, its context cache not written back" },
	{ "cache write-back never done", HACC_CTL_FAULT_CACHE_WB, false, S(PRE_COPY), S(STOP_COPY),
	  ETIMEDOUT, P_PRE_COPY, "VF paused without a record" },
	{ "PF abnormal status set", HACC_CTL_FAULT_ABNORMAL, true, S(RUNNING), S(STOP), EBUSY,
	  P_RUNNING, "VF paused, PF RAS status never drained" },
	{ "PF abnormal status set", HACC_CTL_FAULT_ABNORMAL, true, S(PRE_COPY), S(STOP_COPY), EBUSY,
	  P_PRE_COPY, "VF paused without a record" },
	/* VF_STATE is read once, at save: stuck not-ready means no guest state */
	{ "VF_STATE stuck not-ready", HACC_CTL_FAULT_VF_STATE, false, S(STOP), S(STOP_COPY), 0,
	  S(STOP_COPY), "saved as a VF no guest set up: 40-byte record" },
	{ "VF_STATE stuck not-ready", HACC_CTL_FAULT_VF_STATE, false, S(PRE_COPY), S(STOP_COPY), 0,
	  S(STOP_COPY), "saved as a VF no guest set up: nothing after the 40-byte header" },
};

/*
 * The wait the driver documents for a case, in seconds: a mailbox command
 * that was posted gets 1 s to complete (as in 7.3's qm.c), so a load whose
 * mailbox never goes idle ends after that second.
 */
static double driver_wait(const struct fcase *c)
{
	return c->reg == HACC_CTL_FAULT_MB_BUSY && c->after == S(ERROR) ? 1.0 : 0;
}

static struct hl_dev dev;
static struct hl_guest guest;
static struct hl_model model;
static struct hl_kmsg kmsg;
static const char *bdf;
static int fn;
static struct hacc_mig_data saved;
static size_t saved_len;

static int log_lines(char *last, size_t len)
{
	char text[1024], tag[48];
	int level, n = 0;

	snprintf(tag, sizeof(tag), "%s: ", bdf);
	while (hl_kmsg_next(&kmsg, &level, text, sizeof(text)) > 0) {
		if (hl_kmsg_is_splat(text))
			printf("# KERNEL: %s\n", text);
		if (level <= 3 && strstr(text, tag)) {
			n++;
			snprintf(last, len, "%.300s", text);
		}
	}
	return n;
}

static void clear_faults(void)
{
	static const unsigned int regs[] = {
		HACC_CTL_FAULT_MB_BUSY, HACC_CTL_FAULT_MB_ERROR, HACC_CTL_FAULT_CACHE_WB,
		HACC_CTL_FAULT_VF_STATE, HACC_CTL_FAULT_ABNORMAL,
	};
	unsigned int i;

	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		hl_model_write(&model, regs[i], 0);
}

/* Reset, then give the VF queue state: RUNNING with a guest */
static int fresh(unsigned int seed)
{
	__u32 s;
	int ret;

	ret = hl_dev_reset(&dev);
	if (!ret)
		ret = hl_mig_get_state(&dev, &s);
	if (!ret && s != S(RUNNING))
		ret = hl_fail(EINVAL, "state %s after reset, expected RUNNING", hl_state_name(s));
	if (!ret)
		ret = hl_bus_master(&dev, true);
	if (!ret)
		ret = hl_guest_program(&guest, seed);
	return ret;
}

/* Bring the VF from RUNNING to the arc's start state; *fd gets a data file */
static int walk_to(__u32 from, int *fd)
{
	__u8 hdr[HACC_MIG_MATCH_SIZE];
	int ret = 0;

	*fd = -1;
	switch (from) {
	case S(RUNNING):
		return 0;
	case S(PRE_COPY):
		ret = hl_mig_set_state(&dev, S(PRE_COPY), fd);
		if (!ret && read(*fd, hdr, sizeof(hdr)) != sizeof(hdr))
			ret = hl_fail(EIO, "PRE_COPY header read");
		return ret;
	case S(STOP):
		return hl_mig_set_state(&dev, S(STOP), NULL);
	case S(RESUMING):
		ret = hl_mig_set_state(&dev, S(STOP), NULL);
		if (!ret)
			ret = hl_mig_set_state(&dev, S(RESUMING), fd);
		if (!ret)
			ret = hl_mig_write_all(*fd, &saved, saved_len);
		return ret;
	}
	return hl_fail(EINVAL, "no walk to %s", hl_state_name(from));
}

/*
 * A save the fault let through (VF_STATE stuck not-ready): the stream is
 * the 40-byte match header alone, saying not-ready, or, when PRE_COPY has
 * already sent that header, nothing more.
 */
static int not_ready_stream(int fd, bool header_sent)
{
	struct hacc_mig_data rec;
	size_t len, want = header_sent ? 0 : HACC_MIG_MATCH_SIZE;
	int ret;

	ret = hl_mig_read_all(fd, &rec, sizeof(rec), &len);
	if (ret)
		return ret;
	if (len != want)
		return hl_fail(EPROTO, "%zu bytes left in the stream, expected %zu", len, want);
	if (!header_sent && (rec.magic != HACC_MIG_MAGIC_V2 ||
			     rec.vf_state != HACC_VF_STATE_NOT_READY))
		return hl_fail(EPROTO, "header magic %#llx, vf_state %u: expected %#llx, %u",
				 (unsigned long long)rec.magic, rec.vf_state,
				 HACC_MIG_MAGIC_V2, HACC_VF_STATE_NOT_READY);
	return 0;
}

/* After a reset the VF migrates again: save, resume into itself, compare */
static int recovers(unsigned int seed)
{
	struct hacc_mig_data rec;
	struct hl_regs want, got;
	size_t len = 0;
	int fd = -1, ret;

	ret = fresh(seed);
	if (!ret)
		ret = hl_mig_set_state(&dev, S(STOP_COPY), &fd);
	if (!ret)
		ret = hl_mig_read_all(fd, &rec, sizeof(rec), &len);
	if (fd >= 0)
		close(fd);
	fd = -1;
	if (!ret && len != sizeof(rec))
		ret = hl_fail(EPROTO, "saved %zu bytes after recovery", len);
	if (!ret)
		ret = hl_mig_set_state(&dev, S(STOP), NULL);
	if (!ret)
		ret = hl_mig_set_state(&dev, S(RESUMING), &fd);
	if (!ret)
		ret = hl_mig_write_all(fd, &rec, len);
	if (fd >= 0)
		close(fd);
	if (!ret)
		ret = hl_mig_set_state(&dev, S(RUNNING), NULL);
	if (!ret)
		ret = hl_guest_read(&guest, &got);
	if (ret)
		return ret;
	hl_guest_expected(&want, guest.iova, seed);
	if (hl_regs_diff(&want, &got, stdout))
		return hl_fail(EPROTO, "registers differ after the recovery migration");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "budget-ms", required_argument, NULL, 'b' },
		{}
	};
	struct robust_tap tap = {};
	double budget = 0.25, t0, dt;
	char pf[32], line[512];
	unsigned int i;
	int o, fd, sfd, ret, err, lines;
	__u64 flags = 0;
	__u32 s, after;

	while ((o = getopt_long(argc, argv, "b:", lopts, NULL)) != -1) {
		if (o != 'b') {
			fprintf(stderr, "usage: %s [--budget-ms MS] VF\n", argv[0]);
			return 2;
		}
		budget = strtod(optarg, NULL) / 1000;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: %s [--budget-ms MS] VF\n", argv[0]);
		return 2;
	}
	bdf = argv[optind];
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	fn = hl_sys_vf_fn(bdf);
	if (fn <= 0 || hl_sys_pf(bdf, pf, sizeof(pf)) || hl_model_open(&model, pf) ||
	    hl_kmsg_open(&kmsg) || hl_dev_open(&dev, bdf, HACC_OPEN_CDEV) ||
	    hl_guest_attach(&guest, &dev) || fresh(3) ||
	    hl_mig_set_state(&dev, S(STOP_COPY), &fd) ||
	    hl_mig_read_all(fd, &saved, sizeof(saved), &saved_len)) {
		robust_result(&tap, false, "set-up of %s: %s", bdf, hl_last_error());
		printf("1..%d\n", tap.n);
		return 1;
	}
	close(fd);
	clear_faults();
	hl_mig_flags(&dev, &flags);
	printf("# VF %s (function %d), PF %s; budget %.0f ms per arc\n", bdf, fn, pf, budget * 1e3);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct fcase *c = &cases[i];
		char why[256] = "", stream[160];
		bool ok = true;

		after = c->after;
		if (after == P_RUNNING)
			after = flags & VFIO_MIGRATION_P2P ? S(RUNNING_P2P) : S(ERROR);
		else if (after == P_PRE_COPY)
			after = flags & VFIO_MIGRATION_P2P ? S(PRE_COPY_P2P) : S(ERROR);
		if (fresh(5 + i) || walk_to(c->from, &fd)) {
			robust_result(&tap, false, "%s on %s->%s: set-up: %s", c->fault,
				      hl_state_name(c->from), hl_state_name(c->to),
				      hl_last_error());
			continue;
		}
		log_lines(line, sizeof(line));
		line[0] = '\0';
		hl_model_write(&model, c->reg, c->pf_bit ? 1 : 1ull << fn);
		t0 = robust_now();
		sfd = -1;
		ret = hl_mig_set_state(&dev, c->to, c->to == S(STOP_COPY) && fd < 0 ? &sfd : NULL);
		dt = robust_now() - t0;
		hl_model_write(&model, c->reg, 0);
		err = -ret;
		/* what a save that succeeded wrote: read on the stream it continues */
		stream[0] = '\0';
		if (!ret && !c->err && c->to == S(STOP_COPY) &&
		    not_ready_stream(sfd >= 0 ? sfd : fd, fd >= 0))
			snprintf(stream, sizeof(stream), "%s", hl_last_error());
		if (fd >= 0)
			close(fd);
		if (sfd >= 0)
			close(sfd);
		if (hl_mig_get_state(&dev, &s))
			s = ~0u;
		lines = log_lines(line, sizeof(line));

		if (err != c->err) {
			ok = false;
			snprintf(why, sizeof(why), "; expected %s", c->err ? strerrorname_np(c->err) : "success");
		} else if (s != after) {
			ok = false;
			snprintf(why, sizeof(why), "; state %s, expected %s (%s)", hl_state_name(s),
				 hl_state_name(after), c->why);
		} else if (dt > budget + driver_wait(c)) {
			ok = false;
			snprintf(why, sizeof(why), "; over the %.0f ms budget",
				 (budget + driver_wait(c)) * 1e3);
		} else if (stream[0]) {
			ok = false;
			snprintf(why, sizeof(why), "; stream: %s", stream);
		} else if (lines != (c->err ? 1 : 0)) {
			ok = false;
			snprintf(why, sizeof(why), "; %d kernel error lines, expected %d", lines,
				 c->err ? 1 : 0);
		} else if (recovers(40 + i)) {
			ok = false;
			snprintf(why, sizeof(why), "; no recovery after reset: %s", hl_last_error());
		}
		if (lines)
			printf("# log: %s\n", line);
		robust_result(&tap, ok, "fault %s on %s->%s: %s in %.1f ms, state %s%s%s",
			      c->fault, hl_state_name(c->from), hl_state_name(c->to),
			      err ? strerrorname_np(err) : "success", dt * 1e3, hl_state_name(s),
			      ok ? ", reset recovers" : "", why);
	}
	clear_faults();
	hl_guest_detach(&guest);
	hl_dev_close(&dev);
	hl_model_close(&model);
	hl_kmsg_close(&kmsg);
	printf("1..%d\n", tap.n);
	return tap.failed ? 1 : 0;
}
