// SPDX-License-Identifier: GPL-2.0
/*
 * mojofuzz: model mode (fuzz.h).
 *
 * One thread opens up to M_NODES nodes and runs random operations on
 * them through ioctl, io_uring with MOJO_URING_SYNC, and io_uring without
 * it. Before each call a reference model, written from
 * uapi/linux/mojoports.h alone, predicts its whole outcome: the result,
 * the argument struct written back (or left alone), the payload and the
 * handles a read returns, the signals of every handle, the trap events
 * queued, and which parked io_uring reads complete and how. The first
 * difference is reported with fz_fail() and ends the seed: state has
 * diverged.
 *
 * Structure:
 * - model.h: the model's state. Nodes hold handle tables (number ->
 *   endpoint, wrapped fd or trap). Endpoints (struct m_port) are message
 *   pipe ends or data pipe ends; each is in a node, inside a queued
 *   message (with the endpoint whose queue holds it), or inside an
 *   exported fd. Wrapped fds are m_ports too (HK_WRAP), in a node or a
 *   message, with no queue of their own. Messages
 *   keep their payload as a seed and their endpoints in order. Data pipes
 *   keep a shadow of the ring. Traps keep their triggers, nodes their
 *   queued events.
 * - model.c (this file): the runner, handles and endpoints, closing (with
 *   everything that cascades from it), signals of message pipe ends,
 *   parked io_uring reads, and the node-wide operations: VERSION,
 *   NODE_NAME, CLOSE, QUERY_SIGNALS, WAIT, unknown operation numbers,
 *   opening and closing nodes.
 * - model_msg.c: message pipes, FUSE, SET_QUOTA, EXPORT/IMPORT,
 *   WRAP_FD/UNWRAP_FD.
 * - model_trap.c: traps, triggers, firing and events.
 * - model_dp.c: data pipes (one-shot and two-phase, thresholds, info).
 *
 * Every operation builds its argument struct from the model's tables
 * (indices, never kernel numbers, drive the choices, so a seed replays),
 * sometimes spoils it (a reserved field, flags, a bad or wrong-kind
 * handle, a boundary size, a bad pointer, garbage in out fields) and
 * predicts the result from the struct as the kernel sees it. When a call
 * has several faults, the predictions take the first in the header's
 * order of checks ("Order" in its Errors section). Kernel-chosen values (handle numbers, fds, the node
 * name, map offsets) are checked for what the header promises (fresh,
 * never reused, stable) and then recorded.
 *
 * After each operation m_settle() fires the traps the model says fire,
 * completes the parked io_uring reads that can now complete (each as the
 * same read would, in submission order per handle), and checks that no
 * other completion arrived.
 *
 * Not modelled: data pipe mappings (chaos mode), limits that take
 * megabytes to reach (user queue bytes, transit ports, handle limit),
 * finite WAIT timeouts beyond 1 ms, parked WAITs, interrupted waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "model.h"

struct model M;

/* ---- reports ---- */

int m_fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!M.failed)
		fz_fail(M.o, M.opno, "%s", msg);
	M.failed = true;
	return -1;
}

void m_trace(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!M.o->trace_from || M.opno < M.o->trace_from)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fz_trace(M.o, M.opno, "%s", msg);
}

/* ---- calls ---- */

enum fz_via m_via(void)
{
	return R(FZ_NR_VIA);
}

/* One call of an operation that completes at once (never parks). */
long m_call(int node, unsigned int cmd, void *arg, enum fz_via via)
{
	uint64_t tag = ++M.tag, got;
	long ret;
	int res, i;

	ret = fz_call(M.nodes[node].fd, cmd, arg, via, tag, 0);
	if (ret != FZ_PENDING)
		return ret;
	/* Not at once: it may still be on its way; anything else is ours. */
	for (i = 0; i < 2000; i++) {
		if (fz_reap(1, &got, &res) == 1) {
			if (got == tag)
				return res;
			return m_fail("completion of unknown tag %llu while waiting",
				      (unsigned long long)got), -10000;
		}
	}
	m_fail("%s via %s: no completion in 2 s (parked?)", fz_op_name(cmd),
	       fz_via_name[via]);
	return -10000;
}

/* With -v: how often each operation returned what (coverage at a glance). */
#define M_STATS	256
static struct {
	const char *op;
	long ret;
	uint64_t n;
} m_stats[M_STATS];

static void m_stat(const char *op, long ret)
{
	int i;

	for (i = 0; i < M_STATS && m_stats[i].op; i++)
		if (m_stats[i].op == op && m_stats[i].ret == ret)
			break;
	if (i == M_STATS)
		return;
	m_stats[i].op = op;
	m_stats[i].ret = ret;
	m_stats[i].n++;
}

static void m_stats_print(void)
{
	int i;

	for (i = 0; i < M_STATS && m_stats[i].op; i++)
		printf("  %-24s %-10s %llu\n", m_stats[i].op,
		       m_stats[i].ret ? strerrorname_np(-m_stats[i].ret) : "ok",
		       (unsigned long long)m_stats[i].n);
}

/*
 * m_call(), sometimes with the struct in a read-only page: a call that
 * would write it back (@reports) fails with -EFAULT instead, and changed
 * nothing (the header: nothing created, moved or committed), which *@e
 * then predicts. Other calls must not notice.
 */
long m_call_ro(int node, unsigned int cmd, void *arg, size_t size,
	       enum fz_via via, long *e, bool reports)
{
	long ret;

	if (!CHANCE(4))
		return m_call(node, cmd, arg, via);
	memcpy(M.ro, arg, size);
	if (mprotect(M.ro, M.page, PROT_READ))
		return m_fail("mprotect: %s", strerror(errno));
	m_trace("  (struct read-only)");
	ret = m_call(node, cmd, M.ro, via);
	mprotect(M.ro, M.page, PROT_READ | PROT_WRITE);
	memcpy(arg, M.ro, size);
	if (reports)
		*e = -EFAULT;
	return ret;
}

