// SPDX-License-Identifier: GPL-2.0
/*
 * mojofuzz model mode: data pipes. The model keeps each ring's state
 * (read offset, readable bytes, NEW_DATA, thresholds, two-phase grants)
 * and a shadow of its bytes, so every read is compared byte for byte.
 * Two-phase writes commit what the ring already holds (the model does not
 * map the ring; chaos mode does). See model.c for the model's structure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "model.h"

#define M_DP_MAX_CAP	(1 << 20)	/* rings the model creates */

static struct m_dp *m_dp_of(int p)
{
	return &M.dps[M.ports[p].dp];
}

static uint64_t m_rthr(const struct m_dp *d)
{
	return d->rthr ? d->rthr : d->es;
}

static uint64_t m_wthr(const struct m_dp *d)
{
	return d->wthr ? d->wthr : d->es;
}

/*
 * Signals of a data pipe end, from the header. Producer: WRITABLE while
 * the consumer is open and write_threshold bytes are free; PEER_CLOSED
 * once the consumer closed. Consumer: READABLE with read_threshold bytes
 * readable, or any once the producer closed; NEW_DATA_READABLE while data
 * no read has seen is there; PEER_CLOSED once the producer closed, bytes
 * left or not. Satisfiable: PEER_CLOSED always; the rest while the
 * other end is open (nothing more can arrive, nor be freed, after);
 * and whatever is satisfied.
 */
uint64_t m_dp_signals(int p, uint64_t *able)
{
	struct m_port *pt = &M.ports[p];
	struct m_dp *d = m_dp_of(p);
	uint64_t sat = 0, a = MOJO_SIGNAL_PEER_CLOSED;

	{
		int peer = pt->kind == HK_PROD ? d->cons : d->prod;

		if (peer >= 0) {
			a |= MOJO_SIGNAL_PEER_REMOTE;
			if (m_peer_remote(p, peer))
				sat |= MOJO_SIGNAL_PEER_REMOTE;
		}
	}
	if (pt->kind == HK_PROD) {
		if (d->cons < 0) {
			sat |= MOJO_SIGNAL_PEER_CLOSED;
		} else {
			a |= MOJO_SIGNAL_WRITABLE;
			if (d->cap - d->avail >= m_wthr(d))
				sat |= MOJO_SIGNAL_WRITABLE;
		}
	} else {
		bool done = d->prod < 0;

		if (d->avail >= m_rthr(d) || (done && d->avail))
			sat |= MOJO_SIGNAL_READABLE;
		if (d->new_data && d->avail)
			sat |= MOJO_SIGNAL_NEW_DATA_READABLE;
		if (done)
			sat |= MOJO_SIGNAL_PEER_CLOSED;
		if (!done)
			a |= MOJO_SIGNAL_READABLE | MOJO_SIGNAL_NEW_DATA_READABLE;
	}
	*able = a | sat;
	return sat;
}

void m_dp_port_closed(int p)
{
	struct m_dp *d = m_dp_of(p);

	if (d->prod == p)
		d->prod = -1;
	if (d->cons == p)
		d->cons = -1;
	if (d->prod < 0 && d->cons < 0) {
		free(d->ring);
		d->ring = NULL;
		d->used = false;
	}
}

static void m_ring_put(struct m_dp *d, uint64_t off, const uint8_t *src, uint64_t n)
{
	uint64_t first = n < d->cap - off ? n : d->cap - off;

	memcpy(d->ring + off, src, first);
	memcpy(d->ring, src + first, n - first);
}

/* Compare @n bytes read at @off with the shadow ring. */
static int m_ring_check(const char *op, struct m_dp *d, uint64_t off,
			const uint8_t *got, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		uint8_t e = d->ring[(off + i) % d->cap];

		if (got[i] != e)
			return m_fail("%s: byte %llu of %llu is 0x%02x, model 0x%02x", op,
				      (unsigned long long)i, (unsigned long long)n,
				      got[i], e);
	}
	return 0;
}

/* A byte count for a ring: mostly elements that fit, sometimes not. */
static uint64_t m_dp_count(struct m_dp *d)
{
	switch (R(16)) {
	case 0:
		return fz_size(&M.rng, 64);
	case 1:
		return d->es * R(d->cap / d->es + 2) + 1 + R(d->es);
	case 2:
		return 0;
	case 3:
		return d->cap;
	default:
		return d->es * R(d->cap / d->es < 64 ? d->cap / d->es + 2 : 64);
	}
}

