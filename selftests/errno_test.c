// SPDX-License-Identifier: GPL-2.0
/*
 * The errnos of uapi/linux/mojoports.h ("Errors"): errors that were not
 * documented (or not tested) before, each provoked once, and each checked
 * against mojo_test_errnos[], the header's list for its operation. Every
 * test runs through ioctl(2) and through io_uring (MOJO_URING_SYNC); the
 * ring fixture covers mmap() and the calls on a mapping.
 */
#include <liburing.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "mojo_test.h"

FIXTURE(err) {
	int node;
	bool uring;
	uint32_t h0, h1;	/* a message pipe */
	uint32_t p, c;		/* a data pipe of 4096 one-byte elements */
	const char *param;	/* a module parameter to restore, or NULL */
	long saved;
};

FIXTURE_VARIANT(err) {
	bool uring;
};

FIXTURE_VARIANT_ADD(err, ioctl) {
	.uring = false,
};

FIXTURE_VARIANT_ADD(err, io_uring) {
	.uring = true,
};

FIXTURE_SETUP(err)
{
	self->param = NULL;
	self->uring = variant->uring;
	ASSERT_EQ(0, mojo_set_transport(variant->uring ? MOJO_TRANSPORT_IO_URING :
							  MOJO_TRANSPORT_IOCTL));
	self->node = mojo_open_node();
	ASSERT_GE(self->node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &self->h0, &self->h1));
	ASSERT_EQ(0, mojo_create_data_pipe(self->node, 1, 4096, &self->p,
					   &self->c));
}

FIXTURE_TEARDOWN(err)
{
	if (self->param)
		mojo_test_write_long(self->param, self->saved);
	close(self->node);
}

/*
 * @expr, a call of operation @cmd, fails with -@expected, an errno the
 * header lists for @cmd on this transport.
 */
#define EXPECT_ERRNO(cmd, expected, expr) do {				\
	int __ret = (expr);						\
									\
	EXPECT_EQ(-(expected), __ret);					\
	EXPECT_TRUE(mojo_test_errno_listed((cmd), -__ret, self->uring))	\
		TH_LOG("%s: %s not listed", mojo_test_errno_entry(cmd) ?	\
		       mojo_test_errno_entry(cmd)->name : "?",		\
		       strerror(-__ret));				\
} while (0)

/* Set a module parameter for this test, or skip it. */
#define SET_PARAM(name, v) do {						\
	self->saved = mojo_test_read_long(MOJO_PARAM(name));		\
	if (self->saved < 0 || mojo_test_write_long(MOJO_PARAM(name), (v))) \
		SKIP(return, "cannot set " name);			\
	self->param = MOJO_PARAM(name);					\
} while (0)

static int raw(int node, unsigned long cmd, void *arg)
{
	return mojo_test_ioctl(node, cmd, arg);
}

static int write_msg(int node, uint32_t h, const uint32_t *handles, uint32_t n)
{
	struct mojo_write_message_args a;

	memset(&a, 0, sizeof(a));
	a.handle = h;
	a.handles = (uintptr_t)handles;
	a.num_handles = n;
	return raw(node, MOJO_IOC_WRITE_MESSAGE, &a);
}

