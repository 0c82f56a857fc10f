; SPDX-License-Identifier: MIT
; The one TDCALL wrapper (Intel TDX Module ABI spec, "TDCALL"; shaped after Linux
; arch/x86/virt/vmx/tdx/tdxcall.S, written anew): System V ABI in, the TDX module's register ABI out.
;
;   u64 tdx_tdcall(u64 leaf, struct tdx_module_args *args);   arch/x86/include/arch/tdx.h
;
; RAX = leaf; RCX, RDX, R8-R15, RBX, RSI, RDI are loaded from *args and, after the TDCALL, stored back into
; it (every leaf's outputs live in those registers; TDG.VP.VMCALL<ReportFatalError> carries its message in
; RBX, RSI, RDI too). Returns RAX, the completion status. RBX, RBP, R12-R15 are callee-saved in the System V
; ABI and are restored here, whatever a TDG.VP.VMCALL let the VMM write into them.
bits 64
default rel
section .text

global tdx_tdcall

; struct tdx_module_args: thirteen u64 in this order.
ARGS_RCX equ 0
ARGS_RDX equ 8
ARGS_R8  equ 16
ARGS_R9  equ 24
ARGS_R10 equ 32
ARGS_R11 equ 40
ARGS_R12 equ 48
ARGS_R13 equ 56
ARGS_R14 equ 64
ARGS_R15 equ 72
ARGS_RBX equ 80
ARGS_RSI equ 88
ARGS_RDI equ 96

tdx_tdcall:
	push rbp
	mov rbp, rsp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rsi			; args, needed again after the TDCALL

	mov rax, rdi
	mov rcx, [rsi + ARGS_RCX]
	mov rdx, [rsi + ARGS_RDX]
	mov r8,  [rsi + ARGS_R8]
	mov r9,  [rsi + ARGS_R9]
	mov r10, [rsi + ARGS_R10]
	mov r11, [rsi + ARGS_R11]
	mov r12, [rsi + ARGS_R12]
	mov r13, [rsi + ARGS_R13]
	mov r14, [rsi + ARGS_R14]
	mov r15, [rsi + ARGS_R15]
	mov rbx, [rsi + ARGS_RBX]
	mov rdi, [rsi + ARGS_RDI]
	mov rsi, [rsi + ARGS_RSI]	; last: it held args

	db 0x66, 0x0f, 0x01, 0xcc	; TDCALL (the TDX module ABI's encoding; nasm has no mnemonic)

	xchg rsi, [rsp]			; rsi = args again; the returned RSI waits on the stack
	mov [rsi + ARGS_RBX], rbx
	mov [rsi + ARGS_RDI], rdi
	pop rdi				; the returned RSI
	mov [rsi + ARGS_RSI], rdi
	mov [rsi + ARGS_RCX], rcx
	mov [rsi + ARGS_RDX], rdx
	mov [rsi + ARGS_R8],  r8
	mov [rsi + ARGS_R9],  r9
	mov [rsi + ARGS_R10], r10
	mov [rsi + ARGS_R11], r11
	mov [rsi + ARGS_R12], r12
	mov [rsi + ARGS_R13], r13
	mov [rsi + ARGS_R14], r14
	mov [rsi + ARGS_R15], r15

	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
