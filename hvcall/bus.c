// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The pvio bus (/sys/bus/pvio): every frontend and backend device of every
 * link hangs off it, and the block and network drivers bind to it by device
 * type and role. Each device shows its state in sysfs, one value per file
 * (Documentation/ABI/testing/sysfs-bus-pvio).
 */
#include <linux/device.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "pvio.h"
#include "pvio_hv.h"

static const char * const pvio_type_names[] = {
	[PVIO_DEV_VBD] = "vbd",
	[PVIO_DEV_VIF] = "vif",
};

static const char * const pvio_role_names[] = {
	[PVIO_BACKEND] = "backend",
	[PVIO_FRONTEND] = "frontend",
};

const char *pvio_dev_type_name(enum pvio_dev_type type)
{
	return type < ARRAY_SIZE(pvio_type_names) ? pvio_type_names[type] : "?";
}
EXPORT_SYMBOL_GPL(pvio_dev_type_name);

const char *pvio_role_name(enum pvio_role role)
{
	return role < ARRAY_SIZE(pvio_role_names) ? pvio_role_names[role] : "?";
}
EXPORT_SYMBOL_GPL(pvio_role_name);

/* ---- sysfs: one value per file ---- */

static ssize_t type_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  pvio_dev_type_name(to_pvio_device(dev)->type));
}
static DEVICE_ATTR_RO(type);

static ssize_t role_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", pvio_role_name(to_pvio_device(dev)->role));
}
static DEVICE_ATTR_RO(role);

static ssize_t link_id_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", to_pvio_device(dev)->link->id);
}
static DEVICE_ATTR_RO(link_id);

static ssize_t index_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%u\n", to_pvio_device(dev)->index);
}
static DEVICE_ATTR_RO(index);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct pvio_device *pdev = to_pvio_device(dev);

	return sysfs_emit(buf, "%s\n",
			  pvio_state_name(pvio_state_get(pdev->link,
							 pdev->role)));
}
static DEVICE_ATTR_RO(state);

static ssize_t otherend_state_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct pvio_device *pdev = to_pvio_device(dev);

	return sysfs_emit(buf, "%s\n",
			  pvio_state_name(pvio_state_get(pdev->link,
							 pvio_peer(pdev->role))));
}
static DEVICE_ATTR_RO(otherend_state);

static ssize_t generation_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct pvio_link *link = to_pvio_device(dev)->link;

	return sysfs_emit(buf, "%u\n",
			  pvio_link_generation(link));
}
static DEVICE_ATTR_RO(generation);

/* The device's end's outage figures (recovery.c). */
static struct pvio_dev_stats pvio_dev_recovery(struct device *dev)
{
	struct pvio_device *pdev = to_pvio_device(dev);
	struct pvio_dev_stats stats = {};

	pvio_recovery_get(pdev->link, pdev->role, &stats);
	return stats;
}

static ssize_t reconnects_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", pvio_dev_recovery(dev).reconnects);
}
static DEVICE_ATTR_RO(reconnects);

static ssize_t last_downtime_ms_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  pvio_dev_recovery(dev).last_downtime_ms);
}
static DEVICE_ATTR_RO(last_downtime_ms);

static ssize_t down_ms_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%llu\n", pvio_dev_recovery(dev).down_ms);
}
static DEVICE_ATTR_RO(down_ms);

static ssize_t replays_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%llu\n", pvio_dev_recovery(dev).replays);
}
static DEVICE_ATTR_RO(replays);

static ssize_t features_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct pvio_device *pdev = to_pvio_device(dev);
	struct pvio_link_end *end = &pdev->link->hdr->ends[pdev->role];

	return sysfs_emit(buf, "0x%llx\n", le64_to_cpu(READ_ONCE(end->features)));
}
static DEVICE_ATTR_RO(features);

static ssize_t ring_order_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_pvio_device(dev)->ring_order));
}
static DEVICE_ATTR_RO(ring_order);

static ssize_t nr_rings_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_pvio_device(dev)->nr_rings));
}
static DEVICE_ATTR_RO(nr_rings);

/*
 * As PCI's: the name of the only driver that may bind the device, so that
 * an administrator can hand a backend device to pvio_uend (a userspace
 * backend) instead of the kernel's backend driver. Empty: any match.
 */
static ssize_t driver_override_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct pvio_device *pdev = to_pvio_device(dev);
	ssize_t len;

	device_lock(dev);
	len = sysfs_emit(buf, "%s\n", pdev->driver_override ?: "");
	device_unlock(dev);
	return len;
}

