// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures (debug kernel, fail-nth): every allocation an
 * operation makes is failed in turn. Each failure must come back as a
 * clean -ENOMEM that changed nothing, and the kmemleak scan after the run
 * proves nothing leaked. Kernels without fault injection skip these.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "kselftest_harness.h"
#include "mojo_test.h"

#define R MOJO_SIGNAL_READABLE
#define W MOJO_SIGNAL_WRITABLE

FIXTURE(fault) {
	int fail;
	int node;
	uint32_t h0, h1;
};

FIXTURE_SETUP(fault)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", gettid());
	self->fail = open(path, O_RDWR);
	self->node = mojo_open_node();
	ASSERT_GE(self->node, 0);
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &self->h0, &self->h1));
}

FIXTURE_TEARDOWN(fault)
{
	if (self->fail >= 0)
		close(self->fail);
	close(self->node);
}

/* Arm fail-nth for the next call: fail the @nth allocation. */
static void arm(int fail, int nth)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", nth);

	if (pwrite(fail, buf, len, 0) != len)
		abort();
}

/* Disarm; return true when the injected failure did not happen. */
static int disarm(int fail)
{
	char buf[16] = { 0 };
	int left;

	if (pread(fail, buf, sizeof(buf) - 1, 0) <= 0)
		abort();
	left = atoi(buf);
	if (pwrite(fail, "0", 1, 0) != 1)
		abort();
	return left != 0;
}

#define NEED_FAULTS() do {						\
	if (self->fail < 0)						\
		SKIP(return, "no fault injection in this kernel");	\
} while (0)

TEST_F(fault, create_message_pipe)
{
	uint32_t a, b;
	int nth, ret, clean;

	NEED_FAULTS();
	for (nth = 1; nth < 100; nth++) {
		arm(self->fail, nth);
		ret = mojo_create_message_pipe(self->node, &a, &b);
		clean = disarm(self->fail);
		if (ret == 0) {
			ASSERT_EQ(W, mojo_test_signals(self->node, a));
			mojo_close(self->node, a);
			mojo_close(self->node, b);
			if (clean)
				break;
		} else {
			ASSERT_EQ(-ENOMEM, ret) TH_LOG("allocation %d", nth);
		}
	}
	ASSERT_LT(nth, 100);
}

TEST_F(fault, write_with_handles)
{
	uint32_t q0, q1, n = 0, nh = 1, got;
	char big[8192] = { 1 };
	int nth, ret, clean;

	NEED_FAULTS();
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	for (nth = 1; nth < 100; nth++) {
		arm(self->fail, nth);
		ret = mojo_write_message(self->node, self->h0, big, sizeof(big), &q1, 1);
		clean = disarm(self->fail);
		if (ret == 0 && clean)
			break;
		if (ret == 0) {
			/* A failure the kernel worked around: take it back. */
			n = sizeof(big);
			nh = 1;
			ASSERT_EQ(0, mojo_read_message(self->node, self->h1, big, &n, &q1, &nh));
			continue;
		}
		ASSERT_EQ(-ENOMEM, ret) TH_LOG("allocation %d", nth);
		/* Nothing sent, q1 still ours. */
		ASSERT_EQ(W, mojo_test_signals(self->node, self->h1));
		ASSERT_EQ(W, mojo_test_signals(self->node, q1));
	}
	ASSERT_LT(nth, 100);
	n = sizeof(big);
	ASSERT_EQ(0, mojo_read_message(self->node, self->h1, big, &n, &got, &nh));
	EXPECT_EQ(1, nh);
}

TEST_F(fault, read_with_handles)
{
	uint32_t q0, q1, n, nh, got;
	char buf[16];
	int nth, ret, clean = 0;

	NEED_FAULTS();
	ASSERT_EQ(0, mojo_create_message_pipe(self->node, &q0, &q1));
	ASSERT_EQ(0, mojo_write_message(self->node, self->h0, "m", 1, &q1, 1));
	for (nth = 1; nth < 100; nth++) {
		n = sizeof(buf);
		nh = 1;
		arm(self->fail, nth);
		ret = mojo_read_message(self->node, self->h1, buf, &n, &got, &nh);
		clean = disarm(self->fail);
		if (ret == 0 && clean)
			break;
		if (ret == 0) {
			/* A failure the kernel worked around: send it again. */
			ASSERT_EQ(0, mojo_write_message(self->node, self->h0, "m", 1, &got, 1));
			continue;
		}
		ASSERT_EQ(-ENOMEM, ret) TH_LOG("allocation %d", nth);
		ASSERT_EQ(R | W, mojo_test_signals(self->node, self->h1));
	}
	ASSERT_LT(nth, 100);
	ASSERT_EQ(0, mojo_test_write_str(self->node, q0, "x"));
	ASSERT_EQ(0, mojo_test_read_str(self->node, got, buf, sizeof(buf)));
}

