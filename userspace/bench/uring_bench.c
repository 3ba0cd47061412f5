// SPDX-License-Identifier: GPL-2.0
/*
 * uring_bench: the io_uring path against the ioctl path and AF_UNIX.
 *
 *   bench uring_pingpong_64 uring_us=.. ioctl_us=.. af_unix_us=..
 *     median round trip of a 64-byte ping-pong between two processes
 *     (each with its own node); with io_uring each turn is one enter
 *     carrying a write and a pending read.
 *   bench uring_msg_throughput mojo_uring_mps=.. mojo_ioctl_mps=..
 *         af_unix_mps=.. ratio_uring_ioctl=..
 *     64-byte messages through a pipe in one process: io_uring in
 *     batches of 32 writes and 32 reads per enter, against one ioctl per
 *     write and per read, and a SEQPACKET sendmsg/recvmsg per message.
 *
 *   bench uring_floor ioctl_us=.. uring_us=.. nop_us=.. max_ratio=..
 *         op_work_us=.. work_budget_us=..
 *     what each path costs before an operation does any work: an ioctl
 *     with a number the module does not know (syscall, fd lookup,
 *     dispatch, -ENOTTY), the same as a uring_cmd in batches of 32 on a
 *     registered file, and an IORING_OP_NOP. Both paths then add the
 *     same work W per operation, so ratio_uring_ioctl is
 *     (ioctl_us + W) / (uring_us + W): at most max_ratio = ioctl_us /
 *     uring_us, and 2.0 only while W <= work_budget_us = ioctl_us -
 *     2 x uring_us. op_work_us is W as the ioctl throughput run measured
 *     it (half a write+read, less ioctl_us).
 *
 * Targets: ratio_uring_ioctl >= 2.0 and mojo_uring_mps >= 3 x
 * af_unix_mps; a miss is reported and the program exits 1.
 */
#include <errno.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mojoports.h>

#define ROUNDS	2000
#define WARMUP	100
#define MSGS	32000
#define BATCH	32
#define SIZE	64

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void fail(const char *what, int err)
{
	fprintf(stderr, "uring_bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/*
 * Submit what is queued and reap @n CQEs; with @strict, fail on any error
 * result.
 */
static void reap(struct io_uring *ring, int n, int strict)
{
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_submit_and_wait(ring, n);
	if (ret < 0)
		fail("submit", ret);
	while (n--) {
		ret = io_uring_wait_cqe(ring, &cqe);
		if (ret)
			fail("wait cqe", ret);
		if (strict && cqe->res < 0)
			fail("cqe", cqe->res);
		io_uring_cqe_seen(ring, cqe);
	}
}

static struct io_uring_sqe *prep_write(struct io_uring *ring, int node,
				       struct mojo_write_message_args *w,
				       uint32_t h, void *buf)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	memset(w, 0, sizeof(*w));
	w->handle = h;
	w->bytes = (uintptr_t)buf;
	w->num_bytes = SIZE;
	mojo_uring_prep_write_message(sqe, node, w);
	return sqe;
}

static struct io_uring_sqe *prep_read(struct io_uring *ring, int node,
				      struct mojo_read_message_args *r,
				      uint32_t h, void *buf)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	memset(r, 0, sizeof(*r));
	r->handle = h;
	r->bytes = (uintptr_t)buf;
	r->num_bytes = SIZE;
	mojo_uring_prep_read_message(sqe, node, r);
	return sqe;
}

