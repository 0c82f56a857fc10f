; SPDX-License-Identifier: MIT
; The PE32+ header of ccktf.efi (Microsoft PE/COFF specification rev. 12; UEFI 2.10 section 2.1.1), which
; is also the real-mode part of an x86 bzImage (Linux Documentation/arch/x86/boot.rst; docs/bzimage.md):
; the PE headers end before 0x1f1, where the boot protocol's setup header starts, as in Linux's own EFI-stub
; kernels (arch/x86/boot/header.S). Assembled as a flat 4 KiB block and placed in front of the linked
; image. The Makefile passes the layout the linker chose (TEXT_RVA, TEXT_SIZE, RELOC_RVA, DATA_RVA,
; DATA_FSIZE, DATA_VSIZE, IMAGE_SIZE, ENTRY_RVA, BOOT32_RVA, BOOT64_RVA, KERNEL_INFO_RVA) as -D defines read
; from the linked ELF's symbols, because a position-independent link cannot place absolute 32-bit values in
; the header itself. File offset equals RVA for every section.
bits 64
org 0

%define IMAGE_FILE_MACHINE_AMD64 0x8664
; EXECUTABLE_IMAGE | LINE_NUMS_STRIPPED | LARGE_ADDRESS_AWARE | DEBUG_STRIPPED
%define IMAGE_FILE_CHARACTERISTICS 0x0226
%define IMAGE_SUBSYSTEM_EFI_APPLICATION 10
%define SCN_CODE_RX 0x60000020		; CNT_CODE | MEM_EXECUTE | MEM_READ
%define SCN_DATA_RW 0xC0000040		; CNT_INITIALIZED_DATA | MEM_READ | MEM_WRITE
%define SCN_RELOC 0x42000040		; CNT_INITIALIZED_DATA | MEM_DISCARDABLE | MEM_READ
%define RELOC_SIZE 12			; one empty block: see .reloc below
%define HEADER_SIZE 0x1000

%include "arch/x86/boot/serial_stub.inc"

dos_header:
	db 'MZ'
	times 0x3c - ($ - dos_header) db 0
	dd pe_signature			; e_lfanew

pe_signature:
	db 'PE', 0, 0
coff_header:
	dw IMAGE_FILE_MACHINE_AMD64
	dw 3				; NumberOfSections
	dd 0				; TimeDateStamp: 0 keeps the build reproducible
	dd 0, 0				; no COFF symbol table
	dw optional_header_end - optional_header
	dw IMAGE_FILE_CHARACTERISTICS

optional_header:
	dw 0x20b			; PE32+
	db 0, 0				; linker version
	dd TEXT_SIZE			; SizeOfCode
	dd DATA_FSIZE + RELOC_FSIZE	; SizeOfInitializedData
	dd DATA_VSIZE - DATA_FSIZE	; SizeOfUninitializedData
	dd ENTRY_RVA			; AddressOfEntryPoint
	dd TEXT_RVA			; BaseOfCode
	dq 0				; ImageBase: linked at 0, relocates itself
	dd 0x1000			; SectionAlignment
	dd 0x200			; FileAlignment
	dw 0, 0, 0, 0, 0, 0		; OS, image and subsystem versions
	dd 0				; Win32VersionValue
	dd IMAGE_SIZE			; SizeOfImage
	dd HEADER_SIZE			; SizeOfHeaders
	dd 0				; CheckSum
	dw IMAGE_SUBSYSTEM_EFI_APPLICATION
	dw 0				; DllCharacteristics
	dq 0x10000, 0x10000		; stack reserve, commit (unused by UEFI)
	dq 0x10000, 0			; heap reserve, commit (unused by UEFI)
	dd 0				; LoaderFlags
	dd 16				; NumberOfRvaAndSizes
	dq 0, 0, 0, 0, 0		; export, import, resource, exception, security
	dd RELOC_RVA, RELOC_SIZE	; base relocation table
	times 10 dq 0
optional_header_end:

%macro SECTION_HEADER 5			; name, virtual size, rva, file size, characteristics
	db %1
	times 8 - %strlen(%1) db 0
	dd %2, %3, %4, %3		; file offset = rva
	dd 0, 0				; no COFF relocations or line numbers
	dw 0, 0
	dd %5
%endmacro

section_table:
	SECTION_HEADER '.text', TEXT_SIZE, TEXT_RVA, TEXT_SIZE, SCN_CODE_RX
	SECTION_HEADER '.reloc', RELOC_SIZE, RELOC_RVA, RELOC_FSIZE, SCN_RELOC
	SECTION_HEADER '.data', DATA_VSIZE, DATA_RVA, DATA_FSIZE, SCN_DATA_RW
pe_headers_end:

