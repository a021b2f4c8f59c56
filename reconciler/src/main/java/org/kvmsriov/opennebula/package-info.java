/**
 * OpenNebula's wire formats, parsed and written without side effects: the VMM actions' argv
 * ({@link org.kvmsriov.opennebula.DriverRequest}), the deployment file and its rewrite with VF
 * devices, the VM template network drivers get, the network-driver input forms, the checkpoint
 * XML, the system datastore's action data. XML goes through {@link org.kvmsriov.xml.SafeXml}
 * (no DTDs, no external entities).
 */
package org.kvmsriov.opennebula;
