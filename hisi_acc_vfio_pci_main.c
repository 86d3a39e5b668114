// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO variant driver for the virtual functions of HiSilicon QM based
 * accelerators (ZIP, SEC, HPRE), with STOP_COPY, PRE_COPY and P2P live
 * migration.
 *
 * A VF's migratable state is small: a handful of QM registers, the event
 * queue contexts and four DMA base addresses, 176 bytes in all.  The first
 * 40 bytes ("match data") only describe the VF's configuration, which the
 * guest cannot change, so they are captured when PRE_COPY starts and sent
 * while the VM still runs; a destination checks them as soon as they arrive.
 * The rest is captured after the VF has been paused.
 *
 * Documentation/migration-stream.rst describes the record and its errors.
 */

#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/hisi_acc_qm.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "hisi_acc_vfio_pci.h"

/*
 * Kernel API differences.  This block and the ops-table glue it selects
 * below are the only places that know about kernel versions; both
 * have been build-tested against Debian's 6.12 and 7.3 sources.  Features
 * are detected by a definition that arrived with them, not by version:
 *  - vfio_device_ops.match_token_uuid (vf_token on iommufd bind, 6.17)
 *    came with VFIO_DEVICE_BIND_FLAG_TOKEN;
 *  - vfio_device_ops.get_region_info_caps (6.19), through which vfio core
 *    answers VFIO_DEVICE_GET_REGION_INFO instead of the driver's .ioctl,
 *    came with no macro: out of tree the Makefile looks for the member in
 *    the kernel's linux/vfio.h and defines HACC_HAVE_REGION_INFO_CAPS; in
 *    tree the vfio core is the current one, which has it;
 *  - kzalloc_obj() (7.0) is preferred where it exists.
 * The KUnit module imports its namespace with MODULE_INFO(import_ns, ...),
 * which reads the same on every version.
 */
#ifdef VFIO_DEVICE_BIND_FLAG_TOKEN
#define HACC_HAVE_MATCH_TOKEN_UUID	1
#else
#define HACC_HAVE_MATCH_TOKEN_UUID	0
#endif
#ifndef HACC_HAVE_REGION_INFO_CAPS
#define HACC_HAVE_REGION_INFO_CAPS	1
#endif
#ifdef kzalloc_obj
#define hacc_zalloc_obj(type, gfp)	kzalloc_obj(type, gfp)
#else
#define hacc_zalloc_obj(type, gfp)	kzalloc(sizeof(type), gfp)
#endif

/* vfio_device.debug_root exists only with CONFIG_DEBUG_FS in 6.12 */
static inline struct dentry *hacc_vfio_debug_root(struct vfio_device *vdev)
{
#ifdef CONFIG_DEBUG_FS
	return vdev->debug_root;
#else
	return NULL;
#endif
}

/* How long a migration arc or a VF reset waits for a PF reset to finish */
#define HACC_PF_WAIT_ARC_MS	1000
#define HACC_PF_WAIT_RESET_MS	10000

/* ---------------------------------------------------------------------- */
/* VFIO glue                                                              */
/* ---------------------------------------------------------------------- */

/**
 * struct hacc_vdev - one VF bound to this driver
 * @core: vfio-pci-core device (must stay first)
 * @mig: migration core (only used when @migratable)
 * @pf_qm: the PF's QM, or NULL if the PF driver was not found
 * @vf_io: the whole of VF BAR 2, mapped while the device is open
 * @mig_io: where the migration registers are: @vf_io, or the VF's window in
 *	the PF's BAR 2 (@pf_window)
 * @migratable: migration offered (QM V3 or later with a VF index)
 * @pf_window: above QM V3 with the PF window selected: the VF's BAR 2 holds
 *	no migration registers and is shown whole
 * @pf_held: reset_prepare took the PF's reset bit
 * @in_walk: hacc_set_state() is walking arcs (state_mutex held)
 * @walk_held: an arc of that walk took the PF's reset bit, kept to its end
 * @pf_sriov: offset of the PF's SR-IOV capability (its VF memory enable)
 * @pf_holds: how many times this VF holds the PF's reset bit (an arc and a
 *	reset may overlap)
 * @pf_hold_node: entry in hacc_holders while @pf_holds is not zero
 * @io_lock: held across each migration arc and from reset_prepare to
 *	reset_done, so a reset of this VF never lands inside its own arc
 * @dbg: our debugfs directory
 */
struct hacc_vdev {
	struct vfio_pci_core_device core;
	struct hacc_mig mig;
	struct hisi_qm *pf_qm;
	void __iomem *vf_io;
	void __iomem *mig_io;
	bool migratable;
	bool pf_window;
	bool pf_held;
	bool in_walk;
	bool walk_held;
	u16 pf_sriov;
	unsigned int pf_holds;
	struct list_head pf_hold_node;
	struct mutex io_lock; /* see hacc_set_state() */
	struct dentry *dbg;
};

static struct dentry *hacc_dbg_root;

static struct hacc_vdev *hacc_from_vdev(struct vfio_device *vdev)
{
	return container_of(vdev, struct hacc_vdev, core.vdev);
}

static struct hacc_vdev *hacc_from_mig(struct hacc_mig *mig)
{
	return container_of(mig, struct hacc_vdev, mig);
}

static u32 hacc_hw_vf_read(struct hacc_mig *mig, u32 off)
{
	return readl(hacc_from_mig(mig)->mig_io + off);
}

static void hacc_hw_vf_write(struct hacc_mig *mig, u32 off, u32 val)
{
	writel(val, hacc_from_mig(mig)->mig_io + off);
}

static void hacc_hw_vf_write64(struct hacc_mig *mig, u32 off, u64 val)
{
	writeq(val, hacc_from_mig(mig)->vf_io + off);
}

