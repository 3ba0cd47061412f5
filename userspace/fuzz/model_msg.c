// SPDX-License-Identifier: GPL-2.0
/*
 * mojofuzz model mode: message pipes (create, write, read), FUSE,
 * SET_QUOTA and EXPORT/IMPORT. See model.c for the model's structure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"

/* A random size of a field, mostly what a test would use. */
static uint64_t m_msg_size(void)
{
	switch (R(40)) {
	case 0:
		return M.max_message_bytes + R(2);	/* the boundary */
	case 1:
		return fz_size(&M.rng, 32);
	case 2:
		return R(M.max_message_bytes < 262144 ? M.max_message_bytes + 1 : 262144);
	case 3:
	case 4:
	case 5:
		return R(4097);
	default:
		return R(65);
	}
}

int op_create_msgpipe(void)
{
	struct mojo_create_message_pipe_args a, exp;
	enum fz_via via = m_via();
	int node = m_any_node(), p0, p1;
	long e = 0, ret;

	if (M.nodes[node].nh + 2 > M_HANDLES)
		return 0;
	memset(&a, 0, sizeof(a));
	if (CHANCE(30)) {		/* out fields are ignored on input */
		a.handle0 = fz_next(&M.rng);
		a.handle1 = fz_next(&M.rng);
	}
	if (CHANCE(8)) {
		if (R(2))
			a.flags = fz_size(&M.rng, 32) | 1;
		else
			a.reserved[R(5)] = fz_size(&M.rng, 32) | 1;
		e = -EINVAL;
	}
	exp = a;
	m_trace("CREATE_MESSAGE_PIPE node %d via %s", node, fz_via_name[via]);
	ret = m_call_ro(node, MOJO_IOC_CREATE_MESSAGE_PIPE, &a, sizeof(a), via, &e, !e);
	if (m_check_ret("CREATE_MESSAGE_PIPE", ret, e))
		return -1;
	if (!e) {
		if (a.handle0 == a.handle1)
			return m_fail("CREATE_MESSAGE_PIPE: both handles are %u", a.handle0);
		p0 = m_port_alloc(HK_MSG);
		p1 = p0 < 0 ? -1 : (M.ports[p0].loc = PL_NODE, m_port_alloc(HK_MSG));
		if (p1 < 0)
			return m_fail("model: out of ports");
		M.ports[p0].peer = p1;
		M.ports[p1].peer = p0;
		m_port_to_node(p0, node, a.handle0);
		m_port_to_node(p1, node, a.handle1);
		exp.handle0 = a.handle0;
		exp.handle1 = a.handle1;
		m_trace("  -> %u %u", a.handle0, a.handle1);
	}
	return m_check_struct("CREATE_MESSAGE_PIPE", &a, &exp, sizeof(a));
}

/* The next endpoint up @c's chain: its container or the fuse's link, or -1. */
static int m_up(int c)
{
	int loc = M.ports[c].loc;

	return loc == PL_MSG || loc == PL_FWD ? M.ports[c].container : -1;
}

/* Is @x the endpoint @q sits in, or one that sits around it? */
static bool m_in_chain(int q, const int *att, uint32_t n, uint32_t *levels)
{
	uint32_t i, lv = 0;
	int c;

	for (c = q; c >= 0; c = m_up(c)) {
		lv++;
		for (i = 0; i < n; i++)
			if (att[i] == c)
				return true;
	}
	*levels = lv;
	return false;
}

/* How many of the @n attached objects @att are endpoints (not wrapped fds). */
static uint32_t m_count_endpoints(const int *att, uint32_t n)
{
	uint32_t i, cnt = 0;

	for (i = 0; i < n; i++)
		cnt += M.ports[att[i]].kind != HK_WRAP;
	return cnt;
}

/* A message with endpoints nesting @h deep arrived at @q (the header). */
static void m_nest_raise(int q, uint32_t height)
{
	int c;

	for (c = q; c >= 0 && M.ports[c].nest < height; height++) {
		M.ports[c].nest = height;
		c = m_up(c);
	}
}

/*
 * The result of WRITE_MESSAGE, checked in the header's order: the struct,
 * the user's charges and buffers (before any handle), @handle, @handles
 * in array order, then EBUSY, EPIPE, the peer attached, ELOOP, ENOSPC.
 * @att gets the attached endpoints.
 */
static long m_write_predict(int node, const struct mojo_write_message_args *a,
			    bool bad_bytes, bool bad_handles, const uint32_t *hs,
			    int *att)
{
	struct m_handle *hd, *x;
	struct m_port *p, *q;
	uint32_t i, j, height = 0, levels;

	if (a->flags || a->reserved[0] || a->reserved[1])
		return -EINVAL;
	if (a->num_bytes > M.max_message_bytes)
		return -EMSGSIZE;
	if (a->num_handles > MOJO_MAX_MESSAGE_HANDLES)
		return -EINVAL;
	if (bad_bytes && a->num_bytes)
		return -EFAULT;
	if (bad_handles && a->num_handles)
		return -EFAULT;
	hd = m_hlookup(node, a->handle);
	if (!hd)
		return -EBADF;
	if (hd->kind != HK_MSG)
		return -EINVAL;
	p = &M.ports[hd->idx];
	for (i = 0; i < a->num_handles; i++) {
		x = m_hlookup(node, hs[i]);
		if (!x)
			return -EBADF;
		if (x->kind == HK_TRAP || hs[i] == a->handle)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (hs[j] == hs[i])
				return -EINVAL;
		att[i] = x->idx;
	}
	for (i = 0; i < a->num_handles; i++) {
		struct m_port *xp = &M.ports[att[i]];

		if (xp->kind == HK_PROD && M.dps[xp->dp].writing)
			return -EBUSY;
		if (xp->kind == HK_CONS && M.dps[xp->dp].reading)
			return -EBUSY;
	}
	if (p->peer_closed)
		return -EPIPE;
	for (i = 0; i < a->num_handles; i++)
		if (att[i] == p->peer)
			return -EINVAL;
	/* Nesting is about endpoints: wrapped fds hold no queue. */
	if (m_count_endpoints(att, a->num_handles)) {
		for (i = 0; i < a->num_handles; i++)
			if (M.ports[att[i]].nest > height)
				height = M.ports[att[i]].nest;
		if (m_in_chain(p->peer, att, a->num_handles, &levels) ||
		    levels + height > MOJO_MAX_NESTING)
			return -ELOOP;
	}
	q = &M.ports[p->peer];
	if (m_full(q))
		return -ENOSPC;
	return 0;
}

