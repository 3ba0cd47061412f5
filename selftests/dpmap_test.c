// SPDX-License-Identifier: GPL-2.0
/*
 * Data pipe mappings under attack: a mapping races the transfer of its
 * endpoint, page references taken through the mapping (vmsplice, io_uring
 * registered buffers, /proc/self/mem) try to outlive revocation, and the
 * mapping rules (read-only consumer, no exec, no fork) are attacked with
 * mprotect and madvise. Every one must end in an error or a fault, never
 * in data.
 */
#include <liburing.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <time.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mojo_test.h"

static void map_info(struct __test_metadata *_metadata, int node, uint32_t h,
		     struct mojo_data_pipe_info_args *info)
{
	ASSERT_EQ(0, mojo_data_pipe_info(node, h, info));
}

/*
 * mmap() of an endpoint racing its transfer. The kernel runs ->mmap before
 * it links the new mapping where a revocation can find it, so whatever
 * ->mmap puts into the page tables must be re-checked: after the race the
 * endpoint has left the node, and the mapping (if mmap won) must fault.
 */
struct race {
	int node;
	uint32_t h, q0;
	bool export;
	atomic_int round;	/* the sender waits for its round */
	atomic_int done;	/* the round it finished */
	int fd;			/* export: the fd */
	int ret;
};

static void *sender(void *arg)
{
	struct race *r = arg;
	int round;

	for (round = 1;; round++) {
		int now;

		while ((now = atomic_load(&r->round)) >= 0 && now < round)
			;
		if (now < 0)
			return NULL;
		if (r->export) {
			r->fd = mojo_export_handle(r->node, r->h);
			r->ret = r->fd < 0 ? r->fd : 0;
		} else {
			r->ret = mojo_write_message(r->node, r->q0, NULL, 0, &r->h, 1);
		}
		atomic_store(&r->done, round);
	}
}

static void mmap_races_transfer(struct __test_metadata *_metadata, bool export)
{
	const int rounds = 3000;
	struct mojo_data_pipe_info_args info;
	time_t end = time(NULL) + 100;
	struct race r = { .export = export };
	int survived = 0, mapped = 0, round;
	uint32_t p, c, q1;
	pthread_t t;

	r.node = mojo_open_node();
	ASSERT_GE(r.node, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, sender, &r));
	/* Thousands of rounds, within the time TCG allows. */
	for (round = 1; round <= rounds && time(NULL) < end; round++) {
		void *m;

		ASSERT_EQ(0, mojo_create_data_pipe(r.node, 1, 4096, &p, &c));
		ASSERT_EQ(0, mojo_create_message_pipe(r.node, &r.q0, &q1));
		map_info(_metadata, r.node, p, &info);
		r.h = p;
		atomic_store(&r.round, round);
		m = mmap(NULL, info.map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 r.node, info.map_offset);
		while (atomic_load(&r.done) < round)
			;
		ASSERT_EQ(0, r.ret);
		if (m != MAP_FAILED) {
			mapped++;
			/* The producer has left: no byte may be reachable. */
			if (!mojo_test_touch(m, false))
				survived++;
			munmap(m, info.map_size);
		} else {
			ASSERT_EQ(EACCES, errno);
		}
		if (export)
			close(r.fd);
		ASSERT_EQ(0, mojo_close(r.node, r.q0));
		ASSERT_EQ(0, mojo_close(r.node, q1));
		ASSERT_EQ(0, mojo_close(r.node, c));
	}
	atomic_store(&r.round, -1);
	pthread_join(t, NULL);
	close(r.node);
	TH_LOG("%d rounds: %d mmaps won the race, %d survived revocation",
	       round - 1, mapped, survived);
	EXPECT_LT(1000, round);
	EXPECT_EQ(0, survived);
}

FIXTURE(race) {
	int unused;
};

FIXTURE_SETUP(race) { self->unused = 0; }
FIXTURE_TEARDOWN(race) {}

TEST_F_TIMEOUT(race, mmap_racing_send_is_revoked, 150)
{
	mmap_races_transfer(_metadata, false);
}

TEST_F_TIMEOUT(race, mmap_racing_export_is_revoked, 150)
{
	mmap_races_transfer(_metadata, true);
}

