// SPDX-License-Identifier: GPL-2.0
/*
 * mojofuzz: chaos mode (fuzz.h). No model: many processes and threads
 * run random operations at each other, and everything a model cannot
 * follow happens meanwhile. What is checked: every result is 0 or an
 * errno the header documents for that operation and transport, the
 * mapping rules hold (no exec, no writable consumer, no growing, no
 * copy into a child), no operation hangs, nothing crashes; the VM runner
 * adds kernel splats, rmmod and kmemleak.
 *
 * Structure of one seed:
 *
 *   runner child (fz_chaos_run) = the conductor, single-threaded
 *   |  a child subreaper: every descendant ends up reaped here
 *   |  holds the mailbox, a SOCK_DGRAM socketpair every worker inherits,
 *   |  through which exported fds and node fds travel (SCM_RIGHTS)
 *   |  every few ms: SIGKILL a worker and respawn it, SIGSTOP/SIGCONT one,
 *   |  SIGUSR1 one, set a module parameter (a limit) to another value;
 *   |  stops the run on --seconds, workers stop it on --ops; restores
 *   |  the parameters at the end
 *   |
 *   +- worker 0..CH_WORKERS-1 (own process group; respawned when killed)
 *      |  main thread: respawns threads that exited, SIGUSR1s them now
 *      |  and then (so infinite waits end), reaps its fork children,
 *      |  closes batch rings that exited threads left open
 *      |  uffd thread: serves userfaultfd faults after a random delay
 *      |  op threads 0..CH_THREADS-1, each running ch_step() in a loop:
 *      |    - the operations of the table with random arguments (mostly
 *      |      plausible, sometimes boundary values or flipped bits), the
 *      |      struct and its buffers sometimes NULL, unmapped, read-only,
 *      |      straddling into a PROT_NONE page, a MADV_DONTNEED'd page, a
 *      |      memfd page, a userfaultfd page or a data pipe ring;
 *      |      through ioctl, io_uring MOJO_URING_SYNC or async (parked)
 *      |    - io_uring batches on rings of their own (SQE128, SQPOLL,
 *      |      DEFER_TASKRUN), linked with and without IOSQE_ASYNC, drained,
 *      |      with bad command areas; rings closed with commands parked,
 *      |      or left open by a thread that exits
 *      |    - mmap/mprotect/madvise/mremap/munmap of data pipe rings in
 *      |      fixed slots, and touching them (SIGBUS/SIGSEGV caught)
 *      |    - export, pass over the mailbox, import; node fds too
 *      |    - replacing a node fd under the other threads (dup3)
 *      |    - fork a child that runs a few operations on the shared
 *      |      nodes, parks commands and exits, is killed, or execs
 *      |      /bin/true with them parked and node fds inherited
 *      |    - exiting (the main thread starts another)
 *
 * Every PRNG is seeded from the seed, the worker slot, its respawn count
 * and the thread slot, so a seed replays as far as scheduling allows.
 * Memory passed to the kernel is never fuzzer state: a parked command
 * may write into it long after its thread moved on.
 *
 * At the end the conductor sets the stop flag, gives the workers a moment,
 * SIGKILLs every process group it made and reaps everything, so the
 * module can be unloaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include <mojoports.h>

#include "chaos.h"

/* Where the ring slots live (see ch_worker_setup()). */
#define CH_ARENA_ADDR	0x100000000ULL

static struct ch_shared *ch_sh;
static const struct fz_opts *ch_o;
bool ch_pressure;

/* ---- counting, stopping, failing ---- */

uint64_t ch_tick(struct ch_thread *t)
{
	struct ch_shared *sh = t->p->sh;
	uint64_t n = atomic_fetch_add(&sh->ops, 1) + 1;

	if (sh->max_ops && n >= sh->max_ops)
		atomic_store(&sh->stop, 1);
	return n;
}

bool ch_stopping(struct ch_thread *t)
{
	return atomic_load_explicit(&t->p->sh->stop, memory_order_relaxed);
}

