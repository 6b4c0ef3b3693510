// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * Links: this kernel's view of the shared regions joining a backend end and
 * a frontend end. A link is created and destroyed by the toolstack (netlink)
 * and lives until its last reference goes; its region comes from a provider.
 */
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "pvio.h"
#include "pvio_hv.h"

/* Link ids, for lookup by netlink and the drivers. */
static DEFINE_IDR(pvio_links);
/*
 * Guards pvio_links, and orders the netlink notifications of creation and
 * destruction; every link's ->dead is set under it.
 */
static DEFINE_MUTEX(pvio_links_lock);
/*
 * Runs link-change notifications, which may drop a link's last reference:
 * ours, so that module exit can wait for the last of them to return.
 */
static struct workqueue_struct *pvio_link_wq;

static void pvio_link_free(struct pvio_link *link)
{
	pvio_vbd_put_files(link);
	mutex_destroy(&link->restart_lock);
	kfree(link->events[PVIO_BACKEND]);
	kfree(link->events[PVIO_FRONTEND]);
	kfree(link);
}

/*
 * The core's per-link state (grant map, store shadows, local states), set
 * up once the region is mapped and laid out or checked.
 */
static int pvio_link_init_core(struct pvio_link *link)
{
	int ret;

	ret = pvio_grant_link_init(link);
	if (ret)
		return ret;
	ret = pvio_store_link_init(link);
	if (ret) {
		pvio_grant_link_exit(link);
		return ret;
	}
	pvio_state_link_init(link);
	return 0;
}

static void pvio_link_exit_core(struct pvio_link *link)
{
	pvio_store_link_exit(link);
	pvio_grant_link_exit(link);
}

static void pvio_link_release(struct kref *kref)
{
	struct pvio_link *link = container_of(kref, struct pvio_link, kref);
	struct completion *released = link->released;

	pvio_liveness_free(link);
	pvio_link_exit_core(link);
	link->provider->ops->destroy(link);
	if (!link->owned)
		pvio_provider_put(link->provider);
	pvio_link_free(link);
	/* From our code: the provider's module may go once it is told. */
	if (released)
		complete(released);
}

void pvio_link_put(struct pvio_link *link)
{
	kref_put(&link->kref, pvio_link_release);
}
EXPORT_SYMBOL_GPL(pvio_link_put);

struct pvio_link *pvio_link_get(u32 id)
{
	struct pvio_link *link;

	mutex_lock(&pvio_links_lock);
	link = idr_find(&pvio_links, id);
	if (link)
		kref_get(&link->kref);
	mutex_unlock(&pvio_links_lock);
	return link;
}
EXPORT_SYMBOL_GPL(pvio_link_get);

struct pvio_link *pvio_link_get_next(u32 *id)
{
	struct pvio_link *link;
	int next = *id;

	if (next < 0)		/* past INT_MAX: ids never get there */
		return NULL;
	mutex_lock(&pvio_links_lock);
	link = idr_get_next(&pvio_links, &next);
	if (link) {
		kref_get(&link->kref);
		*id = next;
	}
	mutex_unlock(&pvio_links_lock);
	return link;
}
EXPORT_SYMBOL_GPL(pvio_link_get_next);

u32 pvio_link_generation(struct pvio_link *link)
{
	if (link->provider->writes_header)
		return READ_ONCE(link->generation);
	if (link->provider->ops->generation)
		return link->provider->ops->generation(link);
	return le32_to_cpu(READ_ONCE(link->hdr->generation));
}
EXPORT_SYMBOL_GPL(pvio_link_generation);

