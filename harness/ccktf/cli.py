"""Command line: ``python3 -m ccktf {run,list,bench,bench-compare,bzimage-check,...} [options]``.

Subcommands are registered in ``COMMANDS`` (name -> Command); later ones (``conformance``) add an entry
with their own options and handler. Each booting subcommand gets its own copy of the boot options, so its
``configure`` may change their defaults (``bench`` defaults to a 6G guest and a 900 s timeout).
Exit status: 0 passed, 1 tests failed, 2 error (harness problem, crash, hang, usage error, truncated output,
a file that cannot be written, a closed stdout), 128 + N stopped by signal N (SIGINT 130, SIGTERM 143,
SIGHUP 129) after QEMU was stopped and the run directory written.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from . import bench, bzimage, conformance, hostcheck, kargs, linux_bundle, matrix, qemu, report, runner
from .errors import CcktfError
from .firmware import ENV_OVERRIDE, ENV_SECURE_BOOT_VARS
from .verdict import Outcome

EXIT_STATUS = {Outcome.PASSED: 0, Outcome.FAILED: 1, Outcome.ERROR: 2}
EXIT_ERROR = 2


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    execute: Callable[[argparse.Namespace], int]
    configure: Callable[[argparse.ArgumentParser], None] = lambda parser: None
    boots: bool = True  # takes the boot options (boot_options())


def boot_options() -> argparse.ArgumentParser:
    """Options shared by every subcommand that boots the kernel."""
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("boot options")
    group.add_argument("--kernel", type=Path, default=runner.DEFAULT_KERNEL,
                       help="kernel image (default: %(default)s)")
    group.add_argument("--platform", help="passed as platform= (auto, none, tdx, snp, sim-tdx, sim-snp)")
    group.add_argument("--tests", metavar="GLOB[,GLOB]", help="passed as tests= (suite.test globs)")
    group.add_argument("--append", default="", metavar="ARGS", help="extra kernel arguments, e.g. 'seed=7'")
    group.add_argument("--memory", default="512M", help="guest memory, e.g. 512M or 6G (default: %(default)s)")
    group.add_argument("--smp", type=int, default=1, help="vCPUs (default: %(default)s)")
    group.add_argument("--mem-prealloc", action="store_true",
                       help="QEMU allocates all guest RAM before the guest starts (a memory-backend-ram with "
                            "prealloc=on): no first-touch cost for the host to back memory (docs/benchmarks.md)")
    group.add_argument("--profile", choices=sorted(qemu.PROFILES),
                       help="QEMU profile (default: what --platform implies, tdx and snp their own guests, "
                            "else tcg; 'python3 -m ccktf doctor' says what this host can run)")
    group.add_argument("--firmware", metavar="PATH",
                       help=f"OVMF image: combined (-bios) or *CODE*.fd paired with *VARS*.fd; "
                            f"default ${ENV_OVERRIDE}, else QEMU's firmware descriptors")
    group.add_argument("--boot", choices=qemu.BOOT_MODES,
                       help="kernel: -kernel/-append; esp: BOOTX64.EFI on a FAT disk, arguments in ccktf.args "
                            "(default: kernel; SNP: measured direct boot where the firmware allows it, else esp)")
    group.add_argument("--timeout", type=float, default=runner.DEFAULT_TIMEOUT,
                       help="seconds before a hang is declared (default: %(default)s)")
    group.add_argument("--log-dir", type=Path, default=runner.DEFAULT_LOG_DIR,
                       help="per-run log directories go here (default: %(default)s)")
    group.add_argument("--qemu", default=qemu.DEFAULT_QEMU, help=argparse.SUPPRESS)
    group.add_argument("-v", "--verbose", action="store_true", help="stream the serial output live")
    return parser


def run_options(args: argparse.Namespace, mode: str) -> runner.RunOptions:
    tests = kargs.split_globs(args.tests) if args.tests else None
    append = kargs.kernel_args(tests, args.platform, list_only=(mode == "list"), extra=args.append)
    secure_boot = getattr(args, "secure_boot", False)
    if getattr(args, "secure_boot_vars", None) and not secure_boot:
        raise qemu.QemuConfigError("--secure-boot-vars needs --secure-boot")
    kernel = runner.DEFAULT_SIGNED_KERNEL if secure_boot and args.kernel == runner.DEFAULT_KERNEL else args.kernel
    if secure_boot:
        check_signed_image_fresh(kernel)
    launch = qemu.choose_launch(args.platform, args.profile, args.firmware, args.qemu, args.boot,
                                secure_boot=secure_boot, secure_boot_vars=getattr(args, "secure_boot_vars", None))
    return runner.RunOptions.launching(
        launch, kernel=kernel, append=append,
        memory=args.memory, smp=args.smp, timeout=args.timeout, log_dir=args.log_dir,
        mem_prealloc=args.mem_prealloc, label=mode, mode=mode, qemu=args.qemu, echo=print_serial if args.verbose else None,
        initrd=getattr(args, "initrd", None))


def check_signed_image_fresh(kernel: Path) -> None:
    """Secure Boot mode's default image is ``make sign``'s copy of build/ccktf.efi: when build/ccktf.efi is newer,
    the signed one is a stale kernel that would be tested instead of the one just built."""
    signed, unsigned = runner.DEFAULT_SIGNED_KERNEL, runner.DEFAULT_KERNEL
    if kernel.resolve() != signed.resolve() or not kernel.is_file() or not unsigned.is_file():
        return
    if kernel.stat().st_mtime < unsigned.stat().st_mtime:
        raise runner.RunError(f"{signed} is older than {unsigned}: run 'make sign' to sign the kernel just built "
                              f"(or pass --kernel)")


def print_serial(line: str) -> None:
    print(f"| {line}", flush=True)


def execute_run(args: argparse.Namespace) -> int:
    run = runner.run(run_options(args, "run"))
    print(report.summarize_run(run))
    return EXIT_STATUS[run.verdict.outcome]


def execute_list(args: argparse.Namespace) -> int:
    run = runner.run(run_options(args, "list"))
    if run.verdict.passed:
        print(report.summarize_listing(run))
    else:
        print(report.summarize_run(run))
    return EXIT_STATUS[run.verdict.outcome]


def configure_secure_boot(parser: argparse.ArgumentParser) -> None:
    """``run`` and ``list``: Secure Boot mode (docs/secure-boot.md)."""
    group = parser.add_argument_group("Secure Boot")
    group.add_argument("--secure-boot", action="store_true",
                       help="the firmware whose descriptor offers secure-boot and enrolled-keys (or --firmware, or "
                            "$CCKTF_SECURE_BOOT_OVMF; never $CCKTF_OVMF), a copy of its variable store, SMM, an ESP "
                            "boot, and the signed image, which must be newer than build/ccktf.efi (default --kernel: "
                            f"{runner.DEFAULT_SIGNED_KERNEL.relative_to(runner.PROJECT_ROOT)}, from 'make sign')")
    group.add_argument("--secure-boot-vars", metavar="PATH",
                       help=f"with --secure-boot: the variable store to copy (its db must hold the image's signer); "
                            f"default ${ENV_SECURE_BOOT_VARS}, else Debian's snakeoil store next to the firmware, "
                            f"else the descriptor's")


def configure_run(parser: argparse.ArgumentParser) -> None:
    """``run``: Secure Boot mode, and -initrd (handoff=linux's bundle)."""
    configure_secure_boot(parser)
    parser.add_argument("--initrd", type=Path, metavar="FILE",
                        help="QEMU -initrd FILE, with the -kernel boot: for --append handoff=linux, a bundle "
                             "written by 'linux-bundle' (docs/bzimage.md \"handoff=linux\")")


def configure_doctor(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--need", choices=hostcheck.GUEST_KINDS,
                        help="exit 1 unless this host can run that kind of guest (for CI scripts)")
    parser.add_argument("--root", type=Path, default=Path("/"), help=argparse.SUPPRESS)  # tests: a fake tree
    parser.add_argument("--qemu", default=qemu.DEFAULT_QEMU, help="the QEMU binary to ask (default: %(default)s)")


def execute_doctor(args: argparse.Namespace) -> int:
    checks = hostcheck.run_checks(hostcheck.Host(root=args.root, qemu=args.qemu))
    print(hostcheck.render(checks))
    if args.need and hostcheck.blockers(checks, args.need):
        return 1
    return 0


def configure_bzimage_check(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="the image to check (e.g. build/ccktf.efi, a vmlinuz)")


def execute_bzimage_check(args: argparse.Namespace) -> int:
    """Exit 0 when every rule holds, 1 when one fails, 2 when the file cannot be read (docs/bzimage.md)."""
    try:
        data = bzimage.read_image(args.file)
    except OSError as error:
        return fail(f"bzimage-check: cannot read {args.file}: {error.strerror or error}")
    results = bzimage.check(data)
    print(bzimage.render(args.file, data, results))
    return 1 if bzimage.failed(results) else 0


COMMANDS = {command.name: command for command in (
    Command("doctor", "check what this host can run (TCG, KVM, TDX, SNP guests) and how to fix what it cannot",
            execute_doctor, configure_doctor, boots=False),
    Command("run", "boot the kernel, run its tests and summarize the results", execute_run, configure_run),
    Command("list", "boot the kernel with list=1 and print its tests", execute_list, configure_secure_boot),
    Command("bench", "run the benchmarks (docs/benchmarks.md) per platform; write JSON, plots, summary.md",
            bench.execute_bench, bench.configure_bench),
    Command("bench-compare", "compare two benchmark results.json files (exit 1 on a regression)",
            bench.execute_compare, bench.configure_compare, boots=False),
    Command("conformance", "run the firmware conformance checks (docs/conformance.md); write report.md/.html/.xml",
            conformance.execute, conformance.configure),
    Command("matrix", "boot the firmware x kernel acceptance matrix (issue 14); write build/matrix/matrix.md/.json",
            matrix.execute, matrix.configure),
    Command("linux-bundle", "write the bundle handoff=linux boots: a cpio of vmlinuz, initrd, cmdline "
            "(docs/bzimage.md \"handoff=linux\")", linux_bundle.execute, linux_bundle.configure, boots=False),
    Command("bzimage-check", "check an image against the x86 boot protocol, kexec and Xen's EFI kexec rules "
            "(docs/bzimage.md)", execute_bzimage_check, configure_bzimage_check, boots=False),
)}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python3 -m ccktf", description="ccktf host harness")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS.values():
        sub = subparsers.add_parser(command.name, help=command.help,
                                    parents=[boot_options()] if command.boots else [])
        command.configure(sub)
        sub.set_defaults(execute=command.execute)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Exit status: see the module docstring; a signal that stopped a boot gives 128 + its number."""
    args = build_parser().parse_args(argv)
    try:
        return args.execute(args)
    except (CcktfError, ValueError) as error:
        return fail(f"error: {error}")
    except BrokenPipeError:
        # stdout was closed (| head): nothing more can be shown there, and Python's own flush at exit
        # must not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return fail("error: standard output was closed; the boot was stopped")
    except OSError as error:  # a file the command writes: unwritable directory, full disk
        return fail(f"error: cannot write {error.filename or ''}: {error.strerror or error}")
    except runner.Interrupted as stop:  # a KeyboardInterrupt: caught first
        return fail(str(stop), stop, 128 + stop.signum)
    except KeyboardInterrupt as stop:  # ^C outside a boot
        return fail("stopped by SIGINT", stop, 128 + signal.SIGINT)


def fail(message: str, error: Optional[BaseException] = None, status: int = EXIT_ERROR) -> int:
    notes = getattr(error, "__notes__", [])
    print(f"ccktf: {message}" + "".join(f"; {note}" for note in notes), file=sys.stderr)
    return status