; --- The x86 boot protocol's setup header (boot.rst "The Real-Mode Kernel Header"; offsets and types:
; --- Linux arch/x86/include/uapi/asm/bootparam.h, struct setup_header) ---------------------------------
%define BOOT_PROTOCOL_VERSION 0x020f	; 2.15: kernel_info_offset (and kernel_info) filled in
%define SETUP_SECTS (HEADER_SIZE / 512 - 1)	; the boot sector plus 7: kern16 = (7 + 1) * 512 = HEADER_SIZE
%define KERN16 ((SETUP_SECTS + 1) * 512)
%define FILE_SIZE (DATA_RVA + DATA_FSIZE)	; the flattened image ends with .data's file part
%define LOADED_HIGH 0x01			; loadflags bit 0: protected-mode code at 0x100000 (bzImage)
%define XLF_KERNEL_64 0x01			; xloadflags bit 0: 64-bit entry at load address + 0x200
%define XLF_CAN_BE_LOADED_ABOVE_4G 0x02
%define XLF_EFI_KEXEC 0x10			; bit 4: can be kexec-ed with EFI runtime (efi_info, SETUP_EFI)
%define XLF_5LEVEL 0x20				; bit 5: may be entered with 5-level paging on (never changes it)
%define KERNEL_ALIGNMENT 0x200000		; 2 MiB: Xen's EFI kexec type wants a 2 MiB multiple in [2, 16] MiB
%define MIN_ALIGNMENT_LG2 12			; position-independent: any 4 KiB page will do
%define PREF_ADDRESS 0x1000000			; 16 MiB, Linux's LOAD_PHYSICAL_ADDR (kexec loads at or above pref_address)
%define CMDLINE_SIZE 2047			; without the NUL, as Linux (COMMAND_LINE_SIZE 2048 - 1)
%define INITRD_ADDR_MAX 0x7fffffff		; Linux's value; ccktf takes no initrd

%if KERN16 != HEADER_SIZE
%error the setup part must be exactly the PE header page
%endif
%if BOOT32_RVA != KERN16 || BOOT64_RVA != KERN16 + 0x200
%error the bzImage entries must sit at kern16 and kern16 + 0x200 (linker/ccktf.ld)
%endif

	times 0x1f1 - ($ - $$) db 0		; fails to assemble if the PE headers grew past 0x1f1
setup_header:
	db SETUP_SECTS				; 0x1f1 setup_sects
	dw 0					; 0x1f2 root_flags
	dd (FILE_SIZE - KERN16 + 15) / 16	; 0x1f4 syssize: protected-mode part in 16-byte paragraphs
	dw 0					; 0x1f8 ram_size (obsolete)
	dw 0xffff				; 0x1fa vid_mode: "normal" (boot.rst, vga=normal)
	dw 0					; 0x1fc root_dev
	dw 0xaa55				; 0x1fe boot_flag
	db 0xeb, real_mode_stub - 0x202		; 0x200 jump, relative to 0x202: also the header's length (boot.rst "jump")
	db 'HdrS'				; 0x202 header
	dw BOOT_PROTOCOL_VERSION		; 0x206 version
	dd 0					; 0x208 realmode_swtch
	dw 0x1000				; 0x20c start_sys_seg (obsolete; Linux's SYSSEG)
	dw kernel_version - 0x200		; 0x20e kernel_version: the string's offset less 0x200
	db 0					; 0x210 type_of_loader (the loader writes it)
	db LOADED_HIGH				; 0x211 loadflags
	dw 0x8000				; 0x212 setup_move_size
	dd 0x100000				; 0x214 code32_start (the 32-bit entry, relocated by the loader)
	dd 0, 0					; 0x218 ramdisk_image, ramdisk_size
	dd 0					; 0x220 bootsect_kludge
	dw 0					; 0x224 heap_end_ptr
	db 0, 0					; 0x226 ext_loader_ver, ext_loader_type
	dd 0					; 0x228 cmd_line_ptr
	dd INITRD_ADDR_MAX			; 0x22c initrd_addr_max
	dd KERNEL_ALIGNMENT			; 0x230 kernel_alignment
	db 1					; 0x234 relocatable_kernel
	db MIN_ALIGNMENT_LG2			; 0x235 min_alignment
	dw XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G | XLF_EFI_KEXEC | XLF_5LEVEL	; 0x236 xloadflags
	dd CMDLINE_SIZE				; 0x238 cmdline_size
	dd 0					; 0x23c hardware_subarch: x86/PC
	dq 0					; 0x240 hardware_subarch_data
	dd 0, 0					; 0x248 payload_offset, payload_length: no compressed payload
	dq 0					; 0x250 setup_data
	dq PREF_ADDRESS				; 0x258 pref_address
	dd IMAGE_SIZE - KERN16			; 0x260 init_size: from the load address to the end of .bss
	dd 0					; 0x264 handover_offset: no EFI handover entry
	dd KERNEL_INFO_RVA - KERN16		; 0x268 kernel_info_offset (2.15)
setup_header_end:

; The real-mode entry (boot.rst "Running the kernel": CS = setup segment + 0x20, DS = the setup segment,
; so a label's value is its DS offset), which QEMU's own -kernel loader and BIOS boot loaders use. ccktf has
; no real-mode setup: say so on COM1 and leave.
bits 16
real_mode_stub:
	cli
	cld
	STUB_UART_INIT
	mov si, msg_16
	STUB_PUTS si
	STUB_EXIT_USAGE
msg_16:
	db 13, 10, "# ccktf: entered through the 16-bit real-mode boot protocol, which ccktf does not support "
	db "(boot it as an EFI application or through the 64-bit boot protocol)", 13, 10
	db "# ccktf: exit=usage-error code=2", 13, 10, 0
kernel_version:
	db "ccktf ", CCKTF_VERSION, 0
bits 64

	times HEADER_SIZE - ($ - $$) db 0
