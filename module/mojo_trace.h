/* SPDX-License-Identifier: GPL-2.0 */
/**
 * DOC: Tracepoints
 *
 * The events of TRACE_SYSTEM mojoports (tracefs: events/mojoports/), one
 * per thing that happens to a node, a port, a message, a data pipe, a
 * trap or an io_uring command. They name nodes and ports by a stable id:
 * the first 8 bytes of their random name, as the debugfs state file
 * (debugfs.h) prints it, never by a kernel address. Handles are the
 * holding node's numbers. Sequence numbers are the sending port's.
 *
 * Each event is one call at the place the thing happens, under whatever
 * locks are held there (a tracepoint neither sleeps nor takes locks), and
 * reads only what those locks make stable. The stats file of debugfs
 * counts some of them through probes of its own (debugfs.c), so the
 * counters and the trace never disagree.
 *
 * Out-of-tree: define_trace.h includes this file again by the path
 * TRACE_INCLUDE_PATH/TRACE_INCLUDE_FILE.h, resolved through Kbuild's
 * -I$(src) (the repository root), hence "module".
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mojoports

#if !defined(__MOJO_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define __MOJO_TRACE_H

#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "datapipe.h"
#include "message.h"
#include "node.h"
#include "port.h"

#ifndef __MOJO_TRACE_IDS
#define __MOJO_TRACE_IDS
/* The stable id of a 128-bit name: its first 8 bytes, big-endian. */
static inline u64 mojo_name_id(const u8 *name)
{
	__be64 id;

	memcpy(&id, name, sizeof(id));
	return be64_to_cpu(id);
}

/* The id of a node, 0 for none. */
static inline u64 mojo_node_id(const struct mojo_node *node)
{
	return node ? mojo_name_id(node->name) : 0;
}

/* The id of a port, 0 for none. */
static inline u64 mojo_port_id(const struct mojo_port *port)
{
	return port ? mojo_name_id(port->name) : 0;
}
#endif

#define MOJO_TRACE_OP_LEN	24

TRACE_EVENT(mojo_node_create,
	    TP_PROTO(const struct mojo_node *node),
	    TP_ARGS(node),
	    TP_STRUCT__entry(__field(u64, node)
			     __field(pid_t, pid)
			     __array(char, comm, TASK_COMM_LEN)),
	    TP_fast_assign(__entry->node = mojo_node_id(node);
			   __entry->pid = task_tgid_nr(current);
			   memcpy(__entry->comm, current->comm, TASK_COMM_LEN);),
	    TP_printk("node=%016llx pid=%d comm=%s", __entry->node,
		      __entry->pid, __entry->comm));

TRACE_EVENT(mojo_node_release,
	    TP_PROTO(const struct mojo_node *node),
	    TP_ARGS(node),
	    TP_STRUCT__entry(__field(u64, node)
			     __field(unsigned int, handles)),
	    TP_fast_assign(__entry->node = mojo_node_id(node);
			   __entry->handles = READ_ONCE(node->num_handles);),
	    TP_printk("node=%016llx handles=%u", __entry->node,
		      __entry->handles));

TRACE_EVENT(mojo_port_create,
	    TP_PROTO(const struct mojo_port *p0, const struct mojo_port *p1),
	    TP_ARGS(p0, p1),
	    TP_STRUCT__entry(__field(u64, port0)
			     __field(u64, port1)),
	    TP_fast_assign(__entry->port0 = mojo_port_id(p0);
			   __entry->port1 = mojo_port_id(p1);),
	    TP_printk("port=%016llx peer=%016llx", __entry->port0,
		      __entry->port1));

/* Port and peer locked: the closure event is about to be delivered. */
TRACE_EVENT(mojo_port_close,
	    TP_PROTO(const struct mojo_port *port,
		     const struct mojo_port *peer),
	    TP_ARGS(port, peer),
	    TP_STRUCT__entry(__field(u64, port)
			     __field(u64, peer)
			     __field(u64, node)
			     __field(u64, last_seq)
			     __field(u32, dropped)
			     __field(int, kind)),
	    TP_fast_assign(__entry->port = mojo_port_id(port);
			   __entry->peer = mojo_port_id(peer);
			   __entry->node = mojo_node_id(port->node);
			   __entry->last_seq = port->next_send_seq - 1;
			   __entry->dropped = port->queued_msgs;
			   __entry->kind = port->kind;),
	    TP_printk("port=%016llx kind=%d node=%016llx peer=%016llx last_seq=%llu dropped_msgs=%u",
		      __entry->port, __entry->kind, __entry->node,
		      __entry->peer, __entry->last_seq, __entry->dropped));

