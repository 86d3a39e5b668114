// SPDX-License-Identifier: GPL-2.0
/*
 * Migration selftests for hisi_acc_vfio_pci (HiSilicon QM accelerator VFs).
 *
 * Every migration path is driven through the VFIO uAPI, on VFs opened both
 * through the device cdev with iommufd and through the legacy group and
 * container.  A userspace "guest driver" (tools/lib/hacc) first gives VF A
 * real queue state, so the round-trip tests compare registers, not zeros.
 *
 * Devices: hisi_acc_mig_test [VF_A [VF_B]] [harness options], or the
 * environment HACC_VF_A, HACC_VF_B.  Without a device every test is
 * skipped with the reason; HACC_REQUIRE_DEVICE=1 turns that into a failure.
 * HACC_DRIVER=ours|mainline names the bound build (default: guessed from
 * the module taint, see hl_flavour()); where the two intentionally
 * differ, each is held to its own documented behaviour (expect.h).
 * Interoperability: HACC_INTEROP_SAVE=FILE / HACC_INTEROP_RESUME=FILE.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "kselftest_harness.h"

#include "hacc_guest.h"
#include "hacc_stream.h"
#include "hacc_sys.h"
#include "hacc_vfio.h"
#if __has_include("hacc-model-ctl.h")
#include "hacc-model-ctl.h"
#else
#define HACC_CTL_MMIO_WRITES	0
#define HACC_CTL_MB_TOTAL	0
#define HACC_CTL_FLRS		0
#define HACC_CTL_DMA_READS	0
#define HACC_CTL_DMA_WRITES	0
#define HACC_CTL_MMIO_READS	0
#endif
#include "expect.h"
#include "harness_dev.h"

#define SEED_A		1
#define SEED_B		2
#define SEED_INTEROP	5
#define STREAM_MAX	(2 * HACC_MIG_DATA_SIZE)

static const char *vf_a, *vf_b;

FIXTURE(mig) {
	struct hl_dev a, b;
	struct hl_guest ga, gb;
	bool have_b;
	enum hl_flavour flavour;
	__u8 stream[STREAM_MAX];
	size_t stream_len;
};

FIXTURE_VARIANT(mig) {
	enum hl_open_mode mode;
};

FIXTURE_VARIANT_ADD(mig, cdev) {
	.mode = HACC_OPEN_CDEV,
};

FIXTURE_VARIANT_ADD(mig, group) {
	.mode = HACC_OPEN_GROUP,
};

#define NEED_B() do {							\
	if (!self->have_b)						\
		NO_DEVICE("this test needs a second VF (HACC_VF_B)");	\
} while (0)

static bool dev_exists(const char *bdf)
{
	char path[128], b[32];

	if (hl_bdf_norm(bdf, b, sizeof(b)))
		return false;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", b);
	return !access(path, F_OK);
}

FIXTURE_SETUP(mig)
{
	char drv[64] = "";

	self->a.fd = self->b.fd = -1;
	if (!vf_a)
		NO_DEVICE("no VF given: set HACC_VF_A (and HACC_VF_B) or pass VF_A [VF_B]");
	if (!dev_exists(vf_a))
		NO_DEVICE("VF %s does not exist", vf_a);
	if (hl_sys_driver(vf_a, drv, sizeof(drv)) || strcmp(drv, "hisi_acc_vfio_pci"))
		NO_DEVICE("VF %s is bound to '%s', not hisi_acc_vfio_pci", vf_a, drv);
	self->flavour = hl_flavour();
	HACC_OK(hl_dev_open(&self->a, vf_a, variant->mode));
	HACC_OK(hl_guest_attach(&self->ga, &self->a));
	if (vf_b && dev_exists(vf_b)) {
		HACC_OK(hl_dev_open(&self->b, vf_b, variant->mode));
		HACC_OK(hl_guest_attach(&self->gb, &self->b));
		self->have_b = true;
	}
}

FIXTURE_TEARDOWN(mig)
{
	hl_guest_detach(&self->ga);
	hl_guest_detach(&self->gb);
	hl_dev_close(&self->a);
	hl_dev_close(&self->b);
}

static bool ours(FIXTURE_DATA(mig) *self)
{
	return self->flavour == HACC_DRV_OURS;
}

static int stream_check(const void *buf, size_t len)
{
	return (int)hl_stream_check(buf, len);
}

/*
 * A counter of the QEMU model's control window (PF BAR 4) for a VF; false
 * on real hardware or without the window, where callers skip the check,
 * unless HACC_REQUIRE_MODEL=1 (run-in-guest.sh, on the model) says the
 * window must be there: then they fail.
 */
static bool model_counter(const char *vf, unsigned int counter, __u64 *val)
{
	struct hl_model m;
	char pf[32];
	int fn = hl_sys_vf_fn(vf);

	if (fn < 0 || hl_sys_pf(vf, pf, sizeof(pf)) || hl_model_open(&m, pf)) {
		fprintf(stderr, "#      no model counters for %s (%s): that check is %s\n",
			vf, fn < 0 ? "no PF" : hl_last_error(),
			model_required() ? "failed (HACC_REQUIRE_MODEL=1)" : "skipped");
		return false;
	}
	*val = hl_model_fn_counter(&m, fn, counter);
	hl_model_close(&m);
	return true;
}

/* ---- helpers (they assert, so they take the harness metadata) ---- */

/* Read a STOP_COPY stream to its (permanent) end. */
static size_t read_to_end(struct __test_metadata *_metadata, int fd,
			  __u8 *buf, size_t cap, size_t chunk)
{
	size_t len = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf + len, len + chunk <= cap ? chunk : cap - len);
		if (n < 0)
			TH_LOG("read: %s after %zu bytes", strerror(errno), len);
		ASSERT_LE(0, n);
		if (!n)
			break;
		len += n;
		ASSERT_GT(cap, len - 1);
	}
	return len;
}

/* Read what PRE_COPY offers now, until the temporary end of the stream. */
static size_t read_precopy(struct __test_metadata *_metadata, FIXTURE_DATA(mig) *self,
			   int fd, __u8 *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf + len, cap - len);
		if (n > 0) {
			len += n;
			continue;
		}
		if (ours(self)) {
			/* uAPI: temporary end of stream is -ENOMSG */
			ASSERT_EQ(-1, n);
			ASSERT_EQ(ENOMSG, errno);
		} else {
			/* mainline returns 0 there */
			ASSERT_EQ(0, n);
		}
		return len;
	}
}

static void write_all(struct __test_metadata *_metadata, int fd, const __u8 *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0)
			TH_LOG("write: %s", strerror(errno));
		ASSERT_LT(0, n);
		buf += n;
		len -= n;
	}
}

static void expect_regs(struct __test_metadata *_metadata, struct hl_guest *g,
			const struct hl_regs *want, const char *what)
{
	struct hl_regs got;
	int diffs;

	HACC_OK(hl_guest_read(g, &got));
	diffs = hl_regs_diff(want, &got, stderr);
	if (diffs) {
		TH_LOG("%s: %d register(s) differ (expected != actual, above)", what, diffs);
		hl_regs_print(&got, stderr, "#   actual ");
	}
	ASSERT_EQ(0, diffs);
}

/* Give VF A state from seed and check that the device really holds it. */
static void program_a(struct __test_metadata *_metadata, FIXTURE_DATA(mig) *self,
		      unsigned int seed, struct hl_regs *want)
{
	HACC_OK(hl_guest_program(&self->ga, seed));
	hl_guest_expected(want, self->ga.iova, seed);
	expect_regs(_metadata, &self->ga, want, "VF A after programming");
}

/* Full STOP_COPY stream of A via RUNNING -> STOP -> STOP_COPY, A back RUNNING. */
static void save_a(struct __test_metadata *_metadata, FIXTURE_DATA(mig) *self)
{
	int fd;

	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP, NULL);
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	ASSERT_LE(0, fd);
	self->stream_len = read_to_end(_metadata, fd, self->stream, sizeof(self->stream), 4096);
	close(fd);
	ASSERT_EQ(HACC_STREAM_OK, stream_check(self->stream, self->stream_len));
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING, NULL);
}

static void resume(struct __test_metadata *_metadata, struct hl_dev *d,
		   const __u8 *buf, size_t len)
{
	int fd;

	set_state(_metadata, d, VFIO_DEVICE_STATE_RESUMING, &fd);
	ASSERT_LE(0, fd);
	write_all(_metadata, fd, buf, len);
	set_state(_metadata, d, VFIO_DEVICE_STATE_STOP, NULL);
	close(fd);
	set_state(_metadata, d, VFIO_DEVICE_STATE_RUNNING, NULL);
}

