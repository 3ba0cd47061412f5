/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmojoports: a small C API over /dev/mojoports.
 *
 * Conventions:
 * - Every function returns 0 (or a non-negative value where documented) on
 *   success and a negative errno on failure; none of them sets errno.
 * - A node is a file descriptor of /dev/mojoports. Each mojo_open_node()
 *   creates a new node; fds that share one open file description (dup(),
 *   fork(), SCM_RIGHTS) share the node. Closing the last one is the node's
 *   death.
 * - The kernel ABI is <linux/mojoports.h>; this library adds nothing to it
 *   but convenience, so raw ioctl() callers see the same behaviour.
 */
#ifndef MOJOPORTS_H
#define MOJOPORTS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/mojoports.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Path of the character device. */
#define MOJO_DEVICE_PATH	"/dev/mojoports"

/* Size of the buffer mojo_format_name() needs: 32 hex digits and a NUL. */
#define MOJO_NAME_STR_SIZE	(2 * MOJO_NAME_SIZE + 1)

/**
 * mojo_open_node() - create a new node
 *
 * Opens MOJO_DEVICE_PATH with O_RDWR | O_CLOEXEC.
 *
 * Return: the node's file descriptor, or a negative errno.
 */
int mojo_open_node(void);

/**
 * mojo_get_version() - ABI version and feature bits of the running module
 * @node:     a node fd
 * @version:  out: MOJO_API_VERSION of the module (may be NULL)
 * @features: out: MOJO_FEATURE_* bits (may be NULL)
 *
 * Return: 0 or a negative errno.
 */
int mojo_get_version(int node, uint32_t *version, uint64_t *features);

/**
 * mojo_get_node_name() - the node's random 128-bit name
 * @node: a node fd
 * @name: out: MOJO_NAME_SIZE bytes
 *
 * Return: 0 or a negative errno.
 */
int mojo_get_node_name(int node, uint8_t name[MOJO_NAME_SIZE]);

/**
 * mojo_format_name() - format a node name as 32 lowercase hex digits
 * @name: MOJO_NAME_SIZE bytes
 * @buf:  out: MOJO_NAME_STR_SIZE bytes, NUL-terminated
 *
 * Return: @buf.
 */
char *mojo_format_name(const uint8_t name[MOJO_NAME_SIZE],
		       char buf[MOJO_NAME_STR_SIZE]);

/**
 * mojo_create_message_pipe() - create a message pipe
 * @node: a node fd
 * @h0:   out: one endpoint
 * @h1:   out: the other
 *
 * Return: 0 or a negative errno (-ENOSPC at the node's handle limit).
 */
int mojo_create_message_pipe(int node, uint32_t *h0, uint32_t *h1);

/**
 * mojo_write_message() - write one message, moving handles with it
 * @node:        a node fd
 * @handle:      the endpoint to write from
 * @bytes:       payload (may be NULL when @num_bytes is 0)
 * @num_bytes:   payload size
 * @handles:     handles of @node to move into the message (may be NULL)
 * @num_handles: how many
 *
 * All or nothing; on success the handles are no longer @node's.
 *
 * Return: 0, -EPIPE (peer closed), -ENOSPC (peer's queue at quota),
 * -EMSGSIZE, -EINVAL, -ELOOP, -EBADF, -EBUSY, -EFAULT, -ENOMEM.
 */
int mojo_write_message(int node, uint32_t handle, const void *bytes,
		       uint32_t num_bytes, const uint32_t *handles,
		       uint32_t num_handles);

/**
 * mojo_read_message() - read the oldest message whole
 * @node:        a node fd
 * @handle:      the endpoint to read from
 * @bytes:       buffer for the payload (may be NULL with *@num_bytes 0)
 * @num_bytes:   in: size of @bytes; out: size of the message. May be NULL
 *               for a capacity of 0.
 * @handles:     buffer for received handles (may be NULL)
 * @num_handles: in: capacity of @handles; out: handles received. May be
 *               NULL for a capacity of 0.
 *
 * Return: 0; -EMSGSIZE with the needed sizes in *@num_bytes and
 * *@num_handles and the message still queued; -EAGAIN (empty); -EPIPE
 * (peer closed and drained); other negative errnos.
 */
