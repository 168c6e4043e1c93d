#include "http.hpp"

#include <curl/curl.h>

#include <memory>

#include "ca_store.hpp"
#include "text_util.hpp"

namespace vnetdiag::arm {
namespace {

struct Exchange {
  const HttpRequest* request;
  HttpResponse response;
  const HttpOptions* options;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  CURL* easy = nullptr;
  ~Exchange() {
    if (easy) curl_easy_cleanup(easy);
    curl_slist_free_all(headers);
  }
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const size_t len = size * n;
  if (x->response.body.size() + len > x->options->max_body) return 0;  // aborts: CURLE_WRITE_ERROR
  x->response.body.append(data, len);
  return len;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const size_t len = size * n;
  const std::string line(data, len);
  if (starts_with(line, "HTTP/"))
    x->response.headers.clear();  // a new response (after 100-continue)
  const auto colon = line.find(':');
  if (colon != std::string::npos && x->response.headers.size() < 200)
    x->response.headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  return len;
}

void configure(Exchange& x) {
  CURL* e = x.easy = curl_easy_init();
  const HttpRequest& r = *x.request;
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION,
                   0L);  // ARM's Location is an LRO monitor, not a redirect
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85 deprecates the bitmask in favour of the string
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
#else  // older libcurl (Debian bullseye's 7.74, in the self-contained bundle)
  curl_easy_setopt(e, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTPS | CURLPROTO_HTTP));
#endif
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x.error);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(x.options->connect_timeout_s * 1000));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(x.options->total_timeout_s * 1000));
  curl_easy_setopt(e, CURLOPT_USERAGENT, "vnetdiag");
  const std::string& ca_file =
      x.options->ca_bundle.empty() ? fallback_ca_file() : x.options->ca_bundle;
  if (!ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, ca_file.c_str());
  for (const auto& h : r.headers) x.headers = curl_slist_append(x.headers, h.c_str());
  if (!r.body.empty() || r.method == "PUT" || r.method == "PATCH" || r.method == "POST") {
    x.headers = curl_slist_append(x.headers, "Expect:");
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(r.body.size()));
  }
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  if (r.method == "GET") curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, x.headers);
}

}  // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

std::vector<HttpResponse> perform_all(const std::vector<HttpRequest>& requests,
                                      const HttpOptions& options) {
  std::vector<std::unique_ptr<Exchange>> exchanges;
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, options.max_in_flight);
  for (const auto& r : requests) {
    auto x = std::make_unique<Exchange>();
    x->request = &r;
    x->options = &options;
    configure(*x);
    curl_multi_add_handle(multi, x->easy);
    exchanges.push_back(std::move(x));
  }
  int running = 1;
  while (running) {
    curl_multi_perform(multi, &running);
    if (running) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    for (auto& x : exchanges) {
      if (x->easy != msg->easy_handle) continue;
      if (msg->data.result == CURLE_OK) {
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->response.status);
      } else {
        x->response.status = 0;
        x->response.error = x->error[0] ? x->error : curl_easy_strerror(msg->data.result);
        if (msg->data.result == CURLE_WRITE_ERROR)
          x->response.error = "response larger than " +
                              std::to_string(x->options->max_body / (std::size_t{1024} * 1024)) +
                              " MiB: not read";
      }
    }
  }
  std::vector<HttpResponse> out;
  for (auto& x : exchanges) {
    curl_multi_remove_handle(multi, x->easy);
    out.push_back(std::move(x->response));
  }
  exchanges.clear();
  curl_multi_cleanup(multi);
  return out;
}

HttpResponse perform(const HttpRequest& request, const HttpOptions& options) {
  return std::move(perform_all({request}, options).front());
}

std::string url_encode(const std::string& text) {
  char* escaped = curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size()));
  std::string out = escaped ? escaped : "";
  curl_free(escaped);
  return out;
}

}  // namespace vnetdiag::arm
