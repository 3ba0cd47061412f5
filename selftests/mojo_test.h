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

#include "mojo_errnos.h"

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

#endif /* MOJO_TEST_H */
