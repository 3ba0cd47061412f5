/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mojoports: Mojo's IPC model (nodes, ports, message pipes, data pipes)
 * behind one character device, /dev/mojoports.
 *
 * This is the whole userspace ABI: the kernel module and every user program
 * include this one header.
 *
 * Rules that hold for every operation:
 *
 * - Every operation is an ioctl on a node fd (an open of /dev/mojoports).
 *   The ioctl number is built with _IOWR()/_IOR()/_IOW(), so it encodes the
 *   size of the argument struct; a number whose type, number, direction or
 *   size is not exactly one of those below fails with -ENOTTY.
 * - Argument structs have a fixed size and layout on every architecture:
 *   only __u8/__u32/__u64 members, user pointers carried in __u64, no
 *   implicit padding.
 * - Fields named reserved* must be zero; otherwise the call fails with
 *   -EINVAL and changes nothing. They are where later versions grow.
 * - Fields documented as "out" are ignored on input (whatever they hold,
 *   say the report of an earlier call with the same struct) and written on
 *   success; "in/out" fields are read, then written on success. No other
 *   field is ever written: an operation with nothing to report (write,
 *   close, fuse, set quota, add/remove trigger, end of a two-phase
 *   operation, set threshold) never writes its struct, which may then be
 *   read-only. On failure the argument struct is not written back, except
 *   where an operation reports something with the error:
 *   MOJO_IOC_READ_MESSAGE on -EMSGSIZE, MOJO_IOC_WAIT on -EPIPE and
 *   -ETIMEDOUT, and @timeout_ns of a finite MOJO_IOC_WAIT that was
 *   interrupted (see struct mojo_signals_args), MOJO_IOC_ARM_TRAP on
 *   -EALREADY.
 * - All or nothing: a call that fails changed nothing. Writing the report
 *   is part of the call: when an operation that creates, moves or commits
 *   something cannot write its out fields (-EFAULT), nothing was created,
 *   moved or committed, so the call can simply be retried.
 * - A bad user pointer (the argument itself, or one carried inside it)
 *   fails with -EFAULT.
 * - A call with several faults fails with the first one found, in an
 *   order every operation follows (struct, handles, state, resources,
 *   report, commit): see "Order" under Errors at the end.
 * - New operations and behaviours are announced by MOJO_API_VERSION and by
 *   bits in mojo_version_args.features; a feature bit, once published, keeps
 *   its meaning.
 * - Limits named below as module parameters are set by the administrator
 *   in /sys/module/mojoports/parameters/, each within a fixed range (the
 *   kernel refuses others): max_message_bytes 0 .. 2^30,
 *   max_data_pipe_capacity 1 .. 2^30, max_user_ring_bytes and
 *   max_user_queue_bytes 1 .. 2^63-1 (default an eighth of RAM, at least
 *   64 MiB), max_user_transit_ports 0 .. 2^24, uring_max_pending_per_node
 *   and uring_max_pending_per_user 0 .. 2^20, default_queue_msgs 1 ..
 *   2^20 and default_queue_bytes 1 .. 2^30 (a new endpoint's quota, see
 *   struct mojo_quota_args), max_handles 1 .. 2^24 (the handle limit of
 *   a node, default 65536: -ENOSPC beyond it). README lists them all.
 */
#ifndef _UAPI_LINUX_MOJOPORTS_H
#define _UAPI_LINUX_MOJOPORTS_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* The version of this header's ABI. Bumped when features are added. */
#define MOJO_API_VERSION	4

/* The ioctl type byte ("magic") of every mojoports operation. */
#define MOJO_IOC_MAGIC		0xB8

/* Size in bytes of a node name (128 bits from the kernel's CSPRNG). */
#define MOJO_NAME_SIZE		16

/*
 * Feature bits reported by MOJO_IOC_VERSION. A program checks for the bit of
 * every operation it needs instead of comparing version numbers.
 */
#define MOJO_FEATURE_VERSION	_BITULL(0)	/* MOJO_IOC_VERSION */
#define MOJO_FEATURE_NODE_NAME	_BITULL(1)	/* MOJO_IOC_NODE_NAME */
#define MOJO_FEATURE_MESSAGE_PIPE _BITULL(2)	/* create/write/read/close */
#define MOJO_FEATURE_SIGNALS	_BITULL(3)	/* query signals, wait */
#define MOJO_FEATURE_FUSE	_BITULL(4)	/* MOJO_IOC_FUSE */
#define MOJO_FEATURE_QUOTA	_BITULL(5)	/* MOJO_IOC_SET_QUOTA */
#define MOJO_FEATURE_EXPORT	_BITULL(6)	/* export/import as an fd */
#define MOJO_FEATURE_TRAP	_BITULL(7)	/* traps, poll on the node fd */
#define MOJO_FEATURE_DATA_PIPE	_BITULL(8)	/* data pipes and their mapping */
#define MOJO_FEATURE_URING	_BITULL(9)	/* IORING_OP_URING_CMD on a node fd */
#define MOJO_FEATURE_WRAP_FD	_BITULL(10)	/* wrap/unwrap a file descriptor */
#define MOJO_FEATURE_SENDER_CREDS _BITULL(11)	/* MOJO_READ_MESSAGE_SENDER_CREDS */
/* PEER_CLOSED as Mojo means it: raised before the queue is drained. */
#define MOJO_FEATURE_PEER_CLOSED_ON_ARRIVAL _BITULL(12)
#define MOJO_FEATURE_PEER_REMOTE _BITULL(13)	/* MOJO_SIGNAL_PEER_REMOTE */
/* MOJO_IOC_SET_SIGNAL_QUOTA and MOJO_IOC_QUERY_QUOTA (Mojo's quotas). */
#define MOJO_FEATURE_SIGNAL_QUOTA _BITULL(14)
/* MOJO_IOC_FUSE lets queued messages flow on (struct mojo_fuse_args). */
#define MOJO_FEATURE_FUSE_FLOW_ON _BITULL(15)

/*
 * Handles: per-node numbers naming the kernel objects a node holds: message
 * pipe and data pipe endpoints, traps, and wrapped file descriptors
 * (struct mojo_wrap_fd_args). A handle is never 0, and a number means nothing in
 * another node: it is looked up only in the table of the node the call is
 * made on. An unknown handle fails with -EBADF; a handle of the wrong kind
 * for the operation with -EINVAL. Numbers are positive ints (1 ..
 * 2^31 - 1), handed out cyclically from a random start in each node: a
 * closed (or sent, or exported, or unwrapped) number is not given out again until some
 * two billion more handles of that node, so a thread still holding it gets
 * -EBADF rather than another object. An endpoint that leaves and comes
 * back gets a new number.
 */
#define MOJO_HANDLE_INVALID	0

/*
 * Signals of a handle, reported as a satisfied and a satisfiable set.
 *
 * READABLE:       a message is queued.
 * WRITABLE:       a write can succeed now: the peer is open and its receive
 *                 queue is not full (below both its quotas).
 * PEER_CLOSED:    the peer is closed and everything it sent has arrived
 *                 (Mojo's meaning): it is raised while messages may still
 *                 be queued, and READABLE stays set until they are read.
 *                 A read fails with -EPIPE only once both are true: the
 *                 peer is closed and the queue is empty. Before
 *                 MOJO_FEATURE_PEER_CLOSED_ON_ARRIVAL (API version 3) it
 *                 was raised only after the drain.
 * PEER_REMOTE:    the peer is open and not held by this endpoint's node:
 *                 it is in another node, or in transit (inside a message
 *                 or an exported fd). Set and cleared as the peer moves;
 *                 never satisfiable once the peer closed. Mojo's
 *                 PEER_REMOTE, with "process" read as "node"
 *                 (MOJO_FEATURE_PEER_REMOTE).
 * QUOTA_EXCEEDED: this endpoint's own receive queue is full: it holds
 *                 max_msgs messages or max_bytes payload bytes (struct
 *                 mojo_quota_args), so writes to it, of any size, fail
 *                 with -ENOSPC until it is read. The same test clears the
 *                 peer's WRITABLE: the two never disagree. Also while a
 *                 signal-only limit is exceeded, which refuses nothing
 *                 (struct mojo_signal_quota_args).
 */
