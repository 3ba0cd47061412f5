// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency: a pipe end travelling around a ring of three nodes while
 * both ends keep writing, and threads on both vCPUs writing into a port
 * that is being moved back and forth at the same time. Nothing may be lost
 * or reordered.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mojo_test.h"

#define R MOJO_SIGNAL_READABLE
#define W MOJO_SIGNAL_WRITABLE

#define SEC 1000000000ULL

/* Write one u32, waiting while the peer's queue is full. */
static int put_u32(int node, uint32_t h, uint32_t v)
{
	int ret;

	while ((ret = mojo_write_message(node, h, &v, sizeof(v), NULL, 0)) == -ENOSPC) {
		ret = mojo_wait(node, h, W, 20 * SEC, NULL, NULL);
		if (ret)
			return ret;
	}
	return ret;
}

/* Read one u32 if one is queued: 1 read, 0 none, or a negative errno. */
static int try_get_u32(int node, uint32_t h, uint32_t *v)
{
	uint32_t n = sizeof(*v);
	int ret = mojo_read_message(node, h, v, &n, NULL, NULL);

	if (ret == -EAGAIN)
		return 0;
	if (ret)
		return ret;
	return n == sizeof(*v) ? 1 : -EPROTO;
}

#define RING_HOPS	30	/* y visits A, B, C ten times each */
#define RING_K		20	/* messages the holder of y writes per hop */
#define RING_N		3000	/* messages x writes */

struct ring_state {
	uint32_t hop;
	uint32_t next_from_x;	/* next sequence number expected from x */
	uint32_t next_from_y;	/* next sequence number y writes */
};

/* Process X: write RING_N on x, read RING_HOPS * RING_K from it in order. */
static int ring_x(int node, uint32_t x)
{
	uint32_t sent = 0, got = 0, v;
	int ret;

	while (sent < RING_N || got < RING_HOPS * RING_K) {
		if (sent < RING_N) {
			ret = mojo_write_message(node, x, &sent, sizeof(sent), NULL, 0);
			if (ret == 0)
				sent++;
			else if (ret != -ENOSPC)
				return 10;
		}
		while ((ret = try_get_u32(node, x, &v)) == 1) {
			if (v != got)
				return 11;
			got++;
		}
		if (ret < 0)
			return 12;
		if (sent == RING_N && got < RING_HOPS * RING_K &&
		    mojo_wait(node, x, R, 20 * SEC, NULL, NULL))
			return 13;
	}
	return 0;
}

/* A, B or C: take y and the state, check, write, pass it on. */
static int ring_member(int node, int role, uint32_t in, uint32_t out, uint32_t y)
{
	struct ring_state st = { 0, 0, 0 };
	uint32_t v, hop = role, i, n, nh;
	int ret;

	for (; hop <= RING_HOPS; hop += 3) {
		if (hop > 0) {
			n = sizeof(st);
			nh = 1;
			if (mojo_wait(node, in, R, 20 * SEC, NULL, NULL))
				return 20;
			if (mojo_read_message(node, in, &st, &n, &y, &nh) || nh != 1 ||
			    st.hop != hop)
				return 21;
		}
		while ((ret = try_get_u32(node, y, &v)) == 1) {
			if (v != st.next_from_x)
				return 22;
			st.next_from_x++;
		}
		if (ret < 0)
			return 23;
		if (hop == RING_HOPS) {
			/* The last holder drains what x still sends. */
			while (st.next_from_x < RING_N) {
				if (mojo_wait(node, y, R, 20 * SEC, NULL, NULL))
					return 24;
				while ((ret = try_get_u32(node, y, &v)) == 1) {
					if (v != st.next_from_x)
						return 25;
					st.next_from_x++;
				}
			}
			return 0;
		}
		for (i = 0; i < RING_K; i++)
			if (put_u32(node, y, st.next_from_y++))
				return 26;
		st.hop = hop + 1;
		if (mojo_write_message(node, out, &st, sizeof(st), &y, 1))
			return 27;
	}
	return 0;
}

