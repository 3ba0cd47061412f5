// SPDX-License-Identifier: GPL-2.0
/*
 * mojofuzz chaos mode: the actions of a thread (chaos.c has the
 * structure). An operation of the table is generated into a struct
 * ch_call (plausible arguments from the worker's handle pool, sometimes
 * boundary values or a flipped bit), placed somewhere (mostly a scratch
 * slot, sometimes memory the kernel cannot or can only slowly reach),
 * run through one of the three transports, checked against the
 * documented errnos, and its results (new handles, exported fds, grants)
 * fed back. Around them: io_uring batches, the ring mapping games, fd
 * passing, node replacement, forks.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mojoports.h>

#include "chaos.h"

const unsigned int ch_cmds[CH_NR_CMDS] = {
	MOJO_IOC_VERSION, MOJO_IOC_NODE_NAME, MOJO_IOC_CLOSE,
	MOJO_IOC_QUERY_SIGNALS, MOJO_IOC_WAIT, MOJO_IOC_EXPORT,
	MOJO_IOC_IMPORT, MOJO_IOC_SET_QUOTA, MOJO_IOC_CREATE_TRAP,
	MOJO_IOC_ADD_TRIGGER, MOJO_IOC_REMOVE_TRIGGER, MOJO_IOC_ARM_TRAP,
	MOJO_IOC_READ_TRAP_EVENTS, MOJO_IOC_WRAP_FD, MOJO_IOC_UNWRAP_FD,
	MOJO_IOC_CREATE_MESSAGE_PIPE,
	MOJO_IOC_WRITE_MESSAGE, MOJO_IOC_READ_MESSAGE, MOJO_IOC_FUSE,
	MOJO_IOC_SET_SIGNAL_QUOTA, MOJO_IOC_QUERY_QUOTA,
	MOJO_IOC_CREATE_DATA_PIPE, MOJO_IOC_WRITE_DATA, MOJO_IOC_READ_DATA,
	MOJO_IOC_BEGIN_WRITE_DATA, MOJO_IOC_END_WRITE_DATA,
	MOJO_IOC_BEGIN_READ_DATA, MOJO_IOC_END_READ_DATA,
	MOJO_IOC_DATA_PIPE_INFO, MOJO_IOC_DATA_PIPE_SET_THRESHOLD,
};

int ch_cmd_index(unsigned int cmd)
{
	int i;

	for (i = 0; i < CH_NR_CMDS; i++)
		if (ch_cmds[i] == cmd)
			return i;
	return -1;
}

/* One operation on its way: the struct, where it went, what came back. */
struct ch_call {
	unsigned int cmd;
	int node;
	int fd;
	size_t size;
	union {
		struct mojo_version_args version;
		struct mojo_node_name_args name;
		struct mojo_create_message_pipe_args cmp;
		struct mojo_write_message_args wm;
		struct mojo_read_message_args rm;
		struct mojo_handle_args h;
		struct mojo_signals_args sig;
		struct mojo_fuse_args fuse;
		struct mojo_export_args exp;
		struct mojo_quota_args quota;
		struct mojo_signal_quota_args sq;
		struct mojo_trap_args trap;
		struct mojo_read_events_args ev;
		struct mojo_create_data_pipe_args cdp;
		struct mojo_data_args data;
		struct mojo_data_pipe_info_args info;
		struct mojo_wrap_fd_args wrap;
		uint8_t raw[CH_ARG_SIZE];
	} a;
	void *arg;		/* where the struct was placed */
	void *out;		/* the same when it can be read back */
	uint32_t *hbuf;		/* READ_MESSAGE: a handle buffer we can read */
	int import_fd;		/* IMPORT: an fd of ours to close after */
};

#define R(n)		fz_below(&t->rng, (n))
#define CHANCE(p)	fz_chance(&t->rng, (p))

/* ---- checks ---- */

static void ch_check(struct ch_thread *t, unsigned int cmd, long ret,
		     enum fz_via via, const char *how)
{
	if (ret >= 0 || fz_errno_documented(cmd, -ret, via))
		return;
	ch_fail(t, "%s via %s%s: undocumented errno %s (%ld)", fz_op_name(cmd),
		fz_via_name[via], how, strerrorname_np(-ret) ?: "?", -ret);
}

/* ---- handles ---- */

static uint64_t ch_pack(int kind, int node, uint32_t h)
{
	return ((uint64_t)kind << 40) | ((uint64_t)node << 32) | h;
}

static void ch_pool_add(struct ch_thread *t, int node, uint32_t h, int kind)
{
	if (!h || node < 0 || node >= CH_NODES)
		return;
	atomic_store_explicit(&t->p->pool[R(CH_POOL)], ch_pack(kind, node, h),
			      memory_order_relaxed);
}

/*
 * A handle to operate on: mostly one the pool remembers, of @kind and of
 * node *@node when it is set (else the entry's node becomes *@node);
 * sometimes 0 or a number nobody handed out.
 */
static uint32_t ch_pick(struct ch_thread *t, int *node, int kind)
{
	uint64_t e, best = 0;
	int i, en;

	if (CHANCE(88)) {
		for (i = 0; i < 16; i++) {
			e = atomic_load_explicit(&t->p->pool[R(CH_POOL)],
						 memory_order_relaxed);
			if (!e)
				continue;
			en = (e >> 32) & 0xff;
			if (kind != CH_K_ANY && (int)(e >> 40) != kind)
				continue;
			best = e;
			if (*node < 0 || en == *node)
				break;
		}
		if (best) {
			en = (best >> 32) & 0xff;
			if (*node < 0)
				*node = en < CH_NODES ? en : 0;
			return (uint32_t)best;
		}
	}
	if (*node < 0)
		*node = R(CH_NODES);
	return CHANCE(40) ? 0 : (uint32_t)fz_size(&t->rng, 32);
}

static int ch_any_node(struct ch_thread *t, int *node)
{
	if (*node < 0)
		*node = R(CH_NODES);
	return t->p->nodes[*node];
}

/* ---- memory handed to the kernel ---- */

/* A payload size: mostly small, sometimes past the buffer or huge. */
static uint64_t ch_len(struct ch_thread *t)
{
	unsigned int r = R(100);

	if (r < 15)
		return 0;
	if (r < 55)
		return R(64);
	if (r < 80)
		return R(4096);
	if (r < 90)
		return 1 + R(CH_BUF);
	return fz_size(&t->rng, 32);
}

static uint8_t *ch_ring_addr(struct ch_thread *t)
{
	struct ch_slot *s = &t->p->slots[R(CH_SLOTS)];

	/* No lock: the slot's range is always ours, mapped or reserved. */
	return s->addr + R(s->len ? s->len : (size_t)t->p->page);
}

/*
 * A buffer of @len bytes: mostly in the scratch buffer (*@good then), else
 * NULL, unmapped, read-only, straddling into PROT_NONE, a dropped page,
 * a page of the memfd, a ring, a userfaultfd page, kernel or
 * non-canonical addresses, or the end of the scratch buffer.
 */
static uint64_t ch_buf(struct ch_thread *t, uint64_t len, bool *good)
{
	struct ch_mem *m = &t->mem;
	long pg = t->p->page;
	uint64_t fit = len < CH_BUF ? len : CH_BUF;
	unsigned int r = R(100);

	*good = false;
	if (r < 82) {
		*good = true;
		return (uintptr_t)m->buf + R(CH_BUF - fit + 1);
	}
	switch (r) {
	case 82:
		return 0;
	case 83:
		return (uintptr_t)t->p->none_page + R(pg);
	case 84:
		return (uintptr_t)m->ro + R(pg);
	case 85:
	case 86:
		return (uintptr_t)m->straddle + pg - (fit > 1 ? R(fit) + 1 : 1);
	case 87:
		madvise(m->file, pg, MADV_DONTNEED);
		return (uintptr_t)m->file + R(pg - (fit < (uint64_t)pg ? fit : 0));
	case 88:
		madvise(m->dontneed, pg, MADV_DONTNEED);
		return (uintptr_t)m->dontneed + R(pg - (fit < (uint64_t)pg ? fit : 0));
	case 89:
	case 90:
		return (uintptr_t)ch_ring_addr(t);
	case 91:
	case 92:
	case 93:
		if (t->p->uffd_area) {
			t->uffd = true;
			return (uintptr_t)t->p->uffd_area +
			       R(CH_UFFD_PAGES * pg - (fit < (uint64_t)pg ? fit : 0));
		}
		return (uintptr_t)m->buf;
	case 94:
		return 0xffff888000000000ULL + R(1 << 20);
	case 95:
		return 0x8000000000000000ULL >> R(2);
	case 96:
		return ~0ULL - R(4096);
	default:
		/* The scratch's end: a long copy runs into the guard page. */
		return (uintptr_t)m->buf + CH_BUF - R(64);
	}
}

