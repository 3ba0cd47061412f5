// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmojo_core.so: traps.
 *
 * A Mojo trap is a kernel trap plus a handler. The kernel queues every
 * trap's events on the node; a callback thread, started with the first
 * trap, polls the node fd, reads the events and runs the handlers. The
 * kernel identifies a trigger by a 64-bit context unique within its
 * trap, and its events carry only that context, so the library gives
 * each trigger a context unique in the whole node and maps it back to
 * the trap and the caller's context.
 *
 * Mojo's rules, and how they are kept:
 * - An armed trap fires once for the first trigger met and is disarmed:
 *   the kernel's ARM_TRAP and its events do that.
 * - A trigger's last event is CANCELLED, sent when the trigger is
 *   removed, its trap closed or its handle closed (here also: attached
 *   to a message, fused, sent in an invitation), armed or not. The
 *   library marks the trigger cancelled before the kernel call that ends
 *   it, so the callback thread drops whatever the kernel still had
 *   queued for it, waits until no handler of that trigger runs, and then
 *   runs the CANCELLED handler in the calling thread before the call
 *   returns (MOJO_TRAP_EVENT_FLAG_WITHIN_API_CALL). A caller may thus
 *   free its context once MojoRemoveTrigger() or MojoClose() returns.
 * - Handlers of one trigger never overlap, and a handler is never
 *   re-entered: a cancellation caused from inside a handler is delivered
 *   after that handler returns, by the same thread.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "mojo_core_internal.h"

struct mc_trap;

struct mc_trigger {
	struct mc_trigger *next;	/* in its trap's list, while live */
	struct mc_trigger *deferred;	/* in a thread's deferred list */
	struct mc_trap *trap;
	uint64_t kctx;			/* the kernel's context */
	uintptr_t uctx;			/* the caller's */
	uint32_t handle;		/* the handle it watches */
	bool live;
	unsigned int running;		/* handlers of it running now */
};

struct mc_trap {
	struct mc_trap *next;
	uint32_t handle;
	bool closed;
	unsigned int triggers_held;	/* triggers not yet freed */
	MojoTrapEventHandler handler;
	struct mc_trigger *triggers;	/* live ones */
};

static struct mc_trap *mc_traps;
static uint64_t mc_next_kctx = 1;
static pthread_cond_t mc_trap_cond = PTHREAD_COND_INITIALIZER;
static pthread_t mc_trap_thread;
static bool mc_trap_thread_running;
static int mc_trap_wake = -1;

static __thread unsigned int mc_in_handler;
static __thread struct mc_trigger *mc_deferred;

static struct mc_trap *mc_trap_find(uint32_t h)
{
	struct mc_trap *t;

	for (t = mc_traps; t; t = t->next)
		if (t->handle == h && !t->closed)
			return t;
	return NULL;
}

static struct mc_trigger *mc_trigger_by_kctx(uint64_t kctx)
{
	struct mc_trap *t;
	struct mc_trigger *g;

	for (t = mc_traps; t; t = t->next)
		for (g = t->triggers; g; g = g->next)
			if (g->kctx == kctx)
				return g;
	return NULL;
}

/* Take a live trigger out of its trap's list; mc_lock held. */
static void mc_trigger_unlink(struct mc_trigger *g)
{
	struct mc_trigger **p = &g->trap->triggers;

	while (*p && *p != g)
		p = &(*p)->next;
	if (*p)
		*p = g->next;
	g->live = false;
}

/* Free a trigger after its CANCELLED event, and its trap if it is done. */
static void mc_trigger_free(struct mc_trigger *g)
{
	struct mc_trap *trap = g->trap, **p;

	pthread_mutex_lock(&mc_lock);
	trap->triggers_held--;
	if (trap->closed && !trap->triggers_held) {
		for (p = &mc_traps; *p && *p != trap; p = &(*p)->next)
			;
		if (*p)
			*p = trap->next;
	} else {
		trap = NULL;
	}
	pthread_mutex_unlock(&mc_lock);
	free(g);
	free(trap);
}

