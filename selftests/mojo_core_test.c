// SPDX-License-Identifier: GPL-2.0
/*
 * libmojo_core.so through Mojo's C API only: the library is loaded the
 * way Mojo loads its core (MojoInitialize: dlopen of
 * MOJO_CORE_LIBRARY_PATH, MojoGetSystemThunks) and every call goes
 * through the function table. The expectations are Mojo's documented
 * behaviour, except where README's "libmojo_core.so" section says that
 * this core differs (those cases are not tested here).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mojoports.h>	/* the ioctl numbers, for the hook below */
#undef MOJO_HANDLE_INVALID		/* Mojo's is typed: mojo_c_api.h's */

#include "kselftest_harness.h"
#include "mojo_api.h"

#define R MOJO_HANDLE_SIGNAL_READABLE
#define W MOJO_HANDLE_SIGNAL_WRITABLE
#define PC MOJO_HANDLE_SIGNAL_PEER_CLOSED
#define NDR MOJO_HANDLE_SIGNAL_NEW_DATA_READABLE

#define OK MOJO_RESULT_OK
#define INVALID MOJO_RESULT_INVALID_ARGUMENT
#define PRECOND MOJO_RESULT_FAILED_PRECONDITION

static const struct MojoAppendMessageDataOptions commit_opts = {
	.struct_size = sizeof(commit_opts),
	.flags = MOJO_APPEND_MESSAGE_DATA_FLAG_COMMIT_SIZE,
};

static MojoResult init(void)
{
	return MojoInitialize(NULL);
}

/* Write @len bytes (and handles) as one message. */
static MojoResult write_msg(MojoHandle pipe, const void *data, uint32_t len,
			    const MojoHandle *handles, uint32_t num_handles)
{
	MojoMessageHandle m;
	uint32_t cap;
	void *buf;
	MojoResult r;

	r = MojoCreateMessage(NULL, &m);
	if (r != OK)
		return r;
	r = MojoAppendMessageData(m, len, handles, num_handles, &commit_opts, &buf, &cap);
	if (r != OK) {
		MojoDestroyMessage(m);
		return r;
	}
	if (len)
		memcpy(buf, data, len);
	return MojoWriteMessage(pipe, m, NULL);
}

/* Read one message's bytes into @out (NUL-terminated); handles into @h. */
static MojoResult read_msg(MojoHandle pipe, char *out, size_t size,
			   MojoHandle *h, uint32_t *num_handles)
{
	MojoMessageHandle m;
	uint32_t n, zero = 0;
	void *buf;
	MojoResult r;

	r = MojoReadMessage(pipe, NULL, &m);
	if (r != OK)
		return r;
	r = MojoGetMessageData(m, NULL, &buf, &n, h, num_handles ? num_handles : &zero);
	if (r == OK && out) {
		if (n >= size)
			n = (uint32_t)size - 1;
		memcpy(out, buf, n);
		out[n] = '\0';
	}
	MojoDestroyMessage(m);
	return r;
}

static MojoHandleSignals satisfied(MojoHandle h)
{
	struct MojoHandleSignalsState s = { 0, 0 };

	MojoQueryHandleSignalsState(h, &s);
	return s.satisfied_signals;
}

/*
 * Wait for any of @signals on @h with a trap, the way Mojo's own wait
 * helpers do: OK once satisfied, FAILED_PRECONDITION once none can be.
 */
struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool fired, cancelled;
	MojoResult result;
	struct MojoHandleSignalsState state;
};

static void waiter_handler(const struct MojoTrapEvent *ev)
{
	struct waiter *w = (struct waiter *)ev->trigger_context;

	pthread_mutex_lock(&w->lock);
	if (ev->result == MOJO_RESULT_CANCELLED) {
		w->cancelled = true;
	} else if (!w->fired) {
		w->fired = true;
		w->result = ev->result;
		w->state = ev->signals_state;
	}
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static MojoResult wait_signals(MojoHandle h, MojoHandleSignals signals,
			       struct MojoHandleSignalsState *state)
{
	struct waiter w = { .lock = PTHREAD_MUTEX_INITIALIZER,
			    .cond = PTHREAD_COND_INITIALIZER };
	struct MojoTrapEvent ev;
	struct timespec until;
	uint32_t n = 1;
	MojoHandle trap;
	MojoResult r;

	r = MojoCreateTrap(waiter_handler, NULL, &trap);
	if (r != OK)
		return r;
	r = MojoAddTrigger(trap, h, signals, MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED,
			   (uintptr_t)&w, NULL);
	if (r != OK) {
		MojoClose(trap);
		return r;
	}
	r = MojoArmTrap(trap, NULL, &n, &ev);
	if (r == PRECOND && n == 1) {
		w.fired = true;
		w.result = ev.result;
		w.state = ev.signals_state;
	} else if (r != OK) {
		MojoClose(trap);
		return r;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&w.lock);
	while (!w.fired && pthread_cond_timedwait(&w.cond, &w.lock, &until) == 0)
		;
	pthread_mutex_unlock(&w.lock);
	/* The trap's last event (CANCELLED) comes before MojoClose returns. */
	MojoClose(trap);
	if (!w.cancelled)
		return MOJO_RESULT_INTERNAL;
	if (!w.fired)
		return MOJO_RESULT_DEADLINE_EXCEEDED;
	if (state)
		*state = w.state;
	return w.result;
}

/* ---- the library itself --------------------------------------------------- */

TEST(thunks_are_size_versioned)
{
	const char *path = getenv("MOJO_CORE_LIBRARY_PATH");
	MojoGetSystemThunksFunction get;
	struct MojoSystemThunks2 t;
	size_t v0 = offsetof(struct MojoSystemThunks2, SetQuota);
	void **entry;
	void *lib;
	size_t i;

	ASSERT_NE(NULL, path);
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ASSERT_NE(NULL, lib) TH_LOG("%s", dlerror());
	get = (MojoGetSystemThunksFunction)dlsym(lib, "MojoGetSystemThunks");
	ASSERT_NE(NULL, get);
	/* libmojoports stays inside: one symbol only. */
	EXPECT_EQ(NULL, dlsym(lib, "mojo_open_node"));

	/* A caller knowing every entry gets every entry, none NULL. */
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	get(&t);
	EXPECT_EQ(sizeof(t), t.size);
	entry = (void **)((char *)&t + offsetof(struct MojoSystemThunks2, Initialize));
	for (i = 0; i < (sizeof(t) - sizeof(void *)) / sizeof(void *); i++)
		EXPECT_NE(NULL, entry[i]) TH_LOG("entry %zu", i);

	/* An older caller: filled up to its size, nothing beyond. */
	memset(&t, 0xa5, sizeof(t));
	t.size = (uint32_t)v0;
	get(&t);
	EXPECT_EQ(v0, t.size);
	EXPECT_NE(NULL, t.ArmTrap);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, (uint64_t)(uintptr_t)t.SetQuota);

	/* Too old for any ABI: "no core". */
	t.size = 8;
	get(&t);
	EXPECT_EQ(0, t.size);
	dlclose(lib);
}

TEST(initialize_and_time)
{
	struct MojoInitializeOptions bad = { .struct_size = 4 };
	MojoTimeTicks a, b;

	/* Before initialization nothing is reachable. */
	EXPECT_EQ(MOJO_RESULT_UNIMPLEMENTED, MojoClose(1));
	EXPECT_EQ(INVALID, MojoInitialize(&bad));
	ASSERT_EQ(OK, init());
	EXPECT_EQ(OK, init());	/* again: harmless */
	a = MojoGetTimeTicksNow();
	usleep(2000);
	b = MojoGetTimeTicksNow();
	EXPECT_NE(0, a);
	EXPECT_GE(b - a, 2000);
}

TEST(invalid_handles)
{
	MojoHandle h0 = MOJO_HANDLE_INVALID, h1 = MOJO_HANDLE_INVALID;
	struct MojoHandleSignalsState s;
	const void *rp = NULL;
	void *wp = NULL;
	char buf[10] = { 0 };
	uint32_t n = sizeof(buf);
	MojoMessageHandle m;

	ASSERT_EQ(OK, init());
	EXPECT_EQ(INVALID, MojoClose(MOJO_HANDLE_INVALID));
	EXPECT_EQ(INVALID, MojoWriteMessage(h0, MOJO_MESSAGE_HANDLE_INVALID, NULL));
	EXPECT_EQ(INVALID, MojoReadMessage(h0, NULL, &m));
	EXPECT_EQ(INVALID, MojoWriteData(h0, buf, &n, NULL));
	EXPECT_EQ(INVALID, MojoBeginWriteData(h0, NULL, &wp, &n));
	EXPECT_EQ(INVALID, MojoEndWriteData(h0, 1, NULL));
	EXPECT_EQ(INVALID, MojoReadData(h0, NULL, buf, &n));
	EXPECT_EQ(INVALID, MojoBeginReadData(h0, NULL, &rp, &n));
	EXPECT_EQ(INVALID, MojoEndReadData(h0, 1, NULL));
	EXPECT_EQ(INVALID, MojoDuplicateBufferHandle(h0, NULL, &h1));
	EXPECT_EQ(INVALID, MojoMapBuffer(h0, 0, 1, NULL, &wp));
	EXPECT_EQ(INVALID, MojoQueryHandleSignalsState(h0, &s));
	/* Numbers never handed out, in either space, and a closed one. */
	EXPECT_EQ(INVALID, MojoClose(0x7ffffff0));
	EXPECT_EQ(INVALID, MojoClose((MojoHandle)1 << 40));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &h0, &h1));
	EXPECT_EQ(OK, MojoClose(h0));
	EXPECT_EQ(INVALID, MojoClose(h0));
	EXPECT_EQ(INVALID, MojoQueryHandleSignalsState(h0, &s));
	/* The wrong kind of handle. */
	EXPECT_EQ(INVALID, MojoWriteData(h1, buf, &n, NULL));
	EXPECT_EQ(OK, MojoClose(h1));
}

/* ---- message pipes ------------------------------------------------------ */

TEST(basic_message_pipe)
{
	struct MojoHandleSignalsState s;
	MojoHandle h0, h1;
	MojoMessageHandle m;
	char buf[16];

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &h0, &h1));
	EXPECT_NE(MOJO_HANDLE_INVALID, h0);
	EXPECT_NE(MOJO_HANDLE_INVALID, h1);
	ASSERT_EQ(OK, MojoQueryHandleSignalsState(h0, &s));
	EXPECT_EQ(W, s.satisfied_signals);
	EXPECT_EQ(R | W | PC, s.satisfiable_signals & (R | W | PC));
	EXPECT_EQ(MOJO_RESULT_SHOULD_WAIT, MojoReadMessage(h0, NULL, &m));

	ASSERT_EQ(OK, write_msg(h1, "hello", 5, NULL, 0));
	ASSERT_EQ(OK, wait_signals(h0, R, &s));
	EXPECT_EQ(R | W, s.satisfied_signals);
	ASSERT_EQ(OK, read_msg(h0, buf, sizeof(buf), NULL, NULL));
	EXPECT_STREQ("hello", buf);
	EXPECT_EQ(W, satisfied(h0));

	EXPECT_EQ(OK, MojoClose(h0));
	EXPECT_EQ(OK, wait_signals(h1, PC, &s));
	EXPECT_EQ(PRECOND, wait_signals(h1, R | W, &s));
	EXPECT_EQ(PC, s.satisfied_signals);
	EXPECT_EQ(0, s.satisfiable_signals & (R | W));
	EXPECT_EQ(PRECOND, write_msg(h1, "x", 1, NULL, 0));
	EXPECT_EQ(OK, MojoClose(h1));
}

/*
 * ReadData with ALL_OR_NONE that cannot be met: OUT_OF_RANGE while the
 * producer is open, FAILED_PRECONDITION once it closed; what is left can
 * still be read.
 */
TEST(all_or_none_read_after_the_producer_closed)
{
	const struct MojoReadDataOptions all = {
		.struct_size = sizeof(all),
		.flags = MOJO_READ_DATA_FLAG_ALL_OR_NONE,
	};
	MojoHandle hp, hc;
	char buf[8];
	uint32_t n;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateDataPipe(NULL, &hp, &hc));
	n = 3;
	ASSERT_EQ(OK, MojoWriteData(hp, "abc", &n, NULL));
	n = 8;
	EXPECT_EQ(MOJO_RESULT_OUT_OF_RANGE, MojoReadData(hc, &all, buf, &n));
	EXPECT_EQ(OK, MojoClose(hp));
	EXPECT_EQ(R | PC, satisfied(hc) & (R | PC));
	n = 8;
	EXPECT_EQ(PRECOND, MojoReadData(hc, &all, buf, &n));
	n = 3;
	ASSERT_EQ(OK, MojoReadData(hc, &all, buf, &n));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	EXPECT_EQ(OK, MojoClose(hc));
}

TEST(large_message)
{
	size_t len = 200000, i;
	MojoMessageHandle m;
	MojoHandle h0, h1;
	uint8_t *in;
	uint32_t n, cap;
	void *buf;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &h0, &h1));
	ASSERT_EQ(OK, MojoCreateMessage(NULL, &m));
	/* Appended in pieces, the buffer may move: earlier bytes stay. */
	for (i = 0; i < len; i += 50000) {
		ASSERT_EQ(OK, MojoAppendMessageData(m, 50000, NULL, 0, NULL, &buf, &cap));
		EXPECT_GE(cap, i + 50000);
		memset((uint8_t *)buf + i, (int)(i / 50000) + 1, 50000);
	}
	ASSERT_EQ(OK, MojoAppendMessageData(m, 0, NULL, 0, &commit_opts, NULL, NULL));
	ASSERT_EQ(OK, MojoWriteMessage(h0, m, NULL));
	ASSERT_EQ(OK, MojoReadMessage(h1, NULL, &m));
	ASSERT_EQ(OK, MojoGetMessageData(m, NULL, &buf, &n, NULL, NULL));
	ASSERT_EQ(len, n);
	in = buf;
	for (i = 0; i < len; i += 50000)
		EXPECT_EQ(i / 50000 + 1, in[i + 49999]);
	EXPECT_EQ(OK, MojoDestroyMessage(m));
}

static int serialized, destroyed;

static void ser(MojoMessageHandle m, uintptr_t ctx)
{
	void *buf;
	uint32_t cap;

	serialized++;
	if (MojoAppendMessageData(m, sizeof(ctx), NULL, 0, &commit_opts, &buf, &cap) == OK)
		memcpy(buf, &ctx, sizeof(ctx));
}

static void dtor(uintptr_t ctx)
{
	(void)ctx;
	destroyed++;
}

TEST(message_objects)
{
	MojoMessageHandle m;
	MojoHandle h0, h1;
	uintptr_t ctx, got;
	uint32_t n, cap;
	void *buf;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &h0, &h1));
	EXPECT_EQ(INVALID, MojoCreateMessage(NULL, NULL));

	/* Nothing attached yet: nothing to get, nothing to write. */
	ASSERT_EQ(OK, MojoCreateMessage(NULL, &m));
	EXPECT_EQ(PRECOND, MojoGetMessageData(m, NULL, &buf, &n, NULL, NULL));
	EXPECT_EQ(MOJO_RESULT_NOT_FOUND, MojoWriteMessage(h0, m, NULL));

	/* Data: only a committed message can be read back. */
	ASSERT_EQ(OK, MojoCreateMessage(NULL, &m));
	ASSERT_EQ(OK, MojoAppendMessageData(m, 3, NULL, 0, NULL, &buf, &cap));
	memcpy(buf, "abc", 3);
	EXPECT_EQ(PRECOND, MojoGetMessageData(m, NULL, &buf, &n, NULL, NULL));
	EXPECT_EQ(PRECOND, MojoSetMessageContext(m, 1, NULL, NULL, NULL));
	ASSERT_EQ(OK, MojoAppendMessageData(m, 2, NULL, 0, &commit_opts, &buf, &cap));
	memcpy((char *)buf + 3, "de", 2);
	EXPECT_EQ(PRECOND, MojoAppendMessageData(m, 1, NULL, 0, NULL, &buf, &cap));
	ASSERT_EQ(OK, MojoGetMessageData(m, NULL, &buf, &n, NULL, NULL));
	EXPECT_EQ(5, n);
	EXPECT_EQ(0, memcmp(buf, "abcde", 5));
	EXPECT_EQ(PRECOND, MojoSerializeMessage(m, NULL));
	EXPECT_EQ(OK, MojoDestroyMessage(m));

	/* A context, serialized on demand, then destroyed. */
	ctx = 0x1234;
	ASSERT_EQ(OK, MojoCreateMessage(NULL, &m));
	EXPECT_EQ(INVALID, MojoSetMessageContext(m, 0, ser, NULL, NULL));
	ASSERT_EQ(OK, MojoSetMessageContext(m, ctx, ser, dtor, NULL));
	EXPECT_EQ(MOJO_RESULT_ALREADY_EXISTS, MojoSetMessageContext(m, 5, NULL, NULL, NULL));
	ASSERT_EQ(OK, MojoGetMessageContext(m, NULL, &got));
	EXPECT_EQ(ctx, got);
	EXPECT_EQ(PRECOND, MojoAppendMessageData(m, 1, NULL, 0, NULL, &buf, &cap));
	ASSERT_EQ(OK, MojoSerializeMessage(m, NULL));
	EXPECT_EQ(1, serialized);
	EXPECT_EQ(1, destroyed);
	ASSERT_EQ(OK, MojoGetMessageData(m, NULL, &buf, &n, NULL, NULL));
	EXPECT_EQ(sizeof(ctx), n);
	EXPECT_EQ(OK, MojoDestroyMessage(m));
	EXPECT_EQ(1, destroyed);

	/* Written with its context: serialized by the write. */
	ASSERT_EQ(OK, MojoCreateMessage(NULL, &m));
	ASSERT_EQ(OK, MojoSetMessageContext(m, ctx, ser, dtor, NULL));
	ASSERT_EQ(OK, MojoWriteMessage(h0, m, NULL));
	EXPECT_EQ(2, serialized);
	EXPECT_EQ(2, destroyed);
	ASSERT_EQ(OK, MojoReadMessage(h1, NULL, &m));
	ASSERT_EQ(OK, MojoGetMessageData(m, NULL, &buf, &n, NULL, NULL));
	ASSERT_EQ(sizeof(ctx), n);
	memcpy(&got, buf, sizeof(got));
	EXPECT_EQ(ctx, got);
	EXPECT_EQ(OK, MojoDestroyMessage(m));

	/* Destroyed unsent: the destructor runs. */
	ASSERT_EQ(OK, MojoCreateMessage(NULL, &m));
	ASSERT_EQ(OK, MojoSetMessageContext(m, ctx, ser, dtor, NULL));
	EXPECT_EQ(OK, MojoDestroyMessage(m));
	EXPECT_EQ(3, destroyed);
	EXPECT_EQ(2, serialized);
}

