/* SPDX-License-Identifier: MIT */
/* The kernel's formatter and glob matcher, checked on the host against the behaviour the kernel relies on. */
#include <ccktf/ktest.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

/* The kernel's vsnprintf is compiled into the host tests under another name (see tests/host/host.mk). */
int kernel_snprintf(char *buf, size_t size, const char *fmt, ...);

KTEST_SUITE(host_format, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static bool formats_as(struct ktest *t, const char *expected, const char *got)
{
	return ktest_check_str(t, __FILE__, __LINE__, got, expected, "formatted", "expected");
}

KTEST(host_format, integers)
{
	char b[64];

	kernel_snprintf(b, sizeof(b), "%d|%5d|%-5d|%05d|%u", -42, 7, 7, -7, 4000000000u);
	formats_as(t, "-42|    7|7    |-0007|4000000000", b);
	kernel_snprintf(b, sizeof(b), "%llx|%lld|%zu|%016lx", 0xdeadbeefcafeull, -9000000000ll, (size_t)12, 0xabcul);
	formats_as(t, "deadbeefcafe|-9000000000|12|0000000000000abc", b);
}

KTEST(host_format, strings_and_truncation)
{
	char b[8];
	int n = kernel_snprintf(b, sizeof(b), "%s-%.2s", "abcdef", "xyz");

	KEXPECT_EQ(t, n, 9);
	formats_as(t, "abcdef-", b);
	KEXPECT_EQ(t, kernel_snprintf(NULL, 0, "%s", "four"), 4);
}

/* "%.*s" took the precision argument as the string: a silent misformat, or a fault. */
KTEST(host_format, precision_from_an_argument)
{
	char b[32];

	kernel_snprintf(b, sizeof(b), "[%.*s|%.*s|%.*s]", 3, "abcdef", 0, "xyz", -1, "all");
	formats_as(t, "[abc||all]", b);
	kernel_snprintf(b, sizeof(b), "%*d|%.3s", 4, 7, "wxyz");
	formats_as(t, "   7|wxy", b);
}

/* An OEM ID is 6 bytes with no terminator (conform_2_tables.c prints it with %.6s): nothing past them is read. */
KTEST(host_format, precision_bounds_the_read)
{
	char *oem = malloc(6); /* ASan reports a read of a 7th byte */
	char b[16];

	memcpy(oem, "BOCHS ", 6);
	kernel_snprintf(b, sizeof(b), "[%.6s]", oem);
	formats_as(t, "[BOCHS ]", b);
	free(oem);
}

/* Every pattern over {a, b, ?, *} up to 6 long against every text over {a, b} up to 6 long: as fnmatch(3). */
KTEST(host_format, glob_agrees_with_fnmatch)
{
	static const char pat_chars[] = "ab?*", text_chars[] = "ab";
	char pat[8], text[8];
	unsigned mismatches = 0;

	for (unsigned pl = 0; pl <= 6; pl++)
		for (unsigned pi = 0; pi < (1u << (2 * pl)); pi++) {
			for (unsigned k = 0; k < pl; k++)
				pat[k] = pat_chars[(pi >> (2 * k)) & 3];
			pat[pl] = '\0';
			for (unsigned tl = 0; tl <= 6; tl++)
				for (unsigned ti = 0; ti < (1u << tl); ti++) {
					for (unsigned k = 0; k < tl; k++)
						text[k] = text_chars[(ti >> k) & 1];
					text[tl] = '\0';
					mismatches += glob_match(pat, pat + pl, text) != (fnmatch(pat, text, 0) == 0);
				}
		}
	KEXPECT_EQ(t, mismatches, 0);
}

KTEST(host_format, glob)
{
	const char *g = "efi.mem*";

	KEXPECT_TRUE(t, glob_match(g, g + strlen(g), "efi.memmap_sorted"));
	KEXPECT_FALSE(t, glob_match(g, g + strlen(g), "efi.config"));
	g = "a?c*";
	KEXPECT_TRUE(t, glob_match(g, g + strlen(g), "abc"));
	KEXPECT_FALSE(t, glob_match(g, g + strlen(g), "ac"));
}
