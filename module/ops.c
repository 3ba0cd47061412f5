// SPDX-License-Identifier: GPL-2.0
/*
 * The operation table and the ioctl dispatcher. See ops.h.
 */

#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/ioctl.h>
#include <linux/kernel.h>
#include <linux/uaccess.h>

#include <uapi/linux/mojoports.h>

#include "datapipe.h"
#include "export.h"
#include "msgpipe.h"
#include "node.h"
#include "ops.h"
#include "trap.h"

static long mojo_op_version(struct mojo_node *node, void *arg);

/* Indexed by _IOC_NR(cmd); holes have no handler and fail lookup. */
static const struct mojo_op mojo_ops[] = {
	[_IOC_NR(MOJO_IOC_VERSION)] = {
		.cmd = MOJO_IOC_VERSION,
		.feature = MOJO_FEATURE_VERSION,
		.name = "version",
		.handler = mojo_op_version,
	},
	[_IOC_NR(MOJO_IOC_NODE_NAME)] = {
		.cmd = MOJO_IOC_NODE_NAME,
		.feature = MOJO_FEATURE_NODE_NAME,
		.name = "node_name",
		.handler = mojo_node_op_name,
	},
	[_IOC_NR(MOJO_IOC_CLOSE)] = {
		.cmd = MOJO_IOC_CLOSE,
		.feature = MOJO_FEATURE_MESSAGE_PIPE,
		.name = "close",
		.handler = mojo_node_op_close,
	},
	[_IOC_NR(MOJO_IOC_QUERY_SIGNALS)] = {
		.cmd = MOJO_IOC_QUERY_SIGNALS,
		.feature = MOJO_FEATURE_SIGNALS,
		.name = "query_signals",
		.handler = mojo_msgpipe_op_query,
	},
	[_IOC_NR(MOJO_IOC_WAIT)] = {
		.cmd = MOJO_IOC_WAIT,
		.feature = MOJO_FEATURE_SIGNALS,
		.name = "wait",
		.handler = mojo_msgpipe_op_wait,
		.out_errs = { EPIPE, ETIMEDOUT, ERESTARTNOHAND },
		.park = MOJO_PARK_SIGNALS,
		.try_handler = mojo_msgpipe_op_wait_try,
	},
	[_IOC_NR(MOJO_IOC_EXPORT)] = {
		.cmd = MOJO_IOC_EXPORT,
		.feature = MOJO_FEATURE_EXPORT,
		.name = "export",
		.handler = mojo_export_op_export,
	},
	[_IOC_NR(MOJO_IOC_IMPORT)] = {
		.cmd = MOJO_IOC_IMPORT,
		.feature = MOJO_FEATURE_EXPORT,
		.name = "import",
		.handler = mojo_export_op_import,
	},
	[_IOC_NR(MOJO_IOC_SET_QUOTA)] = {
		.cmd = MOJO_IOC_SET_QUOTA,
		.feature = MOJO_FEATURE_QUOTA,
		.name = "set_quota",
		.handler = mojo_msgpipe_op_set_quota,
	},
	[_IOC_NR(MOJO_IOC_CREATE_TRAP)] = {
		.cmd = MOJO_IOC_CREATE_TRAP,
		.feature = MOJO_FEATURE_TRAP,
		.name = "create_trap",
		.handler = mojo_trap_op_create,
	},
	[_IOC_NR(MOJO_IOC_ADD_TRIGGER)] = {
		.cmd = MOJO_IOC_ADD_TRIGGER,
		.feature = MOJO_FEATURE_TRAP,
		.name = "add_trigger",
		.handler = mojo_trap_op_add,
	},
	[_IOC_NR(MOJO_IOC_REMOVE_TRIGGER)] = {
		.cmd = MOJO_IOC_REMOVE_TRIGGER,
		.feature = MOJO_FEATURE_TRAP,
		.name = "remove_trigger",
		.handler = mojo_trap_op_remove,
	},
	[_IOC_NR(MOJO_IOC_ARM_TRAP)] = {
		.cmd = MOJO_IOC_ARM_TRAP,
		.feature = MOJO_FEATURE_TRAP,
		.name = "arm_trap",
		.handler = mojo_trap_op_arm,
		.out_errs = { EALREADY },
	},
	[_IOC_NR(MOJO_IOC_READ_TRAP_EVENTS)] = {
		.cmd = MOJO_IOC_READ_TRAP_EVENTS,
		.feature = MOJO_FEATURE_TRAP,
		.name = "read_trap_events",
		.handler = mojo_trap_op_read_events,
	},
	[_IOC_NR(MOJO_IOC_CREATE_MESSAGE_PIPE)] = {
		.cmd = MOJO_IOC_CREATE_MESSAGE_PIPE,
		.feature = MOJO_FEATURE_MESSAGE_PIPE,
		.name = "create_message_pipe",
		.handler = mojo_msgpipe_op_create,
	},
	[_IOC_NR(MOJO_IOC_WRITE_MESSAGE)] = {
		.cmd = MOJO_IOC_WRITE_MESSAGE,
		.feature = MOJO_FEATURE_MESSAGE_PIPE,
		.name = "write_message",
		.handler = mojo_msgpipe_op_write,
	},
	[_IOC_NR(MOJO_IOC_READ_MESSAGE)] = {
		.cmd = MOJO_IOC_READ_MESSAGE,
		.feature = MOJO_FEATURE_MESSAGE_PIPE,
		.name = "read_message",
		.handler = mojo_msgpipe_op_read,
		.out_errs = { EMSGSIZE },
		.park = MOJO_PARK_MESSAGE,
	},
	[_IOC_NR(MOJO_IOC_FUSE)] = {
		.cmd = MOJO_IOC_FUSE,
		.feature = MOJO_FEATURE_FUSE,
		.name = "fuse",
		.handler = mojo_msgpipe_op_fuse,
	},
	[_IOC_NR(MOJO_IOC_CREATE_DATA_PIPE)] = {
		.cmd = MOJO_IOC_CREATE_DATA_PIPE,
		.feature = MOJO_FEATURE_DATA_PIPE,
		.name = "create_data_pipe",
		.handler = mojo_dpipe_op_create,
	},
	[_IOC_NR(MOJO_IOC_WRITE_DATA)] = {
		.cmd = MOJO_IOC_WRITE_DATA,
		.feature = MOJO_FEATURE_DATA_PIPE,
		.name = "write_data",
		.handler = mojo_dpipe_op_write,
	},
	[_IOC_NR(MOJO_IOC_READ_DATA)] = {
		.cmd = MOJO_IOC_READ_DATA,
		.feature = MOJO_FEATURE_DATA_PIPE,
		.name = "read_data",
		.handler = mojo_dpipe_op_read,
		.park = MOJO_PARK_DATA,
	},
	[_IOC_NR(MOJO_IOC_BEGIN_WRITE_DATA)] = {
		.cmd = MOJO_IOC_BEGIN_WRITE_DATA,
		.feature = MOJO_FEATURE_DATA_PIPE,
		.name = "begin_write_data",
		.handler = mojo_dpipe_op_begin_write,
	},
	[_IOC_NR(MOJO_IOC_END_WRITE_DATA)] = {
		.cmd = MOJO_IOC_END_WRITE_DATA,
		.feature = MOJO_FEATURE_DATA_PIPE,
		.name = "end_write_data",
		.handler = mojo_dpipe_op_end_write,
	},
	[_IOC_NR(MOJO_IOC_BEGIN_READ_DATA)] = {
		.cmd = MOJO_IOC_BEGIN_READ_DATA,
		.feature = MOJO_FEATURE_DATA_PIPE,
		.name = "begin_read_data",
		.handler = mojo_dpipe_op_begin_read,
	},
	[_IOC_NR(MOJO_IOC_END_READ_DATA)] = {
		.cmd = MOJO_IOC_END_READ_DATA,
		.feature = MOJO_FEATURE_DATA_PIPE,
		.name = "end_read_data",
		.handler = mojo_dpipe_op_end_read,
	},
	[_IOC_NR(MOJO_IOC_DATA_PIPE_INFO)] = {
		.cmd = MOJO_IOC_DATA_PIPE_INFO,
		.feature = MOJO_FEATURE_DATA_PIPE,
		.name = "data_pipe_info",
		.handler = mojo_dpipe_op_info,
	},
	[_IOC_NR(MOJO_IOC_DATA_PIPE_SET_THRESHOLD)] = {
		.cmd = MOJO_IOC_DATA_PIPE_SET_THRESHOLD,
		.feature = MOJO_FEATURE_DATA_PIPE,
		.name = "data_pipe_set_threshold",
		.handler = mojo_dpipe_op_set_threshold,
	},
};