/* Write a fresh header for a region this kernel owns. */
static void pvio_link_lay_out(struct pvio_link *link, u32 grant_entries)
{
	struct pvio_link_header *hdr = link->region;
	u32 grant_pages = DIV_ROUND_UP(grant_entries, PVIO_GRANTS_PER_PAGE);

	memset(link->region, 0, (size_t)link->data_offset * PVIO_PAGE_SIZE);
	hdr->magic = cpu_to_le32(PVIO_LINK_MAGIC);
	hdr->abi_version = cpu_to_le32(PVIO_LINK_ABI);
	hdr->region_pages = cpu_to_le32(link->region_pages);
	hdr->backend_id = cpu_to_le16(link->backend_id);
	hdr->frontend_id = cpu_to_le16(link->frontend_id);
	link->generation = 1;
	hdr->generation = cpu_to_le32(link->generation);
	hdr->grant_offset = cpu_to_le32(PVIO_GRANT_OFFSET);
	hdr->grant_entries = cpu_to_le32(grant_entries);
	hdr->data_offset = cpu_to_le32(PVIO_GRANT_OFFSET + grant_pages);
}

/*
 * Check a header someone else wrote (pvio-hvd) and take the layout from it.
 * Each field is read once; the link keeps its own copies.
 */
static int pvio_link_check_layout(struct pvio_link *link,
				  struct netlink_ext_ack *extack)
{
	struct pvio_link_header *hdr = link->region;
	u32 grants = le32_to_cpu(READ_ONCE(hdr->grant_entries));
	u32 data = le32_to_cpu(READ_ONCE(hdr->data_offset));

	if (le32_to_cpu(READ_ONCE(hdr->magic)) != PVIO_LINK_MAGIC ||
	    le32_to_cpu(READ_ONCE(hdr->abi_version)) != PVIO_LINK_ABI) {
		NL_SET_ERR_MSG(extack, "region has no pvio header of this ABI");
		return -EPROTO;
	}
	if (le32_to_cpu(READ_ONCE(hdr->region_pages)) != link->region_pages ||
	    le32_to_cpu(READ_ONCE(hdr->grant_offset)) != PVIO_GRANT_OFFSET ||
	    !grants || grants > PVIO_LINK_MAX_GRANTS ||
	    data < PVIO_GRANT_OFFSET +
		   DIV_ROUND_UP(grants, PVIO_GRANTS_PER_PAGE) ||
	    data >= link->region_pages) {
		NL_SET_ERR_MSG(extack, "region header has an impossible layout");
		return -EPROTO;
	}
	link->grant_entries = grants;
	link->data_offset = data;
	return 0;
}

static int pvio_link_check_params(const struct pvio_link_params *p,
				  u32 *pages, u32 *grants,
				  struct netlink_ext_ack *extack)
{
	u32 grant_pages;

	*pages = p->region_pages ?: PVIO_LINK_DEFAULT_PAGES;
	*grants = p->grant_entries ?: PVIO_LINK_DEFAULT_GRANTS;
	if (*pages < PVIO_LINK_MIN_PAGES || *pages > PVIO_LINK_MAX_PAGES) {
		NL_SET_ERR_MSG(extack, "region size out of range");
		return -EINVAL;
	}
	if (*grants > PVIO_LINK_MAX_GRANTS) {
		NL_SET_ERR_MSG(extack, "too many grant entries");
		return -EINVAL;
	}
	grant_pages = DIV_ROUND_UP(*grants, PVIO_GRANTS_PER_PAGE);
	if (PVIO_GRANT_OFFSET + grant_pages >= *pages) {
		NL_SET_ERR_MSG(extack, "grant table leaves no data pages");
		return -EINVAL;
	}
	return 0;
}

/* Tell the monitor group that @link changed, in order with new and del. */
static void pvio_link_ntf_work(struct work_struct *work)
{
	struct pvio_link *link = container_of(work, struct pvio_link,
					      ntf_work);

	mutex_lock(&pvio_links_lock);
	if (!link->dead)
		pvio_nl_link_notify(link, PVIO_CMD_LINK_CHANGE_NTF);
	mutex_unlock(&pvio_links_lock);
	pvio_link_put(link);
}

void pvio_link_changed(struct pvio_link *link)
{
	/* The work holds a reference until it ran. */
	pvio_link_hold(link);
	if (!queue_work(pvio_link_wq, &link->ntf_work))
		pvio_link_put(link);
}

