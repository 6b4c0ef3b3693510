// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The "pvio" generic netlink family: how the toolstack (pvioctl) creates,
 * lists and destroys this kernel's links and their vbds (vbd.c) and vifs
 * (vif.c), and watches them come, change and go.
 * The policies and the ops table are generated from the spec,
 * Documentation/netlink/specs/pvio.yaml, into netlink-gen.c; this file has
 * the handlers and the notifications. The policy checks each attribute's
 * type and length; the handlers check presence, link.c the values.
 */
#include <linux/capability.h>
#include <linux/dcache.h>
#include <linux/etherdevice.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/if_ether.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include "netlink-gen.h"
#include "pvio.h"
#include "pvio_hv.h"

/*
 * Links belong to this kernel, not to a network namespace: the family
 * exists in the init namespace only (no .netnsok).
 */
static struct genl_family pvio_nl_family __ro_after_init = {
	.name		= PVIO_GENL_NAME,
	.version	= PVIO_GENL_VERSION,
	.module		= THIS_MODULE,
	.parallel_ops	= true,
	.ops		= pvio_nl_ops,
	.n_ops		= ARRAY_SIZE(pvio_nl_ops),
	.mcgrps		= pvio_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(pvio_nl_mcgrps),
};

/* Payload of a message describing a link of provider @provider. */
static size_t pvio_nl_link_size(const char *provider)
{
	return nla_total_size(sizeof(u32)) +	/* id */
	       nla_total_size(strlen(provider) + 1) +
	       2 * nla_total_size(sizeof(u16)) + /* backend-id, frontend-id */
	       nla_total_size(sizeof(u32)) +	/* region-pages */
	       nla_total_size(sizeof(u32)) +	/* grant-entries */
	       nla_total_size(sizeof(u32)) +	/* generation */
	       2 * nla_total_size(sizeof(u32));	/* backend-, frontend-state */
}

/*
 * Put one message describing @link: the generation from its trusted
 * source, a local end's state from this kernel's record, a remote end's
 * as it published it (reported, not trusted for anything).
 */
static int pvio_nl_link_fill(struct sk_buff *skb, struct pvio_link *link,
			     u32 portid, u32 seq, int flags, u8 cmd)
{
	void *msg;

	msg = genlmsg_put(skb, portid, seq, &pvio_nl_family, flags, cmd);
	if (!msg)
		return -EMSGSIZE;
	if (nla_put_u32(skb, PVIO_A_LINK_ID, link->id) ||
	    nla_put_string(skb, PVIO_A_LINK_PROVIDER, link->provider->name) ||
	    nla_put_u16(skb, PVIO_A_LINK_BACKEND_ID, link->backend_id) ||
	    nla_put_u16(skb, PVIO_A_LINK_FRONTEND_ID, link->frontend_id) ||
	    nla_put_u32(skb, PVIO_A_LINK_REGION_PAGES, link->region_pages) ||
	    nla_put_u32(skb, PVIO_A_LINK_GRANT_ENTRIES, link->grant_entries) ||
	    nla_put_u32(skb, PVIO_A_LINK_GENERATION,
			pvio_link_generation(link)) ||
	    nla_put_u32(skb, PVIO_A_LINK_BACKEND_STATE,
			pvio_state_get(link, PVIO_BACKEND)) ||
	    nla_put_u32(skb, PVIO_A_LINK_FRONTEND_STATE,
			pvio_state_get(link, PVIO_FRONTEND))) {
		genlmsg_cancel(skb, msg);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, msg);
	return 0;
}

/* Reply to @info with @msg, sized for @link, describing it. */
static int pvio_nl_link_reply(struct sk_buff *msg, struct pvio_link *link,
			      struct genl_info *info)
{
	int ret;

	ret = pvio_nl_link_fill(msg, link, info->snd_portid, info->snd_seq,
				0, info->genlhdr->cmd);
	/* pvio_nl_link_size() is wrong if this fails. */
	if (WARN_ON_ONCE(ret)) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

void pvio_nl_link_notify(struct pvio_link *link, u8 cmd)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&pvio_nl_family, &init_net, PVIO_NLGRP_MONITOR))
		return;
	msg = genlmsg_new(pvio_nl_link_size(link->provider->name), GFP_KERNEL);
	if (msg && !pvio_nl_link_fill(msg, link, 0, 0, 0, cmd)) {
		genlmsg_multicast(&pvio_nl_family, msg, 0, PVIO_NLGRP_MONITOR,
				  GFP_KERNEL);
		return;
	}
	nlmsg_free(msg);
	/* The listeners' next read fails with ENOBUFS: they missed one. */
	genl_set_err(&pvio_nl_family, &init_net, 0, PVIO_NLGRP_MONITOR,
		     -ENOBUFS);
}

