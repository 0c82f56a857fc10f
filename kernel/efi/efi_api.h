/* SPDX-License-Identifier: MIT */
/*
 * The UEFI tables and services the kernel calls, in the firmware's calling convention (Microsoft x64).
 * Member order is ABI: UEFI 2.10 sections 4.3 (system table), 4.4 (boot services), 4.5 (runtime services),
 * 9.1 (EFI_LOADED_IMAGE_PROTOCOL). Services the kernel does not call are kept as opaque slots.
 */
#ifndef CCKTF_EFI_API_H
#define CCKTF_EFI_API_H

#include "efi/efi_spec.h"

#define EFIAPI __attribute__((ms_abi))

struct efi_table_header {
	u64 signature;
	u32 revision;
	u32 header_size;
	u32 crc32;
	u32 reserved;
};

enum efi_allocate_type { EFI_ALLOCATE_ANY_PAGES, EFI_ALLOCATE_MAX_ADDRESS, EFI_ALLOCATE_ADDRESS };
enum efi_reset_type { EFI_RESET_COLD, EFI_RESET_WARM, EFI_RESET_SHUTDOWN, EFI_RESET_PLATFORM_SPECIFIC };

typedef void *efi_slot_t; /* a service the kernel never calls */

struct efi_boot_services {
	struct efi_table_header hdr;
	efi_slot_t raise_tpl, restore_tpl;
	efi_status_t(EFIAPI *allocate_pages)(enum efi_allocate_type type, u32 memory_type, u64 pages,
					     efi_physical_addr_t *addr);
	efi_status_t(EFIAPI *free_pages)(efi_physical_addr_t addr, u64 pages);
	efi_status_t(EFIAPI *get_memory_map)(u64 *map_size, void *map, u64 *map_key, u64 *desc_size,
					     u32 *desc_version);
	efi_status_t(EFIAPI *allocate_pool)(u32 memory_type, u64 size, void **buf);
	efi_status_t(EFIAPI *free_pool)(void *buf);
	efi_slot_t create_event, set_timer, wait_for_event, signal_event, close_event, check_event;
	efi_status_t(EFIAPI *install_protocol_interface)(efi_handle_t *handle, const efi_guid_t *protocol,
							 u32 interface_type, void *iface);
	efi_slot_t reinstall_protocol_interface, uninstall_protocol_interface;
	efi_status_t(EFIAPI *handle_protocol)(efi_handle_t handle, const efi_guid_t *protocol, void **iface);
	efi_slot_t reserved, register_protocol_notify, locate_handle;
	efi_status_t(EFIAPI *locate_device_path)(const efi_guid_t *protocol, void **device_path, efi_handle_t *device);
	efi_status_t(EFIAPI *install_configuration_table)(const efi_guid_t *guid, void *table);
	efi_slot_t load_image, start_image, exit, unload_image;
	efi_status_t(EFIAPI *exit_boot_services)(efi_handle_t image, u64 map_key);
	efi_slot_t get_next_monotonic_count;
	efi_status_t(EFIAPI *stall)(u64 microseconds);
	efi_status_t(EFIAPI *set_watchdog_timer)(u64 timeout_s, u64 code, u64 data_size, efi_char16_t *data);
	efi_slot_t connect_controller, disconnect_controller;
	efi_slot_t open_protocol, close_protocol, open_protocol_information;
	efi_slot_t protocols_per_handle, locate_handle_buffer;
	efi_status_t(EFIAPI *locate_protocol)(const efi_guid_t *protocol, void *registration, void **iface);
	efi_slot_t install_multiple_protocol_interfaces, uninstall_multiple_protocol_interfaces;
	efi_slot_t calculate_crc32, copy_mem, set_mem, create_event_ex;
};

struct efi_runtime_services {
	struct efi_table_header hdr;
	efi_slot_t get_time, set_time, get_wakeup_time, set_wakeup_time;
	efi_slot_t set_virtual_address_map, convert_pointer;
	/* UEFI 2.10 section 8.2 */
	efi_status_t(EFIAPI *get_variable)(const efi_char16_t *name, const efi_guid_t *vendor, u32 *attributes,
					   u64 *data_size, void *data);
	efi_slot_t get_next_variable_name;
	efi_status_t(EFIAPI *set_variable)(const efi_char16_t *name, const efi_guid_t *vendor, u32 attributes,
					   u64 data_size, const void *data);
	efi_slot_t get_next_high_monotonic_count;
	void(EFIAPI *reset_system)(enum efi_reset_type type, efi_status_t status, u64 data_size, void *data);
	efi_slot_t update_capsule, query_capsule_capabilities, query_variable_info;
};

struct efi_configuration_table {
	efi_guid_t guid;
	void *table;
};

struct efi_simple_text_output {
	efi_slot_t reset;
	efi_status_t(EFIAPI *output_string)(struct efi_simple_text_output *self, const efi_char16_t *s);
};

struct efi_system_table {
	struct efi_table_header hdr;
	const efi_char16_t *firmware_vendor;
	u32 firmware_revision;
	efi_handle_t console_in_handle;
	void *con_in;
	efi_handle_t console_out_handle;
	struct efi_simple_text_output *con_out;
	efi_handle_t standard_error_handle;
	void *std_err;
	struct efi_runtime_services *runtime_services;
	struct efi_boot_services *boot_services;
	u64 number_of_table_entries;
	struct efi_configuration_table *configuration_table;
};

#define EFI_SYSTEM_TABLE_SIGNATURE 0x5453595320494249ull /* "IBI SYST" */

struct efi_loaded_image {
	u32 revision;
	efi_handle_t parent_handle;
	struct efi_system_table *system_table;
	efi_handle_t device_handle;
	void *file_path;
	void *reserved;
	u32 load_options_size;
	void *load_options;
	void *image_base;
	u64 image_size;
	u32 image_code_type;
	u32 image_data_type;
	efi_slot_t unload;
};

#define EFI_NATIVE_INTERFACE 0 /* UEFI 2.10 section 7.3, InstallProtocolInterface() */

/* edk2 MdePkg/Include/Protocol/MemoryAccept.h: accepts a range, leaves the memory map as it is. */
struct edkii_memory_accept_protocol {
	efi_status_t(EFIAPI *accept_memory)(struct edkii_memory_accept_protocol *self, efi_physical_addr_t start,
					    u64 size);
};

/* edk2 OvmfPkg/Include/Protocol/SevMemoryAcceptance.h: the OS accepts memory itself. */
struct sev_memory_acceptance_protocol {
	efi_status_t(EFIAPI *allow_unaccepted_memory)(struct sev_memory_acceptance_protocol *self);
};

#endif