/* At most this many failure lines per seed; all are counted. */
#define CH_MAX_PRINTED	40

void ch_fail(struct ch_thread *t, const char *fmt, ...)
{
	struct ch_shared *sh = t->p->sh;
	char buf[512];
	va_list ap;

	atomic_fetch_add(&sh->failures, 1);
	if (atomic_fetch_add(&sh->printed, 1) >= CH_MAX_PRINTED)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fz_fail(t->p->o, atomic_load(&sh->ops), "worker %d.%llu thread %d%s: %s",
		t->p->index, (unsigned long long)t->p->gen, t->idx,
		t->forked ? " (fork child)" : "", buf);
}

void ch_seed(struct fz_rng *r, uint64_t seed, uint64_t a, uint64_t b,
	     uint64_t c)
{
	/* Each index goes through the generator: nearby indices diverge. */
	fz_rng_seed(r, seed);
	fz_rng_seed(r, fz_next(r) ^ a);
	fz_rng_seed(r, fz_next(r) ^ b);
	fz_rng_seed(r, fz_next(r) ^ c);
}

/* ---- faults ---- */

static __thread sigjmp_buf ch_jmp;
static __thread volatile int ch_jmp_armed;

static void ch_on_fault(int sig, siginfo_t *si, void *uc)
{
	if (ch_jmp_armed) {
		ch_jmp_armed = 0;
		siglongjmp(ch_jmp, sig);
	}
	/* Not ours: say where, and die of it: the conductor sees it. */
	{
		ucontext_t *u = uc;
		char msg[160];
		int n;

		n = snprintf(msg, sizeof(msg),
			     "chaos: pid %d: signal %d at address %p, ip %llx\n",
			     getpid(), sig, si->si_addr,
			     (unsigned long long)u->uc_mcontext.gregs[REG_RIP]);
		if (write(2, msg, n) < 0)
			n = 0;
	}
	signal(sig, SIG_DFL);
}

int ch_touch(volatile uint8_t *p, size_t len, bool write)
{
	volatile size_t i;
	int sig;

	sig = sigsetjmp(ch_jmp, 1);
	if (sig)
		return sig;
	ch_jmp_armed = 1;
	for (i = 0; i < len; i++) {
		if (write)
			p[i] = (uint8_t)i;
		else
			(void)p[i];
	}
	ch_jmp_armed = 0;
	return 0;
}

static void ch_on_usr1(int sig)
{
	(void)sig;	/* only to interrupt: waits end with -EINTR */
}

static void ch_signals(void)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = ch_on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	memset(&sa, 0, sizeof(sa));
	/* No SA_RESTART: a wait it interrupts returns -EINTR. */
	sa.sa_handler = ch_on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void ch_reserve(void *addr, size_t len)
{
	/* MAP_FIXED over whatever is left: the range stays ours. */
	mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
	     MAP_NORESERVE, -1, 0);
}

/*
 * @len bytes and a PROT_NONE page behind them: a kernel copy of any
 * length that starts inside ends in a fault there, never in the next
 * mapping (an io_uring ring, a thread's stack).
 */
static void *ch_map(size_t len, int prot)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *p = mmap(NULL, len + pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (prot != PROT_NONE && mprotect(p, len, prot)) {
		munmap(p, len + pg);
		return NULL;
	}
	return p;
}

/* ---- userfaultfd: pages whose first touch waits on a thread ---- */

