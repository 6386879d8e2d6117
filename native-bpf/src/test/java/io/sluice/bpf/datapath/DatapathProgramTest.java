package io.sluice.bpf.datapath;

import io.sluice.bpf.BpfFs;
import io.sluice.bpf.BpfProgram.TestRun;
import io.sluice.bpf.RingBufferReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static io.sluice.bpf.Packets.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs the real datapath programs in the kernel with BPF_PROG_TEST_RUN on crafted packets.
 * Without a context the test packet arrives on loopback (ifindex 1), so the endpoint under
 * test is keyed by ifindex 1.
 */
class DatapathProgramTest {
    private static final int OK = 0, SHOT = 2, REDIRECT = 7, LO = 1, TCP = 6;
    /** datapath.h: the proxy's marks, and the drop reason when its listener is not there. */
    private static final int MARK_TO_PROXY = 0x0200, MARK_FROM_PROXY = 0x0300, MARK_FROM_LB = 0x0400, MARK_PORT_SHIFT = 16,
            PROXY_LOOKUP_FAILED = 178;
    /** datapath.h: Cilium's drop reason for a packet a pod sent from an address not its own. */
    private static final int INVALID_SOURCE_IP = 132, EGRESS = 1;
    private static final int EP_ID = 7, EP_IDENTITY = 300, EMPIRE = 301, ALLIANCE = 302;
    private static final int POD = ip(10, 250, 0, 10), EMPIRE_POD = ip(10, 250, 0, 11), ALLIANCE_POD = ip(10, 250, 0, 12);
    private static final int VIP = ip(10, 97, 0, 5), BACKEND = ip(10, 250, 0, 20);

    private static final Path PINS = Path.of("/sys/fs/bpf/sluice-test-" + ProcessHandle.current().pid());
    private static Datapath dp;
    private static RingBufferReader reader;
    private static final List<DatapathEvent> events = new CopyOnWriteArrayList<>();
    /** Where the reader's events go: the list, unless a test counts them itself. */
    private static volatile Consumer<DatapathEvent> sink = events::add;

    @BeforeAll
    static void load() {
        BpfFs.ensureMounted();
        dp = Datapath.open(PINS);
        reader = dp.readEvents(e -> sink.accept(e));
    }

    @AfterAll
    static void unload() {
        try {
            if (reader != null) {
                reader.close();
            }
            if (dp != null) {
                dp.close();
            }
        } finally {
            Datapath.unpinAll(PINS);
        }
    }

    @AfterEach
    void listEventsAgain() {
        sink = events::add;
    }

    @BeforeEach
    void reset() {
        dp.endpoints.keySet().forEach(dp.endpoints::remove);
        dp.ipcache.keySet().forEach(dp.ipcache::remove);
        dp.services.keySet().forEach(dp.services::remove);
        dp.removePolicy(EP_ID);
        dp.conntrack().keys().forEach(dp.conntrack()::delete);
        dp.config.put(0, new DatapathConfig(ip(10, 97, 0, 0), ip(255, 255, 0, 0), 0));
        dp.ipcache.put(new IpcacheKey(32, EMPIRE_POD), new IpcacheValue(EMPIRE, 0));
        dp.ipcache.put(new IpcacheKey(32, ALLIANCE_POD), new IpcacheValue(ALLIANCE, 0));
        dp.ipcache.put(new IpcacheKey(32, POD), new IpcacheValue(EP_IDENTITY, EP_ID));
        events.clear();
    }

    private void endpoint(int flags) {
        dp.endpoints.put(LO, new EndpointValue(EP_ID, EP_IDENTITY, POD, flags));
    }

    private void allow(int identity, int port) {
        dp.policy(EP_ID).put(new PolicyEntryKey(64, identity, 0, TCP, port), new PolicyEntryValue(false, 2, 0, 0));
    }

