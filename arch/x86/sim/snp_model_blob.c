/* SPDX-License-Identifier: MIT */
/*
 * The CC blob the SNP model's firmware installs, as OVMF does in an SNP guest (EFI_CC_BLOB_GUID,
 * OvmfPkg/Include/Guid/ConfidentialComputingSevSnpBlob.h): the secrets page and the CPUID page, in
 * EfiReservedMemoryType pages as OVMF keeps them (the launch measured them; the OS must not reuse them).
 * The CPUID page holds what the PSP would accept at launch: this CPU's own answers for the leaves below,
 * leaf 0x8000001F saying SEV, SEV-ES and SNP with the model's C-bit, exactly what the model's hypervisor
 * answers through the GHCB MSR protocol (snp_model_hv.c), so the two sources agree.
 */
#include <arch/cpu.h>
#include <arch/snp_spec.h>
#include <ccktf/boot.h>
#include <ccktf/string.h>
#include "../snp/snp_cpuid.h"
#include "snp_model.h"

static const struct {
	u32 leaf, subleaf;
} leaves[] = {
	{ 0x0, 0 }, { 0x1, 0 }, { 0x7, 0 }, { 0x7, 1 }, { 0xd, 0 }, { 0xd, 1 },
	{ 0x80000000, 0 }, { 0x80000001, 0 }, { CPUID_SEV_LEAF, 0 },
};

void snp_model_cpuid(u32 leaf, u32 subleaf, u32 out[4])
{
	struct cpuid_regs c = cpuid_count(leaf, subleaf);

	out[0] = c.eax, out[1] = c.ebx, out[2] = c.ecx, out[3] = c.edx;
	if (leaf == CPUID_SEV_LEAF) {
		out[0] = CPUID_SEV_EAX_SEV | CPUID_SEV_EAX_SEV_ES | CPUID_SEV_EAX_SNP;
		out[1] = SIM_SNP_CBIT, out[2] = 0, out[3] = 0;
	}
	if (leaf == 0x80000000 && out[0] < CPUID_SEV_LEAF) /* the model's part has leaf 0x8000001F */
		out[0] = CPUID_SEV_LEAF;
}

static void fill_cpuid_page(struct snp_cpuid_table *t)
{
	for (unsigned i = 0; i < ARRAY_SIZE(leaves); i++) {
		struct snp_cpuid_fn *f = &t->fn[t->count++];
		u32 v[4];
		snp_model_cpuid(leaves[i].leaf, leaves[i].subleaf, v);
		f->eax_in = leaves[i].leaf;
		f->ecx_in = leaves[i].subleaf;
		f->xcr0_in = leaves[i].leaf == 0xd ? 1 : 0; /* x87 only: Linux accepts 0xD entries with XCR0 1 or 3 */
		f->eax = v[0], f->ebx = v[1], f->ecx = v[2], f->edx = v[3];
	}
}

static void *reserved_page(struct boot_info *b)
{
	void *p = efi_allocate_pages(b, 1, EFI_RESERVED_MEMORY);

	if (p)
		memset(p, 0, EFI_PAGE_SIZE);
	return p;
}

/*
 * The head the firmware writes at launch (snp_spec.h SECRETS_OFF_*): version 3, IMIEN 0 (no migration
 * image), FMS the CPU's. The model takes CPUID Fn0000_0001 EAX of the (TCG) CPU for FMS: the spec calls the
 * field "family, model, stepping" without saying its encoding here, and this is what the guest's own
 * CPUID shows. The VMPCKs come from the model's PSP (snp_model_guest_req.c snp_model_psp_init()).
 */
static const char *write_secrets_head(struct boot_info *b, u8 *secrets)
{
	u32 version = SECRETS_PAGE_VERSION_3, fms = cpuid(1).eax;

	memcpy(secrets + SECRETS_OFF_VERSION, &version, sizeof(version));
	memcpy(secrets + SECRETS_OFF_FMS, &fms, sizeof(fms));
	return snp_model_psp_init(b, secrets);
}

const char *snp_model_install_cc_blob(struct boot_info *b, u8 **secrets_page)
{
	efi_guid_t guid = EFI_CC_BLOB_GUID;
	struct efi_cc_blob *blob = reserved_page(b);
	void *secrets = reserved_page(b), *cpuid_page = reserved_page(b);
	const char *err;

	if (!blob || !secrets || !cpuid_page)
		return "AllocatePages for the model's CC blob failed";
	fill_cpuid_page(cpuid_page);
	*blob = (struct efi_cc_blob){ .magic = EFI_CC_BLOB_MAGIC, .version = 1,
				      .secrets_pa = (u64)(uintptr_t)secrets, .secrets_size = EFI_PAGE_SIZE,
				      .cpuid_pa = (u64)(uintptr_t)cpuid_page, .cpuid_size = EFI_PAGE_SIZE };
	if ((err = write_secrets_head(b, secrets)))
		return err;
	*secrets_page = secrets;
	if (efi_config_table(b->st, guid))
		return NULL; /* the firmware has its own */
	if (EFI_IS_ERROR(b->st->boot_services->install_configuration_table(&guid, blob)))
		return "InstallConfigurationTable for the model's CC blob failed";
	return NULL;
}
