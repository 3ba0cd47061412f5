// SPDX-License-Identifier: GPL-2.0
/*
 * Data pipes: the ring, its state, the one-shot and two-phase operations,
 * signals and the mapping. See datapipe.h.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/overflow.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>

#include "datapipe.h"
#include "debugfs.h"
#include "mojo_trace.h"
#include "msgpipe.h"
#include "node.h"
#include "ops.h"
#include "port.h"
#include "user.h"

/* Largest element size. */
#define MOJO_DP_MAX_ELEMENT	65536

/* An endpoint's mmap offset: its id in the upper 32 bits. */
#define MOJO_DP_MAP_SHIFT	32

/*
 * Endpoint ids -> ports (no reference: a port erases its id on release).
 * Ids are handed out cyclically (mojo_dp_next_id, under the xarray's
 * lock), so an offset kept after its endpoint died names no endpoint
 * (-EINVAL) until 2^31 more endpoints have been made, instead of naming
 * the next pipe's ring, perhaps the producer's, at once.
 */
static DEFINE_XARRAY_ALLOC1(mojo_dp_ends);
static u32 mojo_dp_next_id;

/* The pseudo-inode behind every mapping's file (struct mojo_dp_map). */
#define MOJO_FS_MAGIC	0x6d6f6a6f
static struct vfsmount *mojo_mnt;
static struct inode *mojo_inode;

static int mojo_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, MOJO_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type mojo_fs_type = {
	.name			= "mojoports",
	.init_fs_context	= mojo_fs_init_fs_context,
	.kill_sb		= kill_anon_super,
};

/**
 * mojo_dpipe_init() - set up the pseudo-inode for ring mappings
 *
 * Return: 0 or a negative errno.
 */
int mojo_dpipe_init(void)
{
	mojo_mnt = kern_mount(&mojo_fs_type);
	if (IS_ERR(mojo_mnt))
		return PTR_ERR(mojo_mnt);
	mojo_inode = alloc_anon_inode(mojo_mnt->mnt_sb);
	if (IS_ERR(mojo_inode)) {
		kern_unmount(mojo_mnt);
		return PTR_ERR(mojo_inode);
	}
	return 0;
}

/**
 * mojo_dpipe_exit() - undo mojo_dpipe_init()
 */
void mojo_dpipe_exit(void)
{
	iput(mojo_inode);
	kern_unmount(mojo_mnt);
}

