#include "util/threads.h"

#include <torch/torch.h>

#include <thread>

namespace retort {

int configureThreads(int n)
{
    if (n <= 0)
        n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    torch::set_num_threads(n);
    // Folded Conv+BN weights of trained models hold denormal floats, which are ~10x slower on
    // x86; flushing them changes nothing measurable in the outputs.
    at::globalContext().setFlushDenormal(true);
    return torch::get_num_threads();
}

} // namespace retort
