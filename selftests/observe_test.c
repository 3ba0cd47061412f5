// SPDX-License-Identifier: GPL-2.0
/*
 * Observability: the fdinfo of node fds, the tracepoints (through
 * tracefs), the debugfs state, stats and log files, and mojoctl.
 * tracefs, debugfs and mojoctl need root; the VM runs as root.
 */
#include <dirent.h>
#include <pthread.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <liburing.h>

#include "kselftest_harness.h"
#include "mojo_test.h"
#include "mojo_uring_test.h"

#define DEBUG_DIR	"/sys/kernel/debug/mojoports"
#define BIG		(1 << 20)

/* A whole file into a malloc()ed string (NULL: cannot read it). */
static char *slurp(const char *path)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap + 1);
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			if (!buf)
				break;
		}
	}
	close(fd);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* The value of "key:\t" in this process's fdinfo of @fd, or -1. */
static long long fdinfo_num(int fd, const char *key)
{
	char path[64], *s, *p;
	long long v = -1;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	s = slurp(path);
	if (!s)
		return -1;
	p = strstr(s, key);
	if (p && p[strlen(key)] == ':')
		v = strtoll(p + strlen(key) + 1, NULL, 10);
	free(s);
	return v;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

FIXTURE(obs) {
	int fd;
	char name[2 * MOJO_NAME_SIZE + 1];
	char id[17];
};

FIXTURE_SETUP(obs)
{
	uint8_t name[MOJO_NAME_SIZE];

	self->fd = mojo_open_node();
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, mojo_get_node_name(self->fd, name));
	hex(name, MOJO_NAME_SIZE, self->name);
	memcpy(self->id, self->name, 16);
	self->id[16] = '\0';
}

FIXTURE_TEARDOWN(obs)
{
	close(self->fd);
}

/* ---- fdinfo ---- */

TEST_F(obs, fdinfo_names_the_node_and_its_opener)
{
	char path[64], want[96], comm[16] = "", *s;

	ASSERT_EQ(0, prctl(PR_GET_NAME, comm));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", self->fd);
	s = slurp(path);
	ASSERT_NE(NULL, s);
	/* The node's id, as the tracepoints and state name it. */
	snprintf(want, sizeof(want), "mojo-node:\t%s\n", self->id);
	EXPECT_NE(NULL, strstr(s, want)) TH_LOG("%s", s);
	snprintf(want, sizeof(want), "mojo-pid:\t%d\n", getpid());
	EXPECT_NE(NULL, strstr(s, want)) TH_LOG("%s", s);
	snprintf(want, sizeof(want), "mojo-comm:\t%s\n", comm);
	EXPECT_NE(NULL, strstr(s, want)) TH_LOG("%s", s);
	free(s);
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 0;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Its number may be given to another process: shown as 0, comm "-". */
TEST_F(obs, opener_that_exited_shows_as_pid_0)
{
	char path[64], want[128], name[2 * MOJO_NAME_SIZE + 1], *s, *l;
	uint8_t raw[MOJO_NAME_SIZE];
	int sv[2], status, node;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		node = mojo_open_node();
		_exit(node < 0 || send_fd(sv[1], node) ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	node = recv_fd(sv[0]);
	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_get_node_name(node, raw));
	hex(raw, MOJO_NAME_SIZE, name);

	EXPECT_EQ(0, fdinfo_num(node, "mojo-pid"));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", node);
	s = slurp(path);
	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, "mojo-comm:\t-\n")) TH_LOG("%s", s);
	free(s);
	if (!access(DEBUG_DIR, F_OK)) {
		s = slurp(DEBUG_DIR "/state");
		ASSERT_NE(NULL, s);
		snprintf(want, sizeof(want), "node %s ", name);
		l = strstr(s, want);
		ASSERT_NE(NULL, l) TH_LOG("%s", s);
		EXPECT_EQ(0, strncmp(strstr(l, " pid="), " pid=0 comm=- ", 14))
			TH_LOG("%s", s);
		free(s);
	}
	close(node);
	close(sv[0]);
	close(sv[1]);
}

/*
 * fdinfo numbers the opener in the pid namespace of the procfs it is
 * read through, not in the reader's: a process in a new pid namespace
 * reading the initial namespace's /proc sees our number.
 */
TEST_F(obs, fdinfo_numbers_the_opener_in_the_procfs_namespace)
{
	int status;
	pid_t pid, me = getpid();

	if (unshare(CLONE_NEWPID))
		SKIP(return, "no pid namespaces: %s", strerror(errno));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(fdinfo_num(self->fd, "mojo-pid") == me ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
}

TEST_F(obs, fdinfo_counts_handles_by_kind)
{
	uint32_t a, b, p, c, t;

	EXPECT_EQ(0, fdinfo_num(self->fd, "mojo-handles"));
	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &a, &b));
	EXPECT_EQ(2, fdinfo_num(self->fd, "mojo-handles"));
	EXPECT_EQ(2, fdinfo_num(self->fd, "mojo-message-pipes"));
	ASSERT_EQ(0, mojo_create_data_pipe(self->fd, 1, 4096, &p, &c));
	EXPECT_EQ(1, fdinfo_num(self->fd, "mojo-data-producers"));
	EXPECT_EQ(1, fdinfo_num(self->fd, "mojo-data-consumers"));
	ASSERT_EQ(0, mojo_create_trap(self->fd, &t));
	EXPECT_EQ(1, fdinfo_num(self->fd, "mojo-traps"));
	EXPECT_EQ(5, fdinfo_num(self->fd, "mojo-handles"));
	ASSERT_EQ(0, mojo_close(self->fd, a));
	EXPECT_EQ(1, fdinfo_num(self->fd, "mojo-message-pipes"));
}

