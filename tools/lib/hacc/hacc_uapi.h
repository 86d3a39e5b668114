/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VFIO and iommufd uAPI the hisi_acc tools use, from whatever
 * <linux/vfio.h> the build finds: the uAPI headers of a kernel source
 * (tools/lib/hacc/hacc.mk, HACC_UAPI) or the distribution's own
 * (HACC_UAPI=system: linux-libc-dev, Debian 12's is Linux 6.1).  What an
 * older header lacks is defined here, each group only when the header does
 * not have it, with the layouts and numbers of the kernel's uAPI (all four
 * groups are missing from Linux 6.1's header):
 *
 *   the PRE_COPY states and VFIO_MIG_GET_PRECOPY_INFO
 *   VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
 *   the device cdev's BIND_IOMMUFD and ATTACH_IOMMUFD_PT (Linux 6.6)
 *   iommufd's IOAS_ALLOC, IOAS_MAP and IOAS_UNMAP (<linux/iommufd.h>)
 *
 * The migration uAPI itself (VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, Linux
 * 5.18) is required: a header without it stops the build with one error.
 * The cdev and iommufd ioctls fail with ENOTTY on a kernel that predates
 * them; the tools then say so (or use the group path).
 */
#ifndef HACC_UAPI_H
#define HACC_UAPI_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/vfio.h>
#if __has_include(<linux/iommufd.h>)
#include <linux/iommufd.h>
#endif

#ifndef VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE
#error "<linux/vfio.h> predates the VFIO migration uAPI (Linux 5.18): install newer kernel headers (linux-libc-dev) or build with KSRC=<kernel source>"
#endif

#ifndef VFIO_MIG_GET_PRECOPY_INFO
/* enum vfio_device_mig_state goes on after RUNNING_P2P (5) */
#define VFIO_DEVICE_STATE_PRE_COPY	6
#define VFIO_DEVICE_STATE_PRE_COPY_P2P	7
#define VFIO_MIGRATION_PRE_COPY		(1 << 2)

struct vfio_precopy_info {
	__u32 argsz;
	__u32 flags;
	__aligned_u64 initial_bytes;
	__aligned_u64 dirty_bytes;
};

#define VFIO_MIG_GET_PRECOPY_INFO	_IO(VFIO_TYPE, VFIO_BASE + 21)
#endif

#ifndef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
#define VFIO_DEVICE_FEATURE_MIG_DATA_SIZE	9

struct vfio_device_feature_mig_data_size {
	__aligned_u64 stop_copy_length;
};
#endif

#ifndef VFIO_DEVICE_BIND_IOMMUFD
/* The first form (no VF token): every kernel with the cdev takes it. */
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};

#define VFIO_DEVICE_BIND_IOMMUFD	_IO(VFIO_TYPE, VFIO_BASE + 18)

struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;
};

#define VFIO_DEVICE_ATTACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)
#endif

#ifndef IOMMU_IOAS_ALLOC
/* <linux/iommufd.h>: ioctl type ';', commands from 0x80 */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};

#define IOMMU_IOAS_ALLOC	_IO(';', 0x81)

#define IOMMU_IOAS_MAP_FIXED_IOVA	(1 << 0)
#define IOMMU_IOAS_MAP_WRITEABLE	(1 << 1)
#define IOMMU_IOAS_MAP_READABLE		(1 << 2)

struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};

#define IOMMU_IOAS_MAP		_IO(';', 0x85)

struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};

#define IOMMU_IOAS_UNMAP	_IO(';', 0x86)
#endif

#endif /* HACC_UAPI_H */
