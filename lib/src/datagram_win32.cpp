// datagram_win32.cpp — recv_datagram() with Winsock's recvfrom().
//
// Winsock reports a datagram longer than the buffer as the error WSAEMSGSIZE,
// with the part that fits in the buffer and the rest discarded; we report it as
// POSIX's MSG_TRUNC: the bytes that fit, truncated = true, no error.
// An ICMP "port unreachable" for an earlier sendto() surfaces on Windows as
// WSAECONNRESET (documented for recvfrom on UDP sockets); POSIX says
// ECONNREFUSED. We report connection_refused on both, as it means the same.
#include <winsock2.h>
#include <ws2tcpip.h>

#include <climits>

#include "datagram.hpp"
#include "socklab/error.hpp"

namespace socklab::sys {

std::size_t recv_datagram(Socket::native_handle_type h, void* data, std::size_t size, Address& from,
                          bool& truncated, std::error_code& ec) noexcept {
  truncated = false;
  sockaddr_storage ss{};
  int len = sizeof ss;
  const int room = size > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(size);
  int n = ::recvfrom(static_cast<SOCKET>(h), static_cast<char*>(data), room, 0,
                     reinterpret_cast<sockaddr*>(&ss), &len);
  if (n == SOCKET_ERROR) {
    int code = ::WSAGetLastError();
    if (code == WSAEMSGSIZE) {
      from = Address(&ss, static_cast<std::size_t>(len));
      truncated = true;
      ec.clear();
      return static_cast<std::size_t>(room);
    }
    if (code == WSAECONNRESET) code = WSAECONNREFUSED;
    ec = std::error_code(code, socket_category());
    return 0;
  }
  from = Address(&ss, static_cast<std::size_t>(len));
  ec.clear();
  return static_cast<std::size_t>(n);
}

}  // namespace socklab::sys
