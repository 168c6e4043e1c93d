#include "system_lookup.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
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

LookupWakeup::LookupWakeup() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

LookupWakeup::~LookupWakeup() {
  if (fd_ >= 0) close(fd_);
}

void LookupWakeup::add_socket(PollSet& set) const {
  if (fd_ >= 0) set.add(fd_, true, false);
}

void LookupWakeup::signal() const {
  const uint64_t one = 1;
  if (fd_ >= 0) (void)!write(fd_, &one, sizeof one);
}

void LookupWakeup::drain() const {
  uint64_t count = 0;
  if (fd_ >= 0) (void)!read(fd_, &count, sizeof count);
}

struct SystemLookup::Shared {
  std::mutex mutex;
  SystemLookupResult result;
  std::shared_ptr<const LookupWakeup> wakeup;
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
  // False when no thread is there to run it, nor could one be started: the job is dropped.
  bool submit(std::function<void()> job) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (idle_ == 0 && workers_ < kMaxWorkers && start_worker()) ++workers_;
    if (workers_ == 0) return false;
    jobs_.push_back(std::move(job));
    cv_.notify_one();
    return true;
  }

 private:
  // As many lookups at once as connection probes: each waits a round trip or more on the
  // resolver, so fewer workers would queue them behind each other (8 made 50 targets over a 20 ms
  // link take 1.7 x one target's time). A small stack each: getaddrinfo needs far less than 8 MiB.
  static constexpr int kMaxWorkers = 64;
  static constexpr std::size_t kStackBytes = std::size_t{512} * 1024;

  bool start_worker() {
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0) return false;
    pthread_attr_setstacksize(&attr, kStackBytes);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    const bool started = pthread_create(
                             &thread, &attr,
                             [](void* self) -> void* {
                               static_cast<LookupPool*>(self)->work();
                               return nullptr;
                             },
                             this) == 0;
    pthread_attr_destroy(&attr);
    return started;
  }
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

SystemLookup::SystemLookup(const std::string& host, std::shared_ptr<const LookupWakeup> wakeup)
    : shared_(std::make_shared<Shared>()) {
  shared_->wakeup = std::move(wakeup);
  if (LookupPool::instance().submit([shared = shared_, host] { resolve(shared, host); })) return;
  // Said as what it is, not left to look like a resolver that never answered.
  shared_->result.done = true;
  shared_->result.error = "could not start a thread for getaddrinfo";
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
  if (shared->wakeup) shared->wakeup->signal();
}

}  // namespace

SystemLookup::~SystemLookup() = default;

bool SystemLookup::poll() {
  if (result_.done) return true;
  std::lock_guard<std::mutex> lock(shared_->mutex);
  if (!shared_->result.done) return false;
  result_ = shared_->result;
  return true;
}

}  // namespace vnetdiag
