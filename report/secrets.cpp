#include "secrets.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <vector>

namespace vnetdiag::secrets {
namespace {

constexpr std::size_t kShortest = 8;

std::mutex& guard() {
  static std::mutex m;
  return m;
}

std::vector<std::string>& known() {
  static std::vector<std::string> values;
  return values;
}

// application/x-www-form-urlencoded, as a form body or query carries the value.
std::string form_encoded(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

void add(std::vector<std::string>& values, std::string value) {
  if (value.size() >= kShortest && std::find(values.begin(), values.end(), value) == values.end())
    values.push_back(std::move(value));
}

}  // namespace

void remember(std::string_view secret) {
  const std::lock_guard lock(guard());
  auto& values = known();
  add(values, std::string(secret));
  add(values, form_encoded(secret));
  // Longest first: a secret that contains another is replaced whole.
  std::sort(values.begin(), values.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

void forget_all() {
  const std::lock_guard lock(guard());
  known().clear();
}

std::string scrub(std::string text) {
  const std::lock_guard lock(guard());
  for (const auto& secret : known()) {
    for (auto at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + kRedacted.size()))
      text.replace(at, secret.size(), kRedacted);
  }
  return text;
}

}  // namespace vnetdiag::secrets
