/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_PORT_H
#define __MOJO_PORT_H

/**
 * DOC: Ports
 *
 * A port is one endpoint of a message pipe, modeled on Mojo's ports::Port.
 * Two entangled ports are each other's peer. A port has a random 128-bit
 * name, used only to order locks and in diagnostics; no operation accepts
 * a port name from userspace, only handles grant access.
 *
 * States:
 *
 * - RECEIVING: owned by one node's handle table (@node is set); the node's
 *   process reads what arrives.
 * - IN_TRANSIT: attached to a queued message or held by an export file;
 *   @node is NULL. Messages from the peer keep arriving and queue here,
 *   complete and in order, for whoever receives the port next.
 * - CLOSED: the owner closed it (or died); the peer has been sent a closure
 *   event, and whatever was queued has been freed.
 *
 * Transfer and Mojo's proxies: in Mojo, a port sent to another node leaves
 * a proxy behind, which forwards what the peer keeps sending until the peer
 * learns the new location and the proxy can be removed. All nodes here
 * share one kernel, so the port object itself moves: the peer pointer never
 * changes on transfer, the queue travels with the port, and the hand-over
 * is a state change under the port's lock. The peer needs no update and no
 * proxy exists. Fusing two pipes (MOJO_IOC_FUSE) is the one operation that
 * changes a peer pointer, and it does so with PEER_CHANGED events, the
 * counterpart of Mojo's MergePort.
 *
 * Fusing: pipes a-b and c-d become a-d when b and c never wrote. What a
 * sent to b and had not been read moves on to d (and c's queue to a) in
 * the PEER_CHANGED event, sequence numbers and all; a's and d's own
 * queues are empty then (everything in a queue came from the current
 * peer, and b and c sent nothing). Ports travelling in the moved messages
 * still name b (or c) as their @container; rather than walk the queue
 * under the transit lock to re-point them, b keeps @container = d and
 * stays as a link in their chain until the last of them leaves. The link
 * counts as a level of nesting, so chains stay within MOJO_MAX_NESTING,
 * and the fuse refuses (-ELOOP) what would close a cycle or nest deeper.
 * It also counts as a handle in transit of the fusing node's user
 * (max_user_transit_ports), so chains of fuses pin no more than sends
 * could. The queues that move must fit the receivers' enforced quotas
 * (-ENOSPC), which thus hold for every queue, however it was filled.
 *
 * Ownership: while a port is RECEIVING in a node, its @state and @node
 * change only under that node's lock (node.h): every way out of a node
 * (close, send, export, fuse, the node's death) takes the handle out of
 * the table under it. So whatever an operation checks about a port of its
 * own node under the node lock stays true until it drops that lock, and a
 * send can check every attached port first and move them all after the
 * message is delivered, with nothing visible in between.
 *
 * Locking, outermost first:
 *
 * 1. &mojo_port.read_mutex: data pipe endpoints only (datapipe.h):
 *    serializes the data operations of the node holding the endpoint.
 *    Held across user copies, so nothing outside that node ever takes it:
 *    close does not, and an endpoint cannot leave its node while an
 *    operation that copies is in progress. Never taken with another
 *    port's read_mutex held.
 * 2. &mojo_node.lock (node.h): the node's handle table. Never held while
 *    sleeping on a user copy.
 * 3. mojo_transit_lock: a global mutex taken by every operation that moves
 *    ports (or wrapped files, wrapfd.h) into or out of messages; it
 *    protects every port's @container and @nest_height, so the check
 *    that a message never ends up inside its own queue, nor nests deeper
 *    than MOJO_MAX_NESTING, sees a stable chain. Held only for work
 *    bounded by constants: that walk is at most MOJO_MAX_NESTING steps,
 *    and a send moves at most MOJO_MAX_MESSAGE_HANDLES handles (unmapping
 *    rings is left until after).
 * 4. &mojo_port.lock: a spinlock protecting the state, the peer pointer,
 *    the sequence numbers and the queue. When an operation needs several
 *    ports at once it locks them with mojo_port_lock_two() or
 *    mojo_port_lock_four(), in ascending order of their names: the one
 *    global order (as Mojo's PortLocker does). Lockdep subclasses tell the
 *    nesting levels apart.
 *
 * Wakeups happen after every port lock is dropped. Nothing copies to or
 * from user memory with a node lock, the transit lock or a port lock held.
 */

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <uapi/linux/mojoports.h>

