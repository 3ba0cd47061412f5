/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the io_uring selftests: getting SQEs, preparing a
 * parked read, and reaping CQEs.
 */
#ifndef MOJO_URING_TEST_H
#define MOJO_URING_TEST_H

#include <liburing.h>

#include "mojo_test.h"

/* An SQE of @ring tagged with @tag, or NULL when the SQ ring is full. */
static inline struct io_uring_sqe *mojo_test_sqe(struct io_uring *ring,
						 uint64_t tag)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (sqe)
		io_uring_sqe_set_data64(sqe, tag);
	return sqe;
}

/* A READ_MESSAGE of @h into @buf, filling @a (which must outlive it). */
static inline void mojo_test_prep_read(struct io_uring *ring, int node,
				       struct mojo_read_message_args *a,
				       uint32_t h, void *buf, uint32_t size,
				       uint64_t tag)
{
	memset(a, 0, sizeof(*a));
	a->handle = h;
	a->bytes = (uintptr_t)buf;
	a->num_bytes = size;
	mojo_uring_prep_read_message(mojo_test_sqe(ring, tag), node, a);
}

/*
 * Wait for one CQE (up to 10 s): its res and tag; -ETIME when none came.
 * Not inlined: tests that fork or jump out of an ASSERT would otherwise
 * draw -Wclobbered warnings for the tag they pass.
 */
static __attribute__((noinline, unused)) int mojo_test_reap(struct io_uring *ring, uint64_t *tag)
{
	struct __kernel_timespec ts = { .tv_sec = 10 };
	struct io_uring_cqe *cqe;
	int ret, res;

	ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	if (ret)
		return ret;
	res = cqe->res;
	if (tag)
		*tag = io_uring_cqe_get_data64(cqe);
	io_uring_cqe_seen(ring, cqe);
	return res;
}

/* No CQE is ready now. */
static inline int mojo_test_no_cqe(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;

	return io_uring_peek_cqe(ring, &cqe) == -EAGAIN;
}

#endif /* MOJO_URING_TEST_H */
