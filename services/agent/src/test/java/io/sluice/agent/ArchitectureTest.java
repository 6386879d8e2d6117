package io.sluice.agent;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The domain packages stay pure (STYLE.md "Layout"): no framework, no wire, no native code. */
class ArchitectureTest {
    static final JavaClasses AGENT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.sluice.agent");

    @Test
    void domainPackages_dependOnNoFrameworkOrNativeCode() {
        noClasses().that().resideInAnyPackage("..agent.policy..", "..agent.endpoint..", "..agent.service..",
                        "..agent.manifest..")
                .should().dependOnClassesThat().resideInAnyPackage("io.quarkus..", "jakarta..", "io.grpc..",
                        "io.fabric8..", "java.lang.foreign..", "com.google.protobuf..", "io.sluice.bpf..",
                        "io.sluice.agent.bpf..", "io.sluice.agent.netns..", "io.sluice.agent.store..",
                        "io.sluice.agent.cgroup..")
                .check(AGENT);
    }

    @Test
    void policyEngine_dependsOnNothingOfTheAgent() {
        noClasses().that().resideInAPackage("..agent.policy..")
                .should().dependOnClassesThat().resideInAnyPackage("io.sluice.agent.manifest..", "io.sluice.agent.node..",
                        "com.fasterxml..")
                .check(AGENT);
    }
}
