package io.sluice.agent;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The domain packages stay pure: no framework, no wire, no native code. (The policy engine and
 * the manifest reader are a module of their own, sluice-policy, whose dependencies keep them so.)
 */
class ArchitectureTest {
    static final JavaClasses AGENT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.sluice.agent");

    @Test
    void domainPackages_dependOnNoFrameworkOrNativeCode() {
        noClasses().that().resideInAnyPackage("..agent.endpoint..", "..agent.service..")
                .should().dependOnClassesThat().resideInAnyPackage("io.quarkus..", "jakarta..", "io.grpc..",
                        "io.fabric8..", "java.lang.foreign..", "com.google.protobuf..", "io.sluice.bpf..",
                        "io.sluice.agent.bpf..", "io.sluice.agent.netns..", "io.sluice.agent.store..",
                        "io.sluice.agent.cgroup..")
                .check(AGENT);
    }
}
