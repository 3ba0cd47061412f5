// SPDX-License-Identifier: GPL-2.0
/*
 * Traps and triggers. See trap.h for the model, the locking and the
 * lifetimes, and the uapi header for the semantics.
 */

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "debugfs.h"
#include "mojo_trace.h"
#include "node.h"
#include "ops.h"
#include "port.h"
#include "trap.h"
#include "user.h"

static const struct mojo_object_ops mojo_trap_obj_ops;

static void mojo_trigger_free(struct kref *ref)
{
	struct mojo_trigger *t = container_of(ref, struct mojo_trigger, ref);

	mojo_port_put(t->port);
	mojo_object_put(&t->trap->obj);
	kfree(t);
}

static void mojo_trigger_put(struct mojo_trigger *t)
{
	kref_put(&t->ref, mojo_trigger_free);
}

/* Is @t's condition met by these signals, and with what result? */
static bool mojo_trigger_met(const struct mojo_trigger *t, u64 sat, u64 able,
			     int *result)
{
	if (t->condition == MOJO_TRIGGER_SATISFIED) {
		if (sat & t->signals) {
			*result = 0;
			return true;
		}
		if (!(able & t->signals)) {
			*result = -EPIPE;
			return true;
		}
		return false;
	}
	if (!(sat & t->signals)) {
		*result = 0;
		return true;
	}
	return false;
}

/*
 * Queue @t's event, or update it if it is still queued. After the final
 * -ECANCELED event nothing more is reported. Callers queue a cancellation
 * with no signals: the trigger no longer watches its handle, which may be
 * closed or in another node's hands by now (as Mojo's cancellations
 * report an empty state).
 */
static void mojo_trigger_queue(struct mojo_trigger *t, int result, u64 sat,
			       u64 able)
{
	struct mojo_node *node = t->trap->node;

	spin_lock(&node->events_lock);
	if (!t->cancelled) {
		t->ev_result = result;
		t->ev_satisfied = sat;
		t->ev_satisfiable = able;
		t->ev_gen++;
		trace_mojo_trap_fire(node, t->context, result, sat, able);
		mojo_stat_inc(MOJO_STAT_TRAP_EVENTS);
		t->cancelled = result == -ECANCELED;
		if (list_empty(&t->ev_link)) {
			list_add_tail(&t->ev_link, &node->events);
			kref_get(&t->ref);
		}
	}
	spin_unlock(&node->events_lock);
}

/*
 * Fire @t's trap for @t if @t is met and the trap is armed: the one place
 * that decides it, for the walk and for ADD_TRIGGER. The atomic exchange
 * disarms, so only one caller fires. Port lock held. Return: fired.
 */
static bool mojo_trigger_fire_if_met(struct mojo_trigger *t, u64 sat, u64 able)
{
	int result;

	if (!mojo_trigger_met(t, sat, able, &result) ||
	    !atomic_xchg(&t->trap->armed, 0))
		return false;
	mojo_trigger_queue(t, result, sat, able);
	return true;
}

static void mojo_node_wake_events(struct mojo_node *node)
{
	wake_up_all(&node->wq);
}

/*
 * Has @t's port left its trap's node (closed, sent away, exported)? Such a
 * trigger is never met again: its port's walk cancels it. The caller holds
 * the port lock.
 */
static bool mojo_trigger_port_left(const struct mojo_trigger *t)
{
	const struct mojo_port *port = t->port;

	return !mojo_port_held(port, t->trap->node);
}

/**
 * mojo_trap_port_changed() - evaluate the triggers watching a port
 * @port: the port; no lock held
 *
 * Called by mojo_port_wake() after every possible signal change. Fires the
 * first met trigger of each armed trap, and cancels triggers whose port
 * left their trap's node: those are detached from the port under its lock,
 * with the port list's reference handed to this walk, and then taken off
 * their traps (see DOC: Traps in trap.h).
 */
