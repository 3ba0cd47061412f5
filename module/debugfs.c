// SPDX-License-Identifier: GPL-2.0
/*
 * fdinfo of node fds, and /sys/kernel/debug/mojoports/{state,stats,log}.
 * See debugfs.h.
 */

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/pid.h>
#include <linux/percpu.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/string_helpers.h>

#include "datapipe.h"
#include "debugfs.h"
#include "mojo_trace.h"
#include "node.h"
#include "ops.h"
#include "port.h"
#include "trap.h"
#include "uring.h"

/* Handles looked at per hold of a node's lock by fdinfo. */
#define MOJO_DEBUG_BATCH	256
/* Entries of the ring of failed operations. */
#define MOJO_DEBUG_LOG_SIZE	64
/* Parked commands counted per port, at most (the per-node bound is lower). */
#define MOJO_DEBUG_URING_MAX	SZ_1M

static struct dentry *mojo_debug_dir;

/*
 * Bytes of a command name shown as octal escapes (\ooo), besides every
 * byte that is not printable ASCII: the separators of the files' words
 * and lines, and the escape itself. Anyone may set their command name
 * (prctl(PR_SET_NAME)); escaped, it can neither end a line nor add a
 * key=value word, and mojoctl can undo the escapes.
 */
#define MOJO_COMM_ESC	" \t\n\\="

/**
 * mojo_opener_nr() - the number of a node's opener, 0 once it is gone
 * @node: the node
 * @ns:   the pid namespace to number it in
 *
 * The node holds its opener's struct pid, not the process: once the
 * thread group has exited the number may be given to another process,
 * so a pid without a thread group leader is shown as 0. The check and
 * the number are not one instant's (diagnostics only).
 *
 * Return: the opener's number in @ns, or 0 when it has exited or is not
 * visible in @ns.
 */
static pid_t mojo_opener_nr(const struct mojo_node *node,
			    struct pid_namespace *ns)
{
	if (!pid_has_task(node->pid, PIDTYPE_TGID))
		return 0;
	return pid_nr_ns(node->pid, ns);
}

/**
 * mojo_seq_comm() - print a command name, escaped
 * @m:    the seq_file
 * @comm: the name (at most TASK_COMM_LEN bytes, NUL-terminated or not)
 */
static void mojo_seq_comm(struct seq_file *m, const char *comm)
{
	seq_escape_mem(m, comm, strnlen(comm, TASK_COMM_LEN),
		       ESCAPE_OCTAL | ESCAPE_NAP | ESCAPE_APPEND, MOJO_COMM_ESC);
}

/* ---- stats ------------------------------------------------------------ */

static const char * const mojo_stat_names[MOJO_NR_STATS] = {
	[MOJO_STAT_NODES_CREATED] = "nodes_created",
	[MOJO_STAT_NODES_RELEASED] = "nodes_released",
	[MOJO_STAT_PORTS_CREATED] = "ports_created",
	[MOJO_STAT_PORTS_CLOSED] = "ports_closed",
	[MOJO_STAT_MSGS_WRITTEN] = "messages_written",
	[MOJO_STAT_BYTES_WRITTEN] = "message_bytes_written",
	[MOJO_STAT_MSGS_READ] = "messages_read",
	[MOJO_STAT_BYTES_READ] = "message_bytes_read",
	[MOJO_STAT_QUOTA_REFUSED] = "quota_refused",
	[MOJO_STAT_USER_LIMIT_REFUSED] = "user_limit_refused",
	[MOJO_STAT_PORTS_SENT] = "ports_sent",
	[MOJO_STAT_PORTS_RECEIVED] = "ports_received",
	[MOJO_STAT_EXPORTS] = "exports",
	[MOJO_STAT_IMPORTS] = "imports",
	[MOJO_STAT_DP_PRODUCED] = "data_bytes_produced",
	[MOJO_STAT_DP_CONSUMED] = "data_bytes_consumed",
	[MOJO_STAT_TRAP_EVENTS] = "trap_events",
	[MOJO_STAT_URING_PARKED] = "uring_parked",
	[MOJO_STAT_URING_COMPLETED] = "uring_completed",
	[MOJO_STAT_URING_CANCELLED] = "uring_cancelled",
	[MOJO_STAT_OP_ERRORS] = "op_errors",
};

