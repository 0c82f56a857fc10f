; SPDX-License-Identifier: MIT
; The image's EFI entry point, called by the firmware in the UEFI x64 convention (RCX = ImageHandle,
; RDX = SystemTable, long mode, identity-mapped). The bzImage entries are in bzimage_entry.asm.
;
; Relocation, by choice: self-relocation at entry. The kernel is linked as a position-independent ELF at
; base 0 (linker/ccktf.ld); code addresses everything RIP-relative, and the only absolute addresses are
; pointers stored in data, which the linker lists as R_X86_64_RELATIVE entries in .rela.dyn. The firmware
; loads the image anywhere, so before any C code reads a pointer from data we add the load address to each
; of them. The PE header declares an empty base-relocation block only because some loaders insist on a
; .reloc section; it asks the loader to do nothing. All relocated data lives in the writable .data
; section, so this works even where the firmware maps .text read-only. Each entry is written as
; base + addend (never added to what is there), so applying the relocations twice is harmless.
bits 64
default rel
section .text

extern efi_main, __image_base, __rela_start, __rela_end
global efi_entry, apply_relocations

%define R_X86_64_RELATIVE 8
%define RELA_SIZE 24			; Elf64_Rela: r_offset, r_info, r_addend

efi_entry:
	call apply_relocations		; keeps RCX and RDX (the firmware's arguments)
	test rax, rax
	jnz .fail
	jmp efi_main			; tail call: same arguments, same stack
.fail:
	mov rax, 0x8000000000000003	; EFI_UNSUPPORTED: a relocation type we do not know; refuse to run
	ret

; Returns RAX = 0 when every relocation was applied, 1 on a type it does not know. Clobbers R8-R11.
apply_relocations:
	lea r8, [__image_base]		; where the loader put us
	lea r9, [__rela_start]
	lea r10, [__rela_end]
.next:
	cmp r9, r10
	jae .done
	cmp dword [r9 + 8], R_X86_64_RELATIVE	; the low half of r_info is the type
	jne .unknown
	mov rax, [r9 + 16]
	add rax, r8
	mov r11, [r9]
	mov [r8 + r11], rax
	add r9, RELA_SIZE
	jmp .next
.done:
	xor eax, eax
	ret
.unknown:
	mov eax, 1
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
