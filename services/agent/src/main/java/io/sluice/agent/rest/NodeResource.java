package io.sluice.agent.rest;

import io.sluice.agent.config.NodeRuntime;
import io.sluice.api.node.ApplyResult;
import io.sluice.api.node.EventView;
import io.sluice.api.node.IdentityView;
import io.sluice.api.node.NodeStatus;
import io.sluice.api.node.PodSpec;
import io.sluice.api.node.PodView;
import io.sluice.api.node.EnvoyConfigView;
import io.sluice.api.node.PolicyView;
import io.sluice.api.node.ServiceView;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
public class NodeResource {
    private final NodeRuntime runtime;

    NodeResource(NodeRuntime runtime) {
        this.runtime = runtime;
    }

    @GET
    @Path("/status")
    public NodeStatus status() {
        return Views.status(runtime);
    }

    @GET
    @Path("/config")
    public java.util.Map<String, String> config() {
        return Views.config(runtime);
    }

    @GET
    @Path("/pods")
    public List<PodView> pods() {
        return Views.pods(runtime.node());
    }

    @POST
    @Path("/pods")
    @Consumes(MediaType.APPLICATION_JSON)
    public PodView runPod(PodSpec spec) {
        return Views.pod(runtime.node(), runtime.node().runPod(spec));
    }

    @DELETE
    @Path("/pods/{namespace}/{name}")
    public Response deletePod(@PathParam("namespace") String namespace, @PathParam("name") String name) {
        runtime.node().deletePod(namespace, name);
        return Response.noContent().build();
    }

    @POST
    @Path("/apply")
    @Consumes({MediaType.TEXT_PLAIN, "application/yaml"})
    public Response apply(String manifests) {
        return answer(runtime.node().apply(manifests));
    }

    @POST
    @Path("/delete")
    @Consumes({MediaType.TEXT_PLAIN, "application/yaml"})
    public Response delete(String manifests) {
        return answer(runtime.node().delete(manifests));
    }

    @GET
    @Path("/services")
    public List<ServiceView> services() {
        return Views.services(runtime.node());
    }

    @GET
    @Path("/policies")
    public List<PolicyView> policies() {
        return Views.policies(runtime.node());
    }

    @GET
    @Path("/envoyconfigs")
    public List<EnvoyConfigView> envoyConfigs() {
        return Views.envoyConfigs(runtime.node());
    }

    @GET
    @Path("/identities")
    public List<IdentityView> identities() {
        return Views.identities(runtime.view());
    }

    @GET
    @Path("/events")
    public List<EventView> events(@QueryParam("after") @DefaultValue("0") long after,
                                  @QueryParam("type") @DefaultValue("") String type) {
        return runtime.events().since(after, e -> type.isEmpty() || e.type().equals(type));
    }

    @GET
    @Path("/envoy/config_dump")
    public String configDump(@QueryParam("name_regex") @DefaultValue("") String nameRegex) {
        if (!runtime.processes().l7()) {
            throw new io.sluice.agent.node.NodeException(404, "Envoy is not installed on this node (run 'make deps')");
        }
        return new io.sluice.agent.als.EnvoyAdmin(java.nio.file.Path.of(runtime.processes().envoyAdminSocket())).configDump(nameRegex);
    }

    @POST
    @Path("/shutdown")
    public Response shutdown() {
        runtime.shutdown();
        return Response.accepted().build();
    }

    @POST
    @Path("/purge")
    public Response purge() {
        runtime.purge();
        return Response.noContent().build();
    }

    private static Response answer(ApplyResult r) {
        return Response.status(r.errors().isEmpty() ? 200 : 422).entity(r).build();
    }
}