DEFINE_PER_CPU(struct mojo_stats, mojo_stats);

/* The sum of counter @s over every possible CPU. */
static u64 mojo_stat_sum(enum mojo_stat s)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(mojo_stats.v[s], cpu);
	return sum;
}

static int mojo_stats_show(struct seq_file *m, void *unused)
{
	u64 v[MOJO_NR_STATS];
	unsigned int i;

	for (i = 0; i < MOJO_NR_STATS; i++) {
		v[i] = mojo_stat_sum(i);
		seq_printf(m, "%s %llu\n", mojo_stat_names[i], v[i]);
	}
	/* The CPUs are summed one by one: never show a negative count. */
	seq_printf(m, "nodes_alive %llu\n",
		   v[MOJO_STAT_NODES_CREATED] > v[MOJO_STAT_NODES_RELEASED] ?
		   v[MOJO_STAT_NODES_CREATED] - v[MOJO_STAT_NODES_RELEASED] : 0);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mojo_stats);

/* ---- log of failed operations ----------------------------------------- */

/**
 * struct mojo_log_entry - one failed operation
 * @time: ktime_get_ns() when it failed
 * @node: the node's id (mojo_trace.h), 0 when unknown
 * @pid:  the caller's thread group, in the initial pid namespace
 * @err:  the errno (negative)
 * @op:   the operation's name
 * @comm: the caller's command name
 */
struct mojo_log_entry {
	u64 time;
	u64 node;
	pid_t pid;
	int err;
	char op[MOJO_TRACE_OP_LEN];
	char comm[TASK_COMM_LEN];
};

/* A leaf, held for O(1) work: protects the ring below. */
static DEFINE_SPINLOCK(mojo_debug_log_lock);
static struct mojo_log_entry mojo_log[MOJO_DEBUG_LOG_SIZE];
/* Entries ever logged; the next goes to mojo_log_count % SIZE. */
static u64 mojo_log_count;

/**
 * mojo_debug_log_error() - note an operation that failed
 * @node:     the calling node, or NULL when not known
 * @op:       the operation
 * @err:      its result
 * @reported: @err is one the operation reports with, an answer rather
 *            than a failure (the out_errs of its struct mojo_op: WAIT's
 *            -EPIPE, -ETIMEDOUT and -ERESTARTNOHAND, ARM_TRAP's -EALREADY,
 *            READ_MESSAGE's -EMSGSIZE)
 *
 * Called from the one place every operation's result passes through
 * (mojo_call_finish(), ops.c). Failures are negative results other than
 * reported ones, -EAGAIN ("not yet") and -ERESTARTNOHAND (a signal; the
 * call is restarted): each fires the mojo_op_error tracepoint and counts
 * in the stats. The log takes one global lock, so it leaves out, besides,
 * the failures a working program meets in normal operation: -ETIMEDOUT
 * (a deadline passed) and -ENOSPC (back-pressure: a full receive queue or
 * a per-user bound, which have their own tracepoints and counters).
 */
void mojo_debug_log_error(struct mojo_node *node, const struct mojo_op *op,
			  long err, bool reported)
{
	struct mojo_log_entry *e;

	if (err >= 0 || reported || err == -EAGAIN || err == -ERESTARTNOHAND)
		return;
	trace_mojo_op_error(node, op->name, err);
	mojo_stat_inc(MOJO_STAT_OP_ERRORS);
	if (err == -ETIMEDOUT || err == -ENOSPC)
		return;
	spin_lock(&mojo_debug_log_lock);
	e = &mojo_log[mojo_log_count++ % MOJO_DEBUG_LOG_SIZE];
	e->time = ktime_get_ns();
	e->node = mojo_node_id(node);
	e->pid = task_tgid_nr(current);
	e->err = err;
	strscpy_pad(e->op, op->name, sizeof(e->op));
	memcpy(e->comm, current->comm, sizeof(e->comm));
	spin_unlock(&mojo_debug_log_lock);
}

