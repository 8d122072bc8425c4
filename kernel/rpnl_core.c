// SPDX-License-Identifier: GPL-2.0
/*
 * rpmsg_netlink: RPMsg channels as a Generic Netlink family
 *
 * Binds to "rpmsg-netlink" channels and exposes each one to userspace
 * through the "rpmsg_netlink" Generic Netlink family described in
 * include/uapi/linux/rpmsg_netlink.h.
 *
 * Every client socket (a netlink port id in its network namespace) gets its
 * own rpmsg endpoint on a channel the first time it sends there, so the
 * remote answers to an address that belongs to that socket alone; whatever
 * arrives there is unicast back to the socket as RPMSG_NETLINK_CMD_RECV.
 * The endpoint is destroyed when the socket is released (NETLINK_URELEASE)
 * or when the channel goes away.
 *
 * Client addresses are never handed out lowest-first: the remote may still
 * be answering a closed client (its requests were in the ring, or it has
 * not yet read the "gone" message below), and virtio_rpmsg_bus gives an
 * RPMSG_ADDR_ANY endpoint the lowest free address, which would be the
 * closed client's, so its replies would reach the next socket, whatever its
 * user or network namespace. The module picks each client's address itself
 * instead, cycling through [RPMSG_NETLINK_CLIENT_ADDR_MIN,
 * RPMSG_NETLINK_CLIENT_ADDR_MAX] (rpnl_addrs, xa_alloc_cyclic(), skipping
 * the addresses its live clients hold): an address comes back only after
 * the whole range (about a thousand million endpoints) has been used, so
 * a late reply to a closed client finds no endpoint and the bus drops it
 * ("msg received with no recipient", a rate-limited warning, not a splat).
 * The range starts far above where the bus allocates RPMSG_ADDR_ANY
 * endpoints (from 1024, lowest first) so that other drivers' endpoints do
 * not collide with it; an address that another driver holds anyway makes
 * rpmsg_create_ept() fail and the module tries the next ones.
 *
 * A client is its socket, not its port id: netlink_release() frees the
 * port id (netlink_remove()) before the NETLINK_URELEASE notifier runs, so
 * a new socket may bind the same port id and SEND while the released
 * socket's client still exists. Each client holds a reference on its
 * socket (NETLINK_CB(skb).sk of the SEND that made it), so the pointer
 * cannot be reused while the client lives; a SEND finds its client by
 * (network namespace, port id, socket), the notifier closes only clients
 * whose socket is dead (SOCK_DEAD, set by sock_orphan() before it runs),
 * and nothing more is delivered to a dead socket's port id (RECV,
 * TX_READY, CHANNEL_DOWN), which may be another socket's by then. What
 * remains is the instant between netlink_remove() and sock_orphan() in
 * netlink_release(): a new socket would have to bind the port id and a
 * reply arrive within it.
 *
 * Going away: when a socket is released, the remote hears it before the
 * client's address can be handed to anyone else (before
 * rpmsg_destroy_ept(), or, for a notice queued as below, while the address
 * stays reserved): the channel's own endpoint sends the name-service
 * message Linux uses for a destroyed endpoint, {channel name, client
 * address, RPMSG_NS_DESTROY}, to RPMSG_NS_ADDR. Only channels whose remote
 * wants it hear it: the module's own service, and names bound with
 * RPMSG_NETLINK_BIND_F_NOTIFY (third-party firmware may take it as "your
 * peer is gone" and close its endpoint). Never when the channel itself is
 * being removed. The notifier runs in the closing task (which may be dying
 * of SIGKILL), so it tries without waiting, then waits at most
 * RPNL_GONE_WAIT_MS like a sender, ignoring signals. A message that found
 * no tx buffer in that time (the remote is stalled) is not dropped: nothing
 * else would ever end that client's connection in the remote, since its
 * address does not come back. It joins the channel's queue of pending
 * notices (at most RPNL_GONE_QUEUE; only beyond that is one dropped and
 * counted in GONE_LOST) and the closer returns. The queue goes out in
 * order, with rpmsg_trysendto() only, as soon as the ring has room: from
 * the channel's gone_work, scheduled by any remote activity on the channel
 * (rpnl_tx_kick(), in the receive callbacks) and retried every
 * RPNL_GONE_RETRY_MS while the ring stays full (virtio_rpmsg_bus tells
 * nobody when a tx buffer comes back); before a client's SEND; and before
 * a closer's own notice, which never overtakes one queued before it began
 * (closes that overlap have no order). A queued address stays reserved in
 * rpnl_addrs until its notice has gone. GONE_SENT counts notices that went,
 * at once or later; GONE_QUEUED shows how many wait now. The queue of a
 * channel being removed is dropped without counting (the remote is gone).
 *
 * Binding: besides the id table, an administrator binds other service names
 * (the "bind" parameter, BIND/UNBIND). A bus notifier sets the
 * driver_override of each new rpmsg device with a bound name to this
 * driver before the bus probes it; BIND does the same for present devices
 * that no driver holds and attaches them (device_attach()); UNBIND and
 * unload clear the overrides that name this driver and release its devices.
 *
 * Access (docs/security.md): each channel is in one network namespace
 * (ch->net): the initial one, or the one its service name is assigned to
 * (ASSIGN; the table rpnl_access, keyed by name so that it holds for the
 * channels the remote announces again after a restart). Everywhere else
 * the channel does not exist: GET_CHANNEL skips it or answers ENODEV, SEND
 * answers ENODEV, GET_BINDING leaves out its name, and its CHANNEL_UP/DOWN
 * go to the events group of its namespace only (genlmsg_multicast_netns()).
 * Where it is, SEND needs CAP_NET_ADMIN over the user namespace owning that
 * network namespace (netlink_ns_capable(): both the socket's opener and the
 * sender), or membership in a group granted the name (GRANT, the group
 * parameter; in_group_p(), gids of the initial user namespace). Moving a
 * channel (ASSIGN, UNASSIGN, or its namespace going away) closes the
 * endpoints of its clients, which are all in the old namespace, as if their
 * sockets had closed, and tells each CHANNEL_DOWN: nothing of the remote
 * reaches the old namespace afterwards. The namespace is not referenced: a
 * channel would keep a dead container's namespace alive. Instead the pernet
 * exit of a dying namespace moves its channels back to the initial one and
 * forgets the assignment, as the kernel does with a physical network device
 * whose namespace goes away. Client endpoints are limited per channel:
 * max_user_clients per effective uid (not for CAP_NET_ADMIN in the initial
 * user namespace) and max_clients in all; the SEND that would create one
 * more fails (EMFILE, ENFILE).
 *
 * Locking and lifetime:
 *  - rpnl_channels (xarray, its own lock) maps channel ids to channels and
 *    holds one reference on each; lookups take a reference under the
 *    xarray lock. remove() erases the entry first, so no new request finds
 *    a channel that is going away.
 *  - channel->lock protects the channel's client list, its index by port
 *    id and its "gone" flag; endpoints are only created while the channel
 *    is not gone.
 *  - channel->ports (an xarray, changed and read under channel->lock)
 *    indexes the clients by port id, so that a SEND finds its client
 *    without walking the list (O(log n) in the port id, not O(clients)).
 *    The clients of a channel are all in ch->net (below), where a live
 *    socket's port id is its own, so the entry of a port id is its newest
 *    client, the one of the only live socket that can have that port id.
 *    An older client with the same port id has a released socket: it never
 *    sends again and the release notifier finds it on the list. A client
 *    taken off the list takes its entry only if the entry is still its own
 *    (xa_cmpxchg()); taking the whole list empties the index. An entry is
 *    reserved before a new client is made, so storing it cannot fail.
 *  - SEND never waits: a Generic Netlink handler runs under genl's
 *    cb_lock, and a wait there would hold up every genl request on the
 *    system. What the tx ring cannot take at once is queued on the client
 *    (client->txq, bounded by RPNL_TXQ_BYTES; the request skb is held, not
 *    copied) and sent by the channel's tx_work as buffers come back;
 *    waiting belongs to the client, on its own socket (EAGAIN, RESUME and
 *    TX_READY in the uapi header).
 *  - client->tx_lock protects the client's endpoint pointer and its queue;
 *    it is held across rpmsg_trysendto() calls (which never wait for a
 *    buffer), so one client's data goes out in order and never interleaves
 *    with itself, and never across a wait. A SEND sends directly only when
 *    the client's queue is empty. Closing a client takes the same lock, so
 *    an endpoint is never destroyed under a sender, and drops the queue.
 *  - channel->tx_clients_lock (a spinlock) protects the list of clients
 *    with queued data, in turn order; each entry holds a client reference.
 *    tx_work takes a client off the list for its turn and puts it back at
 *    the tail if data is left. A client being closed is taken off.
 *  - tx_work (on rpnl_tx_wq) finds no free tx buffer when the remote is
 *    slow. virtio_rpmsg_bus in 6.1 tells nobody but its own blocking
 *    senders when one comes back, so tx_work looks again when anything
 *    arrives on the channel (rpnl_tx_kick(), from the receive callbacks)
 *    and, while the remote drains, spinning 50 us after each progress,
 *    then after naps from 50 us doubling to 1 ms;
 *    after RPNL_STALL_MS without room it retries each tick as delayed work
 *    instead of holding a worker. remove() marks the channel gone (the
 *    work then stops) and cancels it, and once more after the last
 *    endpoint is destroyed (no kick can queue it again).
 *  - A closing client's "gone" notice waits for a buffer in the closing
 *    task (the netlink release notifier, not a genl handler), at most
 *    RPNL_GONE_WAIT_MS, on the channel's txwq, woken by the same kicks.
 *  - rpnl_ports (xarray, its own lock) counts the clients alive with each
 *    port id (any namespace), from before a client is listed until it is
 *    freed, so the release notifier, which runs for every Generic Netlink
 *    socket on the system, walks the channels and takes their locks only
 *    for a port id that has clients.
 *  - rpnl_addrs (xarray, its own lock) holds the address of every client
 *    endpoint from before it is created until after it is destroyed, and
 *    while a "gone" notice for it is queued (a reserved, NULL entry: the
 *    client is freed by then), so the cursor never lands on an address of
 *    ours in use.
 *  - Receive callbacks never sleep and never take a channel or client lock;
 *    rpmsg_destroy_ept() waits for a running callback, after which the
 *    client may be freed.
 *  - Bulk transfers (rpnl_bulk.c) find a client by its address under RCU
 *    in the bulk channel's receive interrupt, so a client is freed after a
 *    grace period (kfree_rcu()), and if its last reference goes in that
 *    interrupt, the freeing (which takes locks that are not interrupt-safe)
 *    is queued on rpnl_tx_wq, which unloading flushes.
 *  - A client being closed by the notifier is off the channel's list but
 *    still uses the channel's endpoint (the "gone" message) and the
 *    transport (rpmsg_destroy_ept()), outside channel->lock. channel->closing
 *    counts such closers (under channel->lock); remove() marks the channel
 *    gone, which ends their waits for a buffer, and waits for closing to
 *    drop to 0 before it destroys the channel's endpoint and returns (after
 *    which the transport may go).
 *  - channel->gone_lock protects the queue of pending "gone" notices; it is
 *    held across rpmsg_trysendto() (which never waits for a buffer) while
 *    the queue is flushed, so notices go out once each and in order, and
 *    never across a wait. gone_len is also read without it, as a hint, by
 *    the receive callbacks (which only schedule gone_work). The flush does
 *    nothing once the channel is gone; remove() drops the queue under the
 *    lock, after which nothing touches ch->ept from gone_work, cancels the
 *    work before destroying the channel's endpoint, and once more after
 *    (when no callback can schedule it again), before the channel may be
 *    freed.
 *  - ch->net changes only with rpnl_access_mutex and ch->lock held (a
 *    move), or before the channel is published (probe()). Readers that
 *    compare it (requests) read it with READ_ONCE(); whoever dereferences
 *    it (the events: maybe_get_net()) holds ch->lock, under which a pernet
 *    exit cannot move it, so the namespace is not freed under them; a
 *    namespace already dying gets no events. rpnl_client_get() checks it
 *    again under ch->lock, so no client joins a channel that has moved
 *    from its namespace: the clients of a channel are all in ch->net.
 *  - rpnl_access_mutex serialises moves (ASSIGN, UNASSIGN, pernet exit)
 *    with probe(), which looks up where a new channel belongs, publishes
 *    it and announces it under the mutex, so no move falls between. It
 *    nests outside ch->lock and inside the device lock (probe()); nothing
 *    under it takes rpnl_admin_lock or a device lock. Moving closes
 *    clients (rpnl_client_close(), counted in ch->closing like the
 *    notifier's) outside ch->lock.
 *  - rpnl_access_lock (a spinlock) protects the table rpnl_access (grants
 *    and assignments); an assignment's net changes with rpnl_access_mutex
 *    held too, and the pernet exit clears it before the namespace is
 *    freed, so GET_ACCESS may read its inode number under the lock. SEND's
 *    group check (in_group_p()), probe() and the dumps read the table;
 *    GET_BINDING takes the lock inside rpnl_bindings_lock. Nothing sleeps
 *    under it.
 *  - rpnl_admin_lock serialises BIND, UNBIND, loading and unloading; it is
 *    held across device_attach() and device_release_driver(), so neither
 *    probe() nor remove() may take it. rpnl_bindings_lock (a spinlock)
 *    protects the table of bound names, read by probe() and the bus
 *    notifier; nothing sleeps under it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/poll.h>
#include <linux/rpmsg.h>
#include <linux/rpmsg/ns.h>
#include <linux/rpmsg_netlink.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/netlink.h>

#include "rpnl.h"

/*
 * A sender without a tx buffer spins this long, then naps: from the shortest
 * nap up to one tick, doubling, unless a wakeup comes first.
 */
