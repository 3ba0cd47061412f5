// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmojoports: see <mojoports.h>.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <liburing.h>
#include <mojoports.h>

#define MOJO_EXPORT __attribute__((visibility("default")))

static int mojo_transport = MOJO_TRANSPORT_IOCTL;

/*
 * The io_uring transport: one small ring per thread, made on first use and
 * freed when the thread exits. A child of fork() makes its own (the
 * parent's ring must not be shared), found by the fork generation.
 */
struct mojo_tls_ring {
	struct io_uring ring;
	unsigned long gen;
};

static __thread struct mojo_tls_ring *mojo_tls;
static unsigned long mojo_fork_gen;
static pthread_key_t mojo_ring_key;
static pthread_once_t mojo_ring_once = PTHREAD_ONCE_INIT;

static void mojo_ring_free(void *p)
{
	struct mojo_tls_ring *r = p;

	io_uring_queue_exit(&r->ring);
	free(r);
}

static void mojo_after_fork(void)
{
	mojo_fork_gen++;
}

static void mojo_ring_setup(void)
{
	pthread_key_create(&mojo_ring_key, mojo_ring_free);
	pthread_atfork(NULL, NULL, mojo_after_fork);
}

static struct io_uring *mojo_thread_ring(int *err)
{
	struct mojo_tls_ring *r = mojo_tls;

	pthread_once(&mojo_ring_once, mojo_ring_setup);
	if (r && r->gen == mojo_fork_gen)
		return &r->ring;
	if (r)	/* inherited across fork: release our copy, keep theirs */
		mojo_ring_free(r);
	r = calloc(1, sizeof(*r));
	if (!r) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = io_uring_queue_init(4, &r->ring, 0);
	if (*err < 0) {
		free(r);
		mojo_tls = NULL;
		return NULL;
	}
	r->gen = mojo_fork_gen;
	mojo_tls = r;
	pthread_setspecific(mojo_ring_key, r);
	return &r->ring;
}

static int mojo_uring_call(int fd, unsigned long cmd, void *arg)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring *ring;
	int ret;

	ring = mojo_thread_ring(&ret);
	if (!ring)
		return ret;
again:
	sqe = io_uring_get_sqe(ring);
	if (!sqe)
		return -EBUSY;
	mojo_uring_prep_cmd(sqe, fd, cmd, arg, MOJO_URING_SYNC);
	do {
		ret = io_uring_submit(ring);
	} while (ret == -EINTR);
	if (ret < 0)
		return ret;
	do {
		ret = io_uring_wait_cqe(ring, &cqe);
	} while (ret == -EINTR);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	/* A wait cut short by task work, not a signal: what ioctl restarts. */
	if (cmd == MOJO_IOC_WAIT && ret == -EAGAIN)
		goto again;
	return ret;
}

/* Run an operation through the current transport: result or -errno. */
static int mojo_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret;

	if (mojo_transport == MOJO_TRANSPORT_IO_URING)
		return mojo_uring_call(fd, cmd, arg);
	ret = ioctl(fd, cmd, arg);
	return ret < 0 ? -errno : ret;
}

MOJO_EXPORT int mojo_set_transport(int transport)
{
	if (transport != MOJO_TRANSPORT_IOCTL &&
	    transport != MOJO_TRANSPORT_IO_URING)
		return -EINVAL;
	mojo_transport = transport;
	return 0;
}

MOJO_EXPORT int mojo_call(int node, unsigned long op, void *arg)
{
	return mojo_ioctl(node, op, arg);
}

