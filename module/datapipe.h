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
 * Memory: the ring is pages allocated zeroed and charged to the creator's
 * memory cgroup, vmapped for the kernel's copies and inserted into user
 * mappings at mmap() time (there is no fault handler, so a revoked or
 * never-populated address raises SIGBUS). User mappings hold references to
 * the pages, so the memory lives as long as any handle or mapping does.
 *
 * Mapping offsets: each endpoint gets a global id at creation; its mmap
 * offset is id << 32. Mappings go through the module's own pseudo-inode
 * (every node file shares its address_space), so revoking an endpoint's
 * mappings when it leaves a node is one unmap_mapping_range() over its
 * offset range.
 *
 * Locking, outermost first: &mojo_port.read_mutex serializes the
 * operations of one endpoint (one-shot copies run under it with no
 * spinlock held) -> &mojo_dpipe.map_mutex (mmap against revocation; taken
 * under mmap_lock in mmap, and under the node and transit locks when an
 * endpoint leaves its node) -> &mojo_port.lock -> &mojo_dpipe.lock, a
 * spinlock protecting the ring state and the two-phase state.
 */

#include <linux/kref.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct mojo_node;
struct mojo_port;

/**
 * struct mojo_dpipe - the shared state of one data pipe
 * @ref:             one reference per endpoint port
 * @element_size:    bytes per element; every count is a multiple of it
 * @capacity:        ring size in bytes
 * @nr_pages:        pages backing the ring
 * @pages:           the pages
 * @vaddr:           the kernel's contiguous view of @pages
 * @map_mutex:       orders mmap() against revocation (see DOC above)
 * @lock:            protects every field below
 * @read_off:        where the next readable byte is, [0, @capacity)
 * @avail:           readable bytes, [0, @capacity]
 * @writing:         a two-phase write is open
 * @write_granted:   its grant in bytes
 * @reading:         a two-phase read is open
 * @read_granted:    its grant in bytes
 * @new_data:        data arrived since the consumer's last read
 * @read_threshold:  READABLE needs this many bytes (0: one element)
 * @write_threshold: WRITABLE needs this many free bytes (0: one element)
 */
struct mojo_dpipe {
	struct kref ref;
	u32 element_size;
	u64 capacity;
	unsigned int nr_pages;
	struct page **pages;
	void *vaddr;
	struct mutex map_mutex;		/* see DOC: Data pipes, locking */
	spinlock_t lock;		/* see DOC: Data pipes, locking */
	u64 read_off;
	u64 avail;
	bool writing;
	u64 write_granted;
	bool reading;
	u64 read_granted;
	bool new_data;
	u64 read_threshold;
	u64 write_threshold;
};

extern unsigned int mojo_max_data_pipe_capacity;

int mojo_dpipe_init(void);
void mojo_dpipe_exit(void);
void mojo_dpipe_file_init(struct file *file);
void mojo_dpipe_put(struct mojo_dpipe *dp);
void mojo_dpipe_port_release(struct mojo_port *port);
u64 mojo_dpipe_signals(struct mojo_port *port, u64 *satisfiable);
bool mojo_dpipe_busy(struct mojo_port *port);
void mojo_dpipe_revoke(struct mojo_port *port);
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
