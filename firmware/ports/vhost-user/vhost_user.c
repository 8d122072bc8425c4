/* SPDX-License-Identifier: BSD-3-Clause */
#include "vhost_user.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <rpmsg/vring.h>

#include "log.h"

/* Handler results: a status for the frontend, or a reason to hang up. */
#define VU_STATUS_OK 0
#define VU_STATUS_FAIL 1
#define VU_FATAL (-1)

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_fds(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		close_fd(&fds[i]);
}

static void reset_vring(struct vu_vring *r)
{
	close_fd(&r->kick_fd);
	close_fd(&r->call_fd);
	memset(r, 0, sizeof(*r));
	r->kick_fd = -1;
	r->call_fd = -1;
}

static void unmap_all(struct vu_backend *vu)
{
	for (unsigned int i = 0; i < vu->map_count; i++)
		munmap(vu->maps[i].map, vu->maps[i].map_len);
	vu->map_count = 0;
	vu->guest_mem.count = 0;
	vu->user_mem.count = 0;
}

static void stop_device(struct vu_backend *vu)
{
	if (!vu->running)
		return;
	vu->running = false;
	vu->ops->stop(vu);
}

static void reset_device(struct vu_backend *vu)
{
	stop_device(vu);
	for (unsigned int i = 0; i < VU_NUM_QUEUES; i++)
		reset_vring(&vu->vrings[i]);
	unmap_all(vu);
	close_fd(&vu->slave_fd);
	vu->features_acked = 0;
	vu->protocol_features = 0;
}

static bool vring_ready(const struct vu_backend *vu, const struct vu_vring *r)
{
	bool enabled = r->enabled || !(vu->features_acked & (1ull << VU_F_PROTOCOL_FEATURES));

	return r->num && r->addr_set && r->kick_fd >= 0 && r->call_fd >= 0 && enabled;
}

static void start_if_ready(struct vu_backend *vu)
{
	if (vu->running || vu->map_count == 0)
		return;
	for (unsigned int i = 0; i < VU_NUM_QUEUES; i++)
		if (!vring_ready(vu, &vu->vrings[i]))
			return;
	vu->running = true;
	log_info("both vrings ready (%u entries), starting the device", vu->vrings[0].num);
	vu->ops->start(vu);
}

static int send_reply(struct vu_backend *vu, const struct vu_header *req, const void *payload,
		      uint32_t size)
{
	struct vu_msg reply;
	size_t total = sizeof(reply.hdr) + size;

	reply.hdr.request = req->request;
	reply.hdr.flags = VU_VERSION | VU_FLAG_REPLY;
	reply.hdr.size = size;
	memcpy(&reply.payload, payload, size);
	for (size_t done = 0; done < total;) {
		ssize_t n =
			send(vu->conn_fd, (const char *)&reply + done, total - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_error("sending %s reply: %s", vu_request_name(req->request),
				  strerror(errno));
			return VU_FATAL;
		}
		done += (size_t)n;
	}
	return 0;
}

static int reply_u64(struct vu_backend *vu, const struct vu_header *req, uint64_t v)
{
	return send_reply(vu, req, &v, sizeof(v));
}

