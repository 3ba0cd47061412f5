// SPDX-License-Identifier: GPL-2.0
/*
 * Wrapped file descriptors (MOJO_IOC_WRAP_FD, MOJO_IOC_UNWRAP_FD): any fd
 * of an allowed kind as a handle that travels in messages, and back.
 * A pipe shows when a file reference is released: its reader sees EOF
 * only once the last reference to the write end is gone.
 */
#include <liburing.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

#include "kselftest_harness.h"
#include "mojo_test.h"
#include "mojo_uring_test.h"

/* A pipe whose read end does not block. */
static void nb_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC))
		abort();
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
}

/* What a read of the non-blocking read end says: 0 at EOF, -EAGAIN. */
static int pipe_state(int rfd)
{
	char c;
	ssize_t n = read(rfd, &c, 1);

	return n < 0 ? -errno : (int)n;
}

static int wrap_raw(int node, int fd, uint32_t flags, uint32_t reserved0)
{
	struct mojo_wrap_fd_args a;

	memset(&a, 0, sizeof(a));
	a.fd = fd;
	a.flags = flags;
	a.reserved[0] = reserved0;
	return mojo_test_ioctl(node, MOJO_IOC_WRAP_FD, &a);
}

/* Send @w alone in a message from @h. */
static int send_handle(int node, uint32_t h, uint32_t w)
{
	return mojo_write_message(node, h, "w", 1, &w, 1);
}

TEST(feature_bit_is_announced)
{
	int node = mojo_open_node();
	uint64_t features;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_get_version(node, NULL, &features));
	EXPECT_TRUE(features & MOJO_FEATURE_WRAP_FD);
	close(node);
}

TEST(wrap_and_unwrap_a_pipe_end_then_use_it)
{
	int node = mojo_open_node(), fds[2], fd;
	char buf[8] = { 0 };
	uint32_t w;

	ASSERT_GE(node, 0);
	nb_pipe(fds);
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[1], &w));
	EXPECT_NE(MOJO_HANDLE_INVALID, w);
	fd = mojo_unwrap_fd(node, w, 0);
	ASSERT_GE(fd, 0);
	EXPECT_NE(fds[1], fd);
	ASSERT_EQ(5, write(fd, "hello", 5));
	ASSERT_EQ(5, read(fds[0], buf, sizeof(buf)));
	EXPECT_STREQ("hello", buf);
	close(fd);
	close(fds[0]);
	close(fds[1]);
	close(node);
}

TEST(the_caller_keeps_its_fd_and_shares_the_file)
{
	int node = mojo_open_node(), fds[2], fd;
	uint32_t w;

	ASSERT_GE(node, 0);
	nb_pipe(fds);
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[0], &w));
	/* Same open file description: the status flags are shared. */
	fd = mojo_unwrap_fd(node, w, 0);
	ASSERT_GE(fd, 0);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(-EAGAIN, pipe_state(fds[0]));
	close(fd);
	close(fds[0]);
	close(fds[1]);
	close(node);
}

TEST(unwrap_is_cloexec_unless_asked_otherwise)
{
	int node = mojo_open_node(), fds[2], fd;
	uint32_t w;

	ASSERT_GE(node, 0);
	nb_pipe(fds);
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[1], &w));
	fd = mojo_unwrap_fd(node, w, 0);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[1], &w));
	fd = mojo_unwrap_fd(node, w, MOJO_UNWRAP_FD_NO_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	close(fds[0]);
	close(fds[1]);
	close(node);
}

TEST(unwrap_consumes_the_handle)
{
	int node = mojo_open_node(), fds[2], fd;
	uint32_t w;

	ASSERT_GE(node, 0);
	nb_pipe(fds);
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[1], &w));
	fd = mojo_unwrap_fd(node, w, 0);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EBADF, mojo_unwrap_fd(node, w, 0));
	EXPECT_EQ(-EBADF, mojo_close(node, w));
	close(fd);
	close(fds[0]);
	close(fds[1]);
	close(node);
}

