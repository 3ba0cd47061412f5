// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring: commands that io_uring issues after it has consumed their SQE
 * (linked behind a command that waits, deferred by IOSQE_IO_DRAIN, or sent
 * to a worker by IOSQE_ASYNC), on a small ring whose SQ slots are reused
 * while they wait. Each must act on its own command area or, where the
 * kernel kept none, complete with -ESTALE having done nothing; never on
 * the SQE that took its slot.
 */
#include <stdint.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "mojo_uring_test.h"

#define RING_ENTRIES 4

FIXTURE(link) {
	struct io_uring ring;
	int node;
	uint32_t h0, h1;
	struct mojo_read_message_args head;
	char head_buf[8];
	struct mojo_version_args mine;
	struct mojo_version_args decoy[RING_ENTRIES];
};

FIXTURE_SETUP(link)
{
	ASSERT_EQ(0, io_uring_queue_init(RING_ENTRIES, &self->ring, 0));
	ASSERT_EQ(RING_ENTRIES, *self->ring.sq.kring_entries);
	self->node = mojo_open_node();
	ASSERT_GE(self->node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &self->h0, &self->h1));
}

FIXTURE_TEARDOWN(link)
{
	io_uring_queue_exit(&self->ring);
	close(self->node);
}

static struct io_uring_sqe *prep(struct io_uring *ring, int node,
				 unsigned int cmd, void *arg, uint64_t tag)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return NULL;
	mojo_uring_prep_cmd(sqe, node, cmd, arg, 0);
	io_uring_sqe_set_data64(sqe, tag);
	return sqe;
}

/* A READ_MESSAGE on the empty pipe: it waits until wake_head(). */
static struct io_uring_sqe *prep_head(struct __test_metadata *_metadata,
				      FIXTURE_DATA(link) *self)
{
	memset(&self->head, 0, sizeof(self->head));
	self->head.handle = self->h1;
	self->head.bytes = (uintptr_t)self->head_buf;
	self->head.num_bytes = sizeof(self->head_buf);
	return prep(&self->ring, self->node, MOJO_IOC_READ_MESSAGE, &self->head, 1);
}

/*
 * While the commands submitted so far wait, fill every SQ slot with a
 * VERSION command on a decoy struct and submit them: any slot a waiting
 * command came from now holds one of these. With @run, wait for the
 * decoys and clear them; otherwise they wait too (behind a drain).
 */
static void reuse_every_slot(struct __test_metadata *_metadata,
			     FIXTURE_DATA(link) *self, bool run)
{
	uint64_t tag;
	int i;

	memset(self->decoy, 0, sizeof(self->decoy));
	for (i = 0; i < RING_ENTRIES; i++)
		ASSERT_NE(NULL, prep(&self->ring, self->node, MOJO_IOC_VERSION,
				     &self->decoy[i], 100 + i));
	ASSERT_EQ(RING_ENTRIES, io_uring_submit(&self->ring));
	if (!run)
		return;
	for (i = 0; i < RING_ENTRIES; i++) {
		ASSERT_EQ(0, mojo_test_reap(&self->ring, &tag));
		ASSERT_GE(tag, 100);
	}
	for (i = 0; i < RING_ENTRIES; i++)
		ASSERT_EQ(MOJO_API_VERSION, self->decoy[i].version);
	memset(self->decoy, 0, sizeof(self->decoy));
}

/*
 * Let the head read complete, then check the deferred VERSION command (tag
 * 2): it wrote its own struct, or failed with -ESTALE and wrote nothing.
 * No decoy that already ran may have been written again; decoys that
 * waited (@ran false) complete now, each on its own struct.
 */
static void finish(struct __test_metadata *_metadata, FIXTURE_DATA(link) *self,
		   bool stale_allowed, bool ran)
{
	int i, res, head_res = -1, mine_res = -1, n = ran ? 2 : 2 + RING_ENTRIES;
	uint64_t tag;

	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, "go", 2, NULL, 0));
	for (i = 0; i < n; i++) {
		res = mojo_test_reap(&self->ring, &tag);
		ASSERT_NE(-ETIME, res);
		if (tag == 1)
			head_res = res;
		else if (tag == 2)
			mine_res = res;
		else
			EXPECT_EQ(0, res);
	}
	EXPECT_EQ(0, head_res);
	if (mine_res == -ESTALE && stale_allowed) {
		EXPECT_EQ(0, self->mine.version);
	} else {
		EXPECT_EQ(0, mine_res);
		EXPECT_EQ(MOJO_API_VERSION, self->mine.version);
	}
	for (i = 0; i < RING_ENTRIES; i++)
		EXPECT_EQ(ran ? 0 : MOJO_API_VERSION, self->decoy[i].version);
}

static void linked_version(struct __test_metadata *_metadata,
			   FIXTURE_DATA(link) *self, uint8_t head_flags,
			   uint8_t flags, bool stale_allowed)
{
	struct io_uring_sqe *sqe;

	memset(&self->mine, 0, sizeof(self->mine));
	sqe = prep_head(_metadata, self);
	ASSERT_NE(NULL, sqe);
	sqe->flags |= head_flags;
	sqe = prep(&self->ring, self->node, MOJO_IOC_VERSION, &self->mine, 2);
	ASSERT_NE(NULL, sqe);
	sqe->flags |= flags;
	ASSERT_EQ(2, io_uring_submit(&self->ring));
	usleep(20000);
	reuse_every_slot(_metadata, self, !(flags & IOSQE_IO_DRAIN));
	finish(_metadata, self, stale_allowed, !(flags & IOSQE_IO_DRAIN));
}

TEST_F(link, linked_command_acts_on_its_own_area)
{
	linked_version(_metadata, self, IOSQE_IO_LINK, 0, true);
}

