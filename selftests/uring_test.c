// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring: asynchronous reads and waits, completion order, batching,
 * links, cancellation (close, transfer, fd release, task exit and
 * SIGKILL), a fired command racing a rebind of its handle, and bad input. The *_via_uring suites run the ioctl suites'
 * tables through io_uring; this one covers what only io_uring has.
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "mojo_uring_test.h"

#define R MOJO_SIGNAL_READABLE
#define W MOJO_SIGNAL_WRITABLE
#define PC MOJO_SIGNAL_PEER_CLOSED

FIXTURE(ur) {
	struct io_uring ring;
	int node;
	uint32_t h0, h1;
};

FIXTURE_SETUP(ur)
{
	ASSERT_EQ(0, io_uring_queue_init(256, &self->ring, 0));
	self->node = mojo_open_node();
	ASSERT_GE(self->node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &self->h0, &self->h1));
}

FIXTURE_TEARDOWN(ur)
{
	io_uring_queue_exit(&self->ring);
	close(self->node);
}

static void prep_wait(struct io_uring *ring, int node,
		      struct mojo_signals_args *a, uint32_t h, uint64_t signals,
		      uint64_t timeout_ns, uint64_t tag)
{
	memset(a, 0, sizeof(*a));
	a->handle = h;
	a->signals = signals;
	a->timeout_ns = timeout_ns;
	mojo_uring_prep_wait(mojo_test_sqe(ring, tag), node, a);
}

TEST_F(ur, read_on_empty_pipe_stays_pending_until_a_message)
{
	struct mojo_read_message_args a;
	char buf[16] = { 0 };
	int status;
	pid_t pid;

	mojo_test_prep_read(&self->ring, self->node, &a, self->h1, buf, sizeof(buf), 1);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	usleep(50000);
	EXPECT_TRUE(mojo_test_no_cqe(&self->ring));
	/* Another process writes. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(mojo_test_write_str(self->node, self->h0, "late") ? 1 : 0);
	ASSERT_EQ(0, mojo_test_reap(&self->ring, NULL));
	EXPECT_EQ(4, a.num_bytes);
	EXPECT_EQ(0, memcmp(buf, "late", 4));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(ur, pending_reads_complete_in_submission_order)
{
	struct mojo_read_message_args a[4];
	char buf[4][8];
	uint64_t tag;
	int i;

	for (i = 0; i < 4; i++)
		mojo_test_prep_read(&self->ring, self->node, &a[i], self->h1, buf[i], 8, i);
	ASSERT_EQ(4, io_uring_submit(&self->ring));
	usleep(20000);
	EXPECT_TRUE(mojo_test_no_cqe(&self->ring));
	for (i = 0; i < 4; i++) {
		char msg[2] = { (char)('a' + i), 0 };

		ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, msg));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, mojo_test_reap(&self->ring, &tag));
		EXPECT_EQ(1, a[tag].num_bytes);
		EXPECT_EQ('a' + (int)tag, buf[tag][0]);
	}
}

/*
 * A message wakes one pending read. When that read fails (its buffer is
 * too small), the message is still queued and the next read must get it.
 */
TEST_F(ur, a_failed_pending_read_passes_the_message_on)
{
	struct mojo_read_message_args small, big;
	char one[1], buf[8] = { 0 };
	uint64_t tag;

	mojo_test_prep_read(&self->ring, self->node, &small, self->h1, one, 1, 1);
	mojo_test_prep_read(&self->ring, self->node, &big, self->h1, buf, 8, 2);
	ASSERT_EQ(2, io_uring_submit(&self->ring));
	usleep(20000);
	EXPECT_TRUE(mojo_test_no_cqe(&self->ring));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "four"));
	EXPECT_EQ(-EMSGSIZE, mojo_test_reap(&self->ring, &tag));
	EXPECT_EQ(1, tag);
	EXPECT_EQ(4, small.num_bytes);
	EXPECT_EQ(0, mojo_test_reap(&self->ring, &tag));
	EXPECT_EQ(2, tag);
	EXPECT_EQ(0, memcmp(buf, "four", 4));
}

