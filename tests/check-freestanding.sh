#!/usr/bin/env bash
# The rpmsg core must run on a bare Cortex-M4: it may import nothing from
# libc beyond string.h. Lists the undefined symbols of its archives (the
# core, and the driver role that builds on it) and fails on anything else.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: check-freestanding.sh LIBRARY.a..." >&2; exit 2; }
allowed='^(memcpy|memmove|memset|memcmp|memchr|strlen|strnlen|strcmp|strncmp)$'

# Symbols defined inside the archive are fine when another member uses them.
defined=$(nm --defined-only "$@" | awk 'NF == 3 { print $3 }' | sort -u)
undefined=$(nm --undefined-only "$@" | awk '$1 == "U" { print $2 }' | sort -u)
bad=$(comm -23 <(echo "$undefined") <(echo "$defined") | grep -Ev "$allowed" || true)
if [ -n "$bad" ]; then
	echo "the rpmsg core imports symbols a freestanding build cannot provide:" >&2
	echo "$bad" >&2
	exit 1
fi
echo "freestanding: imports only $(comm -23 <(echo "$undefined") <(echo "$defined") | tr '\n' ' ')"
