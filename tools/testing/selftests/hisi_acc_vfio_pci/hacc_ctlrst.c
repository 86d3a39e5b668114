// SPDX-License-Identifier: GPL-2.0
/*
 * The PF driver's controller reset (hisi_qm's RAS path) while VFs of our
 * hisi_acc_vfio_pci are open and migrating.  Needs the QEMU model (its
 * control window injects the QM error); run-ctlrst.sh runs it in a boot of
 * its own, since a controller reset that fails leaves the PF unusable.
 *
 *  - ctl.reset_during_migration: four VFs, one merely open (RUNNING), one
 *    in PRE_COPY and one in STOP_COPY each with a child reading the
 *    migration file and blocking in poll(), one in RESUMING with a child
 *    trickling a valid stream in.  A QM error that needs a reset
 *    (qm_ecc_mbit) is injected on the PF: the PF's abnormal interrupt
 *    schedules hisi_qm's controller reset, which turns the VFs' memory
 *    decoding off, calls the platform's reset method and, if there is one
 *    and it succeeds, turns everything back on and restarts.  Asserted:
 *    the reset ends (either way) within 60 s; the children end within
 *    their time with data or an errno; every later call on each VF (state,
 *    a walk to STOP_COPY and a read of the stream, RUNNING) and its reset
 *    (VFIO_DEVICE_RESET) returns within 10 s with a result or an errno;
 *    after the reset each VF is RUNNING; no kernel splat; our driver logs
 *    at most one line per failed call of a VF (and one more).  If the
 *    platform has no reset method (HACC_CTLRST=failed), the documented
 *    failed state: PF and VFs' memory decoding off, and no VF hands out a
 *    stream that passes the stream check (a dead device has no state to
 *    save); with one (tools/vm/run --acpi-reset, HACC_CTLRST=ok) memory
 *    decoding is back and every VF migrates again after its reset.
 *  - ctl.migrate_after: VF A's programmed state migrates into VF B and
 *    compares (run after the PF was recovered).
 *
 * Devices: hacc_ctlrst VF1 VF2 VF3 VF4 [harness options] or HACC_VFS.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "hacc_guest.h"
#include "hacc_stream.h"
#include "hacc_sys.h"
#include "hacc_vfio.h"
#include "harness_dev.h"

#if __has_include("hacc-model-ctl.h")
#include "hacc-model-ctl.h"

#define NVF		4
#define STREAM_MAX	(2 * HACC_MIG_DATA_SIZE)
#define SLOW_S		10.0
#define RESET_S		60.0
#define CHILD_S		15.0
#define QM_ECC_MBIT	(1u << 2)	/* in hisi_zip's QM reset mask */

static const char *vfs[NVF];

/*
 * The child on a migration file: read (src NULL) or write src a byte at a
 * time, blocking in poll() wherever the file has nothing for now, until
 * seconds have passed or the file fails.  Exits 0 (ran its time) or with
 * the errno that ended it; 100 if a call took SLOW_S.
 */
static int file_child(int fd, const __u8 *src, size_t len, double seconds)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	double end = now_s() + seconds, t;
	__u8 buf[16] = { 0 };
	size_t off = 0;
	ssize_t n;
	int err;

	while (now_s() < end) {
		t = now_s();
		if (!src)
			n = read(fd, buf, sizeof(buf));
		else
			n = write(fd, src + off, off < len ? 1 : 0);
		err = n < 0 ? errno : 0;
		if (now_s() - t > SLOW_S)
			return 100;
		if (src) {
			if (err)
				return err;
			off += n;
			usleep(20000);
			continue;
		}
		if (err && err != ENOMSG)
			return err;
		if (n <= 0 && poll(&p, 1, 200) < 0)
			return errno;
		if (now_s() - t > SLOW_S)
			return 100;
		/* at the end of the stream poll() does not block */
		if (!n)
			usleep(20000);
	}
	return 0;
}

static int state_of(struct hl_dev *d)
{
	__u32 st = VFIO_DEVICE_STATE_ERROR;

	return hl_mig_get_state(d, &st) ? VFIO_DEVICE_STATE_ERROR : (int)st;
}

/* The first n VFs bound to our driver, else a failure (the runner set them up) */
#define NEED_VFS(n) do {						\
	char __why[128];						\
	for (int __i = 0; __i < (n); __i++) {				\
		if (!vfs[__i] || vf_unusable(vfs[__i], __why, sizeof(__why))) { \
			TH_LOG("VF %d: %s", __i + 1, vfs[__i] ? __why : "not given"); \
			ASSERT_TRUE(false);				\
		}							\
	}								\
} while (0)