TEST(transfer_ring_with_both_ends_writing)
{
	int nx, n[3], i, status;
	uint32_t x, y, in[3], out[3], h;
	pid_t pid[4];

	nx = mojo_open_node();
	ASSERT_GE(nx, 0);
	for (i = 0; i < 3; i++) {
		n[i] = mojo_open_node();
		ASSERT_GE(n[i], 0);
	}
	ASSERT_EQ(0, mojo_create_message_pipe(nx, &x, &h));
	ASSERT_EQ(0, mojo_test_move(nx, h, n[0], &y));
	/* Ring: out[i] in node i, in[(i + 1) % 3] in the next node. */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, mojo_create_message_pipe(n[i], &out[i], &h));
		ASSERT_EQ(0, mojo_test_move(n[i], h, n[(i + 1) % 3], &in[(i + 1) % 3]));
	}
	pid[3] = fork();
	ASSERT_GE(pid[3], 0);
	if (pid[3] == 0)
		_exit(ring_x(nx, x));
	for (i = 0; i < 3; i++) {
		pid[i] = fork();
		ASSERT_GE(pid[i], 0);
		if (pid[i] == 0)
			_exit(ring_member(n[i], i, in[i], out[i], y));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("process %d", i);
	}
}

#define MOVE_N	20000

struct mover {
	int node;
	uint32_t w;		/* writer's end */
	uint32_t r;		/* reader's end, which keeps moving */
	uint32_t c0, c1;	/* carrier pipe for the moves */
	int err;
};

static void *mover_writer(void *p)
{
	struct mover *m = p;
	uint32_t i;

	for (i = 0; i < MOVE_N && !m->err; i++)
		if (put_u32(m->node, m->w, i))
			m->err = 1;
	return NULL;
}

/* Read a few, send the end through the carrier and take it back; repeat. */
static void *mover_reader(void *p)
{
	struct mover *m = p;
	uint32_t next = 0, v, n, nh;
	int ret, k;

	while (next < MOVE_N && !m->err) {
		for (k = 0; k < 16; k++) {
			ret = try_get_u32(m->node, m->r, &v);
			if (ret < 0 || (ret == 1 && v != next++)) {
				m->err = 2;
				return NULL;
			}
			if (ret == 0)
				break;
		}
		if (mojo_write_message(m->node, m->c0, NULL, 0, &m->r, 1)) {
			m->err = 3;
			return NULL;
		}
		n = 0;
		nh = 1;
		if (mojo_read_message(m->node, m->c1, NULL, &n, &m->r, &nh) || nh != 1) {
			m->err = 4;
			return NULL;
		}
		if (next < MOVE_N && k == 0)
			mojo_wait(m->node, m->r, R, SEC, NULL, NULL);
	}
	return NULL;
}

TEST(threads_on_both_cpus_write_into_moving_ports)
{
	struct mover m[2];
	pthread_t tw[2], tr[2];
	int node = mojo_open_node(), i;

	ASSERT_GE(node, 0);
	for (i = 0; i < 2; i++) {
		m[i].node = node;
		m[i].err = 0;
		ASSERT_EQ(0, mojo_create_message_pipe(node, &m[i].w, &m[i].r));
		ASSERT_EQ(0, mojo_create_message_pipe(node, &m[i].c0, &m[i].c1));
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pthread_create(&tw[i], NULL, mover_writer, &m[i]));
		ASSERT_EQ(0, pthread_create(&tr[i], NULL, mover_reader, &m[i]));
	}
	for (i = 0; i < 2; i++) {
		pthread_join(tw[i], NULL);
		pthread_join(tr[i], NULL);
		EXPECT_EQ(0, m[i].err) TH_LOG("pair %d", i);
	}
	close(node);
}

TEST(concurrent_close_and_write_from_both_cpus)
{
	int node = mojo_open_node(), i, status;
	pid_t pid;

	ASSERT_GE(node, 0);
	/* Two processes sharing the node race writes against closes. */
	pid = fork();
	ASSERT_GE(pid, 0);
	for (i = 0; i < 2000; i++) {
		uint32_t a, b, c, d;

		if (mojo_create_message_pipe(node, &a, &b) ||
		    mojo_create_message_pipe(node, &c, &d))
			continue;
		mojo_write_message(node, a, "x", 1, &c, 1);
		mojo_close(node, b);
		mojo_close(node, a);
		mojo_close(node, d);
	}
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(node);
}

TEST_HARNESS_MAIN
