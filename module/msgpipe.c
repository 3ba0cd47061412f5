// SPDX-License-Identifier: GPL-2.0
/*
 * Message pipe operations: create, write, read, query signals, wait and
 * fuse, built on ports (port.h) and messages (message.h). Each function
 * here is the handler of one entry of the operation table (ops.h) and works
 * on a kernel copy of its argument struct.
 */

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "datapipe.h"
#include "debugfs.h"
#include "event.h"
#include "message.h"
#include "mojo_trace.h"
#include "msgpipe.h"
#include "node.h"
#include "ops.h"
#include "port.h"
#include "user.h"

/* Make a fresh or received port the node's: RECEIVING, holding a node ref. */
static void mojo_port_install(struct mojo_port *port, struct mojo_node *node)
{
	spin_lock(&port->lock);
	port->state = MOJO_PORT_RECEIVING;
	port->node = mojo_node_get(node);
	spin_unlock(&port->lock);
}

/**
 * mojo_msgpipe_install() - give a new pair of ports two handles of @node
 * @node: the node
 * @p0:   a port from mojo_port_create_pair() (its reference is consumed)
 * @p1:   its peer (likewise)
 * @out0: out: @p0's handle, a field of @arg
 * @out1: out: @p1's handle, a field of @arg
 * @arg:  the operation's argument (ops.h), published once the handles are
 *        reserved and before the ports become reachable through them
 *
 * On failure both ports are closed and released, and the handle table is
 * as it was: a caller never learns numbers it cannot use.
 *
 * Return: 0, -ENOSPC (handle limit), -EPIPE (node dying), -EFAULT (the
 * handles cannot be reported) or -ENOMEM.
 */
int mojo_msgpipe_install(struct mojo_node *node, struct mojo_port *p0,
			 struct mojo_port *p1, u32 *out0, u32 *out1, void *arg)
{
	LIST_HEAD(reap);
	u32 h0, h1;
	int ret;

	mutex_lock(&node->lock);
	ret = mojo_handle_alloc(node, NULL, &h0);
	if (!ret) {
		ret = mojo_handle_alloc(node, NULL, &h1);
		if (ret)
			mojo_handle_unreserve(node, h0);
	}
	mutex_unlock(&node->lock);
	if (!ret) {
		*out0 = h0;
		*out1 = h1;
		ret = mojo_call_publish(arg);
		mutex_lock(&node->lock);
		if (!ret && node->dead)
			ret = -EPIPE;
		if (ret) {
			mojo_handle_unreserve(node, h0);
			mojo_handle_unreserve(node, h1);
		} else {
			mojo_port_install(p0, node);
			mojo_port_install(p1, node);
			mojo_handle_fill(node, h0, &p0->obj);
			mojo_handle_fill(node, h1, &p1->obj);
		}
		mutex_unlock(&node->lock);
	}

	if (ret) {
		mojo_port_close(p0, &reap);
		mojo_port_close(p1, &reap);
		mojo_port_put(p0);
		mojo_port_put(p1);
	}
	return ret;
}

/**
 * mojo_msgpipe_op_create() - MOJO_IOC_CREATE_MESSAGE_PIPE
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_create_message_pipe_args
 *
 * Return: 0, -EINVAL, -ENOSPC (handle limit), -EFAULT or -ENOMEM.
 */
long mojo_msgpipe_op_create(struct mojo_node *node, void *arg)
{
	struct mojo_create_message_pipe_args *a = arg;
	struct mojo_port *p0, *p1;
	int ret;

	if (a->flags || !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	ret = mojo_port_create_pair(&p0, &p1);
	if (ret)
		return ret;
	return mojo_msgpipe_install(node, p0, p1, &a->handle0, &a->handle1,
				    arg);
}

/* Is @port one of the first @n objects of @msg? */
static bool mojo_msg_carries(struct mojo_message *msg, u32 n,
			     struct mojo_port *port)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (msg->objects[i] == &port->obj)
			return true;
	return false;
}

/* The @i-th attached object of @msg if it is a port, else NULL. */
static struct mojo_port *mojo_msg_port(struct mojo_message *msg, u32 i)
{
	struct mojo_object *obj = msg->objects[i];

	return mojo_object_is(obj, MOJO_OBJ_PORT) ? mojo_port_from(obj) : NULL;
}

/* The deepest nesting inside the first @n attached ports; transit lock. */
static u32 mojo_msg_nest_height(struct mojo_message *msg, u32 n)
{
	struct mojo_port *x;
	u32 i, h = 0;

	lockdep_assert_held(&mojo_transit_lock);
	for (i = 0; i < n; i++) {
		x = mojo_msg_port(msg, i);
		if (x)
			h = max(h, x->nest_height);
	}
	return h;
}

/*
 * A message whose ports nest @height deep was queued at @q: raise the
 * heights of @q and of the ports it sits inside. At most MOJO_MAX_NESTING
 * steps (the send checked the chain); transit lock held.
 */
static void mojo_nest_raise(struct mojo_port *q, u32 height)
{
	struct mojo_port *c;

	lockdep_assert_held(&mojo_transit_lock);
	for (c = q; c && c->nest_height < height; c = c->container)
		c->nest_height = height++;
}

/*
 * Send @msg from the port behind @handle, moving the handles in @hbuf with
 * it. All or nothing: on failure msg->objects is left all NULL and the
 * caller frees the message. @moved has room for one port per handle: the
 * moment the message is queued, a close of the receiving port may free
 * it, and once the transit lock drops a reader may take it apart, so the
 * attached ports are noted in @moved first, and those to wake are kept
 * there (with a reference each).
 *
 * Attached objects are ports or wrapped files (wrapfd.h). Everything
 * below about transit (ownership and busy checks, nesting, containers,
 * revocation, waking) is about ports: a wrapped file is a passenger that
 * holds no queue, so it can close no cycle and nest nothing; it only
 * leaves the table, as the ports do, once the message is delivered.
 * The transit lock is held whenever anything travels, wrapped files
 * alone too: a reader takes it to install what a message carries, so it
 * cannot take the message apart (and free it) before every attached
 * handle has left this table.
 */
