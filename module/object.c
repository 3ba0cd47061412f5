// SPDX-License-Identifier: GPL-2.0
/*
 * Type dispatch for handle-able objects. See object.h.
 */

#include <linux/bug.h>

#include "object.h"
#include "port.h"
#include "trap.h"

static void mojo_object_release(struct kref *ref)
{
	struct mojo_object *obj = container_of(ref, struct mojo_object, ref);

	switch (obj->type) {
	case MOJO_OBJ_PORT:
		mojo_port_release(mojo_port_from(obj));
		return;
	case MOJO_OBJ_TRAP:
		mojo_trap_release(mojo_trap_from(obj));
		return;
	}
	WARN_ONCE(1, "mojoports: object of unknown type %d\n", obj->type);
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
	switch (obj->type) {
	case MOJO_OBJ_PORT:
		mojo_port_close(mojo_port_from(obj), reap);
		return;
	case MOJO_OBJ_TRAP:
		mojo_trap_close(mojo_trap_from(obj));
		return;
	}
	WARN_ONCE(1, "mojoports: object of unknown type %d\n", obj->type);
}
