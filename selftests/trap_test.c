// SPDX-License-Identifier: GPL-2.0
/*
 * Traps, triggers, trap events and poll/epoll on the node fd.
 */
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "kselftest_harness.h"
#include "mojo_test.h"

#define R MOJO_SIGNAL_READABLE
#define W MOJO_SIGNAL_WRITABLE
#define PC MOJO_SIGNAL_PEER_CLOSED

FIXTURE(trap) {
	int node;
	uint32_t h0, h1, trap;
};

FIXTURE_SETUP(trap)
{
	self->node = mojo_open_node();
	ASSERT_GE(self->node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &self->h0, &self->h1));
	ASSERT_EQ(0, mojo_create_trap(self->node, &self->trap));
}

FIXTURE_TEARDOWN(trap)
{
	close(self->node);
}

/* Does the node fd poll readable right now? */
static int node_readable(int node)
{
	struct pollfd p = { .fd = node, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

TEST_F(trap, trap_handle_is_the_wrong_type_for_pipe_operations)
{
	char buf[4];

	EXPECT_NE(0, self->trap);
	EXPECT_EQ(-EINVAL, mojo_test_write_str(self->node, self->trap, "x"));
	EXPECT_EQ(-EINVAL, mojo_test_read_str(self->node, self->trap, buf, sizeof(buf)));
	EXPECT_EQ(-EINVAL, mojo_query_signals(self->node, self->trap, NULL, NULL));
	EXPECT_EQ(-EINVAL, mojo_write_message(self->node, self->h0, NULL, 0, &self->trap, 1));
	EXPECT_EQ(-EINVAL, mojo_export_handle(self->node, self->trap));
	EXPECT_EQ(-EINVAL, mojo_fuse_message_pipes(self->node, self->trap, self->h0));
	/* And a pipe handle is the wrong type for trap operations. */
	EXPECT_EQ(-EINVAL, mojo_arm_trap(self->node, self->h0, NULL));
	EXPECT_EQ(-EINVAL, mojo_add_trigger(self->node, self->h0, self->h1, R,
					    MOJO_TRIGGER_SATISFIED, 1));
	EXPECT_EQ(W, mojo_test_signals(self->node, self->h1));
}

TEST_F(trap, arm_without_triggers_is_enoent)
{
	EXPECT_EQ(-ENOENT, mojo_arm_trap(self->node, self->trap, NULL));
}

TEST_F(trap, arm_with_a_met_trigger_reports_it_and_queues_nothing)
{
	struct mojo_trap_event ev;

	ASSERT_EQ(0, mojo_add_trigger(self->node, self->trap, self->h0, W,
				      MOJO_TRIGGER_SATISFIED, 7));
	EXPECT_EQ(-EALREADY, mojo_arm_trap(self->node, self->trap, &ev));
	EXPECT_EQ(7, ev.context);
	EXPECT_EQ(0, ev.result);
	EXPECT_EQ(W, ev.satisfied);
	EXPECT_FALSE(node_readable(self->node));
	EXPECT_EQ(-EAGAIN, mojo_read_trap_events(self->node, &ev, 1));
}

TEST_F(trap, armed_trap_fires_once_on_a_message)
{
	struct mojo_trap_event ev[4];

	ASSERT_EQ(0, mojo_add_trigger(self->node, self->trap, self->h1, R,
				      MOJO_TRIGGER_SATISFIED, 42));
	ASSERT_EQ(0, mojo_arm_trap(self->node, self->trap, NULL));
	EXPECT_FALSE(node_readable(self->node));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "a"));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "b"));
	EXPECT_TRUE(node_readable(self->node));
	ASSERT_EQ(1, mojo_read_trap_events(self->node, ev, 4));
	EXPECT_EQ(42, ev[0].context);
	EXPECT_EQ(0, ev[0].result);
	EXPECT_EQ(R | W, ev[0].satisfied);
	EXPECT_FALSE(node_readable(self->node));
	/* Disarmed now: still readable, so arming reports it. */
	EXPECT_EQ(-EALREADY, mojo_arm_trap(self->node, self->trap, NULL));
}

TEST_F(trap, not_satisfied_condition_fires_when_signal_drops)
{
	struct mojo_trap_event ev;

	ASSERT_EQ(0, mojo_set_quota(self->node, self->h1, 1, 1 << 20));
	ASSERT_EQ(0, mojo_add_trigger(self->node, self->trap, self->h0, W,
				      MOJO_TRIGGER_NOT_SATISFIED, 5));
	ASSERT_EQ(0, mojo_arm_trap(self->node, self->trap, NULL));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "fill"));
	ASSERT_EQ(1, mojo_read_trap_events(self->node, &ev, 1));
	EXPECT_EQ(5, ev.context);
	EXPECT_EQ(0, ev.result);
	EXPECT_EQ(0, ev.satisfied & W);
}

