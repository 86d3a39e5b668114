// SPDX-License-Identifier: GPL-2.0
/*
 * hacc_stress: bounded concurrency stress of hisi_acc_vfio_pci.
 *
 *   hacc_stress [--seconds S] [--seed N] [--rmmod] [--no-reset] [--no-reopen] VF...
 *
 * Per VF, three threads share one open device:
 *  - "state": random migration states (every state the driver offers);
 *    a returned data file replaces the VF's current one;
 *  - "data": reads the saving file (poll, read, PRECOPY_INFO) and writes
 *    random chunks (a good or a broken header) into the resuming file;
 *  - "misc": MIG_DATA_SIZE, get-state, VFIO_DEVICE_RESET, and now and then
 *    closes and reopens the device while the other two keep going.
 * With --rmmod one more thread keeps trying to unload the module; while
 * devices or data files are open that must fail with EWOULDBLOCK.
 *
 * Every call's result is counted per operation and errno.  A result the
 * documentation does not allow for that call, a call that takes longer
 * than HANG_S, or a VF that no longer completes a save and a resume at the
 * end fails the run.  Kernel splats are checked by the caller (the VM runner
 * fails on any) and also here, through /dev/kmsg.  Output is flat TAP.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "hacc_sys.h"
#include "hacc_vfio.h"
#include "robust.h"
#include "hisi_acc_vfio_pci_hw.h"

#define MAX_VFS		8
/*
 * Longest a call may take, from measurement: the slowest call of make
 * check's run (7.3 debug kernel under TCG, next to another guest) took
 * 0.95 s, and 2.3 s (a close/reopen) with three guests and a kernel build
 * sharing two CPUs.  10 s is over four times the worst seen, and still
 * catches a lost wake-up.
 */
#define HANG_S		10.0
#define REC		HACC_MIG_DATA_SIZE

enum op {
	OP_SET_STATE, OP_GET_STATE, OP_READ, OP_WRITE, OP_PRECOPY_INFO, OP_DATA_SIZE,
	OP_RESET, OP_REOPEN, OP_RMMOD, OP_POLL, NUM_OPS
};

static const char * const op_names[NUM_OPS] = {
	"set-state", "get-state", "read", "write", "precopy-info", "data-size",
	"reset", "close/reopen", "rmmod", "poll",
};

/* errnos each operation may return under concurrency (0 = success) */
static const int allowed[NUM_OPS][8] = {
	/*
	 * EINVAL: only from ERROR or for STOP_COPY -> PRE_COPY, which
	 * state_thread checks against the state around the call; EAGAIN: PF
	 * reset bit busy; ECANCELED: a reset landed between two arcs of the
	 * request
	 */
	[OP_SET_STATE] = { 0, EINVAL, EAGAIN, EPROTO, ENODATA, EFBIG, ECANCELED, -1 },
	[OP_GET_STATE] = { 0, -1 },
	/* ENODEV: the file's session ended; ENOMSG: PRE_COPY temporary end */
	[OP_READ] = { 0, ENODEV, ENOMSG, -1 },
	/* a stream refused at RESUMING->STOP keeps refusing with that errno */
	[OP_WRITE] = { 0, ENODEV, EPROTO, EFBIG, ENODATA, EAGAIN, -1 },
	[OP_PRECOPY_INFO] = { 0, EINVAL, ENODEV, -1 },
	[OP_DATA_SIZE] = { 0, -1 },
	[OP_RESET] = { 0, -1 },
	[OP_REOPEN] = { 0, -1 },
	[OP_RMMOD] = { EWOULDBLOCK, -1 },
	[OP_POLL] = { 0, -1 },
};

