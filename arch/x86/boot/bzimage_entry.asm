; SPDX-License-Identifier: MIT
; The entry points ccktf.efi offers as an x86 bzImage (docs/bzimage.md), besides the PE entry efi_entry.
; A boot loader of the Linux boot protocol (Documentation/arch/x86/boot.rst) loads the file from
; kern16 = (setup_sects + 1) * 512 = 0x1000 on, i.e. from RVA 0x1000, at an address L aligned to
; kernel_alignment, and enters:
;   - the 32-bit protocol at L + 0 (boot.rst "32-bit BOOT PROTOCOL"): not supported, reported on COM1;
;   - the 64-bit protocol at L + 0x200 (boot.rst "64-bit BOOT PROTOCOL"; kexec_file_load enters there:
;     Linux arch/x86/kernel/kexec-bzimage64.c, bzImage64_load(), regs64.rip = kernel_load_addr + 0x200):
;     long mode, interrupts off, RSI = boot_params, on the previous kernel's (identity) page tables, which
;     may be 5-level: this path never turns 5-level paging off (the header's XLF_5LEVEL promises exactly that;
;     boot64_paging.c gives its own tables a PML5 then).
; So this section must start at RVA 0x1000 and bzimage_entry_64 sit at RVA 0x1200; linker/ccktf.ld places
; it first in .text and asserts both. The header page (RVA 0..0xfff) is not loaded on these paths: nothing
; here or in boot64_main reads it.
bits 64
default rel

%include "arch/x86/boot/serial_stub.inc"

extern apply_relocations, boot64_main, __bss_start, __bss_end
global bzimage_entry_32, bzimage_entry_64, bzimage_kernel_info

%define ENTRY_64_OFFSET 0x200		; boot.rst: "the 64-bit entry point is at the load address + 0x200"
%define BP_SCRATCH 0x1e4		; struct boot_params.scratch (arch/x86/include/uapi/asm/bootparam.h)
%define BOOT64_STACK_SIZE 0x4000

section .text.boot_head progbits alloc exec nowrite align=4096

; 32-bit protected mode, paging off, ESI = boot_params, no stack promised. As Linux's own startup_32
; (arch/x86/boot/compressed/head_64.S) does, the 4-byte boot_params.scratch field serves as the stack for
; one call/pop, which gives the position of this code.
bits 32
bzimage_entry_32:
	cli
	cld
	lea esp, [esi + BP_SCRATCH + 4]
	call .here
.here:
	pop esi
	add esi, msg_32 - .here
	STUB_UART_INIT
	STUB_PUTS esi
	STUB_EXIT_USAGE
msg_32:
	db 13, 10, "# ccktf: entered through the 32-bit boot protocol, which ccktf does not support (boot it as an "
	db "EFI application or through the 64-bit boot protocol)", 13, 10
	db "# ccktf: exit=usage-error code=2", 13, 10, 0

bits 64
	times ENTRY_64_OFFSET - ($ - bzimage_entry_32) db 0xcc
bzimage_entry_64:
	cli
	cld
	mov r12, rsi			; boot_params, kept across the calls below (callee-saved)
	; .bss: nothing in the boot protocol promises it zeroed (kexec_file_load zero-fills up to init_size,
	; other loaders need not), and the C code relies on zeroed statics.
	lea rdi, [__bss_start]
	lea rcx, [__bss_end]
	sub rcx, rdi
	xor eax, eax
	rep stosb
	lea rsp, [boot64_stack_top]	; the previous kernel's stack is not ours to use
	call apply_relocations
	test rax, rax
	jnz .bad_relocation
	mov rdi, r12
	call boot64_main		; does not return
.bad_relocation:
	lea rsi, [msg_relocation]
	STUB_UART_INIT
	STUB_PUTS rsi
	STUB_EXIT_USAGE
msg_relocation:
	db 13, 10, "# ccktf: 64-bit boot protocol entry: the image holds a relocation type it cannot apply", 13, 10
	db "# ccktf: exit=usage-error code=2", 13, 10, 0

; kernel_info (boot protocol 2.15, boot.rst "The kernel_info"): found through the header's
; kernel_info_offset, relative to the start of the protected-mode part (RVA 0x1000).
section .rodata
align 4
bzimage_kernel_info:
	db "LToP"			; header
	dd kernel_info_var_len - bzimage_kernel_info	; size: the fixed part
	dd kernel_info_end - bzimage_kernel_info		; size_total
	; setup_type_max: the highest setup_data type a loader may pass. Stage 2 walks the chain and skips
	; types it does not read, up to SETUP_RNG_SEED (9) as in Linux 6.1 (SETUP_ENUM_MAX); it does not
	; follow SETUP_INDIRECT (bit 31), so that bit is not offered.
	dd 9
kernel_info_var_len:
kernel_info_end:

section .bss nobits alloc noexec write align=16
boot64_stack:
	resb BOOT64_STACK_SIZE
boot64_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