/* A successful write: the message is queued, its endpoints leave. */
static int m_write_apply(int node, const struct mojo_write_message_args *a,
			 uint64_t seed, const int *att)
{
	struct m_handle *hd = m_hlookup(node, a->handle);
	struct m_port *p = &M.ports[hd->idx];
	int qi = p->peer;
	struct m_port *q = &M.ports[qi];
	struct m_msg *m = calloc(1, sizeof(*m));
	uint32_t i, height = 0;

	if (!m)
		return m_fail("out of memory");
	m->seed = seed;
	m->len = a->num_bytes;
	m->nports = a->num_handles;
	for (i = 0; i < m->nports; i++) {
		m->ports[i] = att[i];
		if (M.ports[att[i]].nest > height)
			height = M.ports[att[i]].nest;
	}
	if (q->qt)
		q->qt->next = m;
	else
		q->qh = m;
	q->qt = m;
	q->qmsgs++;
	q->qbytes += m->len;
	p->written = true;
	for (i = 0; i < m->nports; i++) {
		m_port_leave(att[i]);
		M.ports[att[i]].loc = PL_MSG;
		M.ports[att[i]].container = qi;
	}
	if (m_count_endpoints(att, m->nports))
		m_nest_raise(qi, height + 1);
	return 0;
}

/* Attached handles: mostly distinct endpoints, sometimes spoiled. */
static uint32_t m_pick_attach(int node, uint32_t self, uint32_t *hs)
{
	struct m_node *n = &M.nodes[node];
	uint32_t cnt = 0, i, want;
	int k;

	if (CHANCE(55))
		return 0;
	want = CHANCE(3) ? R(MOJO_MAX_MESSAGE_HANDLES + 1) : 1 + R(4);
	for (k = 0; k < n->nh && cnt < want; k++) {
		struct m_handle *hd = &n->hs[(k + R(2)) % n->nh];

		if (hd->kind == HK_TRAP || hd->h == self || !CHANCE(40))
			continue;
		for (i = 0; i < cnt && hs[i] != hd->h; i++)
			;
		if (i == cnt)
			hs[cnt++] = hd->h;
	}
	if (cnt && CHANCE(10)) {	/* spoil one */
		switch (R(4)) {
		case 0:
			hs[R(cnt)] = self;
			break;
		case 1:
			hs[R(cnt)] = hs[R(cnt)];
			break;
		case 2:
			hs[R(cnt)] = m_bad_handle(node);
			break;
		default:
			k = m_hpick(node, 1 << HK_TRAP);
			if (k >= 0)
				hs[R(cnt)] = n->hs[k].h;
			break;
		}
	}
	return cnt;
}

int op_write_msg(void)
{
	struct mojo_write_message_args a, exp, *arg = &a;
	enum fz_via via = m_via();
	int node = m_any_node(), idx, att[MOJO_MAX_MESSAGE_HANDLES + 8];
	bool bad_bytes = false, bad_handles = false;
	uint64_t seed = fz_next(&M.rng);
	long e, ret;
	uint32_t i;

	memset(&a, 0, sizeof(a));
	m_choose(node, 1 << HK_MSG, &a.handle, &idx);
	a.num_bytes = m_msg_size();
	a.num_handles = m_pick_attach(node, a.handle, M.hbuf);
	if (a.num_bytes <= M.max_message_bytes)
		m_gen(seed, M.buf, a.num_bytes);
	a.bytes = (uintptr_t)M.buf;
	a.handles = (uintptr_t)M.hbuf;
	if (CHANCE(8)) {
		switch (R(5)) {
		case 0:
			a.flags = fz_size(&M.rng, 32) | 1;
			break;
		case 1:
			a.reserved[R(2)] = fz_size(&M.rng, 64) | 1;
			break;
		case 2:
			a.num_handles = MOJO_MAX_MESSAGE_HANDLES + 1 + R(4);
			break;
		case 3:
			a.bytes = (uintptr_t)M.bad;
			bad_bytes = true;
			break;
		default:
			a.handles = (uintptr_t)M.bad;
			bad_handles = true;
			break;
		}
	}
	/* Endpoints that leave take their triggers' events with them. */
	for (i = 0; i < a.num_handles && i < MOJO_MAX_MESSAGE_HANDLES && !bad_handles; i++) {
		struct m_handle *x = m_hlookup(node, M.hbuf[i]);

		if (x && x->kind != HK_TRAP && m_events_touch_port(node, x->idx)) {
			if (m_drain_events(node))
				return -1;
			break;
		}
	}
	e = m_write_predict(node, &a, bad_bytes, bad_handles, M.hbuf, att);
	/* A write reports nothing: its struct may be read-only. */
	if (CHANCE(5)) {
		memcpy(M.ro, &a, sizeof(a));
		arg = M.ro;
	}
	exp = a;
	m_trace("WRITE_MESSAGE node %d handle %u bytes %u handles %u via %s%s", node,
		a.handle, a.num_bytes, a.num_handles, fz_via_name[via],
		arg == M.ro ? " (read-only)" : "");
	if (arg == M.ro && mprotect(M.ro, M.page, PROT_READ))
		return m_fail("mprotect: %s", strerror(errno));
	ret = m_call(node, MOJO_IOC_WRITE_MESSAGE, arg, via);
	if (arg == M.ro) {
		mprotect(M.ro, M.page, PROT_READ | PROT_WRITE);
		memcpy(&a, M.ro, sizeof(a));
	}
	if (m_check_ret("WRITE_MESSAGE", ret, e) ||
	    m_check_struct("WRITE_MESSAGE", &a, &exp, sizeof(a)))
		return -1;
	if (!e)
		return m_write_apply(node, &a, seed, att);
	return 0;
}