TEST(a_wrapped_fd_travels_to_another_node_and_is_unwrapped_there)
{
	int a = mojo_open_node(), b = mojo_open_node(), fds[2], fd;
	uint32_t h0, h1, r, w, got[2], nh = 2, nb = 8;
	char buf[8] = { 0 };

	ASSERT_GE(a, 0);
	ASSERT_GE(b, 0);
	nb_pipe(fds);
	ASSERT_EQ(0, mojo_create_message_pipe(a, &h0, &h1));
	ASSERT_EQ(0, mojo_test_move(a, h1, b, &r));
	ASSERT_EQ(0, mojo_wrap_fd(a, fds[1], &w));
	ASSERT_EQ(0, send_handle(a, h0, w));
	/* It left a's table. */
	EXPECT_EQ(-EBADF, mojo_unwrap_fd(a, w, 0));
	close(fds[1]);
	/* The message holds the write end: no EOF yet. */
	EXPECT_EQ(-EAGAIN, pipe_state(fds[0]));
	ASSERT_EQ(0, mojo_read_message(b, r, buf, &nb, got, &nh));
	ASSERT_EQ(1, nh);
	fd = mojo_unwrap_fd(b, got[0], 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(3, write(fd, "abc", 3));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(3, read(fds[0], buf, sizeof(buf)));
	EXPECT_STREQ("abc", buf);
	close(fd);
	EXPECT_EQ(0, pipe_state(fds[0]));
	close(fds[0]);
	close(a);
	close(b);
}

TEST(wrapped_fds_and_endpoints_travel_together)
{
	int node = mojo_open_node(), fds[2];
	uint32_t h0, h1, x0, x1, w, att[2], got[2], nh = 2, nb = 8;
	char buf[8];

	ASSERT_GE(node, 0);
	nb_pipe(fds);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ASSERT_EQ(0, mojo_create_message_pipe(node, &x0, &x1));
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[1], &w));
	att[0] = w;
	att[1] = x1;
	ASSERT_EQ(0, mojo_write_message(node, h0, "m", 1, att, 2));
	ASSERT_EQ(0, mojo_read_message(node, h1, buf, &nb, got, &nh));
	ASSERT_EQ(2, nh);
	/* In the order sent: the wrapped fd, then the endpoint. */
	EXPECT_EQ(-EINVAL, mojo_unwrap_fd(node, got[1], 0));
	EXPECT_EQ(0, mojo_test_write_str(node, x0, "to x1"));
	EXPECT_EQ(MOJO_SIGNAL_READABLE | MOJO_SIGNAL_WRITABLE,
		  mojo_test_signals(node, got[1]));
	close(fds[1]);
	EXPECT_EQ(0, mojo_close(node, got[0]));
	EXPECT_EQ(0, pipe_state(fds[0]));
	close(fds[0]);
	close(node);
}

TEST(closing_a_wrapped_handle_releases_the_file)
{
	int node = mojo_open_node(), fds[2];
	uint32_t w;

	ASSERT_GE(node, 0);
	nb_pipe(fds);
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[1], &w));
	close(fds[1]);
	EXPECT_EQ(-EAGAIN, pipe_state(fds[0]));
	EXPECT_EQ(0, mojo_close(node, w));
	EXPECT_EQ(0, pipe_state(fds[0]));
	close(fds[0]);
	close(node);
}

TEST(a_message_freed_unread_releases_the_file)
{
	int node = mojo_open_node(), fds[2];
	uint32_t h0, h1, w;

	ASSERT_GE(node, 0);
	nb_pipe(fds);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[1], &w));
	ASSERT_EQ(0, send_handle(node, h0, w));
	close(fds[1]);
	EXPECT_EQ(-EAGAIN, pipe_state(fds[0]));
	/* The receiver closes with the message unread. */
	EXPECT_EQ(0, mojo_close(node, h1));
	EXPECT_EQ(0, pipe_state(fds[0]));
	close(fds[0]);
	close(node);
}