/* Put the struct somewhere: c->arg, and c->out when we can read it back. */
static void ch_place(struct ch_thread *t, struct ch_call *c)
{
	struct ch_mem *m = &t->mem;
	uint8_t *slot = m->args + (t->argi++ % CH_ARGS) * CH_ARG_SIZE;
	long pg = t->p->page;
	unsigned int r = R(100);
	size_t k;

	c->out = NULL;
	if (r < 90) {
		memcpy(slot, &c->a, c->size);
		c->arg = c->out = slot;
		return;
	}
	switch (r) {
	case 90:
		c->arg = NULL;
		break;
	case 91:
		c->arg = t->p->none_page;
		break;
	case 92:
		if (mprotect(m->ro, pg, PROT_READ | PROT_WRITE) == 0) {
			memcpy(m->ro, &c->a, c->size);
			mprotect(m->ro, pg, PROT_READ);
		}
		c->arg = m->ro;
		break;
	case 93:
		/* The struct's tail in the PROT_NONE page. */
		k = 8 * (1 + R(c->size / 8 - 1));
		memcpy(m->straddle + pg - k, &c->a, k);
		c->arg = m->straddle + pg - k;
		break;
	case 94:
	case 95:
		/* Written, then its pte dropped: the kernel's read faults. */
		memcpy(m->file, &c->a, c->size);
		madvise(m->file, pg, MADV_DONTNEED);
		c->arg = c->out = m->file;
		break;
	case 96:
		/* Dropped: the kernel reads zeros after a fault. */
		memcpy(m->dontneed, &c->a, c->size);
		madvise(m->dontneed, pg, MADV_DONTNEED);
		c->arg = c->out = m->dontneed;
		break;
	case 97:
		c->arg = ch_ring_addr(t);
		break;
	default:
		if (t->p->uffd_area) {
			t->uffd = true;
			c->arg = c->out = t->p->uffd_area + R(CH_UFFD_PAGES) * pg;
		} else {
			memcpy(slot, &c->a, c->size);
			c->arg = c->out = slot;
		}
		break;
	}
}

/* A byte of the struct flipped, for fields no generator thinks of. */
static void ch_mutate(struct ch_thread *t, struct ch_call *c)
{
	size_t i, w;
	uint64_t v;

	if (!CHANCE(4))
		return;
	i = R(c->size);
	w = i & ~(size_t)7;
	/*
	 * A user pointer (an aligned word that looks like one) keeps its
	 * flip within its page: every buffer chaos hands out lies in pages
	 * of its own, so the kernel then writes only there, or faults. A
	 * flip of a high bit could point an out buffer (a read's payload,
	 * handles, creds) at a thread's stack or libc's data, and the
	 * worker would die of the corruption later, far from its cause
	 * (seen: a SIGSEGV its handler never saw, so delivered with a
	 * broken stack).
	 */
	if (w + 8 <= c->size) {
		memcpy(&v, c->a.raw + w, 8);
		if (v >= 0x10000 && v < (1ULL << 47)) {
			v ^= 1ULL << R(12);
			memcpy(c->a.raw + w, &v, 8);
			return;
		}
	}
	c->a.raw[i] ^= 1 << R(8);
}

/* ---- data pipe mapping records ---- */

static void ch_info_add(struct ch_thread *t, int node, uint32_t h)
{
	struct mojo_data_pipe_info_args a = { .handle = h };
	struct ch_info *in;

	if (ioctl(t->p->nodes[node], MOJO_IOC_DATA_PIPE_INFO, &a))
		return;
	if (pthread_mutex_trylock(&t->p->info_lock))
		return;
	in = &t->p->infos[R(CH_INFOS)];
	in->valid = 1;
	in->node = node;
	in->handle = h;
	in->producer = a.producer;
	in->element_size = a.element_size;
	in->map_offset = a.map_offset;
	in->map_size = a.map_size;
	pthread_mutex_unlock(&t->p->info_lock);
}

static bool ch_info_pick(struct ch_thread *t, struct ch_info *out)
{
	struct ch_info *in;

	if (pthread_mutex_trylock(&t->p->info_lock))
		return false;
	in = &t->p->infos[R(CH_INFOS)];
	*out = *in;
	pthread_mutex_unlock(&t->p->info_lock);
	return out->valid;
}

/* ---- running one call ---- */

static uint64_t ch_tag(struct ch_thread *t, unsigned int cmd)
{
	return ((uint64_t)cmd << 20) | (t->argi & 0xfffff);
}

static enum fz_via ch_via(struct ch_thread *t)
{
	enum fz_via via = R(FZ_NR_VIA);

	/* No ring (fds or memory ran out): that is not the module's doing. */
	if (via != FZ_IOCTL && fz_uring_init(256))
		via = FZ_IOCTL;
	return via;
}

/*
 * Fail the @nth allocation of this thread's next call (debug kernel:
 * fail-nth); 0 disarms. The result: was an armed failure still pending?
 */
static bool ch_fail_nth(struct ch_thread *t, int nth)
{
	char buf[16] = { 0 };
	int len;

	if (t->failfd == -2) {
		t->failfd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
		if (t->failfd < 0)
			t->failfd = -1;
	}
	if (t->failfd < 0)
		return false;
	if (!nth) {
		if (pread(t->failfd, buf, sizeof(buf) - 1, 0) <= 0)
			buf[0] = '0';
		if (pwrite(t->failfd, "0", 1, 0) != 1)
			return false;
		return atoi(buf) != 0;
	}
	len = snprintf(buf, sizeof(buf), "%d", nth);
	return pwrite(t->failfd, buf, len, 0) == len;
}

static long ch_exec(struct ch_thread *t, struct ch_call *c, enum fz_via via)
{
	int ci = ch_cmd_index(c->cmd);
	bool inject = false;
	long ret;

	if (ci >= 0)
		atomic_fetch_add_explicit(&t->p->sh->reached[ci][via], 1,
					  memory_order_relaxed);
	/*
	 * Now and then an allocation of the call fails: the ioctl only, as
	 * io_uring's own allocations would fail it before the module.
	 */
	if (via == FZ_IOCTL && CHANCE(10))
		inject = ch_fail_nth(t, 1 + R(4));
	ret = fz_call(c->fd, c->cmd, c->arg, via, ch_tag(t, c->cmd), 1);
	if (inject && !ch_fail_nth(t, 0))
		atomic_fetch_add_explicit(&t->p->sh->injected, 1,
					  memory_order_relaxed);
	else
		inject = false;
	if (ret == FZ_PENDING) {
		t->pending++;
		return ret;
	}
	if (via != FZ_IOCTL && (ret == -ETIME || ret == -EIO)) {
		/* fz_call()'s own: no completion, or the SQE not taken. */
		ch_fail(t, "%s via %s: %s", fz_op_name(c->cmd), fz_via_name[via],
			ret == -ETIME ? "no completion within 10 s" :
					"submission not taken");
		return ret;
	}
	ch_check(t, c->cmd, ret, via, inject ? " (an allocation failed)" : "");
	if (ret >= 0 && ci >= 0)
		atomic_fetch_add_explicit(&t->p->sh->succeeded[ci], 1,
					  memory_order_relaxed);
	return ret;
}

/* ---- generators ---- */

static void ch_wrap_fds_close(struct ch_thread *t);

static void gen_zero(struct ch_thread *t, struct ch_call *c)
{
	c->fd = ch_any_node(t, &c->node);
}

static void gen_write_message(struct ch_thread *t, struct ch_call *c)
{
	struct mojo_write_message_args *a = &c->a.wm;
	uint64_t len = ch_len(t);
	uint32_t nh, i, *hs;
	bool good;

	a->handle = ch_pick(t, &c->node, CH_K_MSG);
	a->bytes = ch_buf(t, len, &good);
	a->num_bytes = len;
	nh = CHANCE(70) ? 0 : CHANCE(80) ? 1 + R(3) : fz_size(&t->rng, 7);
	a->num_handles = nh;
	a->handles = ch_buf(t, (uint64_t)nh * 4, &good);
	if (good) {
		hs = (uint32_t *)(uintptr_t)a->handles;
		for (i = 0; i < nh && i < 64; i++) {
			int n = c->node;

			hs[i] = ch_pick(t, &n, CH_K_ANY);
		}
	}
	if (!nh && CHANCE(50))
		a->handles = 0;
	c->fd = t->p->nodes[c->node];
}

static void gen_read_message(struct ch_thread *t, struct ch_call *c)
{
	struct mojo_read_message_args *a = &c->a.rm;
	uint64_t len = ch_len(t);
	bool good, cgood;
	unsigned int r;

	a->handle = ch_pick(t, &c->node, CH_K_MSG);
	a->bytes = ch_buf(t, len, &good);
	a->num_bytes = len;
	a->num_handles = CHANCE(60) ? 64 : CHANCE(50) ? R(4) : fz_size(&t->rng, 32);
	a->handles = ch_buf(t, 64 * 4, &good);
	if (good)
		c->hbuf = (uint32_t *)(uintptr_t)a->handles;
	/*
	 * Sometimes ask who wrote it, into any buffer (ch_buf() makes some
	 * bad); rarely a pointer without the flag, or an unknown flag. The
	 * creds are written before the handles, so an overlap with @handles
	 * leaves post_read_message() the handles.
	 */
	r = R(100);
	if (r < 20) {
		a->flags = MOJO_READ_MESSAGE_SENDER_CREDS;
		a->creds = ch_buf(t, sizeof(struct mojo_sender_creds), &cgood);
	} else if (r < 22) {
		a->creds = ch_buf(t, sizeof(struct mojo_sender_creds), &cgood);
	} else if (r < 23) {
		a->flags = 1u << R(32);
	}
	c->fd = t->p->nodes[c->node];
}

static void gen_handle(struct ch_thread *t, struct ch_call *c)
{
	c->a.h.handle = ch_pick(t, &c->node, CH_K_ANY);
	c->fd = t->p->nodes[c->node];
}