int pvio_nl_link_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct pvio_link_params params = {};
	struct pvio_link *link;
	struct sk_buff *msg;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, PVIO_A_LINK_PROVIDER)) {
		NL_SET_ERR_MSG(info->extack, "missing provider");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, PVIO_A_LINK_BACKEND_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing backend domain id");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, PVIO_A_LINK_FRONTEND_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing frontend domain id");
		return -EINVAL;
	}
	/* NLA_NUL_STRING: the policy made sure it is terminated. */
	params.provider = nla_data(attrs[PVIO_A_LINK_PROVIDER]);
	params.backend_id = nla_get_u16(attrs[PVIO_A_LINK_BACKEND_ID]);
	params.frontend_id = nla_get_u16(attrs[PVIO_A_LINK_FRONTEND_ID]);
	/* Absent means the default, which link.c spells 0. */
	if (attrs[PVIO_A_LINK_REGION_PAGES])
		params.region_pages = nla_get_u32(attrs[PVIO_A_LINK_REGION_PAGES]);
	if (attrs[PVIO_A_LINK_GRANT_ENTRIES])
		params.grant_entries =
			nla_get_u32(attrs[PVIO_A_LINK_GRANT_ENTRIES]);

	/*
	 * Allocated first, so that nothing fails for want of memory once
	 * the link exists.
	 */
	msg = genlmsg_new(pvio_nl_link_size(params.provider), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = pvio_link_create(&params, info->extack, &link);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	ret = pvio_nl_link_reply(msg, link, info);
	pvio_link_put(link);
	return ret;
}

int pvio_nl_link_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *id = info->attrs[PVIO_A_LINK_ID];
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, PVIO_A_LINK_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing link id");
		return -EINVAL;
	}
	ret = pvio_link_destroy(nla_get_u32(id), info->extack);
	if (ret == -ENOENT)
		NL_SET_BAD_ATTR(info->extack, id);
	return ret;
}

int pvio_nl_link_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *id = info->attrs[PVIO_A_LINK_ID];
	struct pvio_link *link;
	struct sk_buff *msg;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, PVIO_A_LINK_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing link id");
		return -EINVAL;
	}
	link = pvio_link_get(nla_get_u32(id));
	if (!link) {
		NL_SET_ERR_MSG_ATTR(info->extack, id, "no such link");
		return -ENOENT;
	}
	msg = genlmsg_new(pvio_nl_link_size(link->provider->name), GFP_KERNEL);
	if (msg)
		ret = pvio_nl_link_reply(msg, link, info);
	else
		ret = -ENOMEM;
	pvio_link_put(link);
	return ret;
}

/* cb->args[0]: the id to continue from. */
int pvio_nl_link_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	u32 id = cb->args[0];
	struct pvio_link *link;
	int ret = 0;

	while ((link = pvio_link_get_next(&id))) {
		ret = pvio_nl_link_fill(skb, link, NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq, NLM_F_MULTI,
					PVIO_CMD_LINK_GET);
		pvio_link_put(link);
		if (ret)
			break;
		id++;
	}
	cb->args[0] = id;
	/* A full skb ends this part of the dump; the next goes on. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

/* ---- what vbds and vifs share ---- */

/**
 * struct pvio_nl_dev - a device type as netlink handles it
 * @info_size: size of its info (struct pvio_vbd_info, pvio_vif_info)
 * @msg_size: payload of a message describing one
 * @get: fill an info for device @index of @link: 0, or -ENOENT
 * @fill: put one message describing an info
 * @link_attr: its link-id attribute
 * @index_attr: its index attribute
 * @index_max: highest index
 * @get_cmd: its get command, which dumps answer as
 * @missing_index: extack when @index_attr is required and absent
 * @no_such: extack when there is no device at that index
 */
struct pvio_nl_dev {
	size_t info_size;
	size_t (*msg_size)(void);
	int (*get)(struct pvio_link *link, u32 index, void *info);
	int (*fill)(struct sk_buff *skb, u32 link_id, const void *info,
		    u32 portid, u32 seq, int flags, u8 cmd);
	int link_attr;
	int index_attr;
	u32 index_max;
	u8 get_cmd;
	const char *missing_index;
	const char *no_such;
};

/* Not NL_SET_ERR_MSG(): it takes string literals only. */
static void pvio_nl_msg(struct genl_info *info, const char *msg)
{
	if (info->extack)
		info->extack->_msg = msg;
}

