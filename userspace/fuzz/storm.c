// SPDX-License-Identifier: GPL-2.0
/*
 * mojofuzz: storm mode (fuzz.h), a kill storm around a ring of processes.
 *
 * STORM_WORKERS worker processes, each with its own node, hold handles and
 * pass them to each other inside messages: they create pipes, write
 * messages carrying handles through other handles, read (adopting what
 * arrives), fuse, export and import, close. The parent (which has a node
 * of its own only to create links) SIGKILLs a random worker every few
 * milliseconds and starts a new one in its slot, linked to two random
 * others by fresh pipes whose ends travel over a UNIX socket (SCM_RIGHTS).
 * Every result must be 0 or an errno the header documents.
 *
 * When the budget is spent the killing stops and the survivors check the
 * end state together, phase by phase (a process-shared barrier):
 *
 *  1. drain: every worker reads every message of every handle it holds,
 *     adopting the handles that arrive, round after round until a round
 *     in which nobody read anything. Then no handle is in transit except
 *     inside a queue nobody can reach (which would be a leak).
 *  2. probe: every worker writes one probe message to each message pipe
 *     handle that does not report PEER_CLOSED (a write must not fail).
 *  3. check: every such handle must now hold exactly one probe: its peer
 *     is alive, so some survivor holds it and wrote the probe. A handle
 *     whose peer is alive but held by no one fails here; one that reports
 *     PEER_CLOSED must read -EPIPE.
 *  4. close everything. The VM runner then checks rmmod and kmemleak.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mojoports.h>

#include "fuzz.h"

#define STORM_WORKERS	4
#define STORM_HELD	48	/* handles a worker keeps at most */
#define STORM_PROBE	"probe"

/* Shared by the parent and every worker (MAP_SHARED, anonymous). */
struct storm_shared {
	atomic_ullong ops;
	atomic_ullong failures;
	atomic_int stop;
	atomic_ullong reads[2];		/* per drain round, alternating */
	atomic_ullong live;		/* handles probed at the end */
	atomic_ullong closed;		/* handles whose peer had closed */
	atomic_ullong kills;
	atomic_ullong enomem;		/* calls that failed for want of memory */
	pthread_barrier_t barrier;
};

struct storm_worker {
	struct storm_shared *sh;
	const struct fz_opts *o;
	struct fz_rng rng;
	int slot;
	int node;
	int ctl;			/* socket: handles from the parent */
	uint32_t held[STORM_HELD];
	bool is_data[STORM_HELD];
	int nheld;
};

static void storm_fail(struct storm_worker *w, const char *fmt, const char *op,
		       int err)
{
	char what[128];

	snprintf(what, sizeof(what), fmt, op, err);
	fz_fail(w->o, atomic_load(&w->sh->ops), "worker %d: %s", w->slot, what);
	atomic_fetch_add(&w->sh->failures, 1);
}

/* @ret (0 or -errno) of @cmd must be documented. */
static void storm_check(struct storm_worker *w, unsigned int cmd, int ret)
{
	if (!fz_errno_documented(cmd, -ret, FZ_IOCTL))
		storm_fail(w, "%s returned the undocumented errno %d", fz_op_name(cmd), -ret);
	if (ret == -ENOMEM)
		atomic_fetch_add(&w->sh->enomem, 1);
	atomic_fetch_add(&w->sh->ops, 1);
}

static void storm_adopt(struct storm_worker *w, uint32_t h)
{
	struct mojo_data_pipe_info_args info = { .handle = h };

	if (w->nheld == STORM_HELD) {
		storm_check(w, MOJO_IOC_CLOSE, mojo_close(w->node, h));
		return;
	}
	w->is_data[w->nheld] = !ioctl(w->node, MOJO_IOC_DATA_PIPE_INFO, &info);
	w->held[w->nheld++] = h;
}

/* Forget slot @i (after it was closed or sent away). */
static void storm_drop(struct storm_worker *w, int i)
{
	w->held[i] = w->held[w->nheld - 1];
	w->is_data[i] = w->is_data[w->nheld - 1];
	w->nheld--;
}

static int storm_pick(struct storm_worker *w)
{
	return w->nheld ? (int)fz_below(&w->rng, w->nheld) : -1;
}