void mojo_trap_port_changed(struct mojo_port *port)
{
	struct mojo_trigger *t, *tmp;
	struct mojo_node *nodes[4];
	unsigned int nn = 0, i;
	LIST_HEAD(detached);	/* ours alone: see &mojo_trigger.port_link */
	u64 sat, able;

	/*
	 * Unlocked peek: triggers are added under the port lock, which
	 * whoever changed the port took afterwards.
	 */
	if (list_empty_careful(&port->triggers))
		return;
	spin_lock(&port->lock);
	sat = mojo_port_signals(port, &able);
	list_for_each_entry_safe(t, tmp, &port->triggers, port_link) {
		struct mojo_node *node = t->trap->node;

		if (mojo_trigger_port_left(t)) {
			mojo_trigger_queue(t, -ECANCELED, 0, 0);
			/* The port list's reference is ours now. */
			t->attached = false;
			port->num_triggers--;
			list_move(&t->port_link, &detached);
		} else if (!mojo_trigger_fire_if_met(t, sat, able)) {
			continue;
		}
		for (i = 0; i < nn && nodes[i] != node; i++)
			;
		if (i < nn)
			continue;
		if (nn < ARRAY_SIZE(nodes))
			nodes[nn++] = mojo_node_get(node);
		else
			mojo_node_wake_events(node);	/* rare: many nodes */
	}
	spin_unlock(&port->lock);

	for (i = 0; i < nn; i++) {
		mojo_node_wake_events(nodes[i]);
		mojo_node_put(nodes[i]);
	}
	/*
	 * A cancelled trigger leaves its trap too, unless REMOVE_TRIGGER or
	 * closing the trap took it off first; its event stays queued. No
	 * one else touches @detached: those triggers are not attached.
	 */
	list_for_each_entry_safe(t, tmp, &detached, port_link) {
		struct mojo_trap *trap = t->trap;
		bool listed;

		list_del_init(&t->port_link);
		mutex_lock(&trap->lock);
		listed = !list_empty(&t->trap_link);
		if (listed) {
			list_del_init(&t->trap_link);
			trap->num_triggers--;
		}
		mutex_unlock(&trap->lock);
		if (listed)
			mojo_trigger_put(t);	/* the trap list's */
		mojo_trigger_put(t);		/* the port list's, taken over */
	}
}

/*
 * Detach @t from its port if it is still attached, dropping the port
 * list's reference, and queue its final event. The caller holds the trap
 * lock and has taken @t off the trap's list (it still holds that list's
 * reference). A trigger the port's walk already detached belongs to that
 * walk: its @port_link and the port list's reference are left alone.
 */
static void mojo_trigger_cancel(struct mojo_trigger *t)
{
	struct mojo_port *port = t->port;
	bool attached;

	lockdep_assert_held(&t->trap->lock);
	spin_lock(&port->lock);
	attached = t->attached;
	if (attached) {
		list_del_init(&t->port_link);
		t->attached = false;
		port->num_triggers--;
	}
	mojo_trigger_queue(t, -ECANCELED, 0, 0);
	spin_unlock(&port->lock);
	if (attached)
		mojo_trigger_put(t);
}

/**
 * mojo_trap_release() - free a trap whose last reference is gone
 * @trap: the trap
 */
void mojo_trap_release(struct mojo_trap *trap)
{
	WARN_ON_ONCE(!list_empty(&trap->triggers));
	mojo_node_put(trap->node);
	mutex_destroy(&trap->lock);
	kfree(trap);
}

/**
 * mojo_trap_close() - close a trap handle: cancel every trigger
 * @trap: the trap, already out of the handle table
 */
void mojo_trap_close(struct mojo_trap *trap)
{
	struct mojo_trigger *t, *tmp;

	mutex_lock(&trap->lock);
	trap->closed = true;
	atomic_set(&trap->armed, 0);
	list_for_each_entry_safe(t, tmp, &trap->triggers, trap_link) {
		list_del_init(&t->trap_link);
		trap->num_triggers--;
		mojo_trigger_cancel(t);
		mojo_trigger_put(t);	/* the trap list's */
	}
	mutex_unlock(&trap->lock);
	mojo_node_wake_events(trap->node);
}

/**
 * mojo_trap_flush_events() - drop every queued event of a dead node
 * @node: the node, whose handles are all closed
 */
void mojo_trap_flush_events(struct mojo_node *node)
{
	struct mojo_trigger *t;

	for (;;) {
		spin_lock(&node->events_lock);
		t = list_first_entry_or_null(&node->events, struct mojo_trigger,
					     ev_link);
		if (t)
			list_del_init(&t->ev_link);
		spin_unlock(&node->events_lock);
		if (!t)
			return;
		mojo_trigger_put(t);
	}
}

