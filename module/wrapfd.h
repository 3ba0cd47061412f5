/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_WRAPFD_H
#define __MOJO_WRAPFD_H

/**
 * DOC: Wrapped file descriptors
 *
 * Concept: MOJO_IOC_WRAP_FD turns any file descriptor of an allowed kind
 * into a handle of the caller's node, a struct mojo_wrapped holding one
 * reference to the open file (what Mojo calls a platform handle).
 * Wrapped handles ride in messages like endpoints, and
 * MOJO_IOC_UNWRAP_FD turns one back into a descriptor of whichever
 * process holds it then: file passing without AF_UNIX and SCM_RIGHTS.
 *
 * Cycles: a file in a queue that keeps the queue's own node alive would
 * never be freed (the garbage Linux's unix_gc() collects for AF_UNIX).
 * Only files proven to hold no reference to any other file can be
 * wrapped, so no chain of references from a wrapped file can lead back
 * to a node, an export file or a queue: see mojo_wrapfd_allowed().
 *
 * Lifetime: owned like every object (object.h) by exactly one of a
 * handle table entry or a queued message. Its close operation, run once
 * by that owner (MOJO_IOC_CLOSE, a message freed unread, the node's
 * death, or UNWRAP once the new descriptor is installed), drops the file
 * reference and gives back the user's charge; the last mojo_object_put()
 * frees the struct.
 *
 * Locking: @file is set before the object is published in a table and
 * cleared (xchg()) only by its close, which its single owner runs once:
 * no lock of its own. Whether a handle names a wrapped object, and the
 * unwrap that consumes it, are decided under the node's lock (node.h).
 */

#include "object.h"

struct file;
struct mojo_node;

/**
 * struct mojo_wrapped - a file descriptor wrapped as a handle
 * @obj:  object header (type MOJO_OBJ_WRAPPED, reference count)
 * @file: the file, one reference held; NULL once closed
 * @user: the user of the node that wrapped it, charged one wrapped file
 *        until the close (user.h); a reference is held
 */
struct mojo_wrapped {
	struct mojo_object obj;
	struct file *file;
	struct mojo_user *user;
};

long mojo_wrapfd_op_wrap(struct mojo_node *node, void *arg);
long mojo_wrapfd_op_unwrap(struct mojo_node *node, void *arg);

#endif /* __MOJO_WRAPFD_H */
