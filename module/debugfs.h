/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_DEBUGFS_H
#define __MOJO_DEBUGFS_H

/**
 * DOC: Observability: fdinfo and debugfs
 *
 * fdinfo: /proc/<pid>/fdinfo/<fd> of a node fd shows that node, and only
 * it (whoever may read the fd's fdinfo may use the fd): its id, its
 * opener (the thread group that opened it, numbered in the pid namespace
 * of the procfs instance read, and its command name), its handles by
 * kind, what waits in the receive queues of the endpoints it holds, the
 * bytes readable in the data pipes it consumes, and its pending io_uring
 * commands. The handle table is
 * walked MOJO_DEBUG_BATCH entries at a time under the node lock, which is
 * dropped in between: the counts are a snapshot of each batch, not of the
 * whole table at one instant.
 *
 * debugfs (root only, every file 0400), in /sys/kernel/debug/mojoports/:
 *
 * - state: every living node (name, opener's pid and command, handle
 *   count, pending io_uring commands), then one line per handle it holds:
 *   for an
 *   endpoint its id, kind, state, peer (id, state, node, pid), queue
 *   depth and quota, signal-only quotas, sequence numbers, triggers and
 *   parked commands; for a data pipe endpoint the ring's capacity,
 *   readable bytes and live mappings of each end. Lines are "key=value"
 *   words after a keyword (mojoctl parses them). Ids (id=, peer=) are
 *   those of the tracepoints (mojo_trace.h); a node's reg= is its number
 *   in the registry of living nodes (node.h), which orders the walk.
 *
 * The opener: a node holds the struct pid of the thread group that opened
 * it, not the process. Once that has exited its number may be given to
 * another process, so the opener is then shown as pid 0 and command "-"
 * (in fdinfo, and for nodes and peers in state).
 *
 * Command names are chosen by their processes (prctl(PR_SET_NAME)): in
 * all three files (fdinfo, state, log) a name's spaces, tabs, newlines,
 * '=' and '\' and every byte that is not printable ASCII are written as
 * octal escapes (\ooo, as seq_escape() writes them), so that a name can
 * neither forge a line nor add a key=value word.
 * - stats: counters since the module was loaded. Each is a per-CPU u64
 *   bumped by mojo_stat_add() where the event happens, next to its
 *   tracepoint, and summed over the possible CPUs when the file is read
 *   (a sum taken while CPUs count is not one instant's). No probe is
 *   attached to the tracepoints, so they cost nothing while nobody
 *   traces, and the counters work on a kernel without tracepoints.
 * - log: the last MOJO_DEBUG_LOG_SIZE operations that failed (ioctl or
 *   io_uring), oldest first: time, node, pid, command, operation, errno.
 *   Not logged: the results an operation reports with (WAIT's -EPIPE,
 *   -ETIMEDOUT, ARM_TRAP's -EALREADY, READ_MESSAGE's -EMSGSIZE), -EAGAIN
 *   ("nothing yet"), a restart after a signal, and the failures of normal
 *   operation, -ETIMEDOUT and -ENOSPC (back-pressure: see the
 *   mojo_quota_refused and mojo_user_limit tracepoints). The ring is one
 *   for the whole machine and best effort: anyone can fill it with
 *   failures of their own. The mojo_op_error tracepoint (every failure
 *   but the reported results, -EAGAIN and restarts; per-CPU buffers,
 *   filters by pid) is the reliable source.
 *
 * Walking every node: state is a seq_file whose position is (node id <<
 * 32 | handle): each record is one node or one handle, found again from
 * the position by one lookup in the node registry (node.h) and one in the
 * node's handle table, so a walk costs O(1) lookups per record however
 * many nodes there are, and between two reads nothing is held. A record
 * takes a reference to its node (mojo_node_next(), under the registry's
 * xa_lock for one lookup), the node's lock for one lookup, mojo_uring_lock
 * for one hash lookup (a node line), and the locks of one port and its
 * peer for a copy of their fields; nothing is held across the copy to userspace (seq_file copies
 * after ->stop()). A node that dies during the walk is simply not found
 * again; its handles vanish from the walk as they close. A user can make
 * the file long (as many records as handles exist, bounded by
 * max_handles per node), never one record slow.
 *
 * Locking: mojo_debug_log_lock protects the log ring; it is a leaf taken
 * for O(1) work (one entry written, or the ring copied out by a reader,
 * which formats its copy after dropping it). The counters are per-CPU
 * and need no lock.
 *
 * debugfs missing or failing leaves the module working without these
 * files (debugfs_create_*() tolerate errors by design).
 */

