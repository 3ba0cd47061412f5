// SPDX-License-Identifier: GPL-2.0
/*
 * Transfers against everything that may run at the same time: a two-phase
 * operation beginning while its endpoint is sent, a send that fails while
 * others watch the handles it carried, and readers stalled in a page fault
 * (userfaultfd) while their port is sent to another node and closed there.
 */
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

#include "kselftest_harness.h"
#include "mojo_test.h"

static int end_write(int node, uint32_t h, uint64_t n)
{
	return mojo_end_write_data(node, h, n);
}

/*
 * BEGIN racing a send of the same producer: the producer must arrive in
 * the other node either before the BEGIN (which then fails) or after the
 * matching END, never in the middle of an operation the other node did
 * not begin.
 */
struct begin_race {
	int node;
	uint32_t p;
	atomic_int stop;
	atomic_int begun;
};

static void *beginner(void *arg)
{
	struct begin_race *r = arg;
	uint64_t off, n;

	while (!atomic_load(&r->stop)) {
		if (mojo_begin_write_data(r->node, r->p, &off, &n))
			continue;
		atomic_fetch_add(&r->begun, 1);
		end_write(r->node, r->p, 0);
	}
	return NULL;
}

TEST(begin_racing_send_never_moves_an_open_operation)
{
	const int rounds = 1500;
	int other = mojo_open_node(), round, stale = 0, sent = 0;
	struct begin_race r = { 0 };
	time_t end = time(NULL) + 20;
	uint32_t c, q0, q1, got;
	pthread_t t;

	r.node = mojo_open_node();
	ASSERT_GE(r.node, 0);
	ASSERT_GE(other, 0);
	for (round = 0; round < rounds && time(NULL) < end; round++) {
		uint32_t n = 0, nh = 1;
		int ret;

		ASSERT_EQ(0, mojo_create_data_pipe(r.node, 1, 4096, &r.p, &c));
		ASSERT_EQ(0, mojo_create_message_pipe(r.node, &q0, &q1));
		ASSERT_EQ(0, mojo_test_move(r.node, q1, other, &q1));
		atomic_store(&r.stop, 0);
		ASSERT_EQ(0, pthread_create(&t, NULL, beginner, &r));
		/* Send while the other thread begins and ends. */
		while ((ret = mojo_write_message(r.node, q0, NULL, 0, &r.p, 1)) == -EBUSY)
			;
		atomic_store(&r.stop, 1);
		pthread_join(t, NULL);
		ASSERT_EQ(0, ret);
		sent++;
		ASSERT_EQ(0, mojo_read_message(other, q1, NULL, &n, &got, &nh));
		/* Nothing was begun here: nothing to end, and BEGIN works. */
		if (end_write(other, got, 0) != -ENOENT)
			stale++;
		ASSERT_EQ(0, mojo_close(other, got));
		ASSERT_EQ(0, mojo_close(other, q1));
		ASSERT_EQ(0, mojo_close(r.node, q0));
		ASSERT_EQ(0, mojo_close(r.node, c));
	}
	TH_LOG("%d sends, %d operations begun, %d arrived open", sent,
	       atomic_load(&r.begun), stale);
	EXPECT_EQ(0, stale);
	EXPECT_LT(100, sent);
	close(r.node);
	close(other);
}

/*
 * A send that fails changes nothing, not even for a moment: a reader of a
 * handle it tried to carry never sees it gone (-EBADF), and a trap
 * watching that handle is never cancelled.
 */
struct observer {
	int node;
	uint32_t x, xpeer;
	atomic_int stop;
	int ebadf, reads;
};

static void *observe(void *arg)
{
	struct observer *o = arg;
	char buf[8];

	while (!atomic_load(&o->stop)) {
		uint32_t n = sizeof(buf);
		int ret;

		if (mojo_write_message(o->node, o->xpeer, "m", 1, NULL, 0))
			continue;
		ret = mojo_read_message(o->node, o->x, buf, &n, NULL, NULL);
		if (ret == -EBADF)
			o->ebadf++;
		else if (ret == 0)
			o->reads++;
	}
	return NULL;
}

