// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring: the bounds on pending commands. A node and a user may each
 * have only so many commands pending (module parameters); one more fails
 * with -EDQUOT and changes nothing. Another user's commands do not count,
 * and a node's commands cost nothing to a close() of any other node.
 */
#include <liburing.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "mojo_test.h"

#define PER_NODE MOJO_PARAM("uring_max_pending_per_node")
#define PER_USER MOJO_PARAM("uring_max_pending_per_user")

static char sink[64][16];

/*
 * Wait (up to 10 s) until the module is used no more than @refs times:
 * io_uring tears a killed process's rings down after it is reaped, and
 * each of their commands holds a node file.
 */
static int settle(long refs)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (mojo_test_read_long("/sys/module/mojoports/refcnt") <= refs)
			return 0;
		usleep(10000);
	}
	return -1;
}

/* Submit one asynchronous READ_MESSAGE of @h; its tag is @tag. */
static int submit_read(struct io_uring *ring, int node, uint32_t h,
		       struct mojo_read_message_args *a, uint64_t tag)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return -EBUSY;
	memset(a, 0, sizeof(*a));
	a->handle = h;
	a->bytes = (uintptr_t)sink[tag % 64];
	a->num_bytes = sizeof(sink[0]);
	mojo_uring_prep_read_message(sqe, node, a);
	io_uring_sqe_set_data64(sqe, tag);
	return io_uring_submit(ring) == 1 ? 0 : -EIO;
}

static int submit_wait(struct io_uring *ring, int node, uint32_t h,
		       struct mojo_signals_args *w, uint64_t tag)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return -EBUSY;
	memset(w, 0, sizeof(*w));
	w->handle = h;
	w->signals = MOJO_SIGNAL_READABLE;
	w->timeout_ns = MOJO_TIMEOUT_INFINITE;
	mojo_uring_prep_wait(sqe, node, w);
	io_uring_sqe_set_data64(sqe, tag);
	return io_uring_submit(ring) == 1 ? 0 : -EIO;
}

/* One CQE within @ms: its result (and tag), or -ETIME. */
static int reap_ms(struct io_uring *ring, uint64_t *tag, int ms)
{
	struct __kernel_timespec ts = {
		.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L,
	};
	struct io_uring_cqe *cqe;
	int res;

	if (io_uring_wait_cqe_timeout(ring, &cqe, &ts))
		return -ETIME;
	res = cqe->res;
	if (tag)
		*tag = io_uring_cqe_get_data64(cqe);
	io_uring_cqe_seen(ring, cqe);
	return res;
}

/* Runs with both bounds set by the test, and puts them back. */
FIXTURE(bounds) {
	long per_node, per_user;
	struct io_uring ring;
	int node;
	uint32_t h0, h1;
};

FIXTURE_SETUP(bounds)
{
	self->per_node = mojo_test_read_long(PER_NODE);
	self->per_user = mojo_test_read_long(PER_USER);
	ASSERT_LT(0, self->per_node);
	ASSERT_LT(0, self->per_user);
	ASSERT_EQ(0, io_uring_queue_init(64, &self->ring, 0));
	self->node = mojo_open_node();
	ASSERT_LE(0, self->node);
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &self->h0, &self->h1));
}

FIXTURE_TEARDOWN(bounds)
{
	io_uring_queue_exit(&self->ring);
	close(self->node);
	if (self->per_node > 0)
		mojo_test_write_long(PER_NODE, self->per_node);
	if (self->per_user > 0)
		mojo_test_write_long(PER_USER, self->per_user);
}

