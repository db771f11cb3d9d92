// AvailableCores: how many cores this process may actually use, the default
// number of event loops. A container limited to 2 CPUs on a 64-core host
// must not start 64 loops: the scheduler's affinity mask and the cgroup's
// CPU quota (v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us, in the
// process's own cgroup and its ancestors) both bound it.
//
//   config.threads = pubsub::gateway::AvailableCores();
#ifndef PUBSUB_SERVER_CONFIG_AVAILABLE_CORES_H_
#define PUBSUB_SERVER_CONFIG_AVAILABLE_CORES_H_

#include <cstddef>
#include <optional>
#include <string_view>

namespace pubsub::gateway {

// At least 1.
size_t AvailableCores();

namespace internal {

// Cores a cgroup v2 `cpu.max` line allows ("200000 100000" → 2, "150000
// 100000" → 2: a partial core rounds up); nullopt for "max ..." (no quota)
// or a line it cannot read.
std::optional<size_t> CoresFromCpuMax(std::string_view line);
// The same for cgroup v1's cpu.cfs_quota_us and cpu.cfs_period_us (a quota
// of -1: none).
std::optional<size_t> CoresFromCfs(std::string_view quota, std::string_view period);
// The cgroup path of `controller` ("" for the v2 unified hierarchy) in the
// text of /proc/self/cgroup; nullopt when it is not there.
std::optional<std::string_view> CgroupPath(std::string_view proc_self_cgroup,
                                           std::string_view controller);

}  // namespace internal
}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_CONFIG_AVAILABLE_CORES_H_
