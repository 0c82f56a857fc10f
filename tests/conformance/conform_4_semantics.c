/* SPDX-License-Identifier: MIT */
/*
 * Acceptance semantics (AS-*, docs/conformance.md) as a firmware vendor's platform must provide them to an
 * OS, on TDX, SEV-SNP and the hardware models. The bodies are shared with other suites (tests/lib/
 * accept_checks.c); units come from the bitmap ccktf installed, never handed out twice.
 */
#include "conformance/conform_util.h"
#include "lib/accept_checks.h"

KTEST_CHECK(conformance, as_accepted_reads_zero, "AS-001", KTEST_MUST,
	    "Intel TDX Module ABI (TDG.MEM.PAGE.ACCEPT zeroes the page); Linux arch/x86/coco/tdx/tdx-shared.c",
	    "on TDX, memory reads as zero once accepted")
{
	accept_check_reads_zero(t);
}

KTEST_CHECK(conformance, as_double_accept_reported, "AS-002", KTEST_MUST,
	    "TDX module tdg_mem_page_accept.c (PAGE_ALREADY_ACCEPTED); edk2 MdePkg/Library/TdxLib/AcceptPages.c; "
	    "AMD APM vol. 3 PVALIDATE (CF=1); Linux arch/x86/coco/sev/core.c pvalidate_4k_page()",
	    "accepting accepted memory is reported (TDX: already accepted; SNP: no update, CF=1) and keeps its contents")
{
	accept_check_double_accept(t);
}

KTEST_CHECK(conformance, as_size_mismatch_4k, "AS-003", KTEST_MUST,
	    "TDX module tdg_mem_page_accept.c (PAGE_SIZE_MISMATCH); AMD APM vol. 3 PVALIDATE (FAIL_SIZEMISMATCH); "
	    "Linux arch/x86/coco/ falls back to 4 KiB",
	    "a 2 MiB accept the host cannot back with a 2 MiB page fails with a size mismatch and is served at 4 KiB")
{
	accept_check_size_mismatch_falls_back(t);
}
