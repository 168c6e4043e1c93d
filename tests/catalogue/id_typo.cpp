// Must NOT compile: an id the catalogue lacks (a typo of dns.nxdomain).
#include "finding_catalog.hpp"

vnetdiag::Finding typo() { return vnetdiag::make_finding("dns.nxdomian", "kv", ""); }
