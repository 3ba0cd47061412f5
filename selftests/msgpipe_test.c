// SPDX-License-Identifier: GPL-2.0
/*
 * Message pipes: create, write, read, close, signals, handle transfer,
 * fuse, quotas, export/import and node death. One behaviour per TEST; bad
 * input is checked to change nothing by reading the state back.
 */
#include <liburing.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "mojo_test.h"

#define R MOJO_SIGNAL_READABLE
#define W MOJO_SIGNAL_WRITABLE
#define PC MOJO_SIGNAL_PEER_CLOSED
#define QE MOJO_SIGNAL_QUOTA_EXCEEDED
#define PR MOJO_SIGNAL_PEER_REMOTE

/* One node with one pipe h0-h1. */
FIXTURE(pipe) {
	int node;
	uint32_t h0, h1;
};

FIXTURE_SETUP(pipe)
{
	self->node = mojo_open_node();
	ASSERT_GE(self->node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &self->h0, &self->h1));
}

FIXTURE_TEARDOWN(pipe)
{
	close(self->node);
}

/* Two nodes, a and b, with one pipe ha (in a) - hb (in b). */
FIXTURE(nodes) {
	int a, b;
	uint32_t ha, hb;
};

FIXTURE_SETUP(nodes)
{
	uint32_t h;

	self->a = mojo_open_node();
	self->b = mojo_open_node();
	ASSERT_GE(self->a, 0);
	ASSERT_GE(self->b, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(self->a, &self->ha, &h));
	ASSERT_EQ(0, mojo_test_move(self->a, h, self->b, &self->hb));
}

FIXTURE_TEARDOWN(nodes)
{
	close(self->a);
	close(self->b);
}

TEST_F(pipe, create_gives_two_distinct_nonzero_handles)
{
	EXPECT_NE(0, self->h0);
	EXPECT_NE(0, self->h1);
	EXPECT_NE(self->h0, self->h1);
}

TEST_F(pipe, fresh_pipe_is_writable_not_readable)
{
	uint64_t sat, able;

	ASSERT_EQ(0, mojo_query_signals(self->node, self->h0, &sat, &able));
	EXPECT_EQ(W, sat);
	EXPECT_EQ(R | W | PC | QE | PR, able);
}

TEST_F(pipe, write_then_read_round_trip)
{
	char buf[64];

	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "hello"));
	EXPECT_EQ(R | W, mojo_test_signals(self->node, self->h1));
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	EXPECT_STREQ("hello", buf);
	EXPECT_EQ(W, mojo_test_signals(self->node, self->h1));
	/* And the other way. */
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h1, "back"));
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h0, buf, sizeof(buf)));
	EXPECT_STREQ("back", buf);
}

TEST_F(pipe, empty_message_round_trip)
{
	uint32_t n = 0, nh = 0;

	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, NULL, 0));
	ASSERT_EQ(0, mojo_read_message(self->node, self->h1, NULL, &n, NULL, &nh));
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, nh);
}

TEST_F(pipe, read_empty_is_eagain)
{
	char buf[8];

	EXPECT_EQ(-EAGAIN, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
}

TEST_F(pipe, messages_arrive_whole_and_in_order)
{
	uint32_t i, v, n;

	for (i = 0; i < 1000; i++)
		ASSERT_EQ(0, mojo_write_message(self->node, self->h0, &i, sizeof(i), NULL, 0));
	for (i = 0; i < 1000; i++) {
		n = sizeof(v);
		ASSERT_EQ(0, mojo_read_message(self->node, self->h1, &v, &n, NULL, NULL));
		ASSERT_EQ(sizeof(v), n);
		ASSERT_EQ(i, v);
	}
}

TEST_F(pipe, one_mib_message)
{
	uint32_t size = 1 << 20, n = size, i;
	uint8_t *in = malloc(size), *out = malloc(size);

	ASSERT_NE(NULL, in);
	ASSERT_NE(NULL, out);
	for (i = 0; i < size; i++)
		in[i] = i * 7 + (i >> 12);
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, in, size, NULL, 0));
	ASSERT_EQ(0, mojo_read_message(self->node, self->h1, out, &n, NULL, NULL));
	ASSERT_EQ(size, n);
	ASSERT_EQ(0, memcmp(in, out, size));
	free(in);
	free(out);
}

TEST_F(pipe, oversized_write_is_emsgsize_and_sends_nothing)
{
	uint32_t size = (1 << 20) + 1;
	uint8_t *in = calloc(1, size);

	ASSERT_NE(NULL, in);
	EXPECT_EQ(-EMSGSIZE, mojo_write_message(self->node, self->h0, in, size, NULL, 0));
	EXPECT_EQ(W, mojo_test_signals(self->node, self->h1));
	free(in);
}

TEST_F(pipe, small_byte_buffer_reports_size_and_keeps_message)
{
	char buf[64];
	uint32_t n = 2, nh = 0;

	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "0123456789"));
	EXPECT_EQ(-EMSGSIZE, mojo_read_message(self->node, self->h1, buf, &n, NULL, &nh));
	EXPECT_EQ(10, n);
	EXPECT_EQ(0, nh);
	EXPECT_EQ(R | W, mojo_test_signals(self->node, self->h1));
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	EXPECT_STREQ("0123456789", buf);
}

TEST_F(pipe, small_handle_buffer_reports_count_and_keeps_message)
{
	uint32_t q0, q1, n = 0, nh = 0, got;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, &q1, 1));
	EXPECT_EQ(-EMSGSIZE, mojo_read_message(self->node, self->h1, NULL, &n, NULL, &nh));
	EXPECT_EQ(0, n);
	EXPECT_EQ(1, nh);
	ASSERT_EQ(0, mojo_read_message(self->node, self->h1, NULL, &n, &got, &nh));
	EXPECT_EQ(1, nh);
	EXPECT_NE(0, got);
}

/*
 * Mojo's PEER_CLOSED: raised once the peer closed and all it sent arrived,
 * with READABLE still set for every message left; -EPIPE only when empty.
 */
TEST_F(pipe, peer_closed_is_raised_while_messages_are_queued)
{
	uint64_t sat, able;
	char buf[16];
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "x"));
	ASSERT_EQ(0, mojo_close(self->node, self->h0));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, mojo_query_signals(self->node, self->h1, &sat, &able));
		EXPECT_EQ(R | PC, sat);
		EXPECT_EQ(R | PC | QE, able);
		ASSERT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	}
	ASSERT_EQ(0, mojo_query_signals(self->node, self->h1, &sat, &able));
	EXPECT_EQ(PC, sat);
	EXPECT_EQ(PC, able);
	EXPECT_EQ(-EPIPE, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
}

/* A WAIT for PEER_CLOSED ends at the close, not at the drain. */
TEST_F(pipe, wait_for_peer_closed_ends_with_messages_queued)
{
	uint64_t sat = 0, able = 0;
	char buf[16];

	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "x"));
	ASSERT_EQ(0, mojo_close(self->node, self->h0));
	EXPECT_EQ(0, mojo_wait(self->node, self->h1, PC, 0, &sat, &able));
	EXPECT_EQ(R | PC, sat);
	/* READABLE can still be waited for, and the message read. */
	EXPECT_EQ(0, mojo_wait(self->node, self->h1, R, 0, NULL, NULL));
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	EXPECT_STREQ("x", buf);
	EXPECT_EQ(-EPIPE, mojo_wait(self->node, self->h1, R, 0, NULL, NULL));
}

TEST_F(pipe, write_to_closed_peer_is_epipe)
{
	uint32_t q0, q1;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	ASSERT_EQ(0, mojo_close(self->node, self->h1));
	EXPECT_EQ(-EPIPE, mojo_test_write_str(self->node, self->h0, "x"));
	/* A handle attached to the failed write stays ours. */
	EXPECT_EQ(-EPIPE, mojo_write_message(self->node, self->h0, NULL, 0, &q1, 1));
	EXPECT_EQ(W, mojo_test_signals(self->node, q1));
}