/* Handles the parent sent (non-blocking socket). */
static void storm_take_links(struct storm_worker *w)
{
	uint32_t h;

	while (mojo_recv_handle(w->ctl, w->node, &h) == 0)
		storm_adopt(w, h);
}

/*
 * Read one message from slot @i, adopting its handles. Returns 1 when a
 * message was read, 0 otherwise.
 */
static int storm_read(struct storm_worker *w, int i)
{
	uint32_t hs[8], nh = 8, nb = 256, k;
	char buf[256];
	int ret;

	if (w->is_data[i])
		return 0;
	ret = mojo_read_message(w->node, w->held[i], buf, &nb, hs, &nh);
	storm_check(w, MOJO_IOC_READ_MESSAGE, ret);
	if (ret)
		return 0;
	for (k = 0; k < nh; k++)
		storm_adopt(w, hs[k]);
	return 1;
}

static void storm_step(struct storm_worker *w)
{
	uint32_t a, b, carry[2];
	int i, j, n, ret;
	char bytes[64];

	i = storm_pick(w);
	switch (fz_below(&w->rng, 10)) {
	case 0:		/* a new pipe, both ends kept */
		ret = mojo_create_message_pipe(w->node, &a, &b);
		storm_check(w, MOJO_IOC_CREATE_MESSAGE_PIPE, ret);
		if (!ret) {
			storm_adopt(w, a);
			storm_adopt(w, b);
		}
		break;
	case 1:		/* now and then a data pipe */
		if (fz_below(&w->rng, 4))
			break;
		ret = mojo_create_data_pipe(w->node, 1, 4096, &a, &b);
		storm_check(w, MOJO_IOC_CREATE_DATA_PIPE, ret);
		if (!ret) {
			storm_adopt(w, a);
			storm_adopt(w, b);
		}
		break;
	case 2: case 3: case 4:	/* forward up to two handles through another */
		if (i < 0 || w->is_data[i])
			break;
		n = 0;
		for (j = fz_below(&w->rng, 3); j > 0; j--) {
			int k = storm_pick(w);

			if (k != i && (!n || carry[0] != w->held[k]))
				carry[n++] = w->held[k];
		}
		memset(bytes, 'm', sizeof(bytes));
		ret = mojo_write_message(w->node, w->held[i], bytes,
					 fz_below(&w->rng, sizeof(bytes)), carry, n);
		storm_check(w, MOJO_IOC_WRITE_MESSAGE, ret);
		/* All or nothing: on success the carried handles left us. */
		for (j = 0; !ret && j < n; j++) {
			int k;

			for (k = 0; k < w->nheld; k++)
				if (w->held[k] == carry[j])
					break;
			if (k < w->nheld)
				storm_drop(w, k);
		}
		break;
	case 5: case 6:
		if (i >= 0)
			storm_read(w, i);
		break;
	case 7:
		if (i < 0)
			break;
		storm_check(w, MOJO_IOC_CLOSE, mojo_close(w->node, w->held[i]));
		storm_drop(w, i);
		break;
	case 8:		/* fuse two ends, or export one and import it back */
		j = storm_pick(w);
		if (i < 0 || j == i)
			break;
		if (fz_below(&w->rng, 2)) {
			a = w->held[i];
			b = w->held[j];
			ret = mojo_fuse_message_pipes(w->node, a, b);
			storm_check(w, MOJO_IOC_FUSE, ret);
			if (!ret) {
				storm_drop(w, i > j ? i : j);
				storm_drop(w, i > j ? j : i);
			}
		} else {
			int fd = mojo_export_handle(w->node, w->held[i]);

			storm_check(w, MOJO_IOC_EXPORT, fd < 0 ? fd : 0);
			if (fd < 0)
				break;
			storm_drop(w, i);
			ret = mojo_import_handle(w->node, fd, &a);
			storm_check(w, MOJO_IOC_IMPORT, ret);
			close(fd);
			if (!ret)
				storm_adopt(w, a);
		}
		break;
	default:
		if (i >= 0)
			storm_check(w, MOJO_IOC_QUERY_SIGNALS,
				    mojo_query_signals(w->node, w->held[i], NULL, NULL));
		break;
	}
}