/* Ping-pong; @uring: io_uring on both sides, else ioctl + wait. */
static double pingpong_mojo(int uring)
{
	static double t[ROUNDS];
	struct mojo_write_message_args w;
	struct mojo_read_message_args r;
	struct io_uring ring;
	char buf[SIZE] = { 0 };
	uint32_t h0, h1;
	int sv[2], node, i;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		fail("socketpair", errno);
	pid = fork();
	if (pid == 0) {
		int me = mojo_open_node();
		uint32_t h;

		if (me < 0 || mojo_recv_handle(sv[1], me, &h))
			_exit(1);
		if (uring && io_uring_queue_init(8, &ring, 0))
			_exit(2);
		for (i = 0; i < WARMUP + ROUNDS; i++) {
			if (uring) {
				prep_read(&ring, me, &r, h, buf);
				reap(&ring, 1, 1);
				prep_write(&ring, me, &w, h, buf);
				reap(&ring, 1, 1);
			} else {
				uint32_t n = SIZE;

				if (mojo_wait(me, h, MOJO_SIGNAL_READABLE,
					      MOJO_TIMEOUT_INFINITE, NULL, NULL) ||
				    mojo_read_message(me, h, buf, &n, NULL, NULL) ||
				    mojo_write_message(me, h, buf, SIZE, NULL, 0))
					_exit(3);
			}
		}
		_exit(0);
	}
	node = mojo_open_node();
	if (node < 0 || mojo_create_message_pipe(node, &h0, &h1) ||
	    mojo_send_handle(sv[0], node, h1))
		fail("setup", EIO);
	if (uring && io_uring_queue_init(8, &ring, 0))
		fail("ring", EIO);
	for (i = 0; i < WARMUP + ROUNDS; i++) {
		double t0 = now_us();

		if (uring) {
			/* One enter: the write and the pending read. */
			prep_write(&ring, node, &w, h0, buf);
			prep_read(&ring, node, &r, h0, buf);
			reap(&ring, 2, 1);
		} else {
			uint32_t n = SIZE;
			int ret;

			ret = mojo_write_message(node, h0, buf, SIZE, NULL, 0);
			if (!ret)
				ret = mojo_wait(node, h0, MOJO_SIGNAL_READABLE,
						MOJO_TIMEOUT_INFINITE, NULL, NULL);
			if (!ret)
				ret = mojo_read_message(node, h0, buf, &n, NULL, NULL);
			if (ret)
				fail("ioctl round", ret);
		}
		if (i >= WARMUP)
			t[i - WARMUP] = now_us() - t0;
	}
	waitpid(pid, NULL, 0);
	if (uring)
		io_uring_queue_exit(&ring);
	close(node);
	close(sv[0]);
	close(sv[1]);
	return median(t, ROUNDS);
}

static double pingpong_unix(void)
{
	static double t[ROUNDS];
	char buf[SIZE] = { 0 };
	int sv[2], i;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		fail("socketpair", errno);
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < WARMUP + ROUNDS; i++)
			if (recv(sv[1], buf, SIZE, 0) != SIZE ||
			    send(sv[1], buf, SIZE, 0) != SIZE)
				_exit(1);
		_exit(0);
	}
	for (i = 0; i < WARMUP + ROUNDS; i++) {
		double t0 = now_us();

		if (send(sv[0], buf, SIZE, 0) != SIZE ||
		    recv(sv[0], buf, SIZE, 0) != SIZE)
			fail("unix round", errno);
		if (i >= WARMUP)
			t[i - WARMUP] = now_us() - t0;
	}
	waitpid(pid, NULL, 0);
	close(sv[0]);
	close(sv[1]);
	return median(t, ROUNDS);
}

static double throughput_uring(void)
{
	static struct mojo_write_message_args w[BATCH];
	static struct mojo_read_message_args r[BATCH];
	static char in[BATCH][SIZE], out[BATCH][SIZE];
	struct io_uring ring;
	uint32_t h0, h1;
	int node = mojo_open_node(), i, k;
	double t0;

	if (node < 0 || mojo_create_message_pipe(node, &h0, &h1) ||
	    io_uring_queue_init(2 * BATCH, &ring, 0))
		fail("setup", EIO);
	/* A registered file spares io_uring an fget() per command. */
	if (io_uring_register_files(&ring, &node, 1))
		fail("register", EIO);
	t0 = now_us();
	for (i = 0; i < MSGS; i += BATCH) {
		/* Index 0 of the registered files: the node. */
		for (k = 0; k < BATCH; k++)
			prep_write(&ring, 0, &w[k], h0, in[k])->flags |= IOSQE_FIXED_FILE;
		for (k = 0; k < BATCH; k++)
			prep_read(&ring, 0, &r[k], h1, out[k])->flags |= IOSQE_FIXED_FILE;
		reap(&ring, 2 * BATCH, 1);
	}
	t0 = now_us() - t0;
	io_uring_queue_exit(&ring);
	close(node);
	return MSGS / t0 * 1e6;
}

