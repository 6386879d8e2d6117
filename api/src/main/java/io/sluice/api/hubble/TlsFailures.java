package io.sluice.api.hubble;

import java.util.Locale;
import java.util.Optional;

/**
 * Why a gRPC call failed when TLS refused the connection, in words that say which side refused
 * and what fixes it. Empty when no TLS error is in the cause chain (the peer is down, or spoke
 * plaintext).
 *
 * <p>Example: a server certificate from another CA gives "the server's certificate is not
 * signed by a CA this side trusts (PKIX path building failed: ...)".
 */
public final class TlsFailures {
    private TlsFailures() {}

    public static Optional<String> describe(Throwable failure) {
        StringBuilder chain = new StringBuilder();
        String deepest = null;
        boolean tls = false;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            tls |= t instanceof javax.net.ssl.SSLException || t instanceof java.security.cert.CertificateException;
            if (tls && t.getMessage() != null) {
                chain.append(t.getMessage()).append(' ');
                deepest = t.getMessage();
            }
        }
        if (!tls) {
            return Optional.empty();
        }
        String all = chain.toString().toLowerCase(Locale.ROOT);
        if (all.contains("pkix") || all.contains("certification path") || all.contains("certificate_verify_failed")) {
            return Optional.of("TLS: the server's certificate is not signed by a CA this side trusts (" + deepest + ")");
        }
        if (all.contains("no subject alternative") || all.contains("no name matching")) {
            return Optional.of("TLS: the server's certificate is not for the name dialed (" + deepest + ")");
        }
        if (all.contains("certificate_required") || all.contains("bad_certificate") || all.contains("unknown_ca")
                || all.contains("certificate_unknown")) {
            return Optional.of("TLS: the server refused this side's client certificate, or wanted one (" + deepest + ")");
        }
        return Optional.of("TLS: " + deepest);
    }
}
