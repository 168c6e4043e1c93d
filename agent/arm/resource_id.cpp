#include "resource_id.hpp"

#include "text_util.hpp"

namespace vnetdiag::arm {

std::optional<ResourceId> parse_resource_id(const std::string& id) {
  auto parts = split(id, '/');
  if (parts.size() < 3 || !parts[0].empty()) return std::nullopt;
  parts.erase(parts.begin());
  ResourceId r;
  std::size_t i = 0;
  const auto next_pair = [&](const char* key, std::string* out) {
    if (i + 1 >= parts.size() || lower(parts[i]) != key || parts[i + 1].empty()) return false;
    *out = parts[i + 1];
    i += 2;
    return true;
  };
  if (!next_pair("subscriptions", &r.subscription)) return std::nullopt;
  if (i == parts.size()) return r;
  if (!next_pair("resourcegroups", &r.resource_group)) return std::nullopt;
  if (i == parts.size()) return r;
  if (!next_pair("providers", &r.provider)) return std::nullopt;
  if (i == parts.size() || (parts.size() - i) % 2 != 0) return std::nullopt;
  for (; i < parts.size(); i += 2) {
    if (parts[i].empty() || parts[i + 1].empty()) return std::nullopt;
    r.segments.emplace_back(parts[i], parts[i + 1]);
  }
  return r;
}

std::string ResourceId::type() const {
  std::string t = provider;
  for (const auto& [type, name] : segments) t += "/" + type;
  return t;
}

std::string ResourceId::name() const {
  return segments.empty() ? resource_group : segments.back().second;
}

std::string ResourceId::str() const {
  std::string s = "/subscriptions/" + subscription;
  if (resource_group.empty()) return s;
  s += "/resourceGroups/" + resource_group;
  if (provider.empty()) return s;
  s += "/providers/" + provider;
  for (const auto& [type, name] : segments) s.append("/").append(type).append("/").append(name);
  return s;
}

std::optional<ResourceId> ResourceId::parent() const {
  if (segments.size() < 2) return std::nullopt;
  ResourceId p = *this;
  p.segments.pop_back();
  return p;
}

bool same_resource(const std::string& a, const std::string& b) {
  auto ra = parse_resource_id(a), rb = parse_resource_id(b);
  if (ra && rb) return lower(ra->str()) == lower(rb->str());
  return lower(a) == lower(b);
}

}  // namespace vnetdiag::arm