#define MOJO_SIGNAL_READABLE		_BITULL(0)
#define MOJO_SIGNAL_WRITABLE		_BITULL(1)
#define MOJO_SIGNAL_PEER_CLOSED		_BITULL(2)
#define MOJO_SIGNAL_QUOTA_EXCEEDED	_BITULL(3)
#define MOJO_SIGNAL_NEW_DATA_READABLE	_BITULL(4)
#define MOJO_SIGNAL_PEER_REMOTE		_BITULL(5)
#define MOJO_SIGNALS_ALL		(MOJO_SIGNAL_READABLE | MOJO_SIGNAL_WRITABLE | \
					 MOJO_SIGNAL_PEER_CLOSED | MOJO_SIGNAL_QUOTA_EXCEEDED | \
					 MOJO_SIGNAL_NEW_DATA_READABLE | \
					 MOJO_SIGNAL_PEER_REMOTE)

/* Most handles one message may carry. */
#define MOJO_MAX_MESSAGE_HANDLES	64

/*
 * Deepest nesting of endpoints inside queued messages: an endpoint in a
 * message queued at an endpoint that is itself in a message, and so on.
 * A write that would nest deeper fails with -ELOOP (see
 * struct mojo_write_message_args).
 */
#define MOJO_MAX_NESTING		64

/**
 * struct mojo_version_args - argument of MOJO_IOC_VERSION
 * @version:   out: MOJO_API_VERSION of the running module
 * @reserved0: must be zero
 * @features:  out: MOJO_FEATURE_* bits the running module supports
 * @reserved:  must be zero
 */
struct mojo_version_args {
	__u32 version;
	__u32 reserved0;
	__u64 features;
	__u64 reserved[2];
};

/**
 * struct mojo_node_name_args - argument of MOJO_IOC_NODE_NAME
 * @name:     out: the node's 128-bit name. Names are random, fixed for the
 *            node's life, and identify a node in diagnostics and (later)
 *            between kernels; they grant nothing: no operation takes a name
 *            as a capability.
 * @reserved: must be zero
 */
struct mojo_node_name_args {
	__u8 name[MOJO_NAME_SIZE];
	__u64 reserved[2];
};

/**
 * struct mojo_create_message_pipe_args - argument of MOJO_IOC_CREATE_MESSAGE_PIPE
 * @handle0:  out: one endpoint
 * @handle1:  out: the other endpoint, entangled with @handle0
 * @flags:    must be zero
 * @reserved: must be zero
 */
struct mojo_create_message_pipe_args {
	__u32 handle0;
	__u32 handle1;
	__u32 flags;
	__u32 reserved[5];
};

/**
 * struct mojo_write_message_args - argument of MOJO_IOC_WRITE_MESSAGE
 * @handle:      the endpoint to write from
 * @flags:       must be zero
 * @bytes:       user pointer to @num_bytes bytes of payload
 * @num_bytes:   payload size, at most the module parameter
 *               max_message_bytes (default 1 MiB; an administrator may
 *               set 0 .. 2^30), else -EMSGSIZE
 * @num_handles: number of handles in @handles, at most
 *               MOJO_MAX_MESSAGE_HANDLES, else -EINVAL
 * @handles:     user pointer to an array of __u32 handles of this node to
 *               move into the message
 * @reserved:    must be zero
 *
 * All or nothing: either the whole message is queued at the peer and every
 * attached handle has left this node's table, or the call fails and nothing
 * changed. Attached handles must be distinct endpoints (of message or
 * data pipes) or wrapped file descriptors (struct mojo_wrap_fd_args; a
 * trap cannot be sent), not @handle itself nor its peer (-EINVAL), and
 * not attached to a message that would end up inside its own queue
 * (-ELOOP). Nor may the message nest
 * endpoints deeper than MOJO_MAX_NESTING (-ELOOP): the depth counts the
 * endpoints @handle's peer sits inside, plus the deepest nesting the
 * attached endpoints' queues have held since each was last empty
 * (wrapped descriptors hold no queue and count for nothing there).
 * Handles inside queued messages, endpoints and wrapped descriptors
 * alike, count toward their writer's user's max_user_transit_ports
 * (-ETOOMANYREFS, as SCM_RIGHTS does) until the message is read or
 * freed; a message freed unread closes what it carries (a wrapped
 * descriptor's file reference is dropped). Fails with -EPIPE when the
 * peer is closed, -ENOSPC when the peer's receive queue is at its quota
 * or the writer's user has max_user_queue_bytes of messages unread (the
 * writer pays for what it queued, whatever quota the reader set), -ENOMEM
 * when memory (or the memory cgroup's) runs out, and -EBUSY when an
 * attached data pipe endpoint is in a two-phase operation or another
 * thread's data operation on it is in progress (an endpoint never leaves
 * its node in the middle of an operation). A call
 * that fails is invisible to other threads too: the attached handles stay
 * usable throughout.
 */
struct mojo_write_message_args {
	__u32 handle;
	__u32 flags;
	__u64 bytes;
	__u32 num_bytes;
	__u32 num_handles;
	__u64 handles;
	__u64 reserved[2];
};

/**
 * struct mojo_read_message_args - argument of MOJO_IOC_READ_MESSAGE
 * @handle:      the endpoint to read from
 * @flags:       0 or MOJO_READ_MESSAGE_SENDER_CREDS; other bits -EINVAL
 * @bytes:       user buffer for the payload
 * @num_bytes:   in: size of @bytes; out: size of the message
 * @num_handles: in: capacity of @handles; out: handles in the message
 * @handles:     user buffer of __u32 for the received handles, which are
 *               new handles of this node (endpoints, wrapped descriptors)
 * @creds:       with MOJO_READ_MESSAGE_SENDER_CREDS: user buffer for one
 *               struct mojo_sender_creds, the message's writer; without
 *               it, must be zero (-EINVAL)
 * @reserved:    must be zero
 *
 * Reads the oldest message whole, or nothing. When a buffer is too small
 * the call fails with -EMSGSIZE, the message stays queued, and (unlike every
 * other failure) the struct is written back with @num_bytes and
 * @num_handles set to what the message needs. Fails with -EAGAIN when
 * nothing is queued, -EPIPE when the peer is closed and the queue
 * drained, and -ENOSPC when the handles it carries would pass the node's
 * handle limit (the message stays queued). The message is consumed only
 * after it was copied out (payload, sender credentials when asked for,
 * handles) and @num_bytes and @num_handles were written: a failed copy
 * of any of them (-EFAULT), or the endpoint being closed or sent away by
 * another thread meanwhile (-EBADF), leaves it queued and installs none
 * of its handles, though @bytes, @creds and @handles may have been
 * written. The writer's credentials (struct mojo_sender_creds) are
 * recorded with every message; a read that does not ask for them does
 * no more work than before. A reader never holds up other nodes: a close, or a read by the
 * node the endpoint was sent to, does not wait for a copy that is slow to
 * fault in.
 */
struct mojo_read_message_args {
	__u32 handle;
	__u32 flags;
	__u64 bytes;
	__u32 num_bytes;
	__u32 num_handles;
	__u64 handles;
	__u64 creds;
	__u64 reserved[1];
};

/* Flag of MOJO_IOC_READ_MESSAGE: report the writer in @creds. */
#define MOJO_READ_MESSAGE_SENDER_CREDS	_BITUL(0)

/**
 * struct mojo_sender_creds - who wrote a message, as its reader sees it
 * @pid:      the writer's process (thread-group) id in the reader's pid
 *            namespace; 0 when the writer is not visible there
 * @uid:      the writer's effective uid at write time, in the reader's
 *            user namespace; the overflow uid (65534 by default,
 *            /proc/sys/kernel/overflowuid) when unmapped there
 * @gid:      the writer's effective gid, likewise (overflowgid)
 * @reserved: written as zero
 *
 * Written by MOJO_IOC_READ_MESSAGE with MOJO_READ_MESSAGE_SENDER_CREDS,
 * as SCM_CREDENTIALS (pid) and SO_PEERCRED (effective ids) give them.
 * The kernel takes them from the writer when MOJO_IOC_WRITE_MESSAGE
 * runs; the writer supplies nothing and cannot choose them. The writer
 * of a message written through io_uring is the request as io_uring runs
 * it: the credentials of the submitting thread (or of the personality
 * the SQE names), or under IORING_SETUP_SQPOLL those of the ring's
 * creator, which the polling thread carries; @pid is that thread's
 * process, whichever thread ran the command. They are translated when
 * the message is read, into the namespaces of the reading task (for a
 * read through io_uring, the task that runs it: the submitter's
 * process). They belong to the message: a message still queued at an
 * endpoint that is sent to another node, or exported and imported,
 * keeps its original writer's. Every message is written by a user (the
 * kernel makes none), so every message has them; a writer that has
 * exited since is still reported by its old pid, which may then name
 * another process (as with SCM_CREDENTIALS).
 *
 * They are written with the other buffers, before the message is
 * consumed: a @creds that cannot be written (-EFAULT) leaves the
 * message queued, as @bytes and @handles do.
 */
