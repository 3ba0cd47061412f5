// SPDX-License-Identifier: GPL-2.0
/*
 * Wrapped file descriptors: MOJO_IOC_WRAP_FD and MOJO_IOC_UNWRAP_FD, and
 * the object kind they create. See wrapfd.h and struct mojo_wrap_fd_args.
 */

#include <linux/eventfd.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <net/sock.h>

#include "node.h"
#include "ops.h"
#include "user.h"
#include "wrapfd.h"

static struct mojo_wrapped *mojo_wrapped_from(struct mojo_object *obj)
{
	return container_of(obj, struct mojo_wrapped, obj);
}

static void mojo_wrapped_close(struct mojo_object *obj, struct list_head *reap)
{
	struct mojo_wrapped *w = mojo_wrapped_from(obj);
	struct file *file = xchg(&w->file, NULL);

	if (file) {
		fput(file);
		mojo_user_uncharge(&w->user->wrapped_files, 1);
	}
}

static void mojo_wrapped_release(struct mojo_object *obj)
{
	struct mojo_wrapped *w = mojo_wrapped_from(obj);

	/* Every owner closes first; this only keeps a mistake from leaking. */
	if (WARN_ON_ONCE(w->file))
		mojo_wrapped_close(obj, NULL);
	mojo_user_put(w->user);
	kfree(w);
}

/* Wrapped file descriptors. */
static const struct mojo_object_ops mojo_wrapped_ops = {
	.type		= MOJO_OBJ_WRAPPED,
	.travels	= true,
	.close		= mojo_wrapped_close,
	.release	= mojo_wrapped_release,
};

/**
 * mojo_wrapfd_allowed() - may this file be wrapped?
 * @file: the file
 *
 * Wrapped files sit in message queues. A file that can hold a reference
 * to another file could hold one to a node (or to an export file, whose
 * endpoint's queue may hold the wrapped file itself), and a queue of that
 * node could then hold the file: a cycle that nothing ever frees. Linux
 * collects such cycles for AF_UNIX only (unix_gc()), and it cannot see
 * through our queues. So only kinds proven to hold no reference to any
 * file a user chooses are allowed; every chain of references from an
 * allowed file ends without reaching a file, so no cycle can go through
 * a wrapped file:
 *
 * Eventfds are known by their file operations. Apart from them, no file
 * whose inode is private (S_PRIVATE): the kernel's internal inodes, the
 * anon inodes among them (exported handles, io_uring, epoll, pidfs
 * pidfds). Their mode says nothing: stable kernels have shipped anon
 * inodes marked S_IFREG. Then by type:
 *
 * - Regular files (memfds and shmem) and directories of a filesystem:
 *   an inode, its page cache and what its filesystem keeps (secretmem,
 *   nsfs and guest_memfd hold memory, a namespace or a VM, none of
 *   which holds files). Files of a stacking filesystem (overlayfs, a
 *   loop device's backing file) refer only to files of the same kinds,
 *   which users cannot pick as descriptors.
 * - FIFOs and pipes: buffers hold pages, never files.
 * - Block devices: the device; a loop device's backing file can only
 *   be a regular file or a block device (loop_validate_file()).
 * - Sockets other than AF_UNIX: only AF_UNIX queues carry descriptors
 *   (SCM_RIGHTS). Others that keep sockets attached (KCM keeps TCP
 *   sockets, AF_XDP shares another XDP socket's umem) keep only sockets
 *   of those families, which again carry no descriptors; an attached
 *   BPF program keeps BPF objects, which keep at most perf event files
 *   and struct socks (a sockmap's AF_UNIX sock has its queue purged when
 *   its file is released, so it keeps no descriptor alive).
 * - Eventfds: a counter and a wait queue.
 *
 * Mechanisms that only CAP_SYS_ADMIN can set up may give a regular file
 * or a superblock a reference to a file of its choice (a FUSE
 * passthrough backing file, 9p's trans=fd, binfmt_misc's F flag, an nbd
 * device's NBD_SET_SOCK socket, which may be AF_UNIX); the
 * garbage root can make that way it can make with SCM_RIGHTS too, and
 * is not counted here.
 *
 * Everything else is refused: character devices (/dev/mojoports node
 * files among them, and /dev/fuse, ttys and the rest, which drivers may
 * make hold anything), AF_UNIX sockets, and files without a type of their
 * own (anon inodes: exported handles, io_uring, epoll, bpf objects,
 * timerfd, signalfd, dma-bufs, 6.1's pidfds), which hold files or
 * objects that can.
 *
 * Return: true when @file may be wrapped.
 */
static bool mojo_wrapfd_allowed(struct file *file)
{
	struct inode *inode = file_inode(file);
	umode_t mode = inode->i_mode;
	struct eventfd_ctx *ctx;
	struct socket *sock;

	/* An eventfd is known by its file operations (its inode is private). */
	ctx = eventfd_ctx_fileget(file);
	if (!IS_ERR(ctx)) {
		eventfd_ctx_put(ctx);
		return true;
	}
	if (IS_PRIVATE(inode))
		return false;
	if (S_ISREG(mode) || S_ISDIR(mode) || S_ISFIFO(mode) || S_ISBLK(mode))
		return true;
	if (S_ISSOCK(mode)) {
		sock = sock_from_file(file);
		return sock && sock->sk && sock->sk->sk_family != AF_UNIX;
	}
	return false;
}