TEST_F(trap, unsatisfiable_trigger_fires_with_epipe)
{
	struct mojo_trap_event ev;

	ASSERT_EQ(0, mojo_add_trigger(self->node, self->trap, self->h1, R,
				      MOJO_TRIGGER_SATISFIED, 9));
	ASSERT_EQ(0, mojo_arm_trap(self->node, self->trap, NULL));
	ASSERT_EQ(0, mojo_close(self->node, self->h0));
	ASSERT_EQ(1, mojo_read_trap_events(self->node, &ev, 1));
	EXPECT_EQ(9, ev.context);
	EXPECT_EQ(-EPIPE, ev.result);
	EXPECT_EQ(PC, ev.satisfied);
}

/* A PEER_CLOSED trigger fires at the close, with a message still queued. */
TEST_F(trap, peer_closed_trigger_fires_with_messages_queued)
{
	struct mojo_trap_event ev;

	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "left"));
	ASSERT_EQ(0, mojo_add_trigger(self->node, self->trap, self->h1, PC,
				      MOJO_TRIGGER_SATISFIED, 12));
	ASSERT_EQ(0, mojo_arm_trap(self->node, self->trap, NULL));
	ASSERT_EQ(0, mojo_close(self->node, self->h0));
	ASSERT_EQ(1, mojo_read_trap_events(self->node, &ev, 1));
	EXPECT_EQ(12, ev.context);
	EXPECT_EQ(0, ev.result);
	EXPECT_EQ(R | PC, ev.satisfied);
}

/* PEER_REMOTE changes as the peer moves: a trigger on it fires. */
TEST_F(trap, peer_remote_trigger_fires_when_the_peer_leaves)
{
	struct mojo_trap_event ev;
	int other = mojo_open_node();
	uint32_t there;

	ASSERT_GE(other, 0);
	ASSERT_EQ(0, mojo_add_trigger(self->node, self->trap, self->h0,
				      MOJO_SIGNAL_PEER_REMOTE,
				      MOJO_TRIGGER_SATISFIED, 13));
	ASSERT_EQ(0, mojo_arm_trap(self->node, self->trap, NULL));
	ASSERT_EQ(0, mojo_test_move(self->node, self->h1, other, &there));
	ASSERT_EQ(1, mojo_read_trap_events(self->node, &ev, 1));
	EXPECT_EQ(13, ev.context);
	EXPECT_EQ(0, ev.result);
	EXPECT_EQ(MOJO_SIGNAL_PEER_REMOTE, ev.satisfied & MOJO_SIGNAL_PEER_REMOTE);
	close(other);
}

TEST_F(trap, closing_the_watched_handle_cancels_even_unarmed)
{
	struct mojo_trap_event ev;

	ASSERT_EQ(0, mojo_add_trigger(self->node, self->trap, self->h1, R,
				      MOJO_TRIGGER_SATISFIED, 11));
	ASSERT_EQ(0, mojo_close(self->node, self->h1));
	EXPECT_TRUE(node_readable(self->node));
	ASSERT_EQ(1, mojo_read_trap_events(self->node, &ev, 1));
	EXPECT_EQ(11, ev.context);
	EXPECT_EQ(-ECANCELED, ev.result);
	/* The trigger is gone: nothing more, and the context is free. */
	EXPECT_EQ(-EAGAIN, mojo_read_trap_events(self->node, &ev, 1));
	EXPECT_EQ(-ENOENT, mojo_remove_trigger(self->node, self->trap, 11));
}

TEST_F(trap, sending_the_watched_handle_away_cancels)
{
	struct mojo_trap_event ev;
	uint32_t q0, q1;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	ASSERT_EQ(0, mojo_add_trigger(self->node, self->trap, q1, R,
				      MOJO_TRIGGER_SATISFIED, 3));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, &q1, 1));
	ASSERT_EQ(1, mojo_read_trap_events(self->node, &ev, 1));
	EXPECT_EQ(3, ev.context);
	EXPECT_EQ(-ECANCELED, ev.result);
}

