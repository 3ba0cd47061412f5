// SPDX-License-Identifier: GPL-2.0
/*
 * The io_uring submission path. See uring.h.
 */

#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/hrtimer.h>
#include <linux/moduleparam.h>
#include <linux/percpu-refcount.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#ifdef MOJO_HAVE_IO_URING_CMD_H
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#endif
#include <linux/io_uring_types.h>

#include "datapipe.h"
#include "debugfs.h"
#include "mojo_trace.h"
#include "node.h"
#include "ops.h"
#include "port.h"
#include "uring.h"
#include "user.h"

#define MOJO_URING_REAP_MS	50

/* The bounds of DOC: io_uring; read when a command first parks. */
static unsigned int mojo_uring_max_per_node = 4096;
mojo_param_uint(uring_max_pending_per_node, mojo_uring_max_per_node, 0, SZ_1M);
MODULE_PARM_DESC(uring_max_pending_per_node,
		 "Most pending io_uring commands of one node, 0 .. 2^20 (default 4096)");

static unsigned int mojo_uring_max_per_user = 16384;
mojo_param_uint(uring_max_pending_per_user, mojo_uring_max_per_user, 0, SZ_1M);
MODULE_PARM_DESC(uring_max_pending_per_user,
		 "Most pending io_uring commands of one user, 0 .. 2^20 (default 16384)");

/*
 * From 6.7, io_uring calls ->uring_cmd() with IO_URING_F_CANCEL for every
 * command marked cancelable when its ring goes away or when the process
 * exits or calls execve(). 6.1 has no such hook, and the hook is not called
 * when only the submitting thread exits (io_uring then cancels only the
 * requests it tracks, and leaves the others to fail when they next run):
 * the reaper polls, on every kernel where it can tell which task submitted
 * a command (MOJO_HAVE_KIOCB_TASK), and on 6.1 for ring closes and
 * execve() too.
 *
 * A command may park only where we can tell when io_uring waits for it
 * (see "io_uring internals" below): MOJO_URING_CAN_PARK. Elsewhere an
 * asynchronous command that finds nothing to do completes at once with
 * -EOPNOTSUPP (MOJO_URING_SYNC commands and everything that completes at
 * once work as usual): a parked command that nobody cancels would hold
 * up its task's exit or execve() forever.
 */
#ifdef MOJO_HAVE_URING_CMD_CANCEL
#ifdef MOJO_HAVE_RING_REFS
#define MOJO_URING_CAN_PARK	1
#endif
#else
#if defined(MOJO_HAVE_RING_REFS) && defined(MOJO_HAVE_KIOCB_TASK) && \
	defined(MOJO_HAVE_TCTX_IN_IDLE)
#define MOJO_URING_CAN_PARK	1
#endif
#endif
#ifndef MOJO_URING_CAN_PARK
#define MOJO_URING_CAN_PARK	0
#endif
#if !defined(MOJO_HAVE_URING_CMD_CANCEL) || defined(MOJO_HAVE_KIOCB_TASK)
#define MOJO_URING_REAPER	1
#else
#define MOJO_URING_REAPER	0
#endif

enum {
	MOJO_REQ_RUNNING,	/* being issued or run; on no list */
	MOJO_REQ_PARKED,	/* on a port's list, waiting to be fired */
	MOJO_REQ_FIRED,		/* its task work is queued */
};

/**
 * struct mojo_uring_req - one parked (or parkable) asynchronous command
 * @link:      entry in &mojo_port.uring_pending; protected by the port lock
 * @all:       entry in @group's list, from mojo_req_track() to
 *             mojo_req_untrack(); protected by the group's lock
 * @group:     the commands of @node (counted in it while tracked)
 * @cmd:       the io_uring command
 * @op:        the operation
 * @node:      the node the command was submitted on (a reference is held)
 * @port:      while parked: the port it waits on (a reference is held)
 * @task:      the submitting task, for the reaper (io_uring keeps it
 *             alive until completion); NULL where we cannot tell
 * @files:     the submitter's files_struct, compared with flush()'s owner
 * @state:     MOJO_REQ_*; PARKED -> FIRED by cmpxchg decides who fires
 * @cancelled: to be completed with -ECANCELED when next fired
 * @timed_out: fired by the WAIT timeout
 * @timer:     the WAIT timeout, when finite
 * @call:      the operation's run on the argument struct (ops.h)
 */
struct mojo_uring_req {
	struct list_head link;
	struct list_head all;
	struct mojo_uring_group *group;
	struct io_uring_cmd *cmd;
	const struct mojo_op *op;
	struct mojo_node *node;
	struct mojo_port *port;
	struct task_struct *task;
	void *files;
	atomic_t state;
	bool cancelled;
	bool timed_out;
	struct hrtimer timer;
	struct mojo_call call;
};

/**
 * struct mojo_uring_group - the tracked commands of one node
 * @hash:  entry in mojo_uring_groups, keyed by @node; mojo_uring_lock
 * @link:  entry in mojo_uring_group_list, oldest first; mojo_uring_lock
 * @node:  the node; each tracked command holds a reference to it
 * @nr:    tracked commands, at most mojo_uring_max_per_node;
 *         mojo_uring_lock
 * @refs:  @nr plus one per walker (the reaper, flush); mojo_uring_lock.
 *         At 0 the group is unhashed, unlinked and freed.
 * @lock:  protects @reqs; taken with no other lock of this file held
 * @reqs:  the tracked commands (&mojo_uring_req.all), oldest first
 *
 * A command is on @reqs from mojo_req_track() to mojo_req_untrack(); it
 * is freed only after that, and completed (io_uring_cmd_done()) only
 * after that too, so whoever holds @lock may look at any command on
 * @reqs, its io_uring command included.
 */
