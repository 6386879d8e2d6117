// SPDX-License-Identifier: GPL-2.0
/* Sluice datapath: tc (clsact) programs on the host end of each pod veth.
 *   from_container: tc ingress of lxc*, i.e. packets leaving the pod (egress policy, service DNAT)
 *   to_container:   tc egress of lxc*, i.e. packets entering the pod (ingress policy, reverse NAT)
 * Policy is checked on every packet that is not a reply, so a policy change also applies to
 * connections that are already open (as in Cilium); replies are recognised by conntrack. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <stddef.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "datapath.h"

char LICENSE[] SEC("license") = "GPL";

struct inner_policy {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct policy_key));
	__uint(value_size, sizeof(struct policy_value));
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct ipcache_key);
	__type(value, struct ipcache_value);
} sluice_ipcache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32); /* host-side ifindex */
	__type(value, struct endpoint_value);
} sluice_endpoints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 65536);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32); /* endpoint id */
	__array(values, struct inner_policy);
} sluice_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct ct_key);
	__type(value, struct ct_value);
} sluice_ct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct svc_key);
	__type(value, struct svc_value);
} sluice_services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct svc_key);
	__type(value, struct l7_frontend_value);
} sluice_l7_frontends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, struct backend_key);
	__type(value, struct backend_value);
} sluice_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, struct config_value);
} sluice_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_events SEC(".maps");

/* Events the ring buffer had no room for (a reader too slow): reported as lost, never silent. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, __u32);
	__type(value, __u64);
} sluice_events_lost SEC(".maps");

struct pkt {
	__u32 saddr;
	__u32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 tcp_flags;
	__u16 l4_off;
	__u16 csum_off; /* 0 when the protocol carries no L4 checksum we rewrite */
	__u8 csum_flags;
};

#define IP_OFF ETH_HLEN
#define IP_DADDR_OFF (IP_OFF + offsetof(struct iphdr, daddr))
#define IP_SADDR_OFF (IP_OFF + offsetof(struct iphdr, saddr))
#define IP_CSUM_OFF (IP_OFF + offsetof(struct iphdr, check))

/* Returns 0 when the packet is IPv4 and parsed; anything else is not ours to judge. */
static __always_inline int parse(struct __sk_buff *skb, struct pkt *p)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl < 5)
		return -1;
	__builtin_memset(p, 0, sizeof(*p));
	p->saddr = ip->saddr;
	p->daddr = ip->daddr;
	p->proto = ip->protocol;
	p->l4_off = IP_OFF + ip->ihl * 4;
	/* Later fragments carry no ports: they are judged as the protocol with port 0. */
	if (ip->frag_off & bpf_htons(0x1fff))
		return 0;
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr tcp;
		if (bpf_skb_load_bytes(skb, p->l4_off, &tcp, sizeof(tcp)) < 0)
			return -1;
		p->sport = tcp.source;
		p->dport = tcp.dest;
		p->tcp_flags = ((__u8 *)&tcp)[13];
		p->csum_off = p->l4_off + offsetof(struct tcphdr, check);
	} else if (p->proto == IPPROTO_UDP) {
		struct udphdr udp;
		if (bpf_skb_load_bytes(skb, p->l4_off, &udp, sizeof(udp)) < 0)
			return -1;
		p->sport = udp.source;
		p->dport = udp.dest;
		p->csum_off = p->l4_off + offsetof(struct udphdr, check);
		p->csum_flags = BPF_F_MARK_MANGLED_0;
	}
	return 0;
}

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

static __always_inline __u32 identity_of(__u32 addr)
{
	struct ipcache_key k = { .prefixlen = 32, .addr = addr };
	struct ipcache_value *v = bpf_map_lookup_elem(&sluice_ipcache, &k);
	return v ? v->identity : ID_WORLD;
}

