/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmojo_core.so: what its files share. See mojo_core.c for the overall
 * design and README ("libmojo_core.so") for what a program sees.
 */
#ifndef MOJO_CORE_INTERNAL_H
#define MOJO_CORE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <mojoports.h>

/* Both headers name the invalid handle 0: keep Mojo's typed one. */
#undef MOJO_HANDLE_INVALID
#include "mojo_c_api.h"

/*
 * Handles. A MojoHandle below 2^32 is a handle number of this process's
 * node (the kernel hands out 1 .. 2^31 - 1). Objects the library keeps
 * itself (shared buffers, invitations) get numbers with bit 32 set, so
 * the two can never collide.
 */
#define MC_LOCAL_TAG		((MojoHandle)1 << 32)
#define MC_IS_LOCAL(h)		(((h) & MC_LOCAL_TAG) != 0)

/* The library's lock: handle states, traps, local objects. */
extern pthread_mutex_t mc_lock;

/* The node of this process, opened on first use: an fd or -errno. */
int mc_node(void);
/*
 * Does the module wrap file descriptors (MOJO_FEATURE_WRAP_FD)? Asked
 * once, when the node opens; false while none is open.
 */
bool mc_node_wraps_fds(void);

/* A negative errno as a MojoResult, by the rules of mojo_core.c. */
MojoResult mc_result(int err);

/*
 * @h as a kernel handle number of this node: INVALID_ARGUMENT for 0, a
 * local object, a number the kernel never gives out, or a handle that a
 * message object owns (attached with MojoAppendMessageData()).
 */
MojoResult mc_kernel_handle(MojoHandle h, uint32_t *out);

/*
 * A kernel handle is about to leave this node (closed, sent, fused,
 * exported): it is marked leaving (MojoAddTrigger refuses it from then
 * on), its triggers are cancelled (their CANCELLED events delivered)
 * and its data pipe mapping dropped. @l, the caller's, holds the mark
 * until mc_handle_left(), called once the kernel call that ends the
 * handle here has returned.
 */
struct mc_leaving {
	struct mc_leaving *next;
	uint32_t handle;
};

void mc_handle_leaving(uint32_t h, struct mc_leaving *l);
void mc_handle_left(struct mc_leaving *l);

/*
 * Is @h on its way out (between mc_handle_leaving() and
 * mc_handle_left()) or owned by a message? mc_lock held.
 */
bool mc_handle_going_locked(uint32_t h);

/* Kernel <-> Mojo signal bits. */
MojoHandleSignals mc_signals_from_kernel(uint64_t s);
uint64_t mc_signals_to_kernel(MojoHandleSignals s);

/* Is @opts (may be NULL) a well-formed options struct with known flags? */
bool mc_options_ok(const void *opts, uint32_t known_flags);

/* Traps (mojo_trap.c). */
void mc_trap_handle_leaving(uint32_t h);
bool mc_trap_close(uint32_t h, MojoResult *result);
void mc_trap_shutdown(void);
bool mc_trap_in_handler(void);
void mc_trap_fork_child(void);
/* Is kernel handle @h one of our traps (open)? */
bool mc_trap_exists(uint32_t h);
bool mc_trap_exists_locked(uint32_t h);
MojoResult mc_CreateTrap(MojoTrapEventHandler handler,
			 const struct MojoCreateTrapOptions *options,
			 MojoHandle *trap);
MojoResult mc_AddTrigger(MojoHandle trap, MojoHandle handle,
			 MojoHandleSignals signals, MojoTriggerCondition condition,
			 uintptr_t context, const struct MojoAddTriggerOptions *options);
MojoResult mc_RemoveTrigger(MojoHandle trap, uintptr_t context,
			    const struct MojoRemoveTriggerOptions *options);
MojoResult mc_ArmTrap(MojoHandle trap, const struct MojoArmTrapOptions *options,
		      uint32_t *num_blocking_events,
		      struct MojoTrapEvent *blocking_events);

/*
 * Shared buffers in messages. A buffer attached to a message leaves the
 * process's list of local objects and belongs to the message (struct
 * mc_local, opaque here) until the message is written, destroyed, or
 * gives its handles back (MojoGetMessageData).
 *
 * On the wire a buffer is a wrapped file descriptor (MOJO_IOC_WRAP_FD) of
 * its memfd among the message's handles. Every message the library
 * writes with at least one handle ends in a trailer, whether or not it
 * carries buffers: one struct mc_buffer_desc per buffer (none is fine),
 * then one struct mc_buffer_trailer, the payload's last 16 bytes. The
 * reading library strips exactly one trailer from every message with
 * handles, and only when every part of it checks out, the files
 * included; otherwise the message is delivered as the kernel gave it
 * (payload whole, handles as they are) and nothing is converted. A
 * message without handles never has a trailer. See README
 * ("libmojo_core.so").
 */
#define MC_BUFFER_MAGIC	0x3146554243594d4dULL	/* "MMYCBUF1", little-endian */

struct mc_buffer_desc {
	uint32_t index;		/* the handle's place in the message */
	uint32_t access_mode;	/* MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_* */
	uint64_t size;		/* the buffer's size in bytes */
	uint64_t guid_high;	/* the GUID, never all zero */
	uint64_t guid_low;
};

struct mc_buffer_trailer {
	uint32_t count;		/* descs before this trailer: 0 .. handles */
	uint32_t check;		/* mc_buffer_check() of count and the descs */
	uint64_t magic;		/* MC_BUFFER_MAGIC */
};

struct mc_local;

