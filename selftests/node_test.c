// SPDX-License-Identifier: GPL-2.0
/*
 * Nodes: open/close, names, sharing across fork and dup, the version
 * ioctl, and the rules every ioctl follows (unknown number, bad pointer,
 * reserved fields).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>

#include "kselftest_harness.h"
#include "mojo_test.h"

#define MANY_NODES	1000

FIXTURE(node) {
	int fd;
};

FIXTURE_SETUP(node)
{
	self->fd = mojo_open_node();
	ASSERT_GE(self->fd, 0) TH_LOG("open %s: %s", MOJO_DEVICE_PATH,
				      strerror(-self->fd));
}

FIXTURE_TEARDOWN(node)
{
	close(self->fd);
}

static int cmp_names(const void *a, const void *b)
{
	return memcmp(a, b, MOJO_NAME_SIZE);
}

/* Let this process hold MANY_NODES fds at once. */
static int raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= MANY_NODES + 64)
		return 0;
	rl.rlim_cur = MANY_NODES + 64;
	if (rl.rlim_max < rl.rlim_cur)
		rl.rlim_max = rl.rlim_cur;
	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}

TEST(open_close_many_times)
{
	int i;

	for (i = 0; i < 5000; i++) {
		int fd = mojo_open_node();

		ASSERT_GE(fd, 0) TH_LOG("open #%d: %s", i, strerror(-fd));
		ASSERT_EQ(0, close(fd));
	}
}

TEST(many_nodes_open_at_once_have_distinct_names)
{
	static uint8_t names[MANY_NODES][MOJO_NAME_SIZE];
	static const uint8_t zero[MOJO_NAME_SIZE];
	static int fds[MANY_NODES];
	int i;

	ASSERT_EQ(0, raise_nofile());
	for (i = 0; i < MANY_NODES; i++) {
		fds[i] = mojo_open_node();
		ASSERT_GE(fds[i], 0) TH_LOG("open #%d: %s", i, strerror(-fds[i]));
		ASSERT_EQ(0, mojo_get_node_name(fds[i], names[i]));
		ASSERT_NE(0, memcmp(names[i], zero, MOJO_NAME_SIZE));
	}
	qsort(names, MANY_NODES, MOJO_NAME_SIZE, cmp_names);
	for (i = 1; i < MANY_NODES; i++)
		ASSERT_NE(0, memcmp(names[i - 1], names[i], MOJO_NAME_SIZE));
	for (i = 0; i < MANY_NODES; i++)
		ASSERT_EQ(0, close(fds[i]));
}

TEST_F(node, name_is_stable)
{
	uint8_t a[MOJO_NAME_SIZE], b[MOJO_NAME_SIZE];

	ASSERT_EQ(0, mojo_get_node_name(self->fd, a));
	ASSERT_EQ(0, mojo_get_node_name(self->fd, b));
	ASSERT_EQ(0, memcmp(a, b, MOJO_NAME_SIZE));
}

TEST_F(node, name_raw_ioctl_matches_library)
{
	struct mojo_node_name_args args;
	uint8_t name[MOJO_NAME_SIZE];

	memset(&args, 0, sizeof(args));
	ASSERT_EQ(0, mojo_test_ioctl(self->fd, MOJO_IOC_NODE_NAME, &args));
	ASSERT_EQ(0, mojo_get_node_name(self->fd, name));
	ASSERT_EQ(0, memcmp(args.name, name, MOJO_NAME_SIZE));
}

TEST_F(node, dup_shares_the_node)
{
	uint8_t a[MOJO_NAME_SIZE], b[MOJO_NAME_SIZE];
	int fd2 = dup(self->fd);

	ASSERT_GE(fd2, 0);
	ASSERT_EQ(0, mojo_get_node_name(self->fd, a));
	ASSERT_EQ(0, mojo_get_node_name(fd2, b));
	ASSERT_EQ(0, memcmp(a, b, MOJO_NAME_SIZE));
	/* Closing one fd of the node leaves the node alive. */
	ASSERT_EQ(0, close(fd2));
	ASSERT_EQ(0, mojo_get_node_name(self->fd, b));
	ASSERT_EQ(0, memcmp(a, b, MOJO_NAME_SIZE));
}

