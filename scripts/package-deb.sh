#!/usr/bin/env bash
# Builds the appliance package ums_<version>_<arch>.deb with dpkg-deb:
#   /usr/bin/ums                       the gateway (release build, stripped)
#   /lib/systemd/system/ums.service    systemd/ums.service
#   /lib/udev/rules.d/60-ums.rules     udev/60-ums.rules
#   /etc/ums/ums.toml                  config/ums.toml (a conffile)
#   /usr/share/doc/ums/                README.md, copyright, changelog
# The maintainer scripts are in packaging/debian/ (postinst creates the ums
# system user in dialout and /var/lib/ums).
#
# Usage: [DEB_MAINTAINER="Name <address>"] scripts/package-deb.sh [--binary PATH] [--out DIR]
#   --binary  package this ums binary instead of building target/release/ums
#   --out     where to write the .deb (default target/debian)
# Prints the path of the .deb on stdout. Needs dpkg-dev (dpkg-shlibdeps).
# DEB_MAINTAINER defaults to a placeholder that lintian rightly calls bogus:
# set it to whoever answers for the package you ship.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
binary=""
out="$root/target/debian"
while (($#)); do
    case "$1" in
        --binary) binary=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "package-deb: unknown argument $1 (use --binary PATH, --out DIR)" >&2; exit 2 ;;
    esac
done

if [[ -z "$binary" ]]; then
    (cd "$root" && cargo build --release -p gateway --bin ums >&2)
    binary="$root/target/release/ums"
fi
[[ -x "$binary" ]] || { echo "package-deb: $binary is not an executable" >&2; exit 1; }

maintainer=${DEB_MAINTAINER:-ums maintainers <maintainers@ums.invalid>}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)
arch=$(dpkg --print-architecture)
[[ -n "$version" ]] || { echo "package-deb: no version in Cargo.toml" >&2; exit 1; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
binary=$(realpath "$binary")
stage=$(mktemp -d "$out/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"
umask 022

install -D -m 0755 "$binary" "$stage/usr/bin/ums"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/ums"
install -D -m 0644 "$root/systemd/ums.service" "$stage/lib/systemd/system/ums.service"
install -D -m 0644 "$root/udev/60-ums.rules" "$stage/lib/udev/rules.d/60-ums.rules"
install -D -m 0644 "$root/config/ums.toml" "$stage/etc/ums/ums.toml"
doc="$stage/usr/share/doc/ums"
install -D -m 0644 "$root/README.md" "$doc/README.md"
install -D -m 0644 "$root/packaging/debian/copyright" "$doc/copyright"
changelog_date=$(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}")
printf 'ums (%s) unstable; urgency=medium\n\n  * Built from the ums repository.\n\n -- %s  %s\n' \
    "$version" "$maintainer" "$changelog_date" | gzip -9n > "$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

mkdir -p "$stage/DEBIAN"
for s in postinst prerm postrm; do
    install -m 0755 "$root/packaging/debian/$s" "$stage/DEBIAN/$s"
done
echo /etc/ums/ums.toml > "$stage/DEBIAN/conffiles"
chmod 0644 "$stage/DEBIAN/conffiles"

# Shared-library dependencies of the binary, as Debian computes them.
shlib=$(mktemp -d)
mkdir -p "$shlib/debian"
printf 'Source: ums\n\nPackage: ums\nArchitecture: any\n' > "$shlib/debian/control"
depends=$(cd "$shlib" && dpkg-shlibdeps -O -e "$stage/usr/bin/ums" 2> >(grep -v "should already be installed" >&2) | sed -n 's/^shlibs:Depends=//p')
rm -rf "$shlib"
[[ -n "$depends" ]] || { echo "package-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<EOF
Package: ums
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends, adduser
Section: comm
Priority: optional
Description: unified messaging gateway: fax, voice and SMS to and from e-mail
 ums connects the phone network with e-mail: faxes sent by writing an
 e-mail to <number>@fax.your-domain, and faxes received from the phone
 network delivered to a mailbox. One daemon, ums serve, runs the SMTP
 connector, the message store and the line drivers.
 .
 This package installs the daemon as the systemd service ums.service
 (running as the ums user, in the dialout group), udev rules that give fax
 and GSM modems stable names under /dev/ums, and an example configuration
 in /etc/ums/ums.toml.
EOF
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/md5sums" "$stage/DEBIAN/control"

deb="$out/ums_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >&2
echo "$deb"
