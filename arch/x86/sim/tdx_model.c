/* SPDX-License-Identifier: MIT */
/*
 * The TDX module, modelled for machines without TDX: TCG raises #UD for TDCALL (66 0F 01 CC), the #UD hook
 * (sim_insn.c) hands it here, and this file answers in the registers as the module would
 * (github.com/intel/tdx-module, src/td_dispatcher/tdx_td_dispatcher.c td_call() and the leaf handlers in
 * src/td_dispatcher/vm_exits/), then the hook steps over the instruction. Page acceptance state and its
 * rules: tdx_model_pages.c / tdx_model.h. The VMM behind TDG.VP.VMCALL is modelled too (a KVM-like host
 * per the GHCI): Instruction.IO is carried out with real IN/OUT, which TCG executes natively;
 * Instruction.RDMSR/WRMSR of the local APIC's MSRs on the vCPU's real xAPIC (tdx_model_msr.c, sim_x2apic.c).
 */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/portio.h>
#include <arch/sim_tdvf.h>
#include <arch/tdx_spec.h>
#include <ccktf/boot.h>
#include <ccktf/console.h>
#include <ccktf/exit.h>
#include <ccktf/format.h>
#include <ccktf/platform.h>
#include <ccktf/smp.h>
#include <ccktf/spinlock.h>
#include <ccktf/string.h>
#include "sim_firmware.h"
#include "sim_handoff.h"
#include "sim_x2apic.h"
#include "tdx_model.h"

/*
 * GPAW 48 (shared bit 47): the module reports 48 or 52 only (tdg_vp_info.c), and 52 needs 5-level S-EPT
 * and a VMM that gives the TD more than 48 bits of physical address; QEMU/KVM choose 48 unless so, and
 * this guest's memory (a few GiB, TCG's 40 physical bits) needs nothing more.
 */
#define MODEL_GPAW TDX_GPAW_48

/* TDX 1.5 ABI, #VE information: EPT violation qualification bit 0 = the access was a read (SDM 28.3.3.2). */
#define MODEL_EPT_QUAL_READ 1ull

/*
 * A production TD: not DEBUG; SEPT_VE_DISABLE set, as Linux requires unless debugging (tdx_early_init()).
 * sim_sept_ve_disable=0 gives a TD without it, where touching pending memory is reflected as #VE.
 */
static u64 attributes = TDX_ATTR_SEPT_VE_DISABLE;

/*
 * The #VE information TDG.VP.VEINFO.GET returns once, after the model reflected an access as #VE: per vCPU,
 * as the module keeps it in each VCPU's TDVPS (tdg_vp_veinfo_get.c reads the current VCPU's ve_info), so
 * that two vCPUs taking #VE at once each read their own.
 */
static struct {
	bool valid;
	u64 exit_reason, qualification, gla, gpa, insn_len;
} ve_infos[SMP_MAX_CPUS];
#define ve_info (ve_infos[this_cpu_index()])

static struct tdx_pages pages;
static const struct sim_memory *memory; /* the regions, for the pending-memory guard (arch/sim.h) */

/*
 * The module's own view of guest memory: TDG.MEM.PAGE.ACCEPT zeroes a page through the module's mapping,
 * while the guest's stays blocked until the S-EPT entry is MAPPED (tdg_mem_page_accept.c: the page is
 * initialised with the entry locked, then made MAPPED). The model's equivalent is an alias of its regions
 * at ALIAS_BASE + GPA in the kernel's page tables, which only this file uses: the guard keeps the guest's
 * identity mapping of a page not present until its accept has completed (page_accept()).
 */
#define ALIAS_BASE (1ull << 46) /* 64 TiB: above any identity map this model runs under, below 2^47 */
static u64 alias_start, alias_end, *alias_pool, alias_pool_pages;
static bool alias_ready;
static u64 tdcalls_served;

/* Setup */

static bool firmware_accept(u64 start, u64 size);