#define RPNL_SPIN_NS		(50 * NSEC_PER_USEC)
#define RPNL_NAP_MIN_NS		(50 * NSEC_PER_USEC)
/* The longest a closing task waits for a buffer to say its client is gone. */
#define RPNL_GONE_WAIT_MS	100
/* How often a queue of notices is retried while nothing else happens. */
#define RPNL_GONE_RETRY_MS	100
/* Addresses tried per new client when other drivers hold some of ours. */
#define RPNL_ADDR_TRIES		16
/* Bytes of accepted SENDs a client may have waiting for the ring. */
#define RPNL_TXQ_BYTES		RPMSG_NETLINK_TX_QUEUE
/* The tx work naps this long at most before it waits as delayed work. */
#define RPNL_NAP_MAX_NS		(1000 * NSEC_PER_USEC)
/* Messages one client sends per turn of the tx work, for fairness. */
#define RPNL_TX_TURN		16
/* No room for this long: the tx work retries every tick instead of napping. */
#define RPNL_STALL_MS		20

enum rpnl_mcgrp {
	RPNL_MCGRP_EVENTS,
};

/*
 * A poll_table whose queueing function adds one entry to the transport's
 * wait queue, so that a transport implementing rpmsg_poll() can wake a
 * waiting sender directly.
 */
struct rpnl_txwait {
	poll_table pt;
	struct wait_queue_entry entry;
	wait_queue_head_t *head;
	bool woken;
};

/* A service name bound by the administrator. */
struct rpnl_binding {
	struct list_head node;
	u32 flags;
	char name[RPMSG_NAME_SIZE];
};

static DEFINE_XARRAY_ALLOC1(rpnl_channels);
static u32 rpnl_next_id;
/* the addresses of client endpoints, allocated cyclically; see above */
DEFINE_XARRAY_ALLOC(rpnl_addrs);
/* port id -> clients alive with that port id, any namespace; see the essay */
static DEFINE_XARRAY(rpnl_ports);
static u32 rpnl_next_addr = RPMSG_NETLINK_CLIENT_ADDR_MIN;
static struct rpmsg_driver rpnl_driver;
/* runs each channel's tx_work */
static struct workqueue_struct *rpnl_tx_wq;

/* serialises BIND, UNBIND, load and unload; see the essay above */
static DEFINE_MUTEX(rpnl_admin_lock);
/*
 * rpnl_driver.drv.bus is the rpmsg bus once the driver is registered; this
 * says so from then until unloading starts (under rpnl_admin_lock)
 */
static bool rpnl_bus_ready;
/* protects rpnl_bindings and rpnl_nbindings */
static DEFINE_SPINLOCK(rpnl_bindings_lock);
static LIST_HEAD(rpnl_bindings);
static unsigned int rpnl_nbindings;

/* Grants and the assignment of a service name; see the essay above. */
struct rpnl_access {
	struct list_head node;
	char name[RPMSG_NAME_SIZE];
	/* where its channels are; NULL: the initial network namespace */
	struct net *net;
	u32 ngids;
	kgid_t gids[RPMSG_NETLINK_MAX_GRANTS];
};

/* serialises moving channels between namespaces with probe(); see above */
static DEFINE_MUTEX(rpnl_access_mutex);
/* protects rpnl_access and rpnl_naccess; nothing sleeps under it */
static DEFINE_SPINLOCK(rpnl_access_lock);
static LIST_HEAD(rpnl_access);
static unsigned int rpnl_naccess;

static unsigned int rpnl_max_user_clients = RPMSG_NETLINK_DEFAULT_MAX_USER_CLIENTS;
module_param_named(max_user_clients, rpnl_max_user_clients, uint, 0644);
MODULE_PARM_DESC(max_user_clients,
		 "client endpoints of one user on one channel (0: no limit)");

static unsigned int rpnl_max_clients = RPMSG_NETLINK_DEFAULT_MAX_CLIENTS;
module_param_named(max_clients, rpnl_max_clients, uint, 0644);
MODULE_PARM_DESC(max_clients, "client endpoints on one channel (0: no limit)");

static unsigned int rpnl_release_delay_ms;
module_param_named(release_delay_ms, rpnl_release_delay_ms, uint, 0644);
MODULE_PARM_DESC(release_delay_ms,
		 "tests only: delays in closing a released socket's clients");

static char *rpnl_group_param;
module_param_named(group, rpnl_group_param, charp, 0444);
MODULE_PARM_DESC(group,
		 "groups granted service names at load, NAME:GID[,NAME:GID...]");

static char *rpnl_bind_param;
module_param_named(bind, rpnl_bind_param, charp, 0444);
MODULE_PARM_DESC(bind,
		 "rpmsg service names to bind at load, comma-separated; NAME:notify also tells the remote when clients go away");

static void rpnl_channel_release(struct kref *kref)
{
	struct rpnl_channel *ch = container_of(kref, struct rpnl_channel,
					       refcount);

	xa_destroy(&ch->ports);
	mutex_destroy(&ch->gone_lock);
	mutex_destroy(&ch->lock);
	kfree(ch);
}

void rpnl_channel_put(struct rpnl_channel *ch)
{
	kref_put(&ch->refcount, rpnl_channel_release);
}

/* Returns the channel with the lowest id >= *index, referenced, or NULL. */
static struct rpnl_channel *rpnl_channel_find(unsigned long *index,
					      unsigned long max)
{
	struct rpnl_channel *ch;

	xa_lock(&rpnl_channels);
	ch = xa_find(&rpnl_channels, index, max, XA_PRESENT);
	if (ch)
		kref_get(&ch->refcount);
	xa_unlock(&rpnl_channels);

	return ch;
}

struct rpnl_channel *rpnl_channel_get(u32 id)
{
	unsigned long index = id;

	return rpnl_channel_find(&index, id);
}

/* Whether @ch is in @net, so that @net may see and use it. */
static bool rpnl_channel_in(struct rpnl_channel *ch, struct net *net)
{
	return net_eq(READ_ONCE(ch->net), net);
}

/* Called with rpnl_access_lock held. */
static struct rpnl_access *rpnl_access_lookup(const char *name)
{
	struct rpnl_access *a;

	list_for_each_entry(a, &rpnl_access, node)
		if (!strncmp(a->name, name, RPMSG_NAME_SIZE))
			return a;
	return NULL;
}

/*
 * The entry of @name, added if there is none (from *@spare, a zeroed entry
 * of the caller's, then set to NULL); NULL when the table is full. Called
 * with rpnl_access_lock held.
 */
static struct rpnl_access *rpnl_access_add(const char *name,
					   struct rpnl_access **spare)
{
	struct rpnl_access *a = rpnl_access_lookup(name);

	if (a)
		return a;
	if (rpnl_naccess >= RPMSG_NETLINK_MAX_ACCESS)
		return NULL;
	a = *spare;
	*spare = NULL;
	strscpy(a->name, name, sizeof(a->name));
	list_add_tail(&a->node, &rpnl_access);
	rpnl_naccess++;
	return a;
}

/* Forgets @a once it says nothing. Called with rpnl_access_lock held. */
static void rpnl_access_prune(struct rpnl_access *a)
{
	if (a->ngids || a->net)
		return;
	list_del(&a->node);
	rpnl_naccess--;
	kfree(a);
}

/* The network namespace the channels named @name belong in. */
static struct net *rpnl_access_net(const char *name)
{
	struct net *net = &init_net;
	struct rpnl_access *a;

	spin_lock(&rpnl_access_lock);
	a = rpnl_access_lookup(name);
	if (a && a->net)
		net = a->net;
	spin_unlock(&rpnl_access_lock);
	return net;
}

/* Whether the current task is in a group granted the name @name. */
static bool rpnl_group_granted(const char *name)
{
	struct rpnl_access *a;
	bool granted = false;
	u32 i;

	spin_lock(&rpnl_access_lock);
	a = rpnl_access_lookup(name);
	for (i = 0; a && i < a->ngids && !granted; i++)
		granted = in_group_p(a->gids[i]);
	spin_unlock(&rpnl_access_lock);
	return granted;
}

/* Counts a client of @portid; 0 or -ENOMEM. */
static int rpnl_port_hold(u32 portid)
{
	unsigned long n;
	int err;

	xa_lock(&rpnl_ports);
	n = xa_to_value(xa_load(&rpnl_ports, portid) ?: xa_mk_value(0));
	err = xa_err(__xa_store(&rpnl_ports, portid, xa_mk_value(n + 1),
				GFP_KERNEL));
	xa_unlock(&rpnl_ports);
	return err;
}

static void rpnl_port_drop(u32 portid)
{
	unsigned long n;

	xa_lock(&rpnl_ports);
	n = xa_to_value(xa_load(&rpnl_ports, portid) ?: xa_mk_value(1));
	if (n > 1)
		/* replaces an entry: allocates nothing */
		__xa_store(&rpnl_ports, portid, xa_mk_value(n - 1), GFP_ATOMIC);
	else
		__xa_erase(&rpnl_ports, portid);
	xa_unlock(&rpnl_ports);
}

static void rpnl_client_free(struct rpnl_client *cl)
{
	WARN_ON(!list_empty(&cl->txq));
	rpnl_port_drop(cl->portid);
	sock_put(cl->sk);
	put_net(read_pnet(&cl->net));
	rpnl_channel_put(cl->channel);
	mutex_destroy(&cl->tx_lock);
	/* a bulk delivery may have found it by address under RCU */
	kfree_rcu(cl, rcu);
}

static void rpnl_client_free_work(struct work_struct *work)
{
	rpnl_client_free(container_of(work, struct rpnl_client, free_work));
}

/*
 * The last reference may go in the bulk channel's receive interrupt (a
 * FILLED's client closing meanwhile): freeing takes locks that are not
 * interrupt-safe, so that is done in process context.
 */
static void rpnl_client_release(struct kref *kref)
{
	struct rpnl_client *cl = container_of(kref, struct rpnl_client,
					      refcount);

	if (in_task())
		rpnl_client_free(cl);
	else
		queue_work(rpnl_tx_wq, &cl->free_work);
}

void rpnl_client_put(struct rpnl_client *cl)
{
	kref_put(&cl->refcount, rpnl_client_release);
}

/*
 * Remote activity on the channel: senders waiting for a buffer retry, and
 * pending "gone" notices are flushed. Called from receive callbacks, which
 * may be atomic.
 */
static void rpnl_tx_kick(struct rpnl_channel *ch)
{
	atomic_inc(&ch->tx_events);
	if (wq_has_sleeper(&ch->txwq))
		wake_up_all(&ch->txwq);
	if (READ_ONCE(ch->gone_len))
		mod_delayed_work(system_wq, &ch->gone_work, 0);
	if (!list_empty_careful(&ch->tx_clients) && !READ_ONCE(ch->gone))
		mod_delayed_work(rpnl_tx_wq, &ch->tx_work, 0);
}

