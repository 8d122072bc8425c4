/* SPDX-License-Identifier: BSD-3-Clause */
/* What the netlink-check cases share: one Generic Netlink client of rpmsg_netlink, results. */
#ifndef NLCHECK_H
#define NLCHECK_H

#include <libmnl/libmnl.h>
#include <linux/rpmsg_netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RX_BUF_SIZE (256 * 1024)
#define SOCKET_RCVBUF (8 * 1024 * 1024)
#define REPLY_TIMEOUT_MS 10000
#define CONCURRENT_CLIENTS 8
#define CONCURRENT_TRANSFERS 200
#define FAIL_WITHIN_MS 1000
#define GONE_CLIENTS 5
#define ECHO_SERVICE "amplink-echo"
struct channel_info {
	uint32_t id;
	uint32_t src;
	uint32_t dst;
	uint32_t mtu;
	char name[64];
	uint64_t stats[RPMSG_NETLINK_STAT_MAX + 1];
	bool found;
	/* RPMSG_NETLINK_A_BULK, when the channel's remote has a pool */
	bool has_pool;
	uint64_t pool[RPMSG_NETLINK_BULK_MAX + 1];
};

struct binding_info {
	char name[64];
	uint32_t flags;
};

/* One GET_ACCESS answer. */
struct access_info {
	char name[64];
	uint32_t gids[RPMSG_NETLINK_MAX_GRANTS];
	size_t n_gids;
	uint32_t netns_inode; /* 0: not assigned */
};

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t events_group;
	uint32_t channel; /* channel under test */
	uint32_t mtu;
	uint32_t remote; /* the remote address echoes come from */
	/* SENDs also go to the channels next to it (the fuzzer): their RECVs are no fault */
	bool near_channels;

	/* what arrived */
	uint8_t *rx;
	size_t rx_len;
	size_t rx_cap;
	bool rx_overflow;
	bool rx_bad; /* a RECV that broke a rule (printed once) */
	bool down;   /* CHANNEL_DOWN seen */
	uint32_t up_events;
	uint32_t down_events;
	uint32_t tx_ready;   /* TX_READY seen on the channel under test */
	uint32_t bulk_ready; /* BULK_READY seen on the channel under test */
	/* the last BULK_ACQUIRE reply to ack_seq (which it acks) */
	uint32_t slots[RPMSG_NETLINK_BULK_DESC_MAX];
	uint32_t n_slots;
	uint32_t ack_seq; /* the request whose ack is awaited */
	bool acked;
	int ack_err; /* 0 or a positive errno */
	char ack_msg[128];

	/* GET_CHANNEL results collected during a request */
	struct channel_info *infos;
	size_t n_infos;
	size_t max_infos;
	/* GET_BINDING results collected during a request */
	struct binding_info *binds;
	size_t n_binds;
	size_t max_binds;
	char last_up[64];    /* name in the last CHANNEL_UP */
	char last_down[64];  /* name in the last CHANNEL_DOWN */
	uint32_t last_up_id; /* channel in the last CHANNEL_UP */
	/* GET_ACCESS results collected during a request */
	struct access_info *access;
	size_t n_access;
	size_t max_access;

	uint8_t buf[RX_BUF_SIZE];
};

struct send_opts {
	bool no_channel;
	bool no_data;
	uint32_t channel; /* used when nonzero, instead of nl->channel */
	bool has_flags;
	uint32_t flags;
	bool has_timeout;
	uint32_t timeout_ms;
	int extra_attr;	    /* an attribute SEND does not take */
	bool short_channel; /* CHANNEL as a u16 */
};

extern const char *channel_name;
extern const char *run_dir;
extern int failures;
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void check(bool cond, const char *what);
int64_t now_ms(void);
double now_s(void);
int nl_open(struct nl *nl, bool big_rcvbuf);
/* A socket bound to portid (MNL_SOCKET_AUTOPID: any); 0 or -errno. */
int nl_open_port(struct nl *nl, bool big_rcvbuf, uint32_t portid);
void nl_close(struct nl *nl);
struct nlmsghdr *nl_request(struct nl *nl, uint16_t type, uint16_t flags, uint8_t cmd,
			    uint8_t version);
int nl_send(struct nl *nl, struct nlmsghdr *nlh);
int nl_pump(struct nl *nl, int timeout_ms);
int nl_wait_ack(struct nl *nl, int timeout_ms);
int nl_wait_rx(struct nl *nl, size_t want, int timeout_ms);
int nl_resolve_family(struct nl *nl);
int nl_open_family(struct nl *nl);
bool nl_lists(struct nl *nl, const char *name);
int nl_join_events(struct nl *nl);
int nl_dump(struct nl *nl, uint8_t cmd);
int nl_dump_channels(struct nl *nl, struct channel_info *out, size_t max);
int nl_get_channel(struct nl *nl, uint32_t id, struct channel_info *out);
int nl_find_named(struct nl *nl, const char *name, struct channel_info *ci);
int nl_client_of(struct nl *nl, const char *name, bool big_rcvbuf, struct channel_info *ci);
int nl_client(struct nl *nl, bool big_rcvbuf, struct channel_info *ci);
int nl_send_data(struct nl *nl, const void *data, size_t len, const struct send_opts *o);
int nl_send_acked(struct nl *nl, const void *data, size_t len, const struct send_opts *o);
int echo_once(struct nl *nl, const uint8_t *data, size_t len, char *why, size_t why_len);
uint64_t xorshift(uint64_t *s);
void fill_random(uint8_t *p, size_t len, uint64_t *seed);
uint64_t stat_delta(const struct channel_info *a, const struct channel_info *b, int stat);
uint64_t messages_for(uint64_t len, uint32_t mtu);
/* ok() when a request's answer rc (an errno, 0) is want, with the module's message; else fail(). */
void expect_answer(const struct nl *nl, const char *what, int rc, int want);

/* cases_access.c: the access model (issue 11, defect 2) */
int case_grant(void);
int case_limits(void);
int case_assign(void);

/* cases_fuzz.c: random requests for seconds, then the family and the echo still work */
int case_fuzz(int seconds, uint64_t seed);
/* cases_drop.c (debug kernel: fault injection) */
int case_rx_alloc_fail(void);

/* cases_bulk.c: what a client may and may not do with the pool of bulk transfers */
int case_bulk_requests(void);

/* cases_churn.c: many client processes, closes mid-SEND, kills, firmware stops; no foreign byte */
int case_churn_stress(int seconds, uint64_t seed, int clients);

#endif