/* Port locked: its peer's PORT_CLOSED event has arrived. */
TRACE_EVENT(mojo_peer_closed,
	    TP_PROTO(const struct mojo_port *port),
	    TP_ARGS(port),
	    TP_STRUCT__entry(__field(u64, port)
			     __field(u64, node)
			     __field(u64, last_seq)
			     __field(u32, queued)),
	    TP_fast_assign(__entry->port = mojo_port_id(port);
			   __entry->node = mojo_node_id(port->node);
			   __entry->last_seq = port->peer_last_seq;
			   __entry->queued = port->queued_msgs;),
	    TP_printk("port=%016llx node=%016llx peer_last_seq=%llu queued_msgs=%u",
		      __entry->port, __entry->node, __entry->last_seq,
		      __entry->queued));

/* Both ports locked, the message just queued at @to. */
TRACE_EVENT(mojo_msg_write,
	    TP_PROTO(const struct mojo_node *node, u32 handle,
		     const struct mojo_port *from, const struct mojo_port *to,
		     const struct mojo_message *msg),
	    TP_ARGS(node, handle, from, to, msg),
	    TP_STRUCT__entry(__field(u64, node)
			     __field(u64, port)
			     __field(u64, peer)
			     __field(u64, seq)
			     __field(u32, handle)
			     __field(u32, bytes)
			     __field(u32, handles)),
	    TP_fast_assign(__entry->node = mojo_node_id(node);
			   __entry->port = mojo_port_id(from);
			   __entry->peer = mojo_port_id(to);
			   __entry->seq = msg->seq;
			   __entry->handle = handle;
			   __entry->bytes = msg->num_bytes;
			   __entry->handles = msg->num_objects;),
	    TP_printk("node=%016llx handle=%u port=%016llx peer=%016llx seq=%llu bytes=%u handles=%u",
		      __entry->node, __entry->handle, __entry->port,
		      __entry->peer, __entry->seq, __entry->bytes,
		      __entry->handles));

/* @to locked, the message queued there. */
TRACE_EVENT(mojo_msg_deliver,
	    TP_PROTO(const struct mojo_port *to,
		     const struct mojo_message *msg),
	    TP_ARGS(to, msg),
	    TP_STRUCT__entry(__field(u64, port)
			     __field(u64, node)
			     __field(u64, seq)
			     __field(u64, queued_bytes)
			     __field(u32, bytes)
			     __field(u32, handles)
			     __field(u32, queued)),
	    TP_fast_assign(__entry->port = mojo_port_id(to);
			   __entry->node = mojo_node_id(to->node);
			   __entry->seq = msg->seq;
			   __entry->queued_bytes = to->queued_bytes;
			   __entry->bytes = msg->num_bytes;
			   __entry->handles = msg->num_objects;
			   __entry->queued = to->queued_msgs;),
	    TP_printk("port=%016llx node=%016llx seq=%llu bytes=%u handles=%u queued_msgs=%u queued_bytes=%llu",
		      __entry->port, __entry->node, __entry->seq,
		      __entry->bytes, __entry->handles, __entry->queued,
		      __entry->queued_bytes));

/* @port locked, @msg just taken off its queue. */
TRACE_EVENT(mojo_msg_read,
	    TP_PROTO(const struct mojo_node *node, u32 handle,
		     const struct mojo_port *port,
		     const struct mojo_message *msg),
	    TP_ARGS(node, handle, port, msg),
	    TP_STRUCT__entry(__field(u64, node)
			     __field(u64, port)
			     __field(u64, seq)
			     __field(u32, handle)
			     __field(u32, bytes)
			     __field(u32, handles)
			     __field(u32, queued)),
	    TP_fast_assign(__entry->node = mojo_node_id(node);
			   __entry->port = mojo_port_id(port);
			   __entry->seq = msg->seq;
			   __entry->handle = handle;
			   __entry->bytes = msg->num_bytes;
			   __entry->handles = msg->num_objects;
			   __entry->queued = port->queued_msgs;),
	    TP_printk("node=%016llx handle=%u port=%016llx seq=%llu bytes=%u handles=%u queued_msgs=%u",
		      __entry->node, __entry->handle, __entry->port,
		      __entry->seq, __entry->bytes, __entry->handles,
		      __entry->queued));