static int rpnl_put_stats(struct sk_buff *skb, struct rpnl_channel *ch)
{
	const struct rpnl_stats *st = &ch->stats;
	struct nlattr *nest;

	nest = nla_nest_start(skb, RPMSG_NETLINK_A_STATS);
	if (!nest)
		return -EMSGSIZE;

	if (nla_put_u64_64bit(skb, RPMSG_NETLINK_STAT_TX_BYTES,
			      atomic64_read(&st->tx_bytes),
			      RPMSG_NETLINK_STAT_PAD) ||
	    nla_put_u64_64bit(skb, RPMSG_NETLINK_STAT_TX_MSGS,
			      atomic64_read(&st->tx_msgs),
			      RPMSG_NETLINK_STAT_PAD) ||
	    nla_put_u64_64bit(skb, RPMSG_NETLINK_STAT_RX_BYTES,
			      atomic64_read(&st->rx_bytes),
			      RPMSG_NETLINK_STAT_PAD) ||
	    nla_put_u64_64bit(skb, RPMSG_NETLINK_STAT_RX_MSGS,
			      atomic64_read(&st->rx_msgs),
			      RPMSG_NETLINK_STAT_PAD) ||
	    nla_put_u64_64bit(skb, RPMSG_NETLINK_STAT_TX_ERRORS,
			      atomic64_read(&st->tx_errors),
			      RPMSG_NETLINK_STAT_PAD) ||
	    nla_put_u64_64bit(skb, RPMSG_NETLINK_STAT_RX_DROPS,
			      atomic64_read(&st->rx_drops),
			      RPMSG_NETLINK_STAT_PAD) ||
	    nla_put_u32(skb, RPMSG_NETLINK_STAT_CLIENTS,
			READ_ONCE(ch->nclients)) ||
	    nla_put_u64_64bit(skb, RPMSG_NETLINK_STAT_GONE_SENT,
			      atomic64_read(&st->gone_sent),
			      RPMSG_NETLINK_STAT_PAD) ||
	    nla_put_u64_64bit(skb, RPMSG_NETLINK_STAT_GONE_LOST,
			      atomic64_read(&st->gone_lost),
			      RPMSG_NETLINK_STAT_PAD) ||
	    nla_put_u32(skb, RPMSG_NETLINK_STAT_GONE_QUEUED,
			READ_ONCE(ch->gone_len)) ||
	    nla_put_u64_64bit(skb, RPMSG_NETLINK_STAT_TX_REFUSED,
			      atomic64_read(&ch->stats.tx_refused),
			      RPMSG_NETLINK_STAT_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}

	nla_nest_end(skb, nest);
	return 0;
}

/*
 * One message describing @ch. GET_CHANNEL replies carry everything,
 * CHANNEL_UP/DOWN events only the id and the name.
 */
static int rpnl_fill_channel(struct sk_buff *skb, struct rpnl_channel *ch,
			     u32 portid, u32 seq, int flags, u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &rpnl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_u32(skb, RPMSG_NETLINK_A_CHANNEL, ch->id) ||
	    nla_put_string(skb, RPMSG_NETLINK_A_NAME, ch->name))
		goto cancel;

	if (cmd == RPMSG_NETLINK_CMD_GET_CHANNEL &&
	    (nla_put_u32(skb, RPMSG_NETLINK_A_SRC, ch->src) ||
	     nla_put_u32(skb, RPMSG_NETLINK_A_DST, ch->dst) ||
	     nla_put_u32(skb, RPMSG_NETLINK_A_MTU, ch->mtu) ||
	     rpnl_put_stats(skb, ch) || rpnl_bulk_put_info(skb, ch)))
		goto cancel;

	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static struct sk_buff *rpnl_event_msg(struct rpnl_channel *ch, u8 cmd)
{
	struct sk_buff *skb;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NULL;

	if (rpnl_fill_channel(skb, ch, 0, 0, 0, cmd)) {
		nlmsg_free(skb);
		return NULL;
	}

	return skb;
}

/*
 * CHANNEL_UP or CHANNEL_DOWN to the events group of the channel's network
 * namespace only (none when it is being dismantled). Called with ch->lock
 * held, so that the namespace hears the events of a move in order.
 */
static void rpnl_notify_all(struct rpnl_channel *ch, u8 cmd)
{
	struct sk_buff *skb;
	struct net *net;

	lockdep_assert_held(&ch->lock);

	net = maybe_get_net(ch->net);
	if (!net)
		return;
	skb = rpnl_event_msg(ch, cmd);
	if (skb)
		genlmsg_multicast_netns(&rpnl_family, net, skb, 0,
					RPNL_MCGRP_EVENTS, GFP_KERNEL);
	put_net(net);
}

/* Whether the client's socket is being released: nothing more for it. */
bool rpnl_client_released(struct rpnl_client *cl)
{
	return sock_flag(cl->sk, SOCK_DEAD);
}

/*
 * A message for @cl could not be delivered for want of memory (atomic
 * context, no waiting): tell its socket the way netlink tells one whose
 * receive buffer overflowed, so that its next recv fails with ENOBUFS and
 * the client learns that its stream has a hole rather than waiting for
 * the missing message until its timeout.
 */
void rpnl_client_overrun(struct rpnl_client *cl)
{
	struct sock *sk = cl->sk;

	if (sock_flag(sk, SOCK_DEAD))
		return;
	WRITE_ONCE(sk->sk_err, ENOBUFS);
	sk_error_report(sk);
}

void rpnl_notify_client(struct rpnl_client *cl, u8 cmd)
{
	struct sk_buff *skb;

	/* its port id may be another socket's by now */
	if (rpnl_client_released(cl))
		return;
	skb = rpnl_event_msg(cl->channel, cmd);
	if (skb)
		genlmsg_unicast(read_pnet(&cl->net), skb, cl->portid);
}

/* Receive callback of a client's endpoint: hand the message to its socket. */
static int rpnl_client_cb(struct rpmsg_device *rpdev, void *data, int len,
			  void *priv, u32 src)
{
	struct rpnl_client *cl = priv;
	struct rpnl_channel *ch = cl->channel;
	struct sk_buff *skb;
	void *hdr;

	rpnl_tx_kick(ch);

	/* a reply to a released socket never reaches its port id's next owner */
	if (rpnl_client_released(cl))
		goto drop;

	skb = genlmsg_new(2 * nla_total_size(sizeof(u32)) + nla_total_size(len),
			  GFP_ATOMIC);
	if (!skb)
		goto lost;

	hdr = genlmsg_put(skb, 0, 0, &rpnl_family, 0, RPMSG_NETLINK_CMD_RECV);
	if (!hdr ||
	    nla_put_u32(skb, RPMSG_NETLINK_A_CHANNEL, ch->id) ||
	    nla_put_u32(skb, RPMSG_NETLINK_A_SRC, src) ||
	    nla_put(skb, RPMSG_NETLINK_A_DATA, len, data)) {
		nlmsg_free(skb);
		goto lost;
	}
	genlmsg_end(skb, hdr);

	/*
	 * Consumes skb, also on error: a closed socket, or a full one, which
	 * netlink itself reports to the socket as ENOBUFS.
	 */
	if (genlmsg_unicast(read_pnet(&cl->net), skb, cl->portid))
		goto drop;

	atomic64_inc(&ch->stats.rx_msgs);
	atomic64_add(len, &ch->stats.rx_bytes);
	return 0;

lost:
	rpnl_client_overrun(cl);
drop:
	atomic64_inc(&ch->stats.rx_drops);
	return 0;
}

/* Receive callback of the channel's own endpoint: nobody listens there. */
static int rpnl_channel_cb(struct rpmsg_device *rpdev, void *data, int len,
			   void *priv, u32 src)
{
	struct rpnl_channel *ch = priv;

	rpnl_tx_kick(ch);
	atomic64_inc(&ch->stats.rx_drops);
	return 0;
}

/*
 * Creates the endpoint of @cl at the next free address of the clients'
 * range (see the essay above); @chinfo has the name and dst.
 */
static struct rpmsg_endpoint *rpnl_client_ept(struct rpnl_channel *ch,
					      struct rpnl_client *cl,
					      struct rpmsg_channel_info *chinfo)
{
	struct xa_limit limit = XA_LIMIT(RPMSG_NETLINK_CLIENT_ADDR_MIN,
					 RPMSG_NETLINK_CLIENT_ADDR_MAX);
	struct rpmsg_endpoint *ept;
	int tries;
	u32 addr;
	int err;

	for (tries = 0; tries < RPNL_ADDR_TRIES; tries++) {
		err = xa_alloc_cyclic(&rpnl_addrs, &addr, cl, limit,
				      &rpnl_next_addr, GFP_KERNEL);
		if (err < 0)
			return ERR_PTR(err == -EBUSY ? -EADDRINUSE : err);

		chinfo->src = addr;
		ept = rpmsg_create_ept(ch->rpdev, rpnl_client_cb, cl, *chinfo);
		if (ept)
			return ept;
		/* another driver holds it (or no memory): try the next one */
		xa_erase(&rpnl_addrs, addr);
	}
	return ERR_PTR(-ENOMEM);
}

/*
 * Whether @ch may have one more client endpoint of @uid: -ENFILE if the
 * channel has max_clients, -EMFILE if @uid has max_user_clients there
 * (unless @admin). Called with ch->lock held.
 */
static int rpnl_client_limit(struct rpnl_channel *ch, kuid_t uid, bool admin)
{
	unsigned int max_user = READ_ONCE(rpnl_max_user_clients);
	unsigned int max = READ_ONCE(rpnl_max_clients);
	struct rpnl_client *cl;
	unsigned int n = 0;

	lockdep_assert_held(&ch->lock);

	if (max && ch->nclients >= max)
		return -ENFILE;
	if (!max_user || admin)
		return 0;
	list_for_each_entry(cl, &ch->clients, node)
		if (uid_eq(cl->uid, uid) && ++n >= max_user)
			return -EMFILE;
	return 0;
}

/*
 * Returns the client of (@net, @portid) on @ch, creating it and its
 * endpoint on first use (for @uid, within the limits; an @admin has no
 * limit of its own), with a reference for the caller. -ENODEV once @ch is
 * gone or no longer in @net.
 */
static struct rpnl_client *rpnl_client_get(struct rpnl_channel *ch,
					   struct net *net, u32 portid,
					   struct sock *sk, kuid_t uid,
					   bool admin)
{
	struct rpmsg_channel_info chinfo = {
		.dst = RPMSG_ADDR_ANY,
	};
	struct rpnl_client *cl;
	int err;

	mutex_lock(&ch->lock);
	if (ch->gone || !net_eq(ch->net, net)) {
		cl = ERR_PTR(-ENODEV);
		goto unlock;
	}

	/* the clients are all in ch->net (checked above) */
	cl = xa_load(&ch->ports, portid);
	if (cl && cl->sk == sk) {
		kref_get(&cl->refcount);
		goto unlock;
	}

	err = rpnl_client_limit(ch, uid, admin);
	if (err) {
		cl = ERR_PTR(err);
		goto unlock;
	}

	/* the index entry, so that storing it below cannot fail */
	if (xa_reserve(&ch->ports, portid, GFP_KERNEL)) {
		cl = ERR_PTR(-ENOMEM);
		goto unlock;
	}
	cl = kzalloc(sizeof(*cl), GFP_KERNEL);
	if (!cl || rpnl_port_hold(portid)) {
		kfree(cl);
		xa_release(&ch->ports, portid);
		cl = ERR_PTR(-ENOMEM);
		goto unlock;
	}
	kref_init(&cl->refcount);
	mutex_init(&cl->tx_lock);
	INIT_LIST_HEAD(&cl->node);
	INIT_LIST_HEAD(&cl->txq);
	INIT_LIST_HEAD(&cl->tx_node);
	INIT_LIST_HEAD(&cl->bulk_ready_node);
	INIT_WORK(&cl->free_work, rpnl_client_free_work);
	cl->portid = portid;
	sock_hold(sk);
	cl->sk = sk;
	cl->uid = uid;
	write_pnet(&cl->net, get_net(net));
	kref_get(&ch->refcount);
	cl->channel = ch;

	/* the endpoint may deliver at once: the client is complete by now */
	strscpy(chinfo.name, ch->name, sizeof(chinfo.name));
	cl->ept = rpnl_client_ept(ch, cl, &chinfo);
	if (IS_ERR(cl->ept)) {
		err = PTR_ERR(cl->ept);
		cl->ept = NULL;
		rpnl_client_put(cl);
		xa_release(&ch->ports, portid);
		cl = ERR_PTR(err);
		goto unlock;
	}

	/* one reference for the list (and index), one for the caller */
	kref_get(&cl->refcount);
	list_add_tail(&cl->node, &ch->clients);
	/* reserved above, or a released socket's client's: no allocation */
	xa_store(&ch->ports, portid, cl, GFP_KERNEL);
	WRITE_ONCE(ch->nclients, ch->nclients + 1);

unlock:
	mutex_unlock(&ch->lock);
	return cl;
}

static void rpnl_txwait_queue(struct file *file, wait_queue_head_t *head,
			      poll_table *pt)
{
	struct rpnl_txwait *w = container_of(pt, struct rpnl_txwait, pt);

	if (w->head)
		return;

	w->head = head;
	add_wait_queue(head, &w->entry);
}

static int rpnl_txwait_wake(struct wait_queue_entry *entry, unsigned int mode,
			    int sync, void *key)
{
	struct rpnl_txwait *w = container_of(entry, struct rpnl_txwait, entry);

	if (key && !(key_to_poll(key) & EPOLLOUT))
		return 0;

	WRITE_ONCE(w->woken, true);
	return default_wake_function(entry, mode, sync, key);
}

/*
 * Sends one message from @ept (an endpoint of @ch) to @dst, waiting at most
 * @timeout_ms for a free tx buffer, whatever signals come (the closing task
 * may be dying). The caller keeps @ept alive.
 */
static int rpnl_send_wait(struct rpnl_channel *ch, struct rpmsg_endpoint *ept,
			  void *data, int len, u32 dst, u32 timeout_ms)
{
	struct rpnl_txwait w = {};
	u64 nap_ns = RPNL_NAP_MIN_NS;
	unsigned long deadline;
	u64 spin_until;
	long left;
	int seen;
	int err;

	err = rpmsg_trysendto(ept, data, len, dst);
	if (err != -ENOMEM)
		return err;

	init_poll_funcptr(&w.pt, rpnl_txwait_queue);
	init_waitqueue_func_entry(&w.entry, rpnl_txwait_wake);
	w.entry.private = current;

	deadline = jiffies + msecs_to_jiffies(timeout_ms);
	spin_until = local_clock() + RPNL_SPIN_NS;
	for (;;) {
		seen = atomic_read(&ch->tx_events);
		WRITE_ONCE(w.woken, false);
		rpmsg_poll(ept, NULL, &w.pt);

		err = rpmsg_trysendto(ept, data, len, dst);
		if (err != -ENOMEM)
			break;
		if (READ_ONCE(ch->gone)) {
			err = -ENODEV;
			break;
		}
		left = (long)(deadline - jiffies);
		if (left <= 0) {
			err = -ETIMEDOUT;
			break;
		}
		if (local_clock() < spin_until) {
			cond_resched();
			continue;
		}

		/* naps are at most a tick, so no signal is needed to end one */
		wait_event_hrtimeout(ch->txwq,
				     READ_ONCE(ch->gone) || READ_ONCE(w.woken) ||
				     atomic_read(&ch->tx_events) != seen,
				     ns_to_ktime(min_t(u64, nap_ns,
						       jiffies_to_nsecs(left))));
		nap_ns = min_t(u64, nap_ns * 2, TICK_NSEC);
	}

	if (w.head)
		remove_wait_queue(w.head, &w.entry);

	return err;
}

static void rpnl_txbuf_free(struct rpnl_txbuf *tb)
{
	list_del(&tb->node);
	consume_skb(tb->skb);
	kfree(tb->own);
	kfree(tb);
}

/* Drops what @cl still had queued. Called with cl->tx_lock held. */
static void rpnl_txq_purge(struct rpnl_client *cl)
{
	struct rpnl_txbuf *tb, *tmp;

	list_for_each_entry_safe(tb, tmp, &cl->txq, node)
		rpnl_txbuf_free(tb);
	cl->txq_bytes = 0;
}

/* Puts @cl in the tx work's turn order, unless it is there already. */
static void rpnl_tx_enlist(struct rpnl_channel *ch, struct rpnl_client *cl)
{
	spin_lock(&ch->tx_clients_lock);
	if (list_empty(&cl->tx_node)) {
		kref_get(&cl->refcount);
		list_add_tail(&cl->tx_node, &ch->tx_clients);
	}
	spin_unlock(&ch->tx_clients_lock);
}

/* Takes @cl out of the turn order (a closing client); drops the list's hold. */
static void rpnl_tx_delist(struct rpnl_channel *ch, struct rpnl_client *cl)
{
	bool listed;

	spin_lock(&ch->tx_clients_lock);
	listed = !list_empty(&cl->tx_node);
	list_del_init(&cl->tx_node);
	spin_unlock(&ch->tx_clients_lock);
	if (listed)
		rpnl_client_put(cl);
}

/* The name-service message Linux sends for a destroyed endpoint at @addr. */
static void rpnl_gone_msg(struct rpnl_channel *ch, u32 addr,
			  struct rpmsg_ns_msg *nsm)
{
	memset(nsm, 0, sizeof(*nsm));
	strscpy_pad(nsm->name, ch->name, sizeof(nsm->name));
	nsm->addr = cpu_to_rpmsg32(ch->rpdev, addr);
	nsm->flags = cpu_to_rpmsg32(ch->rpdev, RPMSG_NS_DESTROY);
}

/*
 * Sends the pending "gone" notices of @ch, oldest first, as long as the
 * ring has room; never waits for a buffer. Returns 0 when the queue is
 * empty, -ENOMEM when notices still wait, -ENODEV when the channel is
 * going away. Callers keep ch->ept alive or rely on the "gone" check.
 */
static int rpnl_gone_flush(struct rpnl_channel *ch)
{
	struct rpmsg_ns_msg nsm;
	int err = 0;
	u32 addr;

	mutex_lock(&ch->gone_lock);
	while (ch->gone_len) {
		if (READ_ONCE(ch->gone)) {
			err = -ENODEV;
			break;
		}
		addr = ch->gone_addrs[ch->gone_head];
		rpnl_gone_msg(ch, addr, &nsm);
		err = rpmsg_trysendto(ch->ept, &nsm, sizeof(nsm), RPMSG_NS_ADDR);
		if (err == -ENOMEM)
			break;
		if (err)
			atomic64_inc(&ch->stats.gone_lost);
		else
			atomic64_inc(&ch->stats.gone_sent);
		err = 0;
		ch->gone_head = (ch->gone_head + 1) % RPNL_GONE_QUEUE;
		WRITE_ONCE(ch->gone_len, ch->gone_len - 1);
		/* the remote has heard of it: the address may come back */
		xa_erase(&rpnl_addrs, addr);
	}
	mutex_unlock(&ch->gone_lock);

	return err;
}

static void rpnl_gone_work(struct work_struct *work)
{
	struct rpnl_channel *ch = container_of(to_delayed_work(work),
					       struct rpnl_channel, gone_work);

	/* nothing may tell us when a buffer comes back: look again later */
	if (rpnl_gone_flush(ch) == -ENOMEM)
		schedule_delayed_work(&ch->gone_work,
				      msecs_to_jiffies(RPNL_GONE_RETRY_MS));
}

/*
 * Queues the notice for @addr, whose endpoint is destroyed, to be sent when
 * the ring has room. Returns false (and the caller frees the address) when
 * the channel is going away or the queue is full (GONE_LOST).
 */
static bool rpnl_gone_queue(struct rpnl_channel *ch, u32 addr)
{
	bool queued = false;

	mutex_lock(&ch->gone_lock);
	if (READ_ONCE(ch->gone))
		goto unlock;
	if (ch->gone_len >= RPNL_GONE_QUEUE) {
		atomic64_inc(&ch->stats.gone_lost);
		goto unlock;
	}
	/* reserved until the notice goes; the client is freed before that */
	xa_store(&rpnl_addrs, addr, NULL, GFP_KERNEL);
	ch->gone_addrs[(ch->gone_head + ch->gone_len) % RPNL_GONE_QUEUE] = addr;
	WRITE_ONCE(ch->gone_len, ch->gone_len + 1);
	queued = true;
	/* a kick may have scheduled it sooner: then that stays */
	schedule_delayed_work(&ch->gone_work,
			      msecs_to_jiffies(RPNL_GONE_RETRY_MS));
unlock:
	mutex_unlock(&ch->gone_lock);
	return queued;
}

/*
 * Tells the remote that the client endpoint at @addr is gone, as Linux
 * announces a destroyed endpoint. Called by a closer counted in
 * ch->closing, so ch->ept and ch->rpdev stay until it is done. Returns
 * -EAGAIN when the notice must be queued: notices queued before are still
 * waiting, or no tx buffer freed within RPNL_GONE_WAIT_MS.
 */
static int rpnl_announce_gone(struct rpnl_channel *ch, u32 addr)
{
	struct rpmsg_ns_msg nsm;
	int err;

	/* never ahead of the notices queued before */
	if (READ_ONCE(ch->gone_len) && rpnl_gone_flush(ch))
		return -EAGAIN;

	rpnl_gone_msg(ch, addr, &nsm);
	err = rpnl_send_wait(ch, ch->ept, &nsm, sizeof(nsm), RPMSG_NS_ADDR,
			     RPNL_GONE_WAIT_MS);
	if (!err)
		atomic64_inc(&ch->stats.gone_sent);
	else if (err == -ETIMEDOUT)
		return -EAGAIN;
	else if (err != -ENODEV)
		atomic64_inc(&ch->stats.gone_lost);
	return err;
}

/*
 * Destroys the endpoint of a client already taken off its channel's list,
 * first telling the remote when @announce (and the channel is not going).
 */
static void rpnl_client_close(struct rpnl_client *cl, bool announce)
{
	struct rpnl_channel *ch = cl->channel;
	struct rpmsg_endpoint *ept;
	int err = 0;
	u32 addr;

	mutex_lock(&cl->tx_lock);
	ept = cl->ept;
	cl->ept = NULL;
	rpnl_txq_purge(cl);
	mutex_unlock(&cl->tx_lock);
	rpnl_tx_delist(ch, cl);

	if (!ept)
		return;
	addr = ept->addr;
	/* while the address is still the client's */
	if (announce && !READ_ONCE(ch->gone))
		err = rpnl_announce_gone(ch, addr);
	rpmsg_destroy_ept(ept);
	/*
	 * A queued notice keeps the address until it has gone; otherwise it
	 * goes back to the cycle, and the cursor reaches it again only after
	 * wrapping.
	 */
	if (err != -EAGAIN || !rpnl_gone_queue(ch, addr))
		xa_erase(&rpnl_addrs, addr);
	/* no bulk delivery finds it by address now: its slots come back */
	rpnl_bulk_client_gone(cl, addr);
}

/*
 * Sends @len bytes at @data as rpmsg messages of at most the mtu until the
 * ring is full. Returns the bytes sent; *err is -ENOMEM when the ring
 * filled, 0 when all went, or another error. Called with cl->tx_lock held
 * and cl->ept set.
 */
static u32 rpnl_tx_some(struct rpnl_client *cl, const u8 *data, u32 len,
			u32 max_msgs, int *err)
{
	struct rpnl_channel *ch = cl->channel;
	u32 off = 0, chunk;

	*err = 0;
	while (off < len && max_msgs--) {
		chunk = min(len - off, ch->mtu);
		*err = rpmsg_trysendto(cl->ept, (void *)(data + off), chunk,
				       ch->dst);
		if (*err)
			break;
		atomic64_inc(&ch->stats.tx_msgs);
		atomic64_add(chunk, &ch->stats.tx_bytes);
		off += chunk;
	}
	if (!*err && off < len)
		*err = -EAGAIN;
	return off;
}

/*
 * Sends what it can of @tb, as rpnl_tx_some(); a bulk SUBMIT goes whole or
 * not at all, and one whose bulk channel went is dropped (the firmware that
 * would have read it is gone; its slots come back with the next pool).
 */
static u32 rpnl_tx_buf(struct rpnl_client *cl, struct rpnl_txbuf *tb,
		       u32 max_msgs, int *err)
{
	if (!tb->bulk)
		return rpnl_tx_some(cl, tb->data, tb->len, max_msgs, err);
	*err = rpnl_bulk_tx(cl->channel->pool, tb->data, tb->len);
	if (*err == -ENOMEM)
		return 0;
	*err = 0;
	return tb->len;
}

/*
 * One turn of @cl in the tx work: at most RPNL_TX_TURN messages from its
 * queue. Returns 0 when the queue is empty, -EAGAIN when the turn ended
 * with data left, -ENOMEM when the ring is full. *ready says TX_READY is
 * due.
 */
static int rpnl_tx_turn(struct rpnl_client *cl, bool *ready)
{
	struct rpnl_channel *ch = cl->channel;
	u32 budget = RPNL_TX_TURN;
	struct rpnl_txbuf *tb;
	int err = 0;
	u32 sent;

	*ready = false;
	mutex_lock(&cl->tx_lock);
	if (!cl->ept)
		rpnl_txq_purge(cl);
	while (!list_empty(&cl->txq) && budget) {
		tb = list_first_entry(&cl->txq, struct rpnl_txbuf, node);
		sent = rpnl_tx_buf(cl, tb, budget, &err);
		budget -= DIV_ROUND_UP(sent, ch->mtu);
		tb->data += sent;
		tb->len -= sent;
		cl->txq_bytes -= sent;
		if (!tb->len)
			rpnl_txbuf_free(tb);
		if (err == -EAGAIN)
			continue;
		if (err && err != -ENOMEM) {
			/* the transport failed: this client's stream is broken */
			pr_err_ratelimited("channel %u: send failed: %d\n",
					   ch->id, err);
			atomic64_inc(&ch->stats.tx_errors);
			rpnl_txq_purge(cl);
			err = 0;
		}
		if (err)
			break;
	}
	if (cl->ready_owed && cl->txq_bytes <= RPNL_TXQ_BYTES / 2) {
		cl->ready_owed = false;
		*ready = true;
	}
	if (!err && !list_empty(&cl->txq))
		err = -EAGAIN;
	mutex_unlock(&cl->tx_lock);
	return err;
}

/*
 * Gives each client with queued data a turn, in order, until all queues
 * are empty (0), the ring is full (-ENOMEM) or the channel goes (-ENODEV).
 */
static int rpnl_tx_round(struct rpnl_channel *ch)
{
	struct rpnl_client *cl;
	bool ready;
	int err;

	for (;;) {
		if (READ_ONCE(ch->gone))
			return -ENODEV;
		spin_lock(&ch->tx_clients_lock);
		cl = list_first_entry_or_null(&ch->tx_clients,
					      struct rpnl_client, tx_node);
		if (cl)
			list_del_init(&cl->tx_node);
		spin_unlock(&ch->tx_clients_lock);
		if (!cl)
			return 0;

		/* the list's reference is ours now */
		err = rpnl_tx_turn(cl, &ready);
		if (ready)
			rpnl_notify_client(cl, RPMSG_NETLINK_CMD_TX_READY);
		if (err)
			rpnl_tx_enlist(ch, cl);
		rpnl_client_put(cl);
		if (err == -ENOMEM)
			return err;
	}
}

/*
 * The tx work: sends what clients queued while the ring was full. Nothing
 * tells it when the remote returns a buffer (virtio_rpmsg_bus wakes only its
 * own blocking senders), so it looks again after remote activity (a kick)
 * after spinning RPNL_SPIN_NS since the last progress, and after naps from
 * RPNL_NAP_MIN_NS doubling to RPNL_NAP_MAX_NS; when the
 * remote made no room for RPNL_STALL_MS, it retries every tick as delayed
 * work instead of holding a worker.
 */
static void rpnl_tx_work(struct work_struct *work)
{
	struct rpnl_channel *ch = container_of(to_delayed_work(work),
					       struct rpnl_channel, tx_work);
	u64 stall_until = local_clock() + RPNL_STALL_MS * NSEC_PER_MSEC;
	u64 spin_until = local_clock() + RPNL_SPIN_NS;
	u64 nap_ns = RPNL_NAP_MIN_NS;
	s64 msgs;
	int seen;

	for (;;) {
		seen = atomic_read(&ch->tx_events);
		msgs = atomic64_read(&ch->stats.tx_msgs);
		if (READ_ONCE(ch->gone_len))
			rpnl_gone_flush(ch);
		if (rpnl_tx_round(ch) != -ENOMEM)
			return;
		if (atomic64_read(&ch->stats.tx_msgs) != msgs) {
			/* the remote is draining: stay close behind it */
			nap_ns = RPNL_NAP_MIN_NS;
			spin_until = local_clock() + RPNL_SPIN_NS;
			stall_until = local_clock() +
				      RPNL_STALL_MS * NSEC_PER_MSEC;
		} else if (local_clock() > stall_until) {
			queue_delayed_work(rpnl_tx_wq, &ch->tx_work, 1);
			return;
		}
		if (local_clock() < spin_until) {
			cond_resched();
			continue;
		}
		wait_event_hrtimeout(ch->txwq,
				     READ_ONCE(ch->gone) ||
				     atomic_read(&ch->tx_events) != seen,
				     ns_to_ktime(nap_ns));
		nap_ns = min_t(u64, nap_ns * 2, RPNL_NAP_MAX_NS);
	}
}

/*
 * Whether @cl may send @len more bytes now (see the uapi header for the
 * refusal rules): 0, or the error for the request. Called with
 * cl->tx_lock held.
 */
static int rpnl_tx_admit(struct rpnl_client *cl, u32 len, u32 flags,
			 struct netlink_ext_ack *extack)
{
	struct rpnl_channel *ch = cl->channel;

	if (!cl->ept || READ_ONCE(ch->gone))
		return -ENODEV;
	if (cl->refused && !(flags & RPMSG_NETLINK_F_RESUME)) {
		NL_SET_ERR_MSG(extack,
			       "an earlier SEND was refused; resend it with RESUME");
		goto refuse;
	}
	cl->refused = false;
	if (cl->txq_bytes + len > RPNL_TXQ_BYTES) {
		NL_SET_ERR_MSG(extack, "transmit queue full; wait for TX_READY");
		cl->refused = true;
		cl->ready_owed = true;
		goto refuse;
	}

	/* the remote hears of closed clients before new data, if it can */
	if (READ_ONCE(ch->gone_len))
		rpnl_gone_flush(ch);
	return 0;

refuse:
	atomic64_inc(&ch->stats.tx_refused);
	return -EAGAIN;
}

/* Queues @tb, the rest of an admitted request, for the tx work. */
static void rpnl_tx_queue(struct rpnl_client *cl, struct rpnl_txbuf *tb)
{
	struct rpnl_channel *ch = cl->channel;

	list_add_tail(&tb->node, &cl->txq);
	cl->txq_bytes += tb->len;
	rpnl_tx_enlist(ch, cl);
	mod_delayed_work(rpnl_tx_wq, &ch->tx_work, 0);
}

/*
 * Sends what it can of a SEND now and queues the rest (held in @skb, the
 * request) for the tx work; never waits. See the uapi header for the
 * refusal rules.
 */
static int rpnl_client_send(struct rpnl_client *cl, struct sk_buff *skb,
			    u8 *data, u32 len, u32 flags,
			    struct netlink_ext_ack *extack)
{
	struct rpnl_channel *ch = cl->channel;
	struct rpnl_txbuf *tb;
	u32 sent = 0;
	int err;

	mutex_lock(&cl->tx_lock);
	err = rpnl_tx_admit(cl, len, flags, extack);
	if (err)
		goto unlock;

	/* nothing of this client's may overtake what it queued before */
	if (list_empty(&cl->txq)) {
		sent = rpnl_tx_some(cl, data, len, U32_MAX, &err);
		if (err && err != -ENOMEM) {
			/* a partial SEND that cannot be finished */
			pr_err_ratelimited("channel %u: send failed: %d\n",
					   ch->id, err);
			goto unlock;
		}
		err = 0;
	}
	if (sent < len) {
		tb = kzalloc(sizeof(*tb), GFP_KERNEL);
		if (!tb) {
			/* nothing went: refused, as for a full queue */
			cl->refused = !sent;
			err = sent ? -EIO : -ENOMEM;
			goto unlock;
		}
		tb->skb = skb_get(skb);
		tb->data = data + sent;
		tb->len = len - sent;
		rpnl_tx_queue(cl, tb);
	}
unlock:
	mutex_unlock(&cl->tx_lock);
	return err;
}

/*
 * A bulk SUBMIT of @cl: admitted as a SEND of @len bytes would be, then
 * @hand_over checks the request's slots and moves them to the firmware,
 * writing the descriptor message of @len bytes into the buffer it is given,
 * which goes out at once when nothing of the client's waits before it and
 * the ring has room, or is queued behind. Nothing waits, and nothing has
 * happened when it fails.
 */
int rpnl_client_submit(struct rpnl_client *cl, u32 len, u32 flags,
		       int (*hand_over)(struct rpnl_client *cl, void *msg,
					void *arg),
		       void *arg, struct netlink_ext_ack *extack)
{
	struct rpnl_txbuf *tb;
	int err;

	/* before any slot moves: no failure may follow the hand-over */
	tb = kzalloc(sizeof(*tb), GFP_KERNEL);
	if (!tb)
		return -ENOMEM;
	tb->own = kzalloc(len, GFP_KERNEL);
	if (!tb->own) {
		kfree(tb);
		return -ENOMEM;
	}

	mutex_lock(&cl->tx_lock);
	err = rpnl_tx_admit(cl, len, flags, extack);
	if (!err)
		err = hand_over(cl, tb->own, arg);
	if (err)
		goto unlock;

	tb->bulk = true;
	tb->data = tb->own;
	tb->len = len;
	if (list_empty(&cl->txq)) {
		err = rpnl_bulk_tx(cl->channel->pool, tb->data, len);
		if (err != -ENOMEM) {
			/* gone, or went: either way not queued */
			err = 0;
			goto unlock;
		}
		err = 0;
	}
	rpnl_tx_queue(cl, tb);
	tb = NULL;
unlock:
	mutex_unlock(&cl->tx_lock);
	if (tb) {
		kfree(tb->own);
		kfree(tb);
	}
	return err;
}

/*
 * Whether the sender of @skb may SEND on @ch: the channel must be in its
 * network namespace (ENODEV otherwise, as if absent), and the sender needs
 * CAP_NET_ADMIN over that namespace's user namespace or a granted group.
 */
static int rpnl_send_allowed(struct rpnl_channel *ch, struct sk_buff *skb,
			     struct genl_info *info)
{
	struct net *net = genl_info_net(info);

	if (!rpnl_channel_in(ch, net)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[RPMSG_NETLINK_A_CHANNEL],
				    "no such channel");
		return -ENODEV;
	}
	if (netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN) ||
	    rpnl_group_granted(ch->name))
		return 0;

	NL_SET_ERR_MSG(info->extack,
		       "sending needs CAP_NET_ADMIN or a group granted the channel");
	return -EPERM;
}

