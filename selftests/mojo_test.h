/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mojoports selftests.
 */
#ifndef MOJO_TEST_H
#define MOJO_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mojoports.h>

/* ioctl() returning its result or a negative errno, like the library. */
static inline int mojo_test_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

/*
 * An address that is certainly unmapped: map a page, unmap it, and hand
 * back where it was.
 */
static inline void *mojo_test_unmapped(void)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, page);
	return p;
}

/* A page that can be read but not written. */
static inline void *mojo_test_readonly_page(void)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

#endif /* MOJO_TEST_H */
