#pragma once
// A scripted HTTP transport for the fuzz targets that drive the ARM client and the credential
// chain: it replaces agent/arm/http.cpp at link time (perform, perform_all, url_encode,
// HttpResponse::header), so no socket is ever opened and every answer comes from the fuzz input.
//
// Input format (also the format of the seed files): answers separated by a NUL byte, each one
//   <status>\n<Header-Name>: <value>\n...\n\n<body>
// in the order the product asks. A status that is not a number is a transport failure (status 0).
// Requests beyond the last answer get 404 with an empty body.
//
// The transport checks one invariant of the product: a request carrying a bearer token goes only
// to https://management.azure.com (the trusted ARM origin). A breach aborts (a fuzz finding).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http.hpp"
#include "token.hpp"

namespace vnetdiag::fuzz {

// Splits the fuzz input into scripted answers; the transport serves them in order.
void script_answers(std::string_view input);
// One answer in the format above (also used by targets that read a service answer directly).
arm::HttpResponse parse_answer(std::string_view text);
// Requests the product sent since script_answers().
const std::vector<arm::HttpRequest>& sent_requests();

// While set on a thread, sleeps of that thread return at once (the ARM client's backoff and LRO
// polls wait real seconds), and the longest requested sleep is recorded.
struct InstantSleep {
  InstantSleep();
  ~InstantSleep();
};
double longest_sleep_s();  // since the last script_answers()

// A credential that always gives the same long-lived token: the fuzzers drive ARM answers, not
// token endpoints.
inline arm::Credential fixed_credential() {
  arm::Credential fixed;
  fixed.name = "fixed token";
  fixed.available = [] { return true; };
  fixed.skipped = [] { return std::string(); };
  fixed.attempt = [] {
    return arm::Attempt{arm::AccessToken{"eyJ0.eyJ0.sig", 4102444800, "fixed token"}};
  };
  return fixed;
}

}  // namespace vnetdiag::fuzz