/*
 * A -> B the way a VMM does it.  With precopy: A in PRE_COPY, its initial
 * data fed to B (still RESUMING) before A stops; then STOP_COPY.
 */
static void migrate_ab(struct __test_metadata *_metadata, FIXTURE_DATA(mig) *self,
		       bool precopy)
{
	struct vfio_precopy_info info;
	int fa, fb, fd_stop;
	size_t n;

	set_state(_metadata, &self->b, VFIO_DEVICE_STATE_RESUMING, &fb);
	ASSERT_LE(0, fb);
	self->stream_len = 0;
	if (precopy) {
		set_state(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &fa);
		ASSERT_LE(0, fa);
		HACC_OK(hl_precopy_info(fa, &info));
		ASSERT_LT(0ULL, info.initial_bytes);
		n = read_precopy(_metadata, self, fa, self->stream, sizeof(self->stream));
		ASSERT_EQ(info.initial_bytes, n);
		HACC_OK(hl_precopy_info(fa, &info));
		ASSERT_EQ(0ULL, info.initial_bytes);
		write_all(_metadata, fb, self->stream, n);
		self->stream_len = n;
		/* B has the match data and is still RESUMING */
		ASSERT_EQ(VFIO_DEVICE_STATE_RESUMING, get_state(_metadata, &self->b));
		set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP_COPY, &fd_stop);
		ASSERT_EQ(-1, fd_stop);
	} else {
		set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP, NULL);
		set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP_COPY, &fa);
		ASSERT_LE(0, fa);
	}
	n = read_to_end(_metadata, fa, self->stream + self->stream_len,
			sizeof(self->stream) - self->stream_len, 64);
	write_all(_metadata, fb, self->stream + self->stream_len, n);
	self->stream_len += n;
	ASSERT_EQ(HACC_STREAM_OK, stream_check(self->stream, self->stream_len));
	set_state(_metadata, &self->b, VFIO_DEVICE_STATE_STOP, NULL);
	set_state(_metadata, &self->b, VFIO_DEVICE_STATE_RUNNING, NULL);
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING, NULL);
	close(fa);
	close(fb);
}

static void roundtrip(struct __test_metadata *_metadata, FIXTURE_DATA(mig) *self,
		      bool precopy, unsigned int seed)
{
	struct hl_regs want, before;

	program_a(_metadata, self, seed, &want);
	HACC_OK(hl_guest_read(&self->gb, &before));
	/* the test can only fail if B does not already hold A's state */
	ASSERT_NE(0, hl_regs_diff(&want, &before, NULL));
	migrate_ab(_metadata, self, precopy);
	expect_regs(_metadata, &self->gb, &want, "VF B after migration");
}

/* ---- migration capability and states ---- */

TEST_F(mig, flags_and_initial_state)
{
	__u64 flags = 0;

	HACC_OK(hl_mig_flags(&self->a, &flags));
	ASSERT_TRUE(!!(flags & VFIO_MIGRATION_STOP_COPY));
	ASSERT_TRUE(!!(flags & VFIO_MIGRATION_PRE_COPY));
	/* ours offers the P2P states, mainline does not */
	ASSERT_EQ(ours(self), !!(flags & VFIO_MIGRATION_P2P));
	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, get_state(_metadata, &self->a));
}

static const __u32 supported[] = {
	VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_STOP, VFIO_DEVICE_STATE_PRE_COPY,
	VFIO_DEVICE_STATE_STOP_COPY, VFIO_DEVICE_STATE_RESUMING,
	/* only with VFIO_MIGRATION_P2P: */
	VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_PRE_COPY_P2P,
};
#define SUPPORTED_NO_P2P	5

static bool has_p2p(struct __test_metadata *_metadata, struct hl_dev *d)
{
	__u64 flags = 0;

	HACC_OK(hl_mig_flags(d, &flags));
	return flags & VFIO_MIGRATION_P2P;
}

static bool is_pre_copy(__u32 s)
{
	return s == VFIO_DEVICE_STATE_PRE_COPY || s == VFIO_DEVICE_STATE_PRE_COPY_P2P;
}

/*
 * Does the request from -> to hand out a new data fd?  Only when the core's
 * path to `to` opens a stream: going between the two PRE_COPY states, or
 * from one of them to STOP_COPY, keeps the stream already open.
 */
static bool arc_gives_fd(__u32 from, __u32 to)
{
	switch (to) {
	case VFIO_DEVICE_STATE_PRE_COPY:
	case VFIO_DEVICE_STATE_PRE_COPY_P2P:
	case VFIO_DEVICE_STATE_STOP_COPY:
		return !is_pre_copy(from);
	case VFIO_DEVICE_STATE_RESUMING:
		return true;
	default:
		return false;
	}
}

/* Enter `to`; when leaving RESUMING, B first gets a valid stream. */
static void step(struct __test_metadata *_metadata, FIXTURE_DATA(mig) *self,
		 __u32 from, __u32 to, int *resume_fd)
{
	int fd;

	if (from == VFIO_DEVICE_STATE_RESUMING && *resume_fd >= 0) {
		write_all(_metadata, *resume_fd, self->stream, self->stream_len);
		close(*resume_fd);
		*resume_fd = -1;
	}
	set_state(_metadata, &self->a, to, &fd);
	if (arc_gives_fd(from, to)) {
		if (fd < 0)
			TH_LOG("%s -> %s gave no data fd", hl_state_name(from),
			       hl_state_name(to));
		ASSERT_LE(0, fd);
	} else {
		if (fd >= 0)
			TH_LOG("%s -> %s gave an unexpected data fd", hl_state_name(from),
			       hl_state_name(to));
		ASSERT_EQ(-1, fd);
	}
	ASSERT_EQ((int)to, get_state(_metadata, &self->a));
	if (to == VFIO_DEVICE_STATE_RESUMING)
		*resume_fd = fd;
	else if (fd >= 0)
		close(fd);
}

TEST_F_TIMEOUT(mig, every_supported_arc, 300)
{
	size_t n = has_p2p(_metadata, &self->a) ? ARRAY_SIZE(supported) : SUPPORTED_NO_P2P;
	struct hl_regs want;
	int rfd = -1;
	size_t i, j;

	program_a(_metadata, self, SEED_A, &want);
	save_a(_metadata, self);
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			__u32 from = supported[i], to = supported[j];

			/* the core refuses STOP_COPY -> PRE_COPY states (own test) */
			if (from == to || (from == VFIO_DEVICE_STATE_STOP_COPY &&
					   is_pre_copy(to)))
				continue;
			if (from != VFIO_DEVICE_STATE_RUNNING)
				step(_metadata, self, VFIO_DEVICE_STATE_RUNNING, from, &rfd);
			step(_metadata, self, from, to, &rfd);
			if (to != VFIO_DEVICE_STATE_RUNNING)
				step(_metadata, self, to, VFIO_DEVICE_STATE_RUNNING, &rfd);
		}
	}
	/* the arcs through STOP_COPY/RESUMING kept A's state */
	expect_regs(_metadata, &self->ga, &want, "VF A after all arcs");
}

TEST_F(mig, unsupported_states_rejected)
{
	static const __u32 bad[] = {
		VFIO_DEVICE_STATE_ERROR, VFIO_DEVICE_STATE_PRE_COPY_P2P + 1, 1000,
		/* without VFIO_MIGRATION_P2P: */
		VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_PRE_COPY_P2P,
	};
	size_t n = has_p2p(_metadata, &self->a) ? 3 : ARRAY_SIZE(bad);
	size_t i;
	int fd, next, after;

	for (i = 0; i < n; i++) {
		/* the lowest free descriptor: a data file would take it */
		next = dup(0);
		ASSERT_LE(0, next);
		close(next);
		EXPECT_EQ(-EINVAL, hl_mig_set_state(&self->a, bad[i], &fd));
		after = dup(0);
		ASSERT_LE(0, after);
		close(after);
		EXPECT_EQ(next, after) TH_LOG("a data file was opened for state %u", bad[i]);
		EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, get_state(_metadata, &self->a));
	}
}

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

/*
 * STOP_COPY -> PRE_COPY is blocked by the core FSM; before 7.2 asking for
 * it looped forever in the kernel.  The request runs in a child that the
 * test gives up on after a timeout (a task looping in the kernel cannot be
 * killed, so the child is left behind and the test fails).
 */
