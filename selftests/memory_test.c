// SPDX-License-Identifier: GPL-2.0
/*
 * Memory a user makes the kernel hold: data pipe rings and queued
 * messages are bounded per user (max_user_ring_bytes,
 * max_user_queue_bytes), a hostile receiver cannot raise what a writer
 * pays, and running out of memory, at a memory cgroup's limit or at the
 * bound, fails the call and kills no one.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mojo_test.h"

#define MiB (1UL << 20)

/* The value of one line "key N" of a flat-keyed cgroup file. */
static long read_key(const char *path, const char *key)
{
	char line[128];
	long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ' ')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

/* Both user bounds set for the test, and put back afterwards. */
FIXTURE(bounds) {
	long ring, queue;
	int node;
};

FIXTURE_SETUP(bounds)
{
	self->ring = mojo_test_read_long(MOJO_PARAM("max_user_ring_bytes"));
	self->queue = mojo_test_read_long(MOJO_PARAM("max_user_queue_bytes"));
	ASSERT_LT(0, self->ring);
	ASSERT_LT(0, self->queue);
	self->node = mojo_open_node();
	ASSERT_GE(self->node, 0);
}

FIXTURE_TEARDOWN(bounds)
{
	close(self->node);
	mojo_test_write_long(MOJO_PARAM("max_user_ring_bytes"), self->ring);
	mojo_test_write_long(MOJO_PARAM("max_user_queue_bytes"), self->queue);
}

/* Rings of 1 MiB until the bound; returns how many were created. */
static int fill_rings(int node, int max, int *err)
{
	uint32_t p, c;
	int n;

	for (n = 0; n < max; n++) {
		*err = mojo_create_data_pipe(node, 1, MiB, &p, &c);
		if (*err)
			break;
	}
	return n;
}

TEST_F(bounds, rings_stop_at_the_users_bound_and_come_back_when_freed)
{
	uint32_t p, c;
	int err, status;
	pid_t pid;

	ASSERT_EQ(0, mojo_test_write_long(MOJO_PARAM("max_user_ring_bytes"), 8 * MiB));
	EXPECT_EQ(8, fill_rings(self->node, 64, &err));
	EXPECT_EQ(-ENOSPC, err);
	/* Another user has a budget of its own. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int node;

		if (setuid(65534))
			_exit(2);
		node = mojo_open_node();
		_exit(node >= 0 && fill_rings(node, 64, &err) == 8 &&
		      err == -ENOSPC ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* Freed rings are given back. */
	close(self->node);
	self->node = mojo_open_node();
	ASSERT_GE(self->node, 0);
	EXPECT_EQ(0, mojo_create_data_pipe(self->node, 1, 8 * MiB, &p, &c));
}

/* A mapping keeps its ring, and its charge, until it is unmapped. */
TEST_F(bounds, a_mapped_ring_stays_charged_until_unmapped)
{
	uint32_t p, c;
	size_t size;
	void *m;
	int err;

	ASSERT_EQ(0, mojo_test_write_long(MOJO_PARAM("max_user_ring_bytes"), 4 * MiB));
	ASSERT_EQ(0, mojo_create_data_pipe(self->node, 1, 4 * MiB, &p, &c));
	ASSERT_EQ(0, mojo_map_data_pipe(self->node, c, &m, &size));
	ASSERT_EQ(0, mojo_close(self->node, p));
	ASSERT_EQ(0, mojo_close(self->node, c));
	EXPECT_EQ(0, fill_rings(self->node, 1, &err));
	EXPECT_EQ(-ENOSPC, err);
	munmap(m, size);
	EXPECT_EQ(1, fill_rings(self->node, 1, &err));
}

/*
 * A receiver that raises its quota to the maximum and never reads cannot
 * make the writer hold more than max_user_queue_bytes.
 */
TEST_F(bounds, hostile_receiver_cannot_pin_more_than_the_writers_bound)
{
	uint32_t w, r, moved;
	int receiver = mojo_open_node(), ret = 0, n;
	void *payload = calloc(1, MiB);

	ASSERT_NE(NULL, payload);
	ASSERT_GE(receiver, 0);
	ASSERT_EQ(0, mojo_test_write_long(MOJO_PARAM("max_user_queue_bytes"), 8 * MiB));
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &w, &r));
	ASSERT_EQ(0, mojo_test_move(self->node, r, receiver, &moved));
	ASSERT_EQ(0, mojo_set_quota(receiver, moved, MOJO_QUOTA_MAX_MSGS,
				    MOJO_QUOTA_MAX_BYTES));
	for (n = 0; n < 64; n++) {
		ret = mojo_write_message(self->node, w, payload, MiB, NULL, 0);
		if (ret)
			break;
	}
	TH_LOG("%d messages of 1 MiB queued before %d", n, ret);
	EXPECT_EQ(-ENOSPC, ret);
	EXPECT_GE(7, n);
	EXPECT_LE(6, n);
	/* Reading gives the writer its budget back. */
	ASSERT_EQ(0, mojo_read_message(receiver, moved, payload,
				       &(uint32_t){ MiB }, NULL, NULL));
	EXPECT_EQ(0, mojo_write_message(self->node, w, payload, MiB, NULL, 0));
	close(receiver);
	free(payload);
}

