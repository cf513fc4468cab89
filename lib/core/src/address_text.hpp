// address_text.hpp — the address an error message names, without losing the error.
//
// Internal to lib/core (socket.cpp defines them; io.cpp and frame.cpp use them).
// The getpeername()/getsockname() made for a message may fail and set errno /
// WSAGetLastError() anew; these put the failed call's error back, so that
// last_socket_error() after a throwing form reports the call (docs/layer.md).
#pragma once

#include <string>

#include "socklab/socket.hpp"

namespace socklab::detail {

std::string peer_text(Socket::native_handle_type h);   // "" if getpeername() fails
std::string local_text(Socket::native_handle_type h);  // "" if getsockname() fails

}  // namespace socklab::detail