int mojo_read_message(int node, uint32_t handle, void *bytes,
		      uint32_t *num_bytes, uint32_t *handles,
		      uint32_t *num_handles);

/**
 * mojo_read_message_creds() - read the oldest message and who wrote it
 * @node:        a node fd
 * @handle:      the endpoint to read from
 * @bytes:       as mojo_read_message()
 * @num_bytes:   likewise
 * @handles:     likewise
 * @num_handles: likewise
 * @creds:       out on success: the writer's pid in the caller's pid
 *               namespace (0 when not visible there) and its effective
 *               uid and gid at write time, in the caller's user namespace
 *               (see struct mojo_sender_creds). NULL reads without them,
 *               as mojo_read_message().
 *
 * Needs MOJO_FEATURE_SENDER_CREDS; an older module fails with -EINVAL.
 *
 * Return: as mojo_read_message(); -EFAULT (@creds cannot be written)
 * leaves the message queued.
 */
int mojo_read_message_creds(int node, uint32_t handle, void *bytes,
			    uint32_t *num_bytes, uint32_t *handles,
			    uint32_t *num_handles,
			    struct mojo_sender_creds *creds);

/**
 * mojo_close() - close a handle
 * @node:   a node fd
 * @handle: the handle
 *
 * Return: 0 or -EBADF.
 */
int mojo_close(int node, uint32_t handle);

/**
 * mojo_query_signals() - a handle's signals now
 * @node:        a node fd
 * @handle:      the handle
 * @satisfied:   out: MOJO_SIGNAL_* satisfied now (may be NULL)
 * @satisfiable: out: MOJO_SIGNAL_* that can still be satisfied (may be NULL)
 *
 * Return: 0 or a negative errno.
 */
int mojo_query_signals(int node, uint32_t handle, uint64_t *satisfied,
		       uint64_t *satisfiable);

/**
 * mojo_wait() - block until any of @signals is satisfied
 * @node:        a node fd
 * @handle:      the handle
 * @signals:     MOJO_SIGNAL_* bits
 * @timeout_ns:  relative timeout; 0 polls; MOJO_TIMEOUT_INFINITE waits
 * @satisfied:   out: the signals when the wait ended (may be NULL)
 * @satisfiable: out: likewise (may be NULL)
 *
 * Return: 0; -EPIPE when none of @signals can be satisfied any more;
 * -ETIMEDOUT; -EINTR; -ECANCELED when the handle was closed or sent away.
 */
int mojo_wait(int node, uint32_t handle, uint64_t signals,
	      uint64_t timeout_ns, uint64_t *satisfied, uint64_t *satisfiable);

/**
 * mojo_fuse_message_pipes() - join pipes a-@h0 and @h1-d into a-d
 * @node: a node fd
 * @h0:   an endpoint (closed on success)
 * @h1:   an endpoint of another pipe (closed on success)
 *
 * Return: 0, -EINVAL (peers of each other, not pipes), -EBUSY (written to,
 * or messages queued), -EBADF.
 */
int mojo_fuse_message_pipes(int node, uint32_t h0, uint32_t h1);

/**
 * mojo_set_quota() - set an endpoint's receive queue quota
 * @node:      a node fd
 * @handle:    the endpoint
 * @max_msgs:  most queued messages
 * @max_bytes: most queued payload bytes
 *
 * Return: 0 or a negative errno.
 */
int mojo_set_quota(int node, uint32_t handle, uint64_t max_msgs,
		   uint64_t max_bytes);

