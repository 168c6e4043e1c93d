// The probe layers' registry and the engine that runs whatever it lists (probes/prober.hpp).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine.hpp"
#include "prober.hpp"

namespace vnetdiag {
namespace {

std::vector<std::string> layers(const std::vector<ProberEntry>& entries) {
  std::vector<std::string> names;
  for (const auto& e : entries) names.push_back(e.layer);
  return names;
}

CheckPlan one_target_plan() {
  CheckPlan plan;
  Target t;
  t.host = "localhost";
  plan.targets = {t};
  return plan;
}

TEST(ProberRegistry, EveryLayerHasExactlyOneProber) {
  const auto names = layers(registered_probers());
  const std::multiset<std::string> counted(names.begin(), names.end());
  // The layers run_check has always had are all there; a new layer needs no change here.
  for (const char* layer : {"dns", "system", "connection"})
    EXPECT_EQ(counted.count(layer), 1u) << layer;
  for (const auto& e : registered_probers()) {
    EXPECT_EQ(counted.count(e.layer), 1u) << e.layer << " is registered more than once";
    EXPECT_FALSE(e.layer.empty());
    EXPECT_NE(e.make, nullptr) << e.layer;
  }
}

TEST(ProberRegistry, LayersThatFindAddressesStartBeforeTheirUsers) {
  const auto names = layers(registered_probers());
  const auto at = [&](const char* layer) { return std::find(names.begin(), names.end(), layer); };
  EXPECT_LT(at("dns"), at("connection"));
}

TEST(ProberRegistry, ARegistrationIsFoundByItsLayer) {
  for (const auto& e : registered_probers()) {
    const ProberEntry* found = find_prober(e.layer);
    ASSERT_NE(found, nullptr) << e.layer;
    EXPECT_EQ(found, &e);
  }
  EXPECT_EQ(find_prober("nope"), nullptr);
  EXPECT_EQ(find_prober(""), nullptr);
  EXPECT_EQ(find_prober("DNS"), nullptr);
}

TEST(ProberRegistry, TheSystemLayerRunsOnlyWhenThePlanAsks) {
  CheckPlan plan = one_target_plan();
  Observations obs;
  ProbeRun run{plan, obs, nullptr, ProbeClock::now(), {}};
  const ProberEntry* system = find_prober("system");
  ASSERT_NE(system, nullptr);
  auto off = system->make(run);
  ASSERT_TRUE(off);
  EXPECT_EQ(off->get(), nullptr);
  plan.system_lookup = true;
  auto on = system->make(run);
  ASSERT_TRUE(on);
  EXPECT_NE(on->get(), nullptr);
}

TEST(ProberRegistry, AResolverTheDnsLayerCannotUseStopsTheCheck) {
  init_probe_libraries();
  CheckPlan plan = one_target_plan();
  plan.resolvers = {Resolver{"not-an-ip", 53, "test"}};
  auto obs = run_check(plan);
  ASSERT_FALSE(obs);
  EXPECT_NE(obs.error().message.find("not-an-ip"), std::string::npos) << obs.error().message;
}

// What the engine did to the fake probers of one run.
struct Trace {
  std::vector<std::string> calls;
  std::vector<std::string> addresses;
};

// Announces its addresses at start, or (cut_off_announces) at the deadline; busy until told.
class FakeProber final : public Prober {
 public:
  FakeProber(ProbeRun& run, Trace& trace, std::string name, std::vector<std::string> found,
             bool busy_forever)
      : run_(run),
        trace_(trace),
        name_(std::move(name)),
        found_(std::move(found)),
        busy_forever_(busy_forever) {}
  void start() override {
    trace_.calls.push_back(name_ + ".start");
    for (const auto& a : found_) run_.announce(0, a);
  }
  void on_address(std::size_t target, const std::string& address) override {
    trace_.addresses.push_back(name_ + ":" + std::to_string(target) + ":" + address);
  }
  long prepare(PollSet&, ProbeClock::time_point) override { return busy_forever_ ? 5 : -1; }
  void process(const PollSet&) override {}
  bool busy(ProbeClock::time_point) override { return busy_forever_; }
  void cut_off() override {
    trace_.calls.push_back(name_ + ".cut_off");
    run_.announce(0, "198.51.100.9");  // too late: must reach no one
  }
  void finish() override { trace_.calls.push_back(name_ + ".finish"); }