static void mc_run_handler(struct mc_trap *trap, const struct MojoTrapEvent *ev)
{
	mc_in_handler++;
	trap->handler(ev);
	mc_in_handler--;
}

static void mc_deliver_cancel(struct mc_trigger *g, MojoTrapEventFlags flags)
{
	struct MojoTrapEvent ev;

	memset(&ev, 0, sizeof(ev));
	ev.struct_size = sizeof(ev);
	ev.flags = flags;
	ev.trigger_context = g->uctx;
	ev.result = MOJO_RESULT_CANCELLED;
	/* Wait out a handler of this trigger still running elsewhere. */
	pthread_mutex_lock(&mc_lock);
	while (g->running)
		pthread_cond_wait(&mc_trap_cond, &mc_lock);
	pthread_mutex_unlock(&mc_lock);
	mc_run_handler(g->trap, &ev);
	mc_trigger_free(g);
}

/* Deliver the cancellations queued by handlers of this thread. */
static void mc_run_deferred(void)
{
	struct mc_trigger *g;

	while (!mc_in_handler && mc_deferred) {
		g = mc_deferred;
		mc_deferred = g->deferred;
		mc_deliver_cancel(g, MOJO_TRAP_EVENT_FLAG_NONE);
	}
}

/*
 * Deliver the CANCELLED events of triggers already unlinked (a list
 * through ->deferred): now, or after the current handler returns.
 */
static void mc_cancel_list(struct mc_trigger *list)
{
	struct mc_trigger *g;

	while (list) {
		g = list;
		list = g->deferred;
		if (mc_in_handler) {
			g->deferred = mc_deferred;
			mc_deferred = g;
		} else {
			mc_deliver_cancel(g, MOJO_TRAP_EVENT_FLAG_WITHIN_API_CALL);
		}
	}
}

/* Remove a trigger from the kernel; its queued events are dropped by us. */
static void mc_kernel_remove(uint32_t trap, uint64_t kctx)
{
	int node = mc_node();

	if (node >= 0)
		mojo_remove_trigger(node, trap, kctx);
}

