/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Mojo's C system API as libmojo_core.so implements it: the types,
 * constants, option structs and the function table (thunks) a program
 * built against Mojo's C API exchanges with its core library.
 *
 * These declarations were written for this project from the documented
 * layout of Mojo's public C API (mojo/public/c/system/); they are binary
 * compatible with it on 64-bit Linux (LP64), the only target here. Only
 * facts are taken over: names, numeric values, field order and sizes.
 *
 * Every option struct starts with struct_size, set by the caller to the
 * size it knows; a field beyond struct_size is treated as absent (its
 * default). A NULL options pointer means all defaults.
 */
#ifndef MOJO_C_API_H
#define MOJO_C_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MOJO_C_ALIGN8 __attribute__((aligned(8)))

/* ---- basic types ----------------------------------------------------- */

typedef int64_t MojoTimeTicks;		/* microseconds, monotonic */
typedef uintptr_t MojoHandle;
typedef uint32_t MojoResult;
typedef uint32_t MojoHandleSignals;
typedef uintptr_t MojoMessageHandle;

#define MOJO_HANDLE_INVALID		((MojoHandle)0)
#define MOJO_MESSAGE_HANDLE_INVALID	((MojoMessageHandle)0)

/* Result codes (0 is the only success). */
#define MOJO_RESULT_OK			((MojoResult)0)
#define MOJO_RESULT_CANCELLED		((MojoResult)1)
#define MOJO_RESULT_UNKNOWN		((MojoResult)2)
#define MOJO_RESULT_INVALID_ARGUMENT	((MojoResult)3)
#define MOJO_RESULT_DEADLINE_EXCEEDED	((MojoResult)4)
#define MOJO_RESULT_NOT_FOUND		((MojoResult)5)
#define MOJO_RESULT_ALREADY_EXISTS	((MojoResult)6)
#define MOJO_RESULT_PERMISSION_DENIED	((MojoResult)7)
#define MOJO_RESULT_RESOURCE_EXHAUSTED	((MojoResult)8)
#define MOJO_RESULT_FAILED_PRECONDITION	((MojoResult)9)
#define MOJO_RESULT_ABORTED		((MojoResult)10)
#define MOJO_RESULT_OUT_OF_RANGE	((MojoResult)11)
#define MOJO_RESULT_UNIMPLEMENTED	((MojoResult)12)
#define MOJO_RESULT_INTERNAL		((MojoResult)13)
#define MOJO_RESULT_UNAVAILABLE		((MojoResult)14)
#define MOJO_RESULT_DATA_LOSS		((MojoResult)15)
#define MOJO_RESULT_BUSY		((MojoResult)16)
#define MOJO_RESULT_SHOULD_WAIT		((MojoResult)17)

/*
 * Signals. Mojo's bit numbers, which are not the kernel's
 * (MOJO_SIGNAL_* of <linux/mojoports.h>): the library translates.
 */
#define MOJO_HANDLE_SIGNAL_NONE			((MojoHandleSignals)0)
#define MOJO_HANDLE_SIGNAL_READABLE		((MojoHandleSignals)1 << 0)
#define MOJO_HANDLE_SIGNAL_WRITABLE		((MojoHandleSignals)1 << 1)
#define MOJO_HANDLE_SIGNAL_PEER_CLOSED		((MojoHandleSignals)1 << 2)
#define MOJO_HANDLE_SIGNAL_NEW_DATA_READABLE	((MojoHandleSignals)1 << 3)
#define MOJO_HANDLE_SIGNAL_PEER_REMOTE		((MojoHandleSignals)1 << 4)
#define MOJO_HANDLE_SIGNAL_QUOTA_EXCEEDED	((MojoHandleSignals)1 << 5)

/* A handle's signals: those true now and those that still can become. */
struct MojoHandleSignalsState {
	MojoHandleSignals satisfied_signals;
	MojoHandleSignals satisfiable_signals;
};

