/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_DATAPIPE_H
#define __MOJO_DATAPIPE_H

/**
 * DOC: Data pipes
 *
 * A data pipe (Mojo's DataPipeProducerDispatcher and its consumer twin) is
 * a byte stream through a ring the kernel allocates. Its two endpoints are
 * ports (port.h) of kind DATA_PRODUCER and DATA_CONSUMER, entangled with
 * each other: everything ports do (handles, transfer in messages,
 * export/import, closure, node death, signals, waits, traps) works for them
 * unchanged, as Mojo builds its data pipes on a port pair. The ring and its
 * state live in a struct mojo_dpipe both ports point to.
 *
 * The kernel owns the state: the read offset and the readable byte count.
 * Userspace passes byte counts only; each is checked, with overflow-checked
 * arithmetic, to be a multiple of the element size and within what is
 * free, readable or was granted. Nothing is ever read back from memory
 * userspace can write: the ring's contents are data, never state.
 *
 * Memory: the ring is pages allocated zeroed, charged to the creator's
 * memory cgroup and to the creating node's user (user.h), and vmapped for
 * the kernel's copies.
 *
 * Mappings and revocation: an endpoint sent to another node must leave
 * nothing behind in the old one, so every user mapping of the ring is
 * revocable, and revocation is atomic with ownership:
 *
 * - Pages enter page tables only through the fault handler, as special PFN
 *   entries (VM_PFNMAP | VM_IO). mmap() itself inserts nothing: the kernel
 *   links a new mapping where unmap_mapping_range() finds it only after
 *   ->mmap returns, so pages inserted there could escape a revocation
 *   running meanwhile.
 * - mmap() records the endpoint's map generation after checking, under
 *   @map_mutex, that the caller's node holds the endpoint. Leaving a node
 *   (send, export) bumps the generation under @map_mutex while the node
 *   lock still makes the departure final, then zaps every mapping of the
 *   endpoint once no shared lock is held. The fault handler inserts a page
 *   only if the generation is still the one its mapping recorded, under
 *   @map_mutex: a page inserted before the bump is removed by the zap that
 *   follows it, and none is inserted after. Revoked mappings get SIGBUS;
 *   the new owner's mappings, zapped too, fault their pages back in.
 * - No page reference can outlive the page tables: get_user_pages() and
 *   everything built on it (vmsplice(), io_uring registered buffers,
 *   /proc/pid/mem, process_vm_readv(), O_DIRECT) refuse VM_PFNMAP and
 *   VM_IO mappings, and the special entries take no page references.
 * - The mapping rules hold against the user: VM_MAYEXEC is cleared (and
 *   VM_MAYWRITE for the consumer), so mprotect() cannot add execute or
 *   write; VM_DONTCOPY keeps the ring out of forked children, and VM_IO
 *   makes madvise(MADV_DOFORK) fail; VM_DONTEXPAND refuses mremap()
 *   growth (a move keeps all of this). A zap by the user (MADV_DONTNEED)
 *   only costs faults.
 * - Each mapping holds a reference to its endpoint, hence to the ring: a
 *   mapping outlives the endpoint's handles (and, revoked, keeps the
 *   ring's memory until it is unmapped), and an endpoint's id, which names
 *   it in the mmap offset, is not reused while anything maps it.
 * - A mapping keeps the ring alive, never the node: mmap() points the vma
 *   at a file of its own (struct mojo_dp_map), not at the node file it
 *   was made through, so closing a node's last fd is its death whatever
 *   it mapped. The endpoints die with the node, and their mappings are
 *   revoked as if the endpoints had left (mojo_dpipe_node_revoke(), before
 *   the handles are closed). Closing one handle revokes nothing.
 *
 * Mapping offsets: each endpoint gets a global id at creation; its mmap
 * offset is id << 32. Every mapping's file is on the module's own
 * pseudo-inode and shares its address_space, so zapping an endpoint's
 * mappings is one unmap_mapping_range() over its offset range.
 *
 * Locking, outermost first: &mojo_port.read_mutex serializes the
 * operations of one endpoint (one-shot copies run under it with no
 * spinlock held) -> &mojo_dpipe.map_mutex (the map generations; taken
 * under mmap_lock in mmap and in the fault handler, and under the node and
 * transit locks when an endpoint leaves its node or the node dies; held
 * only for short, bounded work) -> &mojo_port.lock -> &mojo_dpipe.lock, a spinlock
 * protecting the ring state and the two-phase state.
 */

