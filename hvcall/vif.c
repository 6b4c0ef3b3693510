// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * Virtual network interfaces as the toolstack configures them (netlink
 * vif-new, vif-del, vif-set; netlink.c parses and replies), as vbd.c does
 * for vbds, with the parts they share in devcfg.c. A vif is its keys in
 * the link's toolstack store area, vif<N>/mac, queues, rate and burst
 * (Documentation/netif.rst), plus a device on the pvio bus for each end
 * that lives in this kernel. Only the kernel that laid out the link's
 * region writes that area.
 */
#include <linux/etherdevice.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/slab.h>

#include "pvio.h"
#include "pvio_hv.h"

static const char * const pvio_vif_key_names[] = {
	"mac", "queues", "rate", "burst",
};

/* Is vif @index configured: its mac key, or a device of it, exists? */
static bool pvio_vif_in_use(struct pvio_link *link, u32 index)
{
	return pvio_dev_in_use(link, PVIO_DEV_VIF, index, "mac");
}

bool pvio_vif_any(struct pvio_link *link)
{
	return pvio_dev_any(link, PVIO_DEV_VIF, "mac");
}

static void pvio_vif_remove_keys(struct pvio_link *link, u32 index)
{
	pvio_dev_remove_keys(link, PVIO_DEV_VIF, index, pvio_vif_key_names,
			     ARRAY_SIZE(pvio_vif_key_names));
}

/* A burst without a rate limits nothing: refused, not silently kept. */
static int pvio_vif_check_rate(u64 rate, u32 burst,
			       struct netlink_ext_ack *extack)
{
	if (burst && !rate) {
		NL_SET_ERR_MSG(extack, "a burst needs a rate");
		return -EINVAL;
	}
	return 0;
}

static int pvio_vif_write_rate(struct pvio_link *link, u32 index, u64 rate,
			       u32 burst)
{
	int ret;

	ret = pvio_dev_write_num(link, PVIO_DEV_VIF, index, "rate", rate);
	if (!ret)
		ret = pvio_dev_write_num(link, PVIO_DEV_VIF, index, "burst",
					 burst);
	return ret;
}

static int pvio_vif_write_keys(struct pvio_link *link,
			       const struct pvio_vif_params *params)
{
	char key[PVIO_STORE_KEY_MAX];
	int ret;

	ret = pvio_store_printf(link, PVIO_STORE_TOOLSTACK,
				pvio_dev_key(key, PVIO_DEV_VIF, params->index,
					     "mac"),
				"%pM", params->mac);
	if (!ret)
		ret = pvio_dev_write_num(link, PVIO_DEV_VIF, params->index,
					 "queues", params->queues);
	if (!ret)
		ret = pvio_vif_write_rate(link, params->index, params->rate,
					  params->burst);
	return ret;
}

static void pvio_vif_notify(struct pvio_link *link, u32 index, u8 cmd)
{
	struct pvio_vif_info *info;

	info = kmalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return;
	if (!pvio_vif_get(link, index, info))
		pvio_nl_vif_notify(link, info, cmd);
	kfree(info);
}

int pvio_vif_new(struct pvio_link *link, struct pvio_vif_params *params,
		 struct netlink_ext_ack *extack)
{
	int ret;

	if (!pvio_dev_configurable(link, extack))
		return -EOPNOTSUPP;
	if (!params->has_mac) {
		eth_random_addr(params->mac);
	} else if (!is_valid_ether_addr(params->mac)) {
		NL_SET_ERR_MSG(extack,
			       "the MAC address must be unicast and not zero");
		return -EINVAL;
	}
	ret = pvio_vif_check_rate(params->rate, params->burst, extack);
	if (ret)
		return ret;
	mutex_lock(&pvio_vbd_lock);
	if (READ_ONCE(link->dead)) {
		NL_SET_ERR_MSG(extack, "unknown link");
		ret = -ENOENT;
		goto out;
	}
	/* One device per link: each end publishes one state. */
	if (pvio_vif_any(link) || pvio_vbd_any(link)) {
		NL_SET_ERR_MSG(extack,
			       "the link has a device already (one device per link)");
		ret = -EBUSY;
		goto out;
	}
	if (params->index == PVIO_VIF_ANY_INDEX) {
		params->index = pvio_dev_free_index(link, PVIO_DEV_VIF, "mac");
		if (params->index == PVIO_VIF_ANY_INDEX) {
			NL_SET_ERR_MSG(extack, "no free vif index on the link");
			ret = -ENOSPC;
			goto out;
		}
	}

