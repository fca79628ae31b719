#include "util/testhook.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <vector>
#include <string>

#include <unistd.h>

namespace retort {
namespace {

struct KillSpec
{
    std::string point;
    long hit = 1;
    int signal = SIGKILL;
    std::atomic<long> seen{0};
};

int signalNamed(const std::string& name)
{
    if (name == "INT")
        return SIGINT;
    if (name == "TERM")
        return SIGTERM;
    if (name == "STOP")
        return SIGSTOP;
    return SIGKILL;
}

/// `point:n[:signal]`, comma-separated, parsed once.
std::vector<KillSpec>* specs()
{
    static std::vector<KillSpec>* s = []() -> std::vector<KillSpec>* {
        const char* env = std::getenv("RETORT_TEST_KILL_AT");
        if (!env || !*env)
            return nullptr;
        std::vector<std::string> items;
        std::string all = env;
        for (size_t b = 0; b <= all.size();) {
            const size_t e = std::min(all.find(',', b), all.size());
            if (e > b)
                items.push_back(all.substr(b, e - b));
            b = e + 1;
        }
        auto* out = new std::vector<KillSpec>(items.size());
        for (size_t i = 0; i < items.size(); ++i) {
            KillSpec& k = (*out)[i];
            const std::string& v = items[i];
            const auto c1 = v.find(':');
            k.point = v.substr(0, c1);
            if (c1 != std::string::npos) {
                const std::string rest = v.substr(c1 + 1);
                const auto c2 = rest.find(':');
                k.hit = std::max(1L, std::strtol(rest.substr(0, c2).c_str(), nullptr, 10));
                if (c2 != std::string::npos)
                    k.signal = signalNamed(rest.substr(c2 + 1));
            }
        }
        return out;
    }();
    return s;
}

} // namespace

void testKillPoint(const char* point)
{
    std::vector<KillSpec>* all = specs();
    if (!all)
        return;
    for (KillSpec& k : *all)
        if (k.point == point && k.seen.fetch_add(1) + 1 == k.hit) {
            ::kill(::getpid(), k.signal);
            // A graceful-stop signal is turned into a stop request by another thread; give it
            // time, so that "INT at point P" means a stop requested at P, not somewhat later.
            if (k.signal == SIGINT || k.signal == SIGTERM)
                ::usleep(300 * 1000);
        }
}

} // namespace retort