TEST_F(obs, fdinfo_counts_queued_messages_and_bytes)
{
	uint32_t a, b, n = 64;
	char buf[64];

	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &a, &b));
	ASSERT_EQ(0, mojo_write_message(self->fd, a, "hello", 5, NULL, 0));
	ASSERT_EQ(0, mojo_write_message(self->fd, a, "seven!!", 7, NULL, 0));
	EXPECT_EQ(2, fdinfo_num(self->fd, "mojo-queued-messages"));
	EXPECT_EQ(12, fdinfo_num(self->fd, "mojo-queued-bytes"));
	ASSERT_EQ(0, mojo_read_message(self->fd, b, buf, &n, NULL, NULL));
	EXPECT_EQ(1, fdinfo_num(self->fd, "mojo-queued-messages"));
	EXPECT_EQ(7, fdinfo_num(self->fd, "mojo-queued-bytes"));
}

TEST_F(obs, fdinfo_counts_readable_data)
{
	uint32_t p, c;
	uint64_t n = 100;
	char buf[100] = { 0 };

	ASSERT_EQ(0, mojo_create_data_pipe(self->fd, 1, 4096, &p, &c));
	EXPECT_EQ(0, fdinfo_num(self->fd, "mojo-data-readable"));
	ASSERT_EQ(0, mojo_write_data(self->fd, p, buf, &n, 0));
	EXPECT_EQ(100, fdinfo_num(self->fd, "mojo-data-readable"));
}

TEST_F(obs, fdinfo_shows_only_its_own_node)
{
	int other = mojo_open_node();
	uint8_t name[MOJO_NAME_SIZE];
	char oname[2 * MOJO_NAME_SIZE + 1], path[64], *s;
	uint32_t a, b;

	ASSERT_GE(other, 0);
	ASSERT_EQ(0, mojo_get_node_name(other, name));
	hex(name, MOJO_NAME_SIZE, oname);
	/* One end in each node. */
	ASSERT_EQ(0, mojo_create_message_pipe(other, &a, &b));
	ASSERT_EQ(0, mojo_write_message(other, a, "x", 1, NULL, 0));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", self->fd);
	s = slurp(path);
	ASSERT_NE(NULL, s);
	EXPECT_EQ(NULL, strstr(s, oname));
	EXPECT_EQ(0, fdinfo_num(self->fd, "mojo-handles"));
	EXPECT_EQ(0, fdinfo_num(self->fd, "mojo-queued-messages"));
	free(s);
	close(other);
}

/* ---- tracepoints ---- */

static const char *tracefs(void)
{
	static const char * const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[96];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/events/mojoports", dirs[i]);
		if (!access(path, F_OK))
			return dirs[i];
	}
	mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL);
	if (!access("/sys/kernel/tracing/events/mojoports", F_OK))
		return dirs[0];
	return NULL;
}

static int put(const char *dir, const char *file, const char *s)
{
	char path[160];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Start tracing every mojoports event into an empty buffer. */
static int trace_on(const char **dir)
{
	*dir = tracefs();
	if (!*dir)
		return -ENOENT;
	put(*dir, "tracing_on", "0");
	put(*dir, "trace", "");
	put(*dir, "buffer_size_kb", "1024");
	if (put(*dir, "events/mojoports/enable", "1"))
		return -EIO;
	return put(*dir, "tracing_on", "1");
}

/* Stop, and the buffer's text. */
static char *trace_off(const char *dir)
{
	char path[160];

	put(dir, "events/mojoports/enable", "0");
	snprintf(path, sizeof(path), "%s/trace", dir);
	return slurp(path);
}

/* A line of @trace with event @ev and every one of the words in @want. */
static bool has_event(const char *trace, const char *ev, const char *want1,
		      const char *want2)
{
	char key[64];
	const char *p = trace, *end;
	char line[1024];
	size_t n;

	snprintf(key, sizeof(key), " %s: ", ev);
	while ((p = strstr(p, key))) {
		const char *start = p;

		while (start > trace && start[-1] != '\n')
			start--;
		end = strchr(p, '\n');
		n = end ? (size_t)(end - start) : strlen(start);
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, start, n);
		line[n] = '\0';
		if ((!want1 || strstr(line, want1)) &&
		    (!want2 || strstr(line, want2)))
			return true;
		p += strlen(key);
	}
	return false;
}

#define TRACE_START(dir)						\
	do {								\
		int __r = trace_on(&dir);				\
		if (__r == -ENOENT)					\
			SKIP(return, "no tracefs with events/mojoports"); \
		ASSERT_EQ(0, __r);					\
	} while (0)