/* vm_flags became read-only behind vm_flags_mod() in 6.3 (probed by Kbuild). */
static void mojo_vma_flags_set(struct vm_area_struct *vma, vm_flags_t set,
			       vm_flags_t clear)
{
#ifdef MOJO_HAVE_VM_FLAGS_MOD
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

static void mojo_dpipe_free(struct kref *ref)
{
	struct mojo_dpipe *dp = container_of(ref, struct mojo_dpipe, ref);
	unsigned int i;

	vunmap(dp->vaddr);
	/* Every user mapping held an endpoint, hence the ring: none is left. */
	for (i = 0; i < dp->nr_pages; i++)
		put_page(dp->pages[i]);
	kvfree(dp->pages);
	mutex_destroy(&dp->map_mutex);
	mojo_user_uncharge(&dp->user->ring_bytes, PAGE_ALIGN(dp->capacity));
	mojo_user_put(dp->user);
	kfree(dp);
}

/**
 * mojo_dpipe_put() - drop a reference to a data pipe
 * @dp: the data pipe
 */
void mojo_dpipe_put(struct mojo_dpipe *dp)
{
	kref_put(&dp->ref, mojo_dpipe_free);
}

/**
 * mojo_dpipe_port_release() - a data pipe endpoint port is being freed
 * @port: the port
 */
void mojo_dpipe_port_release(struct mojo_port *port)
{
	xa_erase(&mojo_dp_ends, port->map_id);
	mojo_dpipe_put(port->dp);
}

static struct mojo_dpipe *mojo_dpipe_alloc(struct mojo_user *user,
					   u32 element_size, u64 capacity,
					   int *err)
{
	struct mojo_dpipe *dp;
	unsigned int i;

	*err = mojo_user_charge(&user->ring_bytes,
				READ_ONCE(mojo_max_user_ring_bytes),
				PAGE_ALIGN(capacity));
	if (*err)
		return NULL;
	*err = -ENOMEM;
	dp = kzalloc(sizeof(*dp), MOJO_GFP);
	if (!dp)
		goto fail_uncharge;
	kref_init(&dp->ref);
	dp->user = mojo_user_get(user);
	dp->element_size = element_size;
	dp->capacity = capacity;
	dp->nr_pages = DIV_ROUND_UP(capacity, PAGE_SIZE);
	mutex_init(&dp->map_mutex);
	spin_lock_init(&dp->lock);
	/* kvmalloc()'s bound; max_data_pipe_capacity keeps far below it. */
	if (dp->nr_pages > INT_MAX / sizeof(*dp->pages))
		goto fail;
	dp->pages = kvcalloc(dp->nr_pages, sizeof(*dp->pages), MOJO_GFP);
	if (!dp->pages)
		goto fail;
	for (i = 0; i < dp->nr_pages; i++) {
		dp->pages[i] = alloc_page(MOJO_GFP | __GFP_ZERO);
		if (!dp->pages[i])
			goto fail;
	}
	dp->vaddr = vmap(dp->pages, dp->nr_pages, VM_MAP, PAGE_KERNEL);
	if (!dp->vaddr)
		goto fail;
	return dp;

fail:
	for (i = 0; dp->pages && i < dp->nr_pages && dp->pages[i]; i++)
		put_page(dp->pages[i]);
	kvfree(dp->pages);
	mojo_user_put(dp->user);
	kfree(dp);
fail_uncharge:
	mojo_user_uncharge(&user->ring_bytes, PAGE_ALIGN(capacity));
	return NULL;
}

/* Which of the per-endpoint arrays of struct mojo_dpipe is @port's. */
static unsigned int mojo_dp_end(const struct mojo_port *port)
{
	return port->kind == MOJO_PORT_DATA_PRODUCER ? 0 : 1;
}

/* Effective thresholds: 0 means one element. */
static u64 mojo_dp_rthr(const struct mojo_dpipe *dp)
{
	return dp->read_threshold ?: dp->element_size;
}

static u64 mojo_dp_wthr(const struct mojo_dpipe *dp)
{
	return dp->write_threshold ?: dp->element_size;
}

/**
 * mojo_dpipe_signals() - signals of a data pipe endpoint
 * @port:        the endpoint, locked
 * @satisfiable: out: the signals that can still become satisfied
 *
 * Return: the MOJO_SIGNAL_* bits satisfied now.
 */
u64 mojo_dpipe_signals(struct mojo_port *port, u64 *satisfiable)
{
	struct mojo_dpipe *dp = port->dp;
	bool done = port->peer_closed || port->state == MOJO_PORT_CLOSED;
	u64 sat = 0, able = MOJO_SIGNAL_PEER_CLOSED;

	lockdep_assert_held(&port->lock);
	spin_lock(&dp->lock);
	if (!done) {
		able |= MOJO_SIGNAL_PEER_REMOTE;
		if (mojo_port_peer_remote(port))
			sat |= MOJO_SIGNAL_PEER_REMOTE;
	}
	if (port->kind == MOJO_PORT_DATA_PRODUCER) {
		if (done) {
			sat |= MOJO_SIGNAL_PEER_CLOSED;
		} else {
			able |= MOJO_SIGNAL_WRITABLE;
			if (dp->capacity - dp->avail >= mojo_dp_wthr(dp))
				sat |= MOJO_SIGNAL_WRITABLE;
		}
	} else {
		if (dp->avail >= mojo_dp_rthr(dp) || (done && dp->avail))
			sat |= MOJO_SIGNAL_READABLE;
		if (dp->new_data && dp->avail)
			sat |= MOJO_SIGNAL_NEW_DATA_READABLE;
		/* As message pipes: the bytes still readable keep READABLE. */
		if (done)
			sat |= MOJO_SIGNAL_PEER_CLOSED;
		/*
		 * Once the producer closed nothing arrives: what is readable
		 * is satisfied already, and data no read has seen cannot
		 * come any more.
		 */
		if (!done)
			able |= MOJO_SIGNAL_READABLE | MOJO_SIGNAL_NEW_DATA_READABLE;
	}
	spin_unlock(&dp->lock);
	*satisfiable = able | sat;
	return sat;
}

/**
 * mojo_dpipe_busy() - is an operation in progress on this endpoint?
 * @port: a data pipe endpoint, locked; the caller holds its node's lock
 *
 * A two-phase operation is open, or a one-shot copy is running.
 *
 * Return: true while the endpoint may not be sent or exported.
 */
bool mojo_dpipe_busy(struct mojo_port *port)
{
	bool busy;

	lockdep_assert_held(&port->lock);
	spin_lock(&port->dp->lock);
	busy = port->kind == MOJO_PORT_DATA_PRODUCER ? port->dp->writing :
						       port->dp->reading;
	busy |= port->dp->copying[mojo_dp_end(port)];
	spin_unlock(&port->dp->lock);
	return busy;
}

static u64 mojo_dp_map_offset(const struct mojo_port *port)
{
	return (u64)port->map_id << MOJO_DP_MAP_SHIFT;
}

/**
 * mojo_dpipe_revoke() - cut an endpoint's existing mappings off
 * @port: the endpoint, which is leaving its node; the caller holds the
 *        lock that makes the departure final (the node lock)
 *
 * Bumps the endpoint's map generation: from here on, no mapping made
 * before can fault a page in. The page table entries they already have
 * stay until mojo_dpipe_zap(), which the caller runs once it has dropped
 * its locks, before the endpoint can be used by its next owner.
 * Context: may sleep.
 */
void mojo_dpipe_revoke(struct mojo_port *port)
{
	struct mojo_dpipe *dp = port->dp;

	mutex_lock(&dp->map_mutex);
	dp->map_gen[mojo_dp_end(port)]++;
	mutex_unlock(&dp->map_mutex);
}

/**
 * mojo_dpipe_zap() - remove the page table entries of revoked mappings
 * @port: an endpoint mojo_dpipe_revoke() was called on
 *
 * Every mapping of the endpoint loses its entries; those made after the
 * revocation (by the next owner) fault them back in, the revoked ones get
 * SIGBUS. Costs time in the number of mappings, so it runs with no lock
 * another node could wait on. Context: may sleep.
 */
void mojo_dpipe_zap(struct mojo_port *port)
{
	unmap_mapping_range(mojo_inode->i_mapping, mojo_dp_map_offset(port),
			    PAGE_ALIGN(port->dp->capacity), 1);
}

/**
 * mojo_dpipe_node_revoke() - revoke the mappings of a dying node's endpoints
 * @node: the node, whose file is being released: nothing can add a handle
 *        to its table or take one out any more, until mojo_node_release()
 *
 * The endpoints die with the node, so every mapping of one it holds is
 * revoked as if the endpoint had been sent away. Runs before the handles
 * are closed: a closed endpoint is no longer found here, and a mapping of
 * it would stay. One endpoint at a time, each zapped with no lock held.
 * Context: may sleep.
 */
void mojo_dpipe_node_revoke(struct mojo_node *node)
{
	struct mojo_object *obj;
	struct mojo_port *port;
	unsigned long index = 0;

	for (;;) {
		port = NULL;
		mutex_lock(&node->lock);
		xa_for_each_start(&node->handles, index, obj, index) {
			if (mojo_object_is(obj, MOJO_OBJ_PORT) && mojo_port_from(obj)->dp) {
				port = mojo_port_get(mojo_port_from(obj));
				/* Under the node lock, as for a departure. */
				mojo_dpipe_revoke(port);
				break;
			}
		}
		mutex_unlock(&node->lock);
		if (!port)
			return;
		mojo_dpipe_zap(port);
		mojo_port_put(port);
		index++;
	}
}

/**
 * struct mojo_dp_map - what the mappings made by one mmap() call hold
 * @port: the endpoint mapped (a reference is held, so the ring lives on)
 * @gen:  the endpoint's map generation when mmap() found it held by the
 *        caller's node; the mapping is revoked once they differ
 *
 * Owned by the mapping's file (mojo_dp_map_file()), which every vma made
 * from the mmap() call holds in vm_file: splitting or moving a vma takes
 * a file reference, unmapping the last one releases the file, and with
 * it this.
 */
struct mojo_dp_map {
	struct mojo_port *port;
	u64 gen;
};

static int mojo_dp_map_release(struct inode *inode, struct file *file)
{
	struct mojo_dp_map *map = file->private_data;

	atomic_dec(&map->port->dp->maps[mojo_dp_end(map->port)]);
	mojo_port_put(map->port);
	kfree(map);
	return 0;
}

/*
 * The file of a mapping has no other operation: it cannot be opened again
 * (the pseudo-inode has no open), read, written or mapped anew.
 */
static const struct file_operations mojo_dp_map_fops = {
	.owner		= THIS_MODULE,
	.release	= mojo_dp_map_release,
	.llseek		= noop_llseek,
};

/*
 * The file a new mapping's vma points at instead of the node file, so
 * that a mapping keeps the ring alive and not the node: closing the node's
 * last fd is its death whatever it mapped. Its address_space is the
 * pseudo-inode's, where mojo_dpipe_zap() looks. It holds the module, as
 * the node file did, for the vma's operations live here.
 */
static struct file *mojo_dp_map_file(struct mojo_dp_map *map, bool writable)
{
	struct file *file;

	__module_get(THIS_MODULE);	/* the node file being mapped holds it */
	ihold(mojo_inode);
	file = alloc_file_pseudo(mojo_inode, mojo_mnt, "mojoports:[data_pipe]",
				 writable ? O_RDWR : O_RDONLY, &mojo_dp_map_fops);
	if (IS_ERR(file)) {
		iput(mojo_inode);
		module_put(THIS_MODULE);
		return file;
	}
	file->private_data = map;
	atomic_inc(&map->port->dp->maps[mojo_dp_end(map->port)]);
	return file;
}

/*
 * The only way a ring page enters a page table: the check that the
 * mapping is not revoked and the insertion happen under the map mutex, the
 * lock mojo_dpipe_revoke() bumps the generation under, so a page inserted
 * before a revocation is removed by the zap that follows it.
 */
static vm_fault_t mojo_dpipe_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mojo_dp_map *map = vma->vm_private_data;
	struct mojo_port *port = map->port;
	struct mojo_dpipe *dp = port->dp;
	unsigned long first = mojo_dp_map_offset(port) >> PAGE_SHIFT;
	unsigned long idx = vmf->pgoff - first;
	vm_fault_t ret;

	if (vmf->pgoff < first || idx >= dp->nr_pages)
		return VM_FAULT_SIGBUS;
	mutex_lock(&dp->map_mutex);
	if (dp->map_gen[mojo_dp_end(port)] != map->gen)
		ret = VM_FAULT_SIGBUS;
	else
		ret = vmf_insert_pfn(vma, vmf->address,
				     page_to_pfn(dp->pages[idx]));
	mutex_unlock(&dp->map_mutex);
	return ret;
}