static void hacc_hw_mb_send(struct hacc_mig *mig, const u32 words[4])
{
	void __iomem *mb = hacc_from_mig(mig)->mig_io + HACC_MB_BASE;
#if IS_ENABLED(CONFIG_ARM64)
	u64 lo = words[0] | (u64)words[1] << 32;
	u64 hi = words[2] | (u64)words[3] << 32;

	/*
	 * The QM accepts a mailbox command only as one 128-bit store; the
	 * barrier orders earlier register writes before it.
	 */
	asm volatile("dmb oshst\n\tstp %x0, %x1, [%2]"
		     : : "r" (lo), "r" (hi), "r" ((void __force *)mb)
		     : "memory");
#else
	/* Elsewhere (the device model), the last word starts the command */
	writel_relaxed(words[0], mb);
	writel_relaxed(words[1], mb + 4);
	writel_relaxed(words[2], mb + 8);
	writel(words[3], mb + 12);
#endif
}

static void hacc_hw_mb_read(struct hacc_mig *mig, u32 words[4])
{
	const void __iomem *mb = hacc_from_mig(mig)->mig_io + HACC_MB_BASE;
#if IS_ENABLED(CONFIG_ARM64)
	u64 lo, hi;

	/*
	 * As for posting, the QM answers a mailbox read consistently only to
	 * one 128-bit load; the barrier orders it before later reads.
	 */
	asm volatile("ldp %x0, %x1, [%2]\n\tdmb oshld"
		     : "=&r" (lo), "=&r" (hi)
		     : "r" ((const void __force *)mb)
		     : "memory");
	words[0] = lower_32_bits(lo);
	words[1] = upper_32_bits(lo);
	words[2] = lower_32_bits(hi);
	words[3] = upper_32_bits(hi);
#else
	/*
	 * Elsewhere (the device model), word by word: the status, and the
	 * result words only once the status says done.  Word 3 is reserved
	 * and never used.
	 */
	words[0] = readl(mb);
	words[1] = 0;
	words[2] = 0;
	words[3] = 0;
	if (!(words[0] & HACC_MB_BUSY)) {
		words[1] = readl(mb + 4);
		words[2] = readl(mb + 8);
	}
#endif
}

static u32 hacc_hw_pf_read(struct hacc_mig *mig, u32 off)
{
	return readl(hacc_from_mig(mig)->pf_qm->io_base + off);
}

static void hacc_hw_pf_write(struct hacc_mig *mig, u32 off, u32 val)
{
	writel(val, hacc_from_mig(mig)->pf_qm->io_base + off);
}

/*
 * The PF driver owns QM_RESETTING while it resets the whole device; holding
 * it keeps a PF reset and our use of PF and VF registers apart.  The VFs of
 * one PF do not get in each other's way, so the bit is taken by the first
 * of them that needs it and released by the last: concurrent migrations
 * only ever wait for a PF reset, never for each other.  hacc_holders lists
 * the VFs that hold it, each once however many times it holds.
 */
static LIST_HEAD(hacc_holders);
static DEFINE_MUTEX(hacc_holders_lock);

/* With hacc_holders_lock: does another VF of the same PF hold the bit? */
static bool hacc_pf_held_by_other(struct hacc_vdev *hv)
{
	struct hacc_vdev *o;

	list_for_each_entry(o, &hacc_holders, pf_hold_node)
		if (o != hv && o->pf_qm == hv->pf_qm)
			return true;
	return false;
}

static int hacc_pf_hold(struct hacc_vdev *hv, unsigned int budget_ms)
{
	unsigned int waited = 0;

	for (;;) {
		mutex_lock(&hacc_holders_lock);
		if (hv->pf_holds || hacc_pf_held_by_other(hv) ||
		    !test_and_set_bit(QM_RESETTING, &hv->pf_qm->misc_ctl))
			break;
		mutex_unlock(&hacc_holders_lock);
		/* Only a PF reset gets here */
		if (waited >= budget_ms)
			return -EAGAIN;
		msleep(20);
		waited += 20;
	}
	if (!hv->pf_holds++)
		list_add(&hv->pf_hold_node, &hacc_holders);
	mutex_unlock(&hacc_holders_lock);
	return 0;
}

static void hacc_pf_unhold(struct hacc_vdev *hv)
{
	mutex_lock(&hacc_holders_lock);
	if (!--hv->pf_holds) {
		list_del(&hv->pf_hold_node);
		if (!hacc_pf_held_by_other(hv))
			clear_bit(QM_RESETTING, &hv->pf_qm->misc_ctl);
	}
	mutex_unlock(&hacc_holders_lock);
}

/*
 * The PF driver's controller reset turns memory decoding off on the PF and
 * its VFs before the platform resets the device, and on again only if that
 * succeeded.  After a failed one, registers read as nothing (all-ones on
 * the hardware, zeros under QEMU) and writes are dropped: an arc would save
 * or load garbage and report success.  With the PF's reset bit held.
 */
static bool hacc_decoding(struct hacc_vdev *hv)
{
	struct pci_dev *pf = pci_physfn(hv->core.pdev);
	u16 ctrl = 0;

	/*
	 * One config read: the reset turns the VFs' decoding (SR-IOV MSE)
	 * off before the PF's and back on after it, so whichever step
	 * failed, VF MSE is off; and the PF driver keeps the PF
	 * runtime-active while it has VFs, so the PF's own decoding does
	 * not go off alone.
	 */
	pci_read_config_word(pf, hv->pf_sriov + PCI_SRIOV_CTRL, &ctrl);
	return ctrl & PCI_SRIOV_CTRL_MSE;
}

static int hacc_hw_begin(struct hacc_mig *mig)
{
	struct hacc_vdev *hv = hacc_from_mig(mig);

	/* An earlier arc of this state change holds the bit and checked */
	if (hv->walk_held)
		return 0;
	if (hacc_pf_hold(hv, HACC_PF_WAIT_ARC_MS)) {
		dev_err_ratelimited(mig->dev, "migration: PF reset still running after %u ms\n",
				    HACC_PF_WAIT_ARC_MS);
		return -EAGAIN;
	}
	if (!hacc_decoding(hv)) {
		hacc_pf_unhold(hv);
		dev_err_ratelimited(mig->dev, "migration: PF or VF memory decoding off (failed PF reset?); not touching the device\n");
		return -EIO;
	}
	/* Within a state change, kept until its last arc (hacc_set_state()) */
	hv->walk_held = hv->in_walk;
	return 0;
}

