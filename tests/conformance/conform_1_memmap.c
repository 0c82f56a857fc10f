/* SPDX-License-Identifier: MIT */
/*
 * Memory-map conformance (MM-*, docs/conformance.md) on the map ExitBootServices accepted. The rules are
 * in kernel/conform/memmap_rules.c and kernel/mm/memmap.c; every offending descriptor becomes an evidence
 * line. The suite runs only with conformance=1.
 */
#include "conformance/conform_util.h"

KTEST_SUITE(conformance, KTEST_AFTER_EXIT_BOOT_SERVICES, conform_skip_reason);

#define UEFI_MEMMAP "UEFI 2.10 section 7.2 (GetMemoryMap, EFI_MEMORY_DESCRIPTOR)"

static void map_summary(struct ktest *t, const struct memmap *m)
{
	ktest_evidence(t, "final map: %llu descriptors, DescriptorSize %llu, DescriptorVersion %u, MapSize %llu",
		       memmap_count(m), m->desc_size, m->desc_version, m->map_size);
}

static void expect_mm(struct ktest *t, bool (*rule)(const struct memmap *, struct mm_error *))
{
	struct memmap m = conform_final_map();
	struct mm_error e;

	mm_error_clear(&e);
	map_summary(t, &m);
	conform_expect_mm(t, rule(&m, &e), &e);
}

static void expect_items(struct ktest *t, bool (*rule)(const struct memmap *, struct conform_finding *),
			 const char *what)
{
	struct memmap m = conform_final_map();
	struct conform_evidence ev;

	conform_evidence_init(&ev, t, NULL);
	map_summary(t, &m);
	rule(&m, &ev.finding);
	conform_expect_held(&ev, what);
}

KTEST_CHECK(conformance, mm_descriptor_version, "MM-001", KTEST_MUST, UEFI_MEMMAP,
	    "GetMemoryMap returns DescriptorVersion 1 (EFI_MEMORY_DESCRIPTOR_VERSION)")
{
	expect_mm(t, conform_memmap_version);
}

KTEST_CHECK(conformance, mm_descriptor_size, "MM-002", KTEST_MUST, UEFI_MEMMAP,
	    "DescriptorSize is at least 40 and a multiple of 8, and MapSize a multiple of it")
{
	expect_mm(t, conform_memmap_desc_size);
}

KTEST_CHECK(conformance, mm_page_aligned, "MM-003", KTEST_MUST, UEFI_MEMMAP " (PhysicalStart 4 KiB aligned)",
	    "every descriptor starts on a 4 KiB boundary")
{
	expect_mm(t, memmap_check_aligned);
}

KTEST_CHECK(conformance, mm_no_overlap, "MM-004", KTEST_MUST, UEFI_MEMMAP,
	    "no two descriptors describe the same memory")
{
	expect_mm(t, memmap_check_no_overlap);
}

KTEST_CHECK(conformance, mm_extents_sane, "MM-005", KTEST_MUST, UEFI_MEMMAP,
	    "every descriptor has at least one page and ends below 2^64")
{
	expect_mm(t, conform_memmap_extents);
}

KTEST_CHECK(conformance, mm_types_valid, "MM-006", KTEST_MUST, "UEFI 2.10 section 7.2 (EFI_MEMORY_TYPE)",
	    "every descriptor has a defined type: 0-15, OEM (0x70000000-0x7fffffff) or OS (0x80000000-)")
{
	expect_items(t, conform_memmap_types, "descriptors with an undefined memory type");
}

KTEST_CHECK(conformance, mm_wb_on_ram, "MM-007", KTEST_SHOULD,
	    "UEFI 2.10 section 7.2 (EFI_MEMORY_WB); Linux arch/x86/platform/efi/efi.c do_add_efi_memmap()",
	    "conventional and unaccepted memory is write-back cacheable (EFI_MEMORY_WB)")
{
	expect_items(t, conform_memmap_wb, "conventional or unaccepted memory without EFI_MEMORY_WB");
}

KTEST_CHECK(conformance, mm_runtime_attribute, "MM-008", KTEST_MUST,
	    "UEFI 2.10 sections 7.2 (EFI_MEMORY_RUNTIME) and 8.4 (SetVirtualAddressMap)",
	    "RuntimeServicesCode and RuntimeServicesData carry EFI_MEMORY_RUNTIME")
{
	expect_items(t, conform_memmap_runtime_attr, "runtime-services memory without EFI_MEMORY_RUNTIME");
}

static u64 unaccepted_mib(const struct memmap *m)
{
	return conform_bytes_of_type(m, EFI_UNACCEPTED_MEMORY) / MiB;
}

KTEST_CHECK(conformance, mm_unaccepted_2m_aligned, "MM-009", KTEST_SHOULD,
	    "Linux drivers/firmware/efi/libstub/unaccepted_memory.c (EFI_UNACCEPTED_UNIT_SIZE = 2 MiB)",
	    "unaccepted ranges start and end on 2 MiB boundaries (else the OS must accept heads and tails at boot)")
{
	struct memmap m = conform_final_map();
	struct conform_evidence ev;

	if (!unaccepted_mib(&m))
		KTEST_SKIP(t, "the final memory map has no unaccepted memory");
	ktest_evidence(t, "%llu MiB of unaccepted memory in the final map", unaccepted_mib(&m));
	conform_evidence_init(&ev, t, NULL);
	conform_unaccepted_aligned(&m, UNACCEPTED_UNIT_SIZE, &ev.finding);
	conform_expect_held(&ev, "unaccepted ranges not aligned to 2 MiB");
}

/*
 * No spec forbids unaccepted memory below 1 MiB, hence a "should": OVMF and TDVF accept everything below
 * 4 GiB (OvmfPkg/PlatformPei/AmdSev.c, OvmfPkg/Library/PlatformInitLib/IntelTdx.c), and an OS places
 * real-mode code and AP trampolines there before it can accept anything (Linux arch/x86/realmode/).
 */
KTEST_CHECK(conformance, mm_no_unaccepted_low, "MM-010", KTEST_SHOULD,
	    "no spec rule; edk2 OvmfPkg/PlatformPei/AmdSev.c, OvmfPkg/Library/PlatformInitLib/IntelTdx.c; "
	    "Linux arch/x86/realmode/ (real-mode code below 1 MiB)",
	    "no unaccepted memory below 1 MiB, where the OS and firmware run before they can accept memory")
{
	struct memmap m = conform_final_map();
	struct conform_evidence ev;

	ktest_evidence(t, "%llu MiB of unaccepted memory in the final map", unaccepted_mib(&m));
	conform_evidence_init(&ev, t, NULL);
	conform_unaccepted_below(&m, CONFORM_LOW_MEMORY, &ev.finding);
	conform_expect_held(&ev, "unaccepted memory below 1 MiB");
}