    /**
     * The reader maps the ring's data once, so a record that runs past its end is read in two
     * pieces: ten megabytes of events through the four-megabyte ring, every one of them whole.
     */
    @Test
    void ringBuffer_recordsThatWrapArriveWhole() {
        endpoint(0);
        byte[] syn = tcp(EMPIRE_POD, 40000, POD, 80, SYN);
        AtomicLong whole = new AtomicLong();
        AtomicLong torn = new AtomicLong();
        sink = e -> (e.type() == DatapathEvent.TRACE && e.srcIdentity() == EMPIRE && e.dstIdentity() == EP_IDENTITY
                && e.ifindex() == LO && Arrays.equals(e.packet(), syn) ? whole : torn).incrementAndGet();
        long lostBefore = dp.eventsLost();
        int batch = 5_000, batches = 12; // 168-byte records plus headers: 10 MB, not a multiple of the ring
        for (int i = 1; i <= batches; i++) {
            assertThat(dp.toContainer().testRun(syn, LO, batch).retval()).isEqualTo(OK);
            long expected = (long) i * batch;
            await().atMost(10, TimeUnit.SECONDS).until(() -> whole.get() + torn.get() >= expected);
        }
        assertThat(torn.get()).isZero();
        assertThat(whole.get()).isEqualTo((long) batch * batches);
        assertThat(dp.eventsLost()).isEqualTo(lostBefore);
    }

    @Test
    void unmanagedInterface_passesEverything() {
        TestRun r = dp.toContainer().testRun(tcp(ALLIANCE_POD, 40000, POD, 80, SYN), LO);
        assertThat(r.retval()).isEqualTo(OK);
    }

    @Test
    void noPolicy_allowsAndTraces() {
        endpoint(0);
        assertThat(dp.toContainer().testRun(tcp(ALLIANCE_POD, 40000, POD, 80, SYN), LO).retval()).isEqualTo(OK);
        await().atMost(2, TimeUnit.SECONDS).until(() -> events.stream().anyMatch(e -> e.type() == DatapathEvent.TRACE));
    }

    @Test
    void ingressEnforced_dropsUnlistedIdentityWithPolicyDenied() {
        endpoint(EndpointValue.INGRESS_ENFORCED);
        allow(EMPIRE, 80);
        assertThat(dp.toContainer().testRun(tcp(EMPIRE_POD, 40000, POD, 80, SYN), LO).retval()).isEqualTo(OK);
        assertThat(dp.toContainer().testRun(tcp(ALLIANCE_POD, 40000, POD, 80, SYN), LO).retval()).isEqualTo(SHOT);
        assertThat(dp.toContainer().testRun(tcp(EMPIRE_POD, 40000, POD, 81, SYN), LO).retval()).isEqualTo(SHOT);
        await().atMost(2, TimeUnit.SECONDS).until(() -> events.stream()
                .anyMatch(e -> e.type() == DatapathEvent.DROP && e.subtype() == 133 && e.srcIdentity() == ALLIANCE));
        assertThat(events).anyMatch(e -> e.type() == DatapathEvent.POLICY_VERDICT && !e.allowed()
                && e.srcIdentity() == ALLIANCE && e.dstIdentity() == EP_IDENTITY);
    }

    /** Anti-spoofing: whatever the policy allows, a pod sends only from its own address. */
    @ParameterizedTest(name = "endpoint flags {0}")
    @ValueSource(ints = {0, EndpointValue.EGRESS_ENFORCED})
    void fromContainer_foreignSource_isDroppedAsInvalidSourceIp(int flags) {
        endpoint(flags);
        dp.policy(EP_ID).put(new PolicyEntryKey(40, ALLIANCE, EGRESS, 0, 0), new PolicyEntryValue(false, 1, 0, 0));
        // another pod's address, the next address outside the pod's /32, and no address at all
        for (int forged : new int[]{EMPIRE_POD, POD + 1, 0}) {
            assertThat(dp.fromContainer().testRun(tcp(forged, 40000, ALLIANCE_POD, 80, SYN), LO).retval()).isEqualTo(SHOT);
            assertThat(dp.fromContainer().testRun(udp(forged, 40000, ALLIANCE_POD, 53), LO).retval()).isEqualTo(SHOT);
        }
        assertThat(dp.fromContainer().testRun(tcp(POD, 40000, ALLIANCE_POD, 80, SYN), LO).retval()).isEqualTo(OK);
        assertThat(dp.fromContainer().testRun(udp(POD, 40001, ALLIANCE_POD, 53), LO).retval()).isEqualTo(OK);
        await().atMost(2, TimeUnit.SECONDS).until(() -> events.stream().filter(e -> e.type() == DatapathEvent.DROP
                && e.subtype() == INVALID_SOURCE_IP && e.srcIdentity() == EP_IDENTITY && e.dstIdentity() == ALLIANCE).count() == 6);
        assertThat(events).noneMatch(e -> e.type() == DatapathEvent.DROP && e.subtype() != INVALID_SOURCE_IP);
    }