static void storm_barrier(struct storm_worker *w)
{
	pthread_barrier_wait(&w->sh->barrier);
}

/* The end state, checked by all survivors together (see the top). */
static void storm_final(struct storm_worker *w)
{
	uint64_t sat, total;
	uint32_t nb, nh;
	unsigned int round;
	char buf[64];
	int i, n, ret;

	storm_take_links(w);
	storm_barrier(w);
	for (round = 0;; round++) {
		/* Reading adopts handles: keep going while anything comes. */
		do {
			n = 0;
			for (i = 0; i < w->nheld; i++)
				while (storm_read(w, i))
					n++;
			atomic_fetch_add(&w->sh->reads[round & 1], n);
		} while (n);
		storm_barrier(w);
		total = atomic_load(&w->sh->reads[round & 1]);
		if (w->slot == 0)
			atomic_store(&w->sh->reads[(round + 1) & 1], 0);
		storm_barrier(w);
		if (!total)
			break;
	}

	for (i = 0; i < w->nheld; i++) {
		if (w->is_data[i])
			continue;
		ret = mojo_query_signals(w->node, w->held[i], &sat, NULL);
		storm_check(w, MOJO_IOC_QUERY_SIGNALS, ret);
		if (ret || (sat & MOJO_SIGNAL_PEER_CLOSED))
			continue;
		ret = mojo_write_message(w->node, w->held[i], STORM_PROBE,
					 sizeof(STORM_PROBE), NULL, 0);
		if (ret)
			storm_fail(w, "%s of a probe to a live peer failed: %d",
				   "WRITE_MESSAGE", ret);
	}
	storm_barrier(w);

	for (i = 0; i < w->nheld; i++) {
		if (w->is_data[i])
			continue;
		ret = mojo_query_signals(w->node, w->held[i], &sat, NULL);
		if (ret)
			continue;
		nb = sizeof(buf);
		nh = 0;
		ret = mojo_read_message(w->node, w->held[i], buf, &nb, NULL, &nh);
		atomic_fetch_add(sat & MOJO_SIGNAL_PEER_CLOSED ? &w->sh->closed :
				 &w->sh->live, 1);
		if (sat & MOJO_SIGNAL_PEER_CLOSED) {
			if (ret != -EPIPE)
				storm_fail(w, "%s of a closed peer's end gave %d, not -EPIPE",
					   "READ_MESSAGE", ret);
			continue;
		}
		if (ret || nb != sizeof(STORM_PROBE) || memcmp(buf, STORM_PROBE, nb))
			storm_fail(w, "%s found no probe from a live peer (%d): its end is held by no one",
				   "READ_MESSAGE", ret);
		else if (mojo_read_message(w->node, w->held[i], buf, &nb, NULL, &nh) != -EAGAIN)
			storm_fail(w, "%s found more than one probe (%d)", "READ_MESSAGE", 0);
	}
	storm_barrier(w);
	for (i = 0; i < w->nheld; i++)
		storm_check(w, MOJO_IOC_CLOSE, mojo_close(w->node, w->held[i]));
	w->nheld = 0;
	storm_barrier(w);
}

static void __attribute__((noreturn)) storm_worker_main(struct storm_shared *sh,
							const struct fz_opts *o,
							int slot, unsigned int gen,
							int ctl)
{
	struct storm_worker w = {
		.sh = sh, .o = o, .slot = slot, .ctl = ctl,
	};

	int fail = -1;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fz_rng_seed(&w.rng, o->seed ^ ((uint64_t)slot << 48) ^ ((uint64_t)gen << 32));
	w.node = mojo_open_node();
	if (w.node < 0)
		_exit(3);
	/*
	 * A fault campaign (vm-init's MOJO_FUZZ_MAKE_IT_FAIL): the worker's
	 * allocations fail now and then during the storm, every failure must
	 * be a documented errno that changed nothing, and the end checks,
	 * run without injection, prove no handle was lost on the way.
	 */
	if (getenv("MOJO_FUZZ_MAKE_IT_FAIL")) {
		fail = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
		if (fail < 0 || pwrite(fail, "1", 1, 0) != 1)
			storm_fail(&w, "%s: no make-it-fail (%d)", "storm", errno);
	}
	while (!atomic_load(&sh->stop)) {
		if (!fz_below(&w.rng, 16))
			storm_take_links(&w);
		storm_step(&w);
	}
	if (fail >= 0 && pwrite(fail, "0", 1, 0) != 1)
		storm_fail(&w, "%s: make-it-fail stays set (%d)", "storm", errno);
	storm_final(&w);
	close(w.node);
	_exit(0);
}

