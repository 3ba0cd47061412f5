/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_EXPORT_H
#define __MOJO_EXPORT_H

/**
 * DOC: Export and import
 *
 * A handle leaves its node as an O_CLOEXEC file descriptor
 * (MOJO_IOC_EXPORT) and enters another node from it (MOJO_IOC_IMPORT).
 * This is how processes that share no node bootstrap a first pipe: over
 * SCM_RIGHTS, or across fork and exec. While exported, the port is
 * IN_TRANSIT and owned by the file; messages keep queueing on it.
 */

struct mojo_node;

long mojo_export_op_export(struct mojo_node *node, void *arg);
long mojo_export_op_import(struct mojo_node *node, void *arg);

#endif /* __MOJO_EXPORT_H */
