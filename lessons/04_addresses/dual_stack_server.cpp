// Lesson 04 — a dual-stack server: one IPv6 socket that IPv4 clients reach too.
//
// An AF_INET6 socket bound to "::" (every IPv6 address) also accepts IPv4
// connections when IPV6_V6ONLY is off: an IPv4 client then appears as an
// "IPv4-mapped" IPv6 address, ::ffff:127.0.0.1 (RFC 4291 section 2.5.5.2).
// The default of IPV6_V6ONLY differs (Linux: off, from the sysctl
// net.ipv6.bindv6only; Windows: on), so a portable server sets it explicitly.
//
// It tells each client the address it saw, and closes. --v6only shows the
// other setting: IPv4 clients are then refused.
//
// Docs: docs/lessons/04-addresses.md
#include <socklab/socklab.hpp>

#include <stdexcept>
#include <string>

using namespace socklab;

int main(int argc, char** argv) {
  cli::Parser args("dual_stack_server", "Lesson 04: one IPv6 socket for IPv4 and IPv6 clients.");
  args.option("--host", "HOST", "::", "an IPv6 address; :: is every interface, v4 and v6")
      .option("--port", "PORT", "8888", "TCP port; 0 lets the kernel pick a free one")
      .option("--count", "N", "0", "exit after N clients (0 = run forever)")
      .flag("--v6only", "set IPV6_V6ONLY: IPv6 clients only");

  return cli::run(argc, argv, args, [&] {
    Address where = cli::host_port(args.get("--host"), args.port());
    if (where.family() != Family::ipv6) throw cli::UsageError("--host must be an IPv6 address");
    unsigned long count = 0;
    try {
      count = std::stoul(args.get("--count"));
    } catch (const std::exception&) {
      throw cli::UsageError("--count needs a number");
    }

    // 1. socket(AF_INET6, SOCK_STREAM)
    Socket server = Socket::tcp(Family::ipv6);
    // 2. IPV6_V6ONLY off (or on with --v6only), BEFORE bind(): it decides which
    //    ports bind() claims — the IPv6 one only, or the IPv4 one as well.
    // SOLUTION-BEGIN: TODO(step 5): IPV6_V6ONLY off, or on with --v6only, before bind()
    // (set_v6_only() in socket.hpp; man 7 ipv6).
    // SOLUTION-STUB: throw std::logic_error("TODO(step 5): set_v6_only() is not written yet");
    server.set_v6_only(args.is_set("--v6only"));
    // SOLUTION-END
    server.set_reuse_address(true);
    // 3. bind([::]:port), listen()
    server.bind(where);
    server.listen(16);
    cli::say("listening on {}", server.local_address().to_string());

    for (unsigned long served = 0; count == 0 || served < count; ++served) {
      // 4. accept(): the peer is always an IPv6 address here; IPv4 clients show
      //    up as ::ffff:a.b.c.d.
      auto [conn, peer] = server.accept();
      bool mapped = peer.ip().rfind("::ffff:", 0) == 0 && peer.ip().find('.') != std::string::npos;
      cli::say("connection from {} ({})", peer.to_string(),
               mapped ? "an IPv4 client, IPv4-mapped" : "an IPv6 client");
      std::error_code ignored;  // a client that has already gone must not stop the server
      send_all(conn, "you are " + peer.to_string() + "\n", ignored);
    }
    return 0;
  });
}
