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
 * synchronously while it starts (a stalled server hangs it), so pvio-hvd
 * never waits for a peer: messages queue until its socket takes them.
 * QEMU never writes: anything it sends, or a hang-up, ends the peer.
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
 * Messages waiting for room in a peer's socket. A QEMU connects its
 * chardev early and reads the greeting only when its ivshmem device is
 * realized, seconds later on a loaded host, and 256 vectors make 515
 * messages that do not fit a socket buffer: so nothing is sent blocking.
 * A peer that lets more than this pile up does not read: it is dropped.
 */
#define HVD_MAX_QUEUED		4096

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

/* One message; 0, -EAGAIN, or another error. */
static int hvd_send(int sock, int64_t value, int fd)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	uint64_t le = htole64((uint64_t)value);
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
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
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(le))
		return 0;
	if (n >= 0)	/* a partial int64 cannot be completed */
		return -EIO;
	return -errno;
}

/* A peer that cannot take our messages is ended at the next loop turn. */
static void hvd_peer_broken(struct hvd_peer *peer, const char *why)
{
	if (peer->broken)
		return;
	hvd_log(LOG_WARNING, "peer %u: %s: dropped", peer->id, why);
	peer->broken = true;
	shutdown(peer->w.fd, SHUT_RDWR);
}

/* Send what the socket takes; watch for room while some is left. */
static void hvd_peer_flush(struct hvd_peer *peer)
{
	struct epoll_event ev = { .data.ptr = &peer->w };
	struct hvd_msg *m;
	int ret = 0;

	while (peer->qhead < peer->qlen) {
		m = &peer->q[peer->qhead];
		ret = hvd_send(peer->w.fd, m->value, m->fd);
		if (ret)
			break;
		if (m->fd >= 0)
			close(m->fd);
		peer->qhead++;
	}
	if (peer->qhead == peer->qlen)
		peer->qhead = peer->qlen = 0;
	if (ret == -EPIPE || ret == -ECONNRESET) {
		peer->broken = true;	/* hung up: its EOF is on its way */
		return;
	}
	if (ret && ret != -EAGAIN) {
		hvd_peer_broken(peer, strerror(-ret));
		return;
	}
	ev.events = EPOLLIN | EPOLLRDHUP | (peer->qlen ? EPOLLOUT : 0);
	epoll_ctl(hvd.epfd, EPOLL_CTL_MOD, peer->w.fd, &ev);
}

/*
 * Queue a message to @peer. The fd is duplicated: the queue's copy stays
 * valid even if its owner (another peer) goes before this one is sent.
 */
static void hvd_peer_queue(struct hvd_peer *peer, int64_t value, int fd)
{
	struct hvd_msg *q;
	unsigned int cap;

	if (peer->broken)
		return;
	if (peer->qlen == peer->qcap && peer->qcap) {
		if (peer->qlen - peer->qhead >= HVD_MAX_QUEUED) {
			hvd_peer_broken(peer, "does not read its socket");
			return;
		}
		/* Slide the sent ones out before growing. */
		memmove(peer->q, peer->q + peer->qhead,
			(peer->qlen - peer->qhead) * sizeof(*q));
		peer->qlen -= peer->qhead;
		peer->qhead = 0;
	}
	if (peer->qlen == peer->qcap) {
		cap = peer->qcap ? 2 * peer->qcap : 64;
		q = realloc(peer->q, cap * sizeof(*q));
		if (!q) {
			hvd_peer_broken(peer, "out of memory");
			return;
		}
		peer->q = q;
		peer->qcap = cap;
	}
	if (fd >= 0) {
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0) {
			hvd_peer_broken(peer, strerror(errno));
			return;
		}
	}
	peer->q[peer->qlen].value = value;
	peer->q[peer->qlen].fd = fd;
	peer->qlen++;
}

/* @from's id, then each of its eventfds, to @to. */
static void hvd_peer_queue_vectors(struct hvd_peer *to,
				   const struct hvd_peer *from)
{
	unsigned int v;

	for (v = 0; v < from->nr_vectors; v++)
		hvd_peer_queue(to, from->id, from->evfd[v]);
}