/*
 * The ABI: every argument struct has this size on every architecture, and
 * fits the dispatchers' on-stack copy.
 */
#define MOJO_ARG_SIZE(type, size)				\
	static_assert(sizeof(struct type) == (size) &&		\
		      sizeof(struct type) <= MOJO_OP_ARG_MAX)
MOJO_ARG_SIZE(mojo_version_args, 32);
MOJO_ARG_SIZE(mojo_node_name_args, 32);
MOJO_ARG_SIZE(mojo_handle_args, 32);
MOJO_ARG_SIZE(mojo_signals_args, 56);
MOJO_ARG_SIZE(mojo_create_message_pipe_args, 32);
MOJO_ARG_SIZE(mojo_write_message_args, 48);
MOJO_ARG_SIZE(mojo_read_message_args, 48);
MOJO_ARG_SIZE(mojo_fuse_args, 32);
MOJO_ARG_SIZE(mojo_export_args, 32);
MOJO_ARG_SIZE(mojo_quota_args, 32);
MOJO_ARG_SIZE(mojo_trap_args, 56);
MOJO_ARG_SIZE(mojo_read_events_args, 32);
MOJO_ARG_SIZE(mojo_create_data_pipe_args, 40);
MOJO_ARG_SIZE(mojo_data_args, 48);
MOJO_ARG_SIZE(mojo_data_pipe_info_args, 64);
static_assert(sizeof(struct mojo_trap_event) == 32);

