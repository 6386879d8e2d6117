package io.sluice.agent.node;

import io.sluice.api.node.PodSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Checks of user input that are not manifests: pod names, labels, commands. Pure. */
final class Validation {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern LABEL_KEY = Pattern.compile("([a-z0-9.-]{1,253}/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("(|[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)");

    private Validation() {}

    static List<String> pod(PodSpec spec) {
        List<String> errors = new ArrayList<>();
        String ref = "pod " + spec.namespace() + "/" + spec.name();
        if (spec.name() == null || !DNS_LABEL.matcher(spec.name()).matches()) {
            errors.add(ref + ": name must be a lowercase RFC 1123 label");
        }
        if (!DNS_LABEL.matcher(spec.namespace()).matches()) {
            errors.add(ref + ": namespace must be a lowercase RFC 1123 label");
        }
        spec.labels().forEach((k, v) -> {
            if (!LABEL_KEY.matcher(k).matches()) {
                errors.add(ref + ": label key '" + k + "' is not a valid label key");
            }
            if (!LABEL_VALUE.matcher(v).matches()) {
                errors.add(ref + ": label " + k + " value '" + v + "' is not a valid label value");
            }
        });
        if (spec.command().isEmpty()) {
            errors.add(ref + ": a command is required (sluice pod run NAME -- CMD...)");
        }
        return errors;
    }
}
