// SPDX-License-Identifier: GPL-2.0
/*
 * User messages. See message.h.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>

#include <uapi/linux/mojoports.h>

#include "message.h"
#include "object.h"
#include "user.h"

/**
 * mojo_message_alloc() - allocate a message, payload and object array
 * @user:        the writer's user, who pays for it
 * @num_bytes:   payload size (already checked against the limit)
 * @num_objects: number of objects it will carry
 *
 * One allocation holds the header, the object pointers and the payload;
 * it is charged to the caller's memory cgroup, to @user's queue bytes,
 * and @num_objects to @user's handles in transit (for as long as the
 * message lives, which is as long as the objects are in transit in it),
 * and it fails rather than invoke the OOM killer.
 *
 * The current task is the writer: the message takes its credentials
 * (message.h). Under io_uring, current runs with the request's
 * credentials (the submitter's, a personality's, or, from an SQPOLL
 * thread, the ring creator's) and is a thread of the submitting process,
 * so the writer is what io_uring says it is.
 *
 * Return: the message with @objects zeroed; ERR_PTR(-ETOOMANYREFS) beyond
 * max_user_transit_ports, ERR_PTR(-ENOSPC) beyond max_user_queue_bytes,
 * ERR_PTR(-ENOMEM).
 */
struct mojo_message *mojo_message_alloc(struct mojo_user *user, u32 num_bytes,
					u32 num_objects)
{
	struct mojo_message *msg;
	size_t size, objs;
	int ret;

	if (check_mul_overflow((size_t)num_objects, sizeof(*msg->objects), &objs) ||
	    check_add_overflow(sizeof(*msg), objs, &size) ||
	    check_add_overflow(size, (size_t)num_bytes, &size) ||
	    size > INT_MAX)	/* kvmalloc()'s bound; max_message_bytes keeps below */
		return ERR_PTR(-ENOMEM);
	if (mojo_user_charge(&user->transit_ports,
			     READ_ONCE(mojo_max_user_transit_ports), num_objects))
		return ERR_PTR(-ETOOMANYREFS);
	ret = mojo_user_charge(&user->queue_bytes,
			       READ_ONCE(mojo_max_user_queue_bytes), size);
	if (ret)
		goto fail_ports;
	msg = kvmalloc(size, MOJO_GFP);
	if (!msg) {
		mojo_user_uncharge(&user->queue_bytes, size);
		ret = -ENOMEM;
		goto fail_ports;
	}
	INIT_LIST_HEAD(&msg->link);
	refcount_set(&msg->ref, 1);
	msg->user = mojo_user_get(user);
	msg->charge = size;
	msg->pid = get_pid(task_tgid(current));
	msg->euid = current_euid();
	msg->egid = current_egid();
	msg->seq = 0;
	msg->num_bytes = num_bytes;
	msg->num_objects = num_objects;
	msg->objects = (struct mojo_object **)(msg + 1);
	memset(msg->objects, 0, objs);
	msg->data = (u8 *)msg->objects + objs;
	return msg;

fail_ports:
	mojo_user_uncharge(&user->transit_ports, num_objects);
	return ERR_PTR(ret);
}

/**
 * mojo_message_free_list() - free messages and close what they carry
 * @list: messages linked through @link, each with its owner's reference;
 *        emptied
 *
 * Closing a carried port moves its own queued messages onto @list, so
 * nested messages are freed by this loop rather than by recursion.
 * Context: process context, no locks held.
 */
void mojo_message_free_list(struct list_head *list)
{
	struct mojo_message *msg;
	u32 i;

	while (!list_empty(list)) {
		msg = list_first_entry(list, struct mojo_message, link);
		list_del(&msg->link);
		for (i = 0; i < msg->num_objects; i++) {
			if (!msg->objects[i])
				continue;
			mojo_object_close(msg->objects[i], list);
			mojo_object_put(msg->objects[i]);
			msg->objects[i] = NULL;
		}
		mojo_message_put(msg);
	}
}

/**
 * mojo_message_put() - drop a reference; the last one frees the memory
 * @msg: the message, whose objects are gone (closed or taken)
 */
void mojo_message_put(struct mojo_message *msg)
{
	struct mojo_user *user = msg->user;

	if (!refcount_dec_and_test(&msg->ref))
		return;
	mojo_user_uncharge(&user->queue_bytes, msg->charge);
	mojo_user_uncharge(&user->transit_ports, msg->num_objects);
	put_pid(msg->pid);
	kvfree(msg);
	mojo_user_put(user);
}

/**
 * mojo_message_creds() - the writer of a message, as the current task sees it
 * @msg:   the message (pinned, or otherwise kept alive by the caller)
 * @creds: out: the writer's pid in current's pid namespace (0 when it is
 *         not visible there), its effective ids in current's user
 *         namespace (the overflow ids when unmapped there)
 *
 * Translated at read time, in the reader's context, as SCM_CREDENTIALS
 * and SO_PEERCRED are: the same message reads differently in different
 * namespaces.
 */
void mojo_message_creds(const struct mojo_message *msg,
			struct mojo_sender_creds *creds)
{
	struct user_namespace *ns = current_user_ns();

	creds->pid = pid_nr_ns(msg->pid, task_active_pid_ns(current));
	creds->uid = from_kuid_munged(ns, msg->euid);
	creds->gid = from_kgid_munged(ns, msg->egid);
	creds->reserved = 0;
}

/**
 * mojo_message_free() - free one message that is on no queue
 * @msg: the message, or NULL
 */
void mojo_message_free(struct mojo_message *msg)
{
	LIST_HEAD(list);

	if (!msg)
		return;
	list_add(&msg->link, &list);
	mojo_message_free_list(&list);
}
