/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_OBJECT_H
#define __MOJO_OBJECT_H

/**
 * DOC: Objects and handles
 *
 * Everything a handle can name embeds a struct mojo_object: the
 * operations of its kind (struct mojo_object_ops, one table per kind, in
 * the kind's own file) and a reference count. A node's handle table
 * (node.h) maps handle numbers to objects and holds one reference per
 * entry. Objects in transit (attached to a message, or held by an
 * exported fd) are held by that message or file instead, so an object is
 * always owned by exactly one of: a handle table entry, a queued message,
 * an export file, or nothing (closed).
 *
 * Lifetime: mojo_object_get()/mojo_object_put(); the last put frees the
 * object through its kind's release operation. Closing (what a handle's
 * owner does) is separate from freeing: a closed port can live on while a
 * peer or a waiter still holds a reference.
 */

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/types.h>

/**
 * enum mojo_object_type - what a handle refers to
 * @MOJO_OBJ_PORT: a message pipe or data pipe endpoint (struct mojo_port)
 * @MOJO_OBJ_TRAP: a trap (struct mojo_trap); never leaves its node
 * @MOJO_OBJ_WRAPPED: a wrapped file descriptor (struct mojo_wrapped)
 */
enum mojo_object_type {
	MOJO_OBJ_PORT = 1,
	MOJO_OBJ_TRAP,
	MOJO_OBJ_WRAPPED,
};

struct mojo_object;

/**
 * struct mojo_object_ops - what one kind of object does
 * @type:    the kind, for the operations that take only one
 * @close:   its owner gives it up for good (handle closed, message
 *           freed unread, export file released, node died): see
 *           mojo_object_close()
 * @release: free it; the last reference is gone
 * @travels: it may be attached to a message (MOJO_IOC_WRITE_MESSAGE)
 *
 * Every kind lives in a file of its own and has one static instance;
 * nothing outside that file switches on the kind to act on an object.
 */
struct mojo_object_ops {
	enum mojo_object_type type;
	bool travels;
	void (*close)(struct mojo_object *obj, struct list_head *reap);
	void (*release)(struct mojo_object *obj);
};

/**
 * struct mojo_object - common header of every handle-able kernel object
 * @ref: reference count
 * @ops: its kind; set once by mojo_object_init()
 */
struct mojo_object {
	struct kref ref;
	const struct mojo_object_ops *ops;
};

/**
 * mojo_object_init() - start an object's life with one reference
 * @obj: the object
 * @ops: its kind
 */
static inline void mojo_object_init(struct mojo_object *obj,
				    const struct mojo_object_ops *ops)
{
	kref_init(&obj->ref);
	obj->ops = ops;
}

/**
 * mojo_object_is() - is the object of this kind?
 * @obj:  the object
 * @type: the kind
 *
 * Return: true when it is.
 */
static inline bool mojo_object_is(const struct mojo_object *obj,
				  enum mojo_object_type type)
{
	return obj->ops->type == type;
}

/**
 * mojo_object_get() - take a reference
 * @obj: the object
 *
 * Return: @obj.
 */
static inline struct mojo_object *mojo_object_get(struct mojo_object *obj)
{
	kref_get(&obj->ref);
	return obj;
}

void mojo_object_put(struct mojo_object *obj);
void mojo_object_close(struct mojo_object *obj, struct list_head *reap);

#endif /* __MOJO_OBJECT_H */
