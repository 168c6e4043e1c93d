#!/bin/bash
# A finding id is checked by the compiler: a catalogued id compiles, a misspelt one does not.
# usage: compile_check.sh CXX REPORT_DIR
set -u
cxx=$1 report=$2 here=$(dirname "$0")
flags=(-std=c++20 -fsyntax-only -I "$report" -I /usr/include)
if ! "$cxx" "${flags[@]}" "$here/id_compiles.cpp"; then
  echo "FAIL: a catalogued id does not compile (see above)"; exit 1
fi
if "$cxx" "${flags[@]}" "$here/id_typo.cpp" 2>/tmp/id_typo.$$; then
  echo "FAIL: make_finding(\"dns.nxdomian\") compiled: ids are not checked against the catalogue"
  exit 1
fi
grep -q 'not_in_the_catalogue' /tmp/id_typo.$$ || { cat /tmp/id_typo.$$; echo "FAIL: the error does not name the catalogue"; exit 1; }
rm -f /tmp/id_typo.$$
echo "ok: catalogued id compiles, misspelt id is a compile error naming the catalogue"
