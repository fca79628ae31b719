#pragma once

#include <stdexcept>
#include <string>

namespace retort {

/// Base of every exception core throws. The message is complete and user-facing:
/// it names the file, line or key concerned and what was expected.
class Error : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// The user's input is wrong (a file, a YAML key, a command-line value). The CLI maps it to
/// exit status 2.
///
///   throw InputError(path + ": header length 812 runs past the end of the file (300 bytes)");
class InputError : public Error
{
public:
    using Error::Error;
};

/// Training diverged or the run cannot go on for a numerical reason (NaN loss, …).
class TrainingError : public Error
{
public:
    using Error::Error;
};

} // namespace retort