TEST_F(link, hardlinked_command_acts_on_its_own_area)
{
	linked_version(_metadata, self, IOSQE_IO_HARDLINK, 0, true);
}

TEST_F(link, drained_command_acts_on_its_own_area)
{
	linked_version(_metadata, self, 0, IOSQE_IO_DRAIN, true);
}

/* io_uring copies the SQE of an IOSQE_ASYNC command: it always runs. */
TEST_F(link, linked_async_command_runs_on_its_own_area)
{
	linked_version(_metadata, self, IOSQE_IO_LINK, IOSQE_ASYNC, false);
}

TEST_F(link, async_command_runs_on_its_own_area)
{
	struct io_uring_sqe *sqe;
	uint64_t tag;
	int i, res;

	memset(&self->mine, 0, sizeof(self->mine));
	for (i = 0; i < 50; i++) {
		sqe = prep(&self->ring, self->node, MOJO_IOC_VERSION, &self->mine, 2);
		ASSERT_NE(NULL, sqe);
		sqe->flags |= IOSQE_ASYNC;
		ASSERT_EQ(1, io_uring_submit(&self->ring));
		/* The slot is free again at once: reuse it while it runs. */
		sqe = prep(&self->ring, self->node, MOJO_IOC_VERSION, &self->decoy[0], 3);
		ASSERT_NE(NULL, sqe);
		ASSERT_EQ(1, io_uring_submit(&self->ring));
		res = mojo_test_reap(&self->ring, &tag);
		EXPECT_EQ(0, res);
		res = mojo_test_reap(&self->ring, &tag);
		EXPECT_EQ(0, res);
		EXPECT_EQ(MOJO_API_VERSION, self->mine.version);
		self->mine.version = 0;
	}
}

/*
 * A cmd_op that is no operation, linked behind the head: ENOTTY, or
 * ESTALE where the kernel left its command area in the ring, which is
 * checked before the number. The table lists both for it.
 */
TEST_F(link, linked_unknown_command_is_enotty_or_estale)
{
	const unsigned int unknown = _IOWR(MOJO_IOC_MAGIC, 0x3f,
					   struct mojo_version_args);
	struct io_uring_sqe *sqe;
	int i, res, mine_res = 1;
	uint64_t tag;

	memset(&self->mine, 0, sizeof(self->mine));
	sqe = prep_head(_metadata, self);
	ASSERT_NE(NULL, sqe);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = prep(&self->ring, self->node, unknown, &self->mine, 2);
	ASSERT_NE(NULL, sqe);
	ASSERT_EQ(2, io_uring_submit(&self->ring));
	usleep(20000);
	reuse_every_slot(_metadata, self, true);
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, "go", 2, NULL, 0));
	for (i = 0; i < 2; i++) {
		res = mojo_test_reap(&self->ring, &tag);
		ASSERT_NE(-ETIME, res);
		if (tag == 2)
			mine_res = res;
		else
			EXPECT_EQ(0, res);
	}
	EXPECT_TRUE(mine_res == -ENOTTY || mine_res == -ESTALE)
		TH_LOG("linked unknown command: %d", mine_res);
	EXPECT_TRUE(mojo_test_errno_listed(unknown, -mine_res, true));
	EXPECT_EQ(0, self->mine.version);
	for (i = 0; i < RING_ENTRIES; i++)
		EXPECT_EQ(0, self->decoy[i].version);
}

/*
 * A chain of random length and flags, behind a waiting head, with every
 * slot reused while it waits: every command of the chain either ran on its
 * own struct, failed with -ESTALE, or was cancelled as the chain broke.
 */
TEST_F(link, random_chains_never_act_on_a_reused_slot)
{
	struct mojo_version_args chain[RING_ENTRIES - 1];
	struct io_uring_sqe *sqe;
	unsigned int seed = 1;
	int round, n, i, res, bad = 0, ran = 0;
	uint64_t tag;

	for (round = 0; round < 200; round++) {
		n = 1 + rand_r(&seed) % (RING_ENTRIES - 1);
		memset(chain, 0, sizeof(chain));
		sqe = prep_head(_metadata, self);
		ASSERT_NE(NULL, sqe);
		sqe->flags |= rand_r(&seed) & 1 ? IOSQE_IO_LINK : IOSQE_IO_HARDLINK;
		for (i = 0; i < n; i++) {
			sqe = prep(&self->ring, self->node, MOJO_IOC_VERSION,
				   &chain[i], 10 + i);
			ASSERT_NE(NULL, sqe);
			if (i < n - 1)
				sqe->flags |= rand_r(&seed) & 1 ?
					      IOSQE_IO_LINK : IOSQE_IO_HARDLINK;
		}
		ASSERT_EQ(n + 1, io_uring_submit(&self->ring));
		reuse_every_slot(_metadata, self, true);
		ASSERT_EQ(0, mojo_write_message(self->node, self->h0, "go", 2,
						NULL, 0));
		for (i = 0; i < n + 1; i++) {
			res = mojo_test_reap(&self->ring, &tag);
			ASSERT_NE(-ETIME, res);
			if (tag < 10 || tag >= 10 + (uint64_t)n)
				continue;
			if (res == 0) {
				ran++;
				bad += chain[tag - 10].version != MOJO_API_VERSION;
			} else {
				bad += res != -ESTALE && res != -ECANCELED;
				bad += chain[tag - 10].version != 0;
			}
		}
		for (i = 0; i < RING_ENTRIES; i++)
			bad += self->decoy[i].version != 0;
	}
	ksft_print_msg("%d linked commands ran, %d misbehaved\n", ran, bad);
	EXPECT_EQ(0, bad);
}

TEST_HARNESS_MAIN