static __always_inline void emit(struct __sk_buff *skb, struct endpoint_value *ep, __u8 type,
				 __u8 subtype, __u32 src_id, __u32 dst_id, __u8 dir, __u8 match,
				 __u8 flags)
{
	struct event *e = bpf_ringbuf_reserve(&sluice_events, sizeof(*e), 0);
	__u32 cap, zero = 0;

	if (!e) {
		__u64 *lost = bpf_map_lookup_elem(&sluice_events_lost, &zero);

		if (lost)
			__sync_fetch_and_add(lost, 1);
		return;
	}
	e->type = type;
	e->subtype = subtype;
	e->direction = dir;
	e->match_type = match;
	e->ep_id = ep->ep_id;
	e->ifindex = skb->ifindex;
	e->src_identity = src_id;
	e->dst_identity = dst_id;
	e->orig_len = skb->len;
	e->ktime_ns = bpf_ktime_get_ns();
	e->flags = flags;
	e->pad = 0;
	e->proxy_port = 0;
	e->pad2 = 0;
	cap = skb->len;
	if (cap > EVENT_CAP)
		cap = EVENT_CAP;
	e->cap_len = cap;
	if (cap < 1 || bpf_skb_load_bytes(skb, 0, e->data, cap) < 0)
		e->cap_len = 0;
	bpf_ringbuf_submit(e, 0);
}

/* Trace only what opens or closes a TCP connection, and the first packet of other flows,
 * like Cilium's default monitor aggregation: enough to observe, cheap enough to keep on. */
/* A TCP SYN without ACK: the first packet of a connection. */
static __always_inline int opens_connection(struct pkt *p)
{
	return p->proto == IPPROTO_TCP && (p->tcp_flags & TCP_SYN) && !(p->tcp_flags & TCP_ACK);
}

static __always_inline int worth_tracing(struct pkt *p, int is_new)
{
	if (p->proto == IPPROTO_TCP)
		return p->tcp_flags & (TCP_SYN | TCP_FIN | TCP_RST);
	return is_new;
}

struct verdict {
	int allowed;
	__u8 match_type;
	__u8 reason;
	__be16 proxy_port;
};

/* Deny wins over allow; an identity-specific entry wins over the any-identity one. */
static __always_inline struct verdict decide(struct endpoint_value *ep, __u32 peer, __u8 dir,
					     struct pkt *p)
{
	struct verdict v = { .allowed = 1, .match_type = MATCH_NONE, .reason = 0 };
	__u32 enforced = dir == DIR_INGRESS ? EP_F_INGRESS_ENFORCED : EP_F_EGRESS_ENFORCED;
	struct policy_key k = {
		.prefixlen = 64, .identity = peer, .direction = dir, .protocol = p->proto,
		.dport = p->dport,
	};
	struct policy_value *exact = 0, *any = 0;
	void *inner = bpf_map_lookup_elem(&sluice_policy, &ep->ep_id);

	if (inner) {
		exact = bpf_map_lookup_elem(inner, &k);
		k.identity = ID_ANY;
		any = bpf_map_lookup_elem(inner, &k);
	}
	if ((exact && exact->deny) || (any && any->deny)) {
		v.allowed = 0;
		v.reason = DROP_POLICY_DENY;
		v.match_type = (exact && exact->deny) ? exact->match_type : any->match_type;
		return v;
	}
	if (exact || any) {
		v.match_type = exact ? exact->match_type : any->match_type;
		v.proxy_port = exact ? exact->proxy_port : any->proxy_port;
		return v;
	}
	if (ep->flags & enforced) {
		v.allowed = 0;
		v.reason = DROP_POLICY_DENIED;
	}
	return v;
}

static __always_inline void ct_key_of(struct ct_key *k, struct pkt *p, __u8 dir, __u32 ifindex,
				      int reverse)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->saddr = reverse ? p->daddr : p->saddr;
	k->daddr = reverse ? p->saddr : p->daddr;
	k->sport = reverse ? p->dport : p->sport;
	k->dport = reverse ? p->sport : p->dport;
	k->proto = p->proto;
	k->direction = dir;
	k->ifindex = ifindex;
}

static __always_inline int rewrite_addr(struct __sk_buff *skb, struct pkt *p, int off,
					__u32 old, __u32 new)
{
	if (p->csum_off &&
	    bpf_l4_csum_replace(skb, p->csum_off, old, new, BPF_F_PSEUDO_HDR | 4 | p->csum_flags) < 0)
		return -1;
	if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, old, new, 4) < 0)
		return -1;
	return bpf_skb_store_bytes(skb, off, &new, 4, 0);
}

static __always_inline int rewrite_port(struct __sk_buff *skb, struct pkt *p, int off,
					__be16 old, __be16 new)
{
	if (!p->csum_off || old == new)
		return 0;
	if (bpf_l4_csum_replace(skb, p->csum_off, old, new, 2 | p->csum_flags) < 0)
		return -1;
	return bpf_skb_store_bytes(skb, p->l4_off + off, &new, 2, 0);
}

