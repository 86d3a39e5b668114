// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs and model-window helpers; see hacc_sys.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "hacc_sys.h"
#include "hacc_vfio.h"
/* The model's control window exists only next to the QEMU model's sources */
#if __has_include("hacc-model-ctl.h")
#include "hacc-model-ctl.h"
#define HACC_HAVE_MODEL_CTL 1
#endif

/* SR-IOV allows up to 256 VFs per PF in one bus range */
#define HACC_MAX_VFS	256

int hl_bdf_norm(const char *in, char *out, size_t len)
{
	/* accept "03:00.1" as shorthand for domain 0000 */
	bool short_form = strchr(in, ':') == strrchr(in, ':');
	size_t n = strlen(in) + (short_form ? 5 : 0);

	if (!strchr(in, ':') || n >= len)
		return -EINVAL;
	strcpy(out, short_form ? "0000:" : "");
	strcat(out, in);
	return 0;
}

int hl_sys_link(const char *bdf, const char *link, char *out, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX], b[32];
	const char *base;
	ssize_t n;

	if (hl_bdf_norm(bdf, b, sizeof(b)))
		return -EINVAL;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", b, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(out, base);
	return 0;
}

int hl_sys_driver(const char *bdf, char *out, size_t len)
{
	return hl_sys_link(bdf, "driver", out, len);
}

int hl_sys_pf(const char *vf_bdf, char *out, size_t len)
{
	return hl_sys_link(vf_bdf, "physfn", out, len);
}

bool hl_sys_cfg_rw(const char *bdf, unsigned int off, void *buf, size_t len, bool write)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, write ? O_WRONLY : O_RDONLY);
	if (fd < 0)
		return false;
	n = write ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);
	close(fd);
	return n == (ssize_t)len;
}

unsigned int hl_sys_sriov_cap(const char *bdf)
{
	unsigned int off = 0x100, guard = 64;
	__u32 hdr;

	while (off && guard-- && hl_sys_cfg_rw(bdf, off, &hdr, sizeof(hdr), false)) {
		if ((hdr & 0xffff) == 0x10)	/* PCI_EXT_CAP_ID_SRIOV */
			return off;
		off = hdr >> 20;
	}
	return 0;
}

int hl_sys_vf_fn(const char *vf_bdf)
{
	char pf[32], link[32], name[32], b[32];
	int i;

	if (hl_bdf_norm(vf_bdf, b, sizeof(b)) || hl_sys_pf(b, pf, sizeof(pf)))
		return -ENODEV;
	for (i = 0; i < HACC_MAX_VFS; i++) {
		snprintf(link, sizeof(link), "virtfn%d", i);
		if (hl_sys_link(pf, link, name, sizeof(name)))
			break;
		if (!strcmp(name, b))
			return i + 1;
	}
	return -ENODEV;
}

/* The srcversion= string in a module file's .modinfo, or "" */
static void ko_srcversion(const char *path, char *out, size_t len)
{
	static const char key[] = "srcversion=";
	struct stat sb;
	const char *p, *end;
	void *map;
	int fd;

	out[0] = '\0';
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	if (fstat(fd, &sb) || !sb.st_size) {
		close(fd);
		return;
	}
	map = mmap(NULL, sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return;
	p = memmem(map, sb.st_size, key, sizeof(key) - 1);
	if (p) {
		p += sizeof(key) - 1;
		end = memchr(p, '\0', (const char *)map + sb.st_size - p);
		if (end && (size_t)(end - p) < len) {
			memcpy(out, p, end - p);
			out[end - p] = '\0';
		}
	}
	munmap(map, sb.st_size);
}

static void read_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");

	out[0] = '\0';
	if (!f)
		return;
	if (fgets(out, len, f))
		out[strcspn(out, "\n")] = '\0';
	else
		out[0] = '\0';
	fclose(f);
}

enum hl_flavour hl_flavour(void)
{
	const char *env = getenv("HACC_DRIVER"), *moddir = getenv("HACC_MODDIR");
	char taint[32], loaded[64], ours[64], path[PATH_MAX];

