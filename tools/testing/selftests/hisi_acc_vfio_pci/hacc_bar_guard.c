// SPDX-License-Identifier: GPL-2.0
/*
 * hacc_bar_guard: the migration half of a VF's BAR 2 is not the user's.
 *
 *   hacc_bar_guard VF
 *
 * On QM V3 (and above V3 when the PF driver left the migration registers
 * in the VF) the driver hides BAR 2 from HACC_VF_MIG_AREA (0x8000) up.
 * Every way userspace reaches a BAR through vfio is tried on every offset
 * of the hidden half:
 *  - pread/pwrite of 1, 2, 4 and 8 bytes at every byte offset, larger
 *    sizes at every 256th, and accesses that straddle the boundary (which
 *    must be clipped to it); the model must count no BAR 2 access of the
 *    VF during the hidden-half sweeps;
 *  - mmap of every page range that touches the hidden half;
 *  - VFIO_DEVICE_IOEVENTFD (a kernel-side write on eventfd signal): the
 *    driver refuses the whole ioctl while BAR 2 is partly hidden, so a
 *    request in the visible half, which vfio core alone accepts, must be
 *    refused as well as every naturally aligned offset and size of the
 *    hidden half;
 *  - VFIO_DEVICE_FEATURE_DMA_BUF (7.x uAPI): the driver gives vfio core no
 *    dma-buf ops, so every range, the visible half's included, must be
 *    refused with EOPNOTSUPP; a driver that starts exporting dma-bufs
 *    fails this until the hidden half is checked for them.
 * When the driver shows the whole BAR (migration registers in the PF's
 * window, QM above V3), the test checks that the VF's upper half does not
 * reach the registers the driver migrates instead.
 * Flat TAP, one line per access method.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "hacc_sys.h"
#include "hacc_vfio.h"
#include "hacc-model-ctl.h"
#include "hisi_acc_vfio_pci_hw.h"
#include "robust.h"

#define BAR		HACC_QM_BAR
#define HIDDEN		HACC_VF_MIG_AREA
#define FULL		HACC_VF_BAR_SIZE

static struct hl_dev dev;
static struct hl_model model;
static int fn;

static __u64 accesses(void)
{
	return hl_model_fn_counter(&model, fn, HACC_CTL_MMIO_READS) +
	       hl_model_fn_counter(&model, fn, HACC_CTL_MMIO_WRITES);
}

struct sweep {
	bool write;
	unsigned long long tried, leaked;
	char first[160];
};

/* One access that must be refused with EINVAL */
static void refused(struct sweep *sw, __u64 off, size_t len)
{
	static __u8 buf[0x10000];
	ssize_t n;

	n = sw->write ? hl_bar_pwrite(&dev, BAR, off, buf, len) :
			hl_bar_pread(&dev, BAR, off, buf, len);
	sw->tried++;
	if (n != -EINVAL && !sw->leaked++)
		snprintf(sw->first, sizeof(sw->first), "%zu bytes at %#llx gave %zd",
			 len, (unsigned long long)off, n);
}

/* pread or pwrite at every offset of the hidden half (and past the BAR) */
static void sweep_rw(struct robust_tap *tap, bool write)
{
	static const size_t sizes[] = { 1, 2, 4, 8, 16, 0x100, 0x1000, 0x8000, 0x10000 };
	struct sweep sw = { .write = write };
	__u64 off, before = accesses();
	size_t i;

	for (off = HIDDEN; off < FULL + 0x100; off++)
		/* every size at every 256th offset, the small ones everywhere */
		for (i = 0; i < (off % 0x100 ? 4 : sizeof(sizes) / sizeof(sizes[0])); i++)
			refused(&sw, off, sizes[i]);
	robust_result(tap, !sw.leaked && accesses() == before,
		      "%s: %llu accesses in [%#x, %#x] all refused with EINVAL, %llu device accesses%s%s",
		      write ? "pwrite" : "pread", sw.tried, HIDDEN, FULL + 0xff,
		      (unsigned long long)(accesses() - before), sw.leaked ? "; first leak: " : "",
		      sw.first);
}

