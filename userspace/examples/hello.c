// SPDX-License-Identifier: GPL-2.0
/*
 * hello: the README's first program. One node, one message pipe, one
 * message written at one end and read at the other.
 *
 *   cc hello.c $(pkg-config --cflags --libs mojoports)
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mojoports.h>

int main(void)
{
	char buf[64];
	uint32_t a, b, n = sizeof(buf);
	int node, ret;

	node = mojo_open_node();		/* a new node, or -errno */
	if (node < 0) {
		fprintf(stderr, "hello: %s: %s\n", MOJO_DEVICE_PATH, strerror(-node));
		return 1;
	}
	ret = mojo_create_message_pipe(node, &a, &b);
	if (!ret)
		ret = mojo_write_message(node, a, "hello, mojoports", 16, NULL, 0);
	/* Wait until b has a message (it has one already: this returns at once). */
	if (!ret)
		ret = mojo_wait(node, b, MOJO_SIGNAL_READABLE, MOJO_TIMEOUT_INFINITE,
				NULL, NULL);
	if (!ret)
		ret = mojo_read_message(node, b, buf, &n, NULL, NULL);
	if (ret) {
		fprintf(stderr, "hello: %s\n", strerror(-ret));
		return 1;
	}
	printf("read %u bytes: %.*s\n", n, (int)n, buf);
	close(node);				/* the node's death closes a and b */
	return 0;
}
