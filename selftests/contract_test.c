// SPDX-License-Identifier: GPL-2.0
/*
 * The argument-struct contract of uapi/linux/mojoports.h: a call that
 * fails changed nothing, a failed report of what a call did makes the
 * call fail and undoes it, only out fields are written back, and out
 * fields are ignored on input. Also handle numbers that are not reused,
 * and the quota's boundary. Built a second time with every call through
 * io_uring.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mojo_test.h"

#define R	MOJO_SIGNAL_READABLE
#define W	MOJO_SIGNAL_WRITABLE
#define PC	MOJO_SIGNAL_PEER_CLOSED
#define QE	MOJO_SIGNAL_QUOTA_EXCEEDED
#define PR	MOJO_SIGNAL_PEER_REMOTE

/*
 * A copy of @len bytes of @src in a page of its own that can be read but
 * not written: the kernel reads the struct and cannot write it back. Like
 * a struct in .rodata. Leaked on purpose (each test is a process).
 */
static void *ro_copy(const void *src, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, src, len);
	if (mprotect(p, page, PROT_READ))
		return NULL;
	return p;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static uint64_t readable_bytes(int node, uint32_t consumer)
{
	uint64_t n = 0;

	if (mojo_read_data(node, consumer, NULL, &n, MOJO_DATA_QUERY))
		return ~0ULL;
	return n;
}

FIXTURE(contract) {
	int node;
	uint32_t h0, h1;	/* a message pipe */
	uint32_t p, c;		/* a data pipe */
	const char *param;
	long saved;
};

FIXTURE_SETUP(contract)
{
	self->param = NULL;
	self->node = mojo_open_node();
	ASSERT_GE(self->node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &self->h0, &self->h1));
	ASSERT_EQ(0, mojo_create_data_pipe(self->node, 1, 4096, &self->p,
					   &self->c));
}

FIXTURE_TEARDOWN(contract)
{
	if (self->param)
		mojo_test_write_long(self->param, self->saved);
	close(self->node);
}

/*
 * Leave room for exactly @free more handles in this node (it holds four),
 * so that a handle leaked by a failed call shows as -ENOSPC later.
 */
static void room_for(struct _test_data_contract *self, long free)
{
	self->param = MOJO_PARAM("max_handles");
	self->saved = mojo_test_read_long(self->param);
	if (self->saved < 0 || mojo_test_write_long(self->param, 4 + free))
		self->param = NULL;
}

/* ---- 1. A report that cannot be written undoes the call ---------------- */

TEST_F(contract, write_message_with_a_readonly_struct_sends_once)
{
	struct mojo_write_message_args w = {
		.handle = self->h0, .bytes = (uintptr_t)"x", .num_bytes = 1,
	};
	void *ro = ro_copy(&w, sizeof(w));
	char buf[8];

	ASSERT_NE(NULL, ro);
	/* Nothing to report, so nothing is written back: it succeeds. */
	EXPECT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_WRITE_MESSAGE, ro));
	EXPECT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	EXPECT_EQ(-EAGAIN, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
}

TEST_F(contract, close_with_a_readonly_struct_succeeds)
{
	struct mojo_handle_args a = { .handle = self->h0 };
	void *ro = ro_copy(&a, sizeof(a));

	ASSERT_NE(NULL, ro);
	EXPECT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_CLOSE, ro));
	EXPECT_EQ(PC, mojo_test_signals(self->node, self->h1));
	EXPECT_EQ(-EBADF, mojo_close(self->node, self->h0));
}

TEST_F(contract, fuse_with_a_readonly_struct_succeeds)
{
	struct mojo_fuse_args f = { 0 };
	uint32_t a0, a1;
	void *ro;
	char buf[8];

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &a0, &a1));
	f.handle0 = self->h1;
	f.handle1 = a0;
	ro = ro_copy(&f, sizeof(f));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_FUSE, ro));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "fused"));
	ASSERT_EQ(0, mojo_test_read_str(self->node, a1, buf, sizeof(buf)));
	EXPECT_STREQ("fused", buf);
}

TEST_F(contract, read_message_into_a_readonly_struct_leaves_the_message)
{
	struct mojo_read_message_args r = { 0 };
	uint32_t c0, c1, got[1], n = 8, nh = 1;
	char bytes[8];
	void *ro;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &c0, &c1));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, "msg", 3, &c0, 1));
	r.handle = self->h1;
	r.bytes = (uintptr_t)bytes;
	r.num_bytes = sizeof(bytes);
	r.handles = (uintptr_t)got;
	r.num_handles = 1;
	ro = ro_copy(&r, sizeof(r));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->node, MOJO_IOC_READ_MESSAGE, ro));
	/* Still queued, and the carried endpoint was installed nowhere. */
	EXPECT_EQ(R | W, mojo_test_signals(self->node, self->h1));
	EXPECT_EQ(-EBADF, mojo_close(self->node, got[0]));
	EXPECT_EQ(W | PR, mojo_test_signals(self->node, c1));
	ASSERT_EQ(0, mojo_read_message(self->node, self->h1, bytes, &n, got, &nh));
	EXPECT_EQ(3, n);
	ASSERT_EQ(1, nh);
	ASSERT_EQ(0, mojo_close(self->node, got[0]));
	EXPECT_EQ(PC, mojo_test_signals(self->node, c1));
}

TEST_F(contract, create_message_pipe_with_a_readonly_struct_creates_nothing)
{
	struct mojo_create_message_pipe_args a = { 0 };
	void *ro = ro_copy(&a, sizeof(a));
	uint32_t x, y;
	int i;

	ASSERT_NE(NULL, ro);
	room_for(self, 2);
	ASSERT_NE(NULL, self->param);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->node,
						   MOJO_IOC_CREATE_MESSAGE_PIPE, ro));
	EXPECT_EQ(0, mojo_create_message_pipe(self->node, &x, &y));
}

TEST_F(contract, create_data_pipe_with_a_readonly_struct_creates_nothing)
{
	struct mojo_create_data_pipe_args a = { .element_size = 1 };
	void *ro = ro_copy(&a, sizeof(a));
	uint32_t x, y;
	int i;

	ASSERT_NE(NULL, ro);
	room_for(self, 2);
	ASSERT_NE(NULL, self->param);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->node,
						   MOJO_IOC_CREATE_DATA_PIPE, ro));
	EXPECT_EQ(0, mojo_create_data_pipe(self->node, 1, 0, &x, &y));
}

