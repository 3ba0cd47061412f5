// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program side of Mojo's C API: see mojo_api.h.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mojo_api.h"

static struct MojoSystemThunks2 mojo_api_thunks;
static void *mojo_api_library;
static pthread_mutex_t mojo_api_lock = PTHREAD_MUTEX_INITIALIZER;

/* Did the core fill entry @name (is it below the size it reported)? */
#define MOJO_API_HAS(name) \
	(offsetof(struct MojoSystemThunks2, name) < mojo_api_thunks.size)

static MojoResult mojo_api_load(const struct MojoInitializeOptions *options)
{
	MojoGetSystemThunksFunction get;
	struct MojoSystemThunks2 t;
	char path[4096];
	const char *env;
	void *lib;

	if (mojo_api_library)
		return MOJO_RESULT_OK;
	if (options && options->mojo_core_path) {
		if (options->mojo_core_path_length >= sizeof(path))
			return MOJO_RESULT_INVALID_ARGUMENT;
		memcpy(path, options->mojo_core_path, options->mojo_core_path_length);
		path[options->mojo_core_path_length] = '\0';
	} else {
		env = getenv("MOJO_CORE_LIBRARY_PATH");
		strncpy(path, env && *env ? env : "./libmojo_core.so", sizeof(path) - 1);
		path[sizeof(path) - 1] = '\0';
	}
	/* The core gets its own symbols first, as Mojo's loader asks. */
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
	if (!lib)
		return MOJO_RESULT_NOT_FOUND;
	get = (MojoGetSystemThunksFunction)dlsym(lib, "MojoGetSystemThunks");
	if (!get) {
		dlclose(lib);
		return MOJO_RESULT_NOT_FOUND;
	}
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	get(&t);
	if (t.size == 0 || t.size > sizeof(t) || !t.Initialize) {
		dlclose(lib);
		return MOJO_RESULT_NOT_FOUND;
	}
	mojo_api_thunks = t;
	mojo_api_library = lib;
	return MOJO_RESULT_OK;
}

MojoResult MojoInitialize(const struct MojoInitializeOptions *options)
{
	MojoResult r;

	if (options && options->struct_size <
	    offsetof(struct MojoInitializeOptions, argc))
		return MOJO_RESULT_INVALID_ARGUMENT;
	pthread_mutex_lock(&mojo_api_lock);
	r = mojo_api_load(options);
	pthread_mutex_unlock(&mojo_api_lock);
	if (r != MOJO_RESULT_OK)
		return r;
	return mojo_api_thunks.Initialize(options);
}

MojoTimeTicks MojoGetTimeTicksNow(void)
{
	return MOJO_API_HAS(GetTimeTicksNow) ? mojo_api_thunks.GetTimeTicksNow() : 0;
}

