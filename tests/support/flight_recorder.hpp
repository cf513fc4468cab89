// tests/support/flight_recorder.hpp — a failing end-to-end test leaves its wire behind.
//
// flight_recorder.cpp is linked into every lesson's and every example's test
// program (cmake/Socklab.cmake). Before main() it gives the process a network
// namespace of its own (lab::use_own_network(): as root a new network
// namespace, as a user the lab's user + network namespaces), so the loopback
// carries this test program's traffic and nobody else's, and it installs a
// GoogleTest listener:
//
//   OnTestStart   open an AF_PACKET capture of every TCP segment on lo
//                 (observe::Capture::loopback(0)); nothing is read while the test runs
//   OnTestEnd     passed or skipped: close it — the kernel throws the queue away
//                 failed: read the queue, write <build>/failures/<Suite.Test>.pcapng
//                 and <Suite.Test>.html (the ladder of lesson 03, one per connection),
//                 and print both paths and the last segments as ladder lines, each
//                 data segment with its bytes
//
// Where the process cannot record (not Linux, no namespace of its own, no
// CAP_NET_RAW), nothing is captured and a failure says "no flight recording:
// <cause>" once. SOCKLAB_FLIGHT_RECORDER=off in the environment switches both the
// namespace and the recording off. docs/flight-recorder.md.
#pragma once

#include <string>

namespace socklab::test {

/// The directory failed tests' recordings go to (<build>/failures).
std::string failures_dir();

/// "" when this process records its tests, else why not (one line).
std::string flight_recorder_off();

/// The file name a test's recording gets, without extension: "Suite.Test", with
/// '/' (parameterised tests) made '_'.
std::string recording_name(const std::string& suite, const std::string& test);

}  // namespace socklab::test
