/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mojofuzz chaos mode: what chaos.c (processes, threads, memory) and
 * chaos_ops.c (the operations) share. See chaos.c for the structure.
 */
#ifndef MOJOFUZZ_CHAOS_H
#define MOJOFUZZ_CHAOS_H

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <liburing.h>

#include "fuzz.h"

#define CH_WORKERS	3		/* worker processes alive at once */
#define CH_THREADS	3		/* operation threads per worker */
#define CH_NODES	4		/* node fd slots per worker */
#define CH_POOL		128		/* remembered handles per worker */
#define CH_SLOTS	8		/* ring mapping slots per worker */
#define CH_SLOT_SIZE	(256 * 1024)	/* reserved bytes per slot */
#define CH_INFOS	16		/* remembered data pipe mappings */
#define CH_EXPORTED	8		/* exported fds a thread keeps */
#define CH_HELD_RINGS	2		/* batch rings a thread keeps open */
#define CH_ARGS		64		/* argument struct slots per thread */
#define CH_ARG_SIZE	128		/* bytes per argument slot */
#define CH_BUF		(64 * 1024)	/* payload scratch per thread */
#define CH_UFFD_PAGES	16		/* userfaultfd-backed pages per worker */
#define CH_NR_CMDS	30		/* operations of the table (MOJO_IOC_*) */
#define CH_HOG_MSG	(1 << 20)	/* message size of a memory hog */

/* What a pool entry is (a hint: the handle may be gone or reused). */
enum ch_kind {
	CH_K_NONE,
	CH_K_MSG,
	CH_K_PRODUCER,
	CH_K_CONSUMER,
	CH_K_TRAP,
	CH_K_WRAPPED,
	CH_K_ANY,
};

/*
 * State of the whole run, in a MAP_SHARED page every process sees: the
 * limits, the op counter, the failures, and which operation was reached
 * through which transport.
 */
struct ch_shared {
	atomic_uint_fast64_t ops;
	atomic_uint_fast64_t failures;
	atomic_uint_fast64_t printed;
	atomic_int stop;
	uint64_t max_ops;
	atomic_uint_fast64_t reached[CH_NR_CMDS][FZ_NR_VIA];
	atomic_uint_fast64_t succeeded[CH_NR_CMDS];
	atomic_uint_fast64_t faults, mmaps, mapped, forks, uffd, injected;
	/* Memory pressure (ch_pressure): how the hogs ended, OOM kills. */
	atomic_uint_fast64_t hog_bytes, hog_enomem, hog_enospc, oom_kills;
};

/* A ring mapping slot: a fixed, always reserved, address range. */
struct ch_slot {
	pthread_mutex_t lock;
	uint8_t *addr;
	size_t len;		/* bytes mapped from the ring; 0: reserved only */
	uint64_t map_offset;
	int producer;
	int holed;		/* partly unmapped: no checks on it any more */
};

/* What MOJO_IOC_DATA_PIPE_INFO said of an endpoint. */
struct ch_info {
	int valid;
	int node;
	uint32_t handle;
	int producer;
	uint32_t element_size;
	uint64_t map_offset;
	uint64_t map_size;
};

/* One worker process: what its threads share. */
struct ch_proc {
	const struct fz_opts *o;
	struct ch_shared *sh;
	int index;		/* worker slot */
	uint64_t gen;		/* how many times the slot was respawned */
	long page;
	int nodes[CH_NODES];	/* fixed fd numbers; replaced with dup3() */
	_Atomic uint64_t pool[CH_POOL];
	struct ch_slot slots[CH_SLOTS];
	pthread_mutex_t info_lock;
	struct ch_info infos[CH_INFOS];
	int mbox[2];		/* SOCK_DGRAM pair shared by all workers */
	uint8_t *none_page;	/* PROT_NONE, reserved forever */
	uint8_t *uffd_area;	/* CH_UFFD_PAGES, or NULL */
	int uffd;
	int memfd;		/* backs the threads' file pages */
	uint8_t *hog_buf;	/* CH_HOG_MSG bytes never written (zero page) */
	/* Batch rings of threads that exited, closed later by main. */
	pthread_mutex_t orphan_lock;
	struct io_uring *orphans[16];
	int norphans;
};

/* The memory one thread slot passes to the kernel; never unmapped. */
struct ch_mem {
	uint8_t *buf;		/* CH_BUF bytes, then a PROT_NONE page */
	uint8_t *args;		/* CH_ARGS * CH_ARG_SIZE bytes */
	uint8_t *ro;		/* a read-only page (made writable to fill) */
	uint8_t *straddle;	/* a page, then a PROT_NONE page */
	uint8_t *file;		/* a page of the worker's memfd */
	uint8_t *dontneed;	/* a page dropped with MADV_DONTNEED on use */
};

/* One operation thread of a worker. */
struct ch_thread {
	struct ch_proc *p;
	int idx;
	uint64_t gen;
	pthread_t tid;
	atomic_int running;
	struct fz_rng rng;
	struct ch_mem mem;
	unsigned int argi;
	unsigned int pending;	/* async commands on the fz_call() ring */
	int exported[CH_EXPORTED];
	int nexported;
	int wrap_fds[2];	/* made for the last WRAP_FD; -1 none */
	struct io_uring *held[CH_HELD_RINGS];
	int forked;		/* a fork child: no locks, no slots */
	int failfd;		/* its fail-nth file; -1 none, -2 not opened */
	bool uffd;		/* the call being made reads the uffd area */
};

/* ---- chaos.c ---- */

/*
 * A memory cgroup campaign (vm-init's MOJO_FUZZ_PRESSURE): threads also
 * hold big rings and queues of big messages, and the cgroup's OOM killer
 * may kill workers, which is no finding.
 */
extern bool ch_pressure;

/* Count one operation; its number (for fz_fail). */
uint64_t ch_tick(struct ch_thread *t);
bool ch_stopping(struct ch_thread *t);
void ch_fail(struct ch_thread *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Touch @len bytes at @p (write when @write) with SIGSEGV and SIGBUS
 * caught: 0 when it went through, else the signal.
 */
int ch_touch(volatile uint8_t *p, size_t len, bool write);
/* Re-reserve [addr, addr + len) as PROT_NONE (after an unmap). */
void ch_reserve(void *addr, size_t len);
/* Fork a short-lived child of this thread (exec when @exec). */
void ch_fork_child(struct ch_thread *t, bool exec);
/* Seed a PRNG from the run's seed and up to three indices. */
void ch_seed(struct fz_rng *r, uint64_t seed, uint64_t a, uint64_t b,
	     uint64_t c);

/* ---- chaos_ops.c ---- */

/* One random action of a thread (an operation, a mapping game, ...). */
void ch_step(struct ch_thread *t);
/* Park an asynchronous WAIT or READ_MESSAGE on the fz_call() ring. */
void ch_park(struct ch_thread *t);
/* Collect and check completions of the thread's rings. */
void ch_reap(struct ch_thread *t, int wait_ms);
/* Close the thread's batch rings (on exit: hand them to main). */
void ch_thread_rings_exit(struct ch_thread *t, bool orphan);
/* Close the exported fds the thread keeps. */
void ch_thread_fds_exit(struct ch_thread *t);
/* The index of @cmd in the operation table, or -1. */
int ch_cmd_index(unsigned int cmd);
extern const unsigned int ch_cmds[CH_NR_CMDS];

#endif /* MOJOFUZZ_CHAOS_H */