TEST_F(pipe, closed_and_unknown_handles_are_ebadf)
{
	char buf[8];

	ASSERT_EQ(0, mojo_close(self->node, self->h0));
	EXPECT_EQ(-EBADF, mojo_close(self->node, self->h0));
	EXPECT_EQ(-EBADF, mojo_test_write_str(self->node, self->h0, "x"));
	EXPECT_EQ(-EBADF, mojo_test_read_str(self->node, self->h0, buf, sizeof(buf)));
	EXPECT_EQ(-EBADF, mojo_query_signals(self->node, self->h0, NULL, NULL));
	EXPECT_EQ(-EBADF, mojo_close(self->node, 0));
	EXPECT_EQ(-EBADF, mojo_close(self->node, 0x7fffffff));
	EXPECT_EQ(-EBADF, mojo_test_write_str(self->node, 0, "x"));
}

TEST_F(pipe, handles_mean_nothing_in_another_node)
{
	int other = mojo_open_node();
	uint32_t o0, o1;

	ASSERT_GE(other, 0);
	EXPECT_EQ(-EBADF, mojo_test_write_str(other, self->h0, "x"));
	EXPECT_EQ(-EBADF, mojo_close(other, self->h1));
	/* Even when the other node has a handle with the same number. */
	ASSERT_EQ(0, mojo_create_message_pipe(other, &o0, &o1));
	ASSERT_EQ(0, mojo_test_write_str(other, o0, "mine"));
	EXPECT_EQ(W, mojo_test_signals(self->node, self->h1));
	close(other);
	EXPECT_EQ(W, mojo_test_signals(self->node, self->h0));
}

TEST_F(pipe, bad_pointers_are_efault_and_send_nothing)
{
	void *unmapped = mojo_test_unmapped();
	uint32_t q0, q1;

	ASSERT_NE(NULL, unmapped);
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	EXPECT_EQ(-EFAULT, mojo_write_message(self->node, self->h0, NULL, 4, NULL, 0));
	EXPECT_EQ(-EFAULT, mojo_write_message(self->node, self->h0, unmapped, 4, NULL, 0));
	EXPECT_EQ(-EFAULT, mojo_write_message(self->node, self->h0, NULL, 0, NULL, 1));
	EXPECT_EQ(-EFAULT, mojo_write_message(self->node, self->h0, NULL, 0, unmapped, 1));
	EXPECT_EQ(W, mojo_test_signals(self->node, self->h1));
	EXPECT_EQ(W, mojo_test_signals(self->node, q1));
}

TEST_F(pipe, read_into_bad_buffer_is_efault_and_keeps_message)
{
	void *unmapped = mojo_test_unmapped();
	uint32_t q0, q1, n = 16, nh = 1, got;
	char buf[16];

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, "abc", 3, &q1, 1));
	EXPECT_EQ(-EFAULT, mojo_read_message(self->node, self->h1, unmapped, &n, &got, &nh));
	n = 16;
	nh = 1;
	EXPECT_EQ(-EFAULT, mojo_read_message(self->node, self->h1, buf, &n, unmapped, &nh));
	EXPECT_EQ(R | W, mojo_test_signals(self->node, self->h1));
	n = 16;
	nh = 1;
	ASSERT_EQ(0, mojo_read_message(self->node, self->h1, buf, &n, &got, &nh));
	EXPECT_EQ(3, n);
	EXPECT_EQ(1, nh);
	/* The received port is the old q1: q0 still reaches it. */
	ASSERT_EQ(0, mojo_test_write_str(self->node, q0, "via"));
	ASSERT_EQ(0, mojo_test_read_str(self->node, got, buf, sizeof(buf)));
	EXPECT_STREQ("via", buf);
}

TEST_F(pipe, reserved_fields_and_flags_are_einval)
{
	struct mojo_create_message_pipe_args c;
	struct mojo_write_message_args w;
	struct mojo_read_message_args r;
	struct mojo_handle_args h;
	struct mojo_signals_args s;
	struct mojo_fuse_args f;
	struct mojo_export_args e;
	struct mojo_quota_args q;

	memset(&c, 0, sizeof(c));
	c.flags = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_CREATE_MESSAGE_PIPE, &c));
	memset(&c, 0, sizeof(c));
	c.reserved[4] = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_CREATE_MESSAGE_PIPE, &c));
	EXPECT_EQ(0, c.handle0);

	memset(&w, 0, sizeof(w));
	w.handle = self->h0;
	w.flags = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_WRITE_MESSAGE, &w));
	w.flags = 0;
	w.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_WRITE_MESSAGE, &w));
	EXPECT_EQ(W, mojo_test_signals(self->node, self->h1));

	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "kept"));
	memset(&r, 0, sizeof(r));
	r.handle = self->h1;
	r.num_bytes = 0;
	r.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_READ_MESSAGE, &r));
	r.reserved[0] = 0;
	r.flags = 2;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_READ_MESSAGE, &r));
	EXPECT_EQ(0, r.num_bytes);
	EXPECT_EQ(R | W, mojo_test_signals(self->node, self->h1));

	memset(&h, 0, sizeof(h));
	h.handle = self->h0;
	h.reserved[2] = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_CLOSE, &h));
	EXPECT_EQ(W, mojo_test_signals(self->node, self->h0));

	memset(&s, 0, sizeof(s));
	s.handle = self->h0;
	s.signals = R;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_QUERY_SIGNALS, &s));
	s.signals = 0;
	s.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_QUERY_SIGNALS, &s));
	s.reserved[1] = 0;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_WAIT, &s));
	s.signals = 1ULL << 40;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_WAIT, &s));

	memset(&f, 0, sizeof(f));
	f.handle0 = self->h0;
	f.handle1 = self->h1;
	f.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_FUSE, &f));

	memset(&e, 0, sizeof(e));
	e.handle = self->h0;
	e.reserved0 = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_EXPORT, &e));
	EXPECT_EQ(W, mojo_test_signals(self->node, self->h0));

	memset(&q, 0, sizeof(q));
	q.handle = self->h0;
	q.max_msgs = 1;
	q.max_bytes = 1;
	q.reserved = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_SET_QUOTA, &q));
}

TEST_F(pipe, too_many_handles_is_einval_and_moves_nothing)
{
	uint32_t hs[MOJO_MAX_MESSAGE_HANDLES + 1], other[MOJO_MAX_MESSAGE_HANDLES + 1];
	int i;

	for (i = 0; i <= MOJO_MAX_MESSAGE_HANDLES; i++)
		ASSERT_EQ(0, mojo_create_message_pipe(self->node, &hs[i], &other[i]));
	EXPECT_EQ(-EINVAL, mojo_write_message(self->node, self->h0, NULL, 0, hs,
					      MOJO_MAX_MESSAGE_HANDLES + 1));
	for (i = 0; i <= MOJO_MAX_MESSAGE_HANDLES; i++)
		ASSERT_EQ(W, mojo_test_signals(self->node, hs[i]));
	/* Exactly the maximum is fine. */
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, hs,
					MOJO_MAX_MESSAGE_HANDLES));
	EXPECT_EQ(-EBADF, mojo_query_signals(self->node, hs[0], NULL, NULL));
	EXPECT_EQ(W, mojo_test_signals(self->node, hs[MOJO_MAX_MESSAGE_HANDLES]));
}

TEST_F(pipe, duplicate_handle_is_einval_and_moves_nothing)
{
	uint32_t q0, q1, hs[3];

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	hs[0] = q0;
	hs[1] = q1;
	hs[2] = q0;
	EXPECT_EQ(-EINVAL, mojo_write_message(self->node, self->h0, NULL, 0, hs, 3));
	EXPECT_EQ(W, mojo_test_signals(self->node, q0));
	EXPECT_EQ(W, mojo_test_signals(self->node, q1));
	EXPECT_EQ(W, mojo_test_signals(self->node, self->h1));
}

TEST_F(pipe, sending_self_or_peer_is_einval)
{
	uint32_t q0, q1, hs[2];

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	EXPECT_EQ(-EINVAL, mojo_write_message(self->node, self->h0, NULL, 0, &self->h0, 1));
	EXPECT_EQ(-EINVAL, mojo_write_message(self->node, self->h0, NULL, 0, &self->h1, 1));
	hs[0] = q0;
	hs[1] = self->h1;
	EXPECT_EQ(-EINVAL, mojo_write_message(self->node, self->h0, NULL, 0, hs, 2));
	EXPECT_EQ(W, mojo_test_signals(self->node, q0));
	EXPECT_EQ(W, mojo_test_signals(self->node, self->h1));
	/* A bad handle among good ones. */
	hs[1] = 0x12345;
	EXPECT_EQ(-EBADF, mojo_write_message(self->node, self->h0, NULL, 0, hs, 2));
	EXPECT_EQ(W, mojo_test_signals(self->node, q0));
}