static uint64_t ch_signals(struct ch_thread *t)
{
	return CHANCE(95) ? 1 + R(MOJO_SIGNALS_ALL) : fz_size(&t->rng, 64);
}

static void gen_query(struct ch_thread *t, struct ch_call *c)
{
	c->a.sig.handle = ch_pick(t, &c->node, CH_K_ANY);
	if (CHANCE(3))
		c->a.sig.signals = ch_signals(t);
	if (CHANCE(3))
		c->a.sig.timeout_ns = fz_size(&t->rng, 64);
	c->fd = t->p->nodes[c->node];
}

static void gen_wait(struct ch_thread *t, struct ch_call *c)
{
	struct mojo_signals_args *a = &c->a.sig;
	unsigned int r = R(100);

	a->handle = ch_pick(t, &c->node, CH_K_ANY);
	a->signals = ch_signals(t);
	/* Long waits end by the main thread's SIGUSR1 (-EINTR). */
	if (r < 35)
		a->timeout_ns = 0;
	else if (r < 75)
		a->timeout_ns = R(5000000);
	else if (r < 88)
		a->timeout_ns = R(50000000);
	else if (r < 90)
		a->timeout_ns = MOJO_TIMEOUT_INFINITE;
	else
		a->timeout_ns = fz_size(&t->rng, 64);
	c->fd = t->p->nodes[c->node];
}

static void gen_fuse(struct ch_thread *t, struct ch_call *c)
{
	c->a.fuse.handle0 = ch_pick(t, &c->node, CH_K_MSG);
	c->a.fuse.handle1 = ch_pick(t, &c->node, CH_K_MSG);
	c->fd = t->p->nodes[c->node];
}

/* Is @fd an exported handle's file? Only those are ours to close. */
static bool ch_is_export_fd(int fd)
{
	char path[64], link[64];
	ssize_t n;

	if (fd < 3)
		return false;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	return strstr(link, "mojoports-handle") != NULL;
}

static void ch_keep_fd(struct ch_thread *t, int fd)
{
	if (t->nexported == CH_EXPORTED) {
		close(t->exported[0]);
		memmove(t->exported, t->exported + 1,
			(CH_EXPORTED - 1) * sizeof(int));
		t->nexported--;
	}
	t->exported[t->nexported++] = fd;
}

