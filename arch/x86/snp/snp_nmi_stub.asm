; SPDX-License-Identifier: MIT
; snp_nmi_complete_stub: where an AP's NMI returns to on SNP (arch/x86/snp/snp_nmi.c), out of NMI context,
; with the interrupted RIP pushed on the interrupted stack as by a CALL. It keeps every register and the
; flags of the interrupted code, sends NMI Complete through snp_nmi_complete_deferred(), and returns there.
; The kernel is built without a red zone (-mno-red-zone), so the push below the interrupted RSP is safe.
bits 64
default rel
section .text

global snp_nmi_complete_stub
extern snp_nmi_complete_deferred

snp_nmi_complete_stub:
	pushfq
	push rax
	push rcx
	push rdx
	push rsi
	push rdi
	push r8
	push r9
	push r10
	push r11
	push rbx
	mov rbx, rsp			; callee-saved: the C call keeps it
	and rsp, -16			; the SysV ABI's call alignment, whatever the interrupted RSP was
	call snp_nmi_complete_deferred
	mov rsp, rbx
	pop rbx
	pop r11
	pop r10
	pop r9
	pop r8
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rax
	popfq
	ret
