// SPDX-License-Identifier: GPL-2.0
/*
 * mojo_pingpong: a program written against Mojo's C API only, running on
 * libmojo_core.so (MOJO_CORE_LIBRARY_PATH names it).
 *
 * The parent invites a forked child over a socketpair with one message
 * pipe named "pingpong", bounces a counter through it, then sends the
 * child the consumer end of a data pipe inside a message and streams a
 * text through it, which the child reads in place (two-phase). Waiting
 * is done the Mojo way: a trap whose handler wakes the waiting thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mojo_api.h"

#define ROUNDS 5
#define STOP 0xffffffffu	/* the counter value that ends the game */

struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int fired;
	MojoResult result;
};

static void on_event(const struct MojoTrapEvent *ev)
{
	struct waiter *w = (struct waiter *)ev->trigger_context;

	pthread_mutex_lock(&w->lock);
	if (ev->result != MOJO_RESULT_CANCELLED && !w->fired) {
		w->fired = 1;
		w->result = ev->result;
	}
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* Block until @h has one of @signals: OK, or FAILED_PRECONDITION. */
static MojoResult wait_for(MojoHandle h, MojoHandleSignals signals)
{
	struct waiter w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
	struct MojoTrapEvent blocking;
	uint32_t n = 1;
	MojoHandle trap;
	MojoResult r;

	r = MojoCreateTrap(on_event, NULL, &trap);
	if (r == MOJO_RESULT_OK)
		r = MojoAddTrigger(trap, h, signals, MOJO_TRIGGER_CONDITION_SIGNALS_SATISFIED,
				   (uintptr_t)&w, NULL);
	if (r == MOJO_RESULT_OK)
		r = MojoArmTrap(trap, NULL, &n, &blocking);
	if (r == MOJO_RESULT_FAILED_PRECONDITION && n == 1) {
		w.fired = 1;	/* already there (or never will be) */
		w.result = blocking.result;
	} else if (r != MOJO_RESULT_OK) {
		MojoClose(trap);
		return r;
	}
	pthread_mutex_lock(&w.lock);
	while (!w.fired)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	MojoClose(trap);	/* its cancellation arrives before this returns */
	return w.result;
}

static MojoResult send_msg(MojoHandle pipe, const void *data, uint32_t len, MojoHandle *h)
{
	struct MojoAppendMessageDataOptions commit = {
		sizeof(commit), MOJO_APPEND_MESSAGE_DATA_FLAG_COMMIT_SIZE,
	};
	MojoMessageHandle m;
	uint32_t cap;
	void *buf;
	MojoResult r;

	r = MojoCreateMessage(NULL, &m);
	if (r != MOJO_RESULT_OK)
		return r;
	r = MojoAppendMessageData(m, len, h, h ? 1 : 0, &commit, &buf, &cap);
	if (r != MOJO_RESULT_OK) {
		MojoDestroyMessage(m);
		return r;
	}
	memcpy(buf, data, len);
	return MojoWriteMessage(pipe, m, NULL);
}

/* Wait for a message; copy its payload (at most @len) and one handle. */
static MojoResult receive_msg(MojoHandle pipe, void *data, uint32_t len, MojoHandle *h)
{
	uint32_t n, nh = h ? 1 : 0;
	MojoMessageHandle m;
	void *buf;
	MojoResult r;

	r = wait_for(pipe, MOJO_HANDLE_SIGNAL_READABLE);
	if (r != MOJO_RESULT_OK)
		return r;
	r = MojoReadMessage(pipe, NULL, &m);
	if (r != MOJO_RESULT_OK)
		return r;
	r = MojoGetMessageData(m, NULL, &buf, &n, h, &nh);
	if (r == MOJO_RESULT_OK)
		memcpy(data, buf, n < len ? n : len);
	MojoDestroyMessage(m);
	return r;
}

static int child(int sock)
{
	struct MojoPlatformHandle ph = {
		sizeof(ph), MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR, (uint64_t)sock,
	};
	struct MojoInvitationTransportEndpoint t = {
		sizeof(t), MOJO_INVITATION_TRANSPORT_TYPE_CHANNEL, 1, &ph,
	};
	MojoHandle inv, pipe, consumer;
	unsigned int v;
	const void *p;
	uint32_t n;
	char c;

	if (MojoInitialize(NULL) != MOJO_RESULT_OK ||
	    MojoAcceptInvitation(&t, NULL, &inv) != MOJO_RESULT_OK ||
	    MojoExtractMessagePipeFromInvitation(inv, "pingpong", 8, NULL, &pipe) !=
	    MOJO_RESULT_OK)
		return 1;
	MojoClose(inv);
	for (;;) {
		if (receive_msg(pipe, &v, sizeof(v), NULL) != MOJO_RESULT_OK)
			return 1;
		if (v == STOP)
			break;
		printf("  pong %u\n", v);
		fflush(stdout);
		v++;
		if (send_msg(pipe, &v, sizeof(v), NULL) != MOJO_RESULT_OK)
			return 1;
	}
	/* A data pipe consumer arrives in a message: read it in place. */
	if (receive_msg(pipe, &c, 1, &consumer) != MOJO_RESULT_OK)
		return 1;
	printf("  child reads the stream: ");
	while (wait_for(consumer, MOJO_HANDLE_SIGNAL_READABLE) == MOJO_RESULT_OK) {
		if (MojoBeginReadData(consumer, NULL, &p, &n) != MOJO_RESULT_OK)
			break;
		fwrite(p, 1, n, stdout);
		MojoEndReadData(consumer, n, NULL);
	}
	printf("\n");
	MojoClose(consumer);
	MojoClose(pipe);
	return 0;
}

int main(void)
{
	struct MojoPlatformHandle ph = {
		.struct_size = sizeof(ph), .type = MOJO_PLATFORM_HANDLE_TYPE_FILE_DESCRIPTOR,
	};
	struct MojoInvitationTransportEndpoint t = {
		sizeof(t), MOJO_INVITATION_TRANSPORT_TYPE_CHANNEL, 1, &ph,
	};
	static const char text[] = "a data pipe through a message pipe, on mojoports";
	MojoHandle inv, pipe, producer, consumer;
	unsigned int v = 0;
	int sv[2], status, i;
	uint32_t n;
	pid_t pid;

	if (MojoInitialize(NULL) != MOJO_RESULT_OK) {
		fprintf(stderr, "mojo_pingpong: no Mojo core (MOJO_CORE_LIBRARY_PATH?)\n");
		return 1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ||
	    MojoCreateInvitation(NULL, &inv) != MOJO_RESULT_OK ||
	    MojoAttachMessagePipeToInvitation(inv, "pingpong", 8, NULL, &pipe) !=
	    MOJO_RESULT_OK)
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(sv[0]);
		_exit(child(sv[1]));
	}
	close(sv[1]);
	ph.value = (uint64_t)sv[0];
	if (MojoSendInvitation(inv, NULL, &t, NULL, 0, NULL) != MOJO_RESULT_OK)
		return 1;
	for (i = 0; i < ROUNDS; i++) {
		printf("ping %u\n", v);
		fflush(stdout);
		if (send_msg(pipe, &v, sizeof(v), NULL) != MOJO_RESULT_OK ||
		    receive_msg(pipe, &v, sizeof(v), NULL) != MOJO_RESULT_OK)
			return 1;
		v++;
	}
	v = STOP;
	if (send_msg(pipe, &v, sizeof(v), NULL) != MOJO_RESULT_OK ||
	    MojoCreateDataPipe(NULL, &producer, &consumer) != MOJO_RESULT_OK ||
	    send_msg(pipe, "d", 1, &consumer) != MOJO_RESULT_OK)
		return 1;
	n = sizeof(text) - 1;
	if (MojoWriteData(producer, text, &n, NULL) != MOJO_RESULT_OK)
		return 1;
	MojoClose(producer);	/* the child reads to the end */
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	printf("child done\n");
	MojoClose(pipe);
	return 0;
}