TEST_F(pipe, transferred_port_brings_its_queue_in_order)
{
	uint32_t q0, q1, got, n, nh = 1, i, v;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, mojo_write_message(self->node, q0, &i, sizeof(i), NULL, 0));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, &q1, 1));
	EXPECT_EQ(-EBADF, mojo_query_signals(self->node, q1, NULL, NULL));
	/* Written while the port is in transit: waits on it. */
	for (i = 3; i < 6; i++)
		ASSERT_EQ(0, mojo_write_message(self->node, q0, &i, sizeof(i), NULL, 0));
	n = 0;
	ASSERT_EQ(0, mojo_read_message(self->node, self->h1, NULL, &n, &got, &nh));
	ASSERT_EQ(1, nh);
	for (i = 0; i < 6; i++) {
		n = sizeof(v);
		ASSERT_EQ(0, mojo_read_message(self->node, got, &v, &n, NULL, NULL));
		ASSERT_EQ(i, v);
	}
}

TEST_F(pipe, unread_message_closes_the_ports_it_carries)
{
	uint32_t q0, q1;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, &q1, 1));
	EXPECT_EQ(W | PR, mojo_test_signals(self->node, q0));
	ASSERT_EQ(0, mojo_close(self->node, self->h1));
	EXPECT_EQ(PC, mojo_test_signals(self->node, q0));
}

TEST_F(pipe, nested_unread_messages_close_all_their_ports)
{
	uint32_t a0, a1, b0, b1;

	/* b1 rides inside a message to a1, and a1 inside one to h1. */
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &a0, &a1));
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &b0, &b1));
	ASSERT_EQ(0, mojo_write_message(self->node, a0, NULL, 0, &b1, 1));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, &a1, 1));
	ASSERT_EQ(0, mojo_close(self->node, self->h1));
	EXPECT_EQ(PC, mojo_test_signals(self->node, a0));
	EXPECT_EQ(PC, mojo_test_signals(self->node, b0));
}

TEST_F(pipe, message_inside_its_own_queue_is_eloop)
{
	uint32_t a0, a1, b0, b1;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &a0, &a1));
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &b0, &b1));
	/* a1 now waits in b1's queue ... */
	ASSERT_EQ(0, mojo_write_message(self->node, b0, NULL, 0, &a1, 1));
	/* ... so b1 may not go into a1's queue. */
	EXPECT_EQ(-ELOOP, mojo_write_message(self->node, a0, NULL, 0, &b1, 1));
	EXPECT_EQ(R | W, mojo_test_signals(self->node, b1));
	EXPECT_EQ(W | PR, mojo_test_signals(self->node, a0));
}

TEST_F(pipe, fuse_joins_two_pipes)
{
	uint32_t b0, b1;
	char buf[16];

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &b0, &b1));
	ASSERT_EQ(0, mojo_fuse_message_pipes(self->node, self->h1, b0));
	EXPECT_EQ(-EBADF, mojo_query_signals(self->node, self->h1, NULL, NULL));
	EXPECT_EQ(-EBADF, mojo_query_signals(self->node, b0, NULL, NULL));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "fused"));
	ASSERT_EQ(0, mojo_test_read_str(self->node, b1, buf, sizeof(buf)));
	EXPECT_STREQ("fused", buf);
	ASSERT_EQ(0, mojo_test_write_str(self->node, b1, "back"));
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h0, buf, sizeof(buf)));
	EXPECT_STREQ("back", buf);
	ASSERT_EQ(0, mojo_close(self->node, b1));
	EXPECT_EQ(PC, mojo_test_signals(self->node, self->h0));
}

TEST_F(pipe, fuse_keeps_sequence_after_reads)
{
	uint32_t b0, b1, i, v, n;

	/* h1 has read two messages from h0 before the fuse. */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, mojo_write_message(self->node, self->h0, &i, sizeof(i), NULL, 0));
		n = sizeof(v);
		ASSERT_EQ(0, mojo_read_message(self->node, self->h1, &v, &n, NULL, NULL));
	}
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &b0, &b1));
	ASSERT_EQ(0, mojo_fuse_message_pipes(self->node, self->h1, b0));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, &i, sizeof(i), NULL, 0));
	n = sizeof(v);
	ASSERT_EQ(0, mojo_read_message(self->node, b1, &v, &n, NULL, NULL));
	EXPECT_EQ(2, v);
}

TEST_F(pipe, fuse_preconditions_fail_cleanly)
{
	uint32_t b0, b1, c0, c1;
	char buf[8];

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &b0, &b1));
	/* Each other's peer, or the same handle. */
	EXPECT_EQ(-EINVAL, mojo_fuse_message_pipes(self->node, self->h0, self->h1));
	EXPECT_EQ(-EINVAL, mojo_fuse_message_pipes(self->node, self->h0, self->h0));
	EXPECT_EQ(-EBADF, mojo_fuse_message_pipes(self->node, self->h0, 0x4242));
	/* Written to, by either: even with the message read since. */
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h1, "w"));
	EXPECT_EQ(-EBUSY, mojo_fuse_message_pipes(self->node, self->h1, b0));
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &c0, &c1));
	ASSERT_EQ(0, mojo_test_write_str(self->node, c1, "c"));
	ASSERT_EQ(0, mojo_test_read_str(self->node, c0, buf, sizeof(buf)));
	EXPECT_EQ(-EBUSY, mojo_fuse_message_pipes(self->node, b0, c1));
	/* Nothing changed. */
	EXPECT_EQ(R | W, mojo_test_signals(self->node, self->h0));
	EXPECT_EQ(W, mojo_test_signals(self->node, b0));
	EXPECT_EQ(W, mojo_test_signals(self->node, c1));
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h0, buf, sizeof(buf)));
	EXPECT_STREQ("w", buf);
}

/*
 * Mojo's rule: queued messages flow on. a-b and c-d, b and c never wrote,
 * both hold messages: after the fuse d reads what a sent to b, ahead of
 * what a sends next, and a what d sent to c.
 */
TEST_F(pipe, fuse_lets_queued_messages_flow_on)
{
	uint32_t c0, c1;
	char buf[8];

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &c0, &c1));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "a1"));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "a2"));
	ASSERT_EQ(0, mojo_test_write_str(self->node, c1, "d1"));
	/* b (h1) has read one already: that one stays read. */
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	EXPECT_STREQ("a1", buf);
	ASSERT_EQ(0, mojo_fuse_message_pipes(self->node, self->h1, c0));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "a3"));
	EXPECT_EQ(R | W, mojo_test_signals(self->node, c1));
	EXPECT_EQ(R | W, mojo_test_signals(self->node, self->h0));
	ASSERT_EQ(0, mojo_test_read_str(self->node, c1, buf, sizeof(buf)));
	EXPECT_STREQ("a2", buf);
	ASSERT_EQ(0, mojo_test_read_str(self->node, c1, buf, sizeof(buf)));
	EXPECT_STREQ("a3", buf);
	EXPECT_EQ(-EAGAIN, mojo_test_read_str(self->node, c1, buf, sizeof(buf)));
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h0, buf, sizeof(buf)));
	EXPECT_STREQ("d1", buf);
	/* And the fused pipe works both ways on from there. */
	ASSERT_EQ(0, mojo_test_write_str(self->node, c1, "d2"));
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h0, buf, sizeof(buf)));
	EXPECT_STREQ("d2", buf);
}

/* The queue moves with its counts: the unread count of the writer too. */
TEST_F(pipe, fuse_carries_queue_counts_and_unread_over)
{
	struct mojo_signal_quota_args q;
	uint32_t c0, c1;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &c0, &c1));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "123"));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "4567"));
	ASSERT_EQ(0, mojo_fuse_message_pipes(self->node, self->h1, c0));
	memset(&q, 0, sizeof(q));
	q.handle = c1;
	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_QUERY_QUOTA, &q));
	EXPECT_EQ(2, q.queued_msgs);
	EXPECT_EQ(7, q.queued_bytes);
	memset(&q, 0, sizeof(q));
	q.handle = self->h0;
	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_QUERY_QUOTA, &q));
	EXPECT_EQ(2, q.unread);
	EXPECT_EQ(0, q.queued_msgs);
}