struct mojo_uring_group {
	struct hlist_node hash;
	struct list_head link;
	struct mojo_node *node;
	unsigned int nr;
	unsigned int refs;
	spinlock_t lock;	/* @reqs */
	struct list_head reqs;
};

/*
 * mojo_uring_lock protects the tables below and the counts in them; it is
 * held for O(1) work (a hash lookup, counting), never across a walk of
 * commands, and no other lock is taken under it.
 */
static DEFINE_SPINLOCK(mojo_uring_lock);
static DEFINE_HASHTABLE(mojo_uring_groups, 8);
static LIST_HEAD(mojo_uring_group_list);
static unsigned int mojo_uring_nr_groups;
static unsigned int mojo_uring_tracked;
static void mojo_uring_reap(struct work_struct *work);
static DECLARE_DELAYED_WORK(mojo_uring_reaper, mojo_uring_reap);

static struct mojo_uring_req **mojo_req_slot(struct io_uring_cmd *cmd)
{
	static_assert(sizeof(struct mojo_uring_req *) <= sizeof(cmd->pdu));
	return (struct mojo_uring_req **)cmd->pdu;
}

/* The SQE's command area (16 bytes, 80 with SQE128). */
static const void *mojo_cmd_area(struct io_uring_cmd *cmd)
{
#ifdef MOJO_HAVE_IO_URING_CMD_H
	return io_uring_sqe_cmd(cmd->sqe);
#else
	return cmd->cmd;
#endif
}

static void mojo_req_free(struct mojo_uring_req *req)
{
	hrtimer_cancel(&req->timer);
	mojo_port_put(req->port);
	mojo_node_put(req->node);
	kfree(req);
}

static void mojo_uring_fired(struct io_uring_cmd *cmd, unsigned int issue_flags);

/*
 * io_uring internals.
 *
 * The uring_cmd API does not tell a driver whether a command's ring was
 * closed, nor (before 6.7) which task submitted it or whether io_uring is
 * waiting for that task's commands. The three functions below read those
 * few fields of io_uring's own structures, and nothing else here does.
 * Each read is enabled by a Kbuild probe that finds the field, inside the
 * struct that must declare it, in the headers we build against. Offsets
 * come from those headers, so a layout change is compiled in; a field that
 * is renamed, moved to another struct or removed fails its probe, and the
 * module then builds without the read and parks no command
 * (MOJO_URING_CAN_PARK, above). What no probe can see is a field that
 * keeps its name and changes meaning: each use below says what it relies
 * on, checked against 6.1's io_uring source (6.12, which needs only the
 * first, kills the ring's count the same way).
 */

/*
 * Has the ring the command was submitted on been closed?
 *
 * Reads cmd_to_io_kiocb(cmd)->ctx->refs (probe MOJO_HAVE_RING_REFS):
 * io_uring kills the ring's reference count (percpu_ref_kill()) when the
 * last descriptor of the ring goes, and the request pins the ring, so the
 * count is there to look at until the command completes.
 *
 * Needed on every kernel: a command of a closed ring completes to nobody,
 * so it must be cancelled, never run (a read would take a message no one
 * will see). 6.1 has no other way to learn of the close (the reaper
 * asks); 6.7 on calls the cancellation hook for it, but later, from
 * io_uring's exit work, and a kick in between would run the command.
 */
static bool mojo_req_ring_dying(struct mojo_uring_req *req)
{
#ifdef MOJO_HAVE_RING_REFS
	return percpu_ref_is_dying(&cmd_to_io_kiocb(req->cmd)->ctx->refs);
#else
	return false;	/* not reached: nothing parks */
#endif
}

/*
 * The task that submitted @cmd, for the reaper (NULL where we cannot tell).
 *
 * Reads cmd_to_io_kiocb(cmd)->task (probe MOJO_HAVE_KIOCB_TASK), the task
 * whose exit or execve() io_uring makes wait for the command (6.1), and
 * which the request keeps alive until it completes (6.1, 6.12). current
 * at issue time is not always that task: with IOSQE_ASYNC it is an io-wq
 * worker.
 */
static struct task_struct *mojo_cmd_task(struct io_uring_cmd *cmd)
{
#ifdef MOJO_HAVE_KIOCB_TASK
	return cmd_to_io_kiocb(cmd)->task;
#else
	return NULL;
#endif
}

/*
 * Is io_uring cancelling @task's requests and waiting for them to go (6.1)?
 *
 * Reads task->io_uring->in_idle (probe MOJO_HAVE_TCTX_IN_IDLE), which
 * io_uring_cancel_generic() raises for that wait, at exit and in execve()
 * alike (6.12 renamed it in_cancel, and has the cancellation hook). Exit
 * is also seen as PF_EXITING, but execve() is not seen otherwise: without
 * it an execve() with a command parked would wait forever.
 */
static bool mojo_task_cancelling(struct task_struct *task)
{
#if !defined(MOJO_HAVE_URING_CMD_CANCEL) && defined(MOJO_HAVE_TCTX_IN_IDLE)
	return task->io_uring && atomic_read(&task->io_uring->in_idle);
#else
	return false;
#endif
}

