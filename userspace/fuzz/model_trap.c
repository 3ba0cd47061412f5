// SPDX-License-Identifier: GPL-2.0
/*
 * mojofuzz model mode: traps, triggers, firing and trap events. See
 * model.c for the model's structure.
 *
 * Firing is checked after every operation (m_trap_eval() from
 * m_settle()): an armed trap with a trigger met fires. That covers a met
 * trigger added to an armed trap, which the header says fires at once.
 *
 * Kept out of reach rather than modelled: a trigger whose event is still
 * queued when it fires again, or is cancelled. The header says the newer
 * event replaces the older in its place in the queue; the model does not
 * track places, so it reads a node's events before arming a trap with
 * events queued, and before any operation that would cancel a trigger
 * with an event queued.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "model.h"

static bool m_trig_met(const struct m_trig *t, uint64_t sat, uint64_t able,
		       int *result)
{
	if (t->cond == MOJO_TRIGGER_SATISFIED) {
		if (sat & t->signals) {
			*result = 0;
			return true;
		}
		if (!(able & t->signals)) {
			*result = -EPIPE;
			return true;
		}
		return false;
	}
	if (!(sat & t->signals)) {
		*result = 0;
		return true;
	}
	return false;
}

static struct m_event *m_event_new(int node, int trap)
{
	struct m_node *n = &M.nodes[node];
	struct m_event *ev;

	if (n->nev == M_EVENTS) {
		m_fail("model: node %d event queue full", node);
		return NULL;
	}
	ev = &n->ev[n->nev++];
	memset(ev, 0, sizeof(*ev));
	ev->group = M.opno;
	ev->trap = trap;
	return ev;
}

static void m_event_add_cand(struct m_event *ev, uint64_t ctx, uint64_t sat,
			     uint64_t able, int result, int port)
{
	struct mojo_trap_event *c = &ev->cand[ev->ncand];

	c->context = ctx;
	c->satisfied = sat;
	c->satisfiable = able;
	c->result = result;
	c->reserved = 0;
	ev->port[ev->ncand++] = port;
}

/* Armed traps with a trigger met fire (one event, which trigger open). */
void m_trap_eval(void)
{
	int t, i, result;

	for (t = 0; t < M_TRAPS; t++) {
		struct m_trap *tr = &M.traps[t];
		struct m_event *ev = NULL;

		if (!tr->used || !tr->armed)
			continue;
		for (i = 0; i < tr->ntrig; i++) {
			struct m_trig *tg = &tr->trig[i];
			uint64_t sat, able;

			sat = m_signals(tg->port, &able);
			if (!m_trig_met(tg, sat, able, &result))
				continue;
			if (!ev)
				ev = m_event_new(tr->node, t);
			if (!ev)
				return;
			m_event_add_cand(ev, tg->ctx, sat, able, result, tg->port);
		}
		if (ev) {
			tr->armed = false;
			m_trace("  trap %u fires (%d candidates)", tr->handle, ev->ncand);
		}
	}
}

static void m_trig_del(struct m_trap *tr, int i)
{
	tr->trig[i] = tr->trig[--tr->ntrig];
}

/*
 * An endpoint leaves its node: its triggers queue their last event, which
 * reports no signals (the header).
 */
void m_trap_cancel_port(int p)
{
	int t, i;

	for (t = 0; t < M_TRAPS; t++) {
		struct m_trap *tr = &M.traps[t];

		for (i = 0; tr->used && i < tr->ntrig; i++) {
			struct m_trig *tg = &tr->trig[i];
			struct m_event *ev;

			if (tg->port != p)
				continue;
			ev = m_event_new(tr->node, t);
			if (!ev)
				return;
			m_event_add_cand(ev, tg->ctx, 0, 0, -ECANCELED, p);
			m_trig_del(tr, i--);
		}
	}
}

/* A trap closes: every trigger queues its last event, with no signals. */
void m_trap_close(int t)
{
	struct m_trap *tr = &M.traps[t];
	struct m_event *ev;

	while (tr->ntrig) {
		struct m_trig *tg = &tr->trig[tr->ntrig - 1];

		ev = m_event_new(tr->node, t);
		if (!ev)
			return;
		m_event_add_cand(ev, tg->ctx, 0, 0, -ECANCELED, tg->port);
		tr->ntrig--;
	}
	tr->used = false;
}

bool m_events_touch_port(int node, int p)
{
	struct m_node *n = &M.nodes[node];
	int i, c;

	for (i = 0; i < n->nev; i++)
		for (c = 0; c < n->ev[i].ncand; c++)
			if (n->ev[i].port[c] == p)
				return true;
	return false;
}

bool m_events_touch_trap(int node, int t)
{
	struct m_node *n = &M.nodes[node];
	int i;

	for (i = 0; i < n->nev; i++)
		if (n->ev[i].trap == t)
			return true;
	return false;
}

