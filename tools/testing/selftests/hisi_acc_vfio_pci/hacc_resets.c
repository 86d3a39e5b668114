// SPDX-License-Identifier: GPL-2.0
/*
 * Resets other than VFIO_DEVICE_RESET while a VF of hisi_acc_vfio_pci
 * migrates (our driver only; run-in-guest.sh runs it on two VFs):
 *
 *  - reset_wakes_reader: a guest FLR written to the PCIe Device Control
 *    register through the VFIO config region, and VFIO_DEVICE_PCI_HOT_RESET,
 *    each in PRE_COPY, STOP_COPY and RESUMING while a child blocks in poll()
 *    or keeps reading (writing, in RESUMING) the migration file.  A reset
 *    that happens must end the child's file with ENODEV within seconds and
 *    leave the VF in RUNNING (Documentation/design.rst, "A VF reset ends
 *    the session"); one that is refused must leave both untouched.
 *  - pf_reset_during_arcs: the PF reset through sysfs, over and over, while
 *    two VFs (both holding the PF's reset bit at times) walk migration
 *    arcs: every call succeeds or fails with EAGAIN (Documentation/
 *    admin-guide.rst), none takes 10 s, and both VFs migrate afterwards
 *    with their registers compared.
 *  - unbind_while_open: the PF's driver unbound while a VF is open in
 *    PRE_COPY (HACC_PF_UNBIND=1 only: it removes the VFs).
 *
 * Devices: hacc_resets VF_A VF_B [harness options] or HACC_VF_A/HACC_VF_B.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"

#include "hacc_guest.h"
#include "hacc_stream.h"
#include "hacc_sys.h"
#include "hacc_vfio.h"
#include "harness_dev.h"

#define STREAM_MAX	(2 * HACC_MIG_DATA_SIZE)
#define SLOW_S		10.0

static const char *vf_a, *vf_b;

enum reset_kind { RESET_FLR_CFG, RESET_HOT };

FIXTURE(rst) {
	pid_t child;
	struct hl_dev a;
	struct hl_guest ga;
	__u8 stream[STREAM_MAX];
	size_t stream_len;
};

FIXTURE_VARIANT(rst) {
	enum reset_kind kind;
	__u32 state;
};

FIXTURE_VARIANT_ADD(rst, flr_cfg_pre_copy) {
	.kind = RESET_FLR_CFG, .state = VFIO_DEVICE_STATE_PRE_COPY,
};
FIXTURE_VARIANT_ADD(rst, flr_cfg_stop_copy) {
	.kind = RESET_FLR_CFG, .state = VFIO_DEVICE_STATE_STOP_COPY,
};
FIXTURE_VARIANT_ADD(rst, flr_cfg_resuming) {
	.kind = RESET_FLR_CFG, .state = VFIO_DEVICE_STATE_RESUMING,
};
FIXTURE_VARIANT_ADD(rst, hot_reset_pre_copy) {
	.kind = RESET_HOT, .state = VFIO_DEVICE_STATE_PRE_COPY,
};
FIXTURE_VARIANT_ADD(rst, hot_reset_stop_copy) {
	.kind = RESET_HOT, .state = VFIO_DEVICE_STATE_STOP_COPY,
};
FIXTURE_VARIANT_ADD(rst, hot_reset_resuming) {
	.kind = RESET_HOT, .state = VFIO_DEVICE_STATE_RESUMING,
};

/* A VF bound to our driver; without one, a skip or (required) a failure. */
#define NEED(bdf, what) do {						\
	char __d[64] = "";						\
	if (!(bdf) || hl_sys_driver(bdf, __d, sizeof(__d)) ||		\
	    strcmp(__d, "hisi_acc_vfio_pci")) {				\
		ASSERT_FALSE(require_device());				\
		SKIP(return, "needs %s bound to hisi_acc_vfio_pci", what); \
	}								\
} while (0)

FIXTURE_SETUP(rst)
{
	self->child = 0;
	self->a.fd = -1;
	NEED(vf_a, "VF A (HACC_VF_A)");
	HACC_OK(hl_dev_open(&self->a, vf_a, HACC_OPEN_CDEV));
	HACC_OK(hl_guest_attach(&self->ga, &self->a));
}

FIXTURE_TEARDOWN(rst)
{
	/* a child left by a failed check holds the device open */
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	hl_guest_detach(&self->ga);
	hl_dev_close(&self->a);
}

