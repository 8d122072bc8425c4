#!/bin/sh
# bindings/python installs with pip from the tree, offline, with Debian's
# python3-pip, python3-setuptools and python3-wheel only, and what it
# installs works: pip builds a copy of the tree (a build writes build/ and
# *.egg-info next to pyproject.toml) into a --target directory, and a fresh
# interpreter imports amplink from there and calls the library.
set -eu
python=${1:?usage: install-check.sh PYTHON3 SOURCE-DIR LIBAMPLINK}
src=${2:?usage: install-check.sh PYTHON3 SOURCE-DIR LIBAMPLINK}
lib=${3:?usage: install-check.sh PYTHON3 SOURCE-DIR LIBAMPLINK}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cp -R "$src" "$dir/src"
rm -rf "$dir/src/build" "$dir/src"/*.egg-info
# No index, no build isolation: nothing is downloaded.
PIP_NO_INPUT=1 "$python" -m pip install --disable-pip-version-check --no-index --no-deps \
	--no-build-isolation --target "$dir/site" "$dir/src"
ls "$dir/site" "$dir/site/amplink"
cd "$dir"
PYTHONPATH="$dir/site" AMPLINK_LIBRARY="$lib" "$python" -B -c '
import os, sys, amplink
where = os.path.dirname(amplink.__file__)
assert where == os.path.join(sys.argv[1], "amplink"), where
assert amplink.crc32(b"123456789") == 0xCBF43926
try:
    amplink.Client("test-echo", transport="tty", device="/nonexistent/ttyRPMSG0")
except OSError as e:
    print("no device:", e)
print("installed amplink", amplink.__version__, "from", where)
' "$dir/site"
echo python-install-ok