#include <linux/percpu.h>
#include <linux/types.h>

/**
 * enum mojo_stat - the counters of debugfs' stats file
 * @MOJO_STAT_NODES_CREATED:      nodes opened
 * @MOJO_STAT_NODES_RELEASED:     nodes released
 * @MOJO_STAT_PORTS_CREATED:      endpoints created (two per pipe)
 * @MOJO_STAT_PORTS_CLOSED:       endpoints closed
 * @MOJO_STAT_MSGS_WRITTEN:       messages written
 * @MOJO_STAT_BYTES_WRITTEN:      their payload bytes
 * @MOJO_STAT_MSGS_READ:          messages read
 * @MOJO_STAT_BYTES_READ:         their payload bytes
 * @MOJO_STAT_QUOTA_REFUSED:      writes refused by a full receive queue
 * @MOJO_STAT_USER_LIMIT_REFUSED: charges refused by a per-user bound
 * @MOJO_STAT_PORTS_SENT:         endpoints sent in messages
 * @MOJO_STAT_PORTS_RECEIVED:     endpoints received from messages
 * @MOJO_STAT_EXPORTS:            handles exported as fds
 * @MOJO_STAT_IMPORTS:            fds imported as handles
 * @MOJO_STAT_DP_PRODUCED:        data pipe bytes produced
 * @MOJO_STAT_DP_CONSUMED:        data pipe bytes consumed
 * @MOJO_STAT_TRAP_EVENTS:        trap events fired
 * @MOJO_STAT_URING_PARKED:       io_uring commands parked
 * @MOJO_STAT_URING_COMPLETED:    parked commands completed
 * @MOJO_STAT_URING_CANCELLED:    parked commands cancelled
 * @MOJO_STAT_OP_ERRORS:          failed operations (mojo_debug_log_error())
 * @MOJO_NR_STATS:                the number of counters
 */
enum mojo_stat {
	MOJO_STAT_NODES_CREATED,
	MOJO_STAT_NODES_RELEASED,
	MOJO_STAT_PORTS_CREATED,
	MOJO_STAT_PORTS_CLOSED,
	MOJO_STAT_MSGS_WRITTEN,
	MOJO_STAT_BYTES_WRITTEN,
	MOJO_STAT_MSGS_READ,
	MOJO_STAT_BYTES_READ,
	MOJO_STAT_QUOTA_REFUSED,
	MOJO_STAT_USER_LIMIT_REFUSED,
	MOJO_STAT_PORTS_SENT,
	MOJO_STAT_PORTS_RECEIVED,
	MOJO_STAT_EXPORTS,
	MOJO_STAT_IMPORTS,
	MOJO_STAT_DP_PRODUCED,
	MOJO_STAT_DP_CONSUMED,
	MOJO_STAT_TRAP_EVENTS,
	MOJO_STAT_URING_PARKED,
	MOJO_STAT_URING_COMPLETED,
	MOJO_STAT_URING_CANCELLED,
	MOJO_STAT_OP_ERRORS,
	MOJO_NR_STATS,
};

/**
 * struct mojo_stats - one CPU's counters
 * @v: indexed by enum mojo_stat
 */
struct mojo_stats {
	u64 v[MOJO_NR_STATS];
};

DECLARE_PER_CPU(struct mojo_stats, mojo_stats);

/**
 * mojo_stat_add() - count @n at one of the stats
 * @s: the counter
 * @n: how much
 *
 * One this_cpu_add() (a single instruction on x86-64, safe from any
 * context); the stats file sums the CPUs. Call it next to the matching
 * trace_mojo_*() call.
 */
static inline void mojo_stat_add(enum mojo_stat s, u64 n)
{
	this_cpu_add(mojo_stats.v[s], n);
}

/**
 * mojo_stat_inc() - count one at one of the stats
 * @s: the counter
 */
static inline void mojo_stat_inc(enum mojo_stat s)
{
	this_cpu_inc(mojo_stats.v[s]);
}

struct mojo_node;
struct mojo_op;
struct seq_file;

void mojo_debug_init(void);
void mojo_debug_exit(void);
void mojo_debug_fdinfo(struct seq_file *m, struct mojo_node *node);
void mojo_debug_log_error(struct mojo_node *node, const struct mojo_op *op,
			  long err, bool reported);

#endif /* __MOJO_DEBUGFS_H */