/* Every "options" struct of the API has this shape (some add fields). */
#define MOJO_C_OPTIONS(name, flagtype)		\
	typedef uint32_t flagtype;		\
	struct MOJO_C_ALIGN8 name {		\
		uint32_t struct_size;		\
		flagtype flags;			\
	}

/* ---- initialization -------------------------------------------------- */

typedef uint32_t MojoInitializeFlags;
#define MOJO_INITIALIZE_FLAG_NONE				((MojoInitializeFlags)0)
#define MOJO_INITIALIZE_FLAG_AS_BROKER				((MojoInitializeFlags)1)
#define MOJO_INITIALIZE_FLAG_FORCE_DIRECT_SHARED_MEMORY_ALLOCATION ((MojoInitializeFlags)2)
#define MOJO_INITIALIZE_FLAG_LOAD_ONLY				((MojoInitializeFlags)4)

struct MOJO_C_ALIGN8 MojoInitializeOptions {
	uint32_t struct_size;
	MojoInitializeFlags flags;
	const char *mojo_core_path;	/* NULL: MOJO_CORE_LIBRARY_PATH, then ./ */
	uint32_t mojo_core_path_length;
	int32_t argc;
	const char *const *argv;
};

MOJO_C_OPTIONS(MojoShutdownOptions, MojoShutdownFlags);

/* ---- message pipes and message objects ------------------------------- */

MOJO_C_OPTIONS(MojoCreateMessagePipeOptions, MojoCreateMessagePipeFlags);
MOJO_C_OPTIONS(MojoWriteMessageOptions, MojoWriteMessageFlags);
MOJO_C_OPTIONS(MojoReadMessageOptions, MojoReadMessageFlags);
MOJO_C_OPTIONS(MojoFuseMessagePipesOptions, MojoFuseMessagePipesFlags);
MOJO_C_OPTIONS(MojoCreateMessageOptions, MojoCreateMessageFlags);
MOJO_C_OPTIONS(MojoSerializeMessageOptions, MojoSerializeMessageFlags);
MOJO_C_OPTIONS(MojoAppendMessageDataOptions, MojoAppendMessageDataFlags);
MOJO_C_OPTIONS(MojoGetMessageDataOptions, MojoGetMessageDataFlags);
MOJO_C_OPTIONS(MojoSetMessageContextOptions, MojoSetMessageContextFlags);
MOJO_C_OPTIONS(MojoGetMessageContextOptions, MojoGetMessageContextFlags);
MOJO_C_OPTIONS(MojoNotifyBadMessageOptions, MojoNotifyBadMessageFlags);

#define MOJO_CREATE_MESSAGE_FLAG_UNLIMITED_SIZE		((uint32_t)1)
/* The appended size is final: the message can be sent and read back. */
#define MOJO_APPEND_MESSAGE_DATA_FLAG_COMMIT_SIZE	((uint32_t)1)
/* Get the payload only; the handles stay in the message. */
#define MOJO_GET_MESSAGE_DATA_FLAG_IGNORE_HANDLES	((uint32_t)1)

typedef void (*MojoMessageContextSerializer)(MojoMessageHandle message,
					     uintptr_t context);
typedef void (*MojoMessageContextDestructor)(uintptr_t context);

/* ---- data pipes ------------------------------------------------------ */

typedef uint32_t MojoCreateDataPipeFlags;
struct MOJO_C_ALIGN8 MojoCreateDataPipeOptions {
	uint32_t struct_size;
	MojoCreateDataPipeFlags flags;
	uint32_t element_num_bytes;	/* not 0 */
	uint32_t capacity_num_bytes;	/* 0: the default */
};

