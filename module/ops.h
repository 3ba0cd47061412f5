/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_OPS_H
#define __MOJO_OPS_H

/**
 * DOC: Operation table
 *
 * Every mojoports operation is one entry of a single table, indexed by the
 * nr field of its ioctl number. Both submission paths, ioctl(2) and
 * io_uring's uring_cmd, look the entry up with mojo_op_find() and run it
 * through a struct mojo_call: mojo_call_init() copies the argument struct
 * into kernel memory, mojo_call_run() calls the handler on that copy, and
 * mojo_call_finish() writes the operation's out fields back. Handlers
 * never see a user pointer to their argument struct and cannot tell which
 * path called them, so a new path needs no new logic.
 *
 * A lookup matches the whole ioctl number (type, nr, direction and size),
 * so a caller built against a different layout of an argument struct gets
 * -ENOTTY rather than a misread struct.
 *
 * All or nothing. Handlers validate everything in their argument
 * (reserved fields first) before they change any state, so a rejected
 * call changes nothing. Only the fields an entry names (struct mojo_op's
 * @out and @inout) are written back, never the other fields the caller
 * passed in; out fields are zeroed before the handler runs, so whatever
 * the caller left in them is ignored. An operation that changes state and also
 * reports something (new handles, an fd, a byte count) must not fail
 * after the change because its report cannot be written: its handler
 * calls mojo_call_publish() once the report is known and before the
 * change is made, and gives up with -EFAULT, having changed nothing, when
 * that fails. When such a handler fails after publishing anyway (another
 * thread took what it had prepared), mojo_call_finish() writes the
 * caller's original bytes back over the published fields. Operations that
 * change nothing are written back at the end, when a failed write simply
 * makes the call fail with -EFAULT.
 */

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>

struct mojo_node;

/*
 * Largest argument struct of any operation; the dispatchers keep the copy
 * on their stack. Checked against every entry at build time.
 */
#define MOJO_OP_ARG_MAX	64

/**
 * MOJO_FIELD() - the bytes of one field of an argument struct, as a mask
 * @type:  the struct's tag (mojo_..._args)
 * @field: the member
 *
 * Bit i stands for byte i of the struct; argument structs are at most
 * MOJO_OP_ARG_MAX (64) bytes, so a u64 covers any of them.
 */
#define MOJO_FIELD(type, field)						\
	GENMASK_ULL(offsetof(struct type, field) +			\
		    sizeof_field(struct type, field) - 1,		\
		    offsetof(struct type, field))

/**
 * struct mojo_op - one operation of the table
 * @cmd:     the full ioctl number, also the uring_cmd cmd_op
 * @feature: the MOJO_FEATURE_* bit that announces this operation
 * @name:    the operation's name, for diagnostics
 * @handler: does the work on a kernel copy of the argument struct (the
 *           @arg of a struct mojo_call); returns a non-negative result or
 *           a negative errno
 * @out:     the out fields (MOJO_FIELD()s): zeroed before the handler
 *           runs, so whatever the caller left there never matters, and
 *           written back on success
 * @inout:   fields that are input and are written back on success (the
 *           sizes of MOJO_IOC_READ_MESSAGE); @out and @inout are 0 for
 *           operations that report nothing, which never write the struct
 * @out_errs: errnos (positive, 0 terminates) after which @out and @inout
 *           are still
 *           written back, because the handler reports something with the
 *           error (MOJO_IOC_READ_MESSAGE's needed sizes on EMSGSIZE)
 * @park:    for io_uring (uring.h): what an asynchronous command of this
 *           operation waits for instead of failing with -EAGAIN
 * @try_handler: for operations that block (MOJO_IOC_WAIT): a variant that
 *           returns -EAGAIN instead of blocking, for asynchronous commands;
 *           otherwise it gives the handler's results (a WAIT with a timeout
 *           of 0 polls: -ETIMEDOUT)
 */
struct mojo_op {
	unsigned int cmd;
	u64 feature;
	const char *name;
	long (*handler)(struct mojo_node *node, void *arg);
	u64 out;
	u64 inout;
	int out_errs[3];
	u8 park;
	long (*try_handler)(struct mojo_node *node, void *arg);
};

/**
 * struct mojo_call - one run of an operation on a user's argument struct
 * @op:        the operation
 * @uarg:      the user's argument struct
 * @out:       the bytes of @arg to write back; starts as @op->out |
 *             @op->inout, and a handler may narrow it with
 *             mojo_call_set_out()
 * @published: mojo_call_publish() has written @out to @uarg
 * @node:      the node it last ran on, for the log of failed operations
 *             (debugfs.h); NULL before it first runs. No reference: the
 *             caller's file, or the io_uring request, holds the node
 * @arg:       the kernel copy the handler works on
 * @in:        the struct as the user passed it, kept to start each run
 *             afresh and to undo a publication
 *
 * Lives on the ioctl's stack, or in an io_uring request for as long as the
 * command is pending (a parked command is run again on each wakeup, each
 * time from @in). Only the task that submitted it touches it.
 */
struct mojo_call {
	const struct mojo_op *op;
	void __user *uarg;
	u64 out;
	bool published;
	struct mojo_node *node;
	u64 arg[MOJO_OP_ARG_MAX / sizeof(u64)];
	u64 in[MOJO_OP_ARG_MAX / sizeof(u64)];
};

/**
 * enum mojo_park - what a pending io_uring command waits for
 * @MOJO_PARK_NONE:    the operation never waits
 * @MOJO_PARK_MESSAGE: a message, or the peer's closure (read message)
 * @MOJO_PARK_DATA:    readable data, or the producer's closure (read data)
 * @MOJO_PARK_SIGNALS: the signals in a struct mojo_signals_args (wait)
 */
enum mojo_park {
	MOJO_PARK_NONE = 0,
	MOJO_PARK_MESSAGE,
	MOJO_PARK_DATA,
	MOJO_PARK_SIGNALS,
};

const struct mojo_op *mojo_op_find(unsigned int cmd);
long mojo_op_ioctl(struct mojo_node *node, unsigned int cmd,
		   void __user *uarg);
u64 mojo_op_features(void);
int mojo_call_init(struct mojo_call *call, const struct mojo_op *op,
		   void __user *uarg);
long mojo_call_run(struct mojo_node *node, struct mojo_call *call,
		   bool nonblock);
long mojo_call_finish(struct mojo_call *call, long ret);
int mojo_call_publish(void *arg);
void mojo_call_set_out(void *arg, u64 out);

/**
 * mojo_is_zero() - check that a reserved area is all zero bytes
 * @p:   start of the area
 * @len: its length in bytes
 *
 * Return: true when every byte is zero.
 */
static inline bool mojo_is_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

#endif /* __MOJO_OPS_H */