TEST(a_message_inside_a_message_freed_unread_releases_the_file)
{
	int node = mojo_open_node(), fds[2];
	uint32_t h0, h1, x0, x1, w;

	ASSERT_GE(node, 0);
	nb_pipe(fds);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ASSERT_EQ(0, mojo_create_message_pipe(node, &x0, &x1));
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[1], &w));
	/* The file waits in x1's queue, and x1 in h1's. */
	ASSERT_EQ(0, send_handle(node, x0, w));
	ASSERT_EQ(0, send_handle(node, h0, x1));
	close(fds[1]);
	EXPECT_EQ(-EAGAIN, pipe_state(fds[0]));
	EXPECT_EQ(0, mojo_close(node, h1));
	EXPECT_EQ(0, pipe_state(fds[0]));
	close(fds[0]);
	close(node);
}

TEST(node_death_releases_held_and_queued_files)
{
	int node = mojo_open_node(), p1[2], p2[2];
	uint32_t h0, h1, w1, w2;

	ASSERT_GE(node, 0);
	nb_pipe(p1);
	nb_pipe(p2);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ASSERT_EQ(0, mojo_wrap_fd(node, p1[1], &w1));
	ASSERT_EQ(0, mojo_wrap_fd(node, p2[1], &w2));
	/* One held in the table, one queued in the node's own pipe. */
	ASSERT_EQ(0, send_handle(node, h0, w2));
	close(p1[1]);
	close(p2[1]);
	EXPECT_EQ(-EAGAIN, pipe_state(p1[0]));
	EXPECT_EQ(-EAGAIN, pipe_state(p2[0]));
	close(node);
	EXPECT_EQ(0, pipe_state(p1[0]));
	EXPECT_EQ(0, pipe_state(p2[0]));
	close(p1[0]);
	close(p2[0]);
}

TEST(refused_kinds_are_einval)
{
	int node = mojo_open_node(), other = mojo_open_node();
	int sv[2], ep, tfd, exp, devnull;
	struct io_uring ring;
	uint32_t h0, h1, w;

	ASSERT_GE(node, 0);
	ASSERT_GE(other, 0);
	/* Node fds: its own and another's. */
	EXPECT_EQ(-EINVAL, mojo_wrap_fd(node, node, &w));
	EXPECT_EQ(-EINVAL, mojo_wrap_fd(node, other, &w));
	/* An exported handle. */
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	exp = mojo_export_handle(node, h1);
	ASSERT_GE(exp, 0);
	EXPECT_EQ(-EINVAL, mojo_wrap_fd(node, exp, &w));
	/* io_uring. */
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	EXPECT_EQ(-EINVAL, mojo_wrap_fd(node, ring.ring_fd, &w));
	io_uring_queue_exit(&ring);
	/* AF_UNIX sockets carry fds. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_EQ(-EINVAL, mojo_wrap_fd(node, sv[0], &w));
	close(sv[0]);
	close(sv[1]);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	EXPECT_EQ(-EINVAL, mojo_wrap_fd(node, sv[0], &w));
	close(sv[0]);
	close(sv[1]);
	/* epoll, timerfd: anon inodes. */
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(ep, 0);
	EXPECT_EQ(-EINVAL, mojo_wrap_fd(node, ep, &w));
	close(ep);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	ASSERT_GE(tfd, 0);
	EXPECT_EQ(-EINVAL, mojo_wrap_fd(node, tfd, &w));
	close(tfd);
	/* Any character device. */
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull >= 0) {
		EXPECT_EQ(-EINVAL, mojo_wrap_fd(node, devnull, &w));
		close(devnull);
	}
	close(exp);
	close(other);
	close(node);
}

/*
 * The cycles one could try to build: a node's fd inside its own queue,
 * or an exported endpoint's fd inside that endpoint's own queue. Each
 * needs a wrap the kernel refuses, and nothing was created by trying.
 */