MOJO_C_OPTIONS(MojoWriteDataOptions, MojoWriteDataFlags);
MOJO_C_OPTIONS(MojoBeginWriteDataOptions, MojoBeginWriteDataFlags);
MOJO_C_OPTIONS(MojoEndWriteDataOptions, MojoEndWriteDataFlags);
MOJO_C_OPTIONS(MojoReadDataOptions, MojoReadDataFlags);
MOJO_C_OPTIONS(MojoBeginReadDataOptions, MojoBeginReadDataFlags);
MOJO_C_OPTIONS(MojoEndReadDataOptions, MojoEndReadDataFlags);

#define MOJO_WRITE_DATA_FLAG_ALL_OR_NONE	((uint32_t)1 << 0)
#define MOJO_BEGIN_WRITE_DATA_FLAG_ALL_OR_NONE	((uint32_t)1 << 0)
#define MOJO_READ_DATA_FLAG_ALL_OR_NONE		((uint32_t)1 << 0)
#define MOJO_READ_DATA_FLAG_DISCARD		((uint32_t)1 << 1)
#define MOJO_READ_DATA_FLAG_QUERY		((uint32_t)1 << 2)
#define MOJO_READ_DATA_FLAG_PEEK		((uint32_t)1 << 3)

/* ---- shared buffers -------------------------------------------------- */

MOJO_C_OPTIONS(MojoCreateSharedBufferOptions, MojoCreateSharedBufferFlags);
MOJO_C_OPTIONS(MojoGetBufferInfoOptions, MojoGetBufferInfoFlags);
MOJO_C_OPTIONS(MojoDuplicateBufferHandleOptions, MojoDuplicateBufferHandleFlags);
MOJO_C_OPTIONS(MojoMapBufferOptions, MojoMapBufferFlags);

#define MOJO_DUPLICATE_BUFFER_HANDLE_FLAG_READ_ONLY	((uint32_t)1 << 0)

struct MOJO_C_ALIGN8 MojoSharedBufferInfo {
	uint32_t struct_size;
	uint64_t size;
};

/* ---- traps ----------------------------------------------------------- */

typedef uint32_t MojoTrapEventFlags;
#define MOJO_TRAP_EVENT_FLAG_NONE		((MojoTrapEventFlags)0)
#define MOJO_TRAP_EVENT_FLAG_WITHIN_API_CALL	((MojoTrapEventFlags)1 << 0)

/*
 * What a trap's handler receives: the trigger's context, and OK (met),
 * FAILED_PRECONDITION (can never be met again) or CANCELLED (the trigger
 * is gone: its last event).
 */
struct MOJO_C_ALIGN8 MojoTrapEvent {
	uint32_t struct_size;
	MojoTrapEventFlags flags;
	uintptr_t trigger_context;
	MojoResult result;
	struct MojoHandleSignalsState signals_state;
};

/* Note: Mojo's values, the reverse of the kernel's MOJO_TRIGGER_*. */
typedef uint32_t MojoTriggerCondition;
#define MOJO_TRIGGER_CONDITION_SIGNALS_UNSATISFIED	((MojoTriggerCondition)0)
#define MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED	((MojoTriggerCondition)1)

MOJO_C_OPTIONS(MojoCreateTrapOptions, MojoCreateTrapFlags);
MOJO_C_OPTIONS(MojoAddTriggerOptions, MojoAddTriggerFlags);
MOJO_C_OPTIONS(MojoRemoveTriggerOptions, MojoRemoveTriggerFlags);
MOJO_C_OPTIONS(MojoArmTrapOptions, MojoArmTrapFlags);

typedef void (*MojoTrapEventHandler)(const struct MojoTrapEvent *event);

/* ---- platform handles ------------------------------------------------ */

typedef uint32_t MojoPlatformHandleType;
#define MOJO_PLATFORM_HANDLE_TYPE_INVALID		((MojoPlatformHandleType)0)
#define MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR	((MojoPlatformHandleType)1)

struct MOJO_C_ALIGN8 MojoPlatformHandle {
	uint32_t struct_size;
	MojoPlatformHandleType type;
	uint64_t value;
};

