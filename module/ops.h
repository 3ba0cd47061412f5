/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_OPS_H
#define __MOJO_OPS_H

/**
 * DOC: Operation table
 *
 * Every mojoports operation is one entry of a single table, indexed by the
 * nr field of its ioctl number. Both submission paths, ioctl(2) and
 * io_uring's uring_cmd, look the entry up with mojo_op_find() and run it
 * with mojo_op_call(), which copies the argument struct into kernel memory,
 * calls the handler on that copy and, when the handler succeeds, copies the
 * struct back. Handlers never see a user pointer to their argument struct
 * and cannot tell which path called them, so a new path needs no new
 * logic.
 *
 * A lookup matches the whole ioctl number (type, nr, direction and size),
 * so a caller built against a different layout of an argument struct gets
 * -ENOTTY rather than a misread struct.
 *
 * Handlers validate everything in their argument (reserved fields first)
 * before they change any state, so a rejected call changes nothing.
 */

#include <linux/compiler.h>
#include <linux/string.h>
#include <linux/types.h>

struct mojo_node;

/*
 * Largest argument struct of any operation; the dispatchers keep the copy
 * on their stack. Checked against every entry at build time.
 */
#define MOJO_OP_ARG_MAX	64

/**
 * struct mojo_op - one operation of the table
 * @cmd:     the full ioctl number, also the uring_cmd cmd_op
 * @feature: the MOJO_FEATURE_* bit that announces this operation
 * @name:    the operation's name, for diagnostics
 * @handler: does the work on a kernel copy of the argument struct; returns
 *           a non-negative result or a negative errno
 * @out_errs: errnos (positive, 0 terminates) after which the argument struct
 *           is still copied back, because the handler reports something in
 *           it (MOJO_IOC_READ_MESSAGE's needed sizes on EMSGSIZE)
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
	int out_errs[3];
	u8 park;
	long (*try_handler)(struct mojo_node *node, void *arg);
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
long mojo_op_call(struct mojo_node *node, const struct mojo_op *op,
		  void __user *uarg, bool nonblock);
long mojo_op_copy_out(const struct mojo_op *op, void __user *uarg,
		      const void *buf, long ret);
u64 mojo_op_features(void);
bool mojo_op_copies_back(const struct mojo_op *op, long ret);

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
