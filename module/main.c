// SPDX-License-Identifier: GPL-2.0
/*
 * mojoports: Mojo's IPC model (nodes, ports, message pipes, data pipes)
 * behind one misc character device, /dev/mojoports.
 *
 * This file holds the module's entry points and the file operations of
 * the device. Each open file is one node (node.h); every ioctl goes through
 * the operation table (ops.h).
 */

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sizes.h>

#include "datapipe.h"
#include "debugfs.h"
#include "message.h"
#include "node.h"
#include "ops.h"
#include "port.h"
#include "uring.h"
#include "user.h"

/*
 * Limits. Each is read when it applies (a write, a new port, a new handle),
 * so a change through /sys/module/mojoports/parameters/ takes effect for
 * what comes after it. Each has a range (struct mojo_param, user.h): a
 * value outside it is refused with -EINVAL, at load and later.
 */

/*
 * The largest max_message_bytes (port.h): a message is one kvmalloc() of
 * header, object pointers and payload, and kvmalloc() refuses more than
 * INT_MAX.
 */
static_assert(sizeof(struct mojo_message) +
	      MOJO_MAX_MESSAGE_HANDLES * sizeof(struct mojo_object *) +
	      MOJO_MESSAGE_BYTES_MAX <= INT_MAX);

/* Handles of one node, endpoints in one user's messages: at most 2^24. */
#define MOJO_HANDLES_MAX	SZ_16M

/* The largest data pipe ring: 1 GiB. */
#define MOJO_DP_CAPACITY_MAX	SZ_1G

unsigned int mojo_max_message_bytes = 1 << 20;
mojo_param_uint(max_message_bytes, mojo_max_message_bytes,
		0, MOJO_MESSAGE_BYTES_MAX);
MODULE_PARM_DESC(max_message_bytes, "Largest message payload in bytes, 0 .. 2^30 (default 1 MiB)");

unsigned int mojo_default_queue_msgs = 1024;
mojo_param_uint(default_queue_msgs, mojo_default_queue_msgs,
		1, MOJO_QUOTA_MAX_MSGS);
MODULE_PARM_DESC(default_queue_msgs, "Receive queue quota of a new port, in messages, 1 .. 2^20 (default 1024)");

unsigned int mojo_default_queue_bytes = 8 << 20;
mojo_param_uint(default_queue_bytes, mojo_default_queue_bytes,
		1, MOJO_QUOTA_MAX_BYTES);
MODULE_PARM_DESC(default_queue_bytes, "Receive queue quota of a new port, in payload bytes, 1 .. 2^30 (default 8 MiB)");

unsigned int mojo_max_handles = 65536;
mojo_param_uint(max_handles, mojo_max_handles, 1, MOJO_HANDLES_MAX);
MODULE_PARM_DESC(max_handles, "Most handles one node may hold, 1 .. 2^24 (default 65536)");

unsigned int mojo_max_data_pipe_capacity = 64 << 20;
mojo_param_uint(max_data_pipe_capacity, mojo_max_data_pipe_capacity,
		1, MOJO_DP_CAPACITY_MAX);
MODULE_PARM_DESC(max_data_pipe_capacity, "Largest data pipe ring in bytes, 1 .. 2^30 (default 64 MiB)");

unsigned long mojo_max_user_ring_bytes;
mojo_param_ulong(max_user_ring_bytes, mojo_max_user_ring_bytes,
		 1, LONG_MAX, true);
MODULE_PARM_DESC(max_user_ring_bytes, "Data pipe ring memory one user may hold, in bytes, 1 .. 2^63-1 (default, or 0: an eighth of RAM, at least 64 MiB)");

unsigned long mojo_max_user_queue_bytes;
mojo_param_ulong(max_user_queue_bytes, mojo_max_user_queue_bytes,
		 1, LONG_MAX, true);
MODULE_PARM_DESC(max_user_queue_bytes, "Memory of unread messages one user may have written, in bytes, 1 .. 2^63-1 (default, or 0: an eighth of RAM, at least 64 MiB)");

unsigned int mojo_max_user_transit_ports = 65536;
mojo_param_uint(max_user_transit_ports, mojo_max_user_transit_ports,
		0, MOJO_HANDLES_MAX);
MODULE_PARM_DESC(max_user_transit_ports, "Handles (endpoints, wrapped fds) one user's unread messages may carry, 0 .. 2^24 (default 65536)");

static int mojo_open(struct inode *inode, struct file *file)
{
	struct mojo_node *node;

	node = mojo_node_create();
	if (!node)
		return -ENOMEM;
	file->private_data = node;
	return 0;
}

/*
 * The node's death. Its mappings hold their own files (datapipe.h), not
 * this one, so this runs when the last fd is closed, whatever is mapped;
 * the mappings of the endpoints it held are revoked first.
 */
static int mojo_release(struct inode *inode, struct file *file)
{
	mojo_dpipe_node_revoke(file->private_data);
	mojo_node_release(file->private_data);
	return 0;
}

static __poll_t mojo_poll(struct file *file, poll_table *wait)
{
	struct mojo_node *node = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &node->wq, wait);
	spin_lock(&node->events_lock);
	if (!list_empty(&node->events))
		mask = EPOLLIN | EPOLLRDNORM;
	spin_unlock(&node->events_lock);
	return mask;
}

static int mojo_mmap(struct file *file, struct vm_area_struct *vma)
{
	return mojo_dpipe_mmap(file->private_data, vma);
}

static int mojo_flush(struct file *file, fl_owner_t id)
{
	mojo_uring_flush(file, id);
	return 0;
}

static void mojo_show_fdinfo(struct seq_file *m, struct file *file)
{
	mojo_debug_fdinfo(m, file->private_data);
}

static long mojo_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return mojo_op_ioctl(file->private_data, cmd, (void __user *)arg);
}

static const struct file_operations mojo_fops = {
	.owner		= THIS_MODULE,
	.open		= mojo_open,
	.release	= mojo_release,
	.poll		= mojo_poll,
	.mmap		= mojo_mmap,
	.flush		= mojo_flush,
	.uring_cmd	= mojo_uring_cmd,
	.unlocked_ioctl	= mojo_ioctl,
	/* Argument structs have one layout for 32- and 64-bit callers. */
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
	.show_fdinfo	= mojo_show_fdinfo,
};

static struct miscdevice mojo_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "mojoports",
	.fops	= &mojo_fops,
	.mode	= 0666,
};

static int __init mojo_init(void)
{
	int ret;

	mojo_user_init();
	ret = mojo_dpipe_init();
	if (ret)
		return ret;
	ret = misc_register(&mojo_misc);
	if (ret) {
		mojo_dpipe_exit();
		return ret;
	}
	/*
	 * Only once the load can no longer fail: a debugfs file opened
	 * before a failed load would outlive the module's memory.
	 */
	mojo_debug_init();
	return 0;
}

static void __exit mojo_exit(void)
{
	mojo_debug_exit();
	misc_deregister(&mojo_misc);
	mojo_uring_exit();
	mojo_dpipe_exit();
}

module_init(mojo_init);
module_exit(mojo_exit);

MODULE_DESCRIPTION("mojoports: Mojo ports, message pipes and data pipes");
MODULE_AUTHOR("The mojoports developers");
MODULE_LICENSE("GPL");
