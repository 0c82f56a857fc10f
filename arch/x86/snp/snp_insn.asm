; SPDX-License-Identifier: MIT
; The SEV-SNP instructions, as raw bytes so that no assembler support is needed (Linux asm/sev.h and
; edk2 MdePkg/Library/BaseLib/X64/Pvalidate.nasm emit them the same way). Under TCG they raise #UD and
; the model in arch/x86/sim/snp_model*.c answers; on hardware the CPU / hypervisor does.
bits 64
default rel
section .text

global snp_pvalidate
global snp_vmgexit
global snp_rmpadjust
global snp_svsm_vmgexit
global snp_rdmsr_probe_insn
global snp_rdmsr_probe_gp

; u32 snp_pvalidate(u64 va, u32 page_size, u32 validate, bool *rmp_unchanged)
; APM vol. 3 PVALIDATE: RAX = guest virtual address, ECX = page size (0 4K, 1 2M), EDX = 1 validate /
; 0 rescind; EAX = status, rFLAGS.CF = 1 when the RMP entry was not changed.
snp_pvalidate:
	mov r8, rcx			; rmp_unchanged
	mov rax, rdi
	mov ecx, esi
	; edx already holds validate (third argument)
	db 0xF2, 0x0F, 0x01, 0xFF	; PVALIDATE
	setc byte [r8]
	ret

; void snp_vmgexit(void): VMGEXIT = REP VMMCALL (APM vol. 3 VMGEXIT). The request is in the GHCB MSR
; (MSR protocol) or in the GHCB page the MSR points at.
snp_vmgexit:
	db 0xF3, 0x0F, 0x01, 0xD9	; VMGEXIT
	ret

; u32 snp_rmpadjust(u64 va, u32 page_size, u64 attrs): APM vol. 3 RMPADJUST, RAX = VA, RCX = page size,
; RDX = target VMPL and permissions; EAX = status (0, FAIL_INPUT 1, FAIL_PERMISSION 2, FAIL_SIZEMISMATCH 6).
snp_rmpadjust:
	mov rax, rdi
	mov ecx, esi
	; rdx already holds attrs (third argument)
	db 0xF3, 0x0F, 0x01, 0xFE	; RMPADJUST
	ret

; void snp_svsm_vmgexit(struct svsm_regs *r): VMGEXIT with RAX, RCX, RDX, R8, R9 loaded from r (offsets 0,
; 8, 16, 24, 32) and stored back afterwards: an SVSM call reads its arguments from, and answers in, those
; registers (SVSM spec; Linux svsm_issue_call()). The caller has set the GHCB MSR and call_pending.
snp_svsm_vmgexit:
	mov r10, rdi
	mov rax, [r10]
	mov rcx, [r10 + 8]
	mov rdx, [r10 + 16]
	mov r8,  [r10 + 24]
	mov r9,  [r10 + 32]
	db 0xF3, 0x0F, 0x01, 0xD9	; VMGEXIT
	mov [r10], rax
	mov [r10 + 8], rcx
	mov [r10 + 16], rdx
	mov [r10 + 24], r8
	mov [r10 + 32], r9
	ret

; int snp_rdmsr_probe_insn(u32 msr, u64 *value): RDMSR with a #GP catcher. The caller (snp.c) points
; the current IDT's #GP gate at snp_rdmsr_probe_gp around the call, with interrupts off, so this works
; under the firmware's IDT before ExitBootServices too. Returns 0, or -1 when RDMSR raised #GP.
snp_rdmsr_probe_insn:
	mov ecx, edi
	xor eax, eax
	xor edx, edx
	xor r8d, r8d
.rdmsr:
	rdmsr				; 2 bytes: 0F 32
	shl rdx, 32
	or rax, rdx
	mov [rsi], rax
	mov eax, r8d
	ret

; The #GP handler used only during snp_rdmsr_probe_insn: drop the error code, flag the fault, step over
; the 2-byte RDMSR.
snp_rdmsr_probe_gp:
	add rsp, 8
	mov r8d, -1
	add qword [rsp], 2
	iretq

section .note.GNU-stack noalloc noexec nowrite progbits
