/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_TRAP_H
#define __MOJO_TRAP_H

/**
 * DOC: Traps
 *
 * A trap (Mojo's MojoCreateTrap) watches handles of its own node through
 * triggers and reports through events queued on the node, which make the
 * node fd poll readable. The uapi header describes the semantics.
 *
 * Objects: a struct mojo_trap is a handle-able object of one node (a
 * reference to the node is held). Each struct mojo_trigger links one trap
 * to one port and carries its own event record, so firing never
 * allocates, and at most one event per trigger is ever queued: the event
 * queue is bounded by the number of triggers.
 *
 * Firing: whenever a port's signals may have changed, mojo_port_wake()
 * calls mojo_trap_port_changed(), which walks the port's triggers under
 * the port's lock. An armed trap is disarmed with one atomic exchange by
 * whoever fires it, so arming (which sets @armed first and then checks
 * every trigger) can never miss a change nor fire twice. ADD_TRIGGER
 * checks the new trigger under the port lock once it is on the port's
 * list, and fires an armed trap when it is met: no trigger of an armed
 * trap is ever left met without an event.
 *
 * Leaving: a trigger whose port left the trap's node (closed, sent away,
 * exported) is cancelled by the walk: under the port lock it queues the
 * final event, clears &mojo_trigger.attached and moves the trigger onto a
 * list of its own; after dropping the port lock it takes each trap's lock
 * and takes the trigger off its trap. The trigger is then "detached": no
 * port list holds it, although its trap's list may, for a while.
 *
 * Locking, outermost first: &mojo_trap.lock (a mutex: the trap's trigger
 * list) -> &mojo_port.lock (the port's trigger list and every
 * &mojo_trigger.attached) -> &mojo_node.events_lock (a spinlock: the
 * node's event queue and every trigger's event record). Readers of the
 * event queue serialize on &mojo_node.events_mutex, taken outside all of
 * them. The walk never holds a port lock and a trap lock at once.
 *
 * Lifetime: a trigger holds a reference to its trap and its port. It is
 * referenced by three owners, each with one reference and one lock that
 * says whether it holds it:
 *
 * - the trap's list, while &mojo_trigger.trap_link is on
 *   &mojo_trap.triggers (trap lock). Whoever takes it off under the trap
 *   lock (REMOVE_TRIGGER, closing the trap, the walk) drops that
 *   reference.
 * - the port's list, while &mojo_trigger.attached is set (port lock).
 *   Whoever clears @attached under the port lock owns that reference from
 *   then on: a cancel drops it at once; the walk keeps it while the
 *   trigger sits on the walk's own list, and drops it when done. Nobody
 *   else looks at &mojo_trigger.port_link of a trigger that is not
 *   attached.
 * - a queued event, while &mojo_trigger.ev_link is on &mojo_node.events
 *   (events lock). Whoever dequeues it drops that reference.
 *
 * The last put frees the trigger.
 */

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "object.h"

struct mojo_node;
struct mojo_port;

/**
 * struct mojo_trap - a trap handle
 * @obj:          object header (type MOJO_OBJ_TRAP)
 * @node:         the node whose handles it watches and whose event queue
 *                it fills (a reference is held)
 * @lock:         protects @triggers, @num_triggers and @closed
 * @triggers:     the triggers of the trap, through &mojo_trigger.trap_link;
 *                the list holds a reference to each. Added by ADD_TRIGGER,
 *                taken off by REMOVE_TRIGGER, closing the trap, or the walk
 *                of a port that left (a detached trigger may stay here
 *                until that walk reaches it)
 * @num_triggers: entries in @triggers
 * @closed:       the trap handle was closed; no trigger may be added
 * @armed:        1 while armed; cleared by the one who fires or disarms
 */
struct mojo_trap {
	struct mojo_object obj;
	struct mojo_node *node;
	struct mutex lock;	/* outside every port lock; DOC: Traps */
	struct list_head triggers;
	unsigned int num_triggers;
	bool closed;
	atomic_t armed;
};

/**
 * struct mojo_trigger - one watched (handle, signals, condition, context)
 * @ref:         references: trap list, port list, queued event (see DOC:
 *               Traps, lifetime)
 * @trap:        the trap (a reference to its object is held); immutable
 * @port:        the watched port (a reference is held); immutable
 * @signals:     MOJO_SIGNAL_* watched; immutable
 * @condition:   MOJO_TRIGGER_SATISFIED or MOJO_TRIGGER_NOT_SATISFIED;
 *               immutable
 * @context:     the user's 64-bit context; immutable
 * @trap_link:   entry in &mojo_trap.triggers while the trap's list holds
 *               the trigger, else empty; never on any other list;
 *               protected by the trap lock
 * @attached:    the port's list holds the trigger, and a reference: set
 *               by ADD_TRIGGER, cleared by whoever detaches it (a cancel
 *               or the walk of a port that left); protected by the port
 *               lock
 * @port_link:   while @attached: entry in &mojo_port.triggers, protected
 *               by the port lock. Once the walk of a port that left has
 *               cleared @attached: entry in that walk's private list,
 *               touched by that thread only. Otherwise empty.
 * @ev_link:     entry in &mojo_node.events while an event is queued;
 *               protected by &mojo_node.events_lock, as are the fields
 *               below
 * @ev_gen:      bumped whenever the queued event's contents change
 * @ev_result:   the event's result
 * @ev_satisfied: the event's satisfied signals
 * @ev_satisfiable: the event's satisfiable signals
 * @cancelled:   the final -ECANCELED event has been queued
 */
struct mojo_trigger {
	struct kref ref;
	struct mojo_trap *trap;
	struct mojo_port *port;
	u64 signals;
	u32 condition;
	u64 context;
	struct list_head trap_link;
	bool attached;
	struct list_head port_link;
	struct list_head ev_link;
	u64 ev_gen;
	int ev_result;
	u64 ev_satisfied;
	u64 ev_satisfiable;
	bool cancelled;
};

/**
 * mojo_trap_from() - the trap embedding an object
 * @obj: an object of type MOJO_OBJ_TRAP
 *
 * Return: the trap.
 */
static inline struct mojo_trap *mojo_trap_from(struct mojo_object *obj)
{
	return container_of(obj, struct mojo_trap, obj);
}

void mojo_trap_release(struct mojo_trap *trap);
void mojo_trap_close(struct mojo_trap *trap);
void mojo_trap_port_changed(struct mojo_port *port);
void mojo_trap_flush_events(struct mojo_node *node);

long mojo_trap_op_create(struct mojo_node *node, void *arg);
long mojo_trap_op_add(struct mojo_node *node, void *arg);
long mojo_trap_op_remove(struct mojo_node *node, void *arg);
long mojo_trap_op_arm(struct mojo_node *node, void *arg);
long mojo_trap_op_read_events(struct mojo_node *node, void *arg);

#endif /* __MOJO_TRAP_H */
