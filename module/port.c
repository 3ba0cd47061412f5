// SPDX-License-Identifier: GPL-2.0
/*
 * Ports: creation, the lock order, event delivery, closure and signals.
 * See port.h for the model and the locking rules.
 */

#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "datapipe.h"
#include "debugfs.h"
#include "event.h"
#include "message.h"
#include "mojo_trace.h"
#include "node.h"
#include "port.h"
#include "trap.h"
#include "uring.h"
#include "user.h"

/* See port.h: protects every port's @container. */
DEFINE_MUTEX(mojo_transit_lock);

static const struct mojo_object_ops mojo_port_obj_ops;

static struct mojo_port *mojo_port_alloc(void)
{
	struct mojo_port *port;

	port = kzalloc(sizeof(*port), MOJO_GFP);
	if (!port)
		return NULL;
	mojo_object_init(&port->obj, &mojo_port_obj_ops);
	get_random_bytes(port->name, sizeof(port->name));
	spin_lock_init(&port->lock);
	port->state = MOJO_PORT_IN_TRANSIT;
	port->next_send_seq = MOJO_SEQ_FIRST;
	port->next_recv_seq = MOJO_SEQ_FIRST;
	INIT_LIST_HEAD(&port->queue);
	port->max_msgs = READ_ONCE(mojo_default_queue_msgs);
	port->max_bytes = READ_ONCE(mojo_default_queue_bytes);
	port->sig_msgs = MOJO_QUOTA_NONE;
	port->sig_bytes = MOJO_QUOTA_NONE;
	port->sig_unread = MOJO_QUOTA_NONE;
	init_waitqueue_head(&port->wq);
	INIT_LIST_HEAD(&port->triggers);
	INIT_LIST_HEAD(&port->uring_pending);
	mutex_init(&port->read_mutex);
	return port;
}

/**
 * mojo_port_create_pair() - create two entangled ports
 * @p0: out: the first port
 * @p1: out: the second port
 *
 * Each port comes with one reference for the caller, and holds one on its
 * peer. Both start IN_TRANSIT with no node; the caller installs them.
 *
 * Return: 0 or -ENOMEM.
 */
int mojo_port_create_pair(struct mojo_port **p0, struct mojo_port **p1)
{
	struct mojo_port *a, *b;

	a = mojo_port_alloc();
	b = mojo_port_alloc();
	if (!a || !b) {
		kfree(a);
		kfree(b);
		return -ENOMEM;
	}
	a->peer = mojo_port_get(b);
	b->peer = mojo_port_get(a);
	trace_mojo_port_create(a, b);
	mojo_stat_add(MOJO_STAT_PORTS_CREATED, 2);
	*p0 = a;
	*p1 = b;
	return 0;
}

/**
 * mojo_port_lookup() - look up a port handle and take a reference
 * @node:   the node (not locked)
 * @handle: the handle
 * @kinds:  MOJO_KIND_* mask of the port kinds the operation takes
 * @err:    out on failure: -EBADF (no such handle) or -EINVAL (a handle of
 *          another type or kind)
 *
 * Return: the port with a new reference, or NULL.
 */
struct mojo_port *mojo_port_lookup(struct mojo_node *node, u32 handle,
				   unsigned int kinds, int *err)
{
	struct mojo_object *obj;
	struct mojo_port *port;

	obj = mojo_handle_get(node, handle, MOJO_OBJ_PORT, err);
	if (!obj)
		return NULL;
	port = mojo_port_from(obj);
	if (!(BIT(port->kind) & kinds)) {
		mojo_port_put(port);
		*err = -EINVAL;
		return NULL;
	}
	return port;
}

/**
 * mojo_port_release() - free a port whose last reference is gone
 * @port: the port; closed or never installed, with an empty queue
 *
 * A port fused away while messages carrying ports were queued on it keeps
 * a reference to the port its queue went to, in @container (port.h);
 * those links can chain, each fuse adding one and the nesting limit
 * bounding them, and a chain whose last user goes is freed here in a loop
 * rather than by recursion.
 */