TEST_F(ur, pending_waits_are_woken_by_peer_closed)
{
	struct mojo_signals_args pc, rd;
	uint64_t tag;
	int i, res;

	prep_wait(&self->ring, self->node, &pc, self->h1, PC, MOJO_TIMEOUT_INFINITE, 1);
	prep_wait(&self->ring, self->node, &rd, self->h1, R, MOJO_TIMEOUT_INFINITE, 2);
	ASSERT_EQ(2, io_uring_submit(&self->ring));
	usleep(20000);
	EXPECT_TRUE(mojo_test_no_cqe(&self->ring));
	ASSERT_EQ(0, mojo_close(self->node, self->h0));
	for (i = 0; i < 2; i++) {
		res = mojo_test_reap(&self->ring, &tag);
		if (tag == 1) {
			EXPECT_EQ(0, res);
			EXPECT_EQ(PC, pc.satisfied);
		} else {
			EXPECT_EQ(-EPIPE, res);
			EXPECT_EQ(PC, rd.satisfiable);
		}
	}
}

/* A parked WAIT for PEER_CLOSED ends at the close, messages queued or not. */
TEST_F(ur, pending_wait_for_peer_closed_ends_with_messages_queued)
{
	struct mojo_signals_args pc;

	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "left"));
	prep_wait(&self->ring, self->node, &pc, self->h1, PC, MOJO_TIMEOUT_INFINITE, 1);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	usleep(20000);
	EXPECT_TRUE(mojo_test_no_cqe(&self->ring));
	ASSERT_EQ(0, mojo_close(self->node, self->h0));
	EXPECT_EQ(0, mojo_test_reap(&self->ring, NULL));
	EXPECT_EQ(R | PC, pc.satisfied);
}

/* A parked WAIT for PEER_REMOTE ends when the peer leaves in a message. */
TEST_F(ur, pending_wait_for_peer_remote_ends_when_the_peer_is_sent)
{
	struct mojo_signals_args w;
	uint32_t x0, x1;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &x0, &x1));
	prep_wait(&self->ring, self->node, &w, self->h0, MOJO_SIGNAL_PEER_REMOTE,
		  MOJO_TIMEOUT_INFINITE, 1);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	usleep(20000);
	EXPECT_TRUE(mojo_test_no_cqe(&self->ring));
	ASSERT_EQ(0, mojo_write_message(self->node, x0, NULL, 0, &self->h1, 1));
	EXPECT_EQ(0, mojo_test_reap(&self->ring, NULL));
	EXPECT_EQ(MOJO_SIGNAL_PEER_REMOTE, w.satisfied & MOJO_SIGNAL_PEER_REMOTE);
}

TEST_F(ur, pending_read_gets_epipe_when_the_peer_closes)
{
	struct mojo_read_message_args a;
	char buf[8];

	mojo_test_prep_read(&self->ring, self->node, &a, self->h1, buf, 8, 1);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	ASSERT_EQ(0, mojo_close(self->node, self->h0));
	EXPECT_EQ(-EPIPE, mojo_test_reap(&self->ring, NULL));
}

TEST_F(ur, wait_times_out)
{
	struct mojo_signals_args w;
	struct timespec t0, t1;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	prep_wait(&self->ring, self->node, &w, self->h1, R, 50000000, 1);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-ETIMEDOUT, mojo_test_reap(&self->ring, NULL));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	EXPECT_GE(ms, 45);
	EXPECT_EQ(W, w.satisfied);
}

TEST_F(ur, closing_the_handle_cancels_pending_commands)
{
	struct mojo_read_message_args a;
	struct mojo_signals_args w;
	char buf[8];
	int i;

	mojo_test_prep_read(&self->ring, self->node, &a, self->h1, buf, 8, 1);
	prep_wait(&self->ring, self->node, &w, self->h1, R, MOJO_TIMEOUT_INFINITE, 2);
	ASSERT_EQ(2, io_uring_submit(&self->ring));
	ASSERT_EQ(0, mojo_close(self->node, self->h1));
	for (i = 0; i < 2; i++)
		EXPECT_EQ(-ECANCELED, mojo_test_reap(&self->ring, NULL));
}

TEST_F(ur, sending_the_handle_away_cancels_pending_commands)
{
	struct mojo_read_message_args a;
	uint32_t q0, q1;
	char buf[8];

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	mojo_test_prep_read(&self->ring, self->node, &a, q1, buf, 8, 1);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, &q1, 1));
	EXPECT_EQ(-ECANCELED, mojo_test_reap(&self->ring, NULL));
}