/*
 * The client of the sender of @skb on @ch, made on first use: the channel
 * must be in the sender's namespace and the sender allowed to SEND there,
 * within the endpoint limits. A reference for the caller, or an ERR_PTR.
 */
struct rpnl_client *rpnl_client_of(struct rpnl_channel *ch,
				   struct genl_info *info, struct sk_buff *skb)
{
	struct rpnl_client *cl;
	int err;

	err = rpnl_send_allowed(ch, skb, info);
	if (err)
		return ERR_PTR(err);

	/* the initial namespace's administrators have no per-user limit */
	cl = rpnl_client_get(ch, genl_info_net(info), info->snd_portid,
			     NETLINK_CB(skb).sk,
			     current_euid(), netlink_capable(skb, CAP_NET_ADMIN));
	if (PTR_ERR_OR_ZERO(cl) == -EMFILE)
		NL_SET_ERR_MSG(info->extack,
			       "this user has too many endpoints on the channel");
	else if (PTR_ERR_OR_ZERO(cl) == -ENFILE)
		NL_SET_ERR_MSG(info->extack,
			       "the channel has too many endpoints");
	return cl;
}

/*
 * The client the sender of @skb already has on @ch, with a reference, or
 * ERR_PTR(-ENODEV): none is made.
 */
struct rpnl_client *rpnl_client_find(struct rpnl_channel *ch,
				     struct genl_info *info,
				     struct sk_buff *skb)
{
	struct rpnl_client *cl;

