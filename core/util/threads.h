#pragma once

namespace retort {

/// Sets torch's intra-op threads: `n` > 0 as given, otherwise every core of the machine
/// (Debian's libtorch would otherwise pick its own default). Returns the count in force.
int configureThreads(int n = 0);

} // namespace retort
