// SPDX-License-Identifier: GPL-2.0
/*
 * Sender credentials (MOJO_READ_MESSAGE_SENDER_CREDS): a reader asks, per
 * message, who wrote it. The kernel takes the writer's process and
 * effective ids at write time and translates them into the reader's pid
 * and user namespaces at read time. Writers with other ids are forked
 * children that change their ids first (the tests run as root).
 */
#include <liburing.h>
#include <sched.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mojo_test.h"
#include "mojo_uring_test.h"

#define R	MOJO_SIGNAL_READABLE
#define W	MOJO_SIGNAL_WRITABLE

/* The ids the forked writers take: distinct real and effective ones. */
#define RUID	1111
#define EUID	1234
#define RGID	2222
#define EGID	4321

/* What a struct the kernel did not write holds. */
#define UNWRITTEN	0xa5a5a5a5u

static void unwritten(struct mojo_sender_creds *c)
{
	memset(c, 0xa5, sizeof(*c));
}

/* Read one message of @h with its creds into @c: 0 or a negative errno. */
static int read_creds(int node, uint32_t h, struct mojo_sender_creds *c)
{
	char buf[64];
	uint32_t n = sizeof(buf);

	return mojo_read_message_creds(node, h, buf, &n, NULL, NULL, c);
}

/* A raw READ_MESSAGE of @h with @flags and @creds, room for 64 bytes. */
static int read_raw(int node, uint32_t h, uint32_t flags, void *creds)
{
	struct mojo_read_message_args a;
	char buf[64];

	memset(&a, 0, sizeof(a));
	a.handle = h;
	a.flags = flags;
	a.bytes = (uintptr_t)buf;
	a.num_bytes = sizeof(buf);
	a.creds = (uintptr_t)creds;
	return mojo_test_ioctl(node, MOJO_IOC_READ_MESSAGE, &a);
}

/*
 * Fork a child that takes real and effective ids RUID/EUID and RGID/EGID
 * (saved ids as the effective ones) and writes @s from @h: its pid, once
 * it has exited with 0. The child is reaped: its pid is gone, the
 * message keeps the struct pid it was written with.
 */
static pid_t write_as_other(int node, uint32_t h, const char *s)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setresgid(RGID, EGID, EGID) || setresuid(RUID, EUID, EUID))
			_exit(1);
		_exit(mojo_test_write_str(node, h, s) ? 2 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return pid;
}

/* What a forked reader sends back through a pipe. */
struct reader_result {
	int ret;
	struct mojo_sender_creds creds;
};

static int send_result(int fd, int ret, const struct mojo_sender_creds *c)
{
	struct reader_result r = { .ret = ret, .creds = *c };

	return write(fd, &r, sizeof(r)) == sizeof(r) ? 0 : -1;
}

static int recv_result(int fd, struct reader_result *r)
{
	return read(fd, r, sizeof(*r)) == sizeof(*r) ? 0 : -1;
}

/*
 * unshare(@flags), or skip the test on a kernel built without that
 * namespace (a tinyconfig has none; the matrix's debug kernel adds them).
 */
#define UNSHARE_OR_SKIP(flags, what) do {				\
	if (unshare(flags)) {						\
		ASSERT_EQ(EINVAL, errno);				\
		SKIP(return, "no " what " namespaces in this kernel");	\
	}								\
} while (0)

/* Wait for @pid: its exit status, or -1 when it did not exit. */
static int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST(feature_bit_and_version)
{
	int node = mojo_open_node();
	uint64_t features;
	uint32_t version;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_get_version(node, &version, &features));
	EXPECT_TRUE(features & MOJO_FEATURE_SENDER_CREDS);
	EXPECT_GE(version, 3);
	close(node);
}

TEST(a_message_written_by_this_process)
{
	struct mojo_sender_creds c;
	uint32_t h0, h1;
	int node = mojo_open_node();

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ASSERT_EQ(0, mojo_test_write_str(node, h0, "me"));
	unwritten(&c);
	ASSERT_EQ(0, read_creds(node, h1, &c));
	EXPECT_EQ(getpid(), c.pid);
	EXPECT_EQ(geteuid(), c.uid);
	EXPECT_EQ(getegid(), c.gid);
	EXPECT_EQ(0, c.reserved);
	close(node);
}

TEST(a_child_with_other_ids_is_reported_with_its_effective_ids)
{
	struct mojo_sender_creds c;
	uint32_t h0, h1;
	int node = mojo_open_node();
	pid_t pid;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	pid = write_as_other(node, h0, "child");
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, read_creds(node, h1, &c));
	EXPECT_EQ(pid, c.pid);
	EXPECT_EQ(EUID, c.uid);
	EXPECT_EQ(EGID, c.gid);
	close(node);
}