TEST_F(node, forked_child_shares_parent_node)
{
	uint8_t parent[MOJO_NAME_SIZE], child[MOJO_NAME_SIZE];
	uint8_t child_new[MOJO_NAME_SIZE];
	int status, p[2];
	pid_t pid;

	ASSERT_EQ(0, mojo_get_node_name(self->fd, parent));
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		uint8_t buf[2 * MOJO_NAME_SIZE];
		int fd;

		close(p[0]);
		if (mojo_get_node_name(self->fd, buf))
			_exit(1);
		/* A fresh open in the child is a node of its own. */
		fd = mojo_open_node();
		if (fd < 0 || mojo_get_node_name(fd, buf + MOJO_NAME_SIZE))
			_exit(2);
		if (write(p[1], buf, sizeof(buf)) != sizeof(buf))
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	ASSERT_EQ(MOJO_NAME_SIZE, read(p[0], child, MOJO_NAME_SIZE));
	ASSERT_EQ(MOJO_NAME_SIZE, read(p[0], child_new, MOJO_NAME_SIZE));
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, memcmp(parent, child, MOJO_NAME_SIZE));
	ASSERT_NE(0, memcmp(parent, child_new, MOJO_NAME_SIZE));
	/* The child's exit did not end the shared node. */
	ASSERT_EQ(0, mojo_get_node_name(self->fd, child));
	ASSERT_EQ(0, memcmp(parent, child, MOJO_NAME_SIZE));
}

TEST_F(node, version_reports_api_version_and_features)
{
	const uint64_t known = MOJO_FEATURE_VERSION | MOJO_FEATURE_NODE_NAME |
		MOJO_FEATURE_MESSAGE_PIPE | MOJO_FEATURE_SIGNALS |
		MOJO_FEATURE_FUSE | MOJO_FEATURE_QUOTA | MOJO_FEATURE_EXPORT |
		MOJO_FEATURE_TRAP | MOJO_FEATURE_DATA_PIPE |
		MOJO_FEATURE_URING | MOJO_FEATURE_WRAP_FD |
		MOJO_FEATURE_SENDER_CREDS | MOJO_FEATURE_PEER_CLOSED_ON_ARRIVAL |
		MOJO_FEATURE_PEER_REMOTE | MOJO_FEATURE_SIGNAL_QUOTA |
		MOJO_FEATURE_FUSE_FLOW_ON;
	struct mojo_version_args args;

	memset(&args, 0, sizeof(args));
	ASSERT_EQ(0, mojo_test_ioctl(self->fd, MOJO_IOC_VERSION, &args));
	EXPECT_EQ(MOJO_API_VERSION, args.version);
	EXPECT_EQ(known, args.features & known);
	EXPECT_EQ(0, args.features & ~known)
		TH_LOG("features 0x%llx has bits this header does not know",
		       (unsigned long long)args.features);
	EXPECT_EQ(0, args.reserved0);
	EXPECT_EQ(0, args.reserved[0]);
	EXPECT_EQ(0, args.reserved[1]);
}

TEST_F(node, version_via_library)
{
	uint64_t features = 0;
	uint32_t version = 0;

	ASSERT_EQ(0, mojo_get_version(self->fd, &version, &features));
	EXPECT_EQ(MOJO_API_VERSION, version);
	EXPECT_NE(0, features & MOJO_FEATURE_VERSION);
	ASSERT_EQ(0, mojo_get_version(self->fd, NULL, NULL));
}

TEST_F(node, unknown_ioctl_is_enotty)
{
	struct mojo_version_args args;
	struct { __u64 a, b; } small;
	struct termios tio;
	unsigned long bad[] = {
		/* holes in the table, and past its end */
		_IOWR(MOJO_IOC_MAGIC, 0x0f, struct mojo_version_args),
		_IOWR(MOJO_IOC_MAGIC, 0x3f, struct mojo_version_args),
		_IOWR(MOJO_IOC_MAGIC, 0x60, struct mojo_version_args),
		_IOWR(MOJO_IOC_MAGIC, 0xff, struct mojo_version_args),
		/* another driver's type byte */
		_IOWR(MOJO_IOC_MAGIC + 1, 0x00, struct mojo_version_args),
		/* the right number with the wrong direction */
		_IOR(MOJO_IOC_MAGIC, 0x00, struct mojo_version_args),
		_IOW(MOJO_IOC_MAGIC, 0x00, struct mojo_version_args),
		_IO(MOJO_IOC_MAGIC, 0x00),
		/* the right number with the wrong size */
		_IOWR(MOJO_IOC_MAGIC, 0x00, small),
		_IOWR(MOJO_IOC_MAGIC, 0x01, small),
		0,
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&args, 0, sizeof(args));
		EXPECT_EQ(-ENOTTY, mojo_test_ioctl(self->fd, bad[i], &args))
			TH_LOG("cmd 0x%lx", bad[i]);
		/* Nothing was written back. */
		EXPECT_EQ(0, args.version);
	}
	/* A terminal ioctl is not ours either. */
	EXPECT_EQ(-ENOTTY, mojo_test_ioctl(self->fd, TCGETS, &tio));
}