static void hacc_hw_end(struct hacc_mig *mig)
{
	struct hacc_vdev *hv = hacc_from_mig(mig);

	if (!hv->walk_held)
		hacc_pf_unhold(hv);
}

static const struct hacc_io_ops hacc_hw_ops = {
	.vf_read = hacc_hw_vf_read,
	.vf_write = hacc_hw_vf_write,
	.vf_write64 = hacc_hw_vf_write64,
	.vf_mb_send = hacc_hw_mb_send,
	.vf_mb_read = hacc_hw_mb_read,
	.pf_read = hacc_hw_pf_read,
	.pf_write = hacc_hw_pf_write,
	.begin = hacc_hw_begin,
	.end = hacc_hw_end,
};

/* Migration files */

static int hacc_file_release(struct inode *inode, struct file *filp)
{
	struct hacc_stream *s = filp->private_data;
	struct hacc_vdev *hv = hacc_from_mig(s->mig);

	mutex_destroy(&s->lock);
	kfree(s);
	/* Drop the references taken in hacc_file_new() */
	put_device(hv->mig.dev);
	vfio_put_device(&hv->core.vdev);
	return 0;
}

/*
 * No lock of ours is held across a copy from or to user memory: the user
 * buffer may map this VF's own BAR, whose fault waits for vfio's
 * memory_lock, which a reset holds while reset_done closes the streams.
 * The record is small, so both directions go through a copy on the stack.
 *
 * A read takes its bytes out of the stream before copying them; if the
 * copy faults they are put back unless another reader took bytes after
 * them (concurrent readers of one stream get no ordering anyway).
 */
static ssize_t hacc_save_read(struct file *filp, char __user *buf, size_t len,
			      loff_t *pos)
{
	struct hacc_stream *s = filp->private_data;
	struct hacc_mig_data bounce;
	size_t off = 0;
	ssize_t n;

	if (pos)
		return -ESPIPE;

	mutex_lock(&s->lock);
	n = hacc_save_window(s, len, &off);
	if (n > 0) {
		memcpy(&bounce, (u8 *)&s->rec + off, n);
		hacc_save_consume(s, n);
	}
	mutex_unlock(&s->lock);
	if (n <= 0 || !copy_to_user(buf, &bounce, n))
		return n;

	mutex_lock(&s->lock);
	if (s->pos == off + n)
		s->pos = off;
	mutex_unlock(&s->lock);
	return -EFAULT;
}

static __poll_t hacc_save_poll(struct file *filp, poll_table *wait)
{
	struct hacc_stream *s = filp->private_data;
	__poll_t mask = 0;

	poll_wait(filp, &s->wq, wait);

	mutex_lock(&s->lock);
	if (s->disabled)
		mask = EPOLLIN | EPOLLERR | EPOLLHUP;
	else if (s->pos < s->avail || s->final)
		mask = EPOLLIN | EPOLLRDNORM;
	mutex_unlock(&s->lock);
	return mask;
}

static long hacc_save_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
	const size_t minsz = offsetofend(struct vfio_precopy_info, dirty_bytes);
	struct hacc_stream *s = filp->private_data;
	struct hacc_mig *mig = s->mig;
	struct vfio_precopy_info info;
	u64 initial = 0, dirty = 0;
	int ret;

	if (cmd != VFIO_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;
	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz) {
		dev_err_ratelimited(mig->dev, "migration: precopy info argsz %u, need %zu\n",
				    info.argsz, minsz);
		return -EINVAL;
	}

	mutex_lock(&mig->state_mutex);
	mutex_lock(&s->lock);
	ret = hacc_precopy_bytes(s, &initial, &dirty);
	mutex_unlock(&s->lock);
	if (ret == -EINVAL)
		dev_err_ratelimited(mig->dev, "migration: precopy info in state %u, valid only in PRE_COPY (%u) and PRE_COPY_P2P (%u)\n",
				    mig->state, VFIO_DEVICE_STATE_PRE_COPY,
				    VFIO_DEVICE_STATE_PRE_COPY_P2P);
	hacc_mig_unlock(mig);
	if (ret)
		return ret;

	/* No REINIT: the match data never changes during a session */
	info.flags = 0;
	info.initial_bytes = initial;
	info.dirty_bytes = dirty;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static ssize_t hacc_resume_write(struct file *filp, const char __user *buf,
				 size_t len, loff_t *pos)
{
	struct hacc_stream *s = filp->private_data;
	struct hacc_mig *mig = s->mig;
	struct hacc_mig_data bounce;
	size_t off = 0;
	unsigned long fault;
	int ret;

	if (pos)
		return -ESPIPE;
	if (!len)
		return 0;

	/*
	 * Copied before any lock is taken (see hacc_save_read()); a write
	 * longer than the record is refused by hacc_resume_window() anyway.
	 */
	fault = copy_from_user(&bounce, buf, min(len, sizeof(bounce)));

	mutex_lock(&mig->state_mutex);
	mutex_lock(&s->lock);
	ret = hacc_resume_window(s, len, &off);
	if (ret)
		goto unlock;
	if (fault) {
		ret = -EFAULT;
		goto unlock;
	}
	memcpy((u8 *)&s->rec + off, &bounce, len);
	ret = hacc_resume_commit(s, len);
unlock:
	mutex_unlock(&s->lock);
	hacc_mig_unlock(mig);
	return ret ? ret : len;
}

static const struct file_operations hacc_save_fops = {
	.owner = THIS_MODULE,
	.read = hacc_save_read,
	.poll = hacc_save_poll,
	.unlocked_ioctl = hacc_save_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = hacc_file_release,
};

