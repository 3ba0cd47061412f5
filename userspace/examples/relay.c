// SPDX-License-Identifier: GPL-2.0
/*
 * relay: a pipe end passed through a third process.
 *
 * Three processes, three nodes. A is connected to B, and B to C, by
 * message pipes bootstrapped over UNIX sockets. A creates a fresh pipe,
 * keeps one end and sends the other to B inside a message; B does not use
 * it but forwards it to C in another message. C then talks to A directly
 * over the relayed pipe: the handle meant nothing in B's node, only the
 * endpoint travelled.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mojoports.h>

static int die(const char *who, const char *what, int err)
{
	fprintf(stderr, "relay: %s: %s: %s\n", who, what, strerror(-err));
	return 1;
}

/* Wait for and read one message: text into @buf, up to one handle. */
static int recv_msg(int node, uint32_t h, char *buf, uint32_t size,
		    uint32_t *handle)
{
	uint32_t n = size - 1, nh = handle ? 1 : 0;
	int ret;

	ret = mojo_wait(node, h, MOJO_SIGNAL_READABLE, MOJO_TIMEOUT_INFINITE,
			NULL, NULL);
	if (ret)
		return ret;
	ret = mojo_read_message(node, h, buf, &n, handle, handle ? &nh : NULL);
	if (ret)
		return ret;
	buf[n] = '\0';
	if (handle && nh != 1)
		return -EPROTO;
	return 0;
}

static int send_str(int node, uint32_t h, const char *s, uint32_t *handle)
{
	return mojo_write_message(node, h, s, strlen(s), handle, handle ? 1 : 0);
}

static int proc_b(int sock_a, int sock_c)
{
	uint32_t from_a, to_c, relayed;
	char buf[64];
	int node = mojo_open_node(), ret;

	if (node < 0)
		return die("B", "open", node);
	ret = mojo_recv_handle(sock_a, node, &from_a);
	if (!ret)
		ret = mojo_recv_handle(sock_c, node, &to_c);
	if (ret)
		return die("B", "bootstrap", ret);
	ret = recv_msg(node, from_a, buf, sizeof(buf), &relayed);
	if (ret)
		return die("B", "read from A", ret);
	printf("B: got \"%s\" with handle %u of my node; forwarding to C\n",
	       buf, relayed);
	fflush(stdout);
	ret = send_str(node, to_c, "from A, via B", &relayed);
	if (ret)
		return die("B", "write to C", ret);
	return 0;
}

static int proc_c(int sock_b)
{
	uint32_t from_b, direct;
	char buf[64];
	int node = mojo_open_node(), ret;

	if (node < 0)
		return die("C", "open", node);
	ret = mojo_create_message_pipe(node, &from_b, &direct);
	if (ret)
		return die("C", "create", ret);
	/* C makes the B-C pipe and hands one end to B. */
	ret = mojo_send_handle(sock_b, node, direct);
	if (ret)
		return die("C", "bootstrap", ret);
	ret = recv_msg(node, from_b, buf, sizeof(buf), &direct);
	if (ret)
		return die("C", "read from B", ret);
	printf("C: got \"%s\" with handle %u; greeting A directly\n", buf, direct);
	fflush(stdout);
	ret = send_str(node, direct, "hello A, this is C", NULL);
	if (!ret)
		ret = recv_msg(node, direct, buf, sizeof(buf), NULL);
	if (ret)
		return die("C", "talk to A", ret);
	printf("C: A answered \"%s\"\n", buf);
	fflush(stdout);
	return 0;
}

int main(void)
{
	int ab[2], bc[2], node, ret, status, failed = 0;
	uint32_t to_b, b_end, keep, give;
	char buf[64];
	pid_t b, c;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, ab) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, bc))
		return die("A", "socketpair", -errno);
	b = fork();
	if (b == 0)
		_exit(proc_b(ab[1], bc[0]));
	c = fork();
	if (c == 0)
		_exit(proc_c(bc[1]));

	node = mojo_open_node();
	if (node < 0)
		return die("A", "open", node);
	ret = mojo_create_message_pipe(node, &to_b, &b_end);
	if (!ret)
		ret = mojo_send_handle(ab[0], node, b_end);
	if (!ret)
		ret = mojo_create_message_pipe(node, &keep, &give);
	if (ret)
		return die("A", "setup", ret);
	printf("A: sending one end of a new pipe to B\n");
	fflush(stdout);
	ret = send_str(node, to_b, "for C", &give);
	if (!ret)
		ret = recv_msg(node, keep, buf, sizeof(buf), NULL);
	if (ret)
		return die("A", "relay", ret);
	printf("A: \"%s\" arrived on the pipe I kept\n", buf);
	fflush(stdout);
	ret = send_str(node, keep, "hello C", NULL);
	if (ret)
		return die("A", "answer", ret);

	waitpid(b, &status, 0);
	failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	waitpid(c, &status, 0);
	failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	printf("relay: %s\n", failed ? "FAILED" : "the pipe end crossed three nodes");
	return failed;
}
