// SPDX-License-Identifier: GPL-2.0
/*
 * mojoports nodes: creation, the handle table, and death. See node.h.
 */

#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "debugfs.h"
#include "message.h"
#include "mojo_trace.h"
#include "node.h"
#include "ops.h"
#include "trap.h"
#include "user.h"

/* The living nodes, by &mojo_node.id: see node.h, Registry. */
static DEFINE_XARRAY_ALLOC1(mojo_nodes);
static u32 mojo_nodes_next;

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

	node = kzalloc(sizeof(*node), MOJO_GFP);
	if (!node)
		return NULL;
	node->user = mojo_user_current();
	if (!node->user) {
		kfree(node);
		return NULL;
	}
	kref_init(&node->ref);
	get_random_bytes(node->name, sizeof(node->name));
	/* Numbers start anywhere, so one node's numbers mean nothing in another. */
	node->next_handle = 1 + get_random_u32_below(MOJO_HANDLE_START_MAX);
	mutex_init(&node->lock);
	xa_init_flags(&node->handles, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	spin_lock_init(&node->events_lock);
	INIT_LIST_HEAD(&node->events);
	mutex_init(&node->events_mutex);
	init_waitqueue_head(&node->wq);
	node->pid = get_task_pid(current, PIDTYPE_TGID);
	get_task_comm(node->comm, current);
	/*
	 * Not MOJO_GFP: the registry's nodes are shared by every user, so
	 * they are not charged to this one's memory cgroup.
	 */
	if (xa_alloc_cyclic(&mojo_nodes, &node->id, node, xa_limit_31b,
			    &mojo_nodes_next, GFP_KERNEL) < 0) {
		mojo_node_put(node);
		return NULL;
	}
	trace_mojo_node_create(node);
	mojo_stat_inc(MOJO_STAT_NODES_CREATED);
	return node;
}

/**
 * mojo_node_next() - the living node with the lowest id at or above @id
 * @id: in: where to start; out: the id of the node returned
 *
 * For walkers of every node (debugfs.c): each call costs one xarray
 * lookup, whatever the walker does between calls, and nodes that die
 * meanwhile are simply not found again.
 *
 * Return: the node with a new reference (mojo_node_put()), or NULL when
 * there is none.
 */
struct mojo_node *mojo_node_next(unsigned long *id)
{
	struct mojo_node *node;

	xa_lock(&mojo_nodes);
	node = xa_find(&mojo_nodes, id, INT_MAX, XA_PRESENT);
	if (node)
		mojo_node_get(node);
	xa_unlock(&mojo_nodes);
	return node;
}

static void mojo_node_free(struct kref *ref)
{
	struct mojo_node *node = container_of(ref, struct mojo_node, ref);

	/*
	 * Every handle, reserved ones too, is counted: none may be left.
	 * Not xa_empty(): an xa_alloc_cyclic() that failed for want of
	 * memory may leave empty interior nodes behind (seen under random
	 * failslab), which hold nothing and which xa_destroy() frees.
	 */
	WARN_ON_ONCE(node->num_handles);
	WARN_ON_ONCE(!list_empty(&node->events));
	mutex_destroy(&node->events_mutex);
	xa_destroy(&node->handles);
	mutex_destroy(&node->lock);
	put_pid(node->pid);
	mojo_user_put(node->user);
	kfree(node);
}

/**
 * mojo_node_put() - drop a reference to a node
 * @node: the node
 */
void mojo_node_put(struct mojo_node *node)
{
	kref_put(&node->ref, mojo_node_free);
}

/**
 * mojo_node_release() - the node's death, when its file is released
 * @node: the node
 *
 * Marks the node dead so nothing is added later, then takes the handles
 * out of the table one at a time and closes each with the lock dropped
 * (closing takes read mutexes, which rank above the node lock).
 */
void mojo_node_release(struct mojo_node *node)
{
	struct mojo_object *obj;
	unsigned long index;
	LIST_HEAD(reap);

	trace_mojo_node_release(node);
	mojo_stat_inc(MOJO_STAT_NODES_RELEASED);
	xa_erase(&mojo_nodes, node->id);
	for (;;) {
		mutex_lock(&node->lock);
		node->dead = true;
		obj = NULL;
		xa_for_each(&node->handles, index, obj) {
			xa_erase(&node->handles, index);
			node->num_handles--;
			break;
		}
		mutex_unlock(&node->lock);
		if (!obj)
			break;
		mojo_object_close(obj, &reap);
		mojo_object_put(obj);
		mojo_message_free_list(&reap);
	}
	/* Closing the traps queued their final events: nobody will read them. */
	mojo_trap_flush_events(node);
	mojo_node_put(node);
}