TEST(queued_messages_and_closure)
{
	struct MojoHandleSignalsState s;
	MojoHandle h0, h1;
	MojoMessageHandle m;
	char buf[8];
	int i;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &h0, &h1));
	ASSERT_EQ(OK, write_msg(h0, "one", 3, NULL, 0));
	ASSERT_EQ(OK, write_msg(h0, "two", 3, NULL, 0));
	ASSERT_EQ(OK, write_msg(h0, "three", 5, NULL, 0));
	ASSERT_EQ(OK, MojoClose(h0));
	/*
	 * Everything written before the close arrives, in order. PEER_CLOSED
	 * is raised at once; READABLE stays while messages are queued.
	 */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(OK, MojoQueryHandleSignalsState(h1, &s));
		EXPECT_EQ(R | PC, s.satisfied_signals & (R | W | PC));
		EXPECT_EQ(R | PC, s.satisfiable_signals & (R | W | PC));
		ASSERT_EQ(OK, read_msg(h1, buf, sizeof(buf), NULL, NULL));
		EXPECT_STREQ(i == 0 ? "one" : i == 1 ? "two" : "three", buf);
	}
	EXPECT_EQ(PRECOND, MojoReadMessage(h1, NULL, &m));
	ASSERT_EQ(OK, MojoQueryHandleSignalsState(h1, &s));
	EXPECT_EQ(PC, s.satisfied_signals);
	EXPECT_EQ(PC, s.satisfiable_signals & (R | W | PC));
	EXPECT_EQ(OK, MojoClose(h1));
}

TEST(handles_in_messages)
{
	MojoHandle a0, a1, b0, b1, got[2];
	MojoMessageHandle m;
	uint32_t n, nh;
	char buf[16];
	void *p;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a0, &a1));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &b0, &b1));
	/* A pipe cannot carry itself, nor one handle twice. */
	EXPECT_EQ(INVALID, write_msg(a0, "x", 1, (MojoHandle[]){ b1, b1 }, 2));
	ASSERT_EQ(OK, write_msg(a0, "carry", 5, &b1, 1));
	/* Sent: the number means nothing here any more. */
	EXPECT_EQ(INVALID, MojoClose(b1));

	ASSERT_EQ(OK, MojoReadMessage(a1, NULL, &m));
	nh = 0;
	EXPECT_EQ(MOJO_RESULT_RESOURCE_EXHAUSTED, MojoGetMessageData(m, NULL, &p, &n, NULL, &nh));
	EXPECT_EQ(1, nh);
	struct MojoGetMessageDataOptions ignore = {
		.struct_size = sizeof(ignore),
		.flags = MOJO_GET_MESSAGE_DATA_FLAG_IGNORE_HANDLES,
	};
	ASSERT_EQ(OK, MojoGetMessageData(m, &ignore, &p, &n, NULL, NULL));
	EXPECT_EQ(5, n);
	nh = 2;
	ASSERT_EQ(OK, MojoGetMessageData(m, NULL, &p, &n, got, &nh));
	EXPECT_EQ(1, nh);
	EXPECT_EQ(0, memcmp(p, "carry", 5));
	/* The handles were given away once. */
	EXPECT_EQ(MOJO_RESULT_NOT_FOUND, MojoGetMessageData(m, NULL, &p, &n, got, &nh));
	EXPECT_EQ(OK, MojoDestroyMessage(m));

	/* The received endpoint is b1's: it talks to b0. */
	ASSERT_EQ(OK, write_msg(b0, "via", 3, NULL, 0));
	ASSERT_EQ(OK, read_msg(got[0], buf, sizeof(buf), NULL, NULL));
	EXPECT_STREQ("via", buf);
	EXPECT_EQ(OK, MojoClose(got[0]));
	EXPECT_EQ(OK, wait_signals(b0, PC, NULL));
}

TEST(message_owns_its_handles)
{
	MojoHandle a0, a1, b0, b1;
	MojoMessageHandle m;
	void *buf;
	uint32_t cap;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a0, &a1));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &b0, &b1));
	ASSERT_EQ(OK, MojoCreateMessage(NULL, &m));
	ASSERT_EQ(OK, MojoAppendMessageData(m, 0, &b1, 1, &commit_opts, &buf, &cap));
	/* Attached: the caller's number is no longer usable... */
	EXPECT_EQ(INVALID, write_msg(b1, "x", 1, NULL, 0));
	EXPECT_EQ(INVALID, MojoClose(b1));
	/* ...and destroying the message closes it. */
	EXPECT_EQ(OK, MojoDestroyMessage(m));
	EXPECT_EQ(OK, wait_signals(b0, PC, NULL));

	/* A failed write consumes the message and closes what it held. */
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &b0, &b1));
	ASSERT_EQ(OK, MojoClose(a1));
	EXPECT_EQ(PRECOND, write_msg(a0, "x", 1, &b1, 1));
	EXPECT_EQ(OK, wait_signals(b0, PC, NULL));
	/* An invalid pipe too. */
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a1, &b1));
	EXPECT_EQ(INVALID, write_msg(0x7ffffff0, "x", 1, &b1, 1));
	EXPECT_EQ(OK, wait_signals(a1, PC, NULL));
}

TEST(received_message_closes_unextracted_handles)
{
	MojoHandle a0, a1, b0, b1;
	MojoMessageHandle m;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a0, &a1));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &b0, &b1));
	ASSERT_EQ(OK, write_msg(a0, "x", 1, &b1, 1));
	ASSERT_EQ(OK, MojoReadMessage(a1, NULL, &m));
	/* Never taken out: destroying the message closes the handle. */
	EXPECT_EQ(OK, MojoDestroyMessage(m));
	EXPECT_EQ(OK, wait_signals(b0, PC, NULL));
	EXPECT_EQ(OK, MojoClose(b0));
	EXPECT_EQ(OK, MojoClose(a0));
	EXPECT_EQ(OK, MojoClose(a1));
}

TEST(failed_append_leaves_handles_and_message)
{
	MojoHandle a0, a1, p[2 * (MOJO_MAX_MESSAGE_HANDLES / 2 + 1)], got[3];
	const uint32_t np = sizeof(p) / sizeof(p[0]);
	MojoMessageHandle m;
	uint32_t i, nh = 3;
	char out[8];

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a0, &a1));
	for (i = 0; i < np; i += 2)
		ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &p[i], &p[i + 1]));
	ASSERT_EQ(OK, MojoCreateMessage(NULL, &m));

	/* One bad handle among good ones: nothing is attached. */
	MojoHandle mixed[3] = { p[1], 0x7ffffff0, p[3] };

	EXPECT_EQ(INVALID, MojoAppendMessageData(m, 0, mixed, 3, NULL, NULL, NULL));
	mixed[1] = mixed[0];	/* the same handle twice, likewise */
	EXPECT_EQ(INVALID, MojoAppendMessageData(m, 0, mixed, 3, NULL, NULL, NULL));
	EXPECT_EQ(OK, write_msg(p[1], "b", 1, NULL, 0));
	EXPECT_EQ(OK, write_msg(p[3], "d", 1, NULL, 0));
	EXPECT_EQ(OK, read_msg(p[0], out, sizeof(out), NULL, NULL));
	EXPECT_EQ(OK, read_msg(p[2], out, sizeof(out), NULL, NULL));

	/* More than a message may carry (README: 64): refused, likewise. */
	EXPECT_LT(MOJO_MAX_MESSAGE_HANDLES, np - 1);
	EXPECT_EQ(MOJO_RESULT_RESOURCE_EXHAUSTED,
		  MojoAppendMessageData(m, 0, p, MOJO_MAX_MESSAGE_HANDLES + 1, NULL, NULL, NULL));
	EXPECT_EQ(OK, write_msg(p[1], "b", 1, NULL, 0));
	EXPECT_EQ(OK, read_msg(p[0], out, sizeof(out), NULL, NULL));

	/* The message is as it was: it still takes handles and travels. */
	mixed[1] = p[5];
	ASSERT_EQ(OK, MojoAppendMessageData(m, 0, mixed, 1, NULL, NULL, NULL));
	ASSERT_EQ(OK, MojoAppendMessageData(m, 0, &mixed[1], 2, &commit_opts, NULL, NULL));
	EXPECT_EQ(OK, MojoWriteMessage(a0, m, NULL));
	EXPECT_EQ(OK, read_msg(a1, NULL, 0, got, &nh));
	EXPECT_EQ(3, nh);
	for (i = 0; i < nh; i++)
		EXPECT_EQ(OK, MojoClose(got[i]));
	EXPECT_EQ(OK, MojoClose(a0));
	EXPECT_EQ(OK, MojoClose(a1));
}

TEST(resent_message_keeps_extracted_handles)
{
	MojoHandle a0, a1, b0, b1, got = 0;
	MojoMessageHandle m;
	uint32_t n, nh = 1;
	char out[16];
	void *buf;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a0, &a1));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &b0, &b1));
	ASSERT_EQ(OK, write_msg(a0, "m", 1, &b1, 1));
	ASSERT_EQ(OK, MojoReadMessage(a1, NULL, &m));
	ASSERT_EQ(OK, MojoGetMessageData(m, NULL, &buf, &n, &got, &nh));
	ASSERT_EQ(1, nh);
	/* Sent on: the bytes go, the extracted handle stays the caller's. */
	EXPECT_EQ(OK, MojoWriteMessage(a1, m, NULL));
	EXPECT_EQ(OK, write_msg(got, "mine", 4, NULL, 0));
	EXPECT_EQ(OK, read_msg(b0, out, sizeof(out), NULL, NULL));
	EXPECT_STREQ("mine", out);
	nh = 0;
	EXPECT_EQ(OK, read_msg(a0, out, sizeof(out), NULL, &nh));
	EXPECT_STREQ("m", out);
	EXPECT_EQ(0, nh);
	EXPECT_EQ(OK, MojoClose(got));
	EXPECT_EQ(OK, MojoClose(b0));
	EXPECT_EQ(OK, MojoClose(a0));
	EXPECT_EQ(OK, MojoClose(a1));
}

TEST(uncommitted_message_cannot_be_written)
{
	MojoHandle a0, a1, b0, b1;
	MojoMessageHandle m;
	uint32_t cap;
	void *buf;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a0, &a1));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &b0, &b1));
	ASSERT_EQ(OK, MojoCreateMessage(NULL, &m));
	ASSERT_EQ(OK, MojoAppendMessageData(m, 3, &b1, 1, NULL, &buf, &cap));
	memcpy(buf, "abc", 3);
	/* Mojo: not transmittable until its size is committed. */
	EXPECT_EQ(INVALID, MojoWriteMessage(a0, m, NULL));
	EXPECT_EQ(MOJO_RESULT_SHOULD_WAIT, MojoReadMessage(a1, NULL, &m));
	/* Consumed, as any write's message, with the handle it held. */
	EXPECT_EQ(OK, wait_signals(b0, PC, NULL));
	EXPECT_EQ(OK, MojoClose(b0));
	EXPECT_EQ(OK, MojoClose(a0));
	EXPECT_EQ(OK, MojoClose(a1));
}

/* ---- fuse ----------------------------------------------------------------- */

TEST(fuse)
{
	MojoHandle a0, a1, b0, b1;
	char buf[8];

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a0, &a1));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &b0, &b1));
	ASSERT_EQ(OK, MojoFuseMessagePipes(a1, b0, NULL));
	EXPECT_EQ(INVALID, MojoClose(a1));
	EXPECT_EQ(INVALID, MojoClose(b0));
	ASSERT_EQ(OK, write_msg(a0, "ab", 2, NULL, 0));
	ASSERT_EQ(OK, wait_signals(b1, R, NULL));
	ASSERT_EQ(OK, read_msg(b1, buf, sizeof(buf), NULL, NULL));
	EXPECT_STREQ("ab", buf);
	ASSERT_EQ(OK, write_msg(b1, "ba", 2, NULL, 0));
	ASSERT_EQ(OK, wait_signals(a0, R, NULL));
	ASSERT_EQ(OK, read_msg(a0, buf, sizeof(buf), NULL, NULL));
	EXPECT_STREQ("ba", buf);
	EXPECT_EQ(OK, MojoClose(a0));
	EXPECT_EQ(OK, wait_signals(b1, PC, NULL));
	EXPECT_EQ(OK, MojoClose(b1));
}

TEST(fuse_refused_after_write)
{
	MojoHandle a0, a1, b0, b1;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a0, &a1));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &b0, &b1));
	ASSERT_EQ(OK, write_msg(a1, "w", 1, NULL, 0));
	EXPECT_EQ(PRECOND, MojoFuseMessagePipes(a1, b0, NULL));
	/* Both handles are closed all the same. */
	EXPECT_EQ(INVALID, MojoClose(a1));
	EXPECT_EQ(INVALID, MojoClose(b0));
	EXPECT_EQ(OK, wait_signals(b1, PC, NULL));
}

TEST(fuse_invalid_and_closed_peer)
{
	MojoHandle a0, a1, b0, b1, d0, d1;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a0, &a1));
	EXPECT_EQ(INVALID, MojoFuseMessagePipes(a1, 0x7ffffff0, NULL));
	EXPECT_EQ(INVALID, MojoClose(a1));
	ASSERT_EQ(OK, MojoCreateDataPipe(NULL, &d0, &d1));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &b0, &b1));
	EXPECT_EQ(INVALID, MojoFuseMessagePipes(d0, b0, NULL));
	EXPECT_EQ(INVALID, MojoClose(b0));
	/* The two ends of one pipe: a state Mojo refuses; both closed. */
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a0, &a1));
	EXPECT_EQ(PRECOND, MojoFuseMessagePipes(a0, a1, NULL));
	EXPECT_EQ(INVALID, MojoClose(a0));
	EXPECT_EQ(INVALID, MojoClose(a1));

	/* A peer closed before the fuse passes on to the far end. */
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a0, &a1));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &b0, &b1));
	ASSERT_EQ(OK, MojoClose(a0));
	ASSERT_EQ(OK, MojoFuseMessagePipes(a1, b0, NULL));
	EXPECT_EQ(OK, wait_signals(b1, PC, NULL));
}

/*
 * Mojo lets queued messages flow on: what a0 sent to a1 reaches b1, what
 * b1 sent to b0 reaches a0, ahead of what is written after the fuse.
 */
TEST(fuse_with_queued_messages)
{
	MojoHandle a0, a1, b0, b1;
	char buf[8];

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a0, &a1));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &b0, &b1));
	ASSERT_EQ(OK, write_msg(a0, "a-1", 3, NULL, 0));
	ASSERT_EQ(OK, write_msg(b1, "b-1", 3, NULL, 0));
	ASSERT_EQ(OK, MojoFuseMessagePipes(a1, b0, NULL));
	ASSERT_EQ(OK, write_msg(a0, "a-2", 3, NULL, 0));
	ASSERT_EQ(OK, wait_signals(b1, R, NULL));
	ASSERT_EQ(OK, read_msg(b1, buf, sizeof(buf), NULL, NULL));
	EXPECT_STREQ("a-1", buf);
	ASSERT_EQ(OK, read_msg(b1, buf, sizeof(buf), NULL, NULL));
	EXPECT_STREQ("a-2", buf);
	ASSERT_EQ(OK, wait_signals(a0, R, NULL));
	ASSERT_EQ(OK, read_msg(a0, buf, sizeof(buf), NULL, NULL));
	EXPECT_STREQ("b-1", buf);
	EXPECT_EQ(OK, MojoClose(a0));
	EXPECT_EQ(OK, MojoClose(b1));
}