/* A child that touches @mib MiB and sleeps: the bystander. */
static pid_t bystander(unsigned long mib)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *m = malloc(mib * MiB);

		if (!m)
			_exit(3);
		memset(m, 1, mib * MiB);
		for (;;)
			pause();
	}
	return pid;
}

/* Still running, i.e. not killed? Reaps it if it died. */
static bool alive(pid_t pid)
{
	int status;

	return waitpid(pid, &status, WNOHANG) == 0;
}

/*
 * With the default bounds, one user creating the largest rings until
 * failure runs into its bound long before the machine runs out: the
 * bystander lives, and so does the creator.
 */
TEST_F_TIMEOUT(bounds, the_default_bound_spares_a_bystander, 120)
{
	long ring = self->ring;
	pid_t by = bystander(256);
	uint32_t p, c;
	int n, ret = 0;

	ASSERT_GT(by, 0);
	sleep(2);
	ASSERT_TRUE(alive(by));
	for (n = 0; n < 256; n++) {
		ret = mojo_create_data_pipe(self->node, 1, 64 * MiB, &p, &c);
		if (ret)
			break;
	}
	TH_LOG("%d rings of 64 MiB under a bound of %ld MiB, then %d",
	       n, ring >> 20, ret);
	EXPECT_TRUE(ret == -ENOSPC || ret == -ENOMEM);
	EXPECT_GE(ring / (long)(64 * MiB), n);
	EXPECT_TRUE(alive(by));
	kill(by, SIGKILL);
	waitpid(by, NULL, 0);
}

/*
 * The same with messages: a receiver with the largest quota that never
 * reads, and a writer queueing 1 MiB messages until failure, stop at the
 * writer's bound; nobody is killed.
 */
TEST_F_TIMEOUT(bounds, the_default_queue_bound_spares_a_bystander, 120)
{
	long queue = self->queue;
	pid_t by = bystander(256);
	void *payload = calloc(1, MiB);
	uint32_t w, r;
	int n, ret = 0;

	ASSERT_GT(by, 0);
	ASSERT_NE(NULL, payload);
	sleep(2);
	ASSERT_TRUE(alive(by));
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &w, &r));
	ASSERT_EQ(0, mojo_set_quota(self->node, r, MOJO_QUOTA_MAX_MSGS,
				    MOJO_QUOTA_MAX_BYTES));
	for (n = 0; n < 1024; n++) {
		ret = mojo_write_message(self->node, w, payload, MiB, NULL, 0);
		if (ret)
			break;
	}
	TH_LOG("%d messages of 1 MiB under a bound of %ld MiB, then %d",
	       n, queue >> 20, ret);
	EXPECT_TRUE(ret == -ENOSPC || ret == -ENOMEM);
	EXPECT_GE(queue / (long)MiB, n);
	EXPECT_TRUE(alive(by));
	kill(by, SIGKILL);
	waitpid(by, NULL, 0);
	free(payload);
}

/* A memory cgroup of @max bytes around a child running @fn. */
static int in_memcg(struct __test_metadata *_metadata, unsigned long max,
		    int (*fn)(int node), long *oom_kills)
{
	char path[256], file[300], buf[32];
	int status, node;
	pid_t pid;

	mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL);
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) ||
	    mojo_test_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory"))
		return -EOPNOTSUPP;
	snprintf(path, sizeof(path), "/sys/fs/cgroup/mojo-oom-%d", getpid());
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	snprintf(file, sizeof(file), "%s/memory.max", path);
	if (mojo_test_write_long(file, max))
		return -EOPNOTSUPP;
	snprintf(file, sizeof(file), "%s/memory.swap.max", path);
	mojo_test_write_file(file, "0");
	pid = fork();
	if (pid == 0) {
		snprintf(buf, sizeof(buf), "%d", getpid());
		snprintf(file, sizeof(file), "%s/cgroup.procs", path);
		if (mojo_test_write_file(file, buf))
			_exit(100);
		node = mojo_open_node();
		if (node < 0)
			_exit(101);
		_exit(fn(node));
	}
	waitpid(pid, &status, 0);
	snprintf(file, sizeof(file), "%s/memory.events", path);
	*oom_kills = read_key(file, "oom_kill");
	rmdir(path);
	if (WIFSIGNALED(status))
		return -WTERMSIG(status) - 1000;
	return WEXITSTATUS(status);
}

