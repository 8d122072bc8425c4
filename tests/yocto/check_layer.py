#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks yocto/meta-amplink without bitbake (none is installed here).

What it checks, and how:
  syntax     every .bb, .bbappend, .inc and .conf of the layer is read by a
             strict parser for the subset of the BitBake format the layer
             uses (assignments with = ?= ??= := += =+ .= =. and flags,
             ':' overrides, inherit, require/include, shell and python
             functions, line continuations); anything else is an error, as
             is the old '_' override syntax bitbake no longer accepts.
             Shell function bodies go through `sh -n`, python ones and
             inline ${@...} expressions through Python's compiler.
  licences   every LIC_FILES_CHKSUM entry's md5 (over beginline..endline
             when given) against the file in the tree, and every LICENSE
             name against a text in LICENSES/ that LIC_FILES_CHKSUM names.
  packaging  amplink: the library-only tree is configured with the recipe's
             own EXTRA_OECMAKE (Yocto's paths expanded, without and with
             usrmerge) and the install directories the cmake class
             passes, built and installed with
             `cmake --install` into a temporary DESTDIR; every FILES entry
             must match something installed and every installed file must
             land in a package (bitbake's installed-vs-shipped check), with
             bitbake.conf's default FILES where a recipe sets none.
             amplink-fw-m4: what its do_install installs must be the image
             the M4 build produces, at the path the project's own install
             step gives it (the host build installed into a DESTDIR); then
             its do_configure, do_compile and do_install run (Debian's
             arm-none-eabi-gcc for the toolchain, temporary ${B} and ${D})
             and must install exactly that, an image amplink-elfcheck
             accepts.
             rpmsg-netlink: the make target and variables it uses exist in
             kernel/Makefile; then the module is built and installed with
             the recipe's make arguments and the module class's (MODLIB
             under a DESTDIR) against the ARM tree of `make cross-kernel`,
             in a copy of the sources, and KERNEL_MODULE_AUTOLOAD and the
             kernel-module-* RPROVIDES must name the .ko it installs. The
             packagegroup names only packages the layer's recipes make.
  commands   amplink's AMPLINK_* build options are exactly those of the
             armhf cross build (tests/cross/armhf-library.sh); any other -D
             names a cache variable the project defines. The firmware
             recipe configures the directory and toolchain file the host
             build's m4-build.cmake does.

With --self-test it then reads a recipe with every construct the parser
accepts (the values must be those bitbake gives) and invalid ones, and runs
the checks on broken copies of the layer (wrong md5, a packaged file nothing
installs, syntax errors, ...); it fails unless each is rejected with the
expected complaint.
"""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap

# Yocto's path variables as bitbake.conf (scarthgap) sets them for a target
# without usrmerge, plus the few others the recipes use.
YOCTO_PATHS = {
    "base_prefix": "",
    "prefix": "/usr",
    "exec_prefix": "/usr",
    "base_bindir": "/bin",
    "base_sbindir": "/sbin",
    "base_libdir": "/lib",
    "nonarch_base_libdir": "/lib",
    "bindir": "/usr/bin",
    "sbindir": "/usr/sbin",
    "libdir": "/usr/lib",
    "nonarch_libdir": "/usr/lib",
    "libexecdir": "/usr/libexec",
    "includedir": "/usr/include",
    "datadir": "/usr/share",
    "docdir": "/usr/share/doc",
    "mandir": "/usr/share/man",
    "infodir": "/usr/share/info",
    "sysconfdir": "/etc",
    "localstatedir": "/var",
    "sharedstatedir": "/com",
    "systemd_unitdir": "/lib/systemd",
    "systemd_system_unitdir": "/lib/systemd/system",
    "SOLIBS": ".so.*",
    "SOLIBSDEV": ".so",
    "D": "",
}
# The same with usrmerge in DISTRO_FEATURES (root_prefix = /usr), as
# OpenSTLinux and many distros configure it.
USRMERGE_PATHS = dict(YOCTO_PATHS, base_bindir="/usr/bin", base_sbindir="/usr/sbin",
                      base_libdir="/usr/lib", nonarch_base_libdir="/usr/lib",
                      systemd_unitdir="/usr/lib/systemd",
                      systemd_system_unitdir="/usr/lib/systemd/system")
LAYOUTS = {"": YOCTO_PATHS, " (usrmerge)": USRMERGE_PATHS}
# What cmake.bbclass passes for these directories (relative to the prefix
# where it passes them so): GNUInstallDirs would otherwise pick Debian's
# multiarch lib/x86_64-linux-gnu for a /usr prefix.
CMAKE_CLASS_DIRS = [
    "-DCMAKE_INSTALL_PREFIX:PATH=/usr",
    "-DCMAKE_INSTALL_BINDIR:PATH=bin",
    "-DCMAKE_INSTALL_SBINDIR:PATH=sbin",
    "-DCMAKE_INSTALL_LIBEXECDIR:PATH=libexec",
    "-DCMAKE_INSTALL_SYSCONFDIR:PATH=/etc",
    "-DCMAKE_INSTALL_SHAREDSTATEDIR:PATH=../com",
    "-DCMAKE_INSTALL_LOCALSTATEDIR:PATH=/var",
    "-DCMAKE_INSTALL_LIBDIR:PATH=lib",
    "-DCMAKE_INSTALL_INCLUDEDIR:PATH=include",
    "-DCMAKE_INSTALL_DATAROOTDIR:PATH=share",
]
# bitbake.conf's packages and their default FILES (the entries that can
# matter here; -src, -dbg and -locale get nothing from a plain install).
DEFAULT_PACKAGES = ("${PN}-src ${PN}-dbg ${PN}-staticdev ${PN}-dev ${PN}-doc ${PN}-locale "
                    "${PACKAGE_BEFORE_PN} ${PN}")
DEFAULT_FILES = {
    "${PN}": "${bindir}/* ${sbindir}/* ${libexecdir}/* ${libdir}/lib*${SOLIBS} ${sysconfdir} "
    "${sharedstatedir} ${localstatedir} ${base_bindir}/* ${base_sbindir}/* "
    "${base_libdir}/*${SOLIBS} ${base_prefix}/lib/udev ${prefix}/lib/udev ${base_libdir}/udev "
    "${libdir}/udev ${datadir}/${BPN} ${libdir}/${BPN}/*",
    "${PN}-dev": "${includedir} ${base_libdir}/lib*${SOLIBSDEV} ${libdir}/lib*${SOLIBSDEV} "
    "${libdir}/*.la ${libdir}/*.o ${libdir}/pkgconfig ${datadir}/pkgconfig ${datadir}/aclocal "
    "${base_libdir}/*.o ${libdir}/cmake ${datadir}/cmake",
    "${PN}-staticdev": "${libdir}/*.a ${base_libdir}/*.a ${libdir}/${BPN}/*.a",
    "${PN}-doc": "${docdir} ${mandir} ${infodir} ${datadir}/gtk-doc ${datadir}/gnome/help",
    "${PN}-dbg": "/usr/lib/debug /usr/src/debug",
    "${PN}-src": "",
    "${PN}-locale": "",
}
# The build-selection options of the root CMakeLists.txt: these must match
# the armhf cross build's exactly.
OPTION_RE = re.compile(r"^\s*option\((AMPLINK_\w+)", re.M)
CACHE_RE = re.compile(r"^\s*set\((\w+)\s+.*\bCACHE\b", re.M)


class LayerError(Exception):
    pass


# --- the parser ------------------------------------------------------------

NAME = r"[A-Za-z_][A-Za-z0-9_\-+.${}/~]*"
OVERRIDE = r"(?::[A-Za-z0-9_\-+.${}/~]+)*"
ASSIGN_RE = re.compile(
    r"^(?P<export>export\s+)?(?P<var>" + NAME + OVERRIDE + r")"
    r"(?:\[(?P<flag>[A-Za-z0-9_\-+.]+)\])?"
    r"\s*(?P<op>\?\?=|\?=|:=|\+=|=\+|\.=|=\.|=)\s*"
    r"(?P<q>[\"'])(?P<val>.*)(?P=q)$")
INHERIT_RE = re.compile(r"^(?:inherit|inherit_defer)\s+([A-Za-z0-9_\-${}. ]+)$")
INCLUDE_RE = re.compile(r"^(require|include)\s+(\S+)$")
FUNC_RE = re.compile(
    r"^(?P<python>python\s+)?(?P<fakeroot>fakeroot\s+)?(?P<name>[A-Za-z0-9_\-${}.:+]*)"
    r"\s*\(\s*\)\s*\{$")
OLD_OVERRIDE_RE = re.compile(r"_(append|prepend|remove)(_|$)|_\$\{PN\}")


def check_expansions(value, where):
    """${...} balanced; ${@...} a Python expression."""
    i = 0
    while True:
        i = value.find("${", i)
        if i < 0:
            return
        depth, j = 0, i
        while j < len(value):
            if value.startswith("${", j):
                depth += 1
                j += 2
                continue
            if value[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if depth != 0:
            raise LayerError(f"{where}: unbalanced '${{' in {value!r}")
        inner = value[i + 2:j]
        if inner.startswith("@"):
            try:
                compile(inner[1:], where, "eval")
            except SyntaxError as e:
                raise LayerError(f"{where}: inline python does not compile: {e.msg}")
        elif not re.match(r"^[A-Za-z0-9_\-+.:${}/~]+$", inner):
            raise LayerError(f"{where}: not a variable reference: ${{{inner}}}")
        i = j + 1


def parse_file(path, conf=False):
    """Returns the statements of one file, or raises LayerError."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    stmts = []
    n = 0
    while n < len(lines):
        start = n + 1
        where = f"{path}:{start}"
        line = lines[n].rstrip()
        n += 1
        if not line.strip():
            continue
        if line.lstrip().startswith("#"):
            if line.endswith("\\"):
                raise LayerError(f"{where}: a comment ending in '\\' continues onto the next line")
            continue
        # A logical line: physical ones ending in '\' are joined (the
        # backslash dropped), as bitbake does; a comment inside is fatal.
        while line.endswith("\\"):
            if n >= len(lines):
                raise LayerError(f"{where}: the file ends inside a continued line")
            nxt = lines[n].rstrip()
            n += 1
            if nxt.lstrip().startswith("#"):
                raise LayerError(f"{path}:{n}: a comment in the middle of a continued line")
            line = line[:-1] + nxt
        m = FUNC_RE.match(line)
        if m:
            if conf:
                raise LayerError(f"{where}: functions are not allowed in a .conf file")
            body = []
            while True:
                if n >= len(lines):
                    raise LayerError(f"{where}: function '{m.group('name')}' has no closing '}}'")
                raw = lines[n]
                n += 1
                if raw.rstrip() == "}":
                    break
                body.append(raw)
            text = "\n".join(body) + "\n"
            if m.group("python"):
                try:
                    compile(textwrap.dedent(text), where, "exec")
                except SyntaxError as e:
                    raise LayerError(f"{where}: python function does not compile: {e.msg}")
            else:
                if not m.group("name"):
                    raise LayerError(f"{where}: a shell function needs a name")
                # Inline python cannot be parsed by sh: a placeholder.
                shell = re.sub(r"\$\{@[^}]*\}", "x", text)
                r = subprocess.run(["sh", "-n"], input=shell, text=True, capture_output=True)
                if r.returncode != 0:
                    raise LayerError(f"{where}: shell function '{m.group('name')}': "
                                     f"{r.stderr.strip()}")
                check_expansions(text, where)
            stmts.append(("func", m.group("name"), text, bool(m.group("python")), where))
            continue
        m = ASSIGN_RE.match(line)
        if m:
            var, val, q = m.group("var"), m.group("val"), m.group("q")
            if OLD_OVERRIDE_RE.search(var):
                raise LayerError(f"{where}: '{var}' uses the old '_' override syntax "
                                 "(bitbake since honister wants ':')")
            if q in val.replace("\\" + q, ""):
                raise LayerError(f"{where}: unescaped {q} inside the value of {var}")
            check_expansions(val, where)
            stmts.append(("assign", var, m.group("flag"), m.group("op"), val, where))
            continue
        m = INHERIT_RE.match(line)
        if m:
            stmts.append(("inherit", m.group(1).split(), where))
            continue
        m = INCLUDE_RE.match(line)
        if m:
            stmts.append((m.group(1), m.group(2), where))
            continue
        raise LayerError(f"{where}: not BitBake syntax this checker accepts: {line!r}")
    return stmts


# --- evaluation ------------------------------------------------------------

class Recipe:
    """A recipe's variables after its statements (and required files) ran:
    unconditional values, ':append'/':prepend'/':remove' applied; other
    overrides kept as names of their own (FILES:amplink-dev)."""

    def __init__(self, path, layer):
        self.path = path
        self.layer = layer
        base = os.path.basename(path)
        self.pn = base.split("_")[0] if "_" in base else os.path.splitext(base)[0]
        self.vars = {}
        self.weak = {}
        self.appends = []
        self.funcs = {}
        self.inherits = []
        self.files_read = []
        self.paths = YOCTO_PATHS
        self.run(path)
        for k, v in self.weak.items():
            self.vars.setdefault(k, v)

    def resolve(self, name, where):
        for base in (os.path.dirname(self.path), self.layer):
            p = os.path.join(base, name)
            if os.path.isfile(p):
                return p
        raise LayerError(f"{where}: cannot find '{name}' (searched the recipe's directory "
                         "and the layer, as BBPATH would)")

    def run(self, path):
        self.files_read.append(path)
        for st in parse_file(path):
            kind = st[0]
            if kind == "require":
                self.run(self.resolve(self.expand(st[1]), st[2]))
            elif kind == "include":
                # bitbake's include, unlike require, skips a file it cannot find.
                try:
                    path = self.resolve(self.expand(st[1]), st[2])
                except LayerError:
                    continue
                self.run(path)
            elif kind == "inherit":
                self.inherits += st[1]
            elif kind == "func":
                self.funcs[self.expand_name(st[1])] = st[2]
            else:
                _, var, flag, op, val, where = st
                if flag:
                    continue
                self.assign(self.expand_name(var), op, val)

    def expand_name(self, var):
        return var.replace("${PN}", self.pn).replace("${BPN}", self.pn)

    def assign(self, var, op, val):
        parts = var.split(":")
        if parts[-1] in ("append", "prepend", "remove"):
            self.appends.append((":".join(parts[:-1]), parts[-1], val))
            return
        cur = self.vars.get(var)
        if op == "=":
            self.vars[var] = val
        elif op == "?=":
            self.vars.setdefault(var, val)
        elif op == "??=":
            self.weak[var] = val
        elif op == ":=":
            self.vars[var] = self.expand(val)
        elif op == "+=":
            self.vars[var] = val if cur is None else cur + " " + val
        elif op == "=+":
            self.vars[var] = val if cur is None else val + " " + cur
        elif op == ".=":
            self.vars[var] = (cur or "") + val
        elif op == "=.":
            self.vars[var] = val + (cur or "")

    def raw(self, var):
        v = self.vars.get(var)
        for name, how, val in self.appends:
            if name != var:
                continue
            if how == "append":
                v = (v or "") + val
            elif how == "prepend":
                v = val + (v or "")
            elif v is not None:
                rm = set(self.expand(val).split())
                v = " ".join(w for w in self.expand(v).split() if w not in rm)
        return v

    def get(self, var, default=None):
        v = self.raw(var)
        return default if v is None else self.expand(v)

    def expand(self, value, depth=0):
        if depth > 20:
            raise LayerError(f"{self.path}: recursive expansion of {value!r}")

        def sub(m):
            name = m.group(1)
            if name in ("PN", "BPN"):
                return self.pn
            if name in self.vars:
                return self.expand(self.raw(name), depth + 1)
            if name in self.paths:
                return self.paths[name]
            return m.group(0)
        return re.sub(r"\$\{([A-Za-z0-9_\-+.:]+)\}", sub, value)


# --- the checks --------------------------------------------------------------

def md5_of(path, begin, end):
    """As oe-core's license checksum: lines begin..end (1-based, inclusive,
    newlines kept) or the whole file."""
    with open(path, "rb") as f:
        lines = f.readlines()
    if begin or end:
        lines = lines[(begin or 1) - 1:end or None]
    return hashlib.md5(b"".join(lines)).hexdigest()


def check_licences(r, src, errors):
    lic = r.get("LIC_FILES_CHKSUM", "")
    if not lic.strip():
        if r.get("SRC_URI"):
            errors.append(f"{r.path}: fetches sources but has no LIC_FILES_CHKSUM")
        return
    named = set()
    for entry in lic.split():
        if not entry.startswith("file://"):
            errors.append(f"{r.path}: LIC_FILES_CHKSUM entry not file://: {entry}")
            continue
        fields = entry[len("file://"):].split(";")
        rel, params = fields[0], dict(p.split("=", 1) for p in fields[1:] if "=" in p)
        named.add(os.path.normpath(rel))
        path = os.path.join(src, rel)
        if not os.path.isfile(path):
            errors.append(f"{r.path}: LIC_FILES_CHKSUM names {rel}, which is not in the tree")
            continue
        if "md5" not in params:
            errors.append(f"{r.path}: LIC_FILES_CHKSUM entry {rel} has no md5")
            continue
        got = md5_of(path, int(params.get("beginline", 0)), int(params.get("endline", 0)))
        span = ""
        if "beginline" in params or "endline" in params:
            span = f" lines {params.get('beginline', '1')}-{params.get('endline', 'end')}"
        if got != params["md5"]:
            errors.append(f"{r.path}: LIC_FILES_CHKSUM md5 of {rel}{span} is {got}, "
                          f"the recipe says {params['md5']}")
    for name in re.findall(r"[A-Za-z0-9.+_\-]+", r.get("LICENSE", "")):
        text = re.sub(r"-(only|or-later)$", "", name)
        if os.path.normpath(f"LICENSES/{text}") not in named:
            errors.append(f"{r.path}: LICENSE names {name} but LIC_FILES_CHKSUM does not "
                          f"check LICENSES/{text}")


# The sources each recipe builds or installs, whose SPDX-License-Identifier
# lines its LICENSE must cover.
RECIPE_SOURCES = {
    "amplink": ["lib", "tools", "include", "packaging", "firmware/sdk/frame_stream.c",
                "firmware/ports/stm32mp1/amplink-fw", "CMakeLists.txt"],
    "rpmsg-netlink": ["kernel", "include/uapi", "include/amplink/bulk.h",
                      "firmware/sdk/bulk_pool.c", "firmware/include/amp/bulk_pool.h"],
    "amplink-fw-m4": ["firmware/sdk", "firmware/services", "firmware/include",
                      "firmware/ports/stm32mp1", "rpmsg/src", "rpmsg/include", "include",
                      "cmake/arm-none-eabi.cmake"],
}
# SPDX's deprecated short forms, as the sources use them, and Yocto's names.
SPDX_TO_YOCTO = {"GPL-2.0": "GPL-2.0-only", "GPL-2.0+": "GPL-2.0-or-later"}


def spdx_of(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        head = "".join(f.readline() for _ in range(5))
    m = re.search(r"SPDX-License-Identifier:\s*(.+?)\s*(\*/)?$", head, re.M)
    return m.group(1) if m else None


def check_spdx(r, src, errors):
    """Each source's identifier must have one alternative (of an OR) whose
    licence (a WITH exception aside) the recipe's LICENSE names."""
    names = set(re.findall(r"[A-Za-z0-9.+_\-]+", r.get("LICENSE", "")))
    paths = []
    for rel in RECIPE_SOURCES.get(r.pn, []):
        p = os.path.join(src, rel)
        if os.path.isfile(p):
            paths.append(p)
        for top, dirs, files in os.walk(p):
            paths += [os.path.join(top, f) for f in files]
    for p in sorted(paths):
        ident = spdx_of(p)
        if ident is None:
            continue
        alternatives = [a.strip(" ()").split(" WITH ")[0].strip(" ()")
                        for a in re.split(r"\bOR\b", ident)]
        if not any(SPDX_TO_YOCTO.get(a, a) in names for a in alternatives):
            errors.append(f"{r.path}: LICENSE '{r.get('LICENSE')}' does not cover "
                          f"{os.path.relpath(p, src)} ({ident})")


def pattern_re(pattern):
    """A FILES entry as bitbake globs it in ${D}: '*' stays within one path
    component; a match that is a directory takes everything below it."""
    out = ""
    for ch in pattern:
        out += {"*": "[^/]*", "?": "[^/]", "[": "[", "]": "]"}.get(ch, re.escape(ch))
    return re.compile(out + "(/.*)?$")


def packages_of(r):
    pkgs = r.get("PACKAGES") or DEFAULT_PACKAGES.replace("${PN}", r.pn)
    return r.expand(pkgs).replace("${PACKAGE_BEFORE_PN}", "").split()


def files_of(r, pkg):
    explicit = r.get(f"FILES:{pkg}")
    if explicit is not None:
        return explicit.split(), True
    generic = "${PN}" + pkg[len(r.pn):] if pkg.startswith(r.pn) else None
    return r.expand(DEFAULT_FILES.get(generic, "").replace("${BPN}", r.pn)).split(), False


def check_packaging(r, installed, what, errors):
    """installed: the set of paths (files and symbolic links) under ${D}."""
    owner = {}
    for pkg in packages_of(r):
        entries, explicit = files_of(r, pkg)
        for e in entries:
            if "${" in e:
                errors.append(f"{r.path}: FILES:{pkg} entry {e} has a variable this checker "
                              "does not know")
                continue
            rx = pattern_re(e)
            hits = [p for p in installed if rx.match(p)]
            if explicit and not hits:
                errors.append(f"{r.path}: FILES:{pkg} packages {e}, which {what} does not produce")
            for p in hits:
                owner.setdefault(p, pkg)
    for p in sorted(installed):
        if p not in owner:
            errors.append(f"{r.path}: {what} installs {p}, which no package ships "
                          "(bitbake: installed-vs-shipped)")
    for pkg in packages_of(r):
        for unit in (r.get(f"SYSTEMD_SERVICE:{pkg}") or "").split():
            path = r.paths["systemd_system_unitdir"] + "/" + unit
            if owner.get(path) != pkg:
                errors.append(f"{r.path}: SYSTEMD_SERVICE:{pkg} names {unit}, which {pkg} "
                              "does not ship")
    return owner


def cmake_defines(words):
    return {m.group(1): m.group(2) for m in (re.match(r"^-D([A-Za-z_]\w*)(?::\w+)?=(.*)$", w)
                                             for w in words) if m}


def cross_build_options(src):
    """The -DAMPLINK_* of the cmake command in tests/cross/armhf-library.sh."""
    path = os.path.join(src, "tests/cross/armhf-library.sh")
    text = open(path, encoding="utf-8").read().replace("\\\n", " ")
    cmds = [l for l in text.split("\n") if re.match(r"^\s*cmake\s+-S\b", l)]
    if len(cmds) != 1:
        raise LayerError(f"{path}: expected one 'cmake -S' configure command, found {len(cmds)}")
    opts = {k: v for k, v in cmake_defines(cmds[0].split()).items() if k.startswith("AMPLINK_")}
    if not opts:
        raise LayerError(f"{path}: no -DAMPLINK_* options in its cmake command")
    return opts


def project_variables(src):
    options, cache = set(), set()
    for top, dirs, files in os.walk(src):
        rel = os.path.relpath(top, src)
        if rel.startswith(("tests", "build", ".git", "yocto")) and rel != ".":
            dirs[:] = []
            continue
        for f in files:
            if f == "CMakeLists.txt" or f.endswith(".cmake"):
                text = open(os.path.join(top, f), encoding="utf-8").read()
                options |= set(OPTION_RE.findall(text)) if rel == "." else set()
                cache |= set(CACHE_RE.findall(text)) | set(OPTION_RE.findall(text))
    return options, cache


def check_cmake_options(r, src, errors):
    words = r.get("EXTRA_OECMAKE", "").split()
    defines = cmake_defines(words)
    for w in words:
        if not w.startswith("-D"):
            errors.append(f"{r.path}: EXTRA_OECMAKE has {w!r}, not a -D option")
    try:
        cross = cross_build_options(src)
    except LayerError as e:
        errors.append(str(e))
        return defines
    options, cache = project_variables(src)
    ours = {k: v for k, v in defines.items() if k in options}
    if ours != cross:
        for k in sorted(set(ours) | set(cross)):
            if ours.get(k) != cross.get(k):
                errors.append(f"{r.path}: EXTRA_OECMAKE has {k}={ours.get(k, '(unset)')}, "
                              f"the armhf cross build {k}={cross.get(k, '(unset)')}")
    for k in defines:
        if k not in options and k not in cache:
            errors.append(f"{r.path}: EXTRA_OECMAKE sets {k}, which the project does not define")
    return defines


def run(cmd, log, **kw):
    """Runs cmd with its output in log; on failure the error quotes the
    log's last lines (the whole log stays in the work directory)."""
    with open(log, "w") as f:
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, **kw)
    if r.returncode != 0:
        tail = "".join(open(log, errors="replace").readlines()[-8:])
        raise LayerError(f"'{' '.join(cmd)[:80]}' failed (log: {log}):\n{tail}")


def list_tree(root):
    out = set()
    for top, dirs, files in os.walk(root):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            out.add("/" + os.path.relpath(os.path.join(top, name), root))
    return out


def library_install(r, src, work, cc, name):
    """The library-only tree configured as the recipe configures it, built
    and installed into a DESTDIR: the set of installed paths."""
    build, root = os.path.join(work, "lib-build"), os.path.join(work, "lib-root-" + name)
    # A fresh configure (no option left over from an earlier run) over the
    # objects of the earlier one: the self-test's variants rebuild nothing.
    if os.path.exists(os.path.join(build, "CMakeCache.txt")):
        os.remove(os.path.join(build, "CMakeCache.txt"))
    shutil.rmtree(root, ignore_errors=True)
    env = dict(os.environ, CC=cc)
    run(["cmake", "-S", src, "-B", build, "-DCMAKE_BUILD_TYPE=Release"] + CMAKE_CLASS_DIRS +
        r.get("EXTRA_OECMAKE", "").split(), os.path.join(work, "lib-configure.log"), env=env)
    run(["cmake", "--build", build, "-j", "2"], os.path.join(work, "lib-build.log"))
    run(["cmake", "--install", build], os.path.join(work, "lib-install.log"),
        env=dict(os.environ, DESTDIR=root))
    return root, list_tree(root)


def host_install(build, work):
    """The full (default) build installed into a DESTDIR with a /usr
    prefix: where the project puts the M4 image."""
    root = os.path.join(work, "host-root")
    shutil.rmtree(root, ignore_errors=True)
    run(["cmake", "--install", build, "--prefix", "/usr"], os.path.join(work, "host-install.log"),
        env=dict(os.environ, DESTDIR=root))
    return list_tree(root)


def do_install_files(r, errors):
    """(source, destination) of each `install` of a file in do_install."""
    body = r.funcs.get("do_install", "")
    out = []
    for line in body.replace("\\\n", " ").split("\n"):
        w = line.split()
        if not w or w[0] != "install":
            continue
        args = [a for a in w[1:] if not a.startswith("-")]
        if "-d" in w[1:]:
            continue
        if "-m" in w:
            args.remove(w[w.index("-m") + 1])
        if len(args) != 2:
            errors.append(f"{r.path}: do_install: cannot read '{line.strip()}'")
            continue
        s, d = (r.expand(a) for a in args)
        if not d.startswith("${D}") and not d.startswith("/"):
            errors.append(f"{r.path}: do_install installs outside ${{D}}: {d}")
        out.append((s, d.replace("${D}", "")))
    return out


def run_tasks(r, tasks, overlay, log, errors):
    """Runs shell tasks as bitbake would (their ${VAR}s expanded first, then
    sh -e), with the variables in overlay standing for bitbake's."""
    saved = dict(r.vars)
    r.vars.update(overlay)
    try:
        for task in tasks:
            body = r.expand(r.funcs.get(task, ""))
            left = sorted(set(re.findall(r"\$\{([A-Za-z_]\w*)\}", body)))
            if left:
                errors.append(f"{r.path}: {task} uses {', '.join(left)}, which the checker "
                              "cannot set")
                return False
            try:
                run(["sh", "-e", "-c", body], f"{log}-{task}.log")
            except LayerError as e:
                errors.append(f"{r.path}: {task} failed: {e}")
                return False
    finally:
        r.vars = saved
    return True


def firmware_tasks(r, src, ctx, errors):
    """The recipe's do_configure and do_compile (once) and do_install, with
    Debian's arm-none-eabi-gcc for the toolchain, ${S} the tree, ${B} and
    ${D} temporary: the paths do_install really installs, or None."""
    gcc = shutil.which("arm-none-eabi-gcc")
    if not gcc:
        errors.append("arm-none-eabi-gcc not found; run 'make deps' (or scripts/install-deps.sh)")
        return None
    work = ctx["work"]
    # One build directory per variant of the build tasks (the self-test's).
    key = (r.funcs.get("do_configure"), r.funcs.get("do_compile"))
    builds = ctx.setdefault("m4", {})
    fresh = key not in builds
    if fresh:
        builds[key] = os.path.join(work, f"m4-build-{len(builds)}")
    overlay = {"S": src, "B": builds[key], "D": os.path.join(work, "m4-root"),
               "WORKDIR": work, "AMPLINK_M4_TOOLCHAIN_BINDIR": os.path.dirname(gcc),
               "PARALLEL_MAKE": "-j 2"}
    if fresh:
        os.makedirs(overlay["B"])
        if not run_tasks(r, ["do_configure", "do_compile"], overlay,
                         os.path.join(work, "m4"), errors):
            return None
    shutil.rmtree(overlay["D"], ignore_errors=True)
    os.makedirs(overlay["D"])
    if not run_tasks(r, ["do_install"], overlay, os.path.join(work, "m4"), errors):
        return None
    installed = list_tree(overlay["D"])
    # The image as remoteproc will load it, with the library build's tool.
    elfcheck = os.path.join(work, "lib-build/tools/elfcheck/amplink-elfcheck")
    for p in sorted(installed):
        if p.endswith(".elf") and os.access(elfcheck, os.X_OK):
            r2 = subprocess.run([elfcheck, overlay["D"] + p], capture_output=True, text=True)
            if r2.returncode != 0:
                errors.append(f"{r.path}: amplink-elfcheck rejects the image it installs ({p}): "
                              f"{(r2.stdout + r2.stderr).strip()[-500:]}")
            else:
                ctx["m4-elfcheck"] = (p, r2.stdout.strip().splitlines()[-1:])
    return installed


def check_firmware(r, src, build, host_files, ctx, errors):
    first = len(errors)
    m4 = open(os.path.join(src, "firmware/ports/stm32mp1/m4-build.cmake"), encoding="utf-8").read()
    sdir = re.search(r'SOURCE_DIR\s+"\$\{PROJECT_SOURCE_DIR\}/([^"]+)"', m4)
    tc = re.search(r'CMAKE_TOOLCHAIN_FILE=\$\{PROJECT_SOURCE_DIR\}/([^"]+)"', m4)
    elf = re.search(r'AMPLINK_M4_FW_ELF\s+"\$\{AMPLINK_M4_BINARY_DIR\}/([^"]+)"', m4)
    if not (sdir and tc and elf):
        errors.append("firmware/ports/stm32mp1/m4-build.cmake: cannot find the M4 build's "
                      "source directory, toolchain file or image name")
        return
    conf = r.expand(r.funcs.get("do_configure", ""))
    for want, what in ((f"-S {r.get('S')}/{sdir.group(1)}", "source directory"),
                       (f"-DCMAKE_TOOLCHAIN_FILE={r.get('S')}/{tc.group(1)}", "toolchain file")):
        if want not in " ".join(conf.split()):
            errors.append(f"{r.path}: do_configure does not configure the M4 build's {what} "
                          f"as m4-build.cmake does ({want})")
    installed = set()
    for s, d in do_install_files(r, errors):
        b = r.get("B")
        if not s.startswith(b + "/") or s[len(b) + 1:] != elf.group(1):
            errors.append(f"{r.path}: do_install installs {s}; the M4 build produces "
                          f"${{B}}/{elf.group(1)}")
        elif not os.path.isfile(os.path.join(build, "firmware-m4", elf.group(1))):
            errors.append(f"{build}/firmware-m4 has no {elf.group(1)} (is the M4 image built?)")
        if d not in host_files:
            theirs = ", ".join(sorted(p for p in host_files if "firmware/" in p)) or "nowhere"
            errors.append(f"{r.path}: do_install puts the image at {d}; the project's install "
                          f"step puts it at {theirs}")
        installed.add(d)
    if not installed:
        errors.append(f"{r.path}: do_install installs no file")
        return
    check_packaging(r, installed, "do_install", errors)
    if len(errors) != first:
        # Not the recipe the checks above want: not worth a build.
        return
    real = firmware_tasks(r, src, ctx, errors)
    if real is None:
        return
    if real != installed:
        errors.append(f"{r.path}: running do_install installed {', '.join(sorted(real))}, "
                      f"not {', '.join(sorted(installed))}")
    ctx["m4-report"] = sorted(real)


def check_module(r, src, errors):
    oemake = r.get("EXTRA_OEMAKE", "").split()
    kdir = os.path.join(src, "kernel")
    if "-C" not in oemake or oemake[oemake.index("-C") + 1] != r.get("S") + "/kernel":
        errors.append(f"{r.path}: EXTRA_OEMAKE does not run make in ${{S}}/kernel")
    makefile = open(os.path.join(kdir, "Makefile"), encoding="utf-8").read()
    target = r.get("MODULES_INSTALL_TARGET", "modules_install")
    if not re.search(rf"^{re.escape(target)}:", makefile, re.M):
        errors.append(f"{r.path}: MODULES_INSTALL_TARGET '{target}' is not a target of "
                      "kernel/Makefile")
    for w in oemake:
        m = re.match(r"^([A-Z_]+)=", w)
        if m and not re.search(rf"\$\({m.group(1)}\)", makefile):
            errors.append(f"{r.path}: EXTRA_OEMAKE sets {m.group(1)}, which kernel/Makefile "
                          "does not read")
    kbuild = open(os.path.join(kdir, "Kbuild"), encoding="utf-8").read()
    built = set(re.findall(r"obj-m\s*[:+]?=\s*([\w\-]+)\.o", kbuild))
    for mod in r.get("KERNEL_MODULE_AUTOLOAD", "").split():
        if mod not in built:
            errors.append(f"{r.path}: KERNEL_MODULE_AUTOLOAD names {mod}; kernel/Kbuild builds "
                          f"{', '.join(sorted(built))}")
    if "module" not in r.inherits:
        errors.append(f"{r.path}: does not inherit module")


def module_install(r, src, work, errors):
    """Builds and installs the module as the module class would run the
    recipe's make (its EXTRA_OEMAKE and MODULES_INSTALL_TARGET, the class's
    MODLIB and DEPMOD) against the ARM tree `make cross-kernel` prepares,
    in a copy of the sources (kbuild writes next to them). Returns the
    installed paths, or None."""
    try:
        tree = subprocess.run([os.path.join(src, "kernel/prepare-arm-kernel"), "--print-dir"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        errors.append(f"no ARM kernel tree to build the module against (kernel/prepare-arm-kernel:"
                      f" {e}); run 'make cross-kernel'")
        return None
    with open(os.path.join(tree, "include/config/kernel.release"), encoding="utf-8") as f:
        release = f.read().strip()
    copy, dest = os.path.join(work, "module-src"), os.path.join(work, "module-root")
    for d in (copy, dest):
        shutil.rmtree(d, ignore_errors=True)
    for d in ("kernel", "include", "firmware/include", "firmware/sdk"):
        shutil.copytree(os.path.join(src, d), os.path.join(copy, d))
    words = []
    for w in r.get("EXTRA_OEMAKE", "").split():
        w = (w.replace(r.get("S"), copy).replace("${STAGING_KERNEL_DIR}", tree)
             .replace("${ARCH}", "arm"))
        if "${" in w:
            errors.append(f"{r.path}: EXTRA_OEMAKE word {w} has a variable this checker cannot set")
            return None
        words.append(w)
    # What the module class adds; CROSS_COMPILE stands for its CC and LD.
    make = ["make"] + words + ["KERNEL_SRC=" + tree, "CROSS_COMPILE=arm-linux-gnueabihf-"]
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    run(make, os.path.join(work, "module-build.log"), env=env)
    modlib = YOCTO_PATHS["nonarch_base_libdir"] + "/modules/" + release
    run(make + ["DEPMOD=echo", "MODLIB=" + dest + modlib,
                "INSTALL_FW_PATH=" + dest + YOCTO_PATHS["nonarch_base_libdir"] + "/firmware",
                r.get("MODULES_INSTALL_TARGET", "modules_install")],
        os.path.join(work, "module-install.log"), env=env)
    return list_tree(dest)


def check_layer(layer, src, build, ctx, errors):
    """ctx caches the install trees between runs (the self-test's)."""
    conf = os.path.join(layer, "conf/layer.conf")
    try:
        stmts = parse_file(conf, conf=True)
    except LayerError as e:
        errors.append(str(e))
        stmts = []
    names = {s[1]: s[4] for s in stmts if s[0] == "assign"}
    for var in ("BBFILE_COLLECTIONS", "BBFILE_PATTERN_amplink", "LAYERSERIES_COMPAT_amplink"):
        if var not in names:
            errors.append(f"{conf}: {var} is not set")
    recipes = {}
    for top, dirs, files in sorted(os.walk(layer)):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(top, f)
            if f.endswith(".conf") and p != conf:
                try:
                    parse_file(p, conf=True)
                except LayerError as e:
                    errors.append(str(e))
            elif f.endswith((".inc", ".bbappend")):
                try:
                    parse_file(p)
                except LayerError as e:
                    errors.append(str(e))
            elif f.endswith(".bb"):
                try:
                    recipes[f] = Recipe(p, layer)
                except LayerError as e:
                    errors.append(str(e))
    for r in recipes.values():
        check_licences(r, src, errors)
        check_spdx(r, src, errors)
        for want in ("LICENSE", "SUMMARY"):
            if not r.get(want):
                errors.append(f"{r.path}: {want} is not set")

    provided = set()
    for r in recipes.values():
        provided |= set(packages_of(r)) | set(r.get(f"RPROVIDES:{r.pn}", "").split())
    expect = {"amplink": "amplink_git.bb", "firmware": "amplink-fw-m4_git.bb",
              "module": "rpmsg-netlink_git.bb", "group": "packagegroup-amplink.bb"}
    for what, f in expect.items():
        if f not in recipes:
            errors.append(f"{layer}: no {f} (or it did not parse)")

    r = recipes.get(expect["amplink"])
    if r:
        before = len(errors)
        check_cmake_options(r, src, errors)
        options_ok = len(errors) == before
        for c in ("cmake", "pkgconfig"):
            if c not in r.inherits:
                errors.append(f"{r.path}: does not inherit {c}")
    # Another tree than the recipe's would be built if the options are
    # wrong: no install to compare with then (their errors say why). Both
    # layouts: the recipe's paths must follow Yocto's variables.
    for layout, paths in LAYOUTS.items() if r and options_ok else ():
        r.paths = paths
        key = tuple(r.get("EXTRA_OECMAKE", "").split())
        if key not in ctx["lib"]:
            try:
                ctx["lib"][key] = library_install(r, src, ctx["work"], ctx["cc"],
                                                  str(len(ctx["lib"])))
            except LayerError as e:
                errors.append(str(e))
                break
        root, files = ctx["lib"][key]
        owner = check_packaging(r, files, "cmake --install" + layout, errors)
        ctx["lib-report" + layout] = owner
        unit = paths["systemd_system_unitdir"] + "/amplink-firmware.service"
        if unit in files:
            text = open(root + unit, encoding="utf-8").read()
            for exe in re.findall(r"^Exec\w*=-?(\S+)", text, re.M):
                if exe.startswith(paths["bindir"]) and owner.get(exe) is None:
                    errors.append(f"{unit} runs {exe}, which no package ships")
    if r:
        r.paths = YOCTO_PATHS
    r = recipes.get(expect["firmware"])
    if r:
        if "host-files" not in ctx:
            ctx["host-files"] = host_install(build, ctx["work"])
        check_firmware(r, src, build, ctx["host-files"], ctx, errors)
    r = recipes.get(expect["module"])
    if r:
        before = len(errors)
        check_module(r, src, errors)
        key = (r.get("EXTRA_OEMAKE"), r.get("MODULES_INSTALL_TARGET"))
        if len(errors) == before and ctx.get("module-key") != key:
            try:
                ctx["module-files"] = module_install(r, src, ctx["work"], errors)
                ctx["module-key"] = key
            except LayerError as e:
                errors.append(str(e))
        if len(errors) == before and ctx.get("module-files") is not None:
            kos = {os.path.basename(p)[:-3] for p in ctx["module-files"] if p.endswith(".ko")}
            other = [p for p in ctx["module-files"] if not p.endswith(".ko")]
            if not kos:
                errors.append(f"{r.path}: the module's install step installs no .ko")
            for p in other:
                errors.append(f"{r.path}: the module's install step installs {p}, which "
                              "kernel-module-split does not package")
            for mod in r.get("KERNEL_MODULE_AUTOLOAD", "").split():
                if mod not in kos:
                    errors.append(f"{r.path}: KERNEL_MODULE_AUTOLOAD names {mod}; the install "
                                  f"step installs {', '.join(sorted(kos))}")
            # kernel-module-split's package names: kernel-module-<name, '_' as '-'>.
            split = {"kernel-module-" + k.replace("_", "-") for k in kos}
            provided |= split
            for name in r.get(f"RPROVIDES:{r.pn}", "").split():
                if name.startswith("kernel-module-") and name not in split:
                    errors.append(f"{r.path}: RPROVIDES {name}, but the install step makes "
                                  f"{', '.join(sorted(split))}")
            ctx["module-report"] = sorted(ctx["module-files"])
    r = recipes.get(expect["group"])
    if r:
        for dep in r.get(f"RDEPENDS:{r.pn}", "").split():
            if dep not in provided:
                errors.append(f"{r.path}: RDEPENDS names {dep}, which no recipe of the layer makes")
    return recipes


# --- the self-test -----------------------------------------------------------

def edit(path, old, new):
    text = open(path, encoding="utf-8").read()
    if old not in text:
        raise LayerError(f"self-test: '{old}' not found in {path}: update the self-test")
    open(path, "w", encoding="utf-8").write(text.replace(old, new, 1))


AMP = "recipes-amplink/amplink/amplink_git.bb"
INC = "recipes-amplink/amplink/amplink-source.inc"
FW = "recipes-amplink/amplink-fw-m4/amplink-fw-m4_git.bb"
MOD = "recipes-kernel/rpmsg-netlink/rpmsg-netlink_git.bb"
GRP = "recipes-amplink/packagegroups/packagegroup-amplink.bb"
# (what is broken, file, text, replacement, a complaint that must come)
MUTANTS = [
    ("wrong md5", INC, "md5=918839fa", "md5=018839fa", "LIC_FILES_CHKSUM md5 of COPYING"),
    ("md5 over other lines", MOD, "endline=1;", "endline=2;", "lines 1-2"),
    ("licence the sources do not carry", MOD, 'LICENSE = "GPL-2.0-only & BSD-3-Clause"',
     'LICENSE = "BSD-3-Clause"', "does not cover kernel/rpnl_core.c (GPL-2.0)"),
    ("licence text not checked", AMP, "file://LICENSES/BSD-3-Clause;", "file://COPYING;",
     "does not check LICENSES/BSD-3-Clause"),
    ("packaged file nothing installs", AMP, 'FILES:${PN} = "${bindir}/amplink ',
     'FILES:${PN} = "${bindir}/amplink-monitor ${bindir}/amplink ',
     "packages /usr/bin/amplink-monitor, which cmake --install does not produce"),
    ("installed file no package ships", AMP, 'FILES:${PN}-staticdev = "${libdir}/libamplink.a"',
     'FILES:${PN}-staticdev = "${libdir}/libamplink-static.a"',
     "installs /usr/lib/libamplink.a, which no package ships"),
    ("unit in the wrong place", AMP, "-DAMPLINK_SYSTEMD_UNIT_DIR=${systemd_system_unitdir}",
     "-DAMPLINK_SYSTEMD_UNIT_DIR=${systemd_unitdir}",
     "installs /lib/systemd/amplink-firmware.service, which no package ships"),
    ("a path not following Yocto's variables", AMP,
     "${nonarch_base_libdir}/udev/rules.d/60-amplink.rules", "/lib/udev/rules.d/60-amplink.rules",
     "installs /usr/lib/udev/rules.d/60-amplink.rules, which no package ships"),
    ("build option unlike the cross build's", AMP, "-DAMPLINK_EXAMPLES=OFF",
     "-DAMPLINK_EXAMPLES=ON", "EXTRA_OECMAKE has AMPLINK_EXAMPLES=ON"),
    ("build option missing", AMP, " -DAMPLINK_SANITIZE=OFF", "",
     "EXTRA_OECMAKE has AMPLINK_SANITIZE=(unset)"),
    ("option the project lacks", AMP, "-DAMPLINK_UDEV_RULES_DIR=", "-DAMPLINK_UDEV_DIR=",
     "sets AMPLINK_UDEV_DIR, which the project does not define"),
    ("unterminated value", AMP, 'SECTION = "libs"', 'SECTION = "libs', "not BitBake syntax"),
    ("stray statement", AMP, 'SECTION = "libs"', 'SECTION = "libs"\nbuild the library',
     "not BitBake syntax"),
    ("old override syntax", AMP, "FILES:${PN}-doc", "FILES_${PN}-doc", "old '_' override"),
    ("comment inside a continuation", AMP, "-DAMPLINK_KERNEL_MODULE=OFF",
     "\\\n# no module\n -DAMPLINK_KERNEL_MODULE=OFF", "comment in the middle"),
    ("unclosed function", FW, "amplink-fw-stm32mp157.elf\n}\n", "amplink-fw-stm32mp157.elf\n\n",
     "has no closing"),
    ("shell syntax error", FW, "cmake --build ${B} ${PARALLEL_MAKE}",
     "if cmake --build ${B} ${PARALLEL_MAKE}", "shell function 'do_compile'"),
    ("firmware image the M4 build does not make", FW, "${B}/amplink-fw-stm32mp157.elf ",
     "${B}/amplink-fw.elf ", "the M4 build produces"),
    ("firmware where the project does not put it", FW,
     "${D}${nonarch_base_libdir}/firmware/amplink-fw-stm32mp157.elf\n",
     "${D}${datadir}/firmware/amplink-fw-stm32mp157.elf\n", "the project's install step puts it"),
    ("firmware build that does not make the image", FW, "cmake --build ${B} ${PARALLEL_MAKE}",
     "cmake --build ${B} ${PARALLEL_MAKE} --target amplink_m4_core", "do_install failed"),
    ("M4 toolchain unlike the host build's", FW, "=${S}/cmake/arm-none-eabi.cmake",
     "=${S}/cmake/arm-linux-gnueabihf.cmake", "toolchain file"),
    ("missing require", MOD, "require recipes-amplink/amplink/amplink-source.inc",
     "require recipes-amplink/amplink/amplink-sources.inc", "cannot find"),
    ("module install target kernel/Makefile lacks", MOD, 'MODULES_INSTALL_TARGET = "install"',
     'MODULES_INSTALL_TARGET = "modules_install"', "not a target of kernel/Makefile"),
    ("autoload of a module not built", MOD, 'KERNEL_MODULE_AUTOLOAD += "rpmsg_netlink"',
     'KERNEL_MODULE_AUTOLOAD += "rpmsg_netlinkx"', "KERNEL_MODULE_AUTOLOAD names"),
    ("module package the install step does not make", MOD,
     'RPROVIDES:${PN} += "kernel-module-rpmsg-netlink"',
     'RPROVIDES:${PN} += "kernel-module-rpmsg"', "RPROVIDES kernel-module-rpmsg,"),
    ("packagegroup naming an unknown package", GRP, "amplink-firmware-service",
     "amplink-firmware-services", "no recipe of the layer makes"),
    ("layer without series", "conf/layer.conf", "LAYERSERIES_COMPAT_amplink",
     "LAYERSERIES_COMPATIBLE_amplink", "LAYERSERIES_COMPAT_amplink is not set"),
]


# Every construct the parser accepts, in a recipe of its own (the layer
# uses only some), with the values bitbake would give; then python and
# shell bodies that must be rejected.
PARSER_RECIPE = r"""# comment
inherit cmake pkgconfig
include missing-but-optional.inc
require sub.inc
A = "a"
A += "b"
A =+ "z"
B = "m"
B .= "x"
B =. "y"
C = "set"
C ?= "default"
D ??= "weak"
E = "${A}"
E := "${A}-now"
A += "late"
F = "1 2 3"
F:append = " 4"
F:prepend = "0 "
F:remove = "2"
G[doc] = "a flag"
G = 'single "quoted"'
export H = "exported"
FILES:${PN}-extra = "${bindir}/x \
                     ${libdir}/y"
SRC_URI:append:stm32mp15common = " file://x.patch"
I = "${@d.getVar('A') or ''}"

do_install() {
	install -d ${D}${bindir}
	if [ -n "${A}" ]; then
		echo "${B}"
	fi
}

fakeroot do_deploy:append() {
	:
}

python do_check() {
    if d.getVar('A'):
        bb.note('x')
}

python () {
    d.setVar('X', '1')
}
"""
PARSER_EXPECT = {"A": "z a b late", "B": "ymx", "C": "set", "D": "weak", "E": "z a b-now",
                 "F": "0 1 3 4", "G": 'single "quoted"', "H": "exported", "SUB": "included",
                 "FILES:parsertest-extra": "/usr/bin/x                      /usr/lib/y"}
PARSER_REJECT = [
    ("python function that does not compile",
     "python do_x() {\n    if d.getVar('A')\n        pass\n}\n", "does not compile"),
    ("inline python that does not compile", 'I = "${@d.getVar(}"\n', "inline python"),
    ("unbalanced ${", 'J = "${A"\n', "unbalanced"),
    ("unquoted value", "K = value\n", "not BitBake syntax"),
    ("two operators", 'L += = "x"\n', "not BitBake syntax"),
    ("comment ending in a backslash", "# a comment \\\nM = \"x\"\n", "comment ending"),
    ("file ends inside a continued line", 'N = "x \\', "ends inside"),
    ("addtask (not in the accepted subset)", "addtask do_x after do_compile\n",
     "not BitBake syntax"),
    ("old _append", 'O_append = " x"\n', "old '_' override"),
]


def parser_self_test():
    failed = 0
    tmp = tempfile.mkdtemp(prefix="bb-parser-")
    try:
        path = os.path.join(tmp, "parsertest_1.0.bb")
        with open(path, "w", encoding="utf-8") as f:
            f.write(PARSER_RECIPE)
        with open(os.path.join(tmp, "sub.inc"), "w", encoding="utf-8") as f:
            f.write('SUB = "included"\n')
        try:
            r = Recipe(path, tmp)
            for var, want in PARSER_EXPECT.items():
                got = r.get(var)
                if got != want:
                    failed += 1
                    print(f"FAIL parser self-test: {var} is {got!r}, bitbake gives {want!r}")
            if set(r.funcs) != {"do_install", "do_deploy:append", "do_check", ""}:
                failed += 1
                print(f"FAIL parser self-test: functions {sorted(r.funcs)}")
        except LayerError as e:
            failed += 1
            print(f"FAIL parser self-test: a valid recipe was rejected: {e}")
        for what, text, complaint in PARSER_REJECT:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            try:
                Recipe(path, tmp)
                failed += 1
                print(f"FAIL parser self-test: {what}: accepted")
            except LayerError as e:
                if complaint not in str(e):
                    failed += 1
                    print(f"FAIL parser self-test: {what}: rejected for another reason: {e}")
                else:
                    print(f"  rejected ({what}): {str(e).replace(tmp + '/', '')}")
    finally:
        shutil.rmtree(tmp)
    if not failed:
        print(f"parser self-test: every construct read as bitbake reads it; "
              f"{len(PARSER_REJECT)} invalid ones rejected")
    return failed


def self_test(layer, src, build, ctx):
    failed = parser_self_test()
    for what, rel, old, new, complaint in MUTANTS:
        tmp = tempfile.mkdtemp(prefix="meta-amplink-mutant-")
        try:
            copy = os.path.join(tmp, "meta-amplink")
            shutil.copytree(layer, copy)
            edit(os.path.join(copy, rel), old, new)
            errors = []
            check_layer(copy, src, build, ctx, errors)
            hit = [e for e in errors if complaint in e]
            if not errors or not hit:
                failed += 1
                print(f"FAIL self-test: {what}: not rejected as expected ({complaint!r})")
                for e in errors:
                    print(f"    {e}")
            else:
                print(f"  rejected ({what}): {hit[0].replace(copy, 'meta-amplink')}")
        finally:
            shutil.rmtree(tmp)
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source-dir", required=True, help="the amplink tree")
    ap.add_argument("--build-dir", required=True,
                    help="a configured and built default build tree (with the M4 image)")
    ap.add_argument("--work-dir", required=True,
                    help="scratch directory (emptied) for the library build and the installs")
    ap.add_argument("--cc", default="cc", help="C compiler for the library build")
    ap.add_argument("--layer", help="the layer (default: SOURCE_DIR/yocto/meta-amplink)")
    ap.add_argument("--self-test", action="store_true",
                    help="also check that broken copies of the layer are rejected")
    args = ap.parse_args()
    src = os.path.abspath(args.source_dir)
    layer = os.path.abspath(args.layer or os.path.join(src, "yocto/meta-amplink"))
    build = os.path.abspath(args.build_dir)
    for d, what in ((src, "source"), (layer, "layer"), (build, "build")):
        if not os.path.isdir(d):
            sys.exit(f"check_layer: no {what} directory {d}")
    work = os.path.abspath(args.work_dir)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    ctx = {"work": work, "cc": args.cc, "lib": {}}
    errors = []
    try:
        recipes = check_layer(layer, src, build, ctx, errors)
    except LayerError as e:
        errors.append(str(e))
        recipes = {}
    if errors:
        for e in errors:
            print(f"FAIL: {e}")
        return 1
    print(f"layer {layer}: {len(recipes)} recipes parse; licence checksums match")
    for layout in LAYOUTS:
        print(f"cmake --install of the library-only build (recipe's EXTRA_OECMAKE){layout}, "
              "by package:")
        owner = ctx["lib-report" + layout]
        for p in sorted(owner):
            print(f"  {owner[p]:28} {p}")
    print("the module built and installed as the module class runs the recipe "
          "(against the ARM 6.1 tree):")
    for p in ctx.get("module-report", []):
        print(f"  {'kernel-module-' + os.path.basename(p)[:-3].replace('_', '-'):28} {p}")
    print("the M4 firmware built with the recipe's do_configure, do_compile, do_install "
          "(arm-none-eabi-gcc from Debian):")
    for p in ctx.get("m4-report", []):
        print(f"  {'amplink-fw-m4':28} {p}")
    if ctx.get("m4-elfcheck"):
        print(f"  amplink-elfcheck: {' '.join(ctx['m4-elfcheck'][1])}")
    print(f"amplink's build options are the armhf cross build's: "
          f"{' '.join(f'{k}={v}' for k, v in sorted(cross_build_options(src).items()))}")
    if args.self_test:
        failed = self_test(layer, src, build, ctx)
        if failed:
            print(f"FAIL: {failed} self-test cases failed")
            return 1
        print(f"self-test: all {len(MUTANTS)} broken layers rejected")
    print("yocto-recipes-ok")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except LayerError as e:
        print(f"FAIL: {e}")
        sys.exit(1)
