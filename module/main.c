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

#include "node.h"
#include "ops.h"

static int mojo_open(struct inode *inode, struct file *file)
{
	struct mojo_node *node;

	node = mojo_node_create();
	if (!node)
		return -ENOMEM;
	file->private_data = node;
	return 0;
}

static int mojo_release(struct inode *inode, struct file *file)
{
	mojo_node_destroy(file->private_data);
	return 0;
}

static long mojo_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return mojo_op_ioctl(file->private_data, cmd, (void __user *)arg);
}

static const struct file_operations mojo_fops = {
	.owner		= THIS_MODULE,
	.open		= mojo_open,
	.release	= mojo_release,
	.unlocked_ioctl	= mojo_ioctl,
	/* Argument structs have one layout for 32- and 64-bit callers. */
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice mojo_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "mojoports",
	.fops	= &mojo_fops,
	.mode	= 0666,
};

static int __init mojo_init(void)
{
	return misc_register(&mojo_misc);
}

static void __exit mojo_exit(void)
{
	misc_deregister(&mojo_misc);
}

module_init(mojo_init);
module_exit(mojo_exit);

MODULE_DESCRIPTION("mojoports: Mojo ports, message pipes and data pipes");
MODULE_AUTHOR("The mojoports developers");
MODULE_LICENSE("GPL");
