// SPDX-License-Identifier: GPL-2.0
/*
 * Per-user accounting of the memory nodes make the kernel hold. See user.h.
 */

#include <linux/cred.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "debugfs.h"
#include "mojo_trace.h"
#include "user.h"

/* uid -> struct mojo_user; changes under mojo_users_mutex. */
static DEFINE_XARRAY(mojo_users);
static DEFINE_MUTEX(mojo_users_mutex);

/**
 * mojo_user_auto_bytes() - the automatic value of a per-user memory bound
 *
 * Return: an eighth of the machine's memory, at least 64 MiB.
 */
unsigned long mojo_user_auto_bytes(void)
{
	return max_t(unsigned long, (totalram_pages() / 8) << PAGE_SHIFT,
		     64UL << 20);
}

/**
 * mojo_user_init() - settle the bounds left at 0 ("automatic")
 */
void mojo_user_init(void)
{
	if (!mojo_max_user_ring_bytes)
		mojo_max_user_ring_bytes = mojo_user_auto_bytes();
	if (!mojo_max_user_queue_bytes)
		mojo_max_user_queue_bytes = mojo_user_auto_bytes();
}

/*
 * Parameter operations (struct mojo_param). Numbers are parsed as the
 * kernel's own uint and ulong parameters parse them (decimal, 0x hex, 0
 * octal); anything else, including a number too big for the type, is
 * -EINVAL, as is a value out of range.
 */
static int mojo_param_set_uint(const char *val, const struct kernel_param *kp)
{
	const struct mojo_param *p = kp->arg;
	unsigned int v;

	if (kstrtouint(val, 0, &v) || v < p->min || v > p->max)
		return -EINVAL;
	WRITE_ONCE(*p->uint, v);
	return 0;
}

static int mojo_param_get_uint(char *buf, const struct kernel_param *kp)
{
	const struct mojo_param *p = kp->arg;

	return scnprintf(buf, PAGE_SIZE, "%u\n", READ_ONCE(*p->uint));
}

static int mojo_param_set_ulong(const char *val, const struct kernel_param *kp)
{
	const struct mojo_param *p = kp->arg;
	unsigned long v;

	if (kstrtoul(val, 0, &v))
		return -EINVAL;
	if (!v && p->zero_auto)
		v = mojo_user_auto_bytes();
	if (v < p->min || v > p->max)
		return -EINVAL;
	WRITE_ONCE(*p->ulong, v);
	return 0;
}

static int mojo_param_get_ulong(char *buf, const struct kernel_param *kp)
{
	const struct mojo_param *p = kp->arg;

	return scnprintf(buf, PAGE_SIZE, "%lu\n", READ_ONCE(*p->ulong));
}

const struct kernel_param_ops mojo_param_uint_ops = {
	.set	= mojo_param_set_uint,
	.get	= mojo_param_get_uint,
};

const struct kernel_param_ops mojo_param_ulong_ops = {
	.set	= mojo_param_set_ulong,
	.get	= mojo_param_get_ulong,
};

/**
 * mojo_user_current() - the user of the calling task, with a reference
 *
 * Return: the user, or NULL when out of memory.
 */
struct mojo_user *mojo_user_current(void)
{
	kuid_t uid = current_uid();
	unsigned long key = __kuid_val(uid);
	struct mojo_user *user;

	mutex_lock(&mojo_users_mutex);
	user = xa_load(&mojo_users, key);
	if (user) {
		kref_get(&user->ref);
		goto out;
	}
	user = kzalloc(sizeof(*user), GFP_KERNEL);
	if (!user)
		goto out;
	kref_init(&user->ref);
	user->uid = uid;
	atomic_long_set(&user->ring_bytes, 0);
	atomic_long_set(&user->queue_bytes, 0);
	atomic_long_set(&user->transit_ports, 0);
	atomic_long_set(&user->uring_pending, 0);
	atomic_long_set(&user->wrapped_files, 0);
	if (xa_err(xa_store(&mojo_users, key, user, GFP_KERNEL))) {
		kfree(user);
		user = NULL;
	}
out:
	mutex_unlock(&mojo_users_mutex);
	return user;
}

/* Called by kref_put_mutex() with mojo_users_mutex held; unlocks it. */
static void mojo_user_release(struct kref *ref)
{
	struct mojo_user *user = container_of(ref, struct mojo_user, ref);

	xa_erase(&mojo_users, __kuid_val(user->uid));
	mutex_unlock(&mojo_users_mutex);
	WARN_ON_ONCE(atomic_long_read(&user->ring_bytes) ||
		     atomic_long_read(&user->queue_bytes) ||
		     atomic_long_read(&user->transit_ports) ||
		     atomic_long_read(&user->uring_pending) ||
		     atomic_long_read(&user->wrapped_files));
	kfree(user);
}

/**
 * mojo_user_put() - drop a reference to a user
 * @user: the user, or NULL
 *
 * Context: may sleep (the last reference takes the table's mutex).
 */
void mojo_user_put(struct mojo_user *user)
{
	if (user)
		kref_put_mutex(&user->ref, mojo_user_release, &mojo_users_mutex);
}

/**
 * mojo_user_charge() - charge bytes to one of a user's counters
 * @counter: one of the user's counters
 * @max:     the bound, read by the caller from its module parameter
 * @bytes:   what to charge (bytes, or endpoints)
 *
 * Return: 0, or -ENOSPC when the charge would pass @max (nothing charged).
 */
int mojo_user_charge(atomic_long_t *counter, unsigned long max, size_t bytes)
{
	long old = atomic_long_read(counter), new;

	do {
		if (bytes > max || (unsigned long)old > max - bytes) {
			trace_mojo_user_limit(old, max, bytes);
			mojo_stat_inc(MOJO_STAT_USER_LIMIT_REFUSED);
			return -ENOSPC;
		}
		new = old + bytes;
	} while (!atomic_long_try_cmpxchg(counter, &old, new));
	return 0;
}

/**
 * mojo_user_uncharge() - give back what mojo_user_charge() took
 * @counter: the counter charged
 * @bytes:   what was charged
 */
void mojo_user_uncharge(atomic_long_t *counter, size_t bytes)
{
	atomic_long_sub(bytes, counter);
}