#include <linux/kref.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct mojo_node;
struct mojo_port;
struct mojo_user;

/**
 * struct mojo_dpipe - the shared state of one data pipe
 * @ref:             one reference per endpoint port
 * @user:            the user the ring is charged to (user.h; a reference
 *                   is held); immutable
 * @element_size:    bytes per element; every count is a multiple of it
 * @capacity:        ring size in bytes
 * @nr_pages:        pages backing the ring
 * @pages:           the pages
 * @vaddr:           the kernel's contiguous view of @pages
 * @map_mutex:       orders mmap() and page faults against revocation
 *                   (see DOC above); protects @map_gen
 * @map_gen:         per endpoint (producer, consumer): bumped when the
 *                   endpoint leaves a node; a mapping made at another
 *                   generation is revoked
 * @maps:            per endpoint: the mmap() calls whose mappings are still
 *                   there (revoked or not); for diagnostics (debugfs.h)
 * @lock:            protects every field below
 * @read_off:        where the next readable byte is, [0, @capacity)
 * @avail:           readable bytes, [0, @capacity]
 * @writing:         a two-phase write is open
 * @write_granted:   its grant in bytes
 * @reading:         a two-phase read is open
 * @read_granted:    its grant in bytes
 * @copying:         per endpoint (producer, consumer): a one-shot
 *                   operation is in progress; with @writing and
 *                   @reading, what keeps the endpoint in its node
 * @new_data:        data arrived since the consumer's last read
 * @read_threshold:  READABLE needs this many bytes (0: one element)
 * @write_threshold: WRITABLE needs this many free bytes (0: one element)
 */
struct mojo_dpipe {
	struct kref ref;
	struct mojo_user *user;
	u32 element_size;
	u64 capacity;
	unsigned int nr_pages;
	struct page **pages;
	void *vaddr;
	struct mutex map_mutex;		/* see DOC: Data pipes, locking */
	u64 map_gen[2];
	atomic_t maps[2];
	spinlock_t lock;		/* see DOC: Data pipes, locking */
	u64 read_off;
	u64 avail;
	bool writing;
	u64 write_granted;
	bool reading;
	u64 read_granted;
	bool copying[2];
	bool new_data;
	u64 read_threshold;
	u64 write_threshold;
};

extern unsigned int mojo_max_data_pipe_capacity;

int mojo_dpipe_init(void);
void mojo_dpipe_exit(void);
void mojo_dpipe_put(struct mojo_dpipe *dp);
void mojo_dpipe_port_release(struct mojo_port *port);
u64 mojo_dpipe_signals(struct mojo_port *port, u64 *satisfiable);
bool mojo_dpipe_busy(struct mojo_port *port);
void mojo_dpipe_revoke(struct mojo_port *port);
void mojo_dpipe_zap(struct mojo_port *port);
void mojo_dpipe_node_revoke(struct mojo_node *node);
int mojo_dpipe_mmap(struct mojo_node *node, struct vm_area_struct *vma);

long mojo_dpipe_op_create(struct mojo_node *node, void *arg);
long mojo_dpipe_op_write(struct mojo_node *node, void *arg);
long mojo_dpipe_op_read(struct mojo_node *node, void *arg);
long mojo_dpipe_op_begin_write(struct mojo_node *node, void *arg);
long mojo_dpipe_op_end_write(struct mojo_node *node, void *arg);
long mojo_dpipe_op_begin_read(struct mojo_node *node, void *arg);
long mojo_dpipe_op_end_read(struct mojo_node *node, void *arg);
long mojo_dpipe_op_info(struct mojo_node *node, void *arg);
long mojo_dpipe_op_set_threshold(struct mojo_node *node, void *arg);

#endif /* __MOJO_DATAPIPE_H */
