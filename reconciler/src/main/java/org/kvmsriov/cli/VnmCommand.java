package org.kvmsriov.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.driver.VmNic;
import org.kvmsriov.driver.VmTemplate;
import org.kvmsriov.engine.TemplateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "vnm", mixinStandardHelpOptions = true,
    header = "The sriov_partition network driver's steps (pre, post, clean, vnet_create, vnet_delete, update_sg).",
    description = {"Takes the VM template both ways OpenNebula sends it: base64 as the first argument",
        "(5.4-5.8) or base64 on stdin (5.10+). Acts only on NICs whose VN_MAD is sriov_partition and,",
        "during a NIC hot-plug, only on the NIC marked ATTACH=YES. pre keeps the template so deploy",
        "knows each NIC's VLAN_ID (the partition, or the Ethernet VLAN)."})
final class VnmCommand implements Callable<Integer> {

  static final String VN_MAD = "sriov_partition";
  static final List<String> STEPS = List.of("pre", "post", "clean", "vnet_create", "vnet_delete", "update_sg",
      "update_nic");

  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(index = "0", paramLabel = "STEP")
  String step;

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "ARGS")
  List<String> args = new ArrayList<>();

  private final InputStream stdin;

  VnmCommand(InputStream stdin) {
    this.stdin = stdin;
  }

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      SudoGuard.refuseOptionsUnderSudo(spec, System.getenv());
      if (!STEPS.contains(step)) {
        throw new InvalidInputException("unknown network driver step '" + step + "'; known: " + String.join(" ", STEPS));
      }
      if (step.equals("vnet_create") || step.equals("vnet_delete") || step.equals("update_sg")
          || step.equals("update_nic")) {
        if (!templateInArgv()) {
          drain();
        }
        return 0; // nothing to set up per network: partitions live in the fabric's subnet manager
      }
      VmTemplate t = template();
      List<VmNic> mine = t.nicsOf(VN_MAD);
      if (step.equals("pre") && !mine.isEmpty()) {
        for (VmNic n : mine) {
          check(n);
        }
        new TemplateStore(global.ledgerDir()).store(t.vmId(), xml);
      }
      return 0;
    } catch (InvalidInputException e) {
      err.println("ERROR MESSAGE --8<------");
      err.println(e.getMessage());
      err.println("ERROR MESSAGE ------>8--");
      err.flush();
      return 2;
    }
  }

  private String xml;

  /**
   * 5.4-5.8 pass the template as base64 in argv[0] and nothing on stdin, which is then OpenNebula's
   * ssh stream itself: reading it would swallow the stream's next lines and leave oned waiting for
   * the step's exit code. 5.10+ pass it on stdin. A deploy id or host name is never 64+ base64 chars.
   */
  private boolean templateInArgv() {
    return !args.isEmpty() && args.get(0).length() >= 64 && args.get(0).matches("[A-Za-z0-9+/=\\s]+");
  }

  private VmTemplate template() {
    String b64;
    if (templateInArgv()) {
      b64 = args.get(0);
    } else {
      b64 = new String(readAll(), StandardCharsets.US_ASCII);
    }
    try {
      xml = new String(Base64.getMimeDecoder().decode(b64.strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(step + ": the VM template is not valid base64");
    }
    return VmTemplate.parse(xml);
  }

  /** Refuses at pre, before anything is deployed, a VLAN_ID no mode could use. */
  private void check(VmNic n) {
    if (!n.bridge().startsWith("sriov_")) {
      throw new InvalidInputException("NIC " + n.nicId() + " uses VN_MAD " + VN_MAD + " but its bridge '" + n.bridge()
          + "' is not sriov_<pf>");
    }
    n.vlanId().ifPresent(v -> {
      if (!v.strip().matches("\\d{1,5}") || Integer.parseInt(v.strip()) < 1 || Integer.parseInt(v.strip()) > 0x7fff) {
        throw new InvalidInputException("NIC " + n.nicId() + ": VLAN_ID '" + v + "' is neither a partition (1-32767)"
            + " nor a VLAN");
      }
    });
  }

  private byte[] readAll() {
    try {
      byte[] data = stdin.readNBytes(DriverCommand.MAX_STDIN + 1);
      if (data.length > DriverCommand.MAX_STDIN) {
        throw new InvalidInputException(step + ": stdin is larger than " + DriverCommand.MAX_STDIN + " bytes");
      }
      return data;
    } catch (IOException e) {
      throw new InvalidInputException(step + ": cannot read stdin: " + e.getMessage());
    }
  }

  private void drain() {
    readAll();
  }
}