void mojo_port_release(struct mojo_port *port)
{
	struct mojo_port *next;

	while (port) {
		WARN_ON_ONCE(!list_empty(&port->queue));
		WARN_ON_ONCE(port->node);
		WARN_ON_ONCE(!list_empty(&port->triggers));
		WARN_ON_ONCE(!list_empty(&port->uring_pending));
		/* Nobody else can reach us: no transit lock needed. */
		next = port->container;
		if (port->link_user) {
			mojo_user_uncharge(&port->link_user->transit_ports, 1);
			/*
			 * May take the users' mutex: a link's last reference
			 * goes where a container reference does (a read, a
			 * close, a message freed), never under a spinlock.
			 */
			mojo_user_put(port->link_user);
		}
		mojo_port_put(port->peer);
		if (port->dp)
			mojo_dpipe_port_release(port);
		mutex_destroy(&port->read_mutex);
		kfree(port);
		/* Our reference to @next; the last one frees it here. */
		if (next && refcount_dec_and_test(&next->obj.ref.refcount))
			port = next;
		else
			port = NULL;
	}
}

/* The one global order: by name, then (never in practice) by address. */
static int mojo_port_cmp(const struct mojo_port *a, const struct mojo_port *b)
{
	int c = memcmp(a->name, b->name, sizeof(a->name));

	if (c)
		return c;
	return a < b ? -1 : a > b;
}

/* Sort @n ports into the global order (insertion sort; n <= 4). */
static void mojo_port_sort(struct mojo_port **ports, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++) {
		struct mojo_port *p = ports[i];

		for (j = i; j > 0 && mojo_port_cmp(ports[j - 1], p) > 0; j--)
			ports[j] = ports[j - 1];
		ports[j] = p;
	}
}

/**
 * mojo_port_lock_two() - lock two distinct ports in the global order
 * @pp: the two ports; sorted in place into locking order
 *
 * Unlock with mojo_port_unlock_two() on the same array.
 */
void mojo_port_lock_two(struct mojo_port **pp)
	__acquires(&pp[0]->lock) __acquires(&pp[1]->lock)
{
	mojo_port_sort(pp, 2);
	spin_lock(&pp[0]->lock);
	spin_lock_nested(&pp[1]->lock, SINGLE_DEPTH_NESTING);
}

/**
 * mojo_port_unlock_two() - unlock what mojo_port_lock_two() locked
 * @pp: the array mojo_port_lock_two() sorted
 */
void mojo_port_unlock_two(struct mojo_port **pp)
	__releases(&pp[0]->lock) __releases(&pp[1]->lock)
{
	spin_unlock(&pp[1]->lock);
	spin_unlock(&pp[0]->lock);
}

/**
 * mojo_port_lock_four() - lock four distinct ports in the global order
 * @pp: the four ports; sorted in place into locking order
 *
 * Unlock with mojo_port_unlock_four() on the same array.
 */
void mojo_port_lock_four(struct mojo_port **pp)
	__acquires(&pp[0]->lock) __acquires(&pp[1]->lock)
	__acquires(&pp[2]->lock) __acquires(&pp[3]->lock)
{
	mojo_port_sort(pp, 4);
	spin_lock_nested(&pp[0]->lock, 0);
	spin_lock_nested(&pp[1]->lock, 1);
	spin_lock_nested(&pp[2]->lock, 2);
	spin_lock_nested(&pp[3]->lock, 3);
}

/**
 * mojo_port_unlock_four() - unlock what mojo_port_lock_four() locked
 * @pp: the array mojo_port_lock_four() sorted
 */
void mojo_port_unlock_four(struct mojo_port **pp)
	__releases(&pp[0]->lock) __releases(&pp[1]->lock)
	__releases(&pp[2]->lock) __releases(&pp[3]->lock)
{
	spin_unlock(&pp[3]->lock);
	spin_unlock(&pp[2]->lock);
	spin_unlock(&pp[1]->lock);
	spin_unlock(&pp[0]->lock);
}

/**
 * mojo_port_full() - is the port's receive queue at its quota?
 * @port: the receiving port (its lock held, or a snapshot will do)
 *
 * The one predicate behind the quota: a full queue refuses every message
 * (-ENOSPC), raises the port's QUOTA_EXCEEDED and clears its peer's
 * WRITABLE. A queue below both quotas takes any message, so the message
 * that crosses the byte quota is accepted whole: a queue holds at most
 * max_msgs messages and less than max_bytes plus one message of bytes.
 *
 * Return: true when the queue holds max_msgs messages or max_bytes bytes.
 */
bool mojo_port_full(struct mojo_port *port)
{
	return READ_ONCE(port->queued_msgs) >= READ_ONCE(port->max_msgs) ||
	       READ_ONCE(port->queued_bytes) >= READ_ONCE(port->max_bytes);
}

