/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The documented errnos of every operation, shared by the selftests
 * (mojo_test.h) and the fuzzer (userspace/fuzz/): keep in step with the
 * "Errors" sections of uapi/linux/mojoports.h.
 */
#ifndef MOJO_ERRNOS_H
#define MOJO_ERRNOS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/mojoports.h>

/*
 * The errnos uapi/linux/mojoports.h lists for each operation (its
 * "Errors" comment), for tests and fuzzers to check results against.
 * @errnos: what the operation may return through either transport;
 * @uring: what it may return only through io_uring (a command that stays
 * pending, or a MOJO_URING_SYNC WAIT); both lists end with 0. Through
 * io_uring, any command, whatever its cmd_op, may also get ESTALE and
 * EINVAL (its command area), which are checked before the operation
 * number; otherwise a number that is no operation fails with ENOTTY
 * only. Results io_uring posts itself (a broken link's ECANCELED) are
 * not listed.
 * MOJO_TEST_MMAP names mmap() of a ring.
 */
#define MOJO_TEST_MMAP	0UL

struct mojo_test_errno {
	unsigned long cmd;
	const char *name;
	int errnos[16];
	int uring[8];
};

/*
 * What io_uring adds: a READ_MESSAGE or READ_DATA that stays pending, and
 * a WAIT, which may also be a MOJO_URING_SYNC one woken by task work.
 */
#define MOJO_TEST_URING_PARKED	ECANCELED, EDQUOT, ENOMEM, EOPNOTSUPP
#define MOJO_TEST_URING_WAIT	EAGAIN, EDQUOT, ENOMEM, EOPNOTSUPP

