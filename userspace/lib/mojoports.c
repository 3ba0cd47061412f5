// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmojoports: see <mojoports.h>.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <mojoports.h>

#define MOJO_EXPORT __attribute__((visibility("default")))

/* ioctl() that returns its result or a negative errno. */
static int mojo_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

MOJO_EXPORT int mojo_open_node(void)
{
	int fd = open(MOJO_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

MOJO_EXPORT int mojo_get_version(int node, uint32_t *version,
				 uint64_t *features)
{
	struct mojo_version_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	ret = mojo_ioctl(node, MOJO_IOC_VERSION, &a);
	if (ret < 0)
		return ret;
	if (version)
		*version = a.version;
	if (features)
		*features = a.features;
	return 0;
}

MOJO_EXPORT int mojo_get_node_name(int node, uint8_t name[MOJO_NAME_SIZE])
{
	struct mojo_node_name_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	ret = mojo_ioctl(node, MOJO_IOC_NODE_NAME, &a);
	if (ret < 0)
		return ret;
	memcpy(name, a.name, MOJO_NAME_SIZE);
	return 0;
}

MOJO_EXPORT char *mojo_format_name(const uint8_t name[MOJO_NAME_SIZE],
				   char buf[MOJO_NAME_STR_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < MOJO_NAME_SIZE; i++) {
		buf[2 * i] = hex[name[i] >> 4];
		buf[2 * i + 1] = hex[name[i] & 0xf];
	}
	buf[2 * MOJO_NAME_SIZE] = '\0';
	return buf;
}