static void hvd_peer_free(struct hvd_peer *peer)
{
	unsigned int i;

	for (i = 0; i < peer->nr_vectors; i++)
		close(peer->evfd[i]);
	for (i = peer->qhead; i < peer->qlen; i++)
		if (peer->q[i].fd >= 0)
			close(peer->q[i].fd);
	free(peer->q);
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

static void hvd_peer_gone(struct hvd_end *end)
{
	struct hvd_peer *peer = end->peer, *other;
	struct hvd_end *oend = hvd_end_other(end);
	char name[64];

	hvd_log(LOG_INFO, "%s: peer %u gone", hvd_end_name(end, name,
		sizeof(name)), peer->id);
	end->peer = NULL;
	if (end->link) {
		hvd_link_peer_changed(end, 0);
		other = oend->peer;
		if (other) {
			hvd_peer_queue(other, peer->id, -1);
			/* Its guest looks at the header: a new generation. */
			hvd_end_ring(oend, 0);
			hvd_peer_flush(other);
		}
	}
	hvd_peer_free(peer);
}

/*
 * The peer's socket: room for queued messages, or readable. QEMU sends
 * nothing, so anything read, an EOF or an error means it is going.
 */
static void hvd_peer_event(struct hvd_watch *w, uint32_t events)
{
	struct hvd_peer *peer = container_of(w, struct hvd_peer, w);
	char c;

	if (!(events & ~EPOLLOUT)) {
		hvd_peer_flush(peer);
		return;
	}
	if (!(events & (EPOLLERR | EPOLLHUP)) &&
	    recv(w->fd, &c, 1, MSG_DONTWAIT) < 0 &&
	    (errno == EAGAIN || errno == EINTR))
		return;
	hvd_peer_gone(peer->end);
}

/* Has @peer hung up, or sent something (which QEMU never does)? */
static bool hvd_peer_going(const struct hvd_peer *peer)
{
	struct pollfd pfd = { .fd = peer->w.fd,
			      .events = POLLIN | POLLRDHUP };

	return peer->broken || poll(&pfd, 1, 0) != 0;
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
	peer->w.handle = hvd_peer_event;
	if (hvd_watch_add_fd(&peer->w, sock, EPOLLIN | EPOLLRDHUP)) {
		hvd_peer_free(peer);
		return NULL;
	}
	peer->id = hvd.next_peer_id++;
	return peer;
}

static void hvd_end_accept(struct hvd_watch *w, uint32_t events)
{
	struct hvd_end *end = container_of(w, struct hvd_end, w);
	struct hvd_end *oend = hvd_end_other(end);
	struct hvd_peer *peer, *other = oend ? oend->peer : NULL;
	char name[64];
	int sock;

	(void)events;
	sock = hvd_accept(w->fd);
	if (sock < 0)
		return;
	hvd_end_name(end, name, sizeof(name));
	/*
	 * The live peer may have hung up with its EOF not yet seen (a QEMU
	 * killed and restarted at once): end it first, or its successor
	 * would be refused.
	 */
	if (end->peer && hvd_peer_going(end->peer))
		hvd_peer_gone(end);
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
	peer->end = end;
	end->peer = peer;
	hvd_log(LOG_INFO, "%s: peer %u connected", name, peer->id);
	/* The header shows the peer before anyone hears of it. */
	if (end->link)
		hvd_link_peer_changed(end, peer->id);
	/* The greeting, in contrib/ivshmem-server's order. */
	hvd_peer_queue(peer, HVD_PROTOCOL_VERSION, -1);
	hvd_peer_queue(peer, peer->id, -1);
	hvd_peer_queue(peer, -1, end->link ? end->link->shm.fd :
					    hvd.ctl_shm.fd);
	if (other) {
		hvd_peer_queue_vectors(other, peer);
		hvd_peer_queue_vectors(peer, other);
		/* The other guest may look up the new peer id now. */
		hvd_end_ring(oend, 0);
		hvd_peer_flush(other);
	}
	hvd_peer_queue_vectors(peer, peer);
	hvd_peer_flush(peer);
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