TEST_F(obs, trace_node_create_and_release)
{
	uint8_t name[MOJO_NAME_SIZE];
	char id[2 * MOJO_NAME_SIZE + 1], w1[64], w2[32];
	const char *dir;
	char *t;
	int node;

	TRACE_START(dir);
	node = mojo_open_node();
	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_get_node_name(node, name));
	close(node);
	t = trace_off(dir);
	ASSERT_NE(NULL, t);
	hex(name, 8, id);
	snprintf(w1, sizeof(w1), "node=%s", id);
	snprintf(w2, sizeof(w2), "pid=%d ", getpid());
	EXPECT_TRUE(has_event(t, "mojo_node_create", w1, w2)) TH_LOG("%s", t);
	EXPECT_TRUE(has_event(t, "mojo_node_release", w1, "handles=0"));
	free(t);
}

TEST_F(obs, trace_message_write_deliver_read)
{
	char w1[96], w2[96], buf[16];
	uint32_t a, b, n = sizeof(buf);
	const char *dir;
	char *t;

	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &a, &b));
	TRACE_START(dir);
	ASSERT_EQ(0, mojo_write_message(self->fd, a, "hello", 5, NULL, 0));
	ASSERT_EQ(0, mojo_read_message(self->fd, b, buf, &n, NULL, NULL));
	t = trace_off(dir);
	ASSERT_NE(NULL, t);
	snprintf(w1, sizeof(w1), "node=%s handle=%u ", self->id, a);
	EXPECT_TRUE(has_event(t, "mojo_msg_write", w1,
			      "seq=1 bytes=5 handles=0")) TH_LOG("%s", t);
	EXPECT_TRUE(has_event(t, "mojo_msg_deliver", "seq=1 bytes=5 handles=0",
			      "queued_msgs=1 queued_bytes=5"));
	snprintf(w2, sizeof(w2), "node=%s handle=%u ", self->id, b);
	EXPECT_TRUE(has_event(t, "mojo_msg_read", w2,
			      "seq=1 bytes=5 handles=0 queued_msgs=0"));
	free(t);
}

TEST_F(obs, trace_port_create_close_and_peer_closed)
{
	uint32_t a, b;
	const char *dir;
	char *t;

	TRACE_START(dir);
	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &a, &b));
	ASSERT_EQ(0, mojo_write_message(self->fd, a, "x", 1, NULL, 0));
	ASSERT_EQ(0, mojo_close(self->fd, a));
	t = trace_off(dir);
	ASSERT_NE(NULL, t);
	EXPECT_TRUE(has_event(t, "mojo_port_create", "port=", "peer="));
	EXPECT_TRUE(has_event(t, "mojo_port_close", "last_seq=1",
			      "dropped_msgs=0")) TH_LOG("%s", t);
	EXPECT_TRUE(has_event(t, "mojo_peer_closed", "peer_last_seq=1",
			      "queued_msgs=1"));
	free(t);
}

/* A fuse: the two handles, what flowed each way, then b's and c's closes. */
TEST_F(obs, trace_fuse)
{
	uint32_t a, b, c, d;
	char w[96];
	const char *dir;
	char *t;

	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &a, &b));
	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &c, &d));
	ASSERT_EQ(0, mojo_write_message(self->fd, a, "x", 1, NULL, 0));
	ASSERT_EQ(0, mojo_write_message(self->fd, a, "y", 1, NULL, 0));
	TRACE_START(dir);
	ASSERT_EQ(0, mojo_fuse_message_pipes(self->fd, b, c));
	t = trace_off(dir);
	ASSERT_NE(NULL, t);
	snprintf(w, sizeof(w), "node=%s handle0=%u handle1=%u ", self->id, b, c);
	EXPECT_TRUE(has_event(t, "mojo_fuse", w, "to_d=2 to_a=0")) TH_LOG("%s", t);
	EXPECT_TRUE(has_event(t, "mojo_port_close", "dropped_msgs=0", NULL));
	free(t);
}

TEST_F(obs, trace_port_transfer_in_message_and_export)
{
	uint32_t a, b, c, d, got, n = 16, nh = 1, imp;
	char w[96], buf[16];
	const char *dir;
	char *t;
	int fd;

	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &a, &b));
	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &c, &d));
	TRACE_START(dir);
	ASSERT_EQ(0, mojo_write_message(self->fd, a, "h", 1, &c, 1));
	ASSERT_EQ(0, mojo_read_message(self->fd, b, buf, &n, &got, &nh));
	fd = mojo_export_handle(self->fd, d);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mojo_import_handle(self->fd, fd, &imp));
	t = trace_off(dir);
	ASSERT_NE(NULL, t);
	snprintf(w, sizeof(w), "node=%s handle=%u ", self->id, c);
	EXPECT_TRUE(has_event(t, "mojo_port_send", w, NULL)) TH_LOG("%s", t);
	snprintf(w, sizeof(w), "node=%s handle=%u ", self->id, got);
	EXPECT_TRUE(has_event(t, "mojo_port_receive", w, NULL));
	snprintf(w, sizeof(w), "node=%s handle=%u ", self->id, d);
	EXPECT_TRUE(has_event(t, "mojo_export", w, NULL));
	snprintf(w, sizeof(w), "node=%s handle=%u ", self->id, imp);
	EXPECT_TRUE(has_event(t, "mojo_import", w, NULL));
	EXPECT_TRUE(has_event(t, "mojo_msg_write", "handles=1", NULL));
	close(fd);
}

