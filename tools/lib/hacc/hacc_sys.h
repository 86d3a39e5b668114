/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysfs helpers for the hisi_acc tools: which driver a function is bound to,
 * which of the two hisi_acc_vfio_pci builds is loaded, the PF of a VF, and
 * the QEMU model's control window (PF BAR 4, tools/qemu/hacc-model-ctl.h).
 */
#ifndef HACC_SYS_H
#define HACC_SYS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

enum hl_flavour {
	HACC_DRV_NONE,		/* hisi_acc_vfio_pci not loaded */
	HACC_DRV_OURS,		/* this project's driver */
	HACC_DRV_MAINLINE,	/* the in-tree reference driver */
};

/* $HACC_DRIVER (ours|mainline) wins; else an out-of-tree taint means ours. */
enum hl_flavour hl_flavour(void);
const char *hl_flavour_name(enum hl_flavour f);

int hl_sys_driver(const char *bdf, char *out, size_t len);
int hl_sys_pf(const char *vf_bdf, char *out, size_t len);
/* len bytes at off of a device's config space through sysfs (any driver) */
bool hl_sys_cfg_rw(const char *bdf, unsigned int off, void *buf, size_t len, bool write);
/* Offset of a device's SR-IOV extended capability, 0 if none */
unsigned int hl_sys_sriov_cap(const char *bdf);
/* Model function number of a VF: its 0-based virtfn index + 1. */
int hl_sys_vf_fn(const char *vf_bdf);
/* Normalise "03:00.1" to "0000:03:00.1". */
int hl_bdf_norm(const char *in, char *out, size_t len);
/* Basename of the target of /sys/bus/pci/devices/BDF/LINK. */
int hl_sys_link(const char *bdf, const char *link, char *out, size_t len);

struct hl_model {
	int fd;
	volatile __u64 *regs;
};

int hl_model_open(struct hl_model *m, const char *pf_bdf);
void hl_model_close(struct hl_model *m);
__u64 hl_model_read(struct hl_model *m, unsigned int off);
void hl_model_write(struct hl_model *m, unsigned int off, __u64 val);
__u64 hl_model_fn_counter(struct hl_model *m, int fn, unsigned int counter);
/*
 * Jobs the model's engine dropped on function fn (HACC_CTL_JOBS_DROPPED);
 * why the last one was, in words with its queue and slot, into why ("" if
 * none).
 */
__u64 hl_model_drops(struct hl_model *m, int fn, char *why, size_t len);

/*
 * Read our driver's debugfs file NAME (regs, stats, last_record) of a VF into
 * buf (NUL-terminated); returns the length or -errno.
 */
int hl_sys_dbg_read(const char *bdf, const char *name, char *buf, size_t len);
/*
 * The same in two steps, for a file read many times: open it (fd or -errno;
 * the file stays valid while the VF stays bound to the driver), then read
 * it whole from offset 0 as often as needed (each read shows current values).
 */
int hl_sys_dbg_open(const char *bdf, const char *name);
int hl_sys_dbg_pread(int fd, char *buf, size_t len);

/*
 * The kernel log through /dev/kmsg: one reader per struct (each open file
 * has its own position), starting at the end of the log.
 */
struct hl_kmsg {
	int fd;
	unsigned long long lost;	/* records overwritten before we read them */
};

int hl_kmsg_open(struct hl_kmsg *k);
void hl_kmsg_close(struct hl_kmsg *k);
/*
 * Next record: 1 with its syslog level (0..7) and text (first line) in
 * text; 0 when there is none yet; -errno on failure.
 */
int hl_kmsg_next(struct hl_kmsg *k, int *level, char *text, size_t len);
/* A line of a kernel splat (warning, BUG, KASAN, lockdep, hung task...)? */
bool hl_kmsg_is_splat(const char *text);

#endif /* HACC_SYS_H */