/* The result of READ_MESSAGE now, checked in the header's order. */
long m_read_msg_predict(int node, struct mojo_read_message_args *a, int *port)
{
	struct m_handle *hd;
	struct m_port *p;
	struct m_msg *m;

	*port = -1;
	if ((a->flags & ~MOJO_READ_MESSAGE_SENDER_CREDS) || a->reserved[0])
		return -EINVAL;
	if (!(a->flags & MOJO_READ_MESSAGE_SENDER_CREDS) && a->creds)
		return -EINVAL;
	hd = m_hlookup(node, a->handle);
	if (!hd)
		return -EBADF;
	if (hd->kind != HK_MSG)
		return -EINVAL;
	*port = hd->idx;
	p = &M.ports[hd->idx];
	m = p->qh;
	if (!m)
		return p->peer_closed ? -EPIPE : -EAGAIN;
	if (m->len > a->num_bytes || m->nports > a->num_handles)
		return -EMSGSIZE;
	if (m->len && a->bytes == (uintptr_t)M.bad)
		return -EFAULT;
	if ((a->flags & MOJO_READ_MESSAGE_SENDER_CREDS) &&
	    (!a->creds || a->creds == (uintptr_t)M.bad))
		return -EFAULT;
	if (m->nports && a->handles == (uintptr_t)M.bad)
		return -EFAULT;
	return 0;
}

/*
 * Check a READ_MESSAGE that returned @ret (as predicted) against the
 * model, then apply it: the payload, the sizes written back, the writer
 * when asked for (in the spare tail of @hbuf: this process wrote every
 * message, with the ids it has), the new handles (fresh numbers of
 * @node, for the message's endpoints in order).
 */
int m_read_msg_apply(int node, int port, struct mojo_read_message_args *a,
		     const uint8_t *buf, const uint32_t *hbuf, long ret,
		     const struct mojo_read_message_args *in)
{
	struct mojo_read_message_args exp = *in;
	struct m_port *p;
	struct m_msg *m;
	uint32_t i, j;

	if (ret != 0 && ret != -EMSGSIZE)
		return m_check_struct("READ_MESSAGE", a, &exp, sizeof(exp));
	p = &M.ports[port];
	m = p->qh;
	exp.num_bytes = m->len;
	exp.num_handles = m->nports;
	if (m_check_struct("READ_MESSAGE", a, &exp, sizeof(exp)))
		return -1;
	if (ret)
		return 0;
	m_gen(m->seed, M.buf2, m->len);
	for (i = 0; i < m->len; i++)
		if (buf[i] != M.buf2[i])
			return m_fail("READ_MESSAGE: payload byte %u of %u is 0x%02x, model 0x%02x",
				      i, m->len, buf[i], M.buf2[i]);
	if (a->flags & MOJO_READ_MESSAGE_SENDER_CREDS) {
		const struct mojo_sender_creds *c = m_creds(hbuf);

		if (c->pid != (uint32_t)getpid() || c->uid != geteuid() ||
		    c->gid != getegid() || c->reserved)
			return m_fail("READ_MESSAGE: creds %u/%u/%u/%u, model %u/%u/%u/0",
				      c->pid, c->uid, c->gid, c->reserved,
				      (uint32_t)getpid(), geteuid(), getegid());
	}
	for (i = 0; i < m->nports; i++) {
		for (j = 0; j < i; j++)
			if (hbuf[j] == hbuf[i])
				return m_fail("READ_MESSAGE: handle %u twice", hbuf[i]);
		if (m_hlookup(node, hbuf[i]))
			return m_fail("READ_MESSAGE: new handle %u already held", hbuf[i]);
	}
	p->qh = m->next;
	if (!p->qh)
		p->qt = NULL;
	p->qmsgs--;
	p->qbytes -= m->len;
	/* Drained: nothing nests inside it any more. */
	if (!p->qh)
		p->nest = 0;
	for (i = 0; i < m->nports; i++) {
		if (m_fresh(node, hbuf[i]))
			return -1;
		m_port_to_node(m->ports[i], node, hbuf[i]);
	}
	m_trace("  read %u bytes %u handles", m->len, m->nports);
	free(m);
	return 0;
}

/* Set up a parked read's buffers: the struct must live until its CQE. */
struct m_pend *m_pend_setup(int node, int port, unsigned int cmd,
			    size_t argsize, size_t buflen)
{
	int i = m_pend_new();
	struct m_pend *pd;

	if (i < 0)
		return NULL;
	pd = &M.pend[i];
	pd->cmd = cmd;
	pd->node = node;
	pd->port = port;
	pd->opno = M.opno;
	pd->tag = ++M.tag;
	pd->arg = calloc(1, argsize);
	pd->buf = malloc(buflen ? buflen : 1);
	pd->hbuf = calloc(MOJO_MAX_MESSAGE_HANDLES + 8, sizeof(uint32_t));
	pd->buflen = buflen;
	if (!pd->arg || !pd->buf || !pd->hbuf)
		abort();
	return pd;
}

/* Can an io_uring read be parked now (bounded)? */
bool m_may_park(int node)
{
	int i, n = 0, all = 0;

	for (i = 0; i < M_PEND; i++) {
		all += M.pend[i].used;
		n += M.pend[i].used && M.pend[i].node == node;
	}
	return n < 6 && all < M_PEND - 4;
}

/*
 * Submit an asynchronous read the model expects to park (no result yet):
 * it must not complete now.
 */
