// AvailableCores and the cgroup parsing under it.
#include "server/config/available_cores.h"

#include <thread>

#include <gtest/gtest.h>

namespace pubsub::gateway {
namespace {

using internal::CgroupPath;
using internal::CoresFromCfs;
using internal::CoresFromCpuMax;

TEST(AvailableCoresTest, CgroupV2QuotaRoundsAPartialCoreUp) {
  EXPECT_EQ(CoresFromCpuMax("200000 100000\n"), 2u);
  EXPECT_EQ(CoresFromCpuMax("150000 100000"), 2u);
  EXPECT_EQ(CoresFromCpuMax("50000 100000"), 1u);
  EXPECT_EQ(CoresFromCpuMax("max 100000\n"), std::nullopt);  // no quota
  EXPECT_EQ(CoresFromCpuMax(""), std::nullopt);              // no file
  EXPECT_EQ(CoresFromCpuMax("garbage"), std::nullopt);
  EXPECT_EQ(CoresFromCpuMax("100000 0"), std::nullopt);
}

TEST(AvailableCoresTest, CgroupV1QuotaOfMinusOneIsNone) {
  EXPECT_EQ(CoresFromCfs("400000\n", "100000\n"), 4u);
  EXPECT_EQ(CoresFromCfs("-1\n", "100000\n"), std::nullopt);
  EXPECT_EQ(CoresFromCfs("", ""), std::nullopt);
}

TEST(AvailableCoresTest, TheProcessCgroupIsFoundPerController) {
  const std::string_view hybrid =
      "4:memory:/process_api/abc\n2:cpu,cpuacct:/jobs/7\n0::/user.slice\n";
  EXPECT_EQ(CgroupPath(hybrid, "cpu"), "/jobs/7");
  EXPECT_EQ(CgroupPath(hybrid, ""), "/user.slice");
  EXPECT_EQ(CgroupPath(hybrid, "cpuset"), std::nullopt);
  EXPECT_EQ(CgroupPath("0::/\n", ""), "/");
}

TEST(AvailableCoresTest, NeverMoreThanTheMachineNorLessThanOne) {
  const size_t cores = AvailableCores();
  EXPECT_GE(cores, 1u);
  EXPECT_LE(cores, std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace
}  // namespace pubsub::gateway