static int mojo_log_show(struct seq_file *m, void *unused)
{
	struct mojo_log_entry *log, *e;
	u64 i, first, count;

	log = kmalloc_array(MOJO_DEBUG_LOG_SIZE, sizeof(*log), GFP_KERNEL);
	if (!log)
		return -ENOMEM;
	/* Copied out under the lock, formatted outside it. */
	spin_lock(&mojo_debug_log_lock);
	count = mojo_log_count;
	memcpy(log, mojo_log, sizeof(mojo_log));
	spin_unlock(&mojo_debug_log_lock);
	first = count > MOJO_DEBUG_LOG_SIZE ? count - MOJO_DEBUG_LOG_SIZE : 0;
	for (i = first; i < count; i++) {
		e = &log[i % MOJO_DEBUG_LOG_SIZE];
		seq_printf(m, "%llu.%06llu node=%016llx pid=%d comm=",
			   e->time / NSEC_PER_SEC,
			   (e->time % NSEC_PER_SEC) / NSEC_PER_USEC, e->node,
			   e->pid);
		mojo_seq_comm(m, e->comm);
		seq_printf(m, " op=%s err=%d\n", e->op, e->err);
	}
	kfree(log);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mojo_log);

/* ---- fdinfo ----------------------------------------------------------- */

/**
 * struct mojo_node_counts - what fdinfo adds up over a node's handles
 * @ports:        message pipe endpoints
 * @producers:    data pipe producers
 * @consumers:    data pipe consumers
 * @traps:        traps
 * @wrapped:      wrapped files
 * @queued_msgs:  messages waiting in the endpoints' receive queues
 * @queued_bytes: their payload bytes
 * @readable:     bytes readable in the data pipes the node consumes
 */
struct mojo_node_counts {
	unsigned int ports;
	unsigned int producers;
	unsigned int consumers;
	unsigned int traps;
	unsigned int wrapped;
	u64 queued_msgs;
	u64 queued_bytes;
	u64 readable;
};

/* Add one object of the node's table; node lock held. */
static void mojo_count_object(struct mojo_node_counts *c,
			      struct mojo_object *obj)
{
	struct mojo_port *port;

	if (mojo_object_is(obj, MOJO_OBJ_TRAP)) {
		c->traps++;
		return;
	}
	if (mojo_object_is(obj, MOJO_OBJ_WRAPPED)) {
		c->wrapped++;
		return;
	}
	port = mojo_port_from(obj);
	switch (port->kind) {
	case MOJO_PORT_MESSAGE_PIPE:
		c->ports++;
		c->queued_msgs += READ_ONCE(port->queued_msgs);
		c->queued_bytes += READ_ONCE(port->queued_bytes);
		break;
	case MOJO_PORT_DATA_PRODUCER:
		c->producers++;
		break;
	case MOJO_PORT_DATA_CONSUMER:
		c->consumers++;
		spin_lock(&port->dp->lock);
		c->readable += port->dp->avail;
		spin_unlock(&port->dp->lock);
		break;
	}
}

/**
 * mojo_debug_fdinfo() - the fdinfo lines of a node fd
 * @m:    the fdinfo seq_file
 * @node: the fd's node
 */
void mojo_debug_fdinfo(struct seq_file *m, struct mojo_node *node)
{
	struct mojo_node_counts c = {};
	struct mojo_object *obj;
	unsigned long index = 0;
	unsigned int handles, n;
	bool more = true;
	pid_t nr;

	while (more) {
		mutex_lock(&node->lock);
		handles = node->num_handles;
		n = 0;
		more = false;
		xa_for_each_start(&node->handles, index, obj, index) {
			if (xa_is_zero(obj))
				continue;
			mojo_count_object(&c, obj);
			if (++n == MOJO_DEBUG_BATCH) {
				more = true;
				break;
			}
		}
		mutex_unlock(&node->lock);
		index++;
		cond_resched();
	}
	/*
	 * The reader's view: the pid namespace of the procfs instance the
	 * fdinfo file is read through, as pidfd_show_fdinfo() does.
	 */
	nr = mojo_opener_nr(node, proc_pid_ns(file_inode(m->file)->i_sb));
	seq_printf(m, "mojo-node:\t%016llx\n", mojo_node_id(node));
	seq_printf(m, "mojo-pid:\t%d\n", nr);
	seq_puts(m, "mojo-comm:\t");
	mojo_seq_comm(m, nr ? node->comm : "-");
	seq_putc(m, '\n');
	seq_printf(m, "mojo-handles:\t%u\n", handles);
	seq_printf(m, "mojo-message-pipes:\t%u\n", c.ports);
	seq_printf(m, "mojo-data-producers:\t%u\n", c.producers);
	seq_printf(m, "mojo-data-consumers:\t%u\n", c.consumers);
	seq_printf(m, "mojo-traps:\t%u\n", c.traps);
	seq_printf(m, "mojo-wrapped-fds:\t%u\n", c.wrapped);
	seq_printf(m, "mojo-queued-messages:\t%llu\n", c.queued_msgs);
	seq_printf(m, "mojo-queued-bytes:\t%llu\n", c.queued_bytes);
	seq_printf(m, "mojo-data-readable:\t%llu\n", c.readable);
	seq_printf(m, "mojo-uring-pending:\t%u\n", mojo_uring_node_pending(node));
}

