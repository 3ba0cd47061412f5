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
 * A node owns a handle table: u32 handle numbers (never 0) mapped to
 * objects (object.h), one reference per entry. Numbers are looked up only
 * in the calling node's table, so one node can never reach another's
 * objects by number. The table holds at most mojo_max_handles entries.
 * Numbers are allocated cyclically from a random start, as Zircon and
 * Mojo avoid reusing them: a number that was closed stays unknown
 * (-EBADF) for about 2^31 allocations, so a thread holding a stale number
 * cannot reach whatever was created after it.
 *
 * Lifetime: mojo_node_create() runs in open() and the node is stored in
 * file->private_data; mojo_node_release() runs in release(), when the last
 * reference to the file goes away. Every fd sharing the open file
 * description (dup(), fork(), SCM_RIGHTS) therefore shares the node: a
 * forked child talks as its parent's node, not as a new one. Releasing the
 * file is the node's death (Mojo's LostConnectionToNode): every handle is
 * closed, so the peers of its ports see PEER_CLOSED, and everything its
 * handles carried in transit is closed in turn. The struct itself lives on
 * while ports still point at it (@ref).
 *
 * Registry: every living node is in mojo_nodes, an xarray keyed by @id,
 * from creation until its release begins, so that diagnostics (debugfs.h)
 * can walk them. The xarray's own lock protects it; a walker takes a
 * reference under that lock (mojo_node_next()), which is safe because the
 * file's reference outlives the node's entry.
 *
 * Locking: @lock is a mutex protecting the handle table and @dead. It is
 * taken before any port lock and never while one is held (port.h gives
 * the whole order). Only operations of this node take it, and none
 * holds it across a user copy; the one call out made under it is
 * UNWRAP_FD's receive_fd() (LSM hook, fd table growth: wrapfd.c), which
 * holds up only this node's other operations, and the debugfs state
 * dump (debugfs.c), which holds it for one handle at a time. The name is
 * written once before the node is published and needs no lock.
 */

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <uapi/linux/mojoports.h>

#include "object.h"

struct mojo_user;

/**
 * struct mojo_node - one participant (one open of /dev/mojoports)
 * @ref:         references: the file's, plus one per RECEIVING port
 * @name:        random 128-bit name, immutable after creation
 * @lock:        protects @handles, @num_handles, @next_handle and @dead
 * @handles:     the handle table: u32 -> struct mojo_object *
 * @num_handles: entries in @handles, reserved ones included
 * @next_handle: where the cyclic search for a free number starts
 * @dead:        the file was released; nothing may be added any more
 * @events_lock: protects @events and the event records of triggers
 * @events:      trap events waiting to be read (trap.h), oldest first
 * @events_mutex: serializes readers of @events
 * @wq:          poll waiters of the node fd (EPOLLIN while @events is not
 *               empty); lives as long as the node, which outlives the file
 * @user:        the user who opened the node (user.h), who pays for the
 *               rings it creates and the messages it writes; immutable
 * @id:          the node's number in the registry of living nodes
 *               (mojo_node_next()), allocated cyclically in 1 .. 2^31-1,
 *               so not reused before about 2^31 more nodes; shown as
 *               reg= in debugfs' state; immutable
 * @pid:         the thread group that opened the node (a reference is
 *               held), for diagnostics only; immutable
 * @comm:        that task's command name at open(), for diagnostics only;
 *               immutable
 */
struct mojo_node {
	struct kref ref;
	u8 name[MOJO_NAME_SIZE];
	struct mutex lock;	/* handle table; outside every port lock */
	struct xarray handles;
	unsigned int num_handles;
	u32 next_handle;
	bool dead;
	spinlock_t events_lock;		/* a leaf: see trap.h */
	struct list_head events;
	struct mutex events_mutex;	/* outside every other lock */
	wait_queue_head_t wq;
	struct mojo_user *user;
	u32 id;
	struct pid *pid;
	char comm[TASK_COMM_LEN];
};

/* Handle numbers: positive ints, so that no program has to store them wider. */
#define MOJO_HANDLE_MIN		1U
#define MOJO_HANDLE_MAX		((u32)INT_MAX)
/* A node's first number is below this. */
#define MOJO_HANDLE_START_MAX	BIT(24)

extern unsigned int mojo_max_handles;

struct mojo_node *mojo_node_create(void);
void mojo_node_release(struct mojo_node *node);
void mojo_node_put(struct mojo_node *node);
struct mojo_node *mojo_node_next(unsigned long *id);

/**
 * mojo_node_get() - take a reference to a node
 * @node: the node
 *
 * Return: @node.
 */
static inline struct mojo_node *mojo_node_get(struct mojo_node *node)
{
	kref_get(&node->ref);
	return node;
}

int mojo_handle_alloc(struct mojo_node *node, struct mojo_object *obj,
		      u32 *handle);
void mojo_handle_fill(struct mojo_node *node, u32 handle,
		      struct mojo_object *obj);
void mojo_handle_unreserve(struct mojo_node *node, u32 handle);
struct mojo_object *mojo_handle_lookup(struct mojo_node *node, u32 handle);
struct mojo_object *mojo_handle_take(struct mojo_node *node, u32 handle);
struct mojo_object *mojo_handle_get(struct mojo_node *node, u32 handle,
				    enum mojo_object_type type, int *err);

long mojo_node_op_name(struct mojo_node *node, void *arg);
long mojo_node_op_close(struct mojo_node *node, void *arg);

#endif /* __MOJO_NODE_H */