TEST_F(ur, pending_read_data_completes_when_data_arrives)
{
	struct mojo_data_args a;
	uint32_t p, c;
	char buf[16] = { 0 };
	uint64_t n = 5;

	ASSERT_EQ(0, mojo_create_data_pipe(self->node, 1, 64, &p, &c));
	memset(&a, 0, sizeof(a));
	a.handle = c;
	a.bytes = (uintptr_t)buf;
	a.num_bytes = sizeof(buf);
	mojo_uring_prep_read_data(mojo_test_sqe(&self->ring, 1), self->node, &a);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	usleep(20000);
	EXPECT_TRUE(mojo_test_no_cqe(&self->ring));
	ASSERT_EQ(0, mojo_write_data(self->node, p, "bytes", &n, 0));
	ASSERT_EQ(0, mojo_test_reap(&self->ring, NULL));
	EXPECT_EQ(5, a.num_bytes);
	EXPECT_EQ(0, memcmp(buf, "bytes", 5));
}

/* Threads of this process whose name starts with @prefix. */
static int threads_named(const char *prefix)
{
	char path[300], comm[32];
	struct dirent *d;
	int n = 0;
	DIR *dir = opendir("/proc/self/task");

	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    !strncmp(comm, prefix, strlen(prefix)))
			n++;
		fclose(f);
	}
	closedir(dir);
	return n;
}

/*
 * -EAGAIN from ->uring_cmd() would make io_uring issue the command again
 * from an io-wq worker, whose late task work then interrupts the next
 * blocking wait of the submitter with -EINTR. An -EAGAIN result must
 * complete at once, in the submitter: no worker thread appears, and a
 * synchronous wait right after it times out rather than being interrupted.
 */
TEST_F(ur, eagain_results_complete_without_an_io_wq_worker)
{
	struct mojo_signals_args w;
	struct mojo_data_args a;
	uint32_t p, c;
	int i;

	ASSERT_EQ(0, mojo_create_data_pipe(self->node, 1, 64, &p, &c));
	for (i = 0; i < 50; i++) {
		memset(&a, 0, sizeof(a));
		a.handle = c;
		mojo_uring_prep_cmd(mojo_test_sqe(&self->ring, 1), self->node,
				    MOJO_IOC_BEGIN_READ_DATA, &a, i & 1 ? MOJO_URING_SYNC : 0);
		ASSERT_EQ(1, io_uring_submit(&self->ring));
		ASSERT_EQ(-EAGAIN, mojo_test_reap(&self->ring, NULL));
		memset(&w, 0, sizeof(w));
		w.handle = c;
		w.signals = R;
		w.timeout_ns = 1000000;
		mojo_uring_prep_cmd(mojo_test_sqe(&self->ring, 2), self->node,
				    MOJO_IOC_WAIT, &w, MOJO_URING_SYNC);
		ASSERT_EQ(1, io_uring_submit(&self->ring));
		ASSERT_EQ(-ETIMEDOUT, mojo_test_reap(&self->ring, NULL));
	}
	EXPECT_EQ(0, threads_named("iou-wrk"));
	/* Nothing was consumed or changed. */
	EXPECT_EQ(W, mojo_test_signals(self->node, p));
}

TEST_F(ur, many_commands_per_enter)
{
	struct mojo_write_message_args w[32];
	struct mojo_read_message_args r[32];
	uint32_t v[32], got[32];
	int i, ok = 0;

	for (i = 0; i < 32; i++) {
		v[i] = i;
		memset(&w[i], 0, sizeof(w[i]));
		w[i].handle = self->h0;
		w[i].bytes = (uintptr_t)&v[i];
		w[i].num_bytes = 4;
		mojo_uring_prep_write_message(mojo_test_sqe(&self->ring, i), self->node, &w[i]);
		mojo_test_prep_read(&self->ring, self->node, &r[i], self->h1, &got[i], 4, 100 + i);
	}
	ASSERT_EQ(64, io_uring_submit(&self->ring));
	for (i = 0; i < 64; i++)
		ok += mojo_test_reap(&self->ring, NULL) == 0;
	EXPECT_EQ(64, ok);
	for (i = 0; i < 32; i++)
		EXPECT_EQ(i, got[i]);
}

