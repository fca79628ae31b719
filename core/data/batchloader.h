#pragma once

#include "data/dataset.h"
#include "data/trainbatch.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace retort {

/// Multi-threaded batch loader: `workers` threads build batches ahead into a bounded queue of
/// `prefetch` batches; `next()` hands them out in order. A batch depends only on (seed, epoch,
/// its position), never on the worker count or thread timing. The last batch of an epoch may be
/// smaller (Ultralytics' drop_last=False). A worker's exception is rethrown by `next()`.
///
///   BatchLoader loader(dataset, 16, /*shuffle*/ true, /*seed*/ 0, /*workers*/ 2, /*prefetch*/ 4);
///   for (int epoch = 0; epoch < epochs; ++epoch) {
///       loader.startEpoch(epoch);
///       while (auto batch = loader.next())
///           step(*batch);
///   }
class BatchLoader
{
public:
    BatchLoader(std::shared_ptr<DetectionDataset> dataset, int batch, bool shuffle, uint64_t seed, int workers,
                int prefetch);
    ~BatchLoader();
    BatchLoader(const BatchLoader&) = delete;
    BatchLoader& operator=(const BatchLoader&) = delete;

    /// Begins an epoch (abandoning any unfinished one): order shuffled from (seed, epoch).
    /// Starts delivering `epoch` from batch `firstBatch` (a resumed run skips what it has done).
    void startEpoch(int epoch, size_t firstBatch = 0);
    /// The next batch of the epoch; nullopt at its end or after stop().
    std::optional<TrainBatch> next();
    /// Cancels the work in flight and joins the workers; returns within about one image load.
    void stop();

    size_t batchesPerEpoch() const;
    const DetectionDataset& dataset() const { return *m_dataset; }
    /// The dataset indices of the current epoch, in delivery order.
    const std::vector<size_t>& order() const { return m_order; }

private:
    void workerLoop();
    std::optional<TrainBatch> build(size_t k);

    std::shared_ptr<DetectionDataset> m_dataset;
    int m_batch;
    bool m_shuffle;
    uint64_t m_seed;
    int m_workers;
    int m_prefetch;

    int m_epoch = -1;
    std::vector<size_t> m_order;
    std::vector<std::thread> m_threads;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::atomic<bool> m_stop{false};
    size_t m_claimed = 0;     // batches handed to workers
    size_t m_delivered = 0;   // batches returned by next()
    std::map<size_t, TrainBatch> m_ready;
    std::exception_ptr m_error;
};

} // namespace retort