static int state_of(struct hl_dev *d)
{
	__u32 st = VFIO_DEVICE_STATE_ERROR;

	return hl_mig_get_state(d, &st) ? VFIO_DEVICE_STATE_ERROR : (int)st;
}

/*
 * The child on the migration file: read (write in RESUMING) in small
 * pieces, blocking in poll() wherever the file has nothing more for now.
 * Exits with the errno that ended it, 0 if the file never failed.
 */
static int file_child(int fd, const __u8 *src, size_t len, double seconds)
{
	bool saving = !src;
	size_t off = 0;
	double end = now_s() + seconds;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	__u8 buf[16] = { 0 };
	ssize_t n;

	while (now_s() < end) {
		if (saving) {
			n = read(fd, buf, sizeof(buf));
			if (n > 0)
				continue;
			if (n < 0 && errno != ENOMSG)
				return errno;
			/* temporary or final end: wait for more */
			if (poll(&p, 1, 200) < 0)
				return 100;
		} else {
			/* a valid stream, a byte at a time */
			if (off < len) {
				n = write(fd, src + off, 1);
				if (n < 0)
					return errno;
				off += n;
			} else if (write(fd, buf, 0) < 0) {
				return errno;
			}
			usleep(20000);
		}
	}
	return 0;
}

/* Offset of the PCIe capability in the VF's config space, 0 if none. */
static unsigned int pcie_cap(struct hl_dev *d)
{
	__u8 pos = 0, id = 0, guard = 48;

	if (hl_cfg_read(d, 0x34, &pos, 1))
		return 0;
	while (pos && guard--) {
		if (hl_cfg_read(d, pos, &id, 1))
			return 0;
		if (id == 0x10)
			return pos;
		if (hl_cfg_read(d, pos + 1, &pos, 1))
			return 0;
	}
	return 0;
}

/* 0 if the reset was done, else the errno that refused it. */
static int do_reset(struct __test_metadata *_metadata, struct hl_dev *d,
		    enum reset_kind kind)
{
	struct vfio_pci_hot_reset hr = { .argsz = sizeof(hr) };
	unsigned int cap;
	__u32 devcap = 0;
	__u16 ctl = 0;

	if (kind == RESET_HOT) {
		/* cdev mode: no group fds, ownership through iommufd */
		if (ioctl(d->fd, VFIO_DEVICE_PCI_HOT_RESET, &hr))
			return errno;
		return 0;
	}
	cap = pcie_cap(d);
	if (!cap) {
		TH_LOG("no PCIe capability in the VF's config space");
		return ENODEV;
	}
	if (hl_cfg_read(d, cap + 4, &devcap, 4) || !(devcap & (1u << 28))) {
		TH_LOG("the VF does not advertise FLR (DEVCAP %#x)", devcap);
		return ENODEV;
	}
	if (hl_cfg_read(d, cap + 8, &ctl, 2))
		return EIO;
	ctl |= 0x8000;	/* PCI_EXP_DEVCTL_BCR_FLR */
	if (hl_cfg_write(d, cap + 8, &ctl, 2))
		return EIO;
	return 0;
}

