#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace retort {

/// Pause / resume / stop requests for a running Trainer, checked between steps. Thread-safe:
/// the GUI thread requests, the training thread polls.
///
///   TrainerControl control;
///   std::thread t([&] { trainer.run(&observer, &control); });
///   control.requestStop();   // the trainer writes a checkpoint and returns
class TrainerControl
{
public:
    void requestPause() { m_paused.store(true); }
    void requestResume()
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_paused.store(false);
        }
        m_cv.notify_all();
    }
    void requestStop()
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_stop.store(true);
        }
        m_cv.notify_all();
    }
    bool pauseRequested() const { return m_paused.load(); }
    bool stopRequested() const { return m_stop.load(); }
    /// Blocks while paused (returns early on stop). Returns true if it waited.
    bool waitWhilePaused()
    {
        if (!m_paused.load())
            return false;
        std::unique_lock<std::mutex> lock(m_mutex);
        m_cv.wait(lock, [this] { return !m_paused.load() || m_stop.load(); });
        return true;
    }
    /// The flag the validator and loader poll to abort promptly.
    const std::atomic<bool>* stopFlag() const { return &m_stop; }
    void reset()
    {
        m_paused.store(false);
        m_stop.store(false);
    }

private:
    std::atomic<bool> m_paused{false};
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    std::condition_variable m_cv;
};

} // namespace retort
