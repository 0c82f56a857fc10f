/* SPDX-License-Identifier: MIT */
/*
 * The arguments file (kernel/efi/efi_args_file.c) against a fake firmware: a boot volume with or without
 * the file, one that fails to read, and contents the kernel must refuse rather than run its defaults.
 */
#include <ccktf/ktest.h>
#include <string.h>

#include "../../kernel/efi/efi_args_file.c"

KTEST_SUITE(host_efi_args_file, KTEST_AFTER_EXIT_BOOT_SERVICES, NULL);

static struct {
	bool has_fs;	      /* the loaded image's device carries EFI_SIMPLE_FILE_SYSTEM_PROTOCOL */
	const char *contents; /* NULL: no \ccktf.args on the volume */
	size_t size;
	efi_status_t read_status;
	unsigned opened, closed;
} vol;

static efi_status_t EFIAPI file_close(struct efi_file *self)
{
	(void)self;
	vol.closed++;
	return EFI_SUCCESS;
}

static efi_status_t EFIAPI file_read(struct efi_file *self, u64 *size, void *buf)
{
	(void)self;
	if (vol.read_status)
		return vol.read_status;
	*size = vol.size < *size ? vol.size : *size;
	memcpy(buf, vol.contents, *size);
	return EFI_SUCCESS;
}

static struct efi_file file = { .close = file_close, .read = file_read };

static bool is_args_name(const efi_char16_t *name)
{
	const char *want = ARGS_FILE_NAME_ASCII;
	size_t i;

	for (i = 0; want[i]; i++)
		if (name[i] != (efi_char16_t)want[i])
			return false;
	return name[i] == 0;
}

static efi_status_t EFIAPI root_open(struct efi_file *self, struct efi_file **out, const efi_char16_t *name,
				     u64 mode, u64 attributes)
{
	(void)self;
	(void)attributes;
	if (mode != EFI_FILE_MODE_READ || !vol.contents || !is_args_name(name))
		return EFI_NOT_FOUND;
	vol.opened++;
	*out = &file;
	return EFI_SUCCESS;
}

static struct efi_file root = { .open = root_open, .close = file_close };

static efi_status_t EFIAPI open_volume(struct efi_simple_file_system *self, struct efi_file **out)
{
	(void)self;
	vol.opened++;
	*out = &root;
	return EFI_SUCCESS;
}

static struct efi_simple_file_system fs = { .open_volume = open_volume };
static struct efi_loaded_image loaded_image = { .device_handle = &fs };

static efi_status_t EFIAPI handle_protocol(efi_handle_t handle, const efi_guid_t *protocol, void **iface)
{
	efi_guid_t li = EFI_LOADED_IMAGE_PROTOCOL_GUID, sfs = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;

	if (efi_guid_equal(protocol, &li) && handle == (efi_handle_t)&loaded_image) {
		*iface = &loaded_image;
		return EFI_SUCCESS;
	}
	if (efi_guid_equal(protocol, &sfs) && handle == (efi_handle_t)&fs && vol.has_fs) {
		*iface = &fs;
		return EFI_SUCCESS;
	}
	return EFI_UNSUPPORTED;
}

static struct efi_boot_services bs = { .handle_protocol = handle_protocol };
static struct efi_system_table st = { .boot_services = &bs };
static char out[ARGS_TEXT_MAX];
static char err[160];

static struct boot_info *volume(bool has_fs, const char *contents)
{
	static struct boot_info b;

	memset(&vol, 0, sizeof(vol));
	vol.has_fs = has_fs;
	vol.contents = contents;
	vol.size = contents ? strlen(contents) : 0;
	b.image = &loaded_image;
	b.st = &st;
	err[0] = '\0';
	return &b;
}

KTEST(host_efi_args_file, no_file_system_means_no_file)
{
	bool found = true;

	KEXPECT_EQ(t, efi_read_args_file(volume(false, "seed=1"), out, &found, err, sizeof(err)), EFI_SUCCESS);
	KEXPECT_FALSE(t, found);
	KEXPECT_STREQ(t, out, "");
}

KTEST(host_efi_args_file, a_volume_without_the_file_is_not_an_error)
{
	bool found = true;

	KEXPECT_EQ(t, efi_read_args_file(volume(true, NULL), out, &found, err, sizeof(err)), EFI_SUCCESS);
	KEXPECT_FALSE(t, found);
	KEXPECT_EQ(t, vol.closed, 1); /* the root directory */
}

KTEST(host_efi_args_file, lines_become_one_line_of_words)
{
	bool found = false;

	KEXPECT_EQ(t, efi_read_args_file(volume(true, "\r\n tests=selftest.*\r\n\tseed=7  \n"), out, &found, err,
					 sizeof(err)),
		   EFI_SUCCESS);
	KEXPECT_TRUE(t, found);
	KEXPECT_STREQ(t, out, "tests=selftest.* seed=7");
	KEXPECT_EQ(t, vol.closed, vol.opened); /* the file and the root, each closed */
}

KTEST(host_efi_args_file, an_empty_file_is_found_and_empty)
{
	bool found = false;

	KEXPECT_EQ(t, efi_read_args_file(volume(true, " \n"), out, &found, err, sizeof(err)), EFI_SUCCESS);
	KEXPECT_TRUE(t, found);
	KEXPECT_STREQ(t, out, "");
}

/* A file that is there but cannot be read must stop the boot: running the defaults would be a false pass. */
KTEST(host_efi_args_file, a_read_error_is_reported_with_its_status)
{
	bool found;
	struct boot_info *b = volume(true, "seed=1");

	vol.read_status = EFI_DEVICE_ERROR;
	KEXPECT_EQ(t, efi_read_args_file(b, out, &found, err, sizeof(err)), EFI_DEVICE_ERROR);
	KEXPECT_TRUE(t, strstr(err, "0x8000000000000007") != NULL);
}

KTEST(host_efi_args_file, non_ascii_is_refused_with_its_offset)
{
	bool found;

	KEXPECT_EQ(t, efi_read_args_file(volume(true, "seed=1\x01"), out, &found, err, sizeof(err)),
		   EFI_INVALID_PARAMETER);
	KEXPECT_TRUE(t, strstr(err, "byte 6 is 0x01") != NULL);
}

KTEST(host_efi_args_file, a_file_longer_than_the_arguments_buffer_is_refused)
{
	static char big[ARGS_TEXT_MAX + 16];
	bool found;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	KEXPECT_EQ(t, efi_read_args_file(volume(true, big), out, &found, err, sizeof(err)), EFI_INVALID_PARAMETER);
	KEXPECT_TRUE(t, strstr(err, "longer than") != NULL);
}

KTEST(host_efi_args_file, normalize_keeps_room_for_the_terminator)
{
	char small[8];

	KEXPECT_TRUE(t, args_file_normalize("a b c d", 7, small, sizeof(small), err, sizeof(err)));
	KEXPECT_STREQ(t, small, "a b c d");
	KEXPECT_FALSE(t, args_file_normalize("a b c de", 8, small, sizeof(small), err, sizeof(err)));
	KEXPECT_FALSE(t, args_file_normalize("a  b c  d\n  e", 13, small, sizeof(small), err, sizeof(err)));
}