/**
 * mojo_handle_alloc() - add an object to the handle table
 * @node:   the node, locked
 * @obj:    the object (the table takes over the caller's reference), or
 *          NULL to reserve a number to fill later with mojo_handle_fill()
 * @handle: out: the new handle
 *
 * Numbers are handed out cyclically from MOJO_HANDLE_MIN to
 * MOJO_HANDLE_MAX: a closed number comes back only after about two billion
 * more handles of this node, so a stale number fails with -EBADF instead
 * of naming a newer object.
 *
 * Return: 0; -ENOSPC at the node's handle limit; -EPIPE when the node is
 * dying; -ENOMEM.
 */
int mojo_handle_alloc(struct mojo_node *node, struct mojo_object *obj,
		      u32 *handle)
{
	int ret;

	lockdep_assert_held(&node->lock);
	if (node->dead)
		return -EPIPE;
	if (node->num_handles >= READ_ONCE(mojo_max_handles))
		return -ENOSPC;
	ret = xa_alloc_cyclic(&node->handles, handle, obj,
			      XA_LIMIT(MOJO_HANDLE_MIN, MOJO_HANDLE_MAX),
			      &node->next_handle, MOJO_GFP);
	if (ret < 0)
		return ret == -EBUSY ? -ENOSPC : ret;
	node->num_handles++;
	return 0;
}

/**
 * mojo_handle_fill() - store an object under a reserved handle
 * @node:   the node, locked
 * @handle: a number from mojo_handle_alloc(node, NULL, ...)
 * @obj:    the object; the table takes over the caller's reference
 */
void mojo_handle_fill(struct mojo_node *node, u32 handle,
		      struct mojo_object *obj)
{
	lockdep_assert_held(&node->lock);
	/* The slot exists, so this store allocates nothing. */
	WARN_ON_ONCE(xa_err(xa_store(&node->handles, handle, obj, GFP_NOWAIT)));
}

/**
 * mojo_handle_unreserve() - give back a reserved, unfilled handle
 * @node:   the node, locked
 * @handle: the number
 */
void mojo_handle_unreserve(struct mojo_node *node, u32 handle)
{
	lockdep_assert_held(&node->lock);
	xa_release(&node->handles, handle);
	node->num_handles--;
}

/**
 * mojo_handle_lookup() - the object behind a handle
 * @node:   the node, locked
 * @handle: the number
 *
 * Return: the object (no reference taken; valid while the lock is held),
 * or NULL for an unknown or merely reserved handle.
 */
struct mojo_object *mojo_handle_lookup(struct mojo_node *node, u32 handle)
{
	lockdep_assert_held(&node->lock);
	if (handle == MOJO_HANDLE_INVALID)
		return NULL;
	return xa_load(&node->handles, handle);
}

/**
 * mojo_handle_take() - remove a handle from the table
 * @node:   the node, locked
 * @handle: the number
 *
 * Return: the object with the table's reference, now the caller's, or
 * NULL when there was no such handle.
 */
struct mojo_object *mojo_handle_take(struct mojo_node *node, u32 handle)
{
	struct mojo_object *obj;

	obj = mojo_handle_lookup(node, handle);
	if (!obj)
		return NULL;
	xa_erase(&node->handles, handle);
	node->num_handles--;
	return obj;
}

/**
 * mojo_handle_get() - look a handle up and take a reference
 * @node:   the node (not locked)
 * @handle: the number
 * @type:   the object type the operation needs
 * @err:    out: -EBADF (no such handle) or -EINVAL (wrong type) on failure
 *
 * Return: the object with a new reference, or NULL.
 */
struct mojo_object *mojo_handle_get(struct mojo_node *node, u32 handle,
				    enum mojo_object_type type, int *err)
{
	struct mojo_object *obj;

	mutex_lock(&node->lock);
	obj = mojo_handle_lookup(node, handle);
	if (!obj)
		*err = -EBADF;
	else if (!mojo_object_is(obj, type))
		*err = -EINVAL;
	else
		mojo_object_get(obj);
	mutex_unlock(&node->lock);
	return (obj && mojo_object_is(obj, type)) ? obj : NULL;
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

/**
 * mojo_node_op_close() - MOJO_IOC_CLOSE: close a handle
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_handle_args
 *
 * Return: 0; -EINVAL for flags or reserved fields; -EBADF for an unknown
 * handle.
 */
long mojo_node_op_close(struct mojo_node *node, void *arg)
{
	struct mojo_handle_args *a = arg;
	struct mojo_object *obj;
	LIST_HEAD(reap);

	if (a->flags || !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	mutex_lock(&node->lock);
	obj = mojo_handle_take(node, a->handle);
	mutex_unlock(&node->lock);
	if (!obj)
		return -EBADF;
	mojo_object_close(obj, &reap);
	mojo_object_put(obj);
	mojo_message_free_list(&reap);
	return 0;
}
