#include "util/threads.h"

#include <torch/torch.h>

#include <thread>

#include <malloc.h>

namespace retort {

int configureThreads(int n)
{
    if (n <= 0)
        n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    torch::set_num_threads(n);
    // Folded Conv+BN weights of trained models hold denormal floats, which are ~10x slower on
    // x86; flushing them changes nothing measurable in the outputs.
    at::globalContext().setFlushDenormal(true);
#if defined(__GLIBC__)
    // glibc serves blocks above its mmap threshold (at most 32 MiB) with fresh mmap()s and gives
    // freed heap back to the OS, so every training step page-faults its feature maps in again:
    // 20 % of a yolov8n step at 320 went to page faults. Keeping the memory in the heap made
    // forward 1.7x and the loss 4x faster (docs/BENCHMARKS.md, "bench train").
    static const bool tuned = [] {
        mallopt(M_MMAP_THRESHOLD, 1 << 30);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
        mallopt(M_TOP_PAD, 256 << 20);
        return true;
    }();
    (void)tuned;
#endif
    return torch::get_num_threads();
}

} // namespace retort