void m_node_flush_events(int node)
{
	M.nodes[node].nev = 0;
}

static bool m_ev_match(const struct m_event *ev, const struct mojo_trap_event *e)
{
	int c;

	if (e->reserved)
		return false;
	for (c = 0; c < ev->ncand; c++) {
		const struct mojo_trap_event *k = &ev->cand[c];

		if (k->context == e->context && k->result == e->result &&
		    k->satisfied == e->satisfied &&
		    k->satisfiable == e->satisfiable)
			return true;
	}
	return false;
}

/*
 * Match events read from the kernel against the model's queue: oldest
 * group first, any order within a group.
 */
static int m_events_consume(int node, const struct mojo_trap_event *evs, uint32_t n)
{
	struct m_node *nd = &M.nodes[node];
	uint32_t k;
	int i;

	for (k = 0; k < n; k++) {
		const struct mojo_trap_event *e = &evs[k];

		for (i = 0; i < nd->nev && nd->ev[i].group == nd->ev[0].group; i++)
			if (m_ev_match(&nd->ev[i], e))
				break;
		if (i == nd->nev || nd->ev[i].group != nd->ev[0].group) {
			const struct mojo_trap_event *c = &nd->ev[0].cand[0];

			return m_fail("READ_TRAP_EVENTS: event %u {ctx %llu sat 0x%llx able 0x%llx result %d} not expected; model's oldest {ctx %llu sat 0x%llx able 0x%llx result %d} (%d queued)",
				      k, (unsigned long long)e->context,
				      (unsigned long long)e->satisfied,
				      (unsigned long long)e->satisfiable, e->result,
				      (unsigned long long)c->context,
				      (unsigned long long)c->satisfied,
				      (unsigned long long)c->satisfiable, c->result,
				      nd->nev);
		}
		memmove(&nd->ev[i], &nd->ev[i + 1], (nd->nev - i - 1) * sizeof(nd->ev[0]));
		nd->nev--;
	}
	return 0;
}

/* One READ_TRAP_EVENTS; @cap events, maybe spoiled. */
static int m_read_events(int node, uint32_t cap, enum fz_via via, int spoil)
{
	struct mojo_trap_event *evs = M.evbuf;
	struct mojo_read_events_args a, exp;
	long e = 0, ret;
	uint32_t n;

	memset(&a, 0, sizeof(a));
	a.events = (uintptr_t)evs;
	a.num_events = cap;
	switch (spoil) {
	case 1:
		a.flags = fz_size(&M.rng, 32) | 1;
		break;
	case 2:
		a.reserved[R(2)] = fz_size(&M.rng, 64) | 1;
		break;
	case 3:
		a.events = (uintptr_t)M.bad;
		break;
	}
	memset(evs, 0xa5, MOJO_MAX_READ_EVENTS * sizeof(*evs));
	n = (uint32_t)M.nodes[node].nev < cap ? (uint32_t)M.nodes[node].nev : cap;
	if (a.flags || a.reserved[0] || a.reserved[1] || !cap ||
	    cap > MOJO_MAX_READ_EVENTS)
		e = -EINVAL;
	else if (!n)
		e = -EAGAIN;
	else if (spoil == 3)
		e = -EFAULT;
	exp = a;
	m_trace("READ_TRAP_EVENTS node %d cap %u via %s (model: %d queued)", node,
		cap, fz_via_name[via], M.nodes[node].nev);
	ret = m_call_ro(node, MOJO_IOC_READ_TRAP_EVENTS, &a, sizeof(a), via, &e, !e);
	if (m_check_ret("READ_TRAP_EVENTS", ret, e))
		return -1;
	if (!e)
		exp.num_events = n;
	if (m_check_struct("READ_TRAP_EVENTS", &a, &exp, sizeof(a)))
		return -1;
	if (e)
		return 0;
	return m_events_consume(node, evs, n);
}

/* Read every queued event of a node (before what would lose one). */
int m_drain_events(int node)
{
	while (M.nodes[node].nev && !M.failed)
		if (m_read_events(node, 1 + R(MOJO_MAX_READ_EVENTS), m_via(), 0))
			return -1;
	return M.failed ? -1 : 0;
}

int op_read_events(void)
{
	int node = m_any_node();
	uint32_t cap = CHANCE(5) ? fz_size(&M.rng, 32) : 1 + R(MOJO_MAX_READ_EVENTS);

	return m_read_events(node, cap, m_via(), CHANCE(8) ? 1 + R(3) : 0);
}

static int m_trap_slot(void)
{
	int i;

	for (i = 0; i < M_TRAPS; i++)
		if (!M.traps[i].used)
			return i;
	return -1;
}