static ssize_t driver_override_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	int ret;

	ret = driver_set_override(dev, &to_pvio_device(dev)->driver_override,
				  buf, count);
	return ret ?: count;
}
static DEVICE_ATTR_RW(driver_override);

static struct attribute *pvio_dev_attrs[] = {
	&dev_attr_type.attr,
	&dev_attr_role.attr,
	&dev_attr_link_id.attr,
	&dev_attr_index.attr,
	&dev_attr_state.attr,
	&dev_attr_otherend_state.attr,
	&dev_attr_generation.attr,
	&dev_attr_reconnects.attr,
	&dev_attr_last_downtime_ms.attr,
	&dev_attr_down_ms.attr,
	&dev_attr_replays.attr,
	&dev_attr_features.attr,
	&dev_attr_ring_order.attr,
	&dev_attr_nr_rings.attr,
	&dev_attr_driver_override.attr,
	NULL,
};
ATTRIBUTE_GROUPS(pvio_dev);

/* ---- the bus ---- */

/*
 * A driver binds the devices of its type and role; a device with a
 * driver_override only the driver it names, and a driver that is
 * override_only only such devices (of its role, any type). The override
 * is read as PCI's and platform's match functions read theirs.
 */
static int pvio_bus_match(struct device *dev,
			  pvio_compat_const_drv struct device_driver *drv)
{
	struct pvio_device *pdev = to_pvio_device(dev);
	const struct pvio_driver *pdrv = to_pvio_driver(drv);

	if (pdev->role != pdrv->role)
		return 0;
	if (pdev->driver_override)
		return !strcmp(pdev->driver_override, drv->name) &&
		       (pdrv->override_only || pdev->type == pdrv->type);
	return !pdrv->override_only && pdev->type == pdrv->type;
}

static int pvio_bus_uevent(PVIO_UEVENT_DEV struct device *dev,
			   struct kobj_uevent_env *env)
{
	const struct pvio_device *pdev = to_pvio_device(dev);

	return add_uevent_var(env, "MODALIAS=pvio:%s-%s",
			      pvio_dev_type_name(pdev->type),
			      pvio_role_name(pdev->role));
}

static int pvio_bus_probe(struct device *dev)
{
	struct pvio_driver *pdrv = to_pvio_driver(dev->driver);
	struct pvio_device *pdev = to_pvio_device(dev);

	pdev->probe_msg = NULL;
	pdev->probe_err = pdrv->probe(pdev);
	return pdev->probe_err;
}

static void pvio_bus_remove(struct device *dev)
{
	struct pvio_driver *pdrv = to_pvio_driver(dev->driver);

	if (pdrv->remove)
		pdrv->remove(to_pvio_device(dev));
}

PVIO_BUS_TYPE pvio_bus_type = {
	.name		= "pvio",
	.dev_groups	= pvio_dev_groups,
	.match		= pvio_bus_match,
	.uevent		= pvio_bus_uevent,
	.probe		= pvio_bus_probe,
	.remove		= pvio_bus_remove,
};
EXPORT_SYMBOL_GPL(pvio_bus_type);