static const struct file_operations hacc_resume_fops = {
	.owner = THIS_MODULE,
	.write = hacc_resume_write,
	.release = hacc_file_release,
};

static struct hacc_stream *hacc_file_new(struct hacc_vdev *hv, bool resuming)
{
	struct hacc_stream *s;
	struct file *filp;

	s = hacc_zalloc_obj(struct hacc_stream, GFP_KERNEL_ACCOUNT);
	if (!s)
		return ERR_PTR(-ENOMEM);
	hacc_stream_init(s, &hv->mig);

	filp = anon_inode_getfile("hisi_acc_vfio_pci_mig",
				  resuming ? &hacc_resume_fops : &hacc_save_fops,
				  s, resuming ? O_WRONLY : O_RDONLY);
	if (IS_ERR(filp)) {
		mutex_destroy(&s->lock);
		kfree(s);
		return ERR_CAST(filp);
	}
	stream_open(filp->f_inode, filp);
	s->filp = filp;
	/*
	 * The file may outlive the open device and even the VF: keep our
	 * structure and the struct device used in log messages around.
	 */
	get_device(&hv->core.vdev.device);
	get_device(hv->mig.dev);
	return s;
}

/* vfio migration ops */

/*
 * One arc of the walk of hacc_set_state(), with state_mutex held.
 * Return: NULL to go on; else what the walk returns, the file the arc
 * opened or an ERR_PTR.
 */
static struct file *hacc_walk_arc(struct hacc_vdev *hv,
				  enum vfio_device_mig_state next)
{
	struct hacc_mig *mig = &hv->mig;
	struct hacc_stream *fresh = NULL;
	int ret;

	if (hacc_mig_needs_stream(mig->state, next)) {
		fresh = hacc_file_new(hv, next == VFIO_DEVICE_STATE_RESUMING);
		if (IS_ERR(fresh))
			return ERR_CAST(fresh);
	}

	/*
	 * The PF bit is shared by the VFs and taken again by a VF that holds
	 * it, so it does not keep a reset of this VF out of this VF's own
	 * arc.  io_lock does (reset_prepare to reset_done): an FLR between
	 * two register accesses of an arc would read a BAR that is not
	 * decoded.  The header check of a resuming write reads only PF
	 * registers.
	 */
	mutex_lock(&hv->io_lock);
	ret = hacc_mig_step(mig, next, fresh);
	mutex_unlock(&hv->io_lock);
	if (ret) {
		if (fresh)
			fput(fresh->filp);
		return ERR_PTR(ret);
	}
	/* Arcs that open a file always end the walk */
	return fresh ? fresh->filp : NULL;
}

static struct file *hacc_set_state(struct vfio_device *vdev,
				   enum vfio_device_mig_state target)
{
	struct hacc_vdev *hv = hacc_from_vdev(vdev);
	struct hacc_mig *mig = &hv->mig;
	enum vfio_device_mig_state next;
	struct file *res = NULL;
	int ret;

	mutex_lock(&mig->state_mutex);
	if (mig->state == VFIO_DEVICE_STATE_ERROR && target != mig->state) {
		/* vfio core has no arc out of ERROR (it warns if asked) */
		dev_err_ratelimited(mig->dev, "migration: device in ERROR state, reset it before state %u\n",
				    target);
		hacc_mig_unlock(mig);
		return ERR_PTR(-EINVAL);
	}
	/*
	 * The first arc that touches the device takes the PF's reset bit and
	 * checks memory decoding for the whole walk (vfio core splits e.g.
	 * RUNNING -> STOP in two arcs when P2P is offered).
	 */
	hv->in_walk = true;
	while (mig->state != target) {
		ret = vfio_mig_get_next_state(vdev, mig->state, target, &next);
		/* Guard against a core that offers no progress */
		if (!ret && next == mig->state)
			ret = -EINVAL;
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}
		res = hacc_walk_arc(hv, next);
		if (res)
			break;
	}
	hv->in_walk = false;
	if (hv->walk_held) {
		hv->walk_held = false;
		hacc_pf_unhold(hv);
	}
	hacc_mig_unlock(mig);
	return res;
}

static int hacc_get_state(struct vfio_device *vdev,
			  enum vfio_device_mig_state *state)
{
	struct hacc_mig *mig = &hacc_from_vdev(vdev)->mig;

	mutex_lock(&mig->state_mutex);
	*state = mig->state;
	hacc_mig_unlock(mig);
	return 0;
}

static int hacc_get_data_size(struct vfio_device *vdev,
			      unsigned long *stop_copy_length)
{
	*stop_copy_length = HACC_MIG_DATA_SIZE;
	return 0;
}

static const struct vfio_migration_ops hacc_mig_ops = {
	.migration_set_state = hacc_set_state,
	.migration_get_state = hacc_get_state,
	.migration_get_data_size = hacc_get_data_size,
};

/* BAR 2: the migration-control half is not the user's */

static u64 hacc_bar2_user_len(struct hacc_vdev *hv)
{
	u64 len = pci_resource_len(hv->core.pdev, HACC_QM_BAR);

	return hv->migratable && !hv->pf_window ? len / 2 : len;
}

static int hacc_clip_rw(struct hacc_vdev *hv, size_t *count, loff_t pos)
{
	u64 off = pos & VFIO_PCI_OFFSET_MASK;
	u64 end;

	if (!hv->migratable || hv->pf_window ||
	    VFIO_PCI_OFFSET_TO_INDEX(pos) != HACC_QM_BAR)
		return 0;
	end = hacc_bar2_user_len(hv);
	if (off >= end)
		return -EINVAL;
	*count = min_t(u64, *count, end - off);
	return 0;
}

static ssize_t hacc_read(struct vfio_device *vdev, char __user *buf,
			 size_t count, loff_t *ppos)
{
	int ret = hacc_clip_rw(hacc_from_vdev(vdev), &count, *ppos);

	return ret ? ret : vfio_pci_core_read(vdev, buf, count, ppos);
}

