package io.sluice.manifest;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the spec of a CiliumEnvoyConfig (namespaced) or CiliumClusterwideEnvoyConfig as Cilium
 * does: each of {@code resources} is a protobuf {@code Any} in JSON of one of five types (either
 * spelling of field names); a name without {@code /} is qualified as {@code ns/config/name}
 * ({@code /config/name} for a clusterwide one), listener and route names always; a resource
 * without a name, two with one qualified name, or an unknown type refuse the whole config, with
 * the field named. {@code services} and {@code backendServices} name Services (a listener
 * named by a service must be in the config).
 */
public final class EnvoyConfigReader {
    private static final String PREFIX = "type.googleapis.com/";
    /** The top-level types a config may carry, by their short name. */
    static final Map<String, Class<? extends Message>> TYPES = new LinkedHashMap<>();

    static {
        TYPES.put("envoy.config.listener.v3.Listener", Listener.class);
        TYPES.put("envoy.config.route.v3.RouteConfiguration", RouteConfiguration.class);
        TYPES.put("envoy.config.cluster.v3.Cluster", Cluster.class);
        TYPES.put("envoy.config.endpoint.v3.ClusterLoadAssignment", ClusterLoadAssignment.class);
        TYPES.put("envoy.extensions.transport_sockets.tls.v3.Secret", Secret.class);
    }

    /** The types an embedded {@code typed_config} may name: Cilium's filters and options. */
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
            .add(List.of(Listener.getDescriptor(), RouteConfiguration.getDescriptor(), Cluster.getDescriptor(),
                    ClusterLoadAssignment.getDescriptor(), Secret.getDescriptor(), HttpConnectionManager.getDescriptor(),
                    Router.getDescriptor(), TlsInspector.getDescriptor(), TcpProxy.getDescriptor(),
                    HttpProtocolOptions.getDescriptor(), UpstreamTlsContext.getDescriptor(),
                    DownstreamTlsContext.getDescriptor()))
            .build());

    private EnvoyConfigReader() {}

    static Resource.EnvoyConfig read(Field root, ObjectRef ref, String source) {
        Field spec = root.get("spec");
        List<Resource.EnvoyResource> resources = new ArrayList<>();
        List<Resource.RedirectedService> services = new ArrayList<>();
        List<Resource.BackendService> backends = new ArrayList<>();
        if (!spec.isObject()) {
            spec.problem("is required");
            return new Resource.EnvoyConfig(ref, resources, services, backends, source);
        }
        spec.allowOnly(Set.of("services", "backendServices", "resources", "nodeSelector"));
        Set<String> qualified = new HashSet<>();
        for (Field r : spec.get("resources").list()) {
            resource(r, ref).ifPresent(res -> {
                if (!qualified.add(res.typeName() + " " + res.name())) {
                    r.problem("a second " + res.typeName() + " named '" + res.name() + "' in this config");
                }
                resources.add(res);
            });
        }
        List<String> listeners = resources.stream().filter(r -> r.message() instanceof Listener).map(Resource.EnvoyResource::name)
                .toList();
        for (Field s : spec.get("services").list()) {
            s.allowOnly(Set.of("name", "namespace", "ports", "listener"));
            String name = s.get("name").requiredString();
            String namespace = s.get("namespace").string().orElse("");
            if (!ref.namespace().isEmpty()) {
                namespace = ref.namespace(); // a namespaced config redirects its own namespace's services only
            } else if (namespace.isEmpty()) {
                namespace = "default";
            }
            List<Integer> ports = new ArrayList<>();
            for (Field p : s.get("ports").list()) {
                if (p.node() == null || !p.node().canConvertToInt() || p.node().asInt() < 1 || p.node().asInt() > 65535) {
                    p.problem("must be a port number (1-65535)");
                } else {
                    ports.add(p.node().asInt());
                }
            }
            String listener = s.get("listener").string().filter(l -> !l.isEmpty()).map(l -> qualifyAlways(ref, l)).orElse("");
            if (listeners.isEmpty()) {
                s.problem("redirects to a listener, and this config has none");
            } else if (!listener.isEmpty() && !listeners.contains(listener)) {
                s.get("listener").problem("no listener '" + listener + "' in this config (it has " + String.join(", ", listeners) + ")");
            }
            services.add(new Resource.RedirectedService(namespace, name, ports, listener.isEmpty() && !listeners.isEmpty()
                    ? listeners.get(0) : listener));
        }
        for (Field b : spec.get("backendServices").list()) {
            b.allowOnly(Set.of("name", "namespace", "number"));
            String name = b.get("name").requiredString();
            String namespace = ref.namespace().isEmpty() ? b.get("namespace").string().orElse("default") : ref.namespace();
            List<String> numbers = new ArrayList<>();
            b.get("number").list().forEach(n -> n.string().ifPresent(numbers::add));
            backends.add(new Resource.BackendService(namespace, name, numbers));
        }
        return new Resource.EnvoyConfig(ref, resources, services, backends, source);
    }

    private static Optional<Resource.EnvoyResource> resource(Field r, ObjectRef ref) {
        if (!r.isObject()) {
            if (!r.present()) {
                r.problem("must be an object");
            }
            return Optional.empty();
        }
        String type = r.get("@type").requiredString();
        if (type.isEmpty()) {
            return Optional.empty();
        }
        String shortType = type.startsWith(PREFIX) ? type.substring(PREFIX.length()) : type;
        if (!TYPES.containsKey(shortType)) {
            r.get("@type").problem("'" + type + "' is not one of " + String.join(", ", TYPES.keySet()));
            return Optional.empty();
        }
        Message message;
        try {
            Any.Builder any = Any.newBuilder();
            PARSER.merge(r.node().toString(), any);
            message = any.build().unpack(TYPES.get(shortType));
        } catch (InvalidProtocolBufferException e) {
            r.problem("not a valid " + shortType + ": " + firstLine(e.getMessage()));
            return Optional.empty();
        }
        String nameField = message instanceof ClusterLoadAssignment ? "cluster_name" : "name";
        Descriptors.FieldDescriptor fd = message.getDescriptorForType().findFieldByName(nameField);
        String name = (String) message.getField(fd);
        if (name.isEmpty()) {
            r.get(nameField).problem("is required");
            return Optional.empty();
        }
        boolean always = message instanceof Listener || message instanceof RouteConfiguration;
        String typeName = shortType.substring(shortType.lastIndexOf('.') + 1);
        return Optional.of(new Resource.EnvoyResource(typeName, always ? qualifyAlways(ref, name) : qualify(ref, name), message));
    }

    /** A name without a slash, in this config's scope: {@code ns/config/name}, or {@code /config/name} cluster-wide. */
    public static String qualify(ObjectRef ref, String name) {
        return name.contains("/") ? name : ref.namespace() + "/" + ref.name() + "/" + name;
    }

    /** Listener and route names: qualified unless they already start with this config's namespace. */
    public static String qualifyAlways(ObjectRef ref, String name) {
        if (!ref.namespace().isEmpty() && name.startsWith(ref.namespace() + "/")) {
            return name;
        }
        return ref.namespace() + "/" + ref.name() + "/" + name;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
