/* SPDX-License-Identifier: MIT */
/* Everything the kernel asks of boot services, up to and including ExitBootServices. */
#include <ccktf/boot.h>
#include <ccktf/boot_steps.h>
#include <ccktf/format.h>
#include <ccktf/string.h>

#define MEMMAP_SLACK_DESCRIPTORS 8 /* allocating the buffer itself may split a descriptor or two */
#define MEMMAP_READ_TRIES 16	    /* each try at least doubles the buffer: 2^16 times the first guess */
#define EXIT_BOOT_SERVICES_TRIES 8

static efi_guid_t loaded_image_guid(void)
{
	return EFI_LOADED_IMAGE_PROTOCOL_GUID;
}

/* LoadOptions are UCS-2 (UEFI 2.10 section 9.1); ccktf's words are printable ASCII. */
static bool ucs2_to_ascii(const efi_char16_t *in, size_t chars, char *out, size_t out_size, char *err,
			  size_t err_size)
{
	size_t n = 0;

	for (size_t i = 0; i < chars && in[i]; i++) {
		if (in[i] < 0x20 || in[i] > 0x7e) {
			snprintf(err, err_size, "LoadOptions character %zu is 0x%x, not printable ASCII", i,
				 (unsigned)in[i]);
			return false;
		}
		if (n + 1 >= out_size) {
			snprintf(err, err_size, "LoadOptions longer than %zu characters", out_size - 1);
			return false;
		}
		out[n++] = (char)in[i];
	}
	out[n] = '\0';
	return true;
}

efi_status_t efi_read_load_options(struct boot_info *b, char *err, size_t err_size)
{
	efi_guid_t guid = loaded_image_guid();
	struct efi_loaded_image *li;
	efi_status_t s = b->st->boot_services->handle_protocol(b->image, &guid, (void **)&li);

	b->args.text[0] = '\0';
	if (EFI_IS_ERROR(s)) {
		snprintf(err, err_size, "HandleProtocol(LoadedImage) failed: 0x%llx", (unsigned long long)s);
		return s;
	}
	if (!li->load_options || li->load_options_size < 2)
		return EFI_SUCCESS;
	if (!ucs2_to_ascii(li->load_options, li->load_options_size / 2, b->args.text, sizeof(b->args.text), err,
			   err_size))
		return EFI_INVALID_PARAMETER;
	return EFI_SUCCESS;
}

/*
 * A bigger buffer after EFI_BUFFER_TOO_SMALL: what the firmware asked for plus some slack, and never less
 * than twice what did not fit. The size the firmware reports is not to be trusted: edk2's CoreGetMemoryMap
 * did not count EfiUnacceptedMemoryType descriptors until October 2025 (edk2 PR 11609, "CoreGetMemoryMap:
 * Account for Unaccepted Entries"), so a buffer of exactly that size, or that size plus a fixed slack,
 * may never fit; doubling always gets there.
 */
static efi_status_t grow_memmap_buffer(struct boot_info *b, struct efi_memmap_snapshot *m, u64 needed)
{
	struct efi_boot_services *bs = b->st->boot_services;
	u64 slack = MEMMAP_SLACK_DESCRIPTORS * MAX(m->desc_size, (u64)EFI_MEMORY_DESCRIPTOR_MIN_SIZE);

	if (m->buf)
		bs->free_pool(m->buf);
	m->buf = NULL;
	m->capacity = MAX(needed + slack, m->capacity * 2);
	if (EFI_IS_ERROR(bs->allocate_pool(EFI_LOADER_DATA, m->capacity, &m->buf))) {
		m->buf = NULL;
		m->capacity = 0;
		return EFI_OUT_OF_RESOURCES;
	}
	return EFI_SUCCESS;
}

/* One GetMemoryMap into the buffer as it is (UEFI 2.10 section 7.2). */
static efi_status_t get_map(struct boot_info *b, struct efi_memmap_snapshot *m)
{
	m->map_size = m->capacity;
	return b->st->boot_services->get_memory_map(&m->map_size, m->buf, &m->map_key, &m->desc_size,
						    &m->desc_version);
}

/* Reads the map into m->buf, growing the buffer until it fits; a bounded number of tries, never a hang. */
efi_status_t efi_read_memmap(struct boot_info *b, struct efi_memmap_snapshot *m)
{
	efi_status_t s = EFI_BUFFER_TOO_SMALL;

	for (unsigned i = 0; i < MEMMAP_READ_TRIES && s == EFI_BUFFER_TOO_SMALL; i++) {
		s = get_map(b, m);
		if (s == EFI_BUFFER_TOO_SMALL && EFI_IS_ERROR(grow_memmap_buffer(b, m, m->map_size)))
			return EFI_OUT_OF_RESOURCES;
	}
	return s;
}

/*
 * Two reads of the map with nothing in between, for the checks that the map is stable: both buffers are
 * sized first (each allocation changes the map; the slack of MEMMAP_SLACK_DESCRIPTORS absorbs that), then
 * read back to back.
 */
efi_status_t efi_read_memmap_twice(struct boot_info *b, struct efi_memmap_snapshot *first,
				   struct efi_memmap_snapshot *second)
{
	efi_status_t s;

	second->desc_size = first->desc_size = b->memmap_boot.desc_size;
	s = efi_read_memmap(b, first);
	if (!EFI_IS_ERROR(s))
		s = efi_read_memmap(b, second);
	if (!EFI_IS_ERROR(s))
		s = efi_read_memmap(b, first);
	if (!EFI_IS_ERROR(s))
		s = efi_read_memmap(b, second);
	return s;
}

void *efi_config_table(const struct efi_system_table *st, efi_guid_t guid)
{
	for (u64 i = 0; i < st->number_of_table_entries; i++)
		if (efi_guid_equal(&st->configuration_table[i].guid, &guid))
			return st->configuration_table[i].table;
	return NULL;
}

void efi_copy_config_tables(struct boot_info *b)
{
	boot_set_config_tables(b, (const u8 *)b->st->configuration_table, b->st->number_of_table_entries);
}

void *efi_allocate_pages(struct boot_info *b, u64 pages, u32 memory_type)
{
	efi_physical_addr_t addr = 0;
	efi_status_t s = b->st->boot_services->allocate_pages(EFI_ALLOCATE_ANY_PAGES, memory_type, pages, &addr);

	return EFI_IS_ERROR(s) ? NULL : (void *)(uintptr_t)addr;
}

/*
 * UEFI 2.10 section 7.4, ExitBootServices: if the map key is stale (an event changed the map after our
 * GetMemoryMap: OVMF's AmdSevDxe accepts all memory there unless told otherwise), it returns
 * EFI_INVALID_PARAMETER and the caller gets a fresh map and tries again. Since UEFI 2.9 the memory
 * allocation services stay callable between the tries, so a map that grew past the buffer is read
 * again into a bigger one (efi_read_memmap()) instead of failing the boot.
 */
efi_status_t efi_exit_boot_services(struct boot_info *b)
{
	efi_status_t s = EFI_INVALID_PARAMETER;

	for (unsigned i = 0; i < EXIT_BOOT_SERVICES_TRIES && s == EFI_INVALID_PARAMETER; i++) {
		b->exit_boot_services_attempts = i + 1;
		s = get_map(b, &b->memmap);
		if (s == EFI_BUFFER_TOO_SMALL)
			s = efi_read_memmap(b, &b->memmap);
		if (EFI_IS_ERROR(s))
			return s;
		s = b->st->boot_services->exit_boot_services(b->image, b->memmap.map_key);
	}
	b->boot_services_exited = !EFI_IS_ERROR(s);
	return s;
}
