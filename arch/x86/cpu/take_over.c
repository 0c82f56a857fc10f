/* SPDX-License-Identifier: MIT */
/* The moment the kernel owns the machine: interrupts off, own GDT/TSS, IDT, page tables and stack. */
#include <arch/cpu.h>
#include <arch/machine.h>
#include <arch/trap.h>
#include <ccktf/console.h>
#include <ccktf/exit.h>


void machine_take_over(const struct machine_plan *plan, void (*next)(void))
{
	u64 cr3;
	u64 stack_top = (u64)(uintptr_t)plan->stack + plan->stack_pages * 4096;

	cli();
	gdt_init();
	trap_init();
	cr3 = paging_build((u64)(uintptr_t)plan->tables, plan->table_pages, plan->top);
	if (!cr3) {
		printk("# ccktf: FATAL: page-table pool too small for 0x%llx bytes\n", (unsigned long long)plan->top);
		ccktf_exit(CCKTF_EXIT_CRASHED);
	}
	if (cr3 && (read_cr4() & X86_CR4_LA57)) /* entered with 5-level paging on: it stays on */
		cr3 = paging_add_level5();
	if (!cr3) {
		printk("# ccktf: FATAL: no page left for the PML5 (CR4.LA57 is set)\n");
		ccktf_exit(CCKTF_EXIT_CRASHED);
	}
	write_cr3(cr3);
	asm volatile("mov %0, %%rsp\n"
		     "xor %%ebp, %%ebp\n"
		     "call *%1\n"
		     "ud2\n"
		     :
		     : "r"(stack_top), "r"(next)
		     : "memory");
	__builtin_unreachable();
}