	if (env && !strcmp(env, "ours"))
		return HACC_DRV_OURS;
	if (env && !strcmp(env, "mainline"))
		return HACC_DRV_MAINLINE;
	if (access("/sys/module/hisi_acc_vfio_pci", F_OK))
		return HACC_DRV_NONE;
	/* our build next to the tests (tools/vm/run sets HACC_MODDIR)? */
	if (moddir && *moddir) {
		snprintf(path, sizeof(path), "%s/hisi_acc_vfio_pci.ko", moddir);
		ko_srcversion(path, ours, sizeof(ours));
		read_line("/sys/module/hisi_acc_vfio_pci/srcversion", loaded, sizeof(loaded));
		if (ours[0] && loaded[0])
			return strcmp(ours, loaded) ? HACC_DRV_MAINLINE : HACC_DRV_OURS;
	}
	/* else: insmod of an out-of-tree build taints with 'O', in-tree does not */
	read_line("/sys/module/hisi_acc_vfio_pci/taint", taint, sizeof(taint));
	return strchr(taint, 'O') ? HACC_DRV_OURS : HACC_DRV_MAINLINE;
}

const char *hl_flavour_name(enum hl_flavour f)
{
	switch (f) {
	case HACC_DRV_OURS: return "ours";
	case HACC_DRV_MAINLINE: return "mainline";
	default: return "none";
	}
}

int hl_sys_dbg_pread(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got + 1 < len) {
		n = pread(fd, buf + got, len - 1 - got, got);
		if (n < 0)
			return -errno;
		if (!n)
			break;
		got += n;
	}
	buf[got] = '\0';
	return got;
}

int hl_sys_dbg_open(const char *bdf, const char *name)
{
	char path[PATH_MAX], b[32];
	struct dirent *de;
	DIR *dir;
	int fd;

	if (hl_bdf_norm(bdf, b, sizeof(b)))
		return -EINVAL;
	/* without CONFIG_VFIO_DEBUGFS the driver has its own directory */
	snprintf(path, sizeof(path), "/sys/kernel/debug/hisi_acc_vfio_pci/%s/%s", b, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT)
		return fd < 0 ? -errno : fd;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", b);
	dir = opendir(path);
	if (!dir)
		return -ENOENT;
	fd = -ENOENT;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/vfio/%s/hisi_acc/%s",
			 de->d_name, name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
		break;
	}
	closedir(dir);
	return fd;
}

int hl_sys_dbg_read(const char *bdf, const char *name, char *buf, size_t len)
{
	int fd = hl_sys_dbg_open(bdf, name), ret;

	if (fd < 0)
		return fd;
	ret = hl_sys_dbg_pread(fd, buf, len);
	close(fd);
	return ret;
}

int hl_kmsg_open(struct hl_kmsg *k)
{
	k->lost = 0;
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return hl_fail(errno, "open /dev/kmsg");
	if (lseek(k->fd, 0, SEEK_END) < 0) {
		int err = errno;

		close(k->fd);
		k->fd = -1;
		return hl_fail(err, "seek to the end of /dev/kmsg");
	}
	return 0;
}

void hl_kmsg_close(struct hl_kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

int hl_kmsg_next(struct hl_kmsg *k, int *level, char *text, size_t len)
{
	char rec[2048], *msg;
	ssize_t n;

	for (;;) {
		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n >= 0)
			break;
		if (errno == EAGAIN)
			return 0;
		if (errno != EPIPE)
			return hl_fail(errno, "read /dev/kmsg");
		/* overwritten before we got to it: count and go on */
		k->lost++;
	}
	rec[n] = '\0';
	/* "prefix,seq,usec,flags;text\n[ KEY=value\n]..." */
	*level = atoi(rec) & 7;
	msg = strchr(rec, ';');
	msg = msg ? msg + 1 : rec;
	msg[strcspn(msg, "\n")] = '\0';
	snprintf(text, len, "%s", msg);
	return 1;
}

bool hl_kmsg_is_splat(const char *text)
{
	static const char * const marks[] = {
		"WARNING:", "BUG:", "KASAN:", "UBSAN:", "Oops", "Kernel panic",
		"general protection fault", "possible circular locking",
		"possible recursive locking", "inconsistent lock state",
		"suspicious RCU usage", "blocked for more than", "soft lockup",
		"hard LOCKUP", "unreferenced object", "DEBUG_LOCKS_WARN_ON",
		"Call Trace:",
	};
	size_t i;

	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strstr(text, marks[i]))
			return true;
	return false;
}