int m_check_ret(const char *op, long got, long exp)
{
	if (M.o->verbose)
		m_stat(op, got);
	if (got == exp)
		return 0;
	return m_fail("%s returned %ld (%s), model expects %ld (%s)", op, got,
		      got < 0 && got > -4096 ? strerror(-got) : "", exp,
		      exp < 0 ? strerror(-exp) : "ok");
}

int m_check_struct(const char *op, const void *got, const void *exp,
		   size_t n)
{
	const uint8_t *g = got, *e = exp;
	size_t i;

	for (i = 0; i < n; i++)
		if (g[i] != e[i])
			return m_fail("%s: argument struct byte %zu is 0x%02x, model expects 0x%02x",
				      op, i, g[i], e[i]);
	return 0;
}

/* ---- handles ---- */

struct m_handle *m_hlookup(int node, uint32_t h)
{
	struct m_node *n = &M.nodes[node];
	int i;

	if (!n->open || !h)
		return NULL;
	for (i = 0; i < n->nh; i++)
		if (n->hs[i].h == h)
			return &n->hs[i];
	return NULL;
}

/* A random handle of @node whose kind is in @kindmask, or -1. */
int m_hpick(int node, int kindmask)
{
	struct m_node *n = &M.nodes[node];
	int i, cnt = 0, k;

	for (i = 0; i < n->nh; i++)
		cnt += !!(kindmask & (1 << n->hs[i].kind));
	if (!cnt)
		return -1;
	k = R(cnt);
	for (i = 0; i < n->nh; i++)
		if ((kindmask & (1 << n->hs[i].kind)) && !k--)
			return i;
	return -1;
}

