#pragma once
// Which CA store TLS is verified against when no --ca-bundle is given. libcurl's compiled-in
// default is a path of the system it was built for. The self-contained bundle carries a libcurl
// built on Debian and may run on another distribution's image, where that file is missing and
// every handshake would fail with "error setting certificate verify locations": then the usual
// places of other distributions are used instead.
#include <curl/curl.h>
#include <unistd.h>

#include <string>

namespace vnetdiag {

struct CaStore {
  std::string file;    // empty: no CA file was found
  std::string origin;  // "libcurl's default", "found in a usual place" or "none found"
};

inline CaStore system_ca_store() {
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if (info->cainfo && access(info->cainfo, R_OK) == 0) return {info->cainfo, "libcurl's default"};
  for (const char* file : {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                           "/etc/ssl/cert.pem"})
    if (access(file, R_OK) == 0) return {file, "found in a usual place"};
  return {"", "none found"};
}

// The file to give CURLOPT_CAINFO when the user named none: empty while libcurl's own default
// works.
inline const std::string& fallback_ca_file() {
  static const std::string file = [] {
    CaStore store = system_ca_store();
    return store.origin == "libcurl's default" ? std::string() : store.file;
  }();
  return file;
}

// True when handshakes are verified against a CA file (the one given, libcurl's default or one
// found): then no CA directory is needed beside it.
inline bool system_ca_file_known() {
  static const bool known = !system_ca_store().file.empty();
  return known;
}

}  // namespace vnetdiag