	mutex_lock(&ch->lock);
	cl = xa_load(&ch->ports, info->snd_portid);
	if (ch->gone || !net_eq(ch->net, genl_info_net(info)) || !cl ||
	    cl->sk != NETLINK_CB(skb).sk)
		cl = ERR_PTR(-ENODEV);
	else
		kref_get(&cl->refcount);
	mutex_unlock(&ch->lock);
	if (IS_ERR(cl))
		NL_SET_ERR_MSG(info->extack,
			       "no endpoint of this socket on the channel");
	return cl;
}

static int rpnl_cmd_send(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct rpnl_channel *ch;
	struct rpnl_client *cl;
	u32 flags = 0;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_CHANNEL) ||
	    GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_DATA))
		return -EINVAL;

	if (attrs[RPMSG_NETLINK_A_FLAGS])
		flags = nla_get_u32(attrs[RPMSG_NETLINK_A_FLAGS]);

	ch = rpnl_channel_get(nla_get_u32(attrs[RPMSG_NETLINK_A_CHANNEL]));
	if (!ch) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[RPMSG_NETLINK_A_CHANNEL],
				    "no such channel");
		return -ENODEV;
	}

	cl = rpnl_client_of(ch, info, skb);
	if (IS_ERR(cl)) {
		err = PTR_ERR(cl);
		/* refusals of access are not transport errors */
		if (err == -ENODEV || err == -EPERM) {
			rpnl_channel_put(ch);
			return err;
		}
	} else {
		err = rpnl_client_send(cl, skb,
				       nla_data(attrs[RPMSG_NETLINK_A_DATA]),
				       nla_len(attrs[RPMSG_NETLINK_A_DATA]),
				       flags, info->extack);
		rpnl_client_put(cl);
	}

	if (err && err != -EAGAIN)
		atomic64_inc(&ch->stats.tx_errors);
	rpnl_channel_put(ch);
	return err;
}

static int rpnl_cmd_get_channel(struct sk_buff *skb, struct genl_info *info)
{
	struct rpnl_channel *ch;
	struct sk_buff *msg;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_CHANNEL))
		return -EINVAL;

	ch = rpnl_channel_get(nla_get_u32(info->attrs[RPMSG_NETLINK_A_CHANNEL]));
	if (ch && !rpnl_channel_in(ch, genl_info_net(info))) {
		rpnl_channel_put(ch);
		ch = NULL;
	}
	if (!ch) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[RPMSG_NETLINK_A_CHANNEL],
				    "no such channel");
		return -ENODEV;
	}

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		err = -ENOMEM;
		goto put;
	}

	err = rpnl_fill_channel(msg, ch, info->snd_portid, info->snd_seq, 0,
				RPMSG_NETLINK_CMD_GET_CHANNEL);
	if (err) {
		nlmsg_free(msg);
		goto put;
	}

	err = genlmsg_reply(msg, info);
put:
	rpnl_channel_put(ch);
	return err;
}

/*
 * The attributes of a dump request: 6.6 moved them into a genl_info, which
 * Kbuild tells (RPNL_HAVE_GENL_INFO_DUMP).
 */
static struct nlattr **rpnl_dump_attrs(struct netlink_callback *cb)
{
#ifdef RPNL_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

static int rpnl_dump_channels(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = rpnl_dump_attrs(cb);
	struct net *net = sock_net(cb->skb->sk);
	unsigned long index = cb->args[0];
	unsigned long last = INT_MAX;
	struct rpnl_channel *ch;
	int err = 0;

	/* a dump may be narrowed to one channel */
	if (attrs[RPMSG_NETLINK_A_CHANNEL]) {
		last = nla_get_u32(attrs[RPMSG_NETLINK_A_CHANNEL]);
		index = max(index, last);
	}

	while (index <= last && (ch = rpnl_channel_find(&index, last))) {
		if (rpnl_channel_in(ch, net))
			err = rpnl_fill_channel(skb, ch,
						NETLINK_CB(cb->skb).portid,
						cb->nlh->nlmsg_seq, NLM_F_MULTI,
						RPMSG_NETLINK_CMD_GET_CHANNEL);
		rpnl_channel_put(ch);
		if (err)
			break;
		index++;
	}

	cb->args[0] = index;
	return skb->len;
}

static struct rpmsg_device *rpnl_rpdev(struct device *dev)
{
	return container_of(dev, struct rpmsg_device, dev);
}

/* Called with rpnl_bindings_lock held. */
static struct rpnl_binding *rpnl_binding_lookup(const char *name)
{
	struct rpnl_binding *b;