/**
 * mojo_set_signal_quota() - set an endpoint's signal-only limits (Mojo's)
 * @node:        a node fd
 * @handle:      the endpoint
 * @flags:       which limits: MOJO_SIGNAL_QUOTA_QUEUE_MSGS, _QUEUE_BYTES,
 *               _UNREAD_MSGS (at least one)
 * @queue_msgs:  limit on queued messages (used when flagged, else 0)
 * @queue_bytes: limit on queued payload bytes (likewise)
 * @unread_msgs: limit on messages written and not yet read by the peer
 *               (likewise)
 *
 * Exceeding a limit raises QUOTA_EXCEEDED and refuses nothing;
 * MOJO_QUOTA_NONE removes one. See struct mojo_signal_quota_args.
 *
 * Return: 0 or a negative errno.
 */
int mojo_set_signal_quota(int node, uint32_t handle, uint32_t flags,
			  uint64_t queue_msgs, uint64_t queue_bytes,
			  uint64_t unread_msgs);

/**
 * mojo_query_quota() - an endpoint's signal-only limits and usage
 * @node:   a node fd
 * @handle: the endpoint
 * @out:    filled on success (limits, queued messages and bytes, unread)
 *
 * Return: 0 or a negative errno.
 */
int mojo_query_quota(int node, uint32_t handle,
		     struct mojo_signal_quota_args *out);

/**
 * mojo_export_handle() - move a handle out of the node into a new fd
 * @node:   a node fd
 * @handle: the handle (gone from @node on success)
 *
 * Return: an O_CLOEXEC fd to pass with SCM_RIGHTS or across exec, or a
 * negative errno.
 */
int mojo_export_handle(int node, uint32_t handle);

/**
 * mojo_import_handle() - turn an exported fd into a handle of @node
 * @node:   a node fd
 * @fd:     the exported fd (the caller still closes it)
 * @handle: out: the new handle
 *
 * Return: 0, -EINVAL (not an exported handle), -EALREADY (imported
 * before), or another negative errno.
 */
int mojo_import_handle(int node, int fd, uint32_t *handle);

/**
 * mojo_wrap_fd() - a new handle of @node holding the file of @fd
 * @node:   a node fd
 * @fd:     a file descriptor (it stays open; the caller still closes it)
 * @handle: out: the new handle, which can be sent in messages
 *
 * Return: 0, -EINVAL (a kind of file that cannot be wrapped: character
 * devices, AF_UNIX sockets, anon-inode files), -EBADF, or another
 * negative errno.
 */
int mojo_wrap_fd(int node, int fd, uint32_t *handle);

/**
 * mojo_unwrap_fd() - turn a wrapped handle back into a file descriptor
 * @node:   a node fd
 * @handle: a wrapped handle (gone from @node on success)
 * @flags:  0 for an O_CLOEXEC fd, or MOJO_UNWRAP_FD_NO_CLOEXEC
 *
 * Return: the new fd, or a negative errno (-EMFILE at RLIMIT_NOFILE,
 * -EINVAL for a handle that is not a wrapped fd); on failure the handle
 * stays in @node.
 */
int mojo_unwrap_fd(int node, uint32_t handle, uint32_t flags);

/**
 * mojo_create_trap() - create a trap
 * @node: a node fd
 * @trap: out: the trap handle
 *
 * Return: 0 or a negative errno.
 */
int mojo_create_trap(int node, uint32_t *trap);

/**
 * mojo_add_trigger() - watch @handle with @trap
 * @node:      a node fd
 * @trap:      the trap
 * @handle:    a message pipe endpoint of @node
 * @signals:   MOJO_SIGNAL_* to watch
 * @condition: MOJO_TRIGGER_SATISFIED or MOJO_TRIGGER_NOT_SATISFIED
 * @context:   the trigger's identity in events; unique within the trap
 *
 * A trigger already met when it is added to an armed trap fires the trap
 * at once: its event is queued before this returns.
 *
 * Return: 0, -EEXIST, -ENOSPC, -EBADF, -EINVAL or -ENOMEM.
 */
int mojo_add_trigger(int node, uint32_t trap, uint32_t handle,
		     uint64_t signals, uint32_t condition, uint64_t context);

/**
 * mojo_remove_trigger() - remove a trigger; its -ECANCELED event follows
 * @node:    a node fd
 * @trap:    the trap
 * @context: the trigger's context
 *
 * The event reports no signals (satisfied and satisfiable are 0), as
 * every cancellation does.
 *
 * Return: 0, -ENOENT or another negative errno.
 */