static struct pvio_link *pvio_link_alloc(const struct pvio_provider *prov,
					 unsigned int nr_ports)
{
	struct pvio_link *link;

	link = kzalloc(sizeof(*link), GFP_KERNEL);
	if (!link)
		return NULL;
	mutex_init(&link->restart_lock);
	link->nr_ports = nr_ports;
	link->events[PVIO_BACKEND] = kcalloc(nr_ports,
					     sizeof(struct pvio_evtchn *),
					     GFP_KERNEL);
	link->events[PVIO_FRONTEND] = kcalloc(nr_ports,
					      sizeof(struct pvio_evtchn *),
					      GFP_KERNEL);
	if (!link->events[PVIO_BACKEND] || !link->events[PVIO_FRONTEND]) {
		pvio_link_free(link);
		return NULL;
	}
	link->provider = prov;
	kref_init(&link->kref);
	spin_lock_init(&link->events_lock);
	INIT_WORK(&link->ntf_work, pvio_link_ntf_work);
	return link;
}

/* Map the region through the provider and lay it out or check it. */
static int pvio_link_map(struct pvio_link *link, u32 pages, u32 grants,
			 struct netlink_ext_ack *extack)
{
	const struct pvio_provider *prov = link->provider;
	int ret;

	link->region_pages = pages;
	ret = prov->ops->create(link, extack);
	if (ret)
		return ret;
	link->hdr = link->region;
	if (prov->writes_header) {
		link->grant_entries = grants;
		link->data_offset = PVIO_GRANT_OFFSET +
			DIV_ROUND_UP(grants, PVIO_GRANTS_PER_PAGE);
		pvio_link_lay_out(link, grants);
		return 0;
	}
	ret = pvio_link_check_layout(link, extack);
	if (ret)
		prov->ops->destroy(link);
	return ret;
}

/*
 * Make a link of @prov: a provider's own (@released set, see
 * pvio_link_create_owned()), or one netlink made, which owns the
 * reference on @prov's module the caller took, also on failure.
 */
static int __pvio_link_create(const struct pvio_provider *prov,
			      const struct pvio_link_params *params,
			      unsigned int nr_ports, void *priv,
			      struct completion *released,
			      struct netlink_ext_ack *extack,
			      struct pvio_link **out)
{
	struct pvio_link *link;
	u32 pages, grants;
	int ret;

	ret = pvio_link_check_params(params, &pages, &grants, extack);
	if (ret)
		goto err_put;
	ret = -ENOMEM;
	link = pvio_link_alloc(prov, nr_ports);
	if (!link)
		goto err_put;
	link->owned = !!released;
	link->released = released;
	link->provider_priv = priv;
	link->backend_id = params->backend_id;
	link->frontend_id = params->frontend_id;
	ret = pvio_link_map(link, pages, grants, extack);
	if (ret)
		goto err_free;
	ret = pvio_link_init_core(link);
	if (ret) {
		prov->ops->destroy(link);
		goto err_free;
	}

	/*
	 * Fully set up before a lookup or a destroy can find it, and the
	 * caller's reference taken before a destroy could drop the last one.
	 */
	if (out)
		kref_get(&link->kref);
	mutex_lock(&pvio_links_lock);
	ret = idr_alloc_cyclic(&pvio_links, link, 0, INT_MAX, GFP_KERNEL);
	if (ret >= 0) {
		link->id = ret;
		ret = pvio_liveness_start(link);
		if (ret) {
			idr_remove(&pvio_links, link->id);
		} else {
			pvio_debugfs_link_add(link);
			pvio_nl_link_notify(link, PVIO_CMD_LINK_NEW_NTF);
		}
	}
	mutex_unlock(&pvio_links_lock);
	if (ret < 0) {
		NL_SET_ERR_MSG(extack, "cannot register the link");
		if (out)
			pvio_link_put(link);
		pvio_link_put(link);
		return ret;
	}
	if (out)
		*out = link;
	return 0;

err_free:
	pvio_link_free(link);
err_put:
	if (!released)
		pvio_provider_put(prov);
	return ret;
}