/* One config word of a device; -1 on failure */
static int cfg_word(const char *bdf, unsigned int off)
{
	__u16 v = 0xffff;

	if (!hl_sys_cfg_rw(bdf, off, &v, sizeof(v), false))
		v = 0xffff;
	return v == 0xffff ? -1 : v;
}

struct vf_run {
	struct hl_dev d;
	int fd;			/* migration file */
	pid_t child;
	unsigned int fails;	/* calls that ended with an errno */
	unsigned int lines;	/* our driver's log lines about it */
};

FIXTURE(ctl) {
	struct vf_run v[NVF];
	__u8 stream[STREAM_MAX];
	size_t stream_len;
};

FIXTURE_SETUP(ctl)
{
	for (int i = 0; i < NVF; i++) {
		self->v[i].d.fd = -1;
		self->v[i].fd = -1;
		self->v[i].child = 0;
	}
}

FIXTURE_TEARDOWN(ctl)
{
	for (int i = 0; i < NVF; i++) {
		if (self->v[i].child > 0) {
			kill(self->v[i].child, SIGKILL);
			waitpid(self->v[i].child, NULL, 0);
		}
		if (self->v[i].fd >= 0)
			close(self->v[i].fd);
		if (self->v[i].d.fd >= 0) {
			hl_mig_set_state(&self->v[i].d, VFIO_DEVICE_STATE_RUNNING, NULL);
			hl_dev_close(&self->v[i].d);
		}
	}
}

/*
 * Run one call on a VF after the reset: it must return within SLOW_S; an
 * errno is counted for the VF.  The result (0 or -errno).
 */
#define TIMED(vr, what, expr) ({					\
	double __t = now_s();						\
	int __r = (expr);						\
	double __took = now_s() - __t;					\
	TH_LOG("%s %s: %s after %.2f s", (vr)->d.bdf, what,		\
	       __r ? hl_last_error() : "ok", __took);			\
	EXPECT_GT(SLOW_S, __took);					\
	if (__r)							\
		(vr)->fails++;						\
	__r;								\
})

/*
 * Watch the kernel log until the PF's controller reset ends: 1 complete,
 * 0 failed, -1 no end within RESET_S.  Counts our driver's lines per VF
 * and kernel splats meanwhile.
 */
static int watch_reset(struct hl_kmsg *k, const char *pf, struct vf_run *v,
		       unsigned int *splats, double seconds)
{
	double end = now_s() + seconds;
	char text[512];
	int level, r, i;

	while (now_s() < end) {
		r = hl_kmsg_next(k, &level, text, sizeof(text));
		if (r < 0)
			return -1;
		if (!r) {
			usleep(50000);
			continue;
		}
		if (hl_kmsg_is_splat(text)) {
			(*splats)++;
			printf("# splat: %s\n", text);
		}
		for (i = 0; i < NVF; i++)
			if (strstr(text, "hisi_acc_vfio_pci") && strstr(text, v[i].d.bdf)) {
				v[i].lines++;
				printf("# %s\n", text);
			}
		if (!strstr(text, pf))
			continue;
		if (strstr(text, "Controller reset complete"))
			return 1;
		if (strstr(text, "ontroller reset failed"))
			return 0;
	}
	return -1;
}

/* Drain the rest of the log into the counters (no end awaited) */
static void drain_log(struct hl_kmsg *k, struct vf_run *v, unsigned int *splats)
{
	(void)watch_reset(k, "no such device: drain only", v, splats, 0.5);
}

