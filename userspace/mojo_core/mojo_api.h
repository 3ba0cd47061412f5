/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The program side of Mojo's C API: MojoInitialize() loads a core library
 * and every other Mojo*() call goes through the function table it filled.
 * This is what a program built against Mojo's C API links; the tests and
 * the example of libmojo_core.so use it, so they reach the library exactly
 * as a Mojo program would: dlopen() + MojoGetSystemThunks().
 *
 * MojoInitialize() takes the library path from its options, else from
 * the environment variable MOJO_CORE_LIBRARY_PATH, else
 * ./libmojo_core.so. A call through an entry the core did not fill (its
 * table is shorter) returns MOJO_RESULT_UNIMPLEMENTED; any call before a
 * successful MojoInitialize() does too.
 */
#ifndef MOJO_API_H
#define MOJO_API_H

#include "mojo_c_api.h"

#ifdef __cplusplus
extern "C" {
#endif

MojoResult MojoInitialize(const struct MojoInitializeOptions *options);
MojoTimeTicks MojoGetTimeTicksNow(void);
MojoResult MojoClose(MojoHandle handle);
MojoResult MojoQueryHandleSignalsState(MojoHandle handle, struct MojoHandleSignalsState *state);
MojoResult MojoCreateMessagePipe(const struct MojoCreateMessagePipeOptions *options, MojoHandle *handle0, MojoHandle *handle1);
MojoResult MojoWriteMessage(MojoHandle pipe, MojoMessageHandle message, const struct MojoWriteMessageOptions *options);
MojoResult MojoReadMessage(MojoHandle pipe, const struct MojoReadMessageOptions *options, MojoMessageHandle *message);
MojoResult MojoFuseMessagePipes(MojoHandle handle0, MojoHandle handle1, const struct MojoFuseMessagePipesOptions *options);
MojoResult MojoCreateMessage(const struct MojoCreateMessageOptions *options, MojoMessageHandle *message);
MojoResult MojoDestroyMessage(MojoMessageHandle message);
MojoResult MojoSerializeMessage(MojoMessageHandle message, const struct MojoSerializeMessageOptions *options);
MojoResult MojoAppendMessageData(MojoMessageHandle message, uint32_t additional_payload_size, const MojoHandle *handles, uint32_t num_handles, const struct MojoAppendMessageDataOptions *options, void **buffer, uint32_t *buffer_size);
MojoResult MojoGetMessageData(MojoMessageHandle message, const struct MojoGetMessageDataOptions *options, void **buffer, uint32_t *num_bytes, MojoHandle *handles, uint32_t *num_handles);
MojoResult MojoSetMessageContext(MojoMessageHandle message, uintptr_t context, MojoMessageContextSerializer serializer, MojoMessageContextDestructor destructor, const struct MojoSetMessageContextOptions *options);
MojoResult MojoGetMessageContext(MojoMessageHandle message, const struct MojoGetMessageContextOptions *options, uintptr_t *context);
MojoResult MojoNotifyBadMessage(MojoMessageHandle message, const char *error, uint32_t error_num_bytes, const struct MojoNotifyBadMessageOptions *options);
MojoResult MojoCreateDataPipe(const struct MojoCreateDataPipeOptions *options, MojoHandle *producer, MojoHandle *consumer);
MojoResult MojoWriteData(MojoHandle producer, const void *elements, uint32_t *num_bytes, const struct MojoWriteDataOptions *options);
MojoResult MojoBeginWriteData(MojoHandle producer, const struct MojoBeginWriteDataOptions *options, void **buffer, uint32_t *buffer_num_bytes);
MojoResult MojoEndWriteData(MojoHandle producer, uint32_t num_bytes_written, const struct MojoEndWriteDataOptions *options);
MojoResult MojoReadData(MojoHandle consumer, const struct MojoReadDataOptions *options, void *elements, uint32_t *num_bytes);
MojoResult MojoBeginReadData(MojoHandle consumer, const struct MojoBeginReadDataOptions *options, const void **buffer, uint32_t *buffer_num_bytes);
MojoResult MojoEndReadData(MojoHandle consumer, uint32_t num_bytes_read, const struct MojoEndReadDataOptions *options);
MojoResult MojoCreateSharedBuffer(uint64_t num_bytes, const struct MojoCreateSharedBufferOptions *options, MojoHandle *buffer);
MojoResult MojoDuplicateBufferHandle(MojoHandle buffer, const struct MojoDuplicateBufferHandleOptions *options, MojoHandle *new_buffer);
MojoResult MojoMapBuffer(MojoHandle buffer, uint64_t offset, uint64_t num_bytes, const struct MojoMapBufferOptions *options, void **address);
MojoResult MojoUnmapBuffer(void *address);
MojoResult MojoGetBufferInfo(MojoHandle buffer, const struct MojoGetBufferInfoOptions *options, struct MojoSharedBufferInfo *info);
MojoResult MojoCreateTrap(MojoTrapEventHandler handler, const struct MojoCreateTrapOptions *options, MojoHandle *trap);
MojoResult MojoAddTrigger(MojoHandle trap, MojoHandle handle, MojoHandleSignals signals, MojoTriggerCondition condition, uintptr_t context, const struct MojoAddTriggerOptions *options);
MojoResult MojoRemoveTrigger(MojoHandle trap, uintptr_t context, const struct MojoRemoveTriggerOptions *options);
MojoResult MojoArmTrap(MojoHandle trap, const struct MojoArmTrapOptions *options, uint32_t *num_blocking_events, struct MojoTrapEvent *blocking_events);
MojoResult MojoWrapPlatformHandle(const struct MojoPlatformHandle *platform_handle, const struct MojoWrapPlatformHandleOptions *options, MojoHandle *handle);
MojoResult MojoUnwrapPlatformHandle(MojoHandle handle, const struct MojoUnwrapPlatformHandleOptions *options, struct MojoPlatformHandle *platform_handle);
MojoResult MojoWrapPlatformSharedMemoryRegion(const struct MojoPlatformHandle *platform_handles, uint32_t num_platform_handles, uint64_t num_bytes, const struct MojoSharedBufferGuid *guid, MojoPlatformSharedMemoryRegionAccessMode access_mode, const struct MojoWrapPlatformSharedMemoryRegionOptions *options, MojoHandle *handle);
MojoResult MojoUnwrapPlatformSharedMemoryRegion(MojoHandle handle, const struct MojoUnwrapPlatformSharedMemoryRegionOptions *options, struct MojoPlatformHandle *platform_handles, uint32_t *num_platform_handles, uint64_t *num_bytes, struct MojoSharedBufferGuid *guid, MojoPlatformSharedMemoryRegionAccessMode *access_mode);
MojoResult MojoCreateInvitation(const struct MojoCreateInvitationOptions *options, MojoHandle *invitation);
MojoResult MojoAttachMessagePipeToInvitation(MojoHandle invitation, const void *name, uint32_t name_num_bytes, const struct MojoAttachMessagePipeToInvitationOptions *options, MojoHandle *pipe);
MojoResult MojoExtractMessagePipeFromInvitation(MojoHandle invitation, const void *name, uint32_t name_num_bytes, const struct MojoExtractMessagePipeFromInvitationOptions *options, MojoHandle *pipe);
MojoResult MojoSendInvitation(MojoHandle invitation, const struct MojoPlatformProcessHandle *process, const struct MojoInvitationTransportEndpoint *transport, MojoProcessErrorHandler error_handler, uintptr_t error_handler_context, const struct MojoSendInvitationOptions *options);
MojoResult MojoAcceptInvitation(const struct MojoInvitationTransportEndpoint *transport, const struct MojoAcceptInvitationOptions *options, MojoHandle *invitation);
MojoResult MojoSetQuota(MojoHandle handle, MojoQuotaType type, uint64_t limit, const struct MojoSetQuotaOptions *options);
MojoResult MojoQueryQuota(MojoHandle handle, MojoQuotaType type, const struct MojoQueryQuotaOptions *options, uint64_t *limit, uint64_t *usage);
MojoResult MojoShutdown(const struct MojoShutdownOptions *options);
MojoResult MojoSetDefaultProcessErrorHandler(MojoDefaultProcessErrorHandler handler, const struct MojoSetDefaultProcessErrorHandlerOptions *options);
MojoResult MojoReserveMessageCapacity(MojoMessageHandle message, uint32_t payload_buffer_size, uint32_t *buffer_size);
#ifdef __cplusplus
}
#endif

#endif /* MOJO_API_H */