	list_for_each_entry(b, &rpnl_bindings, node)
		if (!strncmp(b->name, name, RPMSG_NAME_SIZE))
			return b;
	return NULL;
}

/* Whether @name is bound; its flags in *@flags. */
static bool rpnl_binding_find(const char *name, u32 *flags)
{
	struct rpnl_binding *b;

	spin_lock(&rpnl_bindings_lock);
	b = rpnl_binding_lookup(name);
	if (b && flags)
		*flags = b->flags;
	spin_unlock(&rpnl_bindings_lock);

	return b;
}

static bool rpnl_dev_named(struct device *dev, const char *name)
{
	return !strncmp(rpnl_rpdev(dev)->id.name, name, RPMSG_NAME_SIZE);
}

/*
 * An rpmsg device's driver_override is its own up to Linux 6.12.y's stable
 * updates, which moved it into struct device (device_set_driver_override());
 * Kbuild tells which (RPNL_HAVE_DEVICE_DRIVER_OVERRIDE).
 *
 * rpnl_override() returns 1 if it names this driver, 0 if another, -1 if
 * none. Called with the device lock held.
 */
#ifdef RPNL_HAVE_DEVICE_DRIVER_OVERRIDE
static int rpnl_override(struct device *dev)
{
	return device_match_driver_override(dev, &rpnl_driver.drv);
}

/* Sets the driver_override, or clears it if @drv is "". */
static int rpnl_set_override(struct device *dev, const char *drv)
{
	return device_set_driver_override(dev, drv);
}
#else
static int rpnl_override(struct device *dev)
{
	const char *drv = rpnl_rpdev(dev)->driver_override;

	if (!drv)
		return -1;
	return !strcmp(drv, rpnl_driver.drv.name);
}

static int rpnl_set_override(struct device *dev, const char *drv)
{
	return driver_set_override(dev, &rpnl_rpdev(dev)->driver_override, drv,
				   strlen(drv));
}
#endif

/* Points an rpmsg device without a driver_override at this driver. */
static void rpnl_claim(struct device *dev)
{
	const char *drv = rpnl_driver.drv.name;
	bool unset;

	device_lock(dev);
	unset = rpnl_override(dev) < 0;
	device_unlock(dev);

	if (unset && rpnl_set_override(dev, drv))
		dev_warn(dev, "cannot set driver_override to %s\n", drv);
}

/* Clears a driver_override naming this driver; true if there was one. */
static bool rpnl_unclaim(struct device *dev)
{
	bool ours;

	device_lock(dev);
	ours = rpnl_override(dev) > 0;
	device_unlock(dev);

	if (ours)
		rpnl_set_override(dev, "");
	return ours;
}

/* A new rpmsg device: claim it before the bus probes it if it is bound. */
static int rpnl_bus_notify(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	struct device *dev = data;

	if (action != BUS_NOTIFY_ADD_DEVICE ||
	    !rpnl_binding_find(rpnl_rpdev(dev)->id.name, NULL))
		return NOTIFY_DONE;

	rpnl_claim(dev);
	return NOTIFY_OK;
}

static struct notifier_block rpnl_bus_nb = {
	.notifier_call = rpnl_bus_notify,
};

/* bus_for_each_dev(): EBUSY if a device of that name is someone else's. */
static int rpnl_check_free(struct device *dev, void *name)
{
	bool busy;

	if (!rpnl_dev_named(dev, name))
		return 0;

	device_lock(dev);
	busy = (dev->driver && dev->driver != &rpnl_driver.drv) ||
	       rpnl_override(dev) == 0;
	device_unlock(dev);

	return busy ? -EBUSY : 0;
}

/* bus_for_each_dev(): claims and attaches the free devices of that name. */
static int rpnl_attach(struct device *dev, void *name)
{
	int ret;

	if (!rpnl_dev_named(dev, name) || rpnl_check_free(dev, name))
		return 0;

	rpnl_claim(dev);
	ret = device_attach(dev);
	if (ret <= 0)
		dev_warn(dev, "%s did not bind: %d\n", rpnl_driver.drv.name, ret);
	return 0;
}

/* bus_for_each_dev(): @name is no longer ours; let its devices go. */
static int rpnl_release(struct device *dev, void *name)
{
	bool bound;
	int ret;

	if (!rpnl_dev_named(dev, name))
		return 0;

	rpnl_unclaim(dev);

	device_lock(dev);
	bound = dev->driver == &rpnl_driver.drv;
	device_unlock(dev);
	if (!bound)
		return 0;

	device_release_driver(dev);
	/* a driver matching by its id table may take it now */
	ret = device_attach(dev);
	if (ret < 0)
		dev_warn(dev, "cannot attach another driver: %d\n", ret);
	return 0;
}

/* Binds @name. Called with rpnl_admin_lock held. */
static int rpnl_bind(const char *name, u32 flags,
		     struct netlink_ext_ack *extack)
{
	struct rpnl_binding *b;
	int err;

	lockdep_assert_held(&rpnl_admin_lock);

	if (!rpnl_bus_ready) {
		NL_SET_ERR_MSG(extack, "the module is loading or unloading");
		return -EAGAIN;
	}
	if (!name[0] || strlen(name) >= RPMSG_NAME_SIZE) {
		NL_SET_ERR_MSG(extack, "bad service name");
		return -EINVAL;
	}
	if (!strcmp(name, RPMSG_NETLINK_SERVICE)) {
		NL_SET_ERR_MSG(extack, "the module serves it anyway");
		return -EEXIST;
	}
	if (rpnl_binding_find(name, NULL)) {
		NL_SET_ERR_MSG(extack, "already bound");
		return -EEXIST;
	}

	err = bus_for_each_dev(rpnl_driver.drv.bus, NULL, (void *)name,
			       rpnl_check_free);
	if (err) {
		NL_SET_ERR_MSG(extack,
			       "a channel of that name belongs to another driver");
		return err;
	}

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	strscpy(b->name, name, sizeof(b->name));
	b->flags = flags;

	spin_lock(&rpnl_bindings_lock);
	if (rpnl_nbindings >= RPMSG_NETLINK_MAX_BINDINGS) {
		spin_unlock(&rpnl_bindings_lock);
		kfree(b);
		NL_SET_ERR_MSG(extack, "too many names bound");
		return -ENOSPC;
	}
	list_add_tail(&b->node, &rpnl_bindings);
	rpnl_nbindings++;
	spin_unlock(&rpnl_bindings_lock);

	/* from now on the bus notifier claims new devices of that name */
	bus_for_each_dev(rpnl_driver.drv.bus, NULL, (void *)name, rpnl_attach);
	pr_info("bound \"%s\"%s\n", name,
		flags & RPMSG_NETLINK_BIND_F_NOTIFY ? " (notify)" : "");
	return 0;
}

/* Unbinds @name. Called with rpnl_admin_lock held. */
static int rpnl_unbind(const char *name, struct netlink_ext_ack *extack)
{
	struct rpnl_binding *b;

	lockdep_assert_held(&rpnl_admin_lock);

	spin_lock(&rpnl_bindings_lock);
	b = rpnl_binding_lookup(name);
	if (b) {
		list_del(&b->node);
		rpnl_nbindings--;
	}
	spin_unlock(&rpnl_bindings_lock);

	if (!b) {
		NL_SET_ERR_MSG(extack, "not bound");
		return -ENOENT;
	}
	kfree(b);

	if (rpnl_bus_ready)
		bus_for_each_dev(rpnl_driver.drv.bus, NULL, (void *)name,
				 rpnl_release);
	pr_info("unbound \"%s\"\n", name);
	return 0;
}

/* BIND and UNBIND need what loading the module needs. */
static int rpnl_admin_check(struct genl_info *info)
{
	if (!capable(CAP_SYS_MODULE)) {
		NL_SET_ERR_MSG(info->extack, "binding needs CAP_SYS_MODULE");
		return -EPERM;
	}
	if (GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_NAME))
		return -EINVAL;
	return 0;
}

static int rpnl_cmd_bind(struct sk_buff *skb, struct genl_info *info)
{
	u32 flags = 0;
	int err;

	err = rpnl_admin_check(info);
	if (err)
		return err;
	if (info->attrs[RPMSG_NETLINK_A_FLAGS])
		flags = nla_get_u32(info->attrs[RPMSG_NETLINK_A_FLAGS]);

	mutex_lock(&rpnl_admin_lock);
	err = rpnl_bind(nla_data(info->attrs[RPMSG_NETLINK_A_NAME]), flags,
			info->extack);
	mutex_unlock(&rpnl_admin_lock);
	return err;
}

static int rpnl_cmd_unbind(struct sk_buff *skb, struct genl_info *info)
{
	int err;

	err = rpnl_admin_check(info);
	if (err)
		return err;

	mutex_lock(&rpnl_admin_lock);
	err = rpnl_unbind(nla_data(info->attrs[RPMSG_NETLINK_A_NAME]),
			  info->extack);
	mutex_unlock(&rpnl_admin_lock);
	return err;
}

static int rpnl_dump_bindings(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long skip = cb->args[0], index = 0;
	struct net *net = sock_net(cb->skb->sk);
	struct rpnl_binding *b;
	void *hdr;

	spin_lock(&rpnl_bindings_lock);
	list_for_each_entry(b, &rpnl_bindings, node) {
		if (index < skip) {
			index++;
			continue;
		}
		/* a name is seen where its channels are */
		if (!net_eq(rpnl_access_net(b->name), net)) {
			index++;
			continue;
		}
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &rpnl_family, NLM_F_MULTI,
				  RPMSG_NETLINK_CMD_GET_BINDING);
		if (!hdr)
			break;
		if (nla_put_string(skb, RPMSG_NETLINK_A_NAME, b->name) ||
		    nla_put_u32(skb, RPMSG_NETLINK_A_FLAGS, b->flags)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		index++;
	}
	spin_unlock(&rpnl_bindings_lock);

	cb->args[0] = index;
	return skb->len;
}

static bool rpnl_name_ok(const char *name)
{
	return name[0] && strlen(name) < RPMSG_NAME_SIZE;
}

/* Grants @gid the channels named @name. */
static int rpnl_grant(const char *name, kgid_t gid,
		      struct netlink_ext_ack *extack)
{
	struct rpnl_access *a, *spare;
	int err = 0;
	u32 i;

	if (!rpnl_name_ok(name)) {
		NL_SET_ERR_MSG(extack, "bad service name");
		return -EINVAL;
	}
	if (!gid_valid(gid)) {
		NL_SET_ERR_MSG(extack, "the gid has no mapping");
		return -EINVAL;
	}
	spare = kzalloc(sizeof(*spare), GFP_KERNEL);
	if (!spare)
		return -ENOMEM;

	spin_lock(&rpnl_access_lock);
	a = rpnl_access_add(name, &spare);
	if (!a) {
		NL_SET_ERR_MSG(extack, "too many names with grants or assignments");
		err = -ENOSPC;
		goto unlock;
	}
	for (i = 0; i < a->ngids; i++) {
		if (gid_eq(a->gids[i], gid)) {
			NL_SET_ERR_MSG(extack, "already granted");
			err = -EEXIST;
			goto unlock;
		}
	}
	if (a->ngids >= RPMSG_NETLINK_MAX_GRANTS) {
		NL_SET_ERR_MSG(extack, "too many groups granted that name");
		err = -ENOSPC;
		goto unlock;
	}
	a->gids[a->ngids++] = gid;
unlock:
	spin_unlock(&rpnl_access_lock);
	kfree(spare);
	return err;
}

/* Takes back what rpnl_grant() gave. */
static int rpnl_revoke(const char *name, kgid_t gid,
		       struct netlink_ext_ack *extack)
{
	struct rpnl_access *a;
	int err = -ENOENT;
	u32 i;

	spin_lock(&rpnl_access_lock);
	a = rpnl_access_lookup(name);
	for (i = 0; a && i < a->ngids; i++) {
		if (gid_eq(a->gids[i], gid)) {
			a->gids[i] = a->gids[--a->ngids];
			rpnl_access_prune(a);
			err = 0;
			break;
		}
	}
	spin_unlock(&rpnl_access_lock);

	if (err)
		NL_SET_ERR_MSG(extack, "not granted");
	return err;
}

/*
 * Moves @ch to @to (alive): the namespace it leaves hears CHANNEL_DOWN, its
 * clients there lose their endpoints (each told CHANNEL_DOWN, the remote
 * told they are gone as when their sockets close), and @to hears
 * CHANNEL_UP. Called with rpnl_access_mutex held.
 */
static void rpnl_move_channel(struct rpnl_channel *ch, struct net *to)
{
	struct rpnl_client *cl, *tmp;
	LIST_HEAD(clients);

	lockdep_assert_held(&rpnl_access_mutex);

	mutex_lock(&ch->lock);
	if (ch->gone || net_eq(ch->net, to)) {
		mutex_unlock(&ch->lock);
		return;
	}
	rpnl_notify_all(ch, RPMSG_NETLINK_CMD_CHANNEL_DOWN);
	WRITE_ONCE(ch->net, to);
	rpnl_notify_all(ch, RPMSG_NETLINK_CMD_CHANNEL_UP);
	/* closed like the notifier's: counted in closing, off the list */
	list_for_each_entry(cl, &ch->clients, node)
		WRITE_ONCE(ch->closing, ch->closing + 1);
	list_splice_init(&ch->clients, &clients);
	xa_destroy(&ch->ports);
	WRITE_ONCE(ch->nclients, 0);
	mutex_unlock(&ch->lock);

	list_for_each_entry_safe(cl, tmp, &clients, node) {
		list_del_init(&cl->node);
		rpnl_client_close(cl, ch->notify);
		rpnl_notify_client(cl, RPMSG_NETLINK_CMD_CHANNEL_DOWN);
		rpnl_client_put(cl);

		mutex_lock(&ch->lock);
		WRITE_ONCE(ch->closing, ch->closing - 1);
		if (!ch->closing)
			wake_up_all(&ch->closewq);
		mutex_unlock(&ch->lock);
	}
}

