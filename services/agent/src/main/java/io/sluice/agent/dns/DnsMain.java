package io.sluice.agent.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * The cluster DNS process: {@code DnsMain ADDRESS PORT ZONE_FILE}. Serves the zone file and
 * reloads it when it changes (checked every 200 ms); keeps the last good zone when a reload fails.
 */
public final class DnsMain {
    private DnsMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: DnsMain ADDRESS PORT ZONE_FILE");
            System.exit(2);
        }
        ZoneFile zoneFile = new ZoneFile(Path.of(args[2]));
        try (DnsServer server = new DnsServer(new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1])))) {
            System.out.println("cluster DNS on " + args[0] + ":" + args[1] + ", zone " + args[2]);
            FileTime seen = FileTime.fromMillis(0);
            while (true) {
                FileTime now = Files.exists(zoneFile.path()) ? Files.getLastModifiedTime(zoneFile.path()) : seen;
                if (!now.equals(seen)) {
                    try {
                        server.zone(zoneFile.read());
                        seen = now;
                    } catch (RuntimeException e) {
                        System.err.println("zone reload failed, keeping the last good zone: " + e.getMessage());
                    }
                }
                Thread.sleep(200);
            }
        }
    }
}
