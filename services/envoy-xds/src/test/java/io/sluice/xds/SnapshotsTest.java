package io.sluice.xds;

import com.google.protobuf.Any;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.sluice.api.xds.sync.Snapshot;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class SnapshotsTest {
    static Snapshot routes(String version, RouteConfiguration... routes) {
        Snapshot.Builder b = Snapshot.newBuilder().setVersion(version);
        for (RouteConfiguration r : routes) {
            b.addResources(Any.pack(r));
        }
        return b.build();
    }

    static RouteConfiguration route(String name, String host) {
        return RouteConfiguration.newBuilder().setName(name).addVirtualHosts(VirtualHost.newBuilder().setName(host)
                .addDomains("*")).build();
    }

    @Test
    void aRemovedRoute_staysForTheGracePeriod_andComesBackWithItsNewContent() throws Exception {
        AtomicLong now = new AtomicLong();
        Snapshots snapshots = new Snapshots(now::get);
        RouteConfiguration old = route("default/lb/route", "old"), kept = route("default/other/route", "kept");
        snapshots.of(routes("1", old, kept));
        var without = snapshots.of(routes("2", kept)).resources(Resources.ResourceType.ROUTE);
        assertThat(without).containsOnlyKeys("default/lb/route", "default/other/route");
        RouteConfiguration changed = route("default/lb/route", "new");
        assertThat(snapshots.of(routes("3", changed, kept)).resources(Resources.ResourceType.ROUTE).get("default/lb/route"))
                .isEqualTo(changed);
        snapshots.of(routes("4", kept));
        now.addAndGet(Snapshots.ROUTE_GRACE.toNanos() + 1);
        assertThat(snapshots.of(routes("5", kept)).resources(Resources.ResourceType.ROUTE)).containsOnlyKeys("default/other/route");
    }
}
