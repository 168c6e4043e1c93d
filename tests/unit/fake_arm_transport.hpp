#pragma once
// A routed HTTP transport for the reader's tests: it replaces agent/arm/http.cpp at link time
// (arm_reader_tests only), answering each request by method and path (query ignored, case
// ignored) from handlers the test states; anything unrouted gets ARM's 404. It counts requests
// and the most that were in flight at once.
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "arm_client.hpp"
#include "http.hpp"
#include "token.hpp"

namespace vnetdiag::fake_arm {

using Handler = std::function<arm::HttpResponse(const arm::HttpRequest&)>;

void reset();
void route(const std::string& method, const std::string& path, Handler handler);
// A fixed JSON answer.
void answer(const std::string& method, const std::string& path, long status,
            const nlohmann::json& body, std::map<std::string, std::string> headers = {});
std::vector<arm::HttpRequest> sent();
long most_in_flight();
arm::HttpResponse json_response(long status, const nlohmann::json& body,
                                std::map<std::string, std::string> headers = {});
// The path of a URL without scheme, host and query, lower-cased.
std::string path_of(const std::string& url);

// An ArmClient with a fixed token and one attempt per call: what the fake answers is what the
// code under test sees.
struct Client {
  arm::TokenSource tokens{{[] {
    arm::Credential fixed;
    fixed.name = "fixed token";
    fixed.available = [] { return true; };
    fixed.skipped = [] { return std::string(); };
    fixed.attempt = [] {
      return arm::Attempt{arm::AccessToken{"eyJ0.eyJ0.sig", 4102444800, "fixed token"}};
    };
    return fixed;
  }()}};
  arm::ArmClient client{[] {
                          arm::ArmOptions o;
                          o.max_attempts = 1;
                          return o;
                        }(),
                        tokens};
};

}  // namespace vnetdiag::fake_arm