/* ---- state ------------------------------------------------------------ */

/**
 * struct mojo_state_iter - where the walk of the state file is
 * @node:   the current record's node (a reference is held), or NULL
 * @handle: the current record's handle, 0 for the node's own line
 */
struct mojo_state_iter {
	struct mojo_node *node;
	unsigned long handle;
};

#define MOJO_POS_NODE_SHIFT	32

static void mojo_state_drop(struct mojo_state_iter *it)
{
	if (it->node)
		mojo_node_put(it->node);
	it->node = NULL;
}

/* The first record at or after *@pos; updates *@pos to it. */
static void *mojo_state_seek(struct mojo_state_iter *it, loff_t *pos)
{
	unsigned long id = (u64)*pos >> MOJO_POS_NODE_SHIFT;
	unsigned long h = *pos & U32_MAX;
	struct mojo_node *node;
	unsigned long want;

	if (!id) {
		id = 1;
		h = 0;
	}
	for (;;) {
		want = id;
		node = mojo_node_next(&id);
		if (!node)
			return NULL;
		if (id != want)
			h = 0;
		if (h && !xa_find(&node->handles, &h, MOJO_HANDLE_MAX,
				  XA_PRESENT)) {
			mojo_node_put(node);
			id++;
			h = 0;
			continue;
		}
		it->node = node;
		it->handle = h;
		*pos = ((loff_t)id << MOJO_POS_NODE_SHIFT) | h;
		return it;
	}
}

static void *mojo_state_start(struct seq_file *m, loff_t *pos)
{
	if (!*pos)
		return SEQ_START_TOKEN;
	return mojo_state_seek(m->private, pos);
}

static void *mojo_state_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct mojo_state_iter *it = m->private;

	if (v == SEQ_START_TOKEN) {
		*pos = 1LL << MOJO_POS_NODE_SHIFT;
	} else {
		mojo_state_drop(it);
		++*pos;
	}
	return mojo_state_seek(it, pos);
}

static void mojo_state_stop(struct seq_file *m, void *v)
{
	mojo_state_drop(m->private);
}

static const char *mojo_state_name(enum mojo_port_state state)
{
	switch (state) {
	case MOJO_PORT_RECEIVING:
		return "receiving";
	case MOJO_PORT_IN_TRANSIT:
		return "transit";
	case MOJO_PORT_CLOSED:
		return "closed";
	}
	return "?";
}

static const char * const mojo_kind_names[] = {
	[MOJO_PORT_MESSAGE_PIPE] = "msgpipe",
	[MOJO_PORT_DATA_PRODUCER] = "producer",
	[MOJO_PORT_DATA_CONSUMER] = "consumer",
};

static void mojo_show_quota(struct seq_file *m, const char *key, u64 v)
{
	if (v == MOJO_QUOTA_NONE)
		seq_printf(m, " %s=none", key);
	else
		seq_printf(m, " %s=%llu", key, v);
}

/**
 * struct mojo_port_snap - a copy of what the state file shows of a port
 * @id:         the port's id (mojo_trace.h)
 * @kind:       its kind
 * @state:      its state
 * @send_seq:   the sequence number of its next message
 * @recv_seq:   the one it expects next
 * @peer_closed: the peer's closure has arrived
 * @peer_last_seq: the last sequence number the peer sent, once closed
 * @queued:     messages in its queue
 * @queued_bytes: their payload bytes
 * @max_msgs:   its queue quota in messages
 * @max_bytes:  and in bytes
 * @sig:        its signal-only quotas: messages, bytes, unread
 * @triggers:   trap triggers watching it
 * @uring:      commands on its @uring_pending list
 * @peer_id:    the peer's id, 0 for none (closed)
 * @peer_state: the peer's state
 * @peer_node:  the name of the node holding the peer, when it is RECEIVING
 * @peer_pid:   that node's opener, in the initial pid namespace, 0 when
 *              it has exited
 * @peer_msgs:  messages queued at the peer
 * @peer_bytes: their bytes
 * @capacity:   data pipe: the ring's size
 * @avail:      data pipe: readable bytes
 * @maps:       data pipe: live mmap() calls of the producer and consumer
 */