TEST_F(fault, export_and_import)
{
	int nth, fd = -1, ret, clean;
	uint32_t h;

	NEED_FAULTS();
	for (nth = 1; nth < 100; nth++) {
		arm(self->fail, nth);
		fd = mojo_export_handle(self->node, self->h1);
		clean = disarm(self->fail);
		if (fd >= 0)
			break;
		ASSERT_EQ(-ENOMEM, fd) TH_LOG("allocation %d", nth);
		ASSERT_EQ(W, mojo_test_signals(self->node, self->h1));
	}
	ASSERT_GE(fd, 0);
	for (nth = 1; nth < 100; nth++) {
		arm(self->fail, nth);
		ret = mojo_import_handle(self->node, fd, &h);
		clean = disarm(self->fail);
		if (ret == 0)
			break;
		ASSERT_EQ(-ENOMEM, ret) TH_LOG("allocation %d", nth);
	}
	ASSERT_EQ(0, ret);
	(void)clean;
	close(fd);
	EXPECT_EQ(W, mojo_test_signals(self->node, h));
}

TEST_F(fault, traps)
{
	struct mojo_trap_event ev;
	uint32_t trap;
	int nth, ret, clean;

	NEED_FAULTS();
	for (nth = 1; nth < 100; nth++) {
		arm(self->fail, nth);
		ret = mojo_create_trap(self->node, &trap);
		clean = disarm(self->fail);
		if (ret == 0)
			break;
		ASSERT_EQ(-ENOMEM, ret);
	}
	ASSERT_EQ(0, ret);
	for (nth = 1; nth < 100; nth++) {
		arm(self->fail, nth);
		ret = mojo_add_trigger(self->node, trap, self->h1, R, MOJO_TRIGGER_SATISFIED, 1);
		clean = disarm(self->fail);
		if (ret == 0)
			break;
		ASSERT_EQ(-ENOMEM, ret);
		ASSERT_EQ(-ENOENT, mojo_arm_trap(self->node, trap, NULL));
	}
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, mojo_arm_trap(self->node, trap, NULL));
	ASSERT_EQ(0, mojo_test_write_str(self->node, self->h0, "x"));
	for (nth = 1; nth < 100; nth++) {
		arm(self->fail, nth);
		ret = mojo_read_trap_events(self->node, &ev, 1);
		clean = disarm(self->fail);
		if (ret == 1)
			break;
		ASSERT_EQ(-ENOMEM, ret);
	}
	ASSERT_EQ(1, ret);
	(void)clean;
	EXPECT_EQ(1, ev.context);
}

TEST_F(fault, create_data_pipe_and_transfer_data)
{
	uint64_t n, off, size;
	uint32_t p, c;
	char buf[64] = { 0 };
	int nth, ret, clean;

	NEED_FAULTS();
	for (nth = 1; nth < 200; nth++) {
		arm(self->fail, nth);
		ret = mojo_create_data_pipe(self->node, 1, 3 * 4096 + 100, &p, &c);
		clean = disarm(self->fail);
		if (ret == 0) {
			mojo_close(self->node, p);
			mojo_close(self->node, c);
			if (clean)
				break;
		} else {
			ASSERT_EQ(-ENOMEM, ret) TH_LOG("allocation %d", nth);
		}
	}
	ASSERT_LT(nth, 200);
	ASSERT_EQ(0, mojo_create_data_pipe(self->node, 1, 64, &p, &c));
	/* The transfer calls allocate nothing: each succeeds at once. */
	arm(self->fail, 1);
	n = 8;
	ret = mojo_write_data(self->node, p, buf, &n, 0);
	EXPECT_TRUE(disarm(self->fail));
	ASSERT_EQ(0, ret);
	arm(self->fail, 1);
	ret = mojo_begin_read_data(self->node, c, &off, &size);
	EXPECT_TRUE(disarm(self->fail));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, mojo_end_read_data(self->node, c, size));
}