int mojo_remove_trigger(int node, uint32_t trap, uint64_t context);

/**
 * mojo_arm_trap() - arm a trap
 * @node:  a node fd
 * @trap:  the trap
 * @ready: out on -EALREADY: a trigger already met, as its event would be
 *         (may be NULL)
 *
 * Return: 0 (armed: the next met trigger queues an event); -EALREADY (not
 * armed: a trigger is met now); -ENOENT (no triggers); other errnos.
 */
int mojo_arm_trap(int node, uint32_t trap, struct mojo_trap_event *ready);

/**
 * mojo_read_trap_events() - read queued trap events
 * @node:   a node fd (it polls EPOLLIN while events are queued)
 * @events: buffer
 * @max:    its capacity (1 .. MOJO_MAX_READ_EVENTS)
 *
 * Return: the number of events read, -EAGAIN when none, or a negative
 * errno.
 */
int mojo_read_trap_events(int node, struct mojo_trap_event *events,
			  uint32_t max);

/**
 * mojo_send_handle() - export a handle and send it over a UNIX socket
 * @sock:   a connected AF_UNIX socket
 * @node:   a node fd
 * @handle: the handle; it leaves @node even if sending fails (then the
 *          endpoint is closed and its peer sees PEER_CLOSED)
 *
 * Sends one byte with the exported fd attached (SCM_RIGHTS).
 *
 * Return: 0 or a negative errno.
 */
int mojo_send_handle(int sock, int node, uint32_t handle);

/**
 * mojo_recv_handle() - receive a handle sent with mojo_send_handle()
 * @sock:   a connected AF_UNIX socket
 * @node:   the node to import into
 * @handle: out: the new handle
 *
 * Return: 0, -EPROTO when the message carried no descriptor, or another
 * negative errno.
 */
int mojo_recv_handle(int sock, int node, uint32_t *handle);

/**
 * mojo_create_data_pipe() - create a data pipe
 * @node:         a node fd
 * @element_size: bytes per element (1 .. 65536)
 * @capacity:     ring bytes, a multiple of @element_size; 0 for the default
 * @producer:     out: the producer handle
 * @consumer:     out: the consumer handle
 *
 * Return: 0 or a negative errno.
 */
int mojo_create_data_pipe(int node, uint32_t element_size, uint64_t capacity,
			  uint32_t *producer, uint32_t *consumer);

/**
 * mojo_write_data() - copy bytes into a data pipe
 * @node:      a node fd
 * @producer:  the producer handle
 * @bytes:     the data
 * @num_bytes: in: bytes to write; out: bytes written
 * @flags:     0 or MOJO_DATA_ALL_OR_NONE
 *
 * Return: 0, -EAGAIN (full), -ERANGE (all-or-none impossible), -EPIPE,
 * -EBUSY (two-phase write open), -EINVAL, -EBADF, -EFAULT.
 */
int mojo_write_data(int node, uint32_t producer, const void *bytes,
		    uint64_t *num_bytes, uint64_t flags);

/**
 * mojo_read_data() - copy bytes out of a data pipe
 * @node:      a node fd
 * @consumer:  the consumer handle
 * @bytes:     the buffer (unused with MOJO_DATA_DISCARD or _QUERY)
 * @num_bytes: in: bytes wanted; out: bytes read (QUERY: readable)
 * @flags:     MOJO_DATA_ALL_OR_NONE, _DISCARD, _QUERY, _PEEK
 *
 * Return: 0, -EAGAIN (empty), -ERANGE, -EPIPE (producer closed, drained),
 * -EBUSY, -EINVAL, -EBADF, -EFAULT.
 */
int mojo_read_data(int node, uint32_t consumer, void *bytes,
		   uint64_t *num_bytes, uint64_t flags);

