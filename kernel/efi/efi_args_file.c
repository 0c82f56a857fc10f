/* SPDX-License-Identifier: MIT */
/*
 * The arguments file: how arguments reach a kernel that firmware started from an EFI system partition,
 * where the boot manager gives it no LoadOptions (docs/protocol.md "Boot arguments"). The file is
 * ARGS_FILE_NAME at the root of the volume the kernel was loaded from, found through the loaded image's
 * DeviceHandle and EFI_SIMPLE_FILE_SYSTEM_PROTOCOL (UEFI 2.10 sections 9.1, 13.4 and 13.5).
 *
 * A kernel given by QEMU's -kernel is loaded from OVMF's QemuKernelLoaderFsDxe file system, which holds no
 * such file: there the file is simply absent.
 */
#include <ccktf/boot.h>
#include <ccktf/format.h>
#include <ccktf/string.h>

#define EFI_FILE_MODE_READ 0x1ull /* UEFI 2.10 section 13.5, EFI_FILE_PROTOCOL.Open() */

/* UEFI 2.10 section 13.5: EFI_FILE_PROTOCOL; only what the kernel calls is typed. */
struct efi_file {
	u64 revision;
	efi_status_t(EFIAPI *open)(struct efi_file *self, struct efi_file **out, const efi_char16_t *name, u64 mode,
				   u64 attributes);
	efi_status_t(EFIAPI *close)(struct efi_file *self);
	efi_slot_t delete_file;
	efi_status_t(EFIAPI *read)(struct efi_file *self, u64 *size, void *buf);
};

/* UEFI 2.10 section 13.4: EFI_SIMPLE_FILE_SYSTEM_PROTOCOL. */
struct efi_simple_file_system {
	u64 revision;
	efi_status_t(EFIAPI *open_volume)(struct efi_simple_file_system *self, struct efi_file **root);
};

static const efi_char16_t args_file_name[] = { '\\', 'c', 'c', 'k', 't', 'f', '.', 'a', 'r', 'g', 's', 0 };

/*
 * The file's text as one line of words: tabs, CRs and newlines separate words like spaces; anything else
 * outside printable ASCII is an error naming its offset. Leading and trailing separators are dropped.
 */
bool args_file_normalize(const char *in, size_t n, char *out, size_t out_size, char *err, size_t err_size)
{
	size_t len = 0;
	bool gap = false;

	for (size_t i = 0; i < n; i++) {
		char c = in[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			gap = len > 0;
			continue;
		}
		if (c < 0x20 || c > 0x7e) {
			snprintf(err, err_size, "%s byte %zu is 0x%02x, not printable ASCII", ARGS_FILE_NAME_ASCII, i,
				 (unsigned)(unsigned char)c);
			return false;
		}
		if (len + (gap ? 2 : 1) >= out_size) {
			snprintf(err, err_size, "%s is longer than %zu characters", ARGS_FILE_NAME_ASCII, out_size - 1);
			return false;
		}
		if (gap)
			out[len++] = ' ';
		out[len++] = c;
		gap = false;
	}
	out[len] = '\0';
	return true;
}

static efi_status_t open_boot_volume(struct boot_info *b, struct efi_file **root)
{
	efi_guid_t li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID, fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
	struct efi_boot_services *bs = b->st->boot_services;
	struct efi_loaded_image *li;
	struct efi_simple_file_system *fs;
	efi_status_t s = bs->handle_protocol(b->image, &li_guid, (void **)&li);

	if (EFI_IS_ERROR(s))
		return s;
	if (!li->device_handle)
		return EFI_NOT_FOUND;
	s = bs->handle_protocol(li->device_handle, &fs_guid, (void **)&fs);
	if (EFI_IS_ERROR(s))
		return EFI_NOT_FOUND; /* not loaded from a file system: no file to read */
	return fs->open_volume(fs, root);
}

/*
 * Reads the arguments file into out (ARGS_TEXT_MAX bytes) as one line of words. *found is false when the
 * volume has no such file (out is then empty and the result EFI_SUCCESS). Any other failure is an error
 * with its EFI status in err: a file that is there but cannot be read must not silently run the defaults.
 */
efi_status_t efi_read_args_file(struct boot_info *b, char *out, bool *found, char *err, size_t err_size)
{
	static char raw[ARGS_TEXT_MAX + 1];
	struct efi_file *root, *file;
	u64 size = sizeof(raw);
	efi_status_t s = open_boot_volume(b, &root);

	*found = false;
	out[0] = '\0';
	if (s == EFI_NOT_FOUND || s == EFI_UNSUPPORTED)
		return EFI_SUCCESS;
	if (EFI_IS_ERROR(s)) {
		snprintf(err, err_size, "opening the boot volume for %s failed: 0x%llx", ARGS_FILE_NAME_ASCII,
			 (unsigned long long)s);
		return s;
	}
	s = root->open(root, &file, args_file_name, EFI_FILE_MODE_READ, 0);
	if (s == EFI_NOT_FOUND) {
		root->close(root);
		return EFI_SUCCESS;
	}
	if (!EFI_IS_ERROR(s)) {
		s = file->read(file, &size, raw);
		file->close(file);
	}
	root->close(root);
	if (EFI_IS_ERROR(s)) {
		snprintf(err, err_size, "reading %s failed: 0x%llx", ARGS_FILE_NAME_ASCII, (unsigned long long)s);
		return s;
	}
	*found = true;
	if (size > ARGS_TEXT_MAX || !args_file_normalize(raw, size, out, ARGS_TEXT_MAX, err, err_size)) {
		if (size > ARGS_TEXT_MAX)
			snprintf(err, err_size, "%s is longer than %u bytes", ARGS_FILE_NAME_ASCII, ARGS_TEXT_MAX);
		return EFI_INVALID_PARAMETER;
	}
	return EFI_SUCCESS;
}