TEST(the_cycles_cannot_be_built)
{
	int node = mojo_open_node(), exp, fds[2];
	uint32_t h0, h1, w;

	ASSERT_GE(node, 0);
	nb_pipe(fds);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	EXPECT_EQ(-EINVAL, mojo_wrap_fd(node, node, &w));
	exp = mojo_export_handle(node, h1);
	ASSERT_GE(exp, 0);
	EXPECT_EQ(-EINVAL, mojo_wrap_fd(node, exp, &w));
	/* Only the node's own h0 is left: the queue holds nothing. */
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[1], &w));
	EXPECT_EQ(0, send_handle(node, h0, w));
	close(fds[1]);
	close(exp);
	/* The export file's release closed h1, and its queue with the file. */
	EXPECT_EQ(0, pipe_state(fds[0]));
	close(fds[0]);
	close(node);
}

TEST(bad_fds_are_ebadf)
{
	int node = mojo_open_node(), fds[2], path;
	uint32_t w;

	ASSERT_GE(node, 0);
	/* The library's ring (io_uring) must not take the closed number. */
	ASSERT_EQ(0, mojo_get_version(node, NULL, NULL));
	nb_pipe(fds);
	close(fds[1]);
	EXPECT_EQ(-EBADF, mojo_wrap_fd(node, fds[1], &w));
	EXPECT_EQ(-EBADF, mojo_wrap_fd(node, -1, &w));
	EXPECT_EQ(-EBADF, mojo_wrap_fd(node, 1 << 30, &w));
	path = open("/", O_PATH | O_CLOEXEC);
	ASSERT_GE(path, 0);
	EXPECT_EQ(-EBADF, mojo_wrap_fd(node, path, &w));
	close(path);
	close(fds[0]);
	close(node);
}

/* Wrap @fd, unwrap it, and check that the result is the same file. */
static int round_trip(int node, int fd)
{
	struct stat s1, s2;
	uint32_t w;
	int ret, nfd;

	ret = mojo_wrap_fd(node, fd, &w);
	if (ret)
		return ret;
	nfd = mojo_unwrap_fd(node, w, 0);
	if (nfd < 0)
		return nfd;
	ret = fstat(fd, &s1) || fstat(nfd, &s2) ||
	      s1.st_ino != s2.st_ino || s1.st_dev != s2.st_dev ? -EIO : 0;
	close(nfd);
	return ret;
}

TEST(allowed_kinds_round_trip)
{
	int node = mojo_open_node(), fd;
	char tmpl[] = "/tmp/wrapfd-XXXXXX";

	ASSERT_GE(node, 0);
	fd = memfd_create("wrapfd", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, round_trip(node, fd));
	close(fd);
	fd = mkstemp(tmpl);
	ASSERT_GE(fd, 0);
	unlink(tmpl);
	EXPECT_EQ(0, round_trip(node, fd));
	close(fd);
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, round_trip(node, fd));
	close(fd);
	fd = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, round_trip(node, fd));
	close(fd);
	close(node);
}

TEST(an_inet_socket_round_trips)
{
	int node = mojo_open_node(), fd;

	ASSERT_GE(node, 0);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		close(node);
		SKIP(return, "no AF_INET in this kernel");
	}
	EXPECT_EQ(0, round_trip(node, fd));
	close(fd);
	close(node);
}