static const struct vm_operations_struct mojo_dpipe_vm_ops = {
	.fault	= mojo_dpipe_fault,
};

/**
 * mojo_dpipe_mmap() - map a data pipe endpoint's ring
 * @node: the node of the file being mapped
 * @vma:  the new mapping; vm_pgoff names the endpoint
 *
 * Inserts nothing: pages come in through mojo_dpipe_fault(), which
 * re-checks the generation recorded here. The kernel links @vma where a
 * revocation can find it only after this returns, so anything inserted
 * here could escape one. @vma ends up holding a file of its own, which
 * holds the endpoint, instead of the node file (mojo_dp_map_file()).
 *
 * Return: 0; -EINVAL (no such endpoint, wrong size, MAP_PRIVATE); -EACCES
 * (not held by @node, a writable consumer mapping, an executable one);
 * -ENOMEM.
 */
int mojo_dpipe_mmap(struct mojo_node *node, struct vm_area_struct *vma)
{
	unsigned long pgshift = MOJO_DP_MAP_SHIFT - PAGE_SHIFT;
	unsigned long id = vma->vm_pgoff >> pgshift;
	vm_flags_t clear = VM_MAYEXEC;
	struct mojo_dp_map *map;
	struct mojo_port *port;
	struct mojo_dpipe *dp;
	struct file *file;
	bool held;
	int ret = 0;

	if (vma->vm_pgoff & ((1UL << pgshift) - 1) || id > U32_MAX)
		return -EINVAL;
	xa_lock(&mojo_dp_ends);
	port = xa_load(&mojo_dp_ends, id);
	if (port && !kref_get_unless_zero(&port->obj.ref))
		port = NULL;
	xa_unlock(&mojo_dp_ends);
	if (!port)
		return -EINVAL;
	dp = port->dp;
	if (vma->vm_end - vma->vm_start != PAGE_ALIGN(dp->capacity) ||
	    !(vma->vm_flags & VM_SHARED)) {
		ret = -EINVAL;
		goto fail;
	}
	if ((vma->vm_flags & VM_EXEC) ||
	    (port->kind == MOJO_PORT_DATA_CONSUMER && (vma->vm_flags & VM_WRITE))) {
		ret = -EACCES;
		goto fail;
	}
	if (port->kind == MOJO_PORT_DATA_CONSUMER)
		clear |= VM_MAYWRITE;
	map = kmalloc(sizeof(*map), MOJO_GFP);
	if (!map) {
		ret = -ENOMEM;
		goto fail;
	}
	map->port = port;

	mutex_lock(&dp->map_mutex);
	spin_lock(&port->lock);
	held = mojo_port_held(port, node);
	spin_unlock(&port->lock);
	map->gen = dp->map_gen[mojo_dp_end(port)];
	mutex_unlock(&dp->map_mutex);
	if (!held) {
		ret = -EACCES;
		goto fail_map;
	}
	file = mojo_dp_map_file(map, port->kind == MOJO_PORT_DATA_PRODUCER);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto fail_map;
	}

	/*
	 * Special PFN entries (VM_PFNMAP) with VM_IO: get_user_pages() and
	 * friends refuse the mapping, so no page reference (vmsplice(),
	 * io_uring registered buffers, /proc/pid/mem, process_vm_readv())
	 * can outlive a revocation; madvise(MADV_DOFORK) cannot undo
	 * VM_DONTCOPY; mprotect() cannot add what VM_MAY* no longer allows.
	 */
	mojo_vma_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTCOPY | VM_DONTEXPAND |
			   VM_DONTDUMP, clear);
	vma->vm_private_data = map;
	vma->vm_ops = &mojo_dpipe_vm_ops;
	/* The vma now holds the mapping's file (and @map), not the node's. */
	vma_set_file(vma, file);
	fput(file);
	return 0;