#define MAX_ERRNO 160
static atomic_ullong counts[NUM_OPS][MAX_ERRNO];
static atomic_ullong unexpected, hangs, splats;
static atomic_bool stop;
static double t_end, max_call[NUM_OPS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long seed;
static bool do_rmmod, no_reset, no_reopen;

static __u64 rnd(__u64 *s)
{
	return robust_rnd(s);
}

/* One VF: the device may be swapped by a reopen, data files by arcs */
struct vf {
	const char *bdf;
	pthread_rwlock_t dev_lock;	/* write: reopen; read: any use of dev.fd */
	struct hl_dev dev;
	pthread_mutex_t fd_lock;
	int save_fd, resume_fd;
	struct hacc_mig_data good;
	size_t good_len;
};

static struct vf vfs[MAX_VFS];
static int nvfs;

/* Account one call: err is 0 or a positive errno */
static void account(enum op op, int err, double t0, const char *bdf)
{
	double dt = robust_now() - t0;
	int i;

	counts[op][err < MAX_ERRNO ? err : MAX_ERRNO - 1]++;
	pthread_mutex_lock(&lock);
	if (dt > max_call[op])
		max_call[op] = dt;
	pthread_mutex_unlock(&lock);
	if (dt > HANG_S) {
		hangs++;
		printf("# HANG? %s on %s took %.1f s\n", op_names[op], bdf, dt);
	}
	for (i = 0; allowed[op][i] != -1; i++)
		if (allowed[op][i] == err)
			return;
	if (unexpected++ < 10)
		printf("# UNEXPECTED %s on %s: %s\n", op_names[op], bdf, strerror(err));
}

/* A private copy of the VF's current data file, or -1 */
static int take_fd(struct vf *v, bool saving)
{
	int fd;

	pthread_mutex_lock(&v->fd_lock);
	fd = saving ? v->save_fd : v->resume_fd;
	fd = fd >= 0 ? dup(fd) : -1;
	pthread_mutex_unlock(&v->fd_lock);
	return fd;
}

static void put_fd(struct vf *v, int fd, bool saving)
{
	int old;

	pthread_mutex_lock(&v->fd_lock);
	if (saving) {
		old = v->save_fd;
		v->save_fd = fd;
	} else {
		old = v->resume_fd;
		v->resume_fd = fd;
	}
	pthread_mutex_unlock(&v->fd_lock);
	if (old >= 0)
		close(old);
}

static void *state_thread(void *arg)
{
	static const __u32 targets[] = {
		VFIO_DEVICE_STATE_RUNNING, VFIO_DEVICE_STATE_STOP,
		VFIO_DEVICE_STATE_PRE_COPY, VFIO_DEVICE_STATE_STOP_COPY,
		VFIO_DEVICE_STATE_RESUMING,
	};
	struct vf *v = arg;
	__u64 r = seed ^ (__u64)(v - vfs) << 8;
	__u32 target;
	int ret, fd;
	double t0;

	while (!stop) {
		__u32 s0 = ~0u, s = ~0u;

		target = targets[rnd(&r) % 5];
		pthread_rwlock_rdlock(&v->dev_lock);
		hl_mig_get_state(&v->dev, &s0);
		t0 = robust_now();
		ret = hl_mig_set_state(&v->dev, target, &fd);
		if (ret == -EINVAL)
			hl_mig_get_state(&v->dev, &s);
		pthread_rwlock_unlock(&v->dev_lock);
		account(OP_SET_STATE, -ret, t0, v->bdf);
		if (!ret && fd >= 0)
			put_fd(v, fd, target != VFIO_DEVICE_STATE_RESUMING);
		/*
		 * Only the ERROR state and the one arc vfio core refuses may
		 * give EINVAL.  Only this thread moves the state, apart from a
		 * reset or reopen of misc_thread, which makes it RUNNING (every
		 * target allowed): the state before or after the call is the
		 * one the call saw.
		 */
		if (ret == -EINVAL && s0 != VFIO_DEVICE_STATE_ERROR && s != VFIO_DEVICE_STATE_ERROR &&
		    !(target == VFIO_DEVICE_STATE_PRE_COPY && (s0 == VFIO_DEVICE_STATE_STOP_COPY ||
							    s == VFIO_DEVICE_STATE_STOP_COPY)) &&
		    unexpected++ < 10)
			printf("# UNEXPECTED set-state %s -> %s on %s: EINVAL, state after %s\n",
			       hl_state_name(s0), hl_state_name(target), v->bdf,
			       hl_state_name(s));
		if (ret == -EINVAL) {
			/* ERROR state, or an arc refused: a reset gets it going */
			pthread_rwlock_rdlock(&v->dev_lock);
			if (!hl_mig_get_state(&v->dev, &s) && s == VFIO_DEVICE_STATE_ERROR) {
				t0 = robust_now();
				ret = hl_dev_reset(&v->dev);
				account(OP_RESET, -ret, t0, v->bdf);
			}
			pthread_rwlock_unlock(&v->dev_lock);
		}
		usleep(rnd(&r) % 2000);
	}
	return NULL;
}

static void *data_thread(void *arg)
{
	struct vf *v = arg;
	__u64 r = seed ^ ((__u64)(v - vfs) << 8) ^ 0x5555;
	struct vfio_precopy_info info;
	struct pollfd pfd;
	__u8 buf[REC + 16];
	size_t n;
	ssize_t got;
	int fd, err;
	double t0;

	while (!stop) {
		if (rnd(&r) & 1) {
			fd = take_fd(v, true);
			if (fd >= 0) {
				pfd.fd = fd;
				pfd.events = POLLIN;
				t0 = robust_now();
				err = poll(&pfd, 1, 0) < 0 ? errno : 0;
				account(OP_POLL, err, t0, v->bdf);
				t0 = robust_now();
				err = hl_precopy_info(fd, &info);
				account(OP_PRECOPY_INFO, -err, t0, v->bdf);
				n = 1 + rnd(&r) % sizeof(buf);
				t0 = robust_now();
				got = read(fd, buf, n);
				account(OP_READ, got < 0 ? errno : 0, t0, v->bdf);
				close(fd);
			}
		} else {
			fd = take_fd(v, false);
			if (fd >= 0) {
				memcpy(buf, &v->good, REC);
				if (rnd(&r) % 4 == 0)
					buf[rnd(&r) % 40] ^= 0xff;	/* a broken header */
				n = 1 + rnd(&r) % REC;
				t0 = robust_now();
				got = write(fd, buf, n);
				account(OP_WRITE, got < 0 ? errno : 0, t0, v->bdf);
				close(fd);
			}
		}
		usleep(rnd(&r) % 1000);
	}
	return NULL;
}

static void *misc_thread(void *arg)
{
	struct vf *v = arg;
	__u64 r = seed ^ ((__u64)(v - vfs) << 8) ^ 0xaaaa, sz;
	__u32 s;
	int ret;
	double t0;

	while (!stop) {
		unsigned int what = rnd(&r) % 100;

		if (what < 40) {
			pthread_rwlock_rdlock(&v->dev_lock);
			t0 = robust_now();
			ret = hl_mig_data_size(&v->dev, &sz);
			account(OP_DATA_SIZE, -ret, t0, v->bdf);
			if (!ret && sz != REC && unexpected++ < 10)
				printf("# UNEXPECTED data size %llu on %s\n",
				       (unsigned long long)sz, v->bdf);
			pthread_rwlock_unlock(&v->dev_lock);
		} else if (what < 80) {
			pthread_rwlock_rdlock(&v->dev_lock);
			t0 = robust_now();
			ret = hl_mig_get_state(&v->dev, &s);
			pthread_rwlock_unlock(&v->dev_lock);
			account(OP_GET_STATE, -ret, t0, v->bdf);
		} else if (what < 96) {
			if (no_reset)
				continue;
			pthread_rwlock_rdlock(&v->dev_lock);
			t0 = robust_now();
			ret = hl_dev_reset(&v->dev);
			pthread_rwlock_unlock(&v->dev_lock);
			account(OP_RESET, -ret, t0, v->bdf);
		} else if (!no_reopen) {
			/* close and reopen under the other threads' feet */
			pthread_rwlock_wrlock(&v->dev_lock);
			t0 = robust_now();
			hl_dev_close(&v->dev);
			ret = hl_dev_open(&v->dev, v->bdf, HACC_OPEN_CDEV);
			pthread_rwlock_unlock(&v->dev_lock);
			account(OP_REOPEN, -ret, t0, v->bdf);
			if (ret) {
				printf("# reopen of %s: %s\n", v->bdf, hl_last_error());
				stop = true;
			}
		}
		usleep(rnd(&r) % 5000);
	}
	return NULL;
}

static void *rmmod_thread(void *arg)
{
	double t0;
	long ret;

	(void)arg;
	while (!stop) {
		t0 = robust_now();
		ret = syscall(SYS_delete_module, "hisi_acc_vfio_pci", O_NONBLOCK);
		account(OP_RMMOD, ret ? errno : 0, t0, "module");
		if (!ret) {
			printf("# the module unloaded while devices were open\n");
			stop = true;
		}
		usleep(50000);
	}
	return NULL;
}

static void *kmsg_thread(void *arg)
{
	struct hl_kmsg k;
	char text[1024];
	int level, ret;

	(void)arg;
	if (hl_kmsg_open(&k))
		return NULL;
	for (;;) {
		while ((ret = hl_kmsg_next(&k, &level, text, sizeof(text))) > 0) {
			if (hl_kmsg_is_splat(text)) {
				splats++;
				printf("# KERNEL: %s\n", text);
			}
		}
		if (stop && ret == 0)
			break;
		usleep(100000);
	}
	hl_kmsg_close(&k);
	return NULL;
}

/* After the storm: a clean save and resume on the VF */
static int settle(struct vf *v)
{
	__u8 buf[REC];
	size_t len = 0;
	int fd = -1, ret;

	put_fd(v, -1, true);
	put_fd(v, -1, false);
	ret = hl_dev_reset(&v->dev);
	if (!ret)
		ret = hl_mig_set_state(&v->dev, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	if (!ret)
		ret = hl_mig_read_all(fd, buf, sizeof(buf), &len);
	if (fd >= 0)
		close(fd);
	fd = -1;
	if (!ret && len != REC && len != HACC_MIG_MATCH_SIZE)
		ret = hl_fail(EPROTO, "saved %zu bytes", len);
	if (!ret)
		ret = hl_mig_set_state(&v->dev, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (!ret)
		ret = hl_mig_write_all(fd, buf, len);
	if (fd >= 0)
		close(fd);
	if (!ret)
		ret = hl_mig_set_state(&v->dev, VFIO_DEVICE_STATE_RUNNING, NULL);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seconds", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "rmmod", no_argument, NULL, 'r' },
		/* to narrow a failure down */
		{ "no-reset", no_argument, NULL, 'R' },
		{ "no-reopen", no_argument, NULL, 'O' },
		{}
	};
	pthread_t th[3 * MAX_VFS + 2];
	double seconds = 60, t0, last;
	unsigned long long total = 0, c;
	struct robust_tap tap = {};
	int nth = 0, i, j, o;

	seed = (unsigned long long)time(NULL);
	while ((o = getopt_long(argc, argv, "t:s:rRO", lopts, NULL)) != -1) {
		switch (o) {
		case 't': seconds = strtod(optarg, NULL); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'r': do_rmmod = true; break;
		case 'R': no_reset = true; break;
		case 'O': no_reopen = true; break;
		default:
			fprintf(stderr, "usage: %s [--seconds S] [--seed N] [--rmmod] VF...\n", argv[0]);
			return 2;
		}
	}
	nvfs = argc - optind;
	if (nvfs < 1 || nvfs > MAX_VFS) {
		fprintf(stderr, "%s: give 1..%d VFs\n", argv[0], MAX_VFS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n# seed %#llx, %.0f s, %d VF(s)%s\n", seed, seconds, nvfs,
	       do_rmmod ? ", rmmod attempts" : "");

	for (i = 0; i < nvfs; i++) {
		struct vf *v = &vfs[i];
		int fd = -1;

		v->bdf = argv[optind + i];
		v->save_fd = v->resume_fd = -1;
		pthread_rwlock_init(&v->dev_lock, NULL);
		pthread_mutex_init(&v->fd_lock, NULL);
		if (hl_dev_open(&v->dev, v->bdf, HACC_OPEN_CDEV) ||
		    hl_mig_set_state(&v->dev, VFIO_DEVICE_STATE_STOP_COPY, &fd) ||
		    hl_mig_read_all(fd, &v->good, sizeof(v->good), &v->good_len) ||
		    hl_mig_set_state(&v->dev, VFIO_DEVICE_STATE_RUNNING, NULL)) {
			printf("not ok 1 - set-up of %s: %s\n1..1\n", v->bdf, hl_last_error());
			return 1;
		}
		close(fd);
	}
	for (i = 0; i < nvfs; i++)
		robust_result(&tap, vfs[i].good.magic == HACC_MIG_MAGIC_V2 &&
			      (vfs[i].good_len == REC || vfs[i].good_len == HACC_MIG_MATCH_SIZE),
			      "%s opened, saved a %zu-byte record with magic %#llx", vfs[i].bdf,
			      vfs[i].good_len, (unsigned long long)vfs[i].good.magic);

	t0 = robust_now();
	t_end = t0 + seconds;
	pthread_create(&th[nth++], NULL, kmsg_thread, NULL);
	for (i = 0; i < nvfs; i++) {
		pthread_create(&th[nth++], NULL, state_thread, &vfs[i]);
		pthread_create(&th[nth++], NULL, data_thread, &vfs[i]);
		pthread_create(&th[nth++], NULL, misc_thread, &vfs[i]);
	}
	if (do_rmmod)
		pthread_create(&th[nth++], NULL, rmmod_thread, NULL);

	/* watchdog: stop at the end; a thread stuck in a call is a hang */
	last = t0;
	while (!stop && robust_now() < t_end) {
		sleep(1);
		for (c = 0, i = 0; i < NUM_OPS; i++)
			for (j = 0; j < MAX_ERRNO; j++)
				c += counts[i][j];
		if (c != total) {
			total = c;
			last = robust_now();
		} else if (robust_now() - last > HANG_S) {
			hangs++;
			printf("# no call completed for %.0f s\n", robust_now() - last);
			break;
		}
	}
	stop = true;
	for (i = 1; i < nth; i++)
		pthread_join(th[i], NULL);
	pthread_join(th[0], NULL);
	printf("# ran %.1f s\n", robust_now() - t0);

	for (i = 0; i < NUM_OPS; i++) {
		char line[512];
		size_t n = 0;

		n += snprintf(line + n, sizeof(line) - n, "# %-13s max %.3f s:", op_names[i],
			      max_call[i]);
		for (j = 0; j < MAX_ERRNO && n < sizeof(line) - 40; j++)
			if (counts[i][j])
				n += snprintf(line + n, sizeof(line) - n, " %s %llu",
					      j ? strerrorname_np(j) : "ok",
					      (unsigned long long)counts[i][j]);
		printf("%s\n", line);
	}

	robust_result(&tap, total > 0, "stress: %llu calls in %.0f s", total, seconds);
	robust_result(&tap, !unexpected, "stress: every call returned a documented result (%llu not)",
	       (unsigned long long)unexpected);
	robust_result(&tap, !hangs, "stress: no call took longer than %.0f s", HANG_S);
	robust_result(&tap, !splats, "stress: no kernel splat (%llu lines)", (unsigned long long)splats);
	if (do_rmmod)
		robust_result(&tap, counts[OP_RMMOD][EWOULDBLOCK] > 0 && !counts[OP_RMMOD][0],
		       "stress: module unload refused while busy (%llu attempts)",
		       (unsigned long long)counts[OP_RMMOD][EWOULDBLOCK]);
	for (i = 0; i < nvfs; i++) {
		int ret = settle(&vfs[i]);

		robust_result(&tap, !ret, "stress: %s saves and resumes cleanly afterwards%s%s", vfs[i].bdf,
		       ret ? ": " : "", ret ? hl_last_error() : "");
		put_fd(&vfs[i], -1, true);
		put_fd(&vfs[i], -1, false);
		hl_dev_close(&vfs[i].dev);
	}
	printf("1..%d\n", tap.n);
	return tap.failed ? 1 : 0;
}