TEST_F(mig, stop_copy_to_pre_copy_rejected)
{
	int status = 0, fd, i;
	pid_t pid;

	/* a kernel stuck in a loop cannot be cleaned up after: opt in */
	if (!kernel_at_least(7, 2) && !getenv("HACC_TEST_BLOCKED_ARC"))
		SKIP(return, "before 7.2 the core FSM loops forever on this arc; HACC_TEST_BLOCKED_ARC=1 tries anyway");
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int r;

		alarm(20);
		r = hl_mig_set_state(&self->a, VFIO_DEVICE_STATE_PRE_COPY, NULL);
		_exit(r == -EINVAL ? 0 : 1);
	}
	for (i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(100000);
	}
	if (i == 100) {
		TH_LOG("STOP_COPY -> PRE_COPY did not return within 10 s (kernel hang?)");
		ASSERT_TRUE(false);
	}
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(VFIO_DEVICE_STATE_STOP_COPY, get_state(_metadata, &self->a));
	close(fd);
}

/* ---- PRE_COPY ---- */

TEST_F(mig, precopy_info_only_in_pre_copy)
{
	struct vfio_precopy_info info;
	int pfd, sfd, rfd;

	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &pfd);
	HACC_OK(hl_precopy_info(pfd, &info));
	ASSERT_LT(0ULL, info.initial_bytes);

	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING, NULL);
	EXPECT_EQ(-EINVAL, hl_precopy_info(pfd, &info));
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP, NULL);
	EXPECT_EQ(-EINVAL, hl_precopy_info(pfd, &info));
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP_COPY, &sfd);
	EXPECT_EQ(-EINVAL, hl_precopy_info(pfd, &info));
	EXPECT_EQ(-EINVAL, hl_precopy_info(sfd, &info));
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP, NULL);
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_RESUMING, &rfd);
	EXPECT_EQ(-EINVAL, hl_precopy_info(pfd, &info));
	/* the resuming file is no saving file: both drivers give it no ioctl */
	EXPECT_EQ(-ENOTTY, hl_precopy_info(rfd, &info));
	close(pfd);
	close(sfd);
	close(rfd);
}

TEST_F(mig, precopy_initial_bytes_track_reads)
{
	static const size_t sizes[] = { 1, 7, 40, 4096 };
	struct vfio_precopy_info info;
	__u8 buf[4096];
	size_t i, total = 0, start;
	struct hl_regs want;
	int fd;

	program_a(_metadata, self, SEED_A, &want);
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	HACC_OK(hl_precopy_info(fd, &info));
	start = info.initial_bytes;
	ASSERT_LE((size_t)HACC_MIG_MATCH_SIZE, start);
	ASSERT_EQ(0ULL, info.dirty_bytes);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		__u64 before = info.initial_bytes;
		ssize_t n = read(fd, buf, sizes[i]);

		if (before == 0) {
			/* temporary end: checked by precopy_end_of_stream */
			ASSERT_GE(0, n);
			continue;
		}
		ASSERT_EQ((ssize_t)(sizes[i] < before ? sizes[i] : before), n);
		memcpy(self->stream + total, buf, n);
		total += n;
		HACC_OK(hl_precopy_info(fd, &info));
		if (info.initial_bytes != before - n)
			TH_LOG("read of %zu: initial_bytes %llu -> %llu", sizes[i],
			       (unsigned long long)before, (unsigned long long)info.initial_bytes);
		ASSERT_EQ(before - n, info.initial_bytes);
	}
	ASSERT_EQ(start, total);
	ASSERT_EQ(0ULL, info.initial_bytes);
	/* the precopy data starts with a match header this VF accepts */
	ASSERT_NE(HACC_STREAM_BAD_MAGIC, stream_check(self->stream, total));
	ASSERT_NE(HACC_STREAM_BAD_VERSION, stream_check(self->stream, total));
	close(fd);
}

TEST_F(mig, precopy_end_of_stream)
{
	struct vfio_precopy_info info;
	__u8 buf[512];
	ssize_t n;
	int fd;

	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	read_precopy(_metadata, self, fd, buf, sizeof(buf));
	HACC_OK(hl_precopy_info(fd, &info));
	ASSERT_EQ(0ULL, info.initial_bytes);
	ASSERT_EQ(0ULL, info.dirty_bytes);
	/* still the temporary end, still not an error that ends the stream */
	n = read(fd, buf, sizeof(buf));
	if (ours(self)) {
		ASSERT_EQ(-1, n);
		ASSERT_EQ(ENOMSG, errno);
	} else {
		TH_LOG("mainline: read() returns 0 at the temporary end (uAPI says -ENOMSG)");
		ASSERT_EQ(0, n);
	}
	/* and the rest comes in STOP_COPY */
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP_COPY, NULL);
	n = read(fd, buf, sizeof(buf));
	ASSERT_LT(0, n);
	close(fd);
}

static short poll_in(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

TEST_F(mig, poll_semantics)
{
	__u8 buf[512];
	int fd;

	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	ASSERT_TRUE(poll_in(fd) & POLLIN);
	read_precopy(_metadata, self, fd, buf, sizeof(buf));
	if (ours(self)) {
		/* nothing to read until the device has more */
		ASSERT_FALSE(poll_in(fd) & POLLIN);
	} else {
		TH_LOG("mainline has no poll(): the default mask says readable");
		ASSERT_TRUE(poll_in(fd) & POLLIN);
	}
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP_COPY, NULL);
	ASSERT_TRUE(poll_in(fd) & POLLIN);
	read_to_end(_metadata, fd, buf, sizeof(buf), 4096);
	/* the end of a STOP_COPY stream is permanent and readable (read() == 0) */
	ASSERT_TRUE(poll_in(fd) & POLLIN);
	ASSERT_EQ(0, read(fd, buf, sizeof(buf)));
	close(fd);
}

/* ---- P2P states (only where VFIO_MIGRATION_P2P is offered) ---- */

#define NEED_P2P() do {							\
	if (!has_p2p(_metadata, &self->a))				\
		SKIP(return, "the bound driver offers no VFIO_MIGRATION_P2P");	\
} while (0)

/* Exactly one FSM arc; returns the data fd (-1 if the arc gives none). */
static int arc(struct __test_metadata *_metadata, struct hl_dev *d, __u32 from, __u32 to)
{
	int fd;

	ASSERT_EQ((int)from, get_state(_metadata, d));
	set_state(_metadata, d, to, &fd);
	ASSERT_EQ((int)to, get_state(_metadata, d));
	return fd;
}

#define ARC(d, a, b) arc(_metadata, d, VFIO_DEVICE_STATE_##a, VFIO_DEVICE_STATE_##b)

/* Ring the SQ doorbell of queue @qn the way a guest driver submits work. */
static void sq_kick(struct __test_metadata *_metadata, struct hl_dev *d, __u16 qn)
{
	HACC_OK(hl_bar_write32(d, 2, HACC_DB_SQ_CQ,
				 qn | HACC_DB_CMD_SQ << HACC_DB_CMD_SHIFT));
	HACC_OK(hl_bar_write32(d, 2, HACC_DB_SQ_CQ + 4, 1));
}

/*
 * Each arc the core adds with P2P, one ioctl at a time, ending in a
 * migration A -> B through the P2P path and the source resuming after it.
 */
TEST_F_TIMEOUT(mig, p2p_every_new_arc, 180)
{
	struct hl_regs want;
	__u8 buf[STREAM_MAX];
	size_t len;
	int pfd, rfd;

	NEED_P2P();
	NEED_B();
	program_a(_metadata, self, SEED_A, &want);

	ASSERT_EQ(-1, ARC(&self->a, RUNNING, RUNNING_P2P));
	ASSERT_EQ(-1, ARC(&self->a, RUNNING_P2P, RUNNING));
	ASSERT_EQ(-1, ARC(&self->a, RUNNING, RUNNING_P2P));
	ASSERT_EQ(-1, ARC(&self->a, RUNNING_P2P, STOP));
	ASSERT_EQ(-1, ARC(&self->a, STOP, RUNNING_P2P));
	pfd = ARC(&self->a, RUNNING_P2P, PRE_COPY_P2P);
	ASSERT_LE(0, pfd);
	ASSERT_LT(0, (int)read_precopy(_metadata, self, pfd, buf, sizeof(buf)));
	/* PRE_COPY_P2P -> RUNNING_P2P ends that stream */
	ASSERT_EQ(-1, ARC(&self->a, PRE_COPY_P2P, RUNNING_P2P));
	ASSERT_EQ(-1, read(pfd, buf, sizeof(buf)));
	ASSERT_EQ(ENODEV, errno);
	close(pfd);

	ASSERT_EQ(-1, ARC(&self->a, RUNNING_P2P, RUNNING));
	pfd = ARC(&self->a, RUNNING, PRE_COPY);
	ASSERT_LE(0, pfd);
	ASSERT_EQ(-1, ARC(&self->a, PRE_COPY, PRE_COPY_P2P));
	ASSERT_EQ(-1, ARC(&self->a, PRE_COPY_P2P, PRE_COPY));
	ASSERT_EQ(-1, ARC(&self->a, PRE_COPY, PRE_COPY_P2P));
	len = read_precopy(_metadata, self, pfd, buf, sizeof(buf));
	ASSERT_EQ(-1, ARC(&self->a, PRE_COPY_P2P, STOP_COPY));
	len += read_to_end(_metadata, pfd, buf + len, sizeof(buf) - len, 4096);
	close(pfd);
	ASSERT_EQ(HACC_STREAM_OK, stream_check(buf, len));
	ASSERT_EQ(-1, ARC(&self->a, STOP_COPY, STOP));

	/* the destination walks the P2P path too */
	ASSERT_EQ(-1, ARC(&self->b, RUNNING, RUNNING_P2P));
	ASSERT_EQ(-1, ARC(&self->b, RUNNING_P2P, STOP));
	rfd = ARC(&self->b, STOP, RESUMING);
	ASSERT_LE(0, rfd);
	write_all(_metadata, rfd, buf, len);
	ASSERT_EQ(-1, ARC(&self->b, RESUMING, STOP));
	close(rfd);
	ASSERT_EQ(-1, ARC(&self->b, STOP, RUNNING_P2P));
	ASSERT_EQ(-1, ARC(&self->b, RUNNING_P2P, RUNNING));
	expect_regs(_metadata, &self->gb, &want, "VF B after a migration through P2P");

	/* and the source, had the migration failed, runs on with its state */
	ASSERT_EQ(-1, ARC(&self->a, STOP, RUNNING_P2P));
	ASSERT_EQ(-1, ARC(&self->a, RUNNING_P2P, RUNNING));
	expect_regs(_metadata, &self->ga, &want, "VF A resumed after the save");
}

