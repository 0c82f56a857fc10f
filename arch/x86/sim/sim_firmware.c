/* SPDX-License-Identifier: MIT */
/*
 * The parts of confidential-guest OVMF that Debian's plain OVMF lacks, installed by a model before
 * ExitBootServices so that the kernel's real firmware paths run against them (the model behaves as OVMF,
 * it does not excuse the kernel from it):
 *   - EDKII_MEMORY_ACCEPT_PROTOCOL (OvmfPkg/TdxDxe/TdxDxe.c TdxMemoryAccept(), OvmfPkg/AmdSevDxe/
 *     AmdSevDxe.c AmdSevMemoryAccept()): AcceptMemory() accepts the range and leaves the memory map
 *     alone: the range is still reported as EfiUnacceptedMemoryType afterwards. Only the range the model
 *     presents as unaccepted is served; anything else is EFI_INVALID_PARAMETER (never more permissive).
 *   - OVMF_SEV_MEMORY_ACCEPTANCE_PROTOCOL (SNP only; OvmfPkg/AmdSevDxe/AmdSevDxe.c): AllowUnaccepted-
 *     Memory() records that the OS accepts memory itself; without that call AmdSevDxe's
 *     BeforeExitBootServices handler accepts ALL unaccepted memory and rewrites the map (AcceptAllMemory()).
 * A protocol the firmware already has is left as it is.
 *
 * The firmware kinds (sim_fw=; issue 14's matrix). Each is the behaviour of a firmware that exists, and
 * never more permissive than it:
 *   - deployed (SNP): OVMF before lazy acceptance, e.g. edk2-stable202211 (Debian 12's OVMF 2022.11):
 *     OvmfPkg/PlatformPei/AmdSev.c AmdSevSnpInitialize() walks the resource HOBs and pre-validates all
 *     system RAM with MemEncryptSevSnpPreValidateSystemRam() (BaseMemEncryptSevLib) in PEI, before any OS
 *     code runs. Nothing is ever EfiUnacceptedMemoryType, and neither protocol above exists (AmdSevDxe
 *     gained both with lazy acceptance in 2023). The model validates its regions at its setup, the
 *     earliest point it has, and never marks them unaccepted.
 *   - near-future (SNP, the default: OVMF as shipped today): RAM above 4 GiB stays unaccepted
 *     (OvmfPkg/PlatformPei/AmdSev.c, EFI_RESOURCE_MEMORY_UNACCEPTED), and OvmfPkg/AmdSevDxe/AmdSevDxe.c
 *     accepts all of it in its gEfiEventBeforeExitBootServicesGuid handler unless the OS called
 *     OVMF_SEV_MEMORY_ACCEPTANCE_PROTOCOL.AllowUnacceptedMemory() (OvmfPkg/Include/Protocol/
 *     SevMemoryAcceptance.h says why: SNP Linux shipped before it knew unaccepted memory).
 *   - far-future (SNP): the firmware never accepts memory for the OS: what TDVF does today (below), on SNP.
 *     No edk2 release for SNP behaves so yet; the model keeps EDKII_MEMORY_ACCEPT_PROTOCOL (the firmware
 *     accepts what it is asked to) and drops OVMF_SEV_MEMORY_ACCEPTANCE_PROTOCOL, which has nothing left
 *     to switch off (a kernel must not depend on it: Linux's EFI stub ignores its absence).
 *   - tdvf (TDX, the TDX model's only kind): OvmfPkg/TdxDxe/TdxDxe.c installs EDKII_MEMORY_ACCEPT_PROTOCOL
 *     only; TDVF has no accept-all at ExitBootServices and never installs the SEV protocol.
 * The model's own acceptance as firmware is RMP/S-EPT bookkeeping without a trapped instruction, so its
 * time (sim_fw_account()) is far below what the same bytes cost the kernel on the model: compare bytes,
 * not times, between firmware and kernel (docs/protocol.md "Boot figures").
 */
#include <arch/cpu.h>
#include <arch/machine.h>
#include <ccktf/boot.h>
#include "sim_firmware.h"

static sim_fw_accept_fn accept_fn;
static bool allowed;

