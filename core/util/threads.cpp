#include "util/threads.h"

#include <torch/torch.h>

#include <thread>

namespace retort {

int configureThreads(int n)
{
    if (n <= 0)
        n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    torch::set_num_threads(n);
    return torch::get_num_threads();
}

} // namespace retort
