; SPDX-License-Identifier: MIT
; The application processors' way from real mode to the kernel (arch/x86/cpu/smp.c). A blob, never run in
; place: smp.c copies it to a page below 640 KiB (allocated before ExitBootServices) and
; ap_tramp_install() (arch/x86/cpu/ap_patch.c) adds that page's address to every field below that holds
; an address (assembled as an offset from ap_trampoline_start). A STARTUP IPI with vector VV starts an AP
; at CS = VV00h, IP = 0 in real mode (Intel SDM vol. 3A 9.4.4, "MP Initialization Example"; 11.6.1,
; delivery mode 110). From there: protected mode on the blob's own GDT, PAE, a PML4 below 4 GiB (CR3 is
; loaded from 32-bit code: the copy of the kernel's PML4 the BSP put in a second low page), EFER.LME,
; paging (SDM vol. 3A 10.8.5, "Initializing IA-32e Mode"), a far jump to 64-bit code, then the kernel's own
; CR3, the AP's stack, and a jump to ap_main(cpu) (the entry and argument the BSP wrote for this AP).
; Nothing here uses a stack before the AP's own is loaded.
bits 16
section .rodata

global ap_trampoline_start, ap_trampoline_params, ap_trampoline_end

%define P(field) (ap_trampoline_params - ap_trampoline_start + (field))
; Field offsets in the parameter block: struct ap_tramp_params (arch/x86/include/arch/ap_boot.h).
%define P_MAGIC 0
%define P_GDTR 6		; u16 limit, u32 base: the operand of a 32-bit LGDT
%define P_FAR32 12		; u32 offset, u16 selector
%define P_FAR64 20
%define P_CR3_LOW 28
%define P_CR0 32
%define P_CR4 36
%define P_EFER 40
%define P_CR3 48
%define P_STACK 56
%define P_ENTRY 64
%define P_ARG 72
%define P_SIZE 80

%define SEL_CODE32 0x08
%define SEL_DATA 0x10
%define SEL_CODE64 0x18
%define MSR_EFER 0xc0000080

align 16
ap_trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	movzx ebx, ax
	shl ebx, 4			; EBX = the blob's physical address, kept through both mode switches
	o32 lgdt [P(P_GDTR)]
	mov eax, cr0
	or eax, 1			; PE
	mov cr0, eax
	jmp dword far [P(P_FAR32)]

bits 32
ap_trampoline_pm32:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov eax, [ebx + P(P_CR4)]	; PAE and what the BSP runs with (smp.c chooses)
	mov cr4, eax
	mov eax, [ebx + P(P_CR3_LOW)]
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, [ebx + P(P_EFER)]	; LME (and NXE when the BSP has it)
	wrmsr
	mov eax, [ebx + P(P_CR0)]	; PG | PE and the BSP's WP, NE, ET, MP; CD and NW clear
	mov cr0, eax
	jmp far [ebx + P(P_FAR64)]

bits 64
ap_trampoline_lm64:
	mov ebx, ebx			; the upper halves are undefined after compatibility mode
	mov rax, [rbx + P(P_CR3)]
	mov cr3, rax
	mov rsp, [rbx + P(P_STACK)]
	mov rdi, [rbx + P(P_ARG)]
	mov rax, [rbx + P(P_ENTRY)]
	xor ebp, ebp
	push 0				; where a return address would be: the entry sees the ABI's alignment
	jmp rax

align 8
ap_trampoline_params:
	dd 'CKAP'			; P_MAGIC: AP_TRAMP_MAGIC
	dw P_SIZE			; the block's size, checked against the C struct
	dw ap_trampoline_gdt_end - ap_trampoline_gdt - 1
	dd ap_trampoline_gdt - ap_trampoline_start	; patched: + the page's address
	dd ap_trampoline_pm32 - ap_trampoline_start	; patched
	dw SEL_CODE32, 0
	dd ap_trampoline_lm64 - ap_trampoline_start	; patched
	dw SEL_CODE64, 0
	times (P_SIZE - ($ - ap_trampoline_params)) db 0	; CR3_LOW .. ARG: written by the BSP

align 8
ap_trampoline_gdt:
	dq 0
	dq 0x00cf9a000000ffff		; 0x08: 32-bit code, flat
	dq 0x00cf92000000ffff		; 0x10: data, flat
	dq 0x00af9a000000ffff		; 0x18: 64-bit code
ap_trampoline_gdt_end:
ap_trampoline_end:

section .note.GNU-stack noalloc noexec nowrite progbits