/* A closed writer's last messages flow on, and then its closure. */
TEST(fuse_with_queued_messages_of_a_closed_peer)
{
	struct MojoHandleSignalsState s;
	MojoHandle a0, a1, b0, b1;
	char buf[8];

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a0, &a1));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &b0, &b1));
	ASSERT_EQ(OK, write_msg(a0, "bye", 3, NULL, 0));
	ASSERT_EQ(OK, MojoClose(a0));
	ASSERT_EQ(OK, MojoFuseMessagePipes(a1, b0, NULL));
	ASSERT_EQ(OK, MojoQueryHandleSignalsState(b1, &s));
	EXPECT_EQ(R | PC, s.satisfied_signals & (R | PC));
	ASSERT_EQ(OK, read_msg(b1, buf, sizeof(buf), NULL, NULL));
	EXPECT_STREQ("bye", buf);
	EXPECT_EQ(PRECOND, read_msg(b1, buf, sizeof(buf), NULL, NULL));
	EXPECT_EQ(OK, MojoClose(b1));
}

/* ---- data pipes ----------------------------------------------------------- */

TEST(basic_data_pipe)
{
	struct MojoHandleSignalsState s;
	char buf[20] = { 0 };
	MojoHandle hp, hc;
	const void *rp;
	uint32_t n;
	size_t off;
	void *wp;
	MojoResult r;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateDataPipe(NULL, &hp, &hc));
	ASSERT_EQ(OK, MojoQueryHandleSignalsState(hc, &s));
	EXPECT_EQ(0, s.satisfied_signals);
	EXPECT_EQ(R | PC | NDR, s.satisfiable_signals & (R | PC | NDR));
	ASSERT_EQ(OK, MojoQueryHandleSignalsState(hp, &s));
	EXPECT_EQ(W, s.satisfied_signals);

	n = sizeof(buf);
	EXPECT_EQ(MOJO_RESULT_SHOULD_WAIT, MojoReadData(hc, NULL, buf, &n));
	EXPECT_EQ(MOJO_RESULT_SHOULD_WAIT, MojoBeginReadData(hc, NULL, &rp, &n));

	n = 6;
	ASSERT_EQ(OK, MojoWriteData(hp, "hello ", &n, NULL));
	EXPECT_EQ(6, n);
	ASSERT_EQ(OK, wait_signals(hc, R, &s));
	EXPECT_EQ(R | NDR, s.satisfied_signals);

	n = 0;
	ASSERT_EQ(OK, MojoBeginWriteData(hp, NULL, &wp, &n));
	ASSERT_GE(n, 6);
	memcpy(wp, "world", 6);
	ASSERT_EQ(OK, MojoEndWriteData(hp, 6, NULL));

	n = 1;
	ASSERT_EQ(OK, MojoReadData(hc, NULL, buf, &n));
	EXPECT_EQ(1, n);
	EXPECT_EQ(OK, MojoClose(hp));

	/* Two-phase reads until the producer's end shows. */
	for (off = 1;;) {
		r = MojoBeginReadData(hc, NULL, &rp, &n);
		if (r == PRECOND)
			break;
		ASSERT_EQ(OK, r);
		ASSERT_LE(n, sizeof(buf) - off);
		memcpy(buf + off, rp, n);
		ASSERT_EQ(OK, MojoEndReadData(hc, n, NULL));
		off += n;
	}
	EXPECT_STREQ("hello world", buf);
	EXPECT_EQ(PRECOND, wait_signals(hc, R, &s));
	EXPECT_EQ(PC, s.satisfied_signals);
	EXPECT_EQ(PC, s.satisfiable_signals);
	EXPECT_EQ(OK, MojoClose(hc));
}

TEST(data_pipe_options_and_flags)
{
	struct MojoCreateDataPipeOptions o = { .struct_size = sizeof(o) };
	struct MojoWriteDataOptions all = { sizeof(all), MOJO_WRITE_DATA_FLAG_ALL_OR_NONE };
	struct MojoReadDataOptions rd = { sizeof(rd), 0 };
	uint8_t buf[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	MojoHandle hp, hc;
	uint32_t n;

	ASSERT_EQ(OK, init());
	o.element_num_bytes = 0;
	EXPECT_EQ(INVALID, MojoCreateDataPipe(&o, &hp, &hc));
	o.element_num_bytes = 4;
	o.capacity_num_bytes = 10;
	EXPECT_EQ(INVALID, MojoCreateDataPipe(&o, &hp, &hc));
	o.flags = 1;
	o.capacity_num_bytes = 8;
	EXPECT_EQ(MOJO_RESULT_UNIMPLEMENTED, MojoCreateDataPipe(&o, &hp, &hc));
	o.flags = 0;
	ASSERT_EQ(OK, MojoCreateDataPipe(&o, &hp, &hc));

	n = 3;	/* not a whole element */
	EXPECT_EQ(INVALID, MojoWriteData(hp, buf, &n, NULL));
	n = 12;
	EXPECT_EQ(MOJO_RESULT_OUT_OF_RANGE, MojoWriteData(hp, buf, &n, &all));
	n = 12;
	ASSERT_EQ(OK, MojoWriteData(hp, buf, &n, NULL));
	EXPECT_EQ(8, n);
	n = 4;
	EXPECT_EQ(MOJO_RESULT_SHOULD_WAIT, MojoWriteData(hp, buf, &n, NULL));

	rd.flags = MOJO_READ_DATA_FLAG_QUERY;
	n = 0;
	ASSERT_EQ(OK, MojoReadData(hc, &rd, NULL, &n));
	EXPECT_EQ(8, n);
	rd.flags = MOJO_READ_DATA_FLAG_PEEK;
	n = 4;
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(OK, MojoReadData(hc, &rd, buf, &n));
	EXPECT_EQ(1, buf[0]);
	rd.flags = MOJO_READ_DATA_FLAG_DISCARD | MOJO_READ_DATA_FLAG_PEEK;
	EXPECT_EQ(INVALID, MojoReadData(hc, &rd, buf, &n));
	rd.flags = MOJO_READ_DATA_FLAG_DISCARD;
	n = 4;
	ASSERT_EQ(OK, MojoReadData(hc, &rd, NULL, &n));
	EXPECT_EQ(4, n);
	rd.flags = MOJO_READ_DATA_FLAG_ALL_OR_NONE;
	n = 8;
	EXPECT_EQ(MOJO_RESULT_OUT_OF_RANGE, MojoReadData(hc, &rd, buf, &n));
	n = 4;
	ASSERT_EQ(OK, MojoReadData(hc, &rd, buf, &n));
	EXPECT_EQ(5, buf[0]);
	EXPECT_EQ(8, buf[3]);

	/* The consumer gone, the producer cannot write. */
	EXPECT_EQ(OK, MojoClose(hc));
	n = 4;
	EXPECT_EQ(PRECOND, MojoWriteData(hp, buf, &n, NULL));
	EXPECT_EQ(OK, MojoClose(hp));
}

TEST(two_phase_rules)
{
	struct MojoCreateDataPipeOptions o = {
		.struct_size = sizeof(o), .element_num_bytes = 1, .capacity_num_bytes = 64,
	};
	struct MojoBeginWriteDataOptions all = {
		sizeof(all), MOJO_BEGIN_WRITE_DATA_FLAG_ALL_OR_NONE,
	};
	MojoHandle hp, hc;
	const void *rp;
	uint32_t n;
	void *wp;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateDataPipe(&o, &hp, &hc));
	EXPECT_EQ(PRECOND, MojoEndWriteData(hp, 0, NULL));
	n = 65;
	EXPECT_EQ(MOJO_RESULT_OUT_OF_RANGE, MojoBeginWriteData(hp, &all, &wp, &n));
	n = 0;
	ASSERT_EQ(OK, MojoBeginWriteData(hp, NULL, &wp, &n));
	EXPECT_EQ(64, n);
	EXPECT_EQ(MOJO_RESULT_BUSY, MojoBeginWriteData(hp, NULL, &wp, &n));
	n = 1;
	EXPECT_EQ(MOJO_RESULT_BUSY, MojoWriteData(hp, "x", &n, NULL));
	/* Above the grant: the operation ends, nothing is committed. */
	EXPECT_EQ(INVALID, MojoEndWriteData(hp, 65, NULL));
	EXPECT_EQ(PRECOND, MojoEndWriteData(hp, 0, NULL));
	n = 0;
	ASSERT_EQ(OK, MojoBeginWriteData(hp, NULL, &wp, &n));
	memcpy(wp, "abc", 3);
	ASSERT_EQ(OK, MojoEndWriteData(hp, 3, NULL));

	ASSERT_EQ(OK, MojoBeginReadData(hc, NULL, &rp, &n));
	EXPECT_EQ(3, n);
	EXPECT_EQ(0, memcmp(rp, "abc", 3));
	EXPECT_EQ(MOJO_RESULT_BUSY, MojoBeginReadData(hc, NULL, &rp, &n));
	n = 1;
	EXPECT_EQ(MOJO_RESULT_BUSY, MojoReadData(hc, NULL, (void *)&n, &n));
	ASSERT_EQ(OK, MojoEndReadData(hc, 1, NULL));
	ASSERT_EQ(OK, MojoBeginReadData(hc, NULL, &rp, &n));
	EXPECT_EQ(2, n);
	EXPECT_EQ(0, memcmp(rp, "bc", 2));
	ASSERT_EQ(OK, MojoEndReadData(hc, 2, NULL));
	EXPECT_EQ(OK, MojoClose(hp));
	EXPECT_EQ(OK, MojoClose(hc));
}

/* Mappings of the node (/dev/mojoports) in this process. */
static int ring_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "mojoports"))
			n++;
	fclose(f);
	return n;
}

TEST(ring_mapping_follows_the_handle)
{
	MojoHandle hp, hc, a0, a1, got;
	const void *rp;
	uint32_t n, nh = 1;
	void *wp;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateDataPipe(NULL, &hp, &hc));
	EXPECT_EQ(0, ring_mappings());
	n = 0;
	ASSERT_EQ(OK, MojoBeginWriteData(hp, NULL, &wp, &n));
	memcpy(wp, "ring", 4);
	ASSERT_EQ(OK, MojoEndWriteData(hp, 4, NULL));
	EXPECT_EQ(1, ring_mappings());
	ASSERT_EQ(OK, MojoBeginReadData(hc, NULL, &rp, &n));
	ASSERT_EQ(OK, MojoEndReadData(hc, 0, NULL));
	EXPECT_EQ(2, ring_mappings());

	/* Closing the producer drops its mapping. */
	EXPECT_EQ(OK, MojoClose(hp));
	EXPECT_EQ(1, ring_mappings());

	/* Sending the consumer drops its mapping; the receiver maps anew. */
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a0, &a1));
	ASSERT_EQ(OK, write_msg(a0, NULL, 0, &hc, 1));
	EXPECT_EQ(0, ring_mappings());
	ASSERT_EQ(OK, read_msg(a1, NULL, 0, &got, &nh));
	ASSERT_EQ(1, nh);
	ASSERT_EQ(OK, MojoBeginReadData(got, NULL, &rp, &n));
	ASSERT_EQ(4, n);
	EXPECT_EQ(0, memcmp(rp, "ring", 4));
	ASSERT_EQ(OK, MojoEndReadData(got, 4, NULL));
	EXPECT_EQ(1, ring_mappings());
	EXPECT_EQ(OK, MojoClose(got));
	EXPECT_EQ(0, ring_mappings());
}

/* ---- shared buffers --------------------------------------------------- */

/* The permissions of the mapping that holds @p, e.g. "rw-s". */
static void perms_of(void *p, char out[5])
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi;
	char line[512], perm[5];

	strcpy(out, "?");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perm) == 3 &&
		    (unsigned long)p >= lo && (unsigned long)p < hi) {
			strcpy(out, perm);
			break;
		}
	}
	fclose(f);
}

TEST(basic_shared_buffer)
{
	struct MojoSharedBufferInfo info = { .struct_size = sizeof(info) };
	MojoHandle h0 = MOJO_HANDLE_INVALID, h1 = MOJO_HANDLE_INVALID;
	void *p = NULL;

	ASSERT_EQ(OK, init());
	EXPECT_EQ(INVALID, MojoGetBufferInfo(h0, NULL, &info));
	ASSERT_EQ(OK, MojoCreateSharedBuffer(100, NULL, &h0));
	EXPECT_NE(MOJO_HANDLE_INVALID, h0);
	EXPECT_EQ(INVALID, MojoGetBufferInfo(h0, NULL, NULL));
	ASSERT_EQ(OK, MojoGetBufferInfo(h0, NULL, &info));
	EXPECT_GE(info.size, 100);

	ASSERT_EQ(OK, MojoMapBuffer(h0, 0, 100, NULL, &p));
	((char *)p)[50] = 'x';
	ASSERT_EQ(OK, MojoDuplicateBufferHandle(h0, NULL, &h1));
	EXPECT_NE(MOJO_HANDLE_INVALID, h1);
	EXPECT_EQ(OK, MojoClose(h0));
	((char *)p)[51] = 'y';	/* the mapping outlives the handle */
	EXPECT_EQ(OK, MojoUnmapBuffer(p));
	EXPECT_EQ(INVALID, MojoUnmapBuffer(p));

	ASSERT_EQ(OK, MojoMapBuffer(h1, 50, 50, NULL, &p));
	EXPECT_EQ('x', ((char *)p)[0]);
	EXPECT_EQ('y', ((char *)p)[1]);
	EXPECT_EQ(OK, MojoUnmapBuffer(p));
	EXPECT_EQ(INVALID, MojoMapBuffer(h1, 50, 51, NULL, &p));
	EXPECT_EQ(INVALID, MojoMapBuffer(h1, 0, 0, NULL, &p));
	info.size = 0;
	ASSERT_EQ(OK, MojoGetBufferInfo(h1, NULL, &info));
	EXPECT_GE(info.size, 100);
	struct MojoHandleSignalsState st = { 1, 1 };

	EXPECT_EQ(OK, MojoQueryHandleSignalsState(h1, &st));
	EXPECT_EQ(0, st.satisfied_signals | st.satisfiable_signals);
	EXPECT_EQ(OK, MojoClose(h1));
	EXPECT_EQ(INVALID, MojoQueryHandleSignalsState(h1, &st));
	EXPECT_EQ(INVALID, MojoCreateSharedBuffer(0, NULL, &h0));
}

TEST(shared_buffer_read_only)
{
	struct MojoDuplicateBufferHandleOptions ro = {
		sizeof(ro), MOJO_DUPLICATE_BUFFER_HANDLE_FLAG_READ_ONLY,
	};
	MojoHandle h, hro, h2, pipe0, pipe1;
	void *w, *r, *w2;
	char perm[5];

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateSharedBuffer(4096, NULL, &h));
	ASSERT_EQ(OK, MojoMapBuffer(h, 0, 4096, NULL, &w));
	perms_of(w, perm);
	EXPECT_STREQ("rw-s", perm);
	strcpy(w, "before");
	ASSERT_EQ(OK, MojoDuplicateBufferHandle(h, &ro, &hro));
	ASSERT_EQ(OK, MojoMapBuffer(hro, 0, 4096, NULL, &r));
	perms_of(r, perm);
	EXPECT_STREQ("r--s", perm);
	EXPECT_STREQ("before", (char *)r);
	/* The writable mapping made before keeps writing; readers see it. */
	strcpy(w, "after");
	EXPECT_STREQ("after", (char *)r);
	/* From now on the buffer is read-only through every handle. */
	EXPECT_EQ(PRECOND, MojoDuplicateBufferHandle(h, NULL, &h2));
	ASSERT_EQ(OK, MojoDuplicateBufferHandle(hro, &ro, &h2));
	ASSERT_EQ(OK, MojoMapBuffer(h, 0, 4096, NULL, &w2));
	perms_of(w2, perm);
	EXPECT_STREQ("r--s", perm);
	EXPECT_EQ(OK, MojoUnmapBuffer(w2));

	/* A plain duplicate first: then never read-only. */
	ASSERT_EQ(OK, MojoCreateSharedBuffer(4096, NULL, &h2));
	ASSERT_EQ(OK, MojoDuplicateBufferHandle(h2, NULL, &pipe0));
	EXPECT_EQ(PRECOND, MojoDuplicateBufferHandle(h2, &ro, &pipe1));

	/* A read-only handle travels; from the append on it is the message's. */
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &pipe0, &pipe1));
	EXPECT_EQ(OK, write_msg(pipe0, NULL, 0, &hro, 1));
	EXPECT_EQ(INVALID, MojoClose(hro));
	EXPECT_EQ(OK, MojoClose(pipe0));
	EXPECT_EQ(OK, MojoClose(pipe1));
	EXPECT_EQ(OK, MojoUnmapBuffer(w));
	EXPECT_EQ(OK, MojoUnmapBuffer(r));
}

/* ---- traps --------------------------------------------------------------- */

