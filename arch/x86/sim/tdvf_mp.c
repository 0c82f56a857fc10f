/* SPDX-License-Identifier: MIT */
/*
 * MODEL (sim-tdx) of TDVF's multiprocessor side, the firmware half of the ACPI Multiprocessor Wakeup
 * mailbox, so that the kernel's TDX wake-up (arch/x86/cpu/wake_madt_mailbox.c) is the code that would run
 * on hardware. Each step as edk2 does it:
 *
 *  - The mailbox: one 4 KiB page of EfiACPIMemoryNVS, the AP loop in the pages after it, both allocated
 *    together (OvmfPkg/TdxDxe/TdxAcpiTable.c RelocateMailbox(): AllocatePages(AllocateAnyPages,
 *    EfiACPIMemoryNVS, loop pages + 1)); Command = Noop, ApicId = MailboxApicIdInvalid (0xffffffff),
 *    WakeupVector = 0.
 *  - The MADT: a copy of the platform's (QEMU's) with a version 1 Multiprocessor Wakeup structure appended
 *    (Length 24, MailBoxVersion 1, Reserved 0, MailBoxAddress, ResetVector: the loop's reset vector), the
 *    header's Length and Checksum fixed (AlterAcpiTable(): InstallAcpiTable() of the new table,
 *    UninstallAcpiTable() of the old). The ACPI table protocol's install is modelled by its effect: the new
 *    table in EfiACPIReclaimMemory below 4 GiB (MdeModulePkg AcpiTableDxe allocates there), the XSDT's
 *    (and RSDT's) entry pointing at it, their checksums fixed.
 *  - The loop: tdvf_ap_loop.asm (TDVF's ApRunLoop.nasm rules, cited there), on page tables that
 *    identity-map the first 4 GiB with 2 MiB pages in reserved memory (TDVF's are its reset vector's,
 *    PcdOvmfSecPageTablesBase, also reserved).
 *
 * Where the model must differ, and why: in a TD the APs never run INIT/SIPI and spin in TDVF's mailbox
 * from reset. Under TCG they are OVMF's MpInitLib's until ExitBootServices (which re-takes them with
 * INIT-SIPI-SIPI in its ExitBootServices callback, UefiCpuPkg/Library/MpInitLib/DxeMpLib.c
 * MpInitChangeApLoopCallback()), so the model parks them right after ExitBootServices, by INIT-SIPI-SIPI
 * through the kernel's real-mode trampoline blob (its own copy, in its own reserved pages), before the
 * kernel looks at them: the firmware's business, hidden from the kernel, and counted apart
 * (tdvf_mp_report()) so that a test can show the kernel itself sent no INIT or STARTUP IPI.
 *
 * sim_tdvf_mailbox=loader models a firmware bug instead: the mailbox in EfiLoaderData, memory the OS may
 * reuse, which the kernel must refuse (ACPI 6.5 section 5.2.12.19: "It must be in ACPINvs").
 */
#include <arch/ap_boot.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/sim_tdvf.h>
#include <ccktf/args.h>
#include <ccktf/boot.h>
#include <ccktf/string.h>
#include <ccktf/time.h>
#include "efi/acpi_madt.h"
#include "efi/efi_spec.h"
#include "sim_x2apic.h"
#include "tdvf_mp.h"

#define LOOP_PAGES 1
#define TABLE_PAGES 7		/* PML4, PDPT, 4 PDs: the first 4 GiB in 2 MiB pages; a PML5 over them */
#define TABLE_PML5 6
#define STACK_BYTES 64		/* per AP: the trampoline pushes one word; the loop uses none */
#define BELOW_4G (4 * GiB - 1)
#define PTE_P 1ull
#define PTE_RW 2ull
#define PTE_PS 0x80ull
#define ARRIVE_NS 2000000000ull
#define MADT_CHECKSUM 9
#define SDT_LENGTH 4
/*
 * The CPU state TDVF leaves its APs in (reset vector, OvmfPkg/ResetVector/Ia32/Flat32ToFlat64.asm:
 * CR4.PAE, EFER.LME, CR0.PG on top of the TD's initial state; CR4.LA57 when the BSP found GPAW >= 52,
 * IntelTdx.asm TDX_WORK_AREA_PAGELEVEL5, SetCr3ForPageTables64 TDX_AP_LA57): CR0 = 0x23 | PG (PE MP NE,
 * no WP), CR4 = 0x640 | PAE (MCE OSFXSR OSXMMEXCPT; no PGE, no PSE), the reset vector's identity map of
 * the first 4 GiB. The kernel's stub must set its own (arch/x86/cpu/mp_wake_stub.asm).
 */
#define TDVF_AP_CR0 (0x23u | X86_CR0_PG)
#define TDVF_AP_CR4 (0x640u | X86_CR4_PAE)
#define CPUID7_ECX_LA57 (1u << 16)

