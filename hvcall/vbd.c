// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * Virtual block devices as the toolstack configures them (netlink vbd-new,
 * vbd-del, vbd-set; netlink.c parses and replies). A vbd is its keys in
 * the link's toolstack store area, vbd<N>/params, mode, iops and bps
 * (Documentation/blkif.rst), plus a device on the pvio bus for each end
 * that lives in this kernel: the block drivers read the keys when they
 * bind. Only the kernel that laid out the link's region writes that area.
 */
#include <linux/device.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pvio.h"
#include "pvio_hv.h"

/* Orders vbd and vif changes, and so their notifications. */
DEFINE_MUTEX(pvio_vbd_lock);
/* Guards every link's ->vbd_files; backend probes read them under it. */
static DEFINE_SPINLOCK(pvio_vbd_files_lock);

/* Give vbd @index the file @file (or none); returns the old one to put. */
static struct file *pvio_vbd_swap_file(struct pvio_link *link, u32 index,
				       struct file *file)
{
	struct file *old;

	spin_lock(&pvio_vbd_files_lock);
	old = link->vbd_files[index];
	link->vbd_files[index] = file;
	spin_unlock(&pvio_vbd_files_lock);
	return old;
}

static void pvio_vbd_drop_file(struct pvio_link *link, u32 index)
{
	struct file *old = pvio_vbd_swap_file(link, index, NULL);

	if (old)
		fput(old);
}

struct file *pvio_vbd_backing_file(struct pvio_link *link, u32 index)
{
	struct file *file = NULL;

	if (index >= ARRAY_SIZE(link->vbd_files))
		return NULL;
	spin_lock(&pvio_vbd_files_lock);
	if (link->vbd_files[index])
		file = get_file(link->vbd_files[index]);
	spin_unlock(&pvio_vbd_files_lock);
	return file;
}
EXPORT_SYMBOL_GPL(pvio_vbd_backing_file);

void pvio_vbd_put_files(struct pvio_link *link)
{
	u32 index;

	for (index = 0; index < ARRAY_SIZE(link->vbd_files); index++)
		pvio_vbd_drop_file(link, index);
}

static const char * const pvio_vbd_key_names[] = {
	"params", "mode", "iops", "bps", "coalesce",
};

/* Remove every key of vbd @index; absent ones are no error. */
static void pvio_vbd_remove_keys(struct pvio_link *link, u32 index)
{
	pvio_dev_remove_keys(link, PVIO_DEV_VBD, index, pvio_vbd_key_names,
			     ARRAY_SIZE(pvio_vbd_key_names));
}

/* Set limit key @name of vbd @index to @val; 0 (no limit) is no key. */
static int pvio_vbd_write_limit(struct pvio_link *link, u32 index,
				const char *name, u64 val)
{
	return pvio_dev_write_num(link, PVIO_DEV_VBD, index, name, val);
}

/* Read limit key @name of vbd @index; absent or unreadable is no limit. */
static u64 pvio_vbd_read_limit(struct pvio_link *link, u32 index,
			       const char *name)
{
	return pvio_dev_read_num(link, PVIO_DEV_VBD, index, name);
}

/* Is vbd @index configured: its params key, or a device of it, exists? */
static bool pvio_vbd_in_use(struct pvio_link *link, u32 index)
{
	return pvio_dev_in_use(link, PVIO_DEV_VBD, index, "params");
}

/* The keys of a new vbd, written before its devices look for them. */
static int pvio_vbd_write_keys(struct pvio_link *link,
			       const struct pvio_vbd_params *params)
{
	char key[PVIO_STORE_KEY_MAX];
	u32 index = params->index;
	int ret;

	ret = pvio_store_write(link, PVIO_STORE_TOOLSTACK,
			       pvio_dev_key(key, PVIO_DEV_VBD, index, "params"),
			       params->path);
	if (!ret)
		ret = pvio_store_write(link, PVIO_STORE_TOOLSTACK,
				       pvio_dev_key(key, PVIO_DEV_VBD, index,
						    "mode"),
				       params->readonly ? "r" : "w");
	if (!ret)
		ret = pvio_vbd_write_limit(link, index, "iops", params->iops);
	if (!ret)
		ret = pvio_vbd_write_limit(link, index, "bps", params->bps);
	if (!ret)
		ret = pvio_vbd_write_limit(link, index, "coalesce",
					   params->coalesce);
	return ret;
}