/* Every operation number of the header has an entry, and only those. */
TEST_F(err, table_names_every_operation)
{
	static const unsigned long ops[] = {
		MOJO_IOC_VERSION, MOJO_IOC_NODE_NAME, MOJO_IOC_CLOSE,
		MOJO_IOC_QUERY_SIGNALS, MOJO_IOC_WAIT, MOJO_IOC_EXPORT,
		MOJO_IOC_IMPORT, MOJO_IOC_SET_QUOTA, MOJO_IOC_CREATE_TRAP,
		MOJO_IOC_ADD_TRIGGER, MOJO_IOC_REMOVE_TRIGGER,
		MOJO_IOC_ARM_TRAP, MOJO_IOC_READ_TRAP_EVENTS,
		MOJO_IOC_WRAP_FD, MOJO_IOC_UNWRAP_FD,
		MOJO_IOC_CREATE_MESSAGE_PIPE, MOJO_IOC_WRITE_MESSAGE,
		MOJO_IOC_READ_MESSAGE, MOJO_IOC_FUSE,
		MOJO_IOC_SET_SIGNAL_QUOTA, MOJO_IOC_QUERY_QUOTA,
		MOJO_IOC_CREATE_DATA_PIPE, MOJO_IOC_WRITE_DATA,
		MOJO_IOC_READ_DATA, MOJO_IOC_BEGIN_WRITE_DATA,
		MOJO_IOC_END_WRITE_DATA, MOJO_IOC_BEGIN_READ_DATA,
		MOJO_IOC_END_READ_DATA, MOJO_IOC_DATA_PIPE_INFO,
		MOJO_IOC_DATA_PIPE_SET_THRESHOLD,
	};
	const unsigned long unknown = _IOWR(MOJO_IOC_MAGIC, 0x3f,
					    struct mojo_handle_args);
	struct mojo_handle_args a;
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		EXPECT_NE(NULL, mojo_test_errno_entry(ops[i]));
	/* The operations and mmap(). */
	EXPECT_EQ(sizeof(ops) / sizeof(ops[0]) + 1,
		  sizeof(mojo_test_errnos) / sizeof(mojo_test_errnos[0]));
	/*
	 * An unknown number: ENOTTY, and through ioctl only that; through
	 * io_uring the command area is checked first (ESTALE, EINVAL).
	 */
	memset(&a, 0, sizeof(a));
	EXPECT_ERRNO(unknown, ENOTTY, raw(self->node, unknown, &a));
	EXPECT_FALSE(mojo_test_errno_listed(unknown, EINVAL, false));
	EXPECT_FALSE(mojo_test_errno_listed(unknown, ESTALE, false));
	EXPECT_TRUE(mojo_test_errno_listed(unknown, EINVAL, true));
	EXPECT_TRUE(mojo_test_errno_listed(unknown, ESTALE, true));
	EXPECT_FALSE(mojo_test_errno_listed(unknown, EBADF, true));
}

/* The item of the issue: a producer in a two-phase write cannot be sent. */
TEST_F(err, write_message_with_producer_in_two_phase_write_is_ebusy)
{
	uint64_t off, size;

	ASSERT_EQ(0, mojo_begin_write_data(self->node, self->p, &off, &size));
	EXPECT_ERRNO(MOJO_IOC_WRITE_MESSAGE, EBUSY,
		     write_msg(self->node, self->h0, &self->p, 1));
	/* Nothing changed: the operation ends, and then the send works. */
	EXPECT_EQ(0, mojo_end_write_data(self->node, self->p, 0));
	EXPECT_EQ(0, write_msg(self->node, self->h0, &self->p, 1));
}

TEST_F(err, write_message_with_consumer_in_two_phase_read_is_ebusy)
{
	uint64_t n = 4, off, size;

	ASSERT_EQ(0, mojo_write_data(self->node, self->p, "data", &n, 0));
	ASSERT_EQ(0, mojo_begin_read_data(self->node, self->c, &off, &size));
	EXPECT_ERRNO(MOJO_IOC_WRITE_MESSAGE, EBUSY,
		     write_msg(self->node, self->h0, &self->c, 1));
	EXPECT_EQ(0, mojo_end_read_data(self->node, self->c, 0));
	EXPECT_EQ(0, write_msg(self->node, self->h0, &self->c, 1));
}

/* Data pipe endpoints may ride in a message; a trap may not. */
TEST_F(err, write_message_with_a_trap_attached_is_einval)
{
	uint32_t trap;

	ASSERT_EQ(0, mojo_create_trap(self->node, &trap));
	EXPECT_ERRNO(MOJO_IOC_WRITE_MESSAGE, EINVAL,
		     write_msg(self->node, self->h0, &trap, 1));
	EXPECT_EQ(0, write_msg(self->node, self->h0, &self->c, 1));
}

TEST_F(err, export_of_a_trap_is_einval)
{
	struct mojo_export_args a;
	uint32_t trap;

	ASSERT_EQ(0, mojo_create_trap(self->node, &trap));
	memset(&a, 0, sizeof(a));
	a.handle = trap;
	EXPECT_ERRNO(MOJO_IOC_EXPORT, EINVAL, raw(self->node, MOJO_IOC_EXPORT, &a));
}

TEST_F(err, export_with_no_free_fd_is_emfile)
{
	struct mojo_export_args a;
	struct rlimit rl;
	int fd;

	/* The library's ring (io_uring) exists before the table fills. */
	ASSERT_EQ(0, mojo_get_version(self->node, NULL, NULL));
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = 64;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	do {
		fd = dup(self->node);
	} while (fd >= 0);
	ASSERT_EQ(EMFILE, errno);
	memset(&a, 0, sizeof(a));
	a.handle = self->h1;
	EXPECT_ERRNO(MOJO_IOC_EXPORT, EMFILE, raw(self->node, MOJO_IOC_EXPORT, &a));
	/* Still ours. */
	EXPECT_EQ(MOJO_SIGNAL_WRITABLE, mojo_test_signals(self->node, self->h1));
}