/* Spoil one field an operation does not use (it must be zero). */
static void m_trap_spoil(struct mojo_trap_args *a, bool ctx_unused,
			 bool sat_unused)
{
	switch (R(6)) {
	case 0:
		a->handle = 1 + R(1000);
		break;
	case 1:
		a->signals = 1 + R(MOJO_SIGNALS_ALL);
		break;
	case 2:
		a->condition = 1 + R(3);
		break;
	case 3:
		a->flags = fz_size(&M.rng, 32) | 1;
		break;
	case 4:
		if (ctx_unused) {
			a->context = fz_next(&M.rng) | 1;
			break;
		}
		/* fall through */
	default:
		if (sat_unused && R(2))
			a->satisfied = fz_next(&M.rng) | 1;
		else
			a->reserved0 = fz_size(&M.rng, 32) | 1;
		break;
	}
}

int op_create_trap(void)
{
	struct mojo_trap_args a, exp;
	enum fz_via via = m_via();
	int node = m_any_node(), t = m_trap_slot();
	long e = 0, ret;

	if (t < 0 || M.nodes[node].nh >= M_HANDLES)
		return 0;
	memset(&a, 0, sizeof(a));
	if (CHANCE(30))
		a.trap = fz_next(&M.rng);	/* out: ignored */
	if (CHANCE(10)) {
		m_trap_spoil(&a, true, true);
		e = -EINVAL;
	}
	exp = a;
	m_trace("CREATE_TRAP node %d via %s", node, fz_via_name[via]);
	ret = m_call_ro(node, MOJO_IOC_CREATE_TRAP, &a, sizeof(a), via, &e, !e);
	if (m_check_ret("CREATE_TRAP", ret, e))
		return -1;
	if (!e) {
		exp.trap = a.trap;
		if (m_hadd(node, a.trap, HK_TRAP, t))
			return -1;
		memset(&M.traps[t], 0, sizeof(M.traps[t]));
		M.traps[t].used = true;
		M.traps[t].node = node;
		M.traps[t].handle = a.trap;
		m_trace("  -> %u", a.trap);
	}
	return m_check_struct("CREATE_TRAP", &a, &exp, sizeof(a));
}

static struct m_trig *m_trig_find(struct m_trap *tr, uint64_t ctx)
{
	int i;

	for (i = 0; i < tr->ntrig; i++)
		if (tr->trig[i].ctx == ctx)
			return &tr->trig[i];
	return NULL;
}

int op_add_trigger(void)
{
	struct mojo_trap_args a, exp, *arg = &a;
	enum fz_via via = m_via();
	int node = m_any_node(), ti, pi;
	long e, e2, ret;
	struct m_trap *tr = NULL;
	bool spoiled = false;

	memset(&a, 0, sizeof(a));
	e = m_choose(node, 1 << HK_TRAP, &a.trap, &ti);
	e2 = m_choose(node, (1 << HK_MSG) | (1 << HK_PROD) | (1 << HK_CONS),
		      &a.handle, &pi);
	a.signals = 1 + R(MOJO_SIGNALS_ALL);
	a.condition = R(2);
	a.context = R(6);
	if (CHANCE(10)) {
		spoiled = true;
		switch (R(4)) {
		case 0:
			a.signals = R(2) ? 0 : a.signals | (1ULL << (6 + R(58)));
			break;
		case 1:
			a.condition = 2 + R(100);
			break;
		case 2:
			a.flags = fz_size(&M.rng, 32) | 1;
			break;
		default:
			if (R(2))
				a.satisfiable = fz_next(&M.rng) | 1;
			else
				a.result = R(2) ? -1 : 1;
			break;
		}
	}
	if (!e)
		tr = &M.traps[ti];
	if (spoiled)
		e = -EINVAL;
	else if (!e)
		e = e2;
	if (!e && m_trig_find(tr, a.context))
		e = -EEXIST;
	/*
	 * Model bounds. A met trigger added to an armed trap fires it at
	 * once (the header): m_settle() queues that event after the call.
	 */
	if (!e && tr->ntrig == M_TRIGS)
		return 0;
	if (CHANCE(10)) {
		memcpy(M.ro, &a, sizeof(a));
		arg = M.ro;
	}
	exp = a;
	m_trace("ADD_TRIGGER node %d trap %u handle %u signals 0x%llx cond %u ctx %llu via %s",
		node, a.trap, a.handle, (unsigned long long)a.signals, a.condition,
		(unsigned long long)a.context, fz_via_name[via]);
	if (arg == M.ro && mprotect(M.ro, M.page, PROT_READ))
		return m_fail("mprotect failed");
	ret = m_call(node, MOJO_IOC_ADD_TRIGGER, arg, via);
	if (arg == M.ro) {
		mprotect(M.ro, M.page, PROT_READ | PROT_WRITE);
		memcpy(&a, M.ro, sizeof(a));
	}
	if (m_check_ret("ADD_TRIGGER", ret, e) ||
	    m_check_struct("ADD_TRIGGER", &a, &exp, sizeof(a)))
		return -1;
	if (!e) {
		struct m_trig *t = &tr->trig[tr->ntrig++];

		t->ctx = a.context;
		t->port = pi;
		t->signals = a.signals;
		t->cond = a.condition;
	}
	return 0;
}