/* Both ports locked; fires only for a full receive queue. */
TRACE_EVENT_CONDITION(mojo_quota_refused,
		      TP_PROTO(const struct mojo_port *from,
			       const struct mojo_port *to, int err),
		      TP_ARGS(from, to, err),
		      TP_CONDITION(err == -ENOSPC),
		      TP_STRUCT__entry(__field(u64, port)
				       __field(u64, peer)
				       __field(u64, queued_bytes)
				       __field(u64, max_bytes)
				       __field(u32, queued)
				       __field(u32, max_msgs)),
		      TP_fast_assign(__entry->port = mojo_port_id(from);
				     __entry->peer = mojo_port_id(to);
				     __entry->queued_bytes = to->queued_bytes;
				     __entry->max_bytes = to->max_bytes;
				     __entry->queued = to->queued_msgs;
				     __entry->max_msgs = to->max_msgs;),
		      TP_printk("port=%016llx peer=%016llx queued_msgs=%u/%u queued_bytes=%llu/%llu",
				__entry->port, __entry->peer, __entry->queued,
				__entry->max_msgs, __entry->queued_bytes,
				__entry->max_bytes));

/* A per-user bound refused a charge (user.h). */
TRACE_EVENT(mojo_user_limit,
	    TP_PROTO(long used, unsigned long max, size_t bytes),
	    TP_ARGS(used, max, bytes),
	    TP_STRUCT__entry(__field(long, used)
			     __field(unsigned long, max)
			     __field(size_t, bytes)),
	    TP_fast_assign(__entry->used = used;
			   __entry->max = max;
			   __entry->bytes = bytes;),
	    TP_printk("used=%ld max=%lu asked=%zu", __entry->used, __entry->max,
		      __entry->bytes));

/*
 * A port leaves a node (send: @to is the port whose queue the message
 * carrying it sits in; export: @to is NULL) or arrives in one (@to NULL).
 */
DECLARE_EVENT_CLASS(mojo_transfer_class,
		    TP_PROTO(const struct mojo_node *node, u32 handle,
			     const struct mojo_port *port,
			     const struct mojo_port *to),
		    TP_ARGS(node, handle, port, to),
		    TP_STRUCT__entry(__field(u64, node)
				     __field(u64, port)
				     __field(u64, to)
				     __field(u32, handle)),
		    TP_fast_assign(__entry->node = mojo_node_id(node);
				   __entry->port = mojo_port_id(port);
				   __entry->to = mojo_port_id(to);
				   __entry->handle = handle;),
		    TP_printk("node=%016llx handle=%u port=%016llx into=%016llx",
			      __entry->node, __entry->handle, __entry->port,
			      __entry->to));

DEFINE_EVENT(mojo_transfer_class, mojo_port_send,
	     TP_PROTO(const struct mojo_node *node, u32 handle,
		      const struct mojo_port *port, const struct mojo_port *to),
	     TP_ARGS(node, handle, port, to));

DEFINE_EVENT(mojo_transfer_class, mojo_port_receive,
	     TP_PROTO(const struct mojo_node *node, u32 handle,
		      const struct mojo_port *port, const struct mojo_port *to),
	     TP_ARGS(node, handle, port, to));

DEFINE_EVENT(mojo_transfer_class, mojo_export,
	     TP_PROTO(const struct mojo_node *node, u32 handle,
		      const struct mojo_port *port, const struct mojo_port *to),
	     TP_ARGS(node, handle, port, to));

DEFINE_EVENT(mojo_transfer_class, mojo_import,
	     TP_PROTO(const struct mojo_node *node, u32 handle,
		      const struct mojo_port *port, const struct mojo_port *to),
	     TP_ARGS(node, handle, port, to));

/*
 * The four ports locked: pipes a-@handle0 and @handle1-d of @node became
 * a-d; @to_d messages flowed on from @handle0's queue to d, @to_a from
 * @handle1's to a (the two closures are mojo_port_close events).
 */
TRACE_EVENT(mojo_fuse,
	    TP_PROTO(const struct mojo_node *node, u32 handle0, u32 handle1,
		     const struct mojo_port *a, const struct mojo_port *d,
		     u32 to_d, u32 to_a),
	    TP_ARGS(node, handle0, handle1, a, d, to_d, to_a),
	    TP_STRUCT__entry(__field(u64, node)
			     __field(u64, a)
			     __field(u64, d)
			     __field(u32, handle0)
			     __field(u32, handle1)
			     __field(u32, to_d)
			     __field(u32, to_a)),
	    TP_fast_assign(__entry->node = mojo_node_id(node);
			   __entry->a = mojo_port_id(a);
			   __entry->d = mojo_port_id(d);
			   __entry->handle0 = handle0;
			   __entry->handle1 = handle1;
			   __entry->to_d = to_d;
			   __entry->to_a = to_a;),
	    TP_printk("node=%016llx handle0=%u handle1=%u a=%016llx d=%016llx to_d=%u to_a=%u",
		      __entry->node, __entry->handle0, __entry->handle1,
		      __entry->a, __entry->d, __entry->to_d, __entry->to_a));

