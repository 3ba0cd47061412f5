/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __MOJO_EVENT_H
#define __MOJO_EVENT_H

/**
 * DOC: Events
 *
 * Ports interact only through events passed to mojo_port_deliver(), the
 * single entry point that changes a port because of its peer. The function
 * checks that the event comes from the port's current peer, that a user
 * message carries exactly the next sequence number, that sizes are within
 * the limits, and that the receiving queue has room; anything else is
 * rejected with an errno and changes nothing. Within one kernel events are
 * delivered synchronously and in order, so an out-of-order event is a bug
 * or a forgery and is refused rather than buffered: a future link to nodes
 * outside this kernel would add a bounded reorder buffer in front of this
 * function, never an unbounded one.
 *
 * Sequence numbers count the user messages one port sends, starting at
 * MOJO_SEQ_FIRST. A closure event carries the last number its port sent, so
 * the peer knows when it has everything.
 */

#include <linux/types.h>

struct mojo_message;
struct mojo_port;

/* Sequence number of the first user message a port sends. */
#define MOJO_SEQ_FIRST	1

/**
 * enum mojo_event_type - kinds of event between ports
 * @MOJO_EVENT_USER_MESSAGE: a user message, queued at the receiver
 * @MOJO_EVENT_PORT_CLOSED:  the sender closed; @last_seq says how many
 *                           user messages it sent in all
 * @MOJO_EVENT_PEER_CHANGED: the sender was fused away (MOJO_IOC_FUSE); the
 *                           receiver's peer becomes @new_peer, the messages
 *                           @new_peer sent that were still queued on their
 *                           way arrive with it (@messages), and the next
 *                           user message the receiver expects is @seq. A
 *                           proxy in Mojo forwards such messages one by one;
 *                           here they change queues in one step
 */
enum mojo_event_type {
	MOJO_EVENT_USER_MESSAGE = 1,
	MOJO_EVENT_PORT_CLOSED,
	MOJO_EVENT_PEER_CHANGED,
};

/**
 * struct mojo_event - one event from a port to its peer
 * @type:     what happened
 * @from:     the sending port; must be the receiver's current peer
 * @seq:      USER_MESSAGE: the message's sequence number;
 *            PEER_CHANGED: the next sequence number to expect
 * @last_seq: PORT_CLOSED: the last sequence number the sender used
 * @message:  USER_MESSAGE: the message; the receiver owns it on success
 * @new_peer: PEER_CHANGED: the receiver's new peer (a reference is passed
 *            to the receiver on success); may be closed already, in which
 *            case its PORT_CLOSED follows
 * @messages: PEER_CHANGED: NULL, or a list of messages @new_peer sent, in
 *            order, numbered up to @seq - 1; on success they are moved to
 *            the end of the receiver's queue, if writes could have queued
 *            them there under its quota (mojo_port_fits())
 * @num_msgs: PEER_CHANGED: how many messages @messages holds
 * @num_bytes: PEER_CHANGED: their payload bytes
 */
struct mojo_event {
	enum mojo_event_type type;
	struct mojo_port *from;
	u64 seq;
	u64 last_seq;
	struct mojo_message *message;
	struct mojo_port *new_peer;
	struct list_head *messages;
	u32 num_msgs;
	u64 num_bytes;
};

#endif /* __MOJO_EVENT_H */
