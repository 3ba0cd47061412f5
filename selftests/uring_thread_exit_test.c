// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring: commands parked by a thread that exits while its process
 * lives on complete with -ECANCELED soon after, without anything else
 * happening on their handles.
 */
#include <liburing.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "mojo_uring_test.h"

#define NR_CMDS 100

struct submitter {
	struct io_uring *ring;
	int node;
	uint32_t h;
	struct mojo_read_message_args a[NR_CMDS];
	char buf[NR_CMDS][4];
	int submitted;
};

/* Parks NR_CMDS reads on the submitter's handle, then exits. */
static void *submit_and_exit(void *arg)
{
	struct submitter *s = arg;
	struct io_uring_sqe *sqe;
	int i;

	for (i = 0; i < NR_CMDS; i++) {
		memset(&s->a[i], 0, sizeof(s->a[i]));
		s->a[i].handle = s->h;
		s->a[i].bytes = (uintptr_t)s->buf[i];
		s->a[i].num_bytes = sizeof(s->buf[i]);
		sqe = io_uring_get_sqe(s->ring);
		mojo_uring_prep_read_message(sqe, s->node, &s->a[i]);
		io_uring_sqe_set_data64(sqe, i);
	}
	s->submitted = io_uring_submit(s->ring);
	return NULL;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int cancelled_within(struct io_uring *ring, int n, long ms)
{
	struct __kernel_timespec ts = { .tv_nsec = 100000000 };
	struct io_uring_cqe *cqe;
	struct timespec t0;
	int done = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < n && ms_since(&t0) < ms) {
		if (io_uring_wait_cqe_timeout(ring, &cqe, &ts))
			continue;
		if (cqe->res == -ECANCELED)
			done++;
		else
			ksft_print_msg("command %llu completed with %d\n",
				       (unsigned long long)cqe->user_data, cqe->res);
		io_uring_cqe_seen(ring, cqe);
	}
	return done;
}

TEST(commands_of_an_exited_thread_are_cancelled)
{
	static struct submitter s;
	struct io_uring ring;
	pthread_t t;
	uint32_t h0;
	uint32_t n = 4;
	char buf[4];

	s.node = mojo_open_node();
	ASSERT_GE(s.node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(s.node, &h0, &s.h));
	ASSERT_EQ(0, io_uring_queue_init(2 * NR_CMDS, &ring, 0));
	s.ring = &ring;
	ASSERT_EQ(0, pthread_create(&t, NULL, submit_and_exit, &s));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(NR_CMDS, s.submitted);
	EXPECT_EQ(NR_CMDS, cancelled_within(&ring, NR_CMDS, 5000));
	/* A cancelled read took nothing: a message sent now is still there. */
	ASSERT_EQ(0, mojo_write_message(s.node, h0, "kept", 4, NULL, 0));
	EXPECT_EQ(0, mojo_read_message(s.node, s.h, buf, &n, NULL, NULL));
	EXPECT_EQ(0, memcmp(buf, "kept", 4));
	io_uring_queue_exit(&ring);
	close(s.node);
}

/*
 * A thread that owns a SINGLE_ISSUER|DEFER_TASKRUN ring parks reads and
 * exits. Their task work can run only in that thread, so they complete
 * only when the ring is closed; meanwhile, cancelled, they must not hold
 * back another ring's read of the same handle, nor take its message.
 */
static void *own_ring_submit_and_exit(void *arg)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	};
	struct submitter *s = arg;

	s->submitted = io_uring_queue_init_params(2 * NR_CMDS, s->ring, &p);
	if (s->submitted)
		return NULL;
	return submit_and_exit(s);
}

TEST(reads_of_an_exited_ring_owner_hold_back_no_other_read)
{
	static struct submitter s;
	struct mojo_read_message_args a;
	struct io_uring dead, ring;
	char buf[4], got[4] = "";
	uint32_t h0, n = 4;
	pthread_t t;
	uint64_t tag;

	s.node = mojo_open_node();
	ASSERT_GE(s.node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(s.node, &h0, &s.h));
	s.ring = &dead;
	ASSERT_EQ(0, pthread_create(&t, NULL, own_ring_submit_and_exit, &s));
	ASSERT_EQ(0, pthread_join(t, NULL));
	if (s.submitted == -EINVAL)
		SKIP(close(s.node); return, "no IORING_SETUP_DEFER_TASKRUN");
	ASSERT_EQ(NR_CMDS, s.submitted);

	/* Parked behind the dead ring's reads, the first of them fired. */
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	mojo_test_prep_read(&ring, s.node, &a, s.h, got, sizeof(got), 7);
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, mojo_write_message(s.node, h0, "next", 4, NULL, 0));
	ASSERT_EQ(0, mojo_test_reap(&ring, &tag));
	EXPECT_EQ(7, tag);
	EXPECT_EQ(0, memcmp(got, "next", 4));

	/* The dead ring's reads took nothing, and go with their ring. */
	ASSERT_EQ(0, mojo_write_message(s.node, h0, "kept", 4, NULL, 0));
	EXPECT_EQ(0, mojo_read_message(s.node, s.h, buf, &n, NULL, NULL));
	EXPECT_EQ(0, memcmp(buf, "kept", 4));
	io_uring_queue_exit(&dead);
	io_uring_queue_exit(&ring);
	close(s.node);
}