TEST_F(bounds, a_node_has_at_most_its_bound_of_pending_commands)
{
	struct mojo_read_message_args a[10];
	struct mojo_signals_args w;
	uint64_t tag;
	int i;

	ASSERT_EQ(0, mojo_test_write_long(PER_NODE, 8));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, submit_read(&self->ring, self->node, self->h1, &a[i], i));
	EXPECT_EQ(-ETIME, reap_ms(&self->ring, NULL, 50));
	/* One more, of any kind, fails at once. */
	ASSERT_EQ(0, submit_read(&self->ring, self->node, self->h1, &a[8], 8));
	EXPECT_EQ(-EDQUOT, reap_ms(&self->ring, &tag, 1000));
	EXPECT_EQ(8, tag);
	ASSERT_EQ(0, submit_wait(&self->ring, self->node, self->h1, &w, 9));
	EXPECT_EQ(-EDQUOT, reap_ms(&self->ring, &tag, 1000));
	EXPECT_EQ(9, tag);
	/* A message completes the oldest. */
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "now"));
	EXPECT_EQ(0, reap_ms(&self->ring, &tag, 1000));
	EXPECT_EQ(0, tag);
	/* Nothing else moved: the failed read took nothing. */
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "next"));
	EXPECT_EQ(0, reap_ms(&self->ring, &tag, 1000));
	EXPECT_EQ(1, tag);
	/* Two slots are free again. */
	ASSERT_EQ(0, submit_read(&self->ring, self->node, self->h1, &a[8], 8));
	ASSERT_EQ(0, submit_read(&self->ring, self->node, self->h1, &a[9], 9));
	EXPECT_EQ(-ETIME, reap_ms(&self->ring, NULL, 50));
	ASSERT_EQ(0, submit_read(&self->ring, self->node, self->h1, &a[0], 10));
	EXPECT_EQ(-EDQUOT, reap_ms(&self->ring, &tag, 1000));
	EXPECT_EQ(10, tag);
	/* A bound raised applies to the next command. */
	ASSERT_EQ(0, mojo_test_write_long(PER_NODE, 9));
	ASSERT_EQ(0, submit_read(&self->ring, self->node, self->h1, &a[0], 11));
	EXPECT_EQ(-ETIME, reap_ms(&self->ring, NULL, 50));
}

/* In a child running as @uid: park @n reads; 0 when all stay pending. */
static int park_as(uid_t uid, int n)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		static struct mojo_read_message_args a[64];
		struct io_uring ring;
		uint32_t h0, h1;
		int node, i;

		if (setgid(uid) || setuid(uid))
			_exit(10);
		node = mojo_open_node();
		if (node < 0 || io_uring_queue_init(64, &ring, 0) ||
		    mojo_create_message_pipe(node, &h0, &h1))
			_exit(11);
		for (i = 0; i < n; i++)
			if (submit_read(&ring, node, h1, &a[i], i))
				_exit(12);
		_exit(reap_ms(&ring, NULL, 100) == -ETIME ? 0 : 13);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(bounds, a_user_has_at_most_its_bound_across_nodes_and_others_are_spared)
{
	struct mojo_read_message_args a[13];
	uint32_t o0, o1;
	uint64_t tag;
	int other = mojo_open_node(), i, res;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, mojo_create_message_pipe(other, &o0, &o1));
	ASSERT_EQ(0, mojo_test_write_long(PER_USER, 12));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, submit_read(&self->ring, self->node, self->h1, &a[i], i));
	for (; i < 12; i++)
		ASSERT_EQ(0, submit_read(&self->ring, other, o1, &a[i], i));
	EXPECT_EQ(-ETIME, reap_ms(&self->ring, NULL, 50));
	ASSERT_EQ(0, submit_read(&self->ring, other, o1, &a[12], 12));
	EXPECT_EQ(-EDQUOT, reap_ms(&self->ring, &tag, 1000));
	EXPECT_EQ(12, tag);
	/* Another user has a bound of its own. */
	EXPECT_EQ(0, park_as(65534, 12));
	/* Closing our other node's last fd cancels its four: room for four. */
	close(other);
	for (i = 0; i < 4; i++) {
		res = reap_ms(&self->ring, &tag, 2000);
		EXPECT_EQ(-ECANCELED, res);
		EXPECT_LE(8, tag);
	}
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, submit_read(&self->ring, self->node, self->h1, &a[i], 20 + i));
	EXPECT_EQ(-ETIME, reap_ms(&self->ring, NULL, 50));
	ASSERT_EQ(0, submit_read(&self->ring, self->node, self->h1, &a[12], 30));
	EXPECT_EQ(-EDQUOT, reap_ms(&self->ring, &tag, 1000));
	EXPECT_EQ(30, tag);
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* The fastest of 5 rounds of 100 open()+close() of a node, in ms. */
static double open_close_ms(void)
{
	double best = 1e9, t0, t;
	int round, i;

	for (round = 0; round < 5; round++) {
		t0 = now_ms();
		for (i = 0; i < 100; i++)
			close(mojo_open_node());
		t = now_ms() - t0;
		if (t < best)
			best = t;
	}
	return best;
}

