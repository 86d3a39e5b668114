// SPDX-License-Identifier: GPL-2.0
/*
 * Migration stream checks for userspace; see hacc_stream.h.
 */
#include <stddef.h>
#include <string.h>

#include "hacc_stream.h"

_Static_assert(sizeof(struct hacc_mig_data) == HACC_MIG_DATA_SIZE,
	       "stream record size");
_Static_assert(offsetof(struct hacc_mig_data, aeq_int_mask) == HACC_MIG_MATCH_SIZE,
	       "match header size");

enum hl_stream_check hl_stream_check(const void *buf, size_t len)
{
	struct hacc_mig_data d;

	if (len < HACC_MIG_MATCH_SIZE)
		return HACC_STREAM_SHORT_MATCH;
	if (len > HACC_MIG_DATA_SIZE)
		return HACC_STREAM_TOO_LONG;
	memset(&d, 0, sizeof(d));
	memcpy(&d, buf, len);
	if (d.magic != HACC_MIG_MAGIC_V1 && d.magic != HACC_MIG_MAGIC_V2)
		return HACC_STREAM_BAD_MAGIC;
	if (d.magic == HACC_MIG_MAGIC_V2 && d.major_ver != HACC_MIG_MAJOR_VER)
		return HACC_STREAM_BAD_VERSION;
	if (len == HACC_MIG_MATCH_SIZE)
		return HACC_STREAM_MATCH_ONLY;
	if (len < HACC_MIG_DATA_SIZE)
		return HACC_STREAM_TRUNCATED;
	return HACC_STREAM_OK;
}

const char *hl_stream_check_name(enum hl_stream_check c)
{
	switch (c) {
	case HACC_STREAM_OK: return "complete record";
	case HACC_STREAM_SHORT_MATCH: return "shorter than the match header";
	case HACC_STREAM_MATCH_ONLY: return "match header only";
	case HACC_STREAM_TRUNCATED: return "truncated record";
	case HACC_STREAM_TOO_LONG: return "longer than one record";
	case HACC_STREAM_BAD_MAGIC: return "unknown magic";
	case HACC_STREAM_BAD_VERSION: return "unsupported major version";
	}
	return "?";
}

const char *hl_match_field_name(enum hacc_match_field f)
{
	switch (f) {
	case HACC_MATCH_OK: return "";
	case HACC_MATCH_MAGIC: return "magic";
	case HACC_MATCH_MAJOR_VER: return "major_ver";
	case HACC_MATCH_DEV_ID: return "dev_id";
	case HACC_MATCH_QP_NUM: return "qp_num";
	case HACC_MATCH_QUE_ISO_CFG: return "que_iso_cfg";
	}
	return "?";
}

void hl_stream_describe(const void *buf, size_t len, FILE *f)
{
	struct hacc_mig_data d;
	int i;

	memset(&d, 0, sizeof(d));
	memcpy(&d, buf, len < sizeof(d) ? len : sizeof(d));
	fprintf(f, "stream: %zu bytes, %s\n", len,
		hl_stream_check_name(hl_stream_check(buf, len)));
	if (len < HACC_MIG_MATCH_SIZE)
		return;
	fprintf(f, "  magic %#llx (%s) version %u.%u dev_id %#x qp_num %u qp_base %u que_iso_cfg %#x vf_state %u\n",
		(unsigned long long)d.magic,
		d.magic == HACC_MIG_MAGIC_V2 ? "V2" : d.magic == HACC_MIG_MAGIC_V1 ? "V1" : "?",
		d.major_ver, d.minor_ver, d.dev_id, d.qp_num, d.qp_base,
		d.que_iso_cfg, d.vf_state);
	if (len < HACC_MIG_DATA_SIZE)
		return;
	fprintf(f, "  masks aeq %#x eq %#x ifc src %#x mask %#x set %#x page_size %#x\n",
		d.aeq_int_mask, d.eq_int_mask, d.ifc_int_source, d.ifc_int_mask,
		d.ifc_int_set, d.page_size);
	fprintf(f, "  eqc ");
	for (i = 0; i < HACC_XQC_DWORDS; i++)
		fprintf(f, " %08x", d.eqc_dw[i]);
	fprintf(f, "\n  aeqc");
	for (i = 0; i < HACC_XQC_DWORDS; i++)
		fprintf(f, " %08x", d.aeqc_dw[i]);
	fprintf(f, "\n  eqe_dma %#llx aeqe_dma %#llx sqc_dma %#llx cqc_dma %#llx\n",
		(unsigned long long)d.eqe_dma, (unsigned long long)d.aeqe_dma,
		(unsigned long long)d.sqc_dma, (unsigned long long)d.cqc_dma);
}