/*
 * A MOJO_URING_SYNC WAIT that io_uring gives to an io-wq worker
 * (IOSQE_ASYNC) blocks that worker, a thread of the submitter's process.
 */
static void prep_sync_wait(struct io_uring *ring, int node,
			   struct mojo_signals_args *w, uint32_t h,
			   uint64_t timeout_ns)
{
	struct io_uring_sqe *sqe = mojo_test_sqe(ring, 1);

	memset(w, 0, sizeof(*w));
	w->handle = h;
	w->signals = MOJO_SIGNAL_READABLE;
	w->timeout_ns = timeout_ns;
	mojo_uring_prep_cmd(sqe, node, MOJO_IOC_WAIT, w, MOJO_URING_SYNC);
	sqe->flags |= IOSQE_ASYNC;
}

TEST(a_sync_wait_on_an_io_wq_worker_times_out_and_is_woken)
{
	struct mojo_signals_args w;
	struct io_uring ring;
	struct timespec t0;
	uint32_t h0, h1;
	uint64_t tag;
	int node;

	node = mojo_open_node();
	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));

	/* 350 ms: longer than the worker's sleeping slice. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	prep_sync_wait(&ring, node, &w, h1, 350000000);
	ASSERT_EQ(1, io_uring_submit(&ring));
	EXPECT_EQ(-ETIMEDOUT, mojo_test_reap(&ring, &tag));
	EXPECT_LE(340, ms_since(&t0));

	prep_sync_wait(&ring, node, &w, h1, MOJO_TIMEOUT_INFINITE);
	ASSERT_EQ(1, io_uring_submit(&ring));
	usleep(250000);
	ASSERT_TRUE(mojo_test_no_cqe(&ring));
	ASSERT_EQ(0, mojo_write_message(node, h0, "x", 1, NULL, 0));
	EXPECT_EQ(0, mojo_test_reap(&ring, &tag));
	EXPECT_EQ(MOJO_SIGNAL_READABLE, w.satisfied & MOJO_SIGNAL_READABLE);
	io_uring_queue_exit(&ring);
	close(node);
}

/* Its process exits (or is killed) with the worker asleep: it ends. */
static void exit_with_a_sync_wait_on_a_worker(struct __test_metadata *_metadata,
					      bool killed)
{
	struct timespec t0;
	int p[2], status;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		static struct mojo_signals_args w;
		static struct io_uring ring;
		uint32_t h0, h1;
		int node = mojo_open_node();

		if (node < 0 || mojo_create_message_pipe(node, &h0, &h1) ||
		    io_uring_queue_init(4, &ring, 0))
			_exit(1);
		prep_sync_wait(&ring, node, &w, h1, MOJO_TIMEOUT_INFINITE);
		if (io_uring_submit(&ring) != 1)
			_exit(2);
		usleep(100000);		/* the worker is asleep in the wait */
		if (write(p[1], "w", 1) != 1)
			_exit(3);
		if (killed)
			pause();
		_exit(0);
	}
	close(p[1]);
	ASSERT_EQ(1, read(p[0], &c, 1));
	close(p[0]);
	if (killed)
		kill(pid, SIGKILL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (waitpid(pid, &status, WNOHANG) == 0 && ms_since(&t0) < 10000)
		usleep(10000);
	EXPECT_GT(10000, ms_since(&t0));
	if (ms_since(&t0) >= 10000) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
}

TEST(a_process_exits_with_a_sync_wait_on_an_io_wq_worker)
{
	exit_with_a_sync_wait_on_a_worker(_metadata, false);
}

TEST(a_process_is_killed_with_a_sync_wait_on_an_io_wq_worker)
{
	exit_with_a_sync_wait_on_a_worker(_metadata, true);
}

TEST_HARNESS_MAIN