/* Tell the monitor group about a device, as @info describes it. */
static void pvio_nl_dev_notify(const struct pvio_nl_dev *t,
			       struct pvio_link *link, const void *info,
			       u8 cmd)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&pvio_nl_family, &init_net, PVIO_NLGRP_MONITOR))
		return;
	msg = genlmsg_new(t->msg_size(), GFP_KERNEL);
	if (msg && !t->fill(msg, link->id, info, 0, 0, 0, cmd)) {
		genlmsg_multicast(&pvio_nl_family, msg, 0, PVIO_NLGRP_MONITOR,
				  GFP_KERNEL);
		return;
	}
	nlmsg_free(msg);
	genl_set_err(&pvio_nl_family, &init_net, 0, PVIO_NLGRP_MONITOR,
		     -ENOBUFS);
}

/*
 * The link the request names, referenced; or ERR_PTR(-EINVAL) (no link
 * id) or ERR_PTR(-ENOENT) (no such link) with the reason set.
 */
static struct pvio_link *pvio_nl_dev_link(const struct pvio_nl_dev *t,
					  struct genl_info *info)
{
	struct nlattr *id = info->attrs[t->link_attr];
	struct pvio_link *link;

	if (GENL_REQ_ATTR_CHECK(info, t->link_attr)) {
		NL_SET_ERR_MSG(info->extack, "missing link id");
		return ERR_PTR(-EINVAL);
	}
	link = pvio_link_get(nla_get_u32(id));
	if (!link) {
		NL_SET_ERR_MSG_ATTR(info->extack, id, "unknown link");
		return ERR_PTR(-ENOENT);
	}
	return link;
}

/* Is the device index there (it is required)? */
static bool pvio_nl_dev_has_index(const struct pvio_nl_dev *t,
				  struct genl_info *info)
{
	if (!GENL_REQ_ATTR_CHECK(info, t->index_attr))
		return true;
	pvio_nl_msg(info, t->missing_index);
	return false;
}

/* Reply to @info with device @index of @link as it is now. */
static int pvio_nl_dev_reply(const struct pvio_nl_dev *t,
			     struct pvio_link *link, u32 index,
			     struct genl_info *info)
{
	struct sk_buff *msg;
	void *dev;
	int ret;

	dev = kmalloc(t->info_size, GFP_KERNEL);
	msg = genlmsg_new(t->msg_size(), GFP_KERNEL);
	if (!dev || !msg) {
		ret = -ENOMEM;
		goto err;
	}
	ret = t->get(link, index, dev);
	if (ret) {
		pvio_nl_msg(info, t->no_such);
		NL_SET_BAD_ATTR(info->extack, info->attrs[t->index_attr]);
		goto err;
	}
	ret = t->fill(msg, link->id, dev, info->snd_portid, info->snd_seq, 0,
		      info->genlhdr->cmd);
	kfree(dev);
	/* t->msg_size() is wrong if this fails. */
	if (WARN_ON_ONCE(ret)) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);

err:
	nlmsg_free(msg);
	kfree(dev);
	return ret;
}

static int pvio_nl_dev_get_doit(const struct pvio_nl_dev *t,
				struct genl_info *info)
{
	struct pvio_link *link;
	int ret;

	link = pvio_nl_dev_link(t, info);
	if (IS_ERR(link))
		return PTR_ERR(link);
	if (pvio_nl_dev_has_index(t, info))
		ret = pvio_nl_dev_reply(t, link,
					nla_get_u32(info->attrs[t->index_attr]),
					info);
	else
		ret = -EINVAL;
	pvio_link_put(link);
	return ret;
}

/* The devices of one link, from index *@index on, into a dump. */
static int pvio_nl_dev_dump_link(const struct pvio_nl_dev *t,
				 struct sk_buff *skb,
				 struct netlink_callback *cb,
				 struct pvio_link *link, u32 *index, void *dev)
{
	struct nlattr **attrs = pvio_compat_dump_attrs(cb);
	int ret;