/* Look a trap handle up and take a reference. */
static struct mojo_trap *mojo_trap_get(struct mojo_node *node, u32 handle,
				       int *err)
{
	struct mojo_object *obj;

	obj = mojo_handle_get(node, handle, MOJO_OBJ_TRAP, err);
	return obj ? mojo_trap_from(obj) : NULL;
}

/**
 * mojo_trap_op_create() - MOJO_IOC_CREATE_TRAP
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_trap_args
 *
 * Return: 0 with the handle in @arg, -EINVAL, -ENOSPC, -EFAULT or -ENOMEM.
 */
long mojo_trap_op_create(struct mojo_node *node, void *arg)
{
	struct mojo_trap_args *a = arg;
	struct mojo_trap *trap;
	u32 handle;
	int ret;

	if (a->handle || a->signals || a->condition || a->flags ||
	    a->context || a->satisfied || a->satisfiable || a->result ||
	    a->reserved0)
		return -EINVAL;
	trap = kzalloc(sizeof(*trap), MOJO_GFP);
	if (!trap)
		return -ENOMEM;
	mojo_object_init(&trap->obj, &mojo_trap_obj_ops);
	trap->node = mojo_node_get(node);
	mutex_init(&trap->lock);
	INIT_LIST_HEAD(&trap->triggers);

	mutex_lock(&node->lock);
	ret = mojo_handle_alloc(node, NULL, &handle);
	mutex_unlock(&node->lock);
	if (!ret) {
		/* Reported before the trap becomes reachable (ops.h). */
		a->trap = handle;
		ret = mojo_call_publish(arg);
		mutex_lock(&node->lock);
		if (!ret && node->dead)
			ret = -EPIPE;
		if (ret)
			mojo_handle_unreserve(node, handle);
		else
			mojo_handle_fill(node, handle, &trap->obj);
		mutex_unlock(&node->lock);
	}
	if (ret)
		mojo_object_put(&trap->obj);
	return ret;
}

/**
 * mojo_trap_op_add() - MOJO_IOC_ADD_TRIGGER
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_trap_args
 *
 * A trigger that is met when it is added to an armed trap fires the trap
 * at once, under the port lock like the walk, so the two cannot both
 * fire it.
 *
 * Return: 0, -EINVAL, -EBADF, -EEXIST (context in use), -ENOSPC
 * (MOJO_MAX_TRIGGERS on the trap, or MOJO_MAX_PORT_TRIGGERS on the
 * port) or -ENOMEM.
 */
long mojo_trap_op_add(struct mojo_node *node, void *arg)
{
	struct mojo_trap_args *a = arg;
	struct mojo_trigger *t, *it;
	struct mojo_trap *trap;
	struct mojo_port *port;
	bool fired = false;
	u64 sat, able;
	int ret = 0;

	if (a->flags || a->satisfied || a->satisfiable || a->result ||
	    a->reserved0 || !a->signals || (a->signals & ~MOJO_SIGNALS_ALL) ||
	    a->condition > MOJO_TRIGGER_NOT_SATISFIED)
		return -EINVAL;
	trap = mojo_trap_get(node, a->trap, &ret);
	if (!trap)
		return ret;
	port = mojo_port_lookup(node, a->handle, MOJO_KINDS_ANY, &ret);
	if (!port) {
		mojo_object_put(&trap->obj);
		return ret;
	}

	t = kzalloc(sizeof(*t), MOJO_GFP);
	if (!t) {
		mojo_port_put(port);
		mojo_object_put(&trap->obj);
		return -ENOMEM;
	}
	kref_init(&t->ref);
	t->trap = trap;
	t->port = port;
	t->signals = a->signals;
	t->condition = a->condition;
	t->context = a->context;
	INIT_LIST_HEAD(&t->trap_link);
	INIT_LIST_HEAD(&t->port_link);
	INIT_LIST_HEAD(&t->ev_link);

	mutex_lock(&trap->lock);
	if (trap->closed) {
		ret = -EBADF;
		goto fail;
	}
	if (trap->num_triggers >= MOJO_MAX_TRIGGERS) {
		ret = -ENOSPC;
		goto fail;
	}
	list_for_each_entry(it, &trap->triggers, trap_link) {
		if (it->context == a->context) {
			ret = -EEXIST;
			goto fail;
		}
	}
	spin_lock(&port->lock);
	if (mojo_trigger_port_left(t)) {
		ret = -EBADF;
	} else if (port->num_triggers >= MOJO_MAX_PORT_TRIGGERS) {
		ret = -ENOSPC;
	} else {
		/* The port list's reference. */
		kref_get(&t->ref);
		t->attached = true;
		port->num_triggers++;
		list_add_tail(&t->port_link, &port->triggers);
		/*
		 * Met already, and the trap armed: it fires now, as it would
		 * have at the change that met it. Otherwise nothing may ever
		 * change the port's signals again, and the trap would stay
		 * armed with a trigger met.
		 */
		sat = mojo_port_signals(port, &able);
		fired = mojo_trigger_fire_if_met(t, sat, able);
	}
	spin_unlock(&port->lock);
	if (ret)
		goto fail;
	list_add_tail(&t->trap_link, &trap->triggers);
	trap->num_triggers++;
	mutex_unlock(&trap->lock);
	if (fired)
		mojo_node_wake_events(node);
	return 0;

fail:
	mutex_unlock(&trap->lock);
	/* Drops the references to the port and the trap. */
	mojo_trigger_put(t);
	return ret;
}

