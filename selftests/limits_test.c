// SPDX-License-Identifier: GPL-2.0
/*
 * Limits and accounting: the per-node handle limit, the module's default
 * quota, the ranges every module parameter keeps to, and memory charged
 * to the writer's memory cgroup.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mojo_test.h"

/* Runs with a module parameter changed, and puts it back. */
FIXTURE(param) {
	const char *path;
	long saved;
	int node;
};

FIXTURE_SETUP(param)
{
	self->path = NULL;
	self->node = mojo_open_node();
	ASSERT_GE(self->node, 0);
}

FIXTURE_TEARDOWN(param)
{
	if (self->path)
		mojo_test_write_long(self->path, self->saved);
	close(self->node);
}

static void set_param(struct _test_data_param *self, const char *path, long v)
{
	self->path = path;
	self->saved = mojo_test_read_long(path);
	if (self->saved < 0 || mojo_test_write_long(path, v))
		self->path = NULL;
}

TEST_F(param, handle_limit_stops_creation_with_enospc)
{
	uint32_t a, b, t;
	int i, made = 0;

	set_param(self, MOJO_PARAM("max_handles"), 6);
	ASSERT_NE(NULL, self->path);
	for (i = 0; i < 10; i++) {
		int ret = mojo_create_message_pipe(self->node, &a, &b);

		if (ret == -ENOSPC)
			break;
		ASSERT_EQ(0, ret);
		made++;
	}
	EXPECT_EQ(3, made);
	/* One free slot: a pipe (two handles) still fails, a trap fits. */
	ASSERT_EQ(0, mojo_close(self->node, a));
	EXPECT_EQ(-ENOSPC, mojo_create_message_pipe(self->node, &a, &t));
	EXPECT_EQ(0, mojo_create_trap(self->node, &t));
	EXPECT_EQ(-ENOSPC, mojo_create_trap(self->node, &t));
	/* The failed calls changed nothing: b still works. */
	EXPECT_EQ(MOJO_SIGNAL_PEER_CLOSED, mojo_test_signals(self->node, b));
}

TEST_F(param, full_table_keeps_a_message_with_handles_queued)
{
	uint32_t o0, o1, p0, p1, mine, x0, x1, trap, got, n = 0, nh = 1;
	char buf[8];
	int other = mojo_open_node();

	ASSERT_GE(other, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(other, &o0, &o1));
	ASSERT_EQ(0, mojo_create_message_pipe(other, &p0, &p1));
	set_param(self, MOJO_PARAM("max_handles"), 4);
	ASSERT_NE(NULL, self->path);
	/* mine, x0, x1 and a trap: the table is full. */
	ASSERT_EQ(0, mojo_test_move(other, o1, self->node, &mine));
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &x0, &x1));
	ASSERT_EQ(0, mojo_create_trap(self->node, &trap));
	ASSERT_EQ(0, mojo_write_message(other, o0, "h", 1, &p1, 1));
	n = sizeof(buf);
	EXPECT_EQ(-ENOSPC, mojo_read_message(self->node, mine, buf, &n, &got, &nh));
	EXPECT_EQ(MOJO_SIGNAL_READABLE | MOJO_SIGNAL_WRITABLE |
		  MOJO_SIGNAL_PEER_REMOTE,
		  mojo_test_signals(self->node, mine));
	/* A free slot, and the same message reads whole. */
	ASSERT_EQ(0, mojo_close(self->node, trap));
	n = sizeof(buf);
	nh = 1;
	ASSERT_EQ(0, mojo_read_message(self->node, mine, buf, &n, &got, &nh));
	EXPECT_EQ(1, n);
	EXPECT_EQ(1, nh);
	ASSERT_EQ(0, mojo_test_write_str(other, p0, "ok"));
	ASSERT_EQ(0, mojo_test_read_str(self->node, got, buf, sizeof(buf)));
	EXPECT_STREQ("ok", buf);
	close(other);
}

TEST_F(param, default_queue_quota_applies_to_new_pipes)
{
	uint32_t h0, h1;
	int i;

	set_param(self, MOJO_PARAM("default_queue_msgs"), 3);
	ASSERT_NE(NULL, self->path);
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &h0, &h1));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, mojo_test_write_str(self->node, h0, "q"));
	EXPECT_EQ(-ENOSPC, mojo_test_write_str(self->node, h0, "q"));
}