int m_submit_parked(struct m_pend *pd, const void *arg, size_t size)
{
	long ret;

	memcpy(pd->arg, arg, size);
	memcpy(pd->in, arg, size);
	ret = fz_call(M.nodes[pd->node].fd, pd->cmd, pd->arg, FZ_URING_ASYNC,
		      pd->tag, 0);
	if (ret != FZ_PENDING) {
		m_fail("%s via uring-async completed at once with %ld; model expects it parked",
		       fz_op_name(pd->cmd), ret);
		pd->used = false;
		return -1;
	}
	m_trace("  parked (tag %llu)", (unsigned long long)pd->tag);
	return 0;
}

int op_read_msg(void)
{
	struct mojo_read_message_args a, in;
	enum fz_via via = m_via();
	int node = m_any_node(), idx, port;
	struct m_handle *hd;
	struct m_pend *pd = NULL;
	struct m_msg *m = NULL;
	uint8_t *buf = M.buf;
	uint32_t *hbuf = M.hbuf;
	bool behind;
	long e, ret;

	memset(&a, 0, sizeof(a));
	m_choose(node, 1 << HK_MSG, &a.handle, &idx);
	hd = m_hlookup(node, a.handle);
	if (hd && hd->kind == HK_MSG)
		m = M.ports[hd->idx].qh;
	/* Mostly room enough, sometimes too little, sometimes a boundary. */
	a.num_bytes = m ? m->len + (CHANCE(15) ? -(int)R(m->len + 1) : (int)R(16)) : R(128);
	if (m && CHANCE(10))
		a.num_bytes = fz_size(&M.rng, 32);
	a.num_handles = m ? m->nports + (CHANCE(10) ? -(int)R(m->nports + 1) : (int)R(3)) : R(4);
	if (CHANCE(3))
		a.num_handles = fz_size(&M.rng, 32);
	if (via == FZ_URING_ASYNC && m_may_park(node)) {
		/* Its own buffers, bounded: they must outlive the call. */
		if (a.num_bytes > 65536)
			a.num_bytes = 65536;
		hd = m_hlookup(node, a.handle);
		pd = m_pend_setup(node, hd && hd->kind != HK_TRAP ? hd->idx : -1,
				  MOJO_IOC_READ_MESSAGE, sizeof(a), a.num_bytes);
		buf = pd->buf;
		hbuf = pd->hbuf;
	} else if (via == FZ_URING_ASYNC) {
		via = FZ_URING_SYNC;
	}
	a.bytes = (uintptr_t)buf;
	a.handles = (uintptr_t)hbuf;
	if (CHANCE(30)) {
		a.flags = MOJO_READ_MESSAGE_SENDER_CREDS;
		a.creds = (uintptr_t)m_creds(hbuf);
		memset(m_creds(hbuf), 0xa5, sizeof(struct mojo_sender_creds));
	}
	if (CHANCE(8)) {
		switch (R(6)) {
		case 0:
			a.flags |= fz_size(&M.rng, 32) | 2;
			break;
		case 1:
			a.reserved[0] = fz_size(&M.rng, 64) | 1;
			break;
		case 2:
			a.bytes = (uintptr_t)M.bad;
			break;
		case 3:
			/* Without the flag a pointer is EINVAL, with it EFAULT. */
			a.creds = CHANCE(50) ? (uintptr_t)M.bad : 0;
			break;
		case 4:
			a.creds = (uintptr_t)m_creds(hbuf);
			break;
		default:
			a.handles = (uintptr_t)M.bad;
			break;
		}
	}
	in = a;
	e = m_read_msg_predict(node, &in, &port);
	m_trace("READ_MESSAGE node %d handle %u cap %u/%u via %s", node, a.handle,
		a.num_bytes, a.num_handles, fz_via_name[via]);
	if (pd) {
		/* Behind parked reads of the same endpoint, a read waits its turn. */
		behind = pd->port >= 0 && m_pend_count(pd->port) > 1;
		if (behind || e == -EAGAIN) {
			pd->port = pd->port >= 0 ? pd->port : port;
			return m_submit_parked(pd, &a, sizeof(a));
		}
		pd->used = false;
		ret = m_call(node, MOJO_IOC_READ_MESSAGE, &a, via);
		memcpy(M.buf, pd->buf, a.num_bytes < pd->buflen ? a.num_bytes : pd->buflen);
		memcpy(M.hbuf, pd->hbuf, sizeof(M.hbuf));
		free(pd->arg);
		free(pd->buf);
		free(pd->hbuf);
		if (a.bytes == (uintptr_t)pd->buf)
			a.bytes = (uintptr_t)M.buf;
		if (a.handles == (uintptr_t)pd->hbuf)
			a.handles = (uintptr_t)M.hbuf;
		if (in.bytes == (uintptr_t)pd->buf)
			in.bytes = (uintptr_t)M.buf;
		if (in.handles == (uintptr_t)pd->hbuf)
			in.handles = (uintptr_t)M.hbuf;
		if (a.creds == (uintptr_t)m_creds(pd->hbuf))
			a.creds = (uintptr_t)m_creds(M.hbuf);
		if (in.creds == (uintptr_t)m_creds(pd->hbuf))
			in.creds = (uintptr_t)m_creds(M.hbuf);
	} else {
		ret = m_call_ro(node, MOJO_IOC_READ_MESSAGE, &a, sizeof(a), via, &e,
				!e || e == -EMSGSIZE);
	}
	if (m_check_ret("READ_MESSAGE", ret, e))
		return -1;
	return m_read_msg_apply(node, port, &a, M.buf, M.hbuf, e, &in);
}

/*
 * FUSE of @b and @c: the next endpoint up @x's chain once it is done, b
 * and c being links to the ends their queues go to (when they carry
 * endpoints and that end is open).
 */
static int m_fuse_up(int x, int b, int c, int pa, int pd)
{
	if (x == b && pd >= 0 && M.ports[b].nest)
		return pd;
	if (x == c && pa >= 0 && M.ports[c].nest)
		return pa;
	return m_up(x);
}

