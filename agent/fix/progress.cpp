#include "progress.hpp"

#include <cstdio>

namespace vnetdiag::fix {
namespace {

std::string seconds(double s) {
  char buf[32];
  (void)std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

}  // namespace

Progress::Progress(std::ostream& out, bool terminal, std::size_t total)
    : out_(out), terminal_(terminal), total_(total) {
  if (!terminal_) return;
  ticker_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(m_);
    while (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return closing_; }))
      redraw_locked();
  });
}

Progress::~Progress() {
  {
    std::lock_guard<std::mutex> lock(m_);
    closing_ = true;
    clear_locked();
  }
  cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

void Progress::clear_locked() {
  if (status_shown_) out_ << "\r\033[K" << std::flush;
  status_shown_ = false;
}

void Progress::redraw_locked() {
  if (!terminal_ || running_.empty()) return;
  const auto now = Clock::now();
  std::string line = "[" + std::to_string(done_) + "/" + std::to_string(total_) + " done] ";
  line += running_.size() > 1 ? std::to_string(running_.size()) + " in parallel, " : "";
  line += "waiting on ARM:";
  for (const auto& [key, started] : running_)
    line +=
        " " + key + " (" +
        std::to_string(static_cast<long>(std::chrono::duration<double>(now - started).count())) +
        " s)";
  if (line.size() > 160) line = line.substr(0, 157) + "...";
  out_ << "\r\033[K" << line << std::flush;
  status_shown_ = true;
}

void Progress::on_event(const StepEvent& e) {
  std::lock_guard<std::mutex> lock(m_);
  clear_locked();
  const PlanStep& s = *e.step;
  if (e.kind == StepEvent::Kind::kStarted) {
    running_[s.key] = Clock::now();
    out_ << "  start   " << s.key << ": " << s.action << " " << s.resource_id << "\n";
  } else {
    running_.erase(s.key);
    ++done_;
    const StepOutcome& o = e.outcome;
    out_ << "  "
         << (o.outcome == "ok"       ? "ok     "
             : o.outcome == "failed" ? "failed "
                                     : "skipped")
         << " " << s.key << " (" << seconds(o.seconds) << ")"
         << (o.message.empty() ? "" : ": " + o.message) << "\n";
  }
  out_ << std::flush;
  redraw_locked();
}

void Progress::say(const std::string& line) {
  std::lock_guard<std::mutex> lock(m_);
  clear_locked();
  out_ << line << "\n" << std::flush;
  redraw_locked();
}

}  // namespace vnetdiag::fix
