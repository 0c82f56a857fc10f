"""Every in-kernel test as its own pytest item (parametrized by ccktf.pytest_plugin).

Run from the project root: /usr/bin/python3 -m pytest harness/kernel_tests [-k selftest] [--ccktf-kernel PATH]
"""


def test_kernel(ccktf_reported, ccktf_session):
    ccktf_session.check(ccktf_reported)