/**
 * mojo_begin_write_data() - reserve contiguous free space in the ring
 * @node:     a node fd
 * @producer: the producer handle
 * @offset:   out: where the space starts in the producer's mapping
 * @size:     out: how many bytes may be written there
 *
 * Fill the space through the mapping (mojo_map_data_pipe()), then commit
 * with mojo_end_write_data().
 *
 * Return: 0, -EBUSY, -EAGAIN, -EPIPE, -EBADF, -EINVAL.
 */
int mojo_begin_write_data(int node, uint32_t producer, uint64_t *offset,
			  uint64_t *size);

/**
 * mojo_end_write_data() - commit @num_bytes of a two-phase write
 * @node:      a node fd
 * @producer:  the producer handle
 * @num_bytes: bytes written, at most the grant, a multiple of the element
 *
 * Return: 0; -ENOENT (none open); -EINVAL (ended, nothing committed).
 */
int mojo_end_write_data(int node, uint32_t producer, uint64_t num_bytes);

/**
 * mojo_begin_read_data() - expose contiguous readable bytes in the ring
 * @node:     a node fd
 * @consumer: the consumer handle
 * @offset:   out: where they start in the consumer's mapping
 * @size:     out: how many there are
 *
 * Return: 0, -EBUSY, -EAGAIN, -EPIPE, -EBADF, -EINVAL.
 */
int mojo_begin_read_data(int node, uint32_t consumer, uint64_t *offset,
			 uint64_t *size);

/**
 * mojo_end_read_data() - consume @num_bytes of a two-phase read
 * @node:      a node fd
 * @consumer:  the consumer handle
 * @num_bytes: bytes consumed, at most the grant
 *
 * Return: 0; -ENOENT (none open); -EINVAL (ended, nothing consumed).
 */
int mojo_end_read_data(int node, uint32_t consumer, uint64_t num_bytes);

/**
 * mojo_data_pipe_info() - element size, capacity and mapping of an endpoint
 * @node:   a node fd
 * @handle: a producer or consumer
 * @info:   out
 *
 * Return: 0 or a negative errno.
 */
int mojo_data_pipe_info(int node, uint32_t handle,
			struct mojo_data_pipe_info_args *info);

/**
 * mojo_set_data_pipe_threshold() - bytes READABLE or WRITABLE waits for
 * @node:      a node fd
 * @handle:    a consumer (read threshold) or producer (write threshold)
 * @threshold: a multiple of the element size up to the capacity; 0 for
 *             one element
 *
 * Return: 0 or a negative errno.
 */
int mojo_set_data_pipe_threshold(int node, uint32_t handle, uint64_t threshold);

/**
 * mojo_map_data_pipe() - map an endpoint's ring
 * @node:   a node fd
 * @handle: a producer (mapped read-write) or consumer (read-only)
 * @addr:   out: the mapping
 * @size:   out: its length, for munmap()
 *
 * Return: 0 or a negative errno.
 */
int mojo_map_data_pipe(int node, uint32_t handle, void **addr, size_t *size);

/* Transports for mojo_set_transport(). */
#define MOJO_TRANSPORT_IOCTL	0	/* ioctl(2) (the default) */
#define MOJO_TRANSPORT_IO_URING	1	/* IORING_OP_URING_CMD, MOJO_URING_SYNC */

/**
 * mojo_set_transport() - how this library submits operations
 * @transport: MOJO_TRANSPORT_IOCTL or MOJO_TRANSPORT_IO_URING
 *
 * With MOJO_TRANSPORT_IO_URING every call of this library (in every thread
 * of the process) is submitted as a synchronous uring_cmd on a small
 * per-thread ring, with results identical to the ioctl's. It exists to
 * prove the two paths equal; asynchronous use goes through the prep
 * helpers below.
 *
 * Return: 0, or -EINVAL for an unknown transport.
 */
int mojo_set_transport(int transport);

/**
 * mojo_call() - run one operation through the current transport
 * @node: a node fd
 * @op:   the operation (its MOJO_IOC_* number)
 * @arg:  its argument struct
 *
 * Return: the operation's result or a negative errno.
 */
int mojo_call(int node, unsigned long op, void *arg);