MOJO_C_OPTIONS(MojoWrapPlatformHandleOptions, MojoWrapPlatformHandleFlags);
MOJO_C_OPTIONS(MojoUnwrapPlatformHandleOptions, MojoUnwrapPlatformHandleFlags);
MOJO_C_OPTIONS(MojoWrapPlatformSharedMemoryRegionOptions,
	       MojoWrapPlatformSharedMemoryRegionFlags);
MOJO_C_OPTIONS(MojoUnwrapPlatformSharedMemoryRegionOptions,
	       MojoUnwrapPlatformSharedMemoryRegionFlags);

/*
 * A region's access mode, as Mojo reports and takes it: READ_ONLY (only
 * read-only mappings, through every handle), WRITABLE (one handle, which
 * maps writable), UNSAFE (any number of writable handles).
 */
typedef uint32_t MojoPlatformSharedMemoryRegionAccessMode;
#define MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_READ_ONLY \
	((MojoPlatformSharedMemoryRegionAccessMode)0)
#define MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_WRITABLE \
	((MojoPlatformSharedMemoryRegionAccessMode)1)
#define MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_UNSAFE \
	((MojoPlatformSharedMemoryRegionAccessMode)2)

struct MOJO_C_ALIGN8 MojoSharedBufferGuid {
	uint64_t high;
	uint64_t low;
};

/* ---- invitations ----------------------------------------------------- */

struct MOJO_C_ALIGN8 MojoPlatformProcessHandle {
	uint32_t struct_size;
	uint64_t value;			/* a pid on Linux */
};

typedef uint32_t MojoInvitationTransportType;
#define MOJO_INVITATION_TRANSPORT_TYPE_CHANNEL		((MojoInvitationTransportType)0)
#define MOJO_INVITATION_TRANSPORT_TYPE_CHANNEL_SERVER	((MojoInvitationTransportType)1)
#define MOJO_INVITATION_TRANSPORT_TYPE_CHANNEL_ASYNC	((MojoInvitationTransportType)2)

/* CHANNEL on Linux: one connected AF_UNIX socket, owned by the call. */
struct MOJO_C_ALIGN8 MojoInvitationTransportEndpoint {
	uint32_t struct_size;
	MojoInvitationTransportType type;
	uint32_t num_platform_handles;
	const struct MojoPlatformHandle *platform_handles;
};

MOJO_C_OPTIONS(MojoCreateInvitationOptions, MojoCreateInvitationFlags);
MOJO_C_OPTIONS(MojoAttachMessagePipeToInvitationOptions,
	       MojoAttachMessagePipeToInvitationFlags);
MOJO_C_OPTIONS(MojoExtractMessagePipeFromInvitationOptions,
	       MojoExtractMessagePipeFromInvitationFlags);
MOJO_C_OPTIONS(MojoAcceptInvitationOptions, MojoAcceptInvitationFlags);
MOJO_C_OPTIONS(MojoSetDefaultProcessErrorHandlerOptions,
	       MojoSetDefaultProcessErrorHandlerFlags);

typedef uint32_t MojoSendInvitationFlags;
#define MOJO_SEND_INVITATION_FLAG_ISOLATED	((MojoSendInvitationFlags)1)
#define MOJO_ACCEPT_INVITATION_FLAG_ISOLATED	((uint32_t)1)
#define MOJO_ACCEPT_INVITATION_FLAG_LEAK_TRANSPORT_ENDPOINT	((uint32_t)2)

struct MOJO_C_ALIGN8 MojoSendInvitationOptions {
	uint32_t struct_size;
	MojoSendInvitationFlags flags;
	const char *isolated_connection_name;
	uint32_t isolated_connection_name_length;
};

struct MOJO_C_ALIGN8 MojoProcessErrorDetails {
	uint32_t struct_size;
	uint32_t error_message_length;
	const char *error_message;
	uint32_t flags;
};