struct events {
	pthread_mutex_t lock;
	int count, cancelled, depth, max_depth;
	struct MojoTrapEvent last;
	MojoTrapEventFlags cancel_flags;
	MojoHandle close_in_handler;
};

static struct events ev = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void record(const struct MojoTrapEvent *e)
{
	pthread_mutex_lock(&ev.lock);
	ev.depth++;
	if (ev.depth > ev.max_depth)
		ev.max_depth = ev.depth;
	if (e->result == MOJO_RESULT_CANCELLED) {
		ev.cancelled++;
		ev.cancel_flags = e->flags;
	} else {
		ev.count++;
		ev.last = *e;
	}
	pthread_mutex_unlock(&ev.lock);
	if (e->result != MOJO_RESULT_CANCELLED && ev.close_in_handler) {
		MojoHandle h = ev.close_in_handler;

		ev.close_in_handler = 0;
		MojoClose(h);	/* its cancellation must wait for us to return */
	}
	pthread_mutex_lock(&ev.lock);
	ev.depth--;
	pthread_mutex_unlock(&ev.lock);
}

static int events_seen(int want)
{
	int i, n = 0;

	for (i = 0; i < 500; i++) {
		pthread_mutex_lock(&ev.lock);
		n = ev.count;
		pthread_mutex_unlock(&ev.lock);
		if (n >= want)
			break;
		usleep(10000);
	}
	return n;
}

TEST(trap_fires_once_when_armed)
{
	MojoHandle h0, h1, trap;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &h0, &h1));
	EXPECT_EQ(INVALID, MojoCreateTrap(NULL, NULL, &trap));
	ASSERT_EQ(OK, MojoCreateTrap(record, NULL, &trap));
	EXPECT_EQ(MOJO_RESULT_NOT_FOUND, MojoArmTrap(trap, NULL, NULL, NULL));
	ASSERT_EQ(OK, MojoAddTrigger(trap, h0, R, MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED,
				     42, NULL));
	EXPECT_EQ(MOJO_RESULT_ALREADY_EXISTS,
		  MojoAddTrigger(trap, h1, R, MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED, 42, NULL));
	EXPECT_EQ(INVALID, MojoAddTrigger(trap, h1, R, 7, 43, NULL));
	EXPECT_EQ(INVALID, MojoAddTrigger(h0, h1, R, MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED,
					  43, NULL));
	/* A trap has no signals: an empty state, as for any such handle. */
	struct MojoHandleSignalsState none = { 1, 1 };

	EXPECT_EQ(OK, MojoQueryHandleSignalsState(trap, &none));
	EXPECT_EQ(0, none.satisfied_signals);
	EXPECT_EQ(0, none.satisfiable_signals);

	/*
	 * Not armed: nothing fires. An event that does not come cannot be
	 * waited for: such checks give the callback thread 50 ms, far more
	 * than it takes to run a queued event on an idle machine. Under
	 * heavy load a wrong event may come later and be missed (a false
	 * pass), never the other way round.
	 */
	ASSERT_EQ(OK, write_msg(h1, "a", 1, NULL, 0));
	usleep(50000);
	EXPECT_EQ(0, events_seen(0));
	ASSERT_EQ(OK, read_msg(h0, NULL, 0, NULL, NULL));

	ASSERT_EQ(OK, MojoArmTrap(trap, NULL, NULL, NULL));
	ASSERT_EQ(OK, write_msg(h1, "b", 1, NULL, 0));
	ASSERT_EQ(1, events_seen(1));
	EXPECT_EQ(42, ev.last.trigger_context);
	EXPECT_EQ(OK, ev.last.result);
	EXPECT_EQ(sizeof(struct MojoTrapEvent), ev.last.struct_size);
	EXPECT_EQ(R | W, ev.last.signals_state.satisfied_signals);

	/* Fired: disarmed until armed again. */
	ASSERT_EQ(OK, read_msg(h0, NULL, 0, NULL, NULL));
	ASSERT_EQ(OK, write_msg(h1, "c", 1, NULL, 0));
	usleep(50000);	/* nothing to wait for: see "Not armed" above */
	EXPECT_EQ(1, events_seen(1));

	/* Armed with the trigger met: refused, and the met trigger said. */
	struct MojoTrapEvent blocking[2];
	uint32_t n = 2;

	EXPECT_EQ(INVALID, MojoArmTrap(trap, NULL, &n, NULL));
	EXPECT_EQ(PRECOND, MojoArmTrap(trap, NULL, &n, blocking));
	ASSERT_EQ(1, n);
	EXPECT_EQ(42, blocking[0].trigger_context);
	EXPECT_EQ(OK, blocking[0].result);
	EXPECT_EQ(R | W, blocking[0].signals_state.satisfied_signals);
	EXPECT_EQ(1, ev.max_depth);

	/* Closing the trap cancels its trigger, before it returns. */
	EXPECT_EQ(0, ev.cancelled);
	EXPECT_EQ(OK, MojoClose(trap));
	EXPECT_EQ(1, ev.cancelled);
	EXPECT_EQ(MOJO_TRAP_EVENT_FLAG_WITHIN_API_CALL, ev.cancel_flags);
	EXPECT_EQ(INVALID, MojoClose(trap));
}

TEST(trap_unsatisfiable_and_unsatisfied)
{
	MojoHandle h0, h1, trap;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &h0, &h1));
	ASSERT_EQ(OK, MojoCreateTrap(record, NULL, &trap));
	ASSERT_EQ(OK, MojoAddTrigger(trap, h0, R, MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED,
				     1, NULL));
	ASSERT_EQ(OK, MojoArmTrap(trap, NULL, NULL, NULL));
	/* The peer goes with nothing queued: READABLE can never come. */
	ASSERT_EQ(OK, MojoClose(h1));
	ASSERT_EQ(1, events_seen(1));
	EXPECT_EQ(1, ev.last.trigger_context);
	EXPECT_EQ(PRECOND, ev.last.result);
	EXPECT_EQ(PC, ev.last.signals_state.satisfied_signals);
	EXPECT_EQ(OK, MojoRemoveTrigger(trap, 1, NULL));
	EXPECT_EQ(1, ev.cancelled);
	EXPECT_EQ(MOJO_RESULT_NOT_FOUND, MojoRemoveTrigger(trap, 1, NULL));
	EXPECT_EQ(OK, MojoClose(h0));

	/* UNSATISFIED: fires when WRITABLE goes away. */
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &h0, &h1));
	ASSERT_EQ(OK, MojoAddTrigger(trap, h0, W, MOJO_TRIGGER_CONDITION_SIGNALS_UNSATISFIED,
				     2, NULL));
	ASSERT_EQ(OK, MojoArmTrap(trap, NULL, NULL, NULL));
	ASSERT_EQ(OK, MojoClose(h1));
	ASSERT_EQ(2, events_seen(2));
	EXPECT_EQ(2, ev.last.trigger_context);
	EXPECT_EQ(OK, ev.last.result);
	/* Closing the watched handle cancels the trigger at once. */
	EXPECT_EQ(OK, MojoClose(h0));
	EXPECT_EQ(2, ev.cancelled);
	EXPECT_EQ(MOJO_RESULT_NOT_FOUND, MojoArmTrap(trap, NULL, NULL, NULL));
	EXPECT_EQ(OK, MojoClose(trap));
	EXPECT_EQ(2, ev.cancelled);
}

TEST(trap_handler_closing_its_handle)
{
	MojoHandle h0, h1, trap;
	int i;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &h0, &h1));
	ASSERT_EQ(OK, MojoCreateTrap(record, NULL, &trap));
	ASSERT_EQ(OK, MojoAddTrigger(trap, h0, R, MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED,
				     7, NULL));
	ASSERT_EQ(OK, MojoArmTrap(trap, NULL, NULL, NULL));
	ev.close_in_handler = h0;
	ASSERT_EQ(OK, write_msg(h1, "a", 1, NULL, 0));
	ASSERT_EQ(1, events_seen(1));
	for (i = 0; i < 500 && !ev.cancelled; i++)
		usleep(10000);
	/* Cancelled after the handler returned: never nested in it. */
	EXPECT_EQ(1, ev.cancelled);
	EXPECT_EQ(1, ev.max_depth);
	EXPECT_EQ(MOJO_TRAP_EVENT_FLAG_NONE, ev.cancel_flags);
	EXPECT_EQ(INVALID, MojoClose(h0));
	EXPECT_EQ(OK, MojoClose(trap));
	EXPECT_EQ(1, ev.cancelled);
	EXPECT_EQ(OK, MojoClose(h1));
}

TEST(trap_contexts_per_trap)
{
	MojoHandle a0, a1, b0, b1, t1, t2;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a0, &a1));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &b0, &b1));
	ASSERT_EQ(OK, MojoCreateTrap(record, NULL, &t1));
	ASSERT_EQ(OK, MojoCreateTrap(record, NULL, &t2));
	/* A context is unique within its trap only. */
	ASSERT_EQ(OK, MojoAddTrigger(t1, a0, R, MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED,
				     5, NULL));
	ASSERT_EQ(OK, MojoAddTrigger(t2, b0, R, MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED,
				     5, NULL));
	ASSERT_EQ(OK, MojoArmTrap(t2, NULL, NULL, NULL));
	ASSERT_EQ(OK, MojoArmTrap(t1, NULL, NULL, NULL));
	ASSERT_EQ(OK, write_msg(b1, "b", 1, NULL, 0));
	ASSERT_EQ(1, events_seen(1));
	EXPECT_EQ(5, ev.last.trigger_context);
	/* t1's trigger did not fire: its trap is still armed. */
	ASSERT_EQ(OK, MojoRemoveTrigger(t2, 5, NULL));
	EXPECT_EQ(1, ev.cancelled);
	ASSERT_EQ(OK, write_msg(a1, "a", 1, NULL, 0));
	ASSERT_EQ(2, events_seen(2));
	/* Sending a watched handle away cancels its trigger too. */
	ASSERT_EQ(OK, write_msg(b1, NULL, 0, &a0, 1));
	EXPECT_EQ(2, ev.cancelled);
	EXPECT_EQ(OK, MojoClose(t1));
	EXPECT_EQ(OK, MojoClose(t2));
	EXPECT_EQ(2, ev.cancelled);
}

/*
 * The usual Mojo watcher: a handler that drains the pipe and re-arms its
 * trap from inside, while another thread writes. Removing the trigger
 * meanwhile must end it: CANCELLED once, last, after which the handler
 * never runs again for it, and never two handlers at once.
 */
static struct {
	pthread_mutex_t lock;
	MojoHandle h, trap;
	int fired, after_cancel, cancels, running, overlap;
	bool cancelled;
} load = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void drain_and_rearm(const struct MojoTrapEvent *e)
{
	MojoMessageHandle m;
	MojoResult r;

	pthread_mutex_lock(&load.lock);
	if (load.running++)
		load.overlap++;
	if (load.cancelled)
		load.after_cancel++;
	if (e->result == MOJO_RESULT_CANCELLED) {
		load.cancels++;
		load.cancelled = true;
		load.running--;
		pthread_mutex_unlock(&load.lock);
		return;
	}
	load.fired++;
	pthread_mutex_unlock(&load.lock);
	do {
		while (MojoReadMessage(load.h, NULL, &m) == OK)
			MojoDestroyMessage(m);
		r = MojoArmTrap(load.trap, NULL, NULL, NULL);
	} while (r == PRECOND);
	pthread_mutex_lock(&load.lock);
	load.running--;
	pthread_mutex_unlock(&load.lock);
}

static volatile bool writer_stop;

static void *writer(void *arg)
{
	MojoHandle h = *(MojoHandle *)arg;

	while (!writer_stop) {
		if (write_msg(h, "x", 1, NULL, 0) != OK)
			break;
		usleep(200);
	}
	return NULL;
}

TEST(trap_rearmed_by_its_handler_under_load)
{
	MojoHandle h1;
	pthread_t t;
	int fired, i;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &load.h, &h1));
	/* Room for every message, whatever the reader's pace. */
	ASSERT_EQ(OK, MojoSetQuota(load.h, MOJO_QUOTA_TYPE_RECEIVE_QUEUE_LENGTH,
				   MOJO_QUOTA_LIMIT_NONE, NULL));
	ASSERT_EQ(OK, MojoCreateTrap(drain_and_rearm, NULL, &load.trap));
	ASSERT_EQ(OK, MojoAddTrigger(load.trap, load.h, R,
				     MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED, 9, NULL));
	ASSERT_EQ(OK, MojoArmTrap(load.trap, NULL, NULL, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, writer, &h1));
	for (i = 0; i < 2000; i++) {
		usleep(5000);
		pthread_mutex_lock(&load.lock);
		fired = load.fired;
		pthread_mutex_unlock(&load.lock);
		if (fired >= 20)
			break;
	}
	EXPECT_GE(fired, 20);
	/* Cut it off mid-stream. */
	ASSERT_EQ(OK, MojoRemoveTrigger(load.trap, 9, NULL));
	pthread_mutex_lock(&load.lock);
	EXPECT_EQ(1, load.cancels);
	pthread_mutex_unlock(&load.lock);
	usleep(50000);	/* writes go on after the removal */
	writer_stop = true;
	pthread_join(t, NULL);
	/* Time for a wrongly queued event to show (it could come later). */
	usleep(100000);
	pthread_mutex_lock(&load.lock);
	EXPECT_EQ(1, load.cancels);
	EXPECT_EQ(0, load.after_cancel);
	EXPECT_EQ(0, load.overlap);
	pthread_mutex_unlock(&load.lock);
	EXPECT_EQ(OK, MojoClose(load.trap));
	EXPECT_EQ(OK, MojoClose(load.h));
	EXPECT_EQ(OK, MojoClose(h1));
}

TEST(shutdown_cancels_triggers)
{
	struct MojoShutdownOptions o = { sizeof(o), 0 };
	MojoHandle h0, h1, trap;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &h0, &h1));
	ASSERT_EQ(OK, MojoCreateTrap(record, NULL, &trap));
	ASSERT_EQ(OK, MojoAddTrigger(trap, h0, R, MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED,
				     3, NULL));
	EXPECT_EQ(OK, MojoShutdown(&o));
	EXPECT_EQ(1, ev.cancelled);
	EXPECT_EQ(PRECOND, MojoShutdown(&o));
}

static MojoHandle closing_trap;

static void close_own_trap(const struct MojoTrapEvent *e)
{
	record(e);
	if (e->result == OK && closing_trap) {
		MojoHandle t = closing_trap;

		closing_trap = 0;
		MojoClose(t);	/* its cancellations come after we return */
	}
}

TEST(trap_on_a_data_pipe_and_closed_by_its_handler)
{
	MojoHandle hp, hc, trap;
	uint32_t n = 3;
	int i;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateDataPipe(NULL, &hp, &hc));
	ASSERT_EQ(OK, MojoCreateTrap(close_own_trap, NULL, &trap));
	ASSERT_EQ(OK, MojoAddTrigger(trap, hc, R, MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED,
				     11, NULL));
	ASSERT_EQ(OK, MojoAddTrigger(trap, hp, PC, MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED,
				     12, NULL));
	ASSERT_EQ(OK, MojoArmTrap(trap, NULL, NULL, NULL));
	closing_trap = trap;
	ASSERT_EQ(OK, MojoWriteData(hp, "abc", &n, NULL));
	ASSERT_EQ(1, events_seen(1));
	EXPECT_EQ(11, ev.last.trigger_context);
	EXPECT_EQ(R | NDR, ev.last.signals_state.satisfied_signals);
	/* Both triggers end with the trap, after the handler returned. */
	for (i = 0; i < 500 && ev.cancelled < 2; i++)
		usleep(10000);
	EXPECT_EQ(2, ev.cancelled);
	EXPECT_EQ(1, ev.max_depth);
	EXPECT_EQ(INVALID, MojoClose(trap));
	EXPECT_EQ(OK, MojoClose(hp));
	EXPECT_EQ(OK, MojoClose(hc));
	EXPECT_EQ(1, ev.count);
}

