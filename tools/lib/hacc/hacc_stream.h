/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hisi_acc migration stream (struct hacc_mig_data in
 * hisi_acc_vfio_pci_hw.h) seen from userspace: checks and a printable
 * description.  The stream is produced and consumed by the kernel driver;
 * userspace only carries it, so these helpers are for reporting and tests.
 */
#ifndef HACC_STREAM_H
#define HACC_STREAM_H

#include <stddef.h>
#include <stdio.h>
#include "hisi_acc_vfio_pci_hw.h"

enum hl_stream_check {
	HACC_STREAM_OK = 0,
	HACC_STREAM_SHORT_MATCH,	/* fewer bytes than the match header */
	HACC_STREAM_MATCH_ONLY,		/* exactly the match header */
	HACC_STREAM_TRUNCATED,		/* more than the header, less than a record */
	HACC_STREAM_TOO_LONG,
	HACC_STREAM_BAD_MAGIC,
	HACC_STREAM_BAD_VERSION,
};

enum hl_stream_check hl_stream_check(const void *buf, size_t len);
const char *hl_stream_check_name(enum hl_stream_check c);
/* The driver's name of a match field ("qp_num"...), "" for HACC_MATCH_OK. */
const char *hl_match_field_name(enum hacc_match_field f);
/* Print the fields that are present in buf (len may be short). */
void hl_stream_describe(const void *buf, size_t len, FILE *f);

#endif /* HACC_STREAM_H */
