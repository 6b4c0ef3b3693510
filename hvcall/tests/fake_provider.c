// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_hv_kunit.ko: the KUnit suites of pvio_hv (one file per suite, beside
 * this one) and the fake providers they run links on:
 *
 *   "kunit"      lays out its regions through the core, like loop
 *   "kunit-hvd"  lays them out itself, like pvio-hvd, leaving stale content
 *                of a previous incarnation for the core to clean up
 *
 * Both ring doorbells synchronously: notify calls pvio_link_event() before
 * it returns.
 */
#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "pvio_kunit.h"

struct pvio_kunit_priv {
	atomic_t kicks[2][PVIO_KUNIT_PORTS];
};

/* How the link being created is made; set by pvio_kunit_link(). */
static struct pvio_kunit_link_cfg pvio_kunit_next;

#define PVIO_KUNIT_HVD_GRANTS	512

/* What pvio-hvd would write, plus what a dead incarnation left behind. */
static void pvio_kunit_lay_out_foreign(struct pvio_link *link)
{
	struct pvio_link_header *hdr = link->region;
	u32 grants = pvio_kunit_next.grant_entries ?: PVIO_KUNIT_HVD_GRANTS;
	u32 goff = PVIO_STORE_OFFSET + PVIO_STORE_NR;
	u32 gpages = DIV_ROUND_UP(grants, PVIO_PAGE_SIZE /
				  sizeof(struct pvio_grant_entry));
	__le64 *table = link->region + (size_t)goff * PVIO_PAGE_SIZE;
	enum pvio_store_writer w;
	u32 i;

	hdr->magic = cpu_to_le32(PVIO_LINK_MAGIC);
	hdr->abi_version = cpu_to_le32(PVIO_LINK_ABI);
	hdr->region_pages = cpu_to_le32(link->region_pages);
	hdr->backend_id = cpu_to_le16(link->backend_id);
	hdr->frontend_id = cpu_to_le16(link->frontend_id);
	hdr->generation = cpu_to_le32(7);
	hdr->grant_offset = cpu_to_le32(goff);
	hdr->grant_entries = cpu_to_le32(grants);
	hdr->data_offset = cpu_to_le32(goff + gpages);

	hdr->ends[PVIO_BACKEND].state = cpu_to_le32(PVIO_STATE_CONNECTED);
	hdr->ends[PVIO_FRONTEND].state = cpu_to_le32(PVIO_STATE_CONNECTED);
	for (i = 0; i < grants; i++)
		table[i] = cpu_to_le64(PVIO_GRANT_F_VALID);
	for (w = 0; w < PVIO_STORE_NR; w++) {
		struct pvio_store_area *area = pvio_kunit_store_area(link, w);

		/* The toolstack's area is sound; the ends' writers died. */
		area->seq = cpu_to_le32(w == PVIO_STORE_TOOLSTACK ? 4 : 5);
		strscpy(area->entries[0].key, "stale",
			sizeof(area->entries[0].key));
		strscpy(area->entries[0].value, "1",
			sizeof(area->entries[0].value));
	}
}

static int pvio_kunit_create(struct pvio_link *link,
			     struct netlink_ext_ack *extack)
{
	struct pvio_kunit_priv *priv;

	priv = kzalloc(sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	link->region = vzalloc(array_size(link->region_pages, PVIO_PAGE_SIZE));
	if (!link->region) {
		kfree(priv);
		return -ENOMEM;
	}
	link->local_roles = pvio_kunit_next.roles;
	link->provider_priv = priv;
	if (pvio_kunit_next.foreign)
		pvio_kunit_lay_out_foreign(link);
	return 0;
}

static void pvio_kunit_destroy(struct pvio_link *link)
{
	vfree(link->region);
	kfree(link->provider_priv);
}

static void pvio_kunit_notify(struct pvio_link *link, enum pvio_role to,
			      unsigned int port)
{
	struct pvio_kunit_priv *priv = link->provider_priv;

	atomic_inc(&priv->kicks[to][port]);
	pvio_link_event(link, to, port);
}

int pvio_kunit_kicks(struct pvio_link *link, enum pvio_role to,
		     unsigned int port)
{
	struct pvio_kunit_priv *priv = link->provider_priv;

	return atomic_read(&priv->kicks[to][port]);
}

static const struct pvio_provider_ops pvio_kunit_ops = {
	.create		= pvio_kunit_create,
	.destroy	= pvio_kunit_destroy,
	.notify		= pvio_kunit_notify,
};

static struct pvio_provider pvio_kunit_provider = {
	.name			= "kunit",
	.owner			= THIS_MODULE,
	.nr_ports		= PVIO_KUNIT_PORTS,
	.writes_header		= true,
	.keeps_records		= true,
	.restarts_ends		= true,
	.ops			= &pvio_kunit_ops,
};

static struct pvio_provider pvio_kunit_hvd_provider = {
	.name			= "kunit-hvd",
	.owner			= THIS_MODULE,
	.nr_ports		= PVIO_KUNIT_PORTS,
	.writes_header		= false,
	.keeps_records		= false,
	.restarts_ends		= false,
	.ops			= &pvio_kunit_ops,
};

int pvio_kunit_providers_register(struct kunit_suite *suite)
{
	int ret;

	ret = pvio_provider_register(&pvio_kunit_provider);
	if (ret)
		return ret;
	ret = pvio_provider_register(&pvio_kunit_hvd_provider);
	if (ret)
		pvio_provider_unregister(&pvio_kunit_provider);
	return ret;
}

void pvio_kunit_providers_unregister(struct kunit_suite *suite)
{
	pvio_provider_unregister(&pvio_kunit_hvd_provider);
	pvio_provider_unregister(&pvio_kunit_provider);
}

static void pvio_kunit_link_release(void *data)
{
	struct pvio_link *link = data;

	pvio_link_destroy(link->id, NULL);
	pvio_link_put(link);
}

struct pvio_link *pvio_kunit_link(struct kunit *test,
				  const struct pvio_kunit_link_cfg *cfg)
{
	struct pvio_link_params params = {
		.provider = cfg->foreign ? "kunit-hvd" : "kunit",
		.backend_id = 1,
		.frontend_id = 2,
		.region_pages = cfg->region_pages ?: 32,
		.grant_entries = cfg->grant_entries,
	};
	struct pvio_link *link;
	int ret;

	pvio_kunit_next = *cfg;
	ret = pvio_link_create(&params, NULL, &link);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = kunit_add_action_or_reset(test, pvio_kunit_link_release, link);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return link;
}

KUNIT_DEFINE_ACTION_WRAPPER(pvio_kunit_unbind_action, pvio_evtchn_unbind,
			    struct pvio_evtchn *);

struct pvio_evtchn *pvio_kunit_bind(struct kunit *test, struct pvio_link *link,
				    enum pvio_role self, unsigned int port,
				    pvio_evtchn_handler_t handler, void *data)
{
	struct pvio_evtchn *ch;
	int ret;

	ch = pvio_evtchn_bind(link, self, port, handler, data);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ch);
	ret = kunit_add_action_or_reset(test, pvio_kunit_unbind_action, ch);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return ch;
}

void pvio_kunit_unbind(struct kunit *test, struct pvio_evtchn *ch)
{
	kunit_release_action(test, pvio_kunit_unbind_action, ch);
}

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of pvio_hv: ring, grants, store, states, events");
MODULE_AUTHOR("The pvio authors");
MODULE_INFO(test, "Y");