static int m_dp_slot(void)
{
	int i;

	for (i = 0; i < M_DPS; i++)
		if (!M.dps[i].used)
			return i;
	return -1;
}

int op_create_dp(void)
{
	static const uint32_t sizes[] = { 1, 1, 2, 3, 4, 8, 16, 7 };
	struct mojo_create_data_pipe_args a, exp;
	enum fz_via via = m_via();
	int node = m_any_node(), slot = m_dp_slot(), pp, pc;
	uint64_t cap;
	long e = 0, ret;
	struct m_dp *d;

	if (slot < 0 || M.nodes[node].nh + 2 > M_HANDLES)
		return 0;
	memset(&a, 0, sizeof(a));
	a.element_size = CHANCE(5) ? fz_size(&M.rng, 32) : sizes[R(8)];
	switch (R(12)) {
	case 0:
		a.capacity = 0;			/* the default */
		break;
	case 1:
		a.capacity = fz_size(&M.rng, 64);
		break;
	case 2:
		a.capacity = a.element_size * (uint64_t)R(4096) + (CHANCE(20) ? 1 : 0);
		break;
	default:
		a.capacity = a.element_size * (uint64_t)(1 + R(48));
		break;
	}
	if (CHANCE(30)) {
		a.producer = fz_next(&M.rng);	/* out: ignored */
		a.consumer = fz_next(&M.rng);
	}
	if (CHANCE(6)) {
		if (R(2))
			a.flags = fz_size(&M.rng, 32) | 1;
		else
			a.reserved[R(2)] = fz_size(&M.rng, 64) | 1;
	}
	cap = a.capacity;
	if (a.element_size && !cap)
		cap = (MOJO_DATA_PIPE_DEFAULT_CAPACITY + a.element_size - 1) /
		      a.element_size * a.element_size;
	if (a.flags || a.reserved[0] || a.reserved[1] || !a.element_size ||
	    a.element_size > 65536 || cap % a.element_size || cap > M.max_dp_cap)
		e = -EINVAL;
	/* Valid but big: not in the model's budget. */
	if (!e && cap > M_DP_MAX_CAP)
		return 0;
	exp = a;
	m_trace("CREATE_DATA_PIPE node %d es %u cap %llu via %s", node,
		a.element_size, (unsigned long long)a.capacity, fz_via_name[via]);
	ret = m_call_ro(node, MOJO_IOC_CREATE_DATA_PIPE, &a, sizeof(a), via, &e, !e);
	if (m_check_ret("CREATE_DATA_PIPE", ret, e))
		return -1;
	if (!e) {
		if (a.producer == a.consumer)
			return m_fail("CREATE_DATA_PIPE: both handles are %u", a.producer);
		exp.producer = a.producer;
		exp.consumer = a.consumer;
		d = &M.dps[slot];
		memset(d, 0, sizeof(*d));
		d->used = true;
		d->es = a.element_size;
		d->cap = cap;
		d->ring = calloc(1, cap);	/* a new ring is zeroed */
		pp = m_port_alloc(HK_PROD);
		if (pp >= 0)
			M.ports[pp].loc = PL_NODE;
		pc = m_port_alloc(HK_CONS);
		if (!d->ring || pp < 0 || pc < 0)
			return m_fail("model: out of memory or ports");
		d->prod = pp;
		d->cons = pc;
		M.ports[pp].dp = slot;
		M.ports[pc].dp = slot;
		m_port_to_node(pp, node, a.producer);
		m_port_to_node(pc, node, a.consumer);
		m_trace("  -> %u %u", a.producer, a.consumer);
	}
	return m_check_struct("CREATE_DATA_PIPE", &a, &exp, sizeof(a));
}

/* Spoil a data op's struct: it then fails with -EINVAL. */
static void m_data_spoil(struct mojo_data_args *a, uint32_t bad_flags)
{
	switch (R(3)) {
	case 0:
		a->flags |= bad_flags;
		break;
	case 1:
		a->offset = fz_size(&M.rng, 64) | 1;
		break;
	default:
		a->reserved[R(2)] = fz_size(&M.rng, 64) | 1;
		break;
	}
}

