/* SPDX-License-Identifier: MIT */
/* The AP trampoline's patch-up (arch/x86/cpu/ap_patch.c) on a blob built here, laid out as ap_trampoline.asm's. */
#include <ccktf/ktest.h>
#include <string.h>

#include "../../arch/x86/cpu/ap_patch.c"

KTEST_SUITE(host_ap_patch, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

#define PARAMS 0x88
#define BLOB 0xf8
#define GDT 0xd8

static u8 blob[BLOB], page[AP_TRAMP_PAGE];

static void build_blob(void)
{
	struct ap_tramp_params p = { .magic = AP_TRAMP_MAGIC, .size = sizeof(p), .gdt_limit = 31, .gdt_base = GDT,
				     .pm32_offset = 0x23, .pm32_selector = 0x08, .lm64_offset = 0x5c,
				     .lm64_selector = 0x18 };

	memset(blob, 0x90, sizeof(blob));
	memcpy(blob + PARAMS, &p, sizeof(p));
	memset(page, 0xcc, sizeof(page));
}

static const struct ap_tramp_setup setup = { .cr3_low = 0x9e000, .cr3 = 0x17f000000ull, .cr0 = 0x80010033,
					     .cr4 = 0x20, .efer = 0x100 };

static const struct ap_tramp_params *params(void)
{
	return (const void *)(page + PARAMS);
}

KTEST(host_ap_patch, every_address_is_rebased_onto_the_page)
{
	build_blob();
	KASSERT_TRUE(t, ap_tramp_install(page, 0x9d000, blob, sizeof(blob), PARAMS, &setup) == NULL);
	KEXPECT_EQ(t, params()->gdt_base, 0x9d000 + GDT);
	KEXPECT_EQ(t, params()->gdt_limit, 31);
	KEXPECT_EQ(t, params()->pm32_offset, 0x9d023);
	KEXPECT_EQ(t, params()->pm32_selector, 0x08);
	KEXPECT_EQ(t, params()->lm64_offset, 0x9d05c);
	KEXPECT_EQ(t, params()->lm64_selector, 0x18);
	KEXPECT_EQ(t, params()->cr3_low, 0x9e000);
	KEXPECT_EQ(t, params()->cr3, 0x17f000000ull);
	KEXPECT_EQ(t, params()->cr0, 0x80010033);
	KEXPECT_EQ(t, params()->cr4, 0x20);
	KEXPECT_EQ(t, params()->efer, 0x100);
	KEXPECT_EQ(t, params()->stack, 0);
	KEXPECT_EQ(t, page[0], 0x90);		 /* the code is copied as it is */
	KEXPECT_EQ(t, page[sizeof(blob)], 0xcc); /* and nothing past the blob is written */
	KEXPECT_EQ(t, ap_tramp_sipi_vector(0x9d000), 0x9d);
}

KTEST(host_ap_patch, per_cpu_fields)
{
	build_blob();
	KASSERT_TRUE(t, ap_tramp_install(page, 0x1000, blob, sizeof(blob), PARAMS, &setup) == NULL);
	ap_tramp_set_cpu(page, PARAMS, 0x200000, 0xfe001234, 0x4000);
	KEXPECT_EQ(t, params()->stack, 0x200000);
	KEXPECT_EQ(t, params()->entry, 0xfe001234);
	KEXPECT_EQ(t, params()->arg, 0x4000);
	KEXPECT_EQ(t, params()->pm32_offset, 0x1023); /* untouched by the per-CPU fields */
}

KTEST(host_ap_patch, pages_a_startup_ipi_cannot_use_are_refused)
{
	build_blob();
	KEXPECT_TRUE(t, ap_tramp_install(page, 0, blob, sizeof(blob), PARAMS, &setup) != NULL);
	KEXPECT_TRUE(t, ap_tramp_install(page, 0x9d800, blob, sizeof(blob), PARAMS, &setup) != NULL);
	KEXPECT_TRUE(t, ap_tramp_install(page, 0xa0000, blob, sizeof(blob), PARAMS, &setup) != NULL);
	KEXPECT_TRUE(t, ap_tramp_install(page, 0x100000, blob, sizeof(blob), PARAMS, &setup) != NULL);
	KEXPECT_TRUE(t, ap_tramp_install(page, 0x9f000, blob, sizeof(blob), PARAMS, &setup) == NULL);
}

KTEST(host_ap_patch, a_blob_that_does_not_match_is_refused)
{
	struct ap_tramp_setup high = setup;

	build_blob();
	KEXPECT_TRUE(t, ap_tramp_install(page, 0x9000, blob, sizeof(blob), PARAMS + 8, &setup) != NULL);
	KEXPECT_TRUE(t, ap_tramp_install(page, 0x9000, blob, sizeof(blob), PARAMS - 4, &setup) != NULL);
	blob[PARAMS] ^= 1; /* the magic */
	KEXPECT_TRUE(t, ap_tramp_install(page, 0x9000, blob, sizeof(blob), PARAMS, &setup) != NULL);
	build_blob();
	blob[PARAMS + 12] = 0xff; /* the 32-bit entry points past the blob */
	KEXPECT_TRUE(t, ap_tramp_install(page, 0x9000, blob, sizeof(blob), PARAMS, &setup) != NULL);
	build_blob();
	blob[PARAMS + 6] = 0xff; /* a GDT limit running past the blob */
	KEXPECT_TRUE(t, ap_tramp_install(page, 0x9000, blob, sizeof(blob), PARAMS, &setup) != NULL);
	build_blob();
	high.cr3_low = 0x100000000ull; /* CR3 is loaded from 32-bit code */
	KEXPECT_TRUE(t, ap_tramp_install(page, 0x9000, blob, sizeof(blob), PARAMS, &high) != NULL);
	high.cr3_low = 0x9e800;
	KEXPECT_TRUE(t, ap_tramp_install(page, 0x9000, blob, sizeof(blob), PARAMS, &high) != NULL);
}