TEST(creds_are_taken_at_write_time_not_read_time)
{
	struct mojo_sender_creds c;
	uint32_t h0, h1;
	int node = mojo_open_node();

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	/* Real and saved ids stay 0, so the effective ones can come back. */
	ASSERT_EQ(0, setresgid(-1, EGID, -1));
	ASSERT_EQ(0, setresuid(-1, EUID, -1));
	ASSERT_EQ(0, mojo_test_write_str(node, h0, "then"));
	ASSERT_EQ(0, setresuid(-1, 0, -1));
	ASSERT_EQ(0, setresgid(-1, 0, -1));
	ASSERT_EQ(0, mojo_test_write_str(node, h0, "now"));
	/* Read as root: the first message still says who wrote it. */
	ASSERT_EQ(0, read_creds(node, h1, &c));
	EXPECT_EQ(EUID, c.uid);
	EXPECT_EQ(EGID, c.gid);
	ASSERT_EQ(0, read_creds(node, h1, &c));
	EXPECT_EQ(0, c.uid);
	EXPECT_EQ(0, c.gid);
	EXPECT_EQ(getpid(), c.pid);
	close(node);
}

/*
 * The reader is pid 1 of a pid namespace of its own: the writer, its
 * parent, has no number there.
 */
TEST(a_reader_in_a_child_pid_namespace_sees_0_for_a_writer_outside)
{
	struct reader_result r;
	struct mojo_sender_creds c;
	uint32_t h0, h1;
	int node = mojo_open_node(), fds[2];
	pid_t pid;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ASSERT_EQ(0, mojo_test_write_str(node, h0, "outside"));
	ASSERT_EQ(0, pipe(fds));
	UNSHARE_OR_SKIP(CLONE_NEWPID, "pid");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		unwritten(&c);
		_exit(send_result(fds[1], read_creds(node, h1, &c), &c) ? 1 : 0);
	}
	close(fds[1]);
	ASSERT_EQ(0, recv_result(fds[0], &r));
	ASSERT_EQ(0, reap(pid));
	ASSERT_EQ(0, r.ret);
	EXPECT_EQ(0, r.creds.pid);
	EXPECT_EQ(geteuid(), r.creds.uid);
	EXPECT_EQ(getegid(), r.creds.gid);
	close(node);
}

/*
 * The writer is pid 1 of a child pid namespace: it reads its own message
 * as pid 1, and its parent reads the other as the pid fork() gave it.
 */
TEST(a_writer_in_a_child_pid_namespace_is_seen_by_the_pid_of_each_side)
{
	struct reader_result r;
	struct mojo_sender_creds c;
	uint32_t h0, h1;
	int node = mojo_open_node(), fds[2], ret;
	pid_t pid;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ASSERT_EQ(0, pipe(fds));
	UNSHARE_OR_SKIP(CLONE_NEWPID, "pid");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		unwritten(&c);
		ret = mojo_test_write_str(node, h0, "mine");
		if (!ret)
			ret = mojo_test_write_str(node, h0, "yours");
		if (!ret)
			ret = read_creds(node, h1, &c);
		if (!ret && c.pid != (uint32_t)getpid())
			ret = -1000;
		_exit(send_result(fds[1], ret, &c) ? 1 : 0);
	}
	close(fds[1]);
	ASSERT_EQ(0, recv_result(fds[0], &r));
	ASSERT_EQ(0, reap(pid));
	ASSERT_EQ(0, r.ret);
	EXPECT_EQ(1, r.creds.pid);
	ASSERT_EQ(0, read_creds(node, h1, &c));
	EXPECT_EQ(pid, c.pid);
	close(node);
}