TEST_F(contract, create_trap_with_a_readonly_struct_creates_nothing)
{
	struct mojo_trap_args a = { 0 };
	void *ro = ro_copy(&a, sizeof(a));
	uint32_t t;
	int i;

	ASSERT_NE(NULL, ro);
	room_for(self, 1);
	ASSERT_NE(NULL, self->param);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->node,
						   MOJO_IOC_CREATE_TRAP, ro));
	EXPECT_EQ(0, mojo_create_trap(self->node, &t));
}

TEST_F(contract, export_with_a_readonly_struct_keeps_the_handle)
{
	struct mojo_export_args e = { .handle = self->h0 };
	void *ro = ro_copy(&e, sizeof(e));
	int fds = count_fds();
	char buf[8];

	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->node, MOJO_IOC_EXPORT, ro));
	EXPECT_EQ(fds, count_fds());
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "here"));
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	EXPECT_STREQ("here", buf);
}

TEST_F(contract, import_with_a_readonly_struct_keeps_the_file)
{
	struct mojo_export_args e = { 0 };
	uint32_t h;
	void *ro;
	int fd;

	fd = mojo_export_handle(self->node, self->h0);
	ASSERT_GE(fd, 0);
	e.fd = fd;
	ro = ro_copy(&e, sizeof(e));
	ASSERT_NE(NULL, ro);
	room_for(self, 1);
	ASSERT_NE(NULL, self->param);
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->node, MOJO_IOC_IMPORT, ro));
	ASSERT_EQ(0, mojo_import_handle(self->node, fd, &h));
	EXPECT_EQ(W, mojo_test_signals(self->node, h));
	close(fd);
}

TEST_F(contract, wrap_fd_with_a_readonly_struct_creates_nothing)
{
	struct mojo_wrap_fd_args a = { 0 };
	int fds[2], i;
	uint32_t w;
	void *ro;
	char c;

	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	a.fd = fds[1];
	ro = ro_copy(&a, sizeof(a));
	ASSERT_NE(NULL, ro);
	room_for(self, 1);
	ASSERT_NE(NULL, self->param);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->node, MOJO_IOC_WRAP_FD, ro));
	/* No handle was left behind, and no reference to the file. */
	EXPECT_EQ(0, mojo_wrap_fd(self->node, fds[0], &w));
	close(fds[1]);
	EXPECT_EQ(0, read(fds[0], &c, 1));
	close(fds[0]);
}

/* UNWRAP_FD reports through its result alone: a read-only struct works. */
TEST_F(contract, unwrap_fd_with_a_readonly_struct_succeeds)
{
	struct mojo_handle_args a = { 0 };
	int fds[2], fd;
	void *ro;

	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	ASSERT_EQ(0, mojo_wrap_fd(self->node, fds[1], &a.handle));
	ro = ro_copy(&a, sizeof(a));
	ASSERT_NE(NULL, ro);
	fd = mojo_test_ioctl(self->node, MOJO_IOC_UNWRAP_FD, ro);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(1, write(fd, "x", 1));
	EXPECT_EQ(-EBADF, mojo_test_ioctl(self->node, MOJO_IOC_UNWRAP_FD, ro));
	close(fd);
	close(fds[0]);
	close(fds[1]);
}

/* A failed unwrap (EMFILE) changed nothing: the handle unwraps later. */
TEST_F(contract, a_failed_unwrap_leaves_the_handle)
{
	struct rlimit rl;
	int fds[2], fd, last = -1;
	uint32_t w;

	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	ASSERT_EQ(0, mojo_wrap_fd(self->node, fds[1], &w));
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = 64;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	while ((fd = dup(fds[0])) >= 0)
		last = fd;
	ASSERT_GE(last, 0);
	EXPECT_EQ(-EMFILE, mojo_unwrap_fd(self->node, w, 0));
	EXPECT_EQ(-EMFILE, mojo_unwrap_fd(self->node, w, 0));
	close(last);
	EXPECT_EQ(last, mojo_unwrap_fd(self->node, w, 0));
	EXPECT_EQ(-EBADF, mojo_unwrap_fd(self->node, w, 0));
}

TEST_F(contract, wrap_fd_ignores_its_out_field)
{
	struct mojo_wrap_fd_args a = { .handle = 12345 };
	int fds[2];

	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	a.fd = fds[0];
	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_WRAP_FD, &a));
	EXPECT_NE(12345, a.handle);
	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_WRAP_FD, &a));
	EXPECT_EQ(0, mojo_close(self->node, a.handle));
	close(fds[0]);
	close(fds[1]);
}

TEST_F(contract, write_data_with_a_readonly_struct_writes_nothing)
{
	struct mojo_data_args d = {
		.handle = self->p, .bytes = (uintptr_t)"abcd", .num_bytes = 4,
	};
	void *ro = ro_copy(&d, sizeof(d));

	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->node, MOJO_IOC_WRITE_DATA, ro));
	EXPECT_EQ(0, readable_bytes(self->node, self->c));
}

TEST_F(contract, read_data_into_a_readonly_struct_consumes_nothing)
{
	struct mojo_data_args d = { .handle = self->c, .num_bytes = 4 };
	uint64_t n = 4;
	char buf[4];
	void *ro;

	ASSERT_EQ(0, mojo_write_data(self->node, self->p, "abcd", &n, 0));
	d.bytes = (uintptr_t)buf;
	ro = ro_copy(&d, sizeof(d));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->node, MOJO_IOC_READ_DATA, ro));
	EXPECT_EQ(4, readable_bytes(self->node, self->c));
}

TEST_F(contract, begin_write_data_with_a_readonly_struct_begins_nothing)
{
	struct mojo_data_args d = { .handle = self->p };
	void *ro = ro_copy(&d, sizeof(d));
	uint64_t n = 2;

	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->node, MOJO_IOC_BEGIN_WRITE_DATA, ro));
	EXPECT_EQ(-ENOENT, mojo_end_write_data(self->node, self->p, 0));
	EXPECT_EQ(0, mojo_write_data(self->node, self->p, "ok", &n, 0));
}

