package io.sluice.xds;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/**
 * envoy-xds's settings, {@code sluice.xds.*} (system properties as the agent starts it, or
 * {@code SLUICE_XDS_*} variables in Envoy's pod), each with its default here only.
 */
@ConfigMapping(prefix = "sluice.xds")
public interface XdsConfig {
    /** The socket Envoy and the agent connect to: a link to this instance's own ({@link SocketLink}). */
    @WithDefault("/run/sluice/xds.sock")
    String socket();

    /** Where the last configuration Envoy acknowledged is kept, to serve it at the next start. */
    @WithDefault("/var/lib/sluice/xds")
    String stateDir();

    /** The Envoy beside envoy-xds, in Envoy's DaemonSet: what its bootstrap says. */
    Envoy envoy();

    interface Envoy {
        /**
         * Where to write the bootstrap of the Envoy beside it (a volume of their pod's own, so
         * each pod's Envoy starts from its pod's settings); empty: the agent writes it.
         */
        Optional<String> bootstrap();

        @WithDefault("sluice")
        String nodeId();

        @WithDefault("/var/lib/sluice/proxy/envoy-admin.sock")
        String adminSocket();

        @WithDefault("/var/lib/sluice/proxy/als.sock")
        String alsSocket();

        /** Envoy's admin on 127.0.0.1 (Cilium's envoy.debug.admin); 0: none on TCP. */
        @WithDefault("0")
        int adminPort();

        @WithDefault("9964")
        int prometheusPort();

        @WithDefault("9878")
        int healthPort();
    }
}