typedef void (*MojoProcessErrorHandler)(uintptr_t context,
					const struct MojoProcessErrorDetails *details);
typedef void (*MojoDefaultProcessErrorHandler)(const struct MojoProcessErrorDetails *details);

/* ---- quotas ---------------------------------------------------------- */

MOJO_C_OPTIONS(MojoSetQuotaOptions, MojoSetQuotaFlags);
MOJO_C_OPTIONS(MojoQueryQuotaOptions, MojoQueryQuotaFlags);

typedef uint32_t MojoQuotaType;
#define MOJO_QUOTA_LIMIT_NONE				((uint64_t)0xffffffffffffffffULL)
#define MOJO_QUOTA_TYPE_RECEIVE_QUEUE_LENGTH		((MojoQuotaType)0)
#define MOJO_QUOTA_TYPE_RECEIVE_QUEUE_MEMORY_SIZE	((MojoQuotaType)1)
#define MOJO_QUOTA_TYPE_UNREAD_MESSAGE_COUNT		((MojoQuotaType)2)

/* ---- the function table --------------------------------------------- */

/*
 * The table a core library fills. The caller sets @size to the size it
 * knows; MojoGetSystemThunks() fills that many bytes at most and lowers
 * @size to its own when smaller. Entries are only ever added at the end.
 * A loader calls an entry whose offset lies below @size without looking
 * at it, so a core must put a function in every entry it reports: this
 * one reports them all, and those it cannot provide return
 * MOJO_RESULT_UNIMPLEMENTED.
 */
struct MojoSystemThunks2 {
	uint32_t size;

	MojoResult (*Initialize)(const struct MojoInitializeOptions *options);
	MojoTimeTicks (*GetTimeTicksNow)(void);

	MojoResult (*Close)(MojoHandle handle);
	MojoResult (*QueryHandleSignalsState)(MojoHandle handle,
					      struct MojoHandleSignalsState *state);

	MojoResult (*CreateMessagePipe)(const struct MojoCreateMessagePipeOptions *options,
					MojoHandle *handle0, MojoHandle *handle1);
	MojoResult (*WriteMessage)(MojoHandle pipe, MojoMessageHandle message,
				   const struct MojoWriteMessageOptions *options);
	MojoResult (*ReadMessage)(MojoHandle pipe,
				  const struct MojoReadMessageOptions *options,
				  MojoMessageHandle *message);
	MojoResult (*FuseMessagePipes)(MojoHandle handle0, MojoHandle handle1,
				       const struct MojoFuseMessagePipesOptions *options);

	MojoResult (*CreateMessage)(const struct MojoCreateMessageOptions *options,
				    MojoMessageHandle *message);
	MojoResult (*DestroyMessage)(MojoMessageHandle message);
	MojoResult (*SerializeMessage)(MojoMessageHandle message,
				       const struct MojoSerializeMessageOptions *options);
	MojoResult (*AppendMessageData)(MojoMessageHandle message,
					uint32_t additional_payload_size,
					const MojoHandle *handles, uint32_t num_handles,
					const struct MojoAppendMessageDataOptions *options,
					void **buffer, uint32_t *buffer_size);
	MojoResult (*GetMessageData)(MojoMessageHandle message,
				     const struct MojoGetMessageDataOptions *options,
				     void **buffer, uint32_t *num_bytes,
				     MojoHandle *handles, uint32_t *num_handles);
	MojoResult (*SetMessageContext)(MojoMessageHandle message, uintptr_t context,
					MojoMessageContextSerializer serializer,
					MojoMessageContextDestructor destructor,
					const struct MojoSetMessageContextOptions *options);
	MojoResult (*GetMessageContext)(MojoMessageHandle message,
					const struct MojoGetMessageContextOptions *options,
					uintptr_t *context);
	MojoResult (*NotifyBadMessage)(MojoMessageHandle message, const char *error,
				       uint32_t error_num_bytes,
				       const struct MojoNotifyBadMessageOptions *options);