TEST_F(obs, trace_quota_refusal)
{
	uint32_t a, b;
	const char *dir;
	char *t;

	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &a, &b));
	ASSERT_EQ(0, mojo_set_quota(self->fd, b, 1, 1000));
	ASSERT_EQ(0, mojo_write_message(self->fd, a, "one", 3, NULL, 0));
	TRACE_START(dir);
	ASSERT_EQ(-ENOSPC, mojo_write_message(self->fd, a, "two", 3, NULL, 0));
	t = trace_off(dir);
	ASSERT_NE(NULL, t);
	EXPECT_TRUE(has_event(t, "mojo_quota_refused", "queued_msgs=1/1",
			      "queued_bytes=3/1000")) TH_LOG("%s", t);
	EXPECT_FALSE(has_event(t, "mojo_msg_write", NULL, NULL));
	free(t);
}

TEST_F(obs, trace_data_pipe_commits)
{
	uint64_t n = 10, m = 4;
	char buf[16] = "0123456789", w[96];
	uint32_t p, c;
	const char *dir;
	char *t;

	ASSERT_EQ(0, mojo_create_data_pipe(self->fd, 1, 4096, &p, &c));
	TRACE_START(dir);
	ASSERT_EQ(0, mojo_write_data(self->fd, p, buf, &n, 0));
	ASSERT_EQ(0, mojo_read_data(self->fd, c, buf, &m, 0));
	t = trace_off(dir);
	ASSERT_NE(NULL, t);
	snprintf(w, sizeof(w), "node=%s handle=%u ", self->id, p);
	EXPECT_TRUE(has_event(t, "mojo_dp_commit", w,
			      "produced=10 avail=10 capacity=4096")) TH_LOG("%s", t);
	snprintf(w, sizeof(w), "node=%s handle=%u ", self->id, c);
	EXPECT_TRUE(has_event(t, "mojo_dp_commit", w, "consumed=4 avail=6"));
	free(t);
}

TEST_F(obs, trace_trap_fire)
{
	struct mojo_trap_event ev;
	uint32_t a, b, trap;
	const char *dir;
	char *t;

	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &a, &b));
	ASSERT_EQ(0, mojo_create_trap(self->fd, &trap));
	ASSERT_EQ(0, mojo_add_trigger(self->fd, trap, b, MOJO_SIGNAL_READABLE,
				      MOJO_TRIGGER_SATISFIED, 4242));
	ASSERT_EQ(0, mojo_arm_trap(self->fd, trap, &ev));
	TRACE_START(dir);
	ASSERT_EQ(0, mojo_write_message(self->fd, a, "x", 1, NULL, 0));
	t = trace_off(dir);
	ASSERT_NE(NULL, t);
	EXPECT_TRUE(has_event(t, "mojo_trap_fire", "context=4242",
			      "result=0")) TH_LOG("%s", t);
	free(t);
}

TEST_F(obs, trace_failed_operation)
{
	const char *dir;
	char *t;

	TRACE_START(dir);
	EXPECT_EQ(-EBADF, mojo_close(self->fd, 0x7ffffff0));
	t = trace_off(dir);
	ASSERT_NE(NULL, t);
	EXPECT_TRUE(has_event(t, "mojo_op_error", "op=close", "err=-9"));
	free(t);
}

TEST_F(obs, trace_uring_park_complete_and_cancel)
{
	struct mojo_read_message_args r1, r2;
	char b1[16], b2[16], w[96];
	struct io_uring ring;
	uint32_t a, b;
	const char *dir;
	char *t;
	int i;

	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &a, &b));
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));
	TRACE_START(dir);
	mojo_test_prep_read(&ring, self->fd, &r1, b, b1, sizeof(b1), 1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	EXPECT_EQ(1, fdinfo_num(self->fd, "mojo-uring-pending"));
	ASSERT_EQ(0, mojo_write_message(self->fd, a, "hi", 2, NULL, 0));
	ASSERT_EQ(0, mojo_test_reap(&ring, NULL));
	EXPECT_EQ(0, fdinfo_num(self->fd, "mojo-uring-pending"));
	/* A second read stays parked until its ring goes away. */
	mojo_test_prep_read(&ring, self->fd, &r2, b, b2, sizeof(b2), 2);
	ASSERT_EQ(1, io_uring_submit(&ring));
	io_uring_queue_exit(&ring);
	/* 6.1 has no cancel hook: the module's reaper looks every 50 ms. */
	for (i = 0; i < 40 && fdinfo_num(self->fd, "mojo-uring-pending"); i++)
		usleep(50000);
	t = trace_off(dir);
	ASSERT_NE(NULL, t);
	snprintf(w, sizeof(w), "node=%s handle=%u op=read_message", self->id, b);
	EXPECT_TRUE(has_event(t, "mojo_uring_park", w, "result=0")) TH_LOG("%s", t);
	EXPECT_TRUE(has_event(t, "mojo_uring_complete", w, "result=0"));
	EXPECT_TRUE(has_event(t, "mojo_uring_cancel", w, "result=-125"));
	free(t);
}

