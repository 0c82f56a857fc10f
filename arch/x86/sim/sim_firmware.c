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
 */
#include <ccktf/boot.h>
#include "sim_firmware.h"

static sim_fw_accept_fn accept_fn;
static bool allowed;

static efi_status_t EFIAPI accept_memory(struct edkii_memory_accept_protocol *self, efi_physical_addr_t start,
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

static struct edkii_memory_accept_protocol accept_protocol = { accept_memory };
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
