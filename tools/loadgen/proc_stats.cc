#include "tools/loadgen/proc_stats.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace pubsub::loadgen {

ProcSample SampleProcess(int pid) {
  ProcSample sample;
  const std::string dir = "/proc/" + std::to_string(pid);
  std::ifstream status(dir + "/status");
  if (!status) return sample;
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) sample.rss_kib = std::stoull(line.substr(6));
    if (line.starts_with("VmHWM:")) sample.hwm_kib = std::stoull(line.substr(6));
  }
  std::ifstream stat(dir + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may contain spaces) start after ')'.
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) return sample;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) {
      stime = std::stoull(field);
      break;
    }
  }
  sample.cpu_seconds =
      static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  if (DIR* fds = opendir((dir + "/fd").c_str())) {
    while (dirent* entry = readdir(fds)) {
      if (entry->d_name[0] != '.') ++sample.open_files;
    }
    closedir(fds);
  }
  sample.ok = true;
  return sample;
}

double SelfCpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

int64_t TcpSocketMemoryKib() {
  std::ifstream sockstat("/proc/net/sockstat");
  std::string line;
  while (std::getline(sockstat, line)) {
    if (!line.starts_with("TCP:")) continue;
    const size_t at = line.find(" mem ");
    if (at == std::string::npos) return -1;
    return std::stoll(line.substr(at + 5)) * (sysconf(_SC_PAGESIZE) / 1024);
  }
  return -1;
}

uint64_t RaiseOpenFileLimit() {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur;
}

}  // namespace pubsub::loadgen
