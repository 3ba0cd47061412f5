// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmojo_core.so: the objects the library keeps itself, numbered above
 * 2^32 (MC_LOCAL_TAG): shared buffers and invitations.
 *
 * Shared buffers are memfds: create, map, unmap, duplicate (read-only
 * too), info, and they travel in messages (see "buffers in messages"
 * below and mojo_core_internal.h) and convert to and from a platform
 * shared memory region (an fd, a size, an access mode and a GUID).
 *
 * Access modes keep Mojo's rule that a buffer duplicated read-only is
 * never duplicated writable again, and the reverse. A buffer starts
 * writable. Duplicating it read-only makes the whole buffer read-only
 * from then on, here through all its handles (they map read-only, and
 * the memfd is sealed against writes, new writable mappings and size
 * changes; mappings made before stay writable); duplicating it plainly makes it shared-writable
 * ("unsafe") for good. Either refuses the other afterwards with
 * FAILED_PRECONDITION.
 *
 * Invitations carry message pipes by name to another process over a
 * connected AF_UNIX socket: MojoSendInvitation exports each attached
 * endpoint as an fd and sends it with SCM_RIGHTS, one record per name,
 * then an end record; MojoAcceptInvitation reads the records and imports
 * the endpoints. Accepting blocks until the sender has sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mojo_core_internal.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

/* What makes a memfd read-only for every holder: no writes, no size change. */
#define MC_SEALS_READ_ONLY (F_SEAL_FUTURE_WRITE | F_SEAL_SHRINK | F_SEAL_GROW)

enum mc_local_kind { MC_BUFFER = 1, MC_INVITATION };
enum mc_buffer_mode { MC_WRITABLE, MC_READ_ONLY, MC_UNSAFE };

struct mc_region {
	unsigned int refs;
	int fd;
	int ro_fd;	/* an O_RDONLY descriptor of the same file, or -1 */
	uint64_t size;
	enum mc_buffer_mode mode;
	struct MojoSharedBufferGuid guid;
};

struct mc_attachment {
	struct mc_attachment *next;
	uint32_t handle;	/* the end that travels */
	uint32_t len;
	uint8_t name[];
};

struct mc_local {
	struct mc_local *next;
	MojoHandle handle;
	enum mc_local_kind kind;
	struct mc_region *region;		/* MC_BUFFER */
	struct mc_attachment *attachments;	/* MC_INVITATION */
	bool accepted;				/* MC_INVITATION: received */
};

struct mc_mapping {
	struct mc_mapping *next;
	void *user;		/* what MapBuffer returned */
	void *base;
	size_t len;
};

static struct mc_local *mc_locals;
static struct mc_mapping *mc_mappings;
static uint32_t mc_next_local = 1;

/* Find a local object of @kind; mc_lock held. */
static struct mc_local *mc_local_find(MojoHandle h, enum mc_local_kind kind)
{
	struct mc_local *o;

	if (!MC_IS_LOCAL(h))
		return NULL;
	for (o = mc_locals; o; o = o->next)
		if (o->handle == h && o->kind == kind)
			return o;
	return NULL;
}

/* Number @o (unless it has a number already) and list it; mc_lock held. */
static MojoHandle mc_local_link_locked(struct mc_local *o)
{
	if (!o->handle) {
		o->handle = MC_LOCAL_TAG | mc_next_local++;
		if (!mc_next_local)
			mc_next_local = 1;
	}
	o->next = mc_locals;
	mc_locals = o;
	return o->handle;
}

static MojoHandle mc_local_add(struct mc_local *o)
{
	MojoHandle h;

	pthread_mutex_lock(&mc_lock);
	h = mc_local_link_locked(o);
	pthread_mutex_unlock(&mc_lock);
	return h;
}

/* Where the list holds object @h of @kind, or NULL; mc_lock held. */
static struct mc_local **mc_local_slot(MojoHandle h, enum mc_local_kind kind)
{
	struct mc_local **p;

	if (!MC_IS_LOCAL(h))
		return NULL;
	for (p = &mc_locals; *p; p = &(*p)->next)
		if ((*p)->handle == h && (*p)->kind == kind)
			return p;
	return NULL;
}

bool mc_local_is_buffer(MojoHandle h)
{
	bool ret;

	if (!MC_IS_LOCAL(h))
		return false;
	pthread_mutex_lock(&mc_lock);
	ret = mc_local_find(h, MC_BUFFER) != NULL;
	pthread_mutex_unlock(&mc_lock);
	return ret;
}

bool mc_local_exists(MojoHandle h)
{
	struct mc_local *o;

	if (!MC_IS_LOCAL(h))
		return false;
	pthread_mutex_lock(&mc_lock);
	for (o = mc_locals; o && o->handle != h; o = o->next)
		;
	pthread_mutex_unlock(&mc_lock);
	return o != NULL;
}

static void mc_region_put(struct mc_region *r, bool close_fd)
{
	if (--r->refs)
		return;
	if (close_fd) {
		close(r->fd);
		if (r->ro_fd >= 0)
			close(r->ro_fd);
	}
	free(r);
}

