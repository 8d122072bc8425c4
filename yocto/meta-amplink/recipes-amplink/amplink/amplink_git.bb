# SPDX-License-Identifier: BSD-3-Clause
SUMMARY = "libamplink and the amplink CLI: messages to and from the Cortex-M4 over rpmsg"
DESCRIPTION = "The library (shared and static), its headers and pkg-config file, \
the amplink command-line tool, amplink-elfcheck, and the pieces that start the \
M4 firmware at boot: the amplink-fw script, a systemd unit and a udev rule."
SECTION = "libs"

require recipes-amplink/amplink/amplink-source.inc

# The library, the tools and the scripts are BSD-3-Clause. The installed uapi
# header (linux/rpmsg_netlink.h) is "(GPL-2.0 WITH Linux-syscall-note) OR
# BSD-3-Clause": shipped here under its BSD-3-Clause choice.
LICENSE = "BSD-3-Clause"
LIC_FILES_CHKSUM += "file://LICENSES/BSD-3-Clause;md5=494e126c1aa5e3b5b7fa58e6c4bd1b64"

DEPENDS = "libmnl zlib"

inherit cmake pkgconfig systemd useradd

# The library and the CLI alone: no tests (cmocka), no firmware SDK, no M4
# image (bare-metal toolchain: amplink-fw-m4 builds it), no module (kernel
# tree: rpmsg-netlink builds it), no examples, no sanitizers. The same options
# as the project's armhf cross build (tests/cross/armhf-library.sh), which
# tests/yocto/check_layer.py compares them with.
EXTRA_OECMAKE = "-DAMPLINK_TESTS=OFF -DAMPLINK_FIRMWARE=OFF -DAMPLINK_FIRMWARE_M4=OFF \
                 -DAMPLINK_KERNEL_MODULE=OFF -DAMPLINK_EXAMPLES=OFF -DAMPLINK_SANITIZE=OFF"
# Where udev and systemd look in this distribution (/lib, or /usr/lib with
# usrmerge) rather than the project's fixed /lib defaults.
EXTRA_OECMAKE += "-DAMPLINK_UDEV_RULES_DIR=${nonarch_base_libdir}/udev/rules.d \
                  -DAMPLINK_SYSTEMD_UNIT_DIR=${systemd_system_unitdir} \
                  -DAMPLINK_FIRMWARE_INSTALL_DIR=${nonarch_base_libdir}/firmware"

# amplink-fw and the unit start the firmware: a package of their own, so an
# image can have the library without the boot-time start.
PACKAGE_BEFORE_PN = "${PN}-firmware-service"
FILES:${PN}-firmware-service = "${bindir}/amplink-fw \
                                ${systemd_system_unitdir}/amplink-firmware.service"
SYSTEMD_PACKAGES = "${PN}-firmware-service"
SYSTEMD_SERVICE:${PN}-firmware-service = "amplink-firmware.service"
# The firmware image and the module come from their own recipes:
# recommended, not required, so that an image may bring its own firmware.
RRECOMMENDS:${PN}-firmware-service = "amplink-fw-m4 kernel-module-rpmsg-netlink"

# The rest of the default split: the CLI, amplink-elfcheck, libamplink.so.0
# and the udev rule in ${PN}; headers, libamplink.so and amplink.pc in -dev;
# libamplink.a in -staticdev; board.md in -doc. Named here because the
# checker compares them with what cmake --install puts in place.
FILES:${PN} = "${bindir}/amplink ${bindir}/amplink-elfcheck ${libdir}/libamplink${SOLIBS} \
               ${nonarch_base_libdir}/udev/rules.d/60-amplink.rules"
FILES:${PN}-dev = "${includedir}/amplink ${includedir}/linux/rpmsg_netlink.h \
                   ${libdir}/libamplink${SOLIBSDEV} ${libdir}/pkgconfig/amplink.pc"
FILES:${PN}-staticdev = "${libdir}/libamplink.a"
FILES:${PN}-doc = "${docdir}/amplink/board.md"

# The udev rule gives the rpmsg devices to the group "amplink".
USERADD_PACKAGES = "${PN}"
GROUPADD_PARAM:${PN} = "--system amplink"