/* The mailbox's firmware half (offset 2048; tdvf_ap_loop.asm FW_*): the model's own counters. */
struct fw_half {
	u32 arrived, answered;
	u32 ids[TDVF_MP_MAX_IDS];
};
#define FW_HALF 2048

static struct {
	bool installed;
	u8 *mailbox;	 /* NVS: the mailbox page, then the loop */
	u64 *tables;	 /* reserved: the model's page tables */
	u8 *tramp;	 /* reserved, below 640 KiB: the parking trampoline */
	u8 *stacks;	 /* reserved */
	struct madt_info cpus; /* the platform's MADT, as QEMU built it */
	u32 parked, init_sipi;
} fw;

static u32 mailbox_type = EFI_ACPI_MEMORY_NVS; /* sim_tdvf_mailbox=nvs|loader */

static bool parse_mailbox_type(const char *v)
{
	if (!strcmp(v, "nvs"))
		mailbox_type = EFI_ACPI_MEMORY_NVS;
	else if (!strcmp(v, "loader"))
		mailbox_type = EFI_LOADER_DATA;
	else
		return false;
	return true;
}

static const struct arg_key_ext sim_tdvf_mailbox_key = { "sim_tdvf_mailbox", "nvs|loader", parse_mailbox_type };
ARG_KEY_REGISTER(sim_tdvf_mailbox_key);

/*
 * sim_tdvf_la57=0|1: TDVF parks its APs with 5-level paging (CR4.LA57) when the TD's GPAW is 52. Default 0,
 * as TDVF does on the modelled GPAW 48 (tdx_model.c MODEL_GPAW); 1 shows that the kernel refuses an AP
 * that pages otherwise than it does, and names it (harness/tests/test_smp_boot.py).
 */
static bool park_la57;

static bool parse_la57(const char *v)
{
	if (strcmp(v, "0") && strcmp(v, "1"))
		return false;
	park_la57 = v[0] == '1';
	return true;
}

static const struct arg_key_ext sim_tdvf_la57_key = { "sim_tdvf_la57", "0|1", parse_la57 };
ARG_KEY_REGISTER(sim_tdvf_la57_key);

/*
 * sim_tdvf_unparked=APIC_ID: that AP never reaches the firmware's loop (a vCPU that never ran), so nothing
 * answers a Wakeup for it and the mailbox stays busy with that request: shows that the kernel names it and
 * says why the APs after it were not posted (harness/tests/test_smp_boot.py). Default none.
 */
static u64 unparked_apic_id = ~0ull;

static bool parse_unparked(const char *v)
{
	if (!strcmp(v, "none")) {
		unparked_apic_id = ~0ull;
		return true;
	}
	return args_parse_size(v, &unparked_apic_id) && unparked_apic_id < 0xffffffffull;
}

static const struct arg_key_ext sim_tdvf_unparked_key = { "sim_tdvf_unparked", "none|APIC_ID", parse_unparked };
ARG_KEY_REGISTER(sim_tdvf_unparked_key);

static void *alloc_pages(struct boot_info *b, u32 type, u64 pages, u64 max)
{
	u64 addr = max;

	if (EFI_IS_ERROR(b->st->boot_services->allocate_pages(EFI_ALLOCATE_MAX_ADDRESS, type, pages, &addr)))
		return NULL;
	memset((void *)(uintptr_t)addr, 0, pages * EFI_PAGE_SIZE);
	return (void *)(uintptr_t)addr;
}

static void fix_checksum(u8 *table, u32 len, u32 at)
{
	u8 sum = 0;

	table[at] = 0;
	for (u32 i = 0; i < len; i++)
		sum = (u8)(sum + table[i]);
	table[at] = (u8)-sum;
}

static void identity_4g(u64 *t)
{
	u64 *pml4 = t, *pdpt = t + 512, *pd = t + 1024;

	pml4[0] = (u64)(uintptr_t)pdpt | PTE_P | PTE_RW;
	t[TABLE_PML5 * 512] = (u64)(uintptr_t)pml4 | PTE_P | PTE_RW; /* for sim_tdvf_la57=1 */
	for (u64 i = 0; i < 4; i++)
		pdpt[i] = (u64)(uintptr_t)(pd + 512 * i) | PTE_P | PTE_RW;
	for (u64 i = 0; i < 4 * 512; i++)
		pd[i] = i * 2 * MiB | PTE_P | PTE_RW | PTE_PS;
}