/*
 * The P2P rule: in RUNNING_P2P and PRE_COPY_P2P the VF starts no DMA, even
 * when its queue is kicked, while its registers still answer; the kicks
 * are served once it is back in RUNNING.  DMA is counted by the model.
 */
TEST_F(mig, p2p_no_dma_while_quiesced)
{
	__u64 r0, r1, w0, w1, m0, m1;
	struct hl_regs want;
	__u32 val;
	int pfd, q;

	NEED_P2P();
	program_a(_metadata, self, SEED_A, &want);
	if (!model_counter(vf_a, HACC_CTL_DMA_READS, &r0)) {
		ASSERT_FALSE(model_required());
		SKIP(return, "no model counters: DMA cannot be counted here");
	}

	/* RUNNING: a kick makes the VF fetch the queue context by DMA */
	sq_kick(_metadata, &self->a, 0);
	ASSERT_TRUE(model_counter(vf_a, HACC_CTL_DMA_READS, &r1));
	ASSERT_LT(r0, r1);

	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	ASSERT_TRUE(model_counter(vf_a, HACC_CTL_DMA_READS, &r0));
	ASSERT_TRUE(model_counter(vf_a, HACC_CTL_DMA_WRITES, &w0));
	ASSERT_TRUE(model_counter(vf_a, HACC_CTL_MMIO_READS, &m0));
	/*
	 * Queues not kicked before: the model caches a queue's context once
	 * it has fetched it, so each of these costs exactly one DMA read.
	 */
	for (q = 1; q <= 4; q++)
		sq_kick(_metadata, &self->a, q);
	usleep(100000);
	HACC_OK(hl_bar_read32(&self->a, 2, HACC_PAGE_SIZE, &val));
	ASSERT_EQ(want.page_size, val);
	ASSERT_TRUE(model_counter(vf_a, HACC_CTL_DMA_READS, &r1));
	ASSERT_TRUE(model_counter(vf_a, HACC_CTL_DMA_WRITES, &w1));
	ASSERT_TRUE(model_counter(vf_a, HACC_CTL_MMIO_READS, &m1));
	EXPECT_EQ(r0, r1);
	EXPECT_EQ(w0, w1);
	/* the register read above reached the device */
	EXPECT_LT(m0, m1);

	/* PRE_COPY_P2P is as quiet */
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY_P2P, &pfd);
	ASSERT_LE(0, pfd);
	sq_kick(_metadata, &self->a, 5);
	ASSERT_TRUE(model_counter(vf_a, HACC_CTL_DMA_READS, &r1));
	ASSERT_TRUE(model_counter(vf_a, HACC_CTL_DMA_WRITES, &w1));
	EXPECT_EQ(r0, r1);
	EXPECT_EQ(w0, w1);
	close(pfd);

	/* back in RUNNING the five latched queues are served */
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING, NULL);
	ASSERT_TRUE(model_counter(vf_a, HACC_CTL_DMA_READS, &r1));
	EXPECT_EQ(r0 + 5, r1);
	expect_regs(_metadata, &self->ga, &want, "VF A after the P2P states");
}

/*
 * QEMU's `stop` and `cont` walk RUNNING -> RUNNING_P2P -> STOP and back
 * through RUNNING_P2P, with no save in between.  The guest must find its
 * PF<->VF channel as it left it: an interrupt it masked stays masked, and
 * the source register is not written.  The pause still ends: a queue kicked
 * afterwards is served.
 */
TEST_F(mig, p2p_stop_cont_keeps_ifc)
{
	__u32 mask = 0, src0 = 0, src1 = 0;
	struct hl_regs want;
	__u64 r0, r1;

	NEED_P2P();
	program_a(_metadata, self, SEED_A, &want);
	HACC_OK(hl_bar_write32(&self->a, 2, HACC_IFC_INT_MASK, 1));
	HACC_OK(hl_bar_read32(&self->a, 2, HACC_IFC_INT_SOURCE, &src0));

	ASSERT_EQ(-1, ARC(&self->a, RUNNING, RUNNING_P2P));
	ASSERT_EQ(-1, ARC(&self->a, RUNNING_P2P, STOP));
	ASSERT_EQ(-1, ARC(&self->a, STOP, RUNNING_P2P));
	ASSERT_EQ(-1, ARC(&self->a, RUNNING_P2P, RUNNING));

	HACC_OK(hl_bar_read32(&self->a, 2, HACC_IFC_INT_MASK, &mask));
	HACC_OK(hl_bar_read32(&self->a, 2, HACC_IFC_INT_SOURCE, &src1));
	EXPECT_EQ(1U, mask);
	EXPECT_EQ(src0, src1);

	if (model_counter(vf_a, HACC_CTL_DMA_READS, &r0)) {
		sq_kick(_metadata, &self->a, 0);
		ASSERT_TRUE(model_counter(vf_a, HACC_CTL_DMA_READS, &r1));
		EXPECT_LT(r0, r1);
	}
	HACC_OK(hl_bar_write32(&self->a, 2, HACC_IFC_INT_MASK, 0));
	expect_regs(_metadata, &self->ga, &want, "VF A after stop/cont");
}

/* PRECOPY_INFO, -ENOMSG and poll() in PRE_COPY_P2P are those of PRE_COPY */
TEST_F(mig, p2p_precopy_info)
{
	struct vfio_precopy_info info;
	__u8 buf[512];
	int pfd, fd;

	NEED_P2P();
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &pfd);
	ASSERT_LE(0, pfd);
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY_P2P, &fd);
	ASSERT_EQ(-1, fd);
	HACC_OK(hl_precopy_info(pfd, &info));
	ASSERT_EQ((__u64)HACC_MIG_MATCH_SIZE, info.initial_bytes);
	ASSERT_EQ(0ULL, info.dirty_bytes);
	ASSERT_TRUE(poll_in(pfd) & POLLIN);
	ASSERT_EQ(8, read(pfd, buf, 8));
	HACC_OK(hl_precopy_info(pfd, &info));
	ASSERT_EQ((__u64)HACC_MIG_MATCH_SIZE - 8, info.initial_bytes);
	/* read_precopy() insists on -ENOMSG at the temporary end */
	ASSERT_EQ((size_t)HACC_MIG_MATCH_SIZE - 8, read_precopy(_metadata, self, pfd, buf, sizeof(buf)));
	HACC_OK(hl_precopy_info(pfd, &info));
	ASSERT_EQ(0ULL, info.initial_bytes);
	ASSERT_FALSE(poll_in(pfd) & POLLIN);

	/* outside the PRE_COPY states: -EINVAL */
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	EXPECT_EQ(-EINVAL, hl_precopy_info(pfd, &info));
	close(pfd);
	/* a stream opened in RUNNING_P2P answers too, until STOP_COPY */
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY_P2P, &pfd);
	ASSERT_LE(0, pfd);
	HACC_OK(hl_precopy_info(pfd, &info));
	ASSERT_EQ((__u64)HACC_MIG_MATCH_SIZE, info.initial_bytes);
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP_COPY, NULL);
	EXPECT_EQ(-EINVAL, hl_precopy_info(pfd, &info));
	ASSERT_TRUE(poll_in(pfd) & POLLIN);
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP, NULL);
	EXPECT_EQ(-EINVAL, hl_precopy_info(pfd, &info));
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	EXPECT_EQ(-EINVAL, hl_precopy_info(pfd, &info));
	close(pfd);
}