static int mojo_msgpipe_send(struct mojo_node *node, u32 handle,
			     struct mojo_message *msg, const u32 *hbuf,
			     struct mojo_port **moved)
{
	u32 i, j, n = msg->num_objects, nports = 0;
	struct mojo_port *p, *q = NULL, *x, *c;
	struct mojo_port *locked[2];
	struct mojo_object *obj;
	u32 height = 0, levels;
	struct mojo_event ev;
	bool busy;
	int ret;

	mutex_lock(&node->lock);
	obj = mojo_handle_lookup(node, handle);
	if (!obj) {
		ret = -EBADF;
		goto out_node;
	}
	if (!mojo_object_is(obj, MOJO_OBJ_PORT) ||
	    mojo_port_from(obj)->kind != MOJO_PORT_MESSAGE_PIPE) {
		ret = -EINVAL;
		goto out_node;
	}
	p = mojo_port_from(obj);
	/* Held until we are done waking, whatever other threads close. */
	mojo_port_get(p);

	/* Every attached handle: ours, a port or wrapped file, not @handle, no repeats. */
	for (i = 0; i < n; i++) {
		obj = mojo_handle_lookup(node, hbuf[i]);
		if (!obj) {
			ret = -EBADF;
			goto out_clear;
		}
		if (!obj->ops->travels || hbuf[i] == handle) {
			ret = -EINVAL;
			goto out_clear;
		}
		for (j = 0; j < i; j++) {
			if (hbuf[j] == hbuf[i]) {
				ret = -EINVAL;
				goto out_clear;
			}
		}
		msg->objects[i] = obj;
	}

	/*
	 * Each may leave: not a data pipe end in the middle of an operation.
	 * Checked, not marked: under the node lock none of them can change
	 * owner or start an operation (port.h, datapipe.h), and nobody sees
	 * anything of this send unless it succeeds.
	 */
	for (i = 0; i < n; i++) {
		x = mojo_msg_port(msg, i);
		if (!x)
			continue;
		nports++;
		spin_lock(&x->lock);
		busy = !mojo_port_held(x, node) ||
		       (x->dp && mojo_dpipe_busy(x));
		spin_unlock(&x->lock);
		if (busy) {
			ret = -EBUSY;
			goto out_clear;
		}
	}

	if (n)
		mutex_lock(&mojo_transit_lock);

	for (;;) {
		spin_lock(&p->lock);
		q = p->peer;
		if (q)
			mojo_port_get(q);
		spin_unlock(&p->lock);
		if (!q) {
			ret = -EPIPE;
			goto out_transit;
		}
		locked[0] = p;
		locked[1] = q;
		mojo_port_lock_two(locked);
		if (p->peer == q)
			break;
		mojo_port_unlock_two(locked);
		mojo_port_put(q);
	}

