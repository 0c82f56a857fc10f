#!/bin/sh
# SPDX-License-Identifier: MIT
# Prints the nasm -D defines that arch/x86/boot/pe_header.asm needs, read from the linked ELF's symbols,
# and refuses an ELF the self-relocation in arch/x86/boot/entry.asm could not handle.
set -eu
elf=$1
if readelf -rW "$elf" | awk '/^ *[0-9a-f]+ +[0-9a-f]+ R_X86_64_/ && $3 != "R_X86_64_RELATIVE" { bad = 1; print "pe_layout.sh: unsupported relocation: " $0 > "/dev/stderr" } END { exit bad }'; then :; else
	exit 1
fi
nm -P "$elf" | awk '
	{ addr[$1] = "0x" $3 }
	END {
		need["__text_start"]; need["__text_end"]; need["__reloc_start"]; need["__reloc_end"]
		need["__data_start"]; need["__data_file_end"]; need["__data_end"]; need["efi_entry"]
		need["bzimage_entry_32"]; need["bzimage_entry_64"]; need["bzimage_kernel_info"]
		for (s in need) if (!(s in addr)) { print "pe_layout.sh: missing symbol " s > "/dev/stderr"; exit 1 }
		# .text and .reloc run to the next section (their page-alignment padding included, zeros in the file),
		# so that the headers and the three sections cover every byte of the file and Authenticode, which
		# hashes only those, signs every byte a flat bzImage load maps (docs/secure-boot.md).
		printf "-DTEXT_RVA=%s -DTEXT_SIZE=(%s-%s) ", addr["__text_start"], addr["__reloc_start"], addr["__text_start"]
		printf "-DRELOC_RVA=%s -DRELOC_FSIZE=(%s-%s) ", addr["__reloc_start"], addr["__data_start"], addr["__reloc_start"]
		printf "-DDATA_RVA=%s -DDATA_FSIZE=(%s-%s) ", addr["__data_start"], addr["__data_file_end"], addr["__data_start"]
		printf "-DDATA_VSIZE=(%s-%s) -DIMAGE_SIZE=%s -DENTRY_RVA=%s ", addr["__data_end"], addr["__data_start"], addr["__data_end"], addr["efi_entry"]
		printf "-DBOOT32_RVA=%s -DBOOT64_RVA=%s -DKERNEL_INFO_RVA=%s\n", addr["bzimage_entry_32"], addr["bzimage_entry_64"], addr["bzimage_kernel_info"]
	}'