int __pvio_driver_register(struct pvio_driver *drv, struct module *owner)
{
	if (!drv->probe)
		return -EINVAL;
	drv->driver.bus = &pvio_bus_type;
	drv->driver.owner = owner;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL_GPL(__pvio_driver_register);

void pvio_driver_unregister(struct pvio_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL_GPL(pvio_driver_unregister);

/* ---- devices ---- */

/*
 * Serializes pvio_device_add(), so one end of a device is added once, and
 * orders it against pvio_link_del_devices(), so a link being destroyed
 * gets no device that destroy does not remove; and the removal of
 * devices, so one is removed once: guards every device's ->deleted. Held
 * while drivers probe and remove.
 */
static DEFINE_MUTEX(pvio_devices_lock);

struct pvio_device_key {
	struct pvio_link *link;
	enum pvio_dev_type type;
	enum pvio_role role;
	u32 index;
};

static int pvio_device_is(struct device *dev, const void *data)
{
	const struct pvio_device *pdev = to_pvio_device(dev);
	const struct pvio_device_key *key = data;

	return pdev->link == key->link && pdev->type == key->type &&
	       pdev->role == key->role && pdev->index == key->index;
}

static bool pvio_device_exists(const struct pvio_device_key *key)
{
	struct device *dev;

	dev = bus_find_device(&pvio_bus_type, NULL, key, pvio_device_is);
	put_device(dev);
	return dev;
}

struct pvio_device *pvio_device_find(struct pvio_link *link,
				     enum pvio_dev_type type,
				     enum pvio_role role, u32 index)
{
	struct pvio_device_key key = {
		.link = link, .type = type, .role = role, .index = index,
	};
	struct device *dev;

	dev = bus_find_device(&pvio_bus_type, NULL, &key, pvio_device_is);
	return dev ? to_pvio_device(dev) : NULL;
}

static void pvio_device_release(struct device *dev)
{
	struct pvio_device *pdev = to_pvio_device(dev);

	pvio_link_put(pdev->link);
	kfree(pdev->driver_override);
	kfree(pdev);
}

static struct pvio_device *pvio_device_create(struct pvio_link *link,
					      enum pvio_dev_type type,
					      enum pvio_role role, u32 index)
{
	struct pvio_device *pdev;
	int ret;

	pdev = kzalloc(sizeof(*pdev), GFP_KERNEL);
	if (!pdev)
		return ERR_PTR(-ENOMEM);
	kref_get(&link->kref);
	pdev->link = link;
	pdev->type = type;
	pdev->role = role;
	pdev->index = index;
	pdev->dev.bus = &pvio_bus_type;
	pdev->dev.release = pvio_device_release;
	device_initialize(&pdev->dev);
	ret = dev_set_name(&pdev->dev, "link%u-%s%u-%s", link->id,
			   pvio_dev_type_name(type), index, pvio_role_name(role));
	if (!ret)
		ret = device_add(&pdev->dev);
	if (ret) {
		put_device(&pdev->dev);
		return ERR_PTR(ret);
	}
	/*
	 * The reference of device_initialize() goes with the registration,
	 * to whoever removes the device first; this one is the caller's.
	 */
	get_device(&pdev->dev);
	return pdev;
}

struct pvio_device *pvio_device_add(struct pvio_link *link,
				    enum pvio_dev_type type,
				    enum pvio_role role, u32 index)
{
	struct pvio_device_key key = {
		.link = link, .type = type, .role = role, .index = index,
	};
	struct pvio_device *pdev;

	if (type >= ARRAY_SIZE(pvio_type_names) ||
	    !(link->local_roles & BIT(role)))
		return ERR_PTR(-EINVAL);
	mutex_lock(&pvio_devices_lock);
	if (READ_ONCE(link->dead))
		pdev = ERR_PTR(-ENODEV);
	else if (pvio_device_exists(&key))
		pdev = ERR_PTR(-EEXIST);
	else
		pdev = pvio_device_create(link, type, role, index);
	mutex_unlock(&pvio_devices_lock);
	return pdev;
}
EXPORT_SYMBOL_GPL(pvio_device_add);

/*
 * Remove @pdev unless its creator or link destroy did already. The caller
 * holds a reference, so @pdev is there to look at either way.
 */
static void pvio_device_unregister(struct pvio_device *pdev)
{
	lockdep_assert_held(&pvio_devices_lock);
	if (pdev->deleted)
		return;
	pdev->deleted = true;
	device_unregister(&pdev->dev);
}

void pvio_device_del(struct pvio_device *pdev)
{
	mutex_lock(&pvio_devices_lock);
	pvio_device_unregister(pdev);
	mutex_unlock(&pvio_devices_lock);
	put_device(&pdev->dev);
}
EXPORT_SYMBOL_GPL(pvio_device_del);

/* Under pvio_devices_lock: a device of @link not removed yet. */
static int pvio_device_on_link(struct device *dev, const void *link)
{
	const struct pvio_device *pdev = to_pvio_device(dev);

	return pdev->link == link && !pdev->deleted;
}

void pvio_link_del_devices(struct pvio_link *link)
{
	struct device *dev;

	/*
	 * Destroy set ->dead before, and pvio_device_add() looks at it
	 * under the lock: one that saw the link alive has added its device
	 * when we get the lock, and any later one fails. So the loop below
	 * finds every device of the link.
	 */
	mutex_lock(&pvio_devices_lock);
	WARN_ON_ONCE(!READ_ONCE(link->dead));
	while ((dev = bus_find_device(&pvio_bus_type, NULL, link,
				      pvio_device_on_link))) {
		pvio_device_unregister(to_pvio_device(dev));
		put_device(dev);
	}
	mutex_unlock(&pvio_devices_lock);
}

int pvio_bus_init(void)
{
	return bus_register(&pvio_bus_type);
}

void pvio_bus_exit(void)
{
	bus_unregister(&pvio_bus_type);
}
