/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmojoports: a small C API over /dev/mojoports.
 *
 * Conventions:
 * - Every function returns 0 (or a non-negative value where documented) on
 *   success and a negative errno on failure; none of them sets errno.
 * - A node is a file descriptor of /dev/mojoports. Each mojo_open_node()
 *   creates a new node; fds that share one open file description (dup(),
 *   fork(), SCM_RIGHTS) share the node. Closing the last one is the node's
 *   death.
 * - The kernel ABI is <linux/mojoports.h>; this library adds nothing to it
 *   but convenience, so raw ioctl() callers see the same behaviour.
 */
#ifndef MOJOPORTS_H
#define MOJOPORTS_H

#include <stddef.h>
#include <stdint.h>

#include <linux/mojoports.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Path of the character device. */
#define MOJO_DEVICE_PATH	"/dev/mojoports"

/* Size of the buffer mojo_format_name() needs: 32 hex digits and a NUL. */
#define MOJO_NAME_STR_SIZE	(2 * MOJO_NAME_SIZE + 1)

/**
 * mojo_open_node() - create a new node
 *
 * Opens MOJO_DEVICE_PATH with O_RDWR | O_CLOEXEC.
 *
 * Return: the node's file descriptor, or a negative errno.
 */
int mojo_open_node(void);

/**
 * mojo_get_version() - ABI version and feature bits of the running module
 * @node:     a node fd
 * @version:  out: MOJO_API_VERSION of the module (may be NULL)
 * @features: out: MOJO_FEATURE_* bits (may be NULL)
 *
 * Return: 0 or a negative errno.
 */
int mojo_get_version(int node, uint32_t *version, uint64_t *features);

/**
 * mojo_get_node_name() - the node's random 128-bit name
 * @node: a node fd
 * @name: out: MOJO_NAME_SIZE bytes
 *
 * Return: 0 or a negative errno.
 */
int mojo_get_node_name(int node, uint8_t name[MOJO_NAME_SIZE]);

/**
 * mojo_format_name() - format a node name as 32 lowercase hex digits
 * @name: MOJO_NAME_SIZE bytes
 * @buf:  out: MOJO_NAME_STR_SIZE bytes, NUL-terminated
 *
 * Return: @buf.
 */
char *mojo_format_name(const uint8_t name[MOJO_NAME_SIZE],
		       char buf[MOJO_NAME_STR_SIZE]);

#ifdef __cplusplus
}
#endif

#endif /* MOJOPORTS_H */