TEST_F(trap, remove_trigger_queues_its_cancellation)
{
	struct mojo_trap_event ev;

	ASSERT_EQ(0, mojo_add_trigger(self->node, self->trap, self->h1, R,
				      MOJO_TRIGGER_SATISFIED, 1));
	EXPECT_EQ(-ENOENT, mojo_remove_trigger(self->node, self->trap, 2));
	ASSERT_EQ(0, mojo_remove_trigger(self->node, self->trap, 1));
	ASSERT_EQ(1, mojo_read_trap_events(self->node, &ev, 1));
	EXPECT_EQ(1, ev.context);
	EXPECT_EQ(-ECANCELED, ev.result);
	EXPECT_EQ(-ENOENT, mojo_arm_trap(self->node, self->trap, NULL));
}

TEST_F(trap, duplicate_context_is_eexist)
{
	ASSERT_EQ(0, mojo_add_trigger(self->node, self->trap, self->h1, R,
				      MOJO_TRIGGER_SATISFIED, 77));
	EXPECT_EQ(-EEXIST, mojo_add_trigger(self->node, self->trap, self->h0, R,
					    MOJO_TRIGGER_SATISFIED, 77));
}

TEST_F(trap, closing_the_trap_cancels_every_trigger)
{
	struct mojo_trap_event ev[4];
	int n;

	ASSERT_EQ(0, mojo_add_trigger(self->node, self->trap, self->h0, R,
				      MOJO_TRIGGER_SATISFIED, 1));
	ASSERT_EQ(0, mojo_add_trigger(self->node, self->trap, self->h1, R,
				      MOJO_TRIGGER_SATISFIED, 2));
	ASSERT_EQ(0, mojo_close(self->node, self->trap));
	n = mojo_read_trap_events(self->node, ev, 4);
	ASSERT_EQ(2, n);
	EXPECT_EQ(-ECANCELED, ev[0].result);
	EXPECT_EQ(-ECANCELED, ev[1].result);
	EXPECT_EQ(3, ev[0].context + ev[1].context);
	EXPECT_EQ(-EBADF, mojo_arm_trap(self->node, self->trap, NULL));
}

TEST_F(trap, bad_trap_arguments_are_rejected)
{
	struct mojo_trap_event ev;
	struct mojo_read_events_args r;
	void *unmapped = mojo_test_unmapped();
	int other = mojo_open_node();
	uint32_t other_trap;

	ASSERT_GE(other, 0);
	EXPECT_EQ(-EINVAL, mojo_add_trigger(self->node, self->trap, self->h1, 0,
					    MOJO_TRIGGER_SATISFIED, 1));
	EXPECT_EQ(-EINVAL, mojo_add_trigger(self->node, self->trap, self->h1, 1ULL << 50,
					    MOJO_TRIGGER_SATISFIED, 1));
	EXPECT_EQ(-EINVAL, mojo_add_trigger(self->node, self->trap, self->h1, R, 2, 1));
	EXPECT_EQ(-EBADF, mojo_add_trigger(self->node, self->trap, 0x5555, R,
					   MOJO_TRIGGER_SATISFIED, 1));
	/* A trap of another node cannot watch our handles, nor we its. */
	ASSERT_EQ(0, mojo_create_trap(other, &other_trap));
	EXPECT_EQ(-EBADF, mojo_add_trigger(other, other_trap, self->h1 + 100, R,
					   MOJO_TRIGGER_SATISFIED, 1));
	EXPECT_EQ(-ENOENT, mojo_arm_trap(self->node, self->trap, NULL));
	EXPECT_EQ(-EINVAL, mojo_read_trap_events(self->node, &ev, 0));
	EXPECT_EQ(-EINVAL, mojo_read_trap_events(self->node, &ev, MOJO_MAX_READ_EVENTS + 1));
	memset(&r, 0, sizeof(r));
	r.events = (uintptr_t)&ev;
	r.num_events = 1;
	r.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_READ_TRAP_EVENTS, &r));
	/* An event survives a read into a bad buffer. */
	ASSERT_EQ(0, mojo_add_trigger(self->node, self->trap, self->h1, R,
				      MOJO_TRIGGER_SATISFIED, 1));
	ASSERT_EQ(0, mojo_close(self->node, self->h1));
	EXPECT_EQ(-EFAULT, mojo_read_trap_events(self->node, unmapped, 1));
	EXPECT_TRUE(node_readable(self->node));
	ASSERT_EQ(1, mojo_read_trap_events(self->node, &ev, 1));
	EXPECT_EQ(-ECANCELED, ev.result);
	close(other);
}

struct writer {
	int node;
	uint32_t h;
};

