package io.sluice.agent.rest;

import io.sluice.agent.config.NodeRuntime;
import io.sluice.agent.kube.Attachment;
import io.sluice.agent.node.NodeException;
import io.sluice.policy.Cidr;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The chained CNI plugin's calls (sluice-cni, on the node API's root-only socket): ADD answers
 * once the pod is enforced, DEL forgets the sandbox.
 */
@Path("/v1/cni")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class CniResource {
    /** What the plugin knows on ADD: CNI_CONTAINERID, K8S_POD_NAMESPACE/K8S_POD_NAME, and the previous plugin's result. */
    public record Add(String containerId, String namespace, String name, String address, String hostInterface) {}

    public record Del(String containerId) {}

    private final NodeRuntime runtime;

    CniResource(NodeRuntime runtime) {
        this.runtime = runtime;
    }

    @POST
    @Path("/add")
    public Response add(Add req) {
        if (req == null || blank(req.containerId()) || blank(req.namespace()) || blank(req.name()) || blank(req.hostInterface())) {
            throw NodeException.badRequest("cni add: containerId, namespace, name, address and hostInterface are required");
        }
        Cidr address = Cidr.parse(req.address() == null ? "" : req.address().replaceFirst("/\\d+$", ""))
                .orElseThrow(() -> NodeException.badRequest("cni add: address '" + req.address() + "' is not an IPv4 address"));
        runtime.kube().add(new Attachment(req.containerId(), req.namespace(), req.name(), address.address(), req.hostInterface()));
        return Response.noContent().build();
    }

    @POST
    @Path("/del")
    public Response del(Del req) {
        if (req == null || blank(req.containerId())) {
            throw NodeException.badRequest("cni del: containerId is required");
        }
        runtime.kube().delete(req.containerId());
        return Response.noContent().build();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
