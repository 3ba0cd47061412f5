/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_OBJECT_H
#define __MOJO_OBJECT_H

/**
 * DOC: Objects and handles
 *
 * Everything a handle can name embeds a struct mojo_object: a type tag and
 * a reference count. A node's handle table (node.h) maps handle numbers to
 * objects and holds one reference per entry. Objects in transit (attached to
 * a message, or held by an exported fd) are held by that message or file
 * instead, so an object is always owned by exactly one of: a handle table
 * entry, a queued message, an export file, or nothing (closed).
 *
 * Lifetime: mojo_object_get()/mojo_object_put(); the last put frees the
 * object through its type's release function. Closing (what a handle's
 * owner does) is separate from freeing: a closed port can live on while a
 * peer or a waiter still holds a reference.
 */

#include <linux/kref.h>
#include <linux/list.h>

/**
 * enum mojo_object_type - what a handle refers to
 * @MOJO_OBJ_PORT: a message pipe endpoint (struct mojo_port)
 * @MOJO_OBJ_TRAP: a trap (struct mojo_trap); never leaves its node
 */
enum mojo_object_type {
	MOJO_OBJ_PORT = 1,
	MOJO_OBJ_TRAP,
};

/**
 * struct mojo_object - common header of every handle-able kernel object
 * @ref:  reference count
 * @type: what the object is
 */
struct mojo_object {
	struct kref ref;
	enum mojo_object_type type;
};

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