/* Write "@inside @outside 1" to /proc/@pid/@file: 0 or -1. */
static int write_map(pid_t pid, const char *file, unsigned int inside,
		     unsigned int outside)
{
	char path[64], map[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	snprintf(map, sizeof(map), "%u %u 1\n", inside, outside);
	return mojo_test_write_file(path, map) ? -1 : 0;
}

/*
 * The reader is in a user namespace of its own where only EUID and EGID
 * are mapped (to 100 and 200; its parent writes the maps, being root
 * outside): a writer with those ids reads as 100/200, root as the
 * overflow ids.
 */
TEST(a_reader_in_a_user_namespace_sees_mapped_and_overflow_ids)
{
	long ovuid = mojo_test_read_long("/proc/sys/kernel/overflowuid");
	long ovgid = mojo_test_read_long("/proc/sys/kernel/overflowgid");
	int node = mojo_open_node(), up[2], down[2], ret;
	struct reader_result r[2];
	struct mojo_sender_creds c;
	uint32_t h0, h1;
	pid_t pid, other;
	char go;

	ASSERT_GE(node, 0);
	ASSERT_GE(ovuid, 0);
	ASSERT_GE(ovgid, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ASSERT_EQ(0, mojo_test_write_str(node, h0, "root"));
	other = write_as_other(node, h0, "other");
	ASSERT_GT(other, 0);
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/*
		 * Single-threaded here: unshare(CLONE_NEWUSER) needs it.
		 * Tells its parent 0, or the errno that stops it.
		 */
		go = unshare(CLONE_NEWUSER) ? errno : 0;
		if (write(up[1], &go, 1) != 1 || go || read(down[0], &go, 1) != 1)
			_exit(1);
		ret = read_creds(node, h1, &c);
		if (send_result(up[1], ret, &c))
			_exit(2);
		ret = read_creds(node, h1, &c);
		_exit(send_result(up[1], ret, &c) ? 3 : 0);
	}
	/* A child that dies early then reads as EOF, not as a hang. */
	close(up[1]);
	close(down[0]);
	ASSERT_EQ(1, read(up[0], &go, 1));
	if (go) {
		reap(pid);
		ASSERT_EQ(EINVAL, go);
		SKIP(return, "no user namespaces in this kernel");
	}
	ASSERT_EQ(0, write_map(pid, "uid_map", 100, EUID));
	ASSERT_EQ(0, write_map(pid, "gid_map", 200, EGID));
	ASSERT_EQ(1, write(down[1], "g", 1));
	ASSERT_EQ(0, recv_result(up[0], &r[0]));
	ASSERT_EQ(0, recv_result(up[0], &r[1]));
	ASSERT_EQ(0, reap(pid));
	ASSERT_EQ(0, r[0].ret);
	EXPECT_EQ(getpid(), r[0].creds.pid);
	EXPECT_EQ(ovuid, r[0].creds.uid);
	EXPECT_EQ(ovgid, r[0].creds.gid);
	ASSERT_EQ(0, r[1].ret);
	EXPECT_EQ(other, r[1].creds.pid);
	EXPECT_EQ(100, r[1].creds.uid);
	EXPECT_EQ(200, r[1].creds.gid);
	close(node);
}

TEST(creds_without_the_flag_is_einval_and_the_message_stays)
{
	struct mojo_sender_creds c;
	uint32_t h0, h1;
	int node = mojo_open_node();

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ASSERT_EQ(0, mojo_test_write_str(node, h0, "stays"));
	unwritten(&c);
	EXPECT_EQ(-EINVAL, read_raw(node, h1, 0, &c));
	EXPECT_EQ(UNWRITTEN, c.pid);
	EXPECT_EQ(R | W, mojo_test_signals(node, h1));
	EXPECT_EQ(0, read_creds(node, h1, &c));
	EXPECT_EQ(getpid(), c.pid);
	close(node);
}

TEST(unknown_flags_and_reserved_are_einval)
{
	struct mojo_read_message_args a;
	struct mojo_sender_creds c;
	uint32_t h0, h1;
	int node = mojo_open_node(), bit;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ASSERT_EQ(0, mojo_test_write_str(node, h0, "stays"));
	for (bit = 1; bit < 32; bit++) {
		EXPECT_EQ(-EINVAL, read_raw(node, h1, 1u << bit, NULL));
		EXPECT_EQ(-EINVAL, read_raw(node, h1, (1u << bit) |
					    MOJO_READ_MESSAGE_SENDER_CREDS, &c));
	}
	memset(&a, 0, sizeof(a));
	a.handle = h1;
	a.flags = MOJO_READ_MESSAGE_SENDER_CREDS;
	a.creds = (uintptr_t)&c;
	a.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(node, MOJO_IOC_READ_MESSAGE, &a));
	EXPECT_EQ(R | W, mojo_test_signals(node, h1));
	close(node);
}

/*
 * A creds buffer that cannot be written fails the read, which then
 * changed nothing: the message stays queued with its endpoint, the
 * struct is not written back, and the next read gets it all.
 */
