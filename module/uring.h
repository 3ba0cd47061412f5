/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_URING_H
#define __MOJO_URING_H

/**
 * DOC: io_uring
 *
 * file_operations->uring_cmd runs the operations of the operation table
 * (ops.h) unchanged: the SQE names the operation (cmd_op, the ioctl
 * number) and points at its argument struct; the dispatch, the handlers
 * and the copy-back rules are the ioctl's.
 *
 * Asynchronous commands: an operation with a park kind (read message, read
 * data, wait) whose handler finds nothing to do parks the command on the
 * port's @uring_pending list, a struct mojo_uring_req holding the kernel
 * copy of its argument struct. mojo_port_wake(), called after every change
 * of a port's signals, kicks the parked commands that can now make
 * progress. A kicked command runs again in its submitter's task through
 * io_uring_cmd_complete_in_task(), where user memory can be reached, and
 * either completes or parks again.
 *
 * Order of reads: the reads parked on a port take what arrives in the
 * order they were submitted, whatever order the kernel runs their task
 * work in (6.1 runs a task's task work newest first). Reads of a port are
 * fired one at a time: the oldest parked read, once no read ahead of it
 * is in flight (fired or running). A command stays on the port's list, in
 * its place, until it completes, and a read leaving the list kicks the
 * port for the next one. Nothing is taken early: a read still parked when
 * cancelled takes nothing, and a read that fails leaves the message or
 * data queued for the next. A new read does not run while reads
 * submitted before it wait on the port, parked or fired: it parks behind
 * them, even when something is there to read. Synchronous reads (the
 * ioctl, MOJO_URING_SYNC) do not queue: they take what is there.
 *
 * A read fired to be cancelled (or whose ring was closed, or whose port
 * left its node) holds back no read behind it: it will take nothing, and
 * its task work may be long in coming (on a DEFER_TASKRUN ring it runs
 * only in the ring's owner, or from io_uring's fallback once the ring is
 * closed). Whoever cancels a read kicks its port afterwards, with no lock
 * of this file held, so the reads behind it get their turn.
 *
 * Exactly one party fires a parked command: @state goes PARKED -> FIRED by
 * cmpxchg, whether the firer is a kick, the WAIT timeout (an hrtimer), or
 * a canceller. Cancellation: a port that leaves its node fails its commands
 * with -ECANCELED when they run. io_uring's teardown of an exiting task or
 * of a closed ring waits for the task's or the ring's commands: where the
 * kernel has the uring_cmd cancellation hook (6.7 on), parked commands are
 * marked cancelable and io_uring asks for them (IO_URING_F_CANCEL); on 6.1,
 * which has none, a delayed work (the reaper) looks every
 * MOJO_URING_REAP_MS, while any command is pending, for commands whose ring
 * was closed or whose task io_uring is cancelling (exit, execve()). Either
 * way they are fired with -ECANCELED. io_uring does not ask when only the
 * submitting thread exits (its process lives on): wherever the submitter
 * can be learnt (6.1, 6.12), the reaper also runs, and cancels the
 * commands of a submitter that is exiting or gone. A parked command whose
 * ring is found closed is not run again, so it cannot take a message or
 * data that nobody would see. flush() of a task's last descriptor of the
 * node cancels that task's commands on the node.
 *
 * Knowing when io_uring waits for a command takes a few reads of io_uring's
 * own structures (uring.c, "io_uring internals"), each enabled by a Kbuild
 * probe. A build that lacks one it needs parks no command: an asynchronous
 * command that finds nothing to do completes at once with -EOPNOTSUPP.
 *
 * A kick fires commands under the port lock and leaves them on the list;
 * their task work takes them off, under the lock, when they complete (or
 * move to another port, when their handle was rebound).
 *
 * Command areas: a command reads its command area (the SQE's) once, when
 * io_uring issues it. Where io_uring left that area in the SQ ring and the
 * submission that consumed the SQE is over (6.12, for a command linked
 * behind another: userspace may have reused the slot), the command is
 * refused with -ESTALE (uring.c, mojo_cmd_area_stale()); IOSQE_ASYNC makes
 * io_uring copy the area at submission.
 *
 * Who owns a pending command: from its first parking to its completion it
 * is "tracked": on its port's @uring_pending list while parked or fired
 * (the port holds no reference to it; the task work unlinks it), and on
 * its node's list (struct mojo_uring_group) the whole time. It is freed
 * by whoever completes it, after taking it off both lists, so holding
 * either list's lock keeps every command on that list alive.
 *
 * Bounds. A command counts against two limits from its first parking to
 * its completion (module parameters, read when a command first parks):
 *
 * - uring_max_pending_per_node (default 4096) per node;
 * - uring_max_pending_per_user (default 16384) per user, over all nodes:
 *   the node's user (user.h), who pays for everything its nodes cause.
 *
 * A command that would park beyond either fails at once with -EDQUOT and
 * changes nothing; commands that complete without parking and
 * MOJO_URING_SYNC commands never count. So:
 *
 * - flush() of a node fd looks only at that node's commands: at most
 *   uring_max_pending_per_node, under that node's lock. A close() of a
 *   node with no pending command costs one hash lookup, whatever other
 *   nodes have pending.
 * - The reaper visits each pending command once per pass,
 *   one node at a time under that node's lock (at most
 *   uring_max_pending_per_node commands, then cond_resched()); the global
 *   lock is held only to step from one node to the next. A user can make
 *   a pass longer by at most uring_max_pending_per_user commands.
 * - A kick scans the port's list under the port lock, in the waker's
 *   thread: commands park only on a port of their own node, so at most
 *   uring_max_pending_per_node of the port's current node, plus commands
 *   of nodes that held the port before. Those were fired when it left and
 *   stay (skipped) until their task work runs, still counted against
 *   their own node's and user's bounds.
 *
 * Locking: &mojo_port.lock protects the port's @uring_pending list; each
 * node's &mojo_uring_group.lock its list of tracked commands;
 * mojo_uring_lock (a spinlock) the table of nodes with pending commands
 * and their counts, held only for O(1) work (the per-user count is an
 * atomic counter of struct mojo_user). None of these is
 * taken under another, and no port reference is ever dropped under any
 * of them (the last one may free a data pipe ring, which sleeps).
 */

struct file;
struct io_uring_cmd;
struct mojo_node;
struct mojo_port;

int mojo_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags);
void mojo_uring_port_changed(struct mojo_port *port);
void mojo_uring_flush(struct file *file, void *id);
void mojo_uring_exit(void);
unsigned int mojo_uring_node_pending(struct mojo_node *node);

#endif /* __MOJO_URING_H */