struct mojo_sender_creds {
	__u32 pid;
	__u32 uid;
	__u32 gid;
	__u32 reserved;
};

/**
 * struct mojo_handle_args - argument of operations that take one handle
 * @handle:   the handle
 * @flags:    must be zero, except MOJO_IOC_UNWRAP_FD's
 *            MOJO_UNWRAP_FD_NO_CLOEXEC
 * @reserved: must be zero
 *
 * MOJO_IOC_CLOSE closes the handle: a message pipe endpoint's peer sees
 * PEER_CLOSED once everything written before the close has arrived (and
 * READABLE while any of it is unread); a
 * wrapped descriptor's file reference is dropped. MOJO_IOC_UNWRAP_FD: see
 * struct mojo_wrap_fd_args.
 */
struct mojo_handle_args {
	__u32 handle;
	__u32 flags;
	__u64 reserved[3];
};

/**
 * struct mojo_signals_args - argument of MOJO_IOC_QUERY_SIGNALS and MOJO_IOC_WAIT
 * @handle:      the handle
 * @flags:       must be zero
 * @signals:     MOJO_IOC_WAIT: the MOJO_SIGNAL_* bits to wait for (any of
 *               them); must be zero for MOJO_IOC_QUERY_SIGNALS
 * @timeout_ns:  MOJO_IOC_WAIT: in/out: relative timeout in nanoseconds; 0
 *               polls, MOJO_TIMEOUT_INFINITE waits forever; written back
 *               only by an interrupted finite wait (below); must be zero
 *               for MOJO_IOC_QUERY_SIGNALS
 * @satisfied:   out: the signals satisfied now (WAIT: when it ended, on
 *               0, -EPIPE and -ETIMEDOUT only)
 * @satisfiable: out: the signals that can still become satisfied
 *               (likewise)
 * @reserved:    must be zero
 *
 * MOJO_IOC_WAIT returns 0 once any of @signals is satisfied, -EPIPE once
 * none of them can ever be (e.g. READABLE after the peer closed and the
 * queue drained), -ETIMEDOUT, -EINTR when a signal handler ran (with or
 * without SA_RESTART), and -ECANCELED when the handle is closed or sent
 * away meanwhile. A wait woken by anything else (task work, a stop and
 * continue) is restarted by the kernel. What it writes back:
 *
 * - @satisfied and @satisfiable on 0, -EPIPE and -ETIMEDOUT, and only
 *   then: the handle's signals at the check that ended the wait. A wait
 *   looks at the handle before it sleeps, whatever its timeout (a
 *   timeout of 0, or one that has run out by then, still reports the
 *   signals, and a signal already satisfied still ends it with 0), and
 *   again when its time runs out, so -ETIMEDOUT reports the signals of
 *   that moment.
 * - @timeout_ns only when a finite wait is interrupted with time left,
 *   by a signal handler (-EINTR), by something the kernel restarts it
 *   after, or by task work alone under MOJO_URING_SYNC (-EAGAIN, see
 *   the io_uring paragraph): the time it had left, as select(2) does
 *   with its timeout. A restart, by the kernel or by the caller, then
 *   ends when the first call would have (time spent stopped is not
 *   counted). That write stays whatever the call finally returns, even
 *   an error such as -EBADF from a restarted wait whose handle was
 *   closed meanwhile. A wait interrupted after its time ran out ends
 *   with -ETIMEDOUT instead. Nothing else writes @timeout_ns: not 0,
 *   -EPIPE or -ETIMEDOUT, not an infinite wait, not an asynchronous
 *   io_uring WAIT.
 * - Nothing else, and nothing at all on -ECANCELED or any other error.
 *
 * MOJO_IOC_QUERY_SIGNALS only observes: it clears nothing
 * (NEW_DATA_READABLE included), so two observers never take a signal
 * from each other.
 */
struct mojo_signals_args {
	__u32 handle;
	__u32 flags;
	__u64 signals;
	__u64 timeout_ns;
	__u64 satisfied;
	__u64 satisfiable;
	__u64 reserved[2];
};

#define MOJO_TIMEOUT_INFINITE	(~0ULL)

/**
 * struct mojo_fuse_args - argument of MOJO_IOC_FUSE
 * @handle0:  an endpoint of pipe a-@handle0
 * @handle1:  an endpoint of pipe @handle1-d
 * @flags:    must be zero
 * @reserved: must be zero
 *
 * Joins the two pipes into one, a-d, and closes @handle0 and @handle1
 * (Mojo's MojoFuseMessagePipes). Both must be message pipe endpoints of this
 * node, not each other's peer (-EINVAL), and neither may ever have written
 * a message (-EBUSY). Messages queued on them, unread, flow on as Mojo's
 * do: what a sent and @handle0 still holds is queued at d, in order and
 * ahead of anything a writes next, and what d sent to @handle1 at a. The
 * receiving queue's quota (struct mojo_quota_args) holds as for writes:
 * messages that writes could not have queued there fail the fuse with
 * -ENOSPC; those that fill it make it full, refusing writes until read.
 * A peer already
 * closed passes on: the fused pipe's other end gets what that peer sent,
 * then sees PEER_CLOSED; what would go to a closed end is freed, closing
 * the handles it carries. Endpoints travelling in those messages count
 * @handle0 (or @handle1) as one level of their nesting from then on
 * (MOJO_MAX_NESTING): a fuse that would nest deeper, or put d inside a
 * message that moves to d (a port that was sent into @handle0, say), fails
 * with -ELOOP. Until those endpoints are read, @handle0 (or @handle1)
 * counts as one handle in transit of the caller's user
 * (max_user_transit_ports; -ETOOMANYREFS beyond it). On any error nothing
 * changes.
 * MOJO_FEATURE_FUSE_FLOW_ON announces this behaviour; without it a module
 * fails the fuse of endpoints with queued messages with -EBUSY.
 */
struct mojo_fuse_args {
	__u32 handle0;
	__u32 handle1;
	__u32 flags;
	__u32 reserved[5];
};

/**
 * struct mojo_export_args - argument of MOJO_IOC_EXPORT and MOJO_IOC_IMPORT
 * @handle:   EXPORT: the handle to export, which leaves this node;
 *            IMPORT: out: the new handle in this node
 * @flags:    must be zero
 * @fd:       EXPORT: out: a new O_CLOEXEC file descriptor holding the
 *            endpoint; IMPORT: that descriptor (or any descriptor of the
 *            same file, e.g. received with SCM_RIGHTS or inherited)
 * @reserved: must be zero
 *
 * The exported fd is how two unrelated processes bootstrap: pass it with
 * SCM_RIGHTS or across exec, and import it on the other side. A file can
 * be imported once (-EALREADY afterwards); closing the last descriptor of a
 * file that was never imported closes the endpoint, and its peer sees
 * PEER_CLOSED. IMPORT of a descriptor that is not an exported handle fails
 * with -EINVAL; EXPORT of a busy handle with -EBUSY, and of a trap with
 * -EINVAL.
 */
struct mojo_export_args {
	__u32 handle;
	__u32 flags;
	__s32 fd;
	__u32 reserved0;
	__u64 reserved[2];
};

