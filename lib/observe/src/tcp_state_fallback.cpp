// tcp_state_fallback.cpp — every platform without a TCP state query yet (macOS,
// the BSDs; Windows until its TCP table is read): the kernel-table lookup and
// TCP_INFO report "operation not supported".
//
// Windows can answer find_connection() with GetTcpTable2(); macOS tcp_state()
// with TCP_CONNECTION_INFO.
#include "socklab/observe/tcp_state.hpp"

namespace socklab::observe {

namespace {
std::error_code not_supported() noexcept {
  return std::make_error_code(std::errc::operation_not_supported);
}
}  // namespace

TcpState tcp_state(const Socket&, std::error_code& ec) noexcept {
  ec = not_supported();
  return TcpState::unknown;
}

std::optional<TcpEntry> find_connection(const Address&, const Address&, std::error_code& ec) {
  ec = not_supported();
  return std::nullopt;
}

}  // namespace socklab::observe
