package io.sluice.agent.dns;


import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;

/**
 * Answers DNS over UDP for the cluster zone on one address. Names outside the zone get
 * NXDOMAIN (the node has no upstream). A malformed query is dropped, never fatal.
 * The zone is swapped atomically by {@link #zone(ClusterZone)}. Thread-safe.
 */
public final class DnsServer implements AutoCloseable {

    private static final long TTL = 5;
    private final DatagramSocket socket;
    private final Thread thread;
    private volatile ClusterZone zone = new ClusterZone(java.util.Map.of());

    public DnsServer(InetSocketAddress bind) {
        try {
            socket = new DatagramSocket(bind);
        } catch (SocketException e) {
            throw new UncheckedIOException("bind cluster DNS on " + bind, e);
        }
        thread = Thread.ofPlatform().daemon().name("cluster-dns").start(this::serve);
    }

    public void zone(ClusterZone zone) {
        this.zone = zone;
    }

    private void serve() {
        byte[] buf = new byte[1500];
        while (!socket.isClosed()) {
            DatagramPacket in = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(in);
                byte[] answer = answer(java.util.Arrays.copyOf(in.getData(), in.getLength()));
                if (answer.length > 0) {
                    socket.send(new DatagramPacket(answer, answer.length, in.getSocketAddress()));
                }
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    System.err.println("DNS: " + e.getMessage());
                }
            }
        }
    }

    /** The wire answer to a wire query, or nothing for a query that cannot be parsed. */
    byte[] answer(byte[] query) {
        Message q;
        try {
            q = new Message(query);
        } catch (IOException e) {
            return new byte[0];
        }
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.AA);
        if (q.getHeader().getFlag(Flags.RD)) {
            r.getHeader().setFlag(Flags.RD);
        }
        Record question = q.getQuestion();
        if (question == null) {
            r.getHeader().setRcode(Rcode.FORMERR);
            return r.toWire();
        }
        r.addRecord(question, Section.QUESTION);
        String name = question.getName().toString();
        var addr = zone.resolve(name);
        if (addr.isEmpty()) {
            r.getHeader().setRcode(Rcode.NXDOMAIN);
        } else if (question.getType() == Type.A) {
            try {
                r.addRecord(new ARecord(question.getName(), DClass.IN, TTL, InetAddress.getByAddress(bytes(addr.get()))),
                        Section.ANSWER);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return r.toWire();
    }

    private static byte[] bytes(int a) {
        return new byte[]{(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
    }

    @Override
    public void close() {
        socket.close();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