#ifdef __cplusplus
}
#endif

/*
 * io_uring helpers, in liburing's style; available when <liburing.h> is
 * included before this header. Each prepares one SQE for an operation of
 * a node; the argument struct must stay valid until the CQE arrives, and
 * the CQE's res is the result the ioctl would return. READ_MESSAGE,
 * READ_DATA and WAIT stay pending instead of returning -EAGAIN or
 * blocking (see the uapi header for when they complete).
 */
#ifdef LIB_URING_H

/**
 * mojo_uring_prep_cmd() - prepare any operation as a uring_cmd
 * @sqe:   the SQE
 * @node:  a node fd
 * @op:    a MOJO_IOC_* number
 * @arg:   its argument struct
 * @flags: 0, or MOJO_URING_SYNC for exactly the ioctl's behaviour
 */
static inline void mojo_uring_prep_cmd(struct io_uring_sqe *sqe, int node,
				       unsigned int op, void *arg,
				       unsigned int flags)
{
	struct mojo_uring_cmd c;

	memset(&c, 0, sizeof(c));
	c.arg = (uintptr_t)arg;
	c.flags = flags;
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, node, NULL, 0, 0);
	sqe->cmd_op = op;
	memcpy(sqe->cmd, &c, sizeof(c));
}

/* Write a message (completes at once). */
static inline void mojo_uring_prep_write_message(struct io_uring_sqe *sqe,
		int node, struct mojo_write_message_args *a)
{
	mojo_uring_prep_cmd(sqe, node, MOJO_IOC_WRITE_MESSAGE, a, 0);
}

/*
 * Read a message; pending until one arrives or the peer closes. For the
 * writer's credentials, set a->flags to MOJO_READ_MESSAGE_SENDER_CREDS
 * and a->creds to a struct mojo_sender_creds that stays valid until the
 * CQE arrives.
 */
static inline void mojo_uring_prep_read_message(struct io_uring_sqe *sqe,
		int node, struct mojo_read_message_args *a)
{
	mojo_uring_prep_cmd(sqe, node, MOJO_IOC_READ_MESSAGE, a, 0);
}

/* Write data (completes at once). */
static inline void mojo_uring_prep_write_data(struct io_uring_sqe *sqe,
		int node, struct mojo_data_args *a)
{
	mojo_uring_prep_cmd(sqe, node, MOJO_IOC_WRITE_DATA, a, 0);
}

/* Read data; pending until data arrives or the producer closes. */
static inline void mojo_uring_prep_read_data(struct io_uring_sqe *sqe,
		int node, struct mojo_data_args *a)
{
	mojo_uring_prep_cmd(sqe, node, MOJO_IOC_READ_DATA, a, 0);
}

/* Wait for signals; pending until satisfied, unsatisfiable or timed out. */
static inline void mojo_uring_prep_wait(struct io_uring_sqe *sqe, int node,
					struct mojo_signals_args *a)
{
	mojo_uring_prep_cmd(sqe, node, MOJO_IOC_WAIT, a, 0);
}

/* Close a handle. */
static inline void mojo_uring_prep_close(struct io_uring_sqe *sqe, int node,
					 struct mojo_handle_args *a)
{
	mojo_uring_prep_cmd(sqe, node, MOJO_IOC_CLOSE, a, 0);
}

/* Wrap an fd as a handle (a->handle is written on completion). */
static inline void mojo_uring_prep_wrap_fd(struct io_uring_sqe *sqe, int node,
					   struct mojo_wrap_fd_args *a)
{
	mojo_uring_prep_cmd(sqe, node, MOJO_IOC_WRAP_FD, a, 0);
}

/* Unwrap a handle; the CQE's res is the new fd. */
static inline void mojo_uring_prep_unwrap_fd(struct io_uring_sqe *sqe,
		int node, struct mojo_handle_args *a)
{
	mojo_uring_prep_cmd(sqe, node, MOJO_IOC_UNWRAP_FD, a, 0);
}

#endif /* LIB_URING_H */

#endif /* MOJOPORTS_H */