/**
 * struct mojo_wrap_fd_args - argument of MOJO_IOC_WRAP_FD
 * @fd:       a file descriptor of the caller
 * @flags:    must be zero
 * @handle:   out: the new handle in this node
 * @reserved: must be zero
 *
 * MOJO_IOC_WRAP_FD makes a new handle of this node holding a reference
 * to the open file of @fd (Mojo's MojoWrapPlatformHandle). @fd itself
 * stays open, as with SCM_RIGHTS: the handle and the descriptor share
 * one open file description (offset, status flags). A wrapped handle
 * travels in messages like an endpoint (struct
 * mojo_write_message_args), all or nothing, and counts toward
 * max_user_transit_ports while it is inside a queued message; it can be
 * closed (MOJO_IOC_CLOSE); any other operation on it fails with -EINVAL
 * (it has no signals, cannot be waited on, watched by a trap, exported
 * or fused). A user's wrapped files that are not closed yet, wherever
 * they are, count against the wrapping caller's RLIMIT_NOFILE, as files
 * in flight in AF_UNIX sockets do: past it WRAP_FD fails with
 * -ETOOMANYREFS, unless the caller has CAP_SYS_RESOURCE or
 * CAP_SYS_ADMIN.
 *
 * MOJO_IOC_UNWRAP_FD (struct mojo_handle_args) consumes a wrapped handle
 * and installs its file as a new descriptor of the calling process,
 * O_CLOEXEC unless @flags holds MOJO_UNWRAP_FD_NO_CLOEXEC. The
 * descriptor is the call's return value (the ioctl's, or the CQE's res),
 * and the struct is never written. The kernel's checks for receiving a
 * file apply as for SCM_RIGHTS: the LSM hook (security_file_receive():
 * -EACCES or -EPERM when a security module refuses) and the caller's
 * RLIMIT_NOFILE (-EMFILE). A failed unwrap leaves the handle where it
 * was. Through io_uring the descriptor is installed when the command
 * runs, in the descriptor table of the task that runs it, as for
 * IORING_OP_OPENAT: the submitter's, which its io-wq workers and an
 * SQPOLL ring's thread share (the ring creator's, for SQPOLL). A CQE
 * that is never reaped leaves it open.
 *
 * Only files that hold no reference to other files can be wrapped, so
 * that no file can ever end up inside a queue it keeps alive (the
 * garbage that SCM_RIGHTS needs a collector for): regular files
 * (memfds included), directories, pipes and FIFOs, block devices,
 * eventfds, and sockets other than AF_UNIX. Anything else fails with
 * -EINVAL: character devices (a node fd of /dev/mojoports among them),
 * AF_UNIX sockets (they carry descriptors), and the kernel's private
 * inodes, whatever type they claim (exported handles, io_uring, epoll,
 * timerfd, signalfd, bpf objects, pidfds). O_PATH descriptors are not
 * looked up (-EBADF).
 */
struct mojo_wrap_fd_args {
	__s32 fd;
	__u32 flags;
	__u32 handle;
	__u32 reserved[5];
};

/* Flag of MOJO_IOC_UNWRAP_FD: the new descriptor is not O_CLOEXEC. */
#define MOJO_UNWRAP_FD_NO_CLOEXEC	_BITUL(0)

/**
 * struct mojo_quota_args - argument of MOJO_IOC_SET_QUOTA
 * @handle:    a message pipe endpoint
 * @flags:     must be zero
 * @max_msgs:  most messages its receive queue may hold (1 ..
 *             MOJO_QUOTA_MAX_MSGS); writes beyond it fail with -ENOSPC
 * @max_bytes: payload bytes at which it is full (1 ..
 *             MOJO_QUOTA_MAX_BYTES): a queue holding fewer takes any
 *             message whole, so the message that crosses the quota is
 *             accepted and the queue may go over it by less than one
 *             message; a queue holding max_bytes or more takes none
 * @reserved:  must be zero
 *
 * Until SET_QUOTA, an endpoint's quota is the one it was created with:
 * the module parameters default_queue_msgs (default 1024 messages) and
 * default_queue_bytes (default 8 MiB), as they were when its pipe was
 * created. Changing the parameters later changes no existing endpoint.
 *
 * Lowering a quota below what is queued loses nothing: writes fail until
 * the reader has drained below it. The quota belongs to the endpoint and
 * travels with it when it is sent or exported.
 */
struct mojo_quota_args {
	__u32 handle;
	__u32 flags;
	__u64 max_msgs;
	__u64 max_bytes;
	__u64 reserved;
};

#define MOJO_QUOTA_MAX_MSGS	_BITULL(20)
#define MOJO_QUOTA_MAX_BYTES	_BITULL(30)

/**
 * struct mojo_signal_quota_args - argument of MOJO_IOC_SET_SIGNAL_QUOTA and
 * MOJO_IOC_QUERY_QUOTA
 * @handle:       a message pipe endpoint
 * @flags:        SET: which limits to set, MOJO_SIGNAL_QUOTA_* (at least
 *                one); QUERY: must be zero
 * @queue_msgs:   limit on the messages queued at this endpoint (SET: in
 *                when flagged, else must be zero; QUERY: out)
 * @queue_bytes:  limit on the payload bytes queued at it (likewise)
 * @unread_msgs:  limit on the messages this endpoint wrote that its peer
 *                has not read yet (likewise)
 * @queued_msgs:  QUERY: out: messages queued at this endpoint; SET: must
 *                be zero
 * @queued_bytes: QUERY: out: their payload bytes; SET: must be zero
 * @unread:       QUERY: out: messages it wrote that the peer has not read
 *                (what is queued at the peer; 0 once the peer closed);
 *                SET: must be zero
 * @reserved:     must be zero
 *
 * Two kinds of quota, both per endpoint, both travelling with it:
 *
 * - Enforced (MOJO_IOC_SET_QUOTA, struct mojo_quota_args): the kernel's
 *   own. A full receive queue refuses writes (-ENOSPC) and raises
 *   QUOTA_EXCEEDED; every endpoint has one (the default_queue_* module
 *   parameters), so no reader can make a writer pile up memory without
 *   bound.
 * - Signal-only (this struct; Mojo's MojoSetQuota): a limit that only
 *   raises QUOTA_EXCEEDED while usage is above it and refuses nothing.
 *   None is set on a new endpoint (MOJO_QUOTA_NONE). @queue_msgs and
 *   @queue_bytes raise it on the receiving endpoint, @unread_msgs on the
 *   writing one, whose unread count is what sits in its peer's queue.
 *
 * QUOTA_EXCEEDED is thus satisfied while the enforced quota is full or any
 * signal-only limit is exceeded (usage above the limit: a limit of 0 is
 * exceeded by one message). A signal-only limit is any value;
 * MOJO_QUOTA_NONE removes it. QUERY reports the signal-only limits and
 * the usage; the enforced quota is the one the caller set.
 */
struct mojo_signal_quota_args {
	__u32 handle;
	__u32 flags;
	__u64 queue_msgs;
	__u64 queue_bytes;
	__u64 unread_msgs;
	__u64 queued_msgs;
	__u64 queued_bytes;
	__u64 unread;
	__u64 reserved;
};

/* Flags of MOJO_IOC_SET_SIGNAL_QUOTA: the limits it sets. */
#define MOJO_SIGNAL_QUOTA_QUEUE_MSGS	_BITUL(0)
#define MOJO_SIGNAL_QUOTA_QUEUE_BYTES	_BITUL(1)
#define MOJO_SIGNAL_QUOTA_UNREAD_MSGS	_BITUL(2)

/* No signal-only limit. */
#define MOJO_QUOTA_NONE		(~0ULL)

/*
 * Traps (Mojo's MojoCreateTrap family). A trap is a handle of its node that
 * watches other handles of the same node through triggers. Each trigger is
 * (handle, signals, condition, context): with MOJO_TRIGGER_SATISFIED it is
 * met when any of the signals is satisfied, or when none of them can ever
 * be (result -EPIPE); with MOJO_TRIGGER_NOT_SATISFIED when none of them is
 * satisfied. An armed trap fires once, for the first trigger met, and is
 * disarmed: it queues an event on the node, the node fd polls readable
 * (EPOLLIN), and MOJO_IOC_READ_TRAP_EVENTS returns the event. Arming a
 * trap while a trigger is already met fails with -EALREADY and reports
 * that trigger instead. A trigger that is met when ADD_TRIGGER adds it
 * to an armed trap fires the trap at once, as the change that met it
 * would have: the add succeeds, the trap is disarmed, and the trigger's
 * event (result 0 or -EPIPE) is queued before ADD_TRIGGER returns. An
 * armed trap is thus never left with a trigger met. Added to a trap
 * that is not armed, a met trigger is reported by the next ARM_TRAP.
 *
 * A trigger whose handle is closed, sent away or exported, which is
 * removed, or whose trap is closed, queues a final event with result
 * -ECANCELED, armed or not. A cancellation reports no signals: its
 * @satisfied and @satisfiable are 0, whatever the handle's state (the
 * trigger no longer watches it, and it may be closed or in another
 * node). Trap handles cannot be sent. At most one event per trigger is
 * queued (firing never allocates, so it cannot fail): an event not yet
 * read when its trigger fires again or is cancelled is replaced, in its
 * place in the queue, by the newer one. A trap re-armed before its
 * events are read can therefore report a trigger once for two fires; a
 * cancellation always reaches the reader.
 */
#define MOJO_TRIGGER_SATISFIED		0
#define MOJO_TRIGGER_NOT_SATISFIED	1

/*
 * Most triggers one trap may hold: ADD_TRIGGER beyond it fails with
 * -ENOSPC.
 */
#define MOJO_MAX_TRIGGERS		4096

/*
 * Most triggers, of all traps together, one handle may be watched by:
 * every change of its signals looks at each. ADD_TRIGGER beyond it fails
 * with -ENOSPC.
 */