/*
 * The receiving queue's enforced quota holds, however a queue is filled:
 * what would not have fitted as writes does not flow on either (ENOSPC,
 * nothing changes); what fits does, up to a full queue.
 */
TEST_F(pipe, fuse_keeps_the_receiving_quota)
{
	uint32_t c0, c1, i;
	char buf[8];

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &c0, &c1));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "m"));
	/* Too many messages for d. */
	ASSERT_EQ(0, mojo_set_quota(self->node, c1, 2, 1 << 20));
	EXPECT_EQ(-ENOSPC, mojo_fuse_message_pipes(self->node, self->h1, c0));
	/* Two bytes before the last message: not below a 2-byte quota. */
	ASSERT_EQ(0, mojo_set_quota(self->node, c1, 3, 2));
	EXPECT_EQ(-ENOSPC, mojo_fuse_message_pipes(self->node, self->h1, c0));
	EXPECT_EQ(R | W, mojo_test_signals(self->node, self->h1));
	EXPECT_EQ(W, mojo_test_signals(self->node, c1));
	/* Exactly what writes could have queued: taken, and the queue is full. */
	ASSERT_EQ(0, mojo_set_quota(self->node, c1, 3, 3));
	ASSERT_EQ(0, mojo_fuse_message_pipes(self->node, self->h1, c0));
	EXPECT_EQ(R | W | QE, mojo_test_signals(self->node, c1));
	EXPECT_EQ(-ENOSPC, mojo_test_write_str(self->node, self->h0, "x"));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, mojo_test_read_str(self->node, c1, buf, sizeof(buf)));
	EXPECT_EQ(0, mojo_test_write_str(self->node, self->h0, "x"));
}

/*
 * A fused-away end that links moved ports to their new queue counts as a
 * handle in transit of the fusing user, until what it held is read: at
 * max_user_transit_ports the fuse fails with ETOOMANYREFS.
 */
TEST_F(pipe, fuse_links_count_as_handles_in_transit)
{
	long saved = mojo_test_read_long(MOJO_PARAM("max_user_transit_ports"));
	uint32_t c0, c1, e0, e1, x0, x1, y0, y1, got, n, nh;

	ASSERT_LT(0, saved);
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &c0, &c1));
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &e0, &e1));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, &e1, 1));
	/*
	 * e1 in transit uses the one allowed: no room for the link. (No
	 * ASSERT until the limit is restored: it is the whole VM's.)
	 */
	EXPECT_EQ(0, mojo_test_write_long(MOJO_PARAM("max_user_transit_ports"), 1));
	EXPECT_EQ(-ETOOMANYREFS, mojo_fuse_message_pipes(self->node, self->h1, c0));
	EXPECT_EQ(R | W, mojo_test_signals(self->node, self->h1));
	/* Below what is in transit already, a fuse that links nothing works. */
	EXPECT_EQ(0, mojo_test_write_long(MOJO_PARAM("max_user_transit_ports"), 0));
	EXPECT_EQ(0, mojo_create_message_pipe(self->node, &x0, &x1));
	EXPECT_EQ(0, mojo_create_message_pipe(self->node, &y0, &y1));
	EXPECT_EQ(0, mojo_fuse_message_pipes(self->node, x1, y0));
	EXPECT_EQ(0, mojo_test_write_long(MOJO_PARAM("max_user_transit_ports"), 2));
	EXPECT_EQ(0, mojo_fuse_message_pipes(self->node, self->h1, c0));
	/* e1 and the link: nothing more may travel ... */
	EXPECT_EQ(-ETOOMANYREFS, mojo_write_message(self->node, self->h0, NULL, 0, &e0, 1));
	/* ... until e1 is read, which frees the link too. */
	n = 0;
	nh = 1;
	EXPECT_EQ(0, mojo_read_message(self->node, c1, NULL, &n, &got, &nh));
	EXPECT_EQ(0, mojo_create_message_pipe(self->node, &c0, &c1));
	EXPECT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, &c1, 1));
	EXPECT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, &c0, 1));
	ASSERT_EQ(0, mojo_test_write_long(MOJO_PARAM("max_user_transit_ports"), saved));
}

/*
 * a wrote and closed before the fuse: d gets what a sent, then
 * PEER_CLOSED (raised at once, READABLE kept), then EPIPE once drained.
 */
TEST_F(pipe, fuse_passes_queued_messages_and_closure_on)
{
	uint32_t c0, c1;
	char buf[8];

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &c0, &c1));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "last"));
	ASSERT_EQ(0, mojo_close(self->node, self->h0));
	ASSERT_EQ(0, mojo_fuse_message_pipes(self->node, self->h1, c0));
	EXPECT_EQ(R | PC, mojo_test_signals(self->node, c1));
	ASSERT_EQ(0, mojo_test_read_str(self->node, c1, buf, sizeof(buf)));
	EXPECT_STREQ("last", buf);
	EXPECT_EQ(PC, mojo_test_signals(self->node, c1));
	EXPECT_EQ(-EPIPE, mojo_test_read_str(self->node, c1, buf, sizeof(buf)));
}

/*
 * What d sent to c goes to a, which is closed: it is freed, and the port
 * it carried closes, which its peer sees.
 */
TEST_F(pipe, fuse_frees_what_would_go_to_a_closed_end)
{
	uint32_t c0, c1, e0, e1;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &c0, &c1));
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &e0, &e1));
	ASSERT_EQ(0, mojo_write_message(self->node, c1, "x", 1, &e1, 1));
	ASSERT_EQ(0, mojo_close(self->node, self->h0));
	EXPECT_EQ(W, mojo_test_signals(self->node, e0) & (W | PC));
	ASSERT_EQ(0, mojo_fuse_message_pipes(self->node, self->h1, c0));
	EXPECT_EQ(PC, mojo_test_signals(self->node, c1));
	EXPECT_EQ(PC, mojo_test_signals(self->node, e0));
}

/*
 * A port travelling in a queue that flows on is received at the far end
 * and still reaches its peer.
 */
TEST_F(pipe, fuse_carries_ports_in_queued_messages)
{
	uint32_t c0, c1, e0, e1, got, n, nh;
	char buf[8];

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &c0, &c1));
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &e0, &e1));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, &e1, 1));
	ASSERT_EQ(0, mojo_fuse_message_pipes(self->node, self->h1, c0));
	n = 0;
	nh = 1;
	ASSERT_EQ(0, mojo_read_message(self->node, c1, NULL, &n, &got, &nh));
	EXPECT_EQ(1, nh);
	ASSERT_EQ(0, mojo_test_write_str(self->node, e0, "via"));
	ASSERT_EQ(0, mojo_test_read_str(self->node, got, buf, sizeof(buf)));
	EXPECT_STREQ("via", buf);
}

/*
 * A port in a queue that flowed on sits inside the far end now: that end
 * may not be sent into it (it would be unreachable inside its own queue).
 */
TEST_F(pipe, fuse_keeps_moved_ports_inside_the_far_end)
{
	uint32_t c0, c1, e0, e1;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &c0, &c1));
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &e0, &e1));
	/* e1 waits in b's (h1's) queue, then in d's (c1's). */
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, &e1, 1));
	ASSERT_EQ(0, mojo_fuse_message_pipes(self->node, self->h1, c0));
	EXPECT_EQ(-ELOOP, mojo_write_message(self->node, e0, NULL, 0, &c1, 1));
	EXPECT_EQ(R | W, mojo_test_signals(self->node, c1));
}

/*
 * d itself waits in b's queue: moving that queue to d would put d inside
 * its own queue. Refused, and nothing changed.
 */
