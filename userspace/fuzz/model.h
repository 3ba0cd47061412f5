/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mojofuzz model mode: the reference model's state and the helpers its
 * parts (model.c, model_msg.c, model_trap.c, model_dp.c) share. See the
 * top of model.c for how the model is organised.
 */
#ifndef MOJOFUZZ_MODEL_H
#define MOJOFUZZ_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"

/* Bounds of the model's tables (resource use stays small). */
#define M_NODES		8
#define M_HANDLES	160	/* hard cap of a node's table in the model */
#define M_SOFT		48	/* beyond it a node prefers closing */
#define M_PORTS		4096
#define M_TRAPS		32
#define M_TRIGS		8
#define M_DPS		64
#define M_FDS		16
#define M_PEND		48
#define M_EVENTS	512
#define M_CAND		M_TRIGS

/* What a handle names. */
enum m_hkind { HK_MSG, HK_PROD, HK_CONS, HK_TRAP, HK_WRAP, HK_NR };

/* Where an endpoint is. */
/*
 * Where an endpoint is. PL_FWD: fused away while its queue, carrying
 * endpoints, went on to @container; the endpoints in that queue still
 * name it as theirs, so it stays a level of their nesting (the kernel's
 * port.h, Fusing) until none does.
 */
enum m_ploc { PL_FREE, PL_NODE, PL_MSG, PL_FD, PL_FWD };

/* A message queued at an endpoint: its payload is regenerated from @seed. */
struct m_msg {
	struct m_msg *next;
	uint64_t seed;
	uint32_t len;
	uint32_t nports;
	int ports[MOJO_MAX_MESSAGE_HANDLES];
};

/*
 * An endpoint (message pipe end, data producer or consumer), or a wrapped
 * fd (HK_WRAP: it travels like an endpoint but has no peer, no queue and
 * no signals; @ino and @dev name its file). Message pipe ends know their
 * peer; data pipe ends know their pipe (@dp), which knows both ends.
 */
struct m_port {
	int kind;		/* HK_MSG, HK_PROD, HK_CONS */
	int loc;		/* enum m_ploc */
	int node;		/* PL_NODE: the node ... */
	uint32_t handle;	/* ... and the handle there */
	int container;		/* PL_MSG: the endpoint whose queue holds it;
				 * PL_FWD: the one its queue went to */
	int fdslot;		/* PL_FD: the exported fd's slot */
	int peer;		/* message pipe: the peer, -1 once it closed */
	bool peer_closed;
	bool written;		/* has written a message (FUSE) */
	struct m_msg *qh, *qt;
	uint32_t qmsgs;
	uint64_t qbytes;
	uint64_t max_msgs, max_bytes;
	uint64_t sig_msgs, sig_bytes, sig_unread;	/* signal-only limits */
	uint32_t nest;		/* deepest nesting held since last empty */
	int dp;
	uint64_t map_offset;	/* data pipe: learnt at the first INFO */
	bool map_known;
	uint64_t ino, dev;	/* HK_WRAP: the wrapped file */
};

/* A data pipe's shared state, and a shadow of its ring. */
struct m_dp {
	bool used;
	uint32_t es;
	uint64_t cap;
	uint8_t *ring;
	uint64_t roff, avail;
	bool new_data;
	uint64_t rthr, wthr;
	bool writing, reading;
	uint64_t wgrant, rgrant;
	uint64_t woff;		/* where the open two-phase write starts */
	int prod, cons;		/* ports, -1 once closed */
};

struct m_trig {
	uint64_t ctx;
	int port;
	uint64_t signals;
	uint32_t cond;
};

struct m_trap {
	bool used;
	int node;
	uint32_t handle;
	bool armed;
	int ntrig;
	struct m_trig trig[M_TRIGS];
};

/*
 * A queued trap event. Events queued by one operation form a group whose
 * order the header leaves open; an event whose trigger the model cannot
 * pin down (several met at once) has candidates.
 */
struct m_event {
	uint64_t group;
	int trap;
	int ncand;
	struct mojo_trap_event cand[M_CAND];
	int port[M_CAND];	/* the watched endpoint of each candidate */
};

struct m_handle {
	uint32_t h;
	int kind;
	int idx;		/* port or trap */
};

struct m_node {
	bool open;
	int fd;
	bool name_known;
	uint8_t name[MOJO_NAME_SIZE];
	int nh;
	struct m_handle hs[M_HANDLES];
	/* Every number ever given out (never reused, header). */
	uint32_t *used;
	size_t nused, capused;
	int nev;
	struct m_event ev[M_EVENTS];
};

/* An exported fd. */
struct m_fd {
	bool used;
	int fd;
	int port;		/* -1 once imported */
};

/* An io_uring read parked in the kernel (READ_MESSAGE, READ_DATA). */
struct m_pend {
	bool used;
	uint64_t tag;
	unsigned int cmd;
	int node;
	int port;
	bool done;		/* its CQE came */
	int res;
	void *arg;		/* the argument struct, kept until the CQE */
	uint8_t in[64];		/* the struct as submitted */
	uint8_t *buf;
	uint32_t *hbuf;
	size_t buflen;
	uint64_t opno;
};

