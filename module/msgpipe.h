/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_MSGPIPE_H
#define __MOJO_MSGPIPE_H

#include <linux/types.h>

/**
 * DOC: Message pipes
 *
 * The message pipe API over ports: the handlers of the message pipe
 * entries of the operation table. The routing protocol (ports, events,
 * messages) knows nothing of handles or user memory; this layer maps
 * handles to ports and copies to and from userspace, as Mojo keeps its
 * MessagePipeDispatcher apart from ports::Node.
 */

struct mojo_node;
struct mojo_port;

int mojo_msgpipe_install(struct mojo_node *node, struct mojo_port *p0,
			 struct mojo_port *p1, u32 *out0, u32 *out1, void *arg);

long mojo_msgpipe_op_create(struct mojo_node *node, void *arg);
long mojo_msgpipe_op_write(struct mojo_node *node, void *arg);
long mojo_msgpipe_op_read(struct mojo_node *node, void *arg);
long mojo_msgpipe_op_query(struct mojo_node *node, void *arg);
long mojo_msgpipe_op_wait(struct mojo_node *node, void *arg);
long mojo_msgpipe_op_wait_try(struct mojo_node *node, void *arg);
long mojo_msgpipe_op_fuse(struct mojo_node *node, void *arg);
long mojo_msgpipe_op_set_quota(struct mojo_node *node, void *arg);
long mojo_msgpipe_op_set_signal_quota(struct mojo_node *node, void *arg);
long mojo_msgpipe_op_query_quota(struct mojo_node *node, void *arg);

#endif /* __MOJO_MSGPIPE_H */
