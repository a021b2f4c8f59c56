# Sourced by the suites that test in a Debian 12 root file system (ansible/test/run,
# packaging/test/run); the caller defines fail() and step().
#   chroot_image         the debootstrap image, built once per set of inputs and cached in
#                        $KVM_SRIOV_TEST_CACHE (/var/cache/kvm-sriov-test); sets $chroot_image
#   chroot_fresh WORK    a tmpfs overlay of it at WORK/root with /proc mounted (the JVM finds its
#                        libraries through /proc/self/exe)
#   chroot_cleanup WORK  unmounts and removes WORK
# python3-apt: Ansible's package module; sudo: become and the driver's rule; systemd: enabling
# units offline, systemd-analyze; the JRE and libvirt0: the package's dependencies, present so
# no run needs the network; man-db, bash-completion: what the package test reads its pages and
# completion with.
chroot_image() {
  _suite=bookworm
  _mirror=${KVM_SRIOV_TEST_MIRROR:-http://deb.debian.org/debian}
  _include=python3,python3-apt,sudo,systemd,procps,openjdk-17-jre-headless,libvirt0,man-db,bash-completion
  _cache=${KVM_SRIOV_TEST_CACHE:-/var/cache/kvm-sriov-test}
  _key=$(printf 'v1 %s %s minbase %s\n' "$_suite" "$_mirror" "$_include" | sha256sum | cut -c1-16)
  chroot_image=$_cache/$_key
  mkdir -p "$_cache/debs"
  [ -f "$chroot_image/ok" ] && return 0
  # One builder at a time: the .deb cache is shared.
  exec 9>"$_cache/lock"
  flock 9
  if [ ! -f "$chroot_image/ok" ]; then
    step "debootstrap $_suite into $chroot_image (not cached yet)"
    rm -rf "$chroot_image.tmp"
    nice debootstrap --variant=minbase --cache-dir="$_cache/debs" --include="$_include" \
      "$_suite" "$chroot_image.tmp/root" "$_mirror" >"$_cache/debootstrap.log" 2>&1 ||
      { tail -20 "$_cache/debootstrap.log" >&2; fail "debootstrap failed"; }
    touch "$chroot_image.tmp/ok"
    mv "$chroot_image.tmp" "$chroot_image"
  fi
  flock -u 9
  exec 9>&-
}

chroot_fresh() {
  chroot_image
  mkdir -p "$1/rw" "$1/root"
  mount -t tmpfs -o size=1g tmpfs "$1/rw"
  mkdir -p "$1/rw/upper" "$1/rw/work"
  mount -t overlay overlay -o "lowerdir=$chroot_image/root,upperdir=$1/rw/upper,workdir=$1/rw/work" "$1/root"
  mount -t proc proc "$1/root/proc"
}

chroot_cleanup() {
  umount "$1/root/proc" 2>/dev/null || true
  umount "$1/root" 2>/dev/null || true
  umount "$1/rw" 2>/dev/null || true
  rm -rf "$1"
}
