// SPDX-License-Identifier: GPL-2.0
/*
 * Handle-able objects: each kind's struct mojo_object_ops. See object.h.
 */

#include "object.h"

static void mojo_object_release(struct kref *ref)
{
	struct mojo_object *obj = container_of(ref, struct mojo_object, ref);

	obj->ops->release(obj);
}

/**
 * mojo_object_put() - drop a reference; the last one frees the object
 * @obj: the object, or NULL
 */
void mojo_object_put(struct mojo_object *obj)
{
	if (obj)
		kref_put(&obj->ref, mojo_object_release);
}

/**
 * mojo_object_close() - close an object its owner gives up
 * @obj:  the object, already out of the owner's table, message or file
 * @reap: list for messages the object held (see mojo_port_close())
 *
 * The caller keeps its reference and drops it afterwards.
 */
void mojo_object_close(struct mojo_object *obj, struct list_head *reap)
{
	obj->ops->close(obj, reap);
}