/* Accesses that start below the boundary end at it */
static void straddle(struct robust_tap *tap)
{
	__u8 buf[0x200];
	unsigned long long bad = 0, tried = 0;
	char first[160] = "";
	__u64 off;
	size_t len;
	ssize_t n;
	int w;

	memset(buf, 0, sizeof(buf));
	for (w = 0; w < 2; w++)
		for (off = HIDDEN - 16; off < HIDDEN; off++)
			for (len = HIDDEN - off + 1; len <= sizeof(buf); len += 7) {
				n = w ? hl_bar_pwrite(&dev, BAR, off, buf, len) :
					hl_bar_pread(&dev, BAR, off, buf, len);
				tried++;
				if (n > (ssize_t)(HIDDEN - off) && !bad++)
					snprintf(first, sizeof(first), "%s of %zu at %#llx gave %zd",
						 w ? "write" : "read", len,
						 (unsigned long long)off, n);
			}
	robust_result(tap, !bad, "straddling read/write: %llu accesses clipped at %#x%s%s",
		      tried, HIDDEN, bad ? "; " : "", first);
}

static void sweep_mmap(struct robust_tap *tap)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned long long tried = 0, leaked = 0, mapped_ok = 0;
	char first[160] = "";
	long start, len;
	void *p;

	for (start = 0; start < FULL + pg; start += pg) {
		for (len = pg; start + len <= FULL + pg; len += pg) {
			bool may = start + len <= HIDDEN;

			p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dev.fd,
				 dev.bar[BAR].offset + start);
			tried++;
			if (p != MAP_FAILED) {
				munmap(p, len);
				if (may)
					mapped_ok++;
				else if (!leaked++)
					snprintf(first, sizeof(first), "%#lx bytes at %#lx mapped",
						 len, start);
			}
		}
	}
	robust_result(tap, !leaked,
		      "mmap: %llu page ranges, every one touching [%#x, %#x) refused (%llu below it mapped)%s%s",
		      tried, HIDDEN, FULL, mapped_ok, leaked ? "; " : "", first);
}

static void sweep_ioeventfd(struct robust_tap *tap)
{
	struct vfio_device_ioeventfd ev = { .argsz = sizeof(ev) };
	unsigned long long tried = 0, leaked = 0;
	char first[160] = "";
	__u64 off;
	int efd, size;

	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0) {
		robust_result(tap, false, "ioeventfd: eventfd: %s", strerror(errno));
		return;
	}
	/* first the visible half's offset 0, then the hidden half */
	for (size = 1; size <= 8; size <<= 1) {
		for (off = size == 1 ? 0 : HIDDEN; off < FULL; off = off ? off + size : HIDDEN) {
			ev.flags = size;
			ev.offset = dev.bar[BAR].offset + off;
			ev.data = 0;
			ev.fd = efd;
			tried++;
			errno = 0;
			if (!ioctl(dev.fd, VFIO_DEVICE_IOEVENTFD, &ev) || errno != EINVAL) {
				if (!leaked++)
					snprintf(first, sizeof(first), "%d bytes at %#llx: %s",
						 size, (unsigned long long)off,
						 errno ? strerror(errno) : "accepted");
				ev.fd = -1;	/* take it away again */
				ioctl(dev.fd, VFIO_DEVICE_IOEVENTFD, &ev);
			}
		}
	}
	close(efd);
	robust_result(tap, !leaked,
		      "ioeventfd: refused as a whole (EINVAL): offset 0 of the visible half and %llu offsets/sizes of the hidden half%s%s",
		      tried - 1, leaked ? "; " : "", first);
}

static void try_dma_buf(struct robust_tap *tap)
{
#ifdef VFIO_DEVICE_FEATURE_DMA_BUF
	__u64 raw[(sizeof(struct vfio_device_feature) +
		   sizeof(struct vfio_device_feature_dma_buf) +
		   sizeof(struct vfio_region_dma_range) + 7) / 8];
	struct vfio_device_feature *f = (void *)raw;
	struct vfio_device_feature_dma_buf *db = (void *)f->data;
	static const __u64 ranges[][2] = {
		{ 0, 0x1000 }, { 0, FULL }, { HIDDEN, HIDDEN }, { HIDDEN - 0x1000, 0x2000 },
		{ FULL - 0x1000, 0x1000 },
	};
	unsigned int i, leaked = 0, absent = 0;
	int fd;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		memset(raw, 0, sizeof(raw));
		f->argsz = sizeof(raw);
		f->flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF;
		db->region_index = BAR;
		db->open_flags = O_RDWR | O_CLOEXEC;
		db->nr_ranges = 1;
		db->dma_ranges[0].offset = ranges[i][0];
		db->dma_ranges[0].length = ranges[i][1];
		fd = ioctl(dev.fd, VFIO_DEVICE_FEATURE, f);
		if (fd < 0 && errno == ENOTTY) {
			absent++;	/* a kernel without the feature */
		} else if (fd >= 0 || errno != EOPNOTSUPP) {
			leaked++;
			printf("# dma-buf of [%#llx, +%#llx): %s\n",
			       (unsigned long long)ranges[i][0], (unsigned long long)ranges[i][1],
			       fd >= 0 ? "created" : strerror(errno));
		}
		if (fd >= 0)
			close(fd);
	}
	if (absent == i)
		robust_result(tap, true, "dma-buf # SKIP this kernel has no dma-buf feature (ENOTTY)");
	else
		robust_result(tap, !leaked && !absent,
			      "dma-buf: none of BAR 2 (EOPNOTSUPP for %u ranges, the visible half's included)",
			      i);