/* Exit status: 0 when creating rings ended in -ENOMEM. */
static int rings_until_enomem(int node)
{
	uint32_t p, c;
	int i, ret = 0;

	for (i = 0; i < 1024 && !ret; i++)
		ret = mojo_create_data_pipe(node, 1, 4 * MiB, &p, &c);
	return ret == -ENOMEM ? 0 : 10;
}

/* Exit status: 0 when queueing messages ended in -ENOMEM. */
static int messages_until_enomem(int node)
{
	void *payload = calloc(1, MiB);
	uint32_t w, r;
	int i, ret = 0;

	if (!payload || mojo_create_message_pipe(node, &w, &r) ||
	    mojo_set_quota(node, r, MOJO_QUOTA_MAX_MSGS, MOJO_QUOTA_MAX_BYTES))
		return 11;
	for (i = 0; i < 1024 && !ret; i++)
		ret = mojo_write_message(node, w, payload, MiB, NULL, 0);
	return ret == -ENOMEM ? 0 : 12;
}

/*
 * Exit status: 0 when, with the cgroup filled by messages, creating small
 * objects (pipes, then traps) ended in -ENOMEM. Their allocations must
 * fail as the big ones do, not invoke the cgroup's OOM killer (which
 * would kill this process, the only one in the cgroup).
 */
static int small_objects_until_enomem(int node)
{
	void *payload = calloc(1, MiB);
	uint32_t w, r, trap;
	int i, ret = 0;

	if (!payload)
		return 11;
	while (!ret) {
		ret = mojo_create_message_pipe(node, &w, &r);
		if (ret)
			break;
		mojo_set_quota(node, r, MOJO_QUOTA_MAX_MSGS, MOJO_QUOTA_MAX_BYTES);
		for (i = 0; i < 64 && !ret; i++)
			ret = mojo_write_message(node, w, payload, MiB, NULL, 0);
	}
	if (ret != -ENOMEM)
		return 12;
	/* Less than a message is left: small objects fill the rest. */
	for (i = 0, ret = 0; i < 1000000 && !ret; i++)
		ret = mojo_create_message_pipe(node, &w, &r);
	if (ret != -ENOMEM)
		return 13;
	for (i = 0, ret = 0; i < 1000000 && !ret; i++)
		ret = mojo_create_trap(node, &trap);
	return ret == -ENOMEM ? 0 : 14;
}

TEST_F_TIMEOUT(bounds, small_objects_at_a_memcg_limit_fail_with_enomem, 120)
{
	long kills = -1, handles = mojo_test_read_long(MOJO_PARAM("max_handles"));
	int ret;

	ASSERT_GT(handles, 0);
	ASSERT_EQ(0, mojo_test_write_long(MOJO_PARAM("max_user_queue_bytes"), 1UL << 40));
	ASSERT_EQ(0, mojo_test_write_long(MOJO_PARAM("max_handles"), 1 << 24));
	ret = in_memcg(_metadata, 32 * MiB, small_objects_until_enomem, &kills);
	ASSERT_EQ(0, mojo_test_write_long(MOJO_PARAM("max_handles"), handles));
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no memory cgroup controller");
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, kills);
}

TEST_F_TIMEOUT(bounds, rings_at_a_memcg_limit_fail_with_enomem, 120)
{
	long kills = -1;
	int ret;

	ASSERT_EQ(0, mojo_test_write_long(MOJO_PARAM("max_user_ring_bytes"), 1UL << 40));
	ret = in_memcg(_metadata, 48 * MiB, rings_until_enomem, &kills);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no memory cgroup controller");
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, kills);
}

TEST_F_TIMEOUT(bounds, messages_at_a_memcg_limit_fail_with_enomem, 120)
{
	long kills = -1;
	int ret;

	ASSERT_EQ(0, mojo_test_write_long(MOJO_PARAM("max_user_queue_bytes"), 1UL << 40));
	ret = in_memcg(_metadata, 48 * MiB, messages_until_enomem, &kills);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no memory cgroup controller");
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, kills);
}

TEST_HARNESS_MAIN
