#include "spawn_thread.hpp"

#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <thread>

namespace mageio::isolation {
namespace {

class SpawnThread {
 public:
  SpawnThread() : owner_(::getpid()) {
    std::thread([this] { serve(); }).detach();
  }

  pid_t owner() const { return owner_; }

  void run(const std::function<void()>& step) {
    std::packaged_task<void()> task(step);
    std::future<void> done = task.get_future();
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(task));
    }
    wake_.notify_one();
    done.get();
  }

 private:
  void serve() {
    for (;;) {
      std::packaged_task<void()> task;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return !queue_.empty(); });
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  const pid_t owner_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::packaged_task<void()>> queue_;
};

std::mutex g_spawn_thread_mutex;
// Never destroyed: the detached thread may still wait on it while static destructors run at exit.
SpawnThread* g_spawn_thread = nullptr;

}  // namespace

void run_on_spawn_thread(const std::function<void()>& step) {
  SpawnThread* thread = nullptr;
  {
    std::lock_guard lock(g_spawn_thread_mutex);
    // After fork() the child process has no spawn thread (only the forking thread survives): make one.
    if (g_spawn_thread == nullptr || g_spawn_thread->owner() != ::getpid()) g_spawn_thread = new SpawnThread;
    thread = g_spawn_thread;
  }
  thread->run(step);
}

}  // namespace mageio::isolation
