// SPDX-License-Identifier: GPL-2.0
/*
 * A VF bound to hisi_acc_vfio_pci with migration off (a QM before V3, or
 * the PF's driver not loaded or not bound to the PF) must be a plain
 * vfio-pci device (Documentation/admin-guide.rst, "migration off"): no
 * VFIO_DEVICE_FEATURE_MIGRATION, the whole of BAR 2 readable and
 * mappable, VFIO_DEVICE_IOEVENTFD accepted in its upper half.
 * run-mig-off.sh runs it once per reason (suite "... migration off").
 *
 * Devices: hacc_mig_off VF [harness options] or HACC_VF_A.  The VF is
 * opened through its group: with the PF bound to vfio-pci it needs the
 * PF's VF token: with HACC_VF_TOKEN (a UUID) the test sets it on the PF
 * and opens the VF with it (the device cdev takes a token only in 7.x).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"

#include "hacc_sys.h"
#include "hacc_vfio.h"
#include "harness_dev.h"

/* BAR 2 of a QM VF and where a migrating driver hides its upper half */
#define BAR		2
#define BAR_SIZE	0x10000
#define UPPER		0x8000

static const char *vf;

FIXTURE(off) {
	struct hl_dev d;
};

/*
 * With the PF bound to vfio-pci, give it the VF token HACC_VF_TOKEN (its
 * own is random) so that the VF can be opened with it.
 */
static int pf_token(const char *token)
{
	struct {
		struct vfio_device_feature f;
		__u8 uuid[16];
	} q = {
		.f.argsz = sizeof(q),
		.f.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
	};
	struct hl_dev pf = { .fd = -1 };
	char bdf[32], drv[64] = "";
	unsigned int i = 0, b;
	int r;

	if (hl_sys_pf(vf, bdf, sizeof(bdf)) || hl_sys_driver(bdf, drv, sizeof(drv)) ||
	    strcmp(drv, "vfio-pci"))
		return 0;
	for (; *token && i < sizeof(q.uuid); token++) {
		if (*token == '-')
			continue;
		if (sscanf(token, "%2x", &b) != 1)
			return -EINVAL;
		q.uuid[i++] = b;
		token++;
	}
	if (i != sizeof(q.uuid))
		return -EINVAL;
	r = hl_dev_open(&pf, bdf, HACC_OPEN_GROUP);
	if (!r && ioctl(pf.fd, VFIO_DEVICE_FEATURE, &q))
		r = hl_fail(errno, "%s: VFIO_DEVICE_FEATURE_PCI_VF_TOKEN", bdf);
	hl_dev_close(&pf);
	return r;
}

FIXTURE_SETUP(off)
{
	char drv[64] = "";

	self->d.fd = -1;
	if (!vf || hl_sys_driver(vf, drv, sizeof(drv)) || strcmp(drv, "hisi_acc_vfio_pci")) {
		/* HACC_REQUIRE_DEVICE=1: a failure, not a skip */
		ASSERT_EQ(NULL, getenv("HACC_REQUIRE_DEVICE"));
		SKIP(return, "no VF bound to hisi_acc_vfio_pci (HACC_VF_A)");
	}
	if (getenv("HACC_VF_TOKEN") && pf_token(getenv("HACC_VF_TOKEN")))
		TH_LOG("%s", hl_last_error());
	if (hl_dev_open(&self->d, vf, HACC_OPEN_GROUP))
		TH_LOG("%s", hl_last_error());
	ASSERT_LE(0, self->d.fd);
}

FIXTURE_TEARDOWN(off)
{
	hl_dev_close(&self->d);
}

TEST_F(off, no_migration_feature)
{
	struct {
		struct vfio_device_feature f;
		struct vfio_device_feature_migration m;
	} q = {
		.f.argsz = sizeof(q),
		.f.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
			   VFIO_DEVICE_FEATURE_MIGRATION,
	};

	ASSERT_EQ(-1, ioctl(self->d.fd, VFIO_DEVICE_FEATURE, &q));
	ASSERT_EQ(ENOTTY, errno);
	q.f.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE;
	ASSERT_EQ(-1, ioctl(self->d.fd, VFIO_DEVICE_FEATURE, &q));
	ASSERT_EQ(ENOTTY, errno);
}

TEST_F(off, whole_bar2)
{
	struct hl_region *r = &self->d.bar[BAR];
	__u32 v[4];
	void *p;

	ASSERT_EQ((__u64)BAR_SIZE, r->size);
	ASSERT_TRUE(!!(r->flags & VFIO_REGION_INFO_FLAG_READ));
	ASSERT_TRUE(!!(r->flags & VFIO_REGION_INFO_FLAG_MMAP));
	/* the upper half through read() and through a mapping */
	ASSERT_EQ((ssize_t)sizeof(v), hl_bar_pread(&self->d, BAR, UPPER, v, sizeof(v)));
	p = mmap(NULL, BAR_SIZE, PROT_READ, MAP_SHARED, self->d.fd, r->offset);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, memcmp(v, (char *)p + UPPER, sizeof(v)));
	munmap(p, BAR_SIZE);
}

TEST_F(off, ioeventfd_allowed)
{
	struct vfio_device_ioeventfd ev = {
		.argsz = sizeof(ev),
		.flags = VFIO_DEVICE_IOEVENTFD_32,
		.offset = self->d.bar[BAR].offset + UPPER + 0x100,
	};
	int efd = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, efd);
	ev.fd = efd;
	if (ioctl(self->d.fd, VFIO_DEVICE_IOEVENTFD, &ev)) {
		TH_LOG("ioeventfd at BAR 2 + %#x: %s", UPPER + 0x100, strerror(errno));
		ASSERT_TRUE(false);
	}
	/* and taken away again */
	ev.fd = -1;
	ASSERT_EQ(0, ioctl(self->d.fd, VFIO_DEVICE_IOEVENTFD, &ev));
	close(efd);
}

int main(int argc, char **argv)
{
	vf = harness_dev_arg(&argc, &argv, "HACC_VF_A");
	return test_harness_run(argc, argv);
}