int op_write_data(void)
{
	struct mojo_data_args a, exp;
	enum fz_via via = m_via();
	int node = m_any_node(), idx;
	uint64_t n = 0, free_b, seed = fz_next(&M.rng);
	struct m_dp *d = NULL;
	bool bad = false;
	long e, ret;

	memset(&a, 0, sizeof(a));
	e = m_choose(node, 1 << HK_PROD, &a.handle, &idx);
	if (!e)
		d = m_dp_of(idx);
	a.num_bytes = d ? m_dp_count(d) : R(64);
	a.flags = CHANCE(30) ? MOJO_DATA_ALL_OR_NONE : 0;
	a.bytes = (uintptr_t)M.buf;
	if (CHANCE(3)) {
		a.bytes = (uintptr_t)M.bad;
		bad = true;
	}
	if (CHANCE(6))
		m_data_spoil(&a, 1U << (1 + R(31)));
	if (a.flags & ~MOJO_DATA_ALL_OR_NONE || a.offset || a.reserved[0] ||
	    a.reserved[1])
		e = -EINVAL;
	else if (!e && a.num_bytes % d->es)
		e = -EINVAL;
	else if (!e && d->writing)
		e = -EBUSY;
	else if (!e && d->cons < 0)
		e = -EPIPE;
	if (!e) {
		free_b = d->cap - d->avail;
		n = a.num_bytes < free_b ? a.num_bytes : free_b;
		if ((a.flags & MOJO_DATA_ALL_OR_NONE) && a.num_bytes > free_b)
			e = -ERANGE;
		else if (!n)
			e = a.num_bytes ? -EAGAIN : 0;
		else if (bad)
			e = -EFAULT;
		if (n && !bad)
			m_gen(seed, M.buf, n);
	}
	exp = a;
	m_trace("WRITE_DATA node %d handle %u bytes %llu flags 0x%x via %s", node,
		a.handle, (unsigned long long)a.num_bytes, a.flags, fz_via_name[via]);
	ret = m_call_ro(node, MOJO_IOC_WRITE_DATA, &a, sizeof(a), via, &e, !e);
	if (m_check_ret("WRITE_DATA", ret, e))
		return -1;
	if (!e) {
		exp.num_bytes = n;
		if (n) {
			m_ring_put(d, (d->roff + d->avail) % d->cap, M.buf, n);
			d->avail += n;
			d->new_data = true;
		}
	}
	return m_check_struct("WRITE_DATA", &a, &exp, sizeof(a));
}

/* The result of READ_DATA now, checked in the header's order. */
long m_read_data_predict(int node, struct mojo_data_args *a, int *port)
{
	const uint64_t known = MOJO_DATA_ALL_OR_NONE | MOJO_DATA_DISCARD |
			       MOJO_DATA_QUERY | MOJO_DATA_PEEK;
	struct m_handle *hd;
	struct m_dp *d;
	uint64_t n;
	bool done;

	*port = -1;
	if ((a->flags & ~known) || a->offset || a->reserved[0] || a->reserved[1])
		return -EINVAL;
	if ((a->flags & MOJO_DATA_DISCARD) && (a->flags & MOJO_DATA_PEEK))
		return -EINVAL;
	hd = m_hlookup(node, a->handle);
	if (!hd)
		return -EBADF;
	if (hd->kind != HK_CONS)
		return -EINVAL;
	*port = hd->idx;
	d = m_dp_of(hd->idx);
	done = d->prod < 0;
	if (!(a->flags & MOJO_DATA_QUERY) && a->num_bytes % d->es)
		return -EINVAL;
	if (d->reading)
		return -EBUSY;
	if (a->flags & MOJO_DATA_QUERY)
		return 0;
	if ((a->flags & MOJO_DATA_ALL_OR_NONE) && a->num_bytes > d->avail)
		return !d->avail && done ? -EPIPE : -ERANGE;
	n = a->num_bytes < d->avail ? a->num_bytes : d->avail;
	if (!n)
		return a->num_bytes ? (done ? -EPIPE : -EAGAIN) : 0;
	if (!(a->flags & MOJO_DATA_DISCARD) && a->bytes == (uintptr_t)M.bad)
		return -EFAULT;
	return 0;
}

