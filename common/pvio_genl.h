/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/pvio.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_PVIO_H
#define _UAPI_LINUX_PVIO_H

#define PVIO_GENL_NAME		"pvio"
#define PVIO_GENL_VERSION	1

#define PVIO_PROVIDER_NAME_MAX_LEN	15

enum {
	PVIO_A_LINK_ID = 1,
	PVIO_A_LINK_PROVIDER,
	PVIO_A_LINK_BACKEND_ID,
	PVIO_A_LINK_FRONTEND_ID,
	PVIO_A_LINK_REGION_PAGES,
	PVIO_A_LINK_GRANT_ENTRIES,
	PVIO_A_LINK_GENERATION,
	PVIO_A_LINK_BACKEND_STATE,
	PVIO_A_LINK_FRONTEND_STATE,

	__PVIO_A_LINK_MAX,
	PVIO_A_LINK_MAX = (__PVIO_A_LINK_MAX - 1)
};

enum {
	PVIO_CMD_LINK_NEW = 1,
	PVIO_CMD_LINK_DEL,
	PVIO_CMD_LINK_GET,
	PVIO_CMD_LINK_NEW_NTF,
	PVIO_CMD_LINK_DEL_NTF,

	__PVIO_CMD_MAX,
	PVIO_CMD_MAX = (__PVIO_CMD_MAX - 1)
};

#define PVIO_MCGRP_MONITOR	"monitor"

#endif /* _UAPI_LINUX_PVIO_H */