/* One entry: the operation MOJO_IOC_<op>, then its errnos. */
#define MOJO_TEST_ERRNOS(op, ...) \
	{ .cmd = MOJO_IOC_##op, .name = #op, .errnos = { __VA_ARGS__ } }
/* Likewise, with more that only io_uring returns. */
#define MOJO_TEST_ERRNOS_URING(op, uring_only, ...) \
	{ .cmd = MOJO_IOC_##op, .name = #op, .errnos = { __VA_ARGS__ }, \
	  .uring = { uring_only } }

static const struct mojo_test_errno mojo_test_errnos[] = {
	MOJO_TEST_ERRNOS(VERSION, EFAULT, EINVAL),
	MOJO_TEST_ERRNOS(NODE_NAME, EFAULT, EINVAL),
	MOJO_TEST_ERRNOS(CLOSE, EBADF, EFAULT, EINVAL),
	MOJO_TEST_ERRNOS(QUERY_SIGNALS, EBADF, EFAULT, EINVAL),
	MOJO_TEST_ERRNOS_URING(WAIT, MOJO_TEST_URING_WAIT,
			       EBADF, EFAULT, EINVAL, EPIPE, ETIMEDOUT, EINTR,
			       ECANCELED),
	MOJO_TEST_ERRNOS(EXPORT, EBADF, EFAULT, EINVAL, EBUSY, EMFILE, ENFILE,
			 ENOMEM),
	MOJO_TEST_ERRNOS(IMPORT, EBADF, EFAULT, EINVAL, EALREADY, ENOSPC, ENOMEM),
	MOJO_TEST_ERRNOS(SET_QUOTA, EBADF, EFAULT, EINVAL),
	MOJO_TEST_ERRNOS(CREATE_TRAP, EFAULT, EINVAL, ENOSPC, ENOMEM),
	MOJO_TEST_ERRNOS(ADD_TRIGGER, EBADF, EFAULT, EINVAL, EEXIST, ENOSPC,
			 ENOMEM),
	MOJO_TEST_ERRNOS(REMOVE_TRIGGER, EBADF, EFAULT, EINVAL, ENOENT),
	MOJO_TEST_ERRNOS(ARM_TRAP, EBADF, EFAULT, EINVAL, ENOENT, EALREADY),
	MOJO_TEST_ERRNOS(READ_TRAP_EVENTS, EFAULT, EINVAL, EAGAIN, ENOMEM),
	MOJO_TEST_ERRNOS(WRAP_FD, EBADF, EFAULT, EINVAL, ENOSPC, ENOMEM,
			 ETOOMANYREFS),
	MOJO_TEST_ERRNOS(UNWRAP_FD, EBADF, EFAULT, EINVAL, EACCES, EPERM,
			 EMFILE, ENOMEM),
	MOJO_TEST_ERRNOS(CREATE_MESSAGE_PIPE, EFAULT, EINVAL, ENOSPC, ENOMEM),
	MOJO_TEST_ERRNOS(SET_SIGNAL_QUOTA, EBADF, EFAULT, EINVAL),
	MOJO_TEST_ERRNOS(QUERY_QUOTA, EBADF, EFAULT, EINVAL),
	MOJO_TEST_ERRNOS(WRITE_MESSAGE, EBADF, EFAULT, EINVAL, EMSGSIZE, EPIPE,
			 ENOSPC, ETOOMANYREFS, ELOOP, EBUSY, ENOMEM),
	MOJO_TEST_ERRNOS_URING(READ_MESSAGE, MOJO_TEST_URING_PARKED,
			       EBADF, EFAULT, EINVAL, EAGAIN, EPIPE, EMSGSIZE,
			       ENOSPC, ENOMEM),
	MOJO_TEST_ERRNOS(FUSE, EBADF, EFAULT, EINVAL, EBUSY, ELOOP, ENOSPC, ETOOMANYREFS),
	MOJO_TEST_ERRNOS(CREATE_DATA_PIPE, EFAULT, EINVAL, ENOSPC, ENOMEM),
	MOJO_TEST_ERRNOS(WRITE_DATA, EBADF, EFAULT, EINVAL, EBUSY, EPIPE, ERANGE,
			 EAGAIN),
	MOJO_TEST_ERRNOS_URING(READ_DATA, MOJO_TEST_URING_PARKED,
			       EBADF, EFAULT, EINVAL, EBUSY, EPIPE, ERANGE,
			       EAGAIN),
	MOJO_TEST_ERRNOS(BEGIN_WRITE_DATA, EBADF, EFAULT, EINVAL, EBUSY, EPIPE,
			 EAGAIN),
	MOJO_TEST_ERRNOS(END_WRITE_DATA, EBADF, EFAULT, EINVAL, ENOENT),
	MOJO_TEST_ERRNOS(BEGIN_READ_DATA, EBADF, EFAULT, EINVAL, EBUSY, EPIPE,
			 EAGAIN),
	MOJO_TEST_ERRNOS(END_READ_DATA, EBADF, EFAULT, EINVAL, ENOENT),
	MOJO_TEST_ERRNOS(DATA_PIPE_INFO, EBADF, EFAULT, EINVAL),
	MOJO_TEST_ERRNOS(DATA_PIPE_SET_THRESHOLD, EBADF, EFAULT, EINVAL),
	{ .cmd = MOJO_TEST_MMAP, .name = "mmap",
	  .errnos = { EINVAL, EACCES, ENOMEM } },
};

/* The entry of @cmd in mojo_test_errnos[], or NULL. */
static inline const struct mojo_test_errno *mojo_test_errno_entry(unsigned long cmd)
{
	size_t i;

	for (i = 0; i < sizeof(mojo_test_errnos) / sizeof(mojo_test_errnos[0]); i++)
		if (mojo_test_errnos[i].cmd == cmd)
			return &mojo_test_errnos[i];
	return NULL;
}

/*
 * Does the header list @err (positive) for @cmd, through io_uring when
 * @uring? 0 (success) always passes.
 */
static inline bool mojo_test_errno_listed(unsigned long cmd, int err, bool uring)
{
	const struct mojo_test_errno *e = mojo_test_errno_entry(cmd);
	size_t i;

	if (!err)
		return true;
	/* Before the number is looked at: the command area (header, Order). */
	if (uring && (err == ESTALE || err == EINVAL))
		return true;
	if (!e)
		return err == ENOTTY;
	for (i = 0; i < sizeof(e->errnos) / sizeof(e->errnos[0]) && e->errnos[i]; i++)
		if (e->errnos[i] == err)
			return true;
	for (i = 0; uring && i < sizeof(e->uring) / sizeof(e->uring[0]) && e->uring[i]; i++)
		if (e->uring[i] == err)
			return true;
	return false;
}

#endif /* MOJO_ERRNOS_H */
