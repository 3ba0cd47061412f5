// SPDX-License-Identifier: GPL-2.0
/*
 * streamfile: stream a file from one process to another through a data
 * pipe, and check that both sides computed the same checksum.
 *
 * The processes have nodes of their own and share a message pipe,
 * bootstrapped over a UNIX socket. The parent creates a data pipe and
 * sends the consumer end to the child inside a message; it then writes
 * the file into the ring with two-phase writes through its mapping, and
 * the child reads it with two-phase reads through its own read-only
 * mapping. Usage: streamfile [FILE] (default: the program itself).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mojoports.h>

#define RING	(256 * 1024)

static int die(const char *who, const char *what, int err)
{
	fprintf(stderr, "streamfile: %s: %s: %s\n", who, what, strerror(-err));
	return 1;
}

/* FNV-1a, 64 bit. */
static uint64_t fnv(uint64_t h, const uint8_t *p, uint64_t n)
{
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static int consumer(int sock)
{
	uint64_t h = 0xcbf29ce484222325ULL, total = 0, off, size;
	uint32_t pipe_h, c, n = 0, nh = 1;
	int node = mojo_open_node(), ret;
	size_t msize;
	uint8_t *ring;

	if (node < 0)
		return die("child", "open", node);
	ret = mojo_recv_handle(sock, node, &pipe_h);
	if (!ret)
		ret = mojo_wait(node, pipe_h, MOJO_SIGNAL_READABLE,
				MOJO_TIMEOUT_INFINITE, NULL, NULL);
	if (!ret)
		ret = mojo_read_message(node, pipe_h, NULL, &n, &c, &nh);
	if (!ret && nh != 1)
		ret = -EPROTO;
	if (!ret)
		ret = mojo_map_data_pipe(node, c, (void **)&ring, &msize);
	if (ret)
		return die("child", "receive the consumer", ret);

	for (;;) {
		ret = mojo_begin_read_data(node, c, &off, &size);
		if (ret == -EAGAIN) {
			ret = mojo_wait(node, c, MOJO_SIGNAL_READABLE,
					MOJO_TIMEOUT_INFINITE, NULL, NULL);
			if (ret && ret != -EPIPE)
				return die("child", "wait", ret);
			continue;
		}
		if (ret == -EPIPE)	/* producer closed, ring drained */
			break;
		if (ret)
			return die("child", "begin read", ret);
		h = fnv(h, ring + off, size);
		total += size;
		ret = mojo_end_read_data(node, c, size);
		if (ret)
			return die("child", "end read", ret);
	}
	printf("child:  received %" PRIu64 " bytes, checksum %016" PRIx64 "\n", total, h);
	fflush(stdout);
	/* Report back over the message pipe. */
	ret = mojo_write_message(node, pipe_h, &h, sizeof(h), NULL, 0);
	return ret ? die("child", "report", ret) : 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/proc/self/exe";
	uint64_t h = 0xcbf29ce484222325ULL, theirs = 0, total = 0, off, size;
	uint32_t m0, m1, p, c, n;
	int sv[2], node, fd, ret, status;
	size_t msize;
	uint8_t *ring;
	ssize_t got;
	pid_t pid;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return die("parent", path, -errno);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		return die("parent", "socketpair", -errno);
	pid = fork();
	if (pid == 0)
		_exit(consumer(sv[1]));

	node = mojo_open_node();
	if (node < 0)
		return die("parent", "open", node);
	ret = mojo_create_message_pipe(node, &m0, &m1);
	if (!ret)
		ret = mojo_send_handle(sv[0], node, m1);
	if (!ret)
		ret = mojo_create_data_pipe(node, 1, RING, &p, &c);
	if (!ret)	/* the consumer end travels inside a message */
		ret = mojo_write_message(node, m0, NULL, 0, &c, 1);
	if (!ret)
		ret = mojo_map_data_pipe(node, p, (void **)&ring, &msize);
	if (ret)
		return die("parent", "setup", ret);

	for (;;) {
		ret = mojo_begin_write_data(node, p, &off, &size);
		if (ret == -EAGAIN) {
			ret = mojo_wait(node, p, MOJO_SIGNAL_WRITABLE,
					MOJO_TIMEOUT_INFINITE, NULL, NULL);
			if (ret)
				return die("parent", "wait", ret);
			continue;
		}
		if (ret)
			return die("parent", "begin write", ret);
		got = read(fd, ring + off, size);
		if (got < 0)
			return die("parent", "read file", -errno);
		h = fnv(h, ring + off, got);
		total += got;
		ret = mojo_end_write_data(node, p, got);
		if (ret)
			return die("parent", "end write", ret);
		if (got == 0)
			break;
	}
	close(fd);
	mojo_close(node, p);	/* end of stream */
	printf("parent: sent %" PRIu64 " bytes of %s, checksum %016" PRIx64 "\n",
	       total, path, h);
	fflush(stdout);

	n = sizeof(theirs);
	ret = mojo_wait(node, m0, MOJO_SIGNAL_READABLE, MOJO_TIMEOUT_INFINITE,
			NULL, NULL);
	if (!ret)
		ret = mojo_read_message(node, m0, &theirs, &n, NULL, NULL);
	waitpid(pid, &status, 0);
	if (ret)
		return die("parent", "read the report", ret);
	printf("streamfile: checksums %s\n", theirs == h ? "match" : "DIFFER");
	return theirs == h && WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 1;
}