 private:
  ProbeRun& run_;
  Trace& trace_;
  std::string name_;
  std::vector<std::string> found_;
  bool busy_forever_;
};

Trace* g_trace = nullptr;
bool g_busy_forever = false;

Result<std::unique_ptr<Prober>> make_finder(ProbeRun& run) {
  return std::unique_ptr<Prober>(std::make_unique<FakeProber>(
      run, *g_trace, "finder", std::vector<std::string>{"192.0.2.1", "192.0.2.2"}, g_busy_forever));
}
Result<std::unique_ptr<Prober>> make_user(ProbeRun& run) {
  return std::unique_ptr<Prober>(
      std::make_unique<FakeProber>(run, *g_trace, "user", std::vector<std::string>{}, false));
}
Result<std::unique_ptr<Prober>> make_nothing(ProbeRun&) { return std::unique_ptr<Prober>(); }
Result<std::unique_ptr<Prober>> make_broken(ProbeRun&) { return fail("broken layer"); }

TEST(ProberEngine, RunsEveryRegisteredProberAndPassesAddressesToAll) {
  Trace trace;
  g_trace = &trace;
  g_busy_forever = false;
  auto obs =
      run_probers(one_target_plan(),
                  {{"finder", &make_finder}, {"absent", &make_nothing}, {"user", &make_user}});
  ASSERT_TRUE(obs) << obs.error().message;
  EXPECT_FALSE(obs->deadline_hit);
  EXPECT_EQ(trace.calls, (std::vector<std::string>{"finder.start", "user.start", "finder.finish",
                                                   "user.finish"}));
  EXPECT_EQ(trace.addresses, (std::vector<std::string>{"finder:0:192.0.2.1", "user:0:192.0.2.1",
                                                       "finder:0:192.0.2.2", "user:0:192.0.2.2"}));
}

TEST(ProberEngine, TheDeadlineCutsOffEveryProberAndDropsLateAddresses) {
  Trace trace;
  g_trace = &trace;
  g_busy_forever = true;
  CheckPlan plan = one_target_plan();
  plan.timeouts.run_s = 0.05;
  auto obs = run_probers(plan, {{"finder", &make_finder}, {"user", &make_user}});
  ASSERT_TRUE(obs) << obs.error().message;
  EXPECT_TRUE(obs->deadline_hit);
  EXPECT_EQ(trace.calls,
            (std::vector<std::string>{"finder.start", "user.start", "finder.cut_off",
                                      "user.cut_off", "finder.finish", "user.finish"}));
  for (const auto& a : trace.addresses) EXPECT_EQ(a.find("198.51.100.9"), std::string::npos) << a;
}

TEST(ProberEngine, AFactoryErrorStopsTheRunBeforeAnyProberStarts) {
  Trace trace;
  g_trace = &trace;
  g_busy_forever = false;
  auto obs = run_probers(one_target_plan(), {{"finder", &make_finder}, {"broken", &make_broken}});
  ASSERT_FALSE(obs);
  EXPECT_EQ(obs.error().message, "broken layer");
  EXPECT_TRUE(trace.calls.empty());
}

// A prober joins the loop with its descriptors: the engine wakes when one is ready, not at the
// run deadline.
class EventProber final : public Prober {
 public:
  explicit EventProber(int fd) : fd_(fd) {}
  long prepare(PollSet& set, ProbeClock::time_point) override {
    if (!seen_) set.add(fd_, true, false);
    return -1;
  }
  void process(const PollSet& set) override {
    for (const auto& w : set.fds)
      if (w.fd == fd_ && (w.revents & CURL_WAIT_POLLIN)) seen_ = true;
  }
  bool busy(ProbeClock::time_point) override { return !seen_; }

 private:
  int fd_;
  bool seen_ = false;
};

int g_event_fd = -1;
Result<std::unique_ptr<Prober>> make_event(ProbeRun&) {
  return std::unique_ptr<Prober>(std::make_unique<EventProber>(g_event_fd));
}

TEST(ProberEngine, AProbersDescriptorWakesTheLoop) {
  g_event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  ASSERT_GE(g_event_fd, 0);
  std::thread writer([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const uint64_t one = 1;
    (void)!write(g_event_fd, &one, sizeof one);
  });
  CheckPlan plan = one_target_plan();
  plan.timeouts.run_s = 5;
  auto obs = run_probers(plan, {{"event", &make_event}});
  writer.join();
  close(g_event_fd);
  ASSERT_TRUE(obs) << obs.error().message;
  EXPECT_FALSE(obs->deadline_hit);
  EXPECT_LT(obs->duration_ms, 2000);
  EXPECT_GE(obs->duration_ms, 40);
}

// The registered connection layer on its own: a fake layer finds 127.0.0.1 (twice) for a port
// nobody listens on; one connection is tried and refused.
Result<std::unique_ptr<Prober>> make_loopback_finder(ProbeRun& run) {
  return std::unique_ptr<Prober>(std::make_unique<FakeProber>(
      run, *g_trace, "finder", std::vector<std::string>{"127.0.0.1", "127.0.0.1"}, false));
}

uint16_t closed_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);  // bound, never listening, now closed: connecting is refused
  return ntohs(a.sin_port);
}

TEST(ProberEngine, TheConnectionLayerProbesEachAnnouncedAddressOnce) {
  init_probe_libraries();
  Trace trace;
  g_trace = &trace;
  g_busy_forever = false;
  CheckPlan plan = one_target_plan();
  plan.targets[0].port = closed_loopback_port();
  const ProberEntry* connection = find_prober("connection");
  ASSERT_NE(connection, nullptr);
  auto obs = run_probers(plan, {{"finder", &make_loopback_finder}, *connection});
  ASSERT_TRUE(obs) << obs.error().message;
  ASSERT_EQ(obs->targets.size(), 1u);
  ASSERT_EQ(obs->targets[0].connections.size(), 1u);
  const auto& c = obs->targets[0].connections[0];
  EXPECT_EQ(c.address, "127.0.0.1");
  EXPECT_EQ(c.tcp, PhaseStatus::kRefused) << c.error;
  EXPECT_EQ(c.tls, PhaseStatus::kNotRun);
}

}  // namespace
}  // namespace vnetdiag