TEST(a_sealed_memfd_is_shared_read_only)
{
	int a = mojo_open_node(), b = mojo_open_node(), fd, rfd;
	uint32_t h0, h1, r, w, got, nh = 1, nb = 8;
	char buf[8];
	void *p;

	ASSERT_GE(a, 0);
	ASSERT_GE(b, 0);
	fd = memfd_create("sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(6, write(fd, "sealed", 6));
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK |
			   F_SEAL_GROW | F_SEAL_SEAL));
	ASSERT_EQ(0, mojo_create_message_pipe(a, &h0, &h1));
	ASSERT_EQ(0, mojo_test_move(a, h1, b, &r));
	ASSERT_EQ(0, mojo_wrap_fd(a, fd, &w));
	ASSERT_EQ(0, send_handle(a, h0, w));
	ASSERT_EQ(0, mojo_read_message(b, r, buf, &nb, &got, &nh));
	rfd = mojo_unwrap_fd(b, got, 0);
	ASSERT_GE(rfd, 0);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_SHARED, rfd, 0));
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, rfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, memcmp(p, "sealed", 6));
	EXPECT_EQ(-1, write(rfd, "x", 1));
	munmap(p, 4096);
	close(rfd);
	close(fd);
	close(a);
	close(b);
}

TEST(unwrap_at_rlimit_nofile_is_emfile_and_keeps_the_handle)
{
	int node = mojo_open_node(), fds[2], fd, last = -1;
	struct rlimit rl, old;
	uint32_t w;

	ASSERT_GE(node, 0);
	nb_pipe(fds);
	/* The library's ring (io_uring) exists before the table fills. */
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[1], &w));
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	rl = old;
	rl.rlim_cur = 64;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	while ((fd = dup(fds[0])) >= 0)
		last = fd;
	ASSERT_EQ(EMFILE, errno);
	EXPECT_EQ(-EMFILE, mojo_unwrap_fd(node, w, 0));
	/* Room for one: the same handle unwraps. */
	ASSERT_GE(last, 0);
	close(last);
	fd = mojo_unwrap_fd(node, w, 0);
	EXPECT_EQ(last, fd);
	close(node);
}

TEST(flags_and_reserved_fields_are_einval)
{
	int node = mojo_open_node(), fds[2];
	struct mojo_handle_args u;
	uint32_t w;

	ASSERT_GE(node, 0);
	nb_pipe(fds);
	EXPECT_EQ(-EINVAL, wrap_raw(node, fds[1], 1, 0));
	EXPECT_EQ(-EINVAL, wrap_raw(node, fds[1], 0, 1));
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[1], &w));
	EXPECT_EQ(-EINVAL, mojo_unwrap_fd(node, w, 2));
	EXPECT_EQ(-EINVAL, mojo_unwrap_fd(node, w, ~0u));
	memset(&u, 0, sizeof(u));
	u.handle = w;
	u.reserved[2] = 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(node, MOJO_IOC_UNWRAP_FD, &u));
	/* Checked before the handle: an unknown one is EINVAL too. */
	EXPECT_EQ(-EINVAL, mojo_unwrap_fd(node, 0, 2));
	EXPECT_EQ(-EBADF, mojo_unwrap_fd(node, 0, 0));
	close(node);
	close(fds[0]);
	close(fds[1]);
}

TEST(other_operations_refuse_a_wrapped_handle)
{
	int node = mojo_open_node(), fds[2];
	struct mojo_trap_args t;
	uint32_t w, h0, h1, trap;
	uint64_t sat;

	ASSERT_GE(node, 0);
	nb_pipe(fds);
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[1], &w));
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	EXPECT_EQ(-EINVAL, mojo_query_signals(node, w, &sat, NULL));
	EXPECT_EQ(-EINVAL, mojo_wait(node, w, MOJO_SIGNAL_READABLE, 0, NULL,
				     NULL));
	EXPECT_EQ(-EINVAL, mojo_export_handle(node, w));
	EXPECT_EQ(-EINVAL, mojo_fuse_message_pipes(node, w, h0));
	EXPECT_EQ(-EINVAL, mojo_fuse_message_pipes(node, h0, w));
	EXPECT_EQ(-EINVAL, mojo_set_quota(node, w, 1, 1));
	EXPECT_EQ(-EINVAL, mojo_test_write_str(node, w, "x"));
	ASSERT_EQ(0, mojo_create_trap(node, &trap));
	memset(&t, 0, sizeof(t));
	t.trap = trap;
	t.handle = w;
	t.signals = MOJO_SIGNAL_READABLE;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(node, MOJO_IOC_ADD_TRIGGER, &t));
	/* Nor is a trap, or an endpoint, unwrapped. */
	EXPECT_EQ(-EINVAL, mojo_unwrap_fd(node, trap, 0));
	EXPECT_EQ(-EINVAL, mojo_unwrap_fd(node, h0, 0));
	/* Still there and still a wrapped fd. */
	EXPECT_EQ(0, mojo_close(node, w));
	close(node);
	close(fds[0]);
	close(fds[1]);
}