/* Levels of @start's chain after the fuse, or -1: it meets @link. */
static int m_fuse_levels(int start, int link, int b, int c, int pa, int pd)
{
	int x, lv = 0;

	for (x = start; x >= 0; x = m_fuse_up(x, b, c, pa, pd))
		if (x == link || ++lv > MOJO_MAX_NESTING)
			return -1;
	return lv;
}

/* The header's ELOOP for FUSE: a cycle, or nesting past the limit. */
static long m_fuse_nesting(int b, int c)
{
	int pa = M.ports[b].peer, pd = M.ports[c].peer, lv;

	if (pd >= 0 && M.ports[b].nest) {
		lv = m_fuse_levels(pd, b, b, c, pa, pd);
		if (lv < 0 || lv + M.ports[b].nest > MOJO_MAX_NESTING)
			return -ELOOP;
	}
	if (pa >= 0 && M.ports[c].nest) {
		lv = m_fuse_levels(pa, c, b, c, pa, pd);
		if (lv < 0 || lv + M.ports[c].nest > MOJO_MAX_NESTING)
			return -ELOOP;
	}
	return 0;
}

/* Could @to take @via's queue under its quota, as writes (the header)? */
static bool m_fuse_fits(int to, int via)
{
	const struct m_port *t = &M.ports[to], *v = &M.ports[via];

	if (!v->qh)
		return true;
	return (uint64_t)t->qmsgs + v->qmsgs <= t->max_msgs &&
	       t->qbytes + v->qbytes - v->qt->len < t->max_bytes;
}

/*
 * @to (open) gets its new peer @np (-1: closed) and what @via holds,
 * which @np sent: queued after anything @to holds, whatever its quota.
 */
static void m_fuse_hand_over(int to, int via, int np)
{
	struct m_port *t = &M.ports[to], *v = &M.ports[via];

	if (v->qh) {
		if (t->qt)
			t->qt->next = v->qh;
		else
			t->qh = v->qh;
		t->qt = v->qt;
		t->qmsgs += v->qmsgs;
		t->qbytes += v->qbytes;
	}
	v->qh = v->qt = NULL;
	v->qmsgs = 0;
	v->qbytes = 0;
	t->peer = np;
	if (np < 0)
		t->peer_closed = true;
}

int op_fuse(void)
{
	struct mojo_fuse_args a, exp, *arg = &a;
	enum fz_via via = m_via();
	int node = m_any_node(), i0, i1, b, c, pa, pd;
	bool b_links, c_links;
	struct m_handle *h0, *h1;
	long e = 0, ret;
	bool spoiled = false;

	memset(&a, 0, sizeof(a));
	m_choose(node, 1 << HK_MSG, &a.handle0, &i0);
	m_choose(node, 1 << HK_MSG, &a.handle1, &i1);
	/* Often the two ends of one pipe, or fresh pipes. */
	if (i0 >= 0 && M.ports[i0].kind == HK_MSG && !M.ports[i0].peer_closed &&
	    M.ports[M.ports[i0].peer].loc == PL_NODE &&
	    M.ports[M.ports[i0].peer].node == node && CHANCE(10))
		a.handle1 = M.ports[M.ports[i0].peer].handle;
	if (CHANCE(3))
		a.handle1 = a.handle0;
	if (CHANCE(8)) {
		spoiled = true;
		if (R(2))
			a.flags = fz_size(&M.rng, 32) | 1;
		else
			a.reserved[R(5)] = fz_size(&M.rng, 32) | 1;
	}
	h0 = m_hlookup(node, a.handle0);
	h1 = m_hlookup(node, a.handle1);
	if (spoiled || a.handle0 == a.handle1)
		e = -EINVAL;
	else if (!h0 || !h1)
		e = -EBADF;
	else if (h0->kind != HK_MSG || h1->kind != HK_MSG)
		e = -EINVAL;
	else if (M.ports[h0->idx].peer == h1->idx)
		e = -EINVAL;
	else if (M.ports[h0->idx].written || M.ports[h1->idx].written)
		e = -EBUSY;
	else
		e = m_fuse_nesting(h0->idx, h1->idx);
	if (!e) {
		int pb = M.ports[h0->idx].peer, pc = M.ports[h1->idx].peer;

		/* b's queue goes to c's peer, c's to b's (when open). */
		if ((pc >= 0 && !m_fuse_fits(pc, h0->idx)) ||
		    (pb >= 0 && !m_fuse_fits(pb, h1->idx)))
			e = -ENOSPC;
	}
	if (!e && (m_events_touch_port(node, h0->idx) ||
		   m_events_touch_port(node, h1->idx)))
		if (m_drain_events(node))
			return -1;
	if (CHANCE(10)) {
		memcpy(M.ro, &a, sizeof(a));
		arg = M.ro;
	}
	exp = a;
	m_trace("FUSE node %d %u %u via %s", node, a.handle0, a.handle1,
		fz_via_name[via]);
	if (arg == M.ro && mprotect(M.ro, M.page, PROT_READ))
		return m_fail("mprotect: %s", strerror(errno));
	ret = m_call(node, MOJO_IOC_FUSE, arg, via);
	if (arg == M.ro) {
		mprotect(M.ro, M.page, PROT_READ | PROT_WRITE);
		memcpy(&a, M.ro, sizeof(a));
	}
	if (m_check_ret("FUSE", ret, e) ||
	    m_check_struct("FUSE", &a, &exp, sizeof(a)))
		return -1;
	if (e)
		return 0;
	b = h0->idx;
	c = h1->idx;
	pa = M.ports[b].peer;
	pd = M.ports[c].peer;
	/* Before b and c leave: what they held and where their links go. */
	b_links = pd >= 0 && M.ports[b].nest;
	c_links = pa >= 0 && M.ports[c].nest;
	m_port_leave(b);
	m_port_leave(c);
	if (pd >= 0)
		m_fuse_hand_over(pd, b, pa);
	if (pa >= 0)
		m_fuse_hand_over(pa, c, pd);
	/* What would have gone to a closed end closes. */
	m_queue_close(b);
	m_queue_close(c);
	M.ports[b].peer = -1;
	M.ports[c].peer = -1;
	if (b_links) {
		M.ports[b].loc = PL_FWD;
		M.ports[b].container = pd;
	} else {
		m_port_free(b);
	}
	if (c_links) {
		M.ports[c].loc = PL_FWD;
		M.ports[c].container = pa;
	} else {
		m_port_free(c);
	}
	if (b_links)
		m_nest_raise(pd, M.ports[b].nest + 1);
	if (c_links)
		m_nest_raise(pa, M.ports[c].nest + 1);
	return 0;
}

