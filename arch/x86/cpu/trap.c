/* SPDX-License-Identifier: MIT */
/* The IDT, the dispatcher behind every exception stub, and the crash report (docs/protocol.md, "Crash"). */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/trap.h>
#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/format.h>
#include <ccktf/ktest.h>

#define GDT_CODE64 0x08
#define IDT_INTERRUPT_GATE 0x8e /* present, DPL 0, 64-bit interrupt gate: IF cleared on entry */
#define IST_CRITICAL 1		/* vectors that must not trust the current stack */

struct idt_gate {
	u16 offset_low;
	u16 selector;
	u8 ist;
	u8 type;
	u16 offset_mid;
	u32 offset_high;
	u32 reserved;
} __packed;

struct extable_entry {
	s32 insn, fixup; /* relative to the field itself, so the table needs no relocation */
};

extern const s32 trap_stubs[X86_VECTORS];
extern const struct extable_entry __start_ex_table[], __stop_ex_table[];

static struct idt_gate idt[X86_VECTORS] __attribute__((aligned(16)));
static trap_hook_fn hooks[X86_VECTORS];
static unsigned crash_depth;

static void set_gate(unsigned vector, u64 handler, u8 ist)
{
	idt[vector] = (struct idt_gate){
		.offset_low = (u16)handler,
		.selector = GDT_CODE64,
		.ist = ist,
		.type = IDT_INTERRUPT_GATE,
		.offset_mid = (u16)(handler >> 16),
		.offset_high = (u32)(handler >> 32),
	};
}

static u8 ist_for(unsigned vector)
{
	return vector == X86_DF || vector == X86_NMI || vector == X86_MC ? IST_CRITICAL : 0;
}

void trap_init(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed p = { sizeof(idt) - 1, (u64)(uintptr_t)idt };

	for (unsigned v = 0; v < X86_VECTORS; v++)
		set_gate(v, (u64)(uintptr_t)trap_stubs + (u64)(s64)trap_stubs[v], ist_for(v));
	asm volatile("lidt %0" : : "m"(p) : "memory");
	percpu_setup(); /* every CPU's area, this one's GS base: the exception-table report below is per CPU */
}

void trap_set_hook(unsigned vector, trap_hook_fn hook)
{
	if (vector < X86_VECTORS)
		hooks[vector] = hook;
}

trap_hook_fn trap_hook(unsigned vector)
{
	return vector < X86_VECTORS ? hooks[vector] : NULL;
}

const char *trap_vector_name(unsigned vector)
{
	static const char *const names[X86_VECTORS] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS", "#NP", "#SS", "#GP",
		"#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23", "#24", "#25", "#26", "#27",
		"#HV", "#VC", "#SX", "#31",
	};

	return vector < X86_VECTORS ? names[vector] : "?";
}

/* Per CPU (arch/percpu.h): two CPUs may each run a *_safe accessor at the same time. */
void exception_vector_reset(void)
{
	this_cpu_local()->caught_vector = -1;
}

int exception_vector(void)
{
	struct cpu_local *me = this_cpu_local();
	int v = me->caught_vector;

	me->caught_vector = -1;
	return v;
}

static u64 extable_target(const s32 *field)
{
	return (u64)(uintptr_t)field + (u64)(s64)*field;
}

static bool extable_fixup(struct cpu_regs *r)
{
	for (const struct extable_entry *e = __start_ex_table; e < __stop_ex_table; e++) {
		if (extable_target(&e->insn) == r->rip) {
			r->rip = extable_target(&e->fixup);
			this_cpu_local()->caught_vector = (int)r->vector;
			return true;
		}
	}
	return false;
}

static void print_regs(const struct cpu_regs *r)
{
	printk("# ccktf: rax=0x%llx rbx=0x%llx rcx=0x%llx rdx=0x%llx\n", r->rax, r->rbx, r->rcx, r->rdx);
	printk("# ccktf: rsi=0x%llx rdi=0x%llx rbp=0x%llx r8=0x%llx\n", r->rsi, r->rdi, r->rbp, r->r8);
	printk("# ccktf: r9=0x%llx r10=0x%llx r11=0x%llx r12=0x%llx\n", r->r9, r->r10, r->r11, r->r12);
	printk("# ccktf: r13=0x%llx r14=0x%llx r15=0x%llx\n", r->r13, r->r14, r->r15);
}

static __noreturn void crash(const struct cpu_regs *r)
{
	const struct ktest_case *running = ktest_current();

	if (crash_depth++) /* a fault while reporting a fault: say the least and leave */
		ccktf_exit(CCKTF_EXIT_CRASHED);
	ccktf_set_exit_reason("ccktf: CPU exception %s error 0x%llx at rip 0x%llx",
			      trap_vector_name((unsigned)r->vector), r->error_code, r->rip);
	printk("\n# ccktf: CRASH vector=%llu (%s) error=0x%llx rip=0x%llx cr2=0x%llx cs=0x%llx rflags=0x%llx "
	       "rsp=0x%llx\n",
	       r->vector, trap_vector_name((unsigned)r->vector), r->error_code, r->rip, read_cr2(), r->cs,
	       r->rflags, r->rsp);
	if (running)
		printk("# ccktf: crashed in test %s.%s\n", running->suite->name, ktest_current_name());
	print_regs(r);
	ccktf_exit(CCKTF_EXIT_CRASHED);
}

void trap_dispatch(struct cpu_regs *r);
void trap_dispatch(struct cpu_regs *r)
{
	trap_hook_fn hook = trap_hook((unsigned)r->vector);

	/* Hooks run while a crash is reported too: under a model, the report's own port I/O is a TDCALL or
	 * a VMGEXIT that a hook answers. */
	if (hook && hook(r))
		return;
	if (extable_fixup(r))
		return;
	crash(r);
}

int rdmsr_safe(u32 msr, u64 *value)
{
	u32 lo = 0, hi = 0;

	exception_vector_reset();
	asm volatile("1: rdmsr\n2:\n" ASM_EXTABLE("1b", "2b") : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*value = (u64)hi << 32 | lo;
	return exception_vector();
}

int wrmsr_safe(u32 msr, u64 value)
{
	exception_vector_reset();
	asm volatile("1: wrmsr\n2:\n" ASM_EXTABLE("1b", "2b")
		     :
		     : "c"(msr), "a"((u32)value), "d"((u32)(value >> 32))
		     : "memory");
	return exception_vector();
}
