/**
 * The UFM adapter: {@link org.kvmsriov.adapters.ufm.UfmSubnetManager} keeps InfiniBand partition
 * membership in NVIDIA UFM through its REST API (java.net.http, basic authentication), never
 * letting UFM delete a partition kvm-sriov did not create.
 */
package org.kvmsriov.adapters.ufm;
