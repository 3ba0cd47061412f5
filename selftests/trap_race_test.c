// SPDX-License-Identifier: GPL-2.0
/*
 * Races on the triggers of one trap: the port they all watch leaves its
 * node (closed, or sent away inside a message) on one thread while another
 * thread closes the trap, removes the triggers one by one, or arms the
 * trap. Each trap has NTRIG triggers so that the kernel's walk over them
 * lasts long enough to overlap the other thread's on both vCPUs.
 *
 * What must hold: every call returns what the uapi promises, every
 * trigger ends with exactly one -ECANCELED event, ARM never reports a
 * trigger whose port has left, and the kernel logs nothing (the VM runner
 * fails the run on any refcount, list, KASAN or lockdep report).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "kselftest_harness.h"
#include "mojo_test.h"

#define R MOJO_SIGNAL_READABLE
#define W MOJO_SIGNAL_WRITABLE

#define NTRIG		2000	/* triggers per trap, all on one port */
#define MIN_ITERS	4	/* iterations every test runs */
#define MAX_ITERS	200
#define BUDGET_NS	(4 * 1000000000ULL)	/* then stop after MIN_ITERS */
#define RACE_TIMEOUT	300	/* seconds: the debug kernel is slow */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Burn a little time so that either side may win the start. */
static void jitter(unsigned int n)
{
	volatile unsigned int i;

	for (i = 0; i < n * 5000; i++)
		;
}

enum leave { LEAVE_BY_CLOSE, LEAVE_BY_SEND };
enum other { OTHER_CLOSE_TRAP, OTHER_REMOVE_TRIGGERS, OTHER_ARM };

struct race {
	int node;
	uint32_t h0, h1;	/* pipe; the triggers watch h1 */
	uint32_t c0, c1;	/* carrier pipe for LEAVE_BY_SEND */
	uint32_t trap;
	enum leave leave;
	enum other other;
	unsigned int iter;
	pthread_barrier_t go;
	int leave_done;		/* set once h1 has left the node */
	/* Results of the two sides. */
	int leave_ret;
	int other_ret;		/* first unexpected return value, or 0 */
	unsigned int enoent;	/* REMOVE: triggers the port's walk took */
	unsigned int arms;	/* ARM: calls made */
	uint64_t already_ctx;	/* ARM: what an -EALREADY reported */
	int64_t already_res;
};