#define MOJO_MAX_PORT_TRIGGERS		8192

/**
 * struct mojo_trap_args - argument of the trap operations
 * @trap:        CREATE_TRAP: out: the new trap handle; otherwise the trap
 * @handle:      ADD_TRIGGER: the handle to watch
 * @signals:     ADD_TRIGGER: MOJO_SIGNAL_* to watch (not zero)
 * @condition:   ADD_TRIGGER: MOJO_TRIGGER_SATISFIED or _NOT_SATISFIED
 * @flags:       must be zero
 * @context:     ADD_TRIGGER, REMOVE_TRIGGER: the trigger's 64-bit context,
 *               unique within the trap (-EEXIST, -ENOENT);
 *               ARM_TRAP: out on -EALREADY: the context of a trigger met
 * @satisfied:   ARM_TRAP: out on -EALREADY: that handle's signals
 * @satisfiable: ARM_TRAP: out on -EALREADY: likewise
 * @result:      ARM_TRAP: out on -EALREADY: what its event would say
 * @reserved0:   must be zero
 * @reserved:    must be zero
 *
 * Fields an operation does not use must be zero (-EINVAL). ARM_TRAP with
 * no triggers fails with -ENOENT.
 */
struct mojo_trap_args {
	__u32 trap;
	__u32 handle;
	__u64 signals;
	__u32 condition;
	__u32 flags;
	__u64 context;
	__u64 satisfied;
	__u64 satisfiable;
	__s32 result;
	__u32 reserved0;
};

/**
 * struct mojo_trap_event - one event read with MOJO_IOC_READ_TRAP_EVENTS
 * @context:     the trigger's context
 * @satisfied:   the handle's signals when the trigger was met; 0 with
 *               -ECANCELED
 * @satisfiable: likewise
 * @result:      0 (condition met), -EPIPE (never satisfiable any more) or
 *               -ECANCELED (the trigger is gone; its last event)
 * @reserved:    zero
 */
struct mojo_trap_event {
	__u64 context;
	__u64 satisfied;
	__u64 satisfiable;
	__s32 result;
	__u32 reserved;
};

/**
 * struct mojo_read_events_args - argument of MOJO_IOC_READ_TRAP_EVENTS
 * @events:     user pointer to an array of struct mojo_trap_event
 * @num_events: in: capacity (1 .. 64); out: events written
 * @flags:      must be zero
 * @reserved:   must be zero
 *
 * Returns the node's queued events, oldest first; -EAGAIN when none.
 */
struct mojo_read_events_args {
	__u64 events;
	__u32 num_events;
	__u32 flags;
	__u64 reserved[2];
};

#define MOJO_MAX_READ_EVENTS	64

/*
 * Data pipes (Mojo's data pipe): a byte stream through a ring the kernel
 * allocates, with a producer handle and a consumer handle. Both handles are
 * message-pipe-like endpoints: they can be sent in messages, exported,
 * waited on and watched by traps; message operations on them fail with
 * -EINVAL.
 *
 * The kernel keeps the ring's state: where the next byte is read, how many
 * bytes are readable; userspace only ever passes byte counts, which must be
 * multiples of the element size (-EINVAL) and are checked against what is
 * possible or was granted.
 *
 * Signals. Producer: WRITABLE while the consumer is open and at least
 * write_threshold bytes (default: one element) are free; PEER_CLOSED when
 * the consumer is closed. Consumer: READABLE while at least read_threshold
 * bytes (default: one element) are readable, and also, once the producer
 * is closed, while any byte is: no more will come, so a reader waiting
 * for READABLE alone would otherwise never learn of the last bytes.
 * NEW_DATA_READABLE: once data arrived that no read has seen yet (a read,
 * peek or begin-read that returns data clears it; QUERY_SIGNALS and
 * MOJO_DATA_QUERY only look); PEER_CLOSED once the producer is closed,
 * whether or not bytes are left to read (as for message pipes: a read
 * fails with -EPIPE only when the ring is empty too).
 * READABLE and WRITABLE stay set while a two-phase operation is open,
 * though a one-shot read or write then fails with -EBUSY: they say what
 * the ring holds, and the node that opened the operation knows it is
 * open.
 *
 * Mapping. MOJO_IOC_DATA_PIPE_INFO gives the endpoint's map_offset and
 * map_size; mmap(NULL, map_size, prot, MAP_SHARED, node_fd, map_offset)
 * maps the ring. The offset names the endpoint for its whole life (it does
 * not change when the endpoint moves between nodes), and only a node that
 * holds it may map it (-EACCES); an offset that names no endpoint, a wrong
 * size or MAP_PRIVATE fails with -EINVAL. Offsets are not reused soon: one
 * kept after its endpoint was closed keeps failing with -EINVAL until
 * about 2^31 more endpoints have been created, rather than naming a newer
 * ring. The producer may map read-write, the
 * consumer read-only (PROT_WRITE, or a later mprotect to it, fails with
 * -EACCES). No mapping may be executable (PROT_EXEC, at mmap or later:
 * -EACCES). Mappings are not copied into a child on fork (madvise
 * MADV_DOFORK fails with -EINVAL) and cannot grow with mremap; they may
 * move. They are I/O mappings of special page frames: nothing that takes
 * page references reaches them (vmsplice, io_uring registered buffers,
 * O_DIRECT and /proc/pid/mem get -EFAULT or -EIO), and MADV_DONTNEED
 * fails with -EINVAL. Pages are mapped on first touch. When the endpoint
 * leaves the node (sent in a message, exported), every mapping made while
 * the node held it is revoked, including one whose mmap() raced the
 * transfer: touching it afterwards raises SIGBUS. A mapping does not keep
 * the node alive: closing the node's last descriptor is its death while
 * mappings remain (its peers see PEER_CLOSED at once), and the endpoints
 * it held die with it, so their mappings are revoked as by a transfer.
 * Closing an endpoint's handle alone revokes nothing. Unmapping is always
 * safe, and the ring lives as long as any handle or mapping does (a
 * revoked mapping too, until it is unmapped).
 */

/* Flags of MOJO_IOC_WRITE_DATA and MOJO_IOC_READ_DATA. */
#define MOJO_DATA_ALL_OR_NONE	_BITULL(0)	/* all num_bytes, or -ERANGE */
#define MOJO_DATA_DISCARD	_BITULL(1)	/* read: drop, do not copy */
#define MOJO_DATA_QUERY		_BITULL(2)	/* read: only report readable bytes */
#define MOJO_DATA_PEEK		_BITULL(3)	/* read: copy, do not consume */

/* Default capacity of a data pipe created with capacity 0. */
#define MOJO_DATA_PIPE_DEFAULT_CAPACITY	(64 * 1024)

/**
 * struct mojo_create_data_pipe_args - argument of MOJO_IOC_CREATE_DATA_PIPE
 * @element_size: bytes per element, 1 .. 65536
 * @flags:        must be zero
 * @capacity:     ring size in bytes: a positive multiple of @element_size
 *                and at most the module parameter max_data_pipe_capacity
 *                (default 64 MiB; an administrator may set 1 .. 2^30)
 *                (-EINVAL otherwise); 0 picks
 *                MOJO_DATA_PIPE_DEFAULT_CAPACITY rounded up to a multiple
 *                of @element_size
 * @producer:     out: the producer handle
 * @consumer:     out: the consumer handle
 * @reserved:     must be zero
 *
 * The ring is charged to the caller's memory cgroup and to the caller's
 * user, as long as any endpoint or mapping of it lives. Fails with
 * -ENOSPC when the node is at its handle limit or the user would hold
 * more than max_user_ring_bytes of rings, and with -ENOMEM (never an OOM
 * kill) when memory, or the memory cgroup's, runs out.
 */
struct mojo_create_data_pipe_args {
	__u32 element_size;
	__u32 flags;
	__u64 capacity;
	__u32 producer;
	__u32 consumer;
	__u64 reserved[2];
};