/**
 * mojo_port_fits() - could @to's queue take these messages as writes?
 * @to:        the receiving port (its lock held)
 * @msgs:      the messages, in order (a queue another port held)
 * @num_msgs:  how many @msgs holds
 * @num_bytes: their payload bytes
 *
 * The quota for messages that arrive together (a fuse's PEER_CHANGED):
 * they fit when writes could have queued them one by one, each while the
 * queue was not full (mojo_port_full()): the count within max_msgs, and
 * every byte but the last message's below max_bytes. O(1): only the last
 * message is looked at.
 *
 * Return: true when they fit (always for none).
 */
bool mojo_port_fits(const struct mojo_port *to, const struct list_head *msgs,
		    u32 num_msgs, u64 num_bytes)
{
	const struct mojo_message *last;

	if (!num_msgs)
		return true;
	last = list_last_entry(msgs, struct mojo_message, link);
	return (u64)to->queued_msgs + num_msgs <= READ_ONCE(to->max_msgs) &&
	       to->queued_bytes + num_bytes - last->num_bytes <
	       READ_ONCE(to->max_bytes);
}

/**
 * mojo_port_peer_remote() - is the peer held by another node (PEER_REMOTE)?
 * @port: the port, locked
 *
 * The peer's @node changes under the peer's lock, which we do not hold: a
 * snapshot, as every signal is. Whoever moves a port wakes its peer once
 * the move is done (mojo_port_wake_pair()), so a waiter looks again.
 *
 * Return: true when the peer is open and not in @port's node (in another
 * node, or in transit).
 */
bool mojo_port_peer_remote(const struct mojo_port *port)
{
	struct mojo_node *node;

	if (!port->peer || port->peer_closed)
		return false;
	node = READ_ONCE(port->peer->node);
	return !node || node != port->node;
}

/**
 * mojo_port_unread() - messages @port wrote that its peer has not read
 * @port: the port, locked
 *
 * What sits in the peer's queue: everything there came from @port (a
 * fuse hands a port a new peer, with the messages that peer sent still
 * queued on the way, only when the two endpoints fused never wrote).
 * Read without the peer's lock, a snapshot; the peer's reads wake @port.
 *
 * Return: the count, 0 once the peer closed.
 */
u64 mojo_port_unread(const struct mojo_port *port)
{
	if (!port->peer || port->peer_closed)
		return 0;
	return READ_ONCE(port->peer->queued_msgs);
}

/* Is any signal-only limit of @port exceeded (port lock held)? */
static bool mojo_port_over_signal_quota(const struct mojo_port *port)
{
	return port->queued_msgs > READ_ONCE(port->sig_msgs) ||
	       port->queued_bytes > READ_ONCE(port->sig_bytes) ||
	       mojo_port_unread(port) > READ_ONCE(port->sig_unread);
}

/* The peer closed and every message it sent has been queued here. */
static bool mojo_port_peer_done(const struct mojo_port *port)
{
	return port->peer_closed &&
	       port->next_recv_seq == port->peer_last_seq + 1;
}

/*
 * PEER_CHANGED's forwarded messages: none, or a list numbered without a
 * gap up to the sequence number the receiver expects next. The ends and
 * the count are checked, not every message: the list is a queue the
 * sender's side kept in order, and walking it would cost its length.
 */
static bool mojo_port_forwarded_ok(const struct mojo_event *ev)
{
	const struct mojo_message *first, *last;

	if (!ev->num_msgs)
		return !ev->num_bytes &&
		       (!ev->messages || list_empty(ev->messages));
	if (!ev->messages || list_empty(ev->messages) ||
	    ev->num_msgs > MOJO_QUOTA_MAX_MSGS || ev->seq < ev->num_msgs)
		return false;
	first = list_first_entry(ev->messages, struct mojo_message, link);
	last = list_last_entry(ev->messages, struct mojo_message, link);
	return first->seq == ev->seq - ev->num_msgs && last->seq == ev->seq - 1;
}

/**
 * mojo_port_deliver() - hand one event to a port
 * @to: the receiving port, locked
 * @ev: the event
 *
 * The single entry point through which a port learns anything from its
 * peer. Validates the sender, the sequence number and the sizes, then
 * applies the event. On failure nothing changed and the caller still owns
 * what the event carries.
 *
 * Return: 0; -EPIPE when @to is closed; -ENOSPC when @to's queue is full
 * (mojo_port_full()) or cannot take a PEER_CHANGED's messages
 * (mojo_port_fits()); -EPROTO for an event that is not from @to's peer, out
 * of sequence, oversized, or after the peer's closure.
 */