TEST(failed_send_is_invisible_to_observers)
{
	struct observer o = { 0 };
	struct mojo_trap_event ev;
	uint32_t q0, q1, trap;
	time_t end = time(NULL) + 10;
	int tries = 0;
	pthread_t t;

	o.node = mojo_open_node();
	ASSERT_GE(o.node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(o.node, &o.x, &o.xpeer));
	/* The pipe the send goes through has a closed peer: -EPIPE. */
	ASSERT_EQ(0, mojo_create_message_pipe(o.node, &q0, &q1));
	ASSERT_EQ(0, mojo_close(o.node, q1));
	ASSERT_EQ(0, mojo_create_trap(o.node, &trap));
	ASSERT_EQ(0, mojo_add_trigger(o.node, trap, o.x, MOJO_SIGNAL_PEER_CLOSED,
				      MOJO_TRIGGER_SATISFIED, 7));
	ASSERT_EQ(0, mojo_arm_trap(o.node, trap, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, observe, &o));
	while (time(NULL) < end && tries < 200000) {
		ASSERT_EQ(-EPIPE, mojo_write_message(o.node, q0, NULL, 0, &o.x, 1));
		tries++;
	}
	atomic_store(&o.stop, 1);
	pthread_join(t, NULL);
	TH_LOG("%d failed sends, %d reads beside them, %d saw -EBADF",
	       tries, o.reads, o.ebadf);
	EXPECT_EQ(0, o.ebadf);
	EXPECT_LT(100, o.reads);
	/* The trigger was never cancelled: no event, and it still fires. */
	EXPECT_EQ(-EAGAIN, mojo_read_trap_events(o.node, &ev, 1));
	ASSERT_EQ(0, mojo_close(o.node, o.xpeer));
	ASSERT_EQ(1, mojo_read_trap_events(o.node, &ev, 1));
	EXPECT_EQ(7, ev.context);
	EXPECT_EQ(0, ev.result);
	close(o.node);
}

/* ---- readers stalled in a page fault ---------------------------------- */

/* A page whose first touch blocks until stall_release(). */
struct stall {
	int uffd;
	void *page;
	long size;
};

static int stall_setup(struct stall *s)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };

	s->size = sysconf(_SC_PAGESIZE);
	s->uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (s->uffd < 0)
		return -errno;
	if (ioctl(s->uffd, UFFDIO_API, &api))
		return -errno;
	s->page = mmap(NULL, s->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->page == MAP_FAILED)
		return -errno;
	reg.range.start = (uintptr_t)s->page;
	reg.range.len = s->size;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(s->uffd, UFFDIO_REGISTER, &reg))
		return -errno;
	return 0;
}

/* Wait until someone (the kernel, copying for a reader) faults on it. */
static int stall_wait(struct stall *s)
{
	struct pollfd pfd = { .fd = s->uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, 10000) != 1)
		return -ETIMEDOUT;
	if (read(s->uffd, &msg, sizeof(msg)) != sizeof(msg))
		return -errno;
	return msg.event == UFFD_EVENT_PAGEFAULT ? 0 : -EINVAL;
}

static void stall_release(struct stall *s)
{
	struct uffdio_zeropage zp = { 0 };

	zp.range.start = (uintptr_t)s->page;
	zp.range.len = s->size;
	ioctl(s->uffd, UFFDIO_ZEROPAGE, &zp);
}

struct stalled_read {
	int node;
	uint32_t h;
	bool data;
	void *buf;
	int ret;
};

static void *stalled_reader(void *arg)
{
	struct stalled_read *r = arg;

	if (r->data) {
		uint64_t n = 4;

		r->ret = mojo_read_data(r->node, r->h, r->buf, &n, 0);
	} else {
		uint32_t n = 4;

		r->ret = mojo_read_message(r->node, r->h, r->buf, &n, NULL, NULL);
	}
	return NULL;
}

struct closer {
	int node;
	uint32_t h;
	atomic_int done;
	int ret;
};

static void *close_it(void *arg)
{
	struct closer *c = arg;

	c->ret = mojo_close(c->node, c->h);
	atomic_store(&c->done, 1);
	return NULL;
}

/* Did @c finish within about two seconds? */
static bool closed_in_time(struct closer *c)
{
	int i;

	for (i = 0; i < 200 && !atomic_load(&c->done); i++)
		usleep(10000);
	return atomic_load(&c->done);
}

/*
 * The scene of the next tests: a reader of port X in node N stalls copying
 * a message out, and N sends X to node M, which receives it as @got.
 */
struct stalled_scene {
	struct stalled_read r;
	struct stall s;
	pthread_t rt;
	int m;
	uint32_t got;
};

/* Set the scene up: 0, or a negative errno when userfaultfd is missing. */
static int stalled_send_away(struct __test_metadata *_metadata,
			     struct stalled_scene *sc)
{
	uint32_t x, xpeer, q0, q1, n = 0, nh = 1;
	int ret;

