/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_NODE_H
#define __MOJO_NODE_H

/**
 * DOC: Nodes
 *
 * A node is one participant of mojoports: one open file description of
 * /dev/mojoports, normally one process. It corresponds to Mojo's
 * ports::Node, with one difference: all nodes of a kernel share the same
 * memory, so routing between them needs no channel.
 *
 * Each node has a 128-bit name drawn from the kernel's CSPRNG when it is
 * created. Names identify nodes in diagnostics and, later, across kernels;
 * they are never accepted back from userspace as a capability.
 *
 * Lifetime: mojo_node_create() runs in open() and the node is stored in
 * file->private_data; mojo_node_destroy() runs in release(), when the last
 * reference to the file goes away. Every fd sharing the open file
 * description (dup(), fork(), SCM_RIGHTS) therefore shares the node: a
 * forked child talks as its parent's node, not as a new one. Releasing the
 * file is the node's death.
 *
 * Locking: the name is written once before the node is published and never
 * changes, so reading it needs no lock.
 */

#include <linux/types.h>
#include <uapi/linux/mojoports.h>

/**
 * struct mojo_node - one participant (one open of /dev/mojoports)
 * @name: random 128-bit name, immutable after creation
 */
struct mojo_node {
	u8 name[MOJO_NAME_SIZE];
};

struct mojo_node *mojo_node_create(void);
void mojo_node_destroy(struct mojo_node *node);
long mojo_node_op_name(struct mojo_node *node, void *arg);

#endif /* __MOJO_NODE_H */
