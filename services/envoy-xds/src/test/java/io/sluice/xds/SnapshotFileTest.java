package io.sluice.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.sluice.api.xds.sync.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SnapshotFileTest {
    @TempDir
    Path dir;

    @Test
    void readsWhatItWrote() {
        SnapshotFile file = new SnapshotFile(dir.resolve("xds/last-good.pb"));
        Snapshot s = Snapshot.newBuilder().setVersion("v2")
                .addResources(Any.pack(RouteConfiguration.newBuilder().setName("r").build())).build();
        file.write(s);
        assertThat(file.read()).contains(s);
    }

    @Test
    void readsTheDiscoveryResponseAnEarlierEnvoyXdsSaved() throws Exception {
        Any route = Any.pack(RouteConfiguration.newBuilder().setName("r").build());
        Path path = dir.resolve("last-good.pb");
        Files.write(path, DiscoveryResponse.newBuilder().setVersionInfo("v1").addResources(route)
                .setTypeUrl("type.sluice.io/sluice.xds.v1.Snapshot").build().toByteArray());

        Snapshot read = new SnapshotFile(path).read().orElseThrow();

        assertThat(read.getVersion()).isEqualTo("v1");
        assertThat(read.getResourcesList()).containsExactly(route);
    }

    @Test
    void ignoresAFileItCannotRead() throws Exception {
        Path path = dir.resolve("last-good.pb");
        Files.write(path, new byte[] {(byte) 0xff, 0x01});
        assertThat(new SnapshotFile(path).read()).isEmpty();
    }
}