void mc_trap_handle_leaving(uint32_t h)
{
	struct mc_trigger *list = NULL, *g, *next;
	struct mc_trap *t;

	if (!__atomic_load_n(&mc_traps, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&mc_lock);
	for (t = mc_traps; t; t = t->next) {
		for (g = t->triggers; g; g = next) {
			next = g->next;
			if (g->handle != h)
				continue;
			mc_trigger_unlink(g);
			g->deferred = list;
			list = g;
		}
	}
	pthread_mutex_unlock(&mc_lock);
	/* The handle may stay in the node (a message owns it): unhook now. */
	for (g = list; g; g = g->deferred)
		mc_kernel_remove(g->trap->handle, g->kctx);
	mc_cancel_list(list);
}

bool mc_trap_exists_locked(uint32_t h)
{
	return mc_trap_find(h) != NULL;
}

bool mc_trap_exists(uint32_t h)
{
	bool ret;

	pthread_mutex_lock(&mc_lock);
	ret = mc_trap_find(h) != NULL;
	pthread_mutex_unlock(&mc_lock);
	return ret;
}

bool mc_trap_close(uint32_t h, MojoResult *result)
{
	struct mc_trigger *list = NULL, *g;
	struct mc_trap *t;
	int node;

	pthread_mutex_lock(&mc_lock);
	t = mc_trap_find(h);
	if (!t) {
		pthread_mutex_unlock(&mc_lock);
		return false;
	}
	t->closed = true;
	while ((g = t->triggers)) {
		mc_trigger_unlink(g);
		g->deferred = list;
		list = g;
	}
	if (!t->triggers_held) {
		struct mc_trap **p;

		for (p = &mc_traps; *p != t; p = &(*p)->next)
			;
		*p = t->next;
	} else {
		t = NULL;
	}
	pthread_mutex_unlock(&mc_lock);
	node = mc_node();
	*result = node < 0 ? mc_result(node) : mc_result(mojo_close(node, h));
	free(t);
	mc_cancel_list(list);
	return true;
}

/* ---- the callback thread --------------------------------------------- */

static void mc_dispatch(const struct mojo_trap_event *kev)
{
	struct MojoTrapEvent ev;
	struct mc_trigger *g;
	struct mc_trap *trap;

	pthread_mutex_lock(&mc_lock);
	g = mc_trigger_by_kctx(kev->context);
	if (!g) {
		/* Cancelled by us already, or removed: nothing to say. */
		pthread_mutex_unlock(&mc_lock);
		return;
	}
	if (kev->result == -ECANCELED) {
		/* Ended by the kernel on a path the library did not see. */
		mc_trigger_unlink(g);
		pthread_mutex_unlock(&mc_lock);
		mc_deliver_cancel(g, MOJO_TRAP_EVENT_FLAG_NONE);
		mc_run_deferred();
		return;
	}
	g->running++;
	trap = g->trap;
	memset(&ev, 0, sizeof(ev));
	ev.struct_size = sizeof(ev);
	ev.flags = MOJO_TRAP_EVENT_FLAG_NONE;
	ev.trigger_context = g->uctx;
	ev.result = kev->result == 0 ? MOJO_RESULT_OK : MOJO_RESULT_FAILED_PRECONDITION;
	ev.signals_state.satisfied_signals = mc_signals_from_kernel(kev->satisfied);
	ev.signals_state.satisfiable_signals = mc_signals_from_kernel(kev->satisfiable);
	pthread_mutex_unlock(&mc_lock);

	mc_run_handler(trap, &ev);

	pthread_mutex_lock(&mc_lock);
	g->running--;
	pthread_cond_broadcast(&mc_trap_cond);
	pthread_mutex_unlock(&mc_lock);
	mc_run_deferred();
}

static void *mc_trap_main(void *arg)
{
	struct mojo_trap_event evs[MOJO_MAX_READ_EVENTS];
	int node = (int)(intptr_t)arg, n, i;
	struct pollfd p[2];

	for (;;) {
		p[0].fd = node;
		p[0].events = POLLIN;
		p[1].fd = mc_trap_wake;
		p[1].events = POLLIN;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* Woken to stop, or the node is gone (a shutdown from a handler). */
		if (p[1].revents || (p[0].revents & (POLLNVAL | POLLERR | POLLHUP)))
			break;
		while ((n = mojo_read_trap_events(node, evs, MOJO_MAX_READ_EVENTS)) > 0)
			for (i = 0; i < n; i++)
				mc_dispatch(&evs[i]);
	}
	return NULL;
}

/* Start the callback thread once; mc_lock held. */
static int mc_trap_thread_start(int node)
{
	sigset_t all, old;
	int ret;

	if (mc_trap_thread_running)
		return 0;
	mc_trap_wake = eventfd(0, EFD_CLOEXEC);
	if (mc_trap_wake < 0)
		return -errno;
	/* Signals are for the program's threads, not ours. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&mc_trap_thread, NULL, mc_trap_main, (void *)(intptr_t)node);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		close(mc_trap_wake);
		mc_trap_wake = -1;
		return -ret;
	}
	mc_trap_thread_running = true;
	return 0;
}

bool mc_trap_in_handler(void)
{
	return mc_in_handler > 0;
}

/* MojoShutdown: close every trap (delivering its cancellations), stop. */
void mc_trap_shutdown(void)
{
	uint64_t one = 1;
	MojoResult r;

	for (;;) {
		struct mc_trap *t;
		uint32_t h = 0;

		pthread_mutex_lock(&mc_lock);
		for (t = mc_traps; t && t->closed; t = t->next)
			;
		if (t)
			h = t->handle;
		pthread_mutex_unlock(&mc_lock);
		if (!h || !mc_trap_close(h, &r))
			break;
	}
	pthread_mutex_lock(&mc_lock);
	if (mc_trap_thread_running && !pthread_equal(pthread_self(), mc_trap_thread)) {
		if (write(mc_trap_wake, &one, sizeof(one)) < 0)
			one = 0;
		pthread_mutex_unlock(&mc_lock);
		pthread_join(mc_trap_thread, NULL);
		pthread_mutex_lock(&mc_lock);
		close(mc_trap_wake);
		mc_trap_wake = -1;
		mc_trap_thread_running = false;
	}
	pthread_mutex_unlock(&mc_lock);
}

/* After fork(): the child has no callback thread and none of the traps. */
void mc_trap_fork_child(void)
{
	struct mc_trigger *g;
	struct mc_trap *t;

	while ((t = mc_traps)) {
		mc_traps = t->next;
		while ((g = t->triggers)) {
			t->triggers = g->next;
			free(g);
		}
		free(t);
	}
	if (mc_trap_wake >= 0)
		close(mc_trap_wake);
	mc_trap_wake = -1;
	mc_trap_thread_running = false;
	pthread_cond_init(&mc_trap_cond, NULL);
	mc_deferred = NULL;
	mc_in_handler = 0;
}

/* ---- the API ----------------------------------------------------------- */

MojoResult mc_CreateTrap(MojoTrapEventHandler handler,
			 const struct MojoCreateTrapOptions *options,
			 MojoHandle *trap)
{
	struct mc_trap *t;
	uint32_t h;
	int node, ret;

	if (!handler || !trap || !mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	node = mc_node();
	if (node < 0)
		return mc_result(node);
	t = calloc(1, sizeof(*t));
	if (!t)
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	ret = mojo_create_trap(node, &h);
	if (ret < 0) {
		free(t);
		return mc_result(ret);
	}
	t->handle = h;
	t->handler = handler;
	pthread_mutex_lock(&mc_lock);
	ret = mc_trap_thread_start(node);
	if (ret == 0) {
		t->next = mc_traps;
		mc_traps = t;
	}
	pthread_mutex_unlock(&mc_lock);
	if (ret < 0) {
		mojo_close(node, h);
		free(t);
		return mc_result(ret);
	}
	*trap = h;
	return MOJO_RESULT_OK;
}

MojoResult mc_AddTrigger(MojoHandle trap, MojoHandle handle,
			 MojoHandleSignals signals, MojoTriggerCondition condition,
			 uintptr_t context, const struct MojoAddTriggerOptions *options)
{
	struct mc_trigger *g, *o;
	uint32_t th, h, cond;
	struct mc_trap *t;
	uint64_t ksig, kctx;
	MojoResult r;
	int node, ret;

	if (!mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	r = mc_kernel_handle(trap, &th);
	if (r == MOJO_RESULT_OK)
		r = mc_kernel_handle(handle, &h);
	if (r != MOJO_RESULT_OK)
		return r;
	if (condition == MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED)
		cond = MOJO_TRIGGER_SATISFIED;
	else if (condition == MOJO_TRIGGER_CONDITION_SIGNALS_UNSATISFIED)
		cond = MOJO_TRIGGER_NOT_SATISFIED;
	else
		return MOJO_RESULT_INVALID_ARGUMENT;
	ksig = mc_signals_to_kernel(signals);
	if (!ksig)	/* none, or only bits Mojo does not define */
		return MOJO_RESULT_INVALID_ARGUMENT;
	node = mc_node();
	if (node < 0)
		return mc_result(node);
	g = calloc(1, sizeof(*g));
	if (!g)
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	pthread_mutex_lock(&mc_lock);
	t = mc_trap_find(th);
	if (!t) {
		pthread_mutex_unlock(&mc_lock);
		free(g);
		return MOJO_RESULT_INVALID_ARGUMENT;
	}
	for (o = t->triggers; o; o = o->next) {
		if (o->uctx == context) {
			pthread_mutex_unlock(&mc_lock);
			free(g);
			return MOJO_RESULT_ALREADY_EXISTS;
		}
	}
	/* Being closed or sent by another thread: as if already gone. */
	if (mc_handle_going_locked(h)) {
		pthread_mutex_unlock(&mc_lock);
		free(g);
		return MOJO_RESULT_INVALID_ARGUMENT;
	}
	/* Linked before the kernel sees it: it may fire at once. */
	g->trap = t;
	g->kctx = kctx = mc_next_kctx++;
	g->uctx = context;
	g->handle = h;
	g->live = true;
	g->next = t->triggers;
	t->triggers = g;
	t->triggers_held++;
	/*
	 * The kernel call is made under mc_lock (it does not block): a
	 * thread closing the handle or the trap marks it first under this
	 * lock, so the add either comes before, and its trigger is theirs
	 * to cancel, or is refused above. A trigger whose add fails is thus
	 * never seen by anyone else and gets no CANCELLED event, as in
	 * Mojo, which reports none for a trigger it did not add.
	 */
	ret = mojo_add_trigger(node, th, h, ksig, cond, kctx);
	if (ret == 0) {
		pthread_mutex_unlock(&mc_lock);
		return MOJO_RESULT_OK;
	}
	/* Refused: free the trigger, looked up anew (kctx is unique). */
	g = mc_trigger_by_kctx(kctx);
	if (g) {
		mc_trigger_unlink(g);
		g->trap->triggers_held--;
	}
	pthread_mutex_unlock(&mc_lock);
	free(g);
	return mc_result(ret);
}

MojoResult mc_RemoveTrigger(MojoHandle trap, uintptr_t context,
			    const struct MojoRemoveTriggerOptions *options)
{
	struct mc_trigger *g;
	struct mc_trap *t;
	MojoResult r;
	uint32_t th;

	if (!mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	r = mc_kernel_handle(trap, &th);
	if (r != MOJO_RESULT_OK)
		return r;
	pthread_mutex_lock(&mc_lock);
	t = mc_trap_find(th);
	if (!t) {
		pthread_mutex_unlock(&mc_lock);
		return MOJO_RESULT_INVALID_ARGUMENT;
	}
	for (g = t->triggers; g && g->uctx != context; g = g->next)
		;
	if (!g) {
		pthread_mutex_unlock(&mc_lock);
		return MOJO_RESULT_NOT_FOUND;
	}
	mc_trigger_unlink(g);
	pthread_mutex_unlock(&mc_lock);
	mc_kernel_remove(th, g->kctx);
	g->deferred = NULL;
	mc_cancel_list(g);
	return MOJO_RESULT_OK;
}

MojoResult mc_ArmTrap(MojoHandle trap, const struct MojoArmTrapOptions *options,
		      uint32_t *num_blocking_events,
		      struct MojoTrapEvent *blocking_events)
{
	struct mojo_trap_event ready;
	struct mc_trigger *g;
	MojoResult r;
	uint32_t th;
	int node, ret;

	if (!mc_options_ok(options, 0) || (num_blocking_events && !blocking_events))
		return MOJO_RESULT_INVALID_ARGUMENT;
	r = mc_kernel_handle(trap, &th);
	if (r != MOJO_RESULT_OK)
		return r;
	pthread_mutex_lock(&mc_lock);
	r = mc_trap_find(th) ? MOJO_RESULT_OK : MOJO_RESULT_INVALID_ARGUMENT;
	pthread_mutex_unlock(&mc_lock);
	if (r != MOJO_RESULT_OK)
		return r;
	node = mc_node();
	if (node < 0)
		return mc_result(node);
	ret = mojo_arm_trap(node, th, &ready);
	if (ret != -EALREADY)
		return mc_result(ret);
	/* The kernel names one trigger that is met: report it. */
	if (num_blocking_events && *num_blocking_events) {
		struct MojoTrapEvent *ev = &blocking_events[0];

		pthread_mutex_lock(&mc_lock);
		g = mc_trigger_by_kctx(ready.context);
		memset(ev, 0, sizeof(*ev));
		ev->struct_size = sizeof(*ev);
		ev->trigger_context = g ? g->uctx : 0;
		ev->result = ready.result == 0 ? MOJO_RESULT_OK :
						 MOJO_RESULT_FAILED_PRECONDITION;
		ev->signals_state.satisfied_signals = mc_signals_from_kernel(ready.satisfied);
		ev->signals_state.satisfiable_signals = mc_signals_from_kernel(ready.satisfiable);
		*num_blocking_events = g ? 1 : 0;
		pthread_mutex_unlock(&mc_lock);
	}
	return MOJO_RESULT_FAILED_PRECONDITION;
}
