package org.kvmsriov.legacy;

import java.util.Optional;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;

/**
 * A VF the add-on marked as in use: file {@code <lock-dir>/<pf>/<index>}.
 *
 * @param pf the PF (the lock folder's subdirectory)
 * @param index line index in the PF's VF map
 * @param vf the VF at that line
 * @param mac the dummy MAC the file held (mlnx_ofed2), if any
 */
public record LegacyLock(PfName pf, int index, PciAddress vf, Optional<MacAddress> mac) {}