/* Free an object taken out of the list; kernel handles are closed. */
static void mc_local_free(struct mc_local *o, bool close_fds)
{
	struct mc_attachment *a;
	/* Only invitations hold kernel handles: a buffer opens no node. */
	int node = close_fds && o->attachments ? mc_node() : -1;

	if (o->region) {
		pthread_mutex_lock(&mc_lock);
		mc_region_put(o->region, close_fds);
		pthread_mutex_unlock(&mc_lock);
	}
	while ((a = o->attachments)) {
		o->attachments = a->next;
		if (node >= 0) {
			struct mc_leaving l;

			mc_handle_leaving(a->handle, &l);
			mojo_close(node, a->handle);
			mc_handle_left(&l);
		}
		free(a);
	}
	free(o);
}

MojoResult mc_local_close(MojoHandle h)
{
	struct mc_local **p, *o;

	pthread_mutex_lock(&mc_lock);
	for (p = &mc_locals; *p && (*p)->handle != h; p = &(*p)->next)
		;
	o = *p;
	if (o)
		*p = o->next;
	pthread_mutex_unlock(&mc_lock);
	if (!o)
		return MOJO_RESULT_INVALID_ARGUMENT;
	mc_local_free(o, true);
	return MOJO_RESULT_OK;
}

/*
 * Drop every local object: after fork() (the child's copies of the fds
 * are closed; the kernel handles were the parent's) and at shutdown.
 * Mappings stay: they are the program's to unmap.
 */
void mc_local_reset(bool close_fds)
{
	struct mc_attachment *a;
	struct mc_local *o;

	while ((o = mc_locals)) {
		mc_locals = o->next;
		if (o->region)
			mc_region_put(o->region, close_fds);
		while ((a = o->attachments)) {
			o->attachments = a->next;
			free(a);
		}
		free(o);
	}
}

/* ---- shared buffers ------------------------------------------------------ */

/* A new close-on-exec descriptor of @fd's open file, or -errno. */
static int mc_dup_fd(int fd)
{
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	return d < 0 ? -errno : d;
}

/*
 * A buffer object (not yet numbered or listed) holding @fd, which it
 * owns from then on; NULL (and @fd left open) when memory runs out.
 * The region's read-only descriptor is set by the caller if it has one.
 */
static struct mc_local *mc_buffer_new(int fd, uint64_t size, enum mc_buffer_mode mode,
				      const struct MojoSharedBufferGuid *guid)
{
	struct mc_region *r = calloc(1, sizeof(*r));
	struct mc_local *o = calloc(1, sizeof(*o));

	if (!r || !o) {
		free(r);
		free(o);
		return NULL;
	}
	r->refs = 1;
	r->fd = fd;
	r->ro_fd = -1;
	r->size = size;
	r->mode = mode;
	r->guid = *guid;
	o->kind = MC_BUFFER;
	o->region = r;
	return o;
}

/* A new region's GUID: random, never all zero. */
static void mc_new_guid(struct MojoSharedBufferGuid *g)
{
	static uint64_t counter;

	if (getrandom(g, sizeof(*g), 0) != (ssize_t)sizeof(*g)) {
		g->high = (uint64_t)getpid() << 32 | (uint64_t)time(NULL);
		g->low = (uint64_t)(uintptr_t)g;
	}
	if (!g->high && !g->low)
		g->low = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
}

