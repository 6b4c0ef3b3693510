// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The registry of providers: the modules (loop, ivshmem) that give a link
 * its shared memory and its notifications.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "pvio.h"
#include "pvio_hv.h"

static LIST_HEAD(pvio_providers);
/* Guards pvio_providers. */
static DEFINE_MUTEX(pvio_providers_lock);

static struct pvio_provider *pvio_provider_find_locked(const char *name)
{
	struct pvio_provider *prov;

	list_for_each_entry(prov, &pvio_providers, node)
		if (!strcmp(prov->name, name))
			return prov;
	return NULL;
}

int pvio_provider_register(struct pvio_provider *prov)
{
	int ret = 0;

	if (!prov->ops || !prov->ops->create || !prov->ops->destroy ||
	    !prov->ops->notify || !prov->nr_ports)
		return -EINVAL;

	mutex_lock(&pvio_providers_lock);
	if (pvio_provider_find_locked(prov->name))
		ret = -EEXIST;
	else
		list_add_tail(&prov->node, &pvio_providers);
	mutex_unlock(&pvio_providers_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(pvio_provider_register);

void pvio_provider_unregister(struct pvio_provider *prov)
{
	mutex_lock(&pvio_providers_lock);
	list_del(&prov->node);
	mutex_unlock(&pvio_providers_lock);
}
EXPORT_SYMBOL_GPL(pvio_provider_unregister);

/*
 * The provider called @name with a reference on its module, or NULL. The
 * reference keeps the module (and so the provider) alive for the link.
 */
const struct pvio_provider *pvio_provider_get(const char *name)
{
	struct pvio_provider *prov;

	mutex_lock(&pvio_providers_lock);
	prov = pvio_provider_find_locked(name);
	if (prov && !try_module_get(prov->owner))
		prov = NULL;
	mutex_unlock(&pvio_providers_lock);
	return prov;
}

void pvio_provider_put(const struct pvio_provider *prov)
{
	module_put(prov->owner);
}
