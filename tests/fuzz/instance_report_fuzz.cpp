// check --all-instances reads each instance's report from Kudu or the shared /home, and serve
// reads its sinks' answers: both are outside input. The input is read as a report file
// (read_instance_report, then differences and gather_verdict against a copy of itself and an
// unread instance) and as an OTLP and an App Insights answer (push_refused). Invariants: nothing
// throws; a report not judged says why in one line; two copies of one report never differ; a
// refusal is one line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "instance_diff.hpp"
#include "pusher.hpp"

using namespace vnetdiag;

namespace {

bool one_line(const std::string& s) { return s.find('\n') == std::string::npos; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string body(reinterpret_cast<const char*>(data), size);
  const double now = 1796601600;  // 2026-12-07
  const InstanceReport a = read_instance_report("a", body, now);
  if (!a.judged() && !one_line(a.error)) abort();
  InstanceReport b = read_instance_report("b", body, now);
  if (a.judged() != b.judged() || a.problems != b.problems) abort();
  if (!differences({a, b}).empty()) abort();
  InstanceReport unread;
  unread.id = "c";
  unread.error = "no report";
  const Severity all = gather_verdict({a, b, unread});
  if (all == Severity::kOk || all == Severity::kWarning) abort();  // an unread instance is judged
  for (const long status : {0L, 200L, 206L, 400L, 503L})
    for (const char* sink : {push::kSinkOtlp, push::kSinkAppInsights})
      if (auto why = push::push_refused(sink, status, body, status ? "" : "timeout"))
        if (!one_line(*why)) abort();
  return 0;
}
