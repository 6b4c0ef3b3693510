/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/pvio.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_PVIO_GEN_H
#define _LINUX_PVIO_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <pvio_genl.h>
#include <link.h>

extern const struct nla_policy pvio_link_new_nl_policy[PVIO_A_LINK_GRANT_ENTRIES + 1];

extern const struct nla_policy pvio_link_del_nl_policy[PVIO_A_LINK_ID + 1];

extern const struct nla_policy pvio_link_get_nl_policy[PVIO_A_LINK_ID + 1];

extern const struct nla_policy pvio_vbd_new_nl_policy[PVIO_A_VBD_COALESCE_USECS + 1];

extern const struct nla_policy pvio_vbd_del_nl_policy[PVIO_A_VBD_INDEX + 1];

extern const struct nla_policy pvio_vbd_get_nl_policy[PVIO_A_VBD_INDEX + 1];

extern const struct nla_policy pvio_vbd_set_nl_policy[PVIO_A_VBD_COALESCE_USECS + 1];

extern const struct nla_policy pvio_vif_new_nl_policy[PVIO_A_VIF_BURST + 1];

extern const struct nla_policy pvio_vif_del_nl_policy[PVIO_A_VIF_INDEX + 1];

extern const struct nla_policy pvio_vif_get_nl_policy[PVIO_A_VIF_INDEX + 1];

extern const struct nla_policy pvio_vif_set_nl_policy[PVIO_A_VIF_BURST + 1];

/* Ops table for pvio */
extern const struct genl_ops pvio_nl_ops[11];

int pvio_nl_link_new_doit(struct sk_buff *skb, struct genl_info *info);
int pvio_nl_link_del_doit(struct sk_buff *skb, struct genl_info *info);
int pvio_nl_link_get_doit(struct sk_buff *skb, struct genl_info *info);
int pvio_nl_link_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int pvio_nl_vbd_new_doit(struct sk_buff *skb, struct genl_info *info);
int pvio_nl_vbd_del_doit(struct sk_buff *skb, struct genl_info *info);
int pvio_nl_vbd_get_doit(struct sk_buff *skb, struct genl_info *info);
int pvio_nl_vbd_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int pvio_nl_vbd_set_doit(struct sk_buff *skb, struct genl_info *info);
int pvio_nl_vif_new_doit(struct sk_buff *skb, struct genl_info *info);
int pvio_nl_vif_del_doit(struct sk_buff *skb, struct genl_info *info);
int pvio_nl_vif_get_doit(struct sk_buff *skb, struct genl_info *info);
int pvio_nl_vif_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int pvio_nl_vif_set_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	PVIO_NLGRP_MONITOR,
};

extern const struct genl_multicast_group pvio_nl_mcgrps[1];

#endif /* _LINUX_PVIO_GEN_H */