	ret = stall_setup(&sc->s);
	if (ret)
		return ret;
	sc->r.node = mojo_open_node();
	sc->m = mojo_open_node();
	ASSERT_GE(sc->r.node, 0);
	ASSERT_GE(sc->m, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(sc->r.node, &x, &xpeer));
	ASSERT_EQ(0, mojo_create_message_pipe(sc->r.node, &q0, &q1));
	ASSERT_EQ(0, mojo_test_move(sc->r.node, q1, sc->m, &q1));
	ASSERT_EQ(0, mojo_test_write_str(sc->r.node, xpeer, "msg"));
	sc->r.h = x;
	sc->r.buf = sc->s.page;
	ASSERT_EQ(0, pthread_create(&sc->rt, NULL, stalled_reader, &sc->r));
	ASSERT_EQ(0, stall_wait(&sc->s));
	/* N sends the port away while its reader is stuck in the fault. */
	ASSERT_EQ(0, mojo_write_message(sc->r.node, q0, NULL, 0, &x, 1));
	ASSERT_EQ(0, mojo_read_message(sc->m, q1, NULL, &n, &sc->got, &nh));
	return 0;
}

/* Let the reader go; its result is in sc->r.ret. */
static void stalled_scene_end(struct stalled_scene *sc)
{
	stall_release(&sc->s);
	pthread_join(sc->rt, NULL);
	close(sc->r.node);
	close(sc->m);
}

/* M closes the port it received: it must not wait for N's page fault. */
TEST(stalled_reader_does_not_hold_up_another_nodes_close)
{
	struct stalled_scene sc = { 0 };
	struct closer c = { 0 };
	pthread_t ct;
	int ret;

	ret = stalled_send_away(_metadata, &sc);
	if (ret)
		SKIP(return, "userfaultfd: %s", strerror(-ret));
	c.node = sc.m;
	c.h = sc.got;
	ASSERT_EQ(0, pthread_create(&ct, NULL, close_it, &c));
	EXPECT_TRUE(closed_in_time(&c));
	stalled_scene_end(&sc);
	pthread_join(ct, NULL);
	EXPECT_EQ(0, c.ret);
	/* N's read lost the port on the way: nothing was read. */
	EXPECT_EQ(-EBADF, sc.r.ret);
}

/* The message a stalled reader lost its port with is still there. */
TEST(stalled_reader_loses_no_message_when_its_port_leaves)
{
	struct stalled_scene sc = { 0 };
	char buf[8] = { 0 };
	int ret;

	ret = stalled_send_away(_metadata, &sc);
	if (ret)
		SKIP(return, "userfaultfd: %s", strerror(-ret));
	/* M reads the message at once, while N's reader is still stuck. */
	EXPECT_EQ(0, mojo_test_read_str(sc.m, sc.got, buf, sizeof(buf)));
	EXPECT_STREQ("msg", buf);
	stalled_scene_end(&sc);
	EXPECT_EQ(-EBADF, sc.r.ret);
}

/*
 * A data pipe read stalled in its copy: the consumer cannot leave the
 * node meanwhile (-EBUSY at once, not a wait), and closing it does not
 * wait for the fault either.
 */
TEST(stalled_data_read_keeps_its_end_and_does_not_hold_up_close)
{
	struct stalled_read r = { 0 };
	struct closer c = { 0 };
	uint32_t p, q0, q1;
	uint64_t len = 4;
	struct stall s;
	pthread_t rt, ct;
	int ret;

	ret = stall_setup(&s);
	if (ret)
		SKIP(return, "userfaultfd: %s", strerror(-ret));
	r.node = mojo_open_node();
	ASSERT_GE(r.node, 0);
	ASSERT_EQ(0, mojo_create_data_pipe(r.node, 1, 4096, &p, &r.h));
	ASSERT_EQ(0, mojo_create_message_pipe(r.node, &q0, &q1));
	ASSERT_EQ(0, mojo_write_data(r.node, p, "data", &len, 0));
	r.data = true;
	r.buf = s.page;
	ASSERT_EQ(0, pthread_create(&rt, NULL, stalled_reader, &r));
	ASSERT_EQ(0, stall_wait(&s));

	EXPECT_EQ(-EBUSY, mojo_write_message(r.node, q0, NULL, 0, &r.h, 1));
	EXPECT_EQ(-EBUSY, mojo_export_handle(r.node, r.h));
	c.node = r.node;
	c.h = r.h;
	ASSERT_EQ(0, pthread_create(&ct, NULL, close_it, &c));
	EXPECT_TRUE(closed_in_time(&c));

	stall_release(&s);
	pthread_join(rt, NULL);
	pthread_join(ct, NULL);
	EXPECT_EQ(0, c.ret);
	/* Closed under it: the read did not happen. */
	EXPECT_EQ(-EBADF, r.ret);
	close(r.node);
}