static void *late_writer(void *p)
{
	struct writer *w = p;

	usleep(50000);
	mojo_test_write_str(w->node, w->h, "wake");
	return NULL;
}

TEST_F(trap, epoll_wakes_when_a_trap_fires_from_another_thread)
{
	struct writer w = { self->node, self->h0 };
	struct epoll_event e = { .events = EPOLLIN }, out;
	struct mojo_trap_event ev;
	pthread_t t;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->node, &e));
	ASSERT_EQ(0, mojo_add_trigger(self->node, self->trap, self->h1, R,
				      MOJO_TRIGGER_SATISFIED, 99));
	ASSERT_EQ(0, mojo_arm_trap(self->node, self->trap, NULL));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, late_writer, &w));
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, 5000));
	EXPECT_TRUE(out.events & EPOLLIN);
	ASSERT_EQ(1, mojo_read_trap_events(self->node, &ev, 1));
	EXPECT_EQ(99, ev.context);
	pthread_join(t, NULL);
	close(ep);
}

/*
 * A port takes at most MOJO_MAX_PORT_TRIGGERS triggers from all traps
 * together: every signal change of the port, a write from another node
 * included, looks at each of them.
 */
TEST_F(trap, a_port_takes_a_bounded_number_of_triggers)
{
	uint32_t traps[MOJO_MAX_PORT_TRIGGERS / MOJO_MAX_TRIGGERS + 1];
	unsigned int i, t;

	traps[0] = self->trap;
	for (t = 1; t < sizeof(traps) / sizeof(traps[0]); t++)
		ASSERT_EQ(0, mojo_create_trap(self->node, &traps[t]));
	for (i = 0; i < MOJO_MAX_PORT_TRIGGERS; i++)
		ASSERT_EQ(0, mojo_add_trigger(self->node, traps[i / MOJO_MAX_TRIGGERS],
					      self->h0, MOJO_SIGNAL_READABLE,
					      MOJO_TRIGGER_SATISFIED, i));
	t = MOJO_MAX_PORT_TRIGGERS / MOJO_MAX_TRIGGERS;
	EXPECT_EQ(-ENOSPC, mojo_add_trigger(self->node, traps[t], self->h0,
					    MOJO_SIGNAL_READABLE,
					    MOJO_TRIGGER_SATISFIED, 1));
	/* Other ports are not affected, and a removal makes room. */
	EXPECT_EQ(0, mojo_add_trigger(self->node, traps[t], self->h1,
				      MOJO_SIGNAL_READABLE,
				      MOJO_TRIGGER_SATISFIED, 1));
	ASSERT_EQ(0, mojo_remove_trigger(self->node, traps[0], 0));
	EXPECT_EQ(0, mojo_add_trigger(self->node, traps[t], self->h0,
				      MOJO_SIGNAL_READABLE,
				      MOJO_TRIGGER_SATISFIED, 2));
	/* So does a trigger cancelled by its trap's close. */
	EXPECT_EQ(-ENOSPC, mojo_add_trigger(self->node, traps[t], self->h0,
					    MOJO_SIGNAL_READABLE,
					    MOJO_TRIGGER_SATISFIED, 3));
	ASSERT_EQ(0, mojo_close(self->node, traps[0]));
	EXPECT_EQ(0, mojo_add_trigger(self->node, traps[t], self->h0,
				      MOJO_SIGNAL_READABLE,
				      MOJO_TRIGGER_SATISFIED, 3));
}

TEST(node_death_with_armed_traps_and_queued_events)
{
	uint32_t h0, h1, trap, i, live = 0;
	int node = mojo_open_node(), ep;
	struct epoll_event e = { .events = EPOLLIN };

	ASSERT_GE(node, 0);
	/* An epoll instance that outlives the node it watches. */
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, node, &e));
	ASSERT_EQ(0, mojo_create_trap(node, &trap));
	for (i = 0; i < 50; i++) {
		ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
		ASSERT_EQ(0, mojo_add_trigger(node, trap, h1, R, MOJO_TRIGGER_SATISFIED, i));
		if (i % 2) {
			ASSERT_EQ(0, mojo_close(node, h1));
		} else {
			live = h0;
		}
	}
	ASSERT_EQ(0, mojo_arm_trap(node, trap, NULL));
	ASSERT_EQ(0, mojo_test_write_str(node, live, "x"));
	close(node);
	EXPECT_EQ(0, epoll_wait(ep, &e, 1, 0));
	close(ep);
}

TEST_HARNESS_MAIN
