/* SPDX-License-Identifier: MIT */
/*
 * UEFI constants and plain data layouts: memory types, attributes, the memory descriptor, GUIDs.
 * Host-safe (no calling convention, no services), so the memory-map logic can be unit-tested on the host.
 * Sources: UEFI 2.10 spec section 7.2 (memory types, EFI_MEMORY_DESCRIPTOR), edk2 MdePkg/Include/Uefi/UefiSpec.h,
 * MdePkg/MdePkg.dec and OvmfPkg/OvmfPkg.dec (GUIDs), Linux include/linux/efi.h (LINUX_EFI_* GUIDs).
 */
#ifndef CCKTF_EFI_SPEC_H
#define CCKTF_EFI_SPEC_H

#include <ccktf/types.h>

typedef u64 efi_status_t;
typedef u64 efi_physical_addr_t;
typedef void *efi_handle_t;
typedef u16 efi_char16_t;

/* UEFI 2.10 Appendix D: the high bit marks an error. */
#define EFI_ERROR_BIT (1ull << 63)
#define EFI_SUCCESS 0ull
#define EFI_LOAD_ERROR (EFI_ERROR_BIT | 1)
#define EFI_INVALID_PARAMETER (EFI_ERROR_BIT | 2)
#define EFI_UNSUPPORTED (EFI_ERROR_BIT | 3)
#define EFI_BAD_BUFFER_SIZE (EFI_ERROR_BIT | 4)
#define EFI_BUFFER_TOO_SMALL (EFI_ERROR_BIT | 5)
#define EFI_DEVICE_ERROR (EFI_ERROR_BIT | 7)
#define EFI_WRITE_PROTECTED (EFI_ERROR_BIT | 8) /* section 8.2 SetVariable(): the variable is read-only */
#define EFI_OUT_OF_RESOURCES (EFI_ERROR_BIT | 9)
#define EFI_NOT_FOUND (EFI_ERROR_BIT | 14)
#define EFI_IS_ERROR(s) (((s) & EFI_ERROR_BIT) != 0)

/* UEFI 2.10 section 7.2, EFI_MEMORY_TYPE; 15 added in UEFI 2.9. */
enum efi_memory_type {
	EFI_RESERVED_MEMORY = 0,
	EFI_LOADER_CODE = 1,
	EFI_LOADER_DATA = 2,
	EFI_BOOT_SERVICES_CODE = 3,
	EFI_BOOT_SERVICES_DATA = 4,
	EFI_RUNTIME_SERVICES_CODE = 5,
	EFI_RUNTIME_SERVICES_DATA = 6,
	EFI_CONVENTIONAL_MEMORY = 7,
	EFI_UNUSABLE_MEMORY = 8,
	EFI_ACPI_RECLAIM_MEMORY = 9,
	EFI_ACPI_MEMORY_NVS = 10,
	EFI_MEMORY_MAPPED_IO = 11,
	EFI_MEMORY_MAPPED_IO_PORT_SPACE = 12,
	EFI_PAL_CODE = 13,
	EFI_PERSISTENT_MEMORY = 14,
	EFI_UNACCEPTED_MEMORY = 15,
	EFI_MAX_MEMORY_TYPE = 16,
};
#define EFI_OEM_MEMORY_TYPE_FIRST 0x70000000u /* 0x70000000-0x7fffffff: OEM */
#define EFI_OS_MEMORY_TYPE_FIRST 0x80000000u  /* 0x80000000-0xffffffff: OS loaders */

/* UEFI 2.10 section 7.2, memory attribute bits. */
#define EFI_MEMORY_UC (1ull << 0)
#define EFI_MEMORY_WC (1ull << 1)
#define EFI_MEMORY_WT (1ull << 2)
#define EFI_MEMORY_WB (1ull << 3)
#define EFI_MEMORY_UCE (1ull << 4)
#define EFI_MEMORY_WP (1ull << 12)
#define EFI_MEMORY_RP (1ull << 13)
#define EFI_MEMORY_XP (1ull << 14)
#define EFI_MEMORY_NV (1ull << 15)
#define EFI_MEMORY_MORE_RELIABLE (1ull << 16)
#define EFI_MEMORY_RO (1ull << 17)
#define EFI_MEMORY_SP (1ull << 18)
#define EFI_MEMORY_CPU_CRYPTO (1ull << 19)
#define EFI_MEMORY_HOT_PLUGGABLE (1ull << 20)
#define EFI_MEMORY_ISA_MASK 0x0FFFF00000000000ull
#define EFI_MEMORY_ISA_VALID (1ull << 62)
#define EFI_MEMORY_RUNTIME (1ull << 63)

