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

/* The map as the platform presents it (a model shows its memory as unaccepted, as OVMF would). */
static bool read_map(struct efi_memmap_snapshot *snap, struct memmap *m)
{
	snap->desc_size = boot_info.memmap_boot.desc_size;
	if (EFI_IS_ERROR(efi_read_memmap(&boot_info, snap)))
		return false;
	if (platform_current()->adjust_memmap)
		platform_current()->adjust_memmap(snap);
	*m = memmap_view(snap);
	return true;
}

static u32 type_now(u64 addr)
{
	struct memmap m;

	return read_map(&first, &m) ? conform_locate(&m, 0, addr).type : CONFORM_TYPE_NONE;
}

static const char *page_state_name(enum cc_page_state s)
{
	return s == CC_PAGE_ACCEPTED ? "accepted"
	       : s == CC_PAGE_PENDING ? "NOT accepted"
	       : s == CC_PAGE_SHARED  ? "shared (the guest's own)"
				      : "no clear answer";
}

/*
 * What the firmware promises is the acceptance, not a new memory type: OVMF's TdxMemoryAccept()
 * (OvmfPkg/TdxDxe/TdxDxe.c) and AmdSevMemoryAccept() (OvmfPkg/AmdSevDxe/AmdSevDxe.c) accept the range and
 * leave the GCD and the map alone, so the map may go on calling it unaccepted (evidence, not a rule).
 * The platform is asked about the first, a middle and the last page.
 */
KTEST_CHECK(conformance_boot_services, ap_accept_protocol_accepts, "AP-004", KTEST_MUST,
	    "edk2 MdePkg/Include/Protocol/MemoryAccept.h; OvmfPkg/TdxDxe/TdxDxe.c TdxMemoryAccept(); "
	    "OvmfPkg/AmdSevDxe/AmdSevDxe.c AmdSevMemoryAccept()",
	    "EDKII_MEMORY_ACCEPT_PROTOCOL.AcceptMemory() on 2 MiB of unaccepted memory succeeds and the platform "
	    "then reports the range accepted")
{
	struct edkii_memory_accept_protocol *p = locate(EDKII_MEMORY_ACCEPT_PROTOCOL_GUID);
	const struct platform_ops *plat = platform_current();
	struct range unit;
	struct memmap m;
	efi_status_t s;

	if (!p)
		KTEST_SKIP(t, "EDKII_MEMORY_ACCEPT_PROTOCOL not installed (OVMF installs it only in TDX/SEV-SNP guests)");
	if (!plat->page_state)
		KTEST_SKIP(t, "platform=%s cannot say whether a page is accepted", platform_name());
	KASSERT_TRUE(t, read_map(&first, &m));
	if (!last_unaccepted_unit(&m, &unit))
		KTEST_SKIP(t, "protocol installed, but the map has no whole 2 MiB of unaccepted memory");
	s = p->accept_memory(p, unit.start, range_len(unit));
	ktest_evidence(t, "AcceptMemory(0x%llx, 2 MiB) returned 0x%llx", unit.start, s);
	KASSERT_FALSE(t, EFI_IS_ERROR(s));
	unaccepted_mark_accepted(unit.start, range_len(unit)); /* never accept it again: on SNP that is fatal */
	ktest_evidence(t, "the map now calls 0x%llx %s (OVMF leaves the map alone)", unit.start,
		       efi_memory_type_name(type_now(unit.start)));
	for (u64 off = 0; off < range_len(unit); off += range_len(unit) / 2 - EFI_PAGE_SIZE / 2) {
		u64 addr = ALIGN_DOWN(unit.start + off, EFI_PAGE_SIZE), raw = 0;
		enum cc_page_state st = plat->page_state(addr, &raw);
		ktest_evidence(t, "platform: page 0x%llx %s (raw status 0x%llx)", addr, page_state_name(st), raw);
		KEXPECT_EQ(t, st, CC_PAGE_ACCEPTED);
	}
	if (cc_platform_has(CC_ATTR_ACCEPT_ZEROES)) /* TDX: freshly accepted memory reads as zero */
		KEXPECT_EQ(t, *(volatile u64 *)(uintptr_t)unit.start, 0);
}

KTEST_CHECK(conformance_boot_services, ap_snp_acceptance_protocol, "AP-005", KTEST_SHOULD,
	    "edk2 OvmfPkg/Include/Protocol/SevMemoryAcceptance.h; Linux drivers/firmware/efi/libstub/x86-stub.c",
	    "SEV-SNP firmware installs OVMF_SEV_MEMORY_ACCEPTANCE_PROTOCOL, so an OS can keep memory unaccepted")
{
	void *p = locate(OVMF_SEV_MEMORY_ACCEPTANCE_PROTOCOL_GUID);

	ktest_evidence(t, "OVMF_SEV_MEMORY_ACCEPTANCE_PROTOCOL %s", p ? "installed" : "not installed");
	const char *why = conform_not_firmware_of(CC_ATTR_SEV_SNP_GUEST, "SEV-SNP");

	if (why)
		KTEST_SKIP(t, "%s", why);
	KEXPECT_TRUE(t, p != NULL);
}