/* Ring state locked: @bytes were committed (produced or consumed). */
TRACE_EVENT(mojo_dp_commit,
	    TP_PROTO(const struct mojo_node *node, u32 handle,
		     const struct mojo_port *port, u64 bytes),
	    TP_ARGS(node, handle, port, bytes),
	    TP_STRUCT__entry(__field(u64, node)
			     __field(u64, port)
			     __field(u64, bytes)
			     __field(u64, avail)
			     __field(u64, capacity)
			     __field(u32, handle)
			     __field(bool, producer)),
	    TP_fast_assign(__entry->node = mojo_node_id(node);
			   __entry->port = mojo_port_id(port);
			   __entry->bytes = bytes;
			   __entry->avail = port->dp->avail;
			   __entry->capacity = port->dp->capacity;
			   __entry->handle = handle;
			   __entry->producer = port->kind == MOJO_PORT_DATA_PRODUCER;),
	    TP_printk("node=%016llx handle=%u port=%016llx %s=%llu avail=%llu capacity=%llu",
		      __entry->node, __entry->handle, __entry->port,
		      __entry->producer ? "produced" : "consumed",
		      __entry->bytes, __entry->avail, __entry->capacity));

TRACE_EVENT(mojo_trap_fire,
	    TP_PROTO(const struct mojo_node *node, u64 context, int result,
		     u64 satisfied, u64 satisfiable),
	    TP_ARGS(node, context, result, satisfied, satisfiable),
	    TP_STRUCT__entry(__field(u64, node)
			     __field(u64, context)
			     __field(u64, satisfied)
			     __field(u64, satisfiable)
			     __field(int, result)),
	    TP_fast_assign(__entry->node = mojo_node_id(node);
			   __entry->context = context;
			   __entry->satisfied = satisfied;
			   __entry->satisfiable = satisfiable;
			   __entry->result = result;),
	    TP_printk("node=%016llx context=%llu result=%d satisfied=%#llx satisfiable=%#llx",
		      __entry->node, __entry->context, __entry->result,
		      __entry->satisfied, __entry->satisfiable));

DECLARE_EVENT_CLASS(mojo_uring_class,
		    TP_PROTO(const struct mojo_node *node, u32 handle,
			     const char *op, int result),
		    TP_ARGS(node, handle, op, result),
		    TP_STRUCT__entry(__field(u64, node)
				     __field(u32, handle)
				     __field(int, result)
				     __array(char, op, MOJO_TRACE_OP_LEN)),
		    TP_fast_assign(__entry->node = mojo_node_id(node);
				   __entry->handle = handle;
				   __entry->result = result;
				   strscpy_pad(__entry->op, op, MOJO_TRACE_OP_LEN);),
		    TP_printk("node=%016llx handle=%u op=%s result=%d",
			      __entry->node, __entry->handle, __entry->op,
			      __entry->result));

DEFINE_EVENT(mojo_uring_class, mojo_uring_park,
	     TP_PROTO(const struct mojo_node *node, u32 handle, const char *op,
		      int result),
	     TP_ARGS(node, handle, op, result));

DEFINE_EVENT(mojo_uring_class, mojo_uring_complete,
	     TP_PROTO(const struct mojo_node *node, u32 handle, const char *op,
		      int result),
	     TP_ARGS(node, handle, op, result));

DEFINE_EVENT(mojo_uring_class, mojo_uring_cancel,
	     TP_PROTO(const struct mojo_node *node, u32 handle, const char *op,
		      int result),
	     TP_ARGS(node, handle, op, result));

/* An operation (ioctl or io_uring) failed; the ring of debugfs' log. */
TRACE_EVENT(mojo_op_error,
	    TP_PROTO(const struct mojo_node *node, const char *op, int err),
	    TP_ARGS(node, op, err),
	    TP_STRUCT__entry(__field(u64, node)
			     __field(pid_t, pid)
			     __field(int, err)
			     __array(char, op, MOJO_TRACE_OP_LEN)),
	    TP_fast_assign(__entry->node = mojo_node_id(node);
			   __entry->pid = task_tgid_nr(current);
			   __entry->err = err;
			   strscpy_pad(__entry->op, op, MOJO_TRACE_OP_LEN);),
	    TP_printk("node=%016llx pid=%d op=%s err=%d", __entry->node,
		      __entry->pid, __entry->op, __entry->err));

#endif /* __MOJO_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH module
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE mojo_trace
#include <trace/define_trace.h>
