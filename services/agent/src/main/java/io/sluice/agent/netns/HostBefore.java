package io.sluice.agent.netns;

import java.util.Objects;
import java.util.Properties;

/**
 * The host's shared pieces as the first node found them, so the last node puts them back:
 * IPv4 forwarding, whether the proxy's policy rule was there (from another install), whether
 * lo already had a clsact qdisc, whether the node processes' account existed, and whether
 * {@code /run/netns} (which {@code ip netns add} makes, and mounts on itself) was there.
 *
 * <p>Example text: {@code ip_forward=0}, {@code proxy_rule=false}, {@code lo_clsact=false},
 * {@code account=false}, {@code netns_dir=false}, one per line.
 */
public record HostBefore(String ipForward, boolean proxyRule, boolean loClsact, boolean account, boolean netnsDir) {
    public HostBefore {
        Objects.requireNonNull(ipForward, "ipForward");
    }

    /** The host as it is now; {@code accountExists} says whether the node processes' account is there. */
    public static HostBefore observe(boolean accountExists) {
        return new HostBefore(PodNetwork.sysctl("net/ipv4/ip_forward"), HostNetwork.proxyRuleExists(),
                Commands.run("tc", "qdisc", "show", "dev", "lo").contains("clsact"), accountExists,
                java.nio.file.Files.exists(HostNetwork.NETNS_DIR));
    }

    public String text() {
        return "ip_forward=" + ipForward + "\nproxy_rule=" + proxyRule + "\nlo_clsact=" + loClsact + "\naccount=" + account
                + "\nnetns_dir=" + netnsDir + "\n";
    }

    /** Parses {@link #text}; what is missing (an older or empty record) reads as "leave as is": nothing is undone. */
    public static HostBefore parse(String text) {
        Properties p = new Properties();
        try {
            p.load(new java.io.StringReader(text));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e); // a StringReader does not fail
        }
        return new HostBefore(p.getProperty("ip_forward", ""), Boolean.parseBoolean(p.getProperty("proxy_rule", "true")),
                Boolean.parseBoolean(p.getProperty("lo_clsact", "true")), Boolean.parseBoolean(p.getProperty("account", "true")),
                Boolean.parseBoolean(p.getProperty("netns_dir", "true")));
    }
}
