/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pieces shared by the kselftest-harness programs (hisi_acc_mig_test,
 * hacc_jobs_test, hacc_mig_load, hacc_mig_off, hacc_resets, hacc_ctlrst):
 * how a missing device is reported, how a library call is asserted, where
 * the device comes from, children waited for with a time limit.
 * Include after kselftest_harness.h and hacc_vfio.h.
 */
#ifndef HACC_HARNESS_DEV_H
#define HACC_HARNESS_DEV_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "hacc_sys.h"

/* HACC_REQUIRE_DEVICE=1: a missing device is a failure, not a skip */
static inline bool require_device(void)
{
	const char *v = getenv("HACC_REQUIRE_DEVICE");

	return v && strcmp(v, "0");
}

/* Missing hardware: SKIP, or FAIL when the run requires the device. */
#define NO_DEVICE(fmt, ...) do {					\
	if (require_device()) {						\
		TH_LOG("HACC_REQUIRE_DEVICE=1: " fmt, ##__VA_ARGS__);	\
		ASSERT_TRUE(false);					\
	}								\
	SKIP(return, fmt, ##__VA_ARGS__);				\
} while (0)

/* A library call that must return 0; its error text is logged if not. */
#define HACC_OK(expr) do {						\
	int __r = (expr);						\
	if (__r < 0)							\
		TH_LOG("%s: %s", #expr, hl_last_error());		\
	ASSERT_EQ(0, __r);						\
} while (0)

/* HACC_REQUIRE_MODEL=1: checks of the QEMU model's counters must run */
static inline bool model_required(void)
{
	const char *e = getenv("HACC_REQUIRE_MODEL");

	return e && !strcmp(e, "1");
}

/* Move d to state (the data fd, or -1, in *fd when fd is not NULL). */
static inline void set_state(struct __test_metadata *_metadata, struct hl_dev *d,
			     __u32 state, int *fd)
{
	int r = hl_mig_set_state(d, state, fd);

	if (r)
		TH_LOG("%s", hl_last_error());
	ASSERT_EQ(0, r);
}

/* The migration state of d (VFIO_DEVICE_STATE_ERROR if it cannot be read). */
static inline int get_state(struct __test_metadata *_metadata, struct hl_dev *d)
{
	__u32 st = VFIO_DEVICE_STATE_ERROR;
	int r = hl_mig_get_state(d, &st);

	if (r)
		TH_LOG("%s", hl_last_error());
	EXPECT_EQ(0, r);
	return (int)st;
}

/*
 * The device a program runs on: argv[1] when it is not an option (it is
 * then taken out of argv, so that the harness sees only its options), else
 * the environment variable env; NULL when neither names one.  Called once
 * per device (VF_A, then VF_B).
 */
static inline const char *harness_dev_arg(int *argc, char ***argv, const char *env)
{
	const char *dev = getenv(env);

	if (*argc > 1 && (*argv)[1][0] != '-') {
		dev = (*argv)[1];
		(*argv)[1] = (*argv)[0];
		(*argc)--;
		(*argv)++;
	}
	return dev && *dev ? dev : NULL;
}

/*
 * Why VF bdf cannot be used by these tests (it does not exist or is not
 * bound to hisi_acc_vfio_pci), described in why; false if it can.
 */
static inline bool vf_unusable(const char *bdf, char *why, size_t len)
{
	char path[128], drv[64] = "";

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	if (access(path, F_OK)) {
		snprintf(why, len, "VF %s does not exist", bdf);
		return true;
	}
	if (hl_sys_driver(bdf, drv, sizeof(drv)) || strcmp(drv, "hisi_acc_vfio_pci")) {
		snprintf(why, len, "VF %s is bound to '%s', not hisi_acc_vfio_pci", bdf, drv);
		return true;
	}
	return false;
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait for a child up to seconds; its exit status, or -1 (killed then). */
static inline int wait_child(pid_t pid, double seconds)
{
	double end = now_s() + seconds;
	int st;

	while (now_s() < end) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

#endif /* HACC_HARNESS_DEV_H */