/*
 * May the command area have been handed back to userspace, and hold
 * another command by now?
 *
 * io_uring reads an SQE in its ring when it submits it and gives the slot
 * back to userspace (advances the ring's head) at the end of that
 * submission. An operation that needs its SQE later must copy it at prep
 * time. For uring_cmd, 6.1 copies the command area of every request it
 * defers (links, drain, IOSQE_ASYNC, punts to io-wq); 6.12 copies it only
 * for IOSQE_ASYNC and leaves cmd->sqe pointing into the ring for a
 * command linked behind another or otherwise issued after its submission,
 * when the slot may already hold a newer SQE. Nothing we could read then
 * tells the two apart, so such a command is refused.
 *
 * Reads, through cmd_to_io_kiocb(cmd)->ctx (probe MOJO_HAVE_SQ_RING), the
 * ring's SQE array (sq_sqes, sq_entries), io_uring's private count of
 * SQEs it has fetched (cached_sq_head) and the head it publishes to
 * userspace (rings->sq.head). The area is safe when it is not in the SQE
 * array (io_uring's own copy), or when we are issued, under the ring's
 * submission lock, inside the submission that fetched it: io_uring
 * publishes the head only at the end of a submission, so while they
 * differ a submission is running, under that lock, and only its own
 * SQEs are issued inline (deferred requests run from task work, after
 * it). From an io-wq worker (IO_URING_F_UNLOCKED) a submission may run
 * concurrently: an area in the ring is refused there.
 */
static bool mojo_cmd_area_stale(struct io_uring_cmd *cmd, const void *area,
				unsigned int issue_flags)
{
#ifdef MOJO_HAVE_SQ_RING
	struct io_ring_ctx *ctx = cmd_to_io_kiocb(cmd)->ctx;
	unsigned long first = (unsigned long)ctx->sq_sqes;
	unsigned long n = ctx->sq_entries;

	if (issue_flags & IO_URING_F_SQE128)
		n *= 2;
	if ((unsigned long)area < first ||
	    (unsigned long)area >= first + n * sizeof(struct io_uring_sqe))
		return false;
	if (issue_flags & IO_URING_F_UNLOCKED)
		return true;
#ifdef __CHECKER__
	/*
	 * sparse warns about io_uring's struct io_rings (an array of CQEs,
	 * which end in a flexible array) wherever it is used: not for it.
	 */
	return false;
#else
	return ctx->cached_sq_head == READ_ONCE(ctx->rings->sq.head);
#endif
#else
	return false;
#endif
}

static u32 mojo_req_handle(const struct mojo_uring_req *req);

/* Fire a parked command: whoever wins the cmpxchg queues its task work. */
static bool mojo_req_fire(struct mojo_uring_req *req)
{
	if (atomic_cmpxchg(&req->state, MOJO_REQ_PARKED, MOJO_REQ_FIRED) !=
	    MOJO_REQ_PARKED)
		return false;
	io_uring_cmd_complete_in_task(req->cmd, mojo_uring_fired);
	return true;
}

/*
 * Cancel a command: it completes with -ECANCELED when it is next fired,
 * at once if it is parked. One that is running or fired sees the flag
 * when its task work runs, or fires itself when it parks again. The
 * caller keeps @req allocated: it holds the lock of @req's group, or it
 * is io_uring's cancellation hook (io_uring asks only about commands not
 * yet completed, and we free a command only after completing it).
 */
static void mojo_req_cancel(struct mojo_uring_req *req)
{
	WRITE_ONCE(req->cancelled, true);
	trace_mojo_uring_cancel(req->node, mojo_req_handle(req), req->op->name,
				-ECANCELED);
	mojo_stat_inc(MOJO_STAT_URING_CANCELLED);
	/* Pairs with the barrier in mojo_req_run() after it parks. */
	smp_mb();
	mojo_req_fire(req);
}

static enum hrtimer_restart mojo_uring_timeout(struct hrtimer *timer)
{
	struct mojo_uring_req *req = container_of(timer, struct mojo_uring_req,
						  timer);

	WRITE_ONCE(req->timed_out, true);
	/* Pairs with the barrier in mojo_req_run() after it parks. */
	smp_mb();
	mojo_req_fire(req);
	return HRTIMER_NORESTART;
}

/*
 * The handle @req names: the first field of every operation that parks,
 * taken from the caller's struct (@call.arg is filled only when it runs).
 */
static u32 mojo_req_handle(const struct mojo_uring_req *req)
{
	return *(const u32 *)req->call.in;
}

/* Does @req read (a message or data) rather than wait for signals? */
static bool mojo_req_reads(const struct mojo_uring_req *req)
{
	return req->op->park == MOJO_PARK_MESSAGE ||
	       req->op->park == MOJO_PARK_DATA;
}

/* Is there something to read: a queued message, or readable data? */
static bool mojo_port_readable(struct mojo_port *port)
{
	u64 n;

	if (!port->dp)
		return port->queued_msgs;
	spin_lock(&port->dp->lock);
	n = port->dp->avail;
	spin_unlock(&port->dp->lock);
	return n;
}

/*
 * Could @req make progress on @port if it ran now? Port lock held. For a
 * read this says nothing about its turn (mojo_req_turn()).
 */
static bool mojo_req_ready(struct mojo_uring_req *req, struct mojo_port *port,
			   u64 sat, u64 able, bool readable)
{
	struct mojo_signals_args *w = (void *)req->call.arg;

	if (!mojo_port_held(port, req->node))
		return true;
	if (req->op->park == MOJO_PARK_SIGNALS)
		return (sat & w->signals) || !(able & w->signals);
	return readable || (sat & MOJO_SIGNAL_PEER_CLOSED);
}

/*
 * Will @req, fired, complete without reading? Port lock held. It is to be
 * cancelled, its ring is closed, or @port left its node: each is for good,
 * and mojo_uring_fired() decides under the same lock, so a read found
 * doomed here never takes anything when it runs.
 */
