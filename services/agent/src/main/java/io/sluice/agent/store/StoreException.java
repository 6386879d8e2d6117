package io.sluice.agent.store;

/** The store could not be read or written; names the file. */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