struct model {
	const struct fz_opts *o;
	struct fz_rng rng;
	uint64_t opno;
	uint64_t tag;
	bool failed;
	/* Module parameters (README), read from sysfs. */
	uint64_t max_message_bytes, def_msgs, def_bytes, max_dp_cap;
	uint64_t features;
	bool version_known;
	struct m_node nodes[M_NODES];
	struct m_port ports[M_PORTS];
	int nports_used;
	struct m_trap traps[M_TRAPS];
	struct m_dp dps[M_DPS];
	struct m_fd fds[M_FDS];
	struct m_pend pend[M_PEND];
	uint8_t *buf, *buf2;	/* scratch, max_message_bytes + slack */
	uint32_t hbuf[MOJO_MAX_MESSAGE_HANDLES + 8];
	struct mojo_trap_event evbuf[MOJO_MAX_READ_EVENTS];
	void *bad;		/* a PROT_NONE page */
	void *ro;		/* a read-only page */
	long page;
};

extern struct model M;

/* ---- model.c: common helpers ---- */

#define R(n)		fz_below(&M.rng, (n))
#define CHANCE(p)	fz_chance(&M.rng, (p))

/* Report a difference from the model and stop the seed. */
int m_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Where a READ_MESSAGE's sender credentials go: the spare tail of its
 * handle buffer (M.hbuf, a parked read's own), past any handle.
 */
static inline struct mojo_sender_creds *m_creds(const uint32_t *hbuf)
{
	return (struct mojo_sender_creds *)(hbuf + MOJO_MAX_MESSAGE_HANDLES);
}
void m_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

enum fz_via m_via(void);
long m_call(int node, unsigned int cmd, void *arg, enum fz_via via);
long m_call_ro(int node, unsigned int cmd, void *arg, size_t size,
	       enum fz_via via, long *e, bool reports);
int m_check_ret(const char *op, long got, long exp);
int m_check_struct(const char *op, const void *got, const void *exp,
		   size_t n);

/* Handles. */
struct m_handle *m_hlookup(int node, uint32_t h);
int m_hpick(int node, int kindmask);
uint32_t m_bad_handle(int node);
int m_hadd(int node, uint32_t h, int kind, int idx);
void m_hdel(int node, uint32_t h);
int m_fresh(int node, uint32_t h);
int m_any_node(void);
long m_choose(int node, int want, uint32_t *h, int *idx);

/* Endpoints. */
int m_port_alloc(int kind);
void m_port_free(int p);
bool m_full(const struct m_port *p);
bool m_peer_remote(int pi, int peer);
uint64_t m_unread(int pi);
uint64_t m_signals(int p, uint64_t *able);
void m_port_leave(int p);
void m_port_close(int p);
void m_queue_close(int p);
void m_port_to_node(int p, int node, uint32_t h);

/* Pending io_uring reads. */
int m_pend_count(int port);
int m_pend_new(void);
void m_pend_cancel_port(int port);
int m_settle(void);
struct m_pend *m_pend_setup(int node, int port, unsigned int cmd,
			    size_t argsize, size_t buflen);
bool m_may_park(int node);
int m_submit_parked(struct m_pend *pd, const void *arg, size_t size);

/* Messages. */
void m_gen(uint64_t seed, uint8_t *buf, uint32_t len);

/* ---- model_msg.c ---- */
int op_create_msgpipe(void);
int op_write_msg(void);
int op_read_msg(void);
int op_fuse(void);
int op_set_quota(void);
int op_signal_quota(void);
int op_export(void);
int op_import(void);
int op_close_fd(void);
int op_wrap_fd(void);
int op_unwrap_fd(void);
long m_read_msg_predict(int node, struct mojo_read_message_args *a,
			int *port);
int m_read_msg_apply(int node, int port, struct mojo_read_message_args *a,
		     const uint8_t *buf, const uint32_t *hbuf, long ret,
		     const struct mojo_read_message_args *in);

/* ---- model_trap.c ---- */
int op_create_trap(void);
int op_add_trigger(void);
int op_remove_trigger(void);
int op_arm_trap(void);
int op_read_events(void);
void m_trap_eval(void);
void m_trap_cancel_port(int p);
void m_trap_close(int t);
bool m_events_touch_port(int node, int p);
bool m_events_touch_trap(int node, int t);
int m_drain_events(int node);
void m_node_flush_events(int node);

/* ---- model_dp.c ---- */
int op_create_dp(void);
int op_write_data(void);
int op_read_data(void);
int op_begin_write(void);
int op_end_write(void);
int op_begin_read(void);
int op_end_read(void);
int op_dp_info(void);
int op_set_threshold(void);
uint64_t m_dp_signals(int p, uint64_t *able);
long m_read_data_predict(int node, struct mojo_data_args *a, int *port);
int m_read_data_apply(int node, int port, struct mojo_data_args *a,
		      const uint8_t *buf, long ret,
		      const struct mojo_data_args *in);
void m_dp_port_closed(int p);

#endif /* MOJOFUZZ_MODEL_H */