/* ---- debugfs ---- */

static char *state(void)
{
	return slurp(DEBUG_DIR "/state");
}

#define NEED_DEBUGFS()							\
	do {								\
		if (access(DEBUG_DIR, F_OK))				\
			SKIP(return, "no " DEBUG_DIR);			\
	} while (0)

/* The state line of handle @h of the node named @name, or NULL. */
static char *state_port(const char *s, const char *name, uint32_t h)
{
	char key[96], want[32];
	const char *p, *end;
	static char line[1024];

	snprintf(key, sizeof(key), "node %s ", name);
	p = strstr(s, key);
	if (!p)
		return NULL;
	snprintf(want, sizeof(want), "\n  port %u ", h);
	for (;;) {
		p = strchr(p, '\n');
		if (!p || strncmp(p, "\n  ", 3))
			return NULL;
		if (!strncmp(p, want, strlen(want))) {
			end = strchr(p + 1, '\n');
			snprintf(line, sizeof(line), "%.*s",
				 (int)(end ? end - p - 1 : (long)strlen(p + 1)), p + 1);
			return line;
		}
		p++;
	}
}

static long long word_num(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

TEST_F(obs, debugfs_files_are_root_only)
{
	struct stat st;

	NEED_DEBUGFS();
	ASSERT_EQ(0, stat(DEBUG_DIR "/state", &st));
	EXPECT_EQ(0400, st.st_mode & 0777);
	ASSERT_EQ(0, stat(DEBUG_DIR "/stats", &st));
	EXPECT_EQ(0400, st.st_mode & 0777);
	ASSERT_EQ(0, stat(DEBUG_DIR "/log", &st));
	EXPECT_EQ(0400, st.st_mode & 0777);
}

TEST_F(obs, debugfs_state_shows_ports_queues_and_peers)
{
	uint32_t a, b;
	char want[96], *s, *la, *lb, ida[17], idb[17];

	NEED_DEBUGFS();
	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &a, &b));
	ASSERT_EQ(0, mojo_write_message(self->fd, a, "hello", 5, NULL, 0));
	s = state();
	ASSERT_NE(NULL, s);
	snprintf(want, sizeof(want), "node %s reg=", self->name);
	ASSERT_NE(NULL, strstr(s, want)) TH_LOG("%s", s);
	la = state_port(s, self->name, a);
	ASSERT_NE(NULL, la) TH_LOG("%s", s);
	la = strdup(la);
	lb = state_port(s, self->name, b);
	ASSERT_NE(NULL, lb);
	EXPECT_NE(NULL, strstr(la, "kind=msgpipe state=receiving"));
	EXPECT_NE(NULL, strstr(la, "queued=0/0"));
	EXPECT_NE(NULL, strstr(la, "send_seq=2")) TH_LOG("%s", la);
	EXPECT_NE(NULL, strstr(lb, "queued=1/5")) TH_LOG("%s", lb);
	EXPECT_NE(NULL, strstr(lb, "recv_seq=2"));
	/* Each names the other as its peer, in this node. */
	sscanf(strstr(la, "id=") + 3, "%16s", ida);
	sscanf(strstr(lb, "id=") + 3, "%16s", idb);
	snprintf(want, sizeof(want), "peer=%s peer_state=receiving peer_node=%s",
		 idb, self->name);
	EXPECT_NE(NULL, strstr(la, want)) TH_LOG("%s", la);
	snprintf(want, sizeof(want), "peer=%s ", ida);
	EXPECT_NE(NULL, strstr(lb, want));
	free(la);
	free(s);
}

/*
 * A forked child that receives @h (sent over @sv) into a node of its own
 * and holds it until a byte comes back on @sv[0]; returns once it holds
 * it. Return: the child's pid, or -1.
 */