TEST(busy_data_pipe_cannot_travel)
{
	MojoHandle hp, hc, a0, a1;
	MojoMessageHandle m;
	const void *rp;
	uint32_t n = 0;
	char c = 0;
	void *wp;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateDataPipe(NULL, &hp, &hc));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a0, &a1));
	ASSERT_EQ(OK, MojoCreateMessage(NULL, &m));
	ASSERT_EQ(OK, MojoBeginWriteData(hp, NULL, &wp, &n));
	ASSERT_LE(2, n);
	/* In a two-phase write: BUSY, and the handle and pointer stay. */
	EXPECT_EQ(MOJO_RESULT_BUSY,
		  MojoAppendMessageData(m, 0, &hp, 1, &commit_opts, NULL, NULL));
	memcpy(wp, "z", 1);
	EXPECT_EQ(OK, MojoEndWriteData(hp, 1, NULL));
	n = 1;
	EXPECT_EQ(OK, MojoReadData(hc, NULL, &c, &n));
	EXPECT_EQ('z', c);
	/* An END above the grant ends the operation too. */
	ASSERT_EQ(OK, MojoBeginWriteData(hp, NULL, &wp, &n));
	EXPECT_EQ(INVALID, MojoEndWriteData(hp, n + 1, NULL));
	EXPECT_EQ(PRECOND, MojoEndWriteData(hp, 0, NULL));

	/* The consumer in a two-phase read likewise. */
	n = 1;
	ASSERT_EQ(OK, MojoWriteData(hp, "y", &n, NULL));
	ASSERT_EQ(OK, wait_signals(hc, R, NULL));
	ASSERT_EQ(OK, MojoBeginReadData(hc, NULL, &rp, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(MOJO_RESULT_BUSY,
		  MojoAppendMessageData(m, 0, &hc, 1, &commit_opts, NULL, NULL));
	EXPECT_EQ('y', *(const char *)rp);
	EXPECT_EQ(OK, MojoEndReadData(hc, 1, NULL));

	/* Ended: both can travel. */
	MojoHandle both[2] = { hp, hc };

	EXPECT_EQ(OK, MojoAppendMessageData(m, 0, both, 2, &commit_opts, NULL, NULL));
	EXPECT_EQ(OK, MojoWriteMessage(a0, m, NULL));
	EXPECT_EQ(OK, MojoClose(a0));
	EXPECT_EQ(OK, MojoClose(a1));
}

/* ---- a call caught in the middle of the library's kernel call ------------ */

/*
 * To put another thread's call between the library's own bookkeeping and
 * the kernel's, a test stops its thread's next ioctl() of one request
 * at the kernel's door: a seccomp filter hands that system call to a
 * supervising thread (a user notification), which runs @at and then lets
 * the call go on, unchanged. The library is loaded with RTLD_DEEPBIND, as
 * Mojo loads its core, so ioctl() itself cannot be interposed. Threads
 * made before the filter (the supervisor, the trap callback thread) and
 * those they make are not filtered. A kernel without
 * CONFIG_SECCOMP_FILTER skips them (the matrix's three have it).
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	int fd;			/* the listener: -1 until set, -2 none */
	bool ran;
	void (*at)(void);
	uint64_t hide;		/* MOJO_IOC_VERSION answered without these */
} hook = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
	   .fd = -1 };

static void *hook_main(void *arg)
{
	struct seccomp_notif_resp resp;
	struct seccomp_notif req;
	int fd;

	(void)arg;
	pthread_mutex_lock(&hook.lock);
	while (hook.fd == -1)
		pthread_cond_wait(&hook.cond, &hook.lock);
	fd = hook.fd;
	pthread_mutex_unlock(&hook.lock);
	if (fd < 0)
		return NULL;
	for (;;) {
		memset(&req, 0, sizeof(req));
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			return NULL;
		}
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		if (hook.hide) {
			/*
			 * Made here, in the same address space, by a thread
			 * the filter does not cover; the caller gets its result
			 * with the hidden features cleared.
			 */
			struct mojo_version_args *v = (void *)(uintptr_t)req.data.args[2];

			if (ioctl((int)req.data.args[0], MOJO_IOC_VERSION, v) < 0) {
				resp.error = -errno;
			} else {
				v->features &= ~hook.hide;
				__atomic_store_n(&hook.ran, true, __ATOMIC_SEQ_CST);
			}
			ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
			continue;
		}
		if (!hook.ran) {
			hook.at();
			__atomic_store_n(&hook.ran, true, __ATOMIC_SEQ_CST);
		}
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}

/* Run @at before this thread's next ioctl(@request) goes on; false: no seccomp. */
static bool hook_install(unsigned int request, void (*at)(void))
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 3),
		/* The request's low 32 bits (x86-64 is little-endian). */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, request, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	int fd = -2;

	hook.at = at;
	if (pthread_create(&hook.thread, NULL, hook_main, NULL))
		return false;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		fd = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
			     SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	pthread_mutex_lock(&hook.lock);
	hook.fd = fd < 0 ? -2 : fd;
	pthread_cond_broadcast(&hook.cond);
	pthread_mutex_unlock(&hook.lock);
	return fd >= 0;
}

/*
 * A module without MOJO_FEATURE_WRAP_FD, as the core sees it: this
 * thread's MOJO_IOC_VERSION is answered by the supervisor with that bit
 * cleared. Platform handles and buffers in messages are then
 * UNIMPLEMENTED (README); the fd given to Wrap is still Mojo's and
 * closed; message pipes work.
 */
TEST(without_wrap_fd_platform_handles_are_unimplemented)
{
	struct MojoPlatformHandle ph = {
		sizeof(ph), MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR, 0,
	};
	MojoHandle h, a, b, buffer;
	char buf[8];
	int fds[2];

	hook.hide = MOJO_FEATURE_WRAP_FD;
	if (!hook_install(MOJO_IOC_VERSION, NULL))
		SKIP(return, "no seccomp user notification");
	ASSERT_EQ(OK, init());
	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	ph.value = (uint64_t)fds[1];
	EXPECT_EQ(MOJO_RESULT_UNIMPLEMENTED, MojoWrapPlatformHandle(&ph, NULL, &h));
	ASSERT_TRUE(hook.ran);	/* the core asked, and was answered */
	EXPECT_EQ(-1, fcntl(fds[1], F_GETFD));	/* Mojo took the fd */
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a, &b));
	memset(&ph, 0, sizeof(ph));
	ph.struct_size = sizeof(ph);
	EXPECT_EQ(MOJO_RESULT_UNIMPLEMENTED, MojoUnwrapPlatformHandle(a, NULL, &ph));
	/* A shared buffer works in the process; it cannot travel. */
	ASSERT_EQ(OK, MojoCreateSharedBuffer(64, NULL, &buffer));
	EXPECT_EQ(MOJO_RESULT_UNIMPLEMENTED, write_msg(a, "b", 1, &buffer, 1));
	EXPECT_EQ(OK, MojoClose(buffer));
	/* Message pipes are untouched. */
	ASSERT_EQ(OK, write_msg(a, "still", 5, NULL, 0));
	ASSERT_EQ(OK, read_msg(b, buf, sizeof(buf), NULL, NULL));
	EXPECT_STREQ("still", buf);
	close(fds[0]);
}

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t closer;
	MojoHandle trap, h;
	bool closed;
	int cancels, others;
	MojoResult added;
	void *junk;
} mid = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void mid_handler(const struct MojoTrapEvent *e)
{
	if (e->result == MOJO_RESULT_CANCELLED)
		__atomic_add_fetch(&mid.cancels, 1, __ATOMIC_SEQ_CST);
	else
		__atomic_add_fetch(&mid.others, 1, __ATOMIC_SEQ_CST);
}

static void *mid_close(void *arg)
{
	(void)arg;
	MojoClose(mid.h);
	/*
	 * Take back the chunk the close just freed in this thread (the
	 * trigger: 48 bytes) and fill it with junk, so that a library that
	 * still reads the trigger crashes instead of reading stale values.
	 */
	mid.junk = malloc(48);
	if (mid.junk)
		memset(mid.junk, 0xff, 48);
	pthread_mutex_lock(&mid.lock);
	mid.closed = true;
	pthread_cond_broadcast(&mid.cond);
	pthread_mutex_unlock(&mid.lock);
	return NULL;
}

/* Close mid.h in another thread; let it run to its end if it can (200 ms). */
static void close_meanwhile(void)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 200 * 1000 * 1000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	if (pthread_create(&mid.closer, NULL, mid_close, NULL))
		abort();
	pthread_mutex_lock(&mid.lock);
	while (!mid.closed && pthread_cond_timedwait(&mid.cond, &mid.lock, &until) == 0)
		;
	pthread_mutex_unlock(&mid.lock);
}

TEST(trigger_added_while_a_close_runs)
{
	MojoHandle h1;
	MojoResult r;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateTrap(mid_handler, NULL, &mid.trap));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &mid.h, &h1));
	if (!hook_install(MOJO_IOC_ADD_TRIGGER, close_meanwhile))
		SKIP(return, "no seccomp user notification");
	r = MojoAddTrigger(mid.trap, mid.h, R, MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED, 1, NULL);
	ASSERT_TRUE(hook.ran);	/* the close did start meanwhile */
	pthread_join(mid.closer, NULL);
	/* Added, and cancelled by the close; or refused, and never told. */
	if (r == OK) {
		EXPECT_EQ(1, mid.cancels);
	} else {
		EXPECT_EQ(INVALID, r);
		EXPECT_EQ(0, mid.cancels);
	}
	EXPECT_EQ(OK, MojoClose(mid.trap));
	EXPECT_EQ(0, mid.others);
	TH_LOG("the add %s", r == OK ? "came first" : "was refused");
	free(mid.junk);
	MojoClose(h1);
}

static void add_meanwhile(void)
{
	mid.added = MojoAddTrigger(mid.trap, mid.h, R, MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED,
				   2, NULL);
}

TEST(trigger_refused_while_its_handle_closes)
{
	MojoHandle h1;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateTrap(mid_handler, NULL, &mid.trap));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &mid.h, &h1));
	/* In the kernel's close of mid.h: an add comes too late. */
	if (!hook_install(MOJO_IOC_CLOSE, add_meanwhile))
		SKIP(return, "no seccomp user notification");
	EXPECT_EQ(OK, MojoClose(mid.h));
	ASSERT_TRUE(hook.ran);
	EXPECT_EQ(INVALID, mid.added);
	EXPECT_EQ(0, mid.cancels);
	/*
	 * A trigger the kernel had added would now get its CANCELLED from
	 * the callback thread, at no time we can wait for: give it 100 ms.
	 */
	usleep(100000);
	EXPECT_EQ(0, mid.cancels);
	EXPECT_EQ(OK, MojoClose(mid.trap));
	EXPECT_EQ(0, mid.cancels);
	EXPECT_EQ(0, mid.others);
	MojoClose(h1);
}

#define RACES 200

static struct {
	pthread_barrier_t go;
	MojoHandle trap, h;
	uintptr_t ctx;
	MojoResult added;
	int cancels[RACES + 1];
	int others;
} race;

static void count_cancel(const struct MojoTrapEvent *e)
{
	if (e->result == MOJO_RESULT_CANCELLED && e->trigger_context <= RACES)
		__atomic_add_fetch(&race.cancels[e->trigger_context], 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&race.others, 1, __ATOMIC_RELAXED);
}

static void *race_add(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&race.go);
	race.added = MojoAddTrigger(race.trap, race.h, R,
				    MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED, race.ctx, NULL);
	return NULL;
}

static void *race_close(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&race.go);
	MojoClose(race.h);
	return NULL;
}

TEST(trigger_added_while_its_handle_closes)
{
	pthread_t a, c;
	MojoHandle h1;
	int i, ok = 0;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateTrap(count_cancel, NULL, &race.trap));
	for (i = 1; i <= RACES; i++) {
		ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &race.h, &h1));
		race.ctx = (uintptr_t)i;
		pthread_barrier_init(&race.go, NULL, 2);
		ASSERT_EQ(0, pthread_create(&a, NULL, race_add, NULL));
		ASSERT_EQ(0, pthread_create(&c, NULL, race_close, NULL));
		pthread_join(a, NULL);
		pthread_join(c, NULL);
		pthread_barrier_destroy(&race.go);
		/* Added: its one CANCELLED came with the close. */
		if (race.added == OK) {
			ok++;
			EXPECT_EQ(1, race.cancels[i]) TH_LOG("trigger %d", i);
		} else {
			/* Refused: a trigger never added is never cancelled. */
			EXPECT_EQ(INVALID, race.added);
			EXPECT_EQ(0, race.cancels[i]) TH_LOG("trigger %d", i);
		}
		MojoClose(h1);
	}
	EXPECT_EQ(OK, MojoClose(race.trap));
	EXPECT_EQ(0, race.others);
	TH_LOG("%d of %d adds won the race", ok, RACES);
}

/* ---- quotas and what waits for the kernel -------------------------------- */

TEST(quota)
{
	MojoHandle h0, h1, hp, hc;
	uint64_t limit, usage;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &h0, &h1));
	ASSERT_EQ(OK, MojoCreateDataPipe(NULL, &hp, &hc));
	/* "No quota" is the kernel's largest enforced one. */
	EXPECT_EQ(OK, MojoSetQuota(h0, MOJO_QUOTA_TYPE_RECEIVE_QUEUE_LENGTH,
				   MOJO_QUOTA_LIMIT_NONE, NULL));
	EXPECT_EQ(OK, MojoSetQuota(h0, MOJO_QUOTA_TYPE_RECEIVE_QUEUE_MEMORY_SIZE,
				   MOJO_QUOTA_LIMIT_NONE, NULL));
	EXPECT_EQ(INVALID, MojoSetQuota(h0, 99, MOJO_QUOTA_LIMIT_NONE, NULL));
	EXPECT_EQ(INVALID, MojoSetQuota(hc, MOJO_QUOTA_TYPE_RECEIVE_QUEUE_LENGTH,
					MOJO_QUOTA_LIMIT_NONE, NULL));
	EXPECT_EQ(INVALID, MojoSetQuota(0x7ffffff0, MOJO_QUOTA_TYPE_RECEIVE_QUEUE_LENGTH,
					MOJO_QUOTA_LIMIT_NONE, NULL));
	EXPECT_EQ(INVALID, MojoQueryQuota(hp, MOJO_QUOTA_TYPE_RECEIVE_QUEUE_LENGTH, NULL,
					  &limit, &usage));
	ASSERT_EQ(OK, MojoQueryQuota(h0, MOJO_QUOTA_TYPE_RECEIVE_QUEUE_LENGTH, NULL,
				     &limit, &usage));
	EXPECT_EQ(MOJO_QUOTA_LIMIT_NONE, limit);
	EXPECT_EQ(0, usage);
}

/*
 * Mojo's quotas raise QUOTA_EXCEEDED past the limit and never refuse a
 * write: queue length and memory on the reader, unread messages on the
 * writer; QueryQuota reports the limit and the usage.
 */
TEST(quotas_raise_quota_exceeded_and_refuse_nothing)
{
	MojoHandle h0, h1;
	uint64_t limit, usage;
	char buf[8];
	int i;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &h0, &h1));
	ASSERT_EQ(OK, MojoSetQuota(h1, MOJO_QUOTA_TYPE_RECEIVE_QUEUE_LENGTH, 2, NULL));
	ASSERT_EQ(OK, MojoSetQuota(h1, MOJO_QUOTA_TYPE_RECEIVE_QUEUE_MEMORY_SIZE, 100, NULL));
	ASSERT_EQ(OK, MojoSetQuota(h0, MOJO_QUOTA_TYPE_UNREAD_MESSAGE_COUNT, 1, NULL));
	ASSERT_EQ(OK, write_msg(h0, "a", 1, NULL, 0));
	EXPECT_EQ(0, satisfied(h0) & MOJO_HANDLE_SIGNAL_QUOTA_EXCEEDED);
	EXPECT_EQ(0, satisfied(h1) & MOJO_HANDLE_SIGNAL_QUOTA_EXCEEDED);
	ASSERT_EQ(OK, write_msg(h0, "b", 1, NULL, 0));
	/* Two unread: over the writer's limit of one. */
	EXPECT_EQ(MOJO_HANDLE_SIGNAL_QUOTA_EXCEEDED,
		  satisfied(h0) & MOJO_HANDLE_SIGNAL_QUOTA_EXCEEDED);
	EXPECT_EQ(0, satisfied(h1) & MOJO_HANDLE_SIGNAL_QUOTA_EXCEEDED);
	/* Far past every limit, and nothing is refused. */
	for (i = 0; i < 1100; i++)
		ASSERT_EQ(OK, write_msg(h0, "c", 1, NULL, 0));
	EXPECT_EQ(MOJO_HANDLE_SIGNAL_QUOTA_EXCEEDED,
		  satisfied(h1) & MOJO_HANDLE_SIGNAL_QUOTA_EXCEEDED);
	ASSERT_EQ(OK, MojoQueryQuota(h1, MOJO_QUOTA_TYPE_RECEIVE_QUEUE_LENGTH, NULL,
				     &limit, &usage));
	EXPECT_EQ(2, limit);
	EXPECT_EQ(1102, usage);
	ASSERT_EQ(OK, MojoQueryQuota(h1, MOJO_QUOTA_TYPE_RECEIVE_QUEUE_MEMORY_SIZE, NULL,
				     &limit, &usage));
	EXPECT_EQ(100, limit);
	EXPECT_EQ(1102, usage);
	ASSERT_EQ(OK, MojoQueryQuota(h0, MOJO_QUOTA_TYPE_UNREAD_MESSAGE_COUNT, NULL,
				     &limit, &usage));
	EXPECT_EQ(1, limit);
	EXPECT_EQ(1102, usage);
	/* Read down to the limits: the signals drop. */
	for (i = 0; i < 1101; i++)
		ASSERT_EQ(OK, read_msg(h1, buf, sizeof(buf), NULL, NULL));
	EXPECT_EQ(0, satisfied(h0) & MOJO_HANDLE_SIGNAL_QUOTA_EXCEEDED);
	EXPECT_EQ(0, satisfied(h1) & MOJO_HANDLE_SIGNAL_QUOTA_EXCEEDED);
	EXPECT_EQ(OK, MojoClose(h0));
	EXPECT_EQ(OK, MojoClose(h1));
}

