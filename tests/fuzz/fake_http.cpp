#include "fake_http.hpp"

#include <curl/curl.h>
#include <time.h>

#include <cerrno>
#include <cstdlib>
#include <deque>
#include <memory>

namespace vnetdiag::fuzz {
namespace {

std::deque<std::string> g_answers;
std::vector<arm::HttpRequest> g_sent;
thread_local bool t_instant_sleep = false;
double g_longest_sleep = 0;

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

// The origin a bearer token may travel to, checked with curl's own URL parser.
bool is_trusted_arm_url(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return false;
  char *scheme = nullptr, *host = nullptr, *port = nullptr;
  curl_url_get(u.get(), CURLUPART_SCHEME, &scheme, 0);
  curl_url_get(u.get(), CURLUPART_HOST, &host, 0);
  curl_url_get(u.get(), CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
  const bool ok = scheme && host && port && lower(scheme) == "https" &&
                  lower(host) == "management.azure.com" && std::string(port) == "443";
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  return ok;
}

arm::HttpResponse answer_for(const arm::HttpRequest& request) {
  for (const auto& h : request.headers)
    if (lower(h).rfind("authorization:", 0) == 0 && !is_trusted_arm_url(request.url)) abort();
  g_sent.push_back(request);
  if (g_answers.empty()) return arm::HttpResponse{404, {}, "", ""};
  arm::HttpResponse r = parse_answer(g_answers.front());
  g_answers.pop_front();
  return r;
}

}  // namespace

void script_answers(std::string_view input) {
  g_answers.clear();
  g_sent.clear();
  g_longest_sleep = 0;
  while (true) {
    const auto nul = input.find('\0');
    g_answers.emplace_back(input.substr(0, nul));
    if (nul == std::string_view::npos) break;
    input.remove_prefix(nul + 1);
  }
}

arm::HttpResponse parse_answer(std::string_view text) {
  arm::HttpResponse r;
  const auto line_end = text.find('\n');
  const std::string status = trim(text.substr(0, line_end));
  text = line_end == std::string_view::npos ? std::string_view() : text.substr(line_end + 1);
  if (!status.empty() && status.size() <= 3 &&
      status.find_first_not_of("0123456789") == std::string::npos)
    r.status = std::strtol(status.c_str(), nullptr, 10);
  else
    r.error = "scripted transport failure";
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (trim(line).empty()) break;
    const auto colon = line.find(':');
    if (colon != std::string_view::npos)
      r.headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  r.body = std::string(text);
  if (r.status == 0) r.body.clear();
  return r;
}

const std::vector<arm::HttpRequest>& sent_requests() { return g_sent; }

InstantSleep::InstantSleep() { t_instant_sleep = true; }
InstantSleep::~InstantSleep() { t_instant_sleep = false; }
double longest_sleep_s() { return g_longest_sleep; }

}  // namespace vnetdiag::fuzz

// Link-time replacement of agent/arm/http.cpp: nothing here touches the network.
namespace vnetdiag::arm {

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

std::vector<HttpResponse> perform_all(const std::vector<HttpRequest>& requests,
                                      const HttpOptions&) {
  std::vector<HttpResponse> out;
  for (const auto& r : requests) out.push_back(fuzz::answer_for(r));
  return out;
}

HttpResponse perform(const HttpRequest& request, const HttpOptions&) {
  return fuzz::answer_for(request);
}

std::string url_encode(const std::string& text) {
  char* escaped = curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size()));
  std::string out = escaped ? escaped : "";
  curl_free(escaped);
  return out;
}

}  // namespace vnetdiag::arm

// std::this_thread::sleep_for ends in nanosleep: on a thread inside InstantSleep it returns at
// once; everywhere else (libFuzzer's own threads) it sleeps as asked.
extern "C" int nanosleep(const struct timespec* req, struct timespec* rem) {
  if (vnetdiag::fuzz::t_instant_sleep) {
    const double s = static_cast<double>(req->tv_sec) + static_cast<double>(req->tv_nsec) / 1e9;
    if (s > vnetdiag::fuzz::g_longest_sleep) vnetdiag::fuzz::g_longest_sleep = s;
    return 0;
  }
  const int rc = clock_nanosleep(CLOCK_REALTIME, 0, req, rem);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  return 0;
}
