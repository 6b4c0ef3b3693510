/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_ivshmem.ko internals: one struct pvio_ivshmem per QEMU
 * ivshmem-doorbell device, either a link's region (page 0 a pvio link
 * header, written by pvio-hvd) or the driver domain's control region
 * (common/hvd_control.h).
 */
#ifndef _PVIO_IVSHMEM_H
#define _PVIO_IVSHMEM_H

#include <linux/completion.h>
#include <linux/list.h>
#include <linux/pci.h>
#include <linux/workqueue.h>

#include "hvd_control.h"
#include "pvio.h"

/* At most this many vectors are reachable through the doorbell. */
#define PVIO_IVSHMEM_MAX_VECTORS	256

struct pvio_ivshmem;

/**
 * struct pvio_ivshmem_vec - one MSI-X vector of a device
 * @dev: the device
 * @nr: its number, which is the port it rings
 * @count: interrupts taken
 */
struct pvio_ivshmem_vec {
	struct pvio_ivshmem *dev;
	unsigned int nr;
	atomic64_t count;
};

/**
 * struct pvio_ivshmem - one ivshmem-doorbell device
 * @pdev: the PCI device
 * @regs: BAR0: interrupt mask and status, IVPosition, doorbell
 * @mem: BAR2, mapped write-back: the region
 * @mem_size: its size in bytes
 * @ivposition: this VM's peer id on the device's server connection
 * @nr_vectors: MSI-X vectors, and so ports of the link
 * @vecs: per vector
 * @control: this is the control region, not a link's
 * @link: the link made from this device, NULL while there is none; set
 *	and cleared under pvio_ivshmem_lock, read by the interrupt handler
 * @role: the end of @link this kernel is
 * @record: backend: the index of the control record describing @link
 * @serial: backend: that record's serial when @link was made
 * @generation: backend: the link's generation as its record last said
 *	(never the header's, which the frontend can write)
 * @keys: backend: the record's keys as the backend last saw them
 * @released: the provider's destroy() ran for @link
 * @kick_work: runs every bound port's handler once (after a peer change,
 *	a doorbell sent while the peer's interrupts were off is lost)
 * @poll_work: the safety net: the same every poll_ms while @link exists
 * @polls: how often @poll_work ran
 * @node: in pvio_ivshmem_devs
 * @debugfs: its debugfs directory
 */
struct pvio_ivshmem {
	struct pci_dev *pdev;
	void __iomem *regs;
	void *mem;
	size_t mem_size;
	u32 ivposition;
	unsigned int nr_vectors;
	struct pvio_ivshmem_vec *vecs;
	bool control;
	struct pvio_link *link;
	enum pvio_role role;
	u32 record;
	u32 serial;
	u32 generation;
	struct pvio_store_entry keys[PVIO_STORE_ENTRIES];
	struct completion released;
	struct work_struct kick_work;
	struct delayed_work poll_work;
	u64 polls;
	struct list_head node;
	struct dentry *debugfs;
};

/* ivshmem_ctl.c: the control region, read under its seqlock */

/**
 * struct pvio_ivshmem_head - what a control record says of its link
 * @used: the record describes a link
 * @serial: unique per link over pvio-hvd's life
 * @backend_id: domain id of the backend end
 * @frontend_id: domain id of the frontend end
 * @generation: the link's generation
 * @backend_peer: ivshmem peer id of the backend end, 0 if none
 */
struct pvio_ivshmem_head {
	bool used;
	u32 serial;
	u16 backend_id;
	u16 frontend_id;
	u32 generation;
	u32 backend_peer;
};

bool pvio_ivshmem_ctl_valid(const void *ctl, size_t size);
int pvio_ivshmem_ctl_head(const void *ctl, u32 index,
			  struct pvio_ivshmem_head *head, bool may_sleep);
int pvio_ivshmem_ctl_find(const void *ctl, u32 peer, u32 *index,
			  struct pvio_ivshmem_head *head);
int pvio_ivshmem_ctl_keys(const void *ctl, u32 index, u32 serial,
			  struct pvio_store_entry *keys);

#endif /* _PVIO_IVSHMEM_H */
