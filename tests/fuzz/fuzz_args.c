/* SPDX-License-Identifier: MIT */
/*
 * Target args: the kernel's arguments, from each place they come from: the image's LoadOptions (UCS-2,
 * kernel/efi/efi_boot.c efi_read_load_options(), what QEMU's -append hands over), the \ccktf.args file on
 * the boot volume (kernel/efi/efi_args_file.c, a disk the host provides), or the text itself; then the
 * parser (kernel/args.c args_parse()), with one key registered the way the models' knobs are.
 *
 * Input: u8 source (0: text, 1: LoadOptions, 2: the arguments file), then the bytes.
 * Held to: a value args_parse_size() accepts equals an independent reading of the same text; a parsed
 * tests= glob holds only the characters the parser allows; the text never outgrows ARGS_TEXT_MAX.
 */
#include "fuzz.h"

#include <ccktf/args.h>
#include <ccktf/boot.h>

#include "../../kernel/args.c"
#include "../../kernel/efi/efi_args_file.c"
#include "../../kernel/efi/efi_boot.c"

/* A key owned elsewhere, parsed with the helpers the models' knobs use (arch/x86/sim/sim_knobs.c). */
static u64 fuzz_size;
static bool fuzz_flag;

static bool parse_fuzz_size(const char *v)
{
	return args_parse_size(v, &fuzz_size);
}

static bool parse_fuzz_flag(const char *v)
{
	return args_parse_flag(v, &fuzz_flag);
}

static const struct arg_key_ext fuzz_size_key = { "fuzz_size", "SIZE (suffix K/M/G)", parse_fuzz_size };
static const struct arg_key_ext fuzz_flag_key = { "fuzz_flag", "0|1", parse_fuzz_flag };
ARG_KEY_REGISTER(fuzz_size_key);
ARG_KEY_REGISTER(fuzz_flag_key);

/* The size a text names, read independently of args.c: decimal or 0x-hex, then K, M or G. */
static bool reference_size(const char *s, u64 *out)
{
	size_t n = strlen(s);
	unsigned shift = 0, base = 10;
	unsigned __int128 v = 0;

	if (n && (s[n - 1] == 'K' || s[n - 1] == 'M' || s[n - 1] == 'G'))
		shift = s[--n] == 'K' ? 10 : s[n] == 'M' ? 20 : 30;
	if (n == 0 || n > 23)
		return false;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		n -= 2;
	}
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) :
			     c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 99;
		if (d >= base)
			return false;
		v = v * base + d;
		if (v > ~0ull)
			return false;
	}
	v <<= shift;
	if (v > ~0ull)
		return false;
	*out = (u64)v;
	return true;
}

static void check_size(const char *s)
{
	u64 a = 0, b = 0;
	bool ok = args_parse_size(s, &a), want = reference_size(s, &b);

	if (ok != want || (ok && a != b))
		abort();
}

/* The firmware: a loaded image whose LoadOptions, or whose volume's file, are the input. */
static const u8 *payload;
static size_t payload_size;
static struct efi_loaded_image image;

static efi_status_t EFIAPI file_close(struct efi_file *self)
{
	(void)self;
	return EFI_SUCCESS;
}

static efi_status_t EFIAPI file_read(struct efi_file *self, u64 *size, void *buf)
{
	(void)self;
	*size = MIN(*size, (u64)payload_size);
	memcpy(buf, payload, *size);
	return EFI_SUCCESS;
}

static struct efi_file file;

static efi_status_t EFIAPI file_open(struct efi_file *self, struct efi_file **out, const efi_char16_t *name,
				     u64 mode, u64 attributes)
{
	(void)self, (void)name, (void)mode, (void)attributes;
	*out = &file;
	return EFI_SUCCESS;
}

static efi_status_t EFIAPI open_volume(struct efi_simple_file_system *self, struct efi_file **root)
{
	(void)self;
	*root = &file;
	return EFI_SUCCESS;
}

static struct efi_simple_file_system fs = { 0, open_volume };

static efi_status_t EFIAPI handle_protocol(efi_handle_t handle, const efi_guid_t *protocol, void **iface)
{
	efi_guid_t li = EFI_LOADED_IMAGE_PROTOCOL_GUID;

	(void)handle;
	*iface = efi_guid_equal(protocol, &li) ? (void *)&image : (void *)&fs;
	return EFI_SUCCESS;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct efi_boot_services bs = { .handle_protocol = handle_protocol };
	static struct efi_system_table st = { .boot_services = &bs };
	static struct boot_info b;
	char err[256];
	bool found;
	u8 source = size ? data[0] % 3 : 0;
	void *copy;

	memset(&b, 0, sizeof(b));
	b.st = &st;
	file = (struct efi_file){ .open = file_open, .close = file_close, .read = file_read };
	payload = size ? data + 1 : data;
	payload_size = size ? size - 1 : 0;
	copy = malloc(payload_size ? payload_size : 1); /* its own allocation, so a read past it is caught */
	memcpy(copy, payload, payload_size);
	payload = copy;
	if (source == 0) {
		size_t n = MIN(payload_size, (size_t)ARGS_TEXT_MAX - 1);
		memcpy(b.args.text, payload, n);
		b.args.text[n] = '\0';
	} else if (source == 1) {
		image = (struct efi_loaded_image){ .load_options = copy, .load_options_size = (u32)payload_size,
						   .device_handle = &image };
		if (EFI_IS_ERROR(efi_read_load_options(&b, err, sizeof(err))))
			goto out;
	} else if (EFI_IS_ERROR(efi_read_args_file(&b, b.args.text, &found, err, sizeof(err)))) {
		goto out;
	}
	if (strnlen(b.args.text, ARGS_TEXT_MAX) == ARGS_TEXT_MAX)
		abort(); /* not terminated inside its buffer */
	{
		/* Every word's value, as a size: the parser below overwrites the text. */
		char words[ARGS_TEXT_MAX];
		char *save = NULL;
		memcpy(words, b.args.text, ARGS_TEXT_MAX);
		for (char *w = strtok_r(words, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
			check_size(strchr(w, '=') ? strchr(w, '=') + 1 : w);
	}
	if (args_parse(&b.args, err, sizeof(err))) {
		for (const char *p = b.args.tests; *p; p++)
			if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_.*?,", *p))
				abort();
		(void)args_crash_name(b.args.crash);
	} else {
		args_print_valid_keys();
	}
out:
	free(copy);
	return 0;
}
