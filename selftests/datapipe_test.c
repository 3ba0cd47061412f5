// SPDX-License-Identifier: GPL-2.0
/*
 * Data pipes: one-shot and two-phase transfers, signals, mapping rules,
 * revocation on transfer, node death, and bad input of every call.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mojo_test.h"

#define R MOJO_SIGNAL_READABLE
#define W MOJO_SIGNAL_WRITABLE
#define PC MOJO_SIGNAL_PEER_CLOSED
#define ND MOJO_SIGNAL_NEW_DATA_READABLE

#define SEC 1000000000ULL

/* One node with a data pipe of 4-byte elements and a 64-byte ring. */
FIXTURE(dp) {
	int node;
	uint32_t p, c;
};

FIXTURE_SETUP(dp)
{
	self->node = mojo_open_node();
	ASSERT_GE(self->node, 0);
	ASSERT_EQ(0, mojo_create_data_pipe(self->node, 4, 64, &self->p, &self->c));
}

FIXTURE_TEARDOWN(dp)
{
	close(self->node);
}

static int wr(int node, uint32_t p, const void *b, uint64_t n, uint64_t flags,
	      uint64_t *done)
{
	uint64_t len = n;
	int ret = mojo_write_data(node, p, b, &len, flags);

	if (done)
		*done = len;
	return ret;
}

static int rd(int node, uint32_t c, void *b, uint64_t n, uint64_t flags,
	      uint64_t *done)
{
	uint64_t len = n;
	int ret = mojo_read_data(node, c, b, &len, flags);

	if (done)
		*done = len;
	return ret;
}

TEST_F(dp, create_reports_info)
{
	struct mojo_data_pipe_info_args pi, ci;

	ASSERT_EQ(0, mojo_data_pipe_info(self->node, self->p, &pi));
	ASSERT_EQ(0, mojo_data_pipe_info(self->node, self->c, &ci));
	EXPECT_EQ(4, pi.element_size);
	EXPECT_EQ(64, pi.capacity);
	EXPECT_EQ(1, pi.producer);
	EXPECT_EQ(0, ci.producer);
	EXPECT_NE(pi.map_offset, ci.map_offset);
	EXPECT_EQ(sysconf(_SC_PAGESIZE), (long)pi.map_size);
	EXPECT_EQ(W, mojo_test_signals(self->node, self->p));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->c));
}

TEST(default_capacity_and_bad_create)
{
	struct mojo_create_data_pipe_args a;
	struct mojo_data_pipe_info_args info;
	int node = mojo_open_node();
	uint32_t p, c;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_data_pipe(node, 1, 0, &p, &c));
	ASSERT_EQ(0, mojo_data_pipe_info(node, p, &info));
	EXPECT_EQ(MOJO_DATA_PIPE_DEFAULT_CAPACITY, info.capacity);
	ASSERT_EQ(0, mojo_create_data_pipe(node, 3, 0, &p, &c));
	ASSERT_EQ(0, mojo_data_pipe_info(node, p, &info));
	EXPECT_EQ(0, info.capacity % 3);
	EXPECT_EQ(-EINVAL, mojo_create_data_pipe(node, 0, 64, &p, &c));
	EXPECT_EQ(-EINVAL, mojo_create_data_pipe(node, 65537, 0, &p, &c));
	EXPECT_EQ(-EINVAL, mojo_create_data_pipe(node, 4, 66, &p, &c));
	/* Oversized: above max_data_pipe_capacity (64 MiB by default). */
	EXPECT_EQ(-EINVAL, mojo_create_data_pipe(node, 1, 1ULL << 40, &p, &c));
	EXPECT_EQ(-EINVAL, mojo_create_data_pipe(node, 1, UINT64_MAX, &p, &c));
	memset(&a, 0, sizeof(a));
	a.element_size = 1;
	a.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(node, MOJO_IOC_CREATE_DATA_PIPE, &a));
	memset(&a, 0, sizeof(a));
	a.element_size = 1;
	a.flags = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(node, MOJO_IOC_CREATE_DATA_PIPE, &a));
	close(node);
}

TEST_F(dp, simple_write_then_read)
{
	char out[16];
	uint64_t n;

	ASSERT_EQ(0, wr(self->node, self->p, "abcdefgh", 8, 0, &n));
	EXPECT_EQ(8, n);
	EXPECT_EQ(R | ND, mojo_test_signals(self->node, self->c));
	ASSERT_EQ(0, rd(self->node, self->c, out, 16, 0, &n));
	EXPECT_EQ(8, n);
	EXPECT_EQ(0, memcmp(out, "abcdefgh", 8));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->c));
	EXPECT_EQ(-EAGAIN, rd(self->node, self->c, out, 4, 0, &n));
}