	for (; *index <= t->index_max; (*index)++) {
		if (attrs[t->index_attr] &&
		    *index != nla_get_u32(attrs[t->index_attr]))
			continue;
		if (t->get(link, *index, dev))
			continue;
		ret = t->fill(skb, link->id, dev, NETLINK_CB(cb->skb).portid,
			      cb->nlh->nlmsg_seq, NLM_F_MULTI, t->get_cmd);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * cb->args[0]: the link id to continue from; cb->args[1]: the device
 * index. Request attributes link-id and index narrow the dump.
 */
static int pvio_nl_dev_dumpit(const struct pvio_nl_dev *t,
			      struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = pvio_compat_dump_attrs(cb);
	u32 id = cb->args[0], index = cb->args[1];
	struct pvio_link *link;
	int ret = 0;
	void *dev;

	if (attrs[t->link_attr]) {
		u32 only = nla_get_u32(attrs[t->link_attr]);

		/* Past it: the dump is over. */
		if (id > only)
			return 0;
		id = only;
	}
	dev = kmalloc(t->info_size, GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	while ((link = pvio_link_get_next(&id))) {
		if (attrs[t->link_attr] &&
		    id != nla_get_u32(attrs[t->link_attr])) {
			pvio_link_put(link);
			break;
		}
		ret = pvio_nl_dev_dump_link(t, skb, cb, link, &index, dev);
		pvio_link_put(link);
		if (ret)
			break;
		id++;
		index = 0;
	}
	kfree(dev);
	cb->args[0] = id;
	cb->args[1] = index;
	/* A full skb ends this part of the dump; the next goes on. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

/* ---- vbds ---- */

/* Payload of a nest of counters. */
static size_t pvio_nl_vbd_stats_size(void)
{
	return nla_total_size(0) + 9 * nla_total_size_64bit(sizeof(u64));
}

/* Payload of a message describing a vbd, path and counters included. */
static size_t pvio_nl_vbd_size(void)
{
	return 2 * nla_total_size(sizeof(u32)) +	/* link-id, index */
	       nla_total_size(PVIO_STORE_VALUE_MAX) +	/* path */
	       nla_total_size(0) +			/* readonly */
	       nla_total_size(sizeof(u32)) +		/* iops-limit */
	       nla_total_size_64bit(sizeof(u64)) +	/* bps-limit */
	       nla_total_size(sizeof(u32)) +		/* coalesce-usecs */
	       2 * nla_total_size(sizeof(u32)) +	/* states */
	       2 * pvio_nl_vbd_stats_size();
}

static int pvio_nl_vbd_put_stats(struct sk_buff *skb, int type,
				 const struct pvio_dev_stats *stats)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, PVIO_A_VBD_STATS_REQUESTS, stats->requests,
			      PVIO_A_VBD_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PVIO_A_VBD_STATS_SECTORS, stats->sectors,
			      PVIO_A_VBD_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PVIO_A_VBD_STATS_ERRORS, stats->errors,
			      PVIO_A_VBD_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PVIO_A_VBD_STATS_REPLAYS, stats->replays,
			      PVIO_A_VBD_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PVIO_A_VBD_STATS_IN_FLIGHT,
			      stats->in_flight, PVIO_A_VBD_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PVIO_A_VBD_STATS_GENERATION,
			      stats->generation, PVIO_A_VBD_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PVIO_A_VBD_STATS_RECONNECTS,
			      stats->reconnects, PVIO_A_VBD_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PVIO_A_VBD_STATS_LAST_DOWNTIME_MS,
			      stats->last_downtime_ms, PVIO_A_VBD_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PVIO_A_VBD_STATS_DOWN_MS,
			      stats->down_ms, PVIO_A_VBD_STATS_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Put one message describing vbd @info of link @link_id. */
static int pvio_nl_vbd_fill(struct sk_buff *skb, u32 link_id,
			    const void *p, u32 portid, u32 seq, int flags,
			    u8 cmd)
{
	const struct pvio_vbd_info *info = p;
	void *msg;

	msg = genlmsg_put(skb, portid, seq, &pvio_nl_family, flags, cmd);
	if (!msg)
		return -EMSGSIZE;
	if (nla_put_u32(skb, PVIO_A_VBD_LINK_ID, link_id) ||
	    nla_put_u32(skb, PVIO_A_VBD_INDEX, info->index) ||
	    nla_put_string(skb, PVIO_A_VBD_PATH, info->path) ||
	    (info->readonly && nla_put_flag(skb, PVIO_A_VBD_READONLY)) ||
	    nla_put_u32(skb, PVIO_A_VBD_IOPS_LIMIT, info->iops) ||
	    nla_put_u64_64bit(skb, PVIO_A_VBD_BPS_LIMIT, info->bps,
			      PVIO_A_VBD_PAD) ||
	    nla_put_u32(skb, PVIO_A_VBD_COALESCE_USECS, info->coalesce) ||
	    nla_put_u32(skb, PVIO_A_VBD_BACKEND_STATE,
			info->state[PVIO_BACKEND]) ||
	    nla_put_u32(skb, PVIO_A_VBD_FRONTEND_STATE,
			info->state[PVIO_FRONTEND]) ||
	    ((info->has_stats & BIT(PVIO_BACKEND)) &&
	     pvio_nl_vbd_put_stats(skb, PVIO_A_VBD_BACKEND_STATS,
				   &info->stats[PVIO_BACKEND])) ||
	    ((info->has_stats & BIT(PVIO_FRONTEND)) &&
	     pvio_nl_vbd_put_stats(skb, PVIO_A_VBD_FRONTEND_STATS,
				   &info->stats[PVIO_FRONTEND]))) {
		genlmsg_cancel(skb, msg);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, msg);
	return 0;
}

static int pvio_nl_vbd_get(struct pvio_link *link, u32 index, void *info)
{
	return pvio_vbd_get(link, index, info);
}

static const struct pvio_nl_dev pvio_nl_vbd = {
	.info_size	= sizeof(struct pvio_vbd_info),
	.msg_size	= pvio_nl_vbd_size,
	.get		= pvio_nl_vbd_get,
	.fill		= pvio_nl_vbd_fill,
	.link_attr	= PVIO_A_VBD_LINK_ID,
	.index_attr	= PVIO_A_VBD_INDEX,
	.index_max	= PVIO_VBD_INDEX_MAX,
	.get_cmd	= PVIO_CMD_VBD_GET,
	.missing_index	= "missing vbd index",
	.no_such	= "no such vbd",
};

void pvio_nl_vbd_notify(struct pvio_link *link,
			const struct pvio_vbd_info *info, u8 cmd)
{
	pvio_nl_dev_notify(&pvio_nl_vbd, link, info, cmd);
}

/*
 * vbd changes open block devices: CAP_SYS_ADMIN in the init user
 * namespace, of the socket's opener as of the caller.
 */
static bool pvio_nl_vbd_capable(struct sk_buff *skb, struct genl_info *info)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return true;
	NL_SET_ERR_MSG(info->extack, "vbd changes need CAP_SYS_ADMIN");
	return false;
}

/*
 * vbd-new's fd: the caller's open file, a block device or a regular file
 * open for the mode asked. Sets @params->file (a reference) and its path
 * for show in @buf.
 */
static int pvio_nl_vbd_fd(struct genl_info *info,
			  struct pvio_vbd_params *params, char *buf,
			  size_t len)
{
	struct nlattr *attr = info->attrs[PVIO_A_VBD_FD];
	struct file *file;
	umode_t mode;
	char *path;

	file = fget(nla_get_u32(attr));
	if (!file) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "no such file descriptor");
		return -EBADF;
	}
	mode = file_inode(file)->i_mode;
	if (!S_ISBLK(mode) && !S_ISREG(mode)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "fd is not a block device or regular file");
		fput(file);
		return -EINVAL;
	}
	if (!(file->f_mode & FMODE_READ) ||
	    (!params->readonly && !(file->f_mode & FMODE_WRITE))) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "fd not open for reading, or for writing without readonly");
		fput(file);
		return -EACCES;
	}
	path = d_path(&file->f_path, buf, len);
	params->path = IS_ERR(path) ? "(fd)" : path;
	params->file = file;
	return 0;
}

