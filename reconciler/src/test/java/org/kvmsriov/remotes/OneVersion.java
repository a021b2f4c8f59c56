package org.kvmsriov.remotes;

/**
 * The two shapes of OpenNebula's driver protocol the harness speaks (protocol reference §0, §2.2,
 * §3, §4.1): 5.4 (the add-on's version, same argv forms up to 5.8) and 6.10 (6.4.3+, quoted heredoc).
 */
enum OneVersion {

  /** 5.4: VNM template as argv $1, unquoted heredoc, no vm.xml, poll/reboot/reset without a stream. */
  V5_4("5.4.15", true, false, false),
  /** 6.10: VNM template on stdin, quoted heredoc, vm.xml and ds.xml beside the deployment file. */
  V6_10("6.10.0", false, true, true);

  /** What {@code <one:opennebula_version>} says. */
  final String release;
  /** 5.4–5.8 pass the network drivers' base64 template as their first argument, stdin empty. */
  final boolean vnmTemplateOnArgv;
  /** {@code cat << 'EOT'} from 6.4.3/6.6.0; older ones let the remote shell expand {@code $ ` \}. */
  final boolean quotedHeredoc;
  /** 6.x: writes {@code vm.xml}/{@code ds.xml}, adds the host to post/clean, NIC NAME, BRIDGE_TYPE. */
  final boolean six;

  OneVersion(String release, boolean vnmTemplateOnArgv, boolean quotedHeredoc, boolean six) {
    this.release = release;
    this.vnmTemplateOnArgv = vnmTemplateOnArgv;
    this.quotedHeredoc = quotedHeredoc;
    this.six = six;
  }
}
