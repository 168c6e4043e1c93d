#!/bin/sh
# Writes vnetdiag.1.gz from the program's own help: help2man turns 'vnetdiag --help' into the
# page, and each command's --help (the commands listed by 'vnetdiag --help') becomes a
# subsection of COMMANDS, so the page never disagrees with the binary it ships with.
# Usage: make-man.sh VNETDIAG OUT.1.gz VERSION
set -eu
bin="$1" out="$2" version="$3"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Text as a roff no-fill block: backslashes escaped, lines that start with . or ' made literal.
roff_text() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }

commands="$("$bin" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\)  .*/\1/p')"
{
  echo "[COMMANDS]"
  for cmd in $commands; do
    case "$cmd" in version | help) continue ;; esac
    "$bin" "$cmd" --help >"$tmp/$cmd.txt" 2>/dev/null || continue
    echo ".SS \"vnetdiag $cmd\""
    echo ".nf"
    roff_text <"$tmp/$cmd.txt"
    echo ".fi"
  done
  cat <<'SECTIONS'
[EXIT STATUS]
check: 0 ok, 1 warning, 2 critical, 3 unknown (the Nagios plugin convention); other commands
say theirs in their help.
[FILES]
.TP
/etc/resolv.conf
the resolvers asked besides \-\-dns\-server (\-\-resolv\-conf names another file)
.TP
/proc/1/environ
the app's environment, read when this shell lacks WEBSITE_SITE_NAME (App Service SSH sessions)
.TP
/etc/ssl/certs/ca\-certificates.crt
the CA store TLS is verified against unless \-\-ca\-bundle names one
SECTIONS
  # ENVIRONMENT and CONFIGURATION FILE, written from the settings table (tests/settings/).
  cat "$(dirname "$0")/settings.h2m"
} >"$tmp/include.h2m"

help2man --no-info --no-discard-stderr --section=1 --version-string="$version" \
  --name="check an App Service app's private-endpoint reachability (DNS, TCP, TLS, HTTP, routes)" \
  --include="$tmp/include.h2m" --output="$tmp/vnetdiag.1" "$bin"
gzip -9n <"$tmp/vnetdiag.1" >"$out.tmp"
mv "$out.tmp" "$out"
