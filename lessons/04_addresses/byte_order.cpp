// Lesson 04 — byte order: how an address and a port are stored, byte by byte.
//
// Numbers in IP, TCP and UDP headers are big-endian: "network byte order"
// (RFC 791 appendix B). Most CPUs today are little-endian and keep the LOW byte
// first. So a port must be converted before it goes into a sockaddr: that is
// htons() ("host to network, short"), and ntohs() on the way back. Forget it and
// your server listens on another port than you think (the tests show it).
//
// inet_pton() turns the text of an IP into its bytes (already in network
// order); inet_ntop() turns them back into text, in the canonical form
// (for IPv6: lowercase, the longest run of zero groups as "::", RFC 5952).
//
// Docs: docs/lessons/04-addresses.md
#include <socklab/byte_order.hpp>
#include <socklab/socklab.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

using namespace socklab;

// "22 b8": the bytes of any object, in the order they sit in memory.
std::string hex_bytes(const void* data, std::size_t size) {
  std::string out;
  for (std::size_t i = 0; i < size; ++i)
    out += fmt::format("{}{:02x}", i ? " " : "", static_cast<const unsigned char*>(data)[i]);
  return out;
}

int main(int argc, char** argv) {
  cli::Parser args("byte_order", "Lesson 04: the bytes of a port and an IP address.");
  args.option("--host", "HOST", "127.0.0.1", "an IPv4 or IPv6 address (numeric)")
      .option("--port", "PORT", "8888", "a port number");

  return cli::run(argc, argv, args, [&] {
    const std::uint16_t port = args.port();
    cli::say("this host is {}-endian", host_is_little_endian() ? "little" : "big");

    // Step 3: the port as the CPU stores it, and after htons().
    // SOLUTION-BEGIN: TODO(step 3): htons(): `port` in network byte order (host_to_network16()
    // in byte_order.hpp; man 3 htons).
    // SOLUTION-STUB: throw std::logic_error("TODO(step 3): htons() is not written yet");
    // SOLUTION-STUB: const std::uint16_t wire = port;  // replace this line
    const std::uint16_t wire = host_to_network16(port);  // htons()
    // SOLUTION-END
    cli::say("port {} = 0x{:04x}", port, port);
    cli::say("  in memory as a plain uint16_t:  {}", hex_bytes(&port, sizeof port));
    cli::say("  in memory after htons():        {}   <- network byte order", hex_bytes(&wire, 2));

    // Step 2, inet_pton(): text -> bytes, inside a sockaddr together with the port.
    // SOLUTION-BEGIN: TODO(step 2): inet_pton(): the address of the text --host, with `port`
    // (Address::from_ip() in address.hpp; man 3 inet_pton).
    // SOLUTION-STUB: throw std::logic_error("TODO(step 2): inet_pton() is not written yet");
    // SOLUTION-STUB: Address a;  // replace this line
    Address a = Address::from_ip(args.get("--host"), port);
    // SOLUTION-END
    const auto* raw = static_cast<const unsigned char*>(a.data());
    // Bytes 2-3 of sockaddr_in and sockaddr_in6 are the port (RFC 3493 section 3.3);
    // the IP follows at byte 4 (IPv4) or, after 4 bytes of flow label, byte 8 (IPv6).
    const std::size_t ip_at = a.family() == Family::ipv4 ? 4 : 8;
    const std::size_t ip_size = a.family() == Family::ipv4 ? 4 : 16;
    cli::say("sockaddr for {} ({} bytes):", a.to_string(), a.size());
    cli::say("  port, bytes 2-3:                {}", hex_bytes(raw + 2, 2));
    cli::say("  inet_pton(\"{}\"): {}", args.get("--host"), hex_bytes(raw + ip_at, ip_size));

    // Step 4: reading the port back without ntohs() — the classic bug.
    std::uint16_t stored = 0;
    std::memcpy(&stored, raw + 2, 2);
    // SOLUTION-BEGIN: TODO(step 4): ntohs(): `stored` back in host byte order
    // (network_to_host16() in byte_order.hpp; man 3 ntohs).
    // SOLUTION-STUB: throw std::logic_error("TODO(step 4): ntohs() is not written yet");
    // SOLUTION-STUB: const std::uint16_t port_again = stored;  // replace this line
    const std::uint16_t port_again = network_to_host16(stored);  // ntohs()
    // SOLUTION-END
    cli::say("  port read back with ntohs():    {}", port_again);
    cli::say("  port read back without ntohs(): {}", stored);

    // Step 2, inet_ntop(): bytes -> text, canonical form.
    cli::say("inet_ntop() gives back: {}", a.ip());
    return 0;
  });
}