/**
 * struct mojo_data_args - argument of the data pipe transfer operations
 * @handle:    the producer (write, begin/end write) or consumer (read,
 *             begin/end read)
 * @flags:     WRITE_DATA/READ_DATA: MOJO_DATA_*; otherwise must be zero
 * @bytes:     WRITE_DATA/READ_DATA: user buffer (not used with DISCARD or
 *             QUERY); must be zero for BEGIN_* and END_*
 * @num_bytes: WRITE_DATA/READ_DATA: in/out: bytes wanted, then bytes
 *             moved (QUERY: bytes readable). END_*: bytes committed.
 *             BEGIN_*: out: the contiguous bytes granted
 * @offset:    BEGIN_*: out: where the granted bytes start in the mapping;
 *             must be zero for the other operations
 * @reserved:  must be zero
 *
 * One-shot: -EAGAIN when nothing can be moved now; -ERANGE when
 * ALL_OR_NONE cannot be met; -EPIPE when the peer is closed (the consumer
 * still drains first); -EBUSY while a two-phase operation is open on the
 * endpoint. While an operation on an endpoint is in progress (a two-phase
 * operation, or a one-shot copy), the endpoint cannot be sent or exported
 * (-EBUSY), so only the node that began an operation can end it; closing
 * the endpoint does not wait for it. Two-phase: a second BEGIN fails with
 * -EBUSY, END without BEGIN with -ENOENT; END with a count above the grant
 * or not a multiple of the element size ends the operation, commits
 * nothing and fails with -EINVAL.
 */
struct mojo_data_args {
	__u32 handle;
	__u32 flags;
	__u64 bytes;
	__u64 num_bytes;
	__u64 offset;
	__u64 reserved[2];
};

/**
 * struct mojo_data_pipe_info_args - argument of MOJO_IOC_DATA_PIPE_INFO
 * @handle:          a producer or consumer handle
 * @flags:           must be zero
 * @element_size:    out
 * @producer:        out: 1 for the producer, 0 for the consumer
 * @capacity:        out: ring size in bytes
 * @map_offset:      out: the mmap offset naming this endpoint
 * @map_size:        out: the length to map (capacity rounded up to pages)
 * @read_threshold:  the consumer's threshold: in with
 *                   MOJO_IOC_DATA_PIPE_SET_THRESHOLD on the consumer, out
 *                   with INFO on either end; 0 means one element
 * @write_threshold: the producer's threshold: in with SET_THRESHOLD on
 *                   the producer, out with INFO on either end; likewise
 * @reserved:        must be zero
 *
 * MOJO_IOC_DATA_PIPE_SET_THRESHOLD takes @read_threshold (consumer) or
 * @write_threshold (producer): a multiple of the element size, at most
 * the capacity; the other fields must be zero.
 *
 * INFO reports both thresholds of the pipe whichever end it is called
 * on, so the producer learns the consumer's read threshold and the
 * consumer the producer's write threshold. Each is reported as it was
 * last set (0 until then, and after a set to 0), not as the effective
 * one-element default. Thresholds belong to the pipe: an end that moves
 * to another node keeps them.
 */
struct mojo_data_pipe_info_args {
	__u32 handle;
	__u32 flags;
	__u32 element_size;
	__u32 producer;
	__u64 capacity;
	__u64 map_offset;
	__u64 map_size;
	__u64 read_threshold;
	__u64 write_threshold;
	__u64 reserved;
};

/*
 * io_uring. Every operation can be submitted as IORING_OP_URING_CMD on a
 * node fd: sqe->cmd_op is the operation's ioctl number and the SQE's
 * command area holds a struct mojo_uring_cmd, whose @arg points to the
 * same argument struct the ioctl takes. The argument struct is behind a
 * pointer, not in the SQE, so any ring works (IORING_SETUP_SQE128 is not
 * needed; on an SQE128 ring the other 64 bytes of the command area must be
 * zero, else -EINVAL). The CQE's res is what the ioctl would return, and
 * the argument struct is written back exactly when the ioctl would write
 * it back; it must stay valid until the CQE arrives.
 *
 * Asynchronous operations: without MOJO_URING_SYNC, MOJO_IOC_READ_MESSAGE
 * and MOJO_IOC_READ_DATA on an endpoint with nothing to read, and
 * MOJO_IOC_WAIT, neither return -EAGAIN nor block. The command stays
 * pending and completes when a message, data or the signal arrives, when
 * a WAIT's timeout expires (-ETIMEDOUT), or with -ECANCELED when the
 * handle is closed or sent away, when the submitting task (a thread, or
 * its whole process) exits or is killed, when it closes its last
 * descriptor of the node, or when the ring is closed (a read still
 * pending takes nothing). Asynchronous reads of one handle take the
 * messages or bytes in the order the reads were submitted: a read
 * submitted while others wait on the handle waits behind them, even when
 * something is there to read (synchronous reads, the ioctl and
 * MOJO_URING_SYNC, do not queue). A submitter that exits while owning a
 * SINGLE_ISSUER|DEFER_TASKRUN ring leaves commands whose completions
 * may be posted only when that ring is closed (io_uring runs their task
 * work nowhere else); cancelled, they take nothing and hold back no other
 * read. A peer
 * that closes completes them with the closure result (-EPIPE). Pending
 * commands are bounded: a command that would stay pending beyond the
 * module parameters uring_max_pending_per_node or
 * uring_max_pending_per_user (the node's user; defaults 4096 and 16384, an
 * administrator may set each 0 .. 2^20) completes at once with
 * -EDQUOT. Where the module was built for a kernel whose io_uring it
 * cannot follow (see module/uring.c), no command stays pending: one that
 * would completes with -EOPNOTSUPP, and MOJO_URING_SYNC still works. With
 * MOJO_URING_SYNC every operation behaves exactly as the ioctl: -EAGAIN
 * when empty, WAIT blocks in io_uring_enter(). One difference: an
 * interrupted WAIT cannot be restarted in place. Woken by task work alone,
 * a MOJO_URING_SYNC WAIT completes with -EAGAIN, and the caller submits
 * the same struct again (it holds the time left); with a signal pending it
 * completes with -EINTR, also for a stop signal or a freeze, after which
 * the ioctl would restart by itself.
 *
 * Deferred commands: a command issued after io_uring consumed its SQE
 * (linked behind another with IOSQE_IO_LINK or IOSQE_IO_HARDLINK, or
 * deferred by IOSQE_IO_DRAIN) must find its command area where io_uring
 * copied it. Some kernels (6.12) copy it only for IOSQE_ASYNC and leave
 * the others pointing at the SQ ring slot, which userspace may already
 * have filled with another SQE. Such a command completes with -ESTALE and
 * does nothing (a linked chain breaks there as on any error). Set
 * IOSQE_ASYNC on mojoports commands that are not first in a chain: every
 * kernel then keeps their command area.
 */
#define MOJO_URING_SYNC		_BITUL(0)

/**
 * struct mojo_uring_cmd - the command area of a mojoports SQE
 * @arg:      user pointer to the operation's argument struct
 * @flags:    0 or MOJO_URING_SYNC
 * @reserved: must be zero
 */
struct mojo_uring_cmd {
	__u64 arg;
	__u32 flags;
	__u32 reserved;
};

/*
 * Operation numbers. The same number is the ioctl request and, with the
 * io_uring path, the uring_cmd cmd_op.
 *
 *   0x00 - 0x0f	node-wide operations
 *   0x10 - 0x3f	message pipes
 *   0x40 - 0x5f	data pipes
 */
#define MOJO_IOC_VERSION	_IOWR(MOJO_IOC_MAGIC, 0x00, struct mojo_version_args)
#define MOJO_IOC_NODE_NAME	_IOWR(MOJO_IOC_MAGIC, 0x01, struct mojo_node_name_args)
#define MOJO_IOC_CLOSE		_IOWR(MOJO_IOC_MAGIC, 0x02, struct mojo_handle_args)
#define MOJO_IOC_QUERY_SIGNALS	_IOWR(MOJO_IOC_MAGIC, 0x03, struct mojo_signals_args)
#define MOJO_IOC_WAIT		_IOWR(MOJO_IOC_MAGIC, 0x04, struct mojo_signals_args)
#define MOJO_IOC_EXPORT		_IOWR(MOJO_IOC_MAGIC, 0x05, struct mojo_export_args)
#define MOJO_IOC_IMPORT		_IOWR(MOJO_IOC_MAGIC, 0x06, struct mojo_export_args)
#define MOJO_IOC_SET_QUOTA	_IOWR(MOJO_IOC_MAGIC, 0x07, struct mojo_quota_args)
#define MOJO_IOC_CREATE_TRAP	_IOWR(MOJO_IOC_MAGIC, 0x08, struct mojo_trap_args)
#define MOJO_IOC_ADD_TRIGGER	_IOWR(MOJO_IOC_MAGIC, 0x09, struct mojo_trap_args)
#define MOJO_IOC_REMOVE_TRIGGER	_IOWR(MOJO_IOC_MAGIC, 0x0a, struct mojo_trap_args)
#define MOJO_IOC_ARM_TRAP	_IOWR(MOJO_IOC_MAGIC, 0x0b, struct mojo_trap_args)
#define MOJO_IOC_READ_TRAP_EVENTS \
	_IOWR(MOJO_IOC_MAGIC, 0x0c, struct mojo_read_events_args)
