"""ccktf.identity: what traces a result to the machine it ran on."""

import hashlib
import json

from ccktf import runner

from ccktf import identity
from ccktf.conformance_report import host_line
from ccktf.firmware import Firmware

CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC 9654 96-Core Processor
stepping\t: 1
microcode\t: 0xa101148

processor\t: 1
model name\t: something else
"""


def test_cpuinfo_reads_the_first_processor(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(CPUINFO)
    assert identity.cpuinfo(path) == {"cpu": "AMD EPYC 9654 96-Core Processor", "cpu_family": "25",
                                      "cpu_model": "17", "cpu_stepping": "1", "microcode": "0xa101148"}
    assert identity.cpuinfo(tmp_path / "missing") == {}


def test_identity_of_a_fake_host(tmp_path):
    root = tmp_path / "root"
    (root / "proc/sys/kernel").mkdir(parents=True)
    (root / "proc/cpuinfo").write_text(CPUINFO)
    (root / "proc/sys/kernel/osrelease").write_text("6.16.0-ccktf\n")
    image = tmp_path / "OVMF.fd"
    image.write_bytes(b"firmware")
    host = identity.host_identity(qemu="/nonexistent/qemu", firmware=Firmware(image, None, "test"), profile="snp",
                                  root=root)
    assert host["kernel"] == "6.16.0-ccktf" and host["microcode"] == "0xa101148" and host["qemu"] is None
    assert host["qemu_profile"] == "snp" and host["firmware"]["bytes"] == 8
    assert host["firmware"]["sha256"] == hashlib.sha256(b"firmware").hexdigest()
    json.dumps(host)  # serializable as written to host.json
    line = host_line(host)
    assert "AMD EPYC 9654" in line and "family/model/stepping 25/17/1" in line and "kernel 6.16.0-ccktf" in line


def test_every_run_directory_records_its_host(fake_qemu, fake_run_options):
    fake_qemu.serve("valid", status=1)
    run = runner.run(fake_run_options)
    host = json.loads((run.run_dir / "host.json").read_text())
    assert host["cpu"] == identity.cpuinfo().get("cpu") and "kernel" in host and host["qemu_profile"] == "tcg"
