/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The pvio authors. */
/*
 * Tracepoints of pvio_netfront's data path (events/pvio_netfront/ in
 * tracefs), listed in Documentation/netif.rst. Devices are named by
 * ifindex, queues by number. Disabled, each costs a static branch.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pvio_netfront

#if !defined(_NETFRONT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _NETFRONT_TRACE_H

#include <linux/netdevice.h>
#include <linux/tracepoint.h>

/* A packet went on the tx request ring. */
TRACE_EVENT(netfront_tx_push,
	TP_PROTO(const struct net_device *dev, u16 qid, u16 id, u32 len,
		 u8 segs, u8 flags, u8 gso_type),
	TP_ARGS(dev, qid, id, len, segs, flags, gso_type),
	TP_STRUCT__entry(
		__field(int, ifindex)
		__field(u16, qid)
		__field(u16, id)
		__field(u32, len)
		__field(u8, segs)
		__field(u8, flags)
		__field(u8, gso_type)
	),
	TP_fast_assign(
		__entry->ifindex = dev->ifindex;
		__entry->qid = qid;
		__entry->id = id;
		__entry->len = len;
		__entry->segs = segs;
		__entry->flags = flags;
		__entry->gso_type = gso_type;
	),
	TP_printk("ifindex=%d q=%u id=%u len=%u segs=%u flags=%#x gso=%u",
		  __entry->ifindex, __entry->qid, __entry->id, __entry->len,
		  __entry->segs, __entry->flags, __entry->gso_type)
);

/* The backend answered a tx request. */
TRACE_EVENT(netfront_tx_response,
	TP_PROTO(const struct net_device *dev, u16 qid, u16 id, u16 status),
	TP_ARGS(dev, qid, id, status),
	TP_STRUCT__entry(
		__field(int, ifindex)
		__field(u16, qid)
		__field(u16, id)
		__field(u16, status)
	),
	TP_fast_assign(
		__entry->ifindex = dev->ifindex;
		__entry->qid = qid;
		__entry->id = id;
		__entry->status = status;
	),
	TP_printk("ifindex=%d q=%u id=%u status=%u", __entry->ifindex,
		  __entry->qid, __entry->id, __entry->status)
);

/* An rx buffer was posted to the backend. */
TRACE_EVENT(netfront_rx_post,
	TP_PROTO(const struct net_device *dev, u16 qid, u16 id),
	TP_ARGS(dev, qid, id),
	TP_STRUCT__entry(
		__field(int, ifindex)
		__field(u16, qid)
		__field(u16, id)
	),
	TP_fast_assign(
		__entry->ifindex = dev->ifindex;
		__entry->qid = qid;
		__entry->id = id;
	),
	TP_printk("ifindex=%d q=%u id=%u", __entry->ifindex, __entry->qid,
		  __entry->id)
);

/* A whole packet came in, before the stack sees it. */
TRACE_EVENT(netfront_rx_packet,
	TP_PROTO(const struct net_device *dev, u16 qid, u32 len, u8 bufs,
		 u8 flags, u8 gso_type),
	TP_ARGS(dev, qid, len, bufs, flags, gso_type),
	TP_STRUCT__entry(
		__field(int, ifindex)
		__field(u16, qid)
		__field(u32, len)
		__field(u8, bufs)
		__field(u8, flags)
		__field(u8, gso_type)
	),
	TP_fast_assign(
		__entry->ifindex = dev->ifindex;
		__entry->qid = qid;
		__entry->len = len;
		__entry->bufs = bufs;
		__entry->flags = flags;
		__entry->gso_type = gso_type;
	),
	TP_printk("ifindex=%d q=%u len=%u bufs=%u flags=%#x gso=%u",
		  __entry->ifindex, __entry->qid, __entry->len, __entry->bufs,
		  __entry->flags, __entry->gso_type)
);

DECLARE_EVENT_CLASS(netfront_queue_class,
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

/* We rang the backend's doorbell. */
DEFINE_EVENT(netfront_queue_class, netfront_notify,
	TP_PROTO(const struct net_device *dev, u16 qid),
	TP_ARGS(dev, qid)
);

/* The backend rang ours. */
DEFINE_EVENT(netfront_queue_class, netfront_event,
	TP_PROTO(const struct net_device *dev, u16 qid),
	TP_ARGS(dev, qid)
);

/* The moderation timer polls (ethtool -C rx-usecs, tx-usecs). */
DEFINE_EVENT(netfront_queue_class, netfront_coal_poll,
	TP_PROTO(const struct net_device *dev, u16 qid),
	TP_ARGS(dev, qid)
);

/* DIM chose another rx profile. */
TRACE_EVENT(netfront_coal_dim,
	TP_PROTO(const struct net_device *dev, u16 qid, u16 profile, u16 usecs,
		 u16 frames),
	TP_ARGS(dev, qid, profile, usecs, frames),
	TP_STRUCT__entry(
		__field(int, ifindex)
		__field(u16, qid)
		__field(u16, profile)
		__field(u16, usecs)
		__field(u16, frames)
	),
	TP_fast_assign(
		__entry->ifindex = dev->ifindex;
		__entry->qid = qid;
		__entry->profile = profile;
		__entry->usecs = usecs;
		__entry->frames = frames;
	),
	TP_printk("ifindex=%d q=%u profile=%u usecs=%u frames=%u",
		  __entry->ifindex, __entry->qid, __entry->profile,
		  __entry->usecs, __entry->frames)
);

#endif /* _NETFRONT_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I$(src). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE netfront_trace
#include <trace/define_trace.h>
