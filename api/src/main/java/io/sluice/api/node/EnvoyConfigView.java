package io.sluice.api.node;

import java.util.Map;

/**
 * An applied CiliumEnvoyConfig or CiliumClusterwideEnvoyConfig and what Envoy made of it:
 * {@code programmed} is True (acknowledged), False (rejected, with Envoy's message; its last
 * acknowledged version stays in force) or Unknown (not answered yet); the port each of its
 * listeners listens on (127.0.0.1).
 */
public record EnvoyConfigView(String kind, String namespace, String name, String programmed, String message,
                              Map<String, Integer> listeners) {
}
