// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring: reads parked on one handle take what arrives in the order
 * they were submitted, whatever order the kernel runs their task work in
 * (6.1 runs a task's task work newest first).
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mojo_uring_test.h"

#define NR_READS 64

/*
 * Another process writes @n messages, message i holding the 32-bit number
 * i: every wakeup comes from outside, so each fired read's task work is
 * queued while the others' still wait.
 */
static pid_t write_numbers(int node, uint32_t h, int n)
{
	pid_t pid = fork();
	uint32_t i;

	if (pid)
		return pid;
	for (i = 0; i < (uint32_t)n; i++)
		if (mojo_write_message(node, h, &i, sizeof(i), NULL, 0))
			_exit(1);
	_exit(0);
}

/* Another process writes the bytes 0 .. @n - 1 to a data pipe, one by one. */
static pid_t write_bytes(int node, uint32_t producer, int n)
{
	pid_t pid = fork();
	uint64_t one;
	uint8_t b;

	if (pid)
		return pid;
	for (b = 0; b < n; b++) {
		one = 1;
		if (mojo_write_data(node, producer, &b, &one, 0))
			_exit(1);
	}
	_exit(0);
}

static int child_ok(pid_t pid)
{
	int status;

	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

TEST(parked_message_reads_take_messages_in_submission_order)
{
	static struct mojo_read_message_args a[NR_READS];
	uint32_t got[NR_READS], h0, h1;
	struct io_uring ring;
	int node, i, res, ok = 0, first_bad = -1;
	uint64_t tag;
	pid_t pid;

	node = mojo_open_node();
	ASSERT_GE(node, 0);
	ASSERT_EQ(0, io_uring_queue_init(2 * NR_READS, &ring, 0));
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	for (i = 0; i < NR_READS; i++) {
		got[i] = 0xffffffff;
		mojo_test_prep_read(&ring, node, &a[i], h1, &got[i], sizeof(got[i]), i);
	}
	ASSERT_EQ(NR_READS, io_uring_submit(&ring));
	usleep(20000);
	ASSERT_TRUE(mojo_test_no_cqe(&ring));
	pid = write_numbers(node, h0, NR_READS);
	ASSERT_GE(pid, 0);
	for (i = 0; i < NR_READS; i++) {
		res = mojo_test_reap(&ring, &tag);
		ASSERT_EQ(0, res);
		ASSERT_LT(tag, NR_READS);
	}
	ASSERT_TRUE(child_ok(pid));
	for (i = 0; i < NR_READS; i++) {
		if (got[i] == (uint32_t)i)
			ok++;
		else if (first_bad < 0)
			first_bad = i;
	}
	if (first_bad >= 0)
		ksft_print_msg("read %d got message %u\n", first_bad, got[first_bad]);
	EXPECT_EQ(NR_READS, ok);
	io_uring_queue_exit(&ring);
	close(node);
}

TEST(parked_data_reads_take_the_stream_in_submission_order)
{
	static struct mojo_data_args a[NR_READS];
	uint8_t got[NR_READS];
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	uint32_t p, c;
	int node, i, res, ok = 0, first_bad = -1;
	uint64_t tag;
	pid_t pid;

	node = mojo_open_node();
	ASSERT_GE(node, 0);
	ASSERT_EQ(0, io_uring_queue_init(2 * NR_READS, &ring, 0));
	ASSERT_EQ(0, mojo_create_data_pipe(node, 1, 4096, &p, &c));
	for (i = 0; i < NR_READS; i++) {
		got[i] = 0xff;
		memset(&a[i], 0, sizeof(a[i]));
		a[i].handle = c;
		a[i].bytes = (uintptr_t)&got[i];
		a[i].num_bytes = 1;
		sqe = io_uring_get_sqe(&ring);
		mojo_uring_prep_read_data(sqe, node, &a[i]);
		io_uring_sqe_set_data64(sqe, i);
	}
	ASSERT_EQ(NR_READS, io_uring_submit(&ring));
	usleep(20000);
	ASSERT_TRUE(mojo_test_no_cqe(&ring));
	pid = write_bytes(node, p, NR_READS);
	ASSERT_GE(pid, 0);
	for (i = 0; i < NR_READS; i++) {
		res = mojo_test_reap(&ring, &tag);
		ASSERT_EQ(0, res);
		ASSERT_LT(tag, NR_READS);
		EXPECT_EQ(1, a[tag].num_bytes);
	}
	ASSERT_TRUE(child_ok(pid));
	for (i = 0; i < NR_READS; i++) {
		if (got[i] == i)
			ok++;
		else if (first_bad < 0)
			first_bad = i;
	}
	if (first_bad >= 0)
		ksft_print_msg("read %d got byte %u\n", first_bad, got[first_bad]);
	EXPECT_EQ(NR_READS, ok);
	io_uring_queue_exit(&ring);
	close(node);
}

/*
 * A read that finds a message at once still comes after the reads
 * submitted before it. On a DEFER_TASKRUN ring a fired read runs only when
 * its owner next waits for completions, so the first read below is
 * fired, and not yet run, when the second is submitted.
 */
TEST(a_new_read_waits_for_a_read_fired_before_it)
{
	struct mojo_read_message_args a[2];
	struct io_uring_params p = {
		.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	};
	uint32_t got[2] = { 0xffffffff, 0xffffffff }, h0, h1, i;
	struct io_uring ring;
	uint64_t tag;
	int node, ret;

	node = mojo_open_node();
	ASSERT_GE(node, 0);
	ret = io_uring_queue_init_params(8, &ring, &p);
	if (ret == -EINVAL)
		SKIP(close(node); return, "no IORING_SETUP_DEFER_TASKRUN");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	mojo_test_prep_read(&ring, node, &a[0], h1, &got[0], sizeof(got[0]), 0);
	ASSERT_EQ(1, io_uring_submit(&ring));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, mojo_write_message(node, h0, &i, sizeof(i), NULL, 0));
	mojo_test_prep_read(&ring, node, &a[1], h1, &got[1], sizeof(got[1]), 1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, mojo_test_reap(&ring, &tag));
		ASSERT_LT(tag, 2);
	}
	EXPECT_EQ(0, got[0]);
	EXPECT_EQ(1, got[1]);
	io_uring_queue_exit(&ring);
	close(node);
}

/* The same behind a read still parked, on any ring. */
TEST(a_new_read_waits_for_a_read_parked_before_it)
{
	struct mojo_read_message_args a[2];
	uint32_t got[2] = { 0xffffffff, 0xffffffff }, h0, h1, i;
	struct io_uring ring;
	uint64_t tag;
	int node;

	node = mojo_open_node();
	ASSERT_GE(node, 0);
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	mojo_test_prep_read(&ring, node, &a[0], h1, &got[0], sizeof(got[0]), 0);
	ASSERT_EQ(1, io_uring_submit(&ring));
	mojo_test_prep_read(&ring, node, &a[1], h1, &got[1], sizeof(got[1]), 1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	usleep(20000);
	ASSERT_TRUE(mojo_test_no_cqe(&ring));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, mojo_write_message(node, h0, &i, sizeof(i), NULL, 0));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, mojo_test_reap(&ring, &tag));
		ASSERT_LT(tag, 2);
	}
	EXPECT_EQ(0, got[0]);
	EXPECT_EQ(1, got[1]);
	io_uring_queue_exit(&ring);
	close(node);
}

TEST_HARNESS_MAIN
