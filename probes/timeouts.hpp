#pragma once
// Phase budgets of one check. Every phase has its own limit inside the run's deadline.
namespace vnetdiag {

struct Timeouts {
  double dns_s = 2;
  double connect_s = 3;
  double tls_s = 3;
  double http_s = 3;
  double run_s = 10;
  int dns_tries = 2;
};

}  // namespace vnetdiag
