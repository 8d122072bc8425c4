# SPDX-License-Identifier: BSD-3-Clause
SUMMARY = "amplink firmware for the STM32MP157's Cortex-M4"
DESCRIPTION = "The rpmsg node (rpmsg-tty, rpmsg-raw, rpmsg-netlink and the \
services) that remoteproc loads from /lib/firmware, built from this source \
with a bare-metal arm-none-eabi toolchain."
SECTION = "firmware"

require recipes-amplink/amplink/amplink-source.inc

# firmware/, rpmsg/ and include/ are BSD-3-Clause; newlib's string
# functions are linked in (README.md).
LICENSE = "BSD-3-Clause"
LIC_FILES_CHKSUM += "file://LICENSES/BSD-3-Clause;md5=494e126c1aa5e3b5b7fa58e6c4bd1b64"

# Not Linux code: the target's C library and compiler are not needed, the
# bare-metal toolchain and CMake are. The default is meta-st-stm32mp's
# gcc-arm-none-eabi-native, which installs under
# ${datadir}/gcc-arm-none-eabi; another one (meta-arm, or a host install)
# sets these two.
INHIBIT_DEFAULT_DEPS = "1"
AMPLINK_M4_TOOLCHAIN_DEPENDS ?= "gcc-arm-none-eabi-native"
AMPLINK_M4_TOOLCHAIN_BINDIR ?= "${STAGING_DATADIR_NATIVE}/gcc-arm-none-eabi/bin"
DEPENDS = "cmake-native ${AMPLINK_M4_TOOLCHAIN_DEPENDS}"

# The image is for the STM32MP15's M4 and its memory map: meta-st-stm32mp's
# machines with one (stm32mp15-disco, stm32mp15-eval, stm32mp1) have this
# override; the STM32MP13 has no M4.
COMPATIBLE_MACHINE = "(stm32mp15common)"
PACKAGE_ARCH = "${MACHINE_ARCH}"

B = "${WORKDIR}/build-m4"

# The commands of docs/board.md and of the host build's
# firmware/ports/stm32mp1/m4-build.cmake: the port's own CMake project with
# cmake/arm-none-eabi.cmake, which finds arm-none-eabi-gcc on PATH. The
# target's CFLAGS and LDFLAGS (Linux, Cortex-A7) would end up in CMake's
# initial flags: they are unset.
do_configure() {
	unset CC CFLAGS CPPFLAGS LDFLAGS ASFLAGS
	export PATH="${AMPLINK_M4_TOOLCHAIN_BINDIR}:$PATH"
	cmake -S ${S}/firmware/ports/stm32mp1 -B ${B} \
	      -DCMAKE_TOOLCHAIN_FILE=${S}/cmake/arm-none-eabi.cmake
}

do_compile() {
	export PATH="${AMPLINK_M4_TOOLCHAIN_BINDIR}:$PATH"
	cmake --build ${B} ${PARALLEL_MAKE}
}

# Where the project's `cmake --install` puts it (remoteproc's firmware
# path, the name amplink-fw and the systemd unit start by default).
do_install() {
	install -d ${D}${nonarch_base_libdir}/firmware
	install -m 0644 ${B}/amplink-fw-stm32mp157.elf \
		${D}${nonarch_base_libdir}/firmware/amplink-fw-stm32mp157.elf
}

FILES:${PN} = "${nonarch_base_libdir}/firmware/amplink-fw-stm32mp157.elf"
# An ELF for the M4, not for Linux: kept whole (its symbols are what the
# trace and a debugger use) and exempt from the checks for target binaries.
INHIBIT_PACKAGE_STRIP = "1"
INHIBIT_PACKAGE_DEBUG_SPLIT = "1"
INHIBIT_SYSROOT_STRIP = "1"
INSANE_SKIP:${PN} = "arch ldflags"