	if (!mojo_port_held(p, node)) {
		ret = -EBADF;
		goto out_unlock;
	}
	if (p->peer_closed || q->state == MOJO_PORT_CLOSED) {
		ret = -EPIPE;
		goto out_unlock;
	}
	/* Sending the peer would put a port into its own queue. */
	if (mojo_msg_carries(msg, n, q)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	/*
	 * Nor may any attached port contain the destination, however deeply
	 * (the message would be unreachable inside its own queue), nor may
	 * the nesting pass MOJO_MAX_NESTING: the ports @q sits inside, @q,
	 * and below it the deepest attached queue. The walk stops there.
	 */
	if (nports) {
		height = mojo_msg_nest_height(msg, n);
		levels = 0;
		for (c = q; c; c = c->container) {
			if (++levels + height > MOJO_MAX_NESTING ||
			    mojo_msg_carries(msg, n, c)) {
				ret = -ELOOP;
				goto out_unlock;
			}
		}
	}

	/*
	 * Which attached objects are ports, noted before the message is
	 * queued: once @q's lock drops, a close of @q may take the queue and
	 * free the message (and the wrapped files it carries, whose close
	 * does not wait for the transit lock) while we are still here. Only
	 * the ports are safe to touch until we drop the transit lock: their
	 * close waits for it.
	 */
	for (i = 0; i < n; i++)
		moved[i] = mojo_msg_port(msg, i);
	ev = (struct mojo_event) {
		.type = MOJO_EVENT_USER_MESSAGE,
		.from = p,
		.seq = p->next_send_seq,
		.message = msg,
	};
	ret = mojo_port_deliver(q, &ev);
	if (ret)
		goto out_unlock;
	p->next_send_seq++;
	trace_mojo_msg_write(node, handle, p, q, msg);
	mojo_stat_inc(MOJO_STAT_MSGS_WRITTEN);
	mojo_stat_add(MOJO_STAT_BYTES_WRITTEN, msg->num_bytes);
	mojo_port_unlock_two(locked);
	/* From here on @msg is not ours to look at. */
	if (nports)
		mojo_nest_raise(q, height + 1);

	/* Delivered: the attached handles leave the table, into the message. */
	for (i = 0; i < n; i++) {
		x = moved[i];
		moved[i] = NULL;
		if (!x) {
			/*
			 * The table's reference is now the message's (and may
			 * be gone already): only the number leaves the table.
			 */
			mojo_handle_take(node, hbuf[i]);
			continue;
		}
		spin_lock(&x->lock);
		x->state = MOJO_PORT_IN_TRANSIT;
		WRITE_ONCE(x->node, NULL);
		x->container = mojo_port_get(q);
		trace_mojo_port_send(node, hbuf[i], x, q);
		mojo_stat_inc(MOJO_STAT_PORTS_SENT);
		spin_unlock(&x->lock);
		mojo_handle_take(node, hbuf[i]);
		/* The port's reference to the node; the file holds another. */
		mojo_node_put(node);
		moved[i] = mojo_port_get(x);
		/*
		 * The old node's mappings are revoked before anyone can
		 * receive it; their page table entries go once we unlock.
		 */
		if (x->dp)
			mojo_dpipe_revoke(x);
	}
	if (n)
		mutex_unlock(&mojo_transit_lock);
	mutex_unlock(&node->lock);

	mojo_port_wake(q);
	/* Our WRITABLE may have dropped with the peer's quota. */
	mojo_port_wake(p);
	for (i = 0; i < n; i++) {
		if (!moved[i])
			continue;
		if (moved[i]->dp)
			mojo_dpipe_zap(moved[i]);
		/* It, and its peer, whose PEER_REMOTE may have changed. */
		mojo_port_wake_pair(moved[i]);
		mojo_port_put(moved[i]);
	}
	mojo_port_put(q);
	mojo_port_put(p);
	return 0;

out_unlock:
	trace_mojo_quota_refused(p, q, ret);
	if (ret == -ENOSPC)
		mojo_stat_inc(MOJO_STAT_QUOTA_REFUSED);
	mojo_port_unlock_two(locked);
	mojo_port_put(q);
out_transit:
	if (n)
		mutex_unlock(&mojo_transit_lock);
out_clear:
	memset(msg->objects, 0, n * sizeof(*msg->objects));
	mojo_port_put(p);
out_node:
	mutex_unlock(&node->lock);
	return ret;
}

/**
 * mojo_msgpipe_op_write() - MOJO_IOC_WRITE_MESSAGE
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_write_message_args
 *
 * Copies the payload and the handle list in, then sends (see
 * struct mojo_write_message_args for the errors).
 *
 * Return: 0 or a negative errno; on error nothing changed.
 */
long mojo_msgpipe_op_write(struct mojo_node *node, void *arg)
{
	struct mojo_write_message_args *a = arg;
	struct mojo_port **moved = NULL;
	struct mojo_message *msg;
	u32 *hbuf = NULL;
	int ret;

	if (a->flags || !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	if (a->num_bytes > READ_ONCE(mojo_max_message_bytes))
		return -EMSGSIZE;
	if (a->num_handles > MOJO_MAX_MESSAGE_HANDLES)
		return -EINVAL;

	msg = mojo_message_alloc(node->user, a->num_bytes, a->num_handles);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	if (copy_from_user(msg->data, u64_to_user_ptr(a->bytes), a->num_bytes)) {
		ret = -EFAULT;
		goto out;
	}
	if (a->num_handles) {
		hbuf = memdup_user(u64_to_user_ptr(a->handles),
				   a->num_handles * sizeof(*hbuf));
		if (IS_ERR(hbuf)) {
			ret = PTR_ERR(hbuf);
			hbuf = NULL;
			goto out;
		}
		moved = kmalloc_array(a->num_handles, sizeof(*moved), MOJO_GFP);
		if (!moved) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = mojo_msgpipe_send(node, a->handle, msg, hbuf, moved);
	if (!ret)
		msg = NULL;
out:
	kfree(moved);
	kfree(hbuf);
	mojo_message_free(msg);
	return ret;
}

/* Give back the handle numbers a failed read reserved. */
static void mojo_unreserve_all(struct mojo_node *node, const u32 *h, u32 n)
{
	u32 i;

	if (!n)
		return;
	mutex_lock(&node->lock);
	for (i = 0; i < n; i++)
		mojo_handle_unreserve(node, h[i]);
	mutex_unlock(&node->lock);
}

/* Reserve @n handle numbers of @node for a message's carried ports. */
static int mojo_reserve_all(struct mojo_node *node, u32 *h, u32 n)
{
	int ret = 0;
	u32 i;

	mutex_lock(&node->lock);
	for (i = 0; i < n && !ret; i++) {
		ret = mojo_handle_alloc(node, NULL, &h[i]);
		if (ret) {
			while (i--)
				mojo_handle_unreserve(node, h[i]);
		}
	}
	mutex_unlock(&node->lock);
	return ret;
}

/**
 * mojo_msgpipe_op_read() - MOJO_IOC_READ_MESSAGE
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_read_message_args
 *
 * Pins the oldest message, copies it out with no lock held (the payload,
 * then its writer's credentials when asked for, translated here in the
 * reader's context), reserves handle numbers for what it carries, and
 * only then, under the port lock,
 * dequeues it if it is still the oldest message of a port this node holds,
 * and installs the carried ports. No lock anyone else can wait on is held
 * across the user copies: a close, a transfer of the port or another
 * reader goes ahead, and this read then fails (-EBADF) or starts over
 * with the new oldest message. The sizes are published (ops.h) before the
 * message is taken. Any failure leaves the message queued and the handle
 * table and the struct as they were; the user buffers may have been
 * written.
 *
 * Return: 0; -EMSGSIZE with the needed sizes in @arg; -EAGAIN; -EPIPE;
 * -EBADF, -EINVAL, -EFAULT, -ENOSPC (handle limit), -ENOMEM.
 */
long mojo_msgpipe_op_read(struct mojo_node *node, void *arg)
{
	struct mojo_read_message_args *a = arg;
	struct mojo_port *p, *x, *cont;
	const u32 cap_bytes = a->num_bytes, cap_handles = a->num_handles;
	struct mojo_sender_creds creds;
	struct mojo_message *msg;
	u32 *hbuf = NULL;
	bool held, drained;
	u32 i, n;
	int ret = 0;

	if ((a->flags & ~MOJO_READ_MESSAGE_SENDER_CREDS) ||
	    !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	/* A pointer without the flag is unused, so must be zero, as reserved. */
	if (!(a->flags & MOJO_READ_MESSAGE_SENDER_CREDS) && a->creds)
		return -EINVAL;
	p = mojo_port_lookup(node, a->handle, MOJO_KIND_MESSAGE_PIPE, &ret);
	if (!p)
		return ret;
again:
	msg = NULL;
	spin_lock(&p->lock);
	if (!mojo_port_held(p, node)) {
		ret = -EBADF;
	} else if (list_empty(&p->queue)) {
		ret = p->peer_closed ? -EPIPE : -EAGAIN;
	} else {
		msg = list_first_entry(&p->queue, struct mojo_message, link);
		if (msg->num_bytes > cap_bytes ||
		    msg->num_objects > cap_handles) {
			a->num_bytes = msg->num_bytes;
			a->num_handles = msg->num_objects;
			ret = -EMSGSIZE;
			msg = NULL;
		} else {
			mojo_message_pin(msg);
		}
	}
	spin_unlock(&p->lock);
	if (ret)
		goto out;

	n = msg->num_objects;
	if (copy_to_user(u64_to_user_ptr(a->bytes), msg->data, msg->num_bytes)) {
		ret = -EFAULT;
		goto out_unpin;
	}
	/*
	 * Like the payload, before anything is reserved or taken: a creds
	 * buffer that cannot be written leaves the message queued.
	 */
	if (a->flags & MOJO_READ_MESSAGE_SENDER_CREDS) {
		mojo_message_creds(msg, &creds);
		if (copy_to_user(u64_to_user_ptr(a->creds), &creds,
				 sizeof(creds))) {
			ret = -EFAULT;
			goto out_unpin;
		}
	}
	if (n) {
		if (!hbuf)
			hbuf = kmalloc_array(MOJO_MAX_MESSAGE_HANDLES,
					     sizeof(*hbuf), MOJO_GFP);
		if (!hbuf) {
			ret = -ENOMEM;
			goto out_unpin;
		}
		ret = mojo_reserve_all(node, hbuf, n);
		if (ret)
			goto out_unpin;
		if (copy_to_user(u64_to_user_ptr(a->handles), hbuf,
				 n * sizeof(*hbuf))) {
			mojo_unreserve_all(node, hbuf, n);
			ret = -EFAULT;
			goto out_unpin;
		}
	}
	/* The report goes out before the message is taken (ops.h). */
	a->num_bytes = msg->num_bytes;
	a->num_handles = n;
	if (mojo_call_publish(arg)) {
		mojo_unreserve_all(node, hbuf, n);
		ret = -EFAULT;
		goto out_unpin;
	}

	/*
	 * Commit. The node and transit locks are needed only to install
	 * carried ports; the port lock alone decides whether we still own
	 * the port (moving it away changes its state under that lock) and
	 * whether the message is still the oldest.
	 */
	if (n) {
		mutex_lock(&node->lock);
		mutex_lock(&mojo_transit_lock);
	}
	spin_lock(&p->lock);
	held = mojo_port_held(p, node);
	if (!held ||
	    list_first_entry_or_null(&p->queue, struct mojo_message, link) != msg) {
		/*
		 * Sent away or closed meanwhile: nothing was read. Read by
		 * another reader: start over with the new oldest message.
		 */
		spin_unlock(&p->lock);
		if (n) {
			mutex_unlock(&mojo_transit_lock);
			mutex_unlock(&node->lock);
		}
		mojo_unreserve_all(node, hbuf, n);
		mojo_message_put(msg);
		if (held)
			goto again;
		ret = -EBADF;
		goto out;
	}
	list_del_init(&msg->link);
	WRITE_ONCE(p->queued_msgs, p->queued_msgs - 1);
	WRITE_ONCE(p->queued_bytes, p->queued_bytes - msg->num_bytes);
	drained = list_empty(&p->queue);
	trace_mojo_msg_read(node, a->handle, p, msg);
	mojo_stat_inc(MOJO_STAT_MSGS_READ);
	mojo_stat_add(MOJO_STAT_BYTES_READ, msg->num_bytes);
	spin_unlock(&p->lock);

	/*
	 * Drained: no port nests inside it any more. With ports in this
	 * message the transit lock has been held since before the dequeue,
	 * so no message carrying ports arrived since; without, see below.
	 */
	if (n && drained)
		p->nest_height = 0;
	for (i = 0; i < n; i++) {
		x = mojo_msg_port(msg, i);
		if (!x) {
			/* A wrapped file: the message's reference moves. */
			mojo_handle_fill(node, hbuf[i], msg->objects[i]);
			msg->objects[i] = NULL;
			continue;
		}
		spin_lock(&x->lock);
		cont = x->container;
		x->container = NULL;
		x->state = MOJO_PORT_RECEIVING;
		WRITE_ONCE(x->node, mojo_node_get(node));
		trace_mojo_port_receive(node, hbuf[i], x, NULL);
		mojo_stat_inc(MOJO_STAT_PORTS_RECEIVED);
		spin_unlock(&x->lock);
		mojo_port_put(cont);
		mojo_handle_fill(node, hbuf[i], &x->obj);
		/*
		 * The table has the message's reference; the slot keeps one of
		 * ours until the peer is told below (the handle may be closed
		 * the moment the node lock drops).
		 */
		mojo_port_get(x);
	}
	if (n) {
		mutex_unlock(&mojo_transit_lock);
		mutex_unlock(&node->lock);
	}
	/* Each received port's peer: its PEER_REMOTE may have changed. */
	for (i = 0; i < n; i++) {
		if (!msg->objects[i])
			continue;
		x = mojo_port_from(msg->objects[i]);
		msg->objects[i] = NULL;
		mojo_port_wake_pair(x);
		mojo_port_put(x);
	}

	if (!n && drained && READ_ONCE(p->nest_height)) {
		mutex_lock(&mojo_transit_lock);
		spin_lock(&p->lock);
		/*
		 * Not if a fuse made @p a link meanwhile (port.h, Fusing):
		 * its height then stands for what went on to its far end.
		 */
		if (list_empty(&p->queue) && p->state != MOJO_PORT_CLOSED)
			p->nest_height = 0;
		spin_unlock(&p->lock);
		mutex_unlock(&mojo_transit_lock);
	}

	/* The queue's reference, now ours, and the pin. */
	mojo_message_put(msg);

	/* A slot freed in our queue may make the peer writable. */
	mojo_port_wake_pair(p);
out_unpin:
	mojo_message_put(msg);
out:
	kfree(hbuf);
	mojo_port_put(p);
	return ret;
}

/* What MOJO_IOC_WAIT writes back when it ends (not when interrupted). */
#define MOJO_WAIT_REPORT (MOJO_FIELD(mojo_signals_args, satisfied) |	\
			  MOJO_FIELD(mojo_signals_args, satisfiable))

/* For MOJO_IOC_WAIT: has the wait ended, and how? */
static bool mojo_wait_done(struct mojo_port *p, struct mojo_node *node,
			   struct mojo_signals_args *a, int *ret)
{
	bool done = true;
	u64 able;

	spin_lock(&p->lock);
	if (!mojo_port_held(p, node)) {
		*ret = -ECANCELED;
	} else {
		a->satisfied = mojo_port_signals(p, &able);
		a->satisfiable = able;
		if (a->satisfied & a->signals)
			*ret = 0;
		else if (!(able & a->signals))
			*ret = -EPIPE;
		else
			done = false;
	}
	spin_unlock(&p->lock);
	return done;
}

/**
 * mojo_msgpipe_op_query() - MOJO_IOC_QUERY_SIGNALS
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_signals_args
 *
 * Return: 0, -EINVAL or -EBADF.
 */
long mojo_msgpipe_op_query(struct mojo_node *node, void *arg)
{
	struct mojo_signals_args *a = arg;
	struct mojo_port *p;
	int ret;

	if (a->flags || a->signals || a->timeout_ns ||
	    !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	p = mojo_port_lookup(node, a->handle, MOJO_KINDS_ANY, &ret);
	if (!p)
		return ret;
	spin_lock(&p->lock);
	a->satisfied = mojo_port_signals(p, &a->satisfiable);
	spin_unlock(&p->lock);
	mojo_port_put(p);
	return 0;
}

/*
 * A MOJO_URING_SYNC WAIT that io_uring handed to an io-wq worker
 * (IOSQE_ASYNC, a link, a drain). The worker is a thread of the
 * submitter's process, and io_uring wakes it with a signal to cancel what
 * it runs; but a wait it starts after that wake-up was spent, while the
 * process exits, would sleep on, and the exit waits for the worker
 * forever. So the worker sleeps in slices and gives up, -ECANCELED, once
 * its process exits or execs (mojo_process_leaving()). Interrupted, it
 * returns as the ioctl would. Found by mojofuzz's chaos mode on 6.12.
 */
#define MOJO_WAIT_SLICE_NS	(100 * NSEC_PER_MSEC)

/* Is current's thread group exiting, or being replaced by an execve()? */
static bool mojo_process_leaving(void)
{
	struct signal_struct *sig = current->signal;

	return (READ_ONCE(sig->flags) & SIGNAL_GROUP_EXIT) ||
	       READ_ONCE(sig->group_exec_task);
}

static long mojo_wait_io_worker(struct mojo_port *p, struct mojo_node *node,
				struct mojo_signals_args *a)
{
	bool forever = a->timeout_ns == MOJO_TIMEOUT_INFINITE;
	ktime_t end = forever ? KTIME_MAX :
		ktime_add_safe(ktime_get(), ns_to_ktime(min_t(u64, a->timeout_ns, KTIME_MAX)));
	ktime_t left;
	int ret = 0;
	long w;

	/*
	 * Looked at first, as wait_event_*() do: a timeout that has run out
	 * by the time we get here still reports the handle's signals, and
	 * a signal already satisfied still ends the wait with 0.
	 */
	if (mojo_wait_done(p, node, a, &ret))
		return ret;
	for (;;) {
		left = ktime_sub(end, ktime_get());
		if (left <= 0)
			return -ETIMEDOUT;
		w = wait_event_interruptible_hrtimeout(p->wq,
						       mojo_wait_done(p, node, a, &ret),
						       min_t(ktime_t, left, MOJO_WAIT_SLICE_NS));
		if (!w)
			return ret;
		if (w != -ETIME)
			break;
		if (mojo_process_leaving())
			return -ECANCELED;
	}
	/* Interrupted: a restart waits only for the time that is left. */
	if (forever) {
		mojo_call_set_out(a, 0);
		return -ERESTARTNOHAND;
	}
	left = ktime_sub(end, ktime_get());
	if (left <= 0)
		return -ETIMEDOUT;
	a->timeout_ns = ktime_to_ns(left);
	mojo_call_set_out(a, MOJO_FIELD(mojo_signals_args, timeout_ns));
	return -ERESTARTNOHAND;
}

/**
 * mojo_msgpipe_op_wait() - MOJO_IOC_WAIT: block until a signal is satisfied
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_signals_args
 *
 * Sleeps on the port's waitqueue, which lives as long as the reference
 * this call holds on the port.
 *
 * An interrupted wait returns -ERESTARTNOHAND: a signal handler makes it
 * -EINTR for the caller, while anything else that wakes the task with no
 * handler to run (task work, such as io_uring's TIF_NOTIFY_SIGNAL, or a
 * stop) restarts the call. A finite wait writes the time it has left into
 * @arg->timeout_ns first, and nothing else, so that however often it is
 * restarted, it ends when the first call would have (as select(2) does
 * with its timeout). The signal sets are written only with the results
 * that report them.
 *
 * Return: 0, -EPIPE, -ETIMEDOUT, -ERESTARTNOHAND, -ECANCELED, -EINVAL,
 * -EBADF.
 */
long mojo_msgpipe_op_wait(struct mojo_node *node, void *arg)
{
	struct mojo_signals_args *a = arg;
	struct mojo_port *p;
	int ret = 0;
	long w;

	if (a->flags || !a->signals || (a->signals & ~MOJO_SIGNALS_ALL) ||
	    !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	p = mojo_port_lookup(node, a->handle, MOJO_KINDS_ANY, &ret);
	if (!p)
		return ret;

	mojo_call_set_out(arg, MOJO_WAIT_REPORT);
	if (a->timeout_ns == 0) {
		if (!mojo_wait_done(p, node, a, &ret))
			ret = -ETIMEDOUT;
	} else if (current->flags & PF_IO_WORKER) {
		ret = mojo_wait_io_worker(p, node, a);
	} else if (a->timeout_ns == MOJO_TIMEOUT_INFINITE) {
		w = wait_event_interruptible(p->wq, mojo_wait_done(p, node, a, &ret));
		if (w) {
			mojo_call_set_out(arg, 0);
			ret = -ERESTARTNOHAND;
		}
	} else {
		ktime_t t = ns_to_ktime(min_t(u64, a->timeout_ns, KTIME_MAX));
		ktime_t end = ktime_add_safe(ktime_get(), t);

		w = wait_event_interruptible_hrtimeout(p->wq,
						       mojo_wait_done(p, node, a, &ret),
						       t);
		if (w == -ETIME) {
			ret = -ETIMEDOUT;
		} else if (w) {
			/* A restart waits only for the time that is left. */
			t = ktime_sub(end, ktime_get());
			if (t > 0) {
				a->timeout_ns = ktime_to_ns(t);
				mojo_call_set_out(arg, MOJO_FIELD(mojo_signals_args,
								  timeout_ns));
				ret = -ERESTARTNOHAND;
			} else {
				ret = -ETIMEDOUT;
			}
		}
	}
	mojo_port_put(p);
	return ret;
}

/**
 * mojo_msgpipe_op_wait_try() - MOJO_IOC_WAIT without blocking, for io_uring
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_signals_args
 *
 * The timeout is the caller's business (uring.c arms a timer); a timeout
 * of 0 polls, as in mojo_msgpipe_op_wait().
 *
 * Return: as mojo_msgpipe_op_wait(), but -EAGAIN where it would sleep.
 */
long mojo_msgpipe_op_wait_try(struct mojo_node *node, void *arg)
{
	struct mojo_signals_args *a = arg;
	struct mojo_port *p;
	int ret = 0;

	if (a->flags || !a->signals || (a->signals & ~MOJO_SIGNALS_ALL) ||
	    !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	p = mojo_port_lookup(node, a->handle, MOJO_KINDS_ANY, &ret);
	if (!p)
		return ret;
	mojo_call_set_out(arg, MOJO_WAIT_REPORT);
	if (!mojo_wait_done(p, node, a, &ret))
		ret = a->timeout_ns ? -EAGAIN : -ETIMEDOUT;
	mojo_port_put(p);
	return ret;
}

/*
 * A fuse of b (peer a) and c (peer d) in progress: whether b's queue goes
 * on to d, and c's to a, with ports travelling in it (then b, or c,
 * becomes a link in those ports' chains: port.h, Fusing).
 */
struct mojo_fuse {
	struct mojo_port *a, *b, *c, *d;
	bool b_links, c_links;
};

/* The next port up @x's chain once the fuse is done. */
static struct mojo_port *mojo_fuse_next(const struct mojo_fuse *f,
					struct mojo_port *x)
{
	if (x == f->b && f->b_links)
		return f->d;
	if (x == f->c && f->c_links)
		return f->a;
	return x->container;
}

/*
 * The levels of @start's chain once the fuse is done (@start counted), or
 * -ELOOP: the chain meets @link, whose new container leads back to
 * @start (@start sits inside the queue that moves to it), or passes
 * MOJO_MAX_NESTING, which is as deep as any chain may be (and also how a
 * cycle through the other link ends). Transit lock held: at most
 * MOJO_MAX_NESTING + 1 steps.
 */
static int mojo_fuse_levels(const struct mojo_fuse *f, struct mojo_port *start,
			    struct mojo_port *link)
{
	struct mojo_port *x;
	int levels = 0;

	lockdep_assert_held(&mojo_transit_lock);
	for (x = start; x; x = mojo_fuse_next(f, x))
		if (x == link || ++levels > MOJO_MAX_NESTING)
			return -ELOOP;
	return levels;
}

/*
 * Would the fuse close a cycle or nest deeper than MOJO_MAX_NESTING? b's
 * queue, as deep as b's nest height, hangs below d with b as a level of
 * its own: the check a send of b to d would make (and c's below a).
 */
static int mojo_fuse_check_nesting(const struct mojo_fuse *f)
{
	int levels;

	if (f->b_links) {
		levels = mojo_fuse_levels(f, f->d, f->b);
		if (levels < 0 || levels + f->b->nest_height > MOJO_MAX_NESTING)
			return -ELOOP;
	}
	if (f->c_links) {
		levels = mojo_fuse_levels(f, f->a, f->c);
		if (levels < 0 || levels + f->c->nest_height > MOJO_MAX_NESTING)
			return -ELOOP;
	}
	return 0;
}

/*
 * Tell @to (a or d, open) that its peer @old (b or c) is fused away: its
 * new peer is @new_peer (d or a), which sent what @via (the other of b
 * and c) still holds: that comes along, numbered on from there, and then
 * @new_peer's closure if @via had learnt of it.
 *
 * The caller checked what the delivery function checks (the ports, the
 * sequence numbers, @to's quota: mojo_port_fits()), so neither event can
 * fail. Should the first fail all the same (a bug), @to learns that
 * @old closed instead, keeps its reference to @old, and @via's queue
 * stays behind to be freed: no pointer is left dangling.
 *
 * Return: true when @to took the new peer (and @via's messages).
 */
static bool mojo_fuse_hand_over(struct mojo_port *to, struct mojo_port *old,
				struct mojo_port *via, struct mojo_port *new_peer)
{
	struct mojo_event ev = {
		.type = MOJO_EVENT_PEER_CHANGED,
		.from = old,
		.new_peer = new_peer,
		.seq = via->next_recv_seq,
		.messages = &via->queue,
		.num_msgs = via->queued_msgs,
		.num_bytes = via->queued_bytes,
	};

	/* The event passes a reference to the new peer. */
	mojo_port_get(new_peer);
	if (WARN_ON_ONCE(mojo_port_deliver(to, &ev))) {
		mojo_port_put(new_peer);
		ev = (struct mojo_event) {
			.type = MOJO_EVENT_PORT_CLOSED,
			.from = old,
			.last_seq = old->next_send_seq - 1,
		};
		mojo_port_deliver(to, &ev);
		return false;
	}
	WRITE_ONCE(via->queued_msgs, 0);
	WRITE_ONCE(via->queued_bytes, 0);
	if (via->peer_closed) {
		ev = (struct mojo_event) {
			.type = MOJO_EVENT_PORT_CLOSED,
			.from = new_peer,
			.last_seq = via->peer_last_seq,
		};
		WARN_ON_ONCE(mojo_port_deliver(to, &ev));
	}
	return true;
}

/**
 * mojo_msgpipe_op_fuse() - MOJO_IOC_FUSE: join pipes a-b and c-d into a-d
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_fuse_args (handle0 = b, handle1 = c)
 *
 * Under the four ports' locks a and d learn their new peers through
 * PEER_CHANGED events, which carry on to each what the other had sent
 * and b or c still held (then its closure, if it closed); b and c close
 * without telling anyone. What would go to a closed port is freed. The
 * transit lock is held for the nesting check and the links it leaves
 * (port.h, Fusing).
 *
 * Return: 0, -EINVAL, -EBADF, -EBUSY, -ELOOP, -ENOSPC (a receiving
 * queue's quota) or -ETOOMANYREFS (the links, max_user_transit_ports); on
 * error nothing changed.
 */
long mojo_msgpipe_op_fuse(struct mojo_node *node, void *arg)
{
	struct mojo_fuse_args *a = arg;
	struct mojo_port *pa, *pb, *pc, *pd;
	struct mojo_port *locked[4];
	struct mojo_object *ob, *oc;
	struct mojo_fuse f;
	bool a_open, d_open;
	u32 to_d, to_a;
	LIST_HEAD(reap);
	int ret = 0;

	if (a->flags || !mojo_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	if (a->handle0 == a->handle1)
		return -EINVAL;

	mutex_lock(&node->lock);
	ob = mojo_handle_lookup(node, a->handle0);
	oc = mojo_handle_lookup(node, a->handle1);
	if (!ob || !oc) {
		mutex_unlock(&node->lock);
		return -EBADF;
	}
	if (!mojo_object_is(ob, MOJO_OBJ_PORT) || !mojo_object_is(oc, MOJO_OBJ_PORT) ||
	    mojo_port_from(ob)->kind != MOJO_PORT_MESSAGE_PIPE ||
	    mojo_port_from(oc)->kind != MOJO_PORT_MESSAGE_PIPE) {
		mutex_unlock(&node->lock);
		return -EINVAL;
	}
	pb = mojo_port_from(ob);
	pc = mojo_port_from(oc);
	mutex_lock(&mojo_transit_lock);

	for (;;) {
		spin_lock(&pb->lock);
		pa = mojo_port_get(pb->peer);
		spin_unlock(&pb->lock);
		spin_lock(&pc->lock);
		pd = mojo_port_get(pc->peer);
		spin_unlock(&pc->lock);
		/*
		 * Each other's peer. (pd == pb is the same case seen at two
		 * moments, were peers to change between the two reads; only
		 * a fuse changes them, and fuses hold the transit lock.)
		 */
		if (pa == pc || pd == pb) {
			mojo_port_put(pa);
			mojo_port_put(pd);
			ret = -EINVAL;
			goto out_transit;
		}
		locked[0] = pa;
		locked[1] = pb;
		locked[2] = pc;
		locked[3] = pd;
		mojo_port_lock_four(locked);
		if (pb->peer == pa && pc->peer == pd)
			break;
		mojo_port_unlock_four(locked);
		mojo_port_put(pa);
		mojo_port_put(pd);
	}

	/* Mojo's rule: an endpoint that has written cannot be fused. */
	if (pb->next_send_seq != MOJO_SEQ_FIRST ||
	    pc->next_send_seq != MOJO_SEQ_FIRST) {
		ret = -EBUSY;
		goto out_unlock;
	}
	a_open = !pb->peer_closed;
	d_open = !pc->peer_closed;
	f = (struct mojo_fuse) {
		.a = pa, .b = pb, .c = pc, .d = pd,
		/* A nest height of 0: no port travels in the queue. */
		.b_links = d_open && pb->nest_height,
		.c_links = a_open && pc->nest_height,
	};
	ret = mojo_fuse_check_nesting(&f);
	if (ret)
		goto out_unlock;
	/* The receiving queues' enforced quotas hold, as for writes. */
	if ((d_open && !mojo_port_fits(pd, &pb->queue, pb->queued_msgs,
				       pb->queued_bytes)) ||
	    (a_open && !mojo_port_fits(pa, &pc->queue, pc->queued_msgs,
				       pc->queued_bytes))) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	/*
	 * A link outlives the fuse while what it held is unread: it counts
	 * as a handle in transit for the fusing node's user (user.h), or a
	 * chain of fuses would pin ports past max_user_transit_ports.
	 */
	if ((f.b_links || f.c_links) &&
	    mojo_user_charge(&node->user->transit_ports,
			     READ_ONCE(mojo_max_user_transit_ports),
			     f.b_links + f.c_links)) {
		ret = -ETOOMANYREFS;
		goto out_unlock;
	}

	/* Committed: from here on nothing fails. */
	to_d = d_open ? pb->queued_msgs : 0;
	to_a = a_open ? pc->queued_msgs : 0;
	if (d_open && !mojo_fuse_hand_over(pd, pc, pb, pa)) {
		d_open = false;		/* d kept c: nothing flows to it */
		to_d = 0;
		if (f.b_links)
			mojo_user_uncharge(&node->user->transit_ports, 1);
		f.b_links = false;
	}
	if (a_open && !mojo_fuse_hand_over(pa, pb, pc, pd)) {
		a_open = false;
		to_a = 0;
		if (f.c_links)
			mojo_user_uncharge(&node->user->transit_ports, 1);
		f.c_links = false;
	}
	trace_mojo_fuse(node, a->handle0, a->handle1, pa, pd, to_d, to_a);
	/* b and c close; what stays in their queues is dropped. */
	trace_mojo_port_close(pb, pa);
	trace_mojo_port_close(pc, pd);
	mojo_stat_add(MOJO_STAT_PORTS_CLOSED, 2);
	/* What would have gone to a closed port. */
	list_splice_tail_init(&pb->queue, &reap);
	list_splice_tail_init(&pc->queue, &reap);
	WRITE_ONCE(pb->queued_msgs, 0);
	WRITE_ONCE(pb->queued_bytes, 0);
	WRITE_ONCE(pc->queued_msgs, 0);
	WRITE_ONCE(pc->queued_bytes, 0);
	pb->state = MOJO_PORT_CLOSED;
	pc->state = MOJO_PORT_CLOSED;
	WRITE_ONCE(pb->node, NULL);
	WRITE_ONCE(pc->node, NULL);
	pb->peer = NULL;
	pc->peer = NULL;
	mojo_port_unlock_four(locked);

	/* The links, then the heights along the chains they join. */
	if (f.b_links) {
		pb->container = mojo_port_get(pd);
		pb->link_user = mojo_user_get(node->user);
	}
	if (f.c_links) {
		pc->container = mojo_port_get(pa);
		pc->link_user = mojo_user_get(node->user);
	}
	if (f.b_links)
		mojo_nest_raise(pd, pb->nest_height + 1);
	if (f.c_links)
		mojo_nest_raise(pa, pc->nest_height + 1);
	mutex_unlock(&mojo_transit_lock);

	mojo_handle_take(node, a->handle0);
	mojo_handle_take(node, a->handle1);
	mutex_unlock(&node->lock);

	mojo_port_wake(pa);
	mojo_port_wake(pb);
	mojo_port_wake(pc);
	mojo_port_wake(pd);
	/* d's old reference to c, a's old reference to b. */
	if (d_open)
		mojo_port_put(pc);
	if (a_open)
		mojo_port_put(pb);
	/* b's and c's references to their old peers. */
	mojo_port_put(pa);
	mojo_port_put(pd);
	/* The node references of b and c, then the table's references. */
	mojo_node_put(node);
	mojo_node_put(node);
	mojo_port_put(pb);
	mojo_port_put(pc);
	/* The references taken in the loop above. */
	mojo_port_put(pa);
	mojo_port_put(pd);
	/* Closes the ports those messages carried: no lock held. */
	mojo_message_free_list(&reap);
	return 0;

out_unlock:
	mojo_port_unlock_four(locked);
	mojo_port_put(pa);
	mojo_port_put(pd);
out_transit:
	mutex_unlock(&mojo_transit_lock);
	mutex_unlock(&node->lock);
	return ret;
}

/**
 * mojo_msgpipe_op_set_quota() - MOJO_IOC_SET_QUOTA: an endpoint's queue quota
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_quota_args
 *
 * Return: 0, -EINVAL (flags, reserved, a limit of 0 or above the maximum)
 * or -EBADF.
 */
long mojo_msgpipe_op_set_quota(struct mojo_node *node, void *arg)
{
	struct mojo_quota_args *a = arg;
	struct mojo_port *p;
	int ret;

	if (a->flags || a->reserved)
		return -EINVAL;
	if (!a->max_msgs || a->max_msgs > MOJO_QUOTA_MAX_MSGS ||
	    !a->max_bytes || a->max_bytes > MOJO_QUOTA_MAX_BYTES)
		return -EINVAL;
	p = mojo_port_lookup(node, a->handle, MOJO_KIND_MESSAGE_PIPE, &ret);
	if (!p)
		return ret;
	spin_lock(&p->lock);
	WRITE_ONCE(p->max_msgs, a->max_msgs);
	WRITE_ONCE(p->max_bytes, a->max_bytes);
	spin_unlock(&p->lock);
	/* Our QUOTA_EXCEEDED and the peer's WRITABLE may have changed. */
	mojo_port_wake_pair(p);
	mojo_port_put(p);
	return 0;
}

#define MOJO_SIGNAL_QUOTA_ALL	(MOJO_SIGNAL_QUOTA_QUEUE_MSGS |		\
				 MOJO_SIGNAL_QUOTA_QUEUE_BYTES |	\
				 MOJO_SIGNAL_QUOTA_UNREAD_MSGS)

/**
 * mojo_msgpipe_op_set_signal_quota() - MOJO_IOC_SET_SIGNAL_QUOTA
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_signal_quota_args
 *
 * Sets the flagged signal-only limits (Mojo's quotas), which raise
 * QUOTA_EXCEEDED and refuse nothing.
 *
 * Return: 0, -EINVAL or -EBADF.
 */
long mojo_msgpipe_op_set_signal_quota(struct mojo_node *node, void *arg)
{
	struct mojo_signal_quota_args *a = arg;
	struct mojo_port *p;
	int ret;

	if (!a->flags || (a->flags & ~MOJO_SIGNAL_QUOTA_ALL) ||
	    a->queued_msgs || a->queued_bytes || a->unread || a->reserved)
		return -EINVAL;
	if ((!(a->flags & MOJO_SIGNAL_QUOTA_QUEUE_MSGS) && a->queue_msgs) ||
	    (!(a->flags & MOJO_SIGNAL_QUOTA_QUEUE_BYTES) && a->queue_bytes) ||
	    (!(a->flags & MOJO_SIGNAL_QUOTA_UNREAD_MSGS) && a->unread_msgs))
		return -EINVAL;
	p = mojo_port_lookup(node, a->handle, MOJO_KIND_MESSAGE_PIPE, &ret);
	if (!p)
		return ret;
	spin_lock(&p->lock);
	if (a->flags & MOJO_SIGNAL_QUOTA_QUEUE_MSGS)
		WRITE_ONCE(p->sig_msgs, a->queue_msgs);
	if (a->flags & MOJO_SIGNAL_QUOTA_QUEUE_BYTES)
		WRITE_ONCE(p->sig_bytes, a->queue_bytes);
	if (a->flags & MOJO_SIGNAL_QUOTA_UNREAD_MSGS)
		WRITE_ONCE(p->sig_unread, a->unread_msgs);
	spin_unlock(&p->lock);
	/* Our QUOTA_EXCEEDED may have changed; nobody else's did. */
	mojo_port_wake(p);
	mojo_port_put(p);
	return 0;
}

/**
 * mojo_msgpipe_op_query_quota() - MOJO_IOC_QUERY_QUOTA
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_signal_quota_args
 *
 * Reports the signal-only limits and the usage they are compared with,
 * as one snapshot under the port's lock.
 *
 * Return: 0, -EINVAL or -EBADF.
 */
long mojo_msgpipe_op_query_quota(struct mojo_node *node, void *arg)
{
	struct mojo_signal_quota_args *a = arg;
	struct mojo_port *p;
	int ret;

	if (a->flags || a->reserved)
		return -EINVAL;
	p = mojo_port_lookup(node, a->handle, MOJO_KIND_MESSAGE_PIPE, &ret);
	if (!p)
		return ret;
	spin_lock(&p->lock);
	a->queue_msgs = p->sig_msgs;
	a->queue_bytes = p->sig_bytes;
	a->unread_msgs = p->sig_unread;
	a->queued_msgs = p->queued_msgs;
	a->queued_bytes = p->queued_bytes;
	a->unread = mojo_port_unread(p);
	spin_unlock(&p->lock);
	mojo_port_put(p);
	return 0;
}
