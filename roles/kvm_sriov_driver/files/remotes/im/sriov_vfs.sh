#!/bin/sh
# OpenNebula IM probe of kvm-sriov: prints SRIOV_FREE_VFS_<PF>=n lines for
# SCHED_REQUIREMENTS. Its arguments and monitord's XML on stdin are not needed, and
# the sudo rule allows `probe` without arguments only.
# As root, KVM_SRIOV_CLI may name another kvm-sriov (tests do); sudoers allows only this path.
[ "$(id -u)" -eq 0 ] || exec sudo -n /usr/bin/kvm-sriov probe </dev/null
exec "${KVM_SRIOV_CLI:-/usr/bin/kvm-sriov}" probe </dev/null
