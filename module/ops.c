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
#include "debugfs.h"
#include "export.h"
#include "mojo_trace.h"
#include "msgpipe.h"
#include "node.h"
#include "ops.h"
#include "trap.h"
#include "wrapfd.h"

static long mojo_op_version(struct mojo_node *node, void *arg);

/* Indexed by _IOC_NR(cmd); holes have no handler and fail lookup. */
static const struct mojo_op mojo_ops[] = {
	[_IOC_NR(MOJO_IOC_VERSION)] = {
		.cmd = MOJO_IOC_VERSION,
		.feature = MOJO_FEATURE_VERSION,
		.name = "version",
		.handler = mojo_op_version,
		.out = MOJO_FIELD(mojo_version_args, version) |
		       MOJO_FIELD(mojo_version_args, features),
	},
	[_IOC_NR(MOJO_IOC_NODE_NAME)] = {
		.cmd = MOJO_IOC_NODE_NAME,
		.feature = MOJO_FEATURE_NODE_NAME,
		.name = "node_name",
		.handler = mojo_node_op_name,
		.out = MOJO_FIELD(mojo_node_name_args, name),
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
		.out = MOJO_FIELD(mojo_signals_args, satisfied) |
		       MOJO_FIELD(mojo_signals_args, satisfiable),
	},
	[_IOC_NR(MOJO_IOC_WAIT)] = {
		.cmd = MOJO_IOC_WAIT,
		.feature = MOJO_FEATURE_SIGNALS,
		.name = "wait",
		.handler = mojo_msgpipe_op_wait,
		.out = MOJO_FIELD(mojo_signals_args, satisfied) |
		       MOJO_FIELD(mojo_signals_args, satisfiable),
		.inout = MOJO_FIELD(mojo_signals_args, timeout_ns),
		.out_errs = { EPIPE, ETIMEDOUT, ERESTARTNOHAND },
		.park = MOJO_PARK_SIGNALS,
		.try_handler = mojo_msgpipe_op_wait_try,
	},
	[_IOC_NR(MOJO_IOC_EXPORT)] = {
		.cmd = MOJO_IOC_EXPORT,
		.feature = MOJO_FEATURE_EXPORT,
		.name = "export",
		.handler = mojo_export_op_export,
		.out = MOJO_FIELD(mojo_export_args, fd),
	},
	[_IOC_NR(MOJO_IOC_IMPORT)] = {
		.cmd = MOJO_IOC_IMPORT,
		.feature = MOJO_FEATURE_EXPORT,
		.name = "import",
		.handler = mojo_export_op_import,
		.out = MOJO_FIELD(mojo_export_args, handle),
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
		.out = MOJO_FIELD(mojo_trap_args, trap),
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
		.out = MOJO_FIELD(mojo_trap_args, context) |
		       MOJO_FIELD(mojo_trap_args, satisfied) |
		       MOJO_FIELD(mojo_trap_args, satisfiable) |
		       MOJO_FIELD(mojo_trap_args, result),
		.out_errs = { EALREADY },
	},
	[_IOC_NR(MOJO_IOC_READ_TRAP_EVENTS)] = {
		.cmd = MOJO_IOC_READ_TRAP_EVENTS,
		.feature = MOJO_FEATURE_TRAP,
		.name = "read_trap_events",
		.handler = mojo_trap_op_read_events,
		.inout = MOJO_FIELD(mojo_read_events_args, num_events),
	},
	[_IOC_NR(MOJO_IOC_WRAP_FD)] = {
		.cmd = MOJO_IOC_WRAP_FD,
		.feature = MOJO_FEATURE_WRAP_FD,
		.name = "wrap_fd",
		.handler = mojo_wrapfd_op_wrap,
		.out = MOJO_FIELD(mojo_wrap_fd_args, handle),
	},
	[_IOC_NR(MOJO_IOC_UNWRAP_FD)] = {
		.cmd = MOJO_IOC_UNWRAP_FD,
		.feature = MOJO_FEATURE_WRAP_FD,
		.name = "unwrap_fd",
		/* The new fd is the result: nothing is written back. */
		.handler = mojo_wrapfd_op_unwrap,
	},
	[_IOC_NR(MOJO_IOC_CREATE_MESSAGE_PIPE)] = {
		.cmd = MOJO_IOC_CREATE_MESSAGE_PIPE,
		.feature = MOJO_FEATURE_MESSAGE_PIPE,
		.name = "create_message_pipe",
		.handler = mojo_msgpipe_op_create,
		.out = MOJO_FIELD(mojo_create_message_pipe_args, handle0) |
		       MOJO_FIELD(mojo_create_message_pipe_args, handle1),
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
		.inout = MOJO_FIELD(mojo_read_message_args, num_bytes) |
			 MOJO_FIELD(mojo_read_message_args, num_handles),
		.out_errs = { EMSGSIZE },
		.park = MOJO_PARK_MESSAGE,
	},
	[_IOC_NR(MOJO_IOC_FUSE)] = {
		.cmd = MOJO_IOC_FUSE,
		.feature = MOJO_FEATURE_FUSE,
		.name = "fuse",
		.handler = mojo_msgpipe_op_fuse,
	},
	[_IOC_NR(MOJO_IOC_SET_SIGNAL_QUOTA)] = {
		.cmd = MOJO_IOC_SET_SIGNAL_QUOTA,
		.feature = MOJO_FEATURE_SIGNAL_QUOTA,
		.name = "set_signal_quota",
		.handler = mojo_msgpipe_op_set_signal_quota,
	},
	[_IOC_NR(MOJO_IOC_QUERY_QUOTA)] = {
		.cmd = MOJO_IOC_QUERY_QUOTA,
		.feature = MOJO_FEATURE_SIGNAL_QUOTA,
		.name = "query_quota",
		.handler = mojo_msgpipe_op_query_quota,
		.out = MOJO_FIELD(mojo_signal_quota_args, queue_msgs) |
		       MOJO_FIELD(mojo_signal_quota_args, queue_bytes) |
		       MOJO_FIELD(mojo_signal_quota_args, unread_msgs) |
		       MOJO_FIELD(mojo_signal_quota_args, queued_msgs) |
		       MOJO_FIELD(mojo_signal_quota_args, queued_bytes) |
		       MOJO_FIELD(mojo_signal_quota_args, unread),
	},
	[_IOC_NR(MOJO_IOC_CREATE_DATA_PIPE)] = {
		.cmd = MOJO_IOC_CREATE_DATA_PIPE,
		.feature = MOJO_FEATURE_DATA_PIPE,
		.name = "create_data_pipe",
		.handler = mojo_dpipe_op_create,
		.out = MOJO_FIELD(mojo_create_data_pipe_args, producer) |
		       MOJO_FIELD(mojo_create_data_pipe_args, consumer),
	},
	[_IOC_NR(MOJO_IOC_WRITE_DATA)] = {
		.cmd = MOJO_IOC_WRITE_DATA,
		.feature = MOJO_FEATURE_DATA_PIPE,
		.name = "write_data",
		.handler = mojo_dpipe_op_write,
		.inout = MOJO_FIELD(mojo_data_args, num_bytes),
	},
	[_IOC_NR(MOJO_IOC_READ_DATA)] = {
		.cmd = MOJO_IOC_READ_DATA,
		.feature = MOJO_FEATURE_DATA_PIPE,
		.name = "read_data",
		.handler = mojo_dpipe_op_read,
		.inout = MOJO_FIELD(mojo_data_args, num_bytes),
		.park = MOJO_PARK_DATA,
	},
	[_IOC_NR(MOJO_IOC_BEGIN_WRITE_DATA)] = {
		.cmd = MOJO_IOC_BEGIN_WRITE_DATA,
		.feature = MOJO_FEATURE_DATA_PIPE,
		.name = "begin_write_data",
		.handler = mojo_dpipe_op_begin_write,
		.out = MOJO_FIELD(mojo_data_args, num_bytes) |
		       MOJO_FIELD(mojo_data_args, offset),
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
		.out = MOJO_FIELD(mojo_data_args, num_bytes) |
		       MOJO_FIELD(mojo_data_args, offset),
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
		.out = MOJO_FIELD(mojo_data_pipe_info_args, element_size) |
		       MOJO_FIELD(mojo_data_pipe_info_args, producer) |
		       MOJO_FIELD(mojo_data_pipe_info_args, capacity) |
		       MOJO_FIELD(mojo_data_pipe_info_args, map_offset) |
		       MOJO_FIELD(mojo_data_pipe_info_args, map_size) |
		       MOJO_FIELD(mojo_data_pipe_info_args, read_threshold) |
		       MOJO_FIELD(mojo_data_pipe_info_args, write_threshold),
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
MOJO_ARG_SIZE(mojo_signal_quota_args, 64);
MOJO_ARG_SIZE(mojo_export_args, 32);
MOJO_ARG_SIZE(mojo_wrap_fd_args, 32);
MOJO_ARG_SIZE(mojo_quota_args, 32);
MOJO_ARG_SIZE(mojo_trap_args, 56);
MOJO_ARG_SIZE(mojo_read_events_args, 32);
MOJO_ARG_SIZE(mojo_create_data_pipe_args, 40);
MOJO_ARG_SIZE(mojo_data_args, 48);
MOJO_ARG_SIZE(mojo_data_pipe_info_args, 64);
static_assert(sizeof(struct mojo_trap_event) == 32);
static_assert(sizeof(struct mojo_sender_creds) == 16);

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

/* Is @call->out written back after @ret? */
static bool mojo_call_reports(const struct mojo_call *call, long ret)
{
	const struct mojo_op *op = call->op;
	unsigned int i;

	if (ret >= 0)
		return true;
	for (i = 0; i < ARRAY_SIZE(op->out_errs) && op->out_errs[i]; i++)
		if (ret == -op->out_errs[i])
			return true;
	return false;
}

/* Copy the bytes of @buf that @mask names to the same places in @uarg. */
static int mojo_copy_masked(void __user *uarg, const void *buf, u64 mask,
			    size_t size)
{
	size_t i, end;

	for (i = 0; i < size; i = end) {
		end = i + 1;
		if (!(mask & BIT_ULL(i)))
			continue;
		while (end < size && (mask & BIT_ULL(end)))
			end++;
		if (copy_to_user(uarg + i, buf + i, end - i))
			return -EFAULT;
	}
	return 0;
}

/**
 * mojo_call_init() - start a call: read the user's argument struct
 * @call: the call to set up
 * @op:   the operation
 * @uarg: the user's argument struct
 *
 * Return: 0, or -EFAULT when the struct cannot be read.
 */
int mojo_call_init(struct mojo_call *call, const struct mojo_op *op,
		   void __user *uarg)
{
	size_t size = _IOC_SIZE(op->cmd);

	if (WARN_ON_ONCE(size > sizeof(call->in)))
		return -ENOTTY;
	call->op = op;
	call->uarg = uarg;
	call->published = false;
	call->node = NULL;
	memset(call->in, 0, sizeof(call->in));
	if ((_IOC_DIR(op->cmd) & _IOC_WRITE) && copy_from_user(call->in, uarg, size))
		return -EFAULT;
	return 0;
}

/**
 * mojo_call_run() - run the handler of a call, from the user's input
 * @node:     the node the operation was submitted on
 * @call:     the call, from mojo_call_init()
 * @nonblock: call the operation's try_handler where there is one, so that
 *            an operation that would sleep returns -EAGAIN instead
 *            (io_uring)
 *
 * Each run starts from the struct the user passed, with the out-only
 * fields zeroed, so a parked io_uring command runs again as it first did.
 *
 * Return: the handler's result.
 */
long mojo_call_run(struct mojo_node *node, struct mojo_call *call,
		   bool nonblock)
{
	const struct mojo_op *op = call->op;
	u8 *arg = (u8 *)call->arg;
	size_t i;

	call->node = node;
	memcpy(call->arg, call->in, sizeof(call->arg));
	for (i = 0; i < _IOC_SIZE(op->cmd); i++)
		if (op->out & BIT_ULL(i))
			arg[i] = 0;
	call->out = op->out | op->inout;
	call->published = false;
	if (nonblock && op->try_handler)
		return op->try_handler(node, call->arg);
	return op->handler(node, call->arg);
}

/**
 * mojo_call_publish() - write a call's out fields now, before committing
 * @arg: the argument a handler was given (the @arg of a struct mojo_call)
 *
 * For handlers that change state and report something: call it with the
 * report filled in and the change not yet made, and make the change only
 * if it succeeds. Publishing again (a handler that starts over) rewrites
 * the fields.
 *
 * Return: 0, or -EFAULT when the struct cannot be written.
 */
int mojo_call_publish(void *arg)
{
	struct mojo_call *call = container_of(arg, struct mojo_call, arg);
	int ret;

	ret = mojo_copy_masked(call->uarg, call->arg, call->out,
			       _IOC_SIZE(call->op->cmd));
	/* Even a partly written report is undone if the call fails. */
	call->published = true;
	return ret;
}

/**
 * mojo_call_set_out() - narrow what a call writes back
 * @arg: the argument a handler was given (the @arg of a struct mojo_call)
 * @out: the bytes to write back (MOJO_FIELD()s), a subset of the
 *       operation's out fields
 */
void mojo_call_set_out(void *arg, u64 out)
{
	struct mojo_call *call = container_of(arg, struct mojo_call, arg);

	call->out = out & (call->op->out | call->op->inout);
}

/**
 * mojo_call_finish() - write a call's out fields back after its handler
 * @call: the call
 * @ret:  the handler's result
 *
 * On success (and the errors the operation reports with), the out fields
 * are written back unless the handler published them. After any other
 * error nothing is written, and fields a handler published are given back
 * the caller's bytes: a call that fails leaves the struct as it was.
 *
 * Return: @ret, or -EFAULT when the out fields cannot be written (the
 * handler of an operation that changes state publishes before it commits,
 * so this only fails calls that changed nothing).
 */
long mojo_call_finish(struct mojo_call *call, long ret)
{
	size_t size = _IOC_SIZE(call->op->cmd);

	mojo_debug_log_error(call->node, call->op, ret,
			     mojo_call_reports(call, ret));
	if (!(_IOC_DIR(call->op->cmd) & _IOC_READ))
		return ret;
	if (mojo_call_reports(call, ret)) {
		if (!call->published &&
		    mojo_copy_masked(call->uarg, call->arg, call->out, size))
			return -EFAULT;
	} else if (call->published) {
		/* Best effort: the caller may have unmapped it meanwhile. */
		mojo_copy_masked(call->uarg, call->in, call->out, size);
	}
	return ret;
}

/**
 * mojo_op_ioctl() - run one operation for ioctl(2)
 * @node: the node of the file the ioctl was made on
 * @cmd:  the ioctl number
 * @uarg: the user's argument struct
 *
 * Return: the operation's result, -EFAULT when the argument struct
 * cannot be read (or the out fields of an operation that changed nothing
 * cannot be written), or -ENOTTY for an unknown number.
 */
long mojo_op_ioctl(struct mojo_node *node, unsigned int cmd,
		   void __user *uarg)
{
	const struct mojo_op *op = mojo_op_find(cmd);
	struct mojo_call call;
	long ret;

	if (!op)
		return -ENOTTY;
	ret = mojo_call_init(&call, op, uarg);
	if (ret)
		return ret;
	return mojo_call_finish(&call, mojo_call_run(node, &call, false));
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
	/*
	 * Every operation of the table also runs as a uring_cmd; behaviours
	 * that are not operations (a read's flag, signal meanings) are
	 * announced here.
	 */
	a->features = mojo_op_features() | MOJO_FEATURE_URING |
		      MOJO_FEATURE_SENDER_CREDS |
		      MOJO_FEATURE_PEER_CLOSED_ON_ARRIVAL |
		      MOJO_FEATURE_PEER_REMOTE | MOJO_FEATURE_FUSE_FLOW_ON;
	return 0;
}