TEST_F(contract, begin_read_data_with_a_readonly_struct_begins_nothing)
{
	struct mojo_data_args d = { .handle = self->c };
	uint64_t n = 2;
	void *ro;

	ASSERT_EQ(0, mojo_write_data(self->node, self->p, "ok", &n, 0));
	ro = ro_copy(&d, sizeof(d));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->node, MOJO_IOC_BEGIN_READ_DATA, ro));
	EXPECT_EQ(-ENOENT, mojo_end_read_data(self->node, self->c, 0));
	EXPECT_EQ(2, readable_bytes(self->node, self->c));
}

TEST_F(contract, read_trap_events_into_a_readonly_struct_keeps_the_events)
{
	struct mojo_trap_event ev[2];
	struct mojo_read_events_args r = { 0 };
	uint32_t t;
	void *ro;

	ASSERT_EQ(0, mojo_create_trap(self->node, &t));
	ASSERT_EQ(0, mojo_add_trigger(self->node, t, self->h1, R,
				      MOJO_TRIGGER_SATISFIED, 7));
	ASSERT_EQ(0, mojo_arm_trap(self->node, t, NULL));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "fire"));
	r.events = (uintptr_t)ev;
	r.num_events = 2;
	ro = ro_copy(&r, sizeof(r));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->node, MOJO_IOC_READ_TRAP_EVENTS, ro));
	ASSERT_EQ(1, mojo_read_trap_events(self->node, ev, 2));
	EXPECT_EQ(7, ev[0].context);
}

/* ---- 2. Out fields are ignored on input; only they are written --------- */

TEST_F(contract, create_message_pipe_ignores_its_out_fields)
{
	struct mojo_create_message_pipe_args a = {
		.handle0 = 0xdead, .handle1 = ~0U,
	};

	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_CREATE_MESSAGE_PIPE, &a));
	EXPECT_EQ(W, mojo_test_signals(self->node, a.handle0));
	/* The same struct again. */
	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_CREATE_MESSAGE_PIPE, &a));
	EXPECT_EQ(W, mojo_test_signals(self->node, a.handle1));
}

TEST_F(contract, create_data_pipe_ignores_its_out_fields)
{
	struct mojo_create_data_pipe_args a = {
		.element_size = 1, .producer = 5, .consumer = 6,
	};

	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_CREATE_DATA_PIPE, &a));
	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_CREATE_DATA_PIPE, &a));
	EXPECT_EQ(W, mojo_test_signals(self->node, a.producer));
}

TEST_F(contract, create_trap_ignores_its_out_field)
{
	struct mojo_trap_args a = { .trap = 12345 };

	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_CREATE_TRAP, &a));
	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_CREATE_TRAP, &a));
	EXPECT_EQ(0, mojo_close(self->node, a.trap));
}

TEST_F(contract, export_and_import_ignore_their_out_fields)
{
	struct mojo_export_args e = { .handle = self->h0, .fd = -1 };
	uint32_t old = self->h0;

	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_EXPORT, &e));
	ASSERT_GE(e.fd, 0);
	/* Reused for IMPORT: handle still holds the exported number. */
	EXPECT_EQ(old, e.handle);
	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_IMPORT, &e));
	EXPECT_EQ(W, mojo_test_signals(self->node, e.handle));
	close(e.fd);
}

TEST_F(contract, arm_trap_ignores_its_report_fields)
{
	struct mojo_trap_args a = {
		.context = 99, .satisfied = ~0ULL, .satisfiable = 1, .result = -1,
	};
	uint32_t t;

	ASSERT_EQ(0, mojo_create_trap(self->node, &t));
	ASSERT_EQ(0, mojo_add_trigger(self->node, t, self->h1, R,
				      MOJO_TRIGGER_SATISFIED, 7));
	a.trap = t;
	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_ARM_TRAP, &a));
	/* Arming reports nothing: the struct is as it was. */
	EXPECT_EQ(99, a.context);
	ASSERT_EQ(0, mojo_close(self->node, t));
}

TEST_F(contract, arm_trap_reuses_the_struct_after_ealready)
{
	struct mojo_trap_args a = { 0 };
	uint32_t t;

	ASSERT_EQ(0, mojo_create_trap(self->node, &t));
	ASSERT_EQ(0, mojo_add_trigger(self->node, t, self->h1, W,
				      MOJO_TRIGGER_SATISFIED, 7));
	a.trap = t;
	ASSERT_EQ(-EALREADY, mojo_test_ioctl(self->node, MOJO_IOC_ARM_TRAP, &a));
	EXPECT_EQ(7, a.context);
	EXPECT_EQ(0, a.result);
	/* The report left in it does not make the next call -EINVAL. */
	EXPECT_EQ(-EALREADY, mojo_test_ioctl(self->node, MOJO_IOC_ARM_TRAP, &a));
}

TEST_F(contract, begin_data_ignores_its_out_fields)
{
	struct mojo_data_args d = {
		.handle = self->p, .num_bytes = 77, .offset = 4095,
	};
	uint64_t n = 3;

	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_BEGIN_WRITE_DATA, &d));
	EXPECT_EQ(4096, d.num_bytes);
	EXPECT_EQ(0, d.offset);
	ASSERT_EQ(0, mojo_end_write_data(self->node, self->p, 0));
	ASSERT_EQ(0, mojo_write_data(self->node, self->p, "abc", &n, 0));
	d.handle = self->c;
	d.num_bytes = 1;
	d.offset = 9;
	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_BEGIN_READ_DATA, &d));
	EXPECT_EQ(3, d.num_bytes);
	EXPECT_EQ(0, d.offset);
	ASSERT_EQ(0, mojo_end_read_data(self->node, self->c, 3));
}

TEST_F(contract, query_and_info_ignore_their_out_fields)
{
	struct mojo_signals_args q = {
		.handle = self->h0, .satisfied = 5, .satisfiable = 6,
	};
	struct mojo_data_pipe_info_args i = {
		.handle = self->c, .capacity = 1, .map_size = 2,
		.read_threshold = 3,
	};

	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_QUERY_SIGNALS, &q));
	EXPECT_EQ(W, q.satisfied);
	ASSERT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_DATA_PIPE_INFO, &i));
	EXPECT_EQ(4096, i.capacity);
}

TEST_F(contract, a_failed_read_leaves_the_struct_as_it_was)
{
	struct mojo_read_message_args r = {
		.handle = self->h1, .num_bytes = 8, .num_handles = 0,
	}, before;
	char buf[8];

	r.bytes = (uintptr_t)buf;
	before = r;
	EXPECT_EQ(-EAGAIN, mojo_test_ioctl(self->node, MOJO_IOC_READ_MESSAGE, &r));
	EXPECT_EQ(0, memcmp(&before, &r, sizeof(r)));
}