static pid_t hold_in_child(int sv[2], int fd, uint32_t h)
{
	pid_t pid = fork();
	char c;

	if (!pid) {
		int node = mojo_open_node();
		uint32_t got;

		if (node < 0 || mojo_recv_handle(sv[1], node, &got))
			_exit(1);
		if (write(sv[1], "r", 1) != 1 || read(sv[1], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	if (pid < 0 || mojo_send_handle(sv[0], fd, h) || read(sv[0], &c, 1) != 1)
		return -1;
	return pid;
}

TEST_F(obs, debugfs_state_names_the_peer_in_another_process)
{
	int sv[2], status;
	uint32_t a, b;
	char want[96], *s, *l;
	pid_t pid;

	NEED_DEBUGFS();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &a, &b));
	pid = hold_in_child(sv, self->fd, b);
	ASSERT_GT(pid, 0);
	s = state();
	ASSERT_NE(NULL, s);
	l = state_port(s, self->name, a);
	ASSERT_NE(NULL, l) TH_LOG("%s", s);
	snprintf(want, sizeof(want), "peer_pid=%d ", pid);
	EXPECT_NE(NULL, strstr(l, want)) TH_LOG("%s", l);
	EXPECT_EQ(NULL, strstr(l, self->name));
	free(s);
	ASSERT_EQ(1, write(sv[0], "g", 1));
	waitpid(pid, &status, 0);
	EXPECT_EQ(0, status);
}

TEST_F(obs, debugfs_state_shows_data_pipe_ring_and_mappings)
{
	uint64_t n = 10;
	uint32_t p, c;
	size_t len;
	void *ring;
	char *s, *l;

	NEED_DEBUGFS();
	ASSERT_EQ(0, mojo_create_data_pipe(self->fd, 1, 8192, &p, &c));
	ASSERT_EQ(0, mojo_write_data(self->fd, p, "0123456789", &n, 0));
	ASSERT_EQ(0, mojo_map_data_pipe(self->fd, p, &ring, &len));
	s = state();
	ASSERT_NE(NULL, s);
	l = state_port(s, self->name, c);
	ASSERT_NE(NULL, l) TH_LOG("%s", s);
	EXPECT_NE(NULL, strstr(l, "kind=consumer"));
	EXPECT_NE(NULL, strstr(l, "capacity=8192 readable=10 maps=1/0")) TH_LOG("%s", l);
	free(s);
	munmap(ring, len);
	s = state();
	l = state_port(s, self->name, c);
	ASSERT_NE(NULL, l);
	EXPECT_NE(NULL, strstr(l, "maps=0/0")) TH_LOG("%s", l);
	free(s);
}

static long long stat_value(const char *key)
{
	char *s = slurp(DEBUG_DIR "/stats"), want[64];
	long long v;

	if (!s)
		return -1;
	snprintf(want, sizeof(want), "\n%s ", key);
	v = strncmp(s, want + 1, strlen(want + 1)) ?
		word_num(s, want) : strtoll(s + strlen(want + 1), NULL, 10);
	free(s);
	return v;
}

TEST_F(obs, debugfs_stats_count_messages)
{
	long long w0, b0;
	uint32_t a, b;
	int i;

	NEED_DEBUGFS();
	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &a, &b));
	w0 = stat_value("messages_written");
	b0 = stat_value("message_bytes_written");
	ASSERT_GE(w0, 0);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, mojo_write_message(self->fd, a, "abcd", 4, NULL, 0));
	EXPECT_EQ(w0 + 3, stat_value("messages_written"));
	EXPECT_EQ(b0 + 12, stat_value("message_bytes_written"));
}

/* Lines of debugfs' log naming node @id, pid @pid and @what. */
static int log_count(const char *id, pid_t pid, const char *what)
{
	char *s = slurp(DEBUG_DIR "/log"), want[64], *p, *end;
	int n = 0;

	if (!s)
		return -1;
	snprintf(want, sizeof(want), " node=%s pid=%d ", id, pid);
	for (p = s; (p = strstr(p, want)); p = end) {
		end = strchr(p, '\n');
		if (!end)
			break;
		*end++ = '\0';
		if (strstr(p, what))
			n++;
	}
	free(s);
	return n;
}

/* A per-user bound refuses a write: the tracepoint fires, stats count it. */
TEST_F(obs, trace_and_stats_user_limit)
{
	long saved = mojo_test_read_long(MOJO_PARAM("max_user_queue_bytes"));
	static char big[8192];
	long long r0 = -1;
	uint32_t a, b;
	const char *dir;
	char *t;
	int ret;

	ASSERT_GE(saved, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &a, &b));
	if (!access(DEBUG_DIR, F_OK))
		r0 = stat_value("user_limit_refused");
	TRACE_START(dir);
	ASSERT_EQ(0, mojo_test_write_long(MOJO_PARAM("max_user_queue_bytes"), 4096));
	ret = mojo_write_message(self->fd, a, big, sizeof(big), NULL, 0);
	ASSERT_EQ(0, mojo_test_write_long(MOJO_PARAM("max_user_queue_bytes"), saved));
	t = trace_off(dir);
	EXPECT_EQ(-ENOSPC, ret);
	ASSERT_NE(NULL, t);
	EXPECT_TRUE(has_event(t, "mojo_user_limit", "max=4096 ", NULL)) TH_LOG("%s", t);
	free(t);
	if (r0 >= 0)
		EXPECT_LT(r0, stat_value("user_limit_refused"));
	/* Back-pressure: not in the log. */
	if (r0 >= 0)
		EXPECT_EQ(0, log_count(self->id, getpid(), " node="));
}

TEST_F(obs, debugfs_log_records_failed_operations)
{
	NEED_DEBUGFS();
	EXPECT_EQ(-EBADF, mojo_close(self->fd, 0x7ffffff1));
	/* Ours, wherever other processes' failures put it. */
	EXPECT_EQ(1, log_count(self->id, getpid(), " op=close err=-9"));
}

