// Readings from /proc: a process's memory and CPU time, and the kernel's TCP
// socket memory, so the load generator can report what the gateways (and
// Redis) spent while it ran.
//
//   ProcSample before = SampleProcess(gateway_pid);
//   ... load ...
//   ProcSample after = SampleProcess(gateway_pid);
//   double cpu = after.cpu_seconds - before.cpu_seconds;
#ifndef PUBSUB_TOOLS_LOADGEN_PROC_STATS_H_
#define PUBSUB_TOOLS_LOADGEN_PROC_STATS_H_

#include <cstdint>

namespace pubsub::loadgen {

struct ProcSample {
  bool ok = false;          // false when the process could not be read
  uint64_t rss_kib = 0;     // VmRSS
  uint64_t hwm_kib = 0;     // VmHWM (peak RSS)
  double cpu_seconds = 0;   // utime + stime of every thread, alive or exited
  uint64_t open_files = 0;  // entries in /proc/PID/fd
};

ProcSample SampleProcess(int pid);

// This process's CPU seconds (user + system).
double SelfCpuSeconds();

// TCP memory of the whole machine, in KiB ("mem" of /proc/net/sockstat,
// which counts pages), or -1 if unreadable.
int64_t TcpSocketMemoryKib();

// The open-file limit of this process: raises the soft limit to the hard
// one and returns it.
uint64_t RaiseOpenFileLimit();

}  // namespace pubsub::loadgen

#endif  // PUBSUB_TOOLS_LOADGEN_PROC_STATS_H_