TEST_F(pipe, fuse_refuses_to_move_a_port_into_itself)
{
	uint32_t c0, c1, got, n, nh;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &c0, &c1));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, &c1, 1));
	EXPECT_EQ(-ELOOP, mojo_fuse_message_pipes(self->node, self->h1, c0));
	EXPECT_EQ(R | W, mojo_test_signals(self->node, self->h1));
	EXPECT_EQ(W | PR, mojo_test_signals(self->node, c0));
	n = 0;
	nh = 1;
	ASSERT_EQ(0, mojo_read_message(self->node, self->h1, NULL, &n, &got, &nh));
	/* c1, back: c0's peer again, in this node. */
	ASSERT_EQ(0, mojo_test_write_str(self->node, got, "back"));
	EXPECT_EQ(R | W, mojo_test_signals(self->node, c0));
}

/*
 * The crossed cycle: a sits (one level down) in b's queue and d in c's.
 * After the fuse b's queue would be inside d and c's inside a: each
 * inside the other. Refused.
 */
TEST_F(pipe, fuse_refuses_a_crossed_cycle)
{
	uint32_t c0, c1, w0, w1, y0, y1;

	/* a = h0, b = h1; c = c0, d = c1. */
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &c0, &c1));
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &w0, &w1));
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &y0, &y1));
	/* w1 into b's queue, then a into w1's queue. */
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, &w1, 1));
	ASSERT_EQ(0, mojo_write_message(self->node, w0, NULL, 0, &self->h0, 1));
	/* y1 into c's queue, then d into y1's queue. */
	ASSERT_EQ(0, mojo_write_message(self->node, c1, NULL, 0, &y1, 1));
	ASSERT_EQ(0, mojo_write_message(self->node, y0, NULL, 0, &c1, 1));
	EXPECT_EQ(-ELOOP, mojo_fuse_message_pipes(self->node, self->h1, c0));
	EXPECT_EQ(R | W | PR, mojo_test_signals(self->node, self->h1));
	EXPECT_EQ(R | W | PR, mojo_test_signals(self->node, c0));
}

/* Build @levels of nesting below a fresh pipe's @recv end (bottom-up). */
static int nest_below(int node, int levels, uint32_t *send, uint32_t *recv)
{
	uint32_t a, b, prev;
	int i, ret;

	ret = mojo_create_message_pipe(node, &a, &prev);
	for (i = 0; !ret && i < levels; i++) {
		ret = mojo_create_message_pipe(node, &a, &b);
		if (!ret)
			ret = mojo_write_message(node, a, NULL, 0, &prev, 1);
		prev = b;
	}
	*send = a;
	*recv = prev;
	return ret;
}

/*
 * The fused-away end stays a level of the nesting of what it held: a
 * queue as deep as a receiving end may hold (MOJO_MAX_NESTING) cannot
 * move below another end; one level less can, and then the far end is
 * as deep as any end may be.
 */
TEST_F(pipe, fuse_refuses_nesting_past_the_limit)
{
	uint32_t a, b, c0, c1, x0, x1;

	ASSERT_EQ(0, nest_below(self->node, MOJO_MAX_NESTING, &a, &b));
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &c0, &c1));
	EXPECT_EQ(-ELOOP, mojo_fuse_message_pipes(self->node, b, c0));
	EXPECT_EQ(R | W, mojo_test_signals(self->node, b));

	ASSERT_EQ(0, nest_below(self->node, MOJO_MAX_NESTING - 1, &a, &b));
	ASSERT_EQ(0, mojo_fuse_message_pipes(self->node, b, c0));
	EXPECT_EQ(R | W, mojo_test_signals(self->node, c1));
	/* c1 may not go one level down anywhere now. */
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &x0, &x1));
	EXPECT_EQ(-ELOOP, mojo_write_message(self->node, x0, NULL, 0, &c1, 1));
}

/*
 * Fuses chain: each end the queue moved to is fused away in turn, the
 * port at the bottom keeping every end it passed as a level. The chain
 * stops at the nesting limit, the port is still received at its end, and
 * the chain is freed with it (kmemleak on the debug kernel).
 */
TEST_F(pipe, fuse_links_chain_up_to_the_limit)
{
	uint32_t e0, e1, c0, c1, at, got, n, nh;
	int fuses = 0, ret;
	char buf[8];

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &e0, &e1));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, &e1, 1));
	at = self->h1;
	for (;;) {
		ASSERT_EQ(0, mojo_create_message_pipe(self->node, &c0, &c1));
		ret = mojo_fuse_message_pipes(self->node, at, c0);
		if (ret)
			break;
		fuses++;
		at = c1;
	}
	EXPECT_EQ(-ELOOP, ret);
	EXPECT_EQ(MOJO_MAX_NESTING - 1, fuses);
	n = 0;
	nh = 1;
	ASSERT_EQ(0, mojo_read_message(self->node, at, NULL, &n, &got, &nh));
	ASSERT_EQ(0, mojo_test_write_str(self->node, e0, "deep"));
	ASSERT_EQ(0, mojo_test_read_str(self->node, got, buf, sizeof(buf)));
	EXPECT_STREQ("deep", buf);
	/* Read, the chain is gone: at can be fused again. */
	ASSERT_EQ(0, mojo_fuse_message_pipes(self->node, at, c0));
}

TEST_F(pipe, fuse_with_closed_far_end_passes_closure_on)
{
	uint32_t b0, b1;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &b0, &b1));
	ASSERT_EQ(0, mojo_close(self->node, self->h0));
	ASSERT_EQ(0, mojo_fuse_message_pipes(self->node, self->h1, b0));
	EXPECT_EQ(PC, mojo_test_signals(self->node, b1));
}

TEST_F(pipe, quota_in_messages)
{
	char buf[8];

	ASSERT_EQ(0, mojo_set_quota(self->node, self->h1, 2, 1 << 20));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "1"));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "2"));
	EXPECT_EQ(-ENOSPC, mojo_test_write_str(self->node, self->h0, "3"));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->h0));
	EXPECT_EQ(R | W | QE, mojo_test_signals(self->node, self->h1));
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	EXPECT_EQ(W, mojo_test_signals(self->node, self->h0));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "3"));
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	EXPECT_STREQ("2", buf);
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	EXPECT_STREQ("3", buf);
}

TEST_F(pipe, quota_in_bytes)
{
	char big[100] = { 0 };

	ASSERT_EQ(0, mojo_set_quota(self->node, self->h1, 100, 150));
	/* One message always fits an empty queue. */
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, big, 100, NULL, 0));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, big, 50, NULL, 0));
	EXPECT_EQ(-ENOSPC, mojo_write_message(self->node, self->h0, big, 1, NULL, 0));
	EXPECT_EQ(R | W | QE, mojo_test_signals(self->node, self->h1));
}

TEST_F(pipe, bad_quota_is_einval)
{
	EXPECT_EQ(-EINVAL, mojo_set_quota(self->node, self->h1, 0, 100));
	EXPECT_EQ(-EINVAL, mojo_set_quota(self->node, self->h1, 100, 0));
	EXPECT_EQ(-EINVAL, mojo_set_quota(self->node, self->h1, MOJO_QUOTA_MAX_MSGS + 1, 100));
	EXPECT_EQ(-EINVAL, mojo_set_quota(self->node, self->h1, 1, MOJO_QUOTA_MAX_BYTES + 1));
	EXPECT_EQ(-EBADF, mojo_set_quota(self->node, 0x999, 1, 1));
	/* The default quota still holds: two writes work. */
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "1"));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "2"));
}

TEST_F(pipe, wait_with_zero_timeout_polls)
{
	uint64_t sat = 0;

	EXPECT_EQ(-ETIMEDOUT, mojo_wait(self->node, self->h1, R, 0, &sat, NULL));
	EXPECT_EQ(W, sat);
	EXPECT_EQ(0, mojo_wait(self->node, self->h1, W, 0, &sat, NULL));
}

TEST_F(pipe, wait_times_out)
{
	struct timespec t0, t1;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(-ETIMEDOUT, mojo_wait(self->node, self->h1, R, 50000000, NULL, NULL));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	EXPECT_GE(ms, 45);
}

struct delayed {
	int node;
	uint32_t h;
	int what;	/* 0: write, 1: close */
};

static void *delayed_act(void *p)
{
	struct delayed *d = p;

	usleep(50000);
	if (d->what == 0)
		mojo_test_write_str(d->node, d->h, "late");
	else
		mojo_close(d->node, d->h);
	return NULL;
}

