/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/* Copyright (C) 2026 The pvio authors. */
/*
 * A link end that userspace drives: the ioctls of /dev/pvio/link<N>-<dev><M>,
 * the character device pvio_uend.ko makes for each backend device bound to
 * it (Documentation/uend.rst). Do not change a field: it breaks existing
 * programs. New fields go at the end of a struct, announced by
 * PVIO_UEND_ABI or a flag. The kernel refuses a struct shorter than it
 * knows (-EINVAL; none is yet), and takes a newer (longer) one if what it
 * does not know of it is zero (-E2BIG otherwise), as openat2() does.
 *
 * Every reserved field and flag is zero (-EINVAL otherwise). Keys are
 * relative to the device: "rings" is "vif0/rings" in the config store of a
 * uend bound to vif 0.
 */
#ifndef _PVIO_UEND_H
#define _PVIO_UEND_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PVIO_UEND_ABI		1

/* Sizes of the store's keys and values, with their NUL (common/link.h). */
#define PVIO_UEND_KEY_MAX	32
#define PVIO_UEND_VALUE_MAX	96

/**
 * struct pvio_uend_info - what the end is (PVIO_UEND_IOC_INFO)
 * @abi: PVIO_UEND_ABI
 * @link_id: the link
 * @dev_type: 0 vbd, 1 vif
 * @dev_index: the device's index on the link (the 0 of vif0)
 * @backend_id: domain id of the backend end (this end)
 * @frontend_id: domain id of the frontend end
 * @region_size: bytes of the region mmap() offers
 * @data_offset: first byte of the data area (rings, pool); mmap() maps
 *	the region below it read-only only
 * @grant_offset: first byte of the grant table
 * @grant_entries: entries in the grant table
 * @nr_ports: event ports of this end: 1 to nr_ports - 1 are for
 *	PVIO_UEND_IOC_BIND (0 is the core's control port)
 * @generation: the link's generation, from the core's trusted source
 * @reserved: zero
 */
struct pvio_uend_info {
	__u32 abi;
	__u32 link_id;
	__u32 dev_type;
	__u32 dev_index;
	__u16 backend_id;
	__u16 frontend_id;
	__u32 nr_ports;
	__u64 region_size;
	__u64 data_offset;
	__u64 grant_offset;
	__u32 grant_entries;
	__u32 generation;
	__u64 reserved[4];
};

/**
 * struct pvio_uend_state - the ends' states (PVIO_UEND_IOC_GET_STATE)
 * @state: this end's state (enum pvio_state of common/link.h)
 * @peer_state: the frontend's, as it published it (validated)
 * @generation: the link's generation
 * @peer_alive: 1 while the frontend's heartbeat runs under @generation
 * @reserved: zero
 */
struct pvio_uend_state {
	__u32 state;
	__u32 peer_state;
	__u32 generation;
	__u32 peer_alive;
	__u64 reserved[2];
};

/**
 * struct pvio_uend_set_state - move this end (PVIO_UEND_IOC_SET_STATE)
 * @state: the next state; one legal step of the state machine
 *	(Documentation/architecture.rst), else -EINVAL
 * @flags: zero
 * @reserved: zero
 */
struct pvio_uend_set_state {
	__u32 state;
	__u32 flags;
	__u64 reserved[2];
};

/* Areas of the config store, as common/link.h numbers them. */
#define PVIO_UEND_AREA_TOOLSTACK	0
#define PVIO_UEND_AREA_BACKEND		1
#define PVIO_UEND_AREA_FRONTEND		2

/**
 * struct pvio_uend_store - a key of the config store
 *	(PVIO_UEND_IOC_STORE_READ, _WRITE, _REMOVE)
 * @area: PVIO_UEND_AREA_*: any for a read, where the toolstack's
 *	records come from the kernel's trusted copy, never from the region;
 *	only PVIO_UEND_AREA_BACKEND for a write or a remove
 * @flags: zero
 * @key: the key relative to the device, NUL-terminated, not empty
 * @value: written: NUL-terminated; read: receives the value
 * @reserved: zero
 */
struct pvio_uend_store {
	__u32 area;
	__u32 flags;
	char key[PVIO_UEND_KEY_MAX];
	char value[PVIO_UEND_VALUE_MAX];
	__u64 reserved[2];
};

/**
 * struct pvio_uend_bind - an eventfd for a port (PVIO_UEND_IOC_BIND)
 * @port: 1 to nr_ports - 1
 * @fd: an eventfd signalled each time the frontend rings @port; -1
 *	unbinds the port
 * @flags: zero
 * @reserved: zero
 */
struct pvio_uend_bind {
	__u32 port;
	__s32 fd;
	__u32 flags;
	__u32 reserved0;
	__u64 reserved[2];
};

/**
 * struct pvio_uend_notify - ring the frontend (PVIO_UEND_IOC_NOTIFY)
 * @port: a port bound with PVIO_UEND_IOC_BIND
 * @flags: zero
 * @reserved: zero
 */
struct pvio_uend_notify {
	__u32 port;
	__u32 flags;
	__u64 reserved[2];
};

/**
 * struct pvio_uend_watch - an eventfd for the frontend's comings and
 *	goings (PVIO_UEND_IOC_WATCH)
 * @fd: an eventfd signalled when the frontend changes state or ring nonce,
 *	its heartbeat stops or comes back; then PVIO_UEND_IOC_GET_STATE says
 *	where it is. -1 stops signalling.
 * @flags: zero
 * @reserved: zero
 */
struct pvio_uend_watch {
	__s32 fd;
	__u32 flags;
	__u64 reserved[2];
};

#define PVIO_UEND_IOC_MAGIC	0xb7

#define PVIO_UEND_IOC_INFO \
	_IOR(PVIO_UEND_IOC_MAGIC, 0x00, struct pvio_uend_info)
#define PVIO_UEND_IOC_GET_STATE \
	_IOR(PVIO_UEND_IOC_MAGIC, 0x01, struct pvio_uend_state)
#define PVIO_UEND_IOC_SET_STATE \
	_IOW(PVIO_UEND_IOC_MAGIC, 0x02, struct pvio_uend_set_state)
#define PVIO_UEND_IOC_STORE_READ \
	_IOWR(PVIO_UEND_IOC_MAGIC, 0x03, struct pvio_uend_store)
#define PVIO_UEND_IOC_STORE_WRITE \
	_IOW(PVIO_UEND_IOC_MAGIC, 0x04, struct pvio_uend_store)
#define PVIO_UEND_IOC_STORE_REMOVE \
	_IOW(PVIO_UEND_IOC_MAGIC, 0x05, struct pvio_uend_store)
#define PVIO_UEND_IOC_BIND \
	_IOW(PVIO_UEND_IOC_MAGIC, 0x06, struct pvio_uend_bind)
#define PVIO_UEND_IOC_NOTIFY \
	_IOW(PVIO_UEND_IOC_MAGIC, 0x07, struct pvio_uend_notify)
#define PVIO_UEND_IOC_WATCH \
	_IOW(PVIO_UEND_IOC_MAGIC, 0x08, struct pvio_uend_watch)

#endif /* _PVIO_UEND_H */