TEST_F(ur, linked_commands_run_in_order_and_a_failure_breaks_the_chain)
{
	struct mojo_write_message_args w;
	struct mojo_read_message_args r;
	struct io_uring_sqe *sqe;
	uint64_t tag;
	char buf[8] = { 0 };
	int i, res;

	memset(&w, 0, sizeof(w));
	w.handle = self->h0;
	w.bytes = (uintptr_t)"link";
	w.num_bytes = 4;
	sqe = mojo_test_sqe(&self->ring, 1);
	mojo_uring_prep_write_message(sqe, self->node, &w);
	sqe->flags |= IOSQE_IO_LINK;
	/*
	 * The read is issued after io_uring consumed its SQE: IOSQE_ASYNC
	 * makes every kernel keep a copy of its command area (see
	 * uring_link_test).
	 */
	mojo_test_prep_read(&self->ring, self->node, &r, self->h1, buf, 8, 2);
	sqe = &self->ring.sq.sqes[(self->ring.sq.sqe_tail - 1) & *self->ring.sq.kring_mask];
	sqe->flags |= IOSQE_ASYNC;
	ASSERT_EQ(2, io_uring_submit(&self->ring));
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, mojo_test_reap(&self->ring, &tag));
	EXPECT_EQ(0, memcmp(buf, "link", 4));
	/* A write to a bad handle fails; the linked read never runs. */
	w.handle = 0x7777;
	sqe = mojo_test_sqe(&self->ring, 1);
	mojo_uring_prep_write_message(sqe, self->node, &w);
	sqe->flags |= IOSQE_IO_LINK;
	mojo_test_prep_read(&self->ring, self->node, &r, self->h1, buf, 8, 2);
	ASSERT_EQ(2, io_uring_submit(&self->ring));
	for (i = 0; i < 2; i++) {
		res = mojo_test_reap(&self->ring, &tag);
		EXPECT_EQ(tag == 1 ? -EBADF : -ECANCELED, res);
	}
}

/*
 * A MOJO_URING_SYNC WAIT that IOSQE_ASYNC hands to an io-wq worker, with a
 * timeout that has run out before the worker starts: it still looks at
 * the handle first, as every other wait does, so a satisfied signal ends
 * it with 0, and a time-out reports the signals.
 */
TEST_F(ur, a_sync_wait_on_a_worker_looks_before_it_times_out)
{
	struct mojo_signals_args w;
	struct io_uring_sqe *sqe;
	int i;

	for (i = 0; i < 5; i++) {
		memset(&w, 0, sizeof(w));
		w.handle = self->h0;
		w.signals = i & 1 ? R : W;
		w.timeout_ns = 1;
		sqe = mojo_test_sqe(&self->ring, 1);
		ASSERT_NE(NULL, sqe);
		mojo_uring_prep_cmd(sqe, self->node, MOJO_IOC_WAIT, &w,
				    MOJO_URING_SYNC);
		sqe->flags |= IOSQE_ASYNC;
		ASSERT_EQ(1, io_uring_submit(&self->ring));
		EXPECT_EQ(i & 1 ? -ETIMEDOUT : 0, mojo_test_reap(&self->ring, NULL));
		EXPECT_EQ(W, w.satisfied);
		EXPECT_EQ(R | W | PC | MOJO_SIGNAL_QUOTA_EXCEEDED |
			  MOJO_SIGNAL_PEER_REMOTE, w.satisfiable);
		EXPECT_EQ(1, w.timeout_ns);
	}
}