/* ---- platform handles and regions ------------------------------------------ */

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static int accmode(int fd)
{
	return fcntl(fd, F_GETFL) & O_ACCMODE;
}

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#define SEALS_RO (F_SEAL_FUTURE_WRITE | F_SEAL_SHRINK | F_SEAL_GROW)

/* A memfd of @size bytes starting with @text, sealed with @seals. */
static int new_memfd(off_t size, const char *text, int seals)
{
	int fd = memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, size) < 0 ||
	    (text && pwrite(fd, text, strlen(text) + 1, 0) < 0) ||
	    (seals && fcntl(fd, F_ADD_SEALS, seals) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A new descriptor of @fd's file, opened through /proc with @flags. */
static int reopen(int fd, int flags)
{
	char path[40];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags | O_CLOEXEC);
}

/* How many descriptors this process has open. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own */
}

TEST(platform_handle_round_trip)
{
	struct MojoPlatformHandle ph = {
		sizeof(ph), MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR, 0,
	};
	MojoHandle h, a, b, got, buffer;
	int fds[2], sv[2], null;
	uint32_t n = 1;
	char buf[8];

	ASSERT_EQ(OK, init());
	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	ph.value = (uint64_t)fds[1];
	ASSERT_EQ(OK, MojoWrapPlatformHandle(&ph, NULL, &h));
	EXPECT_FALSE(fd_open(fds[1]));	/* Mojo took the fd */

	/* It travels like any handle, here back to ourselves. */
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a, &b));
	ASSERT_EQ(OK, write_msg(a, "fd", 2, &h, 1));
	EXPECT_EQ(INVALID, MojoClose(h));
	ASSERT_EQ(OK, read_msg(b, buf, sizeof(buf), &got, &n));
	ASSERT_EQ(1, n);
	EXPECT_STREQ("fd", buf);
	memset(&ph, 0, sizeof(ph));
	ph.struct_size = sizeof(ph);
	ASSERT_EQ(OK, MojoUnwrapPlatformHandle(got, NULL, &ph));
	EXPECT_EQ(MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR, ph.type);
	EXPECT_EQ(INVALID, MojoClose(got));	/* consumed */
	ASSERT_EQ(2, write((int)ph.value, "hi", 2));
	ASSERT_EQ(2, read(fds[0], buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hi", 2));
	close((int)ph.value);
	close(fds[0]);

	/* File descriptors are the only platform handles on Linux. */
	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	ph.value = (uint64_t)fds[0];
	ph.type = MOJO_PLATFORM_HANDLE_TYPE_INVALID;
	EXPECT_EQ(INVALID, MojoWrapPlatformHandle(&ph, NULL, &h));
	ph.type = 3;	/* a Windows HANDLE */
	EXPECT_EQ(INVALID, MojoWrapPlatformHandle(&ph, NULL, &h));
	ph.type = MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR;
	ph.struct_size = 8;
	EXPECT_EQ(INVALID, MojoWrapPlatformHandle(&ph, NULL, &h));
	ph.struct_size = sizeof(ph);
	EXPECT_EQ(INVALID, MojoWrapPlatformHandle(NULL, NULL, &h));
	EXPECT_TRUE(fd_open(fds[0]));
	close(fds[0]);
	close(fds[1]);
	ph.value = (uint64_t)fds[0];	/* closed now */
	EXPECT_EQ(INVALID, MojoWrapPlatformHandle(&ph, NULL, &h));

	/*
	 * Kinds the kernel refuses: INVALID_ARGUMENT, and the fd is closed,
	 * as Mojo takes it whatever happens once it is an fd.
	 */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ph.value = (uint64_t)sv[0];
	EXPECT_EQ(INVALID, MojoWrapPlatformHandle(&ph, NULL, &h));
	EXPECT_FALSE(fd_open(sv[0]));
	close(sv[1]);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_GE(null, 0);
	ph.value = (uint64_t)null;
	EXPECT_EQ(INVALID, MojoWrapPlatformHandle(&ph, NULL, &h));
	EXPECT_FALSE(fd_open(null));

	/* Only a wrapped fd unwraps; anything else stays as it was. */
	EXPECT_EQ(INVALID, MojoUnwrapPlatformHandle(a, NULL, &ph));
	EXPECT_EQ(OK, write_msg(a, "still", 5, NULL, 0));
	EXPECT_EQ(INVALID, MojoUnwrapPlatformHandle(MOJO_HANDLE_INVALID, NULL, &ph));
	ASSERT_EQ(OK, MojoCreateSharedBuffer(64, NULL, &buffer));
	EXPECT_EQ(INVALID, MojoUnwrapPlatformHandle(buffer, NULL, &ph));
	EXPECT_EQ(OK, MojoClose(buffer));
	EXPECT_EQ(OK, MojoClose(a));
	EXPECT_EQ(OK, MojoClose(b));
}

TEST(shared_buffer_in_a_message_within_the_process)
{
	struct MojoDuplicateBufferHandleOptions ro = {
		sizeof(ro), MOJO_DUPLICATE_BUFFER_HANDLE_FLAG_READ_ONLY,
	};
	struct MojoSharedBufferInfo info = { .struct_size = sizeof(info) };
	MojoHandle h, got, hro, a, b;
	MojoMessageHandle m;
	uint32_t nb, n = 1;
	void *buf;
	char *p, *q, perm[5];

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateSharedBuffer(64, NULL, &h));
	ASSERT_EQ(OK, MojoMapBuffer(h, 0, 64, NULL, (void **)&p));
	strcpy(p, "hello");

	/* Attached, it is the message's; a message not sent gives it back. */
	ASSERT_EQ(OK, MojoCreateMessage(NULL, &m));
	ASSERT_EQ(OK, MojoAppendMessageData(m, 0, &h, 1, &commit_opts, NULL, NULL));
	EXPECT_EQ(INVALID, MojoGetBufferInfo(h, NULL, &info));
	ASSERT_EQ(OK, MojoGetMessageData(m, NULL, NULL, NULL, &got, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(OK, MojoGetBufferInfo(got, NULL, &info));
	EXPECT_EQ(OK, MojoDestroyMessage(m));

	/* Through a pipe: the payload arrives as written, the buffer works. */
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a, &b));
	ASSERT_EQ(OK, write_msg(a, "buf", 3, &got, 1));
	EXPECT_EQ(INVALID, MojoGetBufferInfo(got, NULL, &info));
	ASSERT_EQ(OK, MojoReadMessage(b, NULL, &m));
	ASSERT_EQ(OK, MojoGetMessageData(m, NULL, &buf, &nb, &got, &n));
	EXPECT_EQ(3, nb);
	EXPECT_EQ(0, memcmp(buf, "buf", 3));
	ASSERT_EQ(1, n);
	EXPECT_EQ(OK, MojoDestroyMessage(m));
	info.size = 0;
	ASSERT_EQ(OK, MojoGetBufferInfo(got, NULL, &info));
	EXPECT_EQ(64, info.size);
	ASSERT_EQ(OK, MojoMapBuffer(got, 0, 64, NULL, (void **)&q));
	EXPECT_STREQ("hello", q);
	strcpy(q, "again");
	EXPECT_STREQ("again", p);

	/* A read-only duplicate arrives read-only. */
	ASSERT_EQ(OK, MojoDuplicateBufferHandle(got, &ro, &hro));
	ASSERT_EQ(OK, write_msg(a, NULL, 0, &hro, 1));
	n = 1;
	ASSERT_EQ(OK, read_msg(b, NULL, 0, &hro, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(OK, MojoUnmapBuffer(q));
	ASSERT_EQ(OK, MojoMapBuffer(hro, 0, 64, NULL, (void **)&q));
	perms_of(q, perm);
	EXPECT_STREQ("r--s", perm);
	EXPECT_STREQ("again", q);
	EXPECT_EQ(PRECOND, MojoDuplicateBufferHandle(hro, NULL, &h));

	/* A message destroyed unread closes the buffer it carries. */
	ASSERT_EQ(OK, write_msg(a, "x", 1, &hro, 1));
	ASSERT_EQ(OK, MojoReadMessage(b, NULL, &m));
	EXPECT_EQ(OK, MojoDestroyMessage(m));
	EXPECT_EQ(OK, MojoUnmapBuffer(q));
	EXPECT_EQ(OK, MojoUnmapBuffer(p));
	EXPECT_EQ(OK, MojoClose(got));
	EXPECT_EQ(OK, MojoClose(a));
	EXPECT_EQ(OK, MojoClose(b));
}

TEST(shared_memory_region_round_trip)
{
	const MojoPlatformSharedMemoryRegionAccessMode ro_mode =
		MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_READ_ONLY,
		w_mode = MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_WRITABLE,
		u_mode = MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_UNSAFE;
	struct MojoDuplicateBufferHandleOptions ro = {
		sizeof(ro), MOJO_DUPLICATE_BUFFER_HANDLE_FLAG_READ_ONLY,
	};
	struct MojoSharedBufferGuid g = { 0x1234, 0x5678 }, zero = { 0, 0 }, g2;
	struct MojoPlatformHandle ph[2] = {
		{ sizeof(ph[0]), MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR, 0 },
		{ sizeof(ph[0]), MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR, 0 },
	};
	MojoPlatformSharedMemoryRegionAccessMode mode;
	MojoHandle h, hro, a, b;
	int fd, rofd, fds[2], before;
	char rd[4];
	uint64_t size;
	uint32_t n;
	char *p;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a, &b));	/* the node opens */
	before = count_fds();
	fd = new_memfd(8192, "abc", 0);
	ASSERT_GE(fd, 0);
	ph[0].value = (uint64_t)fd;

	/* Refused before the fds are taken (not fds, or how many): kept. */
	EXPECT_EQ(INVALID, MojoWrapPlatformSharedMemoryRegion(ph, 1, 8192, &g, 3, NULL, &h));
	EXPECT_EQ(INVALID, MojoWrapPlatformSharedMemoryRegion(ph, 2, 8192, &g, u_mode, NULL, &h));
	/* WRITABLE with one fd (Linux wants a read-only second). */
	EXPECT_EQ(INVALID, MojoWrapPlatformSharedMemoryRegion(ph, 1, 8192, &g, w_mode, NULL, &h));
	EXPECT_EQ(INVALID, MojoWrapPlatformSharedMemoryRegion(ph, 1, 8192, NULL, u_mode, NULL, &h));
	EXPECT_TRUE(fd_open(fd));
	/* Refused once taken (Mojo's rule): the fd is closed. Too large... */
	EXPECT_EQ(INVALID, MojoWrapPlatformSharedMemoryRegion(ph, 1, 8193, &g, u_mode, NULL, &h));
	EXPECT_FALSE(fd_open(fd));
	/* ...a zero GUID... */
	ph[0].value = (uint64_t)(fd = new_memfd(8192, "abc", 0));
	EXPECT_EQ(INVALID, MojoWrapPlatformSharedMemoryRegion(ph, 1, 8192, &zero, u_mode, NULL,
							      &h));
	EXPECT_FALSE(fd_open(fd));
	/* ...READ_ONLY with an fd that can write... */
	ph[0].value = (uint64_t)(fd = new_memfd(8192, "abc", SEALS_RO));
	EXPECT_EQ(INVALID, MojoWrapPlatformSharedMemoryRegion(ph, 1, 8192, &g, ro_mode, NULL, &h));
	EXPECT_FALSE(fd_open(fd));
	/*
	 * ...READ_ONLY from an O_RDONLY fd of an unsealed memfd (its holder
	 * could reopen it read-write: not read-only for anyone)...
	 */
	fd = new_memfd(8192, "abc", 0);
	ph[0].value = (uint64_t)(rofd = reopen(fd, O_RDONLY));
	ASSERT_GE(rofd, 0);
	EXPECT_EQ(INVALID, MojoWrapPlatformSharedMemoryRegion(ph, 1, 8192, &g, ro_mode, NULL, &h));
	EXPECT_FALSE(fd_open(rofd));
	EXPECT_EQ(0, fcntl(fd, F_GET_SEALS));	/* and not sealed */
	close(fd);
	/* ...and a file that is not a memfd. */
	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	ph[0].value = (uint64_t)fds[0];
	EXPECT_EQ(INVALID, MojoWrapPlatformSharedMemoryRegion(ph, 1, 1, &g, u_mode, NULL, &h));
	EXPECT_FALSE(fd_open(fds[0]));
	close(fds[1]);

	/* UNSAFE: the memfd gets the size seals, so it can travel. */
	ph[0].value = (uint64_t)(fd = new_memfd(8192, "abc", 0));
	ASSERT_EQ(OK, MojoWrapPlatformSharedMemoryRegion(ph, 1, 8192, &g, u_mode, NULL, &h));
	EXPECT_EQ(F_SEAL_SHRINK | F_SEAL_GROW, fcntl(fd, F_GET_SEALS));
	ASSERT_EQ(OK, MojoMapBuffer(h, 0, 8192, NULL, (void **)&p));
	EXPECT_STREQ("abc", p);
	EXPECT_EQ(OK, MojoUnmapBuffer(p));
	n = 2;
	ASSERT_EQ(OK, MojoUnwrapPlatformSharedMemoryRegion(h, NULL, ph, &n, &size, &g2, &mode));
	EXPECT_EQ(1, n);
	EXPECT_EQ(8192, size);
	EXPECT_EQ(g.high, g2.high);
	EXPECT_EQ(g.low, g2.low);
	EXPECT_EQ(u_mode, mode);
	EXPECT_EQ(INVALID, MojoClose(h));	/* consumed */
	fd = (int)ph[0].value;
	ASSERT_EQ(4, pread(fd, rd, 4, 0));
	EXPECT_STREQ("abc", rd);
	close(fd);

	/* WRITABLE: two fds in, two out, the second read-only. */
	fd = new_memfd(8192, "abc", 0);
	rofd = reopen(fd, O_RDONLY);
	ASSERT_GE(rofd, 0);
	ph[0].value = (uint64_t)fd;
	ph[1].value = (uint64_t)rofd;
	ASSERT_EQ(OK, MojoWrapPlatformSharedMemoryRegion(ph, 2, 8192, &g, w_mode, NULL, &h));
	n = 2;
	ASSERT_EQ(OK, MojoUnwrapPlatformSharedMemoryRegion(h, NULL, ph, &n, &size, &g2, &mode));
	ASSERT_EQ(2, n);
	EXPECT_EQ(w_mode, mode);
	EXPECT_EQ(O_RDWR, accmode((int)ph[0].value));
	EXPECT_EQ(O_RDONLY, accmode((int)ph[1].value));

	/* Too small an array: the buffer is consumed all the same (Mojo). */
	ASSERT_EQ(OK, MojoWrapPlatformSharedMemoryRegion(ph, 2, 8192, &g, w_mode, NULL, &h));
	n = 1;
	EXPECT_EQ(INVALID, MojoUnwrapPlatformSharedMemoryRegion(h, NULL, ph, &n, &size, &g2,
								&mode));
	EXPECT_EQ(INVALID, MojoClose(h));

	/* Duplicated read-only: both unwrap READ_ONLY, one sealed fd. */
	ASSERT_EQ(OK, MojoCreateSharedBuffer(8192, NULL, &h));
	ASSERT_EQ(OK, MojoDuplicateBufferHandle(h, &ro, &hro));
	n = 2;
	ASSERT_EQ(OK, MojoUnwrapPlatformSharedMemoryRegion(hro, NULL, ph, &n, &size, &g2, &mode));
	EXPECT_EQ(1, n);
	EXPECT_EQ(ro_mode, mode);
	EXPECT_EQ(O_RDONLY, accmode((int)ph[0].value));
	EXPECT_EQ(SEALS_RO, fcntl((int)ph[0].value, F_GET_SEALS) & SEALS_RO);
	/* A sealed read-only fd wraps READ_ONLY and stays read-only. */
	ASSERT_EQ(OK, MojoWrapPlatformSharedMemoryRegion(ph, 1, 8192, &g2, ro_mode, NULL, &hro));
	EXPECT_EQ(PRECOND, MojoDuplicateBufferHandle(hro, NULL, &a));
	EXPECT_EQ(OK, MojoClose(hro));
	n = 2;
	ASSERT_EQ(OK, MojoUnwrapPlatformSharedMemoryRegion(h, NULL, ph, &n, &size, &g2, &mode));
	EXPECT_EQ(1, n);
	EXPECT_EQ(ro_mode, mode);
	close((int)ph[0].value);

	/* A created buffer: WRITABLE, its size, a GUID that is not zero. */
	ASSERT_EQ(OK, MojoCreateSharedBuffer(100, NULL, &h));
	n = 2;
	ASSERT_EQ(OK, MojoUnwrapPlatformSharedMemoryRegion(h, NULL, ph, &n, &size, &g2, &mode));
	EXPECT_EQ(2, n);
	EXPECT_EQ(100, size);
	EXPECT_EQ(w_mode, mode);
	EXPECT_TRUE(g2.high || g2.low);
	close((int)ph[0].value);
	close((int)ph[1].value);

	/* Not a buffer: refused, and it stays. */
	n = 2;
	EXPECT_EQ(INVALID, MojoUnwrapPlatformSharedMemoryRegion(a, NULL, ph, &n, &size, &g2,
								&mode));
	/* Nothing leaked, refused or not. */
	EXPECT_EQ(before, count_fds());
	EXPECT_EQ(OK, MojoClose(a));
	EXPECT_EQ(OK, MojoClose(b));
}

