// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmojo_core.so: data pipes.
 *
 * One-shot reads and writes are the kernel's copies. The two-phase calls
 * return a pointer into the ring: the library maps an endpoint's ring on
 * its first two-phase call (read-write for the producer, read-only for
 * the consumer) and keeps the mapping until the handle leaves the node
 * (closed, attached to a message, exported), when it unmaps it. The
 * kernel revokes a transferred endpoint's mappings itself; unmapping is
 * ours to do, and always safe.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "mojo_core_internal.h"

#define MC_DP_BUCKETS 64

struct mc_dp {
	struct mc_dp *next;
	uint32_t handle;
	void *ring;
	size_t len;
	bool two_phase;		/* a BEGIN succeeded and no END ended it */
};

static struct mc_dp *mc_dps[MC_DP_BUCKETS];

static struct mc_dp **mc_dp_find(uint32_t h)
{
	struct mc_dp **p = &mc_dps[h % MC_DP_BUCKETS];

	while (*p && (*p)->handle != h)
		p = &(*p)->next;
	return p;
}

void mc_datapipe_drop(uint32_t h)
{
	struct mc_dp **p, *dp;

	pthread_mutex_lock(&mc_lock);
	p = mc_dp_find(h);
	dp = *p;
	if (dp)
		*p = dp->next;
	pthread_mutex_unlock(&mc_lock);
	if (dp) {
		munmap(dp->ring, dp->len);
		free(dp);
	}
}

/* Mark (or clear) a two-phase operation open on @h, which is mapped. */
static void mc_two_phase(uint32_t h, bool open)
{
	struct mc_dp *dp;

	pthread_mutex_lock(&mc_lock);
	dp = *mc_dp_find(h);
	if (dp)
		dp->two_phase = open;
	pthread_mutex_unlock(&mc_lock);
}

bool mc_datapipe_in_two_phase(uint32_t h)
{
	struct mc_dp *dp;
	bool open;

	pthread_mutex_lock(&mc_lock);
	dp = *mc_dp_find(h);
	open = dp && dp->two_phase;
	pthread_mutex_unlock(&mc_lock);
	return open;
}

/*
 * Forget every mapping. After fork() the child has none (the kernel does
 * not copy them); at shutdown the node's death has revoked them.
 */
void mc_datapipe_reset(void)
{
	unsigned int i;

	for (i = 0; i < MC_DP_BUCKETS; i++) {
		while (mc_dps[i]) {
			struct mc_dp *dp = mc_dps[i];

			mc_dps[i] = dp->next;
			free(dp);
		}
	}
}

/* The ring of endpoint @h, mapped on first use. */
static int mc_ring(int node, uint32_t h, uint8_t **ring)
{
	struct mc_dp *dp, *other;
	size_t len;
	void *addr;
	int ret;

	pthread_mutex_lock(&mc_lock);
	dp = *mc_dp_find(h);
	if (dp)
		*ring = dp->ring;
	pthread_mutex_unlock(&mc_lock);
	if (dp)
		return 0;
	ret = mojo_map_data_pipe(node, h, &addr, &len);
	if (ret < 0)
		return ret;
	dp = malloc(sizeof(*dp));
	if (!dp) {
		munmap(addr, len);
		return -ENOMEM;
	}
	dp->handle = h;
	dp->ring = addr;
	dp->len = len;
	pthread_mutex_lock(&mc_lock);
	other = *mc_dp_find(h);
	if (!other) {
		dp->next = mc_dps[h % MC_DP_BUCKETS];
		mc_dps[h % MC_DP_BUCKETS] = dp;
	}
	*ring = other ? other->ring : dp->ring;
	pthread_mutex_unlock(&mc_lock);
	if (other) {	/* another thread mapped it meanwhile */
		munmap(addr, len);
		free(dp);
	}
	return 0;
}

static MojoResult mc_dp_handle(MojoHandle handle, int *node, uint32_t *h)
{
	MojoResult r = mc_kernel_handle(handle, h);

	if (r != MOJO_RESULT_OK)
		return r;
	*node = mc_node();
	return *node < 0 ? mc_result(*node) : MOJO_RESULT_OK;
}

