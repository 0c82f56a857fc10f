; SPDX-License-Identifier: MIT
; The SNP model's last step in starting a vCPU from its VMSA (arch/x86/sim/snp_model_ap.c): on the started
; vCPU, in 64-bit mode (the model's trampoline), load what the model read out of the VMSA and jump into it.
; What real hardware does at VMRUN from the VMSA; the guest never runs this code.
bits 64
section .text

global snp_model_vmsa_load

; Offsets in struct vmsa_load (snp_model_ap.c).
%define L_GDTR 0
%define L_IDTR 16
%define L_CR3 32
%define L_CS 40
%define L_SS 48
%define L_DS 56
%define L_ES 64
%define L_FS 72
%define L_GS 80
%define L_FS_BASE 88
%define L_GS_BASE 96
%define L_RIP 104
%define L_RSP 112
%define L_RFLAGS 120
%define L_RAX 128
%define L_RBX 136
%define L_RCX 144
%define L_RDX 152
%define L_RSI 160
%define L_RDI 168
%define L_RBP 176
%define MSR_FS_BASE 0xc0000100
%define MSR_GS_BASE 0xc0000101

; __noreturn void snp_model_vmsa_load(const struct vmsa_load *l)
snp_model_vmsa_load:
	lgdt [rdi + L_GDTR]
	lidt [rdi + L_IDTR]
	mov rax, [rdi + L_CR3]
	mov cr3, rax
	mov ax, [rdi + L_DS]
	mov ds, ax
	mov ax, [rdi + L_ES]
	mov es, ax
	mov ax, [rdi + L_FS]
	mov fs, ax
	mov ax, [rdi + L_GS]
	mov gs, ax			; the bases below, after the selectors (which reset them)
	mov ecx, MSR_FS_BASE
	mov eax, [rdi + L_FS_BASE]
	mov edx, [rdi + L_FS_BASE + 4]
	wrmsr
	mov ecx, MSR_GS_BASE
	mov eax, [rdi + L_GS_BASE]
	mov edx, [rdi + L_GS_BASE + 4]
	wrmsr
	push qword [rdi + L_SS]		; IRETQ's frame: SS, RSP, RFLAGS, CS, RIP
	push qword [rdi + L_RSP]
	push qword [rdi + L_RFLAGS]
	push qword [rdi + L_CS]
	push qword [rdi + L_RIP]
	xor r8d, r8d
	xor r9d, r9d
	xor r10d, r10d
	xor r11d, r11d
	xor r12d, r12d
	xor r13d, r13d
	xor r14d, r14d
	xor r15d, r15d
	mov rax, [rdi + L_RAX]
	mov rbx, [rdi + L_RBX]
	mov rcx, [rdi + L_RCX]
	mov rdx, [rdi + L_RDX]
	mov rsi, [rdi + L_RSI]
	mov rbp, [rdi + L_RBP]
	mov rdi, [rdi + L_RDI]
	iretq

section .note.GNU-stack noalloc noexec nowrite progbits