/* ---- invitations ----------------------------------------------------------- */

static int invited_child(int sock)
{
	struct MojoPlatformHandle ph = {
		sizeof(ph), MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR, (uint64_t)sock,
	};
	struct MojoInvitationTransportEndpoint t = {
		sizeof(t), MOJO_INVITATION_TRANSPORT_TYPE_CHANNEL, 1, &ph,
	};
	MojoHandle inv, a, b, x;
	char buf[32];

	/* The library was forked with us: it opens a node of our own. */
	if (MojoInitialize(NULL) != OK)
		return 10;
	if (MojoAcceptInvitation(&t, NULL, &inv) != OK)
		return 11;
	if (MojoExtractMessagePipeFromInvitation(inv, "missing", 7, NULL, &x) !=
	    MOJO_RESULT_NOT_FOUND)
		return 12;
	if (MojoExtractMessagePipeFromInvitation(inv, "alpha", 5, NULL, &a) != OK ||
	    MojoExtractMessagePipeFromInvitation(inv, "beta", 4, NULL, &b) != OK)
		return 13;
	if (MojoExtractMessagePipeFromInvitation(inv, "alpha", 5, NULL, &x) !=
	    MOJO_RESULT_NOT_FOUND)
		return 14;
	MojoClose(inv);
	if (wait_signals(a, R, NULL) != OK || read_msg(a, buf, sizeof(buf), NULL, NULL) != OK)
		return 15;
	if (strcmp(buf, "ping"))
		return 16;
	if (write_msg(b, "pong", 4, NULL, 0) != OK)
		return 17;
	/* Wait for the parent to hang up, then leave. */
	if (wait_signals(a, PC, NULL) != OK)
		return 18;
	return 0;
}

TEST(invitation_to_a_forked_child)
{
	struct MojoPlatformHandle ph = {
		.struct_size = sizeof(ph), .type = MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR,
	};
	struct MojoInvitationTransportEndpoint t = {
		sizeof(t), MOJO_INVITATION_TRANSPORT_TYPE_CHANNEL, 1, &ph,
	};
	struct MojoPlatformProcessHandle proc = { .struct_size = sizeof(proc) };
	MojoHandle inv, a, b, dup;
	char buf[32];
	int sv[2], status;
	pid_t pid;

	ASSERT_EQ(OK, init());
	/* The transport must be a stream socket: a datagram one is refused. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(OK, MojoCreateInvitation(NULL, &inv));
	ph.value = (uint64_t)sv[0];
	EXPECT_EQ(INVALID, MojoSendInvitation(inv, &proc, &t, NULL, 0, NULL));
	EXPECT_EQ(INVALID, MojoAcceptInvitation(&t, NULL, &dup));
	EXPECT_EQ(OK, MojoClose(inv));
	close(sv[0]);
	close(sv[1]);

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(OK, MojoCreateInvitation(NULL, &inv));
	ASSERT_EQ(OK, MojoAttachMessagePipeToInvitation(inv, "alpha", 5, NULL, &a));
	ASSERT_EQ(OK, MojoAttachMessagePipeToInvitation(inv, "beta", 4, NULL, &b));
	EXPECT_EQ(MOJO_RESULT_ALREADY_EXISTS,
		  MojoAttachMessagePipeToInvitation(inv, "beta", 4, NULL, &dup));
	/* Messages written before the send travel with the pipe. */
	ASSERT_EQ(OK, write_msg(a, "ping", 4, NULL, 0));

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		_exit(invited_child(sv[1]));
	}
	close(sv[1]);
	ph.value = (uint64_t)sv[0];
	proc.value = (uint64_t)pid;
	ASSERT_EQ(OK, MojoSendInvitation(inv, &proc, &t, NULL, 0, NULL));
	EXPECT_EQ(INVALID, MojoClose(inv));	/* spent */
	ASSERT_EQ(OK, wait_signals(b, R, NULL));
	/* The child holds the other end: PEER_REMOTE (a trigger may watch it). */
	EXPECT_EQ(MOJO_HANDLE_SIGNAL_PEER_REMOTE,
		  satisfied(b) & MOJO_HANDLE_SIGNAL_PEER_REMOTE);
	EXPECT_EQ(OK, wait_signals(b, MOJO_HANDLE_SIGNAL_PEER_REMOTE, NULL));
	ASSERT_EQ(OK, read_msg(b, buf, sizeof(buf), NULL, NULL));
	EXPECT_STREQ("pong", buf);
	EXPECT_EQ(OK, MojoClose(a));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The child's node died with it. */
	EXPECT_EQ(OK, wait_signals(b, PC, NULL));
}

/* ---- fds and buffers to a forked child ------------------------------------- */

/*
 * Fork a child that gets the peer of *@parent through an invitation and
 * exits with what @fn returns for it; -1 on failure.
 */
static pid_t fork_with_pipe(int (*fn)(MojoHandle pipe), MojoHandle *parent)
{
	struct MojoPlatformHandle ph = {
		sizeof(ph), MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR, 0,
	};
	struct MojoInvitationTransportEndpoint t = {
		sizeof(t), MOJO_INVITATION_TRANSPORT_TYPE_CHANNEL, 1, &ph,
	};
	MojoHandle inv, pipe;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	if (MojoCreateInvitation(NULL, &inv) != OK ||
	    MojoAttachMessagePipeToInvitation(inv, "p", 1, NULL, parent) != OK)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(sv[0]);
		ph.value = (uint64_t)sv[1];
		if (MojoInitialize(NULL) != OK || MojoAcceptInvitation(&t, NULL, &inv) != OK ||
		    MojoExtractMessagePipeFromInvitation(inv, "p", 1, NULL, &pipe) != OK)
			_exit(100);
		MojoClose(inv);
		_exit(fn(pipe));
	}
	close(sv[1]);
	ph.value = (uint64_t)sv[0];
	if (MojoSendInvitation(inv, NULL, &t, NULL, 0, NULL) != OK)
		return -1;
	return pid;
}

static int exit_code(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Read one message "@what" with one handle into *@h. */
static int recv_one(MojoHandle pipe, const char *what, MojoHandle *h)
{
	uint32_t n = 1;
	char buf[32];

	if (wait_signals(pipe, R, NULL) != OK ||
	    read_msg(pipe, buf, sizeof(buf), h, &n) != OK)
		return -1;
	return n == 1 && !strcmp(buf, what) ? 0 : -1;
}

static int child_writes_to_the_fd(MojoHandle pipe)
{
	struct MojoPlatformHandle ph = { .struct_size = sizeof(ph) };
	MojoHandle h;

	if (recv_one(pipe, "fd", &h))
		return 1;
	if (MojoUnwrapPlatformHandle(h, NULL, &ph) != OK ||
	    ph.type != MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR)
		return 2;
	if (write((int)ph.value, "from the child", 14) != 14)
		return 3;
	close((int)ph.value);
	return MojoClose(h) == INVALID ? 0 : 4;
}

TEST(platform_handle_to_a_forked_child)
{
	struct MojoPlatformHandle ph = {
		sizeof(ph), MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR, 0,
	};
	MojoHandle a, h;
	char buf[32] = "";
	int fds[2];
	pid_t pid;

	ASSERT_EQ(OK, init());
	pid = fork_with_pipe(child_writes_to_the_fd, &a);
	ASSERT_GT(pid, 0);
	/* Made after the fork: the child gets it only through the message. */
	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	ph.value = (uint64_t)fds[1];
	ASSERT_EQ(OK, MojoWrapPlatformHandle(&ph, NULL, &h));
	ASSERT_EQ(OK, write_msg(a, "fd", 2, &h, 1));
	EXPECT_EQ(0, exit_code(pid));
	/* The child's copy is closed and ours went with the wrap: EOF after. */
	EXPECT_EQ(14, read(fds[0], buf, sizeof(buf) - 1));
	EXPECT_STREQ("from the child", buf);
	EXPECT_EQ(0, read(fds[0], buf, sizeof(buf)));
	close(fds[0]);
	EXPECT_EQ(OK, MojoClose(a));
}

static int child_maps_and_writes(MojoHandle pipe)
{
	struct MojoSharedBufferInfo info = { .struct_size = sizeof(info) };
	MojoHandle h, dup;
	char perm[5], *p;

	if (recv_one(pipe, "rw", &h))
		return 1;
	if (MojoGetBufferInfo(h, NULL, &info) != OK || info.size != 8192)
		return 2;
	if (MojoMapBuffer(h, 0, 8192, NULL, (void **)&p) != OK)
		return 3;
	perms_of(p, perm);
	if (strcmp(perm, "rw-s") || strcmp(p, "from the parent"))
		return 4;
	strcpy(p + 4096, "from the child");
	if (MojoDuplicateBufferHandle(h, NULL, &dup) != OK)
		return 5;
	MojoUnmapBuffer(p);
	if (write_msg(pipe, "done", 4, NULL, 0) != OK)
		return 6;
	return wait_signals(pipe, PC, NULL) == OK ? 0 : 7;
}

TEST(shared_buffer_to_a_forked_child)
{
	MojoHandle a, h;
	char buf[8], *p;
	pid_t pid;

	ASSERT_EQ(OK, init());
	pid = fork_with_pipe(child_maps_and_writes, &a);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(OK, MojoCreateSharedBuffer(8192, NULL, &h));
	ASSERT_EQ(OK, MojoMapBuffer(h, 0, 8192, NULL, (void **)&p));
	strcpy(p, "from the parent");
	ASSERT_EQ(OK, write_msg(a, "rw", 2, &h, 1));
	EXPECT_EQ(INVALID, MojoClose(h));	/* sent */
	ASSERT_EQ(OK, wait_signals(a, R, NULL));
	ASSERT_EQ(OK, read_msg(a, buf, sizeof(buf), NULL, NULL));
	EXPECT_STREQ("done", buf);
	/* The child's write is in our mapping: one memory. */
	EXPECT_STREQ("from the child", p + 4096);
	EXPECT_EQ(OK, MojoClose(a));
	EXPECT_EQ(0, exit_code(pid));
	EXPECT_EQ(OK, MojoUnmapBuffer(p));
}

static int child_cannot_write(MojoHandle pipe)
{
	struct MojoDuplicateBufferHandleOptions ro = {
		sizeof(ro), MOJO_DUPLICATE_BUFFER_HANDLE_FLAG_READ_ONLY,
	};
	struct MojoPlatformHandle ph[2] = {
		{ .struct_size = sizeof(ph[0]) }, { .struct_size = sizeof(ph[0]) },
	};
	MojoPlatformSharedMemoryRegionAccessMode mode;
	long page = sysconf(_SC_PAGESIZE);
	struct MojoSharedBufferGuid guid;
	char perm[5], path[40], *p;
	MojoHandle h, h2;
	uint64_t size;
	uint32_t n = 2;
	int fd, rw;
	void *q;

	if (recv_one(pipe, "ro", &h))
		return 1;
	if (MojoMapBuffer(h, 0, 4096, NULL, (void **)&p) != OK)
		return 2;
	perms_of(p, perm);
	if (strcmp(perm, "r--s") || strcmp(p, "read me"))
		return 3;
	/* The buffer cannot be duplicated writable... */
	if (MojoDuplicateBufferHandle(h, NULL, &h2) != PRECOND ||
	    MojoDuplicateBufferHandle(h, &ro, &h2) != OK)
		return 5;
	/* ...its fd is read-only... */
	if (MojoUnwrapPlatformSharedMemoryRegion(h2, NULL, ph, &n, &size, &guid, &mode) != OK ||
	    n != 1 || size != 4096 ||
	    mode != MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_READ_ONLY)
		return 6;
	fd = (int)ph[0].value;
	if (accmode(fd) != O_RDONLY)
		return 7;
	/*
	 * ...and a read-write reopen of the file, which a memfd allows
	 * (its inode is 0777), can neither write, map writable, nor change
	 * the size (shrinking to 0 and growing back would zero it).
	 */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rw = open(path, O_RDWR | O_CLOEXEC);
	if (rw < 0)
		return 12;
	q = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
	if (q != MAP_FAILED)
		return 8;
	if (write(rw, "x", 1) >= 0 || pwrite(rw, "x", 1, 0) >= 0)
		return 9;
	if (ftruncate(rw, 0) == 0 || ftruncate(rw, 4095) == 0 || ftruncate(rw, 8192) == 0)
		return 13;
	if (strcmp(p, "read me"))
		return 14;
	close(rw);
	close(fd);
	MojoUnmapBuffer(p);
	if (write_msg(pipe, "done", 4, NULL, 0) != OK)
		return 10;
	return wait_signals(pipe, PC, NULL) == OK ? 0 : 11;
}

TEST(read_only_buffer_in_a_forked_child)
{
	struct MojoDuplicateBufferHandleOptions ro = {
		sizeof(ro), MOJO_DUPLICATE_BUFFER_HANDLE_FLAG_READ_ONLY,
	};
	MojoHandle a, h, hro;
	char buf[8], *w;
	pid_t pid;

	ASSERT_EQ(OK, init());
	pid = fork_with_pipe(child_cannot_write, &a);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(OK, MojoCreateSharedBuffer(4096, NULL, &h));
	ASSERT_EQ(OK, MojoMapBuffer(h, 0, 4096, NULL, (void **)&w));
	strcpy(w, "read me");
	ASSERT_EQ(OK, MojoDuplicateBufferHandle(h, &ro, &hro));
	ASSERT_EQ(OK, write_msg(a, "ro", 2, &hro, 1));
	ASSERT_EQ(OK, wait_signals(a, R, NULL));
	ASSERT_EQ(OK, read_msg(a, buf, sizeof(buf), NULL, NULL));
	EXPECT_STREQ("done", buf);
	EXPECT_EQ(OK, MojoClose(a));
	EXPECT_EQ(0, exit_code(pid));
	EXPECT_EQ(OK, MojoUnmapBuffer(w));
	EXPECT_EQ(OK, MojoClose(h));
}

/* ---- the buffer trailer, and peers that use the kernel API directly ------- */

/* README's convention, written out here as a raw peer would. */
struct raw_desc {
	uint32_t index, access_mode;
	uint64_t size, guid_high, guid_low;
};

struct raw_trailer {
	uint32_t count, check;
	uint64_t magic;
};

#define RAW_MAGIC 0x3146554243594d4dULL

static uint32_t raw_check(const struct raw_desc *d, uint32_t count)
{
	const uint8_t *p = (const uint8_t *)d;
	uint32_t h = 2166136261u ^ count;
	size_t i;

	for (i = 0; i < count * sizeof(*d); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* @text, then @count descs and a trailer over them; returns the length. */
static uint32_t raw_payload(uint8_t *out, const char *text, const struct raw_desc *d,
			    uint32_t count)
{
	struct raw_trailer t = { count, raw_check(d, count), RAW_MAGIC };
	uint32_t len = (uint32_t)strlen(text);

	memcpy(out, text, len);
	memcpy(out + len, d, count * sizeof(*d));
	len += count * (uint32_t)sizeof(*d);
	memcpy(out + len, &t, sizeof(t));
	return len + (uint32_t)sizeof(t);
}

/*
 * Write a message from @from with the kernel's ioctl, past the library,
 * on the library's own node (the /dev/mojoports fd that knows @from).
 */
static int raw_write(MojoHandle from, const void *bytes, uint32_t len,
		     const uint32_t *handles, uint32_t nh)
{
	struct mojo_write_message_args w = {
		.handle = (uint32_t)from, .bytes = (uintptr_t)bytes, .num_bytes = len,
		.num_handles = nh, .handles = (uintptr_t)handles,
	};
	char path[300], link[64];
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int ret = -ENODEV;
	ssize_t n;

	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, "/dev/mojoports"))
			continue;
		if (ioctl(atoi(e->d_name), MOJO_IOC_WRITE_MESSAGE, &w) == 0) {
			ret = 0;
			break;
		}
		ret = -errno;
	}
	closedir(dir);
	return ret;
}

static bool same_file(int fd1, int fd2)
{
	struct stat s1, s2;

	return fstat(fd1, &s1) == 0 && fstat(fd2, &s2) == 0 &&
	       s1.st_dev == s2.st_dev && s1.st_ino == s2.st_ino;
}

enum raw_case {
	RAW_VALID, RAW_NO_TRAILER, RAW_BAD_MAGIC, RAW_BAD_CHECK, RAW_BAD_INDEX,
	RAW_REPEATED_INDEX, RAW_INDEX_AT_ENDPOINT, RAW_COUNT_OVER_HANDLES,
	RAW_SIZE_OVER_FILE, RAW_BAD_MODE, RAW_ZERO_GUID, RAW_READ_ONLY_UNSEALED,
	RAW_NOT_SHRINK_SEALED, RAW_SHORT, RAW_CASES
};

