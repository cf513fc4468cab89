// datagram.hpp — receiving one UDP datagram and learning whether it was cut short.
//
// Internal to lib/. recvfrom() alone cannot say that a datagram was longer than
// the buffer on POSIX: the rest is dropped silently. recvmsg() can (MSG_TRUNC in
// msg_flags, POSIX.1-2017 recvmsg()); Winsock's recvfrom() fails with
// WSAEMSGSIZE instead. Defined in datagram_posix.cpp and datagram_win32.cpp.
#pragma once

#include <cstddef>
#include <system_error>

#include "socklab/address.hpp"
#include "socklab/socket.hpp"

namespace socklab::sys {

/// One datagram into data[0..size). Returns the bytes stored; sets `truncated`
/// when the datagram was longer (its tail is gone). An ICMP "port unreachable"
/// for an earlier send is reported as std::errc::connection_refused everywhere.
std::size_t recv_datagram(Socket::native_handle_type h, void* data, std::size_t size, Address& from,
                          bool& truncated, std::error_code& ec) noexcept;

}  // namespace socklab::sys
