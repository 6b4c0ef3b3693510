/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The pvio authors. */
/*
 * A small generic netlink client for the "pvio" family over libmnl: find
 * the family, send a request, collect the replies and the kernel's
 * extended ack (its error message, the attribute it blames or misses).
 */
#ifndef _PVIO_USER_GENL_H
#define _PVIO_USER_GENL_H

#include <stdint.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

/* Big enough for any message the kernel puts in one dump skb. */
#define PVIO_GENL_BUFSIZE	32768

struct pvio_genl {
	struct mnl_socket *nl;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;
	uint32_t monitor_group;		/* 0 if the kernel has none */
	/* From the last failed request (empty / -1 if the kernel said none): */
	char errmsg[256];		/* the extack message */
	int bad_attr;			/* type of the attribute blamed */
	int miss_attr;			/* type of a missing attribute */
};

/*
 * Open a socket and resolve the family. Returns 0, or -errno with a
 * message in g->errmsg (ENOENT: the family is not registered).
 */
int pvio_genl_open(struct pvio_genl *g);
void pvio_genl_close(struct pvio_genl *g);

/* Start a request for command @cmd in @buf (PVIO_GENL_BUFSIZE bytes). */
struct nlmsghdr *pvio_genl_msg(struct pvio_genl *g, void *buf, uint8_t cmd,
			       uint16_t flags);

/*
 * Send @nlh and run @cb on every reply until the kernel's ack or the end
 * of the dump. Returns 0, or -errno (g->errmsg etc. describe the error).
 */
int pvio_genl_talk(struct pvio_genl *g, struct nlmsghdr *nlh, mnl_cb_t cb,
		   void *data);

/* Join the family's "monitor" multicast group. 0 or -errno. */
int pvio_genl_monitor(struct pvio_genl *g);

#endif /* _PVIO_USER_GENL_H */
