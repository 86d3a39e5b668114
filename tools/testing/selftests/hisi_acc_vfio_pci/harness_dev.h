/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pieces shared by the kselftest-harness programs (hisi_acc_mig_test,
 * hacc_jobs_test): how a missing device is reported and how a library call
 * is asserted.  Include after kselftest_harness.h and hacc_vfio.h.
 */
#ifndef HACC_HARNESS_DEV_H
#define HACC_HARNESS_DEV_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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
		TH_LOG("%s: %s", #expr, hacc_last_error());		\
	ASSERT_EQ(0, __r);						\
} while (0)

#endif /* HACC_HARNESS_DEV_H */