TEST_F(obs, debugfs_log_leaves_out_answers_and_back_pressure)
{
	uint32_t a, b, n = 1;
	char buf[8];

	NEED_DEBUGFS();
	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &a, &b));
	ASSERT_EQ(0, mojo_set_quota(self->fd, b, 1, 1000));
	ASSERT_EQ(0, mojo_write_message(self->fd, a, "one", 3, NULL, 0));
	/* A full queue, and a message larger than the buffer. */
	ASSERT_EQ(-ENOSPC, mojo_write_message(self->fd, a, "two", 3, NULL, 0));
	ASSERT_EQ(-EMSGSIZE, mojo_read_message(self->fd, b, buf, &n, NULL, NULL));
	EXPECT_EQ(0, log_count(self->id, getpid(), " node="));
}

/* Is every line of @s one that @ok accepts? Logs the first that is not. */
static bool every_line(const char *s, bool (*ok)(const char *line))
{
	char line[1024];
	const char *end;
	size_t n;

	for (; *s; s = end ? end + 1 : s + n) {
		end = strchr(s, '\n');
		n = end ? (size_t)(end - s) : strlen(s);
		snprintf(line, sizeof(line), "%.*s", (int)n, s);
		if (!ok(line)) {
			fprintf(stderr, "# bad line: '%s'\n", line);
			return false;
		}
	}
	return true;
}

static bool fdinfo_line(const char *l)
{
	return strstr(l, ":\t") != NULL;
}

static bool state_line(const char *l)
{
	return l[0] == '#' || !strncmp(l, "node ", 5) || !strncmp(l, "  ", 2);
}

static bool log_line(const char *l)
{
	unsigned long long sec, usec;
	char id[17];

	return sscanf(l, "%llu.%llu node=%16s", &sec, &usec, id) == 3;
}

/* A command name that tries to start a line and add a word. */
#define EVIL_COMM	"a\n9 handles=9=b"
#define EVIL_ESCAPED	"a\\0129\\040handles\\0759\\075b"

TEST_F(obs, comm_is_escaped_in_fdinfo_state_log_and_mojoctl)
{
	char old[16] = "", path[64], want[160], name[2 * MOJO_NAME_SIZE + 1];
	char line[512], *s, *l;
	uint8_t raw[MOJO_NAME_SIZE];
	bool found = false;
	uint32_t a, b;
	int node;
	FILE *f;

	ASSERT_EQ(0, prctl(PR_GET_NAME, old));
	ASSERT_EQ(0, prctl(PR_SET_NAME, EVIL_COMM));
	node = mojo_open_node();
	if (node >= 0)
		EXPECT_EQ(-EBADF, mojo_close(node, 0x7ffffff2));
	ASSERT_EQ(0, prctl(PR_SET_NAME, old));
	ASSERT_GE(node, 0);
	ASSERT_EQ(0, mojo_get_node_name(node, raw));
	hex(raw, MOJO_NAME_SIZE, name);
	ASSERT_EQ(0, mojo_create_message_pipe(node, &a, &b));

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", node);
	s = slurp(path);
	ASSERT_NE(NULL, s);
	snprintf(want, sizeof(want), "mojo-comm:\t%s\n", EVIL_ESCAPED);
	EXPECT_NE(NULL, strstr(s, want)) TH_LOG("%s", s);
	EXPECT_TRUE(every_line(s, fdinfo_line)) TH_LOG("%s", s);
	free(s);

	if (access(DEBUG_DIR, F_OK)) {
		close(node);
		SKIP(return, "no " DEBUG_DIR);
	}
	s = state();
	ASSERT_NE(NULL, s);
	snprintf(want, sizeof(want), " comm=%s handles=2 ", EVIL_ESCAPED);
	l = strstr(s, name);
	ASSERT_NE(NULL, l) TH_LOG("%s", s);
	EXPECT_NE(NULL, strstr(l, want)) TH_LOG("%s", s);
	EXPECT_TRUE(every_line(s, state_line)) TH_LOG("%s", s);
	free(s);

	s = slurp(DEBUG_DIR "/log");
	ASSERT_NE(NULL, s);
	snprintf(want, sizeof(want), " comm=%s op=close err=-9\n", EVIL_ESCAPED);
	EXPECT_NE(NULL, strstr(s, want)) TH_LOG("%s", s);
	EXPECT_TRUE(every_line(s, log_line)) TH_LOG("%s", s);
	free(s);

	if (!access("/bin/mojoctl", X_OK)) {
		f = popen("/bin/mojoctl graph", "r");
		ASSERT_NE(NULL, f);
		snprintf(want, sizeof(want), "  node %s pid %d (a\\n9 handles=9=b), 2 handles\n",
			 name, getpid());
		while (fgets(line, sizeof(line), f))
			if (!strcmp(line, want))
				found = true;
		pclose(f);
		EXPECT_TRUE(found) TH_LOG("want %s", want);
	}
	close(node);
}

struct churn {
	volatile int stop;
};

static void *churn_nodes(void *arg)
{
	struct churn *c = arg;
	uint32_t a, b;
	int n;

	while (!c->stop) {
		n = mojo_open_node();
		if (n < 0)
			continue;
		mojo_create_message_pipe(n, &a, &b);
		mojo_write_message(n, a, "x", 1, NULL, 0);
		close(n);
	}
	return NULL;
}