static void *ch_uffd_main(void *arg)
{
	struct ch_proc *p = arg;
	static uint8_t page[65536];
	struct fz_rng rng;

	ch_seed(&rng, p->o->seed, p->index, p->gen, 1000);
	memset(page, 0x5a, sizeof(page));
	for (;;) {
		struct pollfd pfd = { .fd = p->uffd, .events = POLLIN };
		struct uffd_msg msg;
		struct uffdio_copy copy;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if (read(p->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		/* Slow on purpose: the faulting copy waits this long. */
		usleep(fz_below(&rng, 3000));
		memset(&copy, 0, sizeof(copy));
		copy.dst = msg.arg.pagefault.address & ~(uint64_t)(p->page - 1);
		copy.src = (uintptr_t)page;
		copy.len = p->page;
		if (!ioctl(p->uffd, UFFDIO_COPY, &copy))	/* EEXIST: raced */
			atomic_fetch_add(&p->sh->uffd, 1);
	}
	return NULL;
}

static void ch_uffd_init(struct ch_proc *p)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	pthread_t tid;

	p->uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (p->uffd < 0)
		return;
	p->uffd_area = ch_map(CH_UFFD_PAGES * p->page, PROT_READ | PROT_WRITE);
	if (!p->uffd_area || ioctl(p->uffd, UFFDIO_API, &api))
		goto fail;
	reg.range.start = (uintptr_t)p->uffd_area;
	reg.range.len = CH_UFFD_PAGES * p->page;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(p->uffd, UFFDIO_REGISTER, &reg))
		goto fail;
	if (pthread_create(&tid, NULL, ch_uffd_main, p))
		goto fail;
	return;
fail:
	close(p->uffd);
	p->uffd = -1;
	p->uffd_area = NULL;
}

/* ---- the memory of a thread slot ---- */

static int ch_mem_init(struct ch_proc *p, struct ch_mem *m, int slot)
{
	long pg = p->page;
	uint8_t *b;

	b = ch_map(CH_BUF, PROT_READ | PROT_WRITE);
	if (!b)
		return -1;
	m->buf = b;
	m->args = ch_map(CH_ARGS * CH_ARG_SIZE, PROT_READ | PROT_WRITE);
	m->ro = ch_map(pg, PROT_READ);
	m->straddle = ch_map(pg, PROT_READ | PROT_WRITE);
	m->dontneed = ch_map(pg, PROT_READ | PROT_WRITE);
	if (!m->args || !m->ro || !m->straddle || !m->dontneed)
		return -1;
	m->file = NULL;
	b = ch_map(pg, PROT_NONE);
	if (p->memfd >= 0 && b) {
		/* Into a guarded reservation, as every area. */
		b = mmap(b, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 p->memfd, (off_t)slot * pg);
		m->file = b == MAP_FAILED ? NULL : b;
	}
	if (!m->file)
		m->file = m->dontneed;
	return 0;
}

/* ---- fork children ---- */

/*
 * A child of one thread: only that thread exists in it, so it takes no
 * lock of the worker (another thread may have held it at the fork) and
 * leaves the inherited rings alone (their memory is shared with the
 * parent's). It checks that no ring mapping came along, runs a few
 * operations on the nodes it shares with its parent, parks commands,
 * and then exits, dies, or execs with them parked.
 */
static void ch_child(struct ch_thread *t, bool exec)
{
	int i, n, fl;

	alarm(3);	/* a child that hangs dies; the run goes on */
	t->forked = 1;
	t->failfd = -1;	/* the parent thread's: not ours to arm */
	for (i = 0; i < CH_HELD_RINGS; i++)
		t->held[i] = NULL;
	t->pending = 0;
	fz_uring_exit();	/* unmaps our copy; the parent's ring lives */
	ch_seed(&t->rng, fz_next(&t->rng), getpid(), 0, 0);

	/* Mappings are not copied into a child: the slot must fault. */
	for (i = 0; i < CH_SLOTS; i++) {
		struct ch_slot *s = &t->p->slots[i];

		if (s->len && !s->holed && !ch_touch(s->addr, 1, false))
			ch_fail(t, "ring mapping of slot %d readable in a fork child", i);
	}
	n = 1 + fz_below(&t->rng, 12);
	for (i = 0; i < n && !ch_stopping(t); i++)
		ch_step(t);
	/* Commands parked for whatever ends this child. */
	for (i = fz_below(&t->rng, 6); i > 0; i--)
		ch_park(t);
	if (exec) {
		/* And exported endpoints, closed when /bin/true exits. */
		for (i = 0; i < t->nexported; i++)
			fcntl(t->exported[i], F_SETFD, 0);
		/* Node fds without O_CLOEXEC go along into /bin/true. */
		for (i = 0; i < CH_NODES; i++) {
			if (fz_chance(&t->rng, 50)) {
				fl = fcntl(t->p->nodes[i], F_GETFD);
				if (fl >= 0)
					fcntl(t->p->nodes[i], F_SETFD, fl & ~FD_CLOEXEC);
			}
		}
		execl("/bin/true", "true", (char *)NULL);
		_exit(0);
	}
	switch (fz_below(&t->rng, 3)) {
	case 0:
		raise(SIGKILL);
		break;
	case 1:
		ch_reap(t, 1);
		break;
	}
	fflush(stdout);
	_exit(0);
}