#include "object.h"

struct mojo_dpipe;
struct mojo_event;
struct mojo_node;
struct mojo_user;

/**
 * enum mojo_port_kind - what a port is the endpoint of
 * @MOJO_PORT_MESSAGE_PIPE: a message pipe
 * @MOJO_PORT_DATA_PRODUCER: a data pipe's producer (datapipe.h)
 * @MOJO_PORT_DATA_CONSUMER: a data pipe's consumer
 */
enum mojo_port_kind {
	MOJO_PORT_MESSAGE_PIPE = 0,
	MOJO_PORT_DATA_PRODUCER,
	MOJO_PORT_DATA_CONSUMER,
};

/* Masks of port kinds, for mojo_port_lookup(). */
#define MOJO_KIND_MESSAGE_PIPE	BIT(MOJO_PORT_MESSAGE_PIPE)
#define MOJO_KIND_PRODUCER	BIT(MOJO_PORT_DATA_PRODUCER)
#define MOJO_KIND_CONSUMER	BIT(MOJO_PORT_DATA_CONSUMER)
#define MOJO_KINDS_DATA		(MOJO_KIND_PRODUCER | MOJO_KIND_CONSUMER)
#define MOJO_KINDS_ANY		(MOJO_KIND_MESSAGE_PIPE | MOJO_KINDS_DATA)

/**
 * enum mojo_port_state - where a port is
 * @MOJO_PORT_RECEIVING: in a node's handle table
 * @MOJO_PORT_IN_TRANSIT: attached to a message or held by an export file
 * @MOJO_PORT_CLOSED: closed for good
 */
enum mojo_port_state {
	MOJO_PORT_RECEIVING = 1,
	MOJO_PORT_IN_TRANSIT,
	MOJO_PORT_CLOSED,
};

/**
 * struct mojo_port - one message pipe endpoint
 * @obj:            object header (type MOJO_OBJ_PORT, reference count)
 * @name:           random name; immutable; orders locks
 * @kind:           message pipe or data pipe endpoint; immutable once the
 *                  port is installed
 * @dp:             data pipe endpoints: the shared ring (a reference is
 *                  held); immutable
 * @map_id:         data pipe endpoints: the id in the mmap offset;
 *                  immutable
 * @lock:           protects every field below except where noted
 * @state:          RECEIVING, IN_TRANSIT or CLOSED
 * @node:           RECEIVING: the owning node (a reference is held)
 * @peer:           the entangled port (a reference is held); NULL once
 *                  this port is closed
 * @container:      IN_TRANSIT: the port whose queue holds the message that
 *                  carries this port, NULL when an export file holds it;
 *                  or a port fused away (CLOSED) whose queued messages
 *                  carried ports: the port its queue went to, which the
 *                  ports in those messages reach through it (a reference
 *                  is held; see Fusing below); protected by
 *                  mojo_transit_lock
 * @link_user:      a link (see Fusing): the user charged one handle in
 *                  transit for it (user.h; a reference is held), until
 *                  the link is freed; set once, by the fuse
 * @nest_height:    at least how deeply ports nest inside this port's queue
 *                  (0: no port in it); raised when a message carrying ports
 *                  is queued here, back to 0 when the queue empties, never
 *                  lowered otherwise. With the chain of @container, what
 *                  keeps every nesting within MOJO_MAX_NESTING; protected
 *                  by mojo_transit_lock
 * @next_send_seq:  sequence number of the next user message sent
 * @next_recv_seq:  sequence number the next user message must carry
 * @peer_closed:    the peer's closure event has arrived
 * @peer_last_seq:  with @peer_closed: the last sequence number it sent
 * @queue:          received messages, oldest first
 * @queued_msgs:    number of messages in @queue
 * @queued_bytes:   payload bytes in @queue
 * @max_msgs:       quota: most messages @queue may hold
 * @max_bytes:      quota: @queue takes messages while it holds fewer payload
 *                  bytes (mojo_port_full())
 * @sig_msgs:       signal-only limit on @queued_msgs (MOJO_QUOTA_NONE: none)
 * @sig_bytes:      signal-only limit on @queued_bytes
 * @sig_unread:     signal-only limit on the peer's @queued_msgs (what this
 *                  port wrote and the peer has not read)
 * @wq:             waiters for this port's signals (MOJO_IOC_WAIT); woken on
 *                  every signal change and when the port leaves its node
 * @triggers:       trap triggers watching this port (trap.h)
 * @num_triggers:   entries in @triggers, at most MOJO_MAX_PORT_TRIGGERS:
 *                  each signal change of the port looks at every one
 * @uring_pending:  asynchronous io_uring commands parked on this port, in
 *                  submission order (uring.h)
 * @read_mutex:     data pipe endpoints: serializes the holding node's data
 *                  operations (see the DOC above)
 */