TEST(unwritable_creds_are_efault_and_nothing_is_consumed)
{
	struct mojo_read_message_args a;
	struct mojo_sender_creds c;
	uint32_t h0, h1, c0, c1, got[1] = { 0 }, n = 8, nh = 1;
	void *bad[3] = { mojo_test_readonly_page(), mojo_test_unmapped(), NULL };
	int node = mojo_open_node(), i;
	char bytes[8];

	ASSERT_GE(node, 0);
	ASSERT_NE(NULL, bad[0]);
	ASSERT_NE(NULL, bad[1]);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ASSERT_EQ(0, mojo_create_message_pipe(node, &c0, &c1));
	ASSERT_EQ(0, mojo_write_message(node, h0, "msg", 3, &c0, 1));
	for (i = 0; i < 3; i++) {
		memset(&a, 0, sizeof(a));
		a.handle = h1;
		a.flags = MOJO_READ_MESSAGE_SENDER_CREDS;
		a.bytes = (uintptr_t)bytes;
		a.num_bytes = sizeof(bytes);
		a.handles = (uintptr_t)got;
		a.num_handles = 1;
		a.creds = (uintptr_t)bad[i];
		EXPECT_EQ(-EFAULT, mojo_test_ioctl(node, MOJO_IOC_READ_MESSAGE, &a));
		EXPECT_EQ(sizeof(bytes), a.num_bytes);
		EXPECT_EQ(1, a.num_handles);
	}
	/* Still queued, and the carried endpoint still in it, in transit. */
	EXPECT_EQ(R | W, mojo_test_signals(node, h1));
	EXPECT_EQ(0, got[0]);
	EXPECT_EQ(W | MOJO_SIGNAL_PEER_REMOTE, mojo_test_signals(node, c1));
	ASSERT_EQ(0, mojo_read_message_creds(node, h1, bytes, &n, got, &nh, &c));
	EXPECT_EQ(3, n);
	ASSERT_EQ(1, nh);
	EXPECT_EQ(0, memcmp(bytes, "msg", 3));
	EXPECT_EQ(getpid(), c.pid);
	EXPECT_EQ(0, mojo_test_write_str(node, got[0], "works"));
	EXPECT_EQ(R | W, mojo_test_signals(node, c1));
	close(node);
}

/* Too small a buffer reports the sizes and writes no creds. */
TEST(emsgsize_writes_no_creds)
{
	struct mojo_sender_creds c;
	uint32_t h0, h1, n = 1;
	int node = mojo_open_node();
	char b[1];

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ASSERT_EQ(0, mojo_test_write_str(node, h0, "big"));
	unwritten(&c);
	EXPECT_EQ(-EMSGSIZE, mojo_read_message_creds(node, h1, b, &n, NULL,
						     NULL, &c));
	EXPECT_EQ(3, n);
	EXPECT_EQ(UNWRITTEN, c.pid);
	EXPECT_EQ(UNWRITTEN, c.uid);
	close(node);
}

/*
 * A message waiting at an endpoint that is sent in a message, then
 * exported into another node, keeps the writer it was written by.
 */
