# SPDX-License-Identifier: BSD-3-Clause
SUMMARY = "rpmsg_netlink: the M4's rpmsg channels as a Generic Netlink family"
DESCRIPTION = "Out-of-tree kernel module binding the rpmsg-netlink channels the \
amplink firmware announces; libamplink's netlink transport talks to it."
SECTION = "kernel/modules"

require recipes-amplink/amplink/amplink-source.inc

# kernel/ is GPL-2.0 (its SPDX line, checked below); the uapi header it
# includes is dual-licensed and taken under GPL-2.0 here. The slot table of
# bulk transfers is the firmware's own (firmware/sdk/bulk_pool.c and its
# headers), BSD-3-Clause, built into the module.
LICENSE = "GPL-2.0-only & BSD-3-Clause"
LIC_FILES_CHKSUM += "file://LICENSES/GPL-2.0;md5=b234ee4d69f5fce4486a80fdaf4a4263 \
                     file://LICENSES/BSD-3-Clause;md5=494e126c1aa5e3b5b7fa58e6c4bd1b64 \
                     file://kernel/rpnl_core.c;beginline=1;endline=1;md5=50d2ba0afecd20f74c12a4bdbcfcfe61"

inherit module

# The project's own kernel/Makefile, as `make -C kernel` and
# `make -C kernel install` run it by hand: KDIR names the kernel tree (its
# default is the vboard's UML kernel), ARCH the target's. The module class
# adds O= (the kernel's build directory), CC, LD, and MODLIB for the install
# under ${D}. kbuild finds the project's headers and the firmware's slot
# table through the source's path (kernel/Kbuild), which is why S stays the
# top of the tree.
EXTRA_OEMAKE += "-C ${S}/kernel KDIR=${STAGING_KERNEL_DIR} ARCH=${ARCH}"
MODULES_INSTALL_TARGET = "install"
MODULES_MODULE_SYMVERS_LOCATION = "kernel"

# The module loads by its modalias when the firmware announces
# "rpmsg-netlink"; loading it at boot as well makes the netlink family
# exist before any client asks (amplink-firmware.service modprobes it too).
KERNEL_MODULE_AUTOLOAD += "rpmsg_netlink"
# Parameters (bind=, group=; docs/security.md) go in a distro or image
# layer: KERNEL_MODULE_PROBECONF += "rpmsg_netlink" and
# module_conf_rpmsg_netlink = "options rpmsg_netlink group=rpmsg-netlink:GID".

# kernel-module-split names the package kernel-module-rpmsg-netlink; the
# recipe's own name provides it too.
RPROVIDES:${PN} += "kernel-module-rpmsg-netlink"