int op_set_quota(void)
{
	struct mojo_quota_args a, exp, *arg = &a;
	enum fz_via via = m_via();
	int node = m_any_node(), idx;
	long e, ret;

	memset(&a, 0, sizeof(a));
	e = m_choose(node, 1 << HK_MSG, &a.handle, &idx);
	a.max_msgs = CHANCE(70) ? 1 + R(6) : CHANCE(50) ? M.def_msgs : fz_size(&M.rng, 64);
	a.max_bytes = CHANCE(60) ? 1 + R(300) : CHANCE(50) ? M.def_bytes : fz_size(&M.rng, 64);
	if (CHANCE(6)) {
		if (R(2))
			a.flags = fz_size(&M.rng, 32) | 1;
		else
			a.reserved = fz_size(&M.rng, 64) | 1;
	}
	if (a.flags || a.reserved || !a.max_msgs || a.max_msgs > MOJO_QUOTA_MAX_MSGS ||
	    !a.max_bytes || a.max_bytes > MOJO_QUOTA_MAX_BYTES)
		e = -EINVAL;
	if (CHANCE(10)) {
		memcpy(M.ro, &a, sizeof(a));
		arg = M.ro;
	}
	exp = a;
	m_trace("SET_QUOTA node %d handle %u msgs %llu bytes %llu via %s", node,
		a.handle, (unsigned long long)a.max_msgs,
		(unsigned long long)a.max_bytes, fz_via_name[via]);
	if (arg == M.ro && mprotect(M.ro, M.page, PROT_READ))
		return m_fail("mprotect: %s", strerror(errno));
	ret = m_call(node, MOJO_IOC_SET_QUOTA, arg, via);
	if (arg == M.ro) {
		mprotect(M.ro, M.page, PROT_READ | PROT_WRITE);
		memcpy(&a, M.ro, sizeof(a));
	}
	if (m_check_ret("SET_QUOTA", ret, e) ||
	    m_check_struct("SET_QUOTA", &a, &exp, sizeof(a)))
		return -1;
	if (!e) {
		M.ports[idx].max_msgs = a.max_msgs;
		M.ports[idx].max_bytes = a.max_bytes;
	}
	return 0;
}

static int m_fd_slot(void)
{
	int i;

	for (i = 0; i < M_FDS; i++)
		if (!M.fds[i].used)
			return i;
	return -1;
}