static bool m_was_used(int node, uint32_t h)
{
	struct m_node *n = &M.nodes[node];
	size_t lo = 0, hi = n->nused;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (n->used[mid] == h)
			return true;
		if (n->used[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static void m_mark_used(int node, uint32_t h)
{
	struct m_node *n = &M.nodes[node];
	size_t i;

	if (n->nused == n->capused) {
		n->capused = n->capused ? n->capused * 2 : 256;
		n->used = realloc(n->used, n->capused * sizeof(*n->used));
		if (!n->used)
			abort();
	}
	for (i = n->nused; i > 0 && n->used[i - 1] > h; i--)
		n->used[i] = n->used[i - 1];
	n->used[i] = h;
	n->nused++;
}

/* A number @node does not hold: closed, another node's, 0, or random. */
uint32_t m_bad_handle(int node)
{
	struct m_node *n = &M.nodes[node];
	uint32_t h;
	int i, tries;

	for (tries = 0; tries < 16; tries++) {
		switch (R(5)) {
		case 0:
			h = 0;
			break;
		case 1:		/* given out once, gone now */
			h = n->nused ? n->used[R(n->nused)] : 1;
			break;
		case 2:		/* another node's */
			i = m_any_node();
			h = M.nodes[i].nh ? M.nodes[i].hs[R(M.nodes[i].nh)].h : 7;
			break;
		case 3:
			h = fz_size(&M.rng, 32);
			break;
		default:	/* a neighbour of one we hold */
			h = n->nh ? n->hs[R(n->nh)].h + (R(2) ? 1 : -1) : 3;
			break;
		}
		if (!m_hlookup(node, h))
			return h;
	}
	return 0;
}

/* Check that a number the kernel gave out is valid and fresh. */
int m_fresh(int node, uint32_t h)
{
	if (!h || h > 0x7fffffffU)
		return m_fail("node %d: new handle %u is not in 1 .. 2^31 - 1",
			      node, h);
	if (m_was_used(node, h))
		return m_fail("node %d: new handle %u was given out before", node, h);
	return 0;
}

int m_hadd(int node, uint32_t h, int kind, int idx)
{
	struct m_node *n = &M.nodes[node];

	if (m_fresh(node, h))
		return -1;
	if (n->nh == M_HANDLES)
		return m_fail("model: node %d handle table full", node);
	m_mark_used(node, h);
	n->hs[n->nh].h = h;
	n->hs[n->nh].kind = kind;
	n->hs[n->nh].idx = idx;
	n->nh++;
	return 0;
}

void m_hdel(int node, uint32_t h)
{
	struct m_node *n = &M.nodes[node];
	int i;

	for (i = 0; i < n->nh; i++) {
		if (n->hs[i].h == h) {
			n->hs[i] = n->hs[--n->nh];
			return;
		}
	}
}

/*
 * A handle for an operation that takes the kinds in @want: mostly one of
 * them, sometimes one of another kind (-EINVAL) or a number the node
 * does not hold (-EBADF). Returns what the handle alone makes the call
 * return.
 */
long m_choose(int node, int want, uint32_t *h, int *idx)
{
	struct m_node *n = &M.nodes[node];
	int hi = -1;

	if (!CHANCE(5))
		hi = m_hpick(node, want);
	if (hi < 0 && CHANCE(60))
		hi = m_hpick(node, ((1 << HK_NR) - 1) & ~want);
	if (hi < 0) {
		*h = m_bad_handle(node);
		*idx = -1;
		return -EBADF;
	}
	*h = n->hs[hi].h;
	*idx = n->hs[hi].idx;
	return (want & (1 << n->hs[hi].kind)) ? 0 : -EINVAL;
}

/* A random open node. */
int m_any_node(void)
{
	int i, cnt = 0, k;

	for (i = 0; i < M_NODES; i++)
		cnt += M.nodes[i].open;
	k = R(cnt);
	for (i = 0; i < M_NODES; i++)
		if (M.nodes[i].open && !k--)
			return i;
	return 0;
}

/* ---- endpoints ---- */

/*
 * Free the fuse links (PL_FWD) no endpoint names any more, as the kernel
 * frees a link with its last user. Only slots depend on it: nothing a
 * call returns does.
 */
static bool m_fwd_sweep(void)
{
	bool used[M_PORTS] = { false }, freed = false;
	int i;

	for (i = 0; i < M_PORTS; i++)
		if ((M.ports[i].loc == PL_MSG || M.ports[i].loc == PL_FWD) &&
		    M.ports[i].container >= 0)
			used[M.ports[i].container] = true;
	for (i = 0; i < M_PORTS; i++) {
		if (M.ports[i].loc == PL_FWD && !used[i]) {
			M.ports[i].loc = PL_FREE;
			freed = true;
		}
	}
	return freed;
}

static int m_port_free_slot(void)
{
	int i;

	for (i = 0; i < M_PORTS; i++)
		if (M.ports[i].loc == PL_FREE)
			return i;
	return -1;
}

int m_port_alloc(int kind)
{
	struct m_port *p;
	int i = m_port_free_slot();

	/* A link freed may free the one it named: sweep until none is. */
	while (i < 0 && m_fwd_sweep())
		i = m_port_free_slot();
	if (i < 0)
		return -1;
	p = &M.ports[i];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->peer = -1;
	p->container = -1;
	p->fdslot = -1;
	p->dp = -1;
	p->max_msgs = M.def_msgs;
	p->max_bytes = M.def_bytes;
	p->sig_msgs = MOJO_QUOTA_NONE;
	p->sig_bytes = MOJO_QUOTA_NONE;
	p->sig_unread = MOJO_QUOTA_NONE;
	return i;
}

void m_port_free(int p)
{
	M.ports[p].loc = PL_FREE;
}

bool m_full(const struct m_port *p)
{
	return p->qmsgs >= p->max_msgs || p->qbytes >= p->max_bytes;
}

/*
 * Signals of a message pipe end, from the header: READABLE with a message
 * queued; PEER_CLOSED once the peer closed (queued messages or not);
 * QUOTA_EXCEEDED while its own queue is full; WRITABLE while the peer is
 * open and its queue not full; PEER_REMOTE while the peer is open and
 * not in this end's node. Satisfiable: what is satisfied, what can
 * still become so (PEER_CLOSED always; while the peer is open everything
 * else; once it closed, QUOTA_EXCEEDED only while messages are queued,
 * since SET_QUOTA can still lower the quota to what is queued).
 */
/* What @pi wrote and its peer has not read: the peer's queue (0 once closed). */
uint64_t m_unread(int pi)
{
	const struct m_port *p = &M.ports[pi];

	return p->peer_closed || p->peer < 0 ? 0 : M.ports[p->peer].qmsgs;
}

/* PEER_REMOTE: @peer (a port index, or -1) is open and not in @pi's node. */
bool m_peer_remote(int pi, int peer)
{
	const struct m_port *q;

	if (peer < 0)
		return false;
	q = &M.ports[peer];
	return q->loc != PL_NODE || q->node != M.ports[pi].node;
}

uint64_t m_signals(int pi, uint64_t *able)
{
	struct m_port *p = &M.ports[pi];
	uint64_t sat = 0, a;

	if (p->kind != HK_MSG)
		return m_dp_signals(pi, able);
	if (p->qmsgs)
		sat |= MOJO_SIGNAL_READABLE;
	if (p->peer_closed)
		sat |= MOJO_SIGNAL_PEER_CLOSED;
	if (m_full(p) || p->qmsgs > p->sig_msgs || p->qbytes > p->sig_bytes ||
	    m_unread(pi) > p->sig_unread)
		sat |= MOJO_SIGNAL_QUOTA_EXCEEDED;
	if (!p->peer_closed && !m_full(&M.ports[p->peer]))
		sat |= MOJO_SIGNAL_WRITABLE;
	if (!p->peer_closed && m_peer_remote(pi, p->peer))
		sat |= MOJO_SIGNAL_PEER_REMOTE;
	a = sat | MOJO_SIGNAL_PEER_CLOSED;
	if (!p->peer_closed)
		a |= MOJO_SIGNAL_READABLE | MOJO_SIGNAL_WRITABLE |
		     MOJO_SIGNAL_QUOTA_EXCEEDED | MOJO_SIGNAL_PEER_REMOTE;
	else if (p->qmsgs)
		a |= MOJO_SIGNAL_QUOTA_EXCEEDED;
	*able = a;
	return sat;
}

/*
 * An endpoint leaves its node (closed, sent, exported, fused away): its
 * parked reads are cancelled, its triggers queue their last event, and
 * its number leaves the table.
 */
void m_port_leave(int pi)
{
	struct m_port *p = &M.ports[pi];

	if (p->loc != PL_NODE)
		return;
	m_pend_cancel_port(pi);
	m_trap_cancel_port(pi);
	m_hdel(p->node, p->handle);
	p->loc = PL_MSG;	/* the caller says where */
	p->node = -1;
}

/* Free what an endpoint's queue holds, closing the endpoints in it. */
void m_queue_close(int pi)
{
	struct m_port *p = &M.ports[pi];
	struct m_msg *m, *next;
	uint32_t i;

	for (m = p->qh; m; m = next) {
		next = m->next;
		for (i = 0; i < m->nports; i++)
			m_port_close(m->ports[i]);
		free(m);
	}
	p->qh = p->qt = NULL;
	p->qmsgs = 0;
	p->qbytes = 0;
}

/*
 * Close an endpoint that is out of any node (the caller took it out):
 * what its queue holds closes in turn, and its peer learns.
 */
void m_port_close(int pi)
{
	struct m_port *p = &M.ports[pi];

	m_queue_close(pi);
	if (p->kind == HK_WRAP) {
		/* Its file reference goes; nobody else learns. */
	} else if (p->kind == HK_MSG) {
		if (p->peer >= 0) {
			M.ports[p->peer].peer_closed = true;
			M.ports[p->peer].peer = -1;
		}
	} else {
		m_dp_port_closed(pi);
	}
	m_port_free(pi);
}

/* An endpoint arrives in a node under a new number (read, import). */
void m_port_to_node(int pi, int node, uint32_t h)
{
	struct m_port *p = &M.ports[pi];

	p->loc = PL_NODE;
	p->node = node;
	p->handle = h;
	p->container = -1;
	p->fdslot = -1;
	m_hadd(node, h, p->kind, pi);
}

/* Close whatever a handle names (CLOSE, node death). */
static void m_close_handle(int node, struct m_handle *hd)
{
	int idx = hd->idx;

	if (hd->kind == HK_TRAP) {
		m_trap_close(idx);
		m_hdel(node, hd->h);
		return;
	}
	m_port_leave(idx);
	m_port_close(idx);
}

/* ---- message payloads ---- */

void m_gen(uint64_t seed, uint8_t *buf, uint32_t len)
{
	uint64_t x = seed;
	uint32_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7)) {
			x += 0x9e3779b97f4a7c15ULL;
			x = (x ^ (x >> 31)) * 0xbf58476d1ce4e5b9ULL;
		}
		buf[i] = x >> ((i & 7) * 8);
	}
}