TEST_F(obs, debugfs_state_read_while_nodes_die)
{
	struct churn c = { 0 };
	pthread_t th[2];
	int i, nodes[64];
	uint32_t a, b;
	char *s;

	NEED_DEBUGFS();
	for (i = 0; i < 64; i++) {
		nodes[i] = mojo_open_node();
		ASSERT_GE(nodes[i], 0);
		ASSERT_EQ(0, mojo_create_message_pipe(nodes[i], &a, &b));
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, churn_nodes, &c));
	for (i = 0; i < 64; i++) {
		close(nodes[i]);
		s = state();
		ASSERT_NE(NULL, s);
		free(s);
	}
	c.stop = 1;
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	/* Our own node is still listed. */
	s = state();
	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, self->name));
	free(s);
}

/* ---- mojoctl ---- */

TEST_F(obs, mojoctl_graph_names_both_ends)
{
	int sv[2], status;
	char line[512], pa[32], pb[32];
	uint32_t a, b;
	bool found = false;
	FILE *f;
	pid_t pid;

	NEED_DEBUGFS();
	if (access("/bin/mojoctl", X_OK))
		SKIP(return, "no /bin/mojoctl");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, mojo_create_message_pipe(self->fd, &a, &b));
	ASSERT_EQ(0, mojo_write_message(self->fd, a, "queued", 6, NULL, 0));
	pid = hold_in_child(sv, self->fd, b);
	ASSERT_GT(pid, 0);
	snprintf(pa, sizeof(pa), "pid %d ", getpid());
	snprintf(pb, sizeof(pb), "pid %d ", pid);
	f = popen("/bin/mojoctl graph", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "message pipe:") && strstr(line, pa) &&
		    strstr(line, pb))
			found = true;
		if (found && strstr(line, "queued at") && strstr(line, pb))
			EXPECT_NE(NULL, strstr(line, "1 message, 6 bytes"));
	}
	pclose(f);
	EXPECT_TRUE(found);
	ASSERT_EQ(1, write(sv[0], "g", 1));
	waitpid(pid, &status, 0);
}

/* Does tracefs hold an instance named mojoctl.*? */
static bool mojoctl_instance(const char *dir)
{
	char path[160];
	struct dirent *d;
	bool found = false;
	DIR *dd;

	snprintf(path, sizeof(path), "%s/instances", dir);
	dd = opendir(path);
	if (!dd)
		return false;
	while ((d = readdir(dd)))
		if (!strncmp(d->d_name, "mojoctl.", 8))
			found = true;
	closedir(dd);
	return found;
}

/* Writes and reads messages on @fd until killed. */
static pid_t event_source(int fd)
{
	uint32_t a, b, n;
	char buf[8];
	pid_t pid;

	if (mojo_create_message_pipe(fd, &a, &b))
		return -1;
	pid = fork();
	if (pid)
		return pid;
	for (;;) {
		n = sizeof(buf);
		mojo_write_message(fd, a, "ev", 2, NULL, 0);
		mojo_read_message(fd, b, buf, &n, NULL, NULL);
		usleep(20000);
	}
}

TEST_F(obs, mojoctl_trace_prints_n_events_from_its_own_instance)
{
	char line[1024], path[160], *en;
	const char *dir = tracefs();
	int lines = 0, status;
	pid_t src;
	FILE *f;

	if (!dir)
		SKIP(return, "no tracefs with events/mojoports");
	if (access("/bin/mojoctl", X_OK))
		SKIP(return, "no /bin/mojoctl");
	snprintf(path, sizeof(path), "%s/events/mojoports/enable", dir);
	ASSERT_EQ(0, put(dir, "events/mojoports/enable", "0"));
	f = popen("/bin/mojoctl trace -n 3 -t 60", "r");
	ASSERT_NE(NULL, f);
	src = event_source(self->fd);
	ASSERT_GT(src, 0);
	while (fgets(line, sizeof(line), f)) {
		if (!lines++) {
			/* Its own instance: the global events stay off. */
			EXPECT_TRUE(mojoctl_instance(dir));
			en = slurp(path);
			ASSERT_NE(NULL, en);
			EXPECT_EQ('0', en[0]);
			free(en);
		}
		EXPECT_NE(NULL, strstr(line, "mojo_")) TH_LOG("%s", line);
	}
	status = pclose(f);
	kill(src, SIGKILL);
	waitpid(src, NULL, 0);
	EXPECT_EQ(0, status);
	EXPECT_EQ(3, lines);
	EXPECT_FALSE(mojoctl_instance(dir));
}

TEST_F(obs, mojoctl_trace_removes_its_instance_on_sigterm)
{
	const char *dir = tracefs();
	int status, i, null;
	pid_t pid;

	if (!dir)
		SKIP(return, "no tracefs with events/mojoports");
	if (access("/bin/mojoctl", X_OK))
		SKIP(return, "no /bin/mojoctl");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		execl("/bin/mojoctl", "mojoctl", "trace", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && !mojoctl_instance(dir); i++)
		usleep(20000);
	EXPECT_TRUE(mojoctl_instance(dir));
	kill(pid, SIGTERM);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_FALSE(mojoctl_instance(dir));
}

TEST_HARNESS_MAIN