TEST_F(pipe, wait_wakes_on_message_from_another_thread)
{
	struct delayed d = { self->node, self->h0, 0 };
	uint64_t sat;
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, delayed_act, &d));
	EXPECT_EQ(0, mojo_wait(self->node, self->h1, R, MOJO_TIMEOUT_INFINITE, &sat, NULL));
	EXPECT_EQ(R | W, sat);
	pthread_join(t, NULL);
}

TEST_F(pipe, wait_for_readable_fails_when_peer_closes)
{
	struct delayed d = { self->node, self->h0, 1 };
	uint64_t sat, able;
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, delayed_act, &d));
	EXPECT_EQ(-EPIPE, mojo_wait(self->node, self->h1, R, MOJO_TIMEOUT_INFINITE, &sat, &able));
	EXPECT_EQ(PC, sat);
	EXPECT_EQ(PC, able);
	pthread_join(t, NULL);
}

TEST_F(pipe, wait_is_cancelled_when_the_handle_closes)
{
	struct delayed d = { self->node, self->h1, 1 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, delayed_act, &d));
	EXPECT_EQ(-ECANCELED, mojo_wait(self->node, self->h1, R, MOJO_TIMEOUT_INFINITE, NULL, NULL));
	pthread_join(t, NULL);
}

static void on_alarm(int sig)
{
}

TEST_F(pipe, wait_is_interrupted_by_a_signal)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ualarm(50000, 0);
	EXPECT_EQ(-EINTR, mojo_wait(self->node, self->h1, R, MOJO_TIMEOUT_INFINITE, NULL, NULL));
}

TEST_F(pipe, wait_is_interrupted_by_a_signal_even_with_sa_restart)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ualarm(50000, 0);
	EXPECT_EQ(-EINTR, mojo_wait(self->node, self->h1, R, MOJO_TIMEOUT_INFINITE, NULL, NULL));
}

/*
 * Closing an io_uring ring makes its exit work queue task work on every
 * task that used it, which sets TIF_NOTIFY_SIGNAL on us for a moment. That
 * is no signal: a wait must not fail with -EINTR because of it.
 */
TEST_F(pipe, wait_is_not_cut_short_by_io_uring_task_work)
{
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int i;

	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, io_uring_queue_init(2, &ring, 0));
		io_uring_prep_nop(io_uring_get_sqe(&ring));
		ASSERT_EQ(1, io_uring_submit(&ring));
		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		io_uring_cqe_seen(&ring, cqe);
		io_uring_queue_exit(&ring);
		EXPECT_EQ(-ETIMEDOUT, mojo_wait(self->node, self->h1, R, 100 * 1000 * 1000,
						NULL, NULL));
	}
}

struct kicker {
	int node;
	uint32_t h;
	int n;
};

/* Write @n messages 20 ms apart: each completes a read pending on a ring. */
static void *kick_reads(void *p)
{
	struct kicker *k = p;
	int i;

	for (i = 0; i < k->n; i++) {
		usleep(20000);
		mojo_test_write_str(k->node, k->h, "k");
	}
	return NULL;
}

/*
 * Task work that keeps arriving restarts a finite wait again and again:
 * each restart must wait only for the time left, not the whole timeout.
 */
TEST_F(pipe, restarted_finite_wait_ends_on_time)
{
	struct mojo_read_message_args r[30];
	struct kicker k = { self->node, 0, 30 };
	struct timespec t0, t1;
	struct io_uring ring;
	uint32_t q0, q1;
	char buf[30][4];
	pthread_t t;
	long ms;
	int i;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	ASSERT_EQ(0, io_uring_queue_init(32, &ring, 0));
	/* Reads pending on q1: each message to it queues task work on us. */
	for (i = 0; i < 30; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].handle = q1;
		r[i].bytes = (uintptr_t)buf[i];
		r[i].num_bytes = sizeof(buf[i]);
		mojo_uring_prep_read_message(io_uring_get_sqe(&ring), self->node, &r[i]);
	}
	ASSERT_EQ(30, io_uring_submit(&ring));
	k.h = q0;
	ASSERT_EQ(0, pthread_create(&t, NULL, kick_reads, &k));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(-ETIMEDOUT, mojo_wait(self->node, self->h1, R, 200 * 1000 * 1000,
					NULL, NULL));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	EXPECT_GE(ms, 190);
	/* The kicks go on for 600 ms: a timeout counted anew would run past. */
	EXPECT_LT(ms, 450);
	pthread_join(t, NULL);
	io_uring_queue_exit(&ring);
}

TEST_F(nodes, messages_cross_nodes)
{
	char buf[16];

	ASSERT_EQ(0, mojo_test_write_str(self->a, self->ha, "a->b"));
	ASSERT_EQ(0, mojo_test_read_str(self->b, self->hb, buf, sizeof(buf)));
	EXPECT_STREQ("a->b", buf);
	ASSERT_EQ(0, mojo_test_write_str(self->b, self->hb, "b->a"));
	ASSERT_EQ(0, mojo_test_read_str(self->a, self->ha, buf, sizeof(buf)));
	EXPECT_STREQ("b->a", buf);
}

TEST_F(nodes, port_sent_to_another_node_gets_a_new_handle_there)
{
	uint32_t q0, q1, got, n = 0, nh = 1;
	char buf[16];

	ASSERT_EQ(0, mojo_create_message_pipe(self->a, &q0, &q1));
	ASSERT_EQ(0, mojo_write_message(self->a, self->ha, NULL, 0, &q1, 1));
	ASSERT_EQ(0, mojo_read_message(self->b, self->hb, NULL, &n, &got, &nh));
	ASSERT_EQ(1, nh);
	ASSERT_EQ(0, mojo_test_write_str(self->a, q0, "over"));
	ASSERT_EQ(0, mojo_test_read_str(self->b, got, buf, sizeof(buf)));
	EXPECT_STREQ("over", buf);
	EXPECT_EQ(-EBADF, mojo_query_signals(self->a, q1, NULL, NULL));
}

TEST_F(nodes, node_death_closes_its_ports)
{
	uint32_t q0, q1, n = 0, nh = 1, got;

	/* b also holds a port that arrived in a message, still unread. */
	ASSERT_EQ(0, mojo_create_message_pipe(self->a, &q0, &q1));
	ASSERT_EQ(0, mojo_write_message(self->a, self->ha, NULL, 0, &q1, 1));
	ASSERT_EQ(0, mojo_create_message_pipe(self->a, &q1, &got));
	ASSERT_EQ(0, mojo_write_message(self->a, self->ha, NULL, 0, &got, 1));
	ASSERT_EQ(0, mojo_read_message(self->b, self->hb, NULL, &n, &got, &nh));
	close(self->b);
	self->b = -1;
	EXPECT_EQ(PC, mojo_test_signals(self->a, self->ha));
	EXPECT_EQ(PC, mojo_test_signals(self->a, q0));
	EXPECT_EQ(PC, mojo_test_signals(self->a, q1));
}

TEST_F(nodes, exported_fd_closed_without_import_closes_the_endpoint)
{
	int fd = mojo_export_handle(self->b, self->hb);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EBADF, mojo_query_signals(self->b, self->hb, NULL, NULL));
	EXPECT_EQ(W | PR, mojo_test_signals(self->a, self->ha));
	close(fd);
	EXPECT_EQ(PC, mojo_test_signals(self->a, self->ha));
}

TEST_F(nodes, exported_fd_is_cloexec_and_imports_once)
{
	uint32_t h1, h2;
	int fd = mojo_export_handle(self->b, self->hb);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, mojo_import_handle(self->b, fd, &h1));
	EXPECT_EQ(-EALREADY, mojo_import_handle(self->a, fd, &h2));
	close(fd);
	EXPECT_EQ(W | PR, mojo_test_signals(self->b, h1));
	EXPECT_EQ(W | PR, mojo_test_signals(self->a, self->ha));
}

TEST_F(nodes, import_of_a_foreign_fd_fails_cleanly)
{
	uint32_t h;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-EINVAL, mojo_import_handle(self->a, p[0], &h));
	EXPECT_EQ(-EINVAL, mojo_import_handle(self->a, self->b, &h));
	EXPECT_EQ(-EBADF, mojo_import_handle(self->a, 999, &h));
	EXPECT_EQ(-EBADF, mojo_export_handle(self->a, 0x777));
	close(p[0]);
	close(p[1]);
}

