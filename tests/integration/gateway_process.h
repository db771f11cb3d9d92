// GatewayProcess: a real pubsub-gateway child process for C++ end-to-end
// tests. It listens on port 0; the port is read from its startup line.
//
//   GatewayProcess gateway({"--dev-auth"});
//   ... connect to 127.0.0.1:gateway.port() ...
//   EXPECT_EQ(gateway.Terminate(), 0);   // SIGTERM, then the exit status
#ifndef PUBSUB_TESTS_INTEGRATION_GATEWAY_PROCESS_H_
#define PUBSUB_TESTS_INTEGRATION_GATEWAY_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace pubsub::testing {

class GatewayProcess {
 public:
  explicit GatewayProcess(const std::vector<std::string>& extra_args) {
    const char* binary = std::getenv("PUBSUB_GATEWAY");
    if (binary == nullptr) throw std::runtime_error("PUBSUB_GATEWAY is not set");
    std::vector<std::string> args = {binary, "--listen", "127.0.0.1:0", "--bus", "memory"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    if (posix_spawn(&pid_, binary, &actions, nullptr, argv.data(), environ) != 0) {
      throw std::runtime_error(std::string("cannot start ") + binary);
    }
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    stdout_ = fdopen(out[0], "r");
    char line[4096];
    if (std::fgets(line, sizeof(line), stdout_) == nullptr) {
      throw std::runtime_error("gateway exited before listening");
    }
    std::smatch match;
    std::string text(line);
    if (!std::regex_search(text, match, std::regex(R"(listening on http://[\d.]+:(\d+))"))) {
      throw std::runtime_error("unexpected startup line: " + text);
    }
    port_ = static_cast<unsigned short>(std::stoi(match[1]));
  }

  ~GatewayProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ != nullptr) std::fclose(stdout_);
  }

  unsigned short port() const { return port_; }

  // Sends SIGTERM and returns the exit status (or -1 when killed by a signal).
  int Terminate() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  FILE* stdout_ = nullptr;
  unsigned short port_ = 0;
};

}  // namespace pubsub::testing

#endif  // PUBSUB_TESTS_INTEGRATION_GATEWAY_PROCESS_H_
