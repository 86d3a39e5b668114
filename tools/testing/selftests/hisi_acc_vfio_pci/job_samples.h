/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pieces shared by the programs that run ZIP jobs through the job engine of
 * tools/lib/hacc (hacc_jobs_test, hacc_mig_load): a pool of sample inputs of
 * three kinds with their raw-deflated forms (made with zlib), one job of a
 * sample submitted in either direction, the probe of a device for the ZIP
 * task engine, and environment knobs.  Include after hacc_jobs.h and
 * harness_dev.h (now_s()); link with zlib.
 */
#ifndef HACC_JOB_SAMPLES_H
#define HACC_JOB_SAMPLES_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <zlib.h>

#include "hacc_guest.h"
#include "hacc_jobs.h"

#define SAMPLE_MAX_IN		32768
#define SAMPLE_POOL		48
#define ZIP_CAP_DRV_ALG		0x3144	/* hisi_zip's algorithm bitmap word */
#define ZIP_CAP_ALG_DEFLATE	0x30	/* bits 5:4 */

struct sample {
	unsigned char *plain, *packed;	/* original, raw-deflated */
	__u32 plain_len, packed_len;
};

static inline unsigned int env_uint(const char *name, unsigned int def)
{
	const char *v = getenv(name);

	return v && *v ? (unsigned int)strtoul(v, NULL, 0) : def;
}

/* data of three kinds: words (compresses well), random bytes, runs */
static inline void sample_fill(unsigned char *p, __u32 len, unsigned int kind,
			       unsigned int *seed)
{
	static const char *const words[] = {
		"queue ", "doorbell ", "migration ", "deflate ", "phase ", "vf ",
		"completion ", "\n", "interrupt ", "sgl ",
	};
	__u32 i = 0;

	while (i < len) {
		unsigned int r = rand_r(seed);

		if (kind == 0) {
			const char *w = words[r % 10];
			size_t l = strlen(w);

			memcpy(p + i, w, l < len - i ? l : len - i);
			i += l < len - i ? l : len - i;
		} else if (kind == 1) {
			p[i++] = r;
		} else {
			__u32 run = 1 + r % 300;

			memset(p + i, r >> 8, run < len - i ? run : len - i);
			i += run < len - i ? run : len - i;
		}
	}
}

static inline int deflate_raw(const unsigned char *in, __u32 len, unsigned char *out,
			      __u32 cap, __u32 *out_len)
{
	z_stream zs;
	int ret;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)in;
	zs.avail_in = len;
	zs.next_out = out;
	zs.avail_out = cap;
	ret = deflate(&zs, Z_FINISH);
	*out_len = cap - zs.avail_out;
	deflateEnd(&zs);
	return ret == Z_STREAM_END ? 0 : -1;
}

/*
 * SAMPLE_POOL samples of 1 byte to SAMPLE_MAX_IN, the three kinds in turn,
 * each with its raw-deflated form; 0, or -1 when out of memory.
 */
static inline int sample_pool_init(struct sample *pool)
{
	static const __u32 sizes[] = {
		1, 17, 100, 512, 1500, 4096, 4097, 8000, 12288, 16384, 25000, SAMPLE_MAX_IN,
	};
	__u32 cap = SAMPLE_MAX_IN + SAMPLE_MAX_IN / 8 + 64;
	unsigned int seed = 7, i;

	for (i = 0; i < SAMPLE_POOL; i++) {
		struct sample *s = &pool[i];

		s->plain_len = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
		s->plain = malloc(s->plain_len);
		s->packed = malloc(cap);
		if (!s->plain || !s->packed)
			return -1;
		sample_fill(s->plain, s->plain_len, i % 3, &seed);
		if (deflate_raw(s->plain, s->plain_len, s->packed, cap, &s->packed_len))
			return -1;
	}
	return 0;
}

static inline void sample_pool_free(struct sample *pool)
{
	unsigned int i;

	for (i = 0; i < SAMPLE_POOL; i++) {
		free(pool[i].plain);
		free(pool[i].packed);
		pool[i].plain = pool[i].packed = NULL;
	}
}

/*
 * Submit sample s on j in j's direction (n varies the output room of a
 * decompression: exact on odd n, some slack on even).  hl_jobs_submit()'s
 * result.
 */
static inline int sample_submit(struct hl_jobs *j, const struct sample *s, unsigned int n)
{
	if (j->cfg.op == HL_COMPRESS)
		return hl_jobs_submit(j, s->plain, s->plain_len, j->max_len, s->plain,
				      s->plain_len, false);
	return hl_jobs_submit(j, s->packed, s->packed_len,
			      n & 1 ? s->plain_len : s->plain_len + 100, s->plain,
			      s->plain_len, false);
}

/*
 * Why no job can run on this kernel, described in why; false if they can.
 * Linux 7.x's hisi_qm drives the QM mailbox only on arm64: on x86 the PF's
 * queue set-up never reaches the device, so no queue of a VF has a context.
 */
static inline bool zip_jobs_blocked(char *why, size_t len)
{
	struct utsname u;

	if (uname(&u) || strcmp(u.machine, "x86_64") || atoi(u.release) < 7)
		return false;
	snprintf(why, len, "Linux %.40s on x86: hisi_qm drives the QM mailbox only on arm64, the PF's queue set-up never reaches the device (tools/qemu/README.md, Limits)",
		 u.release);
	return true;
}

/*
 * Does the function run ZIP jobs at all?  The model runs them without
 * advertising deflate (x-zip-algs: the 6.12 hisi_zip would register it and
 * fail its self-tests), so a device that advertises none is asked with one
 * probe job on queue 0.  1: it runs jobs; 0: no job completed within
 * timeout_ms; -errno from the job engine.
 */
static inline int zip_engine_probe(struct hl_fn *fn, int timeout_ms)
{
	struct hl_jobs_cfg c = { .qn = 0, .op = HL_COMPRESS, .k = 1 };
	static const char probe[] = "probe probe probe";
	struct hl_jobs j;
	__u32 alg = 0;
	int ret;

	if (!hl_bar_read32(fn->dev, HACC_QM_BAR, ZIP_CAP_DRV_ALG, &alg) &&
	    (alg & ZIP_CAP_ALG_DEFLATE))
		return 1;
	ret = hl_jobs_init(&j, fn, &c);
	if (ret)
		return ret;
	ret = hl_jobs_submit(&j, probe, sizeof(probe), j.max_len, probe, sizeof(probe), false);
	if (!ret)
		hl_jobs_reap(&j, timeout_ms);
	ret = ret ? ret : j.st.completed == 1;
	hl_jobs_fini(&j);
	return ret;
}

#endif /* HACC_JOB_SAMPLES_H */
