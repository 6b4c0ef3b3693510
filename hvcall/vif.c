// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * Virtual network interfaces as the toolstack configures them (netlink
 * vif-new, vif-del; netlink.c parses and replies), as vbd.c does for
 * vbds. A vif is its keys in the link's toolstack store area, vif<N>/mac
 * and queues (Documentation/netif.rst), plus a device on the pvio bus for
 * each end that lives in this kernel. Only the kernel that laid out the
 * link's region writes that area.
 */
#include <linux/device.h>
#include <linux/etherdevice.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pvio.h"
#include "pvio_hv.h"

static const char * const pvio_vif_key_names[] = {
	"mac", "queues",
};

/* @buf of PVIO_STORE_KEY_MAX bytes gets key vif<index>/<name>. */
static const char *pvio_vif_key(char *buf, u32 index, const char *name)
{
	snprintf(buf, PVIO_STORE_KEY_MAX, "vif%u/%s", index, name);
	return buf;
}

static void pvio_vif_remove_keys(struct pvio_link *link, u32 index)
{
	char key[PVIO_STORE_KEY_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pvio_vif_key_names); i++)
		pvio_store_remove(link, PVIO_STORE_TOOLSTACK,
				  pvio_vif_key(key, index,
					       pvio_vif_key_names[i]));
}

static bool pvio_vif_has_dev(struct pvio_link *link, enum pvio_role role,
			     u32 index)
{
	struct pvio_device *pdev;

	pdev = pvio_device_find(link, PVIO_DEV_VIF, role, index);
	if (!pdev)
		return false;
	put_device(&pdev->dev);
	return true;
}

/* Is vif @index configured: its mac key, or a device of it, exists? */
static bool pvio_vif_in_use(struct pvio_link *link, u32 index)
{
	char key[PVIO_STORE_KEY_MAX];
	char buf[PVIO_STORE_VALUE_MAX];

	if (pvio_store_read(link, PVIO_STORE_TOOLSTACK,
			    pvio_vif_key(key, index, "mac"), buf,
			    sizeof(buf)) != -ENOENT)
		return true;
	return pvio_vif_has_dev(link, PVIO_BACKEND, index) ||
	       pvio_vif_has_dev(link, PVIO_FRONTEND, index);
}

bool pvio_vif_any(struct pvio_link *link)
{
	u32 index;

	for (index = 0; index <= PVIO_VIF_INDEX_MAX; index++)
		if (pvio_vif_in_use(link, index))
			return true;
	return false;
}

static void pvio_vif_del_dev(struct pvio_link *link, enum pvio_role role,
			     u32 index)
{
	struct pvio_device *pdev;

	pdev = pvio_device_find(link, PVIO_DEV_VIF, role, index);
	if (pdev)
		pvio_device_del(pdev);	/* drops find's reference */
}

/*
 * Add the backend device of vif @index; as pvio_vbd_add_backend(), a
 * device its driver did not take is deleted again, with the reason.
 */
static int pvio_vif_add_backend(struct pvio_link *link, u32 index,
				struct netlink_ext_ack *extack)
{
	struct pvio_device *pdev;
	const char *msg;
	bool bound;
	int err;

	pdev = pvio_device_add(link, PVIO_DEV_VIF, PVIO_BACKEND, index);
	if (IS_ERR(pdev)) {
		NL_SET_ERR_MSG(extack, "cannot add the vif backend device");
		return PTR_ERR(pdev);
	}
	device_lock(&pdev->dev);
	bound = pdev->dev.driver;
	err = pdev->probe_err;
	msg = pdev->probe_msg;
	device_unlock(&pdev->dev);
	if (bound) {
		put_device(&pdev->dev);
		return 0;
	}
	if (err && msg && extack) {
		/* Not NL_SET_ERR_MSG(): it takes string literals only. */
		extack->_msg = msg;
	} else if (err) {
		NL_SET_ERR_MSG(extack, "the vif backend refused the device");
	} else {
		NL_SET_ERR_MSG(extack,
			       "no vif backend driver loaded (modprobe pvio_netback)");
		err = -ENODEV;
	}
	pvio_device_del(pdev);
	return err;
}

static int pvio_vif_write_keys(struct pvio_link *link,
			       const struct pvio_vif_params *params)
{
	char key[PVIO_STORE_KEY_MAX];
	int ret;

	ret = pvio_store_printf(link, PVIO_STORE_TOOLSTACK,
				pvio_vif_key(key, params->index, "mac"),
				"%pM", params->mac);
	if (!ret && params->queues)
		ret = pvio_store_printf(link, PVIO_STORE_TOOLSTACK,
					pvio_vif_key(key, params->index,
						     "queues"),
					"%u", params->queues);
	return ret;
}

