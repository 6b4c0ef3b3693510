// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * QEMU's ivshmem server protocol (QEMU docs/specs/ivshmem-spec.rst, the
 * order of contrib/ivshmem-server): every message is an int64,
 * little-endian, with at most one fd in SCM_RIGHTS. To a new peer:
 *
 *   0 (protocol version); its peer id; -1 with the memfd;
 *   for the other end's peer, if any: its id with each of its eventfds;
 *   its own id with each of its own eventfds, one message per vector.
 *
 * The other end's peer gets the new id with each of the new eventfds, and,
 * when a peer goes, the gone id without an fd. QEMU reads the greeting
 * synchronously while it starts (a stalled server hangs it) and never
 * writes: anything it sends, or a hang-up, ends the peer.
 *
 * A link end has one live peer at a time; the control region's socket has
 * only the driver domain's. Peer ids come from one counter and are never
 * reused: QEMU 7.2 frees a gone peer's eventfds without forgetting them,
 * so a returning id would be a use-after-free in QEMU.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hvd.h"

#define HVD_PROTOCOL_VERSION	0
/*
 * How long a send may wait for room in a peer's socket. QEMU reads the
 * greeting as soon as it connected; only a client that is not QEMU makes
 * us wait, and then it is dropped.
 */
#define HVD_SEND_TIMEOUT_MS	1000

static const char *hvd_end_name(const struct hvd_end *end, char *buf,
				size_t len)
{
	if (!end->link)
		snprintf(buf, len, "control");
	else
		snprintf(buf, len, "link %u %s", end->link->id,
			 end->role == PVIO_BACKEND ? "backend" : "frontend");
	return buf;
}

static int hvd_send(int sock, int64_t value, int fd)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	uint64_t le = htole64((uint64_t)value);
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct pollfd pfd = { .fd = sock, .events = POLLOUT };
	struct cmsghdr *cmsg;
	ssize_t n;

	if (fd >= 0) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(fd));
	}
	for (;;) {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == (ssize_t)sizeof(le))
			return 0;
		if (n >= 0)	/* a partial int64 cannot be completed */
			return -EIO;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		if (poll(&pfd, 1, HVD_SEND_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
	}
}

/* @peer's id, then each of its eventfds, to @sock. */
static int hvd_send_vectors(int sock, const struct hvd_peer *peer)
{
	unsigned int v;
	int ret;

	for (v = 0; v < peer->nr_vectors; v++) {
		ret = hvd_send(sock, peer->id, peer->evfd[v]);
		if (ret)
			return ret;
	}
	return 0;
}

static void hvd_peer_free(struct hvd_peer *peer)
{
	unsigned int v;

	for (v = 0; v < peer->nr_vectors; v++)
		close(peer->evfd[v]);
	if (peer->w.fd >= 0) {
		hvd_watch_del(&peer->w);
		close(peer->w.fd);
	}
	free(peer);
}

static struct hvd_end *hvd_end_other(struct hvd_end *end)
{
	return end->link ? &end->link->end[!end->role] : NULL;
}

/* A peer that cannot take our messages is ended at the next loop turn. */
static void hvd_peer_broken(struct hvd_peer *peer, int err)
{
	hvd_log(LOG_WARNING, "peer %u: cannot send: %s", peer->id,
		strerror(-err));
	shutdown(peer->w.fd, SHUT_RDWR);
}

static void hvd_peer_gone(struct hvd_end *end)
{
	struct hvd_peer *peer = end->peer, *other;
	struct hvd_end *oend = hvd_end_other(end);
	char name[64];
	int ret;

	hvd_log(LOG_INFO, "%s: peer %u gone", hvd_end_name(end, name,
		sizeof(name)), peer->id);
	end->peer = NULL;
	if (end->link) {
		hvd_link_peer_changed(end, 0);
		other = oend->peer;
		if (other) {
			ret = hvd_send(other->w.fd, peer->id, -1);
			if (ret)
				hvd_peer_broken(other, ret);
			/* Its guest looks at the header: a new generation. */
			hvd_end_ring(oend, 0);
		}
	}
	hvd_peer_free(peer);
}

/* The peer's socket is readable: QEMU sends nothing, so it is going. */
static void hvd_peer_event(struct hvd_watch *w, uint32_t events)
{
	struct hvd_peer *peer = container_of(w, struct hvd_peer, w);
	char c;

	(void)events;
	if (recv(w->fd, &c, 1, MSG_DONTWAIT) < 0 &&
	    (errno == EAGAIN || errno == EINTR))
		return;
	hvd_peer_gone(peer->end);
}

static struct hvd_peer *hvd_peer_new(int sock, unsigned int nr_vectors)
{
	struct hvd_peer *peer;
	unsigned int v;