TEST_F(dp, counts_must_be_whole_elements)
{
	char buf[16] = { 0 };

	EXPECT_EQ(-EINVAL, wr(self->node, self->p, buf, 3, 0, NULL));
	EXPECT_EQ(-EINVAL, wr(self->node, self->p, buf, UINT64_MAX, 0, NULL));
	ASSERT_EQ(0, wr(self->node, self->p, buf, 8, 0, NULL));
	EXPECT_EQ(-EINVAL, rd(self->node, self->c, buf, 5, 0, NULL));
	EXPECT_EQ(R | ND, mojo_test_signals(self->node, self->c));
}

TEST_F(dp, write_fills_up_to_capacity_then_eagain)
{
	char buf[100] = { 0 };
	uint64_t n;

	ASSERT_EQ(0, wr(self->node, self->p, buf, 100, 0, &n));
	EXPECT_EQ(64, n);
	EXPECT_EQ(0, mojo_test_signals(self->node, self->p));
	EXPECT_EQ(-EAGAIN, wr(self->node, self->p, buf, 4, 0, NULL));
}

TEST_F(dp, all_or_none)
{
	char buf[100] = { 0 };
	uint64_t n;

	ASSERT_EQ(0, wr(self->node, self->p, buf, 40, MOJO_DATA_ALL_OR_NONE, &n));
	EXPECT_EQ(-ERANGE, wr(self->node, self->p, buf, 28, MOJO_DATA_ALL_OR_NONE, NULL));
	EXPECT_EQ(-ERANGE, wr(self->node, self->p, buf, UINT64_MAX - 3,
			      MOJO_DATA_ALL_OR_NONE, NULL));
	ASSERT_EQ(0, wr(self->node, self->p, buf, 24, MOJO_DATA_ALL_OR_NONE, &n));
	EXPECT_EQ(-ERANGE, rd(self->node, self->c, buf, 68, MOJO_DATA_ALL_OR_NONE, NULL));
	ASSERT_EQ(0, rd(self->node, self->c, buf, 64, MOJO_DATA_ALL_OR_NONE, &n));
	EXPECT_EQ(64, n);
}

TEST_F(dp, wrap_around_keeps_the_bytes_in_order)
{
	uint32_t in[16], out[16], i, next = 0, expect = 0;
	uint64_t n;
	int round;

	for (round = 0; round < 20; round++) {
		/* 12 elements in, 12 out: the offsets wrap every few rounds. */
		for (i = 0; i < 12; i++)
			in[i] = next++;
		ASSERT_EQ(0, wr(self->node, self->p, in, 48, MOJO_DATA_ALL_OR_NONE, &n));
		ASSERT_EQ(0, rd(self->node, self->c, out, 48, MOJO_DATA_ALL_OR_NONE, &n));
		for (i = 0; i < 12; i++)
			ASSERT_EQ(expect++, out[i]);
	}
}

TEST_F(dp, peek_discard_and_query)
{
	uint32_t in[4] = { 1, 2, 3, 4 }, out[4] = { 0 };
	uint64_t n;

	ASSERT_EQ(0, wr(self->node, self->p, in, 16, 0, NULL));
	ASSERT_EQ(0, rd(self->node, self->c, NULL, 0, MOJO_DATA_QUERY, &n));
	EXPECT_EQ(16, n);
	ASSERT_EQ(0, rd(self->node, self->c, out, 8, MOJO_DATA_PEEK, &n));
	EXPECT_EQ(1, out[0]);
	ASSERT_EQ(0, rd(self->node, self->c, NULL, 0, MOJO_DATA_QUERY, &n));
	EXPECT_EQ(16, n);
	ASSERT_EQ(0, rd(self->node, self->c, NULL, 4, MOJO_DATA_DISCARD, &n));
	ASSERT_EQ(0, rd(self->node, self->c, out, 16, 0, &n));
	EXPECT_EQ(12, n);
	EXPECT_EQ(2, out[0]);
	EXPECT_EQ(-EINVAL, rd(self->node, self->c, out, 4,
			      MOJO_DATA_PEEK | MOJO_DATA_DISCARD, NULL));
	EXPECT_EQ(-EINVAL, rd(self->node, self->c, out, 4, 1ULL << 10, NULL));
}

