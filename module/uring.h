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
 * of a port's signals, kicks the parked commands that can now make progress
 * (for reads, at most one per queued message, oldest first, so commands
 * complete in submission order). A kicked command runs again in its
 * submitter's task through io_uring_cmd_complete_in_task(), where user
 * memory can be reached, and either completes or parks again.
 *
 * Exactly one party fires a parked command: @state goes PARKED -> FIRED by
 * cmpxchg, whether the firer is a kick, the WAIT timeout (an hrtimer), or
 * a canceller. Cancellation: a port that leaves its node fails its commands
 * with -ECANCELED when they run. io_uring's teardown of an exiting task or
 * of a closed ring waits for the task's or the ring's commands: where the
 * kernel has the uring_cmd cancellation hook (6.7 on), parked commands are
 * marked cancelable and io_uring asks for them (IO_URING_F_CANCEL); on 6.1,
 * which has none, a delayed work looks every MOJO_URING_REAP_MS, while any
 * command is parked, for commands whose ring was closed or whose task
 * io_uring is cancelling (exit, execve()). Either way they are fired with -ECANCELED. A
 * parked command whose ring is found closed is not run again, so it cannot
 * take a message or data that nobody would see. flush() of a task's last
 * descriptor of the node cancels that task's commands.
 *
 * A kick fires commands under the port lock and leaves them on the list;
 * their task work takes them off, under the lock, before anything else.
 *
 * Locking: &mojo_port.lock protects the port's @uring_pending list;
 * mojo_uring_lock (a spinlock) protects the global list of parked commands
 * the reaper scans. The reaper never takes a port lock.
 */

struct file;
struct io_uring_cmd;
struct mojo_port;

int mojo_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags);
void mojo_uring_port_changed(struct mojo_port *port);
void mojo_uring_flush(struct file *file, void *id);
void mojo_uring_exit(void);

#endif /* __MOJO_URING_H */
