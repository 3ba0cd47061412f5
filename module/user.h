/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_USER_H
#define __MOJO_USER_H

/**
 * DOC: Users and who pays
 *
 * Memory a node makes the kernel hold on its behalf is charged twice: to
 * the memory cgroup of the task that allocated it (GFP_KERNEL_ACCOUNT),
 * and to a struct mojo_user, one per uid, bounded by module parameters an
 * administrator sets (the way pipe-user-pages-hard bounds pipes):
 *
 * - Data pipe rings are paid by the user whose node created them, up to
 *   max_user_ring_bytes in all; beyond it MOJO_IOC_CREATE_DATA_PIPE fails
 *   with -ENOSPC. The ring stays charged while any endpoint or mapping
 *   lives, wherever the endpoints went.
 * - Queued messages are paid by their writer (as AF_UNIX charges the
 *   sender's socket buffer), up to max_user_queue_bytes of messages
 *   queued and unread in all; beyond it MOJO_IOC_WRITE_MESSAGE fails with
 *   -ENOSPC, as when the receiver's quota is full. A receiver sets its own
 *   queue quota (MOJO_IOC_SET_QUOTA), but whatever it sets, it cannot make
 *   a writer hold more than that bound: a hostile receiver that never
 *   reads pins at most max_user_queue_bytes of a writer's memory.
 *
 * - Handles in transit (endpoints and wrapped files inside queued
 *   messages) are counted for the writer of the message, up to
 *   max_user_transit_ports (the name predates wrapped files), the way
 *   handles in a node count toward max_handles: without it, a user
 *   holding three handles could hide any number of endpoints in queues
 *   and make whoever closes them pay, or pin any number of open files
 *   (-ETOOMANYREFS at write).
 * - Wrapped files (wrapfd.h), wherever they are (a handle table or a
 *   queue), are counted for the user whose node wrapped them, up to that
 *   caller's RLIMIT_NOFILE at MOJO_IOC_WRAP_FD, as AF_UNIX bounds the
 *   files a user has in flight: an open file a handle keeps is not in
 *   any descriptor table, where the rlimit and lsof would see it. Past
 *   it, WRAP_FD fails with -ETOOMANYREFS unless the caller has
 *   CAP_SYS_RESOURCE or CAP_SYS_ADMIN.
 *
 * - Asynchronous io_uring commands parked on a user's nodes, up to
 *   uring_max_pending_per_user (uring.h; -EDQUOT).
 *
 * The two memory bounds default to an eighth of the machine's memory (at
 * least 64 MiB; setting 0 asks for this again), so that one user
 * alone cannot exhaust it: the memory is the kernel's, counted in no
 * process's RSS, so the OOM killer would pick a bystander. Every
 * allocation the module makes for an operation, small or large, uses
 * MOJO_GFP (__GFP_RETRY_MAYFAIL): under pressure, or at a memory cgroup's
 * limit, it fails with -ENOMEM rather than invoking the OOM killer on
 * anyone. (The files of nodes and exports are the VFS's, allocated as for
 * any open().)
 *
 * Lifetime: a node holds a reference to the user that opened it, a ring
 * and a message to the user they are charged to; the last reference
 * removes the user from the table. Counters are atomic; the table is
 * protected by a mutex taken only to find, add or remove a user.
 */

#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/kref.h>
#include <linux/moduleparam.h>
#include <linux/types.h>
#include <linux/uidgid.h>

/*
 * How the module allocates what an operation asks for: charged to the
 * caller's memory cgroup, and failing (quietly: a user can cause it)
 * instead of reclaiming forever or invoking the OOM killer.
 */
#define MOJO_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/**
 * struct mojo_user - what one uid's nodes hold
 * @ref:          nodes, rings and messages charged to this user
 * @uid:          the uid (of the opener's real uid); immutable
 * @ring_bytes:   bytes of data pipe rings charged
 * @queue_bytes:  bytes of messages written and not yet read or freed
 * @transit_ports: handles (endpoints, wrapped files) inside those messages
 * @uring_pending: io_uring commands parked on its nodes (uring.h)
 * @wrapped_files: open files its nodes wrapped that are not closed yet
 *                 (wrapfd.h)
 */
struct mojo_user {
	struct kref ref;
	kuid_t uid;
	atomic_long_t ring_bytes;
	atomic_long_t queue_bytes;
	atomic_long_t transit_ports;
	atomic_long_t uring_pending;
	atomic_long_t wrapped_files;
};

/**
 * struct mojo_param - a module parameter and the range it accepts
 * @uint:      the variable, for mojo_param_uint_ops
 * @ulong:     the variable, for mojo_param_ulong_ops
 * @min:       the smallest value accepted
 * @max:       the largest value accepted
 * @zero_auto: 0 is accepted too, and stands for mojo_user_auto_bytes()
 *
 * Every parameter of the module is one of these (declared with
 * mojo_param_uint() or mojo_param_ulong()): a value outside [@min, @max],
 * or not a number, is refused with -EINVAL at load (the module does not
 * load) and through /sys/module/mojoports/parameters/ (the old value
 * stays). Writes are serialized by the module's parameter lock
 * (kernel_param_lock()); readers use READ_ONCE() and see the old value
 * or the new one.
 */
struct mojo_param {
	unsigned int *uint;
	unsigned long *ulong;
	unsigned long min;
	unsigned long max;
	bool zero_auto;
};

extern const struct kernel_param_ops mojo_param_uint_ops;
extern const struct kernel_param_ops mojo_param_ulong_ops;

/* A root-writable unsigned int parameter @name in [@lo, @hi]. */
#define mojo_param_uint(name, var, lo, hi)				\
	static struct mojo_param mojo_param_##name = {			\
		.uint = &(var), .min = (lo), .max = (hi),		\
	};								\
	module_param_cb(name, &mojo_param_uint_ops, &mojo_param_##name, 0644)

/* The same for an unsigned long; @zero_auto as in struct mojo_param. */
#define mojo_param_ulong(name, var, lo, hi, zero_auto_)			\
	static struct mojo_param mojo_param_##name = {			\
		.ulong = &(var), .min = (lo), .max = (hi),		\
		.zero_auto = (zero_auto_),				\
	};								\
	module_param_cb(name, &mojo_param_ulong_ops, &mojo_param_##name, 0644)

extern unsigned long mojo_max_user_ring_bytes;
extern unsigned long mojo_max_user_queue_bytes;
extern unsigned int mojo_max_user_transit_ports;

unsigned long mojo_user_auto_bytes(void);
void mojo_user_init(void);
struct mojo_user *mojo_user_current(void);
void mojo_user_put(struct mojo_user *user);
int mojo_user_charge(atomic_long_t *counter, unsigned long max, size_t bytes);
void mojo_user_uncharge(atomic_long_t *counter, size_t bytes);

/**
 * mojo_user_get() - take a reference to a user
 * @user: the user
 *
 * Return: @user.
 */
static inline struct mojo_user *mojo_user_get(struct mojo_user *user)
{
	kref_get(&user->ref);
	return user;
}

#endif /* __MOJO_USER_H */
