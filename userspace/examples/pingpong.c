// SPDX-License-Identifier: GPL-2.0
/*
 * pingpong: two processes with nodes of their own, bootstrapped over a
 * UNIX socket, bounce a counter through a message pipe.
 *
 * The parent creates the pipe and sends one end over a socketpair
 * (mojo_send_handle: export as an fd, SCM_RIGHTS); the child, which opens
 * its own node, imports it. From then on the socket is not used: the
 * processes talk through the pipe, blocking with mojo_wait().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mojoports.h>

#define ROUNDS 5

static int die(const char *what, int err)
{
	fprintf(stderr, "pingpong: %s: %s\n", what, strerror(-err));
	return 1;
}

/* Block until a message arrives, then read a counter from it. */
static int recv_counter(int node, uint32_t h, unsigned int *v)
{
	uint32_t n = sizeof(*v);
	int ret;

	ret = mojo_wait(node, h, MOJO_SIGNAL_READABLE, MOJO_TIMEOUT_INFINITE,
			NULL, NULL);
	if (ret)
		return ret;
	return mojo_read_message(node, h, v, &n, NULL, NULL);
}

static int child(int sock)
{
	unsigned int v;
	uint32_t h;
	int node, ret;

	node = mojo_open_node();
	if (node < 0)
		return die("child: open", node);
	ret = mojo_recv_handle(sock, node, &h);
	if (ret)
		return die("child: receive handle", ret);
	for (;;) {
		ret = recv_counter(node, h, &v);
		if (ret == -EPIPE)	/* the parent closed its end: done */
			return 0;
		if (ret)
			return die("child: read", ret);
		printf("  pong %u\n", v);
		fflush(stdout);
		v++;
		ret = mojo_write_message(node, h, &v, sizeof(v), NULL, 0);
		if (ret)
			return die("child: write", ret);
	}
}

int main(void)
{
	unsigned int v = 0;
	uint32_t h0, h1;
	int sv[2], node, ret, status, i;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		return die("socketpair", -errno);
	pid = fork();
	if (pid < 0)
		return die("fork", -errno);
	if (pid == 0) {
		close(sv[0]);
		_exit(child(sv[1]));
	}
	close(sv[1]);

	node = mojo_open_node();
	if (node < 0)
		return die("open", node);
	ret = mojo_create_message_pipe(node, &h0, &h1);
	if (ret)
		return die("create", ret);
	ret = mojo_send_handle(sv[0], node, h1);
	if (ret)
		return die("send handle", ret);

	for (i = 0; i < ROUNDS; i++) {
		printf("ping %u\n", v);
		fflush(stdout);
		ret = mojo_write_message(node, h0, &v, sizeof(v), NULL, 0);
		if (ret)
			return die("write", ret);
		ret = recv_counter(node, h0, &v);
		if (ret)
			return die("read", ret);
		v++;
	}
	mojo_close(node, h0);
	waitpid(pid, &status, 0);
	printf("pingpong: %d round trips between two nodes, counter %u\n",
	       ROUNDS, v);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