#define HOSTILE_NODES	4
#define HOSTILE_EACH	4000
#define HOSTILE_BATCH	500

/*
 * A process parks as many commands as the default bounds allow (4 x 4000,
 * or what it manages in 5 s on a slow kernel), on nodes of its own. Every
 * other close() of a node fd must cost what it costs without them:
 * flush() looks only at the closed node's commands.
 */
/*
 * Its own timeout: on top of the measurement, the hostile process's
 * 16000 commands are cancelled at its death and settle() waits for them,
 * which under TCG once took longer than the harness's default 30 s.
 */
FIXTURE(close_cost) {
	int unused;
};

FIXTURE_SETUP(close_cost)
{
}

FIXTURE_TEARDOWN(close_cost)
{
}

TEST_F_TIMEOUT(close_cost, other_nodes_commands_cost_nothing_to_a_close, 120)
{
	long refs = mojo_test_read_long("/sys/module/mojoports/refcnt");
	double base, loaded, t_kill, t_dead;
	int p[2], status, parked;
	pid_t pid;

	ASSERT_LE(0, refs);
	ASSERT_EQ(0, pipe(p));
	base = open_close_ms();
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		static struct mojo_read_message_args a[HOSTILE_NODES][HOSTILE_EACH];
		static struct io_uring ring[HOSTILE_NODES];
		double t0 = now_ms();
		uint32_t h0, h1;
		int n, i, node, total = 0;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (n = 0; n < HOSTILE_NODES && now_ms() - t0 < 5000; n++) {
			node = mojo_open_node();
			if (node < 0 || io_uring_queue_init(HOSTILE_BATCH, &ring[n], 0) ||
			    mojo_create_message_pipe(node, &h0, &h1))
				_exit(1);
			for (i = 0; i < HOSTILE_EACH && now_ms() - t0 < 5000; i++) {
				struct io_uring_sqe *sqe = io_uring_get_sqe(&ring[n]);

				memset(&a[n][i], 0, sizeof(a[n][i]));
				a[n][i].handle = h1;
				mojo_uring_prep_read_message(sqe, node, &a[n][i]);
				if ((i + 1) % HOSTILE_BATCH)
					continue;
				if (io_uring_submit(&ring[n]) != HOSTILE_BATCH)
					_exit(2);
				total += HOSTILE_BATCH;
			}
			if (reap_ms(&ring[n], NULL, 10) != -ETIME)
				_exit(3);
		}
		if (write(p[1], &total, sizeof(total)) != sizeof(total))
			_exit(4);
		pause();
		_exit(0);
	}
	close(p[1]);
	ASSERT_EQ(sizeof(parked), read(p[0], &parked, sizeof(parked)));
	loaded = open_close_ms();
	t_kill = now_ms();
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	t_dead = now_ms();
	close(p[0]);
	EXPECT_EQ(0, settle(refs));
	ksft_print_msg("100 open+close: %.2f ms alone, %.2f ms with %d commands pending elsewhere\n",
		       base, loaded, parked);
	ksft_print_msg("their process died %.0f ms after SIGKILL, the module was idle %.0f ms later\n",
		       t_dead - t_kill, now_ms() - t_dead);
	EXPECT_LT(loaded, 3 * base + 5);
}

TEST_HARNESS_MAIN