int op_export(void)
{
	struct mojo_export_args a, exp;
	enum fz_via via = m_via();
	int node = m_any_node(), idx, slot = m_fd_slot();
	bool spoiled = false;
	long e, ret;

	if (slot < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	e = m_choose(node, (1 << HK_MSG) | (1 << HK_PROD) | (1 << HK_CONS),
		     &a.handle, &idx);
	if (CHANCE(30))
		a.fd = fz_next(&M.rng);		/* out: ignored */
	if (!e) {
		struct m_port *p = &M.ports[idx];

		if ((p->kind == HK_PROD && M.dps[p->dp].writing) ||
		    (p->kind == HK_CONS && M.dps[p->dp].reading))
			e = -EBUSY;
	}
	if (CHANCE(6)) {
		switch (R(3)) {
		case 0:
			a.flags = fz_size(&M.rng, 32) | 1;
			break;
		case 1:
			a.reserved0 = fz_size(&M.rng, 32) | 1;
			break;
		default:
			a.reserved[R(2)] = fz_size(&M.rng, 64) | 1;
			break;
		}
		e = -EINVAL;
		spoiled = true;
	}
	if (!e && m_events_touch_port(node, idx) && m_drain_events(node))
		return -1;
	exp = a;
	m_trace("EXPORT node %d handle %u via %s", node, a.handle, fz_via_name[via]);
	/*
	 * EXPORT reports the fd before it looks at the handle (the header's
	 * "Order"): with the struct read-only, every export with valid
	 * fields fails -EFAULT, whatever the handle.
	 */
	ret = m_call_ro(node, MOJO_IOC_EXPORT, &a, sizeof(a), via, &e, !spoiled);
	if (m_check_ret("EXPORT", ret, e))
		return -1;
	if (!e) {
		int fl = fcntl(a.fd, F_GETFD);

		if (fl < 0 || !(fl & FD_CLOEXEC))
			return m_fail("EXPORT: fd %d is not an open O_CLOEXEC fd", a.fd);
		exp.fd = a.fd;
		m_port_leave(idx);
		M.ports[idx].loc = PL_FD;
		M.ports[idx].fdslot = slot;
		M.fds[slot].used = true;
		M.fds[slot].fd = a.fd;
		M.fds[slot].port = idx;
		m_trace("  -> fd %d", a.fd);
	}
	return m_check_struct("EXPORT", &a, &exp, sizeof(a));
}

int op_import(void)
{
	struct mojo_export_args a, exp;
	enum fz_via via = m_via();
	int node = m_any_node(), slot = -1, i, k;
	long e = 0, ret;

	if (M.nodes[node].nh >= M_HANDLES - 1)
		return 0;
	memset(&a, 0, sizeof(a));
	for (i = 0, k = R(M_FDS); i < M_FDS; i++)
		if (M.fds[(i + k) % M_FDS].used)
			slot = (i + k) % M_FDS;
	if (slot >= 0 && !CHANCE(15)) {
		a.fd = M.fds[slot].fd;
		e = M.fds[slot].port < 0 ? -EALREADY : 0;
	} else if (R(2)) {
		a.fd = M.nodes[m_any_node()].fd;	/* not an exported handle */
		e = -EINVAL;
		slot = -1;
	} else {
		a.fd = R(2) ? -1 - (int)R(5) : 900 + (int)R(100);
		if (a.fd >= 0 && fcntl(a.fd, F_GETFD) >= 0)
			return 0;
		e = -EBADF;
		slot = -1;
	}
	if (CHANCE(30))
		a.handle = fz_next(&M.rng);	/* out: ignored */
	if (CHANCE(6)) {
		switch (R(3)) {
		case 0:
			a.flags = fz_size(&M.rng, 32) | 1;
			break;
		case 1:
			a.reserved0 = fz_size(&M.rng, 32) | 1;
			break;
		default:
			a.reserved[R(2)] = fz_size(&M.rng, 64) | 1;
			break;
		}
		e = -EINVAL;
	}
	exp = a;
	m_trace("IMPORT node %d fd %d via %s", node, a.fd, fz_via_name[via]);
	ret = m_call_ro(node, MOJO_IOC_IMPORT, &a, sizeof(a), via, &e, !e);
	if (m_check_ret("IMPORT", ret, e))
		return -1;
	if (!e) {
		exp.handle = a.handle;
		m_port_to_node(M.fds[slot].port, node, a.handle);
		M.fds[slot].port = -1;
		m_trace("  -> handle %u", a.handle);
	}
	return m_check_struct("IMPORT", &a, &exp, sizeof(a));
}

/* Close an exported fd: an endpoint never imported closes with it. */
int op_close_fd(void)
{
	int i, k = R(M_FDS), slot = -1;

	for (i = 0; i < M_FDS; i++)
		if (M.fds[(i + k) % M_FDS].used)
			slot = (i + k) % M_FDS;
	if (slot < 0)
		return 0;
	m_trace("close exported fd %d (endpoint %s)", M.fds[slot].fd,
		M.fds[slot].port >= 0 ? "inside" : "imported");
	if (close(M.fds[slot].fd))
		return m_fail("close exported fd: %s", strerror(errno));
	if (M.fds[slot].port >= 0)
		m_port_close(M.fds[slot].port);
	M.fds[slot].used = false;
	return 0;
}

/*
 * WRAP_FD: of a pipe end, a memfd or an eventfd made for the call (a new
 * handle), or of what the header refuses (a node fd, an exported fd, an
 * AF_UNIX socket: -EINVAL), or of no fd (-EBADF). The struct comes first
 * ("Order"), the report (-EFAULT on a read-only struct) last.
 */
int op_wrap_fd(void)
{
	struct mojo_wrap_fd_args a, exp;
	enum fz_via via = m_via();
	int node = m_any_node(), fds[2] = { -1, -1 }, pi, i;
	unsigned int r = R(100);
	bool spoiled = false;
	struct stat st;
	long e = 0, ret;

	if (M.nodes[node].nh + 1 > M_HANDLES)
		return 0;
	pi = m_port_alloc(HK_WRAP);
	if (pi < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	if (r < 40) {
		if (pipe2(fds, O_CLOEXEC))
			return m_fail("pipe2: %s", strerror(errno));
		a.fd = fds[R(2)];
	} else if (r < 52) {
		a.fd = fds[0] = memfd_create("model", MFD_CLOEXEC);
	} else if (r < 60) {
		a.fd = fds[0] = eventfd(0, EFD_CLOEXEC);
	} else if (r < 70) {
		a.fd = M.nodes[m_any_node()].fd;
		e = -EINVAL;
	} else if (r < 78) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds))
			return m_fail("socketpair: %s", strerror(errno));
		a.fd = fds[R(2)];
		e = -EINVAL;
	} else if (r < 84) {
		a.fd = -1;
		e = -EBADF;
		for (i = 0; i < M_FDS; i++) {
			if (M.fds[i].used) {
				a.fd = M.fds[i].fd;
				e = -EINVAL;
				break;
			}
		}
	} else if (r < 92) {
		a.fd = R(2) ? -1 - (int)R(8) : (1 << 20) + (int)R(1 << 20);
		e = -EBADF;
	} else {
		a.fd = fds[0] = memfd_create("model", MFD_CLOEXEC);
	}
	if (a.fd == -1 && !e)
		return m_fail("memfd_create/eventfd: %s", strerror(errno));
	if (CHANCE(30))
		a.handle = fz_next(&M.rng);	/* out: ignored */
	if (CHANCE(6)) {
		if (R(2))
			a.flags = fz_size(&M.rng, 32) | 1;
		else
			a.reserved[R(5)] = fz_size(&M.rng, 32) | 1;
		e = -EINVAL;
		spoiled = true;
	}
	exp = a;
	m_trace("WRAP_FD node %d fd %d via %s", node, a.fd, fz_via_name[via]);
	ret = m_call_ro(node, MOJO_IOC_WRAP_FD, &a, sizeof(a), via, &e,
			!e && !spoiled);
	if (m_check_ret("WRAP_FD", ret, e))
		goto out;
	if (!e) {
		if (fstat(a.fd, &st))
			return m_fail("fstat: %s", strerror(errno));
		M.ports[pi].ino = st.st_ino;
		M.ports[pi].dev = st.st_dev;
		exp.handle = a.handle;
		m_port_to_node(pi, node, a.handle);
		m_trace("  -> %u", a.handle);
	}
	m_check_struct("WRAP_FD", &a, &exp, sizeof(a));
out:
	/* The handle holds the file: ours may go. */
	for (i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return M.failed ? -1 : 0;
}