TEST_F(param, max_message_bytes_is_a_parameter)
{
	uint32_t h0, h1;
	char buf[200] = { 0 };

	set_param(self, MOJO_PARAM("max_message_bytes"), 100);
	ASSERT_NE(NULL, self->path);
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &h0, &h1));
	EXPECT_EQ(0, mojo_write_message(self->node, h0, buf, 100, NULL, 0));
	EXPECT_EQ(-EMSGSIZE, mojo_write_message(self->node, h0, buf, 101, NULL, 0));
}

/*
 * Every module parameter has a range (README, MODULE_PARM_DESC). A write
 * outside it fails with EINVAL and leaves the old value; both ends of the
 * range are accepted.
 */
FIXTURE(range) {
	char path[128];
	long saved;
};

FIXTURE_VARIANT(range) {
	const char *name;
	unsigned long min, max;
};

#define RANGE(n, lo, hi) \
	FIXTURE_VARIANT_ADD(range, n) { .name = #n, .min = (lo), .max = (hi) }

RANGE(max_message_bytes, 0, 1UL << 30);
RANGE(default_queue_msgs, 1, 1UL << 20);
RANGE(default_queue_bytes, 1, 1UL << 30);
RANGE(max_handles, 1, 1UL << 24);
RANGE(max_data_pipe_capacity, 1, 1UL << 30);
RANGE(max_user_ring_bytes, 0, LONG_MAX);
RANGE(max_user_queue_bytes, 0, LONG_MAX);
RANGE(max_user_transit_ports, 0, 1UL << 24);
RANGE(uring_max_pending_per_node, 0, 1UL << 20);
RANGE(uring_max_pending_per_user, 0, 1UL << 20);

FIXTURE_SETUP(range)
{
	snprintf(self->path, sizeof(self->path), MOJO_PARAM("%s"), variant->name);
	self->saved = mojo_test_read_long(self->path);
	ASSERT_LE(0, self->saved);
}

FIXTURE_TEARDOWN(range)
{
	mojo_test_write_long(self->path, self->saved);
}

static int write_ulong(const char *path, unsigned long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", v);
	return mojo_test_write_file(path, buf);
}

TEST_F(range, out_of_range_writes_fail_and_keep_the_value)
{
	EXPECT_EQ(-EINVAL, write_ulong(self->path, variant->max + 1));
	EXPECT_EQ(self->saved, mojo_test_read_long(self->path));
	EXPECT_EQ(-EINVAL, write_ulong(self->path, ULONG_MAX));
	EXPECT_EQ(self->saved, mojo_test_read_long(self->path));
	EXPECT_EQ(-EINVAL, mojo_test_write_file(self->path, "-1"));
	EXPECT_EQ(self->saved, mojo_test_read_long(self->path));
	EXPECT_EQ(-EINVAL, mojo_test_write_file(self->path, "12abc"));
	EXPECT_EQ(self->saved, mojo_test_read_long(self->path));
	if (variant->min > 0) {
		EXPECT_EQ(-EINVAL, write_ulong(self->path, variant->min - 1));
		EXPECT_EQ(self->saved, mojo_test_read_long(self->path));
	}
}

TEST_F(range, both_ends_of_the_range_are_accepted)
{
	ASSERT_EQ(0, write_ulong(self->path, variant->max));
	EXPECT_EQ((long)variant->max, mojo_test_read_long(self->path));
	ASSERT_EQ(0, write_ulong(self->path, variant->min));
	/* For the per-user memory bounds, 0 asks for the automatic value. */
	if (strncmp(variant->name, "max_user_", 9) ||
	    !strstr(variant->name, "_bytes")) {
		EXPECT_EQ((long)variant->min, mojo_test_read_long(self->path));
	} else {
		EXPECT_LT(0, mojo_test_read_long(self->path));
	}
}

/*
 * The largest message size the parameter accepts, and a write of exactly
 * that size, in a memory cgroup too small for it: a clean errno, no kernel
 * warning (the VM runner fails the run on any), no OOM kill. Returns the
 * write's result as the child's exit status.
 */
static int write_largest(unsigned long size)
{
	int node = mojo_open_node();
	uint32_t h0, h1;
	void *src;
	int ret;

	/* Never touched: reads of it would see the zero page. */
	src = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (node < 0 || src == MAP_FAILED || mojo_create_message_pipe(node, &h0, &h1))
		return 100;
	ret = mojo_write_message(node, h0, src, size, NULL, 0);
	return ret == 0 ? 0 : ret == -ENOMEM ? 1 : 101;
}

TEST_F_TIMEOUT(param, largest_message_size_fails_cleanly, 120)
{
	const char *queue = MOJO_PARAM("max_user_queue_bytes");
	long saved_queue = mojo_test_read_long(queue);
	char cg[128], file[160], buf[32];
	unsigned long largest;
	int status;
	pid_t pid;

	/* Whatever this module accepts: the documented bound, or more. */
	set_param(self, MOJO_PARAM("max_message_bytes"), 4294967295L);
	if (!self->path)
		set_param(self, MOJO_PARAM("max_message_bytes"), 1L << 30);
	ASSERT_NE(NULL, self->path);
	largest = mojo_test_read_long(self->path);
	TH_LOG("largest max_message_bytes accepted: %lu", largest);
	/* The user bound is not what stops it. */
	ASSERT_EQ(0, mojo_test_write_long(queue, 1L << 40));

	mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL);
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) ||
	    mojo_test_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory")) {
		mojo_test_write_long(queue, saved_queue);
		SKIP(return, "no memory cgroup controller");
	}
	snprintf(cg, sizeof(cg), "/sys/fs/cgroup/mojo-largest-%d", getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	snprintf(file, sizeof(file), "%s/memory.max", cg);
	ASSERT_EQ(0, mojo_test_write_long(file, 48L << 20));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		snprintf(buf, sizeof(buf), "%d", getpid());
		snprintf(file, sizeof(file), "%s/cgroup.procs", cg);
		if (mojo_test_write_file(file, buf))
			_exit(102);
		_exit(write_largest(largest));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	mojo_test_write_long(queue, saved_queue);
	rmdir(cg);
	ASSERT_TRUE(WIFEXITED(status));
	/* 0: it fit; 1: -ENOMEM at the cgroup's limit. */
	EXPECT_GE(1, WEXITSTATUS(status));
}

