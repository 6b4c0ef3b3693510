// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * What vbds (vbd.c) and vifs (vif.c) have alike as the toolstack
 * configures them: keys <type><index>/<name> in the link's toolstack
 * store area, a device on the pvio bus for each end in this kernel, and
 * a backend driver that must take its device at once and is told when
 * the keys change. Called under pvio_vbd_lock.
 */
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/netlink.h>

#include "pvio.h"
#include "pvio_hv.h"

/* What a type tells the netlink caller; string constants, for extack. */
struct pvio_dev_msgs {
	const char *add_backend;
	const char *add_frontend;
	const char *refused;
	const char *no_driver;
	const char *store;
	const char *refused_change;
};

static const struct pvio_dev_msgs pvio_dev_msgs[] = {
	[PVIO_DEV_VBD] = {
		.add_backend = "cannot add the vbd backend device",
		.add_frontend = "cannot add the vbd frontend device",
		.refused = "the vbd backend refused the device",
		.no_driver = "no vbd backend driver loaded (modprobe pvio_blkback)",
		.store = "cannot write the vbd's config store keys",
		.refused_change = "the vbd backend refused the change",
	},
	[PVIO_DEV_VIF] = {
		.add_backend = "cannot add the vif backend device",
		.add_frontend = "cannot add the vif frontend device",
		.refused = "the vif backend refused the device",
		.no_driver = "no vif backend driver loaded (modprobe pvio_netback)",
		.store = "cannot write the vif's config store keys",
		.refused_change = "the vif backend refused the change",
	},
};

/* Not NL_SET_ERR_MSG(): it takes string literals only. */
static void pvio_dev_msg(struct netlink_ext_ack *extack, const char *msg)
{
	if (extack)
		extack->_msg = msg;
}

const char *pvio_dev_key(char *buf, enum pvio_dev_type type, u32 index,
			 const char *name)
{
	snprintf(buf, PVIO_STORE_KEY_MAX, "%s%u/%s", pvio_dev_type_name(type),
		 index, name);
	return buf;
}

void pvio_dev_remove_keys(struct pvio_link *link, enum pvio_dev_type type,
			  u32 index, const char * const *names, size_t nr)
{
	char key[PVIO_STORE_KEY_MAX];
	size_t i;

	for (i = 0; i < nr; i++)
		pvio_store_remove(link, PVIO_STORE_TOOLSTACK,
				  pvio_dev_key(key, type, index, names[i]));
}

/*
 * 0 (no limit) is no key at all, which keeps the area's 31 entries for
 * the keys that matter.
 */
int pvio_dev_write_num(struct pvio_link *link, enum pvio_dev_type type,
		       u32 index, const char *name, u64 val)
{
	char key[PVIO_STORE_KEY_MAX];
	int ret;

	pvio_dev_key(key, type, index, name);
	if (val)
		return pvio_store_printf(link, PVIO_STORE_TOOLSTACK, key,
					 "%llu", val);
	ret = pvio_store_remove(link, PVIO_STORE_TOOLSTACK, key);
	return ret == -ENOENT ? 0 : ret;
}

/*
 * Nothing is opened, allowed or limited by what a kernel that keeps no
 * records reads here: its backends read pvio_toolstack_read() alone.
 */
int pvio_dev_read_record(struct pvio_link *link, enum pvio_dev_type type,
			 u32 index, const char *name, char *buf, size_t len)
{
	char key[PVIO_STORE_KEY_MAX];

	pvio_dev_key(key, type, index, name);
	if (link->provider->keeps_records)
		return pvio_toolstack_read(link, key, buf, len);
	return pvio_store_read(link, PVIO_STORE_TOOLSTACK, key, buf, len);
}

u64 pvio_dev_read_num(struct pvio_link *link, enum pvio_dev_type type,
		      u32 index, const char *name)
{
	char buf[24];
	u64 val;

	if (pvio_dev_read_record(link, type, index, name, buf, sizeof(buf)) ||
	    kstrtou64(buf, 10, &val))
		return 0;
	return val;
}

static bool pvio_dev_has_end(struct pvio_link *link, enum pvio_dev_type type,
			     enum pvio_role role, u32 index)
{
	struct pvio_device *pdev;