/* ---- STOP_COPY ---- */

TEST_F(mig, stop_copy_reads_to_zero)
{
	struct hl_regs want, carried;
	__u8 buf[64];
	int fd;

	program_a(_metadata, self, SEED_A, &want);
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP, NULL);
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	ASSERT_LE(0, fd);
	/* small reads, to the end */
	self->stream_len = read_to_end(_metadata, fd, self->stream, sizeof(self->stream), 7);
	ASSERT_EQ((size_t)HACC_MIG_DATA_SIZE, self->stream_len);
	/* the end is permanent */
	ASSERT_EQ(0, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(0, read(fd, buf, sizeof(buf)));
	close(fd);
	ASSERT_EQ(HACC_STREAM_OK, stream_check(self->stream, self->stream_len));
	/* the stream carries the state the guest gave the VF */
	hl_regs_from_stream((const void *)self->stream, &carried);
	ASSERT_EQ(0, hl_regs_diff(&want, &carried, stderr));
}

TEST_F(mig, mig_data_size)
{
	__u64 running = 0, precopy = 0;
	__u8 buf[512];
	size_t n;
	int fd;

	HACC_OK(hl_mig_data_size(&self->a, &running));
	save_a(_metadata, self);
	ASSERT_EQ(self->stream_len, running);

	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	n = read_precopy(_metadata, self, fd, buf, sizeof(buf));
	HACC_OK(hl_mig_data_size(&self->a, &precopy));
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP_COPY, NULL);
	/* an estimate, but never less than what STOP_COPY then delivers */
	ASSERT_LE(read_to_end(_metadata, fd, buf, sizeof(buf), 4096), precopy);
	ASSERT_LT((size_t)0, n);
	close(fd);
}

/* ---- VF A -> VF B ---- */

TEST_F_TIMEOUT(mig, roundtrip_precopy, 120)
{
	NEED_B();
	roundtrip(_metadata, self, true, SEED_A);
}

TEST_F_TIMEOUT(mig, roundtrip_stop_copy, 120)
{
	NEED_B();
	roundtrip(_metadata, self, false, SEED_A);
}

/* Close both VFs and open them again */
static void reopen_both(struct __test_metadata *_metadata, FIXTURE_DATA(mig) *self,
			enum hl_open_mode mode)
{
	hl_guest_detach(&self->ga);
	hl_guest_detach(&self->gb);
	hl_dev_close(&self->a);
	hl_dev_close(&self->b);
	HACC_OK(hl_dev_open(&self->a, vf_a, mode));
	HACC_OK(hl_guest_attach(&self->ga, &self->a));
	HACC_OK(hl_dev_open(&self->b, vf_b, mode));
	HACC_OK(hl_guest_attach(&self->gb, &self->b));
}

TEST_F_TIMEOUT(mig, same_vf_twice_after_reopen, 180)
{
	enum hl_open_mode mode = self->a.mode;

	NEED_B();
	roundtrip(_metadata, self, true, SEED_A);
	/* close and reopen both: the driver must forget the first migration */
	reopen_both(_metadata, self, mode);
	roundtrip(_metadata, self, true, SEED_B);
}

/* ---- bad streams on the destination ---- */

enum corruption { BAD_MAGIC, BAD_MAJOR, BAD_DEVID, BAD_QPNUM, BAD_ISO };

static void reject_header(struct __test_metadata *_metadata, FIXTURE_DATA(mig) *self,
			  enum corruption what)
{
	struct hacc_mig_data d;
	ssize_t n;
	int fd, want;

	NEED_B();
	save_a(_metadata, self);
	memcpy(&d, self->stream, sizeof(d));
	switch (what) {
	case BAD_MAGIC:
		d.magic = 0x0123456789abcdefull;
		break;
	case BAD_MAJOR:
		d.magic = HACC_MIG_MAGIC_V2;
		d.major_ver = HACC_MIG_MAJOR_VER + 1;
		break;
	case BAD_DEVID:
		d.dev_id = d.dev_id == HACC_DEVID_ZIP_VF ? HACC_DEVID_SEC_VF : HACC_DEVID_ZIP_VF;
		break;
	case BAD_QPNUM:
		d.qp_num += 1;
		break;
	case BAD_ISO:
		d.que_iso_cfg ^= 1;
		break;
	}
	want = ours(self) ? OURS_MATCH_ERRNO : MAINLINE_MATCH_ERRNO;
	set_state(_metadata, &self->b, VFIO_DEVICE_STATE_RESUMING, &fd);
	/* rejected as soon as the match header is complete, still RESUMING */
	n = write(fd, &d, HACC_MIG_MATCH_SIZE);
	if (n >= 0)
		TH_LOG("a bad match header was accepted (%zd bytes)", n);
	ASSERT_EQ(-1, n);
	if (errno != want)
		TH_LOG("errno %s, documented %s", strerror(errno), strerror(want));
	ASSERT_EQ(want, errno);
	ASSERT_EQ(VFIO_DEVICE_STATE_RESUMING, get_state(_metadata, &self->b));
	close(fd);
}

TEST_F(mig, reject_wrong_magic)		{ reject_header(_metadata, self, BAD_MAGIC); }
TEST_F(mig, reject_wrong_major_version)	{ reject_header(_metadata, self, BAD_MAJOR); }
TEST_F(mig, reject_wrong_device_id)	{ reject_header(_metadata, self, BAD_DEVID); }
TEST_F(mig, reject_wrong_queue_count)	{ reject_header(_metadata, self, BAD_QPNUM); }
TEST_F(mig, reject_wrong_isolation)	{ reject_header(_metadata, self, BAD_ISO); }

TEST_F(mig, truncated_stream_rejected)
{
	struct hl_regs want_a, b_before;
	__u64 writes0 = 0, writes1 = 0, mb0 = 0, mb1 = 0;
	bool have_counters;
	int fd, r, want;

	NEED_B();
	program_a(_metadata, self, SEED_A, &want_a);
	save_a(_metadata, self);
	HACC_OK(hl_guest_program(&self->gb, SEED_B));
	HACC_OK(hl_guest_read(&self->gb, &b_before));

	set_state(_metadata, &self->b, VFIO_DEVICE_STATE_RESUMING, &fd);
	write_all(_metadata, fd, self->stream, HACC_MIG_DATA_SIZE - 36);
	have_counters = model_counter(vf_b, HACC_CTL_MMIO_WRITES, &writes0) &&
			model_counter(vf_b, HACC_CTL_MB_TOTAL, &mb0);
	ASSERT_TRUE(have_counters || !model_required());
	r = hl_mig_set_state(&self->b, VFIO_DEVICE_STATE_STOP, NULL);
	if (have_counters) {
		/* the model saw no register write and no mailbox command */
		ASSERT_TRUE(model_counter(vf_b, HACC_CTL_MMIO_WRITES, &writes1));
		ASSERT_TRUE(model_counter(vf_b, HACC_CTL_MB_TOTAL, &mb1));
		EXPECT_EQ(writes0, writes1);
		EXPECT_EQ(mb0, mb1);
	}
	want = ours(self) ? OURS_TRUNCATED_ERRNO : MAINLINE_TRUNCATED_ERRNO;
	if (r != -want)
		TH_LOG("RESUMING -> STOP with %d bytes: %d, documented %d",
		       HACC_MIG_DATA_SIZE - 36, r, -want);
	ASSERT_EQ(-want, r);
	close(fd);
	/* nothing of the partial stream reached VF B */
	expect_regs(_metadata, &self->gb, &b_before, "VF B after a truncated stream");
}