TEST_F(err, unwrap_fd_without_a_free_descriptor_is_emfile)
{
	struct mojo_handle_args a;
	struct rlimit rl;
	uint32_t w;
	int fds[2], fd;

	ASSERT_EQ(0, pipe(fds));
	ASSERT_EQ(0, mojo_wrap_fd(self->node, fds[0], &w));
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = 64;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	do {
		fd = dup(self->node);
	} while (fd >= 0);
	ASSERT_EQ(EMFILE, errno);
	memset(&a, 0, sizeof(a));
	a.handle = w;
	EXPECT_ERRNO(MOJO_IOC_UNWRAP_FD, EMFILE,
		     raw(self->node, MOJO_IOC_UNWRAP_FD, &a));
	/* Still ours, still wrapped: a second try fails the same way. */
	EXPECT_ERRNO(MOJO_IOC_UNWRAP_FD, EMFILE,
		     raw(self->node, MOJO_IOC_UNWRAP_FD, &a));
}

TEST_F(err, wrap_fd_of_a_node_fd_is_einval)
{
	struct mojo_wrap_fd_args a;

	memset(&a, 0, sizeof(a));
	a.fd = self->node;
	EXPECT_ERRNO(MOJO_IOC_WRAP_FD, EINVAL,
		     raw(self->node, MOJO_IOC_WRAP_FD, &a));
	a.fd = -1;
	EXPECT_ERRNO(MOJO_IOC_WRAP_FD, EBADF,
		     raw(self->node, MOJO_IOC_WRAP_FD, &a));
}

TEST_F(err, unwrap_fd_of_an_endpoint_is_einval)
{
	struct mojo_handle_args a;

	memset(&a, 0, sizeof(a));
	a.handle = self->h0;
	EXPECT_ERRNO(MOJO_IOC_UNWRAP_FD, EINVAL,
		     raw(self->node, MOJO_IOC_UNWRAP_FD, &a));
	a.flags = 2;
	EXPECT_ERRNO(MOJO_IOC_UNWRAP_FD, EINVAL,
		     raw(self->node, MOJO_IOC_UNWRAP_FD, &a));
}

TEST_F(err, import_of_a_closed_fd_is_ebadf)
{
	struct mojo_export_args a;
	int fd = mojo_export_handle(self->node, self->h1);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, close(fd));
	memset(&a, 0, sizeof(a));
	a.fd = fd;
	EXPECT_ERRNO(MOJO_IOC_IMPORT, EBADF, raw(self->node, MOJO_IOC_IMPORT, &a));
}

TEST_F(err, import_of_a_file_that_is_no_export_is_einval)
{
	struct mojo_export_args a;

	memset(&a, 0, sizeof(a));
	a.fd = self->node;
	EXPECT_ERRNO(MOJO_IOC_IMPORT, EINVAL, raw(self->node, MOJO_IOC_IMPORT, &a));
}

/* The handles a message carries need room in the reader's table. */
TEST_F(err, read_message_with_no_room_for_its_handles_is_enospc)
{
	uint32_t x0, x1, got, n = 8, nh = 1;
	char buf[8];

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &x0, &x1));
	ASSERT_EQ(0, write_msg(self->node, self->h0, &x1, 1));
	/* h0, h1, p, c and x0: the table is full. */
	SET_PARAM("max_handles", 5);
	EXPECT_ERRNO(MOJO_IOC_READ_MESSAGE, ENOSPC,
		     mojo_read_message(self->node, self->h1, buf, &n, &got, &nh));
	/* The message stayed queued. */
	EXPECT_EQ(MOJO_SIGNAL_READABLE | MOJO_SIGNAL_WRITABLE,
		  mojo_test_signals(self->node, self->h1));
}

/* READ_MESSAGE's flag and its pointer: a pointer without the flag. */
TEST_F(err, read_message_with_creds_but_no_flag_is_einval)
{
	struct mojo_read_message_args a;
	struct mojo_sender_creds c;

	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "x"));
	memset(&a, 0, sizeof(a));
	a.handle = self->h1;
	a.num_bytes = 1;
	a.bytes = (uintptr_t)&c;
	a.creds = (uintptr_t)&c;
	EXPECT_ERRNO(MOJO_IOC_READ_MESSAGE, EINVAL,
		     raw(self->node, MOJO_IOC_READ_MESSAGE, &a));
	a.flags = 2;	/* the first unknown flag */
	EXPECT_ERRNO(MOJO_IOC_READ_MESSAGE, EINVAL,
		     raw(self->node, MOJO_IOC_READ_MESSAGE, &a));
	a.flags = MOJO_READ_MESSAGE_SENDER_CREDS;
	EXPECT_EQ(0, raw(self->node, MOJO_IOC_READ_MESSAGE, &a));
}