MOJO_EXPORT int mojo_open_node(void)
{
	int fd = open(MOJO_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

MOJO_EXPORT int mojo_get_version(int node, uint32_t *version,
				 uint64_t *features)
{
	struct mojo_version_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	ret = mojo_ioctl(node, MOJO_IOC_VERSION, &a);
	if (ret < 0)
		return ret;
	if (version)
		*version = a.version;
	if (features)
		*features = a.features;
	return 0;
}

MOJO_EXPORT int mojo_get_node_name(int node, uint8_t name[MOJO_NAME_SIZE])
{
	struct mojo_node_name_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	ret = mojo_ioctl(node, MOJO_IOC_NODE_NAME, &a);
	if (ret < 0)
		return ret;
	memcpy(name, a.name, MOJO_NAME_SIZE);
	return 0;
}

MOJO_EXPORT char *mojo_format_name(const uint8_t name[MOJO_NAME_SIZE],
				   char buf[MOJO_NAME_STR_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < MOJO_NAME_SIZE; i++) {
		buf[2 * i] = hex[name[i] >> 4];
		buf[2 * i + 1] = hex[name[i] & 0xf];
	}
	buf[2 * MOJO_NAME_SIZE] = '\0';
	return buf;
}

MOJO_EXPORT int mojo_create_message_pipe(int node, uint32_t *h0, uint32_t *h1)
{
	struct mojo_create_message_pipe_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	ret = mojo_ioctl(node, MOJO_IOC_CREATE_MESSAGE_PIPE, &a);
	if (ret < 0)
		return ret;
	*h0 = a.handle0;
	*h1 = a.handle1;
	return 0;
}

MOJO_EXPORT int mojo_write_message(int node, uint32_t handle, const void *bytes,
				   uint32_t num_bytes, const uint32_t *handles,
				   uint32_t num_handles)
{
	struct mojo_write_message_args a;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	a.bytes = (uintptr_t)bytes;
	a.num_bytes = num_bytes;
	a.handles = (uintptr_t)handles;
	a.num_handles = num_handles;
	return mojo_ioctl(node, MOJO_IOC_WRITE_MESSAGE, &a);
}

MOJO_EXPORT int mojo_read_message(int node, uint32_t handle, void *bytes,
				  uint32_t *num_bytes, uint32_t *handles,
				  uint32_t *num_handles)
{
	return mojo_read_message_creds(node, handle, bytes, num_bytes,
				       handles, num_handles, NULL);
}

MOJO_EXPORT int mojo_read_message_creds(int node, uint32_t handle,
					void *bytes, uint32_t *num_bytes,
					uint32_t *handles,
					uint32_t *num_handles,
					struct mojo_sender_creds *creds)
{
	struct mojo_read_message_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	a.bytes = (uintptr_t)bytes;
	a.num_bytes = num_bytes ? *num_bytes : 0;
	a.handles = (uintptr_t)handles;
	a.num_handles = num_handles ? *num_handles : 0;
	/* The kernel writes them in place, before it takes the message. */
	if (creds) {
		a.flags = MOJO_READ_MESSAGE_SENDER_CREDS;
		a.creds = (uintptr_t)creds;
	}
	ret = mojo_ioctl(node, MOJO_IOC_READ_MESSAGE, &a);
	if (ret == 0 || ret == -EMSGSIZE) {
		if (num_bytes)
			*num_bytes = a.num_bytes;
		if (num_handles)
			*num_handles = a.num_handles;
	}
	return ret;
}

MOJO_EXPORT int mojo_close(int node, uint32_t handle)
{
	struct mojo_handle_args a;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	return mojo_ioctl(node, MOJO_IOC_CLOSE, &a);
}

MOJO_EXPORT int mojo_query_signals(int node, uint32_t handle,
				   uint64_t *satisfied, uint64_t *satisfiable)
{
	struct mojo_signals_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	ret = mojo_ioctl(node, MOJO_IOC_QUERY_SIGNALS, &a);
	if (ret < 0)
		return ret;
	if (satisfied)
		*satisfied = a.satisfied;
	if (satisfiable)
		*satisfiable = a.satisfiable;
	return 0;
}

MOJO_EXPORT int mojo_wait(int node, uint32_t handle, uint64_t signals,
			  uint64_t timeout_ns, uint64_t *satisfied,
			  uint64_t *satisfiable)
{
	struct mojo_signals_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	a.signals = signals;
	a.timeout_ns = timeout_ns;
	ret = mojo_ioctl(node, MOJO_IOC_WAIT, &a);
	if (ret == 0 || ret == -EPIPE || ret == -ETIMEDOUT) {
		if (satisfied)
			*satisfied = a.satisfied;
		if (satisfiable)
			*satisfiable = a.satisfiable;
	}
	return ret;
}

MOJO_EXPORT int mojo_fuse_message_pipes(int node, uint32_t h0, uint32_t h1)
{
	struct mojo_fuse_args a;

	memset(&a, 0, sizeof(a));
	a.handle0 = h0;
	a.handle1 = h1;
	return mojo_ioctl(node, MOJO_IOC_FUSE, &a);
}

MOJO_EXPORT int mojo_set_quota(int node, uint32_t handle, uint64_t max_msgs,
			       uint64_t max_bytes)
{
	struct mojo_quota_args a;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	a.max_msgs = max_msgs;
	a.max_bytes = max_bytes;
	return mojo_ioctl(node, MOJO_IOC_SET_QUOTA, &a);
}

MOJO_EXPORT int mojo_set_signal_quota(int node, uint32_t handle, uint32_t flags,
				      uint64_t queue_msgs, uint64_t queue_bytes,
				      uint64_t unread_msgs)
{
	struct mojo_signal_quota_args a;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	a.flags = flags;
	a.queue_msgs = queue_msgs;
	a.queue_bytes = queue_bytes;
	a.unread_msgs = unread_msgs;
	return mojo_ioctl(node, MOJO_IOC_SET_SIGNAL_QUOTA, &a);
}

MOJO_EXPORT int mojo_query_quota(int node, uint32_t handle,
				 struct mojo_signal_quota_args *out)
{
	struct mojo_signal_quota_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	ret = mojo_ioctl(node, MOJO_IOC_QUERY_QUOTA, &a);
	if (!ret)
		*out = a;
	return ret;
}

MOJO_EXPORT int mojo_export_handle(int node, uint32_t handle)
{
	struct mojo_export_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	ret = mojo_ioctl(node, MOJO_IOC_EXPORT, &a);
	return ret < 0 ? ret : a.fd;
}

MOJO_EXPORT int mojo_import_handle(int node, int fd, uint32_t *handle)
{
	struct mojo_export_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.fd = fd;
	ret = mojo_ioctl(node, MOJO_IOC_IMPORT, &a);
	if (ret < 0)
		return ret;
	*handle = a.handle;
	return 0;
}

MOJO_EXPORT int mojo_wrap_fd(int node, int fd, uint32_t *handle)
{
	struct mojo_wrap_fd_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.fd = fd;
	ret = mojo_ioctl(node, MOJO_IOC_WRAP_FD, &a);
	if (ret < 0)
		return ret;
	*handle = a.handle;
	return 0;
}

MOJO_EXPORT int mojo_unwrap_fd(int node, uint32_t handle, uint32_t flags)
{
	struct mojo_handle_args a;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	a.flags = flags;
	return mojo_ioctl(node, MOJO_IOC_UNWRAP_FD, &a);
}

MOJO_EXPORT int mojo_create_trap(int node, uint32_t *trap)
{
	struct mojo_trap_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	ret = mojo_ioctl(node, MOJO_IOC_CREATE_TRAP, &a);
	if (ret < 0)
		return ret;
	*trap = a.trap;
	return 0;
}

MOJO_EXPORT int mojo_add_trigger(int node, uint32_t trap, uint32_t handle,
				 uint64_t signals, uint32_t condition,
				 uint64_t context)
{
	struct mojo_trap_args a;

	memset(&a, 0, sizeof(a));
	a.trap = trap;
	a.handle = handle;
	a.signals = signals;
	a.condition = condition;
	a.context = context;
	return mojo_ioctl(node, MOJO_IOC_ADD_TRIGGER, &a);
}

MOJO_EXPORT int mojo_remove_trigger(int node, uint32_t trap, uint64_t context)
{
	struct mojo_trap_args a;

	memset(&a, 0, sizeof(a));
	a.trap = trap;
	a.context = context;
	return mojo_ioctl(node, MOJO_IOC_REMOVE_TRIGGER, &a);
}

MOJO_EXPORT int mojo_arm_trap(int node, uint32_t trap,
			      struct mojo_trap_event *ready)
{
	struct mojo_trap_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.trap = trap;
	ret = mojo_ioctl(node, MOJO_IOC_ARM_TRAP, &a);
	if (ret == -EALREADY && ready) {
		memset(ready, 0, sizeof(*ready));
		ready->context = a.context;
		ready->satisfied = a.satisfied;
		ready->satisfiable = a.satisfiable;
		ready->result = a.result;
	}
	return ret;
}

MOJO_EXPORT int mojo_read_trap_events(int node, struct mojo_trap_event *events,
				      uint32_t max)
{
	struct mojo_read_events_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.events = (uintptr_t)events;
	a.num_events = max;
	ret = mojo_ioctl(node, MOJO_IOC_READ_TRAP_EVENTS, &a);
	return ret < 0 ? ret : (int)a.num_events;
}

MOJO_EXPORT int mojo_send_handle(int sock, int node, uint32_t handle)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = "h", .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd, ret = 0;

	fd = mojo_export_handle(node, handle);
	if (fd < 0)
		return fd;
	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &m, MSG_NOSIGNAL) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

MOJO_EXPORT int mojo_recv_handle(int sock, int node, uint32_t *handle)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	ssize_t n;
	int fd, ret;

	memset(cbuf, 0, sizeof(cbuf));
	n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	c = CMSG_FIRSTHDR(&m);
	if (n != 1 || !c || c->cmsg_level != SOL_SOCKET ||
	    c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	ret = mojo_import_handle(node, fd, handle);
	close(fd);
	return ret;
}

MOJO_EXPORT int mojo_create_data_pipe(int node, uint32_t element_size,
				      uint64_t capacity, uint32_t *producer,
				      uint32_t *consumer)
{
	struct mojo_create_data_pipe_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.element_size = element_size;
	a.capacity = capacity;
	ret = mojo_ioctl(node, MOJO_IOC_CREATE_DATA_PIPE, &a);
	if (ret < 0)
		return ret;
	*producer = a.producer;
	*consumer = a.consumer;
	return 0;
}

static int mojo_data_op(int node, unsigned long cmd, uint32_t handle,
			const void *bytes, uint64_t *num_bytes, uint64_t flags)
{
	struct mojo_data_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	a.flags = flags;
	a.bytes = (uintptr_t)bytes;
	a.num_bytes = *num_bytes;
	ret = mojo_ioctl(node, cmd, &a);
	if (ret == 0)
		*num_bytes = a.num_bytes;
	return ret;
}

MOJO_EXPORT int mojo_write_data(int node, uint32_t producer, const void *bytes,
				uint64_t *num_bytes, uint64_t flags)
{
	return mojo_data_op(node, MOJO_IOC_WRITE_DATA, producer, bytes,
			    num_bytes, flags);
}

MOJO_EXPORT int mojo_read_data(int node, uint32_t consumer, void *bytes,
			       uint64_t *num_bytes, uint64_t flags)
{
	return mojo_data_op(node, MOJO_IOC_READ_DATA, consumer, bytes,
			    num_bytes, flags);
}

static int mojo_begin(int node, unsigned long cmd, uint32_t handle,
		      uint64_t *offset, uint64_t *size)
{
	struct mojo_data_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	ret = mojo_ioctl(node, cmd, &a);
	if (ret == 0) {
		*offset = a.offset;
		*size = a.num_bytes;
	}
	return ret;
}

static int mojo_end(int node, unsigned long cmd, uint32_t handle,
		    uint64_t num_bytes)
{
	struct mojo_data_args a;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	a.num_bytes = num_bytes;
	return mojo_ioctl(node, cmd, &a);
}

MOJO_EXPORT int mojo_begin_write_data(int node, uint32_t producer,
				      uint64_t *offset, uint64_t *size)
{
	return mojo_begin(node, MOJO_IOC_BEGIN_WRITE_DATA, producer, offset, size);
}

MOJO_EXPORT int mojo_end_write_data(int node, uint32_t producer,
				    uint64_t num_bytes)
{
	return mojo_end(node, MOJO_IOC_END_WRITE_DATA, producer, num_bytes);
}

MOJO_EXPORT int mojo_begin_read_data(int node, uint32_t consumer,
				     uint64_t *offset, uint64_t *size)
{
	return mojo_begin(node, MOJO_IOC_BEGIN_READ_DATA, consumer, offset, size);
}

MOJO_EXPORT int mojo_end_read_data(int node, uint32_t consumer,
				   uint64_t num_bytes)
{
	return mojo_end(node, MOJO_IOC_END_READ_DATA, consumer, num_bytes);
}

MOJO_EXPORT int mojo_data_pipe_info(int node, uint32_t handle,
				    struct mojo_data_pipe_info_args *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	return mojo_ioctl(node, MOJO_IOC_DATA_PIPE_INFO, info);
}

MOJO_EXPORT int mojo_set_data_pipe_threshold(int node, uint32_t handle,
					     uint64_t threshold)
{
	struct mojo_data_pipe_info_args info, a;
	int ret;

	ret = mojo_data_pipe_info(node, handle, &info);
	if (ret < 0)
		return ret;
	memset(&a, 0, sizeof(a));
	a.handle = handle;
	if (info.producer)
		a.write_threshold = threshold;
	else
		a.read_threshold = threshold;
	return mojo_ioctl(node, MOJO_IOC_DATA_PIPE_SET_THRESHOLD, &a);
}

MOJO_EXPORT int mojo_map_data_pipe(int node, uint32_t handle, void **addr,
				   size_t *size)
{
	struct mojo_data_pipe_info_args info;
	void *p;
	int ret;

	ret = mojo_data_pipe_info(node, handle, &info);
	if (ret < 0)
		return ret;
	p = mmap(NULL, info.map_size,
		 info.producer ? PROT_READ | PROT_WRITE : PROT_READ,
		 MAP_SHARED, node, (off_t)info.map_offset);
	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	*size = info.map_size;
	return 0;
}
