// SPDX-License-Identifier: GPL-2.0
/*
 * nodes: open two nodes, print the module's ABI version and both names.
 *
 * The smallest mojoports program: each open of /dev/mojoports is a node
 * with its own random 128-bit name.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mojoports.h>

static int show(const char *label, int node)
{
	uint8_t name[MOJO_NAME_SIZE];
	char str[MOJO_NAME_STR_SIZE];
	int ret;

	ret = mojo_get_node_name(node, name);
	if (ret < 0) {
		fprintf(stderr, "nodes: name of %s: %s\n", label, strerror(-ret));
		return ret;
	}
	printf("%s name %s\n", label, mojo_format_name(name, str));
	return 0;
}

int main(void)
{
	uint64_t features;
	uint32_t version;
	int a, b, ret;

	a = mojo_open_node();
	b = mojo_open_node();
	if (a < 0 || b < 0) {
		fprintf(stderr, "nodes: open %s: %s\n", MOJO_DEVICE_PATH,
			strerror(a < 0 ? -a : -b));
		return 1;
	}
	ret = mojo_get_version(a, &version, &features);
	if (ret < 0) {
		fprintf(stderr, "nodes: version: %s\n", strerror(-ret));
		return 1;
	}
	printf("mojoports uapi version %u features 0x%llx\n", version,
	       (unsigned long long)features);
	if (show("node A", a) || show("node B", b))
		return 1;
	close(a);
	close(b);
	return 0;
}