/* ---- 14. An interrupted wait writes its time left, and nothing else ---- */

/*
 * A child of the same node (it shares the node file) waits; the parent
 * stops it, closes the handle, and lets it go on. The restarted wait fails
 * (-EBADF: the handle is gone); through io_uring the stop ends the wait
 * with -EINTR. Either way the signal sets were not written.
 */
TEST_F(contract, an_interrupted_wait_writes_only_its_time_left)
{
	struct shared {
		struct mojo_signals_args w;
		int ret;
		volatile int started;
	} *sh;
	int status;
	pid_t pid;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	sh->w.handle = self->h1;
	sh->w.signals = R;
	sh->w.timeout_ns = 20ULL * 1000 * 1000 * 1000;
	sh->w.satisfied = 0x5a5a;
	sh->w.satisfiable = 0xa5a5;
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		sh->started = 1;
		sh->ret = mojo_test_ioctl(self->node, MOJO_IOC_WAIT, &sh->w);
		_exit(0);
	}
	while (!sh->started)
		usleep(1000);
	usleep(200 * 1000);	/* inside the wait */
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ(0, mojo_close(self->node, self->h1));
	ASSERT_EQ(0, kill(pid, SIGCONT));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
#ifdef MOJO_TEST_VIA_URING
	EXPECT_EQ(-EINTR, sh->ret);
#else
	EXPECT_EQ(-EBADF, sh->ret);
#endif
	EXPECT_EQ(0x5a5a, sh->w.satisfied);
	EXPECT_EQ(0xa5a5, sh->w.satisfiable);
	/* The time left, written when it was stopped. */
	EXPECT_GT(sh->w.timeout_ns, 0);
	EXPECT_LT(sh->w.timeout_ns, 20ULL * 1000 * 1000 * 1000);
}

static void on_alarm(int sig)
{
}

TEST_F(contract, an_interrupted_infinite_wait_writes_nothing)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct mojo_signals_args w = {
		.handle = self->h1, .signals = R,
		.timeout_ns = MOJO_TIMEOUT_INFINITE,
		.satisfied = 0x5a5a, .satisfiable = 0xa5a5,
	};

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ualarm(50000, 0);
	EXPECT_EQ(-EINTR, mojo_test_ioctl(self->node, MOJO_IOC_WAIT, &w));
	EXPECT_EQ(MOJO_TIMEOUT_INFINITE, w.timeout_ns);
	EXPECT_EQ(0x5a5a, w.satisfied);
	EXPECT_EQ(0xa5a5, w.satisfiable);
}

TEST_F(contract, a_wait_that_times_out_reports_signals_but_not_its_time)
{
	struct mojo_signals_args w = {
		.handle = self->h1, .signals = R, .timeout_ns = 10 * 1000 * 1000,
	};

	EXPECT_EQ(-ETIMEDOUT, mojo_test_ioctl(self->node, MOJO_IOC_WAIT, &w));
	EXPECT_EQ(10 * 1000 * 1000, w.timeout_ns);
	EXPECT_EQ(W, w.satisfied);
	EXPECT_EQ(R | W | PC | QE | PR, w.satisfiable);
}

TEST_F(contract, a_satisfied_wait_leaves_its_timeout)
{
	struct mojo_signals_args w = {
		.handle = self->h0, .signals = W, .timeout_ns = 5ULL * 1000 * 1000 * 1000,
	};

	EXPECT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_WAIT, &w));
	EXPECT_EQ(5ULL * 1000 * 1000 * 1000, w.timeout_ns);
	EXPECT_EQ(W, w.satisfied);
}

TEST_F(contract, an_unsatisfiable_wait_leaves_its_timeout)
{
	struct mojo_signals_args w = {
		.handle = self->h1, .signals = R, .timeout_ns = 5ULL * 1000 * 1000 * 1000,
	};

	ASSERT_EQ(0, mojo_close(self->node, self->h0));
	EXPECT_EQ(-EPIPE, mojo_test_ioctl(self->node, MOJO_IOC_WAIT, &w));
	EXPECT_EQ(5ULL * 1000 * 1000 * 1000, w.timeout_ns);
	EXPECT_EQ(PC, w.satisfied);
	EXPECT_EQ(PC, w.satisfiable);
}

/* A timeout that runs out before the wait gets going still looks first. */
TEST_F(contract, a_wait_with_no_time_left_still_looks_at_the_handle)
{
	struct mojo_signals_args w = {
		.handle = self->h0, .signals = W, .timeout_ns = 1,
	};

	EXPECT_EQ(0, mojo_test_ioctl(self->node, MOJO_IOC_WAIT, &w));
	EXPECT_EQ(W, w.satisfied);
	w.signals = R;
	w.satisfied = 0;
	EXPECT_EQ(-ETIMEDOUT, mojo_test_ioctl(self->node, MOJO_IOC_WAIT, &w));
	EXPECT_EQ(W, w.satisfied);
	EXPECT_EQ(1, w.timeout_ns);
}

/* ---- 9. Handle numbers are not reused ----------------------------------- */

TEST_F(contract, a_closed_handle_number_is_not_reused)
{
	uint32_t old0 = self->h0, old1 = self->h1, a, b;
	int i;

	ASSERT_EQ(0, mojo_close(self->node, old0));
	ASSERT_EQ(0, mojo_close(self->node, old1));
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(0, mojo_create_message_pipe(self->node, &a, &b));
		ASSERT_NE(old0, a);
		ASSERT_NE(old0, b);
		ASSERT_NE(old1, a);
		ASSERT_NE(old1, b);
		ASSERT_EQ(0, mojo_close(self->node, a));
		ASSERT_EQ(0, mojo_close(self->node, b));
	}
	EXPECT_EQ(-EBADF, mojo_close(self->node, old0));
	EXPECT_EQ(-EBADF, mojo_test_write_str(self->node, old1, "stale"));
}

TEST_F(contract, handle_numbers_are_positive_ints)
{
	uint32_t a, b;

	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &a, &b));
	EXPECT_GT(a, 0);
	EXPECT_LE(a, INT32_MAX);
	EXPECT_GT(b, 0);
	EXPECT_LE(b, INT32_MAX);
}

