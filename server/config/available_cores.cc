#include "server/config/available_cores.h"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace pubsub::gateway {
namespace internal {
namespace {

std::string_view Trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

std::optional<int64_t> Number(std::string_view text) {
  text = Trim(text);
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::optional<size_t> Cores(int64_t quota, int64_t period) {
  if (quota <= 0 || period <= 0) return std::nullopt;
  return static_cast<size_t>(std::max<int64_t>(1, (quota + period - 1) / period));
}

}  // namespace

std::optional<size_t> CoresFromCpuMax(std::string_view line) {
  line = Trim(line);
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view quota = line.substr(0, space);
  if (quota == "max") return std::nullopt;
  const auto q = Number(quota);
  const auto p = Number(line.substr(space + 1));
  if (!q || !p) return std::nullopt;
  return Cores(*q, *p);
}

std::optional<size_t> CoresFromCfs(std::string_view quota, std::string_view period) {
  const auto q = Number(quota);
  const auto p = Number(period);
  if (!q || !p) return std::nullopt;
  return Cores(*q, *p);
}

std::optional<std::string_view> CgroupPath(std::string_view proc_self_cgroup,
                                           std::string_view controller) {
  // Lines: "ID:CONTROLLERS:PATH"; the v2 hierarchy is "0::PATH".
  while (!proc_self_cgroup.empty()) {
    const size_t eol = proc_self_cgroup.find('\n');
    const std::string_view line = proc_self_cgroup.substr(0, eol);
    proc_self_cgroup =
        eol == std::string_view::npos ? std::string_view() : proc_self_cgroup.substr(eol + 1);
    const size_t first = line.find(':');
    const size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    bool match = controller.empty() && controllers.empty();
    for (size_t at = 0; !controller.empty() && at <= controllers.size();) {
      const size_t comma = std::min(controllers.find(',', at), controllers.size());
      if (controllers.substr(at, comma - at) == controller) match = true;
      at = comma + 1;
    }
    if (match) return line.substr(second + 1);
  }
  return std::nullopt;
}

}  // namespace internal

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The smallest quota on the way from `path` up to the hierarchy's root.
template <class Read>
std::optional<size_t> SmallestQuota(std::string path, const Read& read) {
  std::optional<size_t> smallest;
  for (;;) {
    if (std::optional<size_t> cores = read(path)) {
      smallest = smallest ? std::min(*smallest, *cores) : *cores;
    }
    if (path.empty() || path == "/") break;
    const size_t slash = path.find_last_of('/');
    path = slash == std::string::npos ? "" : path.substr(0, slash);
  }
  return smallest;
}

std::optional<size_t> CgroupQuota() {
  const std::string cgroups = ReadFile("/proc/self/cgroup");
  std::optional<size_t> v2;
  if (auto path = internal::CgroupPath(cgroups, "")) {
    v2 = SmallestQuota(std::string(*path), [](const std::string& dir) {
      return internal::CoresFromCpuMax(ReadFile("/sys/fs/cgroup" + dir + "/cpu.max"));
    });
  }
  std::optional<size_t> v1;
  if (auto path = internal::CgroupPath(cgroups, "cpu")) {
    v1 = SmallestQuota(std::string(*path), [](const std::string& dir) {
      const std::string base = "/sys/fs/cgroup/cpu" + dir;
      return internal::CoresFromCfs(ReadFile(base + "/cpu.cfs_quota_us"),
                                    ReadFile(base + "/cpu.cfs_period_us"));
    });
  }
  if (v1 && v2) return std::min(*v1, *v2);
  return v1 ? v1 : v2;
}

}  // namespace

size_t AvailableCores() {
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    cores = std::min<size_t>(cores, std::max(1, CPU_COUNT(&set)));
  }
  if (std::optional<size_t> quota = CgroupQuota()) cores = std::min(cores, *quota);
  return std::max<size_t>(1, cores);
}

}  // namespace pubsub::gateway
