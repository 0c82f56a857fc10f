/* SPDX-License-Identifier: MIT */
/*
 * The kernel's own GDT and TSS, one pair per CPU (a TSS descriptor is marked busy by LTR, so no two CPUs
 * can share one). Intel SDM vol. 3A 3.4.5 (segment descriptors), 7.7 (64-bit TSS).
 */
#include <arch/trap.h>
#include <ccktf/string.h>

#define GDT_CODE64 0x08
#define GDT_DATA 0x10
#define GDT_TSS 0x18
#define IST_STACK_SIZE (16 * 1024)

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

struct descriptor_pointer {
	u16 limit;
	u64 base;
} __packed;

_Static_assert(sizeof(struct tss64) == sizeof(((struct cpu_gdt *)0)->tss), "struct cpu_gdt holds a 64-bit TSS");

static struct cpu_gdt boot_cpu_gdt;
static u8 ist_stack[IST_STACK_SIZE] __attribute__((aligned(16)));

/* A 64-bit TSS descriptor takes two GDT slots. */
static void set_tss_descriptor(u64 *slot, u64 base, u32 limit)
{
	slot[0] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 /* present, 64-bit TSS */ |
		  (u64)(limit >> 16 & 0xf) << 48 | (base >> 24 & 0xff) << 56;
	slot[1] = base >> 32;
}

static void load_segments(void)
{
	asm volatile("pushq %[cs]\n"
		     "leaq 1f(%%rip), %%rax\n"
		     "pushq %%rax\n"
		     "lretq\n"
		     "1:\n"
		     "movl %[ds], %%eax\n"
		     "movl %%eax, %%ds\n"
		     "movl %%eax, %%es\n"
		     "movl %%eax, %%ss\n"
		     "movl %%eax, %%fs\n"
		     "movl %%eax, %%gs\n"
		     :
		     : [cs] "i"(GDT_CODE64), [ds] "i"(GDT_DATA)
		     : "rax", "memory");
}

void gdt_load_cpu(struct cpu_gdt *g, void *ist_top)
{
	struct tss64 *tss = (struct tss64 *)(void *)g->tss;
	u64 *gdt = g->gdt;
	struct descriptor_pointer p = { sizeof(g->gdt) - 1, (u64)(uintptr_t)gdt };

	memset(g, 0, sizeof(*g));
	gdt[1] = 0x00af9a000000ffffull; /* code: present, DPL 0, long mode */
	gdt[2] = 0x00cf92000000ffffull; /* data: present, writable */
	tss->ist[0] = (u64)(uintptr_t)ist_top;
	tss->iomap_base = sizeof(*tss);
	set_tss_descriptor(&gdt[3], (u64)(uintptr_t)tss, sizeof(*tss) - 1);
	asm volatile("lgdt %0" : : "m"(p) : "memory");
	load_segments();
	asm volatile("ltr %w0" : : "r"((u16)GDT_TSS) : "memory");
}

void gdt_init(void)
{
	gdt_load_cpu(&boot_cpu_gdt, ist_stack + sizeof(ist_stack));
}