/*
 * Moves the channels named @name (every one when NULL) that are in @from
 * (wherever they are when NULL) to @to. Called with rpnl_access_mutex held.
 */
static void rpnl_move_channels(const char *name, struct net *from,
			       struct net *to)
{
	unsigned long index = 0;
	struct rpnl_channel *ch;

	lockdep_assert_held(&rpnl_access_mutex);

	while ((ch = rpnl_channel_find(&index, INT_MAX))) {
		/* ch->net changes only under rpnl_access_mutex */
		if ((!name || !strncmp(ch->name, name, RPMSG_NAME_SIZE)) &&
		    (!from || ch->net == from))
			rpnl_move_channel(ch, to);
		rpnl_channel_put(ch);
		index++;
	}
}

/*
 * Puts the channels named @name, now and later, in @net (held by the
 * caller); &init_net unassigns (-ENOENT when @must_exist and it was not
 * assigned).
 */
static int rpnl_assign(const char *name, struct net *net, bool must_exist,
		       struct netlink_ext_ack *extack)
{
	bool home = net_eq(net, &init_net);
	struct rpnl_access *a, *spare;
	int err = 0;

	if (!rpnl_name_ok(name)) {
		NL_SET_ERR_MSG(extack, "bad service name");
		return -EINVAL;
	}
	spare = kzalloc(sizeof(*spare), GFP_KERNEL);
	if (!spare)
		return -ENOMEM;

	mutex_lock(&rpnl_access_mutex);
	spin_lock(&rpnl_access_lock);
	a = home ? rpnl_access_lookup(name) : rpnl_access_add(name, &spare);
	if (home && (!a || !a->net) && must_exist) {
		NL_SET_ERR_MSG(extack, "not assigned");
		err = -ENOENT;
	} else if (!home && !a) {
		NL_SET_ERR_MSG(extack, "too many names with grants or assignments");
		err = -ENOSPC;
	} else if (a) {
		a->net = home ? NULL : net;
		rpnl_access_prune(a);
	}
	spin_unlock(&rpnl_access_lock);
	if (!err)
		rpnl_move_channels(name, NULL, net);
	mutex_unlock(&rpnl_access_mutex);

	kfree(spare);
	return err;
}

static int rpnl_cmd_grant(struct sk_buff *skb, struct genl_info *info)
{
	const char *name;
	kgid_t gid;

	if (GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_GID))
		return -EINVAL;
	name = nla_data(info->attrs[RPMSG_NETLINK_A_NAME]);
	gid = make_kgid(&init_user_ns,
			nla_get_u32(info->attrs[RPMSG_NETLINK_A_GID]));

	if (info->genlhdr->cmd == RPMSG_NETLINK_CMD_GRANT)
		return rpnl_grant(name, gid, info->extack);
	return rpnl_revoke(name, gid, info->extack);
}

static int rpnl_cmd_assign(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *pid = info->attrs[RPMSG_NETLINK_A_NET_NS_PID];
	struct nlattr *fd = info->attrs[RPMSG_NETLINK_A_NET_NS_FD];
	struct net *net;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_NAME))
		return -EINVAL;
	if (!pid == !fd) {
		NL_SET_ERR_MSG(info->extack,
			       "give exactly one of NET_NS_PID and NET_NS_FD");
		return -EINVAL;
	}

	if (pid)
		net = get_net_ns_by_pid(nla_get_u32(pid));
	else
		net = get_net_ns_by_fd(nla_get_u32(fd));
	if (IS_ERR(net)) {
		NL_SET_ERR_MSG_ATTR(info->extack, pid ? pid : fd,
				    "no such network namespace");
		return PTR_ERR(net);
	}

	err = rpnl_assign(nla_data(info->attrs[RPMSG_NETLINK_A_NAME]), net,
			  false, info->extack);
	put_net(net);
	return err;
}

static int rpnl_cmd_unassign(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, RPMSG_NETLINK_A_NAME))
		return -EINVAL;
	return rpnl_assign(nla_data(info->attrs[RPMSG_NETLINK_A_NAME]),
			   &init_net, true, info->extack);
}

static int rpnl_dump_access(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct user_namespace *ns = sk_user_ns(NETLINK_CB(cb->skb).sk);
	unsigned long skip = cb->args[0], index = 0;
	struct rpnl_access *a;
	bool full = false;
	void *hdr;
	u32 i;

	spin_lock(&rpnl_access_lock);
	list_for_each_entry(a, &rpnl_access, node) {
		if (index < skip) {
			index++;
			continue;
		}
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &rpnl_family, NLM_F_MULTI,
				  RPMSG_NETLINK_CMD_GET_ACCESS);
		if (!hdr)
			break;
		full = nla_put_string(skb, RPMSG_NETLINK_A_NAME, a->name) ||
		       (a->net && nla_put_u32(skb, RPMSG_NETLINK_A_NET_NS_INODE,
					      a->net->ns.inum));
		for (i = 0; i < a->ngids && !full; i++)
			full = nla_put_u32(skb, RPMSG_NETLINK_A_GID,
					   from_kgid_munged(ns, a->gids[i]));
		if (full) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		index++;
	}
	spin_unlock(&rpnl_access_lock);

	cb->args[0] = index;
	return skb->len;
}

/* A network namespace is going away: its channels come home. */
static void __net_exit rpnl_net_exit(struct net *net)
{
	struct rpnl_access *a, *tmp;

	mutex_lock(&rpnl_access_mutex);
	spin_lock(&rpnl_access_lock);
	list_for_each_entry_safe(a, tmp, &rpnl_access, node) {
		if (a->net == net) {
			a->net = NULL;
			rpnl_access_prune(a);
		}
	}
	spin_unlock(&rpnl_access_lock);
	rpnl_move_channels(NULL, net, &init_net);
	mutex_unlock(&rpnl_access_mutex);
}

static struct pernet_operations rpnl_net_ops = {
	.exit = rpnl_net_exit,
};

static int rpnl_validate_data(const struct nlattr *attr,
			      struct netlink_ext_ack *extack)
{
	if (!nla_len(attr)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "empty data");
		return -EINVAL;
	}
	return 0;
}

static const struct nla_policy rpnl_send_policy[RPMSG_NETLINK_A_TIMEOUT_MS + 1] = {
	[RPMSG_NETLINK_A_CHANNEL] = { .type = NLA_U32 },
	[RPMSG_NETLINK_A_DATA] = NLA_POLICY_VALIDATE_FN(NLA_BINARY,
							rpnl_validate_data,
							RPMSG_NETLINK_MAX_DATA),
	[RPMSG_NETLINK_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, RPMSG_NETLINK_F_ALL),
	/* version 1's wait bound: SEND never waits now */
	[RPMSG_NETLINK_A_TIMEOUT_MS] = { .type = NLA_REJECT },
};

static const struct nla_policy rpnl_get_policy[RPMSG_NETLINK_A_CHANNEL + 1] = {
	[RPMSG_NETLINK_A_CHANNEL] = { .type = NLA_U32 },
};

static const struct nla_policy rpnl_bind_policy[RPMSG_NETLINK_A_FLAGS + 1] = {
	[RPMSG_NETLINK_A_NAME] = { .type = NLA_NUL_STRING,
				   .len = RPMSG_NAME_SIZE - 1 },
	[RPMSG_NETLINK_A_FLAGS] = NLA_POLICY_MASK(NLA_U32,
						  RPMSG_NETLINK_BIND_F_ALL),
};

static const struct nla_policy rpnl_grant_policy[RPMSG_NETLINK_A_GID + 1] = {
	[RPMSG_NETLINK_A_NAME] = { .type = NLA_NUL_STRING,
				   .len = RPMSG_NAME_SIZE - 1 },
	[RPMSG_NETLINK_A_GID] = { .type = NLA_U32 },
};

/* pids and file descriptors are ints */
static struct netlink_range_validation rpnl_int_range = {
	.min = 0,
	.max = INT_MAX,
};

static const struct nla_policy rpnl_assign_policy[RPMSG_NETLINK_A_NET_NS_FD + 1] = {
	[RPMSG_NETLINK_A_NAME] = { .type = NLA_NUL_STRING,
				   .len = RPMSG_NAME_SIZE - 1 },
	[RPMSG_NETLINK_A_NET_NS_PID] = NLA_POLICY_FULL_RANGE(NLA_U32,
							     &rpnl_int_range),
	[RPMSG_NETLINK_A_NET_NS_FD] = NLA_POLICY_FULL_RANGE(NLA_U32,
							    &rpnl_int_range),
};

