// tests/support/own_network.hpp — the lab lessons' tests (03, 04, 12, 13) run in
// namespaces of their own when not root.
//
// own_network.cpp, linked into those test programs only, calls
// lab::use_own_namespaces() before main() — while the process has one thread, as
// unshare(2) requires. As root nothing changes. As an ordinary user the test
// process becomes root of a user namespace with its own network namespace, so
// the tests (and the programs they start, which inherit it) build veths,
// routes, TUN devices and captures without sudo. docs/lessons/12-routing.md.
#pragma once

#include <string>
#include <system_error>

namespace socklab::test {

/// What use_own_namespaces() returned when the program started ({} = the lab can run).
std::error_code lab_namespaces_status();

/// "" when this process may build namespaces, else the cause and the fix, one
/// line, for GTEST_SKIP (e.g. Ubuntu's AppArmor restriction and the sysctl).
std::string lab_unavailable();

}  // namespace socklab::test