#define EFI_PAGE_SIZE 4096ull
#define EFI_MEMORY_DESCRIPTOR_VERSION 1

/*
 * UEFI 2.10 section 7.2, EFI_MEMORY_DESCRIPTOR: 40 bytes as declared, but firmware may return a larger
 * DescriptorSize (edk2 returns 48 on purpose): always step through a map by the size GetMemoryMap returned.
 */
struct efi_memory_descriptor {
	u32 type;
	u32 pad;
	u64 phys_start;
	u64 virt_start;
	u64 num_pages;
	u64 attribute;
};
#define EFI_MEMORY_DESCRIPTOR_MIN_SIZE 40u

typedef struct {
	u32 data1;
	u16 data2;
	u16 data3;
	u8 data4[8];
} efi_guid_t;

#define EFI_GUID(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7) \
	((efi_guid_t){ (a), (b), (c), { (d0), (d1), (d2), (d3), (d4), (d5), (d6), (d7) } })

/* MdePkg/MdePkg.dec */
/* UEFI 2.10 section 3.3: EFI_GLOBAL_VARIABLE, the vendor GUID of the globally defined variables */
#define EFI_GLOBAL_VARIABLE_GUID EFI_GUID(0x8be4df61, 0x93ca, 0x11d2, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c)
#define EFI_ACPI_20_TABLE_GUID EFI_GUID(0x8868e871, 0xe4f1, 0x11d3, 0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81)
#define EFI_ACPI_10_TABLE_GUID EFI_GUID(0xeb9d2d30, 0x2d88, 0x11d3, 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d)
#define EFI_SMBIOS_TABLE_GUID EFI_GUID(0xeb9d2d31, 0x2d88, 0x11d3, 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d)
#define EFI_SMBIOS3_TABLE_GUID EFI_GUID(0xf2fd1544, 0x9794, 0x4a2c, 0x99, 0x2e, 0xe5, 0xbb, 0xcf, 0x20, 0xe3, 0x94)
#define EFI_LOADED_IMAGE_PROTOCOL_GUID \
	EFI_GUID(0x5b1b31a1, 0x9562, 0x11d2, 0x8e, 0x3f, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b)
/* UEFI 2.10 section 13.4 */
#define EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID \
	EFI_GUID(0x964e5b22, 0x6459, 0x11d2, 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b)
#define EFI_MEMORY_ATTRIBUTES_TABLE_GUID \
	EFI_GUID(0xdcfa911d, 0x26eb, 0x469f, 0xa2, 0x20, 0x38, 0xb7, 0xdc, 0x46, 0x12, 0x20)
#define EFI_DXE_SERVICES_TABLE_GUID EFI_GUID(0x05ad34ba, 0x6f02, 0x4214, 0x95, 0x2e, 0x4d, 0xa0, 0x39, 0x8e, 0x2b, 0xb9)
#define EFI_HOB_LIST_GUID EFI_GUID(0x7739f24c, 0x93d7, 0x11d4, 0x9a, 0x3a, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d)
#define EFI_MEMORY_TYPE_INFORMATION_GUID \
	EFI_GUID(0x4c19049f, 0x4137, 0x4dd3, 0x9c, 0x10, 0x8b, 0x97, 0xa8, 0x3f, 0xfd, 0xfa)
#define EFI_DEBUG_IMAGE_INFO_TABLE_GUID \
	EFI_GUID(0x49152e77, 0x1ada, 0x4764, 0xb7, 0xa2, 0x7a, 0xfe, 0xfe, 0xd9, 0x5e, 0x8b)
#define EFI_TCG2_FINAL_EVENTS_TABLE_GUID \
	EFI_GUID(0x1e2ed096, 0x30e2, 0x4254, 0xbd, 0x89, 0x86, 0x3b, 0xbe, 0xf8, 0x23, 0x25)
#define EFI_RT_PROPERTIES_TABLE_GUID EFI_GUID(0xeb66918a, 0x7eef, 0x402a, 0x84, 0x2e, 0x93, 0x1d, 0x21, 0xc3, 0x8a, 0xe9)
#define EFI_SYSTEM_RESOURCE_TABLE_GUID \
	EFI_GUID(0xb122a263, 0x3661, 0x4f68, 0x99, 0x29, 0x78, 0xf8, 0xb0, 0xd6, 0x21, 0x80)
#define EFI_CONFORMANCE_PROFILES_TABLE_GUID \
	EFI_GUID(0x36122546, 0xf7e7, 0x4c8f, 0xbd, 0x9b, 0xeb, 0x85, 0x25, 0xb5, 0x0c, 0x0b)
