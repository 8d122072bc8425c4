/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reset and exception vectors for a bare Cortex-M4: the vector table,
 * the reset handler (FPU on, .data copied, .bss zeroed, then main) and a
 * fault handler that reports where it happened. Shared by the STM32MP157
 * firmware and the QEMU self-test image; each links it with its own
 * linker script, which provides the symbols below.
 */
#include <stdint.h>
#include <string.h>

#include "cortex_m4.h"
#include "startup.h"

extern uint32_t _estack[];
extern uint8_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[];

int main(void);
void Reset_Handler(void);
void startup_c(void);
void fault_entry(const uint32_t *frame, uint32_t exc_return);

__attribute__((weak)) void m4_fault_report(uint32_t exception, const uint32_t *frame)
{
	(void)exception;
	(void)frame;
}

/*
 * Naked: the FPU must be on before any compiled code runs, since the
 * compiler is free to use FPU registers anywhere in hard-float code.
 * The stack pointer is set again for when a debugger jumps here.
 */
__attribute__((naked, noreturn)) void Reset_Handler(void)
{
	__asm__ volatile("ldr r0, =%c0\n\t"
			 "ldr r1, [r0]\n\t"
			 "orr r1, r1, %1\n\t"
			 "str r1, [r0]\n\t"
			 "dsb\n\t"
			 "isb\n\t"
			 "ldr r0, =_estack\n\t"
			 "mov sp, r0\n\t"
			 "b startup_c\n\t"
			 /* The literals here: with LTO the whole image is one
			  * assembly unit, whose end is out of an ldr's reach. */
			 ".ltorg\n\t" ::"i"(SCB_CPACR),
			 "i"(SCB_CPACR_CP10_CP11_FULL));
}

__attribute__((noreturn, used)) void startup_c(void)
{
	/* Linux loads the image from the ELF, .data's load copy included. */
	memcpy(_sdata, _sidata, (size_t)(_edata - _sdata));
	memset(_sbss, 0, (size_t)(_ebss - _sbss));
	main();
	cpu_irq_disable();
	for (;;)
		cpu_wait_for_interrupt();
}

/* Hands the stacked frame (r0-r3, r12, lr, pc, xpsr) to the C side. */
__attribute__((naked)) static void fault_handler(void)
{
	__asm__ volatile("tst lr, #4\n\t"
			 "ite eq\n\t"
			 "mrseq r0, msp\n\t"
			 "mrsne r0, psp\n\t"
			 "mov r1, lr\n\t"
			 "b fault_entry\n\t");
}

__attribute__((noreturn, used)) void fault_entry(const uint32_t *frame, uint32_t exc_return)
{
	(void)exc_return;
	m4_fault_report(cpu_ipsr() & 0x1FFu, frame);
	cpu_irq_disable();
	for (;;)
		cpu_wait_for_interrupt();
}

struct vector_table {
	uint32_t *initial_sp;
	void (*handler[15u + M4_NUM_IRQS])(void);
};

/*
 * 16 system exceptions then the interrupt lines. Nothing runs from an
 * interrupt handler (the main loop sleeps with PRIMASK set), so every
 * entry but reset leads to the fault report: taking one is a bug.
 */
__attribute__((section(".isr_vector"), used)) const struct vector_table vector_table = {
	.initial_sp = _estack,
	.handler =
		{
			[0] = Reset_Handler,
			[1 ... 14u + M4_NUM_IRQS] = fault_handler,
		},
};
