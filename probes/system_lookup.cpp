#include "system_lookup.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace vnetdiag {

struct SystemLookup::Shared {
  std::mutex mutex;
  SystemLookupResult result;
  int event_fd = -1;
  ~Shared() {
    if (event_fd >= 0) close(event_fd);
  }
};

namespace {

// A few worker threads serve every lookup: one thread per target would cost each its stack and
// malloc arena (megabytes at 200 targets). Workers are detached: a lookup stuck in a slow
// resolver is abandoned by the engine, never waited for.
class LookupPool {
 public:
  static LookupPool& instance() {
    static LookupPool* pool =
        new LookupPool();  // never destroyed: detached workers may still use it
    return *pool;
  }
  void submit(std::function<void()> job) {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(job));
    if (idle_ == 0 && workers_ < kMaxWorkers) {
      ++workers_;
      std::thread([this] { work(); }).detach();
    }
    cv_.notify_one();
  }

 private:
  static constexpr int kMaxWorkers = 8;
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ++idle_;
        cv_.wait(lock, [this] { return !jobs_.empty(); });
        --idle_;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  int workers_ = 0;
  int idle_ = 0;
};

void resolve(const std::shared_ptr<SystemLookup::Shared>& shared, const std::string& host);

}  // namespace

SystemLookup::SystemLookup(const std::string& host) : shared_(std::make_shared<Shared>()) {
  shared_->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  LookupPool::instance().submit([shared = shared_, host] { resolve(shared, host); });
}

namespace {

void resolve(const std::shared_ptr<SystemLookup::Shared>& shared, const std::string& host) {
  const auto start = std::chrono::steady_clock::now();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &list);
  SystemLookupResult r;
  r.done = true;
  r.duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (rc != 0) r.error = gai_strerror(rc);
  for (addrinfo* a = list; a; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* src =
        a->ai_family == AF_INET6
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr);
    inet_ntop(a->ai_family, src, text, sizeof text);
    if (std::find(r.addresses.begin(), r.addresses.end(), text) == r.addresses.end())
      r.addresses.push_back(text);
  }
  if (list) freeaddrinfo(list);
  std::lock_guard<std::mutex> lock(shared->mutex);
  shared->result = std::move(r);
  const uint64_t one = 1;
  if (shared->event_fd >= 0) (void)!write(shared->event_fd, &one, sizeof one);
}

}  // namespace

SystemLookup::~SystemLookup() = default;

void SystemLookup::add_socket(PollSet& set) const {
  if (!result_.done && shared_->event_fd >= 0) set.add(shared_->event_fd, true, false);
}

bool SystemLookup::poll() {
  if (result_.done) return true;
  std::lock_guard<std::mutex> lock(shared_->mutex);
  if (!shared_->result.done) return false;
  result_ = shared_->result;
  return true;
}

}  // namespace vnetdiag