struct storm_slot {
	pid_t pid;
	int ctl;		/* the parent's end of the socket */
	unsigned int gen;
};

static void storm_spawn(struct storm_shared *sh, const struct fz_opts *o,
			struct storm_slot *s, int slot)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv)) {
		s->pid = -1;
		return;
	}
	s->gen++;
	s->pid = fork();
	if (!s->pid) {
		close(sv[0]);
		storm_worker_main(sh, o, slot, s->gen, sv[1]);
	}
	close(sv[1]);
	s->ctl = sv[0];
}

/* A fresh pipe between slots @a and @b (its ends leave the parent). */
static void storm_link(int node, struct storm_slot *slots, int a, int b)
{
	uint32_t h0, h1;

	if (mojo_create_message_pipe(node, &h0, &h1))
		return;
	mojo_send_handle(slots[a].ctl, node, h0);
	mojo_send_handle(slots[b].ctl, node, h1);
}

int fz_storm_run(const struct fz_opts *o, struct fz_run *run)
{
	struct storm_slot slots[STORM_WORKERS] = { 0 };
	pthread_barrierattr_t ba;
	struct storm_shared *sh;
	struct fz_rng rng;
	double t0 = fz_now();
	int node, i, status, bad = 0;

	signal(SIGPIPE, SIG_IGN);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -1;
	memset(sh, 0, sizeof(*sh));
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	pthread_barrier_init(&sh->barrier, &ba, STORM_WORKERS);
	fz_rng_seed(&rng, o->seed);
	node = mojo_open_node();
	if (node < 0)
		return -1;

	for (i = 0; i < STORM_WORKERS; i++)
		storm_spawn(sh, o, &slots[i], i);
	for (i = 0; i < STORM_WORKERS; i++)
		storm_link(node, slots, i, (i + 1) % STORM_WORKERS);

	/* The storm: kill one, start another in its place, link it. */
	while ((!o->ops || atomic_load(&sh->ops) < o->ops) &&
	       (!o->seconds || fz_now() - t0 < o->seconds) &&
	       (o->ops || o->seconds)) {
		int victim = fz_below(&rng, STORM_WORKERS);
		struct storm_slot *s = &slots[victim];

		usleep(2000 + fz_below(&rng, 20000));
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
		atomic_fetch_add(&sh->kills, 1);
		if (!WIFSIGNALED(status)) {
			fz_fail(o, atomic_load(&sh->ops), "worker %d exited with %d before the end",
				victim, WEXITSTATUS(status));
			bad = 1;
		}
		close(s->ctl);
		storm_spawn(sh, o, s, victim);
		if (s->pid < 0)
			break;
		for (i = 0; i < 2; i++)
			storm_link(node, slots, victim,
				   (victim + 1 + fz_below(&rng, STORM_WORKERS - 1)) % STORM_WORKERS);
	}

	/* The survivors check the end state; then they exit. */
	atomic_store(&sh->stop, 1);
	for (i = 0; i < STORM_WORKERS; i++) {
		if (slots[i].pid <= 0)
			continue;
		waitpid(slots[i].pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fz_fail(o, atomic_load(&sh->ops), "worker %d ended with status %#x",
				i, status);
			bad = 1;
		}
		close(slots[i].ctl);
	}
	close(node);
	printf("storm seed=%llu: %llu kills, %llu ENOMEM; at the end %llu live ends, each probed, and %llu ends of closed peers\n",
	       (unsigned long long)o->seed, atomic_load(&sh->kills),
	       atomic_load(&sh->enomem), atomic_load(&sh->live),
	       atomic_load(&sh->closed));
	run->ops = atomic_load(&sh->ops);
	run->failures = atomic_load(&sh->failures) + bad;
	return 0;
}