/**
 * mojo_wrapfd_op_wrap() - MOJO_IOC_WRAP_FD: a new handle holding a file
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_wrap_fd_args
 *
 * The handle number is reserved and reported (ops.h) before the object
 * becomes reachable through it; on any failure the file reference is
 * dropped and the table is as it was.
 *
 * Return: 0 with the handle in @arg; -EINVAL (flags, reserved, a kind of
 * file that cannot be wrapped), -EBADF, -ETOOMANYREFS (the user's wrapped
 * files would pass the caller's RLIMIT_NOFILE, user.h), -ENOSPC (handle
 * limit), -EPIPE (node dying), -EFAULT, -ENOMEM.
 */
long mojo_wrapfd_op_wrap(struct mojo_node *node, void *arg)
{
	struct mojo_wrap_fd_args *a = arg;
	struct mojo_wrapped *w;
	struct file *file;
	u32 handle;
	int ret;

	if (a->flags || !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	file = fget(a->fd);
	if (!file)
		return -EBADF;
	if (!mojo_wrapfd_allowed(file)) {
		ret = -EINVAL;
		goto out_fput;
	}
	/* As AF_UNIX bounds a user's files in flight (too_many_unix_fds()). */
	if (mojo_user_charge(&node->user->wrapped_files, rlimit(RLIMIT_NOFILE), 1)) {
		if (!capable(CAP_SYS_RESOURCE) && !capable(CAP_SYS_ADMIN)) {
			ret = -ETOOMANYREFS;
			goto out_fput;
		}
		atomic_long_inc(&node->user->wrapped_files);
	}
	w = kzalloc(sizeof(*w), MOJO_GFP);
	if (!w) {
		ret = -ENOMEM;
		goto out_uncharge;
	}
	mojo_object_init(&w->obj, &mojo_wrapped_ops);

	mutex_lock(&node->lock);
	ret = mojo_handle_alloc(node, NULL, &handle);
	mutex_unlock(&node->lock);
	if (ret)
		goto out_free;
	a->handle = handle;
	ret = mojo_call_publish(arg);
	mutex_lock(&node->lock);
	if (!ret && node->dead)
		ret = -EPIPE;
	if (ret) {
		mojo_handle_unreserve(node, handle);
	} else {
		w->file = file;
		w->user = mojo_user_get(node->user);
		mojo_handle_fill(node, handle, &w->obj);
	}
	mutex_unlock(&node->lock);
	if (!ret)
		return 0;
out_free:
	kfree(w);
out_uncharge:
	mojo_user_uncharge(&node->user->wrapped_files, 1);
out_fput:
	fput(file);
	return ret;
}

/*
 * receive_fd() gained a user-pointer argument in 6.8, when it replaced
 * __receive_fd() and receive_fd_user() went (probe MOJO_HAVE_RECEIVE_FD_UFD).
 */
static int mojo_receive_fd(struct file *file, unsigned int o_flags)
{
#ifdef MOJO_HAVE_RECEIVE_FD_UFD
	return receive_fd(file, NULL, o_flags);
#else
	return receive_fd(file, o_flags);
#endif
}

/**
 * mojo_wrapfd_op_unwrap() - MOJO_IOC_UNWRAP_FD: a wrapped handle as a new fd
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_handle_args
 *
 * All or nothing, under the node's lock: the handle must name a wrapped
 * file; receive_fd() then runs the LSM hook (security_file_receive()),
 * reserves a descriptor within RLIMIT_NOFILE, installs the file (with a
 * reference of its own) and updates a socket's cgroup data, and only when
 * it succeeded does the handle leave the table. No other thread can close
 * or send the handle in between, and no unwrap installs a file twice.
 * receive_fd() copies nothing from or to user memory and does bounded
 * work (at most growing the fd table, which may sleep, and the LSM hook),
 * so holding the lock across it holds up no other node: the node lock is
 * a mutex that only operations of this node take (node.h). This is the
 * one call out made under it; a module cannot split receive_fd() into a
 * reservation and an install.
 *
 * Return: the new descriptor; -EINVAL (flags, reserved, not a wrapped
 * handle), -EBADF, -EMFILE, -ENOMEM, or the LSM's error.
 */
long mojo_wrapfd_op_unwrap(struct mojo_node *node, void *arg)
{
	struct mojo_handle_args *a = arg;
	struct mojo_object *obj;
	struct file *file;
	int ret;

	if ((a->flags & ~MOJO_UNWRAP_FD_NO_CLOEXEC) ||
	    !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	mutex_lock(&node->lock);
	obj = mojo_handle_lookup(node, a->handle);
	if (!obj) {
		ret = -EBADF;
	} else if (!mojo_object_is(obj, MOJO_OBJ_WRAPPED)) {
		ret = -EINVAL;
	} else {
		/* Set while the table holds it: only a close clears it. */
		file = mojo_wrapped_from(obj)->file;
		ret = mojo_receive_fd(file, (a->flags & MOJO_UNWRAP_FD_NO_CLOEXEC) ?
					    0 : O_CLOEXEC);
		if (ret >= 0)
			mojo_handle_take(node, a->handle);
	}
	mutex_unlock(&node->lock);
	if (ret < 0)
		return ret;
	/* The table's reference, now ours; the new fd holds its own. */
	mojo_object_close(obj, NULL);
	mojo_object_put(obj);
	return ret;
}