void ch_fork_child(struct ch_thread *t, bool exec)
{
	pid_t pid;

	if (t->forked)
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		ch_child(t, exec);
	if (pid > 0)
		atomic_fetch_add(&t->p->sh->forks, 1);
	/* The worker's main thread reaps it. */
}

/* ---- worker threads ---- */

static void *ch_thread_main(void *arg)
{
	struct ch_thread *t = arg;
	uint64_t life;

	ch_seed(&t->rng, t->p->o->seed, t->p->index, t->p->gen,
		((uint64_t)t->idx << 32) | t->gen);
	/*
	 * A fault campaign (vm-init's MOJO_FUZZ_MAKE_IT_FAIL): failslab and
	 * fail_page_alloc fail allocations of this thread only, not of the
	 * runner and the workers' main threads, which must fork and reap.
	 */
	if (getenv("MOJO_FUZZ_MAKE_IT_FAIL")) {
		int fd = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write(fd, "1", 1) != 1)
			ch_fail(t, "a fault campaign without make-it-fail: %s",
				strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	/* Threads die now and then; how long this one lives, in steps. */
	life = fz_chance(&t->rng, 30) ? fz_below(&t->rng, 2000) : ~0ULL;
	while (!ch_stopping(t) && life--) {
		ch_reap(t, 0);
		ch_step(t);
	}
	/*
	 * Exit with commands parked on the fz_call() ring (cancelled by the
	 * exit) unless it is the end: then there is nothing left to find.
	 */
	if (fz_chance(&t->rng, 50))
		fz_uring_exit();
	ch_thread_rings_exit(t, true);
	ch_thread_fds_exit(t);
	if (t->failfd >= 0)
		close(t->failfd);
	atomic_store(&t->running, 0);
	return NULL;
}

static int ch_thread_start(struct ch_thread *t)
{
	pthread_attr_t attr;
	int ret;

	t->gen++;
	t->argi = 0;
	t->pending = 0;
	t->nexported = 0;
	t->wrap_fds[0] = t->wrap_fds[1] = -1;
	t->failfd = -2;
	memset(t->held, 0, sizeof(t->held));
	atomic_store(&t->running, 1);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ret = pthread_create(&t->tid, &attr, ch_thread_main, t);
	pthread_attr_destroy(&attr);
	if (ret)
		atomic_store(&t->running, 0);
	return ret;
}

/* ---- a worker process ---- */

static int ch_worker_setup(struct ch_proc *p, struct ch_thread *ts)
{
	int i;

	p->page = sysconf(_SC_PAGESIZE);
	for (i = 0; i < CH_NODES; i++) {
		p->nodes[i] = mojo_open_node();
		if (p->nodes[i] < 0)
			return -1;
	}
	for (i = 0; i < CH_POOL; i++)
		atomic_store(&p->pool[i], 0);
	p->none_page = ch_map(p->page, PROT_NONE);
	if (!p->none_page)
		return -1;
	/* One reserved arena for the slots: rings only ever land in it. */
	{
		/*
		 * Far below everything else: the kernel places mappings top
		 * down, so a hole left in the arena for a moment (a failed
		 * MAP_FIXED mmap unmaps the range first on 6.1, mremap leaves
		 * its source unmapped) is never where another thread's new
		 * io_uring ring or stack lands, to be clobbered when we
		 * reserve the hole again.
		 */
		uint8_t *arena = mmap((void *)CH_ARENA_ADDR,
				      CH_SLOTS * CH_SLOT_SIZE + p->page, PROT_NONE,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
				      MAP_FIXED_NOREPLACE, -1, 0);

		if (arena == MAP_FAILED)
			return -1;
		for (i = 0; i < CH_SLOTS; i++) {
			pthread_mutex_init(&p->slots[i].lock, NULL);
			p->slots[i].addr = arena + (size_t)i * CH_SLOT_SIZE;
			p->slots[i].len = 0;
		}
	}
	pthread_mutex_init(&p->info_lock, NULL);
	pthread_mutex_init(&p->orphan_lock, NULL);
	memset(p->infos, 0, sizeof(p->infos));
	p->memfd = memfd_create("mojofuzz-chaos", MFD_CLOEXEC);
	if (p->memfd >= 0 && ftruncate(p->memfd, CH_THREADS * p->page)) {
		close(p->memfd);
		p->memfd = -1;
	}
	p->uffd = -1;
	p->uffd_area = NULL;
	ch_uffd_init(p);
	p->hog_buf = NULL;
	if (ch_pressure) {
		int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

		/* The cgroup's OOM killer takes a worker, not the runner. */
		if (fd < 0 || write(fd, "1000", 4) != 4)
			return -1;
		close(fd);
		p->hog_buf = ch_map(CH_HOG_MSG, PROT_READ);
		if (!p->hog_buf)
			return -1;
	}
	for (i = 0; i < CH_THREADS; i++) {
		ts[i].p = p;
		ts[i].idx = i;
		ts[i].gen = 0;
		if (ch_mem_init(p, &ts[i].mem, i))
			return -1;
	}
	return 0;
}

static void ch_close_orphans(struct ch_proc *p)
{
	int i;

	pthread_mutex_lock(&p->orphan_lock);
	for (i = 0; i < p->norphans; i++) {
		io_uring_queue_exit(p->orphans[i]);
		free(p->orphans[i]);
	}
	p->norphans = 0;
	pthread_mutex_unlock(&p->orphan_lock);
}

static void __attribute__((noreturn))
ch_worker(const struct fz_opts *o, struct ch_shared *sh, int index,
	  uint64_t gen, int mbox[2])
{
	static struct ch_proc proc;
	static struct ch_thread ts[CH_THREADS];
	struct ch_proc *p = &proc;
	struct fz_rng rng;
	int i, tick = 0;

	setpgid(0, 0);
	/*
	 * Nothing of the runner's: a worker stuck in the kernel must not
	 * keep its report pipe open (the runner would wait for EOF).
	 */
	if (mbox[0] > mbox[1]) {
		i = mbox[0];
		mbox[0] = mbox[1];
		mbox[1] = i;
	}
	close_range(3, mbox[0] - 1, 0);
	close_range(mbox[0] + 1, mbox[1] - 1, 0);
	close_range(mbox[1] + 1, ~0U, 0);
	p->o = o;
	p->sh = sh;
	p->index = index;
	p->gen = gen;
	p->mbox[0] = mbox[0];
	p->mbox[1] = mbox[1];
	ch_seed(&rng, o->seed, index, gen, 999);
	if (ch_worker_setup(p, ts)) {
		/* Out of memory or fds: not a finding, the slot is retried. */
		fflush(stdout);
		_exit(4);
	}
	for (i = 0; i < CH_THREADS; i++)
		ch_thread_start(&ts[i]);
	while (!atomic_load(&sh->stop)) {
		usleep(2000);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		for (i = 0; i < CH_THREADS; i++)
			if (!atomic_load(&ts[i].running))
				ch_thread_start(&ts[i]);
		/* Every ~50 ms: interrupt a thread (its wait ends). */
		if (++tick % 25 == 0) {
			i = fz_below(&rng, CH_THREADS);
			if (atomic_load(&ts[i].running))
				pthread_kill(ts[i].tid, SIGUSR1);
		}
		if (tick % 100 == 0)
			ch_close_orphans(p);
	}
	fflush(stdout);
	/* Whatever is parked or blocked goes with the process. */
	_exit(0);
}

/* ---- the conductor ---- */

struct ch_worker_slot {
	pid_t pid;
	uint64_t gen;
	bool killed;		/* by us: its death is no finding */
	double stopped_until;	/* SIGSTOPped: SIGCONT then */
};

static pid_t ch_spawn(const struct fz_opts *o, int index, uint64_t gen,
		      int mbox[2])
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		ch_worker(o, ch_sh, index, gen, mbox);
	return pid;
}

