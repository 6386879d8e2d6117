package io.sluice.api.xds;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;

/**
 * The agent -> envoy-xds stream, {@code sluice.xds.v1.ResourceSync/Sync}, carried in xDS's own
 * messages so neither side needs code of its own generated:
 * <ul>
 *   <li>agent to xds: a {@link DiscoveryResponse} with type {@link #SNAPSHOT_TYPE}, the desired
 *       configuration's {@code version_info} and all its resources (listeners, routes, clusters)
 *       as {@code Any}, each carrying its own type;</li>
 *   <li>xds to agent: a {@link DiscoveryRequest} per resource type whenever Envoy's state changes:
 *       {@code version_info} is the version Envoy acknowledged, {@code response_nonce} the version
 *       last sent to it, {@code error_detail} Envoy's message when it rejected (NACK) that one, and
 *       {@code node.id} whether an Envoy is connected (empty: none); and one with type
 *       {@link #SNAPSHOT_TYPE} whose {@code version_info} is the snapshot Envoy runs completely
 *       (so an agent that restarts and pushes what Envoy already runs knows it at once), or, with
 *       {@code error_detail}, a snapshot envoy-xds refused.</li>
 * </ul>
 */
public final class ResourceSync {
    public static final String SERVICE = "sluice.xds.v1.ResourceSync";
    public static final String SNAPSHOT_TYPE = "type.sluice.io/sluice.xds.v1.Snapshot";

    public static final MethodDescriptor<DiscoveryResponse, DiscoveryRequest> SYNC =
            MethodDescriptor.<DiscoveryResponse, DiscoveryRequest>newBuilder()
                    .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Sync"))
                    .setRequestMarshaller(ProtoUtils.marshaller(DiscoveryResponse.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(DiscoveryRequest.getDefaultInstance()))
                    .build();

    private ResourceSync() {}
}