TEST_F(err, read_message_into_unwritable_creds_is_efault)
{
	struct mojo_read_message_args a;
	char buf[4];

	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "x"));
	memset(&a, 0, sizeof(a));
	a.handle = self->h1;
	a.flags = MOJO_READ_MESSAGE_SENDER_CREDS;
	a.num_bytes = sizeof(buf);
	a.bytes = (uintptr_t)buf;
	a.creds = (uintptr_t)mojo_test_readonly_page();
	EXPECT_ERRNO(MOJO_IOC_READ_MESSAGE, EFAULT,
		     raw(self->node, MOJO_IOC_READ_MESSAGE, &a));
	EXPECT_EQ(MOJO_SIGNAL_READABLE | MOJO_SIGNAL_WRITABLE,
		  mojo_test_signals(self->node, self->h1));
}

TEST_F(err, create_trap_with_an_unused_field_set_is_einval)
{
	struct mojo_trap_args a;

	memset(&a, 0, sizeof(a));
	a.context = 1;
	EXPECT_ERRNO(MOJO_IOC_CREATE_TRAP, EINVAL,
		     raw(self->node, MOJO_IOC_CREATE_TRAP, &a));
}

TEST_F(err, add_trigger_beyond_max_triggers_is_enospc)
{
	uint32_t trap;
	int i;

	ASSERT_EQ(0, mojo_create_trap(self->node, &trap));
	for (i = 0; i < MOJO_MAX_TRIGGERS; i++)
		ASSERT_EQ(0, mojo_add_trigger(self->node, trap, self->h1,
					      MOJO_SIGNAL_READABLE,
					      MOJO_TRIGGER_SATISFIED, i));
	EXPECT_ERRNO(MOJO_IOC_ADD_TRIGGER, ENOSPC,
		     mojo_add_trigger(self->node, trap, self->h1,
				      MOJO_SIGNAL_READABLE,
				      MOJO_TRIGGER_SATISFIED, i));
}

TEST_F(err, wait_for_an_unknown_signal_is_einval)
{
	EXPECT_ERRNO(MOJO_IOC_WAIT, EINVAL,
		     mojo_wait(self->node, self->h1, 1ULL << 40, 0, NULL, NULL));
}

TEST_F(err, fuse_of_a_handle_with_itself_is_einval)
{
	EXPECT_ERRNO(MOJO_IOC_FUSE, EINVAL,
		     mojo_fuse_message_pipes(self->node, self->h0, self->h0));
}

TEST_F(err, write_data_with_a_read_flag_is_einval)
{
	uint64_t n = 1;

	EXPECT_ERRNO(MOJO_IOC_WRITE_DATA, EINVAL,
		     mojo_write_data(self->node, self->p, "x", &n, MOJO_DATA_PEEK));
}

TEST_F(err, read_data_discard_with_peek_is_einval)
{
	uint64_t n = 1;

	EXPECT_ERRNO(MOJO_IOC_READ_DATA, EINVAL,
		     mojo_read_data(self->node, self->c, NULL, &n,
				    MOJO_DATA_DISCARD | MOJO_DATA_PEEK));
}

TEST_F(err, begin_data_with_bytes_set_is_einval)
{
	struct mojo_data_args a;
	char buf[8];

	memset(&a, 0, sizeof(a));
	a.handle = self->p;
	a.bytes = (uintptr_t)buf;
	EXPECT_ERRNO(MOJO_IOC_BEGIN_WRITE_DATA, EINVAL,
		     raw(self->node, MOJO_IOC_BEGIN_WRITE_DATA, &a));
	a.handle = self->c;
	EXPECT_ERRNO(MOJO_IOC_END_READ_DATA, EINVAL,
		     raw(self->node, MOJO_IOC_END_READ_DATA, &a));
}

/* A pending read that the handle's close cancels (io_uring only). */
TEST_F(err, pending_read_data_cancelled_by_close_is_ecanceled)
{
	struct io_uring_cqe *cqe;
	struct mojo_data_args a;
	struct io_uring ring;
	char buf[8];
	int res;

	if (!self->uring)
		SKIP(return, "io_uring only");
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	memset(&a, 0, sizeof(a));
	a.handle = self->c;
	a.bytes = (uintptr_t)buf;
	a.num_bytes = sizeof(buf);
	mojo_uring_prep_read_data(io_uring_get_sqe(&ring), self->node, &a);
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, mojo_close(self->node, self->c));
	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	res = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	/* A kernel whose io_uring the module cannot follow parks nothing. */
	if (res != -EOPNOTSUPP)
		EXPECT_EQ(-ECANCELED, res);
	EXPECT_TRUE(mojo_test_errno_listed(MOJO_IOC_READ_DATA, -res, true));
	/* Only a pending command ends so: the ioctl never does. */
	EXPECT_FALSE(mojo_test_errno_listed(MOJO_IOC_READ_DATA, -res, false));
	io_uring_queue_exit(&ring);
}

