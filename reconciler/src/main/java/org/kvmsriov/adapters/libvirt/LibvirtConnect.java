package org.kvmsriov.adapters.libvirt;

import com.sun.jna.Pointer;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;

/** A libvirt-java connection that also hands out its raw {@code virConnectPtr} for {@link LibvirtNative}. */
final class LibvirtConnect extends Connect {

  LibvirtConnect(String uri) throws LibvirtException {
    super(uri);
  }

  Pointer pointer() {
    return vcp.getPointer();
  }
}
