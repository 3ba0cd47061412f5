// SPDX-License-Identifier: GPL-2.0
/*
 * Regressions found by mojofuzz's model mode (userspace/fuzz/model.c):
 * each test is one behaviour where the module disagreed with
 * uapi/linux/mojoports.h.
 */
#include <stdint.h>

#include "kselftest_harness.h"
#include "mojo_test.h"

#define RD	MOJO_SIGNAL_READABLE
#define PC	MOJO_SIGNAL_PEER_CLOSED
#define QE	MOJO_SIGNAL_QUOTA_EXCEEDED
#define ND	MOJO_SIGNAL_NEW_DATA_READABLE

/*
 * "satisfiable: the signals that can still become satisfied". Once the
 * peer closed, a queue still holding messages can still become full:
 * SET_QUOTA may lower the quota to what is queued. So QUOTA_EXCEEDED
 * stays satisfiable while messages are queued, and a WAIT for it must
 * not fail with -EPIPE ("none of them can ever be satisfied").
 */
TEST(quota_exceeded_satisfiable_while_queued_after_peer_closed)
{
	uint64_t sat, able;
	uint32_t a, b;
	int node = mojo_open_node();

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &a, &b));
	ASSERT_EQ(0, mojo_test_write_str(node, a, "one"));
	ASSERT_EQ(0, mojo_test_write_str(node, a, "two"));
	ASSERT_EQ(0, mojo_close(node, a));

	ASSERT_EQ(0, mojo_query_signals(node, b, &sat, &able));
	EXPECT_EQ(RD | PC, sat);
	EXPECT_EQ(QE, able & QE);
	EXPECT_EQ(-ETIMEDOUT, mojo_wait(node, b, QE, 0, NULL, NULL));

	/* And indeed it becomes satisfied. */
	ASSERT_EQ(0, mojo_set_quota(node, b, 1, 1 << 20));
	ASSERT_EQ(0, mojo_query_signals(node, b, &sat, &able));
	EXPECT_EQ(RD | QE | PC, sat);
	close(node);
}

/*
 * NEW_DATA_READABLE: "once data arrived that no read has seen yet". Once
 * the producer closed and a read has seen what is there, no data can
 * arrive any more: the signal can never be satisfied again, and a WAIT
 * for it must fail with -EPIPE rather than wait forever.
 */
TEST(new_data_unsatisfiable_after_producer_closed_and_read)
{
	uint64_t sat, able, n;
	uint32_t p, c;
	char buf[4];
	int node = mojo_open_node();

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_data_pipe(node, 1, 64, &p, &c));
	n = 4;
	ASSERT_EQ(0, mojo_write_data(node, p, "abcd", &n, 0));
	n = 2;
	ASSERT_EQ(0, mojo_read_data(node, c, buf, &n, 0));
	ASSERT_EQ(0, mojo_close(node, p));

	ASSERT_EQ(0, mojo_query_signals(node, c, &sat, &able));
	EXPECT_EQ(RD | PC, sat);
	EXPECT_EQ(0, able & ND);
	EXPECT_EQ(-EPIPE, mojo_wait(node, c, ND, 0, NULL, NULL));
	close(node);
}

TEST_HARNESS_MAIN
