/* SPDX-License-Identifier: MIT */
/*
 * The "tdx" platform: an Intel TDX trust domain. Detection by CPUID leaf 0x21 (Linux
 * arch/x86/coco/tdx/tdx.c, tdx_early_init()), the TD's parameters from TDG.VP.INFO (tdx_parse_tdinfo()),
 * and after ExitBootServices the #VE hook and port I/O through TDG.VP.VMCALL. Acceptance: tdx_accept.c.
 */
#include <arch/cpu.h>
#include <arch/tdx.h>
#include <arch/tdx_spec.h>
#include <ccktf/format.h>
#include <ccktf/platform.h>

bool tdx_cpuid_detect(void)
{
	struct cpuid_regs sig;

	if (cpuid(0).eax < TDX_CPUID_LEAF) /* the leaf does not exist: reading it returns another leaf */
		return false;
	sig = cpuid_count(TDX_CPUID_LEAF, 0);
	return sig.ebx == TDX_CPUID_SIG_EBX && sig.edx == TDX_CPUID_SIG_EDX && sig.ecx == TDX_CPUID_SIG_ECX;
}

u64 tdx_vp_info(struct tdx_td_info *info)
{
	struct tdx_module_args args = { 0 };
	u64 status = tdx_tdcall(TDG_VP_INFO, &args);

	info->gpaw = (unsigned)(args.rcx & TDX_GPAW_MASK);
	info->shared_bit = info->gpaw ? 1ull << (info->gpaw - 1) : 0;
	info->attributes = args.rdx;
	info->num_vcpus = (u32)(args.r8 & TDX_VCPUS_NUM_MASK);
	info->max_vcpus = (u32)(args.r8 >> TDX_VCPUS_MAX_SHIFT);
	info->vcpu_index = (u32)args.r9;
	info->commands_available = args.r10;
	return status;
}

/* TDG.SYS.RD (tdx_spec.h): RDX in the field identifier; R8 out the value, RDX out the next identifier. */
u64 tdx_sys_rd(u64 field_id, u64 *value, u64 *next)
{
	struct tdx_module_args args = { .rdx = field_id };
	u64 status = tdx_tdcall(TDG_SYS_RD, &args);

	if (value)
		*value = args.r8;
	if (next)
		*next = args.rdx;
	return status;
}

/*
 * Every field is asked for, even when TDG.VP.INFO says the module has no TDG.SYS.RD: a 1.0 module answers
 * the unknown leaf with TDX_OPERAND_INVALID (td_call()), and that raw status is the evidence printed.
 */
void tdx_identity_read(struct tdx_module_identity *id)
{
	struct tdx_td_info info;

	id->vp_info_status = tdx_vp_info(&info);
	id->sys_rd_available = id->vp_info_status == TDX_SUCCESS && (info.commands_available & TDX_VP_INFO_R10_SYS_RD);
	for (unsigned f = 0; f < TDX_ID_FIELDS; f++)
		id->status[f] = tdx_sys_rd(tdx_id_fields[f].field_id, &id->value[f], NULL);
}

void tdx_identify(char *buf, size_t size)
{
	struct tdx_module_identity id;

	tdx_identity_read(&id);
	tdx_identity_format(&id, buf, size);
}

/* The attributes a test reader cares about, by name; "none" when none is set. */
static void format_attributes(u64 attributes, char *buf, size_t size)
{
	static const struct {
		u64 bit;
		const char *name;
	} names[] = {
		{ TDX_ATTR_DEBUG, "DEBUG" },	     { TDX_ATTR_SEPT_VE_DISABLE, "SEPT_VE_DISABLE" },
		{ TDX_ATTR_MIGRTABLE, "MIGRATABLE" }, { TDX_ATTR_PKS, "PKS" },
		{ TDX_ATTR_KL, "KL" },		     { TDX_ATTR_PERFMON, "PERFMON" },
	};
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if ((attributes & names[i].bit) && used < size)
			used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "|" : "", names[i].name);
	if (!used)
		snprintf(buf, size, "none");
}

void tdx_describe(char *buf, size_t size)
{
	struct tdx_td_info info;
	char attrs[64];
	u64 status = tdx_vp_info(&info);

	if (status) {
		snprintf(buf, size, "TDG.VP.INFO failed with status 0x%llx", status);
		return;
	}
	format_attributes(info.attributes, attrs, sizeof(attrs));
	snprintf(buf, size, "GPAW %u (shared bit %u), attributes 0x%llx (%s), vCPUs %u/%u", info.gpaw,
		 info.gpaw - 1, info.attributes, attrs, info.num_vcpus, info.max_vcpus);
}

/*
 * After ExitBootServices the firmware's #VE handler is gone: IN/OUT would now raise #VE in our IDT. Port I/O
 * goes through TDG.VP.VMCALL instead (as Linux's decompressor does), and #VE gets our handler.
 */
const char *tdx_setup_after_exit(void)
{
	struct tdx_td_info info;

	if (tdx_vp_info(&info))
		return "TDG.VP.INFO failed: the TDX module does not answer TDCALL";
	tdx_ve_install();
	portio_set_ops(&tdx_portio);
	return NULL;
}

/* The cheapest TDCALL with no side effect: the fixed cost of entering the TDX module and back. */
void tdx_round_trip(void)
{
	struct tdx_module_args args = { 0 };

	(void)tdx_tdcall(TDG_VP_INFO, &args);
}

static const char *tdx_setup_before_exit(struct boot_info *b)
{
	(void)b; /* OVMF accepted what the kernel runs in and handles #VE until ExitBootServices */
	return NULL;
}

static const struct platform_ops tdx_platform = {
	.name = "tdx",
	.auto_priority = 10,
	.detect = tdx_cpuid_detect,
	.setup_before_exit = tdx_setup_before_exit,
	.setup_after_exit = tdx_setup_after_exit,
	.describe = tdx_describe,
	.identify = tdx_identify,
	.accept_range = tdx_accept_range,
	.page_state = tdx_page_state,
	.round_trip = tdx_round_trip,
	.terminate = tdx_terminate,
	/* TDG.MEM.PAGE.ACCEPT initialises the page to zero (intel/tdx-module tdg_mem_page_accept.c). */
	.attrs = CC_ATTR_BIT(CC_ATTR_TDX_GUEST) | CC_ATTR_BIT(CC_ATTR_ACCEPT_ZEROES) |
		 CC_ATTR_BIT(CC_ATTR_GUEST_STATE_PROTECTED),
	.model = NULL,
	.cpu_wake = CPU_WAKE_MADT_MAILBOX,
};
PLATFORM_REGISTER(tdx_platform);
