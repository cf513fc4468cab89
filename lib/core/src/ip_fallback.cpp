// ip_fallback.cpp — socklab/ip.hpp where Linux's error queue, IP_MTU and ICMP
// datagram sockets do not exist (macOS, Windows): every call reports
// std::errc::operation_not_supported, and the message (hint_for) says what to use instead.
#include "socklab/error.hpp"
#include "socklab/ip.hpp"

namespace socklab {
namespace {

std::error_code unsupported() noexcept {
  return std::make_error_code(std::errc::operation_not_supported);
}

}  // namespace

void set_ttl(Socket&, int, std::error_code& ec) noexcept {
  ec = unsupported();
}
void set_recv_errors(Socket&, bool, std::error_code& ec) noexcept {
  ec = unsupported();
}
void set_recv_ttl(Socket&, bool, std::error_code& ec) noexcept {
  ec = unsupported();
}
void set_dont_fragment(Socket&, bool, std::error_code& ec) noexcept {
  ec = unsupported();
}
int path_mtu(const Socket&, std::error_code& ec) noexcept {
  ec = unsupported();
  return -1;
}
std::optional<IcmpError> recv_error(Socket&, std::error_code& ec) noexcept {
  ec = unsupported();
  return std::nullopt;
}
ReceivedWithTtl recv_with_ttl(Socket&, std::span<std::byte>, std::error_code& ec) noexcept {
  ec = unsupported();
  return {};
}
Socket icmp_datagram_socket(Family, std::error_code& ec) noexcept {
  ec = unsupported();
  return Socket{};
}
Socket icmp_raw_socket(Family, std::error_code& ec) noexcept {
  ec = unsupported();
  return Socket{};
}

}  // namespace socklab
