# Included by the host build: builds the M4 firmware and its QEMU self-test
# image in a tree of their own (build/firmware-m4) with the arm toolchain,
# every time the host build runs (the M4 build decides what is out of date).
#
# Defines the target amplink-fw-m4 and, for tests:
#   AMPLINK_M4_BINARY_DIR  AMPLINK_M4_FW_ELF  AMPLINK_M4_SELFTEST_ELF
#   AMPLINK_M4_SIZE_REPORT
include(ExternalProject)

find_program(AMPLINK_ARM_GCC arm-none-eabi-gcc)
if(NOT AMPLINK_ARM_GCC)
  message(FATAL_ERROR "arm-none-eabi-gcc not found: the M4 firmware needs it "
                      "(scripts/install-deps.sh installs gcc-arm-none-eabi)")
endif()

# The host build's own lists of the core's and the services' sources, so a
# service added there is built for the M4 too (the core's driver role only
# for the self-test image, which plays Linux) ('|' separated: lists do not
# survive the trip through the command line).
function(amplink_m4_sources target out)
  get_target_property(srcs ${target} SOURCES)
  get_target_property(dir ${target} SOURCE_DIR)
  set(abs "")
  foreach(src IN LISTS srcs)
    if(NOT IS_ABSOLUTE "${src}")
      set(src "${dir}/${src}")
    endif()
    if(src MATCHES "\\.c$")
      list(APPEND abs "${src}")
    endif()
  endforeach()
  string(REPLACE ";" "|" abs "${abs}")
  set(${out} "${abs}" PARENT_SCOPE)
endfunction()
amplink_m4_sources(rpmsg_core _m4_rpmsg_sources)
amplink_m4_sources(rpmsg_driver _m4_rpmsg_driver_sources)
amplink_m4_sources(firmware_services _m4_service_sources)

set(AMPLINK_M4_BINARY_DIR "${CMAKE_BINARY_DIR}/firmware-m4")
set(AMPLINK_M4_FW_ELF "${AMPLINK_M4_BINARY_DIR}/amplink-fw-stm32mp157.elf")
set(AMPLINK_M4_SELFTEST_ELF "${AMPLINK_M4_BINARY_DIR}/amplink-m4-selftest.elf")
set(AMPLINK_M4_SIZE_REPORT "${AMPLINK_M4_BINARY_DIR}/amplink-fw-stm32mp157.size")

ExternalProject_Add(amplink-fw-m4
  SOURCE_DIR "${PROJECT_SOURCE_DIR}/firmware/ports/stm32mp1"
  BINARY_DIR "${AMPLINK_M4_BINARY_DIR}"
  CMAKE_ARGS "-DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/arm-none-eabi.cmake"
             "-DAMPLINK_VERSION=${PROJECT_VERSION}"
  CMAKE_CACHE_ARGS "-DAMPLINK_RPMSG_SOURCES:STRING=${_m4_rpmsg_sources}"
                   "-DAMPLINK_RPMSG_DRIVER_SOURCES:STRING=${_m4_rpmsg_driver_sources}"
                   "-DAMPLINK_M4_SELFTEST:BOOL=${AMPLINK_TESTS}"
                   "-DAMPLINK_SERVICE_SOURCES:STRING=${_m4_service_sources}"
  BUILD_ALWAYS ON
  INSTALL_COMMAND ""
  BUILD_BYPRODUCTS "${AMPLINK_M4_FW_ELF}" "${AMPLINK_M4_SELFTEST_ELF}"
                   "${AMPLINK_M4_SIZE_REPORT}")