/* Has @link a vbd at any index? */
bool pvio_vbd_any(struct pvio_link *link)
{
	return pvio_dev_any(link, PVIO_DEV_VBD, "params");
}

static void pvio_vbd_notify(struct pvio_link *link, u32 index, u8 cmd)
{
	struct pvio_vbd_info *info;

	info = kmalloc(sizeof(*info), GFP_KERNEL);
	if (info && pvio_vbd_get(link, index, info))
		info->path[0] = '\0';	/* gone (del): index and states */
	if (info)
		pvio_nl_vbd_notify(link, info, cmd);
	kfree(info);
}

int pvio_vbd_new(struct pvio_link *link, struct pvio_vbd_params *params,
		 struct netlink_ext_ack *extack)
{
	int ret;

	if (!pvio_dev_configurable(link, extack))
		return -EOPNOTSUPP;
	mutex_lock(&pvio_vbd_lock);
	if (READ_ONCE(link->dead)) {
		NL_SET_ERR_MSG(extack, "unknown link");
		ret = -ENOENT;
		goto out;
	}
	/*
	 * Each end of a link publishes one state, which its one device's
	 * handshake drives: a second vbd would share it and confuse both.
	 */
	if (pvio_vbd_any(link)) {
		NL_SET_ERR_MSG(extack,
			       "the link has a vbd already (one device per link)");
		ret = -EBUSY;
		goto out;
	}
	if (pvio_vif_any(link)) {
		NL_SET_ERR_MSG(extack,
			       "the link has a vif already (one device per link)");
		ret = -EBUSY;
		goto out;
	}
	if (params->index == PVIO_VBD_ANY_INDEX) {
		params->index = pvio_dev_free_index(link, PVIO_DEV_VBD,
						    "params");
		if (params->index == PVIO_VBD_ANY_INDEX) {
			NL_SET_ERR_MSG(extack, "no free vbd index on the link");
			ret = -ENOSPC;
			goto out;
		}
	} else if (pvio_vbd_in_use(link, params->index)) {
		NL_SET_ERR_MSG(extack, "vbd index in use");
		ret = -EEXIST;
		goto out;
	}

	if (params->file && !(link->local_roles & BIT(PVIO_BACKEND))) {
		NL_SET_ERR_MSG(extack,
			       "an fd can back only a vbd whose backend is in this kernel");
		ret = -EOPNOTSUPP;
		goto out;
	}
	ret = pvio_vbd_write_keys(link, params);
	if (ret) {
		pvio_dev_store_error(extack, PVIO_DEV_VBD, ret);
		goto err_keys;
	}
	/* Before the backend device: its driver takes the file in probe. */
	if (params->file) {
		struct file *old = pvio_vbd_swap_file(link, params->index,
						      get_file(params->file));

		/* The index was free: a file left there would be a bug. */
		if (WARN_ON_ONCE(old))
			fput(old);
	}
	ret = pvio_dev_add_ends(link, PVIO_DEV_VBD, params->index, extack);
	if (ret)
		goto err_keys;
	pvio_vbd_notify(link, params->index, PVIO_CMD_VBD_NEW_NTF);
	mutex_unlock(&pvio_vbd_lock);
	return 0;

err_keys:
	pvio_vbd_drop_file(link, params->index);
	pvio_vbd_remove_keys(link, params->index);
out:
	mutex_unlock(&pvio_vbd_lock);
	return ret;
}

int pvio_vbd_del(struct pvio_link *link, u32 index,
		 struct netlink_ext_ack *extack)
{
	struct pvio_vbd_info *info;
	int ret = 0;

	if (!pvio_dev_configurable(link, extack))
		return -EOPNOTSUPP;
	/* Taken first: the notification carries the vbd's last values. */
	info = kmalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	mutex_lock(&pvio_vbd_lock);
	if (!pvio_vbd_in_use(link, index)) {
		NL_SET_ERR_MSG(extack, "no such vbd");
		ret = -ENOENT;
		goto out;
	}
	if (pvio_vbd_get(link, index, info))
		info->path[0] = '\0';
	pvio_dev_del_ends(link, PVIO_DEV_VBD, index);
	pvio_vbd_drop_file(link, index);
	pvio_vbd_remove_keys(link, index);
	pvio_nl_vbd_notify(link, info, PVIO_CMD_VBD_DEL_NTF);
out:
	mutex_unlock(&pvio_vbd_lock);
	kfree(info);
	return ret;
}

