// A stand-in for libFuzzer's main in ordinary (gcc) builds, so that every
// fuzz target also runs as a ctest test:
//
//   pubsub_fuzz_jwt CORPUS_DIR... [--random N] [--max-len BYTES] [--seed S]
//
// It runs LLVMFuzzerTestOneInput on every file of the given corpus
// directories (or on the given files), then on N pseudo-random inputs: half
// random bytes, half mutations of corpus entries (bit flips, byte changes,
// insertions, deletions, truncations, splices). The seed is fixed, so a
// failure reproduces; on a crash (abort, SIGSEGV, ...) the input is written
// to replay-crash-<target>.bin, to rerun under a debugger or the real fuzzer.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

std::string g_crash_file;
const std::string* g_current = nullptr;

// Async-signal-safe: open/write/close only, then the default action.
void OnCrash(int signal) {
  if (g_current != nullptr) {
    int fd = open(g_crash_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ssize_t ignored = write(fd, g_current->data(), g_current->size());
      (void)ignored;
      close(fd);
    }
    const char message[] = "replay: crashing input saved to replay-crash-*.bin\n";
    ssize_t ignored = write(2, message, sizeof(message) - 1);
    (void)ignored;
  }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

void RunOne(const std::string& input) {
  g_current = &input;
  // Copy into an exact-size heap buffer so that ASan (when enabled) catches
  // reads past the end, as under libFuzzer.
  std::vector<uint8_t> buffer(input.begin(), input.end());
  LLVMFuzzerTestOneInput(buffer.empty() ? nullptr : buffer.data(), buffer.size());
  g_current = nullptr;
}

std::string Mutate(std::string input, const std::vector<std::string>& corpus, std::mt19937& rng) {
  int mutations = 1 + rng() % 8;
  for (int m = 0; m < mutations; ++m) {
    switch (rng() % 7) {
      case 0:
        if (!input.empty()) input[rng() % input.size()] ^= static_cast<char>(1 << (rng() % 8));
        break;
      case 1:
        if (!input.empty()) input[rng() % input.size()] = static_cast<char>(rng());
        break;
      case 2:
        input.insert(input.begin() + (input.empty() ? 0 : rng() % (input.size() + 1)),
                     static_cast<char>(rng()));
        break;
      case 3:
        if (!input.empty()) input.erase(rng() % input.size(), 1 + rng() % 8);
        break;
      case 4:
        if (!input.empty()) input.resize(rng() % input.size());
        break;
      case 5: {
        const std::string& other = corpus[rng() % corpus.size()];
        if (!other.empty()) {
          size_t from = rng() % other.size();
          input.insert(input.empty() ? 0 : rng() % input.size(),
                       other.substr(from, 1 + rng() % 64));
        }
        break;
      }
      default:
        // Interesting values: 0x00, 0x7F, 0x80, 0xFF, '%', '.', '"'.
        if (!input.empty()) input[rng() % input.size()] = "\x00\x7f\x80\xff%.\""[rng() % 7];
        break;
    }
  }
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> paths;
  long random_inputs = 10000;
  size_t max_len = 4096;
  unsigned seed = 20261127;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--random" && i + 1 < argc) {
      random_inputs = std::atol(argv[++i]);
    } else if (arg == "--max-len" && i + 1 < argc) {
      max_len = static_cast<size_t>(std::atol(argv[++i]));
    } else if (arg == "--seed" && i + 1 < argc) {
      seed = static_cast<unsigned>(std::atol(argv[++i]));
    } else {
      paths.emplace_back(arg);
    }
  }
  g_crash_file = "replay-crash-" + std::filesystem::path(argv[0]).filename().string() + ".bin";
  for (int signal : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(signal, OnCrash);

  std::vector<std::string> corpus;
  for (const auto& path : paths) {
    if (std::filesystem::is_directory(path)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());  // a stable order for mutations
      for (const auto& file : files) corpus.push_back(ReadFile(file));
    } else {
      corpus.push_back(ReadFile(path));
    }
  }
  for (const std::string& input : corpus) RunOne(input);
  std::printf("replayed %zu corpus inputs\n", corpus.size());

  if (corpus.empty()) corpus.emplace_back();
  std::mt19937 rng(seed);
  for (long i = 0; i < random_inputs; ++i) {
    std::string input;
    if (i % 2 == 0) {
      input.resize(rng() % (max_len + 1));
      for (char& c : input) c = static_cast<char>(rng());
    } else {
      input = Mutate(corpus[rng() % corpus.size()], corpus, rng);
      if (input.size() > max_len) input.resize(max_len);
    }
    RunOne(input);
  }
  std::printf("ran %ld pseudo-random inputs (seed %u)\n", random_inputs, seed);
  return 0;
}
