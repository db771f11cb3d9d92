// LoopPool: one Asio event loop per core, each run by one thread.
//
// A connection lives on one loop for its whole life, so its state needs no
// locks; cross-loop work is posted. Loops are numbered 0..size()-1 (the
// "shard" index used by the hub and the metrics).
//
//   LoopPool loops(std::thread::hardware_concurrency());
//   boost::asio::post(loops.loop(1), [] { /* runs on loop 1's thread */ });
//   loops.Start();  ...  loops.Stop(); loops.Join();
#ifndef PUBSUB_SERVER_GATEWAY_LOOP_POOL_H_
#define PUBSUB_SERVER_GATEWAY_LOOP_POOL_H_

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace pubsub::gateway {

class LoopPool {
 public:
  explicit LoopPool(size_t count);
  ~LoopPool();
  LoopPool(const LoopPool&) = delete;
  LoopPool& operator=(const LoopPool&) = delete;

  size_t size() const { return loops_.size(); }
  boost::asio::io_context& loop(size_t index) { return *loops_[index]->context; }

  // Starts one thread per loop. Loops keep running until Stop(). An
  // exception that escapes a handler (each connection guards its own: this
  // is the last line) is passed to `on_exception` on that loop's thread, and
  // the loop goes on running.
  void Start(std::function<void(std::exception_ptr)> on_exception = {});
  // Lets every loop finish once it has no work, and wakes idle ones.
  void Stop();
  // Waits for every loop thread to return.
  void Join();

  // The index of the loop whose thread is calling, or -1 on other threads.
  static int CurrentIndex();

 private:
  struct Loop {
    std::unique_ptr<boost::asio::io_context> context;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
    std::thread thread;
  };
  std::vector<std::unique_ptr<Loop>> loops_;
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_LOOP_POOL_H_