int mojo_port_deliver(struct mojo_port *to, struct mojo_event *ev)
{
	struct mojo_message *msg = ev->message;

	lockdep_assert_held(&to->lock);

	if (to->state == MOJO_PORT_CLOSED)
		return -EPIPE;
	if (!ev->from || ev->from != to->peer || to->peer_closed)
		return -EPROTO;

	switch (ev->type) {
	case MOJO_EVENT_USER_MESSAGE:
		if (!msg || ev->seq != to->next_recv_seq)
			return -EPROTO;
		/*
		 * The writer checked the parameter; root may have lowered it
		 * since, which must not fail a write that was accepted. What
		 * no writer can pass is the parameter's own bound.
		 */
		if (msg->num_bytes > MOJO_MESSAGE_BYTES_MAX ||
		    msg->num_objects > MOJO_MAX_MESSAGE_HANDLES)
			return -EPROTO;
		if (mojo_port_full(to))
			return -ENOSPC;
		msg->seq = ev->seq;
		list_add_tail(&msg->link, &to->queue);
		to->next_recv_seq++;
		WRITE_ONCE(to->queued_msgs, to->queued_msgs + 1);
		WRITE_ONCE(to->queued_bytes, to->queued_bytes + msg->num_bytes);
		trace_mojo_msg_deliver(to, msg);
		return 0;

	case MOJO_EVENT_PORT_CLOSED:
		/* Everything the peer sent was delivered before its closure. */
		if (ev->last_seq + 1 != to->next_recv_seq)
			return -EPROTO;
		to->peer_closed = true;
		to->peer_last_seq = ev->last_seq;
		trace_mojo_peer_closed(to);
		return 0;

	case MOJO_EVENT_PEER_CHANGED:
		if (!ev->new_peer || ev->new_peer == to ||
		    !mojo_port_forwarded_ok(ev))
			return -EPROTO;
		if (!mojo_port_fits(to, ev->messages, ev->num_msgs,
				    ev->num_bytes))
			return -ENOSPC;
		/* The caller drops the reference to the old peer. */
		to->peer = ev->new_peer;
		to->next_recv_seq = ev->seq;
		if (ev->num_msgs) {
			list_splice_tail_init(ev->messages, &to->queue);
			WRITE_ONCE(to->queued_msgs,
				   to->queued_msgs + ev->num_msgs);
			WRITE_ONCE(to->queued_bytes,
				   to->queued_bytes + ev->num_bytes);
		}
		return 0;
	}
	return -EPROTO;
}

/**
 * mojo_port_wake() - tell everyone waiting on a port to look again
 * @port: the port; no port lock may be held
 *
 * Wakes MOJO_IOC_WAIT callers and evaluates the trap triggers on the port.
 * Every operation that may change a port's signals, or move the port out
 * of its node, calls this afterwards.
 */
void mojo_port_wake(struct mojo_port *port)
{
	/* The barrier in wq_has_sleeper() pairs with the waiter's. */
	if (wq_has_sleeper(&port->wq))
		wake_up_all(&port->wq);
	mojo_trap_port_changed(port);
	mojo_uring_port_changed(port);
}

/**
 * mojo_port_wake_pair() - wake a port and its current peer
 * @port: the port; no port lock may be held
 *
 * For changes both ends can observe: data moved through a ring, a slot
 * freed in a receive queue (the peer's WRITABLE), a new quota.
 */
void mojo_port_wake_pair(struct mojo_port *port)
{
	struct mojo_port *peer;

	spin_lock(&port->lock);
	peer = port->peer ? mojo_port_get(port->peer) : NULL;
	spin_unlock(&port->lock);
	mojo_port_wake(port);
	if (peer) {
		mojo_port_wake(peer);
		mojo_port_put(peer);
	}
}

/**
 * mojo_port_close() - close a port for good
 * @port: the port; the caller holds a reference and has already taken it
 *        out of wherever it was owned (handle table, message, file)
 * @reap: list the port's queued messages are moved to; the caller frees
 *        them with mojo_message_free_list() once no lock is held, which
 *        closes the ports they carry in turn (no recursion)
 *
 * The state change and the closure event to the peer happen under both
 * ports' locks, so a concurrent fuse of the peer sees either an open port
 * or a peer that already knows it closed. Closing never waits for an
 * operation in progress on the port: a reader copying a message out has
 * pinned it (message.h), a data pipe operation holds the ring, and either
 * finds the port closed when it commits.
 */
