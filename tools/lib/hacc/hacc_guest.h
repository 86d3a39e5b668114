/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny "guest driver" for a HiSilicon QM VF reached through VFIO: it gives
 * the VF queue state the way a real guest driver would (bus master, a DMA
 * buffer, EQC/AEQC contexts loaded by mailbox, SQC/CQC base tables, interrupt
 * masks, page size, VF ready) and reads the same state back (mailbox reads
 * for what the variant driver hides, BAR reads for the rest).
 */
#ifndef HACC_GUEST_H
#define HACC_GUEST_H

#include "hacc_vfio.h"
#include "hisi_acc_vfio_pci_hw.h"

#define HACC_GUEST_IOVA		0x10000000ull
#define HACC_GUEST_BUF_SIZE	0x10000ull

struct hl_guest {
	struct hl_dev *dev;
	void *buf;
	__u64 iova;
	__u64 size;
	bool mapped;
};

/* The VF state a migration has to carry, as seen by a guest. */
struct hl_regs {
	__u32 aeq_int_mask;
	__u32 eq_int_mask;
	__u32 page_size;
	__u32 vf_state;
	__u32 eqc[HACC_XQC_DWORDS];
	__u32 aeqc[HACC_XQC_DWORDS];
	__u64 sqc_bt;
	__u64 cqc_bt;
};

/* Map a DMA buffer for the VF and turn bus mastering on. */
int hl_guest_attach(struct hl_guest *g, struct hl_dev *dev);
void hl_guest_detach(struct hl_guest *g);

/* Program non-trivial queue state; different seeds give different state. */
int hl_guest_program(struct hl_guest *g, unsigned int seed);
/* The values hl_guest_program() writes for a seed. */
void hl_guest_expected(struct hl_regs *r, __u64 iova, unsigned int seed);

int hl_guest_read(struct hl_guest *g, struct hl_regs *r);
/* The guest-visible state a complete stream record carries. */
void hl_regs_from_stream(const struct hacc_mig_data *d, struct hl_regs *r);

/* Mailbox: op_read selects a hardware read; *addr carries the data address
 * or, for base-table reads, receives the result. */
int hl_mailbox(struct hl_dev *dev, __u8 cmd, bool op_read, __u16 queue, __u64 *addr);

/* Number of differing fields, each described on stream f (may be NULL). */
int hl_regs_diff(const struct hl_regs *a, const struct hl_regs *b, FILE *f);
void hl_regs_print(const struct hl_regs *r, FILE *f, const char *prefix);

#endif /* HACC_GUEST_H */
