// SPDX-License-Identifier: GPL-2.0
/*
 * Export and import: a handle as a file descriptor, to bootstrap between
 * processes that share no node. See struct mojo_export_args.
 *
 * An export file holds one object (a port, IN_TRANSIT with no container)
 * in file->private_data. Import takes it out with xchg(), so however many
 * descriptors share the file, exactly one import succeeds; release closes
 * whatever was never imported.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>

#include "datapipe.h"
#include "debugfs.h"
#include "export.h"
#include "message.h"
#include "mojo_trace.h"
#include "node.h"
#include "ops.h"
#include "port.h"

static int mojo_export_release(struct inode *inode, struct file *file)
{
	struct mojo_object *obj = xchg(&file->private_data, NULL);
	LIST_HEAD(reap);

	if (obj) {
		mojo_object_close(obj, &reap);
		mojo_object_put(obj);
		mojo_message_free_list(&reap);
	}
	return 0;
}

static const struct file_operations mojo_export_fops = {
	.owner		= THIS_MODULE,
	.release	= mojo_export_release,
	.llseek		= noop_llseek,
};

/**
 * mojo_export_op_export() - MOJO_IOC_EXPORT: move a handle into a new fd
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_export_args
 *
 * Return: 0 with the fd in @arg; -EBADF, -EINVAL, -EBUSY, -EMFILE, -EFAULT,
 * -ENOMEM.
 */
long mojo_export_op_export(struct mojo_node *node, void *arg)
{
	struct mojo_export_args *a = arg;
	struct mojo_object *obj;
	struct mojo_port *port;
	struct file *file;
	int fd, ret = 0;

	if (a->flags || a->reserved0 ||
	    !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = anon_inode_getfile("[mojoports-handle]", &mojo_export_fops,
				  NULL, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	/*
	 * The number is reserved but not installed: report it before the
	 * handle leaves, so that a failed report leaves the handle here.
	 */
	a->fd = fd;
	ret = mojo_call_publish(arg);
	if (ret) {
		put_unused_fd(fd);
		fput(file);
		return ret;
	}

	mutex_lock(&node->lock);
	obj = mojo_handle_lookup(node, a->handle);
	if (!obj) {
		ret = -EBADF;
	} else if (!mojo_object_is(obj, MOJO_OBJ_PORT)) {
		ret = -EINVAL;
	} else {
		port = mojo_port_from(obj);
		spin_lock(&port->lock);
		if (!mojo_port_held(port, node) ||
		    (port->dp && mojo_dpipe_busy(port))) {
			ret = -EBUSY;
		} else {
			trace_mojo_export(node, a->handle, port, NULL);
			mojo_stat_inc(MOJO_STAT_EXPORTS);
			port->state = MOJO_PORT_IN_TRANSIT;
			WRITE_ONCE(port->node, NULL);
		}
		spin_unlock(&port->lock);
		if (!ret) {
			mojo_handle_take(node, a->handle);
			/* Nobody can import it before the fd is installed. */
			if (port->dp)
				mojo_dpipe_revoke(port);
			file->private_data = obj;
			/* The port's reference; the file holds another. */
			mojo_node_put(node);
		}
	}
	mutex_unlock(&node->lock);

	if (ret) {
		put_unused_fd(fd);
		fput(file);
		return ret;
	}
	if (port->dp)
		mojo_dpipe_zap(port);
	/* Ours, and the peer's PEER_REMOTE. */
	mojo_port_wake_pair(port);
	fd_install(fd, file);
	return 0;
}

/**
 * mojo_export_op_import() - MOJO_IOC_IMPORT: turn an exported fd into a handle
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_export_args
 *
 * Return: 0 with the handle in @arg; -EBADF, -EINVAL, -EALREADY, -ENOSPC,
 * -EFAULT, -ENOMEM.
 */
long mojo_export_op_import(struct mojo_node *node, void *arg)
{
	struct mojo_export_args *a = arg;
	struct mojo_object *obj;
	struct mojo_port *port;
	struct file *file;
	u32 handle;
	int ret;

	if (a->flags || a->reserved0 ||
	    !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	file = fget(a->fd);
	if (!file)
		return -EBADF;
	if (file->f_op != &mojo_export_fops) {
		ret = -EINVAL;
		goto out;
	}

	if (!READ_ONCE(file->private_data)) {
		ret = -EALREADY;
		goto out;
	}
	mutex_lock(&node->lock);
	ret = mojo_handle_alloc(node, NULL, &handle);
	mutex_unlock(&node->lock);
	if (ret)
		goto out;
	/* Reported before the file's endpoint is taken (ops.h). */
	a->handle = handle;
	ret = mojo_call_publish(arg);
	mutex_lock(&node->lock);
	obj = ret ? NULL : xchg(&file->private_data, NULL);
	if (!obj) {
		mojo_handle_unreserve(node, handle);
		mutex_unlock(&node->lock);
		ret = ret ?: -EALREADY;
		goto out;
	}
	port = mojo_port_from(obj);
	spin_lock(&port->lock);
	port->state = MOJO_PORT_RECEIVING;
	WRITE_ONCE(port->node, mojo_node_get(node));
	trace_mojo_import(node, handle, port, NULL);
	mojo_stat_inc(MOJO_STAT_IMPORTS);
	spin_unlock(&port->lock);
	mojo_handle_fill(node, handle, obj);
	/* Held past the unlock, for the wake: the handle may close at once. */
	mojo_port_get(port);
	mutex_unlock(&node->lock);
	/* The peer's PEER_REMOTE may have changed. */
	mojo_port_wake_pair(port);
	mojo_port_put(port);
out:
	fput(file);
	return ret;
}