#else
	robust_result(tap, true, "dma-buf # SKIP uAPI headers without VFIO_DEVICE_FEATURE_DMA_BUF");
#endif
}

/* Whole BAR shown: its upper half must not be the migrated registers */
static void whole_bar(struct robust_tap *tap, const char *bdf)
{
	char before[2048], after[2048];
	__u32 v = 0x5a5a5a5a;
	int i, ret;

	ret = hl_sys_dbg_read(bdf, "regs", before, sizeof(before)) < 0;
	for (i = 0; !ret && i < 2 * HACC_XQC_DWORDS; i++)
		ret = hl_bar_write32(&dev, BAR, HACC_VF_EQC_DW0 + 4 * i, v);
	if (!ret)
		ret = hl_sys_dbg_read(bdf, "regs", after, sizeof(after)) < 0;
	if (ret || strcmp(before, after))
		printf("# register dump before:\n%s# after:\n%s", before, after);
	robust_result(tap, !ret && !strcmp(before, after),
		      "whole BAR shown: writes to the VF's [%#x, %#x) leave the migrated EQC/AEQC words alone",
		      HACC_VF_EQC_DW0, HACC_VF_AEQC_DW0 + 4 * HACC_XQC_DWORDS);
}

/* The QM version is the PF's revision (the VFs may report another) */
static int pf_revision(const char *pf, unsigned int *rev)
{
	char path[96];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/revision", pf);
	f = fopen(path, "r");
	if (!f)
		return hl_fail(errno, "open %s", path);
	ok = fscanf(f, "%x", rev) == 1;
	fclose(f);
	return ok ? 0 : hl_fail(EINVAL, "no revision in %s", path);
}

int main(int argc, char **argv)
{
	struct robust_tap tap = {};
	unsigned int rev = 0;
	char pf[32];

	if (argc != 2) {
		fprintf(stderr, "usage: %s VF\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	fn = hl_sys_vf_fn(argv[1]);
	if (fn <= 0 || hl_sys_pf(argv[1], pf, sizeof(pf)) || hl_model_open(&model, pf) ||
	    hl_dev_open(&dev, argv[1], HACC_OPEN_CDEV) || pf_revision(pf, &rev)) {
		robust_result(&tap, false, "set-up of %s: %s", argv[1], hl_last_error());
		printf("1..%d\n", tap.n);
		return 1;
	}
	printf("# VF %s, PF revision %#x: BAR 2 region size %#llx, flags %#x\n", argv[1], rev,
	       (unsigned long long)dev.bar[BAR].size, dev.bar[BAR].flags);
	if (dev.bar[BAR].size == FULL) {
		robust_result(&tap, rev > HACC_QM_REV_V3,
			      "whole BAR 2 shown only above QM V3 (revision %#x)", rev);
		whole_bar(&tap, argv[1]);
	} else {
		robust_result(&tap, dev.bar[BAR].size == HIDDEN,
			      "region info: BAR 2 is %#llx bytes, the lower half",
			      (unsigned long long)dev.bar[BAR].size);
		sweep_rw(&tap, false);
		sweep_rw(&tap, true);
		straddle(&tap);
		sweep_mmap(&tap);
		sweep_ioeventfd(&tap);
		try_dma_buf(&tap);
	}
	hl_dev_close(&dev);
	hl_model_close(&model);
	printf("1..%d\n", tap.n);
	return tap.failed ? 1 : 0;
}