static __always_inline int in_service_net(__u32 addr)
{
	__u32 zero = 0;
	struct config_value *c = bpf_map_lookup_elem(&sluice_config, &zero);
	return c && c->svc_mask && (addr & c->svc_mask) == c->svc_net;
}

/* Client-side load balancing: the first packet picks a random backend, later ones follow the
 * pinned choice; the conntrack entry created by the caller restores the frontend on replies. */
static __always_inline int service_dnat(struct __sk_buff *skb, struct pkt *p,
					struct ct_value *rev)
{
	struct svc_key sk = { .vip = p->daddr, .port = p->dport, .proto = p->proto };
	struct svc_value *svc = bpf_map_lookup_elem(&sluice_services, &sk);
	struct ct_key ck;
	struct ct_value *pin, fresh = {};
	struct backend_value *be;
	__u32 addr, oldaddr = p->daddr;
	__be16 port, oldport = p->dport;

	if (!svc)
		return in_service_net(p->daddr) ? -1 : 0;
	ct_key_of(&ck, p, DIR_SERVICE, skb->ifindex, 0);
	pin = bpf_map_lookup_elem(&sluice_ct, &ck);
	if (pin) {
		addr = pin->nat_addr;
		port = pin->nat_port;
	} else {
		struct backend_key bk = { .svc_id = svc->svc_id };
		if (!svc->count)
			return -1;
		bk.slot = bpf_get_prandom_u32() % svc->count;
		be = bpf_map_lookup_elem(&sluice_backends, &bk);
		if (!be)
			return -1;
		addr = be->addr;
		port = be->port;
		fresh.nat_addr = addr;
		fresh.nat_port = port;
		fresh.last_seen_ns = bpf_ktime_get_ns();
		bpf_map_update_elem(&sluice_ct, &ck, &fresh, BPF_ANY);
	}
	if (rewrite_addr(skb, p, IP_DADDR_OFF, oldaddr, addr) < 0 ||
	    rewrite_port(skb, p, offsetof(struct tcphdr, dest), oldport, port) < 0)
		return -1;
	p->daddr = addr;
	p->dport = port;
	rev->nat_addr = oldaddr;
	rev->nat_port = oldport;
	rev->flags = CT_F_REV_NAT;
	return 1;
}

static __always_inline int drop(struct __sk_buff *skb, struct endpoint_value *ep, __u8 reason,
				__u32 src_id, __u32 dst_id, __u8 dir)
{
	emit(skb, ep, EV_DROP, reason, src_id, dst_id, dir, 0, 0);
	return TC_ACT_SHOT;
}

/* The proxy's own socket of this packet's connection (accepted, or opened by the proxy), if
 * there is one; a listener or a connection in TIME_WAIT does not count. Caller releases it. */
static __always_inline struct bpf_sock *connection_socket(struct __sk_buff *skb, struct pkt *p)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;

	t.ipv4.saddr = p->saddr;
	t.ipv4.daddr = p->daddr;
	t.ipv4.sport = p->sport;
	t.ipv4.dport = p->dport;
	sk = bpf_skc_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (sk && (sk->state == BPF_TCP_LISTEN || sk->state == BPF_TCP_TIME_WAIT)) {
		bpf_sk_release(sk);
		return 0;
	}
	return sk;
}

/* The proxy's transparent listener on 127.0.0.1:proxy_port, if it is there. Caller releases it. */
static __always_inline struct bpf_sock *listener_socket(struct __sk_buff *skb, struct pkt *p,
							__be16 proxy_port)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;

	t.ipv4.saddr = p->saddr;
	t.ipv4.sport = p->sport;
	t.ipv4.daddr = bpf_htonl(0x7f000001);
	t.ipv4.dport = proxy_port;
	sk = bpf_skc_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (sk && sk->state != BPF_TCP_LISTEN) {
		bpf_sk_release(sk);
		return 0;
	}
	return sk;
}

/* Hands a TCP packet at tc ingress to the proxy: the connection's own socket, else the
 * listener on proxy_port. Returns 0 when assigned; non-zero means the proxy is not there and the
 * packet must not pass unfiltered. */
static __always_inline int redirect_to_proxy(struct __sk_buff *skb, struct pkt *p, __be16 proxy_port)
{
	struct bpf_sock *sk = connection_socket(skb, p);
	long err;

	if (!sk)
		sk = listener_socket(skb, p, proxy_port);
	if (!sk)
		return -1;
	err = bpf_sk_assign(skb, sk, 0);
	bpf_sk_release(sk);
	if (err)
		return -1;
	skb->mark = MARK_TO_PROXY;
	return 0;
}

