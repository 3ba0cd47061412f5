/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mojoports: Mojo's IPC model (nodes, ports, message pipes, data pipes)
 * behind one character device, /dev/mojoports.
 *
 * This is the whole userspace ABI: the kernel module and every user program
 * include this one header.
 *
 * Rules that hold for every operation:
 *
 * - Every operation is an ioctl on a node fd (an open of /dev/mojoports).
 *   The ioctl number is built with _IOWR()/_IOR()/_IOW(), so it encodes the
 *   size of the argument struct; a number whose type, number, direction or
 *   size is not exactly one of those below fails with -ENOTTY.
 * - Argument structs have a fixed size and layout on every architecture:
 *   only __u8/__u32/__u64 members, user pointers carried in __u64, no
 *   implicit padding.
 * - Fields named reserved* must be zero; otherwise the call fails with
 *   -EINVAL and changes nothing. They are where later versions grow.
 * - Fields documented as "out" are ignored on input and written on success.
 *   On failure the argument struct is not written back.
 * - A bad user pointer (the argument itself, or one carried inside it)
 *   fails with -EFAULT.
 * - New operations and behaviours are announced by MOJO_API_VERSION and by
 *   bits in mojo_version_args.features; a feature bit, once published, keeps
 *   its meaning.
 */
#ifndef _UAPI_LINUX_MOJOPORTS_H
#define _UAPI_LINUX_MOJOPORTS_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* The version of this header's ABI. Bumped when features are added. */
#define MOJO_API_VERSION	1

/* The ioctl type byte ("magic") of every mojoports operation. */
#define MOJO_IOC_MAGIC		0xB8

/* Size in bytes of a node name (128 bits from the kernel's CSPRNG). */
#define MOJO_NAME_SIZE		16

/*
 * Feature bits reported by MOJO_IOC_VERSION. A program checks for the bit of
 * every operation it needs instead of comparing version numbers.
 */
#define MOJO_FEATURE_VERSION	_BITULL(0)	/* MOJO_IOC_VERSION */
#define MOJO_FEATURE_NODE_NAME	_BITULL(1)	/* MOJO_IOC_NODE_NAME */

/**
 * struct mojo_version_args - argument of MOJO_IOC_VERSION
 * @version:   out: MOJO_API_VERSION of the running module
 * @reserved0: must be zero
 * @features:  out: MOJO_FEATURE_* bits the running module supports
 * @reserved:  must be zero
 */
struct mojo_version_args {
	__u32 version;
	__u32 reserved0;
	__u64 features;
	__u64 reserved[2];
};

/**
 * struct mojo_node_name_args - argument of MOJO_IOC_NODE_NAME
 * @name:     out: the node's 128-bit name. Names are random, fixed for the
 *            node's life, and identify a node in diagnostics and (later)
 *            between kernels; they grant nothing: no operation takes a name
 *            as a capability.
 * @reserved: must be zero
 */
struct mojo_node_name_args {
	__u8 name[MOJO_NAME_SIZE];
	__u64 reserved[2];
};

/*
 * Operation numbers. The same number is the ioctl request and, with the
 * io_uring path, the uring_cmd cmd_op.
 *
 *   0x00 - 0x0f	node-wide operations
 *   0x10 - 0x3f	message pipes (reserved for a later version)
 *   0x40 - 0x5f	data pipes (reserved for a later version)
 */
#define MOJO_IOC_VERSION	_IOWR(MOJO_IOC_MAGIC, 0x00, struct mojo_version_args)
#define MOJO_IOC_NODE_NAME	_IOWR(MOJO_IOC_MAGIC, 0x01, struct mojo_node_name_args)

#endif /* _UAPI_LINUX_MOJOPORTS_H */