TEST(malformed_trailers_convert_nothing)
{
	struct MojoPlatformHandle ph = {
		sizeof(ph), MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR, 0,
	};
	struct MojoSharedBufferInfo info = { .struct_size = sizeof(info) };
	struct raw_desc d[3];
	uint8_t out[512];
	MojoMessageHandle m;
	MojoHandle a, b, p0, p1, wh, got[3];
	uint32_t hs[2], len, nb, n, count;
	int c, fd, mine, before, seals;
	void *buf;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a, &b));
	before = count_fds();
	for (c = 0; c < RAW_CASES; c++) {
		TH_LOG("case %d", c);
		seals = c == RAW_NOT_SHRINK_SEALED ? 0 : F_SEAL_SHRINK | F_SEAL_GROW;
		fd = new_memfd(4096, "raw", seals);
		ASSERT_GE(fd, 0);
		mine = fcntl(fd, F_DUPFD_CLOEXEC, 0);	/* to see the file after */
		ph.value = (uint64_t)fd;
		ASSERT_EQ(OK, MojoWrapPlatformHandle(&ph, NULL, &wh));
		ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &p0, &p1));
		hs[0] = (uint32_t)wh;
		hs[1] = (uint32_t)p0;
		memset(d, 0, sizeof(d));
		d[0].index = 0;
		d[0].access_mode = MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_WRITABLE;
		d[0].size = 4096;
		d[0].guid_high = 1;
		d[0].guid_low = 2;
		d[1] = d[2] = d[0];
		count = 1;
		switch (c) {
		case RAW_BAD_INDEX: d[0].index = 2; break;
		case RAW_REPEATED_INDEX: count = 2; break;
		case RAW_INDEX_AT_ENDPOINT: d[0].index = 1; break;
		case RAW_COUNT_OVER_HANDLES: count = 3; d[1].index = 1; d[2].index = 2; break;
		case RAW_SIZE_OVER_FILE: d[0].size = 8192; break;
		case RAW_BAD_MODE: d[0].access_mode = 7; break;
		case RAW_ZERO_GUID: d[0].guid_high = d[0].guid_low = 0; break;
		case RAW_READ_ONLY_UNSEALED:
			d[0].access_mode = MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_READ_ONLY;
			break;
		}
		len = raw_payload(out, "raw payload", d, count);
		if (c == RAW_NO_TRAILER)
			len = 11;
		if (c == RAW_BAD_MAGIC)
			out[len - 1] ^= 1;
		if (c == RAW_BAD_CHECK)
			out[len - 12] ^= 1;
		if (c == RAW_SHORT) {
			/* The trailer claims more descs than the payload holds. */
			struct raw_trailer t = { 1, raw_check(d, 1), RAW_MAGIC };

			memcpy(out, &t, sizeof(t));
			len = sizeof(t);
		}
		ASSERT_EQ(0, raw_write(a, out, len, hs, 2));
		ASSERT_EQ(OK, MojoReadMessage(b, NULL, &m));
		n = 3;
		ASSERT_EQ(OK, MojoGetMessageData(m, NULL, &buf, &nb, got, &n));
		ASSERT_EQ(2, n);
		if (c == RAW_VALID) {
			/* The control: the trailer is stripped, the fd a buffer. */
			EXPECT_EQ(11, nb);
			ASSERT_EQ(OK, MojoGetBufferInfo(got[0], NULL, &info));
			EXPECT_EQ(4096, info.size);
			EXPECT_EQ(OK, MojoClose(got[0]));
		} else {
			/* Bad: the payload whole, the fd still a platform handle. */
			EXPECT_EQ(len, nb);
			EXPECT_EQ(0, memcmp(buf, out, len));
			EXPECT_EQ(INVALID, MojoGetBufferInfo(got[0], NULL, &info));
			ph.struct_size = sizeof(ph);
			ASSERT_EQ(OK, MojoUnwrapPlatformHandle(got[0], NULL, &ph));
			EXPECT_TRUE(same_file((int)ph.value, mine));
			close((int)ph.value);
		}
		/* Never sealed by the reader. */
		EXPECT_EQ(seals, fcntl(mine, F_GET_SEALS) & ~F_SEAL_SEAL);
		/* The endpoint is an endpoint. */
		EXPECT_EQ(OK, write_msg(got[1], "e", 1, NULL, 0));
		EXPECT_EQ(OK, read_msg(p1, NULL, 0, NULL, NULL));
		EXPECT_EQ(OK, MojoClose(got[1]));
		EXPECT_EQ(OK, MojoClose(p1));
		EXPECT_EQ(OK, MojoDestroyMessage(m));
		close(mine);
		EXPECT_EQ(before, count_fds());
	}
	EXPECT_EQ(OK, MojoClose(a));
	EXPECT_EQ(OK, MojoClose(b));
}

TEST(look_alike_trailer_in_a_library_message_stays_payload)
{
	struct MojoPlatformHandle ph = {
		sizeof(ph), MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR, 0,
	};
	struct MojoSharedBufferInfo info = { .struct_size = sizeof(info) };
	struct raw_desc d = {
		0, MOJO_PLATFORM_SHARED_MEMORY_REGION_ACCESS_MODE_WRITABLE, 4096, 1, 2,
	};
	MojoHandle a, b, wh, got;
	MojoMessageHandle m;
	uint8_t out[256];
	uint32_t len, nb, n = 1;
	int fd, mine;
	void *buf;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a, &b));
	fd = new_memfd(4096, "x", F_SEAL_SHRINK | F_SEAL_GROW);
	ASSERT_GE(fd, 0);
	mine = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	ph.value = (uint64_t)fd;
	ASSERT_EQ(OK, MojoWrapPlatformHandle(&ph, NULL, &wh));
	/* A payload ending like a trailer that names the wrapped memfd. */
	len = raw_payload(out, "user bytes", &d, 1);
	ASSERT_EQ(OK, write_msg(a, out, len, &wh, 1));
	ASSERT_EQ(OK, MojoReadMessage(b, NULL, &m));
	ASSERT_EQ(OK, MojoGetMessageData(m, NULL, &buf, &nb, &got, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(len, nb);
	EXPECT_EQ(0, memcmp(buf, out, len));
	EXPECT_EQ(INVALID, MojoGetBufferInfo(got, NULL, &info));
	ASSERT_EQ(OK, MojoUnwrapPlatformHandle(got, NULL, &ph));
	EXPECT_TRUE(same_file((int)ph.value, mine));
	close((int)ph.value);
	close(mine);
	EXPECT_EQ(OK, MojoDestroyMessage(m));
	EXPECT_EQ(OK, MojoClose(a));
	EXPECT_EQ(OK, MojoClose(b));
}

TEST(buffers_mixed_with_pipes_and_platform_handles)
{
	struct MojoDuplicateBufferHandleOptions ro = {
		sizeof(ro), MOJO_DUPLICATE_BUFFER_HANDLE_FLAG_READ_ONLY,
	};
	struct MojoPlatformHandle ph = {
		sizeof(ph), MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR, 0,
	};
	struct MojoSharedBufferInfo info = { .struct_size = sizeof(info) };
	MojoHandle a, b, p0, p1, b1, b2, b2ro, b3, wh, hs[5], got[5];
	char *w1, *w2, *w3, *q, perm[5], text[16];
	uint32_t n = 5;
	int fds[2];

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a, &b));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &p0, &p1));
	ASSERT_EQ(OK, MojoCreateSharedBuffer(4096, NULL, &b1));
	ASSERT_EQ(OK, MojoCreateSharedBuffer(8192, NULL, &b2));
	ASSERT_EQ(OK, MojoCreateSharedBuffer(100, NULL, &b3));
	ASSERT_EQ(OK, MojoMapBuffer(b1, 0, 4096, NULL, (void **)&w1));
	ASSERT_EQ(OK, MojoMapBuffer(b2, 0, 8192, NULL, (void **)&w2));
	ASSERT_EQ(OK, MojoMapBuffer(b3, 0, 100, NULL, (void **)&w3));
	strcpy(w1, "one");
	strcpy(w2, "two");
	strcpy(w3, "three");
	ASSERT_EQ(OK, MojoDuplicateBufferHandle(b2, &ro, &b2ro));
	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	ph.value = (uint64_t)fds[1];
	ASSERT_EQ(OK, MojoWrapPlatformHandle(&ph, NULL, &wh));
	/* Buffers at 1, 3 and 4, among an endpoint and a platform handle. */
	hs[0] = p0;
	hs[1] = b1;
	hs[2] = wh;
	hs[3] = b2ro;
	hs[4] = b3;
	ASSERT_EQ(OK, write_msg(a, "mixed", 5, hs, 5));
	ASSERT_EQ(OK, read_msg(b, text, sizeof(text), got, &n));
	ASSERT_EQ(5, n);
	EXPECT_STREQ("mixed", text);

	EXPECT_EQ(OK, write_msg(p1, "to p0", 5, NULL, 0));
	EXPECT_EQ(OK, read_msg(got[0], text, sizeof(text), NULL, NULL));
	EXPECT_STREQ("to p0", text);

	ASSERT_EQ(OK, MojoGetBufferInfo(got[1], NULL, &info));
	EXPECT_EQ(4096, info.size);
	ASSERT_EQ(OK, MojoMapBuffer(got[1], 0, 4096, NULL, (void **)&q));
	EXPECT_STREQ("one", q);
	EXPECT_EQ(OK, MojoUnmapBuffer(q));

	EXPECT_EQ(INVALID, MojoGetBufferInfo(got[2], NULL, &info));
	ASSERT_EQ(OK, MojoUnwrapPlatformHandle(got[2], NULL, &ph));
	EXPECT_EQ(3, write((int)ph.value, "end", 3));
	close((int)ph.value);
	EXPECT_EQ(3, read(fds[0], text, sizeof(text)));
	close(fds[0]);

	ASSERT_EQ(OK, MojoGetBufferInfo(got[3], NULL, &info));
	EXPECT_EQ(8192, info.size);
	ASSERT_EQ(OK, MojoMapBuffer(got[3], 0, 8192, NULL, (void **)&q));
	perms_of(q, perm);
	EXPECT_STREQ("r--s", perm);
	EXPECT_STREQ("two", q);
	EXPECT_EQ(OK, MojoUnmapBuffer(q));
	EXPECT_EQ(PRECOND, MojoDuplicateBufferHandle(got[3], NULL, &b2ro));

	ASSERT_EQ(OK, MojoGetBufferInfo(got[4], NULL, &info));
	EXPECT_EQ(100, info.size);
	ASSERT_EQ(OK, MojoMapBuffer(got[4], 0, 100, NULL, (void **)&q));
	EXPECT_STREQ("three", q);
	strcpy(q, "3");
	EXPECT_STREQ("3", w3);
	EXPECT_EQ(OK, MojoUnmapBuffer(q));

	for (n = 0; n < 5; n++)
		EXPECT_EQ(n == 2 ? INVALID : OK, MojoClose(got[n]));	/* 2: unwrapped */
	EXPECT_EQ(OK, MojoUnmapBuffer(w1));
	EXPECT_EQ(OK, MojoUnmapBuffer(w2));
	EXPECT_EQ(OK, MojoUnmapBuffer(w3));
	EXPECT_EQ(OK, MojoClose(b2));
	EXPECT_EQ(OK, MojoClose(p1));
	EXPECT_EQ(OK, MojoClose(a));
	EXPECT_EQ(OK, MojoClose(b));
}

TEST(read_only_buffer_cannot_be_wiped)
{
	struct MojoDuplicateBufferHandleOptions ro = {
		sizeof(ro), MOJO_DUPLICATE_BUFFER_HANDLE_FLAG_READ_ONLY,
	};
	struct MojoPlatformHandle ph[2] = {
		{ .struct_size = sizeof(ph[0]) }, { .struct_size = sizeof(ph[0]) },
	};
	MojoPlatformSharedMemoryRegionAccessMode mode;
	struct MojoSharedBufferGuid guid;
	MojoHandle h, hro;
	uint64_t size;
	uint32_t n = 2;
	char *w, rd[8];
	int fd, rw;

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateSharedBuffer(4096, NULL, &h));
	ASSERT_EQ(OK, MojoMapBuffer(h, 0, 4096, NULL, (void **)&w));
	strcpy(w, "keep");
	ASSERT_EQ(OK, MojoDuplicateBufferHandle(h, &ro, &hro));
	ASSERT_EQ(OK, MojoUnwrapPlatformSharedMemoryRegion(hro, NULL, ph, &n, &size, &guid,
							    &mode));
	fd = (int)ph[0].value;
	ASSERT_EQ(O_RDONLY, accmode(fd));
	/* A memfd's inode is 0777: the reopen works, and the seals hold. */
	rw = reopen(fd, O_RDWR);
	ASSERT_GE(rw, 0);
	EXPECT_NE(0, ftruncate(rw, 0));
	EXPECT_NE(0, ftruncate(rw, 4095));
	EXPECT_NE(0, ftruncate(rw, 8192));
	EXPECT_GT(0, pwrite(rw, "x", 1, 0));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0));
	ASSERT_EQ(5, pread(fd, rd, 5, 0));
	EXPECT_STREQ("keep", rd);
	/* The mapping made before stays writable, as in Mojo. */
	strcpy(w, "mine");
	ASSERT_EQ(5, pread(fd, rd, 5, 0));
	EXPECT_STREQ("mine", rd);
	close(rw);
	close(fd);
	EXPECT_EQ(OK, MojoUnmapBuffer(w));
	EXPECT_EQ(OK, MojoClose(h));
}

TEST(buffers_in_messages_leak_no_fds)
{
	struct MojoDuplicateBufferHandleOptions ro = {
		sizeof(ro), MOJO_DUPLICATE_BUFFER_HANDLE_FLAG_READ_ONLY,
	};
	struct MojoPlatformHandle ph = {
		sizeof(ph), MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR, 0,
	};
	MojoHandle a, b, c, d, hs[3];
	MojoMessageHandle m;
	struct rlimit old, none;
	int before, sv[2], fds[2];

	ASSERT_EQ(OK, init());
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &a, &b));
	before = count_fds();

	/* A wrap the kernel refuses takes the fd and closes it. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ph.value = (uint64_t)sv[0];
	EXPECT_EQ(INVALID, MojoWrapPlatformHandle(&ph, NULL, &hs[0]));
	close(sv[1]);
	EXPECT_EQ(before, count_fds());

	/* A write that fails (peer closed) with buffers and a platform handle. */
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &c, &d));
	EXPECT_EQ(OK, MojoClose(d));
	ASSERT_EQ(OK, MojoCreateSharedBuffer(4096, NULL, &hs[0]));
	ASSERT_EQ(OK, MojoDuplicateBufferHandle(hs[0], &ro, &hs[1]));
	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	ph.value = (uint64_t)fds[1];
	ASSERT_EQ(OK, MojoWrapPlatformHandle(&ph, NULL, &hs[2]));
	EXPECT_EQ(PRECOND, write_msg(c, "x", 1, hs, 3));
	EXPECT_EQ(OK, MojoClose(c));
	close(fds[0]);
	EXPECT_EQ(before, count_fds());

	/* A message destroyed unread, and one closed with its pipe. */
	ASSERT_EQ(OK, MojoCreateSharedBuffer(4096, NULL, &hs[0]));
	ASSERT_EQ(OK, MojoDuplicateBufferHandle(hs[0], &ro, &hs[1]));
	ASSERT_EQ(OK, write_msg(a, "x", 1, hs, 2));
	ASSERT_EQ(OK, MojoReadMessage(b, NULL, &m));
	EXPECT_EQ(OK, MojoDestroyMessage(m));
	ASSERT_EQ(OK, MojoCreateSharedBuffer(4096, NULL, &hs[0]));
	ASSERT_EQ(OK, MojoCreateMessagePipe(NULL, &c, &d));
	ASSERT_EQ(OK, write_msg(c, "x", 1, hs, 1));
	EXPECT_EQ(OK, MojoClose(d));
	EXPECT_EQ(OK, MojoClose(c));
	EXPECT_EQ(before, count_fds());

	/* An unwrap without a free fd (EMFILE) consumes the handle (Mojo). */
	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC | O_NONBLOCK));
	ph.value = (uint64_t)fds[1];
	ASSERT_EQ(OK, MojoWrapPlatformHandle(&ph, NULL, &hs[0]));
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	none = old;
	none.rlim_cur = 0;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &none));
	ph.struct_size = sizeof(ph);
	EXPECT_EQ(MOJO_RESULT_RESOURCE_EXHAUSTED, MojoUnwrapPlatformHandle(hs[0], NULL, &ph));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	EXPECT_EQ(INVALID, MojoClose(hs[0]));
	/* The write end is gone with it: EOF. */
	EXPECT_EQ(0, read(fds[0], &ph, 1));
	close(fds[0]);
	EXPECT_EQ(before, count_fds());
	EXPECT_EQ(OK, MojoClose(a));
	EXPECT_EQ(OK, MojoClose(b));
}

TEST_HARNESS_MAIN