/* ---- parked io_uring reads ---- */

int m_pend_count(int port)
{
	int i, n = 0;

	for (i = 0; i < M_PEND; i++)
		n += M.pend[i].used && M.pend[i].port == port;
	return n;
}

int m_pend_new(void)
{
	int i;

	for (i = 0; i < M_PEND; i++) {
		if (!M.pend[i].used) {
			memset(&M.pend[i], 0, sizeof(M.pend[i]));
			M.pend[i].used = true;
			M.pend[i].res = 1;
			return i;
		}
	}
	return -1;
}

static void m_pend_free(struct m_pend *pd)
{
	free(pd->arg);
	free(pd->buf);
	free(pd->hbuf);
	pd->used = false;
}

/* Collect every completion there is; @wait_ms for the first. */
static int m_collect(int wait_ms)
{
	uint64_t tag;
	int res, i, ret;

	for (;;) {
		ret = fz_reap(wait_ms, &tag, &res);
		if (ret < 0)
			return m_fail("fz_reap: %s", strerror(-ret));
		if (!ret)
			return 0;
		wait_ms = 0;
		for (i = 0; i < M_PEND; i++) {
			if (M.pend[i].used && M.pend[i].tag == tag) {
				M.pend[i].done = true;
				M.pend[i].res = res;
				break;
			}
		}
		if (i == M_PEND)
			return m_fail("completion (res %d) of unknown tag %llu",
				      res, (unsigned long long)tag);
	}
}

/* Wait for a parked read the model says completes now. */
static int m_pend_wait(struct m_pend *pd)
{
	int i;

	for (i = 0; i < 200 && !pd->done; i++)
		if (m_collect(10))
			return -1;
	if (!pd->done)
		return m_fail("parked %s (op %llu, tag %llu) did not complete; model expects it to",
			      fz_op_name(pd->cmd), (unsigned long long)pd->opno,
			      (unsigned long long)pd->tag);
	return 0;
}

/*
 * The port's parked reads are cancelled (handle closed or sent away):
 * each completes with -ECANCELED and takes nothing. Checked right away.
 */
void m_pend_cancel_port(int port)
{
	int i;

	for (i = 0; i < M_PEND; i++) {
		struct m_pend *pd = &M.pend[i];

		if (!pd->used || pd->port != port)
			continue;
		if (m_pend_wait(pd))
			return;
		if (pd->res != -ECANCELED) {
			m_fail("parked %s (op %llu) completed with %d, model expects -ECANCELED (handle left)",
			       fz_op_name(pd->cmd), (unsigned long long)pd->opno,
			       pd->res);
			return;
		}
		m_pend_free(pd);
	}
}

/* The oldest parked read of @port, or NULL. */
static struct m_pend *m_pend_head(int port)
{
	struct m_pend *best = NULL;
	int i;

	for (i = 0; i < M_PEND; i++) {
		struct m_pend *pd = &M.pend[i];

		if (pd->used && pd->port == port && (!best || pd->tag < best->tag))
			best = pd;
	}
	return best;
}

/*
 * Run the oldest parked read of a port again as the kernel does when the
 * port changes. Returns 1 when it completed (and was checked), 0 when it
 * stays parked, -1 on a failure.
 */
static int m_pend_try(struct m_pend *pd)
{
	struct m_port *pt = &M.ports[pd->port];
	uint64_t sat, able;
	long exp;
	int port, ret;

	/*
	 * A parked read runs again when something arrives: a message, data,
	 * or the peer's closure (the header); until then it stays parked,
	 * whatever it would say when it runs.
	 */
	sat = m_signals(pd->port, &able);
	if (!(sat & MOJO_SIGNAL_PEER_CLOSED) &&
	    !(pt->kind == HK_MSG ? pt->qmsgs : M.dps[pt->dp].avail))
		return 0;
	if (pd->cmd == MOJO_IOC_READ_MESSAGE) {
		struct mojo_read_message_args in;

		/* The kernel runs it from the struct as submitted. */
		memcpy(&in, pd->in, sizeof(in));
		exp = m_read_msg_predict(pd->node, &in, &port);
		if (exp == -EAGAIN)
			return 0;
		if (m_pend_wait(pd))
			return -1;
		m_trace("  parked read_message (op %llu) completes: %d",
			(unsigned long long)pd->opno, pd->res);
		if (m_check_ret("parked READ_MESSAGE", pd->res, exp))
			return -1;
		ret = m_read_msg_apply(pd->node, port, pd->arg, pd->buf, pd->hbuf,
				       exp, &in);
	} else {
		struct mojo_data_args in;

		memcpy(&in, pd->in, sizeof(in));
		exp = m_read_data_predict(pd->node, &in, &port);
		if (exp == -EAGAIN)
			return 0;
		if (m_pend_wait(pd))
			return -1;
		m_trace("  parked read_data (op %llu) completes: %d",
			(unsigned long long)pd->opno, pd->res);
		if (m_check_ret("parked READ_DATA", pd->res, exp))
			return -1;
		ret = m_read_data_apply(pd->node, port, pd->arg, pd->buf, exp, &in);
	}
	m_pend_free(pd);
	return ret ? -1 : 1;
}

