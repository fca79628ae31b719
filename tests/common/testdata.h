#pragma once

#include <QString>
#include <QtTest>

#include <string>

namespace retort::test {

/// Root of ../shared/data (env RETORT_SHARED_DATA), or an empty string when absent.
std::string sharedDataDir();
/// Full path of a file below the shared data root; empty when the root is absent.
std::string sharedPath(const std::string& relative);
/// Path of the retort-cli binary under test (env RETORT_CLI).
std::string cliPath();
/// A fresh temporary directory removed at process exit.
std::string tempDir(const std::string& tag);

/// Runs a command, returns its exit status; stdout+stderr go to *output when given.
int runCommand(const std::string& command, std::string* output = nullptr);

} // namespace retort::test

/// Skips the current test (saying why) when the reference data is missing.
#define RETORT_REQUIRE_SHARED_DATA()                                                               \
    do {                                                                                           \
        if (retort::test::sharedDataDir().empty())                                                 \
            QSKIP("../shared/data not found (set RETORT_SHARED_DATA): reference data absent");    \
    } while (false)