/* Thread A: h1 leaves the node. */
static void *leave_side(void *p)
{
	struct race *r = p;

	pthread_barrier_wait(&r->go);
	jitter(r->iter % 4);
	if (r->leave == LEAVE_BY_CLOSE)
		r->leave_ret = mojo_close(r->node, r->h1);
	else
		r->leave_ret = mojo_write_message(r->node, r->c0, NULL, 0,
						  &r->h1, 1);
	__atomic_store_n(&r->leave_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Thread B: the trap operation that races with the port's walk. */
static void *other_side(void *p)
{
	struct race *r = p;
	struct mojo_trap_event ev;
	unsigned int i;
	int ret, done;

	pthread_barrier_wait(&r->go);
	jitter((r->iter / 4) % 4);
	switch (r->other) {
	case OTHER_CLOSE_TRAP:
		r->other_ret = mojo_close(r->node, r->trap);
		break;
	case OTHER_REMOVE_TRIGGERS:
		/* From the end: the walk meets these last. */
		for (i = NTRIG; i-- > 0;) {
			ret = mojo_remove_trigger(r->node, r->trap, i);
			if (ret == -ENOENT)
				r->enoent++;
			else if (ret && !r->other_ret)
				r->other_ret = ret;
		}
		break;
	case OTHER_ARM:
		/*
		 * Every trigger watches h1 for "not writable", which it is
		 * while it stays here: ARM may arm (0) or find the triggers
		 * gone (-ENOENT), never report one met (-EALREADY). Once
		 * h1 has left, the triggers have left the trap too.
		 */
		for (;;) {
			done = __atomic_load_n(&r->leave_done, __ATOMIC_ACQUIRE);
			ret = mojo_arm_trap(r->node, r->trap, &ev);
			r->arms++;
			if (ret == -ENOENT)
				break;
			if (ret == -EALREADY) {
				r->already_ctx = ev.context;
				r->already_res = ev.result;
			}
			if (ret && !r->other_ret)
				r->other_ret = ret;
			if (ret || done) {
				if (!r->other_ret)
					r->other_ret = -EBUSY;	/* still armed */
				break;
			}
		}
		break;
	}
	return NULL;
}

/* Read every queued event; each trigger must report -ECANCELED once. */
static void drain_cancellations(struct __test_metadata *_metadata, int node)
{
	static struct mojo_trap_event ev[MOJO_MAX_READ_EVENTS];
	static unsigned char seen[NTRIG];
	unsigned int total = 0;
	int n, i;

	memset(seen, 0, sizeof(seen));
	while ((n = mojo_read_trap_events(node, ev, MOJO_MAX_READ_EVENTS)) > 0) {
		for (i = 0; i < n; i++) {
			ASSERT_EQ(-ECANCELED, ev[i].result)
				TH_LOG("context %llu",
				       (unsigned long long)ev[i].context);
			ASSERT_LT(ev[i].context, NTRIG);
			ASSERT_EQ(0, seen[ev[i].context])
				TH_LOG("context %llu reported twice",
				       (unsigned long long)ev[i].context);
			seen[ev[i].context] = 1;
			total++;
		}
	}
	ASSERT_EQ(-EAGAIN, n);
	ASSERT_EQ(NTRIG, total);
}

static void race_once(struct __test_metadata *_metadata, struct race *r)
{
	uint64_t signals = r->other == OTHER_ARM ? W : R;
	uint32_t cond = r->other == OTHER_ARM ? MOJO_TRIGGER_NOT_SATISFIED :
						 MOJO_TRIGGER_SATISFIED;
	struct mojo_trap_event ev;
	pthread_t a, b;
	unsigned int i;

	ASSERT_EQ(0, mojo_create_message_pipe(r->node, &r->h0, &r->h1));
	if (r->leave == LEAVE_BY_SEND)
		ASSERT_EQ(0, mojo_create_message_pipe(r->node, &r->c0, &r->c1));
	ASSERT_EQ(0, mojo_create_trap(r->node, &r->trap));
	for (i = 0; i < NTRIG; i++)
		ASSERT_EQ(0, mojo_add_trigger(r->node, r->trap, r->h1, signals,
					      cond, i));
	r->leave_done = 0;
	r->leave_ret = 0;
	r->other_ret = 0;
	r->enoent = 0;
	r->arms = 0;
	ASSERT_EQ(0, pthread_barrier_init(&r->go, NULL, 2));
	ASSERT_EQ(0, pthread_create(&a, NULL, leave_side, r));
	ASSERT_EQ(0, pthread_create(&b, NULL, other_side, r));
	ASSERT_EQ(0, pthread_join(a, NULL));
	ASSERT_EQ(0, pthread_join(b, NULL));
	pthread_barrier_destroy(&r->go);

	ASSERT_EQ(0, r->leave_ret);
	ASSERT_EQ(0, r->other_ret)
		TH_LOG("iteration %u: ARM reported context %llu result %lld",
		       r->iter, (unsigned long long)r->already_ctx,
		       (long long)r->already_res);
	drain_cancellations(_metadata, r->node);
	if (_metadata->passed == 0)
		return;
	switch (r->other) {
	case OTHER_CLOSE_TRAP:
		EXPECT_EQ(-EBADF, mojo_arm_trap(r->node, r->trap, NULL));
		break;
	case OTHER_REMOVE_TRIGGERS:
	case OTHER_ARM:
		EXPECT_EQ(-ENOENT, mojo_arm_trap(r->node, r->trap, NULL));
		EXPECT_EQ(0, mojo_close(r->node, r->trap));
		break;
	}
	EXPECT_EQ(0, mojo_close(r->node, r->h0));
	if (r->leave == LEAVE_BY_SEND) {
		/* Closing the carrier closes h1 inside its message. */
		EXPECT_EQ(0, mojo_close(r->node, r->c0));
		EXPECT_EQ(0, mojo_close(r->node, r->c1));
	}
	/* Nothing more: the triggers are gone. */
	EXPECT_EQ(-EAGAIN, mojo_read_trap_events(r->node, &ev, 1));
}

static void race(struct __test_metadata *_metadata, enum leave leave,
		 enum other other)
{
	struct race r = { .leave = leave, .other = other };
	uint64_t start = now_ns();
	unsigned int enoent = 0, arms = 0;

	r.node = mojo_open_node();
	ASSERT_GE(r.node, 0);
	for (r.iter = 0; r.iter < MAX_ITERS; r.iter++) {
		if (r.iter >= MIN_ITERS && now_ns() - start > BUDGET_NS)
			break;
		race_once(_metadata, &r);
		if (!_metadata->passed)
			break;
		enoent += r.enoent;
		arms += r.arms;
	}
	TH_LOG("%u iterations of %u triggers in %llu ms", r.iter, NTRIG,
	       (unsigned long long)(now_ns() - start) / 1000000);
	if (other == OTHER_REMOVE_TRIGGERS)
		TH_LOG("%u removals found the trigger already gone", enoent);
	if (other == OTHER_ARM)
		TH_LOG("%u arms", arms);
	close(r.node);
}

FIXTURE(race) {};
FIXTURE_SETUP(race) {}
FIXTURE_TEARDOWN(race) {}

TEST_F_TIMEOUT(race, close_port_races_close_trap, RACE_TIMEOUT)
{
	race(_metadata, LEAVE_BY_CLOSE, OTHER_CLOSE_TRAP);
}

TEST_F_TIMEOUT(race, close_port_races_remove_trigger, RACE_TIMEOUT)
{
	race(_metadata, LEAVE_BY_CLOSE, OTHER_REMOVE_TRIGGERS);
}

TEST_F_TIMEOUT(race, send_port_races_close_trap, RACE_TIMEOUT)
{
	race(_metadata, LEAVE_BY_SEND, OTHER_CLOSE_TRAP);
}

TEST_F_TIMEOUT(race, send_port_races_remove_trigger, RACE_TIMEOUT)
{
	race(_metadata, LEAVE_BY_SEND, OTHER_REMOVE_TRIGGERS);
}

TEST_F_TIMEOUT(race, arm_never_reports_a_trigger_whose_port_left, RACE_TIMEOUT)
{
	race(_metadata, LEAVE_BY_CLOSE, OTHER_ARM);
}

TEST_HARNESS_MAIN
