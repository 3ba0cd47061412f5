/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_MESSAGE_H
#define __MOJO_MESSAGE_H

/**
 * DOC: Messages
 *
 * A user message: bytes plus the objects (ports, wrapped files) whose
 * handles the writer attached. The payload is copied in once at write time and out once at
 * read time; in between the message sits in exactly one port's receive
 * queue, and it owns one reference to each attached object.
 *
 * Lifetime: mojo_message_alloc() by the writer; queued by
 * mojo_port_deliver(); either taken apart by a reader (the objects move to
 * its handle table) or freed with mojo_message_free(), which closes every
 * object still attached. All memory is charged to the writer's memory
 * cgroup and to the writer's user (user.h) until it is freed.
 *
 * Every message records its writer, taken from the writing task when the
 * message is allocated (struct mojo_sender_creds): the writer's process
 * as a struct pid, which a reader translates into its own pid namespace
 * (a number taken at write time would mean nothing in another one), and
 * the effective ids as kernel ids, mapped likewise into the reader's user
 * namespace. The pid reference is dropped with the memory; nothing is
 * allocated for it.
 *
 * @ref counts the owner (the writer, then the queue, then whoever dequeued
 * it) plus the readers that pinned it while it is at the head of a queue:
 * a reader copies the payload out with no lock held, and a close that
 * frees the queue meanwhile closes the carried objects but leaves the
 * memory to the last mojo_message_put().
 */

#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct mojo_object;
struct mojo_user;
struct mojo_sender_creds;
struct pid;

/**
 * struct mojo_message - one user message
 * @link:        entry in the receiving port's queue; protected by that
 *               port's lock
 * @ref:         the owner's reference and one per pinning reader
 * @user:        the writer's user, charged @charge bytes (user.h; a
 *               reference is held)
 * @charge:      the size of the allocation, charged to @user
 * @pid:         the writer's thread group (a reference is held)
 * @euid:        the writer's effective uid when it wrote the message
 * @egid:        the writer's effective gid likewise
 * @seq:         sequence number assigned by the sending port
 * @num_bytes:   payload size
 * @num_objects: number of attached objects
 * @objects:     the attached objects, one reference each
 * @data:        the payload
 */
struct mojo_message {
	struct list_head link;
	refcount_t ref;
	struct mojo_user *user;
	size_t charge;
	struct pid *pid;
	kuid_t euid;
	kgid_t egid;
	u64 seq;
	u32 num_bytes;
	u32 num_objects;
	struct mojo_object **objects;
	u8 *data;
};

struct mojo_message *mojo_message_alloc(struct mojo_user *user, u32 num_bytes,
					u32 num_objects);
void mojo_message_free(struct mojo_message *msg);
void mojo_message_put(struct mojo_message *msg);
void mojo_message_creds(const struct mojo_message *msg,
			struct mojo_sender_creds *creds);

/**
 * mojo_message_pin() - keep a queued message's memory while reading it
 * @msg: the message, at the head of a queue whose port lock is held
 *
 * Return: @msg; unpin with mojo_message_put().
 */
static inline struct mojo_message *mojo_message_pin(struct mojo_message *msg)
{
	refcount_inc(&msg->ref);
	return msg;
}

void mojo_message_free_list(struct list_head *list);

#endif /* __MOJO_MESSAGE_H */