/*
 * The module's limits, changed under the workers now and then (a limit
 * lowered below what is in use, raised again) and restored at the end.
 */
static const char *const ch_params[] = {
	"max_message_bytes", "default_queue_msgs", "default_queue_bytes",
	"max_handles", "max_data_pipe_capacity", "max_user_ring_bytes",
	"max_user_queue_bytes", "max_user_transit_ports",
	"uring_max_pending_per_node", "uring_max_pending_per_user",
};
#define CH_NR_PARAMS	(sizeof(ch_params) / sizeof(ch_params[0]))
static char ch_param_orig[CH_NR_PARAMS][32];

static int ch_param_io(int i, char *buf, size_t len, bool write)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/mojoports/parameters/%s",
		 ch_params[i]);
	fd = open(path, write ? O_WRONLY : O_RDONLY);
	if (fd < 0)
		return -1;
	if (write) {
		n = pwrite(fd, buf, strlen(buf), 0);
	} else {
		n = pread(fd, buf, len - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
	}
	close(fd);
	return n > 0 ? 0 : -1;
}

static void ch_params_save(void)
{
	size_t i;

	for (i = 0; i < CH_NR_PARAMS; i++)
		if (ch_param_io(i, ch_param_orig[i], sizeof(ch_param_orig[i]), false))
			ch_param_orig[i][0] = '\0';
}