static ssize_t hacc_write(struct vfio_device *vdev, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	int ret = hacc_clip_rw(hacc_from_vdev(vdev), &count, *ppos);

	return ret ? ret : vfio_pci_core_write(vdev, buf, count, ppos);
}

static int hacc_mmap(struct vfio_device *vdev, struct vm_area_struct *vma)
{
	struct hacc_vdev *hv = hacc_from_vdev(vdev);
	unsigned int shift = VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT;
	u64 start, len;

	if (hv->migratable && !hv->pf_window &&
	    (vma->vm_pgoff >> shift) == HACC_QM_BAR) {
		start = (u64)(vma->vm_pgoff & ((1UL << shift) - 1)) << PAGE_SHIFT;
		len = vma->vm_end - vma->vm_start;
		if (start >= hacc_bar2_user_len(hv) ||
		    len > hacc_bar2_user_len(hv) - start)
			return -EINVAL;
	}
	return vfio_pci_core_mmap(vdev, vma);
}

static void hacc_bar2_info(struct hacc_vdev *hv, struct vfio_region_info *info)
{
	u64 len = hacc_bar2_user_len(hv);

	info->offset = VFIO_PCI_INDEX_TO_OFFSET(info->index);
	info->size = len;
	info->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	/* Only whole pages can be mapped (the half BAR is 32 KiB) */
	if (hv->core.bar_mmap_supported[HACC_QM_BAR] && PAGE_ALIGNED(len))
		info->flags |= VFIO_REGION_INFO_FLAG_MMAP;
}

/*
 * An ioeventfd has the kernel write the BAR for the user, bypassing
 * hacc_write().  Checking its offset here would not help: vfio core reads
 * the argument from user memory again, which a second thread can change in
 * between.  The VF's only memory BAR is BAR 2, and QEMU falls back to
 * ordinary writes without one, so the whole ioctl is refused while part of
 * BAR 2 is hidden.
 */
static long hacc_guard_ioctl(struct vfio_device *vdev, unsigned int cmd,
			     unsigned long arg)
{
	struct hacc_vdev *hv = hacc_from_vdev(vdev);

	if (cmd == VFIO_DEVICE_IOEVENTFD && hv->migratable && !hv->pf_window) {
		dev_err_ratelimited(hv->mig.dev, "ioeventfd refused: BAR 2 is partly hidden (migration registers)\n");
		return -EINVAL;
	}
	return vfio_pci_core_ioctl(vdev, cmd, arg);
}

/*
 * Kernel-version glue for VFIO_DEVICE_GET_REGION_INFO (see the kernel API
 * block at the top of this file): before 6.19 the driver's .ioctl sees the
 * command, from 6.19 on vfio core calls .get_region_info_caps.
 */
#if HACC_HAVE_REGION_INFO_CAPS
static int hacc_region_info(struct vfio_device *vdev,
			    struct vfio_region_info *info,
			    struct vfio_info_cap *caps)
{
	struct hacc_vdev *hv = hacc_from_vdev(vdev);

	if (hv->migratable && !hv->pf_window && info->index == HACC_QM_BAR) {
		hacc_bar2_info(hv, info);
		return 0;
	}
	return vfio_pci_ioctl_get_region_info(vdev, info, caps);
}

#define HACC_OPS_REGION_INFO					\
	.ioctl = hacc_guard_ioctl,				\
	.get_region_info_caps = hacc_region_info
