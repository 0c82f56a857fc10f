; SPDX-License-Identifier: MIT
; Where an AP woken through the ACPI Multiprocessor Wakeup mailbox goes (arch/x86/cpu/wake_madt_mailbox.c).
; A blob, never run in place: the waker copies it to a page below 4 GiB that the kernel owns (allocated
; before ExitBootServices), identity-mapped in the firmware's page tables and in the kernel's.
;
; The firmware enters the WakeupVector in 64-bit mode, interrupts off, on the page tables and GDT it
; parked the AP with (ACPI 6.5 5.2.12.19; TDVF OvmfPkg/TdxDxe/X64/ApRunLoop.nasm "jmp rax", with RAX = the
; vector, RBX = the mailbox, R8 = the AP's APIC ID, no stack). Nothing here trusts those registers: each
; AP has its own vector, one 16-byte entry per slot (MP_STUB_SLOT_CODE), so no two APs share anything
; and an AP knows its slot without CPUID. From there: the AP records that it arrived, checks that it pages
; as the kernel does (CR4.LA57 as the boot CPU), loads the kernel's CR4, CR3 and CR0 (the firmware's may
; lack CR0.WP or CR4.PGE: TDVF's do), GDT (code and data selectors
; reloaded) and IDT, its own stack, and jumps to entry(arg) (ap_main(cpu)). A slot without a stack (never
; armed by the kernel) or a paging mismatch parks the AP in HLT, its status saying why.
bits 64
section .rodata

global mp_stub_start, mp_stub_params, mp_stub_end

%define MP_STUB_SLOTS 64
%define MP_STUB_SLOT_CODE 16
; Parameter block: struct mp_stub_params (arch/x86/include/arch/mp_wake_stub.h).
%define P_MAGIC 0
%define P_SIZE_FIELD 4
%define P_CS 6
%define P_DS 8
%define P_GDTR 10		; u16 limit, u64 base
%define P_IDTR 20		; u16 limit, u64 base
%define P_LA57 32		; u32: the boot CPU's CR4.LA57 (0 or 1)
%define P_CR3 40
%define P_CR0 48		; u32: the kernel's CR0 (WP among them)
%define P_CR4 52		; u32: the kernel's CR4, its LA57 equal to the AP's (checked first)
%define P_SLOTS 56
%define S_STACK 0
%define S_ENTRY 8
%define S_ARG 16
%define S_STATUS 24
%define SLOT_SIZE 32
%define P_SIZE (P_SLOTS + MP_STUB_SLOTS * SLOT_SIZE)
; S_STATUS values (MP_STUB_*)
%define ST_ARRIVED 1
%define ST_NOT_ARMED 2
%define ST_LA57 3
%define CR4_LA57_BIT 12

align 16
mp_stub_start:
%assign slot 0
%rep MP_STUB_SLOTS
	mov esi, slot
	jmp near mp_stub_common
	times (MP_STUB_SLOT_CODE - 10) db 0xcc
%assign slot slot + 1
%endrep

mp_stub_common:
	cli
	lea rbx, [rel mp_stub_params]
	shl esi, 5			; * SLOT_SIZE
	lea rcx, [rbx + P_SLOTS + rsi]
	mov qword [rcx + S_STATUS], ST_ARRIVED
	mov rax, cr4
	shr eax, CR4_LA57_BIT
	and eax, 1
	cmp eax, [rbx + P_LA57]
	jne .la57
	cmp qword [rcx + S_STACK], 0
	je .not_armed
	mov eax, [rbx + P_CR4]		; TDVF parks APs with CR4 = 0x640 | PAE and CR0 = 0x23 | PG (no
	mov cr4, rax			; WP, no PGE): the kernel's own bits, as wake_init_sipi.c gives them
	mov rax, [rbx + P_CR3]
	mov cr3, rax
	mov eax, [rbx + P_CR0]
	mov cr0, rax
	lgdt [rbx + P_GDTR]
	lidt [rbx + P_IDTR]
	mov rsp, [rcx + S_STACK]
	movzx eax, word [rbx + P_CS]
	push rax
	lea rax, [rel .reloaded]
	push rax
	o64 retf
.reloaded:
	mov ax, [rbx + P_DS]
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov rdi, [rcx + S_ARG]
	mov rax, [rcx + S_ENTRY]
	xor ebp, ebp
	push 0				; where a return address would be: the entry sees the ABI's alignment
	jmp rax
.la57:
	mov qword [rcx + S_STATUS], ST_LA57
	jmp .park
.not_armed:
	mov qword [rcx + S_STATUS], ST_NOT_ARMED
.park:
	cli
	hlt
	jmp .park

align 8
mp_stub_params:
	dd 'CKMW'			; P_MAGIC: MP_STUB_MAGIC
	dw P_SIZE
	times (P_SIZE - ($ - mp_stub_params)) db 0	; written by the waker
mp_stub_end:

section .note.GNU-stack noalloc noexec nowrite progbits
