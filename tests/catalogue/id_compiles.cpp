// Must compile: a catalogued id.
#include "finding_catalog.hpp"

vnetdiag::Finding known() { return vnetdiag::make_finding("dns.nxdomain", "kv", ""); }
