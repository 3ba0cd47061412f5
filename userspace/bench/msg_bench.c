// SPDX-License-Identifier: GPL-2.0
/*
 * msg_bench: round-trip latency of a ping-pong between two processes over
 * a mojoports message pipe (each process with its own node), an AF_UNIX
 * SOCK_SEQPACKET socketpair and a pair of pipes, measured side by side in
 * one boot. Prints, per size:
 *
 *   bench msg_pingpong_<size> mojo_us=<median> af_unix_us=<median>
 *         pipe_us=<median> ratio=<mojo/af_unix>
 *
 * Under emulation absolute times mean little; the ratio is the result.
 * Target: ratio <= 1.0 at 64 bytes; a missed target is reported and the
 * program exits 1, so make bench fails.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mojoports.h>

#define WARMUP	200
#define ROUNDS	3000
#define MAXSIZE	20736

static const uint32_t sizes[] = { 12, 64, 144, 1728, 20736 };

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
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

static void fail(const char *what, int err)
{
	fprintf(stderr, "msg_bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* A blocking read of one whole message from a message pipe. */
static void mojo_recv(int node, uint32_t h, void *buf, uint32_t size)
{
	uint32_t n = size;
	int ret;

	while ((ret = mojo_read_message(node, h, buf, &n, NULL, NULL)) == -EAGAIN) {
		ret = mojo_wait(node, h, MOJO_SIGNAL_READABLE,
				MOJO_TIMEOUT_INFINITE, NULL, NULL);
		if (ret)
			fail("wait", ret);
		n = size;
	}
	if (ret || n != size)
		fail("read", ret ? ret : EPROTO);
}

static double bench_mojo(uint32_t size, char *buf)
{
	static double t[ROUNDS];
	uint32_t h0, h1;
	int sv[2], node, i, ret;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		fail("socketpair", errno);
	pid = fork();
	if (pid == 0) {
		int me = mojo_open_node();
		uint32_t h;

		if (me < 0 || mojo_recv_handle(sv[1], me, &h))
			_exit(1);
		for (i = 0; i < WARMUP + ROUNDS; i++) {
			mojo_recv(me, h, buf, size);
			if (mojo_write_message(me, h, buf, size, NULL, 0))
				_exit(2);
		}
		_exit(0);
	}
	node = mojo_open_node();
	if (node < 0)
		fail("open", node);
	ret = mojo_create_message_pipe(node, &h0, &h1);
	if (!ret)
		ret = mojo_send_handle(sv[0], node, h1);
	if (ret)
		fail("setup", ret);
	for (i = 0; i < WARMUP + ROUNDS; i++) {
		double t0 = now_us();

		ret = mojo_write_message(node, h0, buf, size, NULL, 0);
		if (ret)
			fail("write", ret);
		mojo_recv(node, h0, buf, size);
		if (i >= WARMUP)
			t[i - WARMUP] = now_us() - t0;
	}
	waitpid(pid, NULL, 0);
	close(node);
	close(sv[0]);
	close(sv[1]);
	return median(t, ROUNDS);
}

/* Ping-pong over two fds per side: write @wr, read whole @size from @rd. */
static void fd_recv(int fd, char *buf, uint32_t size, int stream)
{
	uint32_t got = 0;

	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n <= 0)
			fail("fd read", n < 0 ? errno : EPIPE);
		got += n;
		if (!stream && got != size)
			fail("short datagram", EPROTO);
	}
}

static double bench_fds(uint32_t size, char *buf, int unix_socket)
{
	static double t[ROUNDS];
	int a[2], b[2], i;
	pid_t pid;

	if (unix_socket) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, a))
			fail("socketpair", errno);
		b[0] = a[1];
		b[1] = a[0];
	} else if (pipe(a) || pipe(b)) {
		fail("pipe", errno);
	}
	/* Parent writes a[1], reads b[0]; child reads a[0], writes b[1]. */
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < WARMUP + ROUNDS; i++) {
			fd_recv(a[0], buf, size, !unix_socket);
			if (write(b[1], buf, size) != size)
				_exit(2);
		}
		_exit(0);
	}
	for (i = 0; i < WARMUP + ROUNDS; i++) {
		double t0 = now_us();

		if (write(a[1], buf, size) != size)
			fail("fd write", errno);
		fd_recv(b[0], buf, size, !unix_socket);
		if (i >= WARMUP)
			t[i - WARMUP] = now_us() - t0;
	}
	waitpid(pid, NULL, 0);
	close(a[0]);
	close(a[1]);
	if (!unix_socket) {
		close(b[0]);
		close(b[1]);
	}
	return median(t, ROUNDS);
}

int main(void)
{
	static char buf[MAXSIZE];
	int missed = 0;
	size_t i;

	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double m = bench_mojo(sizes[i], buf);
		double u = bench_fds(sizes[i], buf, 1);
		double p = bench_fds(sizes[i], buf, 0);

		printf("bench msg_pingpong_%u mojo_us=%.1f af_unix_us=%.1f pipe_us=%.1f ratio=%.2f\n",
		       sizes[i], m, u, p, m / u);
		if (sizes[i] == 64) {
			missed = m / u > 1.0;
			printf("target msg_pingpong_64 ratio<=1.0 %s\n",
			       missed ? "MISSED" : "met");
		}
		fflush(stdout);
	}
	return missed;
}
