#include "url_trust.hpp"

#include <curl/curl.h>

#include <memory>

#include "text_util.hpp"

namespace vnetdiag::arm {
namespace {

std::string part(CURLU* u, CURLUPart what, unsigned flags = 0) {
  char* value = nullptr;
  if (curl_url_get(u, what, &value, flags) != CURLUE_OK || !value) return "";
  std::string out = value;
  curl_free(value);
  return out;
}

bool is_local_host(const std::string& host) {
  return host == "localhost" || starts_with(host, "127.") || host == "[::1]" ||
         host == "169.254.169.254";
}

std::string shown(const std::string& url) {
  // The query may carry a signature: only scheme, host and path are named in messages.
  return url.substr(0, std::min(url.find('?'), std::size_t{200}));
}

}  // namespace

std::optional<UrlOrigin> origin_of(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return std::nullopt;
  UrlOrigin o{lower(part(u.get(), CURLUPART_SCHEME)), lower(part(u.get(), CURLUPART_HOST)), 0};
  const std::string port = part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (o.scheme.empty() || o.host.empty() || port.empty()) return std::nullopt;
  o.port = std::stol(port);  // digits only: curl validated it
  return o;
}

std::optional<std::string> untrusted_arm_url(const std::string& url, const UrlOrigin& trusted) {
  const auto o = origin_of(url);
  if (!o) return "'" + shown(url) + "' is not a URL";
  if (o->scheme != "https") return "'" + shown(url) + "' is not https";
  if (!(*o == trusted))
    return "'" + shown(url) + "' is not on the ARM endpoint " + trusted.host + ":" +
           std::to_string(trusted.port);
  return std::nullopt;
}

std::optional<std::string> untrusted_scm_url(
    const std::string& url, const UrlOrigin* pinned,
    const std::function<bool(const std::string&)>& is_scm_host) {
  const auto o = origin_of(url);
  if (!o) return "'" + shown(url) + "' is not a URL";
  if (o->scheme != "https") return "'" + shown(url) + "' is not https";
  if (pinned) {
    if (*o == *pinned) return std::nullopt;
    return "'" + shown(url) + "' is not on the SCM endpoint " + pinned->host + ":" +
           std::to_string(pinned->port);
  }
  if (o->port == 443 && is_scm_host && is_scm_host(o->host)) return std::nullopt;
  return "'" + shown(url) + "' is not an SCM host of the cloud's App Service domain";
}

std::optional<std::string> untrusted_token_endpoint(const std::string& url, bool local_http_ok) {
  const auto o = origin_of(url);
  if (!o) return "'" + shown(url) + "' is not a URL";
  if (o->scheme == "https") return std::nullopt;
  if (o->scheme == "http" && local_http_ok && is_local_host(o->host)) return std::nullopt;
  return "'" + shown(url) + "' is not https" +
         (local_http_ok ? " (plain http only on loopback or 169.254.169.254)" : "");
}

}  // namespace vnetdiag::arm