/**
 * mojo_trap_op_remove() - MOJO_IOC_REMOVE_TRIGGER
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_trap_args
 *
 * The trigger's final -ECANCELED event is queued.
 *
 * Return: 0, -EINVAL, -EBADF or -ENOENT.
 */
long mojo_trap_op_remove(struct mojo_node *node, void *arg)
{
	struct mojo_trap_args *a = arg;
	struct mojo_trigger *t, *found = NULL;
	struct mojo_trap *trap;
	int ret = 0;

	if (a->handle || a->signals || a->condition || a->flags ||
	    a->satisfied || a->satisfiable || a->result || a->reserved0)
		return -EINVAL;
	trap = mojo_trap_get(node, a->trap, &ret);
	if (!trap)
		return ret;
	mutex_lock(&trap->lock);
	list_for_each_entry(t, &trap->triggers, trap_link) {
		if (t->context == a->context) {
			found = t;
			break;
		}
	}
	if (found) {
		list_del_init(&found->trap_link);
		trap->num_triggers--;
		mojo_trigger_cancel(found);
		mojo_trigger_put(found);	/* the trap list's */
	} else {
		ret = -ENOENT;
	}
	mutex_unlock(&trap->lock);
	if (found)
		mojo_node_wake_events(node);
	mojo_object_put(&trap->obj);
	return ret;
}

/* What MOJO_IOC_ARM_TRAP reports with -EALREADY. */
#define MOJO_TRAP_ARM_REPORT (MOJO_FIELD(mojo_trap_args, context) |	\
			      MOJO_FIELD(mojo_trap_args, satisfied) |	\
			      MOJO_FIELD(mojo_trap_args, satisfiable) |	\
			      MOJO_FIELD(mojo_trap_args, result))

/**
 * mojo_trap_op_arm() - MOJO_IOC_ARM_TRAP
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_trap_args
 *
 * Sets the trap armed first and then checks every trigger, so a signal
 * change racing with the check either is seen here or fires the trap. A
 * trigger whose port left the node is never met: its cancellation is
 * queued or about to be, and it leaves the trap.
 *
 * Return: 0; -EALREADY with a met trigger reported in @arg; -ENOENT (no
 * triggers); -EINVAL; -EBADF.
 */