#define MOJO_IOC_WRAP_FD	_IOWR(MOJO_IOC_MAGIC, 0x0d, struct mojo_wrap_fd_args)
#define MOJO_IOC_UNWRAP_FD	_IOWR(MOJO_IOC_MAGIC, 0x0e, struct mojo_handle_args)

#define MOJO_IOC_CREATE_MESSAGE_PIPE \
	_IOWR(MOJO_IOC_MAGIC, 0x10, struct mojo_create_message_pipe_args)
#define MOJO_IOC_WRITE_MESSAGE	_IOWR(MOJO_IOC_MAGIC, 0x11, struct mojo_write_message_args)
#define MOJO_IOC_READ_MESSAGE	_IOWR(MOJO_IOC_MAGIC, 0x12, struct mojo_read_message_args)
#define MOJO_IOC_FUSE		_IOWR(MOJO_IOC_MAGIC, 0x13, struct mojo_fuse_args)
#define MOJO_IOC_SET_SIGNAL_QUOTA \
	_IOWR(MOJO_IOC_MAGIC, 0x14, struct mojo_signal_quota_args)
#define MOJO_IOC_QUERY_QUOTA	_IOWR(MOJO_IOC_MAGIC, 0x15, struct mojo_signal_quota_args)

#define MOJO_IOC_CREATE_DATA_PIPE \
	_IOWR(MOJO_IOC_MAGIC, 0x40, struct mojo_create_data_pipe_args)
#define MOJO_IOC_WRITE_DATA	_IOWR(MOJO_IOC_MAGIC, 0x41, struct mojo_data_args)
#define MOJO_IOC_READ_DATA	_IOWR(MOJO_IOC_MAGIC, 0x42, struct mojo_data_args)
#define MOJO_IOC_BEGIN_WRITE_DATA _IOWR(MOJO_IOC_MAGIC, 0x43, struct mojo_data_args)
#define MOJO_IOC_END_WRITE_DATA	_IOWR(MOJO_IOC_MAGIC, 0x44, struct mojo_data_args)
#define MOJO_IOC_BEGIN_READ_DATA _IOWR(MOJO_IOC_MAGIC, 0x45, struct mojo_data_args)
#define MOJO_IOC_END_READ_DATA	_IOWR(MOJO_IOC_MAGIC, 0x46, struct mojo_data_args)
#define MOJO_IOC_DATA_PIPE_INFO	_IOWR(MOJO_IOC_MAGIC, 0x47, struct mojo_data_pipe_info_args)
#define MOJO_IOC_DATA_PIPE_SET_THRESHOLD \
	_IOWR(MOJO_IOC_MAGIC, 0x48, struct mojo_data_pipe_info_args)

