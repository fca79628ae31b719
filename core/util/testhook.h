#pragma once

namespace retort {

/// Fault injection for the crash-consistency tests. `RETORT_TEST_KILL_AT=<point>:<n>[:<signal>]`
/// makes the n-th time the process passes `point` send it `signal` (KILL by default; INT or
/// TERM exercise the graceful stop and wait 0.3 s for the stop request to land, STOP freezes the
/// process); several specs comma-separated.
/// Without the variable this costs one pointer test.
///
///   testKillPoint("ckpt-commit");   // between committing last.state and publishing the weights
void testKillPoint(const char* point);

} // namespace retort
