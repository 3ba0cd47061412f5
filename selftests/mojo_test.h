/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mojoports selftests.
 */
#ifndef MOJO_TEST_H
#define MOJO_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mojoports.h>

/*
 * Built with MOJO_TEST_VIA_URING, a suite runs every call, the library's
 * and the raw ones below, through io_uring instead of ioctl(2), and must
 * get the same results.
 */
#ifdef MOJO_TEST_VIA_URING
__attribute__((constructor)) static void mojo_test_via_uring(void)
{
	mojo_set_transport(MOJO_TRANSPORT_IO_URING);
}
#endif

/* One raw operation: its result or a negative errno, like the library. */
static inline int mojo_test_ioctl(int fd, unsigned long cmd, void *arg)
{
	return mojo_call(fd, cmd, arg);
}

/*
 * An address no access can reach: a PROT_NONE page, kept reserved so that
 * no later mapping (an io_uring ring, say) lands there. It is leaked on
 * purpose; each test runs in a process of its own.
 */
static inline void *mojo_test_unmapped(void)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A page that can be read but not written. */
static inline void *mojo_test_readonly_page(void)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A module parameter's file. */
#define MOJO_PARAM(name) "/sys/module/mojoports/parameters/" name

/* The number a file (a parameter, a cgroup counter) holds, or -1. */
static inline long mojo_test_read_long(const char *path)
{
	char buf[64] = { 0 };
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/* Write @s to a file: 0 or a negative errno. */
static inline int mojo_test_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -errno;
}

static inline int mojo_test_write_long(const char *path, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v);
	return mojo_test_write_file(path, buf);
}

static inline sigjmp_buf *mojo_test_fault_jmp(void)
{
	static sigjmp_buf jmp;

	return &jmp;
}

static inline void mojo_test_on_fault(int sig)
{
	siglongjmp(*mojo_test_fault_jmp(), sig);
}

/*
 * Touch the byte at @p, writing it when @write: the signal that raised
 * (SIGBUS, SIGSEGV), or 0 when the access went through.
 */
static inline int mojo_test_touch(volatile uint8_t *p, bool write)
{
	struct sigaction sa = { .sa_handler = mojo_test_on_fault };
	struct sigaction old_bus, old_segv;
	int sig;

	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	sig = sigsetjmp(*mojo_test_fault_jmp(), 1);
	if (!sig) {
		if (write)
			p[0] = 3;
		else
			(void)p[0];
	}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return sig;
}


/* Signals satisfied now, or 0xdead... on error so comparisons fail. */
static inline uint64_t mojo_test_signals(int node, uint32_t h)
{
	uint64_t sat;

	if (mojo_query_signals(node, h, &sat, NULL))
		return 0xdeadbeefdeadbeefULL;
	return sat;
}

static inline int mojo_test_write_str(int node, uint32_t h, const char *s)
{
	return mojo_write_message(node, h, s, strlen(s), NULL, 0);
}

/* Read one message into @buf (NUL-terminated); 0 or a negative errno. */
static inline int mojo_test_read_str(int node, uint32_t h, char *buf,
				     uint32_t size)
{
	uint32_t n = size - 1;
	int ret = mojo_read_message(node, h, buf, &n, NULL, NULL);

	if (ret == 0)
		buf[n] = '\0';
	return ret;
}

/* Move @h of node @from into node @to through export/import. */
static inline int mojo_test_move(int from, uint32_t h, int to, uint32_t *out)
{
	int fd = mojo_export_handle(from, h);
	int ret;

	if (fd < 0)
		return fd;
	ret = mojo_import_handle(to, fd, out);
	close(fd);
	return ret;
}

/*
 * The errnos uapi/linux/mojoports.h lists for each operation (its
 * "Errors" comment), for tests and fuzzers to check results against.
 * @errnos: what the operation may return through either transport;
 * @uring: what it may return only through io_uring (a command that stays
 * pending, or a MOJO_URING_SYNC WAIT); both lists end with 0. An ioctl
 * number that is no operation fails with ENOTTY only. Results io_uring
 * posts itself (a broken link's ECANCELED) are not listed.
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
	MOJO_TEST_ERRNOS(CREATE_MESSAGE_PIPE, EFAULT, EINVAL, ENOSPC, ENOMEM),
	MOJO_TEST_ERRNOS(WRITE_MESSAGE, EBADF, EFAULT, EINVAL, EMSGSIZE, EPIPE,
			 ENOSPC, ETOOMANYREFS, ELOOP, EBUSY, ENOMEM),
	MOJO_TEST_ERRNOS_URING(READ_MESSAGE, MOJO_TEST_URING_PARKED,
			       EBADF, EFAULT, EINVAL, EAGAIN, EPIPE, EMSGSIZE,
			       ENOSPC, ENOMEM),
	MOJO_TEST_ERRNOS(FUSE, EBADF, EFAULT, EINVAL, EBUSY),
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
	if (!e)
		return err == ENOTTY;
	for (i = 0; i < sizeof(e->errnos) / sizeof(e->errnos[0]) && e->errnos[i]; i++)
		if (e->errnos[i] == err)
			return true;
	for (i = 0; uring && i < sizeof(e->uring) / sizeof(e->uring[0]) && e->uring[i]; i++)
		if (e->uring[i] == err)
			return true;
	/* Any command issued after its SQ slot was given back (linked). */
	return uring && err == ESTALE;
}

#endif /* MOJO_TEST_H */
