#!/bin/sh
# OpenNebula IM probe of kvm-sriov: prints SRIOV_FREE_VFS_<PF>=n lines for
# SCHED_REQUIREMENTS. Its arguments and monitord's XML on stdin are not needed, and
# the sudo rule allows `probe` without arguments only.
[ "$(id -u)" -eq 0 ] || exec sudo -n /usr/bin/kvm-sriov probe </dev/null
exec /usr/bin/kvm-sriov probe </dev/null