struct mojo_port {
	struct mojo_object obj;
	u8 name[MOJO_NAME_SIZE];
	enum mojo_port_kind kind;
	struct mojo_dpipe *dp;
	u32 map_id;
	spinlock_t lock;		/* see DOC: Ports, locking */
	enum mojo_port_state state;
	struct mojo_node *node;
	struct mojo_port *peer;
	struct mojo_port *container;
	struct mojo_user *link_user;
	u32 nest_height;
	u64 next_send_seq;
	u64 next_recv_seq;
	bool peer_closed;
	u64 peer_last_seq;
	struct list_head queue;
	u32 queued_msgs;
	u64 queued_bytes;
	u32 max_msgs;
	u64 max_bytes;
	u64 sig_msgs;
	u64 sig_bytes;
	u64 sig_unread;
	wait_queue_head_t wq;
	struct list_head triggers;
	u32 num_triggers;
	struct list_head uring_pending;
	struct mutex read_mutex;	/* see DOC: Ports, locking */
};

extern struct mutex mojo_transit_lock;
/* The largest value max_message_bytes accepts (1 GiB). */
#define MOJO_MESSAGE_BYTES_MAX	SZ_1G

extern unsigned int mojo_max_message_bytes;
extern unsigned int mojo_default_queue_msgs;
extern unsigned int mojo_default_queue_bytes;

/**
 * mojo_port_from() - the port embedding an object
 * @obj: an object of type MOJO_OBJ_PORT
 *
 * Return: the port.
 */
static inline struct mojo_port *mojo_port_from(struct mojo_object *obj)
{
	return container_of(obj, struct mojo_port, obj);
}

/**
 * mojo_port_get() - take a reference to a port
 * @port: the port
 *
 * Return: @port.
 */
static inline struct mojo_port *mojo_port_get(struct mojo_port *port)
{
	mojo_object_get(&port->obj);
	return port;
}

/**
 * mojo_port_put() - drop a reference to a port
 * @port: the port, or NULL
 */
static inline void mojo_port_put(struct mojo_port *port)
{
	if (port)
		mojo_object_put(&port->obj);
}

/**
 * mojo_port_held() - does @node hold @port (RECEIVING in its table)?
 * @port: the port, locked
 * @node: the node
 *
 * Return: true while @port is RECEIVING in @node (see Ownership above).
 */
static inline bool mojo_port_held(const struct mojo_port *port,
				  const struct mojo_node *node)
{
	lockdep_assert_held(&port->lock);
	return port->state == MOJO_PORT_RECEIVING && port->node == node;
}

int mojo_port_create_pair(struct mojo_port **p0, struct mojo_port **p1);
struct mojo_port *mojo_port_lookup(struct mojo_node *node, u32 handle,
				   unsigned int kinds, int *err);
void mojo_port_release(struct mojo_port *port);
void mojo_port_lock_two(struct mojo_port **pp);
void mojo_port_unlock_two(struct mojo_port **pp);
void mojo_port_lock_four(struct mojo_port **pp);
void mojo_port_unlock_four(struct mojo_port **pp);
int mojo_port_deliver(struct mojo_port *to, struct mojo_event *ev);
void mojo_port_close(struct mojo_port *port, struct list_head *reap);
u64 mojo_port_signals(struct mojo_port *port, u64 *satisfiable);
bool mojo_port_full(struct mojo_port *port);
bool mojo_port_fits(const struct mojo_port *to, const struct list_head *msgs,
		    u32 num_msgs, u64 num_bytes);
bool mojo_port_peer_remote(const struct mojo_port *port);
u64 mojo_port_unread(const struct mojo_port *port);
void mojo_port_wake(struct mojo_port *port);
void mojo_port_wake_pair(struct mojo_port *port);

#endif /* __MOJO_PORT_H */
