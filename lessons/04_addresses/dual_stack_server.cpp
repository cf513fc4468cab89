// Lesson 04 — a dual-stack server: one IPv6 socket that IPv4 clients reach too.
//
// An AF_INET6 socket bound to "::" (every IPv6 address) also accepts IPv4
// connections when IPV6_V6ONLY is off: an IPv4 client then appears as an
// "IPv4-mapped" IPv6 address, ::ffff:127.0.0.1 (RFC 4291 section 2.5.5.2).
// The default of IPV6_V6ONLY differs (Linux: off, from the sysctl
// net.ipv6.bindv6only; Windows and the BSDs: on), and socklab leaves it alone,
// so this server sets it explicitly — both ways. `ctest -L lesson04` runs it in
// a network namespace whose default is on: a server that relies on the
// default loses its IPv4 clients there.
//
// The steps are the lesson's: step 5 is the dual-stack listener, step 6 the
// pitfall --v6only shows (IPv4 clients are then refused). It tells each client
// the address it saw, and closes.
//
// Docs: docs/lessons/04-addresses.md
#include <socklab/socklab.hpp>

#include <stdexcept>
#include <string>

using namespace socklab;

int main(int argc, char** argv) {
  cli::Parser args("dual_stack_server", "Lesson 04: one IPv6 socket for IPv4 and IPv6 clients.");
  args.option("--host", "HOST", "::",
              "an IPv6 address or a name (its IPv6 addresses); :: is every interface, v4 and v6")
      .option("--port", "PORT", "8888", "TCP port; 0 lets the kernel pick a free one")
      .option("--count", "N", "0", "exit after N clients (0 = run forever)")
      .flag("--v6only", "set IPV6_V6ONLY: IPv6 clients only (step 6)");

  return cli::run(argc, argv, args, [&] {
    const long long count = args.integer("--count", 0, 1'000'000'000);
    const bool v6only = args.is_set("--v6only");

    // --host may be a name ("localhost"): getaddrinfo() is asked for its IPv6
    // addresses only, and cli::host_port() runs this for each until one bind()s.
    const std::string host = args.get("--host");
    Socket server =
        cli::host_port(host, args.port(), Type::stream, Family::ipv6, [v6only](const Address& a) {
          // Step 5: socket(AF_INET6, SOCK_STREAM) ...
          Socket server_socket = Socket::tcp(Family::ipv6);
          // ... IPV6_V6ONLY set BEFORE bind(), to false (dual stack) or, with --v6only
          // (step 6), to true: it decides which ports bind() claims — the IPv6 one only,
          // or the IPv4 one as well. Set it both ways: the default is the system's.
          // SOLUTION-BEGIN: TODO(step 5): IPV6_V6ONLY false, or true if `v6only`, before
          // bind() (set_v6_only() in socket.hpp; man 7 ipv6).
          // SOLUTION-STUB: (void)v6only;  // remove this line
          // SOLUTION-STUB: throw std::logic_error("TODO(step 5): IPV6_V6ONLY is not written yet");
          server_socket.set_v6_only(v6only);
          // SOLUTION-END
          server_socket.set_reuse_address(true);
          // ... bind([::]:port) ...
          server_socket.bind(a);
          return server_socket;
        });
    // ... listen() ...
    server.listen(16);
    cli::say_listening(server);

    for (long long served = 0; count == 0 || served < count; ++served) {
      // ... accept(): the peer is always an IPv6 address here; IPv4 clients show
      // up as ::ffff:a.b.c.d.
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
