#include "train/runstate.h"

namespace retort {

const char* toString(RunState state)
{
    switch (state) {
    case RunState::Idle: return "idle";
    case RunState::Preparing: return "preparing";
    case RunState::Training: return "training";
    case RunState::Validating: return "validating";
    case RunState::Paused: return "paused";
    case RunState::Stopping: return "stopping";
    case RunState::Finished: return "finished";
    case RunState::Failed: return "failed";
    }
    return "unknown";
}

bool canTransition(RunState from, RunState to)
{
    if (to == RunState::Failed)
        return from != RunState::Idle && from != RunState::Finished && from != RunState::Failed;
    switch (from) {
    case RunState::Idle: return to == RunState::Preparing;
    case RunState::Preparing: return to == RunState::Training || to == RunState::Validating || to == RunState::Stopping;
    case RunState::Training:
        return to == RunState::Validating || to == RunState::Paused || to == RunState::Stopping || to == RunState::Finished;
    case RunState::Validating:
        return to == RunState::Training || to == RunState::Paused || to == RunState::Stopping || to == RunState::Finished;
    case RunState::Paused: return to == RunState::Training || to == RunState::Validating || to == RunState::Stopping;
    case RunState::Stopping: return to == RunState::Finished;
    case RunState::Finished:
    case RunState::Failed: return to == RunState::Preparing;
    }
    return false;
}

} // namespace retort