/* One node, a data pipe of one page, the consumer mapped. */
FIXTURE(ring) {
	int node, other;
	uint32_t p, c;
	uint8_t *cm;
	size_t csize;
};

FIXTURE_SETUP(ring)
{
	self->node = mojo_open_node();
	self->other = mojo_open_node();
	ASSERT_GE(self->node, 0);
	ASSERT_GE(self->other, 0);
	ASSERT_EQ(0, mojo_create_data_pipe(self->node, 1, 4096, &self->p, &self->c));
	ASSERT_EQ(0, mojo_map_data_pipe(self->node, self->c, (void **)&self->cm,
					&self->csize));
}

FIXTURE_TEARDOWN(ring)
{
	munmap(self->cm, self->csize);
	close(self->node);
	close(self->other);
}

static int put(int node, uint32_t p, const char *s)
{
	uint64_t n = strlen(s);

	return mojo_write_data(node, p, s, &n, MOJO_DATA_ALL_OR_NONE);
}

/*
 * vmsplice() takes references to the pages behind the mapping; they must
 * not let anyone see what the ring holds after the consumer left.
 */
TEST_F(ring, vmsplice_cannot_keep_the_ring)
{
	struct iovec iov = { .iov_base = self->cm, .iov_len = 4096 };
	char buf[4096] = { 0 };
	uint32_t moved;
	int pfd[2];
	ssize_t n;

	ASSERT_EQ(0, pipe(pfd));
	n = vmsplice(pfd[1], &iov, 1, 0);
	/* Refused: the ring is not reachable through page references. */
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, mojo_test_move(self->node, self->c, self->other, &moved));
	ASSERT_EQ(0, put(self->node, self->p, "SECRET"));
	if (n > 0) {
		ASSERT_LT(0, read(pfd[0], buf, sizeof(buf)));
		EXPECT_NE(0, memcmp(buf, "SECRET", 6));
	}
	close(pfd[0]);
	close(pfd[1]);
}

/* The same with tee(): the copy shares the pipe buffers' page references. */
TEST_F(ring, vmsplice_and_tee_see_nothing_after_revocation)
{
	struct iovec iov = { .iov_base = self->cm, .iov_len = 4096 };
	char buf[4096] = { 0 };
	int a[2], b[2];
	uint32_t moved;
	ssize_t n;

	ASSERT_EQ(0, pipe(a));
	ASSERT_EQ(0, pipe(b));
	n = vmsplice(a[1], &iov, 1, 0);
	EXPECT_EQ(-1, n);
	if (n > 0)
		ASSERT_LT(0, tee(a[0], b[1], 4096, 0));
	ASSERT_EQ(0, mojo_test_move(self->node, self->c, self->other, &moved));
	ASSERT_EQ(0, put(self->node, self->p, "SECRET"));
	if (n > 0) {
		ASSERT_LT(0, read(b[0], buf, sizeof(buf)));
		EXPECT_NE(0, memcmp(buf, "SECRET", 6));
	}
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

/*
 * io_uring registered buffers pin the pages of the producer mapping; a
 * READ_FIXED after revocation would write forged bytes into a ring whose
 * producer has moved on. Registration must fail (6.1 refuses file-backed
 * shared mappings anyway; 6.12 does not).
 */
TEST_F(ring, registered_buffer_cannot_pin_the_producer_ring)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	struct iovec iov;
	uint32_t moved, c2;
	char got[8] = { 0 };
	uint64_t n = 6;
	size_t psize;
	void *pm;
	int ret, fd;

	ASSERT_EQ(0, mojo_map_data_pipe(self->node, self->p, &pm, &psize));
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	iov.iov_base = pm;
	iov.iov_len = psize;
	ret = io_uring_register_buffers(&ring, &iov, 1);
	EXPECT_NE(0, ret);
	if (ret == 0) {
		/* Carry the attack through: send the producer away, then write. */
		ASSERT_EQ(0, mojo_test_move(self->node, self->p, self->other, &moved));
		fd = open("/proc/self/exe", O_RDONLY);
		ASSERT_GE(fd, 0);
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_read_fixed(sqe, fd, pm, 6, 0, 0);
		io_uring_submit(&ring);
		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		io_uring_cqe_seen(&ring, cqe);
		close(fd);
		/* The new owner commits nothing; the consumer must see nothing. */
		c2 = self->c;
		EXPECT_EQ(-EAGAIN, mojo_read_data(self->node, c2, got, &n, 0));
		EXPECT_NE(0, memcmp(self->cm, "\177ELF", 4));
	}
	io_uring_queue_exit(&ring);
	munmap(pm, psize);
}