#ifdef HACC_HAVE_MODEL_CTL
int hl_model_open(struct hl_model *m, const char *pf_bdf)
{
	char path[PATH_MAX], b[32];
	void *p;
	__u64 v;

	m->fd = -1;
	m->regs = NULL;
	if (hl_bdf_norm(pf_bdf, b, sizeof(b)))
		return hl_fail(EINVAL, "bad PCI address '%s'", pf_bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%d", b, HACC_CTL_BAR);
	m->fd = open(path, O_RDWR | O_SYNC);
	if (m->fd < 0)
		return hl_fail(errno, "open %s (model control window)", path);
	p = mmap(NULL, HACC_CTL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (p == MAP_FAILED) {
		int err = errno;

		close(m->fd);
		m->fd = -1;
		return hl_fail(err, "mmap %s", path);
	}
	m->regs = p;
	if (hl_model_read(m, HACC_CTL_MAGIC) != HACC_CTL_MAGIC_VALUE) {
		hl_model_close(m);
		return hl_fail(ENODEV, "%s: BAR4 is not the hacc model control window", b);
	}
	/* version 5 laid the counter blocks out HACC_CTL_FN_STRIDE apart */
	v = hl_model_read(m, HACC_CTL_VERSION);
	if (v < 5) {
		hl_model_close(m);
		return hl_fail(ENODEV, "%s: model control window version %llu, not the layout of this build (5)",
			       b, (unsigned long long)v);
	}
	return 0;
}

void hl_model_close(struct hl_model *m)
{
	if (m->regs)
		munmap((void *)m->regs, HACC_CTL_SIZE);
	if (m->fd >= 0)
		close(m->fd);
	m->regs = NULL;
	m->fd = -1;
}

__u64 hl_model_read(struct hl_model *m, unsigned int off)
{
	return m->regs[off / 8];
}

void hl_model_write(struct hl_model *m, unsigned int off, __u64 val)
{
	m->regs[off / 8] = val;
}

__u64 hl_model_fn_counter(struct hl_model *m, int fn, unsigned int counter)
{
	return hl_model_read(m, HACC_CTL_FN(fn) + counter);
}

__u64 hl_model_drops(struct hl_model *m, int fn, char *why, size_t len)
{
	static const char * const reasons[] = HACC_CTL_DROP_WHY;
	__u64 n = hl_model_fn_counter(m, fn, HACC_CTL_JOBS_DROPPED);
	__u64 last = hl_model_fn_counter(m, fn, HACC_CTL_LAST_DROP);
	unsigned int r = last & 0xff, qn = (last >> 16) & 0xffff, slot = (last >> 32) & 0xffff;
	const char *what = "unknown reason";

	if (r < sizeof(reasons) / sizeof(reasons[0]) && reasons[r])
		what = reasons[r];
	if (!len)
		return n;
	why[0] = 0;
	if (last && slot == HACC_CTL_DROP_NO_SLOT)
		snprintf(why, len, "%s (SQ %u)", what, qn);
	else if (last)
		snprintf(why, len, "%s (SQ %u slot %u)", what, qn, slot);
	return n;
}
#else
int hl_model_open(struct hl_model *m, const char *pf_bdf)
{
	m->fd = -1;
	m->regs = NULL;
	return hl_fail(ENOTSUP, "%s: built without the QEMU model's control window header",
			 pf_bdf);
}

void hl_model_close(struct hl_model *m)
{
	m->regs = NULL;
}

__u64 hl_model_read(struct hl_model *m, unsigned int off)
{
	(void)m;
	(void)off;
	return 0;
}

void hl_model_write(struct hl_model *m, unsigned int off, __u64 val)
{
	(void)m;
	(void)off;
	(void)val;
}

__u64 hl_model_fn_counter(struct hl_model *m, int fn, unsigned int counter)
{
	(void)m;
	(void)fn;
	(void)counter;
	return 0;
}

__u64 hl_model_drops(struct hl_model *m, int fn, char *why, size_t len)
{
	(void)m;
	(void)fn;
	if (len)
		why[0] = 0;
	return 0;
}
#endif /* HACC_HAVE_MODEL_CTL */