long mojo_trap_op_arm(struct mojo_node *node, void *arg)
{
	struct mojo_trap_args *a = arg;
	struct mojo_trigger *t;
	struct mojo_trap *trap;
	bool met = false;
	u64 sat = 0, able = 0;
	int ret = 0, result = 0;

	if (a->handle || a->signals || a->condition || a->flags ||
	    a->reserved0)
		return -EINVAL;
	/* Arming reports nothing; only -EALREADY writes the struct. */
	mojo_call_set_out(arg, 0);
	trap = mojo_trap_get(node, a->trap, &ret);
	if (!trap)
		return ret;
	mutex_lock(&trap->lock);
	if (list_empty(&trap->triggers)) {
		ret = -ENOENT;
		goto out;
	}
	atomic_set(&trap->armed, 1);
	list_for_each_entry(t, &trap->triggers, trap_link) {
		met = false;
		spin_lock(&t->port->lock);
		if (t->attached && !mojo_trigger_port_left(t)) {
			sat = mojo_port_signals(t->port, &able);
			met = mojo_trigger_met(t, sat, able, &result);
		}
		spin_unlock(&t->port->lock);
		if (!met)
			continue;
		/* Whoever clears @armed fires; a racing event already did. */
		if (atomic_xchg(&trap->armed, 0)) {
			a->context = t->context;
			a->satisfied = sat;
			a->satisfiable = able;
			a->result = result;
			mojo_call_set_out(arg, MOJO_TRAP_ARM_REPORT);
			ret = -EALREADY;
		}
		break;
	}
out:
	mutex_unlock(&trap->lock);
	mojo_object_put(&trap->obj);
	return ret;
}

/**
 * mojo_trap_op_read_events() - MOJO_IOC_READ_TRAP_EVENTS
 * @node: the calling node
 * @arg:  kernel copy of a struct mojo_read_events_args
 *
 * Copies events out while they stay queued, then dequeues those that did
 * not change meanwhile; a failed copy loses nothing.
 *
 * Return: 0 with the count in @arg; -EAGAIN; -EINVAL; -EFAULT; -ENOMEM.
 */
long mojo_trap_op_read_events(struct mojo_node *node, void *arg)
{
	struct mojo_read_events_args *a = arg;
	struct mojo_trap_event *ev;
	struct mojo_trigger **trig;
	struct mojo_trigger *t;
	u64 *gen;
	u32 n = 0, i;
	int ret = 0;

	if (a->flags || !mojo_is_zero(a->reserved, sizeof(a->reserved)) ||
	    !a->num_events || a->num_events > MOJO_MAX_READ_EVENTS)
		return -EINVAL;
	ev = kcalloc(a->num_events, sizeof(*ev), MOJO_GFP);
	trig = kcalloc(a->num_events, sizeof(*trig), MOJO_GFP);
	gen = kcalloc(a->num_events, sizeof(*gen), MOJO_GFP);
	if (!ev || !trig || !gen) {
		ret = -ENOMEM;
		goto out_free;
	}

	mutex_lock(&node->events_mutex);
	spin_lock(&node->events_lock);
	list_for_each_entry(t, &node->events, ev_link) {
		if (n == a->num_events)
			break;
		ev[n].context = t->context;
		ev[n].satisfied = t->ev_satisfied;
		ev[n].satisfiable = t->ev_satisfiable;
		ev[n].result = t->ev_result;
		trig[n] = t;
		gen[n] = t->ev_gen;
		n++;
	}
	spin_unlock(&node->events_lock);
	if (!n) {
		ret = -EAGAIN;
		goto out_unlock;
	}
	if (copy_to_user(u64_to_user_ptr(a->events), ev, n * sizeof(*ev))) {
		ret = -EFAULT;
		goto out_unlock;
	}
	/* The count goes out before the events are taken (ops.h). */
	a->num_events = n;
	if (mojo_call_publish(arg)) {
		ret = -EFAULT;
		goto out_unlock;
	}
	spin_lock(&node->events_lock);
	for (i = 0; i < n; i++) {
		if (trig[i]->ev_gen == gen[i])
			list_del_init(&trig[i]->ev_link);
		else
			trig[i] = NULL;	/* updated: report it again */
	}
	spin_unlock(&node->events_lock);
	for (i = 0; i < n; i++)
		if (trig[i])
			mojo_trigger_put(trig[i]);
out_unlock:
	mutex_unlock(&node->events_mutex);
out_free:
	kfree(ev);
	kfree(trig);
	kfree(gen);
	return ret;
}

static void mojo_trap_obj_close(struct mojo_object *obj, struct list_head *reap)
{
	mojo_trap_close(mojo_trap_from(obj));
}

static void mojo_trap_obj_release(struct mojo_object *obj)
{
	mojo_trap_release(mojo_trap_from(obj));
}

/* Traps: a trap never leaves its node. */
static const struct mojo_object_ops mojo_trap_obj_ops = {
	.type		= MOJO_OBJ_TRAP,
	.close		= mojo_trap_obj_close,
	.release	= mojo_trap_obj_release,
};