	ret = pvio_vif_write_keys(link, params);
	if (ret) {
		pvio_dev_store_error(extack, PVIO_DEV_VIF, ret);
		goto err_keys;
	}
	ret = pvio_dev_add_ends(link, PVIO_DEV_VIF, params->index, extack);
	if (ret)
		goto err_keys;
	pvio_vif_notify(link, params->index, PVIO_CMD_VIF_NEW_NTF);
	mutex_unlock(&pvio_vbd_lock);
	return 0;

err_keys:
	pvio_vif_remove_keys(link, params->index);
out:
	mutex_unlock(&pvio_vbd_lock);
	return ret;
}

int pvio_vif_del(struct pvio_link *link, u32 index,
		 struct netlink_ext_ack *extack)
{
	struct pvio_vif_info *info;
	int ret = 0;

	if (!pvio_dev_configurable(link, extack))
		return -EOPNOTSUPP;
	info = kmalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	mutex_lock(&pvio_vbd_lock);
	if (!pvio_vif_in_use(link, index)) {
		NL_SET_ERR_MSG(extack, "no such vif");
		ret = -ENOENT;
		goto out;
	}
	/* Taken first: the notification carries the vif's last values. */
	if (pvio_vif_get(link, index, info)) {
		memset(info, 0, sizeof(*info));
		info->index = index;
	}
	pvio_dev_del_ends(link, PVIO_DEV_VIF, index);
	pvio_vif_remove_keys(link, index);
	pvio_nl_vif_notify(link, info, PVIO_CMD_VIF_DEL_NTF);
out:
	mutex_unlock(&pvio_vbd_lock);
	kfree(info);
	return ret;
}

int pvio_vif_set(struct pvio_link *link, const struct pvio_vif_params *params,
		 struct netlink_ext_ack *extack)
{
	u32 index = params->index;
	u64 old_rate, old_burst, rate, burst;
	bool told;
	int ret;

	if (!pvio_dev_configurable(link, extack))
		return -EOPNOTSUPP;
	mutex_lock(&pvio_vbd_lock);
	if (!pvio_vif_in_use(link, index)) {
		NL_SET_ERR_MSG(extack, "no such vif");
		ret = -ENOENT;
		goto out;
	}
	old_rate = pvio_dev_read_num(link, PVIO_DEV_VIF, index, "rate");
	old_burst = pvio_dev_read_num(link, PVIO_DEV_VIF, index, "burst");
	rate = params->set_rate ? params->rate : old_rate;
	/* A new rate without a burst takes the default burst. */
	burst = params->set_burst ? params->burst :
		params->set_rate ? 0 : old_burst;
	ret = pvio_vif_check_rate(rate, burst, extack);
	if (ret)
		goto out;
	ret = pvio_vif_write_rate(link, index, rate, burst);
	if (ret)
		pvio_dev_store_error(extack, PVIO_DEV_VIF, ret);
	else
		ret = pvio_dev_config_changed(link, PVIO_DEV_VIF, index, &told,
					      extack);
	if (ret) {
		/* Back to what the backend last accepted. */
		pvio_vif_write_rate(link, index, old_rate, old_burst);
		goto out;
	}
	pvio_vif_notify(link, index, PVIO_CMD_VIF_CHANGE_NTF);
out:
	mutex_unlock(&pvio_vbd_lock);
	return ret;
}

int pvio_vif_get(struct pvio_link *link, u32 index,
		 struct pvio_vif_info *info)
{
	char buf[PVIO_STORE_VALUE_MAX];
	int role, ret;

	memset(info, 0, sizeof(*info));
	info->index = index;
	ret = pvio_dev_read_record(link, PVIO_DEV_VIF, index, "mac", buf,
				   sizeof(buf));
	if (ret == -ENOENT && !pvio_vif_in_use(link, index))
		return ret;
	/* A key torn or garbled shows as a zero address: still a vif. */
	if (ret || !mac_pton(buf, info->mac))
		eth_zero_addr(info->mac);
	info->queues = min_t(u64, pvio_dev_read_num(link, PVIO_DEV_VIF, index,
						    "queues"), U32_MAX);
	info->rate = pvio_dev_read_num(link, PVIO_DEV_VIF, index, "rate");
	info->burst = min_t(u64, pvio_dev_read_num(link, PVIO_DEV_VIF, index,
						   "burst"), U32_MAX);
	for (role = PVIO_BACKEND; role <= PVIO_FRONTEND; role++) {
		info->state[role] = pvio_state_get(link, role);
		if (pvio_dev_stats(link, PVIO_DEV_VIF, role, index,
				   &info->stats[role]))
			info->has_stats |= BIT(role);
	}
	return 0;
}
