// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/pvio.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink-gen.h"

#include <pvio_genl.h>
#include <link.h>

/* PVIO_CMD_LINK_NEW - do */
const struct nla_policy pvio_link_new_nl_policy[PVIO_A_LINK_GRANT_ENTRIES + 1] = {
	[PVIO_A_LINK_PROVIDER] = { .type = NLA_NUL_STRING, .len = PVIO_PROVIDER_NAME_MAX_LEN, },
	[PVIO_A_LINK_BACKEND_ID] = { .type = NLA_U16, },
	[PVIO_A_LINK_FRONTEND_ID] = { .type = NLA_U16, },
	[PVIO_A_LINK_REGION_PAGES] = NLA_POLICY_MIN(NLA_U32, 1),
	[PVIO_A_LINK_GRANT_ENTRIES] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* PVIO_CMD_LINK_DEL - do */
const struct nla_policy pvio_link_del_nl_policy[PVIO_A_LINK_ID + 1] = {
	[PVIO_A_LINK_ID] = { .type = NLA_U32, },
};

/* PVIO_CMD_LINK_GET - do */
const struct nla_policy pvio_link_get_nl_policy[PVIO_A_LINK_ID + 1] = {
	[PVIO_A_LINK_ID] = { .type = NLA_U32, },
};

/* PVIO_CMD_VBD_NEW - do */
const struct nla_policy pvio_vbd_new_nl_policy[PVIO_A_VBD_COALESCE_USECS + 1] = {
	[PVIO_A_VBD_LINK_ID] = { .type = NLA_U32, },
	[PVIO_A_VBD_INDEX] = NLA_POLICY_MAX(NLA_U32, PVIO_VBD_INDEX_MAX),
	[PVIO_A_VBD_PATH] = { .type = NLA_NUL_STRING, .len = PVIO_VBD_PATH_MAX_LEN, },
	[PVIO_A_VBD_FD] = { .type = NLA_U32, },
	[PVIO_A_VBD_READONLY] = { .type = NLA_FLAG, },
	[PVIO_A_VBD_IOPS_LIMIT] = { .type = NLA_U32, },
	[PVIO_A_VBD_BPS_LIMIT] = { .type = NLA_U64, },
	[PVIO_A_VBD_COALESCE_USECS] = NLA_POLICY_MAX(NLA_U32, PVIO_VBD_COALESCE_MAX_USECS),
};

/* PVIO_CMD_VBD_DEL - do */
const struct nla_policy pvio_vbd_del_nl_policy[PVIO_A_VBD_INDEX + 1] = {
	[PVIO_A_VBD_LINK_ID] = { .type = NLA_U32, },
	[PVIO_A_VBD_INDEX] = NLA_POLICY_MAX(NLA_U32, PVIO_VBD_INDEX_MAX),
};

/* PVIO_CMD_VBD_GET - do */
const struct nla_policy pvio_vbd_get_nl_policy[PVIO_A_VBD_INDEX + 1] = {
	[PVIO_A_VBD_LINK_ID] = { .type = NLA_U32, },
	[PVIO_A_VBD_INDEX] = NLA_POLICY_MAX(NLA_U32, PVIO_VBD_INDEX_MAX),
};

/* PVIO_CMD_VBD_SET - do */
const struct nla_policy pvio_vbd_set_nl_policy[PVIO_A_VBD_COALESCE_USECS + 1] = {
	[PVIO_A_VBD_LINK_ID] = { .type = NLA_U32, },
	[PVIO_A_VBD_INDEX] = NLA_POLICY_MAX(NLA_U32, PVIO_VBD_INDEX_MAX),
	[PVIO_A_VBD_IOPS_LIMIT] = { .type = NLA_U32, },
	[PVIO_A_VBD_BPS_LIMIT] = { .type = NLA_U64, },
	[PVIO_A_VBD_COALESCE_USECS] = NLA_POLICY_MAX(NLA_U32, PVIO_VBD_COALESCE_MAX_USECS),
	[PVIO_A_VBD_REREAD] = { .type = NLA_FLAG, },
};

/* PVIO_CMD_VIF_NEW - do */
const struct nla_policy pvio_vif_new_nl_policy[PVIO_A_VIF_BURST + 1] = {
	[PVIO_A_VIF_LINK_ID] = { .type = NLA_U32, },
	[PVIO_A_VIF_INDEX] = NLA_POLICY_MAX(NLA_U32, PVIO_VIF_INDEX_MAX),
	[PVIO_A_VIF_MAC] = NLA_POLICY_EXACT_LEN(6),
	[PVIO_A_VIF_QUEUES] = NLA_POLICY_RANGE(NLA_U32, 1, PVIO_VIF_QUEUES_MAX),
	[PVIO_A_VIF_RATE] = { .type = NLA_U64, },
	[PVIO_A_VIF_BURST] = { .type = NLA_U32, },
};

/* PVIO_CMD_VIF_DEL - do */
const struct nla_policy pvio_vif_del_nl_policy[PVIO_A_VIF_INDEX + 1] = {
	[PVIO_A_VIF_LINK_ID] = { .type = NLA_U32, },
	[PVIO_A_VIF_INDEX] = NLA_POLICY_MAX(NLA_U32, PVIO_VIF_INDEX_MAX),
};

/* PVIO_CMD_VIF_GET - do */
const struct nla_policy pvio_vif_get_nl_policy[PVIO_A_VIF_INDEX + 1] = {
	[PVIO_A_VIF_LINK_ID] = { .type = NLA_U32, },
	[PVIO_A_VIF_INDEX] = NLA_POLICY_MAX(NLA_U32, PVIO_VIF_INDEX_MAX),
};

/* PVIO_CMD_VIF_SET - do */
const struct nla_policy pvio_vif_set_nl_policy[PVIO_A_VIF_BURST + 1] = {
	[PVIO_A_VIF_LINK_ID] = { .type = NLA_U32, },
	[PVIO_A_VIF_INDEX] = NLA_POLICY_MAX(NLA_U32, PVIO_VIF_INDEX_MAX),
	[PVIO_A_VIF_RATE] = { .type = NLA_U64, },
	[PVIO_A_VIF_BURST] = { .type = NLA_U32, },
};

/* Ops table for pvio */
const struct genl_ops pvio_nl_ops[11] = {
	{
		.cmd		= PVIO_CMD_LINK_NEW,
		.doit		= pvio_nl_link_new_doit,
		.policy		= pvio_link_new_nl_policy,
		.maxattr	= PVIO_A_LINK_GRANT_ENTRIES,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= PVIO_CMD_LINK_DEL,
		.doit		= pvio_nl_link_del_doit,
		.policy		= pvio_link_del_nl_policy,
		.maxattr	= PVIO_A_LINK_ID,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= PVIO_CMD_LINK_GET,
		.doit		= pvio_nl_link_get_doit,
		.dumpit		= pvio_nl_link_get_dumpit,
		.policy		= pvio_link_get_nl_policy,
		.maxattr	= PVIO_A_LINK_ID,
	},
	{
		.cmd		= PVIO_CMD_VBD_NEW,
		.doit		= pvio_nl_vbd_new_doit,
		.policy		= pvio_vbd_new_nl_policy,
		.maxattr	= PVIO_A_VBD_COALESCE_USECS,
	},
	{
		.cmd		= PVIO_CMD_VBD_DEL,
		.doit		= pvio_nl_vbd_del_doit,
		.policy		= pvio_vbd_del_nl_policy,
		.maxattr	= PVIO_A_VBD_INDEX,
	},
	{
		.cmd		= PVIO_CMD_VBD_GET,
		.doit		= pvio_nl_vbd_get_doit,
		.dumpit		= pvio_nl_vbd_get_dumpit,
		.policy		= pvio_vbd_get_nl_policy,
		.maxattr	= PVIO_A_VBD_INDEX,
	},
	{
		.cmd		= PVIO_CMD_VBD_SET,
		.doit		= pvio_nl_vbd_set_doit,
		.policy		= pvio_vbd_set_nl_policy,
		.maxattr	= PVIO_A_VBD_COALESCE_USECS,
	},
	{
		.cmd		= PVIO_CMD_VIF_NEW,
		.doit		= pvio_nl_vif_new_doit,
		.policy		= pvio_vif_new_nl_policy,
		.maxattr	= PVIO_A_VIF_BURST,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= PVIO_CMD_VIF_DEL,
		.doit		= pvio_nl_vif_del_doit,
		.policy		= pvio_vif_del_nl_policy,
		.maxattr	= PVIO_A_VIF_INDEX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= PVIO_CMD_VIF_GET,
		.doit		= pvio_nl_vif_get_doit,
		.dumpit		= pvio_nl_vif_get_dumpit,
		.policy		= pvio_vif_get_nl_policy,
		.maxattr	= PVIO_A_VIF_INDEX,
	},
	{
		.cmd		= PVIO_CMD_VIF_SET,
		.doit		= pvio_nl_vif_set_doit,
		.policy		= pvio_vif_set_nl_policy,
		.maxattr	= PVIO_A_VIF_BURST,
		.flags		= GENL_ADMIN_PERM,
	},
};

const struct genl_multicast_group pvio_nl_mcgrps[1] = {
	[PVIO_NLGRP_MONITOR] = { "monitor", },
};
