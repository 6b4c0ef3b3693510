/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio-hvd: the host side of the ivshmem provider. It serves QEMU's
 * ivshmem-doorbell protocol on one UNIX socket per link end, owns every
 * link's region (a sealed memfd) and header, and keeps the control region
 * the driver domain maps. One thread, one epoll loop.
 */
#ifndef _PVIO_HVD_H
#define _PVIO_HVD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>
#include <syslog.h>

#include "link.h"
#include "hvd_control.h"

#define HVD_MAX_LINKS		PVIO_HVD_CTL_RECORDS
#define HVD_MAX_VECTORS		256	/* QEMU's doorbell: vector = value & 0xff */
#define HVD_DEFAULT_VECTORS	9
/* QEMU 7.2 refuses a peer id above IVSHMEM_MAX_PEERS (UINT16_MAX). */
#define HVD_MAX_PEER_ID		65535
#define HVD_MAX_CLIENTS		16
#define HVD_MAX_LINE		4096
#define HVD_MAX_OUTPUT		(8u << 20)
#define HVD_DEFAULT_IDLE	60	/* seconds */

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* Something the epoll loop watches; data.ptr of its event points here. */
struct hvd_watch {
	int fd;
	void (*handle)(struct hvd_watch *w, uint32_t events);
};

/* A sealed, mapped memfd. */
struct hvd_shm {
	int fd;
	void *map;
	size_t size;
};

/* A protocol message waiting to be sent; @fd is ours to close. */
struct hvd_msg {
	int64_t value;
	int fd;
};

/* A connected QEMU: an ivshmem peer. */
struct hvd_peer {
	struct hvd_watch w;		/* the connection */
	struct hvd_end *end;		/* whose peer it is */
	uint32_t id;			/* never reused */
	bool broken;			/* shut down; its EOF will end it */
	unsigned int nr_vectors;
	int evfd[HVD_MAX_VECTORS];	/* its interrupts; we keep a copy */
	struct hvd_msg *q;		/* not yet sent: q[qhead..qlen) */
	unsigned int qhead, qlen, qcap;
};

/*
 * A listening socket whose connections are one kind of peer: one end of a
 * link (@link set, @role) or the driver domain's control device.
 */
struct hvd_end {
	struct hvd_watch w;		/* the listening socket */
	struct hvd_link *link;		/* NULL: the control region's */
	enum pvio_role role;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct hvd_peer *peer;		/* the one live client, or NULL */
};

struct hvd_link {
	uint32_t id;
	uint32_t serial;
	uint16_t dom[2];		/* domain ids, by role */
	uint32_t pages;
	uint32_t grants;
	unsigned int vectors;
	uint32_t generation;
	struct hvd_shm shm;
	struct hvd_end end[2];		/* by role */
	/* The toolstack keys: the truth; both copies are written from it. */
	struct pvio_store_entry keys[PVIO_STORE_ENTRIES];
	unsigned int nr_keys;
	uint32_t store_seq;		/* never read back from the region */
};

struct hvd {
	const char *dir;
	int epfd;
	bool use_syslog;
	bool verbose;
	bool quit;
	unsigned int idle;		/* seconds a control client may idle */
	unsigned int ctl_vectors;
	uint32_t next_peer_id;
	uint32_t next_serial;
	struct hvd_link *links[HVD_MAX_LINKS];
	struct hvd_shm ctl_shm;
	uint32_t ctl_seq;
	uint32_t ctl_generation;
	struct hvd_end ctl_end;
};

extern struct hvd hvd;

/* hvd.c */
void hvd_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int hvd_watch_add(struct hvd_watch *w, uint32_t events);
/* Set w->fd to @fd and watch it; on failure w->fd stays -1. */
int hvd_watch_add_fd(struct hvd_watch *w, int fd, uint32_t events);
void hvd_watch_del(struct hvd_watch *w);
/* accept4() a connection, non-blocking; -1 if none. */
int hvd_accept(int lfd);
/* Bind and listen on @path (a stale socket removed first), mode 0600. */
int hvd_listen(const char *path);

/* hvd_shm.c */
int hvd_shm_create(struct hvd_shm *shm, const char *name, size_t size);
void hvd_shm_destroy(struct hvd_shm *shm);
void hvd_write_barrier(void);

/* hvd_link.c */
int hvd_link_add(uint32_t id, uint16_t backend, uint16_t frontend,
		 size_t size, uint32_t grants, unsigned int vectors,
		 const char **err);
void hvd_link_del(struct hvd_link *link);
struct hvd_link *hvd_link_get(uint32_t id);
/* A peer of @end came (@peer_id) or went (0): update the header. */
void hvd_link_peer_changed(struct hvd_end *end, uint32_t peer_id);

/* The header at the start of @link's region, which hvd laid out. */
static inline struct pvio_link_header *
hvd_link_header(const struct hvd_link *link)
{
	return link->shm.map;
}
int hvd_link_key_set(struct hvd_link *link, const char *key,
		     const char *value, const char **err);
int hvd_link_key_del(struct hvd_link *link, const char *key,
		     const char **err);
void hvd_links_destroy(void);

/* hvd_table.c */
int hvd_table_init(void);
void hvd_table_exit(void);
/* Rewrite @link's record (NULL @link: clear record @id), ring the driver. */
void hvd_table_update(uint32_t id, const struct hvd_link *link);

/* hvd_peer.c */
void hvd_end_init(struct hvd_end *end, struct hvd_link *link,
		  enum pvio_role role);
int hvd_end_listen(struct hvd_end *end, const char *name);
/* Close the socket and drop the peer, telling nobody (link deletion). */
void hvd_end_close(struct hvd_end *end);
/* Interrupt vector @vector of @end's peer, if any. */
void hvd_end_ring(struct hvd_end *end, unsigned int vector);

/* hvd_ctl.c */
int hvd_ctl_init(const char *path);
void hvd_ctl_exit(void);
/* Close control clients idle for longer than hvd.idle. */
void hvd_ctl_expire(void);

#endif /* _PVIO_HVD_H */
