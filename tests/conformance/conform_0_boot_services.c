/* SPDX-License-Identifier: MIT */
/*
 * Conformance checks that need boot services (docs/conformance.md): the memory map read twice, and the
 * firmware's memory-acceptance protocols. Runs before ExitBootServices, only with conformance=1.
 */
#include <ccktf/platform.h>
#include <ccktf/string.h>
#include <ccktf/unaccepted.h>
#include "conformance/conform_util.h"

KTEST_SUITE(conformance_boot_services, KTEST_BEFORE_EXIT_BOOT_SERVICES, conform_skip_reason);

static struct efi_memmap_snapshot first, second;

KTEST_CHECK(conformance_boot_services, mm_stable_between_reads, "MM-011", KTEST_MUST,
	    "UEFI 2.10 section 7.2 (GetMemoryMap: MapKey changes only when the map does)",
	    "two GetMemoryMap calls with no allocation between them return the same map and MapKey")
{
	struct memmap a, b;
	struct mm_error e;

	KASSERT_FALSE(t, EFI_IS_ERROR(efi_read_memmap_twice(&boot_info, &first, &second)));
	a = memmap_view(&first);
	b = memmap_view(&second);
	ktest_evidence(t, "first read: %llu bytes, MapKey 0x%llx; second: %llu bytes, MapKey 0x%llx", first.map_size,
		       first.map_key, second.map_size, second.map_key);
	mm_error_clear(&e);
	conform_expect_mm(t, conform_memmap_same(&a, &b, &e), &e);
	KEXPECT_EQ(t, first.map_key, second.map_key);
}

/* edk2 MdePkg/Include/Protocol/MemoryAccept.h */
struct edkii_memory_accept_protocol {
	efi_status_t(EFIAPI *accept_memory)(struct edkii_memory_accept_protocol *self, efi_physical_addr_t start,
					    u64 size);
};

static void *locate(efi_guid_t guid)
{
	void *iface = NULL;

	if (EFI_IS_ERROR(boot_info.st->boot_services->locate_protocol(&guid, NULL, &iface)))
		return NULL;
	return iface;
}

/* The last whole 2 MiB unit of unaccepted memory in the current map, or false. */
static bool last_unaccepted_unit(const struct memmap *m, struct range *unit)
{
	const struct efi_memory_descriptor *d;
	bool found = false;

	for_each_memmap_desc(m, i, d) {
		struct range r = memmap_desc_range(d);
		u64 end = ALIGN_DOWN(r.end, UNACCEPTED_UNIT_SIZE);

		if (memmap_type_is_unaccepted(d->type) && end >= r.start + UNACCEPTED_UNIT_SIZE &&
		    end - UNACCEPTED_UNIT_SIZE >= r.start) {
			*unit = range_make(end - UNACCEPTED_UNIT_SIZE, end);
			found = true;
		}
	}
	return found;
}

/* ccktf's bitmap must not keep calling accepted what the firmware accepted. */
static void forget_unit(struct range unit)
{
	const struct efi_unaccepted_memory *tbl = unaccepted.table;

	if (tbl && range_contains(unaccepted_covered(tbl), unit))
		unaccepted_clear(unaccepted.table, (unit.start - tbl->phys_base) / tbl->unit_size);
}

static u32 type_now(u64 addr)
{
	struct memmap m;

	if (EFI_IS_ERROR(efi_read_memmap(&boot_info, &first)))
		return CONFORM_TYPE_NONE;
	m = memmap_view(&first);
	return conform_locate(&m, 0, addr).type;
}

KTEST_CHECK(conformance_boot_services, ap_accept_protocol_accepts, "AP-004", KTEST_MUST,
	    "edk2 MdePkg/Include/Protocol/MemoryAccept.h, OvmfPkg/TdxDxe/TdxDxe.c, OvmfPkg/AmdSevDxe/AmdSevDxe.c",
	    "EDKII_MEMORY_ACCEPT_PROTOCOL.AcceptMemory() accepts a 2 MiB unaccepted range: the map then calls it accepted")
{
	struct edkii_memory_accept_protocol *p = locate(EDKII_MEMORY_ACCEPT_PROTOCOL_GUID);
	struct range unit;
	struct memmap m;
	efi_status_t s;

	if (!p)
		KTEST_SKIP(t, "EDKII_MEMORY_ACCEPT_PROTOCOL not installed (OVMF installs it only in TDX/SEV-SNP guests)");
	first.desc_size = boot_info.memmap_boot.desc_size;
	KASSERT_FALSE(t, EFI_IS_ERROR(efi_read_memmap(&boot_info, &first)));
	m = memmap_view(&first);
	if (!last_unaccepted_unit(&m, &unit))
		KTEST_SKIP(t, "protocol installed, but the map has no whole 2 MiB of unaccepted memory");
	s = p->accept_memory(p, unit.start, range_len(unit));
	ktest_evidence(t, "AcceptMemory(0x%llx, 2 MiB) returned 0x%llx", unit.start, s);
	KASSERT_FALSE(t, EFI_IS_ERROR(s));
	forget_unit(unit);
	u32 type = type_now(unit.start);
	ktest_evidence(t, "the map now calls 0x%llx %s", unit.start, efi_memory_type_name(type));
	KASSERT_NE(t, type, EFI_UNACCEPTED_MEMORY);
	KEXPECT_EQ(t, type, EFI_CONVENTIONAL_MEMORY);
	if (platform_current()->accept_zeroes) /* TDX: freshly accepted memory reads as zero */
		KEXPECT_EQ(t, *(volatile u64 *)(uintptr_t)unit.start, 0);
}

KTEST_CHECK(conformance_boot_services, ap_snp_acceptance_protocol, "AP-005", KTEST_SHOULD,
	    "edk2 OvmfPkg/Include/Protocol/SevMemoryAcceptance.h; Linux drivers/firmware/efi/libstub/x86-stub.c",
	    "SEV-SNP firmware installs OVMF_SEV_MEMORY_ACCEPTANCE_PROTOCOL, so an OS can keep memory unaccepted")
{
	void *p = locate(OVMF_SEV_MEMORY_ACCEPTANCE_PROTOCOL_GUID);

	ktest_evidence(t, "OVMF_SEV_MEMORY_ACCEPTANCE_PROTOCOL %s", p ? "installed" : "not installed");
	if (!conform_platform_is("snp"))
		KTEST_SKIP(t, "platform=%s: not SEV-SNP firmware%s", platform_name(),
			   conform_platform_is_model() ? " (a model under ordinary OVMF)" : "");
	KEXPECT_TRUE(t, p != NULL);
}