/* Every XSDT (u64) and RSDT (u32) entry that points at old now points at new; checksums fixed. */
static const char *repoint(const u8 *rsdp, u64 old, u64 new)
{
	u8 *xsdt = rsdp[ACPI_RSDP_REVISION_OFFSET] >= 2 ?
			   (u8 *)(uintptr_t)acpi_le64(rsdp + ACPI_RSDP_XSDT_OFFSET) : NULL;
	u8 *rsdt = (u8 *)(uintptr_t)acpi_le32(rsdp + ACPI_RSDP_RSDT_OFFSET);
	u32 hits = 0;

	if (xsdt) {
		u32 len = acpi_le32(xsdt + SDT_LENGTH);
		for (u32 off = ACPI_SDT_HEADER_SIZE; off + 8 <= len; off += 8)
			if (acpi_le64(xsdt + off) == old && ++hits)
				memcpy(xsdt + off, &new, 8);
		fix_checksum(xsdt, len, MADT_CHECKSUM);
	}
	if (rsdt && new < 4 * GiB) {
		u32 len = acpi_le32(rsdt + SDT_LENGTH), new32 = (u32)new;
		for (u32 off = ACPI_SDT_HEADER_SIZE; off + 4 <= len; off += 4)
			if (acpi_le32(rsdt + off) == old && ++hits)
				memcpy(rsdt + off, &new32, 4);
		fix_checksum(rsdt, len, MADT_CHECKSUM);
	}
	return hits ? NULL : "the MADT is in neither the XSDT nor the RSDT";
}

static const void *identity(void *ctx, u64 pa, u64 len)
{
	(void)ctx, (void)len;
	return (const void *)(uintptr_t)pa;
}

/* AlterAcpiTable(): the MADT with the version 1 Multiprocessor Wakeup structure appended. */
static const char *publish_madt(struct boot_info *b, u64 mailbox, u64 reset_vector)
{
	const u8 *rsdp = efi_config_table(b->st, EFI_ACPI_20_TABLE_GUID);
	const struct acpi_phys phys = { identity, NULL };
	const u8 *old;
	u8 *madt;
	u32 len = 0, new_len;
	u16 version = 1;

	if (!rsdp || !(old = acpi_find_table(&phys, (u64)(uintptr_t)rsdp, "APIC", &len)))
		return "no MADT to extend";
	madt_parse(old, len, &fw.cpus);
	new_len = len + MADT_MP_WAKEUP_SIZE_V1;
	if (!(madt = alloc_pages(b, EFI_ACPI_RECLAIM_MEMORY, ALIGN_UP(new_len, EFI_PAGE_SIZE) / EFI_PAGE_SIZE,
				 BELOW_4G)))
		return "AllocatePages (EfiACPIReclaimMemory) for the new MADT failed";
	memcpy(madt, old, len);
	memcpy(madt + SDT_LENGTH, &new_len, 4);
	madt[len] = MADT_TYPE_MP_WAKEUP;
	madt[len + 1] = MADT_MP_WAKEUP_SIZE_V1;
	memcpy(madt + len + 2, &version, 2);
	memcpy(madt + len + 8, &mailbox, 8);
	memcpy(madt + len + 16, &reset_vector, 8);
	fix_checksum(madt, new_len, MADT_CHECKSUM);
	return repoint(rsdp, (u64)(uintptr_t)old, (u64)(uintptr_t)madt);
}

const char *tdvf_mp_install(struct boot_info *b)
{
	size_t loop_size = (size_t)(tdvf_loop_end - tdvf_loop_start);
	u64 *data;
	u32 invalid = 0xffffffffu;

	if (loop_size > LOOP_PAGES * EFI_PAGE_SIZE)
		return "the AP loop does not fit its pages";
	fw.mailbox = alloc_pages(b, mailbox_type, 1 + LOOP_PAGES, BELOW_4G);
	fw.tables = alloc_pages(b, EFI_RESERVED_MEMORY, TABLE_PAGES, BELOW_4G);
	fw.stacks = alloc_pages(b, EFI_RESERVED_MEMORY, 1, BELOW_4G);
	fw.tramp = alloc_pages(b, EFI_RESERVED_MEMORY, 1, AP_TRAMP_LIMIT - 1);
	if (!fw.mailbox || !fw.tables || !fw.stacks || !fw.tramp || !(uintptr_t)fw.tramp)
		return "AllocatePages for the mailbox, the AP loop and its page tables failed";
	identity_4g(fw.tables);
	memcpy(fw.mailbox + EFI_PAGE_SIZE, tdvf_loop_start, loop_size);
	data = (u64 *)(void *)(fw.mailbox + EFI_PAGE_SIZE + (tdvf_loop_data - tdvf_loop_start));
	data[0] = (u64)(uintptr_t)fw.mailbox;
	data[1] = (u64)(uintptr_t)fw.tables + (park_la57 ? TABLE_PML5 * EFI_PAGE_SIZE : 0);
	memcpy(fw.mailbox + 4, &invalid, 4); /* Command Noop (0), ApicId MailboxApicIdInvalid */
	fw.installed = true;
	return publish_madt(b, (u64)(uintptr_t)fw.mailbox,
			    (u64)(uintptr_t)fw.mailbox + EFI_PAGE_SIZE + (tdvf_loop_reset_vector - tdvf_loop_start));
}

