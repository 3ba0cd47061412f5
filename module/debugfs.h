/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_DEBUGFS_H
#define __MOJO_DEBUGFS_H

/**
 * DOC: Observability: fdinfo and debugfs
 *
 * fdinfo: /proc/<pid>/fdinfo/<fd> of a node fd shows that node, and only
 * it (whoever may read the fd's fdinfo may use the fd): its name, the
 * process that opened it, its handles by kind, what waits in the receive
 * queues of the endpoints it holds, the bytes readable in the data pipes
 * it consumes, and its pending io_uring commands. The handle table is
 * walked MOJO_DEBUG_BATCH entries at a time under the node lock, which is
 * dropped in between: the counts are a snapshot of each batch, not of the
 * whole table at one instant.
 *
 * debugfs (root only, every file 0400), in /sys/kernel/debug/mojoports/:
 *
 * - state: every living node (name, pid, command, handle count, pending
 *   io_uring commands), then one line per handle it holds: for an
 *   endpoint its id, kind, state, peer (id, state, node, pid), queue
 *   depth and quota, signal-only quotas, sequence numbers, triggers and
 *   parked commands; for a data pipe endpoint the ring's capacity,
 *   readable bytes and live mappings of each end. Lines are "key=value"
 *   words after a keyword (mojoctl parses them). Ids are those of the
 *   tracepoints (mojo_trace.h).
 * - stats: counters since the module was loaded, kept by probes on the
 *   module's own tracepoints (so a kernel without tracepoints shows
 *   zeros).
 * - log: the last MOJO_DEBUG_LOG_SIZE operations that failed (ioctl or
 *   io_uring, -EAGAIN excepted: "nothing yet" is no failure), oldest
 *   first: time, node, pid, command, operation, errno.
 *
 * Walking every node: state is a seq_file whose position is (node id <<
 * 32 | handle): each record is one node or one handle, found again from
 * the position by one lookup in the node registry (node.h) and one in the
 * node's handle table, so a walk costs O(1) lookups per record however
 * many nodes there are, and between two reads nothing is held. A record
 * takes a reference to its node (mojo_node_next()), the node's lock for
 * one lookup, and the locks of one port and its peer for a copy of their
 * fields; nothing is held across the copy to userspace (seq_file copies
 * after ->stop()). A node that dies during the walk is simply not found
 * again; its handles vanish from the walk as they close. A user can make
 * the file long (as many records as handles exist, bounded by
 * max_handles per node), never one record slow.
 *
 * Locking: mojo_debug_log_lock protects the log ring; it is a leaf taken
 * for O(1) work. The counters are atomics.
 *
 * debugfs missing or failing leaves the module working without these
 * files (debugfs_create_*() tolerate errors by design).
 */

struct mojo_node;
struct mojo_op;
struct seq_file;

void mojo_debug_init(void);
void mojo_debug_exit(void);
void mojo_debug_fdinfo(struct seq_file *m, struct mojo_node *node);
void mojo_debug_log_error(struct mojo_node *node, const struct mojo_op *op,
			  long err);

#endif /* __MOJO_DEBUGFS_H */
