// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_loop.ko: the loopback provider. Both ends of its links live in this
 * kernel and the region is ordinary kernel memory. A notification is
 * delivered through irq_work, in interrupt context like a real doorbell and
 * never as a direct call, and rapid notifications of one port coalesce
 * into one delivery, as ivshmem's doorbells do.
 */
#include <linux/bitmap.h>
#include <linux/irq_work.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "pvio.h"

#define PVIO_LOOP_PORTS		16

/**
 * struct pvio_loop_end - the doorbell of one end of a loop link
 * @work: delivers the pending ports
 * @pending: ports rung and not yet delivered
 * @link: the link
 * @role: which end
 */
struct pvio_loop_end {
	struct irq_work work;
	DECLARE_BITMAP(pending, PVIO_LOOP_PORTS);
	struct pvio_link *link;
	enum pvio_role role;
};

struct pvio_loop_link {
	struct pvio_loop_end ends[2];
};

static void pvio_loop_deliver(struct irq_work *work)
{
	struct pvio_loop_end *end = container_of(work, struct pvio_loop_end,
						 work);
	unsigned int port;

	for_each_set_bit(port, end->pending, PVIO_LOOP_PORTS)
		if (test_and_clear_bit(port, end->pending))
			pvio_link_event(end->link, end->role, port);
}

static int pvio_loop_create(struct pvio_link *link,
			    struct netlink_ext_ack *extack)
{
	struct pvio_loop_link *ll;
	int i;

	ll = kzalloc(sizeof(*ll), GFP_KERNEL);
	if (!ll)
		return -ENOMEM;
	link->region = vzalloc(array_size(link->region_pages, PVIO_PAGE_SIZE));
	if (!link->region) {
		kfree(ll);
		NL_SET_ERR_MSG(extack, "cannot allocate the region");
		return -ENOMEM;
	}
	for (i = 0; i < 2; i++) {
		ll->ends[i].link = link;
		ll->ends[i].role = i;
		init_irq_work(&ll->ends[i].work, pvio_loop_deliver);
	}
	link->local_roles = BIT(PVIO_BACKEND) | BIT(PVIO_FRONTEND);
	link->provider_priv = ll;
	return 0;
}

static void pvio_loop_destroy(struct pvio_link *link)
{
	struct pvio_loop_link *ll = link->provider_priv;

	irq_work_sync(&ll->ends[PVIO_BACKEND].work);
	irq_work_sync(&ll->ends[PVIO_FRONTEND].work);
	vfree(link->region);
	kfree(ll);
}

static void pvio_loop_notify(struct pvio_link *link, enum pvio_role to,
			     unsigned int port)
{
	struct pvio_loop_end *end;

	if (WARN_ON_ONCE(port >= PVIO_LOOP_PORTS))
		return;
	end = &((struct pvio_loop_link *)link->provider_priv)->ends[to];
	set_bit(port, end->pending);
	irq_work_queue(&end->work);
}

static const struct pvio_provider_ops pvio_loop_ops = {
	.create		= pvio_loop_create,
	.destroy	= pvio_loop_destroy,
	.notify		= pvio_loop_notify,
};

static struct pvio_provider pvio_loop_provider = {
	.name			= "loop",
	.owner			= THIS_MODULE,
	.nr_ports		= PVIO_LOOP_PORTS,
	.writes_header		= true,
	.keeps_records		= true,
	.restarts_ends		= true,
	.ops			= &pvio_loop_ops,
};

static int __init pvio_loop_init(void)
{
	return pvio_provider_register(&pvio_loop_provider);
}

static void __exit pvio_loop_exit(void)
{
	pvio_provider_unregister(&pvio_loop_provider);
}

module_init(pvio_loop_init);
module_exit(pvio_loop_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pvio loopback provider: both link ends in one kernel");
MODULE_AUTHOR("The pvio authors");
