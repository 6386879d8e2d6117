package io.sluice.agent.envoy;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute;
import io.sluice.policy.Cidr;
import io.sluice.policy.Direction;
import io.sluice.policy.HttpRule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class L7TranslationTest {
    static final int DEATHSTAR = Cidr.parse("10.200.0.2").orElseThrow().address();
    static final int TIEFIGHTER_ID = 257;
    static final L7Config LAB = new L7Config(10000, 10001,
            List.of(new L7Endpoint("default/deathstar-1", DEATHSTAR, Map.of(Direction.INGRESS,
                    Map.of(80, Map.of(TIEFIGHTER_ID, List.of(new HttpRule("POST", "/v1/request-landing", "", List.of()))))))),
            Map.of(TIEFIGHTER_ID, List.of(Cidr.parse("10.200.0.3/32").orElseThrow())), List.of(), L7Config.ACCESS_DENIED);

    static <T extends com.google.protobuf.Message> List<T> of(List<Any> resources, Class<T> type) {
        return resources.stream().filter(a -> a.is(type)).map(a -> {
            try {
                return a.unpack(type);
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        }).toList();
    }

    @Test
    void labRule_becomesTransparentIngressListenerWithAChainForTheEndpointPort() {
        List<Listener> listeners = of(L7Translation.translate(LAB), Listener.class);
        assertThat(listeners).singleElement().satisfies(l -> {
            assertThat(l.getName()).isEqualTo("sluice/ingress-proxy");
            assertThat(l.getTransparent().getValue()).isTrue();
            assertThat(l.getAddress().getSocketAddress().getPortValue()).isEqualTo(10000);
            assertThat(l.getFilterChainsList()).singleElement().satisfies(c -> {
                assertThat(c.getFilterChainMatch().getDestinationPort().getValue()).isEqualTo(80);
                assertThat(c.getFilterChainMatch().getPrefixRanges(0).getAddressPrefix()).isEqualTo("10.200.0.2");
            });
        });
    }

    @Test
    void labRule_becomesPerRouteRbacAllowingTheIdentitysAddressesAndTheMethodAndPath() throws Exception {
        RouteConfiguration route = of(L7Translation.translate(LAB), RouteConfiguration.class).getFirst();
        assertThat(route.getName()).isEqualTo("sluice/ingress/10.200.0.2:80");
        RBACPerRoute rbac = route.getVirtualHosts(0).getRoutes(0).getTypedPerFilterConfigOrThrow(L7Translation.RBAC_FILTER)
                .unpack(RBACPerRoute.class);
        var policy = rbac.getRbac().getRules().getPoliciesOrThrow("identity-" + TIEFIGHTER_ID);
        assertThat(policy.getPrincipals(0).getOrIds().getIds(0).getDirectRemoteIp().getAddressPrefix()).isEqualTo("10.200.0.3");
        Permission request = policy.getPermissions(0).getOrRules().getRules(0);
        assertThat(request.getAndRules().getRulesList()).extracting(p -> p.getHeader().getName() + "~"
                + p.getHeader().getStringMatch().getSafeRegex().getRegex())
                .containsExactly(":method~POST", ":path~/v1/request-landing");
    }

    @Test
    void sameConfig_sameResources() {
        assertThat(L7Translation.translate(LAB)).isEqualTo(L7Translation.translate(LAB));
    }

    @Test
    void noL7Rules_leavesOnlyTheOriginalDestinationCluster() {
        List<Any> out = L7Translation.translate(new L7Config(10000, 10001, List.of(), Map.of(), List.of(), L7Config.ACCESS_DENIED));
        assertThat(out).singleElement().satisfies(a -> assertThat(a.getTypeUrl()).endsWith("Cluster"));
    }

    @Test
    void headerRules_arePresenceOrExactValue() {
        Permission p = Rbac.permission(new HttpRule("", "", "", List.of("X-Has-Star-Wars", "X-Org empire")));
        assertThat(p.getAndRules().getRules(0).getHeader().getPresentMatch()).isTrue();
        assertThat(p.getAndRules().getRules(1).getHeader().getStringMatch().getExact()).isEqualTo("empire");
    }

    @Test
    void translator_reusesUnchangedParts_andEqualsAFreshTranslation() {
        L7Translator t = new L7Translator();
        t.translate(LAB);
        L7Config changed = new L7Config(10000, 10001,
                List.of(new L7Endpoint("default/deathstar-1", DEATHSTAR, Map.of(Direction.INGRESS,
                        Map.of(80, Map.of(TIEFIGHTER_ID, List.of(new HttpRule("GET", "/", "", List.of()))))))),
                LAB.identityAddresses(), List.of(), L7Config.ACCESS_DENIED);
        assertThat(t.translate(changed)).isEqualTo(new L7Translator().translate(changed));
        assertThat(t.translate(LAB)).isEqualTo(L7Translation.translate(LAB));
    }

    @Test
    void egressRule_toAPod_keepsTheClientsAddressAndMarks_elsewhereLeavesFromTheHost() throws Exception {
        Cidr pods = Cidr.parse("10.200.0.0/16").orElseThrow();
        int router = pods.host(1);
        int tiefighter = Cidr.parse("10.200.0.3").orElseThrow().address();
        L7Config egress = new L7Config(10000, 10001,
                List.of(new L7Endpoint("default/tiefighter", tiefighter, Map.of(Direction.EGRESS,
                        Map.of(80, Map.of(0, List.of(new HttpRule("POST", "/v1/request-landing", "", List.of()))))))),
                Map.of(), pods.without(router), L7Config.ACCESS_DENIED);
        Listener l = of(L7Translation.translate(egress), Listener.class).getFirst();
        assertThat(l.getName()).isEqualTo("sluice/egress-proxy");
        // what it accepts is marked too: an Envoy config listener's upstream leg may be the client
        assertThat(l.getSocketOptions(0).getIntValue()).isEqualTo(L7Translation.MARK_FROM_PROXY);
        assertThat(l.getFilterChainsList()).hasSize(2);
        var toPods = l.getFilterChains(0);
        assertThat(toPods.getFilterChainMatch().getSourcePrefixRanges(0).getAddressPrefix()).isEqualTo("10.200.0.3");
        assertThat(toPods.getFilterChainMatch().getPrefixRangesList()).hasSize(16)
                .noneMatch(r -> new Cidr(Cidr.parse(r.getAddressPrefix()).orElseThrow().address(), r.getPrefixLen().getValue()).contains(router))
                .allMatch(r -> pods.contains(new Cidr(Cidr.parse(r.getAddressPrefix()).orElseThrow().address(), r.getPrefixLen().getValue())));
        var hcm = toPods.getFilters(0).getTypedConfig().unpack(
                io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.class);
        assertThat(hcm.getHttpFiltersList()).extracting(f -> f.getName())
                .containsExactly(L7Translation.RBAC_FILTER, "envoy.filters.http.original_src", "envoy.filters.http.router");
        assertThat(hcm.getHttpFilters(1).getTypedConfig().unpack(
                io.envoyproxy.envoy.extensions.filters.http.original_src.v3.OriginalSrc.class).getMark())
                .isEqualTo(L7Translation.MARK_FROM_PROXY);
        assertThat(hcm.getUseRemoteAddress().getValue()).as("never a forwarded-for header").isTrue();
        var elsewhere = l.getFilterChains(1);
        assertThat(elsewhere.getFilterChainMatch().getPrefixRangesList()).isEmpty();
        assertThat(elsewhere.getFilters(0).getTypedConfig().unpack(
                io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.class)
                .getHttpFiltersList()).extracting(f -> f.getName()).doesNotContain("envoy.filters.http.original_src");

        Listener ingress = of(L7Translation.translate(LAB), Listener.class).getFirst();
        assertThat(ingress.getSocketOptions(0).getIntValue()).isEqualTo(L7Translation.MARK_FROM_PROXY);
    }

    @Test
    void cidrWithoutOneAddress_coversTheRestExactly() {
        Cidr net = Cidr.parse("10.200.0.0/16").orElseThrow();
        List<Cidr> rest = net.without(net.host(1));
        assertThat(rest).hasSize(16);
        assertThat(rest.stream().mapToLong(c -> c.size()).sum()).isEqualTo(net.size() - 1);
        assertThat(rest).noneMatch(c -> c.contains(net.host(1))).anyMatch(c -> c.contains(net.host(0)))
                .anyMatch(c -> c.contains(net.host(2))).anyMatch(c -> c.contains(net.host(65535)));
        assertThat(net.without(Cidr.parse("10.201.0.1").orElseThrow().address())).containsExactly(net);
    }
}