MojoResult mc_CreateDataPipe(const struct MojoCreateDataPipeOptions *options,
			     MojoHandle *producer, MojoHandle *consumer)
{
	uint32_t elem = 1, cap = 0, p, c;
	int node, ret;

	if (!producer || !consumer)
		return MOJO_RESULT_INVALID_ARGUMENT;
	if (options) {
		if (options->struct_size < 8)
			return MOJO_RESULT_INVALID_ARGUMENT;
		if (options->flags)
			return MOJO_RESULT_UNIMPLEMENTED;
		if (options->struct_size >= 12)
			elem = options->element_num_bytes;
		if (options->struct_size >= 16)
			cap = options->capacity_num_bytes;
		if (!elem || cap % elem)
			return MOJO_RESULT_INVALID_ARGUMENT;
	}
	node = mc_node();
	if (node < 0)
		return mc_result(node);
	ret = mojo_create_data_pipe(node, elem, cap, &p, &c);
	/* The values were checked: what the kernel refuses is too large. */
	if (ret == -EINVAL)
		return MOJO_RESULT_RESOURCE_EXHAUSTED;
	if (ret < 0)
		return mc_result(ret);
	*producer = p;
	*consumer = c;
	return MOJO_RESULT_OK;
}

MojoResult mc_WriteData(MojoHandle producer, const void *elements,
			uint32_t *num_bytes, const struct MojoWriteDataOptions *options)
{
	uint64_t n, flags = 0;
	MojoResult r;
	uint32_t h;
	int node, ret;

	if (!num_bytes || !mc_options_ok(options, MOJO_WRITE_DATA_FLAG_ALL_OR_NONE))
		return MOJO_RESULT_INVALID_ARGUMENT;
	r = mc_dp_handle(producer, &node, &h);
	if (r != MOJO_RESULT_OK)
		return r;
	if (options && (options->flags & MOJO_WRITE_DATA_FLAG_ALL_OR_NONE))
		flags |= MOJO_DATA_ALL_OR_NONE;
	n = *num_bytes;
	ret = mojo_write_data(node, h, elements, &n, flags);
	if (ret < 0)
		return mc_result(ret);
	*num_bytes = (uint32_t)n;
	return MOJO_RESULT_OK;
}

MojoResult mc_ReadData(MojoHandle consumer, const struct MojoReadDataOptions *options,
		       void *elements, uint32_t *num_bytes)
{
	const uint32_t known = MOJO_READ_DATA_FLAG_ALL_OR_NONE | MOJO_READ_DATA_FLAG_DISCARD |
			       MOJO_READ_DATA_FLAG_QUERY | MOJO_READ_DATA_FLAG_PEEK;
	uint32_t f = options && options->struct_size >= 8 ? options->flags : 0;
	uint64_t n, flags = 0;
	MojoResult r;
	uint32_t h;
	int node, ret;

	if (!num_bytes || !mc_options_ok(options, known))
		return MOJO_RESULT_INVALID_ARGUMENT;
	/* DISCARD, QUERY and PEEK exclude each other. */
	if (__builtin_popcount(f & (MOJO_READ_DATA_FLAG_DISCARD | MOJO_READ_DATA_FLAG_QUERY |
				    MOJO_READ_DATA_FLAG_PEEK)) > 1)
		return MOJO_RESULT_INVALID_ARGUMENT;
	r = mc_dp_handle(consumer, &node, &h);
	if (r != MOJO_RESULT_OK)
		return r;
	if (f & MOJO_READ_DATA_FLAG_QUERY)
		flags = MOJO_DATA_QUERY;	/* ALL_OR_NONE is ignored */
	else if (f & MOJO_READ_DATA_FLAG_ALL_OR_NONE)
		flags |= MOJO_DATA_ALL_OR_NONE;
	if (f & MOJO_READ_DATA_FLAG_DISCARD)
		flags |= MOJO_DATA_DISCARD;
	if (f & MOJO_READ_DATA_FLAG_PEEK)
		flags |= MOJO_DATA_PEEK;
	n = (flags & MOJO_DATA_QUERY) ? 0 : *num_bytes;
	ret = mojo_read_data(node, h, (flags & (MOJO_DATA_QUERY | MOJO_DATA_DISCARD)) ?
			     NULL : elements, &n, flags);
	/*
	 * ALL_OR_NONE not met: Mojo says OUT_OF_RANGE while more may come,
	 * FAILED_PRECONDITION once the producer is closed (PEER_CLOSED is
	 * raised as soon as it closes, bytes left or not).
	 */
	if (ret == -ERANGE) {
		uint64_t sat = 0;

		if (!mojo_query_signals(node, h, &sat, NULL) &&
		    (sat & MOJO_SIGNAL_PEER_CLOSED))
			return MOJO_RESULT_FAILED_PRECONDITION;
	}
	if (ret < 0)
		return mc_result(ret);
	*num_bytes = (uint32_t)n;
	return MOJO_RESULT_OK;
}