/*
 * Errors. Every errno each operation can return, with its cause in a few
 * words (the text above has the details). A call returns these negated:
 * ioctl(2) sets errno, a CQE's res holds -errno. These apply everywhere:
 *
 * - ENOTTY: not an operation number above (ioctl request, uring cmd_op;
 *   through io_uring the command area's checks come first, see below).
 * - EFAULT: the argument struct cannot be read, or its out fields cannot
 *   be written (the call then changed nothing); also a buffer it points
 *   to, where the operation says so below.
 * - EINVAL: flags, a reserved field, or a field the operation says must
 *   be zero, not zero; a handle of the wrong kind for the operation.
 * - EBADF: a handle the node does not hold (0, closed, sent away,
 *   exported, never given out), in an operation that takes one.
 * - io_uring: EINVAL when the command area's @reserved, unknown @flags or
 *   (SQE128) last 64 bytes are not zero. READ_MESSAGE, READ_DATA and WAIT
 *   without MOJO_URING_SYNC never return EAGAIN (nor WAIT EINTR); a
 *   command of theirs that waits may complete with ECANCELED (handle
 *   closed or sent away, task exits, ring or the task's last node fd
 *   closed), EDQUOT (too many pending), ENOMEM, or EOPNOTSUPP (this
 *   kernel's io_uring cannot be followed). With MOJO_URING_SYNC, WAIT may
 *   return EAGAIN (woken by task work: submit it again) and EINTR (a
 *   signal pending, a stop too). Any command may complete with ESTALE
 *   where the kernel left its command area in the SQ ring past the
 *   submission (a linked command without IOSQE_ASYNC, see the io_uring
 *   paragraph above). ESTALE and the command area's EINVAL come before
 *   the operation number is looked at ("Order", step 1): a cmd_op that
 *   is no operation may get either instead of ENOTTY. io_uring itself may fail an SQE before the
 *   module sees it (e.g. ECANCELED for a broken link; EAGAIN or ENOMEM
 *   when it cannot allocate what a command it defers, linked, drained or
 *   IOSQE_ASYNC, needs).
 *
 * Order. A call with several faults fails with the error of the first
 * check it fails, and every operation checks in this order:
 *
 * 1. io_uring only: a command area left in the SQ ring (ESTALE), then
 *    the command area itself (EINVAL).
 * 2. The operation number (ENOTTY).
 * 3. The argument struct is read (EFAULT).
 * 4. The struct on its own (EINVAL; WRITE_MESSAGE's EMSGSIZE): flags,
 *    reserved fields, fields that must be zero, and every value that is
 *    judged without a handle (signal sets, conditions, counts and sizes
 *    against fixed limits and module parameters, FUSE's two handles
 *    being one).
 * 5. Handles, field by field in the order of the struct (WRITE_MESSAGE:
 *    @handle, then @handles in array order): EBADF for one the node does
 *    not hold, then EINVAL for one of the wrong kind (or, attached, for
 *    @handle itself or a repeat). IMPORT's @fd likewise: EBADF, then
 *    EINVAL for a descriptor that is not an exported handle; WRAP_FD's
 *    @fd: EBADF, then EINVAL for a kind of file that cannot be wrapped.
 * 6. Values judged against the object behind the handle (EINVAL: a
 *    count that is not a multiple of the element size, a threshold above
 *    the capacity or given for the other end) and the object's state
 *    (EBUSY, EPIPE, EAGAIN, ...), in the order listed below for the
 *    operations that have several. Where the ioctl would return EAGAIN
 *    (or WAIT would sleep), an asynchronous io_uring command parks
 *    instead, or fails with EDQUOT or EOPNOTSUPP.
 * 7. Resources and buffers: the user's max_user_ring_bytes (ENOSPC),
 *    new handle numbers (ENOSPC), and the user buffers the struct points
 *    to, read or written (EFAULT); READ_MESSAGE writes @bytes, then
 *    @creds, then takes numbers for the carried handles, then writes
 *    @handles. ENOMEM may
 *    come at any step from 4 on.
 * 8. The out fields are written (EFAULT). An operation that creates,
 *    moves or commits something writes them before it makes the change,
 *    one that changes nothing at the end. So a struct whose out fields
 *    cannot be written (a read-only one) turns into EFAULT only what
 *    would have been a success or an error that reports (READ_MESSAGE's
 *    EMSGSIZE, ARM_TRAP's EALREADY, WAIT's EPIPE and ETIMEDOUT); every
 *    other error comes first.
 * 9. The change is made. An endpoint closed or sent away by another
 *    thread after step 5 fails the call at the latest here, having
 *    changed nothing (EBADF; IMPORT of a file another thread imported
 *    meanwhile: EALREADY).
 *
 * UNWRAP_FD has no out fields and does it all under the node's lock in
 * one step: EINVAL (step 4), EBADF then EINVAL (step 5: not a wrapped
 * descriptor), then the new descriptor (step 7: an LSM's EACCES or
 * EPERM, then EMFILE, ENOMEM), then the handle is consumed.
 *
 * Step 6, for the operations with more than one check there:
 *
 * WRITE_MESSAGE: EBUSY, EPIPE, EINVAL (the peer attached), ELOOP, ENOSPC
 *   (the peer's queue at its quota).
 * FUSE: in step 5, EBADF when either handle is unknown comes before
 *   EINVAL for either's kind; then EINVAL (each other's peer), EBUSY,
 *   ELOOP, ENOSPC; then, in step 7, ETOOMANYREFS.
 * ADD_TRIGGER: ENOSPC (MOJO_MAX_TRIGGERS), EEXIST, ENOSPC
 *   (MOJO_MAX_PORT_TRIGGERS).
 * ARM_TRAP: ENOENT, EALREADY.
 * WRITE_DATA: EINVAL (@num_bytes), EBUSY, EPIPE, ERANGE, EAGAIN.
 * READ_DATA: EINVAL (@num_bytes, except with QUERY), EBUSY; QUERY then
 *   succeeds; otherwise ERANGE (EPIPE instead when nothing is readable
 *   and the producer is closed), then EAGAIN or EPIPE.
 * BEGIN_WRITE_DATA: EBUSY, EPIPE, EAGAIN. BEGIN_READ_DATA: EBUSY, then
 *   EAGAIN or EPIPE.
 * END_WRITE_DATA, END_READ_DATA: ENOENT, then EINVAL (@num_bytes).
 *
 * Two operations do some of it earlier:
 *
 * - EXPORT reserves the new descriptor and writes @fd (EMFILE, ENFILE,
 *   ENOMEM, EFAULT) before step 5: with a read-only struct it fails with
 *   EFAULT, and without a free descriptor with EMFILE, whatever @handle
 *   is.
 * - WRITE_MESSAGE charges the writer's user (ETOOMANYREFS, then ENOSPC
 *   for max_user_queue_bytes, ENOMEM) and reads @bytes and @handles
 *   (EFAULT) before step 5.
 *
 * Per operation, the common errnos again without their cause:
 *
 * VERSION, NODE_NAME: EFAULT, EINVAL.
 * CLOSE: EBADF, EFAULT, EINVAL. Any handle.
 * QUERY_SIGNALS: EBADF, EFAULT, EINVAL (@signals or @timeout_ns set; a
 *   trap or wrapped descriptor).
 * WAIT: EBADF, EFAULT, EINVAL (@signals zero or unknown bits; a trap or
 *   wrapped descriptor),
 *   EPIPE (none of @signals can be satisfied), ETIMEDOUT, EINTR (a signal
 *   handler ran), ECANCELED (handle closed or sent away meanwhile).
 * EXPORT: EBADF, EFAULT, EINVAL (a trap or wrapped descriptor), EBUSY (a data pipe endpoint in
 *   an operation), EMFILE (no free fd: RLIMIT_NOFILE), ENFILE (system file
 *   limit), ENOMEM.
 * IMPORT: EBADF (@fd not open), EFAULT, EINVAL (@fd not an exported
 *   handle), EALREADY (imported already), ENOSPC (handle limit), ENOMEM.
 * SET_QUOTA: EBADF, EFAULT, EINVAL (a limit 0 or above its maximum; not a
 *   message pipe endpoint).
 * CREATE_TRAP: EFAULT, EINVAL, ENOSPC (handle limit), ENOMEM.
 * ADD_TRIGGER: EBADF (@trap or @handle, also closed meanwhile), EFAULT,
 *   EINVAL (@signals zero or unknown bits; unknown @condition; @trap not a
 *   trap; @handle a trap or wrapped descriptor), EEXIST (@context in
 *   use), ENOSPC (MOJO_MAX_TRIGGERS, MOJO_MAX_PORT_TRIGGERS), ENOMEM.
 * REMOVE_TRIGGER: EBADF, EFAULT, EINVAL, ENOENT (no such @context).
 * ARM_TRAP: EBADF, EFAULT, EINVAL, ENOENT (no triggers), EALREADY (a
 *   trigger is met; reported).
 * READ_TRAP_EVENTS: EFAULT (also @events), EINVAL (@num_events 0 or above
 *   MOJO_MAX_READ_EVENTS), EAGAIN (no event), ENOMEM.
 * WRAP_FD: EBADF (@fd not open, or O_PATH), EFAULT, EINVAL (a kind of file
 *   that cannot be wrapped), ENOSPC (handle limit), ETOOMANYREFS (the
 *   user's wrapped files at the caller's RLIMIT_NOFILE), ENOMEM.
 * UNWRAP_FD: EBADF, EFAULT (the struct cannot be read), EINVAL (an unknown
 *   flag; not a wrapped descriptor), EACCES, EPERM (a security module
 *   refuses the file), EMFILE (RLIMIT_NOFILE), ENOMEM.
 * CREATE_MESSAGE_PIPE: EFAULT, EINVAL, ENOSPC (handle limit), ENOMEM.
 * WRITE_MESSAGE: EBADF (@handle or an attached handle), EFAULT (also
 *   @bytes, @handles), EINVAL (@num_handles above MOJO_MAX_MESSAGE_HANDLES;
 *   not a message pipe endpoint; attached: a trap, @handle, its peer, a
 *   handle twice), EMSGSIZE (@num_bytes above max_message_bytes), EPIPE
 *   (peer closed), ENOSPC (peer's queue full; the user's
 *   max_user_queue_bytes), ETOOMANYREFS (max_user_transit_ports), ELOOP
 *   (into its own queue; nesting), EBUSY (an attached data pipe endpoint
 *   in an operation), ENOMEM.
 * READ_MESSAGE: EBADF (also closed or sent away meanwhile), EFAULT (also
 *   @bytes, @creds, @handles), EINVAL (an unknown flag; @creds set
 *   without MOJO_READ_MESSAGE_SENDER_CREDS; not a message pipe
 *   endpoint), EAGAIN
 *   (empty), EPIPE (peer closed, queue drained), EMSGSIZE (a buffer too
 *   small; sizes reported), ENOSPC (handle limit for carried handles),
 *   ENOMEM.
 * FUSE: EBADF, EFAULT, EINVAL (one handle twice; not message pipe
 *   endpoints; each other's peer), EBUSY (one has written), ELOOP (the
 *   messages that flow on would nest endpoints deeper than
 *   MOJO_MAX_NESTING, or put an endpoint inside its own queue), ENOSPC
 *   (the messages that would flow on do not fit the receiving queue's
 *   quota), ETOOMANYREFS (max_user_transit_ports, for the fused-away
 *   endpoint that stays a level of their nesting).
 * SET_SIGNAL_QUOTA: EBADF, EFAULT, EINVAL (no flag or an unknown one; a
 *   field set that is not flagged; not a message pipe endpoint).
 * QUERY_QUOTA: EBADF, EFAULT, EINVAL (@flags or @reserved set; not a
 *   message pipe endpoint).
 * CREATE_DATA_PIPE: EFAULT, EINVAL (@element_size, @capacity), ENOSPC
 *   (handle limit; max_user_ring_bytes), ENOMEM.
 * WRITE_DATA: EBADF (also closed meanwhile), EFAULT (also @bytes), EINVAL
 *   (a flag other than ALL_OR_NONE; @num_bytes not a multiple of the
 *   element size; not a producer), EBUSY (two-phase write open), EPIPE
 *   (consumer closed), ERANGE (ALL_OR_NONE not met), EAGAIN (ring full).
 * READ_DATA: EBADF (also closed meanwhile), EFAULT (also @bytes), EINVAL
 *   (DISCARD with PEEK; @num_bytes not a multiple, unless QUERY; not a
 *   consumer), EBUSY (two-phase read open), EPIPE (producer closed, ring
 *   drained), ERANGE (ALL_OR_NONE not met), EAGAIN (nothing readable).
 * BEGIN_WRITE_DATA, BEGIN_READ_DATA: EBADF (also closed meanwhile),
 *   EFAULT, EINVAL (@bytes set; not a producer, consumer), EBUSY (begun
 *   already), EPIPE (as WRITE_DATA, READ_DATA), EAGAIN (no room, nothing
 *   readable).
 * END_WRITE_DATA, END_READ_DATA: EBADF (also closed during the operation,
 *   which ends), EFAULT, EINVAL (@bytes or @offset set; not a producer,
 *   consumer; @num_bytes above the grant or not a multiple: the operation
 *   ends), ENOENT (no operation begun).
 * DATA_PIPE_INFO: EBADF, EFAULT, EINVAL (not a data pipe endpoint).
 * DATA_PIPE_SET_THRESHOLD: EBADF, EFAULT, EINVAL (an out field of INFO or
 *   the other end's threshold set; threshold not a multiple or above the
 *   capacity; not a data pipe endpoint).
 * mmap() of a ring: EINVAL (@map_offset naming no endpoint, a length
 *   other than @map_size, MAP_PRIVATE), EACCES (endpoint not held by the
 *   node; PROT_EXEC; PROT_WRITE on a consumer, or on a node fd opened
 *   read-only), ENOMEM. On a mapping: mprotect() to what mmap() refuses
 *   fails with EACCES, madvise(MADV_DOFORK) with EINVAL, a growing
 *   mremap() with EFAULT.
 */

#endif /* _UAPI_LINUX_MOJOPORTS_H */
