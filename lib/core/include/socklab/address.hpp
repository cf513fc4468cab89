// socklab/address.hpp — an IPv4 or IPv6 socket address (IP + port).
//
// Python writes ('localhost', 8888); socklab writes
//
//   Address::parse("127.0.0.1:8888")      // numeric, IPv4
//   Address::parse("[::1]:8888")          // numeric, IPv6 (brackets as in URLs)
//   Address::resolve("localhost", "8888") // by name, every result getaddrinfo() gives
//
// Inside it is a sockaddr_in or sockaddr_in6 (held in opaque storage so this
// header needs no platform headers); data() and size() hand it to the raw API.
//
// The system calls behind each member, per platform: docs/layer.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace socklab {

enum class Family {
  unspecified,  ///< no address (a default-constructed Address), or "any family" in resolve()
  ipv4,         ///< AF_INET
  ipv6,         ///< AF_INET6
};

/// The kind of socket: a TCP byte stream or UDP datagrams.
enum class Type {
  stream,    ///< SOCK_STREAM (TCP)
  datagram,  ///< SOCK_DGRAM (UDP)
};

std::string_view to_string(Family f) noexcept;

class Address {
 public:
  /// An empty address (family() == Family::unspecified).
  Address() noexcept = default;

  /// Copies a raw sockaddr of `size` bytes (as filled in by accept(), getsockname()...).
  Address(const void* sockaddr, std::size_t size) noexcept;

  /// "127.0.0.1:8888" or "[::1]:8888". Numeric only: no name lookup.
  static Address parse(std::string_view text);
  static Address parse(std::string_view text, std::error_code& ec) noexcept;

  /// An IP address text ("127.0.0.1", "::1") and a port. Numeric only.
  static Address from_ip(std::string_view ip, std::uint16_t port);
  static Address from_ip(std::string_view ip, std::uint16_t port, std::error_code& ec) noexcept;

  /// 127.0.0.1 or ::1 with the given port.
  static Address loopback(Family family, std::uint16_t port = 0);
  /// 0.0.0.0 or :: (every interface) with the given port.
  static Address any(Family family, std::uint16_t port = 0);

  /// getaddrinfo(): every address `host` has for `service` (a port number or a
  /// name such as "http"). Family::unspecified asks for both IPv4 and IPv6.
  static std::vector<Address> resolve(std::string_view host, std::string_view service,
                                      Family family = Family::unspecified,
                                      Type type = Type::stream);
  static std::vector<Address> resolve(std::string_view host, std::string_view service,
                                      Family family, Type type, std::error_code& ec);

  Family family() const noexcept;
  /// The port in host byte order (the layer does the ntohs() for you).
  std::uint16_t port() const noexcept;
  /// The same IP with another port.
  Address with_port(std::uint16_t port) const;
  /// The IP as text: "127.0.0.1", "::1" (inet_ntop()).
  std::string ip() const;
  /// "127.0.0.1:8888" or "[::1]:8888" — parse() reads this back.
  std::string to_string() const;
  /// 127.0.0.0/8 or ::1.
  bool is_loopback() const noexcept;

  /// The raw sockaddr for the system API, and its length in bytes.
  const void* data() const noexcept { return storage_.data(); }
  std::size_t size() const noexcept { return size_; }

  friend bool operator==(const Address& a, const Address& b) noexcept;

 private:
  alignas(8) std::array<unsigned char, 128> storage_{};  // a sockaddr_storage
  std::size_t size_ = 0;
};

/// Parses a port number "0".."65535" strictly (no sign, no spaces, no hex).
std::uint16_t parse_port(std::string_view text);
std::uint16_t parse_port(std::string_view text, std::error_code& ec) noexcept;

}  // namespace socklab
