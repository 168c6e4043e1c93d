// fix --emit az: a bash script of the requests fix would send, as `az rest` calls. `az rest`
// prefixes a path with the current cloud's ARM endpoint and sends the CLI's own token; it does
// not follow long-running operations, so `az resource wait` follows each Network write.
#include "emit_formats.hpp"
#include "text_util.hpp"

namespace vnetdiag::fix {
namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool waits(const PlanStep& s) {
  return starts_with(lower(s.resource_id), "/subscriptions/") &&
         lower(emit_detail::type_of(s.resource_id)).rfind("microsoft.network/", 0) == 0;
}

}  // namespace

std::string emit_az(const Plan& plan, const std::vector<emit_detail::EmitStep>& steps) {
  std::string out =
      "#!/usr/bin/env bash\n"
      "# vnetdiag fix --emit az: the repair plan as az commands. Nothing has been changed.\n"
      "# Review it, sign in (az login) with an identity allowed to make each change, and run it;\n"
      "# then run `vnetdiag check` from inside the app.\n"
      "set -euo pipefail\n";
  out += emit_detail::plan_notes(plan, steps.empty(), "# ");
  int n = 0;
  for (const auto& e : steps) {
    const PlanStep& s = *e.step;
    out += "\n" + emit_detail::describe(e, ++n, "# ");
    const std::string url = s.resource_id + "?api-version=" + s.api_version;
    out += "az rest --method " + s.method + " --url " + shell_quote(url);
    if (!s.if_match.empty()) out += " \\\n  --headers " + shell_quote("If-Match=" + s.if_match);
    if (!s.body.is_null()) out += " \\\n  --body " + shell_quote(s.body.dump());
    out += "\n";
    if (waits(s))
      out += "az resource wait --" +
             std::string(s.method == "DELETE"   ? "deleted"
                         : s.action == "create" ? "created"
                                                : "updated") +
             " --ids " + shell_quote(s.resource_id) + " --api-version " + s.api_version + "\n";
  }
  return out;
}

}  // namespace vnetdiag::fix