static bool mojo_req_doomed(struct mojo_uring_req *req, struct mojo_port *port)
{
	return READ_ONCE(req->cancelled) || mojo_req_ring_dying(req) ||
	       !mojo_port_held(port, req->node);
}

/*
 * Does @req, on @port's list, hold back the reads behind it? Port lock
 * held. A read does, parked or in flight, unless it was fired doomed: its
 * task work may be long in coming (a DEFER_TASKRUN ring whose owner is
 * gone runs it only when the ring is closed), and it will read nothing.
 */
static bool mojo_req_blocks(struct mojo_uring_req *req, struct mojo_port *port)
{
	if (!mojo_req_reads(req))
		return false;
	return atomic_read(&req->state) != MOJO_REQ_FIRED ||
	       !mojo_req_doomed(req, port);
}

/*
 * Is it @req's turn to read from @port? Port lock held. Reads take what
 * arrives in the order they were submitted: a read may run only when no
 * read ahead of it on the port's list (older, parked or in flight) is
 * left. A read that is not on the list yet (or NULL) comes after all of
 * them.
 */
static bool mojo_req_turn(struct mojo_uring_req *req, struct mojo_port *port)
{
	struct mojo_uring_req *r;

	list_for_each_entry(r, &port->uring_pending, link) {
		if (r == req)
			return true;
		if (mojo_req_blocks(r, port))
			return false;
	}
	return true;
}

/*
 * May a read submitted now on @node's @handle run at once? Not while reads
 * submitted before it wait on the port (parked, or fired and not yet run):
 * it parks behind them. True also when the handle names no port: the
 * operation reports that.
 */
static bool mojo_read_may_run(struct mojo_node *node, u32 handle)
{
	struct mojo_port *port;
	bool turn = true;
	int err;

	port = mojo_port_lookup(node, handle, MOJO_KINDS_ANY, &err);
	if (!port)
		return true;
	/* Unlocked peek, as in mojo_uring_port_changed(). */
	if (!list_empty_careful(&port->uring_pending)) {
		spin_lock(&port->lock);
		turn = mojo_req_turn(NULL, port);
		spin_unlock(&port->lock);
	}
	mojo_port_put(port);
	return turn;
}

/**
 * mojo_uring_port_changed() - kick the commands parked on a port
 * @port: the port, whose signals may have changed; no lock held
 *
 * Fires every parked wait that can now complete, and the oldest read
 * when it can make progress and no older read is in flight: one read at
 * a time per port, so that each takes the next message or bytes in
 * submission order whatever order the kernel runs task work in. A read
 * leaving the list kicks the port again for the next one. Commands that
 * are to be cancelled (the port left the node, the ring was closed) are
 * all fired, and take nothing.
 */
void mojo_uring_port_changed(struct mojo_port *port)
{
	struct mojo_uring_req *req;
	bool readable, turn = true;
	u64 sat, able;

	/*
	 * Unlocked peek: a command parks under the port lock, and whoever
	 * changed the port took that lock after it, so the list_add is
	 * visible here.
	 */
	if (list_empty_careful(&port->uring_pending))
		return;
	/*
	 * Fired under the lock and left on the list, which their task work
	 * leaves under the lock when they complete: another firer (the
	 * timeout, a cancel) may race with us, and a command that is fired
	 * may be gone as soon as the lock drops.
	 */
	spin_lock(&port->lock);
	sat = mojo_port_signals(port, &able);
	readable = mojo_port_readable(port);
	list_for_each_entry(req, &port->uring_pending, link) {
		bool reads = mojo_req_reads(req);

		if (atomic_read(&req->state) != MOJO_REQ_PARKED) {
			/* In flight: a read blocks the reads behind it. */
			if (mojo_req_blocks(req, port))
				turn = false;
			continue;
		}
		if (mojo_req_ring_dying(req) ||
		    !mojo_port_held(port, req->node)) {
			mojo_req_fire(req);
		} else if (!reads) {
			if (mojo_req_ready(req, port, sat, able, readable))
				mojo_req_fire(req);
		} else if (turn) {
			turn = false;
			if (mojo_req_ready(req, port, sat, able, readable))
				mojo_req_fire(req);
		}
	}
	spin_unlock(&port->lock);
}

/* Take @req off its port's list, where it is parked or in flight. */
static void mojo_req_unlink(struct mojo_uring_req *req)
{
	struct mojo_port *port = req->port;

	if (!port)
		return;
	spin_lock(&port->lock);
	list_del_init(&req->link);
	spin_unlock(&port->lock);
}

/*
 * May @req, a read, run now? Only in its turn: on its port's list, no
 * read ahead of it is left; not on a list yet, no read waits on the port.
 */
static bool mojo_req_may_read(struct mojo_uring_req *req)
{
	struct mojo_port *port = req->port;
	bool turn;

	if (!port)
		return mojo_read_may_run(req->node, mojo_req_handle(req));
	spin_lock(&port->lock);
	turn = mojo_req_turn(req, port);
	spin_unlock(&port->lock);
	return turn;
}

/*
 * Run the operation. Returns -EIOCBQUEUED when the command is parked (it
 * completes later), else the result to complete it with; the command is
 * then on no port's list. Without @may_park (a WAIT whose time is up) a
 * command that would park fails with -ETIMEDOUT instead.
 *
 * A read out of its turn parks without running. A command parks on the
 * port its handle names, and stays there, in its place, while it is fired
 * and run again: @req->port, once set, never changes (the reaper relies
 * on it). Should the handle name another port by then, the command is
 * cancelled.
 */