/* Only tc ingress can assign a socket, so a packet met at tc egress that belongs to the proxy
 * enters the host again through lo, addressed to lo's (all-zero) MAC so the stack takes it.
 * A new connection carries its listener's port for the lo program (to_proxy). */
static __always_inline int to_host(struct __sk_buff *skb, __be16 proxy_port)
{
	__u8 lo_mac[ETH_ALEN] = {};

	if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_dest), lo_mac, ETH_ALEN, 0) < 0)
		return TC_ACT_SHOT;
	/* Else clang may keep &skb->mark from another call site in a spilled register, and the
	 * verifier refuses a store through a modified ctx pointer. */
	asm volatile("" : "+r"(skb));
	skb->mark = MARK_TO_PROXY | ((__u32)bpf_ntohs(proxy_port) << MARK_PORT_SHIFT);
	return bpf_redirect(LOOPBACK_IFINDEX, BPF_F_INGRESS);
}

/* A new connection met at tc egress of pod ep, for ep's ingress listener on proxy_port: into
 * the host through lo (to_host); dropped when the listener is not there. */
static __always_inline int to_listener(struct __sk_buff *skb, struct endpoint_value *ep, struct pkt *p,
				       __be16 proxy_port, __u32 src_id, int trace)
{
	struct bpf_sock *sk = listener_socket(skb, p, proxy_port);

	if (!sk)
		return drop(skb, ep, DROP_PROXY_LOOKUP_FAILED, src_id, ep->identity, DIR_INGRESS);
	bpf_sk_release(sk);
	if (trace)
		emit(skb, ep, EV_TRACE, TRACE_TO_PROXY, src_id, ep->identity, DIR_INGRESS, 0, 0);
	return to_host(skb, proxy_port);
}

/* A client that is not a local pod (world, a CIDR, a remote node: a local pod's connection is
 * handed over at its own tc ingress, ingress_proxy) met at the pod's tc egress on a port its
 * ingress L7 rules send through the proxy: to the connection's proxy socket, else to the listener,
 * both through lo (to_host); dropped when the listener is not there, never let through unfiltered.
 * The host is left out: the ingress proxy's own upstream connections come from it.
 * Such clients are handed over where they enter the node, by from_netdev on the devices given
 * with --devices; this is for a node without them. The listener answers, but the client's next
 * packets, forwarded by the host, meet the proxy's socket in the kernel's early demux and
 * ip_forward drops a packet that has a socket: the connection fails closed. */
static __always_inline int ingress_proxy_at_egress(struct __sk_buff *skb, struct endpoint_value *ep,
						   struct pkt *p, __be16 proxy_port, __u32 src_id, int is_new)
{
	struct bpf_sock *sk = connection_socket(skb, p);

	if (sk) {
		bpf_sk_release(sk);
		return to_host(skb, 0);
	}
	return to_listener(skb, ep, p, proxy_port, src_id, worth_tracing(p, is_new));
}

/* Judges a packet that is not a reply, in direction dir of endpoint ep. */
static __always_inline int enforce(struct __sk_buff *skb, struct endpoint_value *ep,
				   struct pkt *p, __u8 dir, struct ct_value *seed)
{
	__u32 peer_addr = dir == DIR_INGRESS ? p->saddr : p->daddr;
	__u32 peer = identity_of(peer_addr);
	__u32 src_id = dir == DIR_INGRESS ? peer : ep->identity;
	__u32 dst_id = dir == DIR_INGRESS ? ep->identity : peer;
	__u32 enforced = dir == DIR_INGRESS ? EP_F_INGRESS_ENFORCED : EP_F_EGRESS_ENFORCED;
	struct ct_key ck;
	struct ct_value *ct;
	struct verdict v;
	__u32 zero = 0;
	struct config_value *cfg = bpf_map_lookup_elem(&sluice_config, &zero);
	int is_new;