    @Test
    void fromContainer_sourceCheckOff_letsAForgedSourceThrough() {
        endpoint(0);
        dp.config.put(0, new DatapathConfig(ip(10, 97, 0, 0), ip(255, 255, 0, 0), DatapathConfig.NO_SOURCE_CHECK));
        assertThat(dp.fromContainer().testRun(udp(EMPIRE_POD, 40000, ALLIANCE_POD, 53), LO).retval()).isEqualTo(OK);
    }

    @Test
    void fromContainer_arp_isNotJudgedAsSpoofed() {
        endpoint(EndpointValue.EGRESS_ENFORCED);
        assertThat(dp.fromContainer().testRun(arp(POD, ALLIANCE_POD), LO).retval()).isEqualTo(OK);
        // ARP claiming another address is not IPv4 and passes: the host routes each pod's /32 to
        // that pod's own veth, so a claim made on another veth redirects nothing
        assertThat(dp.fromContainer().testRun(arp(EMPIRE_POD, ALLIANCE_POD), LO).retval()).isEqualTo(OK);
        assertThat(events).noneMatch(e -> e.type() == DatapathEvent.DROP);
    }

    @Test
    void denyEntry_beatsAnyIdentityAllow() {
        endpoint(EndpointValue.INGRESS_ENFORCED);
        allow(0, 80);
        dp.policy(EP_ID).put(new PolicyEntryKey(40, ALLIANCE, 0, 0, 0), new PolicyEntryValue(true, 1, 0, 0));
        assertThat(dp.toContainer().testRun(tcp(EMPIRE_POD, 40000, POD, 80, SYN), LO).retval()).isEqualTo(OK);
        assertThat(dp.toContainer().testRun(tcp(ALLIANCE_POD, 40000, POD, 80, SYN), LO).retval()).isEqualTo(SHOT);
        await().atMost(2, TimeUnit.SECONDS).until(() -> events.stream()
                .anyMatch(e -> e.type() == DatapathEvent.DROP && e.subtype() == 181));
    }

    @Test
    void portBlock_matchesRangeByPrefix() {
        endpoint(EndpointValue.INGRESS_ENFORCED);
        // 8080-8087 is one aligned block: 16 - 3 bits of port.
        dp.policy(EP_ID).put(new PolicyEntryKey(61, EMPIRE, 0, TCP, 8080), new PolicyEntryValue(false, 2, 0, 0));
        assertThat(dp.toContainer().testRun(tcp(EMPIRE_POD, 40000, POD, 8087, SYN), LO).retval()).isEqualTo(OK);
        assertThat(dp.toContainer().testRun(tcp(EMPIRE_POD, 40000, POD, 8088, SYN), LO).retval()).isEqualTo(SHOT);
    }

    @Test
    void replyOfAcceptedConnection_passesEgressPolicy() {
        endpoint(EndpointValue.INGRESS_ENFORCED | EndpointValue.EGRESS_ENFORCED);
        allow(EMPIRE, 80);
        assertThat(dp.toContainer().testRun(tcp(EMPIRE_POD, 40000, POD, 80, SYN), LO).retval()).isEqualTo(OK);
        assertThat(dp.fromContainer().testRun(tcp(POD, 80, EMPIRE_POD, 40000, SYN | ACK), LO).retval()).isEqualTo(OK);
        assertThat(dp.fromContainer().testRun(tcp(POD, 81, EMPIRE_POD, 40000, SYN), LO).retval()).isEqualTo(SHOT);
    }

