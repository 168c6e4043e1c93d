#pragma once
// fix --apply's live progress. Every step's start and end is a line ("start", "ok 3.2 s",
// "failed: why", "skipped: why"); on a terminal a status line under them is redrawn every second
// with the steps in flight, in parallel, and how long each has waited on ARM (a long-running
// operation is followed to its end). Not a terminal: only the plain lines.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

#include "executor.hpp"

namespace vnetdiag::fix {

class Progress {
 public:
  Progress(std::ostream& out, bool terminal, std::size_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void on_event(const StepEvent& e);
  // A line of its own (the Ctrl-C notice), clear of the status line.
  void say(const std::string& line);

 private:
  using Clock = std::chrono::steady_clock;
  void redraw_locked();
  void clear_locked();

  std::ostream& out_;
  const bool terminal_;
  const std::size_t total_;
  std::size_t done_ = 0;
  std::map<std::string, Clock::time_point> running_;  // key -> started
  std::mutex m_;
  std::condition_variable cv_;
  bool closing_ = false;
  bool status_shown_ = false;
  std::thread ticker_;
};

}  // namespace vnetdiag::fix