/* Send @fd over a UNIX socket with SCM_RIGHTS. */
static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

TEST(export_over_scm_rights_to_an_unrelated_node)
{
	uint32_t h0, h1;
	int node, sv[2], status, fd;
	char buf[32];
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* A node of its own: shares nothing with the parent's. */
		int me = mojo_open_node(), fd = recv_fd(sv[1]);
		uint32_t h;

		if (me < 0 || fd < 0 || mojo_import_handle(me, fd, &h))
			_exit(1);
		close(fd);
		if (mojo_wait(me, h, R, MOJO_TIMEOUT_INFINITE, NULL, NULL))
			_exit(2);
		if (mojo_test_read_str(me, h, buf, sizeof(buf)) || strcmp(buf, "ping"))
			_exit(3);
		if (mojo_test_write_str(me, h, "pong"))
			_exit(4);
		_exit(0);
	}
	node = mojo_open_node();
	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	fd = mojo_export_handle(node, h1);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, send_fd(sv[0], fd));
	close(fd);
	ASSERT_EQ(0, mojo_test_write_str(node, h0, "ping"));
	ASSERT_EQ(0, mojo_wait(node, h0, R, MOJO_TIMEOUT_INFINITE, NULL, NULL));
	ASSERT_EQ(0, mojo_test_read_str(node, h0, buf, sizeof(buf)));
	EXPECT_STREQ("pong", buf);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The child's node died with it. */
	EXPECT_EQ(PC, mojo_test_signals(node, h0));
	close(node);
}

/*
 * The exec'd half of exported_fd_is_inherited_across_exec: runs before
 * the harness when the environment names an inherited exported fd.
 */
__attribute__((constructor)) static void exec_importer(void)
{
	const char *fd_s = getenv("MOJO_TEST_IMPORT_FD");
	uint32_t h;
	int node;

	if (!fd_s)
		return;
	node = mojo_open_node();
	if (node < 0 || mojo_import_handle(node, atoi(fd_s), &h))
		_exit(1);
	close(atoi(fd_s));
	_exit(mojo_test_write_str(node, h, "after exec") ? 2 : 0);
}

TEST(exported_fd_is_inherited_across_exec)
{
	uint32_t h0, h1;
	int node, fd, status;
	char buf[32], env[32];
	pid_t pid;

	node = mojo_open_node();
	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	fd = mojo_export_handle(node, h1);
	ASSERT_GE(fd, 0);
	/* Exported fds are O_CLOEXEC; whoever wants one inherited says so. */
	ASSERT_EQ(0, fcntl(fd, F_SETFD, 0));
	snprintf(env, sizeof(env), "%d", fd);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		setenv("MOJO_TEST_IMPORT_FD", env, 1);
		execl("/proc/self/exe", "msgpipe_test", (char *)NULL);
		_exit(99);
	}
	close(fd);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, mojo_test_read_str(node, h0, buf, sizeof(buf)));
	EXPECT_STREQ("after exec", buf);
	close(node);
}

TEST(order_across_100k_messages_between_processes)
{
	const uint32_t count = 100000;
	uint32_t h0, h1, i, v, n;
	int node, status;
	pid_t pid;

	node = mojo_open_node();
	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* The child shares the node; it writes, the parent reads. */
		for (i = 0; i < count; i++) {
			int ret;

			while ((ret = mojo_write_message(node, h0, &i, sizeof(i), NULL, 0)) == -ENOSPC)
				mojo_wait(node, h0, W, MOJO_TIMEOUT_INFINITE, NULL, NULL);
			if (ret)
				_exit(1);
		}
		_exit(0);
	}
	for (i = 0; i < count; i++) {
		int ret;

		n = sizeof(v);
		while ((ret = mojo_read_message(node, h1, &v, &n, NULL, NULL)) == -EAGAIN)
			mojo_wait(node, h1, R, MOJO_TIMEOUT_INFINITE, NULL, NULL);
		ASSERT_EQ(0, ret);
		ASSERT_EQ(i, v);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(node);
}

TEST(sigkill_in_the_middle_of_transfers)
{
	uint32_t h0, h1, q0, q1;
	int a, status, i;
	pid_t pid;

	a = mojo_open_node();
	ASSERT_GE(a, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(a, &h0, &h1));
	ASSERT_EQ(0, mojo_create_message_pipe(a, &q0, &q1));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int me = mojo_open_node();
		uint32_t mh, x0, x1;

		if (me < 0 || mojo_test_move(a, h1, me, &mh))
			_exit(1);
		/* Keep creating pipes and sending ends back, forever. */
		for (;;) {
			if (mojo_create_message_pipe(me, &x0, &x1))
				_exit(2);
			if (mojo_write_message(me, mh, "t", 1, &x1, 1) == -ENOSPC)
				mojo_wait(me, mh, W, 10000000, NULL, NULL);
			mojo_close(me, x0);
		}
	}
	/* Send q1 into the child's queue too, then kill it mid-stream. */
	for (i = 0; i < 100; i++) {
		uint32_t n = 4, nh = 1, got;
		char buf[4];

		if (mojo_read_message(a, h0, buf, &n, &got, &nh) == 0)
			mojo_close(a, got);
		else
			usleep(1000);
	}
	ASSERT_EQ(0, mojo_write_message(a, h0, NULL, 0, &q1, 1));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	/* Whatever the child held or had in flight is closed. */
	EXPECT_EQ(0, mojo_wait(a, q0, PC, 2000000000ULL, NULL, NULL));
	for (;;) {
		uint32_t n = 4, nh = 1, got;
		char buf[4];
		int ret = mojo_read_message(a, h0, buf, &n, &got, &nh);

		if (ret == -EPIPE)
			break;
		ASSERT_EQ(0, ret);
		ASSERT_EQ(1, nh);
		/* Each carried port's peer (x0) was closed by the child. */
		EXPECT_EQ(PC, mojo_test_signals(a, got));
		mojo_close(a, got);
	}
	close(a);
}

/* ---- PEER_REMOTE: is the peer held by another node? ---- */

TEST_F(pipe, peer_remote_follows_the_peer_between_nodes)
{
	int other = mojo_open_node();
	uint32_t there, back;

	ASSERT_GE(other, 0);
	EXPECT_EQ(0, mojo_test_signals(self->node, self->h0) & PR);
	ASSERT_EQ(0, mojo_test_move(self->node, self->h1, other, &there));
	EXPECT_EQ(PR, mojo_test_signals(self->node, self->h0) & PR);
	EXPECT_EQ(PR, mojo_test_signals(other, there) & PR);
	ASSERT_EQ(0, mojo_test_move(other, there, self->node, &back));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->h0) & PR);
	EXPECT_EQ(0, mojo_test_signals(self->node, back) & PR);
	close(other);
}

TEST_F(pipe, peer_remote_while_the_peer_is_in_transit)
{
	uint32_t x0, x1, got, nh = 1;
	uint32_t n = 0;
	int fd;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &x0, &x1));
	/* Inside a queued message. */
	ASSERT_EQ(0, mojo_write_message(self->node, x0, NULL, 0, &self->h1, 1));
	EXPECT_EQ(PR, mojo_test_signals(self->node, self->h0) & PR);
	ASSERT_EQ(0, mojo_read_message(self->node, x1, NULL, &n, &got, &nh));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->h0) & PR);
	/* Inside an exported fd. */
	fd = mojo_export_handle(self->node, got);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(PR, mojo_test_signals(self->node, self->h0) & PR);
	ASSERT_EQ(0, mojo_import_handle(self->node, fd, &got));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->h0) & PR);
	close(fd);
}

TEST_F(nodes, peer_remote_ends_with_the_peer)
{
	uint64_t sat, able;

	ASSERT_EQ(0, mojo_query_signals(self->a, self->ha, &sat, &able));
	EXPECT_EQ(W | PR, sat);
	EXPECT_EQ(R | W | PC | QE | PR, able);
	ASSERT_EQ(0, mojo_close(self->b, self->hb));
	ASSERT_EQ(0, mojo_query_signals(self->a, self->ha, &sat, &able));
	EXPECT_EQ(PC, sat);
	EXPECT_EQ(PC, able);
	EXPECT_EQ(-EPIPE, mojo_wait(self->a, self->ha, PR, 0, NULL, NULL));
}