struct mojo_port_snap {
	u64 id;
	enum mojo_port_kind kind;
	enum mojo_port_state state;
	u64 send_seq;
	u64 recv_seq;
	bool peer_closed;
	u64 peer_last_seq;
	u32 queued;
	u64 queued_bytes;
	u32 max_msgs;
	u64 max_bytes;
	u64 sig[3];
	u32 triggers;
	unsigned int uring;
	u64 peer_id;
	enum mojo_port_state peer_state;
	u8 peer_node[MOJO_NAME_SIZE];
	pid_t peer_pid;
	u32 peer_msgs;
	u64 peer_bytes;
	u64 capacity;
	u64 avail;
	int maps[2];
};

static void mojo_snap_port(struct mojo_port_snap *s, struct mojo_port *port)
{
	struct mojo_port *peer;
	struct list_head *l;

	spin_lock(&port->lock);
	s->id = mojo_port_id(port);
	s->kind = port->kind;
	s->state = port->state;
	s->send_seq = port->next_send_seq;
	s->recv_seq = port->next_recv_seq;
	s->peer_closed = port->peer_closed;
	s->peer_last_seq = port->peer_last_seq;
	s->queued = port->queued_msgs;
	s->queued_bytes = port->queued_bytes;
	s->max_msgs = port->max_msgs;
	s->max_bytes = port->max_bytes;
	s->sig[0] = port->sig_msgs;
	s->sig[1] = port->sig_bytes;
	s->sig[2] = port->sig_unread;
	s->triggers = port->num_triggers;
	list_for_each(l, &port->uring_pending)
		if (++s->uring == MOJO_DEBUG_URING_MAX)
			break;
	if (port->dp) {
		spin_lock(&port->dp->lock);
		s->capacity = port->dp->capacity;
		s->avail = port->dp->avail;
		spin_unlock(&port->dp->lock);
		s->maps[0] = atomic_read(&port->dp->maps[0]);
		s->maps[1] = atomic_read(&port->dp->maps[1]);
	}
	peer = port->peer ? mojo_port_get(port->peer) : NULL;
	spin_unlock(&port->lock);
	if (!peer)
		return;

	spin_lock(&peer->lock);
	s->peer_id = mojo_port_id(peer);
	s->peer_state = peer->state;
	/* A RECEIVING port holds a reference to its node (port.h). */
	if (peer->state == MOJO_PORT_RECEIVING && peer->node) {
		memcpy(s->peer_node, peer->node->name, MOJO_NAME_SIZE);
		s->peer_pid = mojo_opener_nr(peer->node, &init_pid_ns);
	}
	s->peer_msgs = peer->queued_msgs;
	s->peer_bytes = peer->queued_bytes;
	spin_unlock(&peer->lock);
	/* No lock held: the last reference may free a ring, which sleeps. */
	mojo_port_put(peer);
}

static void mojo_show_port(struct seq_file *m, u32 handle,
			   struct mojo_port *port)
{
	struct mojo_port_snap s = {};