/* Receive one fd from the mailbox: 'E' exported, 'N' node; -1: none. */
static int ch_mbox_recv(struct ch_thread *t, char *what)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = what, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(t->p->mbox[R(2)], &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

static void ch_mbox_send(struct ch_thread *t, int fd, char what)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &what, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	sendmsg(t->p->mbox[R(2)], &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* A node fd from the mailbox takes the place of one of ours. */
static void ch_adopt_node(struct ch_thread *t, int fd)
{
	dup3(fd, t->p->nodes[R(CH_NODES)], CHANCE(70) ? O_CLOEXEC : 0);
	close(fd);
}

static void gen_import(struct ch_thread *t, struct ch_call *c)
{
	unsigned int r = R(100);
	char what;
	int fd;

	c->fd = ch_any_node(t, &c->node);
	c->import_fd = -1;
	if (r < 35 && t->nexported) {
		fd = t->exported[--t->nexported];
		c->import_fd = fd;
	} else if (r < 60) {
		fd = ch_mbox_recv(t, &what);
		if (fd >= 0 && what == 'N') {
			ch_adopt_node(t, fd);
			fd = -1;
		}
		c->import_fd = fd;
	} else if (r < 72) {
		fd = t->p->nodes[R(CH_NODES)];
	} else if (r < 80) {
		fd = t->p->mbox[R(2)];
	} else if (r < 86) {
		fd = -1;
	} else if (r < 92) {
		fd = (int)fz_size(&t->rng, 31);
	} else {
		fd = R(3);
	}
	c->a.exp.fd = fd;
}

/*
 * WRAP_FD of something this thread has: a pipe end, a memfd or an eventfd
 * made for the call (allowed), a node fd, the mailbox's AF_UNIX socket or
 * an exported handle (refused: EINVAL), or no fd at all. Never a number
 * picked at random: wrapping a pipe of the runner's would keep its
 * reader from seeing EOF. The fds made for it stay open until the
 * thread's next WRAP_FD (a batch issues its SQEs after generating them
 * all).
 */
static void gen_wrap(struct ch_thread *t, struct ch_call *c)
{
	unsigned int r = R(100);
	int fd = -1;

	ch_wrap_fds_close(t);
	c->fd = ch_any_node(t, &c->node);
	if (r < 30) {
		if (!pipe2(t->wrap_fds, O_CLOEXEC | O_NONBLOCK))
			fd = t->wrap_fds[R(2)];
	} else if (r < 45) {
		fd = t->wrap_fds[0] = memfd_create("chaos", MFD_CLOEXEC);
	} else if (r < 55) {
		fd = t->wrap_fds[0] = eventfd(0, EFD_CLOEXEC);
	} else if (r < 68) {
		fd = t->p->nodes[R(CH_NODES)];
	} else if (r < 75) {
		fd = t->p->mbox[R(2)];
	} else if (r < 82 && t->nexported) {
		fd = t->exported[R(t->nexported)];
	} else if (r < 92) {
		fd = -1 - (int)R(4);
	} else {
		fd = (int)(1u << 20) + (int)R(1u << 20);	/* never open */
	}
	c->a.wrap.fd = fd;
}

static void gen_unwrap(struct ch_thread *t, struct ch_call *c)
{
	unsigned int r = R(100);

	c->a.h.handle = ch_pick(t, &c->node, CHANCE(80) ? CH_K_WRAPPED : CH_K_ANY);
	c->a.h.flags = r < 60 ? 0 : r < 95 ? MOJO_UNWRAP_FD_NO_CLOEXEC :
		       (uint32_t)fz_size(&t->rng, 32);
	c->fd = t->p->nodes[c->node];
}

/*
 * Signal-only limits: mostly small (so QUOTA_EXCEEDED comes and goes as
 * others write and read), sometimes MOJO_QUOTA_NONE or anything; flags
 * and the fields that must be zero wrong now and then.
 */
static void gen_signal_quota(struct ch_thread *t, struct ch_call *c)
{
	struct mojo_signal_quota_args *a = &c->a.sq;
	__u64 *lim[3] = { &a->queue_msgs, &a->queue_bytes, &a->unread_msgs };
	int i;

	a->handle = ch_pick(t, &c->node, CH_K_MSG);
	c->fd = t->p->nodes[c->node];
	if (c->cmd == MOJO_IOC_QUERY_QUOTA) {
		if (CHANCE(3))
			a->flags = 1u << R(32);
		return;
	}
	a->flags = CHANCE(95) ? 1 + R(7) : (uint32_t)fz_size(&t->rng, 32);
	for (i = 0; i < 3; i++)
		if (a->flags & (1u << i))
			*lim[i] = CHANCE(10) ? MOJO_QUOTA_NONE :
				  CHANCE(80) ? R(8) : fz_next(&t->rng);
	if (CHANCE(3))
		a->unread = 1 + R(9);
}

static void gen_set_quota(struct ch_thread *t, struct ch_call *c)
{
	struct mojo_quota_args *a = &c->a.quota;

	a->handle = ch_pick(t, &c->node, CH_K_MSG);
	a->max_msgs = CHANCE(70) ? 1 + R(64) : fz_size(&t->rng, 21);
	a->max_bytes = CHANCE(70) ? 1 + R(1 << 16) : fz_size(&t->rng, 31);
	c->fd = t->p->nodes[c->node];
}

static void gen_trigger(struct ch_thread *t, struct ch_call *c)
{
	struct mojo_trap_args *a = &c->a.trap;
	int n;

	a->trap = ch_pick(t, &c->node, CH_K_TRAP);
	n = c->node;
	if (c->cmd == MOJO_IOC_ADD_TRIGGER) {
		a->handle = ch_pick(t, &n, CH_K_ANY);
		a->signals = ch_signals(t);
		a->condition = CHANCE(95) ? R(2) : fz_size(&t->rng, 32);
	}
	if (c->cmd != MOJO_IOC_ARM_TRAP)
		a->context = CHANCE(80) ? R(8) : fz_next(&t->rng);
	c->fd = t->p->nodes[c->node];
}

static void gen_read_events(struct ch_thread *t, struct ch_call *c)
{
	struct mojo_read_events_args *a = &c->a.ev;
	bool good;

	a->num_events = CHANCE(70) ? 1 + R(MOJO_MAX_READ_EVENTS) :
				     fz_size(&t->rng, 32);
	a->events = ch_buf(t, (uint64_t)a->num_events *
			      sizeof(struct mojo_trap_event), &good);
	c->fd = ch_any_node(t, &c->node);
}

static void gen_create_data_pipe(struct ch_thread *t, struct ch_call *c)
{
	struct mojo_create_data_pipe_args *a = &c->a.cdp;
	static const uint32_t sizes[] = { 1, 2, 4, 8 };
	uint32_t es;
	unsigned int r = R(100);

	es = r < 60 ? sizes[R(4)] : r < 92 ? 1 + R(64) : fz_size(&t->rng, 17);
	a->element_size = es;
	r = R(100);
	if (r < 30)
		a->capacity = 0;
	else if (r < 85 && es)
		a->capacity = (uint64_t)es * (1 + R(es < 65536 ? 65536 / es : 1));
	else if (r < 99 && es)
		a->capacity = (uint64_t)es * R(4096 / es + 2);
	else
		a->capacity = fz_size(&t->rng, 31);
	c->fd = ch_any_node(t, &c->node);
}

static uint64_t ch_data_flags(struct ch_thread *t, bool read)
{
	unsigned int r = R(100);

	if (r < 40)
		return 0;
	if (r < 70)
		return MOJO_DATA_ALL_OR_NONE;
	if (r < 90)
		return R(read ? 16 : 2);
	return fz_size(&t->rng, 64);
}

static void gen_data(struct ch_thread *t, struct ch_call *c)
{
	struct mojo_data_args *a = &c->a.data;
	bool read = c->cmd == MOJO_IOC_READ_DATA;
	uint64_t len = ch_len(t);
	bool good;

	a->handle = ch_pick(t, &c->node, read ? CH_K_CONSUMER : CH_K_PRODUCER);
	a->flags = ch_data_flags(t, read);
	a->bytes = ch_buf(t, len, &good);
	a->num_bytes = CHANCE(90) ? len : fz_size(&t->rng, 64);
	c->fd = t->p->nodes[c->node];
}

static void gen_two_phase(struct ch_thread *t, struct ch_call *c)
{
	struct mojo_data_args *a = &c->a.data;
	bool write = c->cmd == MOJO_IOC_BEGIN_WRITE_DATA ||
		     c->cmd == MOJO_IOC_END_WRITE_DATA;
	bool end = c->cmd == MOJO_IOC_END_WRITE_DATA ||
		   c->cmd == MOJO_IOC_END_READ_DATA;
	unsigned int r = R(100);

	a->handle = ch_pick(t, &c->node, write ? CH_K_PRODUCER : CH_K_CONSUMER);
	if (end)
		a->num_bytes = r < 50 ? R(256) : r < 85 ? R(65536) :
			       fz_size(&t->rng, 64);
	if (CHANCE(3))
		a->bytes = fz_next(&t->rng);
	if (CHANCE(3))
		a->offset = fz_size(&t->rng, 64);
	c->fd = t->p->nodes[c->node];
}

static void gen_threshold(struct ch_thread *t, struct ch_call *c)
{
	struct mojo_data_pipe_info_args *a = &c->a.info;
	uint64_t v = CHANCE(70) ? R(64) * (1ULL << R(4)) : fz_size(&t->rng, 64);

	a->handle = ch_pick(t, &c->node, CH_K_ANY);
	if (CHANCE(50))
		a->read_threshold = v;
	else
		a->write_threshold = v;
	if (CHANCE(5))
		a->capacity = fz_size(&t->rng, 64);
	c->fd = t->p->nodes[c->node];
}

/* ---- what comes back ---- */

static void post_export(struct ch_thread *t, struct ch_call *c, long ret);
static void post_import(struct ch_thread *t, struct ch_call *c, long ret);
static void post_begin(struct ch_thread *t, struct ch_call *c, long ret);

struct ch_opdef;
static long ch_run(struct ch_thread *t, const struct ch_opdef *d,
		   struct ch_call *c, enum fz_via via);
static const struct ch_opdef *ch_opdef_of(unsigned int cmd);
static void ch_gen(struct ch_thread *t, const struct ch_opdef *d,
		   struct ch_call *c);

/*
 * A follow-up on a new object: @cmd generated as usual, then pointed at
 * @h (and @h2) of @node, so new pipes carry messages and data and new
 * traps watch something, more than random picks would manage.
 */
static void ch_follow(struct ch_thread *t, unsigned int cmd, int node,
		      uint32_t h, uint32_t h2)
{
	const struct ch_opdef *d = ch_opdef_of(cmd);
	struct ch_call c;

	do {
		ch_gen(t, d, &c);
	} while (c.arg != c.out || !c.out);	/* a plain struct: we edit it */
	c.node = node;
	c.fd = t->p->nodes[node];
	switch (cmd) {
	case MOJO_IOC_WRITE_MESSAGE:
		c.a.wm.handle = h;
		if (c.a.wm.num_bytes > 4096)
			c.a.wm.num_bytes = R(256);
		break;
	case MOJO_IOC_WRITE_DATA:
		c.a.data.handle = h;
		break;
	case MOJO_IOC_ADD_TRIGGER:
		c.a.trap.trap = h;
		c.a.trap.handle = h2;
		break;
	case MOJO_IOC_ARM_TRAP:
		c.a.trap.trap = h;
		break;
	}
	memcpy(c.arg, &c.a, c.size);
	ch_run(t, d, &c, ch_via(t));
}

static void post_create_pipe(struct ch_thread *t, struct ch_call *c, long ret)
{
	struct mojo_create_message_pipe_args *a = c->out;
	uint32_t h0, h1;
	int i;

	if (ret || !a)
		return;
	h0 = a->handle0;
	h1 = a->handle1;
	ch_pool_add(t, c->node, h0, CH_K_MSG);
	ch_pool_add(t, c->node, h1, CH_K_MSG);
	for (i = R(4) - 1; i > 0; i--)
		ch_follow(t, MOJO_IOC_WRITE_MESSAGE, c->node, CHANCE(50) ? h0 : h1, 0);
}

static void post_read_message(struct ch_thread *t, struct ch_call *c, long ret)
{
	struct mojo_read_message_args *a = c->out;
	uint32_t i;

	if (ret || !a || !c->hbuf || a->num_handles > 64)
		return;
	for (i = 0; i < a->num_handles; i++)
		ch_pool_add(t, c->node, c->hbuf[i], CH_K_ANY);
}

static void post_create_trap(struct ch_thread *t, struct ch_call *c, long ret)
{
	struct mojo_trap_args *a = c->out;

	uint32_t trap, h;
	int i, n;

	if (ret || !a)
		return;
	trap = a->trap;
	ch_pool_add(t, c->node, trap, CH_K_TRAP);
	for (i = R(4); i > 0; i--) {
		n = c->node;
		h = ch_pick(t, &n, CH_K_ANY);
		if (n == c->node)
			ch_follow(t, MOJO_IOC_ADD_TRIGGER, c->node, trap, h);
	}
	if (CHANCE(60))
		ch_follow(t, MOJO_IOC_ARM_TRAP, c->node, trap, 0);
}

static void post_create_data_pipe(struct ch_thread *t, struct ch_call *c,
				  long ret)
{
	struct mojo_create_data_pipe_args *a = c->out;
	uint32_t p, q;

	if (ret || !a)
		return;
	p = a->producer;
	q = a->consumer;
	ch_pool_add(t, c->node, p, CH_K_PRODUCER);
	ch_pool_add(t, c->node, q, CH_K_CONSUMER);
	ch_info_add(t, c->node, p);
	ch_info_add(t, c->node, q);
	if (CHANCE(50))
		ch_follow(t, MOJO_IOC_WRITE_DATA, c->node, p, 0);
}

static void post_wrap(struct ch_thread *t, struct ch_call *c, long ret)
{
	struct mojo_wrap_fd_args *a = c->out;
	uint32_t h;

	if (ret || !a)
		return;
	h = a->handle;
	ch_pool_add(t, c->node, h, CH_K_WRAPPED);
}

/* The new fd is the result: ours to close. */
static void post_unwrap(struct ch_thread *t, struct ch_call *c, long ret)
{
	(void)t;
	(void)c;
	if (ret >= 0)
		close((int)ret);
}

static void post_info(struct ch_thread *t, struct ch_call *c, long ret)
{
	if (!ret && c->out && CHANCE(30))
		ch_info_add(t, c->node, c->a.info.handle);
}

/* ---- the table ---- */

struct ch_opdef {
	unsigned int cmd;
	size_t size;
	void (*gen)(struct ch_thread *t, struct ch_call *c);
	void (*post)(struct ch_thread *t, struct ch_call *c, long ret);
	unsigned int weight;
};

#define OP(name, type, g, p, w) \
	{ MOJO_IOC_##name, sizeof(struct type), g, p, w }

static const struct ch_opdef ch_opdefs[] = {
	OP(VERSION, mojo_version_args, gen_zero, NULL, 2),
	OP(NODE_NAME, mojo_node_name_args, gen_zero, NULL, 2),
	OP(CLOSE, mojo_handle_args, gen_handle, NULL, 15),
	OP(QUERY_SIGNALS, mojo_signals_args, gen_query, NULL, 10),
	OP(WAIT, mojo_signals_args, gen_wait, NULL, 15),
	OP(EXPORT, mojo_export_args, gen_handle, post_export, 15),
	OP(IMPORT, mojo_export_args, gen_import, post_import, 15),
	OP(SET_QUOTA, mojo_quota_args, gen_set_quota, NULL, 6),
	OP(CREATE_TRAP, mojo_trap_args, gen_zero, post_create_trap, 6),
	OP(ADD_TRIGGER, mojo_trap_args, gen_trigger, NULL, 15),
	OP(REMOVE_TRIGGER, mojo_trap_args, gen_trigger, NULL, 8),
	OP(ARM_TRAP, mojo_trap_args, gen_trigger, NULL, 10),
	OP(READ_TRAP_EVENTS, mojo_read_events_args, gen_read_events, NULL, 8),
	OP(WRAP_FD, mojo_wrap_fd_args, gen_wrap, post_wrap, 10),
	OP(UNWRAP_FD, mojo_handle_args, gen_unwrap, post_unwrap, 8),
	OP(CREATE_MESSAGE_PIPE, mojo_create_message_pipe_args, gen_zero,
	   post_create_pipe, 25),
	OP(WRITE_MESSAGE, mojo_write_message_args, gen_write_message, NULL, 40),
	OP(READ_MESSAGE, mojo_read_message_args, gen_read_message,
	   post_read_message, 35),
	OP(FUSE, mojo_fuse_args, gen_fuse, NULL, 6),
	OP(SET_SIGNAL_QUOTA, mojo_signal_quota_args, gen_signal_quota, NULL, 6),
	OP(QUERY_QUOTA, mojo_signal_quota_args, gen_signal_quota, NULL, 4),
	OP(CREATE_DATA_PIPE, mojo_create_data_pipe_args, gen_create_data_pipe,
	   post_create_data_pipe, 12),
	OP(WRITE_DATA, mojo_data_args, gen_data, NULL, 25),
	OP(READ_DATA, mojo_data_args, gen_data, NULL, 25),
	OP(BEGIN_WRITE_DATA, mojo_data_args, gen_two_phase, post_begin, 12),
	OP(END_WRITE_DATA, mojo_data_args, gen_two_phase, NULL, 8),
	OP(BEGIN_READ_DATA, mojo_data_args, gen_two_phase, post_begin, 12),
	OP(END_READ_DATA, mojo_data_args, gen_two_phase, NULL, 8),
	OP(DATA_PIPE_INFO, mojo_data_pipe_info_args, gen_handle, post_info, 8),
	OP(DATA_PIPE_SET_THRESHOLD, mojo_data_pipe_info_args, gen_threshold,
	   NULL, 6),
};

#define CH_NR_OPDEFS	(sizeof(ch_opdefs) / sizeof(ch_opdefs[0]))

static const struct ch_opdef *ch_pick_op(struct ch_thread *t)
{
	static unsigned int total;
	unsigned int i, r;

	if (!total)
		for (i = 0; i < CH_NR_OPDEFS; i++)
			total += ch_opdefs[i].weight;
	r = R(total);
	for (i = 0; i < CH_NR_OPDEFS; i++) {
		if (r < ch_opdefs[i].weight)
			return &ch_opdefs[i];
		r -= ch_opdefs[i].weight;
	}
	return &ch_opdefs[0];
}

static void ch_gen(struct ch_thread *t, const struct ch_opdef *d,
		   struct ch_call *c)
{
	memset(c, 0, sizeof(*c));
	c->cmd = d->cmd;
	c->size = d->size;
	c->node = -1;
	c->import_fd = -1;
	t->uffd = false;
	d->gen(t, c);
	ch_mutate(t, c);
	ch_place(t, c);
}

static const struct ch_opdef *ch_opdef_of(unsigned int cmd)
{
	unsigned int i;

	for (i = 0; i < CH_NR_OPDEFS; i++)
		if (ch_opdefs[i].cmd == cmd)
			return &ch_opdefs[i];
	return NULL;
}

/* Run one generated call and feed its results back. */
static long ch_run(struct ch_thread *t, const struct ch_opdef *d,
		   struct ch_call *c, enum fz_via via)
{
	long ret;

	ch_tick(t);
	ret = ch_exec(t, c, via);
	if (ret == FZ_PENDING)
		ret = -EINPROGRESS;	/* no results to use */
	if (d->post)
		d->post(t, c, ret);
	return ret;
}

static void post_export(struct ch_thread *t, struct ch_call *c, long ret)
{
	const struct ch_opdef *imp = ch_opdef_of(MOJO_IOC_IMPORT);
	struct mojo_export_args *a = c->out;
	struct ch_call ic;
	unsigned int r = R(100);
	int fd;

	if (ret || !a)
		return;
	fd = a->fd;
	/* A parked command may have written over the struct since. */
	if (!ch_is_export_fd(fd))
		return;
	if (r < 30) {
		/* Import it here, maybe twice (-EALREADY). */
		memset(&ic, 0, sizeof(ic));
		ic.cmd = MOJO_IOC_IMPORT;
		ic.size = sizeof(struct mojo_export_args);
		ic.node = R(CH_NODES);
		ic.fd = t->p->nodes[ic.node];
		ic.a.exp.fd = fd;
		ic.import_fd = CHANCE(30) ? -1 : fd;
		ch_place(t, &ic);
		ch_run(t, imp, &ic, ch_via(t));
		if (ic.import_fd < 0)
			ch_keep_fd(t, fd);
	} else if (r < 55) {
		ch_mbox_send(t, fd, 'E');
		close(fd);
	} else if (r < 85) {
		ch_keep_fd(t, fd);
	} else {
		close(fd);	/* never imported: the endpoint closes */
	}
}

static void post_import(struct ch_thread *t, struct ch_call *c, long ret)
{
	struct mojo_export_args *a = c->out;

	if (!ret && a)
		ch_pool_add(t, c->node, a->handle, CH_K_ANY);
	if (c->import_fd < 0)
		return;
	if (CHANCE(15))
		ch_keep_fd(t, c->import_fd);	/* imported again: -EALREADY */
	else
		close(c->import_fd);
}

/* The slot where this process maps @map_offset, locked; or NULL. */
static struct ch_slot *ch_slot_of(struct ch_thread *t, uint64_t map_offset)
{
	int i;

	for (i = 0; i < CH_SLOTS; i++) {
		struct ch_slot *s = &t->p->slots[i];

		if (s->len && s->map_offset == map_offset &&
		    !pthread_mutex_trylock(&s->lock)) {
			if (s->len && s->map_offset == map_offset)
				return s;
			pthread_mutex_unlock(&s->lock);
		}
	}
	return NULL;
}

/*
 * A two-phase operation began: fill or read the grant through the
 * mapping when this process has one, then (often) end it at once.
 */
static void post_begin(struct ch_thread *t, struct ch_call *c, long ret)
{
	bool write = c->cmd == MOJO_IOC_BEGIN_WRITE_DATA;
	struct mojo_data_pipe_info_args info = { 0 };
	struct mojo_data_args *a = c->out;
	uint64_t off, n, es = 1;
	struct ch_call ec;
	struct ch_slot *s;

	if (ret || !a)
		return;
	off = a->offset;
	n = a->num_bytes;
	info.handle = c->a.data.handle;
	if (!ioctl(c->fd, MOJO_IOC_DATA_PIPE_INFO, &info)) {
		es = info.element_size ? info.element_size : 1;
		s = ch_slot_of(t, info.map_offset);
		if (s) {
			if (off < s->len)
				ch_touch(s->addr + off, n < s->len - off ?
					 (n < 4096 ? n : 4096) : s->len - off,
					 write);
			pthread_mutex_unlock(&s->lock);
		}
	}
	if (CHANCE(40))
		return;		/* left open: someone else meets -EBUSY */
	memset(&ec, 0, sizeof(ec));
	ec.cmd = write ? MOJO_IOC_END_WRITE_DATA : MOJO_IOC_END_READ_DATA;
	ec.size = sizeof(struct mojo_data_args);
	ec.node = c->node;
	ec.fd = c->fd;
	ec.a.data.handle = c->a.data.handle;
	ec.a.data.num_bytes = CHANCE(90) ? (n ? R(n / es + 1) * es : 0) :
					   n + R(2 * es + 1);
	ch_place(t, &ec);
	ch_run(t, ch_opdef_of(ec.cmd), &ec, ch_via(t));
}

/* ---- actions ---- */

static void act_op(struct ch_thread *t)
{
	const struct ch_opdef *d = ch_pick_op(t);
	struct ch_call c;
	enum fz_via via;

	ch_gen(t, d, &c);
	via = ch_via(t);
	ch_run(t, d, &c, via);
}

void ch_park(struct ch_thread *t)
{
	const struct ch_opdef *d = ch_opdef_of(CHANCE(50) ? MOJO_IOC_WAIT :
					       MOJO_IOC_READ_MESSAGE);
	struct ch_call c;

	if (fz_uring_init(256))
		return;
	ch_gen(t, d, &c);
	if (d->cmd == MOJO_IOC_WAIT && c.out) {
		c.a.sig.timeout_ns = MOJO_TIMEOUT_INFINITE;
		memcpy(c.arg, &c.a, c.size);
	}
	ch_run(t, d, &c, FZ_URING_ASYNC);
}

/* An ioctl number or cmd_op that is no operation: only -ENOTTY. */
static void act_bad_cmd(struct ch_thread *t)
{
	unsigned int cmd = ch_cmds[R(CH_NR_CMDS)], nr;
	enum fz_via via = ch_via(t);
	uint8_t *arg = t->mem.args + (t->argi++ % CH_ARGS) * CH_ARG_SIZE;
	long ret;

	switch (R(5)) {
	case 0:
		/* A number in no range of the table. */
		nr = (uint8_t)(0x0f + R(0xf1));
		if ((nr >= 0x10 && nr <= 0x15) || (nr >= 0x40 && nr <= 0x48))
			nr = 0xff;
		cmd = (cmd & ~0xffu) | nr;
		break;
	case 1:
		/* The struct size off by a little or a lot. */
		cmd = _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd),
			   (_IOC_SIZE(cmd) + (R(2) ? 8 : -8u)) & _IOC_SIZEMASK);
		break;
	case 2:
		cmd = _IOC(R(3), _IOC_TYPE(cmd), _IOC_NR(cmd), _IOC_SIZE(cmd));
		break;
	case 3:
		cmd = _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd),
			   fz_size(&t->rng, 14));
		break;
	default:
		/* io_uring's cmd_op never meets the VFS: anything goes. */
		if (via != FZ_IOCTL)
			cmd = (uint32_t)fz_next(&t->rng);
		break;
	}
	memset(arg, 0, CH_ARG_SIZE);
	ch_tick(t);
	ret = fz_call(t->p->nodes[R(CH_NODES)], cmd, arg, via, ch_tag(t, cmd), 1);
	if (ret == FZ_PENDING) {
		t->pending++;
		return;
	}
	if (via != FZ_IOCTL && (ret == -ETIME || ret == -EIO))
		return;
	ch_check(t, cmd, ret, via, " (mangled number)");
}