/* vbd-new's backing: a path, or an fd. */
static int pvio_nl_vbd_backing(struct genl_info *info,
			       struct pvio_vbd_params *params, char *buf,
			       size_t len)
{
	struct nlattr *path = info->attrs[PVIO_A_VBD_PATH];

	if (path && info->attrs[PVIO_A_VBD_FD]) {
		NL_SET_ERR_MSG_ATTR(info->extack, path,
				    "give a backing path or an fd, not both");
		return -EINVAL;
	}
	if (info->attrs[PVIO_A_VBD_FD])
		return pvio_nl_vbd_fd(info, params, buf, len);
	if (GENL_REQ_ATTR_CHECK(info, PVIO_A_VBD_PATH)) {
		NL_SET_ERR_MSG(info->extack, "vbd needs a backing path or fd");
		return -EINVAL;
	}
	/* NLA_NUL_STRING: the policy made sure it is terminated. */
	params->path = nla_data(path);
	if (!params->path[0]) {
		NL_SET_ERR_MSG_ATTR(info->extack, path,
				    "vbd needs a backing path or fd");
		return -EINVAL;
	}
	return 0;
}

int pvio_nl_vbd_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct pvio_vbd_params params = {
		.index = PVIO_VBD_ANY_INDEX,
	};
	char path[PVIO_VBD_PATH_MAX_LEN + 1];
	struct pvio_link *link;
	int ret;

	if (!pvio_nl_vbd_capable(skb, info))
		return -EPERM;
	link = pvio_nl_dev_link(&pvio_nl_vbd, info);
	if (IS_ERR(link))
		return PTR_ERR(link);
	params.readonly = nla_get_flag(attrs[PVIO_A_VBD_READONLY]);
	ret = pvio_nl_vbd_backing(info, &params, path, sizeof(path));
	if (ret)
		goto out;
	if (attrs[PVIO_A_VBD_INDEX])
		params.index = nla_get_u32(attrs[PVIO_A_VBD_INDEX]);
	if (attrs[PVIO_A_VBD_IOPS_LIMIT])
		params.iops = nla_get_u32(attrs[PVIO_A_VBD_IOPS_LIMIT]);
	if (attrs[PVIO_A_VBD_BPS_LIMIT])
		params.bps = nla_get_u64(attrs[PVIO_A_VBD_BPS_LIMIT]);
	if (attrs[PVIO_A_VBD_COALESCE_USECS])
		params.coalesce = nla_get_u32(attrs[PVIO_A_VBD_COALESCE_USECS]);

	ret = pvio_vbd_new(link, &params, info->extack);
	if (ret == -EEXIST)
		NL_SET_BAD_ATTR(info->extack, attrs[PVIO_A_VBD_INDEX]);
	/*
	 * The reply is built after the vbd exists: a failure to send it
	 * does not undo the vbd, which vbd-get and the monitor show.
	 */
	if (!ret)
		ret = pvio_nl_dev_reply(&pvio_nl_vbd, link, params.index, info);
	if (params.file)
		fput(params.file);