/* One span over all regions, 2 MiB aligned: the tables for its alias, taken while boot services run. */
static const char *reserve_alias(struct boot_info *b, const struct sim_memory *mem)
{
	alias_start = ~0ull;
	alias_end = 0;
	for (unsigned i = 0; i < mem->count; i++) {
		alias_start = MIN(alias_start, ALIGN_DOWN(mem->regions[i].start, 2 * MiB));
		alias_end = MAX(alias_end, ALIGN_UP(mem->regions[i].end, 2 * MiB));
	}
	if (!mem->count)
		return NULL;
	if (alias_end > ALIAS_BASE)
		return "the TDX model's memory reaches 64 TiB, where its alias mapping begins";
	alias_pool_pages = paging_alias_tables_needed(ALIAS_BASE + alias_start, alias_end - alias_start);
	alias_pool = sim_alloc(b, alias_pool_pages * EFI_PAGE_SIZE);
	return alias_pool ? NULL : "no memory for the TDX model's alias page tables";
}

static void map_alias(void)
{
	if (alias_end && !paging_map_alias(ALIAS_BASE + alias_start, alias_start, alias_end - alias_start,
					   (u64)(uintptr_t)alias_pool, alias_pool_pages))
		sim_stop("the TDX model could not map its alias of guest memory (in use, or short of tables) at",
			 ALIAS_BASE + alias_start);
	alias_ready = alias_end != 0;
}

/* Where the module writes the page at gpa: its alias once the kernel's tables are in place. */
static u64 module_view(u64 gpa)
{
	return alias_ready && gpa >= alias_start && gpa < alias_end ? ALIAS_BASE + gpa : gpa;
}

const char *tdx_model_init(struct boot_info *b, const struct sim_memory *mem)
{
	memory = mem;
	/* TDVF has no accept-all at ExitBootServices (sim_firmware.c): the only firmware this model is. */
	if (sim_knobs.fw != SIM_FW_DEFAULT && sim_knobs.fw != SIM_FW_TDVF)
		return "the TDX model's firmware is TDVF (sim_fw=tdvf); deployed, near-future and far-future are "
		       "SNP firmware kinds";
	sim_fw_set_presented(mem);
	attributes = sim_knobs.sept_ve_disable ? TDX_ATTR_SEPT_VE_DISABLE : 0;
	tdx_pages_init(&pages, MODEL_GPAW);
	for (unsigned i = 0; i < mem->count; i++) {
		const struct sim_region *r = &mem->regions[i];
		void *state = sim_alloc_hw(b, tdx_pages_state_bytes(r->start, r->end)); /* the S-EPT's */
		if (!state)
			return "AllocatePages for the TDX model's page state failed";
		if (!tdx_pages_add_region(&pages, r->start, r->end, state, sim_knobs.host_4k))
			return "more regions than the TDX model tracks";
	}
	const char *err = reserve_alias(b, mem);
	if (err || (err = sim_guard_reserve(b, mem)))
		return err;
	return sim_fw_install_accept_protocol(b, firmware_accept);
}

u64 tdx_model_tdcalls_served(void)
{
	return tdcalls_served;
}

/* Page contents: the model's memory is identity-mapped RAM */

static void fill_quads(u64 addr, u64 bytes, u64 pattern)
{
	u64 *p = (u64 *)(uintptr_t)addr;
	u64 n = bytes / sizeof(u64);

	asm volatile("rep stosq" : "+D"(p), "+c"(n) : "a"(pattern) : "memory");
}

/*
 * The firmware's AcceptMemory() in a TD (edk2 OvmfPkg/TdxDxe/TdxDxe.c TdxMemoryAccept(): a 4K head, a 2M
 * body, a 4K tail, each through TdAcceptPages(), MdePkg/Library/TdxLib/AcceptPages.c): ALREADY_ACCEPTED
 * counts as done, a 2M SIZE_MISMATCH is redone as 512 4K accepts, anything else fails. The memory map is
 * left as it is, as TdxDxe leaves it (sim_firmware.c).
 */
static bool firmware_accept_one(u64 gpa, u64 level)
{
	u64 status = tdx_pages_accept(&pages, gpa | level), bytes = tdx_level_bytes(level);

	if (status == TDX_SUCCESS) {
		fill_quads(gpa, bytes, 0);
		return true;
	}
	if (tdx_status_is(status, TDX_PAGE_ALREADY_ACCEPTED))
		return true;
	if (level == TDX_PS_2M && tdx_status_is(status, TDX_PAGE_SIZE_MISMATCH)) {
		for (u64 a = gpa; a < gpa + bytes; a += 4 * KiB)
			if (!firmware_accept_one(a, TDX_PS_4K))
				return false;
		return true;
	}
	return false;
}