/* ---- 11. One predicate for QUOTA_EXCEEDED, WRITABLE and the write ------- */

TEST_F(contract, a_queue_at_its_byte_quota_is_full_for_everyone)
{
	char big[100] = { 0 };

	ASSERT_EQ(0, mojo_set_quota(self->node, self->h1, 100, 150));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, big, 100, NULL, 0));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, big, 50, NULL, 0));
	/* Exactly at the quota: full, whatever the size of the next write. */
	EXPECT_EQ(R | W | QE, mojo_test_signals(self->node, self->h1));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->h0));
	EXPECT_EQ(-ENOSPC, mojo_write_message(self->node, self->h0, big, 1, NULL, 0));
	EXPECT_EQ(-ENOSPC, mojo_write_message(self->node, self->h0, NULL, 0, NULL, 0));
}

TEST_F(contract, a_queue_below_its_byte_quota_takes_any_message)
{
	char big[100] = { 0 };

	ASSERT_EQ(0, mojo_set_quota(self->node, self->h1, 100, 150));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, big, 100, NULL, 0));
	/* WRITABLE: and indeed a message that crosses the quota goes in. */
	EXPECT_EQ(W, mojo_test_signals(self->node, self->h0));
	EXPECT_EQ(R | W, mojo_test_signals(self->node, self->h1));
	EXPECT_EQ(0, mojo_write_message(self->node, self->h0, big, 100, NULL, 0));
	EXPECT_EQ(R | W | QE, mojo_test_signals(self->node, self->h1));
	EXPECT_EQ(0, mojo_test_signals(self->node, self->h0));
}

/* ---- 7, 10. Decisions the header now states ----------------------------- */

TEST_F(contract, query_signals_does_not_clear_new_data_readable)
{
	uint64_t n = 1;

	ASSERT_EQ(0, mojo_write_data(self->node, self->p, "x", &n, 0));
	EXPECT_EQ(R | MOJO_SIGNAL_NEW_DATA_READABLE,
		  mojo_test_signals(self->node, self->c));
	EXPECT_EQ(R | MOJO_SIGNAL_NEW_DATA_READABLE,
		  mojo_test_signals(self->node, self->c));
	EXPECT_EQ(1, readable_bytes(self->node, self->c));
	EXPECT_EQ(R | MOJO_SIGNAL_NEW_DATA_READABLE,
		  mojo_test_signals(self->node, self->c));
}

TEST_F(contract, readable_below_the_threshold_once_the_producer_closed)
{
	uint64_t n = 700;
	char buf[700] = { 0 };

	ASSERT_EQ(0, mojo_set_data_pipe_threshold(self->node, self->c, 1000));
	ASSERT_EQ(0, mojo_write_data(self->node, self->p, buf, &n, 0));
	EXPECT_EQ(MOJO_SIGNAL_NEW_DATA_READABLE,
		  mojo_test_signals(self->node, self->c));
	ASSERT_EQ(0, mojo_close(self->node, self->p));
	/* No more will come: the last bytes are READABLE, with PEER_CLOSED. */
	EXPECT_EQ(R | MOJO_SIGNAL_NEW_DATA_READABLE | PC,
		  mojo_test_signals(self->node, self->c));
	ASSERT_EQ(0, mojo_read_data(self->node, self->c, buf, &n, 0));
	EXPECT_EQ(PC, mojo_test_signals(self->node, self->c));
}

TEST_F(contract, an_endpoint_that_has_read_may_be_fused)
{
	uint32_t a0, a1;
	char buf[8];

	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "old"));
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &a0, &a1));
	ASSERT_EQ(0, mojo_fuse_message_pipes(self->node, self->h1, a0));
	ASSERT_EQ(0, mojo_test_write_str(self->node, a1, "new"));
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h0, buf, sizeof(buf)));
	EXPECT_STREQ("new", buf);
}

TEST_F(contract, the_quota_travels_with_the_endpoint)
{
	int other = mojo_open_node();
	uint32_t moved;

	ASSERT_GE(other, 0);
	ASSERT_EQ(0, mojo_set_quota(self->node, self->h1, 1, 1 << 20));
	ASSERT_EQ(0, mojo_test_move(self->node, self->h1, other, &moved));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "1"));
	EXPECT_EQ(-ENOSPC, mojo_test_write_str(self->node, self->h0, "2"));
	close(other);
}

/* ---- The order of checks (the header's "Order", under Errors) ---------- */

TEST_F(contract, an_unknown_number_is_enotty_whatever_its_struct)
{
	const unsigned long unknown = _IOWR(MOJO_IOC_MAGIC, 0x3f,
					    struct mojo_handle_args);
	void *bad = mojo_test_unmapped();

	ASSERT_NE(NULL, bad);
	EXPECT_EQ(-ENOTTY, mojo_test_ioctl(self->node, unknown, bad));
}

TEST_F(contract, flags_are_checked_before_the_handle)
{
	struct mojo_handle_args a = { .handle = self->h0, .flags = 1 };

	ASSERT_EQ(0, mojo_close(self->node, self->h0));
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_CLOSE, &a));
}

TEST_F(contract, read_message_checks_creds_before_the_handle)
{
	struct mojo_sender_creds c;
	struct mojo_read_message_args r = {
		.handle = self->h1, .creds = (uintptr_t)&c,
	};

	ASSERT_EQ(0, mojo_close(self->node, self->h1));
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_READ_MESSAGE, &r));
	r.creds = 0;
	r.flags = MOJO_READ_MESSAGE_SENDER_CREDS << 1;
	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node, MOJO_IOC_READ_MESSAGE, &r));
}

/* EMSGSIZE is the message's state (step 6), unwritable creds step 7. */
TEST_F(contract, read_message_reports_emsgsize_before_unwritable_creds)
{
	struct mojo_read_message_args r = {
		.handle = self->h1, .flags = MOJO_READ_MESSAGE_SENDER_CREDS,
		.creds = (uintptr_t)mojo_test_readonly_page(),
	};
	char buf[8];

	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "big"));
	EXPECT_EQ(-EMSGSIZE, mojo_test_ioctl(self->node, MOJO_IOC_READ_MESSAGE, &r));
	EXPECT_EQ(3, r.num_bytes);
	r.bytes = (uintptr_t)buf;
	r.num_bytes = sizeof(buf);
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->node, MOJO_IOC_READ_MESSAGE, &r));
	EXPECT_EQ(sizeof(buf), r.num_bytes);
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	EXPECT_STREQ("big", buf);
}

