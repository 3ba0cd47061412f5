/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mojofuzz: a seeded, stateful fuzzer for /dev/mojoports.
 *
 * Two modes share this header:
 *
 * - model (model.c): one thread drives many nodes of one process; every
 *   result (return value, errno, output fields, message bytes, handles
 *   that arrive, signals) is predicted by a reference model written from
 *   uapi/linux/mojoports.h. The first difference is a failure.
 * - chaos (chaos.c): many processes and threads, fork, kill, exec, mmap
 *   games, io_uring in every way; no model, but every result must be 0 or
 *   an errno the header documents for that operation, and nothing may
 *   hang.
 * - storm (storm.c): a kill storm around a ring of processes passing
 *   handles to each other; the survivors then check that every handle is
 *   usable or reports PEER_CLOSED, and that nothing is lost in transit.
 *
 * A run is one seed: the same seed and operation count replay the same
 * operations (in model mode, exactly; chaos mode is as deterministic as
 * its scheduling allows).
 */
#ifndef MOJOFUZZ_H
#define MOJOFUZZ_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/mojoports.h>

/**
 * struct fz_opts - what one run does
 * @mode:       "model", "chaos" or "storm"
 * @seed:       the seed of this run
 * @ops:        operations to run (0: no limit, only @seconds)
 * @seconds:    time budget (0: no limit, only @ops)
 * @trace_from: print every operation from this number on (0: none)
 * @verbose:    more output
 */
struct fz_opts {
	const char *mode;
	uint64_t seed;
	uint64_t ops;
	double seconds;
	uint64_t trace_from;
	int verbose;
};

/**
 * struct fz_run - what one run reports
 * @ops:      operations done
 * @failures: differences from the model, or undocumented results
 */
struct fz_run {
	uint64_t ops;
	uint64_t failures;
};

/* The modes: run one seed, fill @run; return 0, or -1 on a setup error. */
int fz_model_run(const struct fz_opts *o, struct fz_run *run);
int fz_chaos_run(const struct fz_opts *o, struct fz_run *run);
int fz_storm_run(const struct fz_opts *o, struct fz_run *run);

/* ---- pseudo-random numbers (xoshiro256**, seeded by splitmix64) ---- */

struct fz_rng {
	uint64_t s[4];
};

void fz_rng_seed(struct fz_rng *r, uint64_t seed);
uint64_t fz_next(struct fz_rng *r);
/* Uniform in [0, n); 0 when n is 0. */
uint64_t fz_below(struct fz_rng *r, uint64_t n);
/* True with probability @percent / 100. */
bool fz_chance(struct fz_rng *r, unsigned int percent);
/*
 * A size or count for a field of @bits bits: mostly small, sometimes a
 * boundary (0, 1, powers of two and their neighbours, the maximum).
 */
uint64_t fz_size(struct fz_rng *r, unsigned int bits);

/* ---- transports ---- */

/**
 * enum fz_via - how an operation is submitted
 * @FZ_IOCTL:       ioctl(2)
 * @FZ_URING_SYNC:  io_uring, MOJO_URING_SYNC (behaves as the ioctl)
 * @FZ_URING_ASYNC: io_uring without it: a read or wait with nothing to
 *                  do stays pending (fz_call() then returns FZ_PENDING)
 */
enum fz_via {
	FZ_IOCTL,
	FZ_URING_SYNC,
	FZ_URING_ASYNC,
	FZ_NR_VIA,
};

/*
 * fz_call() of an asynchronous command that did not complete at once:
 * neither an errno nor a result (UNWRAP_FD's fd is positive).
 */
#define FZ_PENDING	(-100000L)

extern const char *const fz_via_name[FZ_NR_VIA];

/*
 * Per-thread io_uring for fz_call() (created on first use; @entries SQEs).
 * fz_uring_exit() closes it, with whatever is still pending.
 */
int fz_uring_init(unsigned int entries);
void fz_uring_exit(void);

/*
 * Run @cmd on @node with @arg through @via. Returns 0, -errno, or, for
 * FZ_URING_ASYNC, FZ_PENDING when no completion came within @wait_ms (the
 * command stays pending, tagged @tag; collect it with fz_reap()).
 */
long fz_call(int node, unsigned int cmd, void *arg, enum fz_via via,
	     uint64_t tag, int wait_ms);

/*
 * Wait up to @wait_ms for one completion of this thread's ring: its tag
 * and result. Returns 1 when one came, 0 when none did, -errno on error.
 */
int fz_reap(int wait_ms, uint64_t *tag, int *res);

/* ---- checks and reports ---- */

/*
 * Does the header document @err (positive; 0 always passes) for @cmd
 * through @via? (selftests/mojo_errnos.h)
 */
bool fz_errno_documented(unsigned int cmd, int err, enum fz_via via);

/* The operation's name (MOJO_IOC_<name>), or "?". */
const char *fz_op_name(unsigned int cmd);

/*
 * Report a failure: one line naming the mode, seed and operation number,
 * which `make fuzz SEED=<seed> OPS=<op + 1>` replays.
 */
void fz_fail(const struct fz_opts *o, uint64_t op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print an operation when tracing (o->trace_from set and reached). */
void fz_trace(const struct fz_opts *o, uint64_t op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Monotonic seconds. */
double fz_now(void);

#endif /* MOJOFUZZ_H */