TEST_F(ur, bad_commands_complete_with_an_error_and_change_nothing)
{
	struct mojo_write_message_args w;
	struct io_uring_sqe *sqe;
	struct mojo_uring_cmd c;
	int other = mojo_open_node();
	uint32_t o0, o1;

	ASSERT_GE(other, 0);
	/* Unknown cmd_op. */
	mojo_uring_prep_cmd(mojo_test_sqe(&self->ring, 1), self->node, 0xdeadbeef, &w, 0);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-ENOTTY, mojo_test_reap(&self->ring, NULL));
	/* Reserved and unknown flags in the command area. */
	memset(&w, 0, sizeof(w));
	w.handle = self->h0;
	sqe = mojo_test_sqe(&self->ring, 2);
	mojo_uring_prep_cmd(sqe, self->node, MOJO_IOC_WRITE_MESSAGE, &w, 0);
	memcpy(&c, sqe->cmd, sizeof(c));
	c.reserved = 1;
	memcpy(sqe->cmd, &c, sizeof(c));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-EINVAL, mojo_test_reap(&self->ring, NULL));
	mojo_uring_prep_cmd(mojo_test_sqe(&self->ring, 3), self->node, MOJO_IOC_WRITE_MESSAGE,
			    &w, 1U << 7);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-EINVAL, mojo_test_reap(&self->ring, NULL));
	/* Bad argument pointers. */
	mojo_uring_prep_cmd(mojo_test_sqe(&self->ring, 4), self->node, MOJO_IOC_WRITE_MESSAGE,
			    NULL, 0);
	mojo_uring_prep_cmd(mojo_test_sqe(&self->ring, 5), self->node, MOJO_IOC_READ_MESSAGE,
			    mojo_test_unmapped(), 0);
	ASSERT_EQ(2, io_uring_submit(&self->ring));
	EXPECT_EQ(-EFAULT, mojo_test_reap(&self->ring, NULL));
	EXPECT_EQ(-EFAULT, mojo_test_reap(&self->ring, NULL));
	/* A handle of another node. */
	ASSERT_EQ(0, mojo_create_message_pipe(other, &o0, &o1));
	memset(&w, 0, sizeof(w));
	w.handle = o0 + 100;
	mojo_uring_prep_write_message(mojo_test_sqe(&self->ring, 6), other, &w);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-EBADF, mojo_test_reap(&self->ring, NULL));
	/* Nothing changed. */
	EXPECT_EQ(W, mojo_test_signals(self->node, self->h1));
	EXPECT_EQ(W, mojo_test_signals(other, o1));
	close(other);
}

TEST(sqe128_ring_takes_commands_with_the_rest_of_the_area_zero)
{
	struct mojo_write_message_args w;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int node = mojo_open_node();
	uint32_t h0, h1;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, IORING_SETUP_SQE128));
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	memset(&w, 0, sizeof(w));
	w.handle = h0;
	sqe = io_uring_get_sqe(&ring);
	mojo_uring_prep_write_message(sqe, node, &w);
	memset(sqe->cmd + sizeof(struct mojo_uring_cmd), 0, 64);
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	EXPECT_EQ(0, cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	/* A byte in the reserved part of the big command area: -EINVAL. */
	sqe = io_uring_get_sqe(&ring);
	mojo_uring_prep_write_message(sqe, node, &w);
	memset(sqe->cmd + sizeof(struct mojo_uring_cmd), 0, 64);
	sqe->cmd[40] = 1;
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	EXPECT_EQ(-EINVAL, cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	/* Exactly one message was written. */
	EXPECT_EQ(R | W, mojo_test_signals(node, h1));
	EXPECT_EQ(0, mojo_read_message(node, h1, NULL, NULL, NULL, NULL));
	EXPECT_EQ(W, mojo_test_signals(node, h1));
	io_uring_queue_exit(&ring);
	close(node);
}

TEST_F(ur, closing_the_last_node_fd_cancels_its_commands)
{
	struct mojo_read_message_args a;
	char buf[8];

	mojo_test_prep_read(&self->ring, self->node, &a, self->h1, buf, 8, 1);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	usleep(20000);
	EXPECT_TRUE(mojo_test_no_cqe(&self->ring));
	close(self->node);
	EXPECT_EQ(-ECANCELED, mojo_test_reap(&self->ring, NULL));
	self->node = mojo_open_node();
}

/*
 * A ring closed with a read still pending on it: the read can never
 * complete to anyone, so it must not take the next message either.
 */
TEST_F(ur, closing_the_ring_cancels_its_pending_reads)
{
	struct mojo_read_message_args a;
	char buf[8] = { 0 };

	mojo_test_prep_read(&self->ring, self->node, &a, self->h1, buf, 8, 1);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	usleep(20000);
	io_uring_queue_exit(&self->ring);
	usleep(100000);
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "kept"));
	usleep(100000);
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	EXPECT_STREQ("kept", buf);
	/* The fixture's teardown exits the ring again. */
	ASSERT_EQ(0, io_uring_queue_init(8, &self->ring, 0));
}