int op_remove_trigger(void)
{
	struct mojo_trap_args a, exp;
	enum fz_via via = m_via();
	int node = m_any_node(), ti;
	struct m_trap *tr = NULL;
	struct m_trig *tg = NULL;
	long e, ret;

	memset(&a, 0, sizeof(a));
	e = m_choose(node, 1 << HK_TRAP, &a.trap, &ti);
	if (!e) {
		tr = &M.traps[ti];
		a.context = tr->ntrig && CHANCE(80) ? tr->trig[R(tr->ntrig)].ctx : R(8);
		tg = m_trig_find(tr, a.context);
		if (!tg)
			e = -ENOENT;
	}
	if (CHANCE(8)) {
		m_trap_spoil(&a, false, true);
		e = -EINVAL;
	}
	if (!e && m_events_touch_trap(node, ti) && m_drain_events(node))
		return -1;
	exp = a;
	m_trace("REMOVE_TRIGGER node %d trap %u ctx %llu via %s", node, a.trap,
		(unsigned long long)a.context, fz_via_name[via]);
	ret = m_call(node, MOJO_IOC_REMOVE_TRIGGER, &a, via);
	if (m_check_ret("REMOVE_TRIGGER", ret, e) ||
	    m_check_struct("REMOVE_TRIGGER", &a, &exp, sizeof(a)))
		return -1;
	if (!e) {
		struct m_event *ev = m_event_new(node, ti);

		if (!ev)
			return -1;
		m_event_add_cand(ev, tg->ctx, 0, 0, -ECANCELED, tg->port);
		m_trig_del(tr, tg - tr->trig);
	}
	return 0;
}

int op_arm_trap(void)
{
	struct mojo_trap_args a, exp;
	enum fz_via via = m_via();
	int node = m_any_node(), ti, i, result, nmet = 0;
	struct m_trap *tr = NULL;
	long e, ret;

	memset(&a, 0, sizeof(a));
	e = m_choose(node, 1 << HK_TRAP, &a.trap, &ti);
	if (CHANCE(30)) {		/* out fields are ignored on input */
		a.context = fz_next(&M.rng);
		a.satisfied = fz_next(&M.rng);
		a.satisfiable = fz_next(&M.rng);
		a.result = fz_next(&M.rng);
	}
	if (CHANCE(8)) {
		m_trap_spoil(&a, false, false);
		e = -EINVAL;
	}
	if (!e) {
		tr = &M.traps[ti];
		/* A trap's events are read before it fires again. */
		if (m_events_touch_trap(node, ti) && m_drain_events(node))
			return -1;
		if (!tr->ntrig)
			e = -ENOENT;
		for (i = 0; i < tr->ntrig; i++) {
			uint64_t sat, able;

			sat = m_signals(tr->trig[i].port, &able);
			nmet += m_trig_met(&tr->trig[i], sat, able, &result);
		}
		if (!e && nmet)
			e = -EALREADY;
	}
	exp = a;
	m_trace("ARM_TRAP node %d trap %u via %s (model: %d met)", node, a.trap,
		fz_via_name[via], nmet);
	ret = m_call_ro(node, MOJO_IOC_ARM_TRAP, &a, sizeof(a), via, &e, e == -EALREADY);
	if (m_check_ret("ARM_TRAP", ret, e))
		return -1;
	if (e == -EALREADY) {
		/* Any met trigger may be the one reported. */
		struct m_trig *tg = m_trig_find(tr, a.context);
		uint64_t sat = 0, able = 0;

		if (tg)
			sat = m_signals(tg->port, &able);
		if (!tg || !m_trig_met(tg, sat, able, &result) || a.satisfied != sat ||
		    a.satisfiable != able || a.result != result)
			return m_fail("ARM_TRAP -EALREADY reports ctx %llu sat 0x%llx able 0x%llx result %d: not a met trigger as the model has it",
				      (unsigned long long)a.context,
				      (unsigned long long)a.satisfied,
				      (unsigned long long)a.satisfiable, a.result);
		exp.context = a.context;
		exp.satisfied = sat;
		exp.satisfiable = able;
		exp.result = result;
	}
	if (m_check_struct("ARM_TRAP", &a, &exp, sizeof(a)))
		return -1;
	if (!e)
		tr->armed = true;
	return 0;
}