static efi_status_t EFIAPI fw_accept_memory(struct edkii_memory_accept_protocol *self, efi_physical_addr_t start,
					 u64 size)
{
	(void)self;
	if (!IS_ALIGNED(start, EFI_PAGE_SIZE) || !IS_ALIGNED(size, EFI_PAGE_SIZE) || !size)
		return EFI_INVALID_PARAMETER;
	return accept_fn(start, size) ? EFI_SUCCESS : EFI_INVALID_PARAMETER;
}

static efi_status_t EFIAPI allow_unaccepted_memory(struct sev_memory_acceptance_protocol *self)
{
	(void)self;
	allowed = true;
	return EFI_SUCCESS;
}

static struct edkii_memory_accept_protocol accept_protocol = { fw_accept_memory };
static struct sev_memory_acceptance_protocol sev_protocol = { allow_unaccepted_memory };

static const char *install(struct boot_info *b, efi_guid_t guid, void *iface)
{
	struct efi_boot_services *bs = b->st->boot_services;
	efi_handle_t handle = NULL;
	void *existing = NULL;

	if (!EFI_IS_ERROR(bs->locate_protocol(&guid, NULL, &existing)) && existing)
		return NULL;
	if (EFI_IS_ERROR(bs->install_protocol_interface(&handle, &guid, EFI_NATIVE_INTERFACE, iface)))
		return "InstallProtocolInterface for a modelled firmware protocol failed";
	return NULL;
}

const char *sim_fw_install_accept_protocol(struct boot_info *b, sim_fw_accept_fn fn)
{
	accept_fn = fn;
	return install(b, (efi_guid_t)EDKII_MEMORY_ACCEPT_PROTOCOL_GUID, &accept_protocol);
}

const char *sim_fw_install_sev_acceptance_protocol(struct boot_info *b)
{
	return install(b, (efi_guid_t)OVMF_SEV_MEMORY_ACCEPTANCE_PROTOCOL_GUID, &sev_protocol);
}

bool sim_fw_unaccepted_allowed(void)
{
	return allowed;
}

static const char *const kind_names[] = { [SIM_FW_DEFAULT] = "default", [SIM_FW_DEPLOYED] = "deployed",
					  [SIM_FW_NEAR_FUTURE] = "near-future", [SIM_FW_FAR_FUTURE] = "far-future",
					  [SIM_FW_TDVF] = "tdvf" };

const char *sim_fw_kind_name(enum sim_fw_kind kind)
{
	return (unsigned)kind < ARRAY_SIZE(kind_names) ? kind_names[kind] : "?";
}

static struct {
	u64 presented, bytes, cycles;
	const char *when;
	const struct sim_memory *mem;
} account = { .when = "none" };

void sim_fw_set_presented(const struct sim_memory *mem)
{
	account.presented = mem->bytes;
	account.mem = mem;
}

u64 sim_fw_account_start(void)
{
	return rdtsc();
}

void sim_fw_account(u64 start_tsc, u64 bytes, const char *when)
{
	account.cycles += rdtsc() - start_tsc;
	account.bytes += bytes;
	account.when = when;
}

/*
 * The model's own state now, never the kernel's accounting: every page of the regions the model presented
 * as unaccepted at reset that its RMP / S-EPT does not show accepted is pending; what is accepted and was
 * not accepted by the firmware on its own was accepted for the OS (its instructions, or AcceptMemory() at
 * its request). Net: a page accepted and later given up again counts as pending.
 */
void sim_fw_report(struct model_firmware_report *out, enum sim_fw_kind kind)
{
	bool (*accepted)(u64 addr) = platform_current()->model->page_accepted;
	u64 pending = 0;

	for (unsigned i = 0; account.mem && i < account.mem->count; i++)
		for (u64 a = account.mem->regions[i].start; a < account.mem->regions[i].end; a += EFI_PAGE_SIZE)
			pending += accepted(a) ? 0 : EFI_PAGE_SIZE;
	*out = (struct model_firmware_report){ sim_fw_kind_name(kind), account.presented, account.bytes,
					       tsc_to_ns(account.cycles), account.when, pending,
					       account.presented - MIN(account.presented, pending + account.bytes) };
}
