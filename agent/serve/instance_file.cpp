#include "instance_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "pipeline.hpp"
#include "process_io.hpp"
#include "render.hpp"
#include "secrets.hpp"
#include "settings.hpp"

namespace vnetdiag {
namespace {

// mkdir -p with mode 0755; "" or the reason.
std::string make_dirs(const std::string& dir) {
  std::string path;
  for (std::size_t i = 0; i <= dir.size(); ++i) {
    if (i < dir.size() && dir[i] != '/') continue;
    path = dir.substr(0, i);
    if (path.empty()) continue;
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
      return "cannot create " + path + ": " + std::strerror(errno);
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return dir + " is not a directory";
  return "";
}

}  // namespace

std::string instance_file_body(const Snapshot& s, const std::string& instance_id, double interval_s,
                               double now_unix) {
  if (!s.checked()) return "";
  nlohmann::ordered_json head = {
      {"instance", instance_id}, {"written_at", iso_utc_ms(now_unix)}, {"interval_s", interval_s}};
  if (!s.has_report) head["check_error"] = s.error;
  const std::string member = "\"vnetdiag_instance\": " + json_text(head);
  // report_json is one JSON object ({"schema_version": ...} or {"status": "error", ...}).
  const std::string& body = s.report_json;
  const auto open = body.find('{');
  if (open == std::string::npos) return "{\n  " + member + "\n}\n";
  const auto next = body.find_first_not_of(" \t\r\n", open + 1);
  const bool empty = next == std::string::npos || body[next] == '}';
  return secrets::scrub(body.substr(0, open + 1) + "\n  " + member + (empty ? "" : ",") +
                        body.substr(open + 1));
}

std::string write_file_atomically(const std::string& dir, const std::string& name,
                                  const std::string& body) {
  if (auto why = make_dirs(dir); !why.empty()) return why;
  const std::string path = dir + "/" + name;
  const std::string tmp = dir + "/." + name + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "cannot create " + tmp + ": " + std::strerror(errno);
  const bool written = write_all(fd, body) && ::fchmod(fd, 0644) == 0;
  const int e = errno;
  if (::close(fd) != 0 || !written) {
    (void)std::remove(tmp.c_str());
    return "cannot write " + tmp + ": " + std::strerror(written ? errno : e);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int r = errno;
    (void)std::remove(tmp.c_str());
    return "cannot rename to " + path + ": " + std::strerror(r);
  }
  return "";
}

std::function<void(const Snapshot&)> instance_file_hook(
    const CheckSettings& settings, const PreparedCheck& prepared,
    const std::map<std::string, std::string>& env, std::function<void(const std::string&)> warn) {
  std::string id = prepared.app.value_or("instance_id", "");
  if (id.empty() && !settings.instances_dir.value.empty()) {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) id = host;
  }
  const std::string dir = instances_dir(settings.instances_dir.value, id, env);
  const std::string name = instance_file_name(id);
  if (dir.empty()) return {};
  const double interval = settings.interval.value;
  struct Last {
    std::mutex mutex;
    std::string why;
  };
  auto last = std::make_shared<Last>();
  return [dir, name, id, interval, last, warn = std::move(warn)](const Snapshot& s) {
    std::string why;
    if (name.empty()) {
      why = "no instance id to name the file by";
    } else {
      const std::string body =
          instance_file_body(s, id, interval, static_cast<double>(::time(nullptr)));
      if (body.empty()) return;
      why = write_file_atomically(dir, name, body);
    }
    std::lock_guard lock(last->mutex);
    if (why != last->why && !why.empty() && warn)
      warn("vnetdiag: the instance report file was not written: " + why + " (serve goes on)");
    last->why = why;
  };
}

}  // namespace vnetdiag
