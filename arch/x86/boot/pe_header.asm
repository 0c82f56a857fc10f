; SPDX-License-Identifier: MIT
; The PE32+ header of ccktf.efi (Microsoft PE/COFF specification rev. 12; UEFI 2.10 section 2.1.1),
; assembled as a flat 4 KiB block and placed in front of the linked image. The Makefile passes the layout
; the linker chose (TEXT_RVA, TEXT_SIZE, RELOC_RVA, DATA_RVA, DATA_FSIZE, DATA_VSIZE, IMAGE_SIZE,
; ENTRY_RVA) as -D defines read from the linked ELF's symbols, because a position-independent link cannot
; place absolute 32-bit values in the header itself. File offset equals RVA for every section.
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

	times HEADER_SIZE - ($ - $$) db 0