static struct fw_half *half(void)
{
	return (struct fw_half *)(void *)(fw.mailbox + FW_HALF);
}

static bool send(u32 apic_id, u32 icr)
{
	fw.init_sipi++;
	return sim_xapic_ipi(apic_id, icr | APIC_ICR_ASSERT); /* the host's side: not the kernel's APIC code */
}

/* INIT-SIPI-SIPI one AP into the loop; true once it arrived. */
static bool park_one(u32 apic_id, size_t params, u32 slot)
{
	u32 before = __atomic_load_n(&half()->arrived, __ATOMIC_ACQUIRE);
	u64 start;

	ap_tramp_set_cpu(fw.tramp, params, (u64)(uintptr_t)fw.stacks + (slot + 1) * STACK_BYTES,
			 (u64)(uintptr_t)fw.mailbox + EFI_PAGE_SIZE, 0);
	if (ap_init_sipi_sipi(apic_id, ap_tramp_sipi_vector((u64)(uintptr_t)fw.tramp), send) != AP_IPI_SENT)
		return false;
	start = time_now_ns();
	while (__atomic_load_n(&half()->arrived, __ATOMIC_ACQUIRE) == before)
		if (time_now_ns() - start > ARRIVE_NS) {
			send(apic_id, APIC_ICR_DM_INIT); /* back to wait-for-SIPI before the block is reused */
			return false;
		}
	return true;
}

const char *tdvf_mp_park(void)
{
	size_t params = (size_t)(ap_trampoline_params - ap_trampoline_start);
	u64 top = (u64)(uintptr_t)fw.tables + (park_la57 ? TABLE_PML5 * EFI_PAGE_SIZE : 0);
	struct ap_tramp_setup s = {
		.cr3_low = top,
		.cr3 = top,
		.cr0 = TDVF_AP_CR0,
		.cr4 = TDVF_AP_CR4 | (park_la57 ? X86_CR4_LA57 : 0),
		/* Simplification: NXE kept from the boot CPU, so that the kernel's tables stay valid on the AP
		 * (the stub does not write EFER) */
		.efer = ((u32)rdmsr(MSR_EFER) & EFER_NXE) | EFER_LME,
	};
	const char *err;
	u32 boot = sim_x2apic_vcpu_id(); /* the host knows which vCPU this is; CPUID would trap in a TD */

	if (!fw.installed || fw.cpus.error || fw.cpus.enabled < 2)
		return NULL;
	if (park_la57 && !(cpuid_count(7, 0).ecx & CPUID7_ECX_LA57))
		return "sim_tdvf_la57=1, but this CPU has no 5-level paging (CPUID.7.0:ECX[16])";
	if ((err = ap_tramp_install(fw.tramp, (u64)(uintptr_t)fw.tramp, ap_trampoline_start,
				    (size_t)(ap_trampoline_end - ap_trampoline_start), params, &s)))
		return err;
	for (u32 i = 0; i < fw.cpus.count && i < EFI_PAGE_SIZE / STACK_BYTES - 1; i++) {
		const struct madt_cpu *c = &fw.cpus.cpus[i];

		if (!(c->flags & MADT_CPU_ENABLED) || c->apic_id == boot || c->apic_id == unparked_apic_id)
			continue;
		if (park_one(c->apic_id, params, i))
			fw.parked++;
	}
	return NULL;
}

bool tdvf_mp_report(struct tdvf_mp_report *out)
{
	struct fw_half *h;

	if (!fw.installed)
		return false;
	h = half();
	memset(out, 0, sizeof(*out));
	out->mailbox = (u64)(uintptr_t)fw.mailbox;
	out->parked = fw.parked;
	out->parked_init_sipi = fw.init_sipi;
	out->arrived = __atomic_load_n(&h->arrived, __ATOMIC_ACQUIRE);
	out->answered = __atomic_load_n(&h->answered, __ATOMIC_ACQUIRE);
	for (u32 i = 0; i < out->answered && i < TDVF_MP_MAX_IDS; i++)
		out->ids[i] = h->ids[i];
	out->vmm_x2apic_id_reads = sim_x2apic_served(0x802, false);
	out->vmm_x2apic_icr_writes = sim_x2apic_served(0x830, true);
	return true;
}

/* NUM_VCPUS is the TD's configured count (TDH.MNG.INIT's, QEMU -smp; tdg_vp_info.c), however many vCPUs
 * reached the firmware's loop: the MADT QEMU built lists exactly those. */
u32 tdvf_mp_vcpus(void)
{
	return fw.cpus.error || !fw.cpus.enabled ? 1 : fw.cpus.enabled;
}
