; SPDX-License-Identifier: MIT
; Where an SNP application processor starts (arch/x86/snp/snp_ap_create.c): its VMSA's RIP. The VMSA put
; it in 64-bit mode on the kernel's CR3, GDT and IDT, with RSP = its own stack's top and RDI = its slot; the
; stub only gives ap_main(c) the ABI's view of a call (a return address's worth of stack below the
; 16-byte-aligned top), as the INIT-SIPI trampoline does.
bits 64
section .text

global snp_ap_entry
extern ap_main

snp_ap_entry:
	xor ebp, ebp
	push 0
	jmp ap_main

section .note.GNU-stack noalloc noexec nowrite progbits