/*
 * A command whose handle left and came back under another number.
 *
 * A fired command runs its operation again by handle number. Handle
 * numbers are not reused, so when its endpoint travelled through a message
 * and came back, its number names nothing, and the command is cancelled:
 * it never moves to whatever port a number names later. Dropping its
 * reference to the port it was parked on may free that port and its data
 * pipe ring (vunmap(), which may sleep): never under a port spinlock.
 *
 * The scene, on a DEFER_TASKRUN ring so that the fired command's task work
 * runs only when we ask for it:
 *   1. A READ_DATA parks on consumer A (port P1) and is fired by a write;
 *      its task work waits.
 *   2. P1 travels through a message and comes back under another number B.
 *   3. The task work runs: A names nothing, so the command completes with
 *      -ECANCELED and P1, as B, is untouched.
 */
struct rebind {
	int node;
	struct io_uring ring;
	struct mojo_data_args arg;
	char buf[16];
	uint32_t a, b, prod1;
};

/* Run the ring's deferred task work now, without waiting for anything. */
static int run_task_work(struct io_uring *ring)
{
	return syscall(__NR_io_uring_enter, ring->ring_fd, 0, 0,
		       IORING_ENTER_GETEVENTS, NULL, 0);
}

/* A ring whose task work runs only in io_uring_enter(): 0, or -errno. */
static int deferred_ring(struct io_uring *ring)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	};

	return io_uring_queue_init_params(8, ring, &p);
}

/* Steps 1 and 2 on a fresh node; 0 or a line number that failed. */
static int rebind_setup(struct rebind *r)
{
	uint32_t x0, x1, nh;
	uint64_t n = 1;

	r->node = mojo_open_node();
	if (r->node < 0)
		return __LINE__;
	if (mojo_create_data_pipe(r->node, 1, 64, &r->prod1, &r->a) ||
	    mojo_create_message_pipe(r->node, &x0, &x1))
		return __LINE__;
	memset(&r->arg, 0, sizeof(r->arg));
	r->arg.handle = r->a;
	r->arg.bytes = (uintptr_t)r->buf;
	r->arg.num_bytes = sizeof(r->buf);
	mojo_uring_prep_read_data(mojo_test_sqe(&r->ring, 1), r->node, &r->arg);
	if (io_uring_submit(&r->ring) != 1 || !mojo_test_no_cqe(&r->ring))
		return __LINE__;
	/* Fired; its task work is deferred. Take the byte back. */
	if (mojo_write_data(r->node, r->prod1, "x", &n, 0) ||
	    mojo_read_data(r->node, r->a, r->buf, &n, 0))
		return __LINE__;
	/* P1 goes out and comes back as B. */
	if (mojo_write_message(r->node, x0, NULL, 0, &r->a, 1))
		return __LINE__;
	nh = 1;
	if (mojo_read_message(r->node, x1, NULL, NULL, &r->b, &nh) || r->b == r->a)
		return __LINE__;
	if (mojo_close(r->node, x0) || mojo_close(r->node, x1))
		return __LINE__;
	return 0;
}

TEST(a_command_whose_handle_left_and_came_back_is_cancelled)
{
	struct rebind r;
	uint64_t n = 4;
	char buf[4];

	if (deferred_ring(&r.ring))
		SKIP(return, "no IORING_SETUP_DEFER_TASKRUN");
	ASSERT_EQ(0, rebind_setup(&r));
	EXPECT_EQ(0, run_task_work(&r.ring));
	EXPECT_EQ(-ECANCELED, mojo_test_reap(&r.ring, NULL));
	/* B is P1, and the command took nothing from it. */
	ASSERT_EQ(0, mojo_write_data(r.node, r.prod1, "more", &n, 0));
	n = 4;
	ASSERT_EQ(0, mojo_read_data(r.node, r.b, buf, &n, 0));
	EXPECT_EQ(0, memcmp(buf, "more", 4));
	EXPECT_EQ(-EBADF, mojo_close(r.node, r.a));
	io_uring_queue_exit(&r.ring);
	close(r.node);
}

struct rebind_race {
	struct rebind *r;
	atomic_int go;		/* iteration number the closer may run */
	atomic_int done;	/* iteration number the closer finished */
	atomic_int stop;
};

static void *rebind_race_closer(void *arg)
{
	struct rebind_race *rr = arg;
	int i, spin;

	for (i = 1; !atomic_load(&rr->stop); i++) {
		while (atomic_load(&rr->go) < i)
			if (atomic_load(&rr->stop))
				return NULL;
		for (spin = rand() % 64; spin > 0; spin--)
			__asm__ volatile("" ::: "memory");
		mojo_close(rr->r->node, rr->r->b);
		mojo_close(rr->r->node, rr->r->prod1);
		atomic_store(&rr->done, i);
	}
	return NULL;
}