/* ---- io_uring batches on rings of the thread's own ---- */

#define CH_TAG_BATCH	(1ULL << 62)
#define CH_TAG_LINKED	(1ULL << 33)
#define CH_TAG_SYNC	(1ULL << 32)
#define CH_TAG_AREA	(1ULL << 34)	/* command area mangled */
#define CH_TAG_FLAGS	40		/* the SQE's flags from here */
#define CH_TAG_RING	48		/* the ring's kind from here */

static void ch_check_cqe(struct ch_thread *t, struct io_uring_cqe *cqe)
{
	uint64_t tag = io_uring_cqe_get_data64(cqe);
	unsigned int cmd = (uint32_t)tag;
	int res = cqe->res;
	char how[64];

	/* An unwrap's new fd, which nobody else will close. */
	if ((tag & CH_TAG_BATCH) && cmd == MOJO_IOC_UNWRAP_FD && res >= 0)
		close(res);
	if (!(tag & CH_TAG_BATCH) || res >= 0)
		return;
	/*
	 * A broken link: io_uring's own -ECANCELED, before the module; the
	 * head's too, when a later member fails at submission.
	 */
	if ((tag & CH_TAG_LINKED) && res == -ECANCELED)
		return;
	/*
	 * io-wq's own -ECANCELED: work it could not start a worker for, or
	 * cancelled as the task stops (IOSQE_ASYNC, or deferred by a drain).
	 */
	if ((tag & ((uint64_t)(IOSQE_ASYNC | IOSQE_IO_DRAIN) << CH_TAG_FLAGS)) &&
	    res == -ECANCELED)
		return;
	/* The area is checked before the number: -EINVAL for any cmd_op. */
	if ((tag & CH_TAG_AREA) && res == -EINVAL)
		return;
	/*
	 * A fault campaign fails io_uring's allocations too: a command it
	 * must defer (linked, drained, IOSQE_ASYNC) whose async data it
	 * cannot allocate completes with -EAGAIN (6.1's
	 * io_req_prep_async()) or -ENOMEM, before the module sees it.
	 */
	if (getenv("MOJO_FUZZ_MAKE_IT_FAIL") && (res == -EAGAIN || res == -ENOMEM))
		return;
	snprintf(how, sizeof(how), " (batch, ring %#x, sqe flags %#x%s)",
		 (unsigned int)(tag >> CH_TAG_RING) & 0xff,
		 (unsigned int)(tag >> CH_TAG_FLAGS) & 0xff,
		 tag & CH_TAG_LINKED ? ", chained" : "");
	ch_check(t, cmd, res, tag & CH_TAG_SYNC ? FZ_URING_SYNC : FZ_URING_ASYNC,
		 how);
}

