#pragma once
// Where a token may go. A bearer token only travels over https to the ARM origin the run was
// configured with; a poll or page URL naming another scheme, host or port is refused unsent.
// Token endpoints: Entra over https; the platform's identity endpoint also over plain http, but
// only on loopback or the link-local metadata address, where App Service and IMDS listen.
#include <functional>
#include <optional>
#include <string>

namespace vnetdiag::arm {

struct UrlOrigin {
  std::string scheme, host;
  long port = 0;
  bool operator==(const UrlOrigin& o) const {
    return scheme == o.scheme && host == o.host && port == o.port;
  }
};

// Scheme (lower case), host (lower case) and port (the scheme's default when absent).
std::optional<UrlOrigin> origin_of(const std::string& url);

// Why `url` may not carry the token meant for `trusted`, or nullopt when it may.
std::optional<std::string> untrusted_arm_url(const std::string& url, const UrlOrigin& trusted);

// Why `url` may not carry the ARM token to an SCM (Kudu) site, or nullopt when it may: https, and
// either on the origin of `pinned` (an explicit --scm-endpoint) or, without one, a host that
// `is_scm_host` accepts (the cloud's own App Service domain).
std::optional<std::string> untrusted_scm_url(
    const std::string& url, const UrlOrigin* pinned,
    const std::function<bool(const std::string&)>& is_scm_host);

// Why a token endpoint URL may not be asked (secrets or identity headers would leak), or nullopt.
std::optional<std::string> untrusted_token_endpoint(const std::string& url, bool local_http_ok);

}  // namespace vnetdiag::arm