/*
 * After an operation: traps fire, parked reads that can complete do (in
 * submission order per handle; each may change signals and fire traps
 * again), and no other completion may have come.
 */
int m_settle(void)
{
	bool progress = true;
	int i, r;

	while (progress && !M.failed) {
		progress = false;
		m_trap_eval();
		for (i = 0; i < M_PEND && !M.failed; i++) {
			struct m_pend *pd = &M.pend[i];

			if (!pd->used || m_pend_head(pd->port) != pd)
				continue;
			r = m_pend_try(pd);
			if (r < 0)
				return -1;
			if (r) {
				progress = true;
				break;
			}
		}
	}
	if (M.failed || m_collect(0))
		return -1;
	for (i = 0; i < M_PEND; i++)
		if (M.pend[i].used && M.pend[i].done)
			return m_fail("parked %s (op %llu) completed with %d; model expects it parked",
				      fz_op_name(M.pend[i].cmd),
				      (unsigned long long)M.pend[i].opno,
				      M.pend[i].res);
	return 0;
}

/* ---- node-wide operations ---- */

#define M_FEATURES_KNOWN	((MOJO_FEATURE_FUSE_FLOW_ON << 1) - 1)

static int op_version(void)
{
	struct mojo_version_args a, exp;
	enum fz_via via = m_via();
	int node = m_any_node();
	long e = 0, ret;

	memset(&a, 0, sizeof(a));
	if (CHANCE(30)) {		/* out fields are ignored on input */
		a.version = fz_next(&M.rng);
		a.features = fz_next(&M.rng);
	}
	if (CHANCE(10)) {
		if (R(3))
			a.reserved[R(2)] = fz_size(&M.rng, 64) | 1;
		else
			a.reserved0 = fz_size(&M.rng, 32) | 1;
		e = -EINVAL;
	}
	exp = a;
	m_trace("VERSION node %d via %s", node, fz_via_name[via]);
	ret = m_call_ro(node, MOJO_IOC_VERSION, &a, sizeof(a), via, &e, !e);
	if (m_check_ret("VERSION", ret, e))
		return -1;
	if (!e) {
		if (a.version != MOJO_API_VERSION)
			return m_fail("VERSION: version %u, expected %u", a.version,
				      MOJO_API_VERSION);
		if ((a.features & M_FEATURES_KNOWN) != M_FEATURES_KNOWN)
			return m_fail("VERSION: features 0x%llx lack a documented one",
				      (unsigned long long)a.features);
		if (M.version_known && a.features != M.features)
			return m_fail("VERSION: features changed 0x%llx -> 0x%llx",
				      (unsigned long long)M.features,
				      (unsigned long long)a.features);
		M.features = a.features;
		M.version_known = true;
		exp.version = a.version;
		exp.features = a.features;
	}
	return m_check_struct("VERSION", &a, &exp, sizeof(a));
}

static int op_node_name(void)
{
	struct mojo_node_name_args a, exp;
	enum fz_via via = m_via();
	int node = m_any_node(), i;
	struct m_node *n = &M.nodes[node];
	long e = 0, ret;

	memset(&a, 0, sizeof(a));
	if (CHANCE(30))
		memset(a.name, R(256), sizeof(a.name));
	if (CHANCE(10)) {
		a.reserved[R(2)] = fz_size(&M.rng, 64) | 1;
		e = -EINVAL;
	}
	exp = a;
	m_trace("NODE_NAME node %d via %s", node, fz_via_name[via]);
	ret = m_call_ro(node, MOJO_IOC_NODE_NAME, &a, sizeof(a), via, &e, !e);
	if (m_check_ret("NODE_NAME", ret, e))
		return -1;
	if (!e) {
		if (n->name_known && memcmp(a.name, n->name, sizeof(a.name)))
			return m_fail("NODE_NAME: node %d's name changed", node);
		for (i = 0; i < M_NODES && !n->name_known; i++)
			if (i != node && M.nodes[i].open && M.nodes[i].name_known &&
			    !memcmp(M.nodes[i].name, a.name, sizeof(a.name)))
				return m_fail("NODE_NAME: nodes %d and %d share a name",
					      node, i);
		memcpy(n->name, a.name, sizeof(a.name));
		n->name_known = true;
		memcpy(exp.name, a.name, sizeof(a.name));
	}
	return m_check_struct("NODE_NAME", &a, &exp, sizeof(a));
}