/*
 * The command area is checked before the operation number: an unknown
 * cmd_op with a reserved field of its area set fails with EINVAL, which
 * the table lists for it (io_uring only).
 */
TEST_F(err, unknown_uring_command_with_a_bad_area_is_einval)
{
	const unsigned int unknown = _IOWR(MOJO_IOC_MAGIC, 0x3f,
					   struct mojo_handle_args);
	struct mojo_handle_args a;
	struct io_uring_cqe *cqe;
	struct mojo_uring_cmd *c;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int res;

	if (!self->uring)
		SKIP(return, "io_uring only");
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	memset(&a, 0, sizeof(a));
	sqe = io_uring_get_sqe(&ring);
	ASSERT_NE(NULL, sqe);
	mojo_uring_prep_cmd(sqe, self->node, unknown, &a, MOJO_URING_SYNC);
	c = (struct mojo_uring_cmd *)sqe->cmd;
	c->reserved = 1;
	ASSERT_EQ(1, io_uring_submit(&ring));
	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	res = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	EXPECT_EQ(-EINVAL, res);
	EXPECT_TRUE(mojo_test_errno_listed(unknown, -res, true));
	io_uring_queue_exit(&ring);
}

/* mmap() of a ring, and the calls on a mapping. */
FIXTURE(ring) {
	int node;
	uint32_t p, c;
	struct mojo_data_pipe_info_args pi, ci;
};

FIXTURE_SETUP(ring)
{
	self->node = mojo_open_node();
	ASSERT_GE(self->node, 0);
	ASSERT_EQ(0, mojo_create_data_pipe(self->node, 1, 4096, &self->p,
					   &self->c));
	ASSERT_EQ(0, mojo_data_pipe_info(self->node, self->p, &self->pi));
	ASSERT_EQ(0, mojo_data_pipe_info(self->node, self->c, &self->ci));
}

FIXTURE_TEARDOWN(ring)
{
	close(self->node);
}

/* mmap() failed with @expected, an errno the header lists for it. */
#define EXPECT_MMAP_ERRNO(expected, m) do {				\
	EXPECT_EQ(MAP_FAILED, (m));					\
	EXPECT_EQ((expected), errno);					\
	EXPECT_TRUE(mojo_test_errno_listed(MOJO_TEST_MMAP, errno, false)); \
} while (0)

TEST_F(ring, mmap_of_an_offset_naming_no_endpoint_is_einval)
{
	EXPECT_MMAP_ERRNO(EINVAL, mmap(NULL, self->pi.map_size, PROT_READ,
				       MAP_SHARED, self->node,
				       self->pi.map_offset + (1ULL << 40)));
}

TEST_F(ring, mmap_of_an_endpoint_another_node_holds_is_eacces)
{
	int other = mojo_open_node();

	ASSERT_GE(other, 0);
	EXPECT_MMAP_ERRNO(EACCES, mmap(NULL, self->pi.map_size, PROT_READ,
				       MAP_SHARED, other, self->pi.map_offset));
	close(other);
}

/* A node fd opened read-only cannot map anything writable. */
TEST_F(ring, writable_mmap_through_a_read_only_node_fd_is_eacces)
{
	int ro = open(MOJO_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	struct mojo_data_pipe_info_args info;
	uint32_t p, c;

	ASSERT_GE(ro, 0);
	ASSERT_EQ(0, mojo_create_data_pipe(ro, 1, 4096, &p, &c));
	ASSERT_EQ(0, mojo_data_pipe_info(ro, p, &info));
	EXPECT_MMAP_ERRNO(EACCES, mmap(NULL, info.map_size, PROT_READ | PROT_WRITE,
				       MAP_SHARED, ro, info.map_offset));
	close(ro);
}

TEST_F(ring, growing_mremap_is_efault)
{
	void *m = mmap(NULL, self->ci.map_size, PROT_READ, MAP_SHARED,
		       self->node, self->ci.map_offset);

	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(MAP_FAILED, mremap(m, self->ci.map_size, 2 * self->ci.map_size,
				     MREMAP_MAYMOVE));
	EXPECT_EQ(EFAULT, errno);
	munmap(m, self->ci.map_size);
}

TEST_HARNESS_MAIN
