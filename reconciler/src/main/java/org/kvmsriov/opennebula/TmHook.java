package org.kvmsriov.opennebula;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.xml.SafeXml;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The system datastore's hook around a save or restore: OpenNebula's stock kvm scripts run
 * {@code save.<TM_MAD>} after a save and {@code restore.<TM_MAD>} before a restore (ceph moves the
 * checkpoint in and out of the cluster there), with their own argv and the action data on stdin.
 * kvm-sriov does the same for the VMs whose save and restore it does itself.
 *
 * @param script the hook's name in the stock directory, {@code <action>.<TM_MAD>}
 */
public record TmHook(String script) {

  /** TM_MAD becomes part of a file name: a plain driver name, never a path. */
  private static final Pattern TM_MAD = Pattern.compile("[a-z0-9_]+");

  /**
   * The hook the action data names, if any.
   *
   * @param action {@code save} or {@code restore}
   * @param actionData OpenNebula's VMM_DRIVER_ACTION_DATA as read on stdin (empty: no hook, as in
   *     the stock scripts when stdin is a terminal)
   * @throws InvalidInputException when the data is not XML or its TM_MAD is not a plain name
   */
  public static Optional<TmHook> of(String action, byte[] actionData) {
    String text = new String(actionData, StandardCharsets.UTF_8);
    if (text.isBlank()) {
      return Optional.empty();
    }
    Element root = SafeXml.parse(text, action + " action data").getDocumentElement();
    Optional<Element> ds = root.getTagName().equals("VMM_DRIVER_ACTION_DATA") ? child(root, "DATASTORE")
        : Optional.empty();
    String tm = child(ds, "TM_MAD").map(Node::getTextContent).map(String::strip).orElse("");
    if (tm.isEmpty()) {
      return Optional.empty();
    }
    if (!TM_MAD.matcher(tm).matches()) {
      throw new InvalidInputException(action + ": the system datastore's TM_MAD '" + tm
          + "' is not a driver name ([a-z0-9_]+); refused");
    }
    return Optional.of(new TmHook(action + "." + tm));
  }

  private static Optional<Element> child(Optional<Element> parent, String name) {
    return parent.flatMap(p -> child(p, name));
  }

  private static Optional<Element> child(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }
}