TEST_F(mig, oversize_write_rejected)
{
	__u8 big[HACC_MIG_DATA_SIZE + 1];
	int fd, want, r;

	NEED_B();
	save_a(_metadata, self);
	want = ours(self) ? OURS_OVERSIZE_ERRNO : MAINLINE_OVERSIZE_ERRNO;

	/* one write longer than a record */
	memset(big, 0, sizeof(big));
	memcpy(big, self->stream, HACC_MIG_DATA_SIZE);
	set_state(_metadata, &self->b, VFIO_DEVICE_STATE_RESUMING, &fd);
	ASSERT_EQ(-1, write(fd, big, sizeof(big)));
	ASSERT_EQ(want, errno);
	close(fd);
	/* nothing was loaded: back to RUNNING by reset */
	HACC_OK(hl_dev_reset(&self->b));
	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, get_state(_metadata, &self->b));

	/* a full record, then one byte more */
	set_state(_metadata, &self->b, VFIO_DEVICE_STATE_RESUMING, &fd);
	write_all(_metadata, fd, self->stream, HACC_MIG_DATA_SIZE);
	ASSERT_EQ(-1, write(fd, big, 1));
	ASSERT_EQ(want, errno);
	/*
	 * Ours: the stream stays rejected, RESUMING -> STOP gives the same
	 * errno (Documentation/migration-stream.rst).  Mainline forgets the
	 * refused byte and loads the record.
	 */
	r = hl_mig_set_state(&self->b, VFIO_DEVICE_STATE_STOP, NULL);
	TH_LOG("RESUMING -> STOP after the rejected extra byte: %s",
	       r ? strerror(-r) : "loaded");
	EXPECT_EQ(ours(self) ? -want : 0, r);
	close(fd);
}

/* ---- reset, BAR ---- */

TEST_F(mig, reset_in_pre_copy_disables_fd)
{
	__u64 flrs0 = 0, flrs1 = 0;
	bool have_counters;
	__u8 buf[64];
	int fd;

	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	ASSERT_LT(0, read(fd, buf, 8));
	have_counters = model_counter(vf_a, HACC_CTL_FLRS, &flrs0);
	ASSERT_TRUE(have_counters || !model_required());
	HACC_OK(hl_dev_reset(&self->a));
	/* the reset reached the function */
	if (have_counters) {
		ASSERT_TRUE(model_counter(vf_a, HACC_CTL_FLRS, &flrs1));
		ASSERT_LT(flrs0, flrs1);
	}
	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, get_state(_metadata, &self->a));
	ASSERT_EQ(-1, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(ENODEV, errno);
	close(fd);
	/* and the device migrates again afterwards */
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	ASSERT_LT(0, read(fd, buf, 8));
	close(fd);
}

/*
 * read() of a saving stream into a mapping of the VF's own BAR while
 * VFIO_DEVICE_RESET runs.  The reset holds vfio's memory_lock for writing
 * from before the FLR until after reset_done, which closes the stream; the
 * read's copy faults on the BAR page and needs memory_lock for reading.  A
 * driver that holds the stream's lock across the copy deadlocks both
 * (neither can be killed); one that copies through a bounce buffer lets
 * the copy wait for the reset.  Each round starts the read at another
 * point of the reset (whose FLR sleeps 100 ms); the reader and the reset
 * run in two children, so a deadlock is reported rather than hanging the
 * suite.  Under lockdep every round also exercises the whole lock chain.
 */
static int reader_child(FIXTURE_DATA(mig) *self, int data_fd, int go, unsigned int delay_us)
{
	struct hl_region *r = &self->a.bar[HACC_QM_BAR];
	char c;
	void *p;

	/* a fresh mapping: its first access faults */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, self->a.fd, r->offset);
	if (p == MAP_FAILED || read(go, &c, 1) != 1)
		return 2;
	usleep(delay_us);
	/* 8 bytes, the length, not the value, matter; EFAULT or ENODEV are fine */
	(void)!read(data_fd, p, 8);
	return 0;
}

static bool wait_children(pid_t *pids, int n, double seconds)
{
	int left = n, i, st;

	for (i = 0; i < seconds * 100 && left; i++) {
		for (int k = 0; k < n; k++)
			if (pids[k] > 0 && waitpid(pids[k], &st, WNOHANG) == pids[k]) {
				pids[k] = 0;
				left--;
			}
		if (left)
			usleep(10000);
	}
	return !left;
}

TEST_F_TIMEOUT(mig, read_into_own_bar_across_reset, 120)
{
	static const unsigned int delays_us[] = { 0, 5000, 20000, 50000, 80000 };
	struct hl_region *r = &self->a.bar[HACC_QM_BAR];
	pid_t pids[2];
	int fd, go[2];
	size_t i;

	if (!ours(self))
		SKIP(return, "the mainline driver holds its file lock across the copy too: this would wedge the VF");
	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP))
		SKIP(return, "BAR 2 cannot be mapped");
	for (i = 0; i < sizeof(delays_us) / sizeof(delays_us[0]); i++) {
		set_state(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &fd);
		ASSERT_EQ(0, pipe(go));
		pids[0] = fork();
		ASSERT_LE(0, pids[0]);
		if (!pids[0])
			_exit(reader_child(self, fd, go[0], delays_us[i]));
		pids[1] = fork();
		ASSERT_LE(0, pids[1]);
		if (!pids[1]) {
			/* tell the reader, then reset at once */
			if (write(go[1], "g", 1) != 1)
				_exit(2);
			_exit(hl_dev_reset(&self->a) ? 1 : 0);
		}
		close(go[0]);
		close(go[1]);
		if (!wait_children(pids, 2, 30)) {
			/*
			 * The VF is wedged: the teardown's BAR accesses would
			 * block too, so report and leave without it.
			 */
			TH_LOG("round %zu (read %u us into the reset): reader and reset still blocked after 30 s: deadlock",
			       i, delays_us[i]);
			fflush(NULL);
			_exit(KSFT_FAIL);
		}
		close(fd);
		ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, get_state(_metadata, &self->a));
	}
	/* and the VF still migrates */
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	ASSERT_LT(0, read(fd, self->stream, 8));
	close(fd);
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING, NULL);
}

/*
 * A user can ask for a state change as often as it likes, and in ERROR
 * each one fails: the log line saying why is rate-limited.  ERROR comes
 * from a load whose mailbox never completes (the model's mb-busy fault).
 * The limit is the driver's, whatever opened the device: the cdev variant
 * checks it, the group variant would only repeat its 6 s wait.
 */
TEST_F_TIMEOUT(mig, error_state_logs_ratelimited, 120)
{
	const int asks = 100;
	struct hl_regs want;
	struct hl_model m;
	struct hl_kmsg k;
	char pf[32], text[512];
	int fd, fn, i, r, level, lines = 0;

	if (variant->mode != HACC_OPEN_CDEV)
		SKIP(return, "the rate limit does not depend on the open mode: checked in the cdev variant");
	fn = hl_sys_vf_fn(vf_a);
	if (fn < 0 || hl_sys_pf(vf_a, pf, sizeof(pf)) || hl_model_open(&m, pf))
		SKIP(return, "no model control window: ERROR cannot be forced here");
	/* a record with queues, so that the load uses the mailbox */
	program_a(_metadata, self, SEED_A, &want);
	save_a(_metadata, self);
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_STOP, NULL);
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_RESUMING, &fd);
	write_all(_metadata, fd, self->stream, self->stream_len);
	hl_model_write(&m, HACC_CTL_FAULT_MB_BUSY, 1ull << fn);
	r = hl_mig_set_state(&self->a, VFIO_DEVICE_STATE_STOP, NULL);
	hl_model_write(&m, HACC_CTL_FAULT_MB_BUSY, 0);
	hl_model_close(&m);
	close(fd);
	ASSERT_EQ(-ETIMEDOUT, r);
	ASSERT_EQ(VFIO_DEVICE_STATE_ERROR, get_state(_metadata, &self->a));

	/* a new rate-limit interval (5 s), whatever an earlier test logged */
	sleep(6);
	HACC_OK(hl_kmsg_open(&k));
	for (i = 0; i < asks; i++)
		ASSERT_EQ(-EINVAL, hl_mig_set_state(&self->a, VFIO_DEVICE_STATE_RUNNING, NULL));
	while (hl_kmsg_next(&k, &level, text, sizeof(text)) == 1)
		lines += strstr(text, "device in ERROR state") != NULL;
	hl_kmsg_close(&k);
	TH_LOG("%d SET_STATE requests in ERROR logged %d line(s)", asks, lines);
	EXPECT_LT(0, lines);
	EXPECT_GT(asks / 2, lines);

	HACC_OK(hl_dev_reset(&self->a));
	ASSERT_EQ(VFIO_DEVICE_STATE_RUNNING, get_state(_metadata, &self->a));
}

/*
 * The debugfs register dump reads the VF's BAR: it must not do so while
 * the VF is being reset.  A dump asked for 30 ms into VFIO_DEVICE_RESET
 * (whose FLR alone sleeps 100 ms) completes only after the reset.
 */
