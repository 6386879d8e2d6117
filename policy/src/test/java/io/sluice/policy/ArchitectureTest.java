package io.sluice.policy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The policy engine knows no manifest format: the reader (io.sluice.manifest) builds its rules, never the reverse. */
class ArchitectureTest {
    static final JavaClasses POLICY = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.sluice.policy");

    @Test
    void policyEngine_dependsOnNoReader() {
        noClasses().that().resideInAPackage("io.sluice.policy..")
                .should().dependOnClassesThat().resideInAnyPackage("io.sluice.manifest..", "com.fasterxml..")
                .check(POLICY);
    }
}
