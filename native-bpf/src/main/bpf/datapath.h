/* Shared layouts of the Sluice datapath maps and events.
 * The Java side (io.sluice.bpf.Datapath*) mirrors these byte for byte; change both together. */
#ifndef SLUICE_DATAPATH_H
#define SLUICE_DATAPATH_H

#include <linux/types.h>

#define DIR_INGRESS 0
#define DIR_EGRESS 1
#define DIR_SERVICE 2 /* conntrack entries that pin a client to its service backend */

/* Reserved identities, as Cilium numbers them. */
#define ID_ANY 0
#define ID_HOST 1
#define ID_WORLD 2

/* Drop reasons, numbered as Cilium's (Hubble prints their names). */
#define DROP_INVALID_SOURCE_IP 132 /* Hubble's INVALID_SOURCE_IP: a pod sent from an address not its own */
#define DROP_POLICY_DENIED 133
#define DROP_PROXY_LOOKUP_FAILED 178 /* Cilium's: "Socket lookup failed", Hubble's SOCKET_LOOKUP_FAILED */
#define DROP_NO_SERVICE 158
#define DROP_POLICY_DENY 181

/* Monitor event types, as Cilium numbers them. */
#define EV_DROP 1
#define EV_TRACE 4
#define EV_POLICY_VERDICT 5

/* Trace observation points (sub-types). */
#define TRACE_TO_ENDPOINT 0
#define TRACE_TO_PROXY 1
#define TRACE_FROM_ENDPOINT 5

/* Policy match types, as in Cilium's policy-verdict notifications. */
#define MATCH_NONE 0
#define MATCH_L3_ONLY 1
#define MATCH_L3_L4 2
#define MATCH_L4_ONLY 3
#define MATCH_ALL 4

#define EP_F_INGRESS_ENFORCED 1
#define EP_F_EGRESS_ENFORCED 2

#define CFG_F_ALLOW_HOST_INGRESS 1
/* Cilium's enable-source-ip-verification=false: no anti-spoofing. Nothing in the node sets it;
 * the datapath benchmark does, to measure what the check costs. */
#define CFG_F_NO_SOURCE_CHECK 2

/* Packets handed to the L7 proxy carry this mark; `ip rule fwmark MARK_TO_PROXY/MARK_MASK lookup
 * PROXY_TABLE` with a local default route there makes the kernel deliver them to the socket. */
#define MARK_TO_PROXY 0x0200
#define MARK_MASK 0x0f00
/* Set by the proxy on its own sockets (SO_MARK): the egress listener's upstream connections,
 * which keep the client's address, and the ingress listener's accepted connections. */
#define MARK_FROM_PROXY 0x0300
/* Set by the listeners of users' Envoy configs on their upstream connections (original_src), which
 * keep the client's address: the client's egress policy is judged where they enter the backend. */
#define MARK_FROM_LB 0x0400
/* A packet handed to the host's input through lo carries the listener's port in the upper half of
 * MARK_TO_PROXY; the lo program assigns it to that listener. */
#define MARK_PORT_SHIFT 16
#define LOOPBACK_IFINDEX 1

struct ipcache_key {
	__u32 prefixlen;
	__u32 addr; /* network order */
};

struct ipcache_value {
	__u32 identity;
	__u32 endpoint_id; /* a local endpoint's id, 0 for anything else */
};

struct endpoint_value {
	__u32 ep_id;
	__u32 identity;
	__u32 addr; /* network order */
	__u32 flags;
};

/* LPM key: identity and direction always match exactly (40 bits); protocol and port may be
 * wildcarded by a shorter prefix, and port ranges are split into aligned prefix blocks. */
struct policy_key {
	__u32 prefixlen;
	__u32 identity;
	__u8 direction;
	__u8 protocol;
	__be16 dport;
};

struct policy_value {
	__u8 deny;
	__u8 match_type;
	__be16 proxy_port;
	__u32 rule_cookie;
};

struct ct_key {
	__u32 saddr;
	__u32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 direction;
	__u16 pad;
	__u32 ifindex;
};

struct ct_value {
	__u64 last_seen_ns;
	__u32 nat_addr; /* service entries: the backend; others: the frontend to restore on replies */
	__be16 nat_port;
	__u8 flags;
	__u8 pad;
};

#define CT_F_REV_NAT 1
#define CT_F_PROXY 2 /* opened by the proxy with the client's address: replies go back to the proxy */

struct svc_key {
	__u32 vip;
	__be16 port;
	__u8 proto;
	__u8 pad;
};

struct svc_value {
	__u32 svc_id;
	__u32 count;
};

/* A service frontend whose connections go to an Envoy listener of a CiliumEnvoyConfig (its
 * `services`), instead of being balanced here: the listener's port on 127.0.0.1. */
struct l7_frontend_value {
	__be16 proxy_port;
	__u16 pad;
};

struct backend_key {
	__u32 svc_id;
	__u32 slot;
};

struct backend_value {
	__u32 addr;
	__be16 port;
	__u16 pad;
};

struct config_value {
	__u32 svc_net;  /* network order */
	__u32 svc_mask; /* network order */
	__u32 flags;
	__be16 egress_proxy_port; /* the policies' egress listener, 0 without a proxy */
	__u16 pad;
};

#define EVENT_CAP 128

/* One ring-buffer record: a fixed header followed by the first bytes of the packet. */
struct event {
	__u8 type;
	__u8 subtype;
	__u8 direction;
	__u8 match_type;
	__u32 ep_id;
	__u32 ifindex;
	__u32 src_identity;
	__u32 dst_identity;
	__u32 orig_len;
	__u64 ktime_ns;
	__u16 cap_len;
	__u8 flags; /* EVF_* */
	__u8 pad;
	__be16 proxy_port;
	__u16 pad2;
	__u8 data[EVENT_CAP];
};

#define EVF_REPLY 1
#define EVF_ALLOWED 2

#endif
