/* SPDX-License-Identifier: MIT */
/*
 * The memory map ExitBootServices accepted, checked against UEFI 2.10 section 7.2 with the checks of
 * kernel/mm/memmap.c. Each failure names the offending descriptor.
 */
#include <ccktf/boot.h>
#include <ccktf/ktest.h>
#include "conform/conform.h"

/* After the 64-bit boot-protocol entry the map is ccktf's own, synthesized from e820: nothing of the
 * firmware's to check (host tests check the synthesis: tests/host/test_e820_boot.c). */
static const char *efi_skip_reason(void)
{
	return boot_info.no_boot_services;
}

KTEST_SUITE(efi, KTEST_AFTER_EXIT_BOOT_SERVICES, efi_skip_reason);

static void expect_clean(struct ktest *t, bool (*check)(const struct memmap *, struct mm_error *),
			 const char *what)
{
	struct memmap m = memmap_view(&boot_info.memmap);
	struct mm_error e;

	mm_error_clear(&e);
	if (!check(&m, &e))
		ktest_fail(t, __FILE__, __LINE__, "%s: %s (%s)", what, e.msg, mm_code_name(e.code));
}

KTEST(efi, memmap_shape)
{
	KEXPECT_EQ(t, boot_info.memmap.desc_version, EFI_MEMORY_DESCRIPTOR_VERSION);
	KEXPECT_GE(t, boot_info.memmap.desc_size, EFI_MEMORY_DESCRIPTOR_MIN_SIZE);
	KEXPECT_EQ(t, boot_info.memmap.desc_size % 8, 0);
	expect_clean(t, memmap_check_shape, "map shape");
}

KTEST(efi, memmap_descriptors_page_aligned)
{
	expect_clean(t, memmap_check_aligned, "alignment");
}

KTEST(efi, memmap_no_empty_descriptor)
{
	expect_clean(t, memmap_check_nonempty, "zero-length descriptor");
}

KTEST(efi, memmap_ends_do_not_wrap)
{
	expect_clean(t, memmap_check_ends, "descriptor end");
}

KTEST(efi, memmap_no_overlap)
{
	expect_clean(t, memmap_check_no_overlap, "overlap");
}

KTEST(efi, memmap_types_valid)
{
	struct memmap m = memmap_view(&boot_info.memmap);
	const struct efi_memory_descriptor *d;

	for_each_memmap_desc(&m, i, d)
		if (!conform_type_valid(d->type))
			ktest_fail(t, __FILE__, __LINE__, "descriptor %llu at 0x%llx has type %u (16..0x6fffffff are invalid)",
				   i, d->phys_start, d->type);
}

/* The image that is running must be LoaderCode: the firmware loaded it as an EFI application. */
KTEST(efi, memmap_kernel_image_is_loader_code)
{
	extern const u8 __image_base[];
	struct memmap m = memmap_view(&boot_info.memmap);
	const struct efi_memory_descriptor *d = memmap_find(&m, (u64)(uintptr_t)__image_base, NULL);

	KASSERT_TRUE(t, d != NULL);
	KEXPECT_EQ(t, d->type, EFI_LOADER_CODE);
}

KTEST(efi, memmap_read_again_at_exit)
{
	struct memmap m = memmap_view(&boot_info.memmap);

	KEXPECT_GE(t, boot_info.exit_boot_services_attempts, 1);
	KEXPECT_GT(t, memmap_count(&m), 0);
}