/*
 * Tell the backend driver bound to vbd @index that its keys changed.
 * With no driver bound, the new keys wait for the next one, unless the
 * caller needs one now (@reread).
 */
static int pvio_vbd_config_changed(struct pvio_link *link, u32 index,
				   bool reread, struct netlink_ext_ack *extack)
{
	bool told;
	int ret;

	ret = pvio_dev_config_changed(link, PVIO_DEV_VBD, index, &told,
				      extack);
	if (!ret && !told && reread) {
		NL_SET_ERR_MSG(extack,
			       "no vbd backend driver here to re-read the capacity");
		ret = -ENODEV;
	}
	return ret;
}

int pvio_vbd_set(struct pvio_link *link, const struct pvio_vbd_params *params,
		 struct netlink_ext_ack *extack)
{
	u32 index = params->index;
	u64 old_iops, old_bps, old_coalesce;
	int ret;

	if (!pvio_dev_configurable(link, extack))
		return -EOPNOTSUPP;
	mutex_lock(&pvio_vbd_lock);
	if (!pvio_vbd_in_use(link, index)) {
		NL_SET_ERR_MSG(extack, "no such vbd");
		ret = -ENOENT;
		goto out;
	}
	old_iops = pvio_vbd_read_limit(link, index, "iops");
	old_bps = pvio_vbd_read_limit(link, index, "bps");
	old_coalesce = pvio_vbd_read_limit(link, index, "coalesce");
	ret = 0;
	if (params->set_iops)
		ret = pvio_vbd_write_limit(link, index, "iops", params->iops);
	if (!ret && params->set_bps)
		ret = pvio_vbd_write_limit(link, index, "bps", params->bps);
	if (!ret && params->set_coalesce)
		ret = pvio_vbd_write_limit(link, index, "coalesce",
					   params->coalesce);
	if (ret)
		pvio_dev_store_error(extack, PVIO_DEV_VBD, ret);
	else
		ret = pvio_vbd_config_changed(link, index, params->reread,
					      extack);
	if (ret) {
		/* Back to what the backend last accepted. */
		pvio_vbd_write_limit(link, index, "iops", old_iops);
		pvio_vbd_write_limit(link, index, "bps", old_bps);
		pvio_vbd_write_limit(link, index, "coalesce", old_coalesce);
		goto out;
	}
	pvio_vbd_notify(link, index, PVIO_CMD_VBD_CHANGE_NTF);
out:
	mutex_unlock(&pvio_vbd_lock);
	return ret;
}

int pvio_vbd_get(struct pvio_link *link, u32 index,
		 struct pvio_vbd_info *info)
{
	char mode[4];
	int role, ret;

	memset(info, 0, sizeof(*info));
	info->index = index;
	/* A path too long, torn or garbled shows as empty: still a vbd. */
	ret = pvio_dev_read_record(link, PVIO_DEV_VBD, index, "params",
				   info->path, sizeof(info->path));
	if (ret == -ENOENT)
		return ret;
	if (ret)
		info->path[0] = '\0';
	info->readonly = !pvio_dev_read_record(link, PVIO_DEV_VBD, index,
					       "mode", mode, sizeof(mode)) &&
			 !strcmp(mode, "r");
	info->iops = min_t(u64, pvio_vbd_read_limit(link, index, "iops"),
			   U32_MAX);
	info->bps = pvio_vbd_read_limit(link, index, "bps");
	info->coalesce = min_t(u64, pvio_vbd_read_limit(link, index,
							"coalesce"), U32_MAX);
	for (role = PVIO_BACKEND; role <= PVIO_FRONTEND; role++) {
		info->state[role] = pvio_state_get(link, role);
		if (pvio_dev_stats(link, PVIO_DEV_VBD, role, index,
				   &info->stats[role]))
			info->has_stats |= BIT(role);
	}
	return 0;
}