static int take_fds(struct msghdr *mh, int *fds, unsigned int *nfds)
{
	*nfds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		unsigned int n = (unsigned int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

		for (unsigned int i = 0; i < n && *nfds < VU_MAX_FDS; i++)
			memcpy(&fds[(*nfds)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	if (mh->msg_flags & MSG_CTRUNC) {
		log_error("frontend sent more file descriptors than a message may carry");
		return VU_FATAL;
	}
	return 0;
}

/* Reads exactly len bytes; -1 at end of file or after VU_IO_TIMEOUT_MS of silence. */
static int read_full(int fd, void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				log_error("frontend stalled for %d ms inside a message",
					  VU_IO_TIMEOUT_MS);
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/* Returns 0, VU_FATAL on error, or 1 on orderly end of the connection. */
static int recv_msg(struct vu_backend *vu, struct vu_msg *msg, int *fds, unsigned int *nfds)
{
	char control[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
	struct iovec iov = {.iov_base = &msg->hdr, .iov_len = sizeof(msg->hdr)};
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	ssize_t n;

	*nfds = 0;
	do
		n = recvmsg(vu->conn_fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 1;
	if (n < 0) {
		log_error("reading from the frontend: %s", strerror(errno));
		return VU_FATAL;
	}
	if (take_fds(&mh, fds, nfds) != 0)
		return VU_FATAL;
	if ((size_t)n < sizeof(msg->hdr) &&
	    read_full(vu->conn_fd, (char *)&msg->hdr + n, sizeof(msg->hdr) - (size_t)n) != 0) {
		log_error("connection ended inside a message header");
		return VU_FATAL;
	}
	if ((msg->hdr.flags & VU_FLAG_VERSION_MASK) != VU_VERSION) {
		log_error("unsupported vhost-user version in flags 0x%x", msg->hdr.flags);
		return VU_FATAL;
	}
	if (msg->hdr.size > sizeof(msg->payload)) {
		log_error("%s: payload of %u bytes exceeds the %zu this backend accepts",
			  vu_request_name(msg->hdr.request), msg->hdr.size, sizeof(msg->payload));
		return VU_FATAL;
	}
	if (read_full(vu->conn_fd, &msg->payload, msg->hdr.size) != 0) {
		log_error("connection ended inside a %s payload",
			  vu_request_name(msg->hdr.request));
		return VU_FATAL;
	}
	return 0;
}

static struct vu_vring *ring_for(struct vu_backend *vu, uint32_t index, const char *what)
{
	if (index >= VU_NUM_QUEUES) {
		log_error("%s: queue %u does not exist (rpmsg has %d)", what, index, VU_NUM_QUEUES);
		return NULL;
	}
	return &vu->vrings[index];
}

static int map_region(struct vu_mapping *m, const struct vu_mem_region *r, int fd)
{
	if (r->size == 0 || r->mmap_offset > UINT64_MAX - r->size ||
	    r->guest_addr > UINT64_MAX - r->size || r->user_addr > UINT64_MAX - r->size) {
		log_error("SET_MEM_TABLE: region size or offset out of range");
		return -1;
	}
	/* Touching a mapping past the end of its file would kill us with SIGBUS. */
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    r->size + r->mmap_offset > (uint64_t)st.st_size) {
		log_error("SET_MEM_TABLE: region of 0x%llx bytes at offset 0x%llx passes the end "
			  "of its file (0x%llx bytes)",
			  (unsigned long long)r->size, (unsigned long long)r->mmap_offset,
			  (unsigned long long)st.st_size);
		return -1;
	}
	m->map_len = (size_t)(r->size + r->mmap_offset);
	m->map = mmap(NULL, m->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m->map == MAP_FAILED) {
		log_error("SET_MEM_TABLE: mapping %zu bytes: %s", m->map_len, strerror(errno));
		return -1;
	}
	m->region = *r;
	return 0;
}

static int set_mem_table(struct vu_backend *vu, const struct vu_msg *msg, int *fds,
			 unsigned int nfds)
{
	const struct vu_mem_table *t = &msg->payload.mem;

	/* virtio_uml sends room for two regions whatever num says: allow slack. */
	if (msg->hdr.size < 8 || t->num == 0 || t->num > VU_MAX_REGIONS ||
	    msg->hdr.size < 8 + t->num * sizeof(struct vu_mem_region) || nfds != t->num) {
		log_error("SET_MEM_TABLE: malformed (size %u, %u regions, %u fds)", msg->hdr.size,
			  msg->hdr.size >= 8 ? t->num : 0, nfds);
		return VU_FATAL;
	}
	stop_device(vu);
	unmap_all(vu);
	for (unsigned int i = 0; i < t->num; i++) {
		struct vu_mapping *m = &vu->maps[i];

		if (map_region(m, &t->regions[i], fds[i]) != 0) {
			unmap_all(vu);
			return VU_STATUS_FAIL;
		}
		vu->map_count = i + 1;
		uint8_t *base = (uint8_t *)m->map + m->region.mmap_offset;

		vu->guest_regions[i] =
			(struct rp_mem_region){m->region.guest_addr, m->region.size, base};
		vu->user_regions[i] =
			(struct rp_mem_region){m->region.user_addr, m->region.size, base};
		log_info("memory region %u: guest 0x%llx size 0x%llx", i,
			 (unsigned long long)m->region.guest_addr,
			 (unsigned long long)m->region.size);
	}
	vu->guest_mem = (struct rp_mem){vu->guest_regions, vu->map_count};
	vu->user_mem = (struct rp_mem){vu->user_regions, vu->map_count};
	return VU_STATUS_OK;
}

static int set_ring_fd(struct vu_backend *vu, const struct vu_msg *msg, int *fds, unsigned int nfds)
{
	const char *what = vu_request_name(msg->hdr.request);
	uint64_t v = msg->payload.u64;
	bool no_fd = (v & VU_VRING_NOFD_MASK) != 0;
	struct vu_vring *r = ring_for(vu, (uint32_t)(v & VU_VRING_INDEX_MASK), what);

	if (!r || nfds != (no_fd ? 0u : 1u)) {
		if (r)
			log_error("%s: expected %u file descriptors, got %u", what, no_fd ? 0 : 1,
				  nfds);
		return VU_FATAL;
	}
	if (no_fd) {
		log_error("%s: polling mode (no fd) is not supported", what);
		return VU_STATUS_FAIL;
	}
	stop_device(vu);
	int fd = fds[0];

	fds[0] = -1;
	if (msg->hdr.request == VU_SET_VRING_KICK) {
		close_fd(&r->kick_fd);
		r->kick_fd = fd;
		/* Without protocol features a kick fd is what enables the ring. */
		if (!(vu->features_acked & (1ull << VU_F_PROTOCOL_FEATURES)))
			r->enabled = true;
	} else if (msg->hdr.request == VU_SET_VRING_CALL) {
		close_fd(&r->call_fd);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		r->call_fd = fd;
	} else {
		close(fd); /* error fd: we never report ring errors this way */
	}
	return VU_STATUS_OK;
}

static int set_ring_state(struct vu_backend *vu, const struct vu_msg *msg)
{
	const struct vu_vring_state *s = &msg->payload.state;
	struct vu_vring *r = ring_for(vu, s->index, vu_request_name(msg->hdr.request));

	if (!r)
		return VU_FATAL;
	switch (msg->hdr.request) {
	case VU_SET_VRING_NUM:
		if (s->num == 0 || s->num > vu->max_queue_size || (s->num & (s->num - 1)) != 0) {
			log_error("SET_VRING_NUM: %u entries; need a power of two up to %u", s->num,
				  vu->max_queue_size);
			return VU_STATUS_FAIL;
		}
		stop_device(vu);
		r->num = s->num;
		return VU_STATUS_OK;
	case VU_SET_VRING_BASE:
		if (s->num > UINT16_MAX) {
			log_error("SET_VRING_BASE: index %u out of range", s->num);
			return VU_STATUS_FAIL;
		}
		stop_device(vu);
		r->base = (uint16_t)s->num;
		return VU_STATUS_OK;
	default: /* VU_SET_VRING_ENABLE */
		if (s->num > 1) {
			log_error("SET_VRING_ENABLE: state %u is neither 0 nor 1", s->num);
			return VU_STATUS_FAIL;
		}
		if (!s->num)
			stop_device(vu);
		r->enabled = s->num == 1;
		return VU_STATUS_OK;
	}
}

static int get_ring_base(struct vu_backend *vu, const struct vu_msg *msg)
{
	struct vu_vring_state s = msg->payload.state;
	struct vu_vring *r = ring_for(vu, s.index, "GET_VRING_BASE");

	if (!r)
		return VU_FATAL;
	s.num = vu->running ? vu->ops->ring_position(vu, s.index) : r->base;
	/* Per the specification, this request also stops the ring. */
	stop_device(vu);
	r->enabled = false;
	r->base = (uint16_t)s.num;
	return send_reply(vu, &msg->hdr, &s, sizeof(s));
}

static int set_ring_addr(struct vu_backend *vu, const struct vu_msg *msg)
{
	const struct vu_vring_addr *a = &msg->payload.addr;
	struct vu_vring *r = ring_for(vu, a->index, "SET_VRING_ADDR");

	if (!r)
		return VU_FATAL;
	stop_device(vu);
	r->desc_user = a->desc;
	r->avail_user = a->avail;
	r->used_user = a->used;
	r->addr_set = true;
	return VU_STATUS_OK;
}

static int set_features(struct vu_backend *vu, uint64_t features)
{
	if (features & ~vu->features_offered) {
		log_error("SET_FEATURES: 0x%llx has bits that were not offered (0x%llx)",
			  (unsigned long long)features, (unsigned long long)vu->features_offered);
		return VU_STATUS_FAIL;
	}
	vu->features_acked = features;
	log_info("features acknowledged: 0x%llx", (unsigned long long)features);
	return VU_STATUS_OK;
}

static uint64_t supported_protocol_features(void)
{
	return (1ull << VU_PROTOCOL_F_REPLY_ACK) | (1ull << VU_PROTOCOL_F_SLAVE_REQ);
}

/* Expected payload size and fd count; -1: variable, checked by the handler. */
static int expected_size(uint32_t request)
{
	switch (request) {
	case VU_SET_FEATURES:
	case VU_SET_PROTOCOL_FEATURES:
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		return sizeof(uint64_t);
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
	case VU_GET_VRING_BASE:
	case VU_SET_VRING_ENABLE:
		return sizeof(struct vu_vring_state);
	case VU_SET_VRING_ADDR:
		return sizeof(struct vu_vring_addr);
	case VU_SET_MEM_TABLE:
		return -1;
	default:
		return 0;
	}
}

static unsigned int expected_fds(uint32_t request)
{
	return request == VU_SET_SLAVE_REQ_FD ? 1 : 0;
}

static int dispatch(struct vu_backend *vu, struct vu_msg *msg, int *fds, unsigned int nfds)
{
	const struct vu_header *h = &msg->hdr;

	switch (h->request) {
	case VU_GET_FEATURES:
		return reply_u64(vu, h, vu->features_offered);
	case VU_SET_FEATURES:
		return set_features(vu, msg->payload.u64);
	case VU_GET_PROTOCOL_FEATURES:
		return reply_u64(vu, h, supported_protocol_features());
	case VU_SET_PROTOCOL_FEATURES:
		vu->protocol_features = msg->payload.u64 & supported_protocol_features();
		return VU_STATUS_OK;
	case VU_SET_OWNER:
		return VU_STATUS_OK;
	case VU_RESET_OWNER:
		reset_device(vu);
		return VU_STATUS_OK;
	case VU_GET_QUEUE_NUM:
		return reply_u64(vu, h, VU_NUM_QUEUES);
	case VU_SET_SLAVE_REQ_FD:
		/* Kept only because 6.1's virtio_uml needs it accepted; we send nothing on it. */
		close_fd(&vu->slave_fd);
		vu->slave_fd = fds[0];
		fds[0] = -1;
		return VU_STATUS_OK;
	case VU_SET_MEM_TABLE:
		return set_mem_table(vu, msg, fds, nfds);
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
	case VU_SET_VRING_ENABLE:
		return set_ring_state(vu, msg);
	case VU_GET_VRING_BASE:
		return get_ring_base(vu, msg);
	case VU_SET_VRING_ADDR:
		return set_ring_addr(vu, msg);
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		return set_ring_fd(vu, msg, fds, nfds);
	default:
		log_error("unsupported request %u (%s); answering with failure", h->request,
			  vu_request_name(h->request));
		return VU_STATUS_FAIL;
	}
}

static bool replies_itself(uint32_t request)
{
	return request == VU_GET_FEATURES || request == VU_GET_PROTOCOL_FEATURES ||
	       request == VU_GET_QUEUE_NUM || request == VU_GET_VRING_BASE;
}

static int check_shape(const struct vu_msg *msg, unsigned int nfds)
{
	int size = expected_size(msg->hdr.request);
	bool fd_request =
		msg->hdr.request == VU_SET_MEM_TABLE || msg->hdr.request == VU_SET_VRING_KICK ||
		msg->hdr.request == VU_SET_VRING_CALL || msg->hdr.request == VU_SET_VRING_ERR;

	if (size >= 0 && msg->hdr.size != (uint32_t)size) {
		log_error("%s: payload of %u bytes, expected %d", vu_request_name(msg->hdr.request),
			  msg->hdr.size, size);
		return VU_FATAL;
	}
	if (!fd_request && nfds != expected_fds(msg->hdr.request)) {
		log_error("%s: %u file descriptors, expected %u", vu_request_name(msg->hdr.request),
			  nfds, expected_fds(msg->hdr.request));
		return VU_FATAL;
	}
	return 0;
}

int vu_backend_handle(struct vu_backend *vu)
{
	struct vu_msg msg;
	int fds[VU_MAX_FDS];
	unsigned int nfds;
	int received = recv_msg(vu, &msg, fds, &nfds);
	int rc = VU_FATAL;

	if (received == 0) {
		log_debug("request %s (%u bytes, %u fds)", vu_request_name(msg.hdr.request),
			  msg.hdr.size, nfds);
		rc = check_shape(&msg, nfds);
		if (rc == 0)
			rc = dispatch(vu, &msg, fds, nfds);
		if (rc >= 0 && (msg.hdr.flags & VU_FLAG_NEED_REPLY) &&
		    !replies_itself(msg.hdr.request))
			rc = reply_u64(vu, &msg.hdr, (uint64_t)rc);
	} else if (received == 1) {
		log_info("frontend closed the connection");
	}
	close_fds(fds, nfds);
	if (rc < 0) {
		vu_backend_disconnect(vu);
		return -1;
	}
	start_if_ready(vu);
	return 0;
}

void vu_backend_init(struct vu_backend *vu, uint64_t features, unsigned int max_queue_size,
		     const struct vu_backend_ops *ops, void *priv)
{
	memset(vu, 0, sizeof(*vu));
	vu->listen_fd = vu->conn_fd = vu->slave_fd = -1;
	for (unsigned int i = 0; i < VU_NUM_QUEUES; i++)
		reset_vring(&vu->vrings[i]);
	vu->features_offered = features | (1ull << VU_F_PROTOCOL_FEATURES);
	vu->max_queue_size = max_queue_size;
	vu->ops = ops;
	vu->priv = priv;
}

int vu_backend_listen(struct vu_backend *vu, const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, path);
	strcpy(vu->socket_path, path);
	vu->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (vu->listen_fd < 0)
		return -1;
	unlink(path);
	if (bind(vu->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    listen(vu->listen_fd, 1) != 0) {
		int saved = errno;

		close_fd(&vu->listen_fd);
		errno = saved;
		return -1;
	}
	return 0;
}

int vu_backend_attach(struct vu_backend *vu, int fd)
{
	struct timeval tv = {.tv_sec = VU_IO_TIMEOUT_MS / 1000,
			     .tv_usec = (VU_IO_TIMEOUT_MS % 1000) * 1000};

	/*
	 * SIGTERM reaches us through a signalfd, so it cannot interrupt a
	 * blocking read or write: a frontend that stalls in the middle of a
	 * message must not hold us there. Bounded, it is a protocol failure.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		return -1;
	vu->conn_fd = fd;
	return 0;
}

int vu_backend_accept(struct vu_backend *vu)
{
	int fd;

	do
		fd = accept4(vu->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -1;
	if (vu_backend_attach(vu, fd) != 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	log_info("frontend connected");
	return 0;
}

void vu_backend_disconnect(struct vu_backend *vu)
{
	reset_device(vu);
	close_fd(&vu->conn_fd);
}

void vu_backend_close(struct vu_backend *vu)
{
	vu_backend_disconnect(vu);
	if (vu->listen_fd >= 0) {
		close_fd(&vu->listen_fd);
		unlink(vu->socket_path);
	}
}

void vu_backend_call(struct vu_backend *vu, unsigned int index)
{
	static const uint64_t one = 1;
	int fd = vu->vrings[index].call_fd;

	/* A full pipe already holds plenty of wake-ups: losing one is harmless. */
	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_error("raising the interrupt of queue %u: %s", index, strerror(errno));
}

uint64_t vu_backend_take_kick(struct vu_backend *vu, unsigned int index)
{
	struct pollfd p = {.fd = vu->vrings[index].kick_fd, .events = POLLIN};
	uint64_t count;

	if (p.fd < 0 || poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
		return 0;
	if (read(p.fd, &count, sizeof(count)) != (ssize_t)sizeof(count))
		return 0;
	return count;
}

int vu_backend_ring_pointers(struct vu_backend *vu, unsigned int index, void **desc, void **avail,
			     void **used)
{
	const struct vu_vring *r = &vu->vrings[index];

	*desc = rp_mem_to_ptr(&vu->user_mem, r->desc_user, rp_vring_desc_size(r->num));
	*avail = rp_mem_to_ptr(&vu->user_mem, r->avail_user, rp_vring_avail_size(r->num));
	*used = rp_mem_to_ptr(&vu->user_mem, r->used_user, rp_vring_used_size(r->num));
	if (!*desc || !*avail || !*used) {
		log_error("queue %u: ring addresses lie outside the shared memory", index);
		return -1;
	}
	return 0;
}
