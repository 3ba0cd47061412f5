// SPDX-License-Identifier: GPL-2.0
/*
 * mojoports nodes: creation, naming and destruction. See node.h.
 */

#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "node.h"
#include "ops.h"

/**
 * mojo_node_create() - allocate a node with a fresh random name
 *
 * The node is charged to the caller's memory cgroup.
 *
 * Return: the new node, or NULL when out of memory.
 */
struct mojo_node *mojo_node_create(void)
{
	struct mojo_node *node;

	node = kzalloc(sizeof(*node), GFP_KERNEL_ACCOUNT);
	if (!node)
		return NULL;
	get_random_bytes(node->name, sizeof(node->name));
	return node;
}

/**
 * mojo_node_destroy() - free a node whose file has been released
 * @node: the node; no other reference to it may remain
 */
void mojo_node_destroy(struct mojo_node *node)
{
	kfree(node);
}

/**
 * mojo_node_op_name() - MOJO_IOC_NODE_NAME: report the node's name
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_node_name_args
 *
 * Return: 0, or -EINVAL when a reserved field is set.
 */
long mojo_node_op_name(struct mojo_node *node, void *arg)
{
	struct mojo_node_name_args *a = arg;

	if (!mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	memcpy(a->name, node->name, sizeof(a->name));
	return 0;
}