TEST_F(dp, new_data_readable_is_cleared_by_any_read)
{
	uint32_t v = 7;

	ASSERT_EQ(0, wr(self->node, self->p, &v, 4, 0, NULL));
	ASSERT_EQ(0, wr(self->node, self->p, &v, 4, 0, NULL));
	EXPECT_EQ(R | ND, mojo_test_signals(self->node, self->c));
	ASSERT_EQ(0, rd(self->node, self->c, &v, 4, MOJO_DATA_PEEK, NULL));
	EXPECT_EQ(R, mojo_test_signals(self->node, self->c));
	ASSERT_EQ(0, wr(self->node, self->p, &v, 4, 0, NULL));
	EXPECT_EQ(R | ND, mojo_test_signals(self->node, self->c));
}

TEST_F(dp, read_threshold)
{
	char buf[64] = { 0 };

	ASSERT_EQ(0, mojo_set_data_pipe_threshold(self->node, self->c, 16));
	ASSERT_EQ(0, wr(self->node, self->p, buf, 12, 0, NULL));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->c) & R);
	ASSERT_EQ(0, wr(self->node, self->p, buf, 4, 0, NULL));
	EXPECT_EQ(R, mojo_test_signals(self->node, self->c) & R);
	EXPECT_EQ(-EINVAL, mojo_set_data_pipe_threshold(self->node, self->c, 6));
	EXPECT_EQ(-EINVAL, mojo_set_data_pipe_threshold(self->node, self->c, 68));
	/* Producer: WRITABLE needs 60 free bytes; 48 are free. */
	ASSERT_EQ(0, mojo_set_data_pipe_threshold(self->node, self->p, 60));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->p));
}

/* Mojo's PEER_CLOSED: at the producer's close, with bytes left to read. */
TEST_F(dp, peer_closed_is_raised_with_bytes_left)
{
	uint64_t n, sat = 0, able = 0;
	char buf[16];

	ASSERT_EQ(0, wr(self->node, self->p, "12345678", 8, 0, NULL));
	ASSERT_EQ(0, mojo_close(self->node, self->p));
	ASSERT_EQ(0, mojo_query_signals(self->node, self->c, &sat, &able));
	EXPECT_EQ(R | ND | PC, sat);
	EXPECT_EQ(R | ND | PC, able);
	EXPECT_EQ(0, mojo_wait(self->node, self->c, PC, 0, NULL, NULL));
	ASSERT_EQ(0, rd(self->node, self->c, buf, 4, 0, &n));
	EXPECT_EQ(4, n);
	EXPECT_EQ(R | PC, mojo_test_signals(self->node, self->c));
	ASSERT_EQ(0, rd(self->node, self->c, buf, 16, 0, &n));
	EXPECT_EQ(4, n);
	EXPECT_EQ(PC, mojo_test_signals(self->node, self->c));
	EXPECT_EQ(-EPIPE, rd(self->node, self->c, buf, 4, 0, NULL));
}

TEST_F(dp, close_with_no_data_is_epipe_at_once)
{
	char buf[4];

	ASSERT_EQ(0, mojo_close(self->node, self->p));
	EXPECT_EQ(PC, mojo_test_signals(self->node, self->c));
	EXPECT_EQ(-EPIPE, rd(self->node, self->c, buf, 4, 0, NULL));
	EXPECT_EQ(-EPIPE, rd(self->node, self->c, buf, 4, MOJO_DATA_ALL_OR_NONE, NULL));
	EXPECT_EQ(-EPIPE, mojo_wait(self->node, self->c, R, SEC, NULL, NULL));
}

TEST_F(dp, closed_consumer_makes_writes_epipe)
{
	uint64_t off, size;

	ASSERT_EQ(0, mojo_close(self->node, self->c));
	EXPECT_EQ(PC, mojo_test_signals(self->node, self->p));
	EXPECT_EQ(-EPIPE, wr(self->node, self->p, "abcd", 4, 0, NULL));
	EXPECT_EQ(-EPIPE, mojo_begin_write_data(self->node, self->p, &off, &size));
}

TEST_F(dp, two_phase_write_and_read_through_the_mappings)
{
	uint64_t off, size;
	size_t psize, csize;
	uint8_t *pm, *cm;

	ASSERT_EQ(0, mojo_map_data_pipe(self->node, self->p, (void **)&pm, &psize));
	ASSERT_EQ(0, mojo_map_data_pipe(self->node, self->c, (void **)&cm, &csize));
	ASSERT_EQ(0, mojo_begin_write_data(self->node, self->p, &off, &size));
	EXPECT_EQ(0, off);
	EXPECT_EQ(64, size);
	memcpy(pm + off, "twophase", 8);
	ASSERT_EQ(0, mojo_end_write_data(self->node, self->p, 8));
	ASSERT_EQ(0, mojo_begin_read_data(self->node, self->c, &off, &size));
	EXPECT_EQ(0, off);
	EXPECT_EQ(8, size);
	EXPECT_EQ(0, memcmp(cm + off, "twophase", 8));
	ASSERT_EQ(0, mojo_end_read_data(self->node, self->c, 8));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->c));
	munmap(pm, psize);
	munmap(cm, csize);
}