TEST_F_TIMEOUT(mig, debugfs_regs_wait_for_reset, 120)
{
	struct { double start, end; int started; } *t;
	char buf[4096];
	int dbg, round, early = 0, i;
	bool before;
	pid_t pid;

	dbg = hl_sys_dbg_open(vf_a, "regs");
	if (dbg < 0)
		SKIP(return, "no debugfs register dump for %s", vf_a);
	t = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, t);
	for (round = 0; round < 5; round++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			t->start = now_s();
			__atomic_store_n(&t->started, 1, __ATOMIC_RELEASE);
			_exit(hl_dev_reset(&self->a) ? 1 : (t->end = now_s(), 0));
		}
		/*
		 * Dump 30 ms into the reset: wait for the child to be at its
		 * ioctl first, or on a loaded host the dump can come before
		 * the reset has begun (and rightly not wait for it).
		 */
		for (i = 0; i < 5000 && !__atomic_load_n(&t->started, __ATOMIC_ACQUIRE); i++)
			usleep(1000);
		usleep(30000);
		ASSERT_LT(0, hl_sys_dbg_pread(dbg, buf, sizeof(buf)));
		/* done before the reset ended? (one clock for both processes) */
		before = !t->end || now_s() < t->end;
		early += before;
		ASSERT_EQ(pid, waitpid(pid, NULL, 0));
		TH_LOG("round %d: reset took %.3f s, the dump was done %s it ended", round,
		       t->end - t->start, before ? "before" : "after");
		t->end = 0;
		t->started = 0;
	}
	close(dbg);
	munmap(t, 4096);
	/*
	 * A dump that does not wait for the reset ends before it in every
	 * round (it takes microseconds, the reset 100 ms).  One round may
	 * still see the child scheduled out between its flag and its ioctl
	 * for more than 30 ms (seen once on a TCG arm64 guest): then the dump
	 * rightly ran before the reset began.
	 */
	EXPECT_GE(1, early);
}

/* debugfs stats names the migration state */
TEST_F(mig, debugfs_stats_state_by_name)
{
	char buf[4096];
	int fd;

	if (hl_sys_dbg_read(vf_a, "stats", buf, sizeof(buf)) < 0)
		SKIP(return, "no debugfs stats for %s", vf_a);
	ASSERT_NE(NULL, strstr(buf, "state: RUNNING\n"));
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	ASSERT_LT(0, hl_sys_dbg_read(vf_a, "stats", buf, sizeof(buf)));
	close(fd);
	set_state(_metadata, &self->a, VFIO_DEVICE_STATE_RUNNING, NULL);
	if (!strstr(buf, "state: PRE_COPY\n"))
		TH_LOG("stats in PRE_COPY:\n%s", buf);
	ASSERT_NE(NULL, strstr(buf, "state: PRE_COPY\n"));
}

/*
 * Where the PF keeps this VF's migration registers, read from the PF itself
 * (its revision and MIG_REGION_SEL in its BAR 2), independently of the
 * driver under test: 1 in the PF's window (QM above V3 with the window
 * selected, as Linux 7.x's PF driver does), 0 in the VF's BAR, -1 if the
 * PF cannot be read.
 */
/* PCI revision (QM version) of VF's PF, 0 if unknown */
static unsigned int pf_revision(const char *vf)
{
	char path[PATH_MAX], pf[32];
	unsigned int rev = 0;
	FILE *f;

	if (hl_sys_pf(vf, pf, sizeof(pf)))
		return 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/revision", pf);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%x", &rev) != 1)
		rev = 0;
	fclose(f);
	return rev;
}

static int pf_mig_window(const char *vf)
{
	const long base = HACC_PF_MIG_REGION_SEL & ~0xfffL;
	unsigned int rev = pf_revision(vf);
	char path[PATH_MAX], pf[32];
	__u32 sel;
	void *p;
	int fd;

	if (!rev || hl_sys_pf(vf, pf, sizeof(pf)))
		return -1;
	if (rev <= HACC_QM_REV_V3)
		return 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%d", pf, HACC_QM_BAR);
	fd = open(path, O_RDONLY | O_SYNC);
	if (fd < 0)
		return -1;
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, base);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	sel = *(volatile __u32 *)((char *)p + (HACC_PF_MIG_REGION_SEL - base));
	munmap(p, 4096);
	fprintf(stderr, "#      PF %s revision %#x, MIG_REGION_SEL %#x\n", pf, rev, sel);
	return !!(sel & HACC_PF_MIG_REGION_EN);
}

/* The whole VF BAR is the guest's when the migration registers are in the PF */
static void whole_bar_shown(struct __test_metadata *_metadata, FIXTURE_DATA(mig) *self)
{
	struct hl_region *r = &self->a.bar[HACC_QM_BAR];
	__u32 v = 0;
	void *p;

	ASSERT_EQ((__u64)HACC_VF_BAR_SIZE, r->size);
	ASSERT_EQ(4, hl_bar_pread(&self->a, HACC_QM_BAR, HACC_VF_MIG_AREA - 4, &v, 4));
	ASSERT_EQ(4, hl_bar_pread(&self->a, HACC_QM_BAR, HACC_VF_EQC_DW0, &v, 4));
	ASSERT_EQ(4, hl_bar_pread(&self->a, HACC_QM_BAR, HACC_VF_BAR_SIZE - 4, &v, 4));
	ASSERT_GT(0, hl_bar_pread(&self->a, HACC_QM_BAR, HACC_VF_BAR_SIZE, &v, 4));
	if (r->flags & VFIO_REGION_INFO_FLAG_MMAP) {
		p = mmap(NULL, HACC_VF_BAR_SIZE, PROT_READ, MAP_SHARED, self->a.fd, r->offset);
		ASSERT_NE(MAP_FAILED, p);
		munmap(p, HACC_VF_BAR_SIZE);
	}
}

/*
 * V3 layout: the upper half of the VF BAR holds the migration registers and
 * is hidden.  Above V3 with the PF's window selected it is not, and the
 * whole BAR is shown.  On 6.12 the PF driver never selects the window, so a
 * V4 PF there behaves like V3.
 */
TEST_F(mig, migration_area_hidden)
{
	struct hl_region *r = &self->a.bar[HACC_QM_BAR];
	int in_pf = pf_mig_window(vf_a);
	__u64 w = 0;
	__u32 v = 0;
	ssize_t n;
	void *p;

	ASSERT_LE(0, in_pf) TH_LOG("cannot read the PF of %s", vf_a);
	if (in_pf) {
		whole_bar_shown(_metadata, self);
		return;
	}
	ASSERT_EQ((__u64)HACC_VF_MIG_AREA, r->size);
	/* the guest half works */
	ASSERT_EQ(4, hl_bar_pread(&self->a, HACC_QM_BAR, HACC_VF_MIG_AREA - 4, &v, 4));
	/* the migration half is out of reach */
	ASSERT_GT(0, hl_bar_pread(&self->a, HACC_QM_BAR, HACC_VF_EQC_DW0, &v, 4));
	ASSERT_GT(0, hl_bar_pread(&self->a, HACC_QM_BAR, HACC_VF_AEQC_DW0, &v, 4));
	ASSERT_GT(0, hl_bar_pwrite(&self->a, HACC_QM_BAR, HACC_VF_EQC_DW0, &v, 4));
	/* an access straddling the boundary gets at most the guest half */
	n = hl_bar_pread(&self->a, HACC_QM_BAR, HACC_VF_MIG_AREA - 4, &w, 8);
	ASSERT_TRUE(n < 0 || n <= 4);
	/*
	 * The guest half can be mapped only if it is whole pages: with 64 KiB
	 * pages a mapping would take the hidden half along, so BAR 2 is
	 * offered for read/write only (the VMM traps every access).
	 */
	ASSERT_EQ(sysconf(_SC_PAGESIZE) <= HACC_VF_MIG_AREA,
		  !!(r->flags & VFIO_REGION_INFO_FLAG_MMAP))
		TH_LOG("%ld-byte pages, guest half %#x bytes: BAR 2 flags %#x",
		       sysconf(_SC_PAGESIZE), HACC_VF_MIG_AREA, r->flags);
	if (r->flags & VFIO_REGION_INFO_FLAG_MMAP) {
		p = mmap(NULL, HACC_VF_BAR_SIZE, PROT_READ, MAP_SHARED, self->a.fd, r->offset);
		ASSERT_EQ(MAP_FAILED, p);
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->a.fd,
			 r->offset + HACC_VF_MIG_AREA);
		ASSERT_EQ(MAP_FAILED, p);
		p = mmap(NULL, HACC_VF_MIG_AREA, PROT_READ, MAP_SHARED, self->a.fd, r->offset);
		ASSERT_NE(MAP_FAILED, p);
		munmap(p, HACC_VF_MIG_AREA);
	}
}

