#include "plan.hpp"

#include <algorithm>
#include <set>
#include <sstream>

namespace vnetdiag::fix {

std::string not_allowed_reason(const PlanStep& step) {
  const std::string& sub = step.needs_subscription;
  std::string out =
      "needs subscription " + sub + " (not allowed: rerun with --allow-subscription " + sub + ")";
  if (!step.waits_for.empty()) out = "waits for " + step.waits_for + ", which " + out;
  return out;
}

nlohmann::json plan_to_json(const Plan& plan) {
  nlohmann::json steps = nlohmann::json::array();
  for (const PlanStep* s : dependency_order(plan)) {
    nlohmann::json changes = nlohmann::json::array();
    for (const auto& c : s->changes)
      changes.push_back({{"property", c.property}, {"before", c.before}, {"after", c.after}});
    steps.push_back({{"key", s->key},
                     {"action", s->action},
                     {"resource_id", s->resource_id},
                     {"subscription", s->subscription},
                     {"method", s->method},
                     {"api_version", s->api_version},
                     {"body", s->body},
                     {"depends_on", s->depends_on},
                     {"repairs", s->repairs},
                     {"permission", s->permission},
                     {"changes", changes},
                     {"if_match", s->if_match},
                     {"lock_down", s->lock_down},
                     {"warning", s->warning}});
    if (!s->replaced_by.empty()) {
      steps.back()["replaced_by"] = s->replaced_by;
      steps.back()["host"] = s->host;
    }
  }
  nlohmann::json not_allowed = nlohmann::json::array();
  for (const auto& s : plan.not_allowed)
    not_allowed.push_back({{"key", s.key},
                           {"action", s.action},
                           {"resource_id", s.resource_id},
                           {"subscription", s.subscription},
                           {"method", s.method},
                           {"repairs", s.repairs},
                           {"needs_subscription", s.needs_subscription},
                           {"waits_for", s.waits_for},
                           {"reason", not_allowed_reason(s)}});
  return {{"steps", steps}, {"refused", plan.refused}, {"not_allowed", not_allowed}};
}

std::vector<const PlanStep*> dependency_order(const Plan& plan) {
  std::vector<const PlanStep*> out;
  std::set<std::string> done;
  std::vector<const PlanStep*> left;
  for (const auto& s : plan.steps) left.push_back(&s);
  while (!left.empty()) {
    bool progressed = false;
    for (auto it = left.begin(); it != left.end();) {
      const bool ready = std::all_of((*it)->depends_on.begin(), (*it)->depends_on.end(),
                                     [&](const std::string& d) { return done.count(d) > 0; });
      if (!ready) {
        ++it;
        continue;
      }
      done.insert((*it)->key);
      out.push_back(*it);
      it = left.erase(it);
      progressed = true;
    }
    if (!progressed) {  // a dependency on a step not in the plan: keep the rest in order
      out.insert(out.end(), left.begin(), left.end());
      break;
    }
  }
  return out;
}

std::string render_plan_text(const Plan& plan, bool colour) {
  const auto paint = [colour](const char* code, const std::string& text) {
    return colour ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
  };
  std::ostringstream out;
  int creates = 0, updates = 0, deletes = 0;
  for (const PlanStep* s : dependency_order(plan)) {
    const bool create = s->action == "create", del = s->action == "delete";
    (create ? creates : del ? deletes : updates)++;
    out << (create ? paint("32", "+ ")
            : del  ? paint("31", "- ")
                   : paint("33", "~ "))
        << s->action << " " << s->resource_id << "\n";
    out << "    subscription " << s->subscription << "; " << s->method
        << " api-version=" << s->api_version << "; repairs " << s->repairs << "; needs "
        << s->permission << "\n";
    for (const auto& c : s->changes)
      out << "    " << c.property << ": " << c.before << " -> " << c.after << "\n";
    if (s->lock_down) out << "    applied last, after the private path is verified\n";
    if (!s->warning.empty()) out << "    " << paint("33", "warning: ") << s->warning << "\n";
  }
  for (const auto& r : plan.refused) out << paint("31", "! ") << "not planned: " << r << "\n";
  for (const auto& s : plan.not_allowed)
    out << paint("31", "! ") << "not planned: " << s.action << " " << s.resource_id << ": "
        << not_allowed_reason(s) << "\n";
  out << "\nPlan: " << creates << " to create, " << updates << " to change, " << deletes
      << " to delete";
  if (!plan.refused.empty()) out << ", " << plan.refused.size() << " refused";
  if (!plan.not_allowed.empty())
    out << ", " << plan.not_allowed.size() << " held back (subscription not allowed)";
  out << ".\n";
  return out.str();
}

}  // namespace vnetdiag::fix
