/**
 * The OpenNebula SR-IOV add-on's files ({@code vf_maps/}, its VF lock folder, {@code kvmrc}),
 * read to produce host.yaml and adopted leases for {@code import-legacy}.
 */
package org.kvmsriov.legacy;