#else
static long hacc_ioctl(struct vfio_device *vdev, unsigned int cmd,
		       unsigned long arg)
{
	const size_t minsz = offsetofend(struct vfio_region_info, offset);
	struct hacc_vdev *hv = hacc_from_vdev(vdev);
	struct vfio_region_info info;

	if (cmd != VFIO_DEVICE_GET_REGION_INFO || !hv->migratable ||
	    hv->pf_window)
		return hacc_guard_ioctl(vdev, cmd, arg);
	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	if (info.index != HACC_QM_BAR)
		return vfio_pci_core_ioctl(vdev, cmd, arg);
	hacc_bar2_info(hv, &info);
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

#define HACC_OPS_REGION_INFO	.ioctl = hacc_ioctl
#endif

#if HACC_HAVE_MATCH_TOKEN_UUID
#define HACC_OPS_MATCH_TOKEN	.match_token_uuid = vfio_pci_core_match_token_uuid,
#else
#define HACC_OPS_MATCH_TOKEN
#endif

/* open/close */

/*
 * Whether the PF keeps its VFs' migration registers in its own BAR.  All
 * ones is a BAR that does not answer, not a selection: taken as "no",
 * which keeps the VF's migration half hidden from the user.
 */
static bool hacc_pf_window_on(struct hisi_qm *qm)
{
	u32 sel;

	if (qm->ver <= QM_HW_V3)
		return false;
	sel = readl(qm->io_base + HACC_PF_MIG_REGION_SEL);
	return sel != U32_MAX && (sel & HACC_PF_MIG_REGION_EN);
}

/*
 * Choose the migration register window for this open.  Linux 7.x's PF
 * driver selects the PF window at its probe, but its whole-device reset
 * path does not select it again, so after a PF reset the register holds
 * whatever the reset left: the choice is read again on every open.
 */
static void hacc_pick_window(struct hacc_vdev *hv)
{
	bool in_pf = hv->pf_window;

	if (!hacc_pf_hold(hv, HACC_PF_WAIT_ARC_MS)) {
		/*
		 * After a failed PF reset nothing answers: keep the layout
		 * that hides the VF's migration half until a later open
		 * finds the PF back.
		 */
		if (hacc_decoding(hv)) {
			in_pf = hacc_pf_window_on(hv->pf_qm);
		} else {
			in_pf = false;
			dev_warn_ratelimited(&hv->core.pdev->dev, "PF or VF memory decoding off: BAR 2's migration half hidden\n");
		}
		hacc_pf_unhold(hv);
	} else {
		dev_warn_ratelimited(&hv->core.pdev->dev, "PF reset still running: migration registers taken to be in the %s's BAR\n",
				     in_pf ? "PF" : "VF");
	}
	if (in_pf != hv->pf_window)
		pci_info(hv->core.pdev, "migration registers now in the %s's BAR\n",
			 in_pf ? "PF" : "VF");
	hv->pf_window = in_pf;
	hacc_mig_use_pf_window(&hv->mig, in_pf);
	hv->mig_io = in_pf ? hv->pf_qm->io_base + HACC_PF_MIG_REGION_BASE +
			     hv->mig.fn * HACC_PF_MIG_REGION_STRIDE :
			     hv->vf_io;
}

static int hacc_open_device(struct vfio_device *vdev)
{
	struct hacc_vdev *hv = hacc_from_vdev(vdev);
	struct pci_dev *pdev = hv->core.pdev;
	int ret;

	ret = vfio_pci_core_enable(&hv->core);
	if (ret)
		return ret;

	if (hv->migratable) {
		hv->vf_io = ioremap(pci_resource_start(pdev, HACC_QM_BAR),
				    pci_resource_len(pdev, HACC_QM_BAR));
		if (!hv->vf_io) {
			vfio_pci_core_disable(&hv->core);
			return -ENOMEM;
		}
		hacc_pick_window(hv);
		hacc_mig_open(&hv->mig);
	}

	vfio_pci_core_finish_enable(&hv->core);
	return 0;
}

static void hacc_close_device(struct vfio_device *vdev)
{
	struct hacc_vdev *hv = hacc_from_vdev(vdev);

	if (hv->migratable) {
		hacc_mig_close(&hv->mig);
		iounmap(hv->vf_io);
		hv->vf_io = NULL;
		hv->mig_io = NULL;
	}
	vfio_pci_core_close_device(vdev);
}

static void hacc_release_dev(struct vfio_device *vdev)
{
	struct hacc_vdev *hv = hacc_from_vdev(vdev);

	mutex_destroy(&hv->mig.state_mutex);
	mutex_destroy(&hv->io_lock);
	vfio_pci_core_release_dev(vdev);
}

#define HACC_COMMON_OPS							\
	.init = vfio_pci_core_init_dev,					\
	.release = hacc_release_dev,					\
	.open_device = hacc_open_device,				\
	.close_device = hacc_close_device,				\
	.device_feature = vfio_pci_core_ioctl_feature,			\
	.request = vfio_pci_core_request,				\
	.match = vfio_pci_core_match,					\
	HACC_OPS_MATCH_TOKEN						\
	.bind_iommufd = vfio_iommufd_physical_bind,			\
	.unbind_iommufd = vfio_iommufd_physical_unbind,			\
	.attach_ioas = vfio_iommufd_physical_attach_ioas,		\
	.detach_ioas = vfio_iommufd_physical_detach_ioas

static const struct vfio_device_ops hacc_migratable_ops = {
	.name = "hisi-acc-vfio-pci-migration",
	HACC_COMMON_OPS,
	HACC_OPS_REGION_INFO,
	.read = hacc_read,
	.write = hacc_write,
	.mmap = hacc_mmap,
};

static const struct vfio_device_ops hacc_plain_ops = {
	.name = "hisi-acc-vfio-pci",
	HACC_COMMON_OPS,
#if HACC_HAVE_REGION_INFO_CAPS
	.ioctl = vfio_pci_core_ioctl,
	.get_region_info_caps = vfio_pci_ioctl_get_region_info,
#else
	.ioctl = vfio_pci_core_ioctl,
#endif
	.read = vfio_pci_core_read,
	.write = vfio_pci_core_write,
	.mmap = vfio_pci_core_mmap,
};

/* debugfs */

static const char *hacc_state_name(enum vfio_device_mig_state state)
{
	static const char * const names[] = {
		[VFIO_DEVICE_STATE_ERROR] = "ERROR",
		[VFIO_DEVICE_STATE_STOP] = "STOP",
		[VFIO_DEVICE_STATE_RUNNING] = "RUNNING",
		[VFIO_DEVICE_STATE_STOP_COPY] = "STOP_COPY",
		[VFIO_DEVICE_STATE_RESUMING] = "RESUMING",
		[VFIO_DEVICE_STATE_RUNNING_P2P] = "RUNNING_P2P",
		[VFIO_DEVICE_STATE_PRE_COPY] = "PRE_COPY",
		[VFIO_DEVICE_STATE_PRE_COPY_P2P] = "PRE_COPY_P2P",
	};

	return state < ARRAY_SIZE(names) && names[state] ? names[state] : "?";
}

static int hacc_dbg_stats_show(struct seq_file *m, void *unused)
{
	struct hacc_vdev *hv = m->private;
	struct hacc_mig *mig = &hv->mig;

	mutex_lock(&mig->state_mutex);
	seq_printf(m, "state: %s\nopen: %u\ndevice_ready: %u\n",
		   hacc_state_name(mig->state), mig->open, mig->device_ready);
	seq_printf(m, "mmio_reads: %llu\nmmio_writes: %llu\nmailbox: %llu\n",
		   mig->stats.mmio_reads, mig->stats.mmio_writes,
		   mig->stats.mailbox);
	seq_printf(m, "saves: %llu\nloads: %llu\nrejects: %llu\nresets: %llu\n",
		   mig->stats.saves, mig->stats.loads, mig->stats.rejects,
		   mig->stats.resets);
	seq_printf(m, "last_quiesce_ns: %llu\n", mig->stats.last_quiesce_ns);
	seq_printf(m, "last_stop_ns: %llu\nlast_save_ns: %llu\nlast_load_ns: %llu\n",
		   mig->stats.last_stop_ns, mig->stats.last_save_ns,
		   mig->stats.last_load_ns);
	hacc_mig_unlock(mig);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hacc_dbg_stats);

static int hacc_dbg_record_show(struct seq_file *m, void *unused)
{
	struct hacc_mig *mig = &((struct hacc_vdev *)m->private)->mig;

	mutex_lock(&mig->state_mutex);
	seq_printf(m, "length: %zu\n", mig->last_len);
	seq_hex_dump(m, "", DUMP_PREFIX_OFFSET, 16, 4, &mig->last,
		     mig->last_len, false);
	hacc_mig_unlock(mig);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hacc_dbg_record);

/*
 * Register values, read directly (not counted in the statistics), under the
 * same exclusion and decoding check as an arc: io_lock keeps a reset of
 * this VF out, the PF hold a reset of the whole device, and nothing is read
 * from a BAR that does not decode (a failed PF reset); nor from a VF its
 * user put in a low-power state (on arm64 such reads can raise an SError).
 */
static int hacc_dbg_regs_show(struct seq_file *m, void *unused)
{
	static const struct {
		const char *name;
		u32 off;
	} regs[] = {
		{ "vf_state", HACC_VF_STATE },
		{ "aeq_int_mask", HACC_AEQ_INT_MASK },
		{ "eq_int_mask", HACC_EQ_INT_MASK },
		{ "ifc_int_source", HACC_IFC_INT_SOURCE },
		{ "ifc_int_mask", HACC_IFC_INT_MASK },
		{ "ifc_int_set", HACC_IFC_INT_SET },
		{ "que_iso_cfg", HACC_QUE_ISO_CFG },
		{ "page_size", HACC_PAGE_SIZE },
	};
	struct hacc_vdev *hv = m->private;
	struct hacc_mig *mig = &hv->mig;
	bool decoding;
	int i;

	mutex_lock(&mig->state_mutex);
	if (!mig->open) {
		seq_puts(m, "device not open\n");
		goto out;
	}
	mutex_lock(&hv->io_lock);
	if (hacc_pf_hold(hv, HACC_PF_WAIT_ARC_MS)) {
		seq_puts(m, "PF reset in progress\n");
		goto out_io;
	}
	decoding = hacc_decoding(hv);
	if (hv->core.pdev->current_state != PCI_D0 || !decoding) {
		seq_printf(m, "not readable: VF in %s, memory decoding %s\n",
			   pci_power_name(hv->core.pdev->current_state),
			   decoding ? "on" : "off");
		goto out_unhold;
	}
	for (i = 0; i < ARRAY_SIZE(regs); i++)
		seq_printf(m, "%s: %#010x\n", regs[i].name,
			   mig->ops->vf_read(mig, regs[i].off));
	for (i = 0; i < HACC_XQC_DWORDS; i++)
		seq_printf(m, "eqc_dw%d: %#010x\n", i,
			   mig->ops->vf_read(mig, mig->eqc_off + 4 * i));
	for (i = 0; i < HACC_XQC_DWORDS; i++)
		seq_printf(m, "aeqc_dw%d: %#010x\n", i,
			   mig->ops->vf_read(mig, mig->aeqc_off + 4 * i));
out_unhold:
	hacc_pf_unhold(hv);
out_io:
	mutex_unlock(&hv->io_lock);
out:
	hacc_mig_unlock(mig);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hacc_dbg_regs);

static void hacc_debugfs_add(struct hacc_vdev *hv)
{
	struct dentry *parent = hacc_vfio_debug_root(&hv->core.vdev);

	if (!hv->migratable || !IS_ENABLED(CONFIG_DEBUG_FS))
		return;
	if (parent)
		hv->dbg = debugfs_create_dir("hisi_acc", parent);
	else
		hv->dbg = debugfs_create_dir(pci_name(hv->core.pdev),
					     hacc_dbg_root);
	debugfs_create_file("regs", 0400, hv->dbg, hv, &hacc_dbg_regs_fops);
	debugfs_create_file("last_record", 0400, hv->dbg, hv,
			    &hacc_dbg_record_fops);
	debugfs_create_file("stats", 0400, hv->dbg, hv, &hacc_dbg_stats_fops);
}

/* probe/remove */

/* The getter each PF driver exports for its struct pci_driver */
struct hacc_pf_getter {
	struct pci_driver *(*get)(void);
};

/*
 * Look the PF driver up at run time so that only the one for this VF's type
 * has to be loaded.  Its module need not stay pinned afterwards: removing a
 * PF driver removes its VFs first.
 */
static struct pci_driver *hacc_pf_driver(unsigned short vf_devid)
{
	struct hacc_pf_getter pf = {};
	struct pci_driver *drv;

	switch (vf_devid) {
	case HACC_DEVID_ZIP_VF:
		pf.get = symbol_get(hisi_zip_get_pf_driver);
		break;
	case HACC_DEVID_SEC_VF:
		pf.get = symbol_get(hisi_sec_get_pf_driver);
		break;
	case HACC_DEVID_HPRE_VF:
		pf.get = symbol_get(hisi_hpre_get_pf_driver);
		break;
	}
	if (!pf.get)
		return NULL;
	drv = pf.get();
	symbol_put_addr(pf.get);
	return drv;
}

/*
 * Decide whether this VF can migrate and where its migration registers are;
 * say why not, once.
 */
static bool hacc_probe_migration(struct pci_dev *pdev, struct hisi_qm **pf_qm,
				 bool *pf_window)
{
	struct pci_driver *drv;
	struct hisi_qm *qm;

	if (!pdev->is_virtfn) {
		pci_info(pdev, "migration off: not a virtual function; plain vfio-pci\n");
		return false;
	}
	drv = hacc_pf_driver(pdev->device);
	if (!drv) {
		pci_info(pdev, "migration off: PF driver for device %#x not loaded; plain vfio-pci\n",
			 pdev->device);
		return false;
	}
	qm = pci_iov_get_pf_drvdata(pdev, drv);
	if (IS_ERR(qm)) {
		pci_info(pdev, "migration off: PF not bound to %s; plain vfio-pci\n",
			 drv->name);
		return false;
	}
	*pf_qm = qm;

	if (pci_iov_vf_id(pdev) < 0) {
		pci_info(pdev, "migration off: no VF index; plain vfio-pci\n");
		return false;
	}
	if (qm->ver < QM_HW_V3) {
		pci_info(pdev, "migration off: QM revision %#x, needs %#x; plain vfio-pci\n",
			 qm->ver, QM_HW_V3);
		return false;
	}
	/* The user/migration split of BAR 2 is fixed at HACC_VF_MIG_AREA */
	if (pci_resource_len(pdev, HACC_QM_BAR) != HACC_VF_BAR_SIZE) {
		pci_info(pdev, "migration off: BAR 2 is %#llx bytes, the migration layout needs %#x; plain vfio-pci\n",
			 (u64)pci_resource_len(pdev, HACC_QM_BAR), HACC_VF_BAR_SIZE);
		return false;
	}
	/*
	 * Above V3 the PF driver may have moved the migration registers into
	 * the PF's BAR (Linux 7.x does at PF probe; 6.12 does not).  Checked
	 * again on every open (hacc_pick_window()).
	 */
	*pf_window = hacc_pf_window_on(qm);
	if (*pf_window)
		pci_info(pdev, "QM revision %#x: migration registers in the PF's BAR\n",
			 qm->ver);
	return true;
}

static int hacc_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct hisi_qm *pf_qm = NULL;
	bool migratable, pf_window = false;
	struct hacc_vdev *hv;
	int ret;

	migratable = hacc_probe_migration(pdev, &pf_qm, &pf_window);

	hv = vfio_alloc_device(hacc_vdev, core.vdev, &pdev->dev,
			       migratable ? &hacc_migratable_ops :
					    &hacc_plain_ops);
	if (IS_ERR(hv))
		return PTR_ERR(hv);

	hv->pf_qm = pf_qm;
	if (migratable)
		hv->pf_sriov = pci_find_ext_capability(pci_physfn(pdev),
						       PCI_EXT_CAP_ID_SRIOV);
	mutex_init(&hv->io_lock);
	hv->migratable = migratable;
	hv->pf_window = pf_window;
	if (migratable) {
		hacc_mig_init(&hv->mig, &hacc_hw_ops, &pdev->dev, pdev->device,
			      pci_iov_vf_id(pdev) + 1);
		hacc_mig_use_pf_window(&hv->mig, pf_window);
		hv->core.vdev.migration_flags = VFIO_MIGRATION_STOP_COPY |
						VFIO_MIGRATION_P2P |
						VFIO_MIGRATION_PRE_COPY;
		hv->core.vdev.mig_ops = &hacc_mig_ops;
	} else {
		mutex_init(&hv->mig.state_mutex);
	}

	dev_set_drvdata(&pdev->dev, &hv->core);
	ret = vfio_pci_core_register_device(&hv->core);
	if (ret) {
		vfio_put_device(&hv->core.vdev);
		return ret;
	}
	hacc_debugfs_add(hv);
	return 0;
}