out:
	pvio_link_put(link);
	return ret;
}

int pvio_nl_vbd_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pvio_link *link;
	int ret;

	if (!pvio_nl_vbd_capable(skb, info))
		return -EPERM;
	link = pvio_nl_dev_link(&pvio_nl_vbd, info);
	if (IS_ERR(link))
		return PTR_ERR(link);
	if (pvio_nl_dev_has_index(&pvio_nl_vbd, info)) {
		ret = pvio_vbd_del(link,
				   nla_get_u32(info->attrs[PVIO_A_VBD_INDEX]),
				   info->extack);
		if (ret == -ENOENT)
			NL_SET_BAD_ATTR(info->extack,
					info->attrs[PVIO_A_VBD_INDEX]);
	} else {
		ret = -EINVAL;
	}
	pvio_link_put(link);
	return ret;
}

int pvio_nl_vbd_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct pvio_vbd_params params = {};
	struct pvio_link *link;
	int ret;

	if (!pvio_nl_vbd_capable(skb, info))
		return -EPERM;
	link = pvio_nl_dev_link(&pvio_nl_vbd, info);
	if (IS_ERR(link))
		return PTR_ERR(link);
	if (!pvio_nl_dev_has_index(&pvio_nl_vbd, info)) {
		ret = -EINVAL;
		goto out;
	}
	params.index = nla_get_u32(attrs[PVIO_A_VBD_INDEX]);
	if (attrs[PVIO_A_VBD_IOPS_LIMIT]) {
		params.iops = nla_get_u32(attrs[PVIO_A_VBD_IOPS_LIMIT]);
		params.set_iops = true;
	}
	if (attrs[PVIO_A_VBD_BPS_LIMIT]) {
		params.bps = nla_get_u64(attrs[PVIO_A_VBD_BPS_LIMIT]);
		params.set_bps = true;
	}
	if (attrs[PVIO_A_VBD_COALESCE_USECS]) {
		params.coalesce = nla_get_u32(attrs[PVIO_A_VBD_COALESCE_USECS]);
		params.set_coalesce = true;
	}
	params.reread = nla_get_flag(attrs[PVIO_A_VBD_REREAD]);
	if (!params.set_iops && !params.set_bps && !params.set_coalesce &&
	    !params.reread) {
		NL_SET_ERR_MSG(info->extack, "nothing to change");
		ret = -EINVAL;
		goto out;
	}
	ret = pvio_vbd_set(link, &params, info->extack);
	if (ret == -ENOENT)
		NL_SET_BAD_ATTR(info->extack, attrs[PVIO_A_VBD_INDEX]);
out:
	pvio_link_put(link);
	return ret;
}

int pvio_nl_vbd_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return pvio_nl_dev_get_doit(&pvio_nl_vbd, info);
}

int pvio_nl_vbd_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return pvio_nl_dev_dumpit(&pvio_nl_vbd, skb, cb);
}

/* ---- vifs ---- */

/* Payload of a nest of vif counters. */
static size_t pvio_nl_vif_stats_size(void)
{
	return nla_total_size(0) + 8 * nla_total_size_64bit(sizeof(u64));
}