	mojo_snap_port(&s, port);
	seq_printf(m, "  port %u id=%016llx kind=%s state=%s", handle, s.id,
		   mojo_kind_names[s.kind], mojo_state_name(s.state));
	if (s.peer_id) {
		seq_printf(m, " peer=%016llx peer_state=%s", s.peer_id,
			   mojo_state_name(s.peer_state));
		if (s.peer_state == MOJO_PORT_RECEIVING)
			seq_printf(m, " peer_node=%*phN peer_pid=%d",
				   MOJO_NAME_SIZE, s.peer_node, s.peer_pid);
		seq_printf(m, " peer_queued=%u/%llu", s.peer_msgs,
			   s.peer_bytes);
	} else {
		seq_puts(m, " peer=none");
	}
	seq_printf(m, " queued=%u/%llu quota=%u/%llu", s.queued,
		   s.queued_bytes, s.max_msgs, s.max_bytes);
	mojo_show_quota(m, "sig_msgs", s.sig[0]);
	mojo_show_quota(m, "sig_bytes", s.sig[1]);
	mojo_show_quota(m, "sig_unread", s.sig[2]);
	seq_printf(m, " send_seq=%llu recv_seq=%llu peer_closed=%d",
		   s.send_seq, s.recv_seq, s.peer_closed);
	if (s.peer_closed)
		seq_printf(m, " peer_last_seq=%llu", s.peer_last_seq);
	seq_printf(m, " triggers=%u uring=%u", s.triggers, s.uring);
	if (s.kind != MOJO_PORT_MESSAGE_PIPE)
		seq_printf(m, " capacity=%llu readable=%llu maps=%d/%d",
			   s.capacity, s.avail, s.maps[0], s.maps[1]);
	seq_putc(m, '\n');
}

static int mojo_state_show(struct seq_file *m, void *v)
{
	struct mojo_state_iter *it = v;
	struct mojo_node *node;
	struct mojo_object *obj;
	struct mojo_trap *trap;
	unsigned int n;
	bool dead;
	pid_t nr;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "# node NAME reg= pid= comm= handles= uring= dead=\n");
		seq_puts(m, "#   port|trap|wrapped HANDLE key=value...\n");
		return 0;
	}
	node = it->node;
	if (!it->handle) {
		mutex_lock(&node->lock);
		n = node->num_handles;
		dead = node->dead;
		mutex_unlock(&node->lock);
		nr = mojo_opener_nr(node, &init_pid_ns);
		seq_printf(m, "node %*phN reg=%u pid=%d comm=", MOJO_NAME_SIZE,
			   node->name, node->id, nr);
		mojo_seq_comm(m, nr ? node->comm : "-");
		seq_printf(m, " handles=%u uring=%u dead=%d\n", n,
			   mojo_uring_node_pending(node), dead);
		return 0;
	}

	mutex_lock(&node->lock);
	obj = mojo_handle_lookup(node, it->handle);
	if (obj)
		mojo_object_get(obj);
	mutex_unlock(&node->lock);
	if (!obj)
		return 0;
	if (mojo_object_is(obj, MOJO_OBJ_PORT)) {
		mojo_show_port(m, it->handle, mojo_port_from(obj));
	} else if (mojo_object_is(obj, MOJO_OBJ_TRAP)) {
		trap = mojo_trap_from(obj);
		mutex_lock(&trap->lock);
		n = trap->num_triggers;
		mutex_unlock(&trap->lock);
		seq_printf(m, "  trap %lu triggers=%u armed=%d\n", it->handle,
			   n, atomic_read(&trap->armed));
	} else {
		seq_printf(m, "  wrapped %lu\n", it->handle);
	}
	mojo_object_put(obj);
	return 0;
}

static const struct seq_operations mojo_state_sops = {
	.start	= mojo_state_start,
	.next	= mojo_state_next,
	.stop	= mojo_state_stop,
	.show	= mojo_state_show,
};

static int mojo_state_open(struct inode *inode, struct file *file)
{
	return seq_open_private(file, &mojo_state_sops,
				sizeof(struct mojo_state_iter));
}

static const struct file_operations mojo_state_fops = {
	.owner		= THIS_MODULE,
	.open		= mojo_state_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= seq_release_private,
};

/* ---- setup ------------------------------------------------------------ */

/**
 * mojo_debug_init() - create the debugfs files and start the counters
 *
 * Nothing here can fail the module's load: without debugfs the files are
 * missing.
 */
void mojo_debug_init(void)
{
	mojo_debug_dir = debugfs_create_dir("mojoports", NULL);
	debugfs_create_file("state", 0400, mojo_debug_dir, NULL,
			    &mojo_state_fops);
	debugfs_create_file("stats", 0400, mojo_debug_dir, NULL,
			    &mojo_stats_fops);
	debugfs_create_file("log", 0400, mojo_debug_dir, NULL, &mojo_log_fops);
}

/**
 * mojo_debug_exit() - remove the files
 */
void mojo_debug_exit(void)
{
	debugfs_remove_recursive(mojo_debug_dir);
}
