// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO plumbing for the hisi_acc userspace tools; see hacc_vfio.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/pci_regs.h>

#include "hacc_sys.h"
#include "hacc_vfio.h"

/* per thread: the fuzzer and the stress test call the library from threads */
static __thread char hl_errbuf[512];

const char *hl_last_error(void)
{
	return hl_errbuf[0] ? hl_errbuf : "no error recorded";
}

int hl_fail(int err, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(hl_errbuf, sizeof(hl_errbuf), fmt, ap);
	va_end(ap);
	n = strlen(hl_errbuf);
	if (err && n < sizeof(hl_errbuf))
		snprintf(hl_errbuf + n, sizeof(hl_errbuf) - n, ": %s",
			 strerror(err));
	return -err;
}

const char *hl_mode_name(enum hl_open_mode mode)
{
	return mode == HACC_OPEN_CDEV ? "cdev+iommufd" : "group+container";
}

int hl_mode_parse(const char *name, enum hl_open_mode *mode)
{
	if (!strcmp(name, "cdev") || !strcmp(name, "iommufd"))
		*mode = HACC_OPEN_CDEV;
	else if (!strcmp(name, "group") || !strcmp(name, "container"))
		*mode = HACC_OPEN_GROUP;
	else
		return hl_fail(EINVAL, "unknown open mode '%s' (cdev or group)", name);
	return 0;
}

static const char * const state_names[] = {
	[VFIO_DEVICE_STATE_ERROR] = "ERROR",
	[VFIO_DEVICE_STATE_STOP] = "STOP",
	[VFIO_DEVICE_STATE_RUNNING] = "RUNNING",
	[VFIO_DEVICE_STATE_STOP_COPY] = "STOP_COPY",
	[VFIO_DEVICE_STATE_RESUMING] = "RESUMING",
	[VFIO_DEVICE_STATE_RUNNING_P2P] = "RUNNING_P2P",
	[VFIO_DEVICE_STATE_PRE_COPY] = "PRE_COPY",
	[VFIO_DEVICE_STATE_PRE_COPY_P2P] = "PRE_COPY_P2P",
};

const char *hl_state_name(__u32 state)
{
	if (state < sizeof(state_names) / sizeof(state_names[0]) && state_names[state])
		return state_names[state];
	return "INVALID";
}

int hl_state_parse(const char *name, __u32 *state)
{
	__u32 i;

	for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++) {
		if (state_names[i] && !strcasecmp(name, state_names[i])) {
			*state = i;
			return 0;
		}
	}
	return hl_fail(EINVAL, "unknown migration state '%s'", name);
}

static int find_cdev(const char *bdf, char *out, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (!strncmp(de->d_name, "vfio", 4)) {
			snprintf(out, len, "/dev/vfio/devices/%s", de->d_name);
			ret = 0;
			break;
		}
	}
	closedir(dir);
	return ret;
}

