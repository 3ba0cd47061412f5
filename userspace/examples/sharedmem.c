// SPDX-License-Identifier: GPL-2.0
/*
 * sharedmem: share a sealed memfd read-only with another process.
 *
 * The parent fills a memfd, seals it against writing, growing and
 * shrinking (F_SEAL_WRITE and friends), wraps it as a handle
 * (MOJO_IOC_WRAP_FD) and sends it in a message. The child, a process
 * with a node of its own reached through an exported endpoint, reads the
 * message, unwraps the handle into an fd and maps it read-only. The seals
 * make the sharing safe for both sides: the child cannot write (mmap with
 * PROT_WRITE and write() fail with EPERM), and the parent cannot change
 * the bytes under the child's feet either.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mojoports.h>

#define TEXT	"hello from a sealed memfd"
#define SEALS	(F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)

static int child(int exported)
{
	int node = mojo_open_node(), fd, ret;
	uint32_t pipe_end, h, nh = 1;
	char buf[16];
	uint32_t nb = sizeof(buf);
	void *p;

	if (node < 0)
		return 1;
	ret = mojo_import_handle(node, exported, &pipe_end);
	close(exported);
	if (!ret)
		ret = mojo_wait(node, pipe_end, MOJO_SIGNAL_READABLE,
				MOJO_TIMEOUT_INFINITE, NULL, NULL);
	if (!ret)
		ret = mojo_read_message(node, pipe_end, buf, &nb, &h, &nh);
	if (ret || nh != 1) {
		fprintf(stderr, "sharedmem: child: read: %s\n", strerror(-ret));
		return 1;
	}
	fd = mojo_unwrap_fd(node, h, 0);
	if (fd < 0) {
		fprintf(stderr, "sharedmem: child: unwrap: %s\n", strerror(-fd));
		return 1;
	}
	printf("child: seals 0x%x\n", fcntl(fd, F_GET_SEALS));
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("child: mmap read-write: %s\n",
	       p == MAP_FAILED ? strerror(errno) : "mapped (unexpected)");
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("sharedmem: child: mmap");
		return 1;
	}
	printf("child: reads \"%.*s\"\n", (int)strlen(TEXT), (char *)p);
	munmap(p, 4096);
	close(fd);
	close(node);
	return 0;
}

int main(void)
{
	int node = mojo_open_node(), fd, exported, status;
	uint32_t a, b, w;
	pid_t pid;

	if (node < 0) {
		fprintf(stderr, "sharedmem: open: %s\n", strerror(-node));
		return 1;
	}
	fd = memfd_create("sharedmem", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || write(fd, TEXT, strlen(TEXT)) != (ssize_t)strlen(TEXT) ||
	    fcntl(fd, F_ADD_SEALS, SEALS)) {
		perror("sharedmem: memfd");
		return 1;
	}
	if (mojo_create_message_pipe(node, &a, &b))
		return 1;
	/* The child's end leaves this node as an fd it inherits. */
	exported = mojo_export_handle(node, b);
	if (exported < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		/* Only the message may give the child the memfd. */
		close(fd);
		close(node);
		_exit(child(exported));
	}
	close(exported);
	if (mojo_wrap_fd(node, fd, &w) || mojo_write_message(node, a, "memfd", 5, &w, 1)) {
		fprintf(stderr, "sharedmem: parent: wrap or send failed\n");
		return 1;
	}
	/* The message holds the file now; the parent's fd may go. */
	close(fd);
	printf("parent: sent a sealed memfd of %zu bytes\n", strlen(TEXT));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "sharedmem: child failed\n");
		return 1;
	}
	close(node);
	return 0;
}