TEST_F(contract, handles_are_checked_field_by_field)
{
	uint32_t t;

	ASSERT_EQ(0, mojo_create_trap(self->node, &t));
	ASSERT_EQ(0, mojo_close(self->node, self->h1));
	/* @trap of the wrong kind comes before an unknown @handle... */
	EXPECT_EQ(-EINVAL, mojo_add_trigger(self->node, self->h0, self->h1, R,
					    MOJO_TRIGGER_SATISFIED, 1));
	/* ...and an unknown @trap before a @handle of the wrong kind. */
	EXPECT_EQ(-EBADF, mojo_add_trigger(self->node, self->h1, t, R,
					   MOJO_TRIGGER_SATISFIED, 1));
}

TEST_F(contract, fuse_reports_an_unknown_handle_before_a_wrong_kind)
{
	uint32_t t;

	ASSERT_EQ(0, mojo_create_trap(self->node, &t));
	ASSERT_EQ(0, mojo_close(self->node, self->h1));
	EXPECT_EQ(-EBADF, mojo_fuse_message_pipes(self->node, t, self->h1));
	EXPECT_EQ(-EINVAL, mojo_fuse_message_pipes(self->node, t, self->h0));
}

TEST_F(contract, a_value_judged_against_its_object_comes_after_the_handle)
{
	struct mojo_data_pipe_info_args t = {
		.handle = self->c, .read_threshold = 4097,	/* > capacity */
	};

	EXPECT_EQ(-EINVAL, mojo_test_ioctl(self->node,
					   MOJO_IOC_DATA_PIPE_SET_THRESHOLD, &t));
	ASSERT_EQ(0, mojo_close(self->node, self->c));
	EXPECT_EQ(-EBADF, mojo_test_ioctl(self->node,
					  MOJO_IOC_DATA_PIPE_SET_THRESHOLD, &t));
}

TEST_F(contract, a_two_phase_write_is_ebusy_before_a_closed_consumer)
{
	uint64_t off, size, n = 1;

	ASSERT_EQ(0, mojo_begin_write_data(self->node, self->p, &off, &size));
	ASSERT_EQ(0, mojo_close(self->node, self->c));
	EXPECT_EQ(-EBUSY, mojo_write_data(self->node, self->p, "x", &n, 0));
}

TEST_F(contract, end_without_begin_is_enoent_whatever_the_count)
{
	EXPECT_EQ(-ENOENT, mojo_end_write_data(self->node, self->p, 5000));
	EXPECT_EQ(-ENOENT, mojo_end_read_data(self->node, self->c, 3));
}

TEST_F(contract, a_readonly_struct_does_not_hide_a_bad_handle)
{
	struct mojo_read_message_args r = { .handle = self->h1 };
	void *ro;

	ASSERT_EQ(0, mojo_close(self->node, self->h1));
	ro = ro_copy(&r, sizeof(r));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EBADF, mojo_test_ioctl(self->node, MOJO_IOC_READ_MESSAGE, ro));
}

TEST_F(contract, a_readonly_struct_keeps_an_error_that_reports_nothing)
{
	struct mojo_read_message_args r = { .handle = self->h1 };
	void *ro = ro_copy(&r, sizeof(r));

	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EAGAIN, mojo_test_ioctl(self->node, MOJO_IOC_READ_MESSAGE, ro));
}

TEST_F(contract, a_readonly_struct_turns_an_error_that_reports_into_efault)
{
	struct mojo_read_message_args r = { .handle = self->h1 };
	char buf[8];
	void *ro;

	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "big"));
	ro = ro_copy(&r, sizeof(r));
	ASSERT_NE(NULL, ro);
	/* EMSGSIZE would report the sizes; they cannot be written. */
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->node, MOJO_IOC_READ_MESSAGE, ro));
	ASSERT_EQ(0, mojo_test_read_str(self->node, self->h1, buf, sizeof(buf)));
	EXPECT_STREQ("big", buf);
}

TEST_F(contract, export_reports_its_fd_before_it_looks_at_the_handle)
{
	struct mojo_export_args e = { .handle = self->h0 };
	int fds = count_fds();
	void *ro;

	ASSERT_EQ(0, mojo_close(self->node, self->h0));
	ro = ro_copy(&e, sizeof(e));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->node, MOJO_IOC_EXPORT, ro));
	EXPECT_EQ(fds, count_fds());
	/* Writable, the struct gets as far as the handle. */
	EXPECT_EQ(-EBADF, mojo_test_ioctl(self->node, MOJO_IOC_EXPORT, &e));
	EXPECT_EQ(fds, count_fds());
}

TEST_F(contract, write_message_reads_its_payload_before_it_looks_at_the_handle)
{
	struct mojo_write_message_args w = { .handle = self->h0, .num_bytes = 1 };

	w.bytes = (uintptr_t)mojo_test_unmapped();
	ASSERT_NE(0, w.bytes);
	ASSERT_EQ(0, mojo_close(self->node, self->h0));
	EXPECT_EQ(-EFAULT, mojo_test_ioctl(self->node, MOJO_IOC_WRITE_MESSAGE, &w));
	/* No payload to read: the handle shows. */
	w.num_bytes = 0;
	EXPECT_EQ(-EBADF, mojo_test_ioctl(self->node, MOJO_IOC_WRITE_MESSAGE, &w));
}

/* ---- DATA_PIPE_INFO reports both thresholds ---------------------------- */

TEST_F(contract, info_reports_both_thresholds_on_either_end)
{
	struct mojo_data_pipe_info_args pi, ci;

	ASSERT_EQ(0, mojo_set_data_pipe_threshold(self->node, self->c, 16));
	ASSERT_EQ(0, mojo_set_data_pipe_threshold(self->node, self->p, 32));
	ASSERT_EQ(0, mojo_data_pipe_info(self->node, self->p, &pi));
	ASSERT_EQ(0, mojo_data_pipe_info(self->node, self->c, &ci));
	EXPECT_EQ(16, pi.read_threshold);
	EXPECT_EQ(32, pi.write_threshold);
	EXPECT_EQ(16, ci.read_threshold);
	EXPECT_EQ(32, ci.write_threshold);
}