int pvio_link_create(const struct pvio_link_params *params,
		     struct netlink_ext_ack *extack, struct pvio_link **out)
{
	const struct pvio_provider *prov;

	prov = pvio_provider_get(params->provider);
	if (!prov) {
		NL_SET_ERR_MSG(extack, "no such provider (is its module loaded?)");
		return -ENOENT;
	}
	if (prov->owns_links) {
		pvio_provider_put(prov);
		NL_SET_ERR_MSG(extack,
			       "this provider makes its links from its devices");
		return -EOPNOTSUPP;
	}
	return __pvio_link_create(prov, params, prov->nr_ports, NULL, NULL,
				  extack, out);
}
EXPORT_SYMBOL_GPL(pvio_link_create);

int pvio_link_create_owned(const struct pvio_provider *prov,
			   const struct pvio_link_params *params,
			   unsigned int nr_ports, void *priv,
			   struct completion *released,
			   struct pvio_link **out)
{
	if (WARN_ON(!prov->owns_links || !nr_ports))
		return -EINVAL;
	return __pvio_link_create(prov, params, nr_ports, priv, released,
				  NULL, out);
}
EXPORT_SYMBOL_GPL(pvio_link_create_owned);

/* Unpublish @link, under pvio_links_lock. */
static void pvio_link_unpublish(struct pvio_link *link)
{
	lockdep_assert_held(&pvio_links_lock);
	idr_remove(&pvio_links, link->id);
	/* First of all: see pvio_link_del_devices(). */
	WRITE_ONCE(link->dead, true);
	pvio_nl_link_notify(link, PVIO_CMD_LINK_DEL_NTF);
}

/* Take down @link, unpublished, and drop the list's reference. */
static void pvio_link_teardown(struct pvio_link *link)
{
	/* debugfs first: removal waits for a restart being written. */
	pvio_debugfs_link_del(link);
	pvio_link_del_devices(link);
	pvio_liveness_stop(link);
	pvio_link_put(link);
}

int pvio_link_destroy(u32 id, struct netlink_ext_ack *extack)
{
	struct pvio_link *link;
	int ret = 0;

	mutex_lock(&pvio_links_lock);
	link = idr_find(&pvio_links, id);
	if (!link) {
		NL_SET_ERR_MSG(extack, "no such link");
		ret = -ENOENT;
	} else if (link->owned) {
		NL_SET_ERR_MSG(extack,
			       "the link belongs to its provider's device");
		ret = -EPERM;
	} else {
		pvio_link_unpublish(link);
	}
	mutex_unlock(&pvio_links_lock);
	if (!ret)
		pvio_link_teardown(link);
	return ret;
}
EXPORT_SYMBOL_GPL(pvio_link_destroy);

void pvio_link_remove(struct pvio_link *link)
{
	mutex_lock(&pvio_links_lock);
	if (WARN_ON(link->dead)) {
		mutex_unlock(&pvio_links_lock);
		return;
	}
	pvio_link_unpublish(link);
	mutex_unlock(&pvio_links_lock);
	pvio_link_teardown(link);
}
EXPORT_SYMBOL_GPL(pvio_link_remove);

int pvio_link_init(void)
{
	pvio_link_wq = alloc_workqueue("pvio_link", 0, 0);
	return pvio_link_wq ? 0 : -ENOMEM;
}

/*
 * Module exit: every provider module is gone, so no link is left but
 * those whose notification still runs (it drops their last reference
 * after the provider's): wait for them, they run our code.
 */
void pvio_link_exit(void)
{
	destroy_workqueue(pvio_link_wq);
	WARN_ON(!idr_is_empty(&pvio_links));
	idr_destroy(&pvio_links);
}
