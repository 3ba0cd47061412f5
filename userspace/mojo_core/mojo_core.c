// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmojo_core.so: Mojo's C system API on mojoports.
 *
 * A program built against Mojo's C API loads this library as its Mojo
 * core: MojoInitialize() in the program dlopen()s the library named by
 * MOJO_CORE_LIBRARY_PATH and calls MojoGetSystemThunks(), the one symbol
 * exported here, which fills the program's function table.
 *
 * Design:
 * - One process is one node: /dev/mojoports is opened once, by
 *   Initialize or on first use. A child of fork() drops the inherited
 *   node and state (they belong to the parent) and opens its own.
 * - Message pipes, data pipes and traps are the kernel's objects and
 *   their Mojo handles are the kernel's handle numbers. Shared buffers
 *   (memfds) and invitations are the library's own objects (see
 *   mojo_local.c), numbered above 2^32.
 * - Message objects (MojoCreateMessage etc.) live in this process until
 *   written: a payload buffer and a list of attached handles, which the
 *   message owns from MojoAppendMessageData() on (the caller's numbers
 *   then read as invalid), and which leave the node with the kernel
 *   write. A shared buffer among them travels as a wrapped fd of its
 *   memfd, described in a trailer of the payload that the reading
 *   library strips (mojo_core_internal.h, README).
 * - Platform handles are the kernel's wrapped fds (MOJO_IOC_WRAP_FD).
 * - Data pipes: the two-phase calls return pointers into the ring
 *   mapping, made on first use and dropped when the handle leaves
 *   (mojo_datapipe.c).
 * - Traps: a callback thread polls the node fd and runs the handlers
 *   (mojo_trap.c).
 *
 * Errors: a kernel errno becomes a MojoResult by mc_result() below, which
 * README lists; a few calls refine it where Mojo documents another code
 * for the same cause (e.g. FUSE's EBUSY is FAILED_PRECONDITION).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mojo_core_internal.h"

#define MC_EXPORT __attribute__((visibility("default")))

pthread_mutex_t mc_lock = PTHREAD_MUTEX_INITIALIZER;

static int mc_node_fd = -1;
static uint64_t mc_node_features;	/* MOJO_FEATURE_*, of the module */
/* Handles between mc_handle_leaving() and mc_handle_left(): few at once. */
static struct mc_leaving *mc_leaving_list;
static bool mc_atfork_done;

MojoResult mc_result(int err)
{
	switch (-err) {
	case 0:
		return MOJO_RESULT_OK;
	case EBADF:		/* not a handle of this node */
	case EINVAL:		/* wrong kind, bad value */
	case EFAULT:
		return MOJO_RESULT_INVALID_ARGUMENT;
	case EAGAIN:
		return MOJO_RESULT_SHOULD_WAIT;
	case EPIPE:		/* the peer is closed */
	case EALREADY:		/* ARM_TRAP: a trigger is met */
	case ELOOP:		/* a pipe sent into its own queue, too deep */
		return MOJO_RESULT_FAILED_PRECONDITION;
	case EBUSY:
		return MOJO_RESULT_BUSY;
	case ENOSPC:		/* a queue quota, the handle limit, a user bound */
	case ENOMEM:
	case EMFILE:
	case ENFILE:
	case EDQUOT:
	case ETOOMANYREFS:
	case EMSGSIZE:
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	case ERANGE:		/* ALL_OR_NONE not met */
		return MOJO_RESULT_OUT_OF_RANGE;
	case ENOENT:
		return MOJO_RESULT_NOT_FOUND;
	case EEXIST:
		return MOJO_RESULT_ALREADY_EXISTS;
	case ETIMEDOUT:
		return MOJO_RESULT_DEADLINE_EXCEEDED;
	case ECANCELED:
		return MOJO_RESULT_CANCELLED;
	case EACCES:
	case EPERM:
		return MOJO_RESULT_PERMISSION_DENIED;
	case ENOTTY:
	case EOPNOTSUPP:
		return MOJO_RESULT_UNIMPLEMENTED;
	default:
		return MOJO_RESULT_UNKNOWN;
	}
}

/* ---- the node, fork ------------------------------------------------------ */

static void mc_fork_prepare(void)
{
	pthread_mutex_lock(&mc_lock);
}

static void mc_fork_parent(void)
{
	pthread_mutex_unlock(&mc_lock);
}

static void mc_attached_reset(void);

/*
 * The child shares the parent's node file: every handle of it is the
 * parent's. Forget them all (closing nothing in the kernel) and let the
 * child open a node of its own when it first needs one.
 */
static void mc_fork_child(void)
{
	pthread_mutex_init(&mc_lock, NULL);
	if (mc_node_fd >= 0)
		close(mc_node_fd);
	mc_node_fd = -1;
	mc_leaving_list = NULL;	/* on the stacks of threads the child lacks */
	mc_attached_reset();
	mc_datapipe_reset();
	mc_trap_fork_child();
	mc_local_reset(true);
}

static int mc_open_node_locked(void)
{
	uint64_t features, need;
	int fd, ret;

	if (mc_node_fd >= 0)
		return mc_node_fd;
	if (!mc_atfork_done) {
		pthread_atfork(mc_fork_prepare, mc_fork_parent, mc_fork_child);
		mc_atfork_done = true;
	}
	fd = mojo_open_node();
	if (fd < 0)
		return fd;
	need = MOJO_FEATURE_MESSAGE_PIPE | MOJO_FEATURE_SIGNALS | MOJO_FEATURE_FUSE |
	       MOJO_FEATURE_QUOTA | MOJO_FEATURE_EXPORT | MOJO_FEATURE_TRAP |
	       MOJO_FEATURE_DATA_PIPE;
	ret = mojo_get_version(fd, NULL, &features);
	if (ret == 0 && (features & need) != need)
		ret = -EOPNOTSUPP;
	if (ret < 0) {
		close(fd);
		return ret;
	}
	__atomic_store_n(&mc_node_features, features, __ATOMIC_RELAXED);
	__atomic_store_n(&mc_node_fd, fd, __ATOMIC_RELEASE);
	return fd;
}

bool mc_node_wraps_fds(void)
{
	return __atomic_load_n(&mc_node_fd, __ATOMIC_ACQUIRE) >= 0 &&
	       (__atomic_load_n(&mc_node_features, __ATOMIC_RELAXED) & MOJO_FEATURE_WRAP_FD);
}

int mc_node(void)
{
	int fd = __atomic_load_n(&mc_node_fd, __ATOMIC_ACQUIRE);

	if (fd >= 0)
		return fd;
	pthread_mutex_lock(&mc_lock);
	fd = mc_open_node_locked();
	pthread_mutex_unlock(&mc_lock);
	return fd;
}

/* ---- handles ---------------------------------------------------------------- */

/*
 * Kernel handles owned by a message object. A small chained hash: a
 * message holds at most 64, and few messages are built at once.
 */
#define MC_ATT_BUCKETS 64

struct mc_attached {
	struct mc_attached *next;
	uint32_t handle;
};

static struct mc_attached *mc_att[MC_ATT_BUCKETS];
static unsigned int mc_att_count;

static struct mc_attached **mc_att_find(uint32_t h)
{
	struct mc_attached **p = &mc_att[h % MC_ATT_BUCKETS];

	while (*p && (*p)->handle != h)
		p = &(*p)->next;
	return p;
}

static void mc_attached_reset(void)
{
	unsigned int i;

	for (i = 0; i < MC_ATT_BUCKETS; i++) {
		while (mc_att[i]) {
			struct mc_attached *a = mc_att[i];

			mc_att[i] = a->next;
			free(a);
		}
	}
	__atomic_store_n(&mc_att_count, 0, __ATOMIC_RELAXED);
}

/* Mark (or unmark) @h as owned by a message; the caller holds mc_lock. */
static int mc_set_attached(uint32_t h, bool on)
{
	struct mc_attached **p = mc_att_find(h), *a;

	if (on) {
		if (*p)
			return -EBUSY;
		a = malloc(sizeof(*a));
		if (!a)
			return -ENOMEM;
		a->handle = h;
		a->next = NULL;
		*p = a;
		__atomic_add_fetch(&mc_att_count, 1, __ATOMIC_RELAXED);
	} else if (*p) {
		a = *p;
		*p = a->next;
		free(a);
		__atomic_sub_fetch(&mc_att_count, 1, __ATOMIC_RELAXED);
	}
	return 0;
}

MojoResult mc_kernel_handle(MojoHandle h, uint32_t *out)
{
	bool owned = false;

	if (h == MOJO_HANDLE_INVALID || MC_IS_LOCAL(h) || h > INT32_MAX)
		return MOJO_RESULT_INVALID_ARGUMENT;
	if (__atomic_load_n(&mc_att_count, __ATOMIC_RELAXED)) {
		pthread_mutex_lock(&mc_lock);
		owned = *mc_att_find((uint32_t)h) != NULL;
		pthread_mutex_unlock(&mc_lock);
	}
	if (owned)
		return MOJO_RESULT_INVALID_ARGUMENT;
	*out = (uint32_t)h;
	return MOJO_RESULT_OK;
}

bool mc_handle_going_locked(uint32_t h)
{
	struct mc_leaving *l;

	for (l = mc_leaving_list; l; l = l->next)
		if (l->handle == h)
			return true;
	return *mc_att_find(h) != NULL;
}

void mc_handle_leaving(uint32_t h, struct mc_leaving *l)
{
	/*
	 * Marked first, under the lock MojoAddTrigger holds across its
	 * kernel call: a trigger is then either added before, and cancelled
	 * below, or refused; never added behind our back and ended by the
	 * kernel after we return.
	 */
	l->handle = h;
	pthread_mutex_lock(&mc_lock);
	l->next = mc_leaving_list;
	mc_leaving_list = l;
	pthread_mutex_unlock(&mc_lock);
	mc_trap_handle_leaving(h);
	mc_datapipe_drop(h);
}

void mc_handle_left(struct mc_leaving *l)
{
	struct mc_leaving **p;

	pthread_mutex_lock(&mc_lock);
	for (p = &mc_leaving_list; *p && *p != l; p = &(*p)->next)
		;
	if (*p)
		*p = l->next;
	pthread_mutex_unlock(&mc_lock);
}

/* Close a kernel handle, its triggers and mapping first. */
static MojoResult mc_close_kernel(uint32_t h)
{
	struct mc_leaving l;
	int node = mc_node();
	MojoResult r;

	if (node < 0)
		return mc_result(node);
	mc_handle_leaving(h, &l);
	r = mc_result(mojo_close(node, h));
	mc_handle_left(&l);
	return r;
}

/*
 * Mojo's signal bits and the kernel's, pair by pair: the one table both
 * directions read. PEER_REMOTE's "another node" is Mojo's "another
 * process", with one node per process.
 */
static const struct {
	MojoHandleSignals mojo;
	uint64_t kernel;
} mc_signal_map[] = {
	{ MOJO_HANDLE_SIGNAL_READABLE, MOJO_SIGNAL_READABLE },
	{ MOJO_HANDLE_SIGNAL_WRITABLE, MOJO_SIGNAL_WRITABLE },
	{ MOJO_HANDLE_SIGNAL_PEER_CLOSED, MOJO_SIGNAL_PEER_CLOSED },
	{ MOJO_HANDLE_SIGNAL_QUOTA_EXCEEDED, MOJO_SIGNAL_QUOTA_EXCEEDED },
	{ MOJO_HANDLE_SIGNAL_NEW_DATA_READABLE, MOJO_SIGNAL_NEW_DATA_READABLE },
	{ MOJO_HANDLE_SIGNAL_PEER_REMOTE, MOJO_SIGNAL_PEER_REMOTE },
};

MojoHandleSignals mc_signals_from_kernel(uint64_t s)
{
	MojoHandleSignals m = 0;
	size_t i;

	for (i = 0; i < sizeof(mc_signal_map) / sizeof(mc_signal_map[0]); i++)
		if (s & mc_signal_map[i].kernel)
			m |= mc_signal_map[i].mojo;
	return m;
}

uint64_t mc_signals_to_kernel(MojoHandleSignals m)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < sizeof(mc_signal_map) / sizeof(mc_signal_map[0]); i++)
		if (m & mc_signal_map[i].mojo)
			s |= mc_signal_map[i].kernel;
	return s;
}

