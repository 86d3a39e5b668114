/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The resume-stream cases of hacc_fuzz and hacc_fuzzdiff: case number n of
 * a seed is generated from (seed, n) and the good record alone, so both
 * programs (and both drivers under hacc_fuzzdiff) see the same bytes in the
 * same writes.  A case mutates the good record (one or more fields of every
 * kind, truncation, extension, random bytes), plans its writes (one, byte
 * by byte, split at the header, random chunks with empty writes), may keep
 * writing past the end, and may close the data file or the device early.
 * No verdict is made here.
 */
#ifndef HACC_FUZZ_CASES_H
#define HACC_FUZZ_CASES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>

#include "hisi_acc_vfio_pci_hw.h"
#include "robust.h"

#define REC		HACC_MIG_DATA_SIZE
#define HDR		HACC_MIG_MATCH_SIZE
#define MAX_LEN		(REC + 64)
#define MAX_WRITES	80

/* a case's randomness depends on (seed, case number) only */
struct rng {
	__u64 s;
};

static __u64 rnd(struct rng *r)
{
	return robust_rnd(&r->s);
}

static unsigned int below(struct rng *r, unsigned int n)
{
	return rnd(r) % n;
}

/* Every field of the record, for structured mutations */
#define F(name) { #name, offsetof(struct hacc_mig_data, name), \
		  sizeof(((struct hacc_mig_data *)0)->name) }
