package org.kvmsriov.adapters.libvirt;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The few libvirt C calls that libvirt-java 0.5.2 does not wrap, bound with JNA over the same
 * {@code libvirt.so}. Signatures follow libvirt's public headers ({@code libvirt-domain.h},
 * {@code virterror.h}); pointers are the raw {@code virConnectPtr}/{@code virDomainPtr}.
 */
interface LibvirtNative extends Library {

  LibvirtNative INSTANCE = Native.load("virt", LibvirtNative.class);

  /** {@code VIR_DOMAIN_EVENT_ID_LIFECYCLE}. */
  int EVENT_ID_LIFECYCLE = 0;
  /** {@code VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED}. */
  int EVENT_ID_DEVICE_REMOVED = 15;

  /** {@code virConnectDomainEventCallback}: (conn, dom, event, detail, opaque). */
  interface LifecycleCallback extends Callback {
    int invoke(Pointer conn, Pointer dom, int event, int detail, Pointer opaque);
  }

  /** {@code virConnectDomainEventDeviceRemovedCallback}: (conn, dom, devAlias, opaque). */
  interface DeviceRemovedCallback extends Callback {
    void invoke(Pointer conn, Pointer dom, String devAlias, Pointer opaque);
  }

  /** {@code virErrorFunc}: (userData, virErrorPtr). */
  interface ErrorFunc extends Callback {
    void invoke(Pointer userData, Pointer error);
  }

  /** Replaces libvirt's process-wide default error handler (which prints every error to stderr). */
  void virSetErrorFunc(Pointer userData, ErrorFunc handler);

  /** Returns a callback id, or -1. {@code dom} null means every domain. */
  int virConnectDomainEventRegisterAny(
      Pointer conn, Pointer dom, int eventId, Callback cb, Pointer opaque, Pointer freecb);

  int virConnectDomainEventDeregisterAny(Pointer conn, int callbackId);

  /** Restores a saved domain, optionally with a replacement domain XML ({@code dxml}). */
  int virDomainRestoreFlags(Pointer conn, String from, String dxml, int flags);

  /** The domain XML stored in a save image; the caller frees the returned string. */
  Pointer virDomainSaveImageGetXMLDesc(Pointer conn, String file, int flags);

  /** The domain's name, owned by the domain object (valid during an event callback). */
  String virDomainGetName(Pointer dom);

  /** The message of this thread's last libvirt error, never null. */
  String virGetLastErrorMessage();
}