#define EDKII_MEMORY_ACCEPT_PROTOCOL_GUID \
	EFI_GUID(0x38c74800, 0x5590, 0x4db4, 0xa0, 0xf3, 0x67, 0x5d, 0x9b, 0x8e, 0x80, 0x26)
/* MdeModulePkg/MdeModulePkg.dec */
#define EDKII_LZMA_CUSTOM_DECOMPRESS_GUID \
	EFI_GUID(0xee4e5898, 0x3914, 0x4259, 0x9d, 0x6e, 0xdc, 0x7b, 0xd7, 0x94, 0x03, 0xcf)
#define EDKII_MEMORY_STATUS_CODE_RECORD_GUID \
	EFI_GUID(0x060cc026, 0x4c0d, 0x4dda, 0x8f, 0x41, 0x59, 0x5f, 0xef, 0x00, 0xa5, 0x02)
/* MdePkg/Include/Guid/ImageAuthentication.h (UEFI 2.10 section 32.6) */
#define EFI_IMAGE_SECURITY_DATABASE_GUID \
	EFI_GUID(0xd719b2cb, 0x3d3a, 0x4596, 0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f)
/* OvmfPkg/OvmfPkg.dec */
#define EFI_CC_BLOB_GUID EFI_GUID(0x067b1f5f, 0xcf26, 0x44c5, 0x85, 0x54, 0x93, 0xd7, 0x77, 0x91, 0x2d, 0x42)

/* The SEV-SNP CC blob the GUID points at (OvmfPkg/Include/Guid/ConfidentialComputingSevSnpBlob.h; Linux
 * struct cc_blob_sev_info, arch/x86/include/asm/sev.h), packed, 40 bytes. */
#define EFI_CC_BLOB_MAGIC 0x45444d41u /* "AMDE" */
struct efi_cc_blob {
	u32 magic;
	u16 version;
	u16 reserved1;
	u64 secrets_pa;
	u32 secrets_size;
	u32 reserved2;
	u64 cpuid_pa;
	u32 cpuid_size;
	u32 reserved3;
} __attribute__((packed));
#define OVMF_SEV_MEMORY_ACCEPTANCE_PROTOCOL_GUID \
	EFI_GUID(0xc5a010fe, 0x38a7, 0x4531, 0x8a, 0x4a, 0x05, 0x00, 0xd2, 0xfd, 0x16, 0x49)
/* Linux include/linux/efi.h */
#define LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID \
	EFI_GUID(0xd5d1de3c, 0x105c, 0x44f9, 0x9e, 0xa9, 0xbc, 0xef, 0x98, 0x12, 0x00, 0x31)
#define LINUX_EFI_MEMRESERVE_TABLE_GUID \
	EFI_GUID(0x888eb0c6, 0x8ede, 0x4ff5, 0xa8, 0xf0, 0x9a, 0xee, 0x5c, 0xb9, 0x77, 0xc2)
/* The vendor media device path under which a loader offers an initrd through EFI_LOAD_FILE2_PROTOCOL: Linux
 * include/linux/efi.h (drivers/firmware/efi/libstub/efi-stub-helper.c efi_load_initrd_dev_path()); OVMF's
 * OvmfPkg/QemuKernelLoaderFsDxe installs it for QEMU's -initrd (MdePkg/Include/Guid/LinuxEfiInitrdMedia.h). */
#define LINUX_EFI_INITRD_MEDIA_GUID \
	EFI_GUID(0x5568e427, 0x68fc, 0x4f3d, 0xac, 0x74, 0xca, 0x55, 0x52, 0x31, 0xcc, 0x68)
/* UEFI 2.10 section 13.2 EFI_LOAD_FILE2_PROTOCOL (MdePkg/Include/Protocol/LoadFile2.h) */
#define EFI_LOAD_FILE2_PROTOCOL_GUID \
	EFI_GUID(0x4006c0c1, 0xfcb3, 0x403e, 0x99, 0x6d, 0x4a, 0x6c, 0x87, 0x24, 0xe0, 0x6d)
/* UEFI 2.10 section 10.3.1 (generic device path node), 10.3.5.6 (vendor-defined media), 10.3.1 (end) */
#define EFI_DEVICE_PATH_MEDIA 0x04
#define EFI_DEVICE_PATH_MEDIA_VENDOR 0x03
#define EFI_DEVICE_PATH_END 0x7f
#define EFI_DEVICE_PATH_END_ENTIRE 0xff

static inline bool efi_guid_equal(const efi_guid_t *a, const efi_guid_t *b)
{
	const u8 *x = (const u8 *)a, *y = (const u8 *)b;

	for (size_t i = 0; i < sizeof(*a); i++)
		if (x[i] != y[i])
			return false;
	return true;
}

#endif