static void ch_params_restore(void)
{
	size_t i;

	for (i = 0; i < CH_NR_PARAMS; i++)
		if (ch_param_orig[i][0])
			ch_param_io(i, ch_param_orig[i], 0, true);
}

static void ch_param_churn(struct fz_rng *rng)
{
	int i = fz_below(rng, CH_NR_PARAMS);
	unsigned long long v, orig;
	char buf[32];

	if (!ch_param_orig[i][0])
		return;
	orig = strtoull(ch_param_orig[i], NULL, 0);
	switch (fz_below(rng, 6)) {
	case 0:
	case 1:
		v = orig;
		break;
	case 2:
		v = fz_below(rng, 3);
		break;
	case 3:
		v = 1 + fz_below(rng, 64);
		break;
	case 4:
		v = orig / (2 + fz_below(rng, 64));
		break;
	default:
		v = fz_size(rng, 64);	/* out of range: refused */
		break;
	}
	snprintf(buf, sizeof(buf), "%llu", v);
	ch_param_io(i, buf, 0, true);
}

/* Every process group made during the run, to kill at the end. */
#define CH_MAX_GROUPS	4096
static pid_t ch_groups[CH_MAX_GROUPS];
static int ch_ngroups;

static void ch_group_add(pid_t pid)
{
	if (pid > 0 && ch_ngroups < CH_MAX_GROUPS)
		ch_groups[ch_ngroups++] = pid;
}

static void ch_report_death(struct ch_worker_slot *w, int index, int status)
{
	struct ch_thread t = { 0 };
	struct ch_proc p = { 0 };

	if (w->killed)
		return;
	if (ch_pressure && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
		atomic_fetch_add(&ch_sh->oom_kills, 1);
		return;
	}
	if (WIFEXITED(status) && (WEXITSTATUS(status) == 0 ||
				  WEXITSTATUS(status) == 4))
		return;
	p.o = ch_o;
	p.sh = ch_sh;
	p.index = index;
	p.gen = w->gen;
	t.p = &p;
	t.idx = -1;
	if (WIFSIGNALED(status))
		ch_fail(&t, "worker died of signal %d (%s)", WTERMSIG(status),
			strsignal(WTERMSIG(status)));
	else
		ch_fail(&t, "worker exited with status %d", WEXITSTATUS(status));
}