TEST_F(dp, two_phase_grants_stop_at_the_ring_end)
{
	char buf[64] = { 0 };
	uint64_t off, size;

	ASSERT_EQ(0, wr(self->node, self->p, buf, 48, 0, NULL));
	ASSERT_EQ(0, rd(self->node, self->c, buf, 40, 0, NULL));
	/* 8 readable at 40..47; free: 48..63 then 0..39. */
	ASSERT_EQ(0, mojo_begin_write_data(self->node, self->p, &off, &size));
	EXPECT_EQ(48, off);
	EXPECT_EQ(16, size);
	ASSERT_EQ(0, mojo_end_write_data(self->node, self->p, 16));
	ASSERT_EQ(0, mojo_begin_write_data(self->node, self->p, &off, &size));
	EXPECT_EQ(0, off);
	EXPECT_EQ(40, size);
	ASSERT_EQ(0, mojo_end_write_data(self->node, self->p, 0));
	ASSERT_EQ(0, mojo_begin_read_data(self->node, self->c, &off, &size));
	EXPECT_EQ(40, off);
	EXPECT_EQ(24, size);
	ASSERT_EQ(0, mojo_end_read_data(self->node, self->c, 24));
}

TEST_F(dp, two_phase_invalid_arguments)
{
	struct mojo_data_args a;
	uint64_t off, size;
	char buf[8] = { 0 };

	/* End without begin. */
	EXPECT_EQ(-ENOENT, mojo_end_write_data(self->node, self->p, 0));
	EXPECT_EQ(-ENOENT, mojo_end_read_data(self->node, self->c, 0));
	/* Begin twice; one-shot meanwhile. */
	ASSERT_EQ(0, mojo_begin_write_data(self->node, self->p, &off, &size));
	EXPECT_EQ(-EBUSY, mojo_begin_write_data(self->node, self->p, &off, &size));
	EXPECT_EQ(-EBUSY, wr(self->node, self->p, buf, 4, 0, NULL));
	/* Above the grant: ends the write, commits nothing. */
	EXPECT_EQ(-EINVAL, mojo_end_write_data(self->node, self->p, size + 4));
	EXPECT_EQ(-ENOENT, mojo_end_write_data(self->node, self->p, 0));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->c));
	/* Not a whole element: likewise. */
	ASSERT_EQ(0, mojo_begin_write_data(self->node, self->p, &off, &size));
	EXPECT_EQ(-EINVAL, mojo_end_write_data(self->node, self->p, 2));
	/* A count that would overflow any sum. */
	ASSERT_EQ(0, mojo_begin_write_data(self->node, self->p, &off, &size));
	EXPECT_EQ(-EINVAL, mojo_end_write_data(self->node, self->p, UINT64_MAX - 3));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->c));
	/* Reads. */
	EXPECT_EQ(-EAGAIN, mojo_begin_read_data(self->node, self->c, &off, &size));
	ASSERT_EQ(0, wr(self->node, self->p, buf, 8, 0, NULL));
	ASSERT_EQ(0, mojo_begin_read_data(self->node, self->c, &off, &size));
	EXPECT_EQ(-EBUSY, mojo_begin_read_data(self->node, self->c, &off, &size));
	EXPECT_EQ(-EBUSY, rd(self->node, self->c, buf, 4, 0, NULL));
	EXPECT_EQ(-EINVAL, mojo_end_read_data(self->node, self->c, 12));
	ASSERT_EQ(0, rd(self->node, self->c, NULL, 0, MOJO_DATA_QUERY, &size));
	EXPECT_EQ(8, size);
	/* Nonzero fields a begin does not take (its out fields it ignores). */
	memset(&a, 0, sizeof(a));
	a.handle = self->p;
	a.bytes = 4;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_BEGIN_WRITE_DATA, &a));
	a.bytes = 0;
	a.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_BEGIN_WRITE_DATA, &a));
	/* Wrong end. */
	EXPECT_EQ(-EINVAL, mojo_begin_write_data(self->node, self->c, &off, &size));
	EXPECT_EQ(-EINVAL, mojo_begin_read_data(self->node, self->p, &off, &size));
	EXPECT_EQ(-EINVAL, wr(self->node, self->c, buf, 4, 0, NULL));
	EXPECT_EQ(-EINVAL, rd(self->node, self->p, buf, 4, 0, NULL));
}