/*
 * A node's handle table is an allocating xarray with index 0 busy and a
 * random first number. Let only the first @k xarray node allocations of
 * the first handle pass: the store grows the tree up from index 0, walks
 * down towards the number, and may stop half way for want of memory.
 * xa_alloc_cyclic() then retries from number 1, which the first leaf
 * already covers, and succeeds; the nodes it built on the way down stay
 * in the table, empty, after every handle is gone (xa_empty() is false).
 * The node's death must free them quietly: no WARNING, no leak (the
 * runner checks the console and kmemleak too).
 *
 * Needs failslab's cache filter on radix_tree_node (vm.sh boots the
 * debug kernel with slub_debug=A,radix_tree_node).
 */
#define FS "/sys/kernel/debug/failslab/"
static const char *const failslab_knobs[] = {
	"probability", "interval", "times", "space", "verbose",
	"task-filter", "cache-filter", "ignore-gfp-wait",
};
#define NKNOBS (sizeof(failslab_knobs) / sizeof(failslab_knobs[0]))

/* Create a pipe in a new node with only @pass xarray nodes to spare. */
static int create_with_xa_nodes(int node, long pass, uint32_t *a, uint32_t *b)
{
	char saved[NKNOBS][32], path[128];
	size_t i;
	int fail = 0, ret;
	FILE *f;

	for (i = 0; i < NKNOBS; i++) {
		snprintf(path, sizeof(path), FS "%s", failslab_knobs[i]);
		f = fopen(path, "r");
		if (!f || !fgets(saved[i], sizeof(saved[i]), f))
			abort();
		fclose(f);
	}
	/* The knobs are put back before anything is judged. */
	fail = mojo_test_write_file(FS "cache-filter", "Y") ||
	       mojo_test_write_file(FS "task-filter", "Y") ||
	       mojo_test_write_file(FS "ignore-gfp-wait", "N") ||
	       mojo_test_write_file(FS "verbose", "0") ||
	       mojo_test_write_long(FS "interval", 1) ||
	       mojo_test_write_long(FS "times", -1) ||
	       mojo_test_write_long(FS "space", pass + 1) ||
	       mojo_test_write_long(FS "probability", 100) ||
	       mojo_test_write_file("/proc/thread-self/make-it-fail", "1");
	ret = fail ? -EIO : mojo_create_message_pipe(node, a, b);
	if (mojo_test_write_file("/proc/thread-self/make-it-fail", "0"))
		abort();
	for (i = 0; i < NKNOBS; i++) {
		snprintf(path, sizeof(path), FS "%s", failslab_knobs[i]);
		if (mojo_test_write_file(path, saved[i]))
			abort();
	}
	return ret;
}

TEST(handle_tables_left_with_empty_xarray_nodes_die_quietly)
{
	char rec[1024];
	long node_size, k;
	uint32_t a, b;
	int node, kmsg, ret, marked, failed = 0, warned = 0;
	FILE *f;

	f = fopen("/sys/kernel/slab/radix_tree_node/failslab", "r");
	if (!f || fscanf(f, "%d", &marked) != 1 || marked != 1) {
		if (f)
			fclose(f);
		SKIP(return, "radix_tree_node is not marked for failslab");
	}
	fclose(f);
	node_size = mojo_test_read_long("/sys/kernel/slab/radix_tree_node/object_size");
	ASSERT_GT(node_size, 0);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_GE(kmsg, 0);
	ASSERT_EQ(0, (int)lseek(kmsg, 0, SEEK_END));

	for (k = 0; k <= 8; k++) {
		node = mojo_open_node();
		ASSERT_GE(node, 0);
		ret = create_with_xa_nodes(node, k * node_size, &a, &b);
		if (ret == -ENOMEM) {
			failed++;
		} else {
			ASSERT_EQ(0, ret) TH_LOG("%ld nodes to spare", k);
			ASSERT_EQ(0, mojo_close(node, a));
			ASSERT_EQ(0, mojo_close(node, b));
		}
		/* The node still works, and its death says nothing. */
		ASSERT_EQ(0, mojo_create_message_pipe(node, &a, &b));
		ASSERT_EQ(0, close(node));
	}
	/* With no xarray node to spare, the first handle cannot exist. */
	ASSERT_GE(failed, 1);
	usleep(100 * 1000);
	while ((ret = read(kmsg, rec, sizeof(rec) - 1)) > 0 ||
	       (ret < 0 && errno == EPIPE)) {
		if (ret <= 0)
			continue;
		rec[ret] = '\0';
		if (strstr(rec, "WARNING:"))
			warned = 1;
	}
	close(kmsg);
	EXPECT_EQ(0, warned);
}

TEST_HARNESS_MAIN