static int mojo_req_run(struct mojo_uring_req *req, bool may_park)
{
	struct mojo_port *port;
	bool reads = mojo_req_reads(req), cancelled;
	u64 sat, able;
	long ret;

	for (;;) {
		if (!reads || mojo_req_may_read(req)) {
			ret = mojo_call_run(req->node, &req->call, true);
			if (ret != -EAGAIN)
				break;
			if (!may_park) {
				ret = -ETIMEDOUT;
				break;
			}
		}
		/* Nothing yet, or not its turn: park on the handle's port. */
		port = mojo_port_lookup(req->node, mojo_req_handle(req),
					MOJO_KINDS_ANY, (int *)&ret);
		if (!port)
			break;
		if (req->port && req->port != port) {
			mojo_port_put(port);
			ret = -ECANCELED;
			break;
		}
		spin_lock(&port->lock);
		sat = mojo_port_signals(port, &able);
		if (mojo_req_ready(req, port, sat, able,
				   mojo_port_readable(port)) &&
		    (!reads || mojo_req_turn(req, port))) {
			/* It changed since the handler looked: run again. */
			spin_unlock(&port->lock);
			mojo_port_put(port);
			continue;
		}
		if (list_empty(&req->link))
			list_add_tail(&req->link, &port->uring_pending);
		/* Set before the state: the reaper reads it once parked. */
		if (!req->port)
			WRITE_ONCE(req->port, mojo_port_get(port));
		atomic_set_release(&req->state, MOJO_REQ_PARKED);
		trace_mojo_uring_park(req->node, mojo_req_handle(req),
				      req->op->name, 0);
		mojo_stat_inc(MOJO_STAT_URING_PARKED);
		/*
		 * A timeout that expired or a cancel that came while we ran
		 * could not fire us (we were not parked): fire now. The
		 * cmpxchg in mojo_req_fire() lets only one of us do it.
		 * Still under the port lock: once it drops, a kick may fire
		 * the command and, when we run outside the submitter
		 * (io-wq), its task work may complete and free it.
		 */
		smp_mb();	/* pairs with mojo_uring_timeout(), _cancel() */
		cancelled = READ_ONCE(req->cancelled);
		if (READ_ONCE(req->timed_out) || cancelled)
			mojo_req_fire(req);
		spin_unlock(&port->lock);
		/*
		 * A read cancelled holds back no read behind it, but its task
		 * work may be long in coming (mojo_group_cancel()): kick.
		 * Our reference keeps @port, not @req, alive; it may be the
		 * last one, dropped with no lock held.
		 */
		if (cancelled && reads)
			mojo_uring_port_changed(port);
		mojo_port_put(port);
		return -EIOCBQUEUED;
	}
	mojo_req_unlink(req);
	return mojo_call_finish(&req->call, ret);
}

static struct mojo_uring_group *mojo_group_find(struct mojo_node *node)
{
	struct mojo_uring_group *g;

	lockdep_assert_held(&mojo_uring_lock);
	hash_for_each_possible(mojo_uring_groups, g, hash, (unsigned long)node)
		if (g->node == node)
			return g;
	return NULL;
}

/* Drop a reference to a group; mojo_uring_lock held. */
static void mojo_group_put(struct mojo_uring_group *g)
{
	lockdep_assert_held(&mojo_uring_lock);
	if (--g->refs)
		return;
	hash_del(&g->hash);
	list_del(&g->link);
	mojo_uring_nr_groups--;
	kfree(g);
}

/**
 * mojo_uring_node_pending() - how many commands of a node are pending
 * @node: the node
 *
 * For diagnostics (debugfs.h): one hash lookup under mojo_uring_lock.
 *
 * Return: the node's tracked commands (parked, fired or running again).
 */
unsigned int mojo_uring_node_pending(struct mojo_node *node)
{
	struct mojo_uring_group *g;
	unsigned int nr;

	spin_lock(&mojo_uring_lock);
	g = mojo_group_find(node);
	nr = g ? g->nr : 0;
	spin_unlock(&mojo_uring_lock);
	return nr;
}

/*
 * Count a command that is about to park against its node's and its
 * user's bounds, and put it on its node's list, where flush() and the
 * reaper find it.
 *
 * Return: 0; -EDQUOT when the node or the user has as many pending
 * commands as the bound allows; -ENOMEM. On error nothing changed.
 */
