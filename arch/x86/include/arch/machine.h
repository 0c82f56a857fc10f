/* SPDX-License-Identifier: MIT */
/* Machine-level services the portable core needs from the arch layer. */
#ifndef ARCH_MACHINE_H
#define ARCH_MACHINE_H

#include <ccktf/types.h>

struct efi_runtime_services;

/* Leaving (arch/x86/exit.c): isa-debug-exit, else EFI ResetSystem(shutdown), else halt. */
void machine_set_runtime_services(struct efi_runtime_services *rt);
/* The ACPI PM1a_CNT port from the FADT (kernel/efi/acpi_pm.c), for powering off without the firmware. */
void machine_set_acpi_pm1a_cnt(u16 port);

/* TSC (arch/x86/cpu/tsc.c). */
struct tsc_info {
	u64 measured_hz;     /* against the firmware's Stall() */
	u64 cpuid_hz;        /* CPUID 0x15 (crystal ratio), or 0x16 base MHz; 0 when neither is present */
	const char *cpuid_source;
};
void tsc_calibrate(void (*delay_us)(u64 us), struct tsc_info *info);
/* Waits us microseconds on the 8254 PIT's channel 2 (arch/x86/cpu/pit.c); false if the PIT never counted. */
bool pit_delay_us(u64 us);
u64 tsc_hz(void);
u64 tsc_to_ns(u64 cycles);

/*
 * Page tables (arch/x86/cpu/paging.c): identity map of [0, top), page 0 left unmapped (null guard). Four
 * levels map at most 2^48 bytes (512 PML4 entries of 512 GiB): a larger top is taken as PAGING_MAX_TOP.
 */
#define PAGING_MAX_TOP (1ull << 48)
u64 paging_pages_needed(u64 top);
u64 paging_build(u64 pool, u64 pool_pages, u64 top);
/* After paging_build(): CR3 for a CPU with CR4.LA57 = 1 (a PML5 over the same map), 0 if no table is left. */
u64 paging_add_level5(void);
/* Before the take-over: a mask every entry carries (SEV's C-bit). */
void paging_set_encryption_mask(u64 mask);
u64 paging_encryption_mask(void);
/* After the take-over: sets and clears flag bits of the 4 KiB mapping of addr (splitting a 2 MiB page),
 * e.g. clears the C-bit to share a page with the host. False when addr is not mapped or no table is left. */
bool paging_set_page_flags(u64 addr, u64 set, u64 clear);
/* Sets and clears flag bits of the 2 MiB page that maps addr, WITHOUT splitting it (e.g. PRESENT, so a
 * model can make a pending 2 MiB fault on touch). False when addr is not mapped by a 2 MiB page. */
bool paging_set_large_flags(u64 addr, u64 set, u64 clear);
#define PAGING_PRESENT (1ull << 0)
/*
 * A 2 MiB page, present or not, split into the 512 4 KiB entries of pt, a table the caller owns (one per
 * 2 MiB it will ever split: a model's guard keeps one per unit, so it never runs out); each entry gets the
 * 2 MiB page's flags. False when addr is not mapped by a 2 MiB entry. Nothing is flushed: the translation
 * of every page is unchanged.
 */
bool paging_split_large_into(u64 addr, u64 *pt);
/* The 512 4 KiB entries of the 2 MiB at addr back into one 2 MiB entry with the flags of the first, present
 * or not as asked; flushes what may be cached (the present pages, the directory entry). False when the 2 MiB
 * is not split, or its entries are not one 2 MiB page's (not contiguous, or flags other than present/
 * accessed/dirty differ: a shared page, say). */
bool paging_join_large(u64 addr, bool present);
/* Is the 2 MiB at addr mapped by one 2 MiB entry (present or not)? */
bool paging_is_large(u64 addr);
/* The page table of a 2 MiB that is split into 4 KiB entries, NULL otherwise. */
const u64 *paging_leaf_table(u64 addr);
/*
 * A model-only alias: [pa, pa + size) (2 MiB aligned) mapped again at va with 2 MiB pages, so a modelled
 * TDX module can write a page the guest's own mapping keeps not present. Tables from [pool, pool +
 * pool_pages * 4 KiB), at most paging_alias_tables_needed(va, size). False when the pool is too small or
 * va is already in use.
 */
#define PAGING_ALIAS_TOP (1ull << 47)
u64 paging_alias_tables_needed(u64 va, u64 size);
bool paging_map_alias(u64 va, u64 pa, u64 size, u64 pool, u64 pool_pages);
/*
 * Drops the TLB entry of the page at addr (arch/x86/cpu/tlb.c: INVLPG); paging.c calls it after an edit of
 * an entry that was present (one that was not is never cached: SDM vol. 3A 4.10.4.3).
 */
void paging_flush_page(u64 addr);
/* Drops every non-global translation of this CPU's current PCID (tlb.c: CR3 written with itself): all the
 * kernel maps, since its tables set no G bit and it never enables PCIDs. */
void paging_flush_all(void);
/* The leaf entry (4 KiB PTE or 2 MiB PDE) that maps addr, 0 if none: lets a model check a page's C-bit. */
u64 paging_page_entry(u64 addr);

/* What machine_take_over needs, allocated while boot services still run. */
struct machine_plan {
	u64 top;	 /* identity-map [0, top) */
	u64 table_pages; /* page-table pool: paging_pages_needed(top) pages at tables */
	void *tables;
	void *stack; /* KERNEL_STACK_PAGES pages */
	u64 stack_pages;
};

/* Takes over the CPU after ExitBootServices: GDT, IDT, page tables, a fresh stack; then calls next(). */
__noreturn void machine_take_over(const struct machine_plan *plan, void (*next)(void));

/* Faults on purpose (arch/x86/crash_inject.c), to prove the crash path: crash=pf|ud|gp|de|hang. */
void machine_inject_crash(unsigned kind);

#endif