TEST_F_TIMEOUT(ctl, reset_during_migration, 300)
{
	static const __u32 states[NVF] = {
		VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_PRE_COPY,
		VFIO_DEVICE_STATE_STOP_COPY, VFIO_DEVICE_STATE_RESUMING,
	};
	const char *want = getenv("HACC_CTLRST");
	unsigned int splats = 0, cap;
	static __u8 buf[STREAM_MAX];
	struct hl_model m;
	struct hl_kmsg k;
	char pf[32];
	size_t len;
	int i, rc, done, fd, st;

	NEED_VFS(NVF);
	HACC_OK(hl_sys_pf(vfs[0], pf, sizeof(pf)));
	HACC_OK(hl_model_open(&m, pf));
	if (hl_model_read(&m, HACC_CTL_VERSION) < 3) {
		hl_model_close(&m);
		SKIP(return, "the model has no ABNORMAL_SET (control window version < 3)");
	}
	for (i = 0; i < NVF; i++)
		HACC_OK(hl_dev_open(&self->v[i].d, vfs[i], HACC_OPEN_CDEV));

	/* a valid stream for the RESUMING VF, saved from itself */
	HACC_OK(hl_mig_set_state(&self->v[3].d, VFIO_DEVICE_STATE_STOP, NULL));
	HACC_OK(hl_mig_set_state(&self->v[3].d, VFIO_DEVICE_STATE_STOP_COPY, &fd));
	HACC_OK(hl_mig_read_all(fd, self->stream, sizeof(self->stream), &self->stream_len));
	close(fd);

	for (i = 0; i < NVF; i++) {
		struct vf_run *vr = &self->v[i];

		if (states[i] == VFIO_DEVICE_STATE_RUNNING)
			continue;
		if (states[i] != VFIO_DEVICE_STATE_PRE_COPY)
			HACC_OK(hl_mig_set_state(&vr->d, VFIO_DEVICE_STATE_STOP, NULL));
		HACC_OK(hl_mig_set_state(&vr->d, states[i], &vr->fd));
		ASSERT_LE(0, vr->fd);
		fflush(NULL);
		vr->child = fork();
		ASSERT_LE(0, vr->child);
		if (!vr->child)
			_exit(file_child(vr->fd, i == 3 ? self->stream : NULL,
					 self->stream_len, CHILD_S));
	}
	/* let the readers drain their files and block */
	usleep(500000);

	HACC_OK(hl_kmsg_open(&k));
	hl_model_write(&m, HACC_CTL_ABNORMAL_SET, QM_ECC_MBIT);
	hl_model_close(&m);
	done = watch_reset(&k, pf, self->v, &splats, RESET_S);
	TH_LOG("PF %s controller reset: %s", pf,
	       done < 0 ? "no end logged" : done ? "complete" : "failed");
	ASSERT_LE(0, done);
	if (want && strcmp(want, "any"))
		ASSERT_EQ(!strcmp(want, "ok"), done);

	/* the children end with data or an errno, within their time */
	for (i = 0; i < NVF; i++) {
		if (!self->v[i].child)
			continue;
		rc = wait_child(self->v[i].child, CHILD_S + SLOW_S);
		self->v[i].child = 0;
		TH_LOG("%s: the child on the %s file %s", vfs[i], hl_state_name(states[i]),
		       rc < 0 ? "was still blocked: killed" :
		       rc == 100 ? "saw a call take 10 s" : rc ? strerror(rc) : "ran its time");
		EXPECT_LE(0, rc);
		EXPECT_NE(100, rc);
		if (rc > 0 && rc != 100)
			self->v[i].fails++;
	}

	/* every VF answers: its state, a save, RUNNING, then its reset */
	for (i = 0; i < NVF; i++) {
		struct vf_run *vr = &self->v[i];
		__u32 cur = VFIO_DEVICE_STATE_ERROR;

		TIMED(vr, "get state", hl_mig_get_state(&vr->d, &cur));
		if (vr->fd >= 0) {
			close(vr->fd);
			vr->fd = -1;
		}
		if (!TIMED(vr, "-> STOP", hl_mig_set_state(&vr->d, VFIO_DEVICE_STATE_STOP, NULL)) &&
		    !TIMED(vr, "-> STOP_COPY",
			   hl_mig_set_state(&vr->d, VFIO_DEVICE_STATE_STOP_COPY, &vr->fd)) &&
		    !TIMED(vr, "read the stream", hl_mig_read_all(vr->fd, buf, sizeof(buf), &len))) {
			st = hl_stream_check(buf, len);
			TH_LOG("%s: stream of %zu bytes after the reset: %s", vfs[i], len,
			       st == HACC_STREAM_OK ? "valid" : "refused by the stream check");
			/* a dead device has no state to save */
			if (!done)
				EXPECT_NE((int)HACC_STREAM_OK, st);
		}
		if (vr->fd >= 0) {
			close(vr->fd);
			vr->fd = -1;
		}
		TIMED(vr, "-> RUNNING", hl_mig_set_state(&vr->d, VFIO_DEVICE_STATE_RUNNING, NULL));
		TIMED(vr, "VFIO_DEVICE_RESET", hl_dev_reset(&vr->d));
		EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, state_of(&vr->d));
	}

	if (!done) {
		/* the failed reset leaves the PF's and VFs' memory decoding off */
		cap = hl_sys_sriov_cap(pf);
		ASSERT_NE(0u, cap);
		EXPECT_EQ(0, cfg_word(pf, 0x04) & 0x2);		/* PCI_COMMAND_MEMORY */
		EXPECT_EQ(0, cfg_word(pf, cap + 0x08) & 0x8);	/* PCI_SRIOV_CTRL_MSE */
	} else {
		/* a reset that completed: memory decoding back, VFs migrate */
		cap = hl_sys_sriov_cap(pf);
		EXPECT_NE(0, cfg_word(pf, 0x04) & 0x2);
		EXPECT_NE(0, cfg_word(pf, cap + 0x08) & 0x8);
		for (i = 0; i < NVF; i++) {
			struct vf_run *vr = &self->v[i];

			HACC_OK(hl_mig_set_state(&vr->d, VFIO_DEVICE_STATE_STOP, NULL));
			HACC_OK(hl_mig_set_state(&vr->d, VFIO_DEVICE_STATE_STOP_COPY, &vr->fd));
			HACC_OK(hl_mig_read_all(vr->fd, buf, sizeof(buf), &len));
			close(vr->fd);
			vr->fd = -1;
			EXPECT_EQ((int)HACC_STREAM_OK, (int)hl_stream_check(buf, len));
			HACC_OK(hl_mig_set_state(&vr->d, VFIO_DEVICE_STATE_RUNNING, NULL));
		}
	}

	drain_log(&k, self->v, &splats);
	hl_kmsg_close(&k);
	EXPECT_EQ(0u, splats);
	for (i = 0; i < NVF; i++) {
		TH_LOG("%s: %u failed calls, %u lines of our driver", vfs[i],
		       self->v[i].fails, self->v[i].lines);
		EXPECT_GE(self->v[i].fails + 1, self->v[i].lines);
	}
}