void mojo_port_close(struct mojo_port *port, struct list_head *reap)
{
	struct mojo_port *locked[2];
	struct mojo_port *peer, *cont;
	struct mojo_node *node;
	struct mojo_event ev;

	/* A port closed in transit no longer sits in anyone's queue. */
	mutex_lock(&mojo_transit_lock);
	cont = port->container;
	port->container = NULL;
	mutex_unlock(&mojo_transit_lock);
	mojo_port_put(cont);

	for (;;) {
		spin_lock(&port->lock);
		/* Only closing clears the peer pointer. */
		if (port->state == MOJO_PORT_CLOSED || WARN_ON_ONCE(!port->peer)) {
			spin_unlock(&port->lock);
			return;
		}
		peer = mojo_port_get(port->peer);
		spin_unlock(&port->lock);

		locked[0] = port;
		locked[1] = peer;
		mojo_port_lock_two(locked);
		if (port->peer == peer && port->state != MOJO_PORT_CLOSED)
			break;
		/* Fused or closed meanwhile: look again. */
		mojo_port_unlock_two(locked);
		mojo_port_put(peer);
	}

	port->state = MOJO_PORT_CLOSED;
	trace_mojo_port_close(port, peer);
	mojo_stat_inc(MOJO_STAT_PORTS_CLOSED);
	node = port->node;
	WRITE_ONCE(port->node, NULL);
	list_splice_tail_init(&port->queue, reap);
	WRITE_ONCE(port->queued_msgs, 0);
	WRITE_ONCE(port->queued_bytes, 0);
	ev = (struct mojo_event) {
		.type = MOJO_EVENT_PORT_CLOSED,
		.from = port,
		.last_seq = port->next_send_seq - 1,
	};
	/* -EPIPE: both ends closing at once; nothing to tell. */
	mojo_port_deliver(peer, &ev);
	port->peer = NULL;
	mojo_port_unlock_two(locked);

	mojo_port_wake(port);
	mojo_port_wake(peer);
	/* The reference @port held, and the one taken above. */
	mojo_port_put(peer);
	mojo_port_put(peer);
	if (node)
		mojo_node_put(node);
}

/**
 * mojo_port_signals() - the port's signals
 * @port:        the port, locked
 * @satisfiable: out: the signals that can still become satisfied
 *
 * Return: the MOJO_SIGNAL_* bits satisfied now.
 */
u64 mojo_port_signals(struct mojo_port *port, u64 *satisfiable)
{
	bool done = mojo_port_peer_done(port);
	u64 sat = 0, able;

	lockdep_assert_held(&port->lock);

	if (port->dp)
		return mojo_dpipe_signals(port, satisfiable);
	if (port->queued_msgs)
		sat |= MOJO_SIGNAL_READABLE;
	/*
	 * Mojo's meaning: raised once the peer closed and everything it sent
	 * arrived, while READABLE stays for what is still queued. Within one
	 * kernel the closure arrives after every message sent before it; a
	 * link to another kernel may bring the closure first, and then
	 * mojo_port_peer_done() waits for the messages it counts.
	 */
	if (done)
		sat |= MOJO_SIGNAL_PEER_CLOSED;
	if (mojo_port_full(port) || mojo_port_over_signal_quota(port))
		sat |= MOJO_SIGNAL_QUOTA_EXCEEDED;
	if (!done && port->state != MOJO_PORT_CLOSED && port->peer &&
	    !mojo_port_full(port->peer))
		sat |= MOJO_SIGNAL_WRITABLE;
	if (!done && mojo_port_peer_remote(port))
		sat |= MOJO_SIGNAL_PEER_REMOTE;

	able = sat | MOJO_SIGNAL_PEER_CLOSED;
	if (!done)
		able |= MOJO_SIGNAL_READABLE | MOJO_SIGNAL_WRITABLE |
			MOJO_SIGNAL_QUOTA_EXCEEDED | MOJO_SIGNAL_PEER_REMOTE;
	else if (port->queued_msgs)
		/* SET_QUOTA may still lower the quota to what is queued. */
		able |= MOJO_SIGNAL_QUOTA_EXCEEDED;
	*satisfiable = able;
	return sat;
}

static void mojo_port_obj_close(struct mojo_object *obj, struct list_head *reap)
{
	mojo_port_close(mojo_port_from(obj), reap);
}

static void mojo_port_obj_release(struct mojo_object *obj)
{
	mojo_port_release(mojo_port_from(obj));
}

/* Message pipe and data pipe endpoints. */
static const struct mojo_object_ops mojo_port_obj_ops = {
	.type		= MOJO_OBJ_PORT,
	.travels	= true,
	.close		= mojo_port_obj_close,
	.release	= mojo_port_obj_release,
};