	ct_key_of(&ck, p, dir, skb->ifindex, 0);
	ct = bpf_map_lookup_elem(&sluice_ct, &ck);
	is_new = ct == 0;
	if (dir == DIR_INGRESS && peer == ID_HOST && cfg && (cfg->flags & CFG_F_ALLOW_HOST_INGRESS))
		v = (struct verdict){ .allowed = 1, .match_type = MATCH_NONE };
	else
		v = decide(ep, peer, dir, p);
	if (is_new && (ep->flags & enforced))
		emit(skb, ep, EV_POLICY_VERDICT, 0, src_id, dst_id, dir, v.match_type,
		     v.allowed ? EVF_ALLOWED : 0);
	if (!v.allowed)
		return drop(skb, ep, v.reason, src_id, dst_id, dir);
	/* A SYN opens a new connection: an entry left by an older one with the same addresses and
	 * ports (the proxy's upstream can pick a port a pod used before) must not lend it its flags,
	 * or the new connection's replies would miss the proxy. */
	if (is_new || opens_connection(p)) {
		seed->last_seen_ns = bpf_ktime_get_ns();
		bpf_map_update_elem(&sluice_ct, &ck, seed, BPF_ANY);
	} else {
		ct->last_seen_ns = bpf_ktime_get_ns();
	}
	if (dir == DIR_EGRESS && v.proxy_port && p->proto == IPPROTO_TCP) {
		if (redirect_to_proxy(skb, p, v.proxy_port))
			return drop(skb, ep, DROP_PROXY_LOOKUP_FAILED, src_id, dst_id, dir);
		if (worth_tracing(p, is_new))
			emit(skb, ep, EV_TRACE, TRACE_TO_PROXY, src_id, dst_id, dir, 0, 0);
		return TC_ACT_OK;
	}
	if (dir == DIR_INGRESS && v.proxy_port && p->proto == IPPROTO_TCP &&
	    !(seed->flags & CT_F_PROXY) && peer != ID_HOST)
		return ingress_proxy_at_egress(skb, ep, p, v.proxy_port, src_id, is_new);
	if (worth_tracing(p, is_new))
		emit(skb, ep, EV_TRACE,
		     dir == DIR_INGRESS ? TRACE_TO_ENDPOINT : TRACE_FROM_ENDPOINT, src_id, dst_id,
		     dir, 0, 0);
	return TC_ACT_OK;
}

/* The local pod a packet is addressed to, or NULL. */
static __always_inline struct ipcache_value *local_destination(struct pkt *p)
{
	struct ipcache_key k = { .prefixlen = 32, .addr = p->daddr };
	struct ipcache_value *dst = bpf_map_lookup_elem(&sluice_ipcache, &k);

	return dst && dst->endpoint_id ? dst : 0;
}

/* The destination's ingress L7 rules are applied here, at the source, because only tc
 * ingress can hand a packet to a socket: a local destination whose ingress row for this peer
 * names a proxy port (dst, from local_destination) gets the connection through the proxy.
 * Denials are left to the destination's own to_container, which records them against it. */
static __always_inline int ingress_proxy(struct __sk_buff *skb, __u32 src_id, struct ipcache_value *dst,
					 struct pkt *p)
{
	struct endpoint_value dst_ep = {};
	struct verdict v;

	if (!dst)
		return TC_ACT_OK;
	dst_ep.ep_id = dst->endpoint_id;
	dst_ep.identity = dst->identity;
	v = decide(&dst_ep, src_id, DIR_INGRESS, p);
	if (!v.allowed || !v.proxy_port)
		return TC_ACT_OK;
	if (p->tcp_flags & TCP_SYN && !(p->tcp_flags & TCP_ACK))
		emit(skb, &dst_ep, EV_POLICY_VERDICT, 0, src_id, dst->identity, DIR_INGRESS,
		     v.match_type, EVF_ALLOWED);
	if (redirect_to_proxy(skb, p, v.proxy_port))
		return drop(skb, &dst_ep, DROP_PROXY_LOOKUP_FAILED, src_id, dst->identity,
			    DIR_INGRESS);
	if (worth_tracing(p, 0))
		emit(skb, &dst_ep, EV_TRACE, TRACE_TO_PROXY, src_id, dst->identity, DIR_INGRESS,
		     0, 0);
	return TC_ACT_OK;
}

/* Cilium's anti-spoofing: a pod sends only from its own address, since policy trusts the source
 * address for the sender's identity. Returns true for an IPv4 packet with any other source
 * (another pod's, or outside the pod's /32), or too short to carry one; ARP and other protocols
 * are not IPv4 and pass. Sets *daddr for the drop's destination identity. */