static u32 pvio_vif_free_index(struct pvio_link *link)
{
	u32 index;

	for (index = 0; index <= PVIO_VIF_INDEX_MAX; index++)
		if (!pvio_vif_in_use(link, index))
			return index;
	return PVIO_VIF_ANY_INDEX;
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

	if (!link->provider->lays_out_region) {
		NL_SET_ERR_MSG(extack,
			       "the link's devices are configured where its region was laid out");
		return -EOPNOTSUPP;
	}
	if (!params->has_mac) {
		eth_random_addr(params->mac);
	} else if (!is_valid_ether_addr(params->mac)) {
		NL_SET_ERR_MSG(extack,
			       "the MAC address must be unicast and not zero");
		return -EINVAL;
	}
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
		params->index = pvio_vif_free_index(link);
		if (params->index == PVIO_VIF_ANY_INDEX) {
			NL_SET_ERR_MSG(extack, "no free vif index on the link");
			ret = -ENOSPC;
			goto out;
		}
	}

	ret = pvio_vif_write_keys(link, params);
	if (ret) {
		if (ret == -ENOSPC)
			NL_SET_ERR_MSG(extack, "the link's config store is full");
		else
			NL_SET_ERR_MSG(extack,
				       "cannot write the vif's config store keys");
		goto err_keys;
	}
	if (link->local_roles & BIT(PVIO_BACKEND)) {
		ret = pvio_vif_add_backend(link, params->index, extack);
		if (ret)
			goto err_keys;
	}
	if (link->local_roles & BIT(PVIO_FRONTEND)) {
		struct pvio_device *pdev;

		pdev = pvio_device_add(link, PVIO_DEV_VIF, PVIO_FRONTEND,
				       params->index);
		if (IS_ERR(pdev)) {
			NL_SET_ERR_MSG(extack,
				       "cannot add the vif frontend device");
			ret = PTR_ERR(pdev);
			goto err_backend;
		}
		put_device(&pdev->dev);
	}
	pvio_vif_notify(link, params->index, PVIO_CMD_VIF_NEW_NTF);
	mutex_unlock(&pvio_vbd_lock);
	return 0;

err_backend:
	pvio_vif_del_dev(link, PVIO_BACKEND, params->index);
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

	if (!link->provider->lays_out_region) {
		NL_SET_ERR_MSG(extack,
			       "the link's devices are configured where its region was laid out");
		return -EOPNOTSUPP;
	}
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
	pvio_vif_del_dev(link, PVIO_FRONTEND, index);
	pvio_vif_del_dev(link, PVIO_BACKEND, index);
	pvio_vif_remove_keys(link, index);
	pvio_nl_vif_notify(link, info, PVIO_CMD_VIF_DEL_NTF);
out:
	mutex_unlock(&pvio_vbd_lock);
	kfree(info);
	return ret;
}

static bool pvio_vif_stats(struct pvio_link *link, enum pvio_role role,
			   u32 index, struct pvio_dev_stats *stats)
{
	struct pvio_driver *pdrv;
	struct pvio_device *pdev;
	bool ret = false;

	pdev = pvio_device_find(link, PVIO_DEV_VIF, role, index);
	if (!pdev)
		return false;
	/* The driver cannot unbind while the device is locked. */
	device_lock(&pdev->dev);
	pdrv = pdev->dev.driver ? to_pvio_driver(pdev->dev.driver) : NULL;
	if (pdrv && pdrv->get_stats) {
		memset(stats, 0, sizeof(*stats));
		pdrv->get_stats(pdev, stats);
		ret = true;
	}
	device_unlock(&pdev->dev);
	put_device(&pdev->dev);
	return ret;
}

int pvio_vif_get(struct pvio_link *link, u32 index,
		 struct pvio_vif_info *info)
{
	char key[PVIO_STORE_KEY_MAX];
	char buf[PVIO_STORE_VALUE_MAX];
	int role, ret;

	memset(info, 0, sizeof(*info));
	info->index = index;
	ret = pvio_store_read(link, PVIO_STORE_TOOLSTACK,
			      pvio_vif_key(key, index, "mac"), buf,
			      sizeof(buf));
	if (ret == -ENOENT && !pvio_vif_in_use(link, index))
		return ret;
	/* A key torn or garbled shows as a zero address: still a vif. */
	if (ret || !mac_pton(buf, info->mac))
		eth_zero_addr(info->mac);
	if (pvio_store_read_u32(link, PVIO_STORE_TOOLSTACK,
				pvio_vif_key(key, index, "queues"),
				&info->queues))
		info->queues = 0;
	for (role = PVIO_BACKEND; role <= PVIO_FRONTEND; role++) {
		info->state[role] = pvio_state_get(link, role);
		if (pvio_vif_stats(link, role, index, &info->stats[role]))
			info->has_stats |= BIT(role);
	}
	return 0;
}