	pdev = pvio_device_find(link, type, role, index);
	if (!pdev)
		return false;
	put_device(&pdev->dev);
	return true;
}

bool pvio_dev_in_use(struct pvio_link *link, enum pvio_dev_type type,
		     u32 index, const char *key_name)
{
	char buf[PVIO_STORE_VALUE_MAX];

	if (pvio_dev_read_record(link, type, index, key_name, buf,
				 sizeof(buf)) != -ENOENT)
		return true;
	return pvio_dev_has_end(link, type, PVIO_BACKEND, index) ||
	       pvio_dev_has_end(link, type, PVIO_FRONTEND, index);
}

static const u32 pvio_dev_index_max[] = {
	[PVIO_DEV_VBD] = PVIO_VBD_INDEX_MAX,
	[PVIO_DEV_VIF] = PVIO_VIF_INDEX_MAX,
};

/* The lowest index of @type free on @link, or U32_MAX if none is. */
u32 pvio_dev_free_index(struct pvio_link *link, enum pvio_dev_type type,
			const char *key_name)
{
	u32 index;

	for (index = 0; index <= pvio_dev_index_max[type]; index++)
		if (!pvio_dev_in_use(link, type, index, key_name))
			return index;
	return U32_MAX;
}

/* Has @link a device of @type at any index? */
bool pvio_dev_any(struct pvio_link *link, enum pvio_dev_type type,
		  const char *key_name)
{
	u32 index;

	for (index = 0; index <= pvio_dev_index_max[type]; index++)
		if (pvio_dev_in_use(link, type, index, key_name))
			return true;
	return false;
}

static void pvio_dev_del_end(struct pvio_link *link,
			     enum pvio_dev_type type, enum pvio_role role,
			     u32 index)
{
	struct pvio_device *pdev;

	pdev = pvio_device_find(link, type, role, index);
	if (pdev)
		pvio_device_del(pdev);	/* drops find's reference */
}

/*
 * The backend driver, if loaded, binds the device within device_add()
 * (the backends probe synchronously); a device left unbound is deleted
 * again, with the driver's reason.
 */
static int pvio_dev_add_backend(struct pvio_link *link,
				enum pvio_dev_type type, u32 index,
				struct netlink_ext_ack *extack)
{
	struct pvio_device *pdev;
	const char *msg;
	bool bound;
	int err;

	pdev = pvio_device_add(link, type, PVIO_BACKEND, index);
	if (IS_ERR(pdev)) {
		pvio_dev_msg(extack, pvio_dev_msgs[type].add_backend);
		return PTR_ERR(pdev);
	}
	device_lock(&pdev->dev);
	bound = pdev->dev.driver;
	err = pdev->probe_err;
	/*
	 * A string constant of the driver's module, which stays loaded
	 * until the ack is sent unless someone removes it in that moment.
	 */
	msg = pdev->probe_msg;
	device_unlock(&pdev->dev);
	if (bound) {
		/* Found again by the del, or removed by link destroy. */
		put_device(&pdev->dev);
		return 0;
	}
	if (err && msg) {
		pvio_dev_msg(extack, msg);
	} else if (err) {
		pvio_dev_msg(extack, pvio_dev_msgs[type].refused);
	} else {
		pvio_dev_msg(extack, pvio_dev_msgs[type].no_driver);
		err = -ENODEV;
	}
	pvio_device_del(pdev);
	return err;
}

/* Its driver may come later: a frontend waits for nothing. */
static int pvio_dev_add_frontend(struct pvio_link *link,
				 enum pvio_dev_type type, u32 index,
				 struct netlink_ext_ack *extack)
{
	struct pvio_device *pdev;

	pdev = pvio_device_add(link, type, PVIO_FRONTEND, index);
	if (IS_ERR(pdev)) {
		pvio_dev_msg(extack, pvio_dev_msgs[type].add_frontend);
		return PTR_ERR(pdev);
	}
	put_device(&pdev->dev);
	return 0;
}

/*
 * Add the ends of device @index that live in this kernel, the backend
 * first (its driver must take it); on failure none is left.
 */