/* ---- signal-only quotas (Mojo's MojoSetQuota) ---- */

static int set_sq(int node, uint32_t h, uint32_t flags, uint64_t msgs,
		  uint64_t bytes, uint64_t unread)
{
	return mojo_set_signal_quota(node, h, flags, msgs, bytes, unread);
}

TEST_F(pipe, signal_quota_on_queue_length_raises_quota_exceeded_only)
{
	char buf[16];
	int i;

	ASSERT_EQ(0, set_sq(self->node, self->h1, MOJO_SIGNAL_QUOTA_QUEUE_MSGS, 2, 0, 0));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "m"));
	EXPECT_EQ(R | W, mojo_test_signals(self->node, self->h1));
	/* Over the limit: raised, and the write was not refused. */
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "m"));
	EXPECT_EQ(R | W | QE, mojo_test_signals(self->node, self->h1));
	EXPECT_EQ(W, mojo_test_signals(self->node, self->h0));
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	EXPECT_EQ(R | W, mojo_test_signals(self->node, self->h1));
}

TEST_F(pipe, signal_quota_on_queue_bytes)
{
	ASSERT_EQ(0, set_sq(self->node, self->h1, MOJO_SIGNAL_QUOTA_QUEUE_BYTES, 0, 4, 0));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, "1234", 4, NULL, 0));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->h1) & QE);
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, "5", 1, NULL, 0));
	EXPECT_EQ(QE, mojo_test_signals(self->node, self->h1) & QE);
	/* MOJO_QUOTA_NONE removes the limit. */
	ASSERT_EQ(0, set_sq(self->node, self->h1, MOJO_SIGNAL_QUOTA_QUEUE_BYTES, 0,
			    MOJO_QUOTA_NONE, 0));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->h1) & QE);
}

/* The writer's unread count is what waits in its peer's queue. */
TEST_F(pipe, signal_quota_on_unread_messages_is_the_writers)
{
	struct mojo_signal_quota_args q;
	char buf[16];

	ASSERT_EQ(0, set_sq(self->node, self->h0, MOJO_SIGNAL_QUOTA_UNREAD_MSGS, 0, 0, 1));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "a"));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->h0) & QE);
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "bb"));
	EXPECT_EQ(QE, mojo_test_signals(self->node, self->h0) & QE);
	EXPECT_EQ(0, mojo_test_signals(self->node, self->h1) & QE);
	ASSERT_EQ(0, mojo_query_quota(self->node, self->h0, &q));
	EXPECT_EQ(MOJO_QUOTA_NONE, q.queue_msgs);
	EXPECT_EQ(MOJO_QUOTA_NONE, q.queue_bytes);
	EXPECT_EQ(1, q.unread_msgs);
	EXPECT_EQ(2, q.unread);
	EXPECT_EQ(0, q.queued_msgs);
	ASSERT_EQ(0, mojo_query_quota(self->node, self->h1, &q));
	EXPECT_EQ(2, q.queued_msgs);
	EXPECT_EQ(3, q.queued_bytes);
	EXPECT_EQ(0, q.unread);
	/* The peer reads: the writer's signal drops. */
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->h0) & QE);
	/* Once the peer closed nothing is unread. */
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "c"));
	EXPECT_EQ(QE, mojo_test_signals(self->node, self->h0) & QE);
	ASSERT_EQ(0, mojo_close(self->node, self->h1));
	ASSERT_EQ(0, mojo_query_quota(self->node, self->h0, &q));
	EXPECT_EQ(0, q.unread);
	EXPECT_EQ(PC, mojo_test_signals(self->node, self->h0));
}

/* A trap watching the writer learns when the reader catches up. */
TEST_F(pipe, unread_quota_trap_fires_when_the_peer_reads)
{
	struct mojo_trap_event ev;
	uint32_t trap;
	char buf[16];

	ASSERT_EQ(0, set_sq(self->node, self->h0, MOJO_SIGNAL_QUOTA_UNREAD_MSGS, 0, 0, 0));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "a"));
	ASSERT_EQ(0, mojo_create_trap(self->node, &trap));
	ASSERT_EQ(0, mojo_add_trigger(self->node, trap, self->h0, QE,
				      MOJO_TRIGGER_NOT_SATISFIED, 7));
	ASSERT_EQ(0, mojo_arm_trap(self->node, trap, NULL));
	EXPECT_EQ(-EAGAIN, mojo_read_trap_events(self->node, &ev, 1));
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	ASSERT_EQ(1, mojo_read_trap_events(self->node, &ev, 1));
	EXPECT_EQ(7, ev.context);
	EXPECT_EQ(0, ev.satisfied & QE);
}

/* The limits belong to the endpoint and travel with it. */
TEST_F(nodes, signal_quota_travels_with_the_endpoint)
{
	struct mojo_signal_quota_args q;
	uint32_t back;

	ASSERT_EQ(0, set_sq(self->b, self->hb, MOJO_SIGNAL_QUOTA_QUEUE_MSGS |
			    MOJO_SIGNAL_QUOTA_UNREAD_MSGS, 5, 0, 6));
	ASSERT_EQ(0, mojo_test_move(self->b, self->hb, self->a, &back));
	ASSERT_EQ(0, mojo_query_quota(self->a, back, &q));
	EXPECT_EQ(5, q.queue_msgs);
	EXPECT_EQ(MOJO_QUOTA_NONE, q.queue_bytes);
	EXPECT_EQ(6, q.unread_msgs);
}

TEST_F(pipe, signal_quota_refuses_bad_arguments_and_changes_nothing)
{
	struct mojo_signal_quota_args a, q;
	uint32_t p, c;

	memset(&a, 0, sizeof(a));
	a.handle = self->h1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_SET_SIGNAL_QUOTA, &a));
	a.flags = 8;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_SET_SIGNAL_QUOTA, &a));
	/* A value for a limit it does not set, a usage field, reserved. */
	a.flags = MOJO_SIGNAL_QUOTA_QUEUE_MSGS;
	a.queue_bytes = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_SET_SIGNAL_QUOTA, &a));
	a.queue_bytes = 0;
	a.queued_msgs = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_SET_SIGNAL_QUOTA, &a));
	a.queued_msgs = 0;
	a.reserved = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_SET_SIGNAL_QUOTA, &a));
	a.reserved = 0;
	a.handle = 0x7ffffff0;
	EXPECT_EQ(-EBADF, mojo_test_ioctl(self->node, MOJO_IOC_SET_SIGNAL_QUOTA, &a));
	ASSERT_EQ(0, mojo_create_data_pipe(self->node, 1, 16, &p, &c));
	a.handle = c;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_SET_SIGNAL_QUOTA, &a));
	EXPECT_EQ(-EINVAL, mojo_query_quota(self->node, c, &q));
	memset(&q, 0, sizeof(q));
	q.handle = self->h1;
	q.flags = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_QUERY_QUOTA, &q));
	ASSERT_EQ(0, mojo_query_quota(self->node, self->h1, &q));
	EXPECT_EQ(MOJO_QUOTA_NONE, q.queue_msgs);
	EXPECT_EQ(MOJO_QUOTA_NONE, q.queue_bytes);
	EXPECT_EQ(MOJO_QUOTA_NONE, q.unread_msgs);
}

/* The enforced quota still refuses; the signal-only one never does. */
TEST_F(pipe, enforced_and_signal_only_quotas_side_by_side)
{
	ASSERT_EQ(0, mojo_set_quota(self->node, self->h1, 2, 1 << 20));
	ASSERT_EQ(0, set_sq(self->node, self->h1, MOJO_SIGNAL_QUOTA_QUEUE_MSGS, 0, 0, 0));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "a"));
	EXPECT_EQ(R | W | QE, mojo_test_signals(self->node, self->h1));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "b"));
	EXPECT_EQ(-ENOSPC, mojo_test_write_str(self->node, self->h0, "c"));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->h0) & W);
}

TEST_HARNESS_MAIN