static int op_close(void)
{
	struct mojo_handle_args a, exp, *arg = &a;
	enum fz_via via = m_via();
	int node = m_any_node(), hi;
	struct m_node *n = &M.nodes[node];
	struct m_handle *hd = NULL;
	long e = 0, ret;
	int idx = -1;

	memset(&a, 0, sizeof(a));
	hi = n->nh ? (int)R(n->nh) : -1;
	if (hi < 0 || CHANCE(8)) {
		a.handle = m_bad_handle(node);
		e = -EBADF;
	} else {
		a.handle = n->hs[hi].h;
		idx = n->hs[hi].idx;
	}
	if (CHANCE(8)) {
		if (R(2))
			a.flags = fz_size(&M.rng, 32) | 1;
		else
			a.reserved[R(3)] = fz_size(&M.rng, 64) | 1;
		e = -EINVAL;
	}
	if (!e && (n->hs[hi].kind == HK_TRAP ? m_events_touch_trap(node, idx) :
		   m_events_touch_port(node, idx))) {
		/* Its events must be read before its last one is queued. */
		if (m_drain_events(node))
			return -1;
	}
	/* A close reports nothing: its struct may be read-only. */
	if (CHANCE(10)) {
		memcpy(M.ro, &a, sizeof(a));
		arg = M.ro;
	}
	exp = a;
	m_trace("CLOSE node %d handle %u via %s%s", node, a.handle,
		fz_via_name[via], arg == M.ro ? " (read-only)" : "");
	if (arg == M.ro && mprotect(M.ro, M.page, PROT_READ))
		return m_fail("mprotect: %s", strerror(errno));
	ret = m_call(node, MOJO_IOC_CLOSE, arg, via);
	if (arg == M.ro) {
		mprotect(M.ro, M.page, PROT_READ | PROT_WRITE);
		memcpy(&a, M.ro, sizeof(a));
	}
	if (m_check_ret("CLOSE", ret, e) ||
	    m_check_struct("CLOSE", &a, &exp, sizeof(a)))
		return -1;
	if (!e) {
		hd = m_hlookup(node, a.handle);
		m_close_handle(node, hd);
	}
	return 0;
}

/* QUERY_SIGNALS and WAIT with a timeout of 0 (or 1 ms). */
static int op_signals(bool wait)
{
	unsigned int cmd = wait ? MOJO_IOC_WAIT : MOJO_IOC_QUERY_SIGNALS;
	const char *name = wait ? "WAIT" : "QUERY_SIGNALS";
	struct mojo_signals_args a, exp;
	enum fz_via via = m_via();
	int node = m_any_node(), hi;
	struct m_node *n = &M.nodes[node];
	uint64_t sat = 0, able = 0;
	long e = 0, ret;
	bool spoiled = false;
	int tries;

	memset(&a, 0, sizeof(a));
	hi = m_hpick(node, 7 | (CHANCE(5) << HK_TRAP) | (CHANCE(5) << HK_WRAP));
	if (hi < 0 || CHANCE(5)) {
		a.handle = m_bad_handle(node);
		e = -EBADF;
	} else {
		a.handle = n->hs[hi].h;
		if (n->hs[hi].kind == HK_TRAP || n->hs[hi].kind == HK_WRAP)
			e = -EINVAL;
	}
	if (wait) {
		a.signals = R(MOJO_SIGNALS_ALL) + 1;
		/* A wait that would block gets 1 ms: rarely, it costs time. */
		if (via != FZ_URING_ASYNC && CHANCE(1))
			a.timeout_ns = 1000000;
	}
	if (CHANCE(30)) {		/* out fields are ignored on input */
		a.satisfied = fz_next(&M.rng);
		a.satisfiable = fz_next(&M.rng);
	}
	if (CHANCE(10)) {
		spoiled = true;
		switch (R(4)) {
		case 0:
			a.flags = fz_size(&M.rng, 32) | 1;
			break;
		case 1:
			a.reserved[R(2)] = fz_size(&M.rng, 64) | 1;
			break;
		case 2:
			if (wait)
				a.signals = R(2) ? 0 : a.signals | (1ULL << (6 + R(58)));
			else
				a.signals = fz_size(&M.rng, 64) | 1;
			break;
		default:
			if (wait)
				a.signals = 0;
			else
				a.timeout_ns = fz_size(&M.rng, 64) | 1;
			break;
		}
	}
	/* The struct is checked before the handle (the header's "Order"). */
	if (spoiled)
		e = -EINVAL;
	exp = a;
	if (!e) {
		sat = m_signals(n->hs[hi].idx, &able);
		if (wait) {
			if (sat & a.signals)
				e = 0;
			else if (!(able & a.signals))
				e = -EPIPE;
			else
				e = -ETIMEDOUT;
		}
		exp.satisfied = sat;
		exp.satisfiable = able;
	}
	m_trace("%s node %d handle %u signals 0x%llx timeout %llu via %s", name,
		node, a.handle, (unsigned long long)a.signals,
		(unsigned long long)a.timeout_ns, fz_via_name[via]);
	ret = m_call(node, cmd, &a, via);
	/*
	 * A MOJO_URING_SYNC WAIT that sleeps may be woken by task work (a
	 * completion of this thread's ring) and end with -EAGAIN: the header
	 * says to submit the same struct again, which holds the time left.
	 */
	for (tries = 0; wait && via == FZ_URING_SYNC && e == -ETIMEDOUT &&
	     ret == -EAGAIN && tries < 1000; tries++)
		ret = m_call(node, cmd, &a, via);
	if (m_check_ret(name, ret, e))
		return -1;
	/*
	 * @timeout_ns is written only by a finite wait interrupted with time
	 * left (the header). One that slept (here, one that times out) may
	 * have been, by task work, and restarted by the kernel: what it had
	 * left then stays, whatever the restart returned.
	 */
	if (wait && e == -ETIMEDOUT && exp.timeout_ns &&
	    exp.timeout_ns != MOJO_TIMEOUT_INFINITE && a.timeout_ns &&
	    a.timeout_ns < exp.timeout_ns)
		exp.timeout_ns = a.timeout_ns;
	if (m_check_struct(name, &a, &exp, sizeof(a)))
		return m_fail("%s handle %u: satisfied 0x%llx satisfiable 0x%llx, model 0x%llx 0x%llx",
			      name, a.handle, (unsigned long long)a.satisfied,
			      (unsigned long long)a.satisfiable,
			      (unsigned long long)exp.satisfied,
			      (unsigned long long)exp.satisfiable);
	return 0;
}

static int op_query(void)
{
	return op_signals(false);
}

static int op_wait(void)
{
	return op_signals(true);
}