/* /proc/self/mem reaches neither mapping, for reading or for writing. */
TEST_F(ring, proc_self_mem_cannot_reach_the_ring)
{
	int fd = open("/proc/self/mem", O_RDWR);
	char c = 'x';

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, put(self->node, self->p, "data"));
	EXPECT_EQ(-1, pwrite(fd, &c, 1, (off_t)(uintptr_t)self->cm));
	EXPECT_EQ(-1, pread(fd, &c, 1, (off_t)(uintptr_t)self->cm));
	close(fd);
	EXPECT_EQ(0, memcmp(self->cm, "data", 4));
}

/* MADV_DOFORK must not undo the rule that a child never inherits a ring. */
TEST_F(ring, madv_dofork_cannot_hand_the_ring_to_a_child)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, put(self->node, self->p, "data"));
	EXPECT_EQ(-1, madvise(self->cm, self->csize, MADV_DOFORK));
	if (errno == ENOSYS)
		SKIP(return, "no madvise() in this kernel");
	EXPECT_EQ(EINVAL, errno);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(mojo_test_touch(self->cm, false) == SIGSEGV ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(ring, exec_mappings_are_refused)
{
	struct mojo_data_pipe_info_args info;
	void *m;

	map_info(_metadata, self->node, self->p, &info);
	m = mmap(NULL, info.map_size, PROT_READ | PROT_EXEC, MAP_SHARED,
		 self->node, info.map_offset);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EACCES, errno);
	/* Nor can a mapping become executable later. */
	EXPECT_EQ(-1, mprotect(self->cm, self->csize, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
}

/*
 * A zap of the page tables by the user is not a revocation: refused
 * (special PFN mappings take no MADV_DONTNEED), or the pages fault back.
 */
TEST_F(ring, madv_dontneed_is_not_a_revocation)
{
	ASSERT_EQ(0, put(self->node, self->p, "data"));
	ASSERT_EQ(0, mojo_test_touch(self->cm, false));
	if (madvise(self->cm, self->csize, MADV_DONTNEED)) {
		if (errno == ENOSYS)
			SKIP(return, "no madvise() in this kernel");
		EXPECT_EQ(EINVAL, errno);
	}
	ASSERT_EQ(0, mojo_test_touch(self->cm, false));
	EXPECT_EQ(0, memcmp(self->cm, "data", 4));
}

/* A mapping may move, but not grow, and keeps its rules where it lands. */
TEST_F(ring, mremap_moves_but_cannot_grow)
{
	uint8_t *m, *hole;

	ASSERT_EQ(0, put(self->node, self->p, "data"));
	EXPECT_EQ(MAP_FAILED, mremap(self->cm, self->csize, 2 * self->csize,
				     MREMAP_MAYMOVE));
	/* A hole of our own to move it into. */
	hole = mmap(NULL, self->csize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	m = mremap(self->cm, self->csize, self->csize, MREMAP_MAYMOVE | MREMAP_FIXED,
		   hole);
	ASSERT_EQ(hole, m);
	self->cm = m;
	EXPECT_EQ(0, memcmp(m, "data", 4));
	EXPECT_EQ(-1, mprotect(m, self->csize, PROT_READ | PROT_WRITE));
}

/*
 * Mapping offsets name endpoints. An endpoint whose handles are all closed
 * still has a live mapping; a new endpoint must never get its offset, or
 * sending the new one away would revoke the old, unrelated mapping.
 */
TEST_F(ring, closed_endpoint_offsets_are_not_reused)
{
	struct mojo_data_pipe_info_args old, info;
	uint32_t p2, c2, moved;
	int i;

	map_info(_metadata, self->node, self->c, &old);
	ASSERT_EQ(0, put(self->node, self->p, "keep"));
	ASSERT_EQ(0, mojo_close(self->node, self->p));
	ASSERT_EQ(0, mojo_close(self->node, self->c));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, mojo_create_data_pipe(self->node, 1, 4096, &p2, &c2));
		map_info(_metadata, self->node, c2, &info);
		EXPECT_NE(old.map_offset, info.map_offset);
		map_info(_metadata, self->node, p2, &info);
		EXPECT_NE(old.map_offset, info.map_offset);
		ASSERT_EQ(0, mojo_test_move(self->node, c2, self->other, &moved));
		ASSERT_EQ(0, mojo_test_move(self->node, p2, self->other, &moved));
	}
	EXPECT_EQ(0, mojo_test_touch(self->cm, false));
	EXPECT_EQ(0, memcmp(self->cm, "keep", 4));
}

/*
 * A node whose last fd is closed dies at once, whatever mappings it made:
 * a mapping keeps the ring alive, not the node. Node A holds a message
 * pipe to node B and the consumer of a data pipe whose producer B holds;
 * A maps its consumer, then closes its fd and keeps the mapping.
 */
FIXTURE(death) {
	int a, b;
	uint32_t am, bm, bp, ac;
	uint8_t *map;
	size_t size;
};

FIXTURE_SETUP(death)
{
	uint32_t p;

	self->a = mojo_open_node();
	self->b = mojo_open_node();
	ASSERT_GE(self->a, 0);
	ASSERT_GE(self->b, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(self->a, &self->am, &p));
	ASSERT_EQ(0, mojo_test_move(self->a, p, self->b, &self->bm));
	ASSERT_EQ(0, mojo_create_data_pipe(self->a, 1, 4096, &p, &self->ac));
	ASSERT_EQ(0, mojo_test_move(self->a, p, self->b, &self->bp));
	ASSERT_EQ(0, mojo_map_data_pipe(self->a, self->ac, (void **)&self->map,
					&self->size));
	ASSERT_EQ(0, put(self->b, self->bp, "data"));
	/* The page is in A's page tables before A dies. */
	ASSERT_EQ(0, mojo_test_touch(self->map, false));
	ASSERT_EQ(0, memcmp(self->map, "data", 4));
}

FIXTURE_TEARDOWN(death)
{
	if (self->a >= 0)
		close(self->a);
	close(self->b);
}

/* B sees A's death when A closes its fd, not when A unmaps. */
TEST_F(death, peers_see_peer_closed_while_the_mapping_lives)
{
	ASSERT_EQ(0, close(self->a));
	self->a = -1;
	EXPECT_TRUE(mojo_test_signals(self->b, self->bm) & MOJO_SIGNAL_PEER_CLOSED);
	EXPECT_TRUE(mojo_test_signals(self->b, self->bp) & MOJO_SIGNAL_PEER_CLOSED);
	EXPECT_EQ(-EPIPE, put(self->b, self->bp, "more"));
	EXPECT_EQ(0, munmap(self->map, self->size));
}

/*
 * The endpoint died with its node, so its mappings are revoked as if it
 * had been sent away: SIGBUS on touch, even for a page already mapped.
 * Unmapping stays safe.
 */
TEST_F(death, node_death_revokes_the_mapping)
{
	ASSERT_EQ(0, close(self->a));
	self->a = -1;
	EXPECT_EQ(SIGBUS, mojo_test_touch(self->map, false));
	EXPECT_EQ(0, munmap(self->map, self->size));
}

/* A node shared by another fd (dup, fork) is not dead: nothing changes. */
TEST_F(death, a_node_with_another_fd_keeps_its_mapping)
{
	int other = dup(self->a);

	ASSERT_GE(other, 0);
	ASSERT_EQ(0, close(self->a));
	self->a = other;
	EXPECT_EQ(0, mojo_test_touch(self->map, false));
	EXPECT_EQ(0, memcmp(self->map, "data", 4));
	EXPECT_FALSE(mojo_test_signals(self->b, self->bm) & MOJO_SIGNAL_PEER_CLOSED);
	EXPECT_EQ(0, munmap(self->map, self->size));
}

TEST_HARNESS_MAIN