#define FA(name, i) { #name "[" #i "]", offsetof(struct hacc_mig_data, name[i]), 4 }
static const struct field {
	const char *name;
	unsigned int off, size;
} fields[] = {
	F(magic), F(qp_num), F(dev_id), F(que_iso_cfg), F(qp_base), F(vf_state),
	F(major_ver), F(minor_ver), FA(match_rsvd, 0), FA(match_rsvd, 1),
	F(aeq_int_mask), F(eq_int_mask), F(ifc_int_source), F(ifc_int_mask),
	F(ifc_int_set), F(page_size),
	FA(eqc_dw, 0), FA(eqc_dw, 1), FA(eqc_dw, 2), FA(eqc_dw, 3), FA(eqc_dw, 4),
	FA(eqc_dw, 5), FA(eqc_dw, 6),
	FA(aeqc_dw, 0), FA(aeqc_dw, 1), FA(aeqc_dw, 2), FA(aeqc_dw, 3), FA(aeqc_dw, 4),
	FA(aeqc_dw, 5), FA(aeqc_dw, 6),
	FA(regs_rsvd, 0), FA(regs_rsvd, 1), FA(regs_rsvd, 2), FA(regs_rsvd, 3),
	FA(regs_rsvd, 4), F(pad), F(eqe_dma), F(aeqe_dma), F(sqc_dma), F(cqc_dma),
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

struct fcase {
	unsigned long long no;
	char desc[256];
	__u8 buf[MAX_LEN];
	size_t len;
	size_t writes[MAX_WRITES];	/* sizes; may contain 0 */
	int nwrites;
	bool close_fd;			/* close the data file before RESUMING->STOP */
	bool close_dev;			/* close the device after the writes */
};

static void describe(struct fcase *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void describe(struct fcase *c, const char *fmt, ...)
{
	size_t n = strlen(c->desc);
	va_list ap;

	if (n >= sizeof(c->desc) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(c->desc + n, sizeof(c->desc) - n, fmt, ap);
	va_end(ap);
}

static __u64 get_field(const __u8 *b, const struct field *f)
{
	__u64 v = 0;

	memcpy(&v, b + f->off, f->size);
	return v;
}

static void set_field(__u8 *b, const struct field *f, __u64 v)
{
	memcpy(b + f->off, &v, f->size);
}

static void mutate_field(struct rng *r, struct fcase *c)
{
	const struct field *f = &fields[below(r, NFIELDS)];
	__u64 v = get_field(c->buf, f), mask = f->size == 8 ? ~0ull :
		  (1ull << (8 * f->size)) - 1;

	switch (below(r, 9)) {
	case 0: v = 0; break;
	case 1: v = 1; break;
	case 2: v = mask; break;
	case 3: v ^= 1ull << below(r, 8 * f->size); break;
	case 4: v += 1; break;
	case 5: v -= 1; break;
	case 6: v = 1ull << (8 * f->size - 1); break;
	case 7:
		if (f->off == 0)
			v = below(r, 2) ? HACC_MIG_MAGIC_V1 : HACC_MIG_MAGIC_V2;
		else
			v = rnd(r);
		break;
	default: v = rnd(r); break;
	}
	v &= mask;
	set_field(c->buf, f, v);
	describe(c, " %s=%#llx", f->name, (unsigned long long)v);
}

static void plan_writes(struct rng *r, struct fcase *c)
{
	size_t left = c->len, n;

	c->nwrites = 0;
	switch (below(r, 10)) {
	case 0: case 1: case 2: case 3:	/* one write */
		if (left)
			c->writes[c->nwrites++] = left;
		describe(c, " | 1 write");
		return;
	case 4:				/* byte by byte (up to the limit) */
		describe(c, " | bytewise");
		while (left && c->nwrites < MAX_WRITES - 1) {
			c->writes[c->nwrites++] = 1;
			left--;
		}
		break;
	case 5:				/* header, then the rest */
		describe(c, " | split at 40");
		n = left < HDR ? left : HDR;
		c->writes[c->nwrites++] = n;
		left -= n;
		break;
	default:			/* random chunks, some empty */
		describe(c, " | chunks");
		while (left && c->nwrites < MAX_WRITES - 1) {
			n = below(r, 8) ? 1 + below(r, left < 64 ? left : 64) : 0;
			if (n > left)
				n = left;
			c->writes[c->nwrites++] = n;
			left -= n;
		}
		break;
	}
	if (left)
		c->writes[c->nwrites++] = left;
}

/* Case @no of @seed, from the good record @good */
static void make_case(const struct hacc_mig_data *good, __u64 seed, unsigned long long no,
		      struct fcase *c)
{
	struct rng r = { .s = seed ^ (no * 0xd1342543de82ef95ull) };
	unsigned int kind, i, k;
	__u64 eq;

	rnd(&r);
	memset(c, 0, sizeof(*c));
	c->no = no;
	memcpy(c->buf, good, REC);
	c->len = REC;

	kind = below(&r, 100);
	if (kind < 40) {
		describe(c, "field");
		mutate_field(&r, c);
	} else if (kind < 50) {
		k = 2 + below(&r, 4);
		describe(c, "fields");
		for (i = 0; i < k; i++)
			mutate_field(&r, c);
	} else if (kind < 55) {
		/* a V1 record: versions absent, DMA fields stale */
		describe(c, "v1");
		((struct hacc_mig_data *)c->buf)->magic = HACC_MIG_MAGIC_V1;
		if (below(&r, 2)) {
			((struct hacc_mig_data *)c->buf)->eqe_dma = rnd(&r);
			describe(c, " stale eqe_dma");
		}
		if (below(&r, 2)) {
			((struct hacc_mig_data *)c->buf)->major_ver = below(&r, 0x10000);
			describe(c, " major_ver=%u", ((struct hacc_mig_data *)c->buf)->major_ver);
		}
	} else if (kind < 60) {
		/* the EQ moved, consistently in the words and the base field */
		struct hacc_mig_data *d = (void *)c->buf;

		eq = (rnd(&r) & 0xffffffffff000ull) | 0x1000;
		d->eqc_dw[1] = (__u32)eq;
		d->eqc_dw[2] = (__u32)(eq >> 32);
		d->eqe_dma = eq;
		describe(c, "consistent eqe_dma=%#llx", (unsigned long long)eq);
	} else if (kind < 70) {
		c->len = below(&r, REC);
		describe(c, "truncated to %zu", c->len);
	} else if (kind < 77) {
		k = 1 + below(&r, MAX_LEN - REC);
		for (i = 0; i < k; i++)
			c->buf[REC + i] = rnd(&r);
		c->len = REC + k;
		describe(c, "extended by %u", k);
	} else if (kind < 85) {
		static const size_t lens[] = { HDR, REC, 0 };

		c->len = lens[below(&r, 3)];
		if (!c->len)
			c->len = below(&r, MAX_LEN + 1);
		for (i = 0; i < c->len; i++)
			c->buf[i] = rnd(&r);
		describe(c, "random %zu bytes", c->len);
	} else if (kind < 90) {
		/* a valid header with random device state */
		for (i = HDR; i < REC; i++)
			c->buf[i] = rnd(&r);
		describe(c, "random body");
	} else {
		describe(c, "good");
	}
	plan_writes(&r, c);

	/* writes after the end (after an error, or making the stream long) */
	if (!below(&r, 5) && c->nwrites < MAX_WRITES - 3) {
		k = 1 + below(&r, 3);
		for (i = 0; i < k && c->len < MAX_LEN; i++) {
			size_t n = 1 + below(&r, 8);

			if (c->len + n > MAX_LEN)
				n = MAX_LEN - c->len;
			memset(c->buf + c->len, 0xa5, n);
			c->len += n;
			c->writes[c->nwrites++] = n;
		}
		describe(c, " +%u late writes", k);
	}
	if (!below(&r, 10)) {
		c->close_fd = true;
		describe(c, " close-fd");
	}
	if (!below(&r, 150)) {
		c->close_dev = true;
		describe(c, " close-device");
	}
}

#endif /* HACC_FUZZ_CASES_H */
