// naive.cpp — socklab/naive.hpp: calls made the way a naive program makes them (lesson 09).
#include "socklab/naive.hpp"

#include "platform.hpp"
#include "socklab/error.hpp"

namespace socklab {

namespace naive {

std::size_t send(Socket& sock, std::string_view data, std::error_code& ec) noexcept {
  if (!sock.is_open()) {
    ec = errc::not_open;
    return 0;
  }
  return sys::naive_send(sock.native_handle(), data.data(), data.size(), ec);
}
std::size_t send(Socket& sock, std::string_view data) {
  std::error_code ec;
  std::size_t n = send(sock, data, ec);
  throw_if(ec, "send");
  return n;
}

int sigpipe_signal() noexcept {
  return sys::sigpipe_number();
}

}  // namespace naive

}  // namespace socklab