TEST_F(dp, memory_stays_put_between_begin_and_end_read)
{
	uint32_t in[16], i;
	uint64_t off, size;
	size_t csize;
	uint32_t *cm;

	ASSERT_EQ(0, mojo_map_data_pipe(self->node, self->c, (void **)&cm, &csize));
	for (i = 0; i < 8; i++)
		in[i] = 100 + i;
	ASSERT_EQ(0, wr(self->node, self->p, in, 32, 0, NULL));
	ASSERT_EQ(0, mojo_begin_read_data(self->node, self->c, &off, &size));
	/* The producer fills every free byte meanwhile. */
	for (i = 0; i < 16; i++)
		in[i] = 0xdead;
	ASSERT_EQ(0, wr(self->node, self->p, in, 64, 0, &size));
	EXPECT_EQ(32, size);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(100 + i, cm[off / 4 + i]);
	ASSERT_EQ(0, mojo_end_read_data(self->node, self->c, 32));
	munmap(cm, csize);
}

TEST_F(dp, peer_closing_during_two_phase_write_still_commits)
{
	uint64_t off, size;

	ASSERT_EQ(0, mojo_begin_write_data(self->node, self->p, &off, &size));
	ASSERT_EQ(0, mojo_close(self->node, self->c));
	EXPECT_EQ(0, mojo_end_write_data(self->node, self->p, 4));
}

TEST_F(dp, mapping_outlives_the_handles)
{
	size_t csize;
	uint8_t *cm;

	ASSERT_EQ(0, wr(self->node, self->p, "keep", 4, 0, NULL));
	ASSERT_EQ(0, mojo_map_data_pipe(self->node, self->c, (void **)&cm, &csize));
	ASSERT_EQ(0, mojo_close(self->node, self->p));
	ASSERT_EQ(0, mojo_close(self->node, self->c));
	/* Both handles are gone; the ring lives while it is mapped. */
	EXPECT_EQ(0, memcmp(cm, "keep", 4));
	munmap(cm, csize);
}

TEST_F(dp, traps_and_waits_see_data_pipe_signals)
{
	struct mojo_trap_event ev;
	uint64_t sat;
	uint32_t trap;
	char buf[64] = { 0 };

	ASSERT_EQ(0, mojo_create_trap(self->node, &trap));
	ASSERT_EQ(0, mojo_add_trigger(self->node, trap, self->c, ND,
				      MOJO_TRIGGER_SATISFIED, 1));
	ASSERT_EQ(0, mojo_add_trigger(self->node, trap, self->p, W,
				      MOJO_TRIGGER_NOT_SATISFIED, 2));
	ASSERT_EQ(0, mojo_arm_trap(self->node, trap, NULL));
	ASSERT_EQ(0, wr(self->node, self->p, buf, 8, 0, NULL));
	ASSERT_EQ(1, mojo_read_trap_events(self->node, &ev, 1));
	EXPECT_EQ(1, ev.context);
	EXPECT_EQ(R | ND, ev.satisfied);
	/* Unread new data: arming reports the trigger instead. */
	EXPECT_EQ(-EALREADY, mojo_arm_trap(self->node, trap, NULL));
	ASSERT_EQ(0, rd(self->node, self->c, buf, 8, 0, NULL));
	/* Fill the ring: the producer's WRITABLE drops. */
	ASSERT_EQ(0, mojo_arm_trap(self->node, trap, NULL));
	ASSERT_EQ(0, wr(self->node, self->p, buf, 64, 0, NULL));
	ASSERT_EQ(1, mojo_read_trap_events(self->node, &ev, 1));
	EXPECT_EQ(2, ev.context);
	EXPECT_EQ(-ETIMEDOUT, mojo_wait(self->node, self->p, W, 0, &sat, NULL));
	EXPECT_EQ(0, mojo_wait(self->node, self->c, R, 0, &sat, NULL));
}