/* Check a READ_DATA that returned @ret (as predicted), then apply it. */
int m_read_data_apply(int node, int port, struct mojo_data_args *a,
		      const uint8_t *buf, long ret,
		      const struct mojo_data_args *in)
{
	struct mojo_data_args exp = *in;
	struct m_dp *d;
	uint64_t n;

	(void)node;
	if (ret)
		return m_check_struct("READ_DATA", a, &exp, sizeof(exp));
	d = m_dp_of(port);
	if (in->flags & MOJO_DATA_QUERY) {
		exp.num_bytes = d->avail;
		return m_check_struct("READ_DATA", a, &exp, sizeof(exp));
	}
	n = in->num_bytes < d->avail ? in->num_bytes : d->avail;
	exp.num_bytes = n;
	if (m_check_struct("READ_DATA", a, &exp, sizeof(exp)))
		return -1;
	if (!n)
		return 0;
	if (!(in->flags & MOJO_DATA_DISCARD) &&
	    m_ring_check("READ_DATA", d, d->roff, buf, n))
		return -1;
	if (!(in->flags & MOJO_DATA_PEEK)) {
		d->roff = (d->roff + n) % d->cap;
		d->avail -= n;
	}
	d->new_data = false;
	m_trace("  read %llu bytes", (unsigned long long)n);
	return 0;
}

int op_read_data(void)
{
	struct mojo_data_args a, in;
	enum fz_via via = m_via();
	int node = m_any_node(), idx, port;
	struct m_pend *pd = NULL;
	struct m_handle *hd;
	struct m_dp *d = NULL;
	uint8_t *buf = M.buf;
	long e, ret;

	memset(&a, 0, sizeof(a));
	e = m_choose(node, 1 << HK_CONS, &a.handle, &idx);
	if (!e)
		d = m_dp_of(idx);
	a.num_bytes = d ? m_dp_count(d) : R(64);
	if (CHANCE(40))
		a.flags = R(16) & ~(CHANCE(80) ? MOJO_DATA_PEEK : 0);
	if (CHANCE(6))
		m_data_spoil(&a, 1U << (4 + R(28)));
	if (via == FZ_URING_ASYNC && m_may_park(node)) {
		size_t len = a.num_bytes;

		if (d && len > d->cap)
			len = d->cap;
		if (len > M_DP_MAX_CAP)
			len = M_DP_MAX_CAP;
		hd = m_hlookup(node, a.handle);
		pd = m_pend_setup(node, hd && hd->kind != HK_TRAP ? hd->idx : -1,
				  MOJO_IOC_READ_DATA, sizeof(a), len);
		buf = pd->buf;
	} else if (via == FZ_URING_ASYNC) {
		via = FZ_URING_SYNC;
	}
	a.bytes = (uintptr_t)buf;
	if (CHANCE(3))
		a.bytes = (uintptr_t)M.bad;
	in = a;
	e = m_read_data_predict(node, &in, &port);
	m_trace("READ_DATA node %d handle %u bytes %llu flags 0x%x via %s", node,
		a.handle, (unsigned long long)a.num_bytes, a.flags, fz_via_name[via]);
	if (pd) {
		bool behind = pd->port >= 0 && m_pend_count(pd->port) > 1;

		if (behind || e == -EAGAIN) {
			if (pd->port < 0)
				pd->port = port;
			return m_submit_parked(pd, &a, sizeof(a));
		}
		pd->used = false;
		ret = m_call(node, MOJO_IOC_READ_DATA, &a, via);
		if (m_check_ret("READ_DATA", ret, e))
			return -1;
		ret = m_read_data_apply(node, port, &a, pd->buf, e, &in);
		free(pd->arg);
		free(pd->buf);
		free(pd->hbuf);
		return ret;
	}
	ret = m_call_ro(node, MOJO_IOC_READ_DATA, &a, sizeof(a), via, &e, !e);
	if (m_check_ret("READ_DATA", ret, e))
		return -1;
	return m_read_data_apply(node, port, &a, M.buf, e, &in);
}

