; SPDX-License-Identifier: MIT
; Exception entry: one stub per vector 0-31, each pushing a uniform frame (error code, or 0 where the CPU
; pushes none, then the vector), then the general registers, then calling trap_dispatch(struct cpu_regs *).
; The frame (5 hardware words + 2 + 15 registers = 22 words) keeps RSP 16-byte aligned at the call.
bits 64
default rel
section .text

extern trap_dispatch
global trap_stubs

; Vectors for which the CPU pushes an error code (Intel SDM vol. 3A 6.13; AMD APM vol. 2 15.35.5 for #VC).
%define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

%macro STUB 1
align 16
stub_%1:
%if !HAS_ERROR(%1)
	push 0
%endif
	push %1
	jmp trap_common
%endmacro

trap_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	call trap_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16			; vector and error code
	iretq

%assign v 0
%rep 32
STUB v
%assign v v+1
%endrep

; The stubs' offsets from trap_stubs, so the IDT can be filled without absolute relocations.
align 4
trap_stubs:
%assign v 0
%rep 32
	dd stub_%+v - trap_stubs
%assign v v+1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