TEST_F(dp, consumer_mapping_is_read_only)
{
	struct mojo_data_pipe_info_args info;
	void *m;

	ASSERT_EQ(0, mojo_data_pipe_info(self->node, self->c, &info));
	m = mmap(NULL, info.map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->node, info.map_offset);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EACCES, errno);
	m = mmap(NULL, info.map_size, PROT_READ, MAP_SHARED, self->node, info.map_offset);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(-1, mprotect(m, info.map_size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(m, info.map_size);
}

/*
 * A stale map offset must not name the next pipe's ring: with ids reused
 * at once, a consumer's old offset named the new producer, and a mapping
 * meant to be read-only came out writable.
 */
TEST_F(dp, an_unmapped_closed_endpoints_offset_names_no_newer_ring)
{
	struct mojo_data_pipe_info_args old_c, old_p, info;
	long page = sysconf(_SC_PAGESIZE);
	uint32_t p, c;
	void *m;
	int i;

	ASSERT_EQ(0, mojo_data_pipe_info(self->node, self->p, &old_p));
	ASSERT_EQ(0, mojo_data_pipe_info(self->node, self->c, &old_c));
	ASSERT_EQ(0, mojo_close(self->node, self->p));
	ASSERT_EQ(0, mojo_close(self->node, self->c));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, mojo_create_data_pipe(self->node, 4, 64, &p, &c));
		ASSERT_EQ(0, mojo_data_pipe_info(self->node, p, &info));
		EXPECT_NE(old_p.map_offset, info.map_offset);
		EXPECT_NE(old_c.map_offset, info.map_offset);
		ASSERT_EQ(0, mojo_data_pipe_info(self->node, c, &info));
		EXPECT_NE(old_p.map_offset, info.map_offset);
		EXPECT_NE(old_c.map_offset, info.map_offset);
		m = mmap(NULL, page, PROT_READ, MAP_SHARED, self->node,
			 old_c.map_offset);
		EXPECT_EQ(MAP_FAILED, m);
		EXPECT_EQ(EINVAL, errno);
		if (m != MAP_FAILED)
			munmap(m, page);
		ASSERT_EQ(0, mojo_close(self->node, p));
		ASSERT_EQ(0, mojo_close(self->node, c));
	}
}

TEST_F(dp, bad_mappings_are_refused)
{
	struct mojo_data_pipe_info_args info;
	long page = sysconf(_SC_PAGESIZE);
	int other = mojo_open_node();
	void *m;

	ASSERT_GE(other, 0);
	ASSERT_EQ(0, mojo_data_pipe_info(self->node, self->p, &info));
	/* Wrong size. */
	m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, self->node,
		 info.map_offset);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	/* An offset naming no endpoint, and one inside an endpoint's range. */
	m = mmap(NULL, page, PROT_READ, MAP_SHARED, self->node, 0);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	m = mmap(NULL, page, PROT_READ, MAP_SHARED, self->node, info.map_offset + page);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	/* MAP_PRIVATE. */
	m = mmap(NULL, page, PROT_READ, MAP_PRIVATE, self->node, info.map_offset);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	/* Another node does not hold it. */
	m = mmap(NULL, page, PROT_READ, MAP_SHARED, other, info.map_offset);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EACCES, errno);
	/* Nor can it grow. */
	m = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, self->node, info.map_offset);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(MAP_FAILED, mremap(m, page, 2 * page, MREMAP_MAYMOVE));
	munmap(m, page);
	close(other);
}

TEST_F(dp, message_operations_on_data_pipe_handles_are_einval)
{
	struct mojo_data_pipe_info_args info;
	uint64_t off, size;
	char buf[4];
	uint32_t q0, q1;

	EXPECT_EQ(-EINVAL, mojo_test_write_str(self->node, self->p, "x"));
	EXPECT_EQ(-EINVAL, mojo_test_read_str(self->node, self->c, buf, sizeof(buf)));
	EXPECT_EQ(-EINVAL, mojo_set_quota(self->node, self->c, 1, 1));
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	EXPECT_EQ(-EINVAL, mojo_fuse_message_pipes(self->node, self->p, q0));
	/* And data operations on a message pipe handle. */
	EXPECT_EQ(-EINVAL, mojo_data_pipe_info(self->node, q0, &info));
	EXPECT_EQ(-EINVAL, mojo_begin_read_data(self->node, q0, &off, &size));
	EXPECT_EQ(-EINVAL, wr(self->node, q0, buf, 4, 0, NULL));
}

TEST_F(dp, ends_in_two_phase_cannot_be_sent_or_exported)
{
	uint32_t q0, q1;
	uint64_t off, size;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	ASSERT_EQ(0, mojo_begin_write_data(self->node, self->p, &off, &size));
	EXPECT_EQ(-EBUSY, mojo_write_message(self->node, q0, NULL, 0, &self->p, 1));
	EXPECT_EQ(-EBUSY, mojo_export_handle(self->node, self->p));
	EXPECT_EQ(W, mojo_test_signals(self->node, q1));
	ASSERT_EQ(0, mojo_end_write_data(self->node, self->p, 0));
	EXPECT_EQ(0, mojo_write_message(self->node, q0, NULL, 0, &self->p, 1));
}