static void ch_print_reached(const struct fz_opts *o)
{
	char line[1024];
	size_t n = 0;
	int i, v;

	line[0] = '\0';
	for (i = 0; i < CH_NR_CMDS; i++) {
		for (v = 0; v < FZ_NR_VIA; v++) {
			if (atomic_load(&ch_sh->reached[i][v]) || n > sizeof(line) - 64)
				continue;
			n += snprintf(line + n, sizeof(line) - n, " %s/%s",
				      fz_op_name(ch_cmds[i]), fz_via_name[v]);
		}
	}
	if (n || o->verbose)
		printf("chaos seed=%llu: not reached:%s\n",
		       (unsigned long long)o->seed, n ? line : " none");
	if (o->verbose > 1) {
		for (i = 0; i < CH_NR_CMDS; i++)
			printf("chaos   %-24s ioctl=%llu sync=%llu async=%llu ok=%llu\n",
			       fz_op_name(ch_cmds[i]),
			       (unsigned long long)ch_sh->reached[i][0],
			       (unsigned long long)ch_sh->reached[i][1],
			       (unsigned long long)ch_sh->reached[i][2],
			       (unsigned long long)ch_sh->succeeded[i]);
		printf("chaos   mmaps=%llu mapped=%llu faults=%llu forks=%llu uffd=%llu injected=%llu\n",
		       (unsigned long long)ch_sh->mmaps,
		       (unsigned long long)ch_sh->mapped,
		       (unsigned long long)ch_sh->faults,
		       (unsigned long long)ch_sh->forks,
		       (unsigned long long)ch_sh->uffd,
		       (unsigned long long)ch_sh->injected);
	}
}

/*
 * A process that does not die of SIGKILL is stuck in the kernel: say so,
 * and have the kernel print every task's stack (the blocked ones first)
 * to the console, where the runner's log keeps it. We go on waiting: the
 * runner's watchdog ends the seed.
 */
static void ch_stuck(void)
{
	struct ch_thread t = { 0 };
	struct ch_proc p = { 0 };
	int fd;

	p.o = ch_o;
	p.sh = ch_sh;
	p.index = -1;
	t.p = &p;
	t.idx = -1;
	ch_fail(&t, "a process survived SIGKILL for 20 s (stacks on the console)");
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	if (fd < 0)
		return;
	/* l: the running ones too (a worker spinning on the other CPU). */
	if (write(fd, "w", 1) != 1 || write(fd, "l", 1) != 1 ||
	    write(fd, "t", 1) != 1)
		fd = -fd;
	close(fd < 0 ? -fd : fd);
}

