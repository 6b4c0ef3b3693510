// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_hv.ko: the "hypervisor" layer every pvio driver sits on. This file
 * is only the ladder of subsystem inits; each concept has its own file.
 */
#include <linux/module.h>

#include "pvio_hv.h"

static int __init pvio_hv_init(void)
{
	int ret;

	ret = pvio_link_init();
	if (ret)
		return ret;
	ret = pvio_bus_init();
	if (ret)
		goto err_link;
	pvio_debugfs_init();
	ret = pvio_nl_init();
	if (ret)
		goto err_debugfs;

	pr_info("loaded\n");
	return 0;

err_debugfs:
	pvio_debugfs_exit();
	pvio_bus_exit();
err_link:
	pvio_link_exit();
	return ret;
}

static void __exit pvio_hv_exit(void)
{
	pvio_nl_exit();
	pvio_debugfs_exit();
	pvio_bus_exit();
	pvio_link_exit();
}

module_init(pvio_hv_init);
module_exit(pvio_hv_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pvio core: bus, links, grants and event channels");
MODULE_AUTHOR("The pvio authors");
