// socklab/system.hpp — which socket API is underneath, and its start-up.
//
// The lessons never need this: the layer hides the differences. It is here for
// tests and curious students who want to ask, at run time and without #ifdef,
// what they are running on:
//
//   if (!socklab::system::needs_startup()) GTEST_SKIP() << "POSIX needs no WSAStartup";
//
// The system calls behind each member, per platform: docs/layer.md.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace socklab::system {

/// "POSIX sockets" or "Winsock 2.2".
std::string_view api_name() noexcept;

/// True where the socket library must be started before the first socket call
/// (WSAStartup on Windows). socklab::initialize() and every Socket factory do it.
bool needs_startup() noexcept;

/// "Wine 8.0" when this Windows build runs under Wine, "" otherwise. Tests use it
/// to skip, with the reason, what Wine does differently from real Windows.
std::string emulator();

/// Starts the socket library asking for API version major.minor, checks the
/// answer exactly as the layer checks its own start-up (which asks for 2.2), and
/// stops it again. Fails with the platform's code (e.g. WSAVERNOTSUPPORTED) if
/// that version can't be had; the throwing form throws socklab::Error naming
/// "WSAStartup". Succeeds at once where there is nothing to start (POSIX).
/// Leaves the layer's own start-up untouched: it exists to test the failure path.
void try_startup(int major, int minor);
void try_startup(int major, int minor, std::error_code& ec) noexcept;

}  // namespace socklab::system