/* An operation number the header does not define: -ENOTTY. */
static int op_bad_cmd(void)
{
	static const unsigned int good[] = {
		MOJO_IOC_VERSION, MOJO_IOC_CLOSE, MOJO_IOC_WRITE_MESSAGE,
		MOJO_IOC_READ_DATA, MOJO_IOC_DATA_PIPE_SET_THRESHOLD,
	};
	unsigned int cmd = good[R(sizeof(good) / sizeof(good[0]))];
	enum fz_via via = m_via();
	int node = m_any_node();
	uint8_t arg[128];
	long ret;

	switch (R(4)) {
	case 0:		/* a size one off */
		cmd = (cmd & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
		      ((_IOC_SIZE(cmd) + (R(2) ? 8 : -8)) << _IOC_SIZESHIFT);
		break;
	case 1:		/* another direction */
		cmd = (cmd & ~(_IOC_DIRMASK << _IOC_DIRSHIFT)) |
		      ((R(3)) << _IOC_DIRSHIFT);
		break;
	case 2:		/* a hole in the numbers */
		cmd = _IOWR(MOJO_IOC_MAGIC, 0x0f, struct mojo_handle_args);
		if (R(2))
			cmd = _IOWR(MOJO_IOC_MAGIC, 0x49 + R(0xb0), struct mojo_handle_args);
		break;
	default:	/* another type byte */
		cmd = (cmd & ~(_IOC_TYPEMASK << _IOC_TYPESHIFT)) |
		      ((MOJO_IOC_MAGIC ^ (1 + R(255))) << _IOC_TYPESHIFT);
		break;
	}
	memset(arg, 0, sizeof(arg));
	m_trace("bad command 0x%x node %d via %s", cmd, node, fz_via_name[via]);
	ret = m_call(node, cmd, arg, via);
	return m_check_ret("unknown command", ret, -ENOTTY);
}

/* Every handle's signals, and the events, as the model has them. */
static int op_audit(void)
{
	int node = m_any_node(), i;
	struct m_node *n = &M.nodes[node];

	m_trace("audit node %d (%d handles)", node, n->nh);
	for (i = 0; i < n->nh; i++) {
		struct mojo_signals_args a = { .handle = n->hs[i].h };
		uint64_t sat, able;
		long ret;

		if (n->hs[i].kind == HK_TRAP)
			continue;
		if (n->hs[i].kind == HK_WRAP) {
			/* No signals: the wrong kind for QUERY_SIGNALS. */
			ret = m_call(node, MOJO_IOC_QUERY_SIGNALS, &a, FZ_IOCTL);
			if (m_check_ret("audit QUERY_SIGNALS (wrapped)", ret, -EINVAL))
				return -1;
			continue;
		}
		sat = m_signals(n->hs[i].idx, &able);
		ret = m_call(node, MOJO_IOC_QUERY_SIGNALS, &a, FZ_IOCTL);
		if (m_check_ret("audit QUERY_SIGNALS", ret, 0))
			return -1;
		if (a.satisfied != sat || a.satisfiable != able)
			return m_fail("audit: node %d handle %u signals 0x%llx/0x%llx, model 0x%llx/0x%llx",
				      node, a.handle,
				      (unsigned long long)a.satisfied,
				      (unsigned long long)a.satisfiable,
				      (unsigned long long)sat,
				      (unsigned long long)able);
	}
	return 0;
}

static int m_open_node(void)
{
	int i, fd;

	for (i = 0; i < M_NODES && M.nodes[i].open; i++)
		;
	if (i == M_NODES)
		return -1;
	fd = open("/dev/mojoports", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return m_fail("open /dev/mojoports: %s", strerror(errno));
	memset(&M.nodes[i], 0, sizeof(M.nodes[i]));
	M.nodes[i].open = true;
	M.nodes[i].fd = fd;
	return i;
}

static int op_open_node(void)
{
	int i;

	for (i = 0; i < M_NODES && M.nodes[i].open; i++)
		;
	if (i == M_NODES)
		return 0;
	m_trace("open node");
	return m_open_node() < 0 ? -1 : 0;
}

/* A node dies: every handle closes, its events go. */
static int m_close_node(int node)
{
	struct m_node *n = &M.nodes[node];

	while (n->nh)
		m_close_handle(node, &n->hs[n->nh - 1]);
	m_node_flush_events(node);
	if (close(n->fd))
		return m_fail("close node fd: %s", strerror(errno));
	n->open = false;
	free(n->used);
	n->used = NULL;
	n->nused = n->capused = 0;
	return 0;
}

static int op_close_node(void)
{
	int node = m_any_node(), i, cnt = 0;

	for (i = 0; i < M_NODES; i++)
		cnt += M.nodes[i].open;
	if (cnt < 2)
		return 0;
	/* Not with reads parked on it (their cancellation is io_uring's). */
	for (i = 0; i < M_PEND; i++)
		if (M.pend[i].used && M.pend[i].node == node)
			return 0;
	m_trace("close node %d (%d handles)", node, M.nodes[node].nh);
	return m_close_node(node);
}

/* ---- the runner ---- */

struct m_op {
	int (*fn)(void);
	unsigned int weight;
	const char *name;
};

static const struct m_op m_ops[] = {
	{ op_version, 1, "version" },
	{ op_node_name, 1, "node_name" },
	{ op_close, 8, "close" },
	{ op_query, 6, "query" },
	{ op_wait, 5, "wait" },
	{ op_bad_cmd, 1, "bad_cmd" },
	{ op_audit, 2, "audit" },
	{ op_open_node, 1, "open_node" },
	{ op_close_node, 1, "close_node" },
	{ op_create_msgpipe, 8, "create_msgpipe" },
	{ op_write_msg, 20, "write_msg" },
	{ op_read_msg, 16, "read_msg" },
	{ op_fuse, 3, "fuse" },
	{ op_set_quota, 3, "set_quota" },
	{ op_signal_quota, 3, "signal_quota" },
	{ op_export, 2, "export" },
	{ op_import, 2, "import" },
	{ op_close_fd, 1, "close_fd" },
	{ op_wrap_fd, 3, "wrap_fd" },
	{ op_unwrap_fd, 3, "unwrap_fd" },
	{ op_create_trap, 2, "create_trap" },
	{ op_add_trigger, 5, "add_trigger" },
	{ op_remove_trigger, 2, "remove_trigger" },
	{ op_arm_trap, 5, "arm_trap" },
	{ op_read_events, 4, "read_events" },
	{ op_create_dp, 4, "create_dp" },
	{ op_write_data, 8, "write_data" },
	{ op_read_data, 8, "read_data" },
	{ op_begin_write, 3, "begin_write" },
	{ op_end_write, 3, "end_write" },
	{ op_begin_read, 3, "begin_read" },
	{ op_end_read, 3, "end_read" },
	{ op_dp_info, 2, "dp_info" },
	{ op_set_threshold, 2, "set_threshold" },
};

#define M_NR_OPS	(sizeof(m_ops) / sizeof(m_ops[0]))

static int m_one_op(void)
{
	unsigned int total = 0, k, i;
	int node, over = 0;

	for (i = 0; i < M_NR_OPS; i++)
		total += m_ops[i].weight;
	/* A node holding many handles closes some first. */
	for (node = 0; node < M_NODES; node++)
		if (M.nodes[node].open && M.nodes[node].nh > M_SOFT)
			over = 1;
	if (over && CHANCE(50))
		return op_close();
	k = R(total);
	for (i = 0; i < M_NR_OPS; i++) {
		if (k < m_ops[i].weight)
			return m_ops[i].fn();
		k -= m_ops[i].weight;
	}
	return 0;
}

static uint64_t m_param(const char *name, uint64_t def)
{
	char path[128], buf[64];
	FILE *f;
	unsigned long long v;

	snprintf(path, sizeof(path), "/sys/module/mojoports/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return def;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%llu", &v) != 1)
		v = def;
	fclose(f);
	return v;
}

static int m_setup(const struct fz_opts *o)
{
	int i;

	memset(&M, 0, sizeof(M));
	M.o = o;
	fz_rng_seed(&M.rng, o->seed);
	M.max_message_bytes = m_param("max_message_bytes", 1 << 20);
	M.def_msgs = m_param("default_queue_msgs", 1024);
	M.def_bytes = m_param("default_queue_bytes", 8 << 20);
	M.max_dp_cap = m_param("max_data_pipe_capacity", 64 << 20);
	M.page = sysconf(_SC_PAGESIZE);
	M.buf = malloc(M.max_message_bytes + 4096);
	M.buf2 = malloc(M.max_message_bytes + 4096);
	M.bad = mmap(NULL, M.page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	M.ro = mmap(NULL, M.page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!M.buf || !M.buf2 || M.bad == MAP_FAILED || M.ro == MAP_FAILED)
		return -1;
	if (fz_uring_init(256))
		return -1;
	for (i = 0; i < 2 + (int)R(3); i++)
		if (m_open_node() < 0)
			return -1;
	return 0;
}

/*
 * The end: the last state checked (every node audited, events read),
 * then everything closed through the API, parked reads cancelled.
 */
static int m_teardown(void)
{
	int node, i;

	for (node = 0; node < M_NODES && !M.failed; node++) {
		struct m_node *n = &M.nodes[node];

		if (!n->open)
			continue;
		for (i = 0; i < n->nh && !M.failed; i++) {
			struct mojo_signals_args a = { .handle = n->hs[i].h };
			uint64_t sat, able;

			if (n->hs[i].kind == HK_TRAP || n->hs[i].kind == HK_WRAP)
				continue;
			sat = m_signals(n->hs[i].idx, &able);
			if (m_check_ret("final QUERY_SIGNALS",
					m_call(node, MOJO_IOC_QUERY_SIGNALS, &a, FZ_IOCTL), 0))
				break;
			if (a.satisfied != sat || a.satisfiable != able)
				m_fail("final: node %d handle %u signals 0x%llx/0x%llx, model 0x%llx/0x%llx",
				       node, a.handle, (unsigned long long)a.satisfied,
				       (unsigned long long)a.satisfiable,
				       (unsigned long long)sat, (unsigned long long)able);
		}
		if (!M.failed && n->nev)
			m_drain_events(node);
		/* Close every handle through CLOSE, checking each. */
		while (!M.failed && n->nh) {
			struct m_handle hd = n->hs[0];
			struct mojo_handle_args a = { .handle = hd.h };

			if (hd.kind == HK_TRAP ? m_events_touch_trap(node, hd.idx) :
			    m_events_touch_port(node, hd.idx))
				m_drain_events(node);
			if (m_check_ret("final CLOSE", m_call(node, MOJO_IOC_CLOSE, &a,
							       FZ_IOCTL), 0))
				break;
			m_close_handle(node, &n->hs[0]);
			m_settle();
		}
	}
	for (i = 0; i < M_FDS; i++)
		if (M.fds[i].used)
			close(M.fds[i].fd);
	for (node = 0; node < M_NODES; node++)
		if (M.nodes[node].open)
			close(M.nodes[node].fd);
	fz_uring_exit();
	return M.failed ? -1 : 0;
}

int fz_model_run(const struct fz_opts *o, struct fz_run *run)
{
	double t0 = fz_now();

	run->ops = 0;
	run->failures = 0;
	if (m_setup(o)) {
		fz_fail(o, 0, "model setup failed: %s", strerror(errno));
		return -1;
	}
	while (!M.failed) {
		if (o->ops && M.opno >= o->ops)
			break;
		if (o->seconds && !(M.opno & 63) && fz_now() - t0 >= o->seconds)
			break;
		M.opno++;
		if (m_one_op() || m_settle())
			break;
	}
	run->ops = M.opno;
	if (!M.failed)
		m_teardown();
	run->failures = M.failed;
	if (o->verbose)
		m_stats_print();
	return 0;
}
