# Prints the size of the firmware image and fails when text + data (what
# Linux copies into the M4's SRAM) exceed the budget.
#   cmake -DSIZE_TOOL=arm-none-eabi-size -DELF=x.elf -DBUDGET=n [-DREPORT=file] -P size-check.cmake
foreach(var SIZE_TOOL ELF BUDGET)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "size-check.cmake: ${var} is not set")
  endif()
endforeach()

execute_process(COMMAND ${SIZE_TOOL} --format=berkeley ${ELF}
                OUTPUT_VARIABLE berkeley RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "size-check: ${SIZE_TOOL} failed on ${ELF}")
endif()
execute_process(COMMAND ${SIZE_TOOL} --format=sysv ${ELF} OUTPUT_VARIABLE sysv)

string(REGEX MATCH "\n[ \t]*([0-9]+)[ \t]+([0-9]+)[ \t]+([0-9]+)" row "${berkeley}")
if(NOT row)
  message(FATAL_ERROR "size-check: cannot read the output of ${SIZE_TOOL}:\n${berkeley}")
endif()
set(text ${CMAKE_MATCH_1})
set(data ${CMAKE_MATCH_2})
set(bss ${CMAKE_MATCH_3})
math(EXPR loaded "${text} + ${data}")
math(EXPR percent "100 * ${loaded} / ${BUDGET}")
set(summary "text ${text} + data ${data} = ${loaded} bytes of the ${BUDGET}-byte budget (${percent}%); bss ${bss}")
set(report "${berkeley}\n${sysv}\n${summary}\n")
message(STATUS "${ELF}:\n${berkeley}${summary}")

if(loaded GREATER BUDGET)
  if(DEFINED REPORT)
    file(REMOVE "${REPORT}")
  endif()
  message(FATAL_ERROR "size-check: ${summary}: over budget. Shrink the image or, if the "
                      "growth is wanted, raise AMPLINK_M4_BUDGET and say why.")
endif()
if(DEFINED REPORT)
  file(WRITE "${REPORT}" "${report}")
endif()