/*
 * UNWRAP_FD: the new fd is the result and is the same file; the struct
 * is never written, so a read-only one works; a failure leaves the
 * handle.
 */
int op_unwrap_fd(void)
{
	struct mojo_handle_args a, exp;
	enum fz_via via = m_via();
	int node = m_any_node(), idx, fl;
	unsigned int r = R(100);
	struct stat st;
	long e, ret;

	memset(&a, 0, sizeof(a));
	e = m_choose(node, 1 << HK_WRAP, &a.handle, &idx);
	a.flags = r < 55 ? 0 : MOJO_UNWRAP_FD_NO_CLOEXEC;
	if (CHANCE(6)) {
		if (R(2))
			a.flags |= fz_size(&M.rng, 31) << 1 | 2;
		else
			a.reserved[R(3)] = fz_size(&M.rng, 64) | 1;
		e = -EINVAL;
	}
	exp = a;
	m_trace("UNWRAP_FD node %d handle %u flags 0x%x via %s", node, a.handle,
		a.flags, fz_via_name[via]);
	ret = m_call_ro(node, MOJO_IOC_UNWRAP_FD, &a, sizeof(a), via, &e, false);
	if (e) {
		if (m_check_ret("UNWRAP_FD", ret, e))
			return -1;
		return m_check_struct("UNWRAP_FD", &a, &exp, sizeof(a));
	}
	/* Any fd is right (counted as 0 in the statistics); an error is not. */
	if (m_check_ret("UNWRAP_FD", ret < 0 ? ret : 0, 0) ||
	    m_check_struct("UNWRAP_FD", &a, &exp, sizeof(a)))
		return -1;
	fl = fcntl((int)ret, F_GETFD);
	if (fl < 0 || fstat((int)ret, &st))
		return m_fail("UNWRAP_FD: %ld is not an open fd", ret);
	if (!!(fl & FD_CLOEXEC) != !(exp.flags & MOJO_UNWRAP_FD_NO_CLOEXEC))
		return m_fail("UNWRAP_FD: fd %ld FD_CLOEXEC is %d, flags 0x%x",
			      ret, !!(fl & FD_CLOEXEC), exp.flags);
	if ((uint64_t)st.st_ino != M.ports[idx].ino ||
	    (uint64_t)st.st_dev != M.ports[idx].dev)
		return m_fail("UNWRAP_FD: fd %ld is another file", ret);
	close((int)ret);
	m_trace("  -> fd %ld", ret);
	m_port_leave(idx);
	m_port_close(idx);
	return 0;
}

/*
 * SET_SIGNAL_QUOTA or QUERY_QUOTA: the signal-only limits (they raise
 * QUOTA_EXCEEDED, m_signals()) and the usage they are compared with.
 */
int op_signal_quota(void)
{
	struct mojo_signal_quota_args a, exp;
	enum fz_via via = m_via();
	int node = m_any_node(), idx, i;
	bool query = R(3) == 0;
	unsigned int cmd = query ? MOJO_IOC_QUERY_QUOTA : MOJO_IOC_SET_SIGNAL_QUOTA;
	__u64 *lim[3] = { &a.queue_msgs, &a.queue_bytes, &a.unread_msgs };
	long e, ret;

	memset(&a, 0, sizeof(a));
	e = m_choose(node, 1 << HK_MSG, &a.handle, &idx);
	if (query) {
		if (CHANCE(30)) {	/* out fields are ignored on input */
			a.queue_msgs = fz_next(&M.rng);
			a.unread = fz_next(&M.rng);
		}
		if (CHANCE(5)) {
			a.flags = 1u << R(32);
			e = -EINVAL;
		}
	} else {
		a.flags = CHANCE(95) ? 1 + R(7) : (uint32_t)fz_size(&M.rng, 32);
		for (i = 0; i < 3; i++)
			if (a.flags & (1u << i))
				*lim[i] = CHANCE(10) ? MOJO_QUOTA_NONE :
					  CHANCE(85) ? R(4) : fz_next(&M.rng);
		if (CHANCE(4))
			a.queued_bytes = 1 + R(9);
		if (!a.flags || (a.flags & ~7u) || a.queued_bytes)
			e = -EINVAL;
	}
	if (CHANCE(3)) {
		a.reserved = 1 + R(9);
		e = -EINVAL;
	}
	exp = a;
	m_trace("%s node %d handle %u flags 0x%x via %s",
		query ? "QUERY_QUOTA" : "SET_SIGNAL_QUOTA", node, a.handle,
		a.flags, fz_via_name[via]);
	ret = m_call_ro(node, cmd, &a, sizeof(a), via, &e, query && !e);
	if (m_check_ret(query ? "QUERY_QUOTA" : "SET_SIGNAL_QUOTA", ret, e))
		return -1;
	if (e)
		return m_check_struct("signal quota", &a, &exp, sizeof(a));
	if (query) {
		struct m_port *p = &M.ports[idx];

		exp.queue_msgs = p->sig_msgs;
		exp.queue_bytes = p->sig_bytes;
		exp.unread_msgs = p->sig_unread;
		exp.queued_msgs = p->qmsgs;
		exp.queued_bytes = p->qbytes;
		exp.unread = m_unread(idx);
		return m_check_struct("QUERY_QUOTA", &a, &exp, sizeof(a));
	}
	if (m_check_struct("SET_SIGNAL_QUOTA", &a, &exp, sizeof(a)))
		return -1;
	if (a.flags & MOJO_SIGNAL_QUOTA_QUEUE_MSGS)
		M.ports[idx].sig_msgs = a.queue_msgs;
	if (a.flags & MOJO_SIGNAL_QUOTA_QUEUE_BYTES)
		M.ports[idx].sig_bytes = a.queue_bytes;
	if (a.flags & MOJO_SIGNAL_QUOTA_UNREAD_MSGS)
		M.ports[idx].sig_unread = a.unread_msgs;
	return 0;
}