/* Payload of a message describing a vif, counters included. */
static size_t pvio_nl_vif_size(void)
{
	return 2 * nla_total_size(sizeof(u32)) +	/* link-id, index */
	       nla_total_size(ETH_ALEN) +		/* mac */
	       nla_total_size(sizeof(u32)) +		/* queues */
	       nla_total_size_64bit(sizeof(u64)) +	/* rate */
	       nla_total_size(sizeof(u32)) +		/* burst */
	       2 * nla_total_size(sizeof(u32)) +	/* states */
	       2 * pvio_nl_vif_stats_size();
}

static int pvio_nl_vif_put_stats(struct sk_buff *skb, int type,
				 const struct pvio_dev_stats *stats)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, PVIO_A_VIF_STATS_PACKETS, stats->requests,
			      PVIO_A_VIF_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PVIO_A_VIF_STATS_BYTES, stats->sectors,
			      PVIO_A_VIF_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PVIO_A_VIF_STATS_ERRORS, stats->errors,
			      PVIO_A_VIF_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PVIO_A_VIF_STATS_QUEUED, stats->in_flight,
			      PVIO_A_VIF_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PVIO_A_VIF_STATS_GENERATION,
			      stats->generation, PVIO_A_VIF_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PVIO_A_VIF_STATS_RECONNECTS,
			      stats->reconnects, PVIO_A_VIF_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PVIO_A_VIF_STATS_LAST_DOWNTIME_MS,
			      stats->last_downtime_ms, PVIO_A_VIF_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PVIO_A_VIF_STATS_DOWN_MS,
			      stats->down_ms, PVIO_A_VIF_STATS_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Put one message describing vif @info of link @link_id. */
static int pvio_nl_vif_fill(struct sk_buff *skb, u32 link_id,
			    const void *p, u32 portid, u32 seq, int flags,
			    u8 cmd)
{
	const struct pvio_vif_info *info = p;
	void *msg;

	msg = genlmsg_put(skb, portid, seq, &pvio_nl_family, flags, cmd);
	if (!msg)
		return -EMSGSIZE;
	if (nla_put_u32(skb, PVIO_A_VIF_LINK_ID, link_id) ||
	    nla_put_u32(skb, PVIO_A_VIF_INDEX, info->index) ||
	    nla_put(skb, PVIO_A_VIF_MAC, ETH_ALEN, info->mac) ||
	    nla_put_u32(skb, PVIO_A_VIF_QUEUES, info->queues) ||
	    nla_put_u64_64bit(skb, PVIO_A_VIF_RATE, info->rate,
			      PVIO_A_VIF_PAD) ||
	    nla_put_u32(skb, PVIO_A_VIF_BURST, info->burst) ||
	    nla_put_u32(skb, PVIO_A_VIF_BACKEND_STATE,
			info->state[PVIO_BACKEND]) ||
	    nla_put_u32(skb, PVIO_A_VIF_FRONTEND_STATE,
			info->state[PVIO_FRONTEND]) ||
	    ((info->has_stats & BIT(PVIO_BACKEND)) &&
	     pvio_nl_vif_put_stats(skb, PVIO_A_VIF_BACKEND_STATS,
				   &info->stats[PVIO_BACKEND])) ||
	    ((info->has_stats & BIT(PVIO_FRONTEND)) &&
	     pvio_nl_vif_put_stats(skb, PVIO_A_VIF_FRONTEND_STATS,
				   &info->stats[PVIO_FRONTEND]))) {
		genlmsg_cancel(skb, msg);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, msg);
	return 0;
}

static int pvio_nl_vif_get(struct pvio_link *link, u32 index, void *info)
{
	return pvio_vif_get(link, index, info);
}

static const struct pvio_nl_dev pvio_nl_vif = {
	.info_size	= sizeof(struct pvio_vif_info),
	.msg_size	= pvio_nl_vif_size,
	.get		= pvio_nl_vif_get,
	.fill		= pvio_nl_vif_fill,
	.link_attr	= PVIO_A_VIF_LINK_ID,
	.index_attr	= PVIO_A_VIF_INDEX,
	.index_max	= PVIO_VIF_INDEX_MAX,
	.get_cmd	= PVIO_CMD_VIF_GET,
	.missing_index	= "missing vif index",
	.no_such	= "no such vif",
};

void pvio_nl_vif_notify(struct pvio_link *link,
			const struct pvio_vif_info *info, u8 cmd)
{
	pvio_nl_dev_notify(&pvio_nl_vif, link, info, cmd);
}

