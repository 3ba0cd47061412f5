// SPDX-License-Identifier: GPL-2.0
/*
 * uring_pingpong: the pingpong example over io_uring.
 *
 * Two processes with nodes of their own, bootstrapped over a UNIX socket,
 * bounce a counter through a message pipe. Every turn is one
 * io_uring_enter() carrying a write and a read; the read stays pending in
 * the kernel until the other side's message arrives, so neither process
 * polls or calls mojo_wait().
 */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mojoports.h>

#define ROUNDS 5

static int die(const char *who, const char *what, int err)
{
	fprintf(stderr, "uring_pingpong: %s: %s: %s\n", who, what, strerror(-err));
	return 1;
}

/* Submit what is prepared and wait for @n completions; first error or 0. */
static int run(struct io_uring *ring, int n)
{
	struct io_uring_cqe *cqe;
	int ret = io_uring_submit_and_wait(ring, n), res = 0;

	if (ret < 0)
		return ret;
	while (n--) {
		ret = io_uring_wait_cqe(ring, &cqe);
		if (ret)
			return ret;
		if (cqe->res < 0 && !res)
			res = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
	return res;
}

/* Prepare "write @out, then read into @in" on @h. */
static void turn(struct io_uring *ring, int node, uint32_t h, unsigned int *out,
		 unsigned int *in, struct mojo_write_message_args *w,
		 struct mojo_read_message_args *r, int write_too)
{
	if (write_too) {
		memset(w, 0, sizeof(*w));
		w->handle = h;
		w->bytes = (uintptr_t)out;
		w->num_bytes = sizeof(*out);
		mojo_uring_prep_write_message(io_uring_get_sqe(ring), node, w);
	}
	memset(r, 0, sizeof(*r));
	r->handle = h;
	r->bytes = (uintptr_t)in;
	r->num_bytes = sizeof(*in);
	mojo_uring_prep_read_message(io_uring_get_sqe(ring), node, r);
}

static int child(int sock)
{
	struct mojo_write_message_args w;
	struct mojo_read_message_args r;
	unsigned int in = 0, out = 0;
	struct io_uring ring;
	int node = mojo_open_node(), ret, first = 1;
	uint32_t h;

	if (node < 0)
		return die("child", "open", node);
	ret = mojo_recv_handle(sock, node, &h);
	if (!ret)
		ret = io_uring_queue_init(4, &ring, 0);
	if (ret)
		return die("child", "setup", ret);
	for (;;) {
		/* The first turn only reads; later ones answer and read. */
		turn(&ring, node, h, &out, &in, &w, &r, !first);
		ret = run(&ring, first ? 1 : 2);
		first = 0;
		if (ret == -EPIPE)	/* the parent closed its end: done */
			return 0;
		if (ret)
			return die("child", "turn", ret);
		printf("  pong %u (its read was pending until the ping came)\n", in);
		fflush(stdout);
		out = in + 1;
	}
}

int main(void)
{
	struct mojo_write_message_args w;
	struct mojo_read_message_args r;
	unsigned int v = 0, in = 0;
	struct io_uring ring;
	uint32_t h0, h1;
	int sv[2], node, ret, status, i;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		return die("parent", "socketpair", -errno);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(child(sv[1]));
	}
	node = mojo_open_node();
	if (node < 0)
		return die("parent", "open", node);
	ret = mojo_create_message_pipe(node, &h0, &h1);
	if (!ret)
		ret = mojo_send_handle(sv[0], node, h1);
	if (!ret)
		ret = io_uring_queue_init(4, &ring, 0);
	if (ret)
		return die("parent", "setup", ret);

	for (i = 0; i < ROUNDS; i++) {
		printf("ping %u (write + pending read, one enter)\n", v);
		fflush(stdout);
		turn(&ring, node, h0, &v, &in, &w, &r, 1);
		ret = run(&ring, 2);
		if (ret)
			return die("parent", "turn", ret);
		v = in + 1;
	}
	mojo_close(node, h0);
	waitpid(pid, &status, 0);
	printf("uring_pingpong: %d round trips over io_uring, counter %u\n", ROUNDS, v);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 1;
}
