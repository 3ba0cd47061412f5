// SPDX-License-Identifier: GPL-2.0
/*
 * mojofuzz: what both modes share (random numbers, transports, checks).
 */
#include <errno.h>
#include <liburing.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <mojoports.h>

#include "fuzz.h"
#include "mojo_errnos.h"

/* ---- pseudo-random numbers ---- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void fz_rng_seed(struct fz_rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t fz_next(struct fz_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t fz_below(struct fz_rng *r, uint64_t n)
{
	return n ? fz_next(r) % n : 0;
}

bool fz_chance(struct fz_rng *r, unsigned int percent)
{
	return fz_below(r, 100) < percent;
}

uint64_t fz_size(struct fz_rng *r, unsigned int bits)
{
	uint64_t max = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
	unsigned int p;

	switch (fz_below(r, 8)) {
	case 0:
		return fz_below(r, 3);			/* 0, 1, 2 */
	case 1:
		p = fz_below(r, bits);
		return ((1ULL << p) + fz_below(r, 3) - 1) & max;	/* 2^p - 1 .. 2^p + 1 */
	case 2:
		return max - fz_below(r, 2);		/* the top */
	case 3:
		return fz_next(r) & max;
	default:
		return fz_below(r, 64) & max;		/* small */
	}
}

/* ---- transports ---- */

const char *const fz_via_name[FZ_NR_VIA] = {
	[FZ_IOCTL] = "ioctl",
	[FZ_URING_SYNC] = "uring-sync",
	[FZ_URING_ASYNC] = "uring-async",
};

static __thread struct io_uring fz_ring;
static int fz_reap_ring(int wait_ms, uint64_t *tag, int *res);
static __thread bool fz_ring_up;

int fz_uring_init(unsigned int entries)
{
	int ret;

	if (fz_ring_up)
		return 0;
	ret = io_uring_queue_init(entries, &fz_ring, 0);
	if (ret)
		return ret;
	fz_ring_up = true;
	return 0;
}

void fz_uring_exit(void)
{
	if (!fz_ring_up)
		return;
	io_uring_queue_exit(&fz_ring);
	fz_ring_up = false;
}

/*
 * Completions fz_call() met while waiting for its own: handed out by the
 * next fz_reap() calls, oldest first. A ring's worth at most (the SQ and
 * CQ bound what can be pending).
 */
#define FZ_STASH	1024
static __thread struct {
	uint64_t tag;
	int res;
} fz_stash[FZ_STASH];
static __thread unsigned int fz_stash_head, fz_stash_tail;

static void fz_unclaimed_push(uint64_t tag, int res)
{
	if (fz_stash_tail - fz_stash_head == FZ_STASH)
		fz_stash_head++;	/* cannot happen with 256 entries */
	fz_stash[fz_stash_tail % FZ_STASH].tag = tag;
	fz_stash[fz_stash_tail % FZ_STASH].res = res;
	fz_stash_tail++;
}

int fz_reap(int wait_ms, uint64_t *tag, int *res)
{
	if (fz_stash_head != fz_stash_tail) {
		*tag = fz_stash[fz_stash_head % FZ_STASH].tag;
		*res = fz_stash[fz_stash_head % FZ_STASH].res;
		fz_stash_head++;
		return 1;
	}
	return fz_reap_ring(wait_ms, tag, res);
}

static int fz_reap_ring(int wait_ms, uint64_t *tag, int *res)
{
	struct __kernel_timespec ts = {
		.tv_sec = wait_ms / 1000,
		.tv_nsec = (long)(wait_ms % 1000) * 1000000,
	};
	struct io_uring_cqe *cqe;
	int ret;

	if (!fz_ring_up)
		return -EINVAL;
	if (wait_ms)
		ret = io_uring_wait_cqe_timeout(&fz_ring, &cqe, &ts);
	else
		ret = io_uring_peek_cqe(&fz_ring, &cqe);
	if (ret == -ETIME || ret == -EAGAIN || ret == -EINTR)
		return 0;
	if (ret)
		return ret;
	*tag = io_uring_cqe_get_data64(cqe);
	*res = cqe->res;
	io_uring_cqe_seen(&fz_ring, cqe);
	return 1;
}

/* Tags of fz_call()'s own commands: never a caller's (top bit set). */
#define FZ_TAG_CALL	(1ULL << 63)

long fz_call(int node, unsigned int cmd, void *arg, enum fz_via via,
	     uint64_t tag, int wait_ms)
{
	struct io_uring_sqe *sqe;
	uint64_t got;
	int ret, res;

	/* A result may be positive: UNWRAP_FD returns its new fd. */
	if (via == FZ_IOCTL) {
		ret = ioctl(node, cmd, arg);
		return ret < 0 ? -errno : ret;
	}
	ret = fz_uring_init(256);
	if (ret)
		return ret;
	sqe = io_uring_get_sqe(&fz_ring);
	if (!sqe) {
		io_uring_submit(&fz_ring);
		sqe = io_uring_get_sqe(&fz_ring);
		if (!sqe)
			return -EBUSY;
	}
	mojo_uring_prep_cmd(sqe, node, cmd, arg,
			    via == FZ_URING_SYNC ? MOJO_URING_SYNC : 0);
	if (via == FZ_URING_SYNC)
		tag = FZ_TAG_CALL;
	io_uring_sqe_set_data64(sqe, tag);
	ret = io_uring_submit(&fz_ring);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	/*
	 * A synchronous command completes within the submission; an
	 * asynchronous one at once unless it parks. Completions of earlier
	 * asynchronous commands may come first: the caller's fz_reap() sees
	 * those only through its own tags, so they are not lost, but this
	 * helper needs its own. Callers that mix keep tags apart.
	 */
	for (;;) {
		ret = fz_reap_ring(via == FZ_URING_SYNC ? 10000 : wait_ms,
				   &got, &res);
		if (ret < 0)
			return ret;
		if (!ret)
			return via == FZ_URING_SYNC ? -ETIME : FZ_PENDING;
		if (got == tag)
			return res;
		/* Someone else's: put it back where fz_reap() finds it. */
		fz_unclaimed_push(got, res);
	}
}

/* ---- checks and reports ---- */

bool fz_errno_documented(unsigned int cmd, int err, enum fz_via via)
{
	return mojo_test_errno_listed(cmd, err, via != FZ_IOCTL);
}

const char *fz_op_name(unsigned int cmd)
{
	const struct mojo_test_errno *e = mojo_test_errno_entry(cmd);

	return e ? e->name : "?";
}

void fz_fail(const struct fz_opts *o, uint64_t op, const char *fmt, ...)
{
	va_list ap;

	printf("FUZZ-FAIL mode=%s seed=%llu op=%llu: ", o->mode,
	       (unsigned long long)o->seed, (unsigned long long)op);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void fz_trace(const struct fz_opts *o, uint64_t op, const char *fmt, ...)
{
	va_list ap;

	if (!o->trace_from || op < o->trace_from)
		return;
	printf("op %llu: ", (unsigned long long)op);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

double fz_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}
