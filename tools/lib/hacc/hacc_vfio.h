/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small VFIO helper shared by the hisi_acc selftests, hacc-mig and the
 * benchmarks: open a VF through the device cdev + iommufd or through the
 * legacy group + container, access its regions, map DMA, and drive the
 * migration uAPI.  Functions return 0 (or a count) on success and -errno on
 * failure; the text of the last failure is kept in hacc_last_error().
 */
#ifndef HACC_VFIO_H
#define HACC_VFIO_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "hacc_uapi.h"

enum hacc_open_mode {
	HACC_OPEN_CDEV,		/* /dev/vfio/devices/vfioN bound to iommufd */
	HACC_OPEN_GROUP,	/* /dev/vfio/N attached to a type1 container */
};

#define HACC_NUM_BARS	6

struct hacc_region {
	__u64 offset;
	__u64 size;
	__u32 flags;
};

struct hacc_dev {
	char bdf[32];
	enum hacc_open_mode mode;
	int fd;
	int group_fd;
	int container_fd;
	int iommufd;
	__u32 ioas_id;
	__u32 devid;
	struct hacc_region cfg;
	struct hacc_region bar[HACC_NUM_BARS];
};

const char *hacc_last_error(void);
/* printf-style: record an error text and return -err (err is a positive errno) */
int hacc_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

const char *hacc_mode_name(enum hacc_open_mode mode);
int hacc_mode_parse(const char *name, enum hacc_open_mode *mode);

int hacc_dev_open(struct hacc_dev *dev, const char *bdf, enum hacc_open_mode mode);
void hacc_dev_close(struct hacc_dev *dev);
int hacc_dev_reset(struct hacc_dev *dev);

int hacc_cfg_read(struct hacc_dev *dev, unsigned int off, void *buf, size_t len);
int hacc_cfg_write(struct hacc_dev *dev, unsigned int off, const void *buf, size_t len);
int hacc_bus_master(struct hacc_dev *dev, bool on);

int hacc_bar_read32(struct hacc_dev *dev, int bar, __u64 off, __u32 *val);
int hacc_bar_write32(struct hacc_dev *dev, int bar, __u64 off, __u32 val);
/* raw region access, returning the pread/pwrite result or -errno */
ssize_t hacc_bar_pread(struct hacc_dev *dev, int bar, __u64 off, void *buf, size_t len);
ssize_t hacc_bar_pwrite(struct hacc_dev *dev, int bar, __u64 off, const void *buf, size_t len);

int hacc_dma_map(struct hacc_dev *dev, void *vaddr, __u64 iova, __u64 size);
int hacc_dma_unmap(struct hacc_dev *dev, __u64 iova, __u64 size);

/* migration uAPI */
int hacc_mig_flags(struct hacc_dev *dev, __u64 *flags);
int hacc_mig_get_state(struct hacc_dev *dev, __u32 *state);
/* On success *data_fd is the new data fd or -1 when the arc returns none. */
int hacc_mig_set_state(struct hacc_dev *dev, __u32 state, int *data_fd);
int hacc_mig_data_size(struct hacc_dev *dev, __u64 *bytes);
int hacc_precopy_info(int data_fd, struct vfio_precopy_info *info);
/* Read a saving file to its final end (read() == 0) into buf; *len is the size. */
int hacc_mig_read_all(int data_fd, void *buf, size_t cap, size_t *len);
/* Write all of buf to a resuming file (short writes are continued). */
int hacc_mig_write_all(int data_fd, const void *buf, size_t len);

const char *hacc_state_name(__u32 state);
int hacc_state_parse(const char *name, __u32 *state);

#endif /* HACC_VFIO_H */
