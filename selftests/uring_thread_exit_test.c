// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring: commands parked by a thread that exits while its process
 * lives on complete with -ECANCELED soon after, without anything else
 * happening on their handles.
 */
#include <liburing.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
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

TEST_HARNESS_MAIN