TEST_F_TIMEOUT(ctl, migrate_after, 120)
{
	struct hl_guest ga = { 0 }, gb = { 0 };
	struct hl_regs want, got;
	struct vf_run *a = &self->v[0], *b = &self->v[1];
	size_t len;

	NEED_VFS(2);
	HACC_OK(hl_dev_open(&a->d, vfs[0], HACC_OPEN_CDEV));
	HACC_OK(hl_dev_open(&b->d, vfs[1], HACC_OPEN_CDEV));
	HACC_OK(hl_guest_attach(&ga, &a->d));
	HACC_OK(hl_guest_attach(&gb, &b->d));
	HACC_OK(hl_guest_program(&ga, 17));
	hl_guest_expected(&want, ga.iova, 17);
	HACC_OK(hl_mig_set_state(&a->d, VFIO_DEVICE_STATE_STOP, NULL));
	HACC_OK(hl_mig_set_state(&a->d, VFIO_DEVICE_STATE_STOP_COPY, &a->fd));
	HACC_OK(hl_mig_read_all(a->fd, self->stream, sizeof(self->stream), &len));
	HACC_OK(hl_mig_set_state(&b->d, VFIO_DEVICE_STATE_STOP, NULL));
	HACC_OK(hl_mig_set_state(&b->d, VFIO_DEVICE_STATE_RESUMING, &b->fd));
	HACC_OK(hl_mig_write_all(b->fd, self->stream, len));
	HACC_OK(hl_mig_set_state(&b->d, VFIO_DEVICE_STATE_STOP, NULL));
	HACC_OK(hl_mig_set_state(&b->d, VFIO_DEVICE_STATE_RUNNING, NULL));
	HACC_OK(hl_guest_read(&gb, &got));
	EXPECT_EQ(0, hl_regs_diff(&want, &got, stderr));
	hl_guest_detach(&ga);
	hl_guest_detach(&gb);
}

int main(int argc, char **argv)
{
	char *env = getenv("HACC_VFS"), *save = NULL, *tok;
	int n = 0;

	/* leading non-option arguments are the VFs, else HACC_VFS */
	while (argc > 1 && argv[1][0] != '-' && n < NVF) {
		vfs[n++] = argv[1];
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	for (tok = !n && env ? strtok_r(env, " ", &save) : NULL; tok && n < NVF;
	     tok = strtok_r(NULL, " ", &save))
		vfs[n++] = tok;
	return test_harness_run(argc, argv);
}
#else
int main(void)
{
	printf("1..0 # SKIP built without tools/qemu/hacc-model-ctl.h\n");
	return 4;
}
#endif