	MojoResult (*CreateDataPipe)(const struct MojoCreateDataPipeOptions *options,
				     MojoHandle *producer, MojoHandle *consumer);
	MojoResult (*WriteData)(MojoHandle producer, const void *elements,
				uint32_t *num_bytes,
				const struct MojoWriteDataOptions *options);
	MojoResult (*BeginWriteData)(MojoHandle producer,
				     const struct MojoBeginWriteDataOptions *options,
				     void **buffer, uint32_t *buffer_num_bytes);
	MojoResult (*EndWriteData)(MojoHandle producer, uint32_t num_bytes_written,
				   const struct MojoEndWriteDataOptions *options);
	MojoResult (*ReadData)(MojoHandle consumer,
			       const struct MojoReadDataOptions *options,
			       void *elements, uint32_t *num_bytes);
	MojoResult (*BeginReadData)(MojoHandle consumer,
				    const struct MojoBeginReadDataOptions *options,
				    const void **buffer, uint32_t *buffer_num_bytes);
	MojoResult (*EndReadData)(MojoHandle consumer, uint32_t num_bytes_read,
				  const struct MojoEndReadDataOptions *options);

	MojoResult (*CreateSharedBuffer)(uint64_t num_bytes,
					 const struct MojoCreateSharedBufferOptions *options,
					 MojoHandle *buffer);
	MojoResult (*DuplicateBufferHandle)(MojoHandle buffer,
					    const struct MojoDuplicateBufferHandleOptions *options,
					    MojoHandle *new_buffer);
	MojoResult (*MapBuffer)(MojoHandle buffer, uint64_t offset, uint64_t num_bytes,
				const struct MojoMapBufferOptions *options,
				void **address);
	MojoResult (*UnmapBuffer)(void *address);
	MojoResult (*GetBufferInfo)(MojoHandle buffer,
				    const struct MojoGetBufferInfoOptions *options,
				    struct MojoSharedBufferInfo *info);

	MojoResult (*CreateTrap)(MojoTrapEventHandler handler,
				 const struct MojoCreateTrapOptions *options,
				 MojoHandle *trap);
	MojoResult (*AddTrigger)(MojoHandle trap, MojoHandle handle,
				 MojoHandleSignals signals, MojoTriggerCondition condition,
				 uintptr_t context,
				 const struct MojoAddTriggerOptions *options);
	MojoResult (*RemoveTrigger)(MojoHandle trap, uintptr_t context,
				    const struct MojoRemoveTriggerOptions *options);
	MojoResult (*ArmTrap)(MojoHandle trap, const struct MojoArmTrapOptions *options,
			      uint32_t *num_blocking_events,
			      struct MojoTrapEvent *blocking_events);

	MojoResult (*WrapPlatformHandle)(const struct MojoPlatformHandle *platform_handle,
					 const struct MojoWrapPlatformHandleOptions *options,
					 MojoHandle *handle);
	MojoResult (*UnwrapPlatformHandle)(MojoHandle handle,
					   const struct MojoUnwrapPlatformHandleOptions *options,
					   struct MojoPlatformHandle *platform_handle);
	MojoResult (*WrapPlatformSharedMemoryRegion)(
		const struct MojoPlatformHandle *platform_handles,
		uint32_t num_platform_handles, uint64_t num_bytes,
		const struct MojoSharedBufferGuid *guid,
		MojoPlatformSharedMemoryRegionAccessMode access_mode,
		const struct MojoWrapPlatformSharedMemoryRegionOptions *options,
		MojoHandle *handle);
	MojoResult (*UnwrapPlatformSharedMemoryRegion)(
		MojoHandle handle,
		const struct MojoUnwrapPlatformSharedMemoryRegionOptions *options,
		struct MojoPlatformHandle *platform_handles,
		uint32_t *num_platform_handles, uint64_t *num_bytes,
		struct MojoSharedBufferGuid *guid,
		MojoPlatformSharedMemoryRegionAccessMode *access_mode);