static __always_inline int foreign_source(struct __sk_buff *skb, struct endpoint_value *ep, __u32 *daddr)
{
	__u32 addrs[2]; /* saddr, daddr: adjacent in the header */
	__be16 proto;

	*daddr = 0;
	if (bpf_skb_load_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto)) < 0 ||
	    proto != bpf_htons(ETH_P_IP))
		return 0;
	if (bpf_skb_load_bytes(skb, IP_SADDR_OFF, addrs, sizeof(addrs)) < 0)
		return 1;
	*daddr = addrs[1];
	return addrs[0] != ep->addr;
}

/* A new or ongoing connection to a frontend that an Envoy config takes (sluice_l7_frontends): into
 * its listener, which balances it; the proxy connects to the backends with the client's address
 * (MARK_FROM_LB), and where that leg enters the chosen backend the client's egress policy and the
 * backend's ingress policy judge it (from_lb). */
static __always_inline int l7_frontend(struct __sk_buff *skb, struct endpoint_value *ep, struct pkt *p,
				       __be16 proxy_port)
{
	struct ct_value fresh = {};
	struct ct_value *ct;
	struct ct_key ck;
	int is_new;

	/* Conntrack, so the proxy's replies (from the frontend's address) are known replies. */
	ct_key_of(&ck, p, DIR_EGRESS, skb->ifindex, 0);
	ct = bpf_map_lookup_elem(&sluice_ct, &ck);
	is_new = ct == 0;
	if (ct && !opens_connection(p)) {
		ct->last_seen_ns = bpf_ktime_get_ns();
	} else {
		fresh.last_seen_ns = bpf_ktime_get_ns();
		bpf_map_update_elem(&sluice_ct, &ck, &fresh, BPF_ANY);
	}
	if (redirect_to_proxy(skb, p, proxy_port))
		return drop(skb, ep, DROP_PROXY_LOOKUP_FAILED, ep->identity, ID_WORLD, DIR_EGRESS);
	if (worth_tracing(p, is_new))
		emit(skb, ep, EV_TRACE, TRACE_TO_PROXY, ep->identity, ID_WORLD, DIR_EGRESS, 0, 0);
	return TC_ACT_OK;
}

SEC("tc")
int from_container(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct endpoint_value *ep = bpf_map_lookup_elem(&sluice_endpoints, &ifindex);
	struct ct_value seed = {};
	struct ct_key ck;
	struct ct_value *ct;
	struct config_value *cfg;
	__u32 daddr, zero = 0;
	struct pkt p;
	int ret;

	if (!ep)
		return TC_ACT_OK;
	cfg = bpf_map_lookup_elem(&sluice_config, &zero);
	if (!(cfg && (cfg->flags & CFG_F_NO_SOURCE_CHECK)) && foreign_source(skb, ep, &daddr))
		return drop(skb, ep, DROP_INVALID_SOURCE_IP, ep->identity, daddr ? identity_of(daddr) : ID_WORLD,
			    DIR_EGRESS);
	if (parse(skb, &p) < 0)
		return TC_ACT_OK;
	/* A reply of a connection the pod accepted: its ingress policy already judged it. */
	ct_key_of(&ck, &p, DIR_INGRESS, ifindex, 1);
	ct = bpf_map_lookup_elem(&sluice_ct, &ck);
	if (ct) {
		ct->last_seen_ns = bpf_ktime_get_ns();
		/* The peer is the proxy, connected with the client's address: back to its socket. */
		if (ct->flags & CT_F_PROXY)
			skb->mark = MARK_TO_PROXY;
		if (worth_tracing(&p, 0))
			emit(skb, ep, EV_TRACE, TRACE_FROM_ENDPOINT, ep->identity,
			     identity_of(p.daddr), DIR_INGRESS, 0, EVF_REPLY);
		return TC_ACT_OK;
	}
	if (p.proto == IPPROTO_TCP) {
		struct svc_key lk = { .vip = p.daddr, .port = p.dport, .proto = p.proto };
		struct l7_frontend_value *l7 = bpf_map_lookup_elem(&sluice_l7_frontends, &lk);

		if (l7)
			return l7_frontend(skb, ep, &p, l7->proxy_port);
	}
	if (service_dnat(skb, &p, &seed) < 0)
		return drop(skb, ep, DROP_NO_SERVICE, ep->identity, ID_WORLD, DIR_EGRESS);
	ret = enforce(skb, ep, &p, DIR_EGRESS, &seed);
	if (ret != TC_ACT_OK || skb->mark == MARK_TO_PROXY || p.proto != IPPROTO_TCP)
		return ret;
	return ingress_proxy(skb, ep->identity, local_destination(&p), &p);
}

