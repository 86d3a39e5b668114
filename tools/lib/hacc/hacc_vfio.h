/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small VFIO helper shared by the hisi_acc selftests, hacc-mig and the
 * benchmarks: open a VF through the device cdev + iommufd or through the
 * legacy group + container, access its regions, map DMA, and drive the
 * migration uAPI.  Functions return 0 (or a count) on success and -errno on
 * failure; the text of the last failure is kept in hl_last_error().
 *
 * Every name the library exports starts with hl_ ("hacc library"): the
 * driver's hacc_* functions (hacc_mailbox(), hacc_mig_*) are other code.
 */
#ifndef HACC_VFIO_H
#define HACC_VFIO_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "hacc_uapi.h"

enum hl_open_mode {
	HACC_OPEN_CDEV,		/* /dev/vfio/devices/vfioN bound to iommufd */
	HACC_OPEN_GROUP,	/* /dev/vfio/N attached to a type1 container */
};

#define HACC_NUM_BARS	6

struct hl_region {
	__u64 offset;
	__u64 size;
	__u32 flags;
};

struct hl_dev {
	char bdf[32];
	enum hl_open_mode mode;
	int fd;
	int group_fd;
	int container_fd;
	int iommufd;
	__u32 ioas_id;
	__u32 devid;
	struct hl_region cfg;
	struct hl_region bar[HACC_NUM_BARS];
};

const char *hl_last_error(void);
/* printf-style: record an error text and return -err (err is a positive errno) */
int hl_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

const char *hl_mode_name(enum hl_open_mode mode);
int hl_mode_parse(const char *name, enum hl_open_mode *mode);

int hl_dev_open(struct hl_dev *dev, const char *bdf, enum hl_open_mode mode);
void hl_dev_close(struct hl_dev *dev);
int hl_dev_reset(struct hl_dev *dev);

int hl_cfg_read(struct hl_dev *dev, unsigned int off, void *buf, size_t len);
int hl_cfg_write(struct hl_dev *dev, unsigned int off, const void *buf, size_t len);
int hl_bus_master(struct hl_dev *dev, bool on);

int hl_bar_read32(struct hl_dev *dev, int bar, __u64 off, __u32 *val);
int hl_bar_write32(struct hl_dev *dev, int bar, __u64 off, __u32 val);
/* raw region access, returning the pread/pwrite result or -errno */
ssize_t hl_bar_pread(struct hl_dev *dev, int bar, __u64 off, void *buf, size_t len);
ssize_t hl_bar_pwrite(struct hl_dev *dev, int bar, __u64 off, const void *buf, size_t len);

int hl_dma_map(struct hl_dev *dev, void *vaddr, __u64 iova, __u64 size);
int hl_dma_unmap(struct hl_dev *dev, __u64 iova, __u64 size);

/* migration uAPI */
int hl_mig_flags(struct hl_dev *dev, __u64 *flags);
int hl_mig_get_state(struct hl_dev *dev, __u32 *state);
/* On success *data_fd is the new data fd or -1 when the arc returns none. */
int hl_mig_set_state(struct hl_dev *dev, __u32 state, int *data_fd);
int hl_mig_data_size(struct hl_dev *dev, __u64 *bytes);
int hl_precopy_info(int data_fd, struct vfio_precopy_info *info);
/* Read a saving file to its final end (read() == 0) into buf; *len is the size. */
int hl_mig_read_all(int data_fd, void *buf, size_t cap, size_t *len);
/* Write all of buf to a resuming file (short writes are continued). */
int hl_mig_write_all(int data_fd, const void *buf, size_t len);

const char *hl_state_name(__u32 state);
int hl_state_parse(const char *name, __u32 *state);

#endif /* HACC_VFIO_H */
