#pragma once

namespace retort {

/// Lifecycle of a run (or a study); the GUI mirrors it.
enum class RunState { Idle, Preparing, Training, Validating, Paused, Stopping, Finished, Failed };

const char* toString(RunState state);

/// The one transition function: whether `to` may follow `from`.
bool canTransition(RunState from, RunState to);

} // namespace retort