static const struct genl_ops rpnl_ops[] = {
	{
		.cmd = RPMSG_NETLINK_CMD_SEND,
		.doit = rpnl_cmd_send,
		.policy = rpnl_send_policy,
		.maxattr = ARRAY_SIZE(rpnl_send_policy) - 1,
		/* rpnl_send_allowed() */
	},
	{
		.cmd = RPMSG_NETLINK_CMD_GET_CHANNEL,
		.doit = rpnl_cmd_get_channel,
		.dumpit = rpnl_dump_channels,
		.policy = rpnl_get_policy,
		.maxattr = ARRAY_SIZE(rpnl_get_policy) - 1,
	},
	{
		.cmd = RPMSG_NETLINK_CMD_BIND,
		.doit = rpnl_cmd_bind,
		.policy = rpnl_bind_policy,
		.maxattr = ARRAY_SIZE(rpnl_bind_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RPMSG_NETLINK_CMD_UNBIND,
		.doit = rpnl_cmd_unbind,
		.policy = rpnl_bind_policy,
		.maxattr = ARRAY_SIZE(rpnl_bind_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RPMSG_NETLINK_CMD_GET_BINDING,
		.dumpit = rpnl_dump_bindings,
	},
	{
		.cmd = RPMSG_NETLINK_CMD_GRANT,
		.doit = rpnl_cmd_grant,
		.policy = rpnl_grant_policy,
		.maxattr = ARRAY_SIZE(rpnl_grant_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RPMSG_NETLINK_CMD_REVOKE,
		.doit = rpnl_cmd_grant,
		.policy = rpnl_grant_policy,
		.maxattr = ARRAY_SIZE(rpnl_grant_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RPMSG_NETLINK_CMD_ASSIGN,
		.doit = rpnl_cmd_assign,
		.policy = rpnl_assign_policy,
		.maxattr = ARRAY_SIZE(rpnl_assign_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RPMSG_NETLINK_CMD_UNASSIGN,
		.doit = rpnl_cmd_unassign,
		.policy = rpnl_assign_policy,
		.maxattr = ARRAY_SIZE(rpnl_assign_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RPMSG_NETLINK_CMD_GET_ACCESS,
		.dumpit = rpnl_dump_access,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RPMSG_NETLINK_CMD_BULK_ACQUIRE,
		.doit = rpnl_cmd_bulk_acquire,
		.policy = rpnl_bulk_acquire_policy,
		.maxattr = ARRAY_SIZE(rpnl_bulk_acquire_policy) - 1,
		/* rpnl_client_of() */
	},
	{
		.cmd = RPMSG_NETLINK_CMD_BULK_SUBMIT,
		.doit = rpnl_cmd_bulk_submit,
		.policy = rpnl_bulk_submit_policy,
		.maxattr = ARRAY_SIZE(rpnl_bulk_submit_policy) - 1,
		/* rpnl_client_of() */
	},
	{
		.cmd = RPMSG_NETLINK_CMD_BULK_RELEASE,
		.doit = rpnl_cmd_bulk_release,
		.policy = rpnl_bulk_release_policy,
		.maxattr = ARRAY_SIZE(rpnl_bulk_release_policy) - 1,
		/* rpnl_client_find(): only the slots' holder */
	},
};

static const struct genl_multicast_group rpnl_mcgrps[] = {
	[RPNL_MCGRP_EVENTS] = { .name = RPMSG_NETLINK_MCGRP_EVENTS },
};

struct genl_family rpnl_family __ro_after_init = {
	.name = RPMSG_NETLINK_FAMILY_NAME,
	.version = RPMSG_NETLINK_FAMILY_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.ops = rpnl_ops,
	.n_ops = ARRAY_SIZE(rpnl_ops),
	.mcgrps = rpnl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(rpnl_mcgrps),
	.module = THIS_MODULE,
};

static void rpnl_test_delay(void)
{
	unsigned int ms = READ_ONCE(rpnl_release_delay_ms);

	if (ms)
		msleep(ms);
}

/* A netlink socket went away: close its endpoints on every channel. */
static int rpnl_netlink_notify(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct netlink_notify *n = ptr;
	struct rpnl_client *cl, *found;
	struct rpnl_channel *ch;
	unsigned long index = 0;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	/* test-only: widens the window in which the port id is free again */
	rpnl_test_delay();
	/* every genl socket's close passes here: most were never clients */
	if (!xa_load(&rpnl_ports, n->portid))
		return NOTIFY_DONE;

	while ((ch = rpnl_channel_find(&index, INT_MAX))) {
		found = NULL;
		mutex_lock(&ch->lock);
		list_for_each_entry(cl, &ch->clients, node) {
			/* not a new socket that has the port id already */
			if (cl->portid == n->portid &&
			    net_eq(read_pnet(&cl->net), n->net) &&
			    rpnl_client_released(cl)) {
				/* unless a new socket's client has it now */
				xa_cmpxchg(&ch->ports, cl->portid, cl, NULL, 0);
				list_del_init(&cl->node);
				WRITE_ONCE(ch->nclients, ch->nclients - 1);
				WRITE_ONCE(ch->closing, ch->closing + 1);
				found = cl;
				break;
			}
		}
		mutex_unlock(&ch->lock);

		if (found) {
			/*
			 * test-only: widens the window in which the client is
			 * off the list but its endpoint not yet destroyed, which
			 * remove() must wait for (closing)
			 */
			rpnl_test_delay();
			rpnl_client_close(found, ch->notify);
			rpnl_client_put(found);

			mutex_lock(&ch->lock);
			WRITE_ONCE(ch->closing, ch->closing - 1);
			if (!ch->closing)
				wake_up_all(&ch->closewq);
			mutex_unlock(&ch->lock);
		}
		rpnl_channel_put(ch);
		index++;
	}

	return NOTIFY_DONE;
}

static struct notifier_block rpnl_netlink_nb = {
	.notifier_call = rpnl_netlink_notify,
};

static int rpnl_probe(struct rpmsg_device *rpdev)
{
	struct rpmsg_channel_info chinfo = {
		.src = RPMSG_ADDR_ANY,
		.dst = RPMSG_ADDR_ANY,
	};
	struct rpnl_channel *ch;
	ssize_t mtu;
	int err;

	if (rpdev->dst == RPMSG_ADDR_ANY) {
		dev_err(&rpdev->dev, "channel has no remote address\n");
		return -EINVAL;
	}

	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	if (!ch)
		return -ENOMEM;

	kref_init(&ch->refcount);
	mutex_init(&ch->lock);
	mutex_init(&ch->gone_lock);
	INIT_DELAYED_WORK(&ch->gone_work, rpnl_gone_work);
	INIT_DELAYED_WORK(&ch->tx_work, rpnl_tx_work);
	spin_lock_init(&ch->tx_clients_lock);
	INIT_LIST_HEAD(&ch->tx_clients);
	INIT_LIST_HEAD(&ch->clients);
	xa_init(&ch->ports);
	init_waitqueue_head(&ch->txwq);
	init_waitqueue_head(&ch->closewq);
	strscpy(ch->name, rpdev->id.name, sizeof(ch->name));
	ch->rpdev = rpdev;
	ch->dst = rpdev->dst;
	/* none (no memory for its record) only means no bulk transfers */
	ch->pool = rpnl_pool_of(rpdev);
	if (!strcmp(ch->name, RPMSG_NETLINK_SERVICE)) {
		ch->notify = true;
	} else {
		u32 flags = 0;

		rpnl_binding_find(ch->name, &flags);
		ch->notify = flags & RPMSG_NETLINK_BIND_F_NOTIFY;
	}

	strscpy(chinfo.name, rpdev->id.name, sizeof(chinfo.name));
	ch->ept = rpmsg_create_ept(rpdev, rpnl_channel_cb, ch, chinfo);
	if (!ch->ept) {
		err = -ENOMEM;
		goto put;
	}
	ch->src = ch->ept->addr;

	mtu = rpmsg_get_mtu(ch->ept);
	if (mtu <= 0) {
		dev_err(&rpdev->dev, "cannot get the channel's mtu: %zd\n", mtu);
		err = mtu ? mtu : -EINVAL;
		goto destroy;
	}
	ch->mtu = min_t(ssize_t, mtu, RPMSG_NETLINK_MAX_DATA);

	/* no move may pass between where it is and its CHANNEL_UP */
	mutex_lock(&rpnl_access_mutex);
	ch->net = rpnl_access_net(ch->name);
	err = xa_alloc_cyclic(&rpnl_channels, &ch->id, ch, xa_limit_31b,
			      &rpnl_next_id, GFP_KERNEL);
	if (err < 0) {
		mutex_unlock(&rpnl_access_mutex);
		goto destroy;
	}
	dev_set_drvdata(&rpdev->dev, ch);

	dev_info(&rpdev->dev, "channel %u: 0x%x -> 0x%x, mtu %u%s\n",
		 ch->id, ch->src, ch->dst, ch->mtu,
		 net_eq(ch->net, &init_net) ? "" : " (assigned)");
	mutex_lock(&ch->lock);
	rpnl_notify_all(ch, RPMSG_NETLINK_CMD_CHANNEL_UP);
	mutex_unlock(&ch->lock);
	mutex_unlock(&rpnl_access_mutex);
	return 0;

destroy:
	rpmsg_destroy_ept(ch->ept);
put:
	rpnl_channel_put(ch);
	return err;
}

static void rpnl_remove(struct rpmsg_device *rpdev)
{
	struct rpnl_channel *ch = dev_get_drvdata(&rpdev->dev);
	struct rpnl_client *cl, *tmp;
	LIST_HEAD(clients);

	xa_erase(&rpnl_channels, ch->id);

	mutex_lock(&ch->lock);
	WRITE_ONCE(ch->gone, true);
	list_splice_init(&ch->clients, &clients);
	xa_destroy(&ch->ports);
	WRITE_ONCE(ch->nclients, 0);
	mutex_unlock(&ch->lock);

	/* the tx work and closers waiting for a buffer give up */
	wake_up_all(&ch->txwq);
	cancel_delayed_work_sync(&ch->tx_work);

	/* clients closing now still use ch->ept and the transport */
	wait_event(ch->closewq, !READ_ONCE(ch->closing));

	list_for_each_entry_safe(cl, tmp, &clients, node) {
		list_del_init(&cl->node);
		rpnl_client_close(cl, false);
		rpnl_notify_client(cl, RPMSG_NETLINK_CMD_CHANNEL_DOWN);
		rpnl_client_put(cl);
	}

	mutex_lock(&ch->lock);
	rpnl_notify_all(ch, RPMSG_NETLINK_CMD_CHANNEL_DOWN);
	mutex_unlock(&ch->lock);

	/* the remote is going: pending notices are dropped, not lost */
	mutex_lock(&ch->gone_lock);
	while (ch->gone_len) {
		xa_erase(&rpnl_addrs, ch->gone_addrs[ch->gone_head]);
		ch->gone_head = (ch->gone_head + 1) % RPNL_GONE_QUEUE;
		WRITE_ONCE(ch->gone_len, ch->gone_len - 1);
	}
	mutex_unlock(&ch->gone_lock);
	cancel_delayed_work_sync(&ch->gone_work);

	rpmsg_destroy_ept(ch->ept);
	/* no callback runs now, so no kick can schedule the works again */
	cancel_delayed_work_sync(&ch->gone_work);
	cancel_delayed_work_sync(&ch->tx_work);
	ch->ept = NULL;
	ch->rpdev = NULL;
	dev_info(&rpdev->dev, "channel %u removed\n", ch->id);
	rpnl_channel_put(ch);
}

static const struct rpmsg_device_id rpnl_id_table[] = {
	{ .name = RPMSG_NETLINK_SERVICE },
	{ },
};
MODULE_DEVICE_TABLE(rpmsg, rpnl_id_table);

static struct rpmsg_driver rpnl_driver = {
	.drv.name = KBUILD_MODNAME,
	.id_table = rpnl_id_table,
	.probe = rpnl_probe,
	.remove = rpnl_remove,
};

/*
 * Calls @fn for each non-empty entry of the comma-separated module
 * parameter @param (@what in messages), on a copy that @fn may cut up.
 */
static void __init rpnl_param_each(const char *param, const char *what,
				   void (*fn)(char *entry))
{
	char *list, *cur, *entry;

	if (!param || !*param)
		return;
	list = kstrdup(param, GFP_KERNEL);
	if (!list) {
		pr_err("%s: out of memory\n", what);
		return;
	}
	cur = list;
	while ((entry = strsep(&cur, ",")))
		if (*entry)
			fn(entry);
	kfree(list);
}

/* An entry of the bind parameter: NAME[:notify]; mistakes are only logged. */
static void __init rpnl_bind_entry(char *name)
{
	char *opt = strchr(name, ':');
	u32 flags = 0;
	int err;

	if (opt) {
		*opt++ = '\0';
		if (strcmp(opt, "notify")) {
			pr_err("bind: \"%s\": unknown option \"%s\"\n", name, opt);
			return;
		}
		flags = RPMSG_NETLINK_BIND_F_NOTIFY;
	}
	err = rpnl_bind(name, flags, NULL);
	if (err)
		pr_err("bind: \"%s\": %d\n", name, err);
}

/* An entry of the group parameter: NAME:GID; mistakes are only logged. */
static void __init rpnl_group_entry(char *name)
{
	char *sep = strrchr(name, ':');
	u32 gid;
	int err;

	if (!sep || kstrtou32(sep + 1, 10, &gid)) {
		pr_err("group: \"%s\": not NAME:GID\n", name);
		return;
	}
	*sep = '\0';
	err = rpnl_grant(name, make_kgid(&init_user_ns, gid), NULL);
	if (err)
		pr_err("group: \"%s\": %d\n", name, err);
}

static void rpnl_free_access(void)
{
	struct rpnl_access *a, *tmp;

	list_for_each_entry_safe(a, tmp, &rpnl_access, node) {
		list_del(&a->node);
		kfree(a);
	}
	rpnl_naccess = 0;
}

static int __init rpnl_init(void)
{
	int err;

	rpnl_tx_wq = alloc_workqueue("rpmsg_netlink_tx", WQ_UNBOUND, 0);
	if (!rpnl_tx_wq)
		return -ENOMEM;
	err = rpnl_bulk_init();
	if (err) {
		destroy_workqueue(rpnl_tx_wq);
		return err;
	}

	rpnl_param_each(rpnl_group_param, "group", rpnl_group_entry);

	err = genl_register_family(&rpnl_family);
	if (err)
		goto free_access;

	err = register_pernet_subsys(&rpnl_net_ops);
	if (err)
		goto unregister_family;

	err = netlink_register_notifier(&rpnl_netlink_nb);
	if (err)
		goto unregister_pernet;

	err = register_rpmsg_driver(&rpnl_driver);
	if (err)
		goto unregister_notifier;

	/* the rpmsg bus is known now */
	err = bus_register_notifier(rpnl_driver.drv.bus, &rpnl_bus_nb);
	if (err)
		goto unregister_driver;

	mutex_lock(&rpnl_admin_lock);
	rpnl_bus_ready = true;
	rpnl_param_each(rpnl_bind_param, "bind", rpnl_bind_entry);
	mutex_unlock(&rpnl_admin_lock);
	return 0;

unregister_driver:
	unregister_rpmsg_driver(&rpnl_driver);
unregister_notifier:
	netlink_unregister_notifier(&rpnl_netlink_nb);
unregister_pernet:
	unregister_pernet_subsys(&rpnl_net_ops);
unregister_family:
	genl_unregister_family(&rpnl_family);
free_access:
	rpnl_free_access();
	rpnl_bulk_exit();
	destroy_workqueue(rpnl_tx_wq);
	return err;
}
module_init(rpnl_init);

static int rpnl_unclaim_one(struct device *dev, void *data)
{
	rpnl_unclaim(dev);
	return 0;
}

static void __exit rpnl_exit(void)
{
	struct rpnl_binding *b, *tmp;

	/* no BIND or UNBIND from now on, none running */
	mutex_lock(&rpnl_admin_lock);
	rpnl_bus_ready = false;
	mutex_unlock(&rpnl_admin_lock);

	bus_unregister_notifier(rpnl_driver.drv.bus, &rpnl_bus_nb);
	/* removes every channel: waiting senders fail, endpoints close */
	unregister_rpmsg_driver(&rpnl_driver);
	/* no driver_override may name a driver that is gone */
	bus_for_each_dev(rpnl_driver.drv.bus, NULL, NULL, rpnl_unclaim_one);
	list_for_each_entry_safe(b, tmp, &rpnl_bindings, node) {
		list_del(&b->node);
		kfree(b);
	}

	/* waits for requests still running */
	genl_unregister_family(&rpnl_family);
	/* no channel is left to move, no assignment to make */
	unregister_pernet_subsys(&rpnl_net_ops);
	netlink_unregister_notifier(&rpnl_netlink_nb);
	rpnl_free_access();
	/* clients whose last reference went in an interrupt are freed by now */
	flush_workqueue(rpnl_tx_wq);
	WARN_ON(!xa_empty(&rpnl_channels));
	xa_destroy(&rpnl_channels);
	/* after every client: the pools' records and what may be freed */
	rpnl_bulk_exit();
	WARN_ON(!xa_empty(&rpnl_addrs));
	xa_destroy(&rpnl_addrs);
	WARN_ON(!xa_empty(&rpnl_ports));
	xa_destroy(&rpnl_ports);
	destroy_workqueue(rpnl_tx_wq);
}
module_exit(rpnl_exit);

MODULE_DESCRIPTION("RPMsg channels as a Generic Netlink family");
MODULE_LICENSE("GPL");
MODULE_ALIAS_GENL_FAMILY(RPMSG_NETLINK_FAMILY_NAME);