TEST_F(contract, info_reports_a_threshold_never_set_as_zero)
{
	struct mojo_data_pipe_info_args pi, ci;

	ASSERT_EQ(0, mojo_data_pipe_info(self->node, self->p, &pi));
	ASSERT_EQ(0, mojo_data_pipe_info(self->node, self->c, &ci));
	EXPECT_EQ(0, pi.read_threshold);
	EXPECT_EQ(0, pi.write_threshold);
	EXPECT_EQ(0, ci.read_threshold);
	EXPECT_EQ(0, ci.write_threshold);
	/* Set back to 0, it reads 0 again, not the element size. */
	ASSERT_EQ(0, mojo_set_data_pipe_threshold(self->node, self->c, 8));
	ASSERT_EQ(0, mojo_set_data_pipe_threshold(self->node, self->c, 0));
	ASSERT_EQ(0, mojo_data_pipe_info(self->node, self->p, &pi));
	EXPECT_EQ(0, pi.read_threshold);
}

TEST_F(contract, thresholds_stay_with_the_pipe_when_an_end_moves)
{
	struct mojo_data_pipe_info_args pi, ci;
	int other = mojo_open_node();
	uint32_t moved;

	ASSERT_GE(other, 0);
	ASSERT_EQ(0, mojo_set_data_pipe_threshold(self->node, self->c, 16));
	ASSERT_EQ(0, mojo_set_data_pipe_threshold(self->node, self->p, 32));
	ASSERT_EQ(0, mojo_test_move(self->node, self->c, other, &moved));
	ASSERT_EQ(0, mojo_data_pipe_info(other, moved, &ci));
	ASSERT_EQ(0, mojo_data_pipe_info(self->node, self->p, &pi));
	EXPECT_EQ(16, ci.read_threshold);
	EXPECT_EQ(32, ci.write_threshold);
	EXPECT_EQ(16, pi.read_threshold);
	close(other);
}

/* ---- A cancellation reports no signals ---------------------------------- */

/* The one event queued on the node: a cancellation of @context. */
static void expect_bare_cancellation(struct __test_metadata *_metadata,
				     int node, uint64_t context)
{
	struct mojo_trap_event ev[2];

	ASSERT_EQ(1, mojo_read_trap_events(node, ev, 2));
	EXPECT_EQ(context, ev[0].context);
	EXPECT_EQ(-ECANCELED, ev[0].result);
	EXPECT_EQ(0, ev[0].satisfied);
	EXPECT_EQ(0, ev[0].satisfiable);
}

TEST_F(contract, a_cancellation_by_close_reports_no_signals)
{
	uint32_t t;

	ASSERT_EQ(0, mojo_create_trap(self->node, &t));
	ASSERT_EQ(0, mojo_add_trigger(self->node, t, self->h1, R,
				      MOJO_TRIGGER_SATISFIED, 5));
	ASSERT_EQ(0, mojo_close(self->node, self->h1));
	expect_bare_cancellation(_metadata, self->node, 5);
}

TEST_F(contract, a_cancellation_by_transfer_reports_no_signals)
{
	uint32_t t, q0, q1;

	ASSERT_EQ(0, mojo_create_trap(self->node, &t));
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	ASSERT_EQ(0, mojo_add_trigger(self->node, t, q1, W,
				      MOJO_TRIGGER_SATISFIED, 6));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0, &q1, 1));
	expect_bare_cancellation(_metadata, self->node, 6);
}

TEST_F(contract, a_cancellation_by_remove_trigger_reports_no_signals)
{
	uint32_t t;

	ASSERT_EQ(0, mojo_create_trap(self->node, &t));
	ASSERT_EQ(0, mojo_add_trigger(self->node, t, self->h0, W,
				      MOJO_TRIGGER_SATISFIED, 7));
	ASSERT_EQ(0, mojo_remove_trigger(self->node, t, 7));
	expect_bare_cancellation(_metadata, self->node, 7);
}

TEST_F(contract, a_cancellation_by_closing_the_trap_reports_no_signals)
{
	uint32_t t;

	ASSERT_EQ(0, mojo_create_trap(self->node, &t));
	ASSERT_EQ(0, mojo_add_trigger(self->node, t, self->c, R,
				      MOJO_TRIGGER_SATISFIED, 8));
	ASSERT_EQ(0, mojo_close(self->node, t));
	expect_bare_cancellation(_metadata, self->node, 8);
}

TEST_F(contract, a_cancellation_replaces_an_unread_event_with_no_signals)
{
	uint32_t t;

	ASSERT_EQ(0, mojo_create_trap(self->node, &t));
	ASSERT_EQ(0, mojo_add_trigger(self->node, t, self->h1, R,
				      MOJO_TRIGGER_SATISFIED, 9));
	ASSERT_EQ(0, mojo_arm_trap(self->node, t, NULL));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "fire"));
	/* Fired (R | W), not read; then the handle closes. */
	ASSERT_EQ(0, mojo_close(self->node, self->h1));
	expect_bare_cancellation(_metadata, self->node, 9);
}

/* ---- The default quota ----------------------------------------------------- */

TEST_F(contract, a_new_endpoint_takes_default_queue_msgs_messages)
{
	long msgs = mojo_test_read_long(MOJO_PARAM("default_queue_msgs"));
	long i;

	if (msgs < 1 || msgs > 65536)
		SKIP(return, "default_queue_msgs is %ld", msgs);
	for (i = 0; i < msgs; i++)
		ASSERT_EQ(0, mojo_write_message(self->node, self->h0, NULL, 0,
						NULL, 0));
	EXPECT_EQ(-ENOSPC, mojo_write_message(self->node, self->h0, NULL, 0,
					      NULL, 0));
	EXPECT_EQ(R | W | QE, mojo_test_signals(self->node, self->h1));
}