MojoResult MojoClose(MojoHandle handle)
{
	return MOJO_API_HAS(Close) ? mojo_api_thunks.Close(handle) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoQueryHandleSignalsState(MojoHandle handle, struct MojoHandleSignalsState *state)
{
	return MOJO_API_HAS(QueryHandleSignalsState) ? mojo_api_thunks.QueryHandleSignalsState(handle, state) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoCreateMessagePipe(const struct MojoCreateMessagePipeOptions *options, MojoHandle *handle0, MojoHandle *handle1)
{
	return MOJO_API_HAS(CreateMessagePipe) ? mojo_api_thunks.CreateMessagePipe(options, handle0, handle1) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoWriteMessage(MojoHandle pipe, MojoMessageHandle message, const struct MojoWriteMessageOptions *options)
{
	return MOJO_API_HAS(WriteMessage) ? mojo_api_thunks.WriteMessage(pipe, message, options) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoReadMessage(MojoHandle pipe, const struct MojoReadMessageOptions *options, MojoMessageHandle *message)
{
	return MOJO_API_HAS(ReadMessage) ? mojo_api_thunks.ReadMessage(pipe, options, message) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoFuseMessagePipes(MojoHandle handle0, MojoHandle handle1, const struct MojoFuseMessagePipesOptions *options)
{
	return MOJO_API_HAS(FuseMessagePipes) ? mojo_api_thunks.FuseMessagePipes(handle0, handle1, options) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoCreateMessage(const struct MojoCreateMessageOptions *options, MojoMessageHandle *message)
{
	return MOJO_API_HAS(CreateMessage) ? mojo_api_thunks.CreateMessage(options, message) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoDestroyMessage(MojoMessageHandle message)
{
	return MOJO_API_HAS(DestroyMessage) ? mojo_api_thunks.DestroyMessage(message) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoSerializeMessage(MojoMessageHandle message, const struct MojoSerializeMessageOptions *options)
{
	return MOJO_API_HAS(SerializeMessage) ? mojo_api_thunks.SerializeMessage(message, options) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoAppendMessageData(MojoMessageHandle message, uint32_t additional_payload_size, const MojoHandle *handles, uint32_t num_handles, const struct MojoAppendMessageDataOptions *options, void **buffer, uint32_t *buffer_size)
{
	return MOJO_API_HAS(AppendMessageData) ? mojo_api_thunks.AppendMessageData(message, additional_payload_size, handles, num_handles, options, buffer, buffer_size) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoGetMessageData(MojoMessageHandle message, const struct MojoGetMessageDataOptions *options, void **buffer, uint32_t *num_bytes, MojoHandle *handles, uint32_t *num_handles)
{
	return MOJO_API_HAS(GetMessageData) ? mojo_api_thunks.GetMessageData(message, options, buffer, num_bytes, handles, num_handles) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoSetMessageContext(MojoMessageHandle message, uintptr_t context, MojoMessageContextSerializer serializer, MojoMessageContextDestructor destructor, const struct MojoSetMessageContextOptions *options)
{
	return MOJO_API_HAS(SetMessageContext) ? mojo_api_thunks.SetMessageContext(message, context, serializer, destructor, options) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoGetMessageContext(MojoMessageHandle message, const struct MojoGetMessageContextOptions *options, uintptr_t *context)
{
	return MOJO_API_HAS(GetMessageContext) ? mojo_api_thunks.GetMessageContext(message, options, context) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoNotifyBadMessage(MojoMessageHandle message, const char *error, uint32_t error_num_bytes, const struct MojoNotifyBadMessageOptions *options)
{
	return MOJO_API_HAS(NotifyBadMessage) ? mojo_api_thunks.NotifyBadMessage(message, error, error_num_bytes, options) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoCreateDataPipe(const struct MojoCreateDataPipeOptions *options, MojoHandle *producer, MojoHandle *consumer)
{
	return MOJO_API_HAS(CreateDataPipe) ? mojo_api_thunks.CreateDataPipe(options, producer, consumer) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoWriteData(MojoHandle producer, const void *elements, uint32_t *num_bytes, const struct MojoWriteDataOptions *options)
{
	return MOJO_API_HAS(WriteData) ? mojo_api_thunks.WriteData(producer, elements, num_bytes, options) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoBeginWriteData(MojoHandle producer, const struct MojoBeginWriteDataOptions *options, void **buffer, uint32_t *buffer_num_bytes)
{
	return MOJO_API_HAS(BeginWriteData) ? mojo_api_thunks.BeginWriteData(producer, options, buffer, buffer_num_bytes) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoEndWriteData(MojoHandle producer, uint32_t num_bytes_written, const struct MojoEndWriteDataOptions *options)
{
	return MOJO_API_HAS(EndWriteData) ? mojo_api_thunks.EndWriteData(producer, num_bytes_written, options) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoReadData(MojoHandle consumer, const struct MojoReadDataOptions *options, void *elements, uint32_t *num_bytes)
{
	return MOJO_API_HAS(ReadData) ? mojo_api_thunks.ReadData(consumer, options, elements, num_bytes) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoBeginReadData(MojoHandle consumer, const struct MojoBeginReadDataOptions *options, const void **buffer, uint32_t *buffer_num_bytes)
{
	return MOJO_API_HAS(BeginReadData) ? mojo_api_thunks.BeginReadData(consumer, options, buffer, buffer_num_bytes) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoEndReadData(MojoHandle consumer, uint32_t num_bytes_read, const struct MojoEndReadDataOptions *options)
{
	return MOJO_API_HAS(EndReadData) ? mojo_api_thunks.EndReadData(consumer, num_bytes_read, options) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoCreateSharedBuffer(uint64_t num_bytes, const struct MojoCreateSharedBufferOptions *options, MojoHandle *buffer)
{
	return MOJO_API_HAS(CreateSharedBuffer) ? mojo_api_thunks.CreateSharedBuffer(num_bytes, options, buffer) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoDuplicateBufferHandle(MojoHandle buffer, const struct MojoDuplicateBufferHandleOptions *options, MojoHandle *new_buffer)
{
	return MOJO_API_HAS(DuplicateBufferHandle) ? mojo_api_thunks.DuplicateBufferHandle(buffer, options, new_buffer) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoMapBuffer(MojoHandle buffer, uint64_t offset, uint64_t num_bytes, const struct MojoMapBufferOptions *options, void **address)
{
	return MOJO_API_HAS(MapBuffer) ? mojo_api_thunks.MapBuffer(buffer, offset, num_bytes, options, address) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoUnmapBuffer(void *address)
{
	return MOJO_API_HAS(UnmapBuffer) ? mojo_api_thunks.UnmapBuffer(address) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoGetBufferInfo(MojoHandle buffer, const struct MojoGetBufferInfoOptions *options, struct MojoSharedBufferInfo *info)
{
	return MOJO_API_HAS(GetBufferInfo) ? mojo_api_thunks.GetBufferInfo(buffer, options, info) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoCreateTrap(MojoTrapEventHandler handler, const struct MojoCreateTrapOptions *options, MojoHandle *trap)
{
	return MOJO_API_HAS(CreateTrap) ? mojo_api_thunks.CreateTrap(handler, options, trap) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoAddTrigger(MojoHandle trap, MojoHandle handle, MojoHandleSignals signals, MojoTriggerCondition condition, uintptr_t context, const struct MojoAddTriggerOptions *options)
{
	return MOJO_API_HAS(AddTrigger) ? mojo_api_thunks.AddTrigger(trap, handle, signals, condition, context, options) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoRemoveTrigger(MojoHandle trap, uintptr_t context, const struct MojoRemoveTriggerOptions *options)
{
	return MOJO_API_HAS(RemoveTrigger) ? mojo_api_thunks.RemoveTrigger(trap, context, options) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoArmTrap(MojoHandle trap, const struct MojoArmTrapOptions *options, uint32_t *num_blocking_events, struct MojoTrapEvent *blocking_events)
{
	return MOJO_API_HAS(ArmTrap) ? mojo_api_thunks.ArmTrap(trap, options, num_blocking_events, blocking_events) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoWrapPlatformHandle(const struct MojoPlatformHandle *platform_handle, const struct MojoWrapPlatformHandleOptions *options, MojoHandle *handle)
{
	return MOJO_API_HAS(WrapPlatformHandle) ? mojo_api_thunks.WrapPlatformHandle(platform_handle, options, handle) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoUnwrapPlatformHandle(MojoHandle handle, const struct MojoUnwrapPlatformHandleOptions *options, struct MojoPlatformHandle *platform_handle)
{
	return MOJO_API_HAS(UnwrapPlatformHandle) ? mojo_api_thunks.UnwrapPlatformHandle(handle, options, platform_handle) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoWrapPlatformSharedMemoryRegion(const struct MojoPlatformHandle *platform_handles, uint32_t num_platform_handles, uint64_t num_bytes, const struct MojoSharedBufferGuid *guid, MojoPlatformSharedMemoryRegionAccessMode access_mode, const struct MojoWrapPlatformSharedMemoryRegionOptions *options, MojoHandle *handle)
{
	return MOJO_API_HAS(WrapPlatformSharedMemoryRegion) ? mojo_api_thunks.WrapPlatformSharedMemoryRegion(platform_handles, num_platform_handles, num_bytes, guid, access_mode, options, handle) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoUnwrapPlatformSharedMemoryRegion(MojoHandle handle, const struct MojoUnwrapPlatformSharedMemoryRegionOptions *options, struct MojoPlatformHandle *platform_handles, uint32_t *num_platform_handles, uint64_t *num_bytes, struct MojoSharedBufferGuid *guid, MojoPlatformSharedMemoryRegionAccessMode *access_mode)
{
	return MOJO_API_HAS(UnwrapPlatformSharedMemoryRegion) ? mojo_api_thunks.UnwrapPlatformSharedMemoryRegion(handle, options, platform_handles, num_platform_handles, num_bytes, guid, access_mode) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoCreateInvitation(const struct MojoCreateInvitationOptions *options, MojoHandle *invitation)
{
	return MOJO_API_HAS(CreateInvitation) ? mojo_api_thunks.CreateInvitation(options, invitation) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoAttachMessagePipeToInvitation(MojoHandle invitation, const void *name, uint32_t name_num_bytes, const struct MojoAttachMessagePipeToInvitationOptions *options, MojoHandle *pipe)
{
	return MOJO_API_HAS(AttachMessagePipeToInvitation) ? mojo_api_thunks.AttachMessagePipeToInvitation(invitation, name, name_num_bytes, options, pipe) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoExtractMessagePipeFromInvitation(MojoHandle invitation, const void *name, uint32_t name_num_bytes, const struct MojoExtractMessagePipeFromInvitationOptions *options, MojoHandle *pipe)
{
	return MOJO_API_HAS(ExtractMessagePipeFromInvitation) ? mojo_api_thunks.ExtractMessagePipeFromInvitation(invitation, name, name_num_bytes, options, pipe) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoSendInvitation(MojoHandle invitation, const struct MojoPlatformProcessHandle *process, const struct MojoInvitationTransportEndpoint *transport, MojoProcessErrorHandler error_handler, uintptr_t error_handler_context, const struct MojoSendInvitationOptions *options)
{
	return MOJO_API_HAS(SendInvitation) ? mojo_api_thunks.SendInvitation(invitation, process, transport, error_handler, error_handler_context, options) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoAcceptInvitation(const struct MojoInvitationTransportEndpoint *transport, const struct MojoAcceptInvitationOptions *options, MojoHandle *invitation)
{
	return MOJO_API_HAS(AcceptInvitation) ? mojo_api_thunks.AcceptInvitation(transport, options, invitation) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoSetQuota(MojoHandle handle, MojoQuotaType type, uint64_t limit, const struct MojoSetQuotaOptions *options)
{
	return MOJO_API_HAS(SetQuota) ? mojo_api_thunks.SetQuota(handle, type, limit, options) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoQueryQuota(MojoHandle handle, MojoQuotaType type, const struct MojoQueryQuotaOptions *options, uint64_t *limit, uint64_t *usage)
{
	return MOJO_API_HAS(QueryQuota) ? mojo_api_thunks.QueryQuota(handle, type, options, limit, usage) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoShutdown(const struct MojoShutdownOptions *options)
{
	return MOJO_API_HAS(Shutdown) ? mojo_api_thunks.Shutdown(options) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoSetDefaultProcessErrorHandler(MojoDefaultProcessErrorHandler handler, const struct MojoSetDefaultProcessErrorHandlerOptions *options)
{
	return MOJO_API_HAS(SetDefaultProcessErrorHandler) ? mojo_api_thunks.SetDefaultProcessErrorHandler(handler, options) : MOJO_RESULT_UNIMPLEMENTED;
}

MojoResult MojoReserveMessageCapacity(MojoMessageHandle message, uint32_t payload_buffer_size, uint32_t *buffer_size)
{
	return MOJO_API_HAS(ReserveMessageCapacity) ? mojo_api_thunks.ReserveMessageCapacity(message, payload_buffer_size, buffer_size) : MOJO_RESULT_UNIMPLEMENTED;
}
