#!/bin/sh
# Test support: a private, privileged libvirtd (QEMU/TCG) per directory, and a tiny guest.
#
#   libvirtd.sh start DIR [PORT_BASE]  start (or reuse) a libvirtd whose whole world lives in DIR;
#                                      prints its URI (qemu+unix:///system?socket=DIR/run/libvirt-sock)
#   libvirtd.sh stop DIR               stop the QEMUs it started, then the daemon
#   libvirtd.sh guest DIR              build DIR/initrd.gz (busybox) and print the kernel path
#   libvirtd.sh check                  exit 0 when libvirtd, TCG QEMU and a guest kernel are present
#
# Each daemon runs in its own mount namespace with DIR's subdirectories bind-mounted over
# /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt, so
# two of them (a migration source and destination) coexist and neither touches a system
# libvirtd. QEMU runs as root without cgroups or security labels; stdio goes to files, so
# no virtlogd is needed. Idempotent: a live daemon in DIR is reused. Needs root.
set -eu

die() { echo "libvirtd.sh: $*" >&2; exit 1; }

kernel() {
  # the newest Debian kernel (linux-image-amd64)
  find /boot -maxdepth 1 -name 'vmlinuz-*' 2>/dev/null | sort -V | tail -n 1
}

check() {
  command -v libvirtd >/dev/null || die "libvirtd is not installed (libvirt-daemon)"
  command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is not installed (qemu-system-x86)"
  [ -e /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so ] \
    || die "libvirt's QEMU driver is not installed (libvirt-daemon-driver-qemu)"
  [ -n "$(kernel)" ] || die "no /boot/vmlinuz-* (linux-image-amd64)"
  [ -x /bin/busybox ] || die "no /bin/busybox (busybox-static)"
  [ "$(id -u)" -eq 0 ] || die "must run as root (a privileged libvirtd)"
}

uri() { echo "qemu+unix:///system?socket=$1/run/libvirt-sock"; }

alive() {
  [ -s "$1/run/libvirtd.pid" ] && kill -0 "$(cat "$1/run/libvirtd.pid")" 2>/dev/null \
    && virsh -q -c "$(uri "$1")" version >/dev/null 2>&1
}

start() {
  dir=$1; ports=${2:-49152}
  check
  mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
  if alive "$dir"; then uri "$dir"; return 0; fi
  mkdir -p "$dir/etc" "$dir/run" "$dir/lib" "$dir/log"
  # QEMU's capabilities (probed in ~8 s on TCG) are cached per binary; daemons in sibling
  # directories share that cache, so only the first start pays for the probe
  cache=$(dirname "$dir")/libvirt-cache
  mkdir -p "$cache"
  # libvirt's QEMU driver resolves its built-in default user and group (Debian: libvirt-qemu)
  # even when qemu.conf overrides them; create them as libvirt-daemon-system's postinst would
  getent group kvm >/dev/null || groupadd --system kvm
  getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
  getent passwd libvirt-qemu >/dev/null || useradd --system --no-create-home --home-dir /var/lib/libvirt \
    --shell /usr/sbin/nologin --gid libvirt-qemu --groups kvm libvirt-qemu
  # a stable, per-directory host UUID: migration refuses a destination with the source's UUID
  uuid=$(printf '%s' "$dir" | md5sum | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/')
  cat > "$dir/etc/libvirtd.conf" <<CONF
unix_sock_dir = "$dir/run"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
host_uuid = "$uuid"
log_outputs = "3:file:$dir/log/libvirtd.log"
CONF
  cat > "$dir/etc/qemu.conf" <<CONF
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
migration_port_min = $ports
migration_port_max = $((ports + 63))
CONF
  for m in /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
    mkdir -p "$m"
  done
  rm -f "$dir/run/libvirtd.pid"
  # shellcheck disable=SC2016
  unshare --mount --propagation private sh -c '
    set -e
    d=$1
    mount --bind "$d/etc" /etc/libvirt
    mount --bind "$d/run" /run/libvirt
    mount --bind "$d/lib" /var/lib/libvirt
    mount --bind "$2" /var/cache/libvirt
    mount --bind "$d/log" /var/log/libvirt
    exec libvirtd --daemon --config "$d/etc/libvirtd.conf" --pid-file "$d/run/libvirtd.pid"
  ' sh "$dir" "$cache" </dev/null >"$dir/log/start.log" 2>&1 || die "libvirtd did not start: $(cat "$dir/log/start.log")"
  i=0
  while ! alive "$dir"; do
    i=$((i + 1))
    [ "$i" -le 300 ] || die "libvirtd in $dir did not answer within 30 s; see $dir/log/libvirtd.log"
    ! grep -q 'Driver state initialization failed' "$dir/log/libvirtd.log" 2>/dev/null \
      || die "libvirtd in $dir failed: $(grep ' error : ' "$dir/log/libvirtd.log" | tail -n 2)"
    sleep 0.1
  done
  uri "$dir"
}

stop() {
  dir=$1
  [ -d "$dir" ] || return 0
  # QEMUs outlive libvirtd by design; end the ones this daemon started, by their pid files
  for f in "$dir"/run/qemu/*.pid; do
    [ -s "$f" ] || continue
    kill -9 "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  if [ -s "$dir/run/libvirtd.pid" ]; then
    pid=$(cat "$dir/run/libvirtd.pid")
    kill "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null; do
      i=$((i + 1))
      [ "$i" -le 100 ] || { kill -9 "$pid" 2>/dev/null || true; break; }
      sleep 0.1
    done
    rm -f "$dir/run/libvirtd.pid"
  fi
}

guest() {
  dir=$1
  mkdir -p "$dir/initrd/bin"
  cp /bin/busybox "$dir/initrd/bin/busybox"
  # /init: mount what the kernel's hotplug code reports through, say we are up, idle forever
  cat > "$dir/initrd/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
echo kvm-sriov-guest-ready
while :; do /bin/busybox sleep 3600; done
INIT
  chmod 755 "$dir/initrd/init"
  (cd "$dir/initrd" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$dir/initrd.gz.tmp"
  mv "$dir/initrd.gz.tmp" "$dir/initrd.gz"
  kernel
}

cmd=${1:-}; [ $# -gt 0 ] && shift
case "$cmd" in
  start) [ $# -ge 1 ] || die "usage: start DIR [PORT_BASE]"; start "$@" ;;
  stop) [ $# -eq 1 ] || die "usage: stop DIR"; stop "$1" ;;
  guest) [ $# -eq 1 ] || die "usage: guest DIR"; guest "$1" ;;
  check) check ;;
  *) die "usage: libvirtd.sh start DIR [PORT_BASE] | stop DIR | guest DIR | check" ;;
esac
