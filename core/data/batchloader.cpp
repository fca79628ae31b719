#include "data/batchloader.h"

#include "util/error.h"

#include <algorithm>
#include <numeric>

namespace retort {

BatchLoader::BatchLoader(std::shared_ptr<DetectionDataset> dataset, int batch, bool shuffle, uint64_t seed,
                         int workers, int prefetch)
    : m_dataset(std::move(dataset)), m_batch(batch), m_shuffle(shuffle), m_seed(seed),
      m_workers(std::max(0, workers)), m_prefetch(std::max(1, prefetch))
{
    if (!m_dataset)
        throw Error("BatchLoader: no dataset");
    if (batch <= 0)
        throw InputError("batch must be positive, got " + std::to_string(batch));
}

BatchLoader::~BatchLoader()
{
    stop();
}

size_t BatchLoader::batchesPerEpoch() const
{
    return (m_dataset->size() + m_batch - 1) / m_batch;
}

void BatchLoader::stop()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    for (auto& t : m_threads)
        t.join();
    m_threads.clear();
}

void BatchLoader::startEpoch(int epoch, size_t firstBatch)
{
    stop();
    m_epoch = epoch;
    m_order.resize(m_dataset->size());
    std::iota(m_order.begin(), m_order.end(), size_t(0));
    if (m_shuffle) {
        // Fisher-Yates from a stream reserved for ordering (index ~0 never names a sample).
        AugmentRng rng(m_seed, static_cast<uint64_t>(epoch), ~uint64_t(0));
        for (size_t i = m_order.size(); i > 1; --i)
            std::swap(m_order[i - 1], m_order[static_cast<size_t>(rng.next() % i)]);
    }
    // Every batch is a pure function of (seed, epoch, index): skipping needs no work.
    m_claimed = m_delivered = std::min(firstBatch, batchesPerEpoch());
    m_ready.clear();
    m_error = nullptr;
    m_stop = false;
    for (int w = 0; w < m_workers; ++w)
        m_threads.emplace_back(&BatchLoader::workerLoop, this);
}

std::optional<TrainBatch> BatchLoader::build(size_t k)
{
    const size_t begin = k * m_batch;
    const size_t end = std::min(begin + m_batch, m_order.size());
    std::vector<TrainSample> samples;
    samples.reserve(end - begin);
    for (size_t j = begin; j < end; ++j) {
        if (m_stop)
            return std::nullopt;
        samples.push_back(m_dataset->get(m_order[j], m_epoch));
    }
    return collate(samples);
}

void BatchLoader::workerLoop()
{
    const size_t total = batchesPerEpoch();
    for (;;) {
        size_t k = 0;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_cv.wait(lock, [&] {
                return m_stop || m_claimed >= total || m_claimed < m_delivered + static_cast<size_t>(m_prefetch);
            });
            if (m_stop || m_claimed >= total)
                return;
            k = m_claimed++;
        }
        try {
            std::optional<TrainBatch> b = build(k);
            if (!b)
                return;
            std::lock_guard<std::mutex> lock(m_mutex);
            m_ready.emplace(k, std::move(*b));
        } catch (...) {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (!m_error)
                m_error = std::current_exception();
        }
        m_cv.notify_all();
    }
}

std::optional<TrainBatch> BatchLoader::next()
{
    if (m_epoch < 0)
        throw Error("BatchLoader::next() before startEpoch()");
    if (m_delivered >= batchesPerEpoch())
        return std::nullopt;
    if (m_workers == 0) {
        if (m_stop)
            return std::nullopt;
        return build(m_delivered++);
    }
    std::unique_lock<std::mutex> lock(m_mutex);
    m_cv.wait(lock, [&] { return m_stop || m_error || m_ready.count(m_delivered); });
    if (m_error)
        std::rethrow_exception(std::exchange(m_error, nullptr));
    if (m_stop)
        return std::nullopt; // batches built before stop() are dropped, not delivered
    const auto it = m_ready.find(m_delivered);
    if (it == m_ready.end())
        return std::nullopt;
    TrainBatch b = std::move(it->second);
    m_ready.erase(it);
    ++m_delivered;
    lock.unlock();
    m_cv.notify_all();
    return b;
}

} // namespace retort