/*
 * The same scene as a race, on both CPUs: the task work runs while another
 * thread closes B and P1's producer, so the command's reference to P1 may
 * be the last. The command is cancelled every time.
 */
TEST(fire_races_rebind_and_close)
{
	struct rebind_race rr = { 0 };
	struct timespec t0, t;
	struct rebind r;
	pthread_t closer;
	int i, spin, res, line, cancelled = 0;

	if (deferred_ring(&r.ring))
		SKIP(return, "no IORING_SETUP_DEFER_TASKRUN");
	rr.r = &r;
	ASSERT_EQ(0, pthread_create(&closer, NULL, rebind_race_closer, &rr));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 1; i <= 3000; i++) {
		line = rebind_setup(&r);
		if (line)
			break;
		atomic_store(&rr.go, i);
		/* Jitter on both sides moves the close around the window. */
		for (spin = rand() % 20000; spin > 0; spin--)
			__asm__ volatile("" ::: "memory");
		run_task_work(&r.ring);
		while (atomic_load(&rr.done) < i)
			;
		res = mojo_test_reap(&r.ring, NULL);
		close(r.node);
		if (res != -ECANCELED)
			break;
		cancelled++;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 8)
			break;
	}
	atomic_store(&rr.stop, 1);
	atomic_store(&rr.go, 1 << 30);
	pthread_join(closer, NULL);
	ksft_print_msg("%d rounds, all cancelled\n", cancelled);
	EXPECT_EQ(0, line);
	EXPECT_EQ(-ECANCELED, res);
	EXPECT_GE(cancelled, 100);
	io_uring_queue_exit(&r.ring);
}

/* A child parks @n commands on a pipe of its own node, then exits or dies. */
static pid_t park_and_linger(int n, int *ready)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		static struct mojo_read_message_args a[1000];
		static char buf[1000][4];
		struct io_uring ring;
		uint32_t h0, h1;
		int node = mojo_open_node(), i;

		if (node < 0 || io_uring_queue_init(1024, &ring, 0) ||
		    mojo_create_message_pipe(node, &h0, &h1))
			_exit(1);
		for (i = 0; i < n; i++)
			mojo_test_prep_read(&ring, node, &a[i], h1, buf[i], 4, i);
		if (io_uring_submit(&ring) != n)
			_exit(2);
		if (write(p[1], "r", 1) != 1)
			_exit(3);
		pause();
		_exit(0);
	}
	close(p[1]);
	*ready = p[0];
	return pid;
}

TEST(sigkill_with_1000_commands_pending)
{
	int status, ready;
	char c;
	pid_t pid = park_and_linger(1000, &ready);

	ASSERT_GT(pid, 0);
	ASSERT_EQ(1, read(ready, &c, 1));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	/* io_uring's exit waits for every command: none may be left behind. */
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	close(ready);
}

/* Wait up to @ms for @pid to end; its status, or -1 (then it is killed). */
static int wait_ms(pid_t pid, int ms)
{
	int status;

	for (; ms > 0; ms -= 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/*
 * execve() waits for every command of the task to go (io_uring cancels
 * them): a command parked on a node must not hold the exec up.
 */
TEST(execve_with_commands_pending)
{
	int status;
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct mojo_read_message_args a;
		struct io_uring ring;
		uint32_t h0, h1;
		char buf[4];
		int node = mojo_open_node();

		if (node < 0 || io_uring_queue_init(8, &ring, 0) ||
		    mojo_create_message_pipe(node, &h0, &h1))
			_exit(1);
		mojo_test_prep_read(&ring, node, &a, h1, buf, sizeof(buf), 1);
		if (io_uring_submit(&ring) != 1)
			_exit(2);
		usleep(20000);
		execl("/bin/true", "true", (char *)NULL);
		_exit(3);
	}
	status = wait_ms(pid, 10000);
	ASSERT_NE(-1, status);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(task_exit_with_commands_pending)
{
	int status, ready;
	char c;
	pid_t pid = park_and_linger(10, &ready);

	ASSERT_GT(pid, 0);
	ASSERT_EQ(1, read(ready, &c, 1));
	ASSERT_EQ(0, kill(pid, SIGTERM));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	close(ready);
}

TEST_HARNESS_MAIN