int fz_chaos_run(const struct fz_opts *o, struct fz_run *run)
{
	struct ch_worker_slot w[CH_WORKERS] = { 0 };
	double t0 = fz_now(), deadline, end;
	int mbox[2], i, status;
	struct fz_rng rng;
	pid_t pid;

	ch_o = o;
	ch_pressure = getenv("MOJO_FUZZ_PRESSURE");
	ch_sh = mmap(NULL, sizeof(*ch_sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ch_sh == MAP_FAILED)
		return -1;
	memset(ch_sh, 0, sizeof(*ch_sh));
	ch_sh->max_ops = o->ops;
	/* Neither limit: a short run rather than an endless one. */
	deadline = o->seconds ? t0 + o->seconds : (o->ops ? 0 : t0 + 10);
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, mbox))
		return -1;
	/* Orphans of killed workers come to us, so we reap them all. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* Before any fork: a worker may get SIGUSR1 in its first moments. */
	ch_signals();
	ch_seed(&rng, o->seed, ~0ULL, 0, 0);
	ch_params_save();

	for (i = 0; i < CH_WORKERS; i++) {
		w[i].pid = ch_spawn(o, i, 0, mbox);
		ch_group_add(w[i].pid);
	}
	while (!atomic_load(&ch_sh->stop)) {
		double now = fz_now();

		if (deadline && now >= deadline) {
			atomic_store(&ch_sh->stop, 1);
			break;
		}
		usleep(5000);
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < CH_WORKERS; i++) {
				if (w[i].pid != pid)
					continue;
				ch_report_death(&w[i], i, status);
				w[i].gen++;
				w[i].killed = false;
				w[i].stopped_until = 0;
				w[i].pid = atomic_load(&ch_sh->stop) ? 0 :
					   ch_spawn(o, i, w[i].gen, mbox);
				ch_group_add(w[i].pid);
			}
		}
		for (i = 0; i < CH_WORKERS; i++) {
			if (w[i].stopped_until && now >= w[i].stopped_until) {
				kill(w[i].pid, SIGCONT);
				w[i].stopped_until = 0;
			}
		}
		if (fz_chance(&rng, 2))
			ch_param_churn(&rng);
		i = fz_below(&rng, CH_WORKERS);
		if (w[i].pid <= 0 || w[i].killed)
			continue;
		switch (fz_below(&rng, 400)) {
		case 0:
		case 1:
			/* SIGKILL with everything in flight; respawned. */
			w[i].killed = true;
			kill(-w[i].pid, SIGKILL);
			break;
		case 2:
			if (!w[i].stopped_until) {
				kill(w[i].pid, SIGSTOP);
				w[i].stopped_until = now + 0.01 +
					fz_below(&rng, 100) / 1000.0;
			}
			break;
		case 3:
		case 4:
			kill(w[i].pid, SIGUSR1);
			break;
		}
	}

	/* The end: a moment to leave by themselves, then SIGKILL. */
	end = fz_now() + 2;
	for (i = 0; i < CH_WORKERS; i++)
		if (w[i].pid > 0 && w[i].stopped_until)
			kill(w[i].pid, SIGCONT);
	for (;;) {
		bool alive = false;

		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < CH_WORKERS; i++) {
				if (w[i].pid == pid) {
					ch_report_death(&w[i], i, status);
					w[i].pid = 0;
				}
			}
		}
		for (i = 0; i < CH_WORKERS; i++)
			alive |= w[i].pid > 0;
		if (!alive || fz_now() > end)
			break;
		usleep(10000);
	}
	for (i = 0; i < CH_WORKERS; i++)
		if (w[i].pid > 0)
			w[i].killed = true;
	for (i = 0; i < ch_ngroups; i++)
		kill(-ch_groups[i], SIGKILL);
	close(mbox[0]);
	close(mbox[1]);
	/*
	 * Reap every descendant. One stuck in the kernel would keep us here;
	 * the runner's watchdog then reports the seed as a hang.
	 */
	end = fz_now() + 20;
	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0 && errno != EINTR)
			break;
		for (i = 0; i < CH_WORKERS; i++)
			if (pid > 0 && w[i].pid == pid)
				ch_report_death(&w[i], i, status);
		if (pid > 0)
			continue;
		if (end && fz_now() > end) {
			ch_stuck();
			end = 0;
		}
		usleep(10000);
	}
	ch_params_restore();
	ch_print_reached(o);
	if (ch_pressure)
		printf("chaos seed=%llu: pressure hog_bytes=%llu enomem=%llu enospc=%llu oom_kills=%llu\n",
		       (unsigned long long)o->seed,
		       (unsigned long long)ch_sh->hog_bytes,
		       (unsigned long long)ch_sh->hog_enomem,
		       (unsigned long long)ch_sh->hog_enospc,
		       (unsigned long long)ch_sh->oom_kills);
	run->ops = atomic_load(&ch_sh->ops);
	run->failures = atomic_load(&ch_sh->failures);
	return 0;
}