/* ---- nesting and ports in transit --------------------------------------- */

/*
 * Ports nested in queues, built bottom-up: each new pipe's queue gets the
 * previous pipe's end, whose queue holds the one before. The nesting stops
 * at MOJO_MAX_NESTING with -ELOOP, so no chain the transit lock walks is
 * longer.
 */
TEST(nesting_stops_at_the_limit)
{
	int node = mojo_open_node(), i, ret = 0;
	uint32_t a, b, prev;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &a, &prev));
	for (i = 1; i <= MOJO_MAX_NESTING + 1; i++) {
		ASSERT_EQ(0, mojo_create_message_pipe(node, &a, &b));
		ret = mojo_write_message(node, a, NULL, 0, &prev, 1);
		if (ret)
			break;
		prev = b;
	}
	TH_LOG("%d levels, then %d", i - 1, ret);
	EXPECT_EQ(-ELOOP, ret);
	EXPECT_EQ(MOJO_MAX_NESTING, i - 1);
	/* The refused port is still ours, and usable. */
	EXPECT_EQ(0, mojo_test_write_str(node, prev, "still here"));
	close(node);
}

/* A queue that emptied carries no nesting any more. */
TEST(nesting_is_given_back_when_a_queue_drains)
{
	int node = mojo_open_node(), i;
	uint32_t a, b, prev, got, n, nh;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &a, &prev));
	for (i = 1; i <= MOJO_MAX_NESTING; i++) {
		ASSERT_EQ(0, mojo_create_message_pipe(node, &a, &b));
		ASSERT_EQ(0, mojo_write_message(node, a, NULL, 0, &prev, 1));
		prev = b;
	}
	ASSERT_EQ(0, mojo_create_message_pipe(node, &a, &b));
	EXPECT_EQ(-ELOOP, mojo_write_message(node, a, NULL, 0, &prev, 1));
	/* Take the chain's first level out: the rest is one level shorter. */
	n = 0;
	nh = 1;
	ASSERT_EQ(0, mojo_read_message(node, prev, NULL, &n, &got, &nh));
	EXPECT_EQ(0, mojo_write_message(node, a, NULL, 0, &got, 1));
	close(node);
}

/*
 * Ports inside queues count toward their sender's max_user_transit_ports,
 * as handles in a node count toward max_handles.
 */
TEST(ports_in_transit_are_bounded_per_user)
{
	long saved = mojo_test_read_long(MOJO_PARAM("max_user_transit_ports"));
	uint32_t h[MOJO_MAX_MESSAGE_HANDLES], x, q0, q1, n = 0, nh;
	uint32_t got[MOJO_MAX_MESSAGE_HANDLES];
	int node = mojo_open_node(), i;

	ASSERT_LT(0, saved);
	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_test_write_long(MOJO_PARAM("max_user_transit_ports"), 64));
	ASSERT_EQ(0, mojo_create_message_pipe(node, &q0, &q1));
	for (i = 0; i < MOJO_MAX_MESSAGE_HANDLES; i++)
		ASSERT_EQ(0, mojo_create_message_pipe(node, &h[i], &x));
	EXPECT_EQ(0, mojo_write_message(node, q0, NULL, 0, h, 64));
	EXPECT_EQ(-ETOOMANYREFS, mojo_write_message(node, q0, NULL, 0, &x, 1));
	/* Received, they leave transit. */
	nh = MOJO_MAX_MESSAGE_HANDLES;
	ASSERT_EQ(0, mojo_read_message(node, q1, NULL, &n, got, &nh));
	EXPECT_EQ(0, mojo_write_message(node, q0, NULL, 0, &x, 1));
	/* Closed in transit, too. */
	ASSERT_EQ(0, mojo_write_message(node, q0, NULL, 0, got, 63));
	EXPECT_EQ(-ETOOMANYREFS, mojo_write_message(node, q0, NULL, 0, &got[63], 1));
	ASSERT_EQ(0, mojo_close(node, q1));
	EXPECT_EQ(0, mojo_create_message_pipe(node, &q0, &q1));
	EXPECT_EQ(0, mojo_write_message(node, q0, NULL, 0, &got[63], 1));
	close(node);
	mojo_test_write_long(MOJO_PARAM("max_user_transit_ports"), saved);
}

TEST_HARNESS_MAIN