MojoResult mc_CreateSharedBuffer(uint64_t num_bytes,
				 const struct MojoCreateSharedBufferOptions *options,
				 MojoHandle *buffer)
{
	struct MojoSharedBufferGuid guid;
	struct mc_local *o;
	int fd;

	if (!buffer || !num_bytes || !mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	if (num_bytes > (uint64_t)INT64_MAX)
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	fd = memfd_create("mojo-shared-buffer", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return mc_result(-errno);
	if (ftruncate(fd, (off_t)num_bytes) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
		close(fd);
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	}
	mc_new_guid(&guid);
	o = mc_buffer_new(fd, num_bytes, MC_WRITABLE, &guid);
	if (!o) {
		close(fd);
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	}
	*buffer = mc_local_add(o);
	return MOJO_RESULT_OK;
}

MojoResult mc_DuplicateBufferHandle(MojoHandle buffer,
				    const struct MojoDuplicateBufferHandleOptions *options,
				    MojoHandle *new_buffer)
{
	bool ro = options && options->struct_size >= 8 &&
		  (options->flags & MOJO_DUPLICATE_BUFFER_HANDLE_FLAG_READ_ONLY);
	struct mc_local *o, *dup;
	struct mc_region *r;
	MojoResult ret = MOJO_RESULT_OK;

	if (!new_buffer)
		return MOJO_RESULT_INVALID_ARGUMENT;
	if (options && options->struct_size < 8)
		return MOJO_RESULT_INVALID_ARGUMENT;
	if (options && (options->flags & ~MOJO_DUPLICATE_BUFFER_HANDLE_FLAG_READ_ONLY))
		return MOJO_RESULT_UNIMPLEMENTED;
	dup = calloc(1, sizeof(*dup));
	if (!dup)
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	pthread_mutex_lock(&mc_lock);
	o = mc_local_find(buffer, MC_BUFFER);
	if (!o) {
		ret = MOJO_RESULT_INVALID_ARGUMENT;
		goto out;
	}
	r = o->region;
	if (ro) {
		if (r->mode == MC_UNSAFE) {
			ret = MOJO_RESULT_FAILED_PRECONDITION;
			goto out;
		}
		/*
		 * No write, no new writable mapping and no size change, by
		 * anyone holding the memfd (a reopen through /proc too).
		 */
		if (r->mode == MC_WRITABLE &&
		    fcntl(r->fd, F_ADD_SEALS, MC_SEALS_READ_ONLY) < 0) {
			ret = mc_result(-errno);
			goto out;
		}
		r->mode = MC_READ_ONLY;
	} else {
		if (r->mode == MC_READ_ONLY) {
			ret = MOJO_RESULT_FAILED_PRECONDITION;
			goto out;
		}
		r->mode = MC_UNSAFE;
	}
	r->refs++;
	dup->kind = MC_BUFFER;
	dup->region = r;
out:
	pthread_mutex_unlock(&mc_lock);
	if (ret != MOJO_RESULT_OK) {
		free(dup);
		return ret;
	}
	*new_buffer = mc_local_add(dup);
	return MOJO_RESULT_OK;
}

MojoResult mc_MapBuffer(MojoHandle buffer, uint64_t offset, uint64_t num_bytes,
			const struct MojoMapBufferOptions *options, void **address)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), start;
	struct mc_mapping *m;
	struct mc_local *o;
	int fd = -1, prot = 0;
	void *base;
	size_t len;

	if (!address || !num_bytes || !mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	pthread_mutex_lock(&mc_lock);
	o = mc_local_find(buffer, MC_BUFFER);
	if (o && offset <= o->region->size && num_bytes <= o->region->size - offset) {
		/* Our own descriptor, valid while we map. */
		fd = mc_dup_fd(o->region->fd);
		prot = o->region->mode == MC_READ_ONLY ? PROT_READ : PROT_READ | PROT_WRITE;
	}
	pthread_mutex_unlock(&mc_lock);
	if (!o || prot == 0)
		return MOJO_RESULT_INVALID_ARGUMENT;
	if (fd < 0)
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	start = offset & ~(page - 1);
	/* A 32-bit size_t cannot hold every uint64_t length. */
	if (offset - start + num_bytes > (uint64_t)SIZE_MAX) {
		close(fd);
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	}
	m = malloc(sizeof(*m));
	len = (size_t)(offset - start + num_bytes);
	base = m ? mmap(NULL, len, prot, MAP_SHARED, fd, (off_t)start) : MAP_FAILED;
	close(fd);
	if (base == MAP_FAILED) {
		free(m);
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	}
	m->base = base;
	m->len = len;
	m->user = (uint8_t *)base + (offset - start);
	pthread_mutex_lock(&mc_lock);
	m->next = mc_mappings;
	mc_mappings = m;
	pthread_mutex_unlock(&mc_lock);
	*address = m->user;
	return MOJO_RESULT_OK;
}

MojoResult mc_UnmapBuffer(void *address)
{
	struct mc_mapping **p, *m;

	pthread_mutex_lock(&mc_lock);
	for (p = &mc_mappings; *p && (*p)->user != address; p = &(*p)->next)
		;
	m = *p;
	if (m)
		*p = m->next;
	pthread_mutex_unlock(&mc_lock);
	if (!m)
		return MOJO_RESULT_INVALID_ARGUMENT;
	munmap(m->base, m->len);
	free(m);
	return MOJO_RESULT_OK;
}

MojoResult mc_GetBufferInfo(MojoHandle buffer,
			    const struct MojoGetBufferInfoOptions *options,
			    struct MojoSharedBufferInfo *info)
{
	struct mc_local *o;

	if (!info || info->struct_size < sizeof(*info) || !mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	pthread_mutex_lock(&mc_lock);
	o = mc_local_find(buffer, MC_BUFFER);
	if (o)
		info->size = o->region->size;
	pthread_mutex_unlock(&mc_lock);
	return o ? MOJO_RESULT_OK : MOJO_RESULT_INVALID_ARGUMENT;
}

/* ---- buffers as descriptors: regions, messages ---------------------------- */

/*
 * How a read-only buffer stays read-only wherever it goes (Mojo's rule: a
 * read-only handle can never be made writable again):
 *
 * 1. A read-only memfd is sealed MC_SEALS_READ_ONLY: F_SEAL_FUTURE_WRITE
 *    (no write(2), no hole punching, no new shared writable mapping, and
 *    a mapping made since cannot gain PROT_WRITE by mprotect()) and
 *    F_SEAL_SHRINK | F_SEAL_GROW (no ftruncate(), which would otherwise
 *    zero the contents: shrink to 0, grow back). The seals bind whoever
 *    holds the file, however it was opened: a memfd's inode is 0777, so
 *    a holder of an O_RDONLY descriptor can reopen /proc/<pid>/fd/<n>
 *    O_RDWR, and only the seals stop that reopen from writing. A seal is
 *    never removed. F_SEAL_WRITE would also stop the writable mappings
 *    made before, but it fails while one exists, and Mojo lets those
 *    keep writing.
 *    MojoDuplicateBufferHandle(READ_ONLY) seals the memfd itself.
 *    MojoWrapPlatformSharedMemoryRegion(READ_ONLY) gets only an O_RDONLY
 *    descriptor, which cannot add seals, so it takes only a memfd that
 *    is sealed so already and refuses any other file: an unsealed one
 *    would not be read-only for whoever receives it.
 * 2. What leaves the process for a read-only buffer (in a message, or
 *    from MojoUnwrapPlatformSharedMemoryRegion) is an O_RDONLY
 *    descriptor, what Mojo hands out for READ_ONLY: the one the region
 *    was wrapped with, or a reopen through /proc/self/fd made once and
 *    kept (mc_region_ro_fd). Only in a message, when /proc cannot be
 *    opened, the sealed memfd itself goes, which the seals keep
 *    read-only all the same.
 * 3. A receiving library takes a buffer only from a memfd (F_GET_SEALS
 *    works: not a file of a FUSE mount or the like, whose page faults
 *    its server could stall) sealed against shrinking (so the sender
 *    cannot cut it under the receiver's mappings: SIGBUS), at least as
 *    large as described; a read-only one also sealed against writes,
 *    writable ones opened O_RDWR and not write-sealed. It never seals
 *    what it receives.
 */

static uint32_t mc_mode_to_mojo(enum mc_buffer_mode m)
{
	switch (m) {
	case MC_READ_ONLY:
		return MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_READ_ONLY;
	case MC_UNSAFE:
		return MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_UNSAFE;
	default:
		return MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_WRITABLE;
	}
}

static bool mc_mode_from_mojo(uint32_t m, enum mc_buffer_mode *out)
{
	switch (m) {
	case MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_READ_ONLY:
		*out = MC_READ_ONLY;
		return true;
	case MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_WRITABLE:
		*out = MC_WRITABLE;
		return true;
	case MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_UNSAFE:
		*out = MC_UNSAFE;
		return true;
	}
	return false;
}

/* O_RDONLY, O_WRONLY or O_RDWR of @fd's open file, or -errno. */
static int mc_fd_accmode(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -errno : (fl & O_ACCMODE);
}

/* @fd's seals; -errno (EINVAL) for a file that is not a memfd. */
static int mc_fd_seals(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	return seals < 0 ? -errno : seals;
}

/* Do @seals (mc_fd_seals()) keep the contents as they are, for everyone? */
static bool mc_seals_read_only(int seals)
{
	return seals >= 0 && (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) &&
	       (seals & F_SEAL_SHRINK);
}

/*
 * The one way to make an O_RDONLY descriptor of a memfd: @fd itself if
 * it is O_RDONLY, else a reopen through /proc/self/fd. Consumes @fd
 * (ours alone). Opens a file: not under mc_lock.
 */
static int mc_make_ro_fd(int fd)
{
	char path[40];
	int ro;

	if (mc_fd_accmode(fd) == O_RDONLY)
		return fd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	if (ro < 0)
		ro = -errno;
	close(fd);
	return ro;
}

/*
 * A new O_RDONLY descriptor of @r's file, from the one the region keeps,
 * else made (mc_make_ro_fd) and then kept for the next time. With
 * @sealed_ok, when none can be made, a descriptor of the memfd itself if
 * it is sealed read-only (point 2 above). The caller holds a reference
 * to @r and not mc_lock. -errno.
 */
static int mc_region_ro_fd(struct mc_region *r, bool sealed_ok)
{
	bool kept;
	int fd, keep;

	pthread_mutex_lock(&mc_lock);
	kept = r->ro_fd >= 0;
	fd = mc_dup_fd(kept ? r->ro_fd : r->fd);
	pthread_mutex_unlock(&mc_lock);
	if (fd < 0 || kept)
		return fd;
	fd = mc_make_ro_fd(fd);
	if (fd < 0) {
		if (!sealed_ok || !mc_seals_read_only(mc_fd_seals(r->fd)))
			return fd;
		return mc_dup_fd(r->fd);
	}
	keep = mc_dup_fd(fd);
	pthread_mutex_lock(&mc_lock);
	if (keep >= 0 && r->ro_fd < 0) {
		r->ro_fd = keep;
		keep = -1;
	}
	pthread_mutex_unlock(&mc_lock);
	if (keep >= 0)
		close(keep);
	return fd;
}

/*
 * Can @fd back a buffer of @size bytes in @mode (point 3 above)? A memfd
 * sealed against shrinking, at least that large (checked after the
 * seals, so it stays so); write-sealed for READ_ONLY, opened O_RDWR and
 * not write-sealed for the writable modes. 0 or -EINVAL.
 */
static int mc_check_region_fd(int fd, uint64_t size, enum mc_buffer_mode mode)
{
	int seals = mc_fd_seals(fd);
	struct stat st;

	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return -EINVAL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (uint64_t)st.st_size < size)
		return -EINVAL;
	if (mode == MC_READ_ONLY)
		return mc_seals_read_only(seals) ? 0 : -EINVAL;
	if (mc_fd_accmode(fd) != O_RDWR || (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
		return -EINVAL;
	return 0;
}

uint32_t mc_buffer_check(const struct mc_buffer_desc *d, uint32_t count)
{
	const uint8_t *p = (const uint8_t *)d;
	uint32_t h = 2166136261u ^ count;	/* FNV-1a */
	size_t i;

	for (i = 0; i < (size_t)count * sizeof(*d); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

struct mc_local *mc_buffer_detach_locked(MojoHandle h)
{
	struct mc_local **p = mc_local_slot(h, MC_BUFFER), *o;

	if (!p)
		return NULL;
	o = *p;
	*p = o->next;
	o->next = NULL;
	return o;
}

MojoHandle mc_buffer_reattach_locked(struct mc_local *o)
{
	return mc_local_link_locked(o);
}

void mc_buffer_free(struct mc_local *o)
{
	mc_local_free(o, true);
}

void mc_buffer_forget(struct mc_local *o)
{
	mc_local_free(o, false);
}

int mc_buffer_wrap(int node, struct mc_local *o, uint32_t *handle,
		   struct mc_buffer_desc *desc)
{
	struct mc_region *r = o->region;	/* detached: @o is the message's */
	enum mc_buffer_mode mode;
	int fd, ret;

	pthread_mutex_lock(&mc_lock);
	mode = r->mode;
	desc->access_mode = mc_mode_to_mojo(mode);
	desc->size = r->size;
	desc->guid_high = r->guid.high;
	desc->guid_low = r->guid.low;
	pthread_mutex_unlock(&mc_lock);
	fd = mode == MC_READ_ONLY ? mc_region_ro_fd(r, true) : mc_dup_fd(r->fd);
	if (fd < 0)
		return fd;
	ret = mojo_wrap_fd(node, fd, handle);
	close(fd);
	return ret;
}

int mc_buffer_check_received(int fd, const struct mc_buffer_desc *desc)
{
	enum mc_buffer_mode mode;

	if (!mc_mode_from_mojo(desc->access_mode, &mode) || !desc->size ||
	    desc->size > (uint64_t)INT64_MAX || (!desc->guid_high && !desc->guid_low))
		return -EINVAL;
	return mc_check_region_fd(fd, desc->size, mode);
}

struct mc_local *mc_buffer_received(int fd, const struct mc_buffer_desc *desc)
{
	struct MojoSharedBufferGuid guid = { desc->guid_high, desc->guid_low };
	enum mc_buffer_mode mode = MC_WRITABLE;

	mc_mode_from_mojo(desc->access_mode, &mode);	/* checked before */
	return mc_buffer_new(fd, desc->size, mode, &guid);
}

MojoResult mc_WrapPlatformSharedMemoryRegion(
	const struct MojoPlatformHandle *platform_handles,
	uint32_t num_platform_handles, uint64_t num_bytes,
	const struct MojoSharedBufferGuid *guid,
	MojoPlatformSharedMemoryRegionAccessMode access_mode,
	const struct MojoWrapPlatformSharedMemoryRegionOptions *options,
	MojoHandle *handle)
{
	struct stat st0, st1;
	enum mc_buffer_mode mode;
	struct mc_local *o = NULL;
	uint32_t i, need;
	int fds[2] = { -1, -1 }, ret = 0;

	if (!platform_handles || !guid || !handle || !mc_options_ok(options, 0) ||
	    !mc_mode_from_mojo(access_mode, &mode))
		return MOJO_RESULT_INVALID_ARGUMENT;
	/* Mojo on Linux: WRITABLE comes as two fds, the second read-only. */
	need = mode == MC_WRITABLE ? 2 : 1;
	if (num_platform_handles != need)
		return MOJO_RESULT_INVALID_ARGUMENT;
	for (i = 0; i < need; i++) {
		const struct MojoPlatformHandle *ph = &platform_handles[i];

		if (ph->struct_size < sizeof(*ph) ||
		    ph->type != MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR ||
		    ph->value > INT32_MAX)
			return MOJO_RESULT_INVALID_ARGUMENT;
		fds[i] = (int)ph->value;
	}
	if (need == 2 && fds[0] == fds[1])
		return MOJO_RESULT_INVALID_ARGUMENT;
	/*
	 * The fds are ours from here, as in Mojo, which takes them before it
	 * looks at them: any failure below closes them.
	 */
	/* Mojo's GUIDs (unguessable tokens) are never zero. */
	if ((!guid->high && !guid->low) || !num_bytes ||
	    num_bytes > (uint64_t)INT64_MAX)
		ret = -EINVAL;
	/*
	 * A writable region's memfd gets the size seals here (we hold it
	 * read-write), so it can travel and no one can cut it under a
	 * mapping; a read-only one must come sealed (point 1 above).
	 */
	if (ret == 0 && mode != MC_READ_ONLY &&
	    (mc_fd_seals(fds[0]) & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW))
		fcntl(fds[0], F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
	if (ret == 0)
		ret = mc_check_region_fd(fds[0], num_bytes, mode);
	/* READ_ONLY is an O_RDONLY fd, as Mojo hands it out. */
	if (ret == 0 && mode == MC_READ_ONLY && mc_fd_accmode(fds[0]) != O_RDONLY)
		ret = -EINVAL;
	if (ret == 0 && need == 2 &&
	    (fstat(fds[0], &st0) < 0 || fstat(fds[1], &st1) < 0 ||
	     st0.st_dev != st1.st_dev || st0.st_ino != st1.st_ino ||
	     mc_fd_accmode(fds[1]) != O_RDONLY))
		ret = -EINVAL;
	if (ret == 0) {
		o = mc_buffer_new(fds[0], num_bytes, mode, guid);
		if (!o)
			ret = -ENOMEM;
	}
	if (ret < 0) {
		for (i = 0; i < need; i++)
			close(fds[i]);
		return mc_result(ret);
	}
	for (i = 0; i < need; i++)
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	/* The read-only fd is kept: what Unwrap and a message give out. */
	o->region->ro_fd = fds[1];
	*handle = mc_local_add(o);
	return MOJO_RESULT_OK;
}

MojoResult mc_UnwrapPlatformSharedMemoryRegion(
	MojoHandle handle,
	const struct MojoUnwrapPlatformSharedMemoryRegionOptions *options,
	struct MojoPlatformHandle *platform_handles,
	uint32_t *num_platform_handles, uint64_t *num_bytes,
	struct MojoSharedBufferGuid *guid,
	MojoPlatformSharedMemoryRegionAccessMode *access_mode)
{
	struct MojoSharedBufferGuid g;
	enum mc_buffer_mode mode;
	struct mc_local **p, *o;
	struct mc_region *r;
	int fds[2] = { -1, -1 };
	uint32_t i, need;
	uint64_t size;
	int ret = 0;

	if (!platform_handles || !num_platform_handles || !num_bytes || !guid ||
	    !access_mode || !mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	pthread_mutex_lock(&mc_lock);
	p = mc_local_slot(handle, MC_BUFFER);
	if (!p) {
		pthread_mutex_unlock(&mc_lock);
		return MOJO_RESULT_INVALID_ARGUMENT;
	}
	/* A buffer: consumed from here, whatever follows (Mojo's rule). */
	o = *p;
	*p = o->next;
	r = o->region;
	mode = r->mode;
	size = r->size;
	g = r->guid;
	pthread_mutex_unlock(&mc_lock);
	/* As Mojo on Linux: WRITABLE gives a writable and a read-only fd. */
	need = mode == MC_WRITABLE ? 2 : 1;
	if (*num_platform_handles < need)
		ret = -EINVAL;
	for (i = 0; ret == 0 && i < need; i++)
		if (platform_handles[i].struct_size < sizeof(platform_handles[i]))
			ret = -EINVAL;
	if (ret == 0) {
		fds[0] = mode == MC_READ_ONLY ? mc_region_ro_fd(r, false) : mc_dup_fd(r->fd);
		if (fds[0] >= 0 && need == 2)
			fds[1] = mc_region_ro_fd(r, false);
		if (fds[0] < 0 || (need == 2 && fds[1] < 0))
			ret = fds[0] < 0 ? fds[0] : fds[1];
	}
	if (ret < 0) {
		for (i = 0; i < 2; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		mc_local_free(o, true);
		return mc_result(ret);
	}
	*num_bytes = size;
	*guid = g;
	*access_mode = mc_mode_to_mojo(mode);
	for (i = 0; i < need; i++) {
		platform_handles[i].type = MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR;
		platform_handles[i].value = (uint64_t)fds[i];
	}
	*num_platform_handles = need;
	mc_local_free(o, true);
	return MOJO_RESULT_OK;
}

/* ---- invitations --------------------------------------------------------- */

#define MC_INV_ATTACH	0x4d4a4941u	/* a record carrying one endpoint */
#define MC_INV_END	0x4d4a4945u	/* no more records */
#define MC_INV_MAX_NAME	4096

struct mc_inv_record {
	uint32_t magic;
	uint32_t name_len;
};

MojoResult mc_CreateInvitation(const struct MojoCreateInvitationOptions *options,
			       MojoHandle *invitation)
{
	struct mc_local *o;

	if (!invitation || !mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	o = calloc(1, sizeof(*o));
	if (!o)
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	o->kind = MC_INVITATION;
	*invitation = mc_local_add(o);
	return MOJO_RESULT_OK;
}

static struct mc_attachment **mc_att_find(struct mc_local *o, const void *name,
					  uint32_t len)
{
	struct mc_attachment **p;

	for (p = &o->attachments; *p; p = &(*p)->next)
		if ((*p)->len == len && !memcmp((*p)->name, name, len))
			break;
	return p;
}

MojoResult mc_AttachMessagePipeToInvitation(
	MojoHandle invitation, const void *name, uint32_t name_num_bytes,
	const struct MojoAttachMessagePipeToInvitationOptions *options,
	MojoHandle *pipe)
{
	struct mc_attachment *a;
	struct mc_local *o;
	MojoResult r = MOJO_RESULT_OK;
	uint32_t mine, theirs;
	int node, ret;

	if (!pipe || (name_num_bytes && !name) || name_num_bytes > MC_INV_MAX_NAME ||
	    !mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	node = mc_node();
	if (node < 0)
		return mc_result(node);
	a = malloc(sizeof(*a) + name_num_bytes);
	if (!a)
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	ret = mojo_create_message_pipe(node, &mine, &theirs);
	if (ret < 0) {
		free(a);
		return mc_result(ret);
	}
	a->handle = theirs;
	a->len = name_num_bytes;
	if (name_num_bytes)
		memcpy(a->name, name, name_num_bytes);
	pthread_mutex_lock(&mc_lock);
	o = mc_local_find(invitation, MC_INVITATION);
	if (!o || o->accepted)
		r = MOJO_RESULT_INVALID_ARGUMENT;
	else if (*mc_att_find(o, name, name_num_bytes))
		r = MOJO_RESULT_ALREADY_EXISTS;
	if (r == MOJO_RESULT_OK) {
		a->next = o->attachments;
		o->attachments = a;
	}
	pthread_mutex_unlock(&mc_lock);
	if (r != MOJO_RESULT_OK) {
		mojo_close(node, mine);
		mojo_close(node, theirs);
		free(a);
		return r;
	}
	*pipe = mine;
	return MOJO_RESULT_OK;
}

MojoResult mc_ExtractMessagePipeFromInvitation(
	MojoHandle invitation, const void *name, uint32_t name_num_bytes,
	const struct MojoExtractMessagePipeFromInvitationOptions *options,
	MojoHandle *pipe)
{
	struct mc_attachment **p, *a = NULL;
	struct mc_local *o;
	MojoResult r = MOJO_RESULT_OK;

	if (!pipe || (name_num_bytes && !name) || !mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	pthread_mutex_lock(&mc_lock);
	o = mc_local_find(invitation, MC_INVITATION);
	if (!o || !o->accepted) {
		r = MOJO_RESULT_INVALID_ARGUMENT;
	} else {
		p = mc_att_find(o, name, name_num_bytes);
		a = *p;
		if (a)
			*p = a->next;
		else
			r = MOJO_RESULT_NOT_FOUND;
	}
	pthread_mutex_unlock(&mc_lock);
	if (r != MOJO_RESULT_OK)
		return r;
	*pipe = a->handle;
	free(a);
	return MOJO_RESULT_OK;
}

/* The one socket of a CHANNEL endpoint (a stream socket), or -1. */
static int mc_transport_fd(const struct MojoInvitationTransportEndpoint *t)
{
	const struct MojoPlatformHandle *ph;
	socklen_t len = sizeof(int);
	int type;

	if (!t || t->struct_size < sizeof(*t) || t->num_platform_handles != 1 ||
	    !t->platform_handles)
		return -1;
	ph = &t->platform_handles[0];
	if (ph->type != MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR || ph->value > INT32_MAX)
		return -1;
	/* The records are a byte stream: a datagram socket would cut them. */
	if (getsockopt((int)ph->value, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_STREAM)
		return -1;
	return (int)ph->value;
}

static int mc_send_record(int sock, uint32_t magic, const struct mc_attachment *a, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct mc_inv_record rec = { .magic = magic, .name_len = a ? a->len : 0 };
	struct iovec iov[2] = {
		{ .iov_base = &rec, .iov_len = sizeof(rec) },
		{ .iov_base = a ? (void *)a->name : NULL, .iov_len = a ? a->len : 0 },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = a && a->len ? 2 : 1 };
	struct cmsghdr *c;
	ssize_t n;

	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* AF_UNIX sends a record this small whole, or fails. */
	return n == (ssize_t)(sizeof(rec) + rec.name_len) ? 0 : -EPROTO;
}

MojoResult mc_SendInvitation(MojoHandle invitation,
			     const struct MojoPlatformProcessHandle *process,
			     const struct MojoInvitationTransportEndpoint *transport,
			     MojoProcessErrorHandler error_handler,
			     uintptr_t error_handler_context,
			     const struct MojoSendInvitationOptions *options)
{
	struct mc_local **p, *o;
	struct mc_attachment *a;
	int sock = mc_transport_fd(transport), node, fd, ret = 0;

	/* The process and the error handler are not needed: no broker. */
	(void)process;
	(void)error_handler;
	(void)error_handler_context;
	if (options && options->struct_size < 8)
		return MOJO_RESULT_INVALID_ARGUMENT;
	if (transport && transport->struct_size >= 8 &&
	    transport->type != MOJO_INVITATION_TRANSPORT_TYPE_CHANNEL)
		return MOJO_RESULT_UNIMPLEMENTED;
	if (sock < 0)
		return MOJO_RESULT_INVALID_ARGUMENT;
	node = mc_node();
	if (node < 0)
		return mc_result(node);
	pthread_mutex_lock(&mc_lock);
	for (p = &mc_locals; *p && ((*p)->handle != invitation ||
				    (*p)->kind != MC_INVITATION || (*p)->accepted);
	     p = &(*p)->next)
		;
	o = *p;
	if (o)
		*p = o->next;	/* the invitation is spent either way */
	pthread_mutex_unlock(&mc_lock);
	if (!o)
		return MOJO_RESULT_INVALID_ARGUMENT;
	while (ret == 0 && (a = o->attachments)) {
		struct mc_leaving l;

		mc_handle_leaving(a->handle, &l);
		fd = mojo_export_handle(node, a->handle);
		mc_handle_left(&l);
		if (fd < 0) {
			ret = fd;
			break;
		}
		/* Exported: the endpoint is the fd's now, not the node's. */
		o->attachments = a->next;
		ret = mc_send_record(sock, MC_INV_ATTACH, a, fd);
		close(fd);
		free(a);
	}
	if (ret == 0)
		ret = mc_send_record(sock, MC_INV_END, NULL, -1);
	close(sock);	/* the transport is ours to close */
	mc_local_free(o, true);
	return ret < 0 ? mc_result(ret) : MOJO_RESULT_OK;
}

/* Read exactly @len bytes, and the one fd that may come with them. */
static int mc_recv_exact(int sock, void *buf, size_t len, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	size_t got = 0;

	while (got < len) {
		struct iovec iov = { .iov_base = (uint8_t *)buf + got, .iov_len = len - got };
		struct msghdr m = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *c;
		ssize_t n;

		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			int i, k, cfd;

			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			for (i = 0; i < k; i++) {
				memcpy(&cfd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (*fd < 0)
					*fd = cfd;
				else
					close(cfd);	/* not ours to keep */
			}
		}
		got += (size_t)n;
	}
	return 0;
}

MojoResult mc_AcceptInvitation(const struct MojoInvitationTransportEndpoint *transport,
			       const struct MojoAcceptInvitationOptions *options,
			       MojoHandle *invitation)
{
	int sock = mc_transport_fd(transport), node, ret = 0, fd;
	struct mc_inv_record rec;
	struct mc_attachment *a;
	struct mc_local *o;
	uint32_t h;

	if (!invitation ||
	    !mc_options_ok(options, MOJO_ACCEPT_INVITATION_FLAG_ISOLATED |
				    MOJO_ACCEPT_INVITATION_FLAG_LEAK_TRANSPORT_ENDPOINT))
		return MOJO_RESULT_INVALID_ARGUMENT;
	if (transport && transport->struct_size >= 8 &&
	    transport->type != MOJO_INVITATION_TRANSPORT_TYPE_CHANNEL)
		return MOJO_RESULT_UNIMPLEMENTED;
	if (sock < 0)
		return MOJO_RESULT_INVALID_ARGUMENT;
	node = mc_node();
	if (node < 0)
		return mc_result(node);
	o = calloc(1, sizeof(*o));
	if (!o)
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	o->kind = MC_INVITATION;
	o->accepted = true;
	for (;;) {
		fd = -1;
		ret = mc_recv_exact(sock, &rec, sizeof(rec), &fd);
		if (ret == 0 && rec.magic == MC_INV_END && !rec.name_len && fd < 0)
			break;
		if (ret == 0 && (rec.magic != MC_INV_ATTACH || rec.name_len > MC_INV_MAX_NAME))
			ret = -EPROTO;
		a = ret == 0 ? malloc(sizeof(*a) + rec.name_len) : NULL;
		if (ret == 0 && !a)
			ret = -ENOMEM;
		if (ret == 0)
			ret = mc_recv_exact(sock, a->name, rec.name_len, &fd);
		if (ret == 0 && fd < 0)
			ret = -EPROTO;
		if (ret == 0)
			ret = mojo_import_handle(node, fd, &h);
		if (fd >= 0)
			close(fd);
		if (ret < 0) {
			free(a);
			break;
		}
		a->handle = h;
		a->len = rec.name_len;
		a->next = o->attachments;
		o->attachments = a;
	}
	if (!(options && options->struct_size >= 8 &&
	      (options->flags & MOJO_ACCEPT_INVITATION_FLAG_LEAK_TRANSPORT_ENDPOINT)))
		close(sock);
	if (ret < 0) {
		mc_local_free(o, true);
		return ret == -EPROTO || ret == -EPIPE ? MOJO_RESULT_DATA_LOSS : mc_result(ret);
	}
	*invitation = mc_local_add(o);
	return MOJO_RESULT_OK;
}
