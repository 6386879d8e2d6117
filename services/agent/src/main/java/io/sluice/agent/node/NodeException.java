package io.sluice.agent.node;

/** A request the node refuses, with the HTTP status that says why (400 bad input, 404, 409). */
public class NodeException extends RuntimeException {
    private final int status;

    public NodeException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static NodeException badRequest(String message) {
        return new NodeException(400, message);
    }

    public static NodeException notFound(String message) {
        return new NodeException(404, message);
    }

    public static NodeException conflict(String message) {
        return new NodeException(409, message);
    }
}
