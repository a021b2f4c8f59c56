/**
 * The OpenSM adapter: {@link org.kvmsriov.adapters.opensm.PartitionsConf} reads and edits
 * OpenSM's {@code partitions.conf} (the grammar of OpenSM's {@code osm_prtn_config.c}), and
 * {@link org.kvmsriov.adapters.opensm.OpenSmSubnetManager} changes it on the SM's host — here or
 * over ssh — under a lock, atomically, then signals OpenSM. kvm-sriov only edits entries it
 * created ({@code kvmsriov_<pkey>}); the operator's text stays byte for byte.
 */
package org.kvmsriov.adapters.opensm;
