// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * Generic netlink plumbing for pvioctl (and the selftests' raw client):
 * family lookup through nlctrl, request/reply with extended acks.
 * Everything the kernel sends is validated before use.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sys/socket.h>
#include <linux/netlink.h>

#include "genl.h"
#include "pvio_genl.h"

struct pvio_genl_talk {
	struct pvio_genl *g;
	const struct nlmsghdr *req;
	mnl_cb_t cb;
	void *data;
};

/* The type of the attribute at offset @off of our request, or -1. */
static int pvio_genl_attr_at(const struct nlmsghdr *req, uint32_t off)
{
	const struct nlattr *attr;

	if (off < NLMSG_HDRLEN + GENL_HDRLEN ||
	    off > req->nlmsg_len - sizeof(*attr))
		return -1;
	attr = (const struct nlattr *)((const char *)req + off);
	return attr->nla_type & NLA_TYPE_MASK;
}

/* Read the extended ack TLVs, from @offset of @nlh's payload. */
static void pvio_genl_extack(struct pvio_genl_talk *t,
			     const struct nlmsghdr *nlh, size_t offset)
{
	struct pvio_genl *g = t->g;
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    offset > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(attr, nlh, offset) {
		switch (mnl_attr_get_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
				snprintf(g->errmsg, sizeof(g->errmsg), "%s",
					 mnl_attr_get_str(attr));
			break;
		case NLMSGERR_ATTR_OFFS:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
				g->bad_attr = pvio_genl_attr_at(t->req,
						mnl_attr_get_u32(attr));
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
				g->miss_attr = mnl_attr_get_u32(attr);
			break;
		}
	}
}

static int pvio_genl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t offset = sizeof(*err);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;		/* the ack */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (err->msg.nlmsg_len < NLMSG_HDRLEN) {
			errno = EBADMSG;
			return MNL_CB_ERROR;
		}
		offset += err->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	pvio_genl_extack(data, nlh, offset);
	errno = err->error < 0 ? -err->error : EPROTO;
	return MNL_CB_ERROR;
}

/* The end of a dump; it carries the dump's error, if any. */
static int pvio_genl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(err))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (!err)
		return MNL_CB_STOP;
	pvio_genl_extack(data, nlh, sizeof(err));
	errno = err < 0 ? -err : EPROTO;
	return MNL_CB_ERROR;
}

static int pvio_genl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct pvio_genl_talk *t = data;

	if (nlh->nlmsg_type != t->g->family ||
	    mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

/* Not const: mnl_cb_run2() takes a plain pointer. */
static mnl_cb_t pvio_genl_ctl_cb[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = pvio_genl_error_cb,
	[NLMSG_DONE] = pvio_genl_done_cb,
};

int pvio_genl_talk(struct pvio_genl *g, struct nlmsghdr *nlh, mnl_cb_t cb,
		   void *data)
{
	struct pvio_genl_talk t = { g, nlh, cb, data };
	static char buf[PVIO_GENL_BUFSIZE];
	ssize_t n;
	int ret;

	g->errmsg[0] = '\0';
	g->bad_attr = -1;
	g->miss_attr = -1;
	if (mnl_socket_sendto(g->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(g->nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		errno = 0;
		ret = mnl_cb_run2(buf, n, nlh->nlmsg_seq, g->portid,
				  pvio_genl_data_cb, &t, pvio_genl_ctl_cb,
				  NLMSG_MIN_TYPE);
		if (ret < 0)
			return errno ? -errno : -EPROTO;
	} while (ret != MNL_CB_STOP);
	return 0;
}

struct nlmsghdr *pvio_genl_msg(struct pvio_genl *g, void *buf, uint8_t cmd,
			       uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = g->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++g->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = PVIO_GENL_VERSION;
	return nlh;
}

static int pvio_genl_group_cb(const struct nlattr *grp, struct pvio_genl *g)
{
	const struct nlattr *attr;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(attr, grp) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				return MNL_CB_ERROR;
			name = mnl_attr_get_str(attr);
			break;
		case CTRL_ATTR_MCAST_GRP_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return MNL_CB_ERROR;
			id = mnl_attr_get_u32(attr);
			break;
		}
	}
	if (name && !strcmp(name, PVIO_MCGRP_MONITOR))
		g->monitor_group = id;
	return MNL_CB_OK;
}

static int pvio_genl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct pvio_genl *g = data;
	const struct nlattr *attr, *grp;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
				goto bad;
			g->family = mnl_attr_get_u16(attr);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, attr)
				if (pvio_genl_group_cb(grp, g) != MNL_CB_OK)
					goto bad;
			break;
		}
	}
	return MNL_CB_OK;
bad:
	errno = EBADMSG;
	return MNL_CB_ERROR;
}

int pvio_genl_open(struct pvio_genl *g)
{
	static char buf[PVIO_GENL_BUFSIZE];
	struct nlmsghdr *nlh;
	int one = 1, ret;

	memset(g, 0, sizeof(*g));
	g->seq = time(NULL);
	g->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!g->nl)
		goto err;
	if (mnl_socket_bind(g->nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(g->nl, NETLINK_EXT_ACK, &one,
				  sizeof(one)) < 0 ||
	    mnl_socket_setsockopt(g->nl, NETLINK_CAP_ACK, &one,
				  sizeof(one)) < 0)
		goto err_close;
	g->portid = mnl_socket_get_portid(g->nl);

	g->family = GENL_ID_CTRL;
	nlh = pvio_genl_msg(g, buf, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, PVIO_GENL_NAME);
	ret = pvio_genl_talk(g, nlh, pvio_genl_family_cb, g);
	if (!ret && g->family == GENL_ID_CTRL)
		ret = -EBADMSG;
	if (ret) {
		if (ret == -ENOENT)
			snprintf(g->errmsg, sizeof(g->errmsg),
				 "no %s netlink family (is pvio_hv loaded?)",
				 PVIO_GENL_NAME);
		mnl_socket_close(g->nl);
		return ret;
	}
	return 0;

err_close:
	ret = -errno;
	mnl_socket_close(g->nl);
	return ret;
err:
	return -errno;
}

void pvio_genl_close(struct pvio_genl *g)
{
	mnl_socket_close(g->nl);
}

int pvio_genl_monitor(struct pvio_genl *g)
{
	/* Room for bursts, as iproute2's monitors ask (the kernel caps it). */
	int rcvbuf = 1 << 20;

	if (!g->monitor_group) {
		snprintf(g->errmsg, sizeof(g->errmsg),
			 "the kernel has no %s group", PVIO_MCGRP_MONITOR);
		return -ENOENT;
	}
	if (setsockopt(mnl_socket_get_fd(g->nl), SOL_SOCKET, SO_RCVBUF,
		       &rcvbuf, sizeof(rcvbuf)) < 0 ||
	    mnl_socket_setsockopt(g->nl, NETLINK_ADD_MEMBERSHIP,
				  &g->monitor_group,
				  sizeof(g->monitor_group)) < 0)
		return -errno;
	return 0;
}
