# CMake toolchain file for Linux on the Cortex-A7 of the STM32MP157 (armhf:
# ARMv7-A, EABI5, hard-float), with Debian's gcc-arm-linux-gnueabihf and the
# board's libraries from Debian's armhf multiarch packages (what
# scripts/install-deps.sh installs: libmnl-dev:armhf, zlib1g:armhf).
#
#   cmake -S . -B build/armhf -DCMAKE_TOOLCHAIN_FILE=$PWD/cmake/arm-linux-gnueabihf.cmake \
#         -DAMPLINK_TESTS=OFF -DAMPLINK_FIRMWARE=OFF -DAMPLINK_FIRMWARE_M4=OFF \
#         -DAMPLINK_KERNEL_MODULE=OFF -DAMPLINK_EXAMPLES=OFF -DAMPLINK_SANITIZE=OFF
#
# Debian's cross compiler searches the multiarch directories itself
# (/usr/lib/arm-linux-gnueabihf, and /usr/include, whose headers are the same
# for every architecture), so there is no sysroot: CMake finds the armhf
# libraries there through CMAKE_LIBRARY_ARCHITECTURE, which it takes from the
# compiler.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(AMPLINK_ARMHF_TRIPLET "arm-linux-gnueabihf" CACHE STRING "GNU triplet of the armhf tools")

find_program(CMAKE_C_COMPILER NAMES ${AMPLINK_ARMHF_TRIPLET}-gcc REQUIRED)
find_program(CMAKE_AR NAMES ${AMPLINK_ARMHF_TRIPLET}-ar)
find_program(CMAKE_RANLIB NAMES ${AMPLINK_ARMHF_TRIPLET}-ranlib)
find_program(CMAKE_STRIP NAMES ${AMPLINK_ARMHF_TRIPLET}-strip)

# Debian's armhf baseline is ARMv7-A with VFPv3-D16, Thumb-2, hard-float:
# the compiler's defaults, which the Cortex-A7 (VFPv4, NEON) runs.

# pkg-config reads the armhf .pc files only (libmnl.pc), never the build
# machine's.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${AMPLINK_ARMHF_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
unset(ENV{PKG_CONFIG_PATH})

# zlib for armhf: the linker name libz.so comes with zlib1g-dev:armhf, which
# install-deps.sh leaves out (see there); link the runtime library itself.
if(NOT EXISTS /usr/lib/${AMPLINK_ARMHF_TRIPLET}/libz.so
   AND EXISTS /usr/lib/${AMPLINK_ARMHF_TRIPLET}/libz.so.1)
  set(ZLIB_LIBRARY /usr/lib/${AMPLINK_ARMHF_TRIPLET}/libz.so.1 CACHE FILEPATH "zlib for armhf")
endif()

# Programs run on the build machine; libraries and headers are the armhf
# ones (multiarch: the same prefixes, an architecture's own directories).
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