static void hacc_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);
	struct hacc_vdev *hv = container_of(core, struct hacc_vdev, core);

	debugfs_remove_recursive(hv->dbg);
	hv->dbg = NULL;
	vfio_pci_core_unregister_device(core);
	vfio_put_device(&core->vdev);
}

static void hacc_reset_prepare(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);
	struct hacc_vdev *hv = container_of(core, struct hacc_vdev, core);

	if (!hv->pf_qm)
		return;
	/* Released in hacc_reset_done() */
	mutex_lock(&hv->io_lock);
	if (hacc_pf_hold(hv, HACC_PF_WAIT_RESET_MS)) {
		dev_warn_ratelimited(&pdev->dev, "VF reset overlaps a PF reset still running after %u ms\n",
				     HACC_PF_WAIT_RESET_MS);
		return;
	}
	hv->pf_held = true;
}

static void hacc_reset_done(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);
	struct hacc_vdev *hv = container_of(core, struct hacc_vdev, core);

	if (hv->pf_held) {
		hv->pf_held = false;
		hacc_pf_unhold(hv);
	}
	if (hv->migratable)
		hacc_mig_reset(&hv->mig);
	if (hv->pf_qm)
		mutex_unlock(&hv->io_lock);
}

static const struct pci_error_handlers hacc_err_handlers = {
	.reset_prepare = hacc_reset_prepare,
	.reset_done = hacc_reset_done,
	.error_detected = vfio_pci_core_aer_err_detected,
};

