# CMake toolchain file for the Cortex-M4 of the STM32MP157 with Debian's
# gcc-arm-none-eabi and libnewlib-arm-none-eabi.
#
#   cmake -S firmware/ports/stm32mp1 -B build/firmware-m4 \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake
#
# The M4 of the STM32MP15 has the single-precision FPU (FPv4-SP, 16 double
# registers), hence fpv4-sp-d16; hard-float so float arguments stay in FPU
# registers, which matches newlib's thumb/v7e-m+fp/hard multilib.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(AMPLINK_ARM_PREFIX "arm-none-eabi-" CACHE STRING "Prefix of the bare-metal ARM tools")

find_program(CMAKE_C_COMPILER NAMES ${AMPLINK_ARM_PREFIX}gcc REQUIRED)
find_program(CMAKE_ASM_COMPILER NAMES ${AMPLINK_ARM_PREFIX}gcc REQUIRED)
find_program(CMAKE_OBJCOPY NAMES ${AMPLINK_ARM_PREFIX}objcopy REQUIRED)
find_program(CMAKE_SIZE NAMES ${AMPLINK_ARM_PREFIX}size REQUIRED)
find_program(CMAKE_NM NAMES ${AMPLINK_ARM_PREFIX}nm)
# The gcc- wrappers load the LTO plugin, so archives of LTO objects keep
# a symbol index.
find_program(CMAKE_AR NAMES ${AMPLINK_ARM_PREFIX}gcc-ar ${AMPLINK_ARM_PREFIX}ar)
find_program(CMAKE_RANLIB NAMES ${AMPLINK_ARM_PREFIX}gcc-ranlib ${AMPLINK_ARM_PREFIX}ranlib)

set(AMPLINK_M4_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard")
set(CMAKE_C_FLAGS_INIT "${AMPLINK_M4_CPU_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${AMPLINK_M4_CPU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${AMPLINK_M4_CPU_FLAGS}")

# No operating system to run a test program on: let CMake's compiler check
# build a static library instead of linking an executable.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Headers and libraries come from the toolchain only, never from the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