static int ch_ring_drain(struct ch_thread *t, struct io_uring *ring, int wait_ms)
{
	struct __kernel_timespec ts = { .tv_nsec = 1000000 };
	struct io_uring_cqe *cqe;
	int n = 0;
	double end = fz_now() + wait_ms / 1000.0;

	for (;;) {
		int ret;

		if (wait_ms && fz_now() < end)
			ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
		else {
			io_uring_get_events(ring);
			ret = io_uring_peek_cqe(ring, &cqe);
		}
		if (ret == -ETIME || ret == -EINTR)
			continue;
		if (ret)
			break;
		ch_check_cqe(t, cqe);
		io_uring_cqe_seen(ring, cqe);
		n++;
	}
	return n;
}

static void ch_ring_close(struct io_uring *ring)
{
	io_uring_queue_exit(ring);
	free(ring);
}

static void ch_hold_ring(struct ch_thread *t, struct io_uring *ring)
{
	int i;

	for (i = 0; i < CH_HELD_RINGS; i++) {
		if (!t->held[i]) {
			t->held[i] = ring;
			return;
		}
	}
	/* Full: the oldest goes, with whatever it has parked. */
	ch_ring_close(t->held[0]);
	memmove(t->held, t->held + 1, (CH_HELD_RINGS - 1) * sizeof(t->held[0]));
	t->held[CH_HELD_RINGS - 1] = ring;
}

static void act_batch(struct ch_thread *t)
{
	struct io_uring_params par = { 0 };
	unsigned int entries = 1u << (2 + R(5)), rounds, i, n, r = R(100);
	struct io_uring *ring;
	bool sqe128 = false, linked = false;
	unsigned int kind;

	if (r < 15) {
		par.flags = IORING_SETUP_SQE128;
		sqe128 = true;
	} else if (r < 25) {
		par.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	} else if (r < 29) {
		par.flags = IORING_SETUP_SQPOLL;
		par.sq_thread_idle = 10;
	} else if (r < 40) {
		par.flags = IORING_SETUP_COOP_TASKRUN;
	}
	ring = malloc(sizeof(*ring));
	if (!ring)
		return;
	if (io_uring_queue_init_params(entries, ring, &par)) {
		free(ring);
		return;
	}
	/*
	 * Chains may span rounds: an SQPOLL thread takes the SQEs of two
	 * submissions as one batch.
	 */
	kind = r < 15 ? 1 : r < 25 ? 2 : r < 29 ? 3 : r < 40 ? 4 : 0;
	for (rounds = 1 + R(3); rounds; rounds--) {
		n = 1 + R(entries);
		for (i = 0; i < n; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
			const struct ch_opdef *d = ch_pick_op(t);
			struct mojo_uring_cmd *uc;
			bool sync = CHANCE(40), area, chained;
			unsigned int fl = 0;
			struct ch_call c;
			uint64_t tag;
			int ci;

			if (!sqe)
				break;
			/*
			 * No userfaultfd memory in a batch: an io_uring thread
			 * (io-wq for IOSQE_ASYNC, for the rest of a chain after
			 * such a member, for drained work; SQPOLL's thread) may
			 * be the one to fault on it, and a killed process then
			 * never exits (6.12). See ch_uffd_unsafe below.
			 */
			do {
				ch_gen(t, d, &c);
			} while (t->uffd);
			if (CHANCE(3))
				c.cmd = (uint32_t)fz_next(&t->rng);
			mojo_uring_prep_cmd(sqe, c.fd, c.cmd, c.arg,
					    sync ? MOJO_URING_SYNC : 0);
			uc = (struct mojo_uring_cmd *)sqe->cmd;
			area = false;
			if (CHANCE(3)) {
				uc->reserved = 1 + R(0xffff);
				area = true;
			}
			if (CHANCE(3)) {
				uc->flags |= 1u << (1 + R(31));
				area = true;
			}
			if (sqe128) {
				/* prep_rw() leaves the second half as it was. */
				memset((uint8_t *)sqe->cmd + 16, 0, 64);
				if (CHANCE(5)) {
					((uint8_t *)sqe->cmd)[16 + R(64)] = 1 + R(255);
					area = true;
				}
			}
			/*
			 * Linked behind another: with IOSQE_ASYNC mostly (the
			 * command area is kept), without it sometimes (6.12:
			 * -ESTALE).
			 */
			if (linked && CHANCE(60))
				fl |= IOSQE_ASYNC;
			r = R(100);
			if (r < 25)
				fl |= IOSQE_IO_LINK;
			else if (r < 28)
				fl |= IOSQE_IO_HARDLINK;
			else if (r < 32)
				fl |= IOSQE_IO_DRAIN;
			else if (r < 37)
				fl |= IOSQE_ASYNC;
			/*
			 * ch_uffd_unsafe: no userfaultfd memory on io_uring's
			 * threads. Seen on
			 * 6.12 (chaos seed 5, and a check run): a killed process
			 * stuck in io_wq_put_and_exit() for good, its io-wq
			 * worker asleep in handle_userfault() under the module's
			 * copy of the argument struct with no SIGKILL pending, or
			 * running (a fault retried for ever). The uffd is
			 * released only by exit_files(), after that wait, and
			 * its server thread is dead. A worker that missed the
			 * group kill is io-wq's and userfaultfd's business, not
			 * the module's: any io_uring request reading user
			 * memory on a worker could meet it (a simple
			 * IORING_OP_WRITE case did not, so the exact race is
			 * not pinned down). Calls through ioctl and fz_call()'s
			 * ring, which run in the caller, still use it.
			 */
			io_uring_sqe_set_flags(sqe, fl);
			chained = linked || (fl & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK));
			tag = CH_TAG_BATCH | (chained ? CH_TAG_LINKED : 0) |
			      (area ? CH_TAG_AREA : 0) |
			      ((uint64_t)fl << CH_TAG_FLAGS) |
			      ((uint64_t)kind << CH_TAG_RING) |
			      (sync ? CH_TAG_SYNC : 0) | c.cmd;
			io_uring_sqe_set_data64(sqe, tag);
			linked = fl & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK);
			ci = ch_cmd_index(c.cmd);
			if (ci >= 0)
				atomic_fetch_add_explicit(&t->p->sh->reached[ci]
							  [sync ? FZ_URING_SYNC : FZ_URING_ASYNC],
							  1, memory_order_relaxed);
			ch_tick(t);
		}
		/*
		 * Submitted; the next round refills the SQ slots at once,
		 * under any deferred command still pointing there.
		 */
		io_uring_submit(ring);
		ch_ring_drain(t, ring, CHANCE(50) ? 0 : 1 + R(5));
		if (ch_stopping(t))
			break;
	}
	if (CHANCE(50))
		ch_ring_close(ring);	/* with whatever is parked */
	else
		ch_hold_ring(t, ring);
}

