; SPDX-License-Identifier: MIT
; MODEL of TDVF's AP run loop (edk2 OvmfPkg/TdxDxe/X64/ApRunLoop.nasm, AsmRelocateApMailBoxLoop and
; AsmRelocateApResetVector), the firmware's side of the ACPI Multiprocessor Wakeup mailbox, for sim-tdx
; (arch/x86/sim/tdvf_mp.c copies this blob into ACPI NVS memory and parks the APs in it). Not kernel code:
; the kernel's side is arch/x86/cpu/wake_madt_mailbox.c.
;
; The rules, each as TDVF has them:
;  - RBX = the mailbox; R8 = the AP's own x2APIC ID. TDVF asks the VMM for it (TDG.VP.VMCALL
;    <Instruction.CPUID> leaf 0xB, EDX); the VMM here is QEMU, whose answer CPUID gives directly (leaf 0xB
;    when it exists, else leaf 1 EBX[31:24], as arch/x86/cpu/apic.c cpu_apic_id()).
;  - Spin while the dword at Command is Noop (0). Act only when ApicId is the broadcast ID 0xfffffffe or
;    the AP's own. Command and Reserved are compared as ONE dword (cmp dword [rbx + CommandOffset]), so a
;    nonzero Reserved is no command at all: ignored, never answered.
;  - Wakeup (1): take WakeupVector, clear the first qword (Command, Reserved, ApicId), jump. The AP has
;    left the loop: a second Wakeup for it is never answered.
;  - Test (2): clear the first qword, stay. Sleep (3): stop for good. Anything else: ignored.
;  - The reset vector (ACPI 6.6 version 1 ResetVector): an AP the OS hands back goes to the loop again, on
;    the firmware's page tables (TDVF: compatibility mode, paging off, PT_ADDR(0), paging on; here the
;    model's tables are loaded directly from 64-bit mode, an equivalent the OS cannot tell apart).
; Beyond TDVF, for the model's report only (in the mailbox's firmware half, which the OS never reads): a
; count of APs that arrived in the loop and the APIC ID of every Wakeup answered. The spin has a PAUSE
; (TDVF's has none): it changes no answer and spares the TCG host.
bits 64
section .rodata

global tdvf_loop_start, tdvf_loop_reset_vector, tdvf_loop_data, tdvf_loop_end

%define CMD_OFFSET 0
%define APIC_ID_OFFSET 4
%define VECTOR_OFFSET 8
%define CMD_NOOP 0
%define CMD_WAKEUP 1
%define CMD_TEST 2
%define CMD_SLEEP 3
%define APIC_ID_BROADCAST 0xfffffffe
; The model's report, in the mailbox's firmware half (struct tdvf_mp_report, arch/x86/sim/tdvf_mp.c)
%define FW_ARRIVED 2048
%define FW_ANSWERED 2052
%define FW_IDS 2056
%define FW_IDS_MAX 64
; tdvf_loop_data fields
%define D_MAILBOX 0
%define D_CR3 8

align 16
tdvf_loop_start:
	mov rbx, [rel tdvf_loop_data + D_MAILBOX]
	mov eax, 0
	cpuid
	cmp eax, 0xb
	jb .leaf1
	mov eax, 0xb
	xor ecx, ecx
	cpuid
	test ebx, ebx
	jz .leaf1
	mov r8d, edx
	jmp .have_id
.leaf1:
	mov eax, 1
	cpuid
	shr ebx, 24
	mov r8d, ebx
.have_id:
	mov rbx, [rel tdvf_loop_data + D_MAILBOX]
	lock inc dword [rbx + FW_ARRIVED]
.loop:
	pause
	cmp dword [rbx + CMD_OFFSET], CMD_NOOP
	je .loop
	cmp dword [rbx + APIC_ID_OFFSET], APIC_ID_BROADCAST
	je .process
	cmp dword [rbx + APIC_ID_OFFSET], r8d
	jne .loop
.process:
	cmp dword [rbx + CMD_OFFSET], CMD_WAKEUP
	je .wakeup
	cmp dword [rbx + CMD_OFFSET], CMD_TEST
	je .test
	cmp dword [rbx + CMD_OFFSET], CMD_SLEEP
	je .sleep
	jmp .loop
.wakeup:
	mov rax, [rbx + VECTOR_OFFSET]
	mov ecx, 1
	lock xadd [rbx + FW_ANSWERED], ecx
	cmp ecx, FW_IDS_MAX
	jae .answer
	mov [rbx + FW_IDS + rcx * 4], r8d
.answer:
	mov qword [rbx + CMD_OFFSET], 0
	jmp rax
.test:
	mov qword [rbx + CMD_OFFSET], 0
	jmp .loop
.sleep:
	cli
	hlt
	jmp .sleep

; An AP the OS hands back (interrupts off, 64-bit, any identity-mapped page tables).
tdvf_loop_reset_vector:
	cli
	mov rax, [rel tdvf_loop_data + D_CR3]
	mov cr3, rax
	jmp tdvf_loop_start

align 8
tdvf_loop_data:
	dq 0				; D_MAILBOX: written by tdvf_mp.c
	dq 0				; D_CR3: the model's page tables
tdvf_loop_end:

section .note.GNU-stack noalloc noexec nowrite progbits