static int open_cdev(struct hl_dev *dev)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	char path[PATH_MAX];
	int ret;

	ret = find_cdev(dev->bdf, path, sizeof(path));
	if (ret)
		return hl_fail(-ret, "%s: no VFIO device cdev (is it bound to a vfio driver, CONFIG_VFIO_DEVICE_CDEV?)",
				 dev->bdf);
	dev->fd = open(path, O_RDWR);
	if (dev->fd < 0)
		return hl_fail(errno, "%s: open %s", dev->bdf, path);
	dev->iommufd = open("/dev/iommu", O_RDWR);
	if (dev->iommufd < 0)
		return hl_fail(errno, "%s: open /dev/iommu", dev->bdf);
	bind.iommufd = dev->iommufd;
	if (ioctl(dev->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return hl_fail(errno, "%s: VFIO_DEVICE_BIND_IOMMUFD", dev->bdf);
	dev->devid = bind.out_devid;
	if (ioctl(dev->iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return hl_fail(errno, "%s: IOMMU_IOAS_ALLOC", dev->bdf);
	dev->ioas_id = alloc.out_ioas_id;
	attach.pt_id = dev->ioas_id;
	if (ioctl(dev->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return hl_fail(errno, "%s: VFIO_DEVICE_ATTACH_IOMMUFD_PT", dev->bdf);
	return 0;
}

static int open_group(struct hl_dev *dev)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char group[64], path[PATH_MAX];
	int ret;

	ret = hl_sys_link(dev->bdf, "iommu_group", group, sizeof(group));
	if (ret)
		return hl_fail(-ret, "%s: no iommu_group in sysfs", dev->bdf);
	snprintf(path, sizeof(path), "/dev/vfio/%s", group);
	dev->group_fd = open(path, O_RDWR);
	if (dev->group_fd < 0)
		return hl_fail(errno, "%s: open %s", dev->bdf, path);
	if (ioctl(dev->group_fd, VFIO_GROUP_GET_STATUS, &status))
		return hl_fail(errno, "%s: VFIO_GROUP_GET_STATUS", dev->bdf);
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return hl_fail(EBUSY, "%s: group %s not viable (every device in it must be bound to vfio)",
				 dev->bdf, group);
	dev->container_fd = open("/dev/vfio/vfio", O_RDWR);
	if (dev->container_fd < 0)
		return hl_fail(errno, "%s: open /dev/vfio/vfio", dev->bdf);
	if (ioctl(dev->container_fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return hl_fail(EINVAL, "%s: unexpected VFIO API version", dev->bdf);
	if (ioctl(dev->container_fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
		return hl_fail(ENOTSUP, "%s: container lacks VFIO_TYPE1v2_IOMMU", dev->bdf);
	if (ioctl(dev->group_fd, VFIO_GROUP_SET_CONTAINER, &dev->container_fd))
		return hl_fail(errno, "%s: VFIO_GROUP_SET_CONTAINER", dev->bdf);
	if (ioctl(dev->container_fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return hl_fail(errno, "%s: VFIO_SET_IOMMU(TYPE1v2)", dev->bdf);
	/*
	 * A VF whose PF is bound to vfio-pci opens only with the VF token
	 * set on the PF (HACC_VF_TOKEN, a UUID).
	 */
	if (getenv("HACC_VF_TOKEN")) {
		char name[96];

		snprintf(name, sizeof(name), "%s vf_token=%s", dev->bdf, getenv("HACC_VF_TOKEN"));
		dev->fd = ioctl(dev->group_fd, VFIO_GROUP_GET_DEVICE_FD, name);
	} else {
		dev->fd = ioctl(dev->group_fd, VFIO_GROUP_GET_DEVICE_FD, dev->bdf);
	}
	if (dev->fd < 0)
		return hl_fail(errno, "%s: VFIO_GROUP_GET_DEVICE_FD", dev->bdf);
	return 0;
}

static int get_region(struct hl_dev *dev, __u32 index, struct hl_region *r)
{
	struct vfio_region_info info = { .argsz = sizeof(info), .index = index };

	if (ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, &info))
		return hl_fail(errno, "%s: VFIO_DEVICE_GET_REGION_INFO(%u)", dev->bdf, index);
	r->offset = info.offset;
	r->size = info.size;
	r->flags = info.flags;
	return 0;
}

int hl_dev_open(struct hl_dev *dev, const char *bdf, enum hl_open_mode mode)
{
	char path[PATH_MAX];
	int ret, i;

	memset(dev, 0, sizeof(*dev));
	dev->fd = dev->group_fd = dev->container_fd = dev->iommufd = -1;
	dev->mode = mode;
	if (!bdf || hl_bdf_norm(bdf, dev->bdf, sizeof(dev->bdf)))
		return hl_fail(EINVAL, "bad PCI address '%s'", bdf ? bdf : "(null)");

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", dev->bdf);
	if (access(path, F_OK))
		return hl_fail(ENODEV, "%s: no such PCI device", dev->bdf);
	ret = mode == HACC_OPEN_CDEV ? open_cdev(dev) : open_group(dev);
	if (ret)
		goto err;
	ret = get_region(dev, VFIO_PCI_CONFIG_REGION_INDEX, &dev->cfg);
	for (i = 0; !ret && i < HACC_NUM_BARS; i++)
		ret = get_region(dev, VFIO_PCI_BAR0_REGION_INDEX + i, &dev->bar[i]);
	if (ret)
		goto err;
	return 0;
err:
	hl_dev_close(dev);
	return ret;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void hl_dev_close(struct hl_dev *dev)
{
	close_fd(&dev->fd);
	close_fd(&dev->group_fd);
	close_fd(&dev->container_fd);
	close_fd(&dev->iommufd);
}

int hl_dev_reset(struct hl_dev *dev)
{
	if (ioctl(dev->fd, VFIO_DEVICE_RESET))
		return hl_fail(errno, "%s: VFIO_DEVICE_RESET", dev->bdf);
	return 0;
}

int hl_cfg_read(struct hl_dev *dev, unsigned int off, void *buf, size_t len)
{
	if (pread(dev->fd, buf, len, dev->cfg.offset + off) != (ssize_t)len)
		return hl_fail(errno ? errno : EIO, "%s: config read at %#x", dev->bdf, off);
	return 0;
}

int hl_cfg_write(struct hl_dev *dev, unsigned int off, const void *buf, size_t len)
{
	if (pwrite(dev->fd, buf, len, dev->cfg.offset + off) != (ssize_t)len)
		return hl_fail(errno ? errno : EIO, "%s: config write at %#x", dev->bdf, off);
	return 0;
}

int hl_bus_master(struct hl_dev *dev, bool on)
{
	__u16 cmd;
	int ret;

	ret = hl_cfg_read(dev, PCI_COMMAND, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	if (on)
		cmd |= PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;
	else
		cmd &= ~PCI_COMMAND_MASTER;
	return hl_cfg_write(dev, PCI_COMMAND, &cmd, sizeof(cmd));
}

ssize_t hl_bar_pread(struct hl_dev *dev, int bar, __u64 off, void *buf, size_t len)
{
	ssize_t n = pread(dev->fd, buf, len, dev->bar[bar].offset + off);

	return n < 0 ? -errno : n;
}

ssize_t hl_bar_pwrite(struct hl_dev *dev, int bar, __u64 off, const void *buf, size_t len)
{
	ssize_t n = pwrite(dev->fd, buf, len, dev->bar[bar].offset + off);

	return n < 0 ? -errno : n;
}

int hl_bar_read32(struct hl_dev *dev, int bar, __u64 off, __u32 *val)
{
	ssize_t n = hl_bar_pread(dev, bar, off, val, sizeof(*val));

	if (n != sizeof(*val))
		return hl_fail(n < 0 ? (int)-n : EIO, "%s: BAR%d read at %#llx",
				 dev->bdf, bar, (unsigned long long)off);
	return 0;
}

int hl_bar_write32(struct hl_dev *dev, int bar, __u64 off, __u32 val)
{
	ssize_t n = hl_bar_pwrite(dev, bar, off, &val, sizeof(val));

	if (n != sizeof(val))
		return hl_fail(n < 0 ? (int)-n : EIO, "%s: BAR%d write at %#llx",
				 dev->bdf, bar, (unsigned long long)off);
	return 0;
}

int hl_dma_map(struct hl_dev *dev, void *vaddr, __u64 iova, __u64 size)
{
	if (dev->mode == HACC_OPEN_CDEV) {
		struct iommu_ioas_map map = {
			.size = sizeof(map),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = dev->ioas_id,
			.user_va = (__u64)(unsigned long)vaddr,
			.length = size,
			.iova = iova,
		};

		if (ioctl(dev->iommufd, IOMMU_IOAS_MAP, &map))
			return hl_fail(errno, "%s: IOMMU_IOAS_MAP iova %#llx", dev->bdf,
					 (unsigned long long)iova);
	} else {
		struct vfio_iommu_type1_dma_map map = {
			.argsz = sizeof(map),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (__u64)(unsigned long)vaddr,
			.iova = iova,
			.size = size,
		};

		if (ioctl(dev->container_fd, VFIO_IOMMU_MAP_DMA, &map))
			return hl_fail(errno, "%s: VFIO_IOMMU_MAP_DMA iova %#llx", dev->bdf,
					 (unsigned long long)iova);
	}
	return 0;
}

int hl_dma_unmap(struct hl_dev *dev, __u64 iova, __u64 size)
{
	if (dev->mode == HACC_OPEN_CDEV) {
		struct iommu_ioas_unmap unmap = {
			.size = sizeof(unmap), .ioas_id = dev->ioas_id,
			.iova = iova, .length = size,
		};

		if (ioctl(dev->iommufd, IOMMU_IOAS_UNMAP, &unmap))
			return hl_fail(errno, "%s: IOMMU_IOAS_UNMAP", dev->bdf);
	} else {
		struct vfio_iommu_type1_dma_unmap unmap = {
			.argsz = sizeof(unmap), .iova = iova, .size = size,
		};

		if (ioctl(dev->container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap))
			return hl_fail(errno, "%s: VFIO_IOMMU_UNMAP_DMA", dev->bdf);
	}
	return 0;
}

/* VFIO_DEVICE_FEATURE with a payload of up to 32 bytes */
static int feature(struct hl_dev *dev, __u32 flags, void *data, size_t len)
{
	__u64 buf[(sizeof(struct vfio_device_feature) + 32) / 8];
	struct vfio_device_feature *f = (void *)buf;

	memset(buf, 0, sizeof(buf));
	f->argsz = sizeof(*f) + len;
	f->flags = flags;
	memcpy(f->data, data, len);
	if (ioctl(dev->fd, VFIO_DEVICE_FEATURE, f))
		return -errno;
	memcpy(data, f->data, len);
	return 0;
}

int hl_mig_flags(struct hl_dev *dev, __u64 *flags)
{
	struct vfio_device_feature_migration mig = {};
	int ret = feature(dev, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
			  &mig, sizeof(mig));

	if (ret)
		return hl_fail(-ret, "%s: VFIO_DEVICE_FEATURE_MIGRATION (driver without migration?)",
				 dev->bdf);
	*flags = mig.flags;
	return 0;
}

int hl_mig_get_state(struct hl_dev *dev, __u32 *state)
{
	struct vfio_device_feature_mig_state st = {};
	int ret = feature(dev, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
			  &st, sizeof(st));

	if (ret)
		return hl_fail(-ret, "%s: get migration state", dev->bdf);
	*state = st.device_state;
	return 0;
}

int hl_mig_set_state(struct hl_dev *dev, __u32 state, int *data_fd)
{
	struct vfio_device_feature_mig_state st = { .device_state = state, .data_fd = -1 };
	int ret = feature(dev, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
			  &st, sizeof(st));

	if (data_fd)
		*data_fd = ret ? -1 : st.data_fd;
	if (ret)
		return hl_fail(-ret, "%s: set migration state %s", dev->bdf,
				 hl_state_name(state));
	if (!data_fd && st.data_fd >= 0)
		close(st.data_fd);
	return 0;
}

int hl_mig_data_size(struct hl_dev *dev, __u64 *bytes)
{
	struct vfio_device_feature_mig_data_size sz = {};
	int ret = feature(dev, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
			  &sz, sizeof(sz));

	if (ret)
		return hl_fail(-ret, "%s: VFIO_DEVICE_FEATURE_MIG_DATA_SIZE", dev->bdf);
	*bytes = sz.stop_copy_length;
	return 0;
}

int hl_precopy_info(int data_fd, struct vfio_precopy_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	if (ioctl(data_fd, VFIO_MIG_GET_PRECOPY_INFO, info))
		return hl_fail(errno, "VFIO_MIG_GET_PRECOPY_INFO");
	return 0;
}

int hl_mig_read_all(int data_fd, void *buf, size_t cap, size_t *len)
{
	ssize_t n;

	*len = 0;
	for (;;) {
		n = read(data_fd, (char *)buf + *len, cap - *len);
		if (n < 0)
			return hl_fail(errno, "read of the saving file after %zu bytes", *len);
		if (!n)
			return 0;
		*len += n;
		if (*len == cap) {
			char extra;

			n = read(data_fd, &extra, 1);
			if (n > 0)
				return hl_fail(EFBIG, "saving file longer than %zu bytes", cap);
			return n < 0 ? hl_fail(errno, "read of the saving file") : 0;
		}
	}
}

int hl_mig_write_all(int data_fd, const void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(data_fd, (const char *)buf + done, len - done);
		if (n < 0)
			return hl_fail(errno, "write to the resuming file at byte %zu", done);
		if (!n)
			return hl_fail(EIO, "write to the resuming file returned 0");
		done += n;
	}
	return 0;
}