void ch_reap(struct ch_thread *t, int wait_ms)
{
	uint64_t tag;
	int i, res;

	while (fz_reap(wait_ms, &tag, &res) == 1) {
		wait_ms = 0;
		if (t->pending)
			t->pending--;
		/* A synchronous call's, late (it saw -ETIME): not ours. */
		if (tag & (1ULL << 63))
			continue;
		ch_check(t, tag >> 20, res, FZ_URING_ASYNC, " (completed later)");
		i = ch_cmd_index(tag >> 20);
		if (!res && i >= 0)
			atomic_fetch_add_explicit(&t->p->sh->succeeded[i], 1,
						  memory_order_relaxed);
	}
	for (i = 0; i < CH_HELD_RINGS; i++)
		if (t->held[i])
			ch_ring_drain(t, t->held[i], 0);
}

void ch_thread_rings_exit(struct ch_thread *t, bool orphan)
{
	struct ch_proc *p = t->p;
	int i;

	for (i = 0; i < CH_HELD_RINGS; i++) {
		if (!t->held[i])
			continue;
		/* Left open past the thread's exit; main closes it later. */
		if (orphan && !pthread_mutex_trylock(&p->orphan_lock)) {
			if (p->norphans < 16) {
				p->orphans[p->norphans++] = t->held[i];
				t->held[i] = NULL;
			}
			pthread_mutex_unlock(&p->orphan_lock);
		}
		if (t->held[i])
			ch_ring_close(t->held[i]);
		t->held[i] = NULL;
	}
}

/* Close the fds made for the last WRAP_FD, if any. */
static void ch_wrap_fds_close(struct ch_thread *t)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (t->wrap_fds[i] >= 0)
			close(t->wrap_fds[i]);
		t->wrap_fds[i] = -1;
	}
}

void ch_thread_fds_exit(struct ch_thread *t)
{
	while (t->nexported)
		close(t->exported[--t->nexported]);
	ch_wrap_fds_close(t);
}

/* ---- ring mappings ---- */

static struct ch_slot *ch_slot_lock(struct ch_thread *t)
{
	struct ch_slot *s = &t->p->slots[R(CH_SLOTS)];

	return pthread_mutex_trylock(&s->lock) ? NULL : s;
}

static void ch_slot_clear(struct ch_slot *s)
{
	ch_reserve(s->addr, CH_SLOT_SIZE);
	s->len = 0;
	s->holed = 0;
}

static void act_mmap(struct ch_thread *t)
{
	long pg = t->p->page;
	int prot, flags = MAP_SHARED, fd;
	bool exec = false, wcons = false, priv = false, badsize = false;
	bool randoff = false;
	struct ch_info in;
	struct ch_slot *s;
	uint64_t off, size;
	void *m;

	s = ch_slot_lock(t);
	if (!s)
		return;
	if (s->len)
		ch_slot_clear(s);
	if (!ch_info_pick(t, &in) || in.map_size > (uint64_t)(CH_SLOT_SIZE - pg)) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	fd = t->p->nodes[CHANCE(90) ? in.node : (int)R(CH_NODES)];
	size = in.map_size;
	off = in.map_offset;
	prot = in.producer ? PROT_READ | PROT_WRITE : PROT_READ;
	switch (R(16)) {
	case 0:
		prot |= PROT_EXEC;
		exec = true;
		break;
	case 1:
		prot |= PROT_WRITE;
		wcons = !in.producer;
		break;
	case 2:
		flags = MAP_PRIVATE;
		priv = true;
		break;
	case 3:
		size = R(2) ? size + pg : size - pg;
		badsize = true;
		break;
	case 4:
		off = fz_size(&t->rng, 64) & ~(uint64_t)(pg - 1);
		randoff = true;
		break;
	case 5:
		prot = R(2) ? PROT_NONE : PROT_READ;
		break;
	}
	if (!size || size > CH_SLOT_SIZE) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	ch_tick(t);
	atomic_fetch_add(&t->p->sh->mmaps, 1);
	m = mmap(s->addr, size, prot, flags | MAP_FIXED, fd, off);
	if (m == MAP_FAILED) {
		int e = errno;

		/* MAP_FIXED took the reservation away (6.1): put it back. */
		ch_slot_clear(s);
		if (!randoff && e != EINVAL && e != EACCES && e != ENOMEM)
			ch_fail(t, "mmap of a ring: undocumented errno %s (%d)",
				strerrorname_np(e) ?: "?", e);
		pthread_mutex_unlock(&s->lock);
		return;
	}
	if (exec || wcons || priv || (badsize && size != in.map_size)) {
		ch_fail(t, "mmap of a %s ring succeeded with %s",
			in.producer ? "producer" : "consumer",
			exec ? "PROT_EXEC" : wcons ? "PROT_WRITE" :
			priv ? "MAP_PRIVATE" : "a wrong size");
		ch_slot_clear(s);
		pthread_mutex_unlock(&s->lock);
		return;
	}
	atomic_fetch_add(&t->p->sh->mapped, 1);
	s->len = size;
	s->map_offset = off;
	s->producer = in.producer;
	s->holed = 0;
	if (CHANCE(50))
		ch_touch(s->addr + R(size), 1, in.producer && CHANCE(50));
	pthread_mutex_unlock(&s->lock);
}

static void act_touch(struct ch_thread *t)
{
	struct ch_slot *s = ch_slot_lock(t);
	bool write = CHANCE(50);
	size_t off, len;
	int sig;

	if (!s)
		return;
	if (s->len) {
		ch_tick(t);
		/* Now and then past the ring, into the reservation. */
		off = R(s->len + (CHANCE(10) ? t->p->page : 0));
		len = 1 + R(CHANCE(80) ? 8 : 4096);
		if (off + len > CH_SLOT_SIZE)
			len = CH_SLOT_SIZE - off;
		sig = ch_touch(s->addr + off, len, write);
		if (sig)
			atomic_fetch_add(&t->p->sh->faults, 1);
		if (!sig && write && !s->producer && !s->holed && off + len <= s->len)
			ch_fail(t, "a consumer's ring mapping took a write");
	}
	pthread_mutex_unlock(&s->lock);
}

static void act_mprotect(struct ch_thread *t)
{
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
		PROT_READ | PROT_WRITE | PROT_EXEC, PROT_NONE, PROT_WRITE,
		PROT_EXEC,
	};
	struct ch_slot *s = ch_slot_lock(t);
	long pg = t->p->page;
	int prot = prots[R(7)];
	size_t off = 0, len;

	if (!s)
		return;
	if (s->len && !s->holed) {
		len = s->len;
		if (len > (size_t)pg && CHANCE(30)) {
			off = R(len / pg) * pg;	/* splits the mapping */
			len = pg;
		}
		ch_tick(t);
		if (!mprotect(s->addr + off, len, prot)) {
			if (prot & PROT_EXEC)
				ch_fail(t, "mprotect(PROT_EXEC) of a ring mapping succeeded");
			else if ((prot & PROT_WRITE) && !s->producer)
				ch_fail(t, "mprotect(PROT_WRITE) of a consumer's ring succeeded");
		}
	}
	pthread_mutex_unlock(&s->lock);
}

static void act_madvise(struct ch_thread *t)
{
	static const int advice[] = {
		MADV_DONTNEED, MADV_DOFORK, MADV_DONTFORK, MADV_NORMAL,
		MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_COLD,
		MADV_PAGEOUT, MADV_FREE, MADV_REMOVE, MADV_POPULATE_READ,
		MADV_POPULATE_WRITE, MADV_HUGEPAGE, MADV_NOHUGEPAGE,
		MADV_MERGEABLE, MADV_DONTDUMP, MADV_WIPEONFORK,
	};
	struct ch_slot *s = ch_slot_lock(t);
	long pg = t->p->page;
	int adv = advice[R(sizeof(advice) / sizeof(advice[0]))];
	size_t off = 0, len;

	if (!s)
		return;
	if (s->len) {
		len = s->len;
		if (len > (size_t)pg && CHANCE(30)) {
			off = R(len / pg) * pg;
			len = pg;
		}
		ch_tick(t);
		if (!madvise(s->addr + off, len, adv) && !s->holed) {
			if (adv == MADV_DONTNEED)
				ch_fail(t, "madvise(MADV_DONTNEED) of a ring mapping succeeded");
			else if (adv == MADV_DOFORK)
				ch_fail(t, "madvise(MADV_DOFORK) of a ring mapping succeeded");
		}
	}
	pthread_mutex_unlock(&s->lock);
}