/**
 * mojo_op_copies_back() - is the argument struct written back after @ret?
 * @op:  the operation
 * @ret: its handler's result
 *
 * Return: true on success, and after the errors listed in @op->out_errs.
 */
bool mojo_op_copies_back(const struct mojo_op *op, long ret)
{
	unsigned int i;

	if (ret >= 0)
		return true;
	for (i = 0; i < ARRAY_SIZE(op->out_errs) && op->out_errs[i]; i++)
		if (ret == -op->out_errs[i])
			return true;
	return false;
}

/**
 * mojo_op_find() - look up the operation of an ioctl number
 * @cmd: the ioctl number (or uring_cmd cmd_op) from userspace
 *
 * Return: the table entry whose number matches @cmd exactly, or NULL.
 */
const struct mojo_op *mojo_op_find(unsigned int cmd)
{
	unsigned int nr = _IOC_NR(cmd);
	const struct mojo_op *op;

	if (_IOC_TYPE(cmd) != MOJO_IOC_MAGIC || nr >= ARRAY_SIZE(mojo_ops))
		return NULL;
	op = &mojo_ops[nr];
	if (!op->handler || op->cmd != cmd)
		return NULL;
	return op;
}

/**
 * mojo_op_features() - the feature bits of every operation in the table
 *
 * Return: the OR of all entries' MOJO_FEATURE_* bits.
 */
u64 mojo_op_features(void)
{
	u64 features = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mojo_ops); i++)
		if (mojo_ops[i].handler)
			features |= mojo_ops[i].feature;
	return features;
}

/**
 * mojo_op_copy_out() - write the argument struct back after a handler ran
 * @op:   the operation
 * @uarg: the user's argument struct
 * @buf:  the kernel copy the handler worked on
 * @ret:  the handler's result
 *
 * The struct is written back when mojo_op_copies_back() says so and the
 * number has _IOC_READ.
 *
 * Return: @ret, or -EFAULT when the struct cannot be written.
 */
long mojo_op_copy_out(const struct mojo_op *op, void __user *uarg,
		      const void *buf, long ret)
{
	if (mojo_op_copies_back(op, ret) && (_IOC_DIR(op->cmd) & _IOC_READ) &&
	    copy_to_user(uarg, buf, _IOC_SIZE(op->cmd)))
		return -EFAULT;
	return ret;
}

/**
 * mojo_op_call() - run one operation on a user's argument struct
 * @node:     the node the operation was submitted on
 * @op:       the operation
 * @uarg:     the user's argument struct
 * @nonblock: call @op->try_handler where there is one, so that an
 *            operation that would sleep returns -EAGAIN instead (io_uring)
 *
 * Copies the argument struct in, runs the handler on the copy and copies
 * the struct back as mojo_op_copy_out() says. Both submission paths, ioctl
 * and uring_cmd, come through here.
 *
 * Return: the handler's result, or -EFAULT when the argument struct cannot
 * be read or written.
 */
long mojo_op_call(struct mojo_node *node, const struct mojo_op *op,
		  void __user *uarg, bool nonblock)
{
	u64 buf[MOJO_OP_ARG_MAX / sizeof(u64)];
	size_t size = _IOC_SIZE(op->cmd);
	long ret;

	if (WARN_ON_ONCE(size > sizeof(buf)))
		return -ENOTTY;
	if (_IOC_DIR(op->cmd) & _IOC_WRITE) {
		if (copy_from_user(buf, uarg, size))
			return -EFAULT;
	} else {
		memset(buf, 0, size);
	}
	if (nonblock && op->try_handler)
		ret = op->try_handler(node, buf);
	else
		ret = op->handler(node, buf);
	return mojo_op_copy_out(op, uarg, buf, ret);
}

/**
 * mojo_op_ioctl() - run one operation for ioctl(2)
 * @node: the node of the file the ioctl was made on
 * @cmd:  the ioctl number
 * @uarg: the user's argument struct
 *
 * Return: as mojo_op_call(), or -ENOTTY for an unknown number.
 */
long mojo_op_ioctl(struct mojo_node *node, unsigned int cmd,
		   void __user *uarg)
{
	const struct mojo_op *op = mojo_op_find(cmd);

	if (!op)
		return -ENOTTY;
	return mojo_op_call(node, op, uarg, false);
}

/**
 * mojo_op_version() - MOJO_IOC_VERSION: report the ABI version and features
 * @node: the calling node (unused)
 * @arg:  kernel copy of a struct mojo_version_args
 *
 * Return: 0, or -EINVAL when a reserved field is set.
 */
static long mojo_op_version(struct mojo_node *node, void *arg)
{
	struct mojo_version_args *a = arg;

	if (a->reserved0 || !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	a->version = MOJO_API_VERSION;
	/* Every operation of the table also runs as a uring_cmd. */
	a->features = mojo_op_features() | MOJO_FEATURE_URING;
	return 0;
}