/* Every options struct starts with struct_size and flags (8 bytes). */
bool mc_options_ok(const void *opts, uint32_t known_flags)
{
	const uint32_t *o = opts;

	if (!o)
		return true;
	if (o[0] < 8)
		return false;
	return (o[1] & ~known_flags) == 0;
}

/* ---- initialization ------------------------------------------------------- */

static MojoResult mc_Initialize(const struct MojoInitializeOptions *options)
{
	int fd;

	if (options && options->struct_size < offsetof(struct MojoInitializeOptions, argc))
		return MOJO_RESULT_INVALID_ARGUMENT;
	if (options && (options->flags & MOJO_INITIALIZE_FLAG_LOAD_ONLY))
		return MOJO_RESULT_OK;
	fd = mc_node();
	if (fd == -ENOENT || fd == -ENXIO || fd == -ENODEV)
		return MOJO_RESULT_UNAVAILABLE;	/* no /dev/mojoports */
	return fd < 0 ? mc_result(fd) : MOJO_RESULT_OK;
}

static MojoResult mc_Shutdown(const struct MojoShutdownOptions *options)
{
	int fd;

	if (!mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	/* Not from a trap handler: the callback thread cannot stop itself. */
	if (__atomic_load_n(&mc_node_fd, __ATOMIC_ACQUIRE) < 0 || mc_trap_in_handler())
		return MOJO_RESULT_FAILED_PRECONDITION;
	/* The handlers first: each trigger gets its CANCELLED event. */
	mc_trap_shutdown();
	pthread_mutex_lock(&mc_lock);
	fd = mc_node_fd;
	__atomic_store_n(&mc_node_fd, -1, __ATOMIC_RELEASE);
	mc_attached_reset();
	mc_datapipe_reset();
	mc_local_reset(true);
	pthread_mutex_unlock(&mc_lock);
	close(fd);	/* the node's death closes every handle it held */
	return MOJO_RESULT_OK;
}

static MojoTimeTicks mc_GetTimeTicksNow(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (MojoTimeTicks)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- any handle --------------------------------------------------------- */

static MojoResult mc_Close(MojoHandle handle)
{
	MojoResult r;
	uint32_t h;

	if (MC_IS_LOCAL(handle))
		return mc_local_close(handle);
	r = mc_kernel_handle(handle, &h);
	if (r != MOJO_RESULT_OK)
		return r;
	if (mc_trap_close(h, &r))
		return r;
	return mc_close_kernel(h);
}

static MojoResult mc_QueryHandleSignalsState(MojoHandle handle,
					     struct MojoHandleSignalsState *state)
{
	uint64_t sat, able;
	MojoResult r;
	uint32_t h;
	int node, ret;

	if (!state)
		return MOJO_RESULT_INVALID_ARGUMENT;
	/* Handles without signals (buffers, invitations, traps) have none. */
	state->satisfied_signals = 0;
	state->satisfiable_signals = 0;
	if (MC_IS_LOCAL(handle))
		return mc_local_exists(handle) ? MOJO_RESULT_OK : MOJO_RESULT_INVALID_ARGUMENT;
	r = mc_kernel_handle(handle, &h);
	if (r != MOJO_RESULT_OK)
		return r;
	node = mc_node();
	if (node < 0)
		return mc_result(node);
	ret = mojo_query_signals(node, h, &sat, &able);
	if (ret == -EINVAL)	/* a handle of this node, of a kind without signals */
		return MOJO_RESULT_OK;
	if (ret < 0)
		return mc_result(ret);
	state->satisfied_signals = mc_signals_from_kernel(sat);
	state->satisfiable_signals = mc_signals_from_kernel(able);
	return MOJO_RESULT_OK;
}

/* ---- message pipes ------------------------------------------------------- */

static MojoResult mc_CreateMessagePipe(const struct MojoCreateMessagePipeOptions *options,
				       MojoHandle *handle0, MojoHandle *handle1)
{
	uint32_t a, b;
	int node, ret;

	if (!mc_options_ok(options, 0) || !handle0 || !handle1)
		return MOJO_RESULT_INVALID_ARGUMENT;
	node = mc_node();
	if (node < 0)
		return mc_result(node);
	ret = mojo_create_message_pipe(node, &a, &b);
	if (ret < 0)
		return mc_result(ret);
	*handle0 = a;
	*handle1 = b;
	return MOJO_RESULT_OK;
}

/* Is @h a message pipe endpoint: signals, and not a data pipe end? */
static bool mc_is_message_pipe(int node, uint32_t h)
{
	struct mojo_data_pipe_info_args info;

	memset(&info, 0, sizeof(info));
	return mojo_query_signals(node, h, NULL, NULL) == 0 &&
	       mojo_data_pipe_info(node, h, &info) < 0;
}

static MojoResult mc_FuseMessagePipes(MojoHandle handle0, MojoHandle handle1,
				      const struct MojoFuseMessagePipesOptions *options)
{
	struct mc_leaving l0, l1;
	MojoResult r0, r1;
	uint32_t h0, h1;
	int node, ret;

	r0 = mc_kernel_handle(handle0, &h0);
	r1 = mc_kernel_handle(handle1, &h1);
	/* Mojo closes both handles whatever happens. */
	if (r0 != MOJO_RESULT_OK || r1 != MOJO_RESULT_OK || !mc_options_ok(options, 0)) {
		if (r0 == MOJO_RESULT_OK)
			mc_Close(handle0);
		if (r1 == MOJO_RESULT_OK && handle1 != handle0)
			mc_Close(handle1);
		return MOJO_RESULT_INVALID_ARGUMENT;
	}
	node = mc_node();
	if (node < 0)
		return mc_result(node);
	mc_handle_leaving(h0, &l0);
	mc_handle_leaving(h1, &l1);
	ret = mojo_fuse_message_pipes(node, h0, h1);
	mc_handle_left(&l1);
	mc_handle_left(&l0);
	if (ret == 0)
		return MOJO_RESULT_OK;
	/*
	 * The kernel's EINVAL also covers the two ends of one pipe, which
	 * Mojo refuses as a state (FAILED_PRECONDITION): two distinct
	 * message pipe endpoints it refused are that case.
	 */
	if (ret == -EINVAL && h0 != h1 && mc_is_message_pipe(node, h0) &&
	    mc_is_message_pipe(node, h1))
		ret = -EBUSY;
	mc_Close(handle0);
	if (handle1 != handle0)
		mc_Close(handle1);
	/*
	 * Written to, or peers (queued messages flow on since
	 * MOJO_FEATURE_FUSE_FLOW_ON; an older module refuses them here too).
	 * ELOOP, what flows on would nest too deep: FAILED_PRECONDITION.
	 */
	return ret == -EBUSY ? MOJO_RESULT_FAILED_PRECONDITION : mc_result(ret);
}

/* ---- message objects ------------------------------------------------------- */

#define MC_MESSAGE_MAGIC 0x6d6a6d73u	/* "mjms" */

struct mc_message {
	uint32_t magic;
	bool has_data;		/* AppendMessageData ran, or read from a pipe */
	bool committed;		/* its size is final */
	bool handles_taken;	/* GetMessageData gave the handles away */
	uint8_t *buf;
	uint32_t size, cap;
	uint32_t num_handles;
	/* Kernel handle numbers; 0 where a buffer sits (bufs[]). */
	uint32_t handles[MOJO_MAX_MESSAGE_HANDLES];
	struct mc_local *bufs[MOJO_MAX_MESSAGE_HANDLES];
	uintptr_t context;
	MojoMessageContextSerializer serializer;
	MojoMessageContextDestructor destructor;
};

static struct mc_message *mc_msg(MojoMessageHandle m)
{
	struct mc_message *msg = (struct mc_message *)m;

	if (!msg || msg->magic != MC_MESSAGE_MAGIC)
		return NULL;
	return msg;
}

static MojoResult mc_CreateMessage(const struct MojoCreateMessageOptions *options,
				   MojoMessageHandle *message)
{
	struct mc_message *msg;

	if (!message || !mc_options_ok(options, MOJO_CREATE_MESSAGE_FLAG_UNLIMITED_SIZE))
		return MOJO_RESULT_INVALID_ARGUMENT;
	msg = calloc(1, sizeof(*msg));
	if (!msg)
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	msg->magic = MC_MESSAGE_MAGIC;
	*message = (MojoMessageHandle)msg;
	return MOJO_RESULT_OK;
}

/* Free a message; its handles are closed unless @keep_handles. */
static void mc_message_free(struct mc_message *msg, bool keep_handles)
{
	uint32_t i;

	if (msg->context && msg->destructor)
		msg->destructor(msg->context);
	pthread_mutex_lock(&mc_lock);
	for (i = 0; i < msg->num_handles && !msg->handles_taken; i++)
		if (msg->handles[i])
			mc_set_attached(msg->handles[i], false);
	pthread_mutex_unlock(&mc_lock);
	for (i = 0; i < msg->num_handles && !msg->handles_taken; i++) {
		/* A buffer object is the message's alone, sent or not. */
		if (msg->bufs[i])
			mc_buffer_free(msg->bufs[i]);
		else if (msg->handles[i] && !keep_handles)
			mc_close_kernel(msg->handles[i]);
	}
	msg->magic = 0;
	free(msg->buf);
	free(msg);
}

static MojoResult mc_DestroyMessage(MojoMessageHandle message)
{
	struct mc_message *msg = mc_msg(message);

	if (!msg)
		return MOJO_RESULT_INVALID_ARGUMENT;
	mc_message_free(msg, false);
	return MOJO_RESULT_OK;
}

/* Close the wrapped fds mc_message_wrap_buffers() made among @wh[0..@n). */
static void mc_message_close_wrapped(int node, struct mc_message *msg, const uint32_t *wh,
				     uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (msg->bufs[i])
			mojo_close(node, wh[i]);
}

static int mc_message_reserve(struct mc_message *msg, uint64_t need)
{
	uint64_t cap = msg->cap ? msg->cap : 64;
	uint8_t *p;

	if (need > UINT32_MAX)
		return -EMSGSIZE;
	if (need <= msg->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	if (cap > UINT32_MAX)
		cap = need;
	p = realloc(msg->buf, cap);
	if (!p)
		return -ENOMEM;
	memset(p + msg->cap, 0, cap - msg->cap);
	msg->buf = p;
	msg->cap = (uint32_t)cap;
	return 0;
}

/*
 * Check that @h can be attached to a message: a shared buffer (*@out is
 * then 0), or a message pipe or data pipe endpoint or wrapped fd of this
 * node that no message owns yet, and not a data pipe end in a two-phase
 * operation (BUSY, as in Mojo: the handle stays the caller's and the
 * operation's pointer stays valid).
 */
static MojoResult mc_check_attachable(int node, MojoHandle handle, uint32_t *out)
{
	MojoResult r;
	int ret;

	*out = 0;
	if (mc_local_is_buffer(handle))	/* travels as a wrapped memfd */
		return mc_node_wraps_fds() ? MOJO_RESULT_OK : MOJO_RESULT_UNIMPLEMENTED;
	r = mc_kernel_handle(handle, out);
	if (r != MOJO_RESULT_OK)
		return r;
	/*
	 * Fails for unknown handles (EBADF), and with EINVAL for the kinds
	 * without signals: wrapped fds, which travel, and traps, which not.
	 */
	ret = mojo_query_signals(node, *out, NULL, NULL);
	if (ret == -EINVAL && !mc_trap_exists(*out))
		return MOJO_RESULT_OK;
	if (ret < 0)
		return MOJO_RESULT_INVALID_ARGUMENT;
	return mc_datapipe_in_two_phase(*out) ? MOJO_RESULT_BUSY : MOJO_RESULT_OK;
}

static MojoResult mc_AppendMessageData(MojoMessageHandle message,
				       uint32_t additional_payload_size,
				       const MojoHandle *handles, uint32_t num_handles,
				       const struct MojoAppendMessageDataOptions *options,
				       void **buffer, uint32_t *buffer_size)
{
	struct mc_message *msg = mc_msg(message);
	struct mc_local *bs[MOJO_MAX_MESSAGE_HANDLES];
	uint32_t hs[MOJO_MAX_MESSAGE_HANDLES];
	uint32_t i, j;
	MojoResult r;
	int node, ret;

	if (!msg || (num_handles && !handles) ||
	    !mc_options_ok(options, MOJO_APPEND_MESSAGE_DATA_FLAG_COMMIT_SIZE))
		return MOJO_RESULT_INVALID_ARGUMENT;
	if (msg->context || msg->committed)
		return MOJO_RESULT_FAILED_PRECONDITION;
	if (num_handles > MOJO_MAX_MESSAGE_HANDLES - msg->num_handles)
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	node = mc_node();
	if (node < 0)
		return mc_result(node);
	for (i = 0; i < num_handles; i++) {
		r = mc_check_attachable(node, handles[i], &hs[i]);
		if (r != MOJO_RESULT_OK)
			return r;
		for (j = 0; j < i; j++)
			if (handles[j] == handles[i])
				return MOJO_RESULT_INVALID_ARGUMENT;
	}
	ret = mc_message_reserve(msg, (uint64_t)msg->size + additional_payload_size);
	if (ret < 0)
		return mc_result(ret);
	pthread_mutex_lock(&mc_lock);
	for (i = 0; i < num_handles; i++) {
		bs[i] = NULL;
		if (hs[i]) {
			ret = mc_set_attached(hs[i], true);
		} else {
			/* A buffer leaves the list: the message holds it. */
			bs[i] = mc_buffer_detach_locked(handles[i]);
			ret = bs[i] ? 0 : -EBADF;	/* closed meanwhile */
		}
		if (ret < 0) {
			while (i--) {
				if (bs[i])
					mc_buffer_reattach_locked(bs[i]);
				else
					mc_set_attached(hs[i], false);
			}
			pthread_mutex_unlock(&mc_lock);
			return ret == -EBUSY ? MOJO_RESULT_INVALID_ARGUMENT : mc_result(ret);
		}
	}
	pthread_mutex_unlock(&mc_lock);
	/* From here the message owns them: no triggers, no mapping. */
	for (i = 0; i < num_handles; i++) {
		struct mc_leaving l;

		if (hs[i]) {
			/* Owned by the message now: that mark outlives this one. */
			mc_handle_leaving(hs[i], &l);
			mc_handle_left(&l);
		}
		msg->bufs[msg->num_handles] = bs[i];
		msg->handles[msg->num_handles++] = hs[i];
	}
	msg->size += additional_payload_size;
	msg->has_data = true;
	if (options && (options->flags & MOJO_APPEND_MESSAGE_DATA_FLAG_COMMIT_SIZE))
		msg->committed = true;
	if (buffer)
		*buffer = msg->buf;
	if (buffer_size)
		*buffer_size = msg->cap;
	return MOJO_RESULT_OK;
}

static MojoResult mc_ReserveMessageCapacity(MojoMessageHandle message,
					    uint32_t payload_buffer_size,
					    uint32_t *buffer_size)
{
	struct mc_message *msg = mc_msg(message);
	int ret;

	if (!msg)
		return MOJO_RESULT_INVALID_ARGUMENT;
	if (msg->context || msg->committed)
		return MOJO_RESULT_FAILED_PRECONDITION;
	ret = mc_message_reserve(msg, payload_buffer_size);
	if (ret < 0)
		return mc_result(ret);
	if (buffer_size)
		*buffer_size = msg->cap;
	return MOJO_RESULT_OK;
}

static MojoResult mc_GetMessageData(MojoMessageHandle message,
				    const struct MojoGetMessageDataOptions *options,
				    void **buffer, uint32_t *num_bytes,
				    MojoHandle *handles, uint32_t *num_handles)
{
	struct mc_message *msg = mc_msg(message);
	bool ignore;
	uint32_t i;

	if (!msg || !mc_options_ok(options, MOJO_GET_MESSAGE_DATA_FLAG_IGNORE_HANDLES))
		return MOJO_RESULT_INVALID_ARGUMENT;
	ignore = options && (options->flags & MOJO_GET_MESSAGE_DATA_FLAG_IGNORE_HANDLES);
	if (!ignore && num_handles && *num_handles && !handles)
		return MOJO_RESULT_INVALID_ARGUMENT;
	if (!msg->has_data || !msg->committed)
		return MOJO_RESULT_FAILED_PRECONDITION;
	if (!ignore && msg->handles_taken)
		return MOJO_RESULT_NOT_FOUND;
	if (msg->size && (!buffer || !num_bytes))
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	if (!ignore && msg->num_handles) {
		if (!num_handles || *num_handles < msg->num_handles) {
			if (num_handles)
				*num_handles = msg->num_handles;
			return MOJO_RESULT_RESOURCE_EXHAUSTED;
		}
	}
	if (buffer)
		*buffer = msg->size ? msg->buf : NULL;
	if (num_bytes)
		*num_bytes = msg->size;
	if (ignore)
		return MOJO_RESULT_OK;
	if (num_handles)
		*num_handles = msg->num_handles;
	if (!msg->num_handles)
		return MOJO_RESULT_OK;
	pthread_mutex_lock(&mc_lock);
	for (i = 0; i < msg->num_handles; i++) {
		if (msg->bufs[i]) {
			handles[i] = mc_buffer_reattach_locked(msg->bufs[i]);
			msg->bufs[i] = NULL;
			continue;
		}
		handles[i] = msg->handles[i];
		mc_set_attached(msg->handles[i], false);
	}
	pthread_mutex_unlock(&mc_lock);
	msg->handles_taken = true;
	return MOJO_RESULT_OK;
}

static MojoResult mc_SetMessageContext(MojoMessageHandle message, uintptr_t context,
				       MojoMessageContextSerializer serializer,
				       MojoMessageContextDestructor destructor,
				       const struct MojoSetMessageContextOptions *options)
{
	struct mc_message *msg = mc_msg(message);

	if (!msg || !mc_options_ok(options, 0) ||
	    (!context && (serializer || destructor)))
		return MOJO_RESULT_INVALID_ARGUMENT;
	if (context && msg->context)
		return MOJO_RESULT_ALREADY_EXISTS;
	if (msg->has_data)
		return MOJO_RESULT_FAILED_PRECONDITION;
	/* Zero detaches the context without running its destructor. */
	msg->context = context;
	msg->serializer = serializer;
	msg->destructor = destructor;
	return MOJO_RESULT_OK;
}

static MojoResult mc_GetMessageContext(MojoMessageHandle message,
				       const struct MojoGetMessageContextOptions *options,
				       uintptr_t *context)
{
	struct mc_message *msg = mc_msg(message);

	if (!msg || !context || !mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	*context = msg->context;
	return MOJO_RESULT_OK;
}

/* Run a context's serializer, which appends the data; then its destructor. */
static MojoResult mc_serialize(struct mc_message *msg)
{
	MojoMessageContextSerializer ser = msg->serializer;
	MojoMessageContextDestructor dtor = msg->destructor;
	uintptr_t ctx = msg->context;

	if (!ser)
		return MOJO_RESULT_NOT_FOUND;
	msg->context = 0;
	msg->serializer = NULL;
	msg->destructor = NULL;
	ser((MojoMessageHandle)msg, ctx);
	if (dtor)
		dtor(ctx);
	if (!msg->has_data) {
		/* A serializer that appended nothing made an empty message. */
		msg->has_data = true;
	}
	msg->committed = true;
	return MOJO_RESULT_OK;
}

static MojoResult mc_SerializeMessage(MojoMessageHandle message,
				      const struct MojoSerializeMessageOptions *options)
{
	struct mc_message *msg = mc_msg(message);

	if (!msg || !mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	if (msg->has_data)
		return MOJO_RESULT_FAILED_PRECONDITION;
	if (!msg->context)
		return MOJO_RESULT_NOT_FOUND;
	return mc_serialize(msg);
}

/*
 * Wrap the message's buffers as fds into @wh (its other handles copied),
 * and append the trailer past msg->size: every message with handles gets
 * one, with a desc per buffer (perhaps none); *@extra is how many bytes
 * that added. 0 or -errno, with nothing left wrapped.
 */
static int mc_message_wrap_buffers(int node, struct mc_message *msg, uint32_t nh,
				   uint32_t *wh, uint32_t *extra)
{
	struct mc_buffer_desc descs[MOJO_MAX_MESSAGE_HANDLES];
	struct mc_buffer_trailer t = { .magic = MC_BUFFER_MAGIC };
	uint32_t i, dlen;
	int ret = 0;

	*extra = 0;
	for (i = 0; i < nh; i++) {
		wh[i] = msg->handles[i];
		if (!msg->bufs[i])
			continue;
		ret = mc_buffer_wrap(node, msg->bufs[i], &wh[i], &descs[t.count]);
		if (ret < 0)
			break;
		descs[t.count++].index = i;
	}
	if (ret == 0 && nh) {
		dlen = t.count * (uint32_t)sizeof(descs[0]);
		ret = mc_message_reserve(msg, (uint64_t)msg->size + dlen + sizeof(t));
		if (ret == 0) {
			t.check = mc_buffer_check(descs, t.count);
			if (dlen)
				memcpy(msg->buf + msg->size, descs, dlen);
			memcpy(msg->buf + msg->size + dlen, &t, sizeof(t));
			*extra = dlen + (uint32_t)sizeof(t);
		}
	}
	if (ret < 0)
		mc_message_close_wrapped(node, msg, wh, i < nh ? i : nh);
	return ret;
}

static MojoResult mc_WriteMessage(MojoHandle pipe, MojoMessageHandle message,
				  const struct MojoWriteMessageOptions *options)
{
	struct mc_message *msg = mc_msg(message);
	uint32_t wh[MOJO_MAX_MESSAGE_HANDLES];
	uint32_t h, i, nh, extra;
	MojoResult r;
	int node, ret;

	if (!msg)
		return MOJO_RESULT_INVALID_ARGUMENT;
	/* From here the message is consumed, whatever the outcome. */
	r = mc_kernel_handle(pipe, &h);
	if (r == MOJO_RESULT_OK && !mc_options_ok(options, 0))
		r = MOJO_RESULT_INVALID_ARGUMENT;
	if (r != MOJO_RESULT_OK)
		goto fail;
	if (msg->context) {
		/*
		 * Every message crosses the kernel, so a context is always
		 * serialized; without a serializer it cannot travel.
		 */
		r = msg->serializer ? mc_serialize(msg) : MOJO_RESULT_UNIMPLEMENTED;
		if (r != MOJO_RESULT_OK)
			goto fail;
	}
	if (!msg->has_data) {
		r = MOJO_RESULT_NOT_FOUND;
		goto fail;
	}
	/* Mojo: data appended but its size not committed cannot travel. */
	if (!msg->committed) {
		r = MOJO_RESULT_INVALID_ARGUMENT;
		goto fail;
	}
	/*
	 * Handles given away by MojoGetMessageData() are the caller's now
	 * (and their numbers maybe another message's): they stay.
	 */
	nh = msg->handles_taken ? 0 : msg->num_handles;
	node = mc_node();
	if (node < 0) {
		r = mc_result(node);
		goto fail;
	}
	ret = mc_message_wrap_buffers(node, msg, nh, wh, &extra);
	if (ret < 0) {
		r = mc_result(ret);
		goto fail;
	}
	ret = mojo_write_message(node, h, msg->buf, msg->size + extra, wh, nh);
	if (ret < 0) {
		mc_message_close_wrapped(node, msg, wh, nh);
		r = mc_result(ret);
		goto fail;
	}
	/* The attached handles left with the message; its buffers go. */
	pthread_mutex_lock(&mc_lock);
	for (i = 0; i < nh; i++)
		if (msg->handles[i])
			mc_set_attached(msg->handles[i], false);
	pthread_mutex_unlock(&mc_lock);
	for (i = 0; i < nh; i++)
		if (msg->bufs[i])
			mc_buffer_free(msg->bufs[i]);
	msg->num_handles = 0;
	mc_message_free(msg, true);
	return MOJO_RESULT_OK;
fail:
	mc_message_free(msg, false);
	return r;
}

/*
 * Is the end of @msg's payload a trailer the library wrote (the
 * convention in mojo_core_internal.h)? Checks what can be checked without
 * touching the handles: the magic, the count, the checksum, and that the
 * descs name distinct wrapped fds among the handles (they have no
 * signals: EINVAL; traps never travel). Copies the descs to @descs.
 */
static bool mc_trailer_ok(int node, const struct mc_message *msg,
			  struct mc_buffer_desc *descs, struct mc_buffer_trailer *t)
{
	uint64_t seen = 0;
	uint32_t i, dlen;

	if (msg->size < sizeof(*t))
		return false;
	memcpy(t, msg->buf + msg->size - sizeof(*t), sizeof(*t));
	if (t->magic != MC_BUFFER_MAGIC || t->count > msg->num_handles)
		return false;
	dlen = t->count * (uint32_t)sizeof(descs[0]);
	if (msg->size - sizeof(*t) < dlen)
		return false;
	if (dlen)
		memcpy(descs, msg->buf + msg->size - sizeof(*t) - dlen, dlen);
	if (t->check != mc_buffer_check(descs, t->count))
		return false;
	for (i = 0; i < t->count; i++) {
		uint32_t k = descs[i].index;

		if (k >= msg->num_handles || (seen & (1ULL << k)) ||
		    mojo_query_signals(node, msg->handles[k], NULL, NULL) != -EINVAL)
			return false;
		seen |= 1ULL << k;
	}
	return true;
}

/*
 * A message just read, with handles: strip its trailer and turn the
 * wrapped fds it describes into buffer objects, all or nothing. Each
 * described fd is unwrapped and its file checked against its desc
 * (mc_buffer_check_received) before anything is converted. If the
 * trailer or any file fails, the message is a bad one, from a peer that
 * is not this library: it stays as the kernel delivered it, payload
 * whole (no bytes stripped) and every handle a handle; the fds taken
 * out for the check are wrapped again (the same files, perhaps under new
 * numbers; one that cannot be, for want of memory, is closed and reads
 * as MOJO_HANDLE_INVALID).
 */
static void mc_message_take_buffers(int node, struct mc_message *msg)
{
	struct mc_buffer_desc descs[MOJO_MAX_MESSAGE_HANDLES];
	struct mc_local *objs[MOJO_MAX_MESSAGE_HANDLES];
	int fds[MOJO_MAX_MESSAGE_HANDLES];
	struct mc_buffer_trailer t;
	uint32_t i;
	int ret = 0;

	if (!mc_trailer_ok(node, msg, descs, &t))
		return;
	for (i = 0; i < t.count; i++) {
		objs[i] = NULL;
		fds[i] = -1;
	}
	for (i = 0; ret == 0 && i < t.count; i++) {
		uint32_t k = descs[i].index;

		ret = mojo_unwrap_fd(node, msg->handles[k], 0);
		if (ret < 0)
			break;		/* EMFILE: the handle is as it was */
		fds[i] = ret;
		msg->handles[k] = 0;
		ret = mc_buffer_check_received(fds[i], &descs[i]);
	}
	for (i = 0; ret == 0 && i < t.count; i++) {
		objs[i] = mc_buffer_received(fds[i], &descs[i]);
		if (!objs[i])
			ret = -ENOMEM;
	}
	if (ret < 0) {
		for (i = 0; i < t.count; i++) {
			uint32_t k = descs[i].index;

			if (objs[i])	/* its fd goes back below */
				mc_buffer_forget(objs[i]);
			if (fds[i] < 0)
				continue;
			if (mojo_wrap_fd(node, fds[i], &msg->handles[k]) < 0)
				msg->handles[k] = 0;
			close(fds[i]);
		}
		return;
	}
	for (i = 0; i < t.count; i++)
		msg->bufs[descs[i].index] = objs[i];
	msg->size -= t.count * (uint32_t)sizeof(descs[0]) + (uint32_t)sizeof(t);
}

static MojoResult mc_ReadMessage(MojoHandle pipe,
				 const struct MojoReadMessageOptions *options,
				 MojoMessageHandle *message)
{
	struct mc_message *msg;
	uint32_t h, nb, nh;
	MojoResult r;
	int node, ret;

	if (!message || !mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	r = mc_kernel_handle(pipe, &h);
	if (r != MOJO_RESULT_OK)
		return r;
	node = mc_node();
	if (node < 0)
		return mc_result(node);
	msg = calloc(1, sizeof(*msg));
	if (!msg)
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	msg->magic = MC_MESSAGE_MAGIC;
	ret = mc_message_reserve(msg, 256);
	for (;;) {
		if (ret < 0)
			break;
		nb = msg->cap;
		nh = MOJO_MAX_MESSAGE_HANDLES;
		ret = mojo_read_message(node, h, msg->buf, &nb, msg->handles, &nh);
		if (ret != -EMSGSIZE)
			break;
		/* Larger than the buffer: grow to what the kernel asks. */
		ret = mc_message_reserve(msg, nb);
	}
	if (ret < 0) {
		msg->magic = 0;
		free(msg->buf);
		free(msg);
		return mc_result(ret);
	}
	msg->size = nb;
	msg->num_handles = nh;
	msg->has_data = true;
	msg->committed = true;
	if (msg->num_handles)
		mc_message_take_buffers(node, msg);
	/* Received handles belong to the message until GetMessageData. */
	pthread_mutex_lock(&mc_lock);
	for (nh = 0; nh < msg->num_handles; nh++)
		if (msg->handles[nh] && !msg->bufs[nh])
			mc_set_attached(msg->handles[nh], true);
	pthread_mutex_unlock(&mc_lock);
	*message = (MojoMessageHandle)msg;
	return MOJO_RESULT_OK;
}

static MojoResult mc_NotifyBadMessage(MojoMessageHandle message, const char *error,
				      uint32_t error_num_bytes,
				      const struct MojoNotifyBadMessageOptions *options)
{
	(void)error;
	(void)error_num_bytes;
	if (!mc_msg(message) || !mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	/* No broker or embedder here that a report could go to. */
	return MOJO_RESULT_UNIMPLEMENTED;
}

/* ---- quotas -------------------------------------------------------------- */

/*
 * Mojo's quotas only raise QUOTA_EXCEEDED and never refuse a write: the
 * kernel's signal-only quotas (MOJO_IOC_SET_SIGNAL_QUOTA). The kernel's
 * enforced quota, which refuses writes (ENOSPC), is lifted to its largest
 * when a receive quota is set (mc_SetQuota()).
 */

/* @handle as a message pipe endpoint for the quota calls. */
static MojoResult mc_quota_handle(MojoHandle handle, MojoQuotaType type, int *node,
				  uint32_t *h)
{
	struct mojo_data_pipe_info_args info;
	MojoResult r;
	int ret;

	r = mc_kernel_handle(handle, h);
	if (r != MOJO_RESULT_OK)
		return r;
	if (type > MOJO_QUOTA_TYPE_UNREAD_MESSAGE_COUNT)
		return MOJO_RESULT_INVALID_ARGUMENT;
	*node = mc_node();
	if (*node < 0)
		return mc_result(*node);
	/* Only message pipe endpoints have quotas: not data pipes, traps. */
	if (mojo_data_pipe_info(*node, *h, &info) == 0)
		return MOJO_RESULT_INVALID_ARGUMENT;
	ret = mojo_query_signals(*node, *h, NULL, NULL);
	return mc_result(ret);
}

/* Mojo's quota types are the kernel's flag bits, and "none" is the same. */
_Static_assert(MOJO_SIGNAL_QUOTA_QUEUE_MSGS == 1u << MOJO_QUOTA_TYPE_RECEIVE_QUEUE_LENGTH &&
	       MOJO_SIGNAL_QUOTA_QUEUE_BYTES == 1u << MOJO_QUOTA_TYPE_RECEIVE_QUEUE_MEMORY_SIZE &&
	       MOJO_SIGNAL_QUOTA_UNREAD_MSGS == 1u << MOJO_QUOTA_TYPE_UNREAD_MESSAGE_COUNT &&
	       MOJO_QUOTA_NONE == MOJO_QUOTA_LIMIT_NONE, "quota types");

static MojoResult mc_SetQuota(MojoHandle handle, MojoQuotaType type, uint64_t limit,
			      const struct MojoSetQuotaOptions *options)
{
	MojoResult r;
	uint32_t h;
	int node;

	if (!mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	r = mc_quota_handle(handle, type, &node, &h);
	if (r != MOJO_RESULT_OK)
		return r;
	/*
	 * Mojo's quotas only raise QUOTA_EXCEEDED: the kernel's signal-only
	 * ones (MOJO_QUOTA_LIMIT_NONE is MOJO_QUOTA_NONE). A receive quota
	 * also lifts the kernel's enforced quota to its largest, so that, as
	 * in Mojo, writes are not refused where the application asked only to
	 * be told (the user's memory bound still holds).
	 */
	if (type != MOJO_QUOTA_TYPE_UNREAD_MESSAGE_COUNT) {
		r = mc_result(mojo_set_quota(node, h, MOJO_QUOTA_MAX_MSGS,
					     MOJO_QUOTA_MAX_BYTES));
		if (r != MOJO_RESULT_OK)
			return r;
	}
	return mc_result(mojo_set_signal_quota(node, h, 1u << type,
		type == MOJO_QUOTA_TYPE_RECEIVE_QUEUE_LENGTH ? limit : 0,
		type == MOJO_QUOTA_TYPE_RECEIVE_QUEUE_MEMORY_SIZE ? limit : 0,
		type == MOJO_QUOTA_TYPE_UNREAD_MESSAGE_COUNT ? limit : 0));
}

static MojoResult mc_QueryQuota(MojoHandle handle, MojoQuotaType type,
				const struct MojoQueryQuotaOptions *options,
				uint64_t *limit, uint64_t *usage)
{
	struct mojo_signal_quota_args q;
	uint64_t l, u;
	MojoResult r;
	uint32_t h;
	int node;

	if (!mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	r = mc_quota_handle(handle, type, &node, &h);
	if (r != MOJO_RESULT_OK)
		return r;
	r = mc_result(mojo_query_quota(node, h, &q));
	if (r != MOJO_RESULT_OK)
		return r;
	if (type == MOJO_QUOTA_TYPE_RECEIVE_QUEUE_LENGTH) {
		l = q.queue_msgs;
		u = q.queued_msgs;
	} else if (type == MOJO_QUOTA_TYPE_RECEIVE_QUEUE_MEMORY_SIZE) {
		l = q.queue_bytes;
		u = q.queued_bytes;
	} else {
		l = q.unread_msgs;
		u = q.unread;
	}
	if (limit)
		*limit = l;
	if (usage)
		*usage = u;
	return MOJO_RESULT_OK;
}

/* ---- platform handles: the kernel's wrapped fds ---------------------------- */

/*
 * A platform handle is a kernel handle of this node holding the file
 * (MOJO_IOC_WRAP_FD): it travels in messages like an endpoint and comes
 * back as a new fd wherever it is unwrapped. Only file descriptors exist
 * on Linux. Ownership is Mojo's (platform_handle.h): Wrap takes the fd
 * once it is known to be one, and closes it on failure too (a kind of
 * file the kernel refuses is INVALID_ARGUMENT); Unwrap consumes the
 * handle once it is known to be a wrapped fd, on failure too (EMFILE).
 * Without the module's MOJO_FEATURE_WRAP_FD both are UNIMPLEMENTED.
 */
static MojoResult mc_WrapPlatformHandle(const struct MojoPlatformHandle *platform_handle,
					const struct MojoWrapPlatformHandleOptions *options,
					MojoHandle *handle)
{
	uint32_t h;
	int node, fd, ret;

	if (!platform_handle || !handle || !mc_options_ok(options, 0) ||
	    platform_handle->struct_size < sizeof(*platform_handle) ||
	    platform_handle->type != MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR ||
	    platform_handle->value > INT32_MAX)
		return MOJO_RESULT_INVALID_ARGUMENT;
	fd = (int)platform_handle->value;	/* ours from here */
	node = mc_node();
	if (node < 0)
		ret = node;
	else if (!mc_node_wraps_fds())
		ret = -ENOTTY;		/* UNIMPLEMENTED */
	else
		ret = mojo_wrap_fd(node, fd, &h);
	/* The kernel holds the file now, or it is refused: the fd goes. */
	close(fd);
	if (ret < 0)
		return mc_result(ret);	/* ETOOMANYREFS: RESOURCE_EXHAUSTED */
	*handle = h;
	return MOJO_RESULT_OK;
}

static MojoResult mc_UnwrapPlatformHandle(MojoHandle handle,
					  const struct MojoUnwrapPlatformHandleOptions *options,
					  struct MojoPlatformHandle *platform_handle)
{
	MojoResult r;
	uint32_t h;
	int node, fd;

	if (!platform_handle || !mc_options_ok(options, 0) ||
	    platform_handle->struct_size < sizeof(*platform_handle))
		return MOJO_RESULT_INVALID_ARGUMENT;
	/* Not a buffer nor an invitation: the library's own objects. */
	r = mc_kernel_handle(handle, &h);
	if (r != MOJO_RESULT_OK)
		return r;
	node = mc_node();
	if (node < 0)
		return mc_result(node);
	if (!mc_node_wraps_fds())
		return MOJO_RESULT_UNIMPLEMENTED;
	/*
	 * Under mc_lock, which MojoAppendMessageData holds to attach a
	 * handle and MojoClose, MojoWriteMessage and the rest to mark one
	 * leaving: the handle is either still the caller's and ours to
	 * take, or already a message's (or going) and refused. A wrapped fd
	 * has no triggers and no mapping, so it needs no leaving mark. The
	 * kernel's EBADF and EINVAL (not a wrapped fd) leave it as it was;
	 * any other failure came after the kernel found a wrapped fd, which
	 * Mojo then closes.
	 */
	pthread_mutex_lock(&mc_lock);
	if (mc_handle_going_locked(h) || mc_trap_exists_locked(h)) {
		fd = -EINVAL;
	} else {
		fd = mojo_unwrap_fd(node, h, 0);
		if (fd < 0 && fd != -EINVAL && fd != -EBADF)
			mojo_close(node, h);
	}
	pthread_mutex_unlock(&mc_lock);
	if (fd < 0)
		return mc_result(fd);
	platform_handle->type = MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR;
	platform_handle->value = (uint64_t)fd;
	return MOJO_RESULT_OK;
}

static MojoResult mc_SetDefaultProcessErrorHandler(
	MojoDefaultProcessErrorHandler handler,
	const struct MojoSetDefaultProcessErrorHandlerOptions *options)
{
	(void)handler;
	(void)options;
	/* No broker: nothing would ever detect or report a process error. */
	return MOJO_RESULT_UNIMPLEMENTED;
}

/* ---- the table ------------------------------------------------------------ */

static const struct MojoSystemThunks2 mc_thunks = {
	.size = sizeof(struct MojoSystemThunks2),
	.Initialize = mc_Initialize,
	.GetTimeTicksNow = mc_GetTimeTicksNow,
	.Close = mc_Close,
	.QueryHandleSignalsState = mc_QueryHandleSignalsState,
	.CreateMessagePipe = mc_CreateMessagePipe,
	.WriteMessage = mc_WriteMessage,
	.ReadMessage = mc_ReadMessage,
	.FuseMessagePipes = mc_FuseMessagePipes,
	.CreateMessage = mc_CreateMessage,
	.DestroyMessage = mc_DestroyMessage,
	.SerializeMessage = mc_SerializeMessage,
	.AppendMessageData = mc_AppendMessageData,
	.GetMessageData = mc_GetMessageData,
	.SetMessageContext = mc_SetMessageContext,
	.GetMessageContext = mc_GetMessageContext,
	.NotifyBadMessage = mc_NotifyBadMessage,
	.CreateDataPipe = mc_CreateDataPipe,
	.WriteData = mc_WriteData,
	.BeginWriteData = mc_BeginWriteData,
	.EndWriteData = mc_EndWriteData,
	.ReadData = mc_ReadData,
	.BeginReadData = mc_BeginReadData,
	.EndReadData = mc_EndReadData,
	.CreateSharedBuffer = mc_CreateSharedBuffer,
	.DuplicateBufferHandle = mc_DuplicateBufferHandle,
	.MapBuffer = mc_MapBuffer,
	.UnmapBuffer = mc_UnmapBuffer,
	.GetBufferInfo = mc_GetBufferInfo,
	.CreateTrap = mc_CreateTrap,
	.AddTrigger = mc_AddTrigger,
	.RemoveTrigger = mc_RemoveTrigger,
	.ArmTrap = mc_ArmTrap,
	.WrapPlatformHandle = mc_WrapPlatformHandle,
	.UnwrapPlatformHandle = mc_UnwrapPlatformHandle,
	.WrapPlatformSharedMemoryRegion = mc_WrapPlatformSharedMemoryRegion,
	.UnwrapPlatformSharedMemoryRegion = mc_UnwrapPlatformSharedMemoryRegion,
	.CreateInvitation = mc_CreateInvitation,
	.AttachMessagePipeToInvitation = mc_AttachMessagePipeToInvitation,
	.ExtractMessagePipeFromInvitation = mc_ExtractMessagePipeFromInvitation,
	.SendInvitation = mc_SendInvitation,
	.AcceptInvitation = mc_AcceptInvitation,
	.SetQuota = mc_SetQuota,
	.QueryQuota = mc_QueryQuota,
	.Shutdown = mc_Shutdown,
	.SetDefaultProcessErrorHandler = mc_SetDefaultProcessErrorHandler,
	.ReserveMessageCapacity = mc_ReserveMessageCapacity,
};

/*
 * Fill the caller's table up to the smaller of its size and ours, and
 * report that size. A table too small for ABI version 0 (everything
 * before SetQuota) gets size 0, which the loader takes for "no core".
 */
MC_EXPORT void MojoGetSystemThunks(struct MojoSystemThunks2 *thunks)
{
	uint32_t n;

	if (!thunks)
		return;
	if (thunks->size < offsetof(struct MojoSystemThunks2, SetQuota)) {
		thunks->size = 0;
		return;
	}
	n = thunks->size < mc_thunks.size ? thunks->size : mc_thunks.size;
	memcpy(thunks, &mc_thunks, n);
	thunks->size = n;
}