/*
 * Set or clear MIG_REGION_SEL bit 0 of VF's PF, as a PF reset that the PF
 * driver does not follow up can leave it.  Test VMs only (the QEMU model):
 * on real hardware this would pull the registers from under a running VF.
 */
static int pf_mig_window_set(const char *vf, bool on)
{
	const long base = HACC_PF_MIG_REGION_SEL & ~0xfffL;
	char path[PATH_MAX], pf[32];
	volatile __u32 *sel;
	void *p;
	int fd;

	if (hl_sys_pf(vf, pf, sizeof(pf)))
		return -1;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%d", pf, HACC_QM_BAR);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return -1;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, base);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	sel = (volatile __u32 *)((char *)p + (HACC_PF_MIG_REGION_SEL - base));
	*sel = on ? *sel | HACC_PF_MIG_REGION_EN : *sel & ~HACC_PF_MIG_REGION_EN;
	munmap(p, 4096);
	return 0;
}

/*
 * Our driver reads the PF's choice of window again on every open, since a
 * PF reset can change it under a bound VF.  Flip it between opens (only a
 * PF above V3 has the choice), migrate A -> B in the other layout with the
 * registers compared, then flip it back and migrate again.
 */
TEST_F_TIMEOUT(mig, window_chosen_on_open, 180)
{
	struct hl_region *r = &self->a.bar[HACC_QM_BAR];
	int in_pf = pf_mig_window(vf_a);
	int i;

	NEED_B();
	ASSERT_LE(0, in_pf);
	if (!ours(self))
		SKIP(return, "mainline also reads the window at open; checked on ours");
	if (pf_revision(vf_a) <= HACC_QM_REV_V3)
		SKIP(return, "PF of %s is QM V3: one layout only", vf_a);
	for (i = 0; i < 2; i++) {
		int now = i ? in_pf : !in_pf;

		ASSERT_EQ(0, pf_mig_window_set(vf_a, now));
		ASSERT_EQ(now, pf_mig_window(vf_a));
		reopen_both(_metadata, self, variant->mode);
		ASSERT_EQ(now ? (__u64)HACC_VF_BAR_SIZE : (__u64)HACC_VF_MIG_AREA, r->size);
		roundtrip(_metadata, self, true, SEED_A + 10 * (i + 1));
	}
}

/*
 * A PF that does not answer (memory decoding off, as a failed PF reset
 * leaves it) gives no window choice to read: an open must then keep BAR
 * 2's migration half hidden, even when the PF window was selected, and
 * the next open with decoding back finds the PF window again.  Decoding
 * off here is the PF's VF Memory Space Enable, for VF A's open only.
 */
TEST_F_TIMEOUT(mig, window_hidden_without_decoding, 120)
{
	struct hl_region *r = &self->a.bar[HACC_QM_BAR];
	int in_pf = pf_mig_window(vf_a), ret;
	__u16 ctrl, off_ctrl;
	unsigned int at;
	__u64 size;
	char pf[32];

	NEED_B();
	ASSERT_LE(0, in_pf);
	if (!ours(self))
		SKIP(return, "checked on ours (mainline reads the register at open)");
	if (pf_revision(vf_a) <= HACC_QM_REV_V3)
		SKIP(return, "PF of %s is QM V3: one layout only", vf_a);
	ASSERT_EQ(0, hl_sys_pf(vf_a, pf, sizeof(pf)));
	at = hl_sys_sriov_cap(pf);
	ASSERT_NE(0u, at);
	at += 8;					/* PCI_SRIOV_CTRL */
	ASSERT_TRUE(hl_sys_cfg_rw(pf, at, &ctrl, sizeof(ctrl), false));
	ASSERT_NE(0, ctrl & 0x8);			/* PCI_SRIOV_CTRL_MSE */
	ASSERT_EQ(0, pf_mig_window_set(vf_a, 1));
	reopen_both(_metadata, self, variant->mode);
	ASSERT_EQ((__u64)HACC_VF_BAR_SIZE, r->size);

	hl_guest_detach(&self->ga);
	hl_dev_close(&self->a);
	off_ctrl = ctrl & ~0x8;
	ASSERT_TRUE(hl_sys_cfg_rw(pf, at, &off_ctrl, sizeof(off_ctrl), true));
	ret = hl_dev_open(&self->a, vf_a, variant->mode);
	size = r->size;
	hl_dev_close(&self->a);
	/* decoding back before anything can stop the test */
	ASSERT_TRUE(hl_sys_cfg_rw(pf, at, &ctrl, sizeof(ctrl), true));
	HACC_OK(ret);
	EXPECT_EQ((__u64)HACC_VF_MIG_AREA, size);

	HACC_OK(hl_dev_open(&self->a, vf_a, variant->mode));
	HACC_OK(hl_guest_attach(&self->ga, &self->a));
	EXPECT_EQ((__u64)HACC_VF_BAR_SIZE, r->size);
	ASSERT_EQ(0, pf_mig_window_set(vf_a, in_pf));
}

/* ---- interoperability, one driver per run, the stream in a file ---- */

/*
 * Mainline on x86 since qm_mb_read() became an arm64-only 128-bit load gets
 * zeros for every mailbox read: its streams carry no SQC/CQC bases and its
 * queue-count check reads 0.  Nothing can interoperate with that; the
 * interop tests skip, naming it, instead of failing on ours.
 */
static bool mainline_mailbox_blind(struct __test_metadata *_metadata, FIXTURE_DATA(mig) *self)
{
	struct hl_regs want;
	struct hacc_mig_data d;

	if (ours(self))
		return false;
	program_a(_metadata, self, SEED_A, &want);
	save_a(_metadata, self);
	memcpy(&d, self->stream, sizeof(d));
	return !d.sqc_dma && !d.cqc_dma;
}

#define MAILBOX_BLIND_REASON \
	"this mainline build reads no mailbox results on this architecture (arm64-only qm_mb_read)"

TEST_F(mig, interop_save)
{
	const char *path = getenv("HACC_INTEROP_SAVE");
	struct hl_regs want;
	FILE *f;

	if (!path)
		SKIP(return, "set HACC_INTEROP_SAVE=FILE to save a stream for another driver");
	if (mainline_mailbox_blind(_metadata, self))
		SKIP(return, MAILBOX_BLIND_REASON);
	program_a(_metadata, self, SEED_INTEROP, &want);
	save_a(_metadata, self);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	ASSERT_EQ((size_t)1, fwrite(self->stream, self->stream_len, 1, f));
	ASSERT_EQ(0, fclose(f));
	TH_LOG("saved %zu bytes with the %s driver to %s", self->stream_len,
	       hl_flavour_name(self->flavour), path);
}

TEST_F(mig, interop_resume)
{
	const char *path = getenv("HACC_INTEROP_RESUME");
	struct hl_regs want, before;
	FILE *f;

	if (!path)
		SKIP(return, "set HACC_INTEROP_RESUME=FILE to resume a stream from another driver");
	NEED_B();
	if (mainline_mailbox_blind(_metadata, self))
		SKIP(return, MAILBOX_BLIND_REASON);
	f = fopen(path, "r");
	if (!f && errno == ENOENT)
		SKIP(return, "%s was not saved (see the interop_save result)", path);
	ASSERT_NE(NULL, f);
	self->stream_len = fread(self->stream, 1, sizeof(self->stream), f);
	fclose(f);
	ASSERT_EQ(HACC_STREAM_OK, stream_check(self->stream, self->stream_len));
	hl_guest_expected(&want, self->gb.iova, SEED_INTEROP);
	HACC_OK(hl_guest_read(&self->gb, &before));
	ASSERT_NE(0, hl_regs_diff(&want, &before, NULL));
	resume(_metadata, &self->b, self->stream, self->stream_len);
	expect_regs(_metadata, &self->gb, &want, "VF B after resuming the saved stream");
	TH_LOG("resumed %s with the %s driver", path, hl_flavour_name(self->flavour));
}

int main(int argc, char **argv)
{
	vf_a = getenv("HACC_VF_A");
	vf_b = getenv("HACC_VF_B");
	/* leading non-option arguments are VF_A [VF_B] */
	if (argc > 1 && argv[1][0] != '-') {
		vf_a = argv[1];
		argv[1] = argv[0];
		argc--;
		argv++;
		if (argc > 1 && argv[1][0] != '-') {
			vf_b = argv[1];
			argv[1] = argv[0];
			argc--;
			argv++;
		}
	}
	if (vf_a && !*vf_a)
		vf_a = NULL;
	if (vf_b && !*vf_b)
		vf_b = NULL;
	fprintf(stderr, "# VF A %s, VF B %s, driver %s\n", vf_a ?: "-", vf_b ?: "-",
		hl_flavour_name(hl_flavour()));
	return test_harness_run(argc, argv);
}