TEST_F_TIMEOUT(rst, reset_wakes_reader, 120)
{
	bool saving = variant->state != VFIO_DEVICE_STATE_RESUMING;
	struct hl_regs want;
	double t0, took;
	int fd = -1, rc, err;
	__u8 buf[64];
	pid_t pid;

	if (!saving) {
		/* a valid stream to trickle in */
		HACC_OK(hl_mig_set_state(&self->a, VFIO_DEVICE_STATE_STOP, NULL));
		HACC_OK(hl_mig_set_state(&self->a, VFIO_DEVICE_STATE_STOP_COPY, &fd));
		HACC_OK(hl_mig_read_all(fd, self->stream, sizeof(self->stream),
					  &self->stream_len));
		close(fd);
	}
	if (variant->state != VFIO_DEVICE_STATE_PRE_COPY)
		HACC_OK(hl_mig_set_state(&self->a, VFIO_DEVICE_STATE_STOP, NULL));
	HACC_OK(hl_mig_set_state(&self->a, variant->state, &fd));
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	self->child = pid;
	if (!pid)
		_exit(file_child(fd, saving ? NULL : self->stream, self->stream_len, 30));
	/* let the child drain the file and block */
	usleep(300000);
	t0 = now_s();
	err = do_reset(_metadata, &self->a, variant->kind);
	took = now_s() - t0;
	TH_LOG("%s: %s after %.2f s", variant->kind == RESET_HOT ? "hot reset" : "FLR by config write",
	       err ? strerror(err) : "done", took);
	EXPECT_GT(SLOW_S, took);
	if (err) {
		/* only a hot reset may be refused (the bus may hold others) */
		ASSERT_EQ((int)RESET_HOT, (int)variant->kind);
		/* refused: the session goes on untouched */
		ASSERT_EQ((int)variant->state, state_of(&self->a));
		usleep(300000);
		ASSERT_EQ(0, waitpid(pid, NULL, WNOHANG));
		/* end the session the documented way */
		HACC_OK(hl_dev_reset(&self->a));
	}
	rc = wait_child(pid, SLOW_S);
	self->child = 0;
	if (rc < 0)
		TH_LOG("the child on the migration file was still blocked %.0f s after the reset", SLOW_S);
	ASSERT_EQ(ENODEV, rc);
	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, state_of(&self->a));
	ASSERT_EQ(-1, saving ? read(fd, buf, sizeof(buf)) : write(fd, buf, 1));
	ASSERT_EQ(ENODEV, errno);
	close(fd);

	/* the VF migrates afterwards: a saved and reloaded state compares */
	HACC_OK(hl_guest_program(&self->ga, 11));
	hl_guest_expected(&want, self->ga.iova, 11);
	HACC_OK(hl_mig_set_state(&self->a, VFIO_DEVICE_STATE_STOP, NULL));
	HACC_OK(hl_mig_set_state(&self->a, VFIO_DEVICE_STATE_STOP_COPY, &fd));
	HACC_OK(hl_mig_read_all(fd, self->stream, sizeof(self->stream), &self->stream_len));
	close(fd);
	ASSERT_EQ((int)HACC_STREAM_OK, (int)hl_stream_check(self->stream, self->stream_len));
	HACC_OK(hl_mig_set_state(&self->a, VFIO_DEVICE_STATE_RUNNING, NULL));
}

/*
 * One VF's migration loop against PF resets, in a child: every state
 * change and file call succeeds or fails with EAGAIN (then it is retried),
 * none takes SLOW_S.  Exits 0, or 1 after printing what went wrong.
 */
static int arcs_child(const char *bdf, double seconds, const __u8 *src, size_t src_len)
{
	static const __u32 walk[] = {
		VFIO_DEVICE_STATE_PRE_COPY, VFIO_DEVICE_STATE_STOP,
		VFIO_DEVICE_STATE_STOP_COPY, VFIO_DEVICE_STATE_STOP,
		VFIO_DEVICE_STATE_RESUMING, VFIO_DEVICE_STATE_STOP,
		VFIO_DEVICE_STATE_RUNNING,
	};
	static __u8 buf[STREAM_MAX];
	double end = now_s() + seconds, t;
	unsigned int i = 0, eagain = 0, done = 0;
	struct hl_dev d = { .fd = -1 };
	int fd = -1, r, fd2;
	size_t len;

	if (hl_dev_open(&d, bdf, HACC_OPEN_CDEV)) {
		printf("# %s: %s\n", bdf, hl_last_error());
		return 1;
	}
	while (now_s() < end) {
		__u32 to = walk[i % (sizeof(walk) / sizeof(walk[0]))];

		fd2 = -1;
		t = now_s();
		r = hl_mig_set_state(&d, to, &fd2);
		if (now_s() - t > SLOW_S) {
			printf("# %s: -> %s took %.1f s\n", bdf, hl_state_name(to), now_s() - t);
			return 1;
		}
		if (r == -EAGAIN) {
			eagain++;
			continue;
		}
		if (r) {
			printf("# %s: -> %s: %s\n", bdf, hl_state_name(to), hl_last_error());
			return 1;
		}
		if (fd2 >= 0) {
			if (fd >= 0)
				close(fd);
			fd = fd2;
		}
		t = now_s();
		r = 0;
		if (to == VFIO_DEVICE_STATE_STOP_COPY)
			r = hl_mig_read_all(fd, buf, sizeof(buf), &len);
		else if (to == VFIO_DEVICE_STATE_RESUMING)
			r = hl_mig_write_all(fd, src, src_len);
		if (r && r != -EAGAIN) {
			printf("# %s: file in %s: %s\n", bdf, hl_state_name(to), hl_last_error());
			return 1;
		}
		if (now_s() - t > SLOW_S) {
			printf("# %s: file in %s took %.1f s\n", bdf, hl_state_name(to), now_s() - t);
			return 1;
		}
		i++;
		done++;
	}
	if (fd >= 0)
		close(fd);
	hl_mig_set_state(&d, VFIO_DEVICE_STATE_RUNNING, NULL);
	hl_dev_close(&d);
	printf("# %s: %u arcs done, %u refused with EAGAIN\n", bdf, done, eagain);
	return 0;
}