TEST(a_message_keeps_its_writer_when_its_endpoint_travels)
{
	int node = mojo_open_node(), other = mojo_open_node();
	struct mojo_sender_creds c;
	uint32_t h0, h1, t0, t1, got, nh = 1, moved, n;
	char buf[8];
	pid_t pid;

	ASSERT_GE(node, 0);
	ASSERT_GE(other, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ASSERT_EQ(0, mojo_create_message_pipe(node, &t0, &t1));
	pid = write_as_other(node, h0, "queued");
	ASSERT_GT(pid, 0);
	/* h1 travels, with the message queued at it, from t0 to t1... */
	n = sizeof(buf);
	ASSERT_EQ(0, mojo_write_message(node, t0, "carrier", 7, &h1, 1));
	ASSERT_EQ(0, mojo_read_message_creds(node, t1, buf, &n, &got, &nh, &c));
	ASSERT_EQ(1, nh);
	/* ...which this process wrote... */
	EXPECT_EQ(getpid(), c.pid);
	EXPECT_EQ(0, c.uid);
	/* ...and then to another node. */
	ASSERT_EQ(0, mojo_test_move(node, got, other, &moved));
	ASSERT_EQ(0, read_creds(other, moved, &c));
	EXPECT_EQ(pid, c.pid);
	EXPECT_EQ(EUID, c.uid);
	EXPECT_EQ(EGID, c.gid);
	close(other);
	close(node);
}

/* ---- io_uring ----------------------------------------------------------- */

static void prep_read_creds(struct io_uring *ring, int node,
			    struct mojo_read_message_args *a, uint32_t h,
			    void *buf, uint32_t size,
			    struct mojo_sender_creds *c, uint64_t tag)
{
	mojo_test_prep_read(ring, node, a, h, buf, size, tag);
	a->flags = MOJO_READ_MESSAGE_SENDER_CREDS;
	a->creds = (uintptr_t)c;
}

TEST(io_uring_read_reports_the_writer)
{
	struct mojo_read_message_args a;
	struct mojo_sender_creds c;
	struct io_uring ring;
	uint32_t h0, h1;
	int node = mojo_open_node();
	char buf[16];
	pid_t pid;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	pid = write_as_other(node, h0, "there");
	ASSERT_GT(pid, 0);
	unwritten(&c);
	prep_read_creds(&ring, node, &a, h1, buf, sizeof(buf), &c, 1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, mojo_test_reap(&ring, NULL));
	EXPECT_EQ(5, a.num_bytes);
	EXPECT_EQ(pid, c.pid);
	EXPECT_EQ(EUID, c.uid);
	EXPECT_EQ(EGID, c.gid);
	EXPECT_EQ(0, c.reserved);
	io_uring_queue_exit(&ring);
	close(node);
}

/* A read that parks translates the writer when it completes. */
TEST(io_uring_parked_read_reports_the_writer)
{
	struct mojo_read_message_args a;
	struct mojo_sender_creds c;
	struct io_uring ring;
	uint32_t h0, h1;
	int node = mojo_open_node();
	char buf[16];
	pid_t pid;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	unwritten(&c);
	prep_read_creds(&ring, node, &a, h1, buf, sizeof(buf), &c, 1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	usleep(20000);
	ASSERT_TRUE(mojo_test_no_cqe(&ring));
	pid = write_as_other(node, h0, "later");
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, mojo_test_reap(&ring, NULL));
	EXPECT_EQ(pid, c.pid);
	EXPECT_EQ(EUID, c.uid);
	EXPECT_EQ(EGID, c.gid);
	io_uring_queue_exit(&ring);
	close(node);
}

/* A parked read whose creds cannot be written fails, taking nothing. */
TEST(io_uring_parked_read_with_unwritable_creds_leaves_the_message)
{
	struct mojo_read_message_args a;
	struct mojo_sender_creds c;
	struct io_uring ring;
	uint32_t h0, h1;
	int node = mojo_open_node();
	void *ro = mojo_test_readonly_page();
	char buf[16];

	ASSERT_GE(node, 0);
	ASSERT_NE(NULL, ro);
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	prep_read_creds(&ring, node, &a, h1, buf, sizeof(buf), ro, 1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	usleep(20000);
	ASSERT_TRUE(mojo_test_no_cqe(&ring));
	ASSERT_EQ(0, mojo_test_write_str(node, h0, "kept"));
	EXPECT_EQ(-EFAULT, mojo_test_reap(&ring, NULL));
	EXPECT_EQ(R | W, mojo_test_signals(node, h1));
	ASSERT_EQ(0, read_creds(node, h1, &c));
	EXPECT_EQ(getpid(), c.pid);
	io_uring_queue_exit(&ring);
	close(node);
}

/*
 * Under IORING_SETUP_SQPOLL the ring's polling thread submits, with the
 * credentials of the ring's creator: a write submitted after this
 * process changed its effective uid is still root's, and its pid is this
 * process's.
 */
TEST(io_uring_sqpoll_writer_is_the_ring_creator)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SQPOLL,
				     .sq_thread_idle = 100 };
	struct mojo_write_message_args w;
	struct mojo_sender_creds c;
	struct io_uring ring;
	uint32_t h0, h1;
	int node = mojo_open_node(), ret;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ret = io_uring_queue_init_params(4, &ring, &p);
	if (ret)
		SKIP(return, "no SQPOLL ring: %s", strerror(-ret));
	ASSERT_EQ(0, setresuid(-1, EUID, -1));
	memset(&w, 0, sizeof(w));
	w.handle = h0;
	w.bytes = (uintptr_t)"sq";
	w.num_bytes = 2;
	mojo_uring_prep_write_message(mojo_test_sqe(&ring, 1), node, &w);
	ASSERT_EQ(1, io_uring_submit(&ring));
	ret = mojo_test_reap(&ring, NULL);
	ASSERT_EQ(0, setresuid(-1, 0, -1));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, read_creds(node, h1, &c));
	EXPECT_EQ(getpid(), c.pid);
	EXPECT_EQ(0, c.uid);
	io_uring_queue_exit(&ring);
	close(node);
}

TEST_HARNESS_MAIN
