/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * rpmsg_netlink: RPMsg channels as a Generic Netlink family.
 *
 * The contract between the rpmsg_netlink kernel module and its userspace
 * clients (libamplink). Resolve the family by name (CTRL_CMD_GETFAMILY with
 * RPMSG_NETLINK_FAMILY_NAME); never assume a family id.
 *
 * Each client socket (netlink port id) gets its own rpmsg endpoint on a
 * channel the first time it sends there; the remote answers that endpoint's
 * address, and the module delivers what arrives on it to that socket only.
 * The endpoint is destroyed when the socket closes.
 *
 * Client addresses: the module gives each client endpoint an address of
 * [RPMSG_NETLINK_CLIENT_ADDR_MIN, RPMSG_NETLINK_CLIENT_ADDR_MAX], taken
 * cyclically, so an address comes back only after the whole range has been
 * used. Whatever the remote sends to a closed client (replies still in
 * flight when it closed) finds no endpoint and is dropped by the bus; it
 * never reaches a later socket. Remotes need not know the range.
 *
 * Going away: when a client socket is released (closed, or its process
 * died), the module tells the remote before the endpoint's address can be
 * given to anyone else, with the name-service message Linux sends for a
 * destroyed endpoint: struct rpmsg_ns_msg {name = the channel's name,
 * addr = the client's address, flags = RPMSG_NS_DESTROY} to address 53
 * (RPMSG_NS_ADDR), from the channel's own address. It does so on the
 * module's own service (RPMSG_NETLINK_SERVICE, whose firmware speaks the
 * amplink protocol) and on channels bound with RPMSG_NETLINK_BIND_F_NOTIFY,
 * never while the channel itself is going away. The closing task waits at
 * most about 100 ms for a free tx buffer, never indefinitely. A message
 * that could not go in that time (the remote is stalled, the ring full) is
 * kept in a queue of the channel (RPMSG_NETLINK_GONE_QUEUE of them) and
 * sent later, in order, as soon as the ring has room: when the remote
 * sends anything on the channel, before a client's SEND, or on a periodic
 * retry. Its address stays unused until then. Only a message that finds
 * the queue full is dropped (RPMSG_NETLINK_STAT_GONE_LOST); the queue of a
 * channel that goes away is dropped without counting.
 *
 * Binding other services: besides RPMSG_NETLINK_SERVICE, an administrator
 * may bind any rpmsg service name to the module, so that its channels
 * appear here and carry raw messages through SEND and RECV: at load time
 * with the module parameter bind=NAME[:notify][,NAME[:notify]...], or at
 * run time with RPMSG_NETLINK_CMD_BIND. A bound name also binds channels
 * the remote announces later. Binding needs what loading the module needs:
 * CAP_NET_ADMIN and CAP_SYS_MODULE in the initial user namespace.
 *
 * Access (docs/security.md): a channel is in one network namespace, the
 * initial one unless an administrator assigned its service name to another
 * (RPMSG_NETLINK_CMD_ASSIGN). Only there is it listed (GET_CHANNEL),
 * announced (CHANNEL_UP/DOWN), named (GET_BINDING) and usable; everywhere
 * else it does not exist (ENODEV). Where it is, SEND needs CAP_NET_ADMIN
 * over the user namespace owning that network namespace (for the initial
 * one: CAP_NET_ADMIN in the initial user namespace), or membership (fsgid
 * or a supplementary group) in a group granted the service name
 * (RPMSG_NETLINK_CMD_GRANT, or the module parameter group=NAME:GID,...).
 * Assignments and grants name services, not channels: they hold for the
 * channels of that name the remote announces later (a restarted firmware).
 * When an assigned network namespace goes away, its channels return to the
 * initial one and the assignment is forgotten. A channel that moves closes
 * the endpoints of its clients (they are told CHANNEL_DOWN).
 *
 * Endpoint limits: a channel has at most max_user_clients client
 * endpoints (module parameter, default
 * RPMSG_NETLINK_DEFAULT_MAX_USER_CLIENTS) of one user (the effective uid of
 * the SEND that creates one; senders with CAP_NET_ADMIN in the initial user
 * namespace have no such limit) and at most max_clients in all (default
 * RPMSG_NETLINK_DEFAULT_MAX_CLIENTS, for everyone); 0 means no limit. The
 * SEND that would create one more fails with EMFILE (the user's limit) or
 * ENFILE (the channel's); a socket that already has its endpoint is never
 * refused.
 *
 * Commands (requests carry struct genlmsghdr with version
 * RPMSG_NETLINK_FAMILY_VERSION):
 *
 * RPMSG_NETLINK_CMD_SEND (doit; needs the access above)
 *   request:
 *     RPMSG_NETLINK_A_CHANNEL   u32, required
 *     RPMSG_NETLINK_A_DATA      binary, 1..RPMSG_NETLINK_MAX_DATA bytes, required
 *     RPMSG_NETLINK_A_FLAGS     u32, optional, RPMSG_NETLINK_F_*
 *   (RPMSG_NETLINK_A_TIMEOUT_MS, version 1's wait bound, is refused with
 *   EINVAL: nothing waits any more.)
 *   A SEND never waits, and is accepted or refused whole. Accepted, the
 *   data goes out as ceil(len / MTU) rpmsg messages, in order after
 *   everything the client sent before on the channel: at once as far as
 *   the tx ring has room, the rest from the client's transmit queue as the
 *   remote frees buffers (clients with queued data take turns). A client's
 *   queue holds at most RPMSG_NETLINK_TX_QUEUE bytes; a SEND that would
 *   overfill it is refused with EAGAIN, and so is every later SEND of that
 *   client on that channel until one carries RPMSG_NETLINK_F_RESUME: a
 *   client that sends several requests without waiting for their acks
 *   (no NLM_F_ACK: netlink still reports errors) never has one overtake a
 *   refused one. After a refusal the module sends the client TX_READY once
 *   its queue is at most half full; the client then resends, from the
 *   first refused request, the first with RESUME. TX_READY is not
 *   guaranteed (a full receive buffer drops it): a client may also retry
 *   on its own. Queued data is dropped when the client's socket closes or
 *   the channel goes away. Errors: ENODEV (no such channel in the
 *   sender's network namespace, or it went away or moved to another),
 *   EAGAIN (refused, as above; nothing of it went), ENOMEM (no memory to
 *   queue the rest: nothing went, and later SENDs are refused as after
 *   EAGAIN), EIO (the transport failed part-way: the stream to the remote
 *   is broken), EPERM (neither CAP_NET_ADMIN over the channel's network
 *   namespace nor a granted group), EMFILE and ENFILE (the endpoint limits
 *   above), EINVAL, ERANGE (data too large).
 *
 * RPMSG_NETLINK_CMD_TX_READY (notification to the client's port)
 *     RPMSG_NETLINK_A_CHANNEL   u32
 *     RPMSG_NETLINK_A_NAME      string
 *   The client's transmit queue on the channel has room again after a
 *   refused SEND (see SEND).
 *
 * RPMSG_NETLINK_CMD_RECV (notification to the client's port)
 *     RPMSG_NETLINK_A_CHANNEL   u32
 *     RPMSG_NETLINK_A_SRC       u32, the remote address that sent it
 *     RPMSG_NETLINK_A_DATA      binary, one rpmsg message (0..MTU bytes)
 *   A message the module cannot deliver (the client's receive buffer is
 *   full, or no memory for it in the receive interrupt) is dropped and
 *   counted (RPMSG_NETLINK_STAT_RX_DROPS), and the client's next recv
 *   fails with ENOBUFS (for a full buffer unless the socket set
 *   NETLINK_NO_ENOBUFS): its stream has a hole.
 *
 * RPMSG_NETLINK_CMD_GET_CHANNEL (doit with RPMSG_NETLINK_A_CHANNEL, or dump;
 * no privileges; the channels of the requester's network namespace only,
 * ENODEV for another's)
 *   reply, one message per channel:
 *     RPMSG_NETLINK_A_CHANNEL   u32, id of the channel (stable while it exists)
 *     RPMSG_NETLINK_A_NAME      string, the channel's name as announced by
 *                               the remote (RPMSG_NETLINK_SERVICE, or another
 *                               name bound to the module: RPMSG_NETLINK_CMD_BIND)
 *     RPMSG_NETLINK_A_SRC       u32, the channel's local address
 *     RPMSG_NETLINK_A_DST       u32, the remote's address
 *     RPMSG_NETLINK_A_MTU       u32, payload bytes per rpmsg message
 *     RPMSG_NETLINK_A_STATS     nested:
 *       RPMSG_NETLINK_STAT_TX_BYTES   u64
 *       RPMSG_NETLINK_STAT_TX_MSGS    u64
 *       RPMSG_NETLINK_STAT_RX_BYTES   u64
 *       RPMSG_NETLINK_STAT_RX_MSGS    u64
 *       RPMSG_NETLINK_STAT_TX_ERRORS  u64, SENDs that failed, not
 *                                     counting refusals
 *       RPMSG_NETLINK_STAT_RX_DROPS   u64, messages no client could take
 *       RPMSG_NETLINK_STAT_CLIENTS    u32, endpoints open on the channel
 *
 *       RPMSG_NETLINK_STAT_GONE_SENT  u64, "client gone" messages sent,
 *                                     at once or later from the queue
 *       RPMSG_NETLINK_STAT_GONE_LOST  u64, "client gone" messages dropped:
 *                                     the queue was full (or sending failed
 *                                     for another reason than a full ring)
 *       RPMSG_NETLINK_STAT_GONE_QUEUED u32, "client gone" messages waiting
 *                                     in the queue now for a tx buffer
 *       RPMSG_NETLINK_STAT_TX_REFUSED u64, SENDs refused with EAGAIN
 *
 * RPMSG_NETLINK_CMD_CHANNEL_UP, RPMSG_NETLINK_CMD_CHANNEL_DOWN
 *   (multicast on group RPMSG_NETLINK_MCGRP_EVENTS in the channel's network
 *   namespace only; DOWN is also sent to each client with an endpoint on
 *   the channel, so a client waiting for a reply learns at once that none
 *   will come. A channel moved to another namespace goes DOWN in the old
 *   one, its clients' endpoints are closed (each told DOWN) and it comes
 *   UP in the new one.)
 *     RPMSG_NETLINK_A_CHANNEL   u32
 *     RPMSG_NETLINK_A_NAME      string
 *
 * RPMSG_NETLINK_CMD_BIND (doit; needs CAP_NET_ADMIN and CAP_SYS_MODULE in
 * the initial user namespace, EPERM otherwise)
 *   request:
 *     RPMSG_NETLINK_A_NAME      string, required, 1..31 bytes (the kernel's
 *                               RPMSG_NAME_SIZE - 1): an rpmsg service name
 *     RPMSG_NETLINK_A_FLAGS     u32, optional, RPMSG_NETLINK_BIND_F_*
 *   The module binds the name's present channels that no other driver
 *   holds, and those announced later; each appears as a channel
 *   (CHANNEL_UP). Errors: EBUSY (a channel of that name is bound to
 *   another driver, or reserved for one by its driver_override: nothing is
 *   taken from it), EEXIST (already bound, or RPMSG_NETLINK_SERVICE),
 *   ENOSPC (RPMSG_NETLINK_MAX_BINDINGS names are bound), EAGAIN (the
 *   module is loading or unloading), EINVAL, EPERM. A channel whose probe
 *   fails (e.g. one without a remote address) is only logged.
 *
 * RPMSG_NETLINK_CMD_UNBIND (doit; same privileges)
 *     RPMSG_NETLINK_A_NAME      string, required
 *   Forgets the name and releases its channels (CHANNEL_DOWN to their
 *   clients and the events group). Errors: ENOENT (not bound), EINVAL,
 *   EPERM.
 *
 * RPMSG_NETLINK_CMD_GET_BINDING (dump; no privileges)
 *   reply, one message per bound name (RPMSG_NETLINK_SERVICE not included)
 *   whose channels are in the requester's network namespace:
 *     RPMSG_NETLINK_A_NAME      string
 *     RPMSG_NETLINK_A_FLAGS     u32, RPMSG_NETLINK_BIND_F_*
 *
 * RPMSG_NETLINK_CMD_GRANT, RPMSG_NETLINK_CMD_REVOKE (doit; need
 * CAP_NET_ADMIN in the initial user namespace, EPERM otherwise)
 *   request:
 *     RPMSG_NETLINK_A_NAME      string, required, 1..31 bytes: a service name
 *                               (bound or not, present or not)
 *     RPMSG_NETLINK_A_GID       u32, required: a group id of the initial user
 *                               namespace
 *   GRANT lets the members of the group SEND on the channels of that name
 *   (where they are: a grant does not make a channel visible); REVOKE takes
 *   it back: their next SEND fails with EPERM (an endpoint already open
 *   stays until its socket closes, and replies to what was sent still
 *   arrive). Errors: EEXIST (already granted), ENOENT (REVOKE: not
 *   granted), ENOSPC (RPMSG_NETLINK_MAX_GRANTS groups for that name, or
 *   RPMSG_NETLINK_MAX_ACCESS names with grants or assignments), EINVAL
 *   (bad name, or a gid with no mapping), EPERM.
 *
 * RPMSG_NETLINK_CMD_ASSIGN (doit; same privileges)
 *   request:
 *     RPMSG_NETLINK_A_NAME      string, required, as for GRANT
 *     RPMSG_NETLINK_A_NET_NS_PID u32, the network namespace of that process
 *                               (in the requester's pid namespace), or
 *     RPMSG_NETLINK_A_NET_NS_FD u32, an open file of a network namespace
 *                               (/proc/PID/ns/net, /run/netns/NAME);
 *                               exactly one of the two
 *   Moves the channels of that name, now and later, to that network
 *   namespace (the initial one: as UNASSIGN, without its ENOENT).
 *   Assigning again moves them on. Errors: ESRCH (no such process), EBADF,
 *   EINVAL (not a network namespace, both or neither attribute, bad name),
 *   ENOSPC (as GRANT), EPERM.
 *
 * RPMSG_NETLINK_CMD_UNASSIGN (doit; same privileges)
 *     RPMSG_NETLINK_A_NAME      string, required
 *   Returns the channels of that name to the initial network namespace.
 *   Errors: ENOENT (not assigned), EINVAL, EPERM.
 *
 * RPMSG_NETLINK_CMD_GET_ACCESS (dump; needs CAP_NET_ADMIN in the initial
 * user namespace)
 *   reply, one message per service name with grants or an assignment:
 *     RPMSG_NETLINK_A_NAME      string
 *     RPMSG_NETLINK_A_GID       u32, once per granted group (as seen from the
 *                               requester's user namespace)
 *     RPMSG_NETLINK_A_NET_NS_INODE u32, when assigned: the inode number of
 *                               the network namespace (as in
 *                               /proc/PID/ns/net -> net:[INODE])
 *
 * Bulk transfers (docs/protocol.md, "Bulk transfers"): a message of many
 * KiB travels by reference through a pool of shared memory owned by the
 * module, one per remote processor, cut into slots of slot_size bytes.
 * The firmware announces the channel RPMSG_NETLINK_BULK_SERVICE, which the
 * module binds itself (it never appears as a channel); once the firmware
 * acknowledges the pool, every channel of that remote reports it in
 * GET_CHANNEL (RPMSG_NETLINK_A_BULK). A client maps the pool read-write
 * from the device node /dev/amplink-pool<N> (N: RPMSG_NETLINK_BULK_POOL;
 * offset = slot * slot_size), writes and reads slots in place, and names
 * them by index in the commands below; the module checks every index (the
 * slot must be the client's, in the state the command moves it from) and
 * every range. The client is its socket, as for SEND (the same endpoint:
 * the commands below create it as SEND does, with the same access check
 * and limits); its slots come back to the pool when the socket closes.
 * Whoever may open the device node sees every slot (docs/security.md).
 *
 * RPMSG_NETLINK_CMD_BULK_ACQUIRE (doit; access as SEND)
 *   request:
 *     RPMSG_NETLINK_A_CHANNEL   u32, required
 *     RPMSG_NETLINK_A_COUNT     u32, 1..RPMSG_NETLINK_BULK_DESC_MAX, required
 *   reply:
 *     RPMSG_NETLINK_A_CHANNEL   u32
 *     RPMSG_NETLINK_A_SLOTS     binary, u32 slot numbers (host order), at
 *                               least one, at most COUNT
 *   Gives the client free slots to fill. A client holds at most a share of
 *   the pool acquired or submitted (RPMSG_NETLINK_BULK_SHARE: the module
 *   parameter bulk_share, a quarter of the slots by default). Errors:
 *   EAGAIN (no free slot, or the client has its share: BULK_READY follows
 *   once one comes back), EOPNOTSUPP (the channel's remote has no pool:
 *   no RPMSG_NETLINK_BULK_SERVICE, or the firmware refused the pool),
 *   ECONNRESET (the pool's remote went away or is coming back: nothing is
 *   lent until it acknowledges the pool again), ERANGE (COUNT outside
 *   1..RPMSG_NETLINK_BULK_DESC_MAX), ENODEV, EPERM, EMFILE, ENFILE, EINVAL,
 *   as SEND.
 *
 * RPMSG_NETLINK_CMD_BULK_SUBMIT (doit; access as SEND)
 *   request:
 *     RPMSG_NETLINK_A_CHANNEL   u32, required
 *     RPMSG_NETLINK_A_DESCS     binary, 1..RPMSG_NETLINK_BULK_DESC_MAX
 *                               struct rpmsg_netlink_bulk_desc, required
 *     RPMSG_NETLINK_A_CONN_ID   u32, required: the amplink connection
 *     RPMSG_NETLINK_A_SEQ       u32, required: the connection's message seq
 *     RPMSG_NETLINK_A_FLAGS     u32, optional, RPMSG_NETLINK_BULK_F_* and
 *                               RPMSG_NETLINK_F_RESUME
 *     RPMSG_NETLINK_A_CRC       u32, with RPMSG_NETLINK_BULK_F_CRC: the
 *                               CRC-32 (zlib) of the ranges, in order
 *   Hands the filled slots to the firmware for that connection: bytes
 *   offset..offset+length (at least one) of each slot, in order, are the
 *   message (or, with F_MORE, its next part). The slots must be the
 *   client's, acquired and not submitted, each once: otherwise nothing
 *   happens (EINVAL, the extack names the descriptor). Accepted, they are
 *   the firmware's until it releases them (they return to the pool, and
 *   BULK_READY goes to a client owed it). Like a SEND, the SUBMIT goes
 *   after everything the client sent before on the channel and never
 *   waits: it joins the client's transmit queue when that is not empty
 *   (counting against RPMSG_NETLINK_TX_QUEUE with the size of its
 *   descriptor message, 24 + 16 bytes per slot), and is refused with
 *   EAGAIN, and needs RESUME afterwards, exactly as a SEND.
 *   Errors as ACQUIRE, and EAGAIN as SEND.
 *
 * RPMSG_NETLINK_CMD_BULK_RELEASE (doit; no privileges beyond holding the
 * slots)
 *   request:
 *     RPMSG_NETLINK_A_CHANNEL   u32, required
 *     RPMSG_NETLINK_A_SLOTS     binary, 1..RPMSG_NETLINK_BULK_DESC_MAX u32
 *                               slot numbers, required
 *   Gives back slots the client holds: received ones it has read (BULK_RECV)
 *   and acquired ones it does not want. Any slot that is not the client's,
 *   or named twice: nothing happens, EINVAL. ENODEV when the client has no
 *   endpoint on the channel.
 *
 * RPMSG_NETLINK_CMD_BULK_RECV (notification to the client's port)
 *     RPMSG_NETLINK_A_CHANNEL   u32
 *     RPMSG_NETLINK_A_CONN_ID   u32
 *     RPMSG_NETLINK_A_SEQ       u32
 *     RPMSG_NETLINK_A_FLAGS     u32, RPMSG_NETLINK_BULK_F_*
 *     RPMSG_NETLINK_A_CRC       u32, with F_CRC
 *     RPMSG_NETLINK_A_DESCS     binary, struct rpmsg_netlink_bulk_desc
 *   The firmware filled these slots for the client (a message by reference
 *   to a connection that opened with AMP_OPEN_F_BULK); they are the
 *   client's to read in place until it releases them. Undeliverable (a
 *   full receive buffer, no memory): the slots go back to the pool, the
 *   message is counted in RPMSG_NETLINK_STAT_RX_DROPS and the client's next
 *   recv fails with ENOBUFS, as for RECV. It is ordered with the client's
 *   RECVs as the firmware sent them.
 *
 * RPMSG_NETLINK_CMD_BULK_READY (notification to the client's port)
 *     RPMSG_NETLINK_A_CHANNEL   u32
 *   A slot came back after the client's ACQUIRE failed with EAGAIN.
 *
 * In GET_CHANNEL, when the channel's remote processor has a pool:
 *     RPMSG_NETLINK_A_BULK      nested:
 *       RPMSG_NETLINK_BULK_POOL        u32, N of /dev/amplink-pool<N>
 *       RPMSG_NETLINK_BULK_READY       u32, 1 when the firmware took the
 *                                      pool of the current generation
 *       RPMSG_NETLINK_BULK_GENERATION  u32
 *       RPMSG_NETLINK_BULK_SLOT_SIZE   u32, bytes (a multiple of 4096)
 *       RPMSG_NETLINK_BULK_SLOT_COUNT  u32
 *       RPMSG_NETLINK_BULK_SHARE       u32, slots one client may hold
 *       RPMSG_NETLINK_BULK_FREE        u32, slots in the pool now
 *       RPMSG_NETLINK_BULK_CLIENTS     u32, slots clients hold (filling or
 *                                      reading)
 *       RPMSG_NETLINK_BULK_LENT        u32, slots the firmware holds
 *                                      (submitted or posted)
 *       RPMSG_NETLINK_BULK_ACCEPTED    u64, descriptors from the firmware
 *                                      accepted
 *       RPMSG_NETLINK_BULK_STALE, _BAD_SLOT, _BAD_RANGE, _NOT_OWNER,
 *       _DUPLICATE, _WRONG_TYPE        u64, descriptors from the firmware
 *                                      refused, by reason
 *       RPMSG_NETLINK_BULK_BAD_MSGS    u64, messages on the bulk channel
 *                                      that were not bulk messages
 *       RPMSG_NETLINK_BULK_TX_MSGS     u64, messages sent to the firmware
 *                                      (POOL, SUBMIT, POST)
 *       RPMSG_NETLINK_BULK_RX_MSGS     u64, messages from it
 *       RPMSG_NETLINK_BULK_RECLAIMED   u64, slots taken back on a POOL_ACK
 *       RPMSG_NETLINK_BULK_DROPPED     u64, messages from the firmware no
 *                                      client could take (BULK_RECV not
 *                                      delivered, or for no client)
 */
#ifndef _UAPI_LINUX_RPMSG_NETLINK_H
#define _UAPI_LINUX_RPMSG_NETLINK_H

#include <linux/types.h>

#define RPMSG_NETLINK_FAMILY_NAME "rpmsg_netlink"
/* 2: SEND never waits (transmit queues, RESUME, TX_READY) */
#define RPMSG_NETLINK_FAMILY_VERSION 2
#define RPMSG_NETLINK_MCGRP_EVENTS "events"

/* The rpmsg service the module binds to. */
#define RPMSG_NETLINK_SERVICE "rpmsg-netlink"

/* Largest RPMSG_NETLINK_A_DATA in one SEND (an attribute's length is 16 bits). */
#define RPMSG_NETLINK_MAX_DATA 65024

/* The local addresses of client endpoints, handed out cyclically. */
#define RPMSG_NETLINK_CLIENT_ADDR_MIN 0x10000U
#define RPMSG_NETLINK_CLIENT_ADDR_MAX 0x3fffffffU

/* Bytes of accepted SENDs a client may have queued on a channel. */
#define RPMSG_NETLINK_TX_QUEUE (256 * 1024)

/* RPMSG_NETLINK_A_FLAGS of SEND (bit 0 was version 1's NONBLOCK) */
#define RPMSG_NETLINK_F_RESUME (1U << 1)
#define RPMSG_NETLINK_F_ALL (RPMSG_NETLINK_F_RESUME)

/* RPMSG_NETLINK_A_FLAGS of BIND: tell the remote when a client goes away. */
#define RPMSG_NETLINK_BIND_F_NOTIFY (1U << 0)
#define RPMSG_NETLINK_BIND_F_ALL (RPMSG_NETLINK_BIND_F_NOTIFY)

/* "Client gone" messages a channel keeps while its tx ring is full. */
#define RPMSG_NETLINK_GONE_QUEUE 64

/* Most names bound at once (BIND and the bind module parameter). */
#define RPMSG_NETLINK_MAX_BINDINGS 64

/* Groups granted one service name (GRANT and the group module parameter). */
#define RPMSG_NETLINK_MAX_GRANTS 16

/* Most service names with grants or an assignment at once. */
#define RPMSG_NETLINK_MAX_ACCESS 64

/* The channel the firmware announces for bulk transfers; the module's own. */
#define RPMSG_NETLINK_BULK_SERVICE "amplink-bulk"

/* Most descriptors (slots) in one BULK_SUBMIT, _RELEASE, _ACQUIRE or _RECV. */
#define RPMSG_NETLINK_BULK_DESC_MAX 29

/*
 * RPMSG_NETLINK_A_FLAGS of BULK_SUBMIT (with SEND's RPMSG_NETLINK_F_RESUME)
 * and BULK_RECV
 */
#define RPMSG_NETLINK_BULK_F_MORE (1U << 2) /* the message goes on */
#define RPMSG_NETLINK_BULK_F_CRC (1U << 3)  /* RPMSG_NETLINK_A_CRC is valid */
#define RPMSG_NETLINK_BULK_F_ALL (RPMSG_NETLINK_BULK_F_MORE | RPMSG_NETLINK_BULK_F_CRC)

/* Bytes offset..offset+length of a slot, in RPMSG_NETLINK_A_DESCS. */
struct rpmsg_netlink_bulk_desc {
	__u32 slot;
	__u32 offset;
	__u32 length;
};

/* Default client endpoints per user and per channel (module parameters). */
#define RPMSG_NETLINK_DEFAULT_MAX_USER_CLIENTS 64
#define RPMSG_NETLINK_DEFAULT_MAX_CLIENTS 1024

enum rpmsg_netlink_cmd {
	RPMSG_NETLINK_CMD_UNSPEC,
	RPMSG_NETLINK_CMD_SEND,
	RPMSG_NETLINK_CMD_RECV,
	RPMSG_NETLINK_CMD_GET_CHANNEL,
	RPMSG_NETLINK_CMD_CHANNEL_UP,
	RPMSG_NETLINK_CMD_CHANNEL_DOWN,
	RPMSG_NETLINK_CMD_BIND,
	RPMSG_NETLINK_CMD_UNBIND,
	RPMSG_NETLINK_CMD_GET_BINDING,
	RPMSG_NETLINK_CMD_GRANT,
	RPMSG_NETLINK_CMD_REVOKE,
	RPMSG_NETLINK_CMD_ASSIGN,
	RPMSG_NETLINK_CMD_UNASSIGN,
	RPMSG_NETLINK_CMD_GET_ACCESS,
	RPMSG_NETLINK_CMD_TX_READY,
	RPMSG_NETLINK_CMD_BULK_ACQUIRE,
	RPMSG_NETLINK_CMD_BULK_SUBMIT,
	RPMSG_NETLINK_CMD_BULK_RELEASE,
	RPMSG_NETLINK_CMD_BULK_RECV,
	RPMSG_NETLINK_CMD_BULK_READY,

	__RPMSG_NETLINK_CMD_MAX,
	RPMSG_NETLINK_CMD_MAX = __RPMSG_NETLINK_CMD_MAX - 1
};

enum rpmsg_netlink_attr {
	RPMSG_NETLINK_A_UNSPEC,
	RPMSG_NETLINK_A_CHANNEL,
	RPMSG_NETLINK_A_NAME,
	RPMSG_NETLINK_A_SRC,
	RPMSG_NETLINK_A_DST,
	RPMSG_NETLINK_A_MTU,
	RPMSG_NETLINK_A_DATA,
	RPMSG_NETLINK_A_FLAGS,
	RPMSG_NETLINK_A_TIMEOUT_MS,
	RPMSG_NETLINK_A_STATS,
	RPMSG_NETLINK_A_PAD,
	RPMSG_NETLINK_A_GID,
	RPMSG_NETLINK_A_NET_NS_PID,
	RPMSG_NETLINK_A_NET_NS_FD,
	RPMSG_NETLINK_A_NET_NS_INODE,
	RPMSG_NETLINK_A_COUNT,
	RPMSG_NETLINK_A_SLOTS,
	RPMSG_NETLINK_A_DESCS,
	RPMSG_NETLINK_A_CONN_ID,
	RPMSG_NETLINK_A_SEQ,
	RPMSG_NETLINK_A_CRC,
	RPMSG_NETLINK_A_BULK,

	__RPMSG_NETLINK_A_MAX,
	RPMSG_NETLINK_A_MAX = __RPMSG_NETLINK_A_MAX - 1
};

enum rpmsg_netlink_stat {
	RPMSG_NETLINK_STAT_UNSPEC,
	RPMSG_NETLINK_STAT_TX_BYTES,
	RPMSG_NETLINK_STAT_TX_MSGS,
	RPMSG_NETLINK_STAT_RX_BYTES,
	RPMSG_NETLINK_STAT_RX_MSGS,
	RPMSG_NETLINK_STAT_TX_ERRORS,
	RPMSG_NETLINK_STAT_RX_DROPS,
	RPMSG_NETLINK_STAT_CLIENTS,
	RPMSG_NETLINK_STAT_PAD,
	RPMSG_NETLINK_STAT_GONE_SENT,
	RPMSG_NETLINK_STAT_GONE_LOST,
	RPMSG_NETLINK_STAT_GONE_QUEUED,
	RPMSG_NETLINK_STAT_TX_REFUSED,

	__RPMSG_NETLINK_STAT_MAX,
	RPMSG_NETLINK_STAT_MAX = __RPMSG_NETLINK_STAT_MAX - 1
};

enum rpmsg_netlink_bulk_attr {
	RPMSG_NETLINK_BULK_UNSPEC,
	RPMSG_NETLINK_BULK_PAD,
	RPMSG_NETLINK_BULK_POOL,
	RPMSG_NETLINK_BULK_READY,
	RPMSG_NETLINK_BULK_GENERATION,
	RPMSG_NETLINK_BULK_SLOT_SIZE,
	RPMSG_NETLINK_BULK_SLOT_COUNT,
	RPMSG_NETLINK_BULK_SHARE,
	RPMSG_NETLINK_BULK_FREE,
	RPMSG_NETLINK_BULK_CLIENTS,
	RPMSG_NETLINK_BULK_LENT,
	RPMSG_NETLINK_BULK_ACCEPTED,
	RPMSG_NETLINK_BULK_STALE,
	RPMSG_NETLINK_BULK_BAD_SLOT,
	RPMSG_NETLINK_BULK_BAD_RANGE,
	RPMSG_NETLINK_BULK_NOT_OWNER,
	RPMSG_NETLINK_BULK_DUPLICATE,
	RPMSG_NETLINK_BULK_WRONG_TYPE,
	RPMSG_NETLINK_BULK_BAD_MSGS,
	RPMSG_NETLINK_BULK_TX_MSGS,
	RPMSG_NETLINK_BULK_RX_MSGS,
	RPMSG_NETLINK_BULK_RECLAIMED,
	RPMSG_NETLINK_BULK_DROPPED,

	__RPMSG_NETLINK_BULK_MAX,
	RPMSG_NETLINK_BULK_MAX = __RPMSG_NETLINK_BULK_MAX - 1
};

#endif /* _UAPI_LINUX_RPMSG_NETLINK_H */