/* BEGIN_WRITE_DATA and BEGIN_READ_DATA. */
static int op_begin(bool producer)
{
	unsigned int cmd = producer ? MOJO_IOC_BEGIN_WRITE_DATA : MOJO_IOC_BEGIN_READ_DATA;
	const char *name = producer ? "BEGIN_WRITE_DATA" : "BEGIN_READ_DATA";
	struct mojo_data_args a, exp;
	enum fz_via via = m_via();
	int node = m_any_node(), idx;
	uint64_t off = 0, size = 0;
	struct m_dp *d = NULL;
	long e, ret;

	memset(&a, 0, sizeof(a));
	e = m_choose(node, 1 << (producer ? HK_PROD : HK_CONS), &a.handle, &idx);
	if (!e)
		d = m_dp_of(idx);
	if (CHANCE(30)) {		/* out fields are ignored on input */
		a.num_bytes = fz_next(&M.rng);
		a.offset = fz_next(&M.rng);
	}
	if (CHANCE(8)) {
		switch (R(3)) {
		case 0:
			a.flags = 1 + R(15);
			break;
		case 1:
			a.bytes = (uintptr_t)M.buf;
			break;
		default:
			a.reserved[R(2)] = fz_size(&M.rng, 64) | 1;
			break;
		}
		e = -EINVAL;
	}
	if (!e && producer) {
		off = (d->roff + d->avail) % d->cap;
		size = d->cap - d->avail;
		if (size > d->cap - off)
			size = d->cap - off;
		if (d->writing)
			e = -EBUSY;
		else if (d->cons < 0)
			e = -EPIPE;
		else if (!size)
			e = -EAGAIN;
	} else if (!e) {
		off = d->roff;
		size = d->avail < d->cap - off ? d->avail : d->cap - off;
		if (d->reading)
			e = -EBUSY;
		else if (!size)
			e = d->prod < 0 ? -EPIPE : -EAGAIN;
	}
	exp = a;
	m_trace("%s node %d handle %u via %s", name, node, a.handle, fz_via_name[via]);
	ret = m_call_ro(node, cmd, &a, sizeof(a), via, &e, !e);
	if (m_check_ret(name, ret, e))
		return -1;
	if (!e) {
		exp.offset = off;
		exp.num_bytes = size;
		if (producer) {
			d->writing = true;
			d->wgrant = size;
			d->woff = off;
		} else {
			d->reading = true;
			d->rgrant = size;
			d->new_data = false;
		}
		m_trace("  -> offset %llu size %llu", (unsigned long long)off,
			(unsigned long long)size);
	}
	return m_check_struct(name, &a, &exp, sizeof(a));
}

int op_begin_write(void)
{
	return op_begin(true);
}

int op_begin_read(void)
{
	return op_begin(false);
}

/*
 * Write @n known bytes into an open two-phase write's grant through the
 * producer's mapping (DATA_PIPE_INFO, mmap, unmap), and keep them in
 * M.buf2 for the commit: what a two-phase write commits is what the
 * producer put there.
 */
static int m_fill_grant(int node, uint32_t h, struct m_dp *d, uint64_t n)
{
	struct mojo_data_pipe_info_args info = { .handle = h };
	uint8_t *map;

	if (m_call(node, MOJO_IOC_DATA_PIPE_INFO, &info, FZ_IOCTL))
		return m_fail("DATA_PIPE_INFO for the mapping failed");
	map = mmap(NULL, info.map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   M.nodes[node].fd, info.map_offset);
	if (map == MAP_FAILED)
		return m_fail("mmap of a producer held by its node: %s",
			      strerror(errno));
	m_gen(fz_next(&M.rng), M.buf2, n);
	memcpy(map + d->woff, M.buf2, n);
	munmap(map, info.map_size);
	return 0;
}

