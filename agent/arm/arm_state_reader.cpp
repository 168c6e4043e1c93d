#include "arm_state_reader.hpp"

#include <limits>

namespace vnetdiag::arm {
namespace state_detail {

using nlohmann::json;

Reader::Reader(const json& body, std::vector<std::string>& problems, std::string where)
    : body_(&body), problems_(&problems), where_(std::move(where)) {
  if (!body.is_object())
    add((where_.empty() ? std::string("the body") : where_) + " is " + body.type_name() +
        ", not an object");
}

std::string Reader::dotted(Path path) {
  std::string out;
  for (const char* key : path) {
    if (!out.empty()) out += '.';
    out += key;
  }
  return out;
}

void Reader::add(const std::string& line) const {
  for (const auto& p : *problems_)
    if (p == line) return;
  problems_->push_back(line);
}

std::string Reader::joined(Path path) const {
  const std::string p = dotted(path);
  return where_ + (where_.empty() || p.empty() ? "" : ".") + p;
}

void Reader::note(Path path, const std::string& what) const { add(joined(path) + " " + what); }

const json* Reader::find(Path path) const {
  if (!body_->is_object()) return nullptr;  // noted when the reader was made
  const json* cur = body_;
  std::string walked = where_;
  for (const char* key : path) {
    if (cur->is_null()) return nullptr;
    if (!cur->is_object()) {
      add(walked + " is " + cur->type_name() + ", not an object");
      return nullptr;
    }
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    walked += (walked.empty() ? "" : ".") + std::string(key);
  }
  return cur->is_null() ? nullptr : cur;
}

Text Reader::str(Path path) const {
  const json* v = find(path);
  if (!v) return std::nullopt;
  if (v->is_string()) return v->get_ref<const std::string&>();
  note(path, std::string("is ") + v->type_name() + ", not a string");
  // As json_str read it, so that lookups and rules keep their answers: a number or a boolean is
  // its JSON text (noted above); an object or a list has none.
  if (v->is_number()) return v->dump();
  if (v->is_boolean()) return std::string(v->get<bool>() ? "true" : "false");
  return std::nullopt;
}

Flag Reader::flag(Path path) const {
  const json* v = find(path);
  if (!v) return std::nullopt;
  if (v->is_boolean()) return v->get<bool>();
  // json_str turned booleans into "true"/"false": a string with that text compared the same.
  if (v->is_string() && (*v == "true" || *v == "false")) return *v == "true";
  note(path, std::string("is ") + v->type_name() + ", not a boolean");
  return std::nullopt;
}

std::optional<std::int64_t> Reader::integer(Path path) const {
  const json* v = find(path);
  if (!v) return std::nullopt;
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return static_cast<std::int64_t>(u);
  } else if (v->is_number_integer()) {
    return v->get<std::int64_t>();
  }
  note(path, std::string("is ") + v->type_name() + ", not an integer in range");
  return std::nullopt;
}

std::vector<std::string> Reader::strings(Path path) const {
  std::vector<std::string> out;
  const json* v = find(path);
  if (!v) return out;
  if (!v->is_array()) {
    note(path, std::string("is ") + v->type_name() + ", not a list");
    return out;
  }
  for (std::size_t i = 0; i < v->size(); ++i) {
    const json& item = (*v)[i];
    if (item.is_string())
      out.push_back(item.get_ref<const std::string&>());
    else
      add(joined(path) + "[" + std::to_string(i) + "] is " + item.type_name() + ", not a string");
  }
  return out;
}

}  // namespace state_detail

}  // namespace vnetdiag::arm