TEST(sending_both_ends_across_nodes_keeps_buffered_data)
{
	int a = mojo_open_node(), b = mojo_open_node();
	uint32_t p, c, p2, c2, q0, q1, got[2], n = 0, nh = 2;
	uint32_t hs[2];
	char buf[16];
	uint64_t len;

	ASSERT_GE(a, 0);
	ASSERT_GE(b, 0);
	ASSERT_EQ(0, mojo_create_data_pipe(a, 1, 16, &p, &c));
	ASSERT_EQ(0, mojo_create_message_pipe(a, &q0, &q1));
	ASSERT_EQ(0, mojo_test_move(a, q1, b, &q1));
	ASSERT_EQ(0, wr(a, p, "buffered", 8, 0, NULL));
	hs[0] = p;
	hs[1] = c;
	ASSERT_EQ(0, mojo_write_message(a, q0, NULL, 0, hs, 2));
	ASSERT_EQ(0, mojo_read_message(b, q1, NULL, &n, got, &nh));
	ASSERT_EQ(2, nh);
	p2 = got[0];
	c2 = got[1];
	ASSERT_EQ(0, wr(b, p2, "+more", 5, 0, NULL));
	ASSERT_EQ(0, rd(b, c2, buf, 16, 0, &len));
	EXPECT_EQ(13, len);
	EXPECT_EQ(0, memcmp(buf, "buffered+more", 13));
	close(a);
	close(b);
}

TEST(consumer_whose_closed_producer_was_sent)
{
	int a = mojo_open_node();
	uint32_t p, c, q0, q1;
	char buf[8];
	uint64_t len;

	ASSERT_GE(a, 0);
	ASSERT_EQ(0, mojo_create_data_pipe(a, 1, 16, &p, &c));
	ASSERT_EQ(0, mojo_create_message_pipe(a, &q0, &q1));
	ASSERT_EQ(0, wr(a, p, "last", 4, 0, NULL));
	ASSERT_EQ(0, mojo_write_message(a, q0, NULL, 0, &p, 1));
	/* The message carrying the producer is never read. */
	ASSERT_EQ(0, mojo_close(a, q1));
	EXPECT_EQ(R | ND | PC, mojo_test_signals(a, c));
	ASSERT_EQ(0, rd(a, c, buf, 8, 0, &len));
	EXPECT_EQ(4, len);
	EXPECT_EQ(PC, mojo_test_signals(a, c));
	close(a);
}

TEST_F(dp, mapping_is_revoked_when_the_end_is_sent_away)
{
	uint32_t q0, q1;
	size_t psize;
	volatile uint8_t *pm;
	int status;
	pid_t pid;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	ASSERT_EQ(0, mojo_map_data_pipe(self->node, self->p, (void **)&pm, &psize));
	pm[0] = 1;
	ASSERT_EQ(0, mojo_write_message(self->node, q0, NULL, 0, &self->p, 1));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* MAP_DONTCOPY: the child has no such mapping at all. */
		int sig = mojo_test_touch(pm, true);

		_exit(sig == SIGSEGV ? 0 : sig ? 3 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(SIGBUS, mojo_test_touch(pm, true));
	munmap((void *)pm, psize);
}

TEST(killed_producer_consumer_drains_then_peer_closed)
{
	int node = mojo_open_node(), status;
	uint32_t p, c;
	char buf[16];
	uint64_t len;
	pid_t pid;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_data_pipe(node, 1, 64, &p, &c));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int me = mojo_open_node();
		uint32_t mp;
		uint64_t n = 6;

		if (me < 0 || mojo_test_move(node, p, me, &mp))
			_exit(1);
		if (mojo_write_data(me, mp, "before", &n, 0))
			_exit(2);
		pause();
		_exit(3);
	}
	ASSERT_EQ(0, mojo_wait(node, c, R, 10 * SEC, NULL, NULL));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, rd(node, c, buf, 16, 0, &len));
	EXPECT_EQ(6, len);
	EXPECT_EQ(0, mojo_wait(node, c, PC, 10 * SEC, NULL, NULL));
	EXPECT_EQ(-EPIPE, rd(node, c, buf, 1, 0, NULL));
	close(node);
}

TEST(killed_consumer_makes_producer_peer_closed)
{
	int node = mojo_open_node(), status;
	uint32_t p, c;
	pid_t pid;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_data_pipe(node, 1, 64, &p, &c));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int me = mojo_open_node();
		uint32_t mc;

		if (me < 0 || mojo_test_move(node, c, me, &mc))
			_exit(1);
		pause();
		_exit(3);
	}
	/* Wait until the child holds it (the handle left our node). */
	while (mojo_query_signals(node, c, NULL, NULL) == 0)
		usleep(1000);
	usleep(100000);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, mojo_wait(node, p, PC, 10 * SEC, NULL, NULL));
	EXPECT_EQ(-EPIPE, wr(node, p, "x", 1, 0, NULL));
	close(node);
}

