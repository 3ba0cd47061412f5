// SPDX-License-Identifier: GPL-2.0
/*
 * observe: what mojoctl shows (root; debugfs and tracefs mounted).
 *
 * A parent and a child, each its own node, share a message pipe (the
 * child's end travels over a UNIX socket) with two messages queued at the
 * child's end, and the parent holds a data pipe with bytes in its ring.
 * `mojoctl graph` prints who holds which end and what is queued where;
 * the example checks that the line of the shared pipe names both
 * processes. Then `mojoctl trace` follows a short ping-pong live.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mojoports.h>

#define MOJOCTL	"mojoctl"

static int die(const char *what, int err)
{
	fprintf(stderr, "observe: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* The child: take the end, wait for "go", then answer every ping. */
static void child(int sock, int go)
{
	int node = mojo_open_node(), ret;
	uint32_t h, n;
	char buf[64], c;

	if (node < 0)
		die("child node", node);
	ret = mojo_recv_handle(sock, node, &h);
	if (ret)
		die("recv_handle", ret);
	if (write(sock, "r", 1) != 1 || read(go, &c, 1) != 1)
		exit(1);
	for (;;) {
		ret = mojo_wait(node, h, MOJO_SIGNAL_READABLE, MOJO_TIMEOUT_INFINITE,
				NULL, NULL);
		if (ret)
			break;
		n = sizeof(buf);
		ret = mojo_read_message(node, h, buf, &n, NULL, NULL);
		if (ret)
			break;
		if (n == 4 && !memcmp(buf, "ping", 4))
			mojo_write_message(node, h, "pong", 4, NULL, 0);
	}
	exit(0);
}

/* Does one "message pipe:" line of `mojoctl graph` name both pids? */
static int graph_names(pid_t a, pid_t b)
{
	char line[512], pa[32], pb[32];
	int found = 0;
	FILE *f;

	snprintf(pa, sizeof(pa), "pid %d ", a);
	snprintf(pb, sizeof(pb), "pid %d ", b);
	f = popen(MOJOCTL " graph", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		fputs(line, stdout);
		if (strstr(line, "message pipe:") && strstr(line, pa) &&
		    strstr(line, pb))
			found = 1;
	}
	pclose(f);
	return found;
}

int main(void)
{
	int sv[2], gp[2], node, ret, i, status;
	uint32_t a, b, prod, cons, n;
	pid_t pid, tracer;
	uint64_t len;
	char buf[64], c;

	node = mojo_open_node();
	if (node < 0)
		die("open node", node);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(gp))
		die("socketpair", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (!pid) {
		close(sv[0]);
		close(gp[1]);
		child(sv[1], gp[0]);
	}
	close(sv[1]);
	close(gp[0]);

	ret = mojo_create_message_pipe(node, &a, &b);
	if (ret)
		die("create pipe", ret);
	/* Two messages wait at b, which the child is about to hold. */
	mojo_write_message(node, a, "hello", 5, NULL, 0);
	mojo_write_message(node, a, "world!", 6, NULL, 0);
	ret = mojo_send_handle(sv[0], node, b);
	if (ret)
		die("send_handle", ret);
	if (read(sv[0], &c, 1) != 1)
		die("child", EPIPE);
	ret = mojo_create_data_pipe(node, 1, 4096, &prod, &cons);
	if (ret)
		die("create data pipe", ret);
	len = 10;
	mojo_write_data(node, prod, "0123456789", &len, 0);

	printf("$ mojoctl graph\n");
	if (!graph_names(getpid(), pid)) {
		fprintf(stderr, "observe: mojoctl graph does not name both ends\n");
		kill(pid, SIGKILL);
		return 1;
	}
	printf("observe: mojoctl names both ends of the pipe: ok\n");

	printf("$ mojoctl trace -t 3 -n 24\n");
	fflush(stdout);
	tracer = fork();
	if (!tracer) {
		execlp(MOJOCTL, MOJOCTL, "trace", "-t", "3", "-n", "24", (char *)NULL);
		_exit(127);
	}
	usleep(500000);	/* let it enable the events */
	if (write(gp[1], "g", 1) != 1)
		die("go", errno);
	for (i = 0; i < 3; i++) {
		mojo_write_message(node, a, "ping", 4, NULL, 0);
		ret = mojo_wait(node, a, MOJO_SIGNAL_READABLE, 1000000000ULL,
				NULL, NULL);
		if (ret)
			die("wait pong", ret);
		n = sizeof(buf);
		mojo_read_message(node, a, buf, &n, NULL, NULL);
	}
	waitpid(tracer, &status, 0);
	mojo_close(node, a);
	waitpid(pid, &status, 0);
	close(node);
	return 0;
}
