/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small pieces shared by the robustness programs (hacc_fuzz, hacc_stress,
 * hacc_faults, hacc_bar_guard): a clock, a seeded generator and flat TAP
 * result lines.
 */
#ifndef HACC_ROBUST_H
#define HACC_ROBUST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <linux/types.h>

static inline double robust_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* splitmix64: the whole sequence follows from the starting state */
static inline __u64 robust_rnd(__u64 *state)
{
	__u64 z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct robust_tap {
	int n;
	int failed;
};

/* One top-level TAP line; returns ok */
static inline bool robust_result(struct robust_tap *t, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline bool robust_result(struct robust_tap *t, bool ok, const char *fmt, ...)
{
	va_list ap;

	t->failed += !ok;
	printf("%s %d - ", ok ? "ok" : "not ok", ++t->n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return ok;
}

#endif /* HACC_ROBUST_H */