static bool firmware_accept(u64 start, u64 size)
{
	for (u64 a = start, end = start + size; a < end;) {
		u64 level = IS_ALIGNED(a, 2 * MiB) && end - a >= 2 * MiB ? TDX_PS_2M : TDX_PS_4K;
		if (!firmware_accept_one(a, level))
			return false;
		a += tdx_level_bytes(level);
	}
	return true;
}

/* Leaves */

/* platform_model_ops.hold_accept: one accept, held in its window (pending, zeroed, not yet MAPPED). */
static u64 hold_page = ~0ull;
static volatile u32 *volatile hold_state;

static void model_hold_accept(u64 addr, volatile u32 *state)
{
	hold_page = ALIGN_DOWN(addr, 4 * KiB);
	hold_state = state;
}

static void hold_if_asked(u64 gpa, u64 bytes)
{
	volatile u32 *state = hold_state;

	if (!state || hold_page < gpa || hold_page >= gpa + bytes ||
	    !__atomic_compare_exchange_n(&hold_state, &state, NULL, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	*state = 1;
	while (*state == 1)
		cpu_relax();
}

/*
 * Several vCPUs accept at once: the page state is changed under the lock of its 2 MiB chunk
 * (sim_chunk_lock(): a request never spans two), the zeroing is not (the module zeroes with the S-EPT entry
 * locked, not the whole S-EPT: tdx_pages_accept_begin() in tdx_model.h), so that accepts of different
 * pages on different vCPUs run in parallel, as on hardware.
 *
 * The page stays pending, and the guest's mapping of it not present, until the accept has completed: the
 * module zeroes it through its own view (module_view()) and the guard opens it only after
 * tdx_pages_accept_end(), so another vCPU touching it meanwhile is caught, as on hardware, where the S-EPT
 * entry is not MAPPED before TDG.MEM.PAGE.ACCEPT returns (with SEPT_VE_DISABLE, such a touch ends the TD).
 * A 4K accept opens that 4 KiB page only (sim_guard.c).
 */
_Static_assert(TDX_MODEL_INFLIGHT >= SMP_MAX_CPUS, "an in-flight slot for every vCPU's accept (tdx_model.h)");

static u64 page_accept(struct cpu_regs *r)
{
	u64 gpa = r->rcx & TDX_PAGE_INFO_GPA_MASK, bytes = tdx_level_bytes(r->rcx & TDX_PAGE_INFO_LEVEL_MASK);
	struct spinlock *lock = sim_chunk_lock(gpa);
	u64 status;

	spin_lock(lock);
	status = tdx_pages_accept_begin(&pages, r->rcx);
	spin_unlock(lock);
	if (status != TDX_SUCCESS)
		return status;
	fill_quads(module_view(gpa), bytes, 0); /* the module zeroes what it accepts (init_sept_4k_page()) */
	hold_if_asked(gpa, bytes);
	spin_lock(lock);
	tdx_pages_accept_end(&pages, r->rcx);
	sim_guard_open(gpa, gpa + bytes);
	spin_unlock(lock);
	return status;
}

static u64 vp_info(struct cpu_regs *r)
{
	if (sim_knobs.fail_setup) /* sim_fail=setup: a module that does not answer */
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX;
	r->rcx = MODEL_GPAW;
	r->rdx = attributes;
	/* NUM_VCPUS and MAX_VCPUS: the vCPUs the TD was configured with (tdg_vp_info.c), here the MADT's
	 * enabled processors (QEMU -smp; arch/x86/sim/tdvf_mp.c), whether or not each reached the firmware's
	 * loop; no vCPU is added later */
	r->r8 = (u64)tdvf_mp_vcpus() << TDX_VCPUS_MAX_SHIFT | tdvf_mp_vcpus();
	r->r9 = 0;  /* VCPU_INDEX */
	/* TDG_SYS_RD_AVAILABLE as a 1.5 module sets it (tdg_vp_info.c); a 1.0 module leaves R10 zero. */
	r->r10 = sim_knobs.tdx_module_1_0 ? 0 : TDX_VP_INFO_R10_SYS_RD;
	r->r11 = 0;
	return TDX_SUCCESS;
}

/* TDG.SYS.RD (tdx_model_sys.c); a 1.0 module has no leaf 11: an invalid RAX, as for any unknown leaf. */
static u64 sys_rd(struct cpu_regs *r)
{
	if (sim_knobs.tdx_module_1_0)
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX;
	return tdx_model_sys_rd(r->rdx, &r->r8, &r->rdx);
}

/* The information of the last #VE the model reflected, once (tdg_vp_veinfo_get.c: VALID is then cleared). */
static u64 ve_info_get(struct cpu_regs *r, u64 version)
{
	r->rcx = r->rdx = r->r8 = r->r9 = r->r10 = 0;
	if (version > 1)
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX;
	if (!ve_info.valid)
		return TDX_NO_VALID_VE_INFO;
	r->rcx = ve_info.exit_reason;
	r->rdx = ve_info.qualification;
	r->r8 = ve_info.gla;
	r->r9 = ve_info.gpa;
	r->r10 = ve_info.insn_len;
	ve_info.valid = false;
	return TDX_SUCCESS;
}

/* TDG.VP.VMCALL: the VMM sees only the GPRs RCX exposes (tdg_vp_vmcall.c) */

static u64 *gpr(struct cpu_regs *r, unsigned n)
{
	u64 *const slots[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, NULL,   &r->rbp, &r->rsi, &r->rdi,
				 &r->r8,  &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15 };

	return slots[n];
}

static bool exposed(u64 mask, unsigned n)
{
	return mask & TDX_GPR_BIT(n);
}

static u64 io_size_mask(u64 size)
{
	return (1ull << (8 * size)) - 1;
}

/* Instruction.IO as KVM does it (arch/x86/kvm/vmx/tdx.c, tdx_emulate_io()): the value read, zero-extended. */
static u64 vmm_io(u64 *vmm)
{
	u64 size = vmm[TDX_GPR_R12], dir = vmm[TDX_GPR_R13], port = vmm[TDX_GPR_R14];

	if ((size != 1 && size != 2 && size != 4) || dir > TDVMCALL_IO_WRITE || (u16)port != port)
		return TDVMCALL_STATUS_INVALID_OPERAND;
	if (dir == TDVMCALL_IO_WRITE)
		native_out((u16)port, (unsigned)size, (u32)vmm[TDX_GPR_R15]);
	else
		vmm[TDX_GPR_R11] = native_in((u16)port, (unsigned)size) & io_size_mask(size);
	return TDVMCALL_STATUS_SUCCESS;
}

/*
 * ReportFatalError as QEMU handles it (target/i386/kvm/tdx.c tdx_handle_report_fatal_error()): the message
 * from R14, R15, RBX, RDI, RSI, R8, R9, RDX, as far as RCX exposed them; a guest panic, the TD never runs
 * again. The model prints it and ends the run.
 */
static __noreturn void vmm_fatal(const u64 *vmm)
{
	static const unsigned order[] = { TDX_GPR_R14, TDX_GPR_R15, TDX_GPR_RBX, TDX_GPR_RDI,
					  TDX_GPR_RSI, TDX_GPR_R8,  TDX_GPR_R9,  TDX_GPR_RDX };
	static char line[TDVMCALL_FATAL_MESSAGE_BYTES + 96];
	char msg[TDVMCALL_FATAL_MESSAGE_BYTES + 1] = { 0 };

	for (unsigned i = 0; i < ARRAY_SIZE(order); i++)
		memcpy(msg + 8 * i, &vmm[order[i]], 8);
	snprintf(line, sizeof(line), "the TD reported a fatal error (TDG.VP.VMCALL<ReportFatalError>): \"%s\" "
		 "(error code in R12)", msg);
	sim_stop(line, vmm[TDX_GPR_R12]);
}

/* Instruction.HLT: with interrupts disabled (R12 = 1) KVM never wakes the vCPU for an interrupt
 * (tdx_interrupt_allowed(), arch/x86/kvm/vmx/tdx.c): the model halts for good, as the host would. */
static u64 vmm_hlt(const u64 *vmm)
{
	if (vmm[TDX_GPR_R12] & TDVMCALL_HLT_IRQ_DISABLED)
		for (;;)
			asm volatile("cli; hlt");
	asm volatile("hlt");
	return TDVMCALL_STATUS_SUCCESS;
}

static u64 vmm_rdmsr(u64 *vmm)
{
	return (u32)vmm[TDX_GPR_R12] != vmm[TDX_GPR_R12] ? TDVMCALL_STATUS_INVALID_OPERAND
							 : tdx_model_vmm_rdmsr((u32)vmm[TDX_GPR_R12], &vmm[TDX_GPR_R11]);
}

static u64 vmm_wrmsr(const u64 *vmm)
{
	return (u32)vmm[TDX_GPR_R12] != vmm[TDX_GPR_R12] ? TDVMCALL_STATUS_INVALID_OPERAND
							 : tdx_model_vmm_wrmsr((u32)vmm[TDX_GPR_R12], vmm[TDX_GPR_R13]);
}

/* GHCI 1.5: a sub-function the VMM does not implement answers SUBFUNC_UNSUPPORTED (KVM since v6.16). */
static void vmm_answer(u64 *vmm)
{
	if (vmm[TDX_GPR_R10] != TDVMCALL_STANDARD) {
		vmm[TDX_GPR_R10] = TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED;
		return;
	}
	switch (vmm[TDX_GPR_R11]) {
	case TDVMCALL_IO:
		vmm[TDX_GPR_R10] = vmm_io(vmm);
		break;
	case TDVMCALL_HLT:
		vmm[TDX_GPR_R10] = vmm_hlt(vmm);
		break;
	case TDVMCALL_MSR_READ:
		vmm[TDX_GPR_R10] = vmm_rdmsr(vmm);
		break;
	case TDVMCALL_MSR_WRITE:
		vmm[TDX_GPR_R10] = vmm_wrmsr(vmm);
		break;
	case TDVMCALL_REPORT_FATAL_ERROR:
		vmm_fatal(vmm);
	default:
		vmm[TDX_GPR_R10] = TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED;
	}
}

static u64 vmcall(struct cpu_regs *r)
{
	u64 mask = r->rcx, vmm[16] = { 0 };

	if ((mask & TDVMCALL_GPR_FORBIDDEN) || (mask & TDVMCALL_RESERVED_MASK))
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
	for (unsigned n = 2; n < 16; n++)
		if (exposed(mask, n) && gpr(r, n))
			vmm[n] = *gpr(r, n);
	vmm_answer(vmm);
	for (unsigned n = 2; n < 16; n++)
		if (exposed(mask, n) && gpr(r, n))
			*gpr(r, n) = vmm[n];
	return TDX_SUCCESS;
}

/* Dispatch, as td_call() does: leaf and version checks first, unknown leaves are an invalid RAX. */
static u64 tdcall(struct cpu_regs *r)
{
	u64 leaf = r->rax & TDX_LEAF_MASK;
	u64 version = (r->rax >> TDX_LEAF_VERSION_SHIFT) & TDX_LEAF_VERSION_MASK;

	if ((r->rax >> TDX_LEAF_RESERVED_SHIFT) || (version && leaf != TDG_VP_VEINFO_GET))
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX;
	switch (leaf) {
	case TDG_VP_VMCALL:
		return vmcall(r);
	case TDG_VP_INFO:
		return vp_info(r);
	case TDG_VP_VEINFO_GET:
		return ve_info_get(r, version);
	case TDG_MEM_PAGE_ACCEPT:
		return page_accept(r);
	case TDG_SYS_RD:
		return sys_rd(r);
	default:
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX;
	}
}

static bool answer_tdcall(struct cpu_regs *regs)
{
	__atomic_fetch_add(&tdcalls_served, 1, __ATOMIC_RELAXED);
	regs->rax = tdcall(regs);
	return true;
}

/* Touching pending memory (TD attribute SEPT_VE_DISABLE; docs/abi.md) */

static bool unit_pending(u64 unit)
{
	for (u64 a = unit; a < unit + 2 * MiB; a += 4 * KiB)
		if (!tdx_pages_pending(&pages, a))
			return false;
	return true;
}

/*
 * Without SEPT_VE_DISABLE the module reflects the EPT violation to the TD as #VE (vector 20), with the
 * details in the #VE information (exit reason 48, Linux tdx_get_ve_info()): the TD's own #VE handler runs, here
 * the real backend's (arch/x86/tdx/tdx_ve.c). Returns false when it does not handle it: a crash, vector 20.
 */
static bool reflect_as_ve(struct cpu_regs *regs, u64 addr)
{
	trap_hook_fn ve = trap_hook(X86_VE);

	ve_info.valid = true;
	ve_info.exit_reason = TDX_EXIT_REASON_EPT_VIOLATION;
	ve_info.qualification = MODEL_EPT_QUAL_READ;
	ve_info.gla = ve_info.gpa = addr; /* identity-mapped */
	ve_info.insn_len = 0;
	regs->vector = X86_VE;
	regs->error_code = 0;
	return ve && ve(regs);
}

/*
 * With SEPT_VE_DISABLE set, an access to a pending private GPA is not reflected to the TD as #VE; the
 * module makes the TD unrunnable and the host can only tear it down. The closest a run can show of a
 * killed TD is to stop here with "crashed" (docs/protocol.md).
 */
static bool touch_pending(struct cpu_regs *regs, u64 addr)
{
	if (!(attributes & TDX_ATTR_SEPT_VE_DISABLE))
		return reflect_as_ve(regs, addr);
	printk("\n# sim-tdx: TDX module: access to pending GPA 0x%llx with SEPT_VE_DISABLE set: the TD is "
	       "terminated (model)\n",
	       addr);
	ccktf_exit(CCKTF_EXIT_CRASHED);
}

/*
 * IN/OUT in a TD: the module turns them into #VE with exit reason 30 and the qualification of SDM vol. 3C
 * table 28-5 (size - 1, bit 3 IN, port in 31:16); IN/OUT with DX is one byte long. Handed to the TD's own
 * #VE handler (the real backend's), which emulates it through TDG.VP.VMCALL; false when there is none or
 * it declines (sim_protect.c).
 */
static bool io_as_ve(u16 port, unsigned size, bool in, u32 *value)
{
	trap_hook_fn ve = trap_hook(X86_VE);
	struct cpu_regs regs = { .vector = X86_VE, .rax = *value };

	if (!ve)
		return false;
	ve_info.valid = true;
	ve_info.exit_reason = TDX_EXIT_REASON_IO_INSTRUCTION;
	ve_info.qualification = (size - 1) | (in ? TDX_VE_IO_IN : 0) | (u64)port << TDX_VE_IO_PORT_SHIFT;
	ve_info.gla = ve_info.gpa = 0;
	ve_info.insn_len = 1;
	if (!ve(&regs))
		return false;
	if (in)
		*value = (u32)regs.rax;
	return true;
}

/*
 * RDMSR/WRMSR of an x2APIC MSR in a TD: the MSRs KVM emulates (all but TPR, PPR, EOI, ISR, TMR, IRR, which
 * the CPU virtualizes: KVM tdx.c tdx_has_emulated_msr()) are not passed through by the module's MSR bitmaps,
 * so the access exits to the module, which injects #VE with the exit reason (31 RDMSR, 32 WRMSR),
 * qualification 0 and the instruction's length (tdx-module src/td_dispatcher/tdx_td_dispatcher.c, the
 * generic #VE exits, td_generic_ve_exit()). Handed to the TD's #VE handler, the real backend's, which asks the
 * VMM through TDG.VP.VMCALL (tdx_model_msr.c answers). TCG raises nothing for these MSRs (sim_x2apic.h),
 * so the kernel's x2APIC accessor hands them here.
 */
static bool msr_as_ve(struct cpu_regs *regs, const struct sim_msr_access *a)
{
	trap_hook_fn ve = trap_hook(X86_VE);

	regs->vector = X86_VE;
	regs->error_code = 0;
	if (!ve)
		return false;
	ve_info.valid = true;
	ve_info.exit_reason = a->write ? TDX_EXIT_REASON_MSR_WRITE : TDX_EXIT_REASON_MSR_READ;
	ve_info.qualification = 0;
	ve_info.gla = ve_info.gpa = 0;
	ve_info.insn_len = a->len;
	return ve(regs);
}

void tdx_model_attach(void)
{
	static const u8 tdcall_opcode[] = { TDX_TDCALL_BYTES };

	sim_protect_install("sim-tdx", io_as_ve);
	sim_register_insn(tdcall_opcode, TDX_TDCALL_LEN, answer_tdcall);
	map_alias();
	sim_guard_install(memory, unit_pending, touch_pending);
	sim_x2apic_install(msr_as_ve);
}

/* What tests may ask of the model (ccktf/platform.h) */

static void model_set_host_4k(u64 addr, bool host_4k)
{
	struct spinlock *lock = sim_chunk_lock(addr);

	spin_lock(lock);
	tdx_pages_set_host_4k(&pages, addr, host_4k);
	spin_unlock(lock);
}

static void model_inject_error(u64 addr, u64 raw_status)
{
	struct spinlock *lock = sim_chunk_lock(addr);

	spin_lock(lock);
	tdx_pages_inject(&pages, addr, raw_status);
	spin_unlock(lock);
}

/* A test writing into pending memory the guest could not touch: that 4 KiB page stays present afterwards, since
 * the tests read the poison back before accepting (tests/tdx, tests/accept). Under the chunk's lock, as
 * every change of the page state and of the guard's page tables (page_accept()): another vCPU accepting at
 * once could otherwise begin its accept between the pending check and the write, or edit the same page
 * table. */
static void model_poison(u64 addr)
{
	struct spinlock *lock = sim_chunk_lock(addr);

	spin_lock(lock);
	if (tdx_pages_pending(&pages, addr)) {
		sim_guard_open(addr, addr + 1);
		fill_quads(ALIGN_DOWN(addr, 4 * KiB), 4 * KiB, TDX_MODEL_POISON);
	}
	spin_unlock(lock);
}

static bool model_page_accepted(u64 addr)
{
	return tdx_pages_accepted(&pages, addr);
}

static u64 model_double_accepts(void)
{
	return __atomic_load_n(&pages.double_accepts, __ATOMIC_RELAXED);
}

static void model_firmware(struct model_firmware_report *out)
{
	sim_fw_report(out, SIM_FW_TDVF);
}

const struct platform_model_ops tdx_model_ops = {
	.set_host_4k = model_set_host_4k,
	.inject_error = model_inject_error,
	.poison = model_poison,
	.page_accepted = model_page_accepted,
	.double_accepts = model_double_accepts,
	.host_back = sim_host_back,
	.firmware = model_firmware,
	.hold_accept = model_hold_accept,
};

/*
 * handoff=self (sim_handoff.h): what the module keeps crosses to stage 2 as hardware state would, the page
 * state in place (sim_alloc_hw() pages), the rest in the header. Not while an accept is in flight (one CPU
 * hands off, after its tests: none is), nor with an injected status pending (a test's, not the hardware's).
 */
const char *tdx_model_handoff_save(struct sim_handoff *h)
{
	for (unsigned i = 0; i < TDX_MODEL_INFLIGHT; i++)
		if (pages.inflight[i].bytes)
			return "an accept is in flight";
	for (unsigned i = 0; i < TDX_MODEL_INJECTIONS; i++)
		if (pages.injections[i].status)
			return "a test left an injected accept status behind";
	if (!memory || pages.count != memory->count)
		return "the TDX model tracks other regions than it presents";
	h->tdx_attributes = attributes;
	h->tdx_gpaw = pages.gpaw;
	h->count = pages.count;
	for (unsigned i = 0; i < pages.count; i++) {
		const struct tdx_pages_region *r = &pages.regions[i];
		h->regions[i] = (struct sim_handoff_region){ .start = r->start, .end = r->end,
							     .state_pa = (u64)(uintptr_t)r->accepted,
							     .state_bytes = tdx_pages_state_bytes(r->start, r->end),
							     .unreported = memory->regions[i].unreported };
	}
	return NULL;
}

/* Stage 2: the page state where stage 1's model left it; what the model needs besides (the guard's tables,
 * the alias) from this stage's allocator (sim_alloc_without_boot_services()). */
const char *tdx_model_adopt(const struct sim_handoff *h, const struct sim_memory *mem)
{
	const char *err;

	memory = mem;
	attributes = h->tdx_attributes;
	tdx_pages_init(&pages, h->tdx_gpaw);
	for (unsigned i = 0; i < h->count; i++) {
		const struct sim_handoff_region *r = &h->regions[i];
		if (r->state_bytes != tdx_pages_state_bytes(r->start, r->end) ||
		    !tdx_pages_adopt_region(&pages, r->start, r->end, (void *)(uintptr_t)r->state_pa))
			return "the TDX model's page state from stage 1 does not match its regions";
	}
	if ((err = reserve_alias(&boot_info, mem)) || (err = sim_guard_reserve(&boot_info, mem)))
		return err;
	return NULL;
}
