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
 * - Endpoints inside queued messages are counted for the writer of the
 *   message, up to max_user_transit_ports, the way handles in a node count
 *   toward max_handles: without it, a user holding three handles could
 *   hide any number of endpoints in queues and make whoever closes them
 *   pay (-ETOOMANYREFS at write).
 *
 * - Asynchronous io_uring commands parked on a user's nodes, up to
 *   uring_max_pending_per_user (uring.h; -EDQUOT).
 *
 * The two memory bounds default to an eighth of the machine's memory, so that one user
 * alone cannot exhaust it: the memory is the kernel's, counted in no
 * process's RSS, so the OOM killer would pick a bystander. The
 * allocations themselves use __GFP_RETRY_MAYFAIL: under pressure, or at
 * a memory cgroup's limit, they fail with -ENOMEM rather than invoking
 * the OOM killer on anyone.
 *
 * Lifetime: a node holds a reference to the user that opened it, a ring
 * and a message to the user they are charged to; the last reference
 * removes the user from the table. Counters are atomic; the table is
 * protected by a mutex taken only to find, add or remove a user.
 */

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/types.h>
#include <linux/uidgid.h>

/**
 * struct mojo_user - what one uid's nodes hold
 * @ref:          nodes, rings and messages charged to this user
 * @uid:          the uid (of the opener's real uid); immutable
 * @ring_bytes:   bytes of data pipe rings charged
 * @queue_bytes:  bytes of messages written and not yet read or freed
 * @transit_ports: endpoints inside those messages
 * @uring_pending: io_uring commands parked on its nodes (uring.h)
 */
struct mojo_user {
	struct kref ref;
	kuid_t uid;
	atomic_long_t ring_bytes;
	atomic_long_t queue_bytes;
	atomic_long_t transit_ports;
	atomic_long_t uring_pending;
};

extern unsigned long mojo_max_user_ring_bytes;
extern unsigned long mojo_max_user_queue_bytes;
extern unsigned int mojo_max_user_transit_ports;

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