static double throughput_ioctl(void)
{
	char buf[SIZE] = { 0 };
	uint32_t h0, h1, n;
	int node = mojo_open_node(), i;
	double t0;

	if (node < 0 || mojo_create_message_pipe(node, &h0, &h1))
		fail("setup", EIO);
	t0 = now_us();
	for (i = 0; i < MSGS; i++) {
		n = SIZE;
		if (mojo_write_message(node, h0, buf, SIZE, NULL, 0) ||
		    mojo_read_message(node, h1, buf, &n, NULL, NULL))
			fail("ioctl", EIO);
	}
	t0 = now_us() - t0;
	close(node);
	return MSGS / t0 * 1e6;
}

static double throughput_unix(void)
{
	char buf[SIZE] = { 0 };
	struct iovec iov = { .iov_base = buf, .iov_len = SIZE };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	int sv[2], i;
	double t0;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		fail("socketpair", errno);
	t0 = now_us();
	for (i = 0; i < MSGS; i++)
		if (sendmsg(sv[0], &m, 0) != SIZE || recvmsg(sv[1], &m, 0) != SIZE)
			fail("unix", errno);
	t0 = now_us() - t0;
	close(sv[0]);
	close(sv[1]);
	return MSGS / t0 * 1e6;
}

/* A number of the module's type that no operation has: -ENOTTY at once. */
#define UNKNOWN_OP	_IOWR(MOJO_IOC_MAGIC, 0x7e, struct mojo_version_args)

/* Cost per call of each path to an operation that does nothing. */
static void floor_costs(double *ioctl_us, double *uring_us, double *nop_us)
{
	struct mojo_version_args v = { 0 };
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int node = mojo_open_node(), i, k;
	double t0;

	if (node < 0 || io_uring_queue_init(BATCH, &ring, 0) ||
	    io_uring_register_files(&ring, &node, 1))
		fail("setup", EIO);
	t0 = now_us();
	for (i = 0; i < MSGS; i++)
		if (mojo_call(node, UNKNOWN_OP, &v) != -ENOTTY)
			fail("unknown ioctl", EIO);
	*ioctl_us = (now_us() - t0) / MSGS;
	t0 = now_us();
	for (i = 0; i < MSGS; i += BATCH) {
		for (k = 0; k < BATCH; k++) {
			sqe = io_uring_get_sqe(&ring);
			mojo_uring_prep_cmd(sqe, 0, UNKNOWN_OP, &v, 0);
			sqe->flags |= IOSQE_FIXED_FILE;
		}
		reap(&ring, BATCH, 0);
	}
	*uring_us = (now_us() - t0) / MSGS;
	t0 = now_us();
	for (i = 0; i < MSGS; i += BATCH) {
		for (k = 0; k < BATCH; k++)
			io_uring_prep_nop(io_uring_get_sqe(&ring));
		reap(&ring, BATCH, 0);
	}
	*nop_us = (now_us() - t0) / MSGS;
	io_uring_queue_exit(&ring);
	close(node);
}

int main(int argc, char **argv)
{
	double pu, pi, px, tu, ti, tx, fi, fu, fn;
	int missed;

	/* One part alone, for scripts/profile.sh: "pingpong N" (1: io_uring). */
	if (argc == 3 && !strcmp(argv[1], "pingpong")) {
		printf("pingpong %s: %.1f us\n", argv[2], pingpong_mojo(atoi(argv[2])));
		return 0;
	}
	pu = pingpong_mojo(1);
	pi = pingpong_mojo(0);
	px = pingpong_unix();
	tu = throughput_uring();
	ti = throughput_ioctl();
	tx = throughput_unix();
	missed = tu / ti < 2.0 || tu < 3 * tx;
	floor_costs(&fi, &fu, &fn);

	printf("bench uring_pingpong_64 uring_us=%.1f ioctl_us=%.1f af_unix_us=%.1f\n",
	       pu, pi, px);
	printf("bench uring_msg_throughput mojo_uring_mps=%.0f mojo_ioctl_mps=%.0f af_unix_mps=%.0f ratio_uring_ioctl=%.2f\n",
	       tu, ti, tx, tu / ti);
	printf("bench uring_floor ioctl_us=%.3f uring_us=%.3f nop_us=%.3f max_ratio=%.2f op_work_us=%.3f work_budget_us=%.3f\n",
	       fi, fu, fn, fi / fu, 1e6 / ti / 2 - fi, fi - 2 * fu);
	printf("target uring_msg_throughput ratio_uring_ioctl>=2.0 uring>=3*af_unix %s\n",
	       missed ? "MISSED" : "met");
	return missed;
}