int pvio_dev_add_ends(struct pvio_link *link, enum pvio_dev_type type,
		      u32 index, struct netlink_ext_ack *extack)
{
	int ret;

	if (link->local_roles & BIT(PVIO_BACKEND)) {
		ret = pvio_dev_add_backend(link, type, index, extack);
		if (ret)
			return ret;
	}
	if (link->local_roles & BIT(PVIO_FRONTEND)) {
		ret = pvio_dev_add_frontend(link, type, index, extack);
		if (ret) {
			pvio_dev_del_end(link, type, PVIO_BACKEND, index);
			return ret;
		}
	}
	return 0;
}

/* The frontend goes first, so it never sees its backend vanish. */
void pvio_dev_del_ends(struct pvio_link *link, enum pvio_dev_type type,
		       u32 index)
{
	pvio_dev_del_end(link, type, PVIO_FRONTEND, index);
	pvio_dev_del_end(link, type, PVIO_BACKEND, index);
}

void pvio_dev_store_error(struct netlink_ext_ack *extack,
			  enum pvio_dev_type type, int err)
{
	if (err == -ENOSPC)
		NL_SET_ERR_MSG(extack, "the link's config store is full");
	else
		pvio_dev_msg(extack, pvio_dev_msgs[type].store);
}

/* Only the kernel that keeps the toolstack's records changes them. */
bool pvio_dev_configurable(struct pvio_link *link,
			   struct netlink_ext_ack *extack)
{
	if (link->provider->keeps_records)
		return true;
	NL_SET_ERR_MSG(extack,
		       "the link's devices are configured where its region was laid out");
	return false;
}

/*
 * Tell the backend driver bound to device @index that its keys changed.
 * *@told: whether one was bound to be told (with no driver, the new keys
 * wait for the next one).
 */
int pvio_dev_config_changed(struct pvio_link *link, enum pvio_dev_type type,
			    u32 index, bool *told,
			    struct netlink_ext_ack *extack)
{
	struct pvio_driver *pdrv;
	struct pvio_device *pdev;
	int ret = 0;

	*told = false;
	pdev = pvio_device_find(link, type, PVIO_BACKEND, index);
	if (!pdev)
		return 0;
	/* The driver cannot unbind while the device is locked. */
	device_lock(&pdev->dev);
	pdrv = pdev->dev.driver ? to_pvio_driver(pdev->dev.driver) : NULL;
	if (pdrv && pdrv->config_changed) {
		ret = pdrv->config_changed(pdev);
		*told = true;
	}
	device_unlock(&pdev->dev);
	put_device(&pdev->dev);
	if (ret)
		pvio_dev_msg(extack, pvio_dev_msgs[type].refused_change);
	return ret;
}

void pvio_link_config_changed(struct pvio_link *link)
{
	enum pvio_dev_type type;
	bool told;
	u32 index;

	mutex_lock(&pvio_vbd_lock);
	for (type = PVIO_DEV_VBD; type <= PVIO_DEV_VIF; type++)
		for (index = 0; index <= pvio_dev_index_max[type]; index++)
			pvio_dev_config_changed(link, type, index, &told,
						NULL);
	mutex_unlock(&pvio_vbd_lock);
}
EXPORT_SYMBOL_GPL(pvio_link_config_changed);

/*
 * The counters of the @role device of @index, from its bound driver;
 * false if there is no such device, driver or counters.
 */
bool pvio_dev_stats(struct pvio_link *link, enum pvio_dev_type type,
		    enum pvio_role role, u32 index,
		    struct pvio_dev_stats *stats)
{
	struct pvio_driver *pdrv;
	struct pvio_device *pdev;
	bool ret = false;

	pdev = pvio_device_find(link, type, role, index);
	if (!pdev)
		return false;
	/* The driver cannot unbind while the device is locked. */
	device_lock(&pdev->dev);
	pdrv = pdev->dev.driver ? to_pvio_driver(pdev->dev.driver) : NULL;
	if (pdrv && pdrv->get_stats) {
		memset(stats, 0, sizeof(*stats));
		pdrv->get_stats(pdev, stats);
		pvio_recovery_get(link, role, stats);
		ret = true;
	}
	device_unlock(&pdev->dev);
	put_device(&pdev->dev);
	return ret;
}