/* The PF's sysfs reset, in a loop, in a child: exits 1 on a slow one. */
static int pf_reset_child(const char *pf, double seconds)
{
	double end = now_s() + seconds, t;
	char path[128];
	int fd, n = 0, fails = 0, err = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset", pf);
	while (now_s() < end) {
		fd = open(path, O_WRONLY);
		if (fd < 0) {
			printf("# %s: %s\n", path, strerror(errno));
			return 1;
		}
		t = now_s();
		if (write(fd, "1", 1) != 1) {
			fails++;
			err = errno;
		}
		close(fd);
		if (now_s() - t > SLOW_S) {
			printf("# PF reset took %.1f s\n", now_s() - t);
			return 1;
		}
		n++;
		usleep(50000);
	}
	/*
	 * The model's PF has no FLR and shares its bus with the VFs: the reset
	 * itself fails, after the PF driver's reset_prepare/reset_done ran.
	 */
	printf("# %d PF resets (%d refused%s%s)\n", n, fails, fails ? ", last: " : "",
	       fails ? strerror(err) : "");
	return n ? 0 : 1;
}

/* the PF's reset is the machine's: no fixture of its own */
FIXTURE(pf) {
	int unused;
};

FIXTURE_SETUP(pf)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(pf)
{
}

TEST_F_TIMEOUT(pf, reset_during_arcs, 180)
{
	struct hl_dev a = { .fd = -1 }, b = { .fd = -1 };
	struct hl_guest ga = { 0 }, gb = { 0 };
	static __u8 stream[STREAM_MAX];
	struct hl_regs want, got;
	pid_t pids[3];
	char pf[32];
	size_t len;
	int fd, i, rc;

	NEED(vf_a, "VF A (HACC_VF_A)");
	NEED(vf_b, "VF B (HACC_VF_B)");
	HACC_OK(hl_sys_pf(vf_a, pf, sizeof(pf)));
	/* a stream for the RESUMING arcs */
	HACC_OK(hl_dev_open(&a, vf_a, HACC_OPEN_CDEV));
	HACC_OK(hl_mig_set_state(&a, VFIO_DEVICE_STATE_STOP, NULL));
	HACC_OK(hl_mig_set_state(&a, VFIO_DEVICE_STATE_STOP_COPY, &fd));
	HACC_OK(hl_mig_read_all(fd, stream, sizeof(stream), &len));
	close(fd);
	HACC_OK(hl_mig_set_state(&a, VFIO_DEVICE_STATE_RUNNING, NULL));
	hl_dev_close(&a);
	fflush(NULL);

	pids[0] = fork();
	ASSERT_LE(0, pids[0]);
	if (!pids[0])
		_exit(pf_reset_child(pf, 20));
	pids[1] = fork();
	ASSERT_LE(0, pids[1]);
	if (!pids[1])
		_exit(arcs_child(vf_a, 20, stream, len));
	pids[2] = fork();
	ASSERT_LE(0, pids[2]);
	if (!pids[2])
		_exit(arcs_child(vf_b, 20, stream, len));
	for (i = 0; i < 3; i++) {
		rc = wait_child(pids[i], 60);
		if (rc)
			TH_LOG("%s: %s", i ? (i == 1 ? "VF A" : "VF B") : "PF resets",
			       rc < 0 ? "still blocked after 60 s" : "failed (above)");
		EXPECT_EQ(0, rc);
	}
	ASSERT_EQ(0, _metadata->exit_code);

	/* both VFs usable: A's programmed state migrates into B */
	HACC_OK(hl_dev_open(&a, vf_a, HACC_OPEN_CDEV));
	HACC_OK(hl_dev_open(&b, vf_b, HACC_OPEN_CDEV));
	HACC_OK(hl_guest_attach(&ga, &a));
	HACC_OK(hl_guest_attach(&gb, &b));
	HACC_OK(hl_guest_program(&ga, 13));
	hl_guest_expected(&want, ga.iova, 13);
	HACC_OK(hl_mig_set_state(&a, VFIO_DEVICE_STATE_STOP, NULL));
	HACC_OK(hl_mig_set_state(&a, VFIO_DEVICE_STATE_STOP_COPY, &fd));
	HACC_OK(hl_mig_read_all(fd, stream, sizeof(stream), &len));
	close(fd);
	HACC_OK(hl_mig_set_state(&b, VFIO_DEVICE_STATE_STOP, NULL));
	HACC_OK(hl_mig_set_state(&b, VFIO_DEVICE_STATE_RESUMING, &fd));
	HACC_OK(hl_mig_write_all(fd, stream, len));
	HACC_OK(hl_mig_set_state(&b, VFIO_DEVICE_STATE_STOP, NULL));
	close(fd);
	HACC_OK(hl_mig_set_state(&b, VFIO_DEVICE_STATE_RUNNING, NULL));
	HACC_OK(hl_guest_read(&gb, &got));
	EXPECT_EQ(0, hl_regs_diff(&want, &got, stderr));
	hl_guest_detach(&ga);
	hl_guest_detach(&gb);
	hl_dev_close(&a);
	hl_dev_close(&b);
}