TEST_F(node, null_and_unmapped_pointers_are_efault)
{
	void *unmapped = mojo_test_unmapped();

	ASSERT_NE(NULL, unmapped);
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->fd, MOJO_IOC_VERSION, NULL));
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->fd, MOJO_IOC_NODE_NAME, NULL));
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->fd, MOJO_IOC_VERSION, unmapped));
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->fd, MOJO_IOC_NODE_NAME, unmapped));
}

TEST_F(node, readonly_argument_is_efault)
{
	void *ro = mojo_test_readonly_page();

	/* Readable zeroes pass validation; writing the result back faults. */
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->fd, MOJO_IOC_VERSION, ro));
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->fd, MOJO_IOC_NODE_NAME, ro));
	munmap(ro, sysconf(_SC_PAGESIZE));
}

TEST_F(node, argument_straddling_unmapped_page_is_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	struct mojo_version_args *args;
	char *p;

	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p + page, page, PROT_NONE));
	args = (void *)(p + page - sizeof(*args) / 2);
	memset(args, 0, sizeof(*args) / 2);
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->fd, MOJO_IOC_VERSION, args));
	munmap(p, 2 * page);
}

TEST_F(node, version_reserved_nonzero_is_einval)
{
	struct mojo_version_args args;
	int i;

	for (i = 0; i < 3; i++) {
		memset(&args, 0, sizeof(args));
		args.version = 0xdead;
		if (i == 0)
			args.reserved0 = 1;
		else
			args.reserved[i - 1] = 1ULL << 63;
		EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->fd, MOJO_IOC_VERSION, &args));
		/* Not written back. */
		EXPECT_EQ(0xdead, args.version);
		EXPECT_EQ(0, args.features);
	}
}

TEST_F(node, node_name_reserved_nonzero_is_einval)
{
	struct mojo_node_name_args args;
	uint8_t before[MOJO_NAME_SIZE], after[MOJO_NAME_SIZE];
	int i;

	ASSERT_EQ(0, mojo_get_node_name(self->fd, before));
	for (i = 0; i < 2; i++) {
		memset(&args, 0, sizeof(args));
		args.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->fd, MOJO_IOC_NODE_NAME, &args));
		for (int j = 0; j < MOJO_NAME_SIZE; j++)
			EXPECT_EQ(0, args.name[j]);
	}
	/* The node is unchanged. */
	ASSERT_EQ(0, mojo_get_node_name(self->fd, after));
	ASSERT_EQ(0, memcmp(before, after, MOJO_NAME_SIZE));
}

/*
 * With fault injection (the debug kernel), fail each allocation that an
 * open() makes in turn: every failure must come back as a clean -ENOMEM,
 * and the kmemleak scan after the run proves nothing leaked.
 */
TEST(open_under_fault_injection_fails_cleanly)
{
	char path[64];
	int nth, fd, fail;

	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", gettid());
	fail = open(path, O_RDWR);
	if (fail < 0)
		SKIP(return, "no fault injection in this kernel (%s)", path);

	for (nth = 1; nth < 1000; nth++) {
		char buf[16];
		int len = snprintf(buf, sizeof(buf), "%d", nth);
		ssize_t n;

		ASSERT_EQ(len, pwrite(fail, buf, len, 0));
		fd = open(MOJO_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		n = pread(fail, buf, sizeof(buf) - 1, 0);
		ASSERT_GT(n, 0);
		buf[n] = '\0';
		ASSERT_EQ(1, pwrite(fail, "0", 1, 0));
		if (fd >= 0) {
			uint8_t name[MOJO_NAME_SIZE];

			ASSERT_EQ(0, mojo_get_node_name(fd, name));
			close(fd);
			/* The counter did not run out: no allocation was failed. */
			if (atoi(buf) != 0)
				break;
		} else {
			ASSERT_EQ(ENOMEM, errno) TH_LOG("allocation %d", nth);
		}
	}
	ASSERT_LT(nth, 1000);
	TH_LOG("open() survived %d injected allocation failures", nth - 1);
	close(fail);
}

TEST_HARNESS_MAIN