/* 1 GiB through a 64 KiB ring between two processes, two-phase on both
 * sides through the mappings, with a checksum. */
#define STREAM_TOTAL	(1ULL << 30)

static uint64_t mix(uint64_t h, const uint8_t *p, uint64_t n)
{
	uint64_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t v;

		memcpy(&v, p + i, 8);
		h = (h ^ v) * 0x100000001b3ULL;
	}
	return h;
}

static void fill(uint8_t *p, uint64_t n, uint64_t pos)
{
	uint64_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t v = (pos + i) * 0x9e3779b97f4a7c15ULL;

		memcpy(p + i, &v, 8);
	}
}

FIXTURE(stream) {
	int dummy;
};
FIXTURE_SETUP(stream) { self->dummy = 0; }
FIXTURE_TEARDOWN(stream) {}

TEST_F_TIMEOUT(stream, one_gib_through_a_64k_ring_on_both_cpus, 600)
{
	int node = mojo_open_node(), status, fds[2];
	uint64_t sent_hash = 0xcbf29ce484222325ULL, got_hash = sent_hash, pos = 0;
	uint32_t p, c;
	size_t csize;
	uint8_t *cm;
	pid_t pid;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, pipe(fds));
	ASSERT_EQ(0, mojo_create_data_pipe(node, 8, 64 << 10, &p, &c));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* Producer, in a node of its own. */
		int me = mojo_open_node();
		uint64_t off, size;
		uint32_t mp;
		size_t psize;
		uint8_t *pm;

		if (me < 0 || mojo_test_move(node, p, me, &mp) ||
		    mojo_map_data_pipe(me, mp, (void **)&pm, &psize))
			_exit(1);
		while (pos < STREAM_TOTAL) {
			int ret = mojo_begin_write_data(me, mp, &off, &size);

			if (ret == -EAGAIN) {
				if (mojo_wait(me, mp, W, 30 * SEC, NULL, NULL))
					_exit(2);
				continue;
			}
			if (ret)
				_exit(3);
			if (size > STREAM_TOTAL - pos)
				size = STREAM_TOTAL - pos;
			fill(pm + off, size, pos);
			sent_hash = mix(sent_hash, pm + off, size);
			if (mojo_end_write_data(me, mp, size))
				_exit(4);
			pos += size;
		}
		if (write(fds[1], &sent_hash, 8) != 8)
			_exit(5);
		_exit(0);
	}
	ASSERT_EQ(0, mojo_map_data_pipe(node, c, (void **)&cm, &csize));
	while (pos < STREAM_TOTAL) {
		uint64_t off, size;
		int ret = mojo_begin_read_data(node, c, &off, &size);

		if (ret == -EAGAIN) {
			ASSERT_EQ(0, mojo_wait(node, c, R, 30 * SEC, NULL, NULL));
			continue;
		}
		ASSERT_EQ(0, ret);
		got_hash = mix(got_hash, cm + off, size);
		ASSERT_EQ(0, mojo_end_read_data(node, c, size));
		pos += size;
	}
	ASSERT_EQ(8, read(fds[0], &sent_hash, 8));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(sent_hash, got_hash);
	EXPECT_EQ(STREAM_TOTAL, pos);
	munmap(cm, csize);
	close(node);
}

/* A data pipe's ends see PEER_REMOTE as message pipe ends do. */
TEST_F(dp, peer_remote_follows_the_consumer)
{
	int other = mojo_open_node();
	uint32_t there;

	ASSERT_GE(other, 0);
	EXPECT_EQ(0, mojo_test_signals(self->node, self->p) & MOJO_SIGNAL_PEER_REMOTE);
	ASSERT_EQ(0, mojo_test_move(self->node, self->c, other, &there));
	EXPECT_EQ(MOJO_SIGNAL_PEER_REMOTE,
		  mojo_test_signals(self->node, self->p) & MOJO_SIGNAL_PEER_REMOTE);
	EXPECT_EQ(MOJO_SIGNAL_PEER_REMOTE,
		  mojo_test_signals(other, there) & MOJO_SIGNAL_PEER_REMOTE);
	ASSERT_EQ(0, mojo_close(other, there));
	EXPECT_EQ(PC, mojo_test_signals(self->node, self->p));
	close(other);
}

TEST_HARNESS_MAIN
