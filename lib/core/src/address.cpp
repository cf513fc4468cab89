// address.cpp — parsing and formatting "IP:port"; the byte work is in the platform file.
#include "socklab/address.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "platform.hpp"
#include "socklab/error.hpp"
#include "socklab/socket.hpp"

namespace socklab {

std::string_view to_string(Family f) noexcept {
  switch (f) {
    case Family::ipv4:
      return "IPv4";
    case Family::ipv6:
      return "IPv6";
    case Family::unspecified:
      break;
  }
  return "unspecified";
}

Address::Address(const void* sockaddr, std::size_t size) noexcept
    : size_(std::min(size, storage_.size())) {
  if (sockaddr != nullptr) std::memcpy(storage_.data(), sockaddr, size_);
}

std::uint16_t parse_port(std::string_view text, std::error_code& ec) noexcept {
  ec = errc::invalid_port;
  if (text.empty() || text.size() > 5) return 0;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return 0;
  ec.clear();
  return static_cast<std::uint16_t>(value);
}

std::uint16_t parse_port(std::string_view text) {
  std::error_code ec;
  auto port = parse_port(text, ec);
  throw_if(ec, "parse_port", text);
  return port;
}

Address Address::from_ip(std::string_view ip, std::uint16_t port, std::error_code& ec) noexcept {
  if (auto a = sys::parse_ip(ip, port)) {
    ec.clear();
    return *a;
  }
  ec = errc::invalid_address;
  return {};
}

Address Address::from_ip(std::string_view ip, std::uint16_t port) {
  std::error_code ec;
  Address a = from_ip(ip, port, ec);
  throw_if(ec, "parse", ip);
  return a;
}

Address Address::parse(std::string_view text, std::error_code& ec) noexcept {
  // "[v6]:port" or "v4:port": the port is after the last ':'.
  std::string_view ip, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      ec = errc::invalid_address;
      return {};
    }
    ip = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      ec = errc::invalid_address;  // no port, or an IPv6 address without brackets
      return {};
    }
    ip = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  std::uint16_t p = parse_port(port, ec);
  if (ec) return {};
  Address a = from_ip(ip, p, ec);
  if (!ec && (text.front() == '[') != (a.family() == Family::ipv6)) {
    ec = errc::invalid_address;  // "[127.0.0.1]:80" is not an IPv6 address
    return {};
  }
  return a;
}

Address Address::parse(std::string_view text) {
  std::error_code ec;
  Address a = parse(text, ec);
  throw_if(ec, "parse", text);
  return a;
}

Address Address::loopback(Family family, std::uint16_t port) {
  return sys::loopback_address(family, port);
}

Address Address::any(Family family, std::uint16_t port) {
  return sys::any_address(family, port);
}

std::vector<Address> Address::resolve(std::string_view host, std::string_view service,
                                      Family family, Type type, std::error_code& ec) {
  ec = sys::startup();
  if (ec) return {};
  return sys::resolve(host, service, family, type, ec);
}

std::vector<Address> Address::resolve(std::string_view host, std::string_view service,
                                      Family family, Type type) {
  std::error_code ec;
  auto out = resolve(host, service, family, type, ec);
  throw_if(ec, "getaddrinfo", fmt::format("{}, {}", host, service));
  return out;
}

Family Address::family() const noexcept {
  return sys::family_of(*this);
}
std::uint16_t Address::port() const noexcept {
  return sys::port_of(*this);
}
Address Address::with_port(std::uint16_t port) const {
  return sys::with_port(*this, port);
}
std::string Address::ip() const {
  return sys::ip_of(*this);
}
bool Address::is_loopback() const noexcept {
  return sys::is_loopback(*this);
}

std::string Address::to_string() const {
  switch (family()) {
    case Family::ipv4:
      return fmt::format("{}:{}", ip(), port());
    case Family::ipv6:
      return fmt::format("[{}]:{}", ip(), port());
    case Family::unspecified:
      break;
  }
  return "(no address)";
}

bool operator==(const Address& a, const Address& b) noexcept {
  return a.family() == b.family() && a.port() == b.port() && a.ip() == b.ip();
}

}  // namespace socklab
