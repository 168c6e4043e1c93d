#include "policy_effects.hpp"

#include <algorithm>

#include "text_util.hpp"

namespace vnetdiag::fix::policy {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 64;  // allOf/anyOf/not nesting judged; deeper is "unknown"
constexpr const char* kAuthorization = "/providers/microsoft.authorization/";

// The member of an object whose key matches `name` case-insensitively, or nullptr.
const json* member(const json& j, const std::string& name) {
  if (!j.is_object()) return nullptr;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (lower(it.key()) == name) return &it.value();
  return nullptr;
}

std::string str_of(const json& j, const std::string& name) {
  const json* v = member(j, name);
  return v && v->is_string() ? v->get<std::string>() : "";
}

// ARM's `like`: '*' any run of characters, compared case-insensitively (iterative, no backtracking
// blow-up).
bool like(const std::string& text, const std::string& pattern) {
  const std::string t = lower(text), p = lower(pattern);
  size_t ti = 0, pi = 0, star = std::string::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
      ++ti;
      ++pi;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

Match from_bool(bool b) { return b ? Match::yes : Match::no; }

Match judge(const json& cond, const std::string& type, const json& supplied, const json& declared,
            int depth) {
  if (!cond.is_object() || depth > kMaxDepth) return Match::unknown;
  for (const char* key : {"allof", "anyof"}) {
    const json* list = member(cond, key);
    if (!list || !list->is_array() || list->empty()) continue;
    const bool all = std::string(key) == "allof";
    bool any_unknown = false;
    for (const auto& c : *list) {
      const Match m = judge(c, type, supplied, declared, depth + 1);
      if (m == Match::unknown) any_unknown = true;
      if (all && m == Match::no) return Match::no;
      if (!all && m == Match::yes) return Match::yes;
    }
    if (any_unknown) return Match::unknown;
    return all ? Match::yes : Match::no;
  }
  if (const json* inner = member(cond, "not")) {
    const Match m = judge(*inner, type, supplied, declared, depth + 1);
    return m == Match::unknown ? m : from_bool(m == Match::no);
  }
  if (lower(str_of(cond, "field")) != "type") return Match::unknown;
  const std::string t = lower(type);
  for (auto it = cond.begin(); it != cond.end(); ++it) {
    const std::string op = lower(it.key());
    if (op == "field") continue;
    const json v = resolve(it.value(), supplied, declared);
    if ((op == "equals" || op == "notequals") && v.is_string())
      return from_bool((t == lower(v.get<std::string>())) == (op == "equals"));
    if ((op == "like" || op == "notlike") && v.is_string())
      return from_bool(like(t, v.get<std::string>()) == (op == "like"));
    if ((op == "in" || op == "notin") && v.is_array()) {
      bool found = false;
      for (const auto& x : v) found |= x.is_string() && lower(x.get<std::string>()) == t;
      return from_bool(found == (op == "in"));
    }
  }
  return Match::unknown;
}

}  // namespace

std::string parameter_name(const json& value) {
  if (!value.is_string()) return "";
  const std::string text = trim(value.get<std::string>());
  const std::string l = lower(text);
  if (l.size() < 2 || l.front() != '[' || l.back() != ']') return "";
  std::string inner = trim(l.substr(1, l.size() - 2));
  if (!starts_with(inner, "parameters(")) return "";
  inner = trim(inner.substr(11));
  if (inner.size() < 3 || inner.front() != '\'' || inner.back() != ')') return "";
  inner = trim(inner.substr(0, inner.size() - 1));
  if (inner.size() < 2 || inner.back() != '\'') return "";
  const std::string name_lower = inner.substr(1, inner.size() - 2);
  if (name_lower.empty() || name_lower.find('\'') != std::string::npos) return "";
  // The name as written (the lower-cased copy only found where it is).
  const auto at = l.find(name_lower, l.find('\''));
  return text.substr(at, name_lower.size());
}

json resolve(const json& value, const json& supplied, const json& declared) {
  const std::string name = parameter_name(value);
  if (name.empty()) return value;
  const std::string key = lower(name);
  if (const json* s = member(supplied, key); s && s->is_object())
    if (const json* v = member(*s, "value")) return *v;
  if (const json* d = member(declared, key); d && d->is_object())
    if (const json* v = member(*d, "defaultvalue")) return *v;
  return nullptr;
}

Match applies_to_type(const json& condition, const std::string& type, const json& supplied,
                      const json& declared) {
  return judge(condition, type, supplied, declared, 0);
}

Impact impact_of(const std::string& effect) {
  const std::string e = lower(trim(effect));
  if (e == "deny") return Impact::deny;
  if (e == "denyaction") return Impact::deny_delete;
  if (e == "modify" || e == "append" || e == "deployifnotexists") return Impact::alters;
  return Impact::none;
}

Rule rule_of(const json& definition, const json& supplied) {
  Rule r;
  r.definition_id = str_of(definition, "id");
  const json* props = member(definition, "properties");
  const json empty = json::object();
  if (!props || !props->is_object()) props = &empty;
  r.display_name = str_of(*props, "displayname");
  if (r.display_name.empty()) r.display_name = str_of(definition, "name");
  if (const json* d = member(*props, "parameters"); d && d->is_object()) r.declared = *d;
  r.supplied = supplied.is_object() ? supplied : json::object();
  const json* rule = member(*props, "policyrule");
  const json* cond = rule ? member(*rule, "if") : nullptr;
  const json* then = rule ? member(*rule, "then") : nullptr;
  if (cond) r.condition = *cond;
  const json* effect = then ? member(*then, "effect") : nullptr;
  if (!effect) {
    r.error = "its rule has no then.effect";
    return r;
  }
  const json v = resolve(*effect, r.supplied, r.declared);
  if (v.is_string() && !v.get<std::string>().empty() && parameter_name(v).empty()) {
    r.effect = v.get<std::string>();
  } else {
    const std::string p = parameter_name(*effect);
    r.error = p.empty() ? "its effect " + effect->dump() + " is not a word vnetdiag reads"
                        : "its effect parameter '" + p + "' has no value and no default";
  }
  if (!r.error.empty() && r.error.size() > 200) r.error = r.error.substr(0, 200) + "...";
  return r;
}

json member_parameters(const json& m, const json& set_definition,
                       const json& assignment_parameters) {
  json out = json::object();
  const json* props = member(set_definition, "properties");
  const json* declared = props ? member(*props, "parameters") : nullptr;
  const json none = json::object();
  const json* given = member(m, "parameters");
  if (!given || !given->is_object()) return out;
  for (auto it = given->begin(); it != given->end(); ++it) {
    const json* v = it.value().is_object() ? member(it.value(), "value") : nullptr;
    if (!v) continue;
    out[it.key()] = {{"value", resolve(*v, assignment_parameters, declared ? *declared : none)}};
  }
  return out;
}

std::vector<std::pair<std::string, json>> set_members(const json& set_definition) {
  std::vector<std::pair<std::string, json>> out;
  const json* props = member(set_definition, "properties");
  const json* list = props ? member(*props, "policydefinitions") : nullptr;
  if (!list || !list->is_array()) return out;
  for (const auto& m : *list) {
    const std::string id = str_of(m, "policydefinitionid");
    if (!id.empty()) out.emplace_back(id, m);
  }
  return out;
}

std::optional<Assignment> parse_assignment(const json& body) {
  Assignment a;
  a.id = str_of(body, "id");
  const json* props = member(body, "properties");
  if (a.id.empty() || !props || !props->is_object()) return std::nullopt;
  a.definition_id = str_of(*props, "policydefinitionid");
  if (a.definition_id.empty()) return std::nullopt;
  a.name = str_of(body, "name");
  a.display_name = str_of(*props, "displayname");
  if (a.display_name.empty()) a.display_name = a.name.empty() ? a.id : a.name;
  a.scope = str_of(*props, "scope");
  if (a.scope.empty()) {
    const auto at = lower(a.id).find(kAuthorization);
    a.scope = at == std::string::npos ? "" : a.id.substr(0, at);
  }
  a.enforced = lower(str_of(*props, "enforcementmode")) != "donotenforce";
  if (const json* ns = member(*props, "notscopes"); ns && ns->is_array())
    for (const auto& s : *ns)
      if (s.is_string() && !s.get<std::string>().empty()) a.not_scopes.push_back(s);
  if (const json* p = member(*props, "parameters"); p && p->is_object()) a.parameters = *p;
  return a;
}

bool is_set_id(const std::string& definition_id) {
  return lower(definition_id).find("/providers/microsoft.authorization/policysetdefinitions/") !=
         std::string::npos;
}

bool under_scope(const std::string& id, const std::string& scope) {
  std::string i = lower(id), s = lower(scope);
  while (!i.empty() && i.back() == '/') i.pop_back();
  while (!s.empty() && s.back() == '/') s.pop_back();
  if (s.empty()) return true;  // the tenant root: above everything
  return i == s || (starts_with(i, s) && i[s.size()] == '/');
}

bool covers(const Assignment& a, const std::string& resource_id) {
  // One at a management group (or the tenant root) is listed only where it applies.
  const bool above_subscriptions = starts_with(lower(a.scope), "/providers/");
  if (!above_subscriptions && !under_scope(resource_id, a.scope)) return false;
  if (above_subscriptions && !a.listed_for.empty() &&
      std::none_of(a.listed_for.begin(), a.listed_for.end(),
                   [&](const std::string& l) { return under_scope(resource_id, l); }))
    return false;
  for (const auto& n : a.not_scopes)
    if (under_scope(resource_id, n)) return false;
  return true;
}

}  // namespace vnetdiag::fix::policy