MojoResult mc_BeginWriteData(MojoHandle producer,
			     const struct MojoBeginWriteDataOptions *options,
			     void **buffer, uint32_t *buffer_num_bytes)
{
	uint64_t off, size;
	uint8_t *ring;
	MojoResult r;
	uint32_t h;
	int node, ret;

	if (!buffer || !buffer_num_bytes ||
	    !mc_options_ok(options, MOJO_BEGIN_WRITE_DATA_FLAG_ALL_OR_NONE))
		return MOJO_RESULT_INVALID_ARGUMENT;
	r = mc_dp_handle(producer, &node, &h);
	if (r != MOJO_RESULT_OK)
		return r;
	ret = mc_ring(node, h, &ring);
	if (ret < 0)
		return mc_result(ret);
	ret = mojo_begin_write_data(node, h, &off, &size);
	if (ret < 0)
		return mc_result(ret);
	/* The input is a size hint; with ALL_OR_NONE, a minimum. */
	if (options && (options->flags & MOJO_BEGIN_WRITE_DATA_FLAG_ALL_OR_NONE) &&
	    size < *buffer_num_bytes) {
		mojo_end_write_data(node, h, 0);
		return MOJO_RESULT_OUT_OF_RANGE;
	}
	mc_two_phase(h, true);
	*buffer = ring + off;
	*buffer_num_bytes = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	return MOJO_RESULT_OK;
}

MojoResult mc_BeginReadData(MojoHandle consumer,
			    const struct MojoBeginReadDataOptions *options,
			    const void **buffer, uint32_t *buffer_num_bytes)
{
	uint64_t off, size;
	uint8_t *ring;
	MojoResult r;
	uint32_t h;
	int node, ret;

	if (!buffer || !buffer_num_bytes || !mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	r = mc_dp_handle(consumer, &node, &h);
	if (r != MOJO_RESULT_OK)
		return r;
	ret = mc_ring(node, h, &ring);
	if (ret < 0)
		return mc_result(ret);
	ret = mojo_begin_read_data(node, h, &off, &size);
	if (ret < 0)
		return mc_result(ret);
	mc_two_phase(h, true);
	*buffer = ring + off;
	*buffer_num_bytes = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	return MOJO_RESULT_OK;
}

static MojoResult mc_end(MojoHandle handle, uint32_t n, const void *options, bool write)
{
	MojoResult r;
	uint32_t h;
	int node, ret;

	if (!mc_options_ok(options, 0))
		return MOJO_RESULT_INVALID_ARGUMENT;
	r = mc_dp_handle(handle, &node, &h);
	if (r != MOJO_RESULT_OK)
		return r;
	ret = write ? mojo_end_write_data(node, h, n) : mojo_end_read_data(node, h, n);
	/*
	 * Whatever the kernel answers, no operation is open after it: it
	 * ended (also on EINVAL for a count above the grant or not a
	 * multiple of the element size), or none was (ENOENT, EBADF).
	 * EFAULT, the one answer that leaves it open, cannot come from
	 * arguments on our stack.
	 */
	if (ret != -EFAULT)
		mc_two_phase(h, false);
	/* Mojo: ending what was not begun is a state error. */
	if (ret == -ENOENT)
		return MOJO_RESULT_FAILED_PRECONDITION;
	return mc_result(ret);
}

MojoResult mc_EndWriteData(MojoHandle producer, uint32_t num_bytes_written,
			   const struct MojoEndWriteDataOptions *options)
{
	return mc_end(producer, num_bytes_written, options, true);
}

MojoResult mc_EndReadData(MojoHandle consumer, uint32_t num_bytes_read,
			  const struct MojoEndReadDataOptions *options)
{
	return mc_end(consumer, num_bytes_read, options, false);
}
