// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit check of the helper library's pure parts (stream checks,
 * state names).  No device needed.  TAP output.
 */
#include <stdio.h>
#include <string.h>

#include "hacc_stream.h"
#include "hacc_vfio.h"

static int failures, count;

static void ok(int cond, const char *what)
{
	count++;
	if (!cond)
		failures++;
	printf("%s %d - %s\n", cond ? "ok" : "not ok", count, what);
}

int main(void)
{
	struct hacc_mig_data d;
	unsigned char big[HACC_MIG_DATA_SIZE + 8];
	__u32 st;

	printf("TAP version 13\n1..14\n");
	memset(&d, 0, sizeof(d));
	d.magic = HACC_MIG_MAGIC_V2;
	d.major_ver = HACC_MIG_MAJOR_VER;
	d.qp_num = 480;

	ok(hl_stream_check(&d, sizeof(d)) == HACC_STREAM_OK, "full V2 record is OK");
	ok(hl_stream_check(&d, HACC_MIG_MATCH_SIZE) == HACC_STREAM_MATCH_ONLY,
	   "40 bytes is the match header");
	ok(hl_stream_check(&d, HACC_MIG_MATCH_SIZE - 1) == HACC_STREAM_SHORT_MATCH,
	   "39 bytes is short");
	ok(hl_stream_check(&d, 100) == HACC_STREAM_TRUNCATED, "100 bytes is truncated");
	memset(big, 0, sizeof(big));
	memcpy(big, &d, sizeof(d));
	ok(hl_stream_check(big, sizeof(big)) == HACC_STREAM_TOO_LONG, "184 bytes is too long");
	d.major_ver = 2;
	ok(hl_stream_check(&d, sizeof(d)) == HACC_STREAM_BAD_VERSION, "major 2 rejected");
	d.major_ver = HACC_MIG_MAJOR_VER;
	d.magic = HACC_MIG_MAGIC_V1;
	d.major_ver = 7;	/* V1 streams carry no version */
	ok(hl_stream_check(&d, sizeof(d)) == HACC_STREAM_OK, "V1 magic accepted, version ignored");
	d.magic ^= 1;
	ok(hl_stream_check(&d, sizeof(d)) == HACC_STREAM_BAD_MAGIC, "flipped magic rejected");
	ok(!strcmp(hl_state_name(VFIO_DEVICE_STATE_PRE_COPY), "PRE_COPY"), "state name");
	ok(!strcmp(hl_state_name(99), "INVALID"), "unknown state name");
	ok(hl_state_parse("stop_copy", &st) == 0 && st == VFIO_DEVICE_STATE_STOP_COPY,
	   "state parse is case-insensitive");
	ok(hl_state_parse("bogus", &st) == -22, "bad state name is -EINVAL");
	ok(!strcmp(hl_last_error(), "unknown migration state 'bogus': Invalid argument"),
	   "error text names the cause");
	ok(offsetof(struct hacc_mig_data, eqe_dma) == 144, "eqe_dma offset");
	printf("# %d/%d passed\n", count - failures, count);
	return failures ? 1 : 0;
}
