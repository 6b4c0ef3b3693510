/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/*
 * Tracepoints of pvio_netback's data path (events/pvio_netback/ in
 * tracefs), listed in Documentation/netif.rst. Devices are named by
 * ifindex, queues by number. Disabled, each costs a static branch.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pvio_netback

#if !defined(_NETBACK_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _NETBACK_TRACE_H

#include <linux/netdevice.h>
#include <linux/tracepoint.h>

#include "netback.h"

TRACE_DEFINE_ENUM(NETBACK_DROP_INVALID);
TRACE_DEFINE_ENUM(NETBACK_DROP_DOWN);
TRACE_DEFINE_ENUM(NETBACK_DROP_NOMEM);
TRACE_DEFINE_ENUM(NETBACK_DROP_OFFLOAD);
TRACE_DEFINE_ENUM(NETBACK_DROP_QUEUE);
TRACE_DEFINE_ENUM(NETBACK_DROP_BROKEN);

/* A tx request from the guest was taken off the ring and answered. */
TRACE_EVENT(netback_tx_request,
	TP_PROTO(const struct net_device *dev, u16 qid, u16 id, u32 len,
		 u8 segs, u8 flags, u16 status),
	TP_ARGS(dev, qid, id, len, segs, flags, status),
	TP_STRUCT__entry(
		__field(int, ifindex)
		__field(u16, qid)
		__field(u16, id)
		__field(u32, len)
		__field(u8, segs)
		__field(u8, flags)
		__field(u16, status)
	),
	TP_fast_assign(
		__entry->ifindex = dev->ifindex;
		__entry->qid = qid;
		__entry->id = id;
		__entry->len = len;
		__entry->segs = segs;
		__entry->flags = flags;
		__entry->status = status;
	),
	TP_printk("ifindex=%d q=%u id=%u len=%u segs=%u flags=%#x status=%u",
		  __entry->ifindex, __entry->qid, __entry->id, __entry->len,
		  __entry->segs, __entry->flags, __entry->status)
);

/* A packet was copied into the guest's posted buffers. */
TRACE_EVENT(netback_rx_copy,
	TP_PROTO(const struct net_device *dev, u16 qid, u32 len, u8 bufs,
		 u16 gso_size),
	TP_ARGS(dev, qid, len, bufs, gso_size),
	TP_STRUCT__entry(
		__field(int, ifindex)
		__field(u16, qid)
		__field(u32, len)
		__field(u8, bufs)
		__field(u16, gso_size)
	),
	TP_fast_assign(
		__entry->ifindex = dev->ifindex;
		__entry->qid = qid;
		__entry->len = len;
		__entry->bufs = bufs;
		__entry->gso_size = gso_size;
	),
	TP_printk("ifindex=%d q=%u len=%u bufs=%u gso_size=%u",
		  __entry->ifindex, __entry->qid, __entry->len, __entry->bufs,
		  __entry->gso_size)
);

/* A packet was dropped, either way. */
TRACE_EVENT(netback_drop,
	TP_PROTO(const struct net_device *dev, u16 qid, u32 len,
		 enum netback_drop_reason reason),
	TP_ARGS(dev, qid, len, reason),
	TP_STRUCT__entry(
		__field(int, ifindex)
		__field(u16, qid)
		__field(u32, len)
		__field(int, reason)
	),
	TP_fast_assign(
		__entry->ifindex = dev->ifindex;
		__entry->qid = qid;
		__entry->len = len;
		__entry->reason = reason;
	),
	TP_printk("ifindex=%d q=%u len=%u reason=%s", __entry->ifindex,
		  __entry->qid, __entry->len,
		  __print_symbolic(__entry->reason,
				   { NETBACK_DROP_INVALID, "invalid" },
				   { NETBACK_DROP_DOWN, "down" },
				   { NETBACK_DROP_NOMEM, "nomem" },
				   { NETBACK_DROP_OFFLOAD, "offload" },
				   { NETBACK_DROP_QUEUE, "queue" },
				   { NETBACK_DROP_BROKEN, "broken" }))
);

DECLARE_EVENT_CLASS(netback_queue_class,
	TP_PROTO(const struct net_device *dev, u16 qid),
	TP_ARGS(dev, qid),
	TP_STRUCT__entry(
		__field(int, ifindex)
		__field(u16, qid)
	),
	TP_fast_assign(
		__entry->ifindex = dev->ifindex;
		__entry->qid = qid;
	),
	TP_printk("ifindex=%d q=%u", __entry->ifindex, __entry->qid)
);

/* We rang the frontend's doorbell. */
DEFINE_EVENT(netback_queue_class, netback_notify,
	TP_PROTO(const struct net_device *dev, u16 qid),
	TP_ARGS(dev, qid)
);

/* The frontend rang ours. */
DEFINE_EVENT(netback_queue_class, netback_event,
	TP_PROTO(const struct net_device *dev, u16 qid),
	TP_ARGS(dev, qid)
);

#endif /* _NETBACK_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I$(src). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE netback_trace
#include <trace/define_trace.h>
