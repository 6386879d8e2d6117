package io.sluice.agent.node;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Whether a port can be bound on 127.0.0.1 right now (another node or program may hold it). */
final class ProxyPortProbe {
    private ProxyPortProbe() {}

    static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