static void act_mremap(struct ch_thread *t)
{
	struct ch_slot *s = ch_slot_lock(t), *d;
	long pg = t->p->page;
	size_t nlen;
	void *m;

	if (!s)
		return;
	if (!s->len || s->holed) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	ch_tick(t);
	switch (R(3)) {
	case 0:
		/* Growing, in place: refused. */
		nlen = s->len + pg * (1 + R(4));
		if (nlen <= CH_SLOT_SIZE) {
			m = mremap(s->addr, s->len, nlen, 0);
			if (m != MAP_FAILED) {
				ch_fail(t, "a growing mremap() of a ring mapping succeeded");
				ch_slot_clear(s);
			}
		}
		break;
	case 1:
		/* Shrinking: the tail goes back to the reservation. */
		if (s->len > (size_t)pg) {
			nlen = s->len - pg * (1 + R(s->len / pg - 1));
			m = mremap(s->addr, s->len, nlen, 0);
			if (m != MAP_FAILED) {
				ch_reserve(s->addr + nlen, CH_SLOT_SIZE - nlen);
				s->len = nlen;
			}
		}
		break;
	default:
		/* Moving to another slot, maybe growing on the way. */
		d = ch_slot_lock(t);
		if (!d)
			break;
		if (d != s && !d->len) {
			bool grow = CHANCE(20);

			nlen = s->len + (grow ? pg : 0);
			m = mremap(s->addr, s->len, nlen,
				   MREMAP_MAYMOVE | MREMAP_FIXED, d->addr);
			if (m == MAP_FAILED) {
				ch_slot_clear(d);	/* the target was unmapped */
			} else if (grow) {
				ch_fail(t, "a growing, moving mremap() of a ring mapping succeeded");
				ch_slot_clear(d);
				ch_slot_clear(s);
			} else {
				d->len = s->len;
				d->map_offset = s->map_offset;
				d->producer = s->producer;
				d->holed = 0;
				/* The source is a hole now: reserve it again. */
				ch_slot_clear(s);
			}
		}
		if (d != s)
			pthread_mutex_unlock(&d->lock);
		break;
	}
	pthread_mutex_unlock(&s->lock);
}

static void act_munmap(struct ch_thread *t)
{
	struct ch_slot *s = ch_slot_lock(t);
	long pg = t->p->page;
	size_t off;

	if (!s)
		return;
	if (s->len) {
		ch_tick(t);
		if (s->len > (size_t)pg && CHANCE(30)) {
			off = R(s->len / pg) * pg;
			munmap(s->addr + off, pg);
			ch_reserve(s->addr + off, pg);
			s->holed = 1;
		} else {
			munmap(s->addr, s->len);
			ch_slot_clear(s);
		}
	}
	pthread_mutex_unlock(&s->lock);
}

/* ---- fds, nodes, processes ---- */

static void act_ring_close(struct ch_thread *t)
{
	/* The fz_call() ring goes, with its parked commands. */
	fz_uring_exit();
	t->pending = 0;
}

static void act_node_replace(struct ch_thread *t)
{
	int fd = open(MOJO_DEVICE_PATH, (CHANCE(10) ? O_RDONLY : O_RDWR) | O_CLOEXEC);

	if (fd < 0)
		return;
	ch_tick(t);
	/* Others may be inside a call on the old node: it dies under them. */
	dup3(fd, t->p->nodes[R(CH_NODES)], CHANCE(70) ? O_CLOEXEC : 0);
	close(fd);
}

static void act_send_node(struct ch_thread *t)
{
	ch_tick(t);
	ch_mbox_send(t, t->p->nodes[R(CH_NODES)], 'N');
}

static void act_recv(struct ch_thread *t)
{
	const struct ch_opdef *imp = ch_opdef_of(MOJO_IOC_IMPORT);
	struct ch_call c;
	char what;
	int fd = ch_mbox_recv(t, &what);

	if (fd < 0)
		return;
	if (what == 'N') {
		ch_tick(t);
		ch_adopt_node(t, fd);
		return;
	}
	memset(&c, 0, sizeof(c));
	c.cmd = MOJO_IOC_IMPORT;
	c.size = sizeof(struct mojo_export_args);
	c.node = R(CH_NODES);
	c.fd = t->p->nodes[c.node];
	c.a.exp.fd = fd;
	c.import_fd = fd;
	ch_place(t, &c);
	ch_run(t, imp, &c, ch_via(t));
}

static void act_poll(struct ch_thread *t)
{
	struct pollfd pfd = { .fd = t->p->nodes[R(CH_NODES)], .events = POLLIN };

	ch_tick(t);
	poll(&pfd, 1, R(3));
}

static void act_uffd_rearm(struct ch_thread *t)
{
	/* Missing again: the next touch waits on the uffd thread. */
	if (t->p->uffd_area)
		madvise(t->p->uffd_area, CH_UFFD_PAGES * t->p->page, MADV_DONTNEED);
}

/* A plain struct of @cmd in an argument slot we can read back. */
static void ch_plain(struct ch_thread *t, unsigned int cmd, struct ch_call *c)
{
	const struct ch_opdef *d = ch_opdef_of(cmd);
	uint8_t *args = t->mem.args;

	do {
		ch_gen(t, d, c);
	} while ((uint8_t *)c->arg < args ||
		 (uint8_t *)c->arg >= args + CH_ARGS * CH_ARG_SIZE);
	t->uffd = false;
	memset(&c->a, 0, sizeof(c->a));
}

static long ch_hog_run(struct ch_thread *t, struct ch_call *c, uint64_t bytes)
{
	struct ch_shared *sh = t->p->sh;
	long ret;

	memcpy(c->arg, &c->a, c->size);
	ret = ch_run(t, ch_opdef_of(c->cmd), c, FZ_IOCTL);
	if (!ret)
		atomic_fetch_add_explicit(&sh->hog_bytes, bytes, memory_order_relaxed);
	else if (ret == -ENOMEM)
		atomic_fetch_add_explicit(&sh->hog_enomem, 1, memory_order_relaxed);
	else if (ret == -ENOSPC)
		atomic_fetch_add_explicit(&sh->hog_enospc, 1, memory_order_relaxed);
	return ret;
}

/*
 * Memory pressure only: a big ring, or a queue of big messages that no
 * one reads, left in the pool for the other actions to move or close.
 * The cgroup's limit is meant to be reached: a write or a ring then fails
 * with a clean -ENOMEM (or -ENOSPC at a quota), which ch_run() checks.
 */
static void act_hog(struct ch_thread *t)
{
	struct ch_call c;
	uint32_t h;
	int i, n;

	if (!ch_pressure)
		return;
	if (CHANCE(40)) {
		ch_plain(t, MOJO_IOC_CREATE_DATA_PIPE, &c);
		c.a.cdp.element_size = 1;
		c.a.cdp.capacity = (uint64_t)(1 + R(32)) << 20;
		ch_hog_run(t, &c, c.a.cdp.capacity);
		return;
	}
	ch_plain(t, MOJO_IOC_CREATE_MESSAGE_PIPE, &c);
	if (ch_hog_run(t, &c, 0))
		return;
	h = ((struct mojo_create_message_pipe_args *)c.out)->handle0;
	n = c.node;
	for (i = 0; i < 32 && !ch_stopping(t); i++) {
		ch_plain(t, MOJO_IOC_WRITE_MESSAGE, &c);
		c.node = n;
		c.fd = t->p->nodes[n];
		c.a.wm.handle = h;
		c.a.wm.bytes = (uintptr_t)t->p->hog_buf;
		c.a.wm.num_bytes = CH_HOG_MSG - R(4096);
		if (ch_hog_run(t, &c, c.a.wm.num_bytes))
			break;
	}
}

static void act_fork(struct ch_thread *t)
{
	ch_tick(t);
	ch_fork_child(t, false);
}

static void act_fork_exec(struct ch_thread *t)
{
	ch_tick(t);
	ch_fork_child(t, true);
}

static const struct {
	void (*fn)(struct ch_thread *t);
	unsigned int weight;
} ch_actions[] = {
	{ act_op, 800 },
	{ act_bad_cmd, 8 },
	{ act_batch, 20 },
	{ act_ring_close, 2 },
	{ act_mmap, 25 },
	{ act_touch, 40 },
	{ act_mprotect, 6 },
	{ act_madvise, 8 },
	{ act_mremap, 6 },
	{ act_munmap, 12 },
	{ act_node_replace, 3 },
	{ act_send_node, 3 },
	{ act_recv, 10 },
	{ act_poll, 4 },
	{ act_uffd_rearm, 4 },
	{ act_fork, 1 },
	{ act_fork_exec, 1 },
	{ act_hog, 10 },	/* memory pressure only */
};

#define CH_NR_ACTIONS	(sizeof(ch_actions) / sizeof(ch_actions[0]))

void ch_step(struct ch_thread *t)
{
	static unsigned int total;
	unsigned int i, r;

	if (!total)
		for (i = 0; i < CH_NR_ACTIONS; i++)
			total += ch_actions[i].weight;
	/* Too much parked on the fz_call() ring: close it with them. */
	if (t->pending > 200)
		act_ring_close(t);
	r = R(total);
	for (i = 0; i < CH_NR_ACTIONS; i++) {
		if (r < ch_actions[i].weight) {
			ch_actions[i].fn(t);
			return;
		}
		r -= ch_actions[i].weight;
	}
}
