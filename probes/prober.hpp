#pragma once
// One interface for every probe layer (as in blackbox_exporter: one prober signature, and a
// registry that maps each layer name to its prober). The engine knows no layer by name: it makes
// every registered prober, runs them all in one poll loop, and hands each address a layer finds
// to every prober (a connection starts the moment DNS knows its address).
//
// A prober only observes: it fills its own fields of Observations and never judges (findings
// are report/diagnose.cpp's) nor prints. A new layer is one file defining make_<layer>_prober
// plus its line in registry.cpp.
#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine.hpp"
#include "model.hpp"
#include "poll_set.hpp"
#include "result.hpp"

namespace vnetdiag {

using ProbeClock = std::chrono::steady_clock;

// What the engine lends every prober of one run. It outlives the probers.
struct ProbeRun {
  const CheckPlan& plan;
  Observations& observations;  // targets[i] belongs to plan.targets[i]; fill your fields only
  // The loop waits in curl_multi_poll on this handle: a prober using curl adds its easy handles.
  CURLM* multi = nullptr;
  ProbeClock::time_point start{};
  // Passes an address found for plan.targets[target] to every prober's on_address. Dropped once
  // the run deadline has cut the run.
  std::function<void(std::size_t target, const std::string& address)> announce;
};

class Prober {
 public:
  Prober() = default;
  virtual ~Prober() = default;
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // Sends the first requests; runs once every prober of the run exists.
  virtual void start() {}
  // Another layer found `address` for plan.targets[target]. May come during any call.
  virtual void on_address(std::size_t /*target*/, const std::string& /*address*/) {}
  // Adds the descriptors to wait on; returns the milliseconds until the prober needs a turn
  // even if none of them is ready (-1: no timer).
  virtual long prepare(PollSet& set, ProbeClock::time_point now) = 0;
  // One turn after the wait: read what is ready, end what ran out of its budget.
  virtual void process(const PollSet& set) = 0;
  // True while the run should wait for this prober.
  virtual bool busy(ProbeClock::time_point now) = 0;
  // The run deadline hit: end what is in flight and record it as cut off.
  virtual void cut_off() {}
  // The loop is over: write what is still held into the observations.
  virtual void finish() {}
};

// Makes the layer's prober for run.plan; a null prober when the plan does not ask for the layer.
// An error stops the check from running at all (as a resolver c-ares cannot use does).
using ProberFactory = Result<std::unique_ptr<Prober>>(ProbeRun& run);

struct ProberEntry {
  std::string layer;  // dns, system, connection, ...
  ProberFactory* make = nullptr;
};

// Every layer, in start order: layers that find addresses before layers that use them.
const std::vector<ProberEntry>& registered_probers();
// The entry for `layer` in registered_probers(); null when there is none.
const ProberEntry* find_prober(const std::string& layer);

// run_check with the given probers instead of the registered ones (tests).
Result<Observations> run_probers(const CheckPlan& plan, const std::vector<ProberEntry>& probers);

}  // namespace vnetdiag