TEST(a_failed_write_leaves_the_wrapped_handle)
{
	int node = mojo_open_node(), fds[2], fd;
	uint32_t h0, h1, w, att[2];

	ASSERT_GE(node, 0);
	nb_pipe(fds);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[1], &w));
	/* A repeat: EINVAL. */
	att[0] = w;
	att[1] = w;
	EXPECT_EQ(-EINVAL, mojo_write_message(node, h0, "x", 1, att, 2));
	/* The peer closed: EPIPE. */
	ASSERT_EQ(0, mojo_close(node, h1));
	EXPECT_EQ(-EPIPE, send_handle(node, h0, w));
	fd = mojo_unwrap_fd(node, w, 0);
	EXPECT_GE(fd, 0);
	close(fd);
	close(fds[0]);
	close(fds[1]);
	close(node);
}

TEST(wrapped_handles_in_transit_count_toward_max_user_transit_ports)
{
	int node = mojo_open_node(), fds[2];
	uint32_t h0, h1, w1, w2, att[2];
	long saved;

	ASSERT_GE(node, 0);
	saved = mojo_test_read_long(MOJO_PARAM("max_user_transit_ports"));
	if (saved < 0 || mojo_test_write_long(MOJO_PARAM("max_user_transit_ports"), 1)) {
		close(node);
		SKIP(return, "cannot set max_user_transit_ports");
	}
	nb_pipe(fds);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &h0, &h1));
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[1], &w1));
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[1], &w2));
	att[0] = w1;
	att[1] = w2;
	EXPECT_EQ(-ETOOMANYREFS, mojo_write_message(node, h0, "x", 1, att, 2));
	EXPECT_EQ(0, send_handle(node, h0, w1));
	EXPECT_EQ(-ETOOMANYREFS, send_handle(node, h0, w2));
	mojo_test_write_long(MOJO_PARAM("max_user_transit_ports"), saved);
	close(node);
	close(fds[0]);
	close(fds[1]);
}

/*
 * Contract: a failed call changed nothing. Unwrap writes nothing, so a
 * read-only struct works; a wrap whose report cannot be written created
 * no handle and kept no file reference.
 */
TEST(contract_unwrap_writes_nothing_and_wrap_efault_keeps_nothing)
{
	int node = mojo_open_node(), fds[2], fd;
	struct mojo_wrap_fd_args *ro;
	struct mojo_handle_args *rou;
	uint8_t *page;
	uint32_t w;

	ASSERT_GE(node, 0);
	nb_pipe(fds);
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ro = (void *)page;
	rou = (void *)(page + 64);
	ASSERT_EQ(0, mojo_wrap_fd(node, fds[1], &w));
	ro->fd = fds[1];
	rou->handle = w;
	ASSERT_EQ(0, mprotect(page, 4096, PROT_READ));
	fd = mojo_test_ioctl(node, MOJO_IOC_UNWRAP_FD, rou);
	ASSERT_GE(fd, 0);
	close(fd);
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(node, MOJO_IOC_WRAP_FD, ro));
	/* Neither the unwrap's handle nor the failed wrap holds the file. */
	close(fds[1]);
	EXPECT_EQ(0, pipe_state(fds[0]));
	close(fds[0]);
	close(node);
}