fail_map:
	kfree(map);
fail:
	mojo_port_put(port);
	return ret;
}

/**
 * mojo_dpipe_op_create() - MOJO_IOC_CREATE_DATA_PIPE
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_create_data_pipe_args
 *
 * Return: 0, -EINVAL, -ENOSPC (handle limit, or the user's ring memory
 * bound, max_user_ring_bytes), -EFAULT or -ENOMEM.
 */
long mojo_dpipe_op_create(struct mojo_node *node, void *arg)
{
	struct mojo_create_data_pipe_args *a = arg;
	struct mojo_port *prod, *cons;
	struct mojo_dpipe *dp;
	u64 cap = a->capacity;
	u32 es = a->element_size;
	int ret;

	if (a->flags || !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	if (!es || es > MOJO_DP_MAX_ELEMENT)
		return -EINVAL;
	if (!cap)
		cap = roundup(MOJO_DATA_PIPE_DEFAULT_CAPACITY, es);
	if (cap % es || cap > READ_ONCE(mojo_max_data_pipe_capacity))
		return -EINVAL;

	dp = mojo_dpipe_alloc(node->user, es, cap, &ret);
	if (!dp)
		return ret;
	ret = mojo_port_create_pair(&prod, &cons);
	if (ret) {
		mojo_dpipe_put(dp);
		return ret;
	}
	prod->kind = MOJO_PORT_DATA_PRODUCER;
	cons->kind = MOJO_PORT_DATA_CONSUMER;
	prod->dp = dp;
	cons->dp = dp;
	kref_get(&dp->ref);
	/* From here on the ports own the references (released with them). */
	ret = xa_alloc_cyclic(&mojo_dp_ends, &prod->map_id, prod, xa_limit_31b,
			      &mojo_dp_next_id, MOJO_GFP);
	if (ret >= 0)
		ret = xa_alloc_cyclic(&mojo_dp_ends, &cons->map_id, cons,
				      xa_limit_31b, &mojo_dp_next_id,
				      MOJO_GFP);
	/* 1: the ids wrapped around, which is fine. */
	if (ret > 0)
		ret = 0;
	if (ret) {
		LIST_HEAD(reap);

		mojo_port_close(prod, &reap);
		mojo_port_close(cons, &reap);
		mojo_port_put(prod);
		mojo_port_put(cons);
		return ret == -EBUSY ? -ENOSPC : ret;
	}
	return mojo_msgpipe_install(node, prod, cons, &a->producer, &a->consumer,
				    arg);
}

/*
 * Lock an endpoint to commit an operation: its port lock, then the ring's.
 * A close changes the state, and tells the peer, under the port lock, so a
 * commit made here with the endpoint still held is seen by the peer before
 * the closure, and none is made after it.
 *
 * Return: whether @node still holds the endpoint.
 */
static bool mojo_dp_commit_begin(struct mojo_port *port, struct mojo_node *node)
	__acquires(&port->lock) __acquires(&port->dp->lock)
{
	bool held;

	spin_lock(&port->lock);
	held = mojo_port_held(port, node);
	spin_lock(&port->dp->lock);
	return held;
}

static void mojo_dp_commit_end(struct mojo_port *port)
	__releases(&port->dp->lock) __releases(&port->lock)
{
	spin_unlock(&port->dp->lock);
	spin_unlock(&port->lock);
}

/*
 * Start a one-shot operation on an endpoint @node holds: checked and
 * marked busy in one step under the node lock, which every departure of
 * the endpoint holds (port.h), so the endpoint cannot leave the node, and
 * no other node can ever use it, until mojo_dp_unclaim(). Fails with
 * -EBADF when @node no longer holds it, -EBUSY during a two-phase
 * operation. The caller holds the endpoint's read_mutex.
 */
static int mojo_dp_claim(struct mojo_port *port, struct mojo_node *node,
			 bool *peer_closed)
{
	struct mojo_dpipe *dp = port->dp;
	unsigned int end = mojo_dp_end(port);
	int ret = 0;

	mutex_lock(&node->lock);
	spin_lock(&port->lock);
	*peer_closed = port->peer_closed;
	if (!mojo_port_held(port, node)) {
		ret = -EBADF;
	} else {
		spin_lock(&dp->lock);
		if (end ? dp->reading : dp->writing)
			ret = -EBUSY;
		else
			dp->copying[end] = true;
		spin_unlock(&dp->lock);
	}
	spin_unlock(&port->lock);
	mutex_unlock(&node->lock);
	return ret;
}

/* End what mojo_dp_claim() started; @dp->lock held. */
static void mojo_dp_unclaim(struct mojo_port *port)
{
	lockdep_assert_held(&port->dp->lock);
	port->dp->copying[mojo_dp_end(port)] = false;
}

/* Copy @n bytes between user memory and the ring at @off, wrapping. */
static int mojo_dp_copy(struct mojo_dpipe *dp, u64 off, void __user *ubuf,
			u64 n, bool to_ring)
{
	u64 first = min(n, dp->capacity - off);
	u8 *ring = dp->vaddr;
	unsigned long left;

	if (to_ring) {
		left = copy_from_user(ring + off, ubuf, first);
		if (!left && n > first)
			left = copy_from_user(ring, ubuf + first, n - first);
	} else {
		left = copy_to_user(ubuf, ring + off, first);
		if (!left && n > first)
			left = copy_to_user(ubuf + first, ring, n - first);
	}
	return left ? -EFAULT : 0;
}

/**
 * mojo_dpipe_op_write() - MOJO_IOC_WRITE_DATA: copy bytes into the ring
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_data_args
 *
 * Return: 0 with the bytes written in @arg; -EAGAIN, -ERANGE, -EPIPE,
 * -EBUSY, -EINVAL, -EBADF, -EFAULT.
 */
long mojo_dpipe_op_write(struct mojo_node *node, void *arg)
{
	struct mojo_data_args *a = arg;
	struct mojo_port *port;
	struct mojo_dpipe *dp;
	bool peer_closed, held;
	u64 n = 0, free, woff;
	int ret = 0;

	if ((a->flags & ~MOJO_DATA_ALL_OR_NONE) || a->offset ||
	    !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	port = mojo_port_lookup(node, a->handle, MOJO_KIND_PRODUCER, &ret);
	if (!port)
		return ret;
	dp = port->dp;
	if (a->num_bytes % dp->element_size) {
		ret = -EINVAL;
		goto out_put;
	}

	mutex_lock(&port->read_mutex);
	ret = mojo_dp_claim(port, node, &peer_closed);
	if (ret)
		goto out;
	spin_lock(&dp->lock);
	free = dp->capacity - dp->avail;
	/* Both terms are below capacity, itself far below U64_MAX. */
	woff = (dp->read_off + dp->avail) % dp->capacity;
	spin_unlock(&dp->lock);
	if (peer_closed) {
		ret = -EPIPE;
		goto out_unclaim;
	}
	if ((a->flags & MOJO_DATA_ALL_OR_NONE) && a->num_bytes > free) {
		ret = -ERANGE;
		goto out_unclaim;
	}
	n = min(a->num_bytes, free);
	if (!n) {
		ret = a->num_bytes ? -EAGAIN : 0;
		goto out_unclaim;
	}
	/*
	 * The free region is ours alone: the consumer never touches it, and
	 * the claim keeps the producer in this node until we are done.
	 */
	ret = mojo_dp_copy(dp, woff, u64_to_user_ptr(a->bytes), n, true);
	/* The count goes out before the bytes are committed (ops.h). */
	if (!ret) {
		a->num_bytes = n;
		ret = mojo_call_publish(arg);
	}
out_unclaim:
	held = mojo_dp_commit_begin(port, node);
	if (!ret && n && !held)
		ret = -EBADF;	/* closed meanwhile: nothing was written */
	if (!ret && n) {
		dp->avail += n;
		dp->new_data = true;
		trace_mojo_dp_commit(node, a->handle, port, n);
		mojo_stat_add(MOJO_STAT_DP_PRODUCED, n);
	}
	mojo_dp_unclaim(port);
	mojo_dp_commit_end(port);
out:
	mutex_unlock(&port->read_mutex);
	if (!ret && n)
		mojo_port_wake_pair(port);
out_put:
	mojo_port_put(port);
	return ret;
}

/**
 * mojo_dpipe_op_read() - MOJO_IOC_READ_DATA: copy, peek, discard or query
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_data_args
 *
 * Return: 0 with the byte count in @arg; -EAGAIN, -ERANGE, -EPIPE, -EBUSY,
 * -EINVAL, -EBADF, -EFAULT.
 */
long mojo_dpipe_op_read(struct mojo_node *node, void *arg)
{
	const u64 known = MOJO_DATA_ALL_OR_NONE | MOJO_DATA_DISCARD |
			  MOJO_DATA_QUERY | MOJO_DATA_PEEK;
	struct mojo_data_args *a = arg;
	struct mojo_port *port;
	struct mojo_dpipe *dp;
	bool peer_closed, held;
	u64 n = 0, avail, roff;
	int ret = 0;

	if ((a->flags & ~known) || a->offset ||
	    !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	if ((a->flags & MOJO_DATA_DISCARD) && (a->flags & MOJO_DATA_PEEK))
		return -EINVAL;
	port = mojo_port_lookup(node, a->handle, MOJO_KIND_CONSUMER, &ret);
	if (!port)
		return ret;
	dp = port->dp;
	if (!(a->flags & MOJO_DATA_QUERY) && a->num_bytes % dp->element_size) {
		ret = -EINVAL;
		goto out_put;
	}

	mutex_lock(&port->read_mutex);
	ret = mojo_dp_claim(port, node, &peer_closed);
	if (ret)
		goto out;
	spin_lock(&dp->lock);
	avail = dp->avail;
	roff = dp->read_off;
	spin_unlock(&dp->lock);
	if (a->flags & MOJO_DATA_QUERY) {
		a->num_bytes = avail;
		goto out_unclaim;
	}
	if ((a->flags & MOJO_DATA_ALL_OR_NONE) && a->num_bytes > avail) {
		ret = !avail && peer_closed ? -EPIPE : -ERANGE;
		goto out_unclaim;
	}
	n = min(a->num_bytes, avail);
	if (!n) {
		/* Nothing moved; on failure the request stays as it was. */
		if (a->num_bytes)
			ret = peer_closed ? -EPIPE : -EAGAIN;
		goto out_unclaim;
	}
	/* Readable bytes stay put until we consume them. */
	if (!(a->flags & MOJO_DATA_DISCARD))
		ret = mojo_dp_copy(dp, roff, u64_to_user_ptr(a->bytes), n, false);
	/* The count goes out before the bytes are consumed (ops.h). */
	if (!ret) {
		a->num_bytes = n;
		ret = mojo_call_publish(arg);
	}
out_unclaim:
	held = mojo_dp_commit_begin(port, node);
	if (!ret && n && !held)
		ret = -EBADF;	/* closed meanwhile: nothing was read */
	if (!ret && n) {
		if (!(a->flags & MOJO_DATA_PEEK)) {
			dp->read_off = (roff + n) % dp->capacity;
			dp->avail -= n;
			trace_mojo_dp_commit(node, a->handle, port, n);
			mojo_stat_add(MOJO_STAT_DP_CONSUMED, n);
		}
		dp->new_data = false;
	}
	mojo_dp_unclaim(port);
	mojo_dp_commit_end(port);
out:
	mutex_unlock(&port->read_mutex);
	if (!ret && n)
		mojo_port_wake_pair(port);
out_put:
	mojo_port_put(port);
	return ret;
}

/*
 * BEGIN_WRITE_DATA and BEGIN_READ_DATA. The endpoint is claimed while the
 * grant is worked out and published (ops.h), and the claim turns into the
 * two-phase operation under the ring lock: at no moment is the endpoint
 * free to leave the node, and an operation begins only once the caller
 * has learnt its grant.
 */
static long mojo_dpipe_begin(struct mojo_node *node, struct mojo_data_args *a,
			     enum mojo_port_kind kind)
{
	bool producer = kind == MOJO_PORT_DATA_PRODUCER;
	struct mojo_port *port;
	struct mojo_dpipe *dp;
	bool peer_closed, held;
	u64 off, size;
	int ret = 0;

	if (a->flags || a->bytes ||
	    !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	port = mojo_port_lookup(node, a->handle, BIT(kind), &ret);
	if (!port)
		return ret;
	dp = port->dp;
	mutex_lock(&port->read_mutex);
	ret = mojo_dp_claim(port, node, &peer_closed);
	if (ret)
		goto out;
	/*
	 * While we hold the claim and the read_mutex, only the peer moves
	 * the ring, and only towards a larger grant: what we grant stays
	 * valid until the operation begins.
	 */
	spin_lock(&dp->lock);
	if (producer) {
		off = (dp->read_off + dp->avail) % dp->capacity;
		size = min(dp->capacity - dp->avail, dp->capacity - off);
		if (peer_closed)
			ret = -EPIPE;
		else if (!size)
			ret = -EAGAIN;
	} else {
		off = dp->read_off;
		size = min(dp->avail, dp->capacity - off);
		if (!size)
			ret = peer_closed ? -EPIPE : -EAGAIN;
	}
	spin_unlock(&dp->lock);
	if (!ret) {
		a->offset = off;
		a->num_bytes = size;
		ret = mojo_call_publish(a);
	}

	held = mojo_dp_commit_begin(port, node);
	if (!ret && !held)
		ret = -EBADF;	/* closed meanwhile: nothing begun */
	if (!ret && producer) {
		dp->writing = true;
		dp->write_granted = size;
	} else if (!ret) {
		dp->reading = true;
		dp->read_granted = size;
		dp->new_data = false;
	}
	mojo_dp_unclaim(port);
	mojo_dp_commit_end(port);
out:
	mutex_unlock(&port->read_mutex);
	if (!ret && !producer)
		mojo_port_wake_pair(port);	/* NEW_DATA_READABLE cleared */
	mojo_port_put(port);
	return ret;
}

/* END_WRITE_DATA and END_READ_DATA. */
static long mojo_dpipe_end(struct mojo_node *node, struct mojo_data_args *a,
			   enum mojo_port_kind kind)
{
	bool producer = kind == MOJO_PORT_DATA_PRODUCER;
	struct mojo_port *port;
	struct mojo_dpipe *dp;
	u64 n = a->num_bytes;
	bool held;
	int ret = 0;

	if (a->flags || a->bytes || a->offset ||
	    !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	port = mojo_port_lookup(node, a->handle, BIT(kind), &ret);
	if (!port)
		return ret;
	dp = port->dp;
	mutex_lock(&port->read_mutex);
	held = mojo_dp_commit_begin(port, node);
	if (!(producer ? dp->writing : dp->reading)) {
		ret = -ENOENT;
	} else if (!held) {
		/* Closed during the operation: it ends, committing nothing. */
		ret = -EBADF;
	} else if (n > (producer ? dp->write_granted : dp->read_granted) ||
		   n % dp->element_size) {
		/* A bad count ends the operation and commits nothing. */
		ret = -EINVAL;
	} else if (producer) {
		dp->avail += n;
		if (n)
			dp->new_data = true;
	} else {
		dp->read_off = (dp->read_off + n) % dp->capacity;
		dp->avail -= n;
	}
	if (!ret) {
		trace_mojo_dp_commit(node, a->handle, port, n);
		mojo_stat_add(producer ? MOJO_STAT_DP_PRODUCED :
			      MOJO_STAT_DP_CONSUMED, n);
	}
	if (ret != -ENOENT) {
		if (producer)
			dp->writing = false;
		else
			dp->reading = false;
	}
	mojo_dp_commit_end(port);
	mutex_unlock(&port->read_mutex);
	if (!ret)
		mojo_port_wake_pair(port);
	mojo_port_put(port);
	return ret;
}

/**
 * mojo_dpipe_op_begin_write() - MOJO_IOC_BEGIN_WRITE_DATA
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_data_args
 *
 * Return: 0 with the offset and size granted; -EBUSY, -EAGAIN, -EPIPE,
 * -EINVAL, -EBADF.
 */
long mojo_dpipe_op_begin_write(struct mojo_node *node, void *arg)
{
	return mojo_dpipe_begin(node, arg, MOJO_PORT_DATA_PRODUCER);
}

/**
 * mojo_dpipe_op_end_write() - MOJO_IOC_END_WRITE_DATA
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_data_args
 *
 * Return: 0; -ENOENT (no two-phase write); -EINVAL (bad count: the write
 * ends and nothing is committed); -EBADF.
 */
long mojo_dpipe_op_end_write(struct mojo_node *node, void *arg)
{
	return mojo_dpipe_end(node, arg, MOJO_PORT_DATA_PRODUCER);
}

/**
 * mojo_dpipe_op_begin_read() - MOJO_IOC_BEGIN_READ_DATA
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_data_args
 *
 * Return: 0 with the offset and size granted; -EBUSY, -EAGAIN, -EPIPE,
 * -EINVAL, -EBADF.
 */
long mojo_dpipe_op_begin_read(struct mojo_node *node, void *arg)
{
	return mojo_dpipe_begin(node, arg, MOJO_PORT_DATA_CONSUMER);
}

/**
 * mojo_dpipe_op_end_read() - MOJO_IOC_END_READ_DATA
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_data_args
 *
 * Return: 0; -ENOENT (no two-phase read); -EINVAL (bad count: the read
 * ends and nothing is consumed); -EBADF.
 */
long mojo_dpipe_op_end_read(struct mojo_node *node, void *arg)
{
	return mojo_dpipe_end(node, arg, MOJO_PORT_DATA_CONSUMER);
}

/**
 * mojo_dpipe_op_info() - MOJO_IOC_DATA_PIPE_INFO
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_data_pipe_info_args
 *
 * Return: 0, -EINVAL or -EBADF.
 */
long mojo_dpipe_op_info(struct mojo_node *node, void *arg)
{
	struct mojo_data_pipe_info_args *a = arg;
	struct mojo_port *port;
	struct mojo_dpipe *dp;
	int ret = 0;

	if (a->flags || a->reserved)
		return -EINVAL;
	port = mojo_port_lookup(node, a->handle, MOJO_KINDS_DATA, &ret);
	if (!port)
		return ret;
	dp = port->dp;
	a->element_size = dp->element_size;
	a->producer = port->kind == MOJO_PORT_DATA_PRODUCER;
	a->capacity = dp->capacity;
	a->map_offset = mojo_dp_map_offset(port);
	a->map_size = PAGE_ALIGN(dp->capacity);
	spin_lock(&dp->lock);
	a->read_threshold = dp->read_threshold;
	a->write_threshold = dp->write_threshold;
	spin_unlock(&dp->lock);
	mojo_port_put(port);
	return 0;
}

/**
 * mojo_dpipe_op_set_threshold() - MOJO_IOC_DATA_PIPE_SET_THRESHOLD
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_data_pipe_info_args
 *
 * Return: 0, -EINVAL or -EBADF.
 */
long mojo_dpipe_op_set_threshold(struct mojo_node *node, void *arg)
{
	struct mojo_data_pipe_info_args *a = arg;
	struct mojo_port *port;
	struct mojo_dpipe *dp;
	bool producer;
	u64 thr;
	int ret = 0;

	if (a->flags || a->reserved || a->element_size || a->producer ||
	    a->capacity || a->map_offset || a->map_size)
		return -EINVAL;
	port = mojo_port_lookup(node, a->handle, MOJO_KINDS_DATA, &ret);
	if (!port)
		return ret;
	dp = port->dp;
	producer = port->kind == MOJO_PORT_DATA_PRODUCER;
	thr = producer ? a->write_threshold : a->read_threshold;
	if ((producer ? a->read_threshold : a->write_threshold) ||
	    thr % dp->element_size || thr > dp->capacity) {
		ret = -EINVAL;
	} else {
		spin_lock(&dp->lock);
		if (producer)
			dp->write_threshold = thr;
		else
			dp->read_threshold = thr;
		spin_unlock(&dp->lock);
		mojo_port_wake(port);
	}
	mojo_port_put(port);
	return ret;
}
