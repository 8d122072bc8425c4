# SPDX-License-Identifier: BSD-3-Clause
SUMMARY = "amplink on an STM32MP15 board: library, CLI, module, M4 firmware and its start at boot"
# An image takes it with IMAGE_INSTALL:append = " packagegroup-amplink".
# No sources, so no LIC_FILES_CHKSUM; the layer's own licence.
LICENSE = "BSD-3-Clause"

PACKAGE_ARCH = "${MACHINE_ARCH}"
inherit packagegroup

RDEPENDS:${PN} = "amplink amplink-firmware-service kernel-module-rpmsg-netlink amplink-fw-m4"
