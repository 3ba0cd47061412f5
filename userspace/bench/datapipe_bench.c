// SPDX-License-Identifier: GPL-2.0
/*
 * datapipe_bench: stream 256 MiB from one process to another in 64 KiB
 * chunks through a 1 MiB data pipe, (a) with two-phase writes and reads
 * through the mappings (the consumer copies every byte out), (b) with
 * one-shot write and read; against pipe(2) and AF_UNIX SOCK_STREAM
 * write/read of the same chunks, and a single-process memcpy of the same
 * data as the limit. Prints:
 *
 *   bench datapipe_stream mojo_gbps=.. oneshot_gbps=.. pipe_gbps=..  (Gbit/s)
 *         af_unix_gbps=.. memcpy_gbps=.. ratio_pipe=.. ratio_memcpy=..
 *
 * Targets: ratio_pipe >= 2.0 and ratio_memcpy >= 0.4; a miss is reported
 * and the program exits 1.
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

#define TOTAL	(256ULL << 20)
#define CHUNK	(64 << 10)
#define RING	(1 << 20)

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void fail(const char *what, int err)
{
	fprintf(stderr, "datapipe_bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static double gbps(double secs)
{
	return TOTAL * 8 / secs / 1e9;
}

/* Producer and consumer of a data pipe, each with its own node. */
static double bench_mojo(int two_phase)
{
	static uint8_t src[CHUNK], dst[CHUNK];
	int sv[2], node, status;
	uint64_t pos = 0, off, size;
	uint32_t p, c;
	double t0;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		fail("socketpair", errno);
	pid = fork();
	if (pid == 0) {
		int me = mojo_open_node(), ret;
		uint32_t mp;
		size_t psize;
		uint8_t *pm = NULL;

		if (me < 0 || mojo_recv_handle(sv[1], me, &mp))
			_exit(1);
		if (two_phase && mojo_map_data_pipe(me, mp, (void **)&pm, &psize))
			_exit(2);
		memset(src, 0x5a, sizeof(src));
		while (pos < TOTAL) {
			uint64_t want = CHUNK;

			if (two_phase) {
				ret = mojo_begin_write_data(me, mp, &off, &size);
				if (!ret) {
					if (size > want)
						size = want;
					memcpy(pm + off, src, size);
					ret = mojo_end_write_data(me, mp, size);
					want = size;
				}
			} else {
				ret = mojo_write_data(me, mp, src, &want, 0);
			}
			if (ret == -EAGAIN) {
				mojo_wait(me, mp, MOJO_SIGNAL_WRITABLE,
					  MOJO_TIMEOUT_INFINITE, NULL, NULL);
				continue;
			}
			if (ret)
				_exit(3);
			pos += want;
		}
		_exit(0);
	}
	node = mojo_open_node();
	if (node < 0 || mojo_create_data_pipe(node, 1, RING, &p, &c) ||
	    mojo_send_handle(sv[0], node, p))
		fail("setup", node < 0 ? node : EIO);
	{
		size_t csize;
		uint8_t *cm = NULL;

		if (two_phase && mojo_map_data_pipe(node, c, (void **)&cm, &csize))
			fail("map", EIO);
		t0 = now();
		while (pos < TOTAL) {
			uint64_t got = CHUNK;
			int ret;

			if (two_phase) {
				ret = mojo_begin_read_data(node, c, &off, &size);
				if (!ret) {
					if (size > got)
						size = got;
					memcpy(dst, cm + off, size);
					ret = mojo_end_read_data(node, c, size);
					got = size;
				}
			} else {
				ret = mojo_read_data(node, c, dst, &got, 0);
			}
			if (ret == -EAGAIN) {
				mojo_wait(node, c, MOJO_SIGNAL_READABLE,
					  MOJO_TIMEOUT_INFINITE, NULL, NULL);
				continue;
			}
			if (ret)
				fail("read", ret);
			pos += got;
		}
		t0 = now() - t0;
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("producer", EIO);
	close(node);
	close(sv[0]);
	close(sv[1]);
	return gbps(t0);
}

static double bench_fd(int unix_socket)
{
	static uint8_t buf[CHUNK];
	uint64_t pos = 0;
	int fds[2], status;
	double t0;
	pid_t pid;

	if (unix_socket ? socketpair(AF_UNIX, SOCK_STREAM, 0, fds) : pipe(fds))
		fail("fds", errno);
	pid = fork();
	if (pid == 0) {
		int wfd = unix_socket ? fds[0] : fds[1];

		memset(buf, 0x5a, sizeof(buf));
		while (pos < TOTAL) {
			ssize_t n = write(wfd, buf, CHUNK);

			if (n <= 0)
				_exit(1);
			pos += n;
		}
		_exit(0);
	}
	t0 = now();
	while (pos < TOTAL) {
		ssize_t n = read(fds[unix_socket ? 1 : 0], buf, CHUNK);

		if (n <= 0)
			fail("fd read", errno);
		pos += n;
	}
	t0 = now() - t0;
	waitpid(pid, &status, 0);
	close(fds[0]);
	close(fds[1]);
	return gbps(t0);
}

static double bench_memcpy(void)
{
	static uint8_t a[CHUNK], b[RING];
	uint64_t pos;
	double t0;

	memset(a, 0x5a, sizeof(a));
	t0 = now();
	for (pos = 0; pos < TOTAL; pos += CHUNK) {
		memcpy(b + pos % RING, a, CHUNK);
		__asm__ __volatile__("" : : "r"(b) : "memory");
	}
	return gbps(now() - t0);
}

int main(void)
{
	double mojo = bench_mojo(1), oneshot = bench_mojo(0);
	double pipe_g = bench_fd(0), unix_g = bench_fd(1), mem = bench_memcpy();
	double rp = mojo / pipe_g, rm = mojo / mem;
	int missed = rp < 2.0 || rm < 0.4;

	printf("bench datapipe_stream mojo_gbps=%.2f oneshot_gbps=%.2f pipe_gbps=%.2f af_unix_gbps=%.2f memcpy_gbps=%.2f ratio_pipe=%.2f ratio_memcpy=%.2f\n",
	       mojo, oneshot, pipe_g, unix_g, mem, rp, rm);
	printf("target datapipe_stream ratio_pipe>=2.0 ratio_memcpy>=0.4 %s\n",
	       missed ? "MISSED" : "met");
	return missed;
}