/*
 * Unbinding the PF's driver while VF A is open in PRE_COPY: the PF driver
 * removes its VFs first, and vfio holds that removal until the VF is
 * closed.  Meanwhile the VF answers (within SLOW_S, any result); once it
 * is closed the unbind completes and the VF is gone.  It destroys the
 * VFs, so it runs only with HACC_PF_UNBIND=1 (run-in-guest.sh, last).
 */
TEST_F_TIMEOUT(pf, unbind_while_open, 120)
{
	struct hl_dev a = { .fd = -1 };
	char pf[32], path[160];
	int fd, rc, go[2];
	__u8 buf[64];
	double t;
	pid_t pid;

	if (!getenv("HACC_PF_UNBIND") || strcmp(getenv("HACC_PF_UNBIND"), "1"))
		SKIP(return, "removes the VFs: only with HACC_PF_UNBIND=1");
	NEED(vf_a, "VF A (HACC_VF_A)");
	HACC_OK(hl_sys_pf(vf_a, pf, sizeof(pf)));
	/* the unbinding child must not inherit the VF's descriptors */
	ASSERT_EQ(0, pipe(go));
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char c;
		int u;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", pf);
		u = open(path, O_WRONLY);
		_exit(u >= 0 && write(u, pf, strlen(pf)) == (ssize_t)strlen(pf) ? 0 : 1);
	}
	close(go[0]);
	HACC_OK(hl_dev_open(&a, vf_a, HACC_OPEN_CDEV));
	HACC_OK(hl_mig_set_state(&a, VFIO_DEVICE_STATE_PRE_COPY, &fd));
	ASSERT_EQ(1, write(go[1], "g", 1));
	close(go[1]);
	sleep(3);
	/* the removal waits for us; the VF still answers meanwhile */
	EXPECT_EQ(0, waitpid(pid, NULL, WNOHANG));
	t = now_s();
	(void)!read(fd, buf, sizeof(buf));
	(void)state_of(&a);
	EXPECT_GT(SLOW_S, now_s() - t);
	close(fd);
	hl_dev_close(&a);
	rc = wait_child(pid, 30);
	if (rc)
		TH_LOG("unbind of the PF driver: %s", rc < 0 ? "still blocked 30 s after the VF was closed" : "failed");
	ASSERT_EQ(0, rc);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", vf_a);
	ASSERT_NE(0, access(path, F_OK));
}

int main(int argc, char **argv)
{
	vf_a = getenv("HACC_VF_A");
	vf_b = getenv("HACC_VF_B");
	/* leading non-option arguments are VF_A [VF_B] */
	for (int i = 0; i < 2 && argc > 1 && argv[1][0] != '-'; i++) {
		*(i ? &vf_b : &vf_a) = argv[1];
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	return test_harness_run(argc, argv);
}