/* The prep helpers: the CQE's res is WRAP_FD's 0, then UNWRAP_FD's fd. */
TEST(io_uring_prep_helpers_wrap_and_unwrap)
{
	int node = mojo_open_node(), fds[2], fd;
	struct mojo_wrap_fd_args w;
	struct mojo_handle_args u;
	struct io_uring_cqe *cqe;
	struct io_uring ring;

	ASSERT_GE(node, 0);
	nb_pipe(fds);
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	memset(&w, 0, sizeof(w));
	w.fd = fds[1];
	mojo_uring_prep_wrap_fd(io_uring_get_sqe(&ring), node, &w);
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	EXPECT_EQ(0, cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	ASSERT_NE(0, w.handle);
	memset(&u, 0, sizeof(u));
	u.handle = w.handle;
	u.flags = MOJO_UNWRAP_FD_NO_CLOEXEC;
	mojo_uring_prep_unwrap_fd(io_uring_get_sqe(&ring), node, &u);
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	fd = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(1, write(fd, "u", 1));
	close(fd);
	close(fds[1]);
	EXPECT_EQ(1, pipe_state(fds[0]));
	EXPECT_EQ(0, pipe_state(fds[0]));
	io_uring_queue_exit(&ring);
	close(fds[0]);
	close(node);
}

/* Wrap one end of a fresh pipe @fds into a handle of @node. */
static uint32_t wrap_pipe_end(struct __test_metadata *_metadata, int node,
			      int fds[2])
{
	struct mojo_wrap_fd_args w;

	nb_pipe(fds);
	memset(&w, 0, sizeof(w));
	w.fd = fds[1];
	EXPECT_EQ(0, mojo_test_ioctl(node, MOJO_IOC_WRAP_FD, &w));
	return w.handle;
}

/*
 * An UNWRAP_FD an io-wq worker runs (IOSQE_ASYNC) completes with its fd.
 * A positive result returned from ->uring_cmd() was never completed
 * there on 6.1: no CQE, and the ring, pinning the node file, was never
 * freed.
 */
TEST(an_unwrap_on_an_io_uring_worker_completes)
{
	int node = mojo_open_node(), fds[2], fd;
	struct mojo_handle_args u;
	struct io_uring_sqe *sqe;
	struct io_uring ring;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	memset(&u, 0, sizeof(u));
	u.handle = wrap_pipe_end(_metadata, node, fds);
	sqe = mojo_test_sqe(&ring, 1);
	mojo_uring_prep_unwrap_fd(sqe, node, &u);
	io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
	ASSERT_EQ(1, io_uring_submit(&ring));
	fd = mojo_test_reap(&ring, NULL);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(1, write(fd, "u", 1));
	close(fd);
	close(fds[1]);
	EXPECT_EQ(1, pipe_state(fds[0]));
	EXPECT_EQ(0, pipe_state(fds[0]));
	io_uring_queue_exit(&ring);
	close(fds[0]);
	close(node);
}

/*
 * An UNWRAP_FD that succeeds lets the request linked behind it run. On
 * 6.1 its positive result returned from ->uring_cmd() marked it failed,
 * and the NOP behind it completed with -ECANCELED.
 */
TEST(an_unwrap_does_not_break_its_link)
{
	int node = mojo_open_node(), fds[2], res, fd = -1, nop = 1;
	struct mojo_handle_args u;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	uint64_t tag;
	int i;

	ASSERT_GE(node, 0);
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	memset(&u, 0, sizeof(u));
	u.handle = wrap_pipe_end(_metadata, node, fds);
	sqe = mojo_test_sqe(&ring, 1);
	mojo_uring_prep_unwrap_fd(sqe, node, &u);
	io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 2);
	ASSERT_EQ(2, io_uring_submit(&ring));
	for (i = 0; i < 2; i++) {
		res = mojo_test_reap(&ring, &tag);
		if (tag == 1)
			fd = res;
		else
			nop = res;
	}
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, nop);
	close(fd);
	io_uring_queue_exit(&ring);
	close(fds[0]);
	close(fds[1]);
	close(node);
}