/* Bound only through driver_override, as VFIO variant drivers are */
static const struct pci_device_id hacc_ids[] = {
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(HACC_VENDOR_HUAWEI, HACC_DEVID_ZIP_VF) },
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(HACC_VENDOR_HUAWEI, HACC_DEVID_SEC_VF) },
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(HACC_VENDOR_HUAWEI, HACC_DEVID_HPRE_VF) },
	{}
};
MODULE_DEVICE_TABLE(pci, hacc_ids);

static struct pci_driver hacc_driver = {
	.name = KBUILD_MODNAME,
	.id_table = hacc_ids,
	.probe = hacc_probe,
	.remove = hacc_remove,
	.err_handler = &hacc_err_handlers,
	.driver_managed_dma = true,
};

static int __init hacc_init(void)
{
	int ret;

	if (IS_ENABLED(CONFIG_DEBUG_FS))
		hacc_dbg_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	ret = pci_register_driver(&hacc_driver);
	if (ret)
		debugfs_remove_recursive(hacc_dbg_root);
	return ret;
}

static void __exit hacc_exit(void)
{
	pci_unregister_driver(&hacc_driver);
	debugfs_remove_recursive(hacc_dbg_root);
}

module_init(hacc_init);
module_exit(hacc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO variant driver with live migration for HiSilicon accelerator VFs");
/*
 * Release of this driver (CHANGELOG.rst, dkms.conf).  The migration stream
 * keeps its own format version, see Documentation/migration-stream.rst.
 */
MODULE_VERSION("1.1.0");