	MojoResult (*CreateInvitation)(const struct MojoCreateInvitationOptions *options,
				       MojoHandle *invitation);
	MojoResult (*AttachMessagePipeToInvitation)(
		MojoHandle invitation, const void *name, uint32_t name_num_bytes,
		const struct MojoAttachMessagePipeToInvitationOptions *options,
		MojoHandle *pipe);
	MojoResult (*ExtractMessagePipeFromInvitation)(
		MojoHandle invitation, const void *name, uint32_t name_num_bytes,
		const struct MojoExtractMessagePipeFromInvitationOptions *options,
		MojoHandle *pipe);
	MojoResult (*SendInvitation)(MojoHandle invitation,
				     const struct MojoPlatformProcessHandle *process,
				     const struct MojoInvitationTransportEndpoint *transport,
				     MojoProcessErrorHandler error_handler,
				     uintptr_t error_handler_context,
				     const struct MojoSendInvitationOptions *options);
	MojoResult (*AcceptInvitation)(const struct MojoInvitationTransportEndpoint *transport,
				       const struct MojoAcceptInvitationOptions *options,
				       MojoHandle *invitation);

	/* ABI version 1 */
	MojoResult (*SetQuota)(MojoHandle handle, MojoQuotaType type, uint64_t limit,
			       const struct MojoSetQuotaOptions *options);
	MojoResult (*QueryQuota)(MojoHandle handle, MojoQuotaType type,
				 const struct MojoQueryQuotaOptions *options,
				 uint64_t *limit, uint64_t *usage);

	/* ABI version 2 */
	MojoResult (*Shutdown)(const struct MojoShutdownOptions *options);

	/* ABI version 3 */
	MojoResult (*SetDefaultProcessErrorHandler)(
		MojoDefaultProcessErrorHandler handler,
		const struct MojoSetDefaultProcessErrorHandlerOptions *options);

	/* ABI version 4 */
	MojoResult (*ReserveMessageCapacity)(MojoMessageHandle message,
					     uint32_t payload_buffer_size,
					     uint32_t *buffer_size);
};

/* What libmojo_core.so exports, under this name only. */
typedef void (*MojoGetSystemThunksFunction)(struct MojoSystemThunks2 *thunks);

#define MOJO_C_ASSERT_SIZE(type, n) \
	_Static_assert(sizeof(type) == (n), #type " has the wrong size")
MOJO_C_ASSERT_SIZE(struct MojoHandleSignalsState, 8);
MOJO_C_ASSERT_SIZE(struct MojoInitializeOptions, 32);
MOJO_C_ASSERT_SIZE(struct MojoCreateDataPipeOptions, 16);
MOJO_C_ASSERT_SIZE(struct MojoTrapEvent, 32);
MOJO_C_ASSERT_SIZE(struct MojoSharedBufferInfo, 16);
MOJO_C_ASSERT_SIZE(struct MojoPlatformHandle, 16);
MOJO_C_ASSERT_SIZE(struct MojoPlatformProcessHandle, 16);
MOJO_C_ASSERT_SIZE(struct MojoInvitationTransportEndpoint, 24);
MOJO_C_ASSERT_SIZE(struct MojoSendInvitationOptions, 24);
MOJO_C_ASSERT_SIZE(struct MojoProcessErrorDetails, 24);
MOJO_C_ASSERT_SIZE(struct MojoWriteMessageOptions, 8);
/* The first entry of ABI version 1 sits after 41 pointers and the size. */
_Static_assert(offsetof(struct MojoSystemThunks2, SetQuota) == 8 + 41 * 8,
	       "thunk table layout");

#ifdef __cplusplus
}
#endif

#endif /* MOJO_C_API_H */