static int mojo_req_track(struct mojo_uring_req *req)
{
	struct mojo_uring_group *g, *new_g = NULL;
	struct mojo_user *u = req->node->user;
	bool first;
	int ret = 0;

	if (mojo_user_charge(&u->uring_pending,
			     READ_ONCE(mojo_uring_max_per_user), 1))
		return -EDQUOT;
	for (;;) {
		spin_lock(&mojo_uring_lock);
		g = mojo_group_find(req->node) ?: new_g;
		if (g)
			break;
		spin_unlock(&mojo_uring_lock);
		new_g = kzalloc(sizeof(*new_g), MOJO_GFP);
		if (!new_g) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (g->nr >= READ_ONCE(mojo_uring_max_per_node)) {
		spin_unlock(&mojo_uring_lock);
		ret = -EDQUOT;
		goto out;
	}
	if (g == new_g) {
		new_g = NULL;
		g->node = req->node;
		spin_lock_init(&g->lock);
		INIT_LIST_HEAD(&g->reqs);
		hash_add(mojo_uring_groups, &g->hash, (unsigned long)g->node);
		list_add_tail(&g->link, &mojo_uring_group_list);
		mojo_uring_nr_groups++;
	}
	g->nr++;
	g->refs++;
	first = !mojo_uring_tracked++;
	spin_unlock(&mojo_uring_lock);
	req->group = g;

	spin_lock(&g->lock);
	list_add_tail(&req->all, &g->reqs);
	spin_unlock(&g->lock);
	if (first && MOJO_URING_REAPER)
		schedule_delayed_work(&mojo_uring_reaper,
				      msecs_to_jiffies(MOJO_URING_REAP_MS));
out:
	kfree(new_g);
	if (ret)
		mojo_user_uncharge(&u->uring_pending, 1);
	return ret;
}

static void mojo_req_untrack(struct mojo_uring_req *req)
{
	struct mojo_uring_group *g = req->group;

	spin_lock(&g->lock);
	list_del_init(&req->all);
	spin_unlock(&g->lock);

	spin_lock(&mojo_uring_lock);
	g->nr--;
	mojo_group_put(g);
	mojo_uring_tracked--;
	spin_unlock(&mojo_uring_lock);
	mojo_user_uncharge(&req->node->user->uring_pending, 1);
	req->group = NULL;
}

/* The task work of a fired command: cancel, time out, or run again. */
/*
 * Is the port the command parked on still its node's, under the handle the
 * command names? A port that left the node and came back has another
 * number (numbers are not reused), so the command is cancelled, as for a
 * port that left: it never moves to another port.
 */
static bool mojo_req_bound(struct mojo_uring_req *req)
{
	struct mojo_port *port;
	bool bound;
	int err;

	port = mojo_port_lookup(req->node, mojo_req_handle(req),
				MOJO_KINDS_ANY, &err);
	if (!port)
		return false;
	spin_lock(&port->lock);
	bound = port == req->port && mojo_port_held(port, req->node);
	spin_unlock(&port->lock);
	/* Not the last reference when it is ours; else no lock is held. */
	mojo_port_put(port);
	return bound;
}

static void mojo_uring_fired(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct mojo_uring_req *req = *mojo_req_slot(cmd);
	struct mojo_port *port = req->port;
	bool doomed;
	int ret;

	/*
	 * Still on the port's list: no read behind it may go meanwhile,
	 * unless a kick found it doomed, under this lock, before it ran.
	 */
	spin_lock(&port->lock);
	doomed = mojo_req_doomed(req, port);
	/*
	 * A doomed command stays FIRED: it reads nothing, and a doomed read
	 * holds back no read behind it (mojo_req_blocks()), so its going
	 * changes neither signals nor anyone's turn, and needs no kick. When
	 * a task's thousands of reads on a port are cancelled at its exit,
	 * each completion would otherwise walk the port's list again.
	 */
	if (!doomed)
		atomic_set(&req->state, MOJO_REQ_RUNNING);
	spin_unlock(&port->lock);

	/*
	 * Cancelled, too, when the submitter is going away: io_uring runs the
	 * task work from its fallback work (a kthread) once the task exits,
	 * and in the task itself while it cancels the task's requests (exit,
	 * execve(): its memory is about to go). And when nobody will read
	 * the completion.
	 */
	if (doomed || (current->flags & (PF_EXITING | PF_KTHREAD)) ||
	    mojo_task_cancelling(current)) {
		ret = -ECANCELED;
	} else if (!mojo_req_bound(req)) {
		ret = -ECANCELED;
	} else {
		ret = mojo_req_run(req, !req->timed_out);
		if (ret == -EIOCBQUEUED)
			return;
	}
	mojo_req_unlink(req);
	mojo_req_untrack(req);
	trace_mojo_uring_complete(req->node, mojo_req_handle(req), req->op->name,
				  ret);
	mojo_stat_inc(MOJO_STAT_URING_COMPLETED);
	io_uring_cmd_done(cmd, ret, 0, issue_flags);
	/*
	 * Done with the port: the next read parked there gets its turn
	 * (and, when this one failed or was cancelled, the message or data
	 * it would have read). @req keeps @port alive until it is freed.
	 * Whoever doomed a command kicked the port then (a cancel, a port
	 * leaving its node, the walk that fired it).
	 */
	if (!doomed)
		mojo_uring_port_changed(port);
	mojo_req_free(req);
}

/*
 * The result of a command that ran at once. A MOJO_URING_SYNC wait that
 * was interrupted cannot be restarted the way the ioctl is: it fails with
 * -EINTR while a signal is pending and with -EAGAIN ("submit again") when
 * only task work woke the task, which io_uring_enter() runs on its way
 * out. Its argument struct already holds the time it has left.
 *
 * Two results are posted here rather than returned:
 *
 * - io_uring takes -EAGAIN from ->uring_cmd() as "issue this again from an
 *   io-wq worker". Ours is a result (no data yet, ring full): the command
 *   completes at once, in the submitter, and no worker thread is woken
 *   whose late task work would otherwise interrupt the submitter's next
 *   blocking wait.
 * - A positive result (UNWRAP_FD's new descriptor). 6.1's io_uring_cmd()
 *   passes it on as its own return value, which io_uring reads as "not
 *   done": on the submitter's path it completes the request as failed
 *   (breaking its link), and on an io-wq worker it never completes it at
 *   all, so the ring can never be freed and it pins the node file.
 *   io_uring_cmd_done() completes it with the value, as 6.12 does.
 */
static int mojo_uring_result(struct io_uring_cmd *cmd, int ret,
			     unsigned int issue_flags)
{
	if (ret == -ERESTARTNOHAND)
		ret = task_sigpending(current) ? -EINTR : -EAGAIN;
	if (ret != -EAGAIN && ret <= 0)
		return ret;
	io_uring_cmd_done(cmd, ret, 0, issue_flags);
	return -EIOCBQUEUED;
}

/**
 * mojo_uring_cmd() - file_operations->uring_cmd of a node file
 * @cmd:         the command
 * @issue_flags: io_uring's flags for this issue
 *
 * Return: the operation's result, or -EIOCBQUEUED when it completes later.
 */
int mojo_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct mojo_node *node = cmd->file->private_data;
	struct mojo_call call;
	struct mojo_uring_cmd c;
	const struct mojo_op *op;
	struct mojo_uring_req *req;
	ktime_t timeout = 0;
	const u8 *area;
	int ret;

#ifdef MOJO_HAVE_URING_CMD_CANCEL
	/* The task or the ring is going away; the SQE may be gone too. */
	if (issue_flags & IO_URING_F_CANCEL) {
		struct mojo_port *port;
		bool turn;

		req = *mojo_req_slot(cmd);
		/*
		 * io_uring asks again and again until the command completes
		 * (its exit work loops over every cancelable command): once
		 * is enough.
		 */
		if (READ_ONCE(req->cancelled))
			return 0;
		mojo_req_cancel(req);
		/*
		 * As mojo_group_cancel() does: the read behind a cancelled
		 * one may now have its turn. io_uring holds the ring's lock,
		 * without which the command cannot complete: @req and the
		 * reference it holds to its port stay. Only a read that had
		 * its turn held anyone back; io_uring cancels the newest
		 * first, so a task's thousands of reads on one port cost one
		 * walk of the port's list, not one each.
		 */
		port = READ_ONCE(req->port);
		if (!mojo_req_reads(req) || !port)
			return 0;
		spin_lock(&port->lock);
		turn = mojo_req_turn(req, port);
		spin_unlock(&port->lock);
		if (turn)
			mojo_uring_port_changed(port);
		return 0;
	}
#endif
	area = mojo_cmd_area(cmd);
	if (mojo_cmd_area_stale(cmd, area, issue_flags))
		return -ESTALE;
	memcpy(&c, area, sizeof(c));
	if (c.reserved || (c.flags & ~MOJO_URING_SYNC))
		return -EINVAL;
	/* SQE128: the rest of the 80-byte area is reserved. */
	if ((issue_flags & IO_URING_F_SQE128) &&
	    !mojo_is_zero(area + sizeof(c), 80 - sizeof(c)))
		return -EINVAL;
	op = mojo_op_find(cmd->cmd_op);
	if (!op)
		return -ENOTTY;
	ret = mojo_call_init(&call, op, u64_to_user_ptr(c.arg));
	if (ret)
		return ret;
	if ((c.flags & MOJO_URING_SYNC) || op->park == MOJO_PARK_NONE)
		return mojo_uring_result(cmd,
					 mojo_call_finish(&call,
							  mojo_call_run(node, &call, false)),
					 issue_flags);

	/*
	 * Most asynchronous commands find their message, data or signal at
	 * once: try without allocating, and set up a request only to park.
	 * Not a read that reads submitted before it still wait for.
	 */
	if (op->park == MOJO_PARK_SIGNALS ||
	    mojo_read_may_run(node, *(u32 *)call.in)) {
		ret = mojo_call_finish(&call, mojo_call_run(node, &call, true));
		if (ret != -EAGAIN)
			return mojo_uring_result(cmd, ret, issue_flags);
	}
	if (!MOJO_URING_CAN_PARK)
		return -EOPNOTSUPP;

	req = kzalloc(sizeof(*req), MOJO_GFP);
	if (!req)
		return -ENOMEM;
	INIT_LIST_HEAD(&req->link);
	INIT_LIST_HEAD(&req->all);
	hrtimer_init(&req->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	req->timer.function = mojo_uring_timeout;
	req->cmd = cmd;
	req->op = op;
	req->node = mojo_node_get(node);
	req->task = mojo_cmd_task(cmd);
	req->files = current->files;
	atomic_set(&req->state, MOJO_REQ_RUNNING);
	*mojo_req_slot(cmd) = req;
	/* Parked, it runs again from the same input (mojo_call_run()). */
	req->call = call;

	/* A finite WAIT gets a timer (a WAIT of 0 never gets here). */
	if (op->park == MOJO_PARK_SIGNALS) {
		struct mojo_signals_args *w = (void *)req->call.arg;

		timeout = ns_to_ktime(min_t(u64, w->timeout_ns, KTIME_MAX));
	}

	/*
	 * Tracked and timed before it can park: once parked it may be fired
	 * and completed (by its task work) at any moment, so nothing here
	 * touches it after mojo_req_run() parks it.
	 */
	ret = mojo_req_track(req);
	if (ret) {
		mojo_req_free(req);
		return ret;
	}
	if (op->park == MOJO_PARK_SIGNALS &&
	    ((struct mojo_signals_args *)req->call.arg)->timeout_ns != MOJO_TIMEOUT_INFINITE)
		hrtimer_start(&req->timer, timeout, HRTIMER_MODE_REL);
#ifdef MOJO_HAVE_URING_CMD_CANCEL
	io_uring_cmd_mark_cancelable(cmd, issue_flags);
#endif
	ret = mojo_req_run(req, true);
	if (ret == -EIOCBQUEUED)
		return ret;
	mojo_req_untrack(req);
#ifdef MOJO_HAVE_URING_CMD_CANCEL
	/*
	 * Only io_uring_cmd_done() takes a cancelable command off io_uring's
	 * list, and a cancel may look at @req until it has.
	 */
	io_uring_cmd_done(cmd, ret, 0, issue_flags);
	mojo_req_free(req);
	return -EIOCBQUEUED;
#else
	mojo_req_free(req);
	return mojo_uring_result(cmd, ret, issue_flags);
#endif
}

#define MOJO_KICK_BATCH	16

/*
 * Cancel the commands of @g that @match() picks (and were not cancelled
 * yet); the caller holds a reference to @g. A read that was fired and is
 * now doomed stops holding back the reads parked behind it on its port,
 * but its own task work may never come to kick that port (a DEFER_TASKRUN
 * ring runs it only in the ring's owner, which may be gone): so the ports
 * of the cancelled reads are kicked here, MOJO_KICK_BATCH at a time, with
 * @g's lock dropped. @req->port, once set, does not change, and @req
 * holds a reference to it while it is on @g's list.
 */
static void mojo_group_cancel(struct mojo_uring_group *g,
			      bool (*match)(struct mojo_uring_req *, void *),
			      void *data)
{
	struct mojo_port *kick[MOJO_KICK_BATCH];
	struct mojo_uring_req *req;
	struct mojo_port *port;
	unsigned int i, n;

	do {
		n = 0;
		spin_lock(&g->lock);
		list_for_each_entry(req, &g->reqs, all) {
			if (READ_ONCE(req->cancelled) || !match(req, data))
				continue;
			mojo_req_cancel(req);
			port = READ_ONCE(req->port);
			if (!mojo_req_reads(req) || !port)
				continue;
			/* One kick per port will do: a node's reads share few. */
			for (i = 0; i < n && kick[i] != port; i++)
				;
			if (i < n)
				continue;
			kick[n++] = mojo_port_get(port);
			if (n == MOJO_KICK_BATCH)
				break;
		}
		spin_unlock(&g->lock);
		for (i = 0; i < n; i++) {
			mojo_uring_port_changed(kick[i]);
			mojo_port_put(kick[i]);
		}
	} while (n == MOJO_KICK_BATCH);
}

/*
 * The reaper's choice: the submitting thread exits (or has exited), or,
 * where the kernel has no cancellation hook (6.1), the ring was closed or
 * io_uring is cancelling the submitter's commands and waiting for them to
 * go (execve()).
 */
static bool mojo_req_orphaned(struct mojo_uring_req *req, void *unused)
{
	if (!MOJO_URING_REAPER || !req->task)
		return false;
	if (req->task->flags & PF_EXITING)
		return true;
#ifdef MOJO_HAVE_URING_CMD_CANCEL
	return false;
#else
	return mojo_req_ring_dying(req) || mojo_task_cancelling(req->task);
#endif
}

/*
 * Every MOJO_URING_REAP_MS while any command is tracked: cancel the
 * orphaned ones. One group
 * at a time under its own lock, at most the groups there were when the
 * pass began; mojo_uring_lock only to step from one group to the next.
 */
static void mojo_uring_reap(struct work_struct *work)
{
	struct mojo_uring_group *g, *next;
	unsigned int left;
	bool again;

	spin_lock(&mojo_uring_lock);
	left = mojo_uring_nr_groups;
	g = list_first_entry_or_null(&mojo_uring_group_list,
				     struct mojo_uring_group, link);
	if (g)
		g->refs++;
	while (g) {
		spin_unlock(&mojo_uring_lock);
		mojo_group_cancel(g, mojo_req_orphaned, NULL);
		cond_resched();
		spin_lock(&mojo_uring_lock);
		next = NULL;
		if (--left && !list_is_last(&g->link, &mojo_uring_group_list)) {
			next = list_next_entry(g, link);
			next->refs++;
		}
		mojo_group_put(g);
		g = next;
	}
	again = mojo_uring_tracked;
	spin_unlock(&mojo_uring_lock);
	if (again)
		schedule_delayed_work(&mojo_uring_reaper,
				      msecs_to_jiffies(MOJO_URING_REAP_MS));
}

static bool mojo_req_of_files(struct mojo_uring_req *req, void *files)
{
	return req->files == files;
}

static int mojo_fd_is(const void *file, struct file *f, unsigned int fd)
{
	return f == file;
}

/**
 * mojo_uring_flush() - a descriptor of a node file was closed
 * @file: the node file
 * @id:   the owner (files_struct) that closed it
 *
 * When the owner holds no other descriptor of the file, its commands
 * pending on the node are cancelled: nobody it could still submit from
 * would ever see them otherwise. Only the node's own commands are looked
 * at, at most mojo_uring_max_per_node of them.
 */
void mojo_uring_flush(struct file *file, void *id)
{
	struct mojo_uring_group *g;

	if (current->flags & PF_EXITING)	/* the reaper handles exits */
		return;
	if (!id || id != current->files)
		return;
	/* Every close() of a node fd lands here: be cheap when idle. */
	spin_lock(&mojo_uring_lock);
	g = mojo_group_find(file->private_data);
	if (g)
		g->refs++;
	spin_unlock(&mojo_uring_lock);
	if (!g)
		return;
	if (!iterate_fd(current->files, 0, mojo_fd_is, file))
		mojo_group_cancel(g, mojo_req_of_files, id);
	spin_lock(&mojo_uring_lock);
	mojo_group_put(g);
	spin_unlock(&mojo_uring_lock);
}

/**
 * mojo_uring_exit() - module unload: stop the reaper
 *
 * No command can be pending: each holds a reference to its node file.
 */
void mojo_uring_exit(void)
{
	cancel_delayed_work_sync(&mojo_uring_reaper);
}