/* END_WRITE_DATA and END_READ_DATA: they never write their struct. */
static int op_end(bool producer)
{
	unsigned int cmd = producer ? MOJO_IOC_END_WRITE_DATA : MOJO_IOC_END_READ_DATA;
	const char *name = producer ? "END_WRITE_DATA" : "END_READ_DATA";
	struct mojo_data_args a, exp, *arg = &a;
	enum fz_via via = m_via();
	int node = m_any_node(), idx;
	struct m_dp *d = NULL;
	uint64_t grant = 0;
	bool open = false;
	long e, ret;

	memset(&a, 0, sizeof(a));
	e = m_choose(node, 1 << (producer ? HK_PROD : HK_CONS), &a.handle, &idx);
	if (!e) {
		d = m_dp_of(idx);
		open = producer ? d->writing : d->reading;
		grant = producer ? d->wgrant : d->rgrant;
	}
	if (d) {
		a.num_bytes = d->es * R(grant / d->es + 1);
		if (CHANCE(20))
			a.num_bytes = grant;
		if (CHANCE(8))
			a.num_bytes = R(2) ? grant + d->es : a.num_bytes + 1;
	} else {
		a.num_bytes = R(16);
	}
	if (CHANCE(6)) {
		switch (R(4)) {
		case 0:
			a.flags = 1 + R(15);
			break;
		case 1:
			a.bytes = (uintptr_t)M.buf;
			break;
		case 2:
			a.offset = 1 + R(4096);
			break;
		default:
			a.reserved[R(2)] = fz_size(&M.rng, 64) | 1;
			break;
		}
		e = -EINVAL;
	}
	if (!e && !open)
		e = -ENOENT;
	else if (!e && (a.num_bytes > grant || a.num_bytes % d->es))
		e = -EINVAL;	/* ends the operation, commits nothing */
	if (!e && producer && a.num_bytes && m_fill_grant(node, a.handle, d, a.num_bytes))
		return -1;
	if (CHANCE(10)) {
		memcpy(M.ro, &a, sizeof(a));
		arg = M.ro;
	}
	exp = a;
	m_trace("%s node %d handle %u bytes %llu via %s%s", name, node, a.handle,
		(unsigned long long)a.num_bytes, fz_via_name[via],
		arg == M.ro ? " (read-only)" : "");
	if (arg == M.ro && mprotect(M.ro, M.page, PROT_READ))
		return m_fail("mprotect failed");
	ret = m_call(node, cmd, arg, via);
	if (arg == M.ro) {
		mprotect(M.ro, M.page, PROT_READ | PROT_WRITE);
		memcpy(&a, M.ro, sizeof(a));
	}
	if (m_check_ret(name, ret, e) || m_check_struct(name, &a, &exp, sizeof(a)))
		return -1;
	if (e && e != -EINVAL)
		return 0;
	if (e == -EINVAL && !open)
		return 0;
	if (e == -EINVAL && (a.flags || a.bytes || a.offset || a.reserved[0] ||
			     a.reserved[1]))
		return 0;
	if (producer) {
		d->writing = false;
		if (!e && a.num_bytes) {
			/* What the mapping held is what was committed. */
			m_ring_put(d, d->woff, M.buf2, a.num_bytes);
			d->avail += a.num_bytes;
			d->new_data = true;
		}
	} else {
		d->reading = false;
		if (!e) {
			d->roff = (d->roff + a.num_bytes) % d->cap;
			d->avail -= a.num_bytes;
		}
	}
	return 0;
}

int op_end_write(void)
{
	return op_end(true);
}

int op_end_read(void)
{
	return op_end(false);
}

