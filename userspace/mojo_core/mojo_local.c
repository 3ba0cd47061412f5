// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmojo_core.so: the objects the library keeps itself, numbered above
 * 2^32 (MC_LOCAL_TAG): shared buffers and invitations.
 *
 * Shared buffers are memfds. Within the process everything works:
 * create, map, unmap, duplicate (read-only too), info. Sending one to
 * another process needs the kernel to carry an fd in a message (issue
 * 12, part 1): attaching a buffer to a message, and wrapping or
 * unwrapping a platform handle, return MOJO_RESULT_UNIMPLEMENTED through
 * mc_needs_kernel().
 *
 * Access modes keep Mojo's rule that a buffer duplicated read-only is
 * never duplicated writable again, and the reverse. A buffer starts
 * writable. Duplicating it read-only makes the whole buffer read-only
 * from then on, here through all its handles (they map read-only, and
 * the memfd is sealed against new writable mappings; mappings made
 * before stay writable); duplicating it plainly makes it shared-writable
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
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mojo_core_internal.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

enum mc_local_kind { MC_BUFFER = 1, MC_INVITATION };
enum mc_buffer_mode { MC_WRITABLE, MC_READ_ONLY, MC_UNSAFE };

struct mc_region {
	unsigned int refs;
	int fd;
	uint64_t size;
	enum mc_buffer_mode mode;
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

static MojoHandle mc_local_add(struct mc_local *o)
{
	pthread_mutex_lock(&mc_lock);
	o->handle = MC_LOCAL_TAG | mc_next_local++;
	if (!mc_next_local)
		mc_next_local = 1;
	o->next = mc_locals;
	mc_locals = o;
	pthread_mutex_unlock(&mc_lock);
	return o->handle;
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
	if (close_fd)
		close(r->fd);
	free(r);
}

/* Free an object taken out of the list; kernel handles are closed. */
static void mc_local_free(struct mc_local *o, bool close_fds)
{
	struct mc_attachment *a;
	int node = close_fds ? mc_node() : -1;

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
		if (o->region && !--o->region->refs) {
			if (close_fds)
				close(o->region->fd);
			free(o->region);
		}
		while ((a = o->attachments)) {
			o->attachments = a->next;
			free(a);
		}
		free(o);
	}
}

/* ---- shared buffers ------------------------------------------------------ */

MojoResult mc_CreateSharedBuffer(uint64_t num_bytes,
				 const struct MojoCreateSharedBufferOptions *options,
				 MojoHandle *buffer)
{
	struct mc_region *r;
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
	r = calloc(1, sizeof(*r));
	o = calloc(1, sizeof(*o));
	if (!r || !o) {
		free(r);
		free(o);
		close(fd);
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	}
	r->refs = 1;
	r->fd = fd;
	r->size = num_bytes;
	r->mode = MC_WRITABLE;
	o->kind = MC_BUFFER;
	o->region = r;
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
		/* No new writable mapping, by anyone holding the memfd. */
		if (r->mode == MC_WRITABLE &&
		    fcntl(r->fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) < 0) {
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
		fd = fcntl(o->region->fd, F_DUPFD_CLOEXEC, 0);
		prot = o->region->mode == MC_READ_ONLY ? PROT_READ : PROT_READ | PROT_WRITE;
	}
	pthread_mutex_unlock(&mc_lock);
	if (!o || prot == 0)
		return MOJO_RESULT_INVALID_ARGUMENT;
	if (fd < 0)
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	m = malloc(sizeof(*m));
	start = offset & ~(page - 1);
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
