package org.kvmsriov.opennebula;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.model.VmId;

/**
 * A network-driver step's input, in either form OpenNebula sends it (protocol reference §4.1):
 * 5.4–5.8 pass the base64 VM template as the first argument ({@code post <b64> <deploy id>}),
 * 5.10+ on stdin ({@code post <deploy id> [<host>]}, {@code clean [<host>]}).
 *
 * @param xml the decoded {@code <VM>} document
 * @param template it, parsed
 * @param deployId post's deploy id argument, when given (a domain name or, from 5.12.6, a UUID)
 */
public record VnmInput(String xml, VmTemplate template, Optional<String> deployId) {

  /**
   * Whether the template is argv[0] (5.4-5.8). Then stdin is OpenNebula's ssh stream itself, never
   * to be read: that would swallow the stream's next lines and leave oned waiting for the step's
   * exit code. A deploy id or host name is never 64 characters of base64 alone; a template always is.
   */
  public static boolean templateInArgv(List<String> args) {
    return !args.isEmpty() && args.get(0).length() >= 64 && args.get(0).matches("[A-Za-z0-9+/=\\s]+");
  }

  /**
   * Decodes and parses the template and checks it names the VM the deploy id names.
   *
   * @param stdin read only when the template is not in argv
   * @throws InvalidInputException bad base64, XML that is not a VM template (or declares a
   *     DOCTYPE), or a deploy id of another VM
   */
  public static VnmInput parse(String step, List<String> args, Supplier<byte[]> stdin) {
    boolean inArgv = templateInArgv(args);
    String b64 = inArgv ? args.get(0) : new String(stdin.get(), StandardCharsets.US_ASCII);
    List<String> rest = inArgv ? args.subList(1, args.size()) : args;
    String xml;
    try {
      xml = new String(Base64.getMimeDecoder().decode(b64.strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(step + ": the VM template is not valid base64");
    }
    VmTemplate t = VmTemplate.parse(xml);
    Optional<String> deployId = step.equals("post") && !rest.isEmpty() && !rest.get(0).isBlank()
        ? Optional.of(rest.get(0).strip()) : Optional.empty();
    String domain = new VmId(t.vmId()).domain();
    for (Optional<String> id : List.of(deployId, t.deployId())) {
      if (id.isPresent() && VmId.isDomainName(id.get()) && !id.get().equals(domain)) {
        throw new InvalidInputException(step + ": deploy id '" + id.get() + "' is not VM " + t.vmId() + "'s domain "
            + domain + "; refused");
      }
    }
    return new VnmInput(xml, t, deployId);
  }

  /** The libvirt domain OpenNebula gives this VM. */
  public String domain() {
    return new VmId(template.vmId()).domain();
  }
}