int op_dp_info(void)
{
	struct mojo_data_pipe_info_args a, exp;
	enum fz_via via = m_via();
	int node = m_any_node(), idx, i;
	long e, ret;

	memset(&a, 0, sizeof(a));
	e = m_choose(node, (1 << HK_PROD) | (1 << HK_CONS), &a.handle, &idx);
	if (CHANCE(30)) {		/* out fields are ignored on input */
		a.element_size = fz_next(&M.rng);
		a.producer = fz_next(&M.rng);
		a.capacity = fz_next(&M.rng);
		a.map_offset = fz_next(&M.rng);
		a.map_size = fz_next(&M.rng);
		a.read_threshold = fz_next(&M.rng);
		a.write_threshold = fz_next(&M.rng);
	}
	if (CHANCE(6)) {
		if (R(2))
			a.flags = fz_size(&M.rng, 32) | 1;
		else
			a.reserved = fz_size(&M.rng, 64) | 1;
		e = -EINVAL;
	}
	exp = a;
	m_trace("DATA_PIPE_INFO node %d handle %u via %s", node, a.handle,
		fz_via_name[via]);
	ret = m_call(node, MOJO_IOC_DATA_PIPE_INFO, &a, via);
	if (m_check_ret("DATA_PIPE_INFO", ret, e))
		return -1;
	if (!e) {
		struct m_port *p = &M.ports[idx];
		struct m_dp *d = m_dp_of(idx);
		bool prod = p->kind == HK_PROD;

		exp.element_size = d->es;
		exp.producer = prod;
		exp.capacity = d->cap;
		exp.map_size = (d->cap + M.page - 1) / M.page * M.page;
		/* Both thresholds, as last set, whichever end (the header). */
		exp.read_threshold = d->rthr;
		exp.write_threshold = d->wthr;
		if (p->map_known && a.map_offset != p->map_offset)
			return m_fail("DATA_PIPE_INFO: map_offset of handle %u changed 0x%llx -> 0x%llx",
				      a.handle, (unsigned long long)p->map_offset,
				      (unsigned long long)a.map_offset);
		for (i = 0; i < M_PORTS && !p->map_known; i++)
			if (i != idx && M.ports[i].loc != PL_FREE &&
			    M.ports[i].map_known &&
			    M.ports[i].map_offset == a.map_offset)
				return m_fail("DATA_PIPE_INFO: map_offset 0x%llx names two endpoints",
					      (unsigned long long)a.map_offset);
		p->map_offset = a.map_offset;
		p->map_known = true;
		exp.map_offset = a.map_offset;
	}
	return m_check_struct("DATA_PIPE_INFO", &a, &exp, sizeof(a));
}

int op_set_threshold(void)
{
	struct mojo_data_pipe_info_args a, exp, *arg = &a;
	enum fz_via via = m_via();
	int node = m_any_node(), idx;
	struct m_dp *d = NULL;
	bool prod = false;
	uint64_t thr;
	long e, ret;

	memset(&a, 0, sizeof(a));
	e = m_choose(node, (1 << HK_PROD) | (1 << HK_CONS), &a.handle, &idx);
	if (!e) {
		d = m_dp_of(idx);
		prod = M.ports[idx].kind == HK_PROD;
	}
	thr = d ? (CHANCE(85) ? d->es * R(d->cap / d->es + 1) : fz_size(&M.rng, 64)) : R(8);
	if (d && CHANCE(10))
		thr = 0;
	if (prod)
		a.write_threshold = thr;
	else
		a.read_threshold = thr;
	if (CHANCE(8)) {
		switch (R(5)) {
		case 0:
			a.flags = fz_size(&M.rng, 32) | 1;
			break;
		case 1:
			a.reserved = fz_size(&M.rng, 64) | 1;
			break;
		case 2:
			a.element_size = 1 + R(8);
			break;
		case 3:
			a.map_size = 4096;
			break;
		default:	/* the other end's threshold */
			if (prod)
				a.read_threshold = 1 + R(8);
			else
				a.write_threshold = 1 + R(8);
			break;
		}
	}
	if (a.flags || a.reserved || a.element_size || a.producer || a.capacity ||
	    a.map_offset || a.map_size)
		e = -EINVAL;
	else if (!e && ((prod ? a.read_threshold : a.write_threshold) ||
			thr % d->es || thr > d->cap))
		e = -EINVAL;
	if (CHANCE(10)) {
		memcpy(M.ro, &a, sizeof(a));
		arg = M.ro;
	}
	exp = a;
	m_trace("DATA_PIPE_SET_THRESHOLD node %d handle %u thr %llu via %s%s", node,
		a.handle, (unsigned long long)thr, fz_via_name[via],
		arg == M.ro ? " (read-only)" : "");
	if (arg == M.ro && mprotect(M.ro, M.page, PROT_READ))
		return m_fail("mprotect failed");
	ret = m_call(node, MOJO_IOC_DATA_PIPE_SET_THRESHOLD, arg, via);
	if (arg == M.ro) {
		mprotect(M.ro, M.page, PROT_READ | PROT_WRITE);
		memcpy(&a, M.ro, sizeof(a));
	}
	if (m_check_ret("DATA_PIPE_SET_THRESHOLD", ret, e) ||
	    m_check_struct("DATA_PIPE_SET_THRESHOLD", &a, &exp, sizeof(a)))
		return -1;
	if (!e) {
		if (prod)
			d->wthr = thr;
		else
			d->rthr = thr;
	}
	return 0;
}