    @Test
    void serviceFrontend_isTranslatedToBackendAndBack() {
        endpoint(0);
        dp.services.put(new ServiceKey(VIP, 80, TCP), new ServiceValue(1, 1));
        dp.backends.put(new BackendKey(1, 0), new BackendValue(BACKEND, 8080));

        TestRun out = dp.fromContainer().testRun(tcp(POD, 40000, VIP, 80, SYN), LO);
        assertThat(out.retval()).isEqualTo(OK);
        assertThat(dst(out.packet())).isEqualTo(BACKEND);
        assertThat(dport(out.packet())).isEqualTo(8080);
        assertThat(checksumsValid(out.packet())).isTrue();

        TestRun back = dp.toContainer().testRun(tcp(BACKEND, 8080, POD, 40000, SYN | ACK), LO);
        assertThat(back.retval()).isEqualTo(OK);
        assertThat(src(back.packet())).isEqualTo(VIP);
        assertThat(sport(back.packet())).isEqualTo(80);
        assertThat(checksumsValid(back.packet())).isTrue();
    }

    @Test
    void serviceNetworkWithoutFrontend_isDropped() {
        endpoint(0);
        assertThat(dp.fromContainer().testRun(tcp(POD, 40000, ip(10, 97, 0, 9), 80, SYN), LO).retval()).isEqualTo(SHOT);
    }

    @Test
    void udpService_keepsChecksumValid() {
        endpoint(0);
        dp.services.put(new ServiceKey(VIP, 53, 17), new ServiceValue(2, 1));
        dp.backends.put(new BackendKey(2, 0), new BackendValue(BACKEND, 5353));
        TestRun out = dp.fromContainer().testRun(udp(POD, 40000, VIP, 53), LO);
        assertThat(dst(out.packet())).isEqualTo(BACKEND);
        assertThat(dport(out.packet())).isEqualTo(5353);
        assertThat(checksumsValid(out.packet())).isTrue();
    }

