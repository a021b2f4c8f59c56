package org.kvmsriov.remotes;

/**
 * The shapes of OpenNebula's driver protocol the harness speaks (protocol reference §0, §2.2, §3,
 * §4.1): 5.4 (the add-on's version, same argv forms up to 5.8), 6.10 (6.4.3+, quoted heredoc) and
 * 7.0. 7.0 calls the drivers as 6.10 does (one_vmm_exec.rb, one_vnm.rb, ssh_stream.rb and the
 * probes' monitord-client.rb differ from 6.10.5 in copyright, gem loading and an LVM-thin
 * snapshot check only); it differs in the deployment file oned writes and in what it makes of a
 * failed step's stderr.
 */
enum OneVersion {

  /** 5.4: VNM template as argv $1, unquoted heredoc, no vm.xml, poll/reboot/reset without a stream. */
  V5_4("5.4.15", true, false, false, false, ErrorInfo.FRAMED),
  /** 6.10: VNM template on stdin, quoted heredoc, vm.xml and ds.xml beside the deployment file. */
  V6_10("6.10.0", false, true, true, false, ErrorInfo.WHOLE_STDERR),
  /** 7.0: 6.10's calls; virtio NICs get {@code <driver name='vhost' queues=…>}; log lines leave the error. */
  V7_0("7.0.0", false, true, true, true, ErrorInfo.NON_LOG_LINES);

  /**
   * What oned records as a failed step's message (DriverExecHelper#get_info_from_execution). The
   * stream's stderr still ends with its {@code ExitCode: N} line: ssh_stream.rb removes only the
   * {@code " EOF_ERR"} after it.
   */
  enum ErrorInfo {
    /** ≤ 6.0.2: the first block between the ERROR MESSAGE markers, stripped; "-" without one. */
    FRAMED,
    /** 6.0.3–6.10: the whole stderr, newlines turned into spaces, stripped. */
    WHOLE_STDERR,
    /**
     * 7.0: each stderr line stripped; lines matching {@code ^(ERROR|INFO|WARN|DEBUG):\s+} are sent
     * to oned as log messages (with the number after the colon as their id, else -1) and left
     * out; the others are concatenated without a separator.
     */
    NON_LOG_LINES
  }

  /** What {@code <one:opennebula_version>} says. */
  final String release;
  /** 5.4–5.8 pass the network drivers' base64 template as their first argument, stdin empty. */
  final boolean vnmTemplateOnArgv;
  /** {@code cat << 'EOT'} from 6.4.3/6.6.0; older ones let the remote shell expand {@code $ ` \}. */
  final boolean quotedHeredoc;
  /** 6.x and 7.0: writes {@code vm.xml}/{@code ds.xml}, adds the host to post/clean, NIC NAME, BRIDGE_TYPE. */
  final boolean six;
  /**
   * 7.0: vmm_exec_kvm.conf's NIC {@code VIRTIO_QUEUES = "auto"} gives every virtio interface
   * {@code <driver name='vhost' queues='<VCPU>'/>} after its model (LibVirtDriverKVM.cc).
   */
  final boolean vhostQueues;
  final ErrorInfo errorInfo;

  OneVersion(String release, boolean vnmTemplateOnArgv, boolean quotedHeredoc, boolean six, boolean vhostQueues,
      ErrorInfo errorInfo) {
    this.release = release;
    this.vnmTemplateOnArgv = vnmTemplateOnArgv;
    this.quotedHeredoc = quotedHeredoc;
    this.six = six;
    this.vhostQueues = vhostQueues;
    this.errorInfo = errorInfo;
  }
}