	if (hvd.next_peer_id > HVD_MAX_PEER_ID) {
		hvd_log(LOG_ERR, "peer ids exhausted: restart pvio-hvd with the VMs");
		return NULL;
	}
	peer = calloc(1, sizeof(*peer));
	if (!peer)
		return NULL;
	peer->w.fd = -1;
	for (v = 0; v < nr_vectors; v++) {
		peer->evfd[v] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (peer->evfd[v] < 0) {
			hvd_log(LOG_ERR, "eventfd: %s", strerror(errno));
			peer->nr_vectors = v;
			hvd_peer_free(peer);
			return NULL;
		}
	}
	peer->nr_vectors = nr_vectors;
	peer->id = hvd.next_peer_id++;
	peer->w.fd = sock;
	peer->w.handle = hvd_peer_event;
	return peer;
}

static void hvd_end_accept(struct hvd_watch *w, uint32_t events)
{
	struct hvd_end *end = container_of(w, struct hvd_end, w);
	struct hvd_end *oend = hvd_end_other(end);
	struct hvd_peer *peer, *other = oend ? oend->peer : NULL;
	char name[64];
	int sock, ret;

	(void)events;
	sock = hvd_accept(w->fd);
	if (sock < 0)
		return;
	hvd_end_name(end, name, sizeof(name));
	if (end->peer) {
		hvd_log(LOG_WARNING, "%s: refused a second client (peer %u is live)",
			name, end->peer->id);
		close(sock);
		return;
	}
	peer = hvd_peer_new(sock, end->link ? end->link->vectors :
				  hvd.ctl_vectors);
	if (!peer) {
		close(sock);
		return;
	}
	ret = hvd_send(sock, HVD_PROTOCOL_VERSION, -1);
	if (!ret)
		ret = hvd_send(sock, peer->id, -1);
	if (!ret)
		ret = hvd_send(sock, -1, end->link ? end->link->shm.fd :
						     hvd.ctl_shm.fd);
	if (!ret && other)
		ret = hvd_send_vectors(sock, other);
	if (!ret)
		ret = hvd_send_vectors(sock, peer);
	if (!ret)
		ret = hvd_watch_add(&peer->w, EPOLLIN | EPOLLRDHUP);
	if (ret) {
		/* Gone mid-greeting: nobody else has heard of it. */
		hvd_log(LOG_INFO, "%s: peer %u: greeting failed: %s", name,
			peer->id, strerror(-ret));
		peer->w.fd = -1;
		hvd_peer_free(peer);
		close(sock);
		return;
	}
	peer->end = end;
	end->peer = peer;
	hvd_log(LOG_INFO, "%s: peer %u connected", name, peer->id);
	if (other) {
		ret = hvd_send_vectors(other->w.fd, peer);
		if (ret)
			hvd_peer_broken(other, ret);
	}
	if (end->link) {
		hvd_link_peer_changed(end, peer->id);
		/* The other guest may look up the new peer id now. */
		if (other)
			hvd_end_ring(oend, 0);
	}
}

void hvd_end_init(struct hvd_end *end, struct hvd_link *link,
		  enum pvio_role role)
{
	memset(end, 0, sizeof(*end));
	end->w.fd = -1;
	end->w.handle = hvd_end_accept;
	end->link = link;
	end->role = role;
}

int hvd_end_listen(struct hvd_end *end, const char *name)
{
	int ret;

	if (snprintf(end->path, sizeof(end->path), "%s/%s", hvd.dir, name) >=
	    (int)sizeof(end->path))
		return -ENAMETOOLONG;
	end->w.fd = hvd_listen(end->path);
	if (end->w.fd < 0)
		return end->w.fd;
	ret = hvd_watch_add(&end->w, EPOLLIN);
	if (ret) {
		close(end->w.fd);
		end->w.fd = -1;
		unlink(end->path);
	}
	return ret;
}

void hvd_end_close(struct hvd_end *end)
{
	if (end->peer) {
		hvd_peer_free(end->peer);
		end->peer = NULL;
	}
	if (end->w.fd >= 0) {
		hvd_watch_del(&end->w);
		close(end->w.fd);
		unlink(end->path);
		end->w.fd = -1;
	}
}

void hvd_end_ring(struct hvd_end *end, unsigned int vector)
{
	uint64_t one = 1;

	if (end->peer && vector < end->peer->nr_vectors &&
	    write(end->peer->evfd[vector], &one, sizeof(one)) < 0)
		hvd_log(LOG_WARNING, "peer %u: cannot ring vector %u: %s",
			end->peer->id, vector, strerror(errno));
}
