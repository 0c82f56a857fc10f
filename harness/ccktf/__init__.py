"""ccktf host harness: boots the ccktf kernel under QEMU and reads its KTAP v1 serial output.

Modules, one concept each (the contract with the kernel is docs/protocol.md):

- ``ktap``      parse the serial stream (KTAP v1 plus ccktf's ``# ccktf:``/``# metric:`` lines)
- ``firmware``  find OVMF through QEMU firmware descriptor files
- ``qemu``      build a QEMU command line from a named profile (pure)
- ``kargs``     build the kernel's boot-argument string
- ``verdict``   decide passed/failed/error from a parsed stream and QEMU's exit status
- ``runner``    run QEMU, read the serial line live, enforce the timeout, keep the logs
- ``report``    the human summary printed by the CLI
- ``cli``       ``python3 -m ccktf``
- ``configs``   the boot configurations the pytest plugin runs the kernel's tests under
- ``pytest_plugin`` every in-kernel test as its own pytest item
"""

__version__ = "0.1.0"
