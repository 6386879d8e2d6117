package io.sluice.agent.rest;

import io.sluice.agent.node.NodeException;
import io.sluice.api.node.ErrorView;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.jboss.logging.Logger;

/** Refusals keep their status; any other failure is a 500 whose message says what failed. */
@Provider
public class NodeExceptionMapper implements ExceptionMapper<RuntimeException> {
    private static final Logger LOG = Logger.getLogger(NodeExceptionMapper.class);

    @Override
    public Response toResponse(RuntimeException e) {
        if (e instanceof NodeException n) {
            return Response.status(n.status()).entity(new ErrorView(n.getMessage())).build();
        }
        if (e instanceof jakarta.ws.rs.WebApplicationException w) {
            return Response.status(w.getResponse().getStatus()).entity(new ErrorView(w.getMessage())).build();
        }
        LOG.error("request failed", e);
        return Response.status(500).entity(new ErrorView(e.toString())).build();
    }
}