/*
 * Queued messages are charged to the writer's memory cgroup: move into a
 * fresh cgroup and watch memory.current grow by what is queued.
 */
TEST(queued_messages_are_charged_to_the_writers_memcg)
{
	const char *root = "/sys/fs/cgroup";
	char path[256], buf[32];
	long before, after;
	uint32_t h0, h1;
	void *payload;
	int node, i;

	mount("none", root, "cgroup2", 0, NULL);
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK))
		SKIP(return, "no cgroup2 in this kernel");
	if (mojo_test_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory"))
		SKIP(return, "no memory controller in this kernel");
	snprintf(path, sizeof(path), "%s/mojo-memcg-%d", root, getpid());
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(buf, sizeof(buf), "%d", getpid());
	strcat(path, "/cgroup.procs");
	ASSERT_EQ(0, mojo_test_write_file(path, buf));
	path[strlen(path) - strlen("/cgroup.procs")] = '\0';
	strcat(path, "/memory.current");

	node = mojo_open_node();
	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	payload = calloc(1, 64 << 10);
	ASSERT_NE(NULL, payload);
	before = mojo_test_read_long(path);
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, mojo_write_message(node, h0, payload, 64 << 10, NULL, 0));
	after = mojo_test_read_long(path);
	TH_LOG("memory.current %ld -> %ld (messages)", before, after);
	EXPECT_GE(after - before, 4L << 20);
	/* A data pipe's ring is charged to its creator too. */
	before = after;
	ASSERT_EQ(0, mojo_create_data_pipe(node, 1, 16 << 20, &h0, &h1));
	after = mojo_test_read_long(path);
	TH_LOG("memory.current %ld -> %ld (16 MiB ring)", before, after);
	EXPECT_GE(after - before, 16L << 20);
	close(node);
	free(payload);
	/* Leave the group so it can be removed. */
	ASSERT_EQ(0, mojo_test_write_file("/sys/fs/cgroup/cgroup.procs", buf));
	path[strlen(path) - strlen("/memory.current")] = '\0';
	EXPECT_EQ(0, rmdir(path));
}

TEST_HARNESS_MAIN