/* A packet from one of the proxy's own sockets (MARK_FROM_PROXY) on its way into pod ep. It may
 * be meant for another proxy socket on this host: the ingress listener's reply to the egress
 * proxy's upstream connection, or that connection's packets once the ingress listener accepted
 * it; and a new connection from the egress proxy that ep's ingress L7 rules send through the
 * ingress proxy too (so one request passes both, as in Cilium). Returns -1 for a packet that goes
 * on into the pod, judged by ep's ingress policy against the client's own identity. */
static __always_inline int from_proxy(struct __sk_buff *skb, struct endpoint_value *ep, struct pkt *p)
{
	struct bpf_sock *sk = connection_socket(skb, p);
	struct verdict v;
	__u32 peer;

	if (sk) {
		bpf_sk_release(sk);
		return to_host(skb, 0);
	}
	if (!(p->tcp_flags & TCP_SYN) || (p->tcp_flags & TCP_ACK))
		return -1;
	peer = identity_of(p->saddr);
	v = decide(ep, peer, DIR_INGRESS, p);
	if (!v.allowed || !v.proxy_port)
		return -1;
	emit(skb, ep, EV_POLICY_VERDICT, 0, peer, ep->identity, DIR_INGRESS, v.match_type, EVF_ALLOWED);
	return to_listener(skb, ep, p, v.proxy_port, peer, 1);
}

/* The local pod at addr (its endpoint entry, found through the route to it), or 0. */
static __always_inline int local_endpoint(struct __sk_buff *skb, __u32 addr, struct endpoint_value *out)
{
	struct bpf_fib_lookup fib = {};
	struct endpoint_value *ep;
	__u32 oif;
	long rc;

	/* As if forwarded from this interface (the host forwards between pods): the route to a local
	 * pod names its veth. */
	fib.family = 2; /* AF_INET */
	fib.ipv4_dst = addr;
	fib.ifindex = skb->ifindex;
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_DIRECT);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return 0;
	oif = fib.ifindex;
	ep = bpf_map_lookup_elem(&sluice_endpoints, &oif);
	if (!ep || ep->addr != addr)
		return 0;
	*out = *ep;
	return 1;
}

/* A packet of an Envoy config listener's upstream connection (MARK_FROM_LB), which carries the
 * client's address, on its way into pod ep: a new connection from a local client is judged by the
 * client's egress policy, which never saw this leg (a denial drops it, L7 egress rules send it
 * through the policies' egress listener, which connects again with MARK_FROM_PROXY); the rest,
 * and what passes, goes on as from_proxy (packets for one of the proxy's sockets go to it). */
static __always_inline int from_lb(struct __sk_buff *skb, struct endpoint_value *ep, struct pkt *p)
{
	struct ipcache_key k = { .prefixlen = 32 };
	struct endpoint_value client = {};
	struct ipcache_value *src;
	struct config_value *cfg;
	struct bpf_sock *sk;
	struct verdict v;
	__u32 zero = 0;

	/* All but a new connection's first packet: from_proxy finds a proxy socket it is for. */
	if (!(p->tcp_flags & TCP_SYN) || (p->tcp_flags & TCP_ACK))
		return from_proxy(skb, ep, p);
	k.addr = p->saddr;
	src = bpf_map_lookup_elem(&sluice_ipcache, &k);
	if (!src || !src->endpoint_id)
		return from_proxy(skb, ep, p);
	/* A local client whose entry is missing is not judged as unenforced: dropped. */
	if (!local_endpoint(skb, p->saddr, &client))
		return drop(skb, ep, DROP_POLICY_DENIED, identity_of(p->saddr), ep->identity, DIR_EGRESS);
	v = decide(&client, ep->identity, DIR_EGRESS, p);
	if (client.flags & EP_F_EGRESS_ENFORCED)
		emit(skb, &client, EV_POLICY_VERDICT, 0, client.identity, ep->identity, DIR_EGRESS, v.match_type,
		     v.allowed ? EVF_ALLOWED : 0);
	if (!v.allowed)
		return drop(skb, &client, v.reason, client.identity, ep->identity, DIR_EGRESS);
	cfg = bpf_map_lookup_elem(&sluice_config, &zero);
	if (v.proxy_port && cfg && v.proxy_port == cfg->egress_proxy_port) {
		sk = listener_socket(skb, p, v.proxy_port);
		if (!sk)
			return drop(skb, &client, DROP_PROXY_LOOKUP_FAILED, client.identity, ep->identity, DIR_EGRESS);
		bpf_sk_release(sk);
		emit(skb, &client, EV_TRACE, TRACE_TO_PROXY, client.identity, ep->identity, DIR_EGRESS, 0, 0);
		return to_host(skb, v.proxy_port);
	}
	return from_proxy(skb, ep, p);
}