uint32_t mc_buffer_check(const struct mc_buffer_desc *d, uint32_t count);
/* Take buffer @h out of the list for a message; NULL if not a buffer. */
struct mc_local *mc_buffer_detach_locked(MojoHandle h);
/* Put it back, under the number it had; returns that number. */
MojoHandle mc_buffer_reattach_locked(struct mc_local *o);
/* Close a detached buffer (mc_lock not held). */
void mc_buffer_free(struct mc_local *o);
/* Free a detached buffer object but leave its fd open. */
void mc_buffer_forget(struct mc_local *o);
/* Wrap a detached buffer's memfd for sending: 0 or -errno. */
int mc_buffer_wrap(int node, struct mc_local *o, uint32_t *handle,
		   struct mc_buffer_desc *desc);
/* Can received @fd be the buffer @desc describes? 0 or -EINVAL. */
int mc_buffer_check_received(int fd, const struct mc_buffer_desc *desc);
/*
 * A detached buffer of checked @fd, which it owns from then on; NULL
 * (@fd still the caller's) when memory runs out.
 */
struct mc_local *mc_buffer_received(int fd, const struct mc_buffer_desc *desc);

/* Local objects: shared buffers and invitations (mojo_local.c). */
bool mc_local_is_buffer(MojoHandle h);
bool mc_local_exists(MojoHandle h);
MojoResult mc_local_close(MojoHandle h);
void mc_local_reset(bool close_fds);
MojoResult mc_CreateSharedBuffer(uint64_t num_bytes,
				 const struct MojoCreateSharedBufferOptions *options,
				 MojoHandle *buffer);
MojoResult mc_DuplicateBufferHandle(MojoHandle buffer,
				    const struct MojoDuplicateBufferHandleOptions *options,
				    MojoHandle *new_buffer);
MojoResult mc_MapBuffer(MojoHandle buffer, uint64_t offset, uint64_t num_bytes,
			const struct MojoMapBufferOptions *options, void **address);
MojoResult mc_UnmapBuffer(void *address);
MojoResult mc_GetBufferInfo(MojoHandle buffer,
			    const struct MojoGetBufferInfoOptions *options,
			    struct MojoSharedBufferInfo *info);
MojoResult mc_WrapPlatformSharedMemoryRegion(
	const struct MojoPlatformHandle *platform_handles,
	uint32_t num_platform_handles, uint64_t num_bytes,
	const struct MojoSharedBufferGuid *guid,
	MojoPlatformSharedMemoryRegionAccessMode access_mode,
	const struct MojoWrapPlatformSharedMemoryRegionOptions *options,
	MojoHandle *handle);
MojoResult mc_UnwrapPlatformSharedMemoryRegion(
	MojoHandle handle,
	const struct MojoUnwrapPlatformSharedMemoryRegionOptions *options,
	struct MojoPlatformHandle *platform_handles,
	uint32_t *num_platform_handles, uint64_t *num_bytes,
	struct MojoSharedBufferGuid *guid,
	MojoPlatformSharedMemoryRegionAccessMode *access_mode);
MojoResult mc_CreateInvitation(const struct MojoCreateInvitationOptions *options,
			       MojoHandle *invitation);
MojoResult mc_AttachMessagePipeToInvitation(
	MojoHandle invitation, const void *name, uint32_t name_num_bytes,
	const struct MojoAttachMessagePipeToInvitationOptions *options,
	MojoHandle *pipe);
MojoResult mc_ExtractMessagePipeFromInvitation(
	MojoHandle invitation, const void *name, uint32_t name_num_bytes,
	const struct MojoExtractMessagePipeFromInvitationOptions *options,
	MojoHandle *pipe);
MojoResult mc_SendInvitation(MojoHandle invitation,
			     const struct MojoPlatformProcessHandle *process,
			     const struct MojoInvitationTransportEndpoint *transport,
			     MojoProcessErrorHandler error_handler,
			     uintptr_t error_handler_context,
			     const struct MojoSendInvitationOptions *options);
MojoResult mc_AcceptInvitation(const struct MojoInvitationTransportEndpoint *transport,
			       const struct MojoAcceptInvitationOptions *options,
			       MojoHandle *invitation);

/* Data pipes (mojo_datapipe.c). */
void mc_datapipe_drop(uint32_t h);
/* Is a two-phase read or write open on data pipe end @h? */
bool mc_datapipe_in_two_phase(uint32_t h);
void mc_datapipe_reset(void);
MojoResult mc_CreateDataPipe(const struct MojoCreateDataPipeOptions *options,
			     MojoHandle *producer, MojoHandle *consumer);
MojoResult mc_WriteData(MojoHandle producer, const void *elements,
			uint32_t *num_bytes, const struct MojoWriteDataOptions *options);
MojoResult mc_BeginWriteData(MojoHandle producer,
			     const struct MojoBeginWriteDataOptions *options,
			     void **buffer, uint32_t *buffer_num_bytes);
MojoResult mc_EndWriteData(MojoHandle producer, uint32_t num_bytes_written,
			   const struct MojoEndWriteDataOptions *options);
MojoResult mc_ReadData(MojoHandle consumer, const struct MojoReadDataOptions *options,
		       void *elements, uint32_t *num_bytes);
MojoResult mc_BeginReadData(MojoHandle consumer,
			    const struct MojoBeginReadDataOptions *options,
			    const void **buffer, uint32_t *buffer_num_bytes);
MojoResult mc_EndReadData(MojoHandle consumer, uint32_t num_bytes_read,
			  const struct MojoEndReadDataOptions *options);

#endif /* MOJO_CORE_INTERNAL_H */
