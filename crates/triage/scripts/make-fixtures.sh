#!/bin/bash
# Regenerates the real-makepkg fixtures in tests/fixtures/ (run as root on a machine with
# makepkg, pacman, repo-add and patch; makepkg itself runs as the unprivileged user
# archport-test). Each fixture is the combined stdout+stderr of one real failing command,
# with the temporary directory replaced by /build so the files do not change between runs.
set -euo pipefail
out=$(cd "$(dirname "$0")/../tests/fixtures" && pwd)
user=${ARCHPORT_TEST_USER:-archport-test}
work=$(mktemp -d /tmp/triage-fixtures.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

# makepkg_fixture NAME PKGBUILD-BODY [extra files...]: runs makepkg in $work/NAME as $user.
makepkg_fixture() {
	local name=$1 body=$2
	local dir=$work/$name
	mkdir -p "$dir"
	printf '%s\n' "pkgname=$name" 'pkgver=1.0' 'pkgrel=1' "pkgdesc='triage fixture'" \
		"arch=('any')" 'license=(0BSD)' "$body" >"$dir/PKGBUILD"
	chown -R "$user:" "$dir"
	# LC_ALL=C: the English messages are the ones the rules match.
	(cd "$dir" && runuser -u "$user" -- env LC_ALL=C HOME="$dir" makepkg --nocolor --noconfirm \
		>"$dir/log" 2>&1) || true
	sed -e "s|$work|/build|g" -e 's/([A-Z][a-z][a-z] [A-Z][a-z][a-z] .*[0-9][0-9]:[0-9][0-9]:[0-9][0-9].*[0-9]\{4\})/(DATE)/' \
		"$dir/log" >"$out/makepkg-$name.log"
}

makepkg_fixture build-fails 'build() { echo compiling; echo "main.c:3:1: error: expected ; before }"; return 2; }
package() { :; }'
makepkg_fixture check-fails 'build() { :; }
check() { echo "FAIL: test_parse (1 of 12 failed)"; false; }
package() { :; }'
makepkg_fixture package-fails 'package() { install -m644 does-not-exist "$pkgdir/x"; }'

# A split package: makepkg names the failing function package_<name>().
mkdir -p "$work/split-package-fails"
cat >"$work/split-package-fails/PKGBUILD" <<'PKG'
pkgbase=split-package-fails
pkgname=(split-a split-b)
pkgver=1.0
pkgrel=1
arch=('any')
license=(0BSD)
package_split-a() { :; }
package_split-b() { cp missing-file "$pkgdir/"; }
PKG
chown -R "$user:" "$work/split-package-fails"
(cd "$work/split-package-fails" && runuser -u "$user" -- env LC_ALL=C HOME="$work" makepkg --nocolor \
	>log 2>&1) || true
sed -e "s|$work|/build|g" -e 's/([A-Z][a-z][a-z] [A-Z][a-z][a-z] .*[0-9]\{4\})/(DATE)/' \
	"$work/split-package-fails/log" >"$out/makepkg-split-package-fails.log"

# prepare() applying a patch whose hunk does not apply: GNU patch's real messages.
mkdir -p "$work/patch-fails"
printf 'one\ntwo\nthree\n' >"$work/patch-fails/file.txt"
cat >"$work/patch-fails/fix.patch" <<'PATCH'
--- a/file.txt
+++ b/file.txt
@@ -1,3 +1,3 @@
 alpha
-beta
+BETA
 gamma
PATCH
makepkg_fixture patch-fails "source=(file.txt fix.patch)
sha256sums=('$(sha256sum <"$work/patch-fails/file.txt" | cut -d' ' -f1)' '$(sha256sum <"$work/patch-fails/fix.patch" | cut -d' ' -f1)')
# makepkg links local sources into srcdir: patch refuses symlinks, so copy the file first.
prepare() { cp --remove-destination \"\$(readlink -f file.txt)\" file.txt; patch -Np1 -i \"\$srcdir/fix.patch\"; }
package() { :; }"

# A patch file that is not a patch at all: GNU patch's "patch: **** ..." message.
mkdir -p "$work/malformed-patch"
printf '%s\n' '--- a/x' '+++ b/x' '@@ -1,2 +1,2 @@' ' context' 'garbage line' >"$work/malformed-patch/bad.patch"
makepkg_fixture malformed-patch "source=(bad.patch)
sha256sums=(SKIP)
prepare() { patch -Np1 -i \"\$srcdir/bad.patch\"; }
package() { :; }"

makepkg_fixture prepare-fails 'prepare() { sed -i s/a/b/ no-such-file; }
package() { :; }'

# A source on a closed port of 127.0.0.1: curl's real error, then makepkg's.
makepkg_fixture download-fails 'source=("http://127.0.0.1:9/download-fails-1.0.tar.gz")
sha256sums=(SKIP)
package() { :; }'

# A source the server answers with 404: curl's "(22)" error.
mkdir -p "$work/www"
python3 -m http.server --bind 127.0.0.1 --directory "$work/www" 0 >"$work/www.log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q 'port' "$work/www.log" && break; sleep 0.1; done
port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/www.log" | head -1)
makepkg_fixture download-404 "source=(\"http://127.0.0.1:$port/missing-1.0.tar.gz\")
sha256sums=(SKIP)
package() { :; }"
kill "$server"
sed -i "s/127.0.0.1:$port/127.0.0.1:PORT/g" "$out/makepkg-download-404.log"

# A local source whose checksum does not match.
mkdir -p "$work/checksum-fails"
echo 'the real file' >"$work/checksum-fails/data.txt"
makepkg_fixture checksum-fails "source=(data.txt)
sha256sums=('0000000000000000000000000000000000000000000000000000000000000000')
package() { :; }"

# A detached signature that is not a signature of the file.
mkdir -p "$work/pgp-fails"
echo 'signed data' >"$work/pgp-fails/data.txt"
printf '%s\n' '-----BEGIN PGP SIGNATURE-----' '' 'iHUEABYKAB0WIQQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACgkQAAAAAAAAAAAAAAAA' '-----END PGP SIGNATURE-----' >"$work/pgp-fails/data.txt.sig"
makepkg_fixture pgp-fails "source=(data.txt data.txt.sig)
validpgpkeys=('0123456789ABCDEF0123456789ABCDEF01234567')
sha256sums=(SKIP SKIP)
package() { :; }"

# A child of build() killed by SIGKILL (what the OOM killer does): bash's job message.
makepkg_fixture killed-in-build 'build() { echo "[ 42%] Building CXX object huge.cpp.o"; sh -c "kill -9 \$\$"; }
package() { :; }'

# pacman's real dependency errors, against a throwaway root and a local repository holding
# one package whose dependency nothing provides.
root=$work/pacroot
mkdir -p "$root/db" "$root/repo" "$root/cache"
mkdir -p "$work/needs-missing"
printf '%s\n' 'pkgname=needs-missing' 'pkgver=1.0' 'pkgrel=1' "arch=('any')" 'license=(0BSD)' \
	"depends=('libmissing>=2')" 'package() { :; }' >"$work/needs-missing/PKGBUILD"
chown -R "$user:" "$work/needs-missing"
(cd "$work/needs-missing" && runuser -u "$user" -- env LC_ALL=C HOME="$work" makepkg --nocolor -d >/dev/null 2>&1)
cp "$work"/needs-missing/needs-missing-1.0-1-any.pkg.tar.* "$root/repo/"
repo-add -q "$root/repo/fixture.db.tar.gz" "$root"/repo/needs-missing-1.0-1-any.pkg.tar.* >/dev/null
cat >"$root/pacman.conf" <<CONF
[options]
Architecture = auto
SigLevel = Never
[fixture]
Server = file://$root/repo
CONF
pac() { LC_ALL=C pacman --noconfirm --config "$root/pacman.conf" --root "$root" --dbpath "$root/db" \
	--cachedir "$root/cache" "$@"; }
pac -Sy >/dev/null 2>&1
{
	echo '==> Making package: needs-dep 1.0-1 (DATE)'
	echo '==> Checking runtime dependencies...'
	echo '==> Installing missing dependencies...'
	pac -S --asdeps no-such-package 2>&1 || true
	echo "==> ERROR: 'pacman' failed to install missing dependencies."
	echo '==> ERROR: Could not resolve all dependencies.'
} | sed "s|$work|/build|g" >"$out/pacman-target-not-found.log"
{
	echo '==> Making package: needs-dep 1.0-1 (DATE)'
	echo '==> Checking runtime dependencies...'
	echo '==> Installing missing dependencies...'
	pac -S --asdeps needs-missing 2>&1 || true
	echo "==> ERROR: 'pacman' failed to install missing dependencies."
	echo '==> ERROR: Could not resolve all dependencies.'
} | sed "s|$work|/build|g" >"$out/pacman-unsatisfied.log"
ls -l "$out"
