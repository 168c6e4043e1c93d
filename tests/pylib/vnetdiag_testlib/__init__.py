"""vnetdiag's one Python test library (tests/pylib/vnetdiag_testlib), used by tests/integration,
tests/faults and packaging/tests (tests/armtwin keeps its own twinlib.py):

  tally      check()/finish(), Tally, skip_or_fail(): the closing 'N passed, N failed' line and
             the SKIP (77) / CI=true FAIL rule
  peers      loopback peers: DNS responders, certificate factories, TLS/TCP/HTTPS servers
  lab        the network-namespace lab from Python: the app's environment, scenario data files
             (tests/lab/expect/), golden findings and their normalisation, the finding catalog
  packaging  Debian roots for the packaging tests (packaging/lib/roots.sh)

A script finds it with
    sys.path.insert(0, os.path.join(<repo>, "tests", "pylib"))"""
from .tally import SKIP, Tally, check, finish, skip_or_fail  # noqa: F401