    /**
     * A new connection the pod's tc egress meets on a port with ingress L7 rules goes to the
     * proxy's listener back through lo (to lo's all-zero MAC, the listener's port in the mark, for
     * to_proxy), and is dropped once the listener is gone (Envoy killed), never let through. Two
     * senders: a client that is not a local pod (mark 0; EMPIRE_POD has no endpoint here: a remote
     * node, or world), and the egress proxy with the client's address (MARK_FROM_PROXY).
     */
    @ParameterizedTest(name = "mark {0}")
    @ValueSource(ints = {0, MARK_FROM_PROXY})
    void l7Ingress_newConnection_goesToTheListenerThroughLo_orIsDroppedWithoutIt(int mark) throws Exception {
        endpoint(EndpointValue.INGRESS_ENFORCED);
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = listener.getLocalPort();
            dp.policy(EP_ID).put(new PolicyEntryKey(64, EMPIRE, 0, TCP, 80), new PolicyEntryValue(false, 2, port, 0));
            TestRun out = dp.toContainer().testRun(tcp(EMPIRE_POD, 40000, POD, 80, SYN), LO, mark, 1);
            assertThat(out.retval()).isEqualTo(REDIRECT);
            assertThat(out.mark()).isEqualTo(MARK_TO_PROXY | port << MARK_PORT_SHIFT);
            assertThat(java.util.Arrays.copyOf(out.packet(), 6)).containsOnly(0);
            await().atMost(2, TimeUnit.SECONDS).until(() -> events.stream()
                    .anyMatch(e -> e.type() == DatapathEvent.TRACE && e.subtype() == 1 && e.srcIdentity() == EMPIRE));
        }
        assertThat(dp.toContainer().testRun(tcp(EMPIRE_POD, 40001, POD, 80, SYN), LO, mark, 1).retval()).isEqualTo(SHOT);
        await().atMost(2, TimeUnit.SECONDS).until(() -> events.stream()
                .anyMatch(e -> e.type() == DatapathEvent.DROP && e.subtype() == PROXY_LOOKUP_FAILED && e.srcIdentity() == EMPIRE));
    }

    /** Without an L7 rule on the port, the egress proxy's connection goes on into the pod, judged as the client. */
    @Test
    void fromProxy_toAPortWithoutL7Rules_entersThePodUnderItsPolicy() {
        endpoint(EndpointValue.INGRESS_ENFORCED);
        allow(EMPIRE, 80);
        assertThat(dp.toContainer().testRun(tcp(EMPIRE_POD, 40000, POD, 80, SYN), LO, MARK_FROM_PROXY, 1).retval()).isEqualTo(OK);
        assertThat(dp.toContainer().testRun(tcp(ALLIANCE_POD, 40000, POD, 80, SYN), LO, MARK_FROM_PROXY, 1).retval()).isEqualTo(SHOT);
    }

    /** lo's program only takes packets marked for the proxy with a port; a marked one whose listener is gone is dropped. */
    @Test
    void toProxy_leavesUnmarkedPacketsAndDropsWhenTheListenerIsGone() throws Exception {
        byte[] syn = tcp(EMPIRE_POD, 40000, POD, 80, SYN);
        assertThat(dp.toProxy().testRun(syn, LO).retval()).isEqualTo(OK);
        assertThat(dp.toProxy().testRun(syn, LO, MARK_TO_PROXY, 1).retval()).as("no port in the mark").isEqualTo(OK);
        assertThat(dp.toProxy().testRun(syn, LO, MARK_TO_PROXY | freePort() << MARK_PORT_SHIFT, 1).retval()).isEqualTo(SHOT);
    }

    /**
     * On the node's own device: a new connection from outside the node to a local pod's port with
     * ingress L7 rules is dropped when the proxy's listener is gone; anything else (another port,
     * a non-local destination, a packet past the SYN of a connection the proxy does not hold) goes
     * on untouched. (Assigning the listener needs a real tc ingress, which BPF_PROG_TEST_RUN is
     * not: L7PolicyE2E covers it with a client outside the node.)
     */
    @Test
    void fromNetdev_dropsNewConnectionsToAnL7PortWithoutItsListener_andLeavesTheRest() throws Exception {
        endpoint(EndpointValue.INGRESS_ENFORCED);
        dp.policy(EP_ID).put(new PolicyEntryKey(64, EMPIRE, 0, TCP, 80), new PolicyEntryValue(false, 2, freePort(), 0));
        assertThat(dp.fromNetdev().testRun(tcp(EMPIRE_POD, 40000, POD, 80, SYN), LO).retval()).isEqualTo(SHOT);
        TestRun otherPort = dp.fromNetdev().testRun(tcp(EMPIRE_POD, 40000, POD, 81, SYN), LO);
        assertThat(otherPort.retval()).isEqualTo(OK);
        assertThat(otherPort.mark()).isZero();
        assertThat(dp.fromNetdev().testRun(tcp(EMPIRE_POD, 40000, ALLIANCE_POD, 80, SYN), LO).retval()).isEqualTo(OK);
        assertThat(dp.fromNetdev().testRun(tcp(EMPIRE_POD, 40000, POD, 80, ACK), LO).retval()).isEqualTo(OK);
    }

    /** A loopback port nothing listens on (bound, then closed). */
    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * An Envoy config listener's upstream leg (MARK_FROM_LB) carries the client's address. From a
     * client that is not a local pod it is judged by the destination's ingress policy only; from a
     * local pod whose entry the datapath cannot find (here: no route to it) it is dropped, never
     * let past the client's egress policy.
     */
    @Test
    void lbUpstream_fromALocalClientWithoutItsEntry_isDropped_fromElsewhereItIsJudgedByIngress() {
        endpoint(EndpointValue.INGRESS_ENFORCED);
        allow(EMPIRE, 80);
        assertThat(dp.toContainer().testRun(tcp(EMPIRE_POD, 40000, POD, 80, SYN), LO, MARK_FROM_LB, 1).retval()).isEqualTo(OK);
        assertThat(dp.toContainer().testRun(tcp(ALLIANCE_POD, 40000, POD, 80, SYN), LO, MARK_FROM_LB, 1).retval()).isEqualTo(SHOT);
        dp.ipcache.put(new IpcacheKey(32, EMPIRE_POD), new IpcacheValue(EMPIRE, EP_ID + 1));
        assertThat(dp.toContainer().testRun(tcp(EMPIRE_POD, 40001, POD, 80, SYN), LO, MARK_FROM_LB, 1).retval()).isEqualTo(SHOT);
        await().atMost(2, TimeUnit.SECONDS).until(() -> events.stream().anyMatch(e -> e.type() == DatapathEvent.DROP
                && e.subtype() == 133 && e.srcIdentity() == EMPIRE && e.dstIdentity() == EP_IDENTITY));
    }
}