SEC("tc")
int to_container(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct endpoint_value *ep = bpf_map_lookup_elem(&sluice_endpoints, &ifindex);
	struct ct_value seed = {};
	struct ct_key ck;
	struct ct_value *ct;
	struct pkt p;

	if (!ep || parse(skb, &p) < 0)
		return TC_ACT_OK;
	if (((skb->mark & MARK_MASK) == MARK_FROM_PROXY || (skb->mark & MARK_MASK) == MARK_FROM_LB) &&
	    p.proto == IPPROTO_TCP) {
		int ret = (skb->mark & MARK_MASK) == MARK_FROM_LB ? from_lb(skb, ep, &p) : from_proxy(skb, ep, &p);

		if (ret >= 0)
			return ret;
		seed.flags = CT_F_PROXY;
	}
	/* A reply of a connection the pod opened: restore the service frontend if it had one. */
	ct_key_of(&ck, &p, DIR_EGRESS, ifindex, 1);
	ct = bpf_map_lookup_elem(&sluice_ct, &ck);
	if (ct) {
		__u32 nat_addr = ct->nat_addr;
		__be16 nat_port = ct->nat_port;
		int rev = ct->flags & CT_F_REV_NAT;
		__u32 src_id = identity_of(p.saddr);

		ct->last_seen_ns = bpf_ktime_get_ns();
		if (rev && (rewrite_addr(skb, &p, IP_SADDR_OFF, p.saddr, nat_addr) < 0 ||
			    rewrite_port(skb, &p, offsetof(struct tcphdr, source), p.sport,
					 nat_port) < 0))
			return TC_ACT_SHOT;
		if (worth_tracing(&p, 0))
			emit(skb, ep, EV_TRACE, TRACE_TO_ENDPOINT, src_id, ep->identity,
			     DIR_EGRESS, 0, EVF_REPLY);
		return TC_ACT_OK;
	}
	return enforce(skb, ep, &p, DIR_INGRESS, &seed);
}

/* tc ingress of the node's own devices (--devices): a connection from outside the node (world,
 * a CIDR, a remote node) to a local pod whose ingress L7 rules name a proxy port for the client
 * is handed to the proxy here, where a socket can be assigned; all else goes on to the pods'
 * programs, which judge it. */
SEC("tc")
int from_netdev(struct __sk_buff *skb)
{
	struct ipcache_value *dst;
	__u32 src_id;
	struct pkt p;

	if (parse(skb, &p) < 0 || p.proto != IPPROTO_TCP)
		return TC_ACT_OK;
	/* The host's own traffic on this device is most of it: no socket lookup for that. */
	dst = local_destination(&p);
	if (!dst)
		return TC_ACT_OK;
	src_id = identity_of(p.saddr);
	if (src_id == ID_HOST)
		return TC_ACT_OK;
	/* Past the SYN only the proxy's own connections: a reply to a connection a pod opened
	 * stays the pods' business even on a port with L7 rules. */
	if (!(p.tcp_flags & TCP_SYN) || (p.tcp_flags & TCP_ACK)) {
		struct bpf_sock *sk = connection_socket(skb, &p);

		if (!sk)
			return TC_ACT_OK;
		bpf_sk_release(sk);
	}
	return ingress_proxy(skb, src_id, dst, &p);
}

/* tc ingress of the host's lo: new connections that to_container handed to the ingress proxy
 * (the listener's port in the mark) are assigned to the listener; all else is the stack's. */
SEC("tc")
int to_proxy(struct __sk_buff *skb)
{
	__u32 mark = skb->mark;
	struct pkt p;

	if ((mark & MARK_MASK) != MARK_TO_PROXY || !(mark >> MARK_PORT_SHIFT) ||
	    parse(skb, &p) < 0 || p.proto != IPPROTO_TCP)
		return TC_ACT_OK;
	return redirect_to_proxy(skb, &p, bpf_htons(mark >> MARK_PORT_SHIFT)) ? TC_ACT_SHOT : TC_ACT_OK;
}