/* rate and burst, where the request gives them: 0, or -EINVAL. */
static int pvio_nl_vif_rate(struct genl_info *info,
			    struct pvio_vif_params *params)
{
	struct nlattr **attrs = info->attrs;

	if (attrs[PVIO_A_VIF_RATE]) {
		params->rate = nla_get_u64(attrs[PVIO_A_VIF_RATE]);
		params->set_rate = true;
		/* The backend's bucket counts in u32. */
		if (params->rate > PVIO_VIF_RATE_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[PVIO_A_VIF_RATE],
					    "rate above 4294967295 bytes/s");
			return -EINVAL;
		}
	}
	if (attrs[PVIO_A_VIF_BURST]) {
		params->burst = nla_get_u32(attrs[PVIO_A_VIF_BURST]);
		params->set_burst = true;
	}
	return 0;
}

/* vif changes need CAP_NET_ADMIN: GENL_ADMIN_PERM, from the spec. */
int pvio_nl_vif_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct pvio_vif_params params = {
		.index = PVIO_VIF_ANY_INDEX,
	};
	struct pvio_link *link;
	int ret;

	link = pvio_nl_dev_link(&pvio_nl_vif, info);
	if (IS_ERR(link))
		return PTR_ERR(link);
	if (attrs[PVIO_A_VIF_INDEX])
		params.index = nla_get_u32(attrs[PVIO_A_VIF_INDEX]);
	if (attrs[PVIO_A_VIF_MAC]) {
		/* NLA_POLICY_EXACT_LEN: the policy checked its size. */
		memcpy(params.mac, nla_data(attrs[PVIO_A_VIF_MAC]),
		       sizeof(params.mac));
		params.has_mac = true;
	}
	if (attrs[PVIO_A_VIF_QUEUES])
		params.queues = nla_get_u32(attrs[PVIO_A_VIF_QUEUES]);
	ret = pvio_nl_vif_rate(info, &params);
	if (ret)
		goto out;

	ret = pvio_vif_new(link, &params, info->extack);
	if (ret == -EINVAL)
		NL_SET_BAD_ATTR(info->extack,
				attrs[is_valid_ether_addr(params.mac) ?
				      PVIO_A_VIF_BURST : PVIO_A_VIF_MAC]);
	if (!ret)
		ret = pvio_nl_dev_reply(&pvio_nl_vif, link, params.index, info);
out:
	pvio_link_put(link);
	return ret;
}

int pvio_nl_vif_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pvio_link *link;
	int ret;

	link = pvio_nl_dev_link(&pvio_nl_vif, info);
	if (IS_ERR(link))
		return PTR_ERR(link);
	if (pvio_nl_dev_has_index(&pvio_nl_vif, info)) {
		ret = pvio_vif_del(link,
				   nla_get_u32(info->attrs[PVIO_A_VIF_INDEX]),
				   info->extack);
		if (ret == -ENOENT)
			NL_SET_BAD_ATTR(info->extack,
					info->attrs[PVIO_A_VIF_INDEX]);
	} else {
		ret = -EINVAL;
	}
	pvio_link_put(link);
	return ret;
}

int pvio_nl_vif_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pvio_vif_params params = {};
	struct pvio_link *link;
	int ret;

	link = pvio_nl_dev_link(&pvio_nl_vif, info);
	if (IS_ERR(link))
		return PTR_ERR(link);
	if (!pvio_nl_dev_has_index(&pvio_nl_vif, info)) {
		ret = -EINVAL;
		goto out;
	}
	params.index = nla_get_u32(info->attrs[PVIO_A_VIF_INDEX]);
	ret = pvio_nl_vif_rate(info, &params);
	if (ret)
		goto out;
	if (!params.set_rate && !params.set_burst) {
		NL_SET_ERR_MSG(info->extack, "nothing to change");
		ret = -EINVAL;
		goto out;
	}
	ret = pvio_vif_set(link, &params, info->extack);
	if (ret == -ENOENT)
		NL_SET_BAD_ATTR(info->extack, info->attrs[PVIO_A_VIF_INDEX]);
	else if (ret == -EINVAL)
		NL_SET_BAD_ATTR(info->extack, info->attrs[PVIO_A_VIF_BURST]);
out:
	pvio_link_put(link);
	return ret;
}

int pvio_nl_vif_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return pvio_nl_dev_get_doit(&pvio_nl_vif, info);
}

int pvio_nl_vif_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return pvio_nl_dev_dumpit(&pvio_nl_vif, skb, cb);
}

int __init pvio_nl_init(void)
{
	return genl_register_family(&pvio_nl_family);
}

void pvio_nl_exit(void)
{
	genl_unregister_family(&pvio_nl_family);
}