TEST_F(contract, a_new_endpoint_is_full_at_default_queue_bytes)
{
	long bytes = mojo_test_read_long(MOJO_PARAM("default_queue_bytes"));
	long msgs = mojo_test_read_long(MOJO_PARAM("default_queue_msgs"));
	long chunk = mojo_test_read_long(MOJO_PARAM("max_message_bytes"));
	long queued = 0;
	char *buf;

	if (bytes < 1 || msgs < 1 || chunk < 1 || bytes > (64L << 20) ||
	    (bytes + chunk - 1) / chunk >= msgs)
		SKIP(return, "default_queue_bytes %ld, default_queue_msgs %ld, max_message_bytes %ld",
		     bytes, msgs, chunk);
	buf = calloc(1, chunk);
	ASSERT_NE(NULL, buf);
	/* Below the quota any message goes in; at it, none. */
	while (queued < bytes) {
		ASSERT_EQ(0, mojo_write_message(self->node, self->h0, buf, chunk,
						NULL, 0));
		queued += chunk;
	}
	EXPECT_EQ(R | W | QE, mojo_test_signals(self->node, self->h1));
	EXPECT_EQ(-ENOSPC, mojo_write_message(self->node, self->h0, NULL, 0,
					      NULL, 0));
	free(buf);
}

TEST_F(contract, changing_the_default_quota_spares_existing_endpoints)
{
	uint32_t a0, a1;
	int i;

	self->param = MOJO_PARAM("default_queue_msgs");
	self->saved = mojo_test_read_long(self->param);
	if (self->saved < 3 || mojo_test_write_long(self->param, 2)) {
		self->param = NULL;
		SKIP(return, "cannot set default_queue_msgs");
	}
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &a0, &a1));
	/* The fixture's pipe keeps the quota it was created with. */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "q"));
	/* The new one has the new default. */
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, mojo_test_write_str(self->node, a0, "q"));
	EXPECT_EQ(-ENOSPC, mojo_test_write_str(self->node, a0, "q"));
}

/* ---- A met trigger added to an armed trap ------------------------------- */

TEST_F(contract, a_met_trigger_added_to_an_armed_trap_fires_it)
{
	struct mojo_trap_event ev[2];
	uint32_t t;

	ASSERT_EQ(0, mojo_create_trap(self->node, &t));
	ASSERT_EQ(0, mojo_add_trigger(self->node, t, self->h1, R,
				      MOJO_TRIGGER_SATISFIED, 1));
	ASSERT_EQ(0, mojo_arm_trap(self->node, t, NULL));
	ASSERT_EQ(0, mojo_add_trigger(self->node, t, self->h0, W,
				      MOJO_TRIGGER_SATISFIED, 2));
	ASSERT_EQ(1, mojo_read_trap_events(self->node, ev, 2));
	EXPECT_EQ(2, ev[0].context);
	EXPECT_EQ(0, ev[0].result);
	EXPECT_EQ(W, ev[0].satisfied);
	EXPECT_EQ(R | W | PC | QE | PR, ev[0].satisfiable);
	/* It fired, so it is disarmed: arming reports the trigger again. */
	EXPECT_EQ(-EALREADY, mojo_arm_trap(self->node, t, ev));
	EXPECT_EQ(2, ev[0].context);
}

TEST_F(contract, an_unsatisfiable_trigger_added_to_an_armed_trap_fires_it)
{
	struct mojo_trap_event ev[2];
	uint32_t t;

	ASSERT_EQ(0, mojo_create_trap(self->node, &t));
	ASSERT_EQ(0, mojo_add_trigger(self->node, t, self->c, R,
				      MOJO_TRIGGER_SATISFIED, 1));
	ASSERT_EQ(0, mojo_arm_trap(self->node, t, NULL));
	/* Nothing will ever change h1's signals again. */
	ASSERT_EQ(0, mojo_close(self->node, self->h0));
	ASSERT_EQ(0, mojo_add_trigger(self->node, t, self->h1, R,
				      MOJO_TRIGGER_SATISFIED, 2));
	ASSERT_EQ(1, mojo_read_trap_events(self->node, ev, 2));
	EXPECT_EQ(2, ev[0].context);
	EXPECT_EQ(-EPIPE, ev[0].result);
	EXPECT_EQ(PC, ev[0].satisfied);
	EXPECT_EQ(PC, ev[0].satisfiable);
}

TEST_F(contract, a_met_trigger_added_to_an_unarmed_trap_waits_for_arm)
{
	struct mojo_trap_event ev[2];
	uint32_t t;

	ASSERT_EQ(0, mojo_create_trap(self->node, &t));
	ASSERT_EQ(0, mojo_add_trigger(self->node, t, self->h0, W,
				      MOJO_TRIGGER_SATISFIED, 3));
	EXPECT_EQ(-EAGAIN, mojo_read_trap_events(self->node, ev, 2));
	EXPECT_EQ(-EALREADY, mojo_arm_trap(self->node, t, ev));
	EXPECT_EQ(3, ev[0].context);
	EXPECT_EQ(-EAGAIN, mojo_read_trap_events(self->node, ev, 2));
}

/* ---- 12. No errno the header does not list ------------------------------ */

struct toggler {
	atomic_int stop;
	long saved;
};

static void *toggle_max_message_bytes(void *arg)
{
	struct toggler *t = arg;
	int i;

	for (i = 0; !atomic_load(&t->stop); i++)
		mojo_test_write_long(MOJO_PARAM("max_message_bytes"),
				     i & 1 ? t->saved : 16);
	return NULL;
}

/*
 * The write checks the parameter, and delivery used to check it again:
 * root lowering it in between failed an accepted write with -EPROTO.
 */
TEST_F(contract, lowering_max_message_bytes_never_fails_a_write_with_eproto)
{
	struct toggler t = { .saved = mojo_test_read_long(MOJO_PARAM("max_message_bytes")) };
	char msg[512] = { 0 }, buf[512];
	int i, ret, sent = 0, refused = 0;
	uint32_t n, nh;
	pthread_t th;

	ASSERT_GT(t.saved, (long)sizeof(msg));
	self->param = MOJO_PARAM("max_message_bytes");
	self->saved = t.saved;
	ASSERT_EQ(0, pthread_create(&th, NULL, toggle_max_message_bytes, &t));
	for (i = 0; i < 20000; i++) {
		ret = mojo_write_message(self->node, self->h0, msg, sizeof(msg),
					 NULL, 0);
		if (ret == -EMSGSIZE) {
			refused++;
			continue;
		}
		ASSERT_EQ(0, ret);
		sent++;
		n = sizeof(buf);
		nh = 0;
		ASSERT_EQ(0, mojo_read_message(self->node, self->h1, buf, &n,
					       NULL, &nh));
	}
	atomic_store(&t.stop, 1);
	pthread_join(th, NULL);
	ksft_print_msg("%d sent, %d refused with EMSGSIZE\n", sent, refused);
}

TEST_HARNESS_MAIN
