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

enum hacc_flavour {
	HACC_DRV_NONE,		/* hisi_acc_vfio_pci not loaded */
	HACC_DRV_OURS,		/* this project's driver */
	HACC_DRV_MAINLINE,	/* the in-tree reference driver */
};

/* $HACC_DRIVER (ours|mainline) wins; else an out-of-tree taint means ours. */
enum hacc_flavour hacc_flavour(void);
const char *hacc_flavour_name(enum hacc_flavour f);

int hacc_sys_driver(const char *bdf, char *out, size_t len);
int hacc_sys_pf(const char *vf_bdf, char *out, size_t len);
/* Model function number of a VF: its 0-based virtfn index + 1. */
int hacc_sys_vf_fn(const char *vf_bdf);
/* Normalise "03:00.1" to "0000:03:00.1". */
int hacc_bdf_norm(const char *in, char *out, size_t len);
/* Basename of the target of /sys/bus/pci/devices/BDF/LINK. */
int hacc_sys_link(const char *bdf, const char *link, char *out, size_t len);

struct hacc_model {
	int fd;
	volatile __u64 *regs;
};

int hacc_model_open(struct hacc_model *m, const char *pf_bdf);
void hacc_model_close(struct hacc_model *m);
__u64 hacc_model_read(struct hacc_model *m, unsigned int off);
void hacc_model_write(struct hacc_model *m, unsigned int off, __u64 val);
__u64 hacc_model_fn_counter(struct hacc_model *m, int fn, unsigned int counter);

/*
 * Read our driver's debugfs file NAME (regs, stats, last_record) of a VF into
 * buf (NUL-terminated); returns the length or -errno.
 */
int hacc_sys_dbg_read(const char *bdf, const char *name, char *buf, size_t len);
/*
 * The same in two steps, for a file read many times: open it (fd or -errno;
 * the file stays valid while the VF stays bound to the driver), then read
 * it whole from offset 0 as often as needed (each read shows current values).
 */
int hacc_sys_dbg_open(const char *bdf, const char *name);
int hacc_sys_dbg_pread(int fd, char *buf, size_t len);

/*
 * The kernel log through /dev/kmsg: one reader per struct (each open file
 * has its own position), starting at the end of the log.
 */
struct hacc_kmsg {
	int fd;
	unsigned long long lost;	/* records overwritten before we read them */
};

int hacc_kmsg_open(struct hacc_kmsg *k);
void hacc_kmsg_close(struct hacc_kmsg *k);
/*
 * Next record: 1 with its syslog level (0..7) and text (first line) in
 * text; 0 when there is none yet; -errno on failure.
 */
int hacc_kmsg_next(struct hacc_kmsg *k, int *level, char *text, size_t len);
/* A line of a kernel splat (warning, BUG, KASAN, lockdep, hung task...)? */
bool hacc_kmsg_is_splat(const char *text);

#endif /* HACC_SYS_H */
