package org.kvmsriov.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.base.DescribedPredicate;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kvmsriov.port.FabricView;
import org.kvmsriov.port.Hypervisor;

/**
 * The shape of the code, as rules that fail the build when broken: one engine changes VFs, adapters
 * know nothing of it, nothing below the CLI touches the process's globals.
 */
class ArchitectureTest {

  private static JavaClasses classes;

  @BeforeAll
  static void importMain() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("org.kvmsriov");
  }

  /** The ports' methods that change a VF (attach, detach, GUID and pkey programming and reset). */
  private static final DescribedPredicate<JavaCall<?>> CHANGES_A_VF = new DescribedPredicate<>(
      "a method of Hypervisor or FabricView that changes a VF") {
    private final Set<String> hypervisor = Set.of("attachDevice", "detachDevice");
    private final Set<String> fabric = Set.of("programGuid", "resetGuid", "mapPkey", "resetPkey", "resetFunction");

    @Override
    public boolean test(JavaCall<?> call) {
      String owner = call.getTargetOwner().getName();
      String name = call.getName();
      return owner.equals(Hypervisor.class.getName()) && hypervisor.contains(name)
          || owner.equals(FabricView.class.getName()) && fabric.contains(name);
    }
  };

  @Test
  void theExecutorIsTheOnlyCodeThatChangesAVf() {
    noClasses().that().resideOutsideOfPackage("org.kvmsriov.adapters..")
        .and().doNotHaveFullyQualifiedName("org.kvmsriov.engine.Executor")
        .should().callCodeUnitWhere(CHANGES_A_VF)
        .because("driver actions record intents; the planner decides and the executor applies")
        .check(classes);
  }

  @Test
  void noAdapterKnowsTheEngine() {
    noClasses().that().resideInAPackage("org.kvmsriov.adapters..")
        .should().dependOnClassesThat().resideInAnyPackage("org.kvmsriov.engine..", "org.kvmsriov.actions..",
            "org.kvmsriov.plan..", "org.kvmsriov.cli..", "org.kvmsriov.app..")
        .check(classes);
  }

  @Test
  void theEngineAndTheActionsKnowNoAdapterAndNoCommand() {
    noClasses().that().resideInAnyPackage("org.kvmsriov.engine..", "org.kvmsriov.actions..", "org.kvmsriov.plan..",
            "org.kvmsriov.port..", "org.kvmsriov.model..", "org.kvmsriov.opennebula..")
        .should().dependOnClassesThat().resideInAnyPackage("org.kvmsriov.adapters..", "org.kvmsriov.cli..",
            "org.kvmsriov.app..", "org.libvirt..")
        .because("the composition root (app) chooses adapters; the engine sees ports")
        .check(classes);
  }

  @Test
  void nothingBelowTheCliReadsTheEnvironmentWritesTheProcessStreamsOrExits() {
    noClasses().that().resideOutsideOfPackages("org.kvmsriov.cli..")
        .and().doNotHaveFullyQualifiedName("org.kvmsriov.client.Client") // the shims' own process entry point
        .should().callMethod(System.class, "getenv")
        .orShould().callMethod(System.class, "getenv", String.class)
        .orShould().callMethod(System.class, "exit", int.class)
        .orShould().accessField(System.class, "out")
        .orShould().accessField(System.class, "err")
        .orShould().accessField(System.class, "in")
        .because("a daemon serves many requests in one process: each gets its own streams and environment")
        .check(classes);
  }

  @Test
  void theClientNeedsOnlyTheJdk() {
    noClasses().that().resideInAPackage("org.kvmsriov.client..")
        .should().dependOnClassesThat().resideOutsideOfPackages("java..", "org.kvmsriov.client..")
        .because("it must start in a fraction of the CLI's time: no picocli, Jackson or engine classes to load")
        .check(classes);
  }

  @Test
  void planningIsPure() {
    noClasses().that().resideInAPackage("org.kvmsriov.plan..")
        .should().dependOnClassesThat().resideInAnyPackage("org.kvmsriov.engine..", "org.kvmsriov.actions..",
            "java.nio.file..", "java.io..")
        .check(classes);
  }
}
