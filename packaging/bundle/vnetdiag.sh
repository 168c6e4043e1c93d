#!/bin/sh
# Launcher of the self-contained vnetdiag bundle. Works without the executable bit, which zip
# extraction and some uploads to App Service's /home drop:
#   sh /home/site/tools/vnetdiag/vnetdiag.sh check --keyvault NAME
# It runs bin/vnetdiag, in this order, the first way that works here:
#   1. directly, when the file is executable (tar keeps the bit);
#   2. after chmod +x (on /home's CIFS mount the bit may not stick: it is checked);
#   3. through the image's own dynamic loader, which needs only read access to the program:
#      /lib64/ld-linux-x86-64.so.2 bin/vnetdiag (the bundle's libraries are still found through
#      the program's $ORIGIN run path; glibc is always the image's own, never shipped);
#   4. from a copy in a private directory under ${TMPDIR:-/tmp}, for a /home that will not map
#      programs at all (mounted noexec).
# Each of 1-3 is tried with 'vnetdiag --version' first, so a way that cannot work falls through
# instead of ending the shell with "Permission denied".
# VNETDIAG_LAUNCH=direct|chmod|loader|copy forces one way; VNETDIAG_LAUNCH_DEBUG=1 says which ran.
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P) || exit 3
bin="$here/bin/vnetdiag"
if [ ! -r "$bin" ]; then
  echo "vnetdiag.sh: $bin is missing or unreadable: unpack the whole bundle beside this script" >&2
  exit 3
fi

say() { [ -n "${VNETDIAG_LAUNCH_DEBUG:-}" ] && echo "vnetdiag.sh: running $1" >&2; return 0; }
works() { "$@" --version >/dev/null 2>&1; }
want() { [ -z "${VNETDIAG_LAUNCH:-}" ] || [ "$VNETDIAG_LAUNCH" = "$1" ]; }

if want direct && [ -x "$bin" ] && works "$bin"; then
  say "$bin"
  exec "$bin" "$@"
fi
if want chmod && chmod +x "$bin" 2>/dev/null && [ -x "$bin" ] && works "$bin"; then
  say "$bin (after chmod +x)"
  exec "$bin" "$@"
fi
if want loader; then
  for loader in /lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 \
                /usr/lib64/ld-linux-x86-64.so.2 /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2; do
    if [ -f "$loader" ] && works "$loader" "$bin"; then
      say "$bin through $loader"
      exec "$loader" "$bin" "$@"
    fi
  done
fi
if want copy; then
  # One directory per user and bundle content, made by us, not a symlink: reused by later runs
  # of the same bundle on this instance (/tmp does not outlive the container).
  stamp=$(cksum <"$bin" | cut -d' ' -f1)
  base="${TMPDIR:-/tmp}/vnetdiag-$(id -u)"
  dir="$base/$stamp"
  if [ ! -x "$dir/bin/vnetdiag" ]; then
    mkdir -p "$base" && chmod 700 "$base" || exit 3
    if [ -L "$base" ] || [ ! -O "$base" ]; then
      echo "vnetdiag.sh: $base is not a directory of ours: set TMPDIR to a private directory" >&2
      exit 3
    fi
    rm -rf "$dir.new" && mkdir -p "$dir.new" && cp -R "$here/bin" "$here/lib" "$dir.new/" &&
      chmod 755 "$dir.new/bin/vnetdiag" && rm -rf "$dir" && mv "$dir.new" "$dir" || {
      echo "vnetdiag.sh: cannot copy the bundle to $dir" >&2
      exit 3
    }
  fi
  say "$dir/bin/vnetdiag (a copy)"
  exec "$dir/bin/vnetdiag" "$@"
fi
echo "vnetdiag.sh: cannot run $bin here (VNETDIAG_LAUNCH=${VNETDIAG_LAUNCH:-})" >&2
exit 3