/*
 * A user's wrapped files count against the wrapping caller's
 * RLIMIT_NOFILE wherever they are (table or queue), as AF_UNIX counts
 * files in flight: an open file kept by a handle is in no fd table.
 * Root is exempt (CAP_SYS_RESOURCE), so the child becomes nobody.
 */
TEST(wrapped_files_count_against_rlimit_nofile)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct rlimit rl = { .rlim_cur = 16, .rlim_max = 16 };
		uint32_t w[16], h0, h1, extra;
		int node, fds[2], i;

		if (setrlimit(RLIMIT_NOFILE, &rl) || setgid(65534) || setuid(65534))
			_exit(10);
		node = mojo_open_node();
		if (node < 0 || pipe2(fds, O_CLOEXEC))
			_exit(11);
		for (i = 0; i < 16; i++)
			if (mojo_wrap_fd(node, fds[1], &w[i]))
				_exit(12);
		if (mojo_wrap_fd(node, fds[1], &extra) != -ETOOMANYREFS)
			_exit(13);
		/* Inside a queued message it still counts. */
		if (mojo_create_message_pipe(node, &h0, &h1) ||
		    send_handle(node, h0, w[0]))
			_exit(14);
		if (mojo_wrap_fd(node, fds[1], &extra) != -ETOOMANYREFS)
			_exit(15);
		/* Closed (here with its message's pipe): room for one. */
		if (mojo_close(node, h1) || mojo_close(node, h0))
			_exit(16);
		if (mojo_wrap_fd(node, fds[1], &extra))
			_exit(17);
		if (mojo_wrap_fd(node, fds[1], &w[0]) != -ETOOMANYREFS)
			_exit(18);
		/* Unwrapped: the fd is in the table, the charge is gone. */
		i = mojo_unwrap_fd(node, extra, 0);
		if (i < 0)
			_exit(19);
		close(i);
		if (mojo_wrap_fd(node, fds[1], &extra))
			_exit(20);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

struct close_race {
	int node;
	_Atomic uint32_t h;	/* the receiving end to close, 0 when done */
	_Atomic bool stop;
};

static void *close_racer(void *arg)
{
	struct close_race *r = arg;
	uint32_t h;

	while (!r->stop) {
		h = r->h;
		if (h && mojo_close(r->node, h) == 0)
			r->h = 0;
	}
	return NULL;
}

/*
 * A message carrying only wrapped files, sent while another thread
 * closes the receiving end: the close may free the message (and its
 * files) the moment it is queued, before the send has taken the handles
 * out of its table. The send then read freed memory (KASAN) or a NULL
 * object. Timing-dependent: a stress run, not a certain reproduction.
 */
TEST(closing_the_receiver_while_sending_wrapped_files)
{
	struct close_race r = { .node = mojo_open_node() };
	uint32_t h0, h1, w[4];
	int efd, i, j, ret;
	pthread_t t;

	ASSERT_GE(r.node, 0);
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(efd, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, close_racer, &r));
	for (i = 0; i < 3000; i++) {
		ASSERT_EQ(0, mojo_create_message_pipe(r.node, &h0, &h1));
		for (j = 0; j < 4; j++)
			ASSERT_EQ(0, mojo_wrap_fd(r.node, efd, &w[j]));
		r.h = h1;
		ret = mojo_write_message(r.node, h0, "w", 1, w, 4);
		ASSERT_TRUE(ret == 0 || ret == -EPIPE) TH_LOG("write: %d", ret);
		if (ret)
			for (j = 0; j < 4; j++)
				ASSERT_EQ(0, mojo_close(r.node, w[j]));
		while (r.h)
			;
		ASSERT_EQ(0, mojo_close(r.node, h0));
	}
	r.stop = true;
	pthread_join(t, NULL);
	close(efd);
	close(r.node);
}

TEST_HARNESS_MAIN
